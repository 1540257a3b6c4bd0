#!/bin/sh
# txstore's PostgreSQL fast path (COPY straight into the table, the staging
# merge only when a batch really conflicts) against the slow reference
# (TXSTORE_PG_SAFE=1: the staging merge for every batch): the same inputs,
# with duplicates in and across batches, updates and deletes in the batch of
# their create and a resume, must leave the same database. Then
# --async-commit against a server crash (pg_ctl -m immediate): the WAL
# writer is slowed down (wal_writer_delay=10s) so that a crash loses the
# commits not yet flushed. Larger batches are split over two connections:
# against one connection, and the order of the two commits.
. "$TX_SRCDIR/tests/lib.sh"
PG_EXTRA_OPTS="-c wal_writer_delay=10s -c wal_writer_flush_after=1GB -c autovacuum=off"
. "$TX_SRCDIR/tests/pg.sh"

pg_start || exit 1

q="'"
gen() { "$PYTHON3" "$TX_SRCDIR/tests/t5-records.py" "$@"; }
# The whole database but the times of the run (stored_at, updated_at) and
# the order of the rows.
dump() {
	pg_psql -d "$1" -c "SELECT transaction_id, account, type, amount, currency, ts, status,
		reason, alerts, counterparty, record, source_topic, source_partition, source_offset,
		source_ts, updated_at IS NOT NULL, deleted_at IS NOT NULL FROM transactions
		ORDER BY transaction_id COLLATE \"C\"" &&
	pg_psql -d "$1" -c "SELECT account, currency, balance, available_balance, tx_count
		FROM balances ORDER BY account COLLATE \"C\", currency COLLATE \"C\"" &&
	pg_psql -d "$1" -c "SELECT topic, \"partition\", next_offset, cluster FROM offsets
		ORDER BY topic COLLATE \"C\", \"partition\""
}

test_expect_success 'the fast path leaves exactly what the safe reference leaves' '
	txgen -q -n 6000 --seed 7 --pending 0.1 --deletes 0.03 --duplicates 0.03 >gen.ndjson &&
	txbal -q <gen.ndjson >bal.ndjson &&
	head -n 2000 bal.ndjson >head.ndjson &&
	gen 1500 --seed 8 --prefix S >src.ndjson &&
	head -n 700 src.ndjson >src-head.ndjson &&
	grep -c "\"op\":\"update\"" bal.ndjson &&
	grep -c "\"op\":\"delete\"" bal.ndjson &&
	pg_psql -c "ALTER SYSTEM SET log_line_prefix = ${q}db=%d ${q}" -c "SELECT pg_reload_conf()" &&
	for kind in fast safe; do
		pg_psql -c "CREATE DATABASE $kind" -c "ALTER DATABASE $kind SET log_statement = ${q}all${q}" &&
		if [ $kind = safe ]; then safe=1; else safe=0; fi &&
		run="env TXSTORE_PG_SAFE=$safe txstore" &&
		$run --batch 333 dbname=$kind <bal.ndjson 2>err1.$kind &&
		$run --batch 250 dbname=$kind <head.ndjson 2>err2.$kind &&
		$run --batch 100 dbname=$kind <src-head.ndjson 2>err3.$kind &&
		$run --batch 100 --async-commit dbname=$kind <src.ndjson 2>err4.$kind &&
		dump $kind >db.$kind || return 1
	done &&
	cat err1.fast err2.fast err3.fast err4.fast &&
	for i in 1 2 3 4; do
		sed "s/ in [0-9.]* s, .*//" err$i.fast >sum$i.fast &&
		sed "s/ in [0-9.]* s, .*//" err$i.safe >sum$i.safe &&
		test_cmp sum$i.fast sum$i.safe || return 1
	done &&
	test_grep "2000 read, 0 stored, 2000 duplicates" err2.fast &&
	test_grep "1500 read, 800 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 700 already stored" err4.fast &&
	test "$(grep -c . db.fast)" -gt 7000 &&
	test_cmp db.fast db.safe &&
	# each run took the path it was meant to: the reference never COPYs into the table
	test_grep "^db=fast .*COPY transactions" pg/server.log &&
	test_grep "^db=fast .*FROM txstore_stage ON CONFLICT" pg/server.log &&
	! grep -q "^db=safe .*COPY transactions" pg/server.log &&
	test "$(grep -c "^db=safe .*FROM txstore_stage ON CONFLICT" pg/server.log)" -gt 20 &&
	# the offsets: one statement a batch, one an offset in the reference
	test_grep "^db=fast .*execute txstore_offs:" pg/server.log &&
	! grep -q "^db=fast .*execute txstore_off:" pg/server.log &&
	test_grep "^db=safe .*execute txstore_off:" pg/server.log &&
	! grep -q "^db=safe .*execute txstore_offs:" pg/server.log
'

# The offsets of a batch go in one statement, as arrays: topics and
# clusters that need quoting in an array (and a topic named NULL), and a
# partition without a cluster, come back as they were, as in the reference.
test_expect_success 'offsets: topics and clusters with quotes, backslashes, commas and braces' '
	cat >odd.ndjson <<-\EOF &&
	{"transaction_id":"w0","account":"A","type":"deposit","amount":1.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","source":{"topic":"we\"ird\\ {t,o}pic","partition":0,"offset":4,"cluster":"c\"l\\,{}"}}
	{"transaction_id":"w1","account":"A","type":"deposit","amount":1.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","source":{"topic":"we\"ird\\ {t,o}pic","partition":1,"offset":5,"cluster":"c\"l\\,{}"}}
	{"transaction_id":"n0","account":"A","type":"deposit","amount":1.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","source":{"topic":"NULL","partition":0,"offset":4,"cluster":"c\"l\\,{}"}}
	{"transaction_id":"n1","account":"A","type":"deposit","amount":1.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","source":{"topic":"NULL","partition":1,"offset":5,"cluster":"c\"l\\,{}"}}
	{"transaction_id":"a0","account":"A","type":"deposit","amount":1.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","source":{"topic":"a b","partition":0,"offset":4,"cluster":"c\"l\\,{}"}}
	{"transaction_id":"a1","account":"A","type":"deposit","amount":1.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","source":{"topic":"a b","partition":1,"offset":5,"cluster":"c\"l\\,{}"}}
	{"transaction_id":"a2","account":"A","type":"deposit","amount":1.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","source":{"topic":"a b","partition":2,"offset":6}}
	EOF
	cat >off.want <<-\EOF &&
	NULL|0|5|c"l\,{}
	NULL|1|6|c"l\,{}
	a b|0|5|c"l\,{}
	a b|1|6|c"l\,{}
	a b|2|7|
	we"ird\ {t,o}pic|0|5|c"l\,{}
	we"ird\ {t,o}pic|1|6|c"l\,{}
	EOF
	for kind in odd oddsafe; do
		pg_psql -c "CREATE DATABASE $kind" &&
		if [ $kind = oddsafe ]; then safe=1; else safe=0; fi &&
		env TXSTORE_PG_SAFE=$safe txstore dbname=$kind <odd.ndjson 2>err.$kind &&
		pg_psql -d $kind -c "SELECT topic, \"partition\", next_offset, cluster FROM offsets
			ORDER BY topic COLLATE \"C\", \"partition\"" >off.$kind || return 1
	done &&
	test_cmp off.want off.odd &&
	test_cmp off.want off.oddsafe
'

# Batches of 1024 creates or more go over two connections (txstore(1)):
# the same inputs at --batch 3000, split, on one connection
# (TXSTORE_PG_ONECONN=1) and the safe reference, must leave the same
# database and the same counts. dup3000 adds to every block of 3000 lines
# a create repeating one of the block's first half (at line 2000 of the
# block: the other half of a split batch), and to every other block one
# repeating a line of the block before (at 2500: an id stored by an
# earlier batch, the second half's COPY fails and it goes the usual way).
dup3000() {
	awk 'function create(j) { while (P[j] ~ /"op":"(update|delete)"/) j--; return P[j] }
	{ L[NR] = $0 } END { o = 0; for (i = 1; i <= NR; i++) {
		if (o % 3000 == 2000) { P[o] = create(o - 1900); print P[o]; o++ }
		if (o % 3000 == 2500 && int(o / 3000) % 2 == 1) { P[o] = create(o - 4500); print P[o]; o++ }
		P[o] = L[i]; print L[i]; o++ } }'
}
# COPYs into transactions by one backend while another's is not committed.
overlaps() {
	awk -v db="$1" '$1 == "db=" db {
		if ($0 ~ /statement: COPY transactions/) { for (p in open) if (p != $2) n++; open[$2] = 1 }
		else if ($0 ~ /statement: (COMMIT|ROLLBACK)/) delete open[$2]
	} END { print n + 0 }' pg/server.log
}

test_expect_success 'two connections leave exactly what one leaves, and both are used at once' '
	txgen -q -n 12000 --seed 17 --pending 0.1 --deletes 0.03 --duplicates 0.03 >g2.ndjson &&
	txbal -q <g2.ndjson | dup3000 >b2.ndjson &&
	head -n 5000 b2.ndjson >h2.ndjson &&
	gen 6000 --seed 18 --prefix T >s2.ndjson &&
	head -n 2500 s2.ndjson >s2-head.ndjson &&
	pg_psql -c "ALTER SYSTEM SET log_line_prefix = ${q}db=%d %p ${q}" -c "SELECT pg_reload_conf()" &&
	for kind in split one ref; do
		pg_psql -c "CREATE DATABASE $kind" -c "ALTER DATABASE $kind SET log_statement = ${q}all${q}" &&
		one=0 && safe=0 &&
		case $kind in one) one=1 ;; ref) safe=1 ;; esac &&
		run="env TXSTORE_PG_ONECONN=$one TXSTORE_PG_SAFE=$safe txstore" &&
		$run --batch 3000 dbname=$kind <b2.ndjson 2>e1.$kind &&
		$run --batch 3000 dbname=$kind <h2.ndjson 2>e2.$kind &&
		$run --batch 2000 dbname=$kind <s2-head.ndjson 2>e3.$kind &&
		$run --batch 2000 --async-commit dbname=$kind <s2.ndjson 2>e4.$kind &&
		dump $kind >db.$kind || return 1
	done &&
	cat e1.split e2.split e3.split e4.split &&
	for i in 1 2 3 4; do
		for kind in split one ref; do
			sed "s/ in [0-9.]* s, .*//" e$i.$kind >sum$i.$kind || return 1
		done &&
		test_cmp sum$i.one sum$i.split && test_cmp sum$i.ref sum$i.split || return 1
	done &&
	test_grep "11653 read, 10520 stored, 34 duplicates" e1.split &&
	test_grep "5000 read, 0 stored, 5000 duplicates" e2.split &&
	test_grep "6000 read, 3500 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 2500 already stored" e4.split &&
	test_cmp db.one db.split && test_cmp db.ref db.split &&
	n=$(overlaps split) && echo "split: $n overlapping COPYs" && test "$n" -ge 4 &&
	n=$(overlaps one) && echo "one connection: $n overlapping COPYs" && test "$n" = 0
'

# The trigger holds every write of offset 3000 (the end of the only batch):
# split, the first half commits alone and a kill -9 then leaves its rows
# and its offsets, nothing more; on one connection nothing is committed.
test_expect_success 'two connections: the first half commits first; a kill between the commits loses nothing' '
	gen 3000 --seed 19 --partitions 1 --balances exp19.bal --sum exp19.sum >in19.ndjson &&
	for kind in ord ord1; do
		pg_psql -c "CREATE DATABASE $kind" &&
		txstore dbname=$kind </dev/null 2>/dev/null &&
		pg_psql -d $kind -c "CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS
			\$\$ BEGIN IF NEW.next_offset = 3000 THEN PERFORM pg_sleep(60); END IF;
			RETURN NEW; END \$\$" \
			-c "CREATE TRIGGER hold BEFORE INSERT OR UPDATE ON offsets FOR EACH ROW
			EXECUTE FUNCTION hold()" &&
		if [ $kind = ord1 ]; then one=1; else one=0; fi &&
		{ env TXSTORE_PG_ONECONN=$one txstore --batch 3000 dbname=$kind <in19.ndjson 2>err19 & } &&
		store=$! &&
		i=0 && until [ "$(pg_psql -d $kind -c "SELECT count(*) FROM pg_stat_activity
			WHERE wait_event = ${q}PgSleep${q}")" = 1 ]; do
			i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.1 || return 1
		done &&
		kill -9 $store && { wait $store; true; } &&
		pg_psql -d $kind -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = ${q}$kind${q} AND pid <> pg_backend_pid()" >/dev/null &&
		pg_psql -d $kind -F " " -c "SELECT (SELECT count(*) FROM transactions),
			(SELECT coalesce(max(source_offset) + 1, 0) FROM transactions),
			(SELECT coalesce(max(next_offset), 0) FROM offsets)" >held.$kind &&
		cat held.$kind &&
		pg_psql -d $kind -c "DROP TRIGGER hold ON offsets" || return 1
	done &&
	read rows end next <held.ord &&
	test "$rows" -gt 1000 && test "$rows" -lt 2000 && test "$rows" = "$end" && test "$next" = "$end" &&
	test "$(cat held.ord1)" = "0 0 0" &&
	txstore dbname=ord <in19.ndjson 2>err19 &&
	test_grep "3000 read, $((3000 - rows)) stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, $rows already stored" err19 &&
	pg_check_sums ord exp19.sum exp19.bal
'

# A row of a split batch's second half refused by the database (an
# account of 300 characters, without balances; TX_REFERENCE=check leaves
# the length check to the database): the second half is then written row
# by row, as the whole batch on one connection.
test_expect_success 'two connections: a refused row in the second half' '
	gen 3000 --seed 24 --partitions 1 >in24.ndjson &&
	"$PYTHON3" -c "
import json, sys
for i, line in enumerate(open(sys.argv[1]), 1):
    if i == 2500:
        r = json.loads(line)
        r = {k: v for k, v in r.items() if k in (\"transaction_id\", \"type\", \"amount\", \"currency\", \"source\")}
        r[\"account\"] = \"L\" * 300
        line = json.dumps(r) + \"\\n\"
    sys.stdout.write(line)
" in24.ndjson >bad24.ndjson &&
	for kind in refs refs1; do
		pg_psql -c "CREATE DATABASE $kind" &&
		if [ $kind = refs1 ]; then one=1; else one=0; fi &&
		test_expect_code 1 env TX_REFERENCE=check TXSTORE_PG_ONECONN=$one \
			txstore --batch 3000 --reject rej.$kind \
			dbname=$kind <bad24.ndjson 2>err24.$kind &&
		sed "s/ in [0-9.]* s, .*//; s/dbname=$kind/dbname=X/" err24.$kind >sum24.$kind &&
		dump $kind >db.$kind || return 1
	done &&
	cat err24.refs &&
	test_grep "^txstore: stdin:2500: .*check constraint \"account_length\"" err24.refs &&
	test_grep "3000 read, 2999 stored, 0 duplicates, 0 updated, 0 deleted, 1 rejected" err24.refs &&
	sed -n 2500p bad24.ndjson >exp24 && test_cmp exp24 rej.refs &&
	test_cmp sum24.refs1 sum24.refs && test_cmp rej.refs1 rej.refs && test_cmp db.refs1 db.refs
'

# A batch whose second half does not continue what is stored (accounts A
# restarted from zero): split, the first half is committed alone, exit 6,
# and what was not stored is counted exactly; on one connection nothing is.
test_expect_success 'two connections: a second half that does not continue what is stored' '
	gen 100 --seed 21 --topic t1 >in21a.ndjson &&
	gen 1500 --seed 22 --prefix B --topic tb >in21.ndjson &&
	gen 1500 --seed 23 --topic ta >>in21.ndjson &&
	for kind in disc disc1; do
		pg_psql -c "CREATE DATABASE $kind" &&
		txstore dbname=$kind <in21a.ndjson 2>/dev/null &&
		if [ $kind = disc1 ]; then one=1; else one=0; fi &&
		test_expect_code 6 env TXSTORE_PG_ONECONN=$one txstore --batch 3000 dbname=$kind \
			<in21.ndjson 2>err21.$kind &&
		cat err21.$kind || return 1
	done &&
	test_grep "^txstore: dbname=disc: stdin:1501: account ${q}A[0-9]*${q} (...): the record continues from balance .*this batch was not stored; resume" err21.disc &&
	test_grep "^txstore: 1500 records read were not stored" err21.disc &&
	test_grep "3000 read, 1500 stored, 0 duplicates" err21.disc &&
	test "$(pg_psql -d disc -c "SELECT count(*) FROM transactions")" = 1600 &&
	test "$(pg_psql -d disc -c "SELECT sum(next_offset) FROM offsets WHERE topic = ${q}tb${q}")" = 1500 &&
	test "$(pg_psql -d disc -c "SELECT count(*) FROM offsets WHERE topic = ${q}ta${q}")" = 0 &&
	test_grep "^txstore: 3000 records read were not stored" err21.disc1 &&
	test_grep "3000 read, 0 stored, 0 duplicates" err21.disc1 &&
	test "$(pg_psql -d disc1 -c "SELECT count(*) FROM transactions")" = 100
'

# The role may open one connection more only until txstore has opened its
# first: the second is refused, txstore says so once and stores over one.
test_expect_success 'two connections: without a second one, a warning and one connection' '
	pg_psql -c "CREATE ROLE lim LOGIN" -c "CREATE DATABASE lim OWNER lim" &&
	{ { until [ -f go ]; do sleep 0.1; done; cat in19.ndjson; } |
		txstore --batch 1500 "dbname=lim user=lim" 2>err20 & } &&
	store=$! &&
	i=0 && until [ "$(pg_psql -c "SELECT count(*) FROM pg_stat_activity
		WHERE usename = ${q}lim${q}")" = 1 ]; do
		i=$((i + 1)) && [ $i -lt 300 ] && sleep 0.1 || {
			echo "txstore has not connected as lim in 30 s:" &&
			pg_psql -c "SELECT usename, state, query FROM pg_stat_activity" && cat err20
			return 1
		}
	done &&
	pg_psql -c "ALTER ROLE lim CONNECTION LIMIT 1" &&
	: >go &&
	{ wait $store || { echo "txstore exited $?" && cat err20 && false; }; } &&
	cat err20 &&
	test "$(grep -c "a second connection could not be opened" err20)" = 1 &&
	test_grep "^txstore: dbname=lim user=lim: a second connection could not be opened (.*too many connections for role \"lim\"): storing over one\$" err20 &&
	test_grep "3000 read, 3000 stored, 0 duplicates" err20 &&
	txstore balances "dbname=lim user=lim" >got20.bal &&
	test_cmp exp19.bal got20.bal
'

test_expect_success '--async-commit: exit 0 means durable, even with the WAL not yet flushed' '
	pg_psql -c "CREATE DATABASE durable" &&
	gen 1000 --seed 9 --balances exp9.bal --sum exp9.sum >in9.ndjson &&
	{ txstore --batch 100 --async-commit dbname=durable <in9.ndjson 2>err9 ||
		{ cat err9; false; }; } &&
	pg_restart immediate &&
	n=$(pg_psql -d durable -c "SELECT count(*) FROM transactions") &&
	echo "stored after the crash: $n" &&
	test "$n" = 1000 &&
	txstore balances dbname=durable >got9.bal &&
	test_cmp exp9.bal got9.bal
'

test_expect_success '--async-commit: a crash loses commits; the final flush then fails, exit 5' '
	pg_psql -c "CREATE DATABASE lossy" &&
	gen 1000 --seed 10 >in10.ndjson &&
	{ cat in10.ndjson; sleep 3; } | txstore --batch 100 --flush-ms 50 --async-commit \
		dbname=lossy 2>err &
	store=$! &&
	i=0 && until [ "$(pg_psql -d lossy -c "SELECT count(*) FROM transactions")" = 1000 ]; do
		i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.1 || return 1
	done &&
	pg_restart immediate &&
	n=$(pg_psql -d lossy -c "SELECT count(*) FROM transactions") &&
	echo "stored after the crash: $n" &&
	test "$n" -lt 1000 &&
	test_expect_code 5 wait $store &&
	cat err &&
	test_grep "dbname=lossy: the stored batches could not be made durable" err
'

test_expect_success '--async-commit: a server crash mid-stream is found, exit 5, the resume is exact' '
	pg_psql -c "CREATE DATABASE crash" &&
	gen 2000 --seed 11 --balances exp11.bal --sum exp11.sum >in11.ndjson &&
	{ head -n 1200 in11.ndjson; sleep 2; tail -n 800 in11.ndjson; } |
		txstore --batch 100 --flush-ms 50 --async-commit dbname=crash 2>err &
	store=$! &&
	i=0 && until [ "$(pg_psql -d crash -c "SELECT count(*) FROM transactions")" = 1200 ]; do
		i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.1 || return 1
	done &&
	pg_restart immediate &&
	test_expect_code 5 wait $store &&
	cat err &&
	test_grep "the database lost batches it had committed" err &&
	test_grep "records read were not stored" err &&
	n=$(pg_psql -d crash -c "SELECT count(*) FROM transactions") &&
	echo "stored after the crash: $n" &&
	test "$n" -lt 1200 &&
	txstore --async-commit dbname=crash <in11.ndjson 2>err2 &&
	test_grep "2000 read, $((2000 - n)) stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, $n already stored" err2 &&
	pg_check_sums crash exp11.sum exp11.bal
'

test_done

#!/bin/sh
# txstore's PostgreSQL fast path (COPY straight into the table, the staging
# merge only when a batch really conflicts) against the slow reference
# (TXSTORE_PG_SAFE=1: the staging merge for every batch): the same inputs,
# with duplicates in and across batches, updates and deletes in the batch of
# their create and a resume, must leave the same database. Then
# --async-commit against a server crash (pg_ctl -m immediate): the WAL
# writer is slowed down (wal_writer_delay=10s) so that a crash loses the
# commits not yet flushed.
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
	test "$(grep -c "^db=safe .*FROM txstore_stage ON CONFLICT" pg/server.log)" -gt 20
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
	pg_psql -d crash -F " " -c "SELECT currency, count(*), sum(amount) FROM transactions
		GROUP BY currency ORDER BY currency" >got11.sum &&
	test_cmp exp11.sum got11.sum &&
	txstore balances dbname=crash >got11.bal &&
	test_cmp exp11.bal got11.bal
'

test_done

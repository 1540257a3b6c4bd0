#!/bin/sh
# txstore refuses a batch that does not continue what is stored (exit 6,
# nothing of it stored): an offset gap, records from another Kafka cluster,
# a txbal restarted from zero instead of from `txstore state`. The right
# restart is accepted. SQLite and PostgreSQL (tests/pg.sh), and a database
# of schema version 1 (offsets without their cluster) is migrated.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/pg.sh"

command -v sqlite3 >/dev/null || test_skip_all "the sqlite3 shell is not installed (Debian package sqlite3)"
pg_start || exit 1

gen() { "$PYTHON3" "$TX_SRCDIR/tests/t5-records.py" "$@"; }

# The message txstore must refuse FILE (a txbal from zero) with, storing into
# DSN whose balances (txstore balances) are in BAL: the first record names
# the account, the balance it continues from and the stored one.
expect_refusal() {
	"$PYTHON3" - "$@" <<'EOF'
import json, sys
from decimal import Decimal
dsn, out, bal = sys.argv[1:4]
r = json.loads(open(out).readline(), parse_float=Decimal)
sign = 1 if r["type"] in ("deposit", "refund") else -1
before = r["new_balance"] - (sign * r["amount"] if r["status"] == "completed" else 0)
stored = Decimal("0.00")
for l in open(bal):
    b = json.loads(l, parse_float=Decimal)
    if b["account"] == r["account"] and b["currency"] == "USD":
        stored = b["balance"]
print("txstore: %s: stdin:1: account '%s' (USD): the record continues from balance %s, "
      "but the stored balance is %s: txbal did not start from the stored state "
      "(txbal --init); nothing of this run was stored; resume from what is stored "
      "with: ... | txbal --init <(txstore state %s) | txstore %s"
      % (dsn, r["account"], before, stored, dsn, dsn))
EOF
}

# Two halves of one stream: txgen's first 3000 records, then the next 3000.
txgen -n 6000 --seed 13 --accounts 200 >all.ndjson
head -n 3000 all.ndjson >day1.ndjson
tail -n +3001 all.ndjson >day2.ndjson
txbal -q <all.ndjson >clean.out
txbal -q --state clean.state <all.ndjson >/dev/null

for kind in sqlite pg; do
	if [ $kind = sqlite ]; then
		db=sqlite:chain.db gapdb=sqlite:gap.db cldb=sqlite:cl.db
		sql() { sqlite3 "${1#sqlite:}" "$2"; }
	else
		pg_psql -c "CREATE DATABASE chain" -c "CREATE DATABASE gap" -c "CREATE DATABASE cl"
		db=dbname=chain gapdb=dbname=gap cldb=dbname=cl
		sql() { pg_psql -d "${1#dbname=}" -c "$2"; }
	fi

	test_expect_success "$kind: txbal restarted from zero is refused, exit 6, nothing stored" '
		txbal -q <day1.ndjson | txstore -q $db &&
		sql $db "SELECT count(*) FROM transactions" >n1 &&
		test "$(cat n1)" = 3000 &&
		txstore balances $db >bal1 &&
		txbal -q <day2.ndjson >wrong.out &&
		test_expect_code 6 txstore $db <wrong.out 2>err &&
		expect_refusal $db wrong.out bal1 >exp &&
		sed -n 1p err >got &&
		test_cmp exp got &&
		test_grep "^txstore: 3000 records read were not stored" err &&
		test "$(sql $db "SELECT count(*) FROM transactions")" = 3000 &&
		txstore balances $db >bal2 &&
		test_cmp bal1 bal2
	'

	test_expect_success "$kind: the same restart from txstore state is stored and equals a clean run" '
		bash -c "txbal -q --init <(txstore state $db) <day2.ndjson | txstore -q $db" &&
		test "$(sql $db "SELECT count(*) FROM transactions")" = 6000 &&
		txstore balances $db >got.bal &&
		test_cmp clean.state got.bal
	'

	test_expect_success "$kind: a replay of the whole stream from zero changes nothing" '
		txstore balances $db >before &&
		txbal -q <all.ndjson | txstore $db 2>err &&
		test_grep "6000 read, 0 stored, 6000 duplicates" err &&
		txstore balances $db >after &&
		test_cmp before after
	'

	test_expect_success "$kind: an offset gap is refused; --allow-gaps stores it on purpose" '
		gen 300 --seed 2 --partitions 1 >p.ndjson &&
		head -n 100 p.ndjson | txstore -q $gapdb &&
		tail -n +151 p.ndjson >gap.ndjson &&
		test_expect_code 6 txstore $gapdb <gap.ndjson 2>err &&
		test_grep "^txstore: $gapdb: stdin:1: topic .transactions. partition 0: the record has offset 150, but the stored next offset is 100: offsets 100-149 would be missing (txstore --allow-gaps skips them on purpose); nothing of this run was stored; resume from what is stored with: txsub -t transactions --offsets <(txstore offsets $gapdb) | txbal --init <(txstore state $gapdb) | txstore $gapdb\$" err &&
		test "$(sql $gapdb "SELECT count(*) FROM transactions")" = 100 &&
		sed -n "101,150p" p.ndjson | txstore -q $gapdb &&
		test "$(sql $gapdb "SELECT count(*) FROM transactions")" = 150 &&
		gen 400 --seed 2 --partitions 1 | tail -n 50 | sed "s/\"new_balance\":[^,]*,\"available_balance\":[^,]*,//" >late.ndjson &&
		test_expect_code 6 txstore -q $gapdb <late.ndjson &&
		txstore --allow-gaps -q $gapdb <late.ndjson &&
		test "$(sql $gapdb "SELECT count(*) FROM transactions")" = 200
	'

	test_expect_success "$kind: offsets carry the cluster; another cluster is refused" '
		gen 20 --seed 3 --partitions 1 | sed "s/,\"source\":{\([^}]*\)}/,\"source\":{\1,\"cluster\":\"clusterA\"}/" >a.ndjson &&
		head -n 10 a.ndjson | txstore -q $cldb &&
		txstore offsets $cldb >off &&
		echo "{\"topic\":\"transactions\",\"partition\":0,\"offset\":10,\"cluster\":\"clusterA\"}" >exp &&
		test_cmp exp off &&
		tail -n 10 a.ndjson | sed "s/clusterA/clusterB/" >b.ndjson &&
		test_expect_code 6 txstore $cldb <b.ndjson 2>err &&
		test_grep "^txstore: $cldb: stdin:1: topic .transactions. partition 0: the record comes from Kafka cluster .clusterB., but the stored offsets are from cluster .clusterA. (a new or reset broker?): to start over on purpose, store into a new database; nothing of this run was stored\$" err &&
		test "$(sql $cldb "SELECT count(*) FROM transactions")" = 10 &&
		tail -n 10 a.ndjson | txstore -q $cldb &&
		test "$(sql $cldb "SELECT count(*) FROM transactions")" = 20
	'
done

test_expect_success 'txbal: a dropped duplicate at the restart offset is consumed, not a gap (dropped_from)' '
	txgen -n 10 --seed 5 --accounts 3 |
		awk "{ sub(/}\$/, \",\\\"source\\\":{\\\"topic\\\":\\\"t\\\",\\\"partition\\\":0,\\\"offset\\\":\" NR - 1 \"}}\"); print }" >src.ndjson &&
	test_grep "\"offset\":9}}\$" src.ndjson &&
	head -n 4 src.ndjson | txbal -q | txstore -q dup.db &&
	{ sed -n 2p src.ndjson | sed "s/\"offset\":1}/\"offset\":4}/"; tail -n +6 src.ndjson; } >rest.ndjson &&
	txstore state dup.db >dup.state &&
	txbal -q --init dup.state rest.ndjson >rest.out &&
	test_line_count 5 rest.out &&
	head -n 1 rest.out | grep -q ",\"dropped_from\":4}\$" &&
	test "$(grep -c dropped_from rest.out)" = 1 &&
	txstore -q dup.db <rest.out &&
	test "$(sqlite3 dup.db "SELECT next_offset FROM offsets")" = 10 &&
	sed "s/,\"dropped_from\":4//" rest.out >nodrop.out &&
	txstore state dup2.db >/dev/null && head -n 4 src.ndjson | txbal -q | txstore -q dup2.db &&
	test_expect_code 6 txstore dup2.db <nodrop.out 2>err &&
	test_grep "the record has offset 5, but the stored next offset is 4" err
'

test_expect_success 'sqlite: a schema 1 database is read as it is and migrated when stored into' '
	gen 10 --seed 4 --partitions 1 >v1.ndjson &&
	head -n 5 v1.ndjson | txstore -q old.db &&
	sqlite3 old.db "ALTER TABLE offsets DROP COLUMN cluster; UPDATE txstore_meta SET value = 1 WHERE key = \"schema_version\"" &&
	txstore offsets old.db >off1 &&
	echo "{\"topic\":\"transactions\",\"partition\":0,\"offset\":5}" >exp &&
	test_cmp exp off1 &&
	tail -n 5 v1.ndjson | sed "s/,\"source\":{\([^}]*\)}/,\"source\":{\1,\"cluster\":\"c1\"}/" | txstore -q old.db &&
	test "$(sqlite3 old.db "SELECT value FROM txstore_meta WHERE key = \"schema_version\"")" = 3 &&
	txstore offsets old.db >off2 &&
	echo "{\"topic\":\"transactions\",\"partition\":0,\"offset\":10,\"cluster\":\"c1\"}" >exp &&
	test_cmp exp off2
'

test_done

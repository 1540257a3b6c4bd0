#!/bin/sh
# examples/quickstart in short mode (2000 records): the report's counts and
# sums per type are exactly those of the transactions txgen wrote, every
# partition's offset is stored, the stored balances conserve money, and the
# ledger is the direct pipe's.
. "$TX_SRCDIR/tests/lib.sh"
test_need kafka
command -v sqlite3 >/dev/null 2>&1 || test_skip_all "the sqlite3 shell is not installed (apt-get install sqlite3)"
q="'"  # a single quote, for SQL literals inside the single-quoted cases

# The expected by_type rows: the first create of each transaction id, but
# for those deleted later (the report counts the rows not deleted).
cat >bytype.py <<'PY'
import json, sys
from decimal import Decimal
seen, by = set(), {}
deleted = {json.loads(l)["transaction_id"] for l in open(sys.argv[1]) if '"op":"delete"' in l}
for line in open(sys.argv[1]):
    r = json.loads(line, parse_float=Decimal)
    if r.get("op", "create") != "create" or r["transaction_id"] in seen | deleted:
        continue
    seen.add(r["transaction_id"])
    c = by.setdefault((r["type"], r["currency"]), [0, Decimal(0)])
    c[0] += 1
    c[1] += r["amount"]
for (t, cur), (n, s) in sorted(by.items()):
    print(t, cur, n, s)
PY
cat >report-bytype.py <<'PY'
import json, sys
from decimal import Decimal
for line in open(sys.argv[1]):
    r = json.loads(line, parse_float=Decimal)
    if r["report"] == "by_type":
        print(r["type"], r["currency"], r["count"], r["sum"])
PY

test_expect_success 'quickstart 2000 runs against its own txbroker' '
	TX_QUICKSTART_DIR=$TRASH/qs sh "$TX_SRCDIR/examples/quickstart" 2000 >out 2>err &&
	test_grep "^by_type" out &&
	test_grep "^latency" out
'

test_expect_success 'the report has exactly the transactions txgen wrote, by type, exact sums' '
	txgen -n 2000 --seed 42 --pending 0.02 --deletes 0.002 --duplicates 0.001 >gen.ndjson &&
	"$PYTHON3" bytype.py gen.ndjson >expect &&
	txstore report --limit 0 sqlite:qs/tx.db >report &&
	"$PYTHON3" report-bytype.py report >actual &&
	test_cmp expect actual &&
	n=$(awk "{ n += \$3 } END { print n }" expect) &&
	test "$(sqlite3 qs/tx.db "SELECT count(*) FROM transactions WHERE deleted_at IS NULL")" -eq "$n"
'

test_expect_success 'stored offsets add up to every record published' '
	test "$(sqlite3 qs/tx.db "SELECT sum(next_offset) FROM offsets")" -eq 2000
'

test_expect_success 'money is conserved: balances = completed credits - debits' '
	bal=$(sqlite3 qs/tx.db "SELECT sum(balance_minor) FROM balances") &&
	net=$(sqlite3 qs/tx.db "SELECT sum(CASE WHEN type IN (${q}deposit${q}, ${q}refund${q})
		THEN amount_minor WHEN type = ${q}transfer${q} THEN 0 ELSE -amount_minor END)
		FROM transactions WHERE status = ${q}completed${q} AND deleted_at IS NULL") &&
	test -n "$bal" && test "$bal" = "$net" &&
	test "$(sqlite3 qs/tx.db "SELECT count(*) FROM transactions WHERE status = ${q}pending${q}")" = 0
'

# issue 13: txsub merges the partitions in event-time order, so the job's
# failures, alerts and balances are those of the records piped straight into
# txbal, and no completion of a wrongly failed debit is refused
test_expect_success 'the same ledger as the direct pipe, no "update changes status"' '
	! grep "update changes status" err &&
	txbal --state direct.state <gen.ndjson 2>direct.err >/dev/null &&
	grep "^txbal: " direct.err >want &&
	grep "^txbal: " err >got &&
	test_cmp want got &&
	txstore balances sqlite:qs/tx.db >stored.bal &&
	test_cmp direct.state stored.bal
'

test_done

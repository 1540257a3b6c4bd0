#!/bin/sh
# examples/finance-poc in short mode against txbroker: 4000 records at
# 4000/s; every record is stored, the spend per user published to
# finance.aggregates adds up to the debits of the stream, and the report
# gives latency percentiles over every stored record. (No timed assertion:
# the figures are the benchmark's, bench/latency.sh.)
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

command -v kcat >/dev/null 2>&1 || test_skip_all 'kcat is not installed (apt-get install kcat)'
command -v sqlite3 >/dev/null 2>&1 || test_skip_all "the sqlite3 shell is not installed (apt-get install sqlite3)"
broker_start txbroker -t purchases:8 -t finance.aggregates:1

test_expect_success 'the example runs 4000 purchases at 4000/s' '
	TX_EXAMPLE_DIR=$TRASH/fp sh "$TX_SRCDIR/examples/finance-poc" 4000 4000 >out 2>err &&
	test_grep "aggregate records published to finance.aggregates" out &&
	test "$(sqlite3 fp/poc.db "SELECT count(*) FROM transactions")" = 4000
'

test_expect_success 'finance.aggregates holds the aggregates, and they add up' '
	kcat -q -C -b "$TX_BROKERS" -t finance.aggregates -e >topic.ndjson &&
	sort topic.ndjson >a && sort fp/aggregates.ndjson >b && test_cmp a b &&
	test -s a &&
	sqlite3 fp/poc.db "SELECT record FROM transactions" >stored.ndjson &&
	test_line_count 4000 stored.ndjson &&
	"$PYTHON3" -c "
import json, sys
from decimal import Decimal
count = debits = 0
last = {}
for l in open(\"fp/aggregates.ndjson\"):
    r = json.loads(l, parse_float=Decimal)
    assert list(r[\"by_type\"]) == [\"payment\"], r
    count += r[\"count\"]; debits += r[\"debits\"]
    last[r[\"account\"]] = (r[\"total_count\"], r[\"total_debits\"])
# every record of the stream is a create, accepted (no overdraft limit);
# only payments count: per user, the last running total is its whole spend
exp_count = exp_debits = 0
spend = {}
for l in open(\"stored.ndjson\"):
    r = json.loads(l, parse_float=Decimal)
    if r[\"type\"] == \"payment\":
        exp_count += 1; exp_debits += r[\"amount\"]
        c, s = spend.get(r[\"account\"], (0, 0))
        spend[r[\"account\"]] = (c + 1, s + r[\"amount\"])
assert (count, debits) == (exp_count, exp_debits), ((count, debits), (exp_count, exp_debits))
assert last == spend, (len(last), len(spend))
"
'

test_expect_success 'the report has latency percentiles over all 4000 records' '
	test_grep "^latency" fp/report.txt &&
	txstore report --limit 0 sqlite:fp/poc.db >report &&
	test_grep "\"report\":\"latency\",\"count\":4000,\"p50_ms\":" report
'

test_done

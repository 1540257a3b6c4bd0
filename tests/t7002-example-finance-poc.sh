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
for l in open(\"topic.ndjson\"):
    r = json.loads(l, parse_float=Decimal)
    count += r[\"count\"]; debits += r[\"debits\"]
# every record of the stream is a create, accepted (no overdraft limit);
# a transfer counts for both sides
exp_count = exp_debits = 0
for l in open(\"stored.ndjson\"):
    r = json.loads(l, parse_float=Decimal)
    exp_count += 2 if r[\"type\"] == \"transfer\" else 1
    if r[\"type\"] in (\"withdrawal\", \"payment\", \"fee\", \"transfer\"):
        exp_debits += r[\"amount\"]
assert (count, debits) == (exp_count, exp_debits), ((count, debits), (exp_count, exp_debits))
"
'

test_expect_success 'the report has latency percentiles over all 4000 records' '
	test_grep "^latency" fp/report.txt &&
	txstore report --limit 0 sqlite:fp/poc.db >report &&
	test_grep "\"report\":\"latency\",\"count\":4000,\"p50_ms\":" report
'

test_done

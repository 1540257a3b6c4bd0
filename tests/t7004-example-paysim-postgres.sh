#!/bin/sh
# examples/paysim-to-postgres against txbroker and a private PostgreSQL
# (tests/pg.sh): every row of the PaySim sample is stored once, with exact
# sums per type, the fraud label, balances equal to the offline ones, and a
# second run publishes and stores nothing twice.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/pg.sh"

csv=$TX_SRCDIR/examples/data/paysim-sample.csv
pg_start
broker_start txbroker -t paysim:8

test_expect_success 'the example replays the sample into PostgreSQL and reports' '
	TX_EXAMPLE_DIR=$TRASH/ps sh "$TX_SRCDIR/examples/paysim-to-postgres" postgresql:// \
		>out 2>err &&
	test_grep "^by_type" out &&
	test_grep "^latency" out
'

test_expect_success 'every row stored once, exact count and sum per type' '
	txgen --paysim "$csv" --start 2026-03-01T00:00:00Z >gen.ndjson 2>/dev/null &&
	rows=$(grep -c "^[0-9]" "$csv") &&
	test_line_count "$rows" gen.ndjson &&
	"$PYTHON3" -c "
import json, sys
from decimal import Decimal
by = {}
for l in open(\"gen.ndjson\"):
    r = json.loads(l, parse_float=Decimal)
    c = by.setdefault(r[\"type\"], [0, Decimal(0)])
    c[0] += 1; c[1] += r[\"amount\"]
for t in sorted(by): print(t, by[t][0], by[t][1])
" >expect &&
	pg_psql -F " " -c "SELECT type, count(*), sum(amount) FROM transactions
		GROUP BY type ORDER BY type" >actual &&
	test_cmp expect actual
'

test_expect_success 'the rows PaySim marks isFraud carry the label' '
	frauds=$(grep -c ",1,[01]\$" "$csv") &&
	test "$frauds" -gt 0 &&
	test "$(pg_psql -c "SELECT count(*) FROM transactions
		WHERE record->>'"'"'anomaly'"'"' = '"'"'paysim_fraud'"'"'")" = "$frauds"
'

test_expect_success 'the stored balances are the offline ones' '
	txbal -q --overdraft-unlimited --state expect.bal <gen.ndjson >/dev/null &&
	txstore balances postgresql:// >actual.bal &&
	test_cmp expect.bal actual.bal
'

test_expect_success 'a second run publishes nothing again and stores nothing twice' '
	TX_EXAMPLE_DIR=$TRASH/ps sh "$TX_SRCDIR/examples/paysim-to-postgres" postgresql:// \
		>out2 2>err2 &&
	test_grep "was published already" out2 &&
	test_grep " 0 read, 0 stored" err2 &&
	txstore balances postgresql:// >again.bal &&
	test_cmp expect.bal again.bal &&
	test "$(pg_psql -c "SELECT count(*) FROM transactions")" = "$(wc -l <gen.ndjson)"
'

test_done

#!/bin/sh
# examples/paysim-to-postgres against txbroker and a private PostgreSQL
# (tests/pg.sh): every row of the PaySim sample is stored once, with exact
# sums per type, the fraud label, balances equal to the offline ones, and a
# second run publishes and stores nothing twice. Then 300,000 rows through
# the example's own private txbroker: all of them stored (past txbroker's
# per-partition limit before, 209,054 were, with exit 0).
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
	test "$(grep -vc "\"opening_balance\":true" gen.ndjson)" = "$rows" &&
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
	txbal -q --state expect.bal <gen.ndjson >/dev/null &&
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

test_expect_success '300,000 rows with its own txbroker: 300,000 stored; run again: only the report' '
	pg_psql -c "CREATE DATABASE big" &&
	awk "BEGIN { print \"step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud\"
		split(\"PAYMENT TRANSFER CASH_OUT DEBIT CASH_IN\", t, \" \")
		for (i = 1; i <= 300000; i++)
			printf \"%d,%s,%d.%02d,C%09d,0.00,0.00,M%09d,0.00,0.00,%d,0\\n\", 1 + int(i / 1000), t[1 + i % 5], 1 + (i * 7919) % 100000, i % 100, i, (i * 31) % 50000, (i % 997 == 0) }" >big.csv &&
	test_line_count 300001 big.csv &&
	(unset TX_BROKERS TXBROKER_PID TXBROKER_CONTROL &&
		TX_EXAMPLE_DIR=$TRASH/big sh "$TX_SRCDIR/examples/paysim-to-postgres" dbname=big big.csv \
		>bout 2>berr) &&
	test "$(pg_psql -d big -c "SELECT count(*) FROM transactions")" = 300000 &&
	(unset TX_BROKERS TXBROKER_PID TXBROKER_CONTROL &&
		TX_EXAMPLE_DIR=$TRASH/big sh "$TX_SRCDIR/examples/paysim-to-postgres" dbname=big big.csv \
		>bout2 2>berr2) &&
	test_grep "^== big.csv was stored into dbname=big already" bout2 &&
	test_grep "^by_type" bout2 &&
	(unset TX_BROKERS TXBROKER_PID TXBROKER_CONTROL &&
		TX_EXAMPLE_DIR=$TRASH/other test_expect_code 2 sh "$TX_SRCDIR/examples/paysim-to-postgres" \
		dbname=big big.csv >bout3 2>berr3) &&
	test_grep "^paysim-to-postgres: dbname=big holds the offsets of an earlier broker" berr3
'

test_done

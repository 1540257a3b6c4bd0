#!/bin/sh
# examples/cash-flow-simulation in short mode against txbroker: the logging
# and the balance consumer, two consumer groups on one topic, each see every
# record; the balances are exactly those of the same stream balanced offline.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

broker_start txbroker -t transactions:8

test_expect_success 'the example runs 3000 records through both consumer groups' '
	TX_EXAMPLE_DIR=$TRASH/cf TX_EXAMPLE_RECORDS=3000 \
		sh "$TX_SRCDIR/examples/cash-flow-simulation" >out 2>err &&
	test_grep "3000 lines in" out &&
	test_grep "100 accounts in" out
'

test_expect_success 'the logging consumer logged every record, once' '
	test_line_count 3000 cf/transactions.log &&
	txgen -n 3000 --seed 3 --accounts 100 >gen.ndjson &&
	sed -n "s/.*\"account\":\"\\([A-Z0-9]*\\)\".*/\\1/p" gen.ndjson | sort | uniq -c >expect &&
	awk "{ print \$3 }" cf/transactions.log | sort | uniq -c >actual &&
	test_cmp expect actual
'

test_expect_success 'the balance consumer saw every record: same balances as offline' '
	test_line_count 3000 cf/ledger.ndjson &&
	txbal -q --overdraft-unlimited --state expect.bal <gen.ndjson >/dev/null &&
	test_cmp expect.bal cf/balances.ndjson
'

test_expect_success 'each group committed the whole topic' '
	for g in logger balances; do
		txsub -q -t transactions -G $g -e >rest.$g &&
		test_line_count 0 rest.$g || return 1
	done
'

test_done

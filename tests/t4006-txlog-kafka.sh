#!/bin/sh
# txlog's man page examples as written, over a broker (txbroker): the seeds'
# logging consumer, low-balance alerts into a log, the tee in the middle.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

for p in txbroker txpub txsub txbal; do
	[ -x "$TX_BUILDDIR/src/$p/$p" ] || test_skip_all "$p is not built"
done
broker_require txbroker
broker_start txbroker || test_skip_all 'txbroker did not start'
broker_create_topic transactions 4 >/dev/null 2>&1 || : # txbroker may have it already

test_expect_success 'setup: 2000 records published' '
	txgen -q -n 2000 --seed 5 >gen.ndjson &&
	txpub -q -t transactions <gen.ndjson
'

test_expect_success 'txsub -t transactions -G logger | txlog: one line per record' '
	txsub -q -t transactions -G logger -e | txlog >log 2>err &&
	test_grep "txlog: 2000 lines read, 2000 logged, 0 rejected" err &&
	txlog -q gen.ndjson | sort >want &&
	sort log >got &&
	test_cmp want got
'

test_expect_success 'txsub | txbal | txlog --alerts-only --out alerts.log' '
	txsub -q -t transactions -G alerts -e | txbal -q |
		txlog --tee --alerts-only --out alerts.log >bal.ndjson 2>err &&
	test_line_count 2000 bal.ndjson &&
	n=$(grep -c "\"alerts\":\[\"" bal.ndjson) &&
	test "$n" -gt 0 &&
	test_line_count "$n" alerts.log &&
	! grep -v "\[[a-z_,]*\]$" alerts.log
'

test_expect_success 'txsub | txbal | txlog --tee --out tx.log | next: records pass unchanged' '
	txsub -q -t transactions -G ledger -e | txbal -q | tee before.ndjson |
		txlog --tee -q --out tx.log >after.ndjson &&
	test_line_count 2000 before.ndjson &&
	cmp before.ndjson after.ndjson &&
	txlog -q before.ndjson >want &&
	test_cmp want tx.log
'

test_done

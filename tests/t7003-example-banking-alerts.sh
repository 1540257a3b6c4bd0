#!/bin/sh
# examples/banking-alerts in short mode against txbroker: the alert records
# on the topic bank_alerts are exactly those txbal raises on the same stream
# offline (one partition, so the order is the file's), low_balance among
# them, and the log file has one line per record that fired an alert.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

command -v kcat >/dev/null 2>&1 || test_skip_all 'kcat is not installed (apt-get install kcat)'
broker_start txbroker -t transactions:1 -t bank_alerts:1

test_expect_success 'the example runs 5000 records' '
	TX_EXAMPLE_DIR=$TRASH/ba TX_EXAMPLE_RECORDS=5000 \
		sh "$TX_SRCDIR/examples/banking-alerts" >out 2>err &&
	test_grep "alert records on bank_alerts" out
'

test_expect_success 'bank_alerts holds exactly the alerts of the stream' '
	txgen -n 5000 --seed 5 --accounts 500 --anomalies 0.01 >gen.ndjson &&
	txbal -q --low-balance 100 --alerts expect.alerts <gen.ndjson >balanced.ndjson &&
	test -s expect.alerts &&
	kcat -q -C -b "$TX_BROKERS" -t bank_alerts -e >topic.alerts &&
	test_cmp expect.alerts topic.alerts &&
	test_cmp expect.alerts ba/bank_alerts.ndjson
'

test_expect_success 'low-balance alerts and the fraud rules are all there' '
	for rule in low_balance overdraft velocity; do
		test_grep "^{\"alert\":\"$rule\"" topic.alerts || return 1
	done
'

test_expect_success 'the log has one line per record with alerts, each naming them' '
	grep -c "\"alerts\":\[" balanced.ndjson >n.expect &&
	wc -l <ba/alerts.log | tr -d " " >n.actual &&
	test_cmp n.expect n.actual &&
	test "$(grep -c "\[low_balance" ba/alerts.log)" -gt 0 &&
	test "$(grep -c -v "\[[a-z_,]*\]$" ba/alerts.log)" = 0
'

test_done

#!/bin/sh
# txlog and txtop only display records: a record whose type is none of
# txkit's (seed 3's balance notices) is shown as "other", and the stream
# goes on; what is wrong with a transaction is still reported.
. "$TX_SRCDIR/tests/lib.sh"

cat >in <<'EOF2'
{"transaction_id":"t1","account":"A","type":"deposit","amount":5,"ts":"2025-02-17T14:35:20Z"}
{"timestamp": "2025-02-17 14:35:48", "account_id": "ACC1001", "transaction_type": "low_balance", "balance": 0.0}
{"transaction_id":"t2","account":"A","type":"savings_account","balance":12.5}
{"transaction_id":"t3","account":"A","type":"fee","amount":1}
{"transaction_id":"t4","account":"A","type":7,"amount":1}
EOF2

test_expect_success 'txlog shows a record of an unknown type as other and goes on' '
	test_expect_code 1 txlog in >out 2>err &&
	cat >expect <<-\EOF &&
	2025-02-17T14:35:20.000000Z t1           A          deposit           +5.00 USD  completed
	-                           -            -          other
	-                           t2           A          other
	-                           t3           A          fee               -1.00 USD  completed
	EOF
	test_cmp expect out &&
	cat >expect <<-\EOF &&
	txlog: in:5: field '"'"'type'"'"' must be a string
	txlog: 5 lines read, 4 logged, 1 rejected
	EOF
	test_cmp expect err &&
	txlog --format "{transaction_id} {type} {status}." in 2>/dev/null >out;
	sed -n 3p out >got && echo "t2 other ." >expect && test_cmp expect got
'

test_expect_success 'txtop counts them as other, with no status' '
	test_expect_code 1 txtop in >out 2>err &&
	test_grep "^records: 4 (lines 5, bad 1)$" out &&
	test_grep "^  other                   2   50.0%$" out &&
	test_grep "^  completed               2   50.0%$" out &&
	test_grep "^  none                    2   50.0%$" out &&
	test_grep "^txtop: in:5: field '"'"'type'"'"' must be a string$" err
'

test_expect_success 'seed 3 raw: the notices are shown, its transactions need txmap' '
	txlog "$TX_SRCDIR/examples/data/seed3-bank-alerts.ndjson" >out 2>err &&
	test "$(grep -c " other *$" out)" -eq 26 &&
	txmap -q --tz America/Chicago --id hash "$TX_SRCDIR/examples/data/seed3-bank-alerts.ndjson" \
		--other notices >tx &&
	cat tx notices | txtop >out 2>err &&
	test_grep "^records: 40 (lines 40, bad 0)$" out &&
	test_grep "^  other                  26   65.0%$" out
'

test_done

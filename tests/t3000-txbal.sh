#!/bin/sh
# txbal: every flag, every rejection reason (with its exact message), the
# output fields, state files, signals and exit statuses.
. "$TX_SRCDIR/tests/lib.sh"

# rec ID ACCOUNT TYPE AMOUNT [more JSON members]: one create record
rec() {
	printf '{"transaction_id":"%s","account":"%s","type":"%s","amount":%s%s}\n' \
		"$1" "$2" "$3" "$4" "${5:+,$5}"
}

test_expect_success 'credits add, debits subtract, fields are added in order' '
	{
		rec t1 A deposit 100.00 "\"ts\":\"2026-01-01T00:00:00Z\""
		rec t2 A payment 30.25 "\"merchant\":\"M\",\"ts\":\"2026-01-01T01:00:00Z\""
		rec t3 A refund 0.25 "\"ts\":\"2026-01-01T02:00:00Z\""
		rec t4 A fee 1.00 "\"ts\":\"2026-01-01T03:00:00Z\""
		rec t5 A withdrawal 20.00 "\"ts\":\"2026-01-01T04:00:00Z\""
	} >in &&
	txbal -q --no-alert all <in >out &&
	cat >expect <<-\EOF &&
	{"transaction_id":"t1","account":"A","type":"deposit","amount":100.00,"ts":"2026-01-01T00:00:00Z","status":"completed","new_balance":100.00,"available_balance":100.00,"tx_count":1}
	{"transaction_id":"t2","account":"A","type":"payment","amount":30.25,"merchant":"M","ts":"2026-01-01T01:00:00Z","status":"completed","new_balance":69.75,"available_balance":69.75,"tx_count":2}
	{"transaction_id":"t3","account":"A","type":"refund","amount":0.25,"ts":"2026-01-01T02:00:00Z","status":"completed","new_balance":70.00,"available_balance":70.00,"tx_count":3}
	{"transaction_id":"t4","account":"A","type":"fee","amount":1.00,"ts":"2026-01-01T03:00:00Z","status":"completed","new_balance":69.00,"available_balance":69.00,"tx_count":4}
	{"transaction_id":"t5","account":"A","type":"withdrawal","amount":20.00,"ts":"2026-01-01T04:00:00Z","status":"completed","new_balance":49.00,"available_balance":49.00,"tx_count":5}
	EOF
	test_cmp expect out
'

test_expect_success 'unknown members pass through byte for byte; aliases become canonical' '
	printf "%s\n" "{\"transaction_id\":\"x\",\"account\":7,\"transaction_type\":\"Credit\",\"amount\":\"5\",\"meta\":{\"a\" : [1, 2.50, null]},\"note\":\"caf\\u00e9\"}" >in &&
	txbal -q <in >out &&
	echo "{\"transaction_id\":\"x\",\"account\":7,\"type\":\"deposit\",\"amount\":5.00,\"meta\":{\"a\" : [1, 2.50, null]},\"note\":\"caf\\u00e9\",\"status\":\"completed\",\"new_balance\":5.00,\"available_balance\":5.00,\"tx_count\":1}" >expect &&
	test_cmp expect out
'

test_expect_success 'a transfer debits the account and credits the counterparty' '
	{
		rec d1 A deposit 50.00
		rec x1 A transfer 20.00 "\"counterparty\":\"B\""
	} | txbal -q >out &&
	tail -n 1 out >last &&
	test_grep "\"new_balance\":30.00,\"available_balance\":30.00,\"tx_count\":2,\"counterparty_balance\":20.00}$" last
'

test_expect_success 'balances per currency, with the currency exponent' '
	{
		rec j1 A deposit 1500 "\"currency\":\"JPY\""
		rec k1 A deposit 1.234 "\"currency\":\"KWD\""
		rec u1 A deposit 1 ""
	} | txbal -q --state st >out &&
	cat >expect <<-\EOF &&
	{"account":"A","currency":"JPY","balance":1500,"available_balance":1500,"tx_count":1}
	{"account":"A","currency":"KWD","balance":1.234,"available_balance":1.234,"tx_count":1}
	{"account":"A","currency":"USD","balance":1.00,"available_balance":1.00,"tx_count":1}
	EOF
	test_cmp expect st
'

test_expect_success 'pending reserves, completed posts, failed voids' '
	{
		rec d1 A deposit 100.00
		rec p1 A payment 40.00 "\"status\":\"pending\""
		echo "{\"transaction_id\":\"p1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"completed\"}"
		rec p2 A payment 10.00 "\"status\":\"pending\""
		echo "{\"transaction_id\":\"p2\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\"}"
		rec p3 A deposit 5.00 "\"status\":\"pending\""
	} | txbal -q >out &&
	sed -n "s/.*\"status\":\"\([a-z]*\)\".*\"new_balance\":\([0-9.]*\),\"available_balance\":\([0-9.]*\).*/\1 \2 \3/p" out >got &&
	cat >expect <<-\EOF &&
	completed 100.00 100.00
	pending 100.00 60.00
	completed 60.00 60.00
	pending 60.00 50.00
	failed 60.00 60.00
	pending 60.00 60.00
	EOF
	test_cmp expect got
'

test_expect_success 'delete voids a pending transaction and reverses a posted one' '
	{
		rec d1 A deposit 100.00
		rec p1 A payment 40.00 "\"status\":\"pending\""
		echo "{\"transaction_id\":\"p1\",\"account\":\"A\",\"op\":\"delete\"}"
		rec w1 A withdrawal 30.00
		echo "{\"transaction_id\":\"w1\",\"account\":\"A\",\"op\":\"delete\"}"
		echo "{\"transaction_id\":\"w1\",\"account\":\"A\",\"op\":\"delete\"}"
	} | txbal >out 2>err &&
	sed -n "s/.*\"new_balance\":\([0-9.]*\),\"available_balance\":\([0-9.]*\).*/\1 \2/p" out >got &&
	printf "100.00 100.00\n100.00 60.00\n100.00 100.00\n70.00 70.00\n100.00 100.00\n" >expect &&
	test_cmp expect got &&
	! grep -q "\"op\":\"delete\",\"status\"" out &&
	test_grep "6 read, 5 applied, 0 failed (0 refused), 1 duplicates, 0 rejected" err
'

test_expect_success 'a rejected update names the transaction and its Kafka position' '
	{
		rec f1 A deposit 5.00 "\"status\":\"failed\""
		echo "{\"transaction_id\":\"f1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"completed\",\"source\":{\"topic\":\"tx\",\"partition\":3,\"offset\":1234,\"ts\":\"2026-01-01T00:00:00Z\"}}"
		echo "{\"transaction_id\":\"f1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"completed\"}"
	} >in &&
	test_expect_code 1 txbal <in >out 2>err &&
	cat >expect <<-\EOF &&
	txbal: stdin:2: transaction '"'"'f1'"'"', topic tx partition 3 offset 1234: update changes status from failed to completed
	txbal: stdin:3: transaction '"'"'f1'"'"': update changes status from failed to completed
	EOF
	grep -v " read, " err >got &&
	test_cmp expect got
'

test_expect_success 'a completed transaction set to failed is reversed' '
	{
		rec d1 A deposit 10.00
		echo "{\"transaction_id\":\"d1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\"}"
	} | txbal -q >out &&
	tail -n 1 out | test_grep "\"status\":\"failed\",\"currency\":\"USD\",\"new_balance\":0.00" -
'

# Each forbidden update or delete: its exact message, and nothing applied.
while read -r name line msg; do
	printf '%s\n' "$line" >"case-$name.line"
	printf 'txbal: stdin:7: %s\n' "$msg" >"case-$name.expect"
	test_expect_success "rejected: $msg" "
		{
			rec d1 A deposit 100.00
			rec p1 A payment 10.00 '\"status\":\"pending\"'
			rec x1 A transfer 5.00 '\"counterparty\":\"B\"'
			echo '{\"transaction_id\":\"p1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\"}'
			rec c1 A deposit 1.00
			echo '{\"transaction_id\":\"c1\",\"account\":\"A\",\"op\":\"delete\"}'
			cat case-$name.line
		} >in &&
		test_expect_code 1 txbal --state st <in >out 2>err &&
		test_line_count 6 out &&
		grep -v ' read, ' err >got &&
		test_cmp case-$name.expect got &&
		test_grep '\"balance\":95.00,\"available_balance\":95.00' st
	"
done <<\EOF
amount {"transaction_id":"d1","account":"A","op":"update","amount":100.01} transaction 'd1': update changes 'amount'
type {"transaction_id":"d1","account":"A","op":"update","type":"refund"} transaction 'd1': update changes 'type'
account {"transaction_id":"d1","account":"B","op":"update","status":"completed"} transaction 'd1': update changes 'account'
currency {"transaction_id":"d1","account":"A","op":"update","currency":"EUR"} transaction 'd1': update changes 'currency'
cp {"transaction_id":"x1","account":"A","op":"update","counterparty":"C"} transaction 'x1': update changes 'counterparty'
cp2 {"transaction_id":"d1","account":"A","op":"update","counterparty":"C"} transaction 'd1': update changes 'counterparty'
delacct {"transaction_id":"d1","account":"B","op":"delete"} transaction 'd1': delete changes 'account'
back {"transaction_id":"d1","account":"A","op":"update","status":"pending"} transaction 'd1': update changes status from completed to pending
revive {"transaction_id":"p1","account":"A","op":"update","status":"completed"} transaction 'p1': update changes status from failed to completed
unknown {"transaction_id":"zz","account":"A","op":"update","status":"completed"} transaction 'zz': update of an unknown transaction
unknowndel {"transaction_id":"zz","account":"A","op":"delete"} transaction 'zz': delete of an unknown transaction
deleted {"transaction_id":"c1","account":"A","op":"update","status":"failed"} transaction 'c1': update of a deleted transaction
self {"transaction_id":"s1","account":"A","type":"transfer","amount":1.00,"counterparty":"A"} transaction 's1': transfer to its own account
EOF

# Each bad line: its exact message; the good lines around it still count.
n=0
while read -r line msg; do
	n=$((n + 1))
	printf '%s\n' "$line" >"bad-$n.line"
	printf 'txbal: stdin:2: %s\n' "$msg" >"bad-$n.expect"
	echo 'txbal: 3 read, 2 applied, 0 failed (0 refused), 0 duplicates, 1 rejected, 0 alerts, 0 notices' >>"bad-$n.expect"
	test_expect_success "bad line: $msg" "
		{ rec g1 A deposit 1.00; cat bad-$n.line; rec g2 A deposit 2.00; } >in &&
		test_expect_code 1 txbal --reject rej <in >out 2>err &&
		test_line_count 2 out &&
		test_cmp bad-$n.expect err &&
		test_cmp bad-$n.line rej
	"
done <<\EOF
{"transaction_id":"a","account":"A","type":"deposit","amount":1.00 invalid JSON at byte 67: expected ',' or '}'
[1] invalid JSON at byte 1: expected '{' (a record is a JSON object)
{"transaction_id":"b","type":"deposit","amount":1.00} missing field 'account'
{"account":"A","type":"deposit","amount":1} missing field 'transaction_id'
{"transaction_id":"i","account":"A","amount":1} missing field 'type'
{"transaction_id":"j","account":"A","type":"deposit"} missing field 'amount'
{"transaction_id":"h","account":"A","type":"transfer","amount":1} missing field 'counterparty' (required for transfers)
{"transaction_id":"c","account":"A","type":"deposit","amount":1.00,"currency":"ZZZ"} field 'currency' is not a known ISO 4217 code: 'ZZZ'
{"transaction_id":"d","account":"A","type":"deposit","amount":1.005} field 'amount' has more than 2 decimals for its currency
{"transaction_id":"e","account":"A","type":"deposit","amount":123456789012345678901234567890} field 'amount' is out of range
{"transaction_id":"f","account":"A","type":"deposit","amount":-5.00} field 'amount' is negative
{"transaction_id":"k","account":"A","type":"deposit","amount":"1e3"} field 'amount' uses exponent notation: '1e3'
{"transaction_id":"g","account":"A","type":"gift","amount":1} field 'type' is not a known type: 'gift'
{"transaction_id":"l","account":"A","type":"deposit","amount":1,"ts":"yesterday"} field 'ts' is not an RFC 3339 date-time: 'yesterday'
{"transaction_id":"m","account":"A","type":"deposit","amount":1,"status":"done"} field 'status' is not pending, completed or failed: 'done'
{"transaction_id":"o","account":true,"type":"deposit","amount":1} field 'account' must be a string or a non-negative integer
EOF

test_expect_success 'overdraft: refused as failed insufficient_funds, no balance change' '
	{
		rec d1 A deposit 10.00
		rec w1 A withdrawal 10.01
		rec w2 A withdrawal 10.00
	} | txbal --no-alert all >out 2>err &&
	sed -n 2p out >second &&
	test_grep "\"status\":\"failed\",\"reason\":\"insufficient_funds\",\"new_balance\":10.00,\"available_balance\":10.00,\"tx_count\":1}$" second &&
	sed -n 3p out | test_grep "\"new_balance\":0.00" - &&
	test_grep "3 read, 2 applied, 1 failed (1 refused), 0 duplicates, 0 rejected, 0 alerts, 0 notices" err
'

test_expect_success 'failed: refused by txbal, and failed by the record itself, counted apart' '
	{
		rec d1 A deposit 10.00
		rec f1 A payment 1.00 "\"status\":\"failed\""
		rec p1 A payment 2.00 "\"status\":\"pending\""
		echo "{\"transaction_id\":\"p1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\"}"
		echo "{\"transaction_id\":\"p1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\",\"note\":\"again\"}"
		rec c1 A payment 3.00
		echo "{\"transaction_id\":\"c1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\"}"
		rec w1 A withdrawal 50.00
	} | txbal --no-alert all >out 2>err &&
	test_grep "8 read, 4 applied, 4 failed (1 refused), 0 duplicates, 0 rejected" err &&
	test "$(grep -c "\"status\":\"failed\",\"reason\"" out)" = 1 &&
	tail -n 1 out | test_grep "\"new_balance\":10.00," -
'

test_expect_success 'txbal failed = the failed rows txstore stores (issue 15)' '
	txgen -n 20000 --seed 42 --pending 0.05 --deletes 0.002 --duplicates 0.001 |
		txbal --alerts /dev/null 2>err | txstore -q sqlite:f.db &&
	failed=$(sed -n "s/.* \([0-9]*\) failed (\([0-9]*\) refused).*/\1/p" err) &&
	test "$failed" -gt 20 &&
	txstore report sqlite:f.db >report &&
	grep "\"report\":\"by_status\",\"status\":\"failed\"" report >rows &&
	test_grep "\"count\":$failed," rows
'

test_expect_success 'overdraft: a pending debit counts against the available balance' '
	{
		rec d1 A deposit 10.00
		rec p1 A payment 8.00 "\"status\":\"pending\""
		rec w1 A withdrawal 3.00
	} | txbal -q >out &&
	sed -n 3p out | test_grep "\"reason\":\"insufficient_funds\"" -
'

test_expect_success '--overdraft LIMIT allows down to -LIMIT' '
	{
		rec w1 A withdrawal 50.00
		rec w2 A withdrawal 0.01
		rec j1 J withdrawal 50 "\"currency\":\"JPY\""
	} | txbal -q --overdraft 50 >out &&
	sed -n 1p out | test_grep "\"new_balance\":-50.00" - &&
	sed -n 2p out | test_grep "insufficient_funds" - &&
	sed -n 3p out | test_grep "\"new_balance\":-50," -
'

test_expect_success '--overdraft-unlimited' '
	rec w1 A withdrawal 1000000.00 | txbal -q --overdraft-unlimited >out &&
	test_grep "\"status\":\"completed\",\"new_balance\":-1000000.00" out
'

test_expect_success 'a balance past int64 is refused as balance_overflow' '
	{
		rec b1 A deposit 92233720368547758.07
		rec b2 A deposit 0.01
	} | txbal -q >out &&
	sed -n 2p out | test_grep "\"status\":\"failed\",\"reason\":\"balance_overflow\",\"new_balance\":92233720368547758.07" -
'

test_expect_success 'option errors exit 2' '
	test_expect_code 2 txbal --overdraft 5 --overdraft-unlimited </dev/null &&
	test_expect_code 2 txbal --overdraft abc </dev/null 2>err &&
	test_grep "overdraft limit .abc. is not an amount" err &&
	test_expect_code 2 txbal --velocity 3 </dev/null &&
	test_expect_code 2 txbal --velocity 0/60s </dev/null &&
	test_expect_code 2 txbal --low-balance x </dev/null &&
	test_expect_code 2 txbal --large -1 </dev/null &&
	test_expect_code 2 txbal --no-alert fraud </dev/null 2>err &&
	test_grep "unknown rule .fraud." err &&
	test_expect_code 2 txbal --aggregate 1m </dev/null &&
	test_expect_code 2 txbal --aggregates agg </dev/null &&
	test_expect_code 2 txbal --aggregate 1w --aggregates agg </dev/null &&
	test_expect_code 2 txbal --lateness soon </dev/null &&
	test_expect_code 2 txbal --window 0 </dev/null &&
	test_expect_code 2 txbal --bogus </dev/null 2>err &&
	test_grep "^Try .txbal --help. for more information\.\$" err
'

test_expect_success '-h prints the usage on stdout' '
	txbal -h >out &&
	test_grep "^usage: txbal \[-q\]" out
'

test_expect_success 'duplicates: byte-identical copies and known ids are dropped and counted' '
	rec d1 A deposit 1.00 >one &&
	{ cat one; cat one; rec d1 B deposit 5.00; } | txbal >out 2>err &&
	test_line_count 1 out &&
	test_grep "3 read, 1 applied, 0 failed (0 refused), 2 duplicates, 0 rejected" err
'

test_expect_success '--window N: ids older than two generations are forgotten' '
	i=0 && while [ $i -lt 4000 ]; do rec "w$i" A deposit 0.01; i=$((i + 1)); done >in &&
	rec w0 A deposit 0.01 >again &&
	rec w3000 A deposit 0.01 >>again &&
	cat in again | txbal -q --window 1000 >out &&
	test_line_count 4001 out &&
	tail -n 1 out | test_grep "\"transaction_id\":\"w0\"" - &&
	cat in again | txbal -q >out2 &&
	test_line_count 4000 out2
'

test_expect_success '--strict stops at the first rejected line, exit 1' '
	{ rec a1 A deposit 1.00; echo "{"; rec a2 A deposit 1.00; } >in &&
	test_expect_code 1 txbal --strict <in >out 2>err &&
	test_line_count 1 out &&
	test_grep "1 rejected" err &&
	test_grep "2 read" err
'

test_expect_success '-q: no summary and no line messages' '
	{ rec a1 A deposit 1.00; echo "{"; } >in &&
	test_expect_code 1 txbal -q <in >out 2>err &&
	test_line_count 0 err
'

test_expect_success 'files as arguments, named in messages; "-" is stdin' '
	rec f1 A deposit 1.00 >f1 &&
	printf "%s\n" "{" >f2 &&
	rec f3 A deposit 2.00 | test_expect_code 1 txbal f1 f2 - >out 2>err &&
	test_line_count 2 out &&
	test_grep "^txbal: f2:1: invalid JSON" err &&
	test_expect_code 3 txbal missing-file </dev/null 2>err &&
	test_grep "cannot open .missing-file." err
'

test_expect_success 'empty lines are skipped, not counted' '
	{ echo; rec e1 A deposit 1.00; echo; } | txbal >out 2>err &&
	test_line_count 1 out &&
	test_grep "1 read, 1 applied" err
'

test_expect_success '--init loads balances; --state writes them sorted' '
	cat >init <<-\EOF &&
	{"account":"Z","currency":"USD","balance":10.00,"available_balance":8.00,"tx_count":4}
	{"account":"A","currency":"EUR","balance":"3.5"}
	EOF
	rec i1 Z withdrawal 8.00 | txbal -q --init init --state st >out &&
	test_grep "\"new_balance\":2.00,\"available_balance\":0.00,\"tx_count\":5" out &&
	cat >expect <<-\EOF &&
	{"account":"A","currency":"EUR","balance":3.50,"available_balance":3.50,"tx_count":0}
	{"account":"Z","currency":"USD","balance":2.00,"available_balance":0.00,"tx_count":5}
	EOF
	test_cmp expect st &&
	ls >files &&
	! grep -q "st.tmp" files
'

test_expect_success '--init errors name the file and line, exit 2' '
	printf "%s\n" "{\"account\":\"A\",\"balance\":1}" "{\"account\":\"B\"}" >bad &&
	test_expect_code 2 txbal --init bad </dev/null 2>err &&
	test_grep "^txbal: bad:2: missing field .balance." err &&
	printf "%s\n" "{\"account\":\"A\",\"balance\":1}" "{\"account\":\"A\",\"balance\":2}" >twice &&
	test_expect_code 2 txbal --init twice </dev/null 2>err &&
	test_grep "^txbal: twice:2: account and currency listed twice" err &&
	test_expect_code 2 txbal --init nothere </dev/null
'

test_expect_success '--state: an unwritable place is an I/O error (exit 3)' '
	rec s1 A deposit 1.00 | test_expect_code 3 txbal -q --state no/such/dir/st >/dev/null
'

test_expect_success 'SIGTERM: stops, flushes, saves the state, exits 143' '
	rm -f fifo st out && mkfifo fifo
	(rec g1 A deposit 7.00 && exec sleep 30) >fifo &
	writer=$!
	txbal -q --state st <fifo >out &
	pid=$!
	i=0 && while [ ! -s out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	kill -TERM $pid &&
	set +e && wait $pid; rc=$? && set -e &&
	{ kill $writer 2>/dev/null || :; } &&
	test $rc -eq 143 &&
	test_line_count 1 out &&
	test_grep "\"balance\":7.00" st
'

test_expect_success 'output closed downstream (EPIPE): stop quietly, exit 0, state saved' '
	i=0 && while [ $i -lt 20000 ]; do rec "e$i" A deposit 0.01; i=$((i + 1)); done >in &&
	{ txbal -q --state st <in; echo $? >rc; } | head -n 1 >out &&
	test "$(cat rc)" -eq 0 &&
	test_line_count 1 out &&
	test -s st
'

test_expect_success 'output closed downstream while no input comes: stop, exit 0' '
	head -n 3 in >three &&
	test "$(reader_gone three txbal -q --state st2)" = 0 &&
	test -s st2
'

test_expect_success 'alerts: each default rule, on the record and in --alerts' '
	{
		rec a1 A deposit 20000.00 "\"ts\":\"2026-01-01T00:00:00Z\""
		rec a2 A withdrawal 19950.00 "\"ts\":\"2026-01-01T00:00:01Z\""
		rec a3 A withdrawal 100.00 "\"ts\":\"2026-01-01T00:00:02Z\""
		rec a4 A fee 1.00 "\"ts\":\"2026-01-01T00:00:03Z\""
		rec a5 A fee 1.00 "\"ts\":\"2026-01-01T00:00:04Z\""
	} >in &&
	txbal --alerts al <in >out 2>err &&
	sed -n "s/.*\"alerts\":\(.*\)}$/\1/p" out >got &&
	cat >expect <<-\EOF &&
	["low_balance","large_amount","drain"]
	["overdraft"]
	["velocity"]
	EOF
	test_cmp expect got &&
	cat >expect <<-\EOF &&
	{"alert":"low_balance","kind":"notice","transaction_id":"a2","account":"A","currency":"USD","ts":"2026-01-01T00:00:01Z","detail":"available balance 50.00 below 100.00"}
	{"alert":"large_amount","kind":"fraud","transaction_id":"a2","account":"A","currency":"USD","ts":"2026-01-01T00:00:01Z","detail":"amount 19950.00 at or above 10000.00"}
	{"alert":"drain","kind":"fraud","transaction_id":"a2","account":"A","currency":"USD","ts":"2026-01-01T00:00:01Z","detail":"debit of 19950.00 took 80% or more of the available balance 20000.00"}
	{"alert":"overdraft","kind":"notice","transaction_id":"a3","account":"A","currency":"USD","ts":"2026-01-01T00:00:02Z","detail":"debit of 100.00 refused, available balance 50.00"}
	{"alert":"velocity","kind":"fraud","transaction_id":"a5","account":"A","currency":"USD","ts":"2026-01-01T00:00:04Z","detail":"more than 4 transactions within 10s"}
	EOF
	test_cmp expect al &&
	test_grep "5 read, 4 applied, 1 failed (1 refused), 0 duplicates, 0 rejected, 3 alerts, 2 notices" err
'

test_expect_success '--drain AMOUNT; --no-alert drain' '
	{
		rec e1 A deposit 1000.00
		rec e2 A transfer 900.00 "\"counterparty\":\"B\""
		rec e3 B withdrawal 850.00
	} >in &&
	txbal -q <in | grep -c "\"drain\"\]" >n &&
	echo 2 >expect && test_cmp expect n &&
	txbal -q --drain 880 <in | grep -c "\"drain\"\]" >n &&
	echo 1 >expect && test_cmp expect n &&
	txbal -q --no-alert drain <in >out &&
	test_line_count 3 out &&
	! grep -q drain out &&
	test_expect_code 2 txbal --drain ten </dev/null 2>err &&
	test_grep "drain threshold .ten. is not an amount" err
'

test_expect_success 'alert thresholds by flag; --no-alert; a stale alerts list is removed' '
	{
		rec b1 A deposit 60.00 "\"ts\":\"2026-01-01T00:00:00Z\",\"alerts\":[\"old\"]"
		rec b2 A payment 15.00 "\"ts\":\"2026-01-01T00:00:01Z\""
		rec b3 A payment 1.00 "\"ts\":\"2026-01-01T00:00:02Z\""
	} >in &&
	txbal -q --low-balance 50 --large 15 --velocity 1/5s <in >out &&
	sed -n 1p out | test_grep "\"ts\":\"2026-01-01T00:00:00Z\",\"status\":\"completed\",\"new_balance\":60.00," - &&
	! sed -n 1p out | grep -q alerts &&
	sed -n 2p out | test_grep "\"alerts\":\[\"low_balance\",\"large_amount\",\"velocity\"\]}$" - &&
	sed -n 3p out | test_grep "\"tx_count\":3,\"alerts\":\[\"velocity\"\]}$" - &&
	txbal -q --no-alert all <in >out2 &&
	! grep -q alerts out2 &&
	! grep -q old out2 &&
	txbal -q --no-alert large_amount --no-alert velocity --no-alert low_balance <in >out3 &&
	! grep -q alerts out3
'

test_expect_success '--alerts to a file descriptor (as >(txpub ...) passes one)' '
	rec c1 A payment 20000.00 | txbal -q --alerts /dev/fd/3 3>fd.out >/dev/null &&
	test_grep "^{\"alert\":\"large_amount\",\"kind\":\"fraud\",\"transaction_id\":\"c1\"" fd.out
'

if command -v bash >/dev/null 2>&1; then
	test_expect_success '--alerts >(command): a process substitution (bash)' '
		rec c2 A payment 20000.00 >in &&
		bash -c "txbal -q --alerts >(cat >ps.out) <in >/dev/null; wait \$!" &&
		test_grep "^{\"alert\":\"large_amount\",\"kind\":\"fraud\",\"transaction_id\":\"c2\"" ps.out
	'
else
	test_skip '--alerts >(command): a process substitution' 'bash is not installed'
fi

test_expect_success 'a live stream: each record comes out before the input ends' '
	rm -f fifo2 live && mkfifo fifo2
	(rec l1 A deposit 3.00 && exec sleep 30) >fifo2 &
	writer=$!
	txbal -q <fifo2 >live &
	pid=$!
	i=0 && while [ ! -s live ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill $writer 2>/dev/null || :
	wait $pid || :
	test_grep "\"transaction_id\":\"l1\".*\"new_balance\":3.00" live &&
	test $i -lt 50
'

test_expect_success '--aggregate: per-account windows, late records counted, flushed at end' '
	{
		rec g1 A deposit 10.00 "\"ts\":\"2026-01-01T00:00:05Z\""
		rec g2 A payment 2.50 "\"ts\":\"2026-01-01T00:00:50Z\""
		rec g3 A transfer 1.00 "\"ts\":\"2026-01-01T00:00:55Z\",\"counterparty\":\"B\""
		rec g4 A payment 1.00 "\"ts\":\"2026-01-01T00:01:30Z\""
		rec g5 A payment 1.00 "\"ts\":\"2026-01-01T00:00:58Z\""
		rec g6 A payment 1.00
	} | txbal --no-alert all --aggregate 1m --aggregates agg >out 2>err &&
	cat >expect <<-\EOF &&
	{"window_start":"2026-01-01T00:00:00.000000Z","window_end":"2026-01-01T00:01:00.000000Z","account":"A","currency":"USD","count":3,"debits":3.50,"credits":10.00,"by_type":{"deposit":1,"payment":1,"transfer":1},"total_count":3,"total_debits":3.50,"total_credits":10.00}
	{"window_start":"2026-01-01T00:00:00.000000Z","window_end":"2026-01-01T00:01:00.000000Z","account":"B","currency":"USD","count":1,"debits":0.00,"credits":1.00,"by_type":{"transfer":1},"total_count":1,"total_debits":0.00,"total_credits":1.00}
	{"window_start":"2026-01-01T00:01:00.000000Z","window_end":"2026-01-01T00:02:00.000000Z","account":"A","currency":"USD","count":1,"debits":1.00,"credits":0.00,"by_type":{"payment":1},"total_count":4,"total_debits":4.50,"total_credits":10.00}
	EOF
	test_cmp expect agg &&
	test_grep "3 aggregates, 1 late, 1 without ts" err
'

test_expect_success '--lateness keeps a window open for late records' '
	{
		rec g1 A payment 0.00 "\"ts\":\"2026-01-01T00:00:05Z\""
		rec g4 A payment 0.00 "\"ts\":\"2026-01-01T00:01:30Z\""
		rec g5 A payment 0.00 "\"ts\":\"2026-01-01T00:00:58Z\""
	} | txbal --aggregate 1m --aggregates agg --lateness 45s >out 2>err &&
	head -n 1 agg | test_grep "\"count\":2," - &&
	test_grep "0 late" err
'

test_expect_success '--aggregate-types: purchases alone; --aggregate all: one record per account' '
	{
		rec h1 A deposit 10.00 "\"ts\":\"2026-01-01T00:00:05Z\""
		rec h2 A purchase 2.50 "\"ts\":\"2026-01-01T00:00:50Z\""
		rec h3 A transfer 1.00 "\"ts\":\"2026-01-01T00:00:55Z\",\"counterparty\":\"B\""
		rec h4 A withdrawal 1.00 "\"ts\":\"2026-01-01T00:01:30Z\""
		rec h5 B payment 0.25 "\"ts\":\"2026-01-01T00:03:00Z\""
		rec h6 A payment 1.01
	} | txbal --no-alert all --aggregate all --aggregate-types payment --aggregates agg >out 2>err &&
	cat >expect <<-\EOF &&
	{"window_start":"2026-01-01T00:00:50.000000Z","window_end":"2026-01-01T00:03:00.000000Z","account":"A","currency":"USD","count":2,"debits":3.51,"credits":0.00,"by_type":{"payment":2},"total_count":2,"total_debits":3.51,"total_credits":0.00}
	{"window_start":"2026-01-01T00:00:50.000000Z","window_end":"2026-01-01T00:03:00.000000Z","account":"B","currency":"USD","count":1,"debits":0.25,"credits":0.00,"by_type":{"payment":1},"total_count":1,"total_debits":0.25,"total_credits":0.00}
	EOF
	test_cmp expect agg &&
	test_grep "2 aggregates, 0 late, 0 without ts" err
'

test_expect_success '--aggregate-types: bad type or without --aggregate: exit 2' '
	test_expect_code 2 txbal --aggregate 1m --aggregates agg --aggregate-types payment,nope \
		</dev/null 2>err &&
	test_grep "^txbal: --aggregate-types: .nope. is not a transaction type" err &&
	test_expect_code 2 txbal --aggregate-types payment </dev/null 2>err &&
	test_grep "^txbal: --aggregate-types needs --aggregate" err &&
	test_expect_code 2 txbal --aggregate al --aggregates agg </dev/null
'

# spend.py STREAM AGGREGATES MODE: the aggregates against sums computed here
# (Decimal) from the stream: per account, its payments' count and amount.
# MODE all: one record per account; MODE windows: each account's windows in
# time order, each record's totals the running sums of its windows so far.
# Either way the last totals are the account's whole spend.
cat >spend.py <<'EOF'
import json, sys
from decimal import Decimal

stream, aggs, mode = sys.argv[1:4]
want = {}
for l in open(stream):
    r = json.loads(l, parse_float=Decimal)
    if r["type"] == "payment":
        c, s = want.get(r["account"], (0, Decimal(0)))
        want[r["account"]] = (c + 1, s + Decimal(str(r["amount"])))
run, last = {}, {}
for l in open(aggs):
    a = json.loads(l, parse_float=Decimal)
    assert list(a["by_type"]) == ["payment"], a
    assert a["credits"] == 0, a
    c, s = run.get(a["account"], (0, Decimal(0)))
    c, s = c + a["count"], s + a["debits"]
    run[a["account"]] = (c, s)
    assert (a["total_count"], a["total_debits"]) == (c, s), (a, c, s)
    if mode == "all":
        assert a["account"] not in last, ("twice", a["account"])
    elif a["account"] in last:
        assert a["window_start"] > last[a["account"]]["window_start"], a
    last[a["account"]] = a
got = {k: (a["total_count"], a["total_debits"]) for k, a in last.items()}
assert got == want, (len(got), len(want))
print("ok", len(got), "accounts", sum(s for _, s in want.values()))
EOF

test_expect_success 'total spend per user: exact, whole stream and running over windows' '
	txgen -n 5000 --seed 3 --accounts 40 --anomalies 0 >spend.in &&
	txbal -q --overdraft-unlimited --aggregate all --aggregate-types purchase \
		--aggregates all.agg <spend.in >/dev/null &&
	test_line_count 40 all.agg &&
	"$PYTHON3" spend.py spend.in all.agg all &&
	txbal -q --overdraft-unlimited --aggregate 1h --aggregate-types payment \
		--aggregates win.agg <spend.in >/dev/null &&
	test "$(wc -l <win.agg)" -gt 40 &&
	"$PYTHON3" spend.py spend.in win.agg windows
'

test_expect_success '--progress: records read every 2 s, output unchanged; not with -q' '
	txgen -q -n 400 --seed 5 >slow.in &&
	test_progress slow.in 100 "txbal: 100 records read, [0-9]+/s" txbal
'

# A terminal (script(1) gives one): the pipeline's stages share it, so a
# filter draws its line only when asked (tx(7), "Progress"), and whatever
# else comes there, a message or the records, erases it first and gets a
# line of its own; the line is drawn again below.
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	test_expect_success 'on a terminal: a line in place only with --progress, never run into' '
		txgen -q -n 300 --seed 5 >tty.in &&
		cat >feed.sh <<-\EOF &&
		{ head -n 100 tty.in && sleep 0.7 && echo "{bad" && sleep "$1" &&
			tail -n +101 tty.in; } | txbal $2
		echo "exit $?" >tty.rc
		EOF
		script -qec "sh feed.sh 0.7 --progress" /dev/null >tty.p </dev/null &&
		echo "exit 1" >want.rc && test_cmp want.rc tty.rc &&
		script -qec "sh feed.sh 0 >tty.out" /dev/null >tty.n </dev/null &&
		test_cmp want.rc tty.rc &&
		cr=$(printf "\r") && esc=$(printf "\033") && erase="${esc}\[K${cr}${esc}\[K" &&
		test_grep "^${cr}txbal: 100 records read, [0-9]*/s${esc}\[K" tty.p &&
		test_grep "${erase}txbal: stdin:101: " tty.p &&
		test_grep "${cr}txbal: 101 records read, [0-9]*/s${erase}{" tty.p &&
		test_grep "^txbal: 301 read, .* notices${cr}\$" tty.p &&
		! grep "/s${esc}\[K[^${cr}]" tty.p &&
		test "$(sed "s/.*${esc}\[K//" tty.p | grep -c "^{")" -eq 300 &&
		! grep -q "records read" tty.n &&
		test_line_count 2 tty.n &&
		test_grep "^txbal: stdin:101: " tty.n &&
		test_grep "^txbal: 301 read, .* notices${cr}\$" tty.n
	'
else
	test_skip 'on a terminal: a line in place only with --progress' 'script(1) from util-linux is not available'
fi

test_done

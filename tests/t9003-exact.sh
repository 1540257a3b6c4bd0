#!/bin/sh
# t9003: issue 14, "Exact everywhere": each defect the hostile probes found,
# as the probe ran it, with the corrected outcome. The PostgreSQL sides are
# in t5100 and t5101, the secrets in t9002.
. "$TX_SRCDIR/tests/lib.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
command -v sqlite3 >/dev/null || test_skip_all 'sqlite3 (the shell) is not installed'

# 1. A lifecycle record without "currency" is in its transaction's currency.
test_expect_success '1: a JPY delete without currency: no phantom USD row' '
	printf "%s\n" "{\"transaction_id\":\"t1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1000,\"currency\":\"JPY\"}" \
		"{\"transaction_id\":\"t2\",\"account\":\"A\",\"type\":\"payment\",\"amount\":10,\"currency\":\"JPY\"}" \
		"{\"transaction_id\":\"t2\",\"account\":\"A\",\"op\":\"delete\"}" |
		txbal -q --state m.state >m.ndjson &&
	tail -n 1 m.ndjson >last &&
	echo "{\"transaction_id\":\"t2\",\"account\":\"A\",\"op\":\"delete\",\"currency\":\"JPY\",\"new_balance\":1000,\"available_balance\":1000,\"tx_count\":2}" >last.expect &&
	test_cmp last.expect last &&
	txstore -q sqlite:m.db <m.ndjson &&
	txstore balances sqlite:m.db >bal &&
	echo "{\"account\":\"A\",\"currency\":\"JPY\",\"balance\":1000,\"available_balance\":1000,\"tx_count\":2}" >bal.expect &&
	test_cmp bal.expect bal &&
	test_cmp m.state bal &&
	test "$(sqlite3 m.db "SELECT count(*) FROM transactions WHERE deleted_at IS NOT NULL")" = 1
'

test_expect_success '1: 20000 EUR records with deletes: no USD account, balances exact' '
	txgen -n 20000 --currency EUR --deletes 0.05 --seed 5 |
		txbal -q --state eur.state | txstore sqlite:eur.db 2>err &&
	test_grep " deleted, 0 rejected" err &&
	txstore balances sqlite:eur.db >eur.bal &&
	! grep -q "\"USD\"" eur.bal &&
	test_cmp eur.state eur.bal &&
	test "$(wc -l <eur.bal)" -gt 400
'

test_expect_success '1: 5000 KWD records with deletes: every delete stored' '
	txgen -n 5000 --currency KWD --deletes 0.1 --pending 0.1 --seed 3 >k.ndjson &&
	txbal -q --state k.state <k.ndjson >k.out &&
	txstore sqlite:k.db <k.out 2>err &&
	n=$(grep -c "\"op\":\"delete\"" k.out) &&
	test "$n" -gt 100 &&
	test_grep " $n deleted, 0 rejected" err &&
	test "$(sqlite3 k.db "SELECT count(*) FROM transactions WHERE deleted_at IS NOT NULL")" = "$n" &&
	txstore balances sqlite:k.db >k.bal &&
	! grep -q "\"USD\"" k.bal &&
	test_cmp k.state k.bal
'

test_expect_success '1: a delete of a transfer also carries its counterparty, whose balance is stored' '
	printf "%s\n" "{\"transaction_id\":\"d\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":50,\"currency\":\"KWD\"}" \
		"{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"transfer\",\"amount\":20,\"currency\":\"KWD\",\"counterparty\":\"B\\\\u00e9\"}" \
		"{\"transaction_id\":\"x\",\"account\":\"A\",\"op\":\"delete\"}" >x.ndjson &&
	txbal -q --state x.state <x.ndjson >x.out &&
	tail -n 1 x.out >last &&
	echo "{\"transaction_id\":\"x\",\"account\":\"A\",\"op\":\"delete\",\"currency\":\"KWD\",\"counterparty\":\"B\\\\u00e9\",\"new_balance\":50.000,\"available_balance\":50.000,\"tx_count\":2,\"counterparty_balance\":0.000}" >last.expect &&
	test_cmp last.expect last &&
	txstore -q sqlite:x.db <x.out &&
	txstore balances sqlite:x.db >x.bal &&
	test_cmp x.state x.bal
'

# 4. Sums past int64: exact in txstore report (SQLite), named in txtop.
test_expect_success '4: txstore report on SQLite sums past int64 exactly' '
	printf "%s\n" "{\"transaction_id\":\"b1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":92233720368547758.07}" \
		"{\"transaction_id\":\"b2\",\"account\":\"B\",\"type\":\"deposit\",\"amount\":92233720368547758.07}" \
		"{\"transaction_id\":\"b3\",\"account\":\"B\",\"type\":\"deposit\",\"amount\":0.001,\"currency\":\"KWD\"}" |
		txstore -q sqlite:big.db &&
	txstore report sqlite:big.db >rep &&
	test_grep "^{\"report\":\"by_type\",\"type\":\"deposit\",\"currency\":\"USD\",\"count\":2,\"sum\":184467440737095516.14}\$" rep &&
	test_grep "^{\"report\":\"by_status\",\"status\":\"completed\",\"currency\":\"USD\",\"count\":2,\"sum\":184467440737095516.14}\$" rep &&
	test_grep "\"currency\":\"KWD\",\"count\":1,\"sum\":0.001}" rep &&
	txstore report --table sqlite:big.db >tab &&
	test_grep "^deposit  USD           2  184467440737095516.14\$" tab
'

test_expect_success '4: txtop names a top-spend sum past int64 instead of clamping it' '
	printf "%s\n" "{\"transaction_id\":\"p1\",\"account\":\"BIG\",\"type\":\"payment\",\"amount\":92233720368547758.07}" \
		"{\"transaction_id\":\"p2\",\"account\":\"BIG\",\"type\":\"payment\",\"amount\":1.00}" \
		"{\"transaction_id\":\"p3\",\"account\":\"SMALL\",\"type\":\"payment\",\"amount\":5.00}" |
		txtop --once >top &&
	test_grep "^   1\. BIG  *(sum overflows) USD (2 debits)\$" top &&
	test_grep "^   2\. SMALL  *5.00 USD (1 debit)\$" top &&
	! grep -q "92233720368547758.07 USD (2" top
'

# 6. Record text never drives the terminal: one corpus, one check, three programs.
CORPUS="$TX_SRCDIR/tests/data/term-hostile.ndjson"
CHECK="$TX_SRCDIR/tests/data/term-check.py"
test_expect_success '6: the corpus itself would drive a terminal' '
	sed "s/\\\\u001b/\\x1b/g; s/\\\\u0007/\\x07/g" "$CORPUS" >raw &&
	! "$PYTHON3" "$CHECK" raw 2>/dev/null &&
	"$PYTHON3" -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$CORPUS"
'
test_expect_success '6: txlog: no control, C1 or bidi character reaches the output' '
	txlog -f "{transaction_id} {account}" <"$CORPUS" >log.out &&
	test_line_count 10 log.out &&
	"$PYTHON3" "$CHECK" log.out &&
	test_grep "^h-osc-title-B ]0;PWNED x B ]0;PWNED x\$" log.out &&
	test_grep "^ok-caf\\(.*\\) caf" log.out &&
	grep -q "日本 →" log.out
'
test_expect_success '6: txtop --once: none either' '
	txtop --once <"$CORPUS" >top.out &&
	"$PYTHON3" "$CHECK" top.out &&
	test_grep "G?gnp.exe" top.out &&
	grep -q "café 日本 →" top.out
'
test_expect_success '6: txstore report --table: none either (the NDJSON report stays exact)' '
	txstore -q sqlite:term.db <"$CORPUS" &&
	txstore report --table sqlite:term.db >tab.out &&
	"$PYTHON3" "$CHECK" tab.out &&
	test_grep "E?31mred" tab.out &&
	grep -q "café 日本 →" tab.out &&
	txstore report sqlite:term.db >rep.out &&
	grep -q "\\\\u001b\\]0;PWNED" rep.out
'

# 5. A redelivered update after its delete is a duplicate.
test_expect_success '5: txgen --duplicates with deletes: exit 0, the balances of a run without copies' '
	txgen -n 20000 --seed 1 --accounts 20 --pending 0.2 --deletes 0.1 --duplicates 0.05 >d.ndjson &&
	txbal --state d.state <d.ndjson >/dev/null 2>err &&
	test_grep "^txbal: 20000 read, [0-9]* applied, .*, [1-9][0-9]* duplicates, 0 rejected" err &&
	awk "!seen[\$0]++" d.ndjson >u.ndjson &&
	test "$(wc -l <u.ndjson)" -lt 20000 &&
	txbal -q --state u.state <u.ndjson >/dev/null &&
	test_cmp u.state d.state
'

test_expect_success '5: an update to another status after the delete is still refused' '
	{
		echo "{\"transaction_id\":\"p\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":5,\"status\":\"pending\"}" &&
		echo "{\"transaction_id\":\"p\",\"account\":\"A\",\"op\":\"update\",\"status\":\"completed\"}" &&
		echo "{\"transaction_id\":\"p\",\"account\":\"A\",\"op\":\"delete\"}" &&
		echo "{\"transaction_id\":\"p\",\"account\":\"A\",\"op\":\"update\",\"status\":\"completed\"}" &&
		echo "{\"transaction_id\":\"p\",\"account\":\"A\",\"op\":\"update\"}" &&
		echo "{\"transaction_id\":\"p\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\"}"
	} >p.ndjson &&
	test_expect_code 1 txbal --state p.state <p.ndjson >p.out 2>err &&
	test_line_count 3 p.out &&
	test_grep "stdin:6: transaction .p.: update of a deleted transaction" err &&
	test_grep "6 read, 3 applied, .*, 2 duplicates, 1 rejected" err &&
	# the same through a restart from the stored state
	head -n 3 p.ndjson | txbal -q | txstore -q sqlite:p.db &&
	txstore state sqlite:p.db >p.init &&
	test_grep "\"deleted\":true" p.init &&
	tail -n 3 p.ndjson | { txbal --init p.init >/dev/null 2>err; test $? = 1; } &&
	test_grep "stdin:3: transaction .p.: update of a deleted transaction" err &&
	test_grep "3 read, 0 applied, .*, 2 duplicates, 1 rejected" err
'

# 7. A negative reservation (available above balance) is refused.
test_expect_success '7: txbal --init refuses available_balance above balance, naming the line' '
	printf "%s\n" "{\"account\":\"B\",\"balance\":1}" \
		"{\"account\":\"A\",\"currency\":\"USD\",\"balance\":10.00,\"available_balance\":25.00}" >neg.state &&
	echo "{\"transaction_id\":\"w\",\"account\":\"A\",\"type\":\"withdrawal\",\"amount\":15}" >w.ndjson &&
	test_expect_code 2 txbal --init neg.state <w.ndjson >out 2>err &&
	echo "txbal: neg.state:2: field '"'"'available_balance'"'"' is greater than '"'"'balance'"'"'" >err.expect &&
	test_cmp err.expect err &&
	test_line_count 0 out &&
	# equal is fine, and the withdrawal is refused for funds
	printf "%s\n" "{\"account\":\"A\",\"currency\":\"USD\",\"balance\":10.00,\"available_balance\":10.00}" >ok.state &&
	txbal -q --init ok.state <w.ndjson >out &&
	test_grep "\"status\":\"failed\",\"reason\":\"insufficient_funds\",\"new_balance\":10.00" out
'

test_expect_success '7: txstore refuses a record whose available_balance is above new_balance' '
	{
		echo "{\"transaction_id\":\"a\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"new_balance\":1.00,\"available_balance\":1.00}" &&
		echo "{\"transaction_id\":\"b\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"new_balance\":2.00,\"available_balance\":3.00}"
	} >ab.ndjson &&
	test_expect_code 1 txstore sqlite:ab.db <ab.ndjson 2>err &&
	test_grep "^txstore: stdin:2: field .available_balance. is greater than .new_balance.\$" err &&
	test "$(txstore balances sqlite:ab.db)" = "{\"account\":\"A\",\"currency\":\"USD\",\"balance\":1.00,\"available_balance\":1.00,\"tx_count\":0}"
'

# 9. SIGHUP is handled as SIGTERM where a program gives it no other meaning.
test_expect_success '9: SIGHUP: txbal flushes, writes --state, exits 129' '
	rm -f fifo st out && mkfifo fifo &&
	{ (echo "{\"transaction_id\":\"g1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":7}" &&
	   exec sleep 30) >fifo & } &&
	writer=$! &&
	{ txbal -q --state st <fifo >out & } &&
	pid=$! &&
	i=0 && while [ ! -s out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	kill -HUP $pid &&
	{ wait $pid; rc=$?; } ;
	kill $writer 2>/dev/null;
	test "$rc" = 129 &&
	test_line_count 1 out &&
	test_grep "\"balance\":7.00" st
'

test_expect_success '9: SIGHUP: txgen stops on a line boundary, exits 129' '
	{ txgen --rate 200 --seed 2 >g.out 2>g.err & } &&
	pid=$! &&
	i=0 && while [ ! -s g.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	kill -HUP $pid &&
	{ wait $pid; rc=$?; } ;
	test "$rc" = 129 &&
	test_grep "stopped by signal 1 after" g.err &&
	test "$(tail -c 1 g.out | od -An -c | tr -d " ")" = "\\n"
'

test_done

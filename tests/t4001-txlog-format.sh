#!/bin/sh
# txlog --format: templates of fields, widths, escapes, errors.
. "$TX_SRCDIR/tests/lib.sh"

IN="$TX_SRCDIR/tests/data/t4000-in.ndjson"

test_expect_success 'known fields in canonical form, members by name' '
	txlog -q -f "{ts} {account} {amount} {currency} {status}" "$IN" >out &&
	cat >want <<-\EOF &&
	2026-01-01T09:15:00.000001Z ACC000042 2000.00 USD completed
	2026-01-01T09:15:02.123456Z ACC000042 128.28 USD completed
	2026-01-01T09:15:04.500000Z ACC000042 50.00 USD completed
	2026-01-01T09:16:00.000000Z ACC000007 700.00 USD failed
	2026-01-01T09:16:30.000000Z ACC000007 600.00 USD completed
	2026-01-01T09:17:00.000000Z JP0001 1500 JPY pending
	2026-01-01T09:17:05.000000Z JP0001 1500 JPY completed
	2026-01-01T09:18:00.000000Z ACC000042 28.28 USD completed
	2026-01-01T09:19:00.000000Z ACC000042  USD 
	EOF
	test_cmp want out
'

test_expect_success 'computed fields, widths, unknown fields empty' '
	txlog -q -f "{transaction_id}|{account:-10}|{signed_amount:9}|{alerts}|{nosuch}|{merchant}|{tx_count:3}|{op}" "$IN" >out &&
	cat >want <<-\EOF &&
	t-0001|ACC000042 | +2000.00||||  1|create
	t-0002|ACC000042 |  -128.28|large_amount||Corner Cafe|  2|create
	t-0003|ACC000042 |   -50.00||||  3|create
	t-0004|ACC000007 |  -700.00|overdraft|||  4|create
	t-0005|ACC000007 |  -600.00|low_balance|||  5|create
	t-0006|JP0001    |    -1500||||  9|create
	t-0006|JP0001    |    -1500||||  9|update
	t-0007|ACC000042 |   +28.28||||   |create
	t-0008|ACC000042 |         ||||   |delete
	EOF
	test_cmp want out
'

test_expect_success 'raw members: numbers as written, strings decoded, objects as JSON' '
	cat >in <<-\EOF &&
	{"transaction_id":"x","account":"A","new_balance":12.5,"note":"a\"b\u00e9","source":{"topic":"t","partition":0,"offset":7}}
	EOF
	txlog -q -f "{new_balance} {note} {source}" in >out &&
	echo "12.5 a\"bé {\"topic\":\"t\",\"partition\":0,\"offset\":7}" >want &&
	test_cmp want out
'

test_expect_success 'braces and backslash escapes' '
	head -n 1 "$IN" | txlog -q -f "{{{account}}}\\t{{x}}\\\\n" >out &&
	printf "{ACC000042}\t{x}\\\\n\n" >want &&
	test_cmp want out
'

test_expect_success '{json} is the input line; transaction_type alias by name' '
	echo "{\"transaction_id\":\"x\",\"account\":3,\"transaction_type\":\"Debit\",\"amount\":8}" >in &&
	txlog -q -f "{json}|{type}|{transaction_type}|{signed_amount}" in >out &&
	echo "{\"transaction_id\":\"x\",\"account\":3,\"transaction_type\":\"Debit\",\"amount\":8}|withdrawal|Debit|-8.00" >want &&
	test_cmp want out
'

test_expect_success 'template colour with --color=always, padding outside escapes' '
	sed -n 4,6p "$IN" | txlog -q --color=always -f "{status:-9}|{alerts}|{signed_amount:9}" >out &&
	E=$(printf "\033") &&
	printf "%s\n" "${E}[31mfailed${E}[0m   |${E}[1;31moverdraft${E}[0m|  -700.00" \
		"completed|${E}[1;31mlow_balance${E}[0m|  -600.00" \
		"${E}[33mpending${E}[0m  ||    -1500" >want &&
	test_cmp want out
'

test_expect_success 'template errors: exit 2 with the reason' '
	test_expect_code 2 txlog -f "{ts" </dev/null 2>err &&
	echo "txlog: --format: unclosed '"'"'{'"'"' at offset 0" >want && test_cmp want err &&
	test_expect_code 2 txlog -f "a } b" </dev/null 2>err &&
	test_grep "unmatched .}. at offset 2" err &&
	test_expect_code 2 txlog -f "{}" </dev/null 2>err &&
	test_grep "empty or bad field name at offset 0" err &&
	test_expect_code 2 txlog -f "{ts:x}" </dev/null 2>err &&
	test_grep "bad width at offset 3" err
'

test_expect_success '--format with --alerts-only' '
	txlog -q -a --format="{account} {alerts}" "$IN" >out &&
	printf "%s\n" "ACC000042 large_amount" "ACC000007 overdraft" "ACC000007 low_balance" >want &&
	test_cmp want out
'

test_done

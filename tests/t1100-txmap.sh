#!/bin/sh
# txmap: every flag, the alias table, the conversions (amounts, times, ids),
# "other" records, the input forms (NDJSON, pretty-printed and concatenated
# values, arrays, CSV), bad input with its exact message, exit statuses;
# and what it writes is what txbal accepts.
. "$TX_SRCDIR/tests/lib.sh"

test_expect_success 'the alias table, numbers as ids, statuses and types without case' '
	cat >in <<-\EOF &&
	{"id": 42, "user_id": "u1", "type": "Purchase", "amount": 523.17, "status": "Completed", "timestamp": "2025-02-17T14:35:20Z", "note": {"a" : [1, 2.50]}}
	{"tx_id":"t2","account_id":7,"transaction_type":"Credit","amount":"8","created_at":"2025-02-17T15:35:20+01:00"}
	{"transaction_id":"t3","customer_id":"c","type":"DEBIT","amount":1e2,"time":"2025-02-17T14:35:20.5Z"}
	EOF
	txmap <in >out 2>err &&
	cat >expect <<-\EOF &&
	{"transaction_id":"42","account":"u1","type":"payment","amount":523.17,"status":"completed","ts":"2025-02-17T14:35:20.000000Z","note":{"a" : [1, 2.50]}}
	{"transaction_id":"t2","account":7,"type":"deposit","amount":8.00,"ts":"2025-02-17T14:35:20.000000Z"}
	{"transaction_id":"t3","account":"c","type":"withdrawal","amount":100.00,"ts":"2025-02-17T14:35:20.500000Z"}
	EOF
	test_cmp expect out &&
	echo "txmap: 3 read, 3 written, 0 other, 0 dropped, 0 rejected" >expect &&
	test_cmp expect err &&
	txbal -q <out >bal &&
	test_line_count 3 bal
'

test_expect_success '-h prints the usage on stdout, a bad option is a usage error' '
	txmap -h >out && test_grep "^usage: txmap \[-qv\] \[--csv\]" out &&
	txmap --help >out && test_grep "^usage: txmap" out &&
	test_expect_code 2 txmap --no-such-option 2>err </dev/null &&
	test_grep "^Try .txmap --help. for more information\.\$" err
'

test_expect_success '-v prints the mapping used, -q no summary' '
	printf "%s\n" "{\"id\":1,\"who\":\"a\",\"type\":\"fee\",\"amount\":1,\"s\":\"ok\"}" \
		"{\"id\":2,\"who\":\"a\",\"type\":\"fee\",\"amount\":1,\"s\":\"no\"}" >in &&
	txmap -v --field who=account --value s:ok=yes <in >out 2>err &&
	cat >expect <<-\EOF &&
	txmap: field '"'"'id'"'"' -> '"'"'transaction_id'"'"' (the alias table), in 2 records
	txmap: field '"'"'who'"'"' -> '"'"'account'"'"' (--field), in 2 records
	txmap: field '"'"'type'"'"' kept, in 2 records
	txmap: field '"'"'amount'"'"' kept, in 2 records
	txmap: field '"'"'s'"'"' kept, in 2 records
	txmap: value s '"'"'ok'"'"' -> '"'"'yes'"'"' (--value), 1 times
	txmap: 2 read, 2 written, 0 other, 0 dropped, 0 rejected
	EOF
	test_cmp expect err &&
	test_grep "\"s\":\"yes\"" out &&
	printf "%s\n" "{\"id\":1,\"account\":\"a\",\"type\":\"TopUp\",\"amount\":1,\"currency\":\"eur\"}" \
		"{\"id\":2,\"account\":\"a\",\"type\":\"bonus\"}" >in2 &&
	txmap -v --value type:topup=deposit --value type:bonus=perk --value currency:eur=EUR --drop-other \
		<in2 >out 2>err &&
	test_grep "value type '"'"'topup'"'"' -> '"'"'deposit'"'"' (--value), 1 times" err &&
	test_grep "value type '"'"'bonus'"'"' -> '"'"'perk'"'"' (--value), 1 times" err &&
	test_grep "value currency '"'"'eur'"'"' -> '"'"'EUR'"'"' (--value), 1 times" err &&
	txmap -q --field who=account <in >out 2>err &&
	test_line_count 0 err &&
	txmap --quiet --verbose --field who=account <in >out 2>err &&
	test_grep "field '"'"'who'"'"' -> '"'"'account'"'"' (--field), in 2 records" err
'

test_expect_success 'a name that maps to two targets is an error, never a guess' '
	printf "%s\n" "{\"id\":\"a\",\"tx_id\":\"b\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1}" \
		"{\"transaction_id\":\"a\",\"account\":\"x\",\"account\":\"y\",\"type\":\"fee\",\"amount\":1}" >in &&
	test_expect_code 1 txmap <in >out 2>err &&
	cat >expect <<-\EOF &&
	txmap: stdin:1: fields '"'"'id'"'"' and '"'"'tx_id'"'"' both map to '"'"'transaction_id'"'"'
	txmap: stdin:2: field '"'"'account'"'"' appears twice
	txmap: 2 read, 0 written, 0 other, 0 dropped, 2 rejected
	EOF
	test_cmp expect err &&
	test_expect_code 2 txmap --field a=account --field a=counterparty </dev/null 2>err &&
	test_grep "'"'"'a'"'"' is mapped to both '"'"'account'"'"' and '"'"'counterparty'"'"'" err &&
	test_expect_code 2 txmap --field a </dev/null 2>err &&
	test_grep "expected FROM=TO" err &&
	test_expect_code 2 txmap --value status=x </dev/null 2>err &&
	test_grep "expected FIELD:FROM=TO" err
'

test_expect_success '--field renames to any name, and takes a name out of the alias table' '
	echo "{\"id\":\"row-1\",\"ref\":\"t1\",\"acct\":\"A\",\"type\":\"fee\",\"amount\":1}" >in &&
	txmap -q --field id=row --field ref=transaction_id --field acct=account <in >out &&
	echo "{\"row\":\"row-1\",\"transaction_id\":\"t1\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1.00}" >expect &&
	test_cmp expect out
'

test_expect_success '--value maps values; statuses and types match without case' '
	printf "%s\n" "{\"id\":\"1\",\"account\":\"A\",\"type\":\"TopUp\",\"amount\":1,\"status\":\"SUCCESS\"}" \
		"{\"id\":\"2\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1,\"status\":\"weird\"}" >in &&
	test_expect_code 1 txmap --value type:topup=deposit --value status:success=completed <in >out 2>err &&
	echo "{\"transaction_id\":\"1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1.00,\"status\":\"completed\"}" >expect &&
	test_cmp expect out &&
	test_grep "^txmap: stdin:2: field '"'"'status'"'"' is not pending, completed or failed: '"'"'weird'"'"' (map it with --value status:weird=...)$" err
'

test_expect_success 'amounts: exact decimals, refused past the currency, --round' '
	printf "%s\n" "{\"id\":\"1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":523.1734928}" \
		"{\"id\":\"2\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":0.30000000000000004}" \
		"{\"id\":\"3\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1e-05}" \
		"{\"id\":\"4\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":\"0.125\"}" \
		"{\"id\":\"5\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":2.5,\"currency\":\"jpy\"}" >in &&
	test_expect_code 1 txmap <in >out 2>err &&
	cat >expect <<-\EOF &&
	txmap: stdin:1: field '"'"'amount'"'"' has more than 2 decimals for USD: '"'"'523.1734928'"'"' (use --round)
	txmap: stdin:2: field '"'"'amount'"'"' has more than 2 decimals for USD: '"'"'0.30000000000000004'"'"' (use --round)
	txmap: stdin:3: field '"'"'amount'"'"' has more than 2 decimals for USD: '"'"'1e-05'"'"' (use --round)
	txmap: stdin:4: field '"'"'amount'"'"' has more than 2 decimals for USD: '"'"'0.125'"'"' (use --round)
	txmap: stdin:5: field '"'"'amount'"'"' has more than 0 decimals for JPY: '"'"'2.5'"'"' (use --round)
	txmap: 5 read, 0 written, 0 other, 0 dropped, 5 rejected
	EOF
	test_cmp expect err &&
	txmap -q --round half-even <in | sed "s/.*\"amount\":\([^,}]*\).*/\1/" >out &&
	printf "%s\n" 523.17 0.30 0.00 0.12 2 >expect &&
	test_cmp expect out &&
	txmap -q --round half-up <in | sed "s/.*\"amount\":\([^,}]*\).*/\1/" >out &&
	printf "%s\n" 523.17 0.30 0.00 0.13 3 >expect &&
	test_cmp expect out &&
	test_expect_code 2 txmap --round up </dev/null 2>err &&
	test_grep "expected half-even or half-up" err
'

# rec TS: a record with that ts (raw JSON)
rec() { printf '{"id":"t","account":"A","type":"fee","amount":1,"ts":%s}\n' "$1"; }
ts_of() { sed 's/.*"ts":"\([^"]*\)".*/\1/' "$@"; }

test_expect_success 'times: naive ones need --tz, which knows daylight saving time' '
	{
		rec "\"2025-02-17 14:35:20\""
		rec "\"2025-02-17T14:35:20.123456\""
		rec "\"2025-07-01 12:00\""
		rec "\"2025-10-26 02:30:00\""
		rec "\"2025-10-26 03:30:00\""
		rec "\"2025-03-30 02:30:00\""
		rec "\"2025-02-17T14:35:20+05:30\""
		rec "\"2025-02-30 00:00:00\""
	} >in &&
	test_expect_code 1 txmap <in >out 2>err &&
	test_grep "^txmap: stdin:1: field '"'"'ts'"'"' has no UTC offset: '"'"'2025-02-17 14:35:20'"'"' (give its zone with --tz)$" err &&
	ts_of out >got && echo 2025-02-17T09:05:20.000000Z >expect && test_cmp expect got &&
	test_expect_code 1 txmap --tz Europe/Paris <in >out 2>err &&
	ts_of out >got &&
	cat >expect <<-\EOF &&
	2025-02-17T13:35:20.000000Z
	2025-02-17T13:35:20.123456Z
	2025-07-01T10:00:00.000000Z
	2025-10-26T00:30:00.000000Z
	2025-10-26T02:30:00.000000Z
	2025-02-17T09:05:20.000000Z
	EOF
	test_cmp expect got &&
	cat >expect <<-\EOF &&
	txmap: stdin:6: field '"'"'ts'"'"' does not exist in Europe/Paris (the clocks went forward): '"'"'2025-03-30 02:30:00'"'"'
	txmap: stdin:8: field '"'"'ts'"'"' is not an RFC 3339 or ISO 8601 date-time: '"'"'2025-02-30 00:00:00'"'"'
	txmap: 8 read, 6 written, 0 other, 0 dropped, 2 rejected
	EOF
	test_cmp expect err &&
	rec "\"2025-02-17 14:35:20\"" | txmap -q --tz -03:00 | ts_of >got &&
	echo 2025-02-17T17:35:20.000000Z >expect && test_cmp expect got &&
	rec "\"2025-02-17 14:35:20\"" | txmap -q --tz UTC | ts_of >got &&
	echo 2025-02-17T14:35:20.000000Z >expect && test_cmp expect got &&
	test_expect_code 2 txmap --tz Mars/Olympus </dev/null 2>err &&
	test_grep "no such time zone" err &&
	test_expect_code 2 txmap --tz ../etc/passwd </dev/null 2>err
'

test_expect_success 'times: epoch seconds and milliseconds, by magnitude or --epoch' '
	{
		rec 1739802920
		rec 1739802920.25
		rec 1739802920123
		rec "\"1739802920\""
		rec 99999999999999999
		rec 1739802920
	} >in &&
	test_expect_code 1 txmap <in >out 2>err &&
	ts_of out >got &&
	cat >expect <<-\EOF &&
	2025-02-17T14:35:20.000000Z
	2025-02-17T14:35:20.250000Z
	2025-02-17T14:35:20.123000Z
	2025-02-17T14:35:20.000000Z
	2025-02-17T14:35:20.000000Z
	EOF
	test_cmp expect got &&
	test_grep "stdin:5: field '"'"'ts'"'"' is an epoch number too large for seconds or milliseconds" err &&
	rec 1739802920 | txmap -q --epoch ms | ts_of >got &&
	echo 1970-01-21T03:16:42.920000Z >expect && test_cmp expect got &&
	rec 1739802920123 | txmap --epoch s 2>err | ts_of >got;
	test_grep "epoch number out of range" err &&
	test_expect_code 2 txmap --epoch us </dev/null 2>err &&
	test_grep "expected s or ms" err
'

test_expect_success 'ids: missing ones refused, or a content hash, or a uuid' '
	printf "%s\n" "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":5}" >in &&
	test_expect_code 1 txmap <in 2>err &&
	test_grep "stdin:1: field '"'"'transaction_id'"'"' is missing (make one with --id hash or --id uuid)" err &&
	txmap -q --id hash <in >h1 &&
	printf "{\n  \"account\": \"A\",\n  \"type\": \"deposit\",\n  \"amount\": 5\n}\n" | txmap -q --id hash >h2 &&
	test_cmp h1 h2 &&
	echo "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":5.00,\"transaction_id\":\"h-$(printf "%s" "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":5.00}" | "$PYTHON3" "$TX_SRCDIR/tests/oracle/murmur3.py")\"}" >expect &&
	test_cmp expect h1 &&
	printf "%s\n" "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":5,\"at\":1}" \
		"{\"account\":\"A\",\"type\":\"deposit\",\"amount\":5,\"at\":2}" >in2 &&
	txmap -q --id hash:account,amount <in2 >h3 &&
	sed "s/.*transaction_id//" h3 | uniq >ids && test_line_count 1 ids &&
	test_expect_code 1 txmap --id hash:account,nope <in2 2>err &&
	test_grep "field '"'"'nope'"'"' of --id hash:... is missing" err &&
	txmap -q --id uuid <in2 >u &&
	sed "s/.*\"transaction_id\":\"\([^\"]*\)\".*/\1/" u >ids &&
	grep -E "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" ids >ok &&
	test_line_count 2 ok && test "$(sort -u ids | wc -l)" -eq 2 &&
	test_expect_code 2 txmap --id random </dev/null 2>err &&
	test_grep "expected hash, hash:FIELD,... or uuid" err
'

test_expect_success 'records that are not transactions: refused, --other FILE or --drop-other' '
	printf "%s\n" "{\"id\":\"1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":5}" \
		"{\"id\":\"2\",\"account\":\"A\",\"type\":\"low_balance\",\"balance\":3}" \
		"{\"id\":\"3\",\"account\":\"A\",\"type\":\"savings_account\"}" \
		"{\"type\":\"current_balance\",\"amount\":1.234,\"ts\":\"2025-02-17 14:35:20\"}" >in &&
	test_expect_code 1 txmap <in >out 2>err &&
	test_grep "^txmap: stdin:2: type '"'"'low_balance'"'"' is not a transaction type (send such records to --other FILE, or --drop-other)$" err &&
	test_line_count 1 out &&
	txmap --other other <in >out 2>err &&
	sed -n "2,4p" in >expect && test_cmp expect other &&
	test_grep "4 read, 1 written, 3 other, 0 dropped, 0 rejected" err &&
	txmap --drop-other <in >out 2>err &&
	test_grep "4 read, 1 written, 0 other, 3 dropped, 0 rejected" err &&
	printf "{\n \"type\": \"low_balance\"\n}\n" | txmap --other other2 &&
	echo "{  \"type\": \"low_balance\" }" >expect && test_cmp expect other2 &&
	test_expect_code 2 txmap --other o --drop-other </dev/null 2>err &&
	test_grep "exclusive" err
'

test_expect_success 'bad input: named by line, the rest kept, --reject, --strict' '
	cat >in <<-\EOF &&
	{"id":"1","account":"A","type":"deposit","amount":5}
	{"id":"2","account":"A","type":"deposit","amount":
	{"id":"3","account":"A","type":"deposit","amount":5}
	[1, 2]
	{"id":"4","account":"A","type":"deposit"}
	{"id":"5","account":"A","type":"deposit","amount":5}
	EOF
	test_expect_code 1 txmap --reject rej <in >out 2>err &&
	cat >expect <<-\EOF &&
	txmap: stdin:2: invalid JSON on line 4: expected '"'"','"'"' or '"'"'}'"'"'
	txmap: stdin:4: array element is not a JSON object
	txmap: stdin:4: array element is not a JSON object
	txmap: stdin:5: missing field '"'"'amount'"'"'
	txmap: 7 read, 3 written, 0 other, 0 dropped, 4 rejected
	EOF
	test_cmp expect err &&
	sed -n "1p;3p;6p" in | txmap -q >expect && test_cmp expect out &&
	printf "%s\n" "{\"id\":\"2\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":" 1 2 \
		"{\"id\":\"4\",\"account\":\"A\",\"type\":\"deposit\"}" >expect &&
	test_cmp expect rej &&
	test_expect_code 1 txmap --strict <in >out 2>err &&
	test_line_count 1 out &&
	test_grep "2 read, 1 written, 0 other, 0 dropped, 1 rejected" err
'

test_expect_success 'input forms: pretty-printed, concatenated, arrays give what NDJSON gives' '
	printf "%s\n" "{\"id\":\"1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":5,\"m\":{\"k\":[1,2]}}" \
		"{\"id\":\"2\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1}" >nd &&
	txmap -q <nd >expect &&
	"$PYTHON3" -c "import json,sys; [print(json.dumps(json.loads(l), indent=2)) for l in open(\"nd\")]" >pretty &&
	txmap -q <pretty >out && test_cmp expect out &&
	tr -d "\n" <nd >cat && txmap -q <cat >out && test_cmp expect out &&
	"$PYTHON3" -c "import json,sys; print(json.dumps([json.loads(l) for l in open(\"nd\")], indent=4))" >arr &&
	txmap -q <arr >out && test_cmp expect out &&
	cat arr arr | txmap -q >out && cat expect expect >expect2 && test_cmp expect2 out
'

test_expect_success 'CSV: RFC 4180 with a header row' '
	printf "id,account,type,amount,note\r\n1,A,deposit,5.5,\"a, \"\"quoted\"\"\nnote\"\r\n2,B,fee,1,\r\n3,C\r\n4,D,fee,\"1,5\",\"x\ny\"\n" >in.csv &&
	test_expect_code 1 txmap --csv --reject rej <in.csv >out 2>err &&
	cat >expect <<-\EOF &&
	{"transaction_id":"1","account":"A","type":"deposit","amount":5.50,"note":"a, \"quoted\"\nnote"}
	{"transaction_id":"2","account":"B","type":"fee","amount":1.00,"note":""}
	EOF
	test_cmp expect out &&
	test_grep "^txmap: stdin:5: the record has 2 fields, the header 5$" err &&
	test_grep "^txmap: stdin:6: field '"'"'amount'"'"' is not a decimal number: '"'"'1,5'"'"'$" err &&
	printf "3,C\n4,D,fee,\"1,5\",\"x\ny\"\n" >expect && test_cmp expect rej
'

test_expect_success 'CSV: a PaySim file through --csv gives the ledger of txgen --paysim --no-openings' '
	txmap -q --csv --id hash "$TX_SRCDIR/examples/data/paysim-sample.csv" >mapped &&
	test_line_count 26 mapped &&
	txbal -q --state s1 <mapped >/dev/null &&
	txgen --paysim "$TX_SRCDIR/examples/data/paysim-sample.csv" --no-openings |
		txbal -q --state s2 >/dev/null &&
	test_cmp s2 s1
'

test_expect_success 'stdout closed while no input comes: txmap ends, exit 0' '
	i=0 && while [ $i -lt 3 ]; do echo "{\"id\":\"$i\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1}"; i=$((i + 1)); done >three &&
	test "$(reader_gone three txmap -q)" = 0
'

test_expect_success 'exit statuses: a missing file, a closed stdout; a live stream flows, a signal stops it' '
	test_expect_code 3 txmap no-such-file 2>err &&
	test_grep "no-such-file" err &&
	i=0 && while [ $i -lt 3000 ]; do echo "{\"id\":\"$i\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1}"; i=$((i + 1)); done >big &&
	txmap -q big | head -n 1 >first &&
	test_line_count 1 first &&
	mkfifo fifo &&
	{ txmap -q <fifo >out 2>err & pid=$!; } &&
	exec 9>fifo && echo "{\"id\":\"1\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1}" >&9 &&
	wait_lines out 1 &&
	kill -TERM $pid &&
	{ wait $pid && status=0 || status=$?; } &&
	exec 9>&- &&
	test "$status" -eq 143 && test_line_count 1 out
'

# txmap waits for input without a clock: the line comes after the pause,
# when the rest is being read (when the pipe is empty, or at the 256th).
test_expect_success '--progress: records read every 2 s, output unchanged; not with -q' '
	txgen -q -n 400 --seed 5 >slow.in &&
	test_progress slow.in 100 "txmap: [1-4][0-9][0-9] records read, [0-9]+/s" txmap
'

test_done

#!/bin/sh
# txlog: the default layout, selection, colour, bad input, exit statuses.
. "$TX_SRCDIR/tests/lib.sh"

IN="$TX_SRCDIR/tests/data/t4000-in.ndjson"
EXPECT="$TX_SRCDIR/tests/data/t4000-default.out"

test_expect_success 'default layout, exact lines, from a file and from stdin' '
	txlog "$IN" >out 2>err &&
	test_cmp "$EXPECT" out &&
	echo "txlog: 9 lines read, 9 logged, 0 rejected" >want &&
	test_cmp want err &&
	txlog <"$IN" >out2 2>/dev/null &&
	test_cmp "$EXPECT" out2
'

test_expect_success 'several files in order, - is stdin' '
	head -n 2 "$IN" >a && tail -n 3 "$IN" >c &&
	sed -n 3,6p "$IN" | txlog a - c >out 2>err &&
	test_cmp "$EXPECT" out &&
	test_grep "9 lines read, 9 logged, 0 rejected" err
'

test_expect_success 'no colour into a file, no escapes with --color=auto' '
	txlog --color=auto "$IN" >out 2>/dev/null &&
	! grep -q "$(printf "\033")" out
'

test_expect_success '--color=always colours credits, failed and alerts even with NO_COLOR' '
	NO_COLOR=1 txlog --color=always -q "$IN" >out &&
	E=$(printf "\033") &&
	grep -c "${E}\[32m+" out >n && echo 2 >want && test_cmp want n &&
	grep "t\?withdrawal.*-700.00" out | grep -q "${E}\[31mfailed${E}\[0m" &&
	grep -q "${E}\[1;31m\[low_balance\]${E}\[0m" out &&
	grep -q "JP0001.*${E}\[33mpending${E}\[0m" out &&
	sed "s/${E}\[[0-9;]*m//g" out >plain &&
	test_cmp "$EXPECT" plain
'

test_expect_success '--color alone means always; --color=never; bad value is a usage error' '
	txlog --color -q "$IN" | grep -q "$(printf "\033")" &&
	txlog --color=never -q "$IN" >out && test_cmp "$EXPECT" out &&
	test_expect_code 2 txlog --color=sometimes "$IN" 2>err &&
	test_grep "txlog: --color: .sometimes. is not auto, always or never" err
'

# A terminal is needed to see auto mode switch colour on; script(1) gives one.
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	test_expect_success 'on a terminal: colour by default, none with NO_COLOR=1, colour with NO_COLOR=""' '
		script -qec "txlog -q $IN" /dev/null >tty.out </dev/null &&
		grep -q "$(printf "\033")\[32m+2000.00" tty.out &&
		NO_COLOR=1 script -qec "txlog -q $IN" /dev/null >tty2.out </dev/null &&
		! grep -q "$(printf "\033")" tty2.out &&
		grep -q "ACC000042  payment" tty2.out &&
		NO_COLOR= script -qec "txlog -q $IN" /dev/null >tty3.out </dev/null &&
		grep -q "$(printf "\033")\[1;31m" tty3.out
	'
else
	test_skip 'colour on a terminal' 'script(1) from util-linux is not available'
fi

test_expect_success '--alerts-only logs the records with alerts (failed overdraft included)' '
	txlog --alerts-only "$IN" >out 2>err &&
	grep "\[" "$EXPECT" >want &&
	test_cmp want out &&
	test_line_count 3 out &&
	test_grep "9 lines read, 3 logged, 0 rejected" err &&
	txlog -a -q "$IN" >out2 && test_cmp want out2
'

test_expect_success 'low-balance alerts into a log file (the seed alert consumer)' '
	txlog -q --alerts-only --out alerts.log <"$IN" >stdout &&
	test_line_count 0 stdout &&
	grep low_balance alerts.log >low &&
	test_line_count 1 low &&
	test_grep "ACC000007  withdrawal      -600.00 USD  bal       62.40" low
'

cat >bad.ndjson <<'EOF'
{"transaction_id":"a","account":"A","type":"deposit","amount":1}
not json
{"transaction_id":"b","account":"A","type":"deposit","amount":1.234}

{"transaction_id":"c","account":"B","type":"payment","amount":2}
EOF

test_expect_success 'bad lines: reported with source:line, skipped, counted, exit 1; a blank one skipped' '
	test_expect_code 1 txlog bad.ndjson >out 2>err &&
	cat >want <<-\EOF &&
	-                           a            A          deposit           +1.00 USD  completed
	-                           c            B          payment           -2.00 USD  completed
	EOF
	test_cmp want out &&
	cat >want <<-\EOF &&
	txlog: bad.ndjson:2: invalid JSON at byte 1: expected '"'"'{'"'"' (a record is a JSON object)
	txlog: bad.ndjson:3: field '"'"'amount'"'"' has more than 2 decimals for its currency
	txlog: 4 lines read, 2 logged, 2 rejected
	EOF
	test_cmp want err
'

test_expect_success 'stdin is named stdin in messages' '
	test_expect_code 1 txlog <bad.ndjson >out 2>err &&
	test_grep "^txlog: stdin:2: invalid JSON" err
'

test_expect_success '--reject writes the bad lines as they were' '
	test_expect_code 1 txlog -q --reject rej bad.ndjson >out &&
	sed -n "2,3p" bad.ndjson >want &&
	test_cmp want rej &&
	test_line_count 2 out
'

test_expect_success '--strict stops at the first bad line, exit 1' '
	test_expect_code 1 txlog --strict bad.ndjson >out 2>err &&
	test_line_count 1 out &&
	test_grep "bad.ndjson:2: invalid JSON" err &&
	! grep -q "bad.ndjson:3" err &&
	test_grep "2 lines read, 1 logged, 1 rejected" err
'

test_expect_success '-q: no summary, no line reports, same exit status' '
	test_expect_code 1 txlog -q bad.ndjson >out 2>err &&
	test_line_count 0 err
'

test_expect_success 'empty input: no output, exit 0' '
	txlog </dev/null >out 2>err &&
	test_line_count 0 out &&
	echo "txlog: 0 lines read, 0 logged, 0 rejected" >want &&
	test_cmp want err
'

test_expect_success 'a missing input file: exit 3, the other files still logged' '
	test_expect_code 3 txlog nosuch "$IN" >out 2>err &&
	test_cmp "$EXPECT" out &&
	test_grep "txlog: cannot open .nosuch.: No such file or directory" err
'

test_expect_success 'closed stdout: txlog | head -n 1 ends quietly, exit 0' '
	i=0 && : >big &&
	while [ $i -lt 2000 ]; do cat "$IN" >>big; i=$((i + 1)); done &&
	{ txlog big 2>err; echo $? >rc; } | head -n 1 >first &&
	echo 0 >want && test_cmp want rc &&
	head -n 1 "$EXPECT" >want && test_cmp want first &&
	! grep -q "error" err
'

test_expect_success 'closed stdout while no input comes: txlog ends, exit 0' '
	test "$(reader_gone "$IN" txlog 2>err)" = 0 &&
	! grep -q "error" err
'

test_expect_success 'a write error on stdout is exit 3' '
	if [ -w /dev/full ]; then
		test_expect_code 3 txlog "$IN" >/dev/full 2>err &&
		test_grep "write error on stdout: No space left on device" err
	fi
'

test_expect_success 'usage errors: exit 2' '
	test_expect_code 2 txlog --nosuch </dev/null 2>err &&
	test_grep "^Try .txlog --help. for more information\.\$" err &&
	test_expect_code 2 txlog -o x -s </dev/null 2>err &&
	test_grep "choose one" err &&
	test_expect_code 2 txlog -t tag </dev/null 2>err &&
	test_grep "txlog: --tag is for --syslog" err &&
	txlog -h >out && test_grep "^usage: txlog" out
'

test_expect_success 'SIGTERM: what was read is written out, exit 143' '
	mkfifo fifo
	txlog --out log.txt <fifo 2>err &
	pid=$!
	exec 3>fifo &&
	head -n 2 "$IN" >&3 &&
	n=0 && while [ $n -lt 100 ] && [ "$(cat log.txt 2>/dev/null | wc -l)" -lt 2 ]; do
		sleep 0.1; n=$((n + 1)); done &&
	kill -TERM "$pid" &&
	rc=0 && { wait "$pid" || rc=$?; } &&
	exec 3>&- &&
	echo 143 >want && echo $rc >got && test_cmp want got &&
	head -n 2 "$EXPECT" >want && test_cmp want log.txt &&
	test_grep "2 lines read, 2 logged" err
'

test_expect_success '--progress: records read every 2 s, output unchanged; not with -q' '
	txgen -q -n 400 --seed 5 >slow.in &&
	test_progress slow.in 100 "txlog: 100 records read, [0-9]+/s" txlog
'

test_done

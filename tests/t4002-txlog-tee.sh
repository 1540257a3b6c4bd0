#!/bin/sh
# txlog --tee: the input passes through byte for byte; the log goes aside.
. "$TX_SRCDIR/tests/lib.sh"

IN="$TX_SRCDIR/tests/data/t4000-in.ndjson"
EXPECT="$TX_SRCDIR/tests/data/t4000-default.out"

test_expect_success 'stdout is the input, byte for byte; the log is on stderr' '
	txlog --tee <"$IN" >pass 2>log &&
	cmp "$IN" pass &&
	head -n 9 log >loglines &&
	test_cmp "$EXPECT" loglines &&
	tail -n 1 log >summary &&
	echo "txlog: 9 lines read, 9 logged, 0 rejected" >want &&
	test_cmp want summary
'

test_expect_success '--tee --out FILE: stdout is the input, the log in the file' '
	txlog --tee --out tx.log "$IN" >pass 2>err &&
	cmp "$IN" pass &&
	test_cmp "$EXPECT" tx.log &&
	test_line_count 1 err
'

test_expect_success 'exact bytes: a CRLF ending, bad lines, blank lines, no final newline' '
	{
		printf "{\"transaction_id\":\"a\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}\r\n" &&
		printf "garbage \\\\ \\0 line\n\n" &&
		printf "{\"transaction_id\":\"b\",\"account\":\"B\",\"type\":\"fee\",\"amount\":0.5}\n" &&
		printf "{\"transaction_id\":\"c\",\"account\":\"C\",\"type\":\"refund\",\"amount\":3}"
	} >odd.ndjson &&
	test_expect_code 1 txlog --tee --out odd.log --reject rej <odd.ndjson >pass 2>err &&
	cmp odd.ndjson pass &&
	cat >want <<-\EOF &&
	-                           a            A          deposit           +1.00 USD  completed
	-                           b            B          fee               -0.50 USD  completed
	-                           c            C          refund            +3.00 USD  completed
	EOF
	test_cmp want odd.log &&
	test_grep "^txlog: stdin:2: invalid JSON" err &&
	! grep -q "stdin:3" err &&
	test_grep "4 lines read, 3 logged, 1 rejected" err &&
	test_line_count 1 rej
'

test_expect_success '--tee --alerts-only: everything passes, only alerts logged' '
	txlog --tee -a -q --out alerts.log <"$IN" >pass &&
	cmp "$IN" pass &&
	grep "\[" "$EXPECT" >want &&
	test_cmp want alerts.log
'

test_expect_success '--tee --strict: the bad line passes through, then txlog stops' '
	printf "%s\n" "{\"transaction_id\":\"a\",\"account\":\"A\"}" "bad" "{\"transaction_id\":\"b\",\"account\":\"B\"}" >s.ndjson &&
	test_expect_code 1 txlog --tee --strict -q --out s.log <s.ndjson >pass &&
	head -n 2 s.ndjson >want &&
	test_cmp want pass &&
	test_line_count 1 s.log
'

test_expect_success 'a tee in the middle of a pipeline, over many records' '
	i=0 && : >big &&
	while [ $i -lt 500 ]; do cat "$IN" >>big; i=$((i + 1)); done &&
	cat big | txlog --tee -q --out mid.log | cat >pass &&
	cmp big pass &&
	test_line_count 4500 mid.log &&
	head -n 9 mid.log >first && test_cmp "$EXPECT" first
'

test_expect_success 'downstream closes: the tee stops quietly, exit 0' '
	{ txlog --tee --out x.log big 2>err; echo $? >rc; } | head -c 100 >/dev/null &&
	echo 0 >want && test_cmp want rc &&
	! grep -q error err
'

test_expect_success 'SIGTERM under --tee: everything read was passed on and logged, exit 143' '
	mkfifo sig.fifo
	txlog --tee --out sig.log <sig.fifo >pass 2>err &
	pid=$!
	exec 3>sig.fifo
	cat big >&3
	n=0 && while [ $n -lt 100 ] && [ "$(cat sig.log 2>/dev/null | wc -l)" -lt 4500 ]; do
		sleep 0.1; n=$((n + 1)); done &&
	kill -TERM "$pid" &&
	rc=0 && { wait "$pid" || rc=$?; } &&
	exec 3>&- &&
	echo 143 >want && echo $rc >got && test_cmp want got &&
	cmp big pass &&
	test_line_count 4500 sig.log &&
	test_grep "4500 lines read, 4500 logged" err
'

test_expect_success 'live stream: each line is logged before the next one arrives' '
	mkfifo in.fifo
	txlog --tee -q --out live.log <in.fifo >pass &
	pid=$!
	exec 3>in.fifo
	head -n 1 "$IN" >&3
	n=0 && while [ $n -lt 100 ] && [ "$(cat live.log 2>/dev/null | wc -l)" -lt 1 ]; do
		sleep 0.1; n=$((n + 1)); done &&
	test_line_count 1 live.log &&
	head -n 1 "$IN" >want && test_cmp want pass &&
	exec 3>&- &&
	wait "$pid"
'

test_done

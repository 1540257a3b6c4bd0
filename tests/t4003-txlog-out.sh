#!/bin/sh
# txlog --out FILE: appending, and reopening on SIGHUP for logrotate.
. "$TX_SRCDIR/tests/lib.sh"

IN="$TX_SRCDIR/tests/data/t4000-in.ndjson"
EXPECT="$TX_SRCDIR/tests/data/t4000-default.out"

# wait_file FILE: wait (up to 10 s) until FILE exists.
wait_file() {
	_n=0
	while [ $_n -lt 100 ]; do
		[ -e "$1" ] && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	echo "timed out waiting for $1"
	return 1
}

test_expect_success '--out appends to an existing file, stdout stays empty' '
	echo "earlier line" >tx.log &&
	txlog -q --out tx.log "$IN" >stdout &&
	test_line_count 0 stdout &&
	{ echo "earlier line" && cat "$EXPECT"; } >want &&
	test_cmp want tx.log &&
	txlog -q -o tx.log "$IN" &&
	test_line_count 19 tx.log
'

test_expect_success '--out into a directory that does not exist: exit 3' '
	test_expect_code 3 txlog --out nodir/x.log </dev/null 2>err &&
	test_grep "txlog: cannot open .nodir/x.log. for appending: No such file or directory" err
'

test_expect_success 'SIGHUP reopens: rename, signal, new lines go to a new file, none lost' '
	mkfifo rot.fifo
	txlog -q --out rot.log <rot.fifo &
	pid=$!
	exec 3>rot.fifo
	sed -n 1,4p "$IN" >&3
	wait_lines rot.log 4 &&
	mv rot.log rot.log.1 &&
	kill -HUP "$pid" &&
	wait_file rot.log &&
	sed -n 5,9p "$IN" >&3 &&
	exec 3>&- &&
	wait "$pid" &&
	sed -n 1,4p "$EXPECT" >want1 && test_cmp want1 rot.log.1 &&
	sed -n 5,9p "$EXPECT" >want2 && test_cmp want2 rot.log
'

test_expect_success 'SIGHUP under --tee: the log rotates, the passthrough is untouched' '
	mkfifo buf.fifo
	txlog -q --tee --out buf.log <buf.fifo >pass &
	pid=$!
	exec 3>buf.fifo
	sed -n 1,3p "$IN" >&3
	wait_lines buf.log 3 &&
	mv buf.log buf.log.1 &&
	kill -HUP "$pid" &&
	wait_file buf.log &&
	sed -n 4,9p "$IN" >&3 &&
	exec 3>&- &&
	wait "$pid" &&
	cat buf.log.1 buf.log >all &&
	test_cmp "$EXPECT" all &&
	cmp "$IN" pass
'

test_expect_success 'SIGHUP when the file cannot be reopened: keep writing to the old one' '
	mkdir d &&
	mkfifo keep.fifo
	txlog -q --out d/keep.log <keep.fifo 2>err &
	pid=$!
	exec 3>keep.fifo
	sed -n 1,2p "$IN" >&3
	wait_lines d/keep.log 2 &&
	mv d gone &&
	kill -HUP "$pid" &&
	n=0 && while [ $n -lt 100 ] && ! grep -q "cannot open" err; do sleep 0.1; n=$((n + 1)); done &&
	sed -n 3,9p "$IN" >&3 &&
	exec 3>&- &&
	wait "$pid" &&
	test_cmp "$EXPECT" gone/keep.log &&
	test_grep "txlog: cannot open .d/keep.log. for appending: No such file or directory" err
'

test_done

#!/bin/sh
# One signal set-up for every program (tx_signals_install(), tx(7) SIGNALS):
# SIGINT and SIGTERM stop cleanly (what was read is handled, the summary is
# written, exit 128+N), even when sh started the program in the background
# with SIGINT ignored; SIGHUP stops the same way unless it was ignored at
# start (nohup), when it stays ignored.
. "$TX_SRCDIR/tests/lib.sh"
test_atexit 'for p in $(cat "$TRASH/fg.pids" 2>/dev/null); do kill -9 $p 2>/dev/null; done'

rec='{"transaction_id":"s1","account":"A","type":"deposit","amount":1,"currency":"USD","ts":"2026-01-01T00:00:00Z"}'

# start PROG [nohup]: PROG reading the FIFO in.PROG (held open: no end of
# input), in the background; $pid is its process. Returns once PROG has
# handled the one record written (its handlers are set up by then).
start() {
	rm -f in.$1 out.$1 err.$1 $1.db &&
	mkfifo in.$1 &&
	exec 3<>in.$1 &&
	echo "$rec" >&3 &&
	case $1 in
	txstore) set -- "$1" "$2" --flush-ms 10 sqlite:$1.db ;;
	*) set -- "$1" "$2" ;;
	esac &&
	prog=$1 hup=$2 &&
	shift 2 &&
	if test "$hup" = nohup; then
		(trap "" HUP && exec $prog "$@" <in.$prog >out.$prog 2>err.$prog) &
	else
		$prog "$@" <in.$prog >out.$prog 2>err.$prog &
	fi
	pid=$! &&
	echo $pid >>"$TRASH/fg.pids" &&
	exec 3>&- &&
	if test $prog = txstore; then
		n=0 &&
		until test "$(sqlite3 $prog.db "SELECT count(*) FROM transactions" 2>/dev/null)" = 1; do
			n=$((n + 1)) && test $n -lt 300 && sleep 0.1 || return 1
		done
	else
		wait_lines out.$prog 1
	fi
}

summary() {
	case $1 in
	txbal) echo "1 read, 1 applied" ;;
	txlog) echo "1 lines read, 1 logged" ;;
	txmap) echo "1 read, 1 written" ;;
	txstore) echo "1 read, 1 stored" ;;
	esac
}

for p in txbal txlog txmap txstore; do
	test_expect_success "$p: SIGINT in the background (started ignored): clean stop, 130" '
		start $p &&
		kill -INT $pid &&
		test_expect_code 130 wait $pid &&
		test_grep "^$p: $(summary $p)" err.$p
	'

	if hup_ignored; then
		test_skip "$p: SIGHUP: clean stop, 129, with its summary" \
			"SIGHUP is ignored here (nohup?): $p keeps it ignored (the next case)"
	else
		test_expect_success "$p: SIGHUP: clean stop, 129, with its summary" '
			start $p &&
			kill -HUP $pid &&
			test_expect_code 129 wait $pid &&
			test_grep "^$p: $(summary $p)" err.$p
		'
	fi

	test_expect_success "$p: under nohup SIGHUP stays ignored; SIGTERM stops it, 143" '
		start $p nohup &&
		kill -HUP $pid &&
		sleep 0.3 &&
		kill -0 $pid &&
		kill -TERM $pid &&
		test_expect_code 143 wait $pid &&
		test_grep "^$p: $(summary $p)" err.$p
	'
done

test_done

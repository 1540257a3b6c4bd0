#!/bin/sh
# txbroker: the mock cluster starts, serves kcat, injects failures, stops cleanly.
. "$TX_SRCDIR/tests/lib.sh"
test_need kafka

command -v kcat >/dev/null 2>&1 || test_skip_all 'kcat is not installed (apt-get install kcat)'

test_must_fail() { ! "$@"; }
test_must_be_empty() {
	[ ! -s "$1" ] || {
		echo "$1 is not empty:"
		cat "$1"
		return 1
	}
}

# Wait (bounded) until FILE has a first line; print it.
wait_line() {
	_i=0
	while [ ! -s "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	head -n 1 "$1"
}

# Is process $1 gone (or a zombie waiting for init) within 5 s?
running() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	"" | Z*) return 1 ;;
	esac
}
wait_gone() {
	_i=0
	while running "$1" && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! running "$1"
}

q="'"  # a single quote, inside the single-quoted cases

# A broker a failed case left behind must not outlive the script.
test_atexit 'for p in $(cat "$TRASH/fg.pids" 2>/dev/null); do kill $p 2>/dev/null; done'

test_expect_success 'foreground: prints the address and its limits, serves metadata, stops on SIGTERM with 0' '
	rm -f addr
	txbroker >addr 2>err &
	pid=$! &&
	echo $pid >>"$TRASH/fg.pids" &&
	addr=$(wait_line addr) &&
	echo "$addr" | grep -q "^127\.0\.0\.1:[0-9][0-9]*$" &&
	kcat -L -b "$addr" -t transactions >md &&
	test_grep "topic \"transactions\" with 128 partitions" md &&
	kill -TERM $pid &&
	status=0 && wait $pid || status=$? &&
	test "$status" -eq 0 &&
	test_line_count 1 addr &&
	echo "txbroker: in memory: each partition keeps at most 5 MiB or 100000 batches; past that, records are dropped, every produce request is refused and txbroker -k exits 5" >exp &&
	test_cmp exp err
'

test_expect_success 'SIGINT stops it too, and the port is closed afterwards' '
	rm -f addr
	txbroker >addr &
	pid=$! &&
	echo $pid >>"$TRASH/fg.pids" &&
	addr=$(wait_line addr) &&
	kill -INT $pid &&
	status=0 && wait $pid || status=$? &&
	test "$status" -eq 0 &&
	test_must_fail kcat -L -b "$addr" -m 1 -X reconnect.backoff.max.ms=100 >/dev/null 2>&1
'

test_expect_success '-d prints sh assignments that eval; -k stops it and unsets them' '
	txbroker -d >env 2>err &&
	test_grep "^TX_BROKERS=.*; export TX_BROKERS;$" env &&
	test_grep "^TXBROKER_PID=[0-9]*; export TXBROKER_PID;$" env &&
	test_grep "^TXBROKER_CONTROL=.*; export TXBROKER_CONTROL;$" env &&
	eval "$(cat env)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	test -S "$TXBROKER_CONTROL" &&
	kcat -L -b "$TX_BROKERS" >md &&
	test_grep "1 brokers:" md &&
	pid=$TXBROKER_PID &&
	ctl=$TXBROKER_CONTROL &&
	txbroker -k >unset &&
	test_grep "^unset TX_BROKERS;$" unset &&
	eval "$(cat unset)" &&
	test -z "${TX_BROKERS:-}" && test -z "${TXBROKER_PID:-}" &&
	wait_gone $pid &&
	! test -e "$ctl"
'

test_expect_success 'eval "$(txbroker -d)" works in one line and the broker keeps running' '
	eval "$(txbroker -q -d)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	sleep 0.3 &&
	kill -0 "$TXBROKER_PID" &&
	kcat -L -b "$TX_BROKERS" >/dev/null &&
	eval "$(txbroker -q -k)"
'

test_expect_success '-d: the daemon keeps none of the caller'"'"'s other descriptors' '
	txbroker -q -d 5>held >env &&
	. ./env &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	ls -l /proc/$TXBROKER_PID/fd/ >fds &&
	eval "$(txbroker -q -k)" &&
	test_grep "/dev/null" fds &&
	! grep -q held fds
'

test_expect_success '-B, -p and -t NAME[:PARTITIONS] shape the cluster' '
	eval "$(txbroker -q -d -B 3 -p 5 -t a -t b:2)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	kcat -L -b "$TX_BROKERS" >md &&
	eval "$(txbroker -q -k)" &&
	test_grep "3 brokers:" md &&
	test_grep "topic \"a\" with 5 partitions" md &&
	test_grep "topic \"b\" with 2 partitions" md &&
	! grep -q "topic \"transactions\"" md
'

test_expect_success 'records produced with kcat read back byte-identical with their keys' '
	awk "BEGIN { for (i = 0; i < 2000; i++)
		printf \"A%03d\t{\\\"transaction_id\\\":\\\"t%05d\\\",\\\"account\\\":\\\"A%03d\\\",\\\"amount\\\":1.%02d}\n\",
			i % 97, i, i % 97, i % 100 }" >in.tsv &&
	test_line_count 2000 in.tsv &&
	eval "$(txbroker -q -d)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	kcat -P -b "$TX_BROKERS" -t transactions -K "	" -X partitioner=murmur2_random -l in.tsv &&
	kcat -C -b "$TX_BROKERS" -t transactions -e -q -f "%k\t%s\n" >out.tsv &&
	eval "$(txbroker -q -k)" &&
	sort in.tsv >want && sort out.tsv >got &&
	test_cmp want got
'

test_expect_success 'control: down makes the broker unreachable, up brings it back' '
	eval "$(txbroker -q -d)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	txbroker -c ping &&
	txbroker -c "down 1" &&
	test_must_fail kcat -L -b "$TX_BROKERS" -m 1 >/dev/null 2>&1 &&
	txbroker -c "up all" &&
	kcat -L -b "$TX_BROKERS" -m 5 >md &&
	eval "$(txbroker -q -k)" &&
	test_grep "transactions" md
'

test_expect_success 'control: injected non-retriable Produce errors fail delivery, retriable ones do not' '
	eval "$(txbroker -q -d -t e:1)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	txbroker -c "errors Produce 3 MSG_SIZE_TOO_LARGE" &&
	echo "{\"n\":1}" >one &&
	test_expect_code 1 kcat -P -b "$TX_BROKERS" -t e -l one 2>kerr &&
	test_grep "Message size too large" kerr &&
	txbroker -c "clear Produce" &&
	txbroker -c "errors produce 2 NOT_LEADER_FOR_PARTITION" &&
	kcat -P -b "$TX_BROKERS" -t e -l one &&
	kcat -C -b "$TX_BROKERS" -t e -e -q >got &&
	eval "$(txbroker -q -k)" &&
	test_cmp one got
'

test_expect_success 'control: topic creates a topic at run time; bad commands are refused with 2' '
	eval "$(txbroker -q -d)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	txbroker -c "topic later 3" &&
	kcat -L -b "$TX_BROKERS" -t later >md &&
	test_grep "topic \"later\" with 3 partitions" md &&
	test_expect_code 2 txbroker -c "down 2" 2>e1 &&
	test_grep "no broker .2." e1 &&
	test_expect_code 2 txbroker -c "errors Bogus 1 NOT_LEADER_FOR_PARTITION" 2>e2 &&
	test_grep "unknown request type .Bogus." e2 &&
	test_expect_code 2 txbroker -c "errors Produce 1 NO_SUCH_ERROR" 2>e3 &&
	test_grep "unknown error .NO_SUCH_ERROR." e3 &&
	test_expect_code 2 txbroker -c "frobnicate" 2>e4 &&
	test_expect_code 2 txbroker -c "watch later" 2>e5 &&
	txbroker -c "watch off" && txbroker -c "watch on" &&
	eval "$(txbroker -q -k)" &&
	test_grep "unknown command .frobnicate." e4 &&
	test_grep "^txbroker: watch later: usage: watch off|on\$" e5
'

test_expect_success 'control: --control names the socket in the foreground' '
	rm -f addr
	txbroker --control "$TRASH/ctl" >addr &
	pid=$! &&
	echo $pid >>"$TRASH/fg.pids" &&
	addr=$(wait_line addr) &&
	txbroker --control "$TRASH/ctl" -c "down 1" &&
	test_must_fail kcat -L -b "$addr" -m 1 >/dev/null 2>&1 &&
	kill $pid && wait $pid &&
	! test -e "$TRASH/ctl"
'

# Stop the broker, which dropped records of topic $1, partition 0: -k exits 5 and says so.
stop_lost() {
	test_expect_code 5 txbroker -q -k >unset 2>kerr &&
		eval "$(cat unset)" &&
		test_grep "^txbroker: records were dropped: topic .$1. partition 0 offsets 0-[0-9]* (the mock cluster keeps at most 5 MiB or 100000 batches per partition, in memory)\$" kerr
}

test_expect_success 'retention: past 5 MiB a partition drops its oldest batches, and says so: status and -k exit 5' '
	awk "BEGIN { for (i = 0; i < 30000; i++)
		printf \"{\\\"transaction_id\\\":\\\"t%06d\\\",\\\"pad\\\":\\\"%0180d\\\"}\n\", i, 0 }" >big &&
	eval "$(txbroker -q -d -t small:1)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	txbroker -c status &&
	{ kcat -P -b "$TX_BROKERS" -t small -l big 2>kerr || test_grep "Policy violation" kerr; } &&
	kcat -C -b "$TX_BROKERS" -t small -e -q -f "%o\n" >offsets &&
	first=$(head -n 1 offsets) &&
	test "$first" -gt 0 &&
	kept=$(wc -l <offsets) &&
	test "$kept" -lt 30000 &&
	i=0 && until ! txbroker -c status 2>serr; do i=$((i + 1)); [ $i -lt 50 ]; sleep 0.1; done &&
	test_expect_code 5 txbroker -c status 2>serr &&
	echo "txbroker: status: records were dropped: topic ${q}small${q} partition 0 offsets 0-$((first - 1)) (the mock cluster keeps at most 5 MiB or 100000 batches per partition, in memory)" >exp &&
	test_cmp exp serr &&
	echo x | test_expect_code 1 kcat -P -b "$TX_BROKERS" -t small 2>kerr &&
	test_grep "Policy violation" kerr &&
	stop_lost small
'

test_expect_success 'a 1-partition topic and 200,000 records: txpub or txbroker fails, never all exit 0' '
	eval "$(txbroker -q -d -t one:1)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	txgen -q -n 200000 --seed 1 >in &&
	{ txpub -t one <in 2>perr; echo $? >prc; } &&
	# past the 5 MiB the mock keeps: txbroker refuses the rest (Policy
	# violation), or, when its watcher looks only after the last produce,
	# txpub finds delivered records dropped from the log; exit 5 either way
	{ test "$(cat prc)" = 0 || { test "$(cat prc)" = 5 &&
		{ grep -q "records not delivered: Broker: Policy violation" perr ||
		  test_grep "are no longer in the log (it starts at [0-9]*): the broker dropped them" perr; }; }; } &&
	stop_lost one
'

test_expect_success 'no lookup of offsets by timestamp: the mock answers -1' '
	eval "$(txbroker -q -d -t ts:1)" &&
	echo $TXBROKER_PID >>"$TRASH/fg.pids" &&
	echo x | kcat -P -b "$TX_BROKERS" -t ts &&
	kcat -Q -b "$TX_BROKERS" -t ts:0:1000 >q &&
	eval "$(txbroker -q -k)" &&
	test_grep "offset -1" q
'

test_expect_success 'usage errors exit 2 with a message' '
	test_expect_code 2 txbroker -B 0 2>e1 &&
	test_grep "bad broker count" e1 &&
	test_expect_code 2 txbroker -t "bad name!" 2>e2 &&
	test_grep "bad topic name" e2 &&
	test_expect_code 2 txbroker -t x:0 2>e3 &&
	test_grep "bad partition count" e3 &&
	test_expect_code 2 txbroker -d -k 2>e4 &&
	test_expect_code 2 txbroker extra 2>e5 &&
	test_grep "^txbroker: unexpected argument .extra.\$" e5 &&
	test_grep "^Try .txbroker --help. for more information\.\$" e5 &&
	(unset TXBROKER_PID; test_expect_code 2 txbroker -k 2>e6) &&
	test_grep "TXBROKER_PID" e6 &&
	(unset TXBROKER_CONTROL; test_expect_code 2 txbroker -c ping 2>e7) &&
	test_grep "no control socket" e7
'

test_expect_success 'unreachable control socket or dead broker: exit 4' '
	test_expect_code 4 txbroker --control "$TRASH/none" -c ping 2>e1 &&
	test_grep "cannot reach txbroker" e1 &&
	test_expect_code 4 env TXBROKER_PID=999999 txbroker -k 2>e2 &&
	test_expect_code 4 txbroker --control /nonexistent/dir/ctl </dev/null >/dev/null 2>e3 &&
	test_grep "control socket" e3
'

test_expect_success '-k stops only a txbroker: a stale TXBROKER_PID naming another process' '
	sleep 30 &
	other=$!
	test_expect_code 4 env TXBROKER_PID=$other txbroker -k 2>e4 &&
	test_grep "process $other is not a txbroker" e4 &&
	kill -0 $other &&
	kill $other
'

test_done

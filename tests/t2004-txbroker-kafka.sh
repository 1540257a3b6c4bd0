#!/bin/sh
# txbroker --kafka: a real single-node Apache Kafka behind the same
# eval "$(txbroker -d)" / txbroker -k interface, its data in a directory:
# start, create a topic, publish, stop (-k), start again on the same data
# (in the foreground this time), the records still there; SIGTERM stops it. Skipped where Apache Kafka cannot run
# (no java, or neither mvn nor the cached jars).
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
why=$(kafka_unavailable) && test_skip_all "Apache Kafka: $why"
command -v kcat >/dev/null 2>&1 || test_skip_all 'kcat is not installed (apt-get install kcat)'

test_expect_success 'usage: --data without --kafka, --kafka with -B or -c: exit 2' '
	test_expect_code 2 txbroker --data d -d 2>e1 &&
	test_grep "^txbroker: --data goes with --kafka" e1 &&
	test_expect_code 2 txbroker --kafka -B 3 -d 2>e2 &&
	test_grep "^txbroker: --kafka runs one Apache Kafka broker" e2
'

# The data directory outlives $TRASH (test_done removes it before the exit
# hooks run, and the hook stops the broker first).
kd=$TX_BUILDDIR/tests/.kafka-data.$test_name
rm -rf "$kd"
test_atexit 'sh "$TX_SRCDIR/src/txbroker/txkit-kafka" stop "$kd"; rm -rf "$kd"'

test_expect_success 'start: eval sets TX_BROKERS and TXBROKER_KAFKA; a topic; records in' '
	eval "$(txbroker -d --kafka --data "$kd" -t kt:3 2>err)" &&
	test_grep "^txbroker: Apache Kafka pid [0-9]* at 127.0.0.1:[0-9]*, data in $kd\$" err &&
	test "$TXBROKER_KAFKA" = "$kd" &&
	test -z "${TXBROKER_PID:-}" &&
	kcat -L -b "$TX_BROKERS" -t kt >md &&
	test_grep "topic \"kt\" with 3 partitions" md &&
	txgen -q -n 500 --seed 4 >in.ndjson &&
	txpub -q -t kt in.ndjson &&
	txsub -q -t kt -o beginning -e --no-source | sort >got1 &&
	sort in.ndjson >want &&
	test_cmp want got1 &&
	echo "$TX_BROKERS" >addr
'

test_expect_success '-k stops it and unsets the variables; the data stays' '
	TX_BROKERS=$(cat addr) TXBROKER_KAFKA=$kd txbroker -k >unset 2>err &&
	test_grep "^unset TX_BROKERS;" unset &&
	test_grep "^unset TXBROKER_KAFKA;" unset &&
	test_grep "^txbroker: stopped Apache Kafka on $kd (its data stays there)" err &&
	! test -f "$kd/kafka.pid" &&
	test_must_fail kcat -L -b "$(cat addr)" -m 2 >/dev/null 2>&1 &&
	test -d "$kd/data"
'

test_expect_success 'started again on the same data, in the foreground: the same address, the records; SIGTERM stops it' '
	rm -f fgaddr &&
	{ txbroker -q --kafka --data "$kd" -t kt:3 >fgaddr & } &&
	pid=$! &&
	i=0 && while [ ! -s fgaddr ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done &&
	test "$(cat fgaddr)" = "$(cat addr)" &&
	TX_BROKERS=$(cat fgaddr) txsub -q -t kt -o beginning -e --no-source | sort >got2 &&
	test_cmp want got2 &&
	kill -TERM $pid &&
	status=0 && wait $pid || status=$? &&
	test "$status" = 0 &&
	! test -f "$kd/kafka.pid" &&
	test_must_fail kcat -L -b "$(cat addr)" -m 2 >/dev/null 2>&1
'

test_done

#!/bin/sh
# bench/with-kafka.sh COMMAND...: run COMMAND with TX_BENCH_KAFKA naming an
# Apache Kafka on loopback, started the way the tests start it
# (tests/kafka.sh: KRaft, the cached jars) and stopped afterwards, so that
# bench/txpub.sh and bench/txsub.sh print their Apache Kafka rows too.
# Without Java (or Maven and cached jars), with TX_BENCH_KAFKA already set,
# or with TX_BENCH_BROKERS not naming kafka, it runs COMMAND as it is.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
: "${PYTHON3:=python3}"
export TX_SRCDIR TX_BUILDDIR PYTHON3
case " ${TX_BENCH_BROKERS:-txbroker kafka} " in *" kafka "*) ;; *) exec "$@" ;; esac
[ -z "${TX_BENCH_KAFKA:-}" ] || exec "$@"
# the test harness: a scratch directory, the watchdog (longer than a
# benchmark takes), the broker stopped however this ends
TX_TEST_TIMEOUT=${TX_BENCH_TIMEOUT:-3600}
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
test_atexit "cd /; rm -rf '$TRASH'"
if why=$(kafka_unavailable); then
	echo "bench: no Apache Kafka rows: $why"
	exec "$@"
fi
broker_start kafka -q >/dev/null 2>&1 || broker_start kafka || {
	echo "bench: Apache Kafka did not start: no Apache Kafka rows" >&2
	exec "$@"
}
TX_BENCH_KAFKA=$TX_BROKERS
export TX_BENCH_KAFKA
status=0
"$@" || status=$?
broker_stop
exit $status

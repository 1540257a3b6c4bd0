# tests/kafka.sh: brokers for the Kafka tests, sourced after tests/lib.sh.
#
# Two kinds of broker behind one interface, so one script can run the same
# cases against both:
#   txbroker  librdkafka's mock cluster (src/txbroker), in memory, instant
#   kafka     Apache Kafka itself, 3.9.x in KRaft mode on loopback, its jars
#             resolved from Maven Central by mvn (tests/kafka/pom.xml) into a
#             cache outside the source tree, run with the machine's java
#
#   . "$TX_SRCDIR/tests/lib.sh"
#   . "$TX_SRCDIR/tests/kafka.sh"
#   broker_require kafka            # skips the script if java or mvn is absent
#   broker_start kafka              # exports TX_BROKERS; stopped at exit
#   broker_create_topic t 4
#   ... cases using "$TX_BROKERS" ...
#   broker_stop
#
# or, the same cases on every broker that can run here:
#   for kind in $(broker_kinds); do
#       broker_start "$kind" || { test_expect_success "$kind: starts" false; continue; }
#       ... cases ...
#       broker_stop
#   done
#   broker_report_skips             # SKIP, with the reason, if Kafka could not run
#   test_done
#
# Call broker_start at the top level of the script, not inside a case: the
# cases run in subshells. Process ids live in files under $TX_BROKER_STATE
# (outside $TRASH, which test_done removes before the exit hooks run), so
# restarts from inside a case work and the exit hook always finds what to stop.
#
# Apache Kafka, by hand:
#   kafka_start                     # free ports, private log.dirs in $TRASH/kafka
#   kafka_stop | kafka_kill | kafka_restart
#   kafka_create_topic NAME PARTITIONS
# Failure injection, the same words for both kinds:
#   broker_down / broker_up         # kafka: stop / start the process again
#                                   # txbroker: every mock broker down / up
#   broker_inject_errors REQUEST COUNT ERROR   # txbroker only
#
# Outside the test suite (a benchmark, a shell by hand), source it without
# tests/lib.sh: set TX_SRCDIR and a scratch directory TRASH first (TX_BUILDDIR
# defaults to the current directory), and call broker_cleanup from your own
# exit trap, since there is no test_atexit then:
#   TRASH=$(mktemp -d) TX_SRCDIR=/path/to/txkit; . "$TX_SRCDIR/tests/kafka.sh"
#   trap 'broker_cleanup; rm -rf "$TRASH"' EXIT
#   broker_start kafka && kcat -L -b "$TX_BROKERS"
#
# Environment:
#   TX_KAFKA_VERSION  the Apache Kafka release (default 3.9.2, as in the pom)
#   TX_KAFKA_CACHE    where the jars go (default ~/.cache/txkit/kafka-VERSION)
#   TX_KAFKA_JAVA_OPTS  JVM options (default -Xmx512m -Xms128m)
#   TX_KAFKA_START_TIMEOUT  seconds to wait for the broker (default 90)

# a build without kafka skips the scripts that need it (in the test suite:
# a benchmark has no test_need, and needs every part built)
! command -v test_need >/dev/null 2>&1 || test_need kafka

# Without tests/lib.sh: what this file uses from it.
: "${TRASH:?TRASH: set a scratch directory, or source tests/lib.sh first}"
: "${TX_SRCDIR:?TX_SRCDIR: set it to the source tree, or source tests/lib.sh first}"
if command -v test_done >/dev/null 2>&1; then
	# In the test suite: outside $TRASH, which test_done removes before the
	# exit hooks run.
	TX_BROKER_STATE="$TX_BUILDDIR/tests/.brokers.$test_name"
else
	TX_BROKER_STATE="$TRASH/.brokers"
fi
command -v say >/dev/null 2>&1 || say() { printf '# %s\n' "$*" >&2; }
command -v test_atexit >/dev/null 2>&1 || test_atexit() { :; }
command -v test_skip_all >/dev/null 2>&1 || test_skip_all() {
	echo "skipped: $*" >&2
	exit 0
}
command -v test_free_port >/dev/null 2>&1 || test_free_port() {
	"${PYTHON3:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

TX_KAFKA_VERSION=${TX_KAFKA_VERSION:-3.9.2}
TX_KAFKA_CACHE=${TX_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/txkit/kafka-$TX_KAFKA_VERSION}
TX_KAFKA_DIR="$TRASH/kafka"
tx_broker_hooked=

command -v test_must_fail >/dev/null 2>&1 || test_must_fail() { ! "$@"; }

# test_expect_todo NAME BODY WHY: a known breakage, reported as TAP TODO
# (automake counts it as XFAIL) while it fails, as a plain pass when it
# passes. The failing output is shown, so the log says what is still wrong.
test_expect_todo() {
	test_count=$((test_count + 1))
	if (
		set -e
		eval "$2"
	) >"$TRASH/.case.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1 # TODO $3"
		sed 's/^/#   /' "$TRASH/.case.out" | tail -n "${TX_TEST_TAIL:-40}"
	fi
	return 0
}

# A python3 that has confluent_kafka (Debian's python3-confluent-kafka is for
# /usr/bin/python3; $PYTHON3 may be another interpreter), or empty.
tx_py_kafka() {
	for _py in "${PYTHON3:-python3}" /usr/bin/python3 python3; do
		if "$_py" -c 'import confluent_kafka' >/dev/null 2>&1; then
			echo "$_py"
			return 0
		fi
	done
	return 1
}
TX_PY_KAFKA=$(tx_py_kafka || true)

# Why Apache Kafka cannot run here, or nothing when it can.
kafka_unavailable() {
	command -v java >/dev/null 2>&1 || {
		echo 'java is not installed (apt-get install default-jdk-headless)'
		return 0
	}
	command -v mvn >/dev/null 2>&1 || [ -f "$TX_KAFKA_CACHE/libs/.complete" ] || {
		echo 'mvn is not installed (apt-get install maven) and no cached Kafka jars'
		return 0
	}
	return 1
}

# broker_require KIND...: skip the whole script unless every KIND can run.
broker_require() {
	for _k in "$@"; do
		case $_k in
		kafka)
			_why=$(kafka_unavailable) && test_skip_all "Apache Kafka: $_why"
			;;
		txbroker) ;;
		kcat)
			command -v kcat >/dev/null 2>&1 ||
				test_skip_all 'kcat is not installed (apt-get install kcat)'
			;;
		confluent-kafka)
			[ -n "$TX_PY_KAFKA" ] ||
				test_skip_all 'python3 confluent_kafka is not installed (apt-get install python3-confluent-kafka)'
			;;
		*)
			echo "broker_require: unknown '$_k'" >&2
			exit 1
			;;
		esac
	done
}

# The Apache Kafka harness proper (jars, config, format, java) is
# src/txbroker/txkit-kafka, which txbroker --kafka runs too.
TX_KAFKA_SCRIPT="$TX_SRCDIR/src/txbroker/txkit-kafka"
export TX_KAFKA_VERSION TX_KAFKA_CACHE

# The jars: resolved once into the cache (under a lock: parallel test
# scripts do not download twice or see half a directory).
kafka_fetch() {
	sh "$TX_KAFKA_SCRIPT" fetch
}

# kafka_java [--exec] CLASS ARGS...: run a class on the cached classpath
# (--exec replaces the shell: a background "kafka_java --exec ... &" then has
# the java process's own pid in $!).
kafka_java() {
	if [ "$1" = --exec ]; then
		TX_KAFKA_DIR=$TX_KAFKA_DIR exec sh "$TX_KAFKA_SCRIPT" java "$@"
	fi
	TX_KAFKA_DIR=$TX_KAFKA_DIR sh "$TX_KAFKA_SCRIPT" java "$@"
}

# Does the broker answer a metadata request?
kafka_answers() {
	kcat -L -b "$1" -m 3 >/dev/null 2>&1
}

# Write the config and format the storage (first start only).
kafka_setup() {
	sh "$TX_KAFKA_SCRIPT" setup "$TX_KAFKA_DIR"
}

# Start the broker (set up on first use) and wait until it answers.
kafka_start() {
	command -v kcat >/dev/null 2>&1 || {
		echo "kafka_start: kcat is needed to see when the broker is up" >&2
		return 1
	}
	kafka_fetch || return 1
	[ -f "$TX_KAFKA_DIR/server.properties" ] || kafka_setup || return 1
	_addr=$(cat "$TX_KAFKA_DIR/address")
	# The broker must not hold the caller's descriptors (a test's fifo
	# writer, say): a reader would never see end of file.
	kafka_java --exec kafka.Kafka "$TX_KAFKA_DIR/server.properties" \
		</dev/null >>"$TX_KAFKA_DIR/server.out" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	_pid=$!
	mkdir -p "$TX_BROKER_STATE" && echo $_pid >"$TX_BROKER_STATE/kafka.pid"
	_deadline=$(($(date +%s) + ${TX_KAFKA_START_TIMEOUT:-90}))
	until kafka_answers "$_addr"; do
		if ! kill -0 "$_pid" 2>/dev/null; then
			echo "kafka_start: the broker exited; the end of its logs:" >&2
			tail -n 30 "$TX_KAFKA_DIR/server.out" "$TX_KAFKA_DIR/server.log" >&2
			return 1
		fi
		if [ "$(date +%s)" -ge "$_deadline" ]; then
			echo "kafka_start: no answer from $_addr within ${TX_KAFKA_START_TIMEOUT:-90} s; the end of its log:" >&2
			tail -n 30 "$TX_KAFKA_DIR/server.log" >&2
			kafka_kill
			return 1
		fi
		sleep 0.5
	done
	TX_BROKERS=$_addr
	export TX_BROKERS
}

# Wait (bounded, $2 tenths of a second) until process $1 is gone.
tx_wait_gone() {
	_n=0
	while kill -0 "$1" 2>/dev/null; do
		case $(ps -o stat= -p "$1" 2>/dev/null) in Z*) return 0 ;; esac
		[ $_n -ge "$2" ] && return 1
		sleep 0.1
		_n=$((_n + 1))
	done
	return 0
}

# Stop cleanly (SIGTERM: controlled shutdown); SIGKILL after 60 s.
kafka_stop() {
	[ -f "$TX_BROKER_STATE/kafka.pid" ] || return 0
	_pid=$(cat "$TX_BROKER_STATE/kafka.pid")
	rm -f "$TX_BROKER_STATE/kafka.pid"
	kill -TERM "$_pid" 2>/dev/null || return 0
	tx_wait_gone "$_pid" 600 || {
		echo "kafka_stop: broker $_pid ignored SIGTERM for 60 s: killing it" >&2
		kill -KILL "$_pid" 2>/dev/null
		tx_wait_gone "$_pid" 100
	}
}

# Kill -9: the crash case (its log is recovered at the next start).
kafka_kill() {
	[ -f "$TX_BROKER_STATE/kafka.pid" ] || return 0
	_pid=$(cat "$TX_BROKER_STATE/kafka.pid")
	rm -f "$TX_BROKER_STATE/kafka.pid"
	kill -KILL "$_pid" 2>/dev/null
	tx_wait_gone "$_pid" 100
}

# Stop and start again on the same ports and data.
kafka_restart() {
	kafka_stop && kafka_start
}

# Create a topic with the librdkafka admin API (no JVM start needed).
kafka_create_topic() {
	[ -n "$TX_PY_KAFKA" ] || {
		echo "kafka_create_topic: needs python3-confluent-kafka" >&2
		return 1
	}
	"$TX_PY_KAFKA" - "$(cat "$TX_KAFKA_DIR/address")" "$1" "$2" <<'EOF'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
fs = admin.create_topics([NewTopic(sys.argv[2], int(sys.argv[3]), 1)], operation_timeout=30)
for topic, f in fs.items():
    try:
        f.result(60)
    except Exception as e:
        sys.exit("kafka_create_topic: %s: %s" % (topic, e))
EOF
}

# --- one interface for both kinds -------------------------------------------

# Stop whatever this script started; the exit hook.
broker_cleanup() {
	kafka_stop
	broker_stop_txbroker
	rm -rf "$TX_BROKER_STATE"
}

# broker_start KIND [txbroker options]: start a broker, export TX_BROKERS and
# TX_BROKER_KIND; whatever happens, it is stopped when the script exits.
broker_start() {
	TX_BROKER_KIND=$1
	export TX_BROKER_KIND
	shift
	if [ -z "$tx_broker_hooked" ]; then
		test_atexit broker_cleanup
		tx_broker_hooked=1
	fi
	mkdir -p "$TX_BROKER_STATE" || return 1
	case $TX_BROKER_KIND in
	txbroker)
		txbroker -q -d "$@" >"$TX_BROKER_STATE/txbroker.env" &&
			. "$TX_BROKER_STATE/txbroker.env"
		;;
	kafka)
		kafka_start
		;;
	*)
		echo "broker_start: unknown kind '$TX_BROKER_KIND' (txbroker or kafka)" >&2
		return 1
		;;
	esac
}

broker_stop_txbroker() {
	[ -f "$TX_BROKER_STATE/txbroker.env" ] || return 0
	(. "$TX_BROKER_STATE/txbroker.env" && txbroker -q -k >/dev/null)
	rm -f "$TX_BROKER_STATE/txbroker.env"
}

broker_stop() {
	case ${TX_BROKER_KIND:-} in
	txbroker) broker_stop_txbroker ;;
	kafka) kafka_stop ;;
	esac
}

broker_create_topic() {
	case $TX_BROKER_KIND in
	txbroker) txbroker -c "topic $1 $2" ;;
	kafka) kafka_create_topic "$1" "$2" ;;
	esac
}

# An outage: every broker unreachable until broker_up.
broker_down() {
	case $TX_BROKER_KIND in
	txbroker) txbroker -c "down all" ;;
	kafka) kafka_stop ;;
	esac
}

broker_up() {
	case $TX_BROKER_KIND in
	txbroker) txbroker -c "up all" ;;
	kafka) kafka_start ;;
	esac
}

# broker_inject_errors REQUEST COUNT ERROR: txbroker only (see txbroker(1)).
broker_inject_errors() {
	[ "$TX_BROKER_KIND" = txbroker ] || {
		echo "broker_inject_errors: only txbroker injects request errors" >&2
		return 1
	}
	txbroker -c "errors $1 $2 $3"
}

# The kinds a script loops over: txbroker always, kafka when it can run here
# ($TX_TEST_BROKERS, e.g. "txbroker", narrows it for a quick run).
broker_kinds() {
	if [ -n "${TX_TEST_BROKERS:-}" ]; then
		echo "$TX_TEST_BROKERS"
	elif kafka_unavailable >/dev/null; then
		echo txbroker
	else
		echo "txbroker kafka"
	fi
}

# After a `for kind in $(broker_kinds)` loop: when Apache Kafka could not
# run here, say so in the TAP output (a SKIP with the reason) rather than
# leave its cases silently out.
broker_report_skips() {
	[ -z "${TX_TEST_BROKERS:-}" ] || return 0
	if _why=$(kafka_unavailable); then
		test_skip "Apache Kafka: every case of this script" "$_why"
	fi
}

# count_ids FILE...: "total unique" of the transaction ids in the files; a
# last line without its newline (a writer killed mid-line) is not a record.
count_ids() {
	"$PYTHON3" -c 'import json, sys
ids = []
for name in sys.argv[1:]:
    for l in open(name):
        if l.endswith("\n") and l.strip():
            ids.append(json.loads(l)["transaction_id"])
print(len(ids), len(set(ids)))' "$@"
}


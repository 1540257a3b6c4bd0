#!/bin/sh
# bench/latency.sh: end-to-end latency, produce time to stored time, at fixed
# rates: txgen --rate R | txpub, and at the same time
# txsub | txbal | txstore sqlite:DB. txstore report computes it from every
# stored row: from source.ts (the Kafka timestamp txpub's produce call gave
# the record, kept by txsub) to stored_at (the time of the database
# transaction that stored it); percentiles p50/p95/p99 and the maximum.
#
# Two sets of batching settings, the trade between latency and throughput:
#   low-latency  txpub linger.ms=5 (its default), txsub fetch.wait.max.ms=10,
#                txstore --batch 5000 --flush-ms 5
#   defaults     txpub linger.ms=5, txsub fetch.wait.max.ms=500 (librdkafka's
#                default; the mock brokers of txbroker wait that long when a
#                fetch finds nothing new), txstore --batch 5000 --flush-ms 200
# Rates 1000, 10000 and 100000 records/s with low-latency settings, and
# 10000/s with the defaults; against txbroker and, when it can run, Apache
# Kafka on loopback (tests/kafka.sh).
#
# Prints, per run: LATENCY <broker> <settings> <rate> <records> <p50 ms>
# <p95 ms> <p99 ms> <max ms>, and a RESULT line whose anchor columns carry
# the p99 (there is no anchor to compare latency with; the goal is p99 under
# 50 ms at 10k/s).
# Environment: TX_BENCH_LATENCY_SECONDS (default 4: each run lasts that
# long, so 400,000 records at 100k/s), TX_BENCH_BROKERS (default
# "txbroker kafka").
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
: "${PYTHON3:=python3}"
export TX_SRCDIR TX_BUILDDIR PYTHON3
secs=${TX_BENCH_LATENCY_SECONDS:-4}
kinds=${TX_BENCH_BROKERS:-txbroker kafka}
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
test_atexit "cd /; rm -rf '$TRASH'"

# run KIND SETTINGS RATE TOPIC
run() {
	_kind=$1 _set=$2 _rate=$3 _topic=$4
	_n=$((_rate * secs))
	case $_set in
	low-latency) _fetch=10 _flush=5 ;;
	defaults) _fetch=500 _flush=200 ;;
	esac
	# 64 partitions: txbroker keeps at most 5 MiB per partition, and at
	# 100k/s the consumer falls behind (see bench/pipeline.sh)
	broker_create_topic "$_topic" 64 >/dev/null
	rm -f l.db l.db-wal l.db-shm
	# Warm-up: 200 records dated 2001 go through first, so that neither the
	# consumer's start nor a new topic's first metadata and leader lookups
	# count as latency; the report then takes the records from 2020 on.
	txgen -n 200 --seed 3 --start 2001-01-01T00:00:00Z | txpub -q -t "$_topic"
	txsub -q -t "$_topic" -c $((_n + 200)) -X fetch.wait.max.ms=$_fetch |
		txbal -q | txstore -q --batch 5000 --flush-ms $_flush sqlite:l.db &
	_consumer=$!
	_i=0
	until [ "$(sqlite3 l.db "SELECT count(*) FROM transactions" 2>/dev/null || echo 0)" -ge 200 ]; do
		_i=$((_i + 1))
		[ $_i -lt 600 ] || {
			echo "bench/latency.sh: the warm-up records were not stored within 60 s" >&2
			return 1
		}
		sleep 0.1
	done
	txgen -n "$_n" --rate "$_rate" --seed 2 | txpub -q -t "$_topic" -X linger.ms=5
	wait $_consumer
	txstore report --limit 0 --since 2020-01-01T00:00:00Z sqlite:l.db >report
	sed -n 's/^{"report":"latency","count":\([0-9]*\),"p50_ms":\([0-9.]*\),"p95_ms":\([0-9.]*\),"p99_ms":\([0-9.]*\),"max_ms":\([0-9.]*\)}$/\1 \2 \3 \4 \5/p' report >lat
	set -- $(cat lat)
	[ "${1:-0}" -eq "$_n" ] || {
		echo "bench/latency.sh: ${1:-0} of $_n records stored" >&2
		return 1
	}
	echo "LATENCY $_kind $_set $_rate $_n $2 $3 $4 $5"
	echo "RESULT latency-$_kind-$_set-$_rate $_rate p99_ms $4 - -"
}

printf '%-9s %-12s %8s %9s %9s %9s %9s %9s\n' broker settings rate records p50_ms p95_ms p99_ms max_ms
for kind in $kinds; do
	if [ "$kind" = kafka ] && why=$(kafka_unavailable); then
		echo "latency: Apache Kafka skipped: $why"
		continue
	fi
	broker_start "$kind"
	for spec in low-latency:1000 low-latency:10000 low-latency:100000 defaults:10000; do
		run "$kind" "${spec%:*}" "${spec#*:}" "lat-${spec%:*}-${spec#*:}" >out || {
			echo "latency: $kind ${spec%:*} ${spec#*:}/s failed"
			continue
		}
		cat out | grep '^RESULT'
		grep '^LATENCY' out | while read -r _ k s r n p50 p95 p99 max; do
			printf '%-9s %-12s %8s %9s %9s %9s %9s %9s\n' "$k" "$s" "$r" "$n" "$p50" "$p95" "$p99" "$max"
		done
		grep '^LATENCY' out
	done
	broker_stop
done

#!/bin/sh
# bench/latency.sh: end-to-end latency, produce time to stored time, at fixed
# rates: txgen --rate R | txpub, and at the same time
# txsub | txbal | txstore sqlite:DB. txstore report computes it from every
# stored row: from source.ts (the Kafka timestamp txpub's produce call gave
# the record, kept by txsub) to stored_at (the time of the database
# transaction that stored it); percentiles p50/p95/p99 and the maximum.
#
# Two sets of batching settings, the trade between latency and throughput:
#   low-latency  txpub -X linger.ms=5, txstore --batch 5000 --flush-ms 5
#   defaults     txpub -X linger.ms=5, txstore --batch 5000 --flush-ms 200
# txsub runs with its defaults in both (fetch.wait.max.ms=10: a fetch that
# finds nothing new is answered after 10 ms, not librdkafka's 500).
# (txpub's own default is linger.ms=20: fewer, larger produce requests, up to
# 20 ms more latency.) Rates 1000, 10000 and 100000 records/s with
# low-latency settings, and 10000/s with the defaults; against txbroker and,
# when it can run, Apache Kafka on loopback (tests/kafka.sh).
#
# Partitions: 64 on txbroker, which keeps at most 5 MiB per partition (at
# 100k/s the consumer falls behind, see bench/pipeline.sh); 4 on Apache Kafka
# (tests/kafka.sh's num.partitions), which keeps everything. Measured on
# Kafka 3.9 at 10k/s, 64 partitions cost several times the latency, for two
# reasons: librdkafka sends one produce request per partition, at most 5 in
# flight (idempotence), so 64 partitions at linger.ms=5 mean ~5,000 requests
# per second for 10,000 records (the records wait in txpub's queue, and the
# broker's garbage collector pauses 3 times as often); and a new topic's
# first offset-index entry in each partition (after 4 KiB,
# log.index.interval.bytes) faults in its mmapped 10 MiB index files, which
# stalled every produce request for 0.3 to 2 s on a fresh 64-partition topic.
#
# Warm-up: 2,000 records dated 2001 go through first (~80 KiB per partition
# on Kafka), so that neither the consumer's start, a new topic's first
# metadata and leader lookups, nor those first index entries count as
# latency; the report then takes the records from 2020 on. Before its first
# row, a new broker carries 2 s of unmeasured traffic (warm_broker).
#
# Prints, per run: LATENCY <broker> <settings> <rate> <records> <p50 ms>
# <p95 ms> <p99 ms> <max ms>, and a RESULT line whose anchor columns carry
# the p99 (there is no anchor to compare latency with; the goal is p99 under
# 50 ms at 10k/s); and "latency:" lines saying what it ran.
# Environment: TX_BENCH_LATENCY_SECONDS (default 4: each run lasts that
# long, so 400,000 records at 100k/s), TX_BENCH_BROKERS (default
# "txbroker kafka").
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
: "${PYTHON3:=python3}"
export TX_SRCDIR TX_BUILDDIR PYTHON3
secs=${TX_BENCH_LATENCY_SECONDS:-4}
warm=2000
kinds=${TX_BENCH_BROKERS:-txbroker kafka}
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
test_atexit "cd /; rm -rf '$TRASH'"

# partitions KIND: the bench topic's partitions on that broker (see the top).
partitions() {
	case $1 in
	kafka) echo 4 ;;
	*) echo 64 ;;
	esac
}

# warm_broker KIND: a new broker's first requests run its cold code (Kafka's
# JIT compiles as it goes): 2 s of the pipeline's traffic at 10k/s first,
# unmeasured.
warm_broker() {
	broker_create_topic lat-warm "$(partitions "$1")" >/dev/null || return 1
	txsub -q -t lat-warm -c 20000 >/dev/null &
	_sub=$!
	txgen -n 20000 --rate 10000 --seed 4 --accounts 1000 | txpub -q -t lat-warm -X linger.ms=5 || {
		kill $_sub 2>/dev/null
		return 1
	}
	wait $_sub
}

# run KIND SETTINGS RATE TOPIC
run() {
	_kind=$1 _set=$2 _rate=$3 _topic=$4
	_n=$((_rate * secs))
	case $_set in
	low-latency) _flush=5 ;;
	defaults) _flush=200 ;;
	esac
	broker_create_topic "$_topic" "$(partitions "$_kind")" >/dev/null
	rm -f l.db l.db-wal l.db-shm
	# The warm-up (see the top): dated 2001, left out of the report.
	txgen -n $warm --seed 3 --start 2001-01-01T00:00:00Z | txpub -q -t "$_topic"
	txsub -q -t "$_topic" -c $((_n + warm)) |
		txbal -q | txstore -q --batch 5000 --flush-ms $_flush sqlite:l.db &
	_consumer=$!
	_i=0
	until [ "$(sqlite3 l.db "SELECT count(*) FROM transactions" 2>/dev/null || echo 0)" -ge $warm ]; do
		_i=$((_i + 1))
		[ $_i -lt 600 ] || {
			echo "bench/latency.sh: the warm-up records were not stored within 60 s" >&2
			return 1
		}
		sleep 0.1
	done
	txgen -n "$_n" --rate "$_rate" --seed 2 --accounts 1000 | txpub -q -t "$_topic" -X linger.ms=5
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
	echo "latency: $kind: topics of $(partitions "$kind") partitions; $warm warm-up records before each run, 20000 through the new broker before the first"
	warm_broker "$kind" || echo "latency: $kind: the broker's warm-up failed"
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

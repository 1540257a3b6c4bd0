#!/bin/sh
# bench/txsub.sh: txsub -e against kcat -C -e reading the same topic from the
# same broker (txbroker, librdkafka's mock cluster) in the same run.
#
# txsub checks that every message is one JSON object, splices in its
# source position (topic, partition, offset, timestamp, key, cluster) and,
# by default, merges the partitions in event-time order; the --unordered
# row writes them in arrival order; kcat -C writes the values as they are. The topic (partitions: bench/kafka-lib.sh) is filled once by txpub
# with TX_BENCH_RECORDS records (default 1000000) from txgen; output goes to
# /dev/null. TX_BENCH_RUNS runs (default 3), the median counts (the fastest
# and slowest run in brackets).
# With TX_BENCH_KAFKA=host:port, the same rows against that Apache Kafka
# (make bench starts one with bench/with-kafka.sh).
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
bench_name=txsub
. "$TX_SRCDIR/bench/kafka-lib.sh"
kafka_bench_init txpub txsub
T=bench
export T

# compare KIND: fill topic $T on the broker at $TX_BROKERS
# with txpub, then every row
compare() {
	kind=$1
	[ "$kind" = txbroker ] || T=bench-txsub-$$
	new_topic "$T"
	"$TXPUB" -q -t "$T" <"$dir/in.ndjson"
	echo "txsub: $N records ($bytes bytes) from $kind, $(topic_partitions) partitions, to /dev/null; median of $RUNS runs"
	median kcat 'kcat -C -e -q -b "$TX_BROKERS" -t "$T"'
	row "kcat -C -e (anchor)"
	kcat_rate=$(rate "$wall_s")

	sfx=; [ "$kind" = txbroker ] || sfx=-$kind
	median txsub '"$TXSUB" -e -q -t "$T" --unordered'
	row "txsub -e --unordered (arrival order)"
	un_rate=$(rate "$wall_s")
	echo "RESULT txsub-unordered$sfx $un_rate kcat-C $kcat_rate $(ratio "$un_rate" "$kcat_rate") $peak_kib"

	median txsub '"$TXSUB" -e -q -t "$T"'
	row "txsub -e (event-time merge, JSON check, source positions)"
	sub_rate=$(rate "$wall_s")
	echo "RESULT txsub$sfx $sub_rate kcat-C $kcat_rate $(ratio "$sub_rate" "$kcat_rate") $peak_kib"
}

compare txbroker
kafka_bench_apache compare

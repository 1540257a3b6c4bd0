#!/bin/sh
# bench/txpub.sh: txpub against kcat -P, the same record file into the same
# broker (txbroker, librdkafka's mock cluster) in the same run.
#
# txpub validates every line with the record codec, keys it by account and
# waits for every acknowledgement (idempotent, acks=all); kcat -P sends the
# lines as they are, unkeyed (and, for a like-for-like row, keyed by account
# with Java's partitioner, as txpub places them). Each run produces into a fresh topic:
# 128 partitions on txbroker (so the mock's bounded retention never drops a
# batch mid-run), 16 on Apache Kafka (bench/kafka-lib.sh says why).
# TX_BENCH_RECORDS records (default 1000000) from txgen; TX_BENCH_RUNS runs
# (default 3), the median counts (the fastest and slowest run in brackets).
# Prints a row per case and RESULT lines.
# With TX_BENCH_KAFKA=host:port, the same rows against that Apache Kafka
# (make bench starts one with bench/with-kafka.sh).
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
bench_name=txpub
. "$TX_SRCDIR/bench/kafka-lib.sh"
kafka_bench_init txpub

# each run produces into a new topic $T
topic_n=0
median_before_run() {
	topic_n=$((topic_n + 1))
	T=bench$$-$topic_n
	export T
	new_topic "$T"
}
median_stdin=$dir/in.ndjson

# compare KIND: every row against the broker at $TX_BROKERS
compare() {
	kind=$1
	[ -f "$dir/plain.ndjson" ] && cp "$dir/plain.ndjson" "$dir/in.ndjson"
	echo "txpub: $N records ($bytes bytes) into $kind, $(topic_partitions) partitions; median of $RUNS runs"
	# On txbroker kcat's sticky partitioner (its default for records
	# without a key) piles runs of batches onto one partition, past the
	# mock's 5 MiB: the broker then drops records and refuses every
	# produce request after (txbroker(1), Limits). There each unkeyed
	# record goes to a partition of its own choosing; the keyed row below
	# is the like-for-like comparison either way.
	spread=
	[ "$kind" = txbroker ] && spread=' -X sticky.partitioning.linger.ms=0'
	median kcat 'kcat -P -b "$TX_BROKERS" -t "$T"'"$spread"
	row "kcat -P (anchor)"
	kcat_rate=$(rate "$wall_s")

	median txpub '"$TXPUB" -q -t "$T"'
	row "txpub (validate, key, acks=all, idempotent)"
	pub_rate=$(rate "$wall_s")
	pub_peak=$peak_kib
	sfx=; [ "$kind" = txbroker ] || sfx=-$kind
	echo "RESULT txpub$sfx $pub_rate kcat-P $kcat_rate $(ratio "$pub_rate" "$kcat_rate") $pub_peak"

	# Like for like: kcat keyed by account with Java's partitioner, as txpub
	# places records. Spreading small batches over many partitions is what
	# costs (librdkafka's work per batch), not txpub's validation.
	"$PY" -c 'import json, sys
out = sys.stdout
for line in sys.stdin:
    out.write(json.loads(line)["account"] + "\t" + line)' <"$dir/in.ndjson" >"$dir/keyed.tsv"
	mv "$dir/in.ndjson" "$dir/plain.ndjson"
	mv "$dir/keyed.tsv" "$dir/in.ndjson"
	median kcat-keyed 'kcat -P -b "$TX_BROKERS" -t "$T" -K "	" -X partitioner=murmur2_random'
	row "kcat -P -K, murmur2 (keyed anchor)"
	keyed_rate=$(rate "$wall_s")
	echo "RESULT txpub-keyed$sfx $pub_rate kcat-P-keyed $keyed_rate $(ratio "$pub_rate" "$keyed_rate") $pub_peak"
}

compare txbroker
kafka_bench_apache compare

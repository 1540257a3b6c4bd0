#!/bin/sh
# bench/txpub.sh: txpub against kcat -P, the same record file into the same
# broker (txbroker, librdkafka's mock cluster) in the same run.
#
# txpub validates every line with the record codec, keys it by account and
# waits for every acknowledgement (idempotent, acks=all); kcat -P sends the
# lines as they are, unkeyed (and, for a like-for-like row, keyed by account
# with Java's partitioner, as txpub places them). Each run produces into a fresh topic of 128
# partitions (so the mock's bounded retention never drops a batch mid-run).
# TX_BENCH_RECORDS records (default 1000000) from txgen; TX_BENCH_RUNS runs
# (default 3), the median counts. Prints a row per case and RESULT lines.
# With TX_BENCH_KAFKA=host:port, the same rows against that Apache Kafka.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TXPUB=$TX_BUILDDIR/src/txpub/txpub
export TXPUB
TXBROKER=$TX_BUILDDIR/src/txbroker/txbroker
TIME=/usr/bin/time
PY=${PYTHON3:-python3}

for p in "$TXGEN" "$TXPUB" "$TXBROKER"; do
	[ -x "$p" ] || { echo "bench/txpub.sh: $p not built" >&2; exit 1; }
done
command -v kcat >/dev/null || { echo "bench/txpub.sh: kcat missing (Debian package kcat)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench/txpub.sh: $TIME missing (Debian package time)" >&2; exit 1; }

dir=$(mktemp -d)
"$TXBROKER" -q -d --control "$dir/control" -t warmup:1 >"$dir/env"
. "$dir/env"
trap '"$TXBROKER" -q -k >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

"$TXGEN" -q -n "$N" --seed 42 >"$dir/in.ndjson"
bytes=$(wc -c <"$dir/in.ndjson" | tr -d ' ')
topic_n=0

# median NAME COMMAND: RUNS runs of the shell COMMAND (stdin: the input),
# each producing into a new topic $T; sets wall_s, cpu_s and peak_kib of the
# median run.
median() {
	: >"$dir/runs"
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		topic_n=$((topic_n + 1))
		T=bench$topic_n
		export T
		new_topic "$T"
		_s=$(date +%s%N)
		$TIME -f '%M %U %S' -o "$dir/time" sh -c "exec $2" <"$dir/in.ndjson" >/dev/null \
			2>"$dir/err" || {
			echo "bench/txpub.sh: $1 failed:" >&2
			cat "$dir/err" >&2
			exit 1
		}
		_e=$(date +%s%N)
		read -r _kib _u _sys <"$dir/time"
		echo "$(((_e - _s) / 1000)) $_kib $(awk -v u="$_u" -v s="$_sys" 'BEGIN { printf "%.2f", u + s }')" >>"$dir/runs"
		_i=$((_i + 1))
	done
	sort -n "$dir/runs" >"$dir/runs.sorted"
	read -r _us peak_kib cpu_s <<-EOF
	$(sed -n "$(((RUNS + 1) / 2))p" "$dir/runs.sorted")
	EOF
	wall_s=$(awk -v us="$_us" 'BEGIN { printf "%.3f", us / 1e6 }')
}

rate() {
	awk -v n="$N" -v s="$1" 'BEGIN { if (s <= 0) s = 0.001; printf "%d", n / s }'
}

row() {
	printf '%-44s %8s s %10s rec/s %6s s cpu %8s KiB\n' "$1" "$wall_s" "$(rate "$wall_s")" \
		"$cpu_s" "$peak_kib"
}

# new_topic NAME: 128 partitions, on txbroker or on Apache Kafka
new_topic() {
	if [ "$kind" = txbroker ]; then
		"$TXBROKER" -c "topic $1 128" >/dev/null
	else
		"$PYK" - "$TX_BROKERS" "$1" <<-\EOF
		import sys
		from confluent_kafka.admin import AdminClient, NewTopic
		a = AdminClient({"bootstrap.servers": sys.argv[1]})
		for f in a.create_topics([NewTopic(sys.argv[2], 128, 1)]).values():
		    f.result(60)
		EOF
	fi
}

# compare KIND: every row against the broker at $TX_BROKERS
compare() {
	kind=$1
	[ -f "$dir/plain.ndjson" ] && cp "$dir/plain.ndjson" "$dir/in.ndjson"
	echo "txpub: $N records ($bytes bytes) into $kind, 128 partitions; median of $RUNS runs"
	median kcat 'kcat -P -b "$TX_BROKERS" -t "$T"'
	row "kcat -P (anchor)"
	kcat_rate=$(rate "$wall_s")

	median txpub '"$TXPUB" -q -t "$T"'
	row "txpub (validate, key, acks=all, idempotent)"
	pub_rate=$(rate "$wall_s")
	pub_peak=$peak_kib
	sfx=; [ "$kind" = txbroker ] || sfx=-$kind
	echo "RESULT txpub$sfx $pub_rate kcat-P $kcat_rate $(awk -v a="$pub_rate" -v b="$kcat_rate" 'BEGIN { printf "%.2f", a / b }') $pub_peak"

	# Like for like: kcat keyed by account with Java's partitioner, as txpub
	# places records. Spreading small batches over 128 partitions is what
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
	echo "RESULT txpub-keyed$sfx $pub_rate kcat-P-keyed $keyed_rate $(awk -v a="$pub_rate" -v b="$keyed_rate" 'BEGIN { printf "%.2f", a / b }') $pub_peak"
}

compare txbroker
# Apache Kafka too, when one is running: TX_BENCH_KAFKA=host:port (topics are
# created with python3-confluent-kafka's admin client).
if [ -n "${TX_BENCH_KAFKA:-}" ]; then
	PYK=
	for py in "$PY" /usr/bin/python3; do
		"$py" -c 'import confluent_kafka' 2>/dev/null && PYK=$py && break
	done
	if [ -z "$PYK" ]; then
		echo "bench/txpub.sh: TX_BENCH_KAFKA set but python3 confluent_kafka is missing: no Apache Kafka rows" >&2
	else
		TX_BROKERS=$TX_BENCH_KAFKA
		export TX_BROKERS
		compare kafka
	fi
fi

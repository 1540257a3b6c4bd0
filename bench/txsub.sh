#!/bin/sh
# bench/txsub.sh: txsub -e against kcat -C -e reading the same topic from the
# same broker (txbroker, librdkafka's mock cluster) in the same run.
#
# txsub validates every message with the record codec and splices in its
# source position (topic, partition, offset, timestamp, key); kcat -C writes
# the values as they are. The topic (128 partitions) is filled once by txpub
# with TX_BENCH_RECORDS records (default 1000000) from txgen; output goes to
# /dev/null. TX_BENCH_RUNS runs (default 3), the median counts.
# With TX_BENCH_KAFKA=host:port, the same rows against that Apache Kafka.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TXPUB=$TX_BUILDDIR/src/txpub/txpub
TXSUB=$TX_BUILDDIR/src/txsub/txsub
export TXSUB
TXBROKER=$TX_BUILDDIR/src/txbroker/txbroker
TIME=/usr/bin/time

for p in "$TXGEN" "$TXPUB" "$TXSUB" "$TXBROKER"; do
	[ -x "$p" ] || { echo "bench/txsub.sh: $p not built" >&2; exit 1; }
done
command -v kcat >/dev/null || { echo "bench/txsub.sh: kcat missing (Debian package kcat)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench/txsub.sh: $TIME missing (Debian package time)" >&2; exit 1; }

dir=$(mktemp -d)
"$TXBROKER" -q -d --control "$dir/control" -t warmup:1 >"$dir/env"
. "$dir/env"
trap '"$TXBROKER" -q -k >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

"$TXGEN" -q -n "$N" --seed 42 >"$dir/in.ndjson"
bytes=$(wc -c <"$dir/in.ndjson" | tr -d ' ')
T=bench
export T

# median NAME COMMAND: RUNS runs of the shell COMMAND reading topic $T; sets
# wall_s, cpu_s and peak_kib of the median run.
median() {
	: >"$dir/runs"
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_s=$(date +%s%N)
		$TIME -f '%M %U %S' -o "$dir/time" sh -c "exec $2" </dev/null >/dev/null \
			2>"$dir/err" || {
			echo "bench/txsub.sh: $1 failed:" >&2
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

# compare KIND: fill topic $T on the broker at $TX_BROKERS (128 partitions)
# with txpub, then every row
compare() {
	kind=$1
	if [ "$kind" = txbroker ]; then
		"$TXBROKER" -c "topic $T 128" >/dev/null
	else
		"$PYK" - "$TX_BROKERS" "$T" <<-\EOF
		import sys
		from confluent_kafka.admin import AdminClient, NewTopic
		a = AdminClient({"bootstrap.servers": sys.argv[1]})
		for f in a.create_topics([NewTopic(sys.argv[2], 128, 1)]).values():
		    f.result(60)
		EOF
	fi
	"$TXPUB" -q -t "$T" <"$dir/in.ndjson"
	echo "txsub: $N records ($bytes bytes) from $kind, 128 partitions, to /dev/null; median of $RUNS runs"
	median kcat 'kcat -C -e -q -b "$TX_BROKERS" -t "$T"'
	row "kcat -C -e (anchor)"
	kcat_rate=$(rate "$wall_s")

	median txsub '"$TXSUB" -e -q -t "$T"'
	row "txsub -e (validate, source positions)"
	sub_rate=$(rate "$wall_s")
	sfx=; [ "$kind" = txbroker ] || sfx=-$kind
	echo "RESULT txsub$sfx $sub_rate kcat-C $kcat_rate $(awk -v a="$sub_rate" -v b="$kcat_rate" 'BEGIN { printf "%.2f", a / b }') $peak_kib"
}

compare txbroker
# Apache Kafka too, when one is running: TX_BENCH_KAFKA=host:port (the topic
# is created with python3-confluent-kafka's admin client).
if [ -n "${TX_BENCH_KAFKA:-}" ]; then
	PYK=
	for py in "${PYTHON3:-python3}" /usr/bin/python3; do
		"$py" -c 'import confluent_kafka' 2>/dev/null && PYK=$py && break
	done
	if [ -z "$PYK" ]; then
		echo "bench/txsub.sh: TX_BENCH_KAFKA set but python3 confluent_kafka is missing: no Apache Kafka rows" >&2
	else
		TX_BROKERS=$TX_BENCH_KAFKA
		export TX_BROKERS
		T=bench-txsub-$$
		compare kafka
	fi
fi

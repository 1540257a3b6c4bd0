# bench/kafka-lib.sh: what bench/txpub.sh and bench/txsub.sh share, sourced
# by both (not a benchmark itself).
#
#   bench_name=txpub
#   . "$TX_SRCDIR/bench/kafka-lib.sh"
#   kafka_bench_init txpub        # checks, txbroker, $dir, $dir/in.ndjson
#   compare() { ... median NAME 'COMMAND' ... row "label" ... }
#   compare txbroker
#   kafka_bench_apache compare    # the same against TX_BENCH_KAFKA, if set
#
# Sets N, RUNS, TXGEN, TXPUB, TXSUB, TXBROKER (TXPUB and TXSUB exported for
# the commands), TIME, PY, dir (removed at exit), bytes; starts txbroker and
# exports TX_BROKERS. kind is txbroker or kafka while compare runs.

: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TXPUB=$TX_BUILDDIR/src/txpub/txpub
TXSUB=$TX_BUILDDIR/src/txsub/txsub
TXBROKER=$TX_BUILDDIR/src/txbroker/txbroker
export TXPUB TXSUB
TIME=/usr/bin/time
PY=${PYTHON3:-python3}
kind=txbroker

# kafka_bench_init PROGRAM...: check what the benchmark runs, start
# txbroker, and write TX_BENCH_RECORDS records from txgen to $dir/in.ndjson.
kafka_bench_init() {
	for _p in "$TXGEN" "$TXBROKER" "$@"; do
		case $_p in /*) ;; *) _p=$TX_BUILDDIR/src/$_p/$_p ;; esac
		[ -x "$_p" ] || {
			echo "bench/$bench_name.sh: $_p not built" >&2
			exit 1
		}
	done
	command -v kcat >/dev/null || {
		echo "bench/$bench_name.sh: kcat missing (Debian package kcat)" >&2
		exit 1
	}
	[ -x "$TIME" ] || {
		echo "bench/$bench_name.sh: $TIME missing (Debian package time)" >&2
		exit 1
	}
	dir=$(mktemp -d)
	"$TXBROKER" -q -d --control "$dir/control" -t warmup:1 >"$dir/env"
	. "$dir/env"
	trap '"$TXBROKER" -q -k >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
	"$TXGEN" -q -n "$N" --seed 42 >"$dir/in.ndjson"
	bytes=$(wc -c <"$dir/in.ndjson" | tr -d ' ')
}

# topic_partitions: the partitions of a bench topic on $kind. txbroker: 128,
# since it keeps about 5 MiB a partition and the whole input must fit.
# Apache Kafka has no such limit: TX_BENCH_KAFKA_PARTITIONS, default 16, a
# sane layout for one broker. With 128 there, keyed producing is bound by
# librdkafka 2.0's one produce request per partition (5 in flight when
# idempotent): txpub then measured 0.91x unkeyed kcat -P, against 1.51x
# with 16, and keyed kcat slowed the same way.
topic_partitions() {
	if [ "$kind" = txbroker ]; then echo 128; else echo "${TX_BENCH_KAFKA_PARTITIONS:-16}"; fi
}

# new_topic NAME: a topic of topic_partitions partitions on $kind
new_topic() {
	if [ "$kind" = txbroker ]; then
		"$TXBROKER" -c "topic $1 $(topic_partitions)" >/dev/null
	else
		"$PYK" - "$TX_BROKERS" "$1" "$(topic_partitions)" <<-\EOF
		import sys
		from confluent_kafka.admin import AdminClient, NewTopic
		a = AdminClient({"bootstrap.servers": sys.argv[1]})
		for f in a.create_topics([NewTopic(sys.argv[2], int(sys.argv[3]), 1)]).values():
		    f.result(60)
		EOF
	fi
}

# median NAME COMMAND: RUNS runs of the shell COMMAND, stdin from
# $median_stdin (default /dev/null), stdout to /dev/null, each after the
# shell function median_before_run if the benchmark defines it; sets wall_s,
# cpu_s and peak_kib of the median run (by wall time). The wall and CPU
# times of every run go to $dir/runs.
median() {
	: >"$dir/runs"
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		command -v median_before_run >/dev/null && median_before_run
		_s=$(date +%s%N)
		$TIME -f '%M %U %S' -o "$dir/time" sh -c "exec $2" <"${median_stdin:-/dev/null}" \
			>/dev/null 2>"$dir/err" || {
			echo "bench/$bench_name.sh: $1 failed:" >&2
			sed -n "1,10p; 11{s/.*/.../p;q}" "$dir/err" >&2
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
	# the spread: fastest and slowest run, as load on a shared machine shows
	spread=$(awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo / 1e6, hi / 1e6 }' "$dir/runs.sorted")
}

rate() {
	awk -v n="$N" -v s="$1" 'BEGIN { if (s <= 0) s = 0.001; printf "%d", n / s }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

row() {
	printf '%-44s %8s s %10s rec/s %6s s cpu %8s KiB  (%s s)\n' "$1" "$wall_s" \
		"$(rate "$wall_s")" "$cpu_s" "$peak_kib" "$spread"
}

# kafka_bench_apache FUNCTION: with TX_BENCH_KAFKA=host:port, run FUNCTION
# kafka against that Apache Kafka (topics are created with
# python3-confluent-kafka's admin client).
kafka_bench_apache() {
	[ -n "${TX_BENCH_KAFKA:-}" ] || return 0
	PYK=
	for _py in "$PY" /usr/bin/python3; do
		"$_py" -c 'import confluent_kafka' 2>/dev/null && PYK=$_py && break
	done
	if [ -z "$PYK" ]; then
		echo "bench/$bench_name.sh: TX_BENCH_KAFKA set but python3 confluent_kafka is missing: no Apache Kafka rows" >&2
		return 0
	fi
	TX_BROKERS=$TX_BENCH_KAFKA
	export TX_BROKERS
	"$1" kafka
}

#!/bin/sh
# bench/pipeline.sh: the whole pipeline, sustained, both halves at once:
#   txgen | txpub -t T          and          txsub -t T | txbal | txstore sqlite:DB
# against txbroker and against Apache Kafka (tests/kafka.sh's kafka_start,
# when java and the cached or resolvable jars are there), compared with the
# seeds' Python way, bench/anchors/seed-pipeline.py (a confluent-kafka
# producer doing json.dumps per record; a consumer doing json.loads, a dict of
# balances and one SQLite INSERT per record, a commit per 1000), on the same
# records (txgen's), against the same broker.
#
# Records/s = records stored / wall time from the start of both halves until
# the last record is committed in the database (the consumer half starts
# first, reading every partition from the beginning; txsub -c N ends it).
# Peak KiB = the sum of the five processes' peak resident sets
# (/usr/bin/time -f %M); for the anchor, of its two processes.
#
# CPU per record = the user and system time of every process of a txkit run,
# the broker's included (from /proc: txbroker's process, or Kafka's JVM),
# over the records stored: the machine-independent cost of the pipeline,
# whatever the cores' contention, given as a total and by stage
# ("pipeline KIND run N cpu" lines; the median run's is the "cpu" row).
# txstore's part also gives its writer thread's (from its end summary):
# the thread that stores each batch while the next is read, the one that
# bounds txstore.
#
# Each stage is then timed alone on the same records (txbroker only): the
# slowest one bounds the pipeline ("stage" rows).
#
# Environment: TX_BENCH_PIPELINE_RECORDS (default 300000: long enough for a
# sustained rate, short enough for make bench to stay near 10 minutes),
# TX_BENCH_RUNS (default 3, the median is reported),
# TX_BENCH_ANCHOR_RECORDS (default 100000: the anchor runs once, on the
# first that many records of the same input, since it is much slower), TX_BENCH_PARTITIONS (default 64; txbroker keeps at
# most 5 MiB per partition, so the topic must hold the whole run),
# TX_BENCH_BROKERS (default "txbroker kafka").
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
: "${PYTHON3:=python3}"
export TX_SRCDIR TX_BUILDDIR PYTHON3
n=${TX_BENCH_PIPELINE_RECORDS:-300000}
runs=${TX_BENCH_RUNS:-3}
an=${TX_BENCH_ANCHOR_RECORDS:-100000}
[ "$an" -le "$n" ] || an=$n
parts=${TX_BENCH_PARTITIONS:-64}
kinds=${TX_BENCH_BROKERS:-txbroker kafka}

# tests/lib.sh: the built programs on PATH, a scratch directory (cwd);
# tests/kafka.sh: the brokers.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
test_atexit "cd /; rm -rf '$TRASH'"
time_cmd=/usr/bin/time
[ -x $time_cmd ] || {
	echo "bench/pipeline.sh: /usr/bin/time is needed for peak memory (apt-get install time)" >&2
	exit 1
}
now_ms() { date +%s%3N; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
sum_mem() { cat "$@" | awk '/^[0-9]+( |$)/ { s += $1 } END { print s + 0 }'; }
# cpu_of FILE: the user + system seconds /usr/bin/time -f "%M %U %S" wrote
cpu_of() { awk '/^[0-9]+ / { print $2 + $3 }' "$1"; }
tck=$(getconf CLK_TCK)
# broker_cpu: the broker process's user + system seconds so far
broker_cpu() {
	case $TX_BROKER_KIND in
	txbroker) _bp=${TXBROKER_PID:-} ;;
	kafka) _bp=$(cat "$TX_BROKER_STATE/kafka.pid" 2>/dev/null || true) ;;
	esac
	if [ -n "$_bp" ] && [ -r "/proc/$_bp/stat" ]; then
		# the fields after the command name, which may hold spaces
		sed 's/^.*) //' "/proc/$_bp/stat" | awk -v t="$tck" '{ printf "%.2f\n", ($12 + $13) / t }'
	else
		echo 0
	fi
}
us() { awk -v s="$1" -v n="$n" 'BEGIN { printf "%.2f", s * 1e6 / n }'; }
stored() { sqlite3 "$1" "SELECT count(*) FROM transactions"; }

txgen -n "$n" --seed 1 >input.ndjson
head -n "$an" input.ndjson >anchor.ndjson
# A fresh topic for each run (the runs are in subshells: the number is
# the caller's).
new_topic() {
	topic=bench$1
	broker_create_topic $topic "$parts" >/dev/null
}

# One txkit run on topic number $1: prints "ms peak_kib", and leaves the
# CPU per record by stage in the file cpu.
run_txkit() {
	new_topic "$1"
	rm -f p.db p.db-wal p.db-shm mem.*
	b0=$(broker_cpu)
	t0=$(now_ms)
	{ $time_cmd -f "%M %U %S" -o mem.sub txsub -q -t $topic -c "$n" |
		$time_cmd -f "%M %U %S" -o mem.bal txbal -q |
		$time_cmd -f "%M %U %S" -o mem.store txstore sqlite:p.db 2>store.err; } &
	consumer=$!
	$time_cmd -f "%M %U %S" -o mem.gen txgen -n "$n" --seed 1 |
		$time_cmd -f "%M %U %S" -o mem.pub txpub -q -t $topic
	wait $consumer
	t1=$(now_ms)
	b1=$(broker_cpu)
	g=$(cpu_of mem.gen) p=$(cpu_of mem.pub) s=$(cpu_of mem.sub) b=$(cpu_of mem.bal)
	st=$(cpu_of mem.store) k=$(awk -v a="$b0" -v b="$b1" 'BEGIN { print b - a }')
	# "... storing with C s of CPU (...)": the writer thread's
	w=$(sed -n 's/.* s of it storing with \([0-9.]*\) s of CPU .*/\1/p' store.err)
	[ -n "$w" ] || {
		echo "bench/pipeline.sh: no summary from txstore:" >&2
		cat store.err >&2
		return 1
	}
	all=$(awk -v a="$g $p $s $b $st $k" 'BEGIN { split(a, v, " "); for (i in v) t += v[i]; print t }')
	echo "$(us "$all") us/record: txgen $(us "$g"), txpub $(us "$p"), txsub $(us "$s")," \
		"txbal $(us "$b"), txstore $(us "$st") (its writer thread $(us "$w")), broker $(us "$k")" >cpu
	got=$(stored p.db)
	[ "$got" -eq "$n" ] || {
		echo "bench/pipeline.sh: $got of $n records stored" >&2
		return 1
	}
	echo "$((t1 - t0)) $(sum_mem mem.*)"
}

run_anchor() {
	[ -n "$TX_PY_KAFKA" ] || return 1
	new_topic "$1"
	rm -f a.db mem.*
	t0=$(now_ms)
	$time_cmd -f %M -o mem.acons "$TX_PY_KAFKA" "$TX_SRCDIR/bench/anchors/seed-pipeline.py" \
		consume "$TX_BROKERS" $topic "$an" a.db &
	consumer=$!
	$time_cmd -f %M -o mem.aprod "$TX_PY_KAFKA" "$TX_SRCDIR/bench/anchors/seed-pipeline.py" \
		produce "$TX_BROKERS" $topic anchor.ndjson
	wait $consumer
	t1=$(now_ms)
	got=$(stored a.db)
	[ "$got" -eq "$an" ] || {
		echo "bench/pipeline.sh: anchor stored $got of $an records" >&2
		return 1
	}
	echo "$((t1 - t0)) $(sum_mem mem.*)"
}

# Each stage alone, from and to files (the topic read back by txsub).
stage() {
	_name=$1
	shift
	_t0=$(now_ms)
	/usr/bin/time -f %M -o mem.stage sh -c "$*"
	_t1=$(now_ms)
	echo "pipeline stage $_name alone: $(rate "$n" $((_t1 - _t0))) records/s, peak $(cat mem.stage) KiB"
}
stages() {
	new_topic stages
	rm -f s.db s.db-wal s.db-shm
	stage "txgen" "txgen -n $n --seed 1 >gen.ndjson"
	stage "txpub" "txpub -q -t $topic gen.ndjson"
	stage "txsub" "txsub -q -t $topic -c $n >sub.ndjson"
	stage "txbal" "txbal -q <sub.ndjson >bal.ndjson"
	stage "txstore sqlite" "txstore -q sqlite:s.db <bal.ndjson"
	rm -f gen.ndjson sub.ndjson bal.ndjson s.db s.db-wal s.db-shm
}

for kind in $kinds; do
	if [ "$kind" = kafka ] && why=$(kafka_unavailable); then
		echo "pipeline: Apache Kafka skipped: $why"
		continue
	fi
	broker_start "$kind" -q >/dev/null 2>&1 || broker_start "$kind"
	: >times
	peak=0
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		set -- $(run_txkit "$kind$i")
		r=$(rate "$n" "$1")
		echo "pipeline $kind run $i: $n records in $1 ms: $r records/s, peak $2 KiB"
		echo "pipeline $kind run $i cpu: $(cat cpu)"
		echo "$r $(cat cpu)" >>times
		[ "$2" -gt "$peak" ] && peak=$2
	done
	med=$(median <times)
	echo "pipeline $kind cpu (the median run): $(awk -v m="$med" '$1 == m { $1 = ""; print substr($0, 2); exit }' times)"
	if res=$(run_anchor "$kind-anchor"); then
		set -- $res
		ar=$(rate "$an" "$1")
		echo "pipeline $kind seed-pipeline.py: $an records in $1 ms: $ar records/s, peak $2 KiB"
		ratio=$(awk -v a="$med" -v b="$ar" 'BEGIN { printf "%.1f", a / b }')
	else
		echo "pipeline $kind: the anchor did not run (python3 confluent_kafka missing?)"
		ar=- ratio=-
	fi
	echo "RESULT pipeline-$kind $med seed-pipeline.py $ar $ratio $peak"
	[ "$kind" = txbroker ] && stages
	broker_stop
done

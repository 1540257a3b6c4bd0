#!/bin/sh
# bench/txbal.sh: txbal's throughput against the seeds' Python balance
# consumer (seedbal.py) and `jq -c .` on the same input, and its memory per
# account.
#
# Input: TX_BENCH_RECORDS (default 1000000) records from txgen over 100,000
# accounts. Rates are the best of TX_BENCH_RUNS (default 3) runs for txbal,
# one run for each anchor. They are records per second of CPU time (user +
# system, from /usr/bin/time): the development machine's 2 cores are shared
# by several jobs, and wall-clock time there measures the neighbours as
# much as the program (the wall-clock rates are printed too, in brackets). Memory per account: peak RSS of a run over 1,000
# accounts and of one over 1,000,000 accounts (the same number of records,
# so the dedup set costs the same), the difference divided by the difference
# in account entries (counted from --state). Goals (issue 4): >= 2M
# records/s, >= 30x seedbal.py, >= 15x jq, <= 200 bytes per account. Then
# the same records as txsub writes them, with their "source" member (issue
# 19), against seedbal.py on those.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
TXBAL=$TX_BUILDDIR/src/txbal/txbal
TXGEN=$TX_BUILDDIR/src/txgen/txgen
ANCHORS=${TX_ANCHORS:-$TX_SRCDIR/../shared/anchors}
PY=${PYTHON3:-python3}
TIME=/usr/bin/time
[ -x "$TIME" ] || {
	echo "bench/txbal.sh: /usr/bin/time is missing (Debian package time)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/txbal-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run CMD...: time one run (stdin from $tmp/in, stdout to /dev/null), leave
# CPU nanoseconds in $ns, wall-clock nanoseconds in $wns, peak KiB in $kib
run() {
	_t0=$(date +%s%N)
	"$TIME" -f "%U %S %M" -o "$tmp/mem" "$@" <"$tmp/in" >/dev/null 2>"$tmp/err" || {
		echo "bench/txbal.sh: $* failed:" >&2
		cat "$tmp/err" >&2
		exit 1
	}
	_t1=$(date +%s%N)
	wns=$((_t1 - _t0))
	ns=$(tail -n 1 "$tmp/mem" | awk '{ printf "%.0f", ($1 + $2) * 1e9 }')
	[ "$ns" -gt 0 ] || ns=1
	kib=$(tail -n 1 "$tmp/mem" | awk '{ print $3 }')
}
# best_run CMD...: the best of $RUNS runs: CPU nanoseconds in $best, its peak
# KiB in $bkib, its wall-clock nanoseconds in $wns
best_run() {
	best=0 bkib=0 bwns=0 _i=0
	while [ $_i -lt "$RUNS" ]; do
		run "$@"
		if [ "$best" -eq 0 ] || [ "$ns" -lt "$best" ]; then best=$ns bkib=$kib bwns=$wns; fi
		_i=$((_i + 1))
	done
	wns=$bwns
}
rate() { awk -v n="$N" -v ns="$1" 'BEGIN { printf "%.0f", n * 1e9 / ns }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
row() { printf '%-30s %10s rec/s (wall %9s) %8s KiB\n' "$1" "$2" "$(rate "$wns")" "$3"; }

"$TXGEN" -q -n "$N" --accounts 100000 --seed 42 >"$tmp/in"
echo "input: $N records over 100000 accounts ($(wc -c <"$tmp/in") bytes), txgen --seed 42"

best_run "$TXBAL" -q
txr=$(rate "$best")
row "txbal (default rules)" "$txr" "$bkib"
run "$TXBAL" -q --no-alert all
row "txbal --no-alert all" "$(rate "$ns")" "$kib"

if [ -f "$ANCHORS/seedbal.py" ]; then
	run "$PY" "$ANCHORS/seedbal.py"
	sr=$(rate "$ns")
	row "seedbal.py (anchor)" "$sr" "$kib"
	echo "RESULT txbal $txr seedbal.py $sr $(ratio "$txr" "$sr") $bkib"
else
	echo "bench/txbal.sh: anchor seedbal.py not found in $ANCHORS (set TX_ANCHORS): no ratio"
fi
if command -v jq >/dev/null 2>&1; then
	run jq -c .
	jr=$(rate "$ns")
	row "jq -c . (anchor)" "$jr" "$kib"
	echo "RESULT txbal-vs-jq $txr jq $jr $(ratio "$txr" "$jr") $bkib"
else
	echo "bench/txbal.sh: jq not found: no ratio"
fi

# txsub's output: the same records, each with the "source" member txsub adds
# (tests/oracle/source.awk writes its bytes: the run of a broker and txsub
# would only add their noise), against seedbal.py on that input, and what
# it costs txbal against the plain records above (issue 19; here 2.1x the
# CPU per record before the parser decoded txsub's form inline, 1.3x
# after: the rest is mostly their 1.8x bytes).
awk -f "$TX_SRCDIR/tests/oracle/source.awk" "$tmp/in" >"$tmp/src"
mv "$tmp/src" "$tmp/in"
best_run "$TXBAL" -q
tsr=$(rate "$best") skib=$bkib
row "txbal, txsub's records" "$tsr" "$skib"
echo "txsub's records ($(wc -c <"$tmp/in") bytes): $(ratio "$txr" "$tsr")x the CPU per record of txgen's"
if [ -f "$ANCHORS/seedbal.py" ]; then
	run "$PY" "$ANCHORS/seedbal.py"
	ssr=$(rate "$ns")
	row "seedbal.py, txsub's records" "$ssr" "$kib"
	echo "RESULT txbal-txsub $tsr seedbal.py $ssr $(ratio "$tsr" "$ssr") $skib"
fi

# memory per account: 1k vs 1M accounts, same number of records
for a in 1000 1000000; do
	"$TXGEN" -q -n "$N" --accounts "$a" --seed 43 >"$tmp/in"
	run "$TXBAL" -q --state "$tmp/st.$a"
	eval "kib_$a=\$kib accts_$a=\$(wc -l <\"\$tmp/st.$a\")"
done
# shellcheck disable=SC2154
bpa=$(awk -v k1="$kib_1000" -v k2="$kib_1000000" -v a1="$accts_1000" -v a2="$accts_1000000" \
	'BEGIN { printf "%.0f", (k2 - k1) * 1024 / (a2 - a1) }')
# shellcheck disable=SC2154
echo "memory: $accts_1000 accounts ${kib_1000} KiB, $accts_1000000 accounts ${kib_1000000} KiB: $bpa bytes per account (goal <= 200)"
echo "BYTES_PER_ACCOUNT txbal $bpa"

#!/bin/sh
# bench/txmap.sh: txmap's throughput against jq doing the same renames and
# conversions (bench/txmap.jq), on foreign records in a seed producer's
# shape: numeric ids, user_id, "purchase"/"Credit"/"Debit", amounts as
# Python writes floats (7 decimals, rounded half-even by txmap), statuses in
# title case, epoch float times.
#
# Input: TX_BENCH_RECORDS (default 1000000) such records, from awk (seeded).
# Rates are the best of TX_BENCH_RUNS (default 3) runs for txmap, one run
# for jq. They are records per second of CPU time (user + system, from
# /usr/bin/time; wall-clock rates in brackets): the development machine's
# 2 cores are shared, and wall-clock time there measures the neighbours.
# Also shown: txmap over txgen's records (already canonical: the pass-
# through cost). Goals (issue 17): >= 1M records/s and >= 10x jq.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
TXMAP=$TX_BUILDDIR/src/txmap/txmap
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TIME=/usr/bin/time
[ -x "$TIME" ] || {
	echo "bench/txmap.sh: /usr/bin/time is missing (Debian package time)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/txmap-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run IN CMD...: time one run (stdin from IN, stdout to $tmp/out), leave
# CPU nanoseconds in $ns, wall-clock nanoseconds in $wns, peak KiB in $kib
run() {
	_in=$1
	shift
	_t0=$(date +%s%N)
	"$TIME" -f "%U %S %M" -o "$tmp/mem" "$@" <"$_in" >"$tmp/out" 2>"$tmp/err" || {
		echo "bench/txmap.sh: $* failed:" >&2
		cat "$tmp/err" >&2
		exit 1
	}
	_t1=$(date +%s%N)
	wns=$((_t1 - _t0))
	ns=$(tail -n 1 "$tmp/mem" | awk '{ printf "%.0f", ($1 + $2) * 1e9 }')
	[ "$ns" -gt 0 ] || ns=1
	kib=$(tail -n 1 "$tmp/mem" | awk '{ print $3 }')
}
rate() { awk -v n="$N" -v ns="$1" 'BEGIN { printf "%.0f", n * 1e9 / ns }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
row() { printf '%-34s %10s rec/s (wall %9s) %8s KiB\n' "$1" "$2" "$(rate "$wns")" "$3"; }

awk -v n="$N" 'BEGIN {
	srand(42)
	split("purchase Credit Debit purchase purchase", types, " ")
	split("Amazon Walmart Target Starbucks", shops, " ")
	t = 1739802920.1080043
	for (i = 0; i < n; i++) {
		t += rand() * 2
		printf "{\"id\": %d, \"user_id\": \"user_%d\", \"type\": \"%s\", \"amount\": %.7f, " \
			"\"status\": \"Completed\", \"timestamp\": %.7f, \"merchant\": \"%s\"}\n",
			100000 + i, int(rand() * 100000), types[1 + int(rand() * 5)],
			1 + rand() * 999, t, shops[1 + int(rand() * 4)]
	}
}' >"$tmp/in"
echo "input: $N records ($(wc -c <"$tmp/in") bytes), e.g. $(head -n 1 "$tmp/in")"

best=0 bkib=0 bwns=0 i=0
while [ $i -lt "$RUNS" ]; do
	run "$tmp/in" "$TXMAP" -q --round half-even
	if [ "$best" -eq 0 ] || [ "$ns" -lt "$best" ]; then best=$ns bkib=$kib bwns=$wns; fi
	i=$((i + 1))
done
wns=$bwns
txr=$(rate "$best")
row "txmap --round half-even" "$txr" "$bkib"
echo "output: $(head -n 1 "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq "$N" ] || {
	echo "bench/txmap.sh: txmap wrote $(wc -l <"$tmp/out") records, not $N" >&2
	exit 1
}

"$TXGEN" -q -n "$N" --accounts 100000 --seed 42 >"$tmp/gen"
run "$tmp/gen" "$TXMAP" -q
row "txmap on txgen's records" "$(rate "$ns")" "$kib"

if command -v jq >/dev/null 2>&1; then
	run "$tmp/in" jq -c -f "$TX_SRCDIR/bench/txmap.jq"
	jr=$(rate "$ns")
	row "jq -c -f bench/txmap.jq (anchor)" "$jr" "$kib"
	echo "jq:     $(head -n 1 "$tmp/out")"
	echo "RESULT txmap $txr jq $jr $(ratio "$txr" "$jr") $bkib"
else
	echo "bench/txmap.sh: jq not found: no ratio"
fi

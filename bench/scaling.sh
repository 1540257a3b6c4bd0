#!/bin/sh
# bench/scaling.sh: how txgen and txbal scale, in throughput and peak memory
# (/usr/bin/time -f %M), with the length of the stream (10k, 100k, 1M
# records, and 10M with TX_BENCH_LARGE=1; 1000 accounts) and with the number
# of accounts (1k, 100k, 1M; 1M records).
#
# txbal remembers transaction ids for deduplication (--window, 10 million
# by default: up to ~770 MB, txbal(1)); so that the stream-length series
# shows the ledger itself, it runs with --window 100000, and one more row at
# 1M records gives the default window's cost. Memory should stay flat in
# stream length and grow linearly in accounts (~110 bytes each, txbal(1)).
# txgen also keeps one state per account.
#
# txbal reads a file in /dev/shm (or $TMPDIR) written by txgen beforehand, so
# its rate is its own; the 10M run pipes txgen into txbal instead (1.8 GB
# would not be kept), and its txbal rate is then bounded by txgen's.
# The anchor, for the 1M-record row: the seeds' Python balance consumer
# (seedbal.py, /work/shared/anchors) on the same file.
#
# Prints SCALE <program> <records> <accounts> <window> <records/s> <peak KiB>
# rows and RESULT lines.
# Environment: TX_BENCH_LARGE=1 adds 10M records; TX_ANCHORS.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
: "${PYTHON3:=python3}"
export TX_SRCDIR TX_BUILDDIR PYTHON3
. "$TX_SRCDIR/tests/lib.sh"
anchors=${TX_ANCHORS:-$TX_SRCDIR/../shared/anchors}
tmp=$(mktemp -d "${TMPDIR:-/dev/shm}/txscale.XXXXXX" 2>/dev/null || mktemp -d)
test_atexit "cd /; rm -rf '$TRASH' '$tmp'"
now_ms() { date +%s%3N; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }'; }

# measure OUTVAR-prefix CMD...: runs CMD under time(1); sets ms and kib.
measure() {
	_t0=$(now_ms)
	/usr/bin/time -f %M -o "$tmp/mem" "$@"
	_t1=$(now_ms)
	ms=$((_t1 - _t0))
	kib=$(tail -n 1 "$tmp/mem")
}

row() {
	printf 'SCALE %-11s %9s %8s %9s %10s %9s\n' "$@"
}

printf '%-11s %9s %8s %9s %10s %9s\n' program records accounts window "records/s" "peak KiB"
sizes="10000 100000 1000000"
[ "${TX_BENCH_LARGE:-0}" = 1 ] && sizes="$sizes 10000000"
for n in $sizes; do
	if [ "$n" -le 1000000 ]; then
		measure sh -c "txgen -n $n --accounts 1000 >'$tmp/in'"
		row txgen "$n" 1000 - "$(rate "$n" "$ms")" "$kib"
		measure sh -c "txbal -q --window 100000 <'$tmp/in' >/dev/null"
		row txbal "$n" 1000 100000 "$(rate "$n" "$ms")" "$kib"
		if [ "$n" -eq 1000000 ]; then
			txbal_1m=$(rate "$n" "$ms") txbal_1m_kib=$kib
			measure sh -c "txbal -q <'$tmp/in' >/dev/null"
			row txbal "$n" 1000 10000000 "$(rate "$n" "$ms")" "$kib"
			if [ -f "$anchors/seedbal.py" ]; then
				measure sh -c "'$PYTHON3' '$anchors/seedbal.py' <'$tmp/in' >/dev/null"
				seedbal=$(rate "$n" "$ms")
				row seedbal.py "$n" 1000 - "$seedbal" "$kib"
			fi
		fi
	else
		measure sh -c "txgen -n $n --accounts 1000 >/dev/null"
		row txgen "$n" 1000 - "$(rate "$n" "$ms")" "$kib"
		measure sh -c "txgen -n $n --accounts 1000 | txbal -q --window 100000 >/dev/null"
		row txbal "$n" 1000 100000 "$(rate "$n" "$ms")" "$kib"
	fi
done
rm -f "$tmp/in"
for a in 1000 100000 1000000; do
	n=1000000
	measure sh -c "txgen -n $n --accounts $a >'$tmp/in'"
	row txgen "$n" "$a" - "$(rate "$n" "$ms")" "$kib"
	measure sh -c "txbal -q --window 100000 <'$tmp/in' >/dev/null"
	row txbal "$n" "$a" 100000 "$(rate "$n" "$ms")" "$kib"
	eval "acc_$a=\$kib"
done
if [ -n "${seedbal:-}" ]; then
	ratio=$(awk -v a="$txbal_1m" -v b="$seedbal" 'BEGIN { printf "%.1f", a / b }')
	echo "RESULT scaling-txbal-1M $txbal_1m seedbal.py $seedbal $ratio $txbal_1m_kib"
else
	echo "scaling: the anchor seedbal.py is not in $anchors"
	echo "RESULT scaling-txbal-1M $txbal_1m - - - $txbal_1m_kib"
fi
# bytes per account, from the 100k and 1M accounts rows
echo "scaling: txbal peak memory per account (1M vs 100k accounts): $(awk -v a="$acc_1000000" -v b="$acc_100000" 'BEGIN { printf "%.0f", (a - b) * 1024 / 900000 }') bytes"

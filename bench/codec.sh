#!/bin/sh
# bench/codec.sh: the record codec (tx_record_parse, tx_record_write) against
# jansson, the DOM parser txkit would otherwise use, and against jq -c ., on
# the same input in the same run.
#
# Input: TX_BENCH_RECORDS (default 1000000) records from txgen when it is
# built, else from a small generator below that writes lines of the same
# shape (~150 bytes). Each case runs TX_BENCH_RUNS times (default 3); the best
# time counts. Every case is a whole process, stdin to stdout (a file), so
# reading and writing are included for all of them alike. Rates are records
# per second of CPU time (user + system, from /usr/bin/time), as in
# bench/txbal.sh: the development machine's cores are shared, and wall-clock
# time there measures the neighbours as much as the program (the wall-clock
# seconds are printed too).
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
PY=${PYTHON3:-python3}
BENCH=$TX_BUILDDIR/bench/codec-bench
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TIME=/usr/bin/time

[ -x "$BENCH" ] || { echo "bench/codec.sh: $BENCH not built" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench/codec.sh: $TIME missing (Debian package time)" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

if [ -x "$TXGEN" ] && "$TXGEN" -q -n "$N" --seed 42 >"$dir/in.ndjson" 2>/dev/null; then
	src=txgen
else
	src="the inline generator (txgen not built)"
	"$PY" - "$N" >"$dir/in.ndjson" <<'EOF'
import random, sys
n = int(sys.argv[1])
rnd = random.Random(42)
types = ["deposit", "withdrawal", "payment", "payment", "payment", "transfer", "fee", "refund"]
cats = ["grocery", "fuel", "travel", "dining", "online"]
out = sys.stdout.write
t = 1767225600
for i in range(n):
    t += rnd.randint(0, 3)
    ty = rnd.choice(types)
    acct = rnd.randint(1, 10000)
    cents = int(rnd.lognormvariate(8, 1.2)) + 1
    ts = "2026-01-%02dT%02d:%02d:%02d.%06dZ" % (1 + t // 86400 % 28, t // 3600 % 24,
                                                 t // 60 % 60, t % 60, rnd.randint(0, 999999))
    extra = ""
    if ty == "transfer":
        extra = ',"counterparty":"ACC%05d"' % rnd.randint(1, 10000)
    elif ty == "payment":
        extra = ',"merchant":"M%04d","category":"%s"' % (rnd.randint(1, 5000), rnd.choice(cats))
    out('{"transaction_id":"tx-%010d","account":"ACC%05d","type":"%s","amount":%d.%02d,'
        '"currency":"USD","ts":"%s"%s}\n' % (i, acct, ty, cents // 100, cents % 100, ts, extra))
EOF
fi
lines=$(wc -l <"$dir/in.ndjson" | tr -d ' ')
bytes=$(wc -c <"$dir/in.ndjson" | tr -d ' ')

# best NAME CMD...: run CMD RUNS times (stdin the input, stdout a file); sets
# cpu_s (user + system seconds), wall_s and peak_kib of the run with the
# least CPU time.
best() {
	_name=$1
	shift
	cpu_s=
	wall_s=
	peak_kib=
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_t0=$(date +%s%N)
		$TIME -f '%M %U %S' -o "$dir/time" "$@" <"$dir/in.ndjson" >"$dir/out" 2>"$dir/err" || {
			echo "bench/codec.sh: $_name failed:" >&2
			sed -n "1,10p; 11{s/.*/.../p;q}" "$dir/err" >&2
			exit 1
		}
		_t1=$(date +%s%N)
		_s=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		read -r _kib _u _sys <"$dir/time"
		_c=$(awk -v u="$_u" -v s="$_sys" 'BEGIN { printf "%.2f", u + s }')
		if [ -z "$cpu_s" ] || awk -v a="$_c" -v b="$cpu_s" 'BEGIN { exit !(a < b) }'; then
			cpu_s=$_c
			wall_s=$_s
			peak_kib=$_kib
		fi
		_i=$((_i + 1))
	done
}

rate() {
	awk -v n="$lines" -v s="$1" 'BEGIN { if (s <= 0) s = 0.01; printf "%d", n / s }'
}

row() {
	printf '%-34s %10s %8s %12s %10s\n' "$1" "$wall_s" "$cpu_s" "$(rate "$cpu_s")" "$peak_kib"
}

echo "input: $lines records ($bytes bytes) from $src; best of $RUNS runs"
printf '%-34s %10s %8s %12s %10s\n' case "wall s" "cpu s" "records/s" "peak KiB"

best parse "$BENCH" parse
row "codec parse"
read -r _n bad _sum <"$dir/err"
[ "$bad" = 0 ] || echo "bench/codec.sh: warning: the codec rejected $bad records" >&2
p_rate=$(rate "$cpu_s") p_peak=$peak_kib

best write "$BENCH" write
row "codec parse+write (canonical, +2)"
w_rate=$(rate "$cpu_s") w_peak=$peak_kib

best jansson-parse "$BENCH" jansson-parse
row "jansson parse"
jp_rate=$(rate "$cpu_s")

best jansson-dump "$BENCH" jansson-dump
row "jansson parse+dump"
jd_rate=$(rate "$cpu_s")

if command -v jq >/dev/null 2>&1; then
	best jq jq -c .
	row "jq -c ."
	jq_rate=$(rate "$cpu_s")
else
	echo "bench/codec.sh: jq not found: no jq row" >&2
	jq_rate=
fi

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'
}
echo "RESULT codec-parse $p_rate jansson-parse $jp_rate $(ratio "$p_rate" "$jp_rate") $p_peak"
echo "RESULT codec-parse+write $w_rate jansson-parse+dump $jd_rate $(ratio "$w_rate" "$jd_rate") $w_peak"
[ -z "$jq_rate" ] ||
	echo "RESULT codec-parse+write $w_rate jq-c $jq_rate $(ratio "$w_rate" "$jq_rate") $w_peak"

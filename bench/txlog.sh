#!/bin/sh
# bench/txlog.sh: txlog writing log lines to a file, against a Python logging
# consumer written the way the seeds write theirs (json.loads per line, an
# f-string per record, print), on the same input in the same run.
#
# Input: TX_BENCH_RECORDS (default 1000000) records from txgen, passed through
# txbal when it runs (so balances, statuses and alerts are in the lines, as in
# the main job txsub | txbal | txlog). Each case runs TX_BENCH_RUNS times
# (default 3); the best time counts. Prints a row per case and RESULT lines.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
PY=${PYTHON3:-python3}
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TXBAL=$TX_BUILDDIR/src/txbal/txbal
TXLOG=$TX_BUILDDIR/src/txlog/txlog
TIME=/usr/bin/time

[ -x "$TXLOG" ] || { echo "bench/txlog.sh: $TXLOG not built" >&2; exit 1; }
[ -x "$TXGEN" ] || { echo "bench/txlog.sh: $TXGEN not built" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench/txlog.sh: $TIME missing (Debian package time)" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$TXGEN" -q -n "$N" --seed 42 >"$dir/gen.ndjson"
if [ -x "$TXBAL" ] && "$TXBAL" -q <"$dir/gen.ndjson" >"$dir/in.ndjson" 2>"$dir/txbal.err"; then
	src="txgen | txbal"
else
	mv "$dir/gen.ndjson" "$dir/in.ndjson"
	src="txgen (txbal not available)"
fi
rm -f "$dir/gen.ndjson"
lines=$(wc -l <"$dir/in.ndjson" | tr -d ' ')
bytes=$(wc -c <"$dir/in.ndjson" | tr -d ' ')

# The anchor: what the seeds' logging consumers do, per line.
cat >"$dir/seedlog.py" <<'EOF'
import json, sys
for line in sys.stdin:
    t = json.loads(line)
    alerts = ",".join(t.get("alerts", []))
    print(f"{t.get('ts')} {t['account']} {t.get('type')} {t.get('amount')} "
          f"{t.get('currency', 'USD')} bal {t.get('new_balance')} "
          f"{t.get('status', 'completed')} {alerts}")
EOF

# best NAME CMD...: run CMD (stdin is the input, stdout a file) RUNS times;
# sets best_s (wall seconds), cpu_s (user+system seconds) and peak_kib of
# the best run. The rate is from wall time; CPU time is shown beside it
# because the machine may be shared (a loaded machine stretches wall time).
best() {
	_name=$1
	shift
	best_s=
	cpu_s=
	peak_kib=
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		$TIME -f '%e %M %U %S' -o "$dir/time" "$@" <"$dir/in.ndjson" >"$dir/out" 2>/dev/null || {
			echo "bench/txlog.sh: $_name failed" >&2
			exit 1
		}
		read -r _s _kib _u _sys <"$dir/time"
		if [ -z "$best_s" ] || awk -v a="$_s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
			best_s=$_s
			peak_kib=$_kib
			cpu_s=$(awk -v u="$_u" -v s="$_sys" 'BEGIN { printf "%.2f", u + s }')
		fi
		_i=$((_i + 1))
	done
	out_lines=$(wc -l <"$dir/out" | tr -d ' ')
}

rate() {
	awk -v n="$lines" -v s="$1" 'BEGIN { if (s <= 0) s = 0.01; printf "%d", n / s }'
}

echo "input: $lines records ($bytes bytes) from $src; best of $RUNS runs"
printf '%-34s %8s %12s %8s %12s %9s %10s\n' case wall-s "records/s" cpu-s "cpu rec/s" "peak KiB" "lines out"

best anchor "$PY" "$dir/seedlog.py"
anchor_s=$best_s
anchor_rate=$(rate "$anchor_s")
printf '%-34s %8s %12s %8s %12s %9s %10s\n' "python seedlog.py > file" "$anchor_s" "$anchor_rate" \
	"$cpu_s" "$(rate "$cpu_s")" "$peak_kib" "$out_lines"

report() { # report RESULT-NAME LABEL
	_rate=$(rate "$best_s")
	_ratio=$(awk -v a="$_rate" -v b="$anchor_rate" 'BEGIN { printf "%.1f", a / b }')
	printf '%-34s %8s %12s %8s %12s %9s %10s\n' "$2" "$best_s" "$_rate" "$cpu_s" "$(rate "$cpu_s")" \
		"$peak_kib" "$out_lines"
	results="$results
RESULT $1 $_rate seedlog.py $anchor_rate $_ratio $peak_kib"
}
results=

best txlog "$TXLOG" -q
report txlog "txlog > file"
best txlog-format "$TXLOG" -q -f '{ts} {account:-10} {signed_amount:12} {currency} {status} {alerts}'
report txlog-format "txlog -f TEMPLATE > file"
best txlog-tee "$TXLOG" -q --tee --out "$dir/tee.log"
report txlog-tee "txlog --tee --out log > file"
best txlog-alerts "$TXLOG" -q --alerts-only
report txlog-alerts-only "txlog --alerts-only > file"

echo "$results" | sed '/^$/d'

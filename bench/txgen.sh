#!/bin/sh
# bench/txgen.sh: txgen's records per second to /dev/null, against the
# anchor seedgen.py (a generator written the way the seeds write theirs:
# random.choice, uuid4, datetime.now, json.dumps per record) in the same run,
# and txgen --paysim against a csv.DictReader + json.dumps replay of the same
# PaySim rows.
#
# Sizes: txgen writes TX_BENCH_RECORDS records (default 1000000), the Python
# programs a tenth of that (they are the slow side; rates are compared).
# Each case runs TX_BENCH_RUNS times (default 3); the median counts.
# The anchors come from ${TX_ANCHORS:-$TX_SRCDIR/../shared/anchors}.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
PY=${PYTHON3:-python3}
ANCHORS=${TX_ANCHORS:-$TX_SRCDIR/../shared/anchors}
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TIME=/usr/bin/time
PYN=$((N / 10))
[ "$PYN" -ge 1 ] || PYN=1

[ -x "$TXGEN" ] || { echo "bench/txgen.sh: $TXGEN not built" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench/txgen.sh: $TIME missing (Debian package time)" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# median NAME CMD...: run CMD (stdout to /dev/null) RUNS times; sets wall_s
# and cpu_s (median wall and CPU seconds, wall timed by the nanosecond clock)
# and peak_kib (the largest resident set of the runs).
median() {
	_name=$1
	shift
	: >"$dir/walls"
	: >"$dir/cpus"
	peak_kib=0
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_t0=$(date +%s%N)
		$TIME -f '%M %U %S' -o "$dir/time" "$@" >/dev/null 2>"$dir/err" || {
			echo "bench/txgen.sh: $_name failed:" >&2
			sed -n "1,10p; 11{s/.*/.../p;q}" "$dir/err" >&2
			exit 1
		}
		_t1=$(date +%s%N)
		read -r _kib _u _s <"$dir/time"
		echo $((_t1 - _t0)) >>"$dir/walls"
		awk -v u="$_u" -v s="$_s" 'BEGIN { printf "%.2f\n", u + s }' >>"$dir/cpus"
		[ "$_kib" -le "$peak_kib" ] || peak_kib=$_kib
		_i=$((_i + 1))
	done
	wall_s=$(sort -n "$dir/walls" | awk '{ v[NR] = $1 } END { printf "%.4f", v[int((NR + 1) / 2)] / 1e9 }')
	cpu_s=$(sort -n "$dir/cpus" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
}

rate() { # rate RECORDS SECONDS
	awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.0001; printf "%d", n / s }'
}

row() { # row LABEL RECORDS
	printf '%-44s %9s %8s %12s %8s %12s %9s\n' "$1" "$2" "$wall_s" "$(rate "$2" "$wall_s")" \
		"$cpu_s" "$(awk -v n="$2" -v s="$cpu_s" 'BEGIN { if (s > 0) printf "%d", n / s; else print "-" }')" \
		"$peak_kib"
}

echo "txgen: $N records, Python anchors: $PYN records; median of $RUNS runs; output to /dev/null"
# records/s is from wall time (what RESULT reports); cpu rec/s from user+system
# time, which a loaded machine does not stretch (10 ms resolution).
printf '%-44s %9s %8s %12s %8s %12s %9s\n' case records wall-s "records/s" cpu-s "cpu rec/s" \
	"peak KiB"

if [ -f "$ANCHORS/seedgen.py" ]; then
	median seedgen "$PY" "$ANCHORS/seedgen.py" "$PYN"
	row "python3 seedgen.py (anchor)" "$PYN"
	anchor_rate=$(rate "$PYN" "$wall_s")
else
	echo "bench/txgen.sh: anchor $ANCHORS/seedgen.py not found (set TX_ANCHORS): no ratio" >&2
	anchor_rate=
fi

results=
result() { # result NAME RECORDS ANCHOR ANCHOR-RATE
	_r=$(rate "$2" "$wall_s")
	if [ -n "$4" ]; then
		_ratio=$(awk -v a="$_r" -v b="$4" 'BEGIN { printf "%.1f", a / b }')
	else
		_ratio=-
	fi
	results="$results
RESULT $1 $_r $3 ${4:--} $_ratio $peak_kib"
}

median txgen "$TXGEN" -n "$N"
row "txgen -n N" "$N"
result txgen "$N" seedgen.py "$anchor_rate"

median txgen-lifecycle "$TXGEN" -n "$N" --pending 0.05 --deletes 0.01 --duplicates 0.01 \
	--anomalies 0.01 --currency USD,EUR,JPY
row "txgen -n N --pending/deletes/dups/anomalies" "$N"
result txgen-lifecycle "$N" seedgen.py "$anchor_rate"

# PaySim replay: the sample's rows repeated, one step per 100 rows.
awk -v n="$PYN" -F, 'NR == 1 { print; next } { row[++k] = $0 }
	END { for (i = 0; i < n; i++) { $0 = row[i % k + 1]; $1 = int(i / 100) + 1; print } }' OFS=, \
	"$TX_SRCDIR/examples/data/paysim-sample.csv" >"$dir/paysim.csv"
cat >"$dir/seedpaysim.py" <<'PYEOF'
# A PaySim replay the way the seeds write theirs: csv.DictReader, a dict, json.dumps.
import csv, json, sys
from datetime import datetime, timedelta, timezone
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
kinds = {"CASH_IN": "deposit", "CASH_OUT": "withdrawal", "DEBIT": "withdrawal",
         "PAYMENT": "payment", "TRANSFER": "transfer"}
out = sys.stdout
for i, row in enumerate(csv.DictReader(open(sys.argv[1])), 2):
    tx = {"transaction_id": f"ps-{i}", "account": row["nameOrig"], "type": kinds[row["type"]],
          "amount": float(row["amount"]), "currency": "USD",
          "ts": (start + timedelta(hours=int(row["step"]) - 1)).isoformat(), "status": "completed"}
    if row["type"] == "TRANSFER":
        tx["counterparty"] = row["nameDest"]
    if row["isFraud"] == "1":
        tx["anomaly"] = "paysim_fraud"
    out.write(json.dumps(tx) + "\n")
PYEOF
median seedpaysim "$PY" "$dir/seedpaysim.py" "$dir/paysim.csv"
row "python3 csv+json.dumps PaySim replay (anchor)" "$PYN"
paysim_anchor=$(rate "$PYN" "$wall_s")
median txgen-paysim "$TXGEN" -q --paysim "$dir/paysim.csv"
row "txgen --paysim" "$PYN"
result txgen-paysim "$PYN" seedpaysim.py "$paysim_anchor"

echo "$results" | sed '/^$/d'

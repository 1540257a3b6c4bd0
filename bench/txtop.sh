#!/bin/sh
# bench/txtop.sh: the cost of txtop --tee in a pipeline, against cat, over
# the same file in the same run. The target (issue 8): txtop's pass-through
# throughput at most 10% below cat's.
#
# Input: TX_BENCH_RECORDS (default 1000000) records from txgen (a Python
# generator when txgen is not built). Cases, each run TX_BENCH_RUNS times
# (default 5), best wall time counts:
#   cat <in >/dev/null                               the anchor
#   txtop --tee --once <in >/dev/null                 headless (summary on stderr)
#   txtop --tee --exit-at-eof <in >/dev/null          with the dashboard drawn,
#                                                     in a tmux pane (if tmux is here)
# Prints a row per case (wall, CPU = user + system, peak memory) and RESULT lines.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-5}
PY=${PYTHON3:-python3}
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TXTOP=$TX_BUILDDIR/src/txtop/txtop

[ -x "$TXTOP" ] || { echo "bench/txtop.sh: $TXTOP not built" >&2; exit 1; }
command -v "$PY" >/dev/null || { echo "bench/txtop.sh: python3 is needed to time the runs" >&2; exit 1; }

dir=$(mktemp -d)
sock="$dir/tmux.sock"
trap 'tmux -S "$sock" kill-server >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

if [ -x "$TXGEN" ]; then
	"$TXGEN" -q -n "$N" --seed 42 >"$dir/in.ndjson"
	src=txgen
else
	"$PY" - "$N" >"$dir/in.ndjson" <<'EOF'
import random, sys
r = random.Random(42)
types = ["deposit", "withdrawal", "payment", "transfer", "fee", "refund"]
out = sys.stdout
for i in range(int(sys.argv[1])):
    t = r.choice(types)
    cp = ',"counterparty":"ACC%06d"' % r.randrange(1000) if t == "transfer" else ""
    out.write('{"transaction_id":"tx-%d","account":"ACC%06d","type":"%s","amount":%d.%02d,'
              '"currency":"USD","ts":"2026-01-01T00:%02d:%02d.000000Z","status":"completed"%s}\n'
              % (i, r.randrange(1000), t, r.randrange(5000), r.randrange(100), i // 60 % 60, i % 60, cp))
EOF
	src="a Python generator (txgen not built)"
fi
lines=$(wc -l <"$dir/in.ndjson" | tr -d ' ')
bytes=$(wc -c <"$dir/in.ndjson" | tr -d ' ')

# run.py RUNS INPUT CMD...: run CMD RUNS times (stdin the input, stdout
# /dev/null, stderr discarded); print the best wall seconds, the CPU seconds
# of that run, and the peak RSS in KiB measured by one more run under
# time(1) (a forked Python's own RSS would count in ru_maxrss). Timing here
# rather than with time(1): cat takes a few hundredths of a second, below
# time(1)'s resolution.
cat >"$dir/run.py" <<'EOF'
import os, sys, time
runs, path, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
best = None
peak = 0
for _ in range(runs):
    fin = os.open(path, os.O_RDONLY)
    fout = os.open("/dev/null", os.O_WRONLY)
    ferr = os.open("/dev/null", os.O_WRONLY)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(fin, 0); os.dup2(fout, 1); os.dup2(ferr, 2)
        os.execvp(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    for fd in (fin, fout, ferr):
        os.close(fd)
    if status != 0:
        sys.exit("bench/txtop.sh: %s exited with status %d" % (" ".join(cmd), status >> 8))
    if best is None or wall < best[0]:
        best = (wall, ru.ru_utime + ru.ru_stime)
if os.access("/usr/bin/time", os.X_OK):
    import subprocess, tempfile
    with tempfile.NamedTemporaryFile("r") as t, open(path, "rb") as fin, \
            open(os.devnull, "wb") as null:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd,
                       stdin=fin, stdout=null, stderr=null, check=True)
        peak = int(t.read().split()[-1])
print("%.4f %.4f %d" % (best[0], best[1], peak))
EOF

echo "input: $lines records, $bytes bytes, from $src; best of $RUNS runs"
printf '%-34s %10s %8s %12s %8s %10s\n' case "wall s" "CPU s" "records/s" "vs cat" "peak KiB"

row() { # row NAME WALL CPU PEAK
	_rate=$(awk -v n="$lines" -v s="$2" 'BEGIN { printf "%d", n / s }')
	_ratio=$(awk -v s="$2" -v a="$cat_s" 'BEGIN { printf "%.3f", a / s }')
	printf '%-34s %10s %8s %12s %7sx %10s\n' "$1" "$2" "$3" "$_rate" "$_ratio" "$4"
}

read -r cat_s cat_cpu cat_kib <<EOF
$("$PY" "$dir/run.py" "$RUNS" "$dir/in.ndjson" cat)
EOF
cat_rate=$(awk -v n="$lines" -v s="$cat_s" 'BEGIN { printf "%d", n / s }')
row "cat (anchor)" "$cat_s" "$cat_cpu" "$cat_kib"

read -r top_s top_cpu top_kib <<EOF
$("$PY" "$dir/run.py" "$RUNS" "$dir/in.ndjson" "$TXTOP" --tee --once)
EOF
row "txtop --tee --once (headless)" "$top_s" "$top_cpu" "$top_kib"
ratio=$(awk -v s="$top_s" -v a="$cat_s" 'BEGIN { printf "%.3f", a / s }')
echo "RESULT txtop-tee $(awk -v n="$lines" -v s="$top_s" 'BEGIN { printf "%d", n / s }') cat $cat_rate $ratio $top_kib"

if command -v tmux >/dev/null 2>&1; then
	# The dashboard drawn for real: the timing harness runs inside a pane.
	tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 40 \
		"LC_ALL=C.UTF-8 $PY $dir/run.py $RUNS $dir/in.ndjson $TXTOP --tee --exit-at-eof >$dir/dash 2>$dir/dash.err; touch $dir/dash.done"
	_i=0
	while [ ! -f "$dir/dash.done" ] && [ $_i -lt 1200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ -s "$dir/dash" ]; then
		read -r dash_s dash_cpu dash_kib <"$dir/dash"
		row "txtop --tee (dashboard, tmux)" "$dash_s" "$dash_cpu" "$dash_kib"
		ratio=$(awk -v s="$dash_s" -v a="$cat_s" 'BEGIN { printf "%.3f", a / s }')
		echo "RESULT txtop-tee-dashboard $(awk -v n="$lines" -v s="$dash_s" 'BEGIN { printf "%d", n / s }') cat $cat_rate $ratio $dash_kib"
	else
		echo "bench/txtop.sh: the dashboard run under tmux failed: $(cat "$dir/dash.err" 2>/dev/null)" >&2
	fi
else
	echo "(tmux not installed: the run with the dashboard drawn is skipped)"
fi
echo "target: txtop --tee within 10% of cat (ratio >= 0.909)"

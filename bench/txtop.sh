#!/bin/sh
# bench/txtop.sh: the cost of txtop --tee in a pipeline, against cat, over
# the same file in the same run. The target (issue 8): txtop's pass-through
# throughput at most 10% below cat's.
#
# Input: TX_BENCH_RECORDS (default 1000000) records from txgen (a Python
# generator when txgen is not built). Cases, each run TX_BENCH_RUNS times
# (default 9), in turn with cat, best wall time counts:
#   cat <in >/dev/null                               the anchor
#   txtop --tee --once <in >/dev/null                 headless (summary on stderr)
#   txtop --tee --exit-at-eof <in >/dev/null          with the dashboard drawn,
#                                                     in a tmux pane (if tmux is here)
#   txtop --tee --exit-at-eof --http 127.0.0.1:0      with the web page open in
#                                                     headless Chromium (if installed)
# Prints a row per case (wall, CPU = user + system, peak memory) and RESULT lines.
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-9}
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

# run.py RUNS INPUT NAME CMD [-- NAME CMD ...]: run the commands in turn,
# RUNS rounds (stdin the input, stdout /dev/null, stderr discarded), so that
# a busy machine slows all of them alike; for each, print its name, the best
# wall seconds, the CPU seconds (user + system) of that run, and the peak
# RSS in KiB from one more run under time(1) (in ru_maxrss, the RSS of the
# forked Python would count). Timing here rather than with time(1): cat takes
# a few hundredths of a second, below time(1)'s resolution.
cat >"$dir/run.py" <<'EOF'
import os, subprocess, sys, tempfile, time
runs, path, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
cmds, cur = [], []
for a in args + ["--"]:
    if a == "--":
        cmds.append((cur[0], cur[1:]))
        cur = []
    else:
        cur.append(a)
best = {}
for _ in range(runs):
    for name, cmd in cmds:
        fin = os.open(path, os.O_RDONLY)
        null = os.open(os.devnull, os.O_WRONLY)
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.dup2(fin, 0); os.dup2(null, 1); os.dup2(null, 2)
            os.execvp(cmd[0], cmd)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        os.close(fin); os.close(null)
        if status != 0:
            sys.exit("bench/txtop.sh: %s exited with status %d" % (" ".join(cmd), status >> 8))
        if name not in best or wall < best[name][0]:
            best[name] = (wall, ru.ru_utime + ru.ru_stime)
for name, cmd in cmds:
    peak = 0
    if os.access("/usr/bin/time", os.X_OK):
        with tempfile.NamedTemporaryFile("r") as t, open(path, "rb") as fin, \
                open(os.devnull, "wb") as null:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd,
                           stdin=fin, stdout=null, stderr=null, check=True)
            peak = int(t.read().split()[-1])
    print("%s %.4f %.4f %d" % (name, best[name][0], best[name][1], peak))
EOF

echo "input: $lines records, $bytes bytes, from $src; best of $RUNS runs"
printf '%-34s %10s %8s %12s %8s %10s\n' case "wall s" "CPU s" "records/s" "vs cat" "peak KiB"

row() { # row NAME WALL CPU PEAK ANCHOR-WALL
	_rate=$(awk -v n="$lines" -v s="$2" 'BEGIN { printf "%d", n / s }')
	_ratio=$(awk -v s="$2" -v a="$5" 'BEGIN { printf "%.3f", a / s }')
	printf '%-34s %10s %8s %12s %7sx %10s\n' "$1" "$2" "$3" "$_rate" "$_ratio" "$4"
}
rate() { awk -v n="$lines" -v s="$1" 'BEGIN { printf "%d", n / s }'; }
ratio() { awk -v s="$1" -v a="$2" 'BEGIN { printf "%.3f", a / s }'; }

"$PY" "$dir/run.py" "$RUNS" "$dir/in.ndjson" cat cat -- txtop "$TXTOP" --tee --once >"$dir/headless"
read -r _ cat_s cat_cpu cat_kib <<EOF
$(grep '^cat ' "$dir/headless")
EOF
read -r _ top_s top_cpu top_kib <<EOF
$(grep '^txtop ' "$dir/headless")
EOF
row "cat (anchor)" "$cat_s" "$cat_cpu" "$cat_kib" "$cat_s"
row "txtop --tee --once (headless)" "$top_s" "$top_cpu" "$top_kib" "$cat_s"
echo "RESULT txtop-tee $(rate "$top_s") cat $(rate "$cat_s") $(ratio "$top_s" "$cat_s") $top_kib"

if command -v tmux >/dev/null 2>&1; then
	# The dashboard drawn for real: the timing harness runs inside a pane,
	# cat in turn with txtop there too.
	tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 40 \
		"LC_ALL=C.UTF-8 $PY $dir/run.py $RUNS $dir/in.ndjson cat cat -- txtop $TXTOP --tee --exit-at-eof >$dir/dash 2>$dir/dash.err; touch $dir/dash.done"
	_i=0
	while [ ! -f "$dir/dash.done" ] && [ $_i -lt 1200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if grep -q '^txtop ' "$dir/dash" 2>/dev/null; then
		read -r _ dcat_s dcat_cpu dcat_kib <<EOF
$(grep '^cat ' "$dir/dash")
EOF
		read -r _ dash_s dash_cpu dash_kib <<EOF
$(grep '^txtop ' "$dir/dash")
EOF
		row "cat (anchor, in the tmux pane)" "$dcat_s" "$dcat_cpu" "$dcat_kib" "$dcat_s"
		row "txtop --tee (dashboard in tmux)" "$dash_s" "$dash_cpu" "$dash_kib" "$dcat_s"
		echo "RESULT txtop-tee-dashboard $(rate "$dash_s") cat $(rate "$dcat_s") $(ratio "$dash_s" "$dcat_s") $dash_kib"
	else
		echo "bench/txtop.sh: the dashboard run under tmux failed: $(cat "$dir/dash.err" 2>/dev/null)" >&2
	fi
else
	echo "(tmux not installed: the run with the dashboard drawn is skipped)"
fi
# The web page (issue 16): txtop --tee --http with headless Chromium showing
# the page, against cat, both fed the file through a pipe by the same
# Python loop (the browser must connect before the records flow, so the
# harness starts each run, waits for the page's first frame, then feeds).
if command -v chromium >/dev/null 2>&1; then
	cat >"$dir/http.py" <<'EOF'
import os, subprocess, sys, tempfile, time
runs, path, txtop, srcdir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sys.path.insert(0, os.path.join(srcdir, "tests"))
import cdp

def one(cmd, tab):
    r, w = os.pipe()
    err = tempfile.NamedTemporaryFile("w+")
    p = subprocess.Popen(cmd, stdin=r, stdout=subprocess.DEVNULL, stderr=err)
    os.close(r)
    if tab:
        url = None
        for _ in range(200):
            err.seek(0)
            for line in err:
                if "dashboard is on " in line:
                    url = line.split("dashboard is on ")[1].strip()
            if url:
                break
            time.sleep(0.05)
        tab.goto(url)
        tab.wait("document.body.dataset.frames >= 1")
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while os.sendfile(w, f.fileno(), None, 1 << 20) > 0:
            pass
    os.close(w)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit("bench/txtop.sh: %s exited with status %d" % (" ".join(cmd), status >> 8))
    return wall, ru.ru_utime + ru.ru_stime

best = {}
with cdp.Chrome() as c:
    tab = c.tab(1024, 768)
    for _ in range(runs):
        for name, cmd, t in (("cat", ["cat"], None),
                             ("txtop", [txtop, "--tee", "--exit-at-eof", "--http", "127.0.0.1:0"], tab)):
            wall, cpu = one(cmd, t)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
for name in ("cat", "txtop"):
    print("%s %.4f %.4f 0" % (name, best[name][0], best[name][1]))
EOF
	if "$PY" "$dir/http.py" "$RUNS" "$dir/in.ndjson" "$TXTOP" "$TX_SRCDIR" >"$dir/http" 2>"$dir/http.err"; then
		read -r _ hcat_s hcat_cpu _ <<EOF
$(grep '^cat ' "$dir/http")
EOF
		read -r _ http_s http_cpu _ <<EOF
$(grep '^txtop ' "$dir/http")
EOF
		row "cat (anchor, fed through a pipe)" "$hcat_s" "$hcat_cpu" "-" "$hcat_s"
		row "txtop --tee --http, page open" "$http_s" "$http_cpu" "-" "$hcat_s"
		echo "RESULT txtop-tee-http $(rate "$http_s") cat $(rate "$hcat_s") $(ratio "$http_s" "$hcat_s") 0"
	else
		echo "bench/txtop.sh: the run with a browser failed: $(tail -n 3 "$dir/http.err")" >&2
	fi
else
	echo "(chromium not installed: the run with the web page open is skipped)"
fi
echo "target: txtop --tee within 10% of cat (ratio >= 0.909)"

#!/bin/sh
# txtop --http: the dashboard as a live web page, updated over Server-Sent
# Events, loaded by headless Chromium while a stream flows: the figures it
# shows at two moments (they move, and end equal to txtop --once), the
# layout at three sizes (no text overlaps another or is cut off), the
# self-contained page, the token rule.
. "$TX_SRCDIR/tests/lib.sh"
test_need microhttpd

command -v "$PYTHON3" >/dev/null 2>&1 || test_skip_all 'python3 is needed to drive the browser'
command -v chromium >/dev/null 2>&1 ||
	test_skip_all 'chromium is not installed (Debian package chromium)'

test_atexit '[ -f txtop.pid ] && kill $(cat txtop.pid) 2>/dev/null; true'

txgen -n 4000 --seed 11 | txbal 2>/dev/null >in.ndjson
head -n 2000 in.ndjson >part1
tail -n +2001 in.ndjson >part2

# start_txtop ARGS...: txtop ARGS </dev/null in the background (headless, it
# serves on after the end of its input); $url is its page.
start_txtop() {
	rm -f err &&
		{ txtop "$@" </dev/null >summary 2>err & echo $! >txtop.pid; } &&
		_i=0 && while ! grep -q "dashboard is on" err 2>/dev/null && [ $_i -lt 100 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done &&
		url=$(sed -n "s/^txtop: the dashboard is on \(http[^ ]*\)$/\1/p" err) &&
		echo "page at $url" && test -n "$url"
}

# moments.py: start txtop --http on a pipe, write part1 into it, read the
# page (moment 1), write part2 and close, read it again (moment 2);
# screenshots of both, the figures as JSON, and how many frames came in 3 s.
# txtop serves on: its pid in txtop.pid, its page in url.
cat >moments.py <<'PY'
import json, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
import cdp
t_start = time.monotonic()
p = subprocess.Popen(["txtop", "--http", "127.0.0.1:0"], stdin=subprocess.PIPE,
                     stdout=open("summary", "w"), stderr=open("err", "w"), text=True)
open("txtop.pid", "w").write("%d\n" % p.pid)
url = None
for _ in range(100):
    for line in open("err"):
        if "dashboard is on " in line:
            url = line.split("dashboard is on ")[1].strip()
    if url:
        break
    time.sleep(0.1)
open("url", "w").write(url + "\n")
fifo = p.stdin
with cdp.Chrome() as c:
    t = c.tab(1024, 768)
    fifo.write(open("part1").read()); fifo.flush()
    t.goto(url)
    t.wait("document.body.dataset.frames >= 1 && +document.querySelector('#totals').dataset.records == 2000")
    one = t.eval(cdp.FIGURES_JS)
    t.screenshot("moment1.png")
    fifo.write(open("part2").read()); fifo.close()
    open("inputsecs", "w").write("%.2f\n" % (time.monotonic() - t_start))
    t.wait("+document.querySelector('#totals').dataset.records == 4000")
    f0 = t.eval("+document.body.dataset.frames")
    time.sleep(3)
    f1 = t.eval("+document.body.dataset.frames")
    two = t.eval(cdp.FIGURES_JS)
    t.screenshot("moment2.png")
json.dump(one, open("figures1.json", "w"), sort_keys=True)
json.dump(two, open("figures2.json", "w"), sort_keys=True)
print("moment 1", json.dumps(one, sort_keys=True))
print("moment 2", json.dumps(two, sort_keys=True))
print("frames in 3 s:", f1 - f0)
PY

# compare.py SUMMARY FIGURES.json: the page's figures equal the summary's.
cat >compare.py <<'PY'
import json, re, sys
want = {}
for line in open(sys.argv[1]):
    m = re.match(r"records: ([\d,]+) \(lines [\d,]+, bad ([\d,]+)", line)
    if m:
        want["records"], want["bad"] = (int(x.replace(",", "")) for x in m.groups())
    m = re.match(r"  (\w+) +([\d,]+) +[\d.]+%$", line)
    if m:
        want[m.group(1)] = int(m.group(2).replace(",", ""))
    m = re.match(r"alerts: ([\d,]+)$", line)
    if m:
        want["alerts"] = int(m.group(1).replace(",", ""))
got = json.load(open(sys.argv[2]))
bad = [k for k in want if got.get(k) != want[k]]
for k in sorted(want):
    print(k, want[k], got.get(k))
sys.exit(1 if bad or len(want) < 10 else 0)
PY

test_expect_success 'the page follows the stream: two moments, counts as txtop --once' '
	txtop --once in.ndjson >expect &&
	"$PYTHON3" moments.py "$TX_SRCDIR/tests" >moments &&
	cat moments && url=$(cat url) &&
	"$PYTHON3" compare.py expect figures2.json &&
	"$PYTHON3" -c "import json; a = json.load(open(\"figures1.json\")); b = json.load(open(\"figures2.json\")); assert a[\"records\"] == 2000 and b[\"records\"] == 4000 and a[\"payment\"] < b[\"payment\"], (a, b)" &&
	test -s moment1.png && test -s moment2.png
'

# issue 16: at most a few updates a second, whatever the input rate
test_expect_success 'at most two frames a second' '
	n=$(sed -n "s/^frames in 3 s: //p" moments) &&
	test "$n" -ge 1 && test "$n" -le 7
'

test_expect_success 'no text overlaps or is cut off: phone, laptop, desktop' '
	url=$(cat url) &&
	for size in 390x844 1024x768 1920x1080; do
		"$PYTHON3" "$TX_SRCDIR/tests/cdp.py" overlaps "$url" $size page-$size.png >overlaps-$size &&
		echo "$size: $(cat overlaps-$size)" &&
		grep "^ok " overlaps-$size || return 1
	done
'

test_expect_success 'the phone gets the one-column layout' '
	url=$(cat url) &&
	cat >layout.py <<-PY &&
	import sys
	sys.path.insert(0, "$TX_SRCDIR/tests")
	import cdp
	with cdp.Chrome() as c:
	    for w, h in ((390, 844), (1024, 768)):
	        t = c.tab(w, h, mobile=w < 700)
	        t.goto("$url")
	        t.wait("document.querySelector(\"svg\") !== null")
	        print(w, t.eval("document.querySelector(\"svg\").dataset.width"))
	PY
	"$PYTHON3" layout.py >layout &&
	cat layout &&
	grep "^390 420$" layout &&
	grep "^1024 960$" layout
'

test_expect_success 'the page is self-contained: nothing from elsewhere' '
	url=$(cat url) &&
	"$PYTHON3" -c "import urllib.request, sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())" "$url" >page.html &&
	grep -q "EventSource" page.html &&
	"$PYTHON3" -c "import urllib.request, sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())" "${url}dash.svg" >dash.svg &&
	grep -q "id=\"totals\" data-records=\"4000\"" dash.svg &&
	! grep -E "https?://|<link|src=|@import|url\\(" page.html
'

test_expect_success 'headless: SIGTERM stops it, the summary printed' '
	kill $(cat txtop.pid) &&
	_i=0 && while kill -0 $(cat txtop.pid) 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done &&
	! kill -0 $(cat txtop.pid) 2>/dev/null &&
	grep "^records: 4,000 " summary &&
	# the rate is over the input (a pipe: the run until its end), not the
	# seconds the page was served after it
	cat summary | sed -n "s/^rate: .* over \([0-9.]*\) s$/\1/p" >secs &&
	echo "rate over $(cat secs) s, input open for $(cat inputsecs) s" &&
	test "$(awk -v a="$(cat secs)" -v b="$(cat inputsecs)" "BEGIN { print (a > 0 && a <= b + 0.5) }")" = 1
'

# --tee and --http at once: every byte passed on, the page served meanwhile
test_expect_success '--tee --http: the records pass through, the page is served' '
	cat >tee.py <<-PY &&
	import subprocess, sys, time, urllib.request
	p = subprocess.Popen(["txtop", "--tee", "--http", "127.0.0.1:0"], stdin=subprocess.PIPE,
	                     stdout=open("passed", "w"), stderr=open("tee.err", "w"))
	url = None
	for _ in range(100):
	    url = ([l.split("dashboard is on ")[1].strip() for l in open("tee.err") if "dashboard is on " in l] or [None])[0]
	    if url:
	        break
	    time.sleep(0.1)
	p.stdin.write(open("part1", "rb").read()); p.stdin.flush()
	time.sleep(0.6)
	svg = urllib.request.urlopen(url + "dash.svg").read().decode()
	print("served", "data-records=" in svg, urllib.request.urlopen(url).status)
	p.stdin.write(open("part2", "rb").read()); p.stdin.close()
	time.sleep(0.3)
	p.terminate(); p.wait()
	PY
	"$PYTHON3" tee.py >tee.out &&
	cat tee.out &&
	grep "^served True 200$" tee.out &&
	cmp in.ndjson passed
'

cat >get.py <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1])
if len(sys.argv) > 2:
    req.add_header("Authorization", "Bearer " + sys.argv[2])
try:
    print(urllib.request.urlopen(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY

test_expect_success 'tokens: none, wrong, bearer, ?token=' '
	echo "s3cret-token" >tokens && chmod 600 tokens &&
	start_txtop --http 127.0.0.1:0 --token-file tokens &&
	test "$("$PYTHON3" get.py "$url")" = 401 &&
	test "$("$PYTHON3" get.py "$url" wrong-token)" = 401 &&
	test "$("$PYTHON3" get.py "$url" s3cret-token)" = 200 &&
	test "$("$PYTHON3" get.py "${url}?token=s3cret-token")" = 200 &&
	test "$("$PYTHON3" get.py "${url}events?token=nope")" = 401 &&
	kill $(cat txtop.pid) && wait $(cat txtop.pid) ; true
'

test_expect_success 'another address than loopback needs --token-file' '
	test_expect_code 2 txtop --http 0.0.0.0:0 </dev/null >out 2>err &&
	test_grep "is not a loopback address: give --token-file" err &&
	test_expect_code 2 txtop --token-file tokens </dev/null >out 2>err &&
	test_grep "token-file needs --http" err &&
	test_expect_code 2 txtop --http nonsense </dev/null >out 2>err &&
	test_grep "expected \\[ADDR:\\]PORT" err
'


test_expect_success 'an address not on this machine: cannot listen, exit 4' '
	echo s3cret-token-for-tests >tok4 && chmod 600 tok4 &&
	test_expect_code 4 txtop --http 192.0.2.1:0 --token-file tok4 </dev/null >out 2>err &&
	test_grep "^txtop: cannot listen on .192.0.2.1:0.: Cannot assign requested address$" err
'

# A thread the system refuses to the web server is exit 70 (as for txhttp),
# not 4 (lib.sh).
test_expect_success 'no thread for the web server: exit 70, not 4' '
	test_http_no_thread txtop --http 127.0.0.1:0
'

test_done

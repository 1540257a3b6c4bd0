#!/bin/sh
# txtop without a terminal: the plain-text summary, the pass-through (--tee),
# bad lines, --reject, --strict, several files, option errors.
. "$TX_SRCDIR/tests/lib.sh"

cat >recs.ndjson <<'EOF'
{"transaction_id":"t1","account":"A1","type":"deposit","amount":100.00,"ts":"2026-01-01T00:00:00.000000Z"}
{"transaction_id":"t2","account":"A1","type":"payment","amount":25.50,"ts":"2026-01-01T00:00:01.000000Z","status":"completed","new_balance":74.50}
{"transaction_id":"t3","account":"A2","type":"withdrawal","amount":500.00,"ts":"2026-01-01T00:00:02.000000Z","status":"failed","reason":"insufficient funds","alerts":["insufficient_funds"]}
not json

{"transaction_id":"t4","account":"A2","type":"payment","amount":12.00,"ts":"2026-01-01T00:00:03.000000Z","status":"pending"}
{"transaction_id":"t4","account":"A2","type":"payment","amount":12.00,"ts":"2026-01-01T00:00:04.000000Z","status":"completed","op":"update"}
{"transaction_id":"t5","account":"A3","type":"fee","amount":1.00,"ts":"2026-01-01T00:00:05.000000Z","alerts":["large_amount","low_balance"]}
{"transaction_id":"t6","account":"B1","type":"transfer","amount":1500,"currency":"JPY","counterparty":"B2","ts":"2026-01-01T00:00:06.000000Z"}
{"transaction_id":"t7","account":"A1","type":"refund","amount":5.25,"ts":"2026-01-01T00:00:07.000000Z"}
{"transaction_id":"t2","account":"A1","op":"delete","ts":"2026-01-01T00:00:08.000000Z"}
{"transaction_id":"t8","account":"A2","amount":1.00,"type":"payment"}
EOF

# The figures that depend only on the input (not the rate, not the latency).
cat >expect <<'EOF'
records: 10 (lines 12, bad 1)
event time: 2026-01-01T00:00:00.000000Z .. 2026-01-01T00:00:08.000000Z

types:
  deposit                 1   10.0%
  withdrawal              1   10.0%
  payment                 4   40.0%
  transfer                1   10.0%
  fee                     1   10.0%
  refund                  1   10.0%
  other                   1   10.0%

statuses:
  completed               7   70.0%
  pending                 1   10.0%
  failed                  1   10.0%
  none                    1   10.0%
operations: 8 create, 1 update, 1 delete

volume (created transactions, failed ones excluded):
  USD            6 records              144.75
  JPY            1 records                1500

latency: no produce time in the input (source.ts)

top accounts by spend:
   1. B1                               1500 JPY (1 debit)
   2. A1                              25.50 USD (1 debit)
   3. A2                              13.00 USD (2 debits)
   4. A3                               1.00 USD (1 debit)

alerts: 2, notices: 0
  2026-01-01T00:00:05.000000Z A3 t5 large_amount,low_balance 1.00 USD
  2026-01-01T00:00:02.000000Z A2 t3 insufficient_funds 500.00 USD
EOF

# The rate is checked apart: over event time for files, over the run for pipes.
stable() { grep -v -e '^rate: ' "$1"; }

test_expect_success 'summary at end of input when stdout is not a terminal' '
	test_expect_code 1 txtop <recs.ndjson >out 2>err &&
	stable out >got &&
	test_cmp expect got
'

# issue 16: a file is read in milliseconds; its rate is over its own event
# time (10 records over 8 s), not "3121098.6 records/s over 0.00 s"
test_expect_success 'a file: the rate over the records event time span' '
	test_expect_code 1 txtop <recs.ndjson >out 2>err &&
	grep "^rate: 1.25 records/s of event time over 8.00s$" out &&
	test_expect_code 1 txtop recs.ndjson >out 2>err &&
	grep "^rate: 1.25 records/s of event time over 8.00s$" out
'

test_expect_success 'a pipe: the rate over the run' '
	cat recs.ndjson | test_expect_code 1 txtop >out 2>err &&
	grep -q "^rate: [0-9.]* records/s over [0-9.]* s$" out &&
	stable out >got &&
	test_cmp expect got
'

# issue 16: latency only from a produce time (source.ts), never from the
# event time ("p50 324d12h" for txgen | txbal | txtop)
test_expect_success 'latency from source.ts only; without it, says so' '
	grep -c "latency: no produce time in the input (source.ts)" out &&
	! grep "^  p50 " out &&
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z) &&
	printf "{\"transaction_id\":\"s1\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1.00,\"ts\":\"2020-01-01T00:00:00Z\",\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"ts\":\"%s\"}}\n" "$now" >src.ndjson &&
	cat recs.ndjson src.ndjson | test_expect_code 1 txtop >out 2>err &&
	grep "^latency (arrival - produce time), 1 records:$" out &&
	p50=$(sed -n "s/^  p50 \([^ ]*\) .*/\1/p" out) &&
	echo "p50 $p50" &&
	case $p50 in *d*|*h*|*m[0-9]*) false ;; esac
'

test_expect_success 'a bad line is reported with source:line and is not fatal' '
	test_expect_code 1 txtop recs.ndjson >out 2>err &&
	test_line_count 1 err &&
	test_grep "^txtop: recs.ndjson:4: invalid JSON" err &&
	stable out >got &&
	test_cmp expect got
'

test_expect_success '--once gives the same summary, stdin is named stdin' '
	test_expect_code 1 txtop --once <recs.ndjson >out 2>err &&
	test_grep "^txtop: stdin:4: " err &&
	stable out >got &&
	test_cmp expect got
'

test_expect_success '--tee passes every byte through, bad lines too; summary on stderr' '
	test_expect_code 1 txtop --tee --once <recs.ndjson >out 2>err &&
	cmp recs.ndjson out &&
	test_grep "^txtop: stdin:4: " err &&
	grep -v "^txtop: " err | stable /dev/stdin >got &&
	test_cmp expect got
'

test_expect_success '--tee without a terminal warns and falls back to the summary' '
	setsid -w sh -c "txtop --tee <recs.ndjson >out 2>err; echo \$? >rc" </dev/null &&
	echo 1 >want && test_cmp want rc &&
	cmp recs.ndjson out &&
	if test_have curses; then
		test_grep "^txtop: no terminal to draw on (/dev/tty or TERM): summary on stderr at end\$" err
	else
		test_grep "^txtop: this txtop was built without curses (libncurses-dev): no live display: summary on stderr at end\$" err
	fi &&
	test_grep "^records: 10 (lines 12, bad 1)" err
'

# a build may leave out curses and libmicrohttpd (configure --without-...)
if ! test_have microhttpd; then
	test_expect_success 'a build without libmicrohttpd: --http says so, exit 2' '
		test_expect_code 2 txtop --http 127.0.0.1:1 recs.ndjson >out 2>err &&
		echo "txtop: --http: this txtop was built without libmicrohttpd: install libmicrohttpd-dev (apt-get install libmicrohttpd-dev), then configure and build again" >want &&
		test_cmp want err &&
		test_cmp /dev/null out
	'
fi

test_expect_success '--tee keeps a last line without newline, byte for byte' '
	printf "%s" "{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1.00}" >nonl &&
	txtop --tee --once <nonl >out 2>err &&
	cmp nonl out &&
	test_grep "^records: 1 (lines 1, bad 0)" err
'

test_expect_success 'a line longer than a block passes through, not inspected' '
	"$PYTHON3" -c "import sys; sys.stdout.write(\"{\\\"transaction_id\\\":\\\"big\\\",\\\"account\\\":\\\"A\\\",\\\"type\\\":\\\"fee\\\",\\\"amount\\\":1.00,\\\"pad\\\":\\\"\" + \"x\"*600000 + \"\\\"}\\n\")" >long &&
	head -n 3 recs.ndjson >>long &&
	txtop --tee --once <long >out 2>err &&
	cmp long out &&
	test_grep "^txtop: stdin:1: line longer than 128 KiB: not inspected" err &&
	test_grep "^records: 3 (lines 4, bad 0, not inspected 1)" err
'

test_expect_success '--reject writes the bad lines, unchanged' '
	test_expect_code 1 txtop --reject rej <recs.ndjson >out 2>err &&
	echo "not json" >want &&
	test_cmp want rej
'

test_expect_success '--strict stops at the first bad line, exit 1' '
	test_expect_code 1 txtop --strict <recs.ndjson >out 2>err &&
	test_grep "^txtop: stdin:4: " err &&
	test_grep "^records: 3 (lines 4, bad 1)" out
'

test_expect_success 'several files: line numbers per file, counts over all' '
	head -n 3 recs.ndjson >a &&
	printf "{}\n" >b &&
	test_expect_code 1 txtop a b a >out 2>err &&
	test_grep "^txtop: b:1: missing field" err &&
	test_grep "^records: 6 (lines 7, bad 1)" out &&
	test_grep "^  payment                 2   33.3%$" out
'

test_expect_success 'a file that cannot be opened: exit 3, the others still read' '
	test_expect_code 3 txtop nonexistent recs.ndjson >out 2>err &&
	test_grep "cannot open .nonexistent." err &&
	test_grep "^records: 10 " out
'

test_expect_success 'empty input: an empty summary, exit 0' '
	txtop </dev/null >out 2>err &&
	test_grep "^records: 0 (lines 0, bad 0)" out &&
	test_line_count 0 err
'

test_expect_success 'downstream closing early is not an error' '
	for i in $(seq 1 3000); do cat recs.ndjson; done | sed "/not json/d" >many &&
	txtop --tee --once <many 2>err | head -n 1 >first &&
	test_line_count 1 first
'

test_expect_success '--tee over 100,000 records: every byte through, the counts add up' '
	command -v txgen >/dev/null || { echo "txgen not built"; exit 0; } &&
	txgen -q -n 100000 --seed 5 >gen.ndjson &&
	txtop --tee --once <gen.ndjson >out 2>err &&
	cmp gen.ndjson out &&
	"$PYTHON3" - err <<-\EOF
	import re, sys
	text = open(sys.argv[1]).read()
	m = re.search(r"^records: ([0-9,]+) \(lines (~?)([0-9,]+), bad 0(?:, not inspected ([0-9,]+))?\)$", text, re.M)
	assert m, text
	n = lambda s: int((s or "0").replace(",", ""))
	records, approx, lines, skipped = n(m.group(1)), m.group(2), n(m.group(3)), n(m.group(4))
	print(records, approx, lines, skipped)
	assert records + skipped == lines, "parsed and skipped lines add up to the lines"
	if approx:  # blocks passed uncounted: lines estimated from their bytes
	    assert abs(lines - 100000) <= 5000, lines
	else:
	    assert lines == 100000, lines
	EOF
'

test_expect_success 'stopped by SIGTERM: the summary of what was read, exit 143' '
	mkfifo term.fifo &&
	{ { set +e
	    sh -c "echo \$\$ >term.pid; exec txtop --once <term.fifo >term.out 2>term.err"
	    echo $? >term.rc; } & } &&
	exec 3>term.fifo &&
	cat recs.ndjson >&3 &&
	_i=0; while ! grep -q "^txtop: stdin:4:" term.err 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1; _i=$((_i + 1)); done &&
	kill -TERM $(cat term.pid) &&
	_i=0; while [ ! -s term.rc ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done &&
	exec 3>&- &&
	echo 143 >want && test_cmp want term.rc &&
	test_grep "^records: 10 (lines 12, bad 1)" term.out
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 txtop --no-such-option </dev/null &&
	test_expect_code 2 txtop --svg-interval 5 </dev/null 2>err &&
	test_grep "needs --svg" err &&
	test_expect_code 2 txtop --svg x.svg --svg-interval 0 </dev/null &&
	txtop --help >help && test_grep "^usage: txtop " help
'

test_done

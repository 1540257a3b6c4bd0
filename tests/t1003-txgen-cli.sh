#!/bin/sh
# txgen's command line: bad values, help, --rate, closed pipes, signals, write errors.
. "$TX_SRCDIR/tests/lib.sh"
ulimit -f 409600 2>/dev/null || true

CHECK="$TX_SRCDIR/tests/data/t1000-check.py"

# wait_for FILE: until FILE has a complete line (at most 20 s)
wait_for() {
	i=0
	while ! grep -q . "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || return 1
		sleep 0.1
	done
}

test_expect_success 'bad option values: exit 2, a message naming the option, no output' '
	while IFS="|" read -r args msg; do
		test_expect_code 2 txgen $args >out 2>err &&
		! test -s out &&
		test_grep "^txgen: $msg" err || return 1
	done <<-\EOT
	-n abc|invalid -n .abc.: expected a count from 0 up
	-n -5|invalid -n .-5.
	--seed -1|invalid --seed .-1.: expected an integer from 0 to
	--seed 1x|invalid --seed .1x.
	--accounts 0|invalid --accounts .0.: expected a number from 1 to 10000000
	--accounts 10000001|invalid --accounts
	--rate 0|invalid --rate .0.: expected records per second
	--rate fast|invalid --rate .fast.
	--rate 1.0001|invalid --rate .1.0001.
	--start yesterday|invalid --start .yesterday.: expected an RFC 3339 time
	--start 1969-12-31T23:59:59Z|invalid --start
	--start 2026-02-30T00:00:00Z|invalid --start
	--start 9000-01-01T00:00:00Z|invalid --start .9000-01-01T00:00:00Z.: expected an RFC 3339 time from 1970 to 9000
	--currency XYZ|unknown currency .XYZ. in --currency
	--currency USD,,EUR|unknown currency .. in --currency
	--currency usd|unknown currency .usd.
	--anomalies 1.5|invalid --anomalies .1.5.: expected a fraction from 0 to 1
	--pending -0.1|invalid --pending .-0.1.
	--deletes x|invalid --deletes .x.
	--duplicates 0.0000001|invalid --duplicates .0.0000001.
	--strict|--strict, --reject and --no-openings apply to --paysim only
	--reject r.csv|--strict, --reject and --no-openings apply to --paysim only
	extra|unexpected argument .extra.
	--frobnicate|unrecognized option .--frobnicate.
	EOT
'

test_expect_success '--help shows the usage on stdout; every option is in txgen(1)' '
	txgen --help >out 2>err &&
	! test -s err &&
	test_grep "^usage: txgen " out &&
	grep -o -- "--[a-z-]*[a-z]" out | sort -u >opts &&
	test "$(wc -l <opts)" -ge 16 &&
	sed "s/\\\\-/-/g" "$TX_SRCDIR/man/txgen.1" >page &&
	while read -r o; do
		grep -q "^\.It .*Fl Fl ${o#--}\( \|\$\)" page || {
			echo "$o is not in txgen(1)"
			return 1
		}
	done <opts &&
	txgen -h >out2 && test_cmp out out2 &&
	txgen --version >v && test_grep "^txgen (txkit) [0-9]" v
'

test_expect_success 'fractions and rates accept their edge values' '
	txgen -n 10 --anomalies 1 --pending 0 --deletes 0.000001 --duplicates 1 >m &&
	test_line_count 10 m &&
	txgen -n 2 --rate 10000000 --start 2026-01-01T00:00:00Z >m &&
	test_line_count 2 m &&
	txgen -n 1 --rate 0.001 >m &&
	test_line_count 1 m &&
	txgen -n 5 --accounts 1 >m &&
	test_line_count 5 m
'

test_expect_success '--rate with --start: timestamps on the schedule, deterministic' '
	txgen -n 4 --rate 2.5 --start 2026-05-01T10:00:00Z >a &&
	sed "s/.*\"ts\":\"\([^\"]*\)\".*/\1/" a >ts &&
	printf "%s\n" 2026-05-01T10:00:00.000000Z 2026-05-01T10:00:00.400000Z \
		2026-05-01T10:00:00.800000Z 2026-05-01T10:00:01.200000Z >want &&
	test_cmp want ts &&
	txgen -n 4 --rate 2.5 --start 2026-05-01T10:00:00Z >b &&
	cmp a b
'

test_expect_success '--no-wait: the records of a paced run, at once' '
	start=$(date -u +%s) &&
	txgen -n 2000 --rate 1 --no-wait --start 2026-05-01T10:00:00Z >nw &&
	test "$(($(date -u +%s) - start))" -lt 60 &&
	txgen -n 4 --rate 2.5 --no-wait --start 2026-05-01T10:00:00Z >nw4 &&
	cmp a nw4 &&
	tail -n 1 nw | test_grep "\"ts\":\"2026-05-01T10:33:19.000000Z\"" - &&
	test_expect_code 2 txgen -n 1 --no-wait 2>err &&
	test_grep "^txgen: --no-wait goes with --rate$" err
'

test_expect_success '--rate sets the number of accounts to 60 per record per second' '
	txgen -n 30000 --rate 100 --no-wait --start 2026-05-01T10:00:00Z >r100 &&
	sed "s/.*\"account\":\"ACC\([0-9]*\)\".*/\1/" r100 | sort -n | tail -n 1 >max &&
	test "$(sed "s/^0*//" max)" -gt 5900 && test "$(sed "s/^0*//" max)" -le 6000 &&
	txgen -n 3000 --rate 100 --no-wait --start 2026-05-01T10:00:00Z --accounts 50 >r50 &&
	! grep -v "\"account\":\"ACC0000[0-5][0-9]\"" r50 &&
	txgen -n 3000 --rate 2 --no-wait --start 2026-05-01T10:00:00Z |
		grep -o "\"account\":\"ACC[0-9]*\"" | sort -u | wc -l >n &&
	test "$(cat n)" -gt 900 && test "$(cat n)" -le 1000
'

test_expect_success '--rate alone: real-time timestamps 1/rate apart' '
	before=$(date -u +%s) &&
	txgen -n 50 --rate 1000 >m &&
	after=$(date -u +%s) &&
	test_line_count 50 m &&
	"$PYTHON3" "$CHECK" fields m &&
	"$PYTHON3" - "$before" "$after" m <<-\EOT
	import datetime, json, sys
	lo, hi = int(sys.argv[1]) - 1, int(sys.argv[2]) + 1
	ts = [datetime.datetime.strptime(json.loads(l)["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
	      .replace(tzinfo=datetime.timezone.utc) for l in open(sys.argv[3])]
	first = ts[0].timestamp()
	assert lo <= first <= hi, (lo, first, hi)
	gaps = {(b - a).total_seconds() for a, b in zip(ts, ts[1:])}
	assert gaps <= {0.001, 0.000999, 0.001001}, gaps
	EOT
'

test_expect_success 'with --rate, lines are flushed one by one' '
	rm -f m &&
	{ txgen --rate 20 -n 100000 >m 2>err & } &&
	pid=$! &&
	wait_for m &&
	kill -TERM $pid &&
	test_expect_code 143 wait $pid &&
	n=$(wc -l <m) &&
	test "$n" -ge 1 && test "$n" -lt 100000 &&
	test_grep "^txgen: stopped by signal 15 after $n records\$" err &&
	"$PYTHON3" "$CHECK" fields m
'

test_expect_success 'SIGINT: everything generated is written out, exit 130; -q is quiet' '
	rm -f m && # not the previous case'"'"'s: wait_for must see this txgen write
	{ txgen -n 100000000 --rate 1000 >m 2>err & } &&
	pid=$! &&
	wait_for m &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	test_grep "stopped by signal 2 after $(wc -l <m) records" err &&
	test "$(tail -c 1 m | od -An -c | tr -d " ")" = "\\n" &&
	{ txgen -q >/dev/null 2>err & } &&
	pid=$! &&
	sleep 0.2 &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	! test -s err
'

test_expect_success 'the EXAMPLES of txgen(1) that need only txgen (and jq) run' '
	txgen -n 5000 --seed 7 >day.ndjson &&
	test_line_count 5000 day.ndjson &&
	test "$(tail -n 1 day.ndjson | sed "s/.*\"ts\":\"\([0-9-]*\)T.*/\1/")" = 2026-01-01 &&
	txgen --paysim "$TX_SRCDIR/examples/data/paysim-sample.csv" \
		--start 2026-03-01T00:00:00Z >replay 2>/dev/null &&
	test_line_count 47 replay &&
	if command -v jq >/dev/null 2>&1; then
		txgen -n 100000 --pending 0.05 --deletes 0.01 --duplicates 0.01 \
			--anomalies 0.01 | jq -r ".anomaly // \"none\"" | sort | uniq -c >labels &&
		cat labels &&
		grep -q " account_takeover\$" labels &&
		grep -q " burst\$" labels &&
		grep -q " none\$" labels &&
		test "$(awk "{ s += \$1 } END { print s }" labels)" -eq 100000
	fi
'

test_expect_success 'txgen | head: exit 0, nothing on stderr' '
	{ txgen 2>err; echo $? >rc; } | head -n 3 >out &&
	test_line_count 3 out &&
	echo 0 >want && test_cmp want rc &&
	! test -s err &&
	{ txgen --rate 1000 2>err2; echo $? >rc2; } | head -n 2 >out2 &&
	test_line_count 2 out2 &&
	test_cmp want rc2 &&
	! test -s err2 &&
	{ txgen --paysim "$TX_SRCDIR/examples/data/paysim-sample.csv" -q 2>err3; echo $? >rc3; } |
		head -n 1 >out3 &&
	test_cmp want rc3 && ! test -s err3
'

if test -w /dev/full; then
	test_expect_success 'a write error is reported, exit 3' '
		test_expect_code 3 txgen -n 100000 >/dev/full 2>err &&
		test_grep "^txgen: write error on standard output: No space left on device" err
	'
else
	test_skip 'a write error is reported, exit 3' 'no writable /dev/full'
fi

test_done

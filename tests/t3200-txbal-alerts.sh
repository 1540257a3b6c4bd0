#!/bin/sh
# txbal's default alert rules against txgen's injected anomalies
# ("account_takeover": a transfer of most of a balance then a cash-out;
# "burst": card testing, many payments on one account within seconds), in
# simulated time and at the --rate values of the examples and man pages
# (100, 300 and finance-poc's 20000 records/s; --no-wait writes a --rate
# stream at once with the same timestamps). The goals (issue 15): on normal
# traffic the fraud rules flag at most 0.5% of the records; with anomalies
# they find at least 90% of the injected incidents, with a precision of at
# least 90%. The figures go to the log as TAP comments.
. "$TX_SRCDIR/tests/lib.sh"

"$PYTHON3" -c 'import json' 2>/dev/null || test_skip_all 'python3 is needed to score the alerts'
FIG="$TX_SRCDIR/tests/oracle/anomalies.py"

# value FILE LINE-KEY FIELD: a figure as an integer per 10,000
value() {
	awk -v k="$2" -v f="$3" '$1 == k { for (i = 2; i < NF; i++) if ($i == f) { v = $(i + 1); if (v == "n/a") v = 0; printf "%d\n", v * 10000 + 0.5 } }' "$1"
}

for rate in sim 100 300 20000; do
	if test $rate = sim; then
		args="--seed 11"
	else
		args="--seed 11 --rate $rate --no-wait --start 2026-03-02T09:00:00Z"
	fi
	test_expect_success "$rate: normal traffic, fraud rules flag at most 0.5%" "
		txgen -n 50000 $args --anomalies 0 | txbal -q >n-$rate &&
		test_line_count 50000 n-$rate &&
		\"\$PYTHON3\" \"\$FIG\" <n-$rate >fig-n-$rate &&
		test \$(value fig-n-$rate fraud rate) -le 50
	"
	test -f fig-n-$rate && sed "s/^/# $rate normal: /" fig-n-$rate
	test_expect_success "$rate: 1% anomalies, found 90% of them with 90% precision" "
		txgen -n 50000 $args --anomalies 0.01 | txbal -q --alerts al-$rate >a-$rate &&
		\"\$PYTHON3\" \"\$FIG\" <a-$rate >fig-a-$rate &&
		test \$(value fig-a-$rate incidents recall) -ge 9000 &&
		test \$(value fig-a-$rate fraud precision) -ge 9000 &&
		test \$(awk '\$1 == \"incidents\" { print \$2 }' fig-a-$rate) -ge 50
	"
	test -f fig-a-$rate && sed "s/^/# $rate anomalies 0.01: /" fig-a-$rate
done

test_expect_success 'one alert record per rule fired, consistent with the records' '
	"$PYTHON3" -c "
import json, sys
n = sum(len(json.loads(l).get(\"alerts\", [])) for l in open(\"a-300\"))
m = sum(1 for l in open(\"al-300\"))
k = sum(json.loads(l)[\"kind\"] == \"notice\" for l in open(\"al-300\"))
print(n, m, k)
sys.exit(n != m or n == 0 or k == 0)
"
'

test_expect_success 'the summary counts fraud alerts and notices apart' '
	txgen -n 20000 --seed 11 --anomalies 0.01 | txbal --alerts al >/dev/null 2>err &&
	fraud=$(grep -c "\"kind\":\"fraud\"" al) &&
	notices=$(grep -c "\"kind\":\"notice\"" al) &&
	test "$fraud" -gt 0 && test "$notices" -gt 0 &&
	test_grep ", $fraud alerts, $notices notices$" err
'

test_done

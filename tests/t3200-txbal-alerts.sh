#!/bin/sh
# txbal's default alert rules against txgen's injected anomalies
# ("account_takeover": a large transfer out then a cash-out; "burst": many
# payments on one account within seconds): precision and recall, printed
# as TAP comments, with the floors the rules are designed to reach.
. "$TX_SRCDIR/tests/lib.sh"

"$PYTHON3" -c 'import json' 2>/dev/null || test_skip_all 'python3 is needed to score the alerts'
FIG="$TX_SRCDIR/tests/oracle/anomalies.py"

test_expect_success 'txgen stream with 1% anomalies, through txbal with default rules' '
	txgen -n 100000 --accounts 10000 --seed 11 --anomalies 0.01 >in &&
	test "$(grep -c "\"anomaly\":" in)" -gt 500 &&
	txbal -q --alerts alerts <in >out &&
	test_line_count 100000 out &&
	"$PYTHON3" "$FIG" <out >fig
'
# the figures, in the log (make check keeps tests/t3200-txbal-alerts.log)
test -f fig && sed "s/^/# /" fig

# "RULE precision P recall R ..." -> P or R as an integer per mille
per_mille() {
	awk -v r="$1" -v f="$2" '$1 == r { for (i = 2; i < NF; i++) if ($i == f) { v = $(i + 1); if (v == "n/a") v = 0; printf "%d\n", v * 1000 } }' fig
}

test_expect_success 'velocity: precision at least 0.9, burst recall at least 0.5' '
	test "$(per_mille velocity precision)" -ge 900 &&
	test "$(awk "\$1 == \"burst\" { printf \"%d\", \$3 * 1000 }" fig)" -ge 500
'

test_expect_success 'all rules together find most labelled records' '
	test "$(per_mille any recall)" -ge 500 &&
	test "$(per_mille fraud precision)" -ge 500
'

test_expect_success 'one alert record per rule fired, consistent with the records' '
	"$PYTHON3" -c "
import json, sys
n = sum(len(json.loads(l).get(\"alerts\", [])) for l in open(\"out\"))
m = sum(1 for l in open(\"alerts\"))
print(n, m)
sys.exit(n != m or n == 0)
"
'

test_done

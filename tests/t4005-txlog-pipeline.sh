#!/bin/sh
# txlog in the real pipeline (txgen | txbal | txlog), the man page's examples
# on files, and the default layout checked line by line against an
# independent implementation (Python, Decimal) over a few thousand records.
. "$TX_SRCDIR/tests/lib.sh"

command -v txbal >/dev/null 2>&1 && [ -x "$TX_BUILDDIR/src/txbal/txbal" ] ||
	test_skip_all 'txbal is not built'
"$PYTHON3" -c 'import decimal' 2>/dev/null || test_skip_all 'python3 is needed for the oracle'

test_expect_success 'setup: txgen | txbal, with pending, deletes, anomalies, three currencies' '
	txgen -q -n 3000 --seed 7 --currency USD,JPY,KWD --pending 0.1 --deletes 0.02 \
		--anomalies 0.02 >gen.ndjson &&
	txbal -q <gen.ndjson >bal.ndjson &&
	test_line_count 3000 gen.ndjson &&
	grep -q "\"alerts\":\[\"low_balance\"" bal.ndjson &&
	grep -q "\"op\":\"delete\"" bal.ndjson
'

test_expect_success 'man page: txbal | txlog --tee --out tx.log | next passes records unchanged' '
	txbal -q <gen.ndjson | txlog --tee --out tx.log 2>err | cat >pass &&
	cmp bal.ndjson pass &&
	test_line_count 3000 tx.log &&
	test_grep "txlog: 3000 lines read, 3000 logged, 0 rejected" err
'

test_expect_success 'man page: low-balance alerts into a log' '
	txbal -q <gen.ndjson | txlog --alerts-only --out alerts.log 2>err &&
	n=$(grep -c "\"alerts\":\[\"" bal.ndjson) &&
	test_line_count "$n" alerts.log &&
	test_grep "3000 lines read, $n logged, 0 rejected" err &&
	grep -c "\"low_balance\"" bal.ndjson >want &&
	grep -c "low_balance" alerts.log >got &&
	test_cmp want got
'

cat >oracle.py <<'EOF'
# The default layout of txlog(1), written independently from its C code.
import json, sys
from decimal import Decimal

EXP = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KWD": 3}
CREDIT = {"deposit", "refund"}

def money(v, cur):
    d = Decimal(str(v)).quantize(Decimal(1).scaleb(-EXP[cur]))
    return format(d, "f")

for line in open(sys.argv[1]):
    t = json.loads(line, parse_float=Decimal)
    cur = t.get("currency", "USD")
    op = t.get("op", "create")
    typ = t.get("type") or (op if op in ("update", "delete") else "-")
    amt = ""
    if "amount" in t:
        amt = ("+" if t.get("type") in CREDIT else "-") + money(t["amount"], cur)
    curcol = cur if ("amount" in t or "currency" in t) else "   "
    s = "%-27s %-12s %-10s %-10s %12s %s" % (t.get("ts", "-"), t["transaction_id"], t["account"], typ, amt,
                                         curcol)
    if "new_balance" in t:
        b = t["new_balance"]
        s += "  bal %11s" % (money(b, cur) if "currency" in t else str(b))
    status = t.get("status") or ("completed" if op == "create" else "")
    extras = []
    if "counterparty" in t:
        extras.append("-> " + t["counterparty"])
    if op in ("update", "delete") and "type" in t:
        extras.append("op=" + op)
    if "reason" in t:
        extras.append("reason=" + t["reason"])
    if t.get("alerts"):
        extras.append("[" + ",".join(t["alerts"]) + "]")
    s += "  " + ("%-9s" % status if extras else status)
    for e in extras:
        s += "  " + e
    print(s.rstrip(" "))
EOF

test_expect_success 'man page: only low-balance alerts into a log' '
	txbal -q --no-alert large_amount --no-alert velocity --no-alert overdraft \
		--no-alert drain <gen.ndjson |
		txlog --alerts-only --out low-balance.log 2>err &&
	n=$(grep -c "\"low_balance\"" bal.ndjson) &&
	test "$n" -gt 0 &&
	test_line_count "$n" low-balance.log &&
	! grep -v "  \[low_balance\]$" low-balance.log
'

test_expect_success 'the default layout equals an independent implementation, line by line' '
	"$PYTHON3" oracle.py bal.ndjson >want &&
	txlog -q bal.ndjson >got &&
	test_line_count 3000 got &&
	test_cmp want got
'

test_expect_success 'alert and aggregate records: lines of their own, every field in them' '
	txbal -q --alerts al.ndjson --aggregate 1h --aggregates agg.ndjson <gen.ndjson >/dev/null &&
	test -s al.ndjson && test -s agg.ndjson &&
	txlog -q al.ndjson >al.log &&
	txlog -q --alerts-only agg.ndjson al.ndjson >al2.log &&
	test_cmp al.log al2.log &&
	txlog -q agg.ndjson >agg.log &&
	"$PYTHON3" - <<-\EOT
	import json
	def check(ndjson, log, want):
	    recs = [json.loads(l) for l in open(ndjson)]
	    lines = open(log).read().split("\n")[:-1]
	    assert len(recs) == len(lines), (ndjson, len(recs), len(lines))
	    for r, l in zip(recs, lines):
	        w = want(r)
	        assert l == w, (l, w)
	check("al.ndjson", "al.log", lambda a: "%-27s %-12s %-10s alert      %s (%s): %s" % (
	    a["ts"], a["transaction_id"], a["account"], a["alert"], a["kind"], a["detail"]))
	EOT
	"$PYTHON3" - <<-\EOT
	import json
	lines = open("agg.log").read().split("\n")[:-1]
	recs = [json.loads(l) for l in open("agg.ndjson")]
	raw = [l.rstrip("\n") for l in open("agg.ndjson")]
	assert len(lines) == len(recs) > 100, (len(lines), len(recs))
	for r, t, l in zip(recs, raw, lines):
	    # money as written in the record (exact decimals)
	    deb = t.split("\"debits\":")[1].split(",")[0]
	    cre = t.split("\"credits\":")[1].split(",")[0]
	    n = r["count"]
	    types = ", ".join("%s %d" % kv for kv in r["by_type"].items())
	    w = "%s -            %-10s aggregate  1h window, %d transaction%s, debits %s %s, credits %s %s%s" % (
	        r["window_start"], r["account"], n, "" if n == 1 else "s", deb, r["currency"],
	        cre, r["currency"], " (%s)" % types if types else "")
	    # the running totals, when they say more than the window
	    tn = r["total_count"]
	    if tn != n:
	        tdeb = t.split("\"total_debits\":")[1].split(",")[0]
	        tcre = t.split("\"total_credits\":")[1].split("}")[0]
	        w += "; so far %d transaction%s, debits %s %s, credits %s %s" % (
	            tn, "" if tn == 1 else "s", tdeb, r["currency"], tcre, r["currency"])
	    assert l == w, (l, w)
	EOT
'

test_expect_success 'the seed logging consumer: txgen | txlog, one line per record' '
	txgen -q -n 500 --seed 3 | txlog -q >plain.log &&
	test_line_count 500 plain.log &&
	! grep -q " bal " plain.log
'

test_done

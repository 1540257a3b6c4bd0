# Checks of txgen output for tests/t1*.sh. Usage: t1000-check.py MODE FILE [ARGS]
# Every mode exits 1 with a message saying what is wrong.
import collections
import json
import re
import sys
from decimal import Decimal

CREATE_KEYS = ["transaction_id", "account", "type", "amount", "currency", "ts", "status"]
OPTIONAL = ["counterparty", "merchant", "category", "anomaly", "op"]
TYPES = {"deposit", "withdrawal", "payment", "transfer", "fee", "refund"}
EXPONENT = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3, "BHD": 3, "GBP": 2, "CHF": 2}
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ACC = re.compile(r"^ACC\d{6,}$")
ID = re.compile(r"^tx-\d+-[1-9]\d*$")


def fail(msg):
    print("check: " + msg)
    sys.exit(1)


def records(path):
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                fail("line %d does not end with a newline" % n)
            try:
                d = json.loads(raw, parse_float=Decimal, object_pairs_hook=collections.OrderedDict)
            except ValueError as e:
                fail("line %d is not JSON: %s" % (n, e))
            yield n, raw, d


def amount_text(raw):
    m = re.search(rb'"amount":(-?[0-9.]+)[,}]', raw)
    return m.group(1).decode() if m else None


def check_fields(path):
    counts = collections.Counter()
    for n, raw, d in records(path):
        keys = list(d)
        where = "line %d" % n
        if d.get("op") == "delete":
            if keys != ["transaction_id", "account", "op", "ts"]:
                fail("%s: delete has keys %s" % (where, keys))
            counts["delete"] += 1
        else:
            if keys[:7] != CREATE_KEYS:
                fail("%s: keys %s do not start with %s" % (where, keys, CREATE_KEYS))
            rest = keys[7:]
            if rest != [k for k in OPTIONAL if k in rest] or len(set(rest)) != len(rest):
                fail("%s: optional keys %s not in order %s" % (where, rest, OPTIONAL))
            if d["type"] not in TYPES:
                fail("%s: type %r" % (where, d["type"]))
            if d["status"] not in ("pending", "completed", "failed"):
                fail("%s: status %r" % (where, d["status"]))
            cur = d["currency"]
            exp = EXPONENT.get(cur)
            if exp is None:
                fail("%s: currency %r" % (where, cur))
            text = amount_text(raw)
            want = r"^(0|[1-9]\d*)" + (r"\.\d{%d}$" % exp if exp else "$")
            if not text or not re.match(want, text):
                fail("%s: amount %r does not have exactly %d decimals" % (where, text, exp))
            if not isinstance(d["amount"], (Decimal, int)) or Decimal(text) <= 0:
                fail("%s: amount %r is not a positive JSON number" % (where, text))
            if (d["type"] == "transfer") != ("counterparty" in d):
                fail("%s: counterparty goes with transfers, and only them" % where)
            if "counterparty" in d and not ACC.match(d["counterparty"]):
                fail("%s: counterparty %r" % (where, d["counterparty"]))
            if ("merchant" in d) != ("category" in d):
                fail("%s: merchant and category go together" % where)
            if "merchant" in d and d["type"] not in ("payment", "refund"):
                fail("%s: merchant on a %s" % (where, d["type"]))
            if "anomaly" in d and d["anomaly"] not in ("account_takeover", "burst"):
                fail("%s: anomaly %r" % (where, d["anomaly"]))
            if "op" in d and d["op"] != "update":
                fail("%s: op %r" % (where, d["op"]))
            if d.get("op") == "update" and d["status"] == "pending":
                fail("%s: an update to pending" % where)
            counts[d.get("op", "create")] += 1
        if not ID.match(d["transaction_id"]):
            fail("%s: transaction_id %r" % (where, d["transaction_id"]))
        if not ACC.match(d["account"]):
            fail("%s: account %r" % (where, d["account"]))
        if not TS.match(d["ts"]):
            fail("%s: ts %r" % (where, d["ts"]))
    print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))


def check_sum(path):
    total = collections.defaultdict(Decimal)
    for n, raw, d in records(path):
        if "amount" in d:
            total[d["currency"]] += d["amount"]
    for cur in sorted(total):
        exp = EXPONENT[cur]
        print("%s %s" % (cur, total[cur].quantize(Decimal(1).scaleb(-exp))))


def check_lifecycle(path):
    seen = {}
    creates = {}
    pending = {}
    window = collections.deque(maxlen=16)
    dups = updates = deletes = 0
    lines = 0
    for n, raw, d in records(path):
        lines += 1
        if raw in seen:
            if raw not in window:
                fail("line %d repeats line %d, more than 16 lines back" % (n, seen[raw]))
            dups += 1
            continue
        seen[raw] = n
        window.append(raw)
        tid = d["transaction_id"]
        op = d.get("op", "create")
        if op == "create":
            if tid in creates:
                fail("line %d: transaction_id %s created twice" % (n, tid))
            creates[tid] = d
            if d["status"] == "pending":
                pending[tid] = d
        elif op == "update":
            updates += 1
            c = pending.pop(tid, None)
            if c is None:
                fail("line %d: update of %s, which is not a pending create seen before" % (n, tid))
            for k in ("account", "type", "amount", "currency", "counterparty", "merchant"):
                if c.get(k) != d.get(k):
                    fail("line %d: update changes %s" % (n, k))
            dt = iso(d["ts"]) - iso(c["ts"])
            if not 0 < dt <= 600:
                fail("line %d: update %s s after its create" % (n, dt))
        else:
            deletes += 1
            c = creates.get(tid)
            if c is None:
                fail("line %d: delete of %s, not created before" % (n, tid))
            if c["account"] != d["account"] or c["type"] not in ("payment", "withdrawal", "fee"):
                fail("line %d: delete of a %s of %s" % (n, c["type"], c["account"]))
            if tid in pending:
                fail("line %d: delete of %s before its update" % (n, tid))
            if iso(d["ts"]) <= iso(c["ts"]):
                fail("line %d: delete before its create" % n)
    if pending:
        fail("%d pending creates never updated, e.g. %s" % (len(pending), next(iter(pending))))
    print("lines=%d creates=%d pending_creates_updated=%d deletes=%d duplicates=%d"
          % (lines, len(creates), updates, deletes, dups))


def iso(ts):
    import datetime
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
    return Decimal((t - datetime.datetime(1970, 1, 1)) // datetime.timedelta(microseconds=1)) / 1000000


def check_anomalies(path):
    lines = labelled = 0
    recs = []
    seen = set()
    for n, raw, d in records(path):
        lines += 1
        if raw in seen:
            continue  # a duplicate (--duplicates)
        seen.add(raw)
        recs.append(d)
        if "anomaly" in d:
            labelled += 1
    takeovers = [i for i, d in enumerate(recs) if d.get("anomaly") == "account_takeover"
                 and d["type"] == "transfer"]
    for i in takeovers:
        t = recs[i]
        cash = [d for d in recs[i + 1:] if d.get("anomaly") == "account_takeover"
                and d["type"] == "withdrawal" and d["account"] == t["counterparty"]]
        if not cash:
            fail("takeover %s has no cash-out from %s" % (t["transaction_id"], t["counterparty"]))
        if cash[0]["amount"] > t["amount"]:
            fail("cash-out %s is more than the transfer" % cash[0]["transaction_id"])
        if not 30 <= iso(cash[0]["ts"]) - iso(t["ts"]) <= 1800:
            fail("cash-out %s not within 30 s to 30 min" % cash[0]["transaction_id"])
    bursts = collections.defaultdict(list)
    for d in recs:
        if d.get("anomaly") == "burst":
            bursts[d["account"]].append(iso(d["ts"]))
    nbursts = 0
    for acct, ts in bursts.items():
        run = 1
        for a, b in zip(ts, ts[1:]):
            if b - a > 2:
                if run < 3:
                    fail("burst of %d for %s" % (run, acct))
                nbursts += 1
                run = 0
            run += 1
        if run < 3:
            fail("burst of %d for %s" % (run, acct))
        nbursts += 1
    print("lines=%d labelled=%d share=%.4f takeovers=%d bursts=%d"
          % (lines, labelled, labelled / lines, len(takeovers), nbursts))


def check_model(path):
    first = {}
    hours = collections.Counter()
    last = None
    for n, raw, d in records(path):
        if d["account"] not in first:
            first[d["account"]] = d
            if d["type"] != "deposit":
                fail("line %d: the first record of %s is a %s" % (n, d["account"], d["type"]))
        if last is not None and d["ts"] < last:
            fail("line %d: time goes back" % n)
        last = d["ts"]
        hours[int(d["ts"][11:13])] += 1
    night = hours[2] + hours[3] + hours[4]
    day = hours[12] + hours[13] + hours[14]
    if not day > 4 * night:
        fail("no day/night rhythm: %d records at 2-5 h, %d at 12-15 h" % (night, day))
    print("accounts=%d night=%d day=%d" % (len(first), night, day))


def check_start(path):
    """What txgen(1) says the start of a stream of the default 1,000 accounts looks like."""
    seen = set()
    openings_1000, all_open, mix = 0, None, collections.Counter()
    for n, raw, d in records(path):
        if d["account"] not in seen:
            seen.add(d["account"])
            openings_1000 += n <= 1000
            if len(seen) == 1000:
                all_open = n
        elif n > 10000:
            mix[d["type"]] += 1
    total = sum(mix.values())
    per_mille = {t: round(1000 * mix[t] / total) for t in TYPES}
    print("openings in the first 1000: %d; all open at line %s; then per mille %s" % (
        openings_1000, all_open, per_mille))
    if not 600 <= openings_1000 <= 670:
        fail("%d openings in the first 1000 records, txgen(1) says about 630" % openings_1000)
    if all_open is None or all_open > 10000:
        fail("not every account open within 10,000 records")
    want = {"payment": 620, "transfer": 140, "withdrawal": 110, "deposit": 50, "fee": 40,
            "refund": 40}
    for t, w in want.items():
        if abs(per_mille[t] - w) > 10:
            fail("%s: %d per mille after the openings, txgen(1) says %d" % (t, per_mille[t], w))


mode, path = sys.argv[1], sys.argv[2]
{"fields": check_fields, "sum": check_sum, "lifecycle": check_lifecycle,
 "anomalies": check_anomalies, "model": check_model, "start": check_start}[mode](path)

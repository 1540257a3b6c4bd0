#!/usr/bin/env python3
"""A stream to check txbal against txbal_oracle.py: every ledger case mixed.

Usage: gen.py N SEED > stream.ndjson

Creates of every type in four currencies (USD, EUR, JPY, KWD), pending
transactions later completed or failed, deletes of pending and posted ones,
transfers, integer accounts and alias spellings, byte-identical duplicates,
creates reusing a known id, updates that try to change what may not change,
updates and deletes of unknown ids, amounts near the int64 limit, and bad
lines of every kind (malformed JSON, missing fields, unknown currency, too
many decimals, amount overflow). Deterministic for a given N and SEED.
"""
import json
import random
import sys
import time

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
CURS = [("USD", 2, 70), ("EUR", 2, 15), ("JPY", 0, 10), ("KWD", 3, 5)]
cur_pick = [c for c, _, w in CURS for _ in range(w)]
EXP = {c: e for c, e, _ in CURS}
NACCT = 3000
accounts = ["A%05d" % i for i in range(NACCT)]
TYPES = ["deposit"] * 34 + ["withdrawal"] * 12 + ["payment"] * 26 + ["transfer"] * 20 + \
    ["fee"] * 6 + ["refund"] * 6
ALIASES = {"deposit": ["Credit", "CASH_IN", "deposit"], "withdrawal": ["Debit", "withdraw", "CASH_OUT"],
           "payment": ["PAYMENT", "purchase"], "transfer": ["TRANSFER"], "fee": ["fee"],
           "refund": ["refund"]}

ts = 1767225600 * 1000000  # 2026-01-01T00:00:00Z
seq = 0
known = []       # (id, fields) of creates written
pending = []     # indexes into known of pending creates
recent = []      # recent lines for duplicates
out = []
w = out.append


def stamp():
    global ts
    ts += rng.randint(1, 3000000)
    s, us = divmod(ts, 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % us


def amount(cur, big=False):
    e = EXP[cur]
    if big:
        minor = rng.randint(100000, 500000) * 10**e
    else:
        minor = int(rng.lognormvariate(7.5, 1.3)) * 10**e // 100
    if e == 0:
        return str(minor), minor
    s = str(minor).rjust(e + 1, "0")
    return s[:-e] + "." + s[-e:], minor


def dumps(o):
    """Compact JSON, amounts spliced in as numbers with exact decimals."""
    amt = o.pop("amount", None)
    s = json.dumps(o, separators=(",", ":"), ensure_ascii=False)
    if amt is not None:
        s = s[:-1] + ',"amount":' + amt + "}"
    return s


def create(fields=None):
    global seq
    seq += 1
    tid = "t%d" % seq
    cur = rng.choice(cur_pick)
    typ = rng.choice(TYPES)
    acct = rng.choice(accounts)
    o = {"transaction_id": tid}
    if rng.random() < 0.03:
        o["account"] = int(acct[1:])  # an integer account: the text "123"
        acct = str(int(acct[1:]))
    else:
        o["account"] = acct
    if rng.random() < 0.1:
        o["transaction_type"] = rng.choice(ALIASES[typ])
    else:
        o["type"] = typ
    amt, minor = amount(cur, big=(typ == "deposit" and rng.random() < 0.5))
    if rng.random() < 0.1 and cur != "USD":
        o["amount"] = json.dumps(amt)  # a string amount
    else:
        o["amount"] = amt
    if cur != "USD" or rng.random() < 0.5:
        o["currency"] = cur
    o["ts"] = stamp()
    r = rng.random()
    status = "pending" if r < 0.25 else "failed" if r < 0.28 else "completed"
    if status != "completed" or rng.random() < 0.5:
        o["status"] = status
    if typ == "transfer":
        cp = rng.choice(accounts)
        if cp == acct:
            cp = accounts[(accounts.index(cp) + 1) % NACCT] if cp in accounts else "A00000"
        o["counterparty"] = cp
    if rng.random() < 0.05:
        o["meta"] = {"channel": rng.choice(["web", "atm", "pos"]), "tags": [1, 2.5, None]}
    line = dumps(dict(o))
    known.append((tid, acct, typ, amt, cur, o.get("counterparty")))
    if status == "pending":
        pending.append(len(known) - 1)
    return line


def update(i, status, change=None):
    tid, acct, typ, amt, cur, cp = known[i]
    o = {"transaction_id": tid, "account": acct, "op": "update", "status": status}
    if rng.random() < 0.7:
        o["type"] = typ
        o["amount"] = amt
        o["currency"] = cur
        if cp:
            o["counterparty"] = cp
    if change == "amount":
        e = EXP[cur]
        minor = int(amt.replace(".", "")) + 1
        o["amount"] = str(minor) if e == 0 else (str(minor).rjust(e + 1, "0")[:-e] + "." +
                                                  str(minor).rjust(e + 1, "0")[-e:])
        o["currency"] = cur
    elif change == "type":
        o["type"] = "fee" if typ != "fee" else "deposit"
        if typ == "transfer":
            o.pop("counterparty", None)
    elif change == "account":
        o["account"] = acct + "X"
    elif change == "currency":
        o["currency"] = "EUR" if cur != "EUR" else "USD"
        o.pop("amount", None)
    o["ts"] = stamp()
    return dumps(o)


def delete(i):
    tid, acct = known[i][0], known[i][1]
    return dumps({"transaction_id": tid, "account": acct, "op": "delete", "ts": stamp()})


BAD = [
    lambda: '{"transaction_id":"bad","account":"A00001","type":"deposit","amount":1.00',
    lambda: '{"transaction_id":"bad2","type":"deposit","amount":1.00}',
    lambda: '{"transaction_id":"bad3","account":"A00001","type":"deposit","amount":1.00,'
            '"currency":"ZZZ"}',
    lambda: '{"transaction_id":"bad4","account":"A00001","type":"deposit","amount":1.005}',
    lambda: '{"transaction_id":"bad5","account":"A00001","type":"deposit",'
            '"amount":123456789012345678901234567890}',
    lambda: '{"transaction_id":"bad6","account":"A00001","type":"deposit","amount":-5.00}',
    lambda: '[1,2,3]',
    lambda: '{"transaction_id":"bad7","account":"A00001","type":"gift","amount":1.00}',
    lambda: '{"transaction_id":"bad8","account":"A00001","type":"transfer","amount":1.00}',
    lambda: 'not json at all',
    lambda: '{"transaction_id":"bad9","account":"A00001","type":"deposit"}',
    lambda: '{"transaction_id":"bad10","account":"A00001","type":"deposit","amount":"1e3"}',
]

for _ in range(n):
    r = rng.random()
    if r < 0.62 or not known:
        line = create()
    elif r < 0.74 and pending:
        i = pending.pop(rng.randrange(len(pending)))
        line = update(i, rng.choice(["completed", "completed", "completed", "failed"]))
    elif r < 0.76:
        line = update(rng.randrange(len(known)), rng.choice(["completed", "failed", "pending"]))
    elif r < 0.80:
        line = delete(rng.randrange(len(known)))
    elif r < 0.85 and recent:
        line = rng.choice(recent)  # a byte-identical duplicate
    elif r < 0.86:
        tid = known[rng.randrange(len(known))][0]
        line = '{"transaction_id":"%s","account":"A00002","type":"deposit","amount":9.99}' % tid
    elif r < 0.88:
        line = update(rng.randrange(len(known)), "completed",
                      rng.choice(["amount", "type", "account", "currency"]))
    elif r < 0.89:
        line = dumps({"transaction_id": "nope%d" % rng.randrange(10**9), "account": "A00001",
                      "op": rng.choice(["update", "delete"]), "status": "completed"})
    elif r < 0.895:
        a = rng.choice(accounts)
        seq += 1
        line = dumps({"transaction_id": "t%d" % seq, "account": a, "type": "transfer",
                      "amount": "1.00", "counterparty": a})
    elif r < 0.897:
        # near the int64 limit: INT64_MAX cents, then more: balance_overflow
        seq += 1
        line = dumps({"transaction_id": "t%d" % seq, "account": "BIG", "type": "deposit",
                      "amount": "92233720368547758.07", "currency": "USD"})
    elif r < 0.93:
        line = rng.choice(BAD)()
    else:
        line = create()
    w(line)
    if rng.random() < 0.05:
        recent.append(line)
        if len(recent) > 200:
            recent.pop(0)
    if len(out) >= 4096:
        sys.stdout.write("\n".join(out) + "\n")
        out.clear()
sys.stdout.write("".join(x + "\n" for x in out))

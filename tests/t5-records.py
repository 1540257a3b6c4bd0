#!/usr/bin/env python3
"""t5-records.py: deterministic records for txstore's tests, as txsub | txbal
would hand them over: source positions, new_balance, available_balance,
tx_count and counterparty_balance (txbal's counting rules: a transfer counts
on both sides; the counterparty is credited). Decimal arithmetic only.

usage: t5-records.py N [--seed S] [--partitions P] [--topic T] [--first-offset O]
                       [--prefix P] [--balances FILE] [--sum FILE]
Writes N lines on stdout; with --balances, the balances file txstore balances
must print afterwards; with --sum, "count sum" per currency of the amounts. Accounts are named
PREFIX00 to PREFIX19 (--prefix, A by default): another prefix makes a
stream whose balance chains are its own.
"""
import argparse
import random
from decimal import Decimal

p = argparse.ArgumentParser()
p.add_argument("n", type=int)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--partitions", type=int, default=3)
p.add_argument("--topic", default="transactions")
p.add_argument("--first-offset", type=int, default=0)
p.add_argument("--prefix", default="A")
p.add_argument("--balances")
p.add_argument("--sum")
a = p.parse_args()

rng = random.Random(a.seed)
EXP = {"USD": 2, "JPY": 0, "KWD": 3}
bal = {}  # (account, currency) -> [balance, count]
offsets = {}
sums = {}
for i in range(a.n):
    cur = rng.choice(["USD", "USD", "USD", "JPY", "KWD"])
    e = EXP[cur]
    acct = a.prefix + "%02d" % rng.randrange(20)
    typ = rng.choice(["deposit", "deposit", "withdrawal", "payment", "transfer", "fee", "refund"])
    amt = Decimal(rng.randrange(1, 10 ** (e + 4))).scaleb(-e)
    part = rng.randrange(a.partitions)
    off = offsets.get(part, a.first_offset)
    offsets[part] = off + 1
    us = 1767225600000000 + i * 1000003
    ts = "2026-01-01T%02d:%02d:%02d.%06dZ" % (
        us // 3600000000 % 24, us // 60000000 % 60, us // 1000000 % 60, us % 1000000)
    key = (acct, cur)
    b = bal.setdefault(key, [Decimal(0).scaleb(-e), 0])
    sign = 1 if typ in ("deposit", "refund") else -1
    b[0] += sign * amt
    b[1] += 1
    fmt = "%%.%df" % e
    rec = '{"transaction_id":"t5-%d-%d","account":"%s","type":"%s","amount":%s,"currency":"%s","ts":"%s"' % (
        a.seed, i, acct, typ, fmt % amt, cur, ts)
    if typ == "transfer":
        cp = a.prefix + "%02d" % ((int(acct[len(a.prefix):]) + 1 + rng.randrange(19)) % 20)
        cb = bal.setdefault((cp, cur), [Decimal(0).scaleb(-e), 0])
        cb[0] += amt
        cb[1] += 1
        rec += ',"counterparty":"%s"' % cp
    rec += ',"status":"completed","source":{"topic":"%s","partition":%d,"offset":%d,"ts":"%s"}' % (
        a.topic, part, off, ts)
    rec += ',"new_balance":%s,"available_balance":%s,"tx_count":%d' % (fmt % b[0], fmt % b[0], b[1])
    if typ == "transfer":
        rec += ',"counterparty_balance":%s' % (fmt % cb[0])
    rec += "}"
    print(rec)
    s = sums.setdefault(cur, [0, Decimal(0).scaleb(-e)])
    s[0] += 1
    s[1] += amt

if a.balances:
    with open(a.balances, "w") as f:
        for (acct, cur) in sorted(bal, key=lambda k: (k[0].encode(), k[1].encode())):
            b = bal[(acct, cur)]
            fmt = "%%.%df" % EXP[cur]
            f.write('{"account":"%s","currency":"%s","balance":%s,"available_balance":%s,"tx_count":%d}\n'
                    % (acct, cur, fmt % b[0], fmt % b[0], b[1]))
if a.sum:
    with open(a.sum, "w") as f:
        for cur in sorted(sums):
            f.write("%s %d %s\n" % (cur, sums[cur][0], sums[cur][1]))

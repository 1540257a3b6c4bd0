#!/usr/bin/env python3
"""Money is conserved: check it from what txbal wrote.

Usage: conservation.py OUTPUT STATE [INIT]

OUTPUT is txbal's record stream, STATE its --state file (INIT the --init
file, if any). From the statuses txbal reported, each transaction's final
effect is known: completed and not deleted counts, anything else does not.
Transfers move money between accounts and cancel out, so per currency

    sum(balances) == sum(initial balances) + external inflows - external outflows

where inflows are completed deposits and refunds, outflows completed
withdrawals, payments and fees. Prints the totals; exits 1 if they differ.
"""
import json
import sys
from decimal import Decimal

CREDITS = {"deposit", "refund"}

creates, final = {}, {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        o = json.loads(line, parse_float=Decimal)
        tid, op = o["transaction_id"], o.get("op", "create")
        if op == "create":
            creates[tid] = (o["type"], Decimal(o["amount"]), o.get("currency", "USD"))
            final[tid] = o["status"]
        elif op == "update":
            final[tid] = o["status"]
        else:
            final[tid] = "deleted"

flow = {}
for tid, (typ, amount, cur) in creates.items():
    if final[tid] == "completed" and typ != "transfer":
        flow[cur] = flow.get(cur, 0) + (amount if typ in CREDITS else -amount)


def total(path):
    sums = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line, parse_float=Decimal)
            sums[o["currency"]] = sums.get(o["currency"], 0) + Decimal(o["balance"])
    return sums


balances = total(sys.argv[2])
initial = total(sys.argv[3]) if len(sys.argv) > 3 else {}
status = 0
for cur in sorted(set(balances) | set(flow) | set(initial)):
    b, i, f = balances.get(cur, 0), initial.get(cur, 0), flow.get(cur, 0)
    ok = b == i + f
    print("%s balances %s = initial %s + inflows - outflows %s: %s" % (
        cur, b, i, f, "ok" if ok else "DIFFERENT"))
    if not ok:
        status = 1
sys.exit(status)

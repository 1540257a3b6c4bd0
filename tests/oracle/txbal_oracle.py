#!/usr/bin/env python3
"""An independent reference for txbal's ledger rules (txbal(1), LEDGER RULES).

Written for clarity, not speed: json.loads, Decimal, dicts. It reads NDJSON
on stdin and writes the final balances file (the format of txbal --state,
sorted by account then currency) to stdout, and the counts txbal prints in
its summary to stderr:

    read N applied N failed N refused N duplicates N rejected N

(failed: the records that failed a transaction, refused by the ledger or
failed by the record itself; refused: the first kind.)

Usage: txbal_oracle.py [--init FILE] [--overdraft LIMIT | --overdraft-unlimited]

It shares no code with txbal: amounts are Decimals in major units, checked
against int64 minor units only where txbal's limits are part of the rules
(an amount or balance that does not fit is refused or rejected).
"""
import json
import re
import sys
from decimal import Decimal

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

# The currencies this oracle knows (a subset of ISO 4217 with txkit's exponents);
# the test streams use only these, plus codes that are not ISO 4217 at all.
EXPONENT = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KWD": 3, "BHD": 3, "CLF": 4}

TYPES = {
    "deposit": "deposit", "credit": "deposit", "cash_in": "deposit",
    "withdrawal": "withdrawal", "withdraw": "withdrawal", "debit": "withdrawal",
    "cash_out": "withdrawal",
    "payment": "payment", "purchase": "payment",
    "transfer": "transfer", "fee": "fee", "refund": "refund",
}
CREDITS = {"deposit", "refund"}
NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


class Num(str):
    """A JSON number, kept as its text."""


class Bad(Exception):
    pass


def money(text, exponent):
    """Decimal text -> minor units (int), as txkit's rules say, or raise Bad."""
    if not NUMBER.match(text):
        raise Bad("not a plain decimal number")
    d = Decimal(text)
    minor = d.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise Bad("too many decimals")
    minor = int(minor)
    if minor > INT64_MAX or minor < INT64_MIN:
        raise Bad("out of range")
    return minor


def fmt(minor, exponent):
    d = Decimal(minor).scaleb(-exponent)
    return str(d.quantize(Decimal(1).scaleb(-exponent))) if exponent else str(minor)


def ident(v, what):
    if isinstance(v, str) and not isinstance(v, Num):
        return v
    if isinstance(v, Num) and re.match(r"-?(0|[1-9][0-9]*)$", v) and what != "transaction_id":
        return str(v)
    raise Bad(what)


def parse(line):
    """The fields the ledger needs, or raise Bad."""
    try:
        o = json.loads(line, parse_float=Num, parse_int=Num)
    except ValueError:
        raise Bad("invalid JSON")
    if not isinstance(o, dict):
        raise Bad("not an object")
    r = {}
    for key in ("transaction_id", "account", "counterparty"):
        if key in o:
            r[key] = ident(o[key], key)
    t = o.get("type", o.get("transaction_type"))
    if t is not None:
        if not isinstance(t, str) or isinstance(t, Num) or t.lower() not in TYPES:
            raise Bad("type")
        r["type"] = TYPES[t.lower()]
    cur = o.get("currency")
    if cur is not None:
        if isinstance(cur, Num) or not isinstance(cur, str) or cur not in EXPONENT:
            raise Bad("currency")
        r["currency"] = cur
    r["cur"] = r.get("currency", "USD")
    if "amount" in o:
        a = o["amount"]
        if not isinstance(a, str):
            raise Bad("amount type")
        r["amount"] = money(a, EXPONENT[r["cur"]])
        if r["amount"] < 0:
            raise Bad("negative")
    for key, words in (("status", ("pending", "completed", "failed")),
                       ("op", ("create", "update", "delete"))):
        if key in o:
            if isinstance(o[key], Num) or o[key] not in words:
                raise Bad(key)
            r[key] = o[key]
    r.setdefault("op", "create")
    if "transaction_id" not in r or "account" not in r:
        raise Bad("missing id or account")
    if r["op"] == "create" and ("type" not in r or "amount" not in r):
        raise Bad("missing type or amount")
    if r.get("type") == "transfer" and "counterparty" not in r:
        raise Bad("missing counterparty")
    return r


def fits(bal, res):
    return all(INT64_MIN <= v <= INT64_MAX for v in (bal, res, bal - res))


class Ledger:
    def __init__(self, overdraft, unlimited):
        self.acct = {}  # (account, currency) -> [balance, reserved, count]
        self.order = []
        self.tx = {}    # id -> dict(state, key, cp, type, amount)
        self.overdraft = overdraft  # Decimal text
        self.unlimited = unlimited

    def entry(self, account, cur):
        k = (account, cur)
        if k not in self.acct:
            self.acct[k] = [0, 0, 0]
        return k

    def change(self, k, dbal, dres, cp=None, dcp=0):
        a = self.acct[k]
        nb, nr = a[0] + dbal, a[1] + dres
        if not fits(nb, nr):
            return False
        if cp is not None:
            c = self.acct[cp]
            if not fits(c[0] + dcp, c[1]):
                return False
            c[0] += dcp
        a[0], a[1] = nb, nr
        return True

    def post(self, x, direction, release=False):
        sign = 1 if x["type"] in CREDITS else -1
        v = x["amount"] * direction
        cp = x["cp"] if x["type"] == "transfer" else None
        return self.change(x["key"], sign * v, -x["amount"] if release else 0, cp, v)

    def apply(self, r):
        """'applied', 'failed' (refused), 'failed by record', 'duplicate' or 'rejected'."""
        if r["op"] == "create":
            return self.create(r)
        return self.settle(r)

    def create(self, r):
        if r["type"] == "transfer" and r["counterparty"] == r["account"]:
            return "rejected"
        if r["transaction_id"] in self.tx:
            return "duplicate"
        cur = r["cur"]
        k = self.entry(r["account"], cur)
        cp = self.entry(r["counterparty"], cur) if r["type"] == "transfer" else None
        x = {"state": "failed", "key": k, "cp": cp, "type": r["type"], "amount": r["amount"]}
        self.tx[r["transaction_id"]] = x
        status = r.get("status", "completed")
        if status == "failed":
            return "failed by record"
        a = self.acct[k]
        debit = r["type"] not in CREDITS
        if debit and not self.unlimited:
            limit = money(self.overdraft, EXPONENT[cur])
            if a[0] - a[1] - r["amount"] < -limit:
                return "failed"
        if status == "pending":
            if debit and not self.change(k, 0, r["amount"]):
                return "failed"
            x["state"] = "pending"
        else:
            if not self.post(x, 1):
                return "failed"
            x["state"] = "completed"
        a[2] += 1
        if cp is not None:
            self.acct[cp][2] += 1
        return "applied"

    def settle(self, r):
        x = self.tx.get(r["transaction_id"])
        if x is None:
            return "rejected"
        account, cur = x["key"]
        if r["account"] != account:
            return "rejected"
        if "currency" in r and r["currency"] != cur:
            return "rejected"
        if "type" in r and r["type"] != x["type"]:
            return "rejected"
        if "amount" in r and r["amount"] != x["amount"]:
            return "rejected"
        if "counterparty" in r and (x["cp"] is None or x["cp"][0] != r["counterparty"]):
            return "rejected"
        st = x["state"]
        debit = x["type"] not in CREDITS
        if st == "deleted":
            # a copy of the delete, or of an update to the state it was deleted in
            if r["op"] == "delete" or r.get("status", x["deleted_from"]) == x["deleted_from"]:
                return "duplicate"
            return "rejected"
        if r["op"] == "delete":
            if st == "pending" and debit:
                self.change(x["key"], 0, -x["amount"])
            elif st == "completed" and not self.post(x, -1):
                return "rejected"
            x["deleted_from"] = st
            x["state"] = "deleted"
            return "applied"
        to = r.get("status", st)
        if st == "pending":
            if to == "completed":
                if not self.post(x, 1, release=debit):
                    if debit:
                        self.change(x["key"], 0, -x["amount"])
                    x["state"] = "failed"
                    return "failed"
                x["state"] = "completed"
            elif to == "failed":
                if debit:
                    self.change(x["key"], 0, -x["amount"])
                x["state"] = "failed"
                return "failed by record"
            return "applied"
        if st == "completed":
            if to == "pending":
                return "rejected"
            if to == "failed":
                if not self.post(x, -1):
                    return "rejected"
                x["state"] = "failed"
                return "failed by record"
            return "applied"
        return "applied" if to == "failed" else "rejected"


def main(argv):
    init, overdraft, unlimited = None, "0", False
    i = 0
    while i < len(argv):
        if argv[i] == "--init":
            init = argv[i + 1]
            i += 1
        elif argv[i] == "--overdraft":
            overdraft = argv[i + 1]
            i += 1
        elif argv[i] == "--overdraft-unlimited":
            unlimited = True
        else:
            sys.exit("usage: txbal_oracle.py [--init FILE] [--overdraft LIMIT | --overdraft-unlimited]")
        i += 1
    led = Ledger(overdraft, unlimited)
    if init:
        with open(init, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                o = json.loads(line, parse_float=Num, parse_int=Num)
                cur = o.get("currency", "USD")
                e = EXPONENT[cur]
                bal = money(o["balance"], e)
                avail = money(o.get("available_balance", o["balance"]), e)
                k = led.entry(ident(o["account"], "account"), cur)
                led.acct[k] = [bal, bal - avail, int(o.get("tx_count", 0))]
    counts = {"read": 0, "applied": 0, "failed": 0, "failed by record": 0, "duplicate": 0,
              "rejected": 0}
    for raw in sys.stdin.buffer:
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if not line:
            continue
        counts["read"] += 1
        try:
            r = parse(line.decode("utf-8"))
        except (Bad, UnicodeDecodeError):
            counts["rejected"] += 1
            continue
        counts[led.apply(r)] += 1
    out = []
    for (account, cur), (bal, res, n) in led.acct.items():
        e = EXPONENT[cur]
        out.append(((account.encode("utf-8"), cur),
                    '{"account":%s,"currency":"%s","balance":%s,"available_balance":%s,'
                    '"tx_count":%d}' % (json.dumps(account, ensure_ascii=False), cur,
                                        fmt(bal, e), fmt(bal - res, e), n)))
    out.sort()
    sys.stdout.write("".join(line + "\n" for _, line in out))
    counts["refused"] = counts["failed"]
    counts["failed"] += counts["failed by record"]
    sys.stderr.write("read %(read)d applied %(applied)d failed %(failed)d refused %(refused)d "
                     "duplicates %(duplicate)d rejected %(rejected)d\n" % counts)


if __name__ == "__main__":
    main(sys.argv[1:])

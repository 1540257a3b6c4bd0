#!/usr/bin/env python3
"""Precision and recall of txbal's alert rules against txgen's anomaly labels.

Usage: anomalies.py < txbal-output.ndjson

A record is labelled when txgen marked it ("anomaly": "account_takeover" or
"burst"); it is flagged by a rule when txbal's "alerts" list names the rule.
An anomaly (an incident) is what txgen injected at once: a takeover is its
transfer (labelled, with the mule as counterparty) and the mule's labelled
cash-out withdrawal; a burst is the labelled payments of one account less
than 60 s apart. An incident is found when a fraud rule flags one of its
records. For each rule, for the fraud rules together ("fraud":
large_amount, velocity, drain; low_balance and overdraft are notices about
the account's own money) and for all rules together ("any"):

    precision = flagged and labelled / flagged
    recall    = flagged and labelled / labelled      (records)
    rate      = flagged / records                    (the alert rate)

then "incidents N found F recall R" (fraud rules, per incident), the
incident recall per kind, and "labelled N records=M". Records txbal did not
write (rejected, duplicates) do not count.
"""
import json
import sys
from datetime import datetime

RULES = ["low_balance", "large_amount", "velocity", "overdraft", "drain"]
FRAUD = {"large_amount", "velocity", "drain"}
GROUPS = RULES + ["fraud", "any"]
flagged = {r: 0 for r in GROUPS}
hits = {r: 0 for r in GROUPS}
labelled, records = 0, 0
incidents = []  # [kind, found]
burst_of = {}  # account -> (incident, ts of its last payment)
mules = {}  # account -> [incident of a takeover whose cash-out is to come]


def seconds(ts):
    return datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S").timestamp() + float("0" + ts[19:-1])


for line in sys.stdin:
    o = json.loads(line)
    records += 1
    label = o.get("anomaly")
    alerts = set(o.get("alerts", []))
    if label and o.get("op") not in ("update", "delete"):
        labelled += 1
        acct = o["account"]
        if label == "burst":
            t = seconds(o["ts"])
            i, last = burst_of.get(acct, (None, None))
            if i is None or t - last > 60:
                i = len(incidents)
                incidents.append([label, 0])
            burst_of[acct] = (i, t)
        elif label == "account_takeover" and o.get("type") == "transfer":
            i = len(incidents)
            incidents.append([label, 0])
            mules.setdefault(o["counterparty"], []).append(i)
        elif label == "account_takeover" and mules.get(acct):
            i = mules[acct].pop(0)
        else:
            i = len(incidents)
            incidents.append([label, 0])
        if alerts & FRAUD:
            incidents[i][1] = 1
    for r in RULES:
        if r in alerts:
            flagged[r] += 1
            hits[r] += bool(label)
    if alerts & FRAUD:
        flagged["fraud"] += 1
        hits["fraud"] += bool(label)
    if alerts:
        flagged["any"] += 1
        hits["any"] += bool(label)


def ratio(a, b):
    return "%.4f" % (a / b) if b else "n/a"


for r in GROUPS:
    print("%-12s precision %s recall %s rate %s flagged %d hits %d" % (
        r, ratio(hits[r], flagged[r]), ratio(hits[r], labelled), ratio(flagged[r], records),
        flagged[r], hits[r]))
found = sum(f for _, f in incidents)
print("incidents %d found %d recall %s" % (len(incidents), found, ratio(found, len(incidents))))
for k in sorted({k for k, _ in incidents}):
    n = sum(1 for kk, _ in incidents if kk == k)
    f = sum(f for kk, f in incidents if kk == k)
    print("%-12s incidents %d found %d recall %s" % (k, n, f, ratio(f, n)))
print("labelled %d records=%d" % (labelled, records))

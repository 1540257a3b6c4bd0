#!/usr/bin/env python3
"""Precision and recall of txbal's alert rules against txgen's anomaly labels.

Usage: anomalies.py < txbal-output.ndjson

A record is labelled when txgen marked it ("anomaly": "account_takeover" or
"burst"); it is flagged by a rule when txbal's "alerts" list names the rule.
For each rule, for the three fraud rules together ("fraud": large_amount,
velocity, overdraft) and for all rules together ("any"):

    precision = flagged and labelled / flagged
    recall    = flagged and labelled / labelled

and recall per anomaly kind. Prints one line per figure, in the form

    RULE precision P recall R flagged N hits H

then "labelled N records=M". Records txbal did not write (rejected,
duplicates) do not count.
"""
import json
import sys

RULES = ["low_balance", "large_amount", "velocity", "overdraft"]
FRAUD = {"large_amount", "velocity", "overdraft"}  # low_balance is a customer notice
GROUPS = RULES + ["fraud", "any"]
flagged = {r: 0 for r in GROUPS}
hits = {r: 0 for r in GROUPS}
labelled, records = 0, 0
kinds, kind_hits = {}, {}

for line in sys.stdin:
    o = json.loads(line)
    records += 1
    label = o.get("anomaly")
    alerts = set(o.get("alerts", []))
    if label:
        labelled += 1
        kinds[label] = kinds.get(label, 0) + 1
        if alerts:
            kind_hits[label] = kind_hits.get(label, 0) + 1
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
    return "%.3f" % (a / b) if b else "n/a"


for r in GROUPS:
    print("%-12s precision %s recall %s flagged %d hits %d" % (
        r, ratio(hits[r], flagged[r]), ratio(hits[r], labelled), flagged[r], hits[r]))
for k in sorted(kinds):
    print("%-12s recall %s (any rule) labelled %d" % (k, ratio(kind_hits.get(k, 0), kinds[k]),
                                                     kinds[k]))
print("labelled %d records=%d" % (labelled, records))

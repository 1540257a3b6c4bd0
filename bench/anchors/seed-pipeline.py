# ANCHOR, not part of txkit: the whole pipeline written the way the seed
# projects write theirs (kafka-cash-flow-simulation, kafka-finance-poc,
# fastapi-kafka-postgres-logging), for bench/pipeline.sh to measure txkit
# against, in the same run, on the same records.
#
#   seed-pipeline.py produce BROKERS TOPIC FILE
#       a confluent-kafka Producer: for each record, a dict, json.dumps,
#       produce() keyed by account, poll(0); flush() at the end. (The seeds
#       build the dict from random values; here it comes from FILE, txgen's
#       output, with json.loads, so both sides carry the same records.)
#   seed-pipeline.py consume BROKERS TOPIC COUNT DB
#       a confluent-kafka Consumer in a group with auto commit, poll(1.0)
#       one message at a time; json.loads, a dict of balances, the record
#       with new_balance inserted into SQLite with one INSERT per record and a
#       commit every 1000 records (the seeds' database worker); stops after
#       COUNT records.
import json
import sqlite3
import sys

from confluent_kafka import Consumer, Producer


def produce(brokers, topic, path):
    p = Producer({"bootstrap.servers": brokers, "linger.ms": 5})
    with open(path) as f:
        for line in f:
            tx = json.loads(line)
            while True:
                try:
                    p.produce(topic, key=tx["account"], value=json.dumps(tx))
                    break
                except BufferError:
                    p.poll(0.1)
            p.poll(0)
    p.flush()


def consume(brokers, topic, count, db):
    c = Consumer({"bootstrap.servers": brokers, "group.id": "seed-pipeline",
                  "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE IF NOT EXISTS transactions (transaction_id TEXT PRIMARY KEY, "
                 "account TEXT, type TEXT, amount REAL, new_balance REAL, record TEXT)")
    balances = {}
    n = 0
    while n < count:
        msg = c.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            print("consumer error: %s" % msg.error(), file=sys.stderr)
            continue
        tx = json.loads(msg.value())
        a = tx["account"]
        if tx["type"] in ("deposit", "refund"):
            balances[a] = balances.get(a, 0) + tx["amount"]
        else:
            balances[a] = balances.get(a, 0) - tx["amount"]
        tx["new_balance"] = balances[a]
        conn.execute("INSERT OR REPLACE INTO transactions VALUES (?, ?, ?, ?, ?, ?)",
                     (tx["transaction_id"], a, tx["type"], tx["amount"], tx["new_balance"],
                      json.dumps(tx)))
        n += 1
        if n % 1000 == 0:
            conn.commit()
    conn.commit()
    c.close()


if __name__ == "__main__":
    if sys.argv[1] == "produce":
        produce(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        consume(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])

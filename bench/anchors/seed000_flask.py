"""Seed 000's Flask API, rebuilt for bench/txhttp.sh: POST
/api/transactions validates the JSON and publishes it to Kafka (the API is
the producer, as in the seed), answering 201 with the transaction. Run:
TX_BROKERS=host:port TX_TOPIC=t python3 bench/anchors/seed000_flask.py PORT
(Flask's threaded server, as `flask run` starts it).
"""
import json
import os
import sys
import uuid
from datetime import datetime, timezone

from confluent_kafka import Producer
from flask import Flask, jsonify, request

app = Flask(__name__)
producer = Producer({"bootstrap.servers": os.environ["TX_BROKERS"], "linger.ms": 5})
TOPIC = os.environ.get("TX_TOPIC", "transactions")


@app.route("/api/transactions", methods=["POST"])
def create_transaction():
    data = request.get_json(force=True)
    for field in ("account", "type", "amount"):
        if field not in data:
            return jsonify({"error": "missing " + field}), 400
    data.setdefault("transaction_id", str(uuid.uuid4()))
    data.setdefault("ts", datetime.now(timezone.utc).isoformat())
    producer.produce(TOPIC, key=str(data["account"]), value=json.dumps(data))
    producer.poll(0)
    return jsonify(data), 201


@app.route("/healthz")
def healthz():
    return jsonify({"status": "ok"})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)

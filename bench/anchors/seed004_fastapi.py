"""Seed 004's API service, rebuilt for bench/txhttp.sh: FastAPI with a
pydantic model, POST /transaction publishes the event to Kafka and answers
202 at once (the producer's send is not awaited, as in the seed), GET
/healthz. Run: TX_BROKERS=host:port TX_TOPIC=t python3 -m uvicorn
--app-dir bench/anchors seed004_fastapi:app --workers 2
"""
import json
import os
import uuid
from datetime import datetime, timezone
from typing import Optional

from confluent_kafka import Producer
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="Financial Transaction Logging API")
producer = Producer({"bootstrap.servers": os.environ["TX_BROKERS"], "linger.ms": 5})
TOPIC = os.environ.get("TX_TOPIC", "transactions")


class Transaction(BaseModel):
    transaction_id: Optional[str] = None
    account: str
    type: str
    amount: float = Field(ge=0)
    currency: str = "USD"
    counterparty: Optional[str] = None
    status: str = "completed"


@app.post("/transaction", status_code=202)
def create_transaction(tx: Transaction):
    event = tx.dict()
    event["transaction_id"] = event["transaction_id"] or str(uuid.uuid4())
    event["ts"] = datetime.now(timezone.utc).isoformat()
    # the seed's producer.send(): queued, not awaited
    producer.produce(TOPIC, key=tx.account, value=json.dumps(event))
    producer.poll(0)
    return JSONResponse(status_code=202,
                        content={"transaction_id": event["transaction_id"], "status": "accepted"})


@app.get("/healthz")
def healthz():
    return {"status": "ok"}

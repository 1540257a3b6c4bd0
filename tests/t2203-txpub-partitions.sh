#!/bin/sh
# txpub places keyed records itself (murmur2, as the Java client does) with
# the partition count it asks the cluster for; a topic that grows while
# txpub runs gets records in its new partitions once txpub has asked again
# (topic.metadata.refresh.interval.ms), and none is lost on the way. Apache
# Kafka only: the mock cluster cannot add partitions to a topic.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

broker_require kafka kcat confluent-kafka
TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG

txgen -n 400 --seed 11 --accounts 60 >in.ndjson
head -n 200 in.ndjson >a.ndjson
tail -n 200 in.ndjson >b.ndjson

# tests/java_partition.py for the scripts below (no bytecode written into
# the source tree, read-only under make distcheck)
PYTHONPATH="$TX_SRCDIR/tests${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE

# place.py TXSUB_OUTPUT FIRST_N COUNT_BEFORE COUNT_AFTER: every record in the
# partition Java puts its account in, among COUNT_BEFORE partitions for the
# first FIRST_N input lines and COUNT_AFTER for the rest; every one once.
cat >place.py <<'EOF'
import json, sys

from java_partition import java_partition

out, first, before, after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
order = {json.loads(l)["transaction_id"]: i for i, l in enumerate(open("in.ndjson"))}
seen, new = set(), 0
for l in open(out):
    o = json.loads(l)
    i = order[o["transaction_id"]]
    assert o["transaction_id"] not in seen, ("twice", o["transaction_id"])
    seen.add(o["transaction_id"])
    n = before if i < first else after
    want = java_partition(o["account"], n)
    assert o["source"]["partition"] == want, (i, o["account"], o["source"]["partition"], want)
    new += o["source"]["partition"] >= before
assert len(seen) == len(order), ("records", len(seen), len(order))
assert new > 0, "nothing in the new partitions"
print("ok", len(seen), new)
EOF

# grow TOPIC COUNT: add partitions up to COUNT (the admin API)
grow() {
	"$TX_PY_KAFKA" - "$TX_BROKERS" "$1" "$2" <<'EOF'
import sys
from confluent_kafka.admin import AdminClient, NewPartitions
a = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in a.create_partitions([NewPartitions(sys.argv[2], int(sys.argv[3]))]).values():
    f.result(60)
EOF
}

# count_topic TOPIC: records in TOPIC now
count_topic() {
	kcat -C -b "$TX_BROKERS" -t "$1" -e -q -f "x\n" 2>/dev/null | wc -l
}

if broker_start kafka; then
	broker_create_topic grow 2

	test_expect_success 'kafka: a topic grown from 2 to 6 partitions mid-stream gets keys placed as Java places them, before and after' '
		rm -f fifo && mkfifo fifo
		txpub -t grow -X topic.metadata.refresh.interval.ms=1000 <fifo 2>pub.err &
		pid=$!
		exec 3>fifo &&
		cat a.ndjson >&3 &&
		n=0 &&
		while [ "$(count_topic grow)" -lt 200 ] && [ $n -lt 150 ]; do
			sleep 0.2
			n=$((n + 1))
		done &&
		grow grow 6 &&
		# txpub asks again after a second; librdkafka learns of the
		# partitions from the same answer
		sleep 3 &&
		cat b.ndjson >&3 &&
		exec 3>&- &&
		wait $pid &&
		test_grep "read 400, published 400, rejected 0, failed 0" pub.err &&
		txsub -q -t grow -e >out.ndjson &&
		"$PYTHON3" place.py out.ndjson 200 2 6
	'
	broker_stop
else
	test_expect_success 'kafka: the broker starts' 'false'
fi
test_done

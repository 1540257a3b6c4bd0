#!/bin/sh
# txhttp -t against txbroker and Apache Kafka: a 202 only after the broker
# acknowledged the record, with the partition and offset where it is; keyed
# by account; 503 with Retry-After while the broker is away; and 32 client
# threads (Python's http.client) posting 100,000 records, one per POST,
# through a broker outage, retrying on 503 with the same Idempotency-Key:
# every record answered 202 is in the topic at the position the answer gave,
# and stored once downstream.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/http.sh"
. "$TX_SRCDIR/tests/kafka.sh"

command -v curl >/dev/null 2>&1 || test_skip_all 'curl is not installed (apt-get install curl)'
TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
PYTHONPATH="$TX_SRCDIR/tests${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE
: "${TX_HTTP_CLIENT_RECORDS:=100000}"


# check.py: the answers against the topic as txsub reads it.
cat >check.py <<'EOF'
import json, sys
from java_partition import java_partition
cmd = sys.argv[1]
def lines(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
if cmd == "positions":
    # every answer's (partition, offset) holds that record, keyed by account
    topic = {(o["source"]["partition"], o["source"]["offset"]): o for o in lines(sys.argv[2])}
    nparts = int(sys.argv[4])
    n = 0
    for a in lines(sys.argv[3]):
        o = topic[(a["partition"], a["offset"])]
        assert o["transaction_id"] == a["transaction_id"], (a, o)
        assert o["source"]["key"] == str(o["account"]), o
        assert a["partition"] == java_partition(str(o["account"]), nparts), a
        n += 1
    print(n)
elif cmd == "outage":
    # acked: ids answered 202 with their positions; gave_up: ids never answered 202
    acked = {}
    for a in lines(sys.argv[3]):
        acked[a["transaction_id"]] = (a["partition"], a["offset"])
    gave_up = set(l.strip() for l in open(sys.argv[4]) if l.strip())
    recs = lines(sys.argv[2])
    at = {(o["source"]["partition"], o["source"]["offset"]): o["transaction_id"] for o in recs}
    seen = {}
    for o in recs:
        seen[o["transaction_id"]] = seen.get(o["transaction_id"], 0) + 1
    missing = [i for i in acked if i not in seen]
    wrong = [i for i, pos in acked.items() if at.get(pos) != i]
    unknown = [i for i in seen if i not in acked and i not in gave_up]
    dups = sum(n - 1 for n in seen.values())
    print("acked %d, gave up %d, in topic %d records %d distinct, duplicates %d, "
          "missing %d, wrong position %d, unknown %d"
          % (len(acked), len(gave_up), len(recs), len(seen), dups, len(missing), len(wrong),
             len(unknown)))
    sys.exit(1 if missing or wrong or unknown else 0)
elif cmd == "stored":
    # downstream: every id answered 202 stored exactly once, a given-up one at most once
    import sqlite3
    stored = {}
    for (i,) in sqlite3.connect(sys.argv[2]).execute("SELECT transaction_id FROM transactions"):
        stored[i] = stored.get(i, 0) + 1
    acked = [a["transaction_id"] for a in lines(sys.argv[3])]
    gave_up = [l.strip() for l in open(sys.argv[4]) if l.strip()]
    bad = [i for i in acked if stored.get(i) != 1] + [i for i in gave_up if stored.get(i, 0) > 1]
    print("stored %d, acked stored once %d, given up stored %d, wrong %d"
          % (len(stored), sum(stored.get(i) == 1 for i in acked),
             sum(i in stored for i in gave_up), len(bad)))
    sys.exit(1 if bad else 0)
EOF

# client.py URL N THREADS: N records, one per POST, from THREADS threads, each
# retried on 503 or a broken connection with the same Idempotency-Key, for up
# to 60 s. Python's own HTTP client (http.client, what urllib uses) on one
# keep-alive connection per thread: requests costs about 0.65 ms of CPU per
# POST here, six times as much, and the client was then the slowest part.
cat >client.py <<'EOF'
import http.client, json, sys, threading, time
from urllib.parse import urlsplit
url, n, nthreads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
host, port = urlsplit(url).hostname, urlsplit(url).port
acked, gave_up, lock = [], [], threading.Lock()
stats = {"503": 0, "conn": 0}
def run(first):
    c, my_acked, my_gave_up, n503, nconn = None, [], [], 0, 0
    for i in range(first, n, nthreads):
        key = "c-%06d" % i
        body = json.dumps({"account": "ACC%03d" % (i % 300), "type": "deposit",
                           "amount": "%d.%02d" % (1 + i % 97, i % 100)}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        end = time.time() + 60
        while True:
            r = None
            try:
                if c is None:
                    c = http.client.HTTPConnection(host, port, timeout=30)
                c.request("POST", "/api/transactions", body, headers)
                r = c.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                nconn += 1
                if c is not None:
                    c.close()
                c, r = None, None
            if r is not None and r.status == 202:
                a = json.loads(data)
                assert a["transaction_id"] == key and a["status"] == "accepted", a
                assert r.getheader("Location") == "/api/transactions/" + key
                my_acked.append(a)
                break
            if r is not None:
                assert r.status == 503, (r.status, data)
                assert r.getheader("Retry-After") == "1", r.getheaders()
                n503 += 1
            if time.time() > end:
                my_gave_up.append(key)
                break
            time.sleep(0.2)
    with lock:
        acked.extend(my_acked)
        gave_up.extend(my_gave_up)
        stats["503"] += n503
        stats["conn"] += nconn
t0 = time.time()
ts = [threading.Thread(target=run, args=(k,)) for k in range(nthreads)]
for t in ts: t.start()
for t in ts: t.join()
with open("acked.ndjson", "w") as f:
    for a in acked: f.write(json.dumps(a) + "\n")
with open("gave_up.txt", "w") as f:
    for k in gave_up: f.write(k + "\n")
print("%d records, %d answered 202, %d given up, %d answers 503, %d connection errors, %.1f s"
      % (n, len(acked), len(gave_up), stats["503"], stats["conn"], time.time() - t0))
EOF

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	broker_create_topic hx 4
	broker_create_topic hc 4
	broker_create_topic hr 4
	broker_create_topic hq 4
	rm -f *.pid
	start_http k -t hx -b "$TX_BROKERS" --ack-timeout 2

	test_expect_success "$kind: 202 after the ack, with partition and offset; keyed by account" '
		: >answers.ndjson &&
		for i in $(seq 1 30); do
			curl -s -o a.json -w "%{http_code}" -H "Content-Type: application/json" \
				--data-binary "{\"account\":\"ACC$((i % 7))\",\"type\":\"deposit\",\"amount\":\"$i.00\"}" \
				"$url/api/transactions" >code &&
			test "$(cat code)" = 202 &&
			test_grep "^{\"transaction_id\":\"[0-9a-f-]*\",\"status\":\"accepted\",\"partition\":[0-3],\"offset\":[0-9]*}$" a.json &&
			{ cat a.json; echo; } >>answers.ndjson || return 1
		done &&
		printf "%s\n" "{\"account\":\"B1\",\"type\":\"fee\",\"amount\":1}" "{\"account\":\"B1\"}" "{\"account\":\"B2\",\"type\":\"refund\",\"amount\":2}" |
			curl -s -o b.json -w "%{http_code}" -H "Content-Type: application/x-ndjson" --data-binary @- "$url/api/transactions" >code &&
		test "$(cat code)" = 202 &&
		"$PYTHON3" -c "import json; [print(json.dumps(r)) for r in json.load(open(\"b.json\"))[\"results\"] if r[\"status\"] == \"accepted\"]" >>answers.ndjson &&
		test_grep "{\"line\":2,\"status\":\"rejected\",\"error\":\"missing field .type.\",\"field\":\"type\"}" b.json &&
		txsub -q -b "$TX_BROKERS" -t hx -e >topic.ndjson &&
		test_line_count 32 topic.ndjson &&
		test "$("$PYTHON3" check.py positions topic.ndjson answers.ndjson 4)" = 32
	'

	# txhttp places the keys itself and produces a batch sorted by
	# partition; TX_REFERENCE=place leaves both to librdkafka, a record at
	# a time: Java's partitions either way, the same for every record
	test_expect_success "$kind: a batch of 2,000 records is placed as Java places it, and as the reference does" '
		txgen -q -n 2000 --seed 5 --accounts 50 >many.ndjson &&
		curl -s -o m1.json -w "%{http_code}" -H "Content-Type: application/x-ndjson" \
			--data-binary @many.ndjson "$url/api/transactions" >code1 &&
		rport=$(test_free_port) &&
		{ TX_REFERENCE=place txhttp -l "127.0.0.1:$rport" -t hr -b "$TX_BROKERS" \
			--ack-timeout 2 >r.out 2>r.err & echo $! >r.pid; } &&
		wait_http "http://127.0.0.1:$rport" &&
		curl -s -o m2.json -w "%{http_code}" -H "Content-Type: application/x-ndjson" \
			--data-binary @many.ndjson "http://127.0.0.1:$rport/api/transactions" >code2 &&
		stop_http r &&
		test "$(cat code1) $(cat code2) $(cat r.rc)" = "202 202 143" &&
		for m in m1 m2; do
			"$PYTHON3" -c "import json, sys; [print(json.dumps(r)) for r in json.load(open(sys.argv[1]))[\"results\"]]" $m.json >$m.ndjson || return 1
		done &&
		txsub -q -b "$TX_BROKERS" -t hx -e >hx.ndjson &&
		txsub -q -b "$TX_BROKERS" -t hr -e >hr.ndjson &&
		test "$("$PYTHON3" check.py positions hx.ndjson m1.ndjson 4)" = 2000 &&
		test "$("$PYTHON3" check.py positions hr.ndjson m2.ndjson 4)" = 2000 &&
		for m in m1 m2; do
			"$PYTHON3" -c "import json, sys; [print(r[\"transaction_id\"], r[\"partition\"]) for r in map(json.loads, open(sys.argv[1]))]" $m.ndjson >$m.parts || return 1
		done &&
		test_line_count 2000 m1.parts &&
		test_cmp m1.parts m2.parts
	'

	test_expect_success "$kind: healthz says the broker is up" '
		test "$(curl -s "$url/healthz")" = "{\"status\":\"ok\",\"sink\":\"kafka\",\"broker\":\"up\"}"
	'

	# Apache Kafka restarts take seconds: the outage cases share one.
	qport=$(test_free_port)
	txhttp -l "127.0.0.1:$qport" -t hq -b "$TX_BROKERS" --ack-timeout 3 \
		-X queue.buffering.max.messages=20 >q.out 2>q.err &
	echo $! >q.pid
	wait_http "http://127.0.0.1:$qport"
	broker_down
	# --ack-timeout 2: the answer within 4 s (librdkafka's reconnect backoff,
	# 10 s by default, made it 10 s)
	test_expect_success "$kind: broker away: 503 with Retry-After within the ack timeout, healthz 503" '
		t0=$(date +%s) &&
		curl -s -D h.txt -o a.json -w "%{http_code}" -H "Content-Type: application/json" -H "Idempotency-Key: away-1" \
			--data-binary "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" "$url/transaction" >code &&
		t1=$(date +%s) &&
		test "$(cat code)" = 503 &&
		test $((t1 - t0)) -le 4 &&
		tr -d "\r" <h.txt | test_grep "^Retry-After: 1$" - &&
		test_grep "^{\"transaction_id\":\"away-1\",\"status\":\"failed\",\"error\":\"" a.json &&
		test "$(curl -s -o /dev/null -w "%{http_code}" "$url/healthz")" = 503
	'
	# Each batch takes its room in librdkafka's queue before it is produced:
	# two batches of 10 fill 20 while the broker is away; the third finds
	# none within a second, and none of its records is produced
	test_expect_success "$kind: the local queue full: a batch without room fails whole, at once" '
		txgen -q -n 10 --seed 6 >ten.ndjson &&
		for i in 1 2 3; do
			{ curl -s -o q$i.json -w "%{http_code}" -H "Content-Type: application/x-ndjson" \
				--data-binary @ten.ndjson "http://127.0.0.1:$qport/api/transactions" >q$i.code & } ||
			return 1
		done &&
		wait &&
		test "$(cat q1.code q2.code q3.code)" = 503503503 &&
		test "$(grep -l "\"failed\":10," q1.json q2.json q3.json | wc -l)" = 3 &&
		test "$(grep -l "\"error\":\"Local: Queue full\"" q1.json q2.json q3.json | wc -l)" = 1 &&
		test "$(grep -l "\"error\":\"Local: Message timed out\"" q1.json q2.json q3.json | wc -l)" = 2
	'
	stop_http q
	broker_up
	test_expect_success "$kind: the broker back: 202 again" '
		for i in $(seq 1 300); do
			curl -s -o a.json -w "%{http_code}" -H "Content-Type: application/json" -H "Idempotency-Key: back-1" \
				--data-binary "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" "$url/transaction" >code
			[ "$(cat code)" = 202 ] && break
			sleep 0.2
		done &&
		test "$(cat code)" = 202
	'
	stop_http k

	test_expect_success "$kind: SIGTERM: summary, 143; failed counts the 503" '
		test "$(cat k.rc)" = 143 &&
		test_grep "^txhttp: requests [0-9]*, accepted 2033, rejected 1, failed [1-9][0-9]*$" k.err &&
		test "$(cat q.rc)" = 143 &&
		test_grep "^txhttp: requests 4, accepted 0, rejected 0, failed 30$" q.err
	'

	start_http c -q -t hc -b "$TX_BROKERS" --ack-timeout 2
	"$PYTHON3" client.py "$url" "$TX_HTTP_CLIENT_RECORDS" 32 >client.out 2>client.err &
	client=$!
	sleep 2
	broker_down
	sleep 3
	broker_up
	set +e
	wait $client
	echo $? >client.rc
	set -e
	say "$kind: $(cat client.out)"
	stop_http c

	test_expect_success "$kind: 32 threads through an outage: every 202 in the topic where it said" '
		test "$(cat client.rc)" = 0 &&
		test ! -s client.err &&
		test ! -s c.err &&
		txsub -q -b "$TX_BROKERS" -t hc -e >hc.ndjson &&
		"$PYTHON3" check.py outage hc.ndjson acked.ndjson gave_up.txt >outcome
	'
	say "$kind: $(cat outcome 2>/dev/null)"

	# downstream: what txsub read above (100,000 records: read once)
	test_expect_success "$kind: downstream after dedup by id: each record stored once" '
		# a database per broker: each holds the offsets of its own cluster
		txbal -q <hc.ndjson | txstore -q sqlite:c-$kind.db &&
		"$PYTHON3" check.py stored c-$kind.db acked.ndjson gave_up.txt >stored &&
		distinct=$(sed -n "s/.* \([0-9]*\) distinct.*/\1/p" outcome) &&
		test "$(sqlite3 c-$kind.db "SELECT count(*), count(DISTINCT transaction_id) FROM transactions")" = "$distinct|$distinct" &&
		acked=$(wc -l <acked.ndjson) &&
		test "$distinct" -ge "$acked"
	'
	say "$kind: $(cat stored 2>/dev/null)"
	broker_stop
done
broker_report_skips
test_done

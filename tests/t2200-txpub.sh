#!/bin/sh
# txpub against txbroker and Apache Kafka: every record acknowledged, keyed by
# account where Java clients put it, bad lines reported with their line
# numbers, --reject, --strict, --report, --key, headers, no holding back.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

broker_require kcat
# Never a config file of whoever runs the tests (an empty one instead).
TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG

txgen -n 2000 --seed 7 --accounts 50 >in.ndjson

# tests/java_partition.py for the scripts below (no bytecode written into
# the source tree, read-only under make distcheck)
PYTHONPATH="$TX_SRCDIR/tests${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE

# check.py: what the cases assert about records and placement.
cat >check.py <<'EOF'
import json, sys

from java_partition import java_partition

def lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]

cmd = sys.argv[1]
if cmd == "strip":
    # txsub output -> the records as published (source member removed)
    for l in lines(sys.argv[2]):
        o = json.loads(l)
        o.pop("source")
        print(json.dumps(o, separators=(",", ":"), ensure_ascii=False))
elif cmd == "canon":
    for l in lines(sys.argv[2]):
        print(json.dumps(json.loads(l), separators=(",", ":"), ensure_ascii=False))
elif cmd == "placement":
    # txsub output: key == account, the partition Java would choose, and
    # per account the input order kept in offset order
    nparts = int(sys.argv[3])
    order = {json.loads(l)["transaction_id"]: i for i, l in enumerate(lines(sys.argv[4]))}
    last = {}
    recs = [json.loads(l) for l in lines(sys.argv[2])]
    recs.sort(key=lambda o: (o["source"]["partition"], o["source"]["offset"]))
    for o in recs:
        s = o["source"]
        assert s["key"] == o["account"], (s, o["account"])
        want = java_partition(o["account"], nparts)
        assert s["partition"] == want, ("partition", o["account"], s["partition"], want)
        pos = order[o["transaction_id"]]
        assert last.get(o["account"], -1) < pos, ("order", o["account"])
        last[o["account"]] = pos
    print("ok", len(recs))
elif cmd == "report":
    # --report lines against txsub's view of the same topic
    seen = {}
    for l in lines(sys.argv[3]):
        o = json.loads(l)
        seen[o["transaction_id"]] = (o["source"]["partition"], o["source"]["offset"])
    ids = [json.loads(l)["transaction_id"] for l in lines(sys.argv[4])]
    n = 0
    for l in lines(sys.argv[2]):
        r = json.loads(l)
        assert ids[r["line"] - 1] == r["transaction_id"], r
        assert seen[r["transaction_id"]] == (r["partition"], r["offset"]), r
        n += 1
    assert n == len(ids) == len(seen), (n, len(ids), len(seen))
    print("ok", n)
EOF

sq="'"
test_expect_success '--partitions takes a whole number, 1 to 100000' '
	test_expect_code 2 txpub --partitions 0 </dev/null 2>err &&
	test_grep "^txpub: --partitions .0.: expected a whole number, 1 to 100000" err &&
	test_expect_code 2 txpub --partitions x </dev/null
'

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	broker_create_topic rt 8
	broker_create_topic bad 2
	broker_create_topic strict 2

	test_expect_success "$kind: every record published and acknowledged, exit 0" '
		txpub -t rt --report report <in.ndjson 2>err &&
		echo "txpub: read 2000, published 2000, rejected 0, failed 0" >want &&
		test_cmp want err
	'

	test_expect_success "$kind: txsub -e reads back the same records" '
		txsub -t rt -e >out 2>err &&
		test_line_count 2000 out &&
		"$PYTHON3" check.py strip out | sort >got &&
		"$PYTHON3" check.py canon in.ndjson | sort >want &&
		test_cmp want got
	'

	test_expect_success "$kind: keyed by account, in the partition Java chooses, in order" '
		"$PYTHON3" check.py placement out 8 in.ndjson
	'

	# TX_REFERENCE=place: librdkafka's murmur2_random partitioner places
	# every record, not txpub: the same partitions, the same order
	test_expect_success "$kind: TX_REFERENCE=place: the same placement, by librdkafka" '
		broker_create_topic rtref 8 &&
		TX_REFERENCE=place txpub -q -t rtref <in.ndjson &&
		txsub -t rtref -e >ref.out 2>err &&
		"$PYTHON3" check.py placement ref.out 8 in.ndjson
	'

	test_expect_success "$kind: kcat reads the bytes and keys txpub wrote" '
		kcat -C -b "$TX_BROKERS" -t rt -e -q -f "%k %s\n" | sort >got &&
		"$PYTHON3" -c "import json,sys
for l in open(\"in.ndjson\"): print(json.loads(l)[\"account\"], l, end=\"\")" | sort >want &&
		test_cmp want got
	'

	if [ -n "$TX_PY_KAFKA" ]; then
		test_expect_success "$kind: confluent-kafka (Python) reads the bytes and keys txpub wrote" '
			"$TX_PY_KAFKA" - "$TX_BROKERS" rt 8 >got.py <<-\EOF &&
			import sys
			from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
			c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "t2200-py",
			              "enable.partition.eof": True, "enable.auto.commit": False})
			n = int(sys.argv[3])
			c.assign([TopicPartition(sys.argv[2], p, OFFSET_BEGINNING) for p in range(n)])
			eof, out = set(), sys.stdout.buffer
			while len(eof) < n:
			    m = c.poll(10)
			    if m is None:
			        sys.exit("timed out")
			    if m.error():
			        if m.error().code() == -191:  # _PARTITION_EOF
			            eof.add(m.partition())
			            continue
			        sys.exit(str(m.error()))
			    out.write(m.key() + b" " + m.value() + b"\n")
			c.close()
			EOF
			sort got.py >got &&
			"$PYTHON3" -c "import json,sys
for l in open(\"in.ndjson\"): print(json.loads(l)[\"account\"], l, end=\"\")" | sort >want &&
			test_cmp want got
		'
	else
		test_skip "$kind: confluent-kafka reads the records txpub wrote" "python3 confluent_kafka is not installed (apt-get install python3-confluent-kafka)"
	fi

	test_expect_success "$kind: --report gives each record its partition and offset" '
		test_line_count 2000 report &&
		"$PYTHON3" check.py report report out in.ndjson
	'

	test_expect_success "$kind: bad lines reported by line number, rejected, the rest published" '
		sed -n 1,3p in.ndjson >mixed &&
		echo "not json" >>mixed &&
		sed -n 4,5p in.ndjson >>mixed &&
		echo "{\"transaction_id\":\"x1\",\"account\":\"A\",\"type\":\"deposit\"}" >>mixed &&
		echo "" >>mixed &&
		echo "{\"transaction_id\":\"x2\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1.005}" >>mixed &&
		echo "[1,2]" >>mixed &&
		sed -n 6p in.ndjson >>mixed &&
		test_expect_code 1 txpub -t bad --reject rej <mixed 2>err &&
		cat >want <<-\EOF &&
		txpub: stdin:4: invalid JSON at byte 1: expected '"'"'{'"'"' (a record is a JSON object)
		txpub: stdin:7: missing field '"'"'amount'"'"'
		txpub: stdin:9: field '"'"'amount'"'"' has more than 2 decimals for its currency
		txpub: stdin:10: invalid JSON at byte 1: expected '"'"'{'"'"' (a record is a JSON object)
		txpub: read 10, published 6, rejected 4, failed 0
		EOF
		test_cmp want err &&
		sed -n "4p;7p;9p;10p" mixed >want &&
		test_cmp want rej &&
		txsub -t bad -e --no-source 2>/dev/null | sort >got &&
		sed -n "1,3p;5,6p;11p" mixed | sort >want &&
		test_cmp want got
	'

	test_expect_success "$kind: --strict stops at the first bad line, publishes what came before" '
		test_expect_code 1 txpub -t strict --strict --reject rej2 <mixed 2>err &&
		test_grep "^txpub: stdin:4: invalid JSON" err &&
		test_grep "^txpub: read 4, published 3, rejected 1, failed 0$" err &&
		echo "not json" >want && test_cmp want rej2 &&
		txsub -t strict -e --no-source 2>/dev/null | sort >got &&
		sed -n 1,3p mixed | sort >want &&
		test_cmp want got
	'

	test_expect_success "$kind: --key chooses the key; a record without it is rejected" '
		printf "%s\n" \
			"{\"transaction_id\":\"k1\",\"account\":\"A1\",\"type\":\"payment\",\"amount\":2.00,\"merchant\":\"shop\"}" \
			"{\"transaction_id\":\"k2\",\"account\":\"A2\",\"type\":\"deposit\",\"amount\":3.00}" \
			"{\"transaction_id\":\"k3\",\"account\":\"A3\",\"type\":\"payment\",\"amount\":4.00,\"merchant\":\"caf\\u00e9\"}" >keyed &&
		test_expect_code 1 txpub -t bykey --key merchant <keyed 2>err &&
		test_grep "^txpub: stdin:2: key field .merchant. is missing$" err &&
		kcat -C -b "$TX_BROKERS" -t bykey -e -q -f "%k\n" | sort >got &&
		printf "café\nshop\n" >want &&
		test_cmp want got
	'

	test_expect_success "$kind: --objects publishes any JSON object, keyed by account when it has one" '
		printf "%s\n" \
			"{\"alert\":\"low_balance\",\"transaction_id\":\"t1\",\"account\":\"A1\",\"detail\":\"x\"}" \
			"{\"window_start\":\"2026-01-01T00:00:00.000000Z\",\"account\":\"A2\",\"count\":3}" \
			"{\"type\":\"low_balance\",\"amount\":\"lots\"}" \
			"{\"alert\":\"velocity\"" \
			"[1,2]" >objects &&
		test_expect_code 1 txpub -t objs --objects <objects 2>err &&
		test_grep "^txpub: stdin:4: invalid JSON at byte 20: expected .,. or .}.$" err &&
		test_grep "^txpub: stdin:5: invalid JSON at byte 1: expected .{. (a record is a JSON object)$" err &&
		test_grep "^txpub: read 5, published 3, rejected 2, failed 0$" err &&
		kcat -C -b "$TX_BROKERS" -t objs -e -q -f "%k|%s\n" | sort >got &&
		{ printf "|%s\n" "$(sed -n 3p objects)"; printf "A1|%s\nA2|%s\n" "$(sed -n 1p objects)" "$(sed -n 2p objects)"; } | sort >want &&
		test_cmp want got &&
		test_expect_code 1 txpub -t objs2 <objects 2>err2 &&
		test_grep "^txpub: read 5, published 0, rejected 5, failed 0$" err2
	'

	test_expect_success "$kind: --header and --produce-time add message headers" '
		sed -n 1p in.ndjson | txpub -t hdr --header content-type=application/json \
			--header origin=t2200 --produce-time 2>err &&
		kcat -C -b "$TX_BROKERS" -t hdr -e -q -f "%h\n" >got &&
		test_grep "^content-type=application/json,origin=t2200,produce-time=20[0-9-]*T[0-9:.]*Z$" got
	'

	test_expect_success "$kind: compression through -X compression.type" '
		for c in gzip zstd; do
			sed -n 1,200p in.ndjson | txpub -q -t comp-$c -X compression.type=$c &&
			txsub -t comp-$c -e -q --no-source | sort >got &&
			sed -n 1,200p in.ndjson | sort >want &&
			test_cmp want got || exit 1
		done
	'

	test_expect_success "$kind: blank lines are skipped and counted nowhere" '
		printf "\n%s\n   \n%s\n\n" "$(sed -n 1p in.ndjson)" "$(sed -n 2p in.ndjson)" |
			txpub -t blank 2>err &&
		test_grep "^txpub: read 2, published 2, rejected 0, failed 0$" err
	'

	test_expect_success "$kind: files as operands, named in messages" '
		sed -n 1,2p in.ndjson >f1 && printf "{\n" >f2 && sed -n 3p in.ndjson >>f2 &&
		test_expect_code 1 txpub -t files f1 f2 2>err &&
		test_grep "^txpub: f2:1: " err &&
		test_grep "^txpub: read 4, published 3, rejected 1, failed 0$" err &&
		test_expect_code 3 txpub -t files no-such-file 2>err &&
		test_grep "cannot open .no-such-file." err
	'

	if [ "$kind" = txbroker ]; then
		test_expect_success "$kind: --progress reports count and rate; -q says nothing" '
			{ sed -n 1,5p in.ndjson; sleep 2.5; } | txpub -t prog --progress 2>prog.err &&
			test_grep "^txpub: 5 records, [0-9]*/s$" prog.err &&
			test_grep "^txpub: read 5, published 5, rejected 0, failed 0$" prog.err &&
			sed -n 1,5p in.ndjson | txpub -q -t prog --progress 2>quiet.err &&
			test_line_count 0 quiet.err
		'
	fi

	test_expect_success "$kind: a line is delivered while the input stays open" '
		rm -f eof.marker
		{ sed -n 1p in.ndjson; sleep 6; touch eof.marker; } | txpub -t live 2>live.err &
		n=0 && got= &&
		while [ $n -lt 50 ] && [ ! -f eof.marker ]; do
			got=$(txsub -t live -e -q --no-source --connect-timeout 2 2>/dev/null || true)
			[ -n "$got" ] && break
			sleep 0.1; n=$((n + 1))
		done &&
		test ! -f eof.marker &&
		wait &&
		sed -n 1p in.ndjson >want && echo "$got" >got &&
		test_cmp want got
	'

	test_expect_success "$kind: --partitions creates the topic with that many partitions" '
		sed -n 1,200p in.ndjson >first200 &&
		txpub -t made --partitions 5 <first200 2>err &&
		cat >want <<-EOF &&
		txpub: created topic ${sq}made${sq} with 5 partitions
		txpub: read 200, published 200, rejected 0, failed 0
		EOF
		test_cmp want err &&
		txsub -t made -e >out 2>/dev/null &&
		test_line_count 200 out &&
		"$PYTHON3" check.py placement out 5 first200 &&
		"$PYTHON3" -c "import json, sys
print(sorted({json.loads(l)[\"source\"][\"partition\"] for l in open(\"out\")}))" >parts &&
		echo "[0, 1, 2, 3, 4]" >want && test_cmp want parts
	'

	test_expect_success "$kind: --partitions on a topic that has as many: used as it is" '
		sed -n 201,210p in.ndjson | txpub -t made --partitions 5 2>err &&
		echo "txpub: read 10, published 10, rejected 0, failed 0" >want &&
		test_cmp want err
	'

	test_expect_success "$kind: --partitions on a topic with another count: exit 2, nothing published" '
		test_expect_code 2 txpub -t made --partitions 7 <in.ndjson 2>err &&
		echo "txpub: topic ${sq}made${sq} exists with 5 partitions, not 7 (--partitions): txpub leaves it as it is (more partitions would move keys to others)" >want &&
		test_cmp want err &&
		test "$(txsub -t made -e -q | wc -l)" = 210
	'

	if [ "$kind" = txbroker ]; then
		test_expect_success "$kind: --partitions without TXBROKER_CONTROL says how to create it" '
			test_expect_code 4 env -u TXBROKER_CONTROL txpub -t nope --partitions 3 \
				</dev/null 2>err &&
			test_grep "^txpub: cannot create topic .nope.: the brokers are txbroker.s mock cluster, .*(-t nope:3, or txbroker -c .topic nope 3.)" err
		'
	fi

	broker_stop
done

test_done

#!/bin/sh
# txsub against txbroker and Apache Kafka: source positions (exact bytes),
# --no-source, -p, -o, -e, -c, --offsets, bad messages, kcat interop, the
# txsub | txpub copy with the same keys, idle flush, EPIPE, missing topic.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

broker_require kcat
# Never a config file of whoever runs the tests (an empty one instead).
TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG

txgen -n 1000 --seed 5 --accounts 40 >in.ndjson

# expect.py: what txsub must print, built from kcat's view of the topic
# ("%p %o %T %K %k\t%s": partition, offset, timestamp ms, key length, key, value).
cat >expect.py <<'EOF'
import datetime, json, sys

topic, cluster = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    line = line.rstrip("\n")
    head, value = line.split("\t", 1)
    p, o, ts, klen, key = (head.split(" ", 4) + [""])[:5]
    src = '{"topic":%s,"partition":%d,"offset":%d' % (json.dumps(topic), int(p), int(o))
    t = datetime.datetime.fromtimestamp(int(ts) / 1000, datetime.timezone.utc)
    src += ',"ts":"%s"' % t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if int(klen) >= 0:
        src += ',"key":%s' % json.dumps(key, ensure_ascii=False)
    src += ',"cluster":%s}' % json.dumps(cluster)
    assert value.endswith("}")
    print(value[:-1] + ',"source":' + src + "}")
EOF

# the "partition offset" pairs of a txsub output, sorted
positions() {
	"$PYTHON3" -c 'import json,sys
for l in open(sys.argv[1]):
    s = json.loads(l)["source"]; print(s["partition"], s["offset"])' "$1" | sort -n -k1,1 -k2,2
}

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	broker_create_topic s 4
	broker_create_topic mal 1
	broker_create_topic nl 1
	broker_create_topic nl2 1
	broker_create_topic spl 1
	broker_create_topic nokey 2
	broker_create_topic idle 1
	broker_create_topic quiet 1
	txpub -q -t s <in.ndjson
	kcat -C -b "$TX_BROKERS" -t s -e -q -f "%p %o\n" | sort -n -k1,1 -k2,2 >all.pos

	test_expect_success "$kind: txsub -e: each record with its exact source position" '
		txsub -t s -e >out 2>err &&
		echo "txsub: consumed 1000, written 1000, rejected 0" >want &&
		test_cmp want err &&
		cluster=$(sed -n "1s/.*\"cluster\":\"\([^\"]*\)\".*/\1/p" out) &&
		test -n "$cluster" &&
		kcat -C -b "$TX_BROKERS" -t s -e -q -f "%p %o %T %K %k\t%s\n" |
			"$PYTHON3" expect.py s "$cluster" | sort >want &&
		sort out >got &&
		test_cmp want got
	'

	test_expect_success "$kind: --no-source writes the bytes as published" '
		txsub -t s -e -q --no-source | sort >got &&
		sort in.ndjson >want &&
		test_cmp want got
	'

	test_expect_success "$kind: -p chooses partitions" '
		txsub -t s -e -q -p 0,2 >out &&
		positions out >got &&
		grep -E "^(0|2) " all.pos >want &&
		test_cmp want got &&
		txsub -t s -e -q -p 1-3 >out &&
		positions out >got &&
		grep -E "^(1|2|3) " all.pos >want &&
		test_cmp want got &&
		test_expect_code 2 txsub -t s -e -p 4 2>err &&
		test_grep "partition 4 does not exist (the topic has 4)" err
	'

	test_expect_success "$kind: -o -N, -o N and -o end" '
		txsub -t s -e -q -o -2 >out &&
		positions out >got &&
		awk "{ n[\$1]++; l[\$1, n[\$1]] = \$0 } END { for (p = 0; p < 4; p++)
			for (i = n[p] - 1; i <= n[p]; i++) print l[p, i] }" all.pos >want &&
		test_cmp want got &&
		txsub -t s -e -q -p 1 -o 5 >out &&
		positions out >got &&
		awk "\$1 == 1 && \$2 >= 5" all.pos >want &&
		test_cmp want got &&
		txsub -t s -e -q -o end >out &&
		test_line_count 0 out
	'

	test_expect_success "$kind: -c stops after that many records" '
		txsub -t s -c 7 >out 2>err &&
		test_line_count 7 out &&
		test_grep "^txsub: consumed 7, written 7, rejected 0$" err
	'

	test_expect_success "$kind: --offsets starts named partitions exactly, others as -o says" '
		printf "%s\n" "{\"topic\":\"s\",\"partition\":0,\"offset\":3}" \
			"{\"topic\":\"other\",\"partition\":1,\"offset\":1}" \
			"{\"topic\":\"s\",\"partition\":2,\"offset\":10}" >offs &&
		txsub -t s -e -q --offsets offs -o end >out &&
		positions out >got &&
		awk "(\$1 == 0 && \$2 >= 3) || (\$1 == 2 && \$2 >= 10)" all.pos >want &&
		test_cmp want got &&
		txsub -t s -e -q --offsets offs >out &&
		positions out >got &&
		awk "(\$1 == 0 && \$2 >= 3) || \$1 == 1 || (\$1 == 2 && \$2 >= 10) || \$1 == 3" all.pos >want &&
		test_cmp want got
	'

	test_expect_success "$kind: an empty --offsets file is a fresh start" '
		: >empty &&
		txsub -t s -e -q --offsets empty >out &&
		positions out >got &&
		test_cmp all.pos got
	'

	test_expect_success "$kind: a bad --offsets file: FILE:LINE, exit 2" '
		printf "%s\n" "{\"topic\":\"s\",\"partition\":0,\"offset\":3}" "{\"topic\":\"s\"}" >bad.offs &&
		test_expect_code 2 txsub -t s -e --offsets bad.offs >out 2>err &&
		test_grep "^txsub: bad.offs:2: .partition. must be an integer >= 0$" err &&
		test_line_count 0 out
	'

	test_expect_success "$kind: messages that are not JSON objects: reported by position, --reject" '
		printf "%s\n" "{\"a\":1}" "not json" "[1]" "{\"a\":1,}" "{\"amount\":\"x\"}" |
			kcat -P -b "$TX_BROKERS" -t mal &&
		printf "{\"c\":\n[1,\n2]}" | kcat -P -b "$TX_BROKERS" -t mal -D "|" &&
		test_expect_code 1 txsub -t mal -e --no-source --reject rej >out 2>err &&
		cat >want <<-\EOF &&
		txsub: topic mal partition 0 offset 1: invalid JSON at byte 1: expected '"'"'{'"'"' (a record is a JSON object)
		txsub: topic mal partition 0 offset 2: invalid JSON at byte 1: expected '"'"'{'"'"' (a record is a JSON object)
		txsub: topic mal partition 0 offset 3: invalid JSON at byte 8: expected a string key
		txsub: consumed 6, written 3, rejected 3
		EOF
		test_cmp want err &&
		printf "%s\n" "not json" "[1]" "{\"a\":1,}" >want &&
		test_cmp want rej &&
		# the record after the rejects says which offsets were not written
		printf "%s\n" "{\"a\":1}" "{\"amount\":\"x\",\"dropped_from\":1}" "{\"c\": [1, 2]}" >want &&
		test_cmp want out
	'

	# issue 14: a raw line feed or CR inside a string is invalid JSON (it was
	# made a space: "id\nX" became "id X", the id of another record)
	test_expect_success "$kind: a raw newline inside a string is refused, between tokens kept" '
		printf "{\"transaction_id\":\"id\nX\",\"a\":1}|{\n \"transaction_id\": \"p\",\r\n \"a\": 2\n}|{\"b\":\"x\ry\"}|" |
			kcat -P -b "$TX_BROKERS" -t nl -D "|" &&
		test_expect_code 1 txsub -t nl -e --no-source --reject rej >out 2>err &&
		cat >want <<-\EOF &&
		txsub: topic nl partition 0 offset 0: invalid JSON at byte 22: control character in string
		txsub: topic nl partition 0 offset 2: invalid JSON at byte 8: control character in string
		txsub: consumed 3, written 1, rejected 2
		EOF
		test_cmp want err &&
		printf "%s\n" "{\"transaction_id\":\"id X\",\"a\":1}" "{\"b\":\"x y\"}" >want &&
		test_cmp want rej &&
		echo "{  \"transaction_id\": \"p\",   \"a\": 2,\"dropped_from\":0 }" >want &&
		test_cmp want out
	'

	# the newline check made by the scan, and the merge's chunks (one record
	# larger than a chunk), against their references (fastpath.h)
	test_expect_success "$kind: newlines in nested values, a 100 kB value: the same both ways" '
		big=$(head -c 100000 /dev/zero | tr "\\0" x) &&
		printf "{\"a\":{\"b\":\n[1,\r\n2]},\"c\":1}|{\"d\":[1,2],\"e\":{}}|{\"f\":\"%s\"}|\n{\"g\" :\t1}|{\"h\":[\"x\ny\"]}|" "$big" |
			kcat -P -b "$TX_BROKERS" -t nl2 -D "|" &&
		test_expect_code 1 txsub -t nl2 -e --no-source >out 2>err &&
		test_expect_code 1 env TX_REFERENCE=newline,held txsub -t nl2 -e --no-source >ref 2>ref.err &&
		printf "%s\n" "{\"a\":{\"b\": [1,  2]},\"c\":1}" "{\"d\":[1,2],\"e\":{}}" \
			"{\"f\":\"$big\"}" " {\"g\" :	1}" >want &&
		test_cmp want out &&
		test_cmp want ref &&
		cat >want <<-\EOF &&
		txsub: topic nl2 partition 0 offset 4: invalid JSON at byte 9: control character in string
		txsub: consumed 5, written 4, rejected 1
		EOF
		test_cmp want err &&
		test_cmp want ref.err
	'

	test_expect_success "$kind: a source member is replaced in place, spacing kept" '
		printf "%s\n" "{\"x\":1,\"source\":{\"old\":1},\"y\":2}" "{\"a\":1 }" "{}" |
			kcat -P -b "$TX_BROKERS" -t spl &&
		txsub -t spl -e -q |
			sed "s/\"ts\":\"[^\"]*\"/TS/; s/\"cluster\":\"[^\"]*\"/CL/" >got &&
		cat >want <<-\EOF &&
		{"x":1,"source":{"topic":"spl","partition":0,"offset":0,TS,CL},"y":2}
		{"a":1,"source":{"topic":"spl","partition":0,"offset":1,TS,CL} }
		{"source":{"topic":"spl","partition":0,"offset":2,TS,CL}}
		EOF
		test_cmp want got
	'

	test_expect_success "$kind: --strict stops at the first bad message" '
		test_expect_code 1 txsub -t mal -e --no-source --strict >out 2>err &&
		test_grep "^txsub: consumed 2, written 1, rejected 1$" err &&
		echo "{\"a\":1}" >want &&
		test_cmp want out
	'

	test_expect_success "$kind: records kcat produced (no key) are read, with no key in source" '
		sed -n 1,20p in.ndjson | kcat -P -b "$TX_BROKERS" -t nokey &&
		txsub -t nokey -e -q >out &&
		test_line_count 20 out &&
		! grep -q "\"key\"" out &&
		txsub -t nokey -e -q --no-source | sort >got &&
		sed -n 1,20p in.ndjson | sort >want &&
		test_cmp want got
	'

	test_expect_success "$kind: txsub | txpub copies a topic: same records, same keys" '
		txsub -t s -e -q | txpub -q -t copy &&
		txsub -t nokey -e -q | txpub -q -t copy2 &&
		kcat -C -b "$TX_BROKERS" -t s -e -q -f "%K %k %s\n" | sort >want &&
		kcat -C -b "$TX_BROKERS" -t copy -e -q -f "%K %k %s\n" | sort >got &&
		test_cmp want got &&
		kcat -C -b "$TX_BROKERS" -t nokey -e -q -f "%K %k %s\n" | sort >want &&
		kcat -C -b "$TX_BROKERS" -t copy2 -e -q -f "%K %k %s\n" | sort >got &&
		test_cmp want got &&
		grep -q "^-1 " got
	'

	test_expect_success "$kind: txpub --keep-source keeps the source member" '
		txsub -t nokey -e -q | txpub -q -t kept --keep-source &&
		txsub -t nokey -e -q | sort >want &&
		txsub -t kept -e -q --no-source | sort >got &&
		test_cmp want got
	'

	test_expect_success "$kind: output is flushed when input goes idle" '
		txsub -t idle -o end --connect-timeout 5 -q >idle.out 2>idle.err &
		pid=$! &&
		sleep 1 &&
		sed -n 1p in.ndjson | txpub -q -t idle &&
		n=0 &&
		while [ ! -s idle.out ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done &&
		kill -0 $pid &&
		kill -TERM $pid &&
		set +e && wait $pid; st=$? && set -e &&
		test "$st" = 143 &&
		test_line_count 1 idle.out
	'

	test_expect_success "$kind: downstream closing is not an error" '
		{ txsub -t s -e 2>epipe.err; echo $? >st; } | head -n 1 >out &&
		test_line_count 1 out &&
		test "$(cat st)" = 0 &&
		! grep -v "^txsub: consumed" epipe.err
	'

	test_expect_success "$kind: downstream closing on a quiet topic: txsub ends, exit 0" '
		: >none &&
		head -n 3 in.ndjson | txpub -q -t quiet &&
		test "$(reader_gone none txsub -t quiet 2>gone.err)" = 0 &&
		! grep -v "^txsub: consumed" gone.err
	'

	if [ "$kind" = txbroker ]; then
		test_expect_success "$kind: --progress reports count and rate on stderr" '
			txsub -t s --progress >prog.out 2>prog.err &
			pid=$!
			sleep 2.5 &&
			kill -TERM $pid &&
			set +e && wait $pid; st=$? && set -e &&
			test "$st" = 143 &&
			test_grep "^txsub: 1000 records, [0-9]*/s$" prog.err
		'
	fi

	if [ "$kind" = kafka ]; then
		test_expect_success "$kind: a topic that does not exist: waited for, then exit 4" '
			test_expect_code 4 txsub -t no-such-topic -e --connect-timeout 2 >out 2>err &&
			test_grep "^txsub: topic .no-such-topic. does not exist yet: waiting for it up to 2 s" err &&
			test_grep "^txsub: topic .no-such-topic.: Broker: Unknown topic or partition$" err
		'

		test_expect_success "$kind: a consumer started before its topic gets its records" '
			txsub -t later -c 5 --no-source --connect-timeout 60 >out 2>err &
			sub=$! &&
			sleep 2 &&
			broker_create_topic later 2 &&
			sed -n 1,5p in.ndjson | txpub -q -t later &&
			wait $sub &&
			sed -n 1,5p in.ndjson | sort >want &&
			sort out >got &&
			test_cmp want got &&
			test_grep "does not exist yet: waiting" err
		'

		test_expect_success "$kind: -o @timestamp starts at the first record at or after it" '
			sed -n 1,5p in.ndjson | txpub -q -t when &&
			sleep 1 &&
			t=$("$PYTHON3" -c "import time; print(int(time.time() * 1000))") &&
			sleep 1 &&
			sed -n 6,8p in.ndjson | txpub -q -t when &&
			txsub -t when -e -q --no-source -o "@$t" | sort >got &&
			sed -n 6,8p in.ndjson | sort >want &&
			test_cmp want got
		'
	else
		test_skip "$kind: a topic that does not exist" "the mock cluster creates any topic asked about"
		test_skip "$kind: -o @timestamp" "the mock cluster cannot look offsets up by time"
	fi

	broker_stop
done

test_done

#!/bin/sh
# txpub and txsub against independent peers, on txbroker and on Apache Kafka:
# what txpub writes, confluent-kafka reads byte for byte with the account as
# key; what kcat and confluent-kafka write, txsub reads byte for byte, with
# the key and partition they chose in its source position.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

broker_require kcat confluent-kafka
peer() { "$TX_PY_KAFKA" "$TX_SRCDIR/tests/kafka-peer.py" "$@"; }
HOME=$TRASH
export HOME
unset TXKIT_CONFIG

txgen -n 1500 --seed 11 --accounts 120 >in.ndjson
# The same records as KEY<TAB>LINE with the account as key, the form kcat -K
# and kafka-peer.py read and print.
cat >keyed.py <<'EOF'
import json, sys
for line in open(sys.argv[1], "rb"):
    rec = json.loads(line)
    sys.stdout.buffer.write(rec["account"].encode() + b"\t" + line)
EOF
# txsub's output -> "key partition" per record, from its source position.
cat >source.py <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    s = json.loads(line)["source"]
    print(s.get("key", ""), s["partition"])
EOF
"$TX_PY_KAFKA" keyed.py in.ndjson >keyed.tsv
sort in.ndjson >want.ndjson
sort keyed.tsv >want.tsv

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	for t in ia ib ic; do broker_create_topic $t 6; done

	test_expect_success "$kind: txpub -> confluent-kafka: the same bytes, keyed by account" '
		txpub -q -t ia <in.ndjson &&
		peer consume "$TX_BROKERS" ia >got.tsv &&
		sort got.tsv >got &&
		test_cmp want.tsv got
	'

	test_expect_success "$kind: kcat -> txsub: the same bytes" '
		kcat -P -b "$TX_BROKERS" -t ib -K "	" -X partitioner=murmur2_random -l keyed.tsv &&
		txsub -q -t ib -e --no-source >got.ndjson &&
		sort got.ndjson >got &&
		test_cmp want.ndjson got
	'

	test_expect_success "$kind: kcat -> txsub: source.key and source.partition are what kcat wrote" '
		txsub -q -t ib -e >src.ndjson &&
		test_line_count 1500 src.ndjson &&
		"$TX_PY_KAFKA" source.py src.ndjson | sort >got &&
		kcat -C -b "$TX_BROKERS" -t ib -e -q -f "%k %p\n" | sort >want &&
		test_cmp want got
	'

	test_expect_success "$kind: confluent-kafka -> txsub: the same bytes, same keys" '
		peer produce "$TX_BROKERS" ic <keyed.tsv 2>/dev/null &&
		txsub -q -t ic -e >src.ndjson &&
		txsub -q -t ic -e --no-source | sort >got &&
		test_cmp want.ndjson got &&
		"$TX_PY_KAFKA" source.py src.ndjson | cut -d" " -f1 | sort >gotkeys &&
		cut -f1 keyed.tsv | sort >wantkeys &&
		test_cmp wantkeys gotkeys
	'

	test_expect_success "$kind: txpub and confluent-kafka put each account in the same partition" '
		kcat -C -b "$TX_BROKERS" -t ia -e -q -f "%k %p\n" | sort -u >p.txpub &&
		kcat -C -b "$TX_BROKERS" -t ic -e -q -f "%k %p\n" | sort -u >p.peer &&
		test_cmp p.txpub p.peer
	'
	broker_stop
done

broker_report_skips
test_done

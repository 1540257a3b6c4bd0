#!/bin/sh
# The broker harness with Python's confluent-kafka and kcat as the two peers:
# what one writes the other reads, byte for byte, on txbroker and on Apache
# Kafka; consumer groups keep their committed offsets.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

broker_require kcat confluent-kafka
peer() { "$TX_PY_KAFKA" "$TX_SRCDIR/tests/kafka-peer.py" "$@"; }

# Keyed lines with bytes that must survive untouched: UTF-8, escapes, spaces.
awk 'BEGIN { for (i = 0; i < 400; i++)
	printf "K%03d\t{\"transaction_id\":\"c%04d\",\"account\":\"K%03d\",\"merchant\":\"Caf\303\251 \\\"%d\\\"\",\"amount\":%d.50}\n",
		i % 23, i, i % 23, i, i }' >"$TRASH/in.tsv"

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi

	test_expect_success "$kind: confluent-kafka writes, kcat reads the same bytes and keys" '
		broker_create_topic py 3 &&
		peer produce "$TX_BROKERS" py --header content-type=application/x-ndjson <in.tsv 2>err &&
		test_grep "400 read, 400 delivered, 0 failed" err &&
		kcat -C -b "$TX_BROKERS" -t py -e -q -f "%k\t%s\n" >out.tsv &&
		sort in.tsv >want && sort out.tsv >got &&
		test_cmp want got &&
		kcat -C -b "$TX_BROKERS" -t py -e -q -c 1 -f "%h\n" >h &&
		test_grep "^content-type=application/x-ndjson$" h
	'

	test_expect_success "$kind: kcat writes, confluent-kafka reads the same bytes and keys" '
		broker_create_topic kc 3 &&
		kcat -P -b "$TX_BROKERS" -t kc -K "	" -X partitioner=murmur2_random -l in.tsv &&
		peer consume "$TX_BROKERS" kc >out.tsv &&
		sort out.tsv >got &&
		test_cmp want got
	'

	test_expect_success "$kind: both place each key in the same partition" '
		kcat -C -b "$TX_BROKERS" -t py -e -q -f "%k %p\n" | sort -u >p.py &&
		kcat -C -b "$TX_BROKERS" -t kc -e -q -f "%k %p\n" | sort -u >p.kc &&
		test_line_count 23 p.py &&
		test_cmp p.py p.kc
	'

	# The mock cluster waits up to session.timeout.ms - 1 s for a group to
	# rejoin (txbroker(1), CAVEATS); Apache Kafka needs at least 6 s.
	st=6000
	[ "$kind" = txbroker ] && st=3000
	test_expect_success "$kind: a consumer group resumes after its committed offsets" '
		broker_create_topic g 2 &&
		head -n 150 in.tsv | kcat -P -b "$TX_BROKERS" -t g -K "	" &&
		peer consume "$TX_BROKERS" g --session-timeout $st --group gA --commit >first &&
		test_line_count 150 first &&
		sed -n "151,400p" in.tsv | kcat -P -b "$TX_BROKERS" -t g -K "	" &&
		peer consume "$TX_BROKERS" g --session-timeout $st --group gA --commit >second &&
		test_line_count 250 second &&
		cat first second | sort >all &&
		test_cmp want all &&
		peer consume "$TX_BROKERS" g --session-timeout $st --group gA >third &&
		test_line_count 0 third
	'
	broker_stop
done

broker_report_skips
test_done

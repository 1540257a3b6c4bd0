#!/bin/sh
# The broker harness (tests/kafka.sh) with kcat alone: the same cases against
# txbroker and against Apache Kafka itself.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

broker_require kcat

# 600 keyed records over 37 accounts, key TAB value, as kcat -K reads them.
awk 'BEGIN { for (i = 0; i < 600; i++)
	printf "A%02d\t{\"transaction_id\":\"t%04d\",\"account\":\"A%02d\",\"amount\":%d.%02d}\n",
		i % 37, i, i % 37, i, i % 100 }' >"$TRASH/in.tsv"

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi

	test_expect_success "$kind: TX_BROKERS answers a metadata request" '
		kcat -L -b "$TX_BROKERS" >md &&
		test_grep "1 brokers:" md
	'

	test_expect_success "$kind: a topic is created with its partition count" '
		broker_create_topic h 4 &&
		kcat -L -b "$TX_BROKERS" -t h >md &&
		test_grep "topic \"h\" with 4 partitions" md
	'

	test_expect_success "$kind: kcat produces keyed records and reads them back byte-identical" '
		kcat -P -b "$TX_BROKERS" -t h -K "	" -X partitioner=murmur2_random -l in.tsv &&
		kcat -C -b "$TX_BROKERS" -t h -e -q -f "%k\t%s\n" >out.tsv &&
		sort in.tsv >want && sort out.tsv >got &&
		test_cmp want got
	'

	test_expect_success "$kind: one key, one partition, in order" '
		kcat -C -b "$TX_BROKERS" -t h -e -q -f "%k %p %o\n" >kpo &&
		test_line_count 600 kpo &&
		test "$(cut -d" " -f1,2 kpo | sort -u | cut -d" " -f1 | sort | uniq -d | wc -l)" -eq 0 &&
		test "$(cut -d" " -f1 kpo | sort -u | wc -l)" -eq 37 &&
		cut -d" " -f1,2 kpo | sort -u >"$TRASH/partitions.$kind" &&
		# per partition, offsets read in increasing order
		awk "{ if (\$3 <= last[\$2] && seen[\$2]) bad++; last[\$2] = \$3; seen[\$2] = 1 }
			END { exit bad > 0 }" kpo
	'

	test_expect_success "$kind: -o end and -c read only what comes after" '
		echo "{\"late\":1}" | kcat -P -b "$TX_BROKERS" -t h -p 2 &&
		kcat -C -b "$TX_BROKERS" -t h -p 2 -o -1 -c 1 -e -q >last &&
		echo "{\"late\":1}" >want1 &&
		test_cmp want1 last
	'

	test_expect_success "$kind: a stopped broker is unreachable, and comes back with its data" '
		broker_down &&
		test_must_fail kcat -L -b "$TX_BROKERS" -m 2 >/dev/null 2>&1 &&
		broker_up &&
		kcat -C -b "$TX_BROKERS" -t h -e -q -f "%k\t%s\n" >again.tsv &&
		grep -v late again.tsv | sort >got2 &&
		test_cmp want got2
	'
	if [ "$kind" = kafka ]; then
		test_expect_success "$kind: kill -9, then kafka_restart: acknowledged records are all there" '
			kafka_kill &&
			test_must_fail kcat -L -b "$TX_BROKERS" -m 2 >/dev/null 2>&1 &&
			kafka_restart &&
			kcat -C -b "$TX_BROKERS" -t h -e -q -f "%k	%s
" | grep -v late | sort >got3 &&
			test_cmp want got3
		'
	fi
	broker_stop
done

if [ -f "$TRASH/partitions.txbroker" ] && [ -f "$TRASH/partitions.kafka" ]; then
	test_expect_success 'murmur2: each key lands in the same partition on both brokers' '
		test_cmp partitions.txbroker partitions.kafka
	'
fi

broker_report_skips
test_done

#!/bin/sh
# txsub consumer groups on txbroker and Apache Kafka: offsets committed only
# for records written (at-least-once): a -c run and a restart see everything
# once, -o overrides the group's offsets, SIGTERM commits what was written,
# and, with the brokers gone, ends within its bound, saying what it did not do.
# Crashes and sharing are in t2302.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

# Never a config file of whoever runs the tests (an empty one instead).
TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG

txgen -n 600 --seed 9 --accounts 30 >in.ndjson

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	for t in g sig dn; do broker_create_topic $t 4; done
	for t in g sig dn; do txpub -q -t $t <in.ndjson; done

	test_expect_success "$kind: -c then a restart in the group: everything, once" '
		txsub -t g -G c1 -c 100 >a 2>a.err &&
		test_line_count 100 a &&
		timeout 30 txsub -t g -G c1 -e >b 2>b.err &&
		test_line_count 500 b &&
		test "$(count_ids a b)" = "600 600"
	'

	test_expect_success "$kind: -o overrides the offsets of the group at the start" '
		txsub -t g -G c1 -o -1 -e -q >c &&
		test_line_count 4 c
	'

	# s1.out and s1.err are removed first: the previous broker kind left
	# them full, and the background txsub empties them only once it runs,
	# so wait_lines could see the old lines and signal a txsub not started.
	test_expect_success "$kind: SIGTERM: exit 143, what was written is committed" '
		rm -f s1.out s1.err
		txsub -t sig -G s1 >s1.out 2>s1.err &
		pid=$! &&
		wait_lines s1.out 600 &&
		kill -TERM $pid &&
		set +e && wait $pid; st=$? && set -e &&
		test "$st" = 143 &&
		test_grep "^txsub: consumed 600, written 600, rejected 0$" s1.err &&
		timeout 30 txsub -t sig -G s1 -e >s2.out 2>s2.err &&
		test_line_count 0 s2.out
	'

	# With the brokers gone, librdkafka's commit and close wait for the
	# group's coordinator until the session times out, and its destroy as
	# long again (14 s in all here): txsub gives up after 5 s, and 1 more
	# for the destroy. No auto-commit first, so that all 600 come again.
	test_expect_success "$kind: SIGTERM, the brokers gone: exit 143 in 6 s, nothing committed" '
		rm -f d1.out d1.err
		txsub -t dn -G d1 -X auto.commit.interval.ms=600000 >d1.out 2>d1.err &
		pid=$! &&
		wait_lines d1.out 600 &&
		broker_down &&
		t0=$(date +%s) &&
		kill -TERM $pid &&
		set +e && wait $pid; st=$? && set -e &&
		t1=$(date +%s) &&
		broker_up &&
		test "$st" = 143 &&
		test $((t1 - t0)) -le 8 &&
		test_grep "^txsub: no answer from the brokers within 5 s: offsets not committed, group .d1. not left (its next member reads again what was written since the last commit)$" d1.err &&
		test_grep "^txsub: consumed 600, written 600, rejected 0$" d1.err &&
		timeout 60 txsub -t dn -G d1 -e >d2.out 2>d2.err &&
		test_cmp d1.out d2.out
	'

	broker_stop
done

test_done

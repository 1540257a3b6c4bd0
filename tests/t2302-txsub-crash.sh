#!/bin/sh
# txsub consumer groups when things go wrong, on txbroker and Apache Kafka:
# kill -9 loses nothing and the restart gets its partitions back within
# bounded time (session.timeout.ms 6000), EPIPE commits nothing unwritten,
# two members share the topic and lose nothing.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

# Never a config file of whoever runs the tests (an empty one instead).
TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG

txgen -n 600 --seed 9 --accounts 30 >in.ndjson
txgen -n 3000 --seed 10 --accounts 30 >big.ndjson

# A reader slower than txsub, so txsub blocks on a full pipe.
cat >slow.py <<'EOF'
import sys, time
out = open(sys.argv[1], "w")
for line in sys.stdin:
    out.write(line)
    out.flush()
    time.sleep(0.002)
EOF

for kind in $(broker_kinds); do
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	for t in k big two; do broker_create_topic $t 4; done
	txpub -q -t k <in.ndjson
	txpub -q -t big <big.ndjson

	test_expect_success "$kind: kill -9 mid-stream, restart in the group: nothing lost" '
		# k1.out from the previous broker kind must not count as read
		rm -f k.fifo k1.out && mkfifo k.fifo
		txsub -t k -G k1 -X auto.commit.interval.ms=100 >k.fifo 2>k.err &
		pid=$!
		"$PYTHON3" slow.py k1.out <k.fifo &
		wait_lines k1.out 50 &&
		sleep 0.3 &&
		kill -KILL $pid &&
		wait &&
		n1=$(wc -l <k1.out) &&
		{ test "$n1" -lt 600 || { echo "the slow reader got all $n1 records before the kill"; false; }; } &&
		# The restarted member waits out the dead one'"'"'s session (6 s) and a
		# rebalance: generous on a loaded machine, still bounded.
		{ timeout 60 txsub -t k -G k1 -e >k2.out 2>k2.err ||
			{ echo "restart exited $?"; cat k2.err; false; }; } &&
		count_ids k1.out k2.out >counts &&
		read total unique <counts &&
		{ test "$unique" = 600 || { echo "$unique of 600 ids ($total lines)"; cat k2.err; false; }; } &&
		say "kill -9 after $n1 records: restart read $(wc -l <k2.out), $((total - unique)) seen twice"
	'

	test_expect_success "$kind: downstream closed: nothing unwritten is committed" '
		{ txsub -t big -G e1 2>e1.err; echo $? >e1.st; } | head -n 5 >e1.out &&
		test "$(cat e1.st)" = 0 &&
		timeout 30 txsub -t big -G e1 -e >e2.out 2>e2.err &&
		test -s e2.out &&
		# txsub wrote at most what fits in the pipe and head'"'"'s buffer before
		# EPIPE, and committed no more: the restart reads, per partition, a
		# gapless run of offsets to the end, and most of the topic
		"$PYTHON3" -c "import json
seen = {}
for l in open(\"e2.out\"):
    s = json.loads(l)[\"source\"]
    seen.setdefault(s[\"partition\"], []).append(s[\"offset\"])
for p, offs in seen.items():
    assert offs == list(range(offs[0], offs[0] + len(offs))), p
" &&
		kcat -C -b "$TX_BROKERS" -t big -e -q -f "%p %o\n" | sort -n -k1,1 -k2,2 | awk "{ last[\$1] = \$2 }
			END { for (p in last) print p, last[p] }" | sort >want &&
		"$PYTHON3" -c "import json
last = {}
for l in open(\"e2.out\"):
    s = json.loads(l)[\"source\"]
    last[s[\"partition\"]] = max(last.get(s[\"partition\"], -1), s[\"offset\"])
for p in sorted(last): print(p, last[p])" | sort >got &&
		test_cmp want got &&
		test "$(wc -l <e2.out)" -ge 2000
	'

	test_expect_success "$kind: two members share the partitions: nothing lost" '
		txsub -t two -G w1 >w1.out 2>w1.err &
		p1=$!
		txsub -t two -G w1 >w2.out 2>w2.err &
		p2=$! &&
		sleep 1 &&
		txpub -q -t two <in.ndjson &&
		n=0 &&
		while [ "$(cat w1.out w2.out | wc -l)" -lt 600 ] && [ $n -lt 300 ]; do
			sleep 0.1; n=$((n + 1))
		done &&
		kill -TERM $p1 $p2 &&
		set +e && wait $p1; s1=$? && wait $p2; s2=$? && set -e &&
		test "$s1" = 143 && test "$s2" = 143 &&
		count_ids w1.out w2.out >counts &&
		read total unique <counts &&
		test "$unique" = 600 &&
		say "members wrote $(wc -l <w1.out) and $(wc -l <w2.out) records, $((total - unique)) twice"
	'

	broker_stop
done

test_done

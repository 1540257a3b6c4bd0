#!/bin/sh
# Exactly once on the producing side, txgen | txpub, on txbroker: txpub
# killed -9 mid-stream, every broker down mid-stream (back within the
# delivery timeout, and past it), request errors on Produce. After the
# documented retry (tx(7): publish the same deterministic stream again
# after a kill; publish the --undelivered file after a failure), the topic
# holds every record of the stream; where the retry had to duplicate
# records in the topic, the consuming pipeline stores exactly what a topic
# without duplicates gives (txbal drops repeated ids, txstore keys rows by
# id): nothing lost, nothing doubled. Replay with TX_CRASH_SEED=N.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/t6-crash.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
command -v sqlite3 >/dev/null || test_skip_all 'sqlite3 (the shell) is not installed'
# Small enough that the kill topic (up to six copies of the stream) stays
# under txbroker's retention of 5 MiB per partition: past it the oldest
# records are dropped silently and the topic's order would change.
: "${TX_PRODUCER_RECORDS:=3000}"
: "${TX_PRODUCER_KILLS:=5}"

broker_start txbroker || exit 1
# one partition each (one order, so databases compare column for column);
# the mock cluster keeps about 5 MB per partition: 8000 records twice fit
for t in clean kill down late late2 errs; do broker_create_topic $t 1; done

# the topic's records without their Kafka position, as published
topic() { txsub -q -t "$1" -o beginning -e --no-source; }

# downstream NAME: the consuming pipeline over topic NAME into NAME.db, dumped
downstream() {
	{ txsub -q -t "$1" -o beginning -e | txbal -q --no-alert velocity ||
		test $? = 1; } | txstore -q "sqlite:$1.db" &&
	CRASH_NO_SOURCE=1 crash_dump "sqlite:$1.db" "$1"
}

# slow: stdin to stdout in chunks of 50 lines, 10 ms apart (3000 lines: 0.6 s,
# longer than the latest kill)
slow() {
	"$PYTHON3" -c '
import sys, time
for i, line in enumerate(sys.stdin):
    sys.stdout.write(line)
    if i % 50 == 49:
        sys.stdout.flush()
        time.sleep(0.01)
'
}

gen() { txgen -q -n $TX_PRODUCER_RECORDS --seed 31 --accounts 200 --pending 0.1 \
	--deletes 0.02 --duplicates 0.02; }

test_expect_success 'the stream published once: the reference' '
	gen >stream.ndjson &&
	txpub -q -t clean <stream.ndjson &&
	topic clean >clean.out &&
	sort stream.ndjson >stream.sorted &&
	sort -u stream.ndjson >stream.set &&
	sort clean.out >clean.sorted &&
	test_cmp stream.sorted clean.sorted &&
	downstream clean &&
	test "$(wc -l <clean.rows)" -gt $((TX_PRODUCER_RECORDS * 4 / 5))
'

test_expect_success "txpub killed -9 mid-stream $TX_PRODUCER_KILLS times, the stream published again: nothing lost, nothing doubled" '
	i=0 && : >kill.log &&
	while [ $i -lt $TX_PRODUCER_KILLS ]; do
		i=$((i + 1)) &&
		crash_counter=$i &&
		ms=$((20 + $(crash_rand 330))) &&
		rm -f g.fifo && mkfifo g.fifo &&
		{ gen | slow >g.fifo 2>/dev/null & } &&
		{ txpub -q -t kill <g.fifo & } &&
		pid=$! &&
		sleep "$(awk -v m=$ms "BEGIN { printf \"%.3f\", m / 1000 }")" &&
		kill -KILL $pid &&
		{ wait || true; } &&
		echo "kill $i after $ms ms: topic holds $(topic kill | wc -l)" >>kill.log
	done &&
	cat kill.log &&
	gen | txpub -q -t kill &&
	topic kill >kill.out &&
	{ test "$(wc -c <kill.out)" -lt 5000000 ||
		{ echo "the topic outgrew txbroker'"'"'s 5 MiB per partition: lower TX_PRODUCER_RECORDS"; false; }; } &&
	sort -u kill.out >kill.set &&
	test_cmp stream.set kill.set &&
	echo "txpub: $(wc -l <kill.out) records in the topic for $(wc -l <stream.ndjson)" >>kill.log &&
	downstream kill &&
	test_cmp clean.rows kill.rows && test_cmp clean.bal kill.bal
'
[ -f kill.log ] && sed "s/^/# /" kill.log

test_expect_success 'every broker down mid-stream, up again within the timeout: every record once' '
	{ gen | slow | txpub -q -t down 2>down.err & } &&
	sleep 0.15 && txbroker -c "down all" && sleep 2 && txbroker -c "up all" &&
	wait &&
	topic down >down.out && sort down.out >down.sorted &&
	test_cmp stream.sorted down.sorted
'

test_expect_success 'brokers down past the delivery timeout: --undelivered, published again after: nothing lost, nothing doubled' '
	txbroker -c "down all" &&
	{ gen | txpub -q -t late -X message.timeout.ms=1500 --connect-timeout 1 \
		--undelivered undelivered.ndjson; echo $? >late.rc; } &&
	test "$(cat late.rc)" = 4 &&
	test_cmp stream.ndjson undelivered.ndjson &&
	txbroker -c "up all" &&
	txpub -q -t late <undelivered.ndjson &&
	topic late | sort >late.sorted &&
	test_cmp stream.sorted late.sorted
'

test_expect_success 'brokers down mid-stream past the delivery timeout: the undelivered records published again' '
	(
		set +e
		gen | slow | txpub -q -t late2 -X message.timeout.ms=1500 \
			--undelivered und2.ndjson 2>late2.err
		echo $? >late2.rc
	) &
	pid=$! &&
	sleep 0.15 && txbroker -c "down all" && sleep 3 &&
	txbroker -c "up all" && wait $pid &&
	cat late2.err && cat late2.rc &&
	n=$(wc -l <und2.ndjson) &&
	echo "undelivered: $n, exit $(cat late2.rc)" >late2.log &&
	test "$n" -gt 0 && test "$(cat late2.rc)" = 5 &&
	txpub -q -t late2 <und2.ndjson &&
	topic late2 >late2.out &&
	sort -u late2.out >late2.set && test_cmp stream.set late2.set &&
	downstream late2 &&
	test_cmp clean.rows late2.rows && test_cmp clean.bal late2.bal
'

[ -f late2.log ] && sed "s/^/# /" late2.log

test_expect_success 'request errors on Produce: retried, every record once' '
	txbroker -c "errors Produce 3 NOT_LEADER_FOR_PARTITION" &&
	txbroker -c "errors Produce 3 REQUEST_TIMED_OUT" &&
	gen | txpub -q -t errs &&
	topic errs | sort >errs.sorted &&
	test_cmp stream.sorted errs.sorted
'

test_done

#!/bin/sh
# txsub's ordered merge and gap detection, on txbroker and Apache Kafka:
# - topics of 1, 8 and 64 partitions read with txsub -e | txbal give the
#   ledger of txgen | txbal with no Kafka between (balances, statuses,
#   failures, alerts), with transfers, pending/completed/failed updates,
#   deletes, duplicates and the default overdraft rule; the same for a live
#   read (no -e), for aggregates (0 late records) and through a kill -9 of
#   txsub | txbal | txstore and the resume protocol (tx(7));
# - every gap is an error naming topic, partition and offsets: exit 5;
#   --allow-gaps makes it a warning; offsets of another cluster: exit 2;
#   on Apache Kafka, a log whose start moved past the offsets asked for
#   (DeleteRecords, tests/kafka-records), also under the resume protocol
#   (txstore's continuity check: exit 6), and offset jumps inside a
#   partition (transaction markers, an aborted transaction);
# - a Kafka client that cannot start a thread: exit 70.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/t6-crash.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG

# Few accounts, so that the default overdraft rule fails some debits and the
# order across partitions decides which. txbal exits 1 on this stream (a
# copy of an update after its delete is refused: issue 14), the same way
# whatever the order.
txgen -q -n 20000 --seed 13 --accounts 60 --pending 0.1 --deletes 0.05 \
	--duplicates 0.03 >in.ndjson
txbal --state direct.state <in.ndjson >direct.out 2>direct.err || test $? = 1

# firsts OUT: txbal's output but for the copies of earlier records
# (duplicates: a copy shares its original's ts, so its place among other
# partitions' records of later times is not in the topic; txbal drops it
# either way, but echoes it with the balances of the moment), sorted. A copy
# is the same record but for what txbal writes into it.
firsts() {
	"$PYTHON3" -c '
import json, sys
owned = ("status", "reason", "new_balance", "available_balance", "tx_count",
         "counterparty_balance", "alerts")
seen = set()
for line in open(sys.argv[1], "rb"):
    r = json.loads(line)
    k = json.dumps({f: v for f, v in r.items() if f not in owned}, sort_keys=True)
    if k not in seen:
        seen.add(k)
        sys.stdout.buffer.write(line)' "$1" | sort
}
firsts direct.out >direct.sorted
# the database of the direct pipe (txbal as the crash driver runs it)
have_sqlite=$(command -v sqlite3 || true)
if [ -n "$have_sqlite" ]; then
	{ txbal -q --no-alert velocity <in.ndjson || test $? = 1; } | txstore -q sqlite:direct.db &&
		CRASH_NO_SOURCE=1 crash_dump sqlite:direct.db direct
fi

test_expect_success 'the stream has what the order decides: transfers, failures, alerts' '
	test "$(grep -c "\"type\":\"transfer\"" in.ndjson)" -gt 1000 &&
	test "$(grep -c "\"op\":\"delete\"" in.ndjson)" -gt 100 &&
	test "$(grep -c "insufficient_funds" direct.out)" -gt 0 &&
	test "$(grep -c "\"alerts\"" direct.out)" -gt 10
'

# same NAME: txbal's output NAME.out (firsts) and its final state equal
# the direct pipe's
same() {
	firsts "$1.out" >"$1.sorted" &&
		test_cmp direct.sorted "$1.sorted" &&
		test_cmp direct.state "$1.state"
}

# the merge orders by ts: txgen's must increase with the stream (a tie
# moves 1 us on; at 5M records/s the schedule gives five records each us)
test_expect_success 'txgen: distinct records have strictly increasing ts' '
	for opts in "--rate 5000000" "--anomalies 0.2 --pending 0.2 --deletes 0.1 --duplicates 0.05"; do
		txgen -q -n 20000 --seed 5 $opts >ts.ndjson &&
		"$PYTHON3" -c "
import json, sys
seen, prev = set(), None
for l in open(\"ts.ndjson\"):
    if l in seen:
        continue
    seen.add(l)
    t = json.loads(l)[\"ts\"]
    assert prev is None or t > prev, (prev, t)
    prev = t
" || exit 1
	done
'

# ulimit -v breaks sanitizer builds, which reserve terabytes of address space
test_expect_success 'a thread that cannot start: exit 70, not a usage error' '
	if (ulimit -v 400000 && exec txsub --help) >/dev/null 2>&1; then
		test_expect_code 70 sh -c "ulimit -s 1000000; ulimit -v 200000; exec txsub -b 127.0.0.1:1 -t x" 2>err &&
		test_grep "^txsub: cannot start the Kafka client: Failed to create thread" err
	fi
'

test_expect_success '--max-idle takes milliseconds' '
	test_expect_code 2 txsub --max-idle x 2>err &&
	test_grep "^txsub: --max-idle .x.: expected milliseconds" err
'

for kind in $(broker_kinds); do
	# two brokers on txbroker, so that one can be made slow (rtt)
	opts=
	[ "$kind" != txbroker ] || opts="-B 2"
	# shellcheck disable=SC2086
	if ! broker_start "$kind" $opts; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	for n in 1 8 64; do broker_create_topic o$n $n; done
	broker_create_topic g 2
	broker_create_topic r 8

	test_expect_success "$kind: topics of 1, 8 and 64 partitions: txsub -e | txbal is the direct pipe" '
		for n in 1 8 64; do
			txpub -q -t o$n <in.ndjson &&
			txsub -t o$n -e --no-source >o$n.in 2>sub.err &&
			{ txbal -q --state o$n.state <o$n.in >o$n.out || test $? = 1; } &&
			echo "txsub: consumed 20000, written 20000, rejected 0" >want &&
			test_cmp want sub.err &&
			same o$n || exit 1
		done
	'

	test_expect_success "$kind: with the source member, in event-time order, ties by partition" '
		txsub -q -t o8 -e >o8.src &&
		"$PYTHON3" -c "
import json, sys
prev = None
for l in open(\"o8.src\"):
    r = json.loads(l)
    k = (r[\"ts\"], r[\"source\"][\"partition\"], r[\"source\"][\"offset\"])
    assert prev is None or k >= prev or r[\"ts\"] < prev[0], (prev, k)
    prev = max(prev, k) if prev else k
"
	'

	# the merge's chunks and the scan's newline check against their references
	test_expect_success "$kind: TX_REFERENCE=held,newline: the same bytes, 1, 8 and 64 partitions" '
		for n in 1 8 64; do
			txsub -q -t o$n -e >fast.$n &&
			env TX_REFERENCE=held,newline txsub -q -t o$n -e >ref.$n &&
			test_line_count 20000 fast.$n &&
			test_cmp fast.$n ref.$n || exit 1
		done
	'

	test_expect_success "$kind: a live read (no -e) gives the same order" '
		timeout 60 txsub -q -t o8 -c 20000 --no-source >live.out &&
		txsub -q -t o8 -e --no-source >e.out &&
		test_cmp e.out live.out
	'

	test_expect_success "$kind: --unordered reads in arrival order, everything" '
		txsub -t o8 -e --no-source --unordered 2>err | sort >un.sorted &&
		sort in.ndjson >in.sorted &&
		test_cmp in.sorted un.sorted &&
		test_grep "^txsub: consumed 20000, written 20000, rejected 0" err
	'

	test_expect_success "$kind: aggregates through Kafka: no late record" '
		txsub -q -t o64 -e --no-source >agg.in &&
		{ txbal --aggregate 1m --lateness 10s --aggregates agg.out <agg.in >/dev/null 2>agg.err ||
			test $? = 1; } &&
		test_grep ", 0 late," agg.err &&
		{ txbal -q --aggregate 1m --lateness 10s --aggregates want <in.ndjson >/dev/null ||
			test $? = 1; } &&
		test "$(wc -l <want)" -gt 1000 &&
		sort want >want.sorted && sort agg.out >got &&
		test_cmp want.sorted got
	'

	if [ -n "$have_sqlite" ]; then
		test_expect_success "$kind: kill -9 of txsub | txbal | txstore, 3 times, and the resume protocol: the direct pipe's database" '
			txpub -q -t r <in.ndjson &&
			CRASH_TOPIC=r CRASH_PACE=10000 CRASH_MAX_MS=700 &&
			crash_run sqlite:kill-$kind.db 3 &&
			CRASH_NO_SOURCE=1 crash_dump sqlite:kill-$kind.db kill &&
			test_cmp direct.rows kill.rows &&
			test_cmp direct.bal kill.bal &&
			say "$kind: $crash_hits kills ($crash_by_stage)"
		'
	fi

	test_expect_success "$kind: an offset past the end of the log: exit 5, the range named" '
		sed -n 1,10p in.ndjson | txpub -q -t g &&
		txsub -q -t g -e -o beginning | wc -l >n && test "$(cat n)" = 10 &&
		test_expect_code 5 txsub -t g -e -p 0 -o 1000 >out 2>err &&
		test_grep "^txsub: topic g partition 0: offsets [0-9]*-999 are missing (offset 1000 is past the end of the log" err &&
		test_line_count 0 out
	'

	test_expect_success "$kind: --offsets past the end: exit 5, the other partition read" '
		cl=$(txsub -q -t g -e -c 1 | sed "s/.*\"cluster\":\"\([^\"]*\)\".*/\1/") &&
		test -n "$cl" &&
		echo "{\"topic\":\"g\",\"partition\":1,\"offset\":500,\"cluster\":\"$cl\"}" >offs &&
		test_expect_code 5 txsub -t g -e --offsets offs --no-source >out 2>err &&
		test_grep "^txsub: topic g partition 1: offsets [0-9]*-499 are missing" err &&
		txsub -q -t g -e -p 0 --no-source >want &&
		test_cmp want out
	'

	test_expect_success "$kind: in a group: -c then the rest, in order; a gap: exit 5" '
		txsub -q -t o8 -G og -e -c 5000 --no-source >g1 &&
		txsub -q -t o8 -G og -e --no-source >g2 &&
		cat g1 g2 >g.all &&
		txsub -q -t o8 -e --no-source >want &&
		test_cmp want g.all &&
		echo "{\"topic\":\"o8\",\"partition\":3,\"offset\":99999}" >offs &&
		test_expect_code 5 txsub -t o8 -G og2 -e --offsets offs --no-source >out 2>err &&
		test_grep "^txsub: topic o8 partition 3: offsets [0-9]*-99998 are missing" err
	'

	test_expect_success "$kind: --allow-gaps: a warning, exit 0" '
		txsub -t g -e -p 0 -o 1000 --allow-gaps >out 2>err &&
		test_grep "^txsub: topic g partition 0: offsets [0-9]*-999 are missing (.*): skipped (--allow-gaps)" err
	'

	test_expect_success "$kind: offsets of another cluster are refused: exit 2" '
		echo "{\"topic\":\"g\",\"partition\":0,\"offset\":1,\"cluster\":\"another\"}" >offs &&
		test_expect_code 2 txsub -t g -e --offsets offs >out 2>err &&
		test_grep "^txsub: offs:1: these offsets are for Kafka cluster .another., but the brokers are cluster" err &&
		test_line_count 0 out
	'

	if [ "$kind" = txbroker ]; then
		# a slow broker: half the partitions come 400 ms late
		test_expect_success "$kind: one broker slow: -e is still exact; live past --max-idle, counted" '
			txbroker -c "rtt 2 400" &&
			txsub -q -t o8 -e --no-source >slow.in &&
			{ txbal -q --state slow.state <slow.in >slow.out || test $? = 1; } &&
			same slow &&
			txsub -t o8 -c 20000 --max-idle 50 --no-source >/dev/null 2>live.err &&
			test_grep "^txsub: consumed 20000, written 20000, rejected 0, out of order [1-9]" live.err &&
			txbroker -c "rtt 2 0"
		'

		# the mock cluster trims a partition past about 5 MB
		test_expect_success "$kind: a log that starts past the offset asked for: exit 5" '
			broker_create_topic trim 1 &&
			# txpub exits 5 when txbroker sees the trim while it still publishes
			# (txbroker(1), Limits): whether it does is a race, both are right
			{ txgen -q -n 60000 --seed 3 | txpub -q -t trim 2>pub.err || test $? = 5; } &&
			test_expect_code 5 txsub -t trim -e -o 0 >out 2>err &&
			test_grep "^txsub: topic trim partition 0: offsets 0-[0-9]* are missing (the log starts at [0-9]*): nothing after them is written" err &&
			test_line_count 0 out
		'

		# the issue: txpub said published, txsub consumed a tenth, all exited 0
		test_expect_success "$kind: from the beginning too, the trimmed start is a gap: exit 5" '
			test_expect_code 5 txsub -t trim -e >out 2>err &&
			test_grep "^txsub: topic trim partition 0: offsets 0-[0-9]* are missing (the log starts at [0-9]*)" err &&
			test_line_count 0 out &&
			test_expect_code 5 txsub -t trim -e -o beginning >out 2>err &&
			txsub -t trim -e --allow-gaps >out 2>err &&
			test_grep "skipped (--allow-gaps)" err &&
			test "$(wc -l <out)" -gt 1000 &&
			test "$(wc -l <out)" -lt 60000
		'
	fi

	if [ "$kind" = kafka ]; then
		# Apache Kafka trims a log by retention (or DeleteRecords), never
		# silently like the mock cluster: tests/kafka-records deletes the
		# records before an offset on demand.
		test_expect_success "$kind: a log that starts past the offset asked for (DeleteRecords): exit 5" '
			broker_create_topic del 1 &&
			sed -n 1,100p in.ndjson >del.ndjson &&
			txpub -q -t del <del.ndjson &&
			test "$(kafka-records delete "$TX_BROKERS" del 0 40)" = 40 &&
			test_expect_code 1 kafka-records delete "$TX_BROKERS" del 0 101 2>err &&
			test_grep "DeleteRecords before 101: Broker: Offset out of range" err &&
			test_expect_code 5 txsub -t del -e -o 0 >out 2>err &&
			test_grep "^txsub: topic del partition 0: offsets 0-39 are missing (the log starts at 40): nothing after them is written" err &&
			test_line_count 0 out &&
			test_expect_code 5 txsub -t del -e >out 2>err &&
			test_grep "^txsub: topic del partition 0: offsets 0-39 are missing (the log starts at 40)" err &&
			test_line_count 0 out &&
			txsub -t del -e --no-source --allow-gaps >out 2>err &&
			test_grep "^txsub: topic del partition 0: offsets 0-39 are missing (the log starts at 40): skipped (--allow-gaps)" err &&
			head -n 1 out | grep -q ",\"dropped_from\":0}\$" &&
			sed "1s/,\"dropped_from\":0}\$/}/" out >got &&
			sed -n 41,100p del.ndjson >want &&
			test_cmp want got
		'
	fi

	if [ "$kind" = kafka ] && [ -n "$have_sqlite" ]; then
		# The resume protocol (tx(7)) when records were deleted while the
		# pipeline was stopped: the stored offsets no longer exist.
		txgen -q -n 400 --seed 7 --accounts 20 >res.ndjson
		test_expect_success "$kind: a resume from stored offsets deleted meanwhile: txsub exit 5, txstore exit 6" '
			broker_create_topic res 2 &&
			db=sqlite:res.db &&
			head -n 200 res.ndjson | txpub -q -t res &&
			txsub -q -t res -e | txbal -q | txstore -q $db &&
			test "$(sqlite3 res.db "SELECT count(*) FROM transactions")" = 200 &&
			tail -n +201 res.ndjson | txpub -q -t res &&
			txstore offsets $db >offs &&
			o0=$(sed -n "s/.*\"partition\":0,\"offset\":\([0-9]*\).*/\1/p" offs) &&
			o1=$(sed -n "s/.*\"partition\":1,\"offset\":\([0-9]*\).*/\1/p" offs) &&
			test -n "$o0" && test -n "$o1" &&
			new0=$(txsub -q -t res -e -p 0 -o $o0 | wc -l) &&
			new1=$(txsub -q -t res -e -p 1 -o $o1 | wc -l) &&
			test $((new0 + new1)) = 200 && test $new0 -gt 10 &&
			to=$((o0 + 10)) &&
			test "$(kafka-records delete "$TX_BROKERS" res 0 $to)" = $to &&
			# the documented resume: partition 1 goes on, 0 stops at the gap
			txstore state $db >state &&
			{ txsub -t res -e --offsets offs 2>err || echo $? >rc; } |
				txbal -q --init state | txstore -q $db &&
			test "$(cat rc)" = 5 &&
			test_grep "^txsub: topic res partition 0: offsets $o0-$((to - 1)) are missing (the log starts at $to): nothing after them is written" err &&
			test "$(sqlite3 res.db "SELECT count(*) FROM transactions")" = $((200 + new1)) &&
			# a start past the gap on purpose (-o): txstore refuses it
			txstore state $db >state &&
			txsub -q -t res -e -p 0 -o $to | txbal -q --init state >past.ndjson &&
			test_line_count $((new0 - 10)) past.ndjson &&
			test_expect_code 6 txstore $db <past.ndjson 2>err &&
			test_grep "^txstore: $db: stdin:1: topic .res. partition 0: the record has offset $to, but the stored next offset is $o0: offsets $o0-$((to - 1)) would be missing" err &&
			test "$(sqlite3 res.db "SELECT count(*) FROM transactions")" = $((200 + new1)) &&
			# --allow-gaps: a warning, the rest stored (dropped_from)
			txstore offsets $db >offs &&
			txstore state $db >state &&
			txsub -t res -e --offsets offs --allow-gaps 2>err |
				txbal -q --init state | txstore -q $db &&
			test_grep "^txsub: topic res partition 0: offsets $o0-$((to - 1)) are missing (the log starts at $to): skipped (--allow-gaps)" err &&
			test "$(sqlite3 res.db "SELECT count(*) FROM transactions")" = 390 &&
			txstore offsets $db >offs &&
			grep -q "\"partition\":0,\"offset\":$((o0 + new0))," offs &&
			grep -q "\"partition\":1,\"offset\":$((o1 + new1))," offs
		'

		# An offset jump inside a partition: a transactional producer's
		# commit and abort markers hold an offset each, and the records of an
		# aborted transaction are in the log but not read (read_committed).
		# librdkafka hands neither markers nor aborted records to txsub, so
		# it cannot tell such a jump from lost records: a gap, exit 5, and a
		# transactional topic needs --allow-gaps (txsub(1)). Here: offsets
		# 0-9 committed, 10 its marker, 11-15 aborted, 16 the abort marker,
		# 17-26 committed, 27 the marker.
		test_expect_success "$kind: an offset jump inside a partition (transactions): exit 5; --allow-gaps stores the committed records" '
			broker_create_topic txn 1 &&
			test "$(sed -n 1,10p res.ndjson | kafka-records txn "$TX_BROKERS" txn 0 commit)" = 10 &&
			test "$(sed -n 11,15p res.ndjson | kafka-records txn "$TX_BROKERS" txn 0 abort)" = 5 &&
			test "$(sed -n 16,25p res.ndjson | kafka-records txn "$TX_BROKERS" txn 0 commit)" = 10 &&
			test_expect_code 5 txsub -t txn -e --no-source >out 2>err &&
			test_grep "^txsub: topic txn partition 0: offsets 10-16 are missing (the next message has offset 17): nothing after them is written" err &&
			sed -n 1,10p res.ndjson >want &&
			test_cmp want out &&
			# the record after the jump says where it began (dropped_from),
			# not one before it still held by the merge
			txsub -q -t txn -e --allow-gaps >src.out &&
			test_line_count 20 src.out &&
			grep dropped_from src.out >d &&
			test_line_count 1 d &&
			grep -q "\"partition\":0,\"offset\":17,.*,\"dropped_from\":10}\$" d &&
			txsub -t txn -e --allow-gaps 2>err | txbal -q | txstore -q sqlite:txn.db &&
			test_grep "^txsub: topic txn partition 0: offsets 10-16 are missing (the next message has offset 17): skipped (--allow-gaps)" err &&
			test_grep "^txsub: topic txn partition 0: offset 27 is missing (the partition ends there): skipped (--allow-gaps)" err &&
			sqlite3 txn.db "SELECT transaction_id FROM transactions" | sort >got &&
			sed -n "1,10p;16,25p" res.ndjson | sed "s/^{\"transaction_id\":\"\([^\"]*\)\".*/\1/" | sort >want &&
			test_cmp want got
		'

		test_expect_success "$kind: a live read past a jump at the end: one warning, the next record carries it" '
			{ timeout 90 txsub -t txn --allow-gaps -c 30 >live.out 2>live.err & } &&
			n=0 && while [ "$(wc -l <live.out)" -lt 20 ] && [ $n -lt 600 ]; do
				sleep 0.1 && n=$((n + 1))
			done &&
			{ test_line_count 20 live.out || { cat live.err; false; }; } &&
			test "$(sed -n 26,35p res.ndjson | kafka-records txn "$TX_BROKERS" txn 0 commit)" = 10 &&
			wait $! &&
			test_line_count 30 live.out &&
			test "$(grep -c "offset 27 is missing" live.err)" = 1 &&
			test_grep "^txsub: consumed 30, written 30, rejected 0, gaps 2" live.err &&
			grep dropped_from live.out >d &&
			test_line_count 2 d &&
			sed -n 2p d | grep -q "\"partition\":0,\"offset\":28,.*,\"dropped_from\":27}\$"
		'
	fi

	broker_stop
done
broker_report_skips
test_done

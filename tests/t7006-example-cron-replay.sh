#!/bin/sh
# examples/cron-replay and examples/crontab against txbroker: two different
# days replayed are each stored exactly once; the same day replayed again
# publishes and stores nothing twice; a consumer killed half way is caught
# up by the next run; an exported day file is used instead of generating.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

command -v sqlite3 >/dev/null 2>&1 || test_skip_all "the sqlite3 shell is not installed (apt-get install sqlite3)"
q="'"
broker_start txbroker -t transactions:8
TX_REPLAY_DIR=$TRASH/job TX_REPLAY_ACCOUNTS=100
export TX_REPLAY_DIR TX_REPLAY_ACCOUNTS
replay() {
	sh "$TX_SRCDIR/examples/cron-replay" "$@"
}
count_day() {
	sqlite3 job/tx.db "SELECT count(*) FROM transactions WHERE ts LIKE ${q}$1%${q}"
}

test_expect_success 'a day the calendar does not have is refused, and marked nowhere' '
	test_expect_code 2 sh "$TX_SRCDIR/examples/cron-replay" 2026-02-30 >out 2>err &&
	test_grep "^cron-replay: .2026-02-30. is not a day of the calendar\$" err &&
	! test -e "$TX_REPLAY_DIR/published/2026-02-30"
'

test_expect_success 'the crontab line runs the script nightly with a log' '
	grep -v "^#" "$TX_SRCDIR/examples/crontab" | grep -v "^[A-Z_]*=" | grep . >lines &&
	test_line_count 1 lines &&
	test_grep "^15 *0 *\* *\* *\* .*examples/cron-replay >>.*2>&1\$" lines
'

test_expect_success 'a day is a full day: every record in it, the next day not' '
	replay 2026-02-02 >out1 &&
	f=job/days/2026-02-02.ndjson &&
	test "$(wc -l <$f)" -gt 100 &&
	test "$(grep -c "\"ts\":\"2026-02-02T" $f)" = "$(wc -l <$f)" &&
	test "$(count_day 2026-02-02)" = "$(wc -l <$f)" &&
	txgen --start 2026-02-02T00:00:00Z --seed 20260202 --accounts 100 |
		head -n $(($(wc -l <$f) + 1)) | tail -n 1 >next &&
	test_grep "\"ts\":\"2026-02-03T00:" next
'

test_expect_success 'another day is added, both held exactly once' '
	replay 2026-02-03 >out2 &&
	n2=$(wc -l <job/days/2026-02-02.ndjson) &&
	n3=$(wc -l <job/days/2026-02-03.ndjson) &&
	test "$(count_day 2026-02-02)" = $n2 &&
	test "$(count_day 2026-02-03)" = $n3 &&
	test "$(sqlite3 job/tx.db "SELECT count(*) FROM transactions")" = $((n2 + n3)) &&
	cat job/days/2026-02-02.ndjson job/days/2026-02-03.ndjson |
		sed -n "s/.*\"transaction_id\":\"\\([^\"]*\\)\".*/\\1/p" | sort >ids.expect &&
	sqlite3 job/tx.db "SELECT transaction_id FROM transactions" | sort >ids.actual &&
	test_cmp ids.expect ids.actual
'

test_expect_success 'the same day again doubles nothing: rows, offsets, balances' '
	txstore balances sqlite:job/tx.db >before.bal &&
	sqlite3 job/tx.db "SELECT sum(next_offset) FROM offsets" >before.off &&
	replay 2026-02-02 >out3 2>err3 &&
	test_grep "was published already" out3 &&
	test_grep " 0 read, 0 stored" err3 &&
	txstore balances sqlite:job/tx.db >after.bal &&
	sqlite3 job/tx.db "SELECT sum(next_offset) FROM offsets" >after.off &&
	test_cmp before.bal after.bal &&
	test_cmp before.off after.off &&
	test "$(sqlite3 job/tx.db "SELECT count(*) FROM transactions")" = \
		"$(cat job/days/2026-02-0[23].ndjson | wc -l)"
'

test_expect_success 'a sink killed half way is caught up by the next run, once' '
	n=$(wc -l <job/days/2026-02-02.ndjson) &&
	txgen --start 2026-02-04T00:00:00Z --seed 20260204 --accounts 100 |
		awk "index(\$0, \"\\\"ts\\\":\\\"2026-02-04\") == 0 { exit } { print }" >day4 &&
	txpub -q -t transactions day4 &&
	# the sink of a run that died: only 100 records stored
	txstore offsets sqlite:job/tx.db >off && txstore balances sqlite:job/tx.db >bal &&
	txsub -q -t transactions -e --offsets off -c 100 | txbal -q --init bal |
		txstore -q sqlite:job/tx.db &&
	test "$(count_day 2026-02-04)" = 100 &&
	mkdir -p exports && cp day4 exports/2026-02-04.ndjson &&
	echo "(published by hand)" >job/published/2026-02-04 &&
	TX_REPLAY_EXPORTS=$TRASH/exports replay 2026-02-04 >out4 2>err4 &&
	test "$(count_day 2026-02-04)" = "$(wc -l <day4)" &&
	test "$(sqlite3 job/tx.db "SELECT sum(next_offset) FROM offsets")" = \
		"$(cat job/days/2026-02-0[23].ndjson day4 | wc -l)"
'

test_expect_success 'an exported day file is replayed instead of a generated one' '
	txgen -n 50 --seed 77 --start 2026-02-05T08:00:00Z --accounts 10 >exports/2026-02-05.ndjson &&
	TX_REPLAY_EXPORTS=$TRASH/exports replay 2026-02-05 >out5 &&
	test_grep "50 records from $TRASH/exports/2026-02-05.ndjson" out5 &&
	test ! -f job/days/2026-02-05.ndjson &&
	test "$(sqlite3 job/tx.db "SELECT count(*) FROM transactions WHERE transaction_id LIKE ${q}tx-77-%${q}")" = 50
'

test_expect_success 'two days on fresh private txbrokers: the first stored, the second refused, exit 2' '
	mkdir fresh &&
	(unset TX_BROKERS TXBROKER_PID TXBROKER_CONTROL && TX_REPLAY_BROKER=txbroker &&
		export TX_REPLAY_BROKER &&
		TX_REPLAY_DIR=$TRASH/fresh replay 2026-03-02 >f1 2>fe1) &&
	n=$(wc -l <fresh/days/2026-03-02.ndjson) &&
	test "$(sqlite3 fresh/tx.db "SELECT count(*) FROM transactions")" = "$n" &&
	(unset TX_BROKERS TXBROKER_PID TXBROKER_CONTROL && TX_REPLAY_BROKER=txbroker &&
		export TX_REPLAY_BROKER &&
		TX_REPLAY_DIR=$TRASH/fresh test_expect_code 2 replay 2026-03-03 >f2 2>fe2) &&
	test_grep "^cron-replay: sqlite:$TRASH/fresh/tx.db holds the offsets of an earlier broker, and without TX_BROKERS a new, empty txbroker would be started" fe2 &&
	test "$(sqlite3 fresh/tx.db "SELECT count(*) FROM transactions")" = "$n"
'

test_expect_success 'a stage that fails fails the job: txsub against a broker that is gone' '
	(TX_BROKERS=127.0.0.1:1 TX_REPLAY_DIR=$TRASH/gone &&
		export TX_BROKERS TX_REPLAY_DIR &&
		mkdir -p gone/published && echo "(by hand)" >gone/published/2026-03-04 &&
		! replay 2026-03-04 >g1 2>ge1) &&
	test_grep "^cron-replay: 2026-03-04: failed: txsub [1-9]" ge1
'

# Without TX_BROKERS the job runs its own Apache Kafka (txbroker --kafka),
# started and stopped by each run, its data kept in the job's directory
# (outside $TRASH: the exit hook stops a broker a failed case left behind).
kjob=$TX_BUILDDIR/tests/.kafka-job.$test_name
rm -rf "$kjob"
test_atexit 'sh "$TX_SRCDIR/src/txbroker/txkit-kafka" stop "$kjob/kafka"; rm -rf "$kjob"'
if why=$(kafka_unavailable); then
	test_skip 'two days, each run with its own txbroker --kafka' "Apache Kafka: $why"
else
	test_expect_success 'two days, each run starting and stopping its own txbroker --kafka: both complete' '
		(unset TX_BROKERS TXBROKER_PID TXBROKER_CONTROL TXBROKER_KAFKA &&
			TX_REPLAY_DIR=$kjob && export TX_REPLAY_DIR &&
			replay 2026-03-05 >k1 2>ke1 && replay 2026-03-06 >k2 2>ke2) &&
		n5=$(wc -l <"$kjob/days/2026-03-05.ndjson") &&
		n6=$(wc -l <"$kjob/days/2026-03-06.ndjson") &&
		test "$(sqlite3 "$kjob/tx.db" "SELECT count(*) FROM transactions WHERE ts LIKE ${q}2026-03-05%${q}")" = $n5 &&
		test "$(sqlite3 "$kjob/tx.db" "SELECT count(*) FROM transactions WHERE ts LIKE ${q}2026-03-06%${q}")" = $n6 &&
		test "$(sqlite3 "$kjob/tx.db" "SELECT sum(next_offset) FROM offsets")" = $((n5 + n6)) &&
		! test -f "$kjob/kafka/kafka.pid"
	'
fi

test_done

#!/bin/sh
# Scale-out: four consuming pipelines, each owning a fixed set of the
# topic's 16 partitions, against one PostgreSQL, give exactly the database
# one pipeline gives: every row and every balance. Transfers between
# accounts of different pipelines are split (txbal --legs): the sender's
# pipeline applies the debit and writes the credit leg, which is published
# back to the topic keyed by the counterparty, so the owner of each account
# applies its own leg exactly once (txbal(1), tx(7)). One of the four is
# killed -9 mid-stream and restarted alone with the documented command.
# On txbroker and on Apache Kafka (each with its own pair of databases);
# replay with TX_CRASH_SEED=N.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/pg.sh"
. "$TX_SRCDIR/tests/t6-crash.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
: "${TX_SCALE_RECORDS:=40000}"

pg_start || exit 1

# pipe DB TOPIC PARTITIONS N: the restart command of one pipeline (tx(7)),
# legs appended to legs.N; run in the foreground
pipe() {
	txstore state "dbname=$1" >"state.$4" &&
		txstore offsets "dbname=$1" >"offsets.$4" &&
		{ txsub -q -t "$2" -p "$3" -o beginning -e --offsets "offsets.$4" || test $? = 141; } |
		{ txbal -q --no-alert velocity --legs "legs.$4" --init "state.$4" || test $? = 1; } |
			txstore -q "dbname=$1"
}

# publish_legs TOPIC FILES...: the legs, in transaction id order (stable, so
# a leg's reversal stays after it), then the files emptied
publish_legs() {
	_t=$1
	shift
	cat "$@" | sort -s -t '"' -k 4,4 >legs.all &&
		txpub -q -t "$_t" <legs.all &&
		for _f in "$@"; do : >"$_f"; done
}

test_expect_success 'txbal --legs: a leg when a transfer posts, its reversal when it is undone' '
	cat >in.ndjson <<-\EOF &&
	{"transaction_id":"d1","account":"A","type":"deposit","amount":100}
	{"transaction_id":"t1","account":"A","type":"transfer","amount":1,"counterparty":"B"}
	{"transaction_id":"t2","account":"A","type":"transfer","amount":2,"counterparty":"B","status":"pending"}
	{"transaction_id":"t3","account":"A","type":"transfer","amount":3,"counterparty":"B"}
	{"transaction_id":"t4","account":"A","type":"transfer","amount":4,"counterparty":"B","ts":"2026-01-01T00:00:00Z"}
	{"transaction_id":"t5","account":"A","type":"transfer","amount":5,"counterparty":"B","status":"pending"}
	{"transaction_id":"t6","account":"A","type":"transfer","amount":6,"counterparty":"B","status":"pending"}
	{"transaction_id":"t2","account":"A","op":"update","status":"completed"}
	{"transaction_id":"t3","account":"A","op":"update","status":"failed"}
	{"transaction_id":"t4","account":"A","op":"delete","ts":"2026-01-02T00:00:00Z"}
	{"transaction_id":"t5","account":"A","op":"delete"}
	{"transaction_id":"t6","account":"A","op":"update","status":"failed"}
	{"transaction_id":"t1","account":"A","type":"transfer","amount":1,"counterparty":"B"}
	EOF
	cat >legs.expect <<-\EOF &&
	{"transaction_id":"t1/credit","account":"B","type":"deposit","amount":1.00,"currency":"USD","status":"completed","leg_of":"t1"}
	{"transaction_id":"t3/credit","account":"B","type":"deposit","amount":3.00,"currency":"USD","status":"completed","leg_of":"t3"}
	{"transaction_id":"t4/credit","account":"B","type":"deposit","amount":4.00,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"completed","leg_of":"t4"}
	{"transaction_id":"t2/credit","account":"B","type":"deposit","amount":2.00,"currency":"USD","status":"completed","leg_of":"t2"}
	{"transaction_id":"t3/credit","account":"B","currency":"USD","op":"update","status":"failed","leg_of":"t3"}
	{"transaction_id":"t4/credit","account":"B","currency":"USD","ts":"2026-01-02T00:00:00Z","op":"update","status":"failed","leg_of":"t4"}
	EOF
	txbal -q --legs l.ndjson --state a.state <in.ndjson >out.ndjson &&
	test_cmp legs.expect l.ndjson &&
	! grep -q counterparty_balance out.ndjson &&
	test "$(grep -c . a.state)" = 2 &&
	grep -q "\"account\":\"A\",\"currency\":\"USD\",\"balance\":97.00,\"available_balance\":97.00" a.state &&
	grep -q "\"account\":\"B\",\"currency\":\"USD\",\"balance\":0.00" a.state &&
	# the legs, applied by the owner of B, move exactly the money of t1 and t2
	txbal -q --legs l2.ndjson --state b.state <l.ndjson >/dev/null &&
	grep -q "\"account\":\"B\",\"currency\":\"USD\",\"balance\":3.00" b.state &&
	# published twice: nothing doubled
	cat l.ndjson l.ndjson | txbal -q --state c.state >/dev/null &&
	test_cmp b.state c.state &&
	test ! -s l2.ndjson &&
	# appended to, never truncated
	txbal -q --legs l.ndjson <in.ndjson >/dev/null &&
	test "$(wc -l <l.ndjson)" = 12
'

for kind in $(broker_kinds); do
	for db in one four; do pg_psql -c "CREATE DATABASE ${db}_$kind" || exit 1; done
	if ! broker_start "$kind"; then
		test_expect_success "$kind: the broker starts" 'false'
		continue
	fi
	broker_create_topic so1 16
	broker_create_topic so4 16

test_expect_success "$kind: publish $TX_SCALE_RECORDS records with transfers to two topics" '
	txgen -q -n $TX_SCALE_RECORDS --seed 51 --accounts 400 --pending 0.1 --deletes 0.02 \
		--duplicates 0.02 >stream.ndjson &&
	test "$(grep -c "\"type\":\"transfer\"" stream.ndjson)" -gt 2000 &&
	txpub -q -t so1 <stream.ndjson && txpub -q -t so4 <stream.ndjson
'

test_expect_success "$kind: one pipeline over partitions 0-15, then its legs" '
	: >legs.0 &&
	pipe one_$kind so1 0-15 0 &&
	test -s legs.0 &&
	echo "one pipeline: $(wc -l <legs.0) legs" >scale.log &&
	publish_legs so1 legs.0 &&
	pipe one_$kind so1 0-15 0 &&
	test ! -s legs.0
'

test_expect_success "$kind: four pipelines (0-3, 4-7, 8-11, 12-15), one killed -9 and restarted, then the legs" '
	for n in 1 2 3 4; do : >legs.$n; done &&
	{ pipe four_$kind so4 0-3 1 & } && p1=$! &&
	{ pipe four_$kind so4 4-7 2 & } && p2=$! &&
	{ pipe four_$kind so4 12-15 4 & } && p4=$! &&
	# the third is killed mid-stream for sure: txbal is fed the first
	# 100-500 kB of its partitions (of about 2.5 MB), then nothing more;
	# once it has read them all it is killed -9 (a guessed time is not
	# enough: all 10,000 records can pass in less than 10 ms)
	rm -f f0 f1 f2 && mkfifo f0 f1 f2 &&
	txstore state dbname=four_$kind >state.3 && txstore offsets dbname=four_$kind >offsets.3 &&
	{ txsub -q -t so4 -p 8-11 -o beginning -e --offsets offsets.3 >f1 2>/dev/null & } &&
	crash_counter=1 &&
	at=$((100000 + $(crash_rand 400000))) &&
	{ { head -c $at && exec sleep 600; } <f1 >f0 & } &&
	feed=$! &&
	{ txbal -q --no-alert velocity --legs legs.3 --init state.3 <f0 >f2 2>/dev/null & } &&
	bal=$! &&
	{ txstore -q dbname=four_$kind <f2 & } &&
	_i=0 &&
	while r=$(sed -n "s/^rchar: //p" /proc/$bal/io) && [ "$r" -lt $at ] && [ $_i -lt 3000 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done &&
	test "$r" -ge $at &&
	kill -KILL $bal && kill $feed &&
	wait $p1 && wait $p2 && wait $p4 && { wait || true; } &&
	pipe four_$kind so4 8-11 3 &&
	echo "four pipelines: txbal of 8-11 killed -9 after reading $r bytes, restarted; legs $(cat legs.1 legs.2 legs.3 legs.4 | wc -l)" >>scale.log &&
	publish_legs so4 legs.1 legs.2 legs.3 legs.4 &&
	for p in 0-3:1 4-7:2 8-11:3 12-15:4; do
		pipe four_$kind so4 ${p%:*} ${p#*:} || exit 1
	done &&
	test ! -s legs.1 && test ! -s legs.2 && test ! -s legs.3 && test ! -s legs.4
'
[ -f scale.log ] && sed "s/^/# $kind: /" scale.log && rm -f scale.log

test_expect_success "$kind: four pipelines give the database of one: every row, every balance" '
	CRASH_NO_SOURCE=1 crash_dump dbname=one_$kind one &&
	CRASH_NO_SOURCE=1 crash_dump dbname=four_$kind four &&
	test_cmp one.rows four.rows &&
	test_cmp one.bal four.bal &&
	grep -c "/credit" one.rows >legs.count &&
	test "$(cat legs.count)" -gt 1000 &&
	echo "compared $(wc -l <four.rows) rows ($(cat legs.count) credit legs) and $(wc -l <four.bal) balances: equal" >cmp.log
'
[ -f cmp.log ] && sed "s/^/# $kind: /" cmp.log && rm -f cmp.log

test_expect_success "$kind: money is conserved: deposits minus debits, no transfer counted twice" '
	t1=$(pg_psql -d one_$kind -c "SELECT sum(balance) FROM balances") &&
	t4=$(pg_psql -d four_$kind -c "SELECT sum(balance) FROM balances") &&
	test "$t1" = "$t4" &&
	e=$(pg_psql -d one_$kind -c "SELECT sum(CASE WHEN type IN ($(printf "%s" "'"'"'deposit'"'"','"'"'refund'"'"'")) THEN amount
		WHEN type = '"'"'transfer'"'"' THEN -amount ELSE -amount END)
		FROM transactions WHERE status = '"'"'completed'"'"' AND deleted_at IS NULL") &&
	test "$t1" = "$e"
'

	broker_stop
done
broker_report_skips
test_done

#!/bin/sh
# Exactly once under crashes, SQLite and txbroker: a 200,000-record stream
# with transfers, pending/completed/failed updates, deletes and duplicate
# ids, published once; the consuming pipeline txsub | txbal | txstore is
# killed -9 (a random stage at a random moment) at least 20 times and
# restarted each time with the documented command (tx(7)); the database
# ends row for row and balance for balance as a clean run's. Replay a
# failure with TX_CRASH_SEED=N (printed below).
#
# txsub merges the partitions in event-time order (tx(7), Ordering), so on
# one partition (20,000 KWD records, the mock cluster keeps about 5 MB per
# partition) and on 128 alike, under the default overdraft rule, every
# column is compared, and the 128-partition database is also the one the
# records piped straight into txbal give.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/t6-crash.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
command -v sqlite3 >/dev/null || test_skip_all 'sqlite3 (the shell) is not installed'

: "${TX_CRASH_RECORDS:=200000}"
: "${TX_CRASH_KILLS:=20}"

test_expect_success 'state: a restart from txstore state is exact where balances alone are not' '
	txgen -q -n 20000 --seed 7 --accounts 300 --pending 0.2 --deletes 0.05 \
		--duplicates 0.05 >s.ndjson &&
	head -n 9000 s.ndjson >s1 && tail -n +9001 s.ndjson >s2 &&
	txbal -q --no-alert velocity s.ndjson | txstore -q sqlite:whole.db &&
	{ txbal -q --no-alert velocity s1 | txstore -q sqlite:split.db; } &&
	txstore state sqlite:split.db >split.state &&
	grep -q "\"status\":\"pending\"" split.state &&
	grep -q "\"deleted\":true" split.state &&
	{ txbal -q --no-alert velocity --init split.state s2 || test $? = 1; } |
		txstore -q sqlite:split.db &&
	crash_dump sqlite:whole.db whole && crash_dump sqlite:split.db split &&
	test_cmp whole.rows split.rows && test_cmp whole.bal split.bal &&
	# the old protocol, balances only, loses the pending settlements and
	# the known ids: the balance chain breaks, and txstore refuses the run
	{ txbal -q --no-alert velocity s1 | txstore -q sqlite:old.db; } &&
	txstore balances sqlite:old.db >old.bal &&
	crash_dump sqlite:old.db before &&
	{ txbal -q --no-alert velocity --init old.bal s2 || test $? = 1; } |
		{ txstore -q sqlite:old.db 2>old.err; echo $? >old.rc; } &&
	test "$(cat old.rc)" = 6 &&
	test_grep "txbal did not start from the stored state (txbal --init); nothing of this run was stored" old.err &&
	crash_dump sqlite:old.db after &&
	test_cmp before.rows after.rows && test_cmp before.bal after.bal
'

# issue 14: deletes name no currency; a restart must still file them under it
for cur in EUR JPY KWD; do
	test_expect_success "state: the same restart on a $cur stream of lifecycle records" "
		txgen -q -n 6000 --seed 8 --accounts 100 --currency $cur --pending 0.2 \\
			--deletes 0.1 --duplicates 0.05 >c.ndjson &&
		head -n 2500 c.ndjson >c1 && tail -n +2501 c.ndjson >c2 &&
		txbal -q --no-alert velocity c.ndjson | txstore -q sqlite:$cur-whole.db &&
		txbal -q --no-alert velocity c1 | txstore -q sqlite:$cur-split.db &&
		txstore state sqlite:$cur-split.db >c.state &&
		grep -q '\"deleted\":true' c.state &&
		txbal -q --no-alert velocity --init c.state c2 | txstore -q sqlite:$cur-split.db &&
		crash_dump sqlite:$cur-whole.db cw && crash_dump sqlite:$cur-split.db cs &&
		test_cmp cw.rows cs.rows && test_cmp cw.bal cs.bal &&
		! grep -q '\"USD\"' cw.bal
	"
done

test_expect_success 'txbal --init: a bad state file stops with status 2, naming the line' '
	b="{\"account\":\"A\",\"balance\":5}" &&
	t="{\"transaction_id\":\"t1\",\"account\":\"A\",\"type\":\"payment\",\"amount\":1,\"status\":\"pending\"}" &&
	printf "%s\n%s\n%s\n" "$b" "$t" "$t" >twice.state &&
	test_expect_code 2 txbal --init twice.state </dev/null 2>err &&
	test_grep "twice.state:3: transaction listed twice" err &&
	printf "%s\n%s\n" "$t" "$b" >order.state &&
	test_expect_code 2 txbal --init order.state </dev/null 2>err &&
	test_grep "order.state:2: account and currency listed twice (or after a transaction line)" err &&
	echo "{\"transaction_id\":\"t2\",\"account\":\"A\",\"type\":\"transfer\",\"amount\":1}" >cp.state &&
	test_expect_code 2 txbal --init cp.state </dev/null 2>err &&
	test_grep "cp.state:1: missing field .counterparty." err &&
	echo "{\"transaction_id\":\"t2\",\"account\":\"A\",\"type\":\"payment\",\"amount\":1,\"deleted\":1}" >del.state &&
	test_expect_code 2 txbal --init del.state </dev/null 2>err &&
	test_grep "del.state:1: field .deleted. is not true or false" err &&
	# a pending payment in the state: settled, its reservation released
	printf "%s\n%s\n" "{\"account\":\"A\",\"balance\":5,\"available_balance\":4}" "$t" >ok.state &&
	echo "{\"transaction_id\":\"t1\",\"account\":\"A\",\"op\":\"update\",\"status\":\"completed\"}" |
		txbal -q --init ok.state --state after.state >/dev/null &&
	grep -q "\"balance\":4.00,\"available_balance\":4.00" after.state
'

test_expect_success 'txstore: below the stored offset is skipped, a stored id is no second row' '
	txgen -q -n 300 --seed 5 --accounts 20 | txbal -q >t.ndjson &&
	awk "{ sub(/}\$/, \",\\\"source\\\":{\\\"topic\\\":\\\"o\\\",\\\"partition\\\":0,\\\"offset\\\":\" NR-1 \"}}\"); print }" \
		t.ndjson >src.ndjson &&
	txstore sqlite:o.db <src.ndjson 2>e1 &&
	txstore sqlite:o.db <src.ndjson 2>e2 &&
	test_grep "300 read, 300 stored" e1 &&
	test_grep "0 stored, .* 300 already stored" e2 &&
	txstore sqlite:o.db <t.ndjson 2>e3 &&
	test_grep "0 stored, 300 duplicates" e3 &&
	test "$(sqlite3 o.db "SELECT count(*) FROM transactions")" = 300 &&
	test "$(txstore offsets sqlite:o.db)" = "{\"topic\":\"o\",\"partition\":0,\"offset\":300}"
'

broker_start txbroker || exit 1
# txbroker -d made "transactions" with 128 partitions (the mock cluster keeps
# about 5 MB per partition); "one" has a single partition, so one order
broker_create_topic one 1


test_expect_success "publish $TX_CRASH_RECORDS records once (and 20000 to one partition)" '
	txgen -q -n $TX_CRASH_RECORDS --seed 11 --accounts 2000 --pending 0.1 \
		--deletes 0.02 --duplicates 0.02 >stream.ndjson &&
	test "$(grep -c "\"type\":\"transfer\"" stream.ndjson)" -gt 1000 &&
	test "$(grep -c "\"op\":\"delete\"" stream.ndjson)" -gt 1000 &&
	test "$(grep -c "\"op\":\"update\"" stream.ndjson)" -gt 1000 &&
	txpub -q -t transactions <stream.ndjson &&
	test "$(txsub -q -t transactions -o beginning -e | wc -l)" = $TX_CRASH_RECORDS &&
	txgen -q -n 20000 --seed 12 --accounts 300 --currency KWD --pending 0.1 \
		--deletes 0.02 --duplicates 0.02 | txpub -q -t one &&
	test "$(txsub -q -t one -o beginning -e | wc -l)" = 20000
'

test_expect_success "one partition, every column: kill -9 $TX_CRASH_KILLS times, the same database" '
	CRASH_TOPIC=one CRASH_MAX_MS=250 CRASH_PACE=4000 &&
	crash_case one sqlite:one-clean.db sqlite:one-crash.db
'
crash_report

test_expect_success "128 partitions, $TX_CRASH_RECORDS records: kill -9 $TX_CRASH_KILLS times, the same database" '
	CRASH_TOPIC=transactions CRASH_MAX_MS=300 CRASH_PACE=20000 &&
	crash_case many sqlite:many-clean.db sqlite:many-crash.db
'
crash_report

test_expect_success "128 partitions: the database of the records piped straight into txbal" '
	{ txbal -q --no-alert velocity <stream.ndjson || test $? = 1; } |
		txstore -q sqlite:direct.db &&
	CRASH_NO_SOURCE=1 crash_dump sqlite:direct.db direct &&
	CRASH_NO_SOURCE=1 crash_dump sqlite:many-crash.db many-nosrc &&
	test_cmp direct.rows many-nosrc.rows &&
	test_cmp direct.bal many-nosrc.bal
'

test_done

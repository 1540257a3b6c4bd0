#!/bin/sh
# txstore: the whole consuming half (txgen | txbal | txstore), options,
# --progress, signals.
. "$TX_SRCDIR/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "the sqlite3 shell is not installed (Debian package sqlite3)"

test_expect_success 'txgen | txbal | txstore: the stored balances are txbal --state, exactly' '
	txgen -q -n 20000 --seed 5 --pending 0.1 --deletes 0.02 --duplicates 0.02 >gen.ndjson &&
	txbal -q --state state.ndjson <gen.ndjson >bal.ndjson &&
	txstore --batch 333 e.db <bal.ndjson 2>err &&
	txstore balances e.db >got.ndjson &&
	sort state.ndjson >exp.ndjson &&
	test_cmp exp.ndjson got.ndjson &&
	test "$(wc -l <got.ndjson)" -gt 100
'

test_expect_success 'the stored rows: one per create, statuses as the updates left them' '
	"$PYTHON3" - <<-\PY
	import json, sqlite3
	want = {}
	for line in open("bal.ndjson"):
	    r = json.loads(line)
	    op = r.get("op", "create")
	    t = r["transaction_id"]
	    if op == "create":
	        want.setdefault(t, [r.get("status", "completed"), 0])
	    elif op == "update" and t in want and not want[t][1]:
	        want[t][0] = r.get("status", want[t][0])
	    elif op == "delete" and t in want:
	        want[t][1] = 1
	db = sqlite3.connect("e.db")
	got = {t: [s, d] for t, s, d in db.execute(
	    "SELECT transaction_id, status, deleted_at IS NOT NULL FROM transactions")}
	assert got == want, (len(got), len(want), [k for k in want if got.get(k) != want[k]][:5])
	PY
'

test_expect_success 'txbal'"'"'s members: decoded exactly; each bad one rejected with its message' '
	cat >led.ndjson <<-\EOF &&
	{"transaction_id":"b0","account":"A","type":"deposit","amount":1,"new_balance":1,"available_balance":"1.00","tx_count":1}
	{"transaction_id":"b1","account":"A","type":"deposit","amount":1,"new_balance":1.234}
	{"transaction_id":"b2","account":"A","type":"deposit","amount":1,"new_balance":5,"available_balance":6}
	{"transaction_id":"b3","account":"A","type":"deposit","amount":1,"tx_count":"x","new_balance":"y"}
	{"transaction_id":"b4","account":"A","type":"deposit","amount":1,"tx_count":-1}
	{"transaction_id":"b5","account":"A","type":"deposit","amount":1,"dropped_from":"x"}
	{"transaction_id":"b6","account":"A","type":"deposit","amount":1,"dropped_from":"x","source":{"topic":"t","partition":0,"offset":0}}
	{"transaction_id":"b7","account":"A","type":"deposit","amount":1,"counterparty_balance":"zz"}
	{"transaction_id":"b8","account":"A","type":"transfer","amount":1,"counterparty":"B","counterparty_balance":"zz"}
	{"transaction_id":"k1","account":"K","type":"deposit","amount":1.234,"currency":"KWD","new_balance":1.234,"available_balance":1.2,"tx_count":7}
	EOF
	test_expect_code 1 txstore --reject led.rej led.db <led.ndjson 2>err &&
	grep -v " read, " err | sed "s/^[^:]*: //" >got &&
	cat >exp <<-\EOF &&
	stdin:2: field '"'"'new_balance'"'"' has more than 2 decimals for its currency
	stdin:3: field '"'"'available_balance'"'"' is greater than '"'"'new_balance'"'"'
	stdin:4: field '"'"'new_balance'"'"' is not a plain decimal number
	stdin:5: field '"'"'tx_count'"'"' is not a count
	stdin:7: field '"'"'dropped_from'"'"' is not an offset
	stdin:9: field '"'"'counterparty_balance'"'"' is not a plain decimal number
	EOF
	test_cmp exp got &&
	sed -n "2,5p;7p;9p" led.ndjson >exp &&
	test_cmp exp led.rej &&
	echo "b0 b5 b7 k1" >exp &&
	echo $(sqlite3 led.db "SELECT transaction_id FROM transactions ORDER BY 1") >got &&
	test_cmp exp got &&
	sqlite3 led.db "SELECT account, balance_minor, available_minor, tx_count FROM balances ORDER BY 1" >got &&
	printf "A|100|100|1\nK|1234|1200|7\n" >exp &&
	test_cmp exp got
'

test_expect_success '--help prints the usage; bad options and values exit 2' '
	txstore --help >out &&
	test_grep "^usage: txstore" out &&
	test_grep "txstore report" out &&
	test_expect_code 2 txstore --nope x.db </dev/null 2>err &&
	test_expect_code 2 txstore --batch 0 x.db </dev/null 2>err &&
	test_grep "\-\-batch" err &&
	test_expect_code 2 txstore --flush-ms soon x.db </dev/null 2>err &&
	test_expect_code 2 txstore --retry-for -1 x.db </dev/null 2>err &&
	test_expect_code 2 txstore report --since yesterday x.db 2>err &&
	test_grep "is not an RFC 3339 time" err &&
	test_expect_code 2 txstore offsets a.db b.db 2>err &&
	test_expect_code 2 txstore x.db y.db </dev/null 2>err
'

test_expect_success 'reading a database that is not there creates nothing' '
	txstore offsets none.db >off 2>err1 &&
	test ! -s off &&
	test ! -s err1 &&
	txstore state sqlite:none.db >state 2>err2 &&
	test ! -s state &&
	test ! -s err2 &&
	txstore balances none.db >bal 2>err3 &&
	test ! -s bal &&
	test ! -s err3 &&
	test_expect_code 4 txstore report sqlite:none.db >rep 2>err4 &&
	test ! -s rep &&
	test_grep "sqlite:none.db: no txstore database there" err4 &&
	test_expect_code 4 txstore report dir/none.db 2>err5 &&
	! test -e none.db && ! test -e none.db-wal && ! test -e dir
'

test_expect_success 'reading an empty file or another SQLite database changes nothing' '
	: >empty.db &&
	txstore offsets empty.db >off &&
	test ! -s off &&
	test_expect_code 4 txstore report empty.db 2>err &&
	test_grep "no txstore database there" err &&
	test ! -s empty.db &&
	sqlite3 other.db "CREATE TABLE t (x); INSERT INTO t VALUES (1)" &&
	txstore state other.db >state &&
	test ! -s state &&
	test "$(sqlite3 other.db "SELECT group_concat(name) FROM sqlite_master")" = t &&
	printf "not a database at all, only text, long enough for sqlite to look at\n%.0s" \
		1 2 3 4 5 6 7 8 >text.db &&
	test_expect_code 4 txstore offsets text.db 2>err &&
	test_grep "text.db: file is not a database" err
'

test_expect_success 'a resume from a database that is not there yet stores as a plain run does' '
	txgen -q -n 50 --seed 3 | txbal -q >fifty &&
	txstore -q r.db <fifty &&
	txstore balances r.db >bal &&
	test "$(wc -l <bal)" -gt 5 &&
	txstore state fresh.db >fresh.state &&
	txstore offsets fresh.db >fresh.off &&
	txbal -q --init fresh.state <fifty | txstore -q fresh.db &&
	txstore balances fresh.db >fresh.bal &&
	test_cmp bal fresh.bal
'

# The line comes when the batch after the pause finds the first one
# committed (a batch of the first 100, or two if the pipe split them).
test_expect_success '--progress: records and batches committed every 2 s; not with -q' '
	head -n 400 bal.ndjson >slow.in &&
	txstore -q plain.db <slow.in &&
	{ test_slow_feed slow.in 100 | txstore --progress --flush-ms 50 p.db >p.out 2>p.err & } &&
	p1=$! &&
	{ test_slow_feed slow.in 100 | txstore -q --progress --flush-ms 50 q.db >q.out 2>q.err & } &&
	p2=$! &&
	wait $p1 && wait $p2 &&
	test_cmp /dev/null p.out && test_cmp /dev/null q.out && test_cmp /dev/null q.err &&
	grep -v "^txstore: 400 read, " p.err >lines &&
	test_line_count 1 lines &&
	grep -x -E "txstore: 100 records committed, [0-9]+/s, (1 batch|2 batches)" lines &&
	txstore balances plain.db >want &&
	for db in p q; do
		txstore balances $db.db >got &&
		test_cmp want got &&
		test "$(sqlite3 $db.db "SELECT count(*) FROM transactions")" = \
			"$(sqlite3 plain.db "SELECT count(*) FROM transactions")" || return 1
	done
'

test_expect_success 'SIGTERM: what was read is stored, exit 128+15' '
	{ { head -n 10 bal.ndjson; sleep 5; } | txstore --flush-ms 60000 s.db 2>err & } &&
	pid=$! &&
	sleep 2 &&
	kill -TERM $pid &&
	test_expect_code 143 wait $pid &&
	test_grep "10 read" err &&
	test "$(sqlite3 s.db "SELECT count(*) FROM transactions")" = "$(head -n 10 bal.ndjson | grep -vc "\"op\"")"
'

test_expect_success '--async-commit needs PostgreSQL: SQLite is refused before anything is created' '
	txgen -n 3 >three &&
	test_expect_code 2 txstore --async-commit --reject async.rej async.db <three 2>err &&
	echo "txstore: --async-commit: async.db is not a PostgreSQL database: SQLite commits synchronously" >want &&
	test_cmp want err &&
	! test -e async.db &&
	! test -e async.rej &&
	test_expect_code 2 txstore --async-commit sqlite:async2 <three 2>err &&
	test_grep "^txstore: --async-commit: sqlite:async2 is not a PostgreSQL database" err &&
	! test -e async2
'

if ! test_have postgresql; then
	test_expect_success 'a build without PostgreSQL: a PostgreSQL DSN says so, exit 2' '
		txgen -n 1 >one &&
		test_expect_code 2 txstore "postgresql:///db" <one >out 2>err &&
		echo "txstore: '"'"'postgresql:///db'"'"': this build has no PostgreSQL: install libpq-dev (apt-get install libpq-dev), then configure and build again" >want &&
		test_cmp want err &&
		test_expect_code 2 txstore report "host=/tmp dbname=x" >out 2>err &&
		test_grep "this build has no PostgreSQL" err
	'
fi

test_expect_success postgresql 'libpq: its two sentences stay apart on one line' '
	txgen -n 1 >one &&
	test_expect_code 4 txstore "host=$TRASH port=1" --retry-for 0 <one 2>err &&
	test_grep "failed: No such file or directory; Is the server running locally" err &&
	test_line_count 1 err
'

test_done

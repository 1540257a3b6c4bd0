#!/bin/sh
# examples/web-api (seeds 000 and 004 over HTTP) in short mode against
# txbroker: every posted transaction is stored once, the PATCH and the
# DELETE show in the database and through GET, and /reports adds up.
. "$TX_SRCDIR/tests/lib.sh"
test_need kafka microhttpd

command -v curl >/dev/null 2>&1 || test_skip_all 'curl is not installed (apt-get install curl)'
command -v sqlite3 >/dev/null 2>&1 || test_skip_all "the sqlite3 shell is not installed (apt-get install sqlite3)"

test_expect_success 'the example posts 500 transactions and reads them back' '
	TX_EXAMPLE_DIR=$TRASH/w TX_EXAMPLE_PORT=$(test_free_port) sh "$TX_SRCDIR/examples/web-api" 500 >out 2>err &&
	test_grep "^web-api: 500 transactions posted and stored" out &&
	test "$(grep -c "\"status\":\"accepted\",\(\"op\":\"[a-z]*\",\)\?\"partition\":[0-3],\"offset\":" out)" = 9 &&
	test_grep "^{\"account\":\"ACC[0-9]*\",\"balances\":\[{" out
'

test_expect_success 'nothing the example started outlives it (its worker txsub was left)' '
	pid=$(cat w/txsub.pid) &&
	! ps -o stat= -p "$pid" | grep -v "^Z"
'

test_expect_success 'stored once each; the update and the deletion are there' '
	test "$(sqlite3 w/web.db "SELECT count(*), count(DISTINCT transaction_id) FROM transactions")" = "502|502" &&
	test "$(sqlite3 w/web.db "SELECT status FROM transactions WHERE transaction_id = '"'"'web-api-pending'"'"'")" = completed &&
	first=$(head -n 1 w/in.ndjson | sed "s/.*\"transaction_id\":\"\([^\"]*\)\".*/\1/") &&
	test "$(sqlite3 w/web.db "SELECT deleted_at IS NOT NULL FROM transactions WHERE transaction_id = '"'"'$first'"'"'")" = 1 &&
	test_grep "\"op\":\"update\"" out
'

test_expect_success '/reports adds up to the database' '
	"$PYTHON3" -c "
import json, sqlite3
r = json.load(open(\"w/reports.json\"))
db = sqlite3.connect(\"w/web.db\")
n = db.execute(\"SELECT count(*) FROM transactions WHERE deleted_at IS NULL\").fetchone()[0]
assert sum(x[\"count\"] for x in r[\"by_status\"]) == n, (r[\"by_status\"], n)
assert len(r[\"transactions\"]) == 5
print(\"ok\")
"
'
test_done

#!/bin/sh
# txhttp --db: reads of a txstore database. The records go in through
# txhttp itself (txhttp --db X | txbal | txstore X), then come back through
# GET /api/transactions/{id}, the paginated list, /api/accounts/{account} and
# /reports; updates and deletions show; bad parameters get 400; PostgreSQL
# stopped gets 503, and its return 200 again.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/http.sh"
. "$TX_SRCDIR/tests/pg.sh"

command -v curl >/dev/null 2>&1 || test_skip_all 'curl is not installed (apt-get install curl)'

# start_pipe DSN: txhttp --db DSN | txbal | txstore DSN, in the background.
start_pipe() {
	port=$(test_free_port)
	url="http://127.0.0.1:$port"
	{
		txhttp -l "127.0.0.1:$port" --db "$1" 2>http.err &
		echo $! >http.pid
	} | txbal -q | txstore -q "$1" &
	pipe=$!
	wait_http "$url"
}

# get PATH: the status code; the body in body.json
get() { curl -s -o body.json -w '%{http_code}' "$url$1"; }
post() {
	curl -s -o body.json -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$1" "$url/api/transactions"
}
# until_get PATH CODE: until GET PATH answers CODE (the pipeline stored it)
until_get() {
	for _i in $(seq 1 100); do
		[ "$(get "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	echo "GET $1: $(cat body.json)"
	return 1
}

db=sqlite:$TRASH/tx.db
start_pipe "$db"

test_expect_success 'before anything is stored: empty lists, 404, empty reports' '
	test "$(get /api/transactions)" = 200 &&
	test "$(cat body.json)" = "{\"transactions\":[],\"next\":null}" &&
	test "$(get /api/transactions/nothing)" = 404 &&
	test "$(cat body.json)" = "{\"error\":\"no such transaction\"}" &&
	test "$(get /reports)" = 200 &&
	test "$(cat body.json)" = "{\"transactions\":[],\"balances\":[],\"by_type\":[],\"by_status\":[],\"latency\":[]}" &&
	test "$(get /healthz)" = 200 &&
	test "$(cat body.json)" = "{\"status\":\"ok\",\"sink\":\"stdout\",\"database\":\"up\"}"
'

test_expect_success 'POST, stored by the pipeline, then GET it' '
	test "$(post "{\"transaction_id\":\"d1\",\"account\":\"ACC1\",\"type\":\"deposit\",\"amount\":\"100.00\",\"ts\":\"2026-01-01T00:00:01Z\"}")" = 202 &&
	until_get /api/transactions/d1 200 &&
	test_grep "^{\"transaction_id\":\"d1\",\"account\":\"ACC1\",\"type\":\"deposit\",\"amount\":100.00,\"currency\":\"USD\",\"ts\":\"2026-01-01T00:00:01.000000Z\",\"status\":\"completed\",\"stored_at\":\"20[0-9T:.-]*Z\"}$" body.json
'

test_expect_success 'a pending payment, completed by PATCH (account looked up), then deleted' '
	test "$(post "{\"transaction_id\":\"p1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":\"30.25\",\"status\":\"pending\",\"ts\":\"2026-01-01T00:00:02Z\"}")" = 202 &&
	until_get /api/transactions/p1 200 && test_grep "\"status\":\"pending\"" body.json &&
	test "$(get /api/accounts/ACC1)" = 200 &&
	test_grep "^{\"account\":\"ACC1\",\"balances\":\[{\"account\":\"ACC1\",\"currency\":\"USD\",\"balance\":100.00,\"available_balance\":69.75,\"tx_count\":2," body.json &&
	test "$(curl -s -o body.json -w "%{http_code}" -X PATCH -H "Content-Type: application/json" --data-binary "{\"status\":\"completed\"}" "$url/api/transactions/p1")" = 202 &&
	for i in $(seq 1 100); do get /api/transactions/p1 >/dev/null; grep -q "\"status\":\"completed\"" body.json && break; sleep 0.05; done &&
	test_grep "\"status\":\"completed\"" body.json &&
	until_get /api/accounts/ACC1 200 &&
	for i in $(seq 1 100); do get /api/accounts/ACC1 >/dev/null; grep -q "\"balance\":69.75" body.json && break; sleep 0.05; done &&
	test_grep "\"balance\":69.75,\"available_balance\":69.75" body.json &&
	test "$(curl -s -o body.json -w "%{http_code}" -X DELETE "$url/api/transactions/p1")" = 202 &&
	until_get /api/transactions/p1 404 &&
	for i in $(seq 1 100); do get /api/accounts/ACC1 >/dev/null; grep -q "\"balance\":100.00" body.json && break; sleep 0.05; done &&
	test_grep "\"balance\":100.00" body.json
'

test_expect_success 'the list: filters, newest first, pages through after=' '
	for i in 1 2 3 4 5 6 7; do
		test "$(post "{\"transaction_id\":\"l$i\",\"account\":\"ACC2\",\"type\":\"fee\",\"amount\":\"0.0$i\",\"ts\":\"2026-02-01T00:00:0${i}Z\"}")" = 202 || return 1
	done &&
	until_get /api/transactions/l7 200 &&
	test "$(get "/api/transactions?account=ACC2&limit=3")" = 200 &&
	"$PYTHON3" -c "import json; d=json.load(open(\"body.json\")); print(\" \".join(t[\"transaction_id\"] for t in d[\"transactions\"]), d[\"next\"])" >page &&
	test "$(cat page)" = "l7 l6 l5 l5" &&
	test "$(get "/api/transactions?account=ACC2&limit=3&after=l5")" = 200 &&
	"$PYTHON3" -c "import json; d=json.load(open(\"body.json\")); print(\" \".join(t[\"transaction_id\"] for t in d[\"transactions\"]), d[\"next\"])" >page &&
	test "$(cat page)" = "l4 l3 l2 l2" &&
	test "$(get "/api/transactions?account=ACC2&limit=3&after=l2")" = 200 &&
	"$PYTHON3" -c "import json; d=json.load(open(\"body.json\")); print(\" \".join(t[\"transaction_id\"] for t in d[\"transactions\"]), d[\"next\"])" >page &&
	test "$(cat page)" = "l1 None" &&
	test "$(get "/api/transactions?type=deposit")" = 200 &&
	test_grep "^{\"transactions\":\[{\"transaction_id\":\"d1\"[^]]*}\],\"next\":null}$" body.json &&
	test "$(get "/api/transactions?since=2026-02-01T00:00:03Z&until=2026-02-01T00:00:05Z")" = 200 &&
	test "$(grep -o "\"transaction_id\":\"[^\"]*\"" body.json | tr "\n" " ")" = "\"transaction_id\":\"l4\" \"transaction_id\":\"l3\" " &&
	test "$(get "/api/transactions?status=completed&account=ACC1")" = 200 &&
	test_grep "\"d1\"" body.json
'

test_expect_success 'GET /reports: what txstore report shows, as one JSON object' '
	test "$(get "/reports")" = 200 &&
	"$PYTHON3" -c "
import json, subprocess
d = json.load(open(\"body.json\"))
want = {}
for l in subprocess.run([\"txstore\", \"report\", \"$db\"], capture_output=True, text=True, check=True).stdout.splitlines():
    o = json.loads(l)
    want.setdefault(o.pop(\"report\"), []).append(o)
for k in (\"balances\", \"by_type\", \"by_status\", \"transactions\", \"latency\"):
    assert d[k] == want.get(k, []), (k, d[k], want.get(k))
# these came over stdout, not through txsub: no produce time, no latency
assert d[\"latency\"] == [], d[\"latency\"]
print(\"ok\")
" &&
	test "$(get "/reports?account=ACC2&limit=1")" = 200 &&
	test_grep "\"by_type\":\[{\"type\":\"fee\",\"currency\":\"USD\",\"count\":7,\"sum\":0.28}\]" body.json
'

test_expect_success 'bad query parameters get 400' '
	for q in "status=done" "type=gift" "since=yesterday" "until=2026-13-01T00:00:00Z" "limit=0" "limit=1001" "limit=x" "after=" "color=red"; do
		test "$(get "/api/transactions?$q")" = 400 || { echo "$q: $(cat body.json)"; return 1; }
	done &&
	test "$(get "/reports?after=x")" = 400 &&
	test_grep "unknown query parameter .after." body.json &&
	test "$(get "/api/accounts/ACC1?limit=3")" = 400 &&
	test "$(get /api/accounts/NOBODY)" = 404 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -X POST "$url/reports")" = 405
'

test_expect_success 'GET /openapi.json: OpenAPI 3.1 of every route; answers match it' '
	"$PYTHON3" -c "import jsonschema" 2>/dev/null || { echo "python3-jsonschema is missing (apt-get install python3-jsonschema)"; false; } &&
	test "$(get /openapi.json)" = 200 &&
	cp body.json openapi.json &&
	cat >openapi_check.py <<-\EOF &&
	import json, sys, urllib.request, urllib.error
	import jsonschema
	url = sys.argv[1]
	doc = json.load(open("body.json"))
	assert doc["openapi"] == "3.1.0", doc["openapi"]
	# every schema in it is a valid JSON Schema 2020-12 (OpenAPI 3.1 dialect)
	def schemas(o):
	    if isinstance(o, dict):
	        for k, v in o.items():
	            if k == "schema" or (k == "schemas" and isinstance(v, dict)):
	                for s in (v.values() if k == "schemas" else [v]):
	                    yield s
	            yield from schemas(v)
	    elif isinstance(o, list):
	        for v in o:
	            yield from schemas(v)
	n = 0
	for s in schemas(doc):
	    jsonschema.Draft202012Validator.check_schema(s)
	    n += 1
	# every $ref resolves
	resolver = jsonschema.RefResolver.from_schema(doc)
	def refs(o):
	    if isinstance(o, dict):
	        if "$ref" in o:
	            resolver.resolve(o["$ref"])
	        for v in o.values(): refs(v)
	    elif isinstance(o, list):
	        for v in o: refs(v)
	refs(doc)
	def op(path, method):
	    return doc["paths"][path][method]
	def check(method, path, tmpl, body=None, ctype=None):
	    req = urllib.request.Request(url + path, data=body, method=method.upper())
	    if ctype: req.add_header("Content-Type", ctype)
	    try:
	        r = urllib.request.urlopen(req)
	        code, data = r.status, r.read()
	    except urllib.error.HTTPError as e:
	        code, data = e.code, e.read()
	    resp = op(tmpl, method)["responses"][str(code)]
	    if "$ref" in resp:
	        resp = resolver.resolve(resp["$ref"])[1]
	    if "text/html" in resp["content"]:
	        assert data.startswith(b"<!DOCTYPE html>"), data[:40]
	        return code
	    schema = resp["content"]["application/json"]["schema"]
	    jsonschema.Draft202012Validator(schema, resolver=resolver).validate(json.loads(data))
	    return code
	seen = set()
	def c(method, path, tmpl, want, **kw):
	    got = check(method, path, tmpl, **kw)
	    assert got == want, (method, path, got, want)
	    seen.add((tmpl, method))
	rec = b"{\"transaction_id\":\"o1\",\"account\":\"ACC9\",\"type\":\"deposit\",\"amount\":\"1.00\"}"
	c("post", "/api/transactions", "/api/transactions", 202, body=rec, ctype="application/json")
	c("post", "/api/transactions", "/api/transactions", 202, body=rec + b"\nx\n", ctype="application/x-ndjson")
	c("post", "/api/transactions", "/api/transactions", 400, body=b"{}", ctype="application/json")
	c("post", "/api/transactions", "/api/transactions", 415, body=rec, ctype="text/plain")
	c("post", "/transaction", "/transaction", 202, body=rec, ctype="application/json")
	c("get", "/api/transactions?limit=2", "/api/transactions", 200)
	c("get", "/api/transactions?limit=0", "/api/transactions", 400)
	c("get", "/api/transactions/d1", "/api/transactions/{id}", 200)
	c("get", "/api/transactions/none", "/api/transactions/{id}", 404)
	c("patch", "/api/transactions/d1", "/api/transactions/{id}", 202, body=b"{\"status\":\"completed\"}", ctype="application/json")
	c("delete", "/api/transactions/zz?account=ACC9", "/api/transactions/{id}", 202)
	c("delete", "/api/transactions/zz", "/api/transactions/{id}", 400)
	c("get", "/api/accounts/ACC1", "/api/accounts/{account}", 200)
	c("get", "/api/accounts/NOBODY", "/api/accounts/{account}", 404)
	c("get", "/reports", "/reports", 200)
	c("get", "/reports?type=x", "/reports", 400)
	c("get", "/healthz", "/healthz", 200)
	c("get", "/openapi.json", "/openapi.json", 200)
	c("get", "/", "/", 200)
	documented = {(p, m) for p, ops in doc["paths"].items() for m in ops if m != "parameters"}
	assert documented == seen, (documented ^ seen)
	print(n, "schemas,", len(seen), "operations")
	EOF
	"$PYTHON3" openapi_check.py "$url" >out &&
	test_grep "operations" out &&
	# the official OpenAPI 3.1 schema (and its JSON Schema dialect), from
	# PyPI: ./bootstrap check installs it, so CI fails rather than skip
	"$TX_VENV/bin/python" -c "import openapi_spec_validator" 2>/dev/null ||
		{ echo "openapi-spec-validator is missing in $TX_VENV (./bootstrap check installs it)"; false; } &&
	"$TX_VENV/bin/python" -c "import json, sys; from openapi_spec_validator import validate, OpenAPIV31SpecValidator; validate(json.load(open(sys.argv[1])), cls=OpenAPIV31SpecValidator); print(\"valid OpenAPI 3.1\")" openapi.json >valid &&
	test "$(cat valid)" = "valid OpenAPI 3.1"
'

test_expect_success 'the page in headless Chromium: create, see it stored, update, delete' '
	command -v chromium >/dev/null || { echo "chromium is missing (apt-get install chromium)"; false; } &&
	"$PYTHON3" -c "import websocket" || { echo "python3-websocket is missing"; false; } &&
	test "$(curl -s -o page.html -w "%{http_code}" "$url/")" = 200 &&
	! grep -qi "src=\"http\|href=\"http\|@import\|//cdn" page.html &&
	"$PYTHON3" "$TX_SRCDIR/tests/cdp_page.py" "$url/" page.png >tid &&
	tid=$(cat tid) &&
	test -s page.png &&
	sqlite3 "$TRASH/tx.db" "SELECT account, amount, status, deleted_at IS NOT NULL FROM transactions WHERE transaction_id = '"'"'$tid'"'"'" >row &&
	test "$(cat row)" = "WEB1|12.5|completed|1"
'

# the pipeline is this shell's child: end it here, not in a case's subshell
kill -TERM "$(cat http.pid)"
wait $pipe
test_expect_success 'SIGTERM: the pipeline ends, everything stored' '
	test "$(sqlite3 "$TRASH/tx.db" "SELECT count(*) FROM transactions WHERE deleted_at IS NULL")" = 9
'

test_expect_success 'without --db, reads are 404 with the reason' '
	port=$(test_free_port)
	url="http://127.0.0.1:$port"
	txhttp -q -l "127.0.0.1:$port" >/dev/null &
	echo $! >http.pid
	wait_http "$url" &&
	test "$(get /reports)" = 404 &&
	test_grep "txhttp serves reads with --db" body.json &&
	kill "$(cat http.pid)"
'

if pg_start; then
	txstore -q postgresql:// </dev/null
	start_pipe postgresql://
	test_expect_success 'PostgreSQL: stored, then read back' '
		test "$(post "{\"transaction_id\":\"g1\",\"account\":\"PG1\",\"type\":\"deposit\",\"amount\":\"12.34\"}")" = 202 &&
		until_get /api/transactions/g1 200 &&
		test_grep "\"amount\":12.34" body.json &&
		test "$(get /api/accounts/PG1)" = 200 &&
		test_grep "\"balance\":12.34" body.json
	'
	test_expect_success 'PostgreSQL stopped: 503; back: 200' '
		pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 30 -m fast stop >/dev/null &&
		test "$(get /api/transactions/g1)" = 503 &&
		test_grep "database cannot be read" body.json &&
		test "$(get /healthz)" = 503 &&
		test_grep "\"database\":\"down\"" body.json &&
		pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
			-o "$(pg_ctl_opts)" start >/dev/null &&
		pg_wait_ready &&
		until_get /api/transactions/g1 200
	'
	kill -TERM "$(cat http.pid)"
	wait $pipe
else
	test_skip 'PostgreSQL reads' 'the server could not start'
fi

test_done

#!/bin/sh
# txhttp with no topic: records on stdout. Every route and error status
# with curl, ids, the access log, authentication, limits, hostile requests
# (raw sockets in Python) and a clean stop on SIGTERM.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/http.sh"

command -v curl >/dev/null 2>&1 || test_skip_all 'curl is not installed (apt-get install curl)'

# post PATH DATA [curl args]: prints the status code; the body goes to body.json
post() {
	_p=$1 _d=$2
	shift 2
	curl -s -o body.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "$_d" "$@" "$url$_p"
}

start_http s

test_expect_success 'POST one object: 202, the id, Location, the record on stdout' '
	curl -s -D h.txt -o body.json -w "%{http_code}" -X POST -H "Content-Type: application/json" \
		--data-binary "{\"transaction_id\":\"t1\",\"account\":\"A1\",\"type\":\"deposit\",\"amount\":\"10.5\",\"memo\":{\"x\": [1, 2]}}" \
		"$url/api/transactions" >code &&
	test "$(cat code)" = 202 &&
	test "$(cat body.json)" = "{\"transaction_id\":\"t1\",\"status\":\"accepted\"}" &&
	tr -d "\r" <h.txt | test_grep "^Location: /api/transactions/t1$" - &&
	tr -d "\r" <h.txt | test_grep "^Content-Type: application/json$" - &&
	# the 202 follows the write: the line is there already
	grep "\"transaction_id\":\"t1\"" s.out >line &&
	test_grep "^{\"transaction_id\":\"t1\",\"account\":\"A1\",\"type\":\"deposit\",\"amount\":\"10.5\",\"memo\":{\"x\":\[1,2\]},\"ts\":\"20[0-9-]*T[0-9:.]*Z\"}$" line
'

test_expect_success 'a pretty-printed body becomes one NDJSON line' '
	test "$(post /api/transactions "{
	  \"transaction_id\": \"t2\",
	  \"account\": \"A1\", \"type\": \"payment\", \"amount\": 1.25, \"ts\": \"2026-01-01T00:00:00Z\",
	  \"note\": \"two  spaces\"
	}")" = 202 &&
	grep "\"t2\"" s.out >line &&
	test "$(cat line)" = "{\"transaction_id\":\"t2\",\"account\":\"A1\",\"type\":\"payment\",\"amount\":1.25,\"ts\":\"2026-01-01T00:00:00Z\",\"note\":\"two  spaces\"}"
'

test_expect_success 'POST /transaction (seed 004) takes the same records' '
	test "$(post /transaction "{\"transaction_id\":\"t3\",\"account\":7,\"transaction_type\":\"Credit\",\"amount\":\"5\"}")" = 202 &&
	grep -c "\"t3\"" s.out >n && test "$(cat n)" = 1
'

test_expect_success 'missing ids are UUIDv7: unique, in the order they were made' '
	for i in $(seq 1 40); do
		post /api/transactions "{\"account\":\"G\",\"type\":\"deposit\",\"amount\":1}" >code &&
		test "$(cat code)" = 202 &&
		{ cat body.json && echo; } | sed -n "s/.*\"transaction_id\":\"\([^\"]*\)\".*/\1/p" >>ids || return 1
	done &&
	test_line_count 40 ids &&
	sort -u ids >sorted && test_cmp ids sorted &&
	test_grep "^[0-9a-f]\{8\}-[0-9a-f]\{4\}-7[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\}$" ids &&
	test "$(grep -c -v "^[0-9a-f]\{8\}-[0-9a-f]\{4\}-7[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\}$" ids)" = 0 &&
	grep "\"account\":\"G\"" s.out | sed -n "s/.*\"transaction_id\":\"\([^\"]*\)\".*/\1/p" >stdout_ids &&
	test_cmp ids stdout_ids
'

test_expect_success 'Idempotency-Key is the id when the body has none; the body wins' '
	test "$(post /api/transactions "{\"account\":\"K\",\"type\":\"deposit\",\"amount\":1}" -H "Idempotency-Key: order-77")" = 202 &&
	test_grep "\"transaction_id\":\"order-77\"" body.json &&
	test "$(post /api/transactions "{\"account\":\"K\",\"type\":\"deposit\",\"amount\":1}" -H "Idempotency-Key: order-77")" = 202 &&
	test "$(grep -c "\"order-77\"" s.out)" = 2 &&
	test "$(post /api/transactions "{\"transaction_id\":\"own\",\"account\":\"K\",\"type\":\"deposit\",\"amount\":1}" -H "Idempotency-Key: other")" = 202 &&
	test_grep "\"transaction_id\":\"own\"" body.json &&
	test "$(post /api/transactions "{\"account\":\"K\",\"type\":\"deposit\",\"amount\":1}" -H "Idempotency-Key: a b")" = 400 &&
	test_grep "Idempotency-Key" body.json
'

test_expect_success 'bad records: 400 naming the field and the problem, in the codec words' '
	test "$(post /api/transactions "{\"transaction_id\":\"b1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":-3}")" = 400 &&
	test "$(cat body.json)" = "{\"status\":\"rejected\",\"error\":\"field '"'"'amount'"'"' is negative\",\"field\":\"amount\"}" &&
	test "$(post /api/transactions "{\"account\":\"A\",\"type\":\"deposit\"}")" = 400 &&
	test_grep "\"error\":\"missing field '"'"'amount'"'"'\",\"field\":\"amount\"" body.json &&
	test "$(post /api/transactions "{\"account\":\"A\",\"type\":\"gift\",\"amount\":1}")" = 400 &&
	test_grep "\"field\":\"type\"" body.json &&
	test "$(post /api/transactions "{\"account\":\"A\",\"type\":\"transfer\",\"amount\":1}")" = 400 &&
	test_grep "counterparty" body.json &&
	test "$(post /api/transactions "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":1} 2")" = 400 &&
	test_grep "invalid JSON" body.json &&
	test "$(post /api/transactions "[1]")" = 400 &&
	test "$(post /api/transactions "")" = 400 &&
	test_grep "empty body" body.json &&
	! grep -q "\"b1\"" s.out
'

test_expect_success 'invalid UTF-8 and NUL bytes are refused' '
	n=$(wc -l <s.out) &&
	printf "{\"account\":\"A\\377\",\"type\":\"deposit\",\"amount\":1}" >utf8.bin &&
	test "$(curl -s -o body.json -w "%{http_code}" -H "Content-Type: application/json" --data-binary @utf8.bin "$url/api/transactions")" = 400 &&
	printf "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"x\":\"\\000\"}" >nul.bin &&
	test "$(curl -s -o body.json -w "%{http_code}" -H "Content-Type: application/json" --data-binary @nul.bin "$url/api/transactions")" = 400 &&
	test_grep "invalid UTF-8 in string" body.json || test_grep "control character" body.json &&
	test "$(wc -l <s.out)" = "$n"
'

test_expect_success 'NDJSON: per-line results, the good lines go on' '
	printf "%s\n" "{\"transaction_id\":\"n1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" \
		"" \
		"{\"transaction_id\":\"n2\",\"account\":\"A\",\"amount\":1}" \
		"{\"account\":\"A\",\"type\":\"fee\",\"amount\":\"0.10\"}" \
		"not json" >batch.ndjson &&
	test "$(curl -s -o body.json -w "%{http_code}" -H "Content-Type: application/x-ndjson" -H "Idempotency-Key: bk" --data-binary @batch.ndjson "$url/api/transactions")" = 202 &&
	test "$(cat body.json)" = "{\"accepted\":2,\"rejected\":2,\"results\":[{\"line\":1,\"transaction_id\":\"n1\",\"status\":\"accepted\"},{\"line\":3,\"status\":\"rejected\",\"error\":\"missing field '"'"'type'"'"'\",\"field\":\"type\"},{\"line\":4,\"transaction_id\":\"bk-4\",\"status\":\"accepted\"},{\"line\":5,\"status\":\"rejected\",\"error\":\"invalid JSON at byte 1: expected '"'"'{'"'"' (a record is a JSON object)\"}]}" &&
	grep -c "\"n1\"\|\"bk-4\"" s.out >n && test "$(cat n)" = 2 &&
	! grep -q "\"n2\"" s.out &&
	printf "x\ny\n" | curl -s -o body.json -w "%{http_code}" -H "Content-Type: application/x-ndjson" --data-binary @- "$url/api/transactions" >code &&
	test "$(cat code)" = 400 && test_grep "\"accepted\":0,\"rejected\":2" body.json
'

test_expect_success 'PATCH emits an update record, DELETE a delete record (tx-record(5))' '
	test "$(curl -s -o body.json -w "%{http_code}" -X PATCH -H "Content-Type: application/json" --data-binary "{\"account\":\"A1\",\"status\":\"completed\"}" "$url/api/transactions/t1")" = 202 &&
	test "$(cat body.json)" = "{\"transaction_id\":\"t1\",\"status\":\"accepted\",\"op\":\"update\"}" &&
	grep "\"op\":\"update\"" s.out >upd &&
	test_grep "^{\"account\":\"A1\",\"status\":\"completed\",\"transaction_id\":\"t1\",\"op\":\"update\",\"ts\":\"" upd &&
	test "$(curl -s -o body.json -w "%{http_code}" -X PATCH -H "Content-Type: application/json" --data-binary "{\"status\":\"failed\"}" "$url/api/transactions/t7%2Fcredit?account=B2")" = 202 &&
	test_grep "{\"status\":\"failed\",\"transaction_id\":\"t7/credit\",\"op\":\"update\",\"account\":\"B2\"" s.out &&
	test "$(curl -s -o body.json -w "%{http_code}" -X DELETE "$url/api/transactions/t2?account=A1")" = 202 &&
	test_grep "^{\"transaction_id\":\"t2\",\"op\":\"delete\",\"account\":\"A1\",\"ts\":\"" s.out
'

test_expect_success 'PATCH and DELETE: bad requests get 400' '
	test "$(curl -s -o body.json -w "%{http_code}" -X PATCH -H "Content-Type: application/json" --data-binary "{\"status\":\"completed\"}" "$url/api/transactions/t1")" = 400 &&
	test_grep "missing field .account." body.json &&
	test "$(curl -s -o body.json -w "%{http_code}" -X PATCH -H "Content-Type: application/json" --data-binary "{\"transaction_id\":\"zz\",\"account\":\"A\"}" "$url/api/transactions/t1")" = 400 &&
	test_grep "not the id in the path" body.json &&
	test "$(curl -s -o body.json -w "%{http_code}" -X PATCH -H "Content-Type: application/json" --data-binary "{\"account\":\"A\",\"status\":\"done\"}" "$url/api/transactions/t1")" = 400 &&
	test_grep "\"field\":\"status\"" body.json &&
	test "$(curl -s -o body.json -w "%{http_code}" -X DELETE "$url/api/transactions/t1")" = 400
'

test_expect_success '404, 405 with Allow, 415' '
	test "$(curl -s -o body.json -w "%{http_code}" "$url/nothing")" = 404 &&
	test "$(curl -s -D h.txt -o body.json -w "%{http_code}" -X PUT "$url/api/transactions/x")" = 405 &&
	tr -d "\r" <h.txt | test_grep "^Allow: GET, HEAD, PATCH, DELETE$" - &&
	test "$(curl -s -D h.txt -o body.json -w "%{http_code}" -X PUT "$url/transaction")" = 405 &&
	tr -d "\r" <h.txt | test_grep "^Allow: POST$" - &&
	test "$(curl -s -o body.json -w "%{http_code}" -H "Content-Type: text/plain" --data-binary "{}" "$url/transaction")" = 415 &&
	test "$(curl -s -o body.json -w "%{http_code}" "$url/healthz")" = 200 &&
	test "$(cat body.json)" = "{\"status\":\"ok\",\"sink\":\"stdout\"}"
'

test_expect_success 'the access log: one Common Log Format line per request' '
	n_before=$(grep -c "HTTP/1.1\" [0-9]" s.err) &&
	curl -s -o /dev/null "$url/nothing" &&
	sleep 0.2 &&
	test "$(grep -c "HTTP/1.1\" [0-9]" s.err)" = $((n_before + 1)) &&
	test_grep "^127\.0\.0\.1 - - \[[0-9][0-9]/[A-Z][a-z][a-z]/20[0-9][0-9]:[0-9:]* +0000\] \"GET /nothing HTTP/1.1\" 404 28$" s.err &&
	test_grep "\"POST /api/transactions HTTP/1.1\" 202 44$" s.err
'

test_expect_success 'hostile requests: malformed HTTP, huge headers, slow and many clients' '
	cat >hostile.py <<-\EOF &&
	import socket, sys, time
	port = int(sys.argv[1])
	def conn():
	    s = socket.create_connection(("127.0.0.1", port), timeout=10)
	    return s
	def exchange(data):
	    s = conn()
	    s.sendall(data)
	    out = b""
	    try:
	        while True:
	            b = s.recv(65536)
	            if not b:
	                break
	            out += b
	    except (ConnectionResetError, socket.timeout):
	        pass
	    s.close()
	    return out
	# garbage: closed without an answer, or 400
	r = exchange(b"GARBAGE\r\n\r\n")
	assert r == b"" or r.startswith(b"HTTP/1.1 400"), r[:80]
	r = exchange(b"GET /healthz HTTP/1.1\r\n\r\n")
	assert r.startswith(b"HTTP/1.1 400"), r[:80]
	r = exchange(b"POST /api/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n")
	assert r.startswith(b"HTTP/1.1 400"), r[:80]
	big = b"X-Big: " + b"a" * 100000 + b"\r\n"
	r = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
	assert r.startswith(b"HTTP/1.1 431"), r[:80]
	# a chunked body is taken like any other
	body = b"{\"transaction_id\":\"c1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}"
	chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i+9]), body[i:i+9]) for i in range(0, len(body), 9))
	r = exchange(b"POST /api/transactions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
	assert r.startswith(b"HTTP/1.1 202"), r[:200]
	# bad chunk framing
	r = exchange(b"POST /api/transactions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
	assert r.startswith(b"HTTP/1.1 400"), r[:80]
	print("ok")
	EOF
	"$PYTHON3" hostile.py "$port" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$url/healthz")" = 200 &&
	test_grep "\"c1\"" s.out
'

stop_http s

test_expect_success 'SIGTERM: the summary, exit 128+15, every accepted record on stdout' '
	test "$(cat s.rc)" = 143 &&
	test_grep "^txhttp: requests [0-9]*, accepted [0-9]*, rejected [0-9]*, failed 0$" s.err &&
	acc=$(sed -n "s/^txhttp: requests [0-9]*, accepted \([0-9]*\),.*/\1/p" s.err) &&
	test "$acc" = "$(wc -l <s.out)" &&
	test "$(grep -c "HTTP/1.1\" 202" s.err)" -gt 0
'

test_expect_success 'a request in flight at SIGTERM is answered; then txhttp exits' '
	start_http f -q &&
	cat >inflight.py <<-\EOF &&
	import os, socket, sys, time
	port, pidfile = int(sys.argv[1]), sys.argv[2]
	body = b"{\"transaction_id\":\"late\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}"
	s = socket.create_connection(("127.0.0.1", port), timeout=10)
	s.sendall(b"POST /api/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
	time.sleep(0.3)
	os.kill(int(open(pidfile).read()), 15)
	time.sleep(0.3)
	# no new connections now
	try:
	    socket.create_connection(("127.0.0.1", port), timeout=2).close()
	    print("still accepting"); sys.exit(1)
	except OSError:
	    pass
	s.sendall(body[10:])
	r = s.recv(65536)
	assert r.startswith(b"HTTP/1.1 202"), r[:100]
	print("ok")
	EOF
	"$PYTHON3" inflight.py "$port" f.pid &&
	set +e; wait "$(cat f.pid)"; rc=$?; set -e &&
	test "$rc" = 143 &&
	test_grep "\"late\"" f.out &&
	test ! -s f.err
'

test_expect_success 'limits: 413 past --max-body (Content-Length or chunked)' '
	start_http m --max-body 100 &&
	big=$(printf "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"pad\":\"%0200d\"}" 0) &&
	test "$(post /api/transactions "$big")" = 413 &&
	test "$(post /api/transactions "$big" -H "Transfer-Encoding: chunked")" = 413 &&
	test "$(post /api/transactions "{\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}")" = 202 &&
	test_line_count 1 m.out &&
	stop_http m
'

test_expect_success 'limits: a slow client times out after --timeout' '
	start_http l --timeout 1 &&
	cat >slow.py <<-\EOF &&
	import socket, sys, time
	port = int(sys.argv[1])
	# slowloris: half a request line, then nothing: closed after --timeout
	s = socket.create_connection(("127.0.0.1", port), timeout=10)
	s.sendall(b"POST /api/transactions HTTP/1.1\r\nHost: x\r\n")
	t0 = time.time()
	r = s.recv(100)
	took = time.time() - t0
	assert r == b"" and 0.5 < took < 5, (r, took)
	print("ok")
	EOF
	"$PYTHON3" slow.py "$port" &&
	stop_http l
'

# On a server of its own with the default --timeout (30 s): with 1 s, a
# loaded machine could take longer than that between holding the three
# connections and trying the fourth, and the server had closed them.
test_expect_success 'limits: connections past --max-connections are refused' '
	start_http m --max-connections 3 &&
	cat >limits.py <<-\EOF &&
	import socket, sys, time
	port = int(sys.argv[1])
	# three idle connections fill the server; a fourth is closed at once
	held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
	time.sleep(0.2)
	x = socket.create_connection(("127.0.0.1", port), timeout=10)
	try:
	    x.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	    r = x.recv(100)
	except ConnectionResetError:
	    r = b""
	assert r == b"", r
	for h in held:
	    h.close()
	time.sleep(0.3)
	x = socket.create_connection(("127.0.0.1", port), timeout=10)
	x.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	assert x.recv(100).startswith(b"HTTP/1.1 200")
	print("ok")
	EOF
	"$PYTHON3" limits.py "$port" &&
	stop_http m
'

test_expect_success 'a non-loopback address needs --token-file or --no-auth' '
	test_expect_code 2 txhttp -l 0.0.0.0:1 2>err &&
	test_grep "not a loopback address: give --token-file, or --no-auth" err &&
	test_expect_code 2 txhttp -l 127.0.0.1:99999 2>err &&
	test_grep "a port from 0 to 65535" err &&
	test_expect_code 2 txhttp --bogus 2>err &&
	test_grep "^Try .txhttp --help. for more information\.\$" err &&
	printf "# tokens\nsecret-one\nsecret-two\n" >tokens && chmod 600 tokens &&
	test_expect_code 2 txhttp --token-file tokens --no-auth 2>err
'

test_expect_success 'bearer tokens: 401 without or with a wrong one, 202 with one' '
	port=$(test_free_port)
	url="http://127.0.0.1:$port"
	txhttp -l "0.0.0.0:$port" --token-file tokens >t.out 2>t.err &
	echo $! >t.pid
	wait_http "$url" &&
	rec="{\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" &&
	test "$(curl -s -D h.txt -o body.json -w "%{http_code}" -H "Content-Type: application/json" --data-binary "$rec" "$url/transaction")" = 401 &&
	tr -d "\r" <h.txt | test_grep "^WWW-Authenticate: Bearer$" - &&
	test "$(curl -s -o body.json -w "%{http_code}" -H "Authorization: Bearer secret-on" -H "Content-Type: application/json" --data-binary "$rec" "$url/transaction")" = 401 &&
	test "$(curl -s -o body.json -w "%{http_code}" -H "Authorization: Bearer secret-onex" -H "Content-Type: application/json" --data-binary "$rec" "$url/transaction")" = 401 &&
	test "$(curl -s -o body.json -w "%{http_code}" -H "Authorization: Bearer secret-two" -H "Content-Type: application/json" --data-binary "$rec" "$url/transaction")" = 202 &&
	test_line_count 1 t.out &&
	stop_http t &&
	! grep -q secret t.err
'

test_expect_success 'fuzz the body path: every answer is 202 or 400, each 202 one line' '
	start_http z -q &&
	cat >fuzz.py <<-\EOF &&
	import random, socket, sys, json
	import http.client
	port = int(sys.argv[1])
	rnd = random.Random(20)
	seed = [b"{\"transaction_id\":\"f\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":\"1.50\",\"ts\":\"2026-01-01T00:00:00Z\"}",
	        b"{\"account\":\"A\",\"type\":\"transfer\",\"counterparty\":\"B\",\"amount\":2}"]
	ok = bad = 0
	c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
	for i in range(1500):
	    b = bytearray(rnd.choice(seed))
	    for _ in range(rnd.randint(1, 4)):
	        op = rnd.randint(0, 2)
	        at = rnd.randrange(len(b) + 1)
	        if op == 0 and b:
	            del b[min(at, len(b) - 1)]
	        elif op == 1:
	            b.insert(at, rnd.randrange(256))
	        elif b:
	            b[min(at, len(b) - 1)] = rnd.choice(b"{}[]\",:0-.e\\u\xff\x00 ")
	    ct = "application/x-ndjson" if i % 5 == 0 else "application/json"
	    c.request("POST", "/api/transactions", body=bytes(b), headers={"Content-Type": ct})
	    r = c.getresponse()
	    data = r.read()
	    j = json.loads(data)
	    assert r.status in (202, 400), (r.status, data)
	    if ct == "application/json":
	        if r.status == 202: ok += 1
	        else: bad += 1
	    else:
	        ok += j.get("accepted", 0)
	print(ok)
	EOF
	"$PYTHON3" fuzz.py "$port" >accepted &&
	stop_http z &&
	test "$(cat accepted)" = "$(wc -l <z.out)" &&
	"$PYTHON3" -c "import json,sys; [json.loads(l) for l in open(\"z.out\")]"
'

test_expect_success 'txhttp | txbal | txstore: what got 202 is stored, once' '
	port=$(test_free_port)
	url="http://127.0.0.1:$port"
	{ txhttp -q -l "127.0.0.1:$port" & echo $! >p.pid; } | txbal -q | txstore -q sqlite:p.db &
	wait_http "$url" &&
	test "$(post /api/transactions "{\"transaction_id\":\"d1\",\"account\":\"P\",\"type\":\"deposit\",\"amount\":\"100.00\"}")" = 202 &&
	test "$(post /api/transactions "{\"transaction_id\":\"d1\",\"account\":\"P\",\"type\":\"deposit\",\"amount\":\"100.00\"}")" = 202 &&
	test "$(post /api/transactions "{\"account\":\"P\",\"type\":\"payment\",\"amount\":\"30.25\"}" -H "Idempotency-Key: pay-1")" = 202 &&
	test "$(post /api/transactions "{\"account\":\"P\",\"type\":\"payment\",\"amount\":\"30.25\"}" -H "Idempotency-Key: pay-1")" = 202 &&
	kill -TERM "$(cat p.pid)" &&
	wait &&
	sqlite3 p.db "SELECT count(*) FROM transactions; SELECT balance FROM balances WHERE account = '"'"'P'"'"'" >got &&
	printf "2\n69.75\n" >want &&
	test_cmp want got
'

test_expect_success 'Kafka options: need -t; -X dump shows txpub defaults and txhttp bounds' '
	test_expect_code 2 txhttp -b 127.0.0.1:1 2>err &&
	test_grep "give -t" err &&
	TXKIT_CONFIG=/dev/null txhttp -t x -X dump >dump &&
	test_grep "^enable.idempotence=true$" dump &&
	test_grep "^request.required.acks=-1$" dump &&
	test_grep "^partitioner=murmur2_random$" dump &&
	test_grep "^queue.buffering.max.ms=1$" dump &&
	test_grep "^message.timeout.ms=5000$" dump &&
	test_grep "^reconnect.backoff.max.ms=1000$" dump &&
	TXKIT_CONFIG=/dev/null txhttp -t x -X dump --ack-timeout 9 -X linger.ms=3 >dump &&
	test_grep "^message.timeout.ms=9000$" dump &&
	test_grep "^queue.buffering.max.ms=3$" dump &&
	TXKIT_CONFIG=/dev/null test_expect_code 4 txhttp -q -t x -b 127.0.0.1:1 --connect-timeout 1 -l 127.0.0.1:0 2>err &&
	test_grep "cannot reach the brokers" err
'

test_expect_success 'TLS with --cert and --key: curl --cacert gets its 202' '
	command -v openssl >/dev/null || { echo "openssl is missing (apt-get install openssl)"; false; } &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
	chmod 600 key.pem &&
	test_expect_code 2 txhttp --cert cert.pem 2>err &&
	test_grep "go together" err &&
	test_expect_code 2 txhttp --cert tokens --key key.pem 2>err &&
	test_grep "not a PEM file" err &&
	port=$(test_free_port)
	txhttp -l "127.0.0.1:$port" --cert cert.pem --key key.pem >tls.out 2>tls.err &
	echo $! >tls.pid
	for i in $(seq 1 100); do curl -s -o /dev/null --cacert cert.pem "https://127.0.0.1:$port/healthz" && break; sleep 0.05; done &&
	test "$(curl -s -o body.json -w "%{http_code}" --cacert cert.pem -H "Content-Type: application/json" --data-binary "{\"transaction_id\":\"tls1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" "https://127.0.0.1:$port/transaction")" = 202 &&
	test_grep "\"tls1\"" tls.out &&
	test_expect_code 60 curl -s -o /dev/null "https://127.0.0.1:$port/healthz" &&
	! curl -s -o /dev/null "http://127.0.0.1:$port/healthz" &&
	test_grep "listening on https://127.0.0.1:$port" tls.err &&
	stop_http tls &&
	! grep -q "readable by group" tls.err
'

# A thread librdkafka cannot start is a resource failure (exit 70, as txpub
# and txsub: tx_kafka_new_failed()), not a bad configuration (2).
test_expect_success '-t: no thread for the Kafka client: exit 70, not 2' '
	test_kafka_no_thread txhttp -q -F /dev/null -t x -b 127.0.0.1:1 --connect-timeout 1 \
		-l 127.0.0.1:0
'

# A thread libmicrohttpd cannot start is a resource failure (exit 70, as
# for the Kafka client), not an address that cannot be listened on (4).
test_expect_success 'no thread for the HTTP server: exit 70, not 4' '
	test_http_no_thread txhttp -l 127.0.0.1:0
'

test_expect_success 'an address not on this machine: cannot listen, exit 4' '
	test_expect_code 4 txhttp -q --no-auth -l 192.0.2.1:8080 </dev/null 2>err &&
	test_grep "^txhttp: cannot listen on .192.0.2.1:8080.: " err
'

test_done

#!/bin/sh
# txstore into SQLite: exact rows and sums, balances and offsets files,
# idempotency, updates and deletes, batching by time, a concurrent sqlite3.
. "$TX_SRCDIR/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "the sqlite3 shell is not installed (Debian package sqlite3)"

gen() { "$PYTHON3" "$TX_SRCDIR/tests/t5-records.py" "$@"; }

# "CUR count sum" per currency from a report's by_status lines (all completed here).
report_sums() {
	"$PYTHON3" -c '
import json, sys
from decimal import Decimal
tot = {}
for line in sys.stdin:
    r = json.loads(line, parse_float=Decimal)
    if r["report"] == "by_status":
        t = tot.setdefault(r["currency"], [0, Decimal(0)])
        t[0] += r["count"]; t[1] += r["sum"]
for c in sorted(tot):
    print(c, tot[c][0], tot[c][1])
'
}

test_expect_success 'stores every row, exact sums per currency' '
	gen 600 --seed 1 --balances exp.bal --sum exp.sum >in.ndjson &&
	txstore --batch 7 sqlite:t.db <in.ndjson 2>err &&
	test_grep "600 read, 600 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected" err &&
	test "$(sqlite3 t.db "SELECT count(*) FROM transactions")" = 600 &&
	txstore report t.db >report &&
	report_sums <report >got.sum &&
	test_cmp exp.sum got.sum &&
	sqlite3 t.db "SELECT currency, count(*), sum(amount_minor) FROM transactions GROUP BY currency" >minor &&
	test_grep "^USD|" minor
'

test_expect_success 'amount is a number that the minor units give on every row' '
	test "$(sqlite3 t.db "SELECT count(*) FROM transactions WHERE typeof(amount) <> \"real\"
		OR amount <> amount_minor / CASE currency WHEN \"JPY\" THEN 1.0
			WHEN \"KWD\" THEN 1000.0 ELSE 100.0 END")" = 0
'

test_expect_success 'balances print in the txbal --init format, across batches' '
	txstore balances sqlite:t.db >got.bal &&
	test_cmp exp.bal got.bal
'

test_expect_success 'offsets print the next offset per topic and partition' '
	"$PYTHON3" -c "
import json, sys
nxt = {}
for line in open(\"in.ndjson\"):
    s = json.loads(line)[\"source\"]
    k = (s[\"topic\"], s[\"partition\"])
    nxt[k] = max(nxt.get(k, 0), s[\"offset\"] + 1)
for (t, p) in sorted(nxt):
    print(json.dumps({\"topic\": t, \"partition\": p, \"offset\": nxt[(t, p)]}, separators=(\",\", \":\")))
" >exp.off &&
	txstore offsets t.db >got.off &&
	test_cmp exp.off got.off &&
	test_line_count 3 got.off
'

test_expect_success 'the same input again changes nothing (offsets say it is stored)' '
	sqlite3 t.db "SELECT * FROM transactions ORDER BY transaction_id" >before &&
	sqlite3 t.db "SELECT * FROM balances ORDER BY account, currency" >>before &&
	txstore t.db <in.ndjson 2>err &&
	test_grep "600 read, 0 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 600 already stored" err &&
	sqlite3 t.db "SELECT * FROM transactions ORDER BY transaction_id" >after &&
	sqlite3 t.db "SELECT * FROM balances ORDER BY account, currency" >>after &&
	test_cmp before after
'

test_expect_success 'a replay that overlaps: only the new offsets are stored' '
	gen 700 --seed 1 >more.ndjson &&
	txstore t.db <more.ndjson 2>err &&
	test_grep "700 read, 100 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 600 already stored" err &&
	test "$(sqlite3 t.db "SELECT count(*) FROM transactions")" = 700 &&
	gen 700 --seed 1 --balances exp700.bal >/dev/null &&
	txstore balances t.db >got.bal &&
	test_cmp exp700.bal got.bal
'

test_expect_success 'without source positions the transaction_id keeps it idempotent' '
	sed "s/,\"source\":{[^}]*}//" in.ndjson >nosrc.ndjson &&
	! grep -q source nosrc.ndjson &&
	txstore plain.db <nosrc.ndjson 2>err1 &&
	txstore plain.db <nosrc.ndjson 2>err2 &&
	test_grep "600 stored, 0 duplicates" err1 &&
	test_grep "0 stored, 600 duplicates" err2 &&
	test "$(sqlite3 plain.db "SELECT count(*) FROM transactions")" = 600 &&
	test "$(txstore offsets plain.db | wc -l)" = 0
'

cat >life.ndjson <<'EOF'
{"transaction_id":"L1","account":"A1","type":"payment","amount":10.50,"currency":"USD","ts":"2026-01-01T00:00:00Z","status":"pending","merchant":"shop"}
{"transaction_id":"L2","account":"A1","type":"deposit","amount":99.99,"currency":"USD","ts":"2026-01-01T00:00:01Z"}
{"transaction_id":"L3","account":"A2","type":"withdrawal","amount":5,"currency":"USD","ts":"2026-01-01T00:00:02Z","status":"pending"}
{"transaction_id":"L1","account":"A1","type":"payment","amount":10.50,"currency":"USD","ts":"2026-01-01T00:01:00Z","op":"update","status":"completed","alerts":["large_amount"]}
{"transaction_id":"L3","account":"A2","type":"withdrawal","amount":777,"currency":"USD","op":"update","status":"failed","reason":"insufficient_funds"}
{"transaction_id":"L2","account":"A1","op":"delete","ts":"2026-01-01T00:02:00Z"}
{"transaction_id":"L9","account":"A1","op":"update","status":"completed"}
{"transaction_id":"L1","account":"A1","type":"payment","amount":10.50,"currency":"USD","ts":"2026-01-01T00:01:00Z","op":"update","status":"completed","alerts":["large_amount"]}
{"transaction_id":"L2","account":"A1","op":"delete","ts":"2026-01-01T00:02:00Z"}
{"transaction_id":"L4","account":"A3","type":"refund","amount":1.01,"currency":"USD","ts":"2026-01-01T00:03:00Z"}
EOF

test_expect_success 'updates change status, reason and alerts only; deletes are soft' '
	test_expect_code 1 txstore --reject rej life.db <life.ndjson 2>err &&
	test_grep "10 read, 4 stored, 2 duplicates, 2 updated, 1 deleted, 1 rejected" err &&
	test_grep "txstore: stdin:7: update of a transaction_id that is not stored" err &&
	sqlite3 life.db "SELECT transaction_id, amount, status, coalesce(reason, \"-\"),
		coalesce(alerts, \"-\"), deleted_at IS NOT NULL, updated_at IS NOT NULL
		FROM transactions ORDER BY transaction_id" >got &&
	cat >exp <<-\EOF &&
	L1|10.5|completed|-|["large_amount"]|0|1
	L2|99.99|completed|-|-|1|0
	L3|5.0|failed|insufficient_funds|-|0|1
	L4|1.01|completed|-|-|0|0
	EOF
	test_cmp exp got &&
	sed -n 7p life.ndjson >exp &&
	test_cmp exp rej
'

test_expect_success 'the report leaves deleted rows out; filters; exact sums' '
	txstore report life.db >rep &&
	test_grep "\"report\":\"by_status\",\"status\":\"completed\",\"currency\":\"USD\",\"count\":2,\"sum\":11.51" rep &&
	test_grep "\"report\":\"by_status\",\"status\":\"failed\",\"currency\":\"USD\",\"count\":1,\"sum\":5.00" rep &&
	! grep -q "\"L2\"" rep &&
	test "$(grep -c "\"report\":\"transactions\"" rep)" = 3 &&
	txstore report --status failed life.db >rep2 &&
	test "$(grep -c "\"report\":\"transactions\"" rep2)" = 1 &&
	test_grep "\"transaction_id\":\"L3\".*\"reason\":\"insufficient_funds\"" rep2 &&
	txstore report --type refund --account A3 life.db >rep3 &&
	test_grep "\"report\":\"by_type\",\"type\":\"refund\",\"currency\":\"USD\",\"count\":1,\"sum\":1.01" rep3 &&
	test "$(grep -c "\"report\":\"by_type\"" rep3)" = 1 &&
	txstore report --since 2026-01-01T00:00:01Z --until 2026-01-01T00:03:00Z life.db >rep4 &&
	test "$(grep -c "\"report\":\"transactions\"" rep4)" = 1 &&
	txstore report --limit 1 life.db >rep5 &&
	test_grep "\"report\":\"transactions\",\"transaction_id\":\"L4\"" rep5 &&
	test "$(grep -c "\"report\":\"transactions\"" rep5)" = 1
'

# issue 16: latency only from a produce time (source.ts); life.ndjson has
# event times only, and its latency section stays empty instead of showing
# the months between its event times and now
test_expect_success 'report: no latency without a produce time' '
	txstore report --table life.db >tab0 &&
	test_grep "^latency: no produce time in the records (those read by txsub carry one)\$" tab0 &&
	txstore report life.db >rep0 &&
	! grep "\"report\":\"latency\"" rep0
'

test_expect_success 'report --table: aligned columns; latency percentiles; --account' '
	txstore report --table t.db >tab &&
	test_grep "^transactions (20)" tab &&
	test_grep "^transaction_id  *account  *type  *amount  *currency" tab &&
	test_grep "^by_type (" tab &&
	test_grep "^latency (1)" tab &&
	n=$(txstore balances t.db | grep -c "^{\"account\":\"A00\"") && test "$n" -gt 1 &&
	txstore report --table --limit 1 --account A00 t.db >tab1 &&
	test_grep "^balances (1 of $n; txstore balances lists every one)\$" tab1 &&
	txstore report --account A00 t.db >rep1 &&
	test "$(grep -c "^{\"report\":\"balances\",\"account\":\"A00\"," rep1)" = "$n" &&
	test "$(grep -c "^{\"report\":\"balances\"," rep1)" = "$n" &&
	txstore report t.db >rep &&
	test_grep "\"report\":\"latency\",\"count\":700,\"p50_ms\":" rep &&
	"$PYTHON3" -c "
import json, sys
from decimal import Decimal
for line in open(\"rep\"):
    r = json.loads(line, parse_float=Decimal)
    if r[\"report\"] == \"latency\":
        assert r[\"p50_ms\"] <= r[\"p95_ms\"] <= r[\"p99_ms\"] <= r[\"max_ms\"], r
        assert r[\"p50_ms\"] > 0, r
"
'

test_expect_success 'DSN forms: sqlite:PATH, PATH.db, the default tx.db; others refused' '
	head -n 5 in.ndjson >five &&
	txstore sqlite:a.sqlite <five 2>/dev/null &&
	test "$(sqlite3 a.sqlite "SELECT count(*) FROM transactions")" = 5 &&
	mkdir d && (cd d && txstore <../five 2>/dev/null) &&
	test "$(sqlite3 d/tx.db "SELECT count(*) FROM transactions")" = 5 &&
	test_expect_code 2 txstore nodsn <five 2>err &&
	test_grep "unknown command .nodsn." err &&
	test_expect_code 2 txstore no/dsn <five 2>err &&
	test_grep "no/dsn.* is not a DSN" err &&
	test_expect_code 4 txstore sqlite:nodir/x.db <five 2>err &&
	test_grep "sqlite:nodir/x.db" err &&
	test "$(sqlite3 a.sqlite "SELECT value FROM txstore_meta WHERE key = \"schema_version\"")" = 3
'

test_expect_success 'a newer schema version is refused, not overwritten' '
	cp a.sqlite future.db &&
	sqlite3 future.db "UPDATE txstore_meta SET value = \"99\" WHERE key = \"schema_version\"" &&
	test_expect_code 4 txstore future.db <five 2>err &&
	test_grep "schema version 99 is newer" err
'

test_expect_success 'malformed lines: source:line, --reject, the rest stored' '
	{ sed -n 1p in.ndjson; echo "not json"; sed -n 2p in.ndjson;
	  echo "{\"transaction_id\":\"x\"}"; sed -n 3p in.ndjson; } >bad.ndjson &&
	test_expect_code 1 txstore --reject rej bad.db <bad.ndjson 2>err &&
	test_grep "^txstore: stdin:2: " err &&
	test_grep "^txstore: stdin:4: " err &&
	test_grep "3 stored, 0 duplicates, 0 updated, 0 deleted, 2 rejected" err &&
	sed -n "2p;4p" bad.ndjson >exp &&
	test_cmp exp rej &&
	test "$(sqlite3 bad.db "SELECT count(*) FROM transactions")" = 3
'

test_expect_success '--strict stops at the first bad line, what came before is stored' '
	test_expect_code 1 txstore --strict strict.db <bad.ndjson 2>err &&
	test "$(sqlite3 strict.db "SELECT count(*) FROM transactions")" = 1
'

test_expect_success '-q prints no summary; errors still print' '
	txstore -q quiet.db <five 2>err &&
	test_line_count 0 err &&
	test_expect_code 1 txstore -q quiet.db <bad.ndjson 2>err &&
	test_line_count 0 err
'

test_expect_success 'hostile strings are data, never SQL; refused rows name the constraint' '
	"$PYTHON3" - >hostile.ndjson <<-\PY &&
	import json
	def rec(i, **kw):
	    d = {"transaction_id": "h%d" % i, "account": "A1", "type": "deposit",
	         "amount": "1.00", "ts": "2026-01-01T00:00:00Z"}
	    d.update(kw)
	    return json.dumps(d, ensure_ascii=False)
	print(rec(1, account="O'"'"'Brien \"the\" \\\\ quoted"))
	print(rec(2, account="x'"'"'; DROP TABLE transactions; --"))
	print(rec(3, account="tab\there\nnewline\\\\N"))
	print(rec(4, merchant="M" * 1000000))
	print(rec(5, account="\u00fcn\u00efc\u00f6d\u00e9 \u20ac"))
	print(rec(6, reason="\\\\.\n\\\\N"))
	print("{\"transaction_id\":\"h7\",\"account\":\"nul\\u0000byte\",\"type\":\"deposit\",\"amount\":1}")
	print("{\"transaction_id\":\"h9\",\"account\":\"%s\",\"type\":\"deposit\",\"amount\":1}" % ("L" * 300))
	print("{\"transaction_id\":\"%s\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" % ("I" * 3000))
	print(rec(10, account="after"))
	PY
	printf "{\"transaction_id\":\"h8\",\"account\":\"bad\377\376utf8\",\"type\":\"deposit\",\"amount\":1}\n" >>hostile.ndjson &&
	test_expect_code 1 env TX_REFERENCE= txstore --reject rej h.db <hostile.ndjson 2>err &&
	test_grep "stdin:7: .*u0000" err &&
	test_grep "stdin:11: .*UTF-8" err &&
	test_grep "stdin:8: field .account. is 300 characters long, more than 256 (constraint account_length)$" err &&
	test_grep "stdin:9: field .transaction_id. is 3000 characters long, more than 256 (constraint transaction_id_length)$" err &&
	test_grep "7 stored, 0 duplicates, 0 updated, 0 deleted, 4 rejected" err &&
	test_expect_code 1 env TX_REFERENCE=check txstore --reject rej.ref h.ref.db <hostile.ndjson 2>err.ref &&
	test_grep "stdin:8: CHECK constraint failed: account_length$" err.ref &&
	test_grep "stdin:9: CHECK constraint failed: transaction_id_length$" err.ref &&
	test_grep "7 stored, 0 duplicates, 0 updated, 0 deleted, 4 rejected" err.ref &&
	sort rej >rej.s && sort rej.ref >rej.ref.s && test_cmp rej.s rej.ref.s &&
	q="SELECT transaction_id, account, reason, record FROM transactions ORDER BY 1" &&
	sqlite3 h.db "$q" >rows && sqlite3 h.ref.db "$q" >rows.ref && test_cmp rows.ref rows &&
	test "$(wc -l <rej)" = 4 &&
	sed -n "7p;8p;9p;11p" hostile.ndjson | sort >exp &&
	sort rej >got &&
	test_cmp exp got &&
	sqlite3 h.db "SELECT name FROM sqlite_master WHERE type = \"table\" ORDER BY name" >tables &&
	printf "balances\noffsets\ntransactions\ntxstore_meta\n" >exp &&
	test_cmp exp tables &&
	"$PYTHON3" - <<-\PY
	import json, sqlite3
	want = {}
	for line in open("hostile.ndjson", "rb"):
	    try:
	        d = json.loads(line.decode("utf-8"))
	    except Exception:
	        continue
	    if "\0" in d["account"] or len(d["account"]) > 256 or len(d["transaction_id"]) > 256:
	        continue
	    want[d["transaction_id"]] = (d["account"], d.get("reason"), line.decode("utf-8").rstrip("\n"))
	db = sqlite3.connect("h.db")
	got = {r[0]: (r[1], r[2], r[3]) for r in db.execute("SELECT transaction_id, account, reason, record FROM transactions")}
	assert got == want, (sorted(got), sorted(want))
	PY
'

# TX_REFERENCE=check: SQLite checks the rows (account_length) itself, and
# refuses them within a many-row INSERT (by default txstore rejects them
# as it reads them: the next test).
test_expect_success 'many rows per INSERT: stored, duplicates and refused rows as one by one' '
	TX_REFERENCE=check && export TX_REFERENCE && # for this case only: it runs in a subshell
	"$PYTHON3" - >mixed.ndjson <<-\PY &&
	import json
	def rec(i, **kw):
	    d = {"transaction_id": "m%03d" % i, "account": "A%d" % (i % 7), "type": "deposit",
	         "amount": "%d.25" % i, "ts": "2026-01-01T00:00:00Z"}
	    d.update(kw)
	    return json.dumps(d)
	for i in range(300):
	    if i % 50 == 17:
	        print(rec(i, account="L" * 300))       # refused: account_length
	    elif i % 9 == 4:
	        print(rec(i - 1, account="again"))     # the same id again, in the same batch
	    else:
	        print(rec(i))
	PY
	awk "NR % 3 == 0" mixed.ndjson >third.ndjson &&
	txstore -q bulk.db <third.ndjson || test $? = 1 &&
	txstore -q --batch 1 single.db <third.ndjson || test $? = 1 &&
	test_expect_code 1 txstore --reject bulk.rej bulk.db <mixed.ndjson 2>bulk.err &&
	test_expect_code 1 txstore --batch 1 --reject single.rej single.db <mixed.ndjson 2>single.err &&
	sed "s/ in [0-9.]* s,.*//" bulk.err >bulk.sum && sed "s/ in [0-9.]* s,.*//" single.err >single.sum &&
	test_cmp single.sum bulk.sum &&
	test_grep "300 read, 164 stored, 130 duplicates, 0 updated, 0 deleted, 6 rejected" bulk.err &&
	test_cmp single.rej bulk.rej &&
	q="SELECT transaction_id, account, amount, amount_minor, record FROM transactions ORDER BY 1" &&
	sqlite3 bulk.db "$q" >bulk.rows && sqlite3 single.db "$q" >single.rows &&
	test_cmp single.rows bulk.rows &&
	test "$(wc -l <bulk.rows)" = 262 &&
	grep -v LLLLL mixed.ndjson >clean.ndjson &&
	awk "NR % 3 == 1" clean.ndjson >third.ndjson &&
	txstore -q bulk2.db <third.ndjson && txstore -q --batch 1 single2.db <third.ndjson &&
	txstore bulk2.db <clean.ndjson 2>bulk.err && txstore --batch 1 single2.db <clean.ndjson 2>single.err &&
	sed "s/ in [0-9.]* s,.*//" bulk.err >bulk.sum && sed "s/ in [0-9.]* s,.*//" single.err >single.sum &&
	test_cmp single.sum bulk.sum &&
	test_grep "294 read, 164 stored, 130 duplicates, 0 updated, 0 deleted, 0 rejected" bulk.err &&
	sqlite3 bulk2.db "$q" >bulk.rows && sqlite3 single2.db "$q" >single.rows &&
	test_cmp single.rows bulk.rows
'

# The many-row INSERT binds a NULL only where a value was: the members a
# row has and the next one lacks (reason, alerts, counterparty, the source)
# must come out as one row at a time stores them.
test_expect_success 'many rows per INSERT: members present in one row, absent in the next' '
	"$PYTHON3" - >nulls.ndjson <<-\PY &&
	import json, random
	rnd = random.Random(5)
	off = 0
	for i in range(2000):
	    d = {"transaction_id": "n%d" % i, "account": "A%d" % rnd.randrange(9),
	         "type": rnd.choice(["deposit", "transfer"]), "amount": "%d.%02d" % (i, i % 100),
	         "ts": "2026-01-01T00:00:%02dZ" % (i % 60)}
	    if d["type"] == "transfer":
	        d["counterparty"] = "C%d" % rnd.randrange(5)
	    if rnd.random() < 0.3:
	        d["status"], d["reason"] = "failed", "r%d" % i
	    if rnd.random() < 0.3:
	        d["alerts"] = [{"rule": "large_amount", "severity": "high"}]
	    if rnd.random() < 0.5:
	        d["source"] = {"topic": "t", "partition": 0, "offset": off, "ts": "2026-01-02T00:00:00Z"}
	        off += 1
	    if rnd.random() < 0.1:
	        d["status"] = "pending"
	    print(json.dumps(d))
	PY
	txstore nulls.db <nulls.ndjson 2>nulls.err || { cat nulls.err; false; } &&
	txstore --batch 1 nulls1.db <nulls.ndjson 2>nulls1.err || { cat nulls1.err; false; } &&
	q="SELECT transaction_id, account, type, amount, typeof(amount), amount_minor, currency, ts,
		status, reason, alerts, counterparty, record, source_topic, source_partition,
		source_offset, source_ts FROM transactions ORDER BY 1" &&
	sqlite3 nulls.db "$q" >nulls.rows && sqlite3 nulls1.db "$q" >nulls1.rows &&
	test_cmp nulls1.rows nulls.rows &&
	test "$(sqlite3 nulls.db "SELECT count(*), count(reason), count(alerts), count(counterparty),
		count(source_topic) FROM transactions")" = \
		"$("$PYTHON3" -c "
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(\"|\".join(str(sum(1 for r in rows if k is None or k in r))
	for k in (None, \"reason\", \"alerts\", \"counterparty\", \"source\")))
" nulls.ndjson)"
'

test_expect_success 'the length constraints: txstore checks them in characters, SQLite need not' '
	"$PYTHON3" - >len.ndjson <<-\PY &&
	import json
	n = 0
	def rec(**kw):
	    global n
	    n += 1
	    d = {"transaction_id": "l%d" % n, "account": "A", "type": "deposit", "amount": "1.00"}
	    d.update(kw)
	    print(json.dumps(d, ensure_ascii=False))
	for f in ("transaction_id", "account"):
	    rec(**{f: "x" * 256})
	    rec(**{f: "y" * 257})
	    rec(**{f: "\u00e9" * 256})
	    rec(**{f: "\u00e8" * 257})
	    rec(**{f: "\U0001F600" * 256})
	rec(type="transfer", counterparty="C" * 256)
	rec(type="transfer", counterparty="D" * 257)
	rec(type="transfer", counterparty="\u20ac" * 257)
	PY
	test_expect_code 1 env TX_REFERENCE= txstore --reject len.rej len.db <len.ndjson 2>len.err &&
	test_grep "13 read, 7 stored, 0 duplicates, 0 updated, 0 deleted, 6 rejected" len.err &&
	test_grep "stdin:2: field .transaction_id. is 257 characters long, more than 256 (constraint transaction_id_length)$" len.err &&
	test_grep "stdin:4: field .transaction_id. is 257 characters long" len.err &&
	test_grep "stdin:7: field .account. is 257 characters long, more than 256 (constraint account_length)$" len.err &&
	test_grep "stdin:9: field .account. is 257 characters long" len.err &&
	test_grep "stdin:12: field .counterparty. is 257 characters long, more than 256 (constraint counterparty_length)$" len.err &&
	test_grep "stdin:13: field .counterparty. is 257 characters long" len.err &&
	test "$(grep -c "characters long" len.err)" = 6 &&
	test_expect_code 1 env TX_REFERENCE=check txstore --reject len.ref.rej len.ref.db <len.ndjson 2>len.ref.err &&
	test_grep "13 read, 7 stored, 0 duplicates, 0 updated, 0 deleted, 6 rejected" len.ref.err &&
	test "$(grep -c "CHECK constraint failed" len.ref.err)" = 6 &&
	sort len.rej >len.rej.s && sort len.ref.rej >len.ref.rej.s && test_cmp len.ref.rej.s len.rej.s &&
	q="SELECT transaction_id, account, counterparty, record FROM transactions ORDER BY 1" &&
	sqlite3 len.db "$q" >len.rows && sqlite3 len.ref.db "$q" >len.ref.rows &&
	test_cmp len.ref.rows len.rows &&
	test "$(sqlite3 len.db "PRAGMA integrity_check")" = ok &&
	test "$(sqlite3 len.db "SELECT count(*) FROM transactions WHERE length(account) = 256 OR
		length(transaction_id) = 256 OR length(counterparty) = 256")" = 7
'

test_expect_success 'an idle input is flushed after --flush-ms' '
	{ head -n 3 in.ndjson; i=0;
	  while [ "$(sqlite3 idle.db "SELECT count(*) FROM transactions" 2>/dev/null)" != 3 ] &&
		[ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done;
	  sqlite3 idle.db "SELECT count(*) FROM transactions" >mid;
	  sed -n 4p in.ndjson; } | txstore --flush-ms 100 idle.db 2>/dev/null &&
	test "$(cat mid)" = 3 &&
	test "$(sqlite3 idle.db "SELECT count(*) FROM transactions")" = 4
'

test_expect_success 'a sqlite3 shell reading (and briefly writing) never makes txstore fail' '
	gen 3000 --seed 7 --first-offset 1000 --topic other --prefix B >big.ndjson &&
	txstore conc.db </dev/null 2>/dev/null &&
	rm -f ctl started locked && mkfifo ctl &&
	{ { echo "BEGIN; SELECT count(*) FROM transactions;";
	    echo ".shell touch started"; read go <ctl;
	    echo "SELECT count(*) FROM transactions; COMMIT;";
	    echo "BEGIN IMMEDIATE; SELECT 1;"; echo ".shell touch locked"; sleep 1;
	    echo "COMMIT;"; } | sqlite3 conc.db >reader.out & } &&
	reader=$! &&
	wait_until 10 test -f started &&
	txstore --batch 100 conc.db <big.ndjson 2>err1 &&
	timeout 10 sh -c "echo go >ctl" &&
	wait_until 10 test -f locked &&
	txstore conc.db <in.ndjson 2>err2 &&
	wait $reader &&
	test_grep "3000 stored" err1 &&
	test_grep "600 stored" err2 &&
	printf "0\n0\n1\n" >exp &&
	test_cmp exp reader.out &&
	test "$(sqlite3 conc.db "SELECT count(*) FROM transactions")" = 3600
'

# "S s of it storing with C s of CPU" from a summary: "S C".
rows_are() { [ "$(sqlite3 cpu.db "SELECT count(*) FROM transactions")" = "$1" ]; }
storing_cpu() { sed -n 's/.* \([0-9.]*\) s of it storing with \([0-9.]*\) s of CPU (.*/\1 \2/p' "$1"; }

test_expect_success 'the summary tells the CPU of storing from waiting for the database' '
	txgen -q -n 20000 --seed 3 >cpu.ndjson &&
	txstore cpu.db <cpu.ndjson 2>err1 &&
	test_grep "20000 stored" err1 &&
	storing_cpu err1 >t1 &&
	awk "NF == 2 && \$2 > 0 && \$2 <= \$1 + 0.01 { ok = 1 } END { exit !ok }" t1 &&
	txgen -q -n 1000 --seed 4 >wait.ndjson &&
	rm -f locked2 in.fifo && mkfifo in.fifo &&
	{ txstore --flush-ms 50 cpu.db <in.fifo 2>err2 & } &&
	store=$! &&
	exec 3>in.fifo &&
	sed -n 1p wait.ndjson >&3 &&
	wait_until 10 rows_are 20001 &&
	{ { echo "BEGIN IMMEDIATE; SELECT 1;"; echo ".shell touch locked2"; sleep 2;
	    echo "COMMIT;"; } | sqlite3 cpu.db >/dev/null & } &&
	locker=$! &&
	wait_until 10 test -f locked2 &&
	sed 1d wait.ndjson >&3 &&
	exec 3>&- &&
	wait $store &&
	wait $locker &&
	test_grep "1000 stored" err2 &&
	storing_cpu err2 >t2 &&
	awk "NF == 2 && \$1 >= 1.0 && \$2 < 0.5 { ok = 1 } END { exit !ok }" t2 || {
		cat err1 err2 >&2
		false
	}
'

# The summary's time is the whole run's: a database locked at the start
# made txstore wait 2 s, and it said "in 0.01 s".
test_expect_success 'the summary time counts a wait for the database at open' '
	rm -f locked3 &&
	{ { echo "BEGIN IMMEDIATE; SELECT 1;"; echo ".shell touch locked3"; sleep 2;
	    echo "COMMIT;"; } | sqlite3 cpu.db >/dev/null & } &&
	locker=$! &&
	wait_until 10 test -f locked3 &&
	txgen -q -n 10 --seed 5 | txstore cpu.db 2>err3 &&
	wait $locker &&
	test_grep "10 stored" err3 &&
	sed -n "s/.* in \([0-9.]*\) s, \([0-9.]*\) s of it storing .*/\1 \2/p" err3 >t3 &&
	awk "NF == 2 && \$1 >= 1.0 && \$2 < 0.5 { ok = 1 } END { exit !ok }" t3 || {
		cat err3 >&2
		false
	}
'

test_done

#!/bin/sh
# txstore into PostgreSQL (a private server, tests/pg.sh): exact rows and
# sums, balances and offsets files, idempotency, updates and deletes,
# hostile strings, refused rows, DSN forms and password redaction.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/pg.sh"

pg_start || exit 1

gen() { "$PYTHON3" "$TX_SRCDIR/tests/t5-records.py" "$@"; }
newdb() { pg_psql -c "CREATE DATABASE $1"; }
q="'"  # a single quote, for SQL literals inside the single-quoted cases

test_expect_success 'stores every row (COPY and merge), exact numeric sums' '
	gen 600 --seed 1 --balances exp.bal --sum exp.sum >in.ndjson &&
	txstore --batch 7 postgresql:// <in.ndjson 2>err &&
	test_grep "600 read, 600 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected" err &&
	test "$(pg_psql -c "SELECT count(*) FROM transactions")" = 600 &&
	pg_psql -F " " -c "SELECT currency, count(*), sum(amount) FROM transactions
		GROUP BY currency ORDER BY currency" >got.sum &&
	test_cmp exp.sum got.sum &&
	txstore report postgresql:// >report &&
	"$PYTHON3" -c "
import json
from decimal import Decimal
tot = {}
for line in open(\"report\"):
    r = json.loads(line, parse_float=Decimal)
    if r[\"report\"] == \"by_type\":
        t = tot.setdefault(r[\"currency\"], [0, Decimal(0)])
        t[0] += r[\"count\"]; t[1] += r[\"sum\"]
print(\"\".join(\"%s %d %s\n\" % (c, tot[c][0], tot[c][1]) for c in sorted(tot)), end=\"\")
" >rep.sum &&
	test_cmp exp.sum rep.sum
'

test_expect_success 'column types: numeric, timestamptz, json, jsonb' '
	pg_psql -F " " -c "SELECT column_name, data_type FROM information_schema.columns
		WHERE table_name = ${q}transactions${q} AND column_name IN
		(${q}amount${q}, ${q}ts${q}, ${q}record${q}, ${q}alerts${q}, ${q}stored_at${q})
		ORDER BY column_name" >types &&
	cat >exp <<-\EOF &&
	alerts jsonb
	amount numeric
	record json
	stored_at timestamp with time zone
	ts timestamp with time zone
	EOF
	test_cmp exp types &&
	test "$(pg_psql -c "SELECT record->>${q}transaction_id${q} FROM transactions
		WHERE transaction_id = ${q}t5-1-5${q}")" = t5-1-5
'

# The server's errors about a record's type: a COPY refused for one is
# written again row by row, the same rows much slower.
json_errors() { grep -c -e "type json" -e "jsonb version" "$PG_DIR/server.log" || :; }
# record_type DB: the type of transactions.record in DB.
record_type() {
	pg_psql -d "$1" -c "SELECT format_type(atttypid, NULL) FROM pg_attribute
		WHERE attrelid = ${q}transactions${q}::regclass AND attname = ${q}record${q}"
}

# The record column is json (schema version 3): the record's bytes as they
# arrived. A database that had rows before keeps its jsonb, and a user may
# change the type either way: txstore writes each (COPY, and the merge of a
# batch with stored ids) and refuses a type it cannot.
test_expect_success 'the record as it arrived, byte for byte (json)' '
	pg_psql -c "SELECT record FROM transactions ORDER BY transaction_id" >got.rec &&
	sort in.ndjson >exp.rec &&
	test_line_count 600 got.rec &&
	test_cmp exp.rec got.rec
'

test_expect_success 'record json, jsonb (older databases) or text: the same rows, COPY and merge' '
	sed "s/,\"source\":{[^}]*}//" in.ndjson >nosrc.ndjson &&
	head -n 300 nosrc.ndjson >first &&
	errors_before=$(json_errors) &&
	for t in json jsonb text; do
		newdb "rec_$t" &&
		txstore -q "dbname=rec_$t" <first &&
		if [ $t != json ]; then
			pg_psql -d "rec_$t" -c "ALTER TABLE transactions ALTER COLUMN record TYPE $t"
		fi &&
		txstore --batch 7 "dbname=rec_$t" <nosrc.ndjson 2>err &&
		test_grep "600 read, 300 stored, 300 duplicates, 0 updated, 0 deleted, 0 rejected" err &&
		pg_psql -d "rec_$t" -c "SELECT record::text FROM transactions
			ORDER BY transaction_id" >"got.$t" || exit 1
	done &&
	: no COPY was refused and written again row by row &&
	test "$(json_errors)" = "$errors_before" &&
	sort nosrc.ndjson >exp.rec &&
	test_cmp exp.rec got.json &&
	test_cmp exp.rec got.text &&
	"$PYTHON3" -c "
import json, sys
a = [json.loads(l) for l in open(\"exp.rec\")]
b = [json.loads(l) for l in open(\"got.jsonb\")]
sys.exit(a != b or len(a) != 600)
" &&
	test "$(pg_psql -d rec_jsonb -c "SELECT record->>${q}transaction_id${q} FROM transactions
		WHERE record @> ${q}{\"transaction_id\": \"t5-1-5\"}${q}")" = t5-1-5
'

test_expect_success 'schema version 2: with rows, record stays jsonb; empty, it becomes json' '
	newdb v2rows &&
	txstore -q dbname=v2rows <first &&
	newdb v2empty &&
	txstore -q dbname=v2empty </dev/null &&
	for d in v2rows v2empty; do
		pg_psql -d $d -c "ALTER TABLE transactions ALTER COLUMN record TYPE jsonb" \
			-c "UPDATE txstore_meta SET value = ${q}2${q} WHERE key = ${q}schema_version${q}" ||
			exit 1
		txstore -q dbname=$d <in.ndjson &&
		test "$(pg_psql -d $d -c "SELECT value FROM txstore_meta
			WHERE key = ${q}schema_version${q}")" = 3 &&
		test "$(pg_psql -d $d -c "SELECT count(*) FROM transactions")" = 600 || exit 1
	done &&
	test "$(record_type v2rows)" = jsonb &&
	test "$(record_type v2empty)" = json
'

test_expect_success 'a record column of another type is refused, naming it' '
	newdb recvarchar &&
	txstore -q dbname=recvarchar </dev/null &&
	pg_psql -d recvarchar -c "ALTER TABLE transactions ALTER COLUMN record TYPE varchar" &&
	test_expect_code 4 txstore dbname=recvarchar <first 2>err &&
	test_grep "column transactions.record is of type .character varying.: txstore writes json, jsonb or text" err &&
	test "$(pg_psql -d recvarchar -c "SELECT count(*) FROM transactions")" = 0
'

test_expect_success 'balances print in the txbal --init format, across batches' '
	txstore balances postgresql:// >got.bal &&
	test_cmp exp.bal got.bal
'

test_expect_success 'offsets print the next offset per topic and partition' '
	txstore offsets postgresql:// >got.off &&
	test_line_count 3 got.off &&
	"$PYTHON3" -c "
import json
nxt = {}
for line in open(\"in.ndjson\"):
    s = json.loads(line)[\"source\"]
    k = (s[\"topic\"], s[\"partition\"])
    nxt[k] = max(nxt.get(k, 0), s[\"offset\"] + 1)
for (t, p) in sorted(nxt):
    print(json.dumps({\"topic\": t, \"partition\": p, \"offset\": nxt[(t, p)]}, separators=(\",\", \":\")))
" >exp.off &&
	test_cmp exp.off got.off
'

test_expect_success 'the same input again changes nothing' '
	pg_psql -c "SELECT * FROM transactions ORDER BY transaction_id" >before &&
	pg_psql -c "SELECT * FROM balances ORDER BY account, currency" >>before &&
	txstore postgresql:// <in.ndjson 2>err &&
	test_grep "600 read, 0 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 600 already stored" err &&
	pg_psql -c "SELECT * FROM transactions ORDER BY transaction_id" >after &&
	pg_psql -c "SELECT * FROM balances ORDER BY account, currency" >>after &&
	test_cmp before after
'

test_expect_success 'an overlapping replay stores only the new offsets' '
	gen 700 --seed 1 --balances exp700.bal >more.ndjson &&
	txstore --batch 64 postgresql:// <more.ndjson 2>err &&
	test_grep "700 read, 100 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 600 already stored" err &&
	txstore balances postgresql:// >got.bal &&
	test_cmp exp700.bal got.bal
'

test_expect_success 'without source positions: duplicates counted, not stored twice' '
	newdb plain &&
	sed "s/,\"source\":{[^}]*}//" in.ndjson >nosrc.ndjson &&
	txstore dbname=plain <nosrc.ndjson 2>err1 &&
	cat nosrc.ndjson nosrc.ndjson | txstore --batch 500 dbname=plain 2>err2 &&
	test_grep "600 stored, 0 duplicates" err1 &&
	test_grep "1200 read, 0 stored, 1200 duplicates" err2 &&
	test "$(pg_psql -d plain -c "SELECT count(*) FROM transactions")" = 600
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
{"transaction_id":"L2","account":"A1","type":"deposit","amount":99.99,"currency":"USD","ts":"2026-01-01T00:00:01Z"}
EOF

test_expect_success 'updates change status, reason and alerts only; deletes are soft' '
	newdb life &&
	test_expect_code 1 txstore --reject rej dbname=life <life.ndjson 2>err &&
	test_grep "11 read, 4 stored, 3 duplicates, 2 updated, 1 deleted, 1 rejected" err &&
	test_grep "txstore: stdin:7: update of a transaction_id that is not stored" err &&
	pg_psql -d life -c "SELECT transaction_id, amount, status, coalesce(reason, ${q}-${q}),
		coalesce(alerts::text, ${q}-${q}), deleted_at IS NOT NULL, updated_at IS NOT NULL
		FROM transactions ORDER BY transaction_id" | tr "\"" "x" >got &&
	cat >exp <<-\EOF &&
	L1|10.50|completed|-|[xlarge_amountx]|f|t
	L2|99.99|completed|-|-|t|f
	L3|5.00|failed|insufficient_funds|-|f|t
	L4|1.01|completed|-|-|f|f
	EOF
	test_cmp exp got &&
	sed -n 7p life.ndjson >exp &&
	test_cmp exp rej
'

test_expect_success 'report: deleted rows left out, filters, exact sums, --table' '
	txstore report dbname=life >rep &&
	test_grep "\"report\":\"by_status\",\"status\":\"completed\",\"currency\":\"USD\",\"count\":2,\"sum\":11.51" rep &&
	test_grep "\"report\":\"by_status\",\"status\":\"failed\",\"currency\":\"USD\",\"count\":1,\"sum\":5.00" rep &&
	! grep -q "\"L2\"" rep &&
	txstore report --status failed --since 2026-01-01T00:00:02Z dbname=life >rep2 &&
	test "$(grep -c "\"report\":\"transactions\"" rep2)" = 1 &&
	test_grep "\"transaction_id\":\"L3\".*\"ts\":\"2026-01-01T00:00:02.000000Z\"" rep2 &&
	txstore report --table dbname=life >tab &&
	test_grep "^transactions (3)" tab &&
	test_grep "^latency: no produce time in the records (those read by txsub carry one)\$" tab &&
	txstore report --table --limit 1 dbname=plain >tab1 &&
	n=$(txstore balances dbname=plain | wc -l) && test "$n" -gt 10 &&
	test_grep "^balances (1 of $n; txstore balances lists every one)\$" tab1 &&
	test "$(txstore report --limit 1 dbname=plain | grep -c "\"report\":\"balances\"")" = 1
'

test_expect_success 'hostile strings are data; refused rows name the constraint' '
	newdb hostile &&
	"$PYTHON3" - >hostile.ndjson <<-\PY &&
	import json
	def rec(i, **kw):
	    d = {"transaction_id": "h%d" % i, "account": "A1", "type": "deposit",
	         "amount": "1.00", "ts": "2026-01-01T00:00:00Z"}
	    d.update(kw)
	    return json.dumps(d, ensure_ascii=False)
	print(rec(1, account="O'"'"'Brien \"the\" \\\\ quoted"))
	print(rec(2, account="x'"'"'; DROP TABLE transactions; --"))
	print(rec(3, account="tab\there\nnewline\\\\N\\\\."))
	print(rec(4, merchant="M" * 1000000))
	print(rec(5, account="\u00fcn\u00efc\u00f6d\u00e9 \u20ac \U0001F600"))
	print(rec(6, reason="\\\\.\n\\\\N\r"))
	print("{\"transaction_id\":\"h7\",\"account\":\"nul\\u0000byte\",\"type\":\"deposit\",\"amount\":1}")
	print("{\"transaction_id\":\"h9\",\"account\":\"%s\",\"type\":\"deposit\",\"amount\":1}" % ("L" * 300))
	print("{\"transaction_id\":\"%s\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" % ("I" * 3000))
	print(rec(10, account="after"))
	PY
	printf "{\"transaction_id\":\"h8\",\"account\":\"bad\377\376utf8\",\"type\":\"deposit\",\"amount\":1}\n" >>hostile.ndjson &&
	test_expect_code 1 env TX_REFERENCE= txstore --reject rej dbname=hostile <hostile.ndjson 2>err &&
	test_grep "stdin:7: .*u0000" err &&
	test_grep "stdin:11: .*UTF-8" err &&
	test_grep "stdin:8: field .account. is 300 characters long, more than 256 (constraint account_length)$" err &&
	test_grep "stdin:9: field .transaction_id. is 3000 characters long" err &&
	test_grep "7 stored, 0 duplicates, 0 updated, 0 deleted, 4 rejected" err &&
	newdb hostile_ref &&
	test_expect_code 1 env TX_REFERENCE=check txstore --reject rej.ref dbname=hostile_ref \
		<hostile.ndjson 2>err.ref &&
	test_grep "stdin:8: .*check constraint \"account_length\"" err.ref &&
	test_grep "stdin:9: .*check constraint \"transaction_id_length\"" err.ref &&
	test_grep "7 stored, 0 duplicates, 0 updated, 0 deleted, 4 rejected" err.ref &&
	sort rej.ref >got.ref && sort rej >got && test_cmp got got.ref &&
	sel="SELECT transaction_id, account, reason, record FROM transactions ORDER BY 1" &&
	pg_psql -d hostile -c "$sel" >rows && pg_psql -d hostile_ref -c "$sel" >rows.ref &&
	test_cmp rows rows.ref &&
	sed -n "7p;8p;9p;11p" hostile.ndjson | sort >exp &&
	sort rej >got &&
	test_cmp exp got &&
	test "$(pg_psql -d hostile -c "SELECT string_agg(tablename, ${q},${q} ORDER BY tablename)
		FROM pg_tables WHERE schemaname = ${q}public${q}")" = "balances,offsets,transactions,txstore_meta" &&
	pg_psql -d hostile -F " " -c "SELECT transaction_id, encode(convert_to(account, ${q}UTF8${q}), ${q}hex${q}),
		coalesce(encode(convert_to(reason, ${q}UTF8${q}), ${q}hex${q}), ${q}-${q}),
		coalesce(length(record->>${q}merchant${q})::text, ${q}${q})
		FROM transactions ORDER BY transaction_id" >got &&
	"$PYTHON3" - >exp <<-\PY &&
	import json
	rows = []
	for line in open("hostile.ndjson", "rb"):
	    try:
	        d = json.loads(line.decode("utf-8"))
	    except Exception:
	        continue
	    if "\0" in d["account"] or len(d["account"]) > 256 or len(d["transaction_id"]) > 256:
	        continue
	    r = d.get("reason")
	    rows.append("%s %s %s %s" % (d["transaction_id"], d["account"].encode().hex(),
	        r.encode().hex() if r is not None else "-", len(d["merchant"]) if "merchant" in d else ""))
	print("\n".join(sorted(rows)))
	PY
	sed "s/ $//" exp >exp.t && sed "s/ $//" got >got.t &&
	test_cmp exp.t got.t
'

test_expect_success 'txgen | txbal | txstore: balances are txbal --state, rows as updated' '
	newdb lifecycle &&
	txgen -q -n 20000 --seed 5 --pending 0.1 --deletes 0.02 --duplicates 0.02 >gen.ndjson &&
	txbal -q --state state.ndjson <gen.ndjson >bal.ndjson &&
	txstore --batch 333 dbname=lifecycle <bal.ndjson 2>err &&
	cat err &&
	txstore balances dbname=lifecycle >got.ndjson &&
	sort state.ndjson >exp.ndjson &&
	test_cmp exp.ndjson got.ndjson &&
	"$PYTHON3" - >exp.rows <<-\PY &&
	import json
	want = {}
	for line in open("bal.ndjson"):
	    r = json.loads(line)
	    op = r.get("op", "create")
	    t = r["transaction_id"]
	    if op == "create":
	        want.setdefault(t, [r.get("status", "completed"), "f"])
	    elif op == "update" and t in want and want[t][1] == "f":
	        want[t][0] = r.get("status", want[t][0])
	    elif op == "delete" and t in want:
	        want[t][1] = "t"
	for t in sorted(want, key=lambda k: k.encode()):
	    print("%s|%s|%s" % (t, want[t][0], want[t][1]))
	PY
	pg_psql -d lifecycle -c "SELECT transaction_id, status, deleted_at IS NOT NULL
		FROM transactions ORDER BY transaction_id COLLATE \"C\"" >got.rows &&
	test_cmp exp.rows got.rows
'

test_expect_success 'amounts arrive exactly through the binary COPY (numeric digits, scale)' '
	newdb amounts &&
	i=0 && : >amounts.ndjson &&
	for a in 0 0.00 0.01 0.10 1 9999.99 10000 10000.00 10000.01 12345678.9 99999999.99 \
		92233720368547758.07 1500:JPY 0:JPY 100000000:JPY 1.234:KWD 0.001:KWD 10000.5:KWD \
		0.0001:CLF 12.3456:CLF; do
		i=$((i + 1)) &&
		cur=USD && case $a in *:*) cur=${a#*:} && a=${a%:*} ;; esac &&
		echo "{\"transaction_id\":\"m$i\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":\"$a\",\"currency\":\"$cur\",\"ts\":\"2026-01-01T00:00:00.000001Z\"}" >>amounts.ndjson
	done &&
	txstore dbname=amounts <amounts.ndjson &&
	pg_psql -d amounts -c "SELECT amount::text || ${q} ${q} || currency || ${q} ${q} ||
		to_char(ts AT TIME ZONE ${q}UTC${q}, ${q}YYYY-MM-DD HH24:MI:SS.US${q})
		FROM transactions ORDER BY length(transaction_id), transaction_id" >got &&
	cat >exp <<-\EOF &&
	0.00 USD 2026-01-01 00:00:00.000001
	0.00 USD 2026-01-01 00:00:00.000001
	0.01 USD 2026-01-01 00:00:00.000001
	0.10 USD 2026-01-01 00:00:00.000001
	1.00 USD 2026-01-01 00:00:00.000001
	9999.99 USD 2026-01-01 00:00:00.000001
	10000.00 USD 2026-01-01 00:00:00.000001
	10000.00 USD 2026-01-01 00:00:00.000001
	10000.01 USD 2026-01-01 00:00:00.000001
	12345678.90 USD 2026-01-01 00:00:00.000001
	99999999.99 USD 2026-01-01 00:00:00.000001
	92233720368547758.07 USD 2026-01-01 00:00:00.000001
	1500 JPY 2026-01-01 00:00:00.000001
	0 JPY 2026-01-01 00:00:00.000001
	100000000 JPY 2026-01-01 00:00:00.000001
	1.234 KWD 2026-01-01 00:00:00.000001
	0.001 KWD 2026-01-01 00:00:00.000001
	10000.500 KWD 2026-01-01 00:00:00.000001
	0.0001 CLF 2026-01-01 00:00:00.000001
	12.3456 CLF 2026-01-01 00:00:00.000001
	EOF
	test_cmp exp got
'

test_expect_success 'one rule for both backends: year 0000 and 1e200000 refused by the codec' '
	newdb parity &&
	{
		echo "{\"transaction_id\":\"p1\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" &&
		echo "{\"transaction_id\":\"p2\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"ts\":\"0000-06-01T00:00:00Z\"}" &&
		echo "{\"transaction_id\":\"p3\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"x\":{\"n\":1e200000}}" &&
		echo "{\"transaction_id\":\"p4\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"x\":1e-400}" &&
		echo "{\"transaction_id\":\"p5\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1,\"ts\":\"0001-01-01T00:00:00Z\",\"x\":9.9e307}" &&
		echo "{\"transaction_id\":\"p6\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":92233720368547758.07}" &&
		echo "{\"transaction_id\":\"p7\",\"account\":\"B\",\"type\":\"deposit\",\"amount\":92233720368547758.07}"
	} >par.ndjson &&
	cat >par.expect <<-\EOF &&
	stdin:2: field '"'"'ts'"'"' is not an RFC 3339 date-time: '"'"'0000-06-01T00:00:00Z'"'"'
	stdin:3: invalid JSON at byte 75: number out of range (beyond 1e308 or below 1e-307)
	stdin:4: invalid JSON at byte 70: number out of range (beyond 1e308 or below 1e-307)
	EOF
	for dsn in sqlite:par.db dbname=parity; do
		test_expect_code 1 txstore "$dsn" <par.ndjson 2>err &&
		grep -v " read, " err | sed "s/^txstore: //" >got &&
		test_cmp par.expect got &&
		test_grep "7 read, 4 stored, 0 duplicates, 0 updated, 0 deleted, 3 rejected" err &&
		txstore report "$dsn" | grep "\"by_type\"" >"rep.${dsn%%[:=]*}" || exit 1
	done &&
	test_cmp rep.sqlite rep.dbname &&
	test_grep "\"count\":4,\"sum\":184467440737095518.14}" rep.dbname
'

test_expect_success 'DSN forms: URI, conninfo, service file, libpq environment' '
	head -n 5 in.ndjson >five &&
	newdb forms &&
	txstore "postgresql:///forms?host=$PGHOST&port=$PGPORT" <five 2>/dev/null &&
	txstore "host=$PGHOST port=$PGPORT dbname=forms" <five 2>err &&
	test_grep "0 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 5 already stored" err &&
	printf "[txs]\nhost=%s\nport=%s\ndbname=forms\n" "$PGHOST" "$PGPORT" >svc &&
	PGSERVICEFILE=$PWD/svc txstore balances service=txs >bal &&
	test_line_count 5 bal &&
	PGDATABASE=forms txstore offsets postgres:// >off &&
	test "$(cat off | wc -l)" -ge 1 &&
	test "$(pg_psql -d forms -c "SELECT value FROM txstore_meta WHERE key = ${q}schema_version${q}")" = 3
'

test_expect_success 'a malformed DSN: exit 2 (usage), not 4, and no password in any message' '
	test_expect_code 2 txstore "host=$PGHOST port=$PGPORT dbname=forms sslmode=bogus" <five 2>err1 &&
	test_grep "not a valid DSN: invalid sslmode value .bogus." err1 &&
	test_expect_code 2 txstore report "postgresql://u:s3cr3t@/forms?host=$PGHOST&sslmode=nope" 2>err2 &&
	test_grep "postgresql://u:\*\*\*@/forms" err2 &&
	test_expect_code 2 txstore offsets "host=$PGHOST port=fivefour dbname=forms" 2>err3 &&
	test_grep "invalid integer value .fivefour. for port" err3 &&
	test_expect_code 2 txstore "host=$PGHOST port=$PGPORT dbname=forms colour=blue" <five 2>err4 &&
	test_grep "invalid connection option" err4 &&
	test_expect_code 2 txstore state "host=$PGHOST password=s3cr3t dbname" 2>err5 &&
	test_expect_code 2 txstore "host=$PGHOST gssencmode=always password=s3cr3t" <five 2>err6 &&
	cat err1 err2 err3 err4 err5 err6 &&
	! grep -e s3cr3t err1 err2 err3 err4 err5 err6 &&
	txstore "host=$PGHOST port=$PGPORT dbname=forms sslmode=disable connect_timeout=5" <five 2>err &&
	test_grep "5 already stored" err
'

test_expect_success 'reading a database without the schema creates nothing' '
	newdb bare &&
	txstore offsets dbname=bare >off &&
	test ! -s off &&
	txstore state dbname=bare >state &&
	test ! -s state &&
	txstore balances dbname=bare >bal &&
	test ! -s bal &&
	test_expect_code 4 txstore report dbname=bare 2>err &&
	test_grep "dbname=bare: no txstore database there" err &&
	test "$(pg_psql -d bare -c "SELECT count(*) FROM pg_tables WHERE schemaname = ${q}public${q}")" = 0 &&
	txbal -q --init state <five | txstore -q dbname=bare &&
	txstore balances dbname=bare >bal &&
	test_line_count 5 bal
'

test_expect_success 'an unreachable database: exit 4, and no password in any message' '
	test_expect_code 4 txstore "postgresql://postgres:s3cr3t@/postgres?host=/nonexistent&password=pw2" <five 2>err1 &&
	test_expect_code 4 txstore "host=/nonexistent password=s3cr3t dbname=x" <five 2>err2 &&
	test_expect_code 4 txstore report "host=/nonexistent password = '"'"'s3 cr3t'"'"' dbname=x" 2>err3 &&
	cat err1 err2 err3 &&
	! grep -e s3cr3t -e pw2 -e "s3 cr3t" err1 err2 err3 &&
	test_grep "postgresql://postgres:\*\*\*@/postgres" err1 &&
	test_grep "password=\*\*\*" err2
'

test_done

/* Unit tests for record.c and json.c: fields, aliases, errors, splicing. */
#include "json.h"
#include "record.h"
#include "timefmt.h"
#include "tx.h"
#include "unit.h"

static struct tx_record rec;

static int parse(const char *line, unsigned flags)
{
	return tx_record_parse(&rec, line, strlen(line), flags);
}

static char strbuf[4][256];
static int strbuf_i;

/* A tx_str as a C string (for CHECK_EQ_STR). */
static const char *S(struct tx_str s)
{
	char *b = strbuf[strbuf_i++ % 4];

	if (!s.p)
		return "(null)";
	snprintf(b, 256, "%.*s", (int)s.len, s.p);
	return b;
}

static void ok(const char *line, unsigned flags)
{
	int rc = parse(line, flags);
	char what[300];

	snprintf(what, sizeof(what), "accepts %.200s", line);
	unit_report(rc == 0, what, __FILE__, __LINE__);
	if (rc)
		printf("#   error: %s\n", rec.err);
}

static void bad(const char *line, unsigned flags, const char *want_err)
{
	int rc = parse(line, flags);
	char what[400];

	snprintf(what, sizeof(what), "rejects %.150s: %s", line, want_err);
	unit_report(rc == -1 && !strcmp(rec.err, want_err), what, __FILE__, __LINE__);
	if (rc != -1 || strcmp(rec.err, want_err))
		printf("#   got rc %d, error '%s'\n", rc, rec.err);
}

/* Parse, write with edits, compare bytes. */
static void wr(const char *line, const struct tx_edit *ed, size_t n, unsigned flags,
	       const char *want)
{
	struct tx_buf out = TX_BUF_INIT;
	char what[300];

	if (parse(line, 0)) {
		unit_report(0, "parse before write", __FILE__, __LINE__);
		printf("#   error: %s\n", rec.err);
		return;
	}
	tx_record_write(&out, &rec, ed, n, flags);
	snprintf(what, sizeof(what), "write %.120s -> %.120s", line, want);
	CHECK_EQ_STR(out.p, want, what);
	/* and the general splice alone, without the append-only fast case */
	unsigned fast = tx_fast;
	tx_fast &= ~(unsigned)TX_FAST_PLAIN;
	tx_buf_reset(&out);
	tx_record_write(&out, &rec, ed, n, flags);
	tx_fast = fast;
	snprintf(what, sizeof(what), "TX_REFERENCE=plain: write %.100s -> %.100s", line, want);
	CHECK_EQ_STR(out.p, want, what);
	tx_buf_release(&out);
}

static void test_fields(void)
{
	int64_t ts;

	ok("{\"transaction_id\":\"t1\",\"account\":\"A1\",\"type\":\"deposit\",\"amount\":128.28,"
	   "\"currency\":\"USD\",\"ts\":\"2026-01-31T23:59:59.123456Z\",\"status\":\"pending\","
	   "\"op\":\"update\",\"anomaly\":\"burst\",\"merchant\":\"m\"}",
	   TX_PARSE_REQUIRE);
	CHECK_EQ_STR(S(rec.id), "t1", "transaction_id");
	CHECK_EQ_STR(S(rec.account), "A1", "account");
	CHECK_EQ_INT(rec.type, TX_TYPE_DEPOSIT, "type");
	CHECK_EQ_INT(rec.amount, 12828, "amount in cents");
	CHECK_EQ_STR(rec.currency->code, "USD", "currency");
	tx_time_parse("2026-01-31T23:59:59.123456Z", 27, &ts);
	CHECK_EQ_INT(rec.ts_us, ts, "ts");
	CHECK_EQ_INT(rec.status, TX_STATUS_PENDING, "status");
	CHECK_EQ_INT(rec.op, TX_OP_UPDATE, "op");
	CHECK_EQ_STR(S(rec.anomaly), "burst", "anomaly");
	CHECK_EQ_INT(rec.nmembers, 10, "ten members");
	CHECK_EQ_INT(rec.idx[TX_F_ANOMALY], 8, "idx of anomaly");
	CHECK_EQ_INT(rec.members[9].field, -1, "merchant is unknown");
	CHECK_EQ_INT(rec.idx[TX_F_COUNTERPARTY], -1, "counterparty absent");
	CHECK_EQ_INT(tx_record_find(&rec, "merchant", 8), 9, "find merchant");
	CHECK_EQ_INT(tx_record_find(&rec, "nope", 4), -1, "find absent");
	CHECK_EQ_STR(S(tx_record_text(&rec, 9)), "m", "text of merchant");
	CHECK_EQ_STR(S(tx_record_text(&rec, 3)), "128.28", "text of amount");

	ok("{\"account\":12345,\"amount\":\"1500\",\"currency\":\"JPY\",\"type\":\"fee\"}", 0);
	CHECK_EQ_STR(S(rec.account), "12345", "integer account as text");
	CHECK_EQ_INT(rec.amount, 1500, "JPY amount from a string");
	CHECK_EQ_INT(rec.op, TX_OP_CREATE, "op defaults to create");
	CHECK_EQ_INT(rec.status, TX_STATUS_NONE, "status absent");
	CHECK(rec.id.p == NULL, "no id");

	ok("{\"amount\":1.234,\"currency\":\"KWD\"}", 0);
	CHECK_EQ_INT(rec.amount, 1234, "KWD has 3 decimals, currency after amount");
	ok("{\"amount\":5}", 0);
	CHECK_EQ_INT(rec.amount, 500, "default currency USD");
	CHECK_EQ_STR(rec.currency->code, "USD", "default currency is USD");
	ok("{\"amount\":1.50}", 0);
	CHECK_EQ_INT(rec.amount, 150, "trailing zero past the exponent is exact");
	ok("{\"amount\":0}", 0);
	CHECK_EQ_INT(rec.amount, 0, "zero amount");

	ok("{\"transaction_id\":\"a\\u00e9\\n\\\"b\",\"account\":\"x\\/y\"}", 0);
	CHECK_EQ_STR(S(rec.id), "a\xc3\xa9\n\"b", "escapes decoded");
	CHECK_EQ_STR(S(rec.account), "x/y", "solidus decoded");
	ok("{\"transaction_id\":\"\\ud83d\\ude00\"}", 0);
	CHECK_EQ_STR(S(rec.id), "\xf0\x9f\x98\x80", "surrogate pair decoded");
	ok("{\"\\u0074ype\":\"refund\"}", 0);
	CHECK_EQ_INT(rec.type, TX_TYPE_REFUND, "escaped key names a known field");
	CHECK_EQ_INT(tx_record_find(&rec, "type", 4), 0, "find an escaped key");

	ok(" \t{ \"account\" : \"A\" , \"x\" : [1, {\"y\": null}] }\r\n ", 0);
	CHECK_EQ_STR(S(rec.account), "A", "whitespace everywhere");
	CHECK_EQ_STR(S(tx_record_text(&rec, 1)), "[1, {\"y\": null}]", "raw array text");
	ok("{}", TX_PARSE_REQUIRE & 0);
	CHECK_EQ_INT(rec.nmembers, 0, "empty object");

	ok("{\"source\":{\"topic\":\"tx\",\"partition\":3,\"offset\":42,"
	   "\"ts\":\"2026-01-01T00:00:00Z\",\"key\":\"A1\",\"extra\":true}}",
	   0);
	CHECK(rec.has_source, "has source");
	CHECK_EQ_STR(S(rec.source.topic), "tx", "source topic");
	CHECK_EQ_INT(rec.source.partition, 3, "source partition");
	CHECK_EQ_INT(rec.source.offset, 42, "source offset");
	CHECK_EQ_INT(rec.source.ts_us, 1767225600000000LL, "source ts");
	CHECK_EQ_STR(S(rec.source.key), "A1", "source key");
	ok("{\"source\":{\"topic\":\"t\\u0031\",\"partition\":0,\"offset\":0}}", 0);
	CHECK_EQ_STR(S(rec.source.topic), "t1", "escaped topic");
	CHECK(rec.source.key.p == NULL, "no key");
	CHECK_EQ_INT(rec.source.ts_us, -1, "no source ts");
	ok("{\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"key\":null}}", 0);
	CHECK(rec.source.key.p == NULL, "null key");

	/* the record is reused: nothing leaks from one line to the next */
	ok("{\"account\":\"B\"}", 0);
	CHECK(!rec.has_source && rec.type == TX_TYPE_NONE && rec.idx[TX_F_TYPE] < 0,
	      "reset between lines");
}

static void test_aliases(void)
{
	static const struct {
		const char *word;
		enum tx_type type;
	} cases[] = {
	    {"deposit", TX_TYPE_DEPOSIT},     {"Credit", TX_TYPE_DEPOSIT},
	    {"CASH_IN", TX_TYPE_DEPOSIT},     {"withdrawal", TX_TYPE_WITHDRAWAL},
	    {"Debit", TX_TYPE_WITHDRAWAL},    {"DEBIT", TX_TYPE_WITHDRAWAL},
	    {"withdraw", TX_TYPE_WITHDRAWAL}, {"CASH_OUT", TX_TYPE_WITHDRAWAL},
	    {"payment", TX_TYPE_PAYMENT},     {"PAYMENT", TX_TYPE_PAYMENT},
	    {"purchase", TX_TYPE_PAYMENT},    {"transfer", TX_TYPE_TRANSFER},
	    {"TRANSFER", TX_TYPE_TRANSFER},   {"fee", TX_TYPE_FEE},
	    {"Refund", TX_TYPE_REFUND},
	};
	char line[128], what[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "{\"transaction_type\":\"%s\"}", cases[i].word);
		snprintf(what, sizeof(what), "type alias %s", cases[i].word);
		CHECK(parse(line, 0) == 0 && rec.type == cases[i].type && rec.idx[TX_F_TYPE] == 0,
		      what);
	}
	CHECK_EQ_INT(tx_type_sign(TX_TYPE_DEPOSIT), 1, "deposit credits");
	CHECK_EQ_INT(tx_type_sign(TX_TYPE_REFUND), 1, "refund credits");
	CHECK_EQ_INT(tx_type_sign(TX_TYPE_WITHDRAWAL), -1, "withdrawal debits");
	CHECK_EQ_INT(tx_type_sign(TX_TYPE_PAYMENT), -1, "payment debits");
	CHECK_EQ_INT(tx_type_sign(TX_TYPE_TRANSFER), -1, "transfer debits");
	CHECK_EQ_INT(tx_type_sign(TX_TYPE_FEE), -1, "fee debits");
	CHECK_EQ_INT(tx_type_sign(TX_TYPE_NONE), 0, "no type, no sign");
	CHECK_EQ_STR(tx_type_name(TX_TYPE_WITHDRAWAL), "withdrawal", "type name");
	CHECK_EQ_STR(tx_status_name(TX_STATUS_COMPLETED), "completed", "status name");
	CHECK_EQ_STR(tx_op_name(TX_OP_DELETE), "delete", "op name");
	CHECK_EQ_STR(tx_field_name(TX_F_COUNTERPARTY_BALANCE), "counterparty_balance",
		     "field name");
	CHECK_EQ_STR(tx_field_name(TX_F_NEW_BALANCE), "new_balance", "new_balance name");
}

static void test_json_errors(void)
{
	bad("", 0, "empty line");
	bad("   ", 0, "empty line");
	bad("[1]", 0, "invalid JSON at byte 1: expected '{' (a record is a JSON object)");
	bad("{", 0, "invalid JSON at byte 2: expected a string key");
	bad("{\"a\"}", 0, "invalid JSON at byte 5: expected ':'");
	bad("{\"a\":}", 0, "invalid JSON at byte 6: expected a value");
	bad("{\"a\":1,}", 0, "invalid JSON at byte 8: expected a string key");
	bad("{\"a\":1 \"b\":2}", 0, "invalid JSON at byte 8: expected ',' or '}'");
	bad("{\"a\":1}x", 0, "invalid JSON at byte 8: unexpected text after the object");
	bad("{\"a\":1}{}", 0, "invalid JSON at byte 8: unexpected text after the object");
	bad("{\"a\":01}", 0, "invalid JSON at byte 6: invalid number (leading zero)");
	bad("{\"a\":1.}", 0, "invalid JSON at byte 6: invalid number");
	bad("{\"a\":.5}", 0, "invalid JSON at byte 6: expected a value");
	bad("{\"a\":+1}", 0, "invalid JSON at byte 6: expected a value");
	bad("{\"a\":1e}", 0, "invalid JSON at byte 6: invalid number");
	bad("{\"a\":-}", 0, "invalid JSON at byte 6: invalid number");
	bad("{\"a\":tru}", 0, "invalid JSON at byte 6: invalid literal");
	bad("{\"a\":nul}", 0, "invalid JSON at byte 6: invalid literal");
	bad("{\"a\":[1,]}", 0, "invalid JSON at byte 9: expected a value");
	bad("{\"a\":[1 2]}", 0, "invalid JSON at byte 9: expected ',' or ']'");
	bad("{\"a\":\"x}", 0, "invalid JSON at byte 6: unterminated string");
	bad("{\"a\":\"x\\q\"}", 0, "invalid JSON at byte 8: invalid escape in string");
	bad("{\"a\":\"\\u12\"}", 0, "invalid JSON at byte 7: invalid \\u escape");
	bad("{\"a\":\"\\u0000\"}", 0, "invalid JSON at byte 7: \\u0000 is not allowed");
	bad("{\"a\":\"\\ud800\"}", 0, "invalid JSON at byte 7: lone surrogate in \\u escape");
	bad("{\"a\":\"\\udc00\"}", 0, "invalid JSON at byte 7: lone surrogate in \\u escape");
	bad("{\"a\":\"\\ud800\\u0041\"}", 0,
	    "invalid JSON at byte 7: lone surrogate in \\u escape");
	bad("{\"a\":\"x\ty\"}", 0, "invalid JSON at byte 8: control character in string");
	bad("{\"a\":\"\xc0\xaf\"}", 0, "invalid JSON at byte 7: invalid UTF-8 in string");
	bad("{\"a\":\"\xed\xa0\x80\"}", 0, "invalid JSON at byte 7: invalid UTF-8 in string");
	bad("{\"a\":\"\xf4\x90\x80\x80\"}", 0, "invalid JSON at byte 7: invalid UTF-8 in string");
	bad("{\"a\":\"\xe2\x82\"}", 0, "invalid JSON at byte 7: invalid UTF-8 in string");
	bad("{\"a\":1}\f", 0, "invalid JSON at byte 8: unexpected text after the object");
	ok("{\"a\":\"\xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"}", 0);
	{
		/* jansson counts every value: the object plus 2047 arrays is the limit */
		static char deep[8192];
		static const struct {
			int arrays;
			const char *inner;
			int accept;
		} d[] = {{2047, "", 1}, {2046, "1", 1}, {2047, "1", 0}, {2048, "", 0}};
		for (size_t k = 0; k < sizeof(d) / sizeof(d[0]); k++) {
			size_t n = (size_t)snprintf(deep, sizeof(deep), "{\"a\":");
			char what[80];
			for (int i = 0; i < d[k].arrays; i++)
				deep[n++] = '[';
			n += (size_t)snprintf(deep + n, sizeof(deep) - n, "%s", d[k].inner);
			for (int i = 0; i < d[k].arrays; i++)
				deep[n++] = ']';
			deep[n++] = '}';
			deep[n] = '\0';
			snprintf(what, sizeof(what), "%d arrays around '%s' are %s", d[k].arrays,
				 d[k].inner, d[k].accept ? "accepted" : "nested too deep");
			CHECK(d[k].accept
				  ? parse(deep, 0) == 0
				  : parse(deep, 0) == -1 && strstr(rec.err, "nested too deep"),
			      what);
		}
	}
}

static void test_field_errors(void)
{
	bad("{\"transaction_id\":7}", 0, "field 'transaction_id' must be a string");
	bad("{\"transaction_id\":\"\"}", 0, "field 'transaction_id' is empty");
	bad("{\"account\":1.5}", 0, "field 'account' must be a string or a non-negative integer");
	bad("{\"account\":-3}", 0, "field 'account' must be a string or a non-negative integer");
	bad("{\"account\":null}", 0, "field 'account' must be a string or a non-negative integer");
	bad("{\"counterparty\":[]}", 0,
	    "field 'counterparty' must be a string or a non-negative integer");
	bad("{\"type\":1}", 0, "field 'type' must be a string");
	bad("{\"type\":\"gift\"}", 0, "field 'type' is not a known type: 'gift'");
	bad("{\"amount\":true}", 0, "field 'amount' must be a number or a string");
	bad("{\"amount\":-1}", 0, "field 'amount' is negative");
	bad("{\"amount\":\"-1.00\"}", 0, "field 'amount' is negative");
	bad("{\"amount\":1.5e2}", 0, "field 'amount' uses exponent notation: '1.5e2'");
	bad("{\"amount\":\"1E2\"}", 0, "field 'amount' uses exponent notation: '1E2'");
	bad("{\"amount\":\"abc\"}", 0, "field 'amount' is not a plain decimal number: 'abc'");
	bad("{\"amount\":\" 1\"}", 0, "field 'amount' is not a plain decimal number: ' 1'");
	bad("{\"amount\":1.505}", 0, "field 'amount' has more than 2 decimals for its currency");
	bad("{\"amount\":1.5,\"currency\":\"JPY\"}", 0,
	    "field 'amount' has decimals, but its currency has none");
	bad("{\"amount\":92233720368547758.08}", 0, "field 'amount' is out of range");
	bad("{\"currency\":\"XYZ\"}", 0, "field 'currency' is not a known ISO 4217 code: 'XYZ'");
	bad("{\"currency\":\"usd\"}", 0, "field 'currency' is not a known ISO 4217 code: 'usd'");
	bad("{\"currency\":1}", 0, "field 'currency' must be a string");
	bad("{\"ts\":\"yesterday\"}", 0, "field 'ts' is not an RFC 3339 date-time: 'yesterday'");
	bad("{\"ts\":1700000000}", 0, "field 'ts' must be a string");
	/* issue 14: one rule for every backend, year 0001 to 9999 in UTC */
	bad("{\"ts\":\"0000-01-01T00:00:00Z\"}", 0,
	    "field 'ts' is not an RFC 3339 date-time: '0000-01-01T00:00:00Z'");
	bad("{\"ts\":\"0001-01-01T00:30:00+01:00\"}", 0,
	    "field 'ts' is not an RFC 3339 date-time: '0001-01-01T00:30:00+01:00'");
	bad("{\"ts\":\"9999-12-31T23:30:00-01:00\"}", 0,
	    "field 'ts' is not an RFC 3339 date-time: '9999-12-31T23:30:00-01:00'");
	ok("{\"ts\":\"0001-01-01T00:00:00Z\"}", 0);
	ok("{\"ts\":\"9999-12-31T23:59:59.999999Z\"}", 0);
	/* and every number, known or not, within a double's normal range */
	bad("{\"x\":1e200000}", 0,
	    "invalid JSON at byte 6: number out of range (beyond 1e308 or below 1e-307)");
	bad("{\"x\":[-1e308]}", 0,
	    "invalid JSON at byte 7: number out of range (beyond 1e308 or below 1e-307)");
	bad("{\"x\":{\"y\":0.001e-305}}", 0,
	    "invalid JSON at byte 11: number out of range (beyond 1e308 or below 1e-307)");
	ok("{\"x\":9.99e307,\"y\":-1e-307,\"z\":0e999999,\"w\":123456789012345678901234567890}", 0);
	bad("{\"status\":\"done\"}", 0,
	    "field 'status' is not pending, completed or failed: 'done'");
	bad("{\"op\":\"insert\"}", 0, "field 'op' is not create, update or delete: 'insert'");
	bad("{\"op\":false}", 0, "field 'op' must be a string");
	bad("{\"anomaly\":1}", 0, "field 'anomaly' must be a string");
	bad("{\"type\":\"fee\",\"transaction_type\":\"fee\"}", 0, "field 'type' appears twice");
	bad("{\"amount\":1,\"amount\":1}", 0, "field 'amount' appears twice");
	bad("{\"type\":\"0123456789012345678901234567890123456789012345678901234567890\"}", 0,
	    "field 'type' is not a known type: '0123456789012345678901234567890123456789...'");
	bad("{\"type\":\"a\\nb\"}", 0, "field 'type' is not a known type: 'a?b'");
	bad("{\"source\":\"x\"}", 0, "field 'source' must be an object");
	bad("{\"source\":{\"partition\":0,\"offset\":1}}", 0, "field 'source' lacks 'topic'");
	bad("{\"source\":{\"topic\":\"t\",\"offset\":1}}", 0, "field 'source' lacks 'partition'");
	bad("{\"source\":{\"topic\":\"t\",\"partition\":1}}", 0, "field 'source' lacks 'offset'");
	bad("{\"source\":{\"topic\":\"t\",\"partition\":-1,\"offset\":1}}", 0,
	    "field 'source.partition' must be an integer from 0 to 2147483647");
	bad("{\"source\":{\"topic\":\"t\",\"partition\":2147483648,\"offset\":1}}", 0,
	    "field 'source.partition' must be an integer from 0 to 2147483647");
	bad("{\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":1.0}}", 0,
	    "field 'source.offset' must be a non-negative integer");
	bad("{\"source\":{\"topic\":\"\",\"partition\":1,\"offset\":1}}", 0,
	    "field 'source.topic' must be a non-empty string");
	bad("{\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":1,\"ts\":\"x\"}}", 0,
	    "field 'source.ts' is not an RFC 3339 date-time: 'x'");
	bad("{\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":1,\"key\":5}}", 0,
	    "field 'source.key' must be a string or null");
	bad("{\"source\":{\"topic\":\"t\",\"topic\":\"u\",\"partition\":1,\"offset\":1}}", 0,
	    "field 'source' has 'topic' twice");

	/* the required-fields rule */
	bad("{\"account\":\"A\",\"type\":\"fee\",\"amount\":1}", TX_PARSE_REQUIRE,
	    "missing field 'transaction_id'");
	bad("{\"transaction_id\":\"t\",\"type\":\"fee\",\"amount\":1}", TX_PARSE_REQUIRE,
	    "missing field 'account'");
	bad("{\"transaction_id\":\"t\",\"account\":\"A\",\"amount\":1}", TX_PARSE_REQUIRE,
	    "missing field 'type'");
	bad("{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"fee\"}", TX_PARSE_REQUIRE,
	    "missing field 'amount'");
	bad("{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"transfer\",\"amount\":1}",
	    TX_PARSE_REQUIRE, "missing field 'counterparty' (required for transfers)");
	ok("{\"transaction_id\":\"t\",\"account\":\"A\",\"op\":\"delete\"}", TX_PARSE_REQUIRE);
	ok("{\"transaction_id\":\"t\",\"account\":\"A\",\"op\":\"update\",\"status\":\"failed\"}",
	   TX_PARSE_REQUIRE);
	ok("{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"transfer\",\"amount\":1,"
	   "\"counterparty\":\"B\"}",
	   TX_PARSE_REQUIRE);
	ok("{\"account\":\"A\"}", 0);
}

#define E(f, v)                                                                                    \
	{                                                                                          \
		f, v, sizeof(v) - 1                                                                \
	}
#define RM(f)                                                                                      \
	{                                                                                          \
		f, NULL, 0                                                                         \
	}

static void test_write(void)
{
	const char *line = "{\"transaction_id\":\"t1\", \"big\":123456789012345678901234567890,"
			   "\"amount\":\"5.5\",\"x\":{\"k\":[1e300]}}";
	struct tx_edit e1[] = {E(TX_F_STATUS, "\"completed\""), E(TX_F_NEW_BALANCE, "10.00")};
	struct tx_edit e2[] = {E(TX_F_AMOUNT, "7.25")};
	struct tx_edit e3[] = {RM(TX_F_AMOUNT)};
	struct tx_edit e4[] = {RM(TX_F_TRANSACTION_ID)};
	struct tx_edit e5[] = {RM(TX_F_AMOUNT), RM(TX_F_TRANSACTION_ID)};
	struct tx_edit e6[] = {E(TX_F_REASON, "\"a\""), E(TX_F_REASON, "\"b\"")};
	struct tx_edit e7[] = {RM(TX_F_OP)};

	wr(line, NULL, 0, 0, line);
	wr(line, e1, 2, 0,
	   "{\"transaction_id\":\"t1\", \"big\":123456789012345678901234567890,"
	   "\"amount\":\"5.5\",\"x\":{\"k\":[1e300]},\"status\":\"completed\","
	   "\"new_balance\":10.00}");
	wr(line, e2, 1, 0,
	   "{\"transaction_id\":\"t1\", \"big\":123456789012345678901234567890,"
	   "\"amount\":7.25,\"x\":{\"k\":[1e300]}}");
	wr(line, e3, 1, 0,
	   "{\"transaction_id\":\"t1\", \"big\":123456789012345678901234567890,"
	   "\"x\":{\"k\":[1e300]}}");
	wr(line, e4, 1, 0,
	   "{\"big\":123456789012345678901234567890,\"amount\":\"5.5\",\"x\":{\"k\":[1e300]}}");
	wr(line, e5, 2, 0, "{\"big\":123456789012345678901234567890,\"x\":{\"k\":[1e300]}}");
	wr(line, e7, 1, 0, line);
	wr(line, NULL, 0, TX_WRITE_CANONICAL,
	   "{\"transaction_id\":\"t1\", \"big\":123456789012345678901234567890,"
	   "\"amount\":5.50,\"x\":{\"k\":[1e300]}}");

	wr("{}", e1, 2, 0, "{\"status\":\"completed\",\"new_balance\":10.00}");
	wr("{ }", e6, 2, 0, "{\"reason\":\"b\" }");
	wr("{\"a\":1}", e3, 1, 0, "{\"a\":1}");
	wr("{\"amount\":1}", e3, 1, 0, "{}");
	wr(" { \"amount\" : 1 } ", e3, 1, 0, " {  } ");
	wr("{\"amount\":1 , \"b\":2 }", e3, 1, 0, "{\"b\":2 }");
	wr("{\"b\":2 , \"amount\":1 }", e3, 1, 0, "{\"b\":2 }");
	wr("{\"a\":1, \"amount\":1, \"b\":2}", e3, 1, 0, "{\"a\":1, \"b\":2}");
	wr("{\"b\":2 , \"amount\":1 }", e1, 2, 0,
	   "{\"b\":2 , \"amount\":1,\"status\":\"completed\",\"new_balance\":10.00 }");
	{
		struct tx_edit both[] = {RM(TX_F_AMOUNT), E(TX_F_STATUS, "\"failed\"")};
		wr("{\"b\":2,\"amount\":1}", both, 2, 0, "{\"b\":2,\"status\":\"failed\"}");
		wr("{\"amount\":1}", both, 2, 0, "{\"status\":\"failed\"}");
	}

	/* canonical form */
	wr("{\"transaction_type\":\"Credit\",\"amount\":\"1500\",\"currency\":\"JPY\"}", NULL, 0,
	   TX_WRITE_CANONICAL, "{\"type\":\"deposit\",\"amount\":1500,\"currency\":\"JPY\"}");
	wr("{\"transaction_type\" : \"CASH_OUT\", \"amount\": 128.5}", NULL, 0, TX_WRITE_CANONICAL,
	   "{\"type\" : \"withdrawal\", \"amount\": 128.50}");
	wr("{\"amount\":1.2,\"currency\":\"KWD\",\"\\u006fp\":\"upd\\u0061te\"}", NULL, 0,
	   TX_WRITE_CANONICAL, "{\"amount\":1.200,\"currency\":\"KWD\",\"op\":\"update\"}");
	wr("{\"transaction_type\":\"Debit\",\"z\":1}", NULL, 0, 0,
	   "{\"transaction_type\":\"Debit\",\"z\":1}");
	{
		struct tx_edit ty[] = {E(TX_F_TYPE, "\"fee\"")};
		wr("{\"transaction_type\":\"Debit\",\"z\":1}", ty, 1, TX_WRITE_CANONICAL,
		   "{\"type\":\"fee\",\"z\":1}");
		wr("{\"transaction_type\":\"Debit\",\"z\":1}", ty, 1, 0,
		   "{\"transaction_type\":\"fee\",\"z\":1}");
	}
	/* unknown members keep their order and bytes, duplicates included */
	wr("{\"z\":1,\"a\":\"\\u00e9\",\"z\":2.50e+3,\"amount\":3}", e2, 1, TX_WRITE_CANONICAL,
	   "{\"z\":1,\"a\":\"\\u00e9\",\"z\":2.50e+3,\"amount\":7.25}");
}

/* The lines in tx-record(5)'s EXAMPLES mean what the page says. */
static void test_man_examples(void)
{
	static const char *const good[] = {
	    "{\"transaction_id\":\"tx-00000001\",\"account\":\"ACC00042\",\"type\":\"deposit\","
	    "\"amount\":2500.00,\"currency\":\"USD\",\"ts\":\"2026-01-05T09:00:00.000000Z\"}",
	    "{\"transaction_id\":\"tx-00000002\",\"account\":\"ACC00042\",\"type\":\"payment\","
	    "\"amount\":128.28,\"currency\":\"USD\",\"ts\":\"2026-01-05T12:31:07.250000Z\","
	    "\"merchant\":\"M0193\",\"category\":\"grocery\"}",
	    "{\"transaction_id\":\"tx-00000003\",\"account\":\"ACC00007\",\"type\":\"transfer\","
	    "\"amount\":1500,\"currency\":\"JPY\",\"counterparty\":\"ACC00042\","
	    "\"ts\":\"2026-01-05T12:40:00.000000Z\"}",
	    "{\"transaction_id\":\"tx-9\",\"account\":\"ACC00042\",\"type\":\"payment\","
	    "\"amount\":40.00,\"status\":\"pending\",\"ts\":\"2026-01-05T13:00:00.000000Z\"}",
	    "{\"transaction_id\":\"tx-9\",\"account\":\"ACC00042\",\"type\":\"payment\","
	    "\"amount\":40.00,\"op\":\"update\",\"status\":\"completed\","
	    "\"ts\":\"2026-01-05T13:00:02.000000Z\"}",
	    "{\"transaction_id\":\"tx-8\",\"account\":\"ACC00042\",\"op\":\"delete\","
	    "\"ts\":\"2026-01-05T13:05:00.000000Z\"}",
	    "{\"transaction_id\":\"T1\",\"account\":12345,\"transaction_type\":\"Debit\","
	    "\"amount\":\"19.9\"}",
	    "{\"transaction_id\":\"T1\",\"account\":12345,\"type\":\"withdrawal\",\"amount\":19.90,"
	    "\"status\":\"completed\",\"new_balance\":80.10,\"available_balance\":80.10,"
	    "\"tx_count\":2}",
	    "{\"transaction_id\":\"tx-00000002\",\"account\":\"ACC00042\",\"type\":\"payment\","
	    "\"amount\":128.28,\"source\":{\"topic\":\"transactions\",\"partition\":3,"
	    "\"offset\":12345,\"ts\":\"2026-01-05T12:31:07.301000Z\",\"key\":\"ACC00042\"}}",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(good[i], TX_PARSE_REQUIRE);
	CHECK_EQ_INT(rec.source.offset, 12345, "the txsub example's offset");
	wr(good[6], NULL, 0, TX_WRITE_CANONICAL,
	   "{\"transaction_id\":\"T1\",\"account\":12345,\"type\":\"withdrawal\",\"amount\":19."
	   "90}");
	bad("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1.505}",
	    TX_PARSE_REQUIRE, "field 'amount' has more than 2 decimals for its currency");
	bad("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1e3}",
	    TX_PARSE_REQUIRE, "field 'amount' uses exponent notation: '1e3'");
	bad("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"gift\",\"amount\":1}",
	    TX_PARSE_REQUIRE, "field 'type' is not a known type: 'gift'");
	bad("{\"transaction_id\":\"x\" \"account\":\"A\"}", TX_PARSE_REQUIRE,
	    "invalid JSON at byte 23: expected ',' or '}'");
	bad("{\"currency\":\"XYZ\"}", 0, "field 'currency' is not a known ISO 4217 code: 'XYZ'");
}

/* Pointers handed out stay valid; the less common paths. */
static void test_more(void)
{
	struct tx_edit amt[] = {E(TX_F_AMOUNT, "7.25")};
	struct tx_edit st[] = {E(TX_F_STATUS, "\"x\"")};
	struct tx_edit first_last[] = {E(TX_F_TRANSACTION_ID, "\"t2\""), RM(TX_F_STATUS)};
	struct tx_str id, t1, t2;
	static char longkey[2048];
	size_t n;

	ok("{\"transaction_id\":\"a\\u0062c\",\"note\":\"x\\ny\",\"k\":\"\\u00e9\"}", 0);
	id = rec.id;
	t1 = tx_record_text(&rec, 1);
	t2 = tx_record_text(&rec, 2);
	CHECK_EQ_STR(S(tx_record_text(&rec, 1)), "x\ny", "text of an escaped value, twice");
	CHECK_EQ_STR(S(id), "abc", "the id stays valid after tx_record_text");
	CHECK_EQ_STR(S(t1), "x\ny", "earlier text stays valid");
	CHECK_EQ_STR(S(t2), "\xc3\xa9", "text of a \\u escape");
	CHECK_EQ_STR(S(tx_record_text(&rec, 0)), "abc", "text of the id");

	/* a key longer than any buffer, with escapes */
	n = (size_t)snprintf(longkey, sizeof(longkey), "{\"");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(longkey + n, sizeof(longkey) - n, "\\u0041");
	n += (size_t)snprintf(longkey + n, sizeof(longkey) - n, "\":1,\"account\":\"A\"}");
	ok(longkey, 0);
	{
		char name[301];
		memset(name, 'A', 300);
		name[300] = '\0';
		CHECK_EQ_INT(tx_record_find(&rec, name, 300), 0, "find a long escaped key");
		CHECK_EQ_INT(tx_record_find(&rec, name, 299), -1, "a prefix is not the key");
	}

	wr("{\"amount\":5}", NULL, 0, TX_WRITE_CANONICAL, "{\"amount\":5.00}");
	wr("{\"amount\":1500.0,\"currency\":\"JPY\"}", NULL, 0, TX_WRITE_CANONICAL,
	   "{\"amount\":1500,\"currency\":\"JPY\"}");
	wr("{\"amount\":\"\\u0031.5\"}", NULL, 0, TX_WRITE_CANONICAL, "{\"amount\":1.50}");
	wr("{\"amount\":0.1,\"currency\":\"BHD\"}", NULL, 0, TX_WRITE_CANONICAL,
	   "{\"amount\":0.100,\"currency\":\"BHD\"}");
	wr("{\"account\":12345,\"currency\":\"\\u0045UR\",\"status\":\"pending\"}", NULL, 0,
	   TX_WRITE_CANONICAL, "{\"account\":12345,\"currency\":\"EUR\",\"status\":\"pending\"}");
	wr("{\"amount\" : 1 , \"b\":2}", amt, 1, 0, "{\"amount\" : 7.25 , \"b\":2}");
	wr("{\"a\":1}\r", NULL, 0, 0, "{\"a\":1}\r");
	wr("  {  }  ", st, 1, 0, "  {\"status\":\"x\"  }  ");
	wr("{\"transaction_id\":\"t1\",\"a\":[1,2],\"status\":\"pending\"}", first_last, 2, 0,
	   "{\"transaction_id\":\"t2\",\"a\":[1,2]}");
	wr("{\"status\":\"pending\",\"transaction_id\":\"t1\"}", first_last, 2, 0,
	   "{\"transaction_id\":\"t2\"}");
	{
		/* an edit of a field that is not there yet, removed by a later edit */
		struct tx_edit add_rm[] = {E(TX_F_REASON, "\"r\""), RM(TX_F_REASON)};
		wr("{\"a\":1}", add_rm, 2, 0, "{\"a\":1}");
	}
	{
		/* output appends to what the buffer holds */
		struct tx_buf out = TX_BUF_INIT;
		tx_buf_adds(&out, "prefix ");
		parse("{\"a\":1}", 0);
		tx_record_write(&out, &rec, NULL, 0, 0);
		CHECK_EQ_STR(out.p, "prefix {\"a\":1}", "write appends to the buffer");
		tx_buf_release(&out);
	}
	/* a line with an embedded NUL is not a record */
	CHECK(tx_record_parse(&rec, "{\"a\":1}\0", 8, 0) == -1 &&
		  !strcmp(rec.err, "invalid JSON at byte 8: unexpected text after the object"),
	      "a NUL after the object");
	CHECK(tx_record_parse(&rec, "{\"a\":\"\0\"}", 9, 0) == -1 &&
		  !strcmp(rec.err, "invalid JSON at byte 7: control character in string"),
	      "a NUL in a string");
}

static void test_json_api(void)
{
	struct tx_json_err e;
	char buf[32];
	size_t n;

	CHECK(tx_json_validate("[1, \"a\", null]", 14, &e) == 0, "validate an array");
	CHECK(tx_json_validate(" 12 ", 4, &e) == 0, "validate a number");
	CHECK(tx_json_validate("1 2", 3, &e) == -1 &&
		  !strcmp(e.what, "unexpected text after the value"),
	      "validate refuses two values");
	n = tx_json_unescape(buf, "a\\tb\\u20ac", 10);
	CHECK(n == 6 && !memcmp(buf, "a\tb\xe2\x82\xac", 6), "unescape");
}

/*
 * The fast paths: keys guessed from the records before (by position), the
 * usual values decoded as they are scanned, the writer's canonical marks.
 * Each case follows a record that trains the guesses, so that the next
 * record's differences land where a guess is wrong.
 */
static void test_fast_paths(void)
{
	static const char *train =
	    "{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	    "\"amount\":12.34,"
	    "\"currency\":\"USD\",\"ts\":\"2026-01-01T00:00:00.000001Z\",\"status\":\"completed\"}";
	static const struct tx_edit st[] = {{TX_F_STATUS, "\"failed\"", 8}};
	int64_t ts;

	ok(train, TX_PARSE_REQUIRE);
	ok(train, TX_PARSE_REQUIRE);
	CHECK_EQ_STR(S(rec.id), "tx-1", "guessed keys: id");
	CHECK_EQ_INT(rec.amount, 1234, "guessed keys: amount");
	CHECK_EQ_INT(rec.ts_us, 1767225600000001LL, "guessed keys: ts");
	CHECK_EQ_INT(rec.status, TX_STATUS_COMPLETED, "guessed keys: status");

	/* a key that shares the guess's first bytes, or is the guess with an escape */
	ok(train, TX_PARSE_REQUIRE);
	ok("{\"transaction_idx\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"deposit\",\"amount\":1}",
	   0);
	CHECK_EQ_INT(rec.idx[TX_F_TRANSACTION_ID], -1, "a longer key is not the guess");
	CHECK(tx_record_find(&rec, "transaction_idx", 15) == 0, "the longer key is kept as is");
	ok(train, TX_PARSE_REQUIRE);
	ok("{\"transaction_i\\u0064\":\"tx-2\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1}",
	   TX_PARSE_REQUIRE);
	CHECK_EQ_STR(S(rec.id), "tx-2", "an escaped key at a guessed position");
	ok(train, TX_PARSE_REQUIRE);
	ok("{\"transaction_id\" :\"tx-3\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1}",
	   TX_PARSE_REQUIRE);
	CHECK_EQ_STR(S(rec.id), "tx-3", "whitespace before ':' at a guessed position");

	/* values the fast paths leave to the general ones, with their messages */
	ok(train, TX_PARSE_REQUIRE);
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	    "\"amount\":12.345,"
	    "\"currency\":\"USD\"}",
	    TX_PARSE_REQUIRE, "field 'amount' has more than 2 decimals for its currency");
	ok(train, TX_PARSE_REQUIRE);
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	    "\"amount\":12.34,"
	    "\"currency\":\"JPY\"}",
	    TX_PARSE_REQUIRE, "field 'amount' has decimals, but its currency has none");
	ok(train, TX_PARSE_REQUIRE);
	ok("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	   "\"amount\":12.34,"
	   "\"currency\":\"KWD\"}",
	   TX_PARSE_REQUIRE);
	CHECK_EQ_INT(rec.amount, 12340, "two decimals for a currency with three");
	ok(train, TX_PARSE_REQUIRE);
	ok("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":0.05,"
	   "\"currency\":\"USD\"}",
	   TX_PARSE_REQUIRE);
	CHECK_EQ_INT(rec.amount, 5, "0.05");
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":01."
	    "05}",
	    TX_PARSE_REQUIRE, "invalid JSON at byte 69: invalid number (leading zero)");
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":1."
	    "05e2}",
	    TX_PARSE_REQUIRE, "field 'amount' uses exponent notation: '1.05e2'");
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":1.}",
	    TX_PARSE_REQUIRE, "invalid JSON at byte 69: invalid number");
	ok("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	   "\"amount\":123456789012345.67}",
	   TX_PARSE_REQUIRE);
	CHECK_EQ_INT(rec.amount, 12345678901234567LL, "the longest amount decoded as scanned");
	ok("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	   "\"amount\":1234567890123456.78}",
	   TX_PARSE_REQUIRE);
	CHECK_EQ_INT(rec.amount, 123456789012345678LL, "one digit more: the general path");
	ok(train, TX_PARSE_REQUIRE);
	bad("{\"transaction_id\":\"\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":1}",
	    TX_PARSE_REQUIRE, "field 'transaction_id' is empty");
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"Payment\",\"amount\":1,"
	    "\"currency\":\"usd\"}",
	    TX_PARSE_REQUIRE, "field 'currency' is not a known ISO 4217 code: 'usd'");
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":1,"
	    "\"currency\":\"XXX\"}",
	    TX_PARSE_REQUIRE, "field 'currency' is not a known ISO 4217 code: 'XXX'");
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":1,"
	    "\"ts\":\"2026-02-30T00:00:00.000000Z\"}",
	    TX_PARSE_REQUIRE,
	    "field 'ts' is not an RFC 3339 date-time: '2026-02-30T00:00:00.000000Z'");
	ok("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":1,"
	   "\"ts\":\"2026-01-01T01:00:00.000000+01:00\",\"status\":\"pend\\u0069ng\"}",
	   TX_PARSE_REQUIRE);
	CHECK(tx_time_parse("2026-01-01T00:00:00Z", 20, &ts) == 0 && rec.ts_us == ts,
	      "a timestamp with an offset");
	CHECK_EQ_INT(rec.status, TX_STATUS_PENDING, "an escaped status");
	bad("{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\",\"amount\":1,"
	    "\"status\":\"completed\",\"status\":\"failed\"}",
	    TX_PARSE_REQUIRE, "field 'status' appears twice");

	/* canonical writing after decoded and general values */
	ok(train, TX_PARSE_REQUIRE);
	wr("{\"transaction_id\":\"t\",\"type\":\"Payment\",\"amount\":12.3,"
	   "\"status\":\"completed\"}",
	   st, 1, TX_WRITE_CANONICAL,
	   "{\"transaction_id\":\"t\",\"type\":\"payment\",\"amount\":12.30,"
	   "\"status\":\"failed\"}");
	wr(train, st, 1, TX_WRITE_CANONICAL,
	   "{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	   "\"amount\":12.34,\"currency\":\"USD\",\"ts\":\"2026-01-01T00:00:00.000001Z\","
	   "\"status\":\"failed\"}");
	/* an amount decoded with two decimals, for a currency with three */
	wr("{\"transaction_id\":\"t\",\"amount\":12.34,\"currency\":\"KWD\"}", NULL, 0,
	   TX_WRITE_CANONICAL, "{\"transaction_id\":\"t\",\"amount\":12.340,\"currency\":\"KWD\"}");
	/* with TX_PARSE_JSON_ONLY nothing is marked canonical: the writer looks at every field */
	CHECK(tx_record_parse(&rec, "{\"transaction_type\":\"Credit\",\"amount\":5}", 40,
			      TX_PARSE_JSON_ONLY) == 0 &&
		  rec.ncanonical == 0 && rec.nknown == 2,
	      "a JSON-only parse marks nothing canonical");
}

/*
 * What the parse remembers from record to record (the shapes of keys, the
 * guesses, the last date) must never show in its results: the same record
 * after different ones, in either mode, a guess that missed once or twice.
 */
static void test_memory(void)
{
	static const char *tr =
	    "{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1.00}";
	static const char *twice = "{\"transaction_id\":\"t\",\"amount\":1.00,\"amount\":2.00}";

	/* one shape, worked out by a full parse, then used by a JSON-only one */
	ok(tr, TX_PARSE_REQUIRE);
	ok(tr, TX_PARSE_REQUIRE);
	CHECK(rec.nknown == 4 && rec.ncanonical == 4, "a full parse counts canonical members");
	ok(tr, TX_PARSE_JSON_ONLY);
	CHECK(rec.nknown == 4 && rec.ncanonical == 0, "the same shape, JSON-only: none canonical");
	ok(tr, TX_PARSE_REQUIRE);
	CHECK(rec.nknown == 4 && rec.ncanonical == 4, "and full again");

	/* a repeated field in a shape seen before */
	for (int i = 0; i < 3; i++) {
		bad(twice, 0, "field 'amount' appears twice");
		CHECK(tx_record_parse(&rec, twice, strlen(twice), TX_PARSE_JSON_ONLY) == 0 &&
			  rec.repeated && rec.idx[TX_F_AMOUNT] == 1 && rec.nknown == 3,
		      "a repeated field, JSON-only, shape known");
	}
	ok(tr, 0);
	CHECK(!rec.repeated, "no repeat after one");

	/* a key unlike its guess once, twice, then back */
	ok(tr, 0);
	ok("{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"fee\",\"currency\":\"EUR\"}", 0);
	CHECK(rec.idx[TX_F_CURRENCY] == 3 && rec.idx[TX_F_AMOUNT] == -1, "a key missed once");
	ok("{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"fee\",\"currency\":\"EUR\"}", 0);
	CHECK(rec.idx[TX_F_CURRENCY] == 3 && rec.idx[TX_F_AMOUNT] == -1, "a key missed twice");
	ok(tr, 0);
	CHECK(rec.idx[TX_F_CURRENCY] == -1 && rec.idx[TX_F_AMOUNT] == 3 && rec.amount == 100,
	      "and back");

	/* a failed parse indexes the members before the error */
	ok(tr, 0);
	bad("{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":x}", 0,
	    "invalid JSON at byte 44: expected a value");
	CHECK(rec.nmembers == 2 && rec.idx[TX_F_ACCOUNT] == 1 && rec.idx[TX_F_TYPE] == -1 &&
		  rec.idx[TX_F_AMOUNT] == -1,
	      "members before a JSON error");
	bad("", 0, "empty line");
	CHECK(rec.nmembers == 0 && rec.idx[TX_F_TRANSACTION_ID] == -1,
	      "an empty line indexes none");

	/*
	 * Records that end in different ways (txsub's "source" after 3, 4 or 5
	 * members, a repeated field, an alias, an escaped key, members past the
	 * guessed positions) in turns, each parse compared with the reference
	 * (every fast path off): the members before the first key that missed
	 * its guess come from a shape known, the rest are worked out.
	 */
	static const char *const ends[] = {
	    "\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2}}",
	    "\"merchant\":\"m\",\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":3}}",
	    "\"counterparty\":\"B\",\"x\":1,\"source\":{\"topic\":\"t\",\"partition\":1,"
	    "\"offset\":4}}",
	    "\"merchant\":\"m\",\"amount\":2.00}",
	    "\"transaction_type\":\"fee\",\"status\":\"failed\"}",
	    "\"st\\u0061tus\":\"failed\",\"merchant\":\"m\"}",
	    "\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10,"
	    "\"k\":11,\"l\":12,\"m\":13,\"status\":\"failed\"}",
	    "\"status\":\"pending\"}",
	};
	struct tx_record ref;
	unsigned saved = tx_fast, seed = 1;
	int same = 1, accepted = 0;
	char line[400];

	tx_record_init(&ref);
	for (int k = 0; k < 400; k++) {
		seed = seed * 1103515245u + 12345u;
		const char *e = ends[(seed >> 16) % (sizeof(ends) / sizeof(ends[0]))];
		unsigned flags = k % 5 == 4 ? TX_PARSE_JSON_ONLY : 0;
		snprintf(line, sizeof(line),
			 "{\"transaction_id\":\"t%d\",\"account\":\"A\",\"type\":\"fee\","
			 "\"amount\":1.00,%s",
			 k, e);
		tx_fast = TX_FAST_ALL;
		int a = tx_record_parse(&rec, line, strlen(line), flags);
		tx_fast = 0;
		int b = tx_record_parse(&ref, line, strlen(line), flags);
		tx_fast = saved;
		accepted += a == 0;
		if (a != b || strcmp(rec.err, ref.err) || rec.nmembers != ref.nmembers ||
		    memcmp(rec.idx, ref.idx, sizeof(rec.idx)) || rec.nknown != ref.nknown ||
		    rec.ncanonical != ref.ncanonical || rec.repeated != ref.repeated ||
		    rec.has_source != ref.has_source)
			same = 0;
	}
	tx_record_release(&ref);
	CHECK(same, "records ending in turns: the index of the reference parse");
	CHECK(accepted > 200 && accepted < 400, "... records both accepted and refused");
}

/* Values near the end of the line, and the digit paths of amounts and timestamps. */
static void test_value_edges(void)
{
	static const char *pre = "{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"fee\",";
	char line[300];
	int64_t ts;

	/* strings that end within the last 16 bytes of the line */
	ok("{\"a\":\"bcdefghijklmn\"}", 0);
	CHECK(rec.members[0].val_len == 15, "a string in the last 16 bytes");
	bad("{\"a\":\"bcdefghijk\tmn\"}", 0,
	    "invalid JSON at byte 17: control character in string");
	bad("{\"a\":\"bcdefghijklmn}", 0, "invalid JSON at byte 6: unterminated string");
	ok("{\"a\":\"bcdefghijk\\\"mn\"}", 0);
	CHECK(rec.members[0].flags & TX_MEMBER_VAL_ESCAPED, "an escape in the last 16 bytes");
	ok("{\"\\t\":\"\\u00e9\"}", 0); /* shorter than 16 bytes in all */
	CHECK(tx_record_find(&rec, "\t", 1) == 0, "a line shorter than 16 bytes");

	/* amounts: 1 to 7 integer digits at once, 8 and more one by one, at the very end */
	static const struct {
		const char *text;
		int64_t want;
	} amounts[] = {
	    {"0.00", 0},
	    {"7.05", 705},
	    {"1234567.89", 123456789},
	    {"12345678.90", 1234567890},
	    {"90.10", 9010},
	    {"100.00", 10000},
	};
	for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		snprintf(line, sizeof(line), "%s\"amount\":%s}", pre, amounts[i].text);
		ok(line, TX_PARSE_REQUIRE);
		CHECK_EQ_INT(rec.amount, amounts[i].want, amounts[i].text);
		snprintf(line, sizeof(line), "%s\"amount\":%s,\"x\":1}", pre, amounts[i].text);
		ok(line, TX_PARSE_REQUIRE);
		CHECK_EQ_INT(rec.amount, amounts[i].want, amounts[i].text);
	}
	snprintf(line, sizeof(line), "%s\"amount\":00.10}", pre);
	bad(line, TX_PARSE_REQUIRE, "invalid JSON at byte 59: invalid number (leading zero)");
	snprintf(line, sizeof(line), "%s\"amount\":-1.00}", pre);
	bad(line, TX_PARSE_REQUIRE, "field 'amount' is negative");

	/* timestamps in txkit's form, and ones that only look like it */
	snprintf(line, sizeof(line), "%s\"amount\":1,\"ts\":\"2026-03-01T23:59:59.999999Z\"}", pre);
	ok(line, TX_PARSE_REQUIRE);
	CHECK(tx_time_parse("2026-03-01T23:59:59.999999Z", 27, &ts) == 0 && rec.ts_us == ts &&
		  ts == 1772409599999999LL,
	      "the last microsecond of a day");
	snprintf(line, sizeof(line), "%s\"amount\":1,\"ts\":\"2026-03-01t23:59:59.999999z\"}", pre);
	ok(line, TX_PARSE_REQUIRE);
	CHECK_EQ_INT(rec.ts_us, 1772409599999999LL, "lower-case t and z");
	static const char *wrong[] = {
	    "2026-03-01T24:00:00.000000Z", "2026-03-01T23:60:00.000000Z",
	    "2026-03-01T23:59:60.000000Z", "2026-03-01T23;59:59.999999Z",
	    "2026-03-01T23:59:59,999999Z", "2026-03-01T23:59:59.99999AZ",
	    "2026-03-01T23:59:59.999999Y", "2026-03-01T2:159:59.999999Z",
	};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		char want[200];
		snprintf(line, sizeof(line), "%s\"amount\":1,\"ts\":\"%s\"}", pre, wrong[i]);
		snprintf(want, sizeof(want), "field 'ts' is not an RFC 3339 date-time: '%s'",
			 wrong[i]);
		bad(line, TX_PARSE_REQUIRE, want);
		CHECK(tx_time_parse(wrong[i], 27, &ts) == -1, wrong[i]);
	}
}

/*
 * Parsers (record.h): records sharing one in turn, and a record with its
 * own, parse a stream of mixed shapes alike, line for line; a shared one
 * outlives its records.
 */
static void test_parsers(void)
{
	static const char *const lines[] = {
	    "{\"transaction_id\":\"a1\",\"account\":\"x\",\"type\":\"deposit\",\"amount\":1.50,"
	    "\"ts\":\"2026-01-31T23:59:59.123456Z\"}",
	    "{\"transaction_id\":\"a2\",\"account\":\"y\",\"type\":\"transfer\",\"amount\":2,"
	    "\"counterparty\":\"x\",\"currency\":\"JPY\",\"ts\":\"2026-01-31T01:00:00Z\"}",
	    "{\"account\":\"x\",\"transaction_id\":\"a3\",\"type\":\"fee\",\"amount\":0.01}",
	    "{\"transaction_id\":\"a4\",\"account\":\"x\",\"type\":\"deposit\",\"amount\":1.5,"
	    "\"ts\":\"2026-02-30T00:00:00.000000Z\"}",
	};
	struct tx_parser *ps = tx_parser_new();
	struct tx_record shared[2], own;
	int same = 1, n = 0;

	tx_record_init(&own);
	for (int i = 0; i < 2; i++) {
		tx_record_init(&shared[i]);
		tx_record_use_parser(&shared[i], ps);
	}
	for (int k = 0; k < 40; k++) {
		const char *l = lines[(k * 7 / 3) % 4];
		struct tx_record *r = &shared[k % 2];
		int a = tx_record_parse(r, l, strlen(l), TX_PARSE_REQUIRE);
		int b = tx_record_parse(&own, l, strlen(l), TX_PARSE_REQUIRE);
		n += a == 0;
		if (a != b || strcmp(r->err, own.err) || r->nmembers != own.nmembers ||
		    memcmp(r->idx, own.idx, sizeof(r->idx)) || r->amount != own.amount ||
		    r->currency != own.currency || (a == 0 && r->ts_us != own.ts_us))
			same = 0;
	}
	CHECK(same, "a shared parser and a record's own parse alike");
	CHECK(n > 20 && n < 40, "... lines both accepted and refused");
	tx_record_release(&shared[0]);
	tx_record_release(&shared[1]);
	tx_record_release(&own);
	CHECK(tx_record_parse(&own, lines[0], strlen(lines[0]), TX_PARSE_REQUIRE) == 0,
	      "a released record parses again (a new parser of its own)");
	tx_record_release(&own);
	tx_parser_free(ps);
}

/*
 * tx_record_splice_member() (txsub's "source"), without a parse: the bytes
 * tx_record_write() writes for the same edit of the parsed line.
 */
static void test_splice_member(void)
{
	static const char *const lines[] = {
	    "{\"a\":1}",
	    "{ \"a\" : [1, {\"}\":2}] \t}",
	    "{}",
	    "{ \n }",
	    "{\"a\":\"}\"}  ",
	    "{\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":1},\"b\":2}",
	    "{\"b\":2, \"source\" : {\"topic\":\"t\",\"partition\":0,\"offset\":1} }",
	};
	const char *src = "{\"topic\":\"u\",\"partition\":3,\"offset\":42}";
	struct tx_edit ed = {TX_F_SOURCE, src, strlen(src)};
	struct tx_buf a = TX_BUF_INIT, b = TX_BUF_INIT;
	char what[200];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *at = NULL, *at_end = NULL;
		if (parse(lines[i], 0)) {
			unit_report(0, "parse before splice", __FILE__, __LINE__);
			continue;
		}
		if (rec.idx[TX_F_SOURCE] >= 0) {
			struct tx_str v = tx_record_raw(&rec, rec.idx[TX_F_SOURCE]);
			at = v.p;
			at_end = v.p + v.len;
		}
		tx_buf_reset(&a);
		tx_buf_reset(&b);
		tx_buf_adds(&a, "x");
		tx_buf_adds(&b, "x");
		tx_record_splice_member(&a, lines[i], strlen(lines[i]), at, at_end, TX_F_SOURCE,
					src, strlen(src));
		tx_record_write(&b, &rec, &ed, 1, 0);
		snprintf(what, sizeof(what), "splice source into %.100s", lines[i]);
		CHECK_EQ_STR(a.p, b.p, what);
	}
	tx_buf_release(&a);
	tx_buf_release(&b);
}

/*
 * The codec's append-only writer (what txbal writes with): the bytes of
 * tx_record_write() with the same edits, and its ,"name": table.
 */
static void test_append(void)
{
	const char *line = "{\"transaction_id\":\"t1\",\"status\":\"pending\",\"x\":[1] , "
			   "\"account\":\"A\",\"amount\":5.50} ";
	struct tx_edit set = E(TX_F_STATUS, "\"failed\"");
	struct tx_edit ed[] = {E(TX_F_REASON, "\"r\""), E(TX_F_STATUS, "\"failed\""),
			       E(TX_F_COUNTERPARTY_BALANCE, "-1.00")};
	const char *want = "{\"transaction_id\":\"t1\",\"status\":\"failed\",\"x\":[1] , "
			   "\"account\":\"A\",\"amount\":5.50,\"reason\":\"r\","
			   "\"counterparty_balance\":-1.00} ";
	struct tx_buf out = TX_BUF_INIT;
	unsigned fast = tx_fast;
	char *w;
	int f, heads = 1;

	for (f = 0; f < TX_F__COUNT; f++) {
		const char *h = tx_record_member_head[f];
		heads &=
		    strlen(h) == tx_record_member_head_len[f] &&
		    tx_record_member_head_len[f] == strlen(tx_field_name((enum tx_field)f)) + 4 &&
		    !strncmp(h + 2, tx_field_name((enum tx_field)f), strlen(h) - 4) &&
		    tx_record_member_head_len[f] <= TX_RECORD_HEAD_COPY;
	}
	CHECK(heads, "each field's ,\"name\": and its length");
	if (parse(line, 0)) {
		unit_report(0, "parse before append", __FILE__, __LINE__);
		return;
	}
	tx_fast |= TX_FAST_PLAIN; /* whatever TX_REFERENCE says: this tests the writer */
	CHECK(tx_record_append_ok(&rec, TX_WRITE_CANONICAL),
	      "a canonical record can be appended to");
	tx_buf_adds(&out, "x");
	w = tx_record_append_begin(&out, &rec, 64, &set, 1);
	w = tx_record_put_member(w, TX_F_REASON);
	memcpy(w, "\"r\"", 3);
	w += 3;
	w = tx_record_put_member(w, TX_F_COUNTERPARTY_BALANCE);
	memcpy(w, "-1.00", 5);
	w += 5;
	w = tx_record_append_end(&rec, w);
	*w = '\0';
	out.len = (size_t)(w - out.p);
	CHECK_EQ_STR(out.p + 1, want, "the append-only writer");
	wr(line, ed, 3, TX_WRITE_CANONICAL, want);
	tx_buf_release(&out);

	tx_fast &= ~(unsigned)TX_FAST_PLAIN;
	CHECK(!tx_record_append_ok(&rec, 0), "TX_REFERENCE=plain: not appended to");
	tx_fast |= TX_FAST_PLAIN;
	parse("{\"transaction_type\":\"fee\"}", 0);
	CHECK(!tx_record_append_ok(&rec, TX_WRITE_CANONICAL) && tx_record_append_ok(&rec, 0),
	      "an alias name: appended to only when not written in canonical form");
	parse("{}", 0);
	CHECK(!tx_record_append_ok(&rec, 0), "no member: not appended to");
	tx_fast = fast;
	test_splice_member();
}

/*
 * txsub's "source" member: decoded in the scan when it has txsub's form
 * (fast_source() in record.c), by parse_source() otherwise. Each line is
 * parsed with every fast path on, after a txsub record that trains the
 * guesses and the date caches, and again with the inline decoders off
 * (TX_REFERENCE=value) and with every fast path off: the same verdict,
 * message and source, whatever TX_REFERENCE this test runs under.
 */
static int same_str(struct tx_str a, struct tx_str b)
{
	return a.len == b.len && (a.p == NULL) == (b.p == NULL) &&
	       (!a.len || !memcmp(a.p, b.p, a.len));
}

static void source_both(const char *tail, const char *want_err)
{
	static const char *train =
	    "{\"transaction_id\":\"tx-1\",\"account\":\"ACC1\",\"type\":\"payment\","
	    "\"amount\":12.34,\"currency\":\"USD\",\"ts\":\"2026-01-01T00:00:00.000001Z\","
	    "\"status\":\"completed\",\"source\":{\"topic\":\"transactions\",\"partition\":67,"
	    "\"offset\":0,\"ts\":\"2026-12-07T06:03:30.190000Z\",\"key\":\"ACC1\","
	    "\"cluster\":\"mockCluster156674b408b8\"}}";
	static const unsigned modes[] = {TX_FAST_ALL & ~(unsigned)TX_FAST_VALUE, 0};
	static struct tx_record fast, ref;
	static int ready;
	unsigned saved = tx_fast;
	char line[600], what[700];
	int rc, ok_all = 1;

	if (!ready) {
		tx_record_init(&fast);
		tx_record_init(&ref);
		ready = 1;
	}
	snprintf(line, sizeof(line),
		 "{\"transaction_id\":\"tx-2\",\"account\":\"ACC2\",\"type\":\"deposit\","
		 "\"amount\":1.50,\"currency\":\"USD\",\"ts\":\"2026-01-02T00:00:00.000001Z\","
		 "\"status\":\"completed\",%s",
		 tail);
	tx_fast = TX_FAST_ALL;
	tx_record_parse(&fast, train, strlen(train), TX_PARSE_REQUIRE);
	rc = tx_record_parse(&fast, line, strlen(line), TX_PARSE_REQUIRE);
	snprintf(what, sizeof(what), "source %.300s: %s", tail, want_err ? want_err : "accepted");
	unit_report(want_err ? rc == -1 && !strcmp(fast.err, want_err) : rc == 0, what, __FILE__,
		    __LINE__);
	if (want_err ? rc != -1 || strcmp(fast.err, want_err) : rc != 0)
		printf("#   got rc %d, error '%s'\n", rc, fast.err);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const struct tx_source *a = &fast.source, *b = &ref.source;
		tx_fast = modes[i];
		tx_record_parse(&ref, train, strlen(train), TX_PARSE_REQUIRE);
		int ref_rc = tx_record_parse(&ref, line, strlen(line), TX_PARSE_REQUIRE);
		if (ref_rc != rc || strcmp(ref.err, fast.err) ||
		    ref.has_source != fast.has_source ||
		    (fast.has_source &&
		     (!same_str(a->topic, b->topic) || a->partition != b->partition ||
		      a->offset != b->offset || a->ts_us != b->ts_us || !same_str(a->key, b->key) ||
		      !same_str(a->cluster, b->cluster))))
			ok_all = 0;
	}
	tx_fast = saved;
	snprintf(what, sizeof(what), "source %.300s: the same with TX_REFERENCE=value and =all",
		 tail);
	unit_report(ok_all, what, __FILE__, __LINE__);
}

static void test_source_fast(void)
{
	const char *src = "\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":";
	char tail[300];

	/* txsub's form, whole and in part */
	source_both("\"source\":{\"topic\":\"transactions\",\"partition\":3,\"offset\":12345,"
		    "\"ts\":\"2026-12-07T06:03:30.190000Z\",\"key\":\"ACC2\","
		    "\"cluster\":\"mockCluster156674b408b8\"}}",
		    NULL);
	{
		struct tx_record r;
		const char *l =
		    "{\"transaction_id\":\"t\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1,"
		    "\"ts\":\"2026-01-01T00:00:00.000000Z\",\"source\":{\"topic\":\"tx\","
		    "\"partition\":2147483647,\"offset\":9223372036854775807,"
		    "\"ts\":\"2026-01-02T00:00:00.000001Z\",\"key\":\"A\",\"cluster\":\"c\"}}";
		unsigned saved = tx_fast;
		tx_fast = TX_FAST_ALL;
		tx_record_init(&r);
		for (int i = 0; i < 3; i++) /* the guesses and date caches trained */
			CHECK(tx_record_parse(&r, l, strlen(l), TX_PARSE_REQUIRE) == 0,
			      "a txsub record parses");
		CHECK(r.has_source, "it has a source");
		CHECK_EQ_STR(S(r.source.topic), "tx", "source topic");
		CHECK_EQ_INT(r.source.partition, 2147483647, "the largest partition");
		CHECK(r.source.offset == INT64_MAX, "the largest offset");
		CHECK_EQ_INT(r.source.ts_us, 1767312000000001LL, "source ts, its own day");
		CHECK_EQ_INT(r.ts_us, 1767225600000000LL, "the record's ts, another day");
		CHECK_EQ_STR(S(r.source.key), "A", "source key");
		CHECK_EQ_STR(S(r.source.cluster), "c", "source cluster");
		tx_record_release(&r);
		tx_fast = saved;
	}
	source_both("\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":0}}", NULL);
	source_both("\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"key\":null}}",
		    NULL);
	source_both("\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"key\":\"\"}}",
		    NULL);
	source_both("\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":0,"
		    "\"ts\":\"2026-01-01T00:00:00Z\",\"cluster\":\"c\"}}",
		    NULL);
	source_both("\"source\":{\"topic\":\"t\\u00e9\xc3\xa9\",\"partition\":1,\"offset\":2}}",
		    NULL);
	source_both("\"source\":{\"topic\":\"t\xc3\xa9\",\"partition\":1,\"offset\":2}}", NULL);
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2},\"x\":1}", NULL);
	source_both("\"source\" : { \"topic\" : \"t\" , \"partition\":1,\"offset\":2 } }", NULL);
	/* other orders and members: parse_source() takes them */
	source_both("\"source\":{\"partition\":1,\"topic\":\"t\",\"offset\":2}}", NULL);
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2,\"x\":[1]}}", NULL);
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2,\"cluster\":\"c\","
		    "\"key\":\"k\"}}",
		    NULL);
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2,\"ts\":\"2026-01-01T"
		    "00:00:00.000000+01:00\"}}",
		    NULL);
	/* what parse_source() refuses, with its message */
	source_both("\"source\":{\"topic\":\"\",\"partition\":1,\"offset\":2}}",
		    "field 'source.topic' must be a non-empty string");
	source_both("\"source\":{\"topic\":\"t\",\"partition\":2147483648,\"offset\":2}}",
		    "field 'source.partition' must be an integer from 0 to 2147483647");
	source_both("\"source\":{\"topic\":\"t\",\"partition\":-1,\"offset\":2}}",
		    "field 'source.partition' must be an integer from 0 to 2147483647");
	static const char *const offsets[] = {"9223372036854775808",
					      "10000000000000000000",
					      "99999999999999999999",
					      "1.0",
					      "1e3",
					      "-1",
					      "\"1\""};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		snprintf(tail, sizeof(tail), "%s%s}}", src, offsets[i]);
		source_both(tail, "field 'source.offset' must be a non-negative integer");
	}
	source_both("\"source\":{\"topic\":\"t\",\"partition\":01,\"offset\":2}}",
		    "invalid JSON at byte 181: invalid number (leading zero)");
	source_both(
	    "\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2,\"ts\":\"2026-02-30T"
	    "00:00:00.000000Z\"}}",
	    "field 'source.ts' is not an RFC 3339 date-time: '2026-02-30T00:00:00.000000Z'");
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2,\"key\":5}}",
		    "field 'source.key' must be a string or null");
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2,\"cluster\":\"\"}}",
		    "field 'source.cluster' must be a non-empty string");
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1}}",
		    "field 'source' lacks 'offset'");
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2,\"topic\":\"u\"}}",
		    "field 'source' has 'topic' twice");
	source_both("\"source\":[]}", "field 'source' must be an object");
	source_both("\"source\":{\"topic\":\"t\xff\",\"partition\":1,\"offset\":2}}",
		    "invalid JSON at byte 167: invalid UTF-8 in string");
	source_both("\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2",
		    "invalid JSON at byte 193: expected ',' or '}'");
	/* cut anywhere in txsub's form: the general scan's verdict */
	{
		const char *whole = "\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":23,"
				    "\"ts\":\"2026-12-07T06:03:30.190000Z\",\"key\":null,"
				    "\"cluster\":\"c\"}}";
		int all = 1;
		for (size_t n = 10; n < strlen(whole); n++) {
			snprintf(tail, sizeof(tail), "%.*s", (int)n, whole);
			unsigned saved = tx_fast;
			struct tx_record a, b;
			char line[400];
			tx_record_init(&a);
			tx_record_init(&b);
			snprintf(line, sizeof(line), "{\"transaction_id\":\"t\",%s", tail);
			tx_fast = TX_FAST_ALL;
			int ra = tx_record_parse(&a, line, strlen(line), 0);
			tx_fast = 0;
			int rb = tx_record_parse(&b, line, strlen(line), 0);
			tx_fast = saved;
			all &= ra == -1 && rb == -1 && !strcmp(a.err, b.err);
			tx_record_release(&a);
			tx_record_release(&b);
		}
		CHECK(all, "txsub's source cut anywhere: the same error both ways");
	}
	/* a record refused before its source is read has none, either way */
	source_both("\"amount\":5,\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2}}",
		    "field 'amount' appears twice");
	source_both("\"op\":\"bogus\",\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":2}}",
		    "field 'op' is not create, update or delete: 'bogus'");
}

/* tx_record_ledger(): txbal's members, decoded on demand. */
static void ledger_bad(const char *line, unsigned want, const char *want_err)
{
	struct tx_ledger_fields f;
	char err[128] = "", what[400];
	int rc;

	parse(line, 0);
	rc = tx_record_ledger(&rec, want, &f, err, sizeof(err));
	snprintf(what, sizeof(what), "tx_record_ledger rejects %.150s: %s", line, want_err);
	unit_report(rc == -1 && !strcmp(err, want_err), what, __FILE__, __LINE__);
	if (rc != -1 || strcmp(err, want_err))
		printf("#   got rc %d, error '%s'\n", rc, err);
}

static void test_ledger(void)
{
	struct tx_ledger_fields f;
	char err[128] = "";

	parse("{\"transaction_id\":\"t\",\"account\":\"A\",\"amount\":1,\"currency\":\"KWD\","
	      "\"new_balance\":-12.345,\"available_balance\":\"-20\",\"tx_count\":17,"
	      "\"counterparty_balance\":0.5,\"dropped_from\":9007199254740993}",
	      0);
	CHECK(tx_record_ledger(&rec, TX_LEDGER_ALL, &f, err, sizeof(err)) == 0,
	      "decodes txbal's members");
	CHECK(f.have == TX_LEDGER_ALL, "has every member");
	CHECK_EQ_INT(f.new_balance, -12345, "new_balance, 3 decimals for KWD");
	CHECK_EQ_INT(f.available_balance, -20000, "available_balance from a string");
	CHECK_EQ_INT(f.tx_count, 17, "tx_count");
	CHECK_EQ_INT(f.counterparty_balance, 500, "counterparty_balance");
	CHECK(f.dropped_from == 9007199254740993LL, "dropped_from, exactly past 2^53");
	CHECK(tx_record_ledger(&rec, TX_LEDGER_BIT(TX_F_TX_COUNT), &f, err, sizeof(err)) == 0 &&
		  f.have == TX_LEDGER_BIT(TX_F_TX_COUNT) && f.tx_count == 17 && f.new_balance == 0,
	      "decodes only what is wanted; the others are 0");
	parse("{\"account\":\"A\",\"amount\":1500,\"currency\":\"JPY\",\"new_balance\":1500}", 0);
	CHECK(tx_record_ledger(&rec, TX_LEDGER_ALL, &f, err, sizeof(err)) == 0 &&
		  f.have == TX_LEDGER_BIT(TX_F_NEW_BALANCE) && f.new_balance == 1500,
	      "absent members are not had; 0 decimals for JPY");
	parse("{\"account\":\"A\",\"tx_count\":\"x\",\"dropped_from\":-1}", 0);
	CHECK(tx_record_ledger(&rec, TX_LEDGER_BIT(TX_F_NEW_BALANCE), &f, err, sizeof(err)) == 0 &&
		  f.have == 0,
	      "bad members not wanted are not read");

	ledger_bad("{\"new_balance\":1.234}", TX_LEDGER_ALL,
		   "field 'new_balance' has more than 2 decimals for its currency");
	ledger_bad("{\"new_balance\":\"abc\"}", TX_LEDGER_ALL,
		   "field 'new_balance' is not a plain decimal number");
	ledger_bad("{\"available_balance\":true}", TX_LEDGER_ALL,
		   "field 'available_balance' is not a plain decimal number");
	ledger_bad("{\"new_balance\":5,\"available_balance\":5.01}", TX_LEDGER_ALL,
		   "field 'available_balance' is greater than 'new_balance'");
	ledger_bad("{\"counterparty_balance\":99999999999999999999}", TX_LEDGER_ALL,
		   "field 'counterparty_balance' is out of range");
	ledger_bad("{\"tx_count\":-1}", TX_LEDGER_ALL, "field 'tx_count' is not a count");
	ledger_bad("{\"tx_count\":1.5}", TX_LEDGER_ALL, "field 'tx_count' is not a count");
	ledger_bad("{\"tx_count\":\"17\"}", TX_LEDGER_ALL, "field 'tx_count' is not a count");
	ledger_bad("{\"tx_count\":123456789012345678901234}", TX_LEDGER_ALL,
		   "field 'tx_count' is not a count");
	ledger_bad("{\"dropped_from\":null}", TX_LEDGER_ALL,
		   "field 'dropped_from' is not an offset");
	ledger_bad("{\"dropped_from\":\"x\",\"new_balance\":\"y\"}", TX_LEDGER_ALL,
		   "field 'dropped_from' is not an offset");
	ledger_bad("{\"tx_count\":\"x\",\"new_balance\":\"y\"}", TX_LEDGER_ALL,
		   "field 'new_balance' is not a plain decimal number");
}

int cmd_main(int argc, char **argv);
int cmd_main(int argc, char **argv)
{
	tx_record_init(&rec);
	test_fields();
	test_aliases();
	test_json_errors();
	test_field_errors();
	test_write();
	test_append();
	test_json_api();
	test_man_examples();
	test_more();
	test_fast_paths();
	test_memory();
	test_value_edges();
	test_parsers();
	test_source_fast();
	test_ledger();
	tx_record_release(&rec);
	return unit_done();
}

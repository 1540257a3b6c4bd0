/*
 * Unit tests for map.c (txmap's engine), tx_money_parse_number() and the
 * readers of instream.c, each on inputs whose answer is known by hand. The
 * rounding oracle (Python's decimal module on random strings) and the
 * program are in tests/t1100-txmap.sh.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "instream.h"
#include "map.h"
#include "money.h"
#include "tx.h"
#include "unit.h"

static void num(const char *text, int exponent, enum tx_round mode, enum tx_money_err want_err,
		int64_t want)
{
	int64_t got = -12345;
	char what[160];
	enum tx_money_err e = tx_money_parse_number(text, strlen(text), exponent, mode, &got);

	snprintf(what, sizeof(what), "'%s' at %d decimals, mode %d: error %d, %lld", text, exponent,
		 (int)mode, (int)want_err, (long long)want);
	unit_report(e == want_err && (e != TX_MONEY_OK || got == want), what, __FILE__, __LINE__);
}

static struct tx_mapper m;

static void mapped(const char *in, const char *want)
{
	char what[300];
	enum tx_mapper_result r = tx_mapper_record(&m, in, strlen(in));

	snprintf(what, sizeof(what), "%s -> %s", in, want);
	if (r != TX_MAP_OK)
		fprintf(stderr, "# got error: %s\n", m.err);
	CHECK(r == TX_MAP_OK, what);
	if (r == TX_MAP_OK)
		CHECK_EQ_STR(m.out.p, want, what);
}

static void refused(const char *in, const char *want_err)
{
	char what[300];
	enum tx_mapper_result r = tx_mapper_record(&m, in, strlen(in));

	snprintf(what, sizeof(what), "%s is refused: %s", in, want_err);
	CHECK(r == TX_MAP_REJECT, what);
	CHECK_EQ_STR(m.err, want_err, what);
}

/* Everything one reader gives for text, fed through a pipe in chunks of `chunk` bytes. */
static void read_all(int csv, const char *text, size_t chunk, struct tx_buf *got)
{
	char path[] = "/tmp/unit-map.XXXXXX";
	int fd = mkstemp(path), rc;
	struct tx_jstream js;
	struct tx_csv c;
	struct tx_initem it;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	unlink(path);
	tx_buf_reset(got);
	if (csv) {
		tx_csv_init(&c, fd);
		c.in.chunk = chunk;
	} else {
		tx_jstream_init(&js, fd);
		js.in.chunk = chunk;
	}
	while ((rc = csv ? tx_csv_next(&c, &it) : tx_jstream_next(&js, &it)) > 0) {
		if (rc == TX_IN_IDLE || rc == TX_IN_INTR)
			continue;
		if (rc == TX_IN_ITEM)
			tx_buf_addf(got, "%llu:%.*s\n", (unsigned long long)it.lineno, (int)it.len,
				    it.p);
		else
			tx_buf_addf(got, "%llu!%s\n", (unsigned long long)it.lineno,
				    csv ? c.err : js.err);
	}
	if (csv)
		tx_csv_release(&c);
	else
		tx_jstream_release(&js);
	close(fd);
}

static void reads(int csv, const char *text, const char *want)
{
	struct tx_buf got = TX_BUF_INIT;
	static const size_t chunks[] = {0, 1, 2, 3, 7};

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		char what[200];
		snprintf(what, sizeof(what), "%s read in chunks of %zu: %.60s",
			 csv ? "csv" : "json", chunks[i], text);
		for (char *c = what; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = '|'; /* one TAP line */
		read_all(csv, text, chunks[i], &got);
		CHECK_EQ_STR(got.p ? got.p : "", want, what);
	}
	tx_buf_release(&got);
}

int main(void)
{
	char hex[33];

	/* exact decimals, every mode */
	num("523.1734928", 2, TX_ROUND_NONE, TX_MONEY_PRECISION, 0);
	num("523.1734928", 2, TX_ROUND_HALF_EVEN, TX_MONEY_OK, 52317);
	num("0.30000000000000004", 2, TX_ROUND_HALF_UP, TX_MONEY_OK, 30);
	num("1e-05", 2, TX_ROUND_NONE, TX_MONEY_PRECISION, 0);
	num("1e-05", 2, TX_ROUND_HALF_UP, TX_MONEY_OK, 0);
	num("1.5e2", 2, TX_ROUND_NONE, TX_MONEY_OK, 15000);
	num("0.125", 2, TX_ROUND_HALF_EVEN, TX_MONEY_OK, 12);
	num("0.125", 2, TX_ROUND_HALF_UP, TX_MONEY_OK, 13);
	num("0.135", 2, TX_ROUND_HALF_EVEN, TX_MONEY_OK, 14);
	num("0.1250000000000000000000001", 2, TX_ROUND_HALF_EVEN, TX_MONEY_OK, 13);
	num("0.005", 2, TX_ROUND_HALF_EVEN, TX_MONEY_OK, 0);
	num("0.005", 2, TX_ROUND_HALF_UP, TX_MONEY_OK, 1);
	num("2.50", 0, TX_ROUND_HALF_EVEN, TX_MONEY_OK, 2);
	num("3.5", 0, TX_ROUND_HALF_EVEN, TX_MONEY_OK, 4);
	num("-2.5", 0, TX_ROUND_HALF_UP, TX_MONEY_OK, -3);
	num("1.999", 2, TX_ROUND_DOWN, TX_MONEY_OK, 199);
	num("0.00e999999999999", 2, TX_ROUND_NONE, TX_MONEY_OK, 0);
	num("1e999999999999", 2, TX_ROUND_NONE, TX_MONEY_OVERFLOW, 0);
	num("1e-999999999999", 2, TX_ROUND_HALF_UP, TX_MONEY_OK, 0);
	num("92233720368547758.07", 2, TX_ROUND_NONE, TX_MONEY_OK, INT64_MAX);
	num("92233720368547758.08", 2, TX_ROUND_NONE, TX_MONEY_OVERFLOW, 0);
	num("92233720368547758.075", 2, TX_ROUND_HALF_UP, TX_MONEY_OVERFLOW, 0);
	num("007.50", 2, TX_ROUND_NONE, TX_MONEY_OK, 750);
	num("1.", 2, TX_ROUND_NONE, TX_MONEY_SYNTAX, 0);
	num(".5", 2, TX_ROUND_NONE, TX_MONEY_SYNTAX, 0);
	num("1e", 2, TX_ROUND_NONE, TX_MONEY_SYNTAX, 0);
	num("", 2, TX_ROUND_NONE, TX_MONEY_SYNTAX, 0);
	num("12abc", 2, TX_ROUND_NONE, TX_MONEY_SYNTAX, 0);

	/* MurmurHash3 x64 128: the empty input hashes to zero */
	tx_mapper_hash_hex("", 0, hex);
	CHECK_EQ_STR(hex, "00000000000000000000000000000000", "murmur3 of nothing is 0");
	tx_mapper_hash_hex("hello", 5, hex);
	CHECK_EQ_STR(hex, "cbd8a7b341bd9b025b1e906a48ae1d19", "murmur3 of 'hello'");

	tx_mapper_init(&m);
	mapped(
	    "{\"account\":3,\"transaction_id\":\"3-Debit-abc123\",\"transaction_type\":\"Debit\","
	    "\"amount\":8,\"new_balance\":97,\"transaction_summary\":{\"a\":5}}",
	    "{\"account\":3,\"transaction_id\":\"3-Debit-abc123\",\"type\":\"withdrawal\","
	    "\"amount\":8.00,\"new_balance\":97,\"transaction_summary\":{\"a\":5}}");
	mapped(
	    "{\"id\": 42, \"user_id\": \"u1\", \"type\": \"Purchase\", \"amount\": \"12.5\", "
	    "\"status\": \"Completed\", \"timestamp\": \"2025-02-17T14:35:20Z\"}",
	    "{\"transaction_id\":\"42\",\"account\":\"u1\",\"type\":\"payment\",\"amount\":12.50,"
	    "\"status\":\"completed\",\"ts\":\"2025-02-17T14:35:20.000000Z\"}");
	mapped("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,\"ts\":1739802920}",
	       "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1.00,"
	       "\"ts\":\"2025-02-17T14:35:20.000000Z\"}");
	mapped(
	    "{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,\"ts\":1739802920123}",
	    "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1.00,"
	    "\"ts\":\"2025-02-17T14:35:20.123000Z\"}");
	mapped(
	    "{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,\"currency\":\"jpy\"}",
	    "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
	    "\"currency\":\"JPY\"}");
	refused("{\"id\":\"a\",\"tx_id\":\"b\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1}",
		"fields 'id' and 'tx_id' both map to 'transaction_id'");
	refused("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":523.1734928}",
		"field 'amount' has more than 2 decimals for USD: '523.1734928' (use --round)");
	refused("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
		"\"ts\":\"2025-02-17 14:35:20\"}",
		"field 'ts' has no UTC offset: '2025-02-17 14:35:20' (give its zone with --tz)");
	refused("{\"account\":\"x\",\"type\":\"fee\",\"amount\":1}",
		"field 'transaction_id' is missing (make one with --id hash or --id uuid)");
	refused("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,\"status\":\"OK\"}",
		"field 'status' is not pending, completed or failed: 'OK' (map it with --value "
		"status:OK=...)");
	CHECK(tx_mapper_record(&m, "{\"type\":\"low_balance\",\"balance\":3}", 34) ==
		      TX_MAP_OTHER &&
		  m.other_type.len == 11 && !memcmp(m.other_type.p, "low_balance", 11),
	      "an unknown type is not a transaction");

	/* --tz with daylight saving time: Europe/Paris, 2025-03-30 and 2025-10-26 */
	CHECK(tx_mapper_set_tz(&m, "Europe/Paris") == 0, "--tz Europe/Paris");
	mapped("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
	       "\"ts\":\"2025-02-17 14:35:20.123456\"}",
	       "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1.00,"
	       "\"ts\":\"2025-02-17T13:35:20.123456Z\"}");
	mapped("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
	       "\"ts\":\"2025-07-01T12:00\"}",
	       "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1.00,"
	       "\"ts\":\"2025-07-01T10:00:00.000000Z\"}");
	mapped("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
	       "\"ts\":\"2025-10-26 02:30:00\"}",
	       "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1.00,"
	       "\"ts\":\"2025-10-26T00:30:00.000000Z\"}");
	mapped("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
	       "\"ts\":\"2025-10-26 03:30:00\"}",
	       "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1.00,"
	       "\"ts\":\"2025-10-26T02:30:00.000000Z\"}");
	refused("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
		"\"ts\":\"2025-03-30 02:30:00\"}",
		"field 'ts' does not exist in Europe/Paris (the clocks went forward): "
		"'2025-03-30 02:30:00'");
	mapped("{\"id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1,"
	       "\"ts\":\"2025-03-30 03:30:00\"}",
	       "{\"transaction_id\":\"a\",\"account\":\"x\",\"type\":\"fee\",\"amount\":1.00,"
	       "\"ts\":\"2025-03-30T01:30:00.000000Z\"}");
	CHECK(tx_mapper_set_tz(&m, "No/Such_Zone") < 0, "an unknown zone is refused");
	tx_mapper_release(&m);

	/* renames, value maps, ids */
	tx_mapper_init(&m);
	CHECK(tx_mapper_add_field(&m, "who=account") == 0, "--field who=account");
	CHECK(tx_mapper_add_field(&m, "who=counterparty") < 0, "a name mapped to two targets");
	CHECK(tx_mapper_add_field(&m, "id=ref") == 0, "--field id=ref");
	CHECK(tx_mapper_add_value(&m, "status:OK=completed") == 0, "--value status:OK=completed");
	CHECK(tx_mapper_add_value(&m, "type:topup=deposit") == 0, "--value type:topup=deposit");
	CHECK(tx_mapper_set_id(&m, "hash:ref,account") == 0, "--id hash:ref,account");
	mapped("{\"id\":7,\"who\":\"w\",\"type\":\"TOPUP\",\"amount\":1,\"status\":\"ok\"}",
	       "{\"ref\":7,\"account\":\"w\",\"type\":\"deposit\",\"amount\":1.00,"
	       "\"status\":\"completed\",\"transaction_id\":\"h-"
	       "7b57b2058693f09c43a0c2f6866b75b6\"}");
	tx_mapper_release(&m);

	/* the readers */
	reads(0, "{\"a\":1}\n{\"b\":2}\n", "1:{\"a\":1}\n2:{\"b\":2}\n");
	/* a string, a number and a literal longer than what one read gives */
	reads(0,
	      "{\"s\":\"a string longer than a few bytes\",\"n\":1234567890123456789.5e-10,"
	      "\"t\":false}",
	      "1:{\"s\":\"a string longer than a few bytes\",\"n\":1234567890123456789.5e-10,"
	      "\"t\":false}\n");
	reads(0, "{\"a\":\n  1}{\"b\":2} [ {\"c\":3},\n{\"d\":4} ]\n",
	      "1:{\"a\":\n  1}\n2:{\"b\":2}\n2:{\"c\":3}\n3:{\"d\":4}\n");
	reads(0, "{\"a\":1\n{\"b\":2}\n7\n{\"c\":\"\xc3\xa9\"}",
	      "1!invalid JSON on line 2: expected ',' or '}'\n2:{\"b\":2}\n3!not a JSON object\n"
	      "4:{\"c\":\"\xc3\xa9\"}\n");
	reads(0, "\xef\xbb\xbf[{\"a\":1}]", "1:{\"a\":1}\n");
	/* skipping a bad value: a line longer than one read is skipped whole */
	reads(0, "x\n  \"a long line to skip, {not a start\"\n{\"b\":2}\n",
	      "1!invalid JSON on line 1: expected a value\n3:{\"b\":2}\n");
	reads(0, "[{\"a\":1},2",
	      "1:{\"a\":1}\n1!array element is not a JSON object\n"
	      "1!the input ends inside an array\n");
	reads(1, "a,b\r\n1,\"x,\"\"y\"\"\"\r\n\r\n\"2\nz\",3\n4\n5,6",
	      "2:{\"a\":\"1\",\"b\":\"x,\\\"y\\\"\"}\n4:{\"a\":\"2\\nz\",\"b\":\"3\"}\n"
	      "6!the record has 1 fields, the header 2\n7:{\"a\":\"5\",\"b\":\"6\"}\n");
	reads(1,
	      "\xef\xbb\xbf"
	      "a\nx\"y\n1\n\"open\n",
	      "2!a '\"' inside a field that is not quoted\n"
	      "3:{\"a\":\"1\"}\n4!a quoted field is not "
	      "closed before the end of input\n");
	return unit_done();
}

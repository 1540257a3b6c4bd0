/* Unit tests for httpbody.h: txhttp's request bodies into records, and its ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpbody.h"
#include "tx.h"
#include "unit.h"

/* a string literal and its length */
#define LIT(s) s, sizeof(s) - 1

static struct tx_http_ids ids;

/* Record i's line (without its '\n') and id, as NUL-terminated copies. */
static char *line_of(const struct tx_http_recs *R, size_t i)
{
	return tx_strndup(R->data.p + R->v[i].off, R->v[i].len);
}
static char *id_of(const struct tx_http_recs *R, size_t i)
{
	return tx_strndup(R->data.p + R->v[i].id_off, R->v[i].id_len);
}

static void test_one(void)
{
	static const char full[] = "{\"transaction_id\":\"t1\",\"ts\":\"2026-01-01T00:00:00Z\","
				   "\"account\":\"A1\",\"type\":\"deposit\",\"amount\":\"1.50\"}";
	struct tx_http_body m;
	struct tx_http_recs R;
	char *s;

	memset(&R, 0, sizeof(R));
	tx_http_body_init(&m, &ids);
	CHECK_EQ_INT(tx_http_body_one(&m, full, strlen(full), &R), 0, "a complete record");
	s = line_of(&R, 0);
	CHECK_EQ_STR(s, full, "a complete record passes unchanged");
	free(s);
	CHECK(R.data.p[R.v[0].off + R.v[0].len] == '\n', "a line ends in its newline");
	CHECK(R.v[0].key_len == 2 && !memcmp(R.data.p + R.v[0].key_off, "A1", 2),
	      "the key is the account");

	m.key = "k-1";
	CHECK_EQ_INT(
	    tx_http_body_one(&m, LIT("{ \"account\": \"A2\",\n \"type\": \"fee\", \"amount\": 2 }"),
			     &R),
	    0, "blanks, no id, no ts");
	s = id_of(&R, 1);
	CHECK_EQ_STR(s, "k-1", "the Idempotency-Key is the id");
	free(s);
	s = line_of(&R, 1);
	CHECK(!strchr(s, ' ') && !strchr(s, '\n') && strstr(s, "\"ts\":\""),
	      "compacted to one line, with a ts");
	free(s);

	m.key = NULL;
	CHECK_EQ_INT(
	    tx_http_body_one(&m, LIT("{\"account\":\"A3\",\"type\":\"fee\",\"amount\":3}"), &R), 0,
	    "no id, no key");
	CHECK(R.v[2].id_len == 36 && R.data.p[R.v[2].id_off + 14] == '7', "a UUIDv7");

	CHECK_EQ_INT(
	    tx_http_body_one(&m, LIT("{\"account\":\"A\",\"type\":\"fee\",\"amount\":\"x\"}"), &R),
	    -1, "a bad amount");
	CHECK(strstr(tx_http_body_error(&m), "field 'amount'") != NULL, "the message names it");
	CHECK_EQ_INT(R.n, 3, "a refused record adds nothing");

	m.op = TX_OP_UPDATE;
	m.id = "t1";
	m.account = "A1";
	CHECK_EQ_INT(tx_http_body_one(&m, LIT("{\"status\":\"completed\"}"), &R), 0, "PATCH");
	s = line_of(&R, 3);
	CHECK(strstr(s, "\"transaction_id\":\"t1\"") && strstr(s, "\"op\":\"update\"") &&
		  strstr(s, "\"account\":\"A1\""),
	      "PATCH: the path's id, op update, the account given");
	free(s);
	CHECK_EQ_INT(tx_http_body_one(&m, LIT("{\"transaction_id\":\"t2\"}"), &R), -1,
		     "PATCH: another id in the body");
	CHECK_EQ_STR(tx_http_body_error(&m), "field 'transaction_id' is not the id in the path",
		     "PATCH: the message");
	tx_http_recs_release(&R);
	tx_http_body_release(&m);
}

static void test_ndjson(void)
{
	static const char body[] = "{\"account\":\"B1\",\"type\":\"fee\",\"amount\":1}\r\n"
				   "{\"account\":\"B1\"}\n"
				   "\n   \n"
				   "{\"account\":\"B2\",\"type\":\"refund\",\"amount\":2}";
	struct tx_http_body m;
	struct tx_http_recs R;
	char *s;

	memset(&R, 0, sizeof(R));
	tx_http_body_init(&m, &ids);
	m.key = "batch";
	CHECK_EQ_INT(tx_http_body_ndjson(&m, body, strlen(body), &R), 3, "3 non-blank lines");
	CHECK_EQ_INT(R.n, 2, "2 accepted");
	CHECK_EQ_INT(m.nrej, 1, "1 refused");
	CHECK(m.nrej == 1 && m.rej[0].line == 2, "line 2 refused");
	CHECK_EQ_STR(m.nrej ? m.rej[0].err : NULL, "missing field 'type'", "its message");
	CHECK(R.n == 2 && R.v[0].line == 1 && R.v[1].line == 5, "lines 1 and 5 accepted");
	s = id_of(&R, 1);
	CHECK_EQ_STR(s, "batch-5", "a batch's key gets the line");
	free(s);
	tx_http_recs_release(&R);
	tx_http_body_release(&m);
}

static void test_ids(void)
{
	struct tx_buf a = TX_BUF_INIT, b = TX_BUF_INIT;
	int i, sorted = 1;

	for (i = 0; i < 1000; i++) {
		tx_buf_reset(&b);
		tx_http_id_make(&ids, &b);
		if (a.len && (b.len != 36 || memcmp(a.p, b.p, 36) >= 0))
			sorted = 0;
		tx_buf_reset(&a);
		tx_buf_add(&a, b.p, b.len);
	}
	CHECK(sorted, "1000 ids in a row: 36 characters, each after the one before");
	tx_buf_release(&a);
	tx_buf_release(&b);
}

int main(void)
{
	tx_http_ids_init(&ids);
	test_one();
	test_ndjson();
	test_ids();
	tx_http_ids_release(&ids);
	return unit_done();
}

/*
 * libFuzzer target for txhttp's request bodies (httpbody.c, with the record
 * codec): `make fuzz FUZZ_TARGETS=httpbody` or `make fuzz-smoke`. Built by
 * clang with -fsanitize=fuzzer,address,undefined straight from the library
 * sources: no server, no sockets.
 *
 * The first byte of an input says what the request was, the rest is its
 * body:
 *   bits 0-1  0 POST application/json, 1 POST application/x-ndjson,
 *             2 PATCH /api/transactions/{id}, 3 DELETE of the same
 *   bit 2     an Idempotency-Key header (POST)
 *   bit 3     ?account= (PATCH, DELETE)
 * Besides "no crash, no sanitizer report", every input checks invariants:
 *   - the body is copied to an exact-size heap block, so any read past its
 *     end is an AddressSanitizer error
 *   - every accepted record is one line ending in '\n', that parses with
 *     TX_PARSE_REQUIRE, has a ts, and whose transaction_id and account are
 *     the ones recorded next to it (the answer's id, the Kafka key)
 *   - PATCH and DELETE records carry the path's id and their op; a POST
 *     record without an id in its body gets the Idempotency-Key (with
 *     "-LINE" in a batch) or a 36-character UUIDv7
 *   - a JSON body is accepted (one record) or refused with a message;
 *     in an NDJSON body, accepted and refused lines are in line order,
 *     never the same line, and count the non-blank lines
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpbody.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH_ID "p-1"
#define KEY	"key-1"

static struct tx_http_ids ids;
static int ids_ready;
static struct tx_record check, orig;

static int is(const char *p, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(p, s, n);
}

/* The POST id of a record whose body had none: the key (and -LINE), or a UUIDv7. */
static int generated_id(const char *id, size_t n, int key, uint64_t line)
{
	char want[64];

	if (!key)
		return n == 36 && id[8] == '-' && id[14] == '7';
	if (!line)
		return is(id, n, KEY);
	snprintf(want, sizeof(want), "%s-%llu", KEY, (unsigned long long)line);
	return is(id, n, want);
}

/* Whether the request's object for x (line x->line of an NDJSON body) had an id. */
static int had_id(const char *body, size_t len, uint64_t lineno)
{
	const char *p = body, *end = body + len, *nl;
	uint64_t n;

	for (n = 1; lineno && n < lineno; n++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			abort(); /* no such line */
		p = nl + 1;
	}
	if (lineno) {
		nl = memchr(p, '\n', (size_t)(end - p));
		end = nl ? nl : end;
		if (end > p && end[-1] == '\r')
			end--;
	}
	if (tx_record_parse(&orig, p, (size_t)(end - p), 0) < 0)
		abort(); /* an accepted object parses */
	return orig.idx[TX_F_TRANSACTION_ID] >= 0;
}

static void check_rec(const struct tx_http_recs *R, const struct tx_http_rec *x,
		      const struct tx_http_body *m, int key, const char *body, size_t len)
{
	const char *line = R->data.p + x->off;

	if (memchr(line, '\n', x->len) || line[x->len] != '\n')
		abort(); /* one line, and its '\n' */
	if (tx_record_parse(&check, line, x->len, TX_PARSE_REQUIRE) < 0)
		abort(); /* what is accepted is a valid record */
	if (check.idx[TX_F_TS] < 0 || check.idx[TX_F_TRANSACTION_ID] < 0)
		abort();
	if (check.id.len != x->id_len || memcmp(check.id.p, R->data.p + x->id_off, x->id_len))
		abort(); /* the answer's id is the record's */
	if (check.account.len != x->key_len ||
	    (x->key_len && memcmp(check.account.p, R->data.p + x->key_off, x->key_len)))
		abort(); /* the Kafka key is the record's account */
	if (m->id) {
		if (!is(check.id.p, check.id.len, PATH_ID) || check.op != m->op)
			abort();
		if (m->account && !check.account.len)
			abort();
	} else if (!had_id(body, len, x->line) &&
		   !generated_id(check.id.p, check.id.len, key, x->line)) {
		abort(); /* an id the body did not have is the key's or a new one */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tx_http_body m;
	struct tx_http_recs R;
	char *body;
	size_t i, len;
	int mode, key;

	if (size < 1)
		return 0;
	if (!ids_ready) {
		tx_http_ids_init(&ids);
		tx_record_init(&check);
		tx_record_init(&orig);
		ids_ready = 1;
	}
	mode = data[0] & 3;
	key = mode < 2 && (data[0] & 4);
	len = size - 1;
	body = malloc(len ? len : 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, len);

	memset(&R, 0, sizeof(R));
	tx_http_body_init(&m, &ids);
	m.key = key ? KEY : NULL;
	if (mode >= 2) {
		m.op = mode == 2 ? TX_OP_UPDATE : TX_OP_DELETE;
		m.id = PATH_ID;
		m.account = data[0] & 8 ? "ACC" : NULL;
	}
	if (mode == 1) {
		uint64_t lines = tx_http_body_ndjson(&m, body, len, &R);
		uint64_t last = 0;
		size_t ri = 0;
		if (R.n + m.nrej != lines)
			abort(); /* every non-blank line is accepted or refused */
		for (i = 0; i < m.nrej; i++) {
			if (m.rej[i].line <= last || !m.rej[i].err[0])
				abort();
			last = m.rej[i].line;
		}
		for (i = 0, last = 0; i < R.n; i++) {
			if (R.v[i].line <= last)
				abort();
			last = R.v[i].line;
			while (ri < m.nrej && m.rej[ri].line < last)
				ri++;
			if (ri < m.nrej && m.rej[ri].line == last)
				abort(); /* a line both accepted and refused */
		}
	} else if (tx_http_body_one(&m, body, len, &R) == 0) {
		if (R.n != 1)
			abort();
	} else if (R.n != 0 || !tx_http_body_error(&m)[0]) {
		abort();
	}
	for (i = 0; i < R.n; i++)
		check_rec(&R, &R.v[i], &m, key, body, len);
	tx_http_recs_release(&R);
	tx_http_body_release(&m);
	free(body);
	return 0;
}

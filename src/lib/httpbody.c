/* txhttp's request bodies into records: see httpbody.h. */
#define _GNU_SOURCE /* memmem() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "httpbody.h"
#include "json.h"
#include "timefmt.h"
#include "tx.h"

/* ---- ids ---- */

void tx_http_ids_init(struct tx_http_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	pthread_mutex_init(&ids->lock, NULL);
}

void tx_http_ids_release(struct tx_http_ids *ids)
{
	pthread_mutex_destroy(&ids->lock);
}

void tx_http_id_make(struct tx_http_ids *ids, struct tx_buf *b)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char u[16];
	uint64_t ms = (uint64_t)tx_wall_us() / 1000;
	char s[36];
	int i, j;

	pthread_mutex_lock(&ids->lock);
	if (ms > ids->ms) {
		unsigned char r[10];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			/* cannot happen after boot; the clock still keeps ids apart */
			memset(r, 0, sizeof(r));
			memcpy(r, &ms, sizeof(ms));
		}
		ids->ms = ms;
		ids->a = (uint16_t)((r[0] << 8 | r[1]) & 0x7ff); /* headroom to count up */
		memcpy(&ids->b, r + 2, 8);
		ids->b &= (1ULL << 62) - 1;
	} else if (++ids->b >> 62) {
		ids->b = 0;
		if (++ids->a >> 12) {
			ids->a = 0;
			ids->ms++; /* borrow the next millisecond */
		}
	}
	ms = ids->ms;
	for (i = 0; i < 6; i++)
		u[i] = (unsigned char)(ms >> (40 - 8 * i));
	u[6] = (unsigned char)(0x70 | (ids->a >> 8));
	u[7] = (unsigned char)ids->a;
	u[8] = (unsigned char)(0x80 | (ids->b >> 56 & 0x3f));
	for (i = 9; i < 16; i++)
		u[i] = (unsigned char)(ids->b >> (8 * (15 - i)));
	pthread_mutex_unlock(&ids->lock);
	for (i = 0, j = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[j++] = '-';
		s[j++] = hex[u[i] >> 4];
		s[j++] = hex[u[i] & 15];
	}
	tx_buf_add(b, s, sizeof(s));
}

/* ---- records ---- */

/* The JSON text without whitespace outside strings: one NDJSON line. */
static void compact(struct tx_buf *out, const char *p, size_t n)
{
	size_t i, start = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		char c = p[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (tx_json_is_ws(c)) {
			tx_buf_add(out, p + start, i - start);
			start = i + 1;
		}
	}
	tx_buf_add(out, p + start, n - start);
}

static void recs_add(struct tx_http_recs *R, const char *line, size_t len,
		     const struct tx_record *r, uint64_t lineno)
{
	struct tx_http_rec *x;

	TX_ALLOC_GROW(R->v, R->n + 1, R->cap, 8);
	x = &R->v[R->n++];
	memset(x, 0, sizeof(*x));
	x->line = lineno;
	x->off = R->data.len;
	x->len = len;
	tx_buf_add(&R->data, line, len);
	tx_buf_addch(&R->data, '\n');
	x->key_off = R->data.len;
	x->key_len = r->account.len;
	tx_buf_add(&R->data, r->account.p, r->account.len);
	x->id_off = R->data.len;
	x->id_len = r->id.len;
	tx_buf_add(&R->data, r->id.p, r->id.len);
}

void tx_http_recs_release(struct tx_http_recs *R)
{
	tx_buf_release(&R->data);
	free(R->v);
	memset(R, 0, sizeof(*R));
}

void tx_http_body_init(struct tx_http_body *m, struct tx_http_ids *ids)
{
	memset(m, 0, sizeof(*m));
	m->ids = ids;
	tx_record_init(&m->r);
	tx_record_init(&m->r2);
}

void tx_http_body_release(struct tx_http_body *m)
{
	size_t i;

	for (i = 0; i < m->nrej; i++)
		free(m->rej[i].err);
	free(m->rej);
	tx_record_release(&m->r);
	tx_record_release(&m->r2);
	tx_buf_release(&m->tmp);
	tx_buf_release(&m->tmp2);
}

const char *tx_http_body_error(const struct tx_http_body *m)
{
	return m->r.err;
}

int tx_http_body_one(struct tx_http_body *m, const char *obj, size_t len, struct tx_http_recs *out)
{
	struct tx_record *r = &m->r;
	struct tx_edit ed[4];
	struct tx_buf idb = TX_BUF_INIT, tsb = TX_BUF_INIT, acb = TX_BUF_INIT;
	size_t ne = 0;
	int rc = -1;

	tx_buf_reset(&m->tmp);
	compact(&m->tmp, obj, len);
	/*
	 * A complete record on one line without blanks (txgen's, an NDJSON
	 * batch's): one parse, which checks everything the slow way below does.
	 */
	if (!m->id && m->tmp.len == len && memmem(obj, len, "\"transaction_id\"", 16) &&
	    memmem(obj, len, "\"ts\"", 4) &&
	    tx_record_parse(&m->r2, obj, len, TX_PARSE_REQUIRE) == 0 && m->r2.idx[TX_F_TS] >= 0) {
		recs_add(out, obj, len, &m->r2, m->line);
		return 0;
	}
	if (tx_record_parse(r, obj, len, 0) < 0)
		return -1;
	if (tx_record_parse(r, m->tmp.p, m->tmp.len, 0) < 0)
		return -1; /* cannot happen: the same JSON without its blanks */
	if (m->id) {
		if (r->idx[TX_F_TRANSACTION_ID] >= 0 &&
		    (r->id.len != strlen(m->id) || memcmp(r->id.p, m->id, r->id.len))) {
			snprintf(r->err, sizeof(r->err),
				 "field 'transaction_id' is not the id in the path");
			return -1;
		}
		if (r->idx[TX_F_OP] >= 0 && r->op != m->op) {
			snprintf(r->err, sizeof(r->err), "field 'op' must be '%s' here",
				 tx_op_name(m->op));
			return -1;
		}
		tx_buf_add_json_string(&idb, m->id, strlen(m->id));
		ed[ne++] = (struct tx_edit){TX_F_TRANSACTION_ID, idb.p, idb.len};
		ed[ne++] = (struct tx_edit){TX_F_OP,
					    m->op == TX_OP_DELETE ? "\"delete\"" : "\"update\"", 8};
		if (r->idx[TX_F_ACCOUNT] < 0 && m->account) {
			tx_buf_add_json_string(&acb, m->account, strlen(m->account));
			ed[ne++] = (struct tx_edit){TX_F_ACCOUNT, acb.p, acb.len};
		}
	} else if (r->idx[TX_F_TRANSACTION_ID] < 0) {
		tx_buf_addch(&idb, '"');
		if (m->key) {
			tx_buf_add_json_string(&tsb, m->key, strlen(m->key));
			tx_buf_add(&idb, tsb.p + 1, tsb.len - 2);
			tx_buf_reset(&tsb);
			if (m->line)
				tx_buf_addf(&idb, "-%llu", (unsigned long long)m->line);
		} else {
			tx_http_id_make(m->ids, &idb);
		}
		tx_buf_addch(&idb, '"');
		ed[ne++] = (struct tx_edit){TX_F_TRANSACTION_ID, idb.p, idb.len};
	}
	if (r->idx[TX_F_TS] < 0) {
		tx_buf_addch(&tsb, '"');
		tx_time_format(&tsb, tx_wall_us());
		tx_buf_addch(&tsb, '"');
		ed[ne++] = (struct tx_edit){TX_F_TS, tsb.p, tsb.len};
	}
	tx_buf_reset(&m->tmp2);
	tx_record_write(&m->tmp2, r, ed, ne, 0);
	if (tx_record_parse(&m->r2, m->tmp2.p, m->tmp2.len, TX_PARSE_REQUIRE) < 0) {
		memcpy(r->err, m->r2.err, sizeof(r->err));
		goto out;
	}
	recs_add(out, m->tmp2.p, m->tmp2.len, &m->r2, m->line);
	rc = 0;
out:
	tx_buf_release(&idb);
	tx_buf_release(&tsb);
	tx_buf_release(&acb);
	return rc;
}

uint64_t tx_http_body_ndjson(struct tx_http_body *m, const char *body, size_t len,
			     struct tx_http_recs *out)
{
	const char *p = body, *end = body + len, *nl;
	uint64_t lineno = 0, lines = 0;

	for (; p < end; p = nl + 1) {
		size_t n, i;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		n = (size_t)(nl - p);
		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		for (i = 0; i < n && tx_json_is_ws(p[i]); i++)
			;
		if (i == n)
			continue; /* blank lines separate nothing and carry nothing */
		lines++;
		m->line = lineno;
		if (tx_http_body_one(m, p, n, out) < 0) {
			m->rej = tx_reallocarray(m->rej, m->nrej + 1, sizeof(*m->rej));
			m->rej[m->nrej].line = lineno;
			m->rej[m->nrej++].err = tx_strdup(m->r.err);
		}
	}
	m->line = 0;
	return lines;
}

/*
 * The generic part of txstore's sink: DSNs, batches, retries, offsets and
 * balances as written. The readers (offsets, balances, report) are in
 * store_report.c. See store.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "fastpath.h"
#include "hashmap.h"
#include "money.h"
#include "store_impl.h"
#include "timefmt.h"
#include "tx.h"

/* How long a lost database is retried before the batch is given up. */
#define TXS_RETRY_MS	   60000 /* the default of tx_store_set_retry() */
#define TXS_BACKOFF_MIN_MS 100
#define TXS_BACKOFF_MAX_MS 5000

int tx_store_readable_version(struct tx_store *st, int64_t ver)
{
	if (ver == 0)
		return 1;
	if (ver > TXS_SCHEMA_LATEST(st->dialect))
		return tx_error("%s: schema version %lld is newer than this txstore's (%d)",
				st->shown, (long long)ver, TXS_SCHEMA_LATEST(st->dialect));
	/* Older versions read as they are (1: offsets without their cluster). */
	st->version = ver;
	return 0;
}

void tx_store_set_err(struct tx_store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
}

/* ---- DSNs ---- */

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/*
 * Whether a libpq connection parameter holds a secret: "password",
 * "sslpassword", and whatever else this libpq flags as one (dispchar "*"
 * in PQconndefaults()). The names of files (passfile, sslkey, service) are
 * not secrets.
 */
static int pg_secret_keyword(const char *k, size_t n)
{
#ifdef HAVE_LIBPQ
	PQconninfoOption *opts, *o;
#endif
	int secret =
	    (n == 8 && !strncmp(k, "password", 8)) || (n == 11 && !strncmp(k, "sslpassword", 11));

#ifdef HAVE_LIBPQ
	if (secret || !(opts = PQconndefaults()))
		return secret;
	for (o = opts; o->keyword && !secret; o++)
		secret = o->dispchar && o->dispchar[0] == '*' && strlen(o->keyword) == n &&
			 !strncmp(o->keyword, k, n);
	PQconninfoFree(opts);
#endif
	return secret;
}

/*
 * A URI's password ("postgresql://user:secret@host/db") and the value of
 * every secret parameter, in a URI query or a keyword/value conninfo,
 * become "***". The result is only ever used in messages.
 */
static char *redact(const char *dsn)
{
	struct tx_buf b = TX_BUF_INIT;
	const char *p = dsn;

	if (has_prefix(dsn, "postgresql://") || has_prefix(dsn, "postgres://")) {
		const char *auth = strstr(dsn, "://") + 3;
		const char *end = auth + strcspn(auth, "/?");
		const char *at = NULL, *q;
		for (q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon) {
				tx_buf_add(&b, dsn, (size_t)(colon + 1 - dsn));
				tx_buf_adds(&b, "***");
				p = at;
			}
		}
		/* query parameters: password=..., sslpassword=... up to '&' */
		while (*p) {
			size_t kl = strcspn(p, "=&");
			if (p > dsn && (p[-1] == '?' || p[-1] == '&') && p[kl] == '=' &&
			    pg_secret_keyword(p, kl)) {
				tx_buf_add(&b, p, kl + 1);
				tx_buf_adds(&b, "***");
				p += strcspn(p, "&");
				continue;
			}
			tx_buf_addch(&b, *p++);
		}
		return b.p ? b.p : tx_strdup("");
	}
	/* keyword = value pairs; values may be single-quoted with backslash escapes */
	while (*p) {
		const char *k = p, *ke;
		while (*p && *p != '=' && *p != ' ' && *p != '\t')
			p++;
		ke = p;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			tx_buf_add(&b, k, (size_t)(p - k));
			if (*p)
				tx_buf_addch(&b, *p++);
			continue;
		}
		p++;
		tx_buf_add(&b, k, (size_t)(ke - k));
		tx_buf_addch(&b, '=');
		while (*p == ' ' || *p == '\t')
			p++;
		const char *v = p;
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else {
			while (*p && *p != ' ' && *p != '\t')
				p++;
		}
		if (pg_secret_keyword(k, (size_t)(ke - k)))
			tx_buf_adds(&b, "***");
		else
			tx_buf_add(&b, v, (size_t)(p - v));
		while (*p == ' ' || *p == '\t')
			tx_buf_addch(&b, *p++);
	}
	return b.p ? b.p : tx_strdup("");
}

#ifdef HAVE_LIBPQ
/*
 * Does every "quoted" piece of libpq's message appear in the shown DSN? A
 * parse error may quote a piece of a password ('missing "=" after "x"'), and
 * passwords never appear in messages.
 */
static int quotes_shown(const char *msg, const char *shown)
{
	const char *q = msg, *e;

	while ((q = strchr(q, '"')) && (e = strchr(q + 1, '"'))) {
		char *piece = tx_strndup(q + 1, (size_t)(e - q - 1));
		int ok = strstr(shown, piece) != NULL;
		free(piece);
		if (!ok)
			return 0;
		q = e + 1;
	}
	return 1;
}
#endif

/* A path SQLite's own tools would name: PATH.db, .sqlite, .sqlite3 or .db3. */
static int sqlite_suffix(const char *dsn, size_t n)
{
	static const char *const suffixes[] = {".db", ".sqlite", ".sqlite3", ".db3"};
	size_t i, k;

	for (i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		k = strlen(suffixes[i]);
		if (n > k && !strcmp(dsn + n - k, suffixes[i]))
			return 1;
	}
	return 0;
}

int tx_store_dsn_is_postgresql(const char *dsn)
{
	return !has_prefix(dsn, "sqlite:") && (has_prefix(dsn, "postgresql://") ||
					       has_prefix(dsn, "postgres://") || strchr(dsn, '='));
}

static struct tx_store *store_open(const char *dsn, int reading, int *status)
{
	struct tx_store *st = tx_calloc(1, sizeof(*st));
#ifdef HAVE_LIBPQ
	char why[512];
#endif

	st->retry_ms = TXS_RETRY_MS;
	size_t n = strlen(dsn);
	int rc;

	*status = TX_EXIT_USAGE;
	if (has_prefix(dsn, "sqlite:")) {
		st->dialect = TXS_SQLITE;
		st->target = tx_strdup(dsn + 7);
	} else if (tx_store_dsn_is_postgresql(dsn)) {
		st->dialect = TXS_PG;
		st->target = tx_strdup(dsn);
	} else if (sqlite_suffix(dsn, n)) {
		st->dialect = TXS_SQLITE;
		st->target = tx_strdup(dsn);
	} else {
		tx_error("'%s' is not a DSN: use sqlite:PATH, PATH.db (or .sqlite, .sqlite3, "
			 ".db3), postgresql://... or a conninfo string",
			 dsn);
		free(st);
		return NULL;
	}
	if (st->dialect == TXS_SQLITE && !*st->target) {
		tx_error("'%s': the SQLite path is empty", dsn);
		free(st->target);
		free(st);
		return NULL;
	}
	st->shown = st->dialect == TXS_PG ? redact(dsn) : tx_strdup(dsn);
	st->reading = reading;
	st->version = TXS_SCHEMA_LATEST(st->dialect); /* writing: the backend migrates to it */
	st->input = "stdin";
	tx_map_init(&st->chained, 0);
	tx_map_init(&st->bal_keys, 0);
#ifdef HAVE_LIBPQ
	/* A malformed DSN is a usage error, not an unreachable database. */
	if (st->dialect == TXS_PG && tx_store_pg_check_dsn(st->target, why, sizeof(why)) < 0) {
		tx_error("'%s' is not a valid DSN: %s", st->shown,
			 quotes_shown(why, st->shown) ? why : "libpq cannot parse it");
		tx_store_close(st);
		return NULL;
	}
	rc = st->dialect == TXS_SQLITE ? tx_store_sqlite_open(st) : tx_store_pg_open(st);
#else
	if (st->dialect == TXS_PG) {
		tx_error("'%s': this build has no PostgreSQL: install libpq-dev "
			 "(apt-get install libpq-dev), then configure and build again",
			 st->shown);
		tx_store_close(st);
		return NULL;
	}
	rc = tx_store_sqlite_open(st);
#endif
	if (rc == 1) {
		*status = TX_EXIT_OK; /* reading, and nothing was ever stored there */
		tx_store_close(st);
		return NULL;
	}
	if (rc < 0 || tx_store_load_offsets(st) < 0) {
		*status = TX_EXIT_UNAVAILABLE;
		tx_store_close(st);
		return NULL;
	}
	*status = TX_EXIT_OK;
	return st;
}

struct tx_store *tx_store_open(const char *dsn, int *status)
{
	return store_open(dsn, 0, status);
}

struct tx_store *tx_store_open_read(const char *dsn, int *status)
{
	return store_open(dsn, 1, status);
}

void tx_store_close(struct tx_store *st)
{
	size_t i;

	if (!st)
		return;
	if (st->be)
		st->be->close(st);
	for (i = 0; i < st->noffsets; i++) {
		free(st->offsets[i].topic);
		free(st->offsets[i].cluster);
	}
	free(st->offsets);
	tx_map_release(&st->chained);
	tx_map_release(&st->bal_keys);
	free(st->shown);
	free(st->target);
	free(st);
}

void tx_store_set_allow_gaps(struct tx_store *st, int allow)
{
	st->allow_gaps = allow;
}

void tx_store_set_input(struct tx_store *st, const char *name)
{
	st->input = name;
}

int tx_store_set_async_commit(struct tx_store *st, int on)
{
	if (on && !st->be->sync)
		return -1;
	st->async_commit = on;
	return 0;
}

int tx_store_sync(struct tx_store *st)
{
	if (!st->async_commit || st->be->sync(st) == TXS_OK)
		return 0;
	return tx_error("%s: the stored batches could not be made durable: %s", st->shown,
			st->errmsg);
}

void tx_store_set_retry(struct tx_store *st, unsigned seconds)
{
	st->retry_ms = (uint64_t)seconds * 1000;
}

const char *tx_store_name(const struct tx_store *st)
{
	return st->shown;
}

int tx_store_dsn_has_secret(const char *dsn)
{
	char *shown = tx_store_dsn_shown(dsn);
	int secret = strcmp(shown, dsn) != 0;

	free(shown);
	return secret;
}

char *tx_store_dsn_shown(const char *dsn)
{
	if (!tx_store_dsn_is_postgresql(dsn))
		return tx_strdup(dsn);
	return redact(dsn);
}

const struct tx_store_counts *tx_store_counts(const struct tx_store *st)
{
	return &st->counts;
}

/* ---- offsets ---- */

static struct tx_store_offset *offset_find(struct tx_store *st, const char *topic, size_t tlen,
					   int32_t partition, int create)
{
	size_t i;

	for (i = 0; i < st->noffsets; i++)
		if (st->offsets[i].partition == partition && strlen(st->offsets[i].topic) == tlen &&
		    !memcmp(st->offsets[i].topic, topic, tlen))
			return &st->offsets[i];
	if (!create)
		return NULL;
	TX_ALLOC_GROW(st->offsets, st->noffsets + 1, st->offsets_cap, 16);
	st->offsets[st->noffsets] = (struct tx_store_offset){
	    tx_strndup(topic, tlen), partition, 0, -1, 0, NULL, TX_SREF_NULL};
	return &st->offsets[st->noffsets++];
}

static int load_offset_row(void *ctx, int ncols, const char *const *v)
{
	struct tx_store *st = ctx;
	int64_t part, next;

	struct tx_store_offset *o;

	if (ncols != 4 || !v[0] || !v[1] || !v[2] || tx_parse_int64(v[1], 0, INT32_MAX, &part) ||
	    tx_parse_int64(v[2], 0, INT64_MAX, &next))
		return tx_error("%s: the offsets table holds a bad row", st->shown);
	o = offset_find(st, v[0], strlen(v[0]), (int32_t)part, 1);
	o->next = next;
	o->stored = 1;
	free(o->cluster);
	o->cluster = v[3] && *v[3] ? tx_strdup(v[3]) : NULL;
	return 0;
}

const char *tx_store_offsets_select(const struct tx_store *st)
{
	return st->version >= 2 ? "SELECT topic, \"partition\", next_offset, cluster FROM offsets"
				: "SELECT topic, \"partition\", next_offset, NULL FROM offsets";
}

int tx_store_load_offsets(struct tx_store *st)
{
	size_t i;

	for (i = 0; i < st->noffsets; i++) {
		free(st->offsets[i].topic);
		free(st->offsets[i].cluster);
	}
	st->noffsets = 0;
	if (st->be->query(st, tx_store_offsets_select(st), 0, NULL, load_offset_row, st) != TXS_OK)
		return -1;
	return 0;
}

/* ---- batches ---- */

void tx_store_batch_init(struct tx_store_batch *b)
{
	memset(b, 0, sizeof(*b));
	tx_buf_init(&b->arena);
	tx_map_init(&b->ids, 0);
}

void tx_store_batch_release(struct tx_store_batch *b)
{
	free(b->order);
	free(b->rows);
	tx_map_release(&b->ids);
	tx_buf_release(&b->arena);
	memset(b, 0, sizeof(*b));
}

void tx_store_batch_reset(struct tx_store_batch *b)
{
	free(b->order);
	b->order = NULL;
	b->n = 0;
	b->ncreates = 0;
	tx_buf_reset(&b->arena);
	tx_map_clear(&b->ids);
}

/* A create whose id an update or delete of the batch names must wait for the next batch. */
int tx_store_batch_conflicts(const struct tx_store_batch *b, const struct tx_record *r)
{
	return r->op != TX_OP_UPDATE && r->op != TX_OP_DELETE && b->ids.count &&
	       tx_map_find(&b->ids, r->id.p, r->id.len) >= 0;
}

static struct tx_sref put(struct tx_store_batch *b, const char *p, size_t n)
{
	struct tx_sref s = {b->arena.len, n};
	tx_buf_add(&b->arena, p, n);
	tx_buf_addch(&b->arena, '\0');
	return s;
}

/* A decoded string that is bound as text: it may not hold a NUL. */
static int put_text(struct tx_store_batch *b, struct tx_str v, const char *field,
		    struct tx_sref *out, char *err, size_t errlen)
{
	if (memchr(v.p, '\0', v.len)) {
		snprintf(err, errlen,
			 "field '%s' contains a NUL character, which SQL text cannot hold", field);
		return -1;
	}
	*out = put(b, v.p, v.len);
	return 0;
}

/*
 * The schema's length constraints (transaction_id_length, ...): at most 256
 * characters. With the check fast path, txstore checks them here and SQLite
 * skips its CHECKs (the parser ensures the schema's other constraints); the
 * record is rejected with its line either way, and its batch is not written
 * again row by row for it.
 */
static int too_long(struct tx_str v, const char *field, const char *constraint, char *err,
		    size_t errlen)
{
	size_t i, chars = 0;

	if (v.len <= 256 || !(tx_fast & TX_FAST_CHECK))
		return 0;
	for (i = 0; i < v.len; i++) /* a character: a UTF-8 byte that is not a continuation */
		chars += ((unsigned char)v.p[i] & 0xC0) != 0x80;
	if (chars <= 256)
		return 0;
	snprintf(err, errlen, "field '%s' is %zu characters long, more than 256 (constraint %s)",
		 field, chars, constraint);
	return -1;
}

static struct tx_sref put_time(struct tx_store_batch *b, int64_t us)
{
	struct tx_sref s = {b->arena.len, 0};
	tx_time_format(&b->arena, us);
	s.len = b->arena.len - s.off;
	tx_buf_addch(&b->arena, '\0');
	return s;
}

/* A balance txbal wrote: a JSON number (or string) in the record's currency. */
int tx_store_batch_add(struct tx_store_batch *b, struct tx_record *r, const char *line, size_t len,
		       uint64_t lineno, char *err, size_t errlen)
{
	struct tx_store_row row;
	size_t arena_len = b->arena.len;
	int exp = r->currency->exponent;
	const char *status = NULL;
	unsigned want = TX_LEDGER_BIT(TX_F_NEW_BALANCE) | TX_LEDGER_BIT(TX_F_AVAILABLE_BALANCE) |
			TX_LEDGER_BIT(TX_F_TX_COUNT);
	struct tx_ledger_fields led;

	memset(&row, 0, sizeof(row));
	row.op = r->op == TX_OP_NONE ? TX_OP_CREATE : r->op;
	row.lineno = lineno;
	row.exponent = exp;
	row.type = row.amount = row.ts = row.status = row.reason = row.alerts = row.counterparty =
	    row.source_topic = row.source_ts = row.source_cluster = row.reason_refused =
		TX_SREF_NULL;
	row.sign = tx_type_sign(r->type);
	row.time_us = row.ts_us = row.source_ts_us = -1;
	if (too_long(r->id, "transaction_id", "transaction_id_length", err, errlen) ||
	    too_long(r->account, "account", "account_length", err, errlen) ||
	    too_long(r->counterparty, "counterparty", "counterparty_length", err, errlen))
		return -1;
	if (put_text(b, r->id, "transaction_id", &row.id, err, errlen) ||
	    put_text(b, r->account, "account", &row.account, err, errlen))
		goto fail;
	if (r->type != TX_TYPE_NONE)
		row.type = put(b, tx_type_name(r->type), strlen(tx_type_name(r->type)));
	if (r->idx[TX_F_AMOUNT] >= 0) {
		struct tx_sref s = {b->arena.len, 0};
		tx_money_format(&b->arena, r->amount, exp);
		s.len = b->arena.len - s.off;
		tx_buf_addch(&b->arena, '\0');
		row.amount = s;
		row.amount_minor = r->amount;
	}
	row.currency = put(b, r->currency->code, 3);
	if (r->idx[TX_F_TS] >= 0) {
		row.ts = put_time(b, r->ts_us);
		row.time_us = row.ts_us = r->ts_us;
	}
	if (r->status != TX_STATUS_NONE)
		status = tx_status_name(r->status);
	else if (row.op == TX_OP_CREATE)
		status = "completed";
	if (status)
		row.status = put(b, status, strlen(status));
	if (r->idx[TX_F_REASON] >= 0 &&
	    put_text(b, tx_record_text(r, r->idx[TX_F_REASON]), "reason", &row.reason, err, errlen))
		goto fail;
	if (r->idx[TX_F_ALERTS] >= 0) {
		struct tx_str a = tx_record_raw(r, r->idx[TX_F_ALERTS]);
		row.alerts = put(b, a.p, a.len);
	}
	if (r->idx[TX_F_COUNTERPARTY] >= 0 &&
	    put_text(b, r->counterparty, "counterparty", &row.counterparty, err, errlen))
		goto fail;
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "the line contains a NUL byte");
		goto fail;
	}
	row.record = put(b, line, len);
	if (r->has_source) {
		if (put_text(b, r->source.topic, "source.topic", &row.source_topic, err, errlen))
			goto fail;
		if (r->source.cluster.p && put_text(b, r->source.cluster, "source.cluster",
						    &row.source_cluster, err, errlen))
			goto fail;
		row.has_source = 1;
		row.partition = r->source.partition;
		row.offset = r->source.offset;
		row.dropped_from = -1;
		want |= TX_LEDGER_BIT(TX_F_DROPPED_FROM);
		if (r->source.ts_us >= 0) {
			row.source_ts = put_time(b, r->source.ts_us);
			row.time_us = row.source_ts_us = r->source.ts_us;
		}
	}
	/* txbal's members: dropped_from with a source, counterparty_balance with a counterparty */
	if (row.counterparty.off != (size_t)-1)
		want |= TX_LEDGER_BIT(TX_F_COUNTERPARTY_BALANCE);
	if (tx_record_ledger(r, want, &led, err, errlen))
		goto fail;
	if (led.have & TX_LEDGER_BIT(TX_F_DROPPED_FROM))
		row.dropped_from = led.dropped_from;
	row.has_balance = !!(led.have & TX_LEDGER_BIT(TX_F_NEW_BALANCE));
	row.balance = led.new_balance;
	row.has_available = !!(led.have & TX_LEDGER_BIT(TX_F_AVAILABLE_BALANCE));
	row.available = led.available_balance;
	row.has_count = !!(led.have & TX_LEDGER_BIT(TX_F_TX_COUNT));
	row.tx_count = led.tx_count;
	row.has_cp_balance = !!(led.have & TX_LEDGER_BIT(TX_F_COUNTERPARTY_BALANCE));
	row.cp_balance = led.counterparty_balance;
	TX_ALLOC_GROW(b->rows, b->n + 1, b->cap, 1024);
	b->rows[b->n] = row;
	if (row.op == TX_OP_CREATE)
		b->ncreates++;
	else /* cannot fail: a batch has at most 10^7 rows (txstore --batch), far from 2^32 */
		tx_map_insert(&b->ids, b->arena.p + row.id.off, row.id.len, NULL);
	b->n++;
	return 0;
fail:
	b->arena.len = arena_len;
	if (b->arena.p)
		b->arena.p[arena_len] = '\0';
	return -1;
}

/* ---- writing ---- */

/* The balances a batch leaves, in the order first met: v[i] is the map's entry i. */
struct bal_map {
	struct tx_map *keys; /* the currency code, then the account (tx_map_insert3()) */
	struct tx_store_bal *v;
	size_t n, cap;
};

static struct tx_store_bal *bal_get(struct bal_map *m, const struct tx_store_batch *b,
				    struct tx_sref account, struct tx_sref currency, int exponent)
{
	/* currency: the 3-letter code tx_store_batch_add() put */
	const char *a = b->arena.p + account.off, *c = b->arena.p + currency.off;
	int created;
	/* cannot fail: at most two entries per row of a batch (10^7 rows), far from 2^32 */
	int64_t e = tx_map_insert3(m->keys, c, a, account.len,
				   tx_hash64(a, account.len) ^ tx_hash64(c, 3), &created);

	if (!created)
		return &m->v[e];
	TX_ALLOC_GROW(m->v, m->n + 1, m->cap, 256);
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	m->v[m->n].account = account;
	m->v[m->n].currency = currency;
	m->v[m->n].exponent = exponent;
	return &m->v[m->n++];
}

/* A balance-only update (a transfer's counterparty): the available balance moves with it. */
static void bal_set_posted(struct tx_store_bal *e, int64_t balance)
{
	if (e->has_balance && e->has_available)
		e->available += balance - e->balance;
	else
		e->has_available = 0;
	e->balance = balance;
	e->has_balance = 1;
}

/*
 * qsort has no context argument: the batch being sorted (by this thread:
 * txstore seals one batch while its writer may sort another).
 */
static _Thread_local const struct tx_store_batch *sort_batch;

static int cmp_row_id(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	const struct tx_store_row *a = &sort_batch->rows[i], *b = &sort_batch->rows[j];
	size_t n = a->id.len < b->id.len ? a->id.len : b->id.len;
	int c = memcmp(sort_batch->arena.p + a->id.off, sort_batch->arena.p + b->id.off, n);

	if (c)
		return c;
	if (a->id.len != b->id.len)
		return a->id.len < b->id.len ? -1 : 1;
	return (i > j) - (i < j); /* equal ids keep their order: the first one is stored */
}

size_t *tx_store_creates_by_id(const struct tx_store_batch *b, size_t *n)
{
	size_t *order = tx_malloc((b->ncreates ? b->ncreates : 1) * sizeof(*order));
	size_t i, k = 0;

	if (b->order) { /* sealed */
		memcpy(order, b->order, b->ncreates * sizeof(*order));
		*n = b->ncreates;
		return order;
	}
	for (i = 0; i < b->n; i++)
		if (b->rows[i].op == TX_OP_CREATE)
			order[k++] = i;
	sort_batch = b;
	qsort(order, k, sizeof(*order), cmp_row_id);
	*n = k;
	return order;
}

void tx_store_batch_seal(struct tx_store_batch *b)
{
	size_t n;

	free(b->order);
	b->order = NULL;
	b->order = tx_store_creates_by_id(b, &n);
}

static int apply_one(struct tx_store *st, struct tx_store_batch *b, struct tx_store_row *row,
		     int careful)
{
	int rc;

	if (row->outcome != TX_STORE_PENDING)
		return TXS_OK;
	rc = st->be->apply_row(st, b, row, careful);
	if (rc == TXS_OK && row->outcome == TX_STORE_REFUSED && !row->reason_refused.len)
		row->reason_refused = put(b, st->errmsg, strlen(st->errmsg));
	return rc;
}

/* ---- continuity (see store.h) ---- */

/* A shell word for a hint: the DSN as shown, single-quoted when it needs it. */
static void add_shell_word(struct tx_buf *o, const char *s)
{
	if (!s[strcspn(s, " \t'\"$`\\;&|<>()*?[]#~!{}")]) {
		tx_buf_adds(o, s);
		return;
	}
	tx_buf_addch(o, '\'');
	for (; *s; s++)
		if (*s == '\'')
			tx_buf_adds(o, "'\\''");
		else
			tx_buf_addch(o, *s);
	tx_buf_addch(o, '\'');
}

/*
 * Refuse the batch: st->errmsg says why, what happened to the run and, with
 * resume, the command that continues from what is stored.
 */
static int discontinuous(struct tx_store *st, const struct tx_store_row *row, const char *why,
			 const char *topic, int resume)
{
	struct tx_buf m = TX_BUF_INIT;

	tx_buf_addf(&m, "%s:%llu: %s; %s", st->input, (unsigned long long)row->lineno, why,
		    st->counts.batches ? "this batch was not stored"
				       : "nothing of this run was stored");
	if (!resume)
		goto out;
	tx_buf_adds(&m, "; resume from what is stored with: ");
	if (topic) {
		tx_buf_adds(&m, "txsub -t ");
		add_shell_word(&m, topic);
		tx_buf_adds(&m, " --offsets <(txstore offsets ");
		add_shell_word(&m, st->shown);
		tx_buf_adds(&m, ") | ");
	} else {
		tx_buf_adds(&m, "... | ");
	}
	tx_buf_adds(&m, "txbal --init <(txstore state ");
	add_shell_word(&m, st->shown);
	tx_buf_adds(&m, ") | txstore ");
	add_shell_word(&m, st->shown);
out:
	tx_store_set_err(st, "%s", m.p);
	tx_buf_release(&m);
	return TXS_DISCONTINUOUS;
}

struct bal_read {
	const char *text;
	int exponent;
	int64_t v;
	int found, bad;
};

static int bal_read_row(void *ctx, int ncols, const char *const *v)
{
	struct bal_read *r = ctx;

	r->found = 1;
	if (ncols != 1 || !v[0] ||
	    tx_money_parse(v[0], strlen(v[0]), r->exponent, &r->v) != TX_MONEY_OK)
		r->bad = 1;
	return 0;
}

/*
 * The first record of an account (and currency) in this run continues from
 * the stored balance: before is what the record says the balance was.
 * Without check, the account's chain only starts here (an update or delete).
 */
static int chain_one(struct tx_store *st, struct tx_store_batch *b, struct tx_map *seen,
		     struct tx_buf *key, const struct tx_store_row *row, struct tx_sref account,
		     int check, int64_t before)
{
	const char *acct = tx_sref_str(b, account), *cur = tx_sref_str(b, row->currency);
	const char *params[2] = {acct, cur};
	struct bal_read r = {NULL, row->exponent, 0, 0, 0};
	struct tx_buf why = TX_BUF_INIT;
	int rc = TXS_OK;

	tx_buf_reset(key);
	tx_buf_add(key, acct, account.len + 1); /* with its NUL: a separator */
	tx_buf_adds(key, cur);
	if (tx_map_find(&st->chained, key->p, key->len) >= 0 ||
	    tx_map_find(seen, key->p, key->len) >= 0)
		return TXS_OK;
	tx_map_insert(seen, key->p, key->len, NULL);
	if (!check)
		goto out;
	if (st->be->get_balance)
		rc = st->be->get_balance(st, acct, cur, &r.v, &r.found);
	else
		rc = st->be->query(st,
				   st->dialect == TXS_PG ? "SELECT balance::text FROM balances "
							   "WHERE account = $1 AND currency = $2"
							 : "SELECT balance FROM balances WHERE "
							   "account = ?1 AND currency = ?2",
				   2, params, bal_read_row, &r);
	if (rc != TXS_OK)
		goto out;
	if (r.bad) {
		tx_store_set_err(st, "the stored balance of account '%s' (%s) is not a number",
				 acct, cur);
		rc = TXS_FAIL;
		goto out;
	}
	if (before == r.v)
		goto out;
	tx_buf_addf(&why, "account '%.64s' (%s): the record continues from balance ", acct, cur);
	tx_money_format(&why, before, row->exponent);
	tx_buf_adds(&why, ", but the stored balance is ");
	tx_money_format(&why, r.v, row->exponent);
	tx_buf_adds(&why, r.found ? "" : " (a new account)");
	tx_buf_adds(&why, ": txbal did not start from the stored state (txbal --init)");
	rc = discontinuous(st, row, why.p,
			   row->has_source ? tx_sref_str(b, row->source_topic) : NULL, 1);
out:
	tx_buf_release(&why);
	return rc;
}

static int chain_check(struct tx_store *st, struct tx_store_batch *b, struct tx_map *seen)
{
	struct tx_buf key = TX_BUF_INIT;
	size_t i;
	int rc = TXS_OK;

	for (i = 0; i < b->n; i++) {
		const struct tx_store_row *row = &b->rows[i];
		int completed, create;
		int64_t before;

		if (row->outcome == TX_STORE_SKIPPED || row->outcome == TX_STORE_DUPLICATE ||
		    !row->has_balance)
			continue;
		/*
		 * Updates and deletes are trusted (store.h): a txbal without the
		 * stored state refuses those of earlier transactions itself. The
		 * first record then starts the account's chain unchecked.
		 */
		create = row->op == TX_OP_CREATE && row->amount.off != (size_t)-1;
		completed = row->status.off != (size_t)-1 &&
			    !strcmp(tx_sref_str(b, row->status), "completed");
		before = row->balance;
		if (create && completed &&
		    __builtin_sub_overflow(row->balance, row->sign * row->amount_minor, &before))
			before = INT64_MIN;
		rc = chain_one(st, b, seen, &key, row, row->account, create, before);
		if (rc != TXS_OK)
			break;
		if (!row->has_cp_balance)
			continue;
		before = row->cp_balance;
		if (create && completed &&
		    __builtin_sub_overflow(row->cp_balance, row->amount_minor, &before))
			before = INT64_MIN;
		rc = chain_one(st, b, seen, &key, row, row->counterparty, create, before);
		if (rc != TXS_OK)
			break;
	}
	tx_buf_release(&key);
	return rc;
}

/*
 * Before a batch is written: each row's outcome reset, the rows already
 * stored (by offset) skipped, and the offsets the batch would store
 * (next_new) found, checking that they continue the stored ones from the
 * same cluster. TXS_OK, or what discontinuous() says.
 */
static int batch_offsets(struct tx_store *st, struct tx_store_batch *b)
{
	size_t i;

	for (i = 0; i < st->noffsets; i++) {
		st->offsets[i].next_new = -1;
		st->offsets[i].cluster_new = TX_SREF_NULL;
	}
	st->batch_async = st->async_commit;
	for (i = 0; i < b->n; i++) {
		struct tx_store_row *row = &b->rows[i];
		const char *topic, *cl, *want;
		struct tx_store_offset *o;
		char why[1024];

		row->outcome = TX_STORE_PENDING;
		row->reason_refused = TX_SREF_NULL;
		if (!row->has_source) {
			st->batch_async = 0; /* nothing to replay it from */
			continue;
		}
		topic = tx_sref_str(b, row->source_topic);
		cl = tx_sref_str(b, row->source_cluster);
		o = offset_find(st, topic, row->source_topic.len, row->partition, 1);
		if (row->offset < o->next) {
			row->outcome = TX_STORE_SKIPPED;
			continue;
		}
		want =
		    o->cluster_new.off != (size_t)-1 ? tx_sref_str(b, o->cluster_new) : o->cluster;
		if (cl && want && strcmp(cl, want)) {
			snprintf(why, sizeof(why),
				 "topic '%.200s' partition %d: the record comes from Kafka "
				 "cluster '%.100s', but the stored offsets are from cluster "
				 "'%.100s' (a new or reset broker?): to start over on purpose, "
				 "store into a new database",
				 topic, (int)row->partition, cl, want);
			return discontinuous(st, row, why, topic, 0);
		}
		if (cl && o->cluster_new.off == (size_t)-1)
			o->cluster_new = row->source_cluster;
		/* offsets txbal dropped (duplicates, rejects) were consumed */
		if (o->next_new < 0 && o->stored && row->offset > o->next &&
		    !(row->dropped_from >= 0 && row->dropped_from <= o->next) && !st->allow_gaps) {
			snprintf(why, sizeof(why),
				 "topic '%.200s' partition %d: the record has offset %lld, "
				 "but the stored next offset is %lld: offsets %lld-%lld would "
				 "be missing (txstore --allow-gaps skips them on purpose)",
				 topic, (int)row->partition, (long long)row->offset,
				 (long long)o->next, (long long)o->next,
				 (long long)row->offset - 1);
			return discontinuous(st, row, why, topic, 1);
		}
		if (row->offset + 1 > o->next_new)
			o->next_new = row->offset + 1;
	}
	return TXS_OK;
}

/*
 * The rows, in a transaction already begun: creates in bulk when the
 * backend can (else row by row, in key order), then the changes.
 */
static int batch_rows(struct tx_store *st, struct tx_store_batch *b, int careful, int creates_done)
{
	const struct tx_store_backend *be = st->be;
	size_t *order = NULL, norder = 0, i;
	int rc = TXS_OK;

	if (creates_done) {
		/* write_split(): the second connection's COPY stored them */
	} else if (be->apply_bulk && !careful && b->ncreates > 0) {
		rc = be->apply_bulk(st, b);
	} else if (b->ncreates > 1) {
		/*
		 * Row by row, creates go first (as in the set-based merge; see
		 * tx_store_batch_conflicts) and in key order, so that the B-tree
		 * inserts walk the pages in order instead of jumping about.
		 */
		order = tx_store_creates_by_id(b, &norder);
		for (i = 0; i < norder && rc == TXS_OK; i++)
			rc = apply_one(st, b, &b->rows[order[i]], careful);
		free(order);
	}
	if (rc == TXS_OK && be->apply_changes && !careful && b->ncreates < b->n)
		rc = be->apply_changes(st, b);
	for (i = 0; i < b->n && rc == TXS_OK; i++)
		rc = apply_one(st, b, &b->rows[i], careful);
	return rc;
}

/*
 * The balances the batch leaves, into m: the last value per account wins.
 * A record stored before (skipped or a duplicate) is a replay: the balance
 * it carries is the replay's, not news.
 */
static void batch_balances(const struct tx_store_batch *b, struct bal_map *m)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct tx_store_row *row = &b->rows[i];
		if (row->outcome == TX_STORE_SKIPPED || row->outcome == TX_STORE_DUPLICATE)
			continue;
		if (row->has_balance) {
			struct tx_store_bal *e =
			    bal_get(m, b, row->account, row->currency, row->exponent);
			if (row->has_available) {
				e->balance = row->balance;
				e->has_balance = 1;
				e->available = row->available;
				e->has_available = 1;
			} else {
				bal_set_posted(e, row->balance);
			}
			if (row->has_count) {
				e->tx_count = row->tx_count;
				e->has_count = 1;
				e->count_delta = 0;
			}
		}
		if (row->has_cp_balance)
			bal_set_posted(
			    bal_get(m, b, row->counterparty, row->currency, row->exponent),
			    row->cp_balance);
		/*
		 * txbal counts a transfer it accepts (pending or completed) on both
		 * sides, but the record carries only the account's tx_count: the
		 * counterparty's is the stored one plus the transfers stored now.
		 * Without counterparty_balance (txbal --legs), txbal left the
		 * counterparty alone: so does the store.
		 */
		if (row->outcome == TX_STORE_STORED && row->has_balance && row->has_cp_balance &&
		    row->counterparty.off != (size_t)-1 && row->type.off != (size_t)-1 &&
		    !strcmp(b->arena.p + row->type.off, "transfer") &&
		    strcmp(b->arena.p + row->status.off, "failed") != 0) {
			struct tx_store_bal *e =
			    bal_get(m, b, row->counterparty, row->currency, row->exponent);
			if (e->has_count)
				e->tx_count++;
			else
				e->count_delta++;
		}
	}
}

int tx_store_put_offsets_each(struct tx_store *st, const struct tx_store_batch *b)
{
	for (size_t i = 0; i < st->noffsets; i++) {
		const struct tx_store_offset *o = &st->offsets[i];
		int rc;
		if (o->next_new < 0)
			continue;
		rc = st->be->put_offset(st, o->topic, o->partition, o->next_new,
					tx_sref_str(b, o->cluster_new));
		if (rc != TXS_OK)
			return rc;
	}
	return TXS_OK;
}

/* Committed: the offsets and the chains checked are the store's now. */
static void batch_committed(struct tx_store *st, const struct tx_store_batch *b,
			    const struct tx_map *seen)
{
	size_t i;

	for (i = 0; i < st->noffsets; i++) {
		struct tx_store_offset *o = &st->offsets[i];
		if (o->next_new < 0)
			continue;
		o->next = o->next_new;
		o->stored = 1;
		if (o->cluster_new.off != (size_t)-1) {
			free(o->cluster);
			o->cluster = tx_strdup(tx_sref_str(b, o->cluster_new));
		}
	}
	for (i = 0; i < seen->count; i++) {
		size_t klen;
		const char *k = tx_map_key(seen, (uint32_t)i, &klen);
		tx_map_insert(&st->chained, k, klen, NULL);
	}
}

/* This batch's time (stored_at, updated_at), canonical RFC 3339. */
static void set_stored_at(struct tx_store *st)
{
	struct tx_buf ts = TX_BUF_INIT;

	st->stored_at_us = tx_wall_us();
	tx_time_format(&ts, st->stored_at_us);
	snprintf(st->stored_at, sizeof(st->stored_at), "%s", ts.p);
	tx_buf_release(&ts);
}

/*
 * The end of a batch's transaction, its rows written: the chain check,
 * balances, offsets and the commit (or the rollback).
 */
static int write_tail(struct tx_store *st, struct tx_store_batch *b, int rc)
{
	const struct tx_store_backend *be = st->be;
	struct bal_map m = {.keys = &st->bal_keys};
	struct tx_map seen;

	tx_map_init(&seen, 0);
	tx_map_clear(m.keys);
	if (rc == TXS_OK)
		rc = chain_check(st, b, &seen);
	if (rc == TXS_OK) {
		batch_balances(b, &m);
		if (m.n)
			rc = be->put_balances(st, b, m.v, m.n);
	}
	if (rc == TXS_OK)
		rc = be->put_offsets ? be->put_offsets(st, b) : tx_store_put_offsets_each(st, b);
	if (rc == TXS_OK)
		rc = be->commit(st);
	if (rc == TXS_OK)
		batch_committed(st, b, &seen);
	else
		be->rollback(st);
	tx_map_release(&seen);
	free(m.v);
	return rc;
}

/* One try at writing a batch, in one transaction: rows, balances, offsets. */
static int write_at(struct tx_store *st, struct tx_store_batch *b, int careful)
{
	int rc = batch_offsets(st, b);

	if (rc != TXS_OK)
		return rc;
	rc = st->be->begin(st);
	if (rc != TXS_OK)
		return rc;
	return write_tail(st, b, batch_rows(st, b, careful, 0));
}

static int write_once(struct tx_store *st, struct tx_store_batch *b, int careful)
{
	set_stored_at(st);
	return write_at(st, b, careful);
}

/* Add the outcomes of a batch's rows to the counts. */
static void count_rows(struct tx_store *st, const struct tx_store_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		switch (b->rows[i].outcome) {
		case TX_STORE_STORED: st->counts.stored++; break;
		case TX_STORE_DUPLICATE: st->counts.duplicates++; break;
		case TX_STORE_UPDATED: st->counts.updated++; break;
		case TX_STORE_DELETED: st->counts.deleted++; break;
		case TX_STORE_SKIPPED: st->counts.skipped++; break;
		case TX_STORE_REFUSED: st->counts.refused++; break;
		case TX_STORE_PENDING: break;
		}
	}
}

/*
 * ---- a batch over two connections ----
 *
 * The server's work on a batch (checking the records' JSON, the checks,
 * the index, the WAL) runs in one backend process per connection. A large
 * batch is split into two consecutive halves in input order, each a batch
 * of its own (rows, balances, offsets, one transaction), committed in
 * order: the first half on the current connection, the second on another
 * one, whose COPY the server runs at the same time as the first half's
 * work. A crash between the two commits leaves the offsets at the end of
 * the first half: the second is replayed, as with --batch half as large.
 *
 * The outcomes must be the ones of the whole batch on one connection, so
 * the split is only taken when nothing tells the halves from the whole:
 * the second half's offsets checked after the first half's commit skip
 * the same rows and find no gap; and a create of the second half whose id
 * the first half also creates is left out of the COPY (it would wait for
 * the first half's uncommitted key, and the first half could wait for it:
 * neither could commit) and is a duplicate when the first half stored (or
 * found) the id. Anything unforeseen rolls the second connection back and
 * writes the second half the usual way.
 */
#define TXS_SPLIT_MIN 1024 /* creates in a batch before it is split (a half's COPY) */

/*
 * A view of rows [from, to) of b: its rows, arena and ids are b's. What
 * is added to the view's arena (a refusal's message) must be copied back
 * (b->arena = v->arena) before b is used again.
 */
static void batch_view(struct tx_store_batch *v, const struct tx_store_batch *b, size_t from,
		       size_t to)
{
	*v = *b;
	v->rows = b->rows + from;
	v->n = to - from;
	v->cap = v->n;
	v->order = NULL; /* b's, by b's indexes */
	v->ncreates = 0;
	for (size_t i = 0; i < v->n; i++)
		v->ncreates += v->rows[i].op == TX_OP_CREATE;
}

/*
 * Would the second half h skip what it skips in the whole batch (saved in
 * want, by batch_offsets() of the whole), with the first half a committed?
 * batch_offsets() of h, run on the offsets as a's commit would leave them.
 * Sets st->batch_async for h.
 */
static int split_offsets_same(struct tx_store *st, struct tx_store_batch *a,
			      struct tx_store_batch *h, const unsigned char *want)
{
	struct tx_store_offset *save;
	size_t i, n;
	int rc, same = 1;

	if (batch_offsets(st, a) != TXS_OK)
		return 0;
	n = st->noffsets;
	save = tx_malloc((n ? n : 1) * sizeof(*save));
	if (n) /* st->offsets is NULL before the first offset (memcpy's pointers may not be) */
		memcpy(save, st->offsets, n * sizeof(*save));
	for (i = 0; i < n; i++) {
		struct tx_store_offset *o = &st->offsets[i];
		if (o->next_new < 0)
			continue;
		o->next = o->next_new;
		o->stored = 1;
		if (o->cluster_new.off != (size_t)-1)
			o->cluster = (char *)tx_sref_str(a, o->cluster_new); /* borrowed */
	}
	rc = batch_offsets(st, h);
	/* batch_offsets() only adds offsets for partitions the whole batch added already */
	for (i = 0; i < n; i++) {
		st->offsets[i].next = save[i].next;
		st->offsets[i].stored = save[i].stored;
		st->offsets[i].cluster = save[i].cluster;
	}
	free(save);
	if (rc != TXS_OK || st->noffsets != n)
		return 0;
	for (i = 0; i < h->n && same; i++)
		same = h->rows[i].outcome == want[i];
	return same;
}

/*
 * Write b over two connections when the backend can and b is worth it,
 * else as write_once(). When the first half is committed, *cur becomes
 * the second half (half): what is left of b, which the return code is
 * about.
 */
static int write_split(struct tx_store *st, struct tx_store_batch *b, struct tx_store_batch *half,
		       struct tx_store_batch **cur)
{
	const struct tx_store_backend *be = st->be;
	struct tx_store_batch a;
	struct tx_map ids;
	unsigned char *want = NULL, *sent = NULL;
	size_t *cross = NULL, ncross = 0, i, k, c;
	int rc, async;

	set_stored_at(st);
	for (k = c = 0; k < b->n && c < b->ncreates / 2; k++)
		c += b->rows[k].op == TX_OP_CREATE;
	batch_view(&a, b, 0, k);
	batch_view(half, b, k, b->n);
	if (half->ncreates < TXS_SPLIT_MIN / 2 || batch_offsets(st, b) != TXS_OK)
		return write_at(st, b, 0);
	want = tx_malloc(half->n);
	for (i = 0; i < half->n; i++)
		want[i] = (unsigned char)half->rows[i].outcome;
	if (!split_offsets_same(st, &a, half, want)) {
		free(want);
		return write_at(st, b, 0);
	}
	async = st->batch_async;
	/* the second half's creates of ids the first half creates: left out of the COPY */
	tx_map_init(&ids, sizeof(size_t));
	for (i = 0; i < a.n; i++) {
		int created;
		int64_t e;
		if (a.rows[i].op != TX_OP_CREATE)
			continue;
		e = tx_map_insert(&ids, b->arena.p + a.rows[i].id.off, a.rows[i].id.len, &created);
		if (e >= 0 && created)
			*(size_t *)tx_map_value(&ids, (uint32_t)e) = i;
	}
	cross = tx_malloc(half->n * sizeof(*cross));
	for (i = 0; i < half->n; i++) {
		struct tx_store_row *row = &half->rows[i];
		if (row->op == TX_OP_CREATE && row->outcome == TX_STORE_PENDING &&
		    tx_map_find(&ids, b->arena.p + row->id.off, row->id.len) >= 0) {
			row->outcome = TX_STORE_DUPLICATE;
			cross[ncross++] = i;
		}
	}
	if (be->split_send(st, half) != TXS_OK) {
		rc = write_at(st, b, 0);
		goto out;
	}
	sent = tx_malloc(half->n);
	for (i = 0; i < half->n; i++)
		sent[i] = (unsigned char)half->rows[i].outcome;
	/* the first half, on the current connection, while the server stores the COPY */
	rc = write_at(st, &a, 0);
	if (rc != TXS_OK) {
		be->split_recv(st, 0);
		goto out;
	}
	count_rows(st, &a);
	st->counts.batches++;
	*cur = half;
	/* the second half: what its COPY assumed must hold after the first commit */
	rc = batch_offsets(st, half);
	for (i = 0; i < half->n && rc == TXS_OK; i++)
		if (half->rows[i].outcome != want[i])
			rc = TXS_AGAIN;
	for (i = 0; i < ncross && rc == TXS_OK; i++) {
		const struct tx_store_row *row = &half->rows[cross[i]];
		int64_t e = tx_map_find(&ids, b->arena.p + row->id.off, row->id.len);
		enum tx_store_outcome first =
		    a.rows[*(size_t *)tx_map_value(&ids, (uint32_t)e)].outcome;
		if (first != TX_STORE_STORED && first != TX_STORE_DUPLICATE)
			rc = TXS_AGAIN; /* the whole batch would have tried this one */
	}
	if (rc != TXS_OK) {
		be->split_recv(st, 0);
		rc = write_at(st, half, 0);
		goto out;
	}
	for (i = 0; i < half->n; i++)
		half->rows[i].outcome = (enum tx_store_outcome)sent[i];
	st->batch_async = async;
	if (be->split_recv(st, 1) != TXS_OK) {
		/* rolled back: a key stored before, or the connection lost; the usual way */
		rc = write_at(st, half, 0);
		goto out;
	}
	rc = write_tail(st, half, batch_rows(st, half, 0, 1));
out:
	tx_map_release(&ids);
	free(cross);
	free(sent);
	free(want);
	return rc;
}

/* The committed offsets, to tell after a reconnect whether the database lost some. */
struct offset_mark {
	char *topic;
	int32_t partition;
	int64_t next;
};

static struct offset_mark *offsets_mark(const struct tx_store *st, size_t *n)
{
	struct offset_mark *m = tx_calloc(st->noffsets + 1, sizeof(*m));
	size_t i;

	for (i = *n = 0; i < st->noffsets; i++)
		if (st->offsets[i].stored)
			m[(*n)++] =
			    (struct offset_mark){tx_strdup(st->offsets[i].topic),
						 st->offsets[i].partition, st->offsets[i].next};
	return m;
}

/*
 * After a reconnect and the offsets reloaded: a stored next offset that went
 * back (or is gone) is a committed batch the database lost (an asynchronous
 * commit and a server crash). 1 with st->errmsg set, else 0. Frees m.
 */
static int offsets_lost(struct tx_store *st, struct offset_mark *m, size_t n)
{
	size_t i;
	int lost = 0;

	for (i = 0; i < n; i++) {
		struct tx_store_offset *o =
		    offset_find(st, m[i].topic, strlen(m[i].topic), m[i].partition, 0);
		int64_t now = o && o->stored ? o->next : 0;
		if (!lost && now < m[i].next) {
			tx_store_set_err(
			    st,
			    "the database lost batches it had committed (a server "
			    "crash with asynchronous commit): topic '%.200s' partition "
			    "%d is stored up to offset %lld, not %lld; resume from the "
			    "stored offsets (txstore offsets) to store them again",
			    m[i].topic, (int)m[i].partition, (long long)now, (long long)m[i].next);
			lost = 1;
		}
		free(m[i].topic);
	}
	free(m);
	return lost;
}

static void sleep_ms(unsigned ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* A failed batch whose first half was committed: b keeps only what was not. */
static int write_failed(struct tx_store_batch *b, const struct tx_store_batch *cur, int rc)
{
	if (cur != b) {
		memmove(b->rows, cur->rows, cur->n * sizeof(*b->rows));
		b->n = cur->n;
		b->ncreates = cur->ncreates;
		free(b->order); /* by the indexes of the whole */
		b->order = NULL;
	}
	return rc;
}

int tx_store_write(struct tx_store *st, struct tx_store_batch *b)
{
	uint64_t start = tx_now_ns();
	unsigned delay = TXS_BACKOFF_MIN_MS;
	int careful = 0, again = 0, split = 0, rc;
	struct tx_store_batch half, *cur = b; /* what is left to write */
	struct offset_mark *mark;
	size_t nmark;

	if (!b->n)
		return 0;
	for (;;) {
		/* one try over two connections, then one connection (write_split()) */
		if (!split++ && st->be->split_send && b->ncreates >= TXS_SPLIT_MIN) {
			rc = write_split(st, b, &half, &cur);
		} else {
			rc = write_once(st, cur, careful);
			/* careful, a half's refusals went into its copy of b's arena */
			b->arena = cur->arena;
		}
		if (rc == TXS_OK)
			break;
		if (rc == TXS_AGAIN && ++again < 3)
			continue;
		if (rc == TXS_DISCONTINUOUS) {
			tx_error("%s: %s", st->shown, st->errmsg);
			return write_failed(b, cur, -2);
		}
		if (rc == TXS_REFUSED && !careful) {
			/* One row spoiled the set: do this batch row by row. */
			careful = 1;
			continue;
		}
		if (rc != TXS_LOST) {
			tx_error("%s: %s", st->shown, st->errmsg);
			return write_failed(b, cur, -1);
		}
		mark = offsets_mark(st, &nmark);
		for (;;) {
			if ((tx_now_ns() - start) / 1000000 > st->retry_ms) {
				tx_error("%s: %s; gave up after %d s", st->shown, st->errmsg,
					 (int)(st->retry_ms / 1000));
				offsets_lost(st, mark, nmark); /* frees mark */
				return write_failed(b, cur, -1);
			}
			tx_warn("%s: %s; retrying the batch in %u ms", st->shown, st->errmsg,
				delay);
			sleep_ms(delay);
			delay = delay * 2 > TXS_BACKOFF_MAX_MS ? TXS_BACKOFF_MAX_MS : delay * 2;
			st->counts.retries++;
			if (st->be->reconnect(st) == TXS_OK && tx_store_load_offsets(st) == 0)
				break;
		}
		if (offsets_lost(st, mark, nmark)) {
			tx_error("%s: %s", st->shown, st->errmsg);
			return write_failed(b, cur, -1);
		}
	}
	if (cur == b) /* else the first half was counted at its commit (write_split()) */
		st->counts.batches++;
	count_rows(st, cur);
	return 0;
}

/*
 * store_report.c: txstore's readers, the SQL they build and how they print
 * it: `txstore offsets`, `txstore balances`, `txstore report` and txhttp's
 * reads (tx_store_report_json()). See store.h. The writing side is store.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "store_impl.h"
#include "term.h"
#include "timefmt.h"
#include "tx.h"

struct print_ctx {
	struct tx_store *st;
	struct tx_out *out;
	int failed;
};

static int print_offset_row(void *ctx, int ncols, const char *const *v)
{
	struct print_ctx *pc = ctx;
	struct tx_buf *o = tx_out_buf(pc->out);

	tx_buf_adds(o, "{\"topic\":");
	tx_buf_add_json_string(o, v[0], strlen(v[0]));
	tx_buf_adds(o, ",\"partition\":");
	tx_buf_adds(o, v[1]);
	tx_buf_adds(o, ",\"offset\":");
	tx_buf_adds(o, v[2]);
	if (v[3] && *v[3]) {
		tx_buf_adds(o, ",\"cluster\":");
		tx_buf_add_json_string(o, v[3], strlen(v[3]));
	}
	tx_buf_addch(o, '}');
	tx_buf_addch(o, '\n');
	return tx_out_end_line(pc->out) < 0 ? -1 : 0;
}

int tx_store_print_offsets(struct tx_store *st, struct tx_out *out)
{
	struct print_ctx pc = {st, out, 0};

	struct tx_buf q = TX_BUF_INIT;
	int rc;

	tx_buf_adds(&q, tx_store_offsets_select(st));
	tx_buf_adds(&q, " ORDER BY topic, \"partition\"");
	rc = st->be->query(st, q.p, 0, NULL, print_offset_row, &pc);
	tx_buf_release(&q);
	if (rc != TXS_OK)
		return out->err ? -1 : tx_error("%s: %s", st->shown, st->errmsg);
	return 0;
}

void tx_store_add_decimal(struct tx_buf *o, const char *text, const char *currency, int minor)
{
	const struct tx_currency *c = tx_currency_find(currency, strlen(currency));
	int exp = c ? c->exponent : 2;
	int64_t v;

	if (minor && tx_parse_int64(text, INT64_MIN, INT64_MAX, &v) == 0) {
		tx_money_format(o, v, exp);
		return;
	}
	if (tx_money_parse(text, strlen(text), exp, &v) != TX_MONEY_OK) {
		tx_buf_adds(o, text); /* exact as stored, only not normalised */
		return;
	}
	tx_money_format(o, v, exp);
}

static int print_balance_row(void *ctx, int ncols, const char *const *v)
{
	struct print_ctx *pc = ctx;
	struct tx_buf *o = tx_out_buf(pc->out);

	tx_buf_adds(o, "{\"account\":");
	tx_buf_add_json_string(o, v[0], strlen(v[0]));
	tx_buf_adds(o, ",\"currency\":");
	tx_buf_add_json_string(o, v[1], strlen(v[1]));
	tx_buf_adds(o, ",\"balance\":");
	tx_store_add_decimal(o, v[2], v[1], pc->st->dialect == TXS_SQLITE);
	tx_buf_adds(o, ",\"available_balance\":");
	tx_store_add_decimal(o, v[3], v[1], pc->st->dialect == TXS_SQLITE);
	tx_buf_adds(o, ",\"tx_count\":");
	tx_buf_adds(o, v[4]);
	tx_buf_addch(o, '}');
	tx_buf_addch(o, '\n');
	return tx_out_end_line(pc->out) < 0 ? -1 : 0;
}

int tx_store_print_balances(struct tx_store *st, struct tx_out *out)
{
	struct print_ctx pc = {st, out, 0};
	/* SQLite: the exact minor units (balance is REAL there) */
	const char *sql =
	    st->dialect == TXS_PG
		? "SELECT account, currency, balance, available_balance, tx_count "
		  "FROM balances ORDER BY account COLLATE \"C\", currency"
		: "SELECT account, currency, balance_minor, available_minor, tx_count "
		  "FROM balances ORDER BY account, currency";

	if (st->be->query(st, sql, 0, NULL, print_balance_row, &pc) != TXS_OK)
		return out->err ? -1 : tx_error("%s: %s", st->shown, st->errmsg);
	return 0;
}

/* ---- report ---- */

/* A result set kept as text, printed as NDJSON or as an aligned table. */
enum col_kind { COL_STR, COL_NUM, COL_JSON };
struct col {
	const char *name;
	enum col_kind kind;
};
struct section {
	const char *name;
	const struct col *cols;
	int ncols;
	char **cells; /* nrows * ncols, NULL for absent */
	size_t nrows, cap;
	int money_col, currency_col; /* normalise this column's decimals (-1: none) */
	int money_next;		     /* ... and the next column's too */
	int minor;		     /* money_col holds minor units (SQLite) */
	int64_t total;		     /* rows in all when the query had a LIMIT, else -1 */
	const char *more;	     /* where the rest is, when total > nrows */
	const char *none;	     /* what an empty table means, to say instead */
};

static int section_row(void *ctx, int ncols, const char *const *v)
{
	struct section *s = ctx;
	int i;

	if (ncols != s->ncols)
		return tx_error("report: %d columns where %d were expected", ncols, s->ncols);
	TX_ALLOC_GROW(s->cells, tx_st_mult(s->nrows + 1, (size_t)s->ncols), s->cap,
		      64 * (size_t)s->ncols);
	for (i = 0; i < ncols; i++) {
		char *c = v[i] ? tx_strdup(v[i]) : NULL;
		if (c && (i == s->money_col || (s->money_next && i == s->money_col + 1)) &&
		    s->currency_col >= 0 && v[s->currency_col]) {
			const struct tx_currency *cur =
			    tx_currency_find(v[s->currency_col], strlen(v[s->currency_col]));
			int exp = cur ? cur->exponent : 2;
			struct tx_buf b = TX_BUF_INIT;
			int64_t m, hi, lo;
			char *sp;
			if (s->minor && (sp = strchr(c, ' ')) != NULL) {
				/* "hi lo": the sums of amount_minor / 10^9 and % 10^9 */
				*sp = '\0';
				if (tx_parse_int64(c, INT64_MIN, INT64_MAX, &hi) == 0 &&
				    tx_parse_int64(sp + 1, INT64_MIN, INT64_MAX, &lo) == 0) {
					tx_money_format_wide(&b, (__int128)hi * 1000000000 + lo,
							     exp);
					free(c);
					c = b.p;
				} else {
					*sp = ' ';
				}
			} else if (s->minor
				       ? tx_parse_int64(c, INT64_MIN, INT64_MAX, &m) == 0
				       : tx_money_parse(c, strlen(c), exp, &m) == TX_MONEY_OK) {
				tx_money_format(&b, m, exp);
				free(c);
				c = b.p;
			}
		}
		s->cells[s->nrows * (size_t)s->ncols + (size_t)i] = c;
	}
	s->nrows++;
	return 0;
}

static void section_free(struct section *s)
{
	size_t i;
	for (i = 0; i < s->nrows * (size_t)s->ncols; i++)
		free(s->cells[i]);
	free(s->cells);
}

/* Display width of UTF-8 text, counting code points (good enough for alignment). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* Row r's non-NULL cells as "column":value members, each after a comma when comma is set. */
static void row_members(const struct section *s, size_t r, int comma, struct tx_buf *o)
{
	for (int c = 0; c < s->ncols; c++) {
		const char *v = s->cells[r * (size_t)s->ncols + (size_t)c];
		if (!v)
			continue;
		if (comma)
			tx_buf_addch(o, ',');
		comma = 1;
		tx_buf_add_json_string(o, s->cols[c].name, strlen(s->cols[c].name));
		tx_buf_addch(o, ':');
		if (s->cols[c].kind == COL_STR)
			tx_buf_add_json_string(o, v, strlen(v));
		else
			tx_buf_adds(o, v);
	}
}

static int section_print(const struct section *s, int table, struct tx_out *out)
{
	struct tx_buf *o = tx_out_buf(out);
	size_t r;
	int c;

	if (!table) {
		for (r = 0; r < s->nrows; r++) {
			tx_buf_adds(o, "{\"report\":");
			tx_buf_add_json_string(o, s->name, strlen(s->name));
			row_members(s, r, 1, o);
			tx_buf_adds(o, "}\n");
			if (tx_out_end_line(out) < 0)
				return -1;
		}
		return 0;
	}
	/* a table is for a terminal: the stored text cleaned (term.h), in place */
	for (r = 0; r < s->nrows * (size_t)s->ncols; r++)
		if (s->cells[r])
			s->cells[r][tx_term_clean(s->cells[r], s->cells[r], strlen(s->cells[r]),
						  '?')] = '\0';
	size_t *w = tx_calloc((size_t)s->ncols, sizeof(*w));
	for (c = 0; c < s->ncols; c++)
		w[c] = strlen(s->cols[c].name);
	for (r = 0; r < s->nrows; r++)
		for (c = 0; c < s->ncols; c++) {
			const char *v = s->cells[r * (size_t)s->ncols + (size_t)c];
			size_t l = v ? text_width(v) : 1;
			if (l > w[c])
				w[c] = l;
		}
	if (!s->nrows && s->none) {
		tx_buf_addf(o, "%s: %s\n\n", s->name, s->none);
		free(w);
		return tx_out_end_line(out);
	}
	if (s->total > (int64_t)s->nrows)
		tx_buf_addf(o, "%s (%zu of %lld; %s)\n", s->name, s->nrows, (long long)s->total,
			    s->more);
	else
		tx_buf_addf(o, "%s (%zu)\n", s->name, s->nrows);
	for (r = 0; r <= s->nrows; r++) {
		for (c = 0; c < s->ncols; c++) {
			const char *v = r == 0 ? s->cols[c].name
					       : s->cells[(r - 1) * (size_t)s->ncols + (size_t)c];
			size_t l;
			if (!v)
				v = "-";
			l = text_width(v);
			if (c)
				tx_buf_adds(o, "  ");
			if (s->cols[c].kind == COL_NUM && r > 0) {
				for (; l < w[c]; l++)
					tx_buf_addch(o, ' ');
				tx_buf_adds(o, v);
			} else {
				tx_buf_adds(o, v);
				if (c + 1 < s->ncols)
					for (; l < w[c]; l++)
						tx_buf_addch(o, ' ');
			}
		}
		tx_buf_addch(o, '\n');
	}
	tx_buf_addch(o, '\n');
	free(w);
	return tx_out_end_line(out);
}

/* "name":[{...},...] for a section: a JSON member. */
static void section_json(const struct section *s, struct tx_buf *o)
{
	size_t r;

	tx_buf_add_json_string(o, s->name, strlen(s->name));
	tx_buf_adds(o, ":[");
	for (r = 0; r < s->nrows; r++) {
		if (r)
			tx_buf_addch(o, ',');
		tx_buf_addch(o, '{');
		row_members(s, r, 0, o);
		tx_buf_addch(o, '}');
	}
	tx_buf_addch(o, ']');
}

/* SQL text of a timestamp column in canonical RFC 3339. */
static void add_ts_expr(struct tx_buf *q, enum tx_store_dialect d, const char *col)
{
	if (d == TXS_PG)
		tx_buf_addf(
		    q, "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", col);
	else
		tx_buf_adds(q, col);
}

struct filter {
	struct tx_buf where;
	const char *params[10];
	int n;
	struct tx_buf since, until;
};

static void filter_add(struct filter *f, enum tx_store_dialect d, const char *cond_fmt,
		       const char *value)
{
	char ph[16];
	f->params[f->n++] = value;
	snprintf(ph, sizeof(ph), d == TXS_PG ? "$%d" : "?%d", f->n);
	tx_buf_adds(&f->where, f->where.len ? " AND " : " WHERE ");
	tx_buf_addf(&f->where, cond_fmt, ph);
}

static void filter_build(struct filter *f, enum tx_store_dialect d,
			 const struct tx_store_report *rep)
{
	memset(f, 0, sizeof(*f));
	tx_buf_adds(&f->where, " WHERE deleted_at IS NULL");
	if (rep->account)
		filter_add(f, d, "account = %s", rep->account);
	if (rep->status)
		filter_add(f, d, "status = %s", rep->status);
	if (rep->type)
		filter_add(f, d, "type = %s", rep->type);
	if (rep->since_us >= 0) {
		tx_time_format(&f->since, rep->since_us);
		filter_add(f, d, d == TXS_PG ? "ts >= %s::timestamptz" : "ts >= %s", f->since.p);
	}
	if (rep->until_us >= 0) {
		tx_time_format(&f->until, rep->until_us);
		filter_add(f, d, d == TXS_PG ? "ts < %s::timestamptz" : "ts < %s", f->until.p);
	}
	if (rep->id)
		filter_add(f, d, "transaction_id = %s", rep->id);
	if (rep->keyset)
		tx_buf_adds(&f->where, " AND ts IS NOT NULL");
	if (rep->keyset && rep->after) {
		char ph[16];
		f->params[f->n++] = rep->after;
		snprintf(ph, sizeof(ph), d == TXS_PG ? "$%d" : "?%d", f->n);
		tx_buf_addf(&f->where,
			    " AND (ts < (SELECT ts FROM transactions WHERE transaction_id = %s) OR "
			    "(ts = (SELECT ts FROM transactions WHERE transaction_id = %s) AND "
			    "transaction_id < %s))",
			    ph, ph, ph);
	}
}

/* The balances' filter: the account, when the report has one. */
static void filter_build_balances(struct filter *f, enum tx_store_dialect d,
				  const struct tx_store_report *rep)
{
	memset(f, 0, sizeof(*f));
	if (rep->account)
		filter_add(f, d, "account = %s", rep->account);
}

/* A query's WHERE clause, if its filter has one (the balances' may have none). */
static void add_where(struct tx_buf *q, const struct filter *f)
{
	if (f->where.len)
		tx_buf_add(q, f->where.p, f->where.len);
}

static int run_section(struct tx_store *st, struct section *s, const char *sql,
		       const struct filter *f)
{
	if (st->be->query(st, sql, f ? f->n : 0, f ? f->params : NULL, section_row, s) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	return 0;
}

struct lat_ctx {
	int64_t *v;
	size_t n, cap;
};

static int lat_row(void *ctx, int ncols, const char *const *v)
{
	struct lat_ctx *l = ctx;
	int64_t a, b;

	if (!v[0] || !v[1] || tx_time_parse(v[0], strlen(v[0]), &a) ||
	    tx_time_parse(v[1], strlen(v[1]), &b))
		return 0;
	TX_ALLOC_GROW(l->v, l->n + 1, l->cap, 4096);
	l->v[l->n++] = a - b;
	return 0;
}

/* The one number a count(*) gives, into the int64_t at ctx. */
static int count_row(void *ctx, int ncols, const char *const *v)
{
	int64_t *n = ctx;

	if (ncols < 1 || !v[0] || tx_parse_int64(v[0], 0, INT64_MAX, n) < 0)
		*n = -1;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Microseconds as milliseconds with three decimals ("12.345", "-0.002"). */
static char *fmt_ms(int64_t us)
{
	struct tx_buf b = TX_BUF_INIT;
	tx_money_format(&b, us, 3);
	return b.p;
}

/* The report's sections (want: TX_REPORT_*), to out as txstore prints them, or to json. */
/* The most recent transactions: --limit of them, newest first. */
static int query_transactions(struct tx_store *st, const struct tx_store_report *rep,
			      const struct filter *f, const char *limit, struct tx_buf *q,
			      struct section *tx)
{
	enum tx_store_dialect d = st->dialect;

	tx_buf_reset(q);
	tx_buf_adds(q, "SELECT transaction_id, account, type, ");
	tx_buf_adds(q, d == TXS_PG ? "amount::text" : "amount_minor");
	tx_buf_adds(q, ", currency, ");
	add_ts_expr(q, d, "ts");
	tx_buf_adds(q, ", status, reason, counterparty, ");
	add_ts_expr(q, d, "stored_at");
	tx_buf_adds(q, " FROM transactions");
	add_where(q, f);
	if (rep->keyset)
		tx_buf_addf(q, " ORDER BY ts DESC, transaction_id DESC LIMIT %s", limit);
	else
		tx_buf_addf(q, " ORDER BY ts DESC%s, stored_at DESC, transaction_id LIMIT %s",
			    d == TXS_PG ? " NULLS LAST" : "", limit);
	return run_section(st, tx, q->p, f);
}

/*
 * The balances (the account filter applies): the --limit most recently
 * changed, and how many there are in all, so a report of a million
 * accounts still fits a screen and says where the rest is.
 */
static int query_balances(struct tx_store *st, const struct filter *fbal, const char *limit,
			  struct tx_buf *q, struct section *bal)
{
	enum tx_store_dialect d = st->dialect;

	tx_buf_reset(q);
	tx_buf_adds(q, "SELECT count(*) FROM balances");
	add_where(q, fbal);
	if (st->be->query(st, q->p, fbal->n, fbal->params, count_row, &bal->total) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	tx_buf_reset(q);
	tx_buf_adds(q, "SELECT account, currency, ");
	tx_buf_adds(q, d == TXS_PG ? "balance::text, available_balance::text"
				   : "balance_minor, available_minor");
	tx_buf_adds(q, ", tx_count, ");
	add_ts_expr(q, d, "updated_at");
	tx_buf_adds(q, " FROM balances");
	add_where(q, fbal);
	tx_buf_addf(q,
		    d == TXS_PG
			? " ORDER BY updated_at DESC, account COLLATE \"C\", currency LIMIT %s"
			: " ORDER BY updated_at DESC, account, currency LIMIT %s",
		    limit);
	bal->money_col = 2;		   /* and available_balance (minor units on SQLite) */
	bal->money_next = d == TXS_SQLITE; /* PostgreSQL: as before */
	bal->currency_col = 1;
	return run_section(st, bal, q->p, fbal);
}

/* Counts and exact sums by key (type or status), per currency. */
static int query_sums(struct tx_store *st, const char *key, const struct filter *f,
		      struct tx_buf *q, struct section *sec)
{
	enum tx_store_dialect d = st->dialect;

	tx_buf_reset(q);
	tx_buf_addf(q, "SELECT %s, currency, count(*), ", key);
	/*
	 * SQLite sums in int64 and stops with "integer overflow" past it: sum
	 * the parts above and below 10^9 apart (each sum fits for a billion
	 * rows), joined exactly in 128 bits by section_row(). PostgreSQL's
	 * numeric sum is exact already.
	 */
	tx_buf_adds(q, d == TXS_PG ? "coalesce(sum(amount), 0)::text"
				   : "coalesce(sum(amount_minor / 1000000000), 0) || ' ' || "
				     "coalesce(sum(amount_minor % 1000000000), 0)");
	tx_buf_adds(q, " FROM transactions");
	add_where(q, f);
	tx_buf_addf(q, " GROUP BY %s, currency ORDER BY %s, currency", key, key);
	return run_section(st, sec, q->p, f);
}

/*
 * End-to-end latency: produce time (source.ts) to stored_at. Never from the
 * event time (ts), which says when a transaction happened: a replayed file
 * gave "p50_ms 28519463621". Rows without a produce time are left out.
 */
static int query_latency(struct tx_store *st, const struct filter *f, struct tx_buf *q,
			 struct section *lat)
{
	enum tx_store_dialect d = st->dialect;
	static const int pct[3] = {50, 95, 99};
	struct lat_ctx l = {0};
	const char *cells[5];
	char count[24];
	char *p[4];

	tx_buf_reset(q);
	tx_buf_adds(q, "SELECT ");
	add_ts_expr(q, d, "stored_at");
	tx_buf_adds(q, ", ");
	add_ts_expr(q, d, "source_ts");
	tx_buf_adds(q, " FROM transactions");
	add_where(q, f);
	tx_buf_adds(q,
		    f->where.len ? " AND source_ts IS NOT NULL" : " WHERE source_ts IS NOT NULL");
	if (st->be->query(st, q->p, f->n, f->params, lat_row, &l) != TXS_OK) {
		free(l.v);
		return tx_error("%s: %s", st->shown, st->errmsg);
	}
	if (!l.n)
		return 0;
	qsort(l.v, l.n, sizeof(*l.v), cmp_i64);
	snprintf(count, sizeof(count), "%zu", l.n);
	for (int i = 0; i < 3; i++) {
		/* nearest rank: the smallest value with at least pct% at or below it */
		size_t rank = (l.n * (size_t)pct[i] + 99) / 100;
		p[i] = fmt_ms(l.v[rank ? rank - 1 : 0]);
	}
	p[3] = fmt_ms(l.v[l.n - 1]);
	cells[0] = count;
	for (int i = 0; i < 4; i++)
		cells[i + 1] = p[i];
	section_row(lat, 5, cells);
	for (int i = 0; i < 4; i++)
		free(p[i]);
	free(l.v);
	return 0;
}

static int report(struct tx_store *st, const struct tx_store_report *rep, unsigned want,
		  struct tx_out *out, struct tx_buf *json)
{
	static const struct col tx_cols[] = {{"transaction_id", COL_STR}, {"account", COL_STR},
					     {"type", COL_STR},		  {"amount", COL_NUM},
					     {"currency", COL_STR},	  {"ts", COL_STR},
					     {"status", COL_STR},	  {"reason", COL_STR},
					     {"counterparty", COL_STR},	  {"stored_at", COL_STR}};
	static const struct col bal_cols[] = {{"account", COL_STR},  {"currency", COL_STR},
					      {"balance", COL_NUM},  {"available_balance", COL_NUM},
					      {"tx_count", COL_NUM}, {"updated_at", COL_STR}};
	static const struct col type_cols[] = {
	    {"type", COL_STR}, {"currency", COL_STR}, {"count", COL_NUM}, {"sum", COL_NUM}};
	static const struct col status_cols[] = {
	    {"status", COL_STR}, {"currency", COL_STR}, {"count", COL_NUM}, {"sum", COL_NUM}};
	static const struct col lat_cols[] = {{"count", COL_NUM},
					      {"p50_ms", COL_NUM},
					      {"p95_ms", COL_NUM},
					      {"p99_ms", COL_NUM},
					      {"max_ms", COL_NUM}};
	enum tx_store_dialect d = st->dialect;
	struct section tx = {.name = "transactions",
			     .cols = tx_cols,
			     .ncols = 10,
			     .money_col = 3,
			     .currency_col = 4,
			     .minor = d == TXS_SQLITE,
			     .total = -1};
	struct section bal = {.name = "balances",
			      .cols = bal_cols,
			      .ncols = 6,
			      .money_col = -1,
			      .currency_col = -1,
			      .minor = d == TXS_SQLITE,
			      .total = -1,
			      .more = "txstore balances lists every one"};
	struct section bytype = {.name = "by_type",
				 .cols = type_cols,
				 .ncols = 4,
				 .money_col = 3,
				 .currency_col = 1,
				 .minor = d == TXS_SQLITE,
				 .total = -1};
	struct section bystatus = {.name = "by_status",
				   .cols = status_cols,
				   .ncols = 4,
				   .money_col = 3,
				   .currency_col = 1,
				   .minor = d == TXS_SQLITE,
				   .total = -1};
	struct section lat = {.name = "latency",
			      .cols = lat_cols,
			      .ncols = 5,
			      .money_col = -1,
			      .currency_col = -1,
			      .total = -1,
			      .none =
				  "no produce time in the records (those read by txsub carry one)"};
	/* in the order of the TX_REPORT_* bits */
	struct section *all[5] = {&tx, &bal, &bytype, &bystatus, &lat};
	struct filter f, fbal;
	struct tx_buf q = TX_BUF_INIT;
	char limit[24];
	int rc = -1;

	filter_build(&f, d, rep);
	filter_build_balances(&fbal, d, rep);
	snprintf(limit, sizeof(limit), "%lld", (long long)rep->limit);
	if (((want & TX_REPORT_TRANSACTIONS) &&
	     query_transactions(st, rep, &f, limit, &q, &tx) < 0) ||
	    ((want & TX_REPORT_BALANCES) && query_balances(st, &fbal, limit, &q, &bal) < 0) ||
	    ((want & TX_REPORT_BY_TYPE) && query_sums(st, "type", &f, &q, &bytype) < 0) ||
	    ((want & TX_REPORT_BY_STATUS) && query_sums(st, "status", &f, &q, &bystatus) < 0) ||
	    ((want & TX_REPORT_LATENCY) && query_latency(st, &f, &q, &lat) < 0))
		goto out;
	if (json) {
		int first = 1;
		tx_buf_addch(json, '{');
		for (int i = 0; i < 5; i++) {
			if (!(want & (1u << i)))
				continue;
			if (!first)
				tx_buf_addch(json, ',');
			first = 0;
			section_json(all[i], json);
		}
		tx_buf_addch(json, '}');
	} else {
		for (int i = 0; i < 5; i++)
			if (section_print(all[i], rep->table, out) < 0)
				goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < 5; i++)
		section_free(all[i]);
	tx_buf_release(&q);
	tx_buf_release(&f.where);
	tx_buf_release(&f.since);
	tx_buf_release(&f.until);
	tx_buf_release(&fbal.where);
	return rc;
}

int tx_store_print_report(struct tx_store *st, const struct tx_store_report *rep,
			  struct tx_out *out)
{
	return report(st, rep, TX_REPORT_ALL, out, NULL);
}

int tx_store_report_json(struct tx_store *st, const struct tx_store_report *rep, unsigned sections,
			 struct tx_buf *out)
{
	return report(st, rep, sections, NULL, out);
}

/* Tumbling-window aggregates: see aggregate.h. */
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "timefmt.h"
#include "tx.h"

void tx_agg_init(struct tx_agg *ag, int64_t interval_us, int64_t lateness_us)
{
	memset(ag, 0, sizeof(*ag));
	ag->interval = interval_us > 0 ? interval_us : 0;
	ag->lateness = lateness_us > 0 && interval_us > 0 ? lateness_us : 0;
	ag->max_ts = INT64_MIN;
	ag->min_ts = INT64_MAX;
	tx_map_init(&ag->totals, sizeof(struct tx_agg_cell));
}

void tx_agg_set_types(struct tx_agg *ag, unsigned mask)
{
	ag->types = mask;
}

void tx_agg_release(struct tx_agg *ag)
{
	for (size_t i = 0; i < ag->nw; i++)
		tx_map_release(&ag->w[i].cells);
	tx_map_release(&ag->totals);
	free(ag->w);
	memset(ag, 0, sizeof(*ag));
}

static int64_t window_of(const struct tx_agg *ag, int64_t ts)
{
	int64_t q;

	if (!ag->interval)
		return 0;
	q = ts / ag->interval;
	if (ts % ag->interval < 0)
		q--;
	return q * ag->interval;
}

static struct tx_agg_cell *cell(struct tx_map *cells, uint32_t acct)
{
	int64_t i = tx_map_insert(cells, &acct, sizeof(acct), NULL);
	struct tx_agg_cell *c;

	if (i < 0)
		return NULL;
	c = tx_map_value(cells, (uint32_t)i);
	c->acct = acct;
	return c;
}

/* ,"PREFIXcount":N,"PREFIXdebits":D,"PREFIXcredits":C */
static void add_sums(struct tx_buf *b, const char *prefix, const struct tx_agg_cell *c,
		     int exponent)
{
	static const char *const names[] = {"count", "debits", "credits"};

	for (int i = 0; i < 3; i++) {
		tx_buf_adds(b, ",\"");
		tx_buf_adds(b, prefix);
		tx_buf_adds(b, names[i]);
		tx_buf_adds(b, "\":");
		if (i == 0)
			tx_buf_add_uint(b, c->count);
		else
			tx_money_format(b, i == 1 ? c->debits : c->credits, exponent);
	}
}

static int emit(struct tx_agg *ag, const struct tx_ledger *l, struct tx_agg_window *w,
		struct tx_out *o)
{
	struct tx_buf *b = tx_out_buf(o);

	for (uint32_t i = 0; i < w->cells.count; i++) {
		const struct tx_agg_cell *c = tx_map_value(&w->cells, i);
		const struct tx_acct *a = tx_ledger_acct(l, c->acct);
		size_t len;
		const char *name = tx_ledger_account_name(l, c->acct, &len);
		int first = 1;

		struct tx_agg_cell *tot = cell(&ag->totals, c->acct);

		if (!tot)
			return -1;
		tot->count += c->count;
		if (tx_money_add(tot->debits, c->debits, &tot->debits) ||
		    tx_money_add(tot->credits, c->credits, &tot->credits))
			ag->overflow++;
		if (!ag->interval && ag->min_ts > ag->max_ts) {
			tx_buf_adds(b, "{\"window_start\":null,\"window_end\":null");
		} else {
			tx_buf_adds(b, "{\"window_start\":\"");
			tx_time_format(b, ag->interval ? w->start : ag->min_ts);
			tx_buf_adds(b, "\",\"window_end\":\"");
			tx_time_format(b, ag->interval ? w->start + ag->interval : ag->max_ts);
			tx_buf_addch(b, '"');
		}
		tx_buf_adds(b, ",\"account\":");
		tx_buf_add_json_string(b, name, len);
		tx_buf_adds(b, ",\"currency\":\"");
		tx_buf_add(b, a->cur->code, 3);
		tx_buf_addch(b, '"');
		add_sums(b, "", c, a->cur->exponent);
		tx_buf_adds(b, ",\"by_type\":{");
		for (int t = 1; t < TX_TYPE__COUNT; t++) {
			if (!c->by_type[t])
				continue;
			if (!first)
				tx_buf_addch(b, ',');
			first = 0;
			tx_buf_addch(b, '"');
			tx_buf_adds(b, tx_type_name((enum tx_type)t));
			tx_buf_adds(b, "\":");
			tx_buf_add_uint(b, c->by_type[t]);
		}
		tx_buf_addch(b, '}');
		add_sums(b, "total_", tot, a->cur->exponent);
		tx_buf_addch(b, '}');
		ag->emitted++;
		if (tx_out_line(o, "", 0) < 0)
			return -1;
	}
	return 0;
}

/* Close and write the windows the watermark has passed (all when flush). */
static int close_windows(struct tx_agg *ag, const struct tx_ledger *l, struct tx_out *o, int flush)
{
	size_t n = 0;
	int ret = 0;

	while (n < ag->nw &&
	       (flush ||
		(ag->interval && ag->w[n].start <= ag->max_ts - ag->lateness - ag->interval))) {
		if (emit(ag, l, &ag->w[n], o) < 0)
			ret = -1;
		tx_map_release(&ag->w[n].cells);
		n++;
	}
	if (n) {
		memmove(ag->w, ag->w + n, (ag->nw - n) * sizeof(*ag->w));
		ag->nw -= n;
	}
	return ret;
}

static void count(struct tx_agg *ag, struct tx_agg_cell *c, enum tx_type type, int64_t amount,
		  int credit)
{
	int64_t *sum = credit ? &c->credits : &c->debits;

	c->count++;
	c->by_type[type]++;
	if (tx_money_add(*sum, amount, sum))
		ag->overflow++;
}

int tx_agg_add(struct tx_agg *ag, const struct tx_ledger *l, const struct tx_ledger_result *res,
	       int has_ts, int64_t ts_us, struct tx_out *o)
{
	struct tx_agg_window *w = NULL;
	struct tx_agg_cell *c;
	int64_t start;
	size_t i;
	int ret = 0;

	if (!res->created || (ag->types && !(ag->types & (1u << res->type))))
		return 0;
	if (!ag->interval) {
		/* the whole stream: one window, written at the end */
		if (has_ts && ts_us > ag->max_ts)
			ag->max_ts = ts_us;
		if (has_ts && ts_us < ag->min_ts)
			ag->min_ts = ts_us;
		ts_us = 0;
	} else if (!has_ts) {
		ag->untimed++;
		return 0;
	}
	/* the late test uses 128 bits: ts near INT64_MIN must not wrap */
	if (ag->interval && ts_us > ag->max_ts) {
		ag->max_ts = ts_us;
		ret = close_windows(ag, l, o, 0);
	}
	start = window_of(ag, ts_us);
	if (ag->interval && (__int128)start + ag->interval + ag->lateness <= ag->max_ts) {
		ag->late++;
		return ret;
	}
	for (i = 0; i < ag->nw && ag->w[i].start < start; i++)
		;
	if (i < ag->nw && ag->w[i].start == start) {
		w = &ag->w[i];
	} else {
		TX_ALLOC_GROW(ag->w, ag->nw + 1, ag->wcap, 8);
		memmove(ag->w + i + 1, ag->w + i, (ag->nw - i) * sizeof(*ag->w));
		ag->nw++;
		w = &ag->w[i];
		w->start = start;
		tx_map_init(&w->cells, sizeof(struct tx_agg_cell));
	}
	if (!(c = cell(&w->cells, (uint32_t)res->acct)))
		return -1;
	count(ag, c, res->type, res->amount, tx_type_sign(res->type) > 0);
	if (res->type == TX_TYPE_TRANSFER && res->cp >= 0) {
		if (!(c = cell(&w->cells, (uint32_t)res->cp)))
			return -1;
		count(ag, c, res->type, res->amount, 1);
	}
	return ret;
}

int tx_agg_flush(struct tx_agg *ag, const struct tx_ledger *l, struct tx_out *o)
{
	return close_windows(ag, l, o, 1);
}

int tx_agg_parse_types(const char *opt, const char *list, unsigned *mask)
{
	const char *p = list, *end;
	enum tx_type t;

	*mask = 0;
	for (;;) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		t = tx_type_parse(p, (size_t)(end - p));
		if (t == TX_TYPE_NONE)
			return tx_error(
			    "%s: '%.*s' is not a transaction type (deposit, withdrawal, "
			    "payment, transfer, fee, refund)",
			    opt, (int)(end - p), p);
		*mask |= 1u << t;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

int tx_parse_duration(const char *s, int64_t *us)
{
	static const struct {
		const char *unit;
		int64_t us;
	} units[] = {{"ms", 1000},
		     {"s", 1000000},
		     {"m", 60000000},
		     {"h", 3600000000LL},
		     {"d", 86400000000LL}};
	int64_t v = 0;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (!*p)
		return v == 0 ? (*us = 0, 0) : -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(p, units[i].unit)) {
			if (v > INT64_MAX / units[i].us)
				return -1;
			*us = v * units[i].us;
			return 0;
		}
	}
	return -1;
}

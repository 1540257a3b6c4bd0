/* Running statistics of a transaction stream: see stats.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "money.h"
#include "stats.h"
#include "term.h"
#include "timefmt.h"
#include "tx.h"

/* ---- latency histogram ---- */

static int hist_index(uint64_t v)
{
	int e;

	if (v < 16)
		return (int)v;
	e = 63 - __builtin_clzll(v); /* 4 .. 63 */
	if (e > 63)
		e = 63;
	return 16 + (e - 4) * 16 + (int)((v >> (e - 4)) & 15);
}

/* The smallest value of bucket i, and its width. */
static void hist_bounds(int i, uint64_t *lo, uint64_t *width)
{
	int e, sub;

	if (i < 16) {
		*lo = (uint64_t)i;
		*width = 1;
		return;
	}
	e = (i - 16) / 16 + 4;
	sub = (i - 16) % 16;
	*lo = (16u + (uint64_t)sub) << (e - 4);
	*width = (uint64_t)1 << (e - 4);
}

void tx_hist_add(struct tx_hist *h, int64_t v)
{
	if (!h->n || v < h->min)
		h->min = v;
	if (!h->n || v > h->max)
		h->max = v;
	h->n++;
	if (v < 0) {
		h->negative++;
		v = 0;
	}
	h->b[hist_index((uint64_t)v)]++;
}

int64_t tx_hist_quantile(const struct tx_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, width;
	int64_t v;

	if (!h->n)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* the smallest value with at least q*n values at or below it */
	rank = (uint64_t)(q * (double)h->n);
	if ((double)rank < q * (double)h->n)
		rank++;
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < TX_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < rank)
			continue;
		hist_bounds(i, &lo, &width);
		v = (int64_t)(lo + (width - 1) / 2);
		if (v > h->max)
			v = h->max;
		if (v < h->min)
			v = h->min < 0 ? 0 : h->min;
		return v;
	}
	return h->max;
}

/* ---- Space-Saving top-k ---- */

void tx_topk_init(struct tx_topk *t, size_t slots)
{
	memset(t, 0, sizeof(*t));
	t->slots = slots ? slots : 1;
	t->ent = tx_calloc(t->slots, sizeof(*t->ent));
	t->heap = tx_calloc(t->slots, sizeof(*t->heap));
	t->nbuckets = 1;
	while (t->nbuckets < 2 * t->slots)
		t->nbuckets *= 2;
	t->bucket = tx_malloc(t->nbuckets * sizeof(*t->bucket));
	for (size_t i = 0; i < t->nbuckets; i++)
		t->bucket[i] = -1;
}

void tx_topk_release(struct tx_topk *t)
{
	free(t->ent);
	free(t->heap);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

static uint32_t topk_hash(const char *k, size_t n, const struct tx_currency *c)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)k[i]) * 16777619u;
	for (int i = 0; i < 3; i++)
		h = (h ^ (uint8_t)c->code[i]) * 16777619u;
	return h;
}

static void heap_swap(struct tx_topk *t, size_t a, size_t b)
{
	int32_t x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->ent[t->heap[a]].heap = (int32_t)a;
	t->ent[t->heap[b]].heap = (int32_t)b;
}

/* An entry's score only grows: move it down the min-heap. */
static void heap_down(struct tx_topk *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->used && t->ent[t->heap[l]].score < t->ent[t->heap[m]].score)
			m = l;
		if (r < t->used && t->ent[t->heap[r]].score < t->ent[t->heap[m]].score)
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

static void heap_up(struct tx_topk *t, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (t->ent[t->heap[p]].score <= t->ent[t->heap[i]].score)
			return;
		heap_swap(t, i, p);
		i = p;
	}
}

static int64_t scale_score(int64_t minor, int exponent)
{
	int64_t s = minor;

	for (int e = exponent; e < 4; e++)
		s = s > INT64_MAX / 10 ? INT64_MAX : s * 10;
	for (int e = exponent; e > 4; e--)
		s /= 10;
	return s;
}

static void chain_unlink(struct tx_topk *t, int32_t idx, size_t b)
{
	int32_t *pp = &t->bucket[b];

	while (*pp != -1 && *pp != idx)
		pp = &t->ent[*pp].next;
	if (*pp == idx)
		*pp = t->ent[idx].next;
}

static void ent_set_amount(struct tx_topk_ent *e, int64_t amount)
{
	e->amount = amount;
	e->score = scale_score(amount, e->currency->exponent);
}

const char *tx_topk_key_shown(const struct tx_topk_ent *e, char buf[TX_TOPK_KEY + 1])
{
	buf[tx_term_clean(buf, e->key, e->klen, '?')] = '\0';
	return buf;
}

void tx_topk_format_amount(struct tx_buf *b, const struct tx_topk_ent *e)
{
	if (e->overflow)
		tx_buf_adds(b, "(sum overflows)");
	else
		tx_money_format(b, e->amount, e->currency->exponent);
}

void tx_topk_add(struct tx_topk *t, const char *key, size_t klen,
		 const struct tx_currency *currency, int64_t amount)
{
	uint32_t h;
	size_t b;
	int32_t i;
	struct tx_topk_ent *e;
	int64_t sum;

	if (klen > TX_TOPK_KEY)
		klen = TX_TOPK_KEY;
	h = topk_hash(key, klen, currency);
	b = h & (t->nbuckets - 1);
	for (i = t->bucket[b]; i != -1; i = t->ent[i].next) {
		e = &t->ent[i];
		if (e->klen == klen && e->currency == currency && !memcmp(e->key, key, klen)) {
			if (tx_money_add(e->amount, amount, &sum)) {
				sum = INT64_MAX;
				e->overflow = 1;
			}
			ent_set_amount(e, sum);
			e->n++;
			heap_down(t, (size_t)e->heap);
			return;
		}
	}
	if (t->used < t->slots) {
		i = (int32_t)t->used;
		e = &t->ent[i];
		e->error = 0;
		e->overflow = 0;
		e->heap = (int32_t)t->used;
		t->heap[t->used++] = i;
		sum = amount;
	} else {
		/* Space-Saving: the new key takes over the smallest counter. */
		i = t->heap[0];
		e = &t->ent[i];
		chain_unlink(t, i, topk_hash(e->key, e->klen, e->currency) & (t->nbuckets - 1));
		t->evicted++;
		/* the old minimum bounds the new key's uncounted past */
		e->error = e->amount;
		e->overflow = tx_money_add(e->amount, amount, &sum) != 0 || e->overflow;
		if (e->overflow)
			sum = INT64_MAX;
	}
	memcpy(e->key, key, klen);
	e->key[klen] = '\0';
	e->klen = (uint8_t)klen;
	e->currency = currency;
	e->n = 1;
	ent_set_amount(e, sum);
	e->next = t->bucket[b];
	t->bucket[b] = i;
	heap_up(t, (size_t)e->heap);
	heap_down(t, (size_t)e->heap);
}

static int cmp_score_desc(const void *a, const void *b)
{
	const struct tx_topk_ent *x = *(const struct tx_topk_ent *const *)a;
	const struct tx_topk_ent *y = *(const struct tx_topk_ent *const *)b;
	int c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	/* ties: by key, so the order does not depend on arrival */
	c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->currency->code, y->currency->code);
}

size_t tx_topk_top(const struct tx_topk *t, const struct tx_topk_ent **out, size_t max)
{
	size_t n = 0;

	/* a partial selection: keep the best max entries seen so far, sorted */
	for (size_t i = 0; i < t->used; i++) {
		const struct tx_topk_ent *e = &t->ent[i];
		size_t j;

		if (n == max && (!max || cmp_score_desc(&e, &out[n - 1]) >= 0))
			continue;
		j = n < max ? n++ : n - 1;
		while (j > 0 && cmp_score_desc(&e, &out[j - 1]) < 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = e;
	}
	return n;
}

/* ---- rate ---- */

void tx_rate_add(struct tx_rate *r, int64_t sec, uint64_t n)
{
	size_t i = (size_t)(sec % TX_RATE_SECS);

	if (sec < 0)
		return;
	if (r->sec[i] != sec) {
		r->sec[i] = sec;
		r->n[i] = 0;
	}
	r->n[i] += n;
}

void tx_rate_series(const struct tx_rate *r, int64_t now, uint64_t *out, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		int64_t sec = now - (int64_t)(n - 1 - k);
		size_t i;

		out[k] = 0;
		if (sec < 0 || now - sec >= TX_RATE_SECS)
			continue;
		i = (size_t)(sec % TX_RATE_SECS);
		if (r->sec[i] == sec)
			out[k] = r->n[i];
	}
}

/* ---- records over event time ---- */

void tx_span_add(struct tx_span *h, int64_t ts)
{
	int64_t i;

	if (!h->n) {
		h->width = 1000000;
		h->origin = ts - (ts % h->width + h->width) % h->width; /* a whole second */
		h->last = ts;
	}
	h->n++;
	if (ts > h->last)
		h->last = ts;
	while (ts - h->origin >= h->width * TX_SPAN_BUCKETS) {
		for (size_t k = 0; k < TX_SPAN_BUCKETS / 2; k++)
			h->b[k] = h->b[2 * k] + h->b[2 * k + 1];
		memset(h->b + TX_SPAN_BUCKETS / 2, 0, sizeof(h->b) / 2);
		h->width *= 2;
	}
	i = ts < h->origin ? 0 : (ts - h->origin) / h->width;
	h->b[i]++;
}

size_t tx_span_series(const struct tx_span *h, double *out, size_t max, int64_t *slice_us)
{
	size_t used, group, n;

	*slice_us = 0;
	if (!h->n || !max)
		return 0;
	used = (size_t)((h->last - h->origin) / h->width) + 1;
	group = (used + max - 1) / max;
	n = (used + group - 1) / group;
	*slice_us = h->width * (int64_t)group;
	for (size_t k = 0; k < n; k++) {
		uint64_t c = 0;
		for (size_t i = k * group; i < (k + 1) * group && i < used; i++)
			c += h->b[i];
		out[k] = (double)c * 1e6 / (double)*slice_us;
	}
	return n;
}

/* ---- the whole picture ---- */

static const char *const type_labels[TX_TYPE__COUNT] = {
    "other", "deposit", "withdrawal", "payment", "transfer", "fee", "refund",
};

const char *tx_stats_type_label(enum tx_type t)
{
	return (unsigned)t < TX_TYPE__COUNT ? type_labels[t] : "other";
}

void tx_stats_init(struct tx_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < TX_RATE_SECS; i++)
		s->rate.sec[i] = -1;
	tx_topk_init(&s->spend, TX_STATS_TOPK);
}

void tx_stats_release(struct tx_stats *s)
{
	tx_topk_release(&s->spend);
}

/*
 * Copy at most size-1 bytes, cut before a UTF-8 sequence that would not
 * fit, keeping the text printable on one line and harmless to a terminal
 * (term.h).
 */
static void copy_field(char *dst, size_t size, const char *p, size_t n)
{
	if (!p)
		n = 0;
	if (n > size - 1) {
		n = size - 1;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	dst[tx_term_clean(dst, p, n, '?')] = '\0';
}

static void format_amount(char *dst, size_t size, const struct tx_record *r)
{
	struct tx_buf b = TX_BUF_INIT;

	if (r->idx[TX_F_AMOUNT] < 0) {
		dst[0] = '\0';
		return;
	}
	tx_money_format(&b, r->amount, r->currency->exponent);
	tx_buf_addch(&b, ' ');
	tx_buf_adds(&b, r->currency->code);
	copy_field(dst, size, b.p, b.len);
	tx_buf_release(&b);
}

/* Whether "a,b" names a fraud rule: any but txbal's notices (alerts.h), unknown ones too. */
static int any_fraud(const char *rules)
{
	char name[sizeof(((struct tx_stats_alert *)0)->rules)];
	const char *p = rules;

	while (*p) {
		size_t n = strcspn(p, ",");
		int rule;
		memcpy(name, p, n);
		name[n] = '\0';
		rule = tx_alert_rule_of(name);
		if (rule < 0 || !(TX_ALERT_NOTICES & 1u << rule))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* A number member's text with the record's currency: "74.17 USD"; 0 when absent. */
static int add_member_money(struct tx_buf *b, const struct tx_record *r, int f)
{
	struct tx_str v;

	if (r->idx[f] < 0)
		return 0;
	v = tx_record_raw(r, r->idx[f]);
	if (v.len && v.p[0] == '"') { /* a string: its text */
		v.p++;
		v.len -= v.len > 1 ? 2 : 1;
	}
	tx_buf_add(b, v.p, v.len);
	tx_buf_addch(b, ' ');
	tx_buf_adds(b, r->currency->code);
	return 1;
}

/*
 * What fired each rule, from what txbal writes beside "alerts": the
 * available balance for low_balance and overdraft ("74.17 USD"), the
 * account's transaction count for velocity ("tx_count 17"), the amount for
 * large_amount and for rules it does not know ("12090.39 USD").
 */
static void alert_what(char *dst, size_t size, const char *rules, const struct tx_record *r)
{
	struct tx_buf b = TX_BUF_INIT, one = TX_BUF_INIT;
	const char *p = rules;

	while (*p) {
		size_t n = strcspn(p, ",");

		tx_buf_reset(&one);
		if ((n == 11 && !memcmp(p, "low_balance", 11)) ||
		    (n == 9 && !memcmp(p, "overdraft", 9))) {
			if (!add_member_money(&one, r, TX_F_AVAILABLE_BALANCE))
				add_member_money(&one, r, TX_F_NEW_BALANCE);
		} else if (n == 8 && !memcmp(p, "velocity", 8)) {
			if (r->idx[TX_F_TX_COUNT] >= 0) {
				struct tx_str v = tx_record_raw(r, r->idx[TX_F_TX_COUNT]);
				tx_buf_adds(&one, "tx_count ");
				tx_buf_add(&one, v.p, v.len);
			}
		} else if (r->idx[TX_F_AMOUNT] >= 0) {
			tx_money_format(&one, r->amount, r->currency->exponent);
			tx_buf_addch(&one, ' ');
			tx_buf_adds(&one, r->currency->code);
		}
		if (one.len) {
			if (b.len)
				tx_buf_adds(&b, "; ");
			tx_buf_add(&b, one.p, one.len);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	copy_field(dst, size, b.len ? b.p : "", b.len);
	tx_buf_release(&b);
	tx_buf_release(&one);
}

/* "["a","b"]" -> "a,b": the names of the rules that fired. */
static void alert_rules(char *dst, size_t size, struct tx_str raw)
{
	struct tx_buf b = TX_BUF_INIT;
	const char *p = raw.p, *end = raw.p + raw.len;
	int in = 0;

	for (; p < end; p++) {
		if (!in) {
			if (*p == '"') {
				in = 1;
				if (b.len)
					tx_buf_addch(&b, ',');
			}
			continue;
		}
		if (*p == '\\' && p + 1 < end) {
			p++;
			tx_buf_addch(&b, *p == 'n' || *p == 't' ? ' ' : *p);
		} else if (*p == '"') {
			in = 0;
		} else {
			tx_buf_addch(&b, *p);
		}
	}
	if (!b.len && raw.len) /* not an array of strings: show it as it is */
		tx_buf_add(&b, raw.p, raw.len);
	copy_field(dst, size, b.p, b.len);
	tx_buf_release(&b);
}

static int is_debit(enum tx_type t)
{
	return t == TX_TYPE_WITHDRAWAL || t == TX_TYPE_PAYMENT || t == TX_TYPE_TRANSFER ||
	       t == TX_TYPE_FEE;
}

static void add_volume(struct tx_stats *s, const struct tx_currency *c, int64_t amount)
{
	struct tx_stats_volume *v = NULL;

	for (size_t i = 0; i < TX_STATS_CURRENCIES; i++) {
		if (s->volume[i].currency == c || !s->volume[i].currency) {
			v = &s->volume[i];
			v->currency = c;
			break;
		}
	}
	if (!v) { /* the overflow row: counted, not summed (currencies do not add up) */
		s->volume[TX_STATS_CURRENCIES].n++;
		return;
	}
	v->n++;
	if (!v->overflow && tx_money_add(v->sum, amount, &v->sum)) {
		v->overflow = 1;
		v->sum = INT64_MAX;
	}
}

void tx_stats_add(struct tx_stats *s, struct tx_record *r, int64_t arrival_us, int64_t sec)
{
	enum tx_status st = r->status;
	int have_amount = r->idx[TX_F_AMOUNT] >= 0;
	int is_create = r->op == TX_OP_CREATE || r->op == TX_OP_NONE;
	int have_ts = r->idx[TX_F_TS] >= 0;
	struct tx_stats_row *row;

	s->records++;
	s->by_type[(unsigned)r->type < TX_TYPE__COUNT ? r->type : TX_TYPE_NONE]++;
	if (st == TX_STATUS_NONE && is_create && !r->other_type)
		st = TX_STATUS_COMPLETED; /* tx-record(5): a create without status is completed */
	s->by_status[(unsigned)st < 4 ? st : 0]++;
	s->by_op[(unsigned)r->op < 4 ? r->op : 0]++;
	if (r->idx[TX_F_ANOMALY] >= 0)
		s->anomalies++;
	tx_rate_add(&s->rate, sec, 1);

	if (have_ts) {
		if (!s->have_ts || r->ts_us < s->first_ts)
			s->first_ts = r->ts_us;
		if (!s->have_ts || r->ts_us > s->last_ts)
			s->last_ts = r->ts_us;
		s->have_ts = 1;
	}
	/*
	 * Latency only from the produce time: the event time says when the
	 * transaction happened, which may be months before a replay reads it.
	 */
	if (r->has_source && r->source.ts_us >= 0)
		tx_hist_add(&s->latency, arrival_us - r->source.ts_us);
	if (have_ts)
		tx_span_add(&s->span, r->ts_us);

	/* amounts, volume and spend: transactions as created, not their updates */
	if (have_amount && is_create) {
		s->amounts[s->namounts % TX_STATS_AMOUNTS] =
		    (double)r->amount /
		    (double[]){1, 10, 100, 1000,
			       10000}[r->currency->exponent < 5 ? r->currency->exponent : 4];
		s->namounts++;
		if (st != TX_STATUS_FAILED)
			add_volume(s, r->currency, r->amount);
		if (is_debit(r->type) && st != TX_STATUS_FAILED && r->account.p)
			tx_topk_add(&s->spend, r->account.p, r->account.len, r->currency,
				    r->amount);
	}

	if (r->idx[TX_F_ALERTS] >= 0) {
		struct tx_str raw = tx_record_raw(r, r->idx[TX_F_ALERTS]);
		struct tx_stats_alert *a;

		if (raw.len > 2 || (raw.len && raw.p[0] != '[')) { /* not "[]" */
			a = &s->alert[s->nalert++ % TX_STATS_ALERTS];
			a->ts_us = have_ts ? r->ts_us : arrival_us;
			copy_field(a->account, sizeof(a->account), r->account.p, r->account.len);
			copy_field(a->id, sizeof(a->id), r->id.p, r->id.len);
			alert_rules(a->rules, sizeof(a->rules), raw);
			if (any_fraud(a->rules))
				s->alerts++;
			else
				s->notices++;
			alert_what(a->what, sizeof(a->what), a->rules, r);
		}
	}

	row = &s->row[s->nrow++ % TX_STATS_LATEST];
	row->ts_us = have_ts ? r->ts_us : arrival_us;
	copy_field(row->id, sizeof(row->id), r->id.p, r->id.len);
	copy_field(row->account, sizeof(row->account), r->account.p, r->account.len);
	row->type = r->type;
	row->status = st;
	row->op = r->op;
	format_amount(row->amount, sizeof(row->amount), r);
	if (r->idx[TX_F_NEW_BALANCE] >= 0) {
		struct tx_str nb = tx_record_raw(r, r->idx[TX_F_NEW_BALANCE]);
		copy_field(row->balance, sizeof(row->balance), nb.p, nb.len);
	} else {
		row->balance[0] = '\0';
	}
}

size_t tx_stats_amounts(const struct tx_stats *s, double *out, size_t n)
{
	size_t have = s->namounts < TX_STATS_AMOUNTS ? (size_t)s->namounts : TX_STATS_AMOUNTS;

	if (n > have)
		n = have;
	for (size_t k = 0; k < n; k++)
		out[k] = s->amounts[(s->namounts - n + k) % TX_STATS_AMOUNTS];
	return n;
}

const struct tx_stats_alert *tx_stats_alert_at(const struct tx_stats *s, size_t i)
{
	if (i >= s->nalert || i >= TX_STATS_ALERTS)
		return NULL;
	return &s->alert[(s->nalert - 1 - i) % TX_STATS_ALERTS];
}

const struct tx_stats_row *tx_stats_row_at(const struct tx_stats *s, size_t i)
{
	if (i >= s->nrow || i >= TX_STATS_LATEST)
		return NULL;
	return &s->row[(s->nrow - 1 - i) % TX_STATS_LATEST];
}

/* ---- formatting ---- */

void tx_stats_add_share(struct tx_buf *b, uint64_t count, uint64_t total)
{
	uint64_t permille = total ? (count * 2000 / total + 1) / 2 : 0;

	tx_buf_add_uint(b, permille / 10);
	tx_buf_addch(b, '.');
	tx_buf_add_uint(b, permille % 10);
	tx_buf_addch(b, '%');
}

void tx_stats_add_count(struct tx_buf *b, uint64_t n)
{
	char digits[24];
	int len = 0;

	do {
		digits[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (len > 0) {
		tx_buf_addch(b, digits[--len]);
		if (len > 0 && len % 3 == 0)
			tx_buf_addch(b, ',');
	}
}

void tx_stats_add_short(struct tx_buf *b, double v)
{
	static const char units[] = " kMGTP";
	size_t u = 0;

	if (v < 0) {
		tx_buf_addch(b, '-');
		v = -v;
	}
	if (v < 10) {
		tx_buf_addf(b, "%.3g", v);
		return;
	}
	while (v >= 999.5 && u < sizeof(units) - 2) {
		v /= 1000;
		u++;
	}
	tx_buf_addf(b, v >= 99.95 ? "%.0f" : v >= 9.995 ? "%.1f" : "%.2f", v);
	if (u)
		tx_buf_addch(b, units[u]);
}

void tx_stats_add_rate(struct tx_buf *b, double per_sec)
{
	tx_stats_add_short(b, per_sec);
	tx_buf_adds(b, "/s");
}

void tx_stats_add_clock(struct tx_buf *b, int64_t us, int64_t span_us)
{
	char out[32];
	time_t t = (time_t)(us / 1000000 - (us % 1000000 < 0));
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), span_us >= 86400000000LL ? "%m-%d %H:%M" : "%H:%M:%S", &tm);
	tx_buf_adds(b, out);
}

void tx_stats_add_duration(struct tx_buf *b, int64_t us)
{
	if (us < 0) {
		tx_buf_addch(b, '-');
		us = us == INT64_MIN ? INT64_MAX : -us;
	}
	if (us < 1000)
		tx_buf_addf(b, "%lldus", (long long)us);
	else if (us < 1000000)
		tx_buf_addf(b, "%.1fms", (double)us / 1e3);
	else if (us < 60000000)
		tx_buf_addf(b, "%.2fs", (double)us / 1e6);
	else if (us < 3600000000LL)
		tx_buf_addf(b, "%lldm%02llds", (long long)(us / 60000000),
			    (long long)(us / 1000000 % 60));
	else if (us < 48 * 3600000000LL)
		tx_buf_addf(b, "%lldh%02lldm", (long long)(us / 3600000000LL),
			    (long long)(us / 60000000 % 60));
	else
		tx_buf_addf(b, "%lldd%02lldh", (long long)(us / 86400000000LL),
			    (long long)(us / 3600000000LL % 24));
}

/* "label ....... count  share" rows, aligned. */
static void summary_row(struct tx_buf *b, const char *label, uint64_t n, uint64_t total)
{
	struct tx_buf t = TX_BUF_INIT;

	tx_stats_add_count(&t, n);
	tx_buf_addf(b, "  %-12s %12s  ", label, t.p);
	tx_buf_reset(&t);
	tx_stats_add_share(&t, n, total);
	tx_buf_addf(b, "%6s\n", t.p);
	tx_buf_release(&t);
}

void tx_stats_summary(struct tx_buf *b, const struct tx_stats *s, int64_t elapsed_us)
{
	static const enum tx_type order[] = {
	    TX_TYPE_DEPOSIT, TX_TYPE_WITHDRAWAL, TX_TYPE_PAYMENT, TX_TYPE_TRANSFER,
	    TX_TYPE_FEE,     TX_TYPE_REFUND,	 TX_TYPE_NONE,
	};
	static const double pct[] = {0.5, 0.9, 0.99, 0.999};
	static const char *const pct_name[] = {"p50", "p90", "p99", "p99.9"};
	const struct tx_topk_ent *top[TX_STATS_TOP];
	size_t ntop;

	tx_buf_adds(b, "records: ");
	tx_stats_add_count(b, s->records);
	tx_buf_adds(b, s->estimated ? " (lines ~" : " (lines ");
	tx_stats_add_count(b, s->lines);
	tx_buf_adds(b, ", bad ");
	tx_stats_add_count(b, s->bad);
	if (s->skipped) {
		tx_buf_adds(b, ", not inspected ");
		tx_stats_add_count(b, s->skipped);
	}
	tx_buf_adds(b, ")\n");
	if (elapsed_us > 0) {
		tx_buf_addf(b, "rate: %.1f records/s over %.2f s\n",
			    (double)s->records * 1e6 / (double)elapsed_us,
			    (double)elapsed_us / 1e6);
	} else if (s->have_ts && s->last_ts > s->first_ts) {
		/* files: the rate over the records' own time span, not over the read */
		tx_buf_adds(b, "rate: ");
		tx_stats_add_short(b,
				   (double)s->records * 1e6 / (double)(s->last_ts - s->first_ts));
		tx_buf_adds(b, " records/s of event time over ");
		tx_stats_add_duration(b, s->last_ts - s->first_ts);
		tx_buf_addch(b, '\n');
	}
	if (s->have_ts) {
		tx_buf_adds(b, "event time: ");
		tx_time_format(b, s->first_ts);
		tx_buf_adds(b, " .. ");
		tx_time_format(b, s->last_ts);
		tx_buf_addch(b, '\n');
	}

	tx_buf_adds(b, "\ntypes:\n");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] != TX_TYPE_NONE || s->by_type[TX_TYPE_NONE])
			summary_row(b, tx_stats_type_label(order[i]), s->by_type[order[i]],
				    s->records);

	tx_buf_adds(b, "\nstatuses:\n");
	summary_row(b, "completed", s->by_status[TX_STATUS_COMPLETED], s->records);
	summary_row(b, "pending", s->by_status[TX_STATUS_PENDING], s->records);
	summary_row(b, "failed", s->by_status[TX_STATUS_FAILED], s->records);
	if (s->by_status[TX_STATUS_NONE])
		summary_row(b, "none", s->by_status[TX_STATUS_NONE], s->records);
	tx_buf_adds(b, "operations: ");
	tx_stats_add_count(b, s->by_op[TX_OP_CREATE] + s->by_op[TX_OP_NONE]);
	tx_buf_adds(b, " create, ");
	tx_stats_add_count(b, s->by_op[TX_OP_UPDATE]);
	tx_buf_adds(b, " update, ");
	tx_stats_add_count(b, s->by_op[TX_OP_DELETE]);
	tx_buf_adds(b, " delete\n");

	if (s->volume[0].currency) {
		tx_buf_adds(b, "\nvolume (created transactions, failed ones excluded):\n");
		for (size_t i = 0; i < TX_STATS_CURRENCIES && s->volume[i].currency; i++) {
			const struct tx_stats_volume *v = &s->volume[i];
			struct tx_buf t = TX_BUF_INIT;

			tx_stats_add_count(&t, v->n);
			tx_buf_addf(b, "  %-3s %12s records  ", v->currency->code, t.p);
			tx_buf_reset(&t);
			if (v->overflow)
				tx_buf_adds(&t, "(sum overflows)");
			else
				tx_money_format(&t, v->sum, v->currency->exponent);
			tx_buf_addf(b, "%18s\n", t.p);
			tx_buf_release(&t);
		}
		if (s->volume[TX_STATS_CURRENCIES].n) {
			tx_buf_adds(b, "  other currencies: ");
			tx_stats_add_count(b, s->volume[TX_STATS_CURRENCIES].n);
			tx_buf_adds(b, " records\n");
		}
	}

	if (!s->latency.n && s->records) {
		tx_buf_adds(b, "\nlatency: " TX_STATS_NO_PRODUCE_TIME "\n");
	} else if (s->latency.n) {
		tx_buf_adds(b, "\nlatency (arrival - produce time), ");
		tx_stats_add_count(b, s->latency.n);
		tx_buf_adds(b, " records:\n ");
		for (size_t i = 0; i < 4; i++) {
			tx_buf_addf(b, " %s ", pct_name[i]);
			tx_stats_add_duration(b, tx_hist_quantile(&s->latency, pct[i]));
		}
		tx_buf_adds(b, " max ");
		tx_stats_add_duration(b, s->latency.max);
		tx_buf_addch(b, '\n');
	}

	ntop = tx_topk_top(&s->spend, top, TX_STATS_TOP);
	if (ntop) {
		tx_buf_addf(b, "\ntop accounts by spend%s:\n",
			    s->spend.evicted ? " (estimates: too many accounts to count exactly)"
					     : "");
		for (size_t i = 0; i < ntop; i++) {
			struct tx_buf t = TX_BUF_INIT;

			char key[TX_TOPK_KEY + 1];

			if (s->spend.evicted && top[i]->error)
				tx_buf_adds(&t, "<= ");
			tx_topk_format_amount(&t, top[i]);
			tx_buf_addf(b, "  %2zu. %-20s %16s %s (", i + 1,
				    tx_topk_key_shown(top[i], key), t.p, top[i]->currency->code);
			tx_buf_release(&t);
			tx_stats_add_count(b, top[i]->n);
			tx_buf_adds(b, top[i]->n == 1 ? " debit)\n" : " debits)\n");
		}
	}

	tx_buf_adds(b, "\nalerts: ");
	tx_stats_add_count(b, s->alerts);
	tx_buf_adds(b, ", notices: ");
	tx_stats_add_count(b, s->notices);
	tx_buf_addch(b, '\n');
	for (size_t i = 0; i < 10; i++) {
		const struct tx_stats_alert *a = tx_stats_alert_at(s, i);

		if (!a)
			break;
		tx_buf_adds(b, "  ");
		tx_time_format(b, a->ts_us);
		tx_buf_addf(b, " %s %s %s%s%s\n", a->account, a->id, a->rules,
			    a->what[0] ? " " : "", a->what);
	}
}

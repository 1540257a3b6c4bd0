/* txgen's transaction model: see gen.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "record.h"
#include "rng.h"
#include "timefmt.h"
#include "tx.h"

/* A balance no account has: the account has not had its opening deposit yet. */
#define UNOPENED INT64_MIN
/* Room reserved per line: every line txgen writes is far shorter. */
#define GEN_LINE_MAX 1024
#define RING	     16
/* Of the debits an account cannot cover, this share is written anyway (ppm). */
#define OVERDRAFT_PPM 10000
#define SEC	      1000000ll

enum ev_kind { EV_UPDATE, EV_DELETE, EV_CASHOUT, EV_BURST };
enum anomaly { AN_NONE, AN_TAKEOVER, AN_BURST };
static const char *const anomaly_name[] = {NULL, "account_takeover", "burst"};
/* ,"type":"<type>","amount": by enum tx_type, with its length */
#define TYPE_FRAG(t)                                                                               \
	{                                                                                          \
		",\"type\":\"" t "\",\"amount\":", sizeof(",\"type\":\"" t "\",\"amount\":") - 1   \
	}
static const struct {
	const char *s;
	size_t len;
} type_frag[] = {
    {"", 0},
    TYPE_FRAG("deposit"),
    TYPE_FRAG("withdrawal"),
    TYPE_FRAG("payment"),
    TYPE_FRAG("transfer"),
    TYPE_FRAG("fee"),
    TYPE_FRAG("refund"),
};

/* Something owed later: an update, a delete, the rest of an anomaly. */
struct ev {
	int64_t due;
	uint64_t order; /* ties on due keep scheduling order */
	uint64_t seq;	/* the transaction's sequence number (updates, deletes) */
	int64_t amount;
	uint32_t account, counterparty;
	int16_t merchant;
	uint8_t kind, type, status, anomaly;
};

struct merchant {
	const char *name, *category;
	int32_t median_cents;
	int16_t sigma_milli; /* of the natural logarithm */
	uint8_t weight;
};

static const struct merchant merchants[] = {
    {"FreshMart", "groceries", 4500, 600, 14},
    {"GreenGrocer", "groceries", 3200, 600, 9},
    {"Daily Basket", "groceries", 2800, 600, 8},
    {"Corner Bistro", "restaurants", 3500, 500, 8},
    {"Noodle House", "restaurants", 2200, 450, 7},
    {"Pizza Roma", "restaurants", 2600, 450, 6},
    {"Bean There", "coffee", 550, 300, 12},
    {"Morning Cup", "coffee", 480, 300, 10},
    {"QuickFuel", "fuel", 5200, 400, 7},
    {"Highway Gas", "fuel", 4800, 400, 5},
    {"Metro Transit", "transport", 275, 200, 9},
    {"CityCab", "transport", 1800, 500, 5},
    {"ShopNow Online", "online_retail", 6000, 900, 9},
    {"MegaStore.com", "online_retail", 7500, 900, 7},
    {"TechWorld", "electronics", 18000, 900, 3},
    {"SkyJet Airlines", "travel", 32000, 600, 2},
    {"Harbor Hotel", "travel", 21000, 600, 2},
    {"CineMax", "entertainment", 1600, 350, 5},
    {"StreamFlix", "entertainment", 1299, 30, 4},
    {"CarePharmacy", "health", 2500, 700, 6},
    {"City Clinic", "health", 9000, 600, 2},
    {"PowerGrid Energy", "utilities", 9500, 400, 3},
    {"AquaWater", "utilities", 4500, 350, 2},
    {"TelcoOne", "utilities", 5500, 250, 3},
    {"Urban Threads", "clothing", 5500, 700, 5},
};
#define NMERCHANTS ((int)(sizeof(merchants) / sizeof(merchants[0])))

/* Amount classes other than merchants': median in US cents, sigma of ln. */
enum { AM_OPEN, AM_WITHDRAWAL, AM_TRANSFER, AM_FEE, AM_BURST, AM_TAKEOVER_MIN, AM__COUNT };
static const int32_t am_median[AM__COUNT] = {100000, 8000, 15000, 250, 300, 20000};
static const int16_t am_sigma[AM__COUNT] = {900, 600, 1000, 500, 800, 0};

/* Per mille of regular transactions on an open account, in enum tx_type order. */
static const uint16_t type_weight[TX_TYPE__COUNT] = {0, 50, 110, 620, 140, 40, 40};

/* Intensity by hour of day and weekday (Monday first), relative. */
static const uint16_t hour_weight[24] = {250,  150,  100,  100,	 100,  200,  400,  800,
					 1200, 1300, 1350, 1400, 1600, 1500, 1350, 1300,
					 1400, 1600, 1700, 1600, 1400, 1200, 800,  500};
static const uint16_t weekday_weight[7] = {1000, 1000, 1000, 1050, 1150, 900, 700};

/* Rough units of a currency per US dollar, in thousandths (1000 if not listed). */
static const struct {
	const char *code;
	uint32_t milli;
} fx[] = {
    {"AUD", 1520},    {"BHD", 377},   {"CAD", 1360},   {"CHF", 880},   {"CNY", 7200},
    {"CZK", 23000},   {"DKK", 6900},  {"EUR", 920},    {"GBP", 790},   {"HKD", 7800},
    {"HUF", 360000},  {"INR", 83000}, {"ISK", 140000}, {"JOD", 709},   {"JPY", 150000},
    {"KRW", 1350000}, {"KWD", 307},   {"MXN", 17000},  {"NOK", 10500}, {"OMR", 385},
    {"PLN", 4000},    {"SEK", 10500}, {"TND", 3100},   {"TRY", 32000}, {"VND", 25000000},
};

struct cur {
	int exponent;
	int32_t off_q16; /* log2 of (minor units per US cent) */
	int64_t major;	 /* minor units in one major unit */
	int64_t takeover_min;
	char frag[40]; /* ,"currency":"USD","ts":" */
	size_t frag_len;
};

struct tx_gen {
	struct tx_gen_config c;
	struct tx_rng rng;
	int64_t *bal;
	struct cur cur[TX_GEN_MAX_CURRENCIES];

	int64_t next_arrival;
	int64_t last_ts;     /* the last time written: each record's is later */
	int64_t mean_gap_us; /* at intensity 1 */
	uint32_t hour_w[24], weekday_w[7];
	uint64_t seq;

	struct ev *heap;
	size_t heap_n, heap_cap;
	uint64_t ev_order;

	int32_t am_mu[AM__COUNT], am_sig[AM__COUNT];
	int32_t m_mu[NMERCHANTS], m_sig[NMERCHANTS];
	char m_frag[NMERCHANTS][96];
	uint8_t m_frag_len[NMERCHANTS];
	uint8_t m_pick[256];
	uint16_t type_cum[TX_TYPE__COUNT];
	int32_t income_mu, income_span, income_sig;
	uint32_t anomaly_start_ppm;
	uint64_t anomalies_owed;

	char idpre[32];
	size_t idpre_len;
	int acct_width;
	int64_t day; /* days since the epoch of date[] */
	char date[11];

	char *ring;
	uint16_t ring_len[RING];
	unsigned ring_pos, ring_n;

	struct tx_gen_stats st;
};

uint32_t tx_gen_accounts_for_rate(uint64_t rate_milli)
{
	uint64_t n = (rate_milli * TX_GEN_RATE_GAP_S + 999) / 1000;

	return n < 1000 ? 1000 : n > TX_GEN_MAX_ACCOUNTS ? TX_GEN_MAX_ACCOUNTS : (uint32_t)n;
}

void tx_gen_config_init(struct tx_gen_config *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 1;
	c->accounts = 1000;
	c->currencies[0] = tx_currency_default();
	c->ncurrencies = 1;
	c->start_us = TX_GEN_DEFAULT_START_US;
	c->anomalies_ppm = 1000;
}

static int32_t sigma_q16(int milli)
{
	/* sigma of ln -> of log2: divide by ln 2 (65536 / ln 2 = 94548.9) */
	return (int32_t)((int64_t)milli * 94549 / 1000);
}

struct tx_gen *tx_gen_new(const struct tx_gen_config *c)
{
	struct tx_gen *g = tx_calloc(1, sizeof(*g));
	uint64_t sum, n;
	int i, k;

	g->c = *c;
	tx_rng_seed(&g->rng, c->seed);
	g->bal = tx_malloc(sizeof(*g->bal) * c->accounts);
	for (n = 0; n < c->accounts; n++)
		g->bal[n] = UNOPENED;

	for (i = 0; i < c->ncurrencies; i++) {
		const struct tx_currency *cu = c->currencies[i];
		struct cur *q = &g->cur[i];
		uint64_t milli = 1000, pow10 = 1;
		size_t j;

		for (j = 0; j < sizeof(fx) / sizeof(fx[0]); j++)
			if (!memcmp(fx[j].code, cu->code, 3))
				milli = fx[j].milli;
		for (k = 0; k < cu->exponent; k++)
			pow10 *= 10;
		q->exponent = cu->exponent;
		q->major = (int64_t)pow10;
		/* minor units per US cent = milli / 1000 * pow10 / 100 */
		q->off_q16 = tx_log2_q16(milli * pow10 * 1024) - tx_log2_q16(100000 * 1024);
		q->takeover_min =
		    (int64_t)tx_exp2_q16(tx_log2_q16(am_median[AM_TAKEOVER_MIN]) + q->off_q16);
		q->frag_len = (size_t)snprintf(q->frag, sizeof(q->frag),
					       ",\"currency\":\"%.3s\",\"ts\":\"", cu->code);
	}
	for (i = 0; i < AM__COUNT; i++) {
		g->am_mu[i] = tx_log2_q16((uint64_t)am_median[i]);
		g->am_sig[i] = sigma_q16(am_sigma[i]);
	}
	for (sum = 0, i = 0; i < NMERCHANTS; i++)
		sum += merchants[i].weight;
	for (k = 0, i = 0; i < NMERCHANTS; i++) {
		struct tx_buf b = TX_BUF_INIT;
		uint64_t upto = 0;
		int j;

		g->m_mu[i] = tx_log2_q16((uint64_t)merchants[i].median_cents);
		g->m_sig[i] = sigma_q16(merchants[i].sigma_milli);
		tx_buf_adds(&b, ",\"merchant\":");
		tx_buf_add_json_string(&b, merchants[i].name, strlen(merchants[i].name));
		tx_buf_adds(&b, ",\"category\":");
		tx_buf_add_json_string(&b, merchants[i].category, strlen(merchants[i].category));
		memcpy(g->m_frag[i], b.p, b.len);
		g->m_frag_len[i] = (uint8_t)b.len;
		tx_buf_release(&b);
		for (j = 0; j <= i; j++)
			upto += merchants[j].weight;
		for (; k < (int)(upto * 256 / sum); k++)
			g->m_pick[k] = (uint8_t)i;
	}
	for (i = 1; i < TX_TYPE__COUNT; i++)
		g->type_cum[i] = (uint16_t)(g->type_cum[i - 1] + type_weight[i]);
	/* salaries: a median between $800 and $4000 per account, fixed by the seed */
	g->income_mu = tx_log2_q16(80000);
	g->income_span = tx_log2_q16(5 * 1024) - tx_log2_q16(1024);
	g->income_sig = sigma_q16(150);

	for (sum = 0, i = 0; i < 24; i++)
		sum += hour_weight[i];
	for (i = 0; i < 24; i++)
		g->hour_w[i] = (uint32_t)(hour_weight[i] * 24000u / sum);
	for (sum = 0, i = 0; i < 7; i++)
		sum += weekday_weight[i];
	for (i = 0; i < 7; i++)
		g->weekday_w[i] = (uint32_t)(weekday_weight[i] * 7000u / sum);
	g->mean_gap_us = 86400 * SEC / ((int64_t)c->accounts * TX_GEN_PER_DAY);
	if (g->mean_gap_us < 1)
		g->mean_gap_us = 1;
	g->next_arrival = c->start_us;

	/*
	 * A takeover labels 2 records, a burst 10 on average: start one per
	 * arrival with probability p so that p * 6 / (1 + p * 5) = share.
	 */
	g->anomaly_start_ppm = (uint32_t)((uint64_t)c->anomalies_ppm * 1000000 /
					  (6000000 - 5 * (uint64_t)c->anomalies_ppm));

	g->idpre_len =
	    (size_t)snprintf(g->idpre, sizeof(g->idpre), "{\"transaction_id\":\"tx-%llu-",
			     (unsigned long long)c->seed);
	for (g->acct_width = 1, n = c->accounts; n >= 10; n /= 10)
		g->acct_width++;
	if (g->acct_width < 6)
		g->acct_width = 6;
	g->day = -1;
	g->last_ts = INT64_MIN;
	if (c->duplicates_ppm)
		g->ring = tx_malloc((size_t)RING * GEN_LINE_MAX);
	return g;
}

void tx_gen_free(struct tx_gen *g)
{
	if (!g)
		return;
	free(g->bal);
	free(g->heap);
	free(g->ring);
	free(g);
}

const struct tx_gen_stats *tx_gen_stats(const struct tx_gen *g)
{
	return &g->st;
}

/* The schedule of things owed: a binary min-heap on (due, order). */
static int ev_before(const struct ev *a, const struct ev *b)
{
	return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static void ev_push(struct tx_gen *g, struct ev *e)
{
	size_t i;

	TX_ALLOC_GROW(g->heap, g->heap_n + 1, g->heap_cap, 256);
	e->order = g->ev_order++;
	for (i = g->heap_n++; i > 0; i = (i - 1) / 2) {
		if (!ev_before(e, &g->heap[(i - 1) / 2]))
			break;
		g->heap[i] = g->heap[(i - 1) / 2];
	}
	g->heap[i] = *e;
}

static void ev_pop(struct tx_gen *g, struct ev *out)
{
	struct ev last;
	size_t i = 0, n;

	*out = g->heap[0];
	last = g->heap[--g->heap_n];
	n = g->heap_n;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		const struct ev *best = &last;
		if (l < n && ev_before(&g->heap[l], best))
			best = &g->heap[m = l];
		if (l + 1 < n && ev_before(&g->heap[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		g->heap[i] = g->heap[m];
		i = m;
	}
	if (n)
		g->heap[i] = last;
}

/* Writers into reserved space: each returns the advanced pointer. */
#define PUT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

static char *put_bytes(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static char *put_str(char *p, const char *s)
{
	return put_bytes(p, s, strlen(s));
}

/* "ACC000042" with its quotes: account index 41. */
static char *put_account(const struct tx_gen *g, char *p, uint32_t idx)
{
	uint32_t v = idx + 1;
	int i;

	*p++ = '"';
	*p++ = 'A';
	*p++ = 'C';
	*p++ = 'C';
	for (i = g->acct_width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	p += g->acct_width;
	*p++ = '"';
	return p;
}

/* The canonical timestamp text (no quotes), caching the date part. */
static char *put_ts(struct tx_gen *g, char *p, int64_t us)
{
	int64_t secs, day;
	uint32_t rem, frac;
	int i;

	/*
	 * Distinct records get strictly increasing times (a tie, as at a high
	 * --rate or in a burst, moves 1 us on): the order of the stream is then
	 * the order of its times, which txsub's merge restores across
	 * partitions. A duplicate is a copy and keeps its original's.
	 */
	if (us <= g->last_ts)
		us = g->last_ts + 1;
	g->last_ts = us;
	secs = us / SEC;
	day = secs / 86400;
	rem = (uint32_t)(secs - day * 86400);
	frac = (uint32_t)(us - secs * SEC);
	if (day != g->day) {
		struct tx_buf b = TX_BUF_INIT;
		tx_time_format(&b, day * 86400 * SEC);
		memcpy(g->date, b.p, 11);
		tx_buf_release(&b);
		g->day = day;
	}
	p = put_bytes(p, g->date, 11);
	p[0] = (char)('0' + rem / 36000);
	p[1] = (char)('0' + rem / 3600 % 10);
	p[2] = ':';
	p[3] = (char)('0' + rem % 3600 / 600);
	p[4] = (char)('0' + rem % 600 / 60);
	p[5] = ':';
	p[6] = (char)('0' + rem % 60 / 10);
	p[7] = (char)('0' + rem % 10);
	p[8] = '.';
	for (i = 14; i >= 9; i--) {
		p[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	p[15] = 'Z';
	return p + 16;
}

/* One transaction record: a create, or an update when op_update. */
struct rec {
	uint64_t seq;
	uint32_t account;
	int64_t counterparty; /* -1: none */
	int merchant;	      /* -1: none */
	int type, status, anomaly, op_update;
	int64_t amount, ts;
};

static char *put_record(struct tx_gen *g, char *p, const struct rec *r)
{
	const struct cur *q = &g->cur[r->account % (uint32_t)g->c.ncurrencies];

	p = put_bytes(p, g->idpre, g->idpre_len);
	p = tx_put_uint(p, r->seq);
	p = PUT(p, "\",\"account\":");
	p = put_account(g, p, r->account);
	p = put_bytes(p, type_frag[r->type].s, type_frag[r->type].len);
	p = tx_money_put(p, r->amount, q->exponent);
	p = put_bytes(p, q->frag, q->frag_len);
	p = put_ts(g, p, r->ts);
	if (r->status == TX_STATUS_PENDING)
		p = PUT(p, "\",\"status\":\"pending\"");
	else if (r->status == TX_STATUS_FAILED)
		p = PUT(p, "\",\"status\":\"failed\"");
	else
		p = PUT(p, "\",\"status\":\"completed\"");
	if (r->counterparty >= 0) {
		p = PUT(p, ",\"counterparty\":");
		p = put_account(g, p, (uint32_t)r->counterparty);
	}
	if (r->merchant >= 0)
		p = put_bytes(p, g->m_frag[r->merchant], g->m_frag_len[r->merchant]);
	if (r->anomaly) {
		p = PUT(p, ",\"anomaly\":\"");
		p = put_str(p, anomaly_name[r->anomaly]);
		*p++ = '"';
		g->st.anomalies++;
	}
	if (r->op_update) {
		p = PUT(p, ",\"op\":\"update\"");
		g->st.updates++;
	} else {
		g->st.creates++;
	}
	p = PUT(p, "}\n");
	return p;
}

static char *put_delete(struct tx_gen *g, char *p, uint64_t seq, uint32_t account, int64_t ts)
{
	p = put_bytes(p, g->idpre, g->idpre_len);
	p = tx_put_uint(p, seq);
	p = PUT(p, "\",\"account\":");
	p = put_account(g, p, account);
	p = PUT(p, ",\"op\":\"delete\",\"ts\":\"");
	p = put_ts(g, p, ts);
	p = PUT(p, "\"}\n");
	g->st.deletes++;
	return p;
}

static const struct cur *cur_of(const struct tx_gen *g, uint32_t account)
{
	return &g->cur[account % (uint32_t)g->c.ncurrencies];
}

static int64_t draw(struct tx_gen *g, uint32_t account, int32_t mu, int32_t sigma)
{
	return (int64_t)tx_rng_lognormal(&g->rng, mu + cur_of(g, account)->off_q16, sigma);
}

/*
 * Fit a debit to the balance: returns the amount to debit (capped at a
 * random share of the balance, or as asked when it is covered), or 0 when
 * the account is nearly empty (the caller makes it a deposit instead). Sets
 * *overdraft when the debit is left uncovered on purpose, as a few are, so
 * downstream overdraft checks have something to reject.
 */
static int64_t fit_debit(struct tx_gen *g, uint32_t account, int64_t amount, int *overdraft)
{
	int64_t bal = g->bal[account];

	*overdraft = 0;
	/* a debit leaves a quarter at least: taking 80% and more is what a takeover does */
	if (amount <= bal - bal / 4)
		return amount;
	if (amount > bal && tx_rng_chance(&g->rng, OVERDRAFT_PPM)) {
		*overdraft = 1;
		return amount;
	}
	if (bal < cur_of(g, account)->major)
		return 0;
	amount = bal * tx_rng_range(&g->rng, 5, 75) / 100;
	return amount > 0 ? amount : 1;
}

/* Another open account in the same currency, or -1. */
static int64_t pick_peer(struct tx_gen *g, uint32_t account)
{
	uint32_t n = g->c.accounts, k = (uint32_t)g->c.ncurrencies;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		uint32_t j = (uint32_t)tx_rng_below(&g->rng, n);
		j = j - j % k + account % k;
		if (j >= n)
			j = account % k;
		if (j != account && g->bal[j] != UNOPENED)
			return j;
	}
	return -1;
}

static int64_t time_gap(struct tx_gen *g, int64_t now)
{
	int64_t secs = now / SEC, day = secs / 86400;
	uint32_t hw = g->hour_w[(secs - day * 86400) / 3600], dw = g->weekday_w[(day + 3) % 7];
	uint64_t mean = (uint64_t)g->mean_gap_us * 1000000 / ((uint64_t)hw * dw);

	return (int64_t)tx_rng_exponential(&g->rng, mean);
}

static char *emit_event(struct tx_gen *g, char *p, struct ev *e, int64_t ts)
{
	struct rec r = {0, e->account, -1, e->merchant, e->type, TX_STATUS_COMPLETED, e->anomaly,
			0, e->amount,  ts};
	int64_t *bal = &g->bal[e->account];
	int overdraft;

	switch (e->kind) {
	case EV_UPDATE:
		r.seq = e->seq;
		r.status = e->status;
		r.op_update = 1;
		if (e->type == TX_TYPE_TRANSFER)
			r.counterparty = e->counterparty;
		if (e->status == TX_STATUS_COMPLETED) {
			if (e->type == TX_TYPE_DEPOSIT || e->type == TX_TYPE_REFUND)
				*bal += e->amount;
			else if (e->type == TX_TYPE_TRANSFER)
				g->bal[e->counterparty] += e->amount;
		} else if (e->type != TX_TYPE_DEPOSIT && e->type != TX_TYPE_REFUND) {
			*bal += e->amount; /* the reservation is released */
		}
		return put_record(g, p, &r);
	case EV_DELETE:
		*bal += e->amount; /* a posted debit reversed */
		return put_delete(g, p, e->seq, e->account, ts);
	case EV_CASHOUT:
		if (r.amount <= *bal) {
			*bal -= r.amount;
		} else if (*bal > 0) {
			r.amount = *bal; /* the mule spent some of it meanwhile */
			*bal = 0;
		}
		r.seq = ++g->seq;
		return put_record(g, p, &r);
	case EV_BURST:
	default:
		r.amount = draw(g, e->account, g->am_mu[AM_BURST], g->am_sig[AM_BURST]);
		r.amount = fit_debit(g, e->account, r.amount, &overdraft);
		if (r.amount == 0)
			r.amount = 1; /* card testing goes on regardless: rejected */
		else if (!overdraft)
			*bal -= r.amount;
		r.seq = ++g->seq;
		return put_record(g, p, &r);
	}
}

static void schedule(struct tx_gen *g, int kind, const struct rec *r, int64_t due)
{
	struct ev e;

	memset(&e, 0, sizeof(e));
	e.due = due;
	e.seq = r->seq;
	e.amount = r->amount;
	e.account = r->account;
	e.counterparty = r->counterparty >= 0 ? (uint32_t)r->counterparty : 0;
	e.merchant = (int16_t)r->merchant;
	e.kind = (uint8_t)kind;
	e.type = (uint8_t)r->type;
	e.status = (uint8_t)r->status;
	e.anomaly = (uint8_t)r->anomaly;
	ev_push(g, &e);
}

/* An account takeover: the victim's balance goes out in one transfer, then a cash-out. */
static char *takeover(struct tx_gen *g, char *p, uint32_t victim, int64_t ts, uint64_t budget)
{
	struct rec r = {0,	     victim, -1, -1, TX_TYPE_TRANSFER, TX_STATUS_COMPLETED,
			AN_TAKEOVER, 0,	     0,	 ts};
	int64_t mule;

	if (budget < 1 || g->bal[victim] < cur_of(g, victim)->takeover_min ||
	    (mule = pick_peer(g, victim)) < 0)
		return NULL;
	r.counterparty = mule;
	r.amount = g->bal[victim] * tx_rng_range(&g->rng, 85, 100) / 100;
	g->bal[victim] -= r.amount;
	g->bal[mule] += r.amount;
	r.seq = ++g->seq;
	p = put_record(g, p, &r);

	r.account = (uint32_t)mule;
	r.counterparty = -1;
	r.type = TX_TYPE_WITHDRAWAL;
	r.amount = r.amount * tx_rng_range(&g->rng, 90, 100) / 100;
	schedule(g, EV_CASHOUT, &r, ts + tx_rng_range(&g->rng, 30 * SEC, 1800 * SEC));
	return p;
}

/* A burst: card testing, many small payments at one merchant within seconds. */
static char *burst(struct tx_gen *g, char *p, uint32_t account, int64_t ts, uint64_t budget)
{
	struct rec r = {0, account, -1, 0, TX_TYPE_PAYMENT, TX_STATUS_COMPLETED, AN_BURST, 0, 0, 0};
	struct ev e;
	int64_t k = tx_rng_range(&g->rng, 5, 15), i;

	if ((uint64_t)k - 1 > budget)
		k = (int64_t)budget + 1;
	if (k < 3)
		return NULL;
	r.merchant = (int)tx_rng_below(&g->rng, NMERCHANTS);
	memset(&e, 0, sizeof(e));
	e.kind = EV_BURST;
	e.account = account;
	e.merchant = (int16_t)r.merchant;
	e.type = TX_TYPE_PAYMENT;
	e.anomaly = AN_BURST;
	e.due = ts;
	p = emit_event(g, p, &e, ts);
	for (i = 1; i < k; i++) {
		e.due += tx_rng_range(&g->rng, SEC / 10, 2 * SEC);
		ev_push(g, &e);
	}
	return p;
}

/* A new transaction from the Poisson stream (or the rate's schedule). */
static char *arrival(struct tx_gen *g, char *p, int64_t ts, uint64_t budget)
{
	uint32_t account = (uint32_t)tx_rng_below(&g->rng, g->c.accounts);
	struct rec r = {0,	 account, -1, -1, TX_TYPE_DEPOSIT, TX_STATUS_COMPLETED,
			AN_NONE, 0,	  0,  ts};
	int64_t *bal = &g->bal[account];
	int overdraft = 0, pending = 0;
	uint64_t w;
	char *q;

	/*
	 * An anomaly drawn for an arrival that cannot take it (an account not
	 * open yet, too little money to steal) is owed to a later one, so the
	 * share of labelled records stays what was asked.
	 */
	if (tx_rng_chance(&g->rng, g->anomaly_start_ppm))
		g->anomalies_owed++;
	if (*bal == UNOPENED) {
		r.amount = draw(g, account, g->am_mu[AM_OPEN], g->am_sig[AM_OPEN]);
		*bal = r.amount;
		r.seq = ++g->seq;
		return put_record(g, p, &r);
	}
	if (g->anomalies_owed) {
		q = tx_rng_next(&g->rng) & 1 ? takeover(g, p, account, ts, budget)
					     : burst(g, p, account, ts, budget);
		if (q) {
			g->anomalies_owed--;
			return q;
		}
	}
	w = tx_rng_below(&g->rng, 1000);
	for (r.type = 1; r.type < TX_TYPE__COUNT - 1 && w >= g->type_cum[r.type]; r.type++)
		;
	switch (r.type) {
	case TX_TYPE_WITHDRAWAL: {
		int64_t unit = cur_of(g, account)->major * 10;
		r.amount = draw(g, account, g->am_mu[AM_WITHDRAWAL], g->am_sig[AM_WITHDRAWAL]);
		r.amount = r.amount < unit ? unit : r.amount / unit * unit;
		break;
	}
	case TX_TYPE_PAYMENT:
	case TX_TYPE_REFUND:
		r.merchant = g->m_pick[tx_rng_next(&g->rng) >> 56];
		r.amount = draw(g, account, g->m_mu[r.merchant], g->m_sig[r.merchant]);
		break;
	case TX_TYPE_TRANSFER:
		r.counterparty = pick_peer(g, account);
		if (r.counterparty < 0) {
			r.type = TX_TYPE_PAYMENT;
			r.merchant = g->m_pick[tx_rng_next(&g->rng) >> 56];
			r.amount = draw(g, account, g->m_mu[r.merchant], g->m_sig[r.merchant]);
		} else {
			r.amount = draw(g, account, g->am_mu[AM_TRANSFER], g->am_sig[AM_TRANSFER]);
		}
		break;
	case TX_TYPE_FEE: r.amount = draw(g, account, g->am_mu[AM_FEE], g->am_sig[AM_FEE]); break;
	default: break;
	}
	if (r.type != TX_TYPE_DEPOSIT && r.type != TX_TYPE_REFUND) {
		r.amount = fit_debit(g, account, r.amount, &overdraft);
		if (r.amount == 0) {
			r.type = TX_TYPE_DEPOSIT;
			r.counterparty = -1;
			r.merchant = -1;
		}
	}
	if (r.type == TX_TYPE_DEPOSIT) {
		int32_t mu =
		    g->income_mu + (int32_t)(tx_mix64(g->c.seed ^ ((uint64_t)account << 20)) %
					     (uint64_t)g->income_span);
		r.amount = draw(g, account, mu, g->income_sig);
	}
	r.seq = ++g->seq;
	if (!overdraft && r.type != TX_TYPE_FEE && r.type != TX_TYPE_REFUND && budget >= 1 &&
	    tx_rng_chance(&g->rng, g->c.pending_ppm)) {
		pending = 1;
		r.status = tx_rng_below(&g->rng, 10) ? TX_STATUS_COMPLETED : TX_STATUS_FAILED;
		schedule(g, EV_UPDATE, &r, ts + tx_rng_range(&g->rng, SEC, 600 * SEC));
		budget--;
	}
	if (!overdraft && r.status == TX_STATUS_COMPLETED && budget >= 1 &&
	    (r.type == TX_TYPE_PAYMENT || r.type == TX_TYPE_WITHDRAWAL || r.type == TX_TYPE_FEE) &&
	    tx_rng_chance(&g->rng, g->c.deletes_ppm)) {
		schedule(g, EV_DELETE, &r, ts + tx_rng_range(&g->rng, 900 * SEC, 7200 * SEC));
	}
	if (!overdraft) {
		if (r.type == TX_TYPE_DEPOSIT || r.type == TX_TYPE_REFUND) {
			if (!pending)
				*bal += r.amount;
		} else {
			*bal -= r.amount;
			if (r.type == TX_TYPE_TRANSFER && !pending)
				g->bal[r.counterparty] += r.amount;
		}
	}
	if (pending)
		r.status = TX_STATUS_PENDING;
	return put_record(g, p, &r);
}

void tx_gen_next(struct tx_gen *g, struct tx_buf *b, uint64_t remaining)
{
	uint64_t budget = UINT64_MAX;
	size_t start;
	char *p;
	int64_t now;
	struct ev e;

	if (b->cap - b->len <= GEN_LINE_MAX)
		tx_buf_grow(b, GEN_LINE_MAX);
	start = b->len;
	p = b->p + start;
	if (remaining) {
		if (g->heap_n >= remaining) {
			/* the end is near: write out what is owed */
			ev_pop(g, &e);
			now = g->c.rate_milli ? (int64_t)((unsigned __int128)g->st.lines *
							  1000000000 / g->c.rate_milli) +
						    g->c.start_us
					      : e.due;
			p = emit_event(g, p, &e, now > e.due ? now : e.due);
			goto done;
		}
		budget = remaining - 1 - g->heap_n;
	}
	if (g->ring_n && tx_rng_chance(&g->rng, g->c.duplicates_ppm)) {
		unsigned slot =
		    (g->ring_pos + RING - 1 - (unsigned)tx_rng_below(&g->rng, g->ring_n)) % RING;
		p = put_bytes(p, g->ring + (size_t)slot * GEN_LINE_MAX, g->ring_len[slot]);
		g->st.duplicates++;
		b->len = (size_t)(p - b->p);
		b->p[b->len] = '\0';
		g->st.lines++;
		return;
	}
	if (g->c.rate_milli)
		now = g->c.start_us +
		      (int64_t)((unsigned __int128)g->st.lines * 1000000000 / g->c.rate_milli);
	else
		now = g->next_arrival;
	if (g->heap_n && g->heap[0].due <= now) {
		ev_pop(g, &e);
		p = emit_event(g, p, &e, g->c.rate_milli ? now : e.due);
	} else {
		p = arrival(g, p, now, budget);
		if (!g->c.rate_milli)
			g->next_arrival = now + time_gap(g, now);
	}
done:
	if (g->ring) {
		memcpy(g->ring + (size_t)g->ring_pos * GEN_LINE_MAX, b->p + start,
		       (size_t)(p - b->p) - start);
		g->ring_len[g->ring_pos] = (uint16_t)((size_t)(p - b->p) - start);
		g->ring_pos = (g->ring_pos + 1) % RING;
		if (g->ring_n < RING)
			g->ring_n++;
	}
	b->len = (size_t)(p - b->p);
	b->p[b->len] = '\0';
	g->st.lines++;
}

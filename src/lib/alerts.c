/* Alert rules: see alerts.h. */
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "tx.h"

static const char *const names[TX_ALERT__COUNT] = {
    [TX_ALERT_LOW_BALANCE] = "low_balance",
    [TX_ALERT_LARGE_AMOUNT] = "large_amount",
    [TX_ALERT_VELOCITY] = "velocity",
    [TX_ALERT_OVERDRAFT] = "overdraft",
    [TX_ALERT_DRAIN] = "drain",
};

const char *tx_alert_name(enum tx_alert_rule rule)
{
	return (unsigned)rule < TX_ALERT__COUNT ? names[rule] : "";
}

int tx_alert_rule_of(const char *name)
{
	for (int r = 0; r < TX_ALERT__COUNT; r++)
		if (!strcmp(name, names[r]))
			return r;
	return -1;
}

const char *tx_alert_kind(enum tx_alert_rule rule)
{
	return TX_ALERT_NOTICES & 1u << rule ? "notice" : "fraud";
}

/*
 * Card testing (txgen's bursts: 5 to 15 payments 0.1 to 2 s apart) is more
 * than 4 within 10 s, which an account making one transaction a minute on
 * average (txgen's --rate model) reaches about once in 30,000 records
 * (Poisson, mean 1/6 in 10 s: P(>= 4) = 0.00003); 3 within 60 s fired on
 * most records of any stream faster than a few transactions a minute per
 * account.
 */
void tx_alert_opts_default(struct tx_alert_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->low_balance = "100";
	o->large = "10000";
	o->velocity_n = 4;
	o->velocity_us = 10000000;
	o->overdraft = 1;
	o->drain = "100";
}

static int thresholds(const char *text, const char *what, int64_t out[5])
{
	for (int e = 0; e <= 4; e++) {
		enum tx_money_err err = tx_money_parse(text, strlen(text), e, &out[e]);
		if (err == TX_MONEY_OVERFLOW)
			out[e] = INT64_MAX;
		else if (err != TX_MONEY_OK || out[e] < 0)
			return tx_error("%s threshold '%s' is not an amount >= 0", what, text);
	}
	return 0;
}

int tx_alerts_init(struct tx_alerts *al, const struct tx_alert_opts *o)
{
	memset(al, 0, sizeof(*al));
	if (o->low_balance) {
		if (thresholds(o->low_balance, "low-balance", al->low))
			return -1;
		al->low_on = 1;
	}
	if (o->large) {
		if (thresholds(o->large, "large-amount", al->large))
			return -1;
		al->large_on = 1;
	}
	if (o->drain) {
		if (thresholds(o->drain, "drain", al->drain))
			return -1;
		al->drain_on = 1;
	}
	if (o->velocity_n > TX_ALERT_VELOCITY_MAX)
		return tx_error("velocity count %u is above %u", o->velocity_n,
				TX_ALERT_VELOCITY_MAX);
	al->vn = o->velocity_n;
	al->vus = o->velocity_us;
	al->overdraft_on = o->overdraft;
	return 0;
}

void tx_alerts_release(struct tx_alerts *al)
{
	memset(al, 0, sizeof(*al));
}

/* The velocity ring in the ledger's extra bytes: zeroed means empty. */
struct ring {
	uint16_t head, used;
	uint32_t pad;
	int64_t ts[];
};

size_t tx_alerts_extra(const struct tx_alerts *al)
{
	return al->vn ? sizeof(struct ring) + al->vn * sizeof(int64_t) : 0;
}

static int exp_of(const struct tx_currency *c)
{
	return c->exponent <= 4 ? c->exponent : 4;
}

/* Velocity: this new transaction's event time goes into the ring; 1 when it is the N+1-th within T.
 */
static inline unsigned velocity(const struct tx_alerts *al, struct ring *g, int64_t ts_us)
{
	unsigned head = g->head, used = g->used, fire = 0;
	int64_t d;

	/* N earlier ones within T, this one makes N + 1 (a difference past int64 is not within T)
	 */
	if (used == al->vn)
		fire = __builtin_sub_overflow(ts_us, g->ts[head], &d) ? ts_us < 0 : d < al->vus;
	g->ts[head] = ts_us;
	g->head = (uint16_t)(head + 1 == al->vn ? 0 : head + 1);
	g->used = (uint16_t)(used + (used < al->vn));
	return fire;
}

/* Out of line: the rare refusal's string compare keeps the common path free of calls. */
static __attribute__((noinline)) int insufficient(const struct tx_ledger_result *res)
{
	return res->reason && !strcmp(res->reason, "insufficient_funds");
}

/* Out of line for the same reason: only when a rule fired. */
static __attribute__((noinline)) unsigned count_fired(struct tx_alerts *al, unsigned fired)
{
	for (int r = 0; r < TX_ALERT__COUNT; r++)
		if (fired & 1u << r)
			al->fired[r]++;
	return fired;
}

unsigned tx_alerts_check(struct tx_alerts *al, const struct tx_ledger *l,
			 const struct tx_ledger_result *res, int has_ts, int64_t ts_us)
{
	const struct tx_acct *a;
	unsigned fired = 0;
	int e;

	if (res->acct < 0 ||
	    (res->outcome != TX_LEDGER_APPLIED && res->outcome != TX_LEDGER_REFUSED))
		return 0;
	a = tx_ledger_acct(l, (uint32_t)res->acct);
	e = exp_of(a->cur);
	if (al->low_on && res->avail_before >= al->low[e] && a->balance - a->reserved < al->low[e])
		fired |= 1u << TX_ALERT_LOW_BALANCE;
	/* the rules on new transactions: every create, accepted, failed or refused */
	if (res->new_tx) {
		int debit = res->type != TX_TYPE_DEPOSIT && res->type != TX_TYPE_REFUND;
		if (al->large_on && debit && res->amount >= al->large[e])
			fired |= 1u << TX_ALERT_LARGE_AMOUNT;
		if (al->vn && has_ts)
			fired |= velocity(al, tx_ledger_extra(l, (uint32_t)res->acct), ts_us)
				 << TX_ALERT_VELOCITY;
		if (al->overdraft_on && res->outcome == TX_LEDGER_REFUSED && insufficient(res))
			fired |= 1u << TX_ALERT_OVERDRAFT;
		if (al->drain_on && res->created && debit && res->amount >= al->drain[e] &&
		    res->avail_before > 0 &&
		    (__int128)res->amount * 5 >= (__int128)res->avail_before * 4)
			fired |= 1u << TX_ALERT_DRAIN;
	}
	return fired ? count_fired(al, fired) : 0;
}

void tx_alerts_detail(const struct tx_alerts *al, enum tx_alert_rule rule,
		      const struct tx_ledger *l, const struct tx_ledger_result *res,
		      struct tx_buf *b)
{
	const struct tx_acct *a = tx_ledger_acct(l, (uint32_t)res->acct);
	int e = exp_of(a->cur), x = a->cur->exponent;

	switch (rule) {
	case TX_ALERT_LOW_BALANCE:
		tx_buf_adds(b, "available balance ");
		tx_money_format(b, a->balance - a->reserved, x);
		tx_buf_adds(b, " below ");
		tx_money_format(b, al->low[e], x);
		break;
	case TX_ALERT_LARGE_AMOUNT:
		tx_buf_adds(b, "amount ");
		tx_money_format(b, res->amount, x);
		tx_buf_adds(b, " at or above ");
		tx_money_format(b, al->large[e], x);
		break;
	case TX_ALERT_VELOCITY:
		tx_buf_adds(b, "more than ");
		tx_buf_add_uint(b, al->vn);
		tx_buf_adds(b, " transactions within ");
		tx_buf_add_int(b, al->vus / 1000000);
		if (al->vus % 1000000) {
			char frac[8];
			int64_t f = al->vus % 1000000;
			int n = 6;
			while (f % 10 == 0)
				f /= 10, n--;
			for (int i = n - 1; i >= 0; i--, f /= 10)
				frac[i] = (char)('0' + f % 10);
			tx_buf_addch(b, '.');
			tx_buf_add(b, frac, (size_t)n);
		}
		tx_buf_adds(b, "s");
		break;
	case TX_ALERT_OVERDRAFT:
		tx_buf_adds(b, "debit of ");
		tx_money_format(b, res->amount, x);
		tx_buf_adds(b, " refused, available balance ");
		tx_money_format(b, a->balance - a->reserved, x);
		break;
	case TX_ALERT_DRAIN:
		tx_buf_adds(b, "debit of ");
		tx_money_format(b, res->amount, x);
		tx_buf_adds(b, " took 80% or more of the available balance ");
		tx_money_format(b, res->avail_before, x);
		break;
	case TX_ALERT__COUNT: break;
	}
}

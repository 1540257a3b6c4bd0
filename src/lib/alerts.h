/*
 * alerts.h: txbal's alert rules, evaluated on each record after the ledger
 * has applied it (txbal(1), ALERTS, is the user's view).
 *
 *   low_balance   the account's available balance falls below a threshold
 *                 (fires when it crosses: before >= threshold > after)
 *   large_amount  a new debit's amount is at or above a threshold (money
 *                 coming in, a deposit or a refund, is not a fraud signal)
 *   velocity      more than N new transactions on one account entry within
 *                 T seconds of event time (ts); every one past the N-th fires
 *   overdraft     a debit was refused for insufficient funds
 *   drain         a new debit, accepted, of at least a threshold takes 80
 *                 percent or more of the available balance before it
 *
 * large_amount, velocity and drain are fraud signals; low_balance and
 * overdraft are notices about the account's own money (tx_alert_kind()),
 * counted apart. The defaults (tx_alert_opts_default()) were chosen
 * against txgen's model: see txbal(1), ALERTS, for the figures.
 *
 * Thresholds are decimal text in the currency's units ("100" is 100.00 USD
 * and 100 JPY). Velocity keeps, per account entry, the event times of its
 * last N new transactions, in the ledger's per-account extra bytes
 * (tx_alerts_extra()): 8 * N + 8 bytes per account.
 */
#ifndef TX_ALERTS_H
#define TX_ALERTS_H

#include <stdint.h>

#include "buf.h"
#include "ledger.h"

enum tx_alert_rule {
	TX_ALERT_LOW_BALANCE,
	TX_ALERT_LARGE_AMOUNT,
	TX_ALERT_VELOCITY,
	TX_ALERT_OVERDRAFT,
	TX_ALERT_DRAIN,
	TX_ALERT__COUNT
};

/* The bits of the notices in a mask of fired rules; the others are fraud signals. */
#define TX_ALERT_NOTICES (1u << TX_ALERT_LOW_BALANCE | 1u << TX_ALERT_OVERDRAFT)

#define TX_ALERT_VELOCITY_MAX 1000 /* the largest N of --velocity N/T */

struct tx_alert_opts {
	const char *low_balance; /* NULL: rule off */
	const char *large;	 /* NULL: rule off */
	uint32_t velocity_n;	 /* 0: rule off */
	int64_t velocity_us;	 /* T */
	int overdraft;		 /* the overdraft rule on */
	const char *drain;	 /* NULL: rule off */
};

/* The defaults: every rule on (txbal(1) lists the values). */
void tx_alert_opts_default(struct tx_alert_opts *o);

struct tx_alerts {
	int64_t low[5], large[5],
	    drain[5]; /* by currency exponent; INT64_MAX when it does not fit */
	int low_on, large_on, overdraft_on, drain_on;
	uint32_t vn;
	int64_t vus;
	int64_t *ring;	   /* vn event times per account entry, INT64_MIN when unused */
	uint16_t *head;	   /* next ring position per account entry */
	uint32_t ring_cap; /* account entries the rings have room for */
	uint64_t fired[TX_ALERT__COUNT];
};

/* Rule names as written in records and alert records ("low_balance"). */
const char *tx_alert_name(enum tx_alert_rule rule);
/* The rule of a name, or -1. */
int tx_alert_rule_of(const char *name);
/* "fraud" or "notice", as alert records say it. */
const char *tx_alert_kind(enum tx_alert_rule rule);

/* 0, or -1 (reported) when a threshold is not a decimal amount >= 0. */
int tx_alerts_init(struct tx_alerts *al, const struct tx_alert_opts *opts);
/* The per-account bytes the rules need: pass it as tx_ledger_opts.extra. */
size_t tx_alerts_extra(const struct tx_alerts *al);
void tx_alerts_release(struct tx_alerts *al);

/*
 * The rules res fires (a bit mask of 1 << enum tx_alert_rule), counted in
 * al->fired. ts_us is the record's event time, has_ts 0 when it has none
 * (velocity then skips it).
 */
unsigned tx_alerts_check(struct tx_alerts *al, const struct tx_ledger *l,
			 const struct tx_ledger_result *res, int has_ts, int64_t ts_us);

/* Append the human-readable detail of a fired rule ("available balance 42.00 below 100.00"). */
void tx_alerts_detail(const struct tx_alerts *al, enum tx_alert_rule rule,
		      const struct tx_ledger *l, const struct tx_ledger_result *res,
		      struct tx_buf *b);

#endif

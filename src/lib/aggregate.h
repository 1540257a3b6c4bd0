/*
 * aggregate.h: per-account totals over tumbling windows of event time, for
 * txbal --aggregate (txbal(1), AGGREGATES, is the user's view).
 *
 * Windows are [k * interval, (k + 1) * interval) of event time (ts, UTC,
 * aligned to the epoch). The watermark is the largest ts seen so far minus
 * the lateness allowance; a window closes, and its totals are written, once
 * the watermark reaches its end. A new transaction whose window has already
 * closed is late: it is not aggregated, only counted (al->late). A
 * transaction without ts is not aggregated either (al->untimed).
 *
 * What counts: each new transaction the ledger accepted (pending or
 * completed), at its creation; later voids and reversals do not change
 * closed or open totals. A transfer counts for both sides: a debit of the
 * account and a credit of the counterparty.
 *
 * Interval 0 (txbal --aggregate all): one window over the whole stream,
 * written at the end; nothing is late, and transactions without ts count
 * too. Its record's window_start and window_end are the earliest and the
 * latest ts counted (null when none had one).
 *
 * Types (tx_agg_set_types()): only transactions of these types count;
 * "debits" of payments alone is an account's spend at merchants.
 *
 * Running totals: each record also carries the account's totals since the
 * start (total_count, total_debits, total_credits): the sums of its
 * windows written so far, this one included (windows are written in time
 * order; late records count in none).
 *
 * Memory: one cell (56 bytes plus its map slot) per account active in an
 * open window; a closed window's cells are freed. One more per account
 * ever aggregated, for its running totals.
 */
#ifndef TX_AGGREGATE_H
#define TX_AGGREGATE_H

#include <stdint.h>

#include "hashmap.h"
#include "ledger.h"
#include "out.h"

struct tx_agg_cell {
	uint32_t acct;
	uint32_t count;
	int64_t debits, credits; /* minor units, both >= 0 */
	uint32_t by_type[TX_TYPE__COUNT];
};

struct tx_agg_window {
	int64_t start;
	struct tx_map cells; /* key: account entry (4 bytes); value: struct tx_agg_cell */
};

struct tx_agg {
	int64_t interval, lateness; /* microseconds; interval 0: the whole stream */
	int64_t max_ts;		    /* INT64_MIN before the first */
	int64_t min_ts;		    /* INT64_MAX before the first (interval 0 only) */
	unsigned types;		    /* bit t: type t counts; 0: every type */
	struct tx_map totals;	    /* running totals: key account entry, value a cell */
	struct tx_agg_window *w;    /* open windows, by start */
	size_t nw, wcap;
	uint64_t late, untimed, emitted, overflow;
};

/* interval_us 0: one window, the whole stream. */
void tx_agg_init(struct tx_agg *ag, int64_t interval_us, int64_t lateness_us);
/* Count only the types whose bit (1u << type) is set in mask (0: all). */
void tx_agg_set_types(struct tx_agg *ag, unsigned mask);
void tx_agg_release(struct tx_agg *ag);

/*
 * Count a record the ledger handled (only accepted creates count). Windows
 * that the record's time closes are written to o first. 0, or -1 on a
 * write error on o.
 */
int tx_agg_add(struct tx_agg *ag, const struct tx_ledger *l, const struct tx_ledger_result *res,
	       int has_ts, int64_t ts_us, struct tx_out *o);
/* Write every open window (end of input). 0 or -1 as tx_agg_add(). */
int tx_agg_flush(struct tx_agg *ag, const struct tx_ledger *l, struct tx_out *o);

/*
 * Parse a list of transaction types, "payment" or "payment,fee" (the
 * names and aliases of tx-record(5): "purchase" is a payment), into a
 * mask for tx_agg_set_types(). 0, or -1 after reporting the word that
 * names no type (opt names the option in the message).
 */
int tx_agg_parse_types(const char *opt, const char *list, unsigned *mask);

/*
 * Parse a duration: digits and a unit, "500ms", "30s", "5m", "1h", "1d"
 * (a bare "0" is zero). 0 and *us set, or -1.
 */
int tx_parse_duration(const char *s, int64_t *us);

#endif

/*
 * stats.h: running statistics of a transaction stream, for txtop's
 * dashboard, its plain-text summary and its SVG charts.
 *
 * Everything here has a fixed size, whatever the length of the stream:
 * counts by type, status and operation; records per second over the last
 * ten minutes (for the sparkline); the amounts of the latest records (for
 * the line chart); a log-linear latency histogram (percentiles within 3%);
 * the top accounts by spend, kept with the Space-Saving algorithm in a
 * bounded table; the latest alerts and the latest transactions.
 *
 * Ownership: a struct tx_stats owns all its memory; tx_stats_init() once,
 * tx_stats_release() at the end. Strings kept from records are copied
 * (truncated to the field sizes below). Not thread-safe: one thread feeds
 * and reads a struct tx_stats.
 */
#ifndef TX_STATS_H
#define TX_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "record.h"

/* ---- latency histogram ---- */

/*
 * Values (microseconds, >= 0) below 16 have a bucket each; above, every
 * power of two is split into 16 buckets, so a percentile is reported within
 * 1/32 of its true value. Negative values (clocks out of step) are counted
 * apart and take part in percentiles as 0.
 */
#define TX_HIST_BUCKETS (16 + 60 * 16)

struct tx_hist {
	uint64_t n, negative;
	int64_t min, max; /* exact; valid when n > 0 */
	uint64_t b[TX_HIST_BUCKETS];
};

void tx_hist_add(struct tx_hist *h, int64_t v);
/* The q-quantile (0 <= q <= 1) of the values added; 0 when there are none. */
int64_t tx_hist_quantile(const struct tx_hist *h, double q);

/* ---- top keys by weight: Space-Saving (Metwally, Agrawal, El Abbadi 2005) ---- */

#define TX_TOPK_KEY 48 /* bytes of a key kept; longer keys are truncated */

struct tx_topk_ent {
	char key[TX_TOPK_KEY + 1];
	uint8_t klen;
	uint8_t overflow; /* the sum went past INT64_MAX: amount is that bound */
	const struct tx_currency *currency;
	int64_t amount;	    /* minor units of currency: the (over)estimate */
	int64_t error;	    /* the estimate exceeds the truth by at most this */
	int64_t score;	    /* amount scaled to 1/10000 of the major unit, for ranking */
	uint64_t n;	    /* records counted since the key (re)entered the table */
	int32_t next, heap; /* hash chain; position in the heap */
};

struct tx_topk {
	size_t slots, used;
	struct tx_topk_ent *ent;
	int32_t *heap;	  /* min-heap of entry indices by score */
	int32_t *bucket;  /* hash heads, -1 when empty */
	size_t nbuckets;  /* a power of two */
	uint64_t evicted; /* keys dropped to make room: estimates are inexact when > 0 */
};

/*
 * A table of `slots` keys. While fewer distinct keys than slots have been
 * seen, the amounts are exact; afterwards every key whose true total exceeds
 * (sum of all weights) / slots is guaranteed to be in the table, with an
 * amount that overestimates it by at most its `error`.
 */
void tx_topk_init(struct tx_topk *t, size_t slots);
void tx_topk_release(struct tx_topk *t);
/* Add amount (minor units, >= 0) of currency to the key (account, currency). */
void tx_topk_add(struct tx_topk *t, const char *key, size_t klen,
		 const struct tx_currency *currency, int64_t amount);
/* Up to max entries with the highest scores, best first. Returns how many. */
size_t tx_topk_top(const struct tx_topk *t, const struct tx_topk_ent **out, size_t max);
/* The entry's key cleaned for a terminal (term.h) into buf, which it returns. */
const char *tx_topk_key_shown(const struct tx_topk_ent *e, char buf[TX_TOPK_KEY + 1]);
/*
 * The entry's amount in its currency's units, or "(sum overflows)" when
 * the sum went past the 64-bit range (never a clamped number).
 */
void tx_topk_format_amount(struct tx_buf *b, const struct tx_topk_ent *e);

/* ---- records per second ---- */

#define TX_RATE_SECS 600 /* ten minutes of one-second buckets */

struct tx_rate {
	int64_t sec[TX_RATE_SECS];
	uint64_t n[TX_RATE_SECS];
};

void tx_rate_add(struct tx_rate *r, int64_t sec, uint64_t n);
/* out[0..n-1]: counts of the seconds now-n+1 .. now (0 for seconds not seen). */
void tx_rate_series(const struct tx_rate *r, int64_t now, uint64_t *out, size_t n);

/* ---- records over event time ---- */

/*
 * How many records fall in each stretch of event time, however long the
 * stream: TX_SPAN_BUCKETS buckets of one second from the first record's
 * second, each doubled in width (pairs merged) whenever a record falls past
 * the last. For files, whose records are read far faster than they
 * happened, this is the throughput worth drawing. A record earlier than the
 * first bucket counts in the first.
 */
#define TX_SPAN_BUCKETS 512

struct tx_span {
	int64_t origin, width; /* microseconds: the first bucket's start, a bucket's width */
	int64_t last;	       /* the latest event time added */
	uint64_t n;
	uint64_t b[TX_SPAN_BUCKETS];
};

void tx_span_add(struct tx_span *h, int64_t ts_us);
/*
 * The records per second of event time in at most max consecutive slices
 * from the first bucket to the latest record's, oldest first, into out.
 * Returns how many slices (0 when nothing was added); *slice_us gets the
 * event time each covers.
 */
size_t tx_span_series(const struct tx_span *h, double *out, size_t max, int64_t *slice_us);

/* ---- the whole picture ---- */

#define TX_STATS_AMOUNTS    1024 /* latest amounts, for the line chart */
#define TX_STATS_ALERTS	    64	 /* latest alerts */
#define TX_STATS_LATEST	    32	 /* latest transactions */
#define TX_STATS_TOP	    10	 /* top accounts shown */
#define TX_STATS_TOPK	    4096 /* Space-Saving table size */
#define TX_STATS_CURRENCIES 8	 /* volume per currency; others are counted together */

/* Types as charted: enum tx_type, with TX_TYPE_NONE shown as "other". */
const char *tx_stats_type_label(enum tx_type t);

struct tx_stats_alert {
	int64_t ts_us; /* the record's event time, or its arrival time */
	char account[33];
	char id[41];
	char rules[97]; /* "low_balance,large_amount" */
	/* what fired them, per rule: low_balance's balance, large_amount's
	 * amount, velocity's count: "74.17 USD; 12090.39 USD; tx_count 17" */
	char what[120];
};

struct tx_stats_row {
	int64_t ts_us;
	char id[41];
	char account[33];
	enum tx_type type;
	enum tx_status status; /* as the record says, or completed for a plain create */
	enum tx_op op;
	char amount[40];  /* "1234.56 USD", or "" */
	char balance[32]; /* txbal's new_balance, or "" */
};

struct tx_stats_volume {
	const struct tx_currency *currency; /* NULL: all other currencies (count only) */
	uint64_t n;
	int64_t sum; /* minor units; saturates rather than wrap */
	int overflow;
};

struct tx_stats {
	uint64_t lines;	    /* every input line, inspected or not */
	uint64_t records;   /* lines parsed as records */
	uint64_t bad;	    /* lines that failed to parse */
	uint64_t skipped;   /* lines not inspected (sampled out when behind, or too long) */
	uint64_t estimated; /* of those, lines estimated from a byte count, not counted */
	uint64_t by_type[TX_TYPE__COUNT];
	uint64_t by_status[4];	   /* enum tx_status; [0]: records without one (deletes) */
	uint64_t by_op[4];	   /* enum tx_op */
	uint64_t alerts;	   /* records carrying alerts, a fraud rule among them */
	uint64_t notices;	   /* records carrying notices only (alerts.h) */
	uint64_t anomalies;	   /* records carrying txgen's anomaly label */
	int64_t first_ts, last_ts; /* min and max event time; valid when have_ts */
	int have_ts;

	struct tx_rate rate;
	struct tx_span span; /* records over event time */
	struct tx_hist latency;
	struct tx_topk spend;
	struct tx_stats_volume volume[TX_STATS_CURRENCIES + 1];

	double amounts[TX_STATS_AMOUNTS]; /* major units, for drawing only */
	uint64_t namounts;		  /* amounts ever added; the ring holds the latest */
	struct tx_stats_alert alert[TX_STATS_ALERTS];
	uint64_t nalert; /* alerts ever added */
	struct tx_stats_row row[TX_STATS_LATEST];
	uint64_t nrow;
};

void tx_stats_init(struct tx_stats *s);
void tx_stats_release(struct tx_stats *s);

/*
 * Account for one parsed record that arrived at arrival_us (wall clock,
 * microseconds) in second `sec` of the run (for the rate). The latency is
 * arrival_us minus the produce time (source.ts) when the record has one;
 * records without one have none (never the event time, which says when the
 * transaction happened, not when it was produced).
 * Spend is the amount of debits: withdrawals, payments, transfers, fees.
 */
void tx_stats_add(struct tx_stats *s, struct tx_record *r, int64_t arrival_us, int64_t sec);

/* The latest n amounts, oldest first, into out; returns how many (<= n). */
size_t tx_stats_amounts(const struct tx_stats *s, double *out, size_t n);
/* The i-th latest alert / transaction (0 = newest), NULL past the end. */
const struct tx_stats_alert *tx_stats_alert_at(const struct tx_stats *s, size_t i);
const struct tx_stats_row *tx_stats_row_at(const struct tx_stats *s, size_t i);

/* count/total as a share with one decimal, rounded: "37.5%" (total 0: "0.0%"). */
void tx_stats_add_share(struct tx_buf *b, uint64_t count, uint64_t total);
/* A count with thousands separators: "1,234,567". */
void tx_stats_add_count(struct tx_buf *b, uint64_t n);
/* A value for an axis or a rate, three significant digits: "950", "12.1k", "1.23M", "0.5". */
void tx_stats_add_short(struct tx_buf *b, double v);
/* A rate per second: tx_stats_add_short() then "/s". */
void tx_stats_add_rate(struct tx_buf *b, double per_sec);
/* A time of day (UTC) of us: "08:43:31"; "01-05 08:43" when span_us is a day or more. */
void tx_stats_add_clock(struct tx_buf *b, int64_t us, int64_t span_us);
/* A duration in microseconds, short: "850us", "12.3ms", "4.56s", "3m12s", "5h02m". */
void tx_stats_add_duration(struct tx_buf *b, int64_t us);

/*
 * The plain-text summary (for cron mail). elapsed_us is the wall time of the
 * run, for the rate line; 0 for files, whose rate is over the records' own
 * event time span (no rate line when they have none); everything else
 * depends only on the input, apart from the latency, which is measured
 * against the clock.
 */
/* What the latency panels say when no record carries a produce time. */
#define TX_STATS_NO_PRODUCE_TIME "no produce time in the input (source.ts)"

void tx_stats_summary(struct tx_buf *b, const struct tx_stats *s, int64_t elapsed_us);

#endif

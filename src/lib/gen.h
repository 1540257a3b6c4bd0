/*
 * gen.h: txgen's model of a bank's transaction stream, written as canonical
 * tx-record(5) lines.
 *
 * The model: --accounts accounts "ACC000001" ... (six digits at least),
 * each opened by a deposit before anything else happens on it; then
 * salary-like deposits, ATM withdrawals, card payments at merchants (with a
 * category), transfers to another open account, fees and refunds, with
 * log-normal amounts per type and merchant. Debits mostly stay within the
 * balance the model keeps for each account. Arrivals follow a Poisson
 * process whose intensity follows the hour of the day and the day of the
 * week (simulated clock), or a fixed schedule of rate_milli / 1000 lines
 * per second (rate mode). Optional lifecycle records (pending creates and
 * their updates, deletes, byte-identical duplicates) and injected anomalies
 * (account takeover, bursts) are scheduled on the same clock.
 *
 * Everything is a function of the configuration: the same configuration
 * gives byte-identical output on every machine (rng.h: no floating point).
 * Ownership: tx_gen_new() copies the configuration; tx_gen_free() frees all.
 */
#ifndef TX_GEN_H
#define TX_GEN_H

#include <stdint.h>

#include "buf.h"
#include "money.h"

#define TX_GEN_MAX_CURRENCIES 16
#define TX_GEN_MAX_ACCOUNTS   10000000u
/* Average transactions per account and simulated day (sets the clock's pace). */
#define TX_GEN_PER_DAY 5
/* The default --start: 2026-01-01T00:00:00Z, in microseconds since the epoch. */
#define TX_GEN_DEFAULT_START_US (1767225600ll * 1000000)

struct tx_gen_config {
	uint64_t seed;
	uint32_t accounts; /* 1 .. TX_GEN_MAX_ACCOUNTS */
	/* Account i uses currencies[i % ncurrencies]; transfers stay within one currency. */
	const struct tx_currency *currencies[TX_GEN_MAX_CURRENCIES];
	int ncurrencies;
	int64_t start_us;    /* the first record's time, >= 0 */
	uint64_t rate_milli; /* 0: simulated clock; else line i has ts start + i / rate */
	/* Shares in parts per million (0 .. 1000000). */
	uint32_t anomalies_ppm;	 /* of created transactions carrying an "anomaly" label */
	uint32_t pending_ppm;	 /* of eligible creates that are pending, then updated */
	uint32_t deletes_ppm;	 /* of eligible completed debits later deleted */
	uint32_t duplicates_ppm; /* of lines that repeat one of the 16 lines before */
};

/* Defaults: seed 1, 1000 accounts, USD, TX_GEN_DEFAULT_START_US, anomalies 0.001. */
void tx_gen_config_init(struct tx_gen_config *c);

/*
 * The default number of accounts of a stream of rate_milli / 1000 records
 * per second: enough that each account makes a transaction every
 * TX_GEN_RATE_GAP_S seconds on average (at least 1000, at most
 * TX_GEN_MAX_ACCOUNTS). 1000 accounts at 300/s make 18 transactions a
 * minute each, which no velocity rule can tell from card testing.
 */
#define TX_GEN_RATE_GAP_S 60
uint32_t tx_gen_accounts_for_rate(uint64_t rate_milli);

struct tx_gen_stats {
	uint64_t lines, creates, updates, deletes, duplicates, anomalies;
};

struct tx_gen;

struct tx_gen *tx_gen_new(const struct tx_gen_config *c);
void tx_gen_free(struct tx_gen *g);

/*
 * Append the next line, '\n' included, to b. remaining is the number of
 * lines still to be written, this one included, or 0 when unbounded: near
 * the end the generator schedules nothing new and writes out what it owes
 * (updates of pending transactions, deletes, the second half of an account
 * takeover), so a bounded run still pairs every pending create with its
 * update.
 */
void tx_gen_next(struct tx_gen *g, struct tx_buf *b, uint64_t remaining);

const struct tx_gen_stats *tx_gen_stats(const struct tx_gen *g);

#endif

/*
 * fastpath.h: every fast path can be switched back to its slow reference.
 *
 * The speed work gave several parts of txkit a fast path beside a plain one
 * that says what the fast one must do. Each fast path below can be turned
 * off at run time, so that the tests can run both ways in one build and
 * compare (as SQLite's SQLITE_TESTCTRL_OPTIMIZATIONS does):
 *
 *   TX_REFERENCE=all             every fast path off
 *   TX_REFERENCE=time,guess      only those (names below, comma-separated)
 *
 * in the environment of any program or unit test (read once, at start).
 * An unknown name is reported on stderr and turns every fast path off, so
 * a misspelt switch never runs the fast code by mistake.
 *
 *   plain  the codec's append-only writer (record.h): tx_record_write()'s
 *          fast case, and txbal's write_plain() on it; off: the general
 *          splice of tx_record_write() for every record
 *   time   tx_time_parse_fast(), the date cache and the word-at-a-time
 *          time of day; off: tx_time_parse_ref(), a plain RFC 3339 parser
 *   guess  the parser's key guesses and shapes (record.c); off: every key
 *          scanned and looked up, every record's index worked out
 *   value  the parser's inline decoders of plain values (txsub's "source"
 *          member among them) and its currency cache (record.c); off:
 *          parse_fields() decodes every field
 *   simd   the SSE2 and AVX2 scanners (strings, key guesses, lines,
 *          txsub's newline check, txtop's line count); off: the portable
 *          code, word-at-a-time (SWAR) where there is some
 *   newline  txsub's check for a value spread over several lines, made by
 *          its JSON scan on the way (a raw newline in valid JSON is
 *          whitespace between tokens); off: every value searched again
 *   held   txsub's merge keeps the records it holds in per-partition
 *          chunks, released in order; off: one allocation per record
 *   check  txstore checks the length constraints of its schema itself
 *          (transaction_id_length, account_length, counterparty_length;
 *          the parser already ensures the others) as it reads a record,
 *          and SQLite skips the table's CHECK constraints on txstore's
 *          connection (PRAGMA ignore_check_constraints); off: the database
 *          checks every row, as it does any other writer's
 *   place  txpub and txhttp place keys themselves (Java's murmur2, as the
 *          murmur2_random partitioner does) and hand librdkafka each batch
 *          sorted by partition (kafka.h, tx_kafka_placer); off: librdkafka's
 *          partitioner places every record, and txhttp produces them one
 *          by one
 *
 * The SIMD code is also left out at build time by `configure
 * --disable-simd` (TX_NO_SIMD), the portable build CI checks.
 */
#ifndef TX_FASTPATH_H
#define TX_FASTPATH_H

enum {
	TX_FAST_PLAIN = 1 << 0,
	TX_FAST_TIME = 1 << 1,
	TX_FAST_GUESS = 1 << 2,
	TX_FAST_VALUE = 1 << 3,
	TX_FAST_SIMD = 1 << 4,
	TX_FAST_NEWLINE = 1 << 5,
	TX_FAST_HELD = 1 << 6,
	TX_FAST_CHECK = 1 << 7,
	TX_FAST_PLACE = 1 << 8,
	TX_FAST_ALL = (1 << 9) - 1,
};

/* The fast paths in use: TX_FAST_ALL less those TX_REFERENCE names. */
extern unsigned tx_fast;

/*
 * Set tx_fast from a TX_REFERENCE value (NULL: every fast path on). Returns
 * 0, or -1 for an unknown name (every fast path off then). Done at start
 * from the environment; tests call it to switch.
 */
int tx_fast_set(const char *reference);

/* SSE2 code is built on x86-64 unless configure --disable-simd. */
#if defined(__SSE2__) && !defined(TX_NO_SIMD)
#define TX_SSE2 1
#endif

#endif

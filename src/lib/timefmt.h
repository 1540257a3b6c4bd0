/*
 * timefmt.h: RFC 3339 timestamps <-> microseconds since the epoch (UTC).
 *
 * txkit writes every timestamp as "2026-01-31T23:59:59.123456Z": UTC, 'Z',
 * always six fractional digits, so timestamps sort as text. It reads any
 * RFC 3339 date-time: 'T' or 't' or ' ' between date and time, 'Z' or a
 * numeric offset, 0 to 9 fractional digits (digits past the sixth are
 * truncated). No leap seconds (:60 is refused), as in POSIX time. Years are
 * 0001 to 9999, in UTC too: year 0000, which RFC 3339 allows, is refused,
 * as PostgreSQL refuses it (tx-record(5)), so every backend takes the same
 * timestamps.
 */
#ifndef TX_TIMEFMT_H
#define TX_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "fastpath.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch */
#define TX_TIME_MIN_S (-62135596800LL)
#define TX_TIME_MAX_S 253402300799LL

/*
 * 0 and *us set, or -1 when s is not an RFC 3339 date-time. The fast path
 * (the date cache below, the time of day a word at a time), or
 * tx_time_parse_ref() when TX_REFERENCE turns "time" off (fastpath.h).
 */
int tx_time_parse(const char *s, size_t len, int64_t *us);

/*
 * tx_time_parse() the plain way: the grammar of RFC 3339 checked one piece
 * at a time, the day counted from the calendar's rules, no cache, nothing
 * shared with the fast path. The reference the fast path is tested against
 * (tests/unit-time.c); the same results for every input.
 */
int tx_time_parse_ref(const char *s, size_t len, int64_t *us);

/*
 * The last date a parse saw ("2026-01-31", date[0] == 0 for none) and its
 * day number: a stream's timestamps mostly share their date with the one
 * before, so its checks and the calendar arithmetic are done once per day
 * of data. tx_time_parse() and tx_time_parse_fast() keep theirs per
 * thread, tx_time_parse_day() and tx_time_parse_sel() in *day (zeroed
 * before the first use), as the record parser does (record.h).
 */
struct tx_time_day {
	char date[10];
	int64_t days;
};
extern _Thread_local struct tx_time_day tx_time_last_day;

/* tx_time_parse() with the date cache *day. */
int tx_time_parse_day(const char *s, size_t len, int64_t *us, struct tx_time_day *day);

/*
 * The time of day in txkit's form, "THH:MM:SS.ffffffZ" at s (17 bytes), in
 * microseconds; -1 when it has that form but is out of range (25:00:00),
 * -2 when it does not have that form (or on a big-endian machine).
 */
static inline int64_t tx_time_of_day_canonical(const char *s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * "HH:MM:SS" and ".ffffffZ", eight bytes at a time. Each byte minus
	 * what it should be ('0' for a digit, the ':', '.' or 'Z' itself) must
	 * be at most 9 for a digit and 0 for the others: adding 6 (digits) or
	 * 15 (the others) then carries into the high nibble exactly when a
	 * byte is wrong. A byte that borrowed has a high nibble already, and
	 * only bytes above it can be off, so the lowest wrong byte is always
	 * caught.
	 */
	uint64_t a, b, da, db, t, u;
	unsigned h, mi, sec;

	memcpy(&a, s + 1, 8); /* HH:MM:SS */
	memcpy(&b, s + 9, 8); /* .ffffffZ */
	da = a - 0x30303a30303a3030ULL;
	db = b - 0x5a3030303030302eULL;
	if (s[0] != 'T' ||
	    (((da | (da + 0x06060f06060f0606ULL)) | (db | (db + 0x0f0606060606060fULL))) &
	     0xf0f0f0f0f0f0f0f0ULL))
		return -2;
	/* digit pairs: byte i becomes 10 * byte i + byte i+1 (<= 99: no carry) */
	t = da * 10 + (da >> 8);
	u = (db >> 8) * 10 + (db >> 16);
	h = (unsigned)(t & 0xff);
	mi = (unsigned)(t >> 24 & 0xff);
	sec = (unsigned)(t >> 48 & 0xff);
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	return (int64_t)(h * 3600 + mi * 60 + sec) * 1000000 +
	       (int64_t)((u & 0xff) * 10000 + (u >> 16 & 0xff) * 100 + (u >> 32 & 0xff));
#else
	(void)s;
	return -2;
#endif
}

/*
 * tx_time_parse(), inline for txkit's own form ("2026-01-31T23:59:59.123456Z")
 * on the date seen last; anything else goes to tx_time_parse(). _sel() takes
 * the fast paths to use (fastpath.h: tx_fast, or a constant the compiler
 * folds), _fast() reads tx_fast.
 */
static inline __attribute__((always_inline)) int
tx_time_parse_sel(const char *s, size_t len, int64_t *us, unsigned fast, struct tx_time_day *day)
{
	uint64_t d8, c8;
	uint16_t d2, c2;
	int64_t t;

	if (len != 27 || !(fast & TX_FAST_TIME))
		return tx_time_parse_day(s, len, us, day);
	memcpy(&d8, s, 8);
	memcpy(&c8, day->date, 8);
	memcpy(&d2, s + 8, 2);
	memcpy(&c2, day->date + 8, 2);
	if (!day->date[0] || d8 != c8 || d2 != c2 || (t = tx_time_of_day_canonical(s + 10)) < 0)
		return tx_time_parse_day(s, len, us, day);
	*us = day->days * 86400000000LL + t;
	return 0;
}
static inline int tx_time_parse_fast(const char *s, size_t len, int64_t *us)
{
	return tx_time_parse_sel(s, len, us, tx_fast, &tx_time_last_day);
}

/* Append the canonical form (27 bytes, no quotes). */
void tx_time_format(struct tx_buf *b, int64_t us);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t tx_days_from_civil(int64_t y, unsigned m, unsigned d);
void tx_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif

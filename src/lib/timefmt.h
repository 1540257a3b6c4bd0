/*
 * timefmt.h: RFC 3339 timestamps <-> microseconds since the epoch (UTC).
 *
 * txkit writes every timestamp as "2026-01-31T23:59:59.123456Z": UTC, 'Z',
 * always six fractional digits, so timestamps sort as text. It reads any
 * RFC 3339 date-time: 'T' or 't' or ' ' between date and time, 'Z' or a
 * numeric offset, 0 to 9 fractional digits (digits past the sixth are
 * truncated). No leap seconds (:60 is refused), as in POSIX time.
 */
#ifndef TX_TIMEFMT_H
#define TX_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* 0 and *us set, or -1 when s is not an RFC 3339 date-time. */
int tx_time_parse(const char *s, size_t len, int64_t *us);
/* Append the canonical form (27 bytes, no quotes). */
void tx_time_format(struct tx_buf *b, int64_t us);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t tx_days_from_civil(int64_t y, unsigned m, unsigned d);
void tx_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif

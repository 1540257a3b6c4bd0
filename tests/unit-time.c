/*
 * The timestamp fast path (tx_time_parse() with its date cache and
 * word-at-a-time time of day, tx_time_parse_fast()) against the reference
 * parser tx_time_parse_ref(), which shares no code with it: the same result
 * and the same microseconds for every input, accepted or refused. The
 * reference itself is checked against fixed values and libc's timegm().
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastpath.h"
#include "timefmt.h"
#include "unit.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static int accepted, refused, mismatches;

/* Every parser on s; a mismatch is reported (the first few) and counted. */
static void same(const char *s, size_t len)
{
	int64_t ref = -1, fast = -1, inl = -1;
	int rr = tx_time_parse_ref(s, len, &ref), rf = tx_time_parse(s, len, &fast);
	int ri = tx_time_parse_fast(s, len, &inl);

	if (rr == 0)
		accepted++;
	else
		refused++;
	if (rr != rf || rr != ri || (rr == 0 && (ref != fast || ref != inl))) {
		if (mismatches++ < 10)
			printf("# '%.*s': reference %d %lld, fast %d %lld, inline %d %lld\n",
			       (int)len, s, rr, (long long)ref, rf, (long long)fast, ri,
			       (long long)inl);
	}
}

static void same_str(const char *s)
{
	same(s, strlen(s));
}

/* A valid date in years 1 to 9999, "YYYY-MM-DD" into d (40 bytes). */
static void random_date(char *d, int *y, int *m, int *day)
{
	static const int dim[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	/* mostly recent years, some anywhere, some at the ends */
	switch (below(4)) {
	case 0: *y = 1 + (int)below(9999); break;
	case 1: *y = below(2) ? 1 + (int)below(3) : 9997 + (int)below(3); break;
	default: *y = 1900 + (int)below(200); break;
	}
	*m = 1 + (int)below(12);
	*day = 1 + (int)below((unsigned)dim[*m - 1]); /* Feb 29 too: refused in common years */
	snprintf(d, 40, "%04d-%02d-%02d", *y, *m, *day);
}

static const char junk[] = "0123456789:-+.TtZz \x80\xff/A";

/* s with one byte changed, one removed, or one added (len may change). */
static size_t mutate(char *s, size_t len, size_t cap)
{
	size_t i = below((unsigned)len);

	switch (below(3)) {
	case 0: s[i] = junk[below(sizeof(junk) - 1)]; break;
	case 1:
		memmove(s + i, s + i + 1, len - i - 1);
		len--;
		break;
	default:
		if (len + 1 < cap) {
			memmove(s + i + 1, s + i, len - i);
			s[i] = junk[below(sizeof(junk) - 1)];
			len++;
		}
	}
	return len;
}

static void edge_cases(void)
{
	static const char *const cases[] = {
	    "1970-01-01T00:00:00Z",
	    "1970-01-01T00:00:00.000000Z",
	    "0001-01-01T00:00:00Z",
	    "0001-01-01T00:00:00.000000Z",
	    "9999-12-31T23:59:59.999999Z",
	    "9999-12-31T23:59:59.999999999Z",
	    "0000-01-01T00:00:00Z",
	    "0000-12-31T23:59:59Z",
	    "2000-02-29T12:00:00Z",
	    "1900-02-29T12:00:00Z",
	    "2024-02-29T00:00:00Z",
	    "2023-02-29T00:00:00Z",
	    "2026-04-31T00:00:00Z",
	    "2026-13-01T00:00:00Z",
	    "2026-00-01T00:00:00Z",
	    "2026-01-00T00:00:00Z",
	    "2026-01-32T00:00:00Z",
	    "2026-01-31T24:00:00Z",
	    "2026-01-31T23:60:00Z",
	    "2026-01-31T23:59:60Z",
	    "2026-01-31T23:59:59.123456Z",
	    "2026-01-31t23:59:59.123456z",
	    "2026-01-31 23:59:59.123456Z",
	    "2026-01-31X23:59:59.123456Z",
	    "2026-01-31T23:59:59.1Z",
	    "2026-01-31T23:59:59.123456789Z",
	    "2026-01-31T23:59:59.1234567890Z",
	    "2026-01-31T23:59:59.Z",
	    "2026-01-31T23:59:59.12345Z",
	    "2026-01-31T23:59:59.1234567Z",
	    "2026-01-31T23:59:59",
	    "2026-01-31T23:59:59ZZ",
	    "2026-01-31T23:59:59Z ",
	    " 2026-01-31T23:59:59Z",
	    "2026-01-31T23:59:59+00:00",
	    "2026-01-31T23:59:59-00:00",
	    "2026-01-31T23:59:59+23:59",
	    "2026-01-31T23:59:59-23:59",
	    "2026-01-31T23:59:59+24:00",
	    "2026-01-31T23:59:59+05:60",
	    "2026-01-31T23:59:59+0500",
	    "2026-01-31T23:59:59+05:00:00",
	    "2026-01-31T23:59:59.5+05:30",
	    "2026-01-31T23:59:59.5-05:30",
	    "0001-01-01T00:30:00+01:00",
	    "0001-01-01T00:30:00-01:00",
	    "0001-01-01T00:00:00+00:01",
	    "9999-12-31T23:30:00-01:00",
	    "9999-12-31T23:30:00+01:00",
	    "9999-12-31T23:59:59-00:01",
	    "+2026-01-31T23:59:59Z",
	    "-0001-01-01T00:00:00Z",
	    "2026-1-31T23:59:59.123456Z",
	    "2026-01-3 T23:59:59.123456Z",
	    "2026-01-31T2:59:59.1234567Z",
	    "20260131T235959Z",
	    "2026-01-31T23:59:59.123456",
	    "2026-01-31T23:59:59.12345 Z",
	    "2026-01-31T23:59:59.-12345Z",
	    "2026-01-31T23:59:59.+12345Z",
	    "2026-01-31T23:5a:59.123456Z",
	    "2026-01-31T23:59:59.12a456Z",
	    "2026-01-31T23:59:59:123456Z",
	    "2026-01-31T23-59-59.123456Z",
	    "2026-01-31T03:09:09.000009Z",
	    "2026/01/31T23:59:59.123456Z",
	    "",
	    "Z",
	    "2026-01-31",
	    "2026-01-31T",
	    "2026-01-31T23:59:5Z",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* cold (another date cached), then warm (its own date cached) */
		same_str("2001-01-01T00:00:00Z");
		same_str(cases[i]);
		same_str(cases[i]);
	}
	/* a NUL in the text, and lengths cut short */
	same("2026-01-31T23:59:59.12\0"
	     "456Z",
	     27); /* a NUL, then "456Z" */
	same("2026-01-31T23:59:59.123456\0", 27);
	for (i = 0; i <= 27; i++)
		same("2026-01-31T23:59:59.123456Z", i);
}

static void known_values(void)
{
	int64_t us = 1;

	CHECK(tx_time_parse_ref("1970-01-01T00:00:00Z", 20, &us) == 0 && us == 0, "the epoch is 0");
	CHECK(tx_time_parse_ref("0001-01-01T00:00:00Z", 20, &us) == 0 &&
		  us == TX_TIME_MIN_S * 1000000,
	      "0001-01-01 is TX_TIME_MIN_S");
	CHECK(tx_time_parse_ref("9999-12-31T23:59:59.999999Z", 27, &us) == 0 &&
		  us == TX_TIME_MAX_S * 1000000 + 999999,
	      "9999-12-31T23:59:59.999999 is the last microsecond");
	CHECK(tx_time_parse_ref("2026-01-31T23:59:59.123456Z", 27, &us) == 0 &&
		  us == 1769903999123456LL,
	      "2026-01-31T23:59:59.123456Z (Python's datetime)");
	CHECK(tx_time_parse_ref("2000-02-29T17:30:00+05:30", 25, &us) == 0 &&
		  us == 951825600LL * 1000000,
	      "an offset is subtracted: 17:30+05:30 is 12:00Z");
	CHECK(tx_time_parse_ref("2026-01-31T23:59:59.1234569Z", 28, &us) == 0 &&
		  us == 1769903999123456LL,
	      "digits past the sixth are truncated, not rounded");
	CHECK(tx_time_parse_ref("0000-01-01T00:00:00Z", 20, &us) == -1, "year 0000 is refused");
	CHECK(tx_time_parse_ref("2026-01-31T23:59:60Z", 20, &us) == -1, "a leap second is refused");
	CHECK(tx_time_parse_ref("0001-01-01T00:30:00+01:00", 25, &us) == -1,
	      "an instant before year 0001 in UTC is refused");
}

/* Generated timestamps: valid ones (checked against timegm()), then mutated. */
static void generated(int n)
{
	char date[40], s[64], t[64];
	int64_t us;
	int i, k, y, m, d, timegm_bad = 0, valid = 0;

	for (i = 0; i < n; i++) {
		random_date(date, &y, &m, &d);
		/* several timestamps on one date, as in a stream: the date cache is warm */
		for (k = 0; k < 4; k++) {
			unsigned h = below(24), mi = below(60), sec = below(60), nf = below(11);
			size_t len;
			len = (size_t)snprintf(s, sizeof(s), "%s%c%02u:%02u:%02u", date,
					       below(8) ? 'T' : "t "[below(2)], h, mi, sec);
			if (nf > 0 && nf < 10) {
				s[len++] = '.';
				while (nf--)
					s[len++] = (char)('0' + below(10));
			} else if (nf == 10) { /* txkit's own form, the fast path's */
				len += (size_t)snprintf(s + len, sizeof(s) - len, ".%06u",
							below(1000000));
			}
			switch (below(4)) {
			case 0:
				len += (size_t)snprintf(s + len, sizeof(s) - len, "%c%02u:%02u",
							below(2) ? '+' : '-', below(24), below(60));
				break;
			case 1: s[len++] = 'z'; break;
			default: s[len++] = 'Z';
			}
			s[len] = '\0';
			same(s, len);
			if (tx_time_parse_ref(s, len, &us) == 0 && s[19] != '+' && s[19] != '-' &&
			    s[len - 6] != '+' && s[len - 6] != '-') {
				struct tm tm = {.tm_year = y - 1900,
						.tm_mon = m - 1,
						.tm_mday = d,
						.tm_hour = (int)h,
						.tm_min = (int)mi,
						.tm_sec = (int)sec};
				valid++;
				if ((int64_t)timegm(&tm) !=
				    (us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000)))
					timegm_bad++;
			}
			/* the same with one byte changed, dropped or added */
			memcpy(t, s, len + 1);
			len = mutate(t, len, sizeof(t));
			same(t, len);
		}
	}
	CHECK(valid > n, "many generated timestamps without an offset are valid");
	CHECK_EQ_INT(timegm_bad, 0, "the reference agrees with timegm() on every one of them");
}

int main(void)
{
	CHECK_EQ_INT(tx_fast_set(NULL), 0, "TX_REFERENCE unset: every fast path on");
	CHECK_EQ_INT(tx_fast, TX_FAST_ALL, "tx_fast is TX_FAST_ALL");
	CHECK_EQ_INT(tx_fast_set("time,simd"), 0, "TX_REFERENCE=time,simd");
	CHECK_EQ_INT(tx_fast, TX_FAST_ALL & ~(TX_FAST_TIME | TX_FAST_SIMD), "those two off");
	CHECK_EQ_INT(tx_fast_set("time,tiem"), -1, "a misspelt name is an error");
	CHECK_EQ_INT(tx_fast, 0, "... which turns every fast path off");
	CHECK_EQ_INT(tx_fast_set(NULL), 0, "back on");

	known_values();
	edge_cases();
	generated(50000);
	printf("# %d accepted, %d refused\n", accepted, refused);
	CHECK(accepted > 100000 && refused > 100000, "both accepted and refused inputs, many");
	CHECK_EQ_INT(mismatches, 0, "the fast path and the reference agree on every input");
	return unit_done();
}

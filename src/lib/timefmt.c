/* RFC 3339 timestamps: see timefmt.h. */
#include <string.h>

#include "timefmt.h"

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t tx_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void tx_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dim[m - 1];
}

/* Two decimal digits at s into *v; nonzero when one is not a digit. */
static inline int dig2(const char *s, unsigned *v)
{
	unsigned a = (unsigned)(unsigned char)s[0] - '0', b = (unsigned)(unsigned char)s[1] - '0';

	*v = a * 10 + b;
	return a > 9 || b > 9;
}

_Thread_local struct tx_time_day tx_time_last_day;

static int parse_fast(const char *s, size_t len, int64_t *us, struct tx_time_day *day)
{
	unsigned h, mi, sec, oh, om;
	int64_t frac = 0, secs, days;
	size_t i = 19;
	int nfrac = 0, sign;
	uint64_t d8, c8; /* the date, compared with the last one as two words */
	uint16_t d2, c2;

	if (len < 20)
		return -1;
	memcpy(&d8, s, 8);
	memcpy(&c8, day->date, 8);
	memcpy(&d2, s + 8, 2);
	memcpy(&c2, day->date + 8, 2);
	if (day->date[0] && d8 == c8 && d2 == c2) {
		days = day->days;
	} else {
		unsigned y, mo, d;
		if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
		    digits(s + 8, 2, &d))
			return -1;
		/* year 0000 is refused: RFC 3339 allows it, PostgreSQL and ISO 8601's common
		 * profile do not */
		if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
			return -1;
		days = tx_days_from_civil(y, mo, d);
		memcpy(day->date, s, 10);
		day->days = days;
	}
	if (len == 27) {
		int64_t t = tx_time_of_day_canonical(s + 10);
		if (t >= 0) {
			*us = days * 86400000000LL + t;
			return 0;
		}
		if (t == -1)
			return -1;
		/* not the canonical form: the general checks below decide */
	}
	if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || dig2(s + 11, &h) || s[13] != ':' ||
	    dig2(s + 14, &mi) || s[16] != ':' || dig2(s + 17, &sec))
		return -1;
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++)
			if (nfrac < 6)
				frac = frac * 10 + (s[i] - '0');
		if (nfrac == 0 || nfrac > 9)
			return -1;
		for (; nfrac < 6; nfrac++)
			frac *= 10;
	}
	secs = days * 86400 + h * 3600 + mi * 60 + sec;
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		if (i + 1 != len)
			return -1;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '+' ? 1 : -1;
		if (digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || digits(s + i + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		secs -= sign * (int64_t)(oh * 3600 + om * 60);
		/* in UTC too, the instant is in years 0001 to 9999 */
		if (secs < TX_TIME_MIN_S || secs > TX_TIME_MAX_S)
			return -1;
	} else {
		return -1;
	}
	*us = secs * 1000000 + frac;
	return 0;
}

int tx_time_parse_day(const char *s, size_t len, int64_t *us, struct tx_time_day *day)
{
	if (tx_fast & TX_FAST_TIME)
		return parse_fast(s, len, us, day);
	return tx_time_parse_ref(s, len, us);
}

int tx_time_parse(const char *s, size_t len, int64_t *us)
{
	return tx_time_parse_day(s, len, us, &tx_time_last_day);
}

/*
 * The reference parser. RFC 3339, section 5.6, as timefmt.h restricts it:
 *   date-time = full-date time-sep full-time   (time-sep: 'T', 't' or ' ')
 *   full-date = 4DIGIT "-" 2DIGIT "-" 2DIGIT   (0001 to 9999, a real day)
 *   full-time = 2DIGIT ":" 2DIGIT ":" 2DIGIT ["." 1*9DIGIT] time-offset
 *   time-offset = "Z" / "z" / ("+" / "-") 2DIGIT ":" 2DIGIT
 * Each piece is read by ref_number() or ref_char(), which check the length
 * first: pos moves on only over what was accepted.
 */

/* n decimal digits at s[*pos], into *v; 0, or -1 when they are not there. */
static int ref_number(const char *s, size_t len, size_t *pos, int n, int64_t *v)
{
	int64_t x = 0;
	int i;

	if (len - *pos < (size_t)n)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[*pos + (size_t)i];
		if (!(c >= '0' && c <= '9'))
			return -1;
		x = x * 10 + (c - '0');
	}
	*pos += (size_t)n;
	*v = x;
	return 0;
}

/* Whether s[*pos] is one of the characters in set (then pos moves past it); *c gets it. */
static int ref_char(const char *s, size_t len, size_t *pos, const char *set, char *c)
{
	if (*pos >= len || s[*pos] == '\0' || !strchr(set, s[*pos]))
		return 0;
	*c = s[(*pos)++];
	return 1;
}

static int ref_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The days of month m of year y. */
static int64_t ref_month_days(int64_t y, int64_t m)
{
	if (m == 2)
		return ref_leap(y) ? 29 : 28;
	if (m == 4 || m == 6 || m == 9 || m == 11)
		return 30;
	return 31;
}

/*
 * Days from 0001-01-01 to y-m-d: 365 for every year before y and one more
 * for each leap year among them, then the months before m, then the days.
 */
static int64_t ref_days_since_year1(int64_t y, int64_t m, int64_t d)
{
	int64_t before = y - 1, days, i;

	days = before * 365 + before / 4 - before / 100 + before / 400;
	for (i = 1; i < m; i++)
		days += ref_month_days(y, i);
	return days + d - 1;
}

int tx_time_parse_ref(const char *s, size_t len, int64_t *us)
{
	int64_t y, mo, d, h, mi, sec, oh = 0, om = 0, frac = 0, secs;
	int64_t epoch = ref_days_since_year1(1970, 1, 1);
	size_t pos = 0;
	int nfrac = 0, sign = 0;
	char c;

	/* full-date */
	if (ref_number(s, len, &pos, 4, &y) || !ref_char(s, len, &pos, "-", &c) ||
	    ref_number(s, len, &pos, 2, &mo) || !ref_char(s, len, &pos, "-", &c) ||
	    ref_number(s, len, &pos, 2, &d))
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > ref_month_days(y, mo))
		return -1;
	/* time-sep, partial-time */
	if (!ref_char(s, len, &pos, "Tt ", &c) || ref_number(s, len, &pos, 2, &h) ||
	    !ref_char(s, len, &pos, ":", &c) || ref_number(s, len, &pos, 2, &mi) ||
	    !ref_char(s, len, &pos, ":", &c) || ref_number(s, len, &pos, 2, &sec))
		return -1;
	if (h > 23 || mi > 59 || sec > 59) /* no leap second */
		return -1;
	/* time-secfrac: microseconds, the digits past the sixth dropped */
	if (ref_char(s, len, &pos, ".", &c)) {
		int64_t digit;
		while (ref_number(s, len, &pos, 1, &digit) == 0) {
			nfrac++;
			if (nfrac <= 6)
				frac += digit * (nfrac == 1   ? 100000
						 : nfrac == 2 ? 10000
						 : nfrac == 3 ? 1000
						 : nfrac == 4 ? 100
						 : nfrac == 5 ? 10
							      : 1);
		}
		if (nfrac < 1 || nfrac > 9)
			return -1;
	}
	/* time-offset */
	if (!ref_char(s, len, &pos, "Zz+-", &c))
		return -1;
	if (c == '+' || c == '-') {
		sign = c == '+' ? 1 : -1;
		if (ref_number(s, len, &pos, 2, &oh) || !ref_char(s, len, &pos, ":", &c) ||
		    ref_number(s, len, &pos, 2, &om) || oh > 23 || om > 59)
			return -1;
	}
	if (pos != len)
		return -1;
	secs = (ref_days_since_year1(y, mo, d) - epoch) * 86400 + h * 3600 + mi * 60 + sec;
	secs -= sign * (oh * 3600 + om * 60); /* local time = UTC + offset */
	if (secs < TX_TIME_MIN_S || secs > TX_TIME_MAX_S)
		return -1;
	*us = secs * 1000000 + frac;
	return 0;
}

void tx_time_format(struct tx_buf *b, int64_t us)
{
	int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	int64_t frac = us - secs * 1000000,
		days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rem = secs - days * 86400, y;
	unsigned m, d;
	char t[28];
	int i;

	tx_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999; /* RFC 3339 has four-digit years only */
	t[0] = (char)('0' + y / 1000);
	t[1] = (char)('0' + y / 100 % 10);
	t[2] = (char)('0' + y / 10 % 10);
	t[3] = (char)('0' + y % 10);
	t[4] = '-';
	t[5] = (char)('0' + m / 10);
	t[6] = (char)('0' + m % 10);
	t[7] = '-';
	t[8] = (char)('0' + d / 10);
	t[9] = (char)('0' + d % 10);
	t[10] = 'T';
	t[11] = (char)('0' + rem / 36000);
	t[12] = (char)('0' + rem / 3600 % 10);
	t[13] = ':';
	t[14] = (char)('0' + rem % 3600 / 600);
	t[15] = (char)('0' + rem % 3600 / 60 % 10);
	t[16] = ':';
	t[17] = (char)('0' + rem % 60 / 10);
	t[18] = (char)('0' + rem % 10);
	t[19] = '.';
	for (i = 25; i >= 20; i--) {
		t[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	t[26] = 'Z';
	tx_buf_add(b, t, 27);
}

/* Exact money: see money.h. */
#include <string.h>

#include "money.h"

/*
 * ISO 4217 alphabetic codes and their minor-unit exponents, sorted by code
 * for bsearch. Active currencies in common use plus every one whose exponent
 * is not 2, since those are the ones a default would get wrong.
 */
static const struct tx_currency currencies[] = {
    {"AED", 2}, {"ARS", 2}, {"AUD", 2}, {"BHD", 3}, {"BIF", 0}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2},
    {"CLF", 4}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"EGP", 2},
    {"EUR", 2}, {"GBP", 2}, {"GNF", 0}, {"HKD", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2},
    {"IQD", 3}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3},
    {"LYD", 3}, {"MXN", 2}, {"MYR", 2}, {"NGN", 2}, {"NOK", 2}, {"NZD", 2}, {"OMR", 3}, {"PHP", 2},
    {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2},
    {"SEK", 2}, {"SGD", 2}, {"THB", 2}, {"TND", 3}, {"TRY", 2}, {"TWD", 2}, {"UAH", 2}, {"UGX", 0},
    {"USD", 2}, {"UYI", 0}, {"UYW", 4}, {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
    {"ZAR", 2},
};

const struct tx_currency *tx_currency_find(const char *code, size_t len)
{
	size_t lo = 0, hi = sizeof(currencies) / sizeof(currencies[0]);

	if (len != 3)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(code, currencies[mid].code, 3);
		if (c == 0)
			return &currencies[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct tx_currency *tx_currency_default(void)
{
	return tx_currency_find("USD", 3);
}

enum tx_money_err tx_money_parse(const char *s, size_t len, int exponent, int64_t *out)
{
	const char *end = s + len;
	int neg = 0, decimals = 0, digits = 0;
	uint64_t v = 0, limit;
	/*
	 * The value has at most len + exponent digits: with at most 18 it
	 * cannot overflow, and the checks are skipped.
	 */
	int small = exponent >= 0 && len + (size_t)exponent <= 18;

	/*
	 * The usual amount first: [1-9][0-9]* or 0, '.', exactly `exponent`
	 * decimals, short enough not to overflow. Anything else (and every
	 * error) takes the general path below.
	 */
	if (small && exponent > 0 && len >= (size_t)exponent + 2 && s[len - exponent - 1] == '.' &&
	    (s[0] != '0' || len == (size_t)exponent + 2)) {
		const char *dot = s + len - exponent - 1, *q;
		for (q = s; q < end; q++) {
			unsigned d = (unsigned)(unsigned char)*q - '0';
			if (q == dot)
				continue;
			if (d > 9)
				break;
			v = v * 10 + d;
		}
		if (q == end) {
			*out = (int64_t)v;
			return TX_MONEY_OK;
		}
		v = 0;
	}
	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	/* JSON number grammar for the integer part: 0 or [1-9][0-9]* */
	if (s == end || *s < '0' || *s > '9' ||
	    (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9'))
		return TX_MONEY_SYNTAX;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < end && *s >= '0' && *s <= '9'; s++, digits++) {
		if (!small && v > (limit - (uint64_t)(*s - '0')) / 10)
			return TX_MONEY_OVERFLOW;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (s < end && *s == '.') {
		s++;
		if (s == end || *s < '0' || *s > '9')
			return TX_MONEY_SYNTAX;
		for (; s < end && *s >= '0' && *s <= '9'; s++) {
			if (decimals == exponent) {
				if (*s != '0')
					return TX_MONEY_PRECISION;
				continue; /* trailing zeros past the exponent are exact */
			}
			if (!small && v > (limit - (uint64_t)(*s - '0')) / 10)
				return TX_MONEY_OVERFLOW;
			v = v * 10 + (uint64_t)(*s - '0');
			decimals++;
		}
	}
	if (s != end)
		return TX_MONEY_SYNTAX;
	for (; decimals < exponent; decimals++) {
		if (!small && v > limit / 10)
			return TX_MONEY_OVERFLOW;
		v *= 10;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return TX_MONEY_OK;
}

const char *tx_money_strerror(enum tx_money_err e, int exponent)
{
	static const char *const precision[] = {
	    "has decimals, but its currency has none",
	    "has more than 1 decimal for its currency",
	    "has more than 2 decimals for its currency",
	    "has more than 3 decimals for its currency",
	    "has more than 4 decimals for its currency",
	};

	switch (e) {
	case TX_MONEY_OK: return "is valid";
	case TX_MONEY_SYNTAX: return "is not a plain decimal number";
	case TX_MONEY_PRECISION:
		return exponent >= 0 && exponent <= 4 ? precision[exponent]
						      : "has too many decimals for its currency";
	case TX_MONEY_OVERFLOW: return "is out of range";
	}
	return "is invalid";
}

char *tx_money_put_any(char *p, int64_t minor, int exponent)
{
	uint64_t v = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor, units = v;
	int d;

	if (minor < 0)
		*p++ = '-';
	if (exponent <= 0)
		return tx_put_uint(p, v);
	if (exponent == 2) /* most currencies: divisions by a constant */
		return tx_money_put_cents(p, v);
	/* the units, '.', then the decimals written backwards */
	for (d = 0; d < exponent; d++)
		units /= 10;
	p = tx_put_uint(p, units);
	*p++ = '.';
	for (d = exponent; d-- > 0; v /= 10)
		p[d] = (char)('0' + v % 10);
	return p + exponent;
}

void tx_money_format_wide(struct tx_buf *b, __int128 minor, int exponent)
{
	unsigned __int128 v = minor < 0 ? -(unsigned __int128)minor : (unsigned __int128)minor;
	char d[48]; /* 2^127 has 39 digits; exponent <= 4 zeros of padding */
	int n = 0;

	do {
		d[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	while (n <= exponent)
		d[n++] = '0';
	tx_buf_grow(b, (size_t)n + 2);
	if (minor < 0)
		b->p[b->len++] = '-';
	while (n--) {
		b->p[b->len++] = d[n];
		if (n == exponent && exponent > 0)
			b->p[b->len++] = '.';
	}
	b->p[b->len] = '\0';
}

void tx_money_format(struct tx_buf *b, int64_t minor, int exponent)
{
	tx_buf_grow(b, TX_MONEY_TEXT_MAX);
	b->len = (size_t)(tx_money_put(b->p + b->len, minor, exponent) - b->p);
	b->p[b->len] = '\0';
}

int tx_round_parse(const char *s)
{
	static const char *const names[] = {"none", "half-even", "half-up", "down"};

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

enum tx_money_err tx_money_parse_number(const char *s, size_t len, int exponent, enum tx_round mode,
					int64_t *out)
{
	const char *end = s + len, *ip, *fp = NULL, *q = s;
	size_t ni = 0, nf = 0, nd, first;
	int neg = 0, round_up;
	int64_t e = 0, point, cut;
	uint64_t v = 0;
	unsigned r0 = 0, sticky = 0;

	if (q < end && *q == '-') {
		neg = 1;
		q++;
	}
	for (ip = q; q < end && *q >= '0' && *q <= '9'; q++)
		ni++;
	if (q < end && *q == '.') {
		fp = ++q;
		for (; q < end && *q >= '0' && *q <= '9'; q++)
			nf++;
		if (!nf)
			return TX_MONEY_SYNTAX;
	}
	if (!ni)
		return TX_MONEY_SYNTAX;
	if (q < end && (*q == 'e' || *q == 'E')) {
		int eneg = 0, ed = 0;
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		for (; q < end && *q >= '0' && *q <= '9'; q++, ed++)
			if (e < 1000000000) /* saturates: far past any int64 or any digit */
				e = e * 10 + (*q - '0');
		if (!ed)
			return TX_MONEY_SYNTAX;
		if (eneg)
			e = -e;
	}
	if (q != end)
		return TX_MONEY_SYNTAX;

		/*
		 * The digits D = integer digits then fraction digits, with the point
		 * after `point` of them; scaled by 10^exponent, the minor units are
		 * the digits before `cut`, and those from cut on are to be rounded.
		 * Leading zeros are skipped (each moves the point left by one), so
		 * that from the first digit on the value grows and overflows quickly.
		 */
#define DIGIT(i) ((i) < ni ? ip[i] - '0' : fp[(i)-ni] - '0')
	nd = ni + nf;
	for (first = 0; first < nd && DIGIT(first) == 0; first++)
		;
	if (first == nd) {
		*out = 0;
		return TX_MONEY_OK;
	}
	point = (int64_t)ni + e - (int64_t)first;
	cut = point + exponent;
	for (int64_t i = 0; i < cut; i++) {
		size_t k = first + (size_t)i;
		unsigned d = k < nd ? (unsigned)DIGIT(k) : 0;
		if (v > (UINT64_MAX - d) / 10)
			return TX_MONEY_OVERFLOW;
		v = v * 10 + d;
		if (v > (uint64_t)INT64_MAX + neg)
			return TX_MONEY_OVERFLOW;
	}
	/* the first digit dropped, and whether any after it is not zero */
	if (cut >= 0) {
		size_t k = first + (size_t)cut;
		if (k < nd) {
			r0 = (unsigned)DIGIT(k);
			for (k++; k < nd && !sticky; k++)
				sticky = DIGIT(k) != 0;
		}
	} else {
		sticky = 1; /* zeros, then the digits: less than half a unit, not nothing */
	}
#undef DIGIT
	switch (mode) {
	case TX_ROUND_NONE:
		if (r0 || sticky)
			return TX_MONEY_PRECISION;
		round_up = 0;
		break;
	case TX_ROUND_HALF_EVEN: round_up = r0 > 5 || (r0 == 5 && (sticky || (v & 1))); break;
	case TX_ROUND_HALF_UP: round_up = r0 >= 5; break;
	default: round_up = 0; break;
	}
	if (round_up && ++v > (uint64_t)INT64_MAX + neg)
		return TX_MONEY_OVERFLOW;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return TX_MONEY_OK;
}

/* Strict JSON scanning: see json.h. */
#include <stdint.h>
#include <string.h>

#include "json.h"

/* What a byte means inside a string: 0 plain ASCII, else see below. */
enum { C_PLAIN = 0, C_QUOTE, C_BSLASH, C_CTRL, C_HIGH };

static const unsigned char str_class[256] = {
    [0x00 ... 0x1f] = C_CTRL,
    ['"'] = C_QUOTE,
    ['\\'] = C_BSLASH,
    [0x80 ... 0xff] = C_HIGH,
};

static const char *fail(struct tx_json_err *err, const char *at, const char *what)
{
	err->at = at;
	err->what = what;
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (p + 4 <= end checked by the caller), or -1. */
static long hex4(const char *p)
{
	int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]), d = hexval(p[3]);

	if ((a | b | c | d) < 0)
		return -1;
	return (long)a << 12 | b << 8 | c << 4 | d;
}

/* A well-formed UTF-8 sequence starting at p (*p >= 0x80): its end, or NULL. */
static const char *utf8_seq(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t avail = (size_t)(end - p);
	unsigned char c = u[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else
		return NULL;
	if (avail < n)
		return NULL;
	if (u[1] < lo || u[1] > hi)
		return NULL;
	for (i = 2; i < n; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return NULL;
	return p + n;
}

const char *tx_json_scan_string(const char *p, const char *end, int *escaped,
				struct tx_json_err *err)
{
	const char *start = p;
	int esc = 0;

	p++; /* the opening quote */
	for (;;) {
		while (end - p >= 8) {
			uint64_t v, m;
			memcpy(&v, p, 8);
			if ((m = tx_json_special8(v))) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				/* the lowest flag is always a true one */
				p += __builtin_ctzll(m) >> 3;
#endif
				break;
			}
			p += 8;
		}
		while (p < end && str_class[(unsigned char)*p] == C_PLAIN)
			p++;
		if (p >= end)
			return fail(err, start, "unterminated string");
		switch (str_class[(unsigned char)*p]) {
		case C_QUOTE:
			if (escaped)
				*escaped = esc;
			return p + 1;
		case C_CTRL: return fail(err, p, "control character in string");
		case C_HIGH: {
			const char *q = utf8_seq(p, end);
			if (!q)
				return fail(err, p, "invalid UTF-8 in string");
			p = q;
			break;
		}
		case C_BSLASH:
			esc = 1;
			if (p + 1 >= end)
				return fail(err, start, "unterminated string");
			switch (p[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't': p += 2; break;
			case 'u': {
				long v;
				if (end - p < 6 || (v = hex4(p + 2)) < 0)
					return fail(err, p, "invalid \\u escape");
				if (v == 0)
					return fail(err, p, "\\u0000 is not allowed");
				if (v >= 0xdc00 && v <= 0xdfff)
					return fail(err, p, "lone surrogate in \\u escape");
				if (v >= 0xd800 && v <= 0xdbff) {
					long w;
					if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
						return fail(err, p, "lone surrogate in \\u escape");
					w = hex4(p + 8);
					if (w < 0)
						return fail(err, p + 6, "invalid \\u escape");
					if (w < 0xdc00 || w > 0xdfff)
						return fail(err, p, "lone surrogate in \\u escape");
					p += 12;
				} else
					p += 6;
				break;
			}
			default: return fail(err, p, "invalid escape in string");
			}
			break;
		}
	}
}

/*
 * Whether the number [p, end) (valid JSON) is in range: zero, or with its
 * first significant digit in the places 10^-307 to 10^307 (so 1e-307 <=
 * |v| < 1e308, inside a double's normal range). Every number of a record,
 * in unknown members too, must be: jansson, PostgreSQL's jsonb and most
 * JSON readers refuse numbers beyond a double, so txkit refuses them at
 * the door rather than in one backend and not the other (tx-record(5)).
 * Exact on the text, without strtod (which depends on the locale); the
 * digits themselves are kept as written.
 */
static __attribute__((noinline)) int number_in_range(const char *p, const char *end)
{
	const char *int_start, *q;
	int64_t e10 = 0, x = 0;
	int xneg = 0, nonzero = 0;

	if (*p == '-')
		p++;
	for (int_start = p; p < end && *p >= '0' && *p <= '9'; p++)
		;
	if (*int_start != '0') { /* no leading zeros in JSON: the first digit counts */
		e10 = p - int_start - 1;
		nonzero = 1;
	}
	if (p < end && *p == '.') {
		for (q = ++p; p < end && *p >= '0' && *p <= '9'; p++)
			if (!nonzero && *p != '0') {
				e10 = -(p - q) - 1;
				nonzero = 1;
			}
	}
	if (!nonzero)
		return 1; /* zero, whatever its exponent */
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			xneg = *p++ == '-';
		for (; p < end; p++)
			if (x < 1000000000)
				x = x * 10 + (*p - '0');
		e10 += xneg ? -x : x;
	}
	return e10 >= -307 && e10 <= 307;
}

const char *tx_json_scan_number(const char *p, const char *end, unsigned *shape,
				struct tx_json_err *err)
{
	const char *start = p;
	unsigned s = 0;

	if (p < end && *p == '-') {
		s |= TX_JSON_NUM_NEG;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return fail(err, start, "invalid number");
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return fail(err, start, "invalid number (leading zero)");
	} else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		s |= TX_JSON_NUM_FRAC;
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(err, start, "invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		s |= TX_JSON_NUM_EXP;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(err, start, "invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	/* only a number with an exponent or 300 digits can leave a double's range */
	if (((s & TX_JSON_NUM_EXP) || p - start > 300) && !number_in_range(start, p))
		return fail(err, start, "number out of range (beyond 1e308 or below 1e-307)");
	if (shape)
		*shape = s;
	return p;
}

static const char *scan_literal(const char *p, const char *end, const char *word, size_t n,
				struct tx_json_err *err)
{
	size_t i;

	if ((size_t)(end - p) < n)
		return fail(err, p, "invalid literal");
	for (i = 0; i < n; i++)
		if (p[i] != word[i])
			return fail(err, p, "invalid literal");
	return p + n;
}

static const char *scan_object(const char *p, const char *end, int depth, struct tx_json_err *err)
{
	p = tx_json_skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return p + 1;
	for (;;) {
		if (p >= end || *p != '"')
			return fail(err, p, "expected a string key");
		if (!(p = tx_json_scan_string(p, end, NULL, err)))
			return NULL;
		p = tx_json_skip_ws(p, end);
		if (p >= end || *p != ':')
			return fail(err, p, "expected ':'");
		p = tx_json_skip_ws(p + 1, end);
		if (!(p = tx_json_scan_value(p, end, depth + 1, err)))
			return NULL;
		p = tx_json_skip_ws(p, end);
		if (p < end && *p == '}')
			return p + 1;
		if (p >= end || *p != ',')
			return fail(err, p, "expected ',' or '}'");
		p = tx_json_skip_ws(p + 1, end);
	}
}

static const char *scan_array(const char *p, const char *end, int depth, struct tx_json_err *err)
{
	p = tx_json_skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return p + 1;
	for (;;) {
		if (!(p = tx_json_scan_value(p, end, depth + 1, err)))
			return NULL;
		p = tx_json_skip_ws(p, end);
		if (p < end && *p == ']')
			return p + 1;
		if (p >= end || *p != ',')
			return fail(err, p, "expected ',' or ']'");
		p = tx_json_skip_ws(p + 1, end);
	}
}

const char *tx_json_scan_value(const char *p, const char *end, int depth, struct tx_json_err *err)
{
	if (depth > TX_JSON_MAX_DEPTH)
		return fail(err, p, "nested too deep");
	if (p >= end)
		return fail(err, p, "expected a value");
	switch (*p) {
	case '"': return tx_json_scan_string(p, end, NULL, err);
	case '{': return scan_object(p, end, depth, err);
	case '[': return scan_array(p, end, depth, err);
	case 't': return scan_literal(p, end, "true", 4, err);
	case 'f': return scan_literal(p, end, "false", 5, err);
	case 'n': return scan_literal(p, end, "null", 4, err);
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9': return tx_json_scan_number(p, end, NULL, err);
	default: return fail(err, p, "expected a value");
	}
}

static char *put_utf8(char *d, uint32_t c)
{
	if (c < 0x80) {
		*d++ = (char)c;
	} else if (c < 0x800) {
		*d++ = (char)(0xc0 | c >> 6);
		*d++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*d++ = (char)(0xe0 | c >> 12);
		*d++ = (char)(0x80 | (c >> 6 & 0x3f));
		*d++ = (char)(0x80 | (c & 0x3f));
	} else {
		*d++ = (char)(0xf0 | c >> 18);
		*d++ = (char)(0x80 | (c >> 12 & 0x3f));
		*d++ = (char)(0x80 | (c >> 6 & 0x3f));
		*d++ = (char)(0x80 | (c & 0x3f));
	}
	return d;
}

size_t tx_json_unescape(char *dst, const char *src, size_t len)
{
	const char *s = src, *end = src + len;
	char *d = dst;

	while (s < end) {
		if (*s != '\\') {
			*d++ = *s++;
			continue;
		}
		switch (s[1]) {
		case 'b': *d++ = '\b'; break;
		case 'f': *d++ = '\f'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		case 't': *d++ = '\t'; break;
		case 'u': {
			uint32_t c = (uint32_t)hex4(s + 2);
			if (c >= 0xd800 && c <= 0xdbff) {
				uint32_t lo = (uint32_t)hex4(s + 8);
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			d = put_utf8(d, c);
			s += 6;
			continue;
		}
		default: *d++ = s[1]; break; /* " \ / */
		}
		s += 2;
	}
	return (size_t)(d - dst);
}

int tx_json_validate(const char *s, size_t len, struct tx_json_err *err)
{
	const char *end = s + len, *p = tx_json_skip_ws(s, end);

	if (!(p = tx_json_scan_value(p, end, 1, err)))
		return -1;
	p = tx_json_skip_ws(p, end);
	if (p != end) {
		fail(err, p, "unexpected text after the value");
		return -1;
	}
	return 0;
}

/* Growable byte buffer: see buf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "tx.h"

void tx_buf_init(struct tx_buf *b)
{
	b->p = NULL;
	b->len = b->cap = 0;
}

void tx_buf_release(struct tx_buf *b)
{
	free(b->p);
	tx_buf_init(b);
}

void tx_buf_grow(struct tx_buf *b, size_t n)
{
	size_t want = b->len + n + 1;
	size_t cap = b->cap ? b->cap : 64;

	if (want < b->len)
		tx_die(TX_EXIT_SOFTWARE, "buffer size overflow");
	while (cap < want)
		cap = cap * 2 > cap ? cap * 2 : want;
	if (cap != b->cap) {
		b->p = tx_realloc(b->p, cap);
		b->cap = cap;
		b->p[b->len] = '\0';
	}
}

void tx_buf_addf(struct tx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		tx_die(TX_EXIT_SOFTWARE, "formatting failed");
	if ((size_t)n >= b->cap - b->len || !b->p) {
		tx_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* "00" to "99": two digits per division */
const char tx_digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930"
				 "31323334353637383940414243444546474849505152535455565758596061"
				 "62636465666768697071727374757677787980818283848586878889909192"
				 "93949596979899";

/* The number of decimal digits of v (1 for 0), without a loop of divisions. */
static unsigned ndigits(uint64_t v)
{
	static const uint64_t pow10[20] = {1ULL,
					   10ULL,
					   100ULL,
					   1000ULL,
					   10000ULL,
					   100000ULL,
					   1000000ULL,
					   10000000ULL,
					   100000000ULL,
					   1000000000ULL,
					   10000000000ULL,
					   100000000000ULL,
					   1000000000000ULL,
					   10000000000000ULL,
					   100000000000000ULL,
					   1000000000000000ULL,
					   10000000000000000ULL,
					   100000000000000000ULL,
					   1000000000000000000ULL,
					   10000000000000000000ULL};
	/*
	 * v | 1 has the digits of v (only 10^k - 1, odd, is next to a power of
	 * ten) and a defined log2. bits * 1233 / 4096 is floor(log10(2^bits)),
	 * at most one more than floor(log10(v)) (Bit Twiddling Hacks).
	 */
	uint64_t x = v | 1;
	unsigned t = (unsigned)(64 - __builtin_clzll(x)) * 1233 >> 12;

	return t + (x >= pow10[t]);
}

char *tx_put_uint_long(char *p, uint64_t v)
{
	char *end = p + ndigits(v), *q = end;
	uint32_t u;

	/* backwards from the end, two digits per division, in 32 bits once they fit */
	for (; v > UINT32_MAX; v /= 100) {
		q -= 2;
		memcpy(q, tx_digit_pairs + 2 * (v % 100), 2);
	}
	for (u = (uint32_t)v; u >= 100; u /= 100) {
		q -= 2;
		memcpy(q, tx_digit_pairs + 2 * (u % 100), 2);
	}
	if (u >= 10)
		memcpy(q - 2, tx_digit_pairs + 2 * u, 2);
	else
		q[-1] = (char)('0' + u);
	return end;
}

void tx_buf_add_uint(struct tx_buf *b, uint64_t v)
{
	tx_buf_grow(b, 24);
	b->len = (size_t)(tx_put_uint(b->p + b->len, v) - b->p);
	b->p[b->len] = '\0';
}

void tx_buf_add_int(struct tx_buf *b, int64_t v)
{
	if (v < 0) {
		tx_buf_addch(b, '-');
		tx_buf_add_uint(b, (uint64_t)0 - (uint64_t)v);
	} else {
		tx_buf_add_uint(b, (uint64_t)v);
	}
}

void tx_buf_add_json_string(struct tx_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	tx_buf_addch(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		tx_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': tx_buf_add(b, "\\\"", 2); break;
		case '\\': tx_buf_add(b, "\\\\", 2); break;
		case '\n': tx_buf_add(b, "\\n", 2); break;
		case '\r': tx_buf_add(b, "\\r", 2); break;
		case '\t': tx_buf_add(b, "\\t", 2); break;
		default: {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			tx_buf_add(b, esc, 6);
		}
		}
	}
	tx_buf_add(b, s + run, n - run);
	tx_buf_addch(b, '"');
}

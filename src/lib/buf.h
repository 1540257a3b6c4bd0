/*
 * buf.h: a growable byte buffer (git's strbuf, smaller).
 *
 * The bytes are always NUL-terminated after len, so p can be passed to
 * functions that want a C string when the content has no NUL of its own.
 * Ownership: the buffer owns p; tx_buf_release() frees it and leaves an
 * empty buffer that can be used again.
 */
#ifndef TX_BUF_H
#define TX_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tx_buf {
	char *p;
	size_t len;
	size_t cap;
};

#define TX_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void tx_buf_init(struct tx_buf *b);
void tx_buf_release(struct tx_buf *b);
/* Make room for at least n more bytes (plus the NUL). */
void tx_buf_grow(struct tx_buf *b, size_t n);
static inline void tx_buf_reset(struct tx_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}
static inline void tx_buf_add(struct tx_buf *b, const void *data, size_t n)
{
	if (b->cap - b->len <= n)
		tx_buf_grow(b, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}
static inline void tx_buf_addch(struct tx_buf *b, char c)
{
	if (b->cap - b->len <= 1)
		tx_buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}
static inline void tx_buf_adds(struct tx_buf *b, const char *s)
{
	tx_buf_add(b, s, strlen(s));
}
void tx_buf_addf(struct tx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal integers, without printf. */
void tx_buf_add_int(struct tx_buf *b, int64_t v);
void tx_buf_add_uint(struct tx_buf *b, uint64_t v);
/* "00" to "99": the two digits of n < 100 are tx_digit_pairs[2 * n], [2 * n + 1]. */
extern const char tx_digit_pairs[201];
char *tx_put_uint_long(char *p, uint64_t v);
/*
 * The decimal digits of v written at p (room for 20 bytes); returns the end.
 * Counts and amounts are mostly short: up to 4 digits are written here,
 * without a call or a loop.
 */
static inline char *tx_put_uint(char *p, uint64_t v)
{
	unsigned hi, lo;

	if (v >= 10000)
		return tx_put_uint_long(p, v);
	if (v < 100) {
		if (v < 10) {
			*p = (char)('0' + v);
			return p + 1;
		}
		memcpy(p, tx_digit_pairs + 2 * v, 2);
		return p + 2;
	}
	hi = (unsigned)v / 100;
	lo = (unsigned)v % 100;
	if (hi < 10) {
		*p++ = (char)('0' + hi);
	} else {
		memcpy(p, tx_digit_pairs + 2 * hi, 2);
		p += 2;
	}
	memcpy(p, tx_digit_pairs + 2 * lo, 2);
	return p + 2;
}
/* A JSON string literal, quotes included, escaping what JSON requires. */
void tx_buf_add_json_string(struct tx_buf *b, const char *s, size_t n);

#endif

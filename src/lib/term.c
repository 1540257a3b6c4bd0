/* Record text made safe for a terminal (see term.h). */
#include <string.h>

#include "term.h"

/*
 * The length of the well-formed UTF-8 sequence at s (at most n bytes), and
 * its code point in *cp; 0 when the bytes are not one (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, c &= 0x0F;
		lo = c == 0 ? 0xA0 : 0x80;
		hi = c == 0xD ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, c &= 0x07;
		lo = c == 0 ? 0x90 : 0x80;
		hi = c == 4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	*cp = c;
	return len;
}

size_t tx_term_clean(char *dst, const char *src, size_t n, char repl)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, len;
	unsigned cp;

	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7F) {
			dst[o++] = (char)c;
			i++;
			continue;
		}
		if (c < 0x80 || !(len = utf8_seq(s + i, n - i, &cp))) {
			dst[o++] = repl; /* C0, DEL, or not UTF-8 */
			i++;
			continue;
		}
		if (cp <= 0x9F || (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			dst[o++] = repl; /* C1, a bidi embedding, override or isolate */
		} else {
			memmove(dst + o, s + i, len);
			o += len;
		}
		i += len;
	}
	return o;
}

void tx_buf_add_term(struct tx_buf *b, const char *s, size_t n, char repl)
{
	if (!n)
		return;
	tx_buf_grow(b, n);
	b->len += tx_term_clean(b->p + b->len, s, n, repl);
	b->p[b->len] = '\0';
}

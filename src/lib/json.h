/*
 * json.h: strict JSON scanning without a DOM (the engine under record.h).
 *
 * The scanner accepts exactly what jansson (the reference parser, used with
 * flags 0) accepts as RFC 8259 text: the strict number grammar, the escapes
 * \" \\ \/ \b \f \n \r \t and \uXXXX with surrogate pairs, well-formed UTF-8
 * only (no overlongs, no surrogates, nothing above U+10FFFF), no raw control
 * characters in strings, no \u0000, whitespace only space, tab, CR and LF,
 * nesting at most TX_JSON_MAX_DEPTH values deep. The one deliberate
 * difference: numbers are checked for their grammar only, so an integer too
 * large for jansson's json_int_t (or a real that overflows a double) is
 * accepted here and passed through exactly by the record codec.
 *
 * Scanners take a pointer into a buffer and its end, and return the pointer
 * just past what they consumed, or NULL with *err saying where and why. They
 * never read at or past end and never allocate.
 */
#ifndef TX_JSON_H
#define TX_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fastpath.h"
#ifdef TX_SSE2
#include <emmintrin.h>
#endif

/* jansson's JSON_PARSER_MAX_DEPTH: every value, scalars included, counts. */
#define TX_JSON_MAX_DEPTH 2048

struct tx_json_err {
	const char *at;	  /* where the problem is */
	const char *what; /* a short phrase: "expected ':'" (static storage) */
};

/* Number shapes, from tx_json_scan_number(). */
enum {
	TX_JSON_NUM_NEG = 1 << 0,  /* a leading '-' */
	TX_JSON_NUM_FRAC = 1 << 1, /* a fraction part */
	TX_JSON_NUM_EXP = 1 << 2,  /* an exponent part */
};

static inline int tx_json_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline const char *tx_json_skip_ws(const char *p, const char *end)
{
	/* every whitespace byte is <= ' ': one compare for the usual none */
	while (p < end && (unsigned char)*p <= ' ' && tx_json_is_ws(*p))
		p++;
	return p;
}

/*
 * A string starting at its opening quote (*p == '"'). Sets *escaped when it
 * holds a backslash escape (so its content needs tx_json_unescape()).
 */
const char *tx_json_scan_string(const char *p, const char *end, int *escaped,
				struct tx_json_err *err);

/*
 * Nonzero when one of the 8 bytes in v needs a look inside a string: a
 * control byte, '"', '\\' or a byte >= 0x80 (the has-zero-byte tricks; a
 * flag can be wrong only above a true one, so the lowest flag is exact).
 */
static inline uint64_t tx_json_special8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');

	return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b) | v) & highs;
}

#ifdef TX_SSE2
/* tx_json_special8() for the 16 bytes at p, as a bit mask (bit i: byte i) */
static inline unsigned tx_json_special16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed: bytes >= 0x80 are negative, so one compare finds them and controls */
	__m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
	__m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i bslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, bslash)));
}
#endif

/*
 * tx_json_scan_string(), inline for the common case of a plain ASCII string
 * without escapes; anything else goes to the full scanner. lo is the start
 * of the buffer p points into (lo <= p): near its end, the last 16 bytes
 * are read at once when they are all at or after lo. _sel() takes the fast
 * paths to use (tx_fast, or a constant the compiler folds: fastpath.h),
 * _in() reads tx_fast.
 */
static inline __attribute__((always_inline)) const char *
tx_json_scan_string_sel(const char *lo, const char *p, const char *end, int *escaped,
			struct tx_json_err *err, unsigned fast)
{
	(void)lo; /* for SSE2 only */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const char *q = p + 1;

#ifdef TX_SSE2
	if (fast & TX_FAST_SIMD) {
		while (end - q >= 16) {
			unsigned m = tx_json_special16(q);
			if (m) {
				q += __builtin_ctz(m);
				if (*q == '"') {
					*escaped = 0;
					return q + 1;
				}
				return tx_json_scan_string(p, end, escaped, err);
			}
			q += 16;
		}
		if (q < end && end - lo >= 16) {
			/*
			 * Fewer than 16 bytes left (a string near the end of the
			 * buffer): the 16 bytes that end it, the flags of those before
			 * q (scanned already, the opening quote, or before it) shifted
			 * out.
			 */
			const char *base = end - 16;
			unsigned m = tx_json_special16(base) >> (q - base); /* q - base: 1 to 15 */
			if (m) {
				q += __builtin_ctz(m);
				if (*q == '"') {
					*escaped = 0;
					return q + 1;
				}
			}
		}
		return tx_json_scan_string(p, end, escaped, err);
	}
#endif
	/* SWAR: 8 bytes at a time, without SSE2 or with "simd" switched off */
	while (end - q >= 8) {
		uint64_t v, m;
		memcpy(&v, q, 8);
		if ((m = tx_json_special8(v))) {
			q += __builtin_ctzll(m) >> 3;
			if (*q == '"') {
				*escaped = 0;
				return q + 1;
			}
			break;
		}
		q += 8;
	}
#endif
	return tx_json_scan_string(p, end, escaped, err);
}

static inline __attribute__((always_inline)) const char *
tx_json_scan_string_in(const char *lo, const char *p, const char *end, int *escaped,
		       struct tx_json_err *err)
{
	return tx_json_scan_string_sel(lo, p, end, escaped, err, tx_fast);
}

/* tx_json_scan_string_in() knowing nothing of the buffer before p */
static inline const char *tx_json_scan_string_fast(const char *p, const char *end, int *escaped,
						   struct tx_json_err *err)
{
	return tx_json_scan_string_in(p, p, end, escaped, err);
}

/* A number; *shape gets TX_JSON_NUM_* flags (may be NULL). */
const char *tx_json_scan_number(const char *p, const char *end, unsigned *shape,
				struct tx_json_err *err);
/*
 * Any value starting at p (no leading whitespace), itself at nesting depth
 * `depth` (the top-level value is at depth 1).
 */
const char *tx_json_scan_value(const char *p, const char *end, int depth, struct tx_json_err *err);

/*
 * Decode the content of a string tx_json_scan_string() accepted (src
 * without its quotes) into dst, which must hold len bytes: decoding never
 * lengthens. Returns the decoded length. dst may equal src.
 */
size_t tx_json_unescape(char *dst, const char *src, size_t len);

/*
 * Validate a whole text: one value of any type with optional whitespace
 * around it. Returns 0, or -1 with *err set.
 */
int tx_json_validate(const char *s, size_t len, struct tx_json_err *err);

#endif

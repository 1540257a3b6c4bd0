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
	while (p < end && tx_json_is_ws(*p))
		p++;
	return p;
}

/*
 * A string starting at its opening quote (*p == '"'). Sets *escaped when it
 * holds a backslash escape (so its content needs tx_json_unescape()).
 */
const char *tx_json_scan_string(const char *p, const char *end, int *escaped,
				struct tx_json_err *err);
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

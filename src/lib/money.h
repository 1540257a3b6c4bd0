/*
 * money.h: exact amounts as int64 minor units.
 *
 * An amount is the decimal text of a JSON number or string ("128.28",
 * "1500", "1.5e2" is refused: exponents hide the precision). It is scaled by
 * the currency's ISO 4217 exponent: "128.28" USD is 12828 cents, "1500" JPY
 * is 1500 yen, "1.234" KWD is 1234 fils. More decimals than the currency has
 * is an error unless the extra digits are all zero ("1.50" USD is fine,
 * "1.505" USD is not). Nothing ever goes through a double.
 */
#ifndef TX_MONEY_H
#define TX_MONEY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

struct tx_currency {
	char code[4]; /* "USD" */
	int exponent; /* decimals: 2 for USD, 0 for JPY, 3 for KWD */
};

/*
 * Look up an ISO 4217 alphabetic code (exactly three upper-case letters).
 * Returns the table entry, or NULL when the code is not known.
 */
const struct tx_currency *tx_currency_find(const char *code, size_t len);
/* The default currency of records without one: USD. */
const struct tx_currency *tx_currency_default(void);

enum tx_money_err {
	TX_MONEY_OK = 0,
	TX_MONEY_SYNTAX,    /* not a plain decimal number */
	TX_MONEY_PRECISION, /* more decimals than the currency allows */
	TX_MONEY_OVERFLOW   /* does not fit in int64 minor units */
};

/*
 * Parse decimal text ([-]digits[.digits]) into minor units with the given
 * exponent. Returns TX_MONEY_OK and sets *out, or an error code.
 */
enum tx_money_err tx_money_parse(const char *s, size_t len, int exponent, int64_t *out);
/* How tx_money_parse_number() treats digits past the currency's decimals. */
enum tx_round {
	TX_ROUND_NONE = 0,  /* refuse them (TX_MONEY_PRECISION) unless they are all zero */
	TX_ROUND_HALF_EVEN, /* to the nearest, a tie to the even neighbour */
	TX_ROUND_HALF_UP,   /* to the nearest, a tie away from zero */
	TX_ROUND_DOWN,	    /* drop them (toward zero) */
};
/*
 * Parse a decimal number as JSON writes it, exponent included
 * ([-]digits[.digits][(e|E)[+|-]digits], "523.1734928", "1e-05",
 * "0.30000000000000004"), into minor units with the given exponent,
 * rounding as mode says. Exact for every length of input: it works on the
 * digits, never through a binary float. Leading zeros ("007.5") are
 * accepted. Returns TX_MONEY_OK and sets *out, or an error code.
 */
enum tx_money_err tx_money_parse_number(const char *s, size_t len, int exponent, enum tx_round mode,
					int64_t *out);
/* "half-even", "half-up", "down" or "none" -> mode; -1 when s names none. */
int tx_round_parse(const char *s);
/* A phrase for an error code, for messages: "has more than 2 decimals" etc. */
const char *tx_money_strerror(enum tx_money_err e, int exponent);

/*
 * Append minor units as decimal text with exactly `exponent` decimals
 * ("128.28", "1500", "-0.05"). This is also valid JSON number text.
 */
void tx_money_format(struct tx_buf *b, int64_t minor, int exponent);
/* The same for a 128-bit count of minor units: sums past the 64-bit range. */
void tx_money_format_wide(struct tx_buf *b, __int128 minor, int exponent);
/*
 * The same text written at p, which must have TX_MONEY_TEXT_MAX bytes of
 * room (all of which may be written: the bytes past the text are
 * scratch); returns the end of the text (no NUL). For writers that build a
 * line in a fixed buffer of their own (txgen, txbal).
 */
#define TX_MONEY_TEXT_MAX 32
char *tx_money_put_any(char *p, int64_t minor, int exponent);
/* v minor units of a currency with two decimals, v >= 0 (tx_money_put()'s helper) */
static inline char *tx_money_put_cents(char *p, uint64_t v)
{
	p = tx_put_uint(p, v / 100);
	p[0] = '.';
	memcpy(p + 1, tx_digit_pairs + 2 * (v % 100), 2);
	return p + 3;
}
static inline char *tx_money_put(char *p, int64_t minor, int exponent)
{
	/* the usual amount without a call: two decimals, 0 to 9999.99 */
	if (exponent == 2 && minor >= 0 && minor < 1000000)
		return tx_money_put_cents(p, (uint32_t)minor);
	return tx_money_put_any(p, minor, exponent);
}

/* Overflow-checked addition: 0, or -1 when a + b does not fit. */
static inline int tx_money_add(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}

#endif

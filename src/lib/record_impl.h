/*
 * record_impl.h: what the codec's two halves share, record.c (the parser)
 * and record_write.c (the writer). Not for use outside the codec.
 */
#ifndef TX_RECORD_IMPL_H
#define TX_RECORD_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record.h"

/* Canonical names of the known fields, and their lengths. */
extern const char *const tx_record_field_names[TX_F__COUNT];
extern const unsigned char tx_record_field_name_len[TX_F__COUNT];

/*
 * Whether a known member's value is already in the canonical form
 * TX_WRITE_CANONICAL writes. The parser's (record.c): it marks with it the
 * members the writer can leave alone, and the writer asks it about the
 * others. The writer uses the parser, never the other way round.
 */
int tx_record_value_canonical(const struct tx_record *r, const struct tx_member *m);

static inline uint64_t ld8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t ld4(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint16_t ld2(const char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

/*
 * k[0..n) == s[0..n), for the short fixed names below: a few overlapping
 * word loads instead of a call to memcmp (this runs for every member).
 */
static inline int name_eq(const char *k, const char *s, size_t n)
{
	if (n >= 8) {
		if (ld8(k) != ld8(s) || ld8(k + n - 8) != ld8(s + n - 8))
			return 0;
		return n <= 16 || ld8(k + 8) == ld8(s + 8);
	}
	if (n >= 4)
		return ld4(k) == ld4(s) && ld4(k + n - 4) == ld4(s + n - 4);
	if (n >= 2)
		return ld2(k) == ld2(s) && ld2(k + n - 2) == ld2(s + n - 2);
	return n == 0 || k[0] == s[0];
}

#endif

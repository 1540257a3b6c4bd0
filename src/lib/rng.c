/* Deterministic PRNG and integer-only distributions: see rng.h. */
#include "rng.h"

uint64_t tx_splitmix64(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return tx_mix64(*state);
}

/* 2^(2^-i) in Q62 for i = 1..16. */
static const uint64_t exp2_bits[16] = {
    0x5a827999fcef3242ull, 0x4c1bf828c6dc54b8ull, 0x45cae0f1f545eb73ull, 0x42d561b3e6243d8aull,
    0x4166c34c5615d0ecull, 0x40b268f9de0183baull, 0x4058f6a7ecccd5b6ull, 0x402c6be96af2fb58ull,
    0x4016321b687027a8ull, 0x400b18178ba33b14ull, 0x40058bce410147e8ull, 0x4002c5d7bff71dafull,
    0x400162e807ee7e5bull, 0x4000b1730df6a524ull, 0x400058b9497b8152ull, 0x40002c5c955dd701ull,
};
#define Q62 (1ull << 62)
/* ln 2 in Q32. */
#define LN2_Q32 2977044471ull

/* 2^(a/256) and 2^(b/65536) in Q62, a, b = 0..255; log2(1 + i/256) in Q32. */
static uint64_t exp2_hi[256], exp2_lo[256];
static uint64_t log2_tab[257];
static int tables_ready;

static uint64_t mul_q62(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b + (Q62 >> 1)) >> 62);
}

/* log2 of x in [1, 2) given in Q61, as Q32, by repeated squaring. */
static uint32_t log2_frac_q32(uint64_t x)
{
	uint32_t r = 0;
	int i;

	for (i = 31; i >= 0; i--) {
		x = (uint64_t)(((unsigned __int128)x * x + (1ull << 60)) >> 61);
		if (x >= 1ull << 62) {
			x >>= 1;
			r |= 1u << i;
		}
	}
	return r;
}

static void tables_init(void)
{
	int i, bit;

	for (i = 0; i < 256; i++) {
		uint64_t hi = Q62, lo = Q62;
		for (bit = 0; bit < 8; bit++) {
			if (i & (0x80 >> bit)) {
				hi = mul_q62(hi, exp2_bits[bit]);
				lo = mul_q62(lo, exp2_bits[bit + 8]);
			}
		}
		exp2_hi[i] = hi;
		exp2_lo[i] = lo;
	}
	for (i = 0; i < 256; i++)
		log2_tab[i] = log2_frac_q32((1ull << 61) + ((uint64_t)i << 53));
	log2_tab[256] = 1ull << 32; /* log2(2) */
	tables_ready = 1;
}

void tx_rng_seed(struct tx_rng *r, uint64_t seed)
{
	uint64_t st = seed;
	int i;

	if (!tables_ready)
		tables_init();
	for (i = 0; i < 4; i++)
		r->s[i] = tx_splitmix64(&st);
}

int32_t tx_rng_normal_q16(struct tx_rng *r)
{
	uint64_t a = tx_rng_next(r), b = tx_rng_next(r);
	int64_t s = (int64_t)((a & 0xffff) + (a >> 16 & 0xffff) + (a >> 32 & 0xffff) + (a >> 48) +
			      (b & 0xffff) + (b >> 16 & 0xffff) + (b >> 32 & 0xffff) + (b >> 48));
	/*
	 * s - 8 * 32767.5 has variance 8 * 65536^2 / 12; times sqrt(1.5) it
	 * has variance 65536^2: (2s - 8 * 65535) * sqrt(1.5) / 2, and
	 * sqrt(1.5) / 2 is 40132 / 65536.
	 */
	return (int32_t)((2 * s - 8 * 65535) * 40132 / 65536);
}

uint64_t tx_exp2_q16(int64_t x)
{
	int64_t k;
	uint64_t m;

	if (x < 0)
		return 1;
	k = x >> 16;
	if (k >= 62)
		return 1ull << 62;
	m = mul_q62(exp2_hi[(x >> 8) & 0xff], exp2_lo[x & 0xff]);
	return (m + (1ull << (61 - k))) >> (62 - k);
}

int32_t tx_log2_q16(uint64_t v)
{
	int k;
	uint64_t x;

	if (v == 0)
		return 0;
	if (!tables_ready)
		tables_init();
	k = 63 - __builtin_clzll(v);
	/* normalise to [1, 2) in Q61 */
	x = k <= 61 ? v << (61 - k) : v >> (k - 61);
	return (int32_t)(((uint64_t)k << 16) + (log2_frac_q32(x) >> 16));
}

/* log2(v) in Q32 for v >= 1 by table and linear interpolation (for speed). */
static uint64_t log2_fast_q32(uint64_t v)
{
	int k = 63 - __builtin_clzll(v);
	uint64_t t = v << (63 - k); /* [1, 2) in Q63 */
	unsigned idx = (unsigned)(t >> 55) & 0xff;
	uint64_t frac = (t >> 23) & 0xffffffffu;
	uint64_t lo = log2_tab[idx], hi = log2_tab[idx + 1];

	return ((uint64_t)k << 32) + lo + (((hi - lo) * frac) >> 32);
}

uint64_t tx_rng_exponential(struct tx_rng *r, uint64_t mean)
{
	/* -ln U = (53 - log2(u)) * ln 2 for u uniform in [1, 2^53] */
	uint64_t u = (tx_rng_next(r) >> 11) + 1;
	uint64_t e2 = (53ull << 32) - log2_fast_q32(u);
	unsigned __int128 v = (unsigned __int128)mean * e2;

	return (uint64_t)((v >> 32) * LN2_Q32 >> 32);
}

uint64_t tx_rng_lognormal(struct tx_rng *r, int32_t mu_q16, int32_t sigma_q16)
{
	int64_t x = mu_q16 + (int64_t)sigma_q16 * tx_rng_normal_q16(r) / 65536;
	uint64_t v = tx_exp2_q16(x);

	return v ? v : 1;
}

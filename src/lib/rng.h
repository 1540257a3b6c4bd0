/*
 * rng.h: a deterministic pseudo-random generator and the distributions
 * txgen draws from.
 *
 * The generator is xoshiro256** (Blackman and Vigna), seeded through
 * splitmix64, so one 64-bit seed gives the same stream on every machine.
 * The distributions use integer and fixed-point arithmetic only: no double,
 * no libm, so no rounding difference between compilers, FMA contraction or
 * C libraries can change a single output byte. Q16 means a fixed-point
 * number with 16 fractional bits (65536 is 1.0); logarithms are base 2.
 *
 * A struct tx_rng is plain state: no allocation, copy it freely.
 */
#ifndef TX_RNG_H
#define TX_RNG_H

#include <stdint.h>

struct tx_rng {
	uint64_t s[4];
};

/* splitmix64: advances *state and returns the next output. */
uint64_t tx_splitmix64(uint64_t *state);
/* A stateless 64-bit mix (splitmix64's finaliser): hash one value. */
static inline uint64_t tx_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Seed the generator: the same seed always gives the same stream. */
void tx_rng_seed(struct tx_rng *r, uint64_t seed);

static inline uint64_t tx_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next 64 uniformly distributed bits (xoshiro256**). */
static inline uint64_t tx_rng_next(struct tx_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = tx_rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tx_rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), without bias (Lemire's multiply-and-reject). n > 0. */
static inline uint64_t tx_rng_below(struct tx_rng *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)tx_rng_next(r) * n;
	uint64_t lo = (uint64_t)m;

	if (lo < n) {
		uint64_t t = (0 - n) % n;
		while (lo < t) {
			m = (unsigned __int128)tx_rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* Uniform in [lo, hi]. */
static inline int64_t tx_rng_range(struct tx_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)tx_rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* 1 with probability ppm / 1000000. */
static inline int tx_rng_chance(struct tx_rng *r, uint32_t ppm)
{
	return ppm && tx_rng_below(r, 1000000) < ppm;
}

/*
 * An approximately standard normal deviate in Q16: the Irwin-Hall sum of
 * eight 16-bit uniforms, centred and scaled to variance 1 (tails end at
 * about 4.9 standard deviations, which suits amounts).
 */
int32_t tx_rng_normal_q16(struct tx_rng *r);

/*
 * A log-normal integer: round(2^(mu + sigma * Z)) with Z from
 * tx_rng_normal_q16(), mu and sigma in Q16 base-2 logarithms. At least 1.
 */
uint64_t tx_rng_lognormal(struct tx_rng *r, int32_t mu_q16, int32_t sigma_q16);

/* An exponentially distributed integer with the given mean (>= 0). */
uint64_t tx_rng_exponential(struct tx_rng *r, uint64_t mean);

/* log2(v) in Q16, truncated, for v >= 1 (0 for v == 0). */
int32_t tx_log2_q16(uint64_t v);
/* round(2^(x / 65536)) for x >= 0 (saturates at 2^62); 1 for x < 0. */
uint64_t tx_exp2_q16(int64_t x);

#endif

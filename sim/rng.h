/*
 * rng.h - deterministic pseudo-random numbers for the simulator.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64: a
 * seed gives the same sequence everywhere, unlike rand().  (Poisson draws
 * go through libm, so captures match exactly only with the same libm.)
 */
#ifndef ORIGINSTAT_SIM_RNG_H
#define ORIGINSTAT_SIM_RNG_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t	s[4];
};

static inline uint64_t
rng_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static inline void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = rng_splitmix(&seed);
}

static inline uint64_t
rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static inline double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n), n > 0; multiply-shift with negligible bias. */
static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_unit(r) * (double)(hi - lo + 1));
}

static inline bool
rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Poisson-distributed count: Knuth below 30, a rounded normal above. */
static inline unsigned
rng_poisson(struct rng *r, double lambda)
{
	double l, p, u1, u2, z, x;
	unsigned k;

	if (lambda <= 0)
		return 0;
	if (lambda < 30) {
		l = exp(-lambda);
		p = 1.0;
		k = 0;
		do {
			k++;
			p *= rng_unit(r);
		} while (p > l);
		return k - 1;
	}
	u1 = rng_unit(r);
	u2 = rng_unit(r);
	z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
	x = lambda + z * sqrt(lambda) + 0.5;
	return x < 0 ? 0 : (unsigned)x;
}

static inline void
rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next(r) >> 56);
}

/* Index into weights[0..n-1] with probability proportional to each. */
static inline size_t
rng_weighted(struct rng *r, const double *w, size_t n)
{
	double sum = 0, x;
	size_t i;

	for (i = 0; i < n; i++)
		sum += w[i];
	x = rng_unit(r) * sum;
	for (i = 0; i + 1 < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

#endif

/*
 * hll.c - distinct-count sketch: exact sorted set, then dense HyperLogLog.
 *
 * Small sketches are the common case (most (minute, class, country) cells
 * see a handful of clients), so they stay an exact sorted array that grows
 * by doubling from 8 entries: an add costs a binary search and, for a new
 * hash, one memmove; no allocation once the array has grown.  The set
 * becomes 2^HLL_P registers when the (HLL_EXACT_MAX + 1)-th distinct hash
 * arrives, and never goes back.
 *
 * Estimation follows O. Ertl, "New cardinality estimation algorithms for
 * HyperLogLog sketches", 2017, section 3.2 ("improved raw estimator"),
 * which needs neither linear counting nor empirical bias tables: it is
 * unbiased over the whole range from a few hundred to 2^64.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"

#define HLL_Q		(64 - HLL_P)	/* hash bits left for the rank */
#define HLL_SET_MIN	8		/* first allocation, in entries */

void
hll_init(struct hll *h)
{
	h->set = NULL;
	h->n = 0;
	h->cap = 0;
	h->regs = NULL;
}

void
hll_fini(struct hll *h)
{
	free(h->set);
	free(h->regs);
	hll_init(h);
}

/* Number of leading zero bits in x, 64 for 0; portable, no builtins. */
static unsigned
hll_clz64(uint64_t x)
{
	unsigned n = 0;

	if (x == 0)
		return 64;
	if ((x & 0xffffffff00000000ULL) == 0) {
		n += 32;
		x <<= 32;
	}
	if ((x & 0xffff000000000000ULL) == 0) {
		n += 16;
		x <<= 16;
	}
	if ((x & 0xff00000000000000ULL) == 0) {
		n += 8;
		x <<= 8;
	}
	if ((x & 0xf000000000000000ULL) == 0) {
		n += 4;
		x <<= 4;
	}
	if ((x & 0xc000000000000000ULL) == 0) {
		n += 2;
		x <<= 2;
	}
	if ((x & 0x8000000000000000ULL) == 0)
		n += 1;
	return n;
}

/*
 * Register index: the top HLL_P bits.  Rank: position of the first 1 in the
 * remaining HLL_Q bits, 1-based, HLL_Q + 1 when they are all zero.
 */
static void
hll_regs_add(uint8_t *regs, uint64_t hash)
{
	uint32_t	 idx = (uint32_t)(hash >> HLL_Q);
	uint64_t	 rest = hash << HLL_P;
	uint8_t		 rank;

	if (rest == 0)
		rank = HLL_Q + 1;
	else
		rank = (uint8_t)(hll_clz64(rest) + 1);
	if (regs[idx] < rank)
		regs[idx] = rank;
}

/* Index of the first entry >= hash in the sorted set. */
static uint32_t
hll_search(const struct hll *h, uint64_t hash)
{
	uint32_t lo = 0, hi = h->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (h->set[mid] < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Turn the exact set into registers.  On allocation failure the sketch is
 * left as it was.
 */
static int
hll_densify(struct hll *h)
{
	uint8_t		*regs;
	uint32_t	 i;

	if ((regs = calloc(HLL_REGS, 1)) == NULL)
		return -1;
	for (i = 0; i < h->n; i++)
		hll_regs_add(regs, h->set[i]);
	free(h->set);
	h->set = NULL;
	h->n = h->cap = 0;
	h->regs = regs;
	return 0;
}

static int
hll_grow(struct hll *h)
{
	uint64_t	*set;
	uint32_t	 cap = h->cap == 0 ? HLL_SET_MIN : h->cap * 2;

	if (cap > HLL_EXACT_MAX)
		cap = HLL_EXACT_MAX;
	if ((set = realloc(h->set, cap * sizeof(*set))) == NULL)
		return -1;
	h->set = set;
	h->cap = cap;
	return 0;
}

int
hll_add(struct hll *h, uint64_t hash)
{
	uint32_t pos;

	if (h->regs != NULL) {
		hll_regs_add(h->regs, hash);
		return 0;
	}
	pos = hll_search(h, hash);
	if (pos < h->n && h->set[pos] == hash)
		return 0;
	if (h->n == HLL_EXACT_MAX) {
		if (hll_densify(h) == -1)
			return -1;
		hll_regs_add(h->regs, hash);
		return 0;
	}
	if (h->n == h->cap && hll_grow(h) == -1)
		return -1;
	memmove(&h->set[pos + 1], &h->set[pos],
	    (h->n - pos) * sizeof(h->set[0]));
	h->set[pos] = hash;
	h->n++;
	return 0;
}

/* Ertl (2017), algorithm 6: sigma(x) = x + sum_k x^(2^k) 2^(k-1). */
static double
hll_sigma(double x)
{
	double y = 1.0, z = x, zprev;

	if (x == 1.0)
		return INFINITY;
	do {
		x *= x;
		zprev = z;
		z += x * y;
		y += y;
	} while (z != zprev);
	return z;
}

/*
 * Ertl (2017), algorithm 6:
 * tau(x) = (1 - x - sum_k (1 - x^(2^-k))^2 2^-k) / 3.
 */
static double
hll_tau(double x)
{
	double y = 1.0, z, zprev;

	if (x == 0.0 || x == 1.0)
		return 0.0;
	z = 1.0 - x;
	do {
		x = sqrt(x);
		zprev = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (z != zprev);
	return z / 3.0;
}

/* Ertl (2017), algorithm 6: the improved raw estimator. */
static double
hll_estimate(const uint8_t *regs)
{
	uint32_t	 hist[HLL_Q + 2];
	const double	 m = HLL_REGS;
	double		 z;
	uint32_t	 i;
	int		 k;

	memset(hist, 0, sizeof(hist));
	for (i = 0; i < HLL_REGS; i++)
		hist[regs[i]]++;
	if (hist[0] == HLL_REGS)
		return 0.0;
	z = m * hll_tau(1.0 - hist[HLL_Q + 1] / m);
	for (k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + hist[k]);
	z += m * hll_sigma(hist[0] / m);
	return m * m / (2.0 * log(2.0)) / z;
}

/*
 * A dense sketch has seen more than HLL_EXACT_MAX distinct hashes, so its
 * estimate is clamped to that floor: the switch from exact to estimated
 * never makes the count go down.
 */
uint64_t
hll_count(const struct hll *h)
{
	double e;

	if (h->regs == NULL)
		return h->n;
	e = hll_estimate(h->regs);
	if (e < HLL_EXACT_MAX + 1)
		return HLL_EXACT_MAX + 1;
	if (e >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)(e + 0.5);
}

/* Distinct entries in the union of two sorted sets. */
static uint32_t
hll_union_size(const struct hll *a, const struct hll *b)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < a->n && j < b->n) {
		if (a->set[i] < b->set[j])
			i++;
		else if (a->set[i] > b->set[j])
			j++;
		else {
			i++;
			j++;
		}
		n++;
	}
	return n + (a->n - i) + (b->n - j);
}

/* dst = dst | src for two exact sets whose union fits in nu entries. */
static int
hll_merge_sets(struct hll *dst, const struct hll *src, uint32_t nu)
{
	uint64_t	*set;
	uint32_t	 cap = HLL_SET_MIN, i = 0, j = 0, n = 0;

	while (cap < nu)
		cap *= 2;
	if ((set = malloc(cap * sizeof(*set))) == NULL)
		return -1;
	while (i < dst->n || j < src->n) {
		if (j == src->n || (i < dst->n && dst->set[i] < src->set[j]))
			set[n++] = dst->set[i++];
		else if (i == dst->n || src->set[j] < dst->set[i])
			set[n++] = src->set[j++];
		else {
			set[n++] = dst->set[i++];
			j++;
		}
	}
	free(dst->set);
	dst->set = set;
	dst->n = n;
	dst->cap = cap;
	return 0;
}

int
hll_merge(struct hll *dst, const struct hll *src)
{
	uint32_t i, nu;

	if (dst == src)
		return 0;
	if (dst->regs == NULL && src->regs == NULL) {
		if (src->n == 0)
			return 0;
		nu = hll_union_size(dst, src);
		if (nu <= HLL_EXACT_MAX)
			return hll_merge_sets(dst, src, nu);
	}
	if (dst->regs == NULL && hll_densify(dst) == -1)
		return -1;
	if (src->regs != NULL) {
		for (i = 0; i < HLL_REGS; i++)
			if (dst->regs[i] < src->regs[i])
				dst->regs[i] = src->regs[i];
	} else {
		for (i = 0; i < src->n; i++)
			hll_regs_add(dst->regs, src->set[i]);
	}
	return 0;
}

size_t
hll_bytes(const struct hll *h)
{
	return (size_t)h->cap * sizeof(h->set[0]) +
	    (h->regs != NULL ? HLL_REGS : 0);
}

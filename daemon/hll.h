/*
 * hll.h - distinct-count sketch: exact while small, HyperLogLog when large.
 *
 * Up to HLL_EXACT_MAX distinct 64-bit hashes are kept in a sorted array, so
 * small counts are exact (bar 64-bit hash collisions).  Past that the set
 * turns into a dense HyperLogLog with 2^HLL_P one-byte registers (standard
 * error 1.04/sqrt(2^15) = 0.6 %), estimated with Ertl's improved estimator.
 * Sketches merge (union) exactly as if all hashes went into one.
 */
#ifndef ORIGINSTAT_HLL_H
#define ORIGINSTAT_HLL_H

#include <stddef.h>
#include <stdint.h>

#define HLL_P		15
#define HLL_REGS	(1u << HLL_P)
#define HLL_EXACT_MAX	1024

struct hll {
	uint64_t	*set;	/* sorted distinct hashes, or NULL */
	uint32_t	 n;	/* entries in set */
	uint32_t	 cap;
	uint8_t		*regs;	/* HLL_REGS registers once dense, else NULL */
};

void	 hll_init(struct hll *);
void	 hll_fini(struct hll *);
/* Add a hash; 0, or -1 if memory ran out (the hash is then lost). */
int	 hll_add(struct hll *, uint64_t hash) __attribute__((warn_unused_result));
uint64_t hll_count(const struct hll *);
/* dst |= src.  0 or -1 (out of memory). */
int	 hll_merge(struct hll *dst, const struct hll *src)
	    __attribute__((warn_unused_result));
/* Bytes of heap the sketch holds. */
size_t	 hll_bytes(const struct hll *);

/* 64-bit mixer (splitmix64 finaliser) for making hashes from keys. */
static inline uint64_t
hll_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif

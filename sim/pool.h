/*
 * pool.h - client addresses per country for the simulator.
 *
 * Each pool holds addresses whose country, as geo_lookup sees it, is the
 * pool's code; so a pool never disagrees with the database the truth is
 * computed with.  Built either from a table of networks
 * (tests/data/geo-networks.tsv format) or by random draws over the public
 * address space, bounded in work.
 */
#ifndef ORIGINSTAT_SIM_POOL_H
#define ORIGINSTAT_SIM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../daemon/addr.h"
#include "../geo/geo.h"
#include "rng.h"

struct pool {
	char		 cc[3];
	struct ip_addr	*a4, *a6;
	size_t		 n4, n6, cap4, cap6;
};

struct pools {
	struct pool	*v;
	size_t		 n, cap;
	uint64_t	 lookups;
	uint64_t	 mismatches;	/* networks: table country != lookup */
};

/* How many addresses random draws should find for one country. */
struct pool_want {
	const char	*cc;
	size_t		 n4, n6;
};

void	pools_init(struct pools *);
void	pools_free(struct pools *);

/*
 * Read path (network<TAB>country<TAB>notes, '#' comments) and add up to
 * per_net random addresses inside each network.  Returns 0, -1 if the
 * file cannot be opened (errno set, message naming it in err) or -2 on a
 * malformed line or memory exhaustion (message in err).
 */
int	pools_from_networks(struct pools *, struct geo *, struct rng *,
	    const char *path, size_t per_net, char *err, size_t errcap)
	    __attribute__((warn_unused_result));

/*
 * Draw random public IPv4 and IPv6 (2000::/3) addresses and keep those
 * geo_lookup maps to a wanted country, until each is full or max_lookups
 * is spent.  A found address's neighbours (same /24 or /64) are tried
 * next, which makes rare countries cheap.  -1 on memory exhaustion.
 */
int	pools_from_random(struct pools *, struct geo *, struct rng *,
	    const struct pool_want *, size_t nwant, uint64_t max_lookups)
	    __attribute__((warn_unused_result));

/* The pool for cc, or NULL if there is none or it is empty. */
const struct pool *pools_find(const struct pools *, const char *cc);

/*
 * A random address of p, IPv6 if v6 and p has any, else IPv4 (or IPv6 if
 * it has no IPv4).  p must not be empty.
 */
const struct ip_addr *pool_pick(const struct pool *p, bool v6,
	    struct rng *);

#endif

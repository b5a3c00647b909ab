/*
 * geo.h - client country from a MaxMind-format database.
 *
 * The only code that includes maxminddb.h.  Reads the ISO 3166 alpha-2
 * country code under each schema in real use, in this order:
 *   country.iso_code            MaxMind GeoIP2/GeoLite2, DB-IP
 *   registered_country.iso_code (fallback in the same databases)
 *   country_code                ip-location-db
 *   country                     IPinfo
 * Not found, private, reserved or anything not two ASCII letters: "ZZ".
 * Lookups go through a bounded cache (direct-mapped, no allocation after
 * geo_open).
 */
#ifndef ORIGINSTAT_GEO_H
#define ORIGINSTAT_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "../daemon/addr.h"

struct geo;

struct geo_stats {
	uint64_t	lookups, cache_hits, not_found, errors;
};

/*
 * Open the database at path with a cache of cache_entries (rounded up to a
 * power of two; 0 disables it).  On failure returns NULL and writes a
 * message naming the file into err.
 */
struct geo	*geo_open(const char *path, unsigned cache_entries, char *err,
		    size_t errcap);
void		 geo_free(struct geo *);

/* Country of addr as two upper-case letters and a NUL in cc[3]. */
void		 geo_lookup(struct geo *, const struct ip_addr *addr,
		    char cc[3]);
/*
 * The same, with a hash of addr the caller has already computed
 * (addr_hash under any seed, even a public one: the cache mixes in a
 * random seed of its own), so an address is hashed once per hit, not
 * once here and once for the sketches.
 */
void		 geo_lookup_hashed(struct geo *, const struct ip_addr *addr,
		    uint64_t hash, char cc[3]);
/* Start fetching the cache slot of hash; a hint, nothing else. */
void		 geo_prefetch(const struct geo *, uint64_t hash);
void		 geo_get_stats(const struct geo *, struct geo_stats *);

#endif

/*
 * geo.c - client country from a MaxMind-format database.
 *
 * The database is memory-mapped by libmaxminddb (MMDB_MODE_MMAP): replace
 * it on disk by rename(2), never by rewriting it in place, or the mapping
 * sees a half-written file.  Everything that can fail for a whole file
 * fails in geo_open; geo_lookup never allocates and never fails, it answers
 * "ZZ" and counts.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <maxminddb.h>

#include "geo.h"

/* 2^24 slots of 19 bytes, over 300 MiB: past any useful size. */
#define GEO_CACHE_MAX	(1u << 24)

#define GEO_UNKNOWN	"ZZ"

enum geo_result {
	GEO_EMPTY,		/* cache slot never filled */
	GEO_FOUND,
	GEO_NOT_FOUND,
	GEO_ERROR
};

struct geo_slot {
	struct ip_addr	addr;
	char		cc[2];
	uint8_t		result;	/* enum geo_result */
};

struct geo {
	MMDB_s		 mmdb;
	struct geo_slot	*cache;		/* NULL when disabled */
	size_t		 mask;		/* slots - 1 */
	uint64_t	 seed;
	struct geo_stats stats;
};

/*
 * The paths named in geo.h, in order.  The first one holding a valid code
 * wins; a path that is absent, of another type or holds anything but two
 * letters is skipped.
 */
static const char *const geo_path_country[] = { "country", "iso_code", NULL };
static const char *const geo_path_registered[] = {
	"registered_country", "iso_code", NULL
};
static const char *const geo_path_country_code[] = { "country_code", NULL };
static const char *const geo_path_ipinfo[] = { "country", NULL };

static const char *const *const geo_paths[] = {
	geo_path_country, geo_path_registered, geo_path_country_code,
	geo_path_ipinfo
};

static void
geo_errf(char *err, size_t errcap, const char *path, const char *msg,
    const char *detail)
{
	if (err == NULL || errcap == 0)
		return;
	if (detail != NULL)
		snprintf(err, errcap, "%s: %s: %s", path, msg, detail);
	else
		snprintf(err, errcap, "%s: %s", path, msg);
}

/*
 * Reject databases libmaxminddb accepts but we cannot use: no type means
 * it was not written by a MaxMind DB writer we know of, and the lookup
 * code below relies on ip_version being 4 or 6.
 */
static const char *
geo_check_metadata(const MMDB_s *mmdb)
{
	const MMDB_metadata_s *md = &mmdb->metadata;

	if (md->database_type == NULL || md->database_type[0] == '\0')
		return "database metadata has no database_type";
	if (md->ip_version != 4 && md->ip_version != 6)
		return "database metadata has an ip_version other than 4 or 6";
	if (md->node_count == 0)
		return "database has an empty search tree";
	return NULL;
}

/* A random seed makes cache collisions unpredictable to remote clients. */
static uint64_t
geo_seed(const struct geo *g)
{
	uint64_t seed;

	if (getentropy(&seed, sizeof(seed)) == 0)
		return seed;
	/* Only the cache's spread suffers; the answers stay right. */
	return (uint64_t)(uintptr_t)g ^ UINT64_C(0x9e3779b97f4a7c15);
}

static int
geo_cache_init(struct geo *g, unsigned entries)
{
	size_t n = 1;

	if (entries == 0)
		return 0;
	if (entries > GEO_CACHE_MAX)
		entries = GEO_CACHE_MAX;
	while (n < entries)
		n <<= 1;
	g->cache = calloc(n, sizeof(*g->cache));
	if (g->cache == NULL)
		return -1;
	g->mask = n - 1;
	g->seed = geo_seed(g);
	return 0;
}

struct geo *
geo_open(const char *path, unsigned cache_entries, char *err, size_t errcap)
{
	struct geo *g;
	const char *why;
	int status, saved;

	if (err != NULL && errcap > 0)
		err[0] = '\0';
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		geo_errf(err, errcap, path, "out of memory", NULL);
		return NULL;
	}
	/* On failure MMDB_open frees what it allocated, keeping errno. */
	status = MMDB_open(path, MMDB_MODE_MMAP, &g->mmdb);
	if (status != MMDB_SUCCESS) {
		saved = errno;
		geo_errf(err, errcap, path, MMDB_strerror(status),
		    status == MMDB_IO_ERROR || status == MMDB_FILE_OPEN_ERROR ?
		    strerror(saved) : NULL);
		free(g);
		return NULL;
	}
	if ((why = geo_check_metadata(&g->mmdb)) != NULL) {
		geo_errf(err, errcap, path, why, NULL);
		goto fail;
	}
	if (geo_cache_init(g, cache_entries) == -1) {
		geo_errf(err, errcap, path, "out of memory for the cache",
		    NULL);
		goto fail;
	}
	return g;

fail:
	MMDB_close(&g->mmdb);
	free(g);
	return NULL;
}

void
geo_free(struct geo *g)
{
	if (g == NULL)
		return;
	MMDB_close(&g->mmdb);
	free(g->cache);
	free(g);
}

/*
 * Two ASCII letters, upper-cased.  The string points into the mapped file
 * and has no NUL: only data_size bytes may be read.
 */
static bool
geo_code_ok(const MMDB_entry_data_s *d, char out[2])
{
	size_t i;
	char c;

	if (!d->has_data || d->type != MMDB_DATA_TYPE_UTF8_STRING ||
	    d->data_size != 2)
		return false;
	for (i = 0; i < 2; i++) {
		c = d->utf8_string[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return false;
		out[i] = c;
	}
	return true;
}

/*
 * A v4-mapped address is looked up as IPv4 so that it lands in the IPv4
 * subtree of an IPv6 database (::/96), whether or not the writer aliased
 * ::ffff:0:0/96 there (ip-location-db does not).
 */
static enum geo_result
geo_search(const struct geo *g, const struct ip_addr *addr,
    MMDB_lookup_result_s *res)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	int mmdb_error;

	if (addr_is_v4(addr)) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, &addr->a[12], 4);
		sa = (const struct sockaddr *)&sin;
	} else {
		if (g->mmdb.metadata.ip_version != 6)
			return GEO_NOT_FOUND;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, addr->a, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	*res = MMDB_lookup_sockaddr(&g->mmdb, sa, &mmdb_error);
	if (mmdb_error != MMDB_SUCCESS)
		return GEO_ERROR;
	return res->found_entry ? GEO_FOUND : GEO_NOT_FOUND;
}

static enum geo_result
geo_query(const struct geo *g, const struct ip_addr *addr, char cc[2])
{
	MMDB_lookup_result_s res;
	MMDB_entry_data_s d;
	enum geo_result r;
	size_t i;
	int status;

	if ((r = geo_search(g, addr, &res)) != GEO_FOUND)
		return r;
	for (i = 0; i < sizeof(geo_paths) / sizeof(geo_paths[0]); i++) {
		status = MMDB_aget_value(&res.entry, &d, geo_paths[i]);
		if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
			continue;
		if (status != MMDB_SUCCESS)
			return GEO_ERROR;
		if (geo_code_ok(&d, cc))
			return GEO_FOUND;
	}
	return GEO_NOT_FOUND;
}

/*
 * Every call counts in lookups; cache_hits counts the calls answered from
 * the cache.  not_found and errors count answers, cached or not: "ZZ"
 * because the database has no usable code, and "ZZ" because libmaxminddb
 * reported a corrupt tree or record.  Errors are never cached, so that
 * every one is counted.
 */
void
geo_lookup(struct geo *g, const struct ip_addr *addr, char cc[3])
{
	geo_lookup_hashed(g, addr, g->cache != NULL ?
	    addr_hash(addr, g->seed) : 0, cc);
}

/*
 * The caller's hash may be keyed with something public (the built-in
 * sketch key): mixed with this cache's own random seed by the splitmix64
 * finaliser, a bijection whose every output bit depends on every input
 * bit, remote clients still cannot choose addresses that collide in the
 * cache (short of colliding in all 64 bits of the hash).
 */
static size_t
geo_slot_index(const struct geo *g, uint64_t hash)
{
	uint64_t x = hash ^ g->seed;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)(x & g->mask);
}

void
geo_prefetch(const struct geo *g, uint64_t hash)
{
#if defined(__GNUC__) || defined(__clang__)
	if (g->cache != NULL)
		__builtin_prefetch(&g->cache[geo_slot_index(g, hash)]);
#else
	(void)g;
	(void)hash;
#endif
}

void
geo_lookup_hashed(struct geo *g, const struct ip_addr *addr, uint64_t hash,
    char cc[3])
{
	struct geo_slot *slot = NULL;
	enum geo_result r;
	char code[2];

	g->stats.lookups++;
	if (g->cache != NULL)
		slot = &g->cache[geo_slot_index(g, hash)];
	if (slot != NULL && slot->result != GEO_EMPTY &&
	    addr_equal(&slot->addr, addr)) {
		g->stats.cache_hits++;
		r = (enum geo_result)slot->result;
		memcpy(code, slot->cc, 2);
	} else {
		r = geo_query(g, addr, code);
		if (r != GEO_FOUND)
			memcpy(code, GEO_UNKNOWN, 2);
		if (slot != NULL && r != GEO_ERROR) {
			slot->addr = *addr;
			memcpy(slot->cc, code, 2);
			slot->result = (uint8_t)r;
		}
	}
	if (r == GEO_ERROR)
		g->stats.errors++;
	else if (r == GEO_NOT_FOUND)
		g->stats.not_found++;
	memcpy(cc, code, 2);
	cc[2] = '\0';
}

void
geo_get_stats(const struct geo *g, struct geo_stats *st)
{
	*st = g->stats;
}

/*
 * addr.h - IP addresses and CIDR prefixes.
 *
 * Every address is held as 16 bytes: IPv6 as is, IPv4 as an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d), so that keys, hashes and prefix tests need
 * one code path.  Addresses never leave the process (see docs/privacy).
 */
#ifndef ORIGINSTAT_ADDR_H
#define ORIGINSTAT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ip_addr {
	uint8_t	a[16];
};

struct cidr {
	struct ip_addr	net;	/* masked */
	uint8_t		bits;	/* 0..128, counted in the 128-bit space */
};

void	addr_from_v4(struct ip_addr *, const uint8_t v4[4]);
void	addr_from_v6(struct ip_addr *, const uint8_t v6[16]);
bool	addr_is_v4(const struct ip_addr *);
bool	addr_equal(const struct ip_addr *, const struct ip_addr *);

/*
 * Parse a textual IPv4 (dotted quad, exactly four decimal parts 0..255,
 * no leading '+', at most 3 digits each) or IPv6 address of exactly n bytes
 * (no NUL needed).  Returns 0 on success, -1 on anything else.
 */
int	addr_parse(const char *s, size_t n, struct ip_addr *out)
	    __attribute__((warn_unused_result));

/*
 * Parse "ADDR" or "ADDR/BITS" (BITS relative to the address family).
 * Returns 0 or -1.
 */
int	cidr_parse(const char *s, size_t n, struct cidr *out)
	    __attribute__((warn_unused_result));
bool	cidr_contains(const struct cidr *, const struct ip_addr *);

/* 64-bit keyed hash of an address (for sketches and caches). */
uint64_t addr_hash(const struct ip_addr *, uint64_t seed);

#endif

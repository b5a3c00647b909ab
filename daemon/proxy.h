/*
 * proxy.h - the client address behind trusted proxies.
 *
 * When a request arrives from a trusted proxy, the client is the right-most
 * address in X-Forwarded-For (or the for= parameters of RFC 7239
 * Forwarded) that is not itself trusted.  Junk elements ("-", "unknown",
 * obfuscated identifiers, garbage) are skipped and counted.
 */
#ifndef ORIGINSTAT_PROXY_H
#define ORIGINSTAT_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "http.h"

struct proxy_set {
	const struct cidr	*v;
	size_t			 n;
};

bool	proxy_trusted(const struct proxy_set *, const struct ip_addr *);

/*
 * Parse one element of X-Forwarded-For ("1.2.3.4", " 1.2.3.4:80",
 * "[2001:db8::1]:443", "2001:db8::1") into an address.  0 or -1 (junk).
 */
int	proxy_parse_xff_elem(const char *s, size_t n, struct ip_addr *out)
	    __attribute__((warn_unused_result));

/*
 * Parse the value of a Forwarded for= parameter (token or quoted string,
 * IPv6 in brackets, optional port).  0 or -1 (junk, "unknown", "_hidden").
 */
int	proxy_parse_forwarded_for(const char *s, size_t n, struct ip_addr *out)
	    __attribute__((warn_unused_result));

/*
 * Decide the client address of a request.  *client holds the packet's
 * source address on entry.  If it is trusted, walk X-Forwarded-For (all
 * such headers, concatenated in order) from the right, else Forwarded
 * for= values, and replace *client with the first untrusted address found.
 * *junk is increased by the number of unparsable elements seen.
 * Returns 1 if *client was replaced, 0 if not.
 */
int	proxy_client(const struct proxy_set *, const struct http_req *,
	    struct ip_addr *client, unsigned *junk);

#endif

/*
 * classify.h - map a request's host and path, or a TLS SNI, to a class.
 *
 * Rules are tried in order; the first match wins; no match gives the last
 * class, "other".  Host comparison is case-insensitive, a trailing dot and
 * a port are ignored.  "*.domain" matches any subdomain of domain (not the
 * domain itself).  A path rule matches when the request path starts with
 * it.  A rule with a path never matches a TLS handshake.
 */
#ifndef ORIGINSTAT_CLASSIFY_H
#define ORIGINSTAT_CLASSIFY_H

#include <stddef.h>

#include "config.h"

unsigned classify_http(const struct config *, const char *host,
	    size_t host_len, const char *path, size_t path_len);
unsigned classify_sni(const struct config *, const char *sni, size_t len);

#endif

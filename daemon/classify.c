/*
 * classify.c - map a request's host and path, or a TLS SNI, to a class.
 *
 * A linear scan in rule order: configurations hold a few dozen rules and
 * "first match wins" is then trivially true.  No allocation: the host is
 * normalised by narrowing its view, lower-cased once into a buffer on the
 * stack and compared with memcmp against the rules' lower-case hosts.
 */
#include <stddef.h>
#include <string.h>

#include "classify.h"

/*
 * Drop a ":port" (for "[v6]:port" everything after ']') and one trailing
 * dot (the absolute form of a DNS name, RFC 1034 section 3.1).
 */
static size_t
classify_host_len(const char *h, size_t n)
{
	const char *end;

	if (n == 0)
		return 0;
	if (h[0] == '[') {
		if ((end = memchr(h, ']', n)) != NULL)
			n = (size_t)(end - h) + 1;
	} else if ((end = memchr(h, ':', n)) != NULL)
		n = (size_t)(end - h);
	if (n > 0 && h[n - 1] == '.')
		n--;
	return n;
}

/*
 * The host in lower case, once per request rather than once per rule.
 * Only its last CONFIG_HOST_MAX + 1 bytes are kept: a rule's host is at
 * most CONFIG_HOST_MAX long, so an exact match needs no more, and a
 * wildcard match only looks at the dot and the name after it.
 */
struct host_lc {
	size_t	n;				/* the whole host's length */
	size_t	k;				/* bytes kept in tail */
	char	tail[CONFIG_HOST_MAX + 1];
};

static void
host_lc_make(struct host_lc *lc, const char *h, size_t n)
{
	const char *p;
	size_t i;

	lc->n = n;
	lc->k = n < sizeof(lc->tail) ? n : sizeof(lc->tail);
	if (lc->k == 0)
		return;			/* h may be NULL */
	p = h + n - lc->k;
	for (i = 0; i < lc->k; i++)
		lc->tail[i] = p[i] >= 'A' && p[i] <= 'Z' ?
		    (char)(p[i] - 'A' + 'a') : p[i];
}

/* "*.d" matches "x.d" and "x.y.d", never "d" itself nor "xd". */
static bool
classify_host(const struct rule *r, const struct host_lc *lc)
{
	const char *end = lc->tail + lc->k;

	if (!r->wildcard)
		return lc->n == r->host_len &&
		    memcmp(lc->tail, r->host, r->host_len) == 0;
	/* host_len + 1 <= k here: host_len <= CONFIG_HOST_MAX < n. */
	if (lc->n < r->host_len + 2 || end[-(ptrdiff_t)r->host_len - 1] != '.')
		return false;
	return memcmp(end - r->host_len, r->host, r->host_len) == 0;
}

static unsigned
classify_other(const struct config *cfg)
{
	return cfg->nclasses > 0 ? (unsigned)(cfg->nclasses - 1) : 0;
}

unsigned
classify_http(const struct config *cfg, const char *host, size_t host_len,
    const char *path, size_t path_len)
{
	const struct rule *r;
	struct host_lc lc;
	size_t i;

	if (host == NULL)
		host_len = 0;
	if (path == NULL)
		path_len = 0;
	host_lc_make(&lc, host, classify_host_len(host, host_len));
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (!classify_host(r, &lc))
			continue;
		if (!r->has_path || (path_len >= r->path_len &&
		    memcmp(path, r->path, r->path_len) == 0))
			return r->cls;
	}
	return classify_other(cfg);
}

unsigned
classify_sni(const struct config *cfg, const char *sni, size_t len)
{
	const struct rule *r;
	struct host_lc lc;
	size_t i;

	if (sni == NULL)
		len = 0;
	host_lc_make(&lc, sni, classify_host_len(sni, len));
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (!r->has_path && classify_host(r, &lc))
			return r->cls;
	}
	return classify_other(cfg);
}

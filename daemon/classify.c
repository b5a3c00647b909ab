/*
 * classify.c - map a request's host and path, or a TLS SNI, to a class.
 *
 * A linear scan in rule order: configurations hold a few dozen rules and
 * "first match wins" is then trivially true.  No allocation, no copy: the
 * host is normalised by narrowing its view, and compared case-insensitively
 * against the rule's lower-case host.
 */
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

static char
classify_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s (any case) equals lc (lower case), both n bytes. */
static bool
classify_eq(const char *s, const char *lc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (classify_lower(s[i]) != lc[i])
			return false;
	return true;
}

/* "*.d" matches "x.d" and "x.y.d", never "d" itself nor "xd". */
static bool
classify_host(const struct rule *r, const char *h, size_t n)
{
	if (!r->wildcard)
		return n == r->host_len && classify_eq(h, r->host, n);
	if (n < r->host_len + 2 || h[n - r->host_len - 1] != '.')
		return false;
	return classify_eq(h + n - r->host_len, r->host, r->host_len);
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
	size_t i;

	if (host == NULL)
		host_len = 0;
	if (path == NULL)
		path_len = 0;
	host_len = classify_host_len(host, host_len);
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (!classify_host(r, host, host_len))
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
	size_t i;

	if (sni == NULL)
		len = 0;
	len = classify_host_len(sni, len);
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (!r->has_path && classify_host(r, sni, len))
			return r->cls;
	}
	return classify_other(cfg);
}

/*
 * proxy.c - the client address behind trusted proxies.
 *
 * Each proxy appends the address it received the request from to the
 * right of X-Forwarded-For (de facto) or adds a forwarded-element to
 * Forwarded (RFC 7239), so the right-most entries are the ones written by
 * our own proxies and the left-most ones are whatever the client claimed.
 * Walking from the right and stopping at the first address that is not one
 * of our proxies gives the client without believing anything the client
 * could have forged.
 *
 * Nothing here allocates or copies: the walks run over the views of the
 * parsed request.
 */
#include <string.h>

#include "proxy.h"

bool
proxy_trusted(const struct proxy_set *ps, const struct ip_addr *a)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (cidr_contains(&ps->v[i], a))
			return true;
	return false;
}

static bool
proxy_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim optional white space (RFC 9110 section 5.6.3) on both sides. */
static void
proxy_trim(const char **s, size_t *n)
{
	while (*n > 0 && proxy_is_ows((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && proxy_is_ows((*s)[*n - 1]))
		(*n)--;
}

/* A decimal port 0..65535, 1..5 digits. */
static int
proxy_parse_port(const char *s, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535 ? 0 : -1;
}

/*
 * RFC 7239 section 6.3 obfuscated port: "_" 1*(ALPHA / DIGIT / "." / "_"
 * / "-").  The same characters after "_" make an obfuscated node name.
 */
static bool
proxy_is_obf(const char *s, size_t n)
{
	size_t i;
	char c;

	if (n < 2 || s[0] != '_')
		return false;
	for (i = 1; i < n; i++) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int
proxy_port_ok(const char *s, size_t n, bool obf_ok)
{
	if (obf_ok && proxy_is_obf(s, n))
		return 0;
	return proxy_parse_port(s, n);
}

/*
 * "IPv4", "IPv4:port", "[IPv6]", "[IPv6]:port" or a bare "IPv6" (which
 * cannot carry a port: its colons would be ambiguous).
 */
static int
proxy_parse_node(const char *s, size_t n, bool obf_ok, struct ip_addr *out)
{
	const char *close, *colon;
	size_t alen;

	if (n == 0)
		return -1;
	if (s[0] == '[') {
		if ((close = memchr(s, ']', n)) == NULL)
			return -1;
		alen = (size_t)(close - s) - 1;
		if (alen == 0 || memchr(s + 1, ':', alen) == NULL)
			return -1;	/* brackets are for IPv6 only */
		if (addr_parse(s + 1, alen, out) == -1)
			return -1;
		n -= alen + 2;
		if (n == 0)
			return 0;
		if (close[1] != ':')
			return -1;
		return proxy_port_ok(close + 2, n - 1, obf_ok);
	}
	colon = memchr(s, ':', n);
	if (colon == NULL || memchr(colon + 1, ':',
	    n - (size_t)(colon - s) - 1) != NULL)
		return addr_parse(s, n, out);
	alen = (size_t)(colon - s);
	if (proxy_port_ok(colon + 1, n - alen - 1, obf_ok) == -1)
		return -1;
	return addr_parse(s, alen, out);
}

int
proxy_parse_xff_elem(const char *s, size_t n, struct ip_addr *out)
{
	if (s == NULL)
		return -1;
	proxy_trim(&s, &n);
	return proxy_parse_node(s, n, false, out);
}

/*
 * RFC 7239 section 4 and 6: value = token / quoted-string; the node is
 * "IPv4", "[IPv6]", "unknown" or an obfuscated "_name", with an optional
 * ":port".  "[IPv6]:port" must be quoted, but some proxies do not, so an
 * unquoted one is accepted as well.  Quoted-pairs are refused: no valid
 * node needs one, and honouring them would need a copy.
 */
int
proxy_parse_forwarded_for(const char *s, size_t n, struct ip_addr *out)
{
	if (s == NULL)
		return -1;
	proxy_trim(&s, &n);
	if (n >= 1 && s[0] == '"') {
		if (n < 2 || s[n - 1] != '"')
			return -1;
		s++;
		n -= 2;
		if (memchr(s, '\\', n) != NULL || memchr(s, '"', n) != NULL)
			return -1;
	}
	return proxy_parse_node(s, n, true, out);
}

/*
 * Result of a walk: the first untrusted address seen from the right, or
 * failing that the left-most trusted one.
 */
struct proxy_walk {
	const struct proxy_set	*ps;
	struct ip_addr		 found;	/* right-most untrusted */
	bool			 has_found;
	struct ip_addr		 left;	/* left-most address parsed */
	bool			 has_left;
	unsigned		 junk;	/* junk right of found */
};

/* Feed one address, right to left.  Returns 1 to stop the walk. */
static int
proxy_walk_addr(struct proxy_walk *w, const struct ip_addr *a)
{
	w->left = *a;
	w->has_left = true;
	if (proxy_trusted(w->ps, a))
		return 0;
	w->found = *a;
	w->has_found = true;
	return 1;
}

/* One X-Forwarded-For value, elements right to left. */
static int
proxy_walk_xff(struct proxy_walk *w, const struct view *v)
{
	const char *s = v->p;
	size_t end = v->n, start;
	struct ip_addr a;
	const char *e;
	size_t en;

	if (s == NULL)
		return 0;
	for (;;) {
		for (start = end; start > 0 && s[start - 1] != ','; start--)
			;
		e = s + start;
		en = end - start;
		proxy_trim(&e, &en);
		/* RFC 9110 section 5.6.1: empty list elements are ignored. */
		if (en > 0) {
			if (proxy_parse_xff_elem(e, en, &a) == -1)
				w->junk++;
			else if (proxy_walk_addr(w, &a) == 1)
				return 1;
		}
		if (start == 0)
			return 0;
		end = start - 1;
	}
}

/*
 * One Forwarded value.  Quoted strings may hold ',' and ';', so it cannot
 * be split from the right; it is scanned left to right instead and only
 * the last untrusted address is kept, with the junk seen after it: the
 * same result as a walk from the right, without storing the elements.
 * Returns 1 if an untrusted address was found (w->junk is then the junk
 * right of it, to which the caller adds the junk of later values).
 */
static int
proxy_scan_fwd(struct proxy_walk *w, const struct view *v,
    struct ip_addr *leftmost, bool *has_leftmost)
{
	const char *s = v->p, *pair, *eq, *val;
	size_t i = 0, pn, vn;
	bool quoted, esc, found = false;
	struct ip_addr a;

	if (s == NULL)
		return 0;
	while (i <= v->n) {
		/* One forwarded-pair: up to ',' or ';' outside quotes. */
		pair = s + i;
		quoted = esc = false;
		for (; i < v->n; i++) {
			if (esc)
				esc = false;
			else if (quoted && s[i] == '\\')
				esc = true;
			else if (s[i] == '"')
				quoted = !quoted;
			else if (!quoted && (s[i] == ',' || s[i] == ';'))
				break;
		}
		pn = (size_t)(s + i - pair);
		i++;
		proxy_trim(&pair, &pn);
		if (pn == 0)
			continue;
		if ((eq = memchr(pair, '=', pn)) == NULL) {
			w->junk++;
			continue;
		}
		val = pair;
		vn = (size_t)(eq - pair);
		proxy_trim(&val, &vn);
		if (vn != 3 || (val[0] | 0x20) != 'f' ||
		    (val[1] | 0x20) != 'o' || (val[2] | 0x20) != 'r')
			continue;
		if (proxy_parse_forwarded_for(eq + 1,
		    pn - (size_t)(eq - pair) - 1, &a) == -1) {
			w->junk++;
			continue;
		}
		if (!*has_leftmost) {
			*leftmost = a;
			*has_leftmost = true;
		}
		if (!proxy_trusted(w->ps, &a)) {
			w->found = a;
			found = true;
			w->junk = 0;
		}
	}
	return found ? 1 : 0;
}

/* X-Forwarded-For: values right to left, stop at the first untrusted. */
static void
proxy_client_xff(struct proxy_walk *w, const struct http_req *req)
{
	size_t h;

	for (h = req->nxff < HTTP_MAX_FWD ? req->nxff : HTTP_MAX_FWD; h > 0;
	    h--)
		if (proxy_walk_xff(w, &req->xff[h - 1]) == 1)
			return;
}

/* Forwarded: values left to right, see proxy_scan_fwd. */
static void
proxy_client_fwd(struct proxy_walk *w, const struct http_req *req,
    unsigned *junk)
{
	size_t h, nfwd;
	unsigned before = 0;

	nfwd = req->nfwd < HTTP_MAX_FWD ? req->nfwd : HTTP_MAX_FWD;
	for (h = 0; h < nfwd; h++) {
		w->junk = 0;
		if (proxy_scan_fwd(w, &req->fwd[h], &w->left,
		    &w->has_left) == 1) {
			w->has_found = true;
			before = 0;
		}
		before += w->junk;
	}
	*junk += before;
}

/*
 * When every address is trusted, the left-most one is the client: it was
 * written by the furthest proxy we trust, which is as far as the chain
 * can be believed.  X-Forwarded-For is used when it holds at least one
 * address; Forwarded only when it does not.
 */
int
proxy_client(const struct proxy_set *ps, const struct http_req *req,
    struct ip_addr *client, unsigned *junk)
{
	struct proxy_walk w;

	if (!proxy_trusted(ps, client))
		return 0;
	memset(&w, 0, sizeof(w));
	w.ps = ps;
	proxy_client_xff(&w, req);
	*junk += w.junk;
	if (!w.has_left) {
		w.junk = 0;
		proxy_client_fwd(&w, req, junk);
	}
	if (w.has_found)
		*client = w.found;
	else if (w.has_left)
		*client = w.left;
	else
		return 0;
	return 1;
}

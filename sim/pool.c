/*
 * pool.c - client address pools per country.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define NEIGHBOURS	12	/* tries around each address found */

void
pools_init(struct pools *ps)
{
	memset(ps, 0, sizeof(*ps));
}

void
pools_free(struct pools *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].a4);
		free(ps->v[i].a6);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static struct pool *
pool_get(struct pools *ps, const char *cc, bool create)
{
	struct pool *p;
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].cc, cc) == 0)
			return &ps->v[i];
	if (!create)
		return NULL;
	if (ps->n == ps->cap) {
		size_t ncap = ps->cap != 0 ? ps->cap * 2 : 32;

		if ((p = realloc(ps->v, ncap * sizeof(*p))) == NULL)
			return NULL;
		ps->v = p;
		ps->cap = ncap;
	}
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	memcpy(p->cc, cc, 2);
	return p;
}

static int
pool_add(struct pool *p, const struct ip_addr *a)
{
	bool v4 = addr_is_v4(a);
	struct ip_addr **v = v4 ? &p->a4 : &p->a6, *nv;
	size_t *n = v4 ? &p->n4 : &p->n6, *cap = v4 ? &p->cap4 : &p->cap6;

	if (*n == *cap) {
		size_t ncap = *cap != 0 ? *cap * 2 : 64;

		if ((nv = realloc(*v, ncap * sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *a;
	return 0;
}

const struct pool *
pools_find(const struct pools *ps, const char *cc)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].cc, cc) == 0)
			return ps->v[i].n4 + ps->v[i].n6 > 0 ? &ps->v[i] :
			    NULL;
	return NULL;
}

const struct ip_addr *
pool_pick(const struct pool *p, bool v6, struct rng *r)
{
	if ((v6 && p->n6 > 0) || p->n4 == 0)
		return &p->a6[rng_below(r, (uint32_t)p->n6)];
	return &p->a4[rng_below(r, (uint32_t)p->n4)];
}

/* Randomise the host bits of a (bits of prefix, in the 128-bit space). */
static void
randomise_host(struct ip_addr *a, unsigned bits, struct rng *r)
{
	unsigned i;

	for (i = bits; i < 128; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));

		if (rng_next(r) >> 63)
			a->a[i / 8] |= m;
		else
			a->a[i / 8] &= (uint8_t)~m;
	}
}

/* Add n random addresses of one network, keyed by their looked-up code. */
static int
add_network(struct pools *ps, struct geo *geo, struct rng *r,
    const struct cidr *net, const char *want_cc, size_t n)
{
	struct ip_addr a;
	struct pool *p;
	char cc[3];
	size_t i;

	if (128 - net->bits < 16 && n > (1u << (128 - net->bits)) / 2)
		n = (size_t)(1u << (128 - net->bits)) / 2;
	for (i = 0; i < n; i++) {
		a = net->net;
		randomise_host(&a, net->bits, r);
		geo_lookup(geo, &a, cc);
		ps->lookups++;
		if (strcmp(cc, want_cc) != 0)
			ps->mismatches++;
		if ((p = pool_get(ps, cc, true)) == NULL || pool_add(p, &a))
			return -1;
	}
	return 0;
}

static int
networks_line(struct pools *ps, struct geo *geo, struct rng *r, char *line,
    size_t per_net)
{
	char *tab, *cc, *end;
	struct cidr net;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if ((tab = strchr(line, '\t')) == NULL)
		return -2;
	cc = tab + 1;
	if ((end = strchr(cc, '\t')) != NULL)
		*end = '\0';
	if (strlen(cc) != 2 ||
	    cidr_parse(line, (size_t)(tab - line), &net) != 0)
		return -2;
	return add_network(ps, geo, r, &net, cc, per_net);
}

int
pools_from_networks(struct pools *ps, struct geo *geo, struct rng *r,
    const char *path, size_t per_net, char *err, size_t errcap)
{
	char line[1024];
	unsigned lineno = 0;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if ((rc = networks_line(ps, geo, r, line, per_net)) == -1)
			snprintf(err, errcap, "%s: out of memory", path);
		else if (rc != 0)
			snprintf(err, errcap, "%s:%u: malformed line", path,
			    lineno);
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errcap, "%s: read error", path);
		rc = -2;
	}
	fclose(fp);
	return rc == 0 ? 0 : -2;
}

/* Special-purpose IPv4 (RFC 6890) and multicast/reserved: never drawn. */
static bool
v4_public(const uint8_t b[4])
{
	if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224)
		return false;
	if (b[0] == 100 && (b[1] & 0xc0) == 64)
		return false;
	if (b[0] == 169 && b[1] == 254)
		return false;
	if (b[0] == 172 && (b[1] & 0xf0) == 16)
		return false;
	if (b[0] == 192 && (b[1] == 168 || (b[1] == 0 && b[2] <= 2)))
		return false;
	if (b[0] == 198 && ((b[1] & 0xfe) == 18 ||
	    (b[1] == 51 && b[2] == 100)))
		return false;
	return !(b[0] == 203 && b[1] == 0 && b[2] == 113);
}

static void
draw(struct rng *r, bool v6, struct ip_addr *a)
{
	uint8_t b[16];

	if (!v6) {
		do
			rng_fill(r, b, 4);
		while (!v4_public(b));
		addr_from_v4(a, b);
		return;
	}
	rng_fill(r, b, 16);
	b[0] = (uint8_t)(0x20 | (b[0] & 0x1f));		/* 2000::/3 */
	/* 2001:db8::/32 is documentation, 2002::/16 is 6to4: skip both. */
	if (b[0] == 0x20 && (b[1] == 0x02 ||
	    (b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)))
		b[1] = 0x03;
	addr_from_v6(a, b);
}

static const struct pool_want *
wanted(const struct pool_want *w, size_t nw, const char *cc)
{
	size_t i;

	for (i = 0; i < nw; i++)
		if (strcmp(w[i].cc, cc) == 0)
			return &w[i];
	return NULL;
}

/*
 * Is cc wanted and is there room in its pool for another address of the
 * family?  The pool, with *pwp set to what is wanted, or NULL.
 */
static struct pool *
room(struct pools *ps, const struct pool_want *w, size_t nw, const char *cc,
    bool v6, const struct pool_want **pwp)
{
	const struct pool_want *pw = wanted(w, nw, cc);
	struct pool *p;

	if (pw == NULL || (p = pool_get(ps, cc, true)) == NULL)
		return NULL;
	*pwp = pw;
	if (v6 ? p->n6 >= pw->n6 : p->n4 >= pw->n4)
		return NULL;
	return p;
}

static bool
all_full(const struct pools *ps, const struct pool_want *w, size_t nw)
{
	const struct pool *p;
	size_t i, j;

	for (i = 0; i < nw; i++) {
		p = NULL;
		for (j = 0; j < ps->n; j++)
			if (strcmp(ps->v[j].cc, w[i].cc) == 0)
				p = &ps->v[j];
		if (p == NULL || p->n4 < w[i].n4 || p->n6 < w[i].n6)
			return false;
	}
	return true;
}

/* Add a and some of its neighbours that share its country. */
static int
take(struct pools *ps, struct geo *geo, struct rng *r, struct pool *p,
    const struct ip_addr *a, const struct pool_want *w)
{
	bool v6 = !addr_is_v4(a);
	size_t *n = v6 ? &p->n6 : &p->n4, want = v6 ? w->n6 : w->n4;
	struct ip_addr b;
	char cc[3];
	int i;

	if (pool_add(p, a) == -1)
		return -1;
	for (i = 0; i < NEIGHBOURS && *n < want; i++) {
		b = *a;
		randomise_host(&b, v6 ? 64 : 120, r);
		geo_lookup(geo, &b, cc);
		ps->lookups++;
		if (strcmp(cc, p->cc) == 0 && pool_add(p, &b) == -1)
			return -1;
	}
	return 0;
}

int
pools_from_random(struct pools *ps, struct geo *geo, struct rng *r,
    const struct pool_want *w, size_t nw, uint64_t max_lookups)
{
	const struct pool_want *pw = NULL;
	struct ip_addr a;
	struct pool *p;
	char cc[3];
	uint64_t i;
	bool v6;

	for (i = 0; ps->lookups < max_lookups; i++) {
		if (i % 4096 == 0 && all_full(ps, w, nw))
			break;
		v6 = i % 4 == 3;
		draw(r, v6, &a);
		geo_lookup(geo, &a, cc);
		ps->lookups++;
		if ((p = room(ps, w, nw, cc, v6, &pw)) == NULL || pw == NULL)
			continue;
		if (take(ps, geo, r, p, &a, pw) == -1)
			return -1;
	}
	return 0;
}

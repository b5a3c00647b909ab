/*
 * flow.c - the connection table.
 *
 * Entries live in one array reserved up front (calloc: pages are touched
 * only as entries are used), chained from a power-of-two bucket array and
 * threaded on a least-recently-used list.  Indices, not pointers, link
 * them, which halves the links on 64-bit machines.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "hll.h"

#define NIL UINT32_MAX

struct flow_key {
	struct ip_addr	a, b;		/* a < b (or a == b and pa <= pb) */
	uint16_t	pa, pb;
	uint16_t	vlan;
};

struct flow {
	struct flow_key	key;
	int64_t		last_us;
	uint32_t	hnext;		/* bucket chain, or free list */
	uint32_t	prev, next;	/* LRU list */
	uint32_t	next_seq[2];
	uint32_t	isn[2];
	uint8_t		seq_known[2];
	uint8_t		syn[2];
	uint8_t		fin[2];
	struct stream	st[2];		/* [0]: sent by a, [1]: sent by b */
};

struct flow_table {
	struct flow_config	 cfg;
	struct stats		*stats;
	struct stream_env	 env;
	struct flow		*flows;
	uint32_t		*buckets;
	uint32_t		 mask;
	uint32_t		 used;		/* entries ever handed out */
	uint32_t		 free;		/* free list head */
	uint32_t		 count;
	uint32_t		 head, tail;	/* LRU: head newest */
};

void
flow_config_default(struct flow_config *c)
{
	c->max_flows = FLOW_DEFAULT_MAX;
	c->head_limit = FLOW_DEFAULT_HEAD;
	c->max_bufs = FLOW_DEFAULT_BUFS;
	c->idle_timeout = FLOW_DEFAULT_IDLE;
	c->seed = 0x6f726967696e7374ULL;
}

struct flow_table *
flow_new(const struct flow_config *cfg, struct stats *st, hit_fn on_hit,
    void *arg)
{
	struct flow_table *ft;
	size_t nb = 1;

	if (cfg->max_flows == 0 || cfg->max_flows >= NIL / 2 ||
	    cfg->head_limit < 64)
		return NULL;
	while (nb < cfg->max_flows)
		nb <<= 1;
	if ((ft = calloc(1, sizeof(*ft))) == NULL)
		return NULL;
	ft->cfg = *cfg;
	ft->stats = st;
	ft->flows = calloc(cfg->max_flows, sizeof(*ft->flows));
	ft->buckets = malloc(nb * sizeof(*ft->buckets));
	if (ft->flows == NULL || ft->buckets == NULL ||
	    stream_env_init(&ft->env, st, cfg->head_limit, cfg->max_bufs) < 0) {
		free(ft->flows);
		free(ft->buckets);
		free(ft);
		return NULL;
	}
	memset(ft->buckets, 0xff, nb * sizeof(*ft->buckets));
	ft->mask = (uint32_t)(nb - 1);
	ft->free = ft->head = ft->tail = NIL;
	ft->env.on_hit = on_hit;
	ft->env.arg = arg;
	return ft;
}

void
flow_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	stream_env_fini(&ft->env);
	free(ft->flows);
	free(ft->buckets);
	free(ft);
}

size_t
flow_count(const struct flow_table *ft)
{
	return ft->count;
}

/* Canonical key; *dir is 0 when the sender is key.a. */
static void
key_make(const struct segment *s, struct flow_key *k, int *dir)
{
	int c = memcmp(&s->src, &s->dst, sizeof(s->src));

	memset(k, 0, sizeof(*k));
	if (c < 0 || (c == 0 && s->sport <= s->dport)) {
		k->a = s->src, k->b = s->dst, k->pa = s->sport, k->pb = s->dport;
		*dir = 0;
	} else {
		k->a = s->dst, k->b = s->src, k->pa = s->dport, k->pb = s->sport;
		*dir = 1;
	}
	k->vlan = s->vlan;
}

static uint32_t
key_hash(const struct flow_table *ft, const struct flow_key *k)
{
	uint64_t h = ft->cfg.seed, w;
	const uint8_t *p = (const uint8_t *)k;
	size_t i;

	for (i = 0; i + 8 <= sizeof(*k); i += 8) {
		memcpy(&w, p + i, 8);
		h = hll_mix64(h ^ w);
	}
	for (; i < sizeof(*k); i++)
		h = hll_mix64(h ^ p[i]);
	return (uint32_t)h & ft->mask;
}

static bool
key_equal(const struct flow_key *x, const struct flow_key *y)
{
	return memcmp(x, y, sizeof(*x)) == 0;
}

static void
lru_unlink(struct flow_table *ft, uint32_t i)
{
	struct flow *f = &ft->flows[i];

	if (f->prev != NIL)
		ft->flows[f->prev].next = f->next;
	else
		ft->head = f->next;
	if (f->next != NIL)
		ft->flows[f->next].prev = f->prev;
	else
		ft->tail = f->prev;
}

static void
lru_push(struct flow_table *ft, uint32_t i)
{
	struct flow *f = &ft->flows[i];

	f->prev = NIL;
	f->next = ft->head;
	if (ft->head != NIL)
		ft->flows[ft->head].prev = i;
	ft->head = i;
	if (ft->tail == NIL)
		ft->tail = i;
}

static uint32_t
flow_find(const struct flow_table *ft, const struct flow_key *k, uint32_t b)
{
	uint32_t i;

	for (i = ft->buckets[b]; i != NIL; i = ft->flows[i].hnext)
		if (key_equal(&ft->flows[i].key, k))
			return i;
	return NIL;
}

static void
flow_remove(struct flow_table *ft, uint32_t i)
{
	struct flow *f = &ft->flows[i];
	uint32_t *pp = &ft->buckets[key_hash(ft, &f->key)];

	while (*pp != i)
		pp = &ft->flows[*pp].hnext;
	*pp = f->hnext;
	lru_unlink(ft, i);
	stream_fini(&ft->env, &f->st[0]);
	stream_fini(&ft->env, &f->st[1]);
	f->hnext = ft->free;
	ft->free = i;
	ft->count--;
	ft->stats->flows = ft->count;
}

static uint32_t
flow_alloc(struct flow_table *ft)
{
	uint32_t i;

	if (ft->free != NIL) {
		i = ft->free;
		ft->free = ft->flows[i].hnext;
		return i;
	}
	if (ft->used < ft->cfg.max_flows)
		return ft->used++;
	i = ft->tail;			/* full: evict the least recent */
	flow_remove(ft, i);
	ft->stats->flows_evicted++;
	ft->free = ft->flows[i].hnext;
	return i;
}

static uint32_t
flow_insert(struct flow_table *ft, const struct flow_key *k, uint32_t b,
    bool mid_stream)
{
	uint32_t i = flow_alloc(ft);
	struct flow *f = &ft->flows[i];

	memset(f, 0, sizeof(*f));
	f->key = *k;
	stream_init(&f->st[0], mid_stream);
	stream_init(&f->st[1], mid_stream);
	f->hnext = ft->buckets[b];
	ft->buckets[b] = i;
	lru_push(ft, i);
	ft->count++;
	ft->stats->flows = ft->count;
	ft->stats->flows_created++;
	return i;
}

void
flow_expire(struct flow_table *ft, int64_t now_us)
{
	int64_t limit = now_us - (int64_t)ft->cfg.idle_timeout * 1000000;

	while (ft->tail != NIL && ft->flows[ft->tail].last_us < limit) {
		flow_remove(ft, ft->tail);
		ft->stats->flows_timed_out++;
	}
}

/*
 * Bytes at seq from one direction: trim what was delivered before, pass
 * the rest on in order.  Sequence arithmetic is modulo 2^32 (RFC 793 3.3).
 */
static void
flow_deliver(struct flow_table *ft, struct flow *f, int d,
    const struct segment *s, uint32_t seq)
{
	struct stream *st = &f->st[d];
	const struct ip_addr *src = d == 0 ? &f->key.a : &f->key.b;
	const uint8_t *p = s->payload;
	size_t n = s->len;
	uint32_t behind;
	int32_t off;

	if (!f->seq_known[d]) {
		f->next_seq[d] = seq;
		f->seq_known[d] = 1;
	}
	off = (int32_t)(seq - f->next_seq[d]);
	if (off < 0) {
		behind = f->next_seq[d] - seq;
		if (behind >= s->wire_len) {
			ft->stats->retransmitted_bytes += s->wire_len;
			return;
		}
		ft->stats->retransmitted_bytes += behind;
		if (behind >= n) {		/* new bytes not captured */
			f->next_seq[d] = seq + (uint32_t)s->wire_len;
			stream_gap(&ft->env, st);
			return;
		}
		p += behind;
		n -= behind;
	} else if (off > 0) {
		ft->stats->gaps++;
		stream_gap(&ft->env, st);
	}
	stream_data(&ft->env, st, src, p, n);
	f->next_seq[d] = seq + (uint32_t)s->wire_len;
	if (s->len < s->wire_len)		/* cut by the snapshot length */
		stream_gap(&ft->env, st);
}

static void
flow_syn(struct flow_table *ft, struct flow *f, int d,
    const struct segment *s)
{
	if (f->syn[d] && f->isn[d] == s->seq)
		return;				/* a retransmitted SYN */
	if (s->flags & TCP_ACK) {		/* SYN/ACK: d is the server */
		stream_set_server(&ft->env, &f->st[d]);
	} else {
		if (f->syn[d] || f->seq_known[d]) {
			/* A new connection on the same ports. */
			stream_fini(&ft->env, &f->st[0]);
			stream_fini(&ft->env, &f->st[1]);
			stream_init(&f->st[1 - d], false);
			f->seq_known[1 - d] = 0;
			f->syn[1 - d] = 0;
			f->fin[0] = f->fin[1] = 0;
		}
		stream_init(&f->st[d], false);
	}
	f->syn[d] = 1;
	f->isn[d] = s->seq;
	f->next_seq[d] = s->seq + 1;
	f->seq_known[d] = 1;
}

void
flow_segment(struct flow_table *ft, const struct segment *s, int64_t ts_us)
{
	struct flow_key k;
	struct flow *f;
	uint32_t b, i;
	int d;

	flow_expire(ft, ts_us);
	key_make(s, &k, &d);
	b = key_hash(ft, &k);
	i = flow_find(ft, &k, b);
	if (i == NIL) {
		if ((s->flags & TCP_RST) ||
		    (s->wire_len == 0 && !(s->flags & TCP_SYN)))
			return;			/* nothing worth a new entry */
		i = flow_insert(ft, &k, b, !(s->flags & TCP_SYN));
	} else {
		lru_unlink(ft, i);
		lru_push(ft, i);
	}
	f = &ft->flows[i];
	f->last_us = ts_us;
	if (s->flags & TCP_RST) {
		flow_remove(ft, i);
		return;
	}
	if (s->flags & TCP_SYN)
		flow_syn(ft, f, d, s);
	if (s->wire_len > 0)
		flow_deliver(ft, f, d, s,
		    (s->flags & TCP_SYN) ? s->seq + 1 : s->seq);
	if (s->flags & TCP_FIN) {
		f->fin[d] = 1;
		if (f->fin[0] && f->fin[1])
			flow_remove(ft, i);
	}
}

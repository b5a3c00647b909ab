/*
 * flow.c - the connection table.
 *
 * Entries live in one array reserved up front (calloc: pages are touched
 * only as entries are used), chained from a power-of-two bucket array and
 * threaded on a least-recently-used list.  Indices, not pointers, link
 * them, which halves the links on 64-bit machines.
 *
 * The bucket array is reserved for max_flows too, but only its first
 * part is used, about one bucket per connection tracked (at least
 * FLOW_BUCKETS_MIN), doubled as the table fills.  A real capture has a
 * few thousand connections open at once and creates new ones all the
 * time: with every bucket in use spread over a megabyte, each new
 * connection's first packet missed the cache on its bucket.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "hll.h"

#define NIL UINT32_MAX
#define FLOW_BUCKETS_MIN	1024

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
	int32_t		ooo[2];		/* out-of-order buffers, -1: none */
	struct stream	st[2];		/* [0]: sent by a, [1]: sent by b */
};

struct flow_table {
	struct flow_config	 cfg;
	struct stats		*stats;
	struct stream_env	 env;
	struct flow		*flows;
	uint32_t		*buckets;
	uint32_t		 mask;		/* buckets in use - 1 */
	uint32_t		 nbuckets;	/* buckets reserved */
	uint32_t		 used;		/* entries ever handed out */
	uint32_t		 free;		/* free list head */
	uint32_t		 count;
	uint32_t		 head, tail;	/* LRU: head newest */
};

static void	ooo_giveup(struct flow_table *, struct flow *, int);

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
	    cfg->head_limit < FLOW_MIN_HEAD)
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
	ft->nbuckets = (uint32_t)nb;
	ft->mask = (uint32_t)(nb < FLOW_BUCKETS_MIN ? nb :
	    FLOW_BUCKETS_MIN) - 1;
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

/*
 * The key as words: four of addresses, then ports and VLAN in the fifth,
 * so the hash and the compare each load it once.  The words of a packet
 * are made straight from its segment with 8-byte loads only: the decoder
 * has just written the addresses in 8-byte stores, and a load spanning
 * several smaller stores, or a struct copied and read back at another
 * width, stalls the CPU for a dozen cycles (store-to-load forwarding
 * fails), every packet.  The fifth word is arithmetic on the fields.
 */
struct key_words {
	uint64_t	w[5];
};

static inline uint64_t
key_tail(uint16_t pa, uint16_t pb, uint16_t vlan)
{
	return (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)vlan << 32;
}

/* The words of a stored key. */
static inline void
key_words(const struct flow_key *k, struct key_words *kw)
{
	memcpy(&kw->w[0], k->a.a, 8);
	memcpy(&kw->w[1], k->a.a + 8, 8);
	memcpy(&kw->w[2], k->b.a, 8);
	memcpy(&kw->w[3], k->b.a + 8, 8);
	kw->w[4] = key_tail(k->pa, k->pb, k->vlan);
}

/* The key to store for words made by seg_words. */
static void
key_from_words(const struct key_words *kw, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->a.a, &kw->w[0], 8);
	memcpy(k->a.a + 8, &kw->w[1], 8);
	memcpy(k->b.a, &kw->w[2], 8);
	memcpy(k->b.a + 8, &kw->w[3], 8);
	k->pa = (uint16_t)kw->w[4];
	k->pb = (uint16_t)(kw->w[4] >> 16);
	k->vlan = (uint16_t)(kw->w[4] >> 32);
}

/*
 * A word as loaded, as the big-endian number of its bytes in memory
 * order, for comparing addresses as memcmp would; compilers make this a
 * byte swap (or nothing) in a register.
 */
static inline uint64_t
word_be(uint64_t w)
{
	uint8_t b[8];

	memcpy(b, &w, 8);
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 |
	    (uint64_t)b[2] << 40 | (uint64_t)b[3] << 32 |
	    (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	    (uint64_t)b[6] << 8 | b[7];
}

/*
 * Canonical key words of a segment: the lower address (memcmp's order),
 * or with equal addresses the lower port, first; *dir is 0 when the
 * sender is first.
 */
static inline void
seg_words(const struct segment *s, struct key_words *kw, int *dir)
{
	uint64_t s0, s1, d0, d1, x, y;

	memcpy(&s0, s->src.a, 8);
	memcpy(&s1, s->src.a + 8, 8);
	memcpy(&d0, s->dst.a, 8);
	memcpy(&d1, s->dst.a + 8, 8);
	x = word_be(s0);
	y = word_be(d0);
	if (x == y) {
		x = word_be(s1);
		y = word_be(d1);
	}
	if (x < y || (x == y && s->sport <= s->dport)) {
		kw->w[0] = s0, kw->w[1] = s1, kw->w[2] = d0, kw->w[3] = d1;
		kw->w[4] = key_tail(s->sport, s->dport, s->vlan);
		*dir = 0;
	} else {
		kw->w[0] = d0, kw->w[1] = d1, kw->w[2] = s0, kw->w[3] = s1;
		kw->w[4] = key_tail(s->dport, s->sport, s->vlan);
		*dir = 1;
	}
}

/*
 * One multiply and shift per word, one full mix at the end: this runs for
 * every packet.  Each step is a bijection of h for a fixed word, so keys
 * that differ in one word never collide before the mask; the final mix
 * spreads every input bit over the bucket index.
 */
#define KEY_STEP(h, w) do {					\
	(h) = ((h) ^ (w)) * 0x9e3779b97f4a7c15ULL;		\
	(h) ^= (h) >> 32;					\
} while (0)

static inline uint32_t
key_hash_words(const struct flow_table *ft, const struct key_words *kw)
{
	uint64_t h = ft->cfg.seed;

	KEY_STEP(h, kw->w[0]);
	KEY_STEP(h, kw->w[1]);
	KEY_STEP(h, kw->w[2]);
	KEY_STEP(h, kw->w[3]);
	/* The tail (ports and VLAN) as one word, not a mix per byte. */
	h ^= kw->w[4];
	return (uint32_t)hll_mix64(h) & ft->mask;
}

static uint32_t
key_hash(const struct flow_table *ft, const struct flow_key *k)
{
	struct key_words kw;

	key_words(k, &kw);
	return key_hash_words(ft, &kw);
}

static bool
key_equal(const struct flow_key *x, const struct key_words *y)
{
	struct key_words kx;

	key_words(x, &kx);
	return ((kx.w[0] ^ y->w[0]) | (kx.w[1] ^ y->w[1]) |
	    (kx.w[2] ^ y->w[2]) | (kx.w[3] ^ y->w[3]) |
	    (kx.w[4] ^ y->w[4])) == 0;
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
flow_find(const struct flow_table *ft, const struct key_words *kw,
    uint32_t b)
{
	uint32_t i;

	for (i = ft->buckets[b]; i != NIL; i = ft->flows[i].hnext)
		if (key_equal(&ft->flows[i].key, kw))
			return i;
	return NIL;
}

static void
flow_remove(struct flow_table *ft, uint32_t i)
{
	struct flow *f = &ft->flows[i];
	uint32_t *pp = &ft->buckets[key_hash(ft, &f->key)];

	ooo_giveup(ft, f, 0);
	ooo_giveup(ft, f, 1);
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

/*
 * Twice the buckets: each chain b splits into b and b + old, by the one
 * more hash bit the mask now takes.  Entries keep their relative order.
 */
static void
buckets_grow(struct flow_table *ft)
{
	uint32_t old = ft->mask + 1, b, i, next, *lo, *hi;

	ft->mask = old * 2 - 1;
	for (b = 0; b < old; b++) {
		i = ft->buckets[b];
		lo = &ft->buckets[b];
		hi = &ft->buckets[b + old];
		for (; i != NIL; i = next) {
			next = ft->flows[i].hnext;
			if (key_hash(ft, &ft->flows[i].key) == b) {
				*lo = i;
				lo = &ft->flows[i].hnext;
			} else {
				*hi = i;
				hi = &ft->flows[i].hnext;
			}
		}
		*lo = *hi = NIL;
	}
}

static uint32_t
flow_insert(struct flow_table *ft, const struct flow_key *k, uint32_t b,
    bool mid_stream)
{
	uint32_t i = flow_alloc(ft);
	struct flow *f = &ft->flows[i];

	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->ooo[0] = f->ooo[1] = -1;
	stream_init(&f->st[0], mid_stream);
	stream_init(&f->st[1], mid_stream);
	f->hnext = ft->buckets[b];
	ft->buckets[b] = i;
	lru_push(ft, i);
	ft->count++;
	ft->stats->flows = ft->count;
	ft->stats->flows_created++;
	if (ft->count > ft->mask && ft->mask + 1 < ft->nbuckets)
		buckets_grow(ft);
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
 * Out-of-order segments of one direction wait in a pool buffer: a sorted
 * table of segment descriptors, then their bytes.  The buffer is bounded;
 * when it cannot take a segment the hole is given up on.
 */
#define OOO_MAX_SEGS	32

struct ooo_seg {
	uint32_t	seq, len, wire, off;
};

struct ooo {
	uint32_t	n, used;
	struct ooo_seg	seg[OOO_MAX_SEGS];
	uint8_t		data[];
};

static struct ooo *
ooo_get(struct flow_table *ft, struct flow *f, int d)
{
	return f->ooo[d] < 0 ? NULL :
	    (struct ooo *)(void *)stream_pool_mem(&ft->env, f->ooo[d]);
}

static void
ooo_release(struct flow_table *ft, struct flow *f, int d)
{
	stream_pool_put(&ft->env, f->ooo[d]);
	f->ooo[d] = -1;
}

/* Keep a segment that is ahead of the next expected byte.  0 or -1. */
static int
ooo_add(struct flow_table *ft, struct flow *f, int d, uint32_t seq,
    const uint8_t *p, size_t n, size_t wire)
{
	size_t cap = ft->cfg.head_limit - sizeof(struct ooo);
	struct ooo *o;
	uint32_t i;

	if (f->ooo[d] < 0) {
		if ((f->ooo[d] = stream_pool_get(&ft->env)) < 0)
			return -1;
		o = (struct ooo *)(void *)stream_pool_mem(&ft->env, f->ooo[d]);
		o->n = o->used = 0;
	} else {
		o = (struct ooo *)(void *)stream_pool_mem(&ft->env, f->ooo[d]);
	}
	if (o->n == OOO_MAX_SEGS || n > cap - o->used)
		return -1;
	for (i = o->n; i > 0 && (int32_t)(o->seg[i - 1].seq - seq) > 0; i--)
		o->seg[i] = o->seg[i - 1];
	o->seg[i] = (struct ooo_seg){ seq, (uint32_t)n, (uint32_t)wire,
	    o->used };
	memcpy(o->data + o->used, p, n);
	o->used += (uint32_t)n;
	o->n++;
	ft->stats->out_of_order++;
	return 0;
}

/*
 * Bytes at seq, which is not after the next expected byte: cut what was
 * delivered before (retransmissions keep the first copy of every byte),
 * pass the rest on.  Sequence arithmetic is modulo 2^32 (RFC 9293 3.4).
 */
static void
flow_take(struct flow_table *ft, struct flow *f, int d, uint32_t seq,
    const uint8_t *p, size_t n, size_t wire)
{
	struct stream *st = &f->st[d];
	const struct ip_addr *src = d == 0 ? &f->key.a : &f->key.b;
	uint32_t behind = f->next_seq[d] - seq;

	if (behind >= wire) {
		ft->stats->retransmitted_bytes += wire;
		return;
	}
	ft->stats->retransmitted_bytes += behind;
	f->next_seq[d] = seq + (uint32_t)wire;
	if (behind >= n) {			/* the new bytes were not captured */
		ft->stats->snaplen_cut++;
		stream_gap(&ft->env, st);
		return;
	}
	stream_data(&ft->env, st, src, p + behind, n - behind);
	if (n < wire) {				/* cut by the snapshot length */
		ft->stats->snaplen_cut++;
		stream_gap(&ft->env, st);
	}
}

/* Pass on the waiting segments that are now in order. */
static void
ooo_drain(struct flow_table *ft, struct flow *f, int d)
{
	struct ooo *o = ooo_get(ft, f, d);
	struct ooo_seg sg;

	while (o != NULL && o->n > 0 &&
	    (int32_t)(o->seg[0].seq - f->next_seq[d]) <= 0) {
		sg = o->seg[0];
		memmove(&o->seg[0], &o->seg[1], --o->n * sizeof(o->seg[0]));
		flow_take(ft, f, d, sg.seq, o->data + sg.off, sg.len, sg.wire);
	}
	if (o != NULL && o->n == 0)
		ooo_release(ft, f, d);
}

/* Give up on the holes: pass on everything that waits, gaps and all. */
static void
ooo_giveup(struct flow_table *ft, struct flow *f, int d)
{
	struct ooo *o;

	while ((o = ooo_get(ft, f, d)) != NULL && o->n > 0) {
		ft->stats->gaps++;
		stream_gap(&ft->env, &f->st[d]);
		f->next_seq[d] = o->seg[0].seq;
		ooo_drain(ft, f, d);
	}
	if (f->ooo[d] >= 0)
		ooo_release(ft, f, d);
}

static void
flow_deliver(struct flow_table *ft, struct flow *f, int d,
    const struct segment *s, uint32_t seq)
{
	if (!f->seq_known[d]) {
		f->next_seq[d] = seq;
		f->seq_known[d] = 1;
	}
	if (!stream_wants_data(&f->st[d])) {
		if ((int32_t)(seq + (uint32_t)s->wire_len - f->next_seq[d]) > 0)
			f->next_seq[d] = seq + (uint32_t)s->wire_len;
		return;
	}
	if ((int32_t)(seq - f->next_seq[d]) > 0) {
		if (ooo_add(ft, f, d, seq, s->payload, s->len,
		    s->wire_len) == 0)
			return;
		ooo_giveup(ft, f, d);
		if ((int32_t)(seq - f->next_seq[d]) > 0) {
			ft->stats->gaps++;
			stream_gap(&ft->env, &f->st[d]);
			f->next_seq[d] = seq;
		}
	}
	flow_take(ft, f, d, seq, s->payload, s->len, s->wire_len);
	ooo_drain(ft, f, d);
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
			ooo_giveup(ft, f, 0);
			ooo_giveup(ft, f, 1);
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
	struct key_words kw;
	struct flow *f;
	uint32_t b, i;
	int d;

	flow_expire(ft, ts_us);
	seg_words(s, &kw, &d);
	b = key_hash_words(ft, &kw);
	i = flow_find(ft, &kw, b);
	if (i == NIL) {
		if ((s->flags & TCP_RST) ||
		    (s->wire_len == 0 && !(s->flags & TCP_SYN)))
			return;			/* nothing worth a new entry */
		key_from_words(&kw, &k);
		i = flow_insert(ft, &k, b, !(s->flags & TCP_SYN));
	} else if (i != ft->head) {
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

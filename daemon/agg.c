/*
 * agg.c - per-minute counts.
 *
 * Up to AGG_OPEN_MAX minutes are open at once, each with a direct-indexed
 * table from (class, country) to a row: 26 * 26 country codes per class,
 * so a lookup is two multiplications and no hashing.  Rows and their
 * sketches are kept for reuse when a minute closes.
 */
#include "agg.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NCC		(26 * 26)
#define US_PER_MIN	INT64_C(60000000)
#define AGG_RESET_US	(10 * US_PER_MIN)

struct slot {
	bool		 open;
	int64_t		 minute;	/* seconds */
	int32_t		*index;		/* nnames * NCC, -1: no row */
	struct agg_row	*rows;		/* in order of arrival */
	struct agg_row	*out;		/* sorted, as emitted */
	uint64_t	*keys;
	struct hll	*sketch;
	size_t		 nrows, cap;
};

/*
 * Class names are copied, so a reload can free the configuration.  Index i
 * < nclasses is the configuration's class i; after a reload, classes of
 * rows still open that the new configuration lacks follow, up to nnames.
 */
struct agg {
	char		(*names)[CONFIG_CLASS_MAX + 1];
	size_t		  nnames;
	size_t		  nclasses;
	unsigned	 *rank;		/* class index -> position by name */
	int64_t		  grace_us;
	int64_t		  watermark;	/* latest time seen, us */
	int64_t		  closed_before;	/* minutes < this are closed (s) */
	int64_t		  next_cut_us;	/* before this, agg_tick closes nothing */
	int64_t		  first_minute;	/* of the first time seen (s) */
	unsigned	  empty_max;	/* agg_set_empty_minutes */
	size_t		  dense;	/* dense sketches held */
	struct slot	  slots[AGG_OPEN_MAX];
	struct agg_stats  st;
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static unsigned
cc_index(const char cc[2])
{
	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
		return ('Z' - 'A') * 26 + ('Z' - 'A');
	return (unsigned)(cc[0] - 'A') * 26 + (unsigned)(cc[1] - 'A');
}

/* Each name's position among all of them: the order rows are emitted in. */
static void
rank_names(const char (*names)[CONFIG_CLASS_MAX + 1], size_t n,
    unsigned *rank)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		rank[i] = 0;
		for (j = 0; j < n; j++)
			if (strcmp(names[j], names[i]) < 0)
				rank[i]++;
	}
}

struct agg *
agg_new(const char (*classes)[CONFIG_CLASS_MAX + 1], size_t nclasses,
    double grace)
{
	struct agg *a;
	size_t i;

	if (nclasses == 0 || grace < 0 || grace > 86400)
		return NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->nnames = a->nclasses = nclasses;
	a->grace_us = (int64_t)(grace * 1e6);
	a->watermark = INT64_MIN;
	a->closed_before = INT64_MIN;
	a->next_cut_us = INT64_MIN;
	if ((a->names = calloc(nclasses, sizeof(*a->names))) == NULL ||
	    (a->rank = calloc(nclasses, sizeof(*a->rank))) == NULL)
		goto fail;
	memcpy(a->names, classes, nclasses * sizeof(*a->names));
	rank_names((const char (*)[CONFIG_CLASS_MAX + 1])a->names, nclasses,
	    a->rank);
	for (i = 0; i < AGG_OPEN_MAX; i++) {
		a->slots[i].index = malloc(nclasses * NCC * sizeof(int32_t));
		if (a->slots[i].index == NULL)
			goto fail;
		memset(a->slots[i].index, 0xff, nclasses * NCC * sizeof(int32_t));
	}
	return a;
fail:
	agg_free(a);
	return NULL;
}

void
agg_set_empty_minutes(struct agg *a, unsigned max)
{
	a->empty_max = max;
}

void
agg_free(struct agg *a)
{
	size_t i, j;

	if (a == NULL)
		return;
	for (i = 0; i < AGG_OPEN_MAX; i++) {
		for (j = 0; j < a->slots[i].cap; j++)
			hll_fini(&a->slots[i].sketch[j]);
		free(a->slots[i].index);
		free(a->slots[i].rows);
		free(a->slots[i].out);
		free(a->slots[i].keys);
		free(a->slots[i].sketch);
	}
	free(a->names);
	free(a->rank);
	free(a);
}

static int
key_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * Close one minute: order its rows by class name, then country, hand them
 * out, reset the slot.  The order comes from one integer key per row
 * (class rank, country, row), so the sort needs no context.
 */
static void
slot_close(struct agg *a, struct slot *sl, agg_emit_fn emit, void *arg)
{
	struct agg_minute m;
	size_t i, r;

	for (i = 0; i < sl->nrows; i++)
		sl->keys[i] = (uint64_t)a->rank[sl->rows[i].cls] << 40 |
		    (uint64_t)cc_index(sl->rows[i].cc) << 20 | i;
	qsort(sl->keys, sl->nrows, sizeof(*sl->keys), key_cmp);
	for (i = 0; i < sl->nrows; i++) {
		r = (size_t)(sl->keys[i] & 0xfffff);
		sl->out[i] = sl->rows[r];
		sl->out[i].cls_name = a->names[sl->rows[r].cls];
		sl->out[i].clients = hll_count(&sl->sketch[r]);
		sl->out[i].sketch = &sl->sketch[r];
	}
	m.minute = sl->minute;
	m.rows = sl->out;
	m.nrows = sl->nrows;
	if (emit != NULL)
		emit(arg, &m);
	a->st.minutes_closed++;
	a->st.rows_emitted += sl->nrows;
	for (i = 0; i < sl->nrows; i++) {
		sl->index[sl->rows[i].cls * NCC + cc_index(sl->rows[i].cc)] = -1;
		if (sl->sketch[i].regs != NULL)
			a->dense--;
		hll_fini(&sl->sketch[i]);
		hll_init(&sl->sketch[i]);
	}
	sl->nrows = 0;
	sl->open = false;
	if (sl->minute + 60 > a->closed_before)
		a->closed_before = sl->minute + 60;
}

/*
 * Minutes without hits from closed_before up to (not including) upto, as
 * empty minutes, when agg_set_empty_minutes asked for them and they are
 * not too many at once; never before the first minute seen.  No slot is
 * open before upto when this is called.
 */
static void
emit_empty(struct agg *a, int64_t upto, agg_emit_fn emit, void *arg)
{
	struct agg_minute m = { 0, NULL, 0 };
	int64_t t = a->closed_before;

	if (a->empty_max == 0 || t == INT64_MIN || upto <= t)
		return;
	if (t < a->first_minute)
		t = a->first_minute;
	if (upto <= t || (upto - t) / 60 > (int64_t)a->empty_max)
		return;
	for (; t < upto; t += 60) {
		m.minute = t;
		a->st.minutes_empty++;
		if (emit != NULL)
			emit(arg, &m);
	}
	a->closed_before = upto;
}

/* Close sl, after the empty minutes before it: minutes go out in order. */
static void
slot_close_next(struct agg *a, struct slot *sl, agg_emit_fn emit, void *arg)
{
	emit_empty(a, sl->minute, emit, arg);
	slot_close(a, sl, emit, arg);
}

/* The open slot with the smallest minute, or NULL. */
static struct slot *
slot_oldest(struct agg *a)
{
	struct slot *best = NULL;
	size_t i;

	for (i = 0; i < AGG_OPEN_MAX; i++)
		if (a->slots[i].open &&
		    (best == NULL || a->slots[i].minute < best->minute))
			best = &a->slots[i];
	return best;
}

static void
agg_tick_slow(struct agg *a, int64_t now_us, agg_emit_fn emit, void *arg)
{
	struct slot *sl;
	int64_t cutoff;

	if (a->watermark != INT64_MIN && now_us < a->watermark - AGG_RESET_US) {
		/*
		 * The clock went back by far more than any reordering: a
		 * capture made of several captures, or a clock step.  Close
		 * everything and start again from the new time.
		 */
		agg_flush(a, emit, arg);
		a->st.clock_resets++;
		a->watermark = now_us;
		a->closed_before = INT64_MIN;
		a->next_cut_us = INT64_MIN;
		a->first_minute = floor_div(now_us, US_PER_MIN) * 60;
		return;
	}
	if (a->watermark == INT64_MIN)
		a->first_minute = floor_div(now_us, US_PER_MIN) * 60;
	if (now_us <= a->watermark)
		return;
	a->watermark = now_us;
	/*
	 * The cutoff moves once a minute, and until it does every open
	 * minute is at or after it (agg_hit opens none before
	 * closed_before): nothing to close.
	 */
	if (now_us < a->next_cut_us)
		return;
	cutoff = floor_div(now_us - a->grace_us, US_PER_MIN) * 60;
	while ((sl = slot_oldest(a)) != NULL && sl->minute < cutoff)
		slot_close_next(a, sl, emit, arg);
	emit_empty(a, cutoff, emit, arg);
	if (cutoff > a->closed_before)
		a->closed_before = cutoff;
	a->next_cut_us = (cutoff + 60) * 1000000 + a->grace_us;
}

/*
 * This runs for every packet, so the common case comes first, small
 * enough to be inlined: time moved on within the minute.  A later time
 * can be no clock reset, and before next_cut_us nothing closes, so
 * agg_tick_slow would only have raised the watermark.
 */
void
agg_tick(struct agg *a, int64_t now_us, agg_emit_fn emit, void *arg)
{
	if (now_us > a->watermark && now_us < a->next_cut_us) {
		a->watermark = now_us;
		return;
	}
	agg_tick_slow(a, now_us, emit, arg);
}

/*
 * Every open minute, then the quiet minutes after them up to the minute
 * of the latest time seen: at the end of input that minute is over too,
 * and a subscriber or collector waiting for its marker would otherwise
 * wait for its timeout.
 */
void
agg_flush(struct agg *a, agg_emit_fn emit, void *arg)
{
	struct slot *sl;

	while ((sl = slot_oldest(a)) != NULL)
		slot_close_next(a, sl, emit, arg);
	if (a->watermark == INT64_MIN)
		return;
	/* Right after a clock reset nothing is closed yet: from its minute. */
	if (a->closed_before == INT64_MIN)
		a->closed_before = a->first_minute;
	emit_empty(a, floor_div(a->watermark, US_PER_MIN) * 60 + 60, emit,
	    arg);
}

static struct slot *
slot_get(struct agg *a, int64_t minute, agg_emit_fn emit, void *arg)
{
	struct slot *free_sl = NULL;
	size_t i;

	for (i = 0; i < AGG_OPEN_MAX; i++) {
		if (a->slots[i].open && a->slots[i].minute == minute)
			return &a->slots[i];
		if (!a->slots[i].open && free_sl == NULL)
			free_sl = &a->slots[i];
	}
	while (free_sl == NULL) {
		/* Too many minutes open: close the oldest ones first. */
		free_sl = slot_oldest(a);
		if (free_sl->minute > minute)
			return NULL;		/* older than all: late */
		slot_close_next(a, free_sl, emit, arg);
	}
	free_sl->open = true;
	free_sl->minute = minute;
	free_sl->nrows = 0;
	return free_sl;
}

static struct agg_row *
row_get(struct slot *sl, unsigned cls, const char cc[2], struct hll **sk)
{
	unsigned k = cls * NCC + cc_index(cc);
	size_t ncap, i;
	void *p;

	if (sl->index[k] < 0) {
		if (sl->nrows == sl->cap) {
			ncap = sl->cap ? sl->cap * 2 : 16;
			if ((p = realloc(sl->rows, ncap * sizeof(*sl->rows)))
			    == NULL)
				return NULL;
			sl->rows = p;
			if ((p = realloc(sl->out, ncap * sizeof(*sl->out)))
			    == NULL)
				return NULL;
			sl->out = p;
			if ((p = realloc(sl->keys, ncap * sizeof(*sl->keys)))
			    == NULL)
				return NULL;
			sl->keys = p;
			if ((p = realloc(sl->sketch, ncap *
			    sizeof(*sl->sketch))) == NULL)
				return NULL;
			sl->sketch = p;
			for (i = sl->cap; i < ncap; i++)
				hll_init(&sl->sketch[i]);
			sl->cap = ncap;
		}
		sl->index[k] = (int32_t)sl->nrows;
		sl->rows[sl->nrows] = (struct agg_row){ .cls = cls };
		if (cc_index(cc) == cc_index("ZZ"))
			memcpy(sl->rows[sl->nrows].cc, "ZZ", 3);
		else
			memcpy(sl->rows[sl->nrows].cc, cc, 2);
		sl->nrows++;
	}
	*sk = &sl->sketch[sl->index[k]];
	return &sl->rows[sl->index[k]];
}

/*
 * Dense sketches (HLL_REGS bytes each) are few in practice, but a flood
 * spread over every country could open one per (minute, class, country):
 * past AGG_DENSE_MAX of them a full exact set stops growing, so its
 * client count is a lower bound, counted in sketch_capped.
 */
static void
sketch_add(struct agg *a, struct hll *sk, uint64_t h)
{
	bool was_dense = sk->regs != NULL;

	if (!was_dense && sk->n >= HLL_EXACT_MAX && a->dense >= AGG_DENSE_MAX) {
		a->st.sketch_capped++;
		return;
	}
	if (hll_add(sk, h) < 0)
		a->st.nomem++;
	else if (!was_dense && sk->regs != NULL)
		a->dense++;
}

void
agg_hit(struct agg *a, int64_t ts_us, unsigned cls, const char cc[2],
    enum agg_kind kind, uint64_t client_hash, agg_emit_fn emit, void *arg)
{
	int64_t minute = floor_div(ts_us, US_PER_MIN) * 60;
	struct slot *sl;
	struct agg_row *r;
	struct hll *sk;

	if (cls >= a->nclasses)
		cls = (unsigned)a->nclasses - 1;
	agg_tick(a, ts_us, emit, arg);
	a->st.hits++;
	if (minute < a->closed_before ||
	    (sl = slot_get(a, minute, emit, arg)) == NULL) {
		a->st.late++;
		return;
	}
	if ((r = row_get(sl, cls, cc, &sk)) == NULL) {
		a->st.nomem++;
		return;
	}
	if (kind == AGG_REQUEST)
		r->requests++;
	else
		r->tls_handshakes++;
	sketch_add(a, sk, client_hash);
}

/* Where an old class index goes in the new table; appends kept names. */
struct reclass {
	char		(*names)[CONFIG_CLASS_MAX + 1];
	size_t		  n;
	unsigned	 *map;		/* old index -> new, UINT_MAX: unused */
	unsigned	 *rank;
	int32_t		 *index[AGG_OPEN_MAX];
};

static void
reclass_free(struct reclass *rc)
{
	size_t i;

	free(rc->names);
	free(rc->map);
	free(rc->rank);
	for (i = 0; i < AGG_OPEN_MAX; i++)
		free(rc->index[i]);
}

static unsigned
reclass_find(struct reclass *rc, const char *name)
{
	size_t i;

	for (i = 0; i < rc->n; i++)
		if (strcmp(rc->names[i], name) == 0)
			return (unsigned)i;
	memcpy(rc->names[rc->n], name, CONFIG_CLASS_MAX + 1);
	return (unsigned)rc->n++;
}

/*
 * Everything agg_reconfigure needs, allocated before anything changes:
 * the new names (the configuration's, then those of open rows it lacks),
 * the map from old indexes and the new per-minute indexes.
 */
static int
reclass_prepare(const struct agg *a, struct reclass *rc,
    const char (*classes)[CONFIG_CLASS_MAX + 1], size_t nclasses)
{
	const struct slot *sl;
	size_t i, j, bytes;

	memset(rc, 0, sizeof(*rc));
	if ((rc->names = calloc(nclasses + a->nnames, sizeof(*rc->names)))
	    == NULL || (rc->map = malloc(a->nnames * sizeof(*rc->map)))
	    == NULL)
		return -1;
	memcpy(rc->names, classes, nclasses * sizeof(*rc->names));
	rc->n = nclasses;
	for (i = 0; i < a->nnames; i++)
		rc->map[i] = UINT_MAX;
	for (i = 0; i < AGG_OPEN_MAX; i++) {
		sl = &a->slots[i];
		for (j = 0; sl->open && j < sl->nrows; j++)
			if (rc->map[sl->rows[j].cls] == UINT_MAX)
				rc->map[sl->rows[j].cls] = reclass_find(rc,
				    a->names[sl->rows[j].cls]);
	}
	if ((rc->rank = calloc(rc->n, sizeof(*rc->rank))) == NULL)
		return -1;
	rank_names((const char (*)[CONFIG_CLASS_MAX + 1])rc->names, rc->n,
	    rc->rank);
	bytes = rc->n * NCC * sizeof(int32_t);
	for (i = 0; i < AGG_OPEN_MAX; i++) {
		if ((rc->index[i] = malloc(bytes)) == NULL)
			return -1;
		memset(rc->index[i], 0xff, bytes);
	}
	return 0;
}

int
agg_reconfigure(struct agg *a, const char (*classes)[CONFIG_CLASS_MAX + 1],
    size_t nclasses, double grace)
{
	struct reclass rc;
	struct slot *sl;
	void *p;
	size_t i, j;

	if (nclasses == 0 || grace < 0 || grace > 86400)
		return -1;
	if (reclass_prepare(a, &rc, classes, nclasses) < 0) {
		reclass_free(&rc);
		return -1;
	}
	for (i = 0; i < AGG_OPEN_MAX; i++) {
		sl = &a->slots[i];
		for (j = 0; sl->open && j < sl->nrows; j++) {
			sl->rows[j].cls = rc.map[sl->rows[j].cls];
			rc.index[i][sl->rows[j].cls * NCC +
			    cc_index(sl->rows[j].cc)] = (int32_t)j;
		}
		p = sl->index;
		sl->index = rc.index[i];
		rc.index[i] = p;
	}
	p = a->names;
	a->names = rc.names;
	rc.names = p;
	p = a->rank;
	a->rank = rc.rank;
	rc.rank = p;
	a->nnames = rc.n;
	a->nclasses = nclasses;
	a->grace_us = (int64_t)(grace * 1e6);
	a->next_cut_us = INT64_MIN;	/* the cutoff moves with the grace */
	reclass_free(&rc);
	return 0;
}

void
agg_get_stats(const struct agg *a, struct agg_stats *st)
{
	*st = a->st;
}

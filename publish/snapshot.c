/*
 * snapshot.c - the history behind the snapshot service (snapshot.h).
 *
 * A ring of pointers to messages, oldest first: the first "visible" ones
 * are committed minutes, the rest belong to the minute being built.  The
 * ring doubles when full; at the byte bound that is a few hundred thousand
 * entries at most.  Seqs and minute_ts only grow along the ring (a minute
 * that goes back in time empties it first), so lookups are binary
 * searches and a reader holding a seq, not an index, survives eviction.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

#define SNAP_RING_MIN	64

struct snap {
	struct snap_msg	**ring;
	size_t		  cap;		/* a power of two */
	size_t		  head;		/* index of the oldest */
	size_t		  n;		/* messages in the ring */
	size_t		  visible;	/* of which committed */
	size_t		  bytes;
	size_t		  max_bytes;
	int64_t		  max_age;
	uint64_t	  evicted;	/* minutes */
};

struct snap *
snap_new(int64_t max_age_s, size_t max_bytes)
{
	struct snap *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->max_age = max_age_s;
	s->max_bytes = max_bytes;
	return s;
}

static struct snap_msg *
snap_at(const struct snap *s, size_t i)
{
	return s->ring[(s->head + i) & (s->cap - 1)];
}

static size_t
snap_size(const struct snap_msg *m)
{
	return m->topic_len + m->payload_len;
}

void
snap_free(struct snap *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(snap_at(s, i));
	free(s->ring);
	free(s);
}

/* Room for one more; keeps the order of the ring. */
static int
snap_grow(struct snap *s)
{
	struct snap_msg **r;
	size_t i, ncap;

	if (s->n < s->cap)
		return 0;
	ncap = s->cap == 0 ? SNAP_RING_MIN : s->cap * 2;
	if (ncap > SIZE_MAX / sizeof(*r) ||
	    (r = malloc(ncap * sizeof(*r))) == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		r[i] = snap_at(s, i);
	free(s->ring);
	s->ring = r;
	s->cap = ncap;
	s->head = 0;
	return 0;
}

int
snap_add(struct snap *s, int64_t minute_ts, uint64_t seq, const char *topic,
    const char *payload)
{
	size_t tl = strlen(topic), pl = strlen(payload);
	struct snap_msg *m;
	char *d;

	if (snap_grow(s) == -1 || pl > SIZE_MAX - sizeof(*m) - tl - 2 ||
	    (m = malloc(sizeof(*m) + tl + pl + 2)) == NULL)
		return -1;
	m->minute_ts = minute_ts;
	m->seq = seq;
	m->topic_len = tl;
	m->payload_len = pl;
	d = m->data;
	memcpy(d, topic, tl + 1);
	memcpy(d + tl + 1, payload, pl + 1);
	m->topic = d;
	m->payload = d + tl + 1;
	s->ring[(s->head + s->n) & (s->cap - 1)] = m;
	s->n++;
	s->bytes += snap_size(m);
	return 0;
}

/* Drop the oldest committed minute, all its messages. */
static void
snap_evict_minute(struct snap *s)
{
	struct snap_msg *m;
	int64_t ts = snap_at(s, 0)->minute_ts;

	while (s->visible > 0 && (m = snap_at(s, 0))->minute_ts == ts) {
		s->bytes -= snap_size(m);
		free(m);
		s->head = (s->head + 1) & (s->cap - 1);
		s->n--;
		s->visible--;
	}
	s->evicted++;
}

void
snap_commit(struct snap *s)
{
	int64_t ts;

	if (s->n == s->visible)
		return;
	ts = snap_at(s, s->n - 1)->minute_ts;
	/* Packet time went back: what is kept no longer sorts before. */
	while (s->visible > 0 &&
	    snap_at(s, s->visible - 1)->minute_ts >= ts)
		snap_evict_minute(s);
	s->visible = s->n;
	while (s->visible > 0 && (s->bytes > s->max_bytes ||
	    ts - snap_at(s, 0)->minute_ts >= s->max_age))
		snap_evict_minute(s);
}

void
snap_abort(struct snap *s)
{
	struct snap_msg *m;

	while (s->n > s->visible) {
		m = snap_at(s, s->n - 1);
		s->bytes -= snap_size(m);
		free(m);
		s->n--;
	}
}

size_t
snap_count(const struct snap *s)
{
	return s->visible;
}

const struct snap_msg *
snap_get(const struct snap *s, size_t i)
{
	return i < s->visible ? snap_at(s, i) : NULL;
}

size_t
snap_find(const struct snap *s, uint64_t seq, int64_t minute_ts)
{
	const struct snap_msg *m;
	size_t lo = 0, hi = s->visible, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		m = snap_at(s, mid);
		if (m->seq < seq || m->minute_ts < minute_ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
snap_bytes(const struct snap *s)
{
	return s->bytes;
}

uint64_t
snap_evicted(const struct snap *s)
{
	return s->evicted;
}

/*
 * truth.c - exact per-minute counts for a simulated capture.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "truth.h"

#define TRUTH_HEADER "minute_utc,class,country,requests,tls_handshakes,clients"

struct hit {
	int64_t		minute;		/* UTC seconds, multiple of 60 */
	unsigned	rank;		/* class position in strcmp order */
	unsigned	cls;
	char		cc[3];
	bool		tls;
	struct ip_addr	client;
};

struct truth {
	FILE			*fp;
	char			 path[256];
	const char *const	*classes;
	unsigned		*rank;
	size_t			 nclasses;
	struct hit		*v;
	size_t			 n, cap;
	bool			 failed;
	int			 errnum;
	struct truth_stats	 st;
};

static int64_t
floor_minute(int64_t ts_us)
{
	int64_t s = ts_us / 1000000;

	if (ts_us % 1000000 < 0)
		s--;
	return s - ((s % 60) + 60) % 60;
}

struct truth *
truth_open(const char *path, const char *const *classes, size_t nclasses,
    char *err, size_t errcap)
{
	struct truth *t;
	size_t i, j;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->rank = calloc(nclasses, sizeof(*t->rank))) == NULL) {
		snprintf(err, errcap, "%s: %s", path ? path : "truth",
		    strerror(errno));
		free(t);
		return NULL;
	}
	t->classes = classes;
	t->nclasses = nclasses;
	for (i = 0; i < nclasses; i++)
		for (j = 0; j < nclasses; j++)
			if (strcmp(classes[j], classes[i]) < 0)
				t->rank[i]++;
	if (path == NULL)
		return t;
	snprintf(t->path, sizeof(t->path), "%s", path);
	if ((t->fp = fopen(path, "w")) == NULL ||
	    fprintf(t->fp, "%s\n", TRUTH_HEADER) < 0) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		if (t->fp != NULL)
			fclose(t->fp);
		free(t->rank);
		free(t);
		return NULL;
	}
	return t;
}

int
truth_add(struct truth *t, int64_t ts_us, unsigned cls, const char cc[3],
    bool tls, const struct ip_addr *client)
{
	struct hit *h;

	if (t->n == t->cap) {
		size_t ncap = t->cap != 0 ? t->cap * 2 : 4096;

		if ((h = realloc(t->v, ncap * sizeof(*h))) == NULL)
			return -1;
		t->v = h;
		t->cap = ncap;
	}
	h = &t->v[t->n++];
	memset(h, 0, sizeof(*h));
	h->minute = floor_minute(ts_us);
	h->cls = cls;
	h->rank = t->rank[cls];
	memcpy(h->cc, cc, 2);
	h->tls = tls;
	h->client = *client;
	if (tls)
		t->st.handshakes++;
	else
		t->st.requests++;
	return 0;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c;

	if (x->minute != y->minute)
		return x->minute < y->minute ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((c = strcmp(x->cc, y->cc)) != 0)
		return c;
	return memcmp(x->client.a, y->client.a, sizeof(x->client.a));
}

static bool
same_row(const struct hit *x, const struct hit *y)
{
	return x->minute == y->minute && x->cls == y->cls &&
	    strcmp(x->cc, y->cc) == 0;
}

static void
write_row(struct truth *t, const struct hit *h, uint64_t req, uint64_t tls,
    uint64_t clients)
{
	char when[32];
	time_t s = (time_t)h->minute;
	struct tm tm;

	t->st.rows++;
	if (t->fp == NULL || t->failed)
		return;
	gmtime_r(&s, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (fprintf(t->fp, "%s,%s,%s,%llu,%llu,%llu\n", when,
	    t->classes[h->cls], h->cc, (unsigned long long)req,
	    (unsigned long long)tls, (unsigned long long)clients) < 0) {
		t->failed = true;
		t->errnum = errno;
	}
}

/* Rows of the sorted hits v[0..n-1]. */
static void
write_rows(struct truth *t, const struct hit *v, size_t n)
{
	uint64_t req = 0, tls = 0, clients = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && !same_row(&v[i - 1], &v[i])) {
			write_row(t, &v[i - 1], req, tls, clients);
			req = tls = clients = 0;
		}
		if (v[i].tls)
			tls++;
		else
			req++;
		if (i == 0 || !same_row(&v[i - 1], &v[i]) ||
		    !addr_equal(&v[i - 1].client, &v[i].client))
			clients++;
	}
	if (n > 0)
		write_row(t, &v[n - 1], req, tls, clients);
}

int
truth_flush(struct truth *t, int64_t before_us)
{
	size_t i, n;

	if (t->n == 0)
		return t->failed ? -1 : 0;
	qsort(t->v, t->n, sizeof(*t->v), hit_cmp);
	for (n = 0; n < t->n && t->v[n].minute * 1000000 < before_us; n++)
		;
	write_rows(t, t->v, n);
	for (i = n; i < t->n; i++)
		t->v[i - n] = t->v[i];
	t->n -= n;
	return t->failed ? -1 : 0;
}

/* Write everything; failures are sticky in t->failed. */
static int
truth_flush_all(struct truth *t)
{
	return truth_flush(t, INT64_MAX);
}

void
truth_get_stats(const struct truth *t, struct truth_stats *st)
{
	*st = t->st;
}

int
truth_close(struct truth *t, char *err, size_t errcap)
{
	int rc;

	(void)truth_flush_all(t);
	if (t->fp != NULL && (fflush(t->fp) != 0 || ferror(t->fp))) {
		if (!t->failed)
			t->errnum = errno;
		t->failed = true;
	}
	if (t->fp != NULL && fclose(t->fp) != 0 && !t->failed) {
		t->failed = true;
		t->errnum = errno;
	}
	rc = t->failed ? -1 : 0;
	if (rc == -1)
		snprintf(err, errcap, "%s: %s", t->path,
		    strerror(t->errnum != 0 ? t->errnum : EIO));
	free(t->v);
	free(t->rank);
	free(t);
	return rc;
}

/* ---- arrival of a connection's client bytes ---- */

void
truth_stream_init(struct truth_stream *ts)
{
	memset(ts, 0, sizeof(*ts));
}

void
truth_stream_fini(struct truth_stream *ts)
{
	free(ts->v);
	free(ts->pend);
	memset(ts, 0, sizeof(*ts));
}

void
truth_stream_reset(struct truth_stream *ts, uint64_t anchor)
{
	ts->n = 0;
	ts->anchor = anchor;
	ts->sorted = true;
}

int
truth_stream_arrive(struct truth_stream *ts, int64_t t, uint64_t off,
    size_t len)
{
	struct truth_arrival *v;
	size_t *p, ncap;

	if (len == 0)
		return 0;
	if (ts->n == ts->cap) {
		ncap = ts->cap != 0 ? ts->cap * 2 : 64;
		if ((v = realloc(ts->v, ncap * sizeof(*v))) == NULL)
			return -1;
		ts->v = v;
		if ((p = realloc(ts->pend, ncap * sizeof(*p))) == NULL)
			return -1;
		ts->pend = p;
		ts->cap = ncap;
	}
	if (ts->n > 0 && t < ts->v[ts->n - 1].ts)
		ts->sorted = false;
	ts->v[ts->n] = (struct truth_arrival){ off, off + len, t, ts->n };
	ts->n++;
	return 0;
}

static int
arrival_cmp(const void *a, const void *b)
{
	const struct truth_arrival *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

/*
 * Move *cov over the held out-of-order arrivals that now touch it, as a
 * reassembler drains its queue; those are dropped from pend.
 */
static void
drain_pending(const struct truth_stream *ts, size_t *npend, uint64_t *cov)
{
	const struct truth_arrival *a;
	bool moved = true;
	size_t i;

	while (moved) {
		moved = false;
		for (i = 0; i < *npend; ) {
			a = &ts->v[ts->pend[i]];
			if (a->from > *cov) {
				i++;
				continue;
			}
			if (a->to > *cov) {
				*cov = a->to;
				moved = true;
			}
			ts->pend[i] = ts->pend[--*npend];
		}
	}
}

bool
truth_stream_done(struct truth_stream *ts, uint64_t end, int64_t *when)
{
	const struct truth_arrival *a;
	uint64_t cov = ts->anchor;
	size_t i, npend = 0;

	if (end <= ts->anchor)
		return false;
	if (!ts->sorted) {
		qsort(ts->v, ts->n, sizeof(*ts->v), arrival_cmp);
		ts->sorted = true;
	}
	for (i = 0; i < ts->n; i++) {
		a = &ts->v[i];
		if (a->to <= cov)
			continue;
		if (a->from > cov) {
			ts->pend[npend++] = i;
			continue;
		}
		cov = a->to;
		if (npend > 0)
			drain_pending(ts, &npend, &cov);
		if (cov >= end) {
			*when = a->ts;
			return true;
		}
	}
	return false;
}

/*
 * alert.c - surge alerts (see alert.h).
 *
 * Each class keeps a ring of its last window + minutes + 1 minutes: the
 * newest `window` of them make the rate tested, and the oldest one is the
 * minute the baseline learns from next.  So the baseline lags the test by
 * the minutes that could be part of a surge in progress, and a surge has
 * to be over before it is learnt (slowly, while an alert is open).
 *
 * The mean and variance are the exponentially weighted ones of Finch,
 * "Incremental calculation of weighted mean and variance" (2009), section
 * 9; during the first minutes the weight is 1/n rather than alpha, so the
 * first hour is a plain average instead of a guess biased to the first
 * minute.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

#define ALERT_REST	ALERT_SLOTS	/* slot of the countries not followed */

struct alert_slot {
	char		 cc[3];		/* "" when free (never for the rest) */
	double		 mean;		/* hits per minute */
	uint64_t	 during;	/* hits since the alert was raised */
	uint32_t	*ring;		/* hits per minute, class ring order */
};

struct alert_class {
	char		 name[CONFIG_CLASS_MAX + 1];
	double		 mean, var;	/* of capped hits per minute */
	uint64_t	 learnt;	/* minutes the baseline has learnt */
	uint64_t	 seen;		/* minutes in the ring so far */
	size_t		 head;		/* ring index of the newest minute */
	uint32_t	*raw;		/* hits per minute */
	double		*capped;	/* the same, capped for the test */
	uint32_t	 now[ALERT_SLOTS + 1];	/* this minute, per slot */
	unsigned	 above, below;	/* minutes in a row */
	int		 open;
	int64_t		 since;
	double		 raised_mean;	/* the baseline when raised */
	double		 raised_rate;
	uint64_t	 during, minutes_during;
	struct alert_slot slots[ALERT_SLOTS + 1];
};

struct alert {
	struct alert_config	 cfg;
	size_t			 ring;	/* window + minutes + 1 */
	double			 alpha;
	struct alert_class	*cls[ALERT_CLASSES_MAX];
	size_t			 ncls;
	int64_t			 last;	/* last minute fed; INT64_MIN: none */
	alert_emit_fn		 emit;
	void			*arg;
};

void
alert_config_default(struct alert_config *ac)
{
	ac->multiple = CONFIG_ALERT_MULTIPLE;
	ac->minutes = CONFIG_ALERT_MINUTES;
	ac->min_rate = CONFIG_ALERT_MIN_RATE;
	ac->half_life = CONFIG_ALERT_HALF_LIFE;
	ac->window = CONFIG_ALERT_WINDOW;
	ac->clear = CONFIG_ALERT_CLEAR;
	ac->warmup = CONFIG_ALERT_WARMUP;
}

struct alert *
alert_new(const struct alert_config *ac)
{
	struct alert *a;

	if (ac->multiple < 1 || ac->min_rate < 0 || ac->half_life < 1 ||
	    ac->window < 1 || ac->window > CONFIG_ALERT_MINUTES_MAX ||
	    ac->minutes < 1 || ac->minutes > CONFIG_ALERT_MINUTES_MAX ||
	    ac->clear < 1)
		return NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->cfg = *ac;
	a->ring = (size_t)ac->window + ac->minutes + 1;
	a->alpha = 1 - pow(0.5, 1.0 / ac->half_life);
	a->last = INT64_MIN;
	return a;
}

static void
alert_class_free(struct alert_class *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i <= ALERT_SLOTS; i++)
		free(c->slots[i].ring);
	free(c->raw);
	free(c->capped);
	free(c);
}

/* Forget every class (time went back, or a long silence). */
static void
alert_reset(struct alert *a)
{
	size_t i;

	for (i = 0; i < a->ncls; i++)
		alert_class_free(a->cls[i]);
	a->ncls = 0;
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	alert_reset(a);
	free(a);
}

static struct alert_class *
alert_class_new(const struct alert *a, const char *name)
{
	struct alert_class *c;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->raw = calloc(a->ring, sizeof(*c->raw));
	c->capped = calloc(a->ring, sizeof(*c->capped));
	if (c->raw == NULL || c->capped == NULL)
		goto fail;
	for (i = 0; i <= ALERT_SLOTS; i++)
		if ((c->slots[i].ring = calloc(a->ring,
		    sizeof(*c->slots[i].ring))) == NULL)
			goto fail;
	c->head = a->ring - 1;
	return c;
fail:
	alert_class_free(c);
	return NULL;
}

/* The class named name, added if new; NULL when full or out of memory. */
static struct alert_class *
alert_class_get(struct alert *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->ncls; i++)
		if (strcmp(a->cls[i]->name, name) == 0)
			return a->cls[i];
	if (a->ncls == ALERT_CLASSES_MAX ||
	    (a->cls[a->ncls] = alert_class_new(a, name)) == NULL)
		return NULL;
	return a->cls[a->ncls++];
}

static uint64_t
alert_slot_total(const struct alert *a, const struct alert_slot *s)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < a->ring; i++)
		t += s->ring[i];
	return t;
}

/*
 * The slot of country cc: its own, a free one, or the quietest one's,
 * whose history goes to the rest first.  Never fails.
 */
static size_t
alert_slot_get(const struct alert *a, struct alert_class *c, const char *cc)
{
	struct alert_slot *s, *rest = &c->slots[ALERT_REST];
	size_t i, victim = 0;
	double w, least = HUGE_VAL;

	for (i = 0; i < ALERT_SLOTS; i++) {
		s = &c->slots[i];
		if (s->cc[0] == '\0' || strcmp(s->cc, cc) == 0)
			break;
		w = s->mean + (double)alert_slot_total(a, s);
		if (w < least) {
			least = w;
			victim = i;
		}
	}
	if (i < ALERT_SLOTS) {
		if (c->slots[i].cc[0] == '\0')
			memcpy(c->slots[i].cc, cc, 3);
		return i;
	}
	s = &c->slots[victim];
	rest->mean += s->mean;
	rest->during += s->during;
	for (i = 0; i < a->ring; i++)
		rest->ring[i] += s->ring[i];
	/* The minute being gathered, too. */
	c->now[ALERT_REST] += c->now[victim];
	c->now[victim] = 0;
	memset(s->ring, 0, a->ring * sizeof(*s->ring));
	s->mean = 0;
	s->during = 0;
	memcpy(s->cc, cc, 3);
	return victim;
}

static double
alert_threshold(const struct alert *a, const struct alert_class *c)
{
	double t = a->cfg.multiple * c->mean, s;

	s = c->mean + ALERT_SPREAD_K * sqrt(c->var / a->cfg.window);
	if (s > t)
		t = s;
	return t > a->cfg.min_rate ? t : a->cfg.min_rate;
}

/* Ring index of the minute `back` minutes before the newest. */
static size_t
alert_at(const struct alert *a, const struct alert_class *c, size_t back)
{
	return (c->head + a->ring - back) % a->ring;
}

/* The baseline learns the oldest minute of the ring. */
static void
alert_learn(struct alert *a, struct alert_class *c)
{
	size_t old = alert_at(a, c, a->ring - 1), i;
	double w = a->alpha, x, d, inc;

	c->learnt++;
	if (w < 1.0 / (double)c->learnt)
		w = 1.0 / (double)c->learnt;
	if (c->open)
		w /= ALERT_SLOW;
	x = c->capped[old];
	d = x - c->mean;
	inc = w * d;
	c->mean += inc;
	c->var = (1 - w) * (c->var + d * inc);
	for (i = 0; i <= ALERT_SLOTS; i++)
		c->slots[i].mean += w * ((double)c->slots[i].ring[old] -
		    c->slots[i].mean);
}

/* Rates of the last window: capped total of the class, and per slot. */
static double
alert_window(const struct alert *a, const struct alert_class *c,
    double *raw, double cur[ALERT_SLOTS + 1])
{
	double capped = 0;
	size_t k, j, i;

	*raw = 0;
	for (i = 0; i <= ALERT_SLOTS; i++)
		cur[i] = 0;
	for (k = 0; k < a->cfg.window; k++) {
		j = alert_at(a, c, k);
		capped += c->capped[j];
		*raw += c->raw[j];
		for (i = 0; i <= ALERT_SLOTS; i++)
			cur[i] += c->slots[i].ring[j];
	}
	for (i = 0; i <= ALERT_SLOTS; i++)
		cur[i] /= a->cfg.window;
	*raw /= a->cfg.window;
	return capped / a->cfg.window;
}

size_t
alert_shares(const char (*cc)[3], const double *base, const double *cur,
    size_t n, double rest_base, double rest_cur, struct alert_country *out,
    size_t max)
{
	double sum = 0, inc;
	size_t i, k, m = 0;
	struct alert_country t;

	if (rest_cur > rest_base)
		sum += rest_cur - rest_base;
	for (i = 0; i < n; i++)
		if (cur[i] > base[i])
			sum += cur[i] - base[i];
	if (sum <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if ((inc = cur[i] - base[i]) <= 0)
			continue;
		memcpy(t.cc, cc[i], 3);
		t.share = inc / sum;
		/* Insertion into the sorted top max. */
		for (k = m; k > 0 && (out[k - 1].share < t.share ||
		    (out[k - 1].share == t.share &&
		    strcmp(out[k - 1].cc, t.cc) > 0)); k--)
			if (k < max)
				out[k] = out[k - 1];
		if (k < max) {
			out[k] = t;
			if (m < max)
				m++;
		}
	}
	return m;
}

/* Countries of an event: current rates cur[] against the slot baselines. */
static void
alert_event_countries(const struct alert_class *c,
    const double cur[ALERT_SLOTS + 1], struct alert_event *ev)
{
	char cc[ALERT_SLOTS][3];
	double base[ALERT_SLOTS], now[ALERT_SLOTS];
	size_t i, n = 0;

	for (i = 0; i < ALERT_SLOTS; i++) {
		if (c->slots[i].cc[0] == '\0')
			continue;
		memcpy(cc[n], c->slots[i].cc, 3);
		base[n] = c->slots[i].mean;
		now[n++] = cur[i];
	}
	ev->ncountries = alert_shares((const char (*)[3])cc, base, now, n,
	    c->slots[ALERT_REST].mean, cur[ALERT_REST], ev->countries,
	    ALERT_TOP);
	while (ev->ncountries > 0 &&
	    ev->countries[ev->ncountries - 1].share < ALERT_SHARE_MIN)
		ev->ncountries--;
}

/* An event about the whole alert: ALERT_CLEARED or ALERT_OPEN. */
static void
alert_emit_end(struct alert *a, struct alert_class *c,
    enum alert_kind kind, int64_t minute, double rate)
{
	double cur[ALERT_SLOTS + 1], n = (double)c->minutes_during;
	struct alert_event ev;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.cls = c->name;
	ev.minute = minute;
	ev.since = c->since;
	ev.rate = rate;
	ev.baseline = c->raised_mean;
	ev.raised_rate = c->raised_rate;
	ev.threshold = alert_threshold(a, c);
	if (n < 1)
		n = 1;
	ev.mean_rate = (double)c->during / n;
	for (i = 0; i <= ALERT_SLOTS; i++)
		cur[i] = (double)c->slots[i].during / n;
	alert_event_countries(c, cur, &ev);
	a->emit(a->arg, &ev);
}

static void
alert_raise(struct alert *a, struct alert_class *c, int64_t minute,
    double rate, const double cur[ALERT_SLOTS + 1], double thr)
{
	struct alert_event ev;
	size_t i;

	c->open = 1;
	c->below = 0;
	c->since = minute;
	c->raised_mean = c->mean;
	c->raised_rate = rate;
	/* The alert's own minute is its first. */
	c->during = c->raw[c->head];
	c->minutes_during = 1;
	for (i = 0; i <= ALERT_SLOTS; i++)
		c->slots[i].during = c->slots[i].ring[c->head];
	memset(&ev, 0, sizeof(ev));
	ev.kind = ALERT_RAISED;
	ev.cls = c->name;
	ev.minute = ev.since = minute;
	ev.rate = ev.mean_rate = ev.raised_rate = rate;
	ev.baseline = c->mean;
	ev.threshold = thr;
	alert_event_countries(c, cur, &ev);
	a->emit(a->arg, &ev);
}

/* The class's minute is in c->now[] and total; test and learn. */
static void
alert_class_minute(struct alert *a, struct alert_class *c, int64_t minute,
    uint64_t total)
{
	double thr = alert_threshold(a, c), cap, capped, rate;
	double cur[ALERT_SLOTS + 1];
	size_t i;

	c->head = (c->head + 1) % a->ring;
	c->raw[c->head] = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	cap = ALERT_CAP * thr;
	c->capped[c->head] = c->learnt > 0 && (double)total > cap ? cap :
	    (double)total;
	for (i = 0; i <= ALERT_SLOTS; i++) {
		c->slots[i].ring[c->head] = c->now[i];
		c->slots[i].during += c->open ? c->now[i] : 0;
		c->now[i] = 0;
	}
	if (c->open) {
		c->during += total;
		c->minutes_during++;
	}
	if (++c->seen >= a->ring && !(c->above > 0 && !c->open))
		alert_learn(a, c);
	if (c->learnt < a->cfg.warmup || c->learnt == 0)
		return;
	thr = alert_threshold(a, c);
	capped = alert_window(a, c, &rate, cur);
	if (!c->open) {
		c->above = capped > thr ? c->above + 1 : 0;
		if (c->above >= a->cfg.minutes)
			alert_raise(a, c, minute, rate, cur, thr);
		return;
	}
	/* Halfway down, so that a surge hovering at the bar stays one. */
	c->below = capped > (c->mean + thr) / 2 ? 0 : c->below + 1;
	if (c->below >= a->cfg.clear) {
		alert_emit_end(a, c, ALERT_CLEARED, minute, rate);
		c->open = 0;
		c->above = 0;
	}
}

/* Feed one minute to every class: rows (sorted by class) or silence. */
static void
alert_feed(struct alert *a, int64_t minute, const struct agg_row *rows,
    size_t nrows)
{
	uint64_t totals[ALERT_CLASSES_MAX];
	struct alert_class *c;
	size_t i, k, slot;
	uint64_t hits;

	memset(totals, 0, sizeof(totals));
	for (i = 0; i < nrows; i++) {
		hits = rows[i].requests + rows[i].tls_handshakes;
		if (hits == 0 ||
		    (c = alert_class_get(a, rows[i].cls_name)) == NULL)
			continue;
		for (k = 0; a->cls[k] != c; k++)
			continue;
		totals[k] += hits;
		slot = alert_slot_get(a, c, rows[i].cc);
		c->now[slot] = c->now[slot] + hits > UINT32_MAX ? UINT32_MAX :
		    c->now[slot] + (uint32_t)hits;
	}
	for (k = 0; k < a->ncls; k++)
		alert_class_minute(a, a->cls[k], minute, totals[k]);
}

/* Close the open alerts (time went back, or a long silence). */
static void
alert_end_all(struct alert *a, enum alert_kind kind)
{
	double cur[ALERT_SLOTS + 1], rate;
	struct alert_class *c;
	size_t k;

	for (k = 0; k < a->ncls; k++) {
		c = a->cls[k];
		if (!c->open)
			continue;
		(void)alert_window(a, c, &rate, cur);
		alert_emit_end(a, c, kind, a->last, rate);
		if (kind == ALERT_CLEARED)
			c->open = 0;
	}
}

void
alert_minute(struct alert *a, const struct agg_minute *m,
    alert_emit_fn emit, void *arg)
{
	int64_t t;

	a->emit = emit;
	a->arg = arg;
	if (a->last != INT64_MIN && (m->minute <= a->last ||
	    (m->minute - a->last) / 60 > ALERT_GAP_MAX)) {
		alert_end_all(a, ALERT_CLEARED);
		alert_reset(a);
		a->last = INT64_MIN;
	}
	/* Minutes without traffic are not emitted by agg: zero here. */
	if (a->last != INT64_MIN)
		for (t = a->last + 60; t < m->minute; t += 60)
			alert_feed(a, t, NULL, 0);
	alert_feed(a, m->minute, m->rows, m->nrows);
	a->last = m->minute;
}

void
alert_finish(struct alert *a, alert_emit_fn emit, void *arg)
{
	a->emit = emit;
	a->arg = arg;
	alert_end_all(a, ALERT_OPEN);
}

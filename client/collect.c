/*
 * collect.c - `originstat collect`: merge several sensors into one stream.
 *
 * One thread per sensor runs the subscriber core (sub.c), which already
 * delivers each of that sensor's minutes exactly once and oldest first,
 * filling gaps and restarts from the sensor's snapshot service.  Its
 * callback decodes the rows' sketches (hll_codec.h) and queues the minute;
 * the main thread owns everything else - the merge, the publisher
 * (publish/pub.c), the CSV (publish/csv.c) - so only the queue is shared.
 *
 * When a merged minute closes: when every sensor has delivered it or a
 * later minute (a sensor delivers in order, so it will not send it any
 * more), or --timeout seconds after its first data arrived.  A sensor that
 * made a minute time out is "silent" and no longer waited for, so one dead
 * sensor delays each minute once, not forever; it is waited for again
 * once it has caught up.  Minutes close in order, so the republished
 * stream is in minute order like a sensor's.
 *
 * Data from a silent sensor for a minute already published is merged into
 * the minute (kept while some sensor is behind it, at most COLLECT_KEEP
 * minutes) and the whole minute is published again with "correction":true
 * (docs/wire.md).  The CSV and the snapshot history keep the values first
 * published, which is what any `originstat csv` following the collector
 * writes too.
 *
 * Never counted twice: a sensor's minutes reach the merge once each (sub.c
 * keeps to increasing minute_ts across its restarts and snapshots), and two
 * endpoints that turn out to be the same sensor (same name) are merged
 * once: the second one's minutes are dropped, with a warning.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "collect.h"
#include "config.h"
#include "csv.h"
#include "hll.h"
#include "hll_codec.h"
#include "pub.h"
#include "sub.h"

#define COLLECT_SENSORS_MAX	64
#define COLLECT_KEEP		1440	/* closed minutes kept, corrections */
#define COLLECT_OPEN_MAX	1440	/* open minutes; beyond, oldest go */
#define COLLECT_NAME_MAX	63
#define COLLECT_TICK_MS		100

/* One merged (class, country) row. */
struct collect_row {
	char		 cls[CONFIG_CLASS_MAX + 1];
	char		 cc[3];
	uint64_t	 requests;
	uint64_t	 tls_handshakes;
	uint64_t	 extra;		/* clients of rows without a sketch */
	struct hll	 sk;
};

/* A minute of one sensor, or the merge of several. */
struct collect_minute {
	int64_t			 ts;
	int64_t			 first_ms;	/* first data, monotonic */
	unsigned		 sensor;	/* queued: who sent it */
	char			 name[COLLECT_NAME_MAX + 1];
	struct collect_row	*rows;		/* sorted by class, country */
	size_t			 nrows, cap;
	unsigned char		 seen[COLLECT_SENSORS_MAX];
	struct collect_minute	*next;		/* queue */
};

struct collect;

struct collect_sensor {
	struct collect	*c;
	unsigned	 idx;
	const char	*endpoint;
	struct sub_opts	 opts;
	pthread_t	 thread;
	int		 started;
	char		 prog[96];
	/* Main thread only. */
	int64_t		 last;		/* last minute merged, or SUB_NONE */
	char		 name[COLLECT_NAME_MAX + 1];
	int		 silent;
	int		 duplicate;	/* same name as an earlier sensor */
	/* Under c->lock. */
	int		 done;
	int		 rc;
};

struct collect {
	const char		*prog;
	struct collect_sensor	 sensors[COLLECT_SENSORS_MAX];
	unsigned		 nsensors;
	int64_t			 timeout_ms;
	int64_t			 stats_ms;
	struct pub		*pub;
	struct csv_out		*csv;
	struct curve_client	 cc;		/* to the sensors */
	struct curve_server	 cs;		/* of --publish */

	pthread_mutex_t		 lock;
	struct collect_minute	*queue, *queue_tail;

	struct collect_minute	**open;		/* by ts, increasing */
	size_t			 nopen;
	struct collect_minute	**kept;		/* closed, by ts */
	size_t			 nkept;
	int64_t			 frontier;	/* newest closed, or SUB_NONE */
	struct stats		 st;
};

static volatile sig_atomic_t collect_stop;

static void
collect_signal(int sig)
{
	(void)sig;
	collect_stop = 1;
}

static int64_t
collect_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
collect_wall_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
collect_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: originstat collect --connect EP [--connect EP ...]\n"
	    "           [--publish EP] [--csv FILE] [--timeout S]\n"
	    "           [--sensor NAME] [--stats-interval S]\n"
	    "\n"
	    "Follow several originstatd sensors and merge their counts by\n"
	    "minute, class and country: requests and TLS handshakes summed,\n"
	    "distinct clients united (a client seen by two sensors counts\n"
	    "once).  The result is published as an originstatd would, so\n"
	    "`originstat tail` and `originstat csv` follow a collector too.\n"
	    "\n"
	    "  -c, --connect EP        a sensor's --publish endpoint; repeat\n"
	    "                          for each sensor (at most 64)\n"
	    "  -p, --publish EP        bind the merged stream here (snapshot\n"
	    "                          service at port + 1, as originstatd)\n"
	    "  -o, --csv FILE          append the merged minutes as CSV, the\n"
	    "                          format of originstatd --csv (\"-\":\n"
	    "                          standard output)\n"
	    "  -t, --timeout S         close a minute S seconds after its\n"
	    "                          first data even if a sensor has not\n"
	    "                          sent it\n"
	    "                          (default 30); late data is published\n"
	    "                          as a correction\n"
	    "  -n, --sensor NAME       sensor name of the merged stream\n"
	    "                          (default \"collector\")\n"
	    "  -i, --stats-interval S  seconds between stats messages\n"
	    "                          (default 5)\n"
	    "      --curve-server-key KEY  CurveZMQ: the sensors' public\n"
	    "                          key, Z85 or a file holding it\n"
	    "      --curve-key FILE    CurveZMQ: our secret key file, to\n"
	    "                          the sensors\n"
	    "      --curve-secret FILE CurveZMQ on --publish: its secret key\n"
	    "      --curve-allow FILE  and the subscribers' public keys\n"
	    "  -h, --help              this text\n"
	    "\n"
	    "It runs until SIGINT or SIGTERM, then publishes the minutes\n"
	    "still open.  Exit status: 0 stopped by a signal, 64 usage, 69 cannot\n"
	    "bind the endpoint, 73 cannot create the CSV.\n");
}

/* ---------------------------------------------------------------- */
/* Minutes and rows                                                 */

static void
collect_minute_free(struct collect_minute *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrows; i++)
		hll_fini(&m->rows[i].sk);
	free(m->rows);
	free(m);
}

static int
collect_row_cmp(const char *cls, const char *cc, const struct collect_row *r)
{
	int c;

	if ((c = strcmp(cls, r->cls)) != 0)
		return c;
	return strcmp(cc, r->cc);
}

/*
 * The row (cls, cc) of m, created empty in its sorted place if new.
 * NULL when memory runs out.
 */
static struct collect_row *
collect_row_get(struct collect_minute *m, const char *cls, const char *cc)
{
	size_t lo = 0, hi = m->nrows, mid, ncap;
	struct collect_row *r;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = collect_row_cmp(cls, cc, &m->rows[mid])) == 0)
			return &m->rows[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (m->nrows == m->cap) {
		ncap = m->cap == 0 ? 16 : m->cap * 2;
		if ((r = realloc(m->rows, ncap * sizeof(*r))) == NULL)
			return NULL;
		m->rows = r;
		m->cap = ncap;
	}
	memmove(&m->rows[lo + 1], &m->rows[lo],
	    (m->nrows - lo) * sizeof(m->rows[0]));
	m->nrows++;
	r = &m->rows[lo];
	memset(r, 0, sizeof(*r));
	snprintf(r->cls, sizeof(r->cls), "%s", cls);
	snprintf(r->cc, sizeof(r->cc), "%s", cc);
	hll_init(&r->sk);
	return r;
}

/* Add src's counts to dst; src's sketch may be taken over. */
static int
collect_row_add(struct collect_row *dst, struct collect_row *src,
    int fresh)
{
	dst->requests += src->requests;
	dst->tls_handshakes += src->tls_handshakes;
	dst->extra += src->extra;
	if (fresh) {
		dst->sk = src->sk;
		hll_init(&src->sk);
		return 0;
	}
	return hll_merge(&dst->sk, &src->sk);
}

/* Merge every row of src into dst.  0, or -1 when memory ran out. */
static int
collect_merge_rows(struct collect_minute *dst, struct collect_minute *src)
{
	struct collect_row *r;
	size_t i, before;
	int rc = 0;

	for (i = 0; i < src->nrows; i++) {
		before = dst->nrows;
		if ((r = collect_row_get(dst, src->rows[i].cls,
		    src->rows[i].cc)) == NULL) {
			rc = -1;
			continue;
		}
		if (collect_row_add(r, &src->rows[i],
		    dst->nrows != before) == -1)
			rc = -1;
	}
	return rc;
}

/* ---------------------------------------------------------------- */
/* Sensor threads                                                   */

/* A wire row the merge can hold: names that fit, a two-letter country. */
static int
collect_row_ok(const struct sub_row *r)
{
	return strlen(r->cls) <= CONFIG_CLASS_MAX && strlen(r->cc) == 2 &&
	    (r->requests != 0 || r->tls_handshakes != 0);
}

/*
 * Turn a delivered minute into a queue item, sketches decoded here so the
 * work is spread over the sensor threads.
 */
static struct collect_minute *
collect_item(const struct collect_sensor *s, const struct sub_minute *sm)
{
	struct collect_minute *m;
	struct collect_row *r;
	const struct sub_row *w;
	enum hll_codec_result rc;
	size_t i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->ts = sm->minute_ts;
	m->sensor = s->idx;
	snprintf(m->name, sizeof(m->name), "%s",
	    sm->sensor != NULL ? sm->sensor : "");
	if (sm->nrows > 0 &&
	    (m->rows = calloc(sm->nrows, sizeof(*m->rows))) == NULL) {
		free(m);
		return NULL;
	}
	for (i = 0; i < sm->nrows; i++) {
		w = &sm->rows[i];
		if (!collect_row_ok(w))
			continue;
		r = &m->rows[m->nrows++];
		/* Lengths checked by collect_row_ok. */
		memcpy(r->cls, w->cls, strlen(w->cls) + 1);
		memcpy(r->cc, w->cc, sizeof(r->cc));
		r->requests = w->requests;
		r->tls_handshakes = w->tls_handshakes;
		hll_init(&r->sk);
		if (w->sketch == NULL ||
		    (rc = hll_from_text(w->sketch, strlen(w->sketch),
		    &r->sk)) != HLL_CODEC_OK) {
			/* An older sensor, or a bad sketch: sum instead. */
			r->extra = w->clients;
		}
	}
	m->cap = sm->nrows;
	return m;
}

static int
collect_on_minute(void *arg, const struct sub_minute *sm)
{
	struct collect_sensor *s = arg;
	struct collect *c = s->c;
	struct collect_minute *m;

	if ((m = collect_item(s, sm)) == NULL) {
		fprintf(stderr, "%s: out of memory; minute lost\n", s->prog);
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	if (c->queue_tail != NULL)
		c->queue_tail->next = m;
	else
		c->queue = m;
	c->queue_tail = m;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void *
collect_thread(void *arg)
{
	struct collect_sensor *s = arg;
	int rc = sub_run(&s->opts);

	pthread_mutex_lock(&s->c->lock);
	s->done = 1;
	s->rc = rc;
	pthread_mutex_unlock(&s->c->lock);
	return NULL;
}

/*
 * Start one thread per sensor with SIGINT and SIGTERM blocked, so that
 * signals reach the main thread, which stops them all.
 */
static int
collect_start(struct collect *c)
{
	sigset_t block, old;
	unsigned i;
	int rc = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < c->nsensors; i++) {
		if (pthread_create(&c->sensors[i].thread, NULL,
		    collect_thread, &c->sensors[i]) != 0) {
			fprintf(stderr, "%s: cannot start a thread\n",
			    c->prog);
			rc = -1;
			break;
		}
		c->sensors[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Closing and publishing                                           */

/* Publish or write m: rows as agg_rows, class indexes by name order. */
static int
collect_emit(struct collect *c, const struct collect_minute *m,
    int correction)
{
	struct agg_minute am;
	struct agg_row *rows = NULL;
	const struct collect_row *r;
	unsigned cls = 0;
	size_t i;

	if (m->nrows > 0 && (rows = calloc(m->nrows,
	    sizeof(*rows))) == NULL)
		return -1;
	for (i = 0; i < m->nrows; i++) {
		r = &m->rows[i];
		if (i > 0 && strcmp(r->cls, m->rows[i - 1].cls) != 0)
			cls++;
		rows[i].cls = cls;
		rows[i].cls_name = r->cls;
		memcpy(rows[i].cc, r->cc, sizeof(rows[i].cc));
		rows[i].requests = r->requests;
		rows[i].tls_handshakes = r->tls_handshakes;
		rows[i].clients = hll_count(&r->sk) + r->extra;
		rows[i].sketch = r->extra == 0 ? &r->sk : NULL;
	}
	am.minute = m->ts;
	am.rows = rows;
	am.nrows = m->nrows;
	if (c->pub != NULL) {
		if (correction)
			pub_send_correction(c->pub, &am);
		else
			pub_send_minute(c->pub, &am);
	}
	if (!correction && c->csv != NULL &&
	    csv_write_minute(c->csv, &am) == -1) {
		c->st.csv_errors++;
		fprintf(stderr, "%s: CSV: %s\n", c->prog, strerror(errno));
	}
	free(rows);
	return 0;
}

/* Has every sensor that is waited for delivered ts or a later minute? */
static int
collect_complete(const struct collect *c, int64_t ts, int all)
{
	unsigned i;

	for (i = 0; i < c->nsensors; i++) {
		if (c->sensors[i].duplicate)
			continue;
		if (!all && c->sensors[i].silent)
			continue;
		if (c->sensors[i].last == SUB_NONE ||
		    c->sensors[i].last < ts)
			return 0;
	}
	return 1;
}

static void
collect_minute_name(int64_t ts, char buf[21])
{
	csv_format_minute(ts, buf);
}

/* Mark the sensors that m closed without as silent, and say so. */
static void
collect_mark_silent(struct collect *c, const struct collect_minute *m)
{
	struct collect_sensor *s;
	char when[21];
	unsigned i;

	collect_minute_name(m->ts, when);
	for (i = 0; i < c->nsensors; i++) {
		s = &c->sensors[i];
		if (s->duplicate || s->silent ||
		    (s->last != SUB_NONE && s->last >= m->ts))
			continue;
		s->silent = 1;
		fprintf(stderr, "%s: %s: silent; minute %s closed without it, "
		    "its late data will come as corrections\n", c->prog,
		    s->endpoint, when);
	}
}

/* Keep a closed minute for corrections, the oldest going at the bound. */
static void
collect_keep(struct collect *c, struct collect_minute *m)
{
	if (c->nkept == COLLECT_KEEP) {
		collect_minute_free(c->kept[0]);
		memmove(&c->kept[0], &c->kept[1],
		    (c->nkept - 1) * sizeof(c->kept[0]));
		c->nkept--;
	}
	c->kept[c->nkept++] = m;
}

/* Close open[0 .. n): publish, write, keep the incomplete ones. */
static void
collect_close(struct collect *c, size_t n)
{
	struct collect_minute *m;
	size_t i;

	for (i = 0; i < n; i++) {
		m = c->open[i];
		if (!collect_complete(c, m->ts, 1)) {
			c->st.minutes_timed_out++;
			collect_mark_silent(c, m);
		}
		collect_emit(c, m, 0);
		c->frontier = m->ts;
		if (collect_complete(c, m->ts, 1))
			collect_minute_free(m);
		else
			collect_keep(c, m);
	}
	memmove(&c->open[0], &c->open[n], (c->nopen - n) * sizeof(c->open[0]));
	c->nopen -= n;
}

/*
 * Close what can be closed: up to the newest open minute that every
 * sensor still waited for has passed, or that timed out (force: all).
 */
static void
collect_tick(struct collect *c, int force)
{
	int64_t now = collect_now_ms();
	size_t i, n = 0;

	for (i = 0; i < c->nopen; i++) {
		if (force || collect_complete(c, c->open[i]->ts, 0) ||
		    now - c->open[i]->first_ms >= c->timeout_ms)
			n = i + 1;
	}
	if (c->nopen > COLLECT_OPEN_MAX && n < c->nopen - COLLECT_OPEN_MAX)
		n = c->nopen - COLLECT_OPEN_MAX;
	if (n > 0)
		collect_close(c, n);
}

/* Forget kept minutes no sensor is behind any more. */
static void
collect_prune_kept(struct collect *c)
{
	size_t i, k = 0;

	for (i = 0; i < c->nkept; i++) {
		if (collect_complete(c, c->kept[i]->ts, 1))
			collect_minute_free(c->kept[i]);
		else
			c->kept[k++] = c->kept[i];
	}
	c->nkept = k;
}

/* A silent sensor that has caught up is waited for again. */
static void
collect_unsilence(struct collect *c, struct collect_sensor *s)
{
	if (!s->silent || c->frontier == SUB_NONE || s->last < c->frontier)
		return;
	s->silent = 0;
	fprintf(stderr, "%s: %s: caught up\n", c->prog, s->endpoint);
}

/* ---------------------------------------------------------------- */
/* Merging                                                          */

static struct collect_minute *
collect_find(struct collect_minute **v, size_t n, int64_t ts, size_t *at)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid]->ts == ts) {
			*at = mid;
			return v[mid];
		}
		if (v[mid]->ts < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/*
 * A minute at or before the last one closed: merged into the kept minute
 * (made if need be) and the whole minute published again as a correction.
 */
static void
collect_late(struct collect *c, struct collect_minute *item)
{
	struct collect_minute *m;
	size_t at;

	if ((m = collect_find(c->kept, c->nkept, item->ts, &at)) == NULL) {
		if ((c->nkept > 0 && item->ts < c->kept[0]->ts &&
		    c->nkept == COLLECT_KEEP) ||
		    item->ts < c->frontier - COLLECT_KEEP * 60) {
			c->st.late_dropped++;
			collect_minute_free(item);
			return;
		}
		/* Nobody else had it: it becomes a kept minute. */
		if (c->nkept == COLLECT_KEEP) {
			collect_minute_free(c->kept[0]);
			memmove(&c->kept[0], &c->kept[1],
			    (c->nkept - 1) * sizeof(c->kept[0]));
			c->nkept--;
			at = at > 0 ? at - 1 : 0;
		}
		memmove(&c->kept[at + 1], &c->kept[at],
		    (c->nkept - at) * sizeof(c->kept[0]));
		c->kept[at] = item;
		c->nkept++;
		item->seen[item->sensor] = 1;
		m = item;
	} else {
		if (collect_merge_rows(m, item) == -1)
			c->st.late_dropped++;
		m->seen[item->sensor] = 1;
		collect_minute_free(item);
	}
	c->st.corrections++;
	collect_emit(c, m, 1);
}

/* A minute from a sensor whose name another endpoint has already? */
static int
collect_duplicate(struct collect *c, struct collect_sensor *s,
    const char *name)
{
	unsigned i;

	if (s->name[0] != '\0' || name[0] == '\0')
		return s->duplicate;
	snprintf(s->name, sizeof(s->name), "%s", name);
	for (i = 0; i < c->nsensors; i++) {
		if (i == s->idx || strcmp(c->sensors[i].name, name) != 0 ||
		    c->sensors[i].duplicate)
			continue;
		fprintf(stderr, "%s: %s is sensor \"%s\" again (as %s); "
		    "its minutes are counted once, from %s\n", c->prog,
		    s->endpoint, name, c->sensors[i].endpoint,
		    c->sensors[i].endpoint);
		s->duplicate = 1;
	}
	return s->duplicate;
}

static void
collect_merge(struct collect *c, struct collect_minute *item)
{
	struct collect_sensor *s = &c->sensors[item->sensor];
	struct collect_minute *m, **v;
	size_t at;

	if (collect_duplicate(c, s, item->name)) {
		collect_minute_free(item);
		return;
	}
	if (s->last == SUB_NONE || item->ts > s->last)
		s->last = item->ts;
	if (c->frontier != SUB_NONE && item->ts <= c->frontier) {
		collect_late(c, item);
		collect_unsilence(c, s);
		return;
	}
	collect_unsilence(c, s);
	if ((m = collect_find(c->open, c->nopen, item->ts, &at)) != NULL) {
		if (collect_merge_rows(m, item) == -1)
			fprintf(stderr, "%s: out of memory merging\n",
			    c->prog);
		m->seen[item->sensor] = 1;
		collect_minute_free(item);
		return;
	}
	if ((v = realloc(c->open, (c->nopen + 1) * sizeof(*v))) == NULL) {
		collect_minute_free(item);
		return;
	}
	c->open = v;
	memmove(&v[at + 1], &v[at], (c->nopen - at) * sizeof(*v));
	v[at] = item;
	c->nopen++;
	item->first_ms = collect_now_ms();
	item->seen[item->sensor] = 1;
}

/* Take what the sensor threads queued; 1 if some thread gave up. */
static int
collect_drain(struct collect *c, int *rc)
{
	struct collect_minute *q, *next;
	unsigned i;
	int failed = 0;

	pthread_mutex_lock(&c->lock);
	q = c->queue;
	c->queue = c->queue_tail = NULL;
	for (i = 0; i < c->nsensors; i++)
		if (c->sensors[i].done && c->sensors[i].rc != 0) {
			failed = 1;
			*rc = c->sensors[i].rc;
		}
	pthread_mutex_unlock(&c->lock);
	for (; q != NULL; q = next) {
		next = q->next;
		q->next = NULL;
		collect_merge(c, q);
	}
	collect_prune_kept(c);
	return failed;
}

/* ---------------------------------------------------------------- */
/* Main loop                                                        */

static void
collect_stats(struct collect *c)
{
	struct rusage ru;
	unsigned i;

	c->st.sensors_silent = 0;
	for (i = 0; i < c->nsensors; i++)
		if (c->sensors[i].silent)
			c->st.sensors_silent++;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		c->st.peak_rss_kb = (uint64_t)ru.ru_maxrss;
	if (c->pub == NULL)
		return;
	pub_get_stats(c->pub, &c->st);
	pub_send_stats(c->pub, &c->st, collect_wall_us());
}

static int
collect_loop(struct collect *c)
{
	int64_t next_stats = collect_now_ms(), now;
	struct timespec nap = { 0, COLLECT_TICK_MS * 1000000L };
	int rc = 0;

	while (!collect_stop) {
		if (c->pub != NULL)
			pub_poll(c->pub, COLLECT_TICK_MS);
		else
			nanosleep(&nap, NULL);
		if (collect_drain(c, &rc))
			break;
		collect_tick(c, 0);
		if ((now = collect_now_ms()) >= next_stats) {
			collect_stats(c);
			next_stats = now + c->stats_ms;
		}
	}
	return rc;
}

static void
collect_finish(struct collect *c)
{
	struct collect_minute *q, *next;
	unsigned i;

	collect_stop = 1;
	for (i = 0; i < c->nsensors; i++)
		if (c->sensors[i].started)
			pthread_join(c->sensors[i].thread, NULL);
	/* What the threads delivered last, then every open minute. */
	(void)collect_drain(c, &(int){ 0 });
	collect_tick(c, 1);
	collect_stats(c);
	for (q = c->queue; q != NULL; q = next) {
		next = q->next;
		collect_minute_free(q);
	}
	for (i = 0; i < c->nkept; i++)
		collect_minute_free(c->kept[i]);
	free(c->kept);
	free(c->open);
}

/* ---------------------------------------------------------------- */
/* Options                                                          */

struct collect_args {
	const char	*publish;
	const char	*csv;
	const char	*sensor;
	double		 timeout;
	double		 stats;
	const char	*curve_server_key, *curve_key;	/* to sensors */
	const char	*curve_secret, *curve_allow;	/* of --publish */
};

static int
collect_seconds(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno != 0 || end == s || *end != '\0' || !(*v > 0) ||
	    *v > 86400 ? -1 : 0;
}

static int
collect_add_sensor(struct collect *c, const char *ep)
{
	struct collect_sensor *s;

	if (c->nsensors == COLLECT_SENSORS_MAX) {
		fprintf(stderr, "%s: at most %d sensors\n", c->prog,
		    COLLECT_SENSORS_MAX);
		return -1;
	}
	s = &c->sensors[c->nsensors];
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->idx = c->nsensors++;
	s->endpoint = ep;
	s->last = SUB_NONE;
	snprintf(s->prog, sizeof(s->prog), "%s: %s", c->prog, ep);
	s->opts.prog = s->prog;
	s->opts.connect = ep;
	s->opts.after = SUB_NONE;
	s->opts.on_minute = collect_on_minute;
	s->opts.arg = s;
	s->opts.stop = &collect_stop;
	return 0;
}

/* The CurveZMQ options: keys to the sensors, and of --publish. */
static int
collect_parse_curve(struct collect *c, const struct collect_args *a)
{
	const struct curve_client *cc;
	unsigned i;
	int rc;

	if ((a->curve_secret == NULL) != (a->curve_allow == NULL) ||
	    (a->curve_secret != NULL && a->publish == NULL)) {
		fprintf(stderr, "%s: --curve-secret and --curve-allow go "
		    "together, with --publish\n", c->prog);
		return EX_USAGE;
	}
	if (a->curve_secret != NULL && !curve_available()) {
		fprintf(stderr, "%s: this libzmq was built without CurveZMQ "
		    "(zmq_has(\"curve\") is false)\n", c->prog);
		return EX_UNAVAILABLE;
	}
	if ((rc = sub_curve_load(c->prog, a->curve_server_key, a->curve_key,
	    &c->cc, &cc)) != 0)
		return rc;
	for (i = 0; i < c->nsensors; i++)
		c->sensors[i].opts.curve = cc;
	return 0;
}

static int
collect_parse(struct collect *c, struct collect_args *a, int argc,
    char *argv[])
{
	static const struct option longopts[] = {
		{ "connect",		required_argument,	NULL, 'c' },
		{ "csv",		required_argument,	NULL, 'o' },
		{ "curve-allow",	required_argument,	NULL, 'A' },
		{ "curve-key",		required_argument,	NULL, 'K' },
		{ "curve-secret",	required_argument,	NULL, 'X' },
		{ "curve-server-key",	required_argument,	NULL, 'S' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "publish",		required_argument,	NULL, 'p' },
		{ "sensor",		required_argument,	NULL, 'n' },
		{ "stats-interval",	required_argument,	NULL, 'i' },
		{ "timeout",		required_argument,	NULL, 't' },
		{ NULL,			0,			NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:o:hp:n:i:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (collect_add_sensor(c, optarg) == -1)
				return EX_USAGE;
			break;
		case 'o':
			a->csv = optarg;
			break;
		case 'A':
			a->curve_allow = optarg;
			break;
		case 'K':
			a->curve_key = optarg;
			break;
		case 'X':
			a->curve_secret = optarg;
			break;
		case 'S':
			a->curve_server_key = optarg;
			break;
		case 'h':
			collect_usage(stdout);
			return -1;
		case 'p':
			a->publish = optarg;
			break;
		case 'n':
			a->sensor = optarg;
			break;
		case 'i':
			if (collect_seconds(optarg, &a->stats) == -1)
				goto bad;
			break;
		case 't':
			if (collect_seconds(optarg, &a->timeout) == -1)
				goto bad;
			break;
		default:
			collect_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || c->nsensors == 0 ||
	    (a->publish == NULL && a->csv == NULL)) {
		fprintf(stderr, "%s: give --connect, and --publish or --csv\n",
		    c->prog);
		collect_usage(stderr);
		return EX_USAGE;
	}
	return collect_parse_curve(c, a);
bad:
	fprintf(stderr, "%s: %s: not a number of seconds in (0, 86400]\n",
	    c->prog, optarg);
	return EX_USAGE;
}

static int
collect_open(struct collect *c, const struct collect_args *a)
{
	struct pub_config pc;
	char err[512];
	int rc;

	if (a->csv != NULL && (c->csv = csv_open(a->csv, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", c->prog, err);
		return EX_CANTCREAT;
	}
	if (a->publish != NULL) {
		pub_config_default(&pc, a->publish, a->sensor);
		if (a->curve_secret != NULL) {
			if ((rc = curve_server_load(&c->cs, a->curve_secret,
			    a->curve_allow, err, sizeof(err))) != 0) {
				fprintf(stderr, "%s: %s\n", c->prog, err);
				return rc;
			}
			pc.curve = &c->cs;
		}
		if ((c->pub = pub_new(&pc, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s: %s\n", c->prog, err);
			return EX_UNAVAILABLE;
		}
		fprintf(stderr, "%s: publishing on %s, snapshots on %s\n",
		    c->prog, pub_endpoint(c->pub), pub_snapshot(c->pub));
	}
	if ((c->kept = calloc(COLLECT_KEEP, sizeof(*c->kept))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", c->prog);
		return EX_OSERR;
	}
	return 0;
}

int
collect_main(int argc, char *argv[])
{
	struct collect_args a = { NULL, NULL, "collector", 30, 5,
	    NULL, NULL, NULL, NULL };
	struct collect *c;
	struct sigaction sa;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return EX_OSERR;
	c->prog = argv[0];
	c->frontier = SUB_NONE;
	pthread_mutex_init(&c->lock, NULL);
	if ((rc = collect_parse(c, &a, argc, argv)) != 0) {
		rc = rc == -1 ? EX_OK : rc;
		goto done;
	}
	c->timeout_ms = (int64_t)(a.timeout * 1000);
	c->stats_ms = (int64_t)(a.stats * 1000);
	if ((rc = collect_open(c, &a)) != 0)
		goto done;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = collect_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* jansson's hash seed, made once before the threads race for it. */
	json_object_seed(0);
	if (collect_start(c) == -1)
		rc = EX_OSERR;
	else
		rc = collect_loop(c);
	collect_finish(c);
done:
	if (c->csv != NULL && csv_close(c->csv) == -1 && rc == 0)
		rc = EX_IOERR;
	pub_free(c->pub);
	curve_server_fini(&c->cs);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return rc;
}

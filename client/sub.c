/*
 * sub.c - subscriber core: live stream + snapshot service (Clone pattern).
 *
 * The PUB stream alone is at most once (docs/wire.md): a subscriber misses
 * what was sent before it joined, while it was away, or when a queue was
 * full.  The daemon keeps its recent closed minutes and replays them on
 * request over a ROUTER socket, each message byte for byte as published,
 * followed by "snapshot.end" carrying the last seq published before the
 * reply was built.  So:
 *
 *   1. subscribe to everything ("" - gaps in seq are only visible then);
 *   2. ask for a snapshot from the minute after the last one delivered,
 *      keeping live messages aside meanwhile;
 *   3. apply the snapshot, then the kept and later live messages whose seq
 *      follows last_seq of the same run;
 *   4. a jump in seq, or another run (the daemon restarted), is step 2
 *      again.
 *
 * A minute is delivered when its "minute" marker arrives and the counts
 * received for it are those the marker lists; minutes are delivered only
 * in increasing minute_ts, each once, which is what makes a restarted
 * client, a repeated snapshot and a replayed live message harmless.
 *
 * Reconnection is libzmq's own (ZMQ_RECONNECT_IVL doubling up to
 * ZMQ_RECONNECT_IVL_MAX); a socket monitor on the SUB socket reports it on
 * stderr.  A snapshot request that gets no answer is abandoned and asked
 * again with the same 0.5 s .. 30 s backoff.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <zmq.h>

#include "sub.h"

#define SUB_IVL_MIN_MS		500	/* backoff: first wait */
#define SUB_IVL_MAX_MS		30000	/* backoff: longest wait */
#define SUB_REPLY_MS		10000	/* silence that abandons a request */
#define SUB_HEARTBEAT_MS	10000	/* ZMTP pings: half-open links */
#define SUB_HEARTBEAT_TTL_MS	30000
#define SUB_RCVHWM		100000	/* live messages queued for us */
#define SUB_KEEP_MAX		200000	/* live messages kept while syncing */
#define SUB_PENDING_MAX		64	/* minutes being assembled */
#define SUB_RUN_MAX		64
#define SUB_TOPIC_MAX		256
#define SUB_DRAIN		1000	/* messages read per wakeup, socket */
#define SUB_SILENT_MS		15000	/* nothing came: say why it may be */
#define SUB_MON_EVENTS		(ZMQ_EVENT_CONNECTED | \
				    ZMQ_EVENT_DISCONNECTED | \
				    ZMQ_EVENT_CONNECT_RETRIED | \
				    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | \
				    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | \
				    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

/* A live message kept while a snapshot is on its way. */
struct sub_kept {
	json_t		*j;
	struct sub_kept	*next;
};

/* A minute whose counts are arriving; its marker has not come yet. */
struct sub_pending {
	int64_t		 ts;
	struct sub_row	*rows;
	size_t		 nrows;
	size_t		 rowcap;
	char		(*cls)[SUB_CLASS_MAX + 1];	/* counts received */
	size_t		 ncls;
	size_t		 clscap;
};

struct sub {
	const struct sub_opts	*o;
	void			*ctx;
	void			*sub;		/* SUB: the live stream */
	void			*snap;		/* DEALER: snapshot requests */
	void			*mon;		/* PAIR: events of sub */
	char			 snap_ep[SUB_EP_MAX];
	int			 snap_given;	/* --snapshot: never replaced */
	unsigned		 nsnap;		/* DEALERs made, for names */

	char			 run[SUB_RUN_MAX];
	int			 have_run;
	int64_t			 seq;		/* last applied, this run */
	int64_t			 last;		/* last minute delivered */

	int			 want;		/* a snapshot is needed */
	int			 inflight;	/* request sent, no end yet */
	int64_t			 deadline;	/* inflight: give up at */
	int64_t			 not_before;	/* next request not before */
	int			 backoff;	/* ms, next wait */
	int64_t			 wait_since;	/* want, DEALER unwritable */
	int64_t			 warn_at;	/* next "not reachable" */
	int			 warn_ivl;

	struct sub_kept		*kept;
	struct sub_kept		*kept_tail;
	size_t			 nkept;

	struct sub_pending	 pend[SUB_PENDING_MAX];
	size_t			 npend;

	int			 connected;	/* SUB has a connection */
	int64_t			 silent_at;	/* no message yet: hint then */
	int			 heard;		/* a message came */
	int			 hs_said;	/* handshake failure told */
	int			 rc;		/* on_minute's, to return */
};

static void	sub_apply(struct sub *, json_t *, int from_snapshot);
static void	sub_live(struct sub *, json_t *);

static int64_t
sub_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sub_say(const struct sub *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sub_say(const struct sub *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", s->o->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- */
/* Endpoints and sockets                                            */

int
sub_snapshot_endpoint(const char *pub, char *out, size_t outcap)
{
	const char *colon;
	char *end;
	unsigned long port;
	int n;

	if (strncmp(pub, "tcp://", 6) == 0) {
		if ((colon = strrchr(pub + 6, ':')) == NULL)
			return -1;
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno != 0 || end == colon + 1 || *end != '\0' ||
		    port == 0 || port >= 65535)
			return -1;
		n = snprintf(out, outcap, "%.*s:%lu", (int)(colon - pub), pub,
		    port + 1);
	} else if (strncmp(pub, "ipc://", 6) == 0 ||
	    strncmp(pub, "inproc://", 9) == 0)
		n = snprintf(out, outcap, "%s.snapshot", pub);
	else
		return -1;
	return n < 0 || (size_t)n >= outcap ? -1 : 0;
}

static int
sub_setopt(void *sock, int opt, int val)
{
	return zmq_setsockopt(sock, opt, &val, sizeof(val));
}

int
sub_curve_load(const char *prog, const char *server_key, const char *key_file,
    struct curve_client *c, const struct curve_client **out)
{
	char err[1024];
	int rc;

	*out = NULL;
	if (server_key == NULL && key_file == NULL)
		return 0;
	if (server_key == NULL || key_file == NULL) {
		fprintf(stderr, "%s: --curve-server-key and --curve-key go "
		    "together\n", prog);
		return EX_USAGE;
	}
	if (!curve_available()) {
		fprintf(stderr, "%s: this libzmq was built without CurveZMQ "
		    "(zmq_has(\"curve\") is false)\n", prog);
		return EX_UNAVAILABLE;
	}
	if ((rc = curve_client_load(c, server_key, key_file, err,
	    sizeof(err))) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * Options common to both sockets: reconnection, heartbeats, no linger,
 * CurveZMQ keys.
 */
static int
sub_sockopts(void *sock, const char *ep, const struct curve_client *cc)
{
	if (cc != NULL && curve_client_apply(sock, cc) == -1)
		return -1;
	if (sub_setopt(sock, ZMQ_RECONNECT_IVL, SUB_IVL_MIN_MS) == -1 ||
	    sub_setopt(sock, ZMQ_RECONNECT_IVL_MAX, SUB_IVL_MAX_MS) == -1 ||
	    sub_setopt(sock, ZMQ_HEARTBEAT_IVL, SUB_HEARTBEAT_MS) == -1 ||
	    sub_setopt(sock, ZMQ_HEARTBEAT_TIMEOUT,
	    SUB_HEARTBEAT_TTL_MS) == -1 ||
	    sub_setopt(sock, ZMQ_LINGER, 0) == -1)
		return -1;
	/* As the publisher does: IPv6 only for an IPv6 literal. */
	if (strchr(ep, '[') != NULL && sub_setopt(sock, ZMQ_IPV6, 1) == -1)
		return -1;
	return 0;
}

/* Close the DEALER (dropping any late reply to it) and make a new one. */
static int
sub_snap_open(struct sub *s)
{
	if (s->snap != NULL)
		zmq_close(s->snap);
	s->nsnap++;
	if ((s->snap = zmq_socket(s->ctx, ZMQ_DEALER)) == NULL ||
	    sub_sockopts(s->snap, s->snap_ep, s->o->curve) == -1 ||
	    /* Requests go out only on a live connection, never queued. */
	    sub_setopt(s->snap, ZMQ_IMMEDIATE, 1) == -1 ||
	    /* A snapshot can be 24 hours of minutes: take it all. */
	    sub_setopt(s->snap, ZMQ_RCVHWM, 0) == -1 ||
	    zmq_connect(s->snap, s->snap_ep) == -1) {
		sub_say(s, "%s: %s", s->snap_ep, zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

static int
sub_open(struct sub *s)
{
	char mon[64];

	if ((s->ctx = zmq_ctx_new()) == NULL ||
	    (s->sub = zmq_socket(s->ctx, ZMQ_SUB)) == NULL ||
	    (s->mon = zmq_socket(s->ctx, ZMQ_PAIR)) == NULL) {
		sub_say(s, "zmq: %s", zmq_strerror(zmq_errno()));
		return EX_OSERR;
	}
	snprintf(mon, sizeof(mon), "inproc://originstat-sub-monitor-%p",
	    (void *)s);
	if (sub_sockopts(s->sub, s->o->connect, s->o->curve) == -1 ||
	    sub_setopt(s->sub, ZMQ_RCVHWM, SUB_RCVHWM) == -1 ||
	    zmq_setsockopt(s->sub, ZMQ_SUBSCRIBE, "", 0) == -1 ||
	    zmq_socket_monitor(s->sub, mon, SUB_MON_EVENTS) == -1 ||
	    zmq_connect(s->mon, mon) == -1) {
		sub_say(s, "zmq: %s", zmq_strerror(zmq_errno()));
		return EX_SOFTWARE;
	}
	if (zmq_connect(s->sub, s->o->connect) == -1) {
		sub_say(s, "%s: %s", s->o->connect,
		    zmq_strerror(zmq_errno()));
		return EX_USAGE;
	}
	if (sub_snap_open(s) == -1)
		return EX_USAGE;
	return 0;
}

static void
sub_close(struct sub *s)
{
	if (s->snap != NULL)
		zmq_close(s->snap);
	if (s->sub != NULL) {
		zmq_socket_monitor(s->sub, NULL, 0);
		zmq_close(s->sub);
	}
	if (s->mon != NULL)
		zmq_close(s->mon);
	if (s->ctx != NULL) {
		while (zmq_ctx_term(s->ctx) == -1 && zmq_errno() == EINTR)
			continue;
	}
}

/*
 * Receive one two-frame message [topic, payload] without blocking.
 * 1 with topic set and *j the parsed payload (NULL if not JSON), 0 if
 * nothing is waiting, -1 on a malformed message (dropped).
 */
static int
sub_recv(void *sock, char *topic, size_t topiccap, json_t **j)
{
	zmq_msg_t f;
	size_t len;
	int rc = 1, more, nframes = 0;

	*j = NULL;
	topic[0] = '\0';
	do {
		zmq_msg_init(&f);
		if (zmq_msg_recv(&f, sock, nframes == 0 ? ZMQ_DONTWAIT :
		    0) == -1) {
			zmq_msg_close(&f);
			if (nframes == 0)
				return 0;
			break;
		}
		len = zmq_msg_size(&f);
		if (nframes == 0 && len < topiccap) {
			memcpy(topic, zmq_msg_data(&f), len);
			topic[len] = '\0';
		} else if (nframes == 1)
			*j = json_loadb(zmq_msg_data(&f), len, 0, NULL);
		more = zmq_msg_more(&f);
		zmq_msg_close(&f);
		nframes++;
	} while (more);
	if (nframes != 2 || topic[0] == '\0') {
		json_decref(*j);
		*j = NULL;
		rc = -1;
	}
	return rc;
}

/* ---------------------------------------------------------------- */
/* JSON fields                                                      */

static const char *
sub_str(const json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

/* An integer field; -1 if missing, not an integer or negative. */
static int64_t
sub_int(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	return (int64_t)json_integer_value(v);
}

static uint64_t
sub_count(const json_t *j, const char *key)
{
	int64_t v = sub_int(j, key);

	return v < 0 ? 0 : (uint64_t)v;
}

/* ---------------------------------------------------------------- */
/* Minutes being assembled                                          */

static void
sub_pending_drop(struct sub *s, size_t i)
{
	size_t k;

	for (k = 0; k < s->pend[i].nrows; k++)
		free(s->pend[i].rows[k].sketch);
	free(s->pend[i].rows);
	free(s->pend[i].cls);
	s->pend[i] = s->pend[--s->npend];
	memset(&s->pend[s->npend], 0, sizeof(s->pend[0]));
}

static void
sub_pending_clear(struct sub *s)
{
	while (s->npend > 0)
		sub_pending_drop(s, s->npend - 1);
}

static struct sub_pending *
sub_pending_find(struct sub *s, int64_t ts, int create)
{
	size_t i, old = 0;

	for (i = 0; i < s->npend; i++)
		if (s->pend[i].ts == ts)
			return &s->pend[i];
	if (!create)
		return NULL;
	if (s->npend == SUB_PENDING_MAX) {
		/* Never completed: the oldest gives way. */
		for (i = 1; i < s->npend; i++)
			if (s->pend[i].ts < s->pend[old].ts)
				old = i;
		sub_pending_drop(s, old);
	}
	s->pend[s->npend].ts = ts;
	return &s->pend[s->npend++];
}

/* Room for one more of n items of size: the array, or NULL. */
static void *
sub_grow(void *a, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return a;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((a = realloc(a, ncap * size)) != NULL)
		*cap = ncap;
	return a;
}

static int
sub_pending_has(const struct sub_pending *p, const char *cls)
{
	size_t i;

	for (i = 0; i < p->ncls; i++)
		if (strcmp(p->cls[i], cls) == 0)
			return 1;
	return 0;
}

/* Add one counts payload to its minute.  0, or -1 if malformed. */
static int
sub_add_counts(struct sub *s, const json_t *j, int64_t ts)
{
	const char *cls = sub_str(j, "class"), *cc, *sk;
	const json_t *rows = json_object_get(j, "rows"), *r;
	struct sub_pending *p;
	struct sub_row *row;
	size_t i;
	void *q;

	if (*cls == '\0' || strlen(cls) > SUB_CLASS_MAX ||
	    !json_is_array(rows))
		return -1;
	if ((p = sub_pending_find(s, ts, 1)) == NULL)
		return -1;
	if (sub_pending_has(p, cls))
		return 0;	/* a repeat: the first copy stands */
	if ((q = sub_grow(p->cls, &p->clscap, p->ncls,
	    sizeof(*p->cls))) == NULL)
		return -1;
	p->cls = q;
	snprintf(p->cls[p->ncls++], SUB_CLASS_MAX + 1, "%s", cls);
	json_array_foreach(rows, i, r) {
		cc = sub_str(r, "country");
		if (*cc == '\0' || strlen(cc) > SUB_CC_MAX ||
		    (q = sub_grow(p->rows, &p->rowcap, p->nrows,
		    sizeof(*p->rows))) == NULL)
			return -1;
		p->rows = q;
		row = &p->rows[p->nrows++];
		row->sketch = NULL;
		if ((sk = json_string_value(json_object_get(r,
		    "sketch"))) != NULL && (row->sketch = strdup(sk)) == NULL)
			return -1;
		snprintf(row->cls, sizeof(row->cls), "%s", cls);
		snprintf(row->cc, sizeof(row->cc), "%s", cc);
		row->requests = sub_count(r, "requests");
		row->tls_handshakes = sub_count(r, "tls_handshakes");
		row->clients = sub_count(r, "clients");
	}
	return 0;
}

/* Are the counts received those the marker lists? */
static int
sub_marker_matches(const struct sub_pending *p, const json_t *marker)
{
	const json_t *classes = json_object_get(marker, "classes"), *c;
	size_t i, ncls = p != NULL ? p->ncls : 0;
	size_t nrows = p != NULL ? p->nrows : 0;

	if (!json_is_array(classes) || json_array_size(classes) != ncls ||
	    sub_int(marker, "rows") != (int64_t)nrows)
		return 0;
	json_array_foreach(classes, i, c) {
		if (!json_is_string(c) || !sub_pending_has(p,
		    json_string_value(c)))
			return 0;
	}
	return 1;
}

static int
sub_row_cmp(const void *a, const void *b)
{
	const struct sub_row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->cls, y->cls)) != 0)
		return c;
	return strcmp(x->cc, y->cc);
}

static void
sub_deliver(struct sub *s, struct sub_pending *p, int64_t ts, int replayed,
    const char *sensor)
{
	struct sub_minute m;

	if (p != NULL && p->nrows > 1)
		qsort(p->rows, p->nrows, sizeof(*p->rows), sub_row_cmp);
	m.minute_ts = ts;
	m.rows = p != NULL ? p->rows : NULL;
	m.nrows = p != NULL ? p->nrows : 0;
	m.replayed = replayed;
	m.sensor = sensor;
	s->last = ts;
	if (s->rc == 0)
		s->rc = s->o->on_minute(s->o->arg, &m);
}

/* Forget minutes that can no longer be delivered. */
static void
sub_pending_prune(struct sub *s)
{
	size_t i = 0;

	while (i < s->npend) {
		if (s->pend[i].ts <= s->last)
			sub_pending_drop(s, i);
		else
			i++;
	}
}

/* ---------------------------------------------------------------- */
/* Synchronisation                                                  */

static void
sub_keep(struct sub *s, json_t *j)
{
	struct sub_kept *k, *old;

	if ((k = malloc(sizeof(*k))) == NULL) {
		json_decref(j);	/* seen as a gap later */
		return;
	}
	k->j = j;
	k->next = NULL;
	if (s->kept_tail != NULL)
		s->kept_tail->next = k;
	else
		s->kept = k;
	s->kept_tail = k;
	if (++s->nkept > SUB_KEEP_MAX) {
		/* Lost to us: the seq check after the snapshot sees it. */
		old = s->kept;
		s->kept = old->next;
		json_decref(old->j);
		free(old);
		s->nkept--;
	}
}

static void
sub_kept_free(struct sub_kept *k)
{
	struct sub_kept *next;

	for (; k != NULL; k = next) {
		next = k->next;
		json_decref(k->j);
		free(k);
	}
}

/* Start over from a snapshot: partial minutes will come whole in it. */
static void
sub_sync_start(struct sub *s)
{
	s->want = 1;
	sub_pending_clear(s);
}

static void
sub_backoff(struct sub *s, const char *why)
{
	int64_t now = sub_now_ms();

	sub_say(s, "snapshot %s: %s; asking again in %.1f s", s->snap_ep, why,
	    s->backoff / 1000.0);
	s->inflight = 0;
	s->want = 1;
	s->not_before = now + s->backoff;
	s->backoff = s->backoff >= SUB_IVL_MAX_MS / 2 ? SUB_IVL_MAX_MS :
	    s->backoff * 2;
	sub_pending_clear(s);
	if (sub_snap_open(s) == -1)
		s->not_before = now + SUB_IVL_MAX_MS;
}

/* Send the request if the DEALER is connected.  1 sent, 0 not yet. */
static int
sub_request(struct sub *s)
{
	char req[80];
	int n;

	if (s->last == SUB_NONE)
		n = snprintf(req, sizeof(req), "{\"v\":1}");
	else
		n = snprintf(req, sizeof(req),
		    "{\"v\":1,\"from_minute_ts\":%" PRId64 "}", s->last + 60);
	if (zmq_send(s->snap, "snapshot", 8, ZMQ_SNDMORE | ZMQ_DONTWAIT) ==
	    -1)
		return 0;
	/* The first frame went: the second cannot be refused. */
	if (zmq_send(s->snap, req, (size_t)n, 0) == -1)
		return 0;
	s->want = 0;
	s->inflight = 1;
	s->deadline = sub_now_ms() + SUB_REPLY_MS;
	s->wait_since = 0;
	return 1;
}

/* The snapshot is applied: go live from its last_seq. */
static void
sub_snapshot_end(struct sub *s, const json_t *j)
{
	struct sub_kept *k, *next;
	int64_t last_seq = sub_int(j, "last_seq");

	s->inflight = 0;
	s->backoff = SUB_IVL_MIN_MS;
	snprintf(s->run, sizeof(s->run), "%s", sub_str(j, "run"));
	s->have_run = 1;
	s->seq = last_seq < 0 ? 0 : last_seq;
	/* What was kept meanwhile is live again, in order. */
	k = s->kept;
	s->kept = s->kept_tail = NULL;
	s->nkept = 0;
	for (; k != NULL; k = next) {
		next = k->next;
		sub_live(s, k->j);
		free(k);
	}
	if (s->rc == 0 && s->o->on_synced != NULL)
		s->rc = s->o->on_synced(s->o->arg);
}

/* ---------------------------------------------------------------- */
/* Messages                                                         */

static void
sub_apply_minute(struct sub *s, const json_t *j, int64_t ts,
    int from_snapshot)
{
	struct sub_pending *p = sub_pending_find(s, ts, 0);
	char when[32];

	if (sub_marker_matches(p, j)) {
		sub_deliver(s, p, ts, from_snapshot, sub_str(j, "sensor"));
		sub_pending_prune(s);
		return;
	}
	snprintf(when, sizeof(when), "%s", sub_str(j, "minute"));
	if (p != NULL)
		sub_pending_drop(s, (size_t)(p - s->pend));
	if (from_snapshot) {
		/* Asking again would get the same: say so and go on. */
		sub_say(s, "minute %s in the snapshot is incomplete; "
		    "skipped", when);
		return;
	}
	sub_say(s, "minute %s arrived incomplete; filling from snapshot",
	    when);
	sub_sync_start(s);
}

/* Apply a payload whose place in the stream is settled. */
static void
sub_apply(struct sub *s, json_t *j, int from_snapshot)
{
	const char *type = sub_str(j, "type");
	int64_t ts = sub_int(j, "minute_ts");

	if (sub_int(j, "v") != 1 || ts < 0 || ts % 60 != 0)
		return;
	if (ts <= s->last)
		return;		/* delivered already */
	if (strcmp(type, "counts") == 0) {
		if (sub_add_counts(s, j, ts) == -1 && !from_snapshot)
			sub_sync_start(s);
	} else if (strcmp(type, "minute") == 0)
		sub_apply_minute(s, j, ts, from_snapshot);
}

/* A live message (or one kept while syncing): check run and seq. */
static void
sub_live(struct sub *s, json_t *j)
{
	const char *run = sub_str(j, "run");
	int64_t seq = sub_int(j, "seq");

	if (s->want || s->inflight) {
		sub_keep(s, j);
		return;
	}
	if (seq < 0)
		goto done;
	if (!s->have_run || strcmp(run, s->run) != 0) {
		sub_say(s, "publisher restarted (run %s); filling from "
		    "snapshot", run);
		sub_sync_start(s);
		sub_keep(s, j);
		return;
	}
	if (seq <= s->seq)
		goto done;	/* in the snapshot already */
	if (seq != s->seq + 1) {
		sub_say(s, "missed %" PRId64 " messages; filling from "
		    "snapshot", seq - s->seq - 1);
		sub_sync_start(s);
		sub_keep(s, j);
		return;
	}
	s->seq = seq;
	sub_apply(s, j, 0);
done:
	json_decref(j);
}

/*
 * The daemon announces its snapshot endpoint in stats.  Unless one was
 * given, follow it: for TCP keep the host we reach the daemon by (the
 * daemon may announce a wildcard or an inside address) and take the port.
 */
static void
sub_announced(struct sub *s, const json_t *j)
{
	const char *ann = sub_str(j, "snapshot"), *port, *colon;
	char ep[SUB_EP_MAX];
	int n;

	if (s->snap_given || *ann == '\0')
		return;
	if (strncmp(ann, "tcp://", 6) == 0 &&
	    strncmp(s->o->connect, "tcp://", 6) == 0) {
		if ((port = strrchr(ann, ':')) == NULL ||
		    (colon = strrchr(s->o->connect + 6, ':')) == NULL)
			return;
		n = snprintf(ep, sizeof(ep), "%.*s%s",
		    (int)(colon - s->o->connect), s->o->connect, port);
	} else
		n = snprintf(ep, sizeof(ep), "%s", ann);
	if (n < 0 || (size_t)n >= sizeof(ep) || strcmp(ep, s->snap_ep) == 0)
		return;
	sub_say(s, "snapshot service announced at %s", ep);
	snprintf(s->snap_ep, sizeof(s->snap_ep), "%s", ep);
	if (sub_snap_open(s) == -1)
		return;
	if (s->inflight) {
		s->inflight = 0;
		sub_sync_start(s);
	}
}

static void
sub_read_live(struct sub *s)
{
	char topic[SUB_TOPIC_MAX];
	json_t *j;
	int i, rc;

	for (i = 0; i < SUB_DRAIN && s->rc == 0; i++) {
		if ((rc = sub_recv(s->sub, topic, sizeof(topic), &j)) == 0)
			break;
		if (rc == -1 || j == NULL)
			continue;
		if (strcmp(topic, "stats") == 0)
			sub_announced(s, j);
		sub_live(s, j);
	}
}

static void
sub_read_snapshot(struct sub *s)
{
	char topic[SUB_TOPIC_MAX];
	json_t *j;
	int i, rc;

	for (i = 0; i < SUB_DRAIN && s->rc == 0 && s->inflight; i++) {
		if ((rc = sub_recv(s->snap, topic, sizeof(topic), &j)) == 0)
			break;
		s->deadline = sub_now_ms() + SUB_REPLY_MS;
		if (rc == -1 || j == NULL)
			continue;
		if (strcmp(topic, "snapshot.end") == 0)
			sub_snapshot_end(s, j);
		else
			sub_apply(s, j, 1);
		json_decref(j);
	}
}

/* ---------------------------------------------------------------- */
/* Connection events                                                */

/*
 * libzmq retries a refused handshake silently and forever; say once why
 * nothing may come, for a client with keys and for one without.
 */
static void
sub_handshake_failed(struct sub *s, const char *ep, uint16_t event)
{
	if (s->hs_said)
		return;
	s->hs_said = 1;
	if (s->o->curve == NULL)
		sub_say(s, "%s: handshake failed; the server may require "
		    "CurveZMQ (--curve-server-key, --curve-key)", ep);
	else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		sub_say(s, "%s: handshake refused; is our public key %s on "
		    "the server's --curve-allow list?", ep, s->o->curve->public);
	else
		sub_say(s, "%s: CurveZMQ handshake failed; is the server key "
		    "right, and does the server use CurveZMQ?", ep);
}

/* Nothing at all came for SUB_SILENT_MS: the daemon sends stats often. */
static void
sub_check_silent(struct sub *s, int64_t now)
{
	if (s->heard || now < s->silent_at)
		return;
	s->heard = 1;	/* said once */
	if (s->o->curve == NULL)
		sub_say(s, "%s: nothing received in %d s; if the server "
		    "requires CurveZMQ, give --curve-server-key and "
		    "--curve-key", s->o->connect, SUB_SILENT_MS / 1000);
	else
		sub_say(s, "%s: nothing received in %d s; is our key on the "
		    "server's --curve-allow list, and the server key right?",
		    s->o->connect, SUB_SILENT_MS / 1000);
}

static void
sub_read_monitor(struct sub *s)
{
	char ep[SUB_EP_MAX];
	uint8_t ev[6];
	uint16_t event;
	uint32_t value;
	int n;

	while ((n = zmq_recv(s->mon, ev, sizeof(ev), ZMQ_DONTWAIT)) != -1) {
		if ((n = zmq_recv(s->mon, ep, sizeof(ep) - 1, 0)) == -1)
			return;
		ep[n < (int)sizeof(ep) ? n : (int)sizeof(ep) - 1] = '\0';
		memcpy(&event, ev, sizeof(event));
		memcpy(&value, ev + 2, sizeof(value));
		switch (event) {
		case ZMQ_EVENT_CONNECTED:
			sub_say(s, "connected to %s", ep);
			s->connected = 1;
			break;
		case ZMQ_EVENT_DISCONNECTED:
			sub_say(s, "%s: connection lost; reconnecting", ep);
			s->connected = 0;
			/* Its reply went down with the connection. */
			if (s->inflight) {
				s->inflight = 0;
				sub_sync_start(s);
				if (sub_snap_open(s) == -1)
					s->want = 0;
			}
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			sub_handshake_failed(s, ep, event);
			break;
		case ZMQ_EVENT_CONNECT_RETRIED:
			sub_say(s, "%s: not reachable; retrying in %.1f s", ep,
			    value / 1000.0);
			break;
		default:
			break;
		}
	}
}

/* Connected to the stream, but the snapshot service does not answer. */
static void
sub_check_waiting(struct sub *s, int64_t now)
{
	if (!s->want || now < s->not_before || !s->connected) {
		s->wait_since = 0;
		return;
	}
	if (s->wait_since == 0) {
		s->wait_since = now;
		s->warn_ivl = SUB_IVL_MIN_MS * 4;
		s->warn_at = now + s->warn_ivl;
	} else if (now >= s->warn_at) {
		sub_say(s, "snapshot %s: not reachable yet; still trying",
		    s->snap_ep);
		s->warn_ivl = s->warn_ivl >= SUB_IVL_MAX_MS / 2 ?
		    SUB_IVL_MAX_MS : s->warn_ivl * 2;
		s->warn_at = now + s->warn_ivl;
	}
}

/* How long zmq_poll may sleep. */
static long
sub_timeout(const struct sub *s, int64_t now)
{
	int64_t t = 1000;

	if (s->inflight && s->deadline - now < t)
		t = s->deadline - now;
	if (s->want && s->not_before > now && s->not_before - now < t)
		t = s->not_before - now;
	return t < 0 ? 0 : (long)t;
}

static void
sub_loop(struct sub *s)
{
	zmq_pollitem_t it[3];
	int64_t now;
	int ask;

	while (!*s->o->stop && s->rc == 0) {
		now = sub_now_ms();
		ask = s->want && !s->inflight && now >= s->not_before;
		if (ask && sub_request(s))
			ask = 0;
		memset(it, 0, sizeof(it));
		it[0].socket = s->sub;
		it[0].events = ZMQ_POLLIN;
		it[1].socket = s->snap;
		it[1].events = (short)(ZMQ_POLLIN | (ask ? ZMQ_POLLOUT : 0));
		it[2].socket = s->mon;
		it[2].events = ZMQ_POLLIN;
		if (zmq_poll(it, 3, sub_timeout(s, now)) == -1) {
			if (zmq_errno() == EINTR)
				continue;
			sub_say(s, "zmq_poll: %s", zmq_strerror(zmq_errno()));
			return;
		}
		if (it[2].revents & ZMQ_POLLIN)
			sub_read_monitor(s);
		if (it[1].revents & ZMQ_POLLIN)
			sub_read_snapshot(s);
		if ((it[0].revents | it[1].revents) & ZMQ_POLLIN)
			s->heard = 1;
		if (it[0].revents & ZMQ_POLLIN)
			sub_read_live(s);
		now = sub_now_ms();
		if (s->inflight && now >= s->deadline)
			sub_backoff(s, "no reply");
		sub_check_waiting(s, now);
		sub_check_silent(s, now);
	}
}

int
sub_run(const struct sub_opts *o)
{
	struct sub s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.last = o->after;
	s.want = 1;
	s.backoff = SUB_IVL_MIN_MS;
	s.silent_at = sub_now_ms() + SUB_SILENT_MS;
	if (o->snapshot != NULL) {
		s.snap_given = 1;
		rc = snprintf(s.snap_ep, sizeof(s.snap_ep), "%s", o->snapshot);
		if (rc < 0 || (size_t)rc >= sizeof(s.snap_ep)) {
			sub_say(&s, "--snapshot: endpoint too long");
			return EX_USAGE;
		}
	} else if (sub_snapshot_endpoint(o->connect, s.snap_ep,
	    sizeof(s.snap_ep)) == -1) {
		sub_say(&s, "%s: no snapshot endpoint by convention; "
		    "give --snapshot", o->connect);
		return EX_USAGE;
	}
	if ((rc = sub_open(&s)) == 0) {
		sub_loop(&s);
		rc = s.rc;
	}
	sub_pending_clear(&s);
	sub_kept_free(s.kept);
	sub_close(&s);
	return rc;
}

/*
 * pub.c - ZeroMQ publisher and snapshot service (wire format v1,
 * docs/wire.md).
 *
 * A plain PUB socket drops silently at its high-water mark, so nothing
 * could be counted.  ZMQ_XPUB_NODROP (which PUB honours: it is an XPUB
 * underneath) makes a send to a full subscriber fail with EAGAIN instead;
 * with ZMQ_DONTWAIT that never blocks, and each EAGAIN is one dropped,
 * counted message.  The price: while one subscriber's queue is full
 * (ZMQ_SNDHWM messages plus socket buffers, hours of traffic at a few
 * messages a minute) the others miss those messages too.
 *
 * Multipart messages are atomic in libzmq: the high-water mark counts whole
 * messages and is checked on the first part, so once the topic frame is
 * accepted the payload is too.
 *
 * The snapshot service is the ZeroMQ guide's Clone pattern: a ROUTER
 * socket, a client DEALER sends ["snapshot", JSON] and gets the kept
 * messages back, then ["snapshot.end", JSON].  A day of minutes is
 * thousands of messages and megabytes, more than a client's queue holds,
 * so a reply is a cursor (the next seq to send) that pub_poll advances by
 * a bounded slice each call, between capture batches.  ZMQ_ROUTER_MANDATORY
 * is on: without it a ROUTER drops silently what does not fit a client's
 * queue, and a reply would lose minutes unseen; with it and ZMQ_DONTWAIT a
 * full queue is EAGAIN (the reply waits for the next call, never the
 * capture) and a client gone is EHOSTUNREACH (the reply is dropped and
 * counted).  The identity frame goes first, so either a whole message is
 * queued or none of it.  A reply that makes no progress for
 * PUB_STALL_MS is dropped and counted too.
 *
 * With CurveZMQ (pub_config.curve) both sockets are CURVE servers and a
 * ZAP handler (RFC 27, a REP socket at inproc://zeromq.zap.01 in our own
 * context) says which client keys may complete the handshake.  libzmq
 * asks it from its I/O thread and holds only that handshake until the
 * reply comes; pub_poll answers between capture batches, so capture never
 * waits for a subscriber and a subscriber waits at most one batch.  The
 * address frame of a request is a client's address: never kept or logged.
 *
 * Not thread-safe, like the sockets it owns: one thread publishes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "json.h"
#include "pub.h"
#include "snapshot.h"

#define PUB_SNDHWM	10000	/* messages queued per subscriber */
#define PUB_LINGER_MS	1000	/* for the last messages at exit */
#define PUB_COUNTS	"counts."
#define PUB_ALERT	"alert."
#define PUB_REPLIES	16	/* snapshot replies in progress at once */
#define PUB_REQS_ROUND	16	/* requests taken per pub_poll */
#define PUB_REQ_MAX	4096	/* bytes of a request message, at most */
#define PUB_ID_MAX	255	/* bytes of a ZeroMQ routing id */
#define PUB_RETRY_MS	10	/* retry a reply whose client was full */
#define PUB_STALL_MS	10000	/* give up a reply stuck that long */
#define PUB_SNAP_CMD	"snapshot"
#define PUB_ZAP_EP	"inproc://zeromq.zap.01"	/* RFC 27 */
#define PUB_ZAP_DOMAIN	"originstat"
#define PUB_ZAP_FRAMES	7	/* a CURVE request has 7 frames */
#define PUB_ZAP_ROUND	64	/* ZAP requests answered per pub_poll */

/* A snapshot reply in progress. */
struct pub_reply {
	unsigned char	 id[PUB_ID_MAX];	/* the client's routing id */
	size_t		 idlen;
	uint64_t	 last_seq;	/* published before the request */
	uint64_t	 next_seq;	/* cursor into the history */
	int64_t		 from;		/* minute_ts, inclusive */
	int64_t		 progress_ms;	/* last message queued */
	int		 blocked;	/* client's queue full: retry later */
	int		 done;		/* finished or given up */
};

struct pub {
	void		*ctx;
	void		*sock;
	void		*router;
	void		*zap;		/* REP: ZAP handler, or NULL */
	const struct curve_server *curve;
	char		*sensor;
	char		 run[PUB_RUN_LEN + 1];
	char		 endpoint[256];
	char		 snap_endpoint[256];
	uint64_t	 seq;		/* of the last message built */
	uint64_t	 dropped;
	int64_t		 start;		/* CLOCK_MONOTONIC, seconds */
	struct snap	*hist;
	struct pub_reply replies[PUB_REPLIES];
	size_t		 nreplies;
	size_t		 rr;		/* first reply served next round */
	uint64_t	 snap_requests, snap_errors, snap_dropped;
	uint64_t	 curve_refused;
};

static int64_t
pub_monotonic_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * 64 random bits as hex.  Should the kernel have none to give, the clock
 * and process id still tell two runs apart.
 */
static void
pub_run_id(char out[PUB_RUN_LEN + 1])
{
	struct timespec ts;
	uint64_t r;

	if (getentropy(&r, sizeof(r)) == -1) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
		    (uint64_t)getpid() << 40;
		/* splitmix64 finaliser: spread the bits. */
		r = (r ^ (r >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		r = (r ^ (r >> 27)) * UINT64_C(0x94d049bb133111eb);
		r ^= r >> 31;
	}
	snprintf(out, PUB_RUN_LEN + 1, "%016llx", (unsigned long long)r);
}

void
pub_config_default(struct pub_config *pc, const char *endpoint,
    const char *sensor)
{
	memset(pc, 0, sizeof(*pc));
	pc->endpoint = endpoint;
	pc->sensor = sensor;
	pc->history_s = 86400;
	pc->history_bytes = PUB_HISTORY_BYTES;
}

/* The tcp:// case: the port after the last ':' plus one. */
static int
pub_snapshot_tcp(const char *endpoint, char *out, size_t outcap)
{
	const char *colon = strrchr(endpoint, ':'), *port;
	char *end;
	long v;
	int len;

	if (colon == NULL || colon < endpoint + strlen("tcp://"))
		return -1;
	port = colon + 1;
	if (strcmp(port, "*") == 0 || strcmp(port, "0") == 0) {
		len = snprintf(out, outcap, "%s", endpoint);
		return len < 0 || (size_t)len >= outcap ? -1 : 0;
	}
	if (*port < '1' || *port > '9')
		return -1;
	errno = 0;
	v = strtol(port, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v >= 65535)
		return -1;
	len = snprintf(out, outcap, "%.*s:%ld", (int)(colon - endpoint),
	    endpoint, v + 1);
	return len < 0 || (size_t)len >= outcap ? -1 : 0;
}

int
pub_snapshot_endpoint(const char *endpoint, char *out, size_t outcap)
{
	int len;

	if (strncmp(endpoint, "tcp://", 6) == 0)
		return pub_snapshot_tcp(endpoint, out, outcap);
	if (strcmp(endpoint, "ipc://*") == 0)
		len = snprintf(out, outcap, "%s", endpoint);
	else if ((strncmp(endpoint, "ipc://", 6) == 0 && endpoint[6] != '\0') ||
	    (strncmp(endpoint, "inproc://", 9) == 0 && endpoint[9] != '\0'))
		len = snprintf(out, outcap, "%s.snapshot", endpoint);
	else
		return -1;
	return len < 0 || (size_t)len >= outcap ? -1 : 0;
}

/* Set an int socket option; 0 or -1 with the reason in err. */
static int
pub_setopt(void *sock, int opt, const char *name, int val, char *err,
    size_t errcap)
{
	if (zmq_setsockopt(sock, opt, &val, sizeof(val)) == 0)
		return 0;
	snprintf(err, errcap, "zmq_setsockopt %s: %s", name,
	    zmq_strerror(zmq_errno()));
	return -1;
}

/*
 * Bind sock at endpoint and learn the endpoint actually bound into out
 * (256 bytes).  IPv6 only for an IPv6 literal ("tcp://[::1]:5556"): with
 * ZMQ_IPV6 on, IPv4 endpoints come back as "tcp://[::ffff:127.0.0.1]:N".
 */
static int
pub_bind(void *sock, const char *what, const char *endpoint, char out[256],
    char *err, size_t errcap)
{
	size_t len = 256;

	if (strchr(endpoint, '[') != NULL &&
	    pub_setopt(sock, ZMQ_IPV6, "ZMQ_IPV6", 1, err, errcap) == -1)
		return -1;
	if (zmq_bind(sock, endpoint) == -1 ||
	    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, out, &len) == -1) {
		snprintf(err, errcap, "%s%s: %s", what, endpoint,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/* Make sock a CURVE server checked by our ZAP handler. */
static int
pub_curve_server(void *sock, const struct curve_server *cs, char *err,
    size_t errcap)
{
	if (pub_setopt(sock, ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", 1, err,
	    errcap) == -1)
		return -1;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, cs->secret,
	    sizeof(cs->secret)) == -1 ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, PUB_ZAP_DOMAIN,
	    strlen(PUB_ZAP_DOMAIN)) == -1) {
		snprintf(err, errcap, "CurveZMQ: %s",
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/* The ZAP handler's socket, bound before any CURVE socket. */
static int
pub_open_zap(struct pub *p, char *err, size_t errcap)
{
	if ((p->zap = zmq_socket(p->ctx, ZMQ_REP)) == NULL ||
	    pub_setopt(p->zap, ZMQ_LINGER, "ZMQ_LINGER", 0, err,
	    errcap) == -1 ||
	    zmq_bind(p->zap, PUB_ZAP_EP) == -1) {
		snprintf(err, errcap, "ZAP handler: %s",
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/* The ROUTER socket of the snapshot service. */
static int
pub_open_router(struct pub *p, const struct pub_config *pc, char *err,
    size_t errcap)
{
	char derived[256];
	const char *ep = pc->snapshot;
	int64_t maxsize = PUB_REQ_MAX;

	if (ep == NULL) {
		if (pub_snapshot_endpoint(pc->endpoint, derived,
		    sizeof(derived)) == -1) {
			snprintf(err, errcap, "%s: no snapshot endpoint "
			    "derived from it; give one (--snapshot)",
			    pc->endpoint);
			return -1;
		}
		ep = derived;
	}
	if ((p->router = zmq_socket(p->ctx, ZMQ_ROUTER)) == NULL) {
		snprintf(err, errcap, "zmq: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	/* A bigger request makes libzmq drop that connection unread. */
	if (zmq_setsockopt(p->router, ZMQ_MAXMSGSIZE, &maxsize,
	    sizeof(maxsize)) == -1) {
		snprintf(err, errcap, "zmq_setsockopt ZMQ_MAXMSGSIZE: %s",
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	if (p->curve != NULL &&
	    pub_curve_server(p->router, p->curve, err, errcap) == -1)
		return -1;
	if (pub_setopt(p->router, ZMQ_ROUTER_MANDATORY,
	    "ZMQ_ROUTER_MANDATORY", 1, err, errcap) == -1 ||
	    pub_setopt(p->router, ZMQ_LINGER, "ZMQ_LINGER", 0, err,
	    errcap) == -1)
		return -1;
	return pub_bind(p->router, "snapshot ", ep, p->snap_endpoint, err,
	    errcap);
}

/* Socket options, then bind, then learn the endpoint actually bound. */
static int
pub_open(struct pub *p, const struct pub_config *pc, char *err,
    size_t errcap)
{
	if ((p->ctx = zmq_ctx_new()) == NULL ||
	    (p->sock = zmq_socket(p->ctx, ZMQ_PUB)) == NULL) {
		snprintf(err, errcap, "zmq: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	if (pub_setopt(p->sock, ZMQ_SNDHWM, "ZMQ_SNDHWM", PUB_SNDHWM, err,
	    errcap) == -1 ||
	    pub_setopt(p->sock, ZMQ_LINGER, "ZMQ_LINGER", PUB_LINGER_MS, err,
	    errcap) == -1 ||
	    pub_setopt(p->sock, ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP", 1, err,
	    errcap) == -1)
		return -1;
	if (p->curve != NULL && (pub_open_zap(p, err, errcap) == -1 ||
	    pub_curve_server(p->sock, p->curve, err, errcap) == -1))
		return -1;
	if (pub_bind(p->sock, "", pc->endpoint, p->endpoint, err,
	    errcap) == -1)
		return -1;
	return pub_open_router(p, pc, err, errcap);
}

struct pub *
pub_new(const struct pub_config *pc, char *err, size_t errcap)
{
	struct pub *p;

	if (!json_msg_string_ok(pc->sensor)) {
		snprintf(err, errcap, "sensor name missing or not UTF-8");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->sensor = strdup(pc->sensor)) == NULL ||
	    (p->hist = snap_new(pc->history_s, pc->history_bytes)) == NULL) {
		snprintf(err, errcap, "%s", strerror(errno));
		pub_free(p);
		return NULL;
	}
	p->curve = pc->curve;
	if (pub_open(p, pc, err, errcap) == -1) {
		pub_free(p);
		return NULL;
	}
	pub_run_id(p->run);
	p->start = pub_monotonic_ms() / 1000;
	return p;
}

void
pub_free(struct pub *p)
{
	if (p == NULL)
		return;
	if (p->zap != NULL)
		zmq_close(p->zap);
	if (p->router != NULL)
		zmq_close(p->router);
	if (p->sock != NULL)
		zmq_close(p->sock);
	/* Waits up to ZMQ_LINGER for queued messages to go out. */
	if (p->ctx != NULL) {
		while (zmq_ctx_term(p->ctx) == -1 && zmq_errno() == EINTR)
			continue;
	}
	snap_free(p->hist);
	free(p->sensor);
	free(p);
}

const char *
pub_endpoint(const struct pub *p)
{
	return p->endpoint;
}

const char *
pub_snapshot(const struct pub *p)
{
	return p->snap_endpoint;
}

const char *
pub_run(const struct pub *p)
{
	return p->run;
}

uint64_t
pub_dropped(const struct pub *p)
{
	return p->dropped;
}

void
pub_get_stats(const struct pub *p, struct stats *st)
{
	st->pub_dropped = p->dropped;
	st->snapshot_requests = p->snap_requests;
	st->snapshot_errors = p->snap_errors;
	st->snapshot_dropped = p->snap_dropped;
	st->snapshot_evicted = snap_evicted(p->hist);
	st->curve_refused = p->curve_refused;
}

/* zmq_send, again after a signal; -1 with zmq_errno() otherwise. */
static int
pub_send_frame(void *sock, const void *buf, size_t len, int flags)
{
	int rc;

	while ((rc = zmq_send(sock, buf, len, flags)) == -1 &&
	    zmq_errno() == EINTR)
		continue;
	return rc;
}

/* Send [topic, payload]; NULL payload counts as dropped. */
static void
pub_send(struct pub *p, const char *topic, const char *payload)
{
	if (payload == NULL ||
	    pub_send_frame(p->sock, topic, strlen(topic),
	    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
	    pub_send_frame(p->sock, payload, strlen(payload),
	    ZMQ_DONTWAIT) == -1)
		p->dropped++;
}

/* Publish and keep; 0, or -1 if the history could not take it. */
static int
pub_send_kept(struct pub *p, const char *topic, int64_t minute,
    char *payload)
{
	int rc = -1;

	pub_send(p, topic, payload);
	if (payload != NULL)
		rc = snap_add(p->hist, minute, p->seq, topic, payload);
	free(payload);
	return rc;
}

static int
pub_row_empty(const struct agg_row *r)
{
	return r->requests == 0 && r->tls_handshakes == 0;
}

static struct json_msg_head
pub_head(const struct pub *p)
{
	struct json_msg_head h = { p->sensor, p->run, p->seq };

	return h;
}

/*
 * One "counts.<class>" for rows[0 .. n), one class; none if all empty.
 * 0, or -1 if the message is not in the history.
 */
static int
pub_send_counts(struct pub *p, int64_t minute, const struct agg_row *rows,
    size_t n)
{
	char topic[sizeof(PUB_COUNTS) + CONFIG_CLASS_MAX];
	struct json_msg_head h;
	size_t i;
	int len;

	for (i = 0; i < n && pub_row_empty(&rows[i]); i++)
		continue;
	if (i == n)
		return 0;
	p->seq++;
	len = snprintf(topic, sizeof(topic), PUB_COUNTS "%s",
	    rows[0].cls_name);
	if (len < 0 || (size_t)len >= sizeof(topic)) {
		p->dropped++;
		return -1;
	}
	h = pub_head(p);
	return pub_send_kept(p, topic, minute, json_msg_counts(&h, minute,
	    rows, n));
}

/*
 * A minute goes into the history whole or not at all: a subscriber
 * filling a gap trusts the "minute" marker to list what came before it.
 */
void
pub_send_minute(struct pub *p, const struct agg_minute *m)
{
	struct json_msg_head h;
	size_t i, end;
	int bad = 0;

	/* Rows are sorted by class: each run of one class is one message. */
	for (i = 0; i < m->nrows; i = end) {
		for (end = i + 1; end < m->nrows &&
		    m->rows[end].cls == m->rows[i].cls; end++)
			continue;
		if (pub_send_counts(p, m->minute, &m->rows[i], end - i) == -1)
			bad = 1;
	}
	p->seq++;
	h = pub_head(p);
	if (pub_send_kept(p, "minute", m->minute, json_msg_minute(&h,
	    m)) == -1)
		bad = 1;
	if (bad)
		snap_abort(p->hist);
	else
		snap_commit(p->hist);
}

/*
 * A collector's correction of a minute published before: the whole minute
 * again, flagged, live only.  The history stays as first published: it is
 * kept in minute order, which an old minute would break.
 */
void
pub_send_correction(struct pub *p, const struct agg_minute *m)
{
	char topic[sizeof(PUB_COUNTS) + CONFIG_CLASS_MAX];
	struct json_msg_head h;
	size_t i, end, k;
	char *payload;
	int len;

	for (i = 0; i < m->nrows; i = end) {
		for (end = i + 1; end < m->nrows &&
		    m->rows[end].cls == m->rows[i].cls; end++)
			continue;
		for (k = i; k < end && pub_row_empty(&m->rows[k]); k++)
			continue;
		if (k == end)
			continue;
		p->seq++;
		len = snprintf(topic, sizeof(topic), PUB_COUNTS "%s",
		    m->rows[i].cls_name);
		if (len < 0 || (size_t)len >= sizeof(topic)) {
			p->dropped++;
			continue;
		}
		h = pub_head(p);
		payload = json_msg_counts_correction(&h, m->minute,
		    &m->rows[i], end - i);
		pub_send(p, topic, payload);
		free(payload);
	}
	p->seq++;
	h = pub_head(p);
	payload = json_msg_minute_correction(&h, m);
	pub_send(p, "minute", payload);
	free(payload);
}

void
pub_send_alert(struct pub *p, const struct alert_event *ev)
{
	char topic[sizeof(PUB_ALERT) + CONFIG_CLASS_MAX];
	struct json_msg_head h;
	char *payload;
	int len;

	if (ev->kind == ALERT_OPEN)
		return;
	len = snprintf(topic, sizeof(topic), PUB_ALERT "%s", ev->cls);
	if (len < 0 || (size_t)len >= sizeof(topic)) {
		p->dropped++;
		return;
	}
	p->seq++;
	h = pub_head(p);
	payload = json_msg_alert(&h, ev);
	pub_send(p, topic, payload);
	free(payload);
}

void
pub_send_stats(struct pub *p, const struct stats *st, int64_t now_us)
{
	int64_t up = pub_monotonic_ms() / 1000 - p->start;
	struct json_msg_head h;
	char *payload;

	p->seq++;
	h = pub_head(p);
	payload = json_msg_stats(&h, now_us, up > 0 ? (uint64_t)up : 0,
	    p->snap_endpoint, st);
	pub_send(p, "stats", payload);
	free(payload);
}

/*
 * Queue [id, topic, payload] on the ROUTER.  0, or -1 with zmq_errno():
 * EAGAIN when the client's queue is full, EHOSTUNREACH when it is gone.
 * The id frame is checked first, so either all goes or nothing.
 */
static int
pub_route(struct pub *p, const unsigned char *id, size_t idlen,
    const char *topic, size_t tlen, const char *payload, size_t plen)
{
	if (pub_send_frame(p->router, id, idlen,
	    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
		return -1;
	if (pub_send_frame(p->router, topic, tlen,
	    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
	    pub_send_frame(p->router, payload, plen, ZMQ_DONTWAIT) == -1)
		return -1;
	return 0;
}

/* Answer a bad request; best effort, never waits. */
static void
pub_reply_error(struct pub *p, zmq_msg_t *id, const char *code)
{
	char *payload;

	p->snap_errors++;
	if ((payload = json_msg_snapshot_error(p->sensor, p->run,
	    code)) == NULL)
		return;
	(void)pub_route(p, zmq_msg_data(id), zmq_msg_size(id),
	    "snapshot.error", strlen("snapshot.error"), payload,
	    strlen(payload));
	free(payload);
}

/* frames[0] is the client's id, then what it sent: ["snapshot", JSON]. */
static void
pub_request(struct pub *p, zmq_msg_t *f, size_t n)
{
	struct pub_reply *r;
	const char *why;
	int64_t from;

	if (n != 3) {
		pub_reply_error(p, &f[0], "bad_request");
		return;
	}
	if (zmq_msg_size(&f[1]) != strlen(PUB_SNAP_CMD) ||
	    memcmp(zmq_msg_data(&f[1]), PUB_SNAP_CMD,
	    strlen(PUB_SNAP_CMD)) != 0) {
		pub_reply_error(p, &f[0], "unknown_request");
		return;
	}
	if (json_msg_snapshot_request(zmq_msg_data(&f[2]),
	    zmq_msg_size(&f[2]), &from, &why) == -1) {
		pub_reply_error(p, &f[0], why);
		return;
	}
	if (p->nreplies == PUB_REPLIES || zmq_msg_size(&f[0]) > PUB_ID_MAX) {
		pub_reply_error(p, &f[0], "busy");
		return;
	}
	r = &p->replies[p->nreplies++];
	memset(r, 0, sizeof(*r));
	r->idlen = zmq_msg_size(&f[0]);
	memcpy(r->id, zmq_msg_data(&f[0]), r->idlen);
	r->last_seq = p->seq;
	r->from = from > 0 ? from : INT64_MIN;
	r->progress_ms = pub_monotonic_ms();
	p->snap_requests++;
}

/* Take one waiting request; -1 if there is none. */
static int
pub_recv_request(struct pub *p)
{
	zmq_msg_t f[3], extra;
	zmq_msg_t *m;
	size_t n = 0, i;
	int more = 1;

	/* Multipart messages arrive whole: once one part is in, all are. */
	while (more) {
		m = n < 3 ? &f[n] : &extra;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, p->router, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(m);
			break;
		}
		more = zmq_msg_more(m);
		if (n >= 3)
			zmq_msg_close(m);
		n++;
	}
	if (n == 0)
		return -1;
	pub_request(p, f, n);
	for (i = 0; i < n && i < 3; i++)
		zmq_msg_close(&f[i]);
	return 0;
}

/*
 * The last message of a reply.  The range is what the history keeps of
 * what was published up to last_seq, whatever from_minute_ts asked.
 */
static int
pub_reply_end(struct pub *p, const struct pub_reply *r)
{
	const struct snap_msg *first = snap_get(p->hist, 0), *last = NULL;
	size_t n = snap_find(p->hist, r->last_seq + 1, INT64_MIN);
	char *payload;
	int rc;

	if (n > 0)
		last = snap_get(p->hist, n - 1);
	if ((payload = json_msg_snapshot_end(p->sensor, p->run, r->last_seq,
	    last != NULL, first != NULL ? first->minute_ts : 0,
	    last != NULL ? last->minute_ts : 0)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	rc = pub_route(p, r->id, r->idlen, "snapshot.end",
	    strlen("snapshot.end"), payload, strlen(payload));
	free(payload);
	return rc;
}

/*
 * Advance a reply within the round's budget.  Returns 1 when it is
 * finished (or given up) and should be removed, else 0.
 */
static int
pub_reply_step(struct pub *p, struct pub_reply *r, size_t *msgs,
    size_t *bytes, int64_t now)
{
	const struct snap_msg *m;
	size_t i = snap_find(p->hist, r->next_seq, r->from);

	for (;;) {
		if (*msgs == 0 || *bytes == 0)
			return 0;
		m = snap_get(p->hist, i);
		if (m == NULL || m->seq > r->last_seq) {
			if (pub_reply_end(p, r) == 0) {
				--*msgs;
				return 1;
			}
		} else if (pub_route(p, r->id, r->idlen, m->topic,
		    m->topic_len, m->payload, m->payload_len) == 0) {
			r->next_seq = m->seq + 1;
			r->progress_ms = now;
			r->blocked = 0;
			--*msgs;
			*bytes -= m->topic_len + m->payload_len < *bytes ?
			    m->topic_len + m->payload_len : *bytes;
			i++;
			continue;
		}
		if (zmq_errno() != EAGAIN ||
		    now - r->progress_ms > PUB_STALL_MS) {
			p->snap_dropped++;
			return 1;
		}
		r->blocked = 1;
		return 0;
	}
}

/*
 * One round over the replies in progress, starting at a rotating one so
 * that one big reply does not always take the whole budget first.
 */
static void
pub_replies_round(struct pub *p)
{
	size_t msgs = PUB_ROUND_MSGS, bytes = PUB_ROUND_BYTES, n, k, i;
	int64_t now = pub_monotonic_ms();
	struct pub_reply *r;

	if ((n = p->nreplies) == 0)
		return;
	for (k = 0; k < n; k++) {
		r = &p->replies[(p->rr + k) % n];
		r->done = pub_reply_step(p, r, &msgs, &bytes, now);
	}
	p->rr++;
	for (i = 0, k = 0; i < n; i++)
		if (!p->replies[i].done)
			p->replies[k++] = p->replies[i];
	p->nreplies = k;
}

static int
pub_replies_ready(const struct pub *p)
{
	size_t i;

	for (i = 0; i < p->nreplies; i++)
		if (!p->replies[i].blocked)
			return 1;
	return 0;
}

/* 1 if frame f holds exactly the string s. */
static int
pub_frame_is(zmq_msg_t *f, const char *s)
{
	return zmq_msg_size(f) == strlen(s) &&
	    memcmp(zmq_msg_data(f), s, strlen(s)) == 0;
}

/*
 * The ZAP verdict (RFC 27) on a request of n frames: version "1.0",
 * request id, domain, address, routing id, mechanism, credentials.  Only
 * CURVE with an allowed key passes; our sockets use nothing else.
 */
static const char *
pub_zap_verdict(struct pub *p, zmq_msg_t *f, size_t n)
{
	if (n < 6 || !pub_frame_is(&f[0], "1.0"))
		return "500";
	if (n != PUB_ZAP_FRAMES || !pub_frame_is(&f[5], "CURVE") ||
	    zmq_msg_size(&f[6]) != CURVE_KEY_LEN ||
	    !curve_allow_has(&p->curve->allow, zmq_msg_data(&f[6]))) {
		p->curve_refused++;
		return "400";
	}
	return "200";
}

/*
 * Answer one ZAP request; -1 if none is waiting.  A REP socket must
 * answer what it took, so every request gets a reply, echoing its id.
 */
static int
pub_zap_one(struct pub *p)
{
	zmq_msg_t f[PUB_ZAP_FRAMES], extra, *m;
	const char *code, *text;
	size_t n = 0, i;
	int more = 1;

	while (more) {
		m = n < PUB_ZAP_FRAMES ? &f[n] : &extra;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, p->zap, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(m);
			break;
		}
		more = zmq_msg_more(m);
		if (n >= PUB_ZAP_FRAMES)
			zmq_msg_close(m);
		n++;
	}
	if (n == 0)
		return -1;
	code = pub_zap_verdict(p, f, n);
	text = code[0] == '2' ? "OK" : code[0] == '4' ?
	    "key not allowed" : "bad request";
	(void)pub_send_frame(p->zap, "1.0", 3, ZMQ_SNDMORE);
	if (n > 1)
		(void)pub_send_frame(p->zap, zmq_msg_data(&f[1]),
		    zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	else
		(void)pub_send_frame(p->zap, "", 0, ZMQ_SNDMORE);
	(void)pub_send_frame(p->zap, code, 3, ZMQ_SNDMORE);
	(void)pub_send_frame(p->zap, text, strlen(text), ZMQ_SNDMORE);
	(void)pub_send_frame(p->zap, "", 0, ZMQ_SNDMORE);
	(void)pub_send_frame(p->zap, "", 0, 0);
	for (i = 0; i < n && i < PUB_ZAP_FRAMES; i++)
		zmq_msg_close(&f[i]);
	return 0;
}

int
pub_poll(struct pub *p, int timeout_ms)
{
	zmq_pollitem_t it[2] = {
		{ p->router, 0, ZMQ_POLLIN, 0 },
		{ p->zap, 0, ZMQ_POLLIN, 0 },
	};
	int wait = timeout_ms, n;

	if (pub_replies_ready(p))
		wait = 0;
	else if (p->nreplies > 0 && wait > PUB_RETRY_MS)
		wait = PUB_RETRY_MS;
	/* EINTR (a signal) is nothing to do: the caller checks its flag. */
	if (zmq_poll(it, p->zap != NULL ? 2 : 1, wait) <= 0)
		memset(it, 0, sizeof(it));
	if ((it[1].revents & ZMQ_POLLIN) != 0)
		for (n = 0; n < PUB_ZAP_ROUND; n++)
			if (pub_zap_one(p) == -1)
				break;
	if ((it[0].revents & ZMQ_POLLIN) != 0)
		for (n = 0; n < PUB_REQS_ROUND; n++)
			if (pub_recv_request(p) == -1)
				break;
	pub_replies_round(p);
	return p->nreplies > 0;
}

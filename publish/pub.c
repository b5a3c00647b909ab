/*
 * pub.c - ZeroMQ publisher (wire format v1, docs/wire.md).
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
 * Not thread-safe, like the socket it owns: one thread publishes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "json.h"
#include "pub.h"

#define PUB_SNDHWM	10000	/* messages queued per subscriber */
#define PUB_LINGER_MS	1000	/* for the last messages at exit */
#define PUB_COUNTS	"counts."

struct pub {
	void		*ctx;
	void		*sock;
	char		*sensor;
	char		 endpoint[256];
	uint64_t	 seq;		/* of the last message built */
	uint64_t	 dropped;
	int64_t		 start;		/* CLOCK_MONOTONIC, seconds */
};

static int64_t
pub_monotonic(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec;
}

/* Set an int socket option; 0 or -1 with the reason in err. */
static int
pub_setopt(struct pub *p, int opt, const char *name, int val, char *err,
    size_t errcap)
{
	if (zmq_setsockopt(p->sock, opt, &val, sizeof(val)) == 0)
		return 0;
	snprintf(err, errcap, "zmq_setsockopt %s: %s", name,
	    zmq_strerror(zmq_errno()));
	return -1;
}

/* Socket options, then bind, then learn the endpoint actually bound. */
static int
pub_open(struct pub *p, const char *endpoint, char *err, size_t errcap)
{
	size_t len = sizeof(p->endpoint);

	if ((p->ctx = zmq_ctx_new()) == NULL ||
	    (p->sock = zmq_socket(p->ctx, ZMQ_PUB)) == NULL) {
		snprintf(err, errcap, "zmq: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	if (pub_setopt(p, ZMQ_SNDHWM, "ZMQ_SNDHWM", PUB_SNDHWM, err,
	    errcap) == -1 ||
	    pub_setopt(p, ZMQ_LINGER, "ZMQ_LINGER", PUB_LINGER_MS, err,
	    errcap) == -1 ||
	    pub_setopt(p, ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP", 1, err,
	    errcap) == -1)
		return -1;
	/*
	 * IPv6 only for an IPv6 literal ("tcp://[::1]:5556"): with ZMQ_IPV6
	 * on, IPv4 endpoints come back as "tcp://[::ffff:127.0.0.1]:N".
	 */
	if (strchr(endpoint, '[') != NULL &&
	    pub_setopt(p, ZMQ_IPV6, "ZMQ_IPV6", 1, err, errcap) == -1)
		return -1;
	if (zmq_bind(p->sock, endpoint) == -1) {
		snprintf(err, errcap, "%s: %s", endpoint,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	if (zmq_getsockopt(p->sock, ZMQ_LAST_ENDPOINT, p->endpoint,
	    &len) == -1) {
		snprintf(err, errcap, "%s: %s", endpoint,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

struct pub *
pub_new(const char *endpoint, const char *sensor, char *err, size_t errcap)
{
	struct pub *p;

	if (!json_msg_string_ok(sensor)) {
		snprintf(err, errcap, "sensor name missing or not UTF-8");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->sensor = strdup(sensor)) == NULL) {
		snprintf(err, errcap, "%s", strerror(errno));
		free(p);
		return NULL;
	}
	if (pub_open(p, endpoint, err, errcap) == -1) {
		pub_free(p);
		return NULL;
	}
	p->start = pub_monotonic();
	return p;
}

void
pub_free(struct pub *p)
{
	if (p == NULL)
		return;
	if (p->sock != NULL)
		zmq_close(p->sock);
	/* Waits up to ZMQ_LINGER for queued messages to go out. */
	if (p->ctx != NULL) {
		while (zmq_ctx_term(p->ctx) == -1 && zmq_errno() == EINTR)
			continue;
	}
	free(p->sensor);
	free(p);
}

const char *
pub_endpoint(const struct pub *p)
{
	return p->endpoint;
}

uint64_t
pub_dropped(const struct pub *p)
{
	return p->dropped;
}

static int
pub_send_part(struct pub *p, const char *s, int flags)
{
	int rc;

	while ((rc = zmq_send(p->sock, s, strlen(s), flags)) == -1 &&
	    zmq_errno() == EINTR)
		continue;
	return rc;
}

/* Send [topic, payload] and free payload; NULL payload counts as dropped. */
static void
pub_send(struct pub *p, const char *topic, char *payload)
{
	if (payload == NULL ||
	    pub_send_part(p, topic, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
	    pub_send_part(p, payload, ZMQ_DONTWAIT) == -1)
		p->dropped++;
	free(payload);
}

static int
pub_row_empty(const struct agg_row *r)
{
	return r->requests == 0 && r->tls_handshakes == 0;
}

/* One "counts.<class>" for rows[0 .. n), one class; none if all empty. */
static void
pub_send_counts(struct pub *p, int64_t minute, const struct agg_row *rows,
    size_t n)
{
	char topic[sizeof(PUB_COUNTS) + CONFIG_CLASS_MAX];
	size_t i;
	int len;

	for (i = 0; i < n && pub_row_empty(&rows[i]); i++)
		continue;
	if (i == n)
		return;
	p->seq++;
	len = snprintf(topic, sizeof(topic), PUB_COUNTS "%s",
	    rows[0].cls_name);
	if (len < 0 || (size_t)len >= sizeof(topic)) {
		p->dropped++;
		return;
	}
	pub_send(p, topic, json_msg_counts(p->sensor, p->seq, minute, rows,
	    n));
}

void
pub_send_minute(struct pub *p, const struct agg_minute *m)
{
	size_t i, end;

	/* Rows are sorted by class: each run of one class is one message. */
	for (i = 0; i < m->nrows; i = end) {
		for (end = i + 1; end < m->nrows &&
		    m->rows[end].cls == m->rows[i].cls; end++)
			continue;
		pub_send_counts(p, m->minute, &m->rows[i], end - i);
	}
	p->seq++;
	pub_send(p, "minute", json_msg_minute(p->sensor, p->seq, m));
}

void
pub_send_stats(struct pub *p, const struct stats *st, int64_t now_us)
{
	int64_t up = pub_monotonic() - p->start;

	p->seq++;
	pub_send(p, "stats", json_msg_stats(p->sensor, p->seq, now_us,
	    up > 0 ? (uint64_t)up : 0, st));
}

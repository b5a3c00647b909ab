/*
 * pub.h - ZeroMQ publisher and snapshot service (wire format v1,
 * docs/wire.md).
 *
 * The only code that includes zmq.h.  Messages are multipart
 * [topic, JSON]: "counts.<class>" once per closed (minute, class),
 * "minute" once per closed minute, "stats" every few seconds.  Sends never
 * block: the PUB socket drops at its high-water mark, and drops are
 * counted.  Beside the PUB socket a ROUTER socket answers snapshot
 * requests from the kept history (snapshot.h), a bounded slice per
 * pub_poll so that capture never waits for a snapshot client.
 */
#ifndef ORIGINSTAT_PUB_H
#define ORIGINSTAT_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "alert.h"
#include "curve.h"
#include "stats.h"

#define WIRE_VERSION		1
#define PUB_HISTORY_BYTES	((size_t)64 << 20)	/* default */
#define PUB_RUN_LEN		16	/* hex digits of a run id */
#define PUB_ROUND_MSGS		1024	/* snapshot messages per pub_poll */
#define PUB_ROUND_BYTES		((size_t)1 << 20)	/* and bytes */

struct pub;

struct pub_config {
	const char	*endpoint;	/* PUB, e.g. "tcp://127.0.0.1:5556" */
	const char	*snapshot;	/* ROUTER; NULL: derived */
	const char	*sensor;	/* names this originstatd */
	int64_t		 history_s;	/* minutes kept, by minute_ts */
	size_t		 history_bytes;	/* topics and payloads kept */
	/*
	 * NULL: plain.  Else CurveZMQ on both sockets, subscribers' keys
	 * checked against curve->allow by a ZAP handler that pub_poll
	 * serves; owned by the caller, kept until pub_free.
	 */
	const struct curve_server *curve;
};

/* Defaults: derived snapshot endpoint, one day, PUB_HISTORY_BYTES. */
void		 pub_config_default(struct pub_config *,
		    const char *endpoint, const char *sensor);
/*
 * The snapshot endpoint derived from a PUB endpoint (docs/wire.md):
 * tcp://HOST:PORT -> tcp://HOST:PORT+1 (a wildcard port stays one),
 * ipc://PATH -> ipc://PATH.snapshot, inproc://NAME -> inproc://NAME.snapshot.
 * 0, or -1 when there is no convention for it or out is too small.
 */
int		 pub_snapshot_endpoint(const char *endpoint, char *out,
		    size_t outcap) __attribute__((warn_unused_result));

/*
 * Bind the PUB and the snapshot ROUTER socket and draw a run id.  NULL on
 * failure with a message in err.
 */
struct pub	*pub_new(const struct pub_config *, char *err, size_t errcap);
/* Waits up to one second (ZMQ_LINGER) for queued messages to go out. */
void		 pub_free(struct pub *);
/*
 * The endpoints actually bound, e.g. "tcp://127.0.0.1:41237" for
 * "tcp://127.0.0.1:*" (ZMQ_LAST_ENDPOINT).  Owned by the publisher.
 */
const char	*pub_endpoint(const struct pub *);
const char	*pub_snapshot(const struct pub *);
/* This run's id, PUB_RUN_LEN lowercase hex digits. */
const char	*pub_run(const struct pub *);

/*
 * Publish one closed minute: counts.<class> per class, then "minute"; the
 * messages are kept in the history too.
 */
void		 pub_send_minute(struct pub *, const struct agg_minute *);
/*
 * A collector's correction: the whole minute again, counts.<class> and
 * "minute" with "correction":true, not kept in the history (docs/wire.md).
 * Rows with no requests and no handshakes are left out as above.
 */
void		 pub_send_correction(struct pub *, const struct agg_minute *);
/*
 * Publish a surge alert on "alert.<class>" (raised or cleared; ALERT_OPEN
 * is not sent).  Live only: not kept in the history.
 */
void		 pub_send_alert(struct pub *, const struct alert_event *);
/* Publish a stats message; now_us is the wall clock. */
void		 pub_send_stats(struct pub *, const struct stats *,
		    int64_t now_us);

/*
 * Serve the snapshot socket (and the ZAP handler, with CurveZMQ): answer
 * the handshakes waiting, take the requests waiting, then send the next
 * slice of the replies in progress (at most PUB_ROUND_MSGS messages or
 * PUB_ROUND_BYTES bytes in all).  Waits up to timeout_ms for a request when
 * there is nothing to send (0: never waits).  Returns 1 if replies are
 * still in progress, else 0.
 */
int		 pub_poll(struct pub *, int timeout_ms);

/* Messages dropped because the PUB socket would have blocked. */
uint64_t	 pub_dropped(const struct pub *);
/* pub_dropped, the snapshot_* counters and curve_refused into st. */
void		 pub_get_stats(const struct pub *, struct stats *st);

#endif

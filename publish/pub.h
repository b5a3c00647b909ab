/*
 * pub.h - ZeroMQ publisher (wire format v1, docs/wire.md).
 *
 * The only code that includes zmq.h.  Messages are multipart
 * [topic, JSON]: "counts.<class>" once per closed (minute, class),
 * "minute" once per closed minute, "stats" every few seconds.  Sends never
 * block: the PUB socket drops at its high-water mark, and drops are
 * counted.
 */
#ifndef ORIGINSTAT_PUB_H
#define ORIGINSTAT_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "stats.h"

#define WIRE_VERSION 1

struct pub;

/*
 * Bind a PUB socket at endpoint.  sensor names this originstatd in every
 * payload.  NULL on failure with a message in err.
 */
struct pub	*pub_new(const char *endpoint, const char *sensor, char *err,
		    size_t errcap);
/* Waits up to one second (ZMQ_LINGER) for queued messages to go out. */
void		 pub_free(struct pub *);
/*
 * The endpoint actually bound, e.g. "tcp://127.0.0.1:41237" for
 * "tcp://127.0.0.1:*" (ZMQ_LAST_ENDPOINT).  Owned by the publisher.
 */
const char	*pub_endpoint(const struct pub *);

/* Publish one closed minute: counts.<class> per class, then "minute". */
void		 pub_send_minute(struct pub *, const struct agg_minute *);
/* Publish a stats message; now_us is the wall clock. */
void		 pub_send_stats(struct pub *, const struct stats *,
		    int64_t now_us);
/* Messages dropped because the socket would have blocked. */
uint64_t	 pub_dropped(const struct pub *);

#endif

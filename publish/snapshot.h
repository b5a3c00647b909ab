/*
 * snapshot.h - the history behind the snapshot service (docs/wire.md).
 *
 * Keeps the published counts.<class> and "minute" messages of the last
 * closed minutes, byte for byte, so that a subscriber that missed some can
 * ask for them again.  Messages are added one by one as they are published
 * and a minute becomes visible only when its "minute" marker is committed,
 * so a reader never sees half a minute.  Bounded twice: by age (minute_ts
 * relative to the newest kept minute) and by bytes; the oldest whole
 * minutes go first and are counted.
 *
 * No I/O and no ZeroMQ here: pub.c owns the sockets.  Allocation happens
 * per added message, which is per published message (a few a minute).
 */
#ifndef ORIGINSTAT_SNAPSHOT_H
#define ORIGINSTAT_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct snap;

/* One kept message: topic and payload, NUL-terminated, as published. */
struct snap_msg {
	int64_t		 minute_ts;
	uint64_t	 seq;
	size_t		 topic_len, payload_len;
	const char	*topic, *payload;	/* into the same allocation */
	char		 data[];
};

/*
 * Keep the minutes with newest - minute_ts < max_age_s, at most max_bytes
 * of topics and payloads.  max_age_s 0 keeps nothing.  NULL: no memory.
 */
struct snap	*snap_new(int64_t max_age_s, size_t max_bytes);
void		 snap_free(struct snap *);

/*
 * Append one message of the minute being built (not visible yet).  The
 * bytes are copied.  0, or -1 when memory runs out: the caller should
 * snap_abort the minute.
 */
int		 snap_add(struct snap *, int64_t minute_ts, uint64_t seq,
		    const char *topic, const char *payload)
		    __attribute__((warn_unused_result));
/*
 * The minute's messages are all in: make them visible, then evict.  A
 * minute not newer than the newest kept one (packet time went back)
 * evicts everything kept before it, so kept minutes stay oldest first.
 */
void		 snap_commit(struct snap *);
/* Forget the messages added since the last commit. */
void		 snap_abort(struct snap *);

/* Visible messages, oldest first. */
size_t		 snap_count(const struct snap *);
const struct snap_msg *snap_get(const struct snap *, size_t i);
/*
 * Index of the first visible message with seq >= seq and minute_ts >=
 * minute_ts; snap_count() if none.  Binary search: both are increasing.
 */
size_t		 snap_find(const struct snap *, uint64_t seq,
		    int64_t minute_ts);
/* Bytes of topics and payloads kept (visible or not). */
size_t		 snap_bytes(const struct snap *);
/* Minutes evicted since snap_new. */
uint64_t	 snap_evicted(const struct snap *);

#endif

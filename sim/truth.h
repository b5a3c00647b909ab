/*
 * truth.h - the exact counts a simulated capture must produce.
 *
 * Collects every counted hit (request head or ClientHello) with its real
 * client, and writes the CSV originstatd writes (publish/csv.h): header
 * minute_utc,class,country,requests,tls_handshakes,clients; rows sorted by
 * minute, class name (strcmp), country; clients exact.
 */
#ifndef ORIGINSTAT_SIM_TRUTH_H
#define ORIGINSTAT_SIM_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../daemon/addr.h"

struct truth_stats {
	uint64_t	requests, handshakes, rows;
};

struct truth;

/*
 * path NULL: count only, write nothing.  classes: nclasses names,
 * borrowed.  NULL on error with a message naming the file in err.
 */
struct truth	*truth_open(const char *path, const char *const *classes,
		    size_t nclasses, char *err, size_t errcap);

/* Record one hit at ts_us.  0, or -1 when out of memory. */
int		 truth_add(struct truth *, int64_t ts_us, unsigned cls,
		    const char cc[3], bool tls, const struct ip_addr *client)
		    __attribute__((warn_unused_result));

/*
 * Write the rows of every minute that starts before before_us; the caller
 * promises no later hit falls in those minutes.  0 or -1 (write error).
 */
int		 truth_flush(struct truth *, int64_t before_us)
		    __attribute__((warn_unused_result));

void		 truth_get_stats(const struct truth *, struct truth_stats *);

/* Flush all, close and free.  0, or -1 with a message in err. */
int		 truth_close(struct truth *, char *err, size_t errcap);

/*
 * When the client bytes of one connection arrived, from the segments
 * actually written.  A byte arrives with the first segment (in capture
 * order: timestamp order) that carries it; later copies, even with other
 * bytes, change nothing, as originstatd keeps the first copy.  originstatd
 * reads a stream in order from its first captured byte (the anchor), so a
 * request head or ClientHello ending at stream offset end is seen when
 * every byte of [anchor, end) has arrived: the timestamp of the segment
 * that completes that range, the later one of a reordered pair.
 * Offsets count from the first byte after the SYN.
 */
struct truth_arrival {
	uint64_t	from, to;	/* stream offsets [from, to) */
	int64_t		ts;
	size_t		idx;		/* recording order, breaks ties */
};

struct truth_stream {
	struct truth_arrival	*v;
	size_t			*pend;	/* out-of-order arrivals, sweep */
	size_t			 n, cap;
	uint64_t		 anchor;
	bool			 sorted;
};

void		 truth_stream_init(struct truth_stream *);
void		 truth_stream_fini(struct truth_stream *);

/* Forget all arrivals (keeping memory); the capture starts at anchor. */
void		 truth_stream_reset(struct truth_stream *, uint64_t anchor);

/* len bytes at stream offset off arrived at ts.  0, or -1 out of memory. */
int		 truth_stream_arrive(struct truth_stream *, int64_t ts,
		    uint64_t off, size_t len)
		    __attribute__((warn_unused_result));

/*
 * Whether every byte of [anchor, end) has arrived; if so *ts is when the
 * last of them did.  false when end <= anchor: a head that ended before
 * the capture started was never seen.
 */
bool		 truth_stream_done(struct truth_stream *, uint64_t end,
		    int64_t *ts);

#endif

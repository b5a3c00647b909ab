/*
 * agg.h - per-minute aggregation by (minute, class, country).
 *
 * Time is the packet timestamp, never the wall clock, in UTC minutes.  A
 * minute closes when time passes its end plus the grace period; closed
 * minutes are handed to an emit callback whole, rows sorted by class name
 * then country.  Hits for a minute already closed are "late": counted in
 * stats, never silently dropped.  When time goes back by more than ten
 * minutes (captures joined end to end, a clock step) the open minutes are
 * closed and counting starts again from the new time, so such minutes can
 * appear twice, each time with the hits seen then.  Memory is bounded by the open minutes
 * (at most AGG_OPEN_MAX) times the (class, country) pairs seen in them.
 */
#ifndef ORIGINSTAT_AGG_H
#define ORIGINSTAT_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hll.h"

#define AGG_OPEN_MAX	8	/* minutes open at once */
#define AGG_DENSE_MAX	1024	/* dense sketches at once (32 MiB) */

enum agg_kind {
	AGG_REQUEST,
	AGG_TLS,
};

struct agg_row {
	unsigned	 cls;		/* class index */
	const char	*cls_name;	/* valid during the emit callback */
	char		 cc[3];		/* country, NUL-terminated */
	uint64_t	 requests;
	uint64_t	 tls_handshakes;
	uint64_t	 clients;	/* distinct-count estimate */
	const struct hll *sketch;
};

struct agg_minute {
	int64_t			 minute;	/* UTC seconds, multiple of 60 */
	const struct agg_row	*rows;
	size_t			 nrows;
};

struct agg_stats {
	uint64_t	hits;
	uint64_t	late;		/* hits for a minute already closed */
	uint64_t	nomem;		/* hits lost to memory exhaustion */
	uint64_t	minutes_closed;
	uint64_t	minutes_empty;	/* handed out without rows */
	uint64_t	rows_emitted;
	uint64_t	clock_resets;	/* time went back over 10 minutes */
	uint64_t	sketch_capped;	/* clients not added: sketch budget */
};

typedef void (*agg_emit_fn)(void *arg, const struct agg_minute *);

struct agg;

/*
 * classes: nclasses names (config.classes, the last one "other"), copied.
 * grace in seconds.
 */
struct agg	*agg_new(const char (*classes)[CONFIG_CLASS_MAX + 1],
		    size_t nclasses, double grace);
void		 agg_free(struct agg *);
/*
 * Also hand out the minutes without hits (nrows 0, rows NULL), in order
 * among the others, from the minute of the first time seen on: a
 * subscriber then learns that a quiet minute is complete instead of
 * waiting for one that never comes.  Not when time jumps over more than
 * max minutes at once (a capture with a gap of days gets no burst of
 * empties; a live clock moves a minute at a time); 0, the default, hands
 * out minutes with hits only.
 */
void		 agg_set_empty_minutes(struct agg *, unsigned max);

/*
 * A reload: from now on class index i means classes[i], and minutes close
 * grace seconds after their end.  Nothing is closed or lost.  Rows already
 * counted keep their class name: a row whose class is also in the new list
 * goes on counting under it (one row per minute, class and country); a row
 * whose class is gone keeps its old name until its minute closes.  0, or -1
 * (no memory, bad arguments) with the aggregator unchanged.
 */
int		 agg_reconfigure(struct agg *,
		    const char (*classes)[CONFIG_CLASS_MAX + 1],
		    size_t nclasses, double grace)
		    __attribute__((warn_unused_result));

/* Count one hit at time ts_us (microseconds since the epoch, UTC). */
void		 agg_hit(struct agg *, int64_t ts_us, unsigned cls,
		    const char cc[2], enum agg_kind kind, uint64_t client_hash,
		    agg_emit_fn emit, void *arg);
/* Time moved to now_us: close and emit minutes past end + grace. */
void		 agg_tick(struct agg *, int64_t now_us, agg_emit_fn emit,
		    void *arg);
/*
 * Close and emit every open minute (end of file, shutdown), and with
 * agg_set_empty_minutes the quiet minutes up to the latest time's minute.
 */
void		 agg_flush(struct agg *, agg_emit_fn emit, void *arg);
void		 agg_get_stats(const struct agg *, struct agg_stats *);

#endif

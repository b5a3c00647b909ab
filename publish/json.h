/*
 * json.h - payloads of wire format v1 (docs/wire.md), built with jansson.
 *
 * The prefix is json_msg_ rather than json_ because jansson owns json_*.
 * Each builder returns compact JSON text (no newline) to be freed with
 * free(3), or NULL when memory runs out or a string is not valid UTF-8
 * (jansson refuses those).  Rows with no requests and no TLS handshakes
 * are left out, as in the CSV.  The parser of snapshot requests is here
 * too: it is the only JSON originstatd reads from the network.
 */
#ifndef ORIGINSTAT_JSON_H
#define ORIGINSTAT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "alert.h"
#include "stats.h"

/* The fields every published payload starts with (after "v", "type"). */
struct json_msg_head {
	const char	*sensor;
	const char	*run;		/* 16 hex digits, this process */
	uint64_t	 seq;
};

/*
 * "counts" payload for one class of a closed minute.  rows are that class's
 * rows (all with the same cls_name), nrows >= 1.  A row with a sketch gets
 * its encoding (daemon/hll_codec.h) as "sketch".
 */
char	*json_msg_counts(const struct json_msg_head *, int64_t minute,
	    const struct agg_row *rows, size_t nrows);
/* "minute" payload: the close marker with the minute's classes and totals. */
char	*json_msg_minute(const struct json_msg_head *,
	    const struct agg_minute *);
/*
 * The same two payloads with "correction":true: a collector republishing
 * a minute it closed before, with late data merged in (docs/wire.md).
 */
char	*json_msg_counts_correction(const struct json_msg_head *,
	    int64_t minute, const struct agg_row *rows, size_t nrows);
char	*json_msg_minute_correction(const struct json_msg_head *,
	    const struct agg_minute *);
/*
 * "alert" or "alert_cleared" payload (ALERT_OPEN is not published):
 * docs/wire.md.  Not kept in the history.
 */
char	*json_msg_alert(const struct json_msg_head *,
	    const struct alert_event *);
/*
 * "stats" payload; now_us is the wall clock, uptime_s the seconds up,
 * snapshot the snapshot endpoint bound (NULL: no "snapshot" field).
 */
char	*json_msg_stats(const struct json_msg_head *, int64_t now_us,
	    uint64_t uptime_s, const char *snapshot, const struct stats *);
/*
 * "snapshot_end" payload closing a snapshot reply.  oldest and newest are
 * the minutes kept, written as null when have_range is 0.
 */
char	*json_msg_snapshot_end(const char *sensor, const char *run,
	    uint64_t last_seq, int have_range, int64_t oldest, int64_t newest);
/* "snapshot_error" payload: error is one of the codes in docs/wire.md. */
char	*json_msg_snapshot_error(const char *sensor, const char *run,
	    const char *error);
/*
 * Parse the JSON frame of a snapshot request: {"v":1,"from_minute_ts":T},
 * T optional.  len bytes, need not be NUL-terminated.  0 with *from_ts
 * (0 when absent), or -1 with *error set to an error code.
 */
int	 json_msg_snapshot_request(const char *buf, size_t len,
	    int64_t *from_ts, const char **error);
/* 1 if s is valid UTF-8 that jansson accepts as a string, else 0. */
int	 json_msg_string_ok(const char *s);

#endif

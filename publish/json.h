/*
 * json.h - payloads of wire format v1 (docs/wire.md), built with jansson.
 *
 * The prefix is json_msg_ rather than json_ because jansson owns json_*.
 * Each builder returns compact JSON text (no newline) to be freed with
 * free(3), or NULL when memory runs out or a string is not valid UTF-8
 * (jansson refuses those).  Rows with no requests and no TLS handshakes
 * are left out, as in the CSV.
 */
#ifndef ORIGINSTAT_JSON_H
#define ORIGINSTAT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "stats.h"

/*
 * "counts" payload for one class of a closed minute.  rows are that class's
 * rows (all with the same cls_name), nrows >= 1.
 */
char	*json_msg_counts(const char *sensor, uint64_t seq, int64_t minute,
	    const struct agg_row *rows, size_t nrows);
/* "minute" payload: the close marker with the minute's classes and totals. */
char	*json_msg_minute(const char *sensor, uint64_t seq,
	    const struct agg_minute *);
/* "stats" payload; now_us is the wall clock, uptime_s the seconds up. */
char	*json_msg_stats(const char *sensor, uint64_t seq, int64_t now_us,
	    uint64_t uptime_s, const struct stats *);
/* 1 if s is valid UTF-8 that jansson accepts as a string, else 0. */
int	 json_msg_string_ok(const char *s);

#endif

/*
 * csv.h - per-minute CSV for people and spreadsheets (RFC 4180).
 *
 * Header: minute_utc,class,country,requests,tls_handshakes,clients
 * One row per non-empty (minute, class, country), minute_utc like
 * 2016-11-08T19:00:00Z.  A minute is written whole and flushed, so a reader
 * never sees half a minute.  Appending to an existing file with the same
 * header keeps it; an existing file with another header is an error.
 *
 * Opened with csv_open_local, each row also has a last column minute_local:
 * the same minute in the process's time zone (TZ, set by the caller) with
 * its UTC offset, like 2016-11-08T14:00:00-05:00.  The fixed columns come
 * first and are the same either way.
 */
#ifndef ORIGINSTAT_CSV_H
#define ORIGINSTAT_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agg.h"

#define CSV_HEADER "minute_utc,class,country,requests,tls_handshakes,clients"
#define CSV_LOCAL_COLUMN ",minute_local"
#define CSV_LOCAL_LEN	26	/* 2016-11-08T14:00:00-05:00 and NUL */
/* The header lines as written, with their LF. */
#define CSV_HEADER_LINE	CSV_HEADER "\n"
#define CSV_LOCAL_LINE	CSV_HEADER CSV_LOCAL_COLUMN "\n"

struct csv_out;

/* path "-" is standard output.  NULL on error, with a message in err. */
struct csv_out	*csv_open(const char *path, char *err, size_t errcap);
/* The same, with local != 0: the minute_local column too. */
struct csv_out	*csv_open_local(const char *path, int local, char *err,
		    size_t errcap);
/* Bounds of the retry queue: a day of minutes, or this many bytes. */
#define CSV_QUEUE_MINUTES	1440
#define CSV_QUEUE_BYTES		((size_t)64 << 20)

/*
 * Write one closed minute, after any minutes still queued.  0: it and
 * every queued minute are written.  -1 (errno set): a write failed (a full
 * disk...) and the minutes not written are kept in a queue, in order, to
 * be written first next time; past CSV_QUEUE_MINUTES or CSV_QUEUE_BYTES
 * the oldest are dropped (csv_dropped).  Each minute is written whole or
 * not at all.
 */
int		 csv_write_minute(struct csv_out *, const struct agg_minute *)
		    __attribute__((warn_unused_result));
/* Write the queued minutes, oldest first: 0 when none is left, or -1. */
int		 csv_retry(struct csv_out *)
		    __attribute__((warn_unused_result));
/* Minutes waiting in the queue now. */
size_t		 csv_queued(const struct csv_out *);
/* Minutes lost: dropped from a full queue, or no memory to format them. */
uint64_t	 csv_dropped(const struct csv_out *);
/* The path given to csv_open, for messages. */
const char	*csv_path(const struct csv_out *);
/* Other queue bounds (tests); minutes is at least 1. */
void		 csv_set_queue_limits(struct csv_out *, size_t minutes,
		    size_t bytes);
/*
 * Bytes cut off the end of an existing file by csv_open: a row torn by a
 * crash (0 if none).  For the caller to log; the rest of the file is kept.
 */
uint64_t	 csv_repaired(const struct csv_out *);
/*
 * Close; 0 or -1 if close(2) failed.  Minutes still queued are discarded:
 * call csv_retry and csv_queued first.
 */
int		 csv_close(struct csv_out *);

/* Format minute (UTC seconds) as 2016-11-08T19:00:00Z into buf[21]. */
void		 csv_format_minute(int64_t minute, char buf[21]);
/*
 * Format minute in local time (TZ) as 2016-11-08T14:00:00-05:00 into
 * buf[CSV_LOCAL_LEN]; zeros if it does not fit.
 */
void		 csv_format_local(int64_t minute, char buf[CSV_LOCAL_LEN]);

/*
 * A minute's rows, formatted into one malloc'd buffer (open_memstream(3))
 * to be written whole; originstatd and `originstat csv` both format
 * with it, so their files are the same bytes.  Caller-owned storage.
 */
struct csv_rows {
	FILE		*f;
	char		**buf;
	char		 minute[21];
	char		 local[CSV_LOCAL_LEN];	/* "": no minute_local */
};

/*
 * Start the rows of minute (UTC seconds), with the minute_local column if
 * local != 0.  *buf and *len belong to the stream until csv_rows_fini.
 * 0, or -1 with errno set (nothing to finish).
 */
int		 csv_rows_init(struct csv_rows *, int64_t minute, int local,
		    char **buf, size_t *len)
		    __attribute__((warn_unused_result));
/*
 * One row, LF-terminated, class and country quoted (RFC 4180) if they
 * need it.  A row with neither requests nor handshakes is left out.
 */
void		 csv_rows_put(struct csv_rows *, const char *cls,
		    const char *cc, uint64_t requests, uint64_t tls_handshakes,
		    uint64_t clients);
/*
 * End: 0 with *buf the rows (malloc'd, the caller frees it; *len may be
 * 0), or -1 (ENOMEM) with *buf NULL.
 */
int		 csv_rows_fini(struct csv_rows *)
		    __attribute__((warn_unused_result));

#endif

/*
 * csvread.h - reading CSV files: originstatd's counts and its alert log.
 *
 * csvread_record reads one RFC 4180 record at a time from a stream and
 * keeps the first CSVREAD_KEEP fields, each up to CSVREAD_FIELD_MAX bytes;
 * every error names the file and the line its record began on.  On top of
 * it, csvread_counts_* read originstatd's per-minute CSV (publish/csv.h)
 * into checked rows, the reader `originstat summary` and `originstat
 * report` share.
 */
#ifndef ORIGINSTAT_CSVREAD_H
#define ORIGINSTAT_CSVREAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CSVREAD_COUNTS_HEADER \
	"minute_utc,class,country,requests,tls_handshakes,clients"
#define CSVREAD_FIELD_MAX	255	/* bytes in a field we keep */
#define CSVREAD_KEEP		8	/* fields kept; later ones are skipped */
#define CSVREAD_FIELDS_MAX	1000
#define CSVREAD_NAME_MAX	63	/* bytes in a class name */

enum csvread_rc {
	CSVREAD_RECORD,
	CSVREAD_EOF,
	CSVREAD_BAD,		/* err says where and what */
	CSVREAD_IO,		/* read error, errno set */
};

struct csvread {
	FILE		*fp;
	const char	*name;		/* for messages */
	uint64_t	 line;		/* line of the next byte */
	uint64_t	 recline;	/* line the current record began on */
	char		 f[CSVREAD_KEEP][CSVREAD_FIELD_MAX + 1];
	size_t		 len[CSVREAD_KEEP];
	size_t		 nf;		/* fields in the record, kept or not */
	size_t		 nheader;	/* fields in the header */
	int		 quoted0;	/* first field was quoted */
};

/* One row of originstatd's CSV, checked. */
struct csvread_row {
	int64_t		 minute;	/* epoch seconds, UTC */
	char		 cls[CSVREAD_NAME_MAX + 1];
	char		 cc[3];		/* upper case */
	uint64_t	 requests;
	uint64_t	 tls;
	uint64_t	 clients;
};

/* Read from fp; name (not copied) is used in messages. */
void	csvread_init(struct csvread *, FILE *fp, const char *name);

/*
 * Read the next record, skipping empty lines and a UTF-8 byte order mark
 * at the start of the file.
 */
enum csvread_rc csvread_record(struct csvread *, char *err, size_t errcap)
	    __attribute__((warn_unused_result));

/*
 * Read the header and check that it starts with the names given; later
 * columns are allowed (and their number is required of every row).
 * Messages say "not KIND": kind is e.g. "an originstatd CSV file".
 */
enum csvread_rc csvread_header(struct csvread *, const char *const *names,
	    size_t nnames, const char *kind, char *err, size_t errcap)
	    __attribute__((warn_unused_result));

/* The next data record, with exactly the header's number of fields. */
enum csvread_rc csvread_next(struct csvread *, char *err, size_t errcap)
	    __attribute__((warn_unused_result));

/*
 * "name:line: what \"value\"", value being the current record's field
 * (control characters shown as ?, long values cut).  Returns CSVREAD_BAD.
 */
enum csvread_rc csvread_bad_field(const struct csvread *, char *err,
	    size_t errcap, const char *what, size_t field);

/* originstatd's CSV: its header, then checked rows. */
enum csvread_rc csvread_counts_header(struct csvread *, char *err,
	    size_t errcap) __attribute__((warn_unused_result));
enum csvread_rc csvread_counts_next(struct csvread *, struct csvread_row *,
	    char *err, size_t errcap) __attribute__((warn_unused_result));

/* Field values; 0, or -1 if s[0..len) is not one. */
int	csvread_count(const char *s, size_t len, uint64_t *);
int	csvread_minute(const char *s, size_t len, int64_t *);	/* ...T..Z */
int	csvread_cc(const char *s, size_t len, char cc[3]);
int	csvread_name(const char *s, size_t len);		/* class */

/*
 * Open an input CSV for reading: "-" is stdin; a directory fails with
 * EISDIR (fopen would succeed on it).  NULL with errno set on failure.
 */
FILE	*csvread_open(const char *path);

#endif

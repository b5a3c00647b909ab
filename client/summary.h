/*
 * summary.h - `originstat summary`: per-hour table from originstatd's CSV.
 *
 * summary_load reads the per-minute CSV (publish/csv.h, RFC 4180) into
 * hourly totals per class and country; summary_print lays them out as a
 * table at most SUMMARY_WIDTH columns wide.  Hours are UTC, or local time
 * (TZ, after tzset) when the summary is initialised with local set.
 * Distinct client counts are per minute and do not add up across minutes,
 * so only hits (requests + TLS handshakes) are summarised.
 */
#ifndef ORIGINSTAT_SUMMARY_H
#define ORIGINSTAT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csvread.h"

#define SUMMARY_HEADER		CSVREAD_COUNTS_HEADER
#define SUMMARY_NAME_MAX	63	/* bytes in a class name */
#define SUMMARY_CLASSES_MAX	1024
#define SUMMARY_TOP_MAX		10	/* countries per cell */
#define SUMMARY_COLS_MAX	4	/* class columns besides "other" */
#define SUMMARY_WIDTH		120

enum summary_status {
	SUMMARY_OK,
	SUMMARY_BAD,		/* not an originstatd CSV, or damaged */
	SUMMARY_IO,		/* read error */
	SUMMARY_NOMEM,
};

struct summary_cc {
	char		cc[3];		/* upper case, NUL-terminated */
	uint64_t	hits;
};

/* One class in one hour, or in the whole file. */
struct summary_cell {
	uint64_t		 requests;
	uint64_t		 tls;
	struct summary_cc	*cc;		/* countries, unordered */
	size_t			 ncc;
	size_t			 cccap;
};

struct summary_hour {
	int64_t			 start;		/* epoch seconds of its start */
	uint64_t		 minutes;	/* bit i: minute i had rows */
	struct summary_cell	*cells;		/* by class index */
	size_t			 ncells;
};

struct summary_class {
	char			 name[SUMMARY_NAME_MAX + 1];
	struct summary_cell	 total;
};

struct summary {
	int			 local;		/* hours in local time */
	struct summary_class	*classes;	/* in order of appearance */
	size_t			 nclasses;
	size_t			 classcap;
	struct summary_hour	*hours;		/* sorted by start */
	size_t			 nhours;
	size_t			 hourcap;
	uint64_t		 rows;
	int64_t			 first;		/* earliest minute_utc */
	int64_t			 last;		/* latest minute_utc */
};

struct summary_opts {
	const char	*name;		/* file name for the title */
	const char	*zone;		/* zone label, NULL for UTC */
	unsigned	 top;		/* countries per cell, <= TOP_MAX */
};

void	summary_init(struct summary *, int local);
void	summary_fini(struct summary *);

/*
 * Add every row of fp to the summary.  name is used in messages.  On
 * failure err holds "name:line: what is wrong" and the summary holds the
 * rows before the bad one.
 */
enum summary_status summary_load(struct summary *, FILE *fp,
	    const char *name, char *err, size_t errcap)
	    __attribute__((warn_unused_result));

/*
 * Add one row read by csvread_counts_next from in (used for messages), for
 * a caller that reads the file itself.  Errors as summary_load.
 */
enum summary_status summary_add_row(struct summary *,
	    const struct csvread *in, const struct csvread_row *,
	    char *err, size_t errcap) __attribute__((warn_unused_result));

/* Print the table; 0, or -1 if out of memory. */
int	summary_print(const struct summary *, FILE *out,
	    const struct summary_opts *) __attribute__((warn_unused_result));

/* Hits (requests + TLS handshakes) of a cell. */
uint64_t summary_cell_hits(const struct summary_cell *);

/*
 * Whether zone names a time zone: glibc takes any TZ and falls back to UTC
 * in silence.  1 or 0.
 */
int	summary_zone_known(const char *zone);

/* `originstat summary ...`: argv[0] is "summary"; returns an exit status. */
int	summary_main(int argc, char *argv[]);

/* The sysexits(3) status for a load result: 0, 65, 74 or 71. */
int	summary_exit_status(enum summary_status);

#endif

/*
 * report.h - `originstat report`: a chart and an hourly table for people.
 *
 * report_load reads originstatd's per-minute CSV (csvread.h) once into two
 * views: hourly cells per class and country (a struct summary, in UTC or
 * local hours) and per-minute series per class (hits and distinct
 * clients).  report_alerts_load reads the alert log (docs/report.md).
 * The pure parts (binning, top countries, the hourly tables) are here for
 * the tests; the chart is drawn by gnuplot, run as a subprocess.
 */
#ifndef ORIGINSTAT_REPORT_H
#define ORIGINSTAT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "summary.h"

#define REPORT_SPAN_MAX		(366 * 1440)	/* minutes in one file */
#define REPORT_ALERTS_MAX	10000
#define REPORT_TOP		3		/* countries per cell */
#define REPORT_TEXT_MAX		255		/* alert countries text */

/* One class's minutes, index 0 being report.base. */
struct report_series {
	uint64_t	*hits;		/* requests + TLS handshakes */
	uint64_t	*clients;	/* sum over countries: disjoint sets */
};

struct report {
	struct summary		 sum;
	struct report_series	*series;	/* by sum.classes index */
	size_t			 nseries;
	int64_t			 base;		/* epoch seconds of minute 0 */
	size_t			 nmin;		/* minutes base .. last */
	size_t			 cap;
};

struct report_top {
	char		cc[3];
	uint64_t	hits;
	double		pct;		/* of the cell's hits */
};

struct report_alert {
	int64_t		start;		/* epoch seconds */
	int64_t		end;		/* -1: still open */
	char		cls[CSVREAD_NAME_MAX + 1];
	double		rate;		/* requests per minute */
	double		baseline;
	char		countries[REPORT_TEXT_MAX + 1];
};

struct report_opts {
	const char	*source;	/* input name, for the text */
	const char	*zone;		/* NULL for UTC */
	const char	*title;
};

void	report_init(struct report *, int local);
void	report_fini(struct report *);

/* Read a whole originstatd CSV; errors as summary_load. */
enum summary_status report_load(struct report *, FILE *fp, const char *name,
	    char *err, size_t errcap) __attribute__((warn_unused_result));

/*
 * Read an alert log into *alerts (caller frees), *n entries.  Errors as
 * summary_load, with "name:line: what".
 */
enum summary_status report_alerts_load(struct report_alert **alerts,
	    size_t *n, FILE *fp, const char *name, char *err, size_t errcap)
	    __attribute__((warn_unused_result));

/*
 * Class indices by total hits, busiest first ("other" last); the caller
 * frees.  NULL out of memory.
 */
size_t	*report_order(const struct report *);

/*
 * The top n (<= REPORT_TOP) countries of a cell, busiest first, ties by
 * code.  Returns how many were filled (cells with fewer countries give
 * fewer), or (size_t)-1 out of memory.
 */
size_t	report_top(const struct summary_cell *, struct report_top *top,
	    size_t n);

/* Minutes per chart point for a span of minutes: 1, 5, 15, 60 or 1440. */
unsigned report_bin_width(size_t span);

/*
 * Average per minute of v[0..n) (minute 0 at epoch seconds base) in bins
 * of width minutes aligned to multiples of width since the epoch; minutes
 * outside 0..n-1 are not counted in the average of the first and last
 * bins.  out needs n / width + 2 entries; *first is the epoch seconds of
 * the first bin's start.  Returns the number of bins.
 */
size_t	report_bin(const uint64_t *v, size_t n, int64_t base, unsigned width,
	    double *out, int64_t *first);

/* Largest per-minute clients of class cls in [from, to) epoch seconds. */
uint64_t report_peak_clients(const struct report *, size_t cls,
	    int64_t from, int64_t to);

/* The hourly tables; 0, or -1 out of memory or on a write error. */
int	report_hourly_csv(const struct report *, FILE *out)
	    __attribute__((warn_unused_result));
int	report_hourly_md(const struct report *, const struct report_alert *,
	    size_t nalerts, const struct report_opts *, FILE *out)
	    __attribute__((warn_unused_result));

/* `originstat report ...`: argv[0] is "report"; returns an exit status. */
int	report_main(int argc, char *argv[]);

#endif

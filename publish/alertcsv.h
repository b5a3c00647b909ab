/*
 * alertcsv.h - the alert log: one CSV row per surge alert, in the format
 * docs/report.md defines (`originstat report --alerts` reads it).
 *
 * Header: start_utc,end_utc,class,rate,baseline,countries
 * A row is written when an alert clears, or at exit for one still open
 * (end_utc empty), so rows come in the order alerts end.  rate is the hits
 * per minute when it was raised, baseline the class's baseline then, and
 * countries those that drove the rise over the whole alert with their
 * share of it, like "GB 31%, FR 22%" (quoted: it holds commas).
 * Appending to an existing file with the same header keeps it.
 */
#ifndef ORIGINSTAT_ALERTCSV_H
#define ORIGINSTAT_ALERTCSV_H

#include <stddef.h>

#include "alert.h"

#define ALERTCSV_HEADER	"start_utc,end_utc,class,rate,baseline,countries"

struct alertcsv;

/* path "-" is standard output.  NULL on error, with a message in err. */
struct alertcsv	*alertcsv_open(const char *path, char *err, size_t errcap);
/*
 * Write the row of an ALERT_CLEARED or ALERT_OPEN event (ALERT_RAISED
 * writes nothing).  0, or -1 on a write error (errno set).
 */
int		 alertcsv_write(struct alertcsv *, const struct alert_event *)
		    __attribute__((warn_unused_result));
/* The row without its newline into buf; its length, or -1 if too small. */
int		 alertcsv_format(const struct alert_event *, char *buf,
		    size_t cap);
/* Close; 0 or -1 on error. */
int		 alertcsv_close(struct alertcsv *);

#endif

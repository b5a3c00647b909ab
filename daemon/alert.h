/*
 * alert.h - surge alerts: per class, a baseline of hits per minute and an
 * alert when the rate stays well above it.
 *
 * Fed each closed minute (agg.h), in time order.  Per class it keeps an
 * exponentially weighted mean and spread of the hits (requests + TLS
 * handshakes) per minute, with a half-life of hours, and per country of
 * that class the same mean (the ALERT_SLOTS busiest countries; the others
 * share one "rest" slot).  The rate tested is the mean of the last
 * `window` minutes; the baseline only learns from minutes older than
 * those being tested, so a surge never raises the bar it is measured
 * against, and while an alert is open it learns ALERT_SLOW times slower.
 *
 *   threshold = max(multiple * baseline,
 *                   baseline + ALERT_SPREAD_K * spread / sqrt(window),
 *                   min_rate)
 *
 * An alert is raised when the rate is above the threshold for `minutes`
 * minutes in a row, and cleared when it has been at or below halfway
 * between the baseline and the threshold for `clear` minutes in a row.  Nothing is raised during the first `warmup`
 * minutes of a class.  One minute counts at most ALERT_CAP times the
 * threshold in the test (not in the rate reported), so that one client's
 * burst cannot raise an alert on its own.
 *
 * Pure: no I/O, no clock; events go to a callback.  Memory is bounded by
 * the number of classes (at most ALERT_CLASSES_MAX).
 */
#ifndef ORIGINSTAT_ALERT_H
#define ORIGINSTAT_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "config.h"

#define ALERT_CLASSES_MAX	(CONFIG_MAX_CLASSES + 1)
#define ALERT_SLOTS		16	/* countries followed per class */
#define ALERT_TOP		5	/* countries named in an event */
#define ALERT_SHARE_MIN		0.01	/* smaller shares are not named */
#define ALERT_SPREAD_K		3.0
#define ALERT_CAP		2.5	/* a minute counts at most this x thr */
#define ALERT_SLOW		8	/* baseline half-life x this in alerts */
#define ALERT_GAP_MAX		2880	/* silent minutes filled; more: reset */

enum alert_kind {
	ALERT_RAISED,
	ALERT_CLEARED,
	ALERT_OPEN,		/* still open at alert_finish */
};

struct alert_country {
	char		cc[3];
	double		share;		/* of the increase, 0..1 */
};

/*
 * One event; valid during the callback.  For ALERT_RAISED, rate and
 * countries are those of the last `window` minutes; for ALERT_CLEARED and
 * ALERT_OPEN, rate is the last window's, mean_rate and countries are
 * over the whole alert (minutes since .. minute) and baseline is the one
 * the alert was raised against.
 */
struct alert_event {
	enum alert_kind		 kind;
	const char		*cls;
	int64_t			 minute;	/* the minute that decided */
	int64_t			 since;		/* the minute it was raised */
	double			 rate;		/* hits per minute */
	double			 mean_rate;	/* hits per minute since */
	double			 raised_rate;	/* rate when raised */
	double			 baseline;	/* hits per minute */
	double			 threshold;
	struct alert_country	 countries[ALERT_TOP];
	size_t			 ncountries;
};

typedef void (*alert_emit_fn)(void *arg, const struct alert_event *);

struct alert;

/* Fill in the defaults (config.h CONFIG_ALERT_*). */
void		 alert_config_default(struct alert_config *);
/* NULL if out of memory or the configuration is out of range. */
struct alert	*alert_new(const struct alert_config *);
void		 alert_free(struct alert *);

/*
 * One closed minute.  Minutes must come in time order; silent minutes in
 * between count as zero (more than ALERT_GAP_MAX of them, or time going
 * back, start every class afresh, clearing open alerts first).
 */
void		 alert_minute(struct alert *, const struct agg_minute *,
		    alert_emit_fn, void *arg);
/* End of input: an ALERT_OPEN event for each alert still open. */
void		 alert_finish(struct alert *, alert_emit_fn, void *arg);

/*
 * Shares of the increase: for n countries with baseline rates base[i] and
 * current rates cur[i] (plus one unnamed remainder rest_base, rest_cur),
 * the positive increases cur - base, each divided by their sum.  Writes
 * up to max countries, largest share first (ties by code), and returns
 * how many.  Exposed for the tests.
 */
size_t		 alert_shares(const char (*cc)[3], const double *base,
		    const double *cur, size_t n, double rest_base,
		    double rest_cur, struct alert_country *out, size_t max);

#endif

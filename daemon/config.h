/*
 * config.h - originstatd configuration (INI format, see docs/config.md).
 *
 *   # comment            ; comment
 *   [rules]
 *   eta = eta.cic.gc.ca                       # host only: HTTP and TLS SNI
 *   eta = onlineservices-servicesenligne.cic.gc.ca/eta/   # host + path prefix
 *   immigrate = *.cic.gc.ca/english/immigrate/
 *   [proxy]
 *   trusted = 10.0.0.0/8, 192.0.2.1
 *   [geoip]
 *   database = /var/lib/originstat/country.mmdb
 *   cache = 65536
 *   [aggregate]
 *   grace = 5
 *   [publish]
 *   sensor = web1
 *   history = 86400                           # seconds of minutes kept
 *   sketch_key = 0123456789abcdef             # shared by merged sensors
 *   [alerts]
 *   multiple = 4        min_rate = 1.5        # see alert.h
 *   minutes = 3         clear = 30
 *   half_life = 120     window = 10           warmup = 120   # minutes
 *
 * Parsing is pure (text in, struct out); every error is reported as
 * "file:line: message", all errors at once.
 */
#ifndef ORIGINSTAT_CONFIG_H
#define ORIGINSTAT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define CONFIG_CLASS_MAX	31	/* bytes in a class name */
#define CONFIG_HOST_MAX		253
#define CONFIG_PATH_MAX		1024
#define CONFIG_MAX_RULES	4096
#define CONFIG_MAX_CLASSES	254	/* plus "other" */
#define CONFIG_MAX_TRUSTED	1024
#define CONFIG_HISTORY_DEFAULT	86400	/* seconds of minutes kept */
#define CONFIG_HISTORY_MAX	604800	/* one week */

/* [alerts] defaults, tuned on the simulator's story (docs/wire.md). */
#define CONFIG_ALERT_MULTIPLE	4.0
#define CONFIG_ALERT_MINUTES	3
#define CONFIG_ALERT_MIN_RATE	1.5	/* hits per minute */
#define CONFIG_ALERT_HALF_LIFE	120	/* minutes */
#define CONFIG_ALERT_WINDOW	10	/* minutes */
#define CONFIG_ALERT_CLEAR	30	/* minutes */
#define CONFIG_ALERT_WARMUP	120	/* minutes */
#define CONFIG_ALERT_MINUTES_MAX 60	/* for minutes, window, clear */
#define CONFIG_ALERT_HALF_LIFE_MAX 10080	/* a week, also warmup */

/* Surge alerts (alert.h); times in minutes, rates in hits per minute. */
struct alert_config {
	double		multiple;
	unsigned	minutes;
	double		min_rate;
	unsigned	half_life;
	unsigned	window;
	unsigned	clear;
	unsigned	warmup;
};

struct rule {
	unsigned	cls;			/* index into config.classes */
	char		host[CONFIG_HOST_MAX + 1];	/* lower case, no "*." */
	bool		wildcard;		/* "*.host": any subdomain */
	bool		has_path;
	char		path[CONFIG_PATH_MAX + 1];
	size_t		host_len, path_len;
};

struct config {
	struct rule	*rules;
	size_t		 nrules;
	/* class names; the last one is always "other" */
	char		(*classes)[CONFIG_CLASS_MAX + 1];
	size_t		 nclasses;
	struct cidr	*trusted;
	size_t		 ntrusted;
	char		*geoip_path;		/* NULL if not set */
	unsigned	 geo_cache;		/* entries, default 65536 */
	double		 grace;			/* seconds, default 5 */
	char		*sensor;		/* NULL: host name */
	unsigned	 history;		/* seconds, snapshot service */
	uint64_t	 sketch_key;		/* client hash key, if has_ */
	bool		 has_sketch_key;
	struct alert_config alerts;
};

/*
 * Defaults: no rules (only "other"), no proxies, grace 5 s, history
 * CONFIG_HISTORY_DEFAULT, alerts CONFIG_ALERT_*.
 */
int	config_init(struct config *) __attribute__((warn_unused_result));
void	config_fini(struct config *);

/*
 * Parse text of len bytes (need not be NUL-terminated) named name (for
 * messages).  Errors are appended to err (NUL-terminated, truncated to
 * errcap) one per line as "name:line: message".  Returns 0 or -1; on -1
 * cfg is left as config_init made it.
 */
int	config_parse(struct config *cfg, const char *text, size_t len,
	    const char *name, char *err, size_t errcap)
	    __attribute__((warn_unused_result));

/* Read and parse a file; a missing or unreadable file is an error. */
int	config_load(struct config *cfg, const char *path, char *err,
	    size_t errcap) __attribute__((warn_unused_result));

#endif

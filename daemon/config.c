/*
 * config.c - originstatd configuration (INI format, see config.h).
 *
 * The text is parsed into a fresh struct config and moved into the
 * caller's only when it had no error at all, so a bad file never leaves a
 * half-built configuration behind: on error the caller's is reset to what
 * config_init makes (config.h), so to keep a running configuration across
 * a failed reload, parse into a second struct.
 * Every error is collected, so one run of the daemon lists them all.
 * Allocation is fine here: this runs once at start-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"

#define CONFIG_LINE_MAX		4096		/* bytes, without EOL */
#define CONFIG_FILE_MAX		(16u << 20)	/* bytes */
#define CONFIG_SENSOR_MAX	63
#define CONFIG_CACHE_MAX	16777216u
#define CONFIG_GRACE_MAX	3600u
#define CONFIG_SHOW		60	/* bytes of a value in a message */
#define CONFIG_MSG_MAX		(4 * 256)	/* a message, escaped */
#define CONFIG_MULTIPLE_MAX	1000u
#define CONFIG_MIN_RATE_MAX	100000000u	/* hits per minute */

enum config_section {
	SEC_NONE,
	SEC_UNKNOWN,	/* reported at its header; its keys skipped */
	SEC_RULES,
	SEC_PROXY,
	SEC_GEOIP,
	SEC_AGGREGATE,
	SEC_PUBLISH,
	SEC_ALERTS,
};

struct config_parser {
	struct config	 cfg;		/* being built */
	size_t		 rulecap;
	enum config_section sec;
	const char	*name;
	unsigned	 line;
	char		*err;
	size_t		 errcap, errlen;
	unsigned	 nerr;
	unsigned	 omitted;	/* errors that did not fit in err */
	char		 last[CONFIG_MSG_MAX]; /* last message, escaped */
	size_t		 lastoff;	/* where its line starts in err */
	unsigned	 lastline, repeats; /* its line, identical ones after */
	unsigned	 lastto;	/* line of the last identical one */
	int		 lastshown;	/* it fit in err */
};

/* A (pointer, length) piece of the configuration text. */
struct config_str {
	const char	*p;
	size_t		 n;
};

struct config_parser;
static void	config_sketch_key(struct config_parser *,
		    const struct config_str *);

static const char config_other[] = "other";

int
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->classes = calloc(CONFIG_MAX_CLASSES + 1, sizeof(*cfg->classes));
	if (cfg->classes == NULL)
		return -1;
	memcpy(cfg->classes[0], config_other, sizeof(config_other));
	cfg->nclasses = 1;
	cfg->geo_cache = 65536;
	cfg->grace = 5;
	cfg->history = CONFIG_HISTORY_DEFAULT;
	cfg->alerts.multiple = CONFIG_ALERT_MULTIPLE;
	cfg->alerts.minutes = CONFIG_ALERT_MINUTES;
	cfg->alerts.min_rate = CONFIG_ALERT_MIN_RATE;
	cfg->alerts.half_life = CONFIG_ALERT_HALF_LIFE;
	cfg->alerts.window = CONFIG_ALERT_WINDOW;
	cfg->alerts.clear = CONFIG_ALERT_CLEAR;
	cfg->alerts.warmup = CONFIG_ALERT_WARMUP;
	return 0;
}

void
config_fini(struct config *cfg)
{
	free(cfg->rules);
	free(cfg->classes);
	free(cfg->trusted);
	free(cfg->geoip_path);
	free(cfg->sensor);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * Back to what config_init makes.  Should that fail (no memory), cfg is
 * all zero, which config_fini and classify accept.
 */
static void
config_reset(struct config *cfg)
{
	config_fini(cfg);
	if (config_init(cfg) == -1)
		config_fini(cfg);
}

/*
 * Copy s to dst[cap] with every byte outside 0x20..0x7e as \xHH: a value
 * echoed from the file must not move the cursor, ring the terminal or
 * forge a line in a log.
 */
static void
config_escape(char *dst, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	for (; *s != '\0' && o + 5 < cap; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c <= 0x7e) {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	if (cap > 0)
		dst[o < cap ? o : cap - 1] = '\0';
}

/*
 * Put "name:line: msg\n" (with " (N times, to line L)" for repeats) at
 * offset off of the error buffer, if the whole line fits.  0 or -1.
 */
static int
config_put(struct config_parser *cp, size_t off, unsigned line,
    const char *msg, unsigned repeats, unsigned to)
{
	char name[256];
	int len;

	if (cp->err == NULL || off + 1 >= cp->errcap)
		return -1;
	config_escape(name, sizeof(name), cp->name);
	if (repeats == 0)
		len = snprintf(cp->err + off, cp->errcap - off, "%s:%u: %s\n",
		    name, line, msg);
	else
		len = snprintf(cp->err + off, cp->errcap - off,
		    "%s:%u: %s (%u times, to line %u)\n", name, line, msg,
		    repeats + 1, to);
	if (len < 0 || (size_t)len >= cp->errcap - off) {
		cp->err[off] = '\0';
		return -1;
	}
	cp->errlen = off + (size_t)len;
	return 0;
}

/* The last message's repeats: into its line, or counted as omitted. */
static void
config_error_repeats(struct config_parser *cp)
{
	if (cp->repeats == 0)
		return;
	if (!cp->lastshown || config_put(cp, cp->lastoff, cp->lastline,
	    cp->last, cp->repeats, cp->lastto) == -1) {
		if (cp->lastshown)	/* the line as it was */
			(void)config_put(cp, cp->lastoff, cp->lastline,
			    cp->last, 0, 0);
		cp->omitted += cp->repeats;
	}
	cp->repeats = 0;
}

/*
 * Report an error on the current line.  Whole lines only: once one does
 * not fit, it and all later ones are counted for config_error_end.  The
 * same message on the lines that follow (over the rule limit, say) is
 * one line with a count.
 */
static void __attribute__((format(printf, 2, 3)))
config_error(struct config_parser *cp, const char *fmt, ...)
{
	char msg[256], esc[CONFIG_MSG_MAX];
	va_list ap;

	cp->nerr++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_escape(esc, sizeof(esc), msg);
	if (cp->nerr > 1 && strcmp(esc, cp->last) == 0) {
		cp->repeats++;
		cp->lastto = cp->line;
		return;
	}
	config_error_repeats(cp);
	memcpy(cp->last, esc, sizeof(esc));
	cp->lastoff = cp->errlen;
	cp->lastline = cp->line;
	cp->lastshown = cp->omitted == 0 &&
	    config_put(cp, cp->errlen, cp->line, esc, 0, 0) == 0;
	if (!cp->lastshown)
		cp->omitted++;
}

/*
 * After the last line: pending repeats, then "... and N more errors" for
 * those that did not fit, taking back whole lines to make room for it.
 */
static void
config_error_end(struct config_parser *cp)
{
	char tail[64];
	size_t n;

	config_error_repeats(cp);
	if (cp->omitted == 0 || cp->err == NULL || cp->errcap == 0)
		return;
	for (;;) {
		n = (size_t)snprintf(tail, sizeof(tail),
		    "... and %u more error%s\n", cp->omitted,
		    cp->omitted == 1 ? "" : "s");
		if (cp->errlen == 0 || cp->errlen + n < cp->errcap)
			break;
		/* Take back the last whole line. */
		cp->errlen--;
		while (cp->errlen > 0 && cp->err[cp->errlen - 1] != '\n')
			cp->errlen--;
		cp->omitted++;
	}
	snprintf(cp->err + cp->errlen, cp->errcap - cp->errlen, "%s", tail);
}

/* Shown length of a value in a message. */
static int
config_show(size_t n)
{
	return n > CONFIG_SHOW ? CONFIG_SHOW : (int)n;
}

static bool
config_is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static void
config_trim(struct config_str *s)
{
	while (s->n > 0 && config_is_ws(s->p[0])) {
		s->p++;
		s->n--;
	}
	while (s->n > 0 && config_is_ws(s->p[s->n - 1]))
		s->n--;
}

static bool
config_eq(const struct config_str *s, const char *lit)
{
	return strlen(lit) == s->n && memcmp(s->p, lit, s->n) == 0;
}

static char
config_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
config_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* A comment starts at '#' or ';' at the start or after white space. */
static void
config_strip_comment(struct config_str *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if ((s->p[i] == '#' || s->p[i] == ';') &&
		    (i == 0 || config_is_ws(s->p[i - 1]))) {
			s->n = i;
			break;
		}
	config_trim(s);
}

static char *
config_strndup(const char *s, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Decimal 0..max, no sign, no leading zeros beyond "0". */
static int
config_uint(const struct config_str *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (s->n == 0 || s->n > 10 || (s->n > 1 && s->p[0] == '0'))
		return -1;
	for (i = 0; i < s->n; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s->p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Seconds as "D[.D]" decimal, 0..max; no strtod (locale, hex, inf). */
static int
config_seconds(const struct config_str *s, unsigned max, double *out)
{
	struct config_str ip = *s;
	const char *dot;
	double frac = 0, scale = 1;
	unsigned v;
	size_t i;

	if ((dot = memchr(s->p, '.', s->n)) != NULL) {
		ip.n = (size_t)(dot - s->p);
		if (s->n - ip.n - 1 == 0 || s->n - ip.n - 1 > 9)
			return -1;
		for (i = ip.n + 1; i < s->n; i++) {
			if (s->p[i] < '0' || s->p[i] > '9')
				return -1;
			scale /= 10;
			frac += (s->p[i] - '0') * scale;
		}
	}
	if (config_uint(&ip, max, &v) == -1 || (v == max && frac > 0))
		return -1;
	*out = v + frac;
	return 0;
}

/* Class index of name, adding it at the end if new; -1 if full. */
static int
config_class(struct config_parser *cp, const struct config_str *name,
    unsigned *idx)
{
	struct config *cfg = &cp->cfg;
	size_t i;

	for (i = 0; i < cfg->nclasses; i++)
		if (config_eq(name, cfg->classes[i])) {
			*idx = (unsigned)i;
			return 0;
		}
	/* classes[0] is "other" while parsing, see config_parse. */
	if (cfg->nclasses >= CONFIG_MAX_CLASSES + 1) {
		config_error(cp, "too many classes (at most %d)",
		    CONFIG_MAX_CLASSES);
		return -1;
	}
	memcpy(cfg->classes[cfg->nclasses], name->p, name->n);
	cfg->classes[cfg->nclasses][name->n] = '\0';
	*idx = (unsigned)cfg->nclasses++;
	return 0;
}

static int
config_class_name(struct config_parser *cp, const struct config_str *k)
{
	size_t i;

	if (k->n == 0 || k->n > CONFIG_CLASS_MAX) {
		config_error(cp, "class name must be 1..%d bytes",
		    CONFIG_CLASS_MAX);
		return -1;
	}
	for (i = 0; i < k->n; i++)
		if (!config_is_alnum(k->p[i]) && k->p[i] != '_' &&
		    k->p[i] != '-') {
			config_error(cp, "bad class name '%.*s' "
			    "(letters, digits, '_' and '-' only)",
			    config_show(k->n), k->p);
			return -1;
		}
	if (k->n == 5 && strncasecmp(k->p, config_other, 5) == 0) {
		config_error(cp, "class name 'other' is reserved");
		return -1;
	}
	return 0;
}

static bool
config_is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool
config_host_char(char c, bool bracket)
{
	if (config_is_alnum(c) || c == '.' || c == '-' || c == '_')
		return true;
	return bracket && (c == '[' || c == ']' || c == ':');
}

/*
 * HOST part of a rule: "name", "*.name" or "[v6]", an optional ":port"
 * (ignored: classes are by name, not port) and an optional trailing dot.
 */
static int
config_rule_host(struct config_parser *cp, struct config_str h,
    struct rule *r)
{
	bool bracket = h.n > 0 && h.p[0] == '[';
	const char *end;
	size_t i;

	if (bracket) {
		if ((end = memchr(h.p, ']', h.n)) == NULL) {
			config_error(cp, "missing ']' in host");
			return -1;
		}
		i = (size_t)(end - h.p) + 1;
	} else
		for (i = 0; i < h.n && h.p[i] != ':'; i++)
			;
	if (i < h.n) {
		if (h.p[i] != ':' || h.n - i - 1 == 0 || h.n - i - 1 > 5 ||
		    !config_is_digits(h.p + i + 1, h.n - i - 1)) {
			config_error(cp, "bad port in '%.*s'",
			    config_show(h.n), h.p);
			return -1;
		}
		h.n = i;
	}
	if (!bracket && h.n >= 2 && h.p[0] == '*' && h.p[1] == '.') {
		r->wildcard = true;
		h.p += 2;
		h.n -= 2;
	}
	if (h.n > 0 && h.p[h.n - 1] == '.')
		h.n--;
	if (h.n == 0) {
		config_error(cp, "empty host in rule");
		return -1;
	}
	if (h.n > CONFIG_HOST_MAX) {
		config_error(cp, "host longer than %d bytes", CONFIG_HOST_MAX);
		return -1;
	}
	for (i = 0; i < h.n; i++) {
		if (!config_host_char(h.p[i], bracket)) {
			config_error(cp, "bad character in host '%.*s'%s",
			    config_show(h.n), h.p, h.p[i] == '*' ?
			    " ('*' only as a leading '*.')" : "");
			return -1;
		}
		r->host[i] = config_lower(h.p[i]);
	}
	r->host[h.n] = '\0';
	r->host_len = h.n;
	return 0;
}

/* CLASS = HOST[PATH]: the path starts at the first '/'. */
static void
config_rule(struct config_parser *cp, const struct config_str *k,
    const struct config_str *v)
{
	struct config *cfg = &cp->cfg;
	struct config_str host = *v;
	const char *slash;
	struct rule r, *nr;
	size_t i, path_n = 0, ncap;

	if (config_class_name(cp, k) == -1)
		return;
	for (i = 0; i < v->n; i++)
		if (config_is_ws(v->p[i])) {
			config_error(cp, "white space in rule '%.*s'",
			    config_show(v->n), v->p);
			return;
		}
	memset(&r, 0, sizeof(r));
	if ((slash = memchr(v->p, '/', v->n)) != NULL) {
		host.n = (size_t)(slash - v->p);
		path_n = v->n - host.n;
		if (path_n > CONFIG_PATH_MAX) {
			config_error(cp, "path longer than %d bytes",
			    CONFIG_PATH_MAX);
			return;
		}
		r.has_path = true;
		memcpy(r.path, slash, path_n);
		r.path_len = path_n;
	}
	if (config_rule_host(cp, host, &r) == -1)
		return;
	if (cfg->nrules >= CONFIG_MAX_RULES) {
		config_error(cp, "too many rules (at most %d)",
		    CONFIG_MAX_RULES);
		return;
	}
	if (config_class(cp, k, &r.cls) == -1)
		return;
	if (cfg->nrules == cp->rulecap) {
		ncap = cp->rulecap == 0 ? 16 : cp->rulecap * 2;
		if ((nr = realloc(cfg->rules, ncap * sizeof(*nr))) == NULL) {
			config_error(cp, "out of memory");
			return;
		}
		cfg->rules = nr;
		cp->rulecap = ncap;
	}
	cfg->rules[cfg->nrules++] = r;
}

/* trusted = CIDR[, CIDR]...; several lines add up. */
static void
config_trusted(struct config_parser *cp, const struct config_str *v)
{
	struct config *cfg = &cp->cfg;
	struct config_str e;
	const char *comma;
	size_t left = v->n;
	const char *p = v->p;

	for (;;) {
		comma = memchr(p, ',', left);
		e.p = p;
		e.n = comma != NULL ? (size_t)(comma - p) : left;
		config_trim(&e);
		if (e.n == 0)
			config_error(cp, "empty address in trusted list");
		else if (cfg->ntrusted >= CONFIG_MAX_TRUSTED)
			config_error(cp, "too many trusted proxies "
			    "(at most %d)", CONFIG_MAX_TRUSTED);
		else if (cfg->trusted == NULL && (cfg->trusted = calloc(
		    CONFIG_MAX_TRUSTED, sizeof(*cfg->trusted))) == NULL)
			config_error(cp, "out of memory");
		else if (cidr_parse(e.p, e.n, &cfg->trusted[cfg->ntrusted])
		    == -1)
			config_error(cp, "bad address or prefix '%.*s'",
			    config_show(e.n), e.p);
		else
			cfg->ntrusted++;
		if (comma == NULL)
			return;
		left -= (size_t)(comma - p) + 1;
		p = comma + 1;
	}
}

/* Replace *dst with a copy of v. */
static void
config_setstr(struct config_parser *cp, char **dst,
    const struct config_str *v)
{
	char *s;

	if ((s = config_strndup(v->p, v->n)) == NULL) {
		config_error(cp, "out of memory");
		return;
	}
	free(*dst);
	*dst = s;
}

static void
config_sensor(struct config_parser *cp, const struct config_str *v)
{
	size_t i;

	if (v->n > CONFIG_SENSOR_MAX) {
		config_error(cp, "sensor name longer than %d bytes",
		    CONFIG_SENSOR_MAX);
		return;
	}
	for (i = 0; i < v->n; i++)
		if (!config_is_alnum(v->p[i]) && v->p[i] != '.' &&
		    v->p[i] != '_' && v->p[i] != '-') {
			config_error(cp, "bad sensor name '%.*s' "
			    "(letters, digits, '.', '_' and '-' only)",
			    config_show(v->n), v->p);
			return;
		}
	config_setstr(cp, &cp->cfg.sensor, v);
}

static void
config_unknown_key(struct config_parser *cp, const struct config_str *k,
    const char *sec)
{
	config_error(cp, "unknown key '%.*s' in [%s]", config_show(k->n),
	    k->p, sec);
}

/* A whole number of minutes lo..hi into *out. */
static void
config_minutes(struct config_parser *cp, const struct config_str *k,
    const struct config_str *v, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned m;

	if (config_uint(v, hi, &m) == -1 || m < lo)
		config_error(cp, "%.*s must be minutes %u..%u",
		    config_show(k->n), k->p, lo, hi);
	else
		*out = m;
}

/* [alerts]: see alert.h for what each key means. */
static void
config_alerts(struct config_parser *cp, const struct config_str *k,
    const struct config_str *v)
{
	struct alert_config *ac = &cp->cfg.alerts;

	if (config_eq(k, "multiple")) {
		if (config_seconds(v, CONFIG_MULTIPLE_MAX, &ac->multiple) ==
		    -1 || ac->multiple < 1)
			config_error(cp, "multiple must be a number 1..%u",
			    CONFIG_MULTIPLE_MAX);
	} else if (config_eq(k, "min_rate")) {
		if (config_seconds(v, CONFIG_MIN_RATE_MAX, &ac->min_rate) ==
		    -1)
			config_error(cp, "min_rate must be hits per minute "
			    "0..%u", CONFIG_MIN_RATE_MAX);
	} else if (config_eq(k, "minutes"))
		config_minutes(cp, k, v, 1, CONFIG_ALERT_MINUTES_MAX,
		    &ac->minutes);
	else if (config_eq(k, "window"))
		config_minutes(cp, k, v, 1, CONFIG_ALERT_MINUTES_MAX,
		    &ac->window);
	else if (config_eq(k, "clear"))
		config_minutes(cp, k, v, 1, CONFIG_ALERT_MINUTES_MAX,
		    &ac->clear);
	else if (config_eq(k, "half_life"))
		config_minutes(cp, k, v, 1, CONFIG_ALERT_HALF_LIFE_MAX,
		    &ac->half_life);
	else if (config_eq(k, "warmup"))
		config_minutes(cp, k, v, 0, CONFIG_ALERT_HALF_LIFE_MAX,
		    &ac->warmup);
	else
		config_unknown_key(cp, k, "alerts");
}

/* One "key = value" line; v is never empty. */
static void
config_keyval(struct config_parser *cp, const struct config_str *k,
    const struct config_str *v)
{
	struct config *cfg = &cp->cfg;

	switch (cp->sec) {
	case SEC_NONE:
	case SEC_UNKNOWN:
		break;	/* handled by config_line */
	case SEC_RULES:
		config_rule(cp, k, v);
		break;
	case SEC_PROXY:
		if (config_eq(k, "trusted"))
			config_trusted(cp, v);
		else
			config_unknown_key(cp, k, "proxy");
		break;
	case SEC_GEOIP:
		if (config_eq(k, "database"))
			config_setstr(cp, &cfg->geoip_path, v);
		else if (!config_eq(k, "cache"))
			config_unknown_key(cp, k, "geoip");
		else if (config_uint(v, CONFIG_CACHE_MAX, &cfg->geo_cache)
		    == -1)
			config_error(cp, "cache must be an integer 0..%u",
			    CONFIG_CACHE_MAX);
		break;
	case SEC_AGGREGATE:
		if (!config_eq(k, "grace"))
			config_unknown_key(cp, k, "aggregate");
		else if (config_seconds(v, CONFIG_GRACE_MAX, &cfg->grace)
		    == -1)
			config_error(cp, "grace must be seconds 0..%u",
			    CONFIG_GRACE_MAX);
		break;
	case SEC_PUBLISH:
		if (config_eq(k, "sensor"))
			config_sensor(cp, v);
		else if (config_eq(k, "sketch_key"))
			config_sketch_key(cp, v);
		else if (!config_eq(k, "history"))
			config_unknown_key(cp, k, "publish");
		else if (config_uint(v, CONFIG_HISTORY_MAX, &cfg->history)
		    == -1)
			config_error(cp, "history must be seconds 0..%u",
			    CONFIG_HISTORY_MAX);
		break;
	case SEC_ALERTS:
		config_alerts(cp, k, v);
		break;
	}
}

/*
 * The key of the client-address hash behind distinct-client sketches:
 * exactly 16 hex digits.  Sensors whose sketches a collector merges share
 * it; it is a secret, since anyone holding it can test addresses against
 * a published sketch.
 */
static void
config_sketch_key(struct config_parser *cp, const struct config_str *vp)
{
	struct config_str v = *vp;
	uint64_t key = 0;
	size_t i;
	int d;

	for (i = 0; i < v.n && v.n == 16; i++) {
		char c = v.p[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		key = key << 4 | (uint64_t)d;
	}
	if (v.n != 16 || i != 16) {
		config_error(cp, "sketch_key must be 16 hex digits");
		return;
	}
	cp->cfg.sketch_key = key;
	cp->cfg.has_sketch_key = true;
}

/* "[name]", optionally followed by a comment. */
static void
config_section(struct config_parser *cp, struct config_str l)
{
	static const struct {
		const char		*name;
		enum config_section	 sec;
	} secs[] = {
		{ "rules", SEC_RULES },
		{ "proxy", SEC_PROXY },
		{ "geoip", SEC_GEOIP },
		{ "aggregate", SEC_AGGREGATE },
		{ "publish", SEC_PUBLISH },
		{ "alerts", SEC_ALERTS },
	};
	struct config_str name, rest;
	const char *close;
	size_t i;

	cp->sec = SEC_UNKNOWN;
	if ((close = memchr(l.p, ']', l.n)) == NULL) {
		config_error(cp, "missing ']' in section header");
		return;
	}
	name.p = l.p + 1;
	name.n = (size_t)(close - l.p) - 1;
	config_trim(&name);
	rest.p = close + 1;
	rest.n = l.n - (size_t)(rest.p - l.p);
	config_strip_comment(&rest);
	if (rest.n > 0) {
		config_error(cp, "junk after section header");
		return;
	}
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		if (config_eq(&name, secs[i].name)) {
			cp->sec = secs[i].sec;
			return;
		}
	config_error(cp, "unknown section [%.*s]", config_show(name.n),
	    name.p);
}

static void
config_line(struct config_parser *cp, struct config_str l)
{
	struct config_str k, v;
	const char *eq;

	if (l.n > 0 && l.p[l.n - 1] == '\r')
		l.n--;
	if (l.n > CONFIG_LINE_MAX) {
		config_error(cp, "line longer than %d bytes", CONFIG_LINE_MAX);
		return;
	}
	if (memchr(l.p, '\0', l.n) != NULL) {
		config_error(cp, "NUL byte in line");
		return;
	}
	config_trim(&l);
	if (l.n == 0 || l.p[0] == '#' || l.p[0] == ';')
		return;
	if (l.p[0] == '[') {
		config_section(cp, l);
		return;
	}
	if ((eq = memchr(l.p, '=', l.n)) == NULL) {
		config_error(cp, "expected 'key = value' or '[section]'");
		return;
	}
	k.p = l.p;
	k.n = (size_t)(eq - l.p);
	config_trim(&k);
	v.p = eq + 1;
	v.n = l.n - (size_t)(v.p - l.p);
	config_strip_comment(&v);
	if (cp->sec == SEC_NONE)
		config_error(cp, "key '%.*s' outside any [section]",
		    config_show(k.n), k.p);
	else if (cp->sec == SEC_UNKNOWN)
		return;
	else if (k.n == 0)
		config_error(cp, "missing key before '='");
	else if (v.n == 0)
		config_error(cp, "missing value for '%.*s'",
		    config_show(k.n), k.p);
	else
		config_keyval(cp, &k, &v);
}

int
config_parse(struct config *cfg, const char *text, size_t len,
    const char *name, char *err, size_t errcap)
{
	struct config_parser cp;
	struct config_str l;
	const char *nl;
	size_t left = len;

	memset(&cp, 0, sizeof(cp));
	cp.name = name != NULL ? name : "config";
	cp.err = err;
	cp.errcap = errcap;
	if (err != NULL && errcap > 0)
		err[0] = '\0';
	if (config_init(&cp.cfg) == -1) {
		config_error(&cp, "out of memory");
		config_fini(&cp.cfg);
		return -1;
	}
	while (text != NULL && left > 0) {
		cp.line++;
		l.p = text;
		nl = memchr(text, '\n', left);
		l.n = nl != NULL ? (size_t)(nl - text) : left;
		config_line(&cp, l);
		if (nl == NULL)
			break;
		left -= l.n + 1;
		text = nl + 1;
	}
	if (cp.nerr > 0) {
		config_error_end(&cp);
		config_fini(&cp.cfg);
		config_reset(cfg);
		return -1;
	}
	/* "other" goes last, after the classes in order of appearance. */
	memmove(cp.cfg.classes[0], cp.cfg.classes[1],
	    (cp.cfg.nclasses - 1) * sizeof(cp.cfg.classes[0]));
	memcpy(cp.cfg.classes[cp.cfg.nclasses - 1], config_other,
	    sizeof(config_other));
	for (left = 0; left < cp.cfg.nrules; left++)
		cp.cfg.rules[left].cls--;
	config_fini(cfg);
	*cfg = cp.cfg;
	return 0;
}

/* Read all of fd, at most CONFIG_FILE_MAX bytes.  Sets errno on -1. */
static int
config_read(int fd, char **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b, *nb;
	ssize_t r;
	int saved;

	if ((b = malloc(cap)) == NULL)
		return -1;
	for (;;) {
		/* One byte over the cap is read to tell "too large". */
		if (n == cap) {
			cap = cap * 2 > CONFIG_FILE_MAX + 1 ?
			    CONFIG_FILE_MAX + 1 : cap * 2;
			if ((nb = realloc(b, cap)) == NULL)
				goto fail;
			b = nb;
		}
		if ((r = read(fd, b + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > CONFIG_FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	*buf = b;
	*len = n;
	return 0;
fail:
	saved = errno;
	free(b);
	errno = saved;
	return -1;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errcap)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	if (err != NULL && errcap > 0)
		err[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (err != NULL && errcap > 0)
			snprintf(err, errcap, "%s: cannot open: %s\n", path,
			    strerror(errno));
		config_reset(cfg);
		return -1;
	}
	if (config_read(fd, &buf, &len) == -1) {
		if (err != NULL && errcap > 0) {
			if (errno == EFBIG)
				snprintf(err, errcap, "%s: larger than %u "
				    "MiB\n", path, CONFIG_FILE_MAX >> 20);
			else
				snprintf(err, errcap, "%s: cannot read: %s\n",
				    path, strerror(errno));
		}
		close(fd);
		config_reset(cfg);
		return -1;
	}
	close(fd);
	rc = config_parse(cfg, buf, len, path, err, errcap);
	free(buf);
	return rc;
}

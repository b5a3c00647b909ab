/*
 * test_config.c - configuration parsing and loading.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "config.h"

#define ERRCAP	8192

static const char good[] =
    "# originstatd test configuration\n"
    "; another comment\n"
    "\n"
    "[rules]\n"
    "eta = onlineservices-servicesenligne.cic.gc.ca/eta/\n"
    "eta = ETA.cic.gc.ca.   # trailing dot, upper case\n"
    "immigrate = www.cic.gc.ca:8080/english/immigrate/\n"
    "  cic\t=\t*.cic.gc.ca   \n"
    "v6_only = [2001:DB8::1]:443\n"
    "[proxy]\n"
    "trusted = 10.0.0.0/8, 192.0.2.1\n"
    "trusted=fd00::/8\t;comment\n"
    "[geoip]\n"
    "database = /var/lib/originstat/country.mmdb\n"
    "cache = 1024\n"
    "[aggregate]\n"
    "grace = 2.5\n"
    "[publish]\n"
    "sensor = web-1.example_a\n";

/* Parse n bytes of text from an exact-size copy. */
static int
parse_n(struct config *cfg, const char *text, size_t n, char *err,
    size_t errcap)
{
	char *d = dup_exact(text, n);
	int rc = config_parse(cfg, d, n, "t.conf", err, errcap);

	free(d);
	return rc;
}

static int
parse(struct config *cfg, const char *text, char *err)
{
	return parse_n(cfg, text, strlen(text), err, ERRCAP);
}

/* cfg is as config_init left it. */
static void
assert_pristine(const struct config *cfg)
{
	ck_assert_uint_eq(cfg->nrules, 0);
	ck_assert_uint_eq(cfg->nclasses, 1);
	ck_assert_str_eq(cfg->classes[0], "other");
	ck_assert_uint_eq(cfg->ntrusted, 0);
	ck_assert_ptr_null(cfg->geoip_path);
	ck_assert_ptr_null(cfg->sensor);
	ck_assert_uint_eq(cfg->geo_cache, 65536);
	ck_assert(cfg->grace == 5);
	ck_assert_uint_eq(cfg->history, CONFIG_HISTORY_DEFAULT);
}

START_TEST(test_defaults)
{
	struct config cfg;
	char err[ERRCAP];

	ck_assert_int_eq(config_init(&cfg), 0);
	assert_pristine(&cfg);
	ck_assert_int_eq(parse(&cfg, "", err), 0);
	ck_assert_str_eq(err, "");
	assert_pristine(&cfg);
	ck_assert_int_eq(parse(&cfg, "# only a comment\n\n  \n[rules]\n",
	    err), 0);
	assert_pristine(&cfg);
	config_fini(&cfg);
	config_fini(&cfg);	/* idempotent */
}
END_TEST

START_TEST(test_good)
{
	struct config cfg;
	struct ip_addr a;
	char err[ERRCAP];
	const struct rule *r;

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_int_eq(parse(&cfg, good, err), 0);
	ck_assert_str_eq(err, "");

	ck_assert_uint_eq(cfg.nclasses, 5);
	ck_assert_str_eq(cfg.classes[0], "eta");
	ck_assert_str_eq(cfg.classes[1], "immigrate");
	ck_assert_str_eq(cfg.classes[2], "cic");
	ck_assert_str_eq(cfg.classes[3], "v6_only");
	ck_assert_str_eq(cfg.classes[4], "other");

	ck_assert_uint_eq(cfg.nrules, 5);
	r = &cfg.rules[0];
	ck_assert_uint_eq(r->cls, 0);
	ck_assert_str_eq(r->host, "onlineservices-servicesenligne.cic.gc.ca");
	ck_assert_uint_eq(r->host_len, strlen(r->host));
	ck_assert(!r->wildcard);
	ck_assert(r->has_path);
	ck_assert_str_eq(r->path, "/eta/");
	ck_assert_uint_eq(r->path_len, 5);
	r = &cfg.rules[1];
	ck_assert_uint_eq(r->cls, 0);
	ck_assert_str_eq(r->host, "eta.cic.gc.ca");
	ck_assert(!r->has_path);
	r = &cfg.rules[2];
	ck_assert_uint_eq(r->cls, 1);
	ck_assert_str_eq(r->host, "www.cic.gc.ca");
	ck_assert_str_eq(r->path, "/english/immigrate/");
	r = &cfg.rules[3];
	ck_assert_uint_eq(r->cls, 2);
	ck_assert(r->wildcard);
	ck_assert_str_eq(r->host, "cic.gc.ca");
	ck_assert(!r->has_path);
	r = &cfg.rules[4];
	ck_assert_uint_eq(r->cls, 3);
	ck_assert_str_eq(r->host, "[2001:db8::1]");

	ck_assert_uint_eq(cfg.ntrusted, 3);
	ck_assert_uint_eq(cfg.trusted[0].bits, 104);
	ck_assert_uint_eq(cfg.trusted[1].bits, 128);
	ck_assert_uint_eq(cfg.trusted[2].bits, 8);
	ck_assert_int_eq(addr_parse("10.3.2.1", 8, &a), 0);
	ck_assert(cidr_contains(&cfg.trusted[0], &a));

	ck_assert_str_eq(cfg.geoip_path, "/var/lib/originstat/country.mmdb");
	ck_assert_uint_eq(cfg.geo_cache, 1024);
	ck_assert(cfg.grace == 2.5);
	ck_assert_str_eq(cfg.sensor, "web-1.example_a");
	ck_assert_uint_eq(cfg.history, CONFIG_HISTORY_DEFAULT);
	config_fini(&cfg);
}
END_TEST

/* [publish] history: seconds of minutes kept for snapshots, 0 keeps none. */
START_TEST(test_sketch_key)
{
	struct config cfg;
	char err[ERRCAP];

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert(!cfg.has_sketch_key);
	ck_assert_int_eq(parse(&cfg, "[publish]\nsketch_key = "
	    "0123456789abcDEF\n", err), 0);
	ck_assert(cfg.has_sketch_key);
	ck_assert_uint_eq(cfg.sketch_key, UINT64_C(0x0123456789abcdef));
	ck_assert_int_eq(parse(&cfg, "[publish]\nsketch_key = 0123\n", err),
	    -1);
	ck_assert_str_eq(err, "t.conf:2: sketch_key must be 16 hex digits\n");
	ck_assert(!cfg.has_sketch_key);
	ck_assert_int_eq(parse(&cfg, "[publish]\nsketch_key = "
	    "0123456789abcdeg\n", err), -1);
	config_fini(&cfg);
}
END_TEST

START_TEST(test_history)
{
	struct config cfg;
	char err[ERRCAP];

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_int_eq(parse(&cfg, "[publish]\nhistory = 3600\n"
	    "sensor = s\n", err), 0);
	ck_assert_uint_eq(cfg.history, 3600);
	ck_assert_str_eq(cfg.sensor, "s");
	ck_assert_int_eq(parse(&cfg, "[publish]\nhistory = 0\n", err), 0);
	ck_assert_uint_eq(cfg.history, 0);
	ck_assert_int_eq(parse(&cfg, "[publish]\nhistory = 604800 # a week\n",
	    err), 0);
	ck_assert_uint_eq(cfg.history, CONFIG_HISTORY_MAX);
	/* A failed parse goes back to the default. */
	ck_assert_int_eq(parse(&cfg, "[publish]\nhistory = 1e3\n", err), -1);
	ck_assert_str_eq(err, "t.conf:2: history must be seconds "
	    "0..604800\n");
	assert_pristine(&cfg);
	config_fini(&cfg);
}
END_TEST

START_TEST(test_alerts)
{
	struct config cfg;
	char err[ERRCAP];

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_double_eq(cfg.alerts.multiple, CONFIG_ALERT_MULTIPLE);
	ck_assert_uint_eq(cfg.alerts.minutes, CONFIG_ALERT_MINUTES);
	ck_assert_uint_eq(cfg.alerts.clear, CONFIG_ALERT_CLEAR);
	ck_assert_int_eq(parse(&cfg, "[alerts]\nmultiple = 2.5\nminutes = 5\n"
	    "min_rate = 0.25\nhalf_life = 60\nwindow = 15\nclear = 20\n"
	    "warmup = 0\n", err), 0);
	ck_assert_double_eq(cfg.alerts.multiple, 2.5);
	ck_assert_uint_eq(cfg.alerts.minutes, 5);
	ck_assert_double_eq(cfg.alerts.min_rate, 0.25);
	ck_assert_uint_eq(cfg.alerts.half_life, 60);
	ck_assert_uint_eq(cfg.alerts.window, 15);
	ck_assert_uint_eq(cfg.alerts.clear, 20);
	ck_assert_uint_eq(cfg.alerts.warmup, 0);
	ck_assert_int_eq(parse(&cfg, "[alerts]\nmultiple = 0.5\nminutes = 0\n"
	    "window = 61\nhalf_life = 0\nrate = 3\n", err), -1);
	ck_assert_str_eq(err,
	    "t.conf:2: multiple must be a number 1..1000\n"
	    "t.conf:3: minutes must be minutes 1..60\n"
	    "t.conf:4: window must be minutes 1..60\n"
	    "t.conf:5: half_life must be minutes 1..10080\n"
	    "t.conf:6: unknown key 'rate' in [alerts]\n");
	ck_assert_double_eq(cfg.alerts.multiple, CONFIG_ALERT_MULTIPLE);
	ck_assert_uint_eq(cfg.alerts.window, CONFIG_ALERT_WINDOW);
	config_fini(&cfg);
}
END_TEST

START_TEST(test_crlf_and_replace)
{
	struct config cfg;
	char err[ERRCAP];

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_int_eq(parse(&cfg, "[rules]\r\na = x.org/p\r\n"
	    "[aggregate]\r\ngrace = 0\r\n\r\n[geoip]\r\ncache = 0", err), 0);
	ck_assert_uint_eq(cfg.nrules, 1);
	ck_assert_str_eq(cfg.rules[0].path, "/p");
	ck_assert(cfg.grace == 0);
	ck_assert_uint_eq(cfg.geo_cache, 0);
	/* A second good parse replaces the first. */
	ck_assert_int_eq(parse(&cfg, "[rules]\nb = y.org\nc = z.org\n", err),
	    0);
	ck_assert_uint_eq(cfg.nrules, 2);
	ck_assert_uint_eq(cfg.nclasses, 3);
	ck_assert_str_eq(cfg.classes[1], "c");
	ck_assert(cfg.grace == 5);
	/* A failed one leaves what config_init makes. */
	ck_assert_int_eq(parse(&cfg, "[rules]\nd = w.org\nx\n", err), -1);
	assert_pristine(&cfg);
	config_fini(&cfg);
}
END_TEST

/* Each text has one error, reported at line "t.conf:LINE: MSG". */
static const struct {
	const char	*text;
	const char	*want;
} bad[] = {
	{ "[rules]\nx\n", "t.conf:2: expected 'key = value'" },
	{ "a = b\n", "t.conf:1: key 'a' outside any [section]" },
	{ "\n[nope]\na = b\nc = d\n", "t.conf:2: unknown section [nope]" },
	{ "[rules\n", "t.conf:1: missing ']'" },
	{ "[rules] x\n", "t.conf:1: junk after section header" },
	{ "[rules]]\n", "t.conf:1: junk after section header" },
	{ "[proxy]\nfoo = 1\n", "t.conf:2: unknown key 'foo' in [proxy]" },
	{ "[geoip]\n\n\nfoo = 1\n", "t.conf:4: unknown key 'foo'" },
	{ "[aggregate]\nGrace = 1\n", "t.conf:2: unknown key 'Grace'" },
	{ "[publish]\nsensors = a\n", "t.conf:2: unknown key 'sensors'" },
	{ "[publish]\nhistory = -1\n", "t.conf:2: history must be seconds" },
	{ "[publish]\nhistory = 604801\n",
	    "t.conf:2: history must be seconds 0..604800" },
	{ "[publish]\nhistory = 1.5\n", "t.conf:2: history must be" },
	{ "[rules]\nother = a.org\n",
	    "t.conf:2: class name 'other' is reserved" },
	{ "[rules]\nOTHER = a.org\n", "t.conf:2: class name 'other'" },
	{ "[rules]\na.b = a.org\n", "t.conf:2: bad class name 'a.b'" },
	{ "[rules]\nabcdefghijabcdefghijabcdefghij12 = a.org\n",
	    "t.conf:2: class name must be 1..31 bytes" },
	{ "[rules]\n= a.org\n", "t.conf:2: missing key" },
	{ "[rules]\na =\n", "t.conf:2: missing value for 'a'" },
	{ "[rules]\na = # comment\n", "t.conf:2: missing value for 'a'" },
	{ "[rules]\na = /path\n", "t.conf:2: empty host" },
	{ "[rules]\na = *.\n", "t.conf:2: empty host" },
	{ "[rules]\na = .\n", "t.conf:2: empty host" },
	{ "[rules]\na = :80/x\n", "t.conf:2: empty host" },
	{ "[rules]\na = a.org:/x\n", "t.conf:2: bad port" },
	{ "[rules]\na = a.org:8o\n", "t.conf:2: bad port" },
	{ "[rules]\na = a.org:123456\n", "t.conf:2: bad port" },
	{ "[rules]\na = a*.org\n", "t.conf:2: bad character in host" },
	{ "[rules]\na = *.*.org\n", "t.conf:2: bad character in host" },
	{ "[rules]\na = a[1].org\n", "t.conf:2: bad character in host" },
	{ "[rules]\na = [::1\n", "t.conf:2: missing ']' in host" },
	{ "[rules]\na = a.org /x\n", "t.conf:2: white space in rule" },
	{ "[proxy]\ntrusted = 10.0.0.0/33\n",
	    "t.conf:2: bad address or prefix '10.0.0.0/33'" },
	{ "[proxy]\ntrusted = 10.0.0.0/8,\n",
	    "t.conf:2: empty address in trusted list" },
	{ "[proxy]\ntrusted = 10.0.0.0/8, junk\n",
	    "t.conf:2: bad address or prefix 'junk'" },
	{ "[geoip]\ncache = 16777217\n", "t.conf:2: cache must be" },
	{ "[geoip]\ncache = -1\n", "t.conf:2: cache must be" },
	{ "[geoip]\ncache = 0x10\n", "t.conf:2: cache must be" },
	{ "[geoip]\ncache = 99999999999999999999\n", "t.conf:2: cache must" },
	{ "[aggregate]\ngrace = 3601\n", "t.conf:2: grace must be" },
	{ "[aggregate]\ngrace = 3600.5\n", "t.conf:2: grace must be" },
	{ "[aggregate]\ngrace = 1e3\n", "t.conf:2: grace must be" },
	{ "[aggregate]\ngrace = 1.\n", "t.conf:2: grace must be" },
	{ "[aggregate]\ngrace = .5\n", "t.conf:2: grace must be" },
	{ "[aggregate]\ngrace = inf\n", "t.conf:2: grace must be" },
	{ "[aggregate]\ngrace = -1\n", "t.conf:2: grace must be" },
	{ "[publish]\nsensor = a b\n", "t.conf:2: bad sensor name" },
	{ "[publish]\nsensor = a/b\n", "t.conf:2: bad sensor name" },
	{ "[publish]\nsensor = "
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	    "1234\n", "t.conf:2: sensor name longer than 63" },
};

START_TEST(test_errors)
{
	struct config cfg;
	char err[ERRCAP];
	size_t i, nl;
	const char *p;

	ck_assert_int_eq(config_init(&cfg), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(&cfg, bad[i].text, err) == -1,
		    "accepted %s", bad[i].text);
		ck_assert_msg(strncmp(err, bad[i].want, strlen(bad[i].want))
		    == 0, "got '%s', want '%s'", err, bad[i].want);
		/* Exactly one message, ending in a newline. */
		for (nl = 0, p = err; (p = strchr(p, '\n')) != NULL; p++)
			nl++;
		ck_assert_msg(nl == 1, "%zu lines: %s", nl, err);
		ck_assert_int_eq(err[strlen(err) - 1], '\n');
		assert_pristine(&cfg);
	}
	config_fini(&cfg);
}
END_TEST

START_TEST(test_binary_and_long)
{
	struct config cfg;
	char err[ERRCAP], *text;
	static const char nul[] = "[rules]\na = b\0c.org\n";
	size_t n;

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_int_eq(parse_n(&cfg, nul, sizeof(nul) - 1, err, ERRCAP),
	    -1);
	ck_assert_str_eq(err, "t.conf:2: NUL byte in line\n");

	/* 4096 bytes are fine, 4097 are not. */
	n = 4096;
	text = malloc(n + 64);
	ck_assert_ptr_nonnull(text);
	strcpy(text, "[publish]\n#");
	memset(text + 11, 'x', n - 1);
	strcpy(text + 10 + n, "\nsensor = s\n");
	ck_assert_int_eq(parse(&cfg, text, err), 0);
	ck_assert_str_eq(cfg.sensor, "s");
	strcpy(text, "[publish]\n#");
	memset(text + 11, 'x', n);
	strcpy(text + 11 + n, "\r\nsensor = s\nfoo = 1\n");
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err, "t.conf:2: line longer than 4096 bytes\n"
	    "t.conf:4: unknown key 'foo' in [publish]\n");
	assert_pristine(&cfg);
	free(text);
	config_fini(&cfg);
}
END_TEST

START_TEST(test_many_errors)
{
	static const char text[] =
	    "x = 1\n"				/* 1 */
	    "[rules]\n"
	    "ok = a.org\n"
	    "other = b.org\n"			/* 4 */
	    "bad name = c.org\n"		/* 5 */
	    "[proxy]\n"
	    "trusted = 1.2.3.4/40, 10.0.0.0/8, bad\n"	/* 7: two */
	    "[weird]\n"				/* 8 */
	    "anything = goes\n"
	    "[aggregate]\n"
	    "grace = 9999\n"			/* 11 */
	    "nokey\n";				/* 12 */
	struct config cfg;
	char err[ERRCAP], small[40];

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err,
	    "t.conf:1: key 'x' outside any [section]\n"
	    "t.conf:4: class name 'other' is reserved\n"
	    "t.conf:5: bad class name 'bad name' (letters, digits, '_' and "
	    "'-' only)\n"
	    "t.conf:7: bad address or prefix '1.2.3.4/40'\n"
	    "t.conf:7: bad address or prefix 'bad'\n"
	    "t.conf:8: unknown section [weird]\n"
	    "t.conf:11: grace must be seconds 0..3600\n"
	    "t.conf:12: expected 'key = value' or '[section]'\n");
	assert_pristine(&cfg);

	/*
	 * Whole lines only, then a count of the rest; always
	 * NUL-terminated.  The first line needs 41 bytes.
	 */
	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), small,
	    sizeof(small)), -1);
	ck_assert_str_eq(small, "... and 8 more errors\n");
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), small, 1), -1);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), small, 10), -1);
	ck_assert_str_eq(small, "... and 8");
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), NULL, 0), -1);
	assert_pristine(&cfg);
	config_fini(&cfg);
}
END_TEST

/* Offset just past the line of s that starts at off. */
static size_t
line_end(const char *s, size_t off)
{
	const char *nl = strchr(s + off, '\n');

	ck_assert_ptr_nonnull(nl);
	return (size_t)(nl - s) + 1;
}

/* Bytes from the file are echoed escaped; the buffer holds whole lines. */
START_TEST(test_error_messages)
{
	static const char text[] =
	    "[rules]\n"
	    "\x1b[31m = x.org\n"			/* 2 */
	    "a = h\x01st.org\n"			/* 3 */
	    "[r\xc3\xa9gles]\n"			/* 4 */
	    "[aggregate]\n"
	    "gr\x7f = 1\n";			/* 6 */
	static const char want[] =
	    "t.conf:2: bad class name '\\x1b[31m' (letters, digits, '_' and "
	    "'-' only)\n"
	    "t.conf:3: bad character in host 'h\\x01st.org'\n"
	    "t.conf:4: unknown section [r\\xc3\\xa9gles]\n"
	    "t.conf:6: unknown key 'gr\\x7f' in [aggregate]\n";
	struct config cfg;
	char err[ERRCAP], small[sizeof(want)];
	size_t l1, l2, tail = strlen("... and 2 more errors\n");

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err, want);
	/* Exactly enough room for everything. */
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), small,
	    sizeof(want)), -1);
	ck_assert_str_eq(small, want);
	/* One byte short: the last line goes, counted. */
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), small,
	    sizeof(want) - 1), -1);
	l1 = line_end(want, 0);
	l2 = line_end(want, line_end(want, l1));	/* three lines */
	ck_assert_uint_eq(strlen(small),
	    l2 + strlen("... and 1 more error\n"));
	ck_assert(strncmp(small, want, l2) == 0);
	ck_assert_str_eq(small + l2, "... and 1 more error\n");
	/*
	 * Room for two lines but not for the count after them: the
	 * second is taken back.
	 */
	l2 = line_end(want, l1);
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), small, l2 + 1),
	    -1);
	ck_assert_uint_eq(strlen(small),
	    l1 + strlen("... and 3 more errors\n"));
	ck_assert(strncmp(small, want, l1) == 0);
	ck_assert_str_eq(small + l1, "... and 3 more errors\n");
	ck_assert_int_eq(parse_n(&cfg, text, strlen(text), small,
	    l2 + tail + 1), -1);
	ck_assert(strncmp(small, want, l2) == 0);
	ck_assert_str_eq(small + l2, "... and 2 more errors\n");
	assert_pristine(&cfg);
	config_fini(&cfg);
}
END_TEST

START_TEST(test_limits)
{
	struct config cfg;
	char err[ERRCAP], *text, *p;
	size_t i, cap = 5 * 1024 * 1024;

	ck_assert_int_eq(config_init(&cfg), 0);
	text = malloc(cap);
	ck_assert_ptr_nonnull(text);

	/* 254 classes plus "other" fit; a 255th does not. */
	p = text + sprintf(text, "[rules]\n");
	for (i = 0; i < CONFIG_MAX_CLASSES; i++)
		p += sprintf(p, "c%zu = h%zu.org\n", i, i);
	ck_assert_int_eq(parse(&cfg, text, err), 0);
	ck_assert_uint_eq(cfg.nclasses, CONFIG_MAX_CLASSES + 1);
	ck_assert_str_eq(cfg.classes[CONFIG_MAX_CLASSES], "other");
	ck_assert_str_eq(cfg.classes[CONFIG_MAX_CLASSES - 1], "c253");
	ck_assert_uint_eq(cfg.rules[CONFIG_MAX_CLASSES - 1].cls, 253);
	sprintf(p, "one_more = x.org\n");
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err, "t.conf:256: too many classes (at most 254)\n");

	/* CONFIG_MAX_RULES rules fit. */
	p = text + sprintf(text, "[rules]\n");
	for (i = 0; i < CONFIG_MAX_RULES; i++)
		p += sprintf(p, "c = h%zu.org/%zu\n", i, i);
	ck_assert_int_eq(parse(&cfg, text, err), 0);
	ck_assert_uint_eq(cfg.nrules, CONFIG_MAX_RULES);
	ck_assert_str_eq(cfg.rules[CONFIG_MAX_RULES - 1].path, "/4095");
	sprintf(p, "c = last.org\n");
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err, "t.conf:4098: too many rules (at most 4096)\n");
	/* The same error on the lines after: one line with a count. */
	sprintf(p, "c = last.org\nc = l2.org\n# gap\nc = l3.org\n");
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err, "t.conf:4098: too many rules (at most 4096) "
	    "(3 times, to line 4101)\n");
	sprintf(p, "c = last.org\nc = l2.org\nc = \nc = l3.org\n");
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err, "t.conf:4098: too many rules (at most 4096) "
	    "(2 times, to line 4099)\n"
	    "t.conf:4100: missing value for 'c'\n"
	    "t.conf:4101: too many rules (at most 4096)\n");

	/* CONFIG_MAX_TRUSTED prefixes fit, over several lines. */
	p = text + sprintf(text, "[proxy]\n");
	for (i = 0; i < CONFIG_MAX_TRUSTED; i++)
		p += sprintf(p, "trusted = 10.%zu.%zu.0/24\n", i / 256,
		    i % 256);
	ck_assert_int_eq(parse(&cfg, text, err), 0);
	ck_assert_uint_eq(cfg.ntrusted, CONFIG_MAX_TRUSTED);
	sprintf(p, "trusted = ::1\n");
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err,
	    "t.conf:1026: too many trusted proxies (at most 1024)\n");

	/* Host and path length limits. */
	p = text + sprintf(text, "[rules]\na = ");
	memset(p, 'h', CONFIG_HOST_MAX);
	strcpy(p + CONFIG_HOST_MAX, ".\nb = x.org/");
	p = text + strlen(text);
	memset(p, 'p', CONFIG_PATH_MAX - 1);
	p[CONFIG_PATH_MAX - 1] = '\0';
	ck_assert_int_eq(parse(&cfg, text, err), 0);
	ck_assert_uint_eq(cfg.rules[0].host_len, CONFIG_HOST_MAX);
	ck_assert_uint_eq(cfg.rules[1].path_len, CONFIG_PATH_MAX);
	strcat(text, "p\nc = ");
	p = text + strlen(text);
	memset(p, 'h', CONFIG_HOST_MAX + 1);
	p[CONFIG_HOST_MAX + 1] = '\0';
	ck_assert_int_eq(parse(&cfg, text, err), -1);
	ck_assert_str_eq(err, "t.conf:3: path longer than 1024 bytes\n"
	    "t.conf:4: host longer than 253 bytes\n");
	free(text);
	config_fini(&cfg);
}
END_TEST

START_TEST(test_prefixes_and_corruption)
{
	static const int vals[] = { 0x00, 0xff, '\n', '\r', '=', '[', ']',
	    '#', ';', ' ', '*', '/', ':', ',', '.' };
	struct config cfg;
	char err[256], *d;
	size_t i, v, n = strlen(good);
	int rc;

	ck_assert_int_eq(config_init(&cfg), 0);
	for (i = 0; i <= n; i++) {
		rc = parse_n(&cfg, good, i, err, sizeof(err));
		ck_assert(rc == 0 || rc == -1);
		ck_assert(rc == 0 || err[0] != '\0');
	}
	/* Cut at a line end, every prefix is a valid configuration. */
	for (i = 0; i <= n; i++)
		if (i == n || good[i] == '\n')
			ck_assert_int_eq(parse_n(&cfg, good, i, err,
			    sizeof(err)), 0);
	d = dup_exact(good, n);
	for (i = 0; i < n; i++) {
		for (v = 0; v < sizeof(vals) / sizeof(vals[0]) + 8; v++) {
			memcpy(d, good, n);
			if (v < sizeof(vals) / sizeof(vals[0]))
				d[i] = (char)vals[v];
			else
				d[i] = (char)((unsigned char)good[i] ^
				    (1u << (v - sizeof(vals) /
				    sizeof(vals[0]))));
			rc = config_parse(&cfg, d, n, "t", err, sizeof(err));
			ck_assert(rc == 0 || rc == -1);
			if (rc == -1)
				ck_assert_ptr_nonnull(strchr(err, '\n'));
		}
	}
	free(d);
	config_fini(&cfg);
}
END_TEST

START_TEST(test_load)
{
	char path[] = "/tmp/test_config.XXXXXX";
	char err[ERRCAP], want[512];
	struct config cfg;
	FILE *f;
	int fd;
	size_t i;
	static char block[65536];

	ck_assert_int_eq(config_init(&cfg), 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(good, 1, strlen(good), f), strlen(good));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(config_load(&cfg, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.nrules, 5);
	ck_assert_str_eq(cfg.sensor, "web-1.example_a");

	/* Messages carry the file name. */
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("[bogus]\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(config_load(&cfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:20: unknown section [bogus]\n",
	    path);
	ck_assert_str_eq(err, want);
	assert_pristine(&cfg);

	/* Over 16 MiB: refused, naming the file. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	memset(block, '#', sizeof(block));
	for (i = 0; i < 256; i++)
		ck_assert_uint_eq(fwrite(block, 1, sizeof(block), f),
		    sizeof(block));
	ck_assert_int_eq(fputc('\n', f), '\n');
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(config_load(&cfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than 16 MiB\n", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_int_eq(config_load(&cfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory\n", path);
	ck_assert_str_eq(err, want);
	assert_pristine(&cfg);
	config_fini(&cfg);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_crlf_and_replace);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_sketch_key);
	tcase_add_test(tc, test_alerts);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_binary_and_long);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_prefixes_and_corruption);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_error_messages);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

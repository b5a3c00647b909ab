/*
 * test_summary.c - `originstat summary`: CSV reading, hourly totals,
 * errors, the printed table.
 *
 * The fixture tests/data/summary-sample.csv is found under $OS_SRC (set by
 * CTest), else the current directory.  Its expected numbers were worked
 * out by hand from the file and checked with Python's csv module.
 */
#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "summary.h"

#define H19	INT64_C(1478631600)	/* 2016-11-08T19:00:00Z */
#define H20	(H19 + 3600)
#define H21	(H19 + 7200)

enum { ETA, OTHER, RESULTS };	/* classes in order of appearance */

static char *
fixture_path(void)
{
	static const char	 rel[] = "tests/data/summary-sample.csv";
	const char		*src = getenv("OS_SRC");
	char			*p;
	size_t			 n;

	if (src == NULL)
		src = ".";
	n = strlen(src) + 1 + sizeof(rel);
	ck_assert_ptr_nonnull(p = malloc(n));
	snprintf(p, n, "%s/%s", src, rel);
	return p;
}

/* Whole file into an exact-size buffer, so ASan sees any overread. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	long	 n;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	ck_assert_int_gt(n, 0);
	rewind(fp);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Load len bytes of text (copied to an exact-size buffer). */
static enum summary_status
load_mem(struct summary *s, const char *text, size_t len, char *err,
    size_t errcap)
{
	enum summary_status	 st;
	FILE			*fp;
	char			*buf;

	err[0] = '\0';
	if (len == 0) {
		/* fmemopen refuses size 0 on some libcs */
		fp = tmpfile();
	} else {
		ck_assert_ptr_nonnull(buf = malloc(len));
		memcpy(buf, text, len);
		fp = fmemopen(buf, len, "r");
		ck_assert_ptr_nonnull(fp);
		st = summary_load(s, fp, "t.csv", err, errcap);
		fclose(fp);
		free(buf);
		return st;
	}
	ck_assert_ptr_nonnull(fp);
	st = summary_load(s, fp, "t.csv", err, errcap);
	fclose(fp);
	return st;
}

static enum summary_status
load_str(struct summary *s, const char *text, char *err, size_t errcap)
{
	return load_mem(s, text, strlen(text), err, errcap);
}

static void
load_fixture(struct summary *s, int local)
{
	char	*path = fixture_path();
	FILE	*fp = fopen(path, "r");
	char	 err[256];

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	summary_init(s, local);
	ck_assert_int_eq(summary_load(s, fp, path, err, sizeof(err)),
	    SUMMARY_OK);
	fclose(fp);
	free(path);
}

static uint64_t
cc_hits(const struct summary_cell *c, const char *cc)
{
	size_t i;

	for (i = 0; i < c->ncc; i++)
		if (strcmp(c->cc[i].cc, cc) == 0)
			return c->cc[i].hits;
	return 0;
}

static void
assert_cell(const struct summary_cell *c, uint64_t req, uint64_t tls,
    size_t ncc)
{
	ck_assert_uint_eq(c->requests, req);
	ck_assert_uint_eq(c->tls, tls);
	ck_assert_uint_eq(summary_cell_hits(c), req + tls);
	ck_assert_uint_eq(c->ncc, ncc);
}

START_TEST(test_fixture_totals)
{
	struct summary s;

	load_fixture(&s, 0);
	ck_assert_uint_eq(s.rows, 23);
	ck_assert_uint_eq(s.nclasses, 3);
	ck_assert_str_eq(s.classes[ETA].name, "eta");
	ck_assert_str_eq(s.classes[OTHER].name, "other");
	ck_assert_str_eq(s.classes[RESULTS].name, "results");
	ck_assert_int_eq(s.first, H19);
	ck_assert_int_eq(s.last, H21 + 58 * 60);

	assert_cell(&s.classes[ETA].total, 3005, 630, 4);
	ck_assert_uint_eq(cc_hits(&s.classes[ETA].total, "MX"), 1510);
	ck_assert_uint_eq(cc_hits(&s.classes[ETA].total, "KR"), 1345);
	ck_assert_uint_eq(cc_hits(&s.classes[ETA].total, "BR"), 730);
	ck_assert_uint_eq(cc_hits(&s.classes[ETA].total, "US"), 50);
	assert_cell(&s.classes[OTHER].total, 35, 8, 3);
	ck_assert_uint_eq(cc_hits(&s.classes[OTHER].total, "ZZ"), 11);
	assert_cell(&s.classes[RESULTS].total, 2110, 364, 5);
	ck_assert_uint_eq(cc_hits(&s.classes[RESULTS].total, "US"), 2134);
	summary_fini(&s);
}
END_TEST

START_TEST(test_fixture_hours)
{
	struct summary		 s;
	struct summary_hour	*h;

	load_fixture(&s, 0);
	ck_assert_uint_eq(s.nhours, 3);
	h = s.hours;
	ck_assert_int_eq(h[0].start, H19);
	ck_assert_int_eq(h[1].start, H20);
	ck_assert_int_eq(h[2].start, H21);
	/* minutes 0, 1, 30, 59 / 0, 15 / 5, 58 */
	ck_assert_uint_eq(h[0].minutes, 0x800000040000003ULL);
	ck_assert_uint_eq(h[1].minutes, 0x8001ULL);
	ck_assert_uint_eq(h[2].minutes, 0x400000000000020ULL);

	ck_assert_uint_eq(h[0].ncells, 3);
	assert_cell(&h[0].cells[ETA], 940, 215, 3);
	ck_assert_uint_eq(cc_hits(&h[0].cells[ETA], "MX"), 710);
	ck_assert_uint_eq(cc_hits(&h[0].cells[ETA], "BR"), 400);
	ck_assert_uint_eq(cc_hits(&h[0].cells[ETA], "KR"), 45);
	assert_cell(&h[0].cells[OTHER], 18, 5, 2);
	assert_cell(&h[0].cells[RESULTS], 250, 110, 2);
	ck_assert_uint_eq(cc_hits(&h[0].cells[RESULTS], "GB"), 60);

	assert_cell(&h[1].cells[ETA], 885, 165, 4);
	assert_cell(&h[1].cells[OTHER], 10, 2, 1);
	assert_cell(&h[1].cells[RESULTS], 560, 220, 3);
	ck_assert_uint_eq(cc_hits(&h[1].cells[RESULTS], "DE"), 80);

	assert_cell(&h[2].cells[ETA], 1180, 250, 3);
	ck_assert_uint_eq(cc_hits(&h[2].cells[ETA], "KR"), 1200);
	assert_cell(&h[2].cells[OTHER], 7, 1, 1);
	assert_cell(&h[2].cells[RESULTS], 1300, 34, 2);
	summary_fini(&s);
}
END_TEST

/* Mexico City is a whole-hour zone: same buckets, one per UTC hour. */
START_TEST(test_local_whole_hours)
{
	struct summary s;

	ck_assert_int_eq(setenv("TZ", "America/Mexico_City", 1), 0);
	tzset();
	load_fixture(&s, 1);
	ck_assert_uint_eq(s.nhours, 3);
	ck_assert_int_eq(s.hours[0].start, H19);
	ck_assert_int_eq(s.hours[2].start, H21);
	summary_fini(&s);
}
END_TEST

/* Kolkata is UTC+5:30: local hours start at hh:30 UTC. */
START_TEST(test_local_half_hours)
{
	struct summary s;

	ck_assert_int_eq(setenv("TZ", "Asia/Kolkata", 1), 0);
	tzset();
	load_fixture(&s, 1);
	ck_assert_uint_eq(s.nhours, 4);
	ck_assert_int_eq(s.hours[0].start, H19 - 1800);
	ck_assert_int_eq(s.hours[1].start, H19 + 1800);
	ck_assert_int_eq(s.hours[2].start, H20 + 1800);
	ck_assert_int_eq(s.hours[3].start, H21 + 1800);
	/* 19:00, 19:01 are local minutes 30, 31 */
	ck_assert_uint_eq(s.hours[0].minutes, 3ULL << 30);
	/* 19:30, 19:59, 20:00, 20:15 are minutes 0, 29, 30, 45 */
	ck_assert_uint_eq(s.hours[1].minutes,
	    1ULL | 1ULL << 29 | 1ULL << 30 | 1ULL << 45);
	assert_cell(&s.hours[1].cells[ETA], 200 + 885, 50 + 165, 4);
	summary_fini(&s);
}
END_TEST

/* RFC 4180 section 2: quotes, "" escapes, CRLF, line breaks in quotes. */
START_TEST(test_rfc4180)
{
	static const char text[] =
	    "\xef\xbb\xbf"	/* byte order mark */
	    "minute_utc,class,country,requests,tls_handshakes,clients,note\r\n"
	    "\"2016-11-08T19:00:00Z\",\"a,b\",mx,1,2,3,plain\r\n"
	    "2016-11-08T19:00:00Z,\"say \"\"hi\"\"\",BR,10,0,1,\"two\r\n"
	    "lines, \"\"quoted\"\"\"\r\n"
	    "\r\n"
	    "2016-11-08T20:07:00Z,a\x2c" "b,US,100,0,1,\"\"\n"
	    "2016-11-08T20:08:00Z,\"a,b\",US,5,5,1,x";	/* no final EOL */
	struct summary	s;
	char		err[256];

	summary_init(&s, 0);
	/* "a,b" unquoted is two fields: a field count error on line 6 */
	ck_assert_int_eq(load_str(&s, text, err, sizeof(err)), SUMMARY_BAD);
	ck_assert_str_eq(err, "t.csv:6: 8 fields, but the header has 7");
	summary_fini(&s);
}
END_TEST

START_TEST(test_rfc4180_ok)
{
	static const char text[] =
	    "\xef\xbb\xbf"
	    "minute_utc,class,country,requests,tls_handshakes,clients,note\r\n"
	    "\"2016-11-08T19:00:00Z\",\"a,b\",mx,1,2,3,plain\r\n"
	    "2016-11-08T19:00:00Z,\"say \"\"hi\"\"\",BR,10,0,1,\"two\r\n"
	    "lines, \"\"quoted\"\"\"\r\n"
	    "\r\n"
	    "\n"
	    "2016-11-08T20:07:00Z,\"say \"\"hi\"\"\",US,100,0,1,\"\"\n"
	    "2016-11-08T20:08:00Z,\"a,b\",US,5,5,1,x";	/* no final EOL */
	struct summary	s;
	char		err[256];

	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, text, err, sizeof(err)), SUMMARY_OK);
	ck_assert_uint_eq(s.rows, 4);
	ck_assert_uint_eq(s.nclasses, 2);
	ck_assert_str_eq(s.classes[0].name, "a,b");
	ck_assert_str_eq(s.classes[1].name, "say \"hi\"");
	assert_cell(&s.classes[0].total, 6, 7, 2);
	ck_assert_uint_eq(cc_hits(&s.classes[0].total, "MX"), 3);
	assert_cell(&s.classes[1].total, 110, 0, 2);
	ck_assert_uint_eq(s.nhours, 2);
	ck_assert_uint_eq(s.hours[1].minutes, 3ULL << 7);
	summary_fini(&s);
}
END_TEST

/* Counts up to 2^64 - 1 are taken; one more is an error. */
START_TEST(test_big_counts)
{
	struct summary	s;
	char		err[256];

	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, SUMMARY_HEADER "\n"
	    "2016-11-08T19:00:00Z,a,MX,18446744073709551615,0,0\n",
	    err, sizeof(err)), SUMMARY_OK);
	ck_assert_uint_eq(s.classes[0].total.requests, UINT64_MAX);
	summary_fini(&s);

	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, SUMMARY_HEADER "\n"
	    "2016-11-08T19:00:00Z,a,MX,18446744073709551616,0,0\n",
	    err, sizeof(err)), SUMMARY_BAD);
	ck_assert_str_eq(err, "t.csv:2: requests is not a count: "
	    "\"18446744073709551616\"");
	summary_fini(&s);

	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, SUMMARY_HEADER "\n"
	    "2016-11-08T19:00:00Z,a,MX,18446744073709551615,0,0\n"
	    "2016-11-08T19:01:00Z,a,BR,0,1,0\n",
	    err, sizeof(err)), SUMMARY_BAD);
	ck_assert_str_eq(err, "t.csv:3: counts add up past 2^64 at \"0\"");
	summary_fini(&s);
}
END_TEST

/* Each bad input, its status and its exact message. */
static const struct bad_case {
	const char		*text;
	enum summary_status	 st;
	const char		*err;
} bad_cases[] = {
	{ "", SUMMARY_BAD, "t.csv: empty file, expected the header "
	    SUMMARY_HEADER },
	{ "\n\n", SUMMARY_BAD, "t.csv: empty file, expected the header "
	    SUMMARY_HEADER },
	{ "a,b\n", SUMMARY_BAD, "t.csv:1: not an originstatd CSV file: the "
	    "header must start " SUMMARY_HEADER },
	{ "minute_utc,class,country,requests,tls_handshakes\n", SUMMARY_BAD,
	    "t.csv:1: not an originstatd CSV file: the header must start "
	    SUMMARY_HEADER },
	{ "minute_utc,class,country,requests,tls_handshakes,Clients\n",
	    SUMMARY_BAD, "t.csv:1: not an originstatd CSV file: the header "
	    "must start " SUMMARY_HEADER },
	{ "\xef\xbb" "minute_utc", SUMMARY_BAD,
	    "t.csv:1: not an originstatd CSV file" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a,MX,1,2\n", SUMMARY_BAD,
	    "t.csv:2: 5 fields, but the header has 6" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a,MX,1,2,3,4\n", SUMMARY_BAD,
	    "t.csv:2: 7 fields, but the header has 6" },
	{ SUMMARY_HEADER "\n2016-11-08 19:00:00Z,a,MX,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: minute_utc is not a time like 2016-11-08T19:00:00Z: "
	    "\"2016-11-08 19:00:00Z\"" },
	{ SUMMARY_HEADER "\n2015-02-29T19:00:00Z,a,MX,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: minute_utc is not a time like 2016-11-08T19:00:00Z: "
	    "\"2015-02-29T19:00:00Z\"" },
	{ SUMMARY_HEADER "\n2016-11-08T24:00:00Z,a,MX,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: minute_utc is not a time like 2016-11-08T19:00:00Z: "
	    "\"2016-11-08T24:00:00Z\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,,MX,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: bad class name \"\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,\"a\x1b[2J\",MX,1,2,3\n",
	    SUMMARY_BAD, "t.csv:2: bad class name \"a?[2J\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    ",MX,1,2,3\n", SUMMARY_BAD, "t.csv:2: bad class name "
	    "\"01234567890123456789012345678901234567890123...\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a,MEX,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: country is not a two-letter code: \"MEX\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a,M1,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: country is not a two-letter code: \"M1\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a,MX,-1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: requests is not a count: \"-1\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a,MX,1,,3\n", SUMMARY_BAD,
	    "t.csv:2: tls_handshakes is not a count: \"\"" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a,MX,1,2, 3\n", SUMMARY_BAD,
	    "t.csv:2: clients is not a count: \" 3\"" },
	{ SUMMARY_HEADER "\n\n\n2016-11-08T19:00:00Z,a\"b,MX,1,2,3\n",
	    SUMMARY_BAD, "t.csv:4: quote inside an unquoted field" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,\"a\"b,MX,1,2,3\n",
	    SUMMARY_BAD, "t.csv:2: text after a closing quote" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,\"a,MX,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: quoted field never closed" },
	{ SUMMARY_HEADER "\n2016-11-08T19:00:00Z,a\0,MX,1,2,3\n", SUMMARY_BAD,
	    "t.csv:2: NUL byte: not a text file" },
};

START_TEST(test_bad)
{
	const struct bad_case	*b = &bad_cases[_i];
	struct summary		 s;
	char			 err[256];
	size_t			 len = strlen(b->text);

	/* the NUL case: its length up to the final newline */
	if (strstr(b->err, "NUL") != NULL)
		len += strlen(b->text + len + 1) + 1;
	summary_init(&s, 0);
	ck_assert_int_eq(load_mem(&s, b->text, len, err, sizeof(err)), b->st);
	ck_assert_str_eq(err, b->err);
	summary_fini(&s);
}
END_TEST

/* A field longer than the cap, and lines counted inside quoted fields. */
START_TEST(test_long_field_and_lines)
{
	struct summary	 s;
	char		 err[256];
	char		*text;
	size_t		 n = 1000;

	ck_assert_ptr_nonnull(text = malloc(n + 200));
	snprintf(text, 200, "%s\n2016-11-08T19:00:00Z,", SUMMARY_HEADER);
	memset(text + strlen(text), 'x', n);
	text[strlen(SUMMARY_HEADER) + 22 + n] = '\0';
	strcat(text, ",MX,1,2,3\n");
	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, text, err, sizeof(err)), SUMMARY_BAD);
	ck_assert_str_eq(err, "t.csv:2: field too long");
	summary_fini(&s);
	free(text);

	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, SUMMARY_HEADER ",n\n"
	    "2016-11-08T19:00:00Z,a,MX,1,2,3,\"1\n2\n3\"\n"
	    "2016-11-08T19:00:00Z,a,MX,1,2,x,y\n", err, sizeof(err)),
	    SUMMARY_BAD);
	ck_assert_str_eq(err, "t.csv:5: clients is not a count: \"x\"");
	summary_fini(&s);
}
END_TEST

/* Rows out of time order and repeated minutes still land in place. */
START_TEST(test_unordered)
{
	struct summary	s;
	char		err[256];

	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, SUMMARY_HEADER "\n"
	    "2016-11-08T21:00:00Z,a,MX,1,0,1\n"
	    "2016-11-08T19:10:00Z,a,MX,2,0,1\n"
	    "2016-11-08T20:00:00Z,b,MX,4,0,1\n"
	    "2016-11-08T19:10:00Z,a,BR,8,0,1\n"
	    "2016-11-08T21:00:00Z,a,MX,16,0,1\n", err, sizeof(err)),
	    SUMMARY_OK);
	ck_assert_uint_eq(s.nhours, 3);
	ck_assert_int_eq(s.hours[0].start, H19);
	ck_assert_int_eq(s.hours[1].start, H20);
	ck_assert_int_eq(s.hours[2].start, H21);
	assert_cell(&s.hours[0].cells[0], 10, 0, 2);
	ck_assert_uint_eq(s.hours[0].minutes, 1ULL << 10);
	/* hour 20 saw only class b: a's cell exists and is empty */
	ck_assert_uint_eq(s.hours[1].ncells, 2);
	assert_cell(&s.hours[1].cells[0], 0, 0, 0);
	assert_cell(&s.hours[1].cells[1], 4, 0, 1);
	assert_cell(&s.hours[2].cells[0], 17, 0, 1);
	ck_assert_int_eq(s.first, H19 + 600);
	ck_assert_int_eq(s.last, H21);
	summary_fini(&s);
}
END_TEST

/* Every prefix of the fixture loads or fails cleanly, never crashes. */
START_TEST(test_prefixes)
{
	struct summary	 s;
	char		 err[256];
	char		*path = fixture_path(), *buf;
	size_t		 len, i;
	unsigned	 ok = 0;

	buf = slurp(path, &len);
	for (i = 0; i <= len; i++) {
		enum summary_status st;

		summary_init(&s, 0);
		st = load_mem(&s, buf, i, err, sizeof(err));
		ck_assert(st == SUMMARY_OK || st == SUMMARY_BAD);
		if (st == SUMMARY_BAD)
			ck_assert(strncmp(err, "t.csv", 5) == 0);
		ok += st == SUMMARY_OK;
		summary_fini(&s);
	}
	ck_assert_uint_gt(ok, 23);	/* at least each whole-line prefix */
	free(buf);
	free(path);
}
END_TEST

/* Every byte replaced by several values: OK or BAD, never a crash. */
START_TEST(test_corrupt)
{
	static const unsigned char vals[] = {
		0x00, 0xff, '"', ',', '\n', '\r', 'x', '9'
	};
	struct summary	 s;
	char		 err[256];
	char		*path = fixture_path(), *buf;
	size_t		 len, i, v;
	unsigned	 bit;

	buf = slurp(path, &len);
	for (i = 0; i < len; i++) {
		char saved = buf[i];

		for (v = 0; v < sizeof(vals) + 8; v++) {
			enum summary_status st;

			bit = (unsigned)(v - sizeof(vals));
			if (v < sizeof(vals))
				buf[i] = (char)vals[v];
			else
				buf[i] = (char)((unsigned char)saved ^
				    (1u << bit));
			summary_init(&s, 0);
			st = load_mem(&s, buf, len, err, sizeof(err));
			ck_assert(st == SUMMARY_OK || st == SUMMARY_BAD);
			summary_fini(&s);
		}
		buf[i] = saved;
	}
	free(buf);
	free(path);
}
END_TEST

/* Print into memory; returns the text (caller frees). */
static char *
print_mem(const struct summary *s, const char *zone, unsigned top)
{
	struct summary_opts	 o;
	FILE			*fp;
	char			*text = NULL;
	size_t			 len = 0;

	o.name = "sample.csv";
	o.zone = zone;
	o.top = top;
	ck_assert_ptr_nonnull(fp = open_memstream(&text, &len));
	ck_assert_int_eq(summary_print(s, fp, &o), 0);
	ck_assert_int_eq(fclose(fp), 0);
	return text;
}

static void
assert_width(const char *text, size_t max)
{
	const char	*p, *nl;

	for (p = text; *p != '\0'; p = nl + 1) {
		ck_assert_ptr_nonnull(nl = strchr(p, '\n'));
		ck_assert_msg((size_t)(nl - p) <= max, "line too wide: %.*s",
		    (int)(nl - p), p);
		ck_assert_msg(nl == p || nl[-1] != ' ', "trailing blank");
	}
}

START_TEST(test_print_utc)
{
	struct summary	 s;
	char		*t;

	load_fixture(&s, 0);
	t = print_mem(&s, NULL, 3);
	assert_width(t, SUMMARY_WIDTH);
	ck_assert_ptr_nonnull(strstr(t, "originstat summary of sample.csv\n"
	    "2016-11-08 19:00 to 21:59 UTC: 8 minutes with data, 3 classes, "
	    "6,152 hits\n"));
	/* columns by hits, "other" last */
	ck_assert_ptr_nonnull(strstr(t, "\nHour (UTC)        mins   eta    "
	    "                       results                       other\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n2016-11-08 19:00     4   1,155  "
	    "MX 61% BR 35% KR 4%      360  US 83% GB 17%          23  "
	    "US 87% ?? 13%\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n           21:00     2   1,430  "
	    "KR 84% MX 14% BR 2%    1,334  US 93% BR 7%            8  "
	    "?? 100%\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nTotal                8   3,635  "
	    "MX 42% KR 37% BR 20%   2,474  US 86% BR 4% MX 4%     43  "
	    "US 47% MX 28% ?? 26%\n"));
	ck_assert_ptr_nonnull(strstr(t, "\neta      3,635  59.1%     3,005  "
	    "630  MX 42% KR 37% BR 20%\n"));
	ck_assert_ptr_nonnull(strstr(t, "distinct counts per minute"));
	ck_assert_ptr_null(strstr(t, "Hourly cells show"));
	free(t);

	/* no countries at all */
	t = print_mem(&s, NULL, 0);
	ck_assert_ptr_nonnull(strstr(t, "\nHour (UTC)        mins   eta     "
	    "results   other\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nTotal                8   3,635     "
	    "2,474      43\n"));
	free(t);
	summary_fini(&s);
}
END_TEST

START_TEST(test_print_zone)
{
	struct summary	 s;
	char		*t;

	ck_assert_int_eq(setenv("TZ", "America/Mexico_City", 1), 0);
	tzset();
	load_fixture(&s, 1);
	t = print_mem(&s, "America/Mexico_City", 2);
	assert_width(t, SUMMARY_WIDTH);
	ck_assert_ptr_nonnull(strstr(t, "2016-11-08 13:00 to 15:59 "
	    "America/Mexico_City:"));
	ck_assert_ptr_nonnull(strstr(t, "\nHour (America/Mexico_City)  mins"));
	ck_assert_ptr_nonnull(strstr(t, "\n2016-11-08 13:00 CST           4   "
	    "1,155  MX 61% BR 35%     360  US 83% GB 17%   23  "
	    "US 87% ?? 13%\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n           15:00 CST"));
	free(t);
	summary_fini(&s);
}
END_TEST

START_TEST(test_print_header_only)
{
	struct summary	 s;
	char		 err[256], *t;

	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, SUMMARY_HEADER "\r\n", err,
	    sizeof(err)), SUMMARY_OK);
	t = print_mem(&s, NULL, 3);
	ck_assert_ptr_nonnull(strstr(t, "No data"));
	free(t);
	summary_fini(&s);
}
END_TEST

/*
 * Many busy classes and countries: four classes plus "other" fit only with
 * one country per cell; the two quietest classes go to "other".
 */
START_TEST(test_print_many_classes)
{
	static const char *const names[] = {
		"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
		"other"
	};
	static const char *const ccs[] = { "MX", "BR", "KR", "US", "DE" };
	struct summary	 s;
	FILE		*fp;
	char		*csv = NULL, *t, err[256];
	size_t		 len = 0, c, h, k;

	ck_assert_ptr_nonnull(fp = open_memstream(&csv, &len));
	fprintf(fp, "%s\n", SUMMARY_HEADER);
	for (h = 0; h < 30; h++)
		for (c = 0; c < 7; c++)
			for (k = 0; k < 5; k++)
				fprintf(fp, "2016-11-%02zuT%02zu:17:00Z,%s,%s,"
				    "%zu,%zu,1\n", 8 + h / 24, h % 24,
				    names[c], ccs[k], (7 - c) * 1000 + h * 10 +
				    k * 300, k);
	ck_assert_int_eq(fclose(fp), 0);
	summary_init(&s, 0);
	ck_assert_int_eq(load_str(&s, csv, err, sizeof(err)), SUMMARY_OK);
	ck_assert_uint_eq(s.nhours, 30);
	t = print_mem(&s, NULL, 10);
	assert_width(t, SUMMARY_WIDTH);
	ck_assert_ptr_nonnull(strstr(t, "\nHour (UTC)        mins   alpha   "));
	ck_assert_ptr_nonnull(strstr(t, "   delta   "));
	ck_assert_ptr_nonnull(strstr(t, "\"other\" in the table also holds: "
	    "echo foxtrot\n"));
	ck_assert_ptr_nonnull(strstr(t, "Hourly cells show the top 1 country "
	    "to fit in 120 columns; the class lines show 10.\n"));
	/* totals lines keep all ten (here five) countries */
	ck_assert_ptr_nonnull(strstr(t, "\nother      262,050   5.3%    "
	    "261,750  300  DE 27% US 23% KR 20% BR 17% MX 13%\n"));
	/* the day changes: a full date again */
	ck_assert_ptr_nonnull(strstr(t, "\n2016-11-09 00:00 "));
	/* every class has its own totals line */
	for (c = 0; c < 7; c++) {
		char want[32];

		snprintf(want, sizeof(want), "\n%-7s  ", names[c]);
		ck_assert_msg(strstr(t, want) != NULL, "no line for %s",
		    names[c]);
	}
	free(t);
	free(csv);
	summary_fini(&s);
}
END_TEST

static int
run_main(const char *a1, const char *a2, const char *a3)
{
	char	 b0[] = "originstat summary";
	char	 b1[128], b2[128], b3[128];
	char	*argv[5] = { b0, NULL, NULL, NULL, NULL };
	int	 argc = 1;

	if (a1 != NULL) {
		snprintf(b1, sizeof(b1), "%s", a1);
		argv[argc++] = b1;
	}
	if (a2 != NULL) {
		snprintf(b2, sizeof(b2), "%s", a2);
		argv[argc++] = b2;
	}
	if (a3 != NULL) {
		snprintf(b3, sizeof(b3), "%s", a3);
		argv[argc++] = b3;
	}
	/* keep the test log readable */
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	optind = 0;	/* getopt afresh, also without CK_FORK */
	return summary_main(argc, argv);
}

/* Each test runs in its own process, so getopt starts afresh. */
START_TEST(test_main_noinput)
{
	ck_assert_int_eq(run_main("/nonexistent/x.csv", NULL, NULL),
	    EX_NOINPUT);
}
END_TEST

START_TEST(test_main_usage)
{
	ck_assert_int_eq(run_main(NULL, NULL, NULL), EX_USAGE);
}
END_TEST

START_TEST(test_main_bad_top)
{
	ck_assert_int_eq(run_main("--top", "11", "x.csv"), EX_USAGE);
}
END_TEST

START_TEST(test_main_bad_zone)
{
	ck_assert_int_eq(run_main("--tz", "Nowhere/Atlantis", "x.csv"),
	    EX_USAGE);
}
END_TEST

START_TEST(test_main_dataerr)
{
	char	path[] = "/tmp/test_summary.XXXXXX";
	int	fd = mkstemp(path), rc;
	FILE	*fp;

	ck_assert_int_ne(fd, -1);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	fprintf(fp, "minute,class\n");
	fclose(fp);
	rc = run_main(path, NULL, NULL);
	remove(path);
	ck_assert_int_eq(rc, EX_DATAERR);
}
END_TEST

START_TEST(test_main_ok)
{
	char *path = fixture_path();

	ck_assert_int_eq(run_main("--tz", "Asia/Kolkata", path), EX_OK);
	free(path);
}
END_TEST

static Suite *
summary_suite(void)
{
	Suite	*s = suite_create("summary");
	TCase	*tl = tcase_create("load");
	TCase	*tb = tcase_create("bad");
	TCase	*tp = tcase_create("print");
	TCase	*tm = tcase_create("main");

	tcase_add_test(tl, test_fixture_totals);
	tcase_add_test(tl, test_fixture_hours);
	tcase_add_test(tl, test_local_whole_hours);
	tcase_add_test(tl, test_local_half_hours);
	tcase_add_test(tl, test_rfc4180);
	tcase_add_test(tl, test_rfc4180_ok);
	tcase_add_test(tl, test_big_counts);
	tcase_add_test(tl, test_unordered);
	suite_add_tcase(s, tl);

	tcase_add_loop_test(tb, test_bad, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tb, test_long_field_and_lines);
	tcase_add_test(tb, test_prefixes);
	tcase_set_timeout(tb, 120);
	tcase_add_test(tb, test_corrupt);
	suite_add_tcase(s, tb);

	tcase_add_test(tp, test_print_utc);
	tcase_add_test(tp, test_print_zone);
	tcase_add_test(tp, test_print_header_only);
	tcase_add_test(tp, test_print_many_classes);
	suite_add_tcase(s, tp);

	tcase_add_test(tm, test_main_noinput);
	tcase_add_test(tm, test_main_usage);
	tcase_add_test(tm, test_main_bad_top);
	tcase_add_test(tm, test_main_bad_zone);
	tcase_add_test(tm, test_main_dataerr);
	tcase_add_test(tm, test_main_ok);
	suite_add_tcase(s, tm);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(summary_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_report.c - `originstat report`: loading into minutes and hours,
 * binning, top countries, peak-minute clients, the hourly CSV, the alert
 * log reader.
 *
 * The fixture tests/data/summary-sample.csv is found under $OS_SRC (set by
 * CTest), else the current directory.  Expected numbers were worked out
 * by hand from the file (see test_summary.c for its hourly totals).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

#define H19	INT64_C(1478631600)	/* 2016-11-08T19:00:00Z */
#define H20	(H19 + 3600)
#define H21	(H19 + 7200)

enum { ETA, OTHER, RESULTS };	/* classes in order of appearance */

static FILE *
open_fixture(void)
{
	static const char	 rel[] = "tests/data/summary-sample.csv";
	const char		*src = getenv("OS_SRC");
	char			 path[4096];
	FILE			*fp;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	return fp;
}

static void
load_fixture(struct report *r, int local)
{
	char	 err[256];
	FILE	*fp = open_fixture();

	report_init(r, local);
	ck_assert_int_eq(report_load(r, fp, "sample.csv", err, sizeof(err)),
	    SUMMARY_OK);
	fclose(fp);
}

/* Text in an exact-size buffer, so AddressSanitizer sees overreads. */
static enum summary_status
load_text(struct report *r, const char *text, size_t len, char *err,
    size_t errcap)
{
	enum summary_status	 st;
	char			*buf = NULL;
	FILE			*fp;

	if (len > 0) {
		ck_assert_ptr_nonnull(buf = malloc(len));
		memcpy(buf, text, len);
		fp = fmemopen(buf, len, "r");
	} else
		fp = fmemopen((void *)(uintptr_t)"", 0, "r");
	ck_assert_ptr_nonnull(fp);
	st = report_load(r, fp, "t.csv", err, errcap);
	fclose(fp);
	free(buf);
	return st;
}

static enum summary_status
alerts_text(const char *text, struct report_alert **a, size_t *n,
    char *err, size_t errcap)
{
	enum summary_status	 st;
	size_t			 len = strlen(text);
	char			*buf;
	FILE			*fp;

	ck_assert_ptr_nonnull(buf = malloc(len + 1));
	memcpy(buf, text, len);
	ck_assert_ptr_nonnull(fp = fmemopen(buf, len, "r"));
	st = report_alerts_load(a, n, fp, "a.csv", err, errcap);
	fclose(fp);
	free(buf);
	return st;
}

START_TEST(test_minutes)
{
	struct report	r;

	load_fixture(&r, 0);
	ck_assert_int_eq(r.base, H19);
	ck_assert_uint_eq(r.nmin, 179);		/* 19:00 to 21:58 */
	ck_assert_uint_eq(r.nseries, 3);
	/* 19:00 eta: BR 120+30, KR 40+5, MX 300+60 */
	ck_assert_uint_eq(r.series[ETA].hits[0], 555);
	ck_assert_uint_eq(r.series[ETA].clients[0], 310);
	ck_assert_uint_eq(r.series[ETA].hits[1], 350);
	ck_assert_uint_eq(r.series[ETA].hits[2], 0);
	ck_assert_uint_eq(r.series[RESULTS].hits[1], 60);
	ck_assert_uint_eq(r.series[OTHER].hits[178], 8);
	ck_assert_uint_eq(r.series[ETA].hits[178], 30);
	ck_assert_uint_eq(r.sum.rows, 23);
	report_fini(&r);
}
END_TEST

START_TEST(test_peak_clients)
{
	struct report	r;

	load_fixture(&r, 0);
	ck_assert_uint_eq(report_peak_clients(&r, ETA, H19, H20), 310);
	ck_assert_uint_eq(report_peak_clients(&r, ETA, H20, H21), 560);
	ck_assert_uint_eq(report_peak_clients(&r, ETA, H21, H21 + 3600), 820);
	ck_assert_uint_eq(report_peak_clients(&r, RESULTS, H20, H21), 400);
	/* outside the file, and an empty range */
	ck_assert_uint_eq(report_peak_clients(&r, ETA, H19 - 3600, H19), 0);
	ck_assert_uint_eq(report_peak_clients(&r, ETA, H19 + 60, H19 + 60),
	    0);
	ck_assert_uint_eq(report_peak_clients(&r, ETA, H19 + 60, H19 + 120),
	    190);
	report_fini(&r);
}
END_TEST

START_TEST(test_top)
{
	struct report		r;
	struct report_top	t[REPORT_TOP];

	load_fixture(&r, 0);
	ck_assert_uint_eq(report_top(&r.sum.classes[ETA].total, t, 3), 3);
	ck_assert_str_eq(t[0].cc, "MX");
	ck_assert_uint_eq(t[0].hits, 1510);
	ck_assert_str_eq(t[1].cc, "KR");
	ck_assert_uint_eq(t[1].hits, 1345);
	ck_assert_str_eq(t[2].cc, "BR");
	ck_assert(fabs(t[0].pct - 1510.0 * 100 / 3635) < 1e-9);
	/* fewer countries than asked, and fewer asked */
	ck_assert_uint_eq(report_top(&r.sum.classes[OTHER].total, t, 3), 3);
	ck_assert_uint_eq(report_top(&r.sum.hours[2].cells[OTHER], t, 3), 1);
	ck_assert_str_eq(t[0].cc, "ZZ");
	ck_assert(fabs(t[0].pct - 100.0) < 1e-9);
	ck_assert_uint_eq(report_top(&r.sum.classes[ETA].total, t, 1), 1);
	ck_assert_str_eq(t[0].cc, "MX");
	report_fini(&r);
}
END_TEST

/* Ties go by country code, so the order does not depend on the file's. */
START_TEST(test_top_ties)
{
	struct report		r;
	struct report_top	t[REPORT_TOP];
	char			err[256];
	static const char	text[] = CSVREAD_COUNTS_HEADER "\n"
	    "2016-11-08T19:00:00Z,a,US,5,0,1\n"
	    "2016-11-08T19:00:00Z,a,BR,5,0,1\n"
	    "2016-11-08T19:00:00Z,a,FR,2,3,1\n"
	    "2016-11-08T19:00:00Z,a,DE,1,0,1\n";

	report_init(&r, 0);
	ck_assert_int_eq(load_text(&r, text, strlen(text), err, sizeof(err)),
	    SUMMARY_OK);
	ck_assert_uint_eq(report_top(&r.sum.classes[0].total, t, 3), 3);
	ck_assert_str_eq(t[0].cc, "BR");
	ck_assert_str_eq(t[1].cc, "FR");
	ck_assert_str_eq(t[2].cc, "US");
	report_fini(&r);
}
END_TEST

START_TEST(test_bin_width)
{
	ck_assert_uint_eq(report_bin_width(1), 1);
	ck_assert_uint_eq(report_bin_width(360), 1);
	ck_assert_uint_eq(report_bin_width(361), 5);
	ck_assert_uint_eq(report_bin_width(43 * 60), 5);
	ck_assert_uint_eq(report_bin_width(3 * 1440 + 1), 15);
	ck_assert_uint_eq(report_bin_width(30 * 1440), 60);
	ck_assert_uint_eq(report_bin_width(100 * 1440), 1440);
}
END_TEST

START_TEST(test_bin)
{
	struct report	 r;
	double		 out[179 / 5 + 2];
	int64_t		 first;
	size_t		 nb;

	load_fixture(&r, 0);
	nb = report_bin(r.series[ETA].hits, r.nmin, r.base, 5, out, &first);
	ck_assert_int_eq(first, H19);
	ck_assert_uint_eq(nb, 36);		/* 19:00 .. 21:55 */
	ck_assert(fabs(out[0] - (555.0 + 350.0) / 5) < 1e-9);
	ck_assert(fabs(out[6] - 250.0 / 5) < 1e-9);	/* 19:30 */
	ck_assert(fabs(out[1]) < 1e-9);
	/* 21:55-22:00: only 21:55..21:58 are in the file */
	ck_assert(fabs(out[35] - 30.0 / 4) < 1e-9);
	/* width 1 is the series itself */
	nb = report_bin(r.series[ETA].hits, 3, r.base, 1, out, &first);
	ck_assert_uint_eq(nb, 3);
	ck_assert(fabs(out[0] - 555) < 1e-9 && fabs(out[1] - 350) < 1e-9);
	report_fini(&r);
}
END_TEST

/* A series starting off the bin grid: the first bin is partial too. */
START_TEST(test_bin_unaligned)
{
	const uint64_t	v[7] = { 1, 2, 3, 4, 5, 6, 7 };
	double		out[7 / 5 + 2];
	int64_t		first;

	/* minute 0 is 19:03: bins 19:00 (3 minutes), 19:05 (4 minutes) */
	ck_assert_uint_eq(report_bin(v, 7, H19 + 180, 5, out, &first), 2);
	ck_assert_int_eq(first, H19);
	ck_assert(fabs(out[0] - 3.0 / 2) < 1e-9);
	ck_assert(fabs(out[1] - (3 + 4 + 5 + 6 + 7) / 5.0) < 1e-9);
}
END_TEST

static char *
hourly_csv(const struct report *r)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_int_eq(report_hourly_csv(r, fp), 0);
	fclose(fp);
	return buf;
}

START_TEST(test_hourly_csv)
{
	struct report	 r;
	char		*csv;

	load_fixture(&r, 0);
	csv = hourly_csv(&r);
	ck_assert_str_eq(csv,
	    "hour_utc,hour_local,class,requests,tls_handshakes,"
	    "peak_minute_clients,top1,top1_pct,top2,top2_pct,top3,top3_pct\n"
	    "2016-11-08T19:00:00Z,2016-11-08T19:00:00+00:00,eta,940,215,310,"
	    "MX,61.5,BR,34.6,KR,3.9\n"
	    "2016-11-08T19:00:00Z,2016-11-08T19:00:00+00:00,results,250,110,"
	    "150,US,83.3,GB,16.7,,\n"
	    "2016-11-08T19:00:00Z,2016-11-08T19:00:00+00:00,other,18,5,12,"
	    "US,87.0,ZZ,13.0,,\n"
	    "2016-11-08T20:00:00Z,2016-11-08T20:00:00+00:00,eta,885,165,560,"
	    "MX,57.1,BR,28.6,KR,9.5\n"
	    "2016-11-08T20:00:00Z,2016-11-08T20:00:00+00:00,results,560,220,"
	    "400,US,76.9,MX,12.8,DE,10.3\n"
	    "2016-11-08T20:00:00Z,2016-11-08T20:00:00+00:00,other,10,2,8,"
	    "MX,100.0,,,,\n"
	    "2016-11-08T21:00:00Z,2016-11-08T21:00:00+00:00,eta,1180,250,820,"
	    "KR,83.9,MX,14.0,BR,2.1\n"
	    "2016-11-08T21:00:00Z,2016-11-08T21:00:00+00:00,results,1300,34,"
	    "900,US,92.5,BR,7.5,,\n"
	    "2016-11-08T21:00:00Z,2016-11-08T21:00:00+00:00,other,7,1,5,"
	    "ZZ,100.0,,,,\n");
	free(csv);
	report_fini(&r);
}
END_TEST

/* Local hours in a half-hour zone: 19:00Z falls in 00:00-01:00 IST. */
START_TEST(test_hourly_csv_local)
{
	static const char	 want[] = "2016-11-08T18:30:00Z,"
	    "2016-11-09T00:00:00+05:30,eta,740,165,310,MX,78.5,";
	struct report		 r;
	char			*csv, *line;

	ck_assert_int_eq(setenv("TZ", "Asia/Kolkata", 1), 0);
	tzset();
	load_fixture(&r, 1);
	csv = hourly_csv(&r);

	line = strchr(csv, '\n') + 1;
	ck_assert(strncmp(line, want, strlen(want)) == 0);
	free(csv);
	report_fini(&r);
	ck_assert_int_eq(setenv("TZ", "UTC", 1), 0);
	tzset();
}
END_TEST

START_TEST(test_hourly_md)
{
	struct report		 r;
	struct report_opts	 o = { "sample.csv", NULL, "A | title" };
	struct report_alert	 a = { H20, -1, "eta", 12.5, 2, "MX 60%" };
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*fp;

	load_fixture(&r, 0);
	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_int_eq(report_hourly_md(&r, &a, 1, &o, fp), 0);
	fclose(fp);
	ck_assert(strncmp(buf, "# A \\| title\n", 13) == 0);
	ck_assert_ptr_nonnull(strstr(buf, "\n## eta\n"));
	ck_assert_ptr_nonnull(strstr(buf, "| 2016-11-08 19:00 UTC | 940 | 215 "
	    "| 310 | MX 61%, BR 35%, KR 4% |\n"));
	ck_assert_ptr_nonnull(strstr(buf, "| 2016-11-08 20:00 UTC | (open) "
	    "| eta | 12.5 | 2.0 | MX 60% |\n"));
	ck_assert_ptr_nonnull(strstr(buf, "lower bound"));
	free(buf);
	report_fini(&r);
}
END_TEST

/* Rows before the first one seen move the start of the series back. */
START_TEST(test_unordered)
{
	struct report	r;
	char		err[256];
	static const char text[] = CSVREAD_COUNTS_HEADER "\n"
	    "2016-11-08T21:00:00Z,a,MX,1,0,1\n"
	    "2016-11-08T19:10:00Z,a,MX,2,0,3\n"
	    "2016-11-08T20:00:00Z,b,MX,4,0,1\n"
	    "2016-11-08T19:10:00Z,a,BR,8,0,1\n";

	report_init(&r, 0);
	ck_assert_int_eq(load_text(&r, text, strlen(text), err, sizeof(err)),
	    SUMMARY_OK);
	ck_assert_int_eq(r.base, H19 + 600);
	ck_assert_uint_eq(r.nmin, 111);
	ck_assert_uint_eq(r.series[0].hits[0], 10);
	ck_assert_uint_eq(r.series[0].clients[0], 4);
	ck_assert_uint_eq(r.series[0].hits[110], 1);
	ck_assert_uint_eq(r.series[1].hits[50], 4);
	ck_assert_uint_eq(r.series[1].hits[0], 0);
	report_fini(&r);
}
END_TEST

START_TEST(test_span_cap)
{
	struct report	r;
	char		err[256];
	static const char text[] = CSVREAD_COUNTS_HEADER "\n"
	    "2016-11-08T21:00:00Z,a,MX,1,0,1\n"
	    "1999-11-08T19:10:00Z,a,MX,2,0,3\n";

	report_init(&r, 0);
	ck_assert_int_eq(load_text(&r, text, strlen(text), err, sizeof(err)),
	    SUMMARY_BAD);
	ck_assert_str_eq(err, "t.csv:3: the file spans more than 366 days");
	report_fini(&r);
}
END_TEST

/* The reader's messages name the file and line, as summary's do. */
START_TEST(test_bad_csv)
{
	struct report	r;
	char		err[256];
	static const char text[] = CSVREAD_COUNTS_HEADER "\n"
	    "2016-11-08T21:00:00Z,a,MX,1,0,1\n"
	    "2016-11-08T21:01:00Z,a,MEX,1,0,1\n";

	report_init(&r, 0);
	ck_assert_int_eq(load_text(&r, text, strlen(text), err, sizeof(err)),
	    SUMMARY_BAD);
	ck_assert_str_eq(err, "t.csv:3: country is not a two-letter code: "
	    "\"MEX\"");
	report_fini(&r);
}
END_TEST

/* Every prefix of the fixture loads or fails cleanly. */
START_TEST(test_prefixes)
{
	struct report		 r;
	enum summary_status	 st;
	char			 err[256], *buf;
	FILE			*fp = open_fixture();
	size_t			 len, i;

	ck_assert_ptr_nonnull(buf = malloc(4096));
	len = fread(buf, 1, 4096, fp);
	fclose(fp);
	for (i = 0; i <= len; i++) {
		report_init(&r, 0);
		st = load_text(&r, buf, i, err, sizeof(err));
		ck_assert(st == SUMMARY_OK || st == SUMMARY_BAD);
		if (st == SUMMARY_BAD)
			ck_assert(strncmp(err, "t.csv", 5) == 0);
		report_fini(&r);
	}
	free(buf);
}
END_TEST

#define ALERT_HEADER "start_utc,end_utc,class,rate,baseline,countries\n"

START_TEST(test_alerts)
{
	struct report_alert	*a;
	size_t			 n;
	char			 err[256];

	ck_assert_int_eq(alerts_text(ALERT_HEADER
	    "2016-11-08T19:05:00Z,2016-11-09T02:00:00Z,eta,41.5,6,"
	    "\"GB 17%, FR 12%\"\n"
	    "2016-11-09T04:07:00Z,,immigrate,300,10.25,US 80%\n",
	    &a, &n, err, sizeof(err)), SUMMARY_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(a[0].start, H19 + 300);
	ck_assert_int_eq(a[0].end, H19 + 7 * 3600);
	ck_assert_str_eq(a[0].cls, "eta");
	ck_assert(fabs(a[0].rate - 41.5) < 1e-9);
	ck_assert(fabs(a[0].baseline - 6) < 1e-9);
	ck_assert_str_eq(a[0].countries, "GB 17%, FR 12%");
	ck_assert_int_eq(a[1].end, -1);
	ck_assert(fabs(a[1].baseline - 10.25) < 1e-9);
	free(a);
}
END_TEST

static const struct bad_alert {
	const char	*text;
	const char	*err;
} bad_alerts[] = {
	{ "", "a.csv: empty file, expected the header start_utc,end_utc,"
	    "class,rate,baseline,countries" },
	{ "minute_utc,class\n", "a.csv:1: not an originstat alert log: the "
	    "header must start start_utc,end_utc,class,rate,baseline,"
	    "countries" },
	{ ALERT_HEADER "2016-11-08T19:05Z,,eta,1,1,\n", "a.csv:2: start_utc "
	    "is not a time like 2016-11-08T19:00:00Z: \"2016-11-08T19:05Z\"" },
	{ ALERT_HEADER "2016-11-08T19:05:00Z,2016-11-08T19:04:00Z,eta,1,1,\n",
	    "a.csv:2: end_utc is before start_utc: \"2016-11-08T19:04:00Z\"" },
	{ ALERT_HEADER "2016-11-08T19:05:00Z,,eta,1e5,1,\n",
	    "a.csv:2: rate is not a number like 12.5: \"1e5\"" },
	{ ALERT_HEADER "2016-11-08T19:05:00Z,,eta,1,-1,\n",
	    "a.csv:2: baseline is not a number like 12.5: \"-1\"" },
	{ ALERT_HEADER "2016-11-08T19:05:00Z,,eta,.,1,\n",
	    "a.csv:2: rate is not a number like 12.5: \".\"" },
	{ ALERT_HEADER "2016-11-08T19:05:00Z,,,1,1,\n",
	    "a.csv:2: bad class name \"\"" },
	{ ALERT_HEADER "2016-11-08T19:05:00Z,,eta,1,1\n",
	    "a.csv:2: 5 fields, but the header has 6" },
	{ ALERT_HEADER "2016-11-08T19:05:00Z,,eta,1,1,\"a\nb\"\n",
	    "a.csv:2: control character in countries \"a?b\"" },
};

START_TEST(test_alerts_bad)
{
	const struct bad_alert	*b = &bad_alerts[_i];
	struct report_alert	*a;
	size_t			 n = 99;
	char			 err[256];

	ck_assert_int_eq(alerts_text(b->text, &a, &n, err, sizeof(err)),
	    SUMMARY_BAD);
	ck_assert_str_eq(err, b->err);
	ck_assert_ptr_null(a);
	ck_assert_uint_eq(n, 0);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite	*s = suite_create("report");
	TCase	*tc = tcase_create("report");

	tcase_add_test(tc, test_minutes);
	tcase_add_test(tc, test_peak_clients);
	tcase_add_test(tc, test_top);
	tcase_add_test(tc, test_top_ties);
	tcase_add_test(tc, test_bin_width);
	tcase_add_test(tc, test_bin);
	tcase_add_test(tc, test_bin_unaligned);
	tcase_add_test(tc, test_hourly_csv);
	tcase_add_test(tc, test_hourly_csv_local);
	tcase_add_test(tc, test_hourly_md);
	tcase_add_test(tc, test_unordered);
	tcase_add_test(tc, test_span_cap);
	tcase_add_test(tc, test_bad_csv);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_alerts);
	tcase_add_loop_test(tc, test_alerts_bad, 0,
	    sizeof(bad_alerts) / sizeof(bad_alerts[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(report_suite());
	int	 failed;

	setenv("TZ", "UTC", 1);
	tzset();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_csvout.c - `originstat csv`'s reading of an existing file: the
 * minute of its last complete row (csvout_last_minute), which is where a
 * restarted client resumes.
 *
 * Every prefix of a file of three minutes (a crash can cut the file
 * anywhere) gives the minute of the last row whose LF is inside it; a torn
 * tail longer than the 8 KiB the client used to look at (the zeros a power
 * loss can leave) hides nothing; foreign or broken last rows are refused.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "csvout.h"

#define M0	INT64_C(1478631600)	/* 2016-11-08T19:00:00Z */

static const char rows[] =
    CSV_HEADER_LINE
    "2016-11-08T19:00:00Z,eta,US,3,0,1\n"
    "2016-11-08T19:00:00Z,immigrate,\"A,B\",1,0,1\n"
    "2016-11-08T19:01:00Z,eta,FR,2,1,2\n"
    "2016-11-08T19:02:00Z,other,ZZ,0,4,4\n";

static char path[64];

static void
setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_csvout.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	close(fd);
}

static void
teardown(void)
{
	unlink(path);
}

static void
put(const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* The minute of the last row whose LF lies in the first k bytes, or -1. */
static int64_t
want_minute(size_t k)
{
	static const int64_t mins[] = { M0, M0, M0 + 60, M0 + 120 };
	size_t i, lines = 0, hdr = strlen(CSV_HEADER_LINE);

	if (k < hdr)
		return -1;
	for (i = hdr; i < k; i++)
		if (rows[i] == '\n')
			lines++;
	return lines == 0 ? -1 : mins[lines - 1];
}

START_TEST(test_every_prefix)
{
	size_t k, n = strlen(rows);
	int64_t m, w;
	int rc;

	for (k = 0; k <= n; k++) {
		put(rows, k);
		m = -7;
		rc = csvout_last_minute(path, &m);
		w = want_minute(k);
		if (w == -1) {
			ck_assert_msg(rc == 1, "prefix %zu: rc %d", k, rc);
			ck_assert_int_eq(m, -7);
		} else {
			ck_assert_msg(rc == 0, "prefix %zu: rc %d", k, rc);
			ck_assert_int_eq(m, w);
		}
	}
}
END_TEST

START_TEST(test_missing_and_empty)
{
	int64_t m = 0;

	unlink(path);
	ck_assert_int_eq(csvout_last_minute(path, &m), 1);
	put("", 0);
	ck_assert_int_eq(csvout_last_minute(path, &m), 1);
}
END_TEST

/* A torn tail of zeros or of text without LF, short and past 8 KiB. */
START_TEST(test_long_torn_tail)
{
	static const size_t sizes[] = { 1, 4095, 4096, 8191, 8192, 8193,
	    20000, 70000 };
	size_t n = strlen(rows), i;
	char *buf;
	int64_t m;
	int fill;

	for (fill = 0; fill < 2; fill++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			buf = malloc(n + sizes[i]);
			ck_assert_ptr_nonnull(buf);
			memcpy(buf, rows, n);
			memset(buf + n, fill ? 'x' : '\0', sizes[i]);
			put(buf, n + sizes[i]);
			free(buf);
			m = 0;
			ck_assert_msg(csvout_last_minute(path, &m) == 0,
			    "tail %zu of %s", sizes[i], fill ? "x" : "zeros");
			ck_assert_int_eq(m, M0 + 120);
		}
}
END_TEST

/* The longest last row taken is 8191 bytes (the buffer less its NUL). */
START_TEST(test_longest_line)
{
	static const char pre[] = "2016-11-08T19:02:00Z,", post[] = ",ZZ,0,4,4";
	size_t n = strlen(rows), len, cls, at;
	char *buf;
	int64_t m;
	int rc;

	for (len = 8189; len <= 8193; len++) {
		ck_assert_ptr_nonnull(buf = malloc(n + len + 1));
		memcpy(buf, rows, n);
		cls = len - strlen(pre) - strlen(post);
		at = n;
		memcpy(buf + at, pre, strlen(pre));
		at += strlen(pre);
		memset(buf + at, 'c', cls);
		at += cls;
		memcpy(buf + at, post, strlen(post));
		at += strlen(post);
		buf[at++] = '\n';
		ck_assert_uint_eq(at, n + len + 1);
		put(buf, at);
		free(buf);
		m = 0;
		errno = 0;
		rc = csvout_last_minute(path, &m);
		if (len <= 8191) {
			ck_assert_msg(rc == 0, "line of %zu: rc %d", len, rc);
			ck_assert_int_eq(m, M0 + 120);
		} else {
			ck_assert_msg(rc == -1, "line of %zu: rc %d", len, rc);
			ck_assert_int_eq(errno, EINVAL);
		}
	}
}
END_TEST

START_TEST(test_refused)
{
	char *buf;
	size_t n = strlen(rows), i, last;
	int64_t m;

	/* another header */
	put("minute,class\n2016-11-08T19:00:00Z,eta\n", 38);
	errno = 0;
	ck_assert_int_eq(csvout_last_minute(path, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* a last line longer than any row of ours */
	buf = malloc(n + 9001);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, rows, n);
	memset(buf + n, 'y', 9000);
	buf[n + 9000] = '\n';
	put(buf, n + 9001);
	errno = 0;
	ck_assert_int_eq(csvout_last_minute(path, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* each byte of the last row's minute corrupted; a NUL in it */
	last = n - strlen("2016-11-08T19:02:00Z,other,ZZ,0,4,4\n");
	for (i = last; i < last + 21; i++) {
		memcpy(buf, rows, n);
		buf[i] = i == last + 20 ? ';' : 'q';
		put(buf, n);
		errno = 0;
		ck_assert_msg(csvout_last_minute(path, &m) == -1,
		    "byte %zu", i - last);
		ck_assert_int_eq(errno, EINVAL);
	}
	memcpy(buf, rows, n);
	buf[n - 3] = '\0';
	put(buf, n);
	errno = 0;
	ck_assert_int_eq(csvout_last_minute(path, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	free(buf);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("csvout");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_prefix);
	tcase_add_test(tc, test_missing_and_empty);
	tcase_add_test(tc, test_long_torn_tail);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_longest_line);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

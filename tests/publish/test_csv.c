/*
 * test_csv.c - exact CSV bytes, append, header check, torn-row repair,
 * standard output, write errors; and the pieces csv.c shares with
 * `originstat csv`: csv_rows_* and csvfile.h.
 *
 * Each test works in its own mkdtemp directory.  Write errors come from
 * /dev/full (ENOSPC) and from RLIMIT_FSIZE (EFBIG), which fails a write
 * half way through a minute.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_util.h"
#include "csv.h"
#include "csvfile.h"

#define HDR	CSV_HEADER "\n"
#define MIN0	1478631600	/* 2016-11-08T19:00:00Z */

static const struct agg_row rows0[] = {
	{ 0, "eta", "CA", 10, 2, 7, NULL },
	{ 0, "eta", "MX", 0, 0, 0, NULL },	/* empty: not written */
	{ 0, "eta", "US", 0, 3, 3, NULL },
	{ 1, "immigrate", "--", 5, 0, 4, NULL },
};
static const char out0[] =
	"2016-11-08T19:00:00Z,eta,CA,10,2,7\n"
	"2016-11-08T19:00:00Z,eta,US,0,3,3\n"
	"2016-11-08T19:00:00Z,immigrate,--,5,0,4\n";

static const struct agg_row rows1[] = {
	{ 1, "immigrate", "FR", 18446744073709551615ULL, 1, 1, NULL },
};
static const char out1[] =
	"2016-11-08T19:01:00Z,immigrate,FR,18446744073709551615,1,1\n";

static const struct agg_minute min0 = { MIN0, rows0, 4 };
static const struct agg_minute min1 = { MIN0 + 60, rows1, 1 };

static char dir[64];
static char path[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_csv.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.csv", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/* Whole file as a NUL-terminated string (the CSV holds no NULs). */
static char *
slurp(const char *p)
{
	FILE *f;
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f = fopen(p, "rb"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
spit(const char *p, const char *s)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(p, "wb"));
	ck_assert_uint_eq(fwrite(s, 1, strlen(s), f), strlen(s));
	ck_assert_int_eq(fclose(f), 0);
}

static void
assert_file(const char *p, const char *want)
{
	char *got = slurp(p);

	ck_assert_str_eq(got, want);
	free(got);
}

static struct csv_out *
open_ok(const char *p)
{
	struct csv_out *c;
	char err[256] = "";

	c = csv_open(p, err, sizeof(err));
	ck_assert_msg(c != NULL, "csv_open: %s", err);
	return c;
}

static void
write_ok(struct csv_out *c, const struct agg_minute *m)
{
	ck_assert_int_eq(csv_write_minute(c, m), 0);
}

START_TEST(test_format_minute)
{
	char buf[21];

	csv_format_minute(0, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	csv_format_minute(MIN0, buf);
	ck_assert_str_eq(buf, "2016-11-08T19:00:00Z");
	csv_format_minute(951782400, buf);	/* leap day of 2000 */
	ck_assert_str_eq(buf, "2000-02-29T00:00:00Z");
	csv_format_minute(253402300740LL, buf);
	ck_assert_str_eq(buf, "9999-12-31T23:59:00Z");
	/* Year 10000 and gmtime's failure do not overflow buf. */
	csv_format_minute(253402300800LL, buf);
	ck_assert_str_eq(buf, "0000-00-00T00:00:00Z");
	csv_format_minute(INT64_MAX, buf);
	ck_assert_str_eq(buf, "0000-00-00T00:00:00Z");
}
END_TEST

/* Local time with its offset; TZ is the process's, set here. */
START_TEST(test_format_local)
{
	char buf[CSV_LOCAL_LEN];

	ck_assert_int_eq(setenv("TZ", "America/Toronto", 1), 0);
	tzset();
	csv_format_local(MIN0, buf);
	ck_assert_str_eq(buf, "2016-11-08T14:00:00-05:00");
	csv_format_local(1467374400, buf);	/* 2016-07-01T12:00Z, EDT */
	ck_assert_str_eq(buf, "2016-07-01T08:00:00-04:00");
	ck_assert_int_eq(setenv("TZ", "Asia/Kolkata", 1), 0);
	tzset();
	csv_format_local(MIN0, buf);
	ck_assert_str_eq(buf, "2016-11-09T00:30:00+05:30");
	ck_assert_int_eq(setenv("TZ", "UTC", 1), 0);
	tzset();
	csv_format_local(MIN0, buf);
	ck_assert_str_eq(buf, "2016-11-08T19:00:00+00:00");
	csv_format_local(INT64_MAX, buf);
	ck_assert_str_eq(buf, "0000-00-00T00:00:00+00:00");
}
END_TEST

/* minute_local last; a file of the other header is refused either way. */
START_TEST(test_local_column)
{
	struct csv_out *c;
	char err[256] = "";

	ck_assert_int_eq(setenv("TZ", "America/Toronto", 1), 0);
	tzset();
	c = csv_open_local(path, 1, err, sizeof(err));
	ck_assert_msg(c != NULL, "csv_open_local: %s", err);
	write_ok(c, &min1);
	ck_assert_int_eq(csv_close(c), 0);
	assert_file(path, CSV_HEADER CSV_LOCAL_COLUMN "\n"
	    "2016-11-08T19:01:00Z,immigrate,FR,18446744073709551615,1,1,"
	    "2016-11-08T14:01:00-05:00\n");
	ck_assert_ptr_null(csv_open(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "different header"));
	ck_assert_int_eq(unlink(path), 0);
	c = open_ok(path);
	ck_assert_int_eq(csv_close(c), 0);
	ck_assert_ptr_null(csv_open_local(path, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "different header"));
}
END_TEST

START_TEST(test_new_file)
{
	struct agg_minute empty = { MIN0 + 120, rows0 + 1, 1 };
	struct agg_minute none = { MIN0 + 180, NULL, 0 };
	struct csv_out *c;

	c = open_ok(path);
	/* The header is there as soon as the file is opened. */
	assert_file(path, HDR);
	write_ok(c, &min0);
	assert_file(path, HDR "2016-11-08T19:00:00Z,eta,CA,10,2,7\n"
	    "2016-11-08T19:00:00Z,eta,US,0,3,3\n"
	    "2016-11-08T19:00:00Z,immigrate,--,5,0,4\n");
	write_ok(c, &min1);
	/* Minutes with nothing to say write nothing. */
	write_ok(c, &empty);
	write_ok(c, &none);
	ck_assert_uint_eq(csv_repaired(c), 0);
	ck_assert_int_eq(csv_close(c), 0);
	{
		char want[sizeof(HDR) + sizeof(out0) + sizeof(out1)];

		snprintf(want, sizeof(want), "%s%s%s", HDR, out0, out1);
		assert_file(path, want);
	}
}
END_TEST

START_TEST(test_append_one_header)
{
	struct csv_out *c;
	char want[sizeof(HDR) + sizeof(out0) + sizeof(out1)];

	c = open_ok(path);
	write_ok(c, &min0);
	ck_assert_int_eq(csv_close(c), 0);
	c = open_ok(path);
	write_ok(c, &min1);
	ck_assert_int_eq(csv_close(c), 0);
	/* A third open with nothing written leaves the file alone. */
	c = open_ok(path);
	ck_assert_int_eq(csv_close(c), 0);
	snprintf(want, sizeof(want), "%s%s%s", HDR, out0, out1);
	assert_file(path, want);
}
END_TEST

START_TEST(test_existing_empty_file)
{
	struct csv_out *c;

	spit(path, "");
	c = open_ok(path);
	ck_assert_int_eq(csv_close(c), 0);
	assert_file(path, HDR);
}
END_TEST

START_TEST(test_different_header)
{
	static const char *const bad[] = {
		"a,b,c\n1,2,3\n",
		CSV_HEADER ",extra\n",
		CSV_HEADER "X",		/* no newline, not a prefix */
		"minute_utc,class,country\n",	/* older, shorter header */
		"hello",
		"\n",
		"MINUTE_UTC,class,country,requests,tls_handshakes,clients\n",
	};
	char err[256], want[256];
	size_t i;

	snprintf(want, sizeof(want),
	    "%s: existing file has a different header", path);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		spit(path, bad[i]);
		err[0] = '\0';
		ck_assert_ptr_null(csv_open(path, err, sizeof(err)));
		ck_assert_str_eq(err, want);
		/* The file is not touched. */
		assert_file(path, bad[i]);
	}
}
END_TEST

START_TEST(test_torn_row)
{
	static const char torn[] = "2016-11-08T19:01:00Z,eta,C";
	struct csv_out *c;
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s%s", HDR, out0, torn);
	spit(path, buf);
	c = open_ok(path);
	ck_assert_uint_eq(csv_repaired(c), strlen(torn));
	snprintf(buf, sizeof(buf), "%s%s", HDR, out0);
	assert_file(path, buf);
	write_ok(c, &min1);
	ck_assert_int_eq(csv_close(c), 0);
	snprintf(buf, sizeof(buf), "%s%s%s", HDR, out0, out1);
	assert_file(path, buf);
}
END_TEST

/* A torn tail longer than the backward scan's block. */
START_TEST(test_torn_long)
{
	struct csv_out *c;
	size_t n = 10000, h = strlen(HDR);
	char *buf;

	ck_assert_ptr_nonnull(buf = malloc(h + n + 1));
	memcpy(buf, HDR, h);
	memset(buf + h, 'x', n);
	buf[h + n] = '\0';
	spit(path, buf);
	c = open_ok(path);
	ck_assert_uint_eq(csv_repaired(c), n);
	ck_assert_int_eq(csv_close(c), 0);
	assert_file(path, HDR);
	free(buf);
}
END_TEST

/* A crash while writing the header leaves a piece of it: start over. */
START_TEST(test_torn_header)
{
	struct csv_out *c;

	spit(path, "minute_utc,cla");
	c = open_ok(path);
	ck_assert_uint_eq(csv_repaired(c), 14);
	write_ok(c, &min1);
	ck_assert_int_eq(csv_close(c), 0);
	{
		char want[sizeof(HDR) + sizeof(out1)];

		snprintf(want, sizeof(want), "%s%s", HDR, out1);
		assert_file(path, want);
	}
}
END_TEST

/* Header without its newline: torn too. */
START_TEST(test_torn_header_newline)
{
	struct csv_out *c;

	spit(path, CSV_HEADER);
	c = open_ok(path);
	ck_assert_uint_eq(csv_repaired(c), strlen(CSV_HEADER));
	ck_assert_int_eq(csv_close(c), 0);
	assert_file(path, HDR);
}
END_TEST

START_TEST(test_quoting)
{
	static const struct agg_row rows[] = {
		{ 0, "we\"ird,name", "A,", 1, 0, 1, NULL },
		{ 1, "cr\rlf\n", "\"", 2, 0, 1, NULL },
		{ 2, "plain", "", 3, 0, 1, NULL },
	};
	static const struct agg_minute m = { MIN0, rows, 3 };
	struct csv_out *c;

	c = open_ok(path);
	write_ok(c, &m);
	ck_assert_int_eq(csv_close(c), 0);
	assert_file(path, HDR
	    "2016-11-08T19:00:00Z,\"we\"\"ird,name\",\"A,\",1,0,1\n"
	    "2016-11-08T19:00:00Z,\"cr\rlf\n\",\"\"\"\",2,0,1\n"
	    "2016-11-08T19:00:00Z,plain,,3,0,1\n");
}
END_TEST

/* Point standard output at file; returns the saved descriptor. */
static int
stdout_to(const char *file)
{
	int saved, fd;

	fflush(stdout);
	ck_assert_int_ne(saved = dup(STDOUT_FILENO), -1);
	ck_assert_int_ne(fd = open(file, O_WRONLY | O_CREAT | O_TRUNC,
	    0600), -1);
	ck_assert_int_ne(dup2(fd, STDOUT_FILENO), -1);
	close(fd);
	return saved;
}

static void
stdout_restore(int saved)
{
	ck_assert_int_ne(dup2(saved, STDOUT_FILENO), -1);
	close(saved);
}

START_TEST(test_stdout)
{
	struct csv_out *c;
	char want[sizeof(HDR) + sizeof(out0)];
	int saved;

	saved = stdout_to(path);
	c = open_ok("-");
	write_ok(c, &min0);
	ck_assert_int_eq(csv_close(c), 0);
	/* csv_close leaves standard output open. */
	ck_assert_int_ne(fcntl(STDOUT_FILENO, F_GETFD), -1);
	stdout_restore(saved);
	snprintf(want, sizeof(want), "%s%s", HDR, out0);
	assert_file(path, want);
}
END_TEST

START_TEST(test_dev_full_open)
{
	char err[256], want[256];

	ck_assert_ptr_null(csv_open("/dev/full", err, sizeof(err)));
	snprintf(want, sizeof(want), "/dev/full: %s", strerror(ENOSPC));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_dev_full_write)
{
	struct csv_out *c;
	int saved, fd;

	saved = stdout_to(path);
	c = open_ok("-");
	/* Header written; now the disk "fills up". */
	ck_assert_int_ne(fd = open("/dev/full", O_WRONLY), -1);
	ck_assert_int_ne(dup2(fd, STDOUT_FILENO), -1);
	close(fd);
	errno = 0;
	ck_assert_int_eq(csv_write_minute(c, &min0), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(csv_close(c), 0);
	stdout_restore(saved);
	assert_file(path, HDR);
}
END_TEST

/* A write failing half way through a minute leaves no part of it. */
START_TEST(test_partial_write_undone)
{
	struct csv_out *c;
	struct rlimit old, lim;
	char want[sizeof(HDR) + sizeof(out1)];
	int rc, saved, lim_rc;

	c = open_ok(path);
	write_ok(c, &min1);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	/* Room for the first row of min0 but not the whole minute. */
	lim.rlim_cur = (rlim_t)(strlen(HDR) + strlen(out1) + 40);
	/*
	 * No ck_assert while the limit holds: every ck_assert writes to
	 * Check's own message file, which the limit would cut too.
	 */
	if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
		errno = 0;
		rc = csv_write_minute(c, &min0);
		saved = errno;
		lim_rc = setrlimit(RLIMIT_FSIZE, &old);
	} else
		rc = saved = lim_rc = -1;
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_int_eq(lim_rc, 0);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(saved, EFBIG);
	snprintf(want, sizeof(want), "%s%s", HDR, out1);
	assert_file(path, want);
	ck_assert_uint_eq(csv_queued(c), 1);
	/* The next minute goes after the kept one, both whole. */
	write_ok(c, &min1);
	ck_assert_uint_eq(csv_queued(c), 0);
	ck_assert_int_eq(csv_close(c), 0);
	{
		char want2[sizeof(HDR) + sizeof(out0) + 2 * sizeof(out1)];

		snprintf(want2, sizeof(want2), "%s%s%s%s", HDR, out1, out0,
		    out1);
		assert_file(path, want2);
	}
}
END_TEST

/*
 * Write minutes m[0..n-1] while the file may not grow at all (a full
 * disk, as RLIMIT_FSIZE at the current size makes it): rc[i] and err[i]
 * are each call's result and errno.  No ck_assert while the limit holds.
 */
static void
write_full(struct csv_out *c, const struct agg_minute *const *m, size_t n,
    int *rc, int *err)
{
	struct rlimit old, lim;
	struct stat st;
	size_t i;
	int lim_rc = -1;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size;
	for (i = 0; i < n; i++)
		rc[i] = err[i] = 0;
	if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
		for (i = 0; i < n; i++) {
			errno = 0;
			rc[i] = csv_write_minute(c, m[i]);
			err[i] = errno;
		}
		lim_rc = setrlimit(RLIMIT_FSIZE, &old);
	}
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_int_eq(lim_rc, 0);
}

/* A full disk: minutes are kept, in order, and written when it is freed. */
START_TEST(test_full_disk_kept)
{
	static const struct agg_minute empty = { MIN0 + 120, NULL, 0 };
	const struct agg_minute *m[] = { &min0, &min1, &empty };
	struct csv_out *c;
	char want[512];
	int rc[3], err[3];

	c = open_ok(path);
	write_full(c, m, 3, rc, err);
	ck_assert_int_eq(rc[0], -1);
	ck_assert_int_eq(err[0], EFBIG);
	ck_assert_int_eq(rc[1], -1);
	ck_assert_int_eq(err[1], EFBIG);
	/* A minute with no rows still tries the queue, and fails. */
	ck_assert_int_eq(rc[2], -1);
	ck_assert_uint_eq(csv_queued(c), 2);
	ck_assert_uint_eq(csv_dropped(c), 0);
	assert_file(path, HDR);
	/* Freed: the timer's retry writes them, oldest first. */
	ck_assert_int_eq(csv_retry(c), 0);
	ck_assert_uint_eq(csv_queued(c), 0);
	ck_assert_int_eq(csv_retry(c), 0);
	snprintf(want, sizeof(want), "%s%s%s", HDR, out0, out1);
	assert_file(path, want);
	/* Full again; the next minute close writes the kept one first. */
	write_full(c, m + 1, 1, rc, err);
	ck_assert_int_eq(rc[0], -1);
	ck_assert_uint_eq(csv_queued(c), 1);
	write_ok(c, &min0);
	snprintf(want, sizeof(want), "%s%s%s%s%s", HDR, out0, out1, out1,
	    out0);
	assert_file(path, want);
	ck_assert_str_eq(csv_path(c), path);
	ck_assert_int_eq(csv_close(c), 0);
}
END_TEST

/* Past the queue's bound the oldest minutes go, and are counted. */
START_TEST(test_full_disk_bounded)
{
	static const struct agg_row rows2[] = {
		{ 1, "immigrate", "DE", 2, 0, 1, NULL },
	};
	static const struct agg_minute min2 = { MIN0 + 120, rows2, 1 };
	const struct agg_minute *m[] = { &min0, &min1, &min2, &min0 };
	struct csv_out *c;
	char want[512];
	int rc[4], err[4];

	c = open_ok(path);
	csv_set_queue_limits(c, 2, (size_t)64 << 20);
	write_full(c, m, 3, rc, err);
	ck_assert_uint_eq(csv_queued(c), 2);
	ck_assert_uint_eq(csv_dropped(c), 1);
	ck_assert_int_eq(csv_retry(c), 0);
	snprintf(want, sizeof(want), "%s%s%s", HDR, out1,
	    "2016-11-08T19:02:00Z,immigrate,DE,2,0,1\n");
	assert_file(path, want);
	ck_assert_int_eq(csv_close(c), 0);

	/* A byte bound: room for min1 and min2 but not min0 too. */
	unlink(path);
	c = open_ok(path);
	csv_set_queue_limits(c, 100, 2 * strlen(out1));
	write_full(c, m, 4, rc, err);
	ck_assert_uint_eq(csv_queued(c), 1);
	ck_assert_uint_eq(csv_dropped(c), 3);
	ck_assert_int_eq(csv_retry(c), 0);
	snprintf(want, sizeof(want), "%s%s", HDR, out0);
	assert_file(path, want);
	/* A minute bigger than the bound alone is still kept. */
	write_full(c, m, 1, rc, err);
	ck_assert_uint_eq(csv_queued(c), 1);
	write_full(c, m, 2, rc, err);
	ck_assert_uint_eq(csv_queued(c), 1);
	ck_assert_uint_eq(csv_dropped(c), 5);
	ck_assert_int_eq(csv_retry(c), 0);
	snprintf(want, sizeof(want), "%s%s%s", HDR, out0, out1);
	assert_file(path, want);
	ck_assert_int_eq(csv_close(c), 0);
}
END_TEST

/* Closing with minutes queued frees them (ASan: no leak). */
START_TEST(test_full_disk_close)
{
	const struct agg_minute *m[] = { &min0, &min1 };
	struct csv_out *c;
	int rc[2], err[2];

	c = open_ok(path);
	write_full(c, m, 2, rc, err);
	ck_assert_uint_eq(csv_queued(c), 2);
	ck_assert_int_eq(csv_close(c), 0);
	assert_file(path, HDR);
}
END_TEST

START_TEST(test_open_errors)
{
	char err[256], want[256];

	ck_assert_ptr_null(csv_open("/nonexistent-dir/x.csv", err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "/nonexistent-dir/x.csv: %s",
	    strerror(ENOENT));
	ck_assert_str_eq(err, want);
	/* A directory. */
	ck_assert_ptr_null(csv_open(dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", dir, strerror(EISDIR));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(csv_close(NULL), 0);
}
END_TEST

/* csv_rows_*: the bytes of a minute from plain fields. */
START_TEST(test_rows)
{
	struct csv_rows w;
	char *buf;
	size_t len;

	ck_assert_int_eq(csv_rows_init(&w, MIN0, 0, &buf, &len), 0);
	csv_rows_put(&w, "eta", "CA", 10, 2, 7);
	csv_rows_put(&w, "eta", "MX", 0, 0, 5);	/* nothing to say: left out */
	csv_rows_put(&w, "eta", "US", 0, 3, 3);
	csv_rows_put(&w, "immigrate", "--", 5, 0, 4);
	ck_assert_int_eq(csv_rows_fini(&w), 0);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(len, strlen(out0));
	ck_assert_mem_eq(buf, out0, len);
	free(buf);

	/* No rows: an empty buffer, still the caller's to free. */
	ck_assert_int_eq(csv_rows_init(&w, MIN0, 0, &buf, &len), 0);
	csv_rows_put(&w, "eta", "MX", 0, 0, 0);
	ck_assert_int_eq(csv_rows_fini(&w), 0);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(len, 0);
	free(buf);

	/* Quoting, a long country (the client's), the minute_local column. */
	ck_assert_int_eq(setenv("TZ", "America/Toronto", 1), 0);
	tzset();
	ck_assert_int_eq(csv_rows_init(&w, MIN0 + 60, 1, &buf, &len), 0);
	csv_rows_put(&w, "we\"ird,name", "ABCDEFGHIJKLMNO", 1, 0,
	    18446744073709551615ULL);
	csv_rows_put(&w, "cr\rlf\n", "", 0, 1, 0);
	ck_assert_int_eq(csv_rows_fini(&w), 0);
	ck_assert_str_eq(buf,
	    "2016-11-08T19:01:00Z,\"we\"\"ird,name\",ABCDEFGHIJKLMNO,1,0,"
	    "18446744073709551615,2016-11-08T14:01:00-05:00\n"
	    "2016-11-08T19:01:00Z,\"cr\rlf\n\",,0,1,0,"
	    "2016-11-08T14:01:00-05:00\n");
	ck_assert_uint_eq(len, strlen(buf));
	free(buf);
}
END_TEST

enum { WRITE_ALL, APPEND_REGULAR, APPEND_OTHER };

/*
 * Write s to fd with csvfile_write_all (op WRITE_ALL) or csvfile_append
 * (regular or not) while the file may grow only to limit bytes; returns
 * the result, and its errno in *err.  No ck_assert while the limit holds
 * (see test_partial_write_undone).
 */
static int
write_limited(int fd, off_t limit, int op, const char *s, int *err)
{
	struct rlimit old, lim;
	int rc = -2, lim_rc = -1;

	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)limit;
	*err = 0;
	if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
		errno = 0;
		rc = op == WRITE_ALL ? csvfile_write_all(fd, s, strlen(s)) :
		    csvfile_append(fd, op == APPEND_REGULAR, s, strlen(s));
		*err = errno;
		lim_rc = setrlimit(RLIMIT_FSIZE, &old);
	}
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_int_eq(lim_rc, 0);
	return rc;
}

static int
open_append(void)
{
	int fd;

	ck_assert_int_ne(fd = open(path, O_RDWR | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644), -1);
	return fd;
}

START_TEST(test_write_all)
{
	int fd, err;
	char *big;
	size_t n = (size_t)1 << 20;

	ck_assert_int_eq(csvfile_write_all(-1, "", 0), 0);	/* no write */
	fd = open_append();
	ck_assert_ptr_nonnull(big = malloc(n + 1));
	memset(big, 'x', n);
	big[n] = '\0';
	ck_assert_int_eq(csvfile_write_all(fd, big, n), 0);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	/* A short write (room for 3 bytes) goes on, then fails. */
	ck_assert_int_eq(write_limited(fd, 3, WRITE_ALL, "abcdef", &err), -1);
	ck_assert_int_eq(err, EFBIG);
	assert_file(path, "abc");
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_ne(fd = open("/dev/full", O_WRONLY), -1);
	errno = 0;
	ck_assert_int_eq(csvfile_write_all(fd, "a\n", 2), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(close(fd), 0);
	free(big);
}
END_TEST

/*
 * csvfile_last_newline on every prefix size of a file of 10 000 bytes:
 * LFs here and there, then a tail of zeros longer than two scan blocks,
 * so the answer is sometimes in the block read first, sometimes several
 * blocks back, sometimes none; a size past the end is EIO.
 */
START_TEST(test_last_newline)
{
	enum { N = 10000 };
	static const size_t lfs[] = { 0, 57, 4095, 4096, 4097, 5000, 8191 };
	char *buf;
	size_t i, k, w;
	off_t got;
	int fd;

	ck_assert_ptr_nonnull(buf = calloc(1, N));
	for (i = 0; i < 8191; i++)
		buf[i] = (char)('a' + i % 26);
	for (i = 0; i < sizeof(lfs) / sizeof(lfs[0]); i++)
		buf[lfs[i]] = '\n';
	fd = open_append();
	ck_assert_int_eq(csvfile_write_all(fd, buf, N), 0);
	for (k = 0; k <= N; k++) {
		for (w = k; w > 0 && buf[w - 1] != '\n'; w--)
			continue;
		got = csvfile_last_newline(fd, (off_t)k);
		ck_assert_msg(got == (off_t)w, "size %zu: %jd, want %zu", k,
		    (intmax_t)got, w);
	}
	errno = 0;
	ck_assert_int_eq(csvfile_last_newline(fd, N + 1), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(close(fd), 0);
	free(buf);
}
END_TEST

START_TEST(test_append)
{
	int fd, err;

	fd = open_append();
	ck_assert_int_eq(csvfile_append(fd, 1, "abc\n", 4), 0);
	ck_assert_int_eq(csvfile_append(fd, 1, "", 0), 0);
	assert_file(path, "abc\n");
	/* Room for part of it: cut back to where it began. */
	ck_assert_int_eq(write_limited(fd, 6, APPEND_REGULAR, "defg\n", &err),
	    -1);
	ck_assert_int_eq(err, EFBIG);
	assert_file(path, "abc\n");
	/* Not a regular file (regular 0): nothing is cut. */
	ck_assert_int_eq(write_limited(fd, 6, APPEND_OTHER, "defg\n", &err),
	    -1);
	ck_assert_int_eq(err, EFBIG);
	assert_file(path, "abc\nde");
	/* The offset is the end, wherever it was left. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(write_limited(fd, 7, APPEND_REGULAR, "xyz\n", &err),
	    -1);
	ck_assert_int_eq(err, EFBIG);
	assert_file(path, "abc\nde");
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_ne(fd = open("/dev/full", O_WRONLY), -1);
	errno = 0;
	ck_assert_int_eq(csvfile_append(fd, 0, "a\n", 2), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(close(fd), 0);
}
END_TEST

/* The file at fd holds exactly the n bytes of s. */
static void
put_file(int fd, const char *s, size_t n)
{
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(pwrite(fd, s, n, 0), (ssize_t)n);
}

/*
 * csvfile_header against want (len bytes): every prefix of it is TORN,
 * all of it (and more) OK, and with any one byte changed every prefix
 * holding that byte is OTHER.  want is copied to an exact-size block.
 */
static void
check_header(const char *want, size_t len)
{
	static const char rows[] = "2016-11-08T19:00:00Z,eta,CA,10,2,7\n";
	char *h = dup_exact(want, len), *file;
	struct stat st;
	size_t k, i;
	int fd;

	ck_assert_ptr_nonnull(file = malloc(len + sizeof(rows)));
	ck_assert_int_ne(fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644),
	    -1);
	for (k = 0; k <= len; k++) {
		put_file(fd, want, k);
		ck_assert_int_eq(csvfile_header(fd, h, len), k == len ?
		    CSVFILE_HEADER_OK : CSVFILE_HEADER_TORN);
	}
	memcpy(file, want, len);
	memcpy(file + len, rows, sizeof(rows) - 1);
	put_file(fd, file, len + sizeof(rows) - 1);
	ck_assert_int_eq(csvfile_header(fd, h, len), CSVFILE_HEADER_OK);
	/* It only reads. */
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)(len + sizeof(rows) - 1));
	for (i = 0; i < len; i++) {
		file[i] ^= 0x20;
		put_file(fd, file, len + sizeof(rows) - 1);
		for (k = len + sizeof(rows) - 1; k > i; k--) {
			ck_assert_int_eq(ftruncate(fd, (off_t)k), 0);
			ck_assert_int_eq(csvfile_header(fd, h, len),
			    CSVFILE_HEADER_OTHER);
		}
		file[i] ^= 0x20;
	}
	ck_assert_int_eq(close(fd), 0);
	free(file);
	free(h);
}

START_TEST(test_header)
{
	char *big;
	size_t n = 300, i;	/* past csvfile.c's block, twice */
	int fd;

	check_header(CSV_HEADER_LINE, strlen(CSV_HEADER_LINE));
	check_header(CSV_LOCAL_LINE, strlen(CSV_LOCAL_LINE));
	ck_assert_ptr_nonnull(big = malloc(n));
	for (i = 0; i < n - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[n - 1] = '\n';
	check_header(big, n);
	free(big);

	/* Each header is another file to the other. */
	fd = open_append();
	put_file(fd, CSV_HEADER_LINE, strlen(CSV_HEADER_LINE));
	ck_assert_int_eq(csvfile_header(fd, CSV_LOCAL_LINE,
	    strlen(CSV_LOCAL_LINE)), CSVFILE_HEADER_OTHER);
	put_file(fd, CSV_LOCAL_LINE, strlen(CSV_LOCAL_LINE));
	ck_assert_int_eq(csvfile_header(fd, CSV_HEADER_LINE,
	    strlen(CSV_HEADER_LINE)), CSVFILE_HEADER_OTHER);
	ck_assert_int_eq(close(fd), 0);

	/* A descriptor that cannot be read. */
	ck_assert_int_ne(fd = open(path, O_WRONLY), -1);
	errno = 0;
	ck_assert_int_eq(csvfile_header(fd, CSV_HEADER_LINE,
	    strlen(CSV_HEADER_LINE)), CSVFILE_HEADER_ERROR);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(close(fd), 0);
}
END_TEST

static Suite *
csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("csv");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_format_minute);
	tcase_add_test(tc, test_format_local);
	tcase_add_test(tc, test_local_column);
	tcase_add_test(tc, test_new_file);
	tcase_add_test(tc, test_append_one_header);
	tcase_add_test(tc, test_existing_empty_file);
	tcase_add_test(tc, test_different_header);
	tcase_add_test(tc, test_torn_row);
	tcase_add_test(tc, test_torn_long);
	tcase_add_test(tc, test_torn_header);
	tcase_add_test(tc, test_torn_header_newline);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_stdout);
	tcase_add_test(tc, test_dev_full_open);
	tcase_add_test(tc, test_dev_full_write);
	tcase_add_test(tc, test_partial_write_undone);
	tcase_add_test(tc, test_full_disk_kept);
	tcase_add_test(tc, test_full_disk_bounded);
	tcase_add_test(tc, test_full_disk_close);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_write_all);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_last_newline);
	tcase_add_test(tc, test_header);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(csv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

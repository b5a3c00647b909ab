/*
 * test_ruleset.c - loading the reloadable configuration with the exit
 * statuses of start-up, and noticing a GeoIP database replaced on disk:
 * renamed over, rewritten in place, removed, or broken.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "geo.h"
#include "ruleset.h"

static char dir[256];

static const char *
src(void)
{
	const char *s = getenv("OS_SRC");

	return s != NULL ? s : ".";
}

static void
path_in(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

/* Copy the first n bytes of a test database (n 0: all) to dst. */
static void
copy_db(const char *name, const char *dst, long n)
{
	char from[512], buf[65536];
	FILE *in, *out;
	size_t r;
	long left = n > 0 ? n : -1;

	snprintf(from, sizeof(from), "%s/tests/data/%s", src(), name);
	ck_assert_ptr_nonnull(in = fopen(from, "rb"));
	ck_assert_ptr_nonnull(out = fopen(dst, "wb"));
	while ((r = fread(buf, 1, left < 0 || (size_t)left > sizeof(buf) ?
	    sizeof(buf) : (size_t)left, in)) > 0) {
		ck_assert_uint_eq(fwrite(buf, 1, r, out), r);
		if (left > 0 && (left -= (long)r) == 0)
			break;
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_ruleset.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *
country(struct ruleset *rs, const char *ip)
{
	static char cc[3];
	struct ip_addr a;

	ck_assert_int_eq(addr_parse(ip, strlen(ip), &a), 0);
	geo_lookup(rs->geo, &a, cc);
	return cc;
}

START_TEST(test_load)
{
	char conf[512], db[512], text[1024], err[1024];
	struct ruleset *rs;
	int status = 0;

	path_in(conf, sizeof(conf), "a.conf");
	path_in(db, sizeof(db), "db.mmdb");
	copy_db("geo-iplocdb.mmdb", db, 0);
	snprintf(text, sizeof(text), "[rules]\neta = eta.cic.gc.ca\n"
	    "[proxy]\ntrusted = 127.0.0.0/8\n[geoip]\ndatabase = %s\n", db);
	write_file(conf, text);
	rs = ruleset_load(conf, NULL, err, sizeof(err), &status);
	ck_assert_msg(rs != NULL, "%s", err);
	ck_assert_ptr_nonnull(rs->geo);
	ck_assert_str_eq(rs->geo_path, db);
	ck_assert_uint_eq(rs->cfg.nclasses, 2);
	ck_assert_uint_eq(rs->cfg.ntrusted, 1);
	ck_assert_str_eq(country(rs, "198.51.100.7"), "US");
	ruleset_free(rs);
	/* No configuration, no database: the defaults. */
	rs = ruleset_load(NULL, NULL, err, sizeof(err), &status);
	ck_assert_ptr_nonnull(rs);
	ck_assert_ptr_null(rs->geo);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SAME);
	ruleset_free(rs);
}
END_TEST

START_TEST(test_load_errors)
{
	char conf[512], db[512], err[1024];
	int status = 0;

	path_in(conf, sizeof(conf), "bad.conf");
	path_in(db, sizeof(db), "cut.mmdb");
	ck_assert_ptr_null(ruleset_load(conf, NULL, err, sizeof(err),
	    &status));
	ck_assert_int_eq(status, EX_NOINPUT);
	ck_assert_ptr_nonnull(strstr(err, "bad.conf"));
	write_file(conf, "[rules]\neta =\n[nosuch]\n");
	ck_assert_ptr_null(ruleset_load(conf, NULL, err, sizeof(err),
	    &status));
	ck_assert_int_eq(status, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(err, "bad.conf:2:"));
	ck_assert_ptr_nonnull(strstr(err, "bad.conf:3:"));
	ck_assert_ptr_null(ruleset_load(NULL, db, err, sizeof(err), &status));
	ck_assert_int_eq(status, EX_NOINPUT);
	copy_db("geo-iplocdb.mmdb", db, 100);
	ck_assert_ptr_null(ruleset_load(NULL, db, err, sizeof(err), &status));
	ck_assert_int_eq(status, EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(err, "cut.mmdb"));
}
END_TEST

/* A new file settles for one check, is opened, and then is the same. */
static void
expect_reopen(struct ruleset *rs)
{
	struct geo *old = NULL;
	char err[1024];

	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SETTLING);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_CHANGED);
	ck_assert_msg(ruleset_geo_reopen(rs, &old, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_ptr_nonnull(old);
	ck_assert_ptr_ne(old, rs->geo);
	geo_free(old);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SAME);
}

START_TEST(test_watch)
{
	char db[512], tmp[512], err[1024];
	struct ruleset *rs;
	struct geo *old = NULL, *kept;
	int status = 0;

	path_in(db, sizeof(db), "db.mmdb");
	path_in(tmp, sizeof(tmp), "db.mmdb.new");
	copy_db("geo-iplocdb.mmdb", db, 0);
	rs = ruleset_load(NULL, db, err, sizeof(err), &status);
	ck_assert_msg(rs != NULL, "%s", err);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SAME);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SAME);

	/* Written elsewhere and renamed over: a new inode. */
	copy_db("geo-v4only.mmdb", tmp, 0);
	ck_assert_int_eq(rename(tmp, db), 0);
	expect_reopen(rs);
	ck_assert_str_eq(country(rs, "203.0.113.9"), "MX");

	/* Still being written in place: waits until it stops changing. */
	copy_db("geo-maxmind.mmdb", db, 1000);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SETTLING);
	copy_db("geo-maxmind.mmdb", db, 0);
	expect_reopen(rs);
	ck_assert_str_eq(country(rs, "2001:db8:1::5"), "FR");

	/* Gone: the open database stays, however long. */
	ck_assert_int_eq(unlink(db), 0);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SETTLING);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SETTLING);
	ck_assert_str_eq(country(rs, "198.51.100.7"), "US");

	/* Broken: tried once, the old one kept, quiet until it changes. */
	copy_db("geo-iplocdb.mmdb", tmp, 100);
	ck_assert_int_eq(rename(tmp, db), 0);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SETTLING);
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_CHANGED);
	kept = rs->geo;
	ck_assert_int_eq(ruleset_geo_reopen(rs, &old, err, sizeof(err)), -1);
	ck_assert_ptr_eq(rs->geo, kept);
	ck_assert_ptr_nonnull(strstr(err, "db.mmdb"));
	ck_assert_int_eq(ruleset_geo_check(rs), RULESET_SAME);
	ck_assert_str_eq(country(rs, "198.51.100.7"), "US");

	/* Repaired. */
	copy_db("geo-iplocdb.mmdb", tmp, 0);
	ck_assert_int_eq(rename(tmp, db), 0);
	expect_reopen(rs);
	ruleset_free(rs);
}
END_TEST

static Suite *
ruleset_suite(void)
{
	Suite *s = suite_create("ruleset");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_watch);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ruleset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

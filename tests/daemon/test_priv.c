/*
 * test_priv.c - -u USER: after priv_drop, root and capabilities are gone
 * for good.  Needs root (exit 77, skipped, without); each test runs in its
 * own forked process (Check's default), so the runner keeps its root.
 */
#include <check.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

#include "priv.h"

START_TEST(test_drop_to_nobody)
{
	struct passwd *pw;
	char err[256];
	gid_t groups[4];
	int status = 0;

	ck_assert_ptr_nonnull(pw = getpwnam("nobody"));
	/* Root-only things work before. */
	ck_assert_int_eq(setgroups(0, NULL), 0);
	ck_assert_int_ge(open("/etc/shadow", O_RDONLY), 0);
	ck_assert_int_eq(priv_drop("nobody", err, sizeof(err), &status), 0);
	ck_assert_uint_eq(getuid(), pw->pw_uid);
	ck_assert_uint_eq(geteuid(), pw->pw_uid);
	ck_assert_uint_eq(getgid(), pw->pw_gid);
	ck_assert_int_eq(getgroups(4, groups), 1);
	ck_assert_uint_eq(groups[0], pw->pw_gid);
	/* No way back, nothing privileged. */
	ck_assert_int_eq(setuid(0), -1);
	ck_assert_int_eq(seteuid(0), -1);
	ck_assert_int_eq(setgroups(0, NULL), -1);
	ck_assert_int_eq(open("/etc/shadow", O_RDONLY), -1);
	ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L), 1);
}
END_TEST

START_TEST(test_refusals)
{
	char err[256];
	int status = 0;

	ck_assert_int_eq(priv_drop("no-such-user-originstat", err,
	    sizeof(err), &status), -1);
	ck_assert_int_eq(status, EX_NOUSER);
	ck_assert_ptr_nonnull(strstr(err, "no-such-user-originstat"));
	ck_assert_int_eq(priv_drop("root", err, sizeof(err), &status), -1);
	ck_assert_int_eq(status, EX_USAGE);
}
END_TEST

/* An unprivileged caller cannot switch to another user. */
START_TEST(test_not_root)
{
	char err[256];
	int status = 0;

	ck_assert_int_eq(priv_drop("nobody", err, sizeof(err), &status), 0);
	ck_assert_int_eq(priv_drop("daemon", err, sizeof(err), &status), -1);
	ck_assert_int_eq(status, EX_NOPERM);
}
END_TEST

static Suite *
priv_suite(void)
{
	Suite *s = suite_create("priv");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_drop_to_nobody);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_not_root);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		puts("SKIP: dropping privileges needs root");
		return 77;
	}
	if (srunner_fork_status(sr = srunner_create(priv_suite())) !=
	    CK_FORK) {
		puts("SKIP: needs Check's fork mode (CK_FORK=no is set)");
		srunner_free(sr);
		return 77;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

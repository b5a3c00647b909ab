/*
 * test_notify.c - the sd_notify protocol: $NOTIFY_SOCKET addresses (path
 * and abstract), $WATCHDOG_USEC/$WATCHDOG_PID, and real datagrams received
 * on a socket standing in for the service manager.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

#define SUN_OFF	offsetof(struct sockaddr_un, sun_path)

START_TEST(test_parse_path)
{
	struct sockaddr_un a;
	socklen_t len;
	char s[200];

	ck_assert_int_eq(notify_parse_addr("/run/systemd/notify", &a, &len),
	    0);
	ck_assert_int_eq(a.sun_family, AF_UNIX);
	ck_assert_str_eq(a.sun_path, "/run/systemd/notify");
	ck_assert_uint_eq(len, SUN_OFF + sizeof("/run/systemd/notify"));
	/* The longest path that fits with its NUL, and one byte more. */
	memset(s, 'a', sizeof(s));
	s[0] = '/';
	s[sizeof(a.sun_path) - 1] = '\0';
	ck_assert_int_eq(notify_parse_addr(s, &a, &len), 0);
	ck_assert_uint_eq(len, sizeof(a));
	s[sizeof(a.sun_path) - 1] = 'a';
	s[sizeof(a.sun_path)] = '\0';
	ck_assert_int_eq(notify_parse_addr(s, &a, &len), -1);
}
END_TEST

START_TEST(test_parse_abstract)
{
	struct sockaddr_un a;
	socklen_t len;
	char s[200];

	ck_assert_int_eq(notify_parse_addr("@sd-notify", &a, &len), 0);
	ck_assert_int_eq(a.sun_path[0], '\0');
	ck_assert_int_eq(memcmp(a.sun_path + 1, "sd-notify", 9), 0);
	ck_assert_uint_eq(len, SUN_OFF + 10);
	memset(s, 'b', sizeof(s));
	s[0] = '@';
	s[sizeof(a.sun_path)] = '\0';
	ck_assert_int_eq(notify_parse_addr(s, &a, &len), 0);
	ck_assert_uint_eq(len, sizeof(a));
	s[sizeof(a.sun_path)] = 'b';
	s[sizeof(a.sun_path) + 1] = '\0';
	ck_assert_int_eq(notify_parse_addr(s, &a, &len), -1);
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *const bad[] = {
		"", "@", "/", "run/notify", "notify", "vsock:2:1234", " /x",
	};
	struct sockaddr_un a;
	socklen_t len;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(notify_parse_addr(bad[i], &a, &len) == -1,
		    "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_watchdog)
{
	ck_assert_int_eq(notify_parse_watchdog("30000000", NULL, 42),
	    30000000);
	ck_assert_int_eq(notify_parse_watchdog("1", "42", 42), 1);
	ck_assert_int_eq(notify_parse_watchdog("30000000", "43", 42), 0);
	ck_assert_int_eq(notify_parse_watchdog("30000000", "x", 42), 0);
	ck_assert_int_eq(notify_parse_watchdog("30000000", "", 42), 0);
	ck_assert_int_eq(notify_parse_watchdog(NULL, NULL, 42), 0);
	ck_assert_int_eq(notify_parse_watchdog("0", NULL, 42), 0);
	ck_assert_int_eq(notify_parse_watchdog("", NULL, 42), 0);
	ck_assert_int_eq(notify_parse_watchdog("-5", NULL, 42), 0);
	ck_assert_int_eq(notify_parse_watchdog(" 5", NULL, 42), 0);
	ck_assert_int_eq(notify_parse_watchdog("5s", NULL, 42), 0);
	ck_assert_int_eq(notify_parse_watchdog("99999999999999999999", NULL,
	    42), 0);
}
END_TEST

/* A datagram socket bound at addr, the stand-in service manager. */
static int
listener(const char *env, struct sockaddr_un *a)
{
	socklen_t len;
	int fd;

	ck_assert_int_eq(notify_parse_addr(env, a, &len), 0);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)a, len), 0);
	return fd;
}

static void
expect_msg(int fd, const char *want)
{
	char buf[2048];
	ssize_t r;

	r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(r, 0);
	buf[r] = '\0';
	ck_assert_str_eq(buf, want);
}

static void
send_and_receive(const char *env)
{
	struct sockaddr_un a;
	struct notify n;
	char err[256], big[2000];
	int fd = listener(env, &a);

	ck_assert_int_eq(setenv("NOTIFY_SOCKET", env, 1), 0);
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "4000000", 1), 0);
	ck_assert_int_eq(unsetenv("WATCHDOG_PID"), 0);
	ck_assert_int_eq(notify_init(&n, err, sizeof(err)), 0);
	ck_assert_int_ge(n.fd, 0);
	ck_assert_int_eq(n.connected, 1);
	ck_assert_int_eq(n.watchdog_us, 4000000);
	ck_assert_int_eq(notify_send(&n, "READY=1"), 0);
	expect_msg(fd, "READY=1");
	ck_assert_int_eq(notify_sendf(&n, "STATUS=%d packets/s\nWATCHDOG=1",
	    12), 0);
	expect_msg(fd, "STATUS=12 packets/s\nWATCHDOG=1");
	/* notify_sendf cuts at 1 KiB rather than overflow. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(notify_sendf(&n, "STATUS=%s", big), 0);
	memcpy(big, "STATUS=", 7);
	big[1023] = '\0';
	expect_msg(fd, big);
	notify_fini(&n);
	ck_assert_int_eq(n.fd, -1);
	close(fd);
	if (a.sun_path[0] != '\0')
		unlink(a.sun_path);
}

START_TEST(test_send_path)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/test_notify.%ld", (long)getpid());
	unlink(path);
	send_and_receive(path);
}
END_TEST

START_TEST(test_send_abstract)
{
	char name[64];

	snprintf(name, sizeof(name), "@originstat-test-notify.%ld",
	    (long)getpid());
	send_and_receive(name);
}
END_TEST

START_TEST(test_inert_and_bad)
{
	struct notify n;
	char err[256];

	ck_assert_int_eq(unsetenv("NOTIFY_SOCKET"), 0);
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "4000000", 1), 0);
	ck_assert_int_eq(notify_init(&n, err, sizeof(err)), 0);
	ck_assert_int_eq(n.fd, -1);
	ck_assert_int_eq(n.watchdog_us, 0);
	ck_assert_int_eq(notify_send(&n, "READY=1"), 0);
	notify_fini(&n);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "relative/path", 1), 0);
	err[0] = '\0';
	ck_assert_int_eq(notify_init(&n, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NOTIFY_SOCKET"));
	ck_assert_int_eq(n.fd, -1);
	ck_assert_int_eq(notify_send(&n, "READY=1"), 0);
	/* Nobody listening: the error is reported, not fatal. */
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1), 0);
	ck_assert_int_eq(notify_init(&n, err, sizeof(err)), 0);
	ck_assert_int_eq(n.connected, 0);
	ck_assert_int_eq(notify_send(&n, "READY=1"), -1);
	notify_fini(&n);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_path);
	tcase_add_test(tc, test_parse_abstract);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_watchdog);
	tcase_add_test(tc, test_send_path);
	tcase_add_test(tc, test_send_abstract);
	tcase_add_test(tc, test_inert_and_bad);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(notify_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

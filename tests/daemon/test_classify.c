/*
 * test_classify.c - host/path and SNI classification.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

static const char rules[] =
    "[rules]\n"
    "eta = onlineservices-servicesenligne.cic.gc.ca/eta/\n"
    "eta = eta.cic.gc.ca\n"
    "immigrate = www.cic.gc.ca/english/immigrate/\n"
    "immigrate = www.cic.gc.ca/francais/immigrer/\n"
    "cic = www.cic.gc.ca\n"
    "cic = *.cic.gc.ca\n"
    "v6 = [2001:db8::1]\n"
    "apex = cic.gc.ca/\n";

enum { ETA, IMMIGRATE, CIC, V6, APEX, OTHER };

static struct config cfg;

static void
setup(void)
{
	char err[512];

	ck_assert_int_eq(config_init(&cfg), 0);
	ck_assert_msg(config_parse(&cfg, rules, strlen(rules), "t", err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cfg.nclasses, OTHER + 1);
}

static void
teardown(void)
{
	config_fini(&cfg);
}

/* Classify from exact-size copies, so AddressSanitizer sees overreads. */
static unsigned
http(const char *host, const char *path)
{
	size_t hn = strlen(host), pn = strlen(path);
	char *h = malloc(hn > 0 ? hn : 1), *p = malloc(pn > 0 ? pn : 1);
	unsigned c;

	ck_assert(h != NULL && p != NULL);
	memcpy(h, host, hn);
	memcpy(p, path, pn);
	c = classify_http(&cfg, h, hn, p, pn);
	free(h);
	free(p);
	return c;
}

static unsigned
sni(const char *name)
{
	size_t n = strlen(name);
	char *d = malloc(n > 0 ? n : 1);
	unsigned c;

	ck_assert_ptr_nonnull(d);
	memcpy(d, name, n);
	c = classify_sni(&cfg, d, n);
	free(d);
	return c;
}

START_TEST(test_exact)
{
	ck_assert_uint_eq(http("eta.cic.gc.ca", "/"), ETA);
	ck_assert_uint_eq(http("eta.cic.gc.ca", ""), ETA);
	ck_assert_uint_eq(http("www.cic.gc.ca", "/index.html"), CIC);
	ck_assert_uint_eq(http("example.com", "/eta/"), OTHER);
	ck_assert_uint_eq(http("", "/"), OTHER);
	ck_assert_uint_eq(http("eta.cic.gc.c", "/"), OTHER);
	ck_assert_uint_eq(http("ta.cic.gc.ca", "/"), CIC);	/* wildcard */
	ck_assert_uint_eq(classify_http(&cfg, NULL, 0, NULL, 0), OTHER);
}
END_TEST

START_TEST(test_wildcard)
{
	ck_assert_uint_eq(http("a.cic.gc.ca", "/"), CIC);
	ck_assert_uint_eq(http("x.y.cic.gc.ca", "/"), CIC);
	ck_assert_uint_eq(http("xcic.gc.ca", "/"), OTHER);
	ck_assert_uint_eq(http(".cic.gc.ca", "/"), OTHER);
	ck_assert_uint_eq(http("cic.gc.ca.evil.com", "/"), OTHER);
	/* The domain itself is not a subdomain; here a path rule has it. */
	ck_assert_uint_eq(http("cic.gc.ca", "/"), APEX);
	ck_assert_uint_eq(sni("cic.gc.ca"), OTHER);
	ck_assert_uint_eq(sni("a.cic.gc.ca"), CIC);
}
END_TEST

START_TEST(test_case_port_dot)
{
	ck_assert_uint_eq(http("ETA.CIC.GC.CA", "/"), ETA);
	ck_assert_uint_eq(http("Eta.Cic.Gc.Ca:443", "/"), ETA);
	ck_assert_uint_eq(http("eta.cic.gc.ca.", "/"), ETA);
	ck_assert_uint_eq(http("eta.cic.gc.ca.:8080", "/"), ETA);
	ck_assert_uint_eq(http("eta.cic.gc.ca:", "/"), ETA);
	ck_assert_uint_eq(http("eta.cic.gc.ca..", "/"), OTHER);
	ck_assert_uint_eq(http("A.CIC.GC.CA:80", "/"), CIC);
	ck_assert_uint_eq(http("[2001:db8::1]:80", "/"), V6);
	ck_assert_uint_eq(http("[2001:DB8::1]", "/x"), V6);
	ck_assert_uint_eq(http("[2001:db8::2]:80", "/"), OTHER);
	ck_assert_uint_eq(http("[2001:db8::1", "/"), OTHER);
	ck_assert_uint_eq(sni("ETA.cic.gc.ca."), ETA);
}
END_TEST

START_TEST(test_path)
{
	ck_assert_uint_eq(http("onlineservices-servicesenligne.cic.gc.ca",
	    "/eta/apply"), ETA);
	ck_assert_uint_eq(http("onlineservices-servicesenligne.cic.gc.ca",
	    "/eta/"), ETA);
	/* A prefix of the rule is not enough; case matters in paths. */
	ck_assert_uint_eq(http("onlineservices-servicesenligne.cic.gc.ca",
	    "/eta"), CIC);
	ck_assert_uint_eq(http("onlineservices-servicesenligne.cic.gc.ca",
	    "/ETA/"), CIC);
	ck_assert_uint_eq(http("www.cic.gc.ca", "/english/immigrate/x"),
	    IMMIGRATE);
	ck_assert_uint_eq(http("www.cic.gc.ca", "/francais/immigrer/"),
	    IMMIGRATE);
	ck_assert_uint_eq(http("www.cic.gc.ca", "/english/"), CIC);
	ck_assert_uint_eq(http("WWW.CIC.GC.CA:80", "/english/immigrate/"),
	    IMMIGRATE);
}
END_TEST

START_TEST(test_first_match)
{
	/* www.cic.gc.ca also matches *.cic.gc.ca; the earlier rule wins. */
	ck_assert_uint_eq(http("www.cic.gc.ca", "/english/immigrate/"),
	    IMMIGRATE);
	/* The eta host also matches the later wildcard. */
	ck_assert_uint_eq(http("eta.cic.gc.ca", "/english/immigrate/"), ETA);
}
END_TEST

START_TEST(test_sni)
{
	/* Path rules never match a handshake. */
	ck_assert_uint_eq(sni("onlineservices-servicesenligne.cic.gc.ca"),
	    CIC);
	ck_assert_uint_eq(sni("www.cic.gc.ca"), CIC);
	ck_assert_uint_eq(sni("eta.cic.gc.ca"), ETA);
	ck_assert_uint_eq(sni("example.org"), OTHER);
	ck_assert_uint_eq(sni(""), OTHER);
	ck_assert_uint_eq(classify_sni(&cfg, NULL, 0), OTHER);
}
END_TEST

START_TEST(test_no_rules)
{
	struct config c;
	char err[64];

	ck_assert_int_eq(config_init(&c), 0);
	ck_assert_uint_eq(classify_http(&c, "a.b", 3, "/", 1), 0);
	ck_assert_uint_eq(classify_sni(&c, "a.b", 3), 0);
	ck_assert_int_eq(config_parse(&c, "[rules]\nx = a.b\n", 16, "t", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(classify_sni(&c, "a.b", 3), 0);
	ck_assert_uint_eq(classify_sni(&c, "a.c", 3), 1);
	config_fini(&c);
	/* A zeroed config (config_init failed) classifies as 0. */
	ck_assert_uint_eq(classify_http(&c, "a.b", 3, "/", 1), 0);
}
END_TEST

START_TEST(test_garbage_hosts)
{
	static const char base[] = "x.y.cic.gc.ca:443";
	static const int vals[] = { 0x00, 0xff, ':', '.', '[', ']', 'A' };
	size_t i, v, n = strlen(base);
	char *buf = malloc(n);
	unsigned c;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i <= n; i++) {
		memcpy(buf, base, i);
		c = classify_http(&cfg, buf, i, "/", 1);
		ck_assert_uint_eq(c, i >= 13 ? CIC : OTHER);
		ck_assert_uint_eq(classify_sni(&cfg, buf, i), c);
	}
	for (i = 0; i < n; i++)
		for (v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			memcpy(buf, base, n);
			buf[i] = (char)vals[v];
			c = classify_http(&cfg, buf, n, "/", 1);
			ck_assert_uint_le(c, OTHER);
			c = classify_sni(&cfg, buf, n);
			ck_assert_uint_le(c, OTHER);
		}
	free(buf);
}
END_TEST

static Suite *
classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_exact);
	tcase_add_test(tc, test_wildcard);
	tcase_add_test(tc, test_case_port_dot);
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_first_match);
	tcase_add_test(tc, test_sni);
	tcase_add_test(tc, test_no_rules);
	tcase_add_test(tc, test_garbage_hosts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(classify_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

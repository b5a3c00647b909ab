/*
 * test_proxy.c - client address behind trusted proxies.
 *
 * Requests are built by hand (no HTTP parser): each header value is an
 * exact-size heap copy so AddressSanitizer sees any overread.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "proxy.h"

static const char *trusted_text[] = { "10.0.0.0/8", "192.0.2.0/24",
    "fd00::/8" };
#define NTRUSTED	(sizeof(trusted_text) / sizeof(trusted_text[0]))

struct fixture {
	struct cidr		c[NTRUSTED];
	struct proxy_set	ps;
	struct http_req		req;
};

static void
fx_init(struct fixture *fx)
{
	size_t i;

	memset(fx, 0, sizeof(*fx));
	for (i = 0; i < NTRUSTED; i++)
		ck_assert_int_eq(cidr_parse(trusted_text[i],
		    strlen(trusted_text[i]), &fx->c[i]), 0);
	fx->ps.v = fx->c;
	fx->ps.n = NTRUSTED;
}

static void
fx_view(struct view *v, const char *s, size_t n)
{
	v->p = dup_exact(s, n);
	v->n = n;
}

static void
fx_xff(struct fixture *fx, const char *s)
{
	ck_assert_uint_lt(fx->req.nxff, HTTP_MAX_FWD);
	fx_view(&fx->req.xff[fx->req.nxff++], s, strlen(s));
}

static void
fx_fwd(struct fixture *fx, const char *s)
{
	ck_assert_uint_lt(fx->req.nfwd, HTTP_MAX_FWD);
	fx_view(&fx->req.fwd[fx->req.nfwd++], s, strlen(s));
}

static void
fx_fini(struct fixture *fx)
{
	size_t i;

	for (i = 0; i < fx->req.nxff; i++)
		free((void *)(uintptr_t)fx->req.xff[i].p);
	for (i = 0; i < fx->req.nfwd; i++)
		free((void *)(uintptr_t)fx->req.fwd[i].p);
	fx->req.nxff = fx->req.nfwd = 0;
}

static struct ip_addr
ip(const char *s)
{
	struct ip_addr a;

	ck_assert_msg(addr_parse(s, strlen(s), &a) == 0, "%s", s);
	return a;
}

/*
 * Run proxy_client from source src; check the return value, the client
 * and the junk count, then release the headers.
 */
static void
expect(struct fixture *fx, const char *src, int rc, const char *want,
    unsigned want_junk)
{
	struct ip_addr client = ip(src), w = ip(want);
	unsigned junk = 0;

	ck_assert_int_eq(proxy_client(&fx->ps, &fx->req, &client, &junk),
	    rc);
	ck_assert_msg(addr_equal(&client, &w), "client is not %s", want);
	ck_assert_uint_eq(junk, want_junk);
	fx_fini(fx);
}

START_TEST(test_trusted)
{
	struct fixture fx;
	struct ip_addr a;
	struct proxy_set none = { NULL, 0 };

	fx_init(&fx);
	a = ip("10.9.9.9");
	ck_assert(proxy_trusted(&fx.ps, &a));
	a = ip("192.0.2.77");
	ck_assert(proxy_trusted(&fx.ps, &a));
	a = ip("fd12::1");
	ck_assert(proxy_trusted(&fx.ps, &a));
	a = ip("198.51.100.1");
	ck_assert(!proxy_trusted(&fx.ps, &a));
	a = ip("2001:db8::1");
	ck_assert(!proxy_trusted(&fx.ps, &a));
	a = ip("10.0.0.1");
	ck_assert(!proxy_trusted(&none, &a));
}
END_TEST

static const struct {
	const char	*s;
	const char	*want;
} xff_good[] = {
	{ "1.2.3.4", "1.2.3.4" },
	{ " 1.2.3.4", "1.2.3.4" },
	{ "\t1.2.3.4 \t", "1.2.3.4" },
	{ "1.2.3.4:8080", "1.2.3.4" },
	{ "1.2.3.4:0", "1.2.3.4" },
	{ "1.2.3.4:65535", "1.2.3.4" },
	{ "[2001:db8::1]", "2001:db8::1" },
	{ "[2001:db8::1]:443", "2001:db8::1" },
	{ " [2001:db8::1]:443 ", "2001:db8::1" },
	{ "2001:db8::1", "2001:db8::1" },
	{ "2001:db8::1:80", "2001:db8::1:80" },
	{ "::ffff:1.2.3.4", "1.2.3.4" },
	{ "[::ffff:1.2.3.4]:1", "1.2.3.4" },
};

static const char *xff_bad[] = {
	"", " ", "\t", "-", "unknown", "_hidden", "garbage", "1.2.3.4:",
	"1.2.3.4:65536", "1.2.3.4:99999", "1.2.3.4:123456", "1.2.3.4:-1",
	"1.2.3.4:+80", "1.2.3.4:8o", "[1.2.3.4]", "[1.2.3.4]:80",
	"[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:", "[]", "[]:80",
	"1.2.3.4 5", "1.2.3.4:80:90", "[::1]:_obf", "1.2.3.4:_p",
	"\"1.2.3.4\"", "1.2.3.4,5.6.7.8", "01.2.3.4", "fe80::1%eth0",
	"[fe80::1%25eth0]", "1.2.3.4\r", "256.0.0.1",
};

START_TEST(test_xff_elem)
{
	struct ip_addr a, w;
	char *d;
	size_t i, n;

	for (i = 0; i < sizeof(xff_good) / sizeof(xff_good[0]); i++) {
		n = strlen(xff_good[i].s);
		d = dup_exact(xff_good[i].s, n);
		ck_assert_msg(proxy_parse_xff_elem(d, n, &a) == 0,
		    "rejected '%s'", xff_good[i].s);
		w = ip(xff_good[i].want);
		ck_assert_msg(addr_equal(&a, &w), "%s", xff_good[i].s);
		free(d);
	}
	for (i = 0; i < sizeof(xff_bad) / sizeof(xff_bad[0]); i++) {
		n = strlen(xff_bad[i]);
		d = dup_exact(xff_bad[i], n);
		ck_assert_msg(proxy_parse_xff_elem(d, n, &a) == -1,
		    "accepted '%s'", xff_bad[i]);
		free(d);
	}
	ck_assert_int_eq(proxy_parse_xff_elem(NULL, 0, &a), -1);
}
END_TEST

static const struct {
	const char	*s;
	const char	*want;
} fwd_good[] = {
	{ "1.2.3.4", "1.2.3.4" },
	{ "\"1.2.3.4\"", "1.2.3.4" },
	{ "\"1.2.3.4:80\"", "1.2.3.4" },
	{ "1.2.3.4:80", "1.2.3.4" },
	{ "\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17" },
	{ "\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17" },
	{ "[2001:db8:cafe::17]:4711", "2001:db8:cafe::17" },
	{ "[2001:db8:cafe::17]", "2001:db8:cafe::17" },
	{ "2001:db8::5", "2001:db8::5" },
	{ "1.2.3.4:_p1", "1.2.3.4" },
	{ "\"[::1]:_x-y.z\"", "::1" },
	{ " 1.2.3.4 ", "1.2.3.4" },
};

static const char *fwd_bad[] = {
	"unknown", "\"unknown\"", "unknown:80", "_hidden", "\"_hidden\"",
	"\"_hidden:80\"", "\"", "\"\"", "\"1.2.3.4", "1.2.3.4\"",
	"\"1.2\\.3.4\"", "\"1.2.3.4\"\"", "", "1.2.3.4:_", "1.2.3.4:_a b",
	"1.2.3.4:70000", "[1.2.3.4]", "\"[2001:db8::1]:\"", "-", "1.2.3.4;by=x",
};

START_TEST(test_forwarded_for)
{
	struct ip_addr a, w;
	char *d;
	size_t i, n;

	for (i = 0; i < sizeof(fwd_good) / sizeof(fwd_good[0]); i++) {
		n = strlen(fwd_good[i].s);
		d = dup_exact(fwd_good[i].s, n);
		ck_assert_msg(proxy_parse_forwarded_for(d, n, &a) == 0,
		    "rejected '%s'", fwd_good[i].s);
		w = ip(fwd_good[i].want);
		ck_assert_msg(addr_equal(&a, &w), "%s", fwd_good[i].s);
		free(d);
	}
	for (i = 0; i < sizeof(fwd_bad) / sizeof(fwd_bad[0]); i++) {
		n = strlen(fwd_bad[i]);
		d = dup_exact(fwd_bad[i], n);
		ck_assert_msg(proxy_parse_forwarded_for(d, n, &a) == -1,
		    "accepted '%s'", fwd_bad[i]);
		free(d);
	}
	ck_assert_int_eq(proxy_parse_forwarded_for(NULL, 0, &a), -1);
}
END_TEST

START_TEST(test_untrusted_source)
{
	struct fixture fx;

	fx_init(&fx);
	fx_xff(&fx, "1.2.3.4");
	fx_fwd(&fx, "for=5.6.7.8");
	expect(&fx, "198.51.100.7", 0, "198.51.100.7", 0);
	fx_xff(&fx, "unknown, garbage");
	expect(&fx, "2001:db8::99", 0, "2001:db8::99", 0);
}
END_TEST

START_TEST(test_xff_walk)
{
	struct fixture fx;

	fx_init(&fx);
	fx_xff(&fx, "1.2.3.4");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 0);

	/* Right-most untrusted wins over what the client claimed. */
	fx_xff(&fx, "5.6.7.8, 1.2.3.4, 10.0.0.2");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 0);
	fx_xff(&fx, "5.6.7.8,1.2.3.4,10.0.0.2,192.0.2.9");
	expect(&fx, "192.0.2.1", 1, "1.2.3.4", 0);

	/* Junk is skipped and counted, up to the client. */
	fx_xff(&fx, "1.2.3.4, unknown, -, 10.0.0.2");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 2);
	fx_xff(&fx, "garbage, 1.2.3.4, 10.0.0.2");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 0);
	fx_xff(&fx, "1.2.3.4:99999, _hidden, 5.6.7.8");
	expect(&fx, "10.0.0.1", 1, "5.6.7.8", 0);
	fx_xff(&fx, "5.6.7.8, 1.2.3.4:99999");
	expect(&fx, "10.0.0.1", 1, "5.6.7.8", 1);

	/* Empty list elements are not junk (RFC 9110 section 5.6.1). */
	fx_xff(&fx, ", 1.2.3.4 , ,10.0.0.2,");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 0);

	/* Brackets, ports, white space, IPv6. */
	fx_xff(&fx, " [2001:db8::1]:443 ,\t10.0.0.7:80 ");
	expect(&fx, "10.0.0.1", 1, "2001:db8::1", 0);
	fx_xff(&fx, "2001:db8::2, fd00::1");
	expect(&fx, "fd00::9", 1, "2001:db8::2", 0);
	fx_xff(&fx, "1.2.3.4:8080");
	expect(&fx, "::ffff:10.1.1.1", 1, "1.2.3.4", 0);
}
END_TEST

START_TEST(test_xff_all_trusted)
{
	struct fixture fx;

	fx_init(&fx);
	/* The left-most: sent by the furthest proxy we trust. */
	fx_xff(&fx, "10.1.1.1, 10.2.2.2");
	expect(&fx, "10.0.0.1", 1, "10.1.1.1", 0);
	fx_xff(&fx, "unknown, 10.1.1.1, junk, 192.0.2.5");
	expect(&fx, "10.0.0.1", 1, "10.1.1.1", 2);
	/* ...and then Forwarded is not consulted. */
	fx_xff(&fx, "10.1.1.1");
	fx_fwd(&fx, "for=1.2.3.4");
	expect(&fx, "10.0.0.1", 1, "10.1.1.1", 0);
}
END_TEST

START_TEST(test_xff_multi)
{
	struct fixture fx;

	fx_init(&fx);
	fx_xff(&fx, "1.1.1.1");
	fx_xff(&fx, "2.2.2.2, 10.0.0.3");
	expect(&fx, "10.0.0.1", 1, "2.2.2.2", 0);
	fx_xff(&fx, "1.1.1.1");
	fx_xff(&fx, "10.0.0.3");
	expect(&fx, "10.0.0.1", 1, "1.1.1.1", 0);
	fx_xff(&fx, "1.1.1.1, junk");
	fx_xff(&fx, "");
	fx_xff(&fx, "unknown, 10.0.0.3");
	expect(&fx, "10.0.0.1", 1, "1.1.1.1", 2);
	fx_xff(&fx, "10.0.0.4");
	fx_xff(&fx, "10.0.0.3");
	expect(&fx, "10.0.0.1", 1, "10.0.0.4", 0);
}
END_TEST

START_TEST(test_forwarded)
{
	struct fixture fx;

	fx_init(&fx);
	fx_fwd(&fx, "for=1.2.3.4;proto=https;by=10.0.0.1");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 0);
	fx_fwd(&fx, "for=\"[2001:db8:cafe::17]:4711\"");
	expect(&fx, "10.0.0.1", 1, "2001:db8:cafe::17", 0);
	fx_fwd(&fx, "for=[2001:db8:cafe::17]:4711");
	expect(&fx, "10.0.0.1", 1, "2001:db8:cafe::17", 0);
	/* Parameter names are case-insensitive (RFC 7239 section 4). */
	fx_fwd(&fx, "proto=http; For = 1.2.3.4 ;by=x");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 0);
	fx_fwd(&fx, "FOR=1.2.3.4");
	expect(&fx, "10.0.0.1", 1, "1.2.3.4", 0);
	/* Right-most untrusted, several elements. */
	fx_fwd(&fx, "for=5.5.5.5, for=1.1.1.1, for=10.0.0.9;by=10.0.0.1");
	expect(&fx, "10.0.0.1", 1, "1.1.1.1", 0);
	/* unknown and obfuscated names are junk. */
	fx_fwd(&fx, "for=1.1.1.1, for=\"_hidden\", for=unknown, "
	    "for=10.0.0.9");
	expect(&fx, "10.0.0.1", 1, "1.1.1.1", 2);
	fx_fwd(&fx, "for=unknown, for=10.0.0.5");
	expect(&fx, "10.0.0.1", 1, "10.0.0.5", 1);
	/* Quoted ',' and ';' stay inside their element. */
	fx_fwd(&fx, "for=9.9.9.9, for=\"a,b;c\"");
	expect(&fx, "10.0.0.1", 1, "9.9.9.9", 1);
	fx_fwd(&fx, "for=\"1.2.3.4,5\", for=9.9.9.9");
	expect(&fx, "10.0.0.1", 1, "9.9.9.9", 0);
	fx_fwd(&fx, "by=\"x\\\"y,for=6.6.6.6\";for=7.7.7.7");
	expect(&fx, "10.0.0.1", 1, "7.7.7.7", 0);
	/* A pair without '=' is junk; other parameters are not. */
	fx_fwd(&fx, "for=1.1.1.1, garbage, host=example.com");
	expect(&fx, "10.0.0.1", 1, "1.1.1.1", 1);
	/* Several headers, in order. */
	fx_fwd(&fx, "for=1.1.1.1");
	fx_fwd(&fx, "for=2.2.2.2, for=unknown");
	fx_fwd(&fx, "for=10.0.0.2");
	expect(&fx, "10.0.0.1", 1, "2.2.2.2", 1);
	fx_fwd(&fx, "for=1.1.1.1, for=_x");
	fx_fwd(&fx, "for=10.0.0.2, for=unknown");
	expect(&fx, "10.0.0.1", 1, "1.1.1.1", 2);
	fx_fwd(&fx, "for=10.0.0.8");
	fx_fwd(&fx, "for=10.0.0.2");
	expect(&fx, "10.0.0.1", 1, "10.0.0.8", 0);
}
END_TEST

START_TEST(test_fallbacks)
{
	struct fixture fx;

	fx_init(&fx);
	/* X-Forwarded-For wins when it has an address. */
	fx_xff(&fx, "1.1.1.1");
	fx_fwd(&fx, "for=2.2.2.2");
	expect(&fx, "10.0.0.1", 1, "1.1.1.1", 0);
	/* Forwarded when it has none. */
	fx_xff(&fx, "unknown");
	fx_fwd(&fx, "for=2.2.2.2");
	expect(&fx, "10.0.0.1", 1, "2.2.2.2", 1);
	fx_xff(&fx, "");
	fx_fwd(&fx, "for=2.2.2.2");
	expect(&fx, "10.0.0.1", 1, "2.2.2.2", 0);
	/* Nothing usable: the source stays. */
	expect(&fx, "10.0.0.1", 0, "10.0.0.1", 0);
	fx_xff(&fx, "unknown, -");
	expect(&fx, "10.0.0.1", 0, "10.0.0.1", 2);
	fx_xff(&fx, "unknown");
	fx_fwd(&fx, "for=_a, by=1.2.3.4, proto=http");
	expect(&fx, "10.0.0.1", 0, "10.0.0.1", 2);
}
END_TEST

/* proxy_client on one corrupted XFF and one Forwarded value. */
static void
corrupt_run(struct fixture *fx, const char *x, size_t xn, const char *f,
    size_t fn)
{
	struct ip_addr client = ip("10.0.0.1");
	unsigned junk = 0;
	int rc;

	fx_view(&fx->req.xff[0], x, xn);
	fx_view(&fx->req.fwd[0], f, fn);
	fx->req.nxff = fx->req.nfwd = 1;
	rc = proxy_client(&fx->ps, &fx->req, &client, &junk);
	ck_assert(rc == 0 || rc == 1);
	ck_assert_uint_le(junk, xn + fn + 2);
	if (rc == 0)
		ck_assert(addr_equal(&client, &(struct ip_addr){ .a = { 0, 0,
		    0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1 } }));
	fx_fini(fx);
}

/* Corruption v of byte c: a fixed value, then each bit flipped. */
static char
mutate(char c, size_t v)
{
	static const int vals[] = { 0x00, 0xff, 0x80, ',', ';', '"', '\\',
	    '[', ']', ':', '=', ' ' };
	size_t nv = sizeof(vals) / sizeof(vals[0]);

	if (v < nv)
		return (char)vals[v];
	return (char)((unsigned char)c ^ (1u << (v - nv)));
}
#define NMUTATE	(12 + 8)

START_TEST(test_corrupt)
{
	static const char xff[] =
	    "198.51.100.1, [2001:db8::1]:443, unknown, 10.0.0.1:80";
	static const char fwd[] =
	    "for=\"[2001:db8::1]:4711\";proto=https, For=198.51.100.2;"
	    "by=10.0.0.1, for=\"a\\\"b\"";
	char buf[sizeof(fwd)];
	struct fixture fx;
	size_t i, v, xn = strlen(xff), fn = strlen(fwd);

	fx_init(&fx);
	for (i = 0; i <= xn; i++)
		corrupt_run(&fx, xff, i, "", 0);
	for (i = 0; i <= fn; i++)
		corrupt_run(&fx, "", 0, fwd, i);
	for (i = 0; i < xn; i++) {
		memcpy(buf, xff, xn);
		for (v = 0; v < NMUTATE; v++) {
			buf[i] = mutate(xff[i], v);
			corrupt_run(&fx, buf, xn, "", 0);
		}
	}
	for (i = 0; i < fn; i++) {
		memcpy(buf, fwd, fn);
		for (v = 0; v < NMUTATE; v++) {
			buf[i] = mutate(fwd[i], v);
			corrupt_run(&fx, "unknown", 7, buf, fn);
		}
	}
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_trusted);
	tcase_add_test(tc, test_xff_elem);
	tcase_add_test(tc, test_forwarded_for);
	tcase_add_test(tc, test_untrusted_source);
	tcase_add_test(tc, test_xff_walk);
	tcase_add_test(tc, test_xff_all_trusted);
	tcase_add_test(tc, test_xff_multi);
	tcase_add_test(tc, test_forwarded);
	tcase_add_test(tc, test_fallbacks);
	tcase_add_test(tc, test_corrupt);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proxy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

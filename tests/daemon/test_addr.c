/*
 * test_addr.c - addresses, CIDR prefixes, address hash.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "addr.h"

static int
parse_exact(const char *s, size_t n, struct ip_addr *out)
{
	char *d = dup_exact(s, n);
	int rc = addr_parse(d, n, out);

	free(d);
	return rc;
}

static int
cidr_exact(const char *s, struct cidr *out)
{
	size_t n = strlen(s);
	char *d = dup_exact(s, n);
	int rc = cidr_parse(d, n, out);

	free(d);
	return rc;
}

static struct ip_addr
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t q[4] = { a, b, c, d };
	struct ip_addr r;

	addr_from_v4(&r, q);
	return r;
}

static struct ip_addr
must_parse(const char *s)
{
	struct ip_addr a;

	ck_assert_msg(parse_exact(s, strlen(s), &a) == 0, "parse %s", s);
	return a;
}

static const struct {
	const char	*s;
	uint8_t		 b[4];
} v4_good[] = {
	{ "0.0.0.0", { 0, 0, 0, 0 } },
	{ "1.2.3.4", { 1, 2, 3, 4 } },
	{ "10.0.0.3", { 10, 0, 0, 3 } },
	{ "255.255.255.255", { 255, 255, 255, 255 } },
	{ "192.0.2.199", { 192, 0, 2, 199 } },
	{ "100.20.3.250", { 100, 20, 3, 250 } },
};

START_TEST(test_v4_good)
{
	struct ip_addr a, e;
	size_t i;

	for (i = 0; i < sizeof(v4_good) / sizeof(v4_good[0]); i++) {
		ck_assert_msg(parse_exact(v4_good[i].s, strlen(v4_good[i].s),
		    &a) == 0, "%s", v4_good[i].s);
		addr_from_v4(&e, v4_good[i].b);
		ck_assert(addr_equal(&a, &e));
		ck_assert(addr_is_v4(&a));
		ck_assert_uint_eq(a.a[10], 0xff);
		ck_assert_uint_eq(a.a[11], 0xff);
		ck_assert_uint_eq(a.a[0], 0);
	}
}
END_TEST

static const char *v4_bad[] = {
	"10.000.000.03", "1.2.3", "256.1.1.1", "1.2.3.256", "01.2.3.4",
	"1.2.3.04", "00.0.0.0", "1.2.3.4.", ".1.2.3.4", "1.2.3.4.5",
	"1..2.3", "+1.2.3.4", "1.2.3.-4", "1.2.3.4 ", " 1.2.3.4",
	"1.2.3.1000", "", "a.b.c.d", "1.2.3.4/8", "0x1.2.3.4", "1.2.3.4a",
	"1.2.3.", "...", "1", "16909060", "1.2.3.4%eth0", "999.999.999.999",
};

START_TEST(test_v4_bad)
{
	struct ip_addr a;
	size_t i;

	for (i = 0; i < sizeof(v4_bad) / sizeof(v4_bad[0]); i++)
		ck_assert_msg(parse_exact(v4_bad[i], strlen(v4_bad[i]), &a)
		    == -1, "accepted '%s'", v4_bad[i]);
	/* An embedded NUL is part of the text, not its end. */
	ck_assert_int_eq(parse_exact("1.2.3.4\0", 8, &a), -1);
	ck_assert_int_eq(parse_exact("1.2\0.3.4", 8, &a), -1);
	ck_assert_int_eq(addr_parse(NULL, 0, &a), -1);
	/* Length, not NUL, ends the text. */
	ck_assert_int_eq(parse_exact("1.2.3.45", 7, &a), 0);
	ck_assert(addr_equal(&a, &(struct ip_addr){ .a = { 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4 } }));
}
END_TEST

static const struct {
	const char	*s;
	uint8_t		 b[16];
} v6_good[] = {
	{ "::", { 0 } },
	{ "::1", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "1::", { 0, 1 } },
	{ "2001:db8::1", { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 1 } },
	{ "2001:DB8:0:0:8:800:200C:417A", { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
	    0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a } },
	{ "1:2:3:4:5:6:7:8", { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7,
	    0, 8 } },
	{ "1:2:3:4:5:6:7::", { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7,
	    0, 0 } },
	{ "::2:3:4:5:6:7:8", { 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7,
	    0, 8 } },
	{ "1:2::7:8", { 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8 } },
	{ "fe80::1:2", { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	    0, 2 } },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", { 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff } },
	{ "0000:0000:0000:0000:0000:0000:0000:0001", { 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "::1.2.3.4", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 } },
	{ "::ffff:1.2.3.4", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1,
	    2, 3, 4 } },
	{ "1:2:3:4:5:6:1.2.3.4", { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1,
	    2, 3, 4 } },
	{ "1::255.255.255.255", { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff, 0xff, 0xff } },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", { 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff } },
};

START_TEST(test_v6_good)
{
	struct ip_addr a, e;
	size_t i;

	for (i = 0; i < sizeof(v6_good) / sizeof(v6_good[0]); i++) {
		ck_assert_msg(parse_exact(v6_good[i].s, strlen(v6_good[i].s),
		    &a) == 0, "rejected %s", v6_good[i].s);
		addr_from_v6(&e, v6_good[i].b);
		ck_assert_msg(addr_equal(&a, &e), "%s", v6_good[i].s);
	}
	/* The mapped form is the same address as the dotted quad. */
	a = must_parse("::ffff:1.2.3.4");
	e = v4(1, 2, 3, 4);
	ck_assert(addr_equal(&a, &e));
	ck_assert(addr_is_v4(&a));
	ck_assert(!addr_is_v4(&(struct ip_addr){ .a = { 0 } }));
	a = must_parse("::ffff:102:304");
	ck_assert(addr_equal(&a, &e));
}
END_TEST

static const char *v6_bad[] = {
	"1::2::3", ":::", "::::", ":1::", "1:", ":1", ":", "1:::2",
	"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::g", "fe80::1%eth0",
	"::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4",
	"1:2:3:4:5:6::1.2.3.4", "::256.1.1.1", "::ffff:01.2.3.4",
	"1::2:3:4:5:6:7:8", "::1:2:3:4:5:6:7:8", "[::1]", "1:2:3:4:5:6:7:8::",
	"::1 ", " ::1", "1.2.3.4::", "::1.2.3.4.5", "::1:", "fe80:::",
	"00000::1", "::-1", "::+1", "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7:8",
	"::ffff:1.2.3.4/96",
	"0000:0000:0000:0000:0000:0000:0000:0000:0000",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
};

START_TEST(test_v6_bad)
{
	struct ip_addr a;
	size_t i;

	for (i = 0; i < sizeof(v6_bad) / sizeof(v6_bad[0]); i++)
		ck_assert_msg(parse_exact(v6_bad[i], strlen(v6_bad[i]), &a)
		    == -1, "accepted '%s'", v6_bad[i]);
	ck_assert_int_eq(parse_exact("::1\0", 4, &a), -1);
}
END_TEST

/* Feed s with byte i replaced by c; never crash, result 0 or -1. */
static void
mutate_one(const char *s, size_t n, size_t i, int c)
{
	struct ip_addr a;
	struct cidr cd;
	char *d = dup_exact(s, n);
	int rc;

	d[i] = (char)c;
	rc = addr_parse(d, n, &a);
	ck_assert(rc == 0 || rc == -1);
	rc = cidr_parse(d, n, &cd);
	ck_assert(rc == 0 || rc == -1);
	if (rc == 0)
		ck_assert_uint_le(cd.bits, 128);
	free(d);
}

START_TEST(test_prefix_and_corrupt)
{
	static const int vals[] = { 0x00, 0xff, 0x80, ':', '.', '/', '0',
	    '9', 'f', ' ', '[' };
	const char *s;
	struct ip_addr a;
	size_t i, k, n, bit, total = 0;

	total = sizeof(v4_good) / sizeof(v4_good[0]) +
	    sizeof(v6_good) / sizeof(v6_good[0]);
	for (k = 0; k < total; k++) {
		s = k < sizeof(v4_good) / sizeof(v4_good[0]) ? v4_good[k].s :
		    v6_good[k - sizeof(v4_good) / sizeof(v4_good[0])].s;
		n = strlen(s);
		for (i = 0; i <= n; i++) {
			int rc = parse_exact(s, i, &a);

			ck_assert(rc == 0 || rc == -1);
		}
		for (i = 0; i < n; i++) {
			for (bit = 0; bit < sizeof(vals) / sizeof(vals[0]);
			    bit++)
				mutate_one(s, n, i, vals[bit]);
			for (bit = 0; bit < 8; bit++)
				mutate_one(s, n, i, s[i] ^ (1 << bit));
		}
	}
	/* Proper prefixes of these are never complete addresses. */
	s = "192.168.100.7";
	for (i = 0; i < strlen(s); i++)
		ck_assert_int_eq(parse_exact(s, i, &a), -1);
	/* ...nor of an IPv6 address, until its last group starts. */
	s = "2001:db8:0:0:8:800:200c:417a";
	for (i = 0; i <= (size_t)(strrchr(s, ':') - s); i++)
		ck_assert_int_eq(parse_exact(s, i, &a), -1);
}
END_TEST

START_TEST(test_cidr_good)
{
	struct cidr c;
	struct ip_addr a;

	ck_assert_int_eq(cidr_exact("10.0.0.0/8", &c), 0);
	ck_assert_uint_eq(c.bits, 104);
	a = v4(10, 1, 2, 3);
	ck_assert(cidr_contains(&c, &a));
	a = v4(10, 255, 255, 255);
	ck_assert(cidr_contains(&c, &a));
	a = v4(11, 0, 0, 0);
	ck_assert(!cidr_contains(&c, &a));
	a = v4(9, 255, 255, 255);
	ck_assert(!cidr_contains(&c, &a));

	/* Host bits are masked off. */
	ck_assert_int_eq(cidr_exact("10.1.2.3/8", &c), 0);
	a = v4(10, 0, 0, 0);
	ck_assert(addr_equal(&c.net, &a));

	ck_assert_int_eq(cidr_exact("192.168.0.0/20", &c), 0);
	a = v4(192, 168, 15, 255);
	ck_assert(cidr_contains(&c, &a));
	a = v4(192, 168, 16, 0);
	ck_assert(!cidr_contains(&c, &a));

	/* Bare address: a host route. */
	ck_assert_int_eq(cidr_exact("192.0.2.1", &c), 0);
	ck_assert_uint_eq(c.bits, 128);
	a = v4(192, 0, 2, 1);
	ck_assert(cidr_contains(&c, &a));
	a = v4(192, 0, 2, 2);
	ck_assert(!cidr_contains(&c, &a));
	ck_assert_int_eq(cidr_exact("1.2.3.4/32", &c), 0);
	ck_assert_uint_eq(c.bits, 128);

	/* 0.0.0.0/0 is all of IPv4 and nothing else. */
	ck_assert_int_eq(cidr_exact("0.0.0.0/0", &c), 0);
	ck_assert_uint_eq(c.bits, 96);
	a = v4(203, 0, 113, 9);
	ck_assert(cidr_contains(&c, &a));
	a = must_parse("2001::1");
	ck_assert(!cidr_contains(&c, &a));

	ck_assert_int_eq(cidr_exact("::/0", &c), 0);
	ck_assert_uint_eq(c.bits, 0);
	ck_assert(cidr_contains(&c, &a));
	a = v4(1, 2, 3, 4);
	ck_assert(cidr_contains(&c, &a));

	ck_assert_int_eq(cidr_exact("2001:db8::/32", &c), 0);
	ck_assert_uint_eq(c.bits, 32);
	a = must_parse("2001:db8:ffff::1");
	ck_assert(cidr_contains(&c, &a));
	a = must_parse("2001:db9::");
	ck_assert(!cidr_contains(&c, &a));

	ck_assert_int_eq(cidr_exact("fd00::/8", &c), 0);
	a = must_parse("fdff:1::2");
	ck_assert(cidr_contains(&c, &a));
	a = must_parse("fe00::");
	ck_assert(!cidr_contains(&c, &a));

	ck_assert_int_eq(cidr_exact("2001:db8::1/127", &c), 0);
	a = must_parse("2001:db8::");
	ck_assert(cidr_contains(&c, &a));
	a = must_parse("2001:db8::2");
	ck_assert(!cidr_contains(&c, &a));

	ck_assert_int_eq(cidr_exact("::1/128", &c), 0);
	a = must_parse("::1");
	ck_assert(cidr_contains(&c, &a));

	/* Written as IPv6, bits count in IPv6. */
	ck_assert_int_eq(cidr_exact("::ffff:10.0.0.0/104", &c), 0);
	ck_assert_uint_eq(c.bits, 104);
	a = v4(10, 9, 8, 7);
	ck_assert(cidr_contains(&c, &a));
}
END_TEST

static const char *cidr_bad[] = {
	"", "/", "/8", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/08", "1.2.3.4/-1",
	"1.2.3.4/+8", " 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0.0 /8",
	"10.0.0.0/ 8", "1.2.3.4/8/8", "junk", "junk/8", "::/129", "::/1000",
	"2001:db8::/", "10.0.0/8", "1.2.3.4/4294967304", "1.2.3.4/0x8",
	"[::1]/128",
};

START_TEST(test_cidr_bad)
{
	struct cidr c;
	size_t i;

	for (i = 0; i < sizeof(cidr_bad) / sizeof(cidr_bad[0]); i++)
		ck_assert_msg(cidr_exact(cidr_bad[i], &c) == -1,
		    "accepted '%s'", cidr_bad[i]);
	ck_assert_int_eq(cidr_parse(NULL, 0, &c), -1);
}
END_TEST

static unsigned
popcount64(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
}

START_TEST(test_hash)
{
	struct ip_addr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2), c;
	unsigned buckets[256], i, bit, flips = 0, trials = 0;
	uint64_t h;

	/* Deterministic, keyed, and different addresses differ. */
	ck_assert_uint_eq(addr_hash(&a, 1), addr_hash(&a, 1));
	ck_assert_uint_ne(addr_hash(&a, 1), addr_hash(&a, 2));
	ck_assert_uint_ne(addr_hash(&a, 1), addr_hash(&b, 1));
	ck_assert_uint_ne(addr_hash(&a, 0), 0);

	/* Top byte of consecutive addresses spreads evenly. */
	memset(buckets, 0, sizeof(buckets));
	for (i = 0; i < 65536; i++) {
		c = v4(10, 0, (uint8_t)(i >> 8), (uint8_t)i);
		buckets[addr_hash(&c, 42) >> 56]++;
	}
	for (i = 0; i < 256; i++)
		ck_assert_msg(buckets[i] > 150 && buckets[i] < 362,
		    "bucket %u has %u", i, buckets[i]);

	/* Avalanche: one flipped input bit flips about half the output. */
	for (i = 0; i < 64; i++) {
		c = v4((uint8_t)i, 2, 3, (uint8_t)(i * 7));
		h = addr_hash(&c, 7);
		for (bit = 0; bit < 128; bit++) {
			struct ip_addr d = c;

			d.a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			flips += popcount64(h ^ addr_hash(&d, 7));
			trials++;
		}
	}
	ck_assert_uint_gt(flips, trials * 30);
	ck_assert_uint_lt(flips, trials * 34);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_v4_good);
	tcase_add_test(tc, test_v4_bad);
	tcase_add_test(tc, test_v6_good);
	tcase_add_test(tc, test_v6_bad);
	tcase_add_test(tc, test_prefix_and_corrupt);
	tcase_add_test(tc, test_cidr_good);
	tcase_add_test(tc, test_cidr_bad);
	tcase_add_test(tc, test_hash);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

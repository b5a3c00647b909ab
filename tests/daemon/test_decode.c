/*
 * test_decode.c - link, IP and TCP decoding on hand-built frames: every
 * supported framing, tunnels, fragments, every prefix truncated and every
 * byte corrupted (under AddressSanitizer, with exact-size copies).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

struct frame {
	uint8_t	b[512];
	size_t	n;
};

static void
put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put16(struct frame *f, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static const uint8_t payload[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
#define PLEN (sizeof(payload) - 1)

static void
put_tcp(struct frame *f)
{
	static const uint8_t tcp[20] = {
		0x30, 0x39, 0x00, 0x50,		/* 12345 -> 80 */
		0x00, 0x00, 0x10, 0x00,		/* seq 4096 */
		0x00, 0x00, 0x00, 0x01,		/* ack 1 */
		0x50, 0x18, 0xff, 0xff,		/* off 5, PSH|ACK */
		0, 0, 0, 0,
	};

	put(f, tcp, 20);
	put(f, payload, PLEN);
}

static void
put_ipv4(struct frame *f, uint8_t proto, size_t inner, unsigned frag)
{
	uint8_t ip[20] = {
		0x45, 0, 0, 0, 0, 1, 0, 0, 64, 0, 0, 0,
		198, 51, 100, 7, 192, 0, 2, 1,
	};

	ip[2] = (uint8_t)((20 + inner) >> 8);
	ip[3] = (uint8_t)(20 + inner);
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	ip[9] = proto;
	put(f, ip, 20);
}

static void
put_ipv6(struct frame *f, uint8_t nh, size_t inner)
{
	uint8_t ip[40] = { 0x60, 0, 0, 0, 0, 0, 0, 64 };

	ip[4] = (uint8_t)(inner >> 8);
	ip[5] = (uint8_t)inner;
	ip[6] = nh;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8;
	ip[23] = 7;
	ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8;
	ip[39] = 1;
	put(f, ip, 40);
}

static void
put_eth(struct frame *f, unsigned type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	put(f, macs, 12);
	put16(f, type);
}

static void
check_v4_segment(const struct segment *s)
{
	uint8_t a[4] = { 198, 51, 100, 7 };
	struct ip_addr want;

	addr_from_v4(&want, a);
	ck_assert(addr_equal(&s->src, &want));
	ck_assert_uint_eq(s->sport, 12345);
	ck_assert_uint_eq(s->dport, 80);
	ck_assert_uint_eq(s->seq, 4096);
	ck_assert_uint_eq(s->flags, 0x18);
	ck_assert_uint_eq(s->len, PLEN);
	ck_assert_uint_eq(s->wire_len, PLEN);
	ck_assert(memcmp(s->payload, payload, PLEN) == 0);
}

static uint8_t last_payload[512];

static enum dec_status
decode_copy(int link, const struct frame *f, size_t n, struct segment *s)
{
	uint8_t *copy = malloc(n ? n : 1);
	enum dec_status r;

	memcpy(copy, f->b, n);
	r = decode_frame(link, copy, n, s);
	if (r == DEC_OK && s->len > 0) {
		ck_assert(s->payload >= copy &&
		    s->payload + s->len <= copy + n);
		/* Keep the payload past free(copy); ASan checks the read. */
		ck_assert_uint_le(s->len, sizeof(last_payload));
		memcpy(last_payload, s->payload, s->len);
		s->payload = last_payload;
	}
	free(copy);
	return r;
}

/* Every prefix is truncated (never OK), every corruption never crashes. */
static void
check_robust(int link, const struct frame *f)
{
	struct segment s;
	struct frame g;
	size_t i, n;
	unsigned v;

	for (n = 0; n < f->n - PLEN; n++)
		ck_assert_int_ne(decode_copy(link, f, n, &s), DEC_OK);
	for (i = 0; i < f->n; i++)
		for (v = 0; v < 256; v += 51) {
			g = *f;
			g.b[i] ^= (uint8_t)(v | 1);
			(void)decode_copy(link, &g, g.n, &s);
		}
}

static void
ether_ipv4_tcp(struct frame *f)
{
	memset(f, 0, sizeof(*f));
	put_eth(f, 0x0800);
	put_ipv4(f, 6, 20 + PLEN, 0x4000);
	put_tcp(f);
}

START_TEST(test_ethernet)
{
	struct frame f;
	struct segment s;

	ether_ipv4_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	ck_assert_uint_eq(s.vlan, 0);
	check_robust(DEC_LINK_ETHERNET, &f);
}
END_TEST

START_TEST(test_ethernet_padding)
{
	struct frame f;
	struct segment s;
	static const uint8_t pad[6];

	ether_ipv4_tcp(&f);
	put(&f, pad, sizeof(pad));	/* trailer beyond the IP length */
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
}
END_TEST

START_TEST(test_vlan_qinq)
{
	struct frame f = { .n = 0 };
	struct segment s;

	put_eth(&f, 0x88a8);
	put16(&f, 100);
	put16(&f, 0x8100);
	put16(&f, 200);
	put16(&f, 0x0800);
	put_ipv4(&f, 6, 20 + PLEN, 0);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	ck_assert_uint_eq(s.vlan, 200);
	check_robust(DEC_LINK_ETHERNET, &f);
}
END_TEST

START_TEST(test_sll_sll2_raw_null)
{
	struct frame f = { .n = 0 };
	struct segment s;
	static const uint8_t sll[14] = { 0, 0, 0, 1, 0, 6 };
	static const uint8_t sll2_rest[18] = { 0 };
	uint8_t fam[4] = { 2, 0, 0, 0 };

	put(&f, sll, 14);
	put16(&f, 0x0800);
	put_ipv4(&f, 6, 20 + PLEN, 0);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_SLL, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	check_robust(DEC_LINK_SLL, &f);

	f.n = 0;
	put16(&f, 0x0800);
	put(&f, sll2_rest, 18);
	put_ipv4(&f, 6, 20 + PLEN, 0);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_SLL2, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	check_robust(DEC_LINK_SLL2, &f);

	f.n = 0;
	put_ipv4(&f, 6, 20 + PLEN, 0);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_RAW, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	ck_assert_int_eq(decode_copy(DEC_LINK_IPV4, &f, f.n, &s), DEC_OK);
	check_robust(DEC_LINK_RAW, &f);

	f.n = 0;
	put(&f, fam, 4);			/* little-endian AF_INET */
	put_ipv4(&f, 6, 20 + PLEN, 0);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_NULL, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	check_robust(DEC_LINK_NULL, &f);
}
END_TEST

START_TEST(test_ipv6_ext)
{
	struct frame f = { .n = 0 };
	struct segment s;
	static const uint8_t hop[8] = { 60, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t dst[8] = { 6, 0, 1, 4, 0, 0, 0, 0 };

	put_eth(&f, 0x86dd);
	put_ipv6(&f, 0, 16 + 20 + PLEN);
	put(&f, hop, 8);
	put(&f, dst, 8);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s), DEC_OK);
	ck_assert(!addr_is_v4(&s.src));
	ck_assert_uint_eq(s.src.a[15], 7);
	ck_assert_uint_eq(s.len, PLEN);
	check_robust(DEC_LINK_ETHERNET, &f);
}
END_TEST

START_TEST(test_fragments_and_other)
{
	struct frame f = { .n = 0 };
	struct segment s;
	static const uint8_t frag[8] = { 6, 0, 0, 8, 0, 0, 0, 1 };

	put_eth(&f, 0x0800);
	put_ipv4(&f, 6, 20 + PLEN, 0x2000);	/* more fragments */
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s),
	    DEC_FRAGMENT);
	f.n = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, 17, 8, 0);
	put(&f, frag, 8);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s),
	    DEC_NOT_TCP);
	f.n = 0;
	put_eth(&f, 0x86dd);
	put_ipv6(&f, 44, 8 + 20 + PLEN);
	put(&f, frag, 8);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s),
	    DEC_FRAGMENT);
	f.n = 0;
	put_eth(&f, 0x0806);			/* ARP */
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s),
	    DEC_NOT_TCP);
	ck_assert_int_eq(decode_copy(9999, &f, f.n, &s), DEC_UNSUPPORTED);
	ck_assert(!decode_link_supported(9999));
}
END_TEST

START_TEST(test_gre_mpls)
{
	struct frame f = { .n = 0 };
	struct segment s;

	put_eth(&f, 0x0800);
	put_ipv4(&f, 47, 4 + 20 + 20 + PLEN, 0);
	put16(&f, 0);
	put16(&f, 0x0800);
	put_ipv4(&f, 6, 20 + PLEN, 0);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	check_robust(DEC_LINK_ETHERNET, &f);

	f.n = 0;
	put_eth(&f, 0x8847);
	put16(&f, 0x0001);
	put16(&f, 0x0040);			/* label 16, not bottom */
	put16(&f, 0x0002);
	put16(&f, 0x0140);			/* bottom of stack */
	put_ipv4(&f, 6, 20 + PLEN, 0);
	put_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n, &s), DEC_OK);
	check_v4_segment(&s);
	check_robust(DEC_LINK_ETHERNET, &f);
}
END_TEST

START_TEST(test_snaplen_cut_payload)
{
	struct frame f;
	struct segment s;

	ether_ipv4_tcp(&f);
	ck_assert_int_eq(decode_copy(DEC_LINK_ETHERNET, &f, f.n - 5, &s),
	    DEC_OK);
	ck_assert_uint_eq(s.len, PLEN - 5);
	ck_assert_uint_eq(s.wire_len, PLEN);
}
END_TEST

static Suite *
decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ethernet);
	tcase_add_test(tc, test_ethernet_padding);
	tcase_add_test(tc, test_vlan_qinq);
	tcase_add_test(tc, test_sll_sll2_raw_null);
	tcase_add_test(tc, test_ipv6_ext);
	tcase_add_test(tc, test_fragments_and_other);
	tcase_add_test(tc, test_gre_mpls);
	tcase_add_test(tc, test_snaplen_cut_payload);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

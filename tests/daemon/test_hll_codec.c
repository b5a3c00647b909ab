/*
 * test_hll_codec.c - the wire encoding of sketches: round trips of exact
 * and dense sketches, the documented bytes, every prefix truncated, every
 * byte corrupted never crashing, strict base64.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"
#include "hll_codec.h"

static void
add_keys(struct hll *h, uint64_t seed, uint64_t n)
{
	uint64_t i;
	int rc = 0;

	for (i = 0; i < n; i++)
		rc |= hll_add(h, hll_mix64((seed << 40) + i));
	ck_assert_int_eq(rc, 0);
}

static void
assert_same(const struct hll *a, const struct hll *b)
{
	ck_assert_int_eq(a->regs == NULL, b->regs == NULL);
	if (a->regs != NULL) {
		ck_assert_int_eq(memcmp(a->regs, b->regs, HLL_REGS), 0);
		return;
	}
	ck_assert_uint_eq(a->n, b->n);
	if (a->n > 0)
		ck_assert_int_eq(memcmp(a->set, b->set,
		    a->n * sizeof(a->set[0])), 0);
}

/* Encode h into an exact-size heap buffer. */
static uint8_t *
encode(const struct hll *h, size_t *len)
{
	size_t cap = hll_encoded_max(h);
	uint8_t *tmp = malloc(cap), *out;

	ck_assert_ptr_nonnull(tmp);
	ck_assert_int_eq(hll_encode(h, tmp, cap, len), 0);
	ck_assert_ptr_nonnull(out = malloc(*len));
	memcpy(out, tmp, *len);
	free(tmp);
	return out;
}

static void
round_trip(const struct hll *h)
{
	struct hll d;
	size_t len;
	uint8_t *bin = encode(h, &len);
	char *text;

	ck_assert_int_eq(hll_decode(bin, len, &d), HLL_CODEC_OK);
	assert_same(h, &d);
	ck_assert_uint_eq(hll_count(&d), hll_count(h));
	hll_fini(&d);
	ck_assert_ptr_nonnull(text = hll_to_text(h));
	ck_assert_uint_eq(strlen(text), (len + 2) / 3 * 4);
	ck_assert_int_eq(hll_from_text(text, strlen(text), &d), HLL_CODEC_OK);
	assert_same(h, &d);
	hll_fini(&d);
	free(text);
	free(bin);
}

START_TEST(test_round_trip)
{
	static const uint64_t sizes[] = { 0, 1, 2, 7, 100, 1024, 1025, 5000,
	    200000 };
	struct hll h;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		hll_init(&h);
		add_keys(&h, i + 1, sizes[i]);
		round_trip(&h);
		hll_fini(&h);
	}
}
END_TEST

/* Extreme hashes: 0, 1 and 2^64 - 1 (a 10-byte LEB128). */
START_TEST(test_extremes)
{
	struct hll h;

	hll_init(&h);
	ck_assert_int_eq(hll_add(&h, 0), 0);
	ck_assert_int_eq(hll_add(&h, 1), 0);
	ck_assert_int_eq(hll_add(&h, UINT64_MAX), 0);
	round_trip(&h);
	hll_fini(&h);
}
END_TEST

/* The examples of docs/wire.md, byte for byte. */
START_TEST(test_documented)
{
	struct hll h;
	char *t;

	hll_init(&h);
	t = hll_to_text(&h);
	ck_assert_str_eq(t, "AQAA");		/* 01 00 00 */
	free(t);
	ck_assert_int_eq(hll_add(&h, 300), 0);
	ck_assert_int_eq(hll_add(&h, 301), 0);
	ck_assert_int_eq(hll_add(&h, 5), 0);
	/* 01 00 03 05 a7 02 01: n 3, 5, +295, +1 */
	t = hll_to_text(&h);
	ck_assert_str_eq(t, "AQADBacCAQ==");
	free(t);
	hll_fini(&h);
}
END_TEST

/* A dense sketch: one register set, the rest zero runs. */
START_TEST(test_dense_bytes)
{
	struct hll h;
	size_t len;
	uint8_t *bin;

	hll_init(&h);
	add_keys(&h, 3, 1025);
	ck_assert_ptr_nonnull(h.regs);
	memset(h.regs, 0, HLL_REGS);
	h.regs[0] = 3;
	bin = encode(&h, &len);
	/* 2 + 1 literal + ceil(32767 / 192) = 171 runs */
	ck_assert_uint_eq(len, 2 + 1 + 171);
	ck_assert_uint_eq(bin[1], HLL_CODEC_DENSE);
	ck_assert_uint_eq(bin[2], 3);
	ck_assert_uint_eq(bin[3], 255);
	free(bin);
	round_trip(&h);
	/* All registers at the largest rank: one byte each. */
	memset(h.regs, 50, HLL_REGS);
	bin = encode(&h, &len);
	ck_assert_uint_eq(len, 2 + HLL_REGS);
	free(bin);
	round_trip(&h);
	hll_fini(&h);
}
END_TEST

/* Every strict prefix is truncated, in binary and in base64. */
static void
prefixes(const struct hll *h)
{
	struct hll d;
	size_t len, i;
	uint8_t *bin = encode(h, &len), *p;
	char *text = hll_to_text(h), *q;

	for (i = 0; i < len; i++) {
		p = malloc(i + 1);
		memcpy(p, bin, i);
		ck_assert_int_eq(hll_decode(p, i, &d), HLL_CODEC_TRUNCATED);
		ck_assert_ptr_null(d.set);
		ck_assert_ptr_null(d.regs);
		free(p);
	}
	for (i = 0; i < strlen(text); i++) {
		q = malloc(i + 1);
		memcpy(q, text, i);
		ck_assert_int_eq(hll_from_text(q, i, &d), HLL_CODEC_TRUNCATED);
		free(q);
	}
	free(bin);
	free(text);
}

START_TEST(test_prefixes)
{
	struct hll h;

	hll_init(&h);
	prefixes(&h);
	add_keys(&h, 4, 40);
	prefixes(&h);
	hll_fini(&h);
	hll_init(&h);
	add_keys(&h, 5, 1500);
	prefixes(&h);
	hll_fini(&h);
}
END_TEST

/* Each byte replaced by several values: never a crash or a leak. */
static void
corrupt(const struct hll *h)
{
	static const uint8_t vals[] = { 0x00, 0xff, 0x80, 0x7f, 0x40, 0x33,
	    0x01 };
	struct hll d;
	size_t len, i, k, b;
	uint8_t *bin = encode(h, &len), *p;
	int ok = 0;

	for (i = 0; i < len; i++) {
		for (k = 0; k < sizeof(vals) + 8; k++) {
			p = malloc(len);
			memcpy(p, bin, len);
			if (k < sizeof(vals))
				p[i] = vals[k];
			else {
				b = k - sizeof(vals);
				p[i] ^= (uint8_t)(1u << b);
			}
			if (hll_decode(p, len, &d) == HLL_CODEC_OK) {
				ok++;
				hll_fini(&d);
			}
			free(p);
		}
	}
	ck_assert_int_gt(ok, 0);	/* some changes are still valid */
	free(bin);
}

START_TEST(test_corrupt)
{
	struct hll h;

	hll_init(&h);
	add_keys(&h, 6, 30);
	corrupt(&h);
	hll_fini(&h);
	hll_init(&h);
	add_keys(&h, 7, 1100);
	corrupt(&h);
	hll_fini(&h);
}
END_TEST

static enum hll_codec_result
dec(const uint8_t *b, size_t n)
{
	struct hll d;
	enum hll_codec_result rc;
	uint8_t *p = malloc(n + 1);

	memcpy(p, b, n);
	rc = hll_decode(p, n, &d);
	hll_fini(&d);
	free(p);
	return rc;
}

START_TEST(test_malformed)
{
	static const uint8_t version[] = { 2, 0, 0 };
	static const uint8_t kind[] = { 1, 2, 0 };
	static const uint8_t trailing[] = { 1, 0, 0, 0 };
	static const uint8_t overlong[] = { 1, 0, 0x81, 0x00, 5 };
	static const uint8_t toomany[] = { 1, 0, 0x81, 0x08 };	/* 1025 */
	static const uint8_t same[] = { 1, 0, 2, 5, 0 };
	static const uint8_t wrap[] = { 1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x01, 1 };
	static const uint8_t big[] = { 1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x02 };
	static const uint8_t rank[] = { 1, 1, 52 };
	static const uint8_t zero[] = { 1, 1, 0 };
	static const uint8_t shortrun[] = { 1, 1, 64, 64 };
	static const uint8_t ok[] = { 1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x01 };

	ck_assert_int_eq(dec(version, sizeof(version)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(kind, sizeof(kind)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(trailing, sizeof(trailing)),
	    HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(overlong, sizeof(overlong)),
	    HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(toomany, sizeof(toomany)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(same, sizeof(same)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(wrap, sizeof(wrap)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(big, sizeof(big)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(rank, sizeof(rank)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(zero, sizeof(zero)), HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(shortrun, sizeof(shortrun)),
	    HLL_CODEC_MALFORMED);
	ck_assert_int_eq(dec(ok, sizeof(ok)), HLL_CODEC_OK);
}
END_TEST

START_TEST(test_base64_strict)
{
	static const char *bad[] = { "AQA=A===", "AQ=A", "AQA*", "AQ==AQAA",
	    "AQB=", "AQADBacCAR==" };
	static const char *trunc[] = { "A", "AQ", "AQA", "AQADBacCAQ=" };
	struct hll d;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(hll_from_text(bad[i], strlen(bad[i]), &d) ==
		    HLL_CODEC_MALFORMED, "%s", bad[i]);
		hll_fini(&d);
	}
	for (i = 0; i < sizeof(trunc) / sizeof(trunc[0]); i++) {
		ck_assert_msg(hll_from_text(trunc[i], strlen(trunc[i]), &d) ==
		    HLL_CODEC_TRUNCATED, "%s", trunc[i]);
		hll_fini(&d);
	}
	/* An embedded NUL is not base64. */
	ck_assert_int_eq(hll_from_text("AQ\0A", 4, &d), HLL_CODEC_MALFORMED);
	ck_assert_str_eq(hll_codec_strerror(HLL_CODEC_TRUNCATED), "truncated");
}
END_TEST

/* Decoded sketches of two halves merge into the sketch of the whole. */
START_TEST(test_merge_decoded)
{
	struct hll a, b, all, da, db;
	char *ta, *tb;

	hll_init(&a);
	hll_init(&b);
	hll_init(&all);
	add_keys(&a, 9, 700);
	add_keys(&all, 9, 700);
	add_keys(&b, 10, 600);
	add_keys(&b, 9, 100);	/* 100 clients in both */
	add_keys(&all, 10, 600);
	ta = hll_to_text(&a);
	tb = hll_to_text(&b);
	ck_assert_int_eq(hll_from_text(ta, strlen(ta), &da), HLL_CODEC_OK);
	ck_assert_int_eq(hll_from_text(tb, strlen(tb), &db), HLL_CODEC_OK);
	ck_assert_int_eq(hll_merge(&da, &db), 0);
	assert_same(&da, &all);
	ck_assert_uint_eq(hll_count(&da), hll_count(&all));
	free(ta);
	free(tb);
	hll_fini(&a);
	hll_fini(&b);
	hll_fini(&all);
	hll_fini(&da);
	hll_fini(&db);
}
END_TEST

static Suite *
hll_codec_suite(void)
{
	Suite *s = suite_create("hll_codec");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_extremes);
	tcase_add_test(tc, test_documented);
	tcase_add_test(tc, test_dense_bytes);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_base64_strict);
	tcase_add_test(tc, test_merge_decoded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hll_codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_hll.c - exact range, crossover, estimator error, merge.
 *
 * Hashes are hll_mix64 of distinct 64-bit keys: the mixer is a bijection,
 * so distinct keys give distinct hashes and "n keys" means exactly n
 * distinct hashes.  Keys for seed s are (s << 40) + i.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"

static uint64_t
key_hash(uint64_t seed, uint64_t i)
{
	return hll_mix64((seed << 40) + i);
}

/*
 * Add keys [from, to) of seed.  One assertion per range: every Check
 * assertion writes to a pipe in fork mode, far slower than an add.
 */
static void
add_range(struct hll *h, uint64_t seed, uint64_t from, uint64_t to)
{
	uint64_t	i;
	int		rc = 0;

	for (i = from; i < to; i++)
		rc |= hll_add(h, key_hash(seed, i));
	ck_assert_int_eq(rc, 0);
}

static double
rel_err(uint64_t est, uint64_t n)
{
	return fabs((double)est - (double)n) / (double)n;
}

/* Same state: both exact with equal sets, or both dense, equal registers. */
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

START_TEST(test_empty)
{
	struct hll h;

	hll_init(&h);
	ck_assert_uint_eq(hll_count(&h), 0);
	ck_assert_uint_eq(hll_bytes(&h), 0);
	hll_fini(&h);
	ck_assert_ptr_null(h.set);
	ck_assert_ptr_null(h.regs);
	/* fini twice is harmless */
	hll_fini(&h);
}
END_TEST

/* Every count 0..HLL_EXACT_MAX is exact, duplicates included. */
START_TEST(test_exact_with_duplicates)
{
	struct hll	h;
	uint64_t	i, seed = (uint64_t)_i;

	hll_init(&h);
	for (i = 0; i < HLL_EXACT_MAX; i++) {
		ck_assert_int_eq(hll_add(&h, key_hash(seed, i)), 0);
		/* re-add this one and an earlier one */
		ck_assert_int_eq(hll_add(&h, key_hash(seed, i)), 0);
		ck_assert_int_eq(hll_add(&h, key_hash(seed, i / 2)), 0);
		ck_assert_uint_eq(hll_count(&h), i + 1);
		ck_assert_ptr_null(h.regs);
	}
	for (i = 1; i < h.n; i++)
		ck_assert(h.set[i - 1] < h.set[i]);
	hll_fini(&h);
}
END_TEST

/* Hash values at the edges: 0, all ones, register index 0 and last. */
START_TEST(test_exact_edge_hashes)
{
	struct hll h;

	hll_init(&h);
	ck_assert_int_eq(hll_add(&h, 0), 0);
	ck_assert_int_eq(hll_add(&h, UINT64_MAX), 0);
	ck_assert_int_eq(hll_add(&h, 0), 0);
	ck_assert_int_eq(hll_add(&h, 1), 0);
	ck_assert_int_eq(hll_add(&h, UINT64_MAX), 0);
	ck_assert_uint_eq(hll_count(&h), 3);
	ck_assert(h.set[0] == 0 && h.set[1] == 1 && h.set[2] == UINT64_MAX);
	hll_fini(&h);
}
END_TEST

/* Array grows 8, 16, ... 1024, then is replaced by the registers. */
START_TEST(test_growth_and_bytes)
{
	struct hll	h;
	uint64_t	i;
	uint32_t	cap = 0;
	unsigned	grows = 0;

	hll_init(&h);
	for (i = 0; i < HLL_EXACT_MAX; i++) {
		ck_assert_int_eq(hll_add(&h, key_hash(7, i)), 0);
		if (h.cap != cap) {
			ck_assert_uint_eq(h.cap, cap == 0 ? 8 : cap * 2);
			cap = h.cap;
			grows++;
		}
		ck_assert_uint_eq(hll_bytes(&h), h.cap * sizeof(uint64_t));
	}
	ck_assert_uint_eq(grows, 8);	/* 8 .. 1024 */
	ck_assert_uint_eq(h.cap, HLL_EXACT_MAX);
	ck_assert_int_eq(hll_add(&h, key_hash(7, i)), 0);
	ck_assert_ptr_nonnull(h.regs);
	ck_assert_ptr_null(h.set);
	ck_assert_uint_eq(hll_bytes(&h), HLL_REGS);
	hll_fini(&h);
}
END_TEST

/* 1024 is exact; 1025 turns dense and the count stays close and >= 1025. */
START_TEST(test_crossover)
{
	struct hll	h;
	uint64_t	seed = (uint64_t)_i, c;

	hll_init(&h);
	add_range(&h, seed, 0, HLL_EXACT_MAX);
	ck_assert_ptr_null(h.regs);
	ck_assert_uint_eq(hll_count(&h), HLL_EXACT_MAX);
	add_range(&h, seed, 0, HLL_EXACT_MAX);	/* duplicates stay exact */
	ck_assert_ptr_null(h.regs);
	add_range(&h, seed, HLL_EXACT_MAX, HLL_EXACT_MAX + 1);
	ck_assert_ptr_nonnull(h.regs);
	c = hll_count(&h);
	ck_assert_uint_ge(c, HLL_EXACT_MAX + 1);
	ck_assert(rel_err(c, HLL_EXACT_MAX + 1) < 0.02);
	/* and onward: never far from the truth while growing */
	add_range(&h, seed, HLL_EXACT_MAX + 1, 1500);
	ck_assert(rel_err(hll_count(&h), 1500) < 0.02);
	hll_fini(&h);
}
END_TEST

/*
 * Relative standard error is about 1.04/sqrt(2^14) = 0.81 %; each estimate
 * must be within 2 % (about 2.5 sigma: seeds are fixed, so this is
 * deterministic) and the RMS over seeds within 1.2 % (no gross bias or
 * inflated variance).
 */
#define NSEEDS 12

static void
check_error(uint64_t n, unsigned nseeds)
{
	struct hll	h;
	double		e, sq = 0, worst = 0;
	unsigned	s;

	for (s = 0; s < nseeds; s++) {
		hll_init(&h);
		add_range(&h, 100 + s, 0, n);
		e = rel_err(hll_count(&h), n);
		if (e > worst)
			worst = e;
		sq += e * e;
		ck_assert_msg(e < 0.02, "n=%llu seed=%u count=%llu err=%.4f",
		    (unsigned long long)n, s,
		    (unsigned long long)hll_count(&h), e);
		hll_fini(&h);
	}
	ck_assert_msg(sqrt(sq / nseeds) < 0.012, "n=%llu rms=%.4f",
	    (unsigned long long)n, sqrt(sq / nseeds));
}

START_TEST(test_error_2k)
{
	check_error(2000, NSEEDS);
}
END_TEST

START_TEST(test_error_10k)
{
	check_error(10000, NSEEDS);
}
END_TEST

START_TEST(test_error_100k)
{
	check_error(100000, NSEEDS);
}
END_TEST

START_TEST(test_error_1m)
{
	check_error(1000000, NSEEDS);
}
END_TEST

START_TEST(test_error_10m)
{
	check_error(10000000, 2);
}
END_TEST

/* Sketch of the union, built directly from all hashes. */
static void
build_union(struct hll *u, uint64_t a0, uint64_t a1, uint64_t b0,
    uint64_t b1)
{
	hll_init(u);
	add_range(u, 1, a0, a1);
	add_range(u, 1, b0, b1);
}

/*
 * Merge A = [a0, a1) and B = [b0, b1) both ways and compare with the
 * sketch of the union: identical state, so identical counts.
 */
static void
check_merge(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	struct hll a, b, a2, u;

	hll_init(&a);
	hll_init(&b);
	hll_init(&a2);
	add_range(&a, 1, a0, a1);
	add_range(&a2, 1, a0, a1);
	add_range(&b, 1, b0, b1);
	build_union(&u, a0, a1, b0, b1);

	ck_assert_int_eq(hll_merge(&a, &b), 0);		/* a |= b */
	assert_same(&a, &u);
	ck_assert_uint_eq(hll_count(&a), hll_count(&u));
	ck_assert_int_eq(hll_merge(&b, &a2), 0);	/* b |= a */
	assert_same(&b, &u);
	/* merging again changes nothing */
	ck_assert_int_eq(hll_merge(&a, &b), 0);
	assert_same(&a, &u);
	ck_assert_int_eq(hll_merge(&a, &a), 0);
	assert_same(&a, &u);

	hll_fini(&a);
	hll_fini(&b);
	hll_fini(&a2);
	hll_fini(&u);
}

START_TEST(test_merge_sparse_disjoint)
{
	check_merge(0, 300, 300, 700);
}
END_TEST

START_TEST(test_merge_sparse_overlap)
{
	check_merge(0, 600, 400, 1000);
}
END_TEST

START_TEST(test_merge_sparse_exactly_max)
{
	struct hll a, b;

	check_merge(0, 600, 100, HLL_EXACT_MAX);
	hll_init(&a);
	hll_init(&b);
	add_range(&a, 1, 0, 600);
	add_range(&b, 1, 100, HLL_EXACT_MAX);
	ck_assert_int_eq(hll_merge(&a, &b), 0);
	ck_assert_ptr_null(a.regs);
	ck_assert_uint_eq(hll_count(&a), HLL_EXACT_MAX);
	hll_fini(&a);
	hll_fini(&b);
}
END_TEST

/* Two exact sets whose union passes HLL_EXACT_MAX become dense. */
START_TEST(test_merge_sparse_to_dense)
{
	check_merge(0, 700, 500, 1200);
	check_merge(0, 1000, 1000, 2000);
}
END_TEST

START_TEST(test_merge_sparse_into_dense)
{
	check_merge(0, 50000, 49900, 50200);
	check_merge(0, 50000, 60000, 60500);
}
END_TEST

START_TEST(test_merge_dense_into_sparse)
{
	check_merge(0, 500, 200, 40000);
	check_merge(0, 1, 1, 5000);
}
END_TEST

START_TEST(test_merge_dense_dense)
{
	check_merge(0, 80000, 50000, 200000);
	check_merge(0, 30000, 30000, 90000);
}
END_TEST

START_TEST(test_merge_empty)
{
	check_merge(0, 0, 0, 0);
	check_merge(0, 0, 0, 10);
	check_merge(0, 10, 0, 0);
	check_merge(0, 0, 0, 5000);
}
END_TEST

START_TEST(test_merge_estimate)
{
	struct hll a, b;

	hll_init(&a);
	hll_init(&b);
	add_range(&a, 3, 0, 300000);
	add_range(&b, 3, 200000, 500000);
	ck_assert_int_eq(hll_merge(&a, &b), 0);
	ck_assert(rel_err(hll_count(&a), 500000) < 0.02);
	hll_fini(&a);
	hll_fini(&b);
}
END_TEST

/* Adding in another order, or merging pieces, gives the same state. */
START_TEST(test_order_independence)
{
	static const uint64_t	ns[] = { 100, HLL_EXACT_MAX, 3000, 70000 };
	struct hll		fwd, rev, parts, piece;
	uint64_t		n, i, k;
	size_t			t;

	for (t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
		n = ns[t];
		hll_init(&fwd);
		hll_init(&rev);
		hll_init(&parts);
		add_range(&fwd, 5, 0, n);
		for (i = n; i > 0; i--)
			ck_assert_int_eq(hll_add(&rev, key_hash(5, i - 1)),
			    0);
		/* interleaved pieces: key i goes to piece i % 7 */
		for (k = 0; k < 7; k++) {
			hll_init(&piece);
			for (i = k; i < n; i += 7)
				ck_assert_int_eq(hll_add(&piece,
				    key_hash(5, i)), 0);
			ck_assert_int_eq(hll_merge(&parts, &piece), 0);
			hll_fini(&piece);
		}
		assert_same(&fwd, &rev);
		assert_same(&fwd, &parts);
		ck_assert_uint_eq(hll_count(&fwd), hll_count(&parts));
		if (n <= HLL_EXACT_MAX)
			ck_assert_uint_eq(hll_count(&fwd), n);
		hll_fini(&fwd);
		hll_fini(&rev);
		hll_fini(&parts);
	}
}
END_TEST

/* Register rank: a hash whose low 50 bits are zero gets the top rank. */
START_TEST(test_register_rank)
{
	struct hll	h;
	uint64_t	i;
	const uint64_t	top = (uint64_t)(HLL_REGS - 1) << (64 - HLL_P);

	hll_init(&h);
	for (i = 0; i <= HLL_EXACT_MAX; i++)
		ck_assert_int_eq(hll_add(&h, (i + 1) << 20), 0);
	ck_assert_ptr_nonnull(h.regs);
	ck_assert_int_eq(hll_add(&h, top), 0);
	ck_assert_uint_eq(h.regs[HLL_REGS - 1], 64 - HLL_P + 1);
	ck_assert_int_eq(hll_add(&h, 1), 0);	/* index 0, rank 50 */
	ck_assert_uint_eq(h.regs[0], 64 - HLL_P);
	/* index 0, first remaining bit set: rank 1, register keeps 50 */
	ck_assert_int_eq(hll_add(&h, (uint64_t)1 << (63 - HLL_P)), 0);
	ck_assert_uint_eq(h.regs[0], 64 - HLL_P);
	hll_fini(&h);
}
END_TEST

static Suite *
hll_suite(void)
{
	Suite	*s = suite_create("hll");
	TCase	*tc = tcase_create("exact");
	TCase	*te = tcase_create("error");
	TCase	*tm = tcase_create("merge");

	tcase_add_test(tc, test_empty);
	tcase_add_loop_test(tc, test_exact_with_duplicates, 0, 3);
	tcase_add_test(tc, test_exact_edge_hashes);
	tcase_add_test(tc, test_growth_and_bytes);
	tcase_add_loop_test(tc, test_crossover, 0, 20);
	tcase_add_test(tc, test_register_rank);
	suite_add_tcase(s, tc);

	tcase_set_timeout(te, 120);
	tcase_add_test(te, test_error_2k);
	tcase_add_test(te, test_error_10k);
	tcase_add_test(te, test_error_100k);
	tcase_add_test(te, test_error_1m);
	tcase_add_test(te, test_error_10m);
	suite_add_tcase(s, te);

	tcase_add_test(tm, test_merge_sparse_disjoint);
	tcase_add_test(tm, test_merge_sparse_overlap);
	tcase_add_test(tm, test_merge_sparse_exactly_max);
	tcase_add_test(tm, test_merge_sparse_to_dense);
	tcase_add_test(tm, test_merge_sparse_into_dense);
	tcase_add_test(tm, test_merge_dense_into_sparse);
	tcase_add_test(tm, test_merge_dense_dense);
	tcase_add_test(tm, test_merge_empty);
	tcase_add_test(tm, test_merge_estimate);
	tcase_add_test(tm, test_order_independence);
	suite_add_tcase(s, tm);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hll_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

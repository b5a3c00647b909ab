/*
 * test_truth.c - the simulator's truth: when a head's bytes have arrived
 * (truth_stream) and the per-minute rows (truth_add, truth_close).
 *
 * truth_stream_done is checked against a per-byte model: each byte's
 * first arrival, and a head seen when every byte from the anchor through
 * its end has come; random arrival sets are compared with it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sim/truth.h"

static void
arrive(struct truth_stream *ts, int64_t t, uint64_t from, uint64_t to)
{
	ck_assert_int_eq(truth_stream_arrive(ts, t, from, (size_t)(to - from)),
	    0);
}

/* The completion time of [anchor, end), or -1 when not all arrived. */
static int64_t
done_at(struct truth_stream *ts, uint64_t end)
{
	int64_t t = -12345;

	if (!truth_stream_done(ts, end, &t)) {
		ck_assert_int_eq(t, -12345);	/* untouched */
		return -1;
	}
	return t;
}

START_TEST(in_order)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	arrive(&ts, 100, 0, 10);
	arrive(&ts, 200, 10, 20);
	ck_assert_int_eq(done_at(&ts, 1), 100);
	ck_assert_int_eq(done_at(&ts, 10), 100);
	ck_assert_int_eq(done_at(&ts, 11), 200);
	ck_assert_int_eq(done_at(&ts, 20), 200);
	ck_assert_int_eq(done_at(&ts, 21), -1);
	ck_assert_int_eq(done_at(&ts, 0), -1);	/* empty: never seen */
	truth_stream_fini(&ts);
}
END_TEST

/* Second half first: a head in the later bytes completes with the first. */
START_TEST(reordered_pair)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	arrive(&ts, 100, 10, 20);
	ck_assert_int_eq(done_at(&ts, 15), -1);
	arrive(&ts, 250, 0, 10);
	ck_assert_int_eq(done_at(&ts, 5), 250);
	ck_assert_int_eq(done_at(&ts, 15), 250);
	ck_assert_int_eq(done_at(&ts, 20), 250);
	truth_stream_fini(&ts);
}
END_TEST

/* Recorded out of time order (a held segment written late). */
START_TEST(recorded_unsorted)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	arrive(&ts, 300, 0, 10);
	arrive(&ts, 100, 10, 20);
	arrive(&ts, 200, 20, 30);
	ck_assert_int_eq(done_at(&ts, 30), 300);
	/* A later, earlier-timed copy of the first bytes takes over. */
	arrive(&ts, 50, 0, 10);
	ck_assert_int_eq(done_at(&ts, 10), 50);
	ck_assert_int_eq(done_at(&ts, 20), 100);
	ck_assert_int_eq(done_at(&ts, 30), 200);
	truth_stream_fini(&ts);
}
END_TEST

START_TEST(copies_and_overlaps)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	arrive(&ts, 100, 0, 10);
	arrive(&ts, 400, 0, 10);	/* a retransmission changes nothing */
	arrive(&ts, 150, 5, 20);	/* overlapping tail plus new bytes */
	arrive(&ts, 160, 2, 8);		/* inside what came */
	ck_assert_int_eq(done_at(&ts, 10), 100);
	ck_assert_int_eq(done_at(&ts, 11), 150);
	ck_assert_int_eq(done_at(&ts, 20), 150);
	truth_stream_fini(&ts);
}
END_TEST

/* A chain of held segments drains when the first byte comes. */
START_TEST(drain_chain)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	arrive(&ts, 1, 30, 40);
	arrive(&ts, 2, 20, 30);
	arrive(&ts, 3, 8, 12);
	arrive(&ts, 4, 12, 21);
	ck_assert_int_eq(done_at(&ts, 9), -1);
	arrive(&ts, 5, 0, 9);
	ck_assert_int_eq(done_at(&ts, 1), 5);
	ck_assert_int_eq(done_at(&ts, 40), 5);
	ck_assert_int_eq(done_at(&ts, 41), -1);
	truth_stream_fini(&ts);
}
END_TEST

START_TEST(gap_never_filled)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	arrive(&ts, 1, 0, 10);
	arrive(&ts, 2, 11, 30);
	ck_assert_int_eq(done_at(&ts, 10), 1);
	ck_assert_int_eq(done_at(&ts, 11), -1);
	ck_assert_int_eq(done_at(&ts, 30), -1);
	truth_stream_fini(&ts);
}
END_TEST

/* Mid-stream: heads before the first captured byte are never seen. */
START_TEST(mid_stream_anchor)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	arrive(&ts, 1, 0, 50);
	truth_stream_reset(&ts, 1000);
	ck_assert_int_eq(done_at(&ts, 40), -1);
	arrive(&ts, 7, 1000, 1100);
	ck_assert_int_eq(done_at(&ts, 1000), -1);
	ck_assert_int_eq(done_at(&ts, 999), -1);
	ck_assert_int_eq(done_at(&ts, 1001), 7);
	ck_assert_int_eq(done_at(&ts, 1100), 7);
	arrive(&ts, 9, 1100, 1200);
	ck_assert_int_eq(done_at(&ts, 1101), 9);
	truth_stream_fini(&ts);
}
END_TEST

START_TEST(zero_length_ignored)
{
	struct truth_stream ts;

	truth_stream_init(&ts);
	truth_stream_reset(&ts, 0);
	ck_assert_int_eq(truth_stream_arrive(&ts, 1, 0, 0), 0);
	ck_assert_uint_eq(ts.n, 0);
	arrive(&ts, 2, 0, 1);
	ck_assert_int_eq(done_at(&ts, 1), 2);
	truth_stream_fini(&ts);
}
END_TEST

static uint64_t
lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005u + 1442695040888963407u;
	return *x >> 33;
}

#define MODEL_N	96

/* Random arrivals against the per-byte model, many capacities grown. */
START_TEST(random_vs_model)
{
	struct truth_stream ts;
	int64_t first[MODEL_N], want, t;
	uint64_t x = 42, anchor, from, to, end, b;
	unsigned round, i, n;

	truth_stream_init(&ts);
	for (round = 0; round < 3000; round++) {
		anchor = lcg(&x) % 4 == 0 ? lcg(&x) % 20 : 0;
		truth_stream_reset(&ts, anchor);
		for (b = 0; b < MODEL_N; b++)
			first[b] = -1;
		n = 1 + (unsigned)(lcg(&x) % 150);
		for (i = 0; i < n; i++) {
			from = lcg(&x) % MODEL_N;
			to = from + 1 + lcg(&x) % 24;
			if (to > MODEL_N)
				to = MODEL_N;
			t = (int64_t)(lcg(&x) % 60);
			arrive(&ts, t, from, to);
			for (b = from; b < to; b++)
				if (first[b] < 0 || t < first[b])
					first[b] = t;
		}
		for (end = 0; end <= MODEL_N; end++) {
			want = end <= anchor ? -1 : 0;
			for (b = anchor; b < end && want >= 0; b++) {
				if (first[b] < 0)
					want = -1;
				else if (first[b] > want)
					want = first[b];
			}
			ck_assert_msg(done_at(&ts, end) == want,
			    "round %u end %llu: got %lld want %lld", round,
			    (unsigned long long)end,
			    (long long)done_at(&ts, end), (long long)want);
		}
	}
	truth_stream_fini(&ts);
}
END_TEST

static char *
read_all(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
v4(struct ip_addr *a, uint8_t last)
{
	const uint8_t b[4] = { 192, 0, 2, last };

	addr_from_v4(a, b);
}

/* Rows: minute floor, classes in strcmp order, distinct clients. */
START_TEST(rows)
{
	static const char *const cls[] = { "zeta", "alpha" };
	char path[] = "/tmp/test_truth.XXXXXX", err[256];
	struct truth *t;
	struct truth_stats st;
	struct ip_addr a, b;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	v4(&a, 1);
	v4(&b, 2);
	t = truth_open(path, cls, 2, err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	/* 2016-11-09T05:00:59.999999Z and 05:01:00Z */
	ck_assert_int_eq(truth_add(t, 1478667659999999, 0, "US", false, &a),
	    0);
	ck_assert_int_eq(truth_add(t, 1478667600000000, 0, "US", true, &a),
	    0);
	ck_assert_int_eq(truth_add(t, 1478667630000000, 0, "US", false, &b),
	    0);
	ck_assert_int_eq(truth_add(t, 1478667640000000, 1, "CA", false, &b),
	    0);
	ck_assert_int_eq(truth_add(t, 1478667660000000, 1, "CA", false, &a),
	    0);
	truth_get_stats(t, &st);
	ck_assert_uint_eq(st.requests, 4);
	ck_assert_uint_eq(st.handshakes, 1);
	ck_assert_int_eq(truth_close(t, err, sizeof(err)), 0);
	ck_assert_str_eq(read_all(path),
	    "minute_utc,class,country,requests,tls_handshakes,clients\n"
	    "2016-11-09T05:00:00Z,alpha,CA,1,0,1\n"
	    "2016-11-09T05:00:00Z,zeta,US,2,1,2\n"
	    "2016-11-09T05:01:00Z,alpha,CA,1,0,1\n");
	unlink(path);
}
END_TEST

static Suite *
truth_suite(void)
{
	Suite *s = suite_create("truth");
	TCase *tc = tcase_create("stream");

	tcase_add_test(tc, in_order);
	tcase_add_test(tc, reordered_pair);
	tcase_add_test(tc, recorded_unsorted);
	tcase_add_test(tc, copies_and_overlaps);
	tcase_add_test(tc, drain_chain);
	tcase_add_test(tc, gap_never_filled);
	tcase_add_test(tc, mid_stream_anchor);
	tcase_add_test(tc, zero_length_ignored);
	tcase_add_test(tc, random_vs_model);
	suite_add_tcase(s, tc);
	tc = tcase_create("rows");
	tcase_add_test(tc, rows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(truth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

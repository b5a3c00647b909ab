/*
 * test_agg.c - minutes by packet time: closing with grace, late hits,
 * sorting by class name then country, distinct clients, bounded slots.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

#define MIN_US	INT64_C(60000000)
#define T0	(INT64_C(1478631600) * 1000000)	/* 2016-11-08T19:00:00Z */

static const char classes[3][CONFIG_CLASS_MAX + 1] = {
	"immigrate", "eta", "other",
};

struct out {
	int64_t		minute[32];
	size_t		nrows[32];
	char		first[32][64];
	uint64_t	req0[32], cli0[32];
	size_t		n;
	uint64_t	total_req;
};

static void
emit(void *arg, const struct agg_minute *m)
{
	struct out *o = arg;
	size_t i;

	ck_assert_uint_lt(o->n, 32);
	o->minute[o->n] = m->minute;
	o->nrows[o->n] = m->nrows;
	if (m->nrows > 0) {
		strcpy(o->first[o->n], m->rows[0].cls_name);
		strcat(o->first[o->n], "/");
		strcat(o->first[o->n], m->rows[0].cc);
		o->req0[o->n] = m->rows[0].requests;
		o->cli0[o->n] = m->rows[0].clients;
	}
	for (i = 0; i < m->nrows; i++)
		o->total_req += m->rows[i].requests;
	/* rows sorted by class name then country */
	for (i = 1; i < m->nrows; i++) {
		int c = strcmp(m->rows[i - 1].cls_name, m->rows[i].cls_name);

		ck_assert(c < 0 || (c == 0 &&
		    strcmp(m->rows[i - 1].cc, m->rows[i].cc) < 0));
	}
	o->n++;
}

START_TEST(test_close_with_grace)
{
	struct agg *a = agg_new(classes, 3, 5);
	struct out o;
	struct agg_stats st;

	memset(&o, 0, sizeof(o));
	agg_hit(a, T0 + 1000, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_hit(a, T0 + 2000, 1, "MX", AGG_REQUEST, 2, emit, &o);
	agg_hit(a, T0 + 3000, 1, "GB", AGG_TLS, 2, emit, &o);
	agg_hit(a, T0 + 4000, 1, "GB", AGG_REQUEST, 3, emit, &o);
	agg_hit(a, T0 + 5000, 1, "GB", AGG_REQUEST, 3, emit, &o);
	/* next minute, still within grace: minute 0 stays open */
	agg_hit(a, T0 + MIN_US + 4000000, 2, "ZZ", AGG_REQUEST, 9, emit, &o);
	ck_assert_uint_eq(o.n, 0);
	/* a hit for minute 0 inside grace still counts */
	agg_hit(a, T0 + 59000000, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_tick(a, T0 + MIN_US + 5000000, emit, &o);
	ck_assert_uint_eq(o.n, 1);
	ck_assert_int_eq(o.minute[0], T0 / 1000000);
	ck_assert_uint_eq(o.nrows[0], 3);
	ck_assert_str_eq(o.first[0], "eta/GB");
	ck_assert_uint_eq(o.req0[0], 2);
	ck_assert_uint_eq(o.cli0[0], 2);	/* clients 2 and 3 */
	/* now late */
	agg_hit(a, T0 + 1, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.late, 1);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_uint_eq(o.total_req, 6);
	agg_free(a);
}
END_TEST

/*
 * agg_set_empty_minutes: quiet minutes go out empty, in order among the
 * others, from the minute of the first time seen; none when time jumps
 * over more than the maximum at once, none across a clock reset; off,
 * nothing but minutes with hits.
 */
/*
 * A flush at the end of input: the quiet minutes after the last open one,
 * up to the minute of the latest time seen, go out too (that minute is
 * over: nothing more will come), and no later ones; twice is once; with
 * empty minutes off, or nothing seen, nothing.
 */
START_TEST(test_flush_quiet_tail)
{
	struct agg *a = agg_new(classes, 3, 5);
	struct agg_stats st;
	struct out o;
	int64_t m0 = T0 / 1000000;

	memset(&o, 0, sizeof(o));
	agg_set_empty_minutes(a, 10);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 0);		/* nothing seen */
	agg_hit(a, T0 + 1000, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_tick(a, T0 + MIN_US + 2000000, emit, &o);
	ck_assert_uint_eq(o.n, 0);		/* minute 0 within grace */
	agg_tick(a, T0 + 2 * MIN_US + 59000000, emit, &o);
	ck_assert_uint_eq(o.n, 2);		/* 0 US, 1 empty */
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 3);		/* 2 empty: the last packet's */
	ck_assert_int_eq(o.minute[2], m0 + 2 * 60);
	ck_assert_uint_eq(o.nrows[2], 0);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 3);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.minutes_empty, 2);
	/* a hit in the flushed minute is late, not a second minute 2 */
	agg_hit(a, T0 + 2 * MIN_US + 59500000, 0, "US", AGG_REQUEST, 1, emit,
	    &o);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 3);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.late, 1);
	agg_free(a);

	/*
	 * The last packet sends the clock back (a reset) and has no hit:
	 * its minute gets its marker all the same.
	 */
	a = agg_new(classes, 3, 5);
	agg_set_empty_minutes(a, 10);
	memset(&o, 0, sizeof(o));
	agg_hit(a, T0 + 1000, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_tick(a, T0 + 20 * MIN_US, emit, &o);
	agg_tick(a, T0 - 4 * MIN_US - 30000000, emit, &o);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.clock_resets, 1);
	/* 0 US; 1..18 jumped over (> 10); the reset flushed 19, 20 */
	ck_assert_uint_eq(o.n, 3);
	ck_assert_int_eq(o.minute[2], m0 + 20 * 60);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 4);
	ck_assert_int_eq(o.minute[3], m0 - 5 * 60);
	ck_assert_uint_eq(o.nrows[3], 0);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 4);
	agg_free(a);

	/* off: the minute with hits only */
	a = agg_new(classes, 3, 5);
	memset(&o, 0, sizeof(o));
	agg_hit(a, T0 + 1000, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_tick(a, T0 + 2 * MIN_US + 59000000, emit, &o);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 1);
	agg_free(a);
}
END_TEST

START_TEST(test_empty_minutes)
{
	struct agg *a = agg_new(classes, 3, 5);
	struct agg_stats st;
	struct out o;
	int64_t m0 = T0 / 1000000;
	size_t i;

	memset(&o, 0, sizeof(o));
	agg_set_empty_minutes(a, 10);
	/* first time seen: 20 s into minute 0, no hit until minute 1 */
	agg_tick(a, T0 + 20000000, emit, &o);
	agg_hit(a, T0 + MIN_US + 1000, 1, "FR", AGG_REQUEST, 1, emit, &o);
	agg_hit(a, T0 + 4 * MIN_US, 0, "US", AGG_REQUEST, 2, emit, &o);
	ck_assert_uint_eq(o.n, 3);	/* 0 empty, 1, 2 empty */
	agg_tick(a, T0 + 7 * MIN_US + 5000000, emit, &o);
	/* 0 empty, 1 FR, 2, 3 empty, 4 US, 5, 6 empty */
	ck_assert_uint_eq(o.n, 7);
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(o.minute[i], m0 + (int64_t)i * 60);
		ck_assert_uint_eq(o.nrows[i], i == 1 || i == 4 ? 1 : 0);
	}
	ck_assert_str_eq(o.first[1], "eta/FR");
	ck_assert_str_eq(o.first[4], "immigrate/US");
	/* time jumps eleven minutes at once (> 10): no empties for those */
	agg_hit(a, T0 + 19 * MIN_US, 0, "CA", AGG_REQUEST, 3, emit, &o);
	ck_assert_uint_eq(o.n, 7);
	agg_tick(a, T0 + 20 * MIN_US + 5000000, emit, &o);
	ck_assert_uint_eq(o.n, 9);	/* 18 empty, 19 */
	ck_assert_int_eq(o.minute[7], m0 + 18 * 60);
	ck_assert_uint_eq(o.nrows[7], 0);
	ck_assert_int_eq(o.minute[8], m0 + 19 * 60);
	ck_assert_uint_eq(o.nrows[8], 1);
	/* a flush: empty minutes between open ones, none after */
	agg_hit(a, T0 + 21 * MIN_US, 0, "CA", AGG_REQUEST, 3, emit, &o);
	agg_hit(a, T0 + 23 * MIN_US + 1000000, 0, "CA", AGG_REQUEST, 3, emit,
	    &o);
	ck_assert_uint_eq(o.n, 11);	/* 20 empty, 21 */
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 13);	/* 22 empty, 23 */
	ck_assert_int_eq(o.minute[9], m0 + 20 * 60);
	ck_assert_uint_eq(o.nrows[9], 0);
	ck_assert_uint_eq(o.nrows[10], 1);
	ck_assert_int_eq(o.minute[11], m0 + 22 * 60);
	ck_assert_uint_eq(o.nrows[11], 0);
	ck_assert_int_eq(o.minute[12], m0 + 23 * 60);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.minutes_empty, 8);
	ck_assert_uint_eq(st.minutes_closed, 5);
	/* the clock goes back an hour: a new start, no empties before it */
	memset(&o, 0, sizeof(o));
	agg_hit(a, T0 - 60 * MIN_US + 30000000, 0, "CA", AGG_REQUEST, 3, emit,
	    &o);
	agg_tick(a, T0 - 57 * MIN_US + 5000000, emit, &o);
	ck_assert_uint_eq(o.n, 3);
	ck_assert_int_eq(o.minute[0], m0 - 60 * 60);
	ck_assert_uint_eq(o.nrows[0], 1);
	ck_assert_uint_eq(o.nrows[2], 0);
	agg_free(a);

	/* off (the default): the same hits give their minutes only */
	a = agg_new(classes, 3, 5);
	memset(&o, 0, sizeof(o));
	agg_tick(a, T0 + 20000000, emit, &o);
	agg_hit(a, T0 + MIN_US + 1000, 1, "FR", AGG_REQUEST, 1, emit, &o);
	agg_hit(a, T0 + 4 * MIN_US, 0, "US", AGG_REQUEST, 2, emit, &o);
	agg_tick(a, T0 + 7 * MIN_US + 5000000, emit, &o);
	ck_assert_uint_eq(o.n, 2);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.minutes_empty, 0);
	agg_free(a);
}
END_TEST

START_TEST(test_time_jumps_and_slots)
{
	struct agg *a = agg_new(classes, 3, 0);
	struct out o;
	int i;

	memset(&o, 0, sizeof(o));
	/* hits in 20 different future minutes, out of order within grace 0 */
	for (i = 0; i < 20; i++)
		agg_hit(a, T0 + i * MIN_US, 0, "CA", AGG_REQUEST,
		    (uint64_t)i, emit, &o);
	ck_assert_uint_eq(o.n, 19);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 20);
	for (i = 1; i < 20; i++)
		ck_assert_int_lt(o.minute[i - 1], o.minute[i]);
	ck_assert_uint_eq(o.total_req, 20);
	agg_free(a);
}
END_TEST

START_TEST(test_many_clients_and_bad_country)
{
	struct agg *a = agg_new(classes, 3, 5);
	struct out o;
	uint64_t i;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < 5000; i++)
		agg_hit(a, T0 + (int64_t)i, 1, "BR", AGG_REQUEST,
		    hll_mix64(i % 700), emit, &o);
	agg_hit(a, T0, 9, "b?", AGG_REQUEST, 1, emit, &o); /* clamped */
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 1);
	ck_assert_uint_eq(o.nrows[0], 2);
	ck_assert_str_eq(o.first[0], "eta/BR");
	ck_assert_uint_eq(o.req0[0], 5000);
	ck_assert_uint_eq(o.cli0[0], 700);
	agg_free(a);
}
END_TEST

START_TEST(test_negative_time)
{
	struct agg *a = agg_new(classes, 3, 5);
	struct out o;

	memset(&o, 0, sizeof(o));
	agg_hit(a, -1, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_flush(a, emit, &o);
	ck_assert_uint_eq(o.n, 1);
	ck_assert_int_eq(o.minute[0], -60);
	agg_free(a);
	ck_assert_ptr_null(agg_new(classes, 0, 5));
	ck_assert_ptr_null(agg_new(classes, 3, -1));
}
END_TEST

/* Captures joined end to end: time goes back years, nothing is lost. */
START_TEST(test_clock_reset)
{
	struct agg *a = agg_new(classes, 3, 5);
	struct agg_stats st;
	struct out o;

	memset(&o, 0, sizeof(o));
	agg_hit(a, T0 + 100 * MIN_US, 0, "US", AGG_REQUEST, 1, emit, &o);
	agg_hit(a, T0, 1, "MX", AGG_REQUEST, 2, emit, &o);
	ck_assert_uint_eq(o.n, 1);		/* the later minute, flushed */
	agg_hit(a, T0 + 1000, 1, "MX", AGG_TLS, 2, emit, &o);
	/* 9 minutes back is late, not a reset */
	agg_hit(a, T0 + 10 * MIN_US, 1, "MX", AGG_REQUEST, 2, emit, &o);
	agg_hit(a, T0 + MIN_US, 1, "MX", AGG_REQUEST, 2, emit, &o);
	agg_flush(a, emit, &o);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.clock_resets, 1);
	ck_assert_uint_eq(st.late, 1);
	ck_assert_uint_eq(o.total_req, 3);
	ck_assert_uint_eq(o.n, 3);
	agg_free(a);
}
END_TEST

static void
emit_count(void *arg, const struct agg_minute *m)
{
	uint64_t *capped_rows = arg;
	size_t i;

	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].clients == HLL_EXACT_MAX)
			(*capped_rows)++;
}

/* More large cells than the dense-sketch budget: bounded, counted. */
START_TEST(test_sketch_budget)
{
	struct agg *a = agg_new(classes, 3, 5);
	struct agg_stats st;
	uint64_t capped_rows = 0, h = 0;
	unsigned k, i;
	char cc[2];

	for (k = 0; k < AGG_DENSE_MAX + 2; k++) {
		cc[0] = (char)('A' + k % 26);
		cc[1] = (char)('A' + (k / 26) % 26);
		for (i = 0; i < HLL_EXACT_MAX + 1; i++)
			agg_hit(a, T0, k / 676, cc, AGG_REQUEST,
			    hll_mix64(++h), emit_count, &capped_rows);
	}
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.sketch_capped, 2);
	agg_flush(a, emit_count, &capped_rows);
	ck_assert_uint_eq(capped_rows, 2);
	agg_free(a);
}
END_TEST

/* Every row of every emitted minute, as "class/CC requests". */
struct rowlog {
	char		line[16][64];
	unsigned	cls[16];
	size_t		n;
};

static void
emit_log(void *arg, const struct agg_minute *m)
{
	struct rowlog *l = arg;
	size_t i;

	for (i = 0; i < m->nrows; i++) {
		ck_assert_uint_lt(l->n, 16);
		snprintf(l->line[l->n], sizeof(l->line[0]), "%s/%s %llu",
		    m->rows[i].cls_name, m->rows[i].cc,
		    (unsigned long long)m->rows[i].requests);
		l->cls[l->n++] = m->rows[i].cls;
	}
}

/*
 * A reload in the middle of a minute: a class in both lists goes on
 * counting in the same row, a class gone keeps its name, a new class gets
 * its own row, and the old table may be freed at once.
 */
START_TEST(test_reconfigure)
{
	char (*newc)[CONFIG_CLASS_MAX + 1] = calloc(3, sizeof(*newc));
	struct agg *a = agg_new(classes, 3, 5);
	struct agg_stats st;
	struct rowlog l;

	memset(&l, 0, sizeof(l));
	ck_assert_ptr_nonnull(newc);
	strcpy(newc[0], "visa");
	strcpy(newc[1], "eta");
	strcpy(newc[2], "other");
	agg_hit(a, T0 + 1000000, 1, "US", AGG_REQUEST, 1, emit_log, &l);
	agg_hit(a, T0 + 2000000, 0, "MX", AGG_REQUEST, 2, emit_log, &l);
	agg_hit(a, T0 + 3000000, 2, "DE", AGG_REQUEST, 3, emit_log, &l);
	ck_assert_int_eq(agg_reconfigure(a, (const char (*)[CONFIG_CLASS_MAX +
	    1])newc, 0, 5), -1);
	ck_assert_int_eq(agg_reconfigure(a, (const char (*)[CONFIG_CLASS_MAX +
	    1])newc, 3, -1), -1);
	ck_assert_int_eq(agg_reconfigure(a, (const char (*)[CONFIG_CLASS_MAX +
	    1])newc, 3, 5), 0);
	memset(newc, 'x', 3 * sizeof(*newc));
	free(newc);
	agg_hit(a, T0 + 4000000, 1, "US", AGG_REQUEST, 4, emit_log, &l);
	agg_hit(a, T0 + 5000000, 0, "US", AGG_REQUEST, 5, emit_log, &l);
	agg_hit(a, T0 + 6000000, 0, "MX", AGG_REQUEST, 6, emit_log, &l);
	agg_hit(a, T0 + 7000000, 9, "DE", AGG_REQUEST, 7, emit_log, &l);
	ck_assert_uint_eq(l.n, 0);
	agg_flush(a, emit_log, &l);
	ck_assert_uint_eq(l.n, 5);
	ck_assert_str_eq(l.line[0], "eta/US 2");
	ck_assert_str_eq(l.line[1], "immigrate/MX 1");
	ck_assert_str_eq(l.line[2], "other/DE 2");
	ck_assert_str_eq(l.line[3], "visa/MX 1");
	ck_assert_str_eq(l.line[4], "visa/US 1");
	/* Publishers group rows by index: one index per name. */
	ck_assert_uint_ne(l.cls[0], l.cls[1]);
	ck_assert_uint_ne(l.cls[1], l.cls[3]);
	ck_assert_uint_eq(l.cls[3], l.cls[4]);
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.late, 0);
	ck_assert_uint_eq(st.hits, 7);

	/* The next minute knows only the new classes. */
	memset(&l, 0, sizeof(l));
	agg_hit(a, T0 + MIN_US, 0, "US", AGG_REQUEST, 8, emit_log, &l);
	ck_assert_int_eq(agg_reconfigure(a, classes, 3, 0), 0);
	agg_hit(a, T0 + MIN_US + 1, 0, "US", AGG_REQUEST, 9, emit_log, &l);
	agg_flush(a, emit_log, &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.line[0], "immigrate/US 1");
	ck_assert_str_eq(l.line[1], "visa/US 1");
	agg_free(a);
}
END_TEST

static Suite *
agg_suite(void)
{
	Suite *s = suite_create("agg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_close_with_grace);
	tcase_add_test(tc, test_time_jumps_and_slots);
	tcase_add_test(tc, test_empty_minutes);
	tcase_add_test(tc, test_flush_quiet_tail);
	tcase_add_test(tc, test_many_clients_and_bad_country);
	tcase_add_test(tc, test_negative_time);
	tcase_add_test(tc, test_clock_reset);
	tcase_add_test(tc, test_sketch_budget);
	tcase_add_test(tc, test_reconfigure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(agg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * test_alert.c - surge alerts: onset on step and ramp surges, silence on
 * noisy flat baselines, clearing, and the country shares.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

#define T0	1478581200	/* 2016-11-08T05:00:00Z */
#define MAXEV	64
#define MAXCC	8

struct rec {
	struct alert_event	ev[MAXEV];
	char			cls[MAXEV][CONFIG_CLASS_MAX + 1];
	size_t			n;
};

static void
on_event(void *arg, const struct alert_event *ev)
{
	struct rec *r = arg;

	ck_assert_uint_lt(r->n, MAXEV);
	r->ev[r->n] = *ev;
	snprintf(r->cls[r->n], sizeof(r->cls[0]), "%s", ev->cls);
	r->ev[r->n].cls = r->cls[r->n];
	r->n++;
}

/* One class, up to MAXCC countries, hits[i] each, at minute index t. */
static void
feed(struct alert *a, struct rec *r, const char *cls, int64_t t,
    const char (*cc)[3], const uint64_t *hits, size_t n)
{
	struct agg_row rows[MAXCC];
	struct agg_minute m;
	size_t i, k = 0;

	memset(rows, 0, sizeof(rows));
	for (i = 0; i < n; i++) {
		if (hits[i] == 0)
			continue;
		rows[k].cls_name = cls;
		memcpy(rows[k].cc, cc[i], 3);
		rows[k].requests = hits[i] - hits[i] / 4;
		rows[k].tls_handshakes = hits[i] / 4;
		k++;
	}
	m.minute = T0 + 60 * t;
	m.rows = rows;
	m.nrows = k;
	alert_minute(a, &m, on_event, r);
}

static void
feed1(struct alert *a, struct rec *r, int64_t t, uint64_t hits)
{
	static const char cc[1][3] = { "GB" };

	feed(a, r, "eta", t, cc, &hits, 1);
}

/* xorshift64* and Knuth's Poisson (normal beyond 30). */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static double
unif(uint64_t *s)
{
	return (double)(rnd(s) >> 11) / 9007199254740992.0;
}

static uint64_t
poisson(uint64_t *s, double lambda)
{
	double l = exp(-lambda), p = 1, x;
	uint64_t k = 0;

	if (lambda > 30) {
		x = lambda + sqrt(lambda) * sqrt(-2 * log(unif(s) + 1e-300)) *
		    cos(2 * M_PI * unif(s));
		return x < 0 ? 0 : (uint64_t)llround(x);
	}
	do {
		k++;
		p *= unif(s);
	} while (p > l);
	return k - 1;
}

static struct alert *
new_default(void)
{
	struct alert_config ac;
	struct alert *a;

	alert_config_default(&ac);
	a = alert_new(&ac);
	ck_assert_ptr_nonnull(a);
	return a;
}

/* The first event of kind k, or NULL. */
static const struct alert_event *
first(const struct rec *r, enum alert_kind k)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->ev[i].kind == k)
			return &r->ev[i];
	return NULL;
}

START_TEST(defaults_and_bad_config)
{
	struct alert_config ac;

	alert_config_default(&ac);
	ck_assert_double_eq(ac.multiple, 4.0);
	ck_assert_uint_eq(ac.minutes, 3);
	ck_assert_double_eq(ac.min_rate, 1.5);
	ck_assert_uint_eq(ac.half_life, 120);
	ac.multiple = 0.5;
	ck_assert_ptr_null(alert_new(&ac));
	alert_config_default(&ac);
	ac.window = 0;
	ck_assert_ptr_null(alert_new(&ac));
	alert_config_default(&ac);
	ac.minutes = CONFIG_ALERT_MINUTES_MAX + 1;
	ck_assert_ptr_null(alert_new(&ac));
}
END_TEST

/* A step from 5 to 40 a minute after six quiet hours: raised at once. */
START_TEST(step_onset)
{
	struct alert *a = new_default();
	const struct alert_event *ev;
	struct rec r = { .n = 0 };
	uint64_t s = 42;
	int64_t t;

	for (t = 0; t < 360; t++)
		feed1(a, &r, t, poisson(&s, 5));
	ck_assert_uint_eq(r.n, 0);
	for (; t < 400; t++)
		feed1(a, &r, t, poisson(&s, 40));
	ck_assert_ptr_nonnull(ev = first(&r, ALERT_RAISED));
	/* At least `minutes` minutes above, at most a few more. */
	ck_assert_int_ge(ev->minute, T0 + 60 * (360 + 2));
	ck_assert_int_le(ev->minute, T0 + 60 * (360 + 6));
	ck_assert_str_eq(ev->cls, "eta");
	ck_assert_double_eq_tol(ev->baseline, 5, 1);
	ck_assert_double_gt(ev->rate, ev->threshold);
	ck_assert_uint_eq(ev->ncountries, 1);
	ck_assert_str_eq(ev->countries[0].cc, "GB");
	ck_assert_double_eq(ev->countries[0].share, 1.0);
	alert_free(a);
}
END_TEST

/*
 * A ramp from 5 a minute, one more each minute: the 10-minute mean passes
 * the threshold (4 x 5) after 19.5 minutes, and 2 more make 3 in a row.
 */
START_TEST(ramp_onset)
{
	struct alert *a = new_default();
	const struct alert_event *ev;
	struct rec r = { .n = 0 };
	uint64_t s = 7;
	int64_t t;

	for (t = 0; t < 360; t++)
		feed1(a, &r, t, poisson(&s, 5));
	for (; t < 420; t++)
		feed1(a, &r, t, poisson(&s, 5 + (double)(t - 360)));
	ck_assert_ptr_nonnull(ev = first(&r, ALERT_RAISED));
	ck_assert_int_le(ev->minute, T0 + 60 * (360 + 25));
	ck_assert_int_ge(ev->minute, T0 + 60 * (360 + 15));
	alert_free(a);
}
END_TEST

/* Flat Poisson traffic for two days, many seeds and rates: never raised. */
START_TEST(flat_noise_never_fires)
{
	static const double rates[] = { 0.2, 1, 3, 10, 50, 400 };
	struct alert *a;
	struct rec r;
	uint64_t s;
	size_t i;
	int64_t t;
	int seed;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		for (seed = 1; seed <= 12; seed++) {
			a = new_default();
			r.n = 0;
			s = (uint64_t)seed * 0x9e3779b97f4a7c15u + i;
			for (t = 0; t < 2880; t++)
				feed1(a, &r, t, poisson(&s, rates[i]));
			ck_assert_msg(r.n == 0, "rate %g seed %d: %zu events, "
			    "first at minute %lld", rates[i], seed, r.n,
			    (long long)(r.n ? (r.ev[0].minute - T0) / 60 : 0));
			alert_free(a);
		}
}
END_TEST

/* One client's burst (one minute of 200) on a baseline of 1: no alert. */
START_TEST(single_burst_is_not_a_surge)
{
	struct alert *a = new_default();
	struct rec r = { .n = 0 };
	int64_t t;

	for (t = 0; t < 600; t++)
		feed1(a, &r, t, t == 400 ? 200 : 1);
	ck_assert_uint_eq(r.n, 0);
	alert_free(a);
}
END_TEST

/* Nothing during the warm-up, however steep. */
START_TEST(warmup_is_quiet)
{
	struct alert *a = new_default();
	struct rec r = { .n = 0 };
	int64_t t;

	for (t = 0; t < 60; t++)
		feed1(a, &r, t, 2);
	for (; t < 120; t++)
		feed1(a, &r, t, 100);
	ck_assert_uint_eq(r.n, 0);
	alert_free(a);
}
END_TEST

/* A one-hour surge: raised, then cleared once it is over, with its mean. */
START_TEST(cleared_after_surge)
{
	struct alert *a = new_default();
	const struct alert_event *up, *down;
	struct rec r = { .n = 0 };
	int64_t t;

	for (t = 0; t < 300; t++)
		feed1(a, &r, t, 10);
	for (; t < 360; t++)
		feed1(a, &r, t, 100);
	for (; t < 480; t++)
		feed1(a, &r, t, 10);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_ptr_nonnull(up = first(&r, ALERT_RAISED));
	ck_assert_ptr_nonnull(down = first(&r, ALERT_CLEARED));
	/* The 10-minute mean is 10 + 9k after k minutes: 46 > 40 at k = 4. */
	ck_assert_int_eq(up->minute, T0 + 60 * (300 + 3 + 2));
	ck_assert_double_eq(up->baseline, 10);
	ck_assert_double_eq(up->threshold, 40);
	ck_assert_double_eq(up->rate, 10 + 9 * 6);
	ck_assert_int_eq(down->since, up->minute);
	/*
	 * The window falls below halfway (25, a little more as the baseline
	 * learns slowly during the alert) 6 to 9 minutes after the end, and
	 * must stay there `clear` minutes.
	 */
	ck_assert_int_ge(down->minute, T0 + 60 * (360 + 5 + CONFIG_ALERT_CLEAR));
	ck_assert_int_le(down->minute, T0 + 60 * (360 + 8 + CONFIG_ALERT_CLEAR));
	ck_assert_double_eq(down->baseline, 10);
	ck_assert_double_lt(down->rate, 40);
	/* Minutes since .. cleared, both included: 100 until 359, then 10. */
	t = (down->minute - T0) / 60;
	ck_assert_double_eq_tol(down->mean_rate, (100.0 * (360 - 305) +
	    10.0 * (double)(t - 359)) / (double)(t - 305 + 1), 1e-9);
	alert_free(a);
}
END_TEST

/* Still open at the end: alert_finish says so, once per open alert. */
START_TEST(finish_reports_open)
{
	struct alert *a = new_default();
	struct rec r = { .n = 0 };
	int64_t t;

	for (t = 0; t < 300; t++)
		feed1(a, &r, t, 10);
	for (; t < 320; t++)
		feed1(a, &r, t, 100);
	alert_finish(a, on_event, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.ev[1].kind, ALERT_OPEN);
	ck_assert_int_eq(r.ev[1].since, r.ev[0].minute);
	ck_assert_int_eq(r.ev[1].minute, T0 + 60 * 319);
	alert_free(a);
}
END_TEST

/*
 * Exact shares: a constant baseline GB 2, FR 2, US 1 (so the weighted
 * means are exactly those), then GB 32, FR 12, US 1: the rise is 30 + 10,
 * GB 3/4 and FR 1/4, US none.
 */
START_TEST(country_shares_exact)
{
	static const char cc[3][3] = { "FR", "GB", "US" };
	static const uint64_t base[3] = { 2, 2, 1 };
	static const uint64_t surge[3] = { 12, 32, 1 };
	struct alert *a = new_default();
	const struct alert_event *ev;
	struct rec r = { .n = 0 };
	int64_t t;

	for (t = 0; t < 300; t++)
		feed(a, &r, "immigrate", t, cc, base, 3);
	for (; t < 310; t++)
		feed(a, &r, "immigrate", t, cc, surge, 3);
	ck_assert_ptr_nonnull(ev = first(&r, ALERT_RAISED));
	ck_assert_str_eq(ev->cls, "immigrate");
	ck_assert_double_eq(ev->baseline, 5);
	ck_assert_uint_eq(ev->ncountries, 2);
	ck_assert_str_eq(ev->countries[0].cc, "GB");
	ck_assert_double_eq(ev->countries[0].share, 0.75);
	ck_assert_str_eq(ev->countries[1].cc, "FR");
	ck_assert_double_eq(ev->countries[1].share, 0.25);
	alert_free(a);
}
END_TEST

START_TEST(shares_function)
{
	static const char cc[4][3] = { "AA", "BB", "CC", "DD" };
	static const double base[4] = { 1, 5, 2, 0 };
	static const double cur[4] = { 4, 3, 8, 3 };
	struct alert_country out[2];

	/* Rises: AA 3, CC 6, DD 3, rest 3 (unnamed); BB falls. */
	ck_assert_uint_eq(alert_shares(cc, base, cur, 4, 1, 4, out, 2), 2);
	ck_assert_str_eq(out[0].cc, "CC");
	ck_assert_double_eq(out[0].share, 6.0 / 15);
	/* AA and DD tie at 3/15: by code. */
	ck_assert_str_eq(out[1].cc, "AA");
	ck_assert_double_eq(out[1].share, 3.0 / 15);
	/* Nothing rose: no country (AA falls from 4 to 1). */
	ck_assert_uint_eq(alert_shares(cc, cur, base, 1, 0, 0, out, 2), 0);
}
END_TEST

/* More countries than slots: the quiet ones share the rest, no crash. */
START_TEST(many_countries_bounded)
{
	char cc[MAXCC][3];
	uint64_t hits[MAXCC];
	struct alert *a = new_default();
	const struct alert_event *ev;
	struct rec r = { .n = 0 };
	int64_t t;
	size_t i;

	for (t = 0; t < 400; t++) {
		for (i = 0; i < MAXCC; i++) {
			/* A new country code every minute for each row. */
			cc[i][0] = (char)('A' + (t * MAXCC + (int64_t)i) % 26);
			cc[i][1] = (char)('A' + (t * MAXCC + (int64_t)i) /
			    26 % 26);
			cc[i][2] = '\0';
			hits[i] = t >= 390 && i == 0 ? 60 : 1;
		}
		feed(a, &r, "eta", t, (const char (*)[3])cc, hits, MAXCC);
	}
	ck_assert_ptr_nonnull(ev = first(&r, ALERT_RAISED));
	ck_assert_uint_le(ev->ncountries, ALERT_TOP);
	alert_free(a);
}
END_TEST

/* Silent minutes are zeros; time going back clears and starts afresh. */
START_TEST(gaps_and_time_going_back)
{
	struct alert *a = new_default();
	struct rec r = { .n = 0 };
	int64_t t;

	for (t = 0; t < 300; t++)
		if (t % 2 == 0)
			feed1(a, &r, t, 20);	/* 10 a minute on average */
	for (; t < 310; t++)
		feed1(a, &r, t, 100);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_double_eq_tol(r.ev[0].baseline, 10, 1);
	feed1(a, &r, 10, 5);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.ev[1].kind, ALERT_CLEARED);
	ck_assert_int_eq(r.ev[1].minute, T0 + 60 * 309);
	/* Afresh: in warm-up again. */
	for (t = 11; t < 60; t++)
		feed1(a, &r, t, 500);
	ck_assert_uint_eq(r.n, 2);
	alert_free(a);
}
END_TEST

static Suite *
alert_suite(void)
{
	Suite *s = suite_create("alert");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, defaults_and_bad_config);
	tcase_add_test(tc, step_onset);
	tcase_add_test(tc, ramp_onset);
	tcase_add_test(tc, flat_noise_never_fires);
	tcase_add_test(tc, single_burst_is_not_a_surge);
	tcase_add_test(tc, warmup_is_quiet);
	tcase_add_test(tc, cleared_after_surge);
	tcase_add_test(tc, finish_reports_open);
	tcase_add_test(tc, country_shares_exact);
	tcase_add_test(tc, shares_function);
	tcase_add_test(tc, many_countries_bounded);
	tcase_add_test(tc, gaps_and_time_going_back);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(alert_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * report.c - `originstat report`: a chart and an hourly table for people.
 *
 * The CSV is read once (csvread.h) into hourly cells (struct summary, the
 * same aggregation `originstat summary` prints) and per-minute series.
 * The chart is drawn by gnuplot (Debian gnuplot-nox, terminals pngcairo
 * and svg): a real plotting program gives axes, time ticks, legends,
 * anti-aliased text and both formats from one script, where cairo alone
 * would need all of that written here.  gnuplot runs as a subprocess in a
 * private directory made inside the output directory, fed a script and a
 * data file; its exit status and standard error are checked, and the
 * outputs are renamed into place only when everything worked, so a
 * reader of DIR never sees half a report.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define SERIES_MIN	1024		/* first minutes allocation */
#define LINES_MAX	6		/* classes drawn, one panel each */
#define TITLE_MAX	200
#define ZONE_MAX	64
#define ERR_MAX		512

static void
errf(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
}

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* ---------------------------------------------------------------- */
/* Loading                                                          */

void
report_init(struct report *r, int local)
{
	memset(r, 0, sizeof(*r));
	summary_init(&r->sum, local);
}

void
report_fini(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nseries; i++) {
		free(r->series[i].hits);
		free(r->series[i].clients);
	}
	free(r->series);
	summary_fini(&r->sum);
	memset(r, 0, sizeof(*r));
}

/* Resize one series from the first old minutes to cap, shifted by shift. */
static int
series_resize(struct report_series *s, size_t old, size_t shift, size_t cap)
{
	uint64_t	*h, *c;

	if ((h = calloc(cap, sizeof(*h))) == NULL)
		return -1;
	if ((c = calloc(cap, sizeof(*c))) == NULL) {
		free(h);
		return -1;
	}
	if (s->hits != NULL) {
		memcpy(h + shift, s->hits, old * sizeof(*h));
		memcpy(c + shift, s->clients, old * sizeof(*c));
	}
	free(s->hits);
	free(s->clients);
	s->hits = h;
	s->clients = c;
	return 0;
}

/* One series per class, sized like the others. */
static int
series_classes(struct report *r)
{
	struct report_series	*p;
	size_t			 n = r->sum.nclasses;

	if (n <= r->nseries)
		return 0;
	if ((p = realloc(r->series, n * sizeof(*p))) == NULL)
		return -1;
	r->series = p;
	for (; r->nseries < n; r->nseries++) {
		memset(&p[r->nseries], 0, sizeof(*p));
		if (r->cap > 0 &&
		    series_resize(&p[r->nseries], 0, 0, r->cap) == -1)
			return -1;
	}
	return 0;
}

/*
 * Make minute t (epoch seconds, whole minute) part of the series; *idx is
 * its index.  -1 out of memory, -2 the span would pass REPORT_SPAN_MAX.
 */
static int
series_fit(struct report *r, int64_t t, size_t *idx)
{
	size_t	shift = 0, need, cap, i;

	if (r->nmin == 0) {
		r->base = t;
		need = 1;
	} else if (t < r->base) {
		if ((r->base - t) / 60 > REPORT_SPAN_MAX)
			return -2;
		shift = (size_t)((r->base - t) / 60);
		need = r->nmin + shift;
	} else {
		if ((t - r->base) / 60 >= REPORT_SPAN_MAX)
			return -2;
		need = (size_t)((t - r->base) / 60) + 1;
		if (need < r->nmin)
			need = r->nmin;
	}
	if (need > REPORT_SPAN_MAX)
		return -2;
	if (need > r->cap || shift > 0) {
		cap = r->cap == 0 ? SERIES_MIN : r->cap;
		while (cap < need)
			cap *= 2;
		for (i = 0; i < r->nseries; i++)
			if (series_resize(&r->series[i], r->nmin, shift,
			    cap) == -1)
				return -1;
		r->cap = cap;
	}
	if (shift > 0)
		r->base = t;
	r->nmin = need;
	*idx = (size_t)((t - r->base) / 60);
	return 0;
}

static size_t
class_index(const struct report *r, const char *name, size_t hint)
{
	size_t i;

	if (hint < r->sum.nclasses &&
	    strcmp(r->sum.classes[hint].name, name) == 0)
		return hint;
	for (i = 0; i < r->sum.nclasses; i++)
		if (strcmp(r->sum.classes[i].name, name) == 0)
			return i;
	return 0;	/* not reached: summary_add_row added it */
}

static enum summary_status
report_row(struct report *r, const struct csvread *in,
    const struct csvread_row *row, size_t *cls, char *err, size_t errcap)
{
	struct report_series	*s;
	enum summary_status	 st;
	size_t			 i;
	int			 rc;

	if ((st = summary_add_row(&r->sum, in, row, err, errcap)) !=
	    SUMMARY_OK)
		return st;
	*cls = class_index(r, row->cls, *cls);
	if (series_classes(r) == -1)
		goto nomem;
	if ((rc = series_fit(r, row->minute - row->minute % 60, &i)) == -2) {
		errf(err, errcap, "%s:%llu: the file spans more than %d days",
		    in->name, (unsigned long long)in->recline,
		    REPORT_SPAN_MAX / 1440);
		return SUMMARY_BAD;
	}
	if (rc == -1)
		goto nomem;
	s = &r->series[*cls];
	/* no minute holds more than the class total, which did not overflow */
	s->hits[i] += row->requests + row->tls;
	s->clients[i] = add_sat(s->clients[i], row->clients);
	return SUMMARY_OK;
nomem:
	errf(err, errcap, "%s:%llu: out of memory", in->name,
	    (unsigned long long)in->recline);
	return SUMMARY_NOMEM;
}

static enum summary_status
read_status(enum csvread_rc rc, const struct csvread *in, char *err,
    size_t errcap)
{
	if (rc == CSVREAD_BAD)
		return SUMMARY_BAD;
	if (rc == CSVREAD_IO) {
		errf(err, errcap, "%s:%llu: read error: %s", in->name,
		    (unsigned long long)in->line, strerror(errno));
		return SUMMARY_IO;
	}
	return SUMMARY_OK;
}

enum summary_status
report_load(struct report *r, FILE *fp, const char *name, char *err,
    size_t errcap)
{
	struct csvread		*in;
	struct csvread_row	 row;
	enum summary_status	 st = SUMMARY_OK;
	enum csvread_rc		 rc;
	size_t			 cls = 0;

	if ((in = malloc(sizeof(*in))) == NULL) {
		errf(err, errcap, "%s: out of memory", name);
		return SUMMARY_NOMEM;
	}
	csvread_init(in, fp, name);
	rc = csvread_counts_header(in, err, errcap);
	while (rc == CSVREAD_RECORD && (rc = csvread_counts_next(in, &row,
	    err, errcap)) == CSVREAD_RECORD)
		if ((st = report_row(r, in, &row, &cls, err, errcap)) !=
		    SUMMARY_OK)
			goto out;
	st = read_status(rc, in, err, errcap);
out:
	free(in);
	return st;
}

/* A decimal number >= 0 as written by printf("%.1f"): digits, one dot. */
static int
parse_rate(const char *s, size_t len, double *v)
{
	char	*end;
	size_t	 i, dots = 0;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	if (dots > 1 || len == dots)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (end != s + len || errno != 0 || !isfinite(*v))
		return -1;
	return 0;
}

static int
check_text(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	return 0;
}

static enum csvread_rc
alert_parse(const struct csvread *in, struct report_alert *a, char *err,
    size_t errcap)
{
	if (csvread_minute(in->f[0], in->len[0], &a->start) == -1)
		return csvread_bad_field(in, err, errcap, "start_utc is not "
		    "a time like 2016-11-08T19:00:00Z:", 0);
	a->end = -1;
	if (in->len[1] > 0 && csvread_minute(in->f[1], in->len[1],
	    &a->end) == -1)
		return csvread_bad_field(in, err, errcap, "end_utc is not "
		    "empty or a time like 2016-11-08T19:00:00Z:", 1);
	if (a->end != -1 && a->end < a->start)
		return csvread_bad_field(in, err, errcap,
		    "end_utc is before start_utc:", 1);
	if (csvread_name(in->f[2], in->len[2]) == -1)
		return csvread_bad_field(in, err, errcap, "bad class name", 2);
	memcpy(a->cls, in->f[2], in->len[2] + 1);
	if (parse_rate(in->f[3], in->len[3], &a->rate) == -1)
		return csvread_bad_field(in, err, errcap,
		    "rate is not a number like 12.5:", 3);
	if (parse_rate(in->f[4], in->len[4], &a->baseline) == -1)
		return csvread_bad_field(in, err, errcap,
		    "baseline is not a number like 12.5:", 4);
	if (check_text(in->f[5], in->len[5]) == -1)
		return csvread_bad_field(in, err, errcap,
		    "control character in countries", 5);
	memcpy(a->countries, in->f[5], in->len[5] + 1);
	return CSVREAD_RECORD;
}

enum summary_status
report_alerts_load(struct report_alert **alerts, size_t *n, FILE *fp,
    const char *name, char *err, size_t errcap)
{
	static const char *const names[] = {
		"start_utc", "end_utc", "class", "rate", "baseline",
		"countries"
	};
	struct csvread		*in;
	struct report_alert	*a = NULL, *p;
	enum summary_status	 st = SUMMARY_OK;
	enum csvread_rc		 rc;
	size_t			 cap = 0;

	*alerts = NULL;
	*n = 0;
	if ((in = malloc(sizeof(*in))) == NULL) {
		errf(err, errcap, "%s: out of memory", name);
		return SUMMARY_NOMEM;
	}
	csvread_init(in, fp, name);
	rc = csvread_header(in, names, sizeof(names) / sizeof(names[0]),
	    "an originstat alert log", err, errcap);
	while (rc == CSVREAD_RECORD &&
	    (rc = csvread_next(in, err, errcap)) == CSVREAD_RECORD) {
		if (*n == REPORT_ALERTS_MAX) {
			errf(err, errcap, "%s:%llu: more than %d alerts", name,
			    (unsigned long long)in->recline,
			    REPORT_ALERTS_MAX);
			st = SUMMARY_BAD;
			goto out;
		}
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((p = realloc(a, cap * sizeof(*p))) == NULL) {
				errf(err, errcap, "%s: out of memory", name);
				st = SUMMARY_NOMEM;
				goto out;
			}
			a = p;
		}
		if ((rc = alert_parse(in, &a[*n], err, errcap)) !=
		    CSVREAD_RECORD)
			break;
		(*n)++;
	}
	st = read_status(rc, in, err, errcap);
out:
	free(in);
	if (st != SUMMARY_OK) {
		free(a);
		a = NULL;
		*n = 0;
	}
	*alerts = a;
	return st;
}

/* ---------------------------------------------------------------- */
/* Numbers                                                          */

static int
is_other(const struct report *r, size_t cls)
{
	return strcmp(r->sum.classes[cls].name, "other") == 0;
}

static int
class_before(const struct report *r, size_t x, size_t y)
{
	uint64_t hx, hy;

	if (is_other(r, x) != is_other(r, y))
		return is_other(r, y);
	hx = summary_cell_hits(&r->sum.classes[x].total);
	hy = summary_cell_hits(&r->sum.classes[y].total);
	if (hx != hy)
		return hx > hy;
	return strcmp(r->sum.classes[x].name, r->sum.classes[y].name) < 0;
}

size_t *
report_order(const struct report *r)
{
	size_t	*order, i, j, k;

	if ((order = calloc(r->sum.nclasses + 1, sizeof(*order))) == NULL)
		return NULL;
	for (i = 0; i < r->sum.nclasses; i++)
		order[i] = i;
	/* insertion sort: few classes, and qsort has no context argument */
	for (i = 1; i < r->sum.nclasses; i++) {
		k = order[i];
		for (j = i; j > 0 && class_before(r, k, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = k;
	}
	return order;
}

static int
cc_cmp(const void *a, const void *b)
{
	const struct summary_cc *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return memcmp(x->cc, y->cc, 2);
}

size_t
report_top(const struct summary_cell *c, struct report_top *top, size_t n)
{
	struct summary_cc	*cc;
	uint64_t		 hits = summary_cell_hits(c);
	size_t			 i;

	if (n > REPORT_TOP)
		n = REPORT_TOP;
	if (c->ncc == 0 || hits == 0)
		return 0;
	if ((cc = malloc(c->ncc * sizeof(*cc))) == NULL)
		return (size_t)-1;
	memcpy(cc, c->cc, c->ncc * sizeof(*cc));
	qsort(cc, c->ncc, sizeof(*cc), cc_cmp);
	for (i = 0; i < n && i < c->ncc && cc[i].hits > 0; i++) {
		memcpy(top[i].cc, cc[i].cc, 3);
		top[i].hits = cc[i].hits;
		top[i].pct = (double)cc[i].hits * 100.0 / (double)hits;
	}
	free(cc);
	return i;
}

unsigned
report_bin_width(size_t span)
{
	if (span <= 6 * 60)
		return 1;
	if (span <= 3 * 1440)
		return 5;
	if (span <= 10 * 1440)
		return 15;
	if (span <= 62 * 1440)
		return 60;
	return 1440;
}

size_t
report_bin(const uint64_t *v, size_t n, int64_t base, unsigned width,
    double *out, int64_t *first)
{
	int64_t	w = (int64_t)width * 60, b0, lo, hi, i;
	size_t	nb = 0;
	double	sum;

	b0 = base - base % w;
	*first = b0;
	for (;; nb++) {
		lo = (b0 + (int64_t)nb * w - base) / 60;
		hi = lo + width;
		if (lo >= (int64_t)n)
			break;
		if (lo < 0)
			lo = 0;
		if (hi > (int64_t)n)
			hi = (int64_t)n;
		for (sum = 0, i = lo; i < hi; i++)
			sum += (double)v[i];
		out[nb] = sum / (double)(hi - lo);
	}
	return nb;
}

uint64_t
report_peak_clients(const struct report *r, size_t cls, int64_t from,
    int64_t to)
{
	const uint64_t	*c = r->series[cls].clients;
	uint64_t	 max = 0;
	int64_t		 lo, hi, i;

	if (r->nmin == 0)
		return 0;
	lo = from <= r->base ? 0 : (from - r->base + 59) / 60;
	hi = to <= r->base ? 0 : (to - r->base + 59) / 60;
	if (hi > (int64_t)r->nmin)
		hi = (int64_t)r->nmin;
	for (i = lo; i < hi; i++)
		if (c[i] > max)
			max = c[i];
	return max;
}

/* ---------------------------------------------------------------- */
/* Tables                                                           */

static void
to_tm(const struct report *r, int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	memset(tm, 0, sizeof(*tm));
	if (r->sum.local)
		localtime_r(&tt, tm);
	else
		gmtime_r(&tt, tm);
}

/* Seconds east of UTC at t in the report's zone. */
static long
zone_offset(const struct report *r, int64_t t)
{
	struct tm tm;

	if (!r->sum.local)
		return 0;
	to_tm(r, t, &tm);
	return tm.tm_gmtoff;
}

/* RFC 3339: 2016-11-08T14:00:00-05:00 */
static void
fmt_local(const struct report *r, int64_t t, char *buf, size_t cap)
{
	struct tm	tm;
	long		off = zone_offset(r, t), a = labs(off);
	char		d[32];

	to_tm(r, t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	/* zone offsets are under 24 hours */
	snprintf(buf, cap, "%s%c%02d:%02d", d, off < 0 ? '-' : '+',
	    (int)(a / 3600 % 24), (int)(a / 60 % 60));
}

static void
fmt_utc(int64_t t, char *buf, size_t cap)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A class name as one CSV field (RFC 4180 section 2, rules 6 and 7). */
static void
put_csv_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static const struct summary_cell *
hour_cell(const struct summary_hour *h, size_t cls)
{
	return cls < h->ncells ? &h->cells[cls] : NULL;
}

static int
csv_hour(const struct report *r, const struct summary_hour *h,
    const size_t *order, FILE *out)
{
	const struct summary_cell	*c;
	struct report_top		 top[REPORT_TOP];
	char				 utc[32], loc[48];
	size_t				 i, k, ntop;

	fmt_utc(h->start, utc, sizeof(utc));
	fmt_local(r, h->start, loc, sizeof(loc));
	for (i = 0; i < r->sum.nclasses; i++) {
		c = hour_cell(h, order[i]);
		if (c == NULL || summary_cell_hits(c) == 0)
			continue;
		if ((ntop = report_top(c, top, REPORT_TOP)) == (size_t)-1)
			return -1;
		fprintf(out, "%s,%s,", utc, loc);
		put_csv_field(out, r->sum.classes[order[i]].name);
		fprintf(out, ",%llu,%llu,%llu", (unsigned long long)c->requests,
		    (unsigned long long)c->tls, (unsigned long long)
		    report_peak_clients(r, order[i], h->start,
		    h->start + 3600));
		for (k = 0; k < REPORT_TOP; k++)
			if (k < ntop)
				fprintf(out, ",%s,%.1f", top[k].cc,
				    top[k].pct);
			else
				fputs(",,", out);
		fputc('\n', out);
	}
	return 0;
}

int
report_hourly_csv(const struct report *r, FILE *out)
{
	size_t	*order, h;
	int	 rc = 0;

	if ((order = report_order(r)) == NULL)
		return -1;
	fputs("hour_utc,hour_local,class,requests,tls_handshakes,"
	    "peak_minute_clients,top1,top1_pct,top2,top2_pct,top3,top3_pct\n",
	    out);
	for (h = 0; h < r->sum.nhours && rc == 0; h++)
		rc = csv_hour(r, &r->sum.hours[h], order, out);
	free(order);
	if (ferror(out))
		rc = -1;
	return rc;
}

/* Text for Markdown cells: the characters it gives meaning escaped. */
static void
put_md(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\`*_[]<>|#", *s) != NULL)
			fputc('\\', out);
		fputc(*s, out);
	}
}

/* 1234567 -> "1,234,567". */
static void
fmt_count(uint64_t v, char buf[32])
{
	char	digits[24];
	int	n, i, o = 0;

	n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

static const char *
cc_name(const char *cc)
{
	return strcmp(cc, "ZZ") == 0 ? "unknown" : cc;
}

/* "GB 17%, FR 12%, DE 7%" */
static int
fmt_top(const struct summary_cell *c, char *buf, size_t cap)
{
	struct report_top	top[REPORT_TOP];
	size_t			i, n, o = 0;

	buf[0] = '\0';
	if ((n = report_top(c, top, REPORT_TOP)) == (size_t)-1)
		return -1;
	for (i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s %.0f%%",
		    i > 0 ? ", " : "", cc_name(top[i].cc), top[i].pct);
	return 0;
}

static const char *
zone_abbr(const struct report *r, int64_t t, char *buf, size_t cap)
{
	struct tm tm;

	if (!r->sum.local)
		return "UTC";
	to_tm(r, t, &tm);
	strftime(buf, cap, "%Z", &tm);
	return buf;
}

static void
fmt_when(const struct report *r, int64_t t, char *buf, size_t cap)
{
	struct tm	tm;
	char		d[32], z[16];

	to_tm(r, t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d %H:%M", &tm);
	snprintf(buf, cap, "%s %s", d, zone_abbr(r, t, z, sizeof(z)));
}

static int
md_class(const struct report *r, size_t cls, FILE *out)
{
	const struct summary_hour	*h;
	const struct summary_cell	*c;
	char				 when[64], a[32], b[32], p[32];
	char				 top[128];
	size_t				 i;

	fputs("\n## ", out);
	put_md(out, r->sum.classes[cls].name);
	if (fmt_top(&r->sum.classes[cls].total, top, sizeof(top)) == -1)
		return -1;
	fmt_count(summary_cell_hits(&r->sum.classes[cls].total), a);
	fprintf(out, "\n\n%s requests and TLS handshakes in all; top "
	    "countries %s.\n\n", a, top);
	fputs("| Hour | Requests | TLS handshakes | Clients (peak minute) "
	    "| Top countries |\n| --- | ---: | ---: | ---: | --- |\n", out);
	for (i = 0; i < r->sum.nhours; i++) {
		h = &r->sum.hours[i];
		if ((c = hour_cell(h, cls)) == NULL ||
		    summary_cell_hits(c) == 0)
			continue;
		if (fmt_top(c, top, sizeof(top)) == -1)
			return -1;
		fmt_when(r, h->start, when, sizeof(when));
		fmt_count(c->requests, a);
		fmt_count(c->tls, b);
		fmt_count(report_peak_clients(r, cls, h->start,
		    h->start + 3600), p);
		fprintf(out, "| %s | %s | %s | %s | %s |\n", when, a, b, p,
		    top);
	}
	return 0;
}

static void
md_alerts(const struct report *r, const struct report_alert *al,
    size_t n, FILE *out)
{
	char	from[64], to[64];
	size_t	i;

	if (n == 0)
		return;
	fputs("\n## Alerts\n\n| Start | End | Class | Rate (per minute) "
	    "| Baseline | Countries |\n| --- | --- | --- | ---: | ---: "
	    "| --- |\n", out);
	for (i = 0; i < n; i++) {
		fmt_when(r, al[i].start, from, sizeof(from));
		if (al[i].end == -1)
			snprintf(to, sizeof(to), "(open)");
		else
			fmt_when(r, al[i].end, to, sizeof(to));
		fprintf(out, "| %s | %s | ", from, to);
		put_md(out, al[i].cls);
		fprintf(out, " | %.1f | %.1f | ", al[i].rate, al[i].baseline);
		put_md(out, al[i].countries);
		fputs(" |\n", out);
	}
}

int
report_hourly_md(const struct report *r, const struct report_alert *al,
    size_t nalerts, const struct report_opts *o, FILE *out)
{
	size_t	*order, i;
	char	 from[64], to[64], rows[32];
	int	 rc = 0;

	if ((order = report_order(r)) == NULL)
		return -1;
	fputs("# ", out);
	put_md(out, o->title);
	fmt_when(r, r->sum.first, from, sizeof(from));
	fmt_when(r, r->sum.last + 60, to, sizeof(to));
	fmt_count(r->sum.rows, rows);
	fputs("\n\nSource: ", out);
	put_md(out, o->source);
	fprintf(out, ", %s rows, %s to %s", rows, from, to);
	if (o->zone != NULL) {
		fputs(" (", out);
		put_md(out, o->zone);
		fputc(')', out);
	}
	fputs(".\n", out);
	for (i = 0; i < r->sum.nclasses && rc == 0; i++)
		rc = md_class(r, order[i], out);
	md_alerts(r, al, nalerts, out);
	fputs("\n---\n\n"
	    "Hours are in the time zone named in each row.  *Requests* are "
	    "HTTP requests; *TLS handshakes* are HTTPS connections, whose "
	    "requests are encrypted.  Country shares are of requests plus "
	    "handshakes; \"unknown\" means the address is not in the GeoIP "
	    "database.  *Clients (peak minute)* is the number of distinct "
	    "client addresses in the busiest minute of the hour: distinct "
	    "counts of different minutes cannot be added up (the same "
	    "client is often in many minutes), so this is a lower bound for "
	    "the hour's distinct clients, not their number.\n", out);
	free(order);
	if (ferror(out))
		rc = -1;
	return rc;
}

/* ---------------------------------------------------------------- */
/* Chart                                                            */

/* Okabe and Ito's palette: told apart with any colour vision. */
static const char *const colours[LINES_MAX] = {
	"#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
};
#define OTHER_COLOUR	"#999999"

/*
 * A gnuplot double-quoted string: \ and " escaped, a newline as \n, other
 * controls blanked.  Text modes are "noenhanced": no other markup.
 */
static void
put_gp(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, out);
	}
	fputc('"', out);
}

struct chart {
	const struct report		*r;
	const struct report_alert	*alerts;
	size_t				 nalerts;
	const struct report_opts	*o;
	unsigned			 width, height;
	size_t				*order;
	size_t				 nlines;	/* classes drawn */
	unsigned			 bin;		/* minutes per point */
	int64_t				 x0, x1;	/* shown, epoch s */
	double				*v;		/* [line * cap + bin] */
	size_t				 cap, nb;
	int64_t				 first;		/* first bin's start */
};

/* Epoch seconds as gnuplot's time axis shows them: zone offset added. */
static int64_t
chart_x(const struct chart *c, int64_t t)
{
	return t + zone_offset(c->r, t);
}

/* Middle of bin i, in epoch seconds. */
static int64_t
chart_bin_mid(const struct chart *c, size_t i)
{
	return c->first + (int64_t)i * c->bin * 60 + (int64_t)c->bin * 30;
}

static int
chart_prepare(struct chart *c)
{
	const struct report	*r = c->r;
	size_t			 k;

	c->cap = r->nmin / c->bin + 2;
	if ((c->v = calloc(c->cap * c->nlines, sizeof(*c->v))) == NULL)
		return -1;
	for (k = 0; k < c->nlines; k++)
		c->nb = report_bin(r->series[c->order[k]].hits, r->nmin,
		    r->base, c->bin, c->v + k * c->cap, &c->first);
	return 0;
}

/* Bin of line k with the highest average, the first of equals. */
static size_t
chart_peak(const struct chart *c, size_t k)
{
	const double	*v = c->v + k * c->cap;
	size_t		 i, best = 0;

	for (i = 1; i < c->nb; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static int
chart_data(const struct chart *c, FILE *out)
{
	size_t i, k;

	for (i = 0; i < c->nb; i++) {
		fprintf(out, "%lld", (long long)chart_x(c, chart_bin_mid(c,
		    i)));
		for (k = 0; k < c->nlines; k++)
			fprintf(out, "\t%.3f", c->v[k * c->cap + i]);
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

static unsigned
tic_hours(int64_t span)
{
	if (span <= 8 * 3600)
		return 1;
	if (span <= 20 * 3600)
		return 2;
	if (span <= 30 * 3600)
		return 3;
	if (span <= 4 * 86400)
		return 6;
	if (span <= 16 * 86400)
		return 24;
	return 0;
}

/* A tick step of 1, 2 or 5 times a power of ten, about max / 3. */
static double
nice_step(double max)
{
	double	p = 1, want = max / 3;

	if (want <= 1)
		return 1;
	while (p * 10 <= want)
		p *= 10;
	if (p * 5 <= want)
		return p * 5;
	if (p * 2 <= want)
		return p * 2;
	return p;
}

static const char *
bin_words(unsigned bin)
{
	switch (bin) {
	case 1:
		return "";
	case 5:
		return ", 5-minute averages";
	case 15:
		return ", 15-minute averages";
	case 60:
		return ", hourly averages";
	}
	return ", daily averages";
}

/* What every panel shares, and the page's title, axis names and note. */
static void
chart_page(const struct chart *c, FILE *out)
{
	const struct report	*r = c->r;
	char			 from[64], to[64], z[16], t[TITLE_MAX + 160];
	char			 note[512];
	unsigned		 th = tic_hours(c->x1 - c->x0);

	fputs("set encoding utf8\nset xdata time\nset timefmt \"%s\"\n"
	    "set format x \"%H:%M\\n%a %d %b\"\n", out);
	if (th > 0)
		fprintf(out, "set xtics %u\n", th * 3600);
	fprintf(out, "set xrange [%lld:%lld]\n", (long long)chart_x(c, c->x0),
	    (long long)chart_x(c, c->x1));
	fputs("set grid xtics ytics lc rgb \"#dddddd\" lw 1 dt 1\n"
	    "set border 3 lc rgb \"#555555\"\nset xtics nomirror\n"
	    "set ytics nomirror\nset key top left Left reverse "
	    "samplen 1.5 opaque\n", out);

	snprintf(t, sizeof(t), "requests per minute%s", bin_words(c->bin));
	fputs("set label 101 ", out);
	put_gp(out, t);
	fputs(" at screen 0.015, screen 0.5 center rotate by 90\n", out);
	snprintf(t, sizeof(t), "time (%s, %s)",
	    c->o->zone != NULL ? c->o->zone : "UTC",
	    zone_abbr(r, r->sum.first, z, sizeof(z)));
	fputs("set label 102 ", out);
	put_gp(out, t);
	fputs(" at screen 0.5, screen 0.065 center\n", out);
	snprintf(note, sizeof(note), "Source: %s (originstat). Requests "
	    "are HTTP requests plus HTTPS (TLS) handshakes. Countries: share "
	    "of the class's requests over the whole period.%s",
	    c->o->source, c->nalerts > 0 ? " Shaded: alerts." : "");
	fputs("set label 103 ", out);
	put_gp(out, note);
	fputs(" at screen 0.01, screen 0.02 left font \",9\" "
	    "textcolor rgb \"#555555\"\n", out);
	if (c->nlines < r->sum.nclasses)
		fprintf(out, "set label 104 \"%zu quieter classes not drawn\" "
		    "at screen 0.99, screen 0.02 right font \",9\"\n",
		    r->sum.nclasses - c->nlines);

	fmt_when(r, r->sum.first, from, sizeof(from));
	fmt_when(r, r->sum.last + 60, to, sizeof(to));
	snprintf(t, sizeof(t), "%s\n%s to %s", c->o->title, from, to);
	fputs("set multiplot title ", out);
	put_gp(out, t);
	fprintf(out, " font \",15\" layout %zu,1 margins 0.07,0.97,0.16,%.2f "
	    "spacing 0,0.025\n", c->nlines, c->height >= 500 ? 0.88 : 0.84);
}

static const char *
class_colour(const struct chart *c, size_t line)
{
	return is_other(c->r, c->order[line]) ? OTHER_COLOUR :
	    colours[line % LINES_MAX];
}

/* Shade the alerts of line k's class. */
static void
chart_alerts(const struct chart *c, size_t k, FILE *out)
{
	const struct report_alert	*a;
	const char			*name, *col = class_colour(c, k);
	char				 label[160];
	int64_t				 s, e;
	size_t				 i;
	unsigned			 shown = 0;

	name = c->r->sum.classes[c->order[k]].name;
	fputs("unset object\n", out);
	for (i = 0; i < c->nalerts; i++) {
		a = &c->alerts[i];
		s = a->start < c->x0 ? c->x0 : a->start;
		e = a->end == -1 || a->end > c->x1 ? c->x1 : a->end;
		if (strcmp(a->cls, name) != 0 || s >= c->x1 || e <= c->x0)
			continue;
		if (e - s < 60)
			e = s + 60;
		fprintf(out, "set object %zu rect from %lld, graph 0 to %lld, "
		    "graph 1 fc rgb \"%s\" fs transparent solid 0.15 "
		    "noborder behind\n", i + 1,
		    (long long)chart_x(c, s), (long long)chart_x(c, e), col);
		if (a->baseline > 0)
			snprintf(label, sizeof(label), "alert: %.*f/min, "
			    "%.1fx usual", a->rate < 10 ? 1 : 0, a->rate,
			    a->rate / a->baseline);
		else
			snprintf(label, sizeof(label), "alert: %.*f/min",
			    a->rate < 10 ? 1 : 0, a->rate);
		fprintf(out, "set label %zu ", i + 200);
		put_gp(out, label);
		fprintf(out, " at %lld, graph %.2f left offset 0.5,0 "
		    "font \",9\" textcolor rgb \"%s\" front\n",
		    (long long)chart_x(c, s), 0.9 - 0.14 * (shown++ % 3),
		    col);
	}
}

static void
chart_unlabel(const struct chart *c, FILE *out)
{
	size_t i;

	fputs("unset label 1\n", out);
	for (i = 0; i < c->nalerts; i++)
		fprintf(out, "unset label %zu\n", i + 200);
}

/* The peak of line k, labelled "43/min at Wed 01:15". */
static void
chart_peak_label(const struct chart *c, size_t k, FILE *out)
{
	struct tm	tm;
	size_t		p = chart_peak(c, k);
	double		y = c->v[k * c->cap + p];
	char		when[32], label[64];
	int64_t		x = chart_x(c, chart_bin_mid(c, p));

	if (y <= 0)
		return;
	/* the bin's start: a time the reader finds in the hourly table */
	to_tm(c->r, c->first + (int64_t)p * c->bin * 60, &tm);
	strftime(when, sizeof(when), "%a %H:%M", &tm);
	snprintf(label, sizeof(label), "peak %.*f/min, %s", y < 10 ? 1 : 0,
	    y, when);
	fputs("set label 1 ", out);
	put_gp(out, label);
	fprintf(out, " at %lld, %.3f %s offset %s,0.6 font \",9\" point pt 7 "
	    "ps 0.5 front\n", (long long)x, y,
	    x - chart_x(c, c->x0) > (c->x1 - c->x0) / 2 ? "right" : "left",
	    x - chart_x(c, c->x0) > (c->x1 - c->x0) / 2 ? "-0.8" : "0.8");
}

static int
chart_panel(const struct chart *c, size_t k, FILE *out)
{
	const struct report	*r = c->r;
	char			 title[CSVREAD_NAME_MAX + 200], top[128];
	size_t			 cls = c->order[k], p = chart_peak(c, k);
	double			 max = c->v[k * c->cap + p], step;

	if (fmt_top(&r->sum.classes[cls].total, top, sizeof(top)) == -1)
		return -1;
	step = nice_step(max);
	/* head room for the class's name above its line */
	fprintf(out, "set ytics %g\nset yrange [0:%g]\n", step,
	    max > 0 ? max * 1.45 : 1.0);
	fprintf(out, "set format x %s\n", k + 1 == c->nlines ?
	    "\"%H:%M\\n%a %d %b\"" : "\"\"");
	chart_unlabel(c, out);
	chart_alerts(c, k, out);
	chart_peak_label(c, k, out);
	snprintf(title, sizeof(title), "%s \xe2\x80\x94 %s",
	    r->sum.classes[cls].name, top[0] != '\0' ? top : "no country");
	fprintf(out, "plot 'data.tsv' using 1:%zu with lines lw %s "
	    "lc rgb \"%s\" title ", k + 2, is_other(r, cls) ? "1.5" : "2",
	    class_colour(c, k));
	put_gp(out, title);
	fputc('\n', out);
	return 0;
}

static int
chart_body(const struct chart *c, FILE *out)
{
	size_t k;

	chart_page(c, out);
	for (k = 0; k < c->nlines; k++)
		if (chart_panel(c, k, out) == -1)
			return -1;
	fputs("unset multiplot\nunset output\nreset\n", out);
	return 0;
}

static int
chart_script(const struct chart *c, FILE *out)
{
	fprintf(out, "set terminal pngcairo size %u,%u noenhanced "
	    "font \"DejaVu Sans,11\" background rgb \"white\"\n"
	    "set output 'chart.png'\n", c->width, c->height);
	if (chart_body(c, out) == -1)
		return -1;
	fprintf(out, "set terminal svg size %u,%u noenhanced "
	    "font \"DejaVu Sans,11\" background rgb \"white\"\n"
	    "set output 'chart.svg'\n", c->width, c->height);
	if (chart_body(c, out) == -1)
		return -1;
	return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- */
/* Files and gnuplot                                                */

struct outdir {
	char	dir[PATH_MAX];		/* the output directory */
	char	tmp[PATH_MAX];		/* private directory inside it */
};

static const char *const tmpfiles[] = {
	"chart.gp", "data.tsv", "gnuplot.err", "chart.png", "chart.svg",
	"hourly.csv", "hourly.md",
};
#define NTMPFILES	(sizeof(tmpfiles) / sizeof(tmpfiles[0]))

static int
path_in(char *buf, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void
outdir_cleanup(struct outdir *d)
{
	char	p[PATH_MAX];
	size_t	i;

	if (d->tmp[0] == '\0')
		return;
	for (i = 0; i < NTMPFILES; i++)
		if (path_in(p, sizeof(p), d->tmp, tmpfiles[i]) == 0)
			unlink(p);
	rmdir(d->tmp);
	d->tmp[0] = '\0';
}

static int
outdir_open(struct outdir *d, const char *dir)
{
	d->tmp[0] = '\0';
	if (snprintf(d->dir, sizeof(d->dir), "%s", dir) >=
	    (int)sizeof(d->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(dir, 0777) == -1 && errno != EEXIST)
		return -1;
	if (path_in(d->tmp, sizeof(d->tmp), dir, ".report.XXXXXX") == -1 ||
	    mkdtemp(d->tmp) == NULL) {
		d->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

static FILE *
outdir_create(const struct outdir *d, const char *name)
{
	char p[PATH_MAX];

	if (path_in(p, sizeof(p), d->tmp, name) == -1)
		return NULL;
	return fopen(p, "w");
}

/* Move the finished outputs from the private directory into place. */
static int
outdir_commit(struct outdir *d, const char **failed)
{
	static const char *const outs[] = {
		"chart.png", "chart.svg", "hourly.csv", "hourly.md"
	};
	char	from[PATH_MAX], to[PATH_MAX];
	size_t	i;

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		*failed = outs[i];
		if (path_in(from, sizeof(from), d->tmp, outs[i]) == -1 ||
		    path_in(to, sizeof(to), d->dir, outs[i]) == -1 ||
		    rename(from, to) == -1)
			return -1;
	}
	return 0;
}

/* Is an executable gnuplot on PATH? */
static int
gnuplot_found(void)
{
	const char	*path = getenv("PATH"), *p, *e;
	char		 f[PATH_MAX];

	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path;; p = e + 1) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (snprintf(f, sizeof(f), "%.*s/gnuplot", (int)(e - p) > 0 ?
		    (int)(e - p) : 1, (int)(e - p) > 0 ? p : ".") <
		    (int)sizeof(f) && access(f, X_OK) == 0)
			return 1;
		if (*e == '\0')
			return 0;
	}
}

/* Print what gnuplot said, a few lines at most. */
static void
gnuplot_stderr(const struct outdir *d, const char *prefix)
{
	FILE	*fp;
	char	 p[PATH_MAX], line[512];
	int	 n = 0;

	if (path_in(p, sizeof(p), d->tmp, "gnuplot.err") == -1 ||
	    (fp = fopen(p, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL && n++ < 20)
		if (line[0] != '\n')
			fprintf(stderr, "originstat report: %s: %s%s", prefix,
			    line, strchr(line, '\n') == NULL ? "\n" : "");
	fclose(fp);
}

static void
gnuplot_child(const struct outdir *d)
{
	char	*args[] = { NULL, NULL, NULL };
	char	 prog[] = "gnuplot", script[] = "chart.gp";
	int	 fd;

	args[0] = prog;
	args[1] = script;
	if (chdir(d->tmp) == -1)
		_exit(126);
	if ((fd = open("gnuplot.err", O_WRONLY | O_CREAT | O_TRUNC,
	    0666)) == -1 || dup2(fd, 2) == -1)
		_exit(126);
	if ((fd = open("/dev/null", O_RDWR)) == -1 || dup2(fd, 0) == -1 ||
	    dup2(fd, 1) == -1)
		_exit(126);
	execvp(prog, args);
	_exit(127);
}

/* Run gnuplot on chart.gp in the private directory: an exit status. */
static int
gnuplot_run(const struct outdir *d)
{
	pid_t	pid;
	int	status;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "originstat report: fork: %s\n",
		    strerror(errno));
		return EX_OSERR;
	}
	if (pid == 0)
		gnuplot_child(d);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			fprintf(stderr, "originstat report: waitpid: %s\n",
			    strerror(errno));
			return EX_OSERR;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr, "originstat report: cannot run gnuplot: "
		    "install the Debian package gnuplot-nox\n");
		return EX_UNAVAILABLE;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		gnuplot_stderr(d, "gnuplot");
		fprintf(stderr, "originstat report: gnuplot failed (%s %d)\n",
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
		return EX_SOFTWARE;
	}
	gnuplot_stderr(d, "gnuplot warning");
	return EX_OK;
}

struct args {
	const char	*csv;
	const char	*out;
	const char	*zone;
	const char	*alerts;
	const char	*title;
	unsigned	 width, height;
};

/* Write one output into the private directory with fn; an exit status. */
static int
write_file(const struct outdir *d, const char *name,
    int (*fn)(const void *, FILE *), const void *arg)
{
	FILE	*fp;
	int	 rc;

	if ((fp = outdir_create(d, name)) == NULL) {
		fprintf(stderr, "originstat report: %s/%s: %s\n", d->dir,
		    name, strerror(errno));
		return EX_CANTCREAT;
	}
	rc = fn(arg, fp);
	if (fclose(fp) == EOF || rc == -1) {
		fprintf(stderr, "originstat report: %s/%s: %s\n", d->dir,
		    name, errno != 0 ? strerror(errno) : "write error");
		return EX_IOERR;
	}
	return EX_OK;
}

static int
w_data(const void *c, FILE *fp)
{
	return chart_data(c, fp);
}

static int
w_script(const void *c, FILE *fp)
{
	return chart_script(c, fp);
}

static int
w_csv(const void *c, FILE *fp)
{
	return report_hourly_csv(((const struct chart *)c)->r, fp);
}

static int
w_md(const void *arg, FILE *fp)
{
	const struct chart *c = arg;

	return report_hourly_md(c->r, c->alerts, c->nalerts, c->o, fp);
}

static int
write_all(const struct outdir *d, const struct chart *c)
{
	int rc;

	errno = 0;
	if ((rc = write_file(d, "data.tsv", w_data, c)) != EX_OK ||
	    (rc = write_file(d, "chart.gp", w_script, c)) != EX_OK ||
	    (rc = write_file(d, "hourly.csv", w_csv, c)) != EX_OK ||
	    (rc = write_file(d, "hourly.md", w_md, c)) != EX_OK)
		return rc;
	return gnuplot_run(d);
}

static int
report_render(const struct args *a, const struct report *r,
    const struct report_alert *alerts, size_t nalerts)
{
	struct report_opts	 o;
	struct chart		 c;
	struct outdir		 d;
	const char		*failed;
	int			 rc;

	memset(&c, 0, sizeof(c));
	o.source = strcmp(a->csv, "-") == 0 ? "(stdin)" : a->csv;
	o.zone = a->zone;
	o.title = a->title;
	c.r = r;
	c.alerts = alerts;
	c.nalerts = nalerts;
	c.o = &o;
	c.width = a->width;
	c.height = a->height;
	c.x0 = r->base;
	c.x1 = r->base + (int64_t)r->nmin * 60;
	c.bin = report_bin_width(r->nmin);
	if ((c.order = report_order(r)) == NULL) {
		fprintf(stderr, "originstat report: out of memory\n");
		return EX_OSERR;
	}
	c.nlines = r->sum.nclasses < LINES_MAX ? r->sum.nclasses : LINES_MAX;
	if (chart_prepare(&c) == -1) {
		fprintf(stderr, "originstat report: out of memory\n");
		free(c.order);
		return EX_OSERR;
	}
	if (outdir_open(&d, a->out) == -1) {
		fprintf(stderr, "originstat report: %s: %s\n", a->out,
		    strerror(errno));
		free(c.v);
		free(c.order);
		return EX_CANTCREAT;
	}
	if ((rc = write_all(&d, &c)) == EX_OK &&
	    outdir_commit(&d, &failed) == -1) {
		fprintf(stderr, "originstat report: %s/%s: %s\n", a->out,
		    failed, strerror(errno));
		rc = EX_CANTCREAT;
	}
	outdir_cleanup(&d);
	free(c.v);
	free(c.order);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Command line                                                     */

static int
load_alerts(const char *path, struct report_alert **al, size_t *n)
{
	enum summary_status	 st;
	FILE			*fp;
	char			 err[ERR_MAX];

	*al = NULL;
	*n = 0;
	if (path == NULL)
		return EX_OK;
	if ((fp = csvread_open(path)) == NULL) {
		fprintf(stderr, "originstat report: %s: %s\n", path,
		    strerror(errno));
		return EX_NOINPUT;
	}
	st = report_alerts_load(al, n, fp, path, err, sizeof(err));
	if (fp != stdin)
		fclose(fp);
	if (st != SUMMARY_OK)
		fprintf(stderr, "originstat report: %s\n", err);
	return summary_exit_status(st);
}

static int
report_run(const struct args *a)
{
	struct report		 r;
	struct report_alert	*al = NULL;
	enum summary_status	 st;
	FILE			*fp;
	const char		*name;
	char			 err[ERR_MAX];
	size_t			 nal = 0;
	int			 rc;

	if ((fp = csvread_open(a->csv)) == NULL) {
		fprintf(stderr, "originstat report: %s: %s\n", a->csv,
		    strerror(errno));
		return EX_NOINPUT;
	}
	name = strcmp(a->csv, "-") == 0 ? "(stdin)" : a->csv;
	report_init(&r, a->zone != NULL);
	st = report_load(&r, fp, name, err, sizeof(err));
	if (fp != stdin)
		fclose(fp);
	if (st != SUMMARY_OK) {
		fprintf(stderr, "originstat report: %s\n", err);
		rc = summary_exit_status(st);
	} else if (r.sum.rows == 0) {
		fprintf(stderr, "originstat report: %s: no rows after the "
		    "header: nothing to report\n", name);
		rc = EX_DATAERR;
	} else if ((rc = load_alerts(a->alerts, &al, &nal)) == EX_OK)
		rc = report_render(a, &r, al, nal);
	free(al);
	report_fini(&r);
	return rc;
}

static void
report_usage(FILE *fp, int full)
{
	fprintf(fp, "usage: originstat report --csv FILE --out DIR "
	    "[--tz ZONE] [--alerts FILE]\n"
	    "                         [--title TEXT] [--width PX] "
	    "[--height PX]\n");
	if (!full) {
		fprintf(fp, "Try \"originstat report --help\".\n");
		return;
	}
	fprintf(fp, "\n"
	    "Chart and hourly table of an originstatd CSV file, written to "
	    "DIR/chart.png,\n"
	    "DIR/chart.svg, DIR/hourly.csv and DIR/hourly.md (needs gnuplot, "
	    "Debian package\n"
	    "gnuplot-nox).  See docs/report.md.\n"
	    "\n"
	    "  -c, --csv FILE      originstatd's per-minute CSV (- for "
	    "standard input)\n"
	    "  -o, --out DIR       output directory, made if missing\n"
	    "  -z, --tz ZONE       times in zone ZONE (e.g. America/Toronto), "
	    "not UTC\n"
	    "  -a, --alerts FILE   shade the alert periods of an alert log\n"
	    "  -t, --title TEXT    chart and table title\n"
	    "  -W, --width PX      chart width (default 1280)\n"
	    "  -H, --height PX     chart height (default 720)\n"
	    "  -h, --help          this text\n");
}

static int
parse_px(const char *arg, unsigned lo, unsigned hi, unsigned *v)
{
	uint64_t x;

	if (csvread_count(arg, strlen(arg), &x) == -1 || x < lo || x > hi)
		return -1;
	*v = (unsigned)x;
	return 0;
}

static int
check_title(const char *t)
{
	return strlen(t) <= TITLE_MAX && check_text(t, strlen(t)) == 0 ?
	    0 : -1;
}

static int
check_args(const struct args *a)
{
	if (a->csv == NULL || a->out == NULL) {
		fprintf(stderr, "originstat report: --csv and --out are "
		    "required\n");
		return -1;
	}
	if (a->out[0] == '\0') {
		fprintf(stderr, "originstat report: --out is empty\n");
		return -1;
	}
	if (check_title(a->title) == -1) {
		fprintf(stderr, "originstat report: --title: at most %d "
		    "bytes, no control characters\n", TITLE_MAX);
		return -1;
	}
	if (a->zone != NULL && (strlen(a->zone) > ZONE_MAX ||
	    !summary_zone_known(a->zone))) {
		fprintf(stderr, "originstat report: unknown time zone "
		    "\"%.*s\"\n", ZONE_MAX, a->zone);
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char *argv[], struct args *a)
{
	static const struct option longopts[] = {
		{ "alerts",	required_argument,	NULL,	'a' },
		{ "csv",	required_argument,	NULL,	'c' },
		{ "height",	required_argument,	NULL,	'H' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "out",	required_argument,	NULL,	'o' },
		{ "title",	required_argument,	NULL,	't' },
		{ "tz",		required_argument,	NULL,	'z' },
		{ "width",	required_argument,	NULL,	'W' },
		{ NULL,		0,			NULL,	0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "a:c:H:ho:t:z:W:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			a->alerts = optarg;
			break;
		case 'c':
			a->csv = optarg;
			break;
		case 'h':
			report_usage(stdout, 1);
			return 1;
		case 'H':
			if (parse_px(optarg, 240, 8000, &a->height) == -1) {
				fprintf(stderr, "originstat report: --height "
				    "wants 240 to 8000 pixels\n");
				return -1;
			}
			break;
		case 'o':
			a->out = optarg;
			break;
		case 't':
			a->title = optarg;
			break;
		case 'W':
			if (parse_px(optarg, 320, 8000, &a->width) == -1) {
				fprintf(stderr, "originstat report: --width "
				    "wants 320 to 8000 pixels\n");
				return -1;
			}
			break;
		case 'z':
			a->zone = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "originstat report: unexpected argument "
		    "\"%s\"\n", argv[optind]);
		return -1;
	}
	return check_args(a);
}

int
report_main(int argc, char *argv[])
{
	struct args	a;
	int		rc;

	memset(&a, 0, sizeof(a));
	a.title = "Requests per minute, by page class";
	a.width = 1280;
	a.height = 720;
	if ((rc = parse_args(argc, argv, &a)) == 1)
		return EX_OK;
	if (rc == -1) {
		report_usage(stderr, 0);
		return EX_USAGE;
	}
	if (!gnuplot_found()) {
		fprintf(stderr, "originstat report: gnuplot not found on PATH: "
		    "install the Debian package gnuplot-nox\n");
		return EX_UNAVAILABLE;
	}
	if (a.zone != NULL) {
		if (setenv("TZ", a.zone, 1) == -1) {
			fprintf(stderr, "originstat report: setenv: %s\n",
			    strerror(errno));
			return EX_OSERR;
		}
		tzset();
	}
	return report_run(&a);
}

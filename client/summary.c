/*
 * summary.c - `originstat summary`: per-hour table from originstatd's CSV.
 *
 * The file is read once, row by row (csvread.h), into hourly totals per
 * (class, country); memory grows with hours x classes x countries, not
 * with rows.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "summary.h"

#define CC_MIN		8	/* first country allocation */

/* summary_class copies csvread's checked names into its own */
_Static_assert(SUMMARY_NAME_MAX >= CSVREAD_NAME_MAX, "class name sizes");

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


/* ---------------------------------------------------------------- */
/* Aggregation                                                      */

uint64_t
summary_cell_hits(const struct summary_cell *c)
{
	return c->requests + c->tls;
}

static void
cell_fini(struct summary_cell *c)
{
	free(c->cc);
	memset(c, 0, sizeof(*c));
}

static struct summary_cc *
cell_country(struct summary_cell *c, const char cc[3])
{
	struct summary_cc	*p;
	size_t			 i, cap;

	for (i = 0; i < c->ncc; i++)
		if (memcmp(c->cc[i].cc, cc, 2) == 0)
			return &c->cc[i];
	if (c->ncc == c->cccap) {
		cap = c->cccap == 0 ? CC_MIN : c->cccap * 2;
		if ((p = realloc(c->cc, cap * sizeof(*p))) == NULL)
			return NULL;
		c->cc = p;
		c->cccap = cap;
	}
	p = &c->cc[c->ncc++];
	memcpy(p->cc, cc, 3);
	p->hits = 0;
	return p;
}

/*
 * Add counts to a cell.  SUMMARY_BAD when they would overflow (then the
 * cell is unchanged), SUMMARY_NOMEM.
 */
static enum summary_status
cell_add(struct summary_cell *c, const char cc[3], uint64_t req,
    uint64_t tls)
{
	struct summary_cc *p;

	if (req > UINT64_MAX - c->requests || tls > UINT64_MAX - c->tls ||
	    c->requests + req > UINT64_MAX - (c->tls + tls))
		return SUMMARY_BAD;
	if ((p = cell_country(c, cc)) == NULL)
		return SUMMARY_NOMEM;
	c->requests += req;
	c->tls += tls;
	p->hits += req + tls;
	return SUMMARY_OK;
}

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* dst += src, saturating (display only).  0, or -1 out of memory. */
static int
cell_merge(struct summary_cell *dst, const struct summary_cell *src)
{
	struct summary_cc	*p;
	size_t			 i;

	dst->requests = add_sat(dst->requests, src->requests);
	dst->tls = add_sat(dst->tls, src->tls);
	for (i = 0; i < src->ncc; i++) {
		if ((p = cell_country(dst, src->cc[i].cc)) == NULL)
			return -1;
		p->hits = add_sat(p->hits, src->cc[i].hits);
	}
	return 0;
}

void
summary_init(struct summary *s, int local)
{
	memset(s, 0, sizeof(*s));
	s->local = local;
}

void
summary_fini(struct summary *s)
{
	size_t h, c;

	for (h = 0; h < s->nhours; h++) {
		for (c = 0; c < s->hours[h].ncells; c++)
			cell_fini(&s->hours[h].cells[c]);
		free(s->hours[h].cells);
	}
	for (c = 0; c < s->nclasses; c++)
		cell_fini(&s->classes[c].total);
	free(s->hours);
	free(s->classes);
	summary_init(s, 0);
}

/* Index of the class, added if new; -1 too many, -2 out of memory. */
static int
summary_class(struct summary *s, const char *name)
{
	struct summary_class	*p;
	size_t			 i, cap;

	for (i = 0; i < s->nclasses; i++)
		if (strcmp(s->classes[i].name, name) == 0)
			return (int)i;
	if (s->nclasses == SUMMARY_CLASSES_MAX)
		return -1;
	if (s->nclasses == s->classcap) {
		cap = s->classcap == 0 ? 8 : s->classcap * 2;
		if ((p = realloc(s->classes, cap * sizeof(*p))) == NULL)
			return -2;
		s->classes = p;
		s->classcap = cap;
	}
	p = &s->classes[s->nclasses];
	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	return (int)s->nclasses++;
}

/* Epoch seconds of the start of the (UTC or local) hour holding t. */
static int
hour_start(const struct summary *s, int64_t t, int64_t *start)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (!s->local) {
		*start = t - t % 3600;
		return 0;
	}
	if (localtime_r(&tt, &tm) == NULL)
		return -1;
	*start = t - tm.tm_min * 60 - tm.tm_sec;
	return 0;
}

/* The hour starting at start, added if new; NULL out of memory. */
static struct summary_hour *
summary_hour(struct summary *s, int64_t start)
{
	struct summary_hour	*p;
	size_t			 lo = 0, hi = s->nhours, mid, cap;

	/* rows come in time order: the last hour is nearly always it */
	if (hi > 0 && s->hours[hi - 1].start == start)
		return &s->hours[hi - 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->hours[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nhours && s->hours[lo].start == start)
		return &s->hours[lo];
	if (s->nhours == s->hourcap) {
		cap = s->hourcap == 0 ? 32 : s->hourcap * 2;
		if ((p = realloc(s->hours, cap * sizeof(*p))) == NULL)
			return NULL;
		s->hours = p;
		s->hourcap = cap;
	}
	memmove(&s->hours[lo + 1], &s->hours[lo],
	    (s->nhours - lo) * sizeof(s->hours[0]));
	s->nhours++;
	p = &s->hours[lo];
	memset(p, 0, sizeof(*p));
	p->start = start;
	return p;
}

/* The hour's cell for class cls, growing its cell array to fit. */
static struct summary_cell *
hour_cell(struct summary_hour *h, size_t cls, size_t nclasses)
{
	struct summary_cell *p;

	if (cls >= h->ncells) {
		if ((p = realloc(h->cells, nclasses * sizeof(*p))) == NULL)
			return NULL;
		memset(&p[h->ncells], 0,
		    (nclasses - h->ncells) * sizeof(*p));
		h->cells = p;
		h->ncells = nclasses;
	}
	return &h->cells[cls];
}

enum summary_status
summary_add_row(struct summary *s, const struct csvread *in,
    const struct csvread_row *r, char *err, size_t errcap)
{
	struct summary_hour	*h;
	struct summary_cell	*cell;
	enum summary_status	 st;
	int64_t			 t = r->minute, start;
	int			 cls;

	if (hour_start(s, t, &start) == -1) {
		csvread_bad_field(in, err, errcap, "time out of range:", 0);
		return SUMMARY_BAD;
	}
	if ((cls = summary_class(s, r->cls)) == -1) {
		csvread_bad_field(in, err, errcap, "too many classes at", 1);
		return SUMMARY_BAD;
	}
	if (cls == -2 || (h = summary_hour(s, start)) == NULL ||
	    (cell = hour_cell(h, (size_t)cls, s->nclasses)) == NULL)
		goto nomem;
	/*
	 * The class total first: no hour of the class holds more, so if the
	 * total takes the row without overflow, so does the hour.
	 */
	if ((st = cell_add(&s->classes[cls].total, r->cc, r->requests,
	    r->tls)) == SUMMARY_BAD) {
		csvread_bad_field(in, err, errcap,
		    "counts add up past 2^64 at", 3);
		return SUMMARY_BAD;
	}
	if (st == SUMMARY_NOMEM ||
	    cell_add(cell, r->cc, r->requests, r->tls) != SUMMARY_OK)
		goto nomem;
	h->minutes |= (uint64_t)1 << ((t - start) / 60);
	if (s->rows == 0 || t < s->first)
		s->first = t;
	if (s->rows == 0 || t > s->last)
		s->last = t;
	s->rows++;
	return SUMMARY_OK;
nomem:
	errf(err, errcap, "%s:%llu: out of memory", in->name,
	    (unsigned long long)in->recline);
	return SUMMARY_NOMEM;
}

enum summary_status
summary_load(struct summary *s, FILE *fp, const char *name, char *err,
    size_t errcap)
{
	struct csvread		*in;
	struct csvread_row	 r;
	enum summary_status	 st = SUMMARY_OK;
	enum csvread_rc		 rc;

	if ((in = malloc(sizeof(*in))) == NULL) {
		errf(err, errcap, "%s: out of memory", name);
		return SUMMARY_NOMEM;
	}
	csvread_init(in, fp, name);
	rc = csvread_counts_header(in, err, errcap);
	while (rc == CSVREAD_RECORD && (rc = csvread_counts_next(in, &r, err,
	    errcap)) == CSVREAD_RECORD)
		if ((st = summary_add_row(s, in, &r, err, errcap)) !=
		    SUMMARY_OK)
			goto out;
	if (rc == CSVREAD_BAD)
		st = SUMMARY_BAD;
	else if (rc == CSVREAD_IO) {
		errf(err, errcap, "%s:%llu: read error: %s", name,
		    (unsigned long long)in->line, strerror(errno));
		st = SUMMARY_IO;
	}
out:
	free(in);
	return st;
}


/* ---------------------------------------------------------------- */
/* Printing                                                         */

/*
 * What is printed: columns of classes by hits, the rest folded into
 * "other", and each column's merged cells per hour and in total.
 */
struct view {
	size_t			*order;		/* by hits, "other" last */
	size_t			 ncols;		/* columns shown */
	int			 has_other;	/* last column is "other" */
	size_t			*colof;		/* class index -> column */
	struct summary_cell	*cells;		/* [hour * ncols + col] */
	struct summary_cell	*totals;	/* [col] */
	unsigned		 top;		/* countries per hourly cell */
};

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

static int
cc_cmp(const void *a, const void *b)
{
	const struct summary_cc *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return memcmp(x->cc, y->cc, 2);
}

/* "MX 31% BR 22% KR 9%": the top countries of a cell and their shares. */
static int
fmt_top(const struct summary_cell *c, unsigned top, char *buf, size_t cap)
{
	struct summary_cc	*cc;
	uint64_t		 hits = summary_cell_hits(c), pct;
	size_t			 i, n, o = 0;

	buf[0] = '\0';
	if (c->ncc == 0 || top == 0 || hits == 0)
		return 0;
	if ((cc = malloc(c->ncc * sizeof(*cc))) == NULL)
		return -1;
	memcpy(cc, c->cc, c->ncc * sizeof(*cc));
	qsort(cc, c->ncc, sizeof(*cc), cc_cmp);
	n = c->ncc < top ? c->ncc : top;
	for (i = 0; i < n && cc[i].hits > 0 && o < cap; i++) {
		pct = (uint64_t)((double)cc[i].hits * 100.0 / (double)hits +
		    0.5);
		o += (size_t)snprintf(buf + o, cap - o, "%s%s %s%llu%%",
		    i > 0 ? " " : "",
		    strcmp(cc[i].cc, "ZZ") == 0 ? "??" : cc[i].cc,
		    pct == 0 ? "<" : "", (unsigned long long)(pct == 0 ? 1 :
		    pct));
	}
	free(cc);
	return 0;
}

static int
is_other(const struct summary *s, size_t cls)
{
	return strcmp(s->classes[cls].name, "other") == 0;
}

/* Does class x come before y: by hits, ties by name, "other" last. */
static int
class_before(const struct summary *s, size_t x, size_t y)
{
	uint64_t hx, hy;

	if (is_other(s, x) != is_other(s, y))
		return is_other(s, y);
	hx = summary_cell_hits(&s->classes[x].total);
	hy = summary_cell_hits(&s->classes[y].total);
	if (hx != hy)
		return hx > hy;
	return strcmp(s->classes[x].name, s->classes[y].name) < 0;
}

/* Insertion sort: few classes, and qsort has no context argument. */
static void
sort_classes(const struct summary *s, size_t *order)
{
	size_t i, j, k;

	for (i = 0; i < s->nclasses; i++)
		order[i] = i;
	for (i = 1; i < s->nclasses; i++) {
		k = order[i];
		for (j = i; j > 0 && class_before(s, k, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = k;
	}
}

static void
view_fini(struct view *v, size_t nhours)
{
	size_t i;

	if (v->cells != NULL)
		for (i = 0; i < nhours * v->ncols; i++)
			cell_fini(&v->cells[i]);
	if (v->totals != NULL)
		for (i = 0; i < v->ncols; i++)
			cell_fini(&v->totals[i]);
	free(v->cells);
	free(v->totals);
	free(v->order);
	free(v->colof);
	memset(v, 0, sizeof(*v));
}

/* Columns for the nshown busiest classes, the rest merged as "other". */
static int
view_build(const struct summary *s, size_t nshown, struct view *v)
{
	size_t i, h, c, nplain = 0;

	memset(v, 0, sizeof(*v));
	if ((v->order = calloc(s->nclasses, sizeof(size_t))) == NULL ||
	    (v->colof = calloc(s->nclasses, sizeof(size_t))) == NULL)
		return -1;
	sort_classes(s, v->order);
	for (i = 0; i < s->nclasses; i++)
		nplain += !is_other(s, i);
	if (nshown > nplain)
		nshown = nplain;
	v->has_other = s->nclasses > nshown;
	v->ncols = nshown + (size_t)v->has_other;
	for (i = 0; i < s->nclasses; i++)
		v->colof[v->order[i]] = i < nshown ? i : nshown;
	if ((v->cells = calloc(s->nhours * v->ncols,
	    sizeof(*v->cells))) == NULL ||
	    (v->totals = calloc(v->ncols, sizeof(*v->totals))) == NULL)
		return -1;
	for (i = 0; i < s->nclasses; i++) {
		c = v->colof[i];
		if (cell_merge(&v->totals[c], &s->classes[i].total) == -1)
			return -1;
		for (h = 0; h < s->nhours; h++)
			if (i < s->hours[h].ncells && cell_merge(
			    &v->cells[h * v->ncols + c],
			    &s->hours[h].cells[i]) == -1)
				return -1;
	}
	return 0;
}

static const char *
view_label(const struct summary *s, const struct view *v, size_t col)
{
	if (v->has_other && col == v->ncols - 1)
		return "other";
	return s->classes[v->order[col]].name;
}

static unsigned
popcount64(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
}

static uint64_t
summary_minutes(const struct summary *s)
{
	uint64_t	n = 0;
	size_t		h;

	for (h = 0; h < s->nhours; h++)
		n += popcount64(s->hours[h].minutes);
	return n;
}

static void
to_tm(const struct summary *s, int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	memset(tm, 0, sizeof(*tm));
	if (s->local)
		localtime_r(&tt, tm);
	else
		gmtime_r(&tt, tm);
}

/*
 * "2016-11-08 19:00", or "           20:00" on the same day as the row
 * before (day holds that row's date).  Local times carry the zone's
 * abbreviation, which also tells apart the hour repeated when DST ends.
 */
static void
fmt_hour(const struct summary *s, int64_t start, char day[16], char *buf,
    size_t cap)
{
	struct tm	tm;
	char		d[16], hm[8], zone[16] = "";

	to_tm(s, start, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	strftime(hm, sizeof(hm), "%H:%M", &tm);
	if (s->local)
		strftime(zone, sizeof(zone), " %Z", &tm);
	snprintf(buf, cap, "%-10s %s%s", strcmp(d, day) == 0 ? "" : d, hm,
	    zone);
	strcpy(day, d);
}

/* Bounded line builder: output lines are short, appends never overrun. */
struct line {
	char	buf[2048];
	size_t	len;
};

static void
line_add(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
line_add(struct line *l, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len > sizeof(l->buf) - 1)
		l->len = sizeof(l->buf) - 1;
}

/* Print without trailing blanks, and start over. */
static void
line_put(struct line *l, FILE *out)
{
	while (l->len > 0 && l->buf[l->len - 1] == ' ')
		l->len--;
	fprintf(out, "%.*s\n", (int)l->len, l->buf);
	l->len = 0;
}

/* Widths of one table layout. */
struct layout {
	size_t	tw;				/* time column */
	size_t	hw[SUMMARY_COLS_MAX + 1];	/* hits */
	size_t	cw[SUMMARY_COLS_MAX + 1];	/* countries */
	size_t	colw[SUMMARY_COLS_MAX + 1];
	size_t	total;
};

#define TOP_BUF	(SUMMARY_TOP_MAX * 12 + 1)

static void
widen(size_t *w, size_t n)
{
	if (n > *w)
		*w = n;
}

static int
layout_cell(const struct summary_cell *c, unsigned top, size_t *hw,
    size_t *cw)
{
	char	num[32], cc[TOP_BUF];

	if (fmt_top(c, top, cc, sizeof(cc)) == -1)
		return -1;
	fmt_count(summary_cell_hits(c), num);
	widen(hw, summary_cell_hits(c) == 0 ? 1 : strlen(num));
	widen(cw, strlen(cc));
	return 0;
}

static int
layout_compute(const struct summary *s, const struct view *v,
    const char *heading, struct layout *lo)
{
	char	label[96], day[16] = "";
	size_t	h, c;

	memset(lo, 0, sizeof(*lo));
	lo->tw = strlen(heading);
	widen(&lo->tw, strlen("Total"));
	for (h = 0; h < s->nhours; h++) {
		fmt_hour(s, s->hours[h].start, day, label, sizeof(label));
		widen(&lo->tw, strlen(label));
	}
	lo->total = lo->tw + 2 + 4;
	for (c = 0; c < v->ncols; c++) {
		for (h = 0; h < s->nhours; h++)
			if (layout_cell(&v->cells[h * v->ncols + c], v->top,
			    &lo->hw[c], &lo->cw[c]) == -1)
				return -1;
		if (layout_cell(&v->totals[c], v->top, &lo->hw[c],
		    &lo->cw[c]) == -1)
			return -1;
		lo->colw[c] = lo->hw[c] + (lo->cw[c] > 0 ? 2 + lo->cw[c] : 0);
		widen(&lo->colw[c], strlen(view_label(s, v, c)));
		/* a heading wider than the cells: numbers go to its end */
		lo->hw[c] = lo->colw[c] - (lo->cw[c] > 0 ? 2 + lo->cw[c] : 0);
		lo->total += 3 + lo->colw[c];
	}
	return 0;
}

static int
put_cell(struct line *l, const struct layout *lo, size_t c,
    const struct summary_cell *cell, unsigned top)
{
	char	num[32], cc[TOP_BUF];
	size_t	start = l->len;

	if (fmt_top(cell, top, cc, sizeof(cc)) == -1)
		return -1;
	fmt_count(summary_cell_hits(cell), num);
	line_add(l, "   %*s", (int)lo->hw[c],
	    summary_cell_hits(cell) == 0 ? "-" : num);
	if (cc[0] != '\0')
		line_add(l, "  %s", cc);
	line_add(l, "%*s", (int)(lo->colw[c] + 3 - (l->len - start)), "");
	return 0;
}

static int
put_table(const struct summary *s, const struct view *v,
    const struct layout *lo, const char *heading, FILE *out)
{
	struct line	 l;
	char		 label[96], day[16] = "";
	size_t		 h, c;

	l.len = 0;
	line_add(&l, "%-*s  mins", (int)lo->tw, heading);
	for (c = 0; c < v->ncols; c++)
		line_add(&l, "   %-*s", (int)lo->colw[c],
		    view_label(s, v, c));
	line_put(&l, out);
	for (h = 0; h < s->nhours; h++) {
		fmt_hour(s, s->hours[h].start, day, label, sizeof(label));
		line_add(&l, "%-*s  %4u", (int)lo->tw, label,
		    popcount64(s->hours[h].minutes));
		for (c = 0; c < v->ncols; c++)
			if (put_cell(&l, lo, c, &v->cells[h * v->ncols + c],
			    v->top) == -1)
				return -1;
		line_put(&l, out);
	}
	for (c = 0; c < lo->total && c < sizeof(l.buf) - 1; c++)
		l.buf[c] = '-';
	l.len = c;
	line_put(&l, out);
	line_add(&l, "%-*s  %4llu", (int)lo->tw, "Total",
	    (unsigned long long)summary_minutes(s));
	for (c = 0; c < v->ncols; c++)
		if (put_cell(&l, lo, c, &v->totals[c], v->top) == -1)
			return -1;
	line_put(&l, out);
	return 0;
}

/* One line per class, all of them, with the requests / TLS split. */
static int
put_classes(const struct summary *s, const struct view *v, uint64_t all,
    unsigned top, FILE *out)
{
	const struct summary_cell	*t;
	struct line			 l;
	char				 a[32], b[32], c[32], cc[TOP_BUF];
	size_t				 i, nw = strlen("Class");
	size_t				 hw = strlen("hits"), rw, tw;

	l.len = 0;
	rw = strlen("requests");
	tw = strlen("TLS");
	for (i = 0; i < s->nclasses; i++) {
		t = &s->classes[i].total;
		widen(&nw, strlen(s->classes[i].name));
		fmt_count(summary_cell_hits(t), a);
		fmt_count(t->requests, b);
		fmt_count(t->tls, c);
		widen(&hw, strlen(a));
		widen(&rw, strlen(b));
		widen(&tw, strlen(c));
	}
	line_add(&l, "%-*s  %*s  share  %*s  %*s  top countries", (int)nw,
	    "Class", (int)hw, "hits", (int)rw, "requests", (int)tw, "TLS");
	line_put(&l, out);
	for (i = 0; i < s->nclasses; i++) {
		t = &s->classes[v->order[i]].total;
		fmt_count(summary_cell_hits(t), a);
		fmt_count(t->requests, b);
		fmt_count(t->tls, c);
		if (fmt_top(t, top, cc, sizeof(cc)) == -1)
			return -1;
		line_add(&l, "%-*s  %*s  %4.1f%%  %*s  %*s  %s", (int)nw,
		    s->classes[v->order[i]].name, (int)hw, a,
		    all > 0 ? (double)summary_cell_hits(t) * 100.0 /
		    (double)all : 0.0, (int)rw, b, (int)tw, c, cc);
		line_put(&l, out);
	}
	return 0;
}

static void
put_title(const struct summary *s, const struct summary_opts *o,
    uint64_t all, FILE *out)
{
	struct tm	a, b;
	char		from[32], to[32], n[32];

	to_tm(s, s->first, &a);
	to_tm(s, s->last + 60, &b);
	strftime(from, sizeof(from), "%Y-%m-%d %H:%M", &a);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
		strftime(to, sizeof(to), "%H:%M", &b);
	else
		strftime(to, sizeof(to), "%Y-%m-%d %H:%M", &b);
	fmt_count(all, n);
	fprintf(out, "originstat summary of %s\n", o->name);
	fprintf(out, "%s to %s %s: %llu minutes with data, %zu class%s, "
	    "%s hits\n\n", from, to, o->zone != NULL ? o->zone : "UTC",
	    (unsigned long long)summary_minutes(s), s->nclasses,
	    s->nclasses == 1 ? "" : "es", n);
}

static void
put_footer(const struct summary *s, const struct view *v,
    const struct summary_opts *o, FILE *out)
{
	struct line	l;
	size_t		i, shown = v->ncols - (size_t)v->has_other;

	l.len = 0;
	fprintf(out, "\nHits are HTTP requests plus TLS handshakes; shares "
	    "are of each cell's hits; ?? is an unknown country.\n"
	    "Clients are left out: they are distinct counts per minute "
	    "and do not add up across minutes.\n");
	if (v->top < o->top)
		fprintf(out, "Hourly cells show the top %u countr%s to fit "
		    "in %d columns; the class lines show %u.\n", v->top,
		    v->top == 1 ? "y" : "ies", SUMMARY_WIDTH, o->top);
	if (v->has_other && s->nclasses - shown > 1) {
		line_add(&l, "\"other\" in the table also holds:");
		for (i = shown; i < s->nclasses; i++)
			if (!is_other(s, v->order[i])) {
				if (l.len > SUMMARY_WIDTH - 40) {
					line_add(&l, " ...");
					break;
				}
				line_add(&l, " %s",
				    s->classes[v->order[i]].name);
			}
		line_put(&l, out);
	}
}

/*
 * Find the widest layout that fits: every class column with fewer
 * countries per cell first, then fewer class columns.
 */
static int
fit(const struct summary *s, const struct summary_opts *o,
    const char *heading, struct view *v, struct layout *lo)
{
	size_t		shown;
	unsigned	top;

	for (shown = SUMMARY_COLS_MAX;; shown--) {
		if (view_build(s, shown, v) == -1)
			return -1;
		for (top = o->top;; top--) {
			v->top = top;
			if (layout_compute(s, v, heading, lo) == -1)
				return -1;
			if (lo->total <= SUMMARY_WIDTH || top <= 1)
				break;
		}
		if (lo->total <= SUMMARY_WIDTH || shown <= 1)
			return 0;
		view_fini(v, s->nhours);
	}
}

int
summary_print(const struct summary *s, FILE *out,
    const struct summary_opts *o)
{
	struct view	v;
	struct layout	lo;
	char		heading[96];
	uint64_t	all = 0;
	size_t		i;
	int		rc = -1;

	if (s->rows == 0) {
		fprintf(out, "originstat summary of %s\nNo data: the file "
		    "holds only the header.\n", o->name);
		return 0;
	}
	for (i = 0; i < s->nclasses; i++)
		all = add_sat(all, summary_cell_hits(&s->classes[i].total));
	snprintf(heading, sizeof(heading), "Hour (%s)",
	    o->zone != NULL ? o->zone : "UTC");
	if (fit(s, o, heading, &v, &lo) == -1)
		goto out;
	put_title(s, o, all, out);
	if (put_table(s, &v, &lo, heading, out) == -1)
		goto out;
	fputc('\n', out);
	if (put_classes(s, &v, all, o->top, out) == -1)
		goto out;
	put_footer(s, &v, o, out);
	rc = 0;
out:
	view_fini(&v, s->nhours);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Command line                                                     */

#define ZONE_MAX	64

static void
summary_usage(FILE *fp, int full)
{
	fprintf(fp, "usage: originstat summary [--tz ZONE] [--top N] "
	    "FILE.csv\n");
	if (!full) {
		fprintf(fp, "Try \"originstat summary --help\".\n");
		return;
	}
	fprintf(fp, "\n"
	    "Per-hour table of an originstatd CSV file: hits (requests + "
	    "TLS handshakes)\n"
	    "per class, with each class's top countries and their share.\n"
	    "\n"
	    "  -z, --tz ZONE   hours in time zone ZONE (e.g. "
	    "America/Mexico_City),\n"
	    "                  not UTC\n"
	    "  -n, --top N     countries per class, 0 to %d (default 3)\n"
	    "  -h, --help      this text\n"
	    "\n"
	    "FILE.csv may be - for standard input.\n", SUMMARY_TOP_MAX);
}

/*
 * glibc takes any TZ and falls back to UTC in silence; a zone name that
 * is not a POSIX TZ string must name a file in the zone database.
 */
int
summary_zone_known(const char *zone)
{
	const char	*dir = getenv("TZDIR");
	char		 path[512];

	if (zone[0] == ':')
		zone++;
	if (zone[0] == '\0' || strstr(zone, "..") != NULL)
		return 0;
	if (strchr(zone, '/') == NULL && strpbrk(zone, "0123456789") != NULL)
		return 1;
	if (zone[0] == '/')
		return access(zone, R_OK) == 0;
	snprintf(path, sizeof(path), "%s/%s",
	    dir != NULL ? dir : "/usr/share/zoneinfo", zone);
	return access(path, R_OK) == 0;
}

int
summary_exit_status(enum summary_status st)
{
	switch (st) {
	case SUMMARY_OK:
		return EX_OK;
	case SUMMARY_BAD:
		return EX_DATAERR;
	case SUMMARY_IO:
		return EX_IOERR;
	case SUMMARY_NOMEM:
		break;
	}
	return EX_OSERR;
}

static int
summary_run(const char *path, const char *zone, unsigned top)
{
	struct summary		 s;
	struct summary_opts	 o;
	enum summary_status	 st;
	FILE			*fp;
	char			 err[512];
	int			 rc;

	if ((fp = csvread_open(path)) == NULL) {
		fprintf(stderr, "originstat summary: %s: %s\n", path,
		    strerror(errno));
		return EX_NOINPUT;
	}
	summary_init(&s, zone != NULL);
	st = summary_load(&s, fp, strcmp(path, "-") == 0 ? "(stdin)" : path,
	    err, sizeof(err));
	if (fp != stdin)
		fclose(fp);
	if (st != SUMMARY_OK) {
		fprintf(stderr, "originstat summary: %s\n", err);
		summary_fini(&s);
		return summary_exit_status(st);
	}
	o.name = path;
	o.zone = zone;
	o.top = top;
	rc = EX_OK;
	if (summary_print(&s, stdout, &o) == -1) {
		fprintf(stderr, "originstat summary: out of memory\n");
		rc = EX_OSERR;
	} else if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "originstat summary: standard output: %s\n",
		    strerror(errno));
		rc = EX_IOERR;
	}
	summary_fini(&s);
	return rc;
}

static int
parse_top(const char *arg, unsigned *top)
{
	uint64_t v;

	if (csvread_count(arg, strlen(arg), &v) == -1 || v > SUMMARY_TOP_MAX)
		return -1;
	*top = (unsigned)v;
	return 0;
}

int
summary_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",	no_argument,		NULL,	'h' },
		{ "top",	required_argument,	NULL,	'n' },
		{ "tz",		required_argument,	NULL,	'z' },
		{ NULL,		0,			NULL,	0 },
	};
	const char	*zone = NULL;
	unsigned	 top = 3;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "hn:z:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			summary_usage(stdout, 1);
			return EX_OK;
		case 'n':
			if (parse_top(optarg, &top) == -1) {
				fprintf(stderr, "originstat summary: --top "
				    "wants a number from 0 to %d, not \"%s\"\n",
				    SUMMARY_TOP_MAX, optarg);
				return EX_USAGE;
			}
			break;
		case 'z':
			zone = optarg;
			break;
		default:
			summary_usage(stderr, 0);
			return EX_USAGE;
		}
	}
	if (argc - optind != 1) {
		summary_usage(stderr, 0);
		return EX_USAGE;
	}
	if (zone != NULL) {
		if (strlen(zone) > ZONE_MAX || !summary_zone_known(zone)) {
			fprintf(stderr, "originstat summary: unknown time "
			    "zone \"%.*s\"\n", ZONE_MAX, zone);
			return EX_USAGE;
		}
		if (setenv("TZ", zone, 1) == -1) {
			fprintf(stderr, "originstat summary: setenv: %s\n",
			    strerror(errno));
			return EX_OSERR;
		}
		tzset();
	}
	return summary_run(argv[optind], zone, top);
}

/*
 * tail.c - `originstat tail`: the counts of an originstatd, minute by
 * minute, as they close.
 *
 * On a terminal the last few minutes are a table redrawn in place (ANSI
 * "home" and "clear to end of screen", which every terminal emulator in
 * use understands); otherwise one line per closed minute and class, for
 * pipes and logs.  The subscriber core (sub.h) fills in minutes missed,
 * so a table shown after a reconnection has no holes.
 *
 * The clients column sums the per-country distinct counts of one class in
 * one minute: a client address has one country, so within a minute and
 * class the sum is still a distinct count (an estimate past 1024 per
 * country, docs/wire.md).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "sub.h"
#include "tail.h"

#define TAIL_TOP	3	/* countries shown per class */
#define TAIL_MINUTES	10	/* minutes on screen, default */
#define TAIL_MINUTES_MAX 1440
#define TAIL_WIDTH	80

struct tail_cc {
	char		cc[SUB_CC_MAX + 1];
	uint64_t	hits;		/* requests + TLS handshakes */
};

struct tail_cls {
	char		cls[SUB_CLASS_MAX + 1];
	uint64_t	requests;
	uint64_t	tls;
	uint64_t	clients;
	struct tail_cc	top[TAIL_TOP];
	size_t		ntop;
};

struct tail_min {
	int64_t		 ts;
	struct tail_cls	*cls;
	size_t		 ncls;
};

struct tail {
	const char	*prog;
	const char	*connect;
	const char	*only;		/* --class, or NULL */
	const struct curve_client *curve;	/* or NULL */
	int		 tty;
	size_t		 nshow;		/* minutes on screen */
	struct tail_min	*ring;		/* last nshow minutes */
	size_t		 nring;
	size_t		 next;		/* slot of the next minute */
};

static volatile sig_atomic_t tail_stop;

static void
tail_signal(int sig)
{
	(void)sig;
	tail_stop = 1;
}

static void
tail_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: originstat tail --connect EP [--class C] [--snapshot EP]\n"
	    "                       [--minutes N]\n"
	    "\n"
	    "Show an originstatd's counts as its minutes close: per minute\n"
	    "and class the requests, TLS handshakes, distinct clients and\n"
	    "the top countries.  On a terminal the last minutes are redrawn\n"
	    "in place; otherwise one line per minute and class.\n"
	    "\n"
	    "  -c, --connect EP    the daemon's --publish endpoint\n"
	    "  -C, --class C       only class C (exactly; shown also when 0)\n"
	    "  -s, --snapshot EP   the daemon's snapshot service (default: as\n"
	    "                      announced, or port + 1, PATH.snapshot)\n"
	    "  -n, --minutes N     minutes on the terminal (default %d)\n"
	    "      --curve-server-key KEY  CurveZMQ: the daemon's public key,\n"
	    "                      Z85 or a file holding it (OUT.pub)\n"
	    "      --curve-key FILE    CurveZMQ: our secret key file (OUT.key)\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "Runs until SIGINT or SIGTERM, reconnecting whenever the daemon\n"
	    "goes.  Exit status: 0, 64 usage, 74 write error.\n",
	    TAIL_MINUTES);
}

/* ---------------------------------------------------------------- */
/* Summaries                                                        */

/* Keep the TAIL_TOP countries with most hits; earlier (smaller cc) wins. */
static void
tail_top_add(struct tail_cls *c, const char *cc, uint64_t hits)
{
	size_t i;

	if (hits == 0)
		return;
	if (c->ntop == TAIL_TOP && hits <= c->top[TAIL_TOP - 1].hits)
		return;
	i = c->ntop < TAIL_TOP ? c->ntop++ : TAIL_TOP - 1;
	for (; i > 0 && c->top[i - 1].hits < hits; i--)
		c->top[i] = c->top[i - 1];
	snprintf(c->top[i].cc, sizeof(c->top[i].cc), "%s", cc);
	c->top[i].hits = hits;
}

/* Per-class totals of a minute (rows come sorted by class).  0 or -1. */
static int
tail_summarise(const struct sub_minute *m, struct tail_min *out)
{
	const struct sub_row *r;
	struct tail_cls *c = NULL;
	size_t i;

	out->ts = m->minute_ts;
	out->ncls = 0;
	if ((out->cls = calloc(m->nrows + 1, sizeof(*out->cls))) == NULL)
		return -1;
	for (i = 0; i < m->nrows; i++) {
		r = &m->rows[i];
		if (c == NULL || strcmp(c->cls, r->cls) != 0) {
			c = &out->cls[out->ncls++];
			snprintf(c->cls, sizeof(c->cls), "%s", r->cls);
		}
		c->requests += r->requests;
		c->tls += r->tls_handshakes;
		c->clients += r->clients;
		tail_top_add(c, r->cc, r->requests + r->tls_handshakes);
	}
	return 0;
}

/* The class --class names in a minute; a zero one if it had none. */
static const struct tail_cls *
tail_only(const struct tail *t, const struct tail_min *m,
    struct tail_cls *zero)
{
	size_t i;

	for (i = 0; i < m->ncls; i++)
		if (strcmp(m->cls[i].cls, t->only) == 0)
			return &m->cls[i];
	memset(zero, 0, sizeof(*zero));
	snprintf(zero->cls, sizeof(zero->cls), "%s", t->only);
	return zero;
}

/* ts as 2016-11-08T19:00:00Z, or for the table 2016-11-08 19:00. */
static void
tail_when(int64_t ts, int table, char *buf, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)ts;
	size_t n;

	if (gmtime_r(&tt, &tm) == NULL)
		n = 0;
	else if (table)
		n = strftime(buf, cap, "%Y-%m-%d %H:%M", &tm);
	else
		n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (n == 0)
		snprintf(buf, cap, "?");
}

/* ---------------------------------------------------------------- */
/* Output                                                           */

static void
tail_line(const char *when, const struct tail_cls *c)
{
	size_t i;

	printf("%s %s requests=%" PRIu64 " tls_handshakes=%" PRIu64
	    " clients=%" PRIu64 " top=", when, c->cls, c->requests, c->tls,
	    c->clients);
	for (i = 0; i < c->ntop; i++)
		printf("%s%s:%" PRIu64, i > 0 ? "," : "", c->top[i].cc,
		    c->top[i].hits);
	putchar('\n');
}

static void
tail_lines(const struct tail *t, const struct tail_min *m)
{
	struct tail_cls zero;
	char when[32];
	size_t i;

	tail_when(m->ts, 0, when, sizeof(when));
	if (t->only != NULL) {
		tail_line(when, tail_only(t, m, &zero));
		return;
	}
	for (i = 0; i < m->ncls; i++)
		tail_line(when, &m->cls[i]);
}

/* One table row, at most TAIL_WIDTH columns: the countries are cut. */
static void
tail_row(const char *when, const struct tail_cls *c)
{
	char top[TAIL_WIDTH], one[48];
	size_t i;

	top[0] = '\0';
	for (i = 0; i < c->ntop; i++) {
		snprintf(one, sizeof(one), "%s%s %" PRIu64, i > 0 ? "  " : "",
		    c->top[i].cc, c->top[i].hits);
		if (strlen(top) + strlen(one) > 20)
			break;
		strcat(top, one);
	}
	printf("%-16s  %-12.12s %9" PRIu64 " %7" PRIu64 " %8" PRIu64
	    "  %s\n", when, c->cls, c->requests, c->tls, c->clients, top);
}

static void
tail_table(const struct tail *t)
{
	const struct tail_min *m;
	struct tail_cls zero;
	char when[32];
	size_t k, i;

	/* Home, clear to the end of the screen: no flicker of a full clear. */
	fputs("\033[H\033[J", stdout);
	printf("originstat tail  %s  (UTC; last %zu minutes)\n\n",
	    t->connect, t->nshow);
	printf("%-16s  %-12s %9s %7s %8s  %s\n", "minute", "class",
	    "requests", "tls", "clients", "top countries (hits)");
	for (k = 0; k < t->nring; k++) {
		m = &t->ring[(t->next + t->nshow - t->nring + k) % t->nshow];
		tail_when(m->ts, 1, when, sizeof(when));
		if (t->only != NULL) {
			tail_row(when, tail_only(t, m, &zero));
			continue;
		}
		if (m->ncls == 0)
			printf("%-16s  (no counts)\n", when);
		for (i = 0; i < m->ncls; i++)
			tail_row(i == 0 ? when : "", &m->cls[i]);
	}
}

static int
tail_flush(const struct tail *t)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", t->prog,
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

static int
tail_minute(void *arg, const struct sub_minute *sm)
{
	struct tail *t = arg;
	struct tail_min m, *slot;

	if (tail_summarise(sm, &m) == -1) {
		fprintf(stderr, "%s: out of memory\n", t->prog);
		return EX_OSERR;
	}
	if (!t->tty) {
		tail_lines(t, &m);
		free(m.cls);
		return tail_flush(t);
	}
	slot = &t->ring[t->next];
	free(slot->cls);
	*slot = m;
	t->next = (t->next + 1) % t->nshow;
	if (t->nring < t->nshow)
		t->nring++;
	/* A snapshot's minutes come in a burst: draw once, at its end. */
	if (sm->replayed)
		return 0;
	tail_table(t);
	return tail_flush(t);
}

static int
tail_synced(void *arg)
{
	struct tail *t = arg;

	if (!t->tty)
		return 0;
	tail_table(t);
	return tail_flush(t);
}

/* ---------------------------------------------------------------- */
/* Command                                                          */

static int
tail_parse_minutes(const char *s, size_t *n)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v == 0 ||
	    v > TAIL_MINUTES_MAX)
		return -1;
	*n = (size_t)v;
	return 0;
}

static int
tail_run(struct tail *t, const char *snapshot)
{
	struct sub_opts o;
	struct sigaction sa;
	size_t i;
	int rc;

	t->tty = isatty(STDOUT_FILENO);
	if (t->tty && (t->ring = calloc(t->nshow, sizeof(*t->ring))) ==
	    NULL) {
		fprintf(stderr, "%s: out of memory\n", t->prog);
		return EX_OSERR;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tail_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	o.prog = t->prog;
	o.connect = t->connect;
	o.snapshot = snapshot;
	o.curve = t->curve;
	o.after = SUB_NONE;
	o.on_minute = tail_minute;
	o.on_synced = tail_synced;
	o.arg = t;
	o.stop = &tail_stop;
	rc = sub_run(&o);
	for (i = 0; t->ring != NULL && i < t->nshow; i++)
		free(t->ring[i].cls);
	free(t->ring);
	return rc;
}

int
tail_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "class",	required_argument,	NULL,	'C' },
		{ "connect",	required_argument,	NULL,	'c' },
		{ "curve-key",	required_argument,	NULL,	'K' },
		{ "curve-server-key", required_argument, NULL,	'S' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "minutes",	required_argument,	NULL,	'n' },
		{ "snapshot",	required_argument,	NULL,	's' },
		{ NULL,		0,			NULL,	0 },
	};
	struct tail	 t;
	struct curve_client cc;
	const char	*snapshot = NULL, *server_key = NULL, *key = NULL;
	int		 ch, rc;

	memset(&t, 0, sizeof(t));
	t.prog = "originstat tail";
	t.nshow = TAIL_MINUTES;
	while ((ch = getopt_long(argc, argv, "C:c:hn:s:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'C':
			t.only = optarg;
			break;
		case 'c':
			t.connect = optarg;
			break;
		case 'h':
			tail_usage(stdout);
			return EX_OK;
		case 'n':
			if (tail_parse_minutes(optarg, &t.nshow) == -1) {
				fprintf(stderr, "%s: --minutes wants 1 to %d, "
				    "not \"%s\"\n", t.prog, TAIL_MINUTES_MAX,
				    optarg);
				return EX_USAGE;
			}
			break;
		case 's':
			snapshot = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'S':
			server_key = optarg;
			break;
		default:
			tail_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || t.connect == NULL) {
		fprintf(stderr, "%s: --connect is required\n\n", t.prog);
		tail_usage(stderr);
		return EX_USAGE;
	}
	if ((rc = sub_curve_load(t.prog, server_key, key, &cc,
	    &t.curve)) != 0)
		return rc;
	return tail_run(&t, snapshot);
}

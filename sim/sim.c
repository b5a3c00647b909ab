/*
 * sim.c - originstat-sim: a synthetic capture of 8-10 November 2016 and
 * the exact counts originstatd must report for it.
 *
 * The story, in Eastern Time (UTC-5 in November 2016): baseline traffic on
 * every class all along; from 14:00 on 8 November an eTA surge from
 * visa-exempt countries, rising towards the 10 November deadline; from
 * 23:00 that night, election night, a surge from the United States on the
 * immigration pages, peaking 00:00-02:00 and then decaying.
 *
 * Time is cut into minutes.  Sessions (TCP connections) start at random
 * moments of each minute and last at most SESS_MAX_US, so once a minute's
 * sessions are generated, every packet and hit before its end is final:
 * the writer (sorted mode) and the truth are flushed up to there.
 *
 * The truth is computed from the simulator's own tagged tables below, not
 * from the daemon's classifier: each URL and SNI carries the class that
 * docs/originstatd.conf.example's rules give it.  A hit's time comes from
 * the client segments actually written (truth_stream): when the last byte
 * of its head, and every byte before it, has arrived.
 *
 * --chaos P makes the client byte stream as hostile as real networks do:
 * each client data segment is, with probability P, split, held back behind
 * the next one(s), repeated later, resent overlapping its predecessor, or
 * followed later by a copy of delivered bytes with other content; and a
 * connection starts mid-stream with probability P/4.  With P = 0 no random
 * number is drawn for it, so the capture and the truth stay the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../daemon/addr.h"
#include "../geo/geo.h"
#include "hello.h"
#include "pcapw.h"
#include "pool.h"
#include "rng.h"
#include "truth.h"

#define EX_OK_		0
#define EX_USAGE_	64
#define EX_DATAERR_	65
#define EX_NOINPUT_	66
#define EX_SOFTWARE_	70
#define EX_CANTCREAT_	73
#define EX_IOERR_	74

#define US		1000000LL
#define SESS_MAX_US	(45 * US)	/* no new request after this */
#define BURST_MAX	32768
/*
 * --page-bytes: real pages are kilobytes, several segments each; the
 * default responses are one small segment.  The bound keeps three
 * pipelined answers (head, up to 400 bytes, the extra) in BURST_MAX.
 */
#define PAGE_BYTES_MAX	10000
#define PEND_MAX	64	/* hits of one session: 6 rounds of 3 */
#define LATE_MAX	64	/* segments chaos sends late, per session */
#define AHEAD_SEGS	4	/* a held segment lets at most this many by */
#define AHEAD_BYTES	8192	/* ...reaching no further past its start */
#define STREAM_MAX	(4u << 20)	/* client bytes of one session kept */
#define LINE_MAX_	4096

enum cls {
	CLS_CIC,
	CLS_ETA,
	CLS_IMMIGRATE,
	CLS_OTHER,
	CLS_N
};

static const char *const cls_names[CLS_N] = {
	"cic", "eta", "immigrate", "other"
};

enum scen {
	SC_BASE,
	SC_ETA,
	SC_IMM,
	SC_N
};

/*
 * URLs with the class the example configuration gives them, and a weight
 * per scenario.  Edge cases on purpose: "/eta" without the slash and
 * "/english/immigrate" are not under the path rules; cic.gc.ca itself is
 * not *.cic.gc.ca; xcic.gc.ca is not a subdomain.
 */
struct url {
	const char	*host;
	const char	*path;
	unsigned	 cls;
	double		 w[SC_N];
};

static const struct url urls[] = {
	{ "onlineservices-servicesenligne.cic.gc.ca", "/eta/welcome?lang=en",
	    CLS_ETA, { 2, 30, 0 } },
	{ "onlineservices-servicesenligne.cic.gc.ca", "/eta/apply-demande",
	    CLS_ETA, { 1, 25, 0 } },
	{ "onlineservices-servicesenligne.cic.gc.ca", "/eta/", CLS_ETA,
	    { 1, 10, 0 } },
	{ "onlineservices-servicesenligne.cic.gc.ca", "/eta/status?lang=fr",
	    CLS_ETA, { 0.5, 8, 0 } },
	{ "eta.cic.gc.ca", "/", CLS_ETA, { 0.5, 6, 0 } },
	{ "eta.cic.gc.ca", "/english/apply.html", CLS_ETA, { 0.3, 4, 0 } },
	{ "onlineservices-servicesenligne.cic.gc.ca", "/eta", CLS_CIC,
	    { 0.2, 2, 0 } },
	{ "onlineservices-servicesenligne.cic.gc.ca", "/static/eta.css",
	    CLS_CIC, { 0.5, 5, 0 } },
	{ "www.cic.gc.ca", "/english/visit/eta.asp", CLS_CIC, { 1, 8, 0.5 } },
	{ "www.cic.gc.ca", "/english/immigrate/index.asp", CLS_IMMIGRATE,
	    { 3, 0.5, 40 } },
	{ "www.cic.gc.ca", "/english/immigrate/skilled/index.asp",
	    CLS_IMMIGRATE, { 2, 0, 20 } },
	{ "www.cic.gc.ca", "/english/immigrate/express/express-entry.asp",
	    CLS_IMMIGRATE, { 2, 0, 25 } },
	{ "www.cic.gc.ca", "/english/immigrate/?from=home", CLS_IMMIGRATE,
	    { 0.5, 0, 5 } },
	{ "www.cic.gc.ca", "/francais/immigrer/index.asp", CLS_IMMIGRATE,
	    { 1, 0, 2 } },
	{ "www.cic.gc.ca", "/english/immigrate", CLS_CIC, { 0.2, 0, 2 } },
	{ "www.cic.gc.ca", "/english/index.asp", CLS_CIC, { 8, 2, 10 } },
	{ "www.cic.gc.ca", "/english/visit/index.asp", CLS_CIC, { 4, 3, 1 } },
	{ "www.cic.gc.ca", "/english/work/apply-how.asp", CLS_CIC,
	    { 3, 0, 2 } },
	{ "www.cic.gc.ca", "/francais/index.asp", CLS_CIC, { 3, 1, 0.5 } },
	{ "www.cic.gc.ca", "/english/helpcentre/index-featured-can.asp",
	    CLS_CIC, { 2, 1, 3 } },
	{ "www.cic.gc.ca", "/", CLS_CIC, { 2, 1, 5 } },
	{ "services3.cic.gc.ca", "/ecas/", CLS_CIC, { 2, 0, 0.5 } },
	{ "onlineservices-servicesenligne.cic.gc.ca", "/mycic/start",
	    CLS_CIC, { 2, 1, 1 } },
	{ "www.canada.ca", "/en.html", CLS_OTHER, { 6, 1, 3 } },
	{ "www.canada.ca", "/en/services/immigration-citizenship.html",
	    CLS_OTHER, { 3, 1, 6 } },
	{ "weather.gc.ca", "/city/pages/on-118_metric_e.html", CLS_OTHER,
	    { 2, 0, 0 } },
	{ "cic.gc.ca", "/english/index.asp", CLS_OTHER, { 0.5, 0.2, 1 } },
	{ "xcic.gc.ca", "/", CLS_OTHER, { 0.2, 0, 0 } },
	{ "www.cic.gc.ca.example.net", "/eta/", CLS_OTHER, { 0.2, 0.2, 0 } },
	{ "www.google.ca", "/search?q=move+to+canada", CLS_OTHER,
	    { 0.5, 0, 4 } },
};

/* TLS server names; NULL is a hello without server_name (class other). */
struct sni {
	const char	*name;
	unsigned	 cls;
	double		 w[SC_N];
};

static const struct sni snis[] = {
	{ "eta.cic.gc.ca", CLS_ETA, { 1, 30, 0 } },
	{ "ETA.cic.gc.ca", CLS_ETA, { 0, 0.5, 0 } },
	/* A rule with a path never matches a handshake: *.cic.gc.ca. */
	{ "onlineservices-servicesenligne.cic.gc.ca", CLS_CIC, { 1, 8, 0 } },
	{ "www.cic.gc.ca", CLS_CIC, { 3, 2, 20 } },
	{ "services3.cic.gc.ca", CLS_CIC, { 1, 0, 0.5 } },
	{ "www.canada.ca", CLS_OTHER, { 3, 1, 3 } },
	{ "cic.gc.ca", CLS_OTHER, { 0.3, 0, 0.5 } },
	{ NULL, CLS_OTHER, { 0.5, 0.5, 0.5 } },
};

/* Countries of clients per scenario. */
struct mix {
	const char	*cc;
	double		 w[SC_N];
};

static const struct mix mixes[] = {
	{ "CA", { 40, 1, 5 } },   { "US", { 22, 1, 85 } },
	{ "IN", { 5, 0, 1 } },    { "CN", { 4, 0, 0.5 } },
	{ "PH", { 3, 0, 0.5 } },  { "GB", { 3, 20, 2 } },
	{ "FR", { 3, 12, 1 } },   { "MX", { 2, 0, 1 } },
	{ "DE", { 2, 10, 1 } },   { "BR", { 1, 0, 0.3 } },
	{ "NG", { 1, 0, 0 } },    { "IR", { 1, 0, 0 } },
	{ "AU", { 1, 8, 1 } },    { "JP", { 1, 7, 0.3 } },
	{ "KR", { 1, 6, 0 } },    { "IT", { 0.5, 6, 0.3 } },
	{ "ES", { 0.5, 5, 0 } },  { "NL", { 0.5, 5, 0.3 } },
	{ "IE", { 0.3, 3, 0.3 } }, { "NZ", { 0.3, 3, 0.2 } },
	{ "CH", { 0.3, 3, 0 } },  { "SE", { 0.3, 3, 0 } },
	{ "BE", { 0.3, 2, 0 } },  { "DK", { 0.1, 1, 0 } },
	{ "NO", { 0.1, 1, 0 } },  { "AT", { 0.1, 1, 0 } },
	{ "TW", { 0.3, 2, 0 } },  { "SG", { 0.2, 1, 0 } },
	{ "IL", { 0.2, 1, 0 } },  { "CL", { 0.1, 1, 0 } },
	{ "ZZ", { 0.5, 0.2, 0.3 } },
};

#define NMIX	(sizeof(mixes) / sizeof(mixes[0]))
#define POOLS_MAX	256

static const char *const user_agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/54.0.2840.71 Safari/537.36",
	"Mozilla/5.0 (Windows NT 6.1; WOW64; rv:49.0) Gecko/20100101 "
	    "Firefox/49.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_1) AppleWebKit/602.2.14"
	    " (KHTML, like Gecko) Version/10.0.1 Safari/602.2.14",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 10_1_1 like Mac OS X) "
	    "AppleWebKit/602.2.14 (KHTML, like Gecko) Mobile/14B100",
	"Mozilla/5.0 (Linux; Android 6.0.1; SM-G920V) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/54.0.2840.85 Mobile Safari/537.36",
	"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)",
	"curl/7.47.0",
};

static const char *const languages[] = {
	"en-CA,en;q=0.8,fr-CA;q=0.6", "en-US,en;q=0.8", "fr-CA,fr;q=0.8",
	"en-GB,en;q=0.9", "de-DE,de;q=0.8,en;q=0.5", "ja,en-US;q=0.7",
	"ko-KR,ko;q=0.8,en-US;q=0.6", "es-ES,es;q=0.8",
};

static const char filler[] =
	"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<title>Immigration, Refugees and Citizenship Canada</title></head>"
	"<body><p>Starting November 10, 2016, visa-exempt foreign nationals "
	"need an Electronic Travel Authorization (eTA) to fly to or transit "
	"through Canada. Exceptions include U.S. citizens and travellers with "
	"a valid visa. Canadian citizens, including dual citizens, need a "
	"valid Canadian passport to fly to Canada.</p></body></html>\n";

/* A request expected to count, at the stream offset of its last byte. */
struct pending {
	uint64_t	end;
	unsigned	cls;
	bool		tls;
	struct ip_addr	client;
};

struct pick {
	const struct pool	*pool;
	double			 w;
};

struct opts {
	const char	*out, *truth, *geoip, *networks;
	int64_t		 start;		/* UTC seconds, whole minute */
	unsigned	 minutes;
	double		 scale;
	uint64_t	 seed;
	unsigned	 linktype;
	double		 chaos;		/* probability per client segment */
	size_t		 page_bytes;	/* added to each response body */
};

/*
 * A client segment by stream offset.  Chaos writes some of them late: one
 * held back to follow the next, exact copies, garbled copies.
 */
struct cseg {
	uint64_t	off;
	size_t		len;
	int64_t		ts;
	uint32_t	ack;
	uint8_t		flags;
	bool		garbage;	/* other bytes than the stream's */
};

struct sess {
	struct pcapw_conn	c;
	int64_t			t;	/* time of the next action */
	int64_t			end;	/* no new request after this */
	uint64_t		sent;	/* client stream bytes so far */
	int64_t			rtt;
	uint64_t		anchor;	/* first captured client byte */
	bool			mid;	/* capture began mid-stream */
	bool			held;	/* hold waits for later segments */
	struct cseg		hold;
	unsigned		ahead;	/* segments written past hold */
	int64_t			release; /* hold's time once one passed */
	struct cseg		late[LATE_MAX];
	size_t			nlate;
};

struct sim {
	const struct opts	*o;
	struct rng		 rng;
	struct pcapw		*w;
	struct truth		*truth;
	struct geo		*geo;
	struct pools		 pools;
	struct pick		 picks[SC_N][POOLS_MAX];
	size_t			 npicks[SC_N];
	uint32_t		 port;
	bool			 nomem;
	struct pending		 pend[PEND_MAX];
	size_t			 npend;
	uint8_t			 burst[BURST_MAX];
	size_t			 nburst;
	uint8_t			 rsp[BURST_MAX];
	size_t			 nrsp;
	char			 line[LINE_MAX_];
	struct truth_stream	 arr;	/* the session's client arrivals */
	uint8_t			*stream; /* its client bytes (chaos only) */
	size_t			 nstream, capstream;
	uint8_t			 garb[PCAPW_PAYLOAD_MAX];
};

static void	usage(int) __attribute__((noreturn));
static void	bad_arg(const char *, const char *, const char *)
		    __attribute__((noreturn));

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: originstat-sim --out FILE.pcap --geoip DB [--truth CSV] "
	    "[--networks TSV]\n"
	    "       [--start 2016-11-08T05:00:00Z] [--hours 43] "
	    "[--scale 1.0] [--seed 1]\n"
	    "       [--linktype ether|sll|sll2|raw|null] [--chaos 0..1]"
	    " [--page-bytes N]\n");
	exit(status);
}

static void
bad_arg(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "originstat-sim: %s %s: %s\n", opt, arg, why);
	usage(EX_USAGE_);
}

/* ---- time and rates ---- */

/* 0.1 at 03:00 Eastern, 1.0 at 15:00 Eastern. */
static double
diurnal(int64_t t)
{
	double h = fmod((double)(t - 5 * 3600) / 3600.0, 24.0);

	return 0.55 - 0.45 * cos(2 * 3.141592653589793 * (h - 3) / 24);
}

#define T_ETA_START	1478631600	/* 2016-11-08T19:00:00Z, 14:00 ET */
#define T_ETA_DEADLINE	1478754000	/* 2016-11-10T05:00:00Z, 00:00 ET */
#define T_IMM_START	1478664000	/* 2016-11-09T04:00:00Z, 23:00 ET */
#define T_IMM_PEAK	1478667600	/* 00:00 ET */
#define T_IMM_DECAY	1478674800	/* 02:00 ET */

/* Sessions per minute of scenario sc around time t (before --scale). */
static double
scen_rate(unsigned sc, int64_t t)
{
	double x;

	switch (sc) {
	case SC_BASE:
		return 2.6 * diurnal(t);
	case SC_ETA:
		if (t < T_ETA_START)
			return 0;
		x = (double)(t - T_ETA_START) /
		    (double)(T_ETA_DEADLINE - T_ETA_START);
		return (0.9 + 7.5 * x * x) * (0.3 + 0.7 * diurnal(t));
	default:
		if (t < T_IMM_START)
			return 0;
		if (t < T_IMM_PEAK)
			return 26.0 * (double)(t - T_IMM_START) / 3600.0;
		if (t < T_IMM_DECAY)
			return 26.0;
		return 26.0 * exp(-(double)(t - T_IMM_DECAY) / 9000.0);
	}
}

/* ---- clients ---- */

static void
picks_build(struct sim *s)
{
	const struct pool *p;
	size_t sc, i, j;
	bool listed;

	for (sc = 0; sc < SC_N; sc++) {
		for (i = 0; i < NMIX; i++) {
			if (mixes[i].w[sc] <= 0 ||
			    (p = pools_find(&s->pools, mixes[i].cc)) == NULL ||
			    s->npicks[sc] == POOLS_MAX)
				continue;
			s->picks[sc][s->npicks[sc]].pool = p;
			s->picks[sc][s->npicks[sc]++].w = mixes[i].w[sc];
		}
		/* Countries of a networks table that the mix does not name. */
		for (j = 0; j < s->pools.n; j++) {
			p = &s->pools.v[j];
			listed = false;
			for (i = 0; i < NMIX; i++)
				listed |= strcmp(mixes[i].cc, p->cc) == 0;
			if (listed || p->n4 + p->n6 == 0 ||
			    s->npicks[sc] == POOLS_MAX)
				continue;
			s->picks[sc][s->npicks[sc]].pool = p;
			s->picks[sc][s->npicks[sc]++].w = sc == SC_BASE ? 0.5 :
			    0.1;
		}
	}
}

static const struct ip_addr *
client_pick(struct sim *s, unsigned sc)
{
	double w[POOLS_MAX];
	size_t i, n = s->npicks[sc];

	if (n == 0) {
		sc = SC_BASE;
		n = s->npicks[sc];
	}
	for (i = 0; i < n; i++)
		w[i] = s->picks[sc][i].w;
	i = rng_weighted(&s->rng, w, n);
	return pool_pick(s->picks[sc][i].pool, rng_chance(&s->rng, 0.10),
	    &s->rng);
}

static void
addr_format(const struct ip_addr *a, char *buf, size_t cap)
{
	if (addr_is_v4(a))
		inet_ntop(AF_INET, a->a + 12, buf, (socklen_t)cap);
	else
		inet_ntop(AF_INET6, a->a, buf, (socklen_t)cap);
}

static void
v4(struct ip_addr *a, unsigned x, unsigned y, unsigned z, unsigned w)
{
	const uint8_t b[4] = { (uint8_t)x, (uint8_t)y, (uint8_t)z,
	    (uint8_t)w };

	addr_from_v4(a, b);
}

static void
v6(struct ip_addr *a, const char *text)
{
	if (addr_parse(text, strlen(text), a) != 0)
		memset(a, 0, sizeof(*a));
}

/* The web server for a client of the given family. */
static void
server_addr(struct sim *s, bool v6c, struct ip_addr *a)
{
	if (v6c)
		v6(a, rng_chance(&s->rng, 0.5) ? "2620:10a:8001::80" :
		    "2620:10a:8001::81");
	else
		v4(a, 205, 193, 117, 158 + rng_below(&s->rng, 2));
}

/* ---- hits ---- */

static void
hit_add(struct sim *s, int64_t ts, unsigned cls, bool tls,
    const struct ip_addr *client)
{
	char cc[3];

	geo_lookup(s->geo, client, cc);
	if (truth_add(s->truth, ts, cls, cc, tls, client) == -1)
		s->nomem = true;
}

/* Expect a hit whose last byte is burst byte end_off - 1. */
static void
pend_add(struct sim *s, const struct sess *ss, size_t end_off, unsigned cls,
    bool tls, const struct ip_addr *client)
{
	struct pending *p;

	if (s->npend == PEND_MAX) {
		s->nomem = true;
		return;
	}
	p = &s->pend[s->npend++];
	p->end = ss->sent + end_off - 1;
	p->cls = cls;
	p->tls = tls;
	p->client = *client;
}

/* ---- client segments and chaos ---- */

/* Write one client segment of the stream and note when its bytes came. */
static void
seg_write(struct sim *s, struct sess *ss, const struct cseg *g,
    const uint8_t *p)
{
	uint32_t seq = ss->c.ciss + 1u + (uint32_t)g->off;

	(void)!pcapw_conn_client_seg(s->w, &ss->c, seq, g->ack, g->flags, p,
	    g->len, g->ts);
	if (ss->c.mute || g->garbage)
		return;
	if (truth_stream_arrive(&s->arr, g->ts, g->off, g->len) == -1)
		s->nomem = true;
}

static void
seg_write_stream(struct sim *s, struct sess *ss, const struct cseg *g)
{
	seg_write(s, ss, g, s->stream + g->off);
}

static int
stream_add(struct sim *s, const uint8_t *p, size_t len)
{
	uint8_t *b;
	size_t ncap;

	if (s->capstream - s->nstream < len) {
		ncap = s->capstream != 0 ? s->capstream : 65536;
		while (ncap - s->nstream < len && ncap <= STREAM_MAX)
			ncap *= 2;
		if (ncap > STREAM_MAX ||
		    (b = realloc(s->stream, ncap)) == NULL)
			return -1;
		s->stream = b;
		s->capstream = ncap;
	}
	memcpy(s->stream + s->nstream, p, len);
	s->nstream += len;
	return 0;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * (a) 2-4 pieces, one microsecond apart.  Half the time the first cut is
 * among the first 8 bytes: inside a request line or a TLS record header.
 */
static void
chaos_split(struct sim *s, struct sess *ss, const struct cseg *g)
{
	size_t cuts[3], want, ncut = 0, i, j, c, from = 0, to;
	unsigned tries;
	struct cseg h;

	if (g->len < 2) {
		seg_write_stream(s, ss, g);
		return;
	}
	want = min_size(1 + rng_below(&s->rng, 3), g->len - 1);
	if (rng_chance(&s->rng, 0.5))
		cuts[ncut++] = 1 + rng_below(&s->rng,
		    (uint32_t)min_size(g->len - 1, 8));
	for (tries = 0; ncut < want && tries < 16; tries++) {
		c = 1 + rng_below(&s->rng, (uint32_t)(g->len - 1));
		for (j = 0; j < ncut && cuts[j] != c; j++)
			;
		if (j == ncut)
			cuts[ncut++] = c;
	}
	for (i = 1; i < ncut; i++)
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			c = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = c;
		}
	for (i = 0; i <= ncut; i++) {
		to = i < ncut ? cuts[i] : g->len;
		h = *g;
		h.off = g->off + from;
		h.len = to - from;
		h.ts = g->ts + (int64_t)i;
		if (i < ncut)
			h.flags = PCAPW_ACK;
		seg_write_stream(s, ss, &h);
		from = to;
	}
}

/*
 * (b) Hold g back until a later segment has gone (chaos_pass).  Not the
 * first segment of a mid-stream capture: with no SYN, where a stream
 * starts is known only from the first segment seen.
 */
static void
chaos_hold(struct sim *s, struct sess *ss, const struct cseg *g)
{
	if (ss->mid && g->off == ss->anchor) {
		chaos_split(s, ss, g);
		return;
	}
	ss->held = true;
	ss->hold = *g;
	ss->ahead = 0;
}

/*
 * Write the held segment at t at the latest, after those that passed it
 * (a few milliseconds after the first of them, if t is later).  With none
 * passed, it goes at its own time.
 */
static void
hold_release(struct sim *s, struct sess *ss, int64_t t)
{
	struct cseg g;

	if (!ss->held)
		return;
	ss->held = false;
	g = ss->hold;
	if (ss->ahead > 0)
		g.ts = ss->release < t ? ss->release : t;
	seg_write_stream(s, ss, &g);
}

/* (c), (e): a copy of g, or garbage over delivered bytes, a bit later. */
static void
chaos_late(struct sim *s, struct sess *ss, const struct cseg *g,
    bool garbage)
{
	struct cseg *l;
	uint64_t end = g->off + g->len, lo, span;
	size_t n;

	if (ss->nlate == LATE_MAX)
		return;
	l = &ss->late[ss->nlate++];
	*l = *g;
	if (!garbage) {
		l->ts = g->ts + rng_range(&s->rng, 1000, 8000);
		return;
	}
	/* Within the last two segments' worth of bytes, all arrived. */
	span = end - ss->anchor;
	if (span > 2u * ss->c.mss)
		span = 2u * ss->c.mss;
	lo = end - span;
	n = 1 + rng_below(&s->rng, (uint32_t)min_size(span, ss->c.mss));
	l->off = lo + rng_below(&s->rng, (uint32_t)(span - n + 1));
	l->len = n;
	l->flags = PCAPW_ACK | PCAPW_PSH;
	l->garbage = true;
	l->ts = g->ts + rng_range(&s->rng, 1000, 5000);
}

/*
 * (d) A retransmission that also covers the tail of what went before,
 * with the same bytes; at most an MSS, the rest of g follows.
 */
static void
chaos_overlap(struct sim *s, struct sess *ss, const struct cseg *g)
{
	uint64_t room = g->off - ss->anchor;
	size_t k, mss = ss->c.mss;
	struct cseg h, r;

	if (room == 0) {
		chaos_split(s, ss, g);
		return;
	}
	k = 1 + rng_below(&s->rng, (uint32_t)min_size(room, mss / 2));
	h = *g;
	h.off = g->off - k;
	h.len = k + g->len;
	if (h.len > mss) {
		h.len = mss;
		h.flags = PCAPW_ACK;
	}
	seg_write_stream(s, ss, &h);
	if (h.off + h.len < g->off + g->len) {
		r = *g;
		r.off = h.off + h.len;
		r.len = (size_t)(g->off + g->len - r.off);
		r.ts = g->ts + 1;
		seg_write_stream(s, ss, &r);
	}
}

static void	chaos_seg(struct sim *, struct sess *, const struct cseg *);

/*
 * g comes while a segment is held: it passes the held one unless that
 * would put more than AHEAD_SEGS segments or AHEAD_BYTES bytes beyond
 * the next byte expected (originstatd buffers 16 KiB out of order), or
 * the held one is due.
 */
static void
chaos_pass(struct sim *s, struct sess *ss, const struct cseg *g)
{
	if (ss->ahead >= AHEAD_SEGS ||
	    g->off + g->len - ss->hold.off > AHEAD_BYTES ||
	    (ss->ahead > 0 && g->ts >= ss->release)) {
		hold_release(s, ss, g->ts);
		chaos_seg(s, ss, g);
		return;
	}
	seg_write_stream(s, ss, g);
	if (ss->ahead++ == 0)
		ss->release = g->ts + rng_range(&s->rng, 0, 3000);
}

/* One client segment under --chaos: as is, or one of (a)-(e). */
static void
chaos_seg(struct sim *s, struct sess *ss, const struct cseg *g)
{
	if (ss->held) {
		chaos_pass(s, ss, g);
		return;
	}
	if (!rng_chance(&s->rng, s->o->chaos)) {
		seg_write_stream(s, ss, g);
		return;
	}
	switch (rng_below(&s->rng, 5)) {
	case 0:
		chaos_split(s, ss, g);
		break;
	case 1:
		chaos_hold(s, ss, g);
		break;
	case 2:
		seg_write_stream(s, ss, g);
		chaos_late(s, ss, g, false);
		break;
	case 3:
		chaos_overlap(s, ss, g);
		break;
	default:
		seg_write_stream(s, ss, g);
		chaos_late(s, ss, g, true);
		break;
	}
}

/* Write the late segments, all before t (the close). */
static void
late_flush(struct sim *s, struct sess *ss, int64_t t)
{
	struct cseg *l;
	size_t i, j;

	for (i = 0; i < ss->nlate; i++) {
		l = &ss->late[i];
		if (l->ts >= t)
			l->ts = t - 1;
		if (!l->garbage) {
			seg_write_stream(s, ss, l);
			continue;
		}
		for (j = 0; j < l->len; j++)
			s->garb[j] = (uint8_t)(s->stream[l->off + j] ^
			    (1 + rng_below(&s->rng, 255)));
		seg_write(s, ss, l, s->garb);
	}
	ss->nlate = 0;
}

/*
 * Client bytes at t, cut at the MSS, the segments spaced step_us apart;
 * the last carries PSH.  Write errors are sticky in the writer and
 * reported by pcapw_sync at the end of the minute, so the per-packet
 * results are not checked here.
 */
static void
cli_send(struct sim *s, struct sess *ss, const uint8_t *p, size_t len,
    int64_t t)
{
	struct cseg g;
	size_t done = 0;

	if (len == 0)
		return;
	if (s->o->chaos > 0 && stream_add(s, p, len) == -1) {
		s->nomem = true;
		return;
	}
	memset(&g, 0, sizeof(g));
	g.ack = ss->c.sseq;
	while (done < len) {
		g.off = ss->sent + done;
		g.len = min_size(len - done, ss->c.mss);
		g.flags = (uint8_t)(PCAPW_ACK | (done + g.len == len ?
		    PCAPW_PSH : 0));
		g.ts = t;
		if (s->o->chaos > 0 && !ss->c.mute)
			chaos_seg(s, ss, &g);
		else
			seg_write(s, ss, &g, p + done);
		done += g.len;
		t += ss->c.step_us;
	}
	ss->c.cseq += (uint32_t)len;
	ss->sent += len;
	ss->t = t - ss->c.step_us;
}

/*
 * The session's client bytes are all out: count each pending hit at the
 * time its head, and all before it, had arrived.
 */
static void
hits_resolve(struct sim *s)
{
	int64_t when;
	size_t i;

	for (i = 0; i < s->npend; i++)
		if (truth_stream_done(&s->arr, s->pend[i].end + 1, &when))
			hit_add(s, when, s->pend[i].cls, s->pend[i].tls,
			    &s->pend[i].client);
	s->npend = 0;
}

/* Before the connection closes at t: held and late segments, then hits. */
static void
sess_finish(struct sim *s, struct sess *ss, int64_t t)
{
	hold_release(s, ss, t);
	late_flush(s, ss, t);
	hits_resolve(s);
}

static void
srv_send(struct sim *s, struct sess *ss, const uint8_t *p, size_t len,
    int64_t t)
{
	if (len == 0)
		return;
	/* A server answers what it has: a held segment went before. */
	hold_release(s, ss, t);
	(void)!pcapw_conn_server_send(s->w, &ss->c, p, len, t);
	ss->t = ss->c.last_ts;
}

/* ---- buffers ---- */

static void
buf_add(uint8_t *buf, size_t *n, const void *p, size_t len)
{
	if (BURST_MAX - *n < len)
		len = BURST_MAX - *n;
	memcpy(buf + *n, p, len);
	*n += len;
}

static void
burst_add(struct sim *s, const void *p, size_t len)
{
	buf_add(s->burst, &s->nburst, p, len);
}

static void burst_printf(struct sim *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
burst_printf(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->line, sizeof(s->line), fmt, ap);
	va_end(ap);
	if (n > 0)
		burst_add(s, s->line, strlen(s->line));
}

/* ---- sessions ---- */

/*
 * A connection from t0.  mute: it started before the capture did; nothing
 * is written until sess_unmute.
 */
static void
sess_start(struct sim *s, struct sess *ss, const struct ip_addr *cli,
    const struct ip_addr *srv, uint16_t sport, int64_t t0, bool mute)
{
	uint32_t ciss, siss;
	unsigned r;

	ciss = (uint32_t)rng_next(&s->rng);
	siss = (uint32_t)rng_next(&s->rng);
	if (rng_chance(&s->rng, 0.02))
		ciss = 0xffffffffu - rng_below(&s->rng, 3000);
	s->port = s->port >= 60999 ? 32768 : s->port + 1;
	pcapw_conn_init(&ss->c, cli, (uint16_t)s->port, srv, sport, ciss,
	    siss);
	ss->c.mss = addr_is_v4(cli) ? 1460 : 1440;
	r = rng_below(&s->rng, 100);
	if (r < 3)
		ss->c.mss = 536;
	else if (r < 13)
		ss->c.mss = 1380;
	if (pcapw_linktype(s->w) == PCAPW_LINK_ETHERNET) {
		r = rng_below(&s->rng, 100);
		if (r < 25) {
			ss->c.nvlan = 1;
			ss->c.vlan[0] = (uint16_t)(10 * (1 + rng_below(&s->rng,
			    3)));
		} else if (r < 30) {
			ss->c.nvlan = 2;
			ss->c.vlan[0] = 100;
			ss->c.vlan[1] = 10;
		}
	}
	ss->rtt = rng_range(&s->rng, 8000, 180000);
	ss->c.step_us = ss->rtt / 2;
	ss->sent = 0;
	ss->end = t0 + SESS_MAX_US;
	ss->anchor = 0;
	ss->mid = false;
	ss->held = false;
	ss->nlate = 0;
	ss->c.mute = mute;
	s->npend = 0;
	s->nstream = 0;
	truth_stream_reset(&s->arr, 0);
	(void)!pcapw_conn_handshake(s->w, &ss->c, t0);
	ss->c.step_us = rng_range(&s->rng, 10, 300);
	ss->t = ss->c.last_ts + rng_range(&s->rng, 100, 20000);
}

/* The capture begins here: the next client byte is the first seen. */
static void
sess_unmute(struct sim *s, struct sess *ss)
{
	ss->c.mute = false;
	ss->mid = true;
	ss->anchor = ss->sent;
	truth_stream_reset(&s->arr, ss->sent);
}

static void
sess_end(struct sim *s, struct sess *ss)
{
	int64_t t = ss->t + rng_range(&s->rng, 1000, 2000000);
	bool rst = rng_chance(&s->rng, 0.05);

	sess_finish(s, ss, t);
	if (rst)
		(void)!pcapw_conn_reset(s->w, &ss->c, true, t);
	else
		(void)!pcapw_conn_close(s->w, &ss->c, t);
}

/* ---- HTTP ---- */

static const struct url *
url_pick(struct sim *s, unsigned sc)
{
	double w[sizeof(urls) / sizeof(urls[0])];
	size_t i, n = sizeof(urls) / sizeof(urls[0]);

	for (i = 0; i < n; i++)
		w[i] = urls[i].w[sc];
	return &urls[rng_weighted(&s->rng, w, n)];
}

/* host as the client spells it: case, port and trailing dot vary. */
static void
host_variant(struct sim *s, const char *host, char *out, size_t cap)
{
	unsigned r = rng_below(&s->rng, 100);
	size_t i;

	if (r < 5) {
		snprintf(out, cap, "%s:80", host);
	} else if (r < 8) {
		snprintf(out, cap, "%s.", host);
	} else if (r < 16) {
		snprintf(out, cap, "%s", host);
		for (i = 0; out[i] != '\0'; i++)
			if (r < 12 || i == 0 || out[i - 1] == '.')
				out[i] = (char)(out[i] >= 'a' && out[i] <= 'z' ?
				    out[i] - 'a' + 'A' : out[i]);
	} else
		snprintf(out, cap, "%s", host);
}

/* X-Forwarded-For or Forwarded naming client, as a load balancer adds. */
static void
forward_headers(struct sim *s, const struct ip_addr *client)
{
	static const char *const junk[] = { "-", "garbage", "1.2.3",
	    "::zz", "_hidden", "300.1.2.3" };
	char a[64], b[80];
	bool v4c = addr_is_v4(client);
	unsigned r = rng_below(&s->rng, 100);
	const char *xff = rng_chance(&s->rng, 0.1) ? "x-forwarded-for" :
	    "X-Forwarded-For";

	addr_format(client, a, sizeof(a));
	if (r < 10)
		snprintf(b, sizeof(b), v4c ? "%s:%u" : "[%s]:%u", a,
		    1024 + rng_below(&s->rng, 60000));
	else
		snprintf(b, sizeof(b), "%s", a);
	if (r < 40)
		burst_printf(s, "%s: %s\r\n", xff, b);
	else if (r < 50)
		burst_printf(s, "%s: %s, %s\r\n", xff,
		    junk[rng_below(&s->rng, 6)], b);
	else if (r < 60)
		burst_printf(s, "%s: unknown, %s\r\n", xff, b);
	else if (r < 68)
		burst_printf(s, "%s: %u.%u.%u.%u, %s\r\n", xff,
		    1 + rng_below(&s->rng, 200), rng_below(&s->rng, 256),
		    rng_below(&s->rng, 256), 1 + rng_below(&s->rng, 254), b);
	else if (r < 76)
		burst_printf(s, "%s: %s, 10.0.0.%u\r\n", xff, b,
		    1 + rng_below(&s->rng, 9));
	else if (r < 82)
		burst_printf(s, "%s: unknown\r\n%s: %s\r\n", xff, xff, b);
	else if (r < 88)
		burst_printf(s, v4c ? "Forwarded: for=%s\r\n" :
		    "Forwarded: for=\"[%s]\"\r\n", a);
	else if (r < 94)
		burst_printf(s, v4c ?
		    "Forwarded: for=unknown, for=%s;proto=https\r\n" :
		    "Forwarded: for=_hidden, for=\"[%s]:4711\";proto=http\r\n",
		    a);
	else
		burst_printf(s, v4c ?
		    "Forwarded: for=\"%s:8080\";by=10.0.0.1;proto=http\r\n" :
		    "Forwarded: For=\"[%s]\"\r\n", a);
}

/* A body for a POST; with fake set, text that looks like a request. */
static size_t
body_text(struct sim *s, char *out, size_t cap)
{
	static const char fake[] = "GET /eta/ HTTP/1.1\r\nHost: eta.cic.gc.ca"
	    "\r\n\r\n";
	size_t n = 0, want = (size_t)rng_range(&s->rng, 30, 2500);

	if (want > cap - 1)
		want = cap - 1;
	n += (size_t)snprintf(out, cap, "lang=en&ref=%u&q=",
	    rng_below(&s->rng, 100000));
	if (rng_chance(&s->rng, 0.5) && cap - n > sizeof(fake)) {
		memcpy(out + n, fake, sizeof(fake) - 1);
		n += sizeof(fake) - 1;
	}
	while (n < want) {
		out[n] = filler[n % (sizeof(filler) - 1)];
		n++;
	}
	return n;
}

/* Append a chunked encoding of body (RFC 9112 7.1). */
static void
burst_chunked(struct sim *s, const char *body, size_t n)
{
	size_t off = 0, k;

	while (off < n) {
		k = (size_t)rng_range(&s->rng, 1, (int64_t)(n - off));
		if (rng_chance(&s->rng, 0.2))
			burst_printf(s, "%zX;ext=v\r\n", k);
		else
			burst_printf(s, "%zx\r\n", k);
		burst_add(s, body + off, k);
		burst_add(s, "\r\n", 2);
		off += k;
	}
	if (rng_chance(&s->rng, 0.2))
		burst_printf(s, "0\r\nX-Checksum: %u\r\n\r\n",
		    rng_below(&s->rng, 65536));
	else
		burst_add(s, "0\r\n\r\n", 5);
}

struct req {
	const struct url	*u;
	const struct ip_addr	*client;	/* the real client */
	bool			 via_lb;
	int			 minor;
	bool			 no_host;
	const char		*method;
};

/* Request line and Host; returns whether the target is absolute-form. */
static bool
request_line(struct sim *s, const struct req *q)
{
	bool absolute = rng_chance(&s->rng, 0.06);
	char host[128];

	host_variant(s, q->u->host, host, sizeof(host));
	if (absolute)
		burst_printf(s, "%s http://%s%s HTTP/1.%d\r\n", q->method,
		    host, q->u->path, q->minor);
	else
		burst_printf(s, "%s %s HTTP/1.%d\r\n", q->method, q->u->path,
		    q->minor);
	if (q->no_host)
		return absolute;
	/* With an absolute-form target, the target's host wins. */
	if (absolute && rng_chance(&s->rng, 0.5))
		snprintf(host, sizeof(host), "%s", rng_chance(&s->rng, 0.5) ?
		    "www.canada.ca" : "eta.cic.gc.ca");
	else if (absolute)
		snprintf(host, sizeof(host), "%s", q->u->host);
	switch (rng_below(&s->rng, 20)) {
	case 0:
		burst_printf(s, "host: %s\r\n", host);
		break;
	case 1:
		burst_printf(s, "Host:   %s  \r\n", host);
		break;
	default:
		burst_printf(s, "Host: %s\r\n", host);
		break;
	}
	return absolute;
}

static void
request_headers(struct sim *s, const struct req *q)
{
	struct ip_addr spoof;
	char a[64];
	size_t i, n;

	burst_printf(s, "User-Agent: %s\r\n", user_agents[rng_below(&s->rng,
	    sizeof(user_agents) / sizeof(user_agents[0]))]);
	burst_printf(s, "Accept: text/html,application/xhtml+xml,"
	    "application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: %s\r\n"
	    "Accept-Encoding: gzip, deflate\r\n", languages[rng_below(&s->rng,
	    sizeof(languages) / sizeof(languages[0]))]);
	if (rng_chance(&s->rng, 0.3))
		burst_printf(s, "Referer: http://www.cic.gc.ca/english/"
		    "index.asp\r\n");
	if (rng_chance(&s->rng, 0.05)) {
		/* A cookie long enough to push the head past one MSS. */
		n = (size_t)rng_range(&s->rng, 1200, 3000);
		burst_printf(s, "Cookie: session=");
		for (i = 0; i < n; i++)
			burst_add(s, &"abcdefghijklmnopqrstuvwxyz0123456789"
			    [rng_below(&s->rng, 36)], 1);
		burst_add(s, "\r\n", 2);
	} else if (rng_chance(&s->rng, 0.3))
		burst_printf(s, "Cookie: WT_FPC=id=%08x%08x; lang=en\r\n",
		    (unsigned)rng_next(&s->rng), (unsigned)rng_next(&s->rng));
	if (q->via_lb)
		forward_headers(s, q->client);
	else if (rng_chance(&s->rng, 0.03)) {
		/* From an untrusted source this must be ignored. */
		v4(&spoof, 8, 8, rng_below(&s->rng, 256), 8);
		addr_format(&spoof, a, sizeof(a));
		burst_printf(s, "X-Forwarded-For: %s\r\n", a);
	}
	if (q->minor == 0 && rng_chance(&s->rng, 0.5))
		burst_printf(s, "Connection: keep-alive\r\n");
}

/*
 * Append one request to the burst and expect its hit.  Returns the burst
 * offset just after the head (where a body, if any, starts).
 */
static size_t
request_add(struct sim *s, struct sess *ss, const struct req *q)
{
	char body[2600];
	size_t head_end, n = 0;
	int kind = 0;
	bool absolute;

	absolute = request_line(s, q);
	request_headers(s, q);
	if (strcmp(q->method, "POST") == 0) {
		n = body_text(s, body, sizeof(body));
		burst_printf(s, "Content-Type: application/"
		    "x-www-form-urlencoded\r\n");
		kind = rng_chance(&s->rng, 0.3) ? 2 : 1;
		if (kind == 2)
			burst_printf(s, "Transfer-Encoding: chunked\r\n");
		else
			burst_printf(s, "Content-Length: %zu\r\n", n);
	}
	burst_add(s, "\r\n", 2);
	head_end = s->nburst;
	/* No Host and no absolute-form target: no host, class other. */
	pend_add(s, ss, head_end, q->no_host && !absolute ? CLS_OTHER :
	    q->u->cls, false, q->client);
	if (kind == 1)
		burst_add(s, body, n);
	else if (kind == 2)
		burst_chunked(s, body, n);
	return head_end;
}

static void
response_add(struct sim *s, const char *method, int64_t t)
{
	static const unsigned codes[] = { 200, 200, 200, 200, 200, 200, 301,
	    304, 404 };
	static const char *const reasons[] = { "OK", "OK", "OK", "OK", "OK",
	    "OK", "Moved Permanently", "Not Modified", "Not Found" };
	char when[64];
	time_t sec = (time_t)(t / US);
	struct tm tm;
	unsigned i = rng_below(&s->rng, 9);
	size_t n = (size_t)rng_range(&s->rng, 40, 400), k;
	int len;

	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = codes[i] == 304 ? 0 : n + s->o->page_bytes;
	len = snprintf(s->line, sizeof(s->line), "HTTP/1.1 %u %s\r\nDate: %s"
	    "\r\nServer: Apache\r\nContent-Type: text/html; charset=UTF-8\r\n"
	    "Content-Length: %zu\r\n\r\n", codes[i], reasons[i], when, n);
	if (len > 0)
		buf_add(s->rsp, &s->nrsp, s->line, (size_t)len);
	if (strcmp(method, "HEAD") == 0)
		return;
	/*
	 * The filler over and over, without a random draw: with
	 * --page-bytes 0 the capture is the very one it was before.
	 */
	while (n > 0) {
		k = n < sizeof(filler) - 1 ? n : sizeof(filler) - 1;
		buf_add(s->rsp, &s->nrsp, filler, k);
		n -= k;
	}
}

/*
 * Send the burst; heads may be cut into pieces sent apart (in order), and
 * a body may follow its head later.
 */
static void
burst_send(struct sim *s, struct sess *ss, size_t head_start, size_t head_end)
{
	size_t cuts[4], ncut = 0, i, from = 0;
	size_t hl = head_end - head_start;

	if (hl > 4 && rng_chance(&s->rng, 0.10)) {
		cuts[ncut++] = head_start + 1 + rng_below(&s->rng,
		    (uint32_t)hl - 2);
		if (rng_chance(&s->rng, 0.4)) {
			cuts[ncut] = head_start + 1 + rng_below(&s->rng,
			    (uint32_t)hl - 2);
			if (cuts[ncut] > cuts[0])
				ncut++;
		}
	}
	if (head_end < s->nburst && rng_chance(&s->rng, 0.3))
		cuts[ncut++] = head_end;
	for (i = 0; i <= ncut; i++) {
		size_t to = i < ncut ? cuts[i] : s->nburst;

		cli_send(s, ss, s->burst + from, to - from, ss->t);
		ss->t += rng_range(&s->rng, 2000, i + 1 < ncut ? 800000 :
		    50000);
		from = to;
	}
	s->nburst = 0;
}

static const char *
method_pick(struct sim *s, bool pipelined)
{
	unsigned r = rng_below(&s->rng, 100);

	if (r < 3)
		return "HEAD";
	if (r < 15 && !pipelined)
		return "POST";
	return "GET";
}

/* One round: one request, or 2-3 pipelined; then the responses. */
static void
http_round(struct sim *s, struct sess *ss, unsigned sc, struct req *q,
    bool lb)
{
	const char *methods[3];
	size_t i, n = 1, head_start = 0, head_end = 0;

	if (q->minor == 1 && rng_chance(&s->rng, 0.12))
		n = 2 + rng_below(&s->rng, 2);
	for (i = 0; i < n; i++) {
		q->u = url_pick(s, sc);
		if (lb && (i > 0 || rng_chance(&s->rng, 0.5)))
			q->client = client_pick(s, sc);
		q->method = methods[i] = method_pick(s, n > 1);
		head_start = s->nburst;
		head_end = request_add(s, ss, q);
	}
	burst_send(s, ss, head_start, head_end);
	s->nrsp = 0;
	for (i = 0; i < n; i++)
		response_add(s, methods[i], ss->t);
	srv_send(s, ss, s->rsp, s->nrsp, ss->t + ss->rtt / 2 +
	    rng_range(&s->rng, 500, 80000));
}

static void
http_session(struct sim *s, unsigned sc, int64_t t0, bool lb)
{
	struct ip_addr src, srv;
	const struct ip_addr *client;
	struct sess ss;
	struct req q;
	unsigned rounds, r, i;
	bool mid;

	memset(&q, 0, sizeof(q));
	client = client_pick(s, sc);
	if (lb && rng_chance(&s->rng, 0.2)) {
		v6(&src, "fd00::a");
		v6(&srv, "fd00:20::5");
	} else if (lb) {
		v4(&src, 10, 0, 0, 1 + rng_below(&s->rng, 4));
		v4(&srv, 10, 20, 0, 5);
	} else {
		src = *client;
		server_addr(s, !addr_is_v4(client), &srv);
	}
	q.client = client;
	q.via_lb = lb;
	q.minor = rng_chance(&s->rng, 0.05) ? 0 : 1;
	q.no_host = q.minor == 0 && rng_chance(&s->rng, 0.4);
	r = rng_below(&s->rng, 100);
	rounds = r < 50 ? 1 : r < 85 ? 2 + rng_below(&s->rng, 2) :
	    4 + rng_below(&s->rng, 3);
	if (q.minor == 0)
		rounds = 1;
	/* Mid-stream: the capture starts with the second round. */
	mid = s->o->chaos > 0 && rounds > 1 &&
	    rng_chance(&s->rng, s->o->chaos / 4);
	sess_start(s, &ss, &src, &srv, 80, t0, mid);
	for (i = 0; i < rounds && ss.t < ss.end; i++) {
		if (i == 1 && mid)
			sess_unmute(s, &ss);
		http_round(s, &ss, sc, &q, lb);
		ss.t += rng_range(&s->rng, 50000, 4000000);
	}
	sess_end(s, &ss);
}

/* ---- TLS ---- */

static const struct sni *
sni_pick(struct sim *s, unsigned sc)
{
	double w[sizeof(snis) / sizeof(snis[0])];
	size_t i, n = sizeof(snis) / sizeof(snis[0]);

	for (i = 0; i < n; i++)
		w[i] = snis[i].w[sc];
	return &snis[rng_weighted(&s->rng, w, n)];
}

/* A TLS record of type with n random bytes (encrypted-looking). */
static void
tls_record(struct sim *s, uint8_t *buf, size_t *len, uint8_t type, size_t n)
{
	uint8_t h[5] = { type, 3, 3, (uint8_t)(n >> 8), (uint8_t)n };
	uint8_t body[2048];

	if (n > sizeof(body))
		n = sizeof(body);
	h[3] = (uint8_t)(n >> 8);
	h[4] = (uint8_t)n;
	rng_fill(&s->rng, body, n);
	if (type == 22)
		body[0] = 2;		/* server_hello, not client_hello */
	buf_add(buf, len, h, 5);
	buf_add(buf, len, body, n);
}

static void
tls_session(struct sim *s, unsigned sc, int64_t t0)
{
	struct hello_params hp;
	const struct ip_addr *client = client_pick(s, sc);
	const struct sni *sn = sni_pick(s, sc);
	struct ip_addr srv;
	struct sess ss;
	size_t n, cut;
	unsigned i, rounds;
	bool mid;

	memset(&hp, 0, sizeof(hp));
	hp.sni = sn->name;
	rng_fill(&s->rng, hp.random, 32);
	rng_fill(&s->rng, hp.session_id, 32);
	rng_fill(&s->rng, hp.key_share, 32);
	hp.tls13 = rng_chance(&s->rng, 0.7);
	hp.grease = rng_chance(&s->rng, 0.5);
	hp.sni_last = rng_chance(&s->rng, 0.2);
	hp.pad = rng_chance(&s->rng, 0.4);
	if (rng_chance(&s->rng, 0.02))
		hp.frag = (size_t)rng_range(&s->rng, 10, 150);
	if ((n = hello_build(&hp, s->burst, sizeof(s->burst))) == 0)
		return;
	server_addr(s, !addr_is_v4(client), &srv);
	/* Mid-stream: the capture starts after the handshakes. */
	mid = s->o->chaos > 0 && rng_chance(&s->rng, s->o->chaos / 4);
	sess_start(s, &ss, client, &srv, 443, t0, mid);
	pend_add(s, &ss, n, sn->cls, true, client);
	if (rng_chance(&s->rng, 0.15)) {
		cut = 1 + rng_below(&s->rng, (uint32_t)n - 1);
		cli_send(s, &ss, s->burst, cut, ss.t);
		cli_send(s, &ss, s->burst + cut, n - cut, ss.t +
		    rng_range(&s->rng, 1000, 300000));
	} else
		cli_send(s, &ss, s->burst, n, ss.t);
	s->nrsp = 0;
	tls_record(s, s->rsp, &s->nrsp, 22, (size_t)rng_range(&s->rng, 90,
	    1400));
	buf_add(s->rsp, &s->nrsp, "\x14\x03\x03\x00\x01\x01", 6);
	srv_send(s, &ss, s->rsp, s->nrsp, ss.t + ss.rtt / 2 + 2000);
	rounds = rng_below(&s->rng, 3);
	if (mid)
		sess_unmute(s, &ss);
	for (i = 0; i <= rounds && ss.t < ss.end; i++) {
		s->nburst = 0;
		if (i == 0)
			burst_add(s, "\x14\x03\x03\x00\x01\x01", 6);
		tls_record(s, s->burst, &s->nburst, 23,
		    (size_t)rng_range(&s->rng, 40, 600));
		cli_send(s, &ss, s->burst, s->nburst, ss.t + ss.rtt / 2);
		s->nrsp = 0;
		tls_record(s, s->rsp, &s->nrsp, 23,
		    (size_t)rng_range(&s->rng, 100, 1500));
		srv_send(s, &ss, s->rsp, s->nrsp, ss.t + ss.rtt / 2 + 3000);
		ss.t += rng_range(&s->rng, 50000, 3000000);
	}
	s->nburst = 0;
	sess_end(s, &ss);
}

/* ---- noise ---- */

/* Bytes on port 80 or 443 that are neither HTTP nor a ClientHello. */
static void
junk_session(struct sim *s, int64_t t0)
{
	static const char ssh[] = "SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.1"
	    "\r\n";
	static const char half[] = "GET /english/immigrate/ HTTP/1.1\r\n"
	    "Host: www.cic.gc.ca\r\nUser-Agent: scanner\r\n";
	const struct ip_addr *client = client_pick(s, SC_BASE);
	struct ip_addr srv;
	struct sess ss;
	unsigned r = rng_below(&s->rng, 100);
	uint16_t port = r < 80 ? 80 : 443;
	size_t n;

	server_addr(s, !addr_is_v4(client), &srv);
	sess_start(s, &ss, client, &srv, port, t0, false);
	s->nburst = 0;
	if (r < 30 || r >= 80) {
		n = (size_t)rng_range(&s->rng, 20, 300);
		rng_fill(&s->rng, s->burst, n);
		/* Never a method token nor a TLS record type. */
		s->burst[0] = (uint8_t)(0x80 | s->burst[0]);
		s->nburst = n;
	} else if (r < 50) {
		burst_add(s, ssh, sizeof(ssh) - 1);
	} else if (r < 70) {
		tls_record(s, s->burst, &s->nburst, 22,
		    (size_t)rng_range(&s->rng, 4, 200));
	} else {
		/* A head that never ends: not a request. */
		burst_add(s, half, sizeof(half) - 1);
	}
	cli_send(s, &ss, s->burst, s->nburst, ss.t);
	s->nburst = 0;
	if (rng_chance(&s->rng, 0.5)) {
		sess_finish(s, &ss, ss.t + ss.rtt);
		(void)!pcapw_conn_reset(s->w, &ss.c, false, ss.t + ss.rtt);
	} else
		sess_end(s, &ss);
}

/* The load balancer's own health check: its address is the client. */
static void
health_session(struct sim *s, int64_t t0)
{
	static const struct url hc = { "lb-health.internal", "/healthz",
	    CLS_OTHER, { 0, 0, 0 } };
	struct ip_addr src, srv;
	struct sess ss;

	v4(&src, 10, 0, 0, 2);
	v4(&srv, 10, 20, 0, 5);
	sess_start(s, &ss, &src, &srv, 80, t0, false);
	s->nburst = 0;
	burst_printf(s, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", hc.host);
	pend_add(s, &ss, s->nburst, CLS_OTHER, false, &src);
	cli_send(s, &ss, s->burst, s->nburst, ss.t);
	s->nburst = 0;
	s->nrsp = 0;
	response_add(s, "GET", ss.t);
	srv_send(s, &ss, s->rsp, s->nrsp, ss.t + 1000);
	sess_end(s, &ss);
}

/* ---- the minute loop ---- */

static void
session(struct sim *s, unsigned sc, int64_t t0)
{
	double tls_share = sc == SC_ETA ? 0.45 : sc == SC_IMM ? 0.2 : 0.25;

	if (rng_chance(&s->rng, tls_share))
		tls_session(s, sc, t0);
	else
		http_session(s, sc, t0, rng_chance(&s->rng, 0.25));
}

static int
minute_run(struct sim *s, int64_t tm)
{
	unsigned sc, k, i;

	for (sc = 0; sc < SC_N; sc++) {
		k = rng_poisson(&s->rng, scen_rate(sc, tm + 30) *
		    s->o->scale);
		for (i = 0; i < k; i++)
			session(s, sc, tm * US + rng_range(&s->rng, 0,
			    60 * US - 1));
	}
	k = rng_poisson(&s->rng, 0.3 * s->o->scale);
	for (i = 0; i < k; i++)
		junk_session(s, tm * US + rng_range(&s->rng, 0, 60 * US - 1));
	if ((tm / 60) % 5 == 0)
		health_session(s, tm * US + 30 * US);
	if (pcapw_sync(s->w, (tm + 60) * US) == -1 ||
	    truth_flush(s->truth, (tm + 60) * US) == -1 || s->nomem)
		return -1;
	return 0;
}

/* ---- set-up ---- */

static int
pools_build(struct sim *s)
{
	struct pool_want want[NMIX];
	char err[512];
	size_t i;
	int rc;

	if (s->o->networks != NULL) {
		rc = pools_from_networks(&s->pools, s->geo, &s->rng,
		    s->o->networks, 64, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "originstat-sim: %s\n", err);
			return rc == -1 ? EX_NOINPUT_ : EX_DATAERR_;
		}
		if (s->pools.mismatches > 0)
			fprintf(stderr, "originstat-sim: %s: %llu addresses "
			    "whose lookup differs from the table\n",
			    s->o->networks,
			    (unsigned long long)s->pools.mismatches);
		return 0;
	}
	for (i = 0; i < NMIX; i++) {
		want[i].cc = mixes[i].cc;
		want[i].n4 = strcmp(mixes[i].cc, "US") == 0 ||
		    strcmp(mixes[i].cc, "CA") == 0 ? 1024 : 256;
		want[i].n6 = want[i].n4 / 8;
	}
	if (pools_from_random(&s->pools, s->geo, &s->rng, want, NMIX,
	    4000000) == -1) {
		fprintf(stderr, "originstat-sim: out of memory\n");
		return EX_SOFTWARE_;
	}
	return 0;
}

static int
parse_start(const char *arg, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;
	char z, extra;

	if (sscanf(arg, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &y, &mo, &d, &h, &mi,
	    &sec, &z, &extra) != 7 || z != 'Z' || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970 ||
	    h < 0 || mi < 0 || sec < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm);
	*out -= *out % 60;
	return 0;
}

static int
parse_double(const char *arg, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(*out >= lo) ||
	    !(*out <= hi))
		return -1;
	return 0;
}

static int
parse_link(const char *arg, unsigned *out)
{
	static const struct {
		const char	*name;
		unsigned	 dlt;
	} t[] = {
		{ "ether", PCAPW_LINK_ETHERNET }, { "sll", PCAPW_LINK_SLL },
		{ "sll2", PCAPW_LINK_SLL2 }, { "raw", PCAPW_LINK_RAW },
		{ "null", PCAPW_LINK_NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(arg, t[i].name) == 0) {
			*out = t[i].dlt;
			return 0;
		}
	return -1;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "truth", required_argument, NULL, 't' },
		{ "geoip", required_argument, NULL, 'g' },
		{ "networks", required_argument, NULL, 'n' },
		{ "start", required_argument, NULL, 's' },
		{ "hours", required_argument, NULL, 'H' },
		{ "scale", required_argument, NULL, 'x' },
		{ "seed", required_argument, NULL, 'r' },
		{ "linktype", required_argument, NULL, 'l' },
		{ "chaos", required_argument, NULL, 'c' },
		{ "page-bytes", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double hours = 43, pb;
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->start = 1478581200;		/* 2016-11-08T05:00:00Z */
	o->scale = 1.0;
	o->seed = 1;
	o->linktype = PCAPW_LINK_ETHERNET;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': o->out = optarg; break;
		case 't': o->truth = optarg; break;
		case 'g': o->geoip = optarg; break;
		case 'n': o->networks = optarg; break;
		case 's':
			if (parse_start(optarg, &o->start) == -1)
				bad_arg("--start", optarg,
				    "want YYYY-MM-DDTHH:MM:SSZ");
			break;
		case 'H':
			if (parse_double(optarg, 1.0 / 60, 24 * 366, &hours))
				bad_arg("--hours", optarg,
				    "want a number from 1/60 to 8784");
			break;
		case 'x':
			if (parse_double(optarg, 0, 1000, &o->scale))
				bad_arg("--scale", optarg,
				    "want a number from 0 to 1000");
			break;
		case 'r':
			errno = 0;
			o->seed = strtoull(optarg, &end, 0);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-')
				bad_arg("--seed", optarg,
				    "want an unsigned integer");
			break;
		case 'l':
			if (parse_link(optarg, &o->linktype) == -1)
				bad_arg("--linktype", optarg,
				    "want ether, sll, sll2, raw or null");
			break;
		case 'c':
			if (parse_double(optarg, 0, 1, &o->chaos))
				bad_arg("--chaos", optarg,
				    "want a probability from 0 to 1");
			break;
		case 'p':
			if (parse_double(optarg, 0, PAGE_BYTES_MAX, &pb) ||
			    pb != floor(pb))
				bad_arg("--page-bytes", optarg,
				    "want a whole number from 0 to 10000");
			o->page_bytes = (size_t)pb;
			break;
		case 'h':
			usage(EX_OK_);
			break;
		default:
			usage(EX_USAGE_);
		}
	}
	if (optind != argc)
		bad_arg("argument", argv[optind], "unexpected");
	if (o->out == NULL || o->geoip == NULL) {
		fprintf(stderr, "originstat-sim: --out and --geoip are "
		    "required\n");
		usage(EX_USAGE_);
	}
	o->minutes = (unsigned)lround(hours * 60);
	if (o->minutes == 0)
		o->minutes = 1;
}

static int
run(struct sim *s)
{
	unsigned m;

	for (m = 0; m < s->o->minutes; m++)
		if (minute_run(s, s->o->start + (int64_t)m * 60) == -1)
			return -1;
	return 0;
}

/*
 * Close both outputs.  run() stopped early only on a write error (sticky
 * in the writer or the truth, reported by their close) or out of memory.
 */
static int
finish(struct sim *s)
{
	struct pcapw_stats ps;
	struct truth_stats ts;
	char err[512];
	int ex = EX_OK_;

	/* Write the sessions that ran past the last minute, then count. */
	(void)!pcapw_sync(s->w, INT64_MAX);
	pcapw_get_stats(s->w, &ps);
	truth_get_stats(s->truth, &ts);
	if (s->nomem) {
		fprintf(stderr, "originstat-sim: out of memory\n");
		ex = EX_SOFTWARE_;
	}
	if (pcapw_close(s->w, err, sizeof(err)) == -1) {
		fprintf(stderr, "originstat-sim: %s\n", err);
		ex = EX_IOERR_;
	}
	if (truth_close(s->truth, err, sizeof(err)) == -1) {
		fprintf(stderr, "originstat-sim: %s\n", err);
		ex = EX_IOERR_;
	}
	if (ex == EX_OK_)
		fprintf(stderr, "originstat-sim: %s: %llu packets, %llu "
		    "requests, %llu handshakes, %llu bytes\n", s->o->out,
		    (unsigned long long)ps.packets,
		    (unsigned long long)ts.requests,
		    (unsigned long long)ts.handshakes,
		    (unsigned long long)ps.bytes);
	return ex;
}

int
main(int argc, char **argv)
{
	struct sim *s;
	struct opts o;
	char err[512];
	int rc;

	parse_args(argc, argv, &o);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fprintf(stderr, "originstat-sim: out of memory\n");
		return EX_SOFTWARE_;
	}
	s->o = &o;
	s->port = 32768;
	truth_stream_init(&s->arr);
	rng_seed(&s->rng, o.seed);
	if ((s->geo = geo_open(o.geoip, 65536, err, sizeof(err))) == NULL) {
		fprintf(stderr, "originstat-sim: %s\n", err);
		free(s);
		return EX_NOINPUT_;
	}
	if ((rc = pools_build(s)) != 0)
		goto done;
	picks_build(s);
	if (s->npicks[SC_BASE] == 0) {
		fprintf(stderr, "originstat-sim: %s: no client addresses "
		    "found\n", o.networks != NULL ? o.networks : o.geoip);
		rc = EX_DATAERR_;
		goto done;
	}
	if ((s->w = pcapw_open(o.out, o.linktype, err, sizeof(err))) == NULL) {
		fprintf(stderr, "originstat-sim: %s\n", err);
		rc = EX_CANTCREAT_;
		goto done;
	}
	pcapw_set_sorted(s->w);
	if ((s->truth = truth_open(o.truth, cls_names, CLS_N, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "originstat-sim: %s\n", err);
		(void)pcapw_close(s->w, NULL, 0);
		rc = EX_CANTCREAT_;
		goto done;
	}
	(void)run(s);
	rc = finish(s);
done:
	truth_stream_fini(&s->arr);
	free(s->stream);
	pools_free(&s->pools);
	geo_free(s->geo);
	free(s);
	return rc;
}

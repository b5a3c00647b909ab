/*
 * mkflood.c - write a capture of N distinct TCP connections to one server.
 *
 * The worst case for the connection table: a SYN flood or port scan, in
 * which every packet opens a connection nobody closes.  Each connection
 * has its own client address (in 11.0.0.0/8, public unicast, so GeoIP
 * lookups and distinct-client sketches see N clients) and its own port.
 * By default each sends one SYN; with --payload it completes the handshake
 * and sends one small HTTP GET, so every connection holds parser state;
 * with --partial the GET head is cut before its blank line, so every
 * connection also wants a head buffer; --head-bytes pads the heads.
 * Nothing is ever closed.
 *
 * Connections start --interval-us apart (default 100: a million take 100 s
 * of capture time, well inside the daemon's 300 s idle timeout), so the
 * table is bounded by its cap and LRU eviction, not by expiry.  Frames are
 * written in timestamp order, straight through: memory stays constant and
 * a million connections take seconds.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/addr.h"
#include "pcapw.h"

#define EX_OK_		0
#define EX_USAGE_	64
#define EX_CANTCREAT_	73
#define EX_IOERR_	74

#define START_US	1478606400000000LL	/* 2016-11-08T12:00:00Z */
#define CLIENT_BASE	0x0b000000u	/* 11.0.0.0 */
#define MAX_CONNS	(256UL << 16)	/* one per address of 11/8 */
#define STEP_US		5		/* one connection's packets */
#define HEAD_MAX	65000		/* longest --head-bytes */
#define MSS		1460		/* pcapw_conn's segment size */

enum mode {
	MODE_SYN,
	MODE_PAYLOAD,
	MODE_PARTIAL,
};

struct options {
	const char	*out;
	unsigned long	 conns;
	unsigned	 linktype;
	enum mode	 mode;
	int64_t		 interval_us;
	size_t		 head_bytes;	/* pad request heads to this size */
};

static void	usage(int) __attribute__((noreturn));

static void
usage(int status)
{
	fprintf(status == EX_OK_ ? stdout : stderr,
	    "usage: mkflood --out FILE --connections N "
	    "[--linktype ether|raw|sll|sll2|null]\n"
	    "       [--payload | --partial] [--head-bytes N] "
	    "[--interval-us US]\n");
	exit(status);
}

static void	bad_arg(const char *, const char *, const char *)
		    __attribute__((noreturn));

static void
bad_arg(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "mkflood: %s '%s': %s\n", opt, val, want);
	usage(EX_USAGE_);
}

static int
parse_ulong(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out < lo || *out > hi)
		return -1;
	return 0;
}

static int
parse_link(const char *s, unsigned *out)
{
	static const struct {
		const char	*name;
		unsigned	 type;
	} links[] = {
		{ "ether", PCAPW_LINK_ETHERNET },
		{ "raw", PCAPW_LINK_RAW },
		{ "sll", PCAPW_LINK_SLL },
		{ "sll2", PCAPW_LINK_SLL2 },
		{ "null", PCAPW_LINK_NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (strcmp(s, links[i].name) == 0) {
			*out = links[i].type;
			return 0;
		}
	return -1;
}

/*
 * Frames go out in timestamp order only if a connection's packets (SYN,
 * SYN/ACK, ACK, then the request's segments, STEP_US apart) end before
 * the next connection starts.
 */
static int64_t
interval_min(const struct options *o)
{
	size_t segs = (o->head_bytes + MSS - 1) / MSS;

	if (o->mode == MODE_SYN)
		return 1;
	return (int64_t)(3 + (segs > 1 ? segs : 1)) * STEP_US;
}

static void
options_parse(int argc, char **argv, struct options *o)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "connections", required_argument, NULL, 'n' },
		{ "linktype", required_argument, NULL, 'l' },
		{ "payload", no_argument, NULL, 'p' },
		{ "partial", no_argument, NULL, 'P' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "head-bytes", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int ch;

	memset(o, 0, sizeof(*o));
	o->linktype = PCAPW_LINK_ETHERNET;
	o->mode = MODE_SYN;
	o->interval_us = 100;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': o->out = optarg; break;
		case 'n':
			if (parse_ulong(optarg, 1, MAX_CONNS, &o->conns) == -1)
				bad_arg("--connections", optarg,
				    "want an integer from 1 to 16777216");
			break;
		case 'l':
			if (parse_link(optarg, &o->linktype) == -1)
				bad_arg("--linktype", optarg,
				    "want ether, raw, sll, sll2 or null");
			break;
		case 'p': o->mode = MODE_PAYLOAD; break;
		case 'P': o->mode = MODE_PARTIAL; break;
		case 'i':
			if (parse_ulong(optarg, 1, 60000000, &v) == -1)
				bad_arg("--interval-us", optarg,
				    "want an integer from 1 to 60000000");
			o->interval_us = (int64_t)v;
			break;
		case 'b':
			if (parse_ulong(optarg, 0, HEAD_MAX, &v) == -1)
				bad_arg("--head-bytes", optarg,
				    "want an integer from 0 to 65000");
			o->head_bytes = v;
			break;
		case 'h': usage(EX_OK_);
		default: usage(EX_USAGE_);
		}
	}
	if (optind != argc)
		bad_arg("argument", argv[optind], "unexpected");
	if (o->interval_us < interval_min(o)) {
		fprintf(stderr, "mkflood: --interval-us must be at least "
		    "%lld for these requests\n", (long long)interval_min(o));
		usage(EX_USAGE_);
	}
	if (o->out == NULL || o->conns == 0) {
		fprintf(stderr, "mkflood: --out and --connections are "
		    "required\n");
		usage(EX_USAGE_);
	}
}

/* splitmix64 finaliser: initial sequence numbers that look random. */
static uint32_t
mix32(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((x ^ (x >> 31)) >> 32);
}

static void
addr_v4(struct ip_addr *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	addr_from_v4(a, b);
}

/*
 * Connection i: client address 11.0.0.0 + (i mod 256) * 2^16 + i / 256 (so
 * consecutive connections come from 256 different /16s, which a GeoIP
 * database may put in 256 countries), a port that differs from its
 * neighbours' (1024..65535), to 192.0.2.80:80.
 */
static void
conn_make(unsigned long i, struct pcapw_conn *c)
{
	static const uint8_t srv4[4] = { 192, 0, 2, 80 };
	struct ip_addr cli, srv;
	uint16_t port = (uint16_t)(1024 + (i * 7919) % 64512);
	uint32_t v;

	v = CLIENT_BASE + (uint32_t)((i % 256) << 16) + (uint32_t)(i / 256);
	addr_v4(&cli, v);
	addr_from_v4(&srv, srv4);
	pcapw_conn_init(c, &cli, port, &srv, 80, mix32(2 * i),
	    mix32(2 * i + 1));
	c->step_us = STEP_US;
}

/* A bare SYN, as a flooder sends it: no options. */
static int
write_syn(struct pcapw *w, const struct pcapw_conn *c, int64_t ts)
{
	struct pcapw_seg s;

	memset(&s, 0, sizeof(s));
	s.src = c->cli;
	s.dst = c->srv;
	s.sport = c->cport;
	s.dport = c->sport;
	s.seq = c->ciss;
	s.flags = PCAPW_SYN;
	s.pkttype = PCAPW_PKT_HOST;
	return pcapw_write_tcp(w, ts, &s);
}

/*
 * One request per connection, the class (under the rules of
 * docs/originstatd.conf.example) changing every 256 connections so that
 * every class meets every /16 of clients.  An X-Pad header makes the head
 * o->head_bytes long when that is more than its natural size.  Returns the
 * head's length in buf, or 0 if it does not fit.
 */
static size_t
req_make(const struct options *o, unsigned long i, char *buf, size_t cap)
{
	static const char *const targets[][2] = {
		{ "eta.cic.gc.ca", "/apply" },		/* eta */
		{ "www.cic.gc.ca", "/english/immigrate/" }, /* immigrate */
		{ "www.cic.gc.ca", "/english/index.asp" },	/* cic */
		{ "www.example.com", "/" },		/* other */
	};
	const char *const *t = targets[(i / 256) % 4];
	size_t n, end = o->mode == MODE_PARTIAL ? 0 : 2, pad;
	int r;

	r = snprintf(buf, cap, "GET %s?n=%lu HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: mkflood\r\n", t[1], i, t[0]);
	if (r < 0 || (size_t)r >= cap)
		return 0;
	n = (size_t)r;
	if (o->head_bytes > n + end + sizeof("X-Pad: \r\n") - 1) {
		pad = o->head_bytes - n - end - (sizeof("X-Pad: \r\n") - 1);
		if (o->head_bytes > cap)
			return 0;
		memcpy(buf + n, "X-Pad: ", 7);
		memset(buf + n + 7, 'a', pad);
		memcpy(buf + n + 7 + pad, "\r\n", 2);
		n += 9 + pad;
	}
	if (n + end > cap)
		return 0;
	memcpy(buf + n, "\r\n", end);
	return n + end;
}

static int
write_get(struct pcapw *w, const struct options *o, struct pcapw_conn *c,
    unsigned long i, int64_t ts, char *buf, size_t cap)
{
	size_t n;

	if ((n = req_make(o, i, buf, cap)) == 0)
		return -1;
	if (pcapw_conn_handshake(w, c, ts) == -1)
		return -1;
	return pcapw_conn_client_send(w, c, buf, n, c->last_ts + c->step_us);
}

static int
flood(struct pcapw *w, const struct options *o)
{
	struct pcapw_conn c;
	unsigned long i;
	int64_t ts;
	char *buf;
	int rc = 0;

	if ((buf = malloc(HEAD_MAX)) == NULL)
		return -1;
	for (i = 0; i < o->conns && rc == 0; i++) {
		ts = START_US + (int64_t)i * o->interval_us;
		conn_make(i, &c);
		if (o->mode == MODE_SYN)
			rc = write_syn(w, &c, ts);
		else
			rc = write_get(w, o, &c, i, ts, buf, HEAD_MAX);
	}
	free(buf);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct pcapw *w;
	struct pcapw_stats ps;
	char err[256];
	int failed;

	options_parse(argc, argv, &o);
	err[0] = '\0';
	if ((w = pcapw_open(o.out, o.linktype, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mkflood: %s\n", err);
		return EX_CANTCREAT_;
	}
	failed = flood(w, &o);
	pcapw_get_stats(w, &ps);
	if (pcapw_close(w, err, sizeof(err)) == -1 || failed) {
		fprintf(stderr, "mkflood: %s\n", err[0] ? err : o.out);
		return EX_IOERR_;
	}
	fprintf(stderr, "mkflood: %s: %lu connections, %llu packets, "
	    "%llu bytes\n", o.out, o.conns, (unsigned long long)ps.packets,
	    (unsigned long long)ps.bytes);
	return EX_OK_;
}

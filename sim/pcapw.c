/*
 * pcapw.c - classic pcap writer and TCP/IP frame builder.
 *
 * File format: the libpcap savefile format (global header, then a 16-byte
 * record header per frame), written little-endian so files are the same
 * on every host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"

#define PCAP_MAGIC_US	0xa1b2c3d4u
#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define BSD_AF_INET	2
#define BSD_AF_INET6	24	/* NetBSD, OpenBSD; FreeBSD 28, macOS 30 */
#define IPPROTO_TCP_NUM	6

struct pcapw_rec {
	int64_t		 ts;
	uint64_t	 order;
	uint8_t		*data;
	size_t		 len;
};

struct pcapw {
	FILE			*fp;
	char			 path[256];
	unsigned		 linktype;
	bool			 failed;
	int			 errnum;
	bool			 sorted;
	struct pcapw_rec	*q;
	size_t			 nq, capq;
	uint64_t		 order;
	struct pcapw_stats	 st;
	uint8_t			 frame[PCAPW_FRAME_MAX];
};

static void
put16le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32le(uint8_t *p, uint32_t v)
{
	put16le(p, v);
	put16le(p + 2, v >> 16);
}

static void
put16be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32be(uint8_t *p, uint32_t v)
{
	put16be(p, v >> 16);
	put16be(p + 2, v);
}

static bool
link_known(unsigned linktype)
{
	switch (linktype) {
	case PCAPW_LINK_NULL:
	case PCAPW_LINK_ETHERNET:
	case PCAPW_LINK_RAW:
	case PCAPW_LINK_SLL:
	case PCAPW_LINK_SLL2:
		return true;
	default:
		return false;
	}
}

static void
fail(struct pcapw *w, int errnum)
{
	if (!w->failed) {
		w->failed = true;
		w->errnum = errnum != 0 ? errnum : EIO;
	}
}

struct pcapw *
pcapw_open(const char *path, unsigned linktype, char *err, size_t errcap)
{
	struct pcapw *w;
	uint8_t hdr[24];
	int e;

	if (!link_known(linktype)) {
		snprintf(err, errcap, "%s: unsupported link type %u", path,
		    linktype);
		errno = EINVAL;
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->linktype = linktype;
	if ((w->fp = fopen(path, "wb")) == NULL)
		goto fail;
	put32le(hdr, PCAP_MAGIC_US);
	put16le(hdr + 4, 2);		/* version 2.4 */
	put16le(hdr + 6, 4);
	put32le(hdr + 8, 0);		/* thiszone: UTC */
	put32le(hdr + 12, 0);		/* sigfigs */
	put32le(hdr + 16, PCAPW_SNAPLEN);
	put32le(hdr + 20, linktype);
	if (fwrite(hdr, sizeof(hdr), 1, w->fp) != 1)
		goto fail;
	w->st.bytes = sizeof(hdr);
	return w;
fail:
	e = errno;
	snprintf(err, errcap, "%s: %s", path, strerror(e));
	if (w->fp != NULL)
		fclose(w->fp);
	free(w);
	errno = e;
	return NULL;
}

unsigned
pcapw_linktype(const struct pcapw *w)
{
	return w->linktype;
}

void
pcapw_get_stats(const struct pcapw *w, struct pcapw_stats *st)
{
	*st = w->st;
}

void
pcapw_set_sorted(struct pcapw *w)
{
	w->sorted = true;
}

/* Append one record to the file. */
static int
emit(struct pcapw *w, int64_t ts_us, const uint8_t *frame, size_t len)
{
	uint8_t rh[16];
	int64_t sec, usec;

	if (w->failed)
		return -1;
	sec = ts_us / 1000000;
	usec = ts_us % 1000000;
	if (usec < 0) {
		usec += 1000000;
		sec--;
	}
	put32le(rh, (uint32_t)sec);
	put32le(rh + 4, (uint32_t)usec);
	put32le(rh + 8, (uint32_t)len);
	put32le(rh + 12, (uint32_t)len);
	if (fwrite(rh, sizeof(rh), 1, w->fp) != 1 ||
	    (len > 0 && fwrite(frame, len, 1, w->fp) != 1)) {
		fail(w, errno);
		return -1;
	}
	w->st.packets++;
	w->st.bytes += sizeof(rh) + len;
	return 0;
}

static int
enqueue(struct pcapw *w, int64_t ts_us, const uint8_t *frame, size_t len)
{
	struct pcapw_rec *r;

	if (w->nq == w->capq) {
		size_t ncap = w->capq != 0 ? w->capq * 2 : 4096;

		if ((r = realloc(w->q, ncap * sizeof(*r))) == NULL) {
			fail(w, errno);
			return -1;
		}
		w->q = r;
		w->capq = ncap;
	}
	r = &w->q[w->nq];
	if ((r->data = malloc(len > 0 ? len : 1)) == NULL) {
		fail(w, errno);
		return -1;
	}
	memcpy(r->data, frame, len);
	r->len = len;
	r->ts = ts_us;
	r->order = w->order++;
	w->nq++;
	return 0;
}

int
pcapw_write_frame(struct pcapw *w, int64_t ts_us, const void *frame,
    size_t len)
{
	if (w->failed)
		return -1;
	if (len > PCAPW_SNAPLEN) {
		errno = EMSGSIZE;
		return -1;
	}
	if (w->sorted)
		return enqueue(w, ts_us, frame, len);
	return emit(w, ts_us, frame, len);
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct pcapw_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return 0;
}

int
pcapw_sync(struct pcapw *w, int64_t before_us)
{
	size_t i, n;
	int rc = 0;

	if (w->nq == 0)
		return w->failed ? -1 : 0;
	qsort(w->q, w->nq, sizeof(*w->q), rec_cmp);
	for (n = 0; n < w->nq && w->q[n].ts < before_us; n++) {
		if (emit(w, w->q[n].ts, w->q[n].data, w->q[n].len) == -1)
			rc = -1;
		free(w->q[n].data);
	}
	for (i = n; i < w->nq; i++)
		w->q[i - n] = w->q[i];
	w->nq -= n;
	return w->failed ? -1 : rc;
}

int
pcapw_close(struct pcapw *w, char *err, size_t errcap)
{
	int rc;

	if (w == NULL)
		return 0;
	if (pcapw_sync(w, INT64_MAX) == -1)
		fail(w, errno);
	if (fflush(w->fp) != 0)
		fail(w, errno);
	if (ferror(w->fp))
		fail(w, errno);
	if (fclose(w->fp) != 0)
		fail(w, errno);
	rc = w->failed ? -1 : 0;
	if (rc == -1 && err != NULL)
		snprintf(err, errcap, "%s: %s", w->path, strerror(w->errnum));
	while (w->nq > 0)
		free(w->q[--w->nq].data);
	free(w->q);
	free(w);
	return rc;
}

uint16_t
pcapw_cksum(const uint8_t *p, size_t n, uint32_t sum)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Sum of 16-bit words of n bytes, unfolded (a partial checksum). */
static uint32_t
sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	return s;
}

/* Link header for an IP packet of family v4/v6.  Returns its length. */
static size_t
link_header(unsigned linktype, const struct pcapw_seg *s, bool v4,
    uint8_t *p)
{
	static const uint8_t mac_a[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
	static const uint8_t mac_b[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
	bool out = s->pkttype == PCAPW_PKT_OUTGOING;
	uint16_t et = v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
	size_t n = 0;
	unsigned i;

	switch (linktype) {
	case PCAPW_LINK_ETHERNET:
		memcpy(p, out ? mac_a : mac_b, 6);
		memcpy(p + 6, out ? mac_b : mac_a, 6);
		n = 12;
		for (i = 0; i < s->nvlan; i++) {
			put16be(p + n, s->nvlan == 2 && i == 0 ?
			    PCAPW_TPID_8021AD : PCAPW_TPID_8021Q);
			put16be(p + n + 2, s->vlan[i] & 0x0fffu);
			n += 4;
		}
		put16be(p + n, et);
		return n + 2;
	case PCAPW_LINK_SLL:
		put16be(p, s->pkttype);
		put16be(p + 2, 1);		/* ARPHRD_ETHER */
		put16be(p + 4, 6);
		memcpy(p + 6, out ? mac_b : mac_a, 6);
		p[12] = p[13] = 0;
		put16be(p + 14, et);
		return 16;
	case PCAPW_LINK_SLL2:
		put16be(p, et);
		put16be(p + 2, 0);
		put32be(p + 4, 2);		/* interface index */
		put16be(p + 8, 1);		/* ARPHRD_ETHER */
		p[10] = s->pkttype;
		p[11] = 6;
		memcpy(p + 12, out ? mac_b : mac_a, 6);
		p[18] = p[19] = 0;
		return 20;
	case PCAPW_LINK_NULL:
		/* Host byte order of the writer; we write little-endian. */
		put32le(p, v4 ? BSD_AF_INET : BSD_AF_INET6);
		return 4;
	default:			/* PCAPW_LINK_RAW */
		return 0;
	}
}

static bool
seg_valid(unsigned linktype, const struct pcapw_seg *s)
{
	if (!link_known(linktype))
		return false;
	if (addr_is_v4(&s->src) != addr_is_v4(&s->dst))
		return false;
	if (s->optlen > 40 || s->optlen % 4 != 0 ||
	    (s->optlen > 0 && s->opts == NULL))
		return false;
	if (s->len > PCAPW_PAYLOAD_MAX || (s->len > 0 && s->payload == NULL))
		return false;
	return s->nvlan <= 2;
}

/* RFC 791 3.1 header; returns the pseudo-header sum (RFC 9293 3.1). */
static uint32_t
ipv4_header(const struct pcapw_seg *s, size_t tcplen, uint8_t *p)
{
	uint32_t ph;

	p[0] = 0x45;
	p[1] = 0;
	put16be(p + 2, (uint32_t)(20 + tcplen));
	/* A per-flow identification is enough for unfragmented packets. */
	put16be(p + 4, (s->seq ^ s->ack ^ s->sport) & 0xffffu);
	put16be(p + 6, 0x4000);		/* DF */
	p[8] = s->ttl != 0 ? s->ttl : 64;
	p[9] = IPPROTO_TCP_NUM;
	p[10] = p[11] = 0;
	memcpy(p + 12, s->src.a + 12, 4);
	memcpy(p + 16, s->dst.a + 12, 4);
	put16be(p + 10, pcapw_cksum(p, 20, 0));
	ph = sum16(p + 12, 8) + IPPROTO_TCP_NUM + (uint32_t)tcplen;
	return ph;
}

/* RFC 8200 3; returns the pseudo-header sum (RFC 8200 8.1). */
static uint32_t
ipv6_header(const struct pcapw_seg *s, size_t tcplen, uint8_t *p)
{
	uint32_t flow = (uint32_t)(s->sport ^ (uint32_t)s->dport << 4) &
	    0xfffffu;

	put32be(p, 0x60000000u | flow);
	put16be(p + 4, (uint32_t)tcplen);
	p[6] = IPPROTO_TCP_NUM;
	p[7] = s->ttl != 0 ? s->ttl : 64;
	memcpy(p + 8, s->src.a, 16);
	memcpy(p + 24, s->dst.a, 16);
	return sum16(p + 8, 32) + (uint32_t)tcplen + IPPROTO_TCP_NUM;
}

size_t
pcapw_build_tcp(unsigned linktype, const struct pcapw_seg *s, uint8_t *buf,
    size_t cap)
{
	uint8_t hdr[64];
	size_t lh, iph, tcph, tcplen, total;
	uint32_t ph;
	uint8_t *ip, *tcp;
	bool v4;

	if (!seg_valid(linktype, s))
		return 0;
	v4 = addr_is_v4(&s->src);
	lh = link_header(linktype, s, v4, hdr);
	iph = v4 ? 20 : 40;
	tcph = 20 + s->optlen;
	tcplen = tcph + s->len;
	total = lh + iph + tcplen;
	if (cap < total)
		return 0;
	memcpy(buf, hdr, lh);
	ip = buf + lh;
	tcp = ip + iph;
	ph = v4 ? ipv4_header(s, tcplen, ip) : ipv6_header(s, tcplen, ip);
	put16be(tcp, s->sport);
	put16be(tcp + 2, s->dport);
	put32be(tcp + 4, s->seq);
	put32be(tcp + 8, s->ack);
	tcp[12] = (uint8_t)((tcph / 4) << 4);
	tcp[13] = s->flags;
	put16be(tcp + 14, s->win != 0 ? s->win : 65535);
	tcp[16] = tcp[17] = 0;
	tcp[18] = tcp[19] = 0;		/* urgent pointer */
	if (s->optlen > 0)
		memcpy(tcp + 20, s->opts, s->optlen);
	if (s->len > 0)
		memcpy(tcp + tcph, s->payload, s->len);
	put16be(tcp + 16, pcapw_cksum(tcp, tcplen, ph));
	return total;
}

int
pcapw_write_tcp(struct pcapw *w, int64_t ts_us, const struct pcapw_seg *s)
{
	size_t n;

	if (w->failed)
		return -1;
	if ((n = pcapw_build_tcp(w->linktype, s, w->frame,
	    sizeof(w->frame))) == 0) {
		errno = EINVAL;
		return -1;
	}
	return pcapw_write_frame(w, ts_us, w->frame, n);
}

void
pcapw_conn_init(struct pcapw_conn *c, const struct ip_addr *cli,
    uint16_t cport, const struct ip_addr *srv, uint16_t sport, uint32_t ciss,
    uint32_t siss)
{
	memset(c, 0, sizeof(*c));
	c->cli = *cli;
	c->srv = *srv;
	c->cport = cport;
	c->sport = sport;
	c->ciss = ciss;
	c->siss = siss;
	c->cseq = ciss;
	c->sseq = siss;
	c->mss = 1460;
	c->step_us = 50;
}

/* A segment of c in one direction, without payload or options. */
static void
conn_seg(const struct pcapw_conn *c, bool from_client, uint8_t flags,
    struct pcapw_seg *s)
{
	memset(s, 0, sizeof(*s));
	if (from_client) {
		s->src = c->cli;
		s->dst = c->srv;
		s->sport = c->cport;
		s->dport = c->sport;
		s->seq = c->cseq;
		s->ack = c->sseq;
		s->pkttype = PCAPW_PKT_HOST;
		s->win = 64240;
	} else {
		s->src = c->srv;
		s->dst = c->cli;
		s->sport = c->sport;
		s->dport = c->cport;
		s->seq = c->sseq;
		s->ack = c->cseq;
		s->pkttype = PCAPW_PKT_OUTGOING;
		s->win = 65160;
		s->ttl = 63;
	}
	s->flags = flags;
	s->vlan[0] = c->vlan[0];
	s->vlan[1] = c->vlan[1];
	s->nvlan = c->nvlan;
}

static int
conn_write(struct pcapw *w, struct pcapw_conn *c, const struct pcapw_seg *s,
    int64_t ts)
{
	if (!c->mute && pcapw_write_tcp(w, ts, s) == -1)
		return -1;
	c->last_ts = ts;
	return 0;
}

int
pcapw_conn_handshake(struct pcapw *w, struct pcapw_conn *c, int64_t ts_us)
{
	/* MSS 1460, SACK permitted, NOP, window scale 7. */
	static const uint8_t opts[12] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7,
	    1, 1 };
	struct pcapw_seg s;

	conn_seg(c, true, PCAPW_SYN, &s);
	s.ack = 0;
	s.opts = opts;
	s.optlen = sizeof(opts);
	if (conn_write(w, c, &s, ts_us) == -1)
		return -1;
	c->cseq++;
	conn_seg(c, false, PCAPW_SYN | PCAPW_ACK, &s);
	s.opts = opts;
	s.optlen = sizeof(opts);
	if (conn_write(w, c, &s, ts_us + c->step_us) == -1)
		return -1;
	c->sseq++;
	conn_seg(c, true, PCAPW_ACK, &s);
	return conn_write(w, c, &s, ts_us + 2 * c->step_us);
}

/* Write len bytes from one side starting at seq, split at the MSS. */
static int
conn_send(struct pcapw *w, struct pcapw_conn *c, bool from_client,
    uint32_t seq, const uint8_t *p, size_t len, int64_t ts)
{
	struct pcapw_seg s;
	size_t mss = c->mss != 0 ? c->mss : 1460, n;

	while (len > 0) {
		n = len < mss ? len : mss;
		conn_seg(c, from_client, (uint8_t)(PCAPW_ACK |
		    (n == len ? PCAPW_PSH : 0)), &s);
		s.seq = seq;
		s.payload = p;
		s.len = n;
		if (conn_write(w, c, &s, ts) == -1)
			return -1;
		seq += (uint32_t)n;
		p += n;
		len -= n;
		ts += c->step_us;
	}
	return 0;
}

int
pcapw_conn_client_send(struct pcapw *w, struct pcapw_conn *c,
    const void *data, size_t len, int64_t ts_us)
{
	if (conn_send(w, c, true, c->cseq, data, len, ts_us) == -1)
		return -1;
	c->cseq += (uint32_t)len;
	return 0;
}

int
pcapw_conn_server_send(struct pcapw *w, struct pcapw_conn *c,
    const void *data, size_t len, int64_t ts_us)
{
	if (conn_send(w, c, false, c->sseq, data, len, ts_us) == -1)
		return -1;
	c->sseq += (uint32_t)len;
	return 0;
}

int
pcapw_conn_client_send_at(struct pcapw *w, struct pcapw_conn *c,
    uint32_t seq, const void *data, size_t len, int64_t ts_us)
{
	return conn_send(w, c, true, seq, data, len, ts_us);
}

int
pcapw_conn_client_seg(struct pcapw *w, struct pcapw_conn *c, uint32_t seq,
    uint32_t ack, uint8_t flags, const void *data, size_t len, int64_t ts_us)
{
	struct pcapw_seg s;

	conn_seg(c, true, flags, &s);
	s.seq = seq;
	s.ack = ack;
	s.payload = data;
	s.len = len;
	return conn_write(w, c, &s, ts_us);
}

int
pcapw_conn_close(struct pcapw *w, struct pcapw_conn *c, int64_t ts_us)
{
	struct pcapw_seg s;

	conn_seg(c, true, PCAPW_FIN | PCAPW_ACK, &s);
	if (conn_write(w, c, &s, ts_us) == -1)
		return -1;
	c->cseq++;
	conn_seg(c, false, PCAPW_FIN | PCAPW_ACK, &s);
	if (conn_write(w, c, &s, ts_us + c->step_us) == -1)
		return -1;
	c->sseq++;
	conn_seg(c, true, PCAPW_ACK, &s);
	return conn_write(w, c, &s, ts_us + 2 * c->step_us);
}

int
pcapw_conn_reset(struct pcapw *w, struct pcapw_conn *c, bool from_client,
    int64_t ts_us)
{
	struct pcapw_seg s;

	conn_seg(c, from_client, PCAPW_RST | PCAPW_ACK, &s);
	return conn_write(w, c, &s, ts_us);
}

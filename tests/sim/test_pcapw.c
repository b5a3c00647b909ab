/*
 * test_pcapw.c - the capture writer, read back with libpcap.
 *
 * Checksums are verified with an independent implementation (a plain
 * ones-complement sum over the received bytes must come to 0xffff).
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sim/hello.h"
#include "../../sim/pcapw.h"

struct pkt {
	int64_t		ts;
	size_t		len;
	uint8_t		data[2048];
};

struct capture {
	int		linktype;
	size_t		n;
	struct pkt	p[64];
};

static char *
tmp_path(void)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_pcapw.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	return path;
}

static void
read_capture(const char *path, struct capture *cap)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int rc;

	memset(cap, 0, sizeof(*cap));
	pc = pcap_open_offline(path, errbuf);
	ck_assert_msg(pc != NULL, "%s", errbuf);
	cap->linktype = pcap_datalink(pc);
	if (cap->linktype == DLT_RAW)	/* 12 or 14 on some systems */
		cap->linktype = PCAPW_LINK_RAW;
	ck_assert_int_eq(pcap_snapshot(pc), PCAPW_SNAPLEN);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct pkt *p = &cap->p[cap->n];

		ck_assert_uint_lt(cap->n, 64);
		ck_assert_uint_eq(h->caplen, h->len);
		ck_assert_uint_le(h->caplen, sizeof(p->data));
		p->ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		p->len = h->caplen;
		memcpy(p->data, data, h->caplen);
		cap->n++;
	}
	ck_assert_int_eq(rc, PCAP_ERROR_BREAK);
	pcap_close(pc);
}

static unsigned
rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Ones-complement sum, folded, not complemented. */
static unsigned
ocsum(const uint8_t *p, size_t n, unsigned long acc)
{
	size_t i;

	for (i = 0; i < n; i++)
		acc += (i % 2 == 0) ? (unsigned long)p[i] << 8 : p[i];
	while (acc > 0xffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return (unsigned)acc;
}

struct parsed {
	int		v;		/* 4 or 6 */
	uint16_t	vlan[2];
	unsigned	tpid[2];
	unsigned	nvlan;
	uint16_t	sport, dport;
	uint32_t	seq, ack;
	uint8_t		flags;
	const uint8_t	*payload;
	size_t		len;
};

/* Parse the frame, asserting lengths and checksums. */
static void
parse_frame(int linktype, const struct pkt *pk, struct parsed *o)
{
	const uint8_t *p = pk->data;
	size_t n = pk->len, off = 0, iplen, thl;
	unsigned et = 0;
	unsigned long ph;
	const uint8_t *tcp;

	memset(o, 0, sizeof(*o));
	switch (linktype) {
	case DLT_EN10MB:
		off = 12;
		et = rd16(p + off);
		while (et == 0x8100 || et == 0x88a8) {
			ck_assert_uint_lt(o->nvlan, 2);
			o->tpid[o->nvlan] = et;
			o->vlan[o->nvlan++] = (uint16_t)(rd16(p + off + 2) &
			    0xfff);
			off += 4;
			et = rd16(p + off);
		}
		off += 2;
		break;
	case DLT_LINUX_SLL:
		et = rd16(p + 14);
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		et = rd16(p);
		off = 20;
		break;
	case DLT_NULL:
		et = (p[0] | (unsigned)p[1] << 8) == 2 ? 0x0800 : 0x86dd;
		ck_assert(p[0] == 2 || p[0] == 24);
		off = 4;
		break;
	case PCAPW_LINK_RAW:
		et = (p[0] >> 4) == 4 ? 0x0800 : 0x86dd;
		break;
	default:
		ck_abort_msg("link type %d", linktype);
	}
	p += off;
	n -= off;
	if (et == 0x0800) {
		o->v = 4;
		ck_assert_uint_eq(p[0], 0x45);
		iplen = rd16(p + 2);
		ck_assert_uint_eq(iplen, n);
		ck_assert_uint_eq(p[9], 6);
		ck_assert_uint_eq(ocsum(p, 20, 0), 0xffff);
		ph = ocsum(p + 12, 8, 0) + 6 + (iplen - 20);
		tcp = p + 20;
		n = iplen - 20;
	} else {
		ck_assert_uint_eq(et, 0x86dd);
		o->v = 6;
		ck_assert_uint_eq(p[0] >> 4, 6);
		ck_assert_uint_eq(rd16(p + 4) + 40, n);
		ck_assert_uint_eq(p[6], 6);
		ph = ocsum(p + 8, 32, 0) + 6 + rd16(p + 4);
		tcp = p + 40;
		n = rd16(p + 4);
	}
	ck_assert_uint_eq(ocsum(tcp, n, ph), 0xffff);
	thl = (size_t)(tcp[12] >> 4) * 4;
	ck_assert_uint_ge(thl, 20);
	ck_assert_uint_le(thl, n);
	o->sport = (uint16_t)rd16(tcp);
	o->dport = (uint16_t)rd16(tcp + 2);
	o->seq = rd32(tcp + 4);
	o->ack = rd32(tcp + 8);
	o->flags = tcp[13];
	o->payload = tcp + thl;
	o->len = n - thl;
}

static void
v4(struct ip_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t b[4] = { x, y, z, w };

	addr_from_v4(a, b);
}

static void
v6(struct ip_addr *a, uint16_t last)
{
	uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };

	b[14] = (uint8_t)(last >> 8);
	b[15] = (uint8_t)last;
	addr_from_v6(a, b);
}

static void
write_conn(unsigned linktype, bool ipv6, unsigned nvlan, struct capture *cap)
{
	static const char req[] = "GET /eta/ HTTP/1.1\r\nHost: eta.cic.gc.ca"
	    "\r\n\r\n";
	static const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "\r\n";
	char err[256], *path = tmp_path();
	struct pcapw_conn c;
	struct ip_addr cli, srv;
	struct pcapw *w;

	if (ipv6) {
		v6(&cli, 1);
		v6(&srv, 2);
	} else {
		v4(&cli, 198, 51, 100, 7);
		v4(&srv, 203, 0, 113, 80);
	}
	w = pcapw_open(path, linktype, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	pcapw_conn_init(&c, &cli, 40000, &srv, 80, 1000, 5000);
	c.nvlan = nvlan;
	c.vlan[0] = 100;
	c.vlan[1] = 200;
	c.mss = 20;
	ck_assert_int_eq(pcapw_conn_handshake(w, &c, 1478613600000000), 0);
	ck_assert_int_eq(pcapw_conn_client_send(w, &c, req, strlen(req),
	    1478613600100000), 0);
	ck_assert_int_eq(pcapw_conn_server_send(w, &c, rsp, strlen(rsp),
	    1478613600200000), 0);
	ck_assert_int_eq(pcapw_conn_close(w, &c, 1478613600300000), 0);
	ck_assert_int_eq(pcapw_close(w, err, sizeof(err)), 0);
	read_capture(path, cap);
	unlink(path);
	ck_assert_int_eq(cap->linktype, (int)linktype);
	/* 3 handshake + 3 request (43 bytes at MSS 20) + 2 response + 3. */
	ck_assert_uint_eq(cap->n, 11);
}

static void
check_conn(unsigned linktype, bool ipv6, unsigned nvlan)
{
	struct capture cap;
	struct parsed p;
	uint8_t stream[128];
	size_t got = 0, i;

	write_conn(linktype, ipv6, nvlan, &cap);
	for (i = 0; i < cap.n; i++) {
		parse_frame(cap.linktype, &cap.p[i], &p);
		ck_assert_int_eq(p.v, ipv6 ? 6 : 4);
		if (linktype == PCAPW_LINK_ETHERNET) {
			ck_assert_uint_eq(p.nvlan, nvlan);
			if (nvlan == 2) {
				ck_assert_uint_eq(p.tpid[0], 0x88a8);
				ck_assert_uint_eq(p.tpid[1], 0x8100);
				ck_assert_uint_eq(p.vlan[1], 200);
			}
			if (nvlan == 1)
				ck_assert_uint_eq(p.tpid[0], 0x8100);
			if (nvlan > 0)
				ck_assert_uint_eq(p.vlan[0], 100);
		}
		if (p.sport == 40000 && p.len > 0) {
			ck_assert_uint_eq(p.seq, 1001 + got);
			ck_assert_uint_le(p.len, 20);
			memcpy(stream + got, p.payload, p.len);
			got += p.len;
		}
	}
	ck_assert_uint_eq(got, 43);
	ck_assert(memcmp(stream, "GET /eta/ HTTP/1.1\r\n", 20) == 0);
	/* SYN, SYN/ACK, ACK */
	parse_frame(cap.linktype, &cap.p[0], &p);
	ck_assert_uint_eq(p.flags, PCAPW_SYN);
	ck_assert_uint_eq(p.seq, 1000);
	parse_frame(cap.linktype, &cap.p[1], &p);
	ck_assert_uint_eq(p.flags, PCAPW_SYN | PCAPW_ACK);
	ck_assert_uint_eq(p.seq, 5000);
	ck_assert_uint_eq(p.ack, 1001);
	ck_assert_uint_eq(p.sport, 80);
	/* Last request segment has PSH, the others not. */
	parse_frame(cap.linktype, &cap.p[3], &p);
	ck_assert_uint_eq(p.flags, PCAPW_ACK);
	parse_frame(cap.linktype, &cap.p[5], &p);
	ck_assert_uint_eq(p.flags, PCAPW_ACK | PCAPW_PSH);
	ck_assert_uint_eq(p.len, 3);
	ck_assert_int_eq(cap.p[5].ts, 1478613600100000 + 2 * 50);
	/* Response acks the whole request. */
	parse_frame(cap.linktype, &cap.p[6], &p);
	ck_assert_uint_eq(p.ack, 1001 + 43);
	ck_assert_uint_eq(p.seq, 5001);
	/* FIN from the client at cseq, final ACK after both FINs. */
	parse_frame(cap.linktype, &cap.p[8], &p);
	ck_assert_uint_eq(p.flags, PCAPW_FIN | PCAPW_ACK);
	ck_assert_uint_eq(p.seq, 1001 + 43);
	parse_frame(cap.linktype, &cap.p[10], &p);
	ck_assert_uint_eq(p.flags, PCAPW_ACK);
	ck_assert_uint_eq(p.seq, 1001 + 44);
	ck_assert_uint_eq(p.ack, 5001 + 38 + 1);
}

START_TEST(test_ether_v4)
{
	check_conn(PCAPW_LINK_ETHERNET, false, 0);
}
END_TEST

START_TEST(test_ether_vlan)
{
	check_conn(PCAPW_LINK_ETHERNET, false, 1);
	check_conn(PCAPW_LINK_ETHERNET, true, 1);
}
END_TEST

START_TEST(test_ether_qinq)
{
	check_conn(PCAPW_LINK_ETHERNET, true, 2);
	check_conn(PCAPW_LINK_ETHERNET, false, 2);
}
END_TEST

START_TEST(test_other_links)
{
	static const unsigned links[] = { PCAPW_LINK_SLL, PCAPW_LINK_SLL2,
	    PCAPW_LINK_RAW, PCAPW_LINK_NULL };
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		check_conn(links[i], false, 0);
		check_conn(links[i], true, 0);
	}
}
END_TEST

START_TEST(test_odd_payload_and_options)
{
	static const uint8_t opts[4] = { 1, 1, 1, 0 };
	uint8_t buf[PCAPW_FRAME_MAX], pl[3] = { 0xff, 0xfe, 0xfd };
	struct pcapw_seg s;
	struct pkt pk;
	struct parsed p;
	size_t n;

	memset(&s, 0, sizeof(s));
	v4(&s.src, 192, 0, 2, 1);
	v4(&s.dst, 192, 0, 2, 255);
	s.sport = 65535;
	s.dport = 443;
	s.seq = 0xffffffff;
	s.flags = PCAPW_ACK;
	s.opts = opts;
	s.optlen = sizeof(opts);
	s.payload = pl;
	s.len = sizeof(pl);
	n = pcapw_build_tcp(PCAPW_LINK_RAW, &s, buf, sizeof(buf));
	ck_assert_uint_eq(n, 20 + 24 + 3);
	pk.len = n;
	memcpy(pk.data, buf, n);
	parse_frame(PCAPW_LINK_RAW, &pk, &p);
	ck_assert_uint_eq(p.len, 3);
	ck_assert_uint_eq(p.payload[2], 0xfd);
	ck_assert_uint_eq(p.seq, 0xffffffff);
	/* Too small a buffer, bad options, mixed families. */
	ck_assert_uint_eq(pcapw_build_tcp(PCAPW_LINK_RAW, &s, buf, n - 1), 0);
	s.optlen = 3;
	ck_assert_uint_eq(pcapw_build_tcp(PCAPW_LINK_RAW, &s, buf, n), 0);
	s.optlen = 0;
	v6(&s.dst, 9);
	ck_assert_uint_eq(pcapw_build_tcp(PCAPW_LINK_RAW, &s, buf, n), 0);
	ck_assert_uint_eq(pcapw_build_tcp(77, &s, buf, n), 0);
}
END_TEST

START_TEST(test_cksum_known)
{
	/* RFC 1071 section 3 example words: sum 0xddf2, checksum 0x220d. */
	static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };

	ck_assert_uint_eq(pcapw_cksum(b, 8, 0), 0x220d);
	ck_assert_uint_eq(pcapw_cksum(b, 0, 0), 0xffff);
}
END_TEST

START_TEST(test_sorted)
{
	char err[256], *path = tmp_path();
	struct capture cap;
	struct pcapw *w;
	uint8_t f[3][60];
	int i;

	for (i = 0; i < 3; i++)
		memset(f[i], 'a' + i, sizeof(f[i]));
	w = pcapw_open(path, PCAPW_LINK_ETHERNET, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	pcapw_set_sorted(w);
	ck_assert_int_eq(pcapw_write_frame(w, 300, f[2], 60), 0);
	ck_assert_int_eq(pcapw_write_frame(w, 100, f[0], 60), 0);
	ck_assert_int_eq(pcapw_write_frame(w, 200, f[1], 50), 0);
	ck_assert_int_eq(pcapw_write_frame(w, 200, f[2], 40), 0);
	ck_assert_int_eq(pcapw_sync(w, 250), 0);
	ck_assert_int_eq(pcapw_write_frame(w, 250, f[0], 30), 0);
	ck_assert_int_eq(pcapw_write_frame(w, 1, f[0], PCAPW_SNAPLEN + 1),
	    -1);
	ck_assert_int_eq(pcapw_close(w, err, sizeof(err)), 0);
	read_capture(path, &cap);
	unlink(path);
	ck_assert_uint_eq(cap.n, 5);
	ck_assert_int_eq(cap.p[0].ts, 100);
	ck_assert_int_eq(cap.p[1].ts, 200);
	ck_assert_uint_eq(cap.p[1].len, 50);	/* ties keep queue order */
	ck_assert_uint_eq(cap.p[2].len, 40);
	ck_assert_int_eq(cap.p[3].ts, 250);
	ck_assert_int_eq(cap.p[4].ts, 300);
	ck_assert_uint_eq(cap.p[4].data[0], 'c');
}
END_TEST

START_TEST(test_send_at_and_reset)
{
	char err[256], *path = tmp_path();
	struct capture cap;
	struct pcapw_conn c;
	struct ip_addr a, b;
	struct parsed p;
	struct pcapw *w;

	v4(&a, 198, 51, 100, 1);
	v4(&b, 198, 51, 100, 2);
	w = pcapw_open(path, PCAPW_LINK_RAW, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	pcapw_conn_init(&c, &a, 1234, &b, 80, 0xfffffff0u, 7);
	ck_assert_int_eq(pcapw_conn_handshake(w, &c, 10), 0);
	ck_assert_int_eq(pcapw_conn_client_send_at(w, &c, c.ciss + 1 + 5,
	    "world", 5, 1000), 0);
	ck_assert_uint_eq(c.cseq, 0xfffffff1u);
	ck_assert_int_eq(c.last_ts, 1000);
	ck_assert_int_eq(pcapw_conn_client_send(w, &c, "hello", 5, 2000), 0);
	ck_assert_int_eq(pcapw_conn_reset(w, &c, false, 3000), 0);
	ck_assert_int_eq(pcapw_close(w, err, sizeof(err)), 0);
	read_capture(path, &cap);
	unlink(path);
	ck_assert_uint_eq(cap.n, 6);
	parse_frame(cap.linktype, &cap.p[3], &p);
	ck_assert_uint_eq(p.seq, 0xfffffff6u);
	ck_assert(memcmp(p.payload, "world", 5) == 0);
	parse_frame(cap.linktype, &cap.p[4], &p);
	ck_assert_uint_eq(p.seq, 0xfffffff1u);
	parse_frame(cap.linktype, &cap.p[5], &p);
	ck_assert_uint_eq(p.flags, PCAPW_RST | PCAPW_ACK);
	ck_assert_uint_eq(p.sport, 80);
	ck_assert_uint_eq(p.ack, 0xfffffff6u);
}
END_TEST

START_TEST(test_open_errors)
{
	char err[256];

	ck_assert_ptr_null(pcapw_open("/nonexistent/dir/x.pcap",
	    PCAPW_LINK_RAW, err, sizeof(err)));
	ck_assert(strstr(err, "/nonexistent/dir/x.pcap") != NULL);
	ck_assert_ptr_null(pcapw_open("/tmp/x.pcap", 12345, err,
	    sizeof(err)));
	ck_assert(strstr(err, "link type") != NULL);
}
END_TEST

START_TEST(test_write_error)
{
	char err[256];
	struct pcapw *w;
	uint8_t f[1000];
	int i, rc = 0;

	if (access("/dev/full", W_OK) != 0)
		return;
	memset(f, 0, sizeof(f));
	w = pcapw_open("/dev/full", PCAPW_LINK_RAW, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = pcapw_write_frame(w, i, f, sizeof(f));
	ck_assert_int_eq(pcapw_close(w, err, sizeof(err)), -1);
	ck_assert(strstr(err, "/dev/full") != NULL);
}
END_TEST

/*
 * Walk a ClientHello message (type, length, body) and return the offset
 * of the server_name host_name in msg, 0 if none; asserts every length.
 */
static size_t
hello_walk(const uint8_t *msg, size_t n, size_t *namelen)
{
	size_t off, end, elen, found = 0;

	ck_assert_uint_eq(msg[0], 1);
	ck_assert_uint_eq((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3],
	    n - 4);
	off = 4 + 2 + 32;
	off += 1 + msg[off];			/* session id */
	off += 2 + rd16(msg + off);		/* cipher suites */
	off += 1 + msg[off];			/* compression */
	end = off + 2 + rd16(msg + off);
	ck_assert_uint_eq(end, n);
	for (off += 2; off < end; off += 4 + elen) {
		elen = rd16(msg + off + 2);
		ck_assert_uint_le(off + 4 + elen, end);
		if (rd16(msg + off) == 0) {
			ck_assert_uint_eq(rd16(msg + off + 4), elen - 2);
			ck_assert_uint_eq(msg[off + 6], 0);
			*namelen = rd16(msg + off + 7);
			ck_assert_uint_eq(*namelen + 5, elen);
			found = off + 9;
		}
	}
	return found;
}

START_TEST(test_hello)
{
	uint8_t one[4096], two[4096], msg[4096];
	struct hello_params hp;
	size_t n, m, name, namelen = 0, r1;
	int variant;

	for (variant = 0; variant < 16; variant++) {
		memset(&hp, 0, sizeof(hp));
		memset(hp.random, 0xab, sizeof(hp.random));
		hp.sni = (variant & 8) ? NULL : "eta.cic.gc.ca";
		hp.tls13 = variant & 1;
		hp.grease = variant & 2;
		hp.pad = variant & 4;
		hp.sni_last = variant & 1;
		n = hello_build(&hp, one, sizeof(one));
		ck_assert_uint_gt(n, 100);
		ck_assert_uint_eq(one[0], 22);
		ck_assert_uint_eq(rd16(one + 1), 0x0301);
		ck_assert_uint_eq(rd16(one + 3), n - 5);
		namelen = 0;
		name = hello_walk(one + 5, n - 5, &namelen);
		if (hp.sni == NULL) {
			ck_assert_uint_eq(name, 0);
		} else {
			ck_assert_uint_eq(namelen, 13);
			ck_assert(memcmp(one + 5 + name, "eta.cic.gc.ca", 13) ==
			    0);
		}
		if (hp.pad)
			ck_assert_uint_eq(n - 5, 512);
		/* Two records carrying the same message. */
		hp.frag = 40;
		m = hello_build(&hp, two, sizeof(two));
		ck_assert_uint_eq(m, n + 5);
		r1 = rd16(two + 3);
		ck_assert_uint_eq(r1, 40);
		ck_assert_uint_eq(two[5 + r1], 22);
		ck_assert_uint_eq(rd16(two + 5 + r1 + 3), n - 5 - 40);
		memcpy(msg, two + 5, r1);
		memcpy(msg + r1, two + 10 + r1, n - 5 - r1);
		ck_assert(memcmp(msg, one + 5, n - 5) == 0);
		ck_assert_uint_eq(hello_build(&hp, two, m - 1), 0);
	}
	memset(msg, 'a', 300);
	msg[256] = '\0';
	hp.sni = (const char *)msg;
	ck_assert_uint_eq(hello_build(&hp, one, sizeof(one)), 0);
}
END_TEST

static Suite *
pcapw_suite(void)
{
	Suite *s = suite_create("pcapw");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ether_v4);
	tcase_add_test(tc, test_ether_vlan);
	tcase_add_test(tc, test_ether_qinq);
	tcase_add_test(tc, test_other_links);
	tcase_add_test(tc, test_odd_payload_and_options);
	tcase_add_test(tc, test_cksum_known);
	tcase_add_test(tc, test_sorted);
	tcase_add_test(tc, test_send_at_and_reset);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_hello);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pcapw_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

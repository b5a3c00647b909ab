/*
 * test_flow.c - the connection table and stream state machine: requests
 * split at every byte, duplicated, overlapped, pipelined, with bodies; TLS
 * hellos split across segments; mid-stream starts; table limits.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

struct hits {
	unsigned	http, tls;
	char		last_target[256];
	char		last_sni[256];
	struct ip_addr	last_src;
};

static void
on_hit(void *arg, const struct hit *h)
{
	struct hits *hs = arg;
	size_t n;

	hs->last_src = *h->src;
	if (h->kind == HIT_HTTP) {
		hs->http++;
		n = h->req->target.n < 255 ? h->req->target.n : 255;
		memcpy(hs->last_target, h->req->target.p, n);
		hs->last_target[n] = '\0';
	} else {
		hs->tls++;
		snprintf(hs->last_sni, sizeof(hs->last_sni), "%s",
		    h->hello->sni);
	}
}

struct conn {
	struct flow_table	*ft;
	struct stats		 st;
	struct hits		 hits;
	struct ip_addr		 cli, srv;
	uint32_t		 cseq, sseq;
	int64_t			 t;
};

static void
conn_setup(struct conn *c, size_t max_flows)
{
	struct flow_config fc;
	uint8_t a[4] = { 198, 51, 100, 7 }, b[4] = { 192, 0, 2, 1 };

	memset(c, 0, sizeof(*c));
	flow_config_default(&fc);
	fc.max_flows = max_flows;
	c->ft = flow_new(&fc, &c->st, on_hit, &c->hits);
	ck_assert_ptr_nonnull(c->ft);
	addr_from_v4(&c->cli, a);
	addr_from_v4(&c->srv, b);
	c->cseq = 1000;
	c->sseq = 5000;
	c->t = 1478631600000000;
}

/* Send bytes at an explicit sequence number, in an exact-size copy. */
static void
send_at(struct conn *c, int from_client, uint32_t seq, uint8_t flags,
    const void *p, size_t n)
{
	struct segment s;
	uint8_t *copy = malloc(n ? n : 1);

	if (n > 0)
		memcpy(copy, p, n);
	memset(&s, 0, sizeof(s));
	s.src = from_client ? c->cli : c->srv;
	s.dst = from_client ? c->srv : c->cli;
	s.sport = from_client ? 40000 : 80;
	s.dport = from_client ? 80 : 40000;
	s.seq = seq;
	s.flags = flags;
	s.payload = copy;
	s.len = s.wire_len = n;
	flow_segment(c->ft, &s, c->t);
	c->t += 1000;
	free(copy);
}

static void
handshake(struct conn *c)
{
	send_at(c, 1, c->cseq - 1, TCP_SYN, NULL, 0);
	send_at(c, 0, c->sseq - 1, TCP_SYN | TCP_ACK, NULL, 0);
	send_at(c, 1, c->cseq, TCP_ACK, NULL, 0);
}

static void
csend(struct conn *c, const char *p, size_t n)
{
	send_at(c, 1, c->cseq, TCP_ACK | TCP_PSH, p, n);
	c->cseq += (uint32_t)n;
}

static void
ssend(struct conn *c, const char *p)
{
	send_at(c, 0, c->sseq, TCP_ACK | TCP_PSH, p, strlen(p));
	c->sseq += (uint32_t)strlen(p);
}

static void
conn_done(struct conn *c)
{
	flow_free(c->ft);
}

static const char req1[] =
    "GET /eta/apply?x=1 HTTP/1.1\r\nHost: eta.cic.gc.ca\r\n"
    "User-Agent: test\r\nAccept: */*\r\n\r\n";

START_TEST(test_one_request)
{
	struct conn c;

	conn_setup(&c, 16);
	handshake(&c);
	csend(&c, req1, strlen(req1));
	ssend(&c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ck_assert_uint_eq(c.hits.http, 1);
	ck_assert_str_eq(c.hits.last_target, "/eta/apply?x=1");
	ck_assert(addr_equal(&c.hits.last_src, &c.cli));
	ck_assert_uint_eq(flow_count(c.ft), 1);
	conn_done(&c);
}
END_TEST

START_TEST(test_split_every_byte)
{
	size_t cut, n = strlen(req1);
	struct conn c;

	for (cut = 1; cut < n; cut++) {
		conn_setup(&c, 16);
		handshake(&c);
		csend(&c, req1, cut);
		csend(&c, req1 + cut, n - cut);
		ck_assert_msg(c.hits.http == 1, "cut %zu: %u hits", cut,
		    c.hits.http);
		conn_done(&c);
	}
}
END_TEST

START_TEST(test_byte_by_byte_no_syn)
{
	size_t i, n = strlen(req1);
	struct conn c;

	conn_setup(&c, 16);
	for (i = 0; i < n; i++)
		csend(&c, req1 + i, 1);
	for (i = 0; i < n; i++)
		csend(&c, req1 + i, 1);
	ck_assert_uint_eq(c.hits.http, 2);
	conn_done(&c);
}
END_TEST

START_TEST(test_retransmissions)
{
	struct conn c;
	uint32_t start;

	conn_setup(&c, 16);
	handshake(&c);
	start = c.cseq;
	csend(&c, req1, strlen(req1));
	/* exact duplicate, then an overlapping one with other bytes */
	send_at(&c, 1, start, TCP_ACK, req1, strlen(req1));
	send_at(&c, 1, start + 4, TCP_ACK, "XXXXXXXX", 8);
	ck_assert_uint_eq(c.hits.http, 1);
	ck_assert_uint_eq(c.st.retransmitted_bytes, strlen(req1) + 8);
	/* overlap: old bytes plus a new request; only the new part counts */
	send_at(&c, 1, start + (uint32_t)strlen(req1) - 4, TCP_ACK,
	    "\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n", 33);
	ck_assert_uint_eq(c.hits.http, 2);
	ck_assert_str_eq(c.hits.last_target, "/b");
	conn_done(&c);
}
END_TEST

/* ark__wireshark-retrans.pcap: the SYN is retransmitted after data. */
START_TEST(test_syn_retransmitted_after_data)
{
	static const char p[] = "POST /x HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 5\r\n\r\n";
	struct conn c;
	uint32_t start;

	conn_setup(&c, 16);
	handshake(&c);
	start = c.cseq;
	csend(&c, p, strlen(p));
	send_at(&c, 1, start - 1, TCP_SYN, NULL, 0);
	send_at(&c, 1, start, TCP_ACK, p, strlen(p));
	csend(&c, "abcde", 5);
	csend(&c, req1, strlen(req1));
	ck_assert_uint_eq(c.hits.http, 2);
	ck_assert_str_eq(c.hits.last_target, "/eta/apply?x=1");
	conn_done(&c);
}
END_TEST

START_TEST(test_pipelined_with_bodies)
{
	static const char p[] =
	    "POST /eta/pay HTTP/1.1\r\nHost: a\r\nContent-Length: 44\r\n\r\n"
	    "GET /fake HTTP/1.1\r\nHost: eta.cic.gc.ca\r\n\r\n\n"
	    "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "17\r\nGET /fake2 HTTP/1.1\r\n\r\n\r\n0\r\n\r\n"
	    "GET /last HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t cut, n = strlen(p);
	struct conn c;

	for (cut = 1; cut < n; cut += 3) {
		conn_setup(&c, 16);
		handshake(&c);
		csend(&c, p, cut);
		csend(&c, p + cut, n - cut);
		ck_assert_msg(c.hits.http == 3, "cut %zu: %u", cut,
		    c.hits.http);
		ck_assert_str_eq(c.hits.last_target, "/last");
		conn_done(&c);
	}
}
END_TEST

START_TEST(test_expect_continue_refused)
{
	static const char p1[] = "PUT /f HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 100\r\nExpect: 100-continue\r\n\r\n";
	static const char p2[] = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
	struct conn c;

	conn_setup(&c, 16);
	handshake(&c);
	csend(&c, p1, strlen(p1));
	ssend(&c, "HTTP/1.1 417 Expectation Failed\r\n\r\n");
	csend(&c, p2, strlen(p2));
	ck_assert_uint_eq(c.hits.http, 2);
	conn_done(&c);
}
END_TEST

START_TEST(test_mid_stream_resync)
{
	static const char mid[] = "dy bytes of something\r\n"
	    "GET /after HTTP/1.1\r\nHost: a\r\n\r\n";
	struct conn c;

	conn_setup(&c, 16);
	csend(&c, mid, strlen(mid));
	ck_assert_uint_eq(c.hits.http, 1);
	ck_assert_str_eq(c.hits.last_target, "/after");
	ck_assert_uint_eq(c.st.resyncs, 1);
	/* server side seen mid-stream is never taken for requests */
	ssend(&c, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
	    "GET /in-body HTTP/1.1\r\nHost: a\r\n\r\n");
	ck_assert_uint_eq(c.hits.http, 1);
	conn_done(&c);
}
END_TEST

START_TEST(test_junk_after_syn_is_ignored)
{
	struct conn c;

	conn_setup(&c, 16);
	handshake(&c);
	csend(&c, "SSH-2.0-OpenSSH_9.2\r\nGET / HTTP/1.1\r\n\r\n", 39);
	ck_assert_uint_eq(c.hits.http, 0);
	conn_done(&c);
}
END_TEST

/* A minimal TLS 1.2 ClientHello with SNI, RFC 8446 4.1.2 / RFC 6066 3. */
static size_t
make_hello(uint8_t *b, const char *sni)
{
	size_t sl = strlen(sni), n = 0, body, ext;
	size_t i;

	b[n++] = 22, b[n++] = 3, b[n++] = 1;
	n += 2;					/* record length */
	b[n++] = 1;
	n += 3;					/* handshake length */
	b[n++] = 3, b[n++] = 3;
	for (i = 0; i < 32; i++)
		b[n++] = (uint8_t)i;
	b[n++] = 0;				/* session id */
	b[n++] = 0, b[n++] = 2, b[n++] = 0x13, b[n++] = 0x01;
	b[n++] = 1, b[n++] = 0;			/* compression */
	ext = 2 + 2 + 2 + 1 + 2 + sl;
	b[n++] = (uint8_t)(ext >> 8), b[n++] = (uint8_t)ext;
	b[n++] = 0, b[n++] = 0;			/* server_name */
	b[n++] = (uint8_t)((ext - 4) >> 8), b[n++] = (uint8_t)(ext - 4);
	b[n++] = (uint8_t)((sl + 3) >> 8), b[n++] = (uint8_t)(sl + 3);
	b[n++] = 0;
	b[n++] = (uint8_t)(sl >> 8), b[n++] = (uint8_t)sl;
	memcpy(b + n, sni, sl);
	n += sl;
	body = n - 9;
	b[3] = (uint8_t)((n - 5) >> 8), b[4] = (uint8_t)(n - 5);
	b[6] = (uint8_t)(body >> 16), b[7] = (uint8_t)(body >> 8);
	b[8] = (uint8_t)body;
	return n;
}

START_TEST(test_tls_split)
{
	uint8_t h[512];
	size_t n = make_hello(h, "eta.cic.gc.ca"), cut;
	struct conn c;

	for (cut = 1; cut < n; cut++) {
		conn_setup(&c, 16);
		handshake(&c);
		csend(&c, (const char *)h, cut);
		csend(&c, (const char *)h + cut, n - cut);
		ck_assert_uint_eq(c.hits.tls, 1);
		ck_assert_str_eq(c.hits.last_sni, "eta.cic.gc.ca");
		/* encrypted application data afterwards counts nothing */
		csend(&c, "\x17\x03\x03\x00\x05GET /", 10);
		ck_assert_uint_eq(c.hits.tls, 1);
		ck_assert_uint_eq(c.hits.http, 0);
		conn_done(&c);
	}
}
END_TEST

START_TEST(test_close_and_limits)
{
	struct conn c;
	struct segment s;
	uint8_t a[4] = { 203, 0, 113, 0 };
	unsigned i;

	conn_setup(&c, 4);
	handshake(&c);
	send_at(&c, 1, c.cseq, TCP_FIN | TCP_ACK, NULL, 0);
	send_at(&c, 0, c.sseq, TCP_FIN | TCP_ACK, NULL, 0);
	ck_assert_uint_eq(flow_count(c.ft), 0);
	handshake(&c);
	send_at(&c, 1, c.cseq, TCP_RST, NULL, 0);
	ck_assert_uint_eq(flow_count(c.ft), 0);
	/* a SYN flood fills the table up to its cap, then evicts */
	memset(&s, 0, sizeof(s));
	s.dst = c.srv;
	s.dport = 80;
	s.flags = TCP_SYN;
	for (i = 0; i < 100; i++) {
		a[3] = (uint8_t)i;
		addr_from_v4(&s.src, a);
		s.sport = (uint16_t)(1024 + i);
		flow_segment(c.ft, &s, c.t);
	}
	ck_assert_uint_eq(flow_count(c.ft), 4);
	ck_assert_uint_eq(c.st.flows_evicted, 96);
	/* idle timeout */
	flow_expire(c.ft, c.t + (int64_t)FLOW_DEFAULT_IDLE * 1000000 + 1);
	ck_assert_uint_eq(flow_count(c.ft), 0);
	ck_assert_uint_eq(c.st.flows_timed_out, 4);
	conn_done(&c);
}
END_TEST

START_TEST(test_oversized_head)
{
	struct conn c;
	char big[2048];
	int i;

	conn_setup(&c, 16);
	handshake(&c);
	csend(&c, "GET / HTTP/1.1\r\n", 16);
	memset(big, 'a', sizeof(big));
	big[0] = 'X', big[1] = ':', big[sizeof(big) - 2] = '\r';
	big[sizeof(big) - 1] = '\n';
	for (i = 0; i < 10; i++)		/* 20 KiB of one header */
		csend(&c, big, sizeof(big));
	csend(&c, "\r\nGET /ok HTTP/1.1\r\nHost: a\r\n\r\n", 32);
	ck_assert_uint_eq(c.st.oversized_heads, 1);
	ck_assert_uint_eq(c.hits.http, 1);
	ck_assert_str_eq(c.hits.last_target, "/ok");
	conn_done(&c);
}
END_TEST

/* Segments of a head delivered in every order of 3 pieces. */
START_TEST(test_out_of_order_permutations)
{
	static const int perm[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	size_t n = strlen(req1), cut[4], a, b, k;
	struct conn c;
	int pi, j;

	for (a = 1; a < n - 1; a += 5)
		for (b = a + 1; b < n; b += 7)
			for (pi = 0; pi < 6; pi++) {
				cut[0] = 0, cut[1] = a, cut[2] = b, cut[3] = n;
				conn_setup(&c, 16);
				handshake(&c);
				for (j = 0; j < 3; j++) {
					k = (size_t)perm[pi][j];
					send_at(&c, 1, c.cseq + (uint32_t)cut[k],
					    TCP_ACK, req1 + cut[k],
					    cut[k + 1] - cut[k]);
				}
				ck_assert_msg(c.hits.http == 1,
				    "cuts %zu %zu perm %d: %u", a, b, pi,
				    c.hits.http);
				ck_assert_uint_eq(c.st.gaps, 0);
				conn_done(&c);
			}
}
END_TEST

/* Second request first, then the first; duplicates of both after. */
START_TEST(test_out_of_order_requests)
{
	static const char r2[] = "GET /two HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n1 = strlen(req1), n2 = strlen(r2);
	struct conn c;

	conn_setup(&c, 16);
	handshake(&c);
	send_at(&c, 1, c.cseq + (uint32_t)n1, TCP_ACK, r2, n2);
	ck_assert_uint_eq(c.hits.http, 0);
	ck_assert_uint_eq(c.st.out_of_order, 1);
	send_at(&c, 1, c.cseq, TCP_ACK, req1, n1);
	ck_assert_uint_eq(c.hits.http, 2);
	ck_assert_str_eq(c.hits.last_target, "/two");
	send_at(&c, 1, c.cseq, TCP_ACK, req1, n1);
	send_at(&c, 1, c.cseq + (uint32_t)n1, TCP_ACK, r2, n2);
	ck_assert_uint_eq(c.hits.http, 2);
	conn_done(&c);
}
END_TEST

/* A hole never filled: given up when the window fills, or at close. */
START_TEST(test_hole_given_up)
{
	static const char r2[] = "GET /two HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n2 = strlen(r2);
	struct conn c;
	uint32_t at;
	int i;

	conn_setup(&c, 16);
	handshake(&c);
	at = c.cseq + 100;			/* 100 bytes lost */
	for (i = 0; i < 40; i++) {		/* more than the window holds */
		send_at(&c, 1, at, TCP_ACK, r2, n2);
		at += (uint32_t)n2;
	}
	ck_assert_uint_ge(c.st.gaps, 1);
	ck_assert_uint_eq(c.hits.http, 40);
	/* and at close */
	conn_done(&c);
	conn_setup(&c, 16);
	handshake(&c);
	send_at(&c, 1, c.cseq + 10, TCP_ACK, r2, n2);
	ck_assert_uint_eq(c.hits.http, 0);
	send_at(&c, 1, c.cseq + 10 + (uint32_t)n2, TCP_FIN | TCP_ACK, NULL, 0);
	send_at(&c, 0, c.sseq, TCP_FIN | TCP_ACK, NULL, 0);
	ck_assert_uint_eq(c.hits.http, 1);
	ck_assert_uint_eq(flow_count(c.ft), 0);
	conn_done(&c);
}
END_TEST

static Suite *
flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_one_request);
	tcase_add_test(tc, test_split_every_byte);
	tcase_add_test(tc, test_byte_by_byte_no_syn);
	tcase_add_test(tc, test_retransmissions);
	tcase_add_test(tc, test_syn_retransmitted_after_data);
	tcase_add_test(tc, test_pipelined_with_bodies);
	tcase_add_test(tc, test_expect_continue_refused);
	tcase_add_test(tc, test_mid_stream_resync);
	tcase_add_test(tc, test_junk_after_syn_is_ignored);
	tcase_add_test(tc, test_tls_split);
	tcase_add_test(tc, test_close_and_limits);
	tcase_add_test(tc, test_oversized_head);
	tcase_add_test(tc, test_out_of_order_permutations);
	tcase_add_test(tc, test_out_of_order_requests);
	tcase_add_test(tc, test_hole_given_up);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(flow_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * test_http.c - HTTP/1.x request head parser and chunked skipper tests.
 * Every input is copied into an exact-size allocation so AddressSanitizer
 * sees any read past len.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "http.h"

#define HTTP_TARGET_MAX	8192	/* mirrors daemon/http.c */

struct parsed {
	uint8_t			*buf;
	size_t			 len;
	struct http_req		 req;
	size_t			 consumed;
	enum http_status	 st;
};

static bool
view_inside(const struct view *v, const uint8_t *buf, size_t len)
{
	const char *b = (const char *)buf;

	if (v->n == 0)
		return true;
	return v->p >= b && v->p <= b + len && v->n <= len &&
	    (size_t)(v->p - b) <= len - v->n;
}

/* Views of an OK head point inside the head; host/path too. */
static void
check_views(const struct parsed *pr)
{
	const struct http_req *r = &pr->req;
	struct view host, path;
	size_t i;

	ck_assert_uint_le(pr->consumed, pr->len);
	ck_assert(view_inside(&r->method, pr->buf, pr->consumed));
	ck_assert(view_inside(&r->target, pr->buf, pr->consumed));
	ck_assert(view_inside(&r->host, pr->buf, pr->consumed));
	ck_assert_uint_le(r->nxff, HTTP_MAX_FWD);
	ck_assert_uint_le(r->nfwd, HTTP_MAX_FWD);
	for (i = 0; i < r->nxff; i++)
		ck_assert(view_inside(&r->xff[i], pr->buf, pr->consumed));
	for (i = 0; i < r->nfwd; i++)
		ck_assert(view_inside(&r->fwd[i], pr->buf, pr->consumed));
	ck_assert(!(r->has_length && r->bad_length));
	ck_assert(!(r->has_length && r->chunked));
	http_request_host_path(r, &host, &path);
	ck_assert_ptr_nonnull(host.p);
	ck_assert_ptr_nonnull(path.p);
	ck_assert(view_inside(&host, pr->buf, pr->consumed));
	ck_assert(view_inside(&path, pr->buf, pr->consumed));
}

static void
parse_n(struct parsed *pr, const void *s, size_t n)
{
	pr->buf = dup_exact(s, n);
	pr->len = n;
	pr->consumed = (size_t)-1;
	pr->st = http_parse_request(pr->buf, n, &pr->req, &pr->consumed);
	if (pr->st == HTTP_OK)
		check_views(pr);
}

static void
parse_s(struct parsed *pr, const char *s)
{
	parse_n(pr, s, strlen(s));
}

static void
parsed_free(struct parsed *pr)
{
	free(pr->buf);
	pr->buf = NULL;
}

static bool
view_is(const struct view *v, const char *s)
{
	return v->n == strlen(s) && (v->n == 0 || memcmp(v->p, s, v->n) == 0);
}

#define ck_view(v, s) ck_assert_msg(view_is(&(v), (s)), \
	"%s: got '%.*s', want '%s'", #v, (int)(v).n, (v).p, (s))

static enum http_status
probe_s(const char *s)
{
	size_t n = strlen(s);
	uint8_t *b = dup_exact(s, n);
	enum http_status st = http_probe(b, n);

	free(b);
	return st;
}

static enum http_status
status_of(const char *s)
{
	struct parsed pr;
	enum http_status st;

	parse_s(&pr, s);
	st = pr.st;
	parsed_free(&pr);
	return st;
}

/* Parse s, which must be OK, and compare host and path. */
static void
expect_host_path(const char *s, const char *host, const char *path)
{
	struct parsed pr;
	struct view h, p;

	parse_s(&pr, s);
	ck_assert_int_eq(pr.st, HTTP_OK);
	http_request_host_path(&pr.req, &h, &p);
	ck_view(h, host);
	ck_view(p, path);
	parsed_free(&pr);
}

START_TEST(test_probe)
{
	char m[32];

	ck_assert_int_eq(probe_s("GET "), HTTP_OK);
	ck_assert_int_eq(probe_s("GET / HTTP/1.1\r\n"), HTTP_OK);
	ck_assert_int_eq(probe_s("PROPFIND "), HTTP_OK);
	ck_assert_int_eq(probe_s("M-SEARCH * HTTP/1.1"), HTTP_OK);
	ck_assert_int_eq(probe_s("VERSION_CONTROL "), HTTP_OK);
	ck_assert_int_eq(probe_s(""), HTTP_INCOMPLETE);
	ck_assert_int_eq(probe_s("G"), HTTP_INCOMPLETE);
	ck_assert_int_eq(probe_s("GE"), HTTP_INCOMPLETE);
	ck_assert_int_eq(probe_s("GET"), HTTP_INCOMPLETE);
	ck_assert_int_eq(probe_s("get "), HTTP_MALFORMED);
	ck_assert_int_eq(probe_s(" GET "), HTTP_MALFORMED);
	ck_assert_int_eq(probe_s("GET\t/"), HTTP_MALFORMED);
	ck_assert_int_eq(probe_s("GET/"), HTTP_MALFORMED);
	ck_assert_int_eq(probe_s("SSH-2.0-OpenSSH"), HTTP_MALFORMED);
	ck_assert_int_eq(probe_s("\x16\x03\x01"), HTTP_MALFORMED);
	memset(m, 'A', sizeof(m));
	m[24] = '\0';
	ck_assert_int_eq(probe_s(m), HTTP_INCOMPLETE);
	m[24] = ' ';
	m[25] = '\0';
	ck_assert_int_eq(probe_s(m), HTTP_OK);
	m[24] = 'A';
	ck_assert_int_eq(probe_s(m), HTTP_MALFORMED);
}
END_TEST

START_TEST(test_simple_get)
{
	static const char s[] = "GET /index.html?x=1 HTTP/1.1\r\n"
	    "Host:  www.example.com \r\n"
	    "User-Agent: test/1.0\r\n"
	    "Accept: */*\r\n\r\n";
	struct parsed pr;
	struct view h, p;

	parse_s(&pr, s);
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert_uint_eq(pr.consumed, sizeof(s) - 1);
	ck_view(pr.req.method, "GET");
	ck_view(pr.req.target, "/index.html?x=1");
	ck_view(pr.req.host, "www.example.com");
	ck_assert_int_eq(pr.req.minor, 1);
	ck_assert(!pr.req.has_length);
	ck_assert(!pr.req.bad_length);
	ck_assert(!pr.req.chunked);
	ck_assert(!pr.req.upgrade);
	ck_assert(!pr.req.expect_continue);
	ck_assert_uint_eq(pr.req.nxff, 0);
	ck_assert_uint_eq(pr.req.nfwd, 0);
	http_request_host_path(&pr.req, &h, &p);
	ck_view(h, "www.example.com");
	ck_view(p, "/index.html");
	parsed_free(&pr);
}
END_TEST

START_TEST(test_pipelined)
{
	static const char s[] = "GET /a HTTP/1.1\r\nHost: a.example\r\n\r\n"
	    "POST /b HTTP/1.1\r\nHost: b.example\r\n"
	    "Content-Length: 5\r\n\r\nhello"
	    "GET /c HTTP/1.0\r\n\r\n";
	struct http_req req;
	uint8_t *buf = dup_exact(s, sizeof(s) - 1);
	size_t len = sizeof(s) - 1, off = 0, consumed;

	ck_assert_int_eq(http_parse_request(buf, len, &req, &consumed),
	    HTTP_OK);
	ck_view(req.target, "/a");
	ck_view(req.host, "a.example");
	ck_assert_uint_eq(consumed, 36);
	off += consumed;
	ck_assert_int_eq(http_parse_request(buf + off, len - off, &req,
	    &consumed), HTTP_OK);
	ck_view(req.method, "POST");
	ck_view(req.target, "/b");
	ck_view(req.host, "b.example");
	ck_assert(req.has_length);
	ck_assert_uint_eq(req.content_length, 5);
	off += consumed;
	ck_assert(memcmp(buf + off, "hello", 5) == 0);
	off += (size_t)req.content_length;
	ck_assert_int_eq(http_parse_request(buf + off, len - off, &req,
	    &consumed), HTTP_OK);
	ck_view(req.target, "/c");
	ck_assert_int_eq(req.minor, 0);
	ck_assert_uint_eq(req.host.n, 0);
	ck_assert_uint_eq(off + consumed, len);
	/* the next request has not arrived yet */
	ck_assert_int_eq(http_parse_request(buf + len, 0, &req, &consumed),
	    HTTP_INCOMPLETE);
	free(buf);
}
END_TEST

START_TEST(test_absolute_form)
{
	expect_host_path("GET http://user:pw@Example.COM:8080/a/b?q=1#f "
	    "HTTP/1.1\r\nHost: other.example\r\n\r\n", "Example.COM", "/a/b");
	expect_host_path("GET HTTPS://[2001:db8::1]:443 HTTP/1.1\r\n\r\n",
	    "[2001:db8::1]", "");
	expect_host_path("GET hTtP://example.com?x=/y HTTP/1.1\r\n\r\n",
	    "example.com", "");
	expect_host_path("GET http://example.com/ HTTP/1.1\r\n\r\n",
	    "example.com", "/");
	expect_host_path("GET http://a@b@example.com/p HTTP/1.1\r\n\r\n",
	    "example.com", "/p");
	expect_host_path("GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n", "",
	    "/p");
}
END_TEST

START_TEST(test_origin_form)
{
	expect_host_path("GET /p#frag HTTP/1.1\r\nHost: example.net:8080"
	    "\r\n\r\n", "example.net", "/p");
	expect_host_path("GET /x/y?z HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
	    "[::1]", "/x/y");
	expect_host_path("GET /nohost HTTP/1.0\r\n\r\n", "", "/nohost");
	expect_host_path("OPTIONS * HTTP/1.1\r\nHost: example.org:80\r\n\r\n",
	    "example.org", "");
}
END_TEST

START_TEST(test_connect)
{
	static const char s[] = "CONNECT example.com:443 HTTP/1.1\r\n"
	    "Host: example.com:443\r\n\r\n";
	struct parsed pr;

	parse_s(&pr, s);
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert(pr.req.upgrade);
	ck_view(pr.req.target, "example.com:443");
	parsed_free(&pr);
	expect_host_path(s, "example.com", "");
	expect_host_path("CONNECT [2001:db8::2]:443 HTTP/1.1\r\n\r\n",
	    "[2001:db8::2]", "");
}
END_TEST

START_TEST(test_upgrade_expect)
{
	struct parsed pr;

	parse_s(&pr, "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket"
	    "\r\nConnection: Upgrade\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert(pr.req.upgrade);
	ck_assert(!pr.req.expect_continue);
	parsed_free(&pr);
	parse_s(&pr, "PUT /f HTTP/1.1\r\nexpect: 100-Continue\r\n"
	    "Content-Length: 3\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert(pr.req.expect_continue);
	ck_assert(!pr.req.upgrade);
	parsed_free(&pr);
	parse_s(&pr, "PUT /f HTTP/1.1\r\nExpect: 100-continue-x\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert(!pr.req.expect_continue);
	parsed_free(&pr);
}
END_TEST

START_TEST(test_xff)
{
	struct parsed pr;

	parse_s(&pr, "GET / HTTP/1.1\r\n"
	    "X-Forwarded-For: 1.2.3.4, 10.0.0.1 \r\n"
	    "Host: h\r\n"
	    "x-forwarded-for:5.6.7.8\r\n"
	    "X-FORWARDED-FOR: \t 2001:db8::9\t\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert_uint_eq(pr.req.nxff, 3);
	ck_view(pr.req.xff[0], "1.2.3.4, 10.0.0.1");
	ck_view(pr.req.xff[1], "5.6.7.8");
	ck_view(pr.req.xff[2], "2001:db8::9");
	parsed_free(&pr);
}
END_TEST

START_TEST(test_xff_cap)
{
	char s[1024];
	struct parsed pr;
	int i, o;

	o = snprintf(s, sizeof(s), "GET / HTTP/1.1\r\n");
	for (i = 0; i < HTTP_MAX_FWD + 3; i++)
		o += snprintf(s + o, sizeof(s) - (size_t)o,
		    "X-Forwarded-For: 10.0.0.%d\r\n"
		    "Forwarded: for=10.1.0.%d\r\n", i, i);
	snprintf(s + o, sizeof(s) - (size_t)o, "\r\n");
	parse_s(&pr, s);
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert_uint_eq(pr.req.nxff, HTTP_MAX_FWD);
	ck_assert_uint_eq(pr.req.nfwd, HTTP_MAX_FWD);
	ck_view(pr.req.xff[0], "10.0.0.0");
	ck_view(pr.req.xff[HTTP_MAX_FWD - 1], "10.0.0.7");
	ck_view(pr.req.fwd[HTTP_MAX_FWD - 1], "for=10.1.0.7");
	parsed_free(&pr);
}
END_TEST

START_TEST(test_forwarded)
{
	struct parsed pr;

	parse_s(&pr, "GET / HTTP/1.1\r\nHost: h\r\n"
	    "Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43\r\n"
	    "forwarded: for=\"[2001:db8:cafe::17]:4711\"\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert_uint_eq(pr.req.nfwd, 2);
	ck_view(pr.req.fwd[0], "for=192.0.2.60;proto=http;by=203.0.113.43");
	ck_view(pr.req.fwd[1], "for=\"[2001:db8:cafe::17]:4711\"");
	ck_assert_uint_eq(pr.req.nxff, 0);
	parsed_free(&pr);
}
END_TEST

START_TEST(test_duplicate_host)
{
	struct parsed pr;

	parse_s(&pr, "GET / HTTP/1.1\r\nHost: a.example\r\n"
	    "HOST: b.example\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_view(pr.req.host, "a.example");
	parsed_free(&pr);
	parse_s(&pr, "GET / HTTP/1.1\r\nHost:\r\nHost: b.example\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_view(pr.req.host, "");
	parsed_free(&pr);
}
END_TEST

struct clen_case {
	const char	*fields;
	bool		 has;
	bool		 bad;
	uint64_t	 len;
};

START_TEST(test_content_length)
{
	static const struct clen_case cases[] = {
		{ "Content-Length: 42\r\n", true, false, 42 },
		{ "content-length:0\r\n", true, false, 0 },
		{ "Content-Length: 1, 1\r\n", true, false, 1 },
		{ "Content-Length: 7,7 , 7\r\n", true, false, 7 },
		{ "Content-Length: 9999999999999999999\r\n", true, false,
		    UINT64_C(9999999999999999999) },
		{ "Content-Length: 0000000000000000012\r\n", true, false, 12 },
		{ "Content-Length: 5\r\nContent-Length: 5\r\n", true, false,
		    5 },
		{ "Content-Length: 1, 2\r\n", false, true, 0 },
		{ "Content-Length: 1,\r\n", false, true, 0 },
		{ "Content-Length: abc\r\n", false, true, 0 },
		{ "Content-Length: -1\r\n", false, true, 0 },
		{ "Content-Length: +1\r\n", false, true, 0 },
		{ "Content-Length: 1 2\r\n", false, true, 0 },
		{ "Content-Length: 0x10\r\n", false, true, 0 },
		{ "Content-Length:\r\n", false, true, 0 },
		{ "Content-Length: 18446744073709551616\r\n", false, true, 0 },
		{ "Content-Length: 12345678901234567890\r\n", false, true, 0 },
		{ "Content-Length: 5\r\nContent-Length: 6\r\n", false, true,
		    0 },
		{ "Content-Length: x\r\nContent-Length: 6\r\n", false, true,
		    0 },
		{ "X-Content-Length: 6\r\n", false, false, 0 },
	};
	char s[256];
	struct parsed pr;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(s, sizeof(s), "POST /u HTTP/1.1\r\nHost: h\r\n%s\r\n",
		    cases[i].fields);
		parse_s(&pr, s);
		ck_assert_msg(pr.st == HTTP_OK, "case %zu", i);
		ck_assert_msg(pr.req.has_length == cases[i].has, "case %zu", i);
		ck_assert_msg(pr.req.bad_length == cases[i].bad, "case %zu", i);
		if (cases[i].has)
			ck_assert_msg(pr.req.content_length == cases[i].len,
			    "case %zu", i);
		parsed_free(&pr);
	}
}
END_TEST

START_TEST(test_transfer_encoding)
{
	static const struct clen_case cases[] = {
		/* chunked overrides Content-Length, RFC 9112 6.3 */
		{ "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n",
		    true, false, 0 },
		{ "Transfer-Encoding: chunked\r\nContent-Length: 10\r\n",
		    true, false, 0 },
		{ "Transfer-Encoding: chunked\r\nContent-Length: x\r\n",
		    true, false, 0 },
		{ "Transfer-Encoding: gzip, CHUNKED\r\n", true, false, 0 },
		{ "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
		    true, false, 0 },
		{ "transfer-encoding: chunked , \r\n", true, false, 0 },
		/* final coding not chunked: length unknown */
		{ "Transfer-Encoding: chunked, gzip\r\n", false, true, 0 },
		{ "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
		    false, true, 0 },
		{ "Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n",
		    false, true, 0 },
	};
	char s[256];
	struct parsed pr;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(s, sizeof(s), "POST /u HTTP/1.1\r\nHost: h\r\n%s\r\n",
		    cases[i].fields);
		parse_s(&pr, s);
		ck_assert_msg(pr.st == HTTP_OK, "case %zu", i);
		/* here .has means chunked */
		ck_assert_msg(pr.req.chunked == cases[i].has, "case %zu", i);
		ck_assert_msg(pr.req.bad_length == cases[i].bad, "case %zu", i);
		ck_assert_msg(!pr.req.has_length, "case %zu", i);
		parsed_free(&pr);
	}
}
END_TEST

START_TEST(test_lf_only)
{
	static const char s[] = "GET /lf HTTP/1.1\nHost: lf.example\n"
	    "X-Forwarded-For: 192.0.2.1\r\nAccept: */*\n\nrest";
	struct parsed pr;

	parse_s(&pr, s);
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert_uint_eq(pr.consumed, sizeof(s) - 1 - 4);
	ck_view(pr.req.host, "lf.example");
	ck_assert_uint_eq(pr.req.nxff, 1);
	ck_view(pr.req.xff[0], "192.0.2.1");
	parsed_free(&pr);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *bad[] = {
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost\t: x\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n",
		"GET / HTTP/1.1\r\n Host: x\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.x\r\n\r\n",
		"GET / HTTP/1.10\r\n\r\n",
		"GET / http/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET /a b HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\r\n\rX",
		"GET /\x7f HTTP/1.1\r\n\r\n",
		"GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
		"get / HTTP/1.1\r\n\r\n",
		"GET\r\n\r\n",
		"GET /\r\n\r\n",
		"\r\nGET / HTTP/1.1\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(status_of(bad[i]) == HTTP_MALFORMED,
		    "case %zu", i);
}
END_TEST

/* Garbage is rejected as soon as it shows, not after the head ends. */
START_TEST(test_malformed_early)
{
	static const char *bad[] = {
		"\x16\x03\x01\x02\x00\x01",
		"GET /\x01",
		"GET / HTTP/2",
		"GET / HTTP/1.1\r\nX\x01",
		"GET / HTTP/1.1\r\nX: y\r\n z",
		"GET / HTTP/1.1\r\nX y",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(status_of(bad[i]) == HTTP_MALFORMED,
		    "case %zu", i);
	ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nX: y\r\n"),
	    HTTP_INCOMPLETE);
}
END_TEST

START_TEST(test_nul_in_field)
{
	static const char s[] = "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n";
	struct parsed pr;

	parse_n(&pr, s, sizeof(s) - 1);
	ck_assert_int_eq(pr.st, HTTP_MALFORMED);
	parsed_free(&pr);
	/* rejected at the NUL, before the line ends */
	parse_n(&pr, s, 22);
	ck_assert_int_eq(pr.st, HTTP_MALFORMED);
	parsed_free(&pr);
	parse_n(&pr, "GET / HTTP/1.1\r\nX\0", 19);
	ck_assert_int_eq(pr.st, HTTP_MALFORMED);
	parsed_free(&pr);
}
END_TEST

START_TEST(test_obs_text_value)
{
	struct parsed pr;

	parse_s(&pr, "GET / HTTP/1.1\r\nUser-Agent: caf\xc3\xa9\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	parsed_free(&pr);
}
END_TEST

START_TEST(test_limits)
{
	static char s[HTTP_TARGET_MAX + 4096];
	struct parsed pr;
	int i, o;

	/* request-target of 8192 bytes, then one more */
	o = snprintf(s, sizeof(s), "GET /");
	memset(s + o, 'a', HTTP_TARGET_MAX - 1);
	o += HTTP_TARGET_MAX - 1;
	snprintf(s + o, sizeof(s) - (size_t)o, " HTTP/1.1\r\n\r\n");
	parse_s(&pr, s);
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert_uint_eq(pr.req.target.n, HTTP_TARGET_MAX);
	parsed_free(&pr);
	s[o] = 'a';
	snprintf(s + o + 1, sizeof(s) - (size_t)o - 1, " HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(status_of(s), HTTP_MALFORMED);

	/* 100 header fields, then 101 */
	o = snprintf(s, sizeof(s), "GET / HTTP/1.1\r\n");
	for (i = 0; i < 100; i++)
		o += snprintf(s + o, sizeof(s) - (size_t)o, "X-%d: v\r\n", i);
	snprintf(s + o, sizeof(s) - (size_t)o, "\r\n");
	ck_assert_int_eq(status_of(s), HTTP_OK);
	snprintf(s + o, sizeof(s) - (size_t)o, "X-100: v\r\n\r\n");
	ck_assert_int_eq(status_of(s), HTTP_MALFORMED);
}
END_TEST

/* Valid heads used by the prefix and corruption tests. */
static const char *heads[] = {
	"GET /index.html?x=1 HTTP/1.1\r\nHost: www.example.com\r\n"
	    "User-Agent: t\r\nAccept: */*\r\n\r\n",
	"POST /u HTTP/1.1\r\nHost: h:8080\r\nContent-Length: 1, 1\r\n"
	    "Transfer-Encoding: gzip, chunked\r\nExpect: 100-continue\r\n\r\n",
	"GET http://user@example.com:81/a?b HTTP/1.0\r\n"
	    "X-Forwarded-For: 1.2.3.4\r\nForwarded: for=5.6.7.8\r\n\r\n",
	"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
	"OPTIONS * HTTP/1.1\nHost: lf.example\nUpgrade: h2c\n\n",
	"PROPFIND /dav/ HTTP/1.1\r\nHost: dav\r\nDepth: 1\r\n"
	    "Content-Length: 0\r\nX-Empty:\r\n\r\n",
};

START_TEST(test_prefixes)
{
	struct parsed pr;
	size_t i, n, len;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		len = strlen(heads[i]);
		parse_n(&pr, heads[i], len);
		ck_assert_msg(pr.st == HTTP_OK, "head %zu", i);
		ck_assert_uint_eq(pr.consumed, len);
		parsed_free(&pr);
		for (n = 0; n < len; n++) {
			parse_n(&pr, heads[i], n);
			ck_assert_msg(pr.st == HTTP_INCOMPLETE,
			    "head %zu prefix %zu", i, n);
			parsed_free(&pr);
		}
	}
}
END_TEST

START_TEST(test_corrupt_bytes)
{
	static const uint8_t vals[] = { 0x00, 0xff, '\r', '\n', ' ', ':',
	    '\t', 0x80, 0x7f, ',', '@', '/', '[' };
	char s[512];
	struct parsed pr;
	size_t i, pos, v, len;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		len = strlen(heads[i]);
		ck_assert_uint_lt(len, sizeof(s));
		for (pos = 0; pos < len; pos++)
			for (v = 0; v < sizeof(vals) + 8; v++) {
				memcpy(s, heads[i], len);
				if (v < sizeof(vals))
					s[pos] = (char)vals[v];
				else
					s[pos] = (char)(s[pos] ^
					    (1 << (v - sizeof(vals))));
				/* check_views runs on every OK result */
				parse_n(&pr, s, len);
				parsed_free(&pr);
			}
	}
}
END_TEST

/*
 * Where the block-at-a-time scanner hands over to the byte loop: names
 * whose ':' falls either side of byte 16, names with other tchars,
 * methods of 15 and 16 letters, and odd bytes at every offset around
 * the 16- and 32-byte block edges of a long value.
 */
START_TEST(test_block_edges)
{
	char s[256], v[80];
	struct parsed pr;
	size_t at;

	parse_s(&pr, "GET / HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\n"
	    "CONTENT-LENGTH: 7\r\nTransfer-Encoding: chunked\r\n"
	    "hOsT: h\r\nHosu: x\r\nContent-Lengti: 9\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_assert_uint_eq(pr.req.nxff, 1);
	ck_view(pr.req.xff[0], "192.0.2.1");
	ck_view(pr.req.host, "h");
	ck_assert(pr.req.chunked);
	ck_assert(!pr.req.has_length);
	parsed_free(&pr);

	parse_s(&pr, "GET / HTTP/1.1\r\nX_Under9: a\r\n"
	    "x-forwarded-for:\t 10.0.0.1 \t\r\n\r\n");
	ck_assert_int_eq(pr.st, HTTP_OK);
	ck_view(pr.req.xff[0], "10.0.0.1");
	parsed_free(&pr);

	ck_assert_int_eq(status_of("ABCDEFGHIJKLMNO / HTTP/1.1\r\n\r\n"),
	    HTTP_OK);
	ck_assert_int_eq(status_of("ABCDEFGHIJKLMNOP / HTTP/1.1\r\n\r\n"),
	    HTTP_OK);
	ck_assert_int_eq(status_of("M-SEARCH_X / HTTP/1.1\r\n\r\n"),
	    HTTP_OK);
	ck_assert_int_eq(status_of("GEt / HTTP/1.1\r\n\r\n"),
	    HTTP_MALFORMED);

	for (at = 0; at < 48; at++) {
		memset(v, 'v', 48);
		v[48] = '\0';
		v[at] = '\t';
		snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
		    v);
		parse_s(&pr, s);
		ck_assert_msg(pr.st == HTTP_OK, "HTAB at %zu", at);
		ck_assert_uint_eq(pr.req.host.n,
		    at == 0 ? 47 : at == 47 ? 47 : 48);
		parsed_free(&pr);
		v[at] = (char)0xc3;
		snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nUser-Agent: %s\r\n"
		    "\r\n", v);
		ck_assert_msg(status_of(s) == HTTP_OK, "obs-text at %zu", at);
		v[at] = 0x7f;
		snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nUser-Agent: %s\r\n"
		    "\r\n", v);
		ck_assert_msg(status_of(s) == HTTP_MALFORMED, "DEL at %zu", at);
		v[at] = '\r';
		snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nUser-Agent: %s\r\n"
		    "\r\n", v);
		ck_assert_msg(status_of(s) == HTTP_MALFORMED, "CR at %zu", at);
		/* a value cut just after its CR is only incomplete */
		v[at] = 'v';
		v[at + 1] = '\0';
		snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nUser-Agent: %s\r",
		    v);
		ck_assert_msg(status_of(s) == HTTP_INCOMPLETE, "cut at %zu",
		    at);
	}
}
END_TEST

/*
 * Chunked bodies.  Each is followed by the start of the next request,
 * which must not be consumed.
 */
static const char chunked_body[] =
    "4\r\nWiki\r\n"
    "5;name=val;q=\"x y\"\r\npedia\r\n"
    "E\r\n in\r\n\r\nchunks.\r\n"
    "000A \r\n0123456789\r\n"
    "0\r\nExpires: never\r\nX-T: 1\r\n\r\n";
static const char next_req[] = "GET /next HTTP/1.1\r\n";

/* Feed b in pieces ending at cuts[]; copies each piece exactly. */
static size_t
feed_pieces(const char *b, size_t n, const size_t *cuts, size_t ncuts,
    bool *done)
{
	struct http_chunked ch;
	size_t from = 0, to, i, r, total = 0;
	uint8_t *piece;

	http_chunked_init(&ch);
	*done = false;
	for (i = 0; i <= ncuts && !*done; i++) {
		to = i < ncuts ? cuts[i] : n;
		piece = dup_exact(b + from, to - from);
		r = http_chunked_feed(&ch, piece, to - from, done);
		free(piece);
		if (r == (size_t)-1)
			return r;
		ck_assert_uint_le(r, to - from);
		if (!*done)
			ck_assert_uint_eq(r, to - from);
		total += r;
		from = to;
	}
	return total;
}

static void
body_with_next(char *s, size_t cap, const char *body)
{
	snprintf(s, cap, "%s%s", body, next_req);
}

START_TEST(test_chunked_whole)
{
	char s[512];
	bool done;

	body_with_next(s, sizeof(s), chunked_body);
	ck_assert_uint_eq(feed_pieces(s, strlen(s), NULL, 0, &done),
	    strlen(chunked_body));
	ck_assert(done);
}
END_TEST

START_TEST(test_chunked_every_split)
{
	char s[512];
	size_t cuts[2], n = 0, want = strlen(chunked_body);
	bool done;

	body_with_next(s, sizeof(s), chunked_body);
	n = strlen(s);
	for (cuts[0] = 0; cuts[0] <= n; cuts[0]++) {
		ck_assert_uint_eq(feed_pieces(s, n, cuts, 1, &done), want);
		ck_assert(done);
		for (cuts[1] = cuts[0]; cuts[1] <= n; cuts[1]++) {
			ck_assert_msg(feed_pieces(s, n, cuts, 2, &done) ==
			    want, "cuts %zu %zu", cuts[0], cuts[1]);
			ck_assert(done);
		}
	}
}
END_TEST

START_TEST(test_chunked_bytewise)
{
	char s[512];
	size_t cuts[512], i, n;
	bool done;

	body_with_next(s, sizeof(s), chunked_body);
	n = strlen(s);
	for (i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	ck_assert_uint_eq(feed_pieces(s, n, cuts, n - 1, &done),
	    strlen(chunked_body));
	ck_assert(done);
}
END_TEST

START_TEST(test_chunked_incomplete)
{
	struct http_chunked ch;
	size_t n = strlen(chunked_body), i;
	uint8_t *b;
	bool done;

	for (i = 0; i < n; i++) {
		http_chunked_init(&ch);
		b = dup_exact(chunked_body, i);
		ck_assert_uint_eq(http_chunked_feed(&ch, b, i, &done), i);
		ck_assert_msg(!done, "prefix %zu", i);
		free(b);
	}
}
END_TEST

struct chunk_case {
	const char	*body;
	size_t		 consumed;	/* (size_t)-1: error */
	bool		 done;
};

START_TEST(test_chunked_cases)
{
	static const struct chunk_case cases[] = {
		{ "0\r\n\r\nNEXT", 5, true },
		{ "3\nabc\n0\n\nNEXT", 9, true },
		{ "3\r\nabc\n0\r\n\nNEXT", 11, true },
		{ "a\r\n0123456789\r\n0\r\n\r\n", 20, true },
		{ "000000000000000A\r\n0123456789\r\n0\r\n\r\n", 35, true },
		{ "1 ; ext\r\nx\r\n0\r\n\r\n", 17, true },
		{ "ffffffffffffffff\r\nabc", 21, false },
		{ "0000000000000000A\r\n", (size_t)-1, false },
		{ "g\r\n", (size_t)-1, false },
		{ "\r\n", (size_t)-1, false },
		{ ";x\r\n", (size_t)-1, false },
		{ "-1\r\n", (size_t)-1, false },
		{ "4\rx", (size_t)-1, false },
		{ "4\r\nWikiX", (size_t)-1, false },
		{ "4\r\nWiki\rX", (size_t)-1, false },
		{ "4;a\x01\r\n", (size_t)-1, false },
		{ "0\r\nBad\x01\r\n", (size_t)-1, false },
		{ "0\r\nX: y\rz", (size_t)-1, false },
		{ "0\r\n\rz", (size_t)-1, false },
	};
	struct http_chunked ch;
	size_t i, r, n;
	uint8_t *b;
	bool done;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].body);
		b = dup_exact(cases[i].body, n);
		http_chunked_init(&ch);
		r = http_chunked_feed(&ch, b, n, &done);
		ck_assert_msg(r == cases[i].consumed, "case %zu: %zu", i, r);
		ck_assert_msg(done == cases[i].done, "case %zu", i);
		free(b);
	}
}
END_TEST

/* chunk-ext and trailer lines are capped at 4096 bytes. */
START_TEST(test_chunked_line_cap)
{
	static char s[8192];
	struct http_chunked ch;
	size_t n;
	bool done;

	memset(s, 'x', sizeof(s));
	memcpy(s, "1;", 2);
	memcpy(s + 4094, "\r\nA\r\n0\r\n\r\n", 10);
	n = 4094 + 10;
	http_chunked_init(&ch);
	ck_assert_uint_eq(http_chunked_feed(&ch, (uint8_t *)s, n, &done), n);
	ck_assert(done);
	memset(s, 'x', sizeof(s));
	memcpy(s, "1;", 2);
	memcpy(s + 4097, "\r\n", 2);
	http_chunked_init(&ch);
	ck_assert_uint_eq(http_chunked_feed(&ch, (uint8_t *)s, 4099, &done),
	    (size_t)-1);
	memset(s, 'x', sizeof(s));
	memcpy(s, "0\r\nX:", 5);
	http_chunked_init(&ch);
	ck_assert_uint_eq(http_chunked_feed(&ch, (uint8_t *)s, 5000, &done),
	    (size_t)-1);
}
END_TEST

START_TEST(test_chunked_after_end)
{
	static const char b[] = "0\r\n\r\nGET";
	struct http_chunked ch;
	bool done;

	http_chunked_init(&ch);
	ck_assert_uint_eq(http_chunked_feed(&ch, (const uint8_t *)b, 8,
	    &done), 5);
	ck_assert(done);
	ck_assert_uint_eq(http_chunked_feed(&ch, (const uint8_t *)b + 5, 3,
	    &done), 0);
	ck_assert(done);
	http_chunked_init(&ch);
	ck_assert_uint_eq(http_chunked_feed(&ch, (const uint8_t *)"z", 1,
	    &done), (size_t)-1);
	ck_assert_uint_eq(http_chunked_feed(&ch, (const uint8_t *)b, 8,
	    &done), (size_t)-1);
	ck_assert(!done);
}
END_TEST

START_TEST(test_chunked_big_chunk)
{
	static uint8_t data[1000];
	struct http_chunked ch;
	bool done;

	http_chunked_init(&ch);
	ck_assert_uint_eq(http_chunked_feed(&ch,
	    (const uint8_t *)"FFFFFFFF\r\n", 10, &done), 10);
	ck_assert_uint_eq(http_chunked_feed(&ch, data, sizeof(data), &done),
	    sizeof(data));
	ck_assert(!done);
	ck_assert_uint_eq(ch.left, UINT64_C(0xffffffff) - sizeof(data));
}
END_TEST

/* Corrupted bodies: whole and bytewise feeding must agree, no crash. */
START_TEST(test_chunked_corrupt)
{
	static const uint8_t vals[] = { 0x00, 0xff, '\r', '\n', ';', '0',
	    'f', ' ' };
	char s[512];
	size_t cuts[512], pos, v, i, n, whole, bytewise;
	bool done1, done2;

	n = strlen(chunked_body);
	for (i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	for (pos = 0; pos < n; pos++)
		for (v = 0; v < sizeof(vals) + 8; v++) {
			memcpy(s, chunked_body, n);
			if (v < sizeof(vals))
				s[pos] = (char)vals[v];
			else
				s[pos] = (char)(s[pos] ^
				    (1 << (v - sizeof(vals))));
			whole = feed_pieces(s, n, NULL, 0, &done1);
			bytewise = feed_pieces(s, n, cuts, n - 1, &done2);
			ck_assert_uint_eq(whole, bytewise);
			ck_assert(done1 == done2);
			ck_assert(whole == (size_t)-1 || whole <= n);
		}
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *head = tcase_create("head");
	TCase *chunk = tcase_create("chunked");

	tcase_set_timeout(head, 120);
	tcase_set_timeout(chunk, 120);
	tcase_add_test(head, test_probe);
	tcase_add_test(head, test_simple_get);
	tcase_add_test(head, test_pipelined);
	tcase_add_test(head, test_absolute_form);
	tcase_add_test(head, test_origin_form);
	tcase_add_test(head, test_connect);
	tcase_add_test(head, test_upgrade_expect);
	tcase_add_test(head, test_xff);
	tcase_add_test(head, test_xff_cap);
	tcase_add_test(head, test_forwarded);
	tcase_add_test(head, test_duplicate_host);
	tcase_add_test(head, test_content_length);
	tcase_add_test(head, test_transfer_encoding);
	tcase_add_test(head, test_lf_only);
	tcase_add_test(head, test_malformed);
	tcase_add_test(head, test_malformed_early);
	tcase_add_test(head, test_nul_in_field);
	tcase_add_test(head, test_obs_text_value);
	tcase_add_test(head, test_limits);
	tcase_add_test(head, test_prefixes);
	tcase_add_test(head, test_corrupt_bytes);
	tcase_add_test(head, test_block_edges);
	tcase_add_test(chunk, test_chunked_whole);
	tcase_add_test(chunk, test_chunked_every_split);
	tcase_add_test(chunk, test_chunked_bytewise);
	tcase_add_test(chunk, test_chunked_incomplete);
	tcase_add_test(chunk, test_chunked_cases);
	tcase_add_test(chunk, test_chunked_line_cap);
	tcase_add_test(chunk, test_chunked_after_end);
	tcase_add_test(chunk, test_chunked_big_chunk);
	tcase_add_test(chunk, test_chunked_corrupt);
	suite_add_tcase(s, head);
	suite_add_tcase(s, chunk);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_http_ref.c - differential test of the request head parser.
 *
 * http_parse_request must give exactly the answers of the parser it
 * replaced, kept in http_ref.c.inc: the same status, the same *consumed
 * and the same struct http_req, views compared by offset and length, for
 * every input -- complete heads, every prefix, every single byte
 * replaced by each of 256 values, and a few hundred thousand seeded
 * random mutations.  Each input is copied into an exact-size allocation
 * so AddressSanitizer sees any read past len by either parser.
 *
 * Build it twice: as is, and with -DHTTP_PORTABLE on daemon/http.c too,
 * so that both the SSE2 and the portable word-at-a-time scanner are
 * compared with the reference.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_ref.c.inc"

#define TARGET_MAX	8192	/* mirrors daemon/http.c */
#define FIELDS_MAX	100

/* A growable byte string for building inputs. */
struct bstr {
	uint8_t	*p;
	size_t	 n;
	size_t	 cap;
};

static void
bs_add(struct bstr *b, const void *p, size_t n)
{
	if (b->cap - b->n < n) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
bs_str(struct bstr *b, const char *s)
{
	bs_add(b, s, strlen(s));
}

static void
bs_fill(struct bstr *b, int ch, size_t n)
{
	size_t i;
	uint8_t c = (uint8_t)ch;

	for (i = 0; i < n; i++)
		bs_add(b, &c, 1);
}

/* xorshift64*: deterministic, so a failure names a reproducible case. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static size_t
rng_below(uint64_t *s, size_t n)
{
	return (size_t)(rng_next(s) % n);
}

/*
 * Check's assertions mark a point through the fork pipe each time they
 * pass, too slow for millions of fields: compare quietly, then fail once
 * naming the first field that differs.
 */
static const char *
view_diff(const char *what, const struct view *a, const uint8_t *abuf,
    const struct view *b, const uint8_t *bbuf)
{
	if ((a->p == NULL) != (b->p == NULL) || a->n != b->n)
		return what;
	if (a->p != NULL && (const uint8_t *)a->p - abuf !=
	    (const uint8_t *)b->p - bbuf)
		return what;
	return NULL;
}

/* Every field, views by offset into their own buffer, and length. */
static const char *
req_diff(const struct http_req *a, const uint8_t *abuf,
    const struct http_req *b, const uint8_t *bbuf)
{
	const char *d;
	size_t i;

	if ((d = view_diff("method", &a->method, abuf, &b->method, bbuf)) ||
	    (d = view_diff("target", &a->target, abuf, &b->target, bbuf)) ||
	    (d = view_diff("host", &a->host, abuf, &b->host, bbuf)))
		return d;
	for (i = 0; i < HTTP_MAX_FWD; i++)
		if ((d = view_diff("xff", &a->xff[i], abuf, &b->xff[i],
		    bbuf)) || (d = view_diff("fwd", &a->fwd[i], abuf,
		    &b->fwd[i], bbuf)))
			return d;
	if (a->nxff != b->nxff)
		return "nxff";
	if (a->nfwd != b->nfwd)
		return "nfwd";
	if (a->minor != b->minor)
		return "minor";
	if (a->has_length != b->has_length)
		return "has_length";
	if (a->content_length != b->content_length)
		return "content_length";
	if (a->chunked != b->chunked)
		return "chunked";
	if (a->bad_length != b->bad_length)
		return "bad_length";
	if (a->expect_continue != b->expect_continue)
		return "expect_continue";
	if (a->upgrade != b->upgrade)
		return "upgrade";
	return NULL;
}

/* Counts of each outcome, so a test can tell it reached all three. */
struct tally {
	unsigned long	ok, incomplete, malformed;
};

/*
 * Parse p[0..n) with both parsers, each from its own exact-size copy, and
 * insist on the same answer.  The structs start as different garbage so
 * a field one parser leaves unset shows up.
 */
static void
compare(const uint8_t *p, size_t n, struct tally *t, const char *ctx)
{
	uint8_t *a = malloc(n > 0 ? n : 1), *b = malloc(n > 0 ? n : 1);
	struct http_req ra, rb;
	size_t ca = 12345, cb = 54321;
	enum http_status sa, sb;
	const char *d;

	if (a == NULL || b == NULL)
		ck_abort_msg("out of memory");
	if (n > 0) {
		memcpy(a, p, n);
		memcpy(b, p, n);
	} else
		a[0] = b[0] = 0;	/* as test_http.c's dup_exact */
	memset(&ra, 0xa5, sizeof(ra));
	memset(&rb, 0x5a, sizeof(rb));
	sa = http_parse_request(a, n, &ra, &ca);
	sb = ref_http_parse_request(b, n, &rb, &cb);
	if (sa != sb)
		ck_abort_msg("%s: status %d, reference %d (len %zu)", ctx,
		    (int)sa, (int)sb, n);
	if (ca != cb)
		ck_abort_msg("%s: consumed %zu, reference %zu", ctx, ca, cb);
	if ((d = req_diff(&ra, a, &rb, b)) != NULL)
		ck_abort_msg("%s: field %s differs (status %d)", ctx, d,
		    (int)sa);
	if (t != NULL) {
		if (sa == HTTP_OK)
			t->ok++;
		else if (sa == HTTP_INCOMPLETE)
			t->incomplete++;
		else
			t->malformed++;
	}
	free(a);
	free(b);
}

/* Heads like the simulator's (sim/sim.c request_line, request_headers). */
static const char *const sim_heads[] = {
	"GET /english/immigrate/index.asp HTTP/1.1\r\n"
	    "Host: www.cic.gc.ca\r\n"
	    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/54.0.2840.71 "
	    "Safari/537.36\r\n"
	    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
	    "*/*;q=0.8\r\nAccept-Language: en-CA,en;q=0.8\r\n"
	    "Accept-Encoding: gzip, deflate\r\n"
	    "Referer: http://www.cic.gc.ca/english/index.asp\r\n"
	    "Cookie: WT_FPC=id=0123abcd89ef4567; lang=en\r\n\r\n",
	"POST /eta/apply HTTP/1.1\r\nHost:   eta.cic.gc.ca  \r\n"
	    "User-Agent: curl/7.47.0\r\nAccept: text/html,application/"
	    "xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
	    "Accept-Language: fr-CA\r\nAccept-Encoding: gzip, deflate\r\n"
	    "X-Forwarded-For: unknown, 203.0.113.9\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 27\r\n\r\nname=x&country=CA&visa=yes",
	"POST /eta/apply HTTP/1.1\r\nhost: eta.cic.gc.ca\r\n"
	    "User-Agent: Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1;"
	    " Trident/6.0)\r\nForwarded: for=unknown, for=198.51.100.7;"
	    "proto=https\r\nContent-Type: application/"
	    "x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1b\r\nname=x&country=CA&visa=yes\r\n0\r\n\r\n",
	"GET http://www.canada.ca/en/services.html HTTP/1.0\r\n"
	    "Host: www.canada.ca\r\nUser-Agent: Mozilla/5.0 (iPhone; CPU "
	    "iPhone OS 10_1_1 like Mac OS X) AppleWebKit/602.2.14 (KHTML, "
	    "like Gecko) Mobile/14B100\r\nAccept: */*\r\n"
	    "Forwarded: for=\"[2001:db8::7]:4711\";proto=http\r\n"
	    "Connection: keep-alive\r\n\r\n",
	"GET /healthz HTTP/1.1\r\nHost: lb.example\r\n\r\n",
	"GET /english/immigrate/ HTTP/1.1\r\nHost: www.cic.gc.ca\r\n"
	    "User-Agent: scanner\r\n",
	"HEAD /a HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1, 10.0.0.7\r\n"
	    "X-Forwarded-For: unknown\r\nX-Forwarded-For: 192.0.2.9\r\n"
	    "Forwarded: For=\"[2001:db8::1]\"\r\nHost: h\r\n\r\n",
};

/* Heads with everything unusual the parser has to get right. */
static const char *const odd_heads[] = {
	"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	"PUT /x HTTP/1.1\r\nContent-Length: 5, 5 ,5\r\n"
	    "Content-Length: 5\r\n\r\nhello",
	"PUT /x HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n",
	"PUT /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	"PUT /x HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
	"PUT /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
	"PUT /x HTTP/1.1\r\nContent-Length: ,\r\n\r\n",
	"PUT /x HTTP/1.1\r\nContent-Length:\r\n\r\n",
	"PUT /x HTTP/1.1\r\ncontent-length: +5\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n"
	    "Content-Length: 3\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	"POST / HTTP/1.1\r\nTRANSFER-ENCODING: CHUNKED\r\n"
	    "Transfer-Encoding: ,\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: identity\r\n\r\n",
	"PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n",
	"PUT / HTTP/1.1\r\nEXPECT:\t100-CONTINUE \t\r\n\r\n",
	"PUT / HTTP/1.1\r\nExpect: 100-continued\r\n\r\n",
	"GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "\r\n",
	"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
	"CONNECT example.com:443 HTTP/1.0\n\n",
	"OPTIONS * HTTP/1.1\nHost: lf.example\nUpgrade: h2c\n\n",
	"GET /lf HTTP/1.1\nHost: lf\r\nX-A: b\n\r\n",
	"GET / HTTP/1.9\r\nUser-Agent: caf\xc3\xa9 \xff\x80\r\n\r\n",
	"GET / HTTP/1.1\r\nX-Tab:\tleading and trailing\t\r\n"
	    "Host:\t\th\t \t\r\n\r\n",
	"GET / HTTP/1.1\r\nX-Empty:\r\nX-Sp:    \r\nHost:\r\n\r\n",
	"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
	"GET / HTTP/1.1\r\nA: b\0c\r\n\r\n",
	"GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n",
	"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
	"GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09az: tchar\r\n\r\n",
	"GET / HTTP/1.1\r\nX_Under_Score: v\r\n\r\n",
	"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
	"GET / HTTP/1.1\r\n: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\r\n",
	"GET / HTTP/1.1\r\r\n\r\n",
	"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\n\r\n",
	"VERSION_CONTROL /v HTTP/1.1\r\n\r\n",
	"ABCDEFGHIJKLMNOPQRSTUVWX / HTTP/1.1\r\n\r\n",
	"ABCDEFGHIJKLMNOPQRSTUVWXY / HTTP/1.1\r\n\r\n",
	"GET /a?b=c&d=%20#frag HTTP/1.1\r\nForwarded: for=192.0.2.60;"
	    "proto=http;by=203.0.113.43\r\nforwarded: for=\"_gazonk\"\r\n\r\n",
	"GET / HTTP/1.1\r\nX-Forwarded-For: 1\r\nX-Forwarded-For: 2\r\n"
	    "X-Forwarded-For: 3\r\nX-Forwarded-For: 4\r\n"
	    "X-Forwarded-For: 5\r\nX-Forwarded-For: 6\r\n"
	    "X-Forwarded-For: 7\r\nX-Forwarded-For: 8\r\n"
	    "X-Forwarded-For: 9\r\nForwarded: 1\r\nForwarded: 2\r\n"
	    "Forwarded: 3\r\nForwarded: 4\r\nForwarded: 5\r\n"
	    "Forwarded: 6\r\nForwarded: 7\r\nForwarded: 8\r\n"
	    "Forwarded: 9\r\n\r\n",
	"GET / HTTP/1.1\r\nX-Very-Long-Header-Name-Beyond-Sixteen: v\r\n"
	    "Content-Length  : 1\r\n\r\n",
	"GET / HTTP/1.1\r\nUser-Agent: a  b\t c\r\nX: \x80\r\n\r\n",
};

static const char pipelined_next[] = "GET /next HTTP/1.1\r\nHost: n\r\n\r\n";

/* All the heads the deterministic tests walk over, built once. */
struct corpus {
	struct bstr	*h;
	size_t		 n;
};

static void
corpus_add(struct corpus *c, const void *p, size_t n)
{
	c->h = realloc(c->h, (c->n + 1) * sizeof(*c->h));
	ck_assert_ptr_nonnull(c->h);
	memset(&c->h[c->n], 0, sizeof(c->h[c->n]));
	bs_add(&c->h[c->n], p, n);
	c->n++;
}

/* The simulator's long cookie, which pushes a head past one segment. */
static void
add_long_cookie(struct corpus *c, size_t n)
{
	struct bstr b = { NULL, 0, 0 };
	size_t i;

	bs_str(&b, "GET /english/ HTTP/1.1\r\nHost: www.cic.gc.ca\r\n"
	    "User-Agent: curl/7.47.0\r\nCookie: session=");
	for (i = 0; i < n; i++)
		bs_add(&b, &"abcdefghijklmnopqrstuvwxyz0123456789"[i * 7 % 36],
		    1);
	bs_str(&b, "\r\nX-Forwarded-For: 192.0.2.44\r\n\r\n");
	corpus_add(c, b.p, b.n);
	free(b.p);
}

/* Targets around the 8192-byte cap. */
static void
add_long_target(struct corpus *c, size_t n)
{
	struct bstr b = { NULL, 0, 0 };

	bs_str(&b, "GET /");
	bs_fill(&b, 'a', n - 1);
	bs_str(&b, " HTTP/1.1\r\nHost: t\r\n\r\n");
	corpus_add(c, b.p, b.n);
	free(b.p);
}

/* nfields header lines, around the 100-field cap. */
static void
add_many_fields(struct corpus *c, int nfields, bool lf)
{
	struct bstr b = { NULL, 0, 0 };
	char line[64];
	int i;

	bs_str(&b, lf ? "GET / HTTP/1.1\n" : "GET / HTTP/1.1\r\n");
	for (i = 0; i < nfields; i++) {
		snprintf(line, sizeof(line), "%s: v%d%s",
		    i == 50 ? "Host" : i == 60 ? "X-Forwarded-For" : "X-F",
		    i, lf ? "\n" : "\r\n");
		bs_str(&b, line);
	}
	bs_str(&b, lf ? "\n" : "\r\n");
	corpus_add(c, b.p, b.n);
	free(b.p);
}

static struct corpus
corpus_build(void)
{
	struct corpus c = { NULL, 0 };
	struct bstr b = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < sizeof(sim_heads) / sizeof(sim_heads[0]); i++)
		corpus_add(&c, sim_heads[i], strlen(sim_heads[i]));
	for (i = 0; i < sizeof(odd_heads) / sizeof(odd_heads[0]); i++)
		corpus_add(&c, odd_heads[i], strlen(odd_heads[i]));
	/* the NUL case, which strlen cuts */
	corpus_add(&c, "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 27);
	corpus_add(&c, "GET / HTTP/1.1\r\nX\0: c\r\n\r\n", 25);
	/* two heads back to back: only the first is consumed */
	bs_str(&b, sim_heads[0]);
	bs_str(&b, pipelined_next);
	corpus_add(&c, b.p, b.n);
	free(b.p);
	add_long_cookie(&c, 1200);
	add_long_cookie(&c, 2999);
	add_long_target(&c, TARGET_MAX - 1);
	add_long_target(&c, TARGET_MAX);
	add_long_target(&c, TARGET_MAX + 1);
	add_many_fields(&c, FIELDS_MAX - 1, false);
	add_many_fields(&c, FIELDS_MAX, false);
	add_many_fields(&c, FIELDS_MAX + 1, false);
	add_many_fields(&c, FIELDS_MAX, true);
	add_many_fields(&c, FIELDS_MAX + 1, true);
	return c;
}

static void
corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->h[i].p);
	free(c->h);
}

/* Every head whole, and followed by 1..40 bytes of whatever comes next. */
START_TEST(test_ref_whole)
{
	struct corpus c = corpus_build();
	struct tally t = { 0, 0, 0 };
	struct bstr b = { NULL, 0, 0 };
	char ctx[64];
	size_t i, k;

	for (i = 0; i < c.n; i++) {
		for (k = 0; k <= 40; k++) {
			b.n = 0;
			bs_add(&b, c.h[i].p, c.h[i].n);
			bs_add(&b, pipelined_next, k < sizeof(pipelined_next) -
			    1 ? k : sizeof(pipelined_next) - 1);
			bs_fill(&b, 'z', k > 30 ? k - 30 : 0);
			snprintf(ctx, sizeof(ctx), "head %zu + %zu", i, k);
			compare(b.p, b.n, &t, ctx);
		}
	}
	free(b.p);
	ck_assert_uint_gt(t.ok, 0);
	ck_assert_uint_gt(t.malformed, 0);
	corpus_free(&c);
}
END_TEST

/* Every prefix: the buffer ends at each byte in turn. */
START_TEST(test_ref_prefixes)
{
	struct corpus c = corpus_build();
	struct tally t = { 0, 0, 0 };
	char ctx[64];
	size_t i, n;

	for (i = 0; i < c.n; i++)
		for (n = 0; n <= c.h[i].n; n++) {
			snprintf(ctx, sizeof(ctx), "head %zu prefix %zu", i, n);
			compare(c.h[i].p, n, &t, ctx);
		}
	ck_assert_uint_gt(t.ok, 0);
	ck_assert_uint_gt(t.incomplete, 0);
	ck_assert_uint_gt(t.malformed, 0);
	corpus_free(&c);
}
END_TEST

/*
 * Every byte of every head (up to 600 bytes in, which covers all but the
 * long ones) replaced by each of the 256 values; the long heads get a
 * stride through them instead.
 */
START_TEST(test_ref_corrupt)
{
	struct corpus c = corpus_build();
	struct tally t = { 0, 0, 0 };
	char ctx[64];
	uint8_t *s;
	size_t i, pos, step;
	unsigned v;

	for (i = 0; i < c.n; i++) {
		s = malloc(c.h[i].n);
		ck_assert_ptr_nonnull(s);
		step = c.h[i].n > 600 ? 97 : 1;
		for (pos = 0; pos < c.h[i].n; pos += step)
			for (v = 0; v < 256; v++) {
				memcpy(s, c.h[i].p, c.h[i].n);
				s[pos] = (uint8_t)v;
				snprintf(ctx, sizeof(ctx),
				    "head %zu pos %zu val %u", i, pos, v);
				compare(s, c.h[i].n, &t, ctx);
			}
		free(s);
	}
	ck_assert_uint_gt(t.ok, 0);
	ck_assert_uint_gt(t.incomplete, 0);
	ck_assert_uint_gt(t.malformed, 0);
	corpus_free(&c);
}
END_TEST

/* Bytes the mutator likes: line ends, separators, controls, obs-text. */
static const uint8_t interesting[] = { '\r', '\n', ' ', '\t', ':', ',',
    '\0', 0x7f, 0x80, 0xff, 0x1f, 0x20, 0x21, 0x7e, 'A', 'z', '0', '9',
    '-', '_', ';', '"', '/', '?' };

/* One random edit of b: replace, insert, delete, cut or duplicate. */
static void
mutate(struct bstr *b, uint64_t *rng)
{
	size_t pos, n, len;
	uint8_t v;

	if (b->n == 0) {
		v = interesting[rng_below(rng, sizeof(interesting))];
		bs_add(b, &v, 1);
		return;
	}
	pos = rng_below(rng, b->n);
	v = rng_below(rng, 2) ? (uint8_t)rng_next(rng) :
	    interesting[rng_below(rng, sizeof(interesting))];
	switch (rng_below(rng, 6)) {
	case 0:
	case 1:
		b->p[pos] = v;
		break;
	case 2:		/* insert */
		bs_add(b, &v, 1);
		memmove(b->p + pos + 1, b->p + pos, b->n - pos - 1);
		b->p[pos] = v;
		break;
	case 3:		/* delete a run */
		n = 1 + rng_below(rng, 8);
		if (n > b->n - pos)
			n = b->n - pos;
		memmove(b->p + pos, b->p + pos + n, b->n - pos - n);
		b->n -= n;
		break;
	case 4:		/* cut */
		b->n = pos;
		break;
	default:	/* duplicate a run somewhere else */
		len = 1 + rng_below(rng, 64);
		if (len > b->n - pos)
			len = b->n - pos;
		n = rng_below(rng, b->n + 1);
		{
			uint8_t tmp[64];

			memcpy(tmp, b->p + pos, len);
			bs_add(b, tmp, len);
			memmove(b->p + n + len, b->p + n, b->n - len - n);
			memcpy(b->p + n, tmp, len);
		}
		break;
	}
}

START_TEST(test_ref_random)
{
	struct corpus c = corpus_build();
	struct tally t = { 0, 0, 0 };
	struct bstr b = { NULL, 0, 0 };
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	char ctx[64];
	size_t i, k, nmut, iter;

	for (iter = 0; iter < 400000; iter++) {
		i = rng_below(&rng, c.n);
		b.n = 0;
		bs_add(&b, c.h[i].p, c.h[i].n);
		nmut = 1 + rng_below(&rng, 4);
		for (k = 0; k < nmut; k++)
			mutate(&b, &rng);
		snprintf(ctx, sizeof(ctx), "iteration %zu", iter);
		compare(b.p, b.n, &t, ctx);
	}
	free(b.p);
	ck_assert_uint_gt(t.ok, 0);
	ck_assert_uint_gt(t.incomplete, 0);
	ck_assert_uint_gt(t.malformed, 0);
	corpus_free(&c);
}
END_TEST

/* Random bytes drawn mostly from the characters that steer the parser. */
START_TEST(test_ref_noise)
{
	static const char alpha[] = "GET HTTP/1.1\r\n: \tHost-x,0";
	uint64_t rng = 42;
	uint8_t s[96];
	char ctx[64];
	size_t iter, n, j, pre;
	struct tally t = { 0, 0, 0 };

	for (iter = 0; iter < 200000; iter++) {
		pre = rng_below(&rng, 3);
		n = 0;
		if (pre > 0) {
			memcpy(s, "GET / HTTP/1.1\r\n", 16);
			n = 16;
		}
		if (pre > 1) {
			memcpy(s + n, "Host: abcdefghijklmnop\r\n", 24);
			n += 24;
		}
		for (j = rng_below(&rng, sizeof(s) - n + 1); j > 0; j--) {
			if (rng_below(&rng, 8) == 0)
				s[n++] = (uint8_t)rng_next(&rng);
			else
				s[n++] = (uint8_t)alpha[rng_below(&rng,
				    sizeof(alpha) - 1)];
		}
		snprintf(ctx, sizeof(ctx), "noise %zu", iter);
		compare(s, n, &t, ctx);
	}
	ck_assert_uint_gt(t.ok, 0);
	ck_assert_uint_gt(t.incomplete, 0);
	ck_assert_uint_gt(t.malformed, 0);
}
END_TEST

/* One case per test, so CK_RUN_CASE can pick one. */
static void
add_case(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

static Suite *
http_ref_suite(void)
{
	Suite *s = suite_create("http_ref");

	add_case(s, "whole", test_ref_whole);
	add_case(s, "prefixes", test_ref_prefixes);
	add_case(s, "corrupt", test_ref_corrupt);
	add_case(s, "random", test_ref_random);
	add_case(s, "noise", test_ref_noise);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_ref_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

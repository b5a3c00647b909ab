/*
 * fuzz_http.c - the HTTP/1.x request head parser and chunked skipping.
 *
 * The whole input is one stream from a client.  Checked beyond "no
 * crash": an accepted head ends within the input and its views lie inside
 * it; every shorter prefix of an accepted head is HTTP_INCOMPLETE (the
 * parser is resumable, http.h); http_probe agrees with the parser on
 * accepted heads.  The bytes after the head (or the whole input when
 * there is no head) go to the chunked state machine twice, whole and in
 * pieces whose sizes come from the input, and both runs must agree.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "fuzz.h"
#include "http.h"

struct fz_sum {
	const uint8_t	*lo;
	size_t		 n;
	uint64_t	 sum;
};

static void
touch(struct fz_sum *s, const struct view *v)
{
	const uint8_t *p = (const uint8_t *)v->p;
	size_t i;

	if (v->n == 0)
		return;
	/* Views point into the buffer given (http.h). */
	if (p < s->lo || (size_t)(p - s->lo) > s->n ||
	    v->n > s->n - (size_t)(p - s->lo))
		abort();
	for (i = 0; i < v->n; i++)
		s->sum = s->sum * 31 + p[i];
}

static void
touch_req(struct fz_sum *s, const struct http_req *r)
{
	struct view host, path;
	size_t i;

	if (r->nxff > HTTP_MAX_FWD || r->nfwd > HTTP_MAX_FWD)
		abort();
	touch(s, &r->method);
	touch(s, &r->target);
	touch(s, &r->host);
	for (i = 0; i < r->nxff; i++)
		touch(s, &r->xff[i]);
	for (i = 0; i < r->nfwd; i++)
		touch(s, &r->fwd[i]);
	http_request_host_path(r, &host, &path);
	touch(s, &host);
	touch(s, &path);
}

/* A head that was accepted must be INCOMPLETE when cut at k < consumed. */
static void
check_prefix(const uint8_t *data, size_t k)
{
	struct http_req req;
	size_t used;
	uint8_t *b;

	b = fuzz_dup(data, k);
	if (http_parse_request(b, k, &req, &used) != HTTP_INCOMPLETE)
		abort();
	free(b);
}

/* Feed all of buf at once; returns bytes of body, (size_t)-1 on error. */
static size_t
chunked_whole(const uint8_t *buf, size_t n, bool *done)
{
	struct http_chunked ch;

	http_chunked_init(&ch);
	return http_chunked_feed(&ch, buf, n, done);
}

/* The same in pieces of 1..16 bytes, sizes taken from seed. */
static size_t
chunked_split(const uint8_t *buf, size_t n, uint32_t seed, bool *done)
{
	struct http_chunked ch;
	size_t off = 0, piece, r;
	uint8_t *b;

	http_chunked_init(&ch);
	*done = false;
	while (off < n && !*done) {
		seed = seed * 1103515245u + 12345u;
		piece = 1 + (seed >> 16) % 16;
		if (piece > n - off)
			piece = n - off;
		b = fuzz_dup(buf + off, piece);
		r = http_chunked_feed(&ch, b, piece, done);
		free(b);
		if (r == (size_t)-1)
			return r;
		if (r > piece || (r < piece && !*done))
			abort();
		off += r;
	}
	return off;
}

static void
check_chunked(const uint8_t *buf, size_t n, uint32_t seed)
{
	bool d1, d2;
	size_t r1, r2;

	r1 = chunked_whole(buf, n, &d1);
	r2 = chunked_split(buf, n, seed, &d2);
	if (r1 != (size_t)-1 && r1 > n)
		abort();
	if (r1 != r2 || (r1 != (size_t)-1 && d1 != d2))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req req;
	struct fz_sum s;
	volatile uint64_t sink;
	enum http_status st;
	size_t used = 0, k;
	uint32_t seed;

	s.lo = data;
	s.n = size;
	s.sum = 0;
	seed = size > 0 ? (uint32_t)data[size - 1] * 2654435761u : 1;
	(void)http_probe(data, size);
	st = http_parse_request(data, size, &req, &used);
	if (st == HTTP_OK) {
		if (used == 0 || used > size)
			abort();
		touch_req(&s, &req);
		if (http_probe(data, used) != HTTP_OK)
			abort();
		/* Every prefix costs a parse: sample a few cut points. */
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			check_prefix(data, (seed >> 8) % used);
		}
		check_prefix(data, used - 1);
		check_chunked(data + used, size - used, seed);
	} else
		check_chunked(data, size, seed);
	sink = s.sum;
	(void)sink;
	return 0;
}

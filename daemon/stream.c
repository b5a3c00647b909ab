/*
 * stream.c - request heads and ClientHellos in an in-order byte stream.
 *
 * Each state handler consumes a prefix of the new bytes and may change the
 * state; stream_data loops until the bytes are used up.  Handlers never
 * read past the bytes given, and a head that does not fit in one segment
 * is copied into a pooled buffer of head_limit bytes.
 */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#define STREAM_MAX_HELLOS	4	/* HelloRetryRequest gives two */
#define TLS_SCRATCH		(64 * 1024)
#define TLS_CCS			20

struct chunk {
	const uint8_t	*p;
	size_t		 n;
};

static void
chunk_advance(struct chunk *c, size_t k)
{
	if (k > c->n)
		k = c->n;
	c->p += k;
	c->n -= k;
}

int
stream_env_init(struct stream_env *env, struct stats *st, size_t head_limit,
    size_t max_bufs)
{
	memset(env, 0, sizeof(*env));
	env->stats = st;
	env->head_limit = head_limit;
	env->max_bufs = max_bufs;
	env->bufs = calloc(max_bufs ? max_bufs : 1, sizeof(*env->bufs));
	env->free_bufs = calloc(max_bufs ? max_bufs : 1,
	    sizeof(*env->free_bufs));
	env->scratchcap = TLS_SCRATCH;
	env->scratch = malloc(env->scratchcap);
	if (env->bufs == NULL || env->free_bufs == NULL ||
	    env->scratch == NULL) {
		stream_env_fini(env);
		return -1;
	}
	return 0;
}

void
stream_env_fini(struct stream_env *env)
{
	size_t i;

	if (env->bufs != NULL)
		for (i = 0; i < env->nbufs; i++)
			free(env->bufs[i]);
	free(env->bufs);
	free(env->free_bufs);
	free(env->scratch);
	memset(env, 0, sizeof(*env));
}

/* A head buffer from the pool, allocated the first time only. */
static int32_t
buf_get(struct stream_env *env)
{
	if (env->nfree > 0)
		return env->free_bufs[--env->nfree];
	if (env->nbufs >= env->max_bufs)
		return -1;
	env->bufs[env->nbufs] = malloc(env->head_limit);
	if (env->bufs[env->nbufs] == NULL)
		return -1;
	return (int32_t)env->nbufs++;
}

static void
buf_put(struct stream_env *env, struct stream *s)
{
	if (s->buf >= 0)
		env->free_bufs[env->nfree++] = s->buf;
	s->buf = -1;
	s->buflen = 0;
}

int32_t
stream_pool_get(struct stream_env *env)
{
	return buf_get(env);
}

void
stream_pool_put(struct stream_env *env, int32_t i)
{
	if (i >= 0)
		env->free_bufs[env->nfree++] = i;
}

uint8_t *
stream_pool_mem(struct stream_env *env, int32_t i)
{
	return env->bufs[i];
}

bool
stream_wants_data(const struct stream *s)
{
	return s->state != STREAM_IGNORE;
}

void
stream_init(struct stream *s, bool mid_stream)
{
	memset(s, 0, sizeof(*s));
	s->buf = -1;
	s->state = mid_stream ? STREAM_RESYNC : STREAM_NEW;
	s->line_start = mid_stream;
	s->mid = mid_stream;
}

void
stream_fini(struct stream_env *env, struct stream *s)
{
	buf_put(env, s);
	s->state = STREAM_IGNORE;
}

void
stream_set_server(struct stream_env *env, struct stream *s)
{
	buf_put(env, s);
	s->state = STREAM_IGNORE;
	s->server = true;
}

bool
stream_is_server(const struct stream *s)
{
	return s->server;
}

void
stream_gap(struct stream_env *env, struct stream *s)
{
	buf_put(env, s);
	if (s->state == STREAM_IGNORE)
		return;
	/* Requests mostly start segments: try the next one's first byte. */
	s->state = STREAM_RESYNC;
	s->line_start = true;
}

static void
to_resync(struct stream_env *env, struct stream *s, bool line_start)
{
	buf_put(env, s);
	s->state = STREAM_RESYNC;
	s->line_start = line_start;
}

/*
 * The bytes to parse: the new ones directly, or appended to the partial
 * head already buffered.  *old is how many were buffered before.
 */
static void
head_view(struct stream_env *env, struct stream *s, const struct chunk *c,
    struct chunk *h, size_t *old)
{
	size_t take;
	uint8_t *b;

	*old = s->buflen;
	if (s->buf < 0) {
		*h = *c;
		return;
	}
	b = env->bufs[s->buf];
	take = env->head_limit - s->buflen;
	if (take > c->n)
		take = c->n;
	memcpy(b + s->buflen, c->p, take);
	s->buflen += (uint32_t)take;
	h->p = b;
	h->n = s->buflen;
}

/*
 * The head is not complete: keep what we have for the next segment.
 * Returns false when it cannot be kept (over the limit, pool empty).
 */
static bool
head_wait(struct stream_env *env, struct stream *s, struct chunk *c)
{
	if (s->buf < 0) {
		if (c->n >= env->head_limit || (s->buf = buf_get(env)) < 0) {
			env->stats->oversized_heads++;
			return false;
		}
		memcpy(env->bufs[s->buf], c->p, c->n);
		s->buflen = (uint32_t)c->n;
	} else if (s->buflen >= env->head_limit) {
		env->stats->oversized_heads++;
		return false;
	}
	chunk_advance(c, c->n);
	return true;
}

/* After a head: where the next request starts (RFC 9112 section 6.3). */
static void
after_request(struct stream_env *env, struct stream *s,
    const struct http_req *req)
{
	if (req->upgrade) {
		s->state = STREAM_TUNNEL;
	} else if (req->chunked) {
		http_chunked_init(&s->ch);
		s->state = STREAM_CHUNKED;
	} else if (req->bad_length) {
		env->stats->http_malformed++;
		to_resync(env, s, true);
	} else if (req->has_length && req->content_length > 0) {
		s->body_left = req->content_length;
		s->expect = req->expect_continue;
		s->state = STREAM_BODY;
	} else {
		s->state = STREAM_HTTP;
	}
}

static void
st_http(struct stream_env *env, struct stream *s, const struct ip_addr *src,
    struct chunk *c)
{
	struct http_req req;
	struct chunk h;
	size_t used, old;
	struct hit hit;

	head_view(env, s, c, &h, &old);
	switch (http_parse_request(h.p, h.n, &req, &used)) {
	case HTTP_OK:
		env->stats->http_requests++;
		hit = (struct hit){ HIT_HTTP, src, &req, NULL };
		env->on_hit(env->arg, &hit);
		chunk_advance(c, used > old ? used - old : 0);
		buf_put(env, s);
		after_request(env, s, &req);
		break;
	case HTTP_INCOMPLETE:
		if (!head_wait(env, s, c))
			to_resync(env, s, false);
		break;
	case HTTP_MALFORMED:
		env->stats->http_malformed++;
		to_resync(env, s, false);
		break;
	}
}

/* Skip a record that may sit between ClientHellos (HelloRetryRequest). */
static bool
tls_skip_ccs(struct stream *s, struct chunk *c)
{
	size_t len;

	if (s->buf >= 0 || s->hellos == 0 || c->n < 5 || c->p[0] != TLS_CCS)
		return false;
	len = (size_t)c->p[3] << 8 | c->p[4];
	if (c->n - 5 < len)
		return false;
	chunk_advance(c, 5 + len);
	return true;
}

static void
st_tls(struct stream_env *env, struct stream *s, const struct ip_addr *src,
    struct chunk *c)
{
	struct tls_hello hello;
	struct chunk h;
	size_t used, old;
	struct hit hit;

	if (tls_skip_ccs(s, c))
		return;
	head_view(env, s, c, &h, &old);
	switch (tls_parse_client_hello(h.p, h.n, env->scratch,
	    env->scratchcap, &hello, &used)) {
	case TLS_OK:
		env->stats->tls_handshakes++;
		hit = (struct hit){ HIT_TLS, src, NULL, &hello };
		env->on_hit(env->arg, &hit);
		chunk_advance(c, used > old ? used - old : 0);
		buf_put(env, s);
		if (++s->hellos >= STREAM_MAX_HELLOS)
			s->state = STREAM_IGNORE;
		break;
	case TLS_INCOMPLETE:
		if (!head_wait(env, s, c)) {
			buf_put(env, s);
			s->state = STREAM_IGNORE;
		}
		break;
	case TLS_MALFORMED:
	case TLS_NOT_TLS:
		/* After a hello the rest is key exchange or encrypted. */
		if (s->hellos == 0)
			env->stats->tls_malformed++;
		buf_put(env, s);
		s->state = STREAM_IGNORE;
		break;
	}
}

static bool
looks_like_response(const struct chunk *c)
{
	return c->n >= 5 && memcmp(c->p, "HTTP/", 5) == 0;
}

/* First bytes of a direction, or of a tunnel: what protocol is this? */
static void
st_new(struct stream *s, const struct chunk *c)
{
	if (s->state == STREAM_NEW && looks_like_response(c)) {
		s->server = true;
		s->state = STREAM_IGNORE;
	} else if (http_probe(c->p, c->n) != HTTP_MALFORMED) {
		s->state = STREAM_HTTP;
	} else if (tls_probe(c->p, c->n) != TLS_NOT_TLS) {
		s->state = STREAM_TLS;
	} else {
		s->state = STREAM_IGNORE;
	}
}

/*
 * Could a request start at p?  True when the bytes are a valid request
 * head or a prefix of one; a prefix cut by the segment end is then
 * completed (or rejected) in STREAM_HTTP.
 */
static bool
request_starts(const uint8_t *p, size_t n)
{
	struct http_req req;
	size_t used;

	return http_probe(p, n) != HTTP_MALFORMED &&
	    http_parse_request(p, n, &req, &used) != HTTP_MALFORMED;
}

/* Scan for a line start followed by a request line. */
static void
st_resync(struct stream_env *env, struct stream *s, struct chunk *c)
{
	const uint8_t *nl;
	size_t at = 0;

	if (s->line_start && looks_like_response(c)) {
		/* A response at a segment start: this is the server side. */
		s->server = true;
		s->state = STREAM_IGNORE;
		return;
	}
	for (;;) {
		if (s->line_start && request_starts(c->p + at, c->n - at)) {
			env->stats->resyncs++;
			chunk_advance(c, at);
			s->state = STREAM_HTTP;
			s->line_start = false;
			return;
		}
		nl = memchr(c->p + at, '\n', c->n - at);
		if (nl == NULL)
			break;
		at = (size_t)(nl - c->p) + 1;
		s->line_start = true;
		if (at == c->n)
			break;
	}
	s->line_start = c->n > 0 && c->p[c->n - 1] == '\n';
	chunk_advance(c, c->n);
}

static void
st_body(struct stream *s, struct chunk *c)
{
	size_t k;

	if (s->expect) {
		/* 100-continue refused: the next request came instead. */
		s->expect = false;
		if (request_starts(c->p, c->n)) {
			s->state = STREAM_HTTP;
			return;
		}
	}
	k = c->n;
	if ((uint64_t)k > s->body_left)
		k = (size_t)s->body_left;
	chunk_advance(c, k);
	s->body_left -= k;
	if (s->body_left == 0)
		s->state = STREAM_HTTP;
}

static void
st_chunked(struct stream_env *env, struct stream *s, struct chunk *c)
{
	bool done = false;
	size_t k;

	k = http_chunked_feed(&s->ch, c->p, c->n, &done);
	if (k == (size_t)-1) {
		env->stats->http_malformed++;
		to_resync(env, s, false);
		return;
	}
	chunk_advance(c, k);
	if (done)
		s->state = STREAM_HTTP;
}

void
stream_data(struct stream_env *env, struct stream *s,
    const struct ip_addr *src, const uint8_t *p, size_t n)
{
	struct chunk c = { p, n };

	while (c.n > 0) {
		switch (s->state) {
		case STREAM_NEW:
		case STREAM_TUNNEL:
			st_new(s, &c);
			break;
		case STREAM_HTTP:
			st_http(env, s, src, &c);
			break;
		case STREAM_BODY:
			st_body(s, &c);
			break;
		case STREAM_CHUNKED:
			st_chunked(env, s, &c);
			break;
		case STREAM_TLS:
			st_tls(env, s, src, &c);
			break;
		case STREAM_RESYNC:
			st_resync(env, s, &c);
			break;
		default:
			return;
		}
	}
}

/*
 * http.c - HTTP/1.x request head parser and chunked body skipper.
 *
 * The head parser walks the buffer one byte at a time through a cursor and
 * validates each byte as it goes, so a buffer that ends mid-head is
 * "incomplete" only while everything seen so far can still be a request;
 * the first byte that can never be valid makes it "malformed" at once and
 * the caller stops buffering garbage.  Line endings are CRLF or a bare LF
 * (RFC 9112 section 2.2).
 *
 * That byte loop is the arbiter, but most heads never reach it: each
 * line is first looked at whole, its first byte outside SP..'~' found 16
 * bytes at a time (SSE2) or 8 (a portable word loop), and only a line
 * ending in anything but CRLF or LF -- HTAB, obs-text, controls, a bare
 * CR, the end of the buffer -- goes byte by byte.  Compile with
 * -DHTTP_PORTABLE to use the word loop on SSE2 machines as well, which is
 * how the tests cover both.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && !defined(HTTP_PORTABLE)
#define HTTP_SSE2
#include <emmintrin.h>
#endif

#include "cursor.h"
#include "http.h"

#define HTTP_METHOD_MAX		24	/* longest method token we accept */
#define HTTP_TARGET_MAX		8192	/* RFC 9112 3: at least 8000 */
#define HTTP_FIELDS_MAX		100	/* header fields per head */
#define HTTP_CLEN_DIGITS	19	/* always fits a uint64_t */
#define CHUNK_LINE_MAX		4096	/* chunk-size line or trailer line */
#define CHUNK_HEX_MAX		16	/* hex digits of a chunk-size */

/* Per-head bookkeeping that does not belong in struct http_req. */
struct http_seen {
	bool	host;
	bool	te;
};

static int
is_method_char(uint8_t ch)
{
	return (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_';
}

/*
 * RFC 9110 5.6.2: tchar, one table lookup per byte of a field name:
 * ALPHA, DIGIT and "!#$%&'*+-.^_`|~".
 */
static const uint8_t tchar_tab[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,	/* 0x70 */
};

/* RFC 9110 5.5: field-vchar (including obs-text), SP or HTAB. */
static int
is_field_char(uint8_t ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

/*
 * Eight bytes at a time over field values (Mycroft's zero-byte test): a
 * word passes when no byte is below 0x20 (CR, LF, HTAB, controls) and none
 * is DEL.  A word that fails is looked at byte by byte, so the answer is
 * exactly is_field_char's; the test only has to be exact about whether a
 * word holds such a byte at all, which it is for thresholds up to 0x80.
 */
#define SWAR_ONES	0x0101010101010101ULL
#define SWAR_LOWS	0x7f7f7f7f7f7f7f7fULL
#define SWAR_HIGHS	0x8080808080808080ULL

static bool
word_all_field_vchar(uint64_t w)
{
	uint64_t del = w ^ (SWAR_ONES * 0x7f);

	return ((((w - SWAR_ONES * 0x20) & ~w) |
	    ((del - SWAR_ONES) & ~del)) & SWAR_HIGHS) == 0;
}

/*
 * The first of p[i..n) outside lo..0x7e (lo is 0x20 or 0x21), or n.
 * Eight bytes at a time: with each byte's high bit cleared (t) no
 * addition carries into the next byte, t + 1 reaches 0x80 only for DEL
 * and t + (0x80 - lo) only for t >= lo; w itself has the high bit of the
 * bytes >= 0x80.  A word that fails is finished byte by byte, which also
 * does the last few bytes.
 */
static inline size_t
span_plain_words(const uint8_t *p, size_t n, size_t i, unsigned lo)
{
	const uint64_t k = SWAR_ONES * (0x80 - lo);
	uint64_t w, t;

	while (n - i >= 8) {
		memcpy(&w, p + i, 8);
		t = w & SWAR_LOWS;
		if (((w | (t + SWAR_ONES) | ~(t + k)) & SWAR_HIGHS) != 0)
			break;
		i += 8;
	}
	while (i < n && p[i] >= lo && p[i] <= 0x7e)
		i++;
	return i;
}

#ifdef HTTP_SSE2
/*
 * 16-bit mask of the bytes of x outside lo..0x7e.  Adding 1 wraps DEL to
 * 0x80 and 0xff to 0, so one signed compare finds them all: x + 1 is
 * below lo + 1 exactly for x < lo, x == 0x7f and x >= 0x80.
 */
static inline unsigned
sse2_odd_bytes(__m128i x, unsigned lo)
{
	__m128i y = _mm_add_epi8(x, _mm_set1_epi8(1));

	return (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(y,
	    _mm_set1_epi8((char)(lo + 1))));
}

static inline __m128i
sse2_load(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Mask of the bytes of x in a..a+span, unsigned. */
static inline unsigned
sse2_in(__m128i x, char a, char span)
{
	__m128i d = _mm_subs_epu8(_mm_sub_epi8(x, _mm_set1_epi8(a)),
	    _mm_set1_epi8(span));

	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(d,
	    _mm_setzero_si128()));
}

/*
 * span_plain_words sixteen bytes at a time, two blocks per turn while
 * they last (long values: cookies, user agents).  The last block is
 * loaded ending at n, overlapping bytes already seen, whose bits are
 * shifted out; only a buffer shorter than one block takes the word loop.
 */
static inline size_t
span_plain(const uint8_t *p, size_t n, size_t i, unsigned lo)
{
	unsigned m;

	if (n < 16)
		return span_plain_words(p, n, i, lo);
	for (; n - i >= 32; i += 32)
		if ((m = sse2_odd_bytes(sse2_load(p + i), lo) |
		    sse2_odd_bytes(sse2_load(p + i + 16), lo) << 16) != 0)
			return i + (unsigned)__builtin_ctz(m);
	for (; n - i >= 16; i += 16)
		if ((m = sse2_odd_bytes(sse2_load(p + i), lo)) != 0)
			return i + (unsigned)__builtin_ctz(m);
	if (i == n)
		return n;
	m = sse2_odd_bytes(sse2_load(p + n - 16), lo) >> (16 - (n - i));
	return m != 0 ? i + (unsigned)__builtin_ctz(m) : n;
}

/*
 * The usual method: 1..15 capital letters and a space, in the 16 bytes
 * at p (the caller has checked they are there).  Returns its length, or
 * 0 when the byte loop has to decide.
 */
static inline size_t
method_len_fast(const uint8_t *p)
{
	unsigned other = ~sse2_in(sse2_load(p), 'A', 25) & 0xffff;
	size_t i;

	if (other == 0)
		return 0;
	i = (unsigned)__builtin_ctz(other);
	return p[i] == ' ' ? i : 0;
}

/*
 * A field line whose name is letters and '-' ended by ':' within the 16
 * bytes at p, the usual case (the caller has checked that 16 bytes are
 * there).  Returns the name's length and sets *e to the first byte
 * after the colon outside SP..'~' -- in this block, or found by
 * span_plain after it -- or returns 0 and the byte loop decides.
 */
static inline size_t
field_fast(const uint8_t *p, size_t left, size_t *e)
{
	__m128i x = sse2_load(p);
	unsigned colon, name, want, odd;

	colon = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8(':')));
	/* (x | 0x20) - 'a' <= 25 exactly for ASCII letters */
	name = sse2_in(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 25) |
	    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8('-')));
	/*
	 * want: the bytes before the first ':'.  Without a ':' it has bits
	 * above 15, which name lacks; with an empty name it is 0 and so is
	 * the length returned, which sends the caller to the byte loop.
	 */
	want = (colon & -colon) - 1;
	if ((name & want) != want)
		return 0;
	odd = sse2_odd_bytes(x, 0x20) & ~(want << 1 | 1);
	*e = odd != 0 ? (unsigned)__builtin_ctz(odd) :
	    span_plain(p, left, 16, 0x20);
	return (unsigned)__builtin_ctz(colon);
}
#else
static inline size_t
span_plain(const uint8_t *p, size_t n, size_t i, unsigned lo)
{
	return span_plain_words(p, n, i, lo);
}

static inline size_t
method_len_fast(const uint8_t *p)
{
	(void)p;
	return 0;
}

static inline size_t
field_fast(const uint8_t *p, size_t left, size_t *e)
{
	(void)p;
	(void)left;
	(void)e;
	return 0;
}
#endif

static int
is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/*
 * Case-insensitive compare of a view with a string of n bytes.  Callers
 * use VIEW_EQ_CI with a literal, whose length is known when compiling:
 * most field names differ in length and are rejected at once.
 */
#define VIEW_EQ_CI(v, lit)	view_eq_ci((v), (lit), sizeof(lit) - 1)

static bool
view_eq_ci(const struct view *v, const char *s, size_t n)
{
	size_t i;

	if (v->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)v->p[i]) != lower((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * The same for a field name and a lower-case literal of letters and '-'.
 * Names are tchars, and among tchars or-ing in 0x20 maps exactly 'A'..'Z'
 * onto a letter and leaves '-' alone (0x0d, the other byte that would
 * give '-', is no tchar): view_eq_ci's answer, lowering one side only.
 * All the literals are at least 4 bytes long.
 */
#define NAME_IS(v, lit)	name_is((v), (lit), sizeof(lit) - 1)

/* Four bytes of a name against four of a literal, a word at a time. */
static bool
name_word_is(const char *name, const char *lit)
{
	uint32_t a, b;

	memcpy(&a, name, 4);
	memcpy(&b, lit, 4);
	return (a | 0x20202020U) == b;
}

static bool
name_is(const struct view *v, const char *s, size_t n)
{
	size_t i;

	if (v->n != n)
		return false;
	for (i = 0; n - i >= 4; i += 4)
		if (!name_word_is(v->p + i, s + i))
			return false;
	/* the last bytes: the final word overlaps the one before */
	return i == n || name_word_is(v->p + n - 4, s + n - 4);
}

#define VIEW_HAS_PREFIX_CI(v, lit) \
	view_has_prefix_ci((v), (lit), sizeof(lit) - 1)

static bool
view_has_prefix_ci(const struct view *v, const char *s, size_t n)
{
	size_t i;

	if (v->n < n)
		return false;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)v->p[i]) != lower((unsigned char)s[i]))
			return false;
	return true;
}

static struct view
view_trim(struct view v)
{
	while (v.n > 0 && is_ows(v.p[0])) {
		v.p++;
		v.n--;
	}
	while (v.n > 0 && is_ows(v.p[v.n - 1]))
		v.n--;
	return v;
}

/*
 * Split the next comma-separated list element (RFC 9110 5.6.1) off *list
 * into *elem, trimmed of OWS.  Returns false when the list is used up.
 */
static bool
view_next_elem(struct view *list, struct view *elem)
{
	size_t i;

	if (list->p == NULL)
		return false;
	for (i = 0; i < list->n && list->p[i] != ','; i++)
		continue;
	elem->p = list->p;
	elem->n = i;
	*elem = view_trim(*elem);
	if (i < list->n) {
		list->p += i + 1;
		list->n -= i + 1;
	} else
		list->p = NULL;
	return true;
}

static int
peek(const struct cursor *c, uint8_t *ch)
{
	if (c->left < 1)
		return -1;
	*ch = c->p[0];
	return 0;
}

/* RFC 9112 2.2: CRLF, or a bare LF which a recipient may accept. */
static enum http_status
scan_eol(struct cursor *c)
{
	uint8_t ch;

	if (cur_u8(c, &ch) == -1)
		return HTTP_INCOMPLETE;
	if (ch == '\n')
		return HTTP_OK;
	if (ch != '\r')
		return HTTP_MALFORMED;
	if (cur_u8(c, &ch) == -1)
		return HTTP_INCOMPLETE;
	return ch == '\n' ? HTTP_OK : HTTP_MALFORMED;
}

/* RFC 9112 3.1: method SP.  Sets *n to the method length. */
static enum http_status
scan_method(struct cursor *c, size_t *n)
{
	uint8_t ch;
	size_t i;

	for (i = 0;; i++) {
		if (cur_u8(c, &ch) == -1)
			return HTTP_INCOMPLETE;
		if (ch == ' ' && i > 0)
			break;
		if (!is_method_char(ch) || i == HTTP_METHOD_MAX)
			return HTTP_MALFORMED;
	}
	*n = i;
	return HTTP_OK;
}

/* RFC 9112 3.2: request-target SP; visible characters only. */
static enum http_status
scan_target_bytes(struct cursor *c, size_t *n)
{
	uint8_t ch;
	size_t i;

	for (i = 0;; i++) {
		if (i == c->left)
			return HTTP_INCOMPLETE;
		ch = c->p[i];
		if (ch == ' ' && i > 0)
			break;
		if (ch <= 0x20 || ch >= 0x7f || i == HTTP_TARGET_MAX)
			return HTTP_MALFORMED;
	}
	*n = i;
	(void)cur_skip(c, i + 1);
	return HTTP_OK;
}

/*
 * The common case first: the first byte outside '!'..'~' found a block
 * at a time, and it is the space.  Anything else (no space yet, an empty
 * or too long target, a byte out of range) takes the byte loop, whose
 * answer is the one that counts; the fast path only ever agrees with it.
 */
static enum http_status
scan_target(struct cursor *c, size_t *n)
{
	size_t lim = c->left < HTTP_TARGET_MAX + 1 ? c->left :
	    HTTP_TARGET_MAX + 1;
	size_t i;

	i = span_plain(c->p, lim, 0, 0x21);
	if (i < lim && i > 0 && c->p[i] == ' ') {
		*n = i;
		(void)cur_skip(c, i + 1);
		return HTTP_OK;
	}
	return scan_target_bytes(c, n);
}

/* RFC 9112 2.3: HTTP-version, restricted to 1.x, then the line end. */
static enum http_status
scan_version_bytes(struct cursor *c, int *minor)
{
	static const char pfx[] = "HTTP/1.";
	uint8_t ch;
	size_t i;

	for (i = 0; i < sizeof(pfx) - 1; i++) {
		if (cur_u8(c, &ch) == -1)
			return HTTP_INCOMPLETE;
		if (ch != (uint8_t)pfx[i])
			return HTTP_MALFORMED;
	}
	if (cur_u8(c, &ch) == -1)
		return HTTP_INCOMPLETE;
	if (ch < '0' || ch > '9')
		return HTTP_MALFORMED;
	*minor = ch - '0';
	return scan_eol(c);
}

/* "HTTP/1.x" CRLF or LF all there, the usual case; else the byte loop. */
static enum http_status
scan_version(struct cursor *c, int *minor)
{
	const uint8_t *p = c->p;
	size_t eol;

	if (c->left < 9 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' ||
	    p[7] > '9')
		return scan_version_bytes(c, minor);
	if (p[8] == '\n')
		eol = 1;
	else if (p[8] == '\r' && c->left >= 10 && p[9] == '\n')
		eol = 2;
	else
		return scan_version_bytes(c, minor);
	*minor = p[7] - '0';
	(void)cur_skip(c, 8 + eol);
	return HTTP_OK;
}

/* A field value up to CR or LF, byte by byte; then the line end. */
static enum http_status
scan_value_bytes(struct cursor *c, struct view *value)
{
	uint8_t ch;
	uint64_t w;
	size_t i;

	value->p = (const char *)c->p;
	for (i = 0;; i++) {
		while (c->left - i >= 8) {
			memcpy(&w, c->p + i, 8);
			if (!word_all_field_vchar(w))
				break;
			i += 8;
		}
		if (i == c->left)
			return HTTP_INCOMPLETE;
		ch = c->p[i];
		if (ch == '\r' || ch == '\n')
			break;
		if (!is_field_char(ch))
			return HTTP_MALFORMED;
	}
	value->n = i;
	(void)cur_skip(c, i);
	*value = view_trim(*value);
	return scan_eol(c);
}

/*
 * RFC 9112 5: field-name ":" OWS field-value OWS CRLF.  Whitespace before
 * the colon is rejected (5.1), and so is a line that starts with
 * whitespace, which is obsolete line folding (5.2) -- the name scan sees a
 * non-tchar first byte.  A bare CR inside a value is rejected too.
 *
 * The value's first byte outside SP..'~' is found a block at a time;
 * when it is the line end (LF or CRLF) the value is done, with only
 * spaces to trim.  Anything else there -- HTAB, obs-text, a stray CR,
 * controls, the CR of a CRLF cut by the buffer end -- goes to
 * scan_value_bytes, which decides.  Running out of bytes with only
 * SP..'~' seen is "incomplete", as the byte loop would find.
 */
static enum http_status
scan_field(struct cursor *c, struct view *name, struct view *value)
{
	const uint8_t *p = c->p;
	size_t i = 0, v, e;

	if (c->left >= 16)
		i = field_fast(p, c->left, &e);
	if (i == 0) {
		for (i = 0; i < c->left && tchar_tab[p[i]]; i++)
			continue;
		if (i == c->left)
			return HTTP_INCOMPLETE;
		if (p[i] != ':' || i == 0)
			return HTTP_MALFORMED;
		e = span_plain(p, c->left, i + 1, 0x20);
	}
	name->p = (const char *)p;
	name->n = i;
	if (e == c->left)
		return HTTP_INCOMPLETE;
	v = i + 1;
	if (p[e] == '\r' && c->left - e >= 2 && p[e + 1] == '\n')
		i = e + 2;
	else if (p[e] == '\n')
		i = e + 1;
	else {
		(void)cur_skip(c, v);
		return scan_value_bytes(c, value);
	}
	/* view_trim, knowing there is no HTAB. */
	while (v < e && p[v] == ' ')
		v++;
	while (e > v && p[e - 1] == ' ')
		e--;
	value->p = (const char *)p + v;
	value->n = e - v;
	(void)cur_skip(c, i);
	return HTTP_OK;
}

/* One decimal Content-Length element: 1..19 digits. */
static int
parse_decimal(const struct view *v, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (v->n == 0 || v->n > HTTP_CLEN_DIGITS)
		return -1;
	for (i = 0; i < v->n; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v->p[i] - '0');
	}
	*out = n;
	return 0;
}

/*
 * RFC 9110 8.6 / RFC 9112 6.3 point 5: Content-Length is 1*DIGIT; a list
 * of identical values (from a proxy merging duplicates) is accepted as
 * that value.  Anything else, including a later header that disagrees,
 * makes the length invalid for the rest of the head.
 */
static void
field_content_length(struct http_req *req, const struct view *value)
{
	struct view list = *value, elem;
	uint64_t v, first = 0;
	size_t n = 0;

	if (req->bad_length)
		return;
	while (view_next_elem(&list, &elem)) {
		if (parse_decimal(&elem, &v) == -1 || (n > 0 && v != first))
			goto bad;
		first = v;
		n++;
	}
	if (n == 0 || (req->has_length && req->content_length != first))
		goto bad;
	req->has_length = true;
	req->content_length = first;
	return;
bad:
	req->bad_length = true;
	req->has_length = false;
	req->content_length = 0;
}

/*
 * RFC 9112 6.1: the body is chunked iff chunked is the final transfer
 * coding.  Several Transfer-Encoding fields form one list, so the last
 * non-empty element seen decides.
 */
static void
field_transfer_encoding(struct http_req *req, struct http_seen *seen,
    const struct view *value)
{
	struct view list = *value, elem, last = { NULL, 0 };

	seen->te = true;
	while (view_next_elem(&list, &elem))
		if (elem.n > 0)
			last = elem;
	if (last.n > 0)
		req->chunked = VIEW_EQ_CI(&last, "chunked");
}

/* The names that matter differ in length: one compare at most. */
static void
field_apply(struct http_req *req, struct http_seen *seen,
    const struct view *name, const struct view *value)
{
	switch (name->n) {
	case 4:
		/* RFC 9112 3.2: several Host fields are an error; keep one. */
		if (NAME_IS(name, "host")) {
			if (!seen->host)
				req->host = *value;
			seen->host = true;
		}
		break;
	case 6:
		if (NAME_IS(name, "expect") &&
		    VIEW_EQ_CI(value, "100-continue"))
			req->expect_continue = true;
		break;
	case 7:
		if (NAME_IS(name, "upgrade"))
			req->upgrade = true;
		break;
	case 9:
		if (NAME_IS(name, "forwarded") && req->nfwd < HTTP_MAX_FWD)
			req->fwd[req->nfwd++] = *value;
		break;
	case 14:
		if (NAME_IS(name, "content-length"))
			field_content_length(req, value);
		break;
	case 15:
		if (NAME_IS(name, "x-forwarded-for") &&
		    req->nxff < HTTP_MAX_FWD)
			req->xff[req->nxff++] = *value;
		break;
	case 17:
		if (NAME_IS(name, "transfer-encoding"))
			field_transfer_encoding(req, seen, value);
		break;
	default:
		break;
	}
}

/*
 * RFC 9112 6.3: Transfer-Encoding overrides Content-Length (points 3, 4).
 * A Transfer-Encoding whose final coding is not chunked leaves the body
 * length unknowable; we report that as bad_length so the caller stops
 * following the stream instead of guessing.
 */
static void
framing_finish(struct http_req *req, const struct http_seen *seen)
{
	struct view connect = { "CONNECT", 7 };

	if (seen->te) {
		req->has_length = false;
		req->content_length = 0;
		req->bad_length = !req->chunked;
	}
	if (req->method.n == connect.n &&
	    memcmp(req->method.p, connect.p, connect.n) == 0)
		req->upgrade = true;
}

enum http_status
http_probe(const uint8_t *buf, size_t len)
{
	struct cursor c;
	size_t n;

	cur_init(&c, buf, len);
	return scan_method(&c, &n);
}

enum http_status
http_parse_request(const uint8_t *buf, size_t len, struct http_req *req,
    size_t *consumed)
{
	struct http_seen seen = { false, false };
	struct view name, value;
	struct cursor c;
	enum http_status s;
	size_t nfields;
	uint8_t ch;

	memset(req, 0, sizeof(*req));
	*consumed = 0;
	cur_init(&c, buf, len);
	req->method.p = (const char *)c.p;
	if (c.left >= 16 && (req->method.n = method_len_fast(c.p)) > 0)
		(void)cur_skip(&c, req->method.n + 1);
	else if ((s = scan_method(&c, &req->method.n)) != HTTP_OK)
		return s;
	req->target.p = (const char *)c.p;
	if ((s = scan_target(&c, &req->target.n)) != HTTP_OK)
		return s;
	if ((s = scan_version(&c, &req->minor)) != HTTP_OK)
		return s;
	for (nfields = 0;; nfields++) {
		if (peek(&c, &ch) == -1)
			return HTTP_INCOMPLETE;
		if (ch == '\r' || ch == '\n')
			break;
		if (nfields == HTTP_FIELDS_MAX)
			return HTTP_MALFORMED;
		if ((s = scan_field(&c, &name, &value)) != HTTP_OK)
			return s;
		field_apply(req, &seen, &name, &value);
	}
	if ((s = scan_eol(&c)) != HTTP_OK)
		return s;
	framing_finish(req, &seen);
	*consumed = len - c.left;
	return HTTP_OK;
}

/* Drop ":port" from an authority host; "[v6]:port" keeps "[v6]". */
static struct view
host_strip_port(struct view v)
{
	const char *e;

	if (v.n > 0 && v.p[0] == '[') {
		if ((e = memchr(v.p + 1, ']', v.n - 1)) != NULL)
			v.n = (size_t)(e - v.p) + 1;
		return v;
	}
	if (v.n > 0 && (e = memchr(v.p, ':', v.n)) != NULL)
		v.n = (size_t)(e - v.p);
	return v;
}

/* The path part of v: up to, not including, '?' or '#'. */
static struct view
path_only(struct view v)
{
	const char *e;

	if (v.n > 0 && (e = memchr(v.p, '?', v.n)) != NULL)
		v.n = (size_t)(e - v.p);
	if (v.n > 0 && (e = memchr(v.p, '#', v.n)) != NULL)
		v.n = (size_t)(e - v.p);
	return v;
}

/* RFC 9112 3.2.2 absolute-form; RFC 3986 3.2 authority. */
static void
split_absolute(struct view t, size_t skip, struct view *host,
    struct view *path)
{
	struct view auth;
	size_t i, end;

	t.p += skip;
	t.n -= skip;
	for (end = 0; end < t.n; end++)
		if (t.p[end] == '/' || t.p[end] == '?' || t.p[end] == '#')
			break;
	auth.p = t.p;
	auth.n = end;
	/* a raw '@' only ends userinfo; the last copes with unencoded ones */
	for (i = auth.n; i > 0; i--)
		if (auth.p[i - 1] == '@') {
			auth.p += i;
			auth.n -= i;
			break;
		}
	*host = host_strip_port(auth);
	if (end < t.n && t.p[end] == '/') {
		path->p = t.p + end;
		path->n = t.n - end;
		*path = path_only(*path);
	}
}

void
http_request_host_path(const struct http_req *req, struct view *host,
    struct view *path)
{
	const struct view *t = &req->target;
	struct view connect = { "CONNECT", 7 };

	host->p = path->p = "";
	host->n = path->n = 0;
	if (t->p == NULL)
		return;
	if (VIEW_HAS_PREFIX_CI(t, "http://"))
		split_absolute(*t, 7, host, path);
	else if (VIEW_HAS_PREFIX_CI(t, "https://"))
		split_absolute(*t, 8, host, path);
	else if (t->n > 0 && t->p[0] == '/') {
		if (req->host.p != NULL)
			*host = host_strip_port(req->host);
		*path = path_only(*t);
	} else if (req->method.n == connect.n &&
	    memcmp(req->method.p, connect.p, connect.n) == 0)
		*host = host_strip_port(*t);	/* 3.2.3 authority-form */
	else if (req->host.p != NULL)
		*host = host_strip_port(req->host);	/* "*" and others */
}

/*
 * RFC 9112 7.1 chunked coding:
 *   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk = 1*("0") [ chunk-ext ] CRLF
 *   trailer-section CRLF
 * Bare LF is accepted wherever CRLF is, as in the head.
 */
enum chunk_state {
	CS_SIZE,		/* chunk-size hex digits */
	CS_EXT,			/* chunk-ext, skipped */
	CS_SIZE_LF,		/* CR seen, LF due */
	CS_DATA,
	CS_DATA_CR,		/* CRLF after chunk-data */
	CS_DATA_LF,
	CS_TRAILER,		/* start of a trailer line */
	CS_TRAILER_LINE,
	CS_TRAILER_LF,
	CS_END_LF,		/* CR of the final empty line seen */
	CS_DONE,
	CS_ERROR,
};

void
http_chunked_init(struct http_chunked *ch)
{
	ch->state = CS_SIZE;
	ch->left = 0;
	ch->linelen = 0;
}

static int
hex_value(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The chunk-size line ended: data follows, or the trailer section. */
static int
chunk_size_done(struct http_chunked *ch)
{
	ch->linelen = 0;
	return ch->left == 0 ? CS_TRAILER : CS_DATA;
}

static int
chunk_size_byte(struct http_chunked *ch, uint8_t b)
{
	int v = hex_value(b);

	if (v >= 0) {
		if (ch->linelen == CHUNK_HEX_MAX)
			return CS_ERROR;
		ch->left = ch->left << 4 | (uint64_t)v;
		ch->linelen++;
		return CS_SIZE;
	}
	if (ch->linelen == 0)
		return CS_ERROR;
	if (b == ';' || b == ' ' || b == '\t') {
		ch->linelen++;
		return CS_EXT;
	}
	if (b == '\r')
		return CS_SIZE_LF;
	if (b == '\n')
		return chunk_size_done(ch);
	return CS_ERROR;
}

/* Line bytes after the size (chunk-ext) or in a trailer field. */
static int
chunk_line_byte(struct http_chunked *ch, uint8_t b, int stay, int cr,
    int lf)
{
	if (b == '\r')
		return cr;
	if (b == '\n')
		return lf;
	if (!is_field_char(b) || ch->linelen >= CHUNK_LINE_MAX)
		return CS_ERROR;
	ch->linelen++;
	return stay;
}

/* One byte outside chunk-data; returns the next state. */
static int
chunk_step(struct http_chunked *ch, uint8_t b)
{
	switch (ch->state) {
	case CS_SIZE:
		return chunk_size_byte(ch, b);
	case CS_EXT:
		if (b == '\n')
			return chunk_size_done(ch);
		return chunk_line_byte(ch, b, CS_EXT, CS_SIZE_LF, CS_ERROR);
	case CS_SIZE_LF:
		return b == '\n' ? chunk_size_done(ch) : CS_ERROR;
	case CS_DATA_CR:
		if (b == '\r')
			return CS_DATA_LF;
		return b == '\n' ? CS_SIZE : CS_ERROR;
	case CS_DATA_LF:
		return b == '\n' ? CS_SIZE : CS_ERROR;
	case CS_TRAILER:
		if (b == '\r')
			return CS_END_LF;
		if (b == '\n')
			return CS_DONE;
		ch->linelen = 0;
		return chunk_line_byte(ch, b, CS_TRAILER_LINE, CS_TRAILER_LF,
		    CS_TRAILER);
	case CS_TRAILER_LINE:
		return chunk_line_byte(ch, b, CS_TRAILER_LINE, CS_TRAILER_LF,
		    CS_TRAILER);
	case CS_TRAILER_LF:
		return b == '\n' ? CS_TRAILER : CS_ERROR;
	case CS_END_LF:
		return b == '\n' ? CS_DONE : CS_ERROR;
	default:
		return CS_ERROR;
	}
}

size_t
http_chunked_feed(struct http_chunked *ch, const uint8_t *buf, size_t len,
    bool *done)
{
	struct cursor c;
	size_t take;
	uint8_t b;

	*done = false;
	cur_init(&c, buf, len);
	while (ch->state != CS_DONE && ch->state != CS_ERROR && c.left > 0) {
		if (ch->state == CS_DATA) {
			take = ch->left < c.left ? (size_t)ch->left : c.left;
			(void)cur_skip(&c, take);
			ch->left -= take;
			if (ch->left == 0)
				ch->state = CS_DATA_CR;
			continue;
		}
		(void)cur_u8(&c, &b);
		ch->state = chunk_step(ch, b);
	}
	if (ch->state == CS_ERROR)
		return (size_t)-1;
	*done = ch->state == CS_DONE;
	return len - c.left;
}

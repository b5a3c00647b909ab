/*
 * test_tls.c - ClientHello parser tests.  Hellos are built byte by byte
 * here (RFC 8446 4.1.2, RFC 6066 3) so each field can be bent on purpose;
 * every input is copied into an exact-size allocation so AddressSanitizer
 * sees any overread.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "tls.h"

#define SCRATCH		16384
#define BB_MAX		(SCRATCH * 2)

/* A byte builder with back-patched length prefixes. */
struct bb {
	uint8_t	b[BB_MAX];
	size_t	n;
};

/* Offsets of the length fields in a built handshake message. */
struct layout {
	size_t	hs_len;		/* uint24 after msg_type */
	size_t	sid_len;
	size_t	cs_len;
	size_t	comp_len;
	size_t	ext_len;
	size_t	sni_ext_len;	/* extension_data length of server_name */
	size_t	sni_list_len;
	size_t	sni_name_len;
};

struct hello_opts {
	const char	*sni;		/* NULL: no server_name extension */
	size_t		 sni_len;
	bool		 no_ext;	/* omit the extensions block */
	bool		 others;	/* more extensions around server_name */
	bool		 dup_sni;	/* a second server_name extension */
	bool		 odd_first;	/* an unknown name_type entry first */
	size_t		 sid_extra;	/* session_id bytes beyond 32 */
	bool		 odd_suites;	/* a stray byte in cipher_suites */
	bool		 trailing;	/* a byte after the extensions */
};

static void
put8(struct bb *b, unsigned v)
{
	ck_assert_uint_lt(b->n, BB_MAX);
	b->b[b->n++] = (uint8_t)v;
}

static void
put16(struct bb *b, unsigned v)
{
	put8(b, v >> 8 & 0xff);
	put8(b, v & 0xff);
}

static void
putmem(struct bb *b, const void *p, size_t n)
{
	ck_assert_uint_le(n, BB_MAX - b->n);
	if (n > 0)
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static size_t
open_len(struct bb *b, size_t width)
{
	size_t at = b->n, i;

	for (i = 0; i < width; i++)
		put8(b, 0);
	return at;
}

static void
close_len(struct bb *b, size_t at, size_t width)
{
	size_t n = b->n - at - width, i;

	for (i = 0; i < width; i++)
		b->b[at + i] = (uint8_t)(n >> (8 * (width - 1 - i)) & 0xff);
}

static void
put_ext(struct bb *b, unsigned type, const void *data, size_t n)
{
	put16(b, type);
	put16(b, (unsigned)n);
	putmem(b, data, n);
}

static void
put_sni_ext(struct bb *b, const struct hello_opts *o, struct layout *l)
{
	size_t ext, list, name;

	put16(b, 0);			/* server_name */
	ext = open_len(b, 2);
	list = open_len(b, 2);
	if (o->odd_first) {
		put8(b, 7);
		put16(b, 3);
		putmem(b, "odd", 3);
	}
	put8(b, 0);			/* host_name */
	name = open_len(b, 2);
	putmem(b, o->sni, o->sni_len);
	close_len(b, name, 2);
	close_len(b, list, 2);
	close_len(b, ext, 2);
	l->sni_ext_len = ext;
	l->sni_list_len = list;
	l->sni_name_len = name;
}

static void
put_extensions(struct bb *b, const struct hello_opts *o, struct layout *l)
{
	static const uint8_t groups[] = { 0, 6, 0, 0x1d, 0, 0x17, 0, 0x18 };
	static const uint8_t points[] = { 1, 0 };
	static const uint8_t alpn[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't',
	    'p', '/', '1', '.', '1' };
	static const uint8_t versions[] = { 4, 3, 4, 3, 3 };
	static const uint8_t pad[16];
	size_t ext;

	ext = open_len(b, 2);
	if (o->others) {
		put_ext(b, 10, groups, sizeof(groups));
		put_ext(b, 11, points, sizeof(points));
		put_ext(b, 35, NULL, 0);	/* empty session_ticket */
		put_ext(b, 16, alpn, sizeof(alpn));
	}
	if (o->sni != NULL)
		put_sni_ext(b, o, l);
	if (o->dup_sni)
		put_sni_ext(b, o, l);
	if (o->others) {
		put_ext(b, 43, versions, sizeof(versions));
		put_ext(b, 21, pad, sizeof(pad));
	}
	close_len(b, ext, 2);
	l->ext_len = ext;
}

/* A ClientHello handshake message (header included) into b. */
static void
build_hello(struct bb *b, const struct hello_opts *o, struct layout *l)
{
	static const uint8_t suites[] = { 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f,
	    0x00, 0xff };
	size_t hs, i;

	memset(l, 0, sizeof(*l));
	b->n = 0;
	put8(b, 1);
	hs = open_len(b, 3);
	put16(b, 0x0303);
	for (i = 0; i < 32; i++)
		put8(b, (unsigned)(i * 7 + 1));
	l->sid_len = b->n;
	put8(b, (unsigned)(32 + o->sid_extra));
	for (i = 0; i < 32 + o->sid_extra; i++)
		put8(b, (unsigned)(0xa0 + i));
	l->cs_len = b->n;
	put16(b, (unsigned)(sizeof(suites) + o->odd_suites));
	putmem(b, suites, sizeof(suites));
	if (o->odd_suites)
		put8(b, 0x2f);
	l->comp_len = b->n;
	put8(b, 1);
	put8(b, 0);
	if (!o->no_ext)
		put_extensions(b, o, l);
	if (o->trailing)
		put8(b, 0);
	close_len(b, hs, 3);
	l->hs_len = hs;
}

/*
 * Wrap msg in handshake records whose fragments end at the given cut
 * points (strictly increasing, each < n); returns the stream length.
 */
static size_t
wrap_records(const uint8_t *msg, size_t n, const size_t *cuts, size_t ncuts,
    uint8_t *out)
{
	size_t from = 0, to, i, o = 0;

	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : n;
		out[o++] = 22;
		out[o++] = 3;
		out[o++] = i == 0 ? 1 : 3;
		out[o++] = (uint8_t)((to - from) >> 8);
		out[o++] = (uint8_t)((to - from) & 0xff);
		memcpy(out + o, msg + from, to - from);
		o += to - from;
		from = to;
	}
	return o;
}

/* Parse n bytes of p from an exact-size copy. */
static enum tls_status
parse(const uint8_t *p, size_t n, struct tls_hello *h, size_t *consumed)
{
	static uint8_t scratch[SCRATCH];
	uint8_t *buf = dup_exact(p, n);
	enum tls_status s;

	s = tls_parse_client_hello(buf, n, scratch, sizeof(scratch), h,
	    consumed);
	free(buf);
	return s;
}

/* Whatever the status, the output must be sane. */
static void
check_sane(enum tls_status s, const struct tls_hello *h, size_t consumed,
    size_t len)
{
	size_t i;

	ck_assert_uint_le(h->sni_len, TLS_SNI_MAX);
	ck_assert_uint_eq(strlen(h->sni), h->sni_len);
	for (i = 0; i < h->sni_len; i++)
		ck_assert(h->sni[i] > 0x20 && h->sni[i] < 0x7f);
	if (s == TLS_OK) {
		ck_assert_uint_ge(consumed, 5);
		ck_assert_uint_le(consumed, len);
	}
}

static const struct hello_opts sni_opts = {
	.sni = "eta.cic.gc.ca", .sni_len = 13, .others = true
};

/* Build the standard hello with SNI into one record. */
static size_t
std_stream(uint8_t *out, struct bb *msg, struct layout *l)
{
	build_hello(msg, &sni_opts, l);
	return wrap_records(msg->b, msg->n, NULL, 0, out);
}

START_TEST(test_probe)
{
	static const uint8_t ok[] = { 22, 3, 1, 0, 5 };
	static const uint8_t tls13[] = { 22, 3, 4 };
	static const uint8_t app[] = { 23, 3, 3 };
	static const uint8_t v2[] = { 22, 2, 0 };
	static const uint8_t v35[] = { 22, 3, 5 };

	ck_assert_int_eq(tls_probe(ok, 0), TLS_INCOMPLETE);
	ck_assert_int_eq(tls_probe(ok, 1), TLS_INCOMPLETE);
	ck_assert_int_eq(tls_probe(ok, 2), TLS_INCOMPLETE);
	ck_assert_int_eq(tls_probe(ok, 3), TLS_OK);
	ck_assert_int_eq(tls_probe(ok, sizeof(ok)), TLS_OK);
	ck_assert_int_eq(tls_probe(tls13, 3), TLS_OK);
	ck_assert_int_eq(tls_probe(app, 1), TLS_NOT_TLS);
	ck_assert_int_eq(tls_probe(v2, 2), TLS_NOT_TLS);
	ck_assert_int_eq(tls_probe(v35, 3), TLS_NOT_TLS);
	ck_assert_int_eq(tls_probe((const uint8_t *)"GET / ", 6),
	    TLS_NOT_TLS);
}
END_TEST

START_TEST(test_sni_one_record)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	n = std_stream(stream, &msg, &l);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_str_eq(h.sni, "eta.cic.gc.ca");
	ck_assert_uint_eq(h.sni_len, 13);
	ck_assert_uint_eq(consumed, n);
}
END_TEST

START_TEST(test_sni_only_extension)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = sni_opts;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	o.others = false;
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_str_eq(h.sni, "eta.cic.gc.ca");
	ck_assert_uint_eq(consumed, n);
}
END_TEST

START_TEST(test_case_kept)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = sni_opts;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	o.sni = "ETA.Cic.GC.ca";
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_str_eq(h.sni, "ETA.Cic.GC.ca");
}
END_TEST

START_TEST(test_trailing_records)
{
	static const uint8_t ccs[] = { 20, 3, 3, 0, 1, 1 };
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	n = std_stream(stream, &msg, &l);
	memcpy(stream + n, ccs, sizeof(ccs));
	ck_assert_int_eq(parse(stream, n + sizeof(ccs), &h, &consumed),
	    TLS_OK);
	ck_assert_uint_eq(consumed, n);
	ck_assert_str_eq(h.sni, "eta.cic.gc.ca");
}
END_TEST

START_TEST(test_no_sni)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = { .others = true };
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_uint_eq(h.sni_len, 0);
	ck_assert_str_eq(h.sni, "");
	ck_assert_uint_eq(consumed, n);
}
END_TEST

START_TEST(test_no_extensions)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = { .no_ext = true };
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	build_hello(&msg, &o, &l);
	/* type(1) len(3) version(2) random(32) sid(33) cs(10) comp(2) */
	ck_assert_uint_eq(msg.n, 4 + 2 + 32 + 33 + 10 + 2);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_uint_eq(h.sni_len, 0);
	ck_assert_uint_eq(consumed, n);
}
END_TEST

START_TEST(test_empty_extensions)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = { .sni = NULL };
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_uint_eq(h.sni_len, 0);
}
END_TEST

START_TEST(test_first_host_name_entry)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = sni_opts;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	o.odd_first = true;
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_str_eq(h.sni, "eta.cic.gc.ca");
}
END_TEST

START_TEST(test_two_records_every_split)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t cut, n, consumed;

	build_hello(&msg, &sni_opts, &l);
	for (cut = 1; cut < msg.n; cut++) {
		n = wrap_records(msg.b, msg.n, &cut, 1, stream);
		ck_assert_uint_eq(n, msg.n + 10);
		ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
		ck_assert_str_eq(h.sni, "eta.cic.gc.ca");
		ck_assert_uint_eq(consumed, n);
	}
}
END_TEST

START_TEST(test_three_records)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t cuts[2], n, consumed;

	build_hello(&msg, &sni_opts, &l);
	for (cuts[0] = 1; cuts[0] < msg.n; cuts[0] += 3)
		for (cuts[1] = cuts[0] + 1; cuts[1] < msg.n; cuts[1] += 2) {
			n = wrap_records(msg.b, msg.n, cuts, 2, stream);
			ck_assert_int_eq(parse(stream, n, &h, &consumed),
			    TLS_OK);
			ck_assert_str_eq(h.sni, "eta.cic.gc.ca");
			ck_assert_uint_eq(consumed, n);
		}
}
END_TEST

static void
check_prefixes(const uint8_t *stream, size_t n)
{
	struct tls_hello h;
	size_t i, consumed;

	for (i = 0; i < n; i++)
		ck_assert_msg(parse(stream, i, &h, &consumed) ==
		    TLS_INCOMPLETE, "prefix %zu of %zu", i, n);
}

START_TEST(test_prefixes)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = { .no_ext = true };
	struct layout l;
	size_t cuts[2], n;

	n = std_stream(stream, &msg, &l);
	check_prefixes(stream, n);
	cuts[0] = 3;
	cuts[1] = msg.n / 2;
	n = wrap_records(msg.b, msg.n, &cuts[1], 1, stream);
	check_prefixes(stream, n);
	n = wrap_records(msg.b, msg.n, cuts, 2, stream);
	check_prefixes(stream, n);
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	check_prefixes(stream, n);
}
END_TEST

static void
corrupt_all(const uint8_t *stream, size_t n)
{
	static const uint8_t vals[] = { 0x00, 0xff, 0x01, 0x7f, 0x80, 0x20 };
	static uint8_t bad[BB_MAX];
	struct tls_hello h;
	enum tls_status s;
	size_t i, v, consumed;

	for (i = 0; i < n; i++) {
		for (v = 0; v < sizeof(vals) + 8 + 2; v++) {
			memcpy(bad, stream, n);
			if (v < sizeof(vals))
				bad[i] = vals[v];
			else if (v < sizeof(vals) + 8)
				bad[i] ^= (uint8_t)(1u << (v - sizeof(vals)));
			else if (v == sizeof(vals) + 8)
				bad[i]++;
			else
				bad[i]--;
			consumed = 0;
			s = parse(bad, n, &h, &consumed);
			check_sane(s, &h, consumed, n);
		}
	}
}

START_TEST(test_corrupt_bytes)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = sni_opts;
	struct layout l;
	size_t cuts[2], n;

	n = std_stream(stream, &msg, &l);
	corrupt_all(stream, n);
	cuts[0] = 20;
	cuts[1] = msg.n - 20;
	n = wrap_records(msg.b, msg.n, cuts, 2, stream);
	corrupt_all(stream, n);
	o.odd_first = true;
	o.others = false;
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	corrupt_all(stream, n);
}
END_TEST

START_TEST(test_not_tls)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	n = std_stream(stream, &msg, &l);
	stream[0] = 23;		/* application_data */
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_NOT_TLS);
	ck_assert_int_eq(parse(stream, 1, &h, &consumed), TLS_NOT_TLS);
	stream[0] = 22;
	stream[1] = 2;
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_NOT_TLS);
	stream[1] = 3;
	stream[2] = 9;
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_NOT_TLS);
	ck_assert_int_eq(parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16,
	    &h, &consumed), TLS_NOT_TLS);
}
END_TEST

START_TEST(test_record_errors)
{
	static uint8_t stream[BB_MAX];
	static uint8_t big[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t cut, n, consumed;
	uint8_t scratch[64];

	build_hello(&msg, &sni_opts, &l);
	cut = 40;
	n = wrap_records(msg.b, msg.n, &cut, 1, stream);
	/* an alert between the fragments of one handshake message */
	stream[5 + cut] = 21;
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
	/* zero-length record */
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	stream[3] = 0;
	stream[4] = 0;
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
	/* record longer than 2^14 + 2048 */
	stream[3] = 0x48;
	stream[4] = 0x01;
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
	/* not a ClientHello: rejected without waiting for the record */
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	stream[5] = 2;
	ck_assert_int_eq(parse(stream, 6, &h, &consumed), TLS_MALFORMED);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
	/* a message that cannot fit the scratch buffer */
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	memcpy(big, stream, n);
	ck_assert_int_eq(tls_parse_client_hello(big, n, scratch,
	    sizeof(scratch), &h, &consumed), TLS_MALFORMED);
	cut = 30;
	n = wrap_records(msg.b, msg.n, &cut, 1, stream);
	ck_assert_int_eq(tls_parse_client_hello(stream, n, scratch,
	    sizeof(scratch), &h, &consumed), TLS_MALFORMED);
	ck_assert_int_eq(tls_parse_client_hello(stream, n, NULL, 0, &h,
	    &consumed), TLS_MALFORMED);
}
END_TEST

/* Patch a big-endian field of width bytes at off in msg. */
static void
patch(struct bb *msg, size_t off, size_t width, size_t v)
{
	size_t i;

	for (i = 0; i < width; i++)
		msg->b[off + i] = (uint8_t)(v >> (8 * (width - 1 - i)) & 0xff);
}

static size_t
get(const struct bb *msg, size_t off, size_t width)
{
	size_t v = 0, i;

	for (i = 0; i < width; i++)
		v = v << 8 | msg->b[off + i];
	return v;
}

/* Change one inner length by delta; the hello must be MALFORMED. */
static void
expect_bad_len(size_t (*field)(const struct layout *), size_t width,
    long delta)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t off, n, consumed;

	build_hello(&msg, &sni_opts, &l);
	off = field(&l);
	patch(&msg, off, width, (size_t)((long)get(&msg, off, width) + delta));
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_msg(parse(stream, n, &h, &consumed) == TLS_MALFORMED,
	    "field at %zu delta %ld", off, delta);
	ck_assert_uint_eq(h.sni_len, 0);
}

static size_t f_sid(const struct layout *l) { return l->sid_len; }
static size_t f_cs(const struct layout *l) { return l->cs_len; }
static size_t f_comp(const struct layout *l) { return l->comp_len; }
static size_t f_ext(const struct layout *l) { return l->ext_len; }
static size_t f_sext(const struct layout *l) { return l->sni_ext_len; }
static size_t f_slist(const struct layout *l) { return l->sni_list_len; }
static size_t f_sname(const struct layout *l) { return l->sni_name_len; }
static size_t f_hs(const struct layout *l) { return l->hs_len; }

START_TEST(test_inner_lengths)
{
	expect_bad_len(f_sid, 1, 1);		/* 33 > 32 */
	expect_bad_len(f_sid, 1, 2);
	expect_bad_len(f_sid, 1, -1);
	expect_bad_len(f_cs, 2, 1);		/* odd */
	expect_bad_len(f_cs, 2, 2);
	expect_bad_len(f_cs, 2, -2);
	expect_bad_len(f_cs, 2, -8);		/* < 2 */
	expect_bad_len(f_cs, 2, 1000);		/* past the message */
	expect_bad_len(f_comp, 1, -1);		/* empty compression */
	expect_bad_len(f_comp, 1, 1);
	expect_bad_len(f_ext, 2, 1);
	expect_bad_len(f_ext, 2, -1);
	expect_bad_len(f_sext, 2, 1);
	expect_bad_len(f_sext, 2, -1);
	expect_bad_len(f_slist, 2, 1);
	expect_bad_len(f_slist, 2, -1);
	expect_bad_len(f_sname, 2, 1);
	expect_bad_len(f_sname, 2, -1);
	expect_bad_len(f_sname, 2, -13);	/* empty HostName */
	expect_bad_len(f_hs, 3, -1);		/* message shorter */
}
END_TEST

/* Lengths that agree with each other but break a field's bounds. */
START_TEST(test_field_bounds)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	o = sni_opts;
	o.sid_extra = 1;		/* legacy_session_id<0..32> */
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
	o = sni_opts;
	o.odd_suites = true;		/* CipherSuite is two bytes */
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
	o = sni_opts;
	o.trailing = true;		/* extensions end the message */
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
	o.no_ext = true;		/* a lone byte is no extensions block */
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
}
END_TEST

START_TEST(test_hs_length_beyond_records)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	/* the message claims more bytes: wait for another record */
	build_hello(&msg, &sni_opts, &l);
	patch(&msg, l.hs_len, 3, get(&msg, l.hs_len, 3) + 1);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_INCOMPLETE);
	/* ... but never more than the scratch buffer holds */
	patch(&msg, l.hs_len, 3, SCRATCH);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
}
END_TEST

START_TEST(test_duplicate_sni)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = sni_opts;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	o.dup_sni = true;
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_MALFORMED);
}
END_TEST

static void
expect_sni(const char *name, size_t len, const char *want)
{
	static uint8_t stream[BB_MAX];
	static struct bb msg;
	struct hello_opts o = sni_opts;
	struct tls_hello h;
	struct layout l;
	size_t n, consumed;

	o.sni = name;
	o.sni_len = len;
	build_hello(&msg, &o, &l);
	n = wrap_records(msg.b, msg.n, NULL, 0, stream);
	ck_assert_int_eq(parse(stream, n, &h, &consumed), TLS_OK);
	ck_assert_str_eq(h.sni, want);
	ck_assert_uint_eq(h.sni_len, strlen(want));
	ck_assert_uint_eq(consumed, n);
}

/* Unusable host names are "no SNI", the hello itself is fine. */
START_TEST(test_sni_content)
{
	char name[TLS_SNI_MAX + 1], longer[TLS_SNI_MAX + 1];

	memset(name, 'a', sizeof(name));
	name[TLS_SNI_MAX] = '\0';
	memset(longer, 'b', sizeof(longer));
	expect_sni(name, TLS_SNI_MAX, name);
	expect_sni(longer, TLS_SNI_MAX + 1, "");
	expect_sni("a.example", 9, "a.example");
	expect_sni("a\0b.example", 11, "");
	expect_sni("a b.example", 11, "");
	expect_sni("caf\xc3\xa9.example", 13, "");
	expect_sni("x\x7f", 2, "");
	expect_sni("x", 1, "x");
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_sni_one_record);
	tcase_add_test(tc, test_sni_only_extension);
	tcase_add_test(tc, test_case_kept);
	tcase_add_test(tc, test_trailing_records);
	tcase_add_test(tc, test_no_sni);
	tcase_add_test(tc, test_no_extensions);
	tcase_add_test(tc, test_empty_extensions);
	tcase_add_test(tc, test_first_host_name_entry);
	tcase_add_test(tc, test_two_records_every_split);
	tcase_add_test(tc, test_three_records);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_corrupt_bytes);
	tcase_add_test(tc, test_not_tls);
	tcase_add_test(tc, test_record_errors);
	tcase_add_test(tc, test_inner_lengths);
	tcase_add_test(tc, test_field_bounds);
	tcase_add_test(tc, test_hs_length_beyond_records);
	tcase_add_test(tc, test_duplicate_sni);
	tcase_add_test(tc, test_sni_content);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

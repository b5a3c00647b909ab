/*
 * hello.c - TLS ClientHello builder (RFC 8446 4.1.2, RFC 5246 7.4.1.2).
 */
#include <string.h>

#include "hello.h"

#define HELLO_MAX	4096

struct wbuf {
	uint8_t	*p;
	size_t	 n, cap;
	bool	 over;
};

static void
w_bytes(struct wbuf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->over || b->cap - b->n < n) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
w_u8(struct wbuf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;

	w_bytes(b, &x, 1);
}

static void
w_u16(struct wbuf *b, unsigned v)
{
	w_u8(b, v >> 8);
	w_u8(b, v);
}

/* Reserve a length field of width bytes; returns its offset. */
static size_t
w_len_open(struct wbuf *b, unsigned width)
{
	size_t at = b->n;
	unsigned i;

	for (i = 0; i < width; i++)
		w_u8(b, 0);
	return at;
}

/* Fill the length field at at with the bytes written since. */
static void
w_len_close(struct wbuf *b, size_t at, unsigned width)
{
	size_t len, i;

	if (b->over)
		return;
	len = b->n - at - width;
	for (i = 0; i < width; i++)
		b->p[at + i] = (uint8_t)(len >> (8 * (width - 1 - i)));
}

static void
ext_sni(struct wbuf *b, const char *sni)
{
	size_t e, l, n = strlen(sni);

	w_u16(b, 0);				/* server_name */
	e = w_len_open(b, 2);
	l = w_len_open(b, 2);			/* ServerNameList */
	w_u8(b, 0);				/* host_name */
	w_u16(b, (unsigned)n);
	w_bytes(b, sni, n);
	w_len_close(b, l, 2);
	w_len_close(b, e, 2);
}

static void
ext_raw(struct wbuf *b, unsigned type, const uint8_t *data, size_t n)
{
	w_u16(b, type);
	w_u16(b, (unsigned)n);
	w_bytes(b, data, n);
}

static void
ext_common(struct wbuf *b, const struct hello_params *hp)
{
	static const uint8_t groups[] = { 0, 8, 0x00, 0x1d, 0x00, 0x17,
	    0x00, 0x18, 0x00, 0x19 };
	static const uint8_t groups_g[] = { 0, 10, 0x5a, 0x5a, 0x00, 0x1d,
	    0x00, 0x17, 0x00, 0x18, 0x00, 0x19 };
	static const uint8_t pointfmt[] = { 1, 0 };
	static const uint8_t reneg[] = { 0 };
	static const uint8_t alpn[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't',
	    'p', '/', '1', '.', '1' };
	static const uint8_t status[] = { 1, 0, 0, 0, 0 };
	static const uint8_t sigalgs[] = { 0, 16, 0x04, 0x03, 0x08, 0x04,
	    0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06,
	    0x01 };

	ext_raw(b, 23, NULL, 0);		/* extended_master_secret */
	ext_raw(b, 0xff01, reneg, sizeof(reneg));
	if (hp->grease)
		ext_raw(b, 10, groups_g, sizeof(groups_g));
	else
		ext_raw(b, 10, groups, sizeof(groups));
	ext_raw(b, 11, pointfmt, sizeof(pointfmt));
	ext_raw(b, 35, NULL, 0);		/* session_ticket */
	ext_raw(b, 16, alpn, sizeof(alpn));
	ext_raw(b, 5, status, sizeof(status));
	ext_raw(b, 13, sigalgs, sizeof(sigalgs));
	ext_raw(b, 18, NULL, 0);		/* signed_cert_timestamp */
}

static void
ext_tls13(struct wbuf *b, const struct hello_params *hp)
{
	static const uint8_t psk[] = { 1, 1 };
	static const uint8_t vers[] = { 4, 0x03, 0x04, 0x03, 0x03 };
	static const uint8_t vers_g[] = { 6, 0x7a, 0x7a, 0x03, 0x04, 0x03,
	    0x03 };
	size_t e, l;

	w_u16(b, 51);				/* key_share */
	e = w_len_open(b, 2);
	l = w_len_open(b, 2);
	if (hp->grease) {
		w_u16(b, 0x5a5a);
		w_u16(b, 1);
		w_u8(b, 0);
	}
	w_u16(b, 0x001d);			/* x25519 */
	w_u16(b, 32);
	w_bytes(b, hp->key_share, 32);
	w_len_close(b, l, 2);
	w_len_close(b, e, 2);
	ext_raw(b, 45, psk, sizeof(psk));
	if (hp->grease)
		ext_raw(b, 43, vers_g, sizeof(vers_g));
	else
		ext_raw(b, 43, vers, sizeof(vers));
}

/* The extensions block, padded so the message body reaches 508 bytes. */
static void
extensions(struct wbuf *b, const struct hello_params *hp, size_t body_start)
{
	static const uint8_t zeros[512];
	size_t e = w_len_open(b, 2), want, have;

	if (hp->grease)
		ext_raw(b, 0x0a0a, NULL, 0);
	if (hp->sni != NULL && !hp->sni_last)
		ext_sni(b, hp->sni);
	ext_common(b, hp);
	if (hp->tls13)
		ext_tls13(b, hp);
	if (hp->sni != NULL && hp->sni_last)
		ext_sni(b, hp->sni);
	if (hp->grease)
		ext_raw(b, 0x1a1a, zeros, 1);
	if (hp->pad && !b->over) {
		/* A body of 508 makes a 512-byte handshake message. */
		have = b->n - body_start;
		want = 508;
		if (have + 4 <= want)
			ext_raw(b, 21, zeros, want - have - 4);
	}
	w_len_close(b, e, 2);
}

/* The handshake message: type, length, ClientHello body. */
static size_t
message(const struct hello_params *hp, uint8_t *out, size_t cap)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b,
	    0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
	    0x009d, 0x002f, 0x0035, 0x000a };
	struct wbuf b = { out, 0, cap, false };
	size_t len, s, body, i, first;

	w_u8(&b, 1);				/* client_hello */
	len = w_len_open(&b, 3);
	body = b.n;
	w_u16(&b, 0x0303);			/* legacy_version */
	w_bytes(&b, hp->random, 32);
	w_u8(&b, 32);
	w_bytes(&b, hp->session_id, 32);
	s = w_len_open(&b, 2);
	if (hp->grease)
		w_u16(&b, 0x3a3a);
	first = hp->tls13 ? 0 : 3;
	for (i = first; i < sizeof(suites) / sizeof(suites[0]); i++)
		w_u16(&b, suites[i]);
	w_len_close(&b, s, 2);
	w_u8(&b, 1);				/* compression: null */
	w_u8(&b, 0);
	extensions(&b, hp, body);
	w_len_close(&b, len, 3);
	return b.over ? 0 : b.n;
}

/* RFC 8446 5.1: a handshake record of n bytes from msg. */
static void
record(struct wbuf *b, const uint8_t *msg, size_t n)
{
	w_u8(b, 22);
	w_u16(b, 0x0301);	/* legacy_record_version of a first hello */
	w_u16(b, (unsigned)n);
	w_bytes(b, msg, n);
}

size_t
hello_build(const struct hello_params *hp, uint8_t *buf, size_t cap)
{
	uint8_t msg[HELLO_MAX];
	struct wbuf b = { buf, 0, cap, false };
	size_t n;

	if (hp->sni != NULL && strlen(hp->sni) > 255)
		return 0;
	if ((n = message(hp, msg, sizeof(msg))) == 0)
		return 0;
	if (hp->frag > 0 && hp->frag < n) {
		record(&b, msg, hp->frag);
		record(&b, msg + hp->frag, n - hp->frag);
	} else
		record(&b, msg, n);
	return b.over ? 0 : b.n;
}

/*
 * tls.c - TLS ClientHello parser: record reassembly (RFC 8446 5.1), the
 * ClientHello body (RFC 8446 4.1.2) and the server_name extension
 * (RFC 6066 section 3).
 *
 * Every length-prefixed field becomes a sub-cursor, and a field must use
 * up its enclosing length exactly: an inner length that disagrees with the
 * outer one is "malformed", not silently skipped.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "tls.h"

#define TLS_CT_HANDSHAKE	22	/* RFC 8446 5.1 ContentType */
#define TLS_REC_HDR		5	/* type, version, length */
#define TLS_REC_MAX		(16384 + 2048)	/* TLSCiphertext bound, 5.2 */
#define TLS_HS_HDR		4	/* msg_type, uint24 length */
#define TLS_HS_CLIENT_HELLO	1
#define TLS_RANDOM_LEN		32
#define TLS_SESSION_ID_MAX	32
#define TLS_EXT_SERVER_NAME	0
#define TLS_NAME_HOST		0	/* RFC 6066 NameType host_name */

enum tls_status
tls_probe(const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint8_t b;

	cur_init(&c, buf, len);
	if (cur_u8(&c, &b) == -1)
		return TLS_INCOMPLETE;
	if (b != TLS_CT_HANDSHAKE)
		return TLS_NOT_TLS;
	if (cur_u8(&c, &b) == -1)
		return TLS_INCOMPLETE;
	if (b != 3)
		return TLS_NOT_TLS;
	if (cur_u8(&c, &b) == -1)
		return TLS_INCOMPLETE;
	return b <= 4 ? TLS_OK : TLS_NOT_TLS;
}

/* RFC 8446 5.1 TLSPlaintext header; sets *len to the fragment length. */
static enum tls_status
record_header(struct cursor *c, uint16_t *len)
{
	enum tls_status s;

	if ((s = tls_probe(c->p, c->left)) != TLS_OK)
		return s;
	if (cur_skip(c, 3) == -1 || cur_u16be(c, len) == -1)
		return TLS_INCOMPLETE;
	/* zero-length handshake fragments are forbidden (5.1) */
	if (*len == 0 || *len > TLS_REC_MAX)
		return TLS_MALFORMED;
	return TLS_OK;
}

/*
 * Is a whole ClientHello in the reassembled bytes?  On TLS_OK *bodylen is
 * the length of the message after its 4-byte header.
 */
static enum tls_status
handshake_complete(const uint8_t *msg, size_t have, size_t cap,
    size_t *bodylen)
{
	struct cursor c;
	uint32_t n;
	uint8_t type;

	cur_init(&c, msg, have);
	if (cur_u8(&c, &type) == -1)
		return TLS_INCOMPLETE;
	if (type != TLS_HS_CLIENT_HELLO)
		return TLS_MALFORMED;
	if (cur_u24be(&c, &n) == -1)
		return TLS_INCOMPLETE;
	if (cap < TLS_HS_HDR || n > cap - TLS_HS_HDR)
		return TLS_MALFORMED;
	if (c.left < n)
		return TLS_INCOMPLETE;
	*bodylen = n;
	return TLS_OK;
}

/*
 * Keep the host name only if it is 1..255 bytes of printable ASCII
 * without space: anything else (NUL bytes, UTF-8, control characters)
 * cannot be a DNS name and would only poison the counters and output, so
 * it is treated as no SNI at all.  Case is kept; classification folds it.
 */
static void
sni_store(struct cursor *name, struct tls_hello *out)
{
	size_t i, n = name->left;

	if (n == 0 || n > TLS_SNI_MAX)
		return;
	for (i = 0; i < n; i++)
		if (name->p[i] <= 0x20 || name->p[i] >= 0x7f)
			return;
	if (cur_bytes(name, out->sni, n) == -1)
		return;
	out->sni[n] = '\0';
	out->sni_len = n;
}

/*
 * RFC 6066 3: ServerNameList server_name_list<1..2^16-1>, each entry
 * NameType name_type + HostName host_name<1..2^16-1>.  The first host_name
 * entry is the one used.  Unknown name types are assumed to carry the same
 * opaque<1..2^16-1> shape, as deployed servers do.
 */
static enum tls_status
ext_server_name(struct cursor *ext, struct tls_hello *out)
{
	struct cursor list, name;
	uint16_t n;
	uint8_t type;
	bool taken = false;

	if (cur_u16be(ext, &n) == -1 || n == 0 ||
	    cur_sub(ext, n, &list) == -1 || ext->left != 0)
		return TLS_MALFORMED;
	while (list.left > 0) {
		if (cur_u8(&list, &type) == -1 || cur_u16be(&list, &n) == -1 ||
		    n == 0 || cur_sub(&list, n, &name) == -1)
			return TLS_MALFORMED;
		if (type == TLS_NAME_HOST && !taken) {
			taken = true;
			sni_store(&name, out);
		}
	}
	return TLS_OK;
}

/* RFC 8446 4.2: Extension extensions<..2^16-1>, type + opaque data. */
static enum tls_status
hello_extensions(struct cursor *exts, struct tls_hello *out)
{
	struct cursor data;
	uint16_t type, n;
	bool seen_sni = false;

	while (exts->left > 0) {
		if (cur_u16be(exts, &type) == -1 ||
		    cur_u16be(exts, &n) == -1 || cur_sub(exts, n, &data) == -1)
			return TLS_MALFORMED;
		if (type != TLS_EXT_SERVER_NAME)
			continue;
		/* 4.2: at most one extension of each type */
		if (seen_sni || ext_server_name(&data, out) != TLS_OK)
			return TLS_MALFORMED;
		seen_sni = true;
	}
	return TLS_OK;
}

/* RFC 8446 4.1.2 ClientHello body, after the handshake header. */
static enum tls_status
hello_body(const uint8_t *p, size_t len, struct tls_hello *out)
{
	struct cursor h, sub;
	uint16_t n16;
	uint8_t n8;

	cur_init(&h, p, len);
	/* legacy_version, random */
	if (cur_skip(&h, 2 + TLS_RANDOM_LEN) == -1)
		return TLS_MALFORMED;
	/* legacy_session_id<0..32> */
	if (cur_u8(&h, &n8) == -1 || n8 > TLS_SESSION_ID_MAX ||
	    cur_sub(&h, n8, &sub) == -1)
		return TLS_MALFORMED;
	/* cipher_suites<2..2^16-2>, two bytes each */
	if (cur_u16be(&h, &n16) == -1 || n16 < 2 || n16 % 2 != 0 ||
	    cur_sub(&h, n16, &sub) == -1)
		return TLS_MALFORMED;
	/* legacy_compression_methods<1..2^8-1> */
	if (cur_u8(&h, &n8) == -1 || n8 < 1 || cur_sub(&h, n8, &sub) == -1)
		return TLS_MALFORMED;
	/* SSL 3.0 / early TLS 1.0 hellos may end here (RFC 5246 7.4.1.2) */
	if (h.left == 0)
		return TLS_OK;
	if (cur_u16be(&h, &n16) == -1 || cur_sub(&h, n16, &sub) == -1 ||
	    h.left != 0)
		return TLS_MALFORMED;
	return hello_extensions(&sub, out);
}

/*
 * Walk handshake records, appending each fragment to scratch until the
 * ClientHello is whole, then parse it.  A record other than a handshake
 * is TLS_NOT_TLS when it is the first, TLS_MALFORMED later: 5.1 forbids
 * interleaving other record types within one handshake message.
 */
enum tls_status
tls_parse_client_hello(const uint8_t *buf, size_t len, uint8_t *scratch,
    size_t scratchcap, struct tls_hello *out, size_t *consumed)
{
	struct cursor c, frag;
	enum tls_status s;
	size_t have = 0, bodylen = 0;
	uint16_t rlen;
	bool first = true;

	out->sni[0] = '\0';
	out->sni_len = 0;
	*consumed = 0;
	cur_init(&c, buf, len);
	for (;;) {
		s = record_header(&c, &rlen);
		if (s == TLS_NOT_TLS && !first)
			s = TLS_MALFORMED;
		if (s != TLS_OK)
			return s;
		if (rlen > scratchcap - have)
			return TLS_MALFORMED;
		/* reject a non-ClientHello before waiting for the record */
		if (have == 0 && c.left > 0 && c.p[0] != TLS_HS_CLIENT_HELLO)
			return TLS_MALFORMED;
		if (cur_sub(&c, rlen, &frag) == -1)
			return TLS_INCOMPLETE;
		(void)cur_bytes(&frag, scratch + have, rlen);
		have += rlen;
		s = handshake_complete(scratch, have, scratchcap, &bodylen);
		if (s == TLS_OK)
			break;
		if (s != TLS_INCOMPLETE)
			return s;
		first = false;
	}
	s = hello_body(scratch + TLS_HS_HDR, bodylen, out);
	if (s != TLS_OK) {
		out->sni[0] = '\0';
		out->sni_len = 0;
		return s;
	}
	*consumed = len - c.left;
	return TLS_OK;
}

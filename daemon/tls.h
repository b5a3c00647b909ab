/*
 * tls.h - TLS ClientHello parser (RFC 8446 section 4.1.2, 5.1; RFC 6066
 * section 3 for server_name).
 *
 * Input is client->server stream bytes starting at a TLS record.  The
 * handshake message may span several records (RFC 8446 5.1 allows
 * fragmentation); fragments are copied into a caller-supplied scratch
 * buffer.  Pure: no allocation, no I/O.
 */
#ifndef ORIGINSTAT_TLS_H
#define ORIGINSTAT_TLS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_SNI_MAX	255

enum tls_status {
	TLS_OK,		/* a whole ClientHello was parsed */
	TLS_INCOMPLETE,	/* looks like one so far, more bytes needed */
	TLS_MALFORMED,	/* a handshake record, but broken */
	TLS_NOT_TLS,	/* does not start with a TLS handshake record */
};

struct tls_hello {
	char	sni[TLS_SNI_MAX + 1];	/* host_name, NUL-terminated, "" if none */
	size_t	sni_len;
};

/*
 * Quick test: could buf start a TLS handshake record (type 22, version
 * 3.x)?  TLS_OK, TLS_INCOMPLETE (too short to tell) or TLS_NOT_TLS.
 */
enum tls_status tls_probe(const uint8_t *buf, size_t len);

/*
 * Parse the ClientHello at the start of buf.  scratch/scratchcap holds the
 * reassembled handshake message (16 KiB is enough for any real hello).
 * On TLS_OK, *consumed is the number of stream bytes of the records that
 * carried the whole ClientHello message.
 */
enum tls_status tls_parse_client_hello(const uint8_t *buf, size_t len,
	    uint8_t *scratch, size_t scratchcap, struct tls_hello *out,
	    size_t *consumed);

#endif

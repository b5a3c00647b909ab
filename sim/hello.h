/*
 * hello.h - build a realistic TLS ClientHello (RFC 8446 4.1.2).
 *
 * Shaped like a 2016-2018 browser hello: TLS 1.2 record version, cipher
 * suites for 1.2 and 1.3, and extensions server_name (RFC 6066 3),
 * extended_master_secret, renegotiation_info, supported_groups,
 * ec_point_formats, session_ticket, ALPN, status_request,
 * signature_algorithms, signed_certificate_timestamp, and optionally
 * GREASE (RFC 8701), key_share / supported_versions /
 * psk_key_exchange_modes (TLS 1.3) and padding (RFC 7685).
 */
#ifndef ORIGINSTAT_SIM_HELLO_H
#define ORIGINSTAT_SIM_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hello_params {
	const char	*sni;		/* NULL: no server_name extension */
	uint8_t		 random[32];
	uint8_t		 session_id[32];
	uint8_t		 key_share[32];	/* x25519 public value */
	bool		 tls13;		/* key_share, supported_versions, psk */
	bool		 grease;
	bool		 sni_last;	/* server_name after the others */
	bool		 pad;		/* pad the hello to 512 bytes */
	size_t		 frag;		/* >0: split the handshake message into
					   two records after frag bytes */
};

/*
 * Write the TLS records carrying one ClientHello into buf (cap bytes).
 * Returns the number of bytes, or 0 if it does not fit or sni is longer
 * than 255 bytes.
 */
size_t	hello_build(const struct hello_params *, uint8_t *buf, size_t cap);

#endif

/*
 * curve.h - CurveZMQ keys for a private stream (docs/wire.md, "Private
 * streams (CurveZMQ)").
 *
 * Key files hold one Z85 key (40 characters, ZeroMQ RFC 32) on one line;
 * blank lines, lines starting with '#' and spaces, tabs and CRs around
 * the key are ignored.  "originstat keygen OUT" writes OUT.key (the secret
 * key, mode 0600) and OUT.pub (the public key).  An allow-list file holds
 * any number of public keys in the same way, one a line.
 *
 * The parsers are pure; the rest reads files or asks libzmq.
 */
#ifndef ORIGINSTAT_CURVE_H
#define ORIGINSTAT_CURVE_H

#include <stddef.h>

#define CURVE_Z85_LEN	40	/* characters of a Z85 key */
#define CURVE_KEY_LEN	32	/* bytes of a key */
#define CURVE_ALLOW_MAX	4096	/* keys in an allow-list */
#define CURVE_FILE_MAX	((size_t)1 << 20)	/* bytes of a key file */

enum curve_status {
	CURVE_OK,
	CURVE_EMPTY,		/* no key in the text */
	CURVE_BAD_LENGTH,	/* a key line not 40 characters long */
	CURVE_BAD_Z85,		/* not Z85 or over 2^32 in a group */
	CURVE_MANY,		/* a second key where one was wanted */
	CURVE_TOO_MANY		/* over CURVE_ALLOW_MAX keys */
};

/* Public keys allowed to subscribe; keys in binary. */
struct curve_allow {
	unsigned char	(*keys)[CURVE_KEY_LEN];
	size_t		  n;
};

/* A client's keys, Z85 with a NUL, all three set or none used. */
struct curve_client {
	char	server[CURVE_Z85_LEN + 1];	/* the server's public key */
	char	public[CURVE_Z85_LEN + 1];	/* ours, derived */
	char	secret[CURVE_Z85_LEN + 1];
};

/* A server's keys. */
struct curve_server {
	char			secret[CURVE_Z85_LEN + 1];
	char			public[CURVE_Z85_LEN + 1];	/* derived */
	struct curve_allow	allow;
};

const char	*curve_strerror(enum curve_status);

/*
 * Decode a 40-character Z85 key into out.  0, or -1 if a character is
 * not in the Z85 alphabet or a 5-character group is 2^32 or more.
 */
int		 curve_z85_decode(const char *z85, unsigned char out[CURVE_KEY_LEN])
		    __attribute__((warn_unused_result));

/*
 * The one key of a key file's text (len bytes, need not end in NUL) into
 * out as a NUL-terminated Z85 string.  On an error *line is the line at
 * fault (1-based; 0 for CURVE_EMPTY).
 */
enum curve_status curve_key_parse(const char *text, size_t len,
		    char out[CURVE_Z85_LEN + 1], size_t *line);
/*
 * Every key of an allow-list's text into a, which the caller frees with
 * curve_allow_fini (also after an error).  No key at all is CURVE_EMPTY.
 */
enum curve_status curve_allow_parse(const char *text, size_t len,
		    struct curve_allow *a, size_t *line);
void		 curve_allow_fini(struct curve_allow *);
/* 1 if the 32-byte key is in a, else 0. */
int		 curve_allow_has(const struct curve_allow *,
		    const unsigned char key[CURVE_KEY_LEN]);

/*
 * Read a key file into out.  0, or a sysexits status with a message
 * naming the file in err: EX_NOINPUT if it cannot be read, EX_DATAERR if
 * it holds no single valid key.
 */
int		 curve_key_load(const char *path, char out[CURVE_Z85_LEN + 1],
		    char *err, size_t errcap) __attribute__((warn_unused_result));
/* An allow-list file into a; statuses as curve_key_load. */
int		 curve_allow_load(const char *path, struct curve_allow *a,
		    char *err, size_t errcap)
		    __attribute__((warn_unused_result));

/* 1 if libzmq was built with CurveZMQ, else 0. */
int		 curve_available(void);
/*
 * A client's keys: server is a 40-character Z85 key or a file holding
 * one, key_file our secret key file.  0 or a sysexits status, as above.
 */
int		 curve_client_load(struct curve_client *, const char *server,
		    const char *key_file, char *err, size_t errcap)
		    __attribute__((warn_unused_result));
/*
 * A server's keys: its secret key file and the allow-list file.  The
 * caller frees with curve_server_fini.  0 or a sysexits status.
 */
int		 curve_server_load(struct curve_server *,
		    const char *secret_file, const char *allow_file,
		    char *err, size_t errcap)
		    __attribute__((warn_unused_result));
void		 curve_server_fini(struct curve_server *);
/* Make sock a CurveZMQ client of c (before zmq_connect).  0 or -1. */
int		 curve_client_apply(void *sock, const struct curve_client *c)
		    __attribute__((warn_unused_result));
/*
 * Write a new key pair: out.key (secret, mode 0600, never overwritten)
 * and out.pub.  0 or a sysexits status with a message in err.
 */
int		 curve_keygen(const char *out, char *err, size_t errcap)
		    __attribute__((warn_unused_result));

#endif

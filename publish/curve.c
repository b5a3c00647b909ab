/*
 * curve.c - CurveZMQ key files, allow-lists and key pairs (curve.h).
 *
 * Z85 is ZeroMQ RFC 32: each 5 characters encode 4 bytes, big-endian, in
 * base 85 over the alphabet below.  A 32-byte key is 40 characters.
 *
 * '#' is a Z85 character, but no key begins with one ('#' is 84, and
 * 84 * 85^4 > 2^32), so a line starting with '#' is a comment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include <zmq.h>

#include "curve.h"

static const char z85_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ".-:+=^!/*?&<>()[]{}@%$#";

const char *
curve_strerror(enum curve_status st)
{
	switch (st) {
	case CURVE_OK:
		return "ok";
	case CURVE_EMPTY:
		return "no key found";
	case CURVE_BAD_LENGTH:
		return "a key is 40 Z85 characters";
	case CURVE_BAD_Z85:
		return "not a Z85 key";
	case CURVE_MANY:
		return "more than one key; a key file holds one";
	case CURVE_TOO_MANY:
		return "too many keys";
	}
	return "unknown error";
}

/* The value of a Z85 character, or -1. */
static int
z85_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(z85_chars, c)) == NULL)
		return -1;
	return (int)(p - z85_chars);
}

int
curve_z85_decode(const char *z85, unsigned char out[CURVE_KEY_LEN])
{
	uint64_t v;
	size_t i, k;
	int d;

	for (i = 0; i < CURVE_Z85_LEN; i += 5) {
		v = 0;
		for (k = 0; k < 5; k++) {
			if ((d = z85_value(z85[i + k])) == -1)
				return -1;
			v = v * 85 + (uint64_t)d;
		}
		if (v > UINT32_MAX)
			return -1;
		for (k = 0; k < 4; k++)
			out[i / 5 * 4 + k] = (unsigned char)(v >> (24 - 8 * k));
	}
	return 0;
}

static int
curve_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The next line of text[*pos .. len), trimmed, as (*s, *n); 0 at the end.
 */
static int
curve_next_line(const char *text, size_t len, size_t *pos, const char **s,
    size_t *n)
{
	size_t b = *pos, e;

	if (b >= len)
		return 0;
	for (e = b; e < len && text[e] != '\n'; e++)
		continue;
	*pos = e < len ? e + 1 : e;
	while (b < e && curve_space(text[b]))
		b++;
	while (e > b && curve_space(text[e - 1]))
		e--;
	*s = text + b;
	*n = e - b;
	return 1;
}

/*
 * One trimmed line: CURVE_OK with the key in out (binary, and Z85 in z
 * if not NULL), CURVE_EMPTY for a blank or comment line, else an error.
 */
static enum curve_status
curve_line(const char *s, size_t n, unsigned char out[CURVE_KEY_LEN],
    char z[CURVE_Z85_LEN + 1])
{
	char buf[CURVE_Z85_LEN + 1];
	int ok;

	if (n == 0)
		return CURVE_EMPTY;
	ok = n == CURVE_Z85_LEN;
	if (ok) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		ok = curve_z85_decode(buf, out) == 0;
	}
	if (ok) {
		if (z != NULL)
			memcpy(z, buf, sizeof(buf));
		return CURVE_OK;
	}
	if (s[0] == '#')
		return CURVE_EMPTY;
	return n == CURVE_Z85_LEN ? CURVE_BAD_Z85 : CURVE_BAD_LENGTH;
}

enum curve_status
curve_key_parse(const char *text, size_t len, char out[CURVE_Z85_LEN + 1],
    size_t *line)
{
	unsigned char key[CURVE_KEY_LEN];
	enum curve_status st;
	size_t pos = 0, n, ln = 0;
	const char *s;
	int found = 0;

	*line = 0;
	while (curve_next_line(text, len, &pos, &s, &n)) {
		ln++;
		if ((st = curve_line(s, n, key, out)) == CURVE_EMPTY)
			continue;
		*line = ln;
		if (st != CURVE_OK)
			return st;
		if (found)
			return CURVE_MANY;
		found = 1;
	}
	if (!found)
		return CURVE_EMPTY;
	*line = 0;
	return CURVE_OK;
}

enum curve_status
curve_allow_parse(const char *text, size_t len, struct curve_allow *a,
    size_t *line)
{
	unsigned char key[CURVE_KEY_LEN];
	enum curve_status st;
	size_t pos = 0, n, ln = 0;
	const char *s;

	memset(a, 0, sizeof(*a));
	*line = 0;
	while (curve_next_line(text, len, &pos, &s, &n)) {
		ln++;
		if ((st = curve_line(s, n, key, NULL)) == CURVE_EMPTY)
			continue;
		*line = ln;
		if (st != CURVE_OK)
			return st;
		if (a->n == CURVE_ALLOW_MAX)
			return CURVE_TOO_MANY;
		if (a->keys == NULL && (a->keys = calloc(CURVE_ALLOW_MAX,
		    sizeof(*a->keys))) == NULL)
			return CURVE_TOO_MANY;
		memcpy(a->keys[a->n++], key, CURVE_KEY_LEN);
	}
	*line = 0;
	return a->n == 0 ? CURVE_EMPTY : CURVE_OK;
}

void
curve_allow_fini(struct curve_allow *a)
{
	free(a->keys);
	a->keys = NULL;
	a->n = 0;
}

int
curve_allow_has(const struct curve_allow *a,
    const unsigned char key[CURVE_KEY_LEN])
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (memcmp(a->keys[i], key, CURVE_KEY_LEN) == 0)
			return 1;
	return 0;
}

/* The whole file, NUL-terminated, into *buf (caller frees).  0 or -1. */
static int
curve_read(const char *path, char **buf, size_t *len, char *err,
    size_t errcap)
{
	ssize_t r;
	size_t n = 0;
	char *b;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((b = malloc(CURVE_FILE_MAX + 1)) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (n < CURVE_FILE_MAX && (r = read(fd, b + n,
	    CURVE_FILE_MAX - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errcap, "%s: %s", path, strerror(errno));
			free(b);
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static void
curve_say(char *err, size_t errcap, const char *path, size_t line,
    enum curve_status st)
{
	if (line > 0)
		snprintf(err, errcap, "%s:%zu: %s", path, line,
		    curve_strerror(st));
	else
		snprintf(err, errcap, "%s: %s", path, curve_strerror(st));
}

int
curve_key_load(const char *path, char out[CURVE_Z85_LEN + 1], char *err,
    size_t errcap)
{
	enum curve_status st;
	size_t len, line;
	char *buf;

	if (curve_read(path, &buf, &len, err, errcap) == -1)
		return EX_NOINPUT;
	st = curve_key_parse(buf, len, out, &line);
	free(buf);
	if (st == CURVE_OK)
		return 0;
	curve_say(err, errcap, path, line, st);
	return EX_DATAERR;
}

int
curve_allow_load(const char *path, struct curve_allow *a, char *err,
    size_t errcap)
{
	enum curve_status st;
	size_t len, line;
	char *buf;

	memset(a, 0, sizeof(*a));
	if (curve_read(path, &buf, &len, err, errcap) == -1)
		return EX_NOINPUT;
	st = curve_allow_parse(buf, len, a, &line);
	free(buf);
	if (st == CURVE_OK)
		return 0;
	curve_allow_fini(a);
	curve_say(err, errcap, path, line, st);
	return EX_DATAERR;
}

int
curve_available(void)
{
	return zmq_has("curve");
}

/* The public key of a secret one.  0, or EX_DATAERR. */
static int
curve_derive(const char *secret, char pub[CURVE_Z85_LEN + 1],
    const char *what, char *err, size_t errcap)
{
	if (zmq_curve_public(pub, secret) == 0)
		return 0;
	snprintf(err, errcap, "%s: %s", what, zmq_strerror(zmq_errno()));
	return EX_DATAERR;
}

int
curve_client_load(struct curve_client *c, const char *server,
    const char *key_file, char *err, size_t errcap)
{
	unsigned char key[CURVE_KEY_LEN];
	int rc;

	memset(c, 0, sizeof(*c));
	/* A key given inline; a file named like a key is still read. */
	if (strlen(server) == CURVE_Z85_LEN && access(server, F_OK) == -1 &&
	    curve_z85_decode(server, key) == 0)
		memcpy(c->server, server, CURVE_Z85_LEN + 1);
	else if ((rc = curve_key_load(server, c->server, err, errcap)) != 0)
		return rc;
	if ((rc = curve_key_load(key_file, c->secret, err, errcap)) != 0)
		return rc;
	return curve_derive(c->secret, c->public, key_file, err, errcap);
}

int
curve_server_load(struct curve_server *s, const char *secret_file,
    const char *allow_file, char *err, size_t errcap)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = curve_key_load(secret_file, s->secret, err, errcap)) != 0 ||
	    (rc = curve_derive(s->secret, s->public, secret_file, err,
	    errcap)) != 0 ||
	    (rc = curve_allow_load(allow_file, &s->allow, err, errcap)) != 0)
		return rc;
	return 0;
}

void
curve_server_fini(struct curve_server *s)
{
	curve_allow_fini(&s->allow);
	explicit_bzero(s->secret, sizeof(s->secret));
}

int
curve_client_apply(void *sock, const struct curve_client *c)
{
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, c->server,
	    CURVE_Z85_LEN + 1) == -1 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, c->public,
	    CURVE_Z85_LEN + 1) == -1 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, c->secret,
	    CURVE_Z85_LEN + 1) == -1)
		return -1;
	return 0;
}

/* Write "key\n" to a new file path; 0 or EX_CANTCREAT/EX_IOERR. */
static int
curve_write(const char *path, const char *key, mode_t mode, char *err,
    size_t errcap)
{
	char line[CURVE_Z85_LEN + 2];
	int fd;

	snprintf(line, sizeof(line), "%s\n", key);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) == -1) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    fsync(fd) == -1) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return EX_IOERR;
	}
	if (close(fd) == -1) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		unlink(path);
		return EX_IOERR;
	}
	return 0;
}

int
curve_keygen(const char *out, char *err, size_t errcap)
{
	char pub[CURVE_Z85_LEN + 1], sec[CURVE_Z85_LEN + 1];
	char kpath[4096], ppath[4096];
	int rc, n, m;

	n = snprintf(kpath, sizeof(kpath), "%s.key", out);
	m = snprintf(ppath, sizeof(ppath), "%s.pub", out);
	if (n < 0 || (size_t)n >= sizeof(kpath) || m < 0 ||
	    (size_t)m >= sizeof(ppath)) {
		snprintf(err, errcap, "%s: name too long", out);
		return EX_USAGE;
	}
	if (zmq_curve_keypair(pub, sec) == -1) {
		snprintf(err, errcap, "zmq_curve_keypair: %s",
		    zmq_strerror(zmq_errno()));
		return EX_SOFTWARE;
	}
	/* The public file first: a clash leaves no orphan secret key. */
	if ((rc = curve_write(ppath, pub, 0644, err, errcap)) != 0)
		goto done;
	if ((rc = curve_write(kpath, sec, 0600, err, errcap)) != 0)
		unlink(ppath);
done:
	explicit_bzero(sec, sizeof(sec));
	return rc;
}

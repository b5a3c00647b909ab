/*
 * http.h - HTTP/1.x request head parser (RFC 9112 section 2-3, RFC 9110).
 *
 * Modelled on picohttpparser: zero-copy (pointer, length) views into the
 * caller's buffer, no allocation, resumable by calling again on a longer
 * buffer.  The parser is pure: it reads bytes and fills a struct.
 */
#ifndef ORIGINSTAT_HTTP_H
#define ORIGINSTAT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_FWD	8	/* X-Forwarded-For / Forwarded headers kept */

struct view {
	const char	*p;
	size_t		 n;
};

enum http_status {
	HTTP_OK,		/* a complete head was parsed */
	HTTP_INCOMPLETE,	/* valid so far, more bytes needed */
	HTTP_MALFORMED,		/* not (or no longer) an HTTP/1.x request */
};

struct http_req {
	struct view	method;
	struct view	target;		/* request-target as sent */
	struct view	host;		/* Host header value, trimmed; n=0 if none */
	struct view	xff[HTTP_MAX_FWD];	/* X-Forwarded-For values, in order */
	size_t		nxff;
	struct view	fwd[HTTP_MAX_FWD];	/* Forwarded values, in order */
	size_t		nfwd;
	int		minor;		/* HTTP/1.<minor> */
	bool		has_length;	/* a valid Content-Length was seen */
	uint64_t	content_length;
	bool		chunked;	/* Transfer-Encoding ends in chunked */
	bool		bad_length;	/* Content-Length present but invalid */
	bool		expect_continue;
	bool		upgrade;	/* Upgrade or CONNECT: stream leaves HTTP */
};

/*
 * Is this the start of a request line?  Checks that buf begins with a known
 * method token followed by a space (or could, if len is short).  Returns
 * HTTP_OK (yes), HTTP_INCOMPLETE (a prefix of one) or HTTP_MALFORMED (no).
 */
enum http_status http_probe(const uint8_t *buf, size_t len);

/*
 * Parse one request head (request line, header fields, empty line) at the
 * start of buf.  On HTTP_OK, *consumed is the length of the head, body not
 * included, and req's views point into buf.  On other results req is
 * unspecified.  Heads longer than len are HTTP_INCOMPLETE: the caller caps.
 */
enum http_status http_parse_request(const uint8_t *buf, size_t len,
	    struct http_req *req, size_t *consumed);

/*
 * Split a request into the host and path used for classification:
 * an absolute-form target (http://host[:port]/path) wins over Host;
 * the port is dropped; the path stops before '?' or '#'.  For CONNECT
 * (authority-form) the host comes from the target and the path is empty.
 * Views point into the request's buffer.
 */
void	http_request_host_path(const struct http_req *req, struct view *host,
	    struct view *path);

/*
 * Chunked body skipping (RFC 9112 section 7.1): a small resumable state
 * machine fed stream bytes.  http_chunked_feed returns how many bytes of
 * buf belong to the body; *done is set when the last chunk and trailers
 * ended.  Returns (size_t)-1 on a malformed chunk size line.
 */
struct http_chunked {
	int		state;
	uint64_t	left;
	unsigned	linelen;
};
void	http_chunked_init(struct http_chunked *);
size_t	http_chunked_feed(struct http_chunked *, const uint8_t *buf,
	    size_t len, bool *done);

#endif

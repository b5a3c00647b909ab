/*
 * stream.h - find request heads and ClientHellos in one direction of a TCP
 * connection, given its bytes in order.
 *
 * The flow table (flow.c) puts segments in order and removes what was seen
 * before; this module turns the resulting byte stream into hits.  It keeps
 * a per-direction state machine: request head, body (Content-Length or
 * chunked), TLS records, resynchronisation, or ignore.  Partial heads wait
 * in a buffer taken from a bounded pool; no allocation happens per packet.
 */
#ifndef ORIGINSTAT_STREAM_H
#define ORIGINSTAT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "http.h"
#include "stats.h"
#include "tls.h"

enum stream_state {
	STREAM_NEW,		/* nothing yet: HTTP, TLS, response or junk? */
	STREAM_HTTP,		/* at a request boundary */
	STREAM_BODY,		/* skipping body_left bytes */
	STREAM_CHUNKED,		/* skipping a chunked body */
	STREAM_TLS,		/* TLS records, before and between hellos */
	STREAM_RESYNC,		/* looking for the next request line */
	STREAM_TUNNEL,		/* after CONNECT or Upgrade: HTTP, TLS or off */
	STREAM_IGNORE,		/* server side, encrypted or unknown: skip */
};

struct stream {
	uint64_t		body_left;
	struct http_chunked	ch;
	int32_t			buf;		/* pool index, -1 if none */
	uint32_t		buflen;
	uint8_t			state;
	uint8_t			hellos;		/* ClientHellos on this stream */
	bool			line_start;	/* resync: last byte was \n */
	bool			expect;		/* body after 100-continue */
	bool			mid;		/* start of stream not seen */
	bool			server;		/* sent a response */
};

enum hit_kind {
	HIT_HTTP,
	HIT_TLS,
};

struct hit {
	enum hit_kind		 kind;
	const struct ip_addr	*src;	/* sender of the stream (the client) */
	const struct http_req	*req;	/* HIT_HTTP */
	const struct tls_hello	*hello;	/* HIT_TLS */
};

typedef void (*hit_fn)(void *arg, const struct hit *);

struct stream_env {
	struct stats	*stats;
	hit_fn		 on_hit;
	void		*arg;
	size_t		 head_limit;	/* bytes of a head kept across segments */
	size_t		 max_bufs;
	/* buffer pool, managed by stream.c */
	uint8_t		**bufs;
	int32_t		*free_bufs;
	size_t		 nfree, nbufs;
	uint8_t		*scratch;	/* TLS handshake reassembly */
	size_t		 scratchcap;
};

int	stream_env_init(struct stream_env *, struct stats *, size_t head_limit,
	    size_t max_bufs) __attribute__((warn_unused_result));
void	stream_env_fini(struct stream_env *);

/* A new direction.  mid_stream: its start was not seen (no SYN). */
void	stream_init(struct stream *, bool mid_stream);
/* This direction is the server's (it answered a SYN): ignore its bytes. */
void	stream_set_server(struct stream_env *, struct stream *);
/* Forget a direction (connection closed or evicted); frees its buffer. */
void	stream_fini(struct stream_env *, struct stream *);
/* New in-order bytes.  src is the sender's address, passed to hits. */
void	stream_data(struct stream_env *, struct stream *,
	    const struct ip_addr *src, const uint8_t *p, size_t n);
/* Bytes were lost before the next ones: drop partial state, resync. */
void	stream_gap(struct stream_env *, struct stream *);
/* Is anything still looked for in this direction? */
bool	stream_wants_data(const struct stream *);
/*
 * The pool of head_limit-sized buffers, also lent to flow.c for
 * out-of-order segments: an index (-1 when the pool is exhausted).
 */
int32_t	stream_pool_get(struct stream_env *);
void	stream_pool_put(struct stream_env *, int32_t);
uint8_t	*stream_pool_mem(struct stream_env *, int32_t);
/* Did the first bytes of a direction look like a response? */
bool	stream_is_server(const struct stream *);

#endif

/*
 * sub.h - subscriber core of the originstat client: follows an originstatd
 * (docs/wire.md) and hands each complete minute, exactly once and oldest
 * first, to a callback.
 *
 * It is the ZeroMQ guide's Clone pattern: a SUB socket for the live stream
 * and a DEALER socket asking the daemon's snapshot service for the minutes
 * it missed (at start, after a gap in seq, and when the daemon restarted,
 * which shows as a new "run").  Lost connections are retried forever with
 * exponential backoff from 0.5 s to 30 s, said on stderr.
 */
#ifndef ORIGINSTAT_SUB_H
#define ORIGINSTAT_SUB_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "curve.h"

#define SUB_CLASS_MAX	63	/* bytes in a class name (wire: 31) */
#define SUB_CC_MAX	15	/* bytes in a country code (wire: 2) */
#define SUB_EP_MAX	512	/* bytes in an endpoint */
#define SUB_NONE	INT64_MIN	/* no minute yet */

struct sub_row {
	char		cls[SUB_CLASS_MAX + 1];
	char		cc[SUB_CC_MAX + 1];
	uint64_t	requests;
	uint64_t	tls_handshakes;
	uint64_t	clients;
	/*
	 * The row's distinct-client sketch as published (base64 text,
	 * daemon/hll_codec.h), or NULL if the row had none.  Owned by the
	 * subscriber, valid during on_minute.
	 */
	char		*sketch;
};

/* One complete minute; rows sorted by class name, then country. */
struct sub_minute {
	int64_t			 minute_ts;	/* UTC seconds, minute start */
	const struct sub_row	*rows;
	size_t			 nrows;
	int			 replayed;	/* from a snapshot */
	const char		*sensor;	/* as its marker names it */
};

struct sub_opts {
	const char	*prog;		/* "originstat csv", for messages */
	const char	*connect;	/* the daemon's PUB endpoint */
	const char	*snapshot;	/* NULL: derived, or as announced */
	/* NULL: plain; else CurveZMQ on both sockets (docs/wire.md). */
	const struct curve_client *curve;
	int64_t		 after;		/* deliver minutes after this one */
	/*
	 * Called once per complete minute with minute_ts > after, in
	 * increasing minute_ts; 0 to go on, any other value ends sub_run,
	 * which returns it.
	 */
	int		(*on_minute)(void *arg, const struct sub_minute *);
	/* If not NULL: called after each snapshot is applied, same rule. */
	int		(*on_synced)(void *arg);
	void		*arg;
	volatile sig_atomic_t *stop;	/* set by a signal handler */
};

/*
 * Follow the daemon until *stop is set (returns 0) or on_minute returns
 * non-zero (returns that).  Setup failures return a sysexits status:
 * EX_USAGE for a bad endpoint, EX_SOFTWARE or EX_OSERR otherwise, with a
 * message on stderr.
 */
int	sub_run(const struct sub_opts *);

/*
 * The --curve-server-key and --curve-key options of a subcommand: neither
 * (*out = NULL), or both, loaded into c (*out = c).  0, or a sysexits
 * status with a message on stderr naming prog: EX_USAGE for one without
 * the other, EX_UNAVAILABLE if libzmq has no CurveZMQ, else as
 * curve_client_load.
 */
int	sub_curve_load(const char *prog, const char *server_key,
	    const char *key_file, struct curve_client *c,
	    const struct curve_client **out)
	    __attribute__((warn_unused_result));

/*
 * The snapshot endpoint by the documented convention: tcp://HOST:PORT ->
 * tcp://HOST:(PORT+1), ipc://PATH -> ipc://PATH.snapshot,
 * inproc://NAME -> inproc://NAME.snapshot.  0, or -1 if pub has none.
 */
int	sub_snapshot_endpoint(const char *pub, char *out, size_t outcap)
	    __attribute__((warn_unused_result));

#endif

/*
 * capture.h - libpcap at the edge: open a file or an interface, apply the
 * BPF filter, hand packets to a callback.  The only code that includes
 * pcap.h.  Classic pcap files are read without libpcap (pcapfile.h).
 */
#ifndef ORIGINSTAT_CAPTURE_H
#define ORIGINSTAT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

struct capture;

typedef void (*capture_fn)(void *arg, int linktype, int64_t ts_us,
    const uint8_t *data, size_t caplen, size_t wirelen);

enum capture_result {
	CAPTURE_MORE,		/* call again */
	CAPTURE_EOF,		/* end of file */
	CAPTURE_BROKEN,		/* capture_break was called */
	CAPTURE_ERROR,		/* read error: capture_error() says which */
};

/*
 * Open a capture file ("-" is stdin) or interface.  NULL on failure with a
 * message naming the file or interface in err; *status is set to the
 * sysexits code to exit with.
 */
struct capture	*capture_open_file(const char *path, const char *filter,
		    char *err, size_t errcap, int *status);
struct capture	*capture_open_live(const char *iface, const char *filter,
		    int buffer_mb, char *err, size_t errcap, int *status);
void		 capture_close(struct capture *);
/* Compile and set a BPF filter; name is for messages.  0 or -1. */
int		 capture_set_filter(struct capture *, const char *name,
		    const char *filter, char *err, size_t errcap);

int		 capture_linktype(const struct capture *);
const char	*capture_linktype_name(const struct capture *);
/* Read a batch of packets (up to cnt; live: waits at most ~100 ms). */
enum capture_result capture_dispatch(struct capture *, int cnt, capture_fn,
		    void *arg);
const char	*capture_error(const struct capture *);
/*
 * 1 if a file is read by capture.c itself, not libpcap (classic pcap of a
 * link type decode.c reads); a BPF filter then runs per packet in
 * capture_dispatch, for nothing unless the user asked for one.
 */
int		 capture_own_reader(const struct capture *);
/* Stop a dispatch in progress (safe from the callback). */
void		 capture_break(struct capture *);
/* pcap_stats into st (live captures); 0 or -1. */
int		 capture_stats(struct capture *, struct stats *st);

#endif

/*
 * pcapw.h - write classic pcap files and build TCP/IP frames.
 *
 * Used by the simulator and by tests that need a capture.  Files are
 * classic pcap (not pcapng), little-endian, microsecond timestamps,
 * snaplen PCAPW_SNAPLEN; frames are written whole (caplen == len).
 *
 * Frames are built from a struct pcapw_seg: IPv4 or IPv6 (chosen by the
 * addresses, which are struct ip_addr, IPv4-mapped for IPv4), TCP with
 * correct checksums (RFC 791 header checksum, RFC 9293 3.1 / RFC 8200 8.1
 * pseudo-headers), wrapped in the file's link layer: Ethernet with up to
 * two VLAN tags, Linux cooked v1/v2, raw IP or BSD loopback.
 *
 * A writer either writes each frame at once (the default) or, after
 * pcapw_set_sorted, queues frames and writes them in timestamp order when
 * pcapw_sync or pcapw_close is called; frames with equal timestamps keep
 * the order they were queued in.
 *
 * struct pcapw_conn is a small TCP connection helper on top: three-way
 * handshake, data in both directions split at an MSS, FIN close, and
 * client data at an explicit sequence number for tests that retransmit,
 * overlap or reorder.
 */
#ifndef ORIGINSTAT_PCAPW_H
#define ORIGINSTAT_PCAPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../daemon/addr.h"

/* pcap LINKTYPE_ values supported. */
#define PCAPW_LINK_NULL		0	/* BSD loopback, 4-byte family */
#define PCAPW_LINK_ETHERNET	1
#define PCAPW_LINK_RAW		101	/* IPv4 or IPv6, no link header */
#define PCAPW_LINK_SLL		113	/* Linux cooked capture v1 */
#define PCAPW_LINK_SLL2		276	/* Linux cooked capture v2 */

#define PCAPW_SNAPLEN		262144
#define PCAPW_FRAME_MAX		65600	/* largest frame the builder makes */
#define PCAPW_PAYLOAD_MAX	65000	/* largest TCP payload it accepts */

#define PCAPW_FIN	0x01
#define PCAPW_SYN	0x02
#define PCAPW_RST	0x04
#define PCAPW_PSH	0x08
#define PCAPW_ACK	0x10

#define PCAPW_TPID_8021Q	0x8100
#define PCAPW_TPID_8021AD	0x88a8

/* Linux cooked capture packet types (sll_pkttype). */
#define PCAPW_PKT_HOST		0	/* addressed to this host */
#define PCAPW_PKT_OUTGOING	4	/* sent by this host */

/*
 * One TCP segment.  src and dst must be of the same family.  vlan[0] is
 * the outer tag: with nvlan == 2 it is written with TPID 0x88a8 (802.1ad
 * QinQ) and vlan[1] with 0x8100; with nvlan == 1 the single tag uses
 * 0x8100.  Tags are ignored for link types other than Ethernet.  opts
 * (optlen a multiple of 4, at most 40) are TCP options copied verbatim.
 * pkttype is the Linux cooked packet type; it also picks which of two
 * fixed MAC addresses is the source on Ethernet.
 */
struct pcapw_seg {
	struct ip_addr	 src, dst;
	uint16_t	 sport, dport;
	uint32_t	 seq, ack;
	uint8_t		 flags;		/* PCAPW_SYN etc. */
	uint16_t	 win;		/* 0 means 65535 */
	uint8_t		 ttl;		/* IPv4 TTL / IPv6 hop limit; 0: 64 */
	uint16_t	 vlan[2];	/* VLAN ids, 0..4095 */
	unsigned	 nvlan;		/* 0, 1 or 2 */
	uint8_t		 pkttype;
	const uint8_t	*opts;
	size_t		 optlen;
	const uint8_t	*payload;
	size_t		 len;
};

struct pcapw_stats {
	uint64_t	packets;	/* records written to the file */
	uint64_t	bytes;		/* file bytes, headers included */
};

struct pcapw;

/*
 * Create (truncate) the file at path and write the global header for
 * linktype (one of PCAPW_LINK_*).  On failure returns NULL and writes a
 * message naming the file into err (errno is kept).
 */
struct pcapw	*pcapw_open(const char *path, unsigned linktype, char *err,
		    size_t errcap);

/*
 * Write what is queued, close the file and free w.  Returns 0, or -1 if
 * any write since pcapw_open failed (a message naming the file is in err
 * when err is not NULL).
 */
int		 pcapw_close(struct pcapw *w, char *err, size_t errcap);

unsigned	 pcapw_linktype(const struct pcapw *);
void		 pcapw_get_stats(const struct pcapw *, struct pcapw_stats *);

/*
 * Queue frames from now on and write them in timestamp order.  Without a
 * pcapw_sync call, everything is held in memory until pcapw_close.
 */
void		 pcapw_set_sorted(struct pcapw *);

/*
 * Sorted mode: write, in order, every queued frame with a timestamp
 * before before_us.  The caller promises no frame older than before_us
 * will be queued afterwards.  Returns 0 or -1 on a write error.
 */
int		 pcapw_sync(struct pcapw *, int64_t before_us)
		    __attribute__((warn_unused_result));

/*
 * Write one link-layer frame of len bytes (at most PCAPW_SNAPLEN) with
 * timestamp ts_us (microseconds since the epoch).  0, or -1 if len is too
 * large, memory runs out or the write fails.  Errors are sticky: once a
 * write failed every later call fails too.
 */
int		 pcapw_write_frame(struct pcapw *, int64_t ts_us,
		    const void *frame, size_t len)
		    __attribute__((warn_unused_result));

/* Build seg as a frame of the writer's link type and write it.  0 or -1. */
int		 pcapw_write_tcp(struct pcapw *, int64_t ts_us,
		    const struct pcapw_seg *seg)
		    __attribute__((warn_unused_result));

/*
 * Build seg as a frame of linktype into buf (cap bytes).  Returns the
 * frame length, or 0 if the segment is invalid (mixed families, bad
 * option length, payload over PCAPW_PAYLOAD_MAX, unknown link type) or
 * does not fit.
 */
size_t		 pcapw_build_tcp(unsigned linktype, const struct pcapw_seg *seg,
		    uint8_t *buf, size_t cap);

/*
 * Internet checksum (RFC 1071) of n bytes, folded and complemented, with
 * sum as a starting 32-bit partial sum (0 for none).
 */
uint16_t	 pcapw_cksum(const uint8_t *p, size_t n, uint32_t sum);

/*
 * A TCP connection between a client and a server.  cseq and sseq are the
 * next sequence numbers each side sends; the helper keeps them and the
 * acknowledgement numbers right.  Packets of one call are spaced step_us
 * apart; last_ts is the timestamp of the last packet written.
 */
struct pcapw_conn {
	struct ip_addr	cli, srv;
	uint16_t	cport, sport;
	uint32_t	ciss, siss;	/* initial sequence numbers */
	uint32_t	cseq, sseq;
	uint16_t	mss;		/* client and server segment size */
	uint16_t	vlan[2];
	unsigned	nvlan;
	int64_t		step_us;
	int64_t		last_ts;
	bool		mute;
};

/*
 * Set up c: mss 1460, step 50 us, no VLAN tags.  Nothing is written.
 */
void	pcapw_conn_init(struct pcapw_conn *c, const struct ip_addr *cli,
	    uint16_t cport, const struct ip_addr *srv, uint16_t sport,
	    uint32_t ciss, uint32_t siss);

/* SYN (with MSS, SACK-permitted, window scale), SYN/ACK, ACK.  0 or -1. */
int	pcapw_conn_handshake(struct pcapw *, struct pcapw_conn *, int64_t ts_us)
	    __attribute__((warn_unused_result));

/*
 * Send len bytes from the client (server), split into segments of at most
 * c->mss bytes; the last one carries PSH.  len 0 writes nothing.  0 or -1.
 */
int	pcapw_conn_client_send(struct pcapw *, struct pcapw_conn *,
	    const void *data, size_t len, int64_t ts_us)
	    __attribute__((warn_unused_result));
int	pcapw_conn_server_send(struct pcapw *, struct pcapw_conn *,
	    const void *data, size_t len, int64_t ts_us)
	    __attribute__((warn_unused_result));

/*
 * Send len client bytes (split at the MSS) starting at sequence number
 * seq, leaving c->cseq alone: for retransmissions, overlaps, gaps and
 * reordering.  The stream offset of byte 0 is c->ciss + 1.  0 or -1.
 */
int	pcapw_conn_client_send_at(struct pcapw *, struct pcapw_conn *,
	    uint32_t seq, const void *data, size_t len, int64_t ts_us)
	    __attribute__((warn_unused_result));

/*
 * One client segment of len bytes (at most PCAPW_PAYLOAD_MAX, not split)
 * with sequence number seq, acknowledgement ack and flags, leaving c's
 * sequence numbers alone: the building block for segments sent late,
 * twice, overlapping or with other bytes.  0 or -1.
 */
int	pcapw_conn_client_seg(struct pcapw *, struct pcapw_conn *,
	    uint32_t seq, uint32_t ack, uint8_t flags, const void *data,
	    size_t len, int64_t ts_us)
	    __attribute__((warn_unused_result));

/* Client FIN/ACK, server FIN/ACK, client ACK.  0 or -1. */
int	pcapw_conn_close(struct pcapw *, struct pcapw_conn *, int64_t ts_us)
	    __attribute__((warn_unused_result));

/* One RST/ACK from the client (from_client) or the server.  0 or -1. */
int	pcapw_conn_reset(struct pcapw *, struct pcapw_conn *, bool from_client,
	    int64_t ts_us)
	    __attribute__((warn_unused_result));

#endif

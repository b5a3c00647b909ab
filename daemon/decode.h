/*
 * decode.h - link, network and transport headers down to a TCP segment.
 *
 * Pure: bytes in, a struct out.  Link types: Ethernet (with any stack of
 * 802.1Q / 802.1ad tags, and MPLS), Linux cooked capture v1 and v2, raw IP
 * (DLT_RAW, LINKTYPE_IPV4/IPV6), BSD loopback (DLT_NULL, DLT_LOOP), NFLOG,
 * 802.11 with radiotap (data frames with LLC/SNAP).  IPv4 and IPv6 (extension
 * headers skipped), GRE (incl. ERSPAN-less Ethernet and IP payloads).
 * Anything else, IP fragments included, is reported and skipped.
 */
#ifndef ORIGINSTAT_DECODE_H
#define ORIGINSTAT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Link types (pcap LINKTYPE_ values), so callers need not include pcap.h. */
#define DEC_LINK_NULL		0
#define DEC_LINK_ETHERNET	1
#define DEC_LINK_RAW		101
#define DEC_LINK_RAW_OLD	12	/* DLT_RAW on OpenBSD et al. */
#define DEC_LINK_RAW_OLD2	14
#define DEC_LINK_LOOP		108
#define DEC_LINK_SLL		113
#define DEC_LINK_IEEE802_11	105
#define DEC_LINK_RADIOTAP	127
#define DEC_LINK_IPV4		228
#define DEC_LINK_IPV6		229
#define DEC_LINK_NFLOG		239
#define DEC_LINK_SLL2		276

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10

enum dec_status {
	DEC_OK,			/* a TCP segment */
	DEC_NOT_TCP,		/* a valid packet of another protocol */
	DEC_FRAGMENT,		/* an IP fragment: skipped */
	DEC_UNSUPPORTED,	/* unknown link type or encapsulation */
	DEC_TRUNCATED,		/* headers cut short by the snapshot length */
	DEC_MALFORMED,		/* headers that cannot be right */
};

struct segment {
	struct ip_addr	 src, dst;
	uint16_t	 sport, dport;
	uint16_t	 vlan;		/* innermost VLAN id, 0 if none */
	uint32_t	 seq, ack;
	uint8_t		 flags;
	const uint8_t	*payload;	/* TCP payload as captured */
	size_t		 len;		/* bytes of payload captured */
	size_t		 wire_len;	/* payload length per the IP header */
};

/*
 * Decode one captured frame (caplen bytes at data) of the given link type.
 * On DEC_OK, seg describes the TCP segment and points into data.
 */
enum dec_status decode_frame(int linktype, const uint8_t *data, size_t caplen,
	    struct segment *seg);

/* Is the link type one decode_frame understands? */
int	decode_link_supported(int linktype);

#endif

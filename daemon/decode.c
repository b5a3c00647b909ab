/*
 * decode.c - from a captured frame to a TCP segment.
 *
 * Each layer takes a cursor over its bytes and hands a sub-cursor to the
 * next.  Lengths come from the packet; every read is checked against the
 * bytes remaining (cursor.h).  "Truncated" (the snapshot length cut the
 * headers) and "malformed" (the headers cannot be right) are kept apart.
 */
#include "decode.h"

#include "cursor.h"

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ_OLD	0x9100
#define ETH_MPLS	0x8847
#define ETH_MPLS_MC	0x8848
#define ETH_TEB		0x6558	/* transparent Ethernet bridging (GRE) */

#define IPPROTO_V4_IPIP	4
#define IPPROTO_V4_TCP	6
#define IPPROTO_V6_IN	41
#define IPPROTO_V4_GRE	47

#define GRE_ARUBA_FIRST	0x8200	/* Aruba controllers: 802.11 in GRE */
#define GRE_ARUBA_LAST	0x8220

#define DECODE_MAX_DEPTH	4	/* nested tunnels */
#define DECODE_MAX_TAGS		8	/* VLAN tags or MPLS labels */

struct dctx {
	struct segment	*seg;
	int		 depth;
};

static enum dec_status	dec_ethertype(struct dctx *, uint16_t,
			    struct cursor *);
static enum dec_status	dec_ethernet(struct dctx *, struct cursor *);
static enum dec_status	dec_ip(struct dctx *, struct cursor *);
static enum dec_status	dec_80211(struct dctx *, struct cursor *);

/* Big-endian fields at fixed offsets of a header already bounds-checked. */
static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * RFC 793 section 3.1.  The fixed 20 bytes are checked once and read in
 * place: this runs for every packet.
 */
static enum dec_status
dec_tcp(struct dctx *d, struct cursor *c, size_t wire_len)
{
	struct segment *s = d->seg;
	const uint8_t *p = c->p;
	size_t hlen;

	if (c->left < 20)
		return DEC_TRUNCATED;
	s->sport = be16(p);
	s->dport = be16(p + 2);
	s->seq = be32(p + 4);
	s->ack = be32(p + 8);
	hlen = (size_t)(p[12] >> 4) * 4;
	if (hlen < 20 || hlen > wire_len)
		return DEC_MALFORMED;
	if (cur_skip(c, hlen) < 0)
		return DEC_TRUNCATED;
	s->flags = p[13];
	s->payload = c->p;
	s->len = c->left;
	s->wire_len = wire_len - hlen;
	if (s->len > s->wire_len)
		s->len = s->wire_len;
	return DEC_OK;
}

/* RFC 2784 / RFC 2890 GRE; version 0 only. */
static enum dec_status
dec_gre(struct dctx *d, struct cursor *c)
{
	uint16_t flags, proto;
	size_t opt = 0;

	if (cur_u16be(c, &flags) < 0 || cur_u16be(c, &proto) < 0)
		return DEC_TRUNCATED;
	if ((flags & 0x0007) != 0 || (flags & 0x4000) != 0)
		return DEC_UNSUPPORTED;		/* PPTP GRE or source routing */
	if (flags & 0x8000)
		opt += 4;
	if (flags & 0x2000)
		opt += 4;
	if (flags & 0x1000)
		opt += 4;
	if (cur_skip(c, opt) < 0)
		return DEC_TRUNCATED;
	if (proto >= GRE_ARUBA_FIRST && proto <= GRE_ARUBA_LAST)
		return dec_80211(d, c);		/* Aruba WLAN tunnels */
	return dec_ethertype(d, proto, c);
}

static enum dec_status
dec_transport(struct dctx *d, uint8_t proto, struct cursor *c, size_t len)
{
	switch (proto) {
	case IPPROTO_V4_TCP:
		return dec_tcp(d, c, len);
	case IPPROTO_V4_GRE:
		if (++d->depth > DECODE_MAX_DEPTH)
			return DEC_UNSUPPORTED;
		return dec_gre(d, c);
	case IPPROTO_V4_IPIP:
	case IPPROTO_V6_IN:
		if (++d->depth > DECODE_MAX_DEPTH)
			return DEC_UNSUPPORTED;
		return dec_ip(d, c);
	default:
		return DEC_NOT_TCP;
	}
}

/*
 * RFC 791 section 3.1.  Read in place after one bounds check per part,
 * in the order the cursor reads would fail: the first 12 bytes, the
 * checks on them, the addresses, the options.
 */
static enum dec_status
dec_ipv4(struct dctx *d, struct cursor *c)
{
	const uint8_t *p = c->p;
	uint16_t total, frag;
	uint8_t vihl, proto;
	size_t hlen, plen;

	if (c->left < 12)
		return DEC_TRUNCATED;
	vihl = p[0];
	total = be16(p + 2);
	frag = be16(p + 6);
	proto = p[9];
	hlen = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || hlen < 20)
		return DEC_MALFORMED;
	/* A zero total length is a TSO super-frame: the capture is the length. */
	if (total != 0 && total < hlen)
		return DEC_MALFORMED;
	if (c->left < 20)
		return DEC_TRUNCATED;
	addr_from_v4(&d->seg->src, p + 12);
	addr_from_v4(&d->seg->dst, p + 16);
	if (cur_skip(c, hlen) < 0)
		return DEC_TRUNCATED;
	if ((frag & 0x2000) != 0 || (frag & 0x1fff) != 0)
		return DEC_FRAGMENT;
	plen = total != 0 ? (size_t)total - hlen : c->left;
	if (c->left > plen)
		c->left = plen;		/* drop link-layer padding */
	return dec_transport(d, proto, c, plen);
}

/* RFC 8200 sections 3 and 4. */
static enum dec_status
dec_ipv6(struct dctx *d, struct cursor *c)
{
	uint8_t vtc, nh, a[16], hl;
	uint16_t plen16, fragoff;
	size_t plen, ext, used;
	int n;

	if (cur_u8(c, &vtc) < 0 || cur_skip(c, 3) < 0 ||
	    cur_u16be(c, &plen16) < 0 || cur_u8(c, &nh) < 0 ||
	    cur_skip(c, 1) < 0)
		return DEC_TRUNCATED;
	if ((vtc >> 4) != 6)
		return DEC_MALFORMED;
	if (cur_bytes(c, a, 16) < 0)
		return DEC_TRUNCATED;
	addr_from_v6(&d->seg->src, a);
	if (cur_bytes(c, a, 16) < 0)
		return DEC_TRUNCATED;
	addr_from_v6(&d->seg->dst, a);
	plen = plen16 != 0 ? plen16 : c->left;	/* 0: jumbogram or TSO */
	if (c->left > plen)
		c->left = plen;
	for (n = 0; n < 8; n++) {
		switch (nh) {
		case 0:		/* hop-by-hop options */
		case 43:	/* routing */
		case 60:	/* destination options */
			if (cur_u8(c, &nh) < 0 || cur_u8(c, &hl) < 0)
				return DEC_TRUNCATED;
			ext = ((size_t)hl + 1) * 8;
			used = 2;
			break;
		case 51:	/* authentication header, RFC 4302 */
			if (cur_u8(c, &nh) < 0 || cur_u8(c, &hl) < 0)
				return DEC_TRUNCATED;
			ext = ((size_t)hl + 2) * 4;
			used = 2;
			break;
		case 44:	/* fragment: only atomic ones (RFC 6946) pass */
			if (cur_u8(c, &nh) < 0 || cur_skip(c, 1) < 0 ||
			    cur_u16be(c, &fragoff) < 0)
				return DEC_TRUNCATED;
			if ((fragoff & 0xfff9) != 0)
				return DEC_FRAGMENT;
			ext = 8;
			used = 4;
			break;
		default:
			return dec_transport(d, nh, c, plen);
		}
		if (plen < ext)
			return DEC_MALFORMED;
		if (cur_skip(c, ext - used) < 0)
			return DEC_TRUNCATED;
		plen -= ext;
	}
	return DEC_UNSUPPORTED;
}

static enum dec_status
dec_ip(struct dctx *d, struct cursor *c)
{
	if (c->left < 1)
		return DEC_TRUNCATED;
	switch (c->p[0] >> 4) {
	case 4:
		return dec_ipv4(d, c);
	case 6:
		return dec_ipv6(d, c);
	default:
		return DEC_NOT_TCP;
	}
}

/* RFC 3032: skip the label stack, then guess IPv4 or IPv6. */
static enum dec_status
dec_mpls(struct dctx *d, struct cursor *c)
{
	uint32_t label;
	int n;

	for (n = 0; n < DECODE_MAX_TAGS; n++) {
		if (cur_u32be(c, &label) < 0)
			return DEC_TRUNCATED;
		if (label & 0x100)
			return dec_ip(d, c);
	}
	return DEC_UNSUPPORTED;
}

static enum dec_status
dec_ethertype(struct dctx *d, uint16_t type, struct cursor *c)
{
	uint16_t tci;
	int n;

	for (n = 0; n < DECODE_MAX_TAGS; n++) {
		switch (type) {
		case ETH_IPV4:
		case ETH_IPV6:
			return dec_ip(d, c);
		case ETH_VLAN:
		case ETH_QINQ:
		case ETH_QINQ_OLD:
			if (cur_u16be(c, &tci) < 0 || cur_u16be(c, &type) < 0)
				return DEC_TRUNCATED;
			d->seg->vlan = tci & 0x0fff;
			continue;
		case ETH_MPLS:
		case ETH_MPLS_MC:
			return dec_mpls(d, c);
		case ETH_TEB:
			if (++d->depth > DECODE_MAX_DEPTH)
				return DEC_UNSUPPORTED;
			return dec_ethernet(d, c);
		default:
			return DEC_NOT_TCP;
		}
	}
	return DEC_UNSUPPORTED;
}

/* IEEE 802.2 LLC with SNAP: AA AA 03, OUI 00 00 00, EtherType. */
static enum dec_status
dec_llc_snap(struct dctx *d, struct cursor *c)
{
	uint8_t h[6];
	uint16_t type;

	if (cur_bytes(c, h, 6) < 0 || cur_u16be(c, &type) < 0)
		return DEC_TRUNCATED;
	if (h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03)
		return DEC_NOT_TCP;
	return dec_ethertype(d, type, c);
}

static enum dec_status
dec_ethernet(struct dctx *d, struct cursor *c)
{
	uint16_t type;

	if (cur_skip(c, 12) < 0 || cur_u16be(c, &type) < 0)
		return DEC_TRUNCATED;
	if (type < 0x0600)		/* 802.3 length field */
		return dec_llc_snap(d, c);
	return dec_ethertype(d, type, c);
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html */
static enum dec_status
dec_sll(struct dctx *d, struct cursor *c)
{
	uint16_t proto;

	if (cur_skip(c, 14) < 0 || cur_u16be(c, &proto) < 0)
		return DEC_TRUNCATED;
	return dec_ethertype(d, proto, c);
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html */
static enum dec_status
dec_sll2(struct dctx *d, struct cursor *c)
{
	uint16_t proto;

	if (cur_u16be(c, &proto) < 0 || cur_skip(c, 18) < 0)
		return DEC_TRUNCATED;
	return dec_ethertype(d, proto, c);
}

/* BSD loopback: a 4-byte address family, host order (NULL) or big-endian
 * (LOOP).  The capturing host's order is unknown, so both are tried. */
static enum dec_status
dec_null(struct dctx *d, struct cursor *c)
{
	uint32_t le, be;
	struct cursor peek = *c;

	if (cur_u32le(&peek, &le) < 0 || cur_u32be(c, &be) < 0)
		return DEC_TRUNCATED;
	if (le == 2 || be == 2)
		return dec_ipv4(d, c);
	if (le == 10 || le == 24 || le == 28 || le == 30 ||
	    be == 10 || be == 24 || be == 28 || be == 30)
		return dec_ipv6(d, c);
	return DEC_NOT_TCP;
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html: TLVs in host
 * order (little-endian on every capture seen), payload is type 9. */
static enum dec_status
dec_nflog(struct dctx *d, struct cursor *c)
{
	uint8_t family;
	uint16_t tlen, ttype;
	struct cursor v;

	if (cur_u8(c, &family) < 0 || cur_skip(c, 3) < 0)
		return DEC_TRUNCATED;
	while (c->left >= 4) {
		if (cur_u16le(c, &tlen) < 0 || cur_u16le(c, &ttype) < 0)
			return DEC_TRUNCATED;
		if (tlen < 4)
			return DEC_MALFORMED;
		if (cur_sub(c, (size_t)tlen - 4, &v) < 0)
			return DEC_TRUNCATED;
		if ((ttype & 0x7fff) == 9)
			return family == 10 ? dec_ipv6(d, &v) : dec_ipv4(d, &v);
		if (cur_skip(c, (4 - (tlen & 3)) & 3) < 0)
			return DEC_NOT_TCP;
	}
	return DEC_NOT_TCP;
}

/* IEEE 802.11 data frames (no protection), then LLC/SNAP. */
static enum dec_status
dec_80211(struct dctx *d, struct cursor *c)
{
	uint8_t fc0, fc1;
	size_t hlen = 24;

	if (cur_u8(c, &fc0) < 0 || cur_u8(c, &fc1) < 0)
		return DEC_TRUNCATED;
	if (((fc0 >> 2) & 3) != 2)
		return DEC_NOT_TCP;		/* management or control */
	if (fc0 & 0x40)
		return DEC_NOT_TCP;		/* null-data subtypes */
	if ((fc1 & 3) == 3)
		hlen += 6;			/* four addresses (WDS) */
	if (fc0 & 0x80) {
		hlen += 2;			/* QoS control */
		if (fc1 & 0x80)
			hlen += 4;		/* HT control */
	}
	if (fc1 & 0x40)
		return DEC_UNSUPPORTED;		/* protected frame */
	if (cur_skip(c, hlen - 2) < 0)
		return DEC_TRUNCATED;
	return dec_llc_snap(d, c);
}

/* Radiotap: a little-endian length, then an 802.11 frame. */
static enum dec_status
dec_radiotap(struct dctx *d, struct cursor *c)
{
	uint16_t len;
	struct cursor peek = *c;

	if (cur_skip(&peek, 2) < 0 || cur_u16le(&peek, &len) < 0)
		return DEC_TRUNCATED;
	if (len < 8)
		return DEC_MALFORMED;
	if (cur_skip(c, len) < 0)
		return DEC_TRUNCATED;
	return dec_80211(d, c);
}

int
decode_link_supported(int linktype)
{
	switch (linktype) {
	case DEC_LINK_NULL:
	case DEC_LINK_ETHERNET:
	case DEC_LINK_RAW:
	case DEC_LINK_RAW_OLD:
	case DEC_LINK_RAW_OLD2:
	case DEC_LINK_LOOP:
	case DEC_LINK_SLL:
	case DEC_LINK_SLL2:
	case DEC_LINK_IPV4:
	case DEC_LINK_IPV6:
	case DEC_LINK_NFLOG:
	case DEC_LINK_IEEE802_11:
	case DEC_LINK_RADIOTAP:
		return 1;
	default:
		return 0;
	}
}

enum dec_status
decode_frame(int linktype, const uint8_t *data, size_t caplen,
    struct segment *seg)
{
	struct dctx d = { seg, 0 };
	struct cursor c;

	*seg = (struct segment){ .payload = NULL };
	cur_init(&c, data, caplen);
	switch (linktype) {
	case DEC_LINK_ETHERNET:
		return dec_ethernet(&d, &c);
	case DEC_LINK_RAW:
	case DEC_LINK_RAW_OLD:
	case DEC_LINK_RAW_OLD2:
		return dec_ip(&d, &c);
	case DEC_LINK_IPV4:
		return dec_ipv4(&d, &c);
	case DEC_LINK_IPV6:
		return dec_ipv6(&d, &c);
	case DEC_LINK_NULL:
	case DEC_LINK_LOOP:
		return dec_null(&d, &c);
	case DEC_LINK_SLL:
		return dec_sll(&d, &c);
	case DEC_LINK_SLL2:
		return dec_sll2(&d, &c);
	case DEC_LINK_NFLOG:
		return dec_nflog(&d, &c);
	case DEC_LINK_IEEE802_11:
		return dec_80211(&d, &c);
	case DEC_LINK_RADIOTAP:
		return dec_radiotap(&d, &c);
	default:
		return DEC_UNSUPPORTED;
	}
}

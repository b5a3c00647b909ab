/*
 * pcapfile.c - classic pcap files, read as libpcap 1.10 reads them.
 *
 * The format is pcap-savefile(5) (draft-ietf-opsawg-pcap section 4 for the
 * file header, section 5 for records).  Where the format leaves room,
 * libpcap's sf-pcap.c decides, because files must read the same whichever
 * reader capture.c picks:
 *  - the time stamp fields are 32-bit, signed except in byte-swapped files
 *    (ts_field); nanoseconds are divided by 1000 with C division;
 *  - the link type is the field without its FCS bits (LT_LINKTYPE: the
 *    low 26 bits);
 *  - a snapshot length of 0 or over INT_MAX means the link type's maximum;
 *  - a caplen over the snapshot length but within the maximum is cut to
 *    the snapshot length, the rest of the record skipped;
 *  - versions before 2.4 may have caplen and len the other way round.
 */
#include "pcapfile.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MAGIC_USEC	0xa1b2c3d4u
#define MAGIC_NSEC	0xa1b23c4du

#define LT_LINKTYPE_MASK	0x03ffffffu

/* The three link types libpcap allows more than MAXIMUM_SNAPLEN. */
#define LINKTYPE_DBUS		231
#define LINKTYPE_USBPCAP	249
#define LINKTYPE_EBHSCR		279

static uint32_t
get32(const uint8_t *p, int big_endian)
{
	if (big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

static uint16_t
get16(const uint8_t *p, int big_endian)
{
	if (big_endian)
		return (uint16_t)((unsigned)p[0] << 8 | p[1]);
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

/*
 * A time stamp field as libpcap reads it: a bpf_int32 (two's complement)
 * in a file of this host's byte order, but unsigned when it has to swap
 * the bytes, because its SWAPLONG() yields an unsigned int.
 */
static int64_t
ts_field(uint32_t v, int swapped)
{
	if (swapped || v <= INT32_MAX)
		return (int64_t)v;
	return (int64_t)v - 4294967296;
}

static int
host_big_endian(void)
{
	const uint16_t one = 1;
	uint8_t first;

	memcpy(&first, &one, 1);
	return first == 0;
}

/* max_snaplen_for_dlt(); these link types have DLT_ == LINKTYPE_. */
static uint32_t
max_caplen(uint32_t linktype)
{
	switch (linktype) {
	case LINKTYPE_DBUS:
		return 128 * 1024 * 1024;
	case LINKTYPE_EBHSCR:
		return 8 * 1024 * 1024;
	case LINKTYPE_USBPCAP:
		return 1024 * 1024;
	default:
		return PCAPFILE_MAX_SNAPLEN;
	}
}

/*
 * Could these n (< 4) bytes begin one of the four magics?  Lets a caller
 * holding a few bytes of garbage know at once that it is not pcap.
 */
static int
magic_prefix(const uint8_t *p, size_t n)
{
	static const uint8_t magics[4][4] = {
		{ 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 },
		{ 0xa1, 0xb2, 0x3c, 0x4d }, { 0x4d, 0x3c, 0xb2, 0xa1 },
	};
	size_t i;

	for (i = 0; i < 4; i++)
		if (memcmp(p, magics[i], n) == 0)
			return 1;
	return 0;
}

static int
header_magic(const uint8_t *p, struct pcapfile_hdr *h)
{
	uint32_t le = get32(p, 0), be = get32(p, 1);

	if (le == MAGIC_USEC || le == MAGIC_NSEC) {
		h->big_endian = 0;
		h->nsec = le == MAGIC_NSEC;
	} else if (be == MAGIC_USEC || be == MAGIC_NSEC) {
		h->big_endian = 1;
		h->nsec = be == MAGIC_NSEC;
	} else
		return -1;
	h->swapped = h->big_endian != host_big_endian();
	return 0;
}

/* pcap_check_header(): 2.0 to 2.4, and DG/UX's 543.0. */
static enum pcapfile_status
header_version(struct pcapfile_hdr *h)
{
	uint16_t maj = h->version_major, min = h->version_minor;

	if (maj < 2) {
		h->why = PCAPFILE_E_ARCHAIC;
		return PCAPFILE_BAD;
	}
	if (maj == 2 && min <= 4)
		h->lengths = min < 3 ? PCAPFILE_LEN_SWAPPED :
		    min == 3 ? PCAPFILE_LEN_MAYBE_SWAPPED :
		    PCAPFILE_LEN_NOT_SWAPPED;
	else if (maj == 543 && min == 0)
		h->lengths = PCAPFILE_LEN_SWAPPED;
	else {
		h->why = PCAPFILE_E_VERSION;
		return PCAPFILE_BAD;
	}
	return PCAPFILE_OK;
}

enum pcapfile_status
pcapfile_header(const uint8_t *p, size_t n, struct pcapfile_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (n < 4)
		return magic_prefix(p, n) ? PCAPFILE_NEED_MORE :
		    PCAPFILE_NOT_PCAP;
	if (header_magic(p, h) < 0)
		return PCAPFILE_NOT_PCAP;
	if (n < PCAPFILE_HDR_LEN)
		return PCAPFILE_NEED_MORE;
	/* 8: thiszone and sigfigs, always 0 and ignored by libpcap. */
	h->version_major = get16(p + 4, h->big_endian);
	h->version_minor = get16(p + 6, h->big_endian);
	h->snaplen = get32(p + 16, h->big_endian);
	h->link = get32(p + 20, h->big_endian);
	h->linktype = h->link & LT_LINKTYPE_MASK;
	h->maxcap = max_caplen(h->linktype);
	/* pcap_adjust_snapshot(): libpcap keeps the snapshot in an int. */
	h->snapshot = h->snaplen == 0 || h->snaplen > INT_MAX ? h->maxcap :
	    h->snaplen;
	return header_version(h);
}

/* The record header's fields, lengths in libpcap's order. */
static void
record_fields(const struct pcapfile_hdr *h, const uint8_t *p,
    struct pcapfile_rec *r)
{
	uint32_t a = get32(p + 8, h->big_endian), b = get32(p + 12,
	    h->big_endian);
	int64_t sec = ts_field(get32(p, h->big_endian), h->swapped);
	int64_t frac = ts_field(get32(p + 4, h->big_endian), h->swapped);

	if (h->lengths == PCAPFILE_LEN_SWAPPED ||
	    (h->lengths == PCAPFILE_LEN_MAYBE_SWAPPED && a > b)) {
		r->caplen = b;
		r->wirelen = a;
	} else {
		r->caplen = a;
		r->wirelen = b;
	}
	/* PCAP_TSTAMP_PRECISION_MICRO: truncating, as libpcap does. */
	if (h->nsec)
		frac /= 1000;
	r->ts_us = sec * 1000000 + frac;
	r->off = PCAPFILE_REC_HDR_LEN;
	r->why = PCAPFILE_E_NONE;
}

enum pcapfile_status
pcapfile_record(const struct pcapfile_hdr *h, const uint8_t *p, size_t n,
    struct pcapfile_rec *r)
{
	uint32_t caplen;

	if (n < PCAPFILE_REC_HDR_LEN)
		return PCAPFILE_NEED_MORE;
	record_fields(h, p, r);
	caplen = r->caplen;
	if (caplen > h->maxcap) {
		r->why = caplen > h->snapshot ? PCAPFILE_E_CAPLEN_SNAPLEN :
		    PCAPFILE_E_CAPLEN_MAX;
		r->want = caplen;
		return PCAPFILE_BAD;
	}
	if (n - PCAPFILE_REC_HDR_LEN < caplen)
		return PCAPFILE_NEED_MORE;
	if (caplen > h->snapshot)
		r->caplen = h->snapshot;
	r->len = PCAPFILE_REC_HDR_LEN + (size_t)caplen;
	return PCAPFILE_OK;
}

enum pcapfile_status
pcapfile_end(const struct pcapfile_hdr *h, const uint8_t *p, size_t n,
    struct pcapfile_rec *r)
{
	enum pcapfile_status s;
	size_t got;

	if (n == 0)
		return PCAPFILE_END;
	if ((s = pcapfile_record(h, p, n, r)) != PCAPFILE_NEED_MORE)
		return s;
	if (n < PCAPFILE_REC_HDR_LEN) {
		r->why = PCAPFILE_E_TRUNC_HDR;
		r->want = PCAPFILE_REC_HDR_LEN;
		r->got = n;
		return PCAPFILE_BAD;
	}
	/*
	 * libpcap reads up to the snapshot length, then discards the rest;
	 * which of the two came up short decides the figure it names.
	 */
	got = n - PCAPFILE_REC_HDR_LEN;
	r->why = PCAPFILE_E_TRUNC_DATA;
	r->want = r->caplen > h->snapshot && got < h->snapshot ?
	    h->snapshot : r->caplen;
	r->got = got;
	return PCAPFILE_BAD;
}

const char *
pcapfile_strerror(const struct pcapfile_hdr *h, const struct pcapfile_rec *r,
    char *buf, size_t cap)
{
	enum pcapfile_why why = r != NULL ? r->why : h->why;

	switch (why) {
	case PCAPFILE_E_NONE:
		snprintf(buf, cap, "no error");
		break;
	case PCAPFILE_E_ARCHAIC:
		snprintf(buf, cap, "archaic pcap savefile format");
		break;
	case PCAPFILE_E_VERSION:
		snprintf(buf, cap, "unsupported pcap savefile version %u.%u",
		    h->version_major, h->version_minor);
		break;
	case PCAPFILE_E_CAPLEN_SNAPLEN:
		snprintf(buf, cap, "invalid packet capture length %u, bigger "
		    "than snaplen of %u", r->want, h->snapshot);
		break;
	case PCAPFILE_E_CAPLEN_MAX:
		snprintf(buf, cap, "invalid packet capture length %u, bigger "
		    "than maximum of %u", r->want, h->maxcap);
		break;
	case PCAPFILE_E_TRUNC_HDR:
		snprintf(buf, cap, "truncated dump file; tried to read %u "
		    "header bytes, only got %zu", r->want, r->got);
		break;
	case PCAPFILE_E_TRUNC_DATA:
		snprintf(buf, cap, "truncated dump file; tried to read %u "
		    "captured bytes, only got %zu", r->want, r->got);
		break;
	}
	return buf;
}

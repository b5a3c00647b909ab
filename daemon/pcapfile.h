/*
 * pcapfile.h - the classic pcap file format (pcap-savefile(5)), parsed the
 * way libpcap 1.10 reads it, so that capture.c can read files itself.
 *
 * Pure: the caller hands in bytes, gets back what they say and how many to
 * consume.  No allocation, no I/O.  Anything but a classic pcap file
 * (pcapng, Kuznetzov's variant, garbage) is PCAPFILE_NOT_PCAP, for the
 * caller to give to libpcap.
 */
#ifndef ORIGINSTAT_PCAPFILE_H
#define ORIGINSTAT_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define PCAPFILE_HDR_LEN	24	/* file header */
#define PCAPFILE_REC_HDR_LEN	16	/* record header */
#define PCAPFILE_MAX_SNAPLEN	262144	/* libpcap MAXIMUM_SNAPLEN */
#define PCAPFILE_ERR_MAX	128	/* room for any pcapfile_strerror */

enum pcapfile_status {
	PCAPFILE_OK,
	PCAPFILE_NEED_MORE,	/* a prefix of a header or record */
	PCAPFILE_NOT_PCAP,	/* not a classic pcap file */
	PCAPFILE_BAD,		/* classic pcap, but libpcap refuses it */
	PCAPFILE_END,		/* pcapfile_end: the input ended cleanly */
};

/* Why PCAPFILE_BAD: each is one of libpcap's messages. */
enum pcapfile_why {
	PCAPFILE_E_NONE,
	PCAPFILE_E_ARCHAIC,		/* version major < 2 */
	PCAPFILE_E_VERSION,		/* > 2.4, other than 543.0 */
	PCAPFILE_E_CAPLEN_SNAPLEN,	/* caplen > maximum and > snapshot */
	PCAPFILE_E_CAPLEN_MAX,		/* caplen > maximum */
	PCAPFILE_E_TRUNC_HDR,		/* input ends in a record header */
	PCAPFILE_E_TRUNC_DATA,		/* input ends in packet data */
};

/* Which of caplen and len comes first in a record (libpcap's names). */
enum pcapfile_lengths {
	PCAPFILE_LEN_NOT_SWAPPED,	/* 2.4 */
	PCAPFILE_LEN_SWAPPED,		/* before 2.3, and DG/UX's 543.0 */
	PCAPFILE_LEN_MAYBE_SWAPPED,	/* 2.3: swapped if caplen > len */
};

struct pcapfile_hdr {
	int			 big_endian;	/* file byte order */
	int			 swapped;	/* not this host's */
	int			 nsec;		/* ns time stamps */
	enum pcapfile_lengths	 lengths;
	uint16_t		 version_major;
	uint16_t		 version_minor;
	uint32_t		 snaplen;	/* as written */
	uint32_t		 snapshot;	/* as libpcap uses it */
	uint32_t		 link;		/* the whole field */
	uint32_t		 linktype;	/* less the FCS bits */
	uint32_t		 maxcap;	/* largest caplen accepted */
	enum pcapfile_why	 why;		/* on PCAPFILE_BAD */
};

struct pcapfile_rec {
	int64_t			 ts_us;		/* since 1970 */
	uint32_t		 caplen;	/* bytes of data handed on */
	uint32_t		 wirelen;	/* length on the wire */
	size_t			 off;		/* data offset */
	size_t			 len;		/* record length */
	/* On PCAPFILE_BAD: the reason and the figures in its message. */
	enum pcapfile_why	 why;
	uint32_t		 want;
	size_t			 got;
};

/*
 * Parse the file header at the start of p (n bytes).  PCAPFILE_OK fills h
 * (PCAPFILE_HDR_LEN bytes consumed); PCAPFILE_NEED_MORE if n is too short
 * to tell; PCAPFILE_NOT_PCAP; PCAPFILE_BAD (h->why) for a version libpcap
 * refuses.
 */
enum pcapfile_status pcapfile_header(const uint8_t *p, size_t n,
		    struct pcapfile_hdr *h);

/*
 * Parse the record at the start of p (n bytes).  PCAPFILE_OK fills r: the
 * packet is r->caplen bytes at p + r->off, and r->len bytes are consumed.
 * Like libpcap, a caplen over the snapshot length (but within the maximum)
 * is cut to the snapshot length; the rest of the record is skipped.
 * PCAPFILE_NEED_MORE: the record is not all there.  PCAPFILE_BAD (r->why):
 * the caplen is over the maximum.
 */
enum pcapfile_status pcapfile_record(const struct pcapfile_hdr *h,
		    const uint8_t *p, size_t n, struct pcapfile_rec *r);

/*
 * The input ends with these n bytes unconsumed.  PCAPFILE_END if n is 0;
 * what pcapfile_record says if it is a whole record (or a bad one);
 * otherwise PCAPFILE_BAD with the truncation libpcap would report.
 */
enum pcapfile_status pcapfile_end(const struct pcapfile_hdr *h,
		    const uint8_t *p, size_t n, struct pcapfile_rec *r);

/*
 * libpcap's message for a PCAPFILE_BAD: from r (a record) or, if r is
 * NULL, from h (the file header).  Returns buf.
 */
const char	*pcapfile_strerror(const struct pcapfile_hdr *h,
		    const struct pcapfile_rec *r, char *buf, size_t cap);

#endif

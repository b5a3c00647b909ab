/*
 * pcapng.h - the pcapng file format (draft-ietf-opsawg-pcapng), parsed
 * block by block so that capture.c can read such files itself, including
 * those whose interfaces differ in link type or snapshot length, which
 * libpcap 1.10 refuses.
 *
 * Pure: the caller hands in bytes and a table for the interfaces of the
 * current section, and gets back what the next block says and how many
 * bytes it takes.  No allocation, no I/O.  Where libpcap's sf-pcapng.c
 * reads a file, the packets, time stamps and messages are its own.
 */
#ifndef ORIGINSTAT_PCAPNG_H
#define ORIGINSTAT_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_BT_SHB		0x0a0d0d0au	/* Section Header */
#define PCAPNG_BT_IDB		0x00000001u	/* Interface Description */
#define PCAPNG_BT_PB		0x00000002u	/* Packet (obsolete) */
#define PCAPNG_BT_SPB		0x00000003u	/* Simple Packet */
#define PCAPNG_BT_EPB		0x00000006u	/* Enhanced Packet */

#define PCAPNG_MAX_BLOCK	(16 * 1024 * 1024) /* INITIAL_MAX_BLOCKSIZE */
#define PCAPNG_MAX_SHB		(1024 * 1024)	/* BT_SHB_INSANE_MAX */
#define PCAPNG_MAX_SNAPLEN	262144		/* MAXIMUM_SNAPLEN */
#define PCAPNG_MAX_IFACES	64		/* suggested table size */
#define PCAPNG_ERR_MAX		192		/* any pcapng_strerror */

enum pcapng_status {
	PCAPNG_OK,		/* a packet */
	PCAPNG_SKIP,		/* any other block, consumed */
	PCAPNG_NEED_MORE,	/* a prefix of a block */
	PCAPNG_NOT_PCAPNG,	/* the input does not start with an SHB */
	PCAPNG_BAD,		/* b->why */
	PCAPNG_END,		/* pcapng_end: the input ended cleanly */
};

/* Why PCAPNG_BAD.  Where libpcap has a message for it, it is libpcap's. */
enum pcapng_why {
	PCAPNG_E_NONE,
	PCAPNG_E_SHB_LENGTH,	/* SHB length out of [28, 1 MiB] */
	PCAPNG_E_VERSION,	/* first SHB: not 1.0 or 1.2 */
	PCAPNG_E_MAJOR,		/* later SHB: major version not 1 */
	PCAPNG_E_SHB_MAGIC,	/* later SHB: no byte-order magic */
	PCAPNG_E_BLOCK_SHORT,	/* total length < 12 */
	PCAPNG_E_BLOCK_ALIGN,	/* total length not a multiple of 4 */
	PCAPNG_E_BLOCK_BIG,	/* total length over PCAPNG_MAX_BLOCK */
	PCAPNG_E_TRAILER,	/* lengths at the two ends differ */
	PCAPNG_E_TOO_SHORT,	/* contents run past the block's end */
	PCAPNG_E_ENDOFOPT,	/* opt_endofopt with a length */
	PCAPNG_E_TSRESOL_LEN,	/* if_tsresol not 1 byte */
	PCAPNG_E_TSRESOL_TWICE,
	PCAPNG_E_TSRESOL_BIN,	/* 2^-n, n > 63 */
	PCAPNG_E_TSRESOL_DEC,	/* 10^-n, n > 19 */
	PCAPNG_E_TSOFFSET_LEN,	/* if_tsoffset not 8 bytes */
	PCAPNG_E_TSOFFSET_TWICE,
	PCAPNG_E_IFACES,	/* more IDBs in a section than the table */
	PCAPNG_E_IFACE,		/* a packet on an interface with no IDB */
	PCAPNG_E_CAPLEN,	/* caplen over the interface's snapshot */
	PCAPNG_E_TRUNC,		/* pcapng_end: the input ends in a block */
};

/* One interface of the current section, as its IDB describes it. */
struct pcapng_if {
	uint32_t	 linktype;	/* LINKTYPE_ (16 bits) */
	uint32_t	 snaplen;	/* as written */
	uint32_t	 snapshot;	/* as libpcap uses it */
	uint64_t	 tsresol;	/* time stamp units per second */
	int		 tsbinary;	/* tsresol is a power of 2 */
	int64_t		 tsoffset;	/* seconds added (if_tsoffset) */
};

/* The reader's state: the current section and its interfaces. */
struct pcapng {
	struct pcapng_if *ifs;		/* caller's table */
	size_t		 ifcap;
	size_t		 nif;		/* IDBs in this section */
	int		 started;	/* the first SHB was read */
	int		 big_endian;	/* this section's byte order */
	int		 swapped;	/* not this host's */
	uint16_t	 version_major;
	uint16_t	 version_minor;
	uint32_t	 sections;
};

/* What a block says. */
struct pcapng_blk {
	uint32_t	 type;		/* block type */
	size_t		 len;		/* OK, SKIP: bytes consumed */
	/* OK: the packet is caplen bytes at p + off; IDB: iface, linktype */
	uint32_t	 iface;
	uint32_t	 linktype;	/* its interface's */
	int64_t		 ts_us;		/* since 1970 */
	uint32_t	 caplen;
	uint32_t	 wirelen;
	size_t		 off;
	/* BAD: the reason and the figures in its message */
	enum pcapng_why	 why;
	uint64_t	 v1, v2;
	size_t		 got;
};

/* Start reading a file; ifs (cap entries) holds a section's interfaces. */
void		 pcapng_init(struct pcapng *st, struct pcapng_if *ifs,
		    size_t cap);

/*
 * Parse the block at the start of p (n bytes).  The first must be an SHB
 * (else PCAPNG_NOT_PCAPNG).  PCAPNG_OK: a packet (EPB, SPB or PB), fields
 * in b, b->len bytes to consume.  PCAPNG_SKIP: any other block, b->len
 * bytes to consume; an SHB starts a section with no interfaces, an IDB
 * adds interface b->iface.  PCAPNG_NEED_MORE: the block is not all there.
 * PCAPNG_BAD: b->why.  Only an SHB or IDB changes st, and only when the
 * result is PCAPNG_SKIP: a packet block can be parsed again.
 */
enum pcapng_status pcapng_block(struct pcapng *st, const uint8_t *p,
		    size_t n, struct pcapng_blk *b);

/*
 * The input ends with these n bytes unconsumed.  PCAPNG_END if n is 0;
 * what pcapng_block says if they hold a whole block (or a bad one);
 * otherwise PCAPNG_BAD (PCAPNG_E_TRUNC) with libpcap's figures.
 */
enum pcapng_status pcapng_end(struct pcapng *st, const uint8_t *p, size_t n,
		    struct pcapng_blk *b);

/* The message for a PCAPNG_BAD in b.  Returns buf. */
const char	*pcapng_strerror(const struct pcapng *st,
		    const struct pcapng_blk *b, char *buf, size_t cap);

#endif

/*
 * pcapng.c - pcapng files, block by block (draft-ietf-opsawg-pcapng).
 *
 * Section 3.1 (general block structure): type, total length, body, the
 * total length again; blocks of an unknown type are skipped by it.
 * Section 4.1 (SHB) sets the byte order of its section and starts a new
 * interface list; 4.2 (IDB) adds an interface; 4.3 (EPB), 4.4 (SPB) and
 * Appendix A (the obsolete Packet Block) carry packets.
 *
 * Where the draft leaves room, libpcap 1.10's sf-pcapng.c decides, so that
 * a file reads the same whichever reader capture.c picks:
 *  - the first SHB must be version 1.0 or 1.2, later ones major 1;
 *  - an SHB is 28 bytes to 1 MiB, any other block at most 16 MiB;
 *  - IDB options are walked (and may be malformed) up to opt_endofopt;
 *    if_tsresol and if_tsoffset set the time stamp arithmetic, done in
 *    64-bit unsigned integers as libpcap does it, truncating to us;
 *  - the snapshot length is adjusted as for classic pcap (0, or over
 *    INT_MAX, is the link type's maximum), and a caplen over it is bad.
 * It departs from libpcap where libpcap refuses what the draft allows:
 * interfaces of one file may differ in link type and snapshot length, and
 * sections in byte order.  A Simple Packet Block's caplen is also bounded
 * by the room in its block (section 4.4), where libpcap calls it short.
 */
#include "pcapng.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

#define BYTE_ORDER_MAGIC	0x1a2b3c4du
#define SHB_MIN_LEN		28	/* header, fixed fields, trailer */
#define BLOCK_MIN_LEN		12
#define IDB_FIXED_LEN		8
#define EPB_FIXED_LEN		20
#define PB_FIXED_LEN		20
#define SPB_FIXED_LEN		4

/* IDB options (section 4.2). */
#define OPT_ENDOFOPT		0
#define IF_TSRESOL		9
#define IF_TSOFFSET		14

/* The three link types libpcap allows more than MAXIMUM_SNAPLEN. */
#define LINKTYPE_DBUS		231
#define LINKTYPE_USBPCAP	249
#define LINKTYPE_EBHSCR		279

static int
rd16(struct cursor *c, int be, uint16_t *v)
{
	return be ? cur_u16be(c, v) : cur_u16le(c, v);
}

static int
rd32(struct cursor *c, int be, uint32_t *v)
{
	return be ? cur_u32be(c, v) : cur_u32le(c, v);
}

static int
rd64(struct cursor *c, int be, uint64_t *v)
{
	uint32_t a, b;

	if (c->left < 8)
		return -1;
	(void)rd32(c, be, &a);
	(void)rd32(c, be, &b);
	*v = be ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
	return 0;
}

static int
host_big_endian(void)
{
	const uint16_t one = 1;
	uint8_t first;

	memcpy(&first, &one, 1);
	return first == 0;
}

/* Two's complement without implementation-defined conversions. */
static int64_t
to_signed(uint64_t v)
{
	if (v <= INT64_MAX)
		return (int64_t)v;
	return -(int64_t)(~v) - 1;
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
		return PCAPNG_MAX_SNAPLEN;
	}
}

static enum pcapng_status
bad(struct pcapng_blk *b, enum pcapng_why why, uint64_t v1, uint64_t v2)
{
	b->why = why;
	b->v1 = v1;
	b->v2 = v2;
	return PCAPNG_BAD;
}

void
pcapng_init(struct pcapng *st, struct pcapng_if *ifs, size_t cap)
{
	memset(st, 0, sizeof(*st));
	st->ifs = ifs;
	st->ifcap = cap;
}

/*
 * Section 4.1.  The byte order comes from the magic, so that a section of
 * the other byte order can follow; the first SHB of a file is checked as
 * pcap_ng_check_header() does, later ones as pcap_ng_next_packet().
 */
static enum pcapng_status
block_shb(struct pcapng *st, const uint8_t *p, size_t n,
    struct pcapng_blk *b)
{
	static const uint8_t bt[4] = { 0x0a, 0x0d, 0x0d, 0x0a };
	struct cursor c;
	uint32_t magic, total, tail;
	uint16_t major, minor;
	int be;

	if (n < 12)
		return memcmp(p, bt, n < 4 ? n : 4) == 0 ? PCAPNG_NEED_MORE :
		    PCAPNG_NOT_PCAPNG;
	if (memcmp(p, bt, 4) != 0)
		return PCAPNG_NOT_PCAPNG;
	cur_init(&c, p + 8, 4);
	(void)cur_u32be(&c, &magic);
	if (magic == BYTE_ORDER_MAGIC)
		be = 1;
	else if (magic == 0x4d3c2b1au)
		be = 0;
	else if (!st->started)
		return PCAPNG_NOT_PCAPNG;
	else
		return bad(b, PCAPNG_E_SHB_MAGIC, 0, 0);
	cur_init(&c, p + 4, 4);
	(void)rd32(&c, be, &total);
	if (total < SHB_MIN_LEN || total > PCAPNG_MAX_SHB)
		return bad(b, PCAPNG_E_SHB_LENGTH, total, 0);
	if (total % 4 != 0)
		return bad(b, PCAPNG_E_BLOCK_ALIGN, total, 0);
	if (n < total)
		return PCAPNG_NEED_MORE;
	cur_init(&c, p + total - 4, 4);
	(void)rd32(&c, be, &tail);
	if (tail != total)
		return bad(b, PCAPNG_E_TRAILER, total, tail);
	cur_init(&c, p + 12, 4);
	(void)rd16(&c, be, &major);
	(void)rd16(&c, be, &minor);
	if (!st->started && (major != 1 || (minor != 0 && minor != 2)))
		return bad(b, PCAPNG_E_VERSION, major, minor);
	if (major != 1)
		return bad(b, PCAPNG_E_MAJOR, major, 0);
	st->started = 1;
	st->big_endian = be;
	st->swapped = be != host_big_endian();
	st->version_major = major;
	st->version_minor = minor;
	st->nif = 0;
	st->sections++;
	b->len = total;
	return PCAPNG_SKIP;
}

/* if_tsresol (section 4.2): 10^-n, or 2^-n with the top bit set. */
static enum pcapng_status
opt_tsresol(struct pcapng_if *f, uint8_t v, struct pcapng_blk *b)
{
	unsigned i, e = v & 0x7fu;

	if (v & 0x80) {
		if (e > 63)
			return bad(b, PCAPNG_E_TSRESOL_BIN, e, 0);
		f->tsbinary = 1;
		f->tsresol = (uint64_t)1 << e;
		return PCAPNG_SKIP;
	}
	if (e > 19)
		return bad(b, PCAPNG_E_TSRESOL_DEC, e, 0);
	f->tsbinary = 0;
	f->tsresol = 1;
	for (i = 0; i < e; i++)
		f->tsresol *= 10;
	return PCAPNG_SKIP;
}

/* process_idb_options(): every option is walked, values padded to 4. */
static enum pcapng_status
idb_options(const struct pcapng *st, struct cursor *c, struct pcapng_if *f,
    struct pcapng_blk *b)
{
	int saw_tsresol = 0, saw_tsoffset = 0;
	uint16_t code, len;
	uint64_t off;
	struct cursor v;

	while (c->left != 0) {
		if (rd16(c, st->big_endian, &code) < 0 ||
		    rd16(c, st->big_endian, &len) < 0 ||
		    cur_sub(c, ((size_t)len + 3) & ~(size_t)3, &v) < 0)
			return bad(b, PCAPNG_E_TOO_SHORT, PCAPNG_BT_IDB, 0);
		switch (code) {
		case OPT_ENDOFOPT:
			if (len != 0)
				return bad(b, PCAPNG_E_ENDOFOPT, len, 0);
			return PCAPNG_SKIP;
		case IF_TSRESOL:
			if (len != 1)
				return bad(b, PCAPNG_E_TSRESOL_LEN, len, 0);
			if (saw_tsresol++)
				return bad(b, PCAPNG_E_TSRESOL_TWICE, 0, 0);
			if (opt_tsresol(f, v.p[0], b) != PCAPNG_SKIP)
				return PCAPNG_BAD;
			break;
		case IF_TSOFFSET:
			if (len != 8)
				return bad(b, PCAPNG_E_TSOFFSET_LEN, len, 0);
			if (saw_tsoffset++)
				return bad(b, PCAPNG_E_TSOFFSET_TWICE, 0, 0);
			(void)rd64(&v, st->big_endian, &off);
			f->tsoffset = to_signed(off);
			break;
		default:
			break;
		}
	}
	return PCAPNG_SKIP;
}

/* Section 4.2.  The interface is added only once all of it is good. */
static enum pcapng_status
block_idb(struct pcapng *st, struct cursor *c, struct pcapng_blk *b)
{
	struct pcapng_if f;
	uint16_t lt, reserved;
	uint32_t snaplen;

	if (rd16(c, st->big_endian, &lt) < 0 ||
	    rd16(c, st->big_endian, &reserved) < 0 ||
	    rd32(c, st->big_endian, &snaplen) < 0)
		return bad(b, PCAPNG_E_TOO_SHORT, PCAPNG_BT_IDB, 0);
	memset(&f, 0, sizeof(f));
	f.linktype = lt;
	f.snaplen = snaplen;
	/* pcap_adjust_snapshot(): libpcap keeps the snapshot in an int. */
	f.snapshot = snaplen == 0 || snaplen > INT_MAX ? max_caplen(lt) :
	    snaplen;
	f.tsresol = 1000000;
	if (idb_options(st, c, &f, b) != PCAPNG_SKIP)
		return PCAPNG_BAD;
	if (st->nif >= st->ifcap)
		return bad(b, PCAPNG_E_IFACES, st->ifcap, 0);
	b->iface = (uint32_t)st->nif;
	b->linktype = f.linktype;
	st->ifs[st->nif++] = f;
	return PCAPNG_SKIP;
}

/*
 * A time stamp in microseconds, as pcap_ng_next_packet() computes it: the
 * seconds and the fraction in the interface's units, the fraction scaled
 * (power-of-2 units multiply before dividing), all modulo 2^64.
 */
static int64_t
pcapng_ts(const struct pcapng_if *f, uint64_t t)
{
	uint64_t sec = t / f->tsresol + (uint64_t)f->tsoffset;
	uint64_t frac = t % f->tsresol;

	if (f->tsbinary)
		frac = frac * 1000000 / f->tsresol;
	else if (f->tsresol > 1000000)
		frac /= f->tsresol / 1000000;
	else
		frac *= 1000000 / f->tsresol;
	return to_signed(sec * 1000000 + frac);
}

/* The checks at libpcap's "found:", and the data. */
static enum pcapng_status
packet(const struct pcapng *st, struct cursor *c, uint64_t t,
    struct pcapng_blk *b)
{
	const struct pcapng_if *f;

	if (b->iface >= st->nif)
		return bad(b, PCAPNG_E_IFACE, b->iface, 0);
	f = &st->ifs[b->iface];
	if (b->caplen > f->snapshot)
		return bad(b, PCAPNG_E_CAPLEN, b->caplen, f->snapshot);
	if (c->left < b->caplen)
		return bad(b, PCAPNG_E_TOO_SHORT, b->type, 0);
	b->linktype = f->linktype;
	b->ts_us = pcapng_ts(f, t);
	return PCAPNG_OK;
}

/* Section 4.3, and Appendix A's Packet Block: 16-bit interface, drops. */
static enum pcapng_status
block_epb(const struct pcapng *st, struct cursor *c, struct pcapng_blk *b)
{
	uint32_t iface, hi, lo;
	uint16_t if16, drops;
	int be = st->big_endian;

	if (b->type == PCAPNG_BT_PB) {
		if (rd16(c, be, &if16) < 0 || rd16(c, be, &drops) < 0)
			return bad(b, PCAPNG_E_TOO_SHORT, b->type, 0);
		iface = if16;
	} else if (rd32(c, be, &iface) < 0)
		return bad(b, PCAPNG_E_TOO_SHORT, b->type, 0);
	if (rd32(c, be, &hi) < 0 || rd32(c, be, &lo) < 0 ||
	    rd32(c, be, &b->caplen) < 0 || rd32(c, be, &b->wirelen) < 0)
		return bad(b, PCAPNG_E_TOO_SHORT, b->type, 0);
	b->iface = iface;
	b->off = 8 + EPB_FIXED_LEN;
	return packet(st, c, (uint64_t)hi << 32 | lo, b);
}

/* Section 4.4: interface 0, no time stamp, caplen what there is room for. */
static enum pcapng_status
block_spb(const struct pcapng *st, struct cursor *c, struct pcapng_blk *b)
{
	uint32_t cap;

	if (rd32(c, st->big_endian, &b->wirelen) < 0)
		return bad(b, PCAPNG_E_TOO_SHORT, b->type, 0);
	b->iface = 0;
	b->off = 8 + SPB_FIXED_LEN;
	if (st->nif == 0)
		return bad(b, PCAPNG_E_IFACE, 0, 0);
	cap = b->wirelen;
	if (cap > st->ifs[0].snapshot)
		cap = st->ifs[0].snapshot;
	if (cap > c->left)
		cap = (uint32_t)c->left;
	b->caplen = cap;
	return packet(st, c, 0, b);
}

/* Section 3.1: both lengths, then the block by its type. */
static enum pcapng_status
block_body(struct pcapng *st, const uint8_t *p, size_t n,
    struct pcapng_blk *b)
{
	struct cursor c;
	uint32_t total, tail;

	cur_init(&c, p, n);
	if (rd32(&c, st->big_endian, &b->type) < 0 ||
	    rd32(&c, st->big_endian, &total) < 0)
		return PCAPNG_NEED_MORE;
	if (b->type == PCAPNG_BT_SHB)
		return block_shb(st, p, n, b);
	if (total < BLOCK_MIN_LEN)
		return bad(b, PCAPNG_E_BLOCK_SHORT, total, 0);
	if (total % 4 != 0)
		return bad(b, PCAPNG_E_BLOCK_ALIGN, total, 0);
	if (total > PCAPNG_MAX_BLOCK)
		return bad(b, PCAPNG_E_BLOCK_BIG, total, PCAPNG_MAX_BLOCK);
	if (n < total)
		return PCAPNG_NEED_MORE;
	cur_init(&c, p + total - 4, 4);
	(void)rd32(&c, st->big_endian, &tail);
	if (tail != total)
		return bad(b, PCAPNG_E_TRAILER, total, tail);
	cur_init(&c, p + 8, total - BLOCK_MIN_LEN);
	b->len = total;
	switch (b->type) {
	case PCAPNG_BT_IDB:
		return block_idb(st, &c, b);
	case PCAPNG_BT_EPB:
	case PCAPNG_BT_PB:
		return block_epb(st, &c, b);
	case PCAPNG_BT_SPB:
		return block_spb(st, &c, b);
	default:
		return PCAPNG_SKIP;	/* NRB, ISB, DSB, custom... */
	}
}

enum pcapng_status
pcapng_block(struct pcapng *st, const uint8_t *p, size_t n,
    struct pcapng_blk *b)
{
	memset(b, 0, sizeof(*b));
	if (!st->started) {
		b->type = PCAPNG_BT_SHB;
		return block_shb(st, p, n, b);
	}
	return block_body(st, p, n, b);
}

enum pcapng_status
pcapng_end(struct pcapng *st, const uint8_t *p, size_t n,
    struct pcapng_blk *b)
{
	enum pcapng_status s;
	struct cursor c;
	uint32_t total;

	if (n == 0)
		return st->started ? PCAPNG_END : PCAPNG_NOT_PCAPNG;
	if ((s = pcapng_block(st, p, n, b)) != PCAPNG_NEED_MORE)
		return s;
	/* read_block(): 8 header bytes, then the rest of the block. */
	b->why = PCAPNG_E_TRUNC;
	if (n < 8) {
		b->v1 = 8;
		b->got = n;
		return PCAPNG_BAD;
	}
	cur_init(&c, p + 4, 4);
	(void)rd32(&c, st->big_endian, &total);
	b->v1 = total - 8;
	b->got = n - 8;
	return PCAPNG_BAD;
}

static const char *
block_name(uint32_t type)
{
	switch (type) {
	case PCAPNG_BT_SHB:
		return "Section Header Block";
	case PCAPNG_BT_IDB:
		return "Interface Description Block";
	case PCAPNG_BT_PB:
		return "Packet Block";
	case PCAPNG_BT_SPB:
		return "Simple Packet Block";
	case PCAPNG_BT_EPB:
		return "Enhanced Packet Block";
	default:
		return "block";
	}
}

/* libpcap's message, for the reasons tied to one kind of block. */
static int
why_block(const struct pcapng_blk *b, char *buf, size_t cap)
{
	unsigned v1 = (unsigned)b->v1;

	switch (b->why) {
	case PCAPNG_E_SHB_LENGTH:
		return snprintf(buf, cap, "Section Header Block in pcapng dump "
		    "file has invalid length %zu < _%u_ < %u "
		    "(BT_SHB_INSANE_MAX)", (size_t)SHB_MIN_LEN, v1,
		    (unsigned)PCAPNG_MAX_SHB);
	case PCAPNG_E_VERSION:
		return snprintf(buf, cap, "unsupported pcapng savefile version "
		    "%u.%u", v1, (unsigned)b->v2);
	case PCAPNG_E_MAJOR:
		return snprintf(buf, cap, "unknown pcapng savefile major "
		    "version number %u", v1);
	case PCAPNG_E_SHB_MAGIC:
		return snprintf(buf, cap, "the file has a section with a bad "
		    "byte order magic field");
	case PCAPNG_E_TOO_SHORT:
		return snprintf(buf, cap, "block of type %u in pcapng dump "
		    "file is too short", v1);
	case PCAPNG_E_ENDOFOPT:
		return snprintf(buf, cap, "Interface Description Block has "
		    "opt_endofopt option with length %u != 0", v1);
	case PCAPNG_E_TSRESOL_LEN:
		return snprintf(buf, cap, "Interface Description Block has "
		    "if_tsresol option with length %u != 1", v1);
	case PCAPNG_E_TSRESOL_TWICE:
		return snprintf(buf, cap, "Interface Description Block has "
		    "more than one if_tsresol option");
	case PCAPNG_E_TSRESOL_BIN:
		return snprintf(buf, cap, "Interface Description Block "
		    "if_tsresol option resolution 2^-%u is too high", v1);
	case PCAPNG_E_TSRESOL_DEC:
		return snprintf(buf, cap, "Interface Description Block "
		    "if_tsresol option resolution 10^-%u is too high", v1);
	case PCAPNG_E_TSOFFSET_LEN:
		return snprintf(buf, cap, "Interface Description Block has "
		    "if_tsoffset option with length %u != 8", v1);
	case PCAPNG_E_TSOFFSET_TWICE:
		return snprintf(buf, cap, "Interface Description Block has "
		    "more than one if_tsoffset option");
	case PCAPNG_E_IFACES:
		/* Ours: libpcap grows its table. */
		return snprintf(buf, cap, "Interface Description Block: more "
		    "than %u interfaces in a section", v1);
	case PCAPNG_E_IFACE:
		return snprintf(buf, cap, "a packet arrived on interface %u, "
		    "but there's no Interface Description Block for that "
		    "interface", v1);
	default:
		return -1;
	}
}

/* libpcap's message for the rest, which names no block. */
static int
why_other(const struct pcapng_blk *b, char *buf, size_t cap)
{
	unsigned v1 = (unsigned)b->v1, v2 = (unsigned)b->v2;

	switch (b->why) {
	case PCAPNG_E_BLOCK_SHORT:
		return snprintf(buf, cap, "block in pcapng dump file has a "
		    "length of %u < 12", v1);
	case PCAPNG_E_BLOCK_ALIGN:
		return snprintf(buf, cap, "block in pcapng dump file has a "
		    "length of %u that is not a multiple of 4", v1);
	case PCAPNG_E_BLOCK_BIG:
		return snprintf(buf, cap, "pcapng block size %u > maximum %u",
		    v1, v2);
	case PCAPNG_E_TRAILER:
		/* libpcap 1.10's words, then the figures (later ones'). */
		return snprintf(buf, cap, "block total length in header and "
		    "trailer don't match: %u and %u", v1, v2);
	case PCAPNG_E_CAPLEN:
		return snprintf(buf, cap, "invalid packet capture length %u, "
		    "bigger than snaplen of %u", v1, v2);
	case PCAPNG_E_TRUNC:
		return snprintf(buf, cap, "truncated pcapng dump file; tried "
		    "to read %u bytes, only got %zu", v1, b->got);
	default:
		return snprintf(buf, cap, "no error");
	}
}

/*
 * The messages of libpcap that name no block get the block's type after
 * them, so that a user knows where to look; a truncation has none.
 */
const char *
pcapng_strerror(const struct pcapng *st, const struct pcapng_blk *b,
    char *buf, size_t cap)
{
	size_t len;
	int r;

	(void)st;
	if (cap == 0)
		return buf;
	if (why_block(b, buf, cap) >= 0)
		return buf;
	r = why_other(b, buf, cap);
	len = r < 0 ? 0 : (size_t)r;
	if (b->why != PCAPNG_E_NONE && b->why != PCAPNG_E_TRUNC && len < cap)
		snprintf(buf + len, cap - len, " (block type 0x%08x, %s)",
		    (unsigned)b->type, block_name(b->type));
	return buf;
}

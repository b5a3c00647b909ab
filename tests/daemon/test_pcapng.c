/*
 * test_pcapng.c - the pcapng parser: both byte orders, if_tsresol (10^-n
 * and 2^-n) and if_tsoffset, EPB, SPB and the obsolete PB, unknown blocks
 * skipped, several sections, interfaces of several link types, every
 * prefix of every block, every byte corrupted (exact-size copies, for
 * AddressSanitizer), bad lengths and options; and, on files libpcap reads
 * (one link type, one snapshot length), the same packets, time stamps and
 * errors as libpcap's own reader (pcap_next_ex).
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "pcapng.h"

#define MAX_PKTS	128
#define NIFS		PCAPNG_MAX_IFACES

struct file {
	uint8_t	b[32768];
	size_t	n;
	int	be;
};

struct pkt {
	int64_t		ts;
	uint32_t	caplen, wirelen, linktype;
	uint64_t	hash;
};

struct result {
	struct pkt	pkts[MAX_PKTS];
	size_t		n;
	int		ok;		/* ended cleanly */
	int		fallback;	/* refused before the first IDB */
	char		err[PCAP_ERRBUF_SIZE + 64];
};

static void
put(struct file *f, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		f->b[f->n + (size_t)(f->be ? bytes - 1 - i : i)] =
		    (uint8_t)(v >> (8 * i));
	f->n += (size_t)bytes;
}

static size_t
blk_begin(struct file *f, uint32_t type)
{
	size_t start = f->n;

	put(f, type, 4);
	put(f, 0, 4);
	return start;
}

/* Pad the body, write the length at both ends. */
static void
blk_end(struct file *f, size_t start)
{
	size_t save;
	uint32_t total;

	while ((f->n - start) % 4 != 0)
		f->b[f->n++] = 0;
	total = (uint32_t)(f->n - start + 4);
	put(f, total, 4);
	save = f->n;
	f->n = start + 4;
	put(f, total, 4);
	f->n = save;
}

static void
data(struct file *f, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		f->b[f->n++] = (uint8_t)(seed * 31 + i * 7);
}

static void
shb_v(struct file *f, int be, uint16_t major, uint16_t minor)
{
	size_t s;

	f->be = be;
	s = blk_begin(f, PCAPNG_BT_SHB);
	put(f, 0x1a2b3c4d, 4);
	put(f, major, 2);
	put(f, minor, 2);
	put(f, UINT64_MAX, 8);
	blk_end(f, s);
}

static void
shb(struct file *f, int be)
{
	f->n = 0;
	shb_v(f, be, 1, 0);
}

/* tsresol < 0: none; has_off: an if_tsoffset. */
static void
idb_opt(struct file *f, uint16_t lt, uint32_t snaplen, int tsresol,
    int has_off, int64_t off)
{
	size_t s = blk_begin(f, PCAPNG_BT_IDB);

	put(f, lt, 2);
	put(f, 0, 2);
	put(f, snaplen, 4);
	put(f, 2, 2);		/* if_name, to be skipped */
	put(f, 3, 2);
	data(f, 4, 9);
	if (tsresol >= 0) {
		put(f, 9, 2);
		put(f, 1, 2);
		f->b[f->n++] = (uint8_t)tsresol;
		memset(f->b + f->n, 0, 3);	/* padding, written: valgrind */
		f->n += 3;
	}
	if (has_off) {
		put(f, 14, 2);
		put(f, 8, 2);
		put(f, (uint64_t)off, 8);
	}
	put(f, 0, 4);		/* opt_endofopt */
	blk_end(f, s);
}

static void
idb(struct file *f, uint16_t lt, uint32_t snaplen)
{
	idb_opt(f, lt, snaplen, -1, 0, 0);
}

static void
epb(struct file *f, uint32_t iface, uint64_t t, uint32_t caplen,
    uint32_t len, size_t n, unsigned seed)
{
	size_t s = blk_begin(f, PCAPNG_BT_EPB);

	put(f, iface, 4);
	put(f, t >> 32, 4);
	put(f, t & 0xffffffffu, 4);
	put(f, caplen, 4);
	put(f, len, 4);
	data(f, n, seed);
	blk_end(f, s);
}

static void
pb(struct file *f, uint16_t iface, uint64_t t, uint32_t caplen,
    uint32_t len, size_t n, unsigned seed)
{
	size_t s = blk_begin(f, PCAPNG_BT_PB);

	put(f, iface, 2);
	put(f, 0, 2);
	put(f, t >> 32, 4);
	put(f, t & 0xffffffffu, 4);
	put(f, caplen, 4);
	put(f, len, 4);
	data(f, n, seed);
	blk_end(f, s);
}

static void
spb(struct file *f, uint32_t len, size_t n, unsigned seed)
{
	size_t s = blk_begin(f, PCAPNG_BT_SPB);

	put(f, len, 4);
	data(f, n, seed);
	blk_end(f, s);
}

static void
other(struct file *f, uint32_t type, size_t n)
{
	size_t s = blk_begin(f, type);

	data(f, n, 5);
	blk_end(f, s);
}

static void
add_pkt(struct result *res, int64_t ts, uint32_t caplen, uint32_t wirelen,
    uint32_t lt, const uint8_t *d)
{
	struct pkt *k;

	ck_assert_uint_lt(res->n, MAX_PKTS);
	k = &res->pkts[res->n++];
	k->ts = ts;
	k->caplen = caplen;
	k->wirelen = wirelen;
	k->linktype = lt;
	k->hash = fnv1a(d, caplen);
}

/* One block, parsed from an exact-size copy. */
static enum pcapng_status
block_exact(struct pcapng *st, const uint8_t *p, size_t n,
    struct pcapng_blk *b)
{
	uint8_t *d = dup_exact(p, n);
	enum pcapng_status s = pcapng_block(st, d, n, b);

	free(d);
	return s;
}

/*
 * Read a whole file as capture.c does, the bytes arriving chunk at a time,
 * each call on an exact-size copy of what is unread.  Returns the status
 * that ended it.
 */
static enum pcapng_status
read_own(const uint8_t *file, size_t n, size_t chunk, struct result *res)
{
	struct pcapng_if ifs[NIFS];
	struct pcapng st;
	struct pcapng_blk b;
	enum pcapng_status s;
	size_t pos = 0, avail = 0, left;
	int seen_idb = 0;
	uint8_t *w;

	memset(res, 0, sizeof(*res));
	pcapng_init(&st, ifs, NIFS);
	for (;;) {
		left = avail - pos;
		w = dup_exact(file + pos, left);
		s = pcapng_block(&st, w, left, &b);
		if (s == PCAPNG_NEED_MORE && avail >= n)
			s = pcapng_end(&st, w, left, &b);
		switch (s) {
		case PCAPNG_OK:
			ck_assert_uint_le(b.len, left);
			ck_assert_uint_le(b.off + b.caplen, b.len);
			add_pkt(res, b.ts_us, b.caplen, b.wirelen, b.linktype,
			    w + b.off);
			pos += b.len;
			break;
		case PCAPNG_SKIP:
			ck_assert_uint_le(b.len, left);
			ck_assert_uint_ge(b.len, 12);
			seen_idb |= b.type == PCAPNG_BT_IDB;
			pos += b.len;
			break;
		case PCAPNG_NEED_MORE:
			avail = avail + chunk < n ? avail + chunk : n;
			break;
		case PCAPNG_END:
			res->ok = 1;
			break;
		default:
			res->fallback = !seen_idb;
			if (s == PCAPNG_BAD)
				pcapng_strerror(&st, &b, res->err,
				    sizeof(res->err));
			break;
		}
		free(w);
		if (s != PCAPNG_OK && s != PCAPNG_SKIP &&
		    s != PCAPNG_NEED_MORE)
			return s;
	}
}

static int64_t
to_signed(uint64_t v)
{
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

/* The same file through libpcap; 0, or -1 if it would not open it. */
static int
read_pcap(const uint8_t *file, size_t n, struct result *res)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *d;
	uint8_t *copy = dup_exact(file, n);
	FILE *fp = fmemopen(copy, n, "rb");
	pcap_t *p;
	int r;

	memset(res, 0, sizeof(*res));
	ck_assert_ptr_nonnull(fp);
	ebuf[0] = '\0';
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		snprintf(res->err, sizeof(res->err), "%s", ebuf);
		fclose(fp);
		free(copy);
		return -1;
	}
	while ((r = pcap_next_ex(p, &ph, &d)) == 1)
		add_pkt(res, to_signed((uint64_t)ph->ts.tv_sec * 1000000u +
		    (uint64_t)ph->ts.tv_usec), ph->caplen, ph->len, 0, d);
	if (r == PCAP_ERROR_BREAK)
		res->ok = 1;
	else
		snprintf(res->err, sizeof(res->err), "%s", pcap_geterr(p));
	pcap_close(p);
	free(copy);
	return 0;
}

static void
same_pkts(const struct result *a, const struct result *b, size_t n,
    const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_msg(a->pkts[i].ts == b->pkts[i].ts,
		    "%s: packet %zu ts %lld, libpcap %lld", what, i,
		    (long long)a->pkts[i].ts, (long long)b->pkts[i].ts);
		ck_assert_msg(a->pkts[i].caplen == b->pkts[i].caplen &&
		    a->pkts[i].wirelen == b->pkts[i].wirelen &&
		    a->pkts[i].hash == b->pkts[i].hash,
		    "%s: packet %zu differs", what, i);
	}
}

/*
 * Compare with libpcap, fed in chunks.  Where libpcap reads the whole
 * file, so must we, with the same packets; where it stops on an error
 * after the same packets as we do, with its message (ours may name the
 * block type after it).  Files we refuse before the first IDB go to
 * libpcap in capture.c, and files libpcap refuses are not compared.
 */
static void
differ_chunks(const uint8_t *file, size_t n, const char *what, int many)
{
	static const size_t chunks[] = { 4096, 7, 1 };
	struct result own, pc;
	size_t i;
	int pr;

	pr = read_pcap(file, n, &pc);
	for (i = 0; i < (many ? 3u : 1u); i++) {
		(void)read_own(file, n, chunks[i], &own);
		if (pr < 0 || own.fallback)
			continue;
		ck_assert_msg(own.n >= pc.n || !own.ok,
		    "%s: %zu packets, libpcap %zu", what, own.n, pc.n);
		same_pkts(&own, &pc, own.n < pc.n ? own.n : pc.n, what);
		if (pc.ok)
			ck_assert_msg(own.ok && own.n == pc.n,
			    "%s: libpcap read it all, we: %s", what, own.err);
		/* Unless libpcap stopped where we read on. */
		if (!pc.ok && !own.ok && own.n == pc.n &&
		    strncmp(pc.err, "an interface has a ", 19) != 0)
			ck_assert_msg(strncmp(own.err, pc.err,
			    strlen(pc.err)) == 0, "%s: '%s', libpcap '%s'",
			    what, own.err, pc.err);
	}
}

static void
differ(const uint8_t *file, size_t n, const char *what)
{
	differ_chunks(file, n, what, 1);
}

static void
read_ok(const struct file *f, struct result *res, size_t npkts)
{
	ck_assert_int_eq(read_own(f->b, f->n, 4096, res), PCAPNG_END);
	ck_assert_uint_eq(res->n, npkts);
}

#define read_bad(f, res, err)	read_bad_at(__LINE__, f, res, err)
static void
read_bad_at(int line, const struct file *f, struct result *res,
    const char *err)
{
	ck_assert_msg(read_own(f->b, f->n, 4096, res) == PCAPNG_BAD,
	    "line %d: not BAD", line);
	ck_assert_msg(strncmp(res->err, err, strlen(err)) == 0,
	    "'%s', want '%s'", res->err, err);
}

/* Both byte orders: fields, time stamps, lengths, offsets. */
START_TEST(test_basic)
{
	struct pcapng_if ifs[NIFS];
	struct pcapng st;
	struct pcapng_blk b;
	struct result res;
	struct file f;
	size_t pos;
	int be;

	for (be = 0; be < 2; be++) {
		shb(&f, be);
		idb(&f, 1, 65535);
		epb(&f, 0, 1700000000123456u, 60, 1514, 60, 1);
		epb(&f, 0, 1700000001000000u, 0, 0, 0, 2);
		epb(&f, 0, 1700000002000001u, 61, 61, 61, 3);
		pcapng_init(&st, ifs, NIFS);
		ck_assert_int_eq(block_exact(&st, f.b, f.n, &b), PCAPNG_SKIP);
		ck_assert_uint_eq(b.type, PCAPNG_BT_SHB);
		ck_assert_uint_eq(b.len, 28);
		ck_assert_int_eq(st.big_endian, be);
		pos = b.len;
		ck_assert_int_eq(block_exact(&st, f.b + pos, f.n - pos, &b),
		    PCAPNG_SKIP);
		ck_assert_uint_eq(b.type, PCAPNG_BT_IDB);
		ck_assert_uint_eq(b.iface, 0);
		ck_assert_uint_eq(b.linktype, 1);
		ck_assert_uint_eq(st.nif, 1);
		ck_assert_uint_eq(ifs[0].snapshot, 65535);
		pos += b.len;
		ck_assert_int_eq(block_exact(&st, f.b + pos, f.n - pos, &b),
		    PCAPNG_OK);
		ck_assert_int_eq(b.ts_us, 1700000000123456);
		ck_assert_uint_eq(b.caplen, 60);
		ck_assert_uint_eq(b.wirelen, 1514);
		ck_assert_uint_eq(b.off, 28);
		ck_assert_uint_eq(b.len, 28 + 60 + 4);
		ck_assert_uint_eq(f.b[pos + b.off], (uint8_t)31);
		read_ok(&f, &res, 3);
		differ(f.b, f.n, "basic");
	}
}
END_TEST

/* if_tsresol: 10^-n and 2^-n, and if_tsoffset. */
START_TEST(test_tsresol)
{
	static const struct {
		int		resol;
		int64_t		off;
		uint64_t	t;
		int64_t		us;
	} cases[] = {
		{ -1, 0, 1700000000123456u, 1700000000123456 },
		{ 6, 0, 1700000000123456u, 1700000000123456 },
		{ 9, 0, 1700000000123456789u, 1700000000123456 },
		{ 3, 0, 1234567, 1234567000 },
		{ 0, 0, 77, 77000000 },
		{ 19, 0, 12345678901234567890u, 1234567 },
		{ 0x80 | 20, 0, (5u << 20) | (1u << 19), 5500000 },
		{ 0x80 | 10, 0, (7u << 10) | 1, 7000976 },
		{ 0x80 | 0, 0, 3, 3000000 },
		/* (2^63 - 1) * 10^6 wraps, as in libpcap. */
		{ 0x80 | 63, 0, UINT64_MAX, 1000001 },
		{ 6, 1000, 5000001, 1005000001 },
		{ 9, -5, 6000000000, 1000000 },
		{ 6, -1700000000, 5, -1699999999999995 },
	};
	struct result res;
	struct file f;
	size_t i;
	int be;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (be = 0; be < 2; be++) {
			shb(&f, be);
			idb_opt(&f, 1, 65535, cases[i].resol,
			    cases[i].off != 0, cases[i].off);
			epb(&f, 0, cases[i].t, 4, 4, 4, 1);
			read_ok(&f, &res, 1);
			ck_assert_msg(res.pkts[0].ts == cases[i].us,
			    "case %zu: %lld, want %lld", i,
			    (long long)res.pkts[0].ts,
			    (long long)cases[i].us);
			differ(f.b, f.n, "tsresol");
		}
}
END_TEST

/* SPB: interface 0, no time stamp, caplen min(len, snapshot, room). */
START_TEST(test_spb_pb)
{
	struct result res;
	struct file f;
	int be;

	for (be = 0; be < 2; be++) {
		shb(&f, be);
		idb_opt(&f, 1, 100, -1, 1, 42);
		spb(&f, 60, 60, 1);		/* 60 */
		spb(&f, 300, 100, 2);		/* snapshot: 100 */
		pb(&f, 0, 1700000000000007u, 50, 70, 50, 3);
		epb(&f, 0, 1700000000000009u, 50, 70, 50, 4);
		read_ok(&f, &res, 4);
		ck_assert_int_eq(res.pkts[0].ts, 42000000);
		ck_assert_uint_eq(res.pkts[0].caplen, 60);
		ck_assert_uint_eq(res.pkts[1].caplen, 100);
		ck_assert_uint_eq(res.pkts[1].wirelen, 300);
		ck_assert_int_eq(res.pkts[2].ts, 1700000042000007);
		ck_assert_uint_eq(res.pkts[2].caplen, 50);
		ck_assert_uint_eq(res.pkts[2].wirelen, 70);
		differ(f.b, f.n, "spb, pb");
		/* Room for 40 of 80 (libpcap calls it too short). */
		shb(&f, be);
		idb(&f, 1, 100);
		spb(&f, 80, 40, 5);
		read_ok(&f, &res, 1);
		ck_assert_uint_eq(res.pkts[0].caplen, 40);
		ck_assert_uint_eq(res.pkts[0].wirelen, 80);
		/* No interface yet. */
		shb(&f, be);
		spb(&f, 4, 4, 5);
		read_bad(&f, &res, "a packet arrived on interface 0, but "
		    "there's no Interface Description Block for that "
		    "interface");
	}
}
END_TEST

/* NRB, ISB, DSB, custom and unknown blocks: skipped by their length. */
START_TEST(test_unknown)
{
	static const uint32_t types[] = { 4, 5, 7, 8, 10, 0xbad, 0x40000bad,
	    0x80000001, 0xffffffff, 0 };
	struct result res;
	struct file f;
	size_t i;
	int be;

	for (be = 0; be < 2; be++) {
		shb(&f, be);
		other(&f, 4, 20);
		idb(&f, 1, 65535);
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			other(&f, types[i], i * 3);
			epb(&f, 0, 1000000 + i, 10, 10, 10, (unsigned)i);
		}
		read_ok(&f, &res, i);
		differ(f.b, f.n, "unknown blocks");
	}
}
END_TEST

/* Sections reset the interfaces; one of the other byte order is read. */
START_TEST(test_sections)
{
	struct result res;
	struct file f;
	int be;

	for (be = 0; be < 2; be++) {
		shb(&f, be);
		idb(&f, 1, 65535);
		idb(&f, 1, 65535);
		epb(&f, 1, 1, 10, 10, 10, 1);
		shb_v(&f, be, 1, 0);
		idb(&f, 1, 65535);
		epb(&f, 0, 2, 10, 10, 10, 2);
		read_ok(&f, &res, 2);
		differ(f.b, f.n, "two sections");
		epb(&f, 1, 3, 10, 10, 10, 3);
		read_bad(&f, &res, "a packet arrived on interface 1, but "
		    "there's no Interface Description Block");
		ck_assert_uint_eq(res.n, 2);
		differ(f.b, f.n, "interface of the last section");
		/* The other byte order, and minor version 1 later on. */
		shb(&f, be);
		idb(&f, 1, 65535);
		epb(&f, 0, 1, 10, 10, 10, 1);
		shb_v(&f, !be, 1, 1);
		idb(&f, 113, 65535);
		epb(&f, 0, 2, 10, 10, 10, 2);
		read_ok(&f, &res, 2);
		ck_assert_uint_eq(res.pkts[1].linktype, 113);
		/* Major version 2 later: libpcap's message. */
		shb(&f, be);
		idb(&f, 1, 65535);
		shb_v(&f, be, 2, 0);
		read_bad(&f, &res, "unknown pcapng savefile major version "
		    "number 2");
		differ(f.b, f.n, "major 2");
	}
}
END_TEST

/* What libpcap 1.10 refuses: link types and snapshot lengths differ. */
START_TEST(test_mixed)
{
	struct result res;
	struct file f;
	int be;

	for (be = 0; be < 2; be++) {
		shb(&f, be);
		idb(&f, 1, 65535);
		idb(&f, 101, 1500);
		idb(&f, 113, 0);
		epb(&f, 0, 1, 60, 60, 60, 1);
		epb(&f, 1, 2, 1500, 1500, 1500, 2);
		epb(&f, 2, 3, 2000, 2000, 2000, 3);
		idb(&f, 276, 65535);
		epb(&f, 3, 4, 40, 40, 40, 4);
		read_ok(&f, &res, 4);
		ck_assert_uint_eq(res.pkts[0].linktype, 1);
		ck_assert_uint_eq(res.pkts[1].linktype, 101);
		ck_assert_uint_eq(res.pkts[2].linktype, 113);
		ck_assert_uint_eq(res.pkts[3].linktype, 276);
		ck_assert_uint_eq(res.pkts[2].caplen, 2000);
		differ(f.b, f.n, "mixed");
		/* Over the interface's own snapshot length. */
		epb(&f, 1, 5, 1501, 1501, 1501, 5);
		read_bad(&f, &res, "invalid packet capture length 1501, "
		    "bigger than snaplen of 1500");
		ck_assert_uint_eq(res.n, 4);
	}
}
END_TEST

/* The interface table is bounded: one more is an error that says so. */
START_TEST(test_iface_table)
{
	static struct file f;
	struct result res;
	int i;

	shb(&f, 0);
	for (i = 0; i < NIFS; i++)
		idb(&f, 1, 65535);
	epb(&f, NIFS - 1, 1, 4, 4, 4, 1);
	read_ok(&f, &res, 1);
	differ(f.b, f.n, "64 interfaces");
	idb(&f, 1, 65535);
	read_bad(&f, &res, "Interface Description Block: more than 64 "
	    "interfaces in a section");
}
END_TEST

/* Bad block lengths and options: libpcap's messages. */
START_TEST(test_bad)
{
	struct result res;
	struct file f;
	size_t s;
	int be;

	for (be = 0; be < 2; be++) {
		shb(&f, be);
		idb(&f, 1, 65535);
		s = f.n;
		epb(&f, 0, 1, 4, 4, 4, 1);
		f.n -= 4;
		put(&f, 40, 4);
		read_bad(&f, &res, "block total length in header and "
		    "trailer don't match: 36 and 40");
		ck_assert_ptr_nonnull(strstr(res.err, "Enhanced Packet"));
		differ(f.b, f.n, "trailer");
		f.n = s;
		put(&f, 6, 4);
		put(&f, 8, 4);
		put(&f, 8, 4);
		read_bad(&f, &res, "block in pcapng dump file has a length "
		    "of 8 < 12");
		differ(f.b, f.n, "length 8");
		f.n = s;
		put(&f, 6, 4);
		put(&f, 14, 4);
		data(&f, 8, 0);
		read_bad(&f, &res, "block in pcapng dump file has a length "
		    "of 14 that is not a multiple of 4");
		differ(f.b, f.n, "length 14");
		f.n = s;
		put(&f, 6, 4);
		put(&f, PCAPNG_MAX_BLOCK + 4, 4);
		read_bad(&f, &res, "pcapng block size 16777220 > maximum "
		    "16777216");
		f.n = s;
		epb(&f, 0, 1, 70000, 70000, 10, 1);
		read_bad(&f, &res, "invalid packet capture length 70000, "
		    "bigger than snaplen of 65535");
		differ(f.b, f.n, "caplen");
		f.n = s;
		epb(&f, 0, 1, 100, 100, 10, 1);
		read_bad(&f, &res, "block of type 6 in pcapng dump file is "
		    "too short");
		differ(f.b, f.n, "caplen over the block");
		f.n = s;
		s = blk_begin(&f, PCAPNG_BT_EPB);
		data(&f, 8, 1);
		blk_end(&f, s);
		read_bad(&f, &res, "block of type 6 in pcapng dump file is "
		    "too short");
		differ(f.b, f.n, "short EPB");
		/* A packet on an interface with no IDB. */
		shb(&f, be);
		idb(&f, 1, 65535);
		epb(&f, 1, 1, 4, 4, 4, 1);
		read_bad(&f, &res, "a packet arrived on interface 1");
		differ(f.b, f.n, "no such interface");
	}
}
END_TEST

/* An IDB with the given option bytes after the fixed part. */
static void
idb_raw(struct file *f, const uint8_t *opt, size_t n)
{
	size_t s = blk_begin(f, PCAPNG_BT_IDB);

	put(f, 1, 2);
	put(f, 0, 2);
	put(f, 65535, 4);
	memcpy(f->b + f->n, opt, n);
	f->n += n;
	blk_end(f, s);
}

START_TEST(test_idb_options)
{
	static const struct {
		uint8_t		 opt[24];
		size_t		 n;
		const char	*err;
	} cases[] = {
		{ { 9, 0, 2, 0, 6, 6, 0, 0 }, 8, "Interface Description Block "
		    "has if_tsresol option with length 2 != 1" },
		{ { 9, 0, 1, 0, 6, 0, 0, 0, 9, 0, 1, 0, 9, 0, 0, 0 }, 16,
		    "Interface Description Block has more than one "
		    "if_tsresol option" },
		{ { 9, 0, 1, 0, 0xc0, 0, 0, 0 }, 8, "Interface Description "
		    "Block if_tsresol option resolution 2^-64 is too high" },
		{ { 9, 0, 1, 0, 20, 0, 0, 0 }, 8, "Interface Description "
		    "Block if_tsresol option resolution 10^-20 is too high" },
		{ { 14, 0, 4, 0, 1, 2, 3, 4 }, 8, "Interface Description "
		    "Block has if_tsoffset option with length 4 != 8" },
		{ { 14, 0, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 14, 0, 8, 0, 1, 0, 0,
		    0, 0, 0, 0, 0 }, 24, "Interface Description Block has "
		    "more than one if_tsoffset option" },
		{ { 0, 0, 4, 0, 0, 0, 0, 0 }, 8, "Interface Description "
		    "Block has opt_endofopt option with length 4 != 0" },
		{ { 2, 0, 8, 0, 1, 2, 3, 4 }, 8, "block of type 1 in pcapng "
		    "dump file is too short" },
		{ { 2, 0 }, 2, NULL },	/* padded: if_name of length 0 */
		{ { 0, 0, 0, 0, 9, 0, 9, 0 }, 8, NULL },	/* after end */
		{ { 0 }, 0, NULL },
	};
	struct result res;
	struct file f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		shb(&f, 0);
		idb(&f, 1, 65535);
		idb_raw(&f, cases[i].opt, cases[i].n);
		epb(&f, 1, 1, 4, 4, 4, 1);
		if (cases[i].err == NULL)
			read_ok(&f, &res, 1);
		else
			read_bad(&f, &res, cases[i].err);
		differ(f.b, f.n, "IDB options");
	}
}
END_TEST

/* Not pcapng, and first SHBs libpcap refuses (capture.c gives it those). */
START_TEST(test_first_shb)
{
	static const uint8_t pcap[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0,
	    0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t text[] = "\n\r\r\nHello, world";
	struct pcapng_if ifs[NIFS];
	struct pcapng st;
	struct pcapng_blk b;
	struct result res;
	struct file f;

	pcapng_init(&st, ifs, NIFS);
	ck_assert_int_eq(block_exact(&st, pcap, sizeof(pcap), &b),
	    PCAPNG_NOT_PCAPNG);
	ck_assert_int_eq(block_exact(&st, pcap, 1, &b), PCAPNG_NOT_PCAPNG);
	ck_assert_int_eq(block_exact(&st, text, sizeof(text) - 1, &b),
	    PCAPNG_NOT_PCAPNG);
	ck_assert_int_eq(block_exact(&st, text, 11, &b), PCAPNG_NEED_MORE);
	ck_assert_int_eq(block_exact(&st, text, 0, &b), PCAPNG_NEED_MORE);
	ck_assert_int_eq(pcapng_end(&st, text, 0, &b), PCAPNG_NOT_PCAPNG);
	f.n = 0;
	shb_v(&f, 0, 1, 1);
	idb(&f, 1, 65535);
	read_bad(&f, &res, "unsupported pcapng savefile version 1.1");
	ck_assert(res.fallback);
	f.n = 0;
	shb_v(&f, 1, 1, 2);
	idb(&f, 1, 65535);
	epb(&f, 0, 1, 4, 4, 4, 1);
	read_ok(&f, &res, 1);
	differ(f.b, f.n, "version 1.2");
	shb(&f, 0);
	f.b[4] = 24;
	read_bad(&f, &res, "Section Header Block in pcapng dump file has "
	    "invalid length 28 < _24_ < 1048576 (BT_SHB_INSANE_MAX)");
}
END_TEST

/* Every prefix of every block: NEED_MORE, whatever the state. */
START_TEST(test_prefixes)
{
	struct pcapng_if ifs[NIFS];
	struct pcapng st, save;
	struct pcapng_blk b;
	enum pcapng_status s;
	struct file f;
	size_t pos, k;
	int be;

	for (be = 0; be < 2; be++) {
		shb(&f, be);
		idb_opt(&f, 1, 65535, 9, 1, 7);
		epb(&f, 0, 1, 60, 60, 60, 1);
		other(&f, 5, 13);
		spb(&f, 30, 30, 2);
		pb(&f, 0, 1, 20, 20, 20, 3);
		shb_v(&f, be, 1, 0);
		idb(&f, 101, 0);
		epb(&f, 0, 1, 0, 0, 0, 1);
		pcapng_init(&st, ifs, NIFS);
		for (pos = 0; pos < f.n; pos += b.len) {
			for (k = 0; k < 1000 && pos + k < f.n; k++) {
				save = st;
				s = block_exact(&st, f.b + pos, k, &b);
				if (s != PCAPNG_NEED_MORE) {
					st = save;
					break;
				}
				ck_assert_mem_eq(&save, &st, sizeof(st));
			}
			s = block_exact(&st, f.b + pos, f.n - pos, &b);
			ck_assert_uint_le(k, b.len);
			ck_assert_msg(k == b.len, "block at %zu: %d at %zu of "
			    "%zu bytes", pos, (int)s, k, b.len);
			ck_assert(s == PCAPNG_OK || s == PCAPNG_SKIP);
		}
		ck_assert_uint_eq(st.sections, 2);
	}
}
END_TEST

static void
base_file(struct file *f, int be)
{
	shb(f, be);
	other(f, 4, 8);
	idb_opt(f, 1, 128, 9, 1, -3);
	idb(f, 1, 128);
	epb(f, 0, 1700000000123456789u, 60, 60, 60, 1);
	epb(f, 1, 1700000001000000000u, 100, 1514, 100, 2);
	other(f, 5, 12);
	pb(f, 1, 1700000002000000000u, 0, 0, 0, 3);
	spb(f, 40, 40, 4);
	epb(f, 0, 1700000003000000000u, 40, 40, 40, 5);
}

/*
 * Every byte corrupted (0x00, 0xff, each bit flipped): never a crash or an
 * overread, and where libpcap reads the file, the same packets.
 */
START_TEST(test_corrupt)
{
	struct file f, g;
	size_t i;
	int be, v;

	for (be = 0; be < 2; be++) {
		base_file(&f, be);
		differ(f.b, f.n, "base");
		for (i = 0; i < f.n; i++)
			for (v = 0; v < 10; v++) {
				g = f;
				g.b[i] = (uint8_t)(v == 0 ? 0x00u : v == 1 ?
				    0xffu : f.b[i] ^ (1u << (v - 2)));
				differ_chunks(g.b, g.n, "corrupted", 0);
			}
	}
}
END_TEST

/* Every prefix of a whole file, against libpcap: truncation messages. */
START_TEST(test_file_prefixes)
{
	struct file f;
	size_t k;
	int be;

	for (be = 0; be < 2; be++) {
		base_file(&f, be);
		for (k = 0; k <= f.n; k++)
			differ(f.b, k, "file prefix");
	}
}
END_TEST

static Suite *
pcapng_suite(void)
{
	Suite *s = suite_create("pcapng");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_tsresol);
	tcase_add_test(tc, test_spb_pb);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_iface_table);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_idb_options);
	tcase_add_test(tc, test_first_shb);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_file_prefixes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pcapng_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

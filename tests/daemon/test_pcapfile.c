/*
 * test_pcapfile.c - the classic pcap parser: every magic and byte order,
 * versions, link type bits, snapshot lengths, every prefix of a header and
 * a record, every byte corrupted (exact-size copies, for AddressSanitizer),
 * and, on crafted files, the same packets, time stamps and errors as
 * libpcap's own reader (pcap_next_ex).
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "pcapfile.h"

#define MAGIC_USEC	0xa1b2c3d4u
#define MAGIC_NSEC	0xa1b23c4du
#define MAX_PKTS	64

struct file {
	uint8_t	b[8192];
	size_t	n;
	int	be;
};

/* One packet as a reader delivered it; the bytes are hashed. */
struct pkt {
	int64_t		ts;
	uint32_t	caplen, wirelen;
	uint64_t	hash;
};

struct result {
	struct pkt	pkts[MAX_PKTS];
	size_t		n;
	int		ok;		/* ended cleanly */
	char		err[PCAP_ERRBUF_SIZE];
};

static void
put32(struct file *f, uint32_t v)
{
	uint8_t *p = f->b + f->n;

	if (f->be) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	} else {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	}
	f->n += 4;
}

static void
put16(struct file *f, uint16_t v)
{
	uint8_t *p = f->b + f->n;

	p[f->be ? 0 : 1] = (uint8_t)(v >> 8);
	p[f->be ? 1 : 0] = (uint8_t)v;
	f->n += 2;
}

static void
file_hdr(struct file *f, int be, uint32_t magic, uint16_t maj, uint16_t min,
    uint32_t snaplen, uint32_t link)
{
	f->n = 0;
	f->be = be;
	put32(f, magic);
	put16(f, maj);
	put16(f, min);
	put32(f, 0);
	put32(f, 0);
	put32(f, snaplen);
	put32(f, link);
}

/* A record of n data bytes (a pattern from seed); caplen as given. */
static void
file_rec(struct file *f, uint32_t sec, uint32_t frac, uint32_t caplen,
    uint32_t len, size_t n, unsigned seed)
{
	size_t i;

	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, len);
	for (i = 0; i < n; i++)
		f->b[f->n++] = (uint8_t)(seed * 31 + i * 7);
}

static enum pcapfile_status
header_exact(const uint8_t *p, size_t n, struct pcapfile_hdr *h)
{
	uint8_t *d = dup_exact(p, n);
	enum pcapfile_status s = pcapfile_header(d, n, h);

	free(d);
	return s;
}

static void
add_pkt(struct result *res, int64_t ts, uint32_t caplen, uint32_t wirelen,
    const uint8_t *data)
{
	struct pkt *k;

	ck_assert_uint_lt(res->n, MAX_PKTS);
	k = &res->pkts[res->n++];
	k->ts = ts;
	k->caplen = caplen;
	k->wirelen = wirelen;
	k->hash = fnv1a(data, caplen);
}

/*
 * Read a whole file the way capture.c does, but the bytes arrive chunk at a
 * time, and every call sees an exact-size copy of what is unread.  Returns
 * what pcapfile_header said.
 */
static enum pcapfile_status
read_own(const uint8_t *file, size_t n, size_t chunk, struct result *res)
{
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	enum pcapfile_status s;
	size_t pos = PCAPFILE_HDR_LEN, avail = 0, left;
	uint8_t *w;

	memset(res, 0, sizeof(*res));
	if ((s = header_exact(file, n, &h)) != PCAPFILE_OK) {
		if (s == PCAPFILE_BAD)
			pcapfile_strerror(&h, NULL, res->err,
			    sizeof(res->err));
		return s;
	}
	for (;;) {
		if (avail < pos)
			avail = pos;
		left = avail - pos;
		w = dup_exact(file + pos, left);
		s = pcapfile_record(&h, w, left, &r);
		if (s == PCAPFILE_NEED_MORE && avail >= n)
			s = pcapfile_end(&h, w, left, &r);
		if (s == PCAPFILE_OK) {
			ck_assert_uint_le(r.len, left);
			ck_assert_uint_le(r.off + r.caplen, r.len);
			ck_assert_uint_le(r.caplen, h.snapshot);
			add_pkt(res, r.ts_us, r.caplen, r.wirelen, w + r.off);
			pos += r.len;
		} else if (s == PCAPFILE_NEED_MORE) {
			avail = avail + chunk < n ? avail + chunk : n;
		} else if (s == PCAPFILE_END) {
			res->ok = 1;
		} else {
			ck_assert_int_eq(s, PCAPFILE_BAD);
			pcapfile_strerror(&h, &r, res->err, sizeof(res->err));
		}
		free(w);
		if (s == PCAPFILE_END || s == PCAPFILE_BAD)
			return PCAPFILE_OK;
	}
}

/* The same file through libpcap; 0, or -1 if it would not open it. */
static int
read_pcap(const uint8_t *file, size_t n, struct result *res)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
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
	while ((r = pcap_next_ex(p, &ph, &data)) == 1)
		add_pkt(res, (int64_t)ph->ts.tv_sec * 1000000 +
		    (int64_t)ph->ts.tv_usec, ph->caplen, ph->len, data);
	if (r == PCAP_ERROR_BREAK)
		res->ok = 1;
	else
		snprintf(res->err, sizeof(res->err), "%s", pcap_geterr(p));
	pcap_close(p);
	free(copy);
	return 0;
}

static void
assert_same(const struct result *a, const struct result *b, const char *what)
{
	size_t i;

	ck_assert_msg(a->n == b->n, "%s: %zu packets, libpcap %zu", what,
	    a->n, b->n);
	for (i = 0; i < a->n; i++) {
		ck_assert_msg(a->pkts[i].ts == b->pkts[i].ts,
		    "%s: packet %zu ts %lld, libpcap %lld", what, i,
		    (long long)a->pkts[i].ts, (long long)b->pkts[i].ts);
		ck_assert_msg(a->pkts[i].caplen == b->pkts[i].caplen &&
		    a->pkts[i].wirelen == b->pkts[i].wirelen &&
		    a->pkts[i].hash == b->pkts[i].hash,
		    "%s: packet %zu differs", what, i);
	}
	ck_assert_msg(a->ok == b->ok, "%s: ended %s, libpcap %s", what,
	    a->ok ? "cleanly" : a->err, b->ok ? "cleanly" : b->err);
	ck_assert_msg(strcmp(a->err, b->err) == 0, "%s: '%s', libpcap '%s'",
	    what, a->err, b->err);
}

/*
 * Compare with libpcap, fed whole and in chunks (down to single bytes if
 * all_chunks).  Files we leave to libpcap (NOT_PCAP) are not compared; a
 * header we refuse must be one libpcap refuses, with its message.
 */
static void
differ_chunks(const uint8_t *file, size_t n, const char *what,
    int all_chunks)
{
	static const size_t chunks[] = { 4096, 7, 16, 1 };
	struct result own, pc;
	enum pcapfile_status s;
	size_t i;
	int pr;

	pr = read_pcap(file, n, &pc);
	for (i = 0; i < (all_chunks ? 4 : 2); i++) {
		s = read_own(file, n, chunks[i], &own);
		if (s == PCAPFILE_NOT_PCAP || s == PCAPFILE_NEED_MORE)
			continue;
		if (s == PCAPFILE_BAD) {
			ck_assert_msg(pr < 0, "%s: libpcap opened it", what);
			ck_assert_str_eq(own.err, pc.err);
			continue;
		}
		ck_assert_msg(pr == 0, "%s: libpcap refused: %s", what, pc.err);
		/* However the bytes arrive, the same packets. */
		assert_same(&own, &pc, what);
	}
}

static void
differ(const uint8_t *file, size_t n, const char *what)
{
	differ_chunks(file, n, what, 1);
}

/* Every magic and byte order: fields, time stamps, lengths. */
START_TEST(test_magics)
{
	static const uint32_t magics[] = { MAGIC_USEC, MAGIC_NSEC };
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;
	int be, m;

	for (be = 0; be < 2; be++)
		for (m = 0; m < 2; m++) {
			file_hdr(&f, be, magics[m], 2, 4, 65535, 1);
			file_rec(&f, 1700000000, m ? 123456789 : 123456, 60,
			    1514, 60, 1);
			ck_assert_int_eq(header_exact(f.b, f.n, &h),
			    PCAPFILE_OK);
			ck_assert_int_eq(h.big_endian, be);
			ck_assert_int_eq(h.nsec, m);
			ck_assert_uint_eq(h.snaplen, 65535);
			ck_assert_uint_eq(h.snapshot, 65535);
			ck_assert_uint_eq(h.linktype, 1);
			ck_assert_uint_eq(h.version_major, 2);
			ck_assert_uint_eq(h.version_minor, 4);
			ck_assert_int_eq(h.lengths, PCAPFILE_LEN_NOT_SWAPPED);
			ck_assert_int_eq(pcapfile_record(&h, f.b + 24,
			    f.n - 24, &r), PCAPFILE_OK);
			ck_assert_int_eq(r.ts_us,
			    1700000000 * INT64_C(1000000) + 123456);
			ck_assert_uint_eq(r.caplen, 60);
			ck_assert_uint_eq(r.wirelen, 1514);
			ck_assert_uint_eq(r.off, 16);
			ck_assert_uint_eq(r.len, 76);
			ck_assert_uint_eq(f.b[24 + r.off], (uint8_t)31);
			differ(f.b, f.n, "magic");
		}
}
END_TEST

static int
host_be(void)
{
	const uint16_t one = 1;
	uint8_t first;

	memcpy(&first, &one, 1);
	return first == 0;
}

/*
 * Nanoseconds divided down as libpcap does: C division of a signed int (in
 * a file of this host's byte order).
 */
START_TEST(test_nsec)
{
	static const struct {
		uint32_t	sec, frac;
		int64_t		us;
	} cases[] = {
		{ 5, 999999999, 5999999 },
		{ 5, 999, 5000000 },
		{ 5, 1000, 5000001 },
		{ 5, 0xfffffff0, 5000000 },	/* -16 ns: 0 us */
		{ 5, 0x80000000, 5000000 - 2147483 },
		{ 0xffffffff, 0, -1000000 },
	};
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		file_hdr(&f, host_be(), MAGIC_NSEC, 2, 4, 65535, 1);
		file_rec(&f, cases[i].sec, cases[i].frac, 4, 4, 4, 0);
		ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
		ck_assert_int_eq(pcapfile_record(&h, f.b + 24, f.n - 24, &r),
		    PCAPFILE_OK);
		ck_assert_int_eq(r.ts_us, cases[i].us);
		differ(f.b, f.n, "nsec");
	}
}
END_TEST

/* Microsecond fields out of range pass through, as in libpcap. */
START_TEST(test_usec_signed)
{
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;
	int be;

	for (be = 0; be < 2; be++) {
		file_hdr(&f, be, MAGIC_USEC, 2, 4, 65535, 1);
		file_rec(&f, 0xffffffff, 0xffffffff, 4, 4, 4, 0);
		file_rec(&f, 0x80000000, 3000000, 4, 4, 4, 1);
		file_rec(&f, 0x7fffffff, 999999, 4, 4, 4, 2);
		ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
		ck_assert_int_eq(pcapfile_record(&h, f.b + 24, f.n - 24, &r),
		    PCAPFILE_OK);
		/* Signed, but unsigned where libpcap swaps (see pcapfile.c). */
		ck_assert_int_eq(r.ts_us, h.swapped ? 4294967295 *
		    INT64_C(1000000) + 4294967295 : -1000001);
		ck_assert_int_eq(pcapfile_record(&h, f.b + 44, f.n - 44, &r),
		    PCAPFILE_OK);
		ck_assert_int_eq(r.ts_us, (h.swapped ? 2147483648 :
		    -2147483648) * INT64_C(1000000) + 3000000);
		differ(f.b, f.n, "signed time stamps");
	}
}
END_TEST

START_TEST(test_not_pcap)
{
	static const uint8_t pcapng[] = { 0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0,
	    0, 0, 0x4d, 0x3c, 0x2b, 0x1a };
	static const uint8_t kuznetzov[] = { 0x34, 0xcd, 0xb2, 0xa1, 2, 0, 4,
	    0 };
	static const uint8_t navtel[] = { 0x4d, 0x3c, 0x2b, 0xa1 };
	static const uint8_t junk[] = { 0xa1, 0xb2, 0xc3, 0xd5 };
	struct pcapfile_hdr h;

	ck_assert_int_eq(header_exact(pcapng, sizeof(pcapng), &h),
	    PCAPFILE_NOT_PCAP);
	ck_assert_int_eq(header_exact(pcapng, 1, &h), PCAPFILE_NOT_PCAP);
	ck_assert_int_eq(header_exact(kuznetzov, sizeof(kuznetzov), &h),
	    PCAPFILE_NOT_PCAP);
	ck_assert_int_eq(header_exact(navtel, sizeof(navtel), &h),
	    PCAPFILE_NOT_PCAP);
	ck_assert_int_eq(header_exact(junk, 4, &h), PCAPFILE_NOT_PCAP);
	ck_assert_int_eq(header_exact(junk, 3, &h), PCAPFILE_NEED_MORE);
	ck_assert_int_eq(header_exact(junk, 0, &h), PCAPFILE_NEED_MORE);
}
END_TEST

/* Every prefix of every valid header: NEED_MORE. */
START_TEST(test_header_prefixes)
{
	static const uint32_t magics[] = { MAGIC_USEC, MAGIC_NSEC };
	struct pcapfile_hdr h;
	struct file f;
	size_t k;
	int be, m;

	for (be = 0; be < 2; be++)
		for (m = 0; m < 2; m++) {
			file_hdr(&f, be, magics[m], 2, 4, 65535, 1);
			for (k = 0; k < PCAPFILE_HDR_LEN; k++)
				ck_assert_int_eq(header_exact(f.b, k, &h),
				    PCAPFILE_NEED_MORE);
			ck_assert_int_eq(header_exact(f.b, k, &h),
			    PCAPFILE_OK);
		}
}
END_TEST

/* Versions libpcap reads, with their caplen/len order, and refuses. */
START_TEST(test_versions)
{
	static const struct {
		uint16_t		maj, min;
		enum pcapfile_status	s;
		enum pcapfile_lengths	lengths;
		const char		*err;
	} cases[] = {
		{ 2, 4, PCAPFILE_OK, PCAPFILE_LEN_NOT_SWAPPED, NULL },
		{ 2, 3, PCAPFILE_OK, PCAPFILE_LEN_MAYBE_SWAPPED, NULL },
		{ 2, 2, PCAPFILE_OK, PCAPFILE_LEN_SWAPPED, NULL },
		{ 2, 0, PCAPFILE_OK, PCAPFILE_LEN_SWAPPED, NULL },
		{ 543, 0, PCAPFILE_OK, PCAPFILE_LEN_SWAPPED, NULL },
		{ 1, 9, PCAPFILE_BAD, 0, "archaic pcap savefile format" },
		{ 0, 0, PCAPFILE_BAD, 0, "archaic pcap savefile format" },
		{ 2, 5, PCAPFILE_BAD, 0,
		    "unsupported pcap savefile version 2.5" },
		{ 3, 0, PCAPFILE_BAD, 0,
		    "unsupported pcap savefile version 3.0" },
		{ 543, 1, PCAPFILE_BAD, 0,
		    "unsupported pcap savefile version 543.1" },
	};
	char buf[PCAPFILE_ERR_MAX];
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		file_hdr(&f, (int)(i & 1), MAGIC_USEC, cases[i].maj,
		    cases[i].min, 65535, 1);
		/* 50 captured of 60, and 60 "captured" of 50. */
		file_rec(&f, 1, 2, 50, 60, 60, 1);
		file_rec(&f, 1, 2, 60, 50, 60, 2);
		ck_assert_int_eq(header_exact(f.b, f.n, &h), cases[i].s);
		differ(f.b, f.n, "versions");
		if (cases[i].s != PCAPFILE_OK) {
			ck_assert_str_eq(pcapfile_strerror(&h, NULL, buf,
			    sizeof(buf)), cases[i].err);
			continue;
		}
		ck_assert_int_eq(h.lengths, cases[i].lengths);
		ck_assert_int_eq(pcapfile_record(&h, f.b + 24, f.n - 24, &r),
		    PCAPFILE_OK);
		ck_assert_uint_eq(r.caplen, cases[i].lengths ==
		    PCAPFILE_LEN_SWAPPED ? 60 : 50);
		ck_assert_uint_eq(r.caplen + r.wirelen, 110);
		ck_assert_uint_eq(r.len, 16 + r.caplen);
	}
}
END_TEST

/* LT_LINKTYPE: the FCS bits (26-31) go, the reserved bits stay. */
START_TEST(test_linktype_bits)
{
	static const uint32_t links[][2] = {
		{ 1, 1 }, { 0x04000001, 1 }, { 0xf4000001, 1 },
		{ 0xfc000071, 113 }, { 101, 101 }, { 0x00010001, 0x00010001 },
		{ 0x03ffffff, 0x03ffffff },
	};
	struct pcapfile_hdr h;
	struct file f;
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		file_hdr(&f, 0, MAGIC_USEC, 2, 4, 65535, links[i][0]);
		ck_assert_int_eq(header_exact(f.b, f.n, &h), PCAPFILE_OK);
		ck_assert_uint_eq(h.link, links[i][0]);
		ck_assert_uint_eq(h.linktype, links[i][1]);
	}
}
END_TEST

/* pcap_adjust_snapshot, and the link types with a larger maximum. */
START_TEST(test_snapshot)
{
	/* snaplen, link type; snapshot, maximum caplen */
	static const uint32_t cases[][4] = {
		{ 65535, 1, 65535, 262144 },
		{ 0, 1, 262144, 262144 },
		{ 300000, 1, 300000, 262144 },
		{ 0x7fffffff, 1, 0x7fffffff, 262144 },
		{ 0x80000000, 1, 262144, 262144 },
		{ 0, 231, 128 * 1024 * 1024, 128 * 1024 * 1024 },
		{ 0, 279, 8 * 1024 * 1024, 8 * 1024 * 1024 },
		{ 0, 249, 1024 * 1024, 1024 * 1024 },
	};
	struct pcapfile_hdr h;
	struct file f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		file_hdr(&f, 1, MAGIC_USEC, 2, 4, cases[i][0], cases[i][1]);
		ck_assert_int_eq(header_exact(f.b, f.n, &h), PCAPFILE_OK);
		ck_assert_uint_eq(h.snapshot, cases[i][2]);
		ck_assert_uint_eq(h.maxcap, cases[i][3]);
	}
}
END_TEST

/* Every prefix of a record: NEED_MORE; a 0-byte packet is a record. */
START_TEST(test_record_prefixes)
{
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;
	uint8_t *d;
	size_t k, n;
	int be;

	for (be = 0; be < 2; be++) {
		file_hdr(&f, be, MAGIC_NSEC, 2, 4, 65535, 1);
		file_rec(&f, 1, 2, 100, 200, 100, 3);
		ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
		n = f.n - 24;
		for (k = 0; k < n; k++) {
			d = dup_exact(f.b + 24, k);
			ck_assert_int_eq(pcapfile_record(&h, d, k, &r),
			    PCAPFILE_NEED_MORE);
			free(d);
		}
		d = dup_exact(f.b + 24, n);
		ck_assert_int_eq(pcapfile_record(&h, d, n, &r), PCAPFILE_OK);
		ck_assert_uint_eq(r.len, n);
		free(d);
		file_rec(&f, 1, 2, 0, 0, 0, 0);
		ck_assert_int_eq(pcapfile_record(&h, f.b + 24 + n, 16, &r),
		    PCAPFILE_OK);
		ck_assert_uint_eq(r.caplen, 0);
		ck_assert_uint_eq(r.len, 16);
	}
}
END_TEST

/* A caplen over the maximum is an error as soon as the header is in. */
START_TEST(test_bad_caplen)
{
	char buf[PCAPFILE_ERR_MAX];
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;

	file_hdr(&f, 0, MAGIC_USEC, 2, 4, 65535, 1);
	file_rec(&f, 1, 2, 262145, 262145, 0, 0);
	ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
	ck_assert_int_eq(pcapfile_record(&h, f.b + 24, 16, &r), PCAPFILE_BAD);
	ck_assert_str_eq(pcapfile_strerror(&h, &r, buf, sizeof(buf)),
	    "invalid packet capture length 262145, bigger than snaplen of "
	    "65535");
	differ(f.b, f.n, "caplen over snaplen and maximum");

	file_hdr(&f, 1, MAGIC_USEC, 2, 4, 300000, 1);
	file_rec(&f, 1, 2, 270000, 270000, 0, 0);
	ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
	ck_assert_int_eq(pcapfile_record(&h, f.b + 24, 16, &r), PCAPFILE_BAD);
	ck_assert_str_eq(pcapfile_strerror(&h, &r, buf, sizeof(buf)),
	    "invalid packet capture length 270000, bigger than maximum of "
	    "262144");
	differ(f.b, f.n, "caplen over maximum");

	file_hdr(&f, 0, MAGIC_USEC, 2, 4, 65535, 1);
	file_rec(&f, 1, 2, 0xffffffff, 10, 0, 0);
	ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
	ck_assert_int_eq(pcapfile_record(&h, f.b + 24, 16, &r), PCAPFILE_BAD);
	differ(f.b, f.n, "caplen 2^32-1");
}
END_TEST

/* caplen > snaplen (within the maximum): cut to snaplen, rest skipped. */
START_TEST(test_over_snaplen)
{
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;

	file_hdr(&f, 0, MAGIC_USEC, 2, 4, 100, 1);
	file_rec(&f, 1, 2, 200, 300, 200, 1);
	file_rec(&f, 3, 4, 100, 100, 100, 2);
	ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
	ck_assert_int_eq(pcapfile_record(&h, f.b + 24, f.n - 24, &r),
	    PCAPFILE_OK);
	ck_assert_uint_eq(r.caplen, 100);
	ck_assert_uint_eq(r.wirelen, 300);
	ck_assert_uint_eq(r.len, 216);
	differ(f.b, f.n, "caplen over snaplen");
}
END_TEST

/* Truncated files: libpcap's messages, packets before the cut kept. */
START_TEST(test_truncated)
{
	static const struct {
		size_t		 cut;
		const char	*err;
	} cases[] = {
		{ 24 + 76, NULL },
		{ 24 + 76 + 1, "truncated dump file; tried to read 16 header "
		    "bytes, only got 1" },
		{ 24 + 76 + 15, "truncated dump file; tried to read 16 header "
		    "bytes, only got 15" },
		{ 24 + 76 + 16, "truncated dump file; tried to read 100 "
		    "captured bytes, only got 0" },
		{ 24 + 76 + 16 + 99, "truncated dump file; tried to read 100 "
		    "captured bytes, only got 99" },
		/* caplen 200 > snaplen 100: which read came up short. */
		{ 24 + 76 + 116 + 16 + 50, "truncated dump file; tried to read "
		    "100 captured bytes, only got 50" },
		{ 24 + 76 + 116 + 16 + 100, "truncated dump file; tried to "
		    "read 200 captured bytes, only got 100" },
		{ 24 + 76 + 116 + 16 + 199, "truncated dump file; tried to "
		    "read 200 captured bytes, only got 199" },
		{ 24 + 76 + 116 + 16 + 200, NULL },
	};
	char buf[PCAPFILE_ERR_MAX];
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct result res;
	struct file f;
	enum pcapfile_status s;
	size_t i, pos;
	int be;

	for (be = 0; be < 2; be++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			file_hdr(&f, be, MAGIC_USEC, 2, 4, 100, 1);
			file_rec(&f, 1, 2, 60, 60, 60, 1);
			file_rec(&f, 3, 4, 100, 100, 100, 2);
			file_rec(&f, 5, 6, 200, 200, 200, 3);
			ck_assert_uint_ge(f.n, cases[i].cut);
			f.n = cases[i].cut;
			differ(f.b, f.n, "truncated");
			ck_assert_int_eq(read_own(f.b, f.n, 4096, &res),
			    PCAPFILE_OK);
			ck_assert_int_eq(res.ok, cases[i].err == NULL);
			if (cases[i].err != NULL)
				ck_assert_str_eq(res.err, cases[i].err);
			/* pcapfile_end on the very bytes left. */
			ck_assert_int_eq(pcapfile_header(f.b, f.n, &h),
			    PCAPFILE_OK);
			for (pos = 24; pcapfile_record(&h, f.b + pos,
			    f.n - pos, &r) == PCAPFILE_OK; pos += r.len)
				;
			s = pcapfile_end(&h, f.b + pos, f.n - pos, &r);
			ck_assert_int_eq(s, cases[i].err == NULL ?
			    PCAPFILE_END : PCAPFILE_BAD);
			if (s == PCAPFILE_BAD)
				ck_assert_str_eq(pcapfile_strerror(&h, &r, buf,
				    sizeof(buf)), cases[i].err);
		}
}
END_TEST

/* pcapfile_end on a whole record hands it back rather than losing it. */
START_TEST(test_end_whole)
{
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	struct file f;

	file_hdr(&f, 0, MAGIC_USEC, 2, 4, 100, 1);
	file_rec(&f, 1, 2, 60, 60, 60, 1);
	ck_assert_int_eq(pcapfile_header(f.b, f.n, &h), PCAPFILE_OK);
	ck_assert_int_eq(pcapfile_end(&h, f.b + 24, f.n - 24, &r),
	    PCAPFILE_OK);
	ck_assert_uint_eq(r.len, 76);
	ck_assert_int_eq(pcapfile_end(&h, f.b + 24, 0, &r), PCAPFILE_END);
}
END_TEST

static void
base_file(struct file *f, int be, uint32_t magic)
{
	file_hdr(f, be, magic, 2, 4, 128, 1);
	file_rec(f, 1700000000, 10, 60, 60, 60, 1);
	file_rec(f, 1700000001, 20, 200, 1514, 200, 2);	/* > snaplen */
	file_rec(f, 1700000002, 30, 0, 0, 0, 3);
	file_rec(f, 1700000003, 40, 40, 40, 40, 4);
}

/*
 * Every byte corrupted (0x00, 0xff, each bit flipped): never a crash or an
 * overread, and libpcap reads the same packets and stops the same way.
 */
START_TEST(test_corrupt)
{
	static const uint32_t magics[] = { MAGIC_USEC, MAGIC_NSEC };
	struct file f, g;
	size_t i;
	int be, m, v;
	uint8_t val;

	for (be = 0; be < 2; be++)
		for (m = 0; m < 2; m++) {
			base_file(&f, be, magics[m]);
			differ(f.b, f.n, "base");
			for (i = 0; i < f.n; i++)
				for (v = 0; v < 10; v++) {
					val = (uint8_t)(v == 0 ? 0x00u :
					    v == 1 ? 0xffu :
					    f.b[i] ^ (1u << (v - 2)));
					g = f;
					g.b[i] = val;
					differ_chunks(g.b, g.n,
					    "corrupted", 0);
				}
		}
}
END_TEST

/* Every prefix of a whole file, against libpcap. */
START_TEST(test_file_prefixes)
{
	struct file f;
	size_t k;
	int be;

	for (be = 0; be < 2; be++) {
		base_file(&f, be, MAGIC_NSEC);
		for (k = 0; k <= f.n; k++)
			differ(f.b, k, "file prefix");
	}
}
END_TEST

static uint32_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 32);
}

/* Random files of random records, some over the snapshot length. */
START_TEST(test_random_files)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	struct file f;
	uint32_t caplen, snap;
	int k, i, nrec;

	for (k = 0; k < 200; k++) {
		snap = 16 + rnd(&seed) % 300;
		file_hdr(&f, k & 1, k & 2 ? MAGIC_NSEC : MAGIC_USEC, 2,
		    (uint16_t)(k % 7 == 0 ? 3 : 4), snap,
		    k % 5 == 0 ? 113 : 1);
		nrec = (int)(rnd(&seed) % 12);
		for (i = 0; i < nrec; i++) {
			caplen = rnd(&seed) % 400;
			if (f.n + 16 + caplen > sizeof(f.b))
				break;
			file_rec(&f, rnd(&seed), rnd(&seed), caplen,
			    caplen + rnd(&seed) % 3, caplen, (unsigned)i);
		}
		if (k % 3 == 0 && f.n > 24)
			f.n -= rnd(&seed) % (f.n - 24);
		differ_chunks(f.b, f.n, "random", k % 10 == 0);
	}
}
END_TEST

/* A file on disk, as originstatd gets it: read by path, much bigger. */
START_TEST(test_disk_file)
{
	char path[] = "/tmp/test_pcapfile.XXXXXX";
	static struct file f;
	struct result own, pc;
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	pcap_t *p;
	int fd, i;

	file_hdr(&f, 0, MAGIC_USEC, 2, 4, 1000, 1);
	for (i = 0; i < 50; i++)
		file_rec(&f, 1700000000 + (uint32_t)i, (uint32_t)i * 1000,
		    (uint32_t)(i * 3), 1514, (size_t)(i * 3), (unsigned)i);
	f.n -= 5;
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, f.b, f.n), (ssize_t)f.n);
	close(fd);
	ck_assert_int_eq(read_own(f.b, f.n, 13, &own), PCAPFILE_OK);
	memset(&pc, 0, sizeof(pc));
	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	ck_assert_ptr_nonnull(p);
	while (pcap_next_ex(p, &ph, &data) == 1)
		add_pkt(&pc, (int64_t)ph->ts.tv_sec * 1000000 +
		    (int64_t)ph->ts.tv_usec, ph->caplen, ph->len, data);
	snprintf(pc.err, sizeof(pc.err), "%s", pcap_geterr(p));
	pcap_close(p);
	unlink(path);
	ck_assert_uint_eq(own.n, 49);
	assert_same(&own, &pc, "disk file");
}
END_TEST

static Suite *
pcapfile_suite(void)
{
	Suite *s = suite_create("pcapfile");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_magics);
	tcase_add_test(tc, test_nsec);
	tcase_add_test(tc, test_usec_signed);
	tcase_add_test(tc, test_not_pcap);
	tcase_add_test(tc, test_header_prefixes);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_linktype_bits);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_record_prefixes);
	tcase_add_test(tc, test_bad_caplen);
	tcase_add_test(tc, test_over_snaplen);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_end_whole);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_file_prefixes);
	tcase_add_test(tc, test_random_files);
	tcase_add_test(tc, test_disk_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pcapfile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * fuzz_capfile.c - the capture file parsers: classic pcap (pcapfile.c)
 * and pcapng (pcapng.c), the input being a whole file.
 *
 * Checked beyond "no crash": every packet lies inside its record and every
 * record inside the bytes given; each step consumes something; a refused
 * file gets a message.  The file is read twice: once from one buffer, and
 * once the way capture.c reads it, a window that grows by pieces whose
 * sizes come from the input, each parse on an exact-size copy of what is
 * there so far.  Both readings must hand on the same packets and end the
 * same way: a block or record cut by a refill is never taken for a whole
 * one, and never lost.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pcapfile.h"
#include "pcapng.h"

#define FZ_IFACES	64		/* PCAPNG_MAX_IFACES */
#define FZ_MSG		256

/* What a reading saw: packets folded into one hash, and how it ended. */
struct fz_run {
	uint64_t	 hash;
	size_t		 packets;
	int		 kind;		/* 0 neither, 1 pcap, 2 pcapng */
	int		 end;		/* the last status */
	int		 why;
};

static void
mix(struct fz_run *r, uint64_t v)
{
	r->hash = (r->hash ^ v) * 1099511628211u;
}

static void
mix_bytes(struct fz_run *r, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mix(r, p[i]);
}

/* A message must be a non-empty string inside its buffer. */
static void
check_msg(const char *m, const char *buf)
{
	size_t n;

	if (m != buf)
		abort();
	n = strnlen(buf, FZ_MSG);
	if (n == 0 || n == FZ_MSG)
		abort();
}

/*
 * Where the next parse looks: the whole rest of the file (piece 0), or an
 * exact-size copy of the rest of a window grown by pieces until the parser
 * has enough.  *eof is set when the window holds the whole rest.
 */
struct fz_src {
	const uint8_t	*data;
	size_t		 size;
	size_t		 pos;		/* consumed */
	size_t		 avail;		/* window end */
	uint32_t	 seed;		/* 0: one buffer */
	uint8_t		*copy;
};

static const uint8_t *
src_view(struct fz_src *s, size_t *n)
{
	free(s->copy);
	s->copy = NULL;
	if (s->seed == 0) {
		*n = s->size - s->pos;
		return s->data + s->pos;
	}
	*n = s->avail - s->pos;
	s->copy = fuzz_dup(s->data + s->pos, *n);
	return s->copy;
}

/* Grow the window; 0 when it already holds everything. */
static int
src_more(struct fz_src *s)
{
	size_t piece;

	if (s->seed == 0 || s->avail == s->size)
		return 0;
	s->seed = s->seed * 1103515245u + 12345u;
	piece = 1 + (s->seed >> 16) % 64;
	if (piece > s->size - s->avail)
		piece = s->size - s->avail;
	s->avail += piece;
	return 1;
}

static void
read_pcap(struct fz_src *s, const struct pcapfile_hdr *h, struct fz_run *r)
{
	struct pcapfile_rec rec;
	enum pcapfile_status st;
	char msg[FZ_MSG];
	const uint8_t *p;
	size_t n;

	for (;;) {
		p = src_view(s, &n);
		st = pcapfile_record(h, p, n, &rec);
		if (st == PCAPFILE_NEED_MORE && src_more(s))
			continue;
		if (st == PCAPFILE_NEED_MORE)
			st = pcapfile_end(h, p, n, &rec);
		if (st != PCAPFILE_OK)
			break;
		if (rec.len == 0 || rec.len > n || rec.off > rec.len ||
		    rec.caplen > rec.len - rec.off || rec.caplen > h->snapshot)
			abort();
		mix(r, (uint64_t)rec.ts_us);
		mix(r, rec.caplen);
		mix(r, rec.wirelen);
		mix_bytes(r, p + rec.off, rec.caplen);
		r->packets++;
		s->pos += rec.len;
	}
	if (st == PCAPFILE_BAD)
		check_msg(pcapfile_strerror(h, &rec, msg, sizeof(msg)), msg);
	else if (st != PCAPFILE_END)
		abort();
	r->end = (int)st;
	r->why = st == PCAPFILE_BAD ? (int)rec.why : 0;
}

static void
read_pcapng(struct fz_src *s, struct fz_run *r)
{
	struct pcapng_if ifs[FZ_IFACES];
	struct pcapng st;
	struct pcapng_blk b;
	enum pcapng_status rc;
	char msg[FZ_MSG];
	const uint8_t *p;
	size_t n;

	pcapng_init(&st, ifs, FZ_IFACES);
	for (;;) {
		p = src_view(s, &n);
		memset(&b, 0, sizeof(b));
		rc = pcapng_block(&st, p, n, &b);
		if (rc == PCAPNG_NEED_MORE && src_more(s))
			continue;
		if (rc == PCAPNG_NEED_MORE)
			rc = pcapng_end(&st, p, n, &b);
		if (rc != PCAPNG_OK && rc != PCAPNG_SKIP)
			break;
		if (b.len == 0 || b.len > n)
			abort();
		mix(r, rc);
		mix(r, b.type);
		if (rc == PCAPNG_OK) {
			if (b.off > b.len || b.caplen > b.len - b.off ||
			    b.iface >= st.nif ||
			    b.caplen > ifs[b.iface].snapshot ||
			    b.linktype != ifs[b.iface].linktype)
				abort();
			mix(r, (uint64_t)b.ts_us);
			mix(r, b.caplen);
			mix(r, b.wirelen);
			mix(r, b.iface);
			mix(r, b.linktype);
			mix_bytes(r, p + b.off, b.caplen);
			r->packets++;
		}
		s->pos += b.len;
	}
	if (rc == PCAPNG_BAD)
		check_msg(pcapng_strerror(&st, &b, msg, sizeof(msg)), msg);
	else if (rc != PCAPNG_END && rc != PCAPNG_NOT_PCAPNG)
		abort();
	r->end = (int)rc;
	r->why = rc == PCAPNG_BAD ? (int)b.why : 0;
}

/* One reading of the whole file, as capture.c tells the formats apart. */
static void
read_file(const uint8_t *data, size_t size, uint32_t seed, struct fz_run *r)
{
	struct fz_src s = { data, size, 0, 0, seed, NULL };
	struct pcapfile_hdr h;
	enum pcapfile_status st;
	char msg[FZ_MSG];
	const uint8_t *p;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->hash = 14695981039346656037u;
	for (;;) {
		p = src_view(&s, &n);
		st = pcapfile_header(p, n, &h);
		if (st != PCAPFILE_NEED_MORE || !src_more(&s))
			break;
	}
	if (st == PCAPFILE_OK) {
		r->kind = 1;
		s.pos = PCAPFILE_HDR_LEN;
		read_pcap(&s, &h, r);
	} else if (st == PCAPFILE_BAD) {
		r->kind = 1;
		check_msg(pcapfile_strerror(&h, NULL, msg, sizeof(msg)), msg);
		r->end = (int)st;
		r->why = (int)h.why;
	} else {
		/* Not classic pcap (or too short to say): perhaps pcapng. */
		r->kind = 2;
		read_pcapng(&s, r);
	}
	free(s.copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_run whole, pieces;
	uint32_t seed;

	seed = size > 0 ? (uint32_t)data[size - 1] * 2654435761u + 1 : 1;
	if (seed == 0)
		seed = 1;
	read_file(data, size, 0, &whole);
	read_file(data, size, seed, &pieces);
	if (whole.kind != pieces.kind || whole.packets != pieces.packets ||
	    whole.hash != pieces.hash || whole.end != pieces.end ||
	    whole.why != pieces.why)
		abort();
	return 0;
}

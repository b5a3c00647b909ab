/*
 * capture.c - packets from libpcap, or from classic pcap files read here.
 *
 * Live captures use a large kernel buffer, immediate mode off and a 100 ms
 * timeout so that packets arrive in batches (fewer wake-ups) and the main
 * loop still runs when traffic stops.
 *
 * Classic pcap files are read without libpcap: its reader costs two fread()
 * calls through a 4 KiB stdio buffer and a copy per packet.  Here read(2)
 * fills one large buffer and each packet is handed on in place; records are
 * parsed by pcapfile.c, which accepts and rejects what libpcap 1.10 does.
 *
 * pcapng files are read the same way, block by block with pcapng.c, each
 * packet handed on with the link type of its interface: unlike libpcap
 * 1.10, interfaces may differ in link type and snapshot length (merged
 * captures do).  Packets of interfaces whose link type decode.c does not
 * read are counted and dropped; a BPF filter is compiled once per link
 * type.  A pcapng file this reader cannot start on (its first section or
 * interface is not to its liking) goes to libpcap, whose message is the
 * one to give.
 *
 * Everything else (other versions, link types decode.c does not read)
 * goes to libpcap as before, with the bytes already read put back.
 */
#define _GNU_SOURCE	/* fopencookie(3), for bytes read from a pipe */

#include "capture.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "decode.h"
#include "log.h"
#include "pcapfile.h"
#include "pcapng.h"

#define CAPTURE_POLL_MS	100
/*
 * Holds any record: PCAPFILE_REC_HDR_LEN + maxcap, checked at open.  Also
 * what one read(2) asks for, whatever the buffer's size.
 */
#define CAPTURE_FILE_BUF	(1024 * 1024)
/* Holds any pcapng block; pages not read into are never touched. */
#define CAPTURE_NG_BUF		(PCAPNG_MAX_BLOCK + 4096)
/*
 * Interfaces of one pcapng section.  libpcap grows its table without a
 * bound; merged captures can have many more than pcapng.h's suggested 64,
 * and 4096 of 40 bytes each is 160 KiB, touched only as far as used.
 */
#define CAPTURE_NG_IFACES	4096
/* Distinct link types of one pcapng file a BPF filter is compiled for. */
#define CAPTURE_MAX_LINKS	16

/* A BPF program for the interfaces of one link type. */
struct capture_link {
	int		 dlt;
	pcap_t		*p;		/* dead, to compile with */
	struct bpf_program prog;
};

struct capture {
	pcap_t		*p;		/* own reader: dead, for BPF */
	int		 linktype;
	int		 live;
	int		 fd;		/* live: to poll; own: to read */
	capture_fn	 fn;
	void		*arg;
	/* Classic pcap files read here. */
	int		 own;
	int		 close_fd;	/* not stdin */
	int		 eof;
	int		 rerrno;	/* of the failed read(2) */
	volatile sig_atomic_t brk;
	struct pcapfile_hdr hdr;
	uint8_t		*buf;		/* bufsize bytes */
	size_t		 bufsize;
	size_t		 maxblock;	/* largest record or block */
	size_t		 pos, len;	/* unread: buf[pos, len) */
	struct bpf_program prog;
	int		 has_prog;
	/* pcapng files read here (own is set too). */
	int		 ng;
	struct pcapng	 ngst;
	struct pcapng_if ifs[CAPTURE_NG_IFACES];
	char		*filter;	/* compiled per link type */
	struct capture_link links[CAPTURE_MAX_LINKS];
	size_t		 nlinks, lastlink;
	uint64_t	 skipped;	/* packets of link types not read */
	char		 errbuf[PCAP_ERRBUF_SIZE + 256];
};

/*
 * What libpcap's reader gets for a file that is not ours: the bytes we read
 * to look at the header, then the rest of the pipe.
 */
struct replay {
	int		 fd;
	int		 close_fd;
	uint8_t		*buf;
	size_t		 pos, len;
};

/*
 * libpcap's linktype_to_dlt() for the link types decode.c reads: only
 * LINKTYPE_RAW has a DLT_ of another value.  Others may map elsewhere, but
 * are not ours to read (capture_own_ok).  A link type has 26 bits.
 */
static int
capture_dlt(uint32_t linktype)
{
	if (linktype == DEC_LINK_RAW)
		return DLT_RAW;
	return (int)linktype;
}

static const char *
capture_dlt_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n != NULL ? n : "unknown";
}

static void
capture_free_links(struct capture *c)
{
	size_t i;

	for (i = 0; i < c->nlinks; i++) {
		pcap_freecode(&c->links[i].prog);
		pcap_close(c->links[i].p);
	}
	c->nlinks = c->lastlink = 0;
}

/*
 * The filter's program for link type dlt, compiled the first time the
 * link type is seen.  NULL with a message in err naming the link type.
 */
static struct capture_link *
capture_link_get(struct capture *c, int dlt, char *err, size_t errcap)
{
	struct capture_link *l;
	size_t i;

	if (c->lastlink < c->nlinks && c->links[c->lastlink].dlt == dlt)
		return &c->links[c->lastlink];
	for (i = 0; i < c->nlinks; i++)
		if (c->links[i].dlt == dlt)
			return &c->links[c->lastlink = i];
	if (c->nlinks == CAPTURE_MAX_LINKS) {
		snprintf(err, errcap, "filter '%s': more than %d link types",
		    c->filter, CAPTURE_MAX_LINKS);
		return NULL;
	}
	l = &c->links[c->nlinks];
	l->dlt = dlt;
	l->p = pcap_open_dead_with_tstamp_precision(dlt, PCAPNG_MAX_SNAPLEN,
	    PCAP_TSTAMP_PRECISION_MICRO);
	if (l->p == NULL) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	if (pcap_compile(l->p, &l->prog, c->filter, 1,
	    PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errcap, "bad filter '%s' for link type %d (%s): "
		    "%s", c->filter, dlt, capture_dlt_name(dlt),
		    pcap_geterr(l->p));
		pcap_close(l->p);
		return NULL;
	}
	return &c->links[c->lastlink = c->nlinks++];
}

/*
 * pcapng: one program per link type, for the interfaces known so far (the
 * rest when their IDB comes, in capture_ng_dispatch).
 */
static int
capture_ng_filter(struct capture *c, const char *name, const char *filter,
    char *err, size_t errcap)
{
	char why[PCAP_ERRBUF_SIZE + 256];
	size_t i;
	int dlt;

	capture_free_links(c);
	free(c->filter);
	if ((c->filter = strdup(filter)) == NULL) {
		snprintf(err, errcap, "%s: out of memory", name);
		return -1;
	}
	for (i = 0; i < c->ngst.nif; i++) {
		dlt = capture_dlt(c->ifs[i].linktype);
		if (decode_link_supported(dlt) &&
		    capture_link_get(c, dlt, why, sizeof(why)) == NULL) {
			snprintf(err, errcap, "%s: %s", name, why);
			capture_free_links(c);
			free(c->filter);
			c->filter = NULL;
			return -1;
		}
	}
	return 0;
}

int
capture_set_filter(struct capture *c, const char *name, const char *filter,
    char *err, size_t errcap)
{
	struct bpf_program prog;

	if (filter == NULL || *filter == '\0')
		return 0;
	if (c->ng)
		return capture_ng_filter(c, name, filter, err, errcap);
	if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errcap, "%s: bad filter '%s': %s", name, filter,
		    pcap_geterr(c->p));
		return -1;
	}
	if (c->own) {
		/* Run per packet by capture_file_dispatch. */
		if (c->has_prog)
			pcap_freecode(&c->prog);
		c->prog = prog;
		c->has_prog = 1;
		return 0;
	}
	if (pcap_setfilter(c->p, &prog) < 0) {
		snprintf(err, errcap, "%s: cannot set filter: %s", name,
		    pcap_geterr(c->p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

static int
capture_check_link(struct capture *c, const char *name, char *err,
    size_t errcap)
{
	c->linktype = pcap_datalink(c->p);
	if (!decode_link_supported(c->linktype)) {
		snprintf(err, errcap, "%s: unsupported link type %d (%s)",
		    name, c->linktype,
		    pcap_datalink_val_to_name(c->linktype) ?
		    pcap_datalink_val_to_name(c->linktype) : "unknown");
		return -1;
	}
	return 0;
}

static ssize_t
replay_read(void *cookie, char *buf, size_t size)
{
	struct replay *rp = cookie;
	size_t n = rp->len - rp->pos;

	if (n == 0)
		return read(rp->fd, buf, size);
	if (n > size)
		n = size;
	memcpy(buf, rp->buf + rp->pos, n);
	rp->pos += n;
	return (ssize_t)n;
}

static int
replay_close(void *cookie)
{
	struct replay *rp = cookie;

	if (rp->close_fd)
		close(rp->fd);
	free(rp->buf);
	free(rp);
	return 0;
}

/*
 * A stdio stream for libpcap that starts where the file started: seek back
 * if we can, else replay the bytes read so far.  Takes c->fd and c->buf.
 */
static FILE *
capture_refile(struct capture *c, off_t start)
{
	cookie_io_functions_t io = { replay_read, NULL, NULL, replay_close };
	struct replay *rp;
	FILE *fp;

	if (start >= 0 && lseek(c->fd, start, SEEK_SET) == start) {
		if (!c->close_fd)
			return stdin;	/* untouched: we read fd 0 */
		if ((fp = fdopen(c->fd, "rb")) != NULL)
			c->close_fd = 0;
		return fp;
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL)
		return NULL;
	rp->fd = c->fd;
	rp->close_fd = c->close_fd;
	rp->buf = c->buf;
	rp->len = c->len;
	if ((fp = fopencookie(rp, "rb", io)) == NULL) {
		free(rp);
		return NULL;
	}
	c->buf = NULL;
	c->close_fd = 0;
	return fp;
}

/* The file as libpcap reads it, exactly as before this reader existed. */
static int
capture_open_pcap(struct capture *c, const char *path, off_t start,
    char *err, size_t errcap, int *status)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	FILE *fp;

	if ((fp = capture_refile(c, start)) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		*status = EX_OSERR;
		return -1;
	}
	free(c->buf);
	c->buf = NULL;
	ebuf[0] = '\0';
	c->p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (c->p == NULL) {
		snprintf(err, errcap, "%s: not a readable capture file: %s",
		    path, ebuf);
		*status = EX_DATAERR;
		if (fp != stdin)
			fclose(fp);
		return -1;
	}
	return 0;
}

/*
 * Can we read this file ourselves?  Not if libpcap would rewrite packet
 * bytes: it byte-swaps the pseudo-headers of these link types in files
 * from a host of the other byte order.
 */
static int
capture_own_ok(const struct pcapfile_hdr *h)
{
	int dlt = capture_dlt(h->linktype);

	if (!decode_link_supported(dlt))
		return 0;
	if (h->maxcap > CAPTURE_FILE_BUF - PCAPFILE_REC_HDR_LEN)
		return 0;
	if (h->swapped && (dlt == DLT_LINUX_SLL || dlt == DLT_NFLOG))
		return 0;
	return 1;
}

/* Read until the file header is in or the input ends; 0 or -1 (errno). */
static int
capture_fill_header(struct capture *c)
{
	ssize_t got;

	while (c->len < PCAPFILE_HDR_LEN) {
		got = read(c->fd, c->buf + c->len, c->bufsize - c->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		c->len += (size_t)got;
	}
	return 0;
}

static int
capture_open_own(struct capture *c, const char *path, char *err,
    size_t errcap, int *status)
{
	c->own = 1;
	c->linktype = capture_dlt(c->hdr.linktype);
	c->p = pcap_open_dead_with_tstamp_precision(c->linktype,
	    (int)c->hdr.snapshot, PCAP_TSTAMP_PRECISION_MICRO);
	if (c->p == NULL) {
		snprintf(err, errcap, "%s: out of memory", path);
		*status = EX_OSERR;
		return -1;
	}
	c->pos = PCAPFILE_HDR_LEN;
	c->maxblock = PCAPFILE_REC_HDR_LEN + (size_t)c->hdr.maxcap;
	if (c->close_fd)
		(void)posix_fadvise(c->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

/* One read(2) behind what the buffer holds; 0 at the end; -1 (errno). */
static ssize_t
capture_read_more(struct capture *c)
{
	size_t want = c->bufsize - c->len;
	ssize_t got;

	if (want > CAPTURE_FILE_BUF)
		want = CAPTURE_FILE_BUF;
	do
		got = read(c->fd, c->buf + c->len, want);
	while (got < 0 && errno == EINTR);
	if (got > 0)
		c->len += (size_t)got;
	return got;
}

/*
 * Can we read this pcapng file ourselves?  Blocks are read into the buffer,
 * kept whole from the start in case libpcap must have them, up to the first
 * IDB, whose link type decode.c must read.  The IDBs (and other blocks but
 * an SHB) already read behind it are taken too, so that a filter is
 * compiled at open for their link types.  0 with c->pos at the first block
 * not taken, or -1: libpcap's file to read or refuse.
 */
static int
capture_ng_probe(struct capture *c)
{
	struct pcapng_blk b;
	struct pcapng save;
	enum pcapng_status s;
	uint8_t *nb;
	int found = 0;

	pcapng_init(&c->ngst, c->ifs, CAPTURE_NG_IFACES);
	if (pcapng_block(&c->ngst, c->buf, c->len, &b) == PCAPNG_NOT_PCAPNG ||
	    (nb = realloc(c->buf, CAPTURE_NG_BUF)) == NULL)
		return -1;
	c->buf = nb;
	c->bufsize = CAPTURE_NG_BUF;
	pcapng_init(&c->ngst, c->ifs, CAPTURE_NG_IFACES);
	c->pos = 0;
	for (;;) {
		save = c->ngst;
		s = pcapng_block(&c->ngst, c->buf + c->pos, c->len - c->pos,
		    &b);
		if (found && (s != PCAPNG_SKIP || b.type == PCAPNG_BT_SHB)) {
			c->ngst = save;		/* the packet block stays */
			return 0;
		}
		if (s == PCAPNG_SKIP) {
			c->pos += b.len;
			if (b.type != PCAPNG_BT_IDB || found)
				continue;
			found = 1;
			c->linktype = capture_dlt(b.linktype);
			if (!decode_link_supported(c->linktype))
				return -1;
			continue;
		}
		if (s != PCAPNG_NEED_MORE || c->len == c->bufsize ||
		    capture_read_more(c) <= 0)
			return -1;
	}
}

static int
capture_open_ng(struct capture *c, const char *path, char *err,
    size_t errcap, int *status)
{
	c->own = 1;
	c->ng = 1;
	c->maxblock = PCAPNG_MAX_BLOCK;
	c->p = pcap_open_dead_with_tstamp_precision(c->linktype,
	    (int)c->ifs[0].snapshot, PCAP_TSTAMP_PRECISION_MICRO);
	if (c->p == NULL) {
		snprintf(err, errcap, "%s: out of memory", path);
		*status = EX_OSERR;
		return -1;
	}
	if (c->close_fd)
		(void)posix_fadvise(c->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

struct capture *
capture_open_file(const char *path, const char *filter, char *err,
    size_t errcap, int *status)
{
	enum pcapfile_status s;
	struct capture *c;
	off_t start;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->buf = malloc(CAPTURE_FILE_BUF)) == NULL) {
		snprintf(err, errcap, "%s: out of memory", path);
		*status = EX_OSERR;
		free(c);
		return NULL;
	}
	c->bufsize = CAPTURE_FILE_BUF;
	c->fd = 0;
	if (strcmp(path, "-") != 0) {
		if ((c->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			snprintf(err, errcap, "%s: %s", path, strerror(errno));
			*status = EX_NOINPUT;
			capture_close(c);
			return NULL;
		}
		c->close_fd = 1;
	}
	start = lseek(c->fd, 0, SEEK_CUR);
	/* A read error is libpcap's to report, as it always was. */
	if (capture_fill_header(c) < 0)
		r = capture_open_pcap(c, path, start, err, errcap, status);
	else if ((s = pcapfile_header(c->buf, c->len, &c->hdr)) ==
	    PCAPFILE_OK && capture_own_ok(&c->hdr))
		r = capture_open_own(c, path, err, errcap, status);
	else if (s == PCAPFILE_NOT_PCAP && capture_ng_probe(c) == 0)
		r = capture_open_ng(c, path, err, errcap, status);
	else
		r = capture_open_pcap(c, path, start, err, errcap, status);
	if (r < 0) {
		capture_close(c);
		return NULL;
	}
	if (capture_check_link(c, path, err, errcap) < 0 ||
	    capture_set_filter(c, path, filter, err, errcap) < 0) {
		*status = EX_DATAERR;
		capture_close(c);
		return NULL;
	}
	return c;
}

struct capture *
capture_open_live(const char *iface, const char *filter, int buffer_mb,
    char *err, size_t errcap, int *status)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct capture *c;
	int r;

	*status = EX_UNAVAILABLE;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errcap, "%s: out of memory", iface);
		*status = EX_OSERR;
		return NULL;
	}
	c->live = 1;
	ebuf[0] = '\0';
	if ((c->p = pcap_create(iface, ebuf)) == NULL) {
		snprintf(err, errcap, "%s: %s", iface, ebuf);
		free(c);
		return NULL;
	}
	pcap_set_snaplen(c->p, 65535);
	pcap_set_promisc(c->p, 1);
	pcap_set_timeout(c->p, 100);
	pcap_set_immediate_mode(c->p, 0);
	pcap_set_buffer_size(c->p, buffer_mb * 1024 * 1024);
	r = pcap_activate(c->p);
	if (r < 0) {
		snprintf(err, errcap, "%s: cannot capture: %s", iface,
		    r == PCAP_ERROR ? pcap_geterr(c->p) : pcap_statustostr(r));
		if (r == PCAP_ERROR_PERM_DENIED)
			*status = EX_NOPERM;
		capture_close(c);
		return NULL;
	}
	/*
	 * Non-blocking, with our own poll(): on Linux (TPACKET_V3) a blocking
	 * read may never time out while no packet matches the filter.
	 */
	if (pcap_setnonblock(c->p, 1, ebuf) < 0 ||
	    (c->fd = pcap_get_selectable_fd(c->p)) < 0) {
		snprintf(err, errcap, "%s: cannot poll the capture", iface);
		capture_close(c);
		return NULL;
	}
	if (capture_check_link(c, iface, err, errcap) < 0 ||
	    capture_set_filter(c, iface, filter, err, errcap) < 0) {
		*status = EX_USAGE;
		capture_close(c);
		return NULL;
	}
	return c;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->p != NULL)
		pcap_close(c->p);
	if (c->has_prog)
		pcap_freecode(&c->prog);
	if (c->skipped > 0)
		log_debug("%llu packets on interfaces of link types not read "
		    "were dropped", (unsigned long long)c->skipped);
	capture_free_links(c);
	free(c->filter);
	if (c->close_fd)
		close(c->fd);
	free(c->buf);
	free(c);
}

int
capture_own_reader(const struct capture *c)
{
	return c->own;
}

int
capture_linktype(const struct capture *c)
{
	return c->linktype;
}

const char *
capture_linktype_name(const struct capture *c)
{
	return capture_dlt_name(c->linktype);
}

static void
capture_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct capture *c = (struct capture *)(void *)user;
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;

	c->fn(c->arg, c->linktype, ts, data, h->caplen, h->len);
}

/*
 * Move the unread tail to the front and read more behind it.  0, or -1
 * with c->rerrno set.
 */
static int
capture_fill(struct capture *c)
{
	size_t left = c->len - c->pos, want;
	ssize_t got;

	memmove(c->buf, c->buf + c->pos, left);
	c->pos = 0;
	c->len = left;
	/*
	 * Asked for more, so the record or block is incomplete: shorter
	 * than the largest, which fits.  At most CAPTURE_FILE_BUF a read, so
	 * that a large buffer is only touched as far as blocks need it.
	 */
	assert(left < c->maxblock && c->maxblock <= c->bufsize);
	want = c->bufsize - left;
	if (want > CAPTURE_FILE_BUF)
		want = CAPTURE_FILE_BUF;
	got = read(c->fd, c->buf + left, want);
	if (got < 0) {
		c->rerrno = errno;
		return -1;
	}
	if (got == 0)
		c->eof = 1;
	c->len += (size_t)got;
	return 0;
}

/* pcap_offline_filter() wants a pcap_pkthdr; BPF reads only the lengths. */
static int
capture_match(const struct bpf_program *prog, uint32_t caplen,
    uint32_t wirelen, const uint8_t *data)
{
	struct pcap_pkthdr ph;

	memset(&ph, 0, sizeof(ph));
	ph.caplen = caplen;
	ph.len = wirelen;
	return pcap_offline_filter(prog, &ph, data) != 0;
}

/*
 * capture_break was called during a file dispatch: stop after the n
 * packets already handed on, or now if there are none.
 */
static enum capture_result
capture_broken(struct capture *c, int n)
{
	if (n > 0)
		return CAPTURE_MORE;
	c->brk = 0;
	return CAPTURE_BROKEN;
}

/* A refill failed (c->rerrno): a signal lets the caller look at its flags. */
static enum capture_result
capture_read_failed(struct capture *c)
{
	if (c->rerrno == EINTR)
		return CAPTURE_MORE;
	snprintf(c->errbuf, sizeof(c->errbuf), "error reading dump file: %s",
	    strerror(c->rerrno));
	return CAPTURE_ERROR;
}

/* The next record, reading more as needed. */
static enum pcapfile_status
capture_next(struct capture *c, struct pcapfile_rec *r)
{
	enum pcapfile_status s;

	for (;;) {
		s = pcapfile_record(&c->hdr, c->buf + c->pos, c->len - c->pos,
		    r);
		if (s != PCAPFILE_NEED_MORE)
			return s;
		if (c->eof)
			return pcapfile_end(&c->hdr, c->buf + c->pos,
			    c->len - c->pos, r);
		if (capture_fill(c) < 0)
			return PCAPFILE_NEED_MORE;	/* see c->rerrno */
	}
}

/*
 * pcap_offline_read() without libpcap: up to cnt packets (all if cnt <= 0)
 * that pass the filter; a break leaves after the packet in hand.
 */
static enum capture_result
capture_file_dispatch(struct capture *c, int cnt)
{
	struct pcapfile_rec r;
	const uint8_t *data;
	int n = 0;

	for (;;) {
		if (c->brk)
			return capture_broken(c, n);
		switch (capture_next(c, &r)) {
		case PCAPFILE_OK:
			break;
		case PCAPFILE_END:
			return n > 0 ? CAPTURE_MORE : CAPTURE_EOF;
		case PCAPFILE_NEED_MORE:
			return capture_read_failed(c);
		default:
			pcapfile_strerror(&c->hdr, &r, c->errbuf,
			    sizeof(c->errbuf));
			return CAPTURE_ERROR;
		}
		data = c->buf + c->pos + r.off;
		c->pos += r.len;
		if (c->has_prog && !capture_match(&c->prog, r.caplen,
		    r.wirelen, data))
			continue;
		c->fn(c->arg, c->linktype, r.ts_us, data, r.caplen, r.wirelen);
		if (++n == cnt)
			return CAPTURE_MORE;
	}
}

/* The next pcapng block, reading more as needed. */
static enum pcapng_status
capture_ng_next(struct capture *c, struct pcapng_blk *b)
{
	enum pcapng_status s;

	for (;;) {
		s = pcapng_block(&c->ngst, c->buf + c->pos, c->len - c->pos,
		    b);
		if (s != PCAPNG_NEED_MORE)
			return s;
		if (c->eof)
			return pcapng_end(&c->ngst, c->buf + c->pos,
			    c->len - c->pos, b);
		if (capture_fill(c) < 0)
			return PCAPNG_NEED_MORE;	/* see c->rerrno */
	}
}

/*
 * libpcap's swap_nflog_header(): NFLOG TLVs are in the byte order of the
 * host that captured, and libpcap hands them on in this host's.  decode.c
 * reads what libpcap would hand on; the packet is in our buffer.
 */
static void
capture_swap_nflog(uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	uint32_t size;
	uint16_t len16;
	uint8_t t;

	if (caplen < 4 || wirelen < 4 || p[1] != 0)
		return;			/* no TLVs, or not version 0 */
	p += 4;
	caplen -= 4;
	wirelen -= 4;
	while (caplen >= 4) {
		t = p[0];			/* tlv_length */
		p[0] = p[1];
		p[1] = t;
		t = p[2];			/* tlv_type */
		p[2] = p[3];
		p[3] = t;
		memcpy(&len16, p, 2);			/* now ours */
		size = ((uint32_t)len16 + 3) & ~3u;
		if (size < 4 || caplen < size || wirelen < size)
			return;
		p += size;
		caplen -= size;
		wirelen -= size;
	}
}

/* A new interface: its link type's program, if there is a filter. */
static int
capture_ng_link(struct capture *c, uint32_t linktype)
{
	int dlt = capture_dlt(linktype);

	if (c->filter == NULL || !decode_link_supported(dlt))
		return 0;
	return capture_link_get(c, dlt, c->errbuf, sizeof(c->errbuf)) ==
	    NULL ? -1 : 0;
}

/*
 * The same for pcapng: packets of interfaces whose link type decode.c
 * does not read are counted, not handed on.
 */
static enum capture_result
capture_ng_dispatch(struct capture *c, int cnt)
{
	struct capture_link *l;
	struct pcapng_blk b;
	uint8_t *data;
	int n = 0, dlt;

	for (;;) {
		if (c->brk)
			return capture_broken(c, n);
		switch (capture_ng_next(c, &b)) {
		case PCAPNG_OK:
			break;
		case PCAPNG_SKIP:
			c->pos += b.len;
			if (b.type == PCAPNG_BT_IDB &&
			    capture_ng_link(c, b.linktype) < 0)
				return CAPTURE_ERROR;
			continue;
		case PCAPNG_END:
			return n > 0 ? CAPTURE_MORE : CAPTURE_EOF;
		case PCAPNG_NEED_MORE:
			return capture_read_failed(c);
		default:
			pcapng_strerror(&c->ngst, &b, c->errbuf,
			    sizeof(c->errbuf));
			return CAPTURE_ERROR;
		}
		data = c->buf + c->pos + b.off;
		c->pos += b.len;
		dlt = capture_dlt(b.linktype);
		if (!decode_link_supported(dlt)) {
			c->skipped++;
			continue;
		}
		if (c->ngst.swapped && dlt == DLT_NFLOG)
			capture_swap_nflog(data, b.caplen, b.wirelen);
		if (c->filter != NULL) {
			l = capture_link_get(c, dlt, c->errbuf,
			    sizeof(c->errbuf));
			if (l == NULL)
				return CAPTURE_ERROR;
			if (!capture_match(&l->prog, b.caplen, b.wirelen, data))
				continue;
		}
		c->fn(c->arg, dlt, b.ts_us, data, b.caplen, b.wirelen);
		if (++n == cnt)
			return CAPTURE_MORE;
	}
}

enum capture_result
capture_dispatch(struct capture *c, int cnt, capture_fn fn, void *arg)
{
	int r;

	c->fn = fn;
	c->arg = arg;
	if (c->ng)
		return capture_ng_dispatch(c, cnt);
	if (c->own)
		return capture_file_dispatch(c, cnt);
	if (c->live) {
		struct pollfd pfd = { c->fd, POLLIN, 0 };

		if (poll(&pfd, 1, CAPTURE_POLL_MS) < 0 && errno != EINTR) {
			snprintf(c->errbuf, sizeof(c->errbuf), "poll: %s",
			    strerror(errno));
			return CAPTURE_ERROR;
		}
	}
	r = pcap_dispatch(c->p, cnt, capture_cb, (u_char *)(void *)c);
	if (r == PCAP_ERROR_BREAK)
		return CAPTURE_BROKEN;
	if (r == PCAP_ERROR) {
		snprintf(c->errbuf, sizeof(c->errbuf), "%s", pcap_geterr(c->p));
		return CAPTURE_ERROR;
	}
	if (r == 0 && !c->live)
		return CAPTURE_EOF;
	return CAPTURE_MORE;
}

const char *
capture_error(const struct capture *c)
{
	return c->errbuf;
}

void
capture_break(struct capture *c)
{
	if (c->own)
		c->brk = 1;
	else
		pcap_breakloop(c->p);
}

int
capture_stats(struct capture *c, struct stats *st)
{
	struct pcap_stat ps;

	if (!c->live || pcap_stats(c->p, &ps) < 0)
		return -1;
	st->pcap_received = ps.ps_recv;
	st->pcap_dropped = ps.ps_drop;
	st->pcap_ifdropped = ps.ps_ifdrop;
	return 0;
}

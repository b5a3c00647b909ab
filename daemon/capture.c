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
 * Everything else (pcapng, other versions, link types decode.c does not
 * read) goes to libpcap as before, with the bytes already read put back.
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
#include "pcapfile.h"

#define CAPTURE_POLL_MS	100
/* Holds any record: PCAPFILE_REC_HDR_LEN + maxcap, checked at open. */
#define CAPTURE_FILE_BUF	(1024 * 1024)

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
	uint8_t		*buf;		/* CAPTURE_FILE_BUF bytes */
	size_t		 pos, len;	/* unread: buf[pos, len) */
	struct bpf_program prog;
	int		 has_prog;
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

int
capture_set_filter(struct capture *c, const char *name, const char *filter,
    char *err, size_t errcap)
{
	struct bpf_program prog;

	if (filter == NULL || *filter == '\0')
		return 0;
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
		got = read(c->fd, c->buf + c->len, CAPTURE_FILE_BUF - c->len);
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
	if (c->close_fd)
		(void)posix_fadvise(c->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

struct capture *
capture_open_file(const char *path, const char *filter, char *err,
    size_t errcap, int *status)
{
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
	if (capture_fill_header(c) == 0 &&
	    pcapfile_header(c->buf, c->len, &c->hdr) == PCAPFILE_OK &&
	    capture_own_ok(&c->hdr))
		r = capture_open_own(c, path, err, errcap, status);
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
	const char *n = pcap_datalink_val_to_name(c->linktype);

	return n != NULL ? n : "unknown";
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
	size_t left = c->len - c->pos;
	ssize_t got;

	memmove(c->buf, c->buf + c->pos, left);
	c->pos = 0;
	c->len = left;
	/* Asked for more, so the record is incomplete: shorter than that. */
	assert(left < PCAPFILE_REC_HDR_LEN + (size_t)c->hdr.maxcap &&
	    PCAPFILE_REC_HDR_LEN + (size_t)c->hdr.maxcap <= CAPTURE_FILE_BUF);
	got = read(c->fd, c->buf + left, CAPTURE_FILE_BUF - left);
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
capture_match(const struct capture *c, const struct pcapfile_rec *r,
    const uint8_t *data)
{
	struct pcap_pkthdr ph;

	memset(&ph, 0, sizeof(ph));
	ph.caplen = r->caplen;
	ph.len = r->wirelen;
	return pcap_offline_filter(&c->prog, &ph, data) != 0;
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
		if (c->brk) {
			if (n > 0)
				return CAPTURE_MORE;
			c->brk = 0;
			return CAPTURE_BROKEN;
		}
		switch (capture_next(c, &r)) {
		case PCAPFILE_OK:
			break;
		case PCAPFILE_END:
			return n > 0 ? CAPTURE_MORE : CAPTURE_EOF;
		case PCAPFILE_NEED_MORE:
			/* A signal: let the caller look at its flags. */
			if (c->rerrno == EINTR)
				return CAPTURE_MORE;
			snprintf(c->errbuf, sizeof(c->errbuf),
			    "error reading dump file: %s", strerror(c->rerrno));
			return CAPTURE_ERROR;
		default:
			pcapfile_strerror(&c->hdr, &r, c->errbuf,
			    sizeof(c->errbuf));
			return CAPTURE_ERROR;
		}
		data = c->buf + c->pos + r.off;
		c->pos += r.len;
		if (c->has_prog && !capture_match(c, &r, data))
			continue;
		c->fn(c->arg, c->linktype, r.ts_us, data, r.caplen, r.wirelen);
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

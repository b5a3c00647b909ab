/*
 * capture.c - libpcap wrapper.
 *
 * Live captures use a large kernel buffer, immediate mode off and a 100 ms
 * timeout so that packets arrive in batches (fewer wake-ups) and the main
 * loop still runs when traffic stops.
 */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "decode.h"

#define CAPTURE_POLL_MS	100

struct capture {
	pcap_t		*p;
	int		 linktype;
	int		 live;
	int		 fd;		/* live: to poll */
	capture_fn	 fn;
	void		*arg;
	char		 errbuf[PCAP_ERRBUF_SIZE + 256];
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

struct capture *
capture_open_file(const char *path, const char *filter, char *err,
    size_t errcap, int *status)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct capture *c;
	FILE *fp;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errcap, "%s: out of memory", path);
		*status = EX_OSERR;
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		fp = stdin;
	} else if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		*status = EX_NOINPUT;
		free(c);
		return NULL;
	}
	ebuf[0] = '\0';
	c->p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (c->p == NULL) {
		snprintf(err, errcap, "%s: not a readable capture file: %s",
		    path, ebuf);
		*status = EX_DATAERR;
		if (fp != stdin)
			fclose(fp);
		free(c);
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
	free(c);
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

enum capture_result
capture_dispatch(struct capture *c, int cnt, capture_fn fn, void *arg)
{
	int r;

	c->fn = fn;
	c->arg = arg;
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

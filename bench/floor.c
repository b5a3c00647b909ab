/*
 * floor.c - the cost of merely reading the packets.  By default libpcap
 * hands every packet of a capture file to a callback that only adds up
 * the captured lengths (from the header; the packet bytes are never
 * touched): the floor the issue measures originstatd against.  With
 * --own the same is done the way originstatd reads classic pcap files
 * (capture.c): read(2) into one 1 MiB buffer and daemon/pcapfile.c's
 * record parser, packets left in place.  That is the lower floor, what
 * originstatd's reading alone costs.
 *
 * Usage: floor [--own] FILE (- for stdin)
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapfile.h"

#define OWN_BUF		(1024 * 1024)	/* as CAPTURE_FILE_BUF */

struct tally {
	uint64_t	packets;
	uint64_t	bytes;
};

static void
floor_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct tally *t = (struct tally *)(void *)user;

	(void)data;
	t->packets++;
	t->bytes += h->caplen;
}

static int
floor_pcap(const char *path, struct tally *t)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int r;

	if ((p = pcap_open_offline(path, ebuf)) == NULL) {
		fprintf(stderr, "floor: %s\n", ebuf);
		return 66;
	}
	/* Batches of 512, as originstatd's capture_dispatch uses. */
	while ((r = pcap_dispatch(p, 512, floor_cb, (u_char *)t)) > 0)
		;
	if (r < 0) {
		fprintf(stderr, "floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 65;
	}
	pcap_close(p);
	return 0;
}

/* Keep the unread tail, read more behind it; bytes read, or -1. */
static ssize_t
own_fill(int fd, uint8_t *buf, size_t *pos, size_t *len)
{
	size_t left = *len - *pos;
	ssize_t got;

	memmove(buf, buf + *pos, left);
	*pos = 0;
	*len = left;
	while ((got = read(fd, buf + left, OWN_BUF - left)) < 0 &&
	    errno == EINTR)
		;
	if (got > 0)
		*len += (size_t)got;
	return got;
}

static int
floor_own(const char *path, struct tally *t)
{
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	uint8_t *buf;
	size_t pos = 0, len = 0;
	ssize_t got = 1;
	int fd, rc = 0;

	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return 66;
	}
	if ((buf = malloc(OWN_BUF)) == NULL) {
		fprintf(stderr, "floor: out of memory\n");
		if (fd != 0)
			close(fd);
		return 71;
	}
	while (len < PCAPFILE_HDR_LEN && (got = own_fill(fd, buf, &pos,
	    &len)) > 0)
		;
	if (pcapfile_header(buf, len, &h) != PCAPFILE_OK ||
	    h.maxcap > OWN_BUF - PCAPFILE_REC_HDR_LEN) {
		fprintf(stderr, "floor: %s: not a classic pcap file\n", path);
		rc = 65;
		goto out;
	}
	pos = PCAPFILE_HDR_LEN;
	for (;;) {
		switch (pcapfile_record(&h, buf + pos, len - pos, &r)) {
		case PCAPFILE_OK:
			pos += r.len;
			t->packets++;
			t->bytes += r.caplen;
			continue;
		case PCAPFILE_NEED_MORE:
			if (got > 0 && (got = own_fill(fd, buf, &pos,
			    &len)) > 0)
				continue;
			if (got == 0 && pos == len)
				goto out;		/* clean end */
			break;
		default:
			break;
		}
		fprintf(stderr, "floor: %s: bad or cut record\n", path);
		rc = 65;
		goto out;
	}
out:
	free(buf);
	if (fd != 0)
		close(fd);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct tally t = { 0, 0 };
	int own = 0, rc;

	if (argc == 3 && strcmp(argv[1], "--own") == 0)
		own = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: floor [--own] FILE\n");
		return 64;
	}
	rc = own ? floor_own(argv[2], &t) : floor_pcap(argv[1], &t);
	if (rc != 0)
		return rc;
	printf("%llu packets, %llu bytes\n", (unsigned long long)t.packets,
	    (unsigned long long)t.bytes);
	return 0;
}

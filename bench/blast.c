/*
 * blast.c - send every frame of a classic pcap file out of an interface,
 * as fast as the kernel takes them or paced to a packet rate.  bench/run.sh
 * uses it to find originstatd's live-capture ceiling: tcpreplay could not
 * send faster than about 360 000 packets/s on the benchmark machine, less
 * than originstatd could take.
 *
 * The file is mapped and read with daemon/pcapfile.c's record parser; the
 * frames go out through an AF_PACKET SOCK_RAW socket with sendmmsg(2),
 * batch by batch, straight from the mapping (no copy in user space), and
 * by default past the queueing discipline (PACKET_QDISC_BYPASS): a veth
 * has none worth going through.  Pacing waits for each batch's due time,
 * so the rate holds on average and batches leave as bursts.
 *
 * Usage: blast [--pps R] [--limit N] [--loop K] [--batch B] [--qdisc]
 *              IFACE FILE
 *
 * Prints one line: packets, bytes, seconds, packets/s, Mbit/s, and how
 * many sends the kernel refused (ENOBUFS and the like; those are retried).
 */
#define _GNU_SOURCE	/* sendmmsg(2) */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pcapfile.h"

#define BLAST_BATCH_MAX	1024
/* Sleep until this close to a batch's due time, then spin: sleeps overrun. */
#define BLAST_SPIN_NS	100000

struct blast_opts {
	double		 pps;		/* 0: as fast as possible */
	uint64_t	 limit;		/* 0: the whole file */
	unsigned long	 loops;
	unsigned int	 batch;
	int		 qdisc;		/* go through the qdisc */
	const char	*iface;
	const char	*path;
};

struct blast {
	const struct blast_opts *o;
	int		 fd;		/* the packet socket */
	const uint8_t	*map;
	size_t		 size;
	struct pcapfile_hdr hdr;
	int64_t		 t0;		/* ns, CLOCK_MONOTONIC */
	uint64_t	 packets;
	uint64_t	 bytes;
	uint64_t	 refused;
	struct mmsghdr	 msgs[BLAST_BATCH_MAX];
	struct iovec	 iov[BLAST_BATCH_MAX];
};

static void
blast_usage(void)
{
	fprintf(stderr, "usage: blast [--pps R] [--limit N] [--loop K] "
	    "[--batch B] [--qdisc] IFACE FILE\n");
	exit(64);
}

static int64_t
blast_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
blast_number(const char *name, const char *s, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > max) {
		fprintf(stderr, "blast: bad %s '%s'\n", name, s);
		exit(64);
	}
	return v;
}

static void
blast_options(int argc, char *argv[], struct blast_opts *o)
{
	static const struct option longopts[] = {
		{ "pps", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'n' },
		{ "loop", required_argument, NULL, 'l' },
		{ "batch", required_argument, NULL, 'b' },
		{ "qdisc", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->loops = 1;
	o->batch = 64;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o->pps = blast_number("--pps", optarg, 1e9); break;
		case 'n':
			o->limit = (uint64_t)blast_number("--limit", optarg,
			    1e15);
			break;
		case 'l':
			o->loops = (unsigned long)blast_number("--loop", optarg,
			    1e6);
			break;
		case 'b':
			o->batch = (unsigned int)blast_number("--batch", optarg,
			    BLAST_BATCH_MAX);
			break;
		case 'q': o->qdisc = 1; break;
		default: blast_usage();
		}
	}
	if (argc - optind != 2 || o->batch == 0 || o->loops == 0)
		blast_usage();
	o->iface = argv[optind];
	o->path = argv[optind + 1];
}

/* The packet socket, bound to the interface so that sends need no address. */
static int
blast_socket(struct blast *b)
{
	struct sockaddr_ll sll;
	int one = 1;

	if ((b->fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0) {
		fprintf(stderr, "blast: socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	if ((sll.sll_ifindex = (int)if_nametoindex(b->o->iface)) == 0 ||
	    bind(b->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "blast: %s: %s\n", b->o->iface,
		    strerror(errno));
		return -1;
	}
	if (!b->o->qdisc && setsockopt(b->fd, SOL_PACKET, PACKET_QDISC_BYPASS,
	    &one, sizeof(one)) < 0)
		fprintf(stderr, "blast: PACKET_QDISC_BYPASS: %s (ignored)\n",
		    strerror(errno));
	return 0;
}

/*
 * Map the whole file, its pages populated up front so that page faults are
 * not part of the send rate.
 */
static int
blast_map(struct blast *b)
{
	struct stat st;
	void *m;
	int fd;

	if ((fd = open(b->o->path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		fprintf(stderr, "blast: %s: %s\n", b->o->path, strerror(errno));
		return -1;
	}
	b->size = (size_t)st.st_size;
	m = b->size == 0 ? MAP_FAILED : mmap(NULL, b->size, PROT_READ,
	    MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		fprintf(stderr, "blast: %s: cannot map\n", b->o->path);
		return -1;
	}
	b->map = m;
	if (pcapfile_header(b->map, b->size, &b->hdr) != PCAPFILE_OK) {
		fprintf(stderr, "blast: %s: not a classic pcap file\n",
		    b->o->path);
		return -1;
	}
	return 0;
}

/* Wait until the batch starting at packet b->packets is due. */
static void
blast_pace(const struct blast *b)
{
	struct timespec ts;
	int64_t due, now;

	if (b->o->pps <= 0)
		return;
	due = b->t0 + (int64_t)((double)b->packets * 1e9 / b->o->pps);
	now = blast_now();
	if (due - now > BLAST_SPIN_NS) {
		due -= BLAST_SPIN_NS;
		ts.tv_sec = due / 1000000000;
		ts.tv_nsec = due % 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		due += BLAST_SPIN_NS;
	}
	while (blast_now() < due)
		;
}

/* Send n prepared frames, retrying what the kernel refuses; 0 or -1. */
static int
blast_send(struct blast *b, unsigned int n)
{
	unsigned int done = 0, i;
	int r;

	while (done < n) {
		r = sendmmsg(b->fd, b->msgs + done, n - done, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR) {
				fprintf(stderr, "blast: sendmmsg: %s\n",
				    strerror(errno));
				return -1;
			}
			b->refused++;
			continue;
		}
		done += (unsigned int)r;
	}
	for (i = 0; i < n; i++)
		b->bytes += b->iov[i].iov_len;
	b->packets += n;
	return 0;
}

/*
 * One pass over the file, or until the limit; 1 when the limit is reached,
 * 0 at the end of the file, -1 on error.
 */
static int
blast_pass(struct blast *b)
{
	struct pcapfile_rec r;
	size_t pos = PCAPFILE_HDR_LEN;
	unsigned int n = 0;
	enum pcapfile_status s = PCAPFILE_OK;

	for (;;) {
		if (b->o->limit > 0 && b->packets + n >= b->o->limit)
			break;
		s = pcapfile_record(&b->hdr, b->map + pos, b->size - pos, &r);
		if (s != PCAPFILE_OK)
			break;
		b->iov[n].iov_base = (void *)(uintptr_t)(b->map + pos + r.off);
		b->iov[n].iov_len = r.caplen;
		pos += r.len;
		if (++n < b->o->batch)
			continue;
		blast_pace(b);
		if (blast_send(b, n) < 0)
			return -1;
		n = 0;
	}
	if (n > 0) {
		blast_pace(b);
		if (blast_send(b, n) < 0)
			return -1;
	}
	if (s != PCAPFILE_OK && pos != b->size)
		fprintf(stderr, "blast: %s: stopped at a bad or cut record\n",
		    b->o->path);
	return b->o->limit > 0 && b->packets >= b->o->limit;
}

int
main(int argc, char *argv[])
{
	struct blast_opts o;
	struct blast *b;
	unsigned long k;
	unsigned int i;
	double secs;
	int r = 0;

	blast_options(argc, argv, &o);
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		fprintf(stderr, "blast: out of memory\n");
		return 1;
	}
	b->o = &o;
	if (blast_socket(b) < 0 || blast_map(b) < 0)
		return 1;
	for (i = 0; i < o.batch; i++) {
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	b->t0 = blast_now();
	for (k = 0; k < o.loops && r == 0; k++)
		r = blast_pass(b);
	secs = (double)(blast_now() - b->t0) / 1e9;
	if (r < 0)
		return 1;
	printf("blast: %llu packets %llu bytes %.3f s %.0f pps "
	    "%.0f Mbit/s %llu refused\n", (unsigned long long)b->packets,
	    (unsigned long long)b->bytes, secs, (double)b->packets / secs,
	    (double)b->bytes * 8 / secs / 1e6, (unsigned long long)b->refused);
	return 0;
}

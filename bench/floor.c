/*
 * floor.c - the cost of merely reading the packets: libpcap hands every
 * packet of a capture file to a callback that only adds up the captured
 * lengths (from the header; the packet bytes are never touched).
 * bench/run.sh compares originstatd's CPU time with this floor.
 *
 * Usage: floor FILE (- for stdin)
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

int
main(int argc, char *argv[])
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct tally t = { 0, 0 };
	pcap_t *p;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: floor FILE\n");
		return 64;
	}
	if ((p = pcap_open_offline(argv[1], ebuf)) == NULL) {
		fprintf(stderr, "floor: %s\n", ebuf);
		return 66;
	}
	/* Batches of 512, as originstatd's capture_dispatch uses. */
	while ((r = pcap_dispatch(p, 512, floor_cb, (u_char *)&t)) > 0)
		;
	if (r < 0) {
		fprintf(stderr, "floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 65;
	}
	pcap_close(p);
	printf("%llu packets, %llu bytes\n", (unsigned long long)t.packets,
	    (unsigned long long)t.bytes);
	return 0;
}

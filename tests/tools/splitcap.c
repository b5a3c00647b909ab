/*
 * splitcap.c - split a capture by TCP connection into N captures.
 *
 *   splitcap IN N OUTPREFIX     writes OUTPREFIX.0.pcap .. OUTPREFIX.N-1.pcap
 *
 * Each TCP connection goes whole to one output, chosen by a hash of its
 * canonical 5-tuple (the two (address, port) ends in a fixed order, and
 * the VLAN), so both directions land together; packets that are not TCP
 * go to the first output.  Packets keep their order and time stamps, so
 * the outputs are disjoint parts of the input that add up to it: what the
 * end-to-end tests feed to several sensors in front of one collector.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "hll.h"

#define SPLIT_MAX	64

static uint64_t
split_hash_end(uint64_t h, const struct ip_addr *a, uint16_t port)
{
	uint64_t w;
	size_t i;

	for (i = 0; i < sizeof(a->a); i += 8) {
		memcpy(&w, a->a + i, sizeof(w));
		h = hll_mix64(h ^ w);
	}
	return hll_mix64(h ^ port);
}

/* Which output the connection of seg goes to. */
static unsigned
split_pick(const struct segment *seg, unsigned n)
{
	const struct ip_addr *a = &seg->src, *b = &seg->dst;
	uint16_t pa = seg->sport, pb = seg->dport;
	int c = memcmp(a->a, b->a, sizeof(a->a));
	uint64_t h;

	if (c > 0 || (c == 0 && pa > pb)) {
		a = &seg->dst;
		b = &seg->src;
		pa = seg->dport;
		pb = seg->sport;
	}
	h = split_hash_end(seg->vlan, a, pa);
	h = split_hash_end(h, b, pb);
	return (unsigned)(h % n);
}

int
main(int argc, char *argv[])
{
	char err[PCAP_ERRBUF_SIZE], path[4096];
	pcap_dumper_t *out[SPLIT_MAX];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct segment seg;
	unsigned long counts[SPLIT_MAX];
	unsigned n, i, k;
	pcap_t *in;
	int link, rc;

	if (argc != 4 || (n = (unsigned)strtoul(argv[2], NULL, 10)) < 1 ||
	    n > SPLIT_MAX) {
		fprintf(stderr, "usage: splitcap IN N OUTPREFIX (N 1..%d)\n",
		    SPLIT_MAX);
		return 64;
	}
	if ((in = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "splitcap: %s\n", err);
		return 66;
	}
	link = pcap_datalink(in);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s.%u.pcap", argv[3], i);
		if ((out[i] = pcap_dump_open(in, path)) == NULL) {
			fprintf(stderr, "splitcap: %s\n", pcap_geterr(in));
			return 73;
		}
		counts[i] = 0;
	}
	while ((rc = pcap_next_ex(in, &hdr, &data)) == 1) {
		k = 0;
		if (decode_frame(link, data, hdr->caplen, &seg) == DEC_OK)
			k = split_pick(&seg, n);
		pcap_dump((u_char *)out[k], hdr, data);
		counts[k]++;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "splitcap: %s\n", pcap_geterr(in));
		return 65;
	}
	for (i = 0; i < n; i++) {
		pcap_dump_close(out[i]);
		fprintf(stderr, "splitcap: %s.%u.pcap: %lu packets\n", argv[3],
		    i, counts[i]);
	}
	pcap_close(in);
	return 0;
}

/*
 * fuzz_proxy.c - client address behind trusted proxies (X-Forwarded-For,
 * RFC 7239 Forwarded).
 *
 * Input layout: byte 0 picks the packet's source (bits 0-1: trusted IPv4,
 * trusted IPv6, untrusted, IPv4 in a trusted-looking but untrusted net)
 * and how many pieces are X-Forwarded-For values (bits 2-5; the rest are
 * Forwarded values).  The rest is split at NUL bytes into at most
 * 2 * HTTP_MAX_FWD pieces, each copied into an exact-size allocation
 * without a terminator, as views into a packet are.  Each piece also goes
 * through the element parsers and addr_parse / cidr_parse directly.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "http.h"
#include "proxy.h"

#define FZ_PIECES	(2 * HTTP_MAX_FWD)

static void
trusted_init(struct cidr *t)
{
	static const char *const nets[] = {
		"10.0.0.0/8", "192.0.2.1", "fd00::/8", "2001:db8::/32",
	};
	size_t i;

	for (i = 0; i < 4; i++)
		if (cidr_parse(nets[i], strlen(nets[i]), &t[i]) == -1)
			abort();
}

static void
source_init(struct ip_addr *a, unsigned pick)
{
	static const char *const srcs[] = {
		"10.1.2.3", "fd00::1", "198.51.100.7", "11.0.0.1",
	};

	if (addr_parse(srcs[pick], strlen(srcs[pick]), a) == -1)
		abort();
}

/* The element parsers on their own, on a piece with no terminator. */
static uint64_t
parse_piece(const char *p, size_t n)
{
	struct ip_addr a;
	struct cidr c;
	uint64_t sum = 0;

	if (proxy_parse_xff_elem(p, n, &a) == 0)
		sum += a.a[15];
	if (proxy_parse_forwarded_for(p, n, &a) == 0)
		sum += a.a[14];
	if (addr_parse(p, n, &a) == 0)
		sum += a.a[13];
	if (cidr_parse(p, n, &c) == 0) {
		if (c.bits > 128)
			abort();
		sum += c.bits;
	}
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req req;
	struct proxy_set ps;
	struct cidr trusted[4];
	struct ip_addr client, src;
	uint8_t *pieces[FZ_PIECES];
	size_t npieces = 0, nx, off, end, i;
	volatile uint64_t sink;
	uint64_t sum = 0;
	unsigned junk = 0;
	int r;

	if (size < 1)
		return 0;
	trusted_init(trusted);
	ps.v = trusted;
	ps.n = 4;
	source_init(&src, data[0] & 3);
	nx = (size_t)(data[0] >> 2 & 0xf);
	memset(&req, 0, sizeof(req));
	for (off = 1; off < size && npieces < FZ_PIECES; off = end + 1) {
		for (end = off; end < size && data[end] != '\0'; end++)
			;
		pieces[npieces] = fuzz_dup(data + off, end - off);
		sum += parse_piece((const char *)pieces[npieces], end - off);
		if (req.nxff < nx && req.nxff < HTTP_MAX_FWD) {
			req.xff[req.nxff].p = (const char *)pieces[npieces];
			req.xff[req.nxff++].n = end - off;
		} else if (req.nfwd < HTTP_MAX_FWD) {
			req.fwd[req.nfwd].p = (const char *)pieces[npieces];
			req.fwd[req.nfwd++].n = end - off;
		}
		npieces++;
	}
	client = src;
	r = proxy_client(&ps, &req, &client, &junk);
	/* An untrusted source is the client, whatever the headers say. */
	if (r < 0 || r > 1 || (r == 0 && !addr_equal(&client, &src)) ||
	    (!proxy_trusted(&ps, &src) && r != 0))
		abort();
	for (i = 0; i < npieces; i++)
		free(pieces[i]);
	sink = sum + junk + client.a[15];
	(void)sink;
	return 0;
}

/*
 * fuzz_decode_flow.c - frames through decode_frame and a small flow table.
 *
 * Input layout:
 *   byte 0		link type, an index into links[] below
 *   then records	[len:2 big-endian][dt:1][len bytes of frame]
 * A last record shorter than its length takes what is left.  dt moves the
 * capture clock: (dt & 0x3f) * 50 ms forward; dt 0xff jumps past the idle
 * timeout, 0xfe steps 10 s back (capture files are not always in order);
 * dt & 0x80 also runs flow_expire.  The table is small (64 connections,
 * 8 head buffers) so eviction and pool exhaustion happen quickly.
 *
 * Each frame is copied into an exact-size allocation and freed after
 * flow_segment, so a pointer kept into a frame is a use-after-free.  The
 * hit callback reads every byte of every view and of the SNI, and runs
 * http_request_host_path and proxy_client, as the pipeline does.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "flow.h"
#include "fuzz.h"
#include "http.h"
#include "proxy.h"
#include "stats.h"
#include "stream.h"
#include "tls.h"

#define FZ_MAX_FLOWS	64
#define FZ_HEAD_LIMIT	FLOW_MIN_HEAD
#define FZ_MAX_BUFS	8
#define FZ_IDLE		300

static const int links[] = {
	DEC_LINK_ETHERNET, DEC_LINK_SLL, DEC_LINK_SLL2, DEC_LINK_RAW,
	DEC_LINK_NULL, DEC_LINK_LOOP, DEC_LINK_IPV4, DEC_LINK_IPV6,
	DEC_LINK_NFLOG, DEC_LINK_RADIOTAP, DEC_LINK_IEEE802_11,
	DEC_LINK_RAW_OLD, DEC_LINK_RAW_OLD2,
};

struct fz_ctx {
	struct proxy_set	 proxies;
	uint64_t		 sum;
	uint64_t		 hits;
};

static void
touch(struct fz_ctx *c, const struct view *v)
{
	size_t i;

	if (v->n > 0 && v->p == NULL)
		abort();
	for (i = 0; i < v->n; i++)
		c->sum = c->sum * 31 + (uint8_t)v->p[i];
}

static void
touch_req(struct fz_ctx *c, const struct ip_addr *src,
    const struct http_req *r)
{
	struct view host, path;
	struct ip_addr client;
	unsigned junk = 0;
	size_t i;

	if (r->nxff > HTTP_MAX_FWD || r->nfwd > HTTP_MAX_FWD)
		abort();
	touch(c, &r->method);
	touch(c, &r->target);
	touch(c, &r->host);
	for (i = 0; i < r->nxff; i++)
		touch(c, &r->xff[i]);
	for (i = 0; i < r->nfwd; i++)
		touch(c, &r->fwd[i]);
	http_request_host_path(r, &host, &path);
	touch(c, &host);
	touch(c, &path);
	client = *src;
	if (proxy_client(&c->proxies, r, &client, &junk) > 1)
		abort();
	c->sum += junk + client.a[15];
}

static void
on_hit(void *arg, const struct hit *h)
{
	struct fz_ctx *c = arg;
	size_t i;

	c->hits++;
	for (i = 0; i < sizeof(h->src->a); i++)
		c->sum += h->src->a[i];
	if (h->kind == HIT_HTTP)
		touch_req(c, h->src, h->req);
	else {
		if (h->hello->sni_len > TLS_SNI_MAX ||
		    h->hello->sni[h->hello->sni_len] != '\0')
			abort();
		for (i = 0; i < h->hello->sni_len; i++)
			c->sum = c->sum * 31 + (uint8_t)h->hello->sni[i];
	}
}

static void
trusted_init(struct cidr *t)
{
	static const char *const nets[] = { "10.0.0.0/8", "fd00::/8" };
	size_t i;

	for (i = 0; i < 2; i++)
		if (cidr_parse(nets[i], strlen(nets[i]), &t[i]) == -1)
			abort();
}

static int64_t
clock_step(int64_t ts, uint8_t dt)
{
	if (dt == 0xff)
		return ts + ((int64_t)FZ_IDLE + 1) * 1000000;
	if (dt == 0xfe)
		return ts - 10 * 1000000;
	return ts + (int64_t)(dt & 0x3f) * 50000;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_config fc;
	struct flow_table *ft;
	struct stats st;
	struct segment seg;
	struct cidr trusted[2];
	struct fz_ctx ctx;
	volatile uint64_t sink;
	uint8_t *frame;
	size_t off, len;
	int64_t ts = 1478628000LL * 1000000;	/* 2016-11-08 18:00 UTC */
	int link;
	uint8_t dt;

	if (size < 1)
		return 0;
	link = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	trusted_init(trusted);
	ctx.proxies.v = trusted;
	ctx.proxies.n = 2;
	flow_config_default(&fc);
	fc.max_flows = FZ_MAX_FLOWS;
	fc.head_limit = FZ_HEAD_LIMIT;
	fc.max_bufs = FZ_MAX_BUFS;
	fc.idle_timeout = FZ_IDLE;
	if ((ft = flow_new(&fc, &st, on_hit, &ctx)) == NULL)
		abort();
	for (off = 1; size - off >= 3; off += len) {
		len = (size_t)data[off] << 8 | data[off + 1];
		dt = data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		ts = clock_step(ts, dt);
		frame = fuzz_dup(data + off, len);
		if (decode_frame(link, frame, len, &seg) == DEC_OK) {
			if (seg.len > len || (seg.len > 0 &&
			    (seg.payload < frame ||
			    (size_t)(seg.payload - frame) > len - seg.len)))
				abort();
			flow_segment(ft, &seg, ts);
		}
		free(frame);
		if (dt & 0x80)
			flow_expire(ft, ts);
		if (flow_count(ft) > FZ_MAX_FLOWS)
			abort();
	}
	flow_expire(ft, ts + ((int64_t)FZ_IDLE + 1) * 1000000);
	flow_free(ft);
	sink = ctx.sum + ctx.hits;
	(void)sink;
	return 0;
}

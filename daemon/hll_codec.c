/*
 * hll_codec.c - wire encoding of distinct-count sketches (hll_codec.h).
 *
 * Most rows see a handful of clients, so the exact set is the common case:
 * sorted 64-bit hashes as LEB128 deltas take about (64 - log2 n) / 7 bytes
 * each, 8-10 bytes.  A dense sketch is 2^15 registers, mostly zero just
 * after the switch (1025 hashes fill 3 % of them), so runs of zeros are one
 * byte per up to 192 registers: about 2 KiB then, at most 32 KiB for a
 * sketch whose registers are all set.
 *
 * Both forms are canonical (greedy zero runs, minimal LEB128), so a
 * sketch has exactly one encoding; the decoder refuses the others, which
 * keeps "equal sketches, equal bytes" true for tests and caches.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "hll_codec.h"

#define HLL_RANK_MAX	(64 - HLL_P + 1)	/* largest register value */
#define HLL_RUN_BASE	64			/* first zero-run token */
#define HLL_RUN_MAX	(256 - HLL_RUN_BASE)	/* zeros per token */
#define HLL_LEB_MAX	10			/* bytes of a 64-bit LEB128 */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
hll_encoded_max(const struct hll *h)
{
	if (h->regs != NULL)
		return 2 + HLL_REGS;
	return 2 + HLL_LEB_MAX + (size_t)h->n * HLL_LEB_MAX;
}

static size_t
hll_put_leb(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static size_t
hll_encode_dense(const uint8_t *regs, uint8_t *p)
{
	size_t n = 0;
	uint32_t i = 0, run;

	while (i < HLL_REGS) {
		if (regs[i] != 0) {
			p[n++] = regs[i++];
			continue;
		}
		for (run = 0; i < HLL_REGS && regs[i] == 0 &&
		    run < HLL_RUN_MAX; i++)
			run++;
		p[n++] = (uint8_t)(HLL_RUN_BASE + run - 1);
	}
	return n;
}

int
hll_encode(const struct hll *h, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = 2;
	uint32_t i;

	if (cap < hll_encoded_max(h))
		return -1;
	buf[0] = HLL_CODEC_VERSION;
	if (h->regs != NULL) {
		buf[1] = HLL_CODEC_DENSE;
		n += hll_encode_dense(h->regs, buf + n);
	} else {
		buf[1] = HLL_CODEC_EXACT;
		n += hll_put_leb(buf + n, h->n);
		for (i = 0; i < h->n; i++)
			n += hll_put_leb(buf + n, i == 0 ? h->set[0] :
			    h->set[i] - h->set[i - 1]);
	}
	*len = n;
	return 0;
}

/*
 * One minimal LEB128 value of at most 64 bits.  Overlong forms (a last
 * byte of 0 after the first) and values past 2^64 are malformed.
 */
static enum hll_codec_result
hll_get_leb(struct cursor *c, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;
	uint8_t b;

	for (;;) {
		if (cur_u8(c, &b) == -1)
			return HLL_CODEC_TRUNCATED;
		if (shift == 63 && (b & 0x7e) != 0)
			return HLL_CODEC_MALFORMED;
		x |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			break;
		if ((shift += 7) > 63)
			return HLL_CODEC_MALFORMED;
	}
	if (b == 0 && shift > 0)
		return HLL_CODEC_MALFORMED;
	*v = x;
	return HLL_CODEC_OK;
}

static enum hll_codec_result
hll_decode_exact(struct cursor *c, struct hll *out)
{
	enum hll_codec_result rc;
	uint64_t n, d, prev = 0;
	uint32_t cap = 8, i;

	if ((rc = hll_get_leb(c, &n)) != HLL_CODEC_OK)
		return rc;
	if (n > HLL_EXACT_MAX)
		return HLL_CODEC_MALFORMED;
	if (n == 0)
		return c->left == 0 ? HLL_CODEC_OK : HLL_CODEC_MALFORMED;
	while (cap < n)
		cap *= 2;
	if ((out->set = malloc(cap * sizeof(out->set[0]))) == NULL)
		return HLL_CODEC_NOMEM;
	out->cap = cap;
	for (i = 0; i < n; i++) {
		if ((rc = hll_get_leb(c, &d)) != HLL_CODEC_OK)
			return rc;
		/* Strictly increasing, and no wrap past 2^64 - 1. */
		if (i > 0 && (d == 0 || d > UINT64_MAX - prev))
			return HLL_CODEC_MALFORMED;
		prev = i == 0 ? d : prev + d;
		out->set[i] = prev;
		out->n = i + 1;
	}
	return c->left == 0 ? HLL_CODEC_OK : HLL_CODEC_MALFORMED;
}

static enum hll_codec_result
hll_decode_dense(struct cursor *c, struct hll *out)
{
	uint32_t i = 0, run;
	uint8_t t, prev_run = 0;

	if ((out->regs = calloc(HLL_REGS, 1)) == NULL)
		return HLL_CODEC_NOMEM;
	while (i < HLL_REGS) {
		if (cur_u8(c, &t) == -1)
			return HLL_CODEC_TRUNCATED;
		if (t <= HLL_RANK_MAX) {
			/* A zero is a run of one, never a literal. */
			if (t == 0)
				return HLL_CODEC_MALFORMED;
			out->regs[i++] = t;
			prev_run = 0;
			continue;
		}
		if (t < HLL_RUN_BASE)
			return HLL_CODEC_MALFORMED;
		run = (uint32_t)(t - HLL_RUN_BASE) + 1;
		/* Greedy: a run follows a short one only at full length. */
		if (prev_run != 0 && prev_run != HLL_RUN_MAX)
			return HLL_CODEC_MALFORMED;
		if (run > HLL_REGS - i)
			return HLL_CODEC_MALFORMED;
		i += run;
		prev_run = (uint8_t)run;
	}
	return c->left == 0 ? HLL_CODEC_OK : HLL_CODEC_MALFORMED;
}

enum hll_codec_result
hll_decode(const uint8_t *buf, size_t len, struct hll *out)
{
	enum hll_codec_result rc;
	struct cursor c;
	uint8_t version, kind;

	hll_init(out);
	cur_init(&c, buf, len);
	if (cur_u8(&c, &version) == -1 || cur_u8(&c, &kind) == -1)
		return HLL_CODEC_TRUNCATED;
	if (version != HLL_CODEC_VERSION)
		return HLL_CODEC_MALFORMED;
	if (kind == HLL_CODEC_EXACT)
		rc = hll_decode_exact(&c, out);
	else if (kind == HLL_CODEC_DENSE)
		rc = hll_decode_dense(&c, out);
	else
		rc = HLL_CODEC_MALFORMED;
	if (rc != HLL_CODEC_OK)
		hll_fini(out);
	return rc;
}

/* RFC 4648 section 4, with padding. */
static void
hll_b64(const uint8_t *in, size_t len, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

char *
hll_to_text(const struct hll *h)
{
	size_t cap = hll_encoded_max(h), len;
	uint8_t *bin;
	char *text = NULL;

	if ((bin = malloc(cap)) == NULL)
		return NULL;
	if (hll_encode(h, bin, cap, &len) == 0 &&
	    (text = malloc((len + 2) / 3 * 4 + 1)) != NULL)
		hll_b64(bin, len, text);
	free(bin);
	return text;
}

static int
hll_b64_value(char ch)
{
	const char *p;

	if (ch == '\0' || (p = strchr(b64_alphabet, ch)) == NULL)
		return -1;
	return (int)(p - b64_alphabet);
}

/*
 * Decode base64 strictly: groups of four, '=' only to pad the last one,
 * unused bits zero.  A length that is not a multiple of four is a
 * truncation.
 */
static enum hll_codec_result
hll_unb64(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	size_t i, o = 0, k, pad;
	uint32_t v;
	int x;

	if (len % 4 != 0)
		return HLL_CODEC_TRUNCATED;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		if (i + 4 == len)
			pad = s[i + 3] != '=' ? 0 : s[i + 2] != '=' ? 1 : 2;
		v = 0;
		for (k = 0; k < 4 - pad; k++) {
			if ((x = hll_b64_value(s[i + k])) == -1)
				return HLL_CODEC_MALFORMED;
			v = v << 6 | (uint32_t)x;
		}
		v <<= 6 * pad;
		if ((pad == 1 && (v & 0xff) != 0) ||
		    (pad == 2 && (v & 0xffff) != 0))
			return HLL_CODEC_MALFORMED;
		out[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)v;
	}
	*outlen = o;
	return HLL_CODEC_OK;
}

enum hll_codec_result
hll_from_text(const char *s, size_t len, struct hll *out)
{
	enum hll_codec_result rc;
	uint8_t *bin;
	size_t n;

	hll_init(out);
	if ((bin = malloc(len / 4 * 3 + 1)) == NULL)
		return HLL_CODEC_NOMEM;
	if ((rc = hll_unb64(s, len, bin, &n)) == HLL_CODEC_OK)
		rc = hll_decode(bin, n, out);
	free(bin);
	return rc;
}

const char *
hll_codec_strerror(enum hll_codec_result rc)
{
	switch (rc) {
	case HLL_CODEC_OK:
		return "ok";
	case HLL_CODEC_TRUNCATED:
		return "truncated";
	case HLL_CODEC_MALFORMED:
		return "malformed";
	case HLL_CODEC_NOMEM:
		return "out of memory";
	}
	return "unknown";
}

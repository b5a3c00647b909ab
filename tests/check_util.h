/*
 * check_util.h - helpers shared by the Check unit tests.
 *
 * dup_exact copies n bytes into a heap block of exactly n bytes (one for
 * n == 0), so that AddressSanitizer and valgrind catch any read past the
 * end of the input a parser was given.  fnv1a hashes bytes for tests that
 * compare outputs across many cases.
 */
#ifndef ORIGINSTAT_CHECK_UTIL_H
#define ORIGINSTAT_CHECK_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

static inline void *
dup_exact(const void *p, size_t n)
{
	void *d = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(d);
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

static inline uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return h;
}

#endif

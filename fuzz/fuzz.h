/*
 * fuzz.h - the entry point every fuzz target defines.
 *
 * Built two ways: with clang -fsanitize=fuzzer, libFuzzer calls it; with
 * any compiler, replay.c's main() calls it once per corpus file, so the
 * corpus (crashers included) runs as a regression test in the ordinary
 * sanitizer build.
 */
#ifndef ORIGINSTAT_FUZZ_H
#define ORIGINSTAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Run one input.  Returns 0; a bug aborts (sanitizer report or abort()). */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Copy n bytes into an allocation of exactly n bytes (at least one), so
 * AddressSanitizer catches a read past the end of what was given.
 * Aborts when out of memory.
 */
uint8_t	*fuzz_dup(const uint8_t *p, size_t n);

#endif

/*
 * replay.c - run a fuzz target over files, without libFuzzer.
 *
 *   replay_http DIR|FILE...
 *
 * Every regular file in each directory (not recursive), or each file
 * named, is read whole and passed to LLVMFuzzerTestOneInput once.  Built
 * with the ordinary sanitizer flags this replays the seed corpus and every
 * saved crasher as a regression test.  Exit 0 when all ran, 1 on an
 * unreadable argument; a bug in the target aborts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX	(1u << 20)	/* more than libFuzzer's -max_len */

static int
replay_file(const char *path, size_t *runs)
{
	FILE *f;
	uint8_t *buf, *exact;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX)) == NULL) {
		fclose(f);
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX, f);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, as libFuzzer gives, so overreads are seen. */
	exact = fuzz_dup(buf, n);
	free(buf);
	(void)LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	(*runs)++;
	return 0;
}

static int
replay_dir(const char *dir, size_t *runs)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	char path[4096];
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path)) {
			rc = -1;
			continue;
		}
		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (replay_file(path, runs) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct stat sb;
	size_t runs = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 64;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (replay_dir(argv[i], &runs) == -1)
				rc = 1;
		} else if (replay_file(argv[i], &runs) == -1)
			rc = 1;
	}
	printf("%s: %zu inputs\n", argv[0], runs);
	/* An empty corpus would make the regression test pass vacuously. */
	if (runs == 0)
		rc = 1;
	return rc;
}

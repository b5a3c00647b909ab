/*
 * csvfile.c - append-only CSV files (csvfile.h).
 *
 * A minute is handed to one write loop on an O_APPEND descriptor, so
 * readers (tail -f, a collector) see whole minutes.  If a write fails half
 * way (a full disk, a quota, EFBIG), a regular file is cut back to where
 * the minute began; a crash can still leave a torn last row, which the
 * writers cut off when they open the file again.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "csvfile.h"

#define CSVFILE_HEAD_BLOCK	128	/* header bytes read at a time */
#define CSVFILE_SCAN_BLOCK	4096	/* tail bytes read at a time */

int
csvfile_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
csvfile_append(int fd, int regular, const char *buf, size_t len)
{
	off_t before = 0;
	int saved;

	if (regular && (before = lseek(fd, 0, SEEK_END)) == -1)
		return -1;
	if (csvfile_write_all(fd, buf, len) == 0)
		return 0;
	saved = errno;
	/* Best effort: a reader must not see part of a minute. */
	if (regular && ftruncate(fd, before) == -1) {
		/* Nothing more to try; the next open cuts it. */
	}
	errno = saved;
	return -1;
}

enum csvfile_header
csvfile_header(int fd, const char *header, size_t len)
{
	char head[CSVFILE_HEAD_BLOCK];
	size_t at = 0, want;
	ssize_t n;

	while (at < len) {
		want = len - at < sizeof(head) ? len - at : sizeof(head);
		if ((n = pread(fd, head, want, (off_t)at)) == -1)
			return CSVFILE_HEADER_ERROR;
		if (memcmp(head, header + at, (size_t)n) != 0)
			return CSVFILE_HEADER_OTHER;
		if ((size_t)n < want)
			return CSVFILE_HEADER_TORN;	/* end of file */
		at += want;
	}
	return CSVFILE_HEADER_OK;
}

off_t
csvfile_last_newline(int fd, off_t size)
{
	char buf[CSVFILE_SCAN_BLOCK];
	off_t at = size;
	ssize_t n;
	size_t want;

	while (at > 0) {
		want = at < (off_t)sizeof(buf) ? (size_t)at : sizeof(buf);
		at -= (off_t)want;
		if ((n = pread(fd, buf, want, at)) != (ssize_t)want) {
			if (n >= 0)
				errno = EIO;	/* file shrank under us */
			return -1;
		}
		while (n > 0) {
			if (buf[--n] == '\n')
				return at + n + 1;
		}
	}
	return 0;
}

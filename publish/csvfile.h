/*
 * csvfile.h - append-only CSV files: the descriptor-level steps shared by
 * originstatd's CSV writer (csv.c) and `originstat csv`
 * (client/csvout.c), which must treat their files alike.
 *
 * Files are opened O_APPEND by the caller; each function works on the
 * descriptor it is given and neither opens nor closes it.
 */
#ifndef ORIGINSTAT_CSVFILE_H
#define ORIGINSTAT_CSVFILE_H

#include <sys/types.h>

#include <stddef.h>

/* write(2) all of buf, across short writes and signals.  0 or -1 (errno). */
int	csvfile_write_all(int fd, const char *buf, size_t len)
	    __attribute__((warn_unused_result));

/*
 * Append buf (a whole minute, say) to fd, whole or not at all: if a write
 * fails and regular is set (fd is a regular file), the file is cut back to
 * where it ended before, so a reader never sees part of buf.  0, or -1
 * with errno from the failed call (the file as it was, as far as
 * ftruncate(2) can make it so).
 */
int	csvfile_append(int fd, int regular, const char *buf, size_t len)
	    __attribute__((warn_unused_result));

/*
 * The offset just past the last LF in the first size bytes of fd's file,
 * 0 if there is none (the whole file is searched, backwards, a block at a
 * time), or -1 with errno set (EIO if the file is shorter than size).
 * Anything after it is a row torn by a crash.
 */
off_t	csvfile_last_newline(int fd, off_t size);

enum csvfile_header {
	CSVFILE_HEADER_OK,	/* the file starts with the whole header */
	CSVFILE_HEADER_TORN,	/* shorter than it, a piece of it (or empty) */
	CSVFILE_HEADER_OTHER,	/* something else: not our file */
	CSVFILE_HEADER_ERROR	/* read error, errno set */
};

/*
 * How the file of fd begins, against header: len bytes, the header line
 * with its LF, not NUL-terminated.  TORN is what a crash while creating
 * the file leaves.  The file is read (pread(2)), never changed.
 */
enum csvfile_header csvfile_header(int fd, const char *header, size_t len);

#endif

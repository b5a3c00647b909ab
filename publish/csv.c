/*
 * csv.c - per-minute CSV for people and spreadsheets (RFC 4180).
 *
 * Lines end in LF, not the CRLF of RFC 4180 section 2 rule 1: Unix tools
 * want LF, spreadsheets accept it, and GoAccess and pmacct do the same.
 * Fields are quoted as RFC 4180 section 2 rules 5-7 say, only when they hold
 * a comma, a double quote, CR or LF; class names and country codes never
 * do, but the quoting costs nothing and keeps a bad name from shifting
 * columns.
 *
 * A minute is formatted into one buffer (csv_rows_*) and appended whole
 * (csvfile_append), so readers (tail -f, a collector) see whole minutes.
 * A crash can still leave a torn last row; csv_open cuts it off (a torn
 * row would read as a smaller count).  Standard output is used as it is:
 * the header is always written and nothing is checked.
 *
 * A minute that cannot be written (a full disk, EIO, a quota) is kept,
 * formatted, in a FIFO queue and written before any newer minute, so a
 * disk that fills and is freed again loses nothing and keeps the order.
 * The queue is bounded (minutes and bytes); past the bound the oldest
 * minute is dropped and counted.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "csvfile.h"

/* A formatted minute waiting for the disk. */
struct csv_pending {
	char		*buf;
	size_t		 len;
};

struct csv_out {
	int		 fd;
	int		 is_stdout;
	int		 regular;	/* regular file: checked, repaired */
	uint64_t	 repaired;	/* bytes of torn row cut at open */
	int		 local;		/* minute_local column */
	const char	*header;	/* the header line */
	size_t		 header_len;
	char		*path;
	struct csv_pending *q;		/* ring of qcap, qlen from qhead */
	size_t		 qcap, qhead, qlen;
	size_t		 qbytes;	/* bytes held by the queue */
	size_t		 max_minutes, max_bytes;
	uint64_t	 dropped;	/* minutes dropped from the queue */
};

/*
 * Check an existing regular file: its first line must be our header, and
 * anything after its last LF is a row torn by a crash and is cut off.  A
 * file holding only a piece of the header (a crash while creating it) is
 * emptied.  0, 1 if the file is (now) empty, -1 on error with errno set,
 * -2 if the header differs.
 */
static int
csv_check(struct csv_out *c, off_t size)
{
	enum csvfile_header h;
	off_t keep;

	if (size == 0)
		return 1;
	if ((h = csvfile_header(c->fd, c->header, c->header_len)) ==
	    CSVFILE_HEADER_ERROR)
		return -1;
	if (h == CSVFILE_HEADER_OTHER)
		return -2;
	if (h == CSVFILE_HEADER_TORN)
		keep = 0;
	else if ((keep = csvfile_last_newline(c->fd, size)) == -1)
		return -1;
	else if (keep == size)
		return 0;
	if (ftruncate(c->fd, keep) == -1)
		return -1;
	c->repaired = (uint64_t)(size - keep);
	return keep == 0;
}

/* Set up c->fd, a file just opened: check it, write the header if empty. */
static int
csv_prepare(struct csv_out *c, const char *path, char *err, size_t errcap)
{
	struct stat st;
	off_t size = 0;
	int empty = 1;

	if (!c->is_stdout) {
		if (fstat(c->fd, &st) == -1)
			goto fail;
		c->regular = S_ISREG(st.st_mode);
		size = st.st_size;
	}
	if (c->regular && (empty = csv_check(c, size)) < 0) {
		if (empty == -2) {
			snprintf(err, errcap,
			    "%s: existing file has a different header", path);
			return -1;
		}
		goto fail;
	}
	if (empty && csvfile_write_all(c->fd, c->header, c->header_len) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errcap, "%s: %s", path, strerror(errno));
	return -1;
}

struct csv_out *
csv_open(const char *path, char *err, size_t errcap)
{
	return csv_open_local(path, 0, err, errcap);
}

struct csv_out *
csv_open_local(const char *path, int local, char *err, size_t errcap)
{
	struct csv_out *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	c->local = local != 0;
	c->max_minutes = CSV_QUEUE_MINUTES;
	c->max_bytes = CSV_QUEUE_BYTES;
	if ((c->path = strdup(path)) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		free(c);
		return NULL;
	}
	c->header = c->local ? CSV_LOCAL_LINE : CSV_HEADER_LINE;
	c->header_len = strlen(c->header);
	if (strcmp(path, "-") == 0) {
		c->fd = STDOUT_FILENO;
		c->is_stdout = 1;
	} else if ((c->fd = open(path, O_RDWR | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644)) == -1) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		free(c->path);
		free(c);
		return NULL;
	}
	if (csv_prepare(c, path, err, errcap) == -1) {
		if (!c->is_stdout)
			close(c->fd);
		free(c->path);
		free(c);
		return NULL;
	}
	return c;
}

uint64_t
csv_repaired(const struct csv_out *c)
{
	return c->repaired;
}

/* One field, quoted per RFC 4180 section 2 rules 6 and 7 when needed. */
static void
csv_put_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

int
csv_rows_init(struct csv_rows *w, int64_t minute, int local, char **buf,
    size_t *len)
{
	*buf = NULL;
	if ((w->f = open_memstream(buf, len)) == NULL)
		return -1;
	w->buf = buf;
	csv_format_minute(minute, w->minute);
	w->local[0] = '\0';
	if (local)
		csv_format_local(minute, w->local);
	return 0;
}

void
csv_rows_put(struct csv_rows *w, const char *cls, const char *cc,
    uint64_t requests, uint64_t tls_handshakes, uint64_t clients)
{
	if (requests == 0 && tls_handshakes == 0)
		return;
	fputs(w->minute, w->f);
	putc(',', w->f);
	csv_put_field(w->f, cls);
	putc(',', w->f);
	csv_put_field(w->f, cc);
	fprintf(w->f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, requests,
	    tls_handshakes, clients);
	if (w->local[0] != '\0') {
		putc(',', w->f);
		fputs(w->local, w->f);
	}
	putc('\n', w->f);
}

int
csv_rows_fini(struct csv_rows *w)
{
	int bad = ferror(w->f);

	if (fclose(w->f) != 0 || bad) {
		free(*w->buf);
		*w->buf = NULL;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Format the minute's rows into a malloc'd buffer.  0 or -1 (ENOMEM). */
static int
csv_format(const struct csv_out *c, const struct agg_minute *m, char **buf,
    size_t *len)
{
	const struct agg_row *r;
	struct csv_rows w;
	size_t i;

	if (csv_rows_init(&w, m->minute, c->local, buf, len) == -1)
		return -1;
	for (i = 0; i < m->nrows; i++) {
		r = &m->rows[i];
		csv_rows_put(&w, r->cls_name, r->cc, r->requests,
		    r->tls_handshakes, r->clients);
	}
	return csv_rows_fini(&w);
}

static struct csv_pending *
csv_queue_at(const struct csv_out *c, size_t i)
{
	return &c->q[(c->qhead + i) % c->qcap];
}

static void
csv_queue_pop(struct csv_out *c)
{
	struct csv_pending *p = csv_queue_at(c, 0);

	c->qbytes -= p->len;
	free(p->buf);
	p->buf = NULL;
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
}

/* Double the ring, unwrapping it.  0 or -1 (ENOMEM). */
static int
csv_queue_grow(struct csv_out *c)
{
	struct csv_pending *q;
	size_t cap, i;

	cap = c->qcap == 0 ? 16 : c->qcap * 2;
	if (cap > c->max_minutes)
		cap = c->max_minutes;
	if ((q = calloc(cap, sizeof(*q))) == NULL)
		return -1;
	for (i = 0; i < c->qlen; i++)
		q[i] = *csv_queue_at(c, i);
	free(c->q);
	c->q = q;
	c->qcap = cap;
	c->qhead = 0;
	return 0;
}

/*
 * Keep buf (taken over) at the end of the queue, dropping the oldest
 * minutes past the bounds; the newest minute is always kept.
 */
static void
csv_queue_push(struct csv_out *c, char *buf, size_t len)
{
	while (c->qlen > 0 && (c->qlen >= c->max_minutes ||
	    c->qbytes > c->max_bytes - (len < c->max_bytes ? len :
	    c->max_bytes))) {
		csv_queue_pop(c);
		c->dropped++;
	}
	if (c->qlen == c->qcap && csv_queue_grow(c) == -1) {
		/* No memory for the ring: this minute is the one lost. */
		free(buf);
		c->dropped++;
		return;
	}
	*csv_queue_at(c, c->qlen) = (struct csv_pending){ buf, len };
	c->qlen++;
	c->qbytes += len;
}

int
csv_retry(struct csv_out *c)
{
	struct csv_pending *p;

	while (c->qlen > 0) {
		p = csv_queue_at(c, 0);
		if (csvfile_append(c->fd, c->regular, p->buf, p->len) == -1)
			return -1;
		csv_queue_pop(c);
	}
	return 0;
}

int
csv_write_minute(struct csv_out *c, const struct agg_minute *m)
{
	char *buf;
	size_t len;
	int saved;

	if (csv_format(c, m, &buf, &len) == -1) {
		c->dropped++;
		return -1;
	}
	if (len == 0) {
		free(buf);
		return c->qlen == 0 ? 0 : csv_retry(c);
	}
	if (c->qlen == 0) {
		if (csvfile_append(c->fd, c->regular, buf, len) == 0) {
			free(buf);
			return 0;
		}
		saved = errno;
		csv_queue_push(c, buf, len);
		errno = saved;
		return -1;
	}
	/* Older minutes first: the file stays in order. */
	csv_queue_push(c, buf, len);
	return csv_retry(c);
}

size_t
csv_queued(const struct csv_out *c)
{
	return c->qlen;
}

uint64_t
csv_dropped(const struct csv_out *c)
{
	return c->dropped;
}

const char *
csv_path(const struct csv_out *c)
{
	return c->path;
}

void
csv_set_queue_limits(struct csv_out *c, size_t minutes, size_t bytes)
{
	c->max_minutes = minutes > 0 ? minutes : 1;
	c->max_bytes = bytes;
}

int
csv_close(struct csv_out *c)
{
	int rc = 0;

	if (c == NULL)
		return 0;
	while (c->qlen > 0)
		csv_queue_pop(c);
	free(c->q);
	if (!c->is_stdout)
		rc = close(c->fd);
	free(c->path);
	free(c);
	return rc;
}

void
csv_format_minute(int64_t minute, char buf[21])
{
	struct tm tm;
	time_t t = (time_t)minute;

	/* Years past 9999 do not fit; pipeline.c skips packets of such times. */
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		memcpy(buf, "0000-00-00T00:00:00Z", 21);
}

void
csv_format_local(int64_t minute, char buf[CSV_LOCAL_LEN])
{
	struct tm tm;
	time_t t = (time_t)minute;
	long off;
	char sign = '+';

	/* tm_gmtoff (glibc, BSD) is the offset in force at that instant. */
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, CSV_LOCAL_LEN, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		memcpy(buf, "0000-00-00T00:00:00+00:00", CSV_LOCAL_LEN);
		return;
	}
	off = tm.tm_gmtoff;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	/* Whole minutes: zones with seconds offsets are all before 1972. */
	snprintf(buf + 19, CSV_LOCAL_LEN - 19, "%c%02ld:%02ld", sign,
	    (off / 3600) % 100, (off / 60) % 60);
}

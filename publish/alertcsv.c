/*
 * alertcsv.c - the alert log (alertcsv.h).
 *
 * Rows are rare (one per alert), so each is formatted whole and written
 * with one write(2) on an O_APPEND descriptor: a reader never sees half
 * a row.  Class names are [A-Za-z0-9_-] and countries two letters, so only
 * the countries field, which holds commas, is quoted (RFC 4180 section 2
 * rule 6), and it never holds a double quote.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alertcsv.h"
#include "csv.h"
#include "csvfile.h"

#define ALERTCSV_LINE	(ALERTCSV_HEADER "\n")
#define ALERTCSV_ROW_MAX 512

struct alertcsv {
	int	fd;
	int	is_stdout;
};

/*
 * An existing file must start with our whole header (a piece of it is
 * refused too); an empty one gets it.
 */
static int
alertcsv_prepare(struct alertcsv *c, const char *path, char *err,
    size_t errcap)
{
	enum csvfile_header h;
	struct stat st;

	if (!c->is_stdout) {
		if (fstat(c->fd, &st) == -1)
			goto fail;
		if (S_ISREG(st.st_mode) && st.st_size > 0) {
			h = csvfile_header(c->fd, ALERTCSV_LINE,
			    sizeof(ALERTCSV_LINE) - 1);
			if (h == CSVFILE_HEADER_ERROR)
				goto fail;
			if (h != CSVFILE_HEADER_OK) {
				snprintf(err, errcap, "%s: existing file has "
				    "a different header", path);
				return -1;
			}
			return 0;
		}
	}
	if (csvfile_write_all(c->fd, ALERTCSV_LINE,
	    sizeof(ALERTCSV_LINE) - 1) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errcap, "%s: %s", path, strerror(errno));
	return -1;
}

struct alertcsv *
alertcsv_open(const char *path, char *err, size_t errcap)
{
	struct alertcsv *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		c->fd = STDOUT_FILENO;
		c->is_stdout = 1;
	} else if ((c->fd = open(path, O_RDWR | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644)) == -1) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		free(c);
		return NULL;
	}
	if (alertcsv_prepare(c, path, err, errcap) == -1) {
		if (!c->is_stdout)
			close(c->fd);
		free(c);
		return NULL;
	}
	return c;
}

int
alertcsv_format(const struct alert_event *ev, char *buf, size_t cap)
{
	char start[21], end[21] = "";
	size_t i, len;
	int n;

	csv_format_minute(ev->since, start);
	if (ev->kind == ALERT_CLEARED)
		csv_format_minute(ev->minute, end);
	n = snprintf(buf, cap, "%s,%s,%s,%.1f,%.1f,\"", start, end, ev->cls,
	    ev->raised_rate, ev->baseline);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	len = (size_t)n;
	for (i = 0; i < ev->ncountries; i++) {
		n = snprintf(buf + len, cap - len, "%s%s %.0f%%",
		    i > 0 ? ", " : "", ev->countries[i].cc,
		    round(ev->countries[i].share * 100));
		if (n < 0 || (size_t)n >= cap - len)
			return -1;
		len += (size_t)n;
	}
	if (len + 1 >= cap)
		return -1;
	buf[len++] = '"';
	buf[len] = '\0';
	return (int)len;
}

int
alertcsv_write(struct alertcsv *c, const struct alert_event *ev)
{
	char row[ALERTCSV_ROW_MAX];
	int n;

	if (ev->kind == ALERT_RAISED)
		return 0;
	if ((n = alertcsv_format(ev, row, sizeof(row) - 1)) < 0) {
		errno = EOVERFLOW;
		return -1;
	}
	row[n] = '\n';
	return csvfile_write_all(c->fd, row, (size_t)n + 1);
}

int
alertcsv_close(struct alertcsv *c)
{
	int rc = 0;

	if (c == NULL)
		return 0;
	if (!c->is_stdout)
		rc = close(c->fd);
	free(c);
	return rc;
}

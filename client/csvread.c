/*
 * csvread.c - reading CSV files: originstatd's counts and its alert log.
 *
 * The reader follows RFC 4180 section 2 (quoted fields, "" for a quote,
 * CRLF or LF line ends) and names the file and line of anything it cannot
 * take, since a half-copied or hand-edited CSV is the usual failure.  It
 * reads byte by byte with getc: memory does not grow with the file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "csvread.h"

enum csv_state {
	CSV_START,	/* nothing read in this field */
	CSV_PLAIN,	/* unquoted field */
	CSV_QUOTED,	/* inside quotes */
	CSV_CLOSING,	/* a quote inside quotes: end, or first of "" */
};

static void
errf(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
}

static enum csvread_rc
csv_bad(const struct csvread *in, char *err, size_t errcap, const char *what)
{
	errf(err, errcap, "%s:%llu: %s", in->name,
	    (unsigned long long)in->recline, what);
	return CSVREAD_BAD;
}

void
csvread_init(struct csvread *in, FILE *fp, const char *name)
{
	memset(in, 0, sizeof(*in));
	in->fp = fp;
	in->name = name;
	in->line = 1;
}

/* After a CR: swallow the LF of a CRLF; a lone CR also ends the line. */
static void
csv_eol_cr(struct csvread *in)
{
	int c = getc(in->fp);

	if (c != '\n' && c != EOF)
		ungetc(c, in->fp);
	in->line++;
}

/*
 * Read one field.  *end is ',' when another field follows, '\n' at the end
 * of the record (line end or end of file).
 */
static enum csvread_rc
csv_field(struct csvread *in, int *end, char *err, size_t errcap)
{
	enum csv_state	 st = CSV_START;
	char		*dst = in->nf < CSVREAD_KEEP ? in->f[in->nf] : NULL;
	size_t		 n = 0;
	int		 c;

	if (in->nf == CSVREAD_FIELDS_MAX)
		return csv_bad(in, err, errcap, "too many fields");
	for (;;) {
		if ((c = getc(in->fp)) == EOF) {
			if (ferror(in->fp))
				return CSVREAD_IO;
			if (st == CSV_QUOTED)
				return csv_bad(in, err, errcap,
				    "quoted field never closed");
			*end = '\n';
			break;
		}
		if (c == '\0')
			return csv_bad(in, err, errcap,
			    "NUL byte: not a text file");
		if (c == '\n')
			in->line++;
		if (st == CSV_START) {
			if (in->nf == 0)
				in->quoted0 = c == '"';
			if (c == '"') {
				st = CSV_QUOTED;
				continue;
			}
			st = CSV_PLAIN;
		}
		if (st == CSV_QUOTED) {
			if (c == '"') {
				st = CSV_CLOSING;
				continue;
			}
		} else if (st == CSV_CLOSING && c == '"') {
			st = CSV_QUOTED;	/* "" is one quote */
		} else if (c == ',' || c == '\n') {
			*end = c;
			break;
		} else if (c == '\r') {
			csv_eol_cr(in);
			*end = '\n';
			break;
		} else if (st == CSV_CLOSING) {
			return csv_bad(in, err, errcap,
			    "text after a closing quote");
		} else if (c == '"') {
			return csv_bad(in, err, errcap,
			    "quote inside an unquoted field");
		}
		if (dst == NULL)
			continue;
		if (n == CSVREAD_FIELD_MAX)
			return csv_bad(in, err, errcap, "field too long");
		dst[n++] = (char)c;
	}
	if (dst != NULL) {
		dst[n] = '\0';
		in->len[in->nf] = n;
	}
	in->nf++;
	return CSVREAD_RECORD;
}

enum csvread_rc
csvread_record(struct csvread *in, char *err, size_t errcap)
{
	enum csvread_rc	rc;
	int		c, end;

	for (;;) {
		if ((c = getc(in->fp)) == EOF)
			return ferror(in->fp) ? CSVREAD_IO : CSVREAD_EOF;
		ungetc(c, in->fp);
		in->nf = 0;
		in->recline = in->line;
		do {
			if ((rc = csv_field(in, &end, err, errcap)) !=
			    CSVREAD_RECORD)
				return rc;
		} while (end == ',');
		if (in->nf > 1 || in->len[0] > 0 || in->quoted0)
			return CSVREAD_RECORD;
	}
}

enum csvread_rc
csvread_header(struct csvread *in, const char *const *names, size_t nnames,
    const char *kind, char *err, size_t errcap)
{
	enum csvread_rc	rc;
	size_t		i, n;
	char		want[512];
	int		c;

	/* a UTF-8 byte order mark, left by spreadsheet programs */
	if ((c = getc(in->fp)) == 0xef) {
		if (getc(in->fp) != 0xbb || getc(in->fp) != 0xbf) {
			in->recline = 1;
			errf(err, errcap, "%s:1: not %s", in->name, kind);
			return CSVREAD_BAD;
		}
	} else if (c != EOF)
		ungetc(c, in->fp);

	for (i = 0, n = 0; i < nnames && n < sizeof(want); i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%s",
		    i > 0 ? "," : "", names[i]);
	if ((rc = csvread_record(in, err, errcap)) == CSVREAD_EOF) {
		errf(err, errcap, "%s: empty file, expected the header %s",
		    in->name, want);
		return CSVREAD_BAD;
	}
	if (rc != CSVREAD_RECORD)
		return rc;
	for (i = 0; i < nnames; i++)
		if (i >= in->nf || i >= CSVREAD_KEEP ||
		    strcmp(in->f[i], names[i]) != 0) {
			errf(err, errcap, "%s:%llu: not %s: the header must "
			    "start %s", in->name,
			    (unsigned long long)in->recline, kind, want);
			return CSVREAD_BAD;
		}
	in->nheader = in->nf;
	return CSVREAD_RECORD;
}

enum csvread_rc
csvread_next(struct csvread *in, char *err, size_t errcap)
{
	enum csvread_rc rc;

	if ((rc = csvread_record(in, err, errcap)) != CSVREAD_RECORD)
		return rc;
	if (in->nf != in->nheader) {
		errf(err, errcap, "%s:%llu: %zu fields, but the header has %zu",
		    in->name, (unsigned long long)in->recline, in->nf,
		    in->nheader);
		return CSVREAD_BAD;
	}
	return CSVREAD_RECORD;
}

enum csvread_rc
csvread_bad_field(const struct csvread *in, char *err, size_t errcap,
    const char *what, size_t field)
{
	char	shown[48];
	size_t	i, n = 0, len = field < CSVREAD_KEEP ? in->len[field] : 0;

	/* show the offending value, without control characters */
	for (i = 0; i < len && n < sizeof(shown) - 4; i++) {
		char c = in->f[field][i];

		shown[n++] = c >= 0x20 && c <= 0x7e ? c : '?';
	}
	if (i < len) {
		memcpy(&shown[n], "...", 3);
		n += 3;
	}
	shown[n] = '\0';
	errf(err, errcap, "%s:%llu: %s \"%s\"", in->name,
	    (unsigned long long)in->recline, what, shown);
	return CSVREAD_BAD;
}

/* ---------------------------------------------------------------- */
/* Field values                                                     */

int
csvread_count(const char *s, size_t len, uint64_t *v)
{
	uint64_t	x = 0;
	size_t		i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Digits s[0..n) as a number, or -1. */
static int
parse_digits(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* 2016-11-08T19:00:00Z (csv_format_minute) to seconds since the epoch. */
int
csvread_minute(const char *s, size_t len, int64_t *t)
{
	int y, mo, d, h, mi, sec;

	if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	y = parse_digits(s, 4);
	mo = parse_digits(s + 5, 2);
	d = parse_digits(s + 8, 2);
	h = parse_digits(s + 11, 2);
	mi = parse_digits(s + 14, 2);
	sec = parse_digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 59)
		return -1;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

/* Printable ASCII only: names go to terminals and chart scripts. */
int
csvread_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CSVREAD_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -1;
	return 0;
}

int
csvread_cc(const char *s, size_t len, char cc[3])
{
	size_t i;

	if (len != 2)
		return -1;
	for (i = 0; i < 2; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			cc[i] = (char)(s[i] - 'a' + 'A');
		else if (s[i] >= 'A' && s[i] <= 'Z')
			cc[i] = s[i];
		else
			return -1;
	}
	cc[2] = '\0';
	return 0;
}

/* ---------------------------------------------------------------- */
/* originstatd's CSV                                                */

enum csvread_rc
csvread_counts_header(struct csvread *in, char *err, size_t errcap)
{
	static const char *const names[] = {
		"minute_utc", "class", "country", "requests",
		"tls_handshakes", "clients"
	};

	return csvread_header(in, names, sizeof(names) / sizeof(names[0]),
	    "an originstatd CSV file", err, errcap);
}

enum csvread_rc
csvread_counts_next(struct csvread *in, struct csvread_row *r, char *err,
    size_t errcap)
{
	enum csvread_rc rc;

	if ((rc = csvread_next(in, err, errcap)) != CSVREAD_RECORD)
		return rc;
	if (csvread_minute(in->f[0], in->len[0], &r->minute) == -1)
		return csvread_bad_field(in, err, errcap, "minute_utc is not "
		    "a time like 2016-11-08T19:00:00Z:", 0);
	if (csvread_name(in->f[1], in->len[1]) == -1)
		return csvread_bad_field(in, err, errcap, "bad class name", 1);
	memcpy(r->cls, in->f[1], in->len[1] + 1);
	if (csvread_cc(in->f[2], in->len[2], r->cc) == -1)
		return csvread_bad_field(in, err, errcap,
		    "country is not a two-letter code:", 2);
	if (csvread_count(in->f[3], in->len[3], &r->requests) == -1)
		return csvread_bad_field(in, err, errcap,
		    "requests is not a count:", 3);
	if (csvread_count(in->f[4], in->len[4], &r->tls) == -1)
		return csvread_bad_field(in, err, errcap,
		    "tls_handshakes is not a count:", 4);
	if (csvread_count(in->f[5], in->len[5], &r->clients) == -1)
		return csvread_bad_field(in, err, errcap,
		    "clients is not a count:", 5);
	return CSVREAD_RECORD;
}

FILE *
csvread_open(const char *path)
{
	struct stat	 st;
	FILE		*fp;

	if (strcmp(path, "-") == 0)
		return stdin;
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) == -1 || S_ISDIR(st.st_mode)) {
		fclose(fp);
		errno = EISDIR;
		return NULL;
	}
	return fp;
}

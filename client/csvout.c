/*
 * csvout.c - `originstat csv`: write the daemon's per-minute CSV from its
 * ZeroMQ stream, the same bytes originstatd --csv writes.
 *
 * Rows, order and format are those of publish/csv.c, which formats them
 * here too (csv_rows_*): LF line ends, RFC 4180 quoting when a field needs
 * it, rows of a minute sorted by class name then country, all-zero rows
 * left out.  Each minute is appended whole (publish/csvfile.c's
 * csvfile_append, as originstatd does), so a reader never sees half a
 * minute.
 *
 * Restarts: the last complete row of the newest file tells which minute
 * was written last, and the subscriber asks the daemon for the minutes
 * after it.  Minutes are written whole and in order, so that row's minute
 * is complete.  A row torn by kill -9 is cut off when the file is opened
 * for writing, as originstatd does with its own CSV.
 *
 * --out may be a strftime(3) pattern, expanded in UTC with the minute's
 * time (one file per day with %Y-%m-%d); the files already written are
 * found by turning the pattern into a glob(7) pattern.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "csvfile.h"
#include "csvout.h"
#include "sub.h"

#define CSVOUT_HEADER_LEN	(sizeof(CSV_HEADER_LINE) - 1)
#define CSVOUT_TAIL		8192	/* bytes read for the last row */
#define CSVOUT_MINUTE_LEN	20	/* 2016-11-08T19:00:00Z */

struct csvout {
	const char	*prog;
	const char	*pattern;	/* --out */
	const struct curve_client *curve;	/* or NULL */
	int		 fd;		/* -1: none open */
	int		 is_stdout;
	int		 regular;
	char		 path[PATH_MAX];	/* of fd */
};

static volatile sig_atomic_t csvout_stop;

static void
csvout_signal(int sig)
{
	(void)sig;
	csvout_stop = 1;
}

static void
csvout_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: originstat csv --connect EP --out FILE [--snapshot EP]\n"
	    "\n"
	    "Follow an originstatd's ZeroMQ stream and write the same CSV as\n"
	    "its --csv option, one minute at a time.\n"
	    "\n"
	    "  -c, --connect EP    the daemon's --publish endpoint, e.g.\n"
	    "                      tcp://sensor1:5556 or ipc:///run/os.sock\n"
	    "  -o, --out FILE      the CSV file (\"-\" = standard output); a\n"
	    "                      strftime pattern, expanded in UTC with\n"
	    "                      each minute's time, gives one file per\n"
	    "                      period:\n"
	    "                      --out 'csv/%%Y-%%m-%%d.csv'\n"
	    "  -s, --snapshot EP   the daemon's snapshot service (default: as\n"
	    "                      the daemon announces it, or port + 1,\n"
	    "                      PATH.snapshot for ipc://)\n"
	    "      --curve-server-key KEY  CurveZMQ: the daemon's public key,\n"
	    "                      Z85 or a file holding it (OUT.pub)\n"
	    "      --curve-key FILE    CurveZMQ: our secret key file (OUT.key)\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "Restarted, it appends after the last minute already in the\n"
	    "files and fetches the ones it missed from the daemon.  It runs\n"
	    "until SIGINT or SIGTERM, reconnecting whenever the daemon goes.\n"
	    "Exit status: 0 stopped by a signal, 64 usage, 73 cannot create\n"
	    "the output, 74 write error.\n");
}

/* ---------------------------------------------------------------- */
/* Files                                                            */

/* "2016-11-08T19:00:00Z" (exactly) to UTC seconds; -1 if not that. */
static int
csvout_parse_minute(const char *s, int64_t *minute)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;
	int v[6], i, k = 0;
	time_t t;

	for (i = 0; i < CSVOUT_MINUTE_LEN; i++) {
		if (shape[i] != 'd' ? s[i] != shape[i] :
		    (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	for (i = 0; i < CSVOUT_MINUTE_LEN && k < 6; ) {
		v[k] = 0;
		while (s[i] >= '0' && s[i] <= '9')
			v[k] = v[k] * 10 + (s[i++] - '0');
		k++;
		i++;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*minute = (int64_t)t;
	return 0;
}

/*
 * Does the file start with our header, or a piece of it (a crash creating
 * it)?  0, or -1 with errno set: EINVAL for another header.
 */
static int
csvout_header_check(int fd)
{
	enum csvfile_header h;

	h = csvfile_header(fd, CSV_HEADER_LINE, CSVOUT_HEADER_LEN);
	if (h == CSVFILE_HEADER_OTHER)
		errno = EINVAL;
	return h == CSVFILE_HEADER_OK || h == CSVFILE_HEADER_TORN ? 0 : -1;
}

/*
 * Find the last complete line (ended by LF) of a file of size bytes,
 * wherever it is (csvfile_last_newline searches the whole file, so a long
 * torn tail, such as the zeros a power loss can leave, hides nothing):
 * buf gets it NUL-terminated, without its LF, and *start its offset in
 * the file.  0, 1 if there is no complete line, -1 on error (EINVAL: a
 * line longer than buf, or holding a NUL).
 */
static int
csvout_last_line(int fd, off_t size, char *buf, size_t cap, off_t *start)
{
	off_t end, lf, from;
	ssize_t n, i;

	if ((end = csvfile_last_newline(fd, size)) == -1)
		return -1;
	if (end == 0)
		return 1;
	/* Up to cap bytes before the LF: a line of cap - 1 and its NUL fit. */
	lf = end - 1;
	from = lf > (off_t)cap ? lf - (off_t)cap : 0;
	if ((n = pread(fd, buf, (size_t)(lf - from), from)) !=
	    (ssize_t)(lf - from)) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	for (i = n - 1; i >= 0 && buf[i] != '\n'; i--)
		continue;
	if ((i < 0 && (from > 0 || n == (ssize_t)cap)) ||
	    memchr(buf + i + 1, '\0', (size_t)(n - i - 1)) != NULL) {
		errno = EINVAL;		/* not a line of ours */
		return -1;
	}
	memmove(buf, buf + i + 1, (size_t)(n - i - 1));
	buf[n - i - 1] = '\0';
	*start = from + i + 1;
	return 0;
}

int
csvout_last_minute(const char *path, int64_t *minute)
{
	char line[CSVOUT_TAIL];
	struct stat st;
	off_t start;
	int fd, rc = 1, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &st) == -1) {
		rc = -1;
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		goto done;
	if (csvout_header_check(fd) == -1) {
		rc = -1;
		goto done;
	}
	if ((rc = csvout_last_line(fd, st.st_size, line, sizeof(line),
	    &start)) != 0)
		goto done;
	if (start == 0)
		rc = 1;		/* the header: no row yet */
	else if (strlen(line) <= CSVOUT_MINUTE_LEN ||
	    line[CSVOUT_MINUTE_LEN] != ',' ||
	    csvout_parse_minute(line, minute) == -1) {
		errno = EINVAL;
		rc = -1;
	}
done:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/*
 * Check a file opened for appending: our header, or empty.  Anything after
 * the last LF is a row torn by a crash and is cut off (a torn row would
 * read as a smaller count); so is a torn header.  The last LF is the one
 * csvout_last_minute finds, so the row kept last is the one the restart
 * resumed after.  0, -1 on error (errno; EINVAL for another header).
 */
static int
csvout_repair(struct csvout *c, off_t size)
{
	off_t keep;

	if (size == 0)
		return 0;
	if (csvout_header_check(c->fd) == -1)
		return -1;
	if ((keep = csvfile_last_newline(c->fd, size)) == -1)
		return -1;
	if (keep == size)
		return 0;
	if (ftruncate(c->fd, keep) == -1)
		return -1;
	fprintf(stderr, "%s: %s: cut %jd bytes of a torn row\n", c->prog,
	    c->path, (intmax_t)(size - keep));
	return 0;
}

static void
csvout_close(struct csvout *c)
{
	if (c->fd != -1 && !c->is_stdout)
		close(c->fd);
	c->fd = -1;
	c->path[0] = '\0';
}

/*
 * Open path for appending, repaired, with the header.  0, EX_CANTCREAT,
 * or EX_IOERR if the header cannot be written.
 */
static int
csvout_open(struct csvout *c, const char *path)
{
	struct stat st;

	csvout_close(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if ((c->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1)
		goto fail;
	if (fstat(c->fd, &st) == -1)
		goto fail;
	c->regular = S_ISREG(st.st_mode);
	if (c->regular && csvout_repair(c, st.st_size) == -1)
		goto fail;
	if (c->regular && fstat(c->fd, &st) == -1)
		goto fail;
	if ((!c->regular || st.st_size == 0) && csvfile_write_all(c->fd,
	    CSV_HEADER_LINE, CSVOUT_HEADER_LEN) == -1) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, path,
		    strerror(errno));
		csvout_close(c);
		return EX_IOERR;
	}
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", c->prog, path, errno == EINVAL ?
	    "not an originstat CSV (another header)" : strerror(errno));
	csvout_close(c);
	return EX_CANTCREAT;
}

/* The file of a minute: --out expanded.  0, or -1 if it does not fit. */
static int
csvout_path(const char *pattern, int64_t minute, char *buf, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)minute;

	if (strchr(pattern, '%') == NULL) {
		if (strlen(pattern) >= cap)
			return -1;
		memcpy(buf, pattern, strlen(pattern) + 1);
		return 0;
	}
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	/* The user's --out is the format, on purpose; strftime has no %n. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(buf, cap, pattern, &tm) == 0)
		return -1;
#pragma GCC diagnostic pop
	return 0;
}

/* The --out pattern as a glob pattern: each conversion matches anything. */
static int
csvout_glob_pattern(const char *pattern, char *buf, size_t cap)
{
	size_t n = 0;
	const char *p;

	for (p = pattern; *p != '\0'; p++) {
		if (n + 3 > cap)
			return -1;
		if (*p == '%' && p[1] == '%') {
			buf[n++] = *++p;
		} else if (*p == '%' && p[1] != '\0') {
			p++;
			if ((*p == 'E' || *p == 'O') && p[1] != '\0')
				p++;
			if (n == 0 || buf[n - 1] != '*')
				buf[n++] = '*';
		} else {
			if (strchr("*?[\\", *p) != NULL)
				buf[n++] = '\\';
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	return 0;
}

/*
 * The last minute written in any file of the pattern: its file is opened
 * (and repaired).  SUB_NONE if none.  0 or an exit status.
 */
static int
csvout_resume(struct csvout *c, int64_t *after)
{
	char gp[PATH_MAX * 2], best[PATH_MAX] = "";
	int64_t m;
	glob_t g;
	size_t i;
	int rc;

	*after = SUB_NONE;
	if (csvout_glob_pattern(c->pattern, gp, sizeof(gp)) == -1) {
		fprintf(stderr, "%s: --out: pattern too long\n", c->prog);
		return EX_USAGE;
	}
	memset(&g, 0, sizeof(g));
	if ((rc = glob(gp, 0, NULL, &g)) != 0 && rc != GLOB_NOMATCH) {
		fprintf(stderr, "%s: %s: cannot list files\n", c->prog, gp);
		return EX_CANTCREAT;
	}
	for (i = 0; rc == 0 && i < g.gl_pathc; i++) {
		if ((rc = csvout_last_minute(g.gl_pathv[i], &m)) == -1) {
			fprintf(stderr, "%s: %s: %s\n", c->prog,
			    g.gl_pathv[i], errno == EINVAL ?
			    "not an originstat CSV" : strerror(errno));
			globfree(&g);
			return EX_CANTCREAT;
		}
		if (rc == 0 && (*after == SUB_NONE || m > *after)) {
			*after = m;
			snprintf(best, sizeof(best), "%s", g.gl_pathv[i]);
		}
		rc = 0;
	}
	globfree(&g);
	if (best[0] != '\0')
		return csvout_open(c, best);
	if (strchr(c->pattern, '%') == NULL)
		return csvout_open(c, c->pattern);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Rows                                                             */

/* The minute's rows in one malloc'd buffer.  0 or -1 (ENOMEM). */
static int
csvout_format(const struct sub_minute *m, char **buf, size_t *len)
{
	const struct sub_row *r;
	struct csv_rows w;
	size_t i;

	if (csv_rows_init(&w, m->minute_ts, 0, buf, len) == -1)
		return -1;
	for (i = 0; i < m->nrows; i++) {
		r = &m->rows[i];
		csv_rows_put(&w, r->cls, r->cc, r->requests,
		    r->tls_handshakes, r->clients);
	}
	return csv_rows_fini(&w);
}

static int
csvout_minute(void *arg, const struct sub_minute *m)
{
	struct csvout *c = arg;
	char path[PATH_MAX], *buf;
	size_t len;
	int rc = 0;

	if (csvout_format(m, &buf, &len) == -1) {
		fprintf(stderr, "%s: %s\n", c->prog, strerror(errno));
		return EX_OSERR;
	}
	if (len == 0)
		goto done;
	if (!c->is_stdout) {
		if (csvout_path(c->pattern, m->minute_ts, path,
		    sizeof(path)) == -1) {
			fprintf(stderr, "%s: --out: file name too long\n",
			    c->prog);
			rc = EX_CANTCREAT;
			goto done;
		}
		if (strcmp(path, c->path) != 0 &&
		    (rc = csvout_open(c, path)) != 0)
			goto done;
	}
	if (csvfile_append(c->fd, c->regular, buf, len) == -1) {
		fprintf(stderr, "%s: %s: %s\n", c->prog,
		    c->is_stdout ? "standard output" : c->path,
		    strerror(errno));
		rc = EX_IOERR;
	}
done:
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Command                                                          */

/* A pattern's directory must exist and be writable: say so now. */
static int
csvout_check_dir(const struct csvout *c)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(c->pattern, '/');
	size_t n;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else {
		n = (size_t)(slash - c->pattern);
		if (n == 0)
			n = 1;		/* "/x.csv" */
		if (n >= sizeof(dir))
			return 0;
		memcpy(dir, c->pattern, n);
		dir[n] = '\0';
	}
	if (strchr(dir, '%') != NULL || access(dir, W_OK | X_OK) == 0)
		return 0;
	fprintf(stderr, "%s: %s: %s\n", c->prog, dir, strerror(errno));
	return EX_CANTCREAT;
}

static int
csvout_run(struct csvout *c, const char *connect, const char *snapshot)
{
	struct sub_opts o;
	struct sigaction sa;
	int rc;

	memset(&o, 0, sizeof(o));
	o.after = SUB_NONE;
	if (strcmp(c->pattern, "-") == 0) {
		c->is_stdout = 1;
		c->fd = STDOUT_FILENO;
		if (csvfile_write_all(c->fd, CSV_HEADER_LINE,
		    CSVOUT_HEADER_LEN) == -1) {
			fprintf(stderr, "%s: standard output: %s\n", c->prog,
			    strerror(errno));
			return EX_IOERR;
		}
	} else if ((rc = csvout_resume(c, &o.after)) != 0 ||
	    (c->fd == -1 && (rc = csvout_check_dir(c)) != 0))
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = csvout_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	o.prog = c->prog;
	o.connect = connect;
	o.snapshot = snapshot;
	o.curve = c->curve;
	o.on_minute = csvout_minute;
	o.arg = c;
	o.stop = &csvout_stop;
	rc = sub_run(&o);
	csvout_close(c);
	return rc;
}

int
csvout_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "connect",	required_argument,	NULL,	'c' },
		{ "curve-key",	required_argument,	NULL,	'K' },
		{ "curve-server-key", required_argument, NULL,	'S' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "out",	required_argument,	NULL,	'o' },
		{ "snapshot",	required_argument,	NULL,	's' },
		{ NULL,		0,			NULL,	0 },
	};
	struct csvout	 c;
	struct curve_client cc;
	const char	*connect = NULL, *snapshot = NULL;
	const char	*server_key = NULL, *key = NULL;
	int		 ch, rc;

	memset(&c, 0, sizeof(c));
	c.prog = "originstat csv";
	c.fd = -1;
	while ((ch = getopt_long(argc, argv, "c:ho:s:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			connect = optarg;
			break;
		case 'h':
			csvout_usage(stdout);
			return EX_OK;
		case 'o':
			c.pattern = optarg;
			break;
		case 's':
			snapshot = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'S':
			server_key = optarg;
			break;
		default:
			csvout_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || connect == NULL || c.pattern == NULL ||
	    *c.pattern == '\0') {
		fprintf(stderr, "%s: --connect and --out are required\n\n",
		    c.prog);
		csvout_usage(stderr);
		return EX_USAGE;
	}
	if ((rc = sub_curve_load(c.prog, server_key, key, &cc,
	    &c.curve)) != 0)
		return rc;
	return csvout_run(&c, connect, snapshot);
}

/*
 * log.c - see log.h.
 *
 * The one piece of process-wide state outside signal flags: the program
 * name, verbosity and prefix choice, set once at start-up by log_init.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char	*prog;
	int		 level;
	int		 prefixes;
} log_state = { "originstat", LOG_LVL_NOTICE, 0 };

void
log_init(const char *progname, enum log_level level, int prefixes)
{
	log_state.prog = progname;
	log_state.level = (int)level;
	if (prefixes < 0)
		prefixes = getenv("JOURNAL_STREAM") != NULL;
	log_state.prefixes = prefixes;
}

static void	log_vlog(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
log_vlog(int level, int with_errno, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	if (level > log_state.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_state.prefixes)
		fprintf(stderr, "<%d>", level);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s\n", log_state.prog, msg,
		    strerror(saved));
	else
		fprintf(stderr, "%s: %s\n", log_state.prog, msg);
	errno = saved;
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	log_vlog(level, with_errno, fmt, ap);				\
	va_end(ap);							\
}

LOG_FN(log_warn, LOG_LVL_WARNING, 1)
LOG_FN(log_warnx, LOG_LVL_WARNING, 0)
LOG_FN(log_notice, LOG_LVL_NOTICE, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LVL_ERR, 1, fmt, ap);
	va_end(ap);
	exit(status);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

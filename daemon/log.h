/*
 * log.h - logging to stderr in the OpenBSD style.
 *
 * log_warn adds strerror(errno), log_warnx does not; fatal/fatalx exit.
 * Under systemd (JOURNAL_STREAM set, or log_init(..., 1)) each line starts
 * with an sd-daemon priority prefix "<3>".."<7>" so the journal keeps the
 * level.  Messages carry aggregates only: never a client address.
 */
#ifndef ORIGINSTAT_LOG_H
#define ORIGINSTAT_LOG_H

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Show messages up to level; prefixes: 1 on, 0 off, -1 auto (journal). */
void	log_init(const char *progname, enum log_level level, int prefixes);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	fatalx(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif

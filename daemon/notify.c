/*
 * notify.c - see notify.h.  Protocol: sd_notify(3), "NOTES"; only plain
 * messages are sent, never file descriptors.
 */
#include "notify.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
notify_parse_addr(const char *s, struct sockaddr_un *addr, socklen_t *len)
{
	size_t n = strlen(s);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (n < 2 || (s[0] != '/' && s[0] != '@'))
		return -1;
	if (s[0] == '@') {
		/* Abstract: a leading NUL, then the name, no terminator. */
		if (n > sizeof(addr->sun_path))
			return -1;
		memcpy(addr->sun_path + 1, s + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return 0;
	}
	if (n >= sizeof(addr->sun_path))
		return -1;
	memcpy(addr->sun_path, s, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* A decimal number from 1 to max, nothing else; 0 if not one. */
static unsigned long long
parse_positive(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return 0;
	return v;
}

int64_t
notify_parse_watchdog(const char *usec, const char *pid, long self)
{
	unsigned long long us, p;

	if ((us = parse_positive(usec, (unsigned long long)INT64_MAX)) == 0)
		return 0;
	if (pid != NULL) {
		p = parse_positive(pid, (unsigned long long)LONG_MAX);
		if (p == 0 || (long)p != self)
			return 0;
	}
	return (int64_t)us;
}

int
notify_init(struct notify *n, char *err, size_t errcap)
{
	const char *s = getenv("NOTIFY_SOCKET");

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (s == NULL)
		return 0;
	if (notify_parse_addr(s, &n->addr, &n->addrlen) < 0) {
		snprintf(err, errcap, "NOTIFY_SOCKET: not an absolute path "
		    "or @name that fits a socket address");
		return -1;
	}
	if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errcap, "NOTIFY_SOCKET: socket: %s",
		    strerror(errno));
		return -1;
	}
	n->connected = connect(n->fd, (const struct sockaddr *)&n->addr,
	    n->addrlen) == 0;
	n->watchdog_us = notify_parse_watchdog(getenv("WATCHDOG_USEC"),
	    getenv("WATCHDOG_PID"), (long)getpid());
	return 0;
}

void
notify_fini(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	n->connected = 0;
	n->watchdog_us = 0;
}

int
notify_send(const struct notify *n, const char *msg)
{
	size_t len = strlen(msg);
	ssize_t r;

	if (n->fd < 0)
		return 0;
	do {
		if (n->connected)
			r = send(n->fd, msg, len, MSG_NOSIGNAL);
		else
			r = sendto(n->fd, msg, len, MSG_NOSIGNAL,
			    (const struct sockaddr *)&n->addr, n->addrlen);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if ((size_t)r != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
notify_sendf(const struct notify *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return notify_send(n, msg);
}

/*
 * notify.h - readiness, status and watchdog messages to the service
 * manager: the sd_notify(3) protocol, spoken directly.
 *
 * A message is one datagram of "KEY=VALUE" lines sent to the AF_UNIX
 * socket named by $NOTIFY_SOCKET: a file system path, or an abstract name
 * when it starts with '@'.  The protocol is small and stable, so it is
 * written here rather than linking libsystemd and what it pulls in.  When
 * the variable is unset (not started by systemd) every call does nothing.
 */
#ifndef ORIGINSTAT_NOTIFY_H
#define ORIGINSTAT_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct notify {
	int			fd;	/* -1: nobody to notify */
	int			connected;
	struct sockaddr_un	addr;
	socklen_t		addrlen;
	int64_t			watchdog_us;	/* 0: no watchdog */
};

/*
 * A $NOTIFY_SOCKET value to an address: an absolute path, or "@name" for
 * the abstract namespace.  0, or -1 if it is neither or too long.
 */
int	notify_parse_addr(const char *s, struct sockaddr_un *addr,
	    socklen_t *len) __attribute__((warn_unused_result));

/*
 * The watchdog interval in microseconds from $WATCHDOG_USEC and
 * $WATCHDOG_PID (NULL when unset) for the process self: 0 when there is
 * none, when either value is not a positive number, or when the watchdog
 * is meant for another process.
 */
int64_t	notify_parse_watchdog(const char *usec, const char *pid, long self);

/*
 * Read the environment and open the socket.  Without $NOTIFY_SOCKET, n is
 * made inert and 0 returned.  -1 with a message in err if the variable is
 * set but unusable; n is then inert too.  The socket is connected here
 * when it can be, because the permission to write to a socket file is
 * checked at connect(2): messages still get through after -u has dropped
 * root.  If it cannot, each message is sent to the address instead.
 */
int	notify_init(struct notify *n, char *err, size_t errcap);
void	notify_fini(struct notify *n);

/*
 * Send msg, lines "KEY=VALUE" separated by '\n', as one datagram.
 * 0 (also when inert), or -1 with errno set.
 */
int	notify_send(const struct notify *n, const char *msg);
/* The same with printf formatting; the message is cut at 1 KiB. */
int	notify_sendf(const struct notify *n, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif

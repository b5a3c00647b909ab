/*
 * priv.h - give up root once everything privileged is open.
 *
 * Outside systemd (which starts originstatd unprivileged with CAP_NET_RAW
 * only), originstatd started as root opens the capture, binds its sockets
 * and creates the CSV file, then becomes an ordinary user with -u.
 */
#ifndef ORIGINSTAT_PRIV_H
#define ORIGINSTAT_PRIV_H

#include <stddef.h>

/*
 * Become user: its primary group as the only group, its gid and uid as
 * real, effective and saved IDs, no capability in any set, no new
 * privileges through exec.  Then check that root cannot be had back.
 * 0, or -1 with a message in err and a sysexits code in *status; after a
 * failed check the process is in an unknown state and must exit.
 */
int	priv_drop(const char *user, char *err, size_t errcap, int *status)
	    __attribute__((warn_unused_result));

#endif

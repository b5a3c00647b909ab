/*
 * priv.c - see priv.h.  Capabilities are read with the raw capget(2)
 * system call, so there is no libcap dependency for one check.
 */
#include "priv.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sysexits.h>
#include <unistd.h>

/* 1 if the calling thread holds any capability, 0 if none, -1 error. */
static int
priv_has_caps(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	size_t i;

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective != 0 || data[i].permitted != 0)
			return 1;
	return 0;
}

/* After the switch: no way back to root, no capability left. */
static int
priv_check(uid_t uid, gid_t gid, char *err, size_t errcap)
{
	gid_t groups[2];
	int n;

	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid) {
		snprintf(err, errcap, "user or group ID not changed");
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1) {
		snprintf(err, errcap, "root could be regained");
		return -1;
	}
	n = getgroups(2, groups);
	if (n < 0 || n > 1 || (n == 1 && groups[0] != gid)) {
		snprintf(err, errcap, "supplementary groups not dropped");
		return -1;
	}
	if (priv_has_caps() != 0) {
		snprintf(err, errcap, "capabilities not dropped");
		return -1;
	}
	return 0;
}

int
priv_drop(const char *user, char *err, size_t errcap, int *status)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errcap, "-u %s: %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
		*status = EX_NOUSER;
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		snprintf(err, errcap, "-u %s: will not run as root", user);
		*status = EX_USAGE;
		return -1;
	}
	/*
	 * setgroups, setgid and setuid apply to every thread (glibc), also
	 * to the ones ZeroMQ started.  Leaving every ID 0 clears all
	 * capability sets, the ambient one included (capabilities(7)).
	 */
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		snprintf(err, errcap, "-u %s: %s", user, strerror(errno));
		*status = errno == EPERM ? EX_NOPERM : EX_OSERR;
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0) {
		snprintf(err, errcap, "no_new_privs: %s", strerror(errno));
		*status = EX_OSERR;
		return -1;
	}
	if (priv_check(uid, gid, err, errcap) < 0) {
		*status = EX_SOFTWARE;
		return -1;
	}
	return 0;
}

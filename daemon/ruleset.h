/*
 * ruleset.h - what a reload replaces: the configuration file (rules,
 * trusted proxies, grace) and the GeoIP database, opened and validated
 * together before anything is swapped, so a bad file never takes the
 * place of a good one.
 *
 * A database replaced on disk is noticed by its file identity (device,
 * inode, size, modification time): a new identity must be seen unchanged
 * at two checks in a row before the file is opened, so a file still being
 * written (in place, or created under the final name) is never read, and
 * one found broken is tried once, not at every check.
 */
#ifndef ORIGINSTAT_RULESET_H
#define ORIGINSTAT_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

struct geo;

struct file_id {
	bool		exists;
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
};

struct ruleset {
	struct config	 cfg;
	struct geo	*geo;		/* NULL: no database, country ZZ */
	char		*geo_path;	/* NULL if none */
	struct file_id	 geo_tried;	/* the file last opened (or tried) */
	struct file_id	 geo_seen;	/* a new one seen at the last check */
};

/*
 * Load the configuration at config_path (NULL: the defaults) and the
 * database at geoip_path (NULL: the one the configuration names, if any).
 * NULL on failure, with the reasons in err (one per line; configuration
 * errors as "file:line: message") and a sysexits code in *status.
 */
struct ruleset	*ruleset_load(const char *config_path, const char *geoip_path,
		    char *err, size_t errcap, int *status);
void		 ruleset_free(struct ruleset *);

enum ruleset_watch {
	RULESET_SAME,		/* the database file is the one opened */
	RULESET_SETTLING,	/* changed or gone; waiting for it to settle */
	RULESET_CHANGED,	/* a new file, settled: reopen it */
};

/* Compare the database file on disk with the one opened; see above. */
enum ruleset_watch ruleset_geo_check(struct ruleset *);

/*
 * Open the database file again.  On success the new database replaces
 * rs->geo and the old one is handed back in *old for the caller to free
 * once nothing uses it.  0, or -1 with a message in err and rs->geo
 * unchanged; either way the file is not tried again until it changes.
 */
int		 ruleset_geo_reopen(struct ruleset *rs, struct geo **old,
		    char *err, size_t errcap)
		    __attribute__((warn_unused_result));

#endif

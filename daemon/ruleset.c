/*
 * ruleset.c - see ruleset.h.
 */
#include "ruleset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "geo.h"

static void
file_id_get(const char *path, struct file_id *id)
{
	struct stat sb;

	memset(id, 0, sizeof(*id));
	if (stat(path, &sb) < 0)
		return;
	id->exists = true;
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	id->size = sb.st_size;
	id->mtime = sb.st_mtim;
}

static bool
file_id_eq(const struct file_id *a, const struct file_id *b)
{
	if (!a->exists || !b->exists)
		return a->exists == b->exists;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static int
load_config(struct ruleset *rs, const char *path, char *err, size_t errcap,
    int *status)
{
	if (path == NULL)
		return 0;
	if (access(path, R_OK) < 0) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		*status = EX_NOINPUT;
		return -1;
	}
	if (config_load(&rs->cfg, path, err, errcap) < 0) {
		*status = EX_CONFIG;
		return -1;
	}
	return 0;
}

/*
 * The identity is taken before opening: if the file is replaced between
 * the two, the next check sees a newer one and opens that.
 */
static struct geo *
open_geo(const char *path, unsigned cache, struct file_id *id, char *err,
    size_t errcap, int *status)
{
	struct geo *g;

	file_id_get(path, id);
	if (access(path, R_OK) < 0) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		*status = EX_NOINPUT;
		return NULL;
	}
	if ((g = geo_open(path, cache, err, errcap)) == NULL)
		*status = EX_DATAERR;
	return g;
}

struct ruleset *
ruleset_load(const char *config_path, const char *geoip_path, char *err,
    size_t errcap, int *status)
{
	struct ruleset *rs;

	*status = EX_OSERR;
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		snprintf(err, errcap, "ruleset: %s", strerror(errno));
		return NULL;
	}
	if (config_init(&rs->cfg) < 0) {
		snprintf(err, errcap, "config: %s", strerror(errno));
		free(rs);
		return NULL;
	}
	if (load_config(rs, config_path, err, errcap, status) < 0)
		goto fail;
	if (geoip_path == NULL)
		geoip_path = rs->cfg.geoip_path;
	if (geoip_path == NULL)
		return rs;
	if ((rs->geo_path = strdup(geoip_path)) == NULL) {
		snprintf(err, errcap, "ruleset: %s", strerror(errno));
		goto fail;
	}
	if ((rs->geo = open_geo(rs->geo_path, rs->cfg.geo_cache,
	    &rs->geo_tried, err, errcap, status)) == NULL)
		goto fail;
	return rs;
fail:
	ruleset_free(rs);
	return NULL;
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	geo_free(rs->geo);
	free(rs->geo_path);
	config_fini(&rs->cfg);
	free(rs);
}

enum ruleset_watch
ruleset_geo_check(struct ruleset *rs)
{
	struct file_id now;

	if (rs->geo_path == NULL)
		return RULESET_SAME;
	file_id_get(rs->geo_path, &now);
	if (file_id_eq(&now, &rs->geo_tried)) {
		memset(&rs->geo_seen, 0, sizeof(rs->geo_seen));
		return RULESET_SAME;
	}
	if (!now.exists || !file_id_eq(&now, &rs->geo_seen)) {
		rs->geo_seen = now;
		return RULESET_SETTLING;
	}
	return RULESET_CHANGED;
}

int
ruleset_geo_reopen(struct ruleset *rs, struct geo **old, char *err,
    size_t errcap)
{
	struct geo *g;
	int status;

	if (rs->geo_path == NULL) {
		snprintf(err, errcap, "no GeoIP database configured");
		return -1;
	}
	g = open_geo(rs->geo_path, rs->cfg.geo_cache, &rs->geo_tried, err,
	    errcap, &status);
	memset(&rs->geo_seen, 0, sizeof(rs->geo_seen));
	if (g == NULL)
		return -1;
	*old = rs->geo;
	rs->geo = g;
	return 0;
}

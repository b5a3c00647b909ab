/*
 * fuzz_config.c - the INI configuration parser.
 *
 * The input is the file's text (exact size, no terminator).  Parsed twice:
 * with a roomy error buffer and with a tiny one (message truncation).
 * Checked beyond "no crash": the error text is NUL-terminated within its
 * buffer; a parse that succeeds gives rules that name existing classes,
 * names within their caps and terminated, "other" as the last class, and
 * trusted prefixes of at most 128 bits; a parse that fails leaves the
 * configuration as config_init made it (config.h).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define FZ_ERRCAP	8192
#define FZ_ERRSMALL	7

static void
check_config(const struct config *c)
{
	const struct rule *r;
	size_t i;

	if (c->nclasses < 1 || c->nclasses > CONFIG_MAX_CLASSES + 1 ||
	    c->nrules > CONFIG_MAX_RULES || c->ntrusted > CONFIG_MAX_TRUSTED ||
	    strcmp(c->classes[c->nclasses - 1], "other") != 0)
		abort();
	for (i = 0; i < c->nclasses; i++)
		if (memchr(c->classes[i], '\0', CONFIG_CLASS_MAX + 1) == NULL)
			abort();
	for (i = 0; i < c->nrules; i++) {
		r = &c->rules[i];
		if (r->cls >= c->nclasses || r->host_len > CONFIG_HOST_MAX ||
		    r->host[r->host_len] != '\0' ||
		    r->path_len > CONFIG_PATH_MAX ||
		    r->path[r->path_len] != '\0' ||
		    (!r->has_path && r->path_len != 0))
			abort();
	}
	for (i = 0; i < c->ntrusted; i++)
		if (c->trusted[i].bits > 128)
			abort();
	if (c->sensor != NULL)
		(void)strlen(c->sensor);
	if (c->geoip_path != NULL)
		(void)strlen(c->geoip_path);
}

static void
check_reset(const struct config *c)
{
	if (c->nrules != 0 || c->ntrusted != 0 || c->nclasses != 1 ||
	    c->geoip_path != NULL || c->sensor != NULL)
		abort();
}

static void
run(const uint8_t *data, size_t size, size_t errcap)
{
	struct config cfg;
	char *err;

	if ((err = malloc(errcap)) == NULL)
		abort();
	memset(err, 'x', errcap);
	if (config_init(&cfg) == -1)
		abort();
	if (config_parse(&cfg, (const char *)data, size, "fuzz.conf", err,
	    errcap) == 0)
		check_config(&cfg);
	else
		check_reset(&cfg);
	if (memchr(err, '\0', errcap) == NULL)
		abort();
	config_fini(&cfg);
	free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, FZ_ERRCAP);
	run(data, size, FZ_ERRSMALL);
	return 0;
}

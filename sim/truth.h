/*
 * truth.h - the exact counts a simulated capture must produce.
 *
 * Collects every counted hit (request head or ClientHello) with its real
 * client, and writes the CSV originstatd writes (publish/csv.h): header
 * minute_utc,class,country,requests,tls_handshakes,clients; rows sorted by
 * minute, class name (strcmp), country; clients exact.
 */
#ifndef ORIGINSTAT_SIM_TRUTH_H
#define ORIGINSTAT_SIM_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../daemon/addr.h"

struct truth_stats {
	uint64_t	requests, handshakes, rows;
};

struct truth;

/*
 * path NULL: count only, write nothing.  classes: nclasses names,
 * borrowed.  NULL on error with a message naming the file in err.
 */
struct truth	*truth_open(const char *path, const char *const *classes,
		    size_t nclasses, char *err, size_t errcap);

/* Record one hit at ts_us.  0, or -1 when out of memory. */
int		 truth_add(struct truth *, int64_t ts_us, unsigned cls,
		    const char cc[3], bool tls, const struct ip_addr *client)
		    __attribute__((warn_unused_result));

/*
 * Write the rows of every minute that starts before before_us; the caller
 * promises no later hit falls in those minutes.  0 or -1 (write error).
 */
int		 truth_flush(struct truth *, int64_t before_us)
		    __attribute__((warn_unused_result));

void		 truth_get_stats(const struct truth *, struct truth_stats *);

/* Flush all, close and free.  0, or -1 with a message in err. */
int		 truth_close(struct truth *, char *err, size_t errcap);

#endif

/*
 * pipeline.h - one packet through decode, flow, parse, classify, GeoIP and
 * aggregation; closed minutes out to CSV and ZeroMQ.
 *
 * The pipeline owns the flow table and the aggregator and borrows the
 * configuration, the GeoIP database and the outputs.
 */
#ifndef ORIGINSTAT_PIPELINE_H
#define ORIGINSTAT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "flow.h"
#include "stats.h"

struct geo;
struct csv_out;
struct pub;
struct alertcsv;

struct pipeline;

/* geo, csv and pub may be NULL. */
struct pipeline	*pipeline_new(const struct config *, const struct flow_config *,
		    struct geo *, struct csv_out *, struct pub *,
		    uint64_t seed);
void		 pipeline_free(struct pipeline *);

/*
 * A reload: hits from now on are classified by cfg (rules, trusted
 * proxies, grace) and located by geo (may be NULL); counts already made
 * are kept under the classes they were counted in.  cfg and geo are
 * borrowed from now on, the old ones may be freed on success.  0, or -1
 * (no memory) with nothing changed.
 */
int		 pipeline_reconfigure(struct pipeline *, const struct config *,
		    struct geo *) __attribute__((warn_unused_result));
/*
 * Write the alert log to ac (borrowed; NULL: none).  Surge alerts are
 * configured by cfg->alerts at pipeline_new; a reload does not change
 * them.
 */
void		 pipeline_set_alertcsv(struct pipeline *, struct alertcsv *);
/* Only the GeoIP database changes (may be NULL); the old one may be freed. */
void		 pipeline_set_geo(struct pipeline *, struct geo *);

/* A captured frame: link type, capture time, captured and wire lengths. */
void		 pipeline_packet(struct pipeline *, int linktype, int64_t ts_us,
		    const uint8_t *data, size_t caplen, size_t wirelen);
/* The clock moved without traffic (live capture): close due minutes. */
void		 pipeline_tick(struct pipeline *, int64_t now_us);
/*
 * Close every open minute (end of file, shutdown); alerts still open go
 * to the alert log, once.
 */
void		 pipeline_flush(struct pipeline *);
/*
 * CSV minutes kept after a failed write (a full disk): try them again, at
 * most every 10 s.  For the main loop, which may go long without a minute
 * closing.
 */
void		 pipeline_retry(struct pipeline *);
/* CSV minutes still not written (pipeline_flush has tried them last). */
size_t		 pipeline_csv_unwritten(struct pipeline *);
struct stats	*pipeline_stats(struct pipeline *);

#endif

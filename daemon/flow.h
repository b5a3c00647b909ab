/*
 * flow.h - TCP connections: put each direction's bytes in order, once.
 *
 * A fixed-capacity table of connections keyed by addresses, ports and VLAN.
 * Each direction tracks the next expected sequence number: retransmitted
 * and overlapping bytes are cut off so that no stream byte is parsed twice;
 * segments ahead of the expected one wait in a bounded out-of-order window.
 * In-order bytes go to stream.c.  State is freed on RST, after FIN from
 * both sides, after an idle timeout, and by least-recently-used eviction
 * when the table is full.  All memory is reserved in flow_new.
 */
#ifndef ORIGINSTAT_FLOW_H
#define ORIGINSTAT_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "stats.h"
#include "stream.h"

struct flow_config {
	size_t		max_flows;	/* connections tracked at once */
	size_t		head_limit;	/* bytes of a request head kept */
	size_t		max_bufs;	/* head buffers in the pool */
	uint32_t	idle_timeout;	/* seconds */
	uint64_t	seed;		/* hash seed */
};

#define FLOW_DEFAULT_MAX	262144
#define FLOW_DEFAULT_HEAD	16384
#define FLOW_DEFAULT_BUFS	1024
#define FLOW_DEFAULT_IDLE	300
#define FLOW_MIN_HEAD		1024

void	flow_config_default(struct flow_config *);

struct flow_table;

/* NULL if out of memory.  stats is updated by every call. */
struct flow_table *flow_new(const struct flow_config *, struct stats *,
	    hit_fn on_hit, void *arg);
void	flow_free(struct flow_table *);

/* One decoded TCP segment captured at ts_us. */
void	flow_segment(struct flow_table *, const struct segment *,
	    int64_t ts_us);
/* Expire connections idle since before now_us - idle timeout. */
void	flow_expire(struct flow_table *, int64_t now_us);
/* Connections tracked now. */
size_t	flow_count(const struct flow_table *);

#endif

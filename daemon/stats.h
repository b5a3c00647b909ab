/*
 * stats.h - process-wide counters, reported in `stats` messages and at exit.
 *
 * Plain counters in one struct owned by the pipeline; STATS_FIELDS lists
 * every counter once so that publishers and the exit report stay in step.
 */
#ifndef ORIGINSTAT_STATS_H
#define ORIGINSTAT_STATS_H

#include <stdint.h>

#define STATS_FIELDS(X)							\
	X(packets)		/* packets seen */			\
	X(bytes)		/* wire bytes seen */			\
	X(decode_errors)	/* truncated or malformed headers */	\
	X(not_tcp)		/* other protocols, skipped */		\
	X(fragments)		/* IP fragments, skipped */		\
	X(unsupported)		/* unknown link or network types */	\
	X(http_requests)	/* HTTP request hits */			\
	X(tls_handshakes)	/* TLS ClientHello hits */		\
	X(http_malformed)	/* broken request heads */		\
	X(tls_malformed)	/* broken ClientHellos */		\
	X(xff_used)		/* client taken from a proxy header */	\
	X(xff_junk)		/* unusable proxy header elements */	\
	X(late_hits)		/* hits for a closed minute */		\
	X(clock_resets)		/* time went back > 10 min: restart */	\
	X(bad_time)		/* time stamps before 1970, after 9999 */ \
	X(sketch_capped)	/* clients over the sketch budget */	\
	X(snaplen_cut)		/* segments cut by the snapshot length */ \
	X(flows)		/* TCP flows tracked now */		\
	X(flows_created)						\
	X(flows_evicted)	/* LRU evictions at the flow cap */	\
	X(flows_timed_out)						\
	X(retransmitted_bytes)	/* stream bytes seen twice, skipped */	\
	X(out_of_order)		/* segments buffered out of order */	\
	X(gaps)			/* streams given up on a hole */	\
	X(oversized_heads)	/* heads over the head limit */		\
	X(resyncs)		/* streams resynchronised */		\
	X(pcap_received)	/* from pcap_stats */			\
	X(pcap_dropped)							\
	X(pcap_ifdropped)						\
	X(pub_dropped)		/* messages ZeroMQ would not take */	\
	X(snapshot_requests)	/* snapshot requests accepted */	\
	X(snapshot_errors)	/* bad requests, answered with an error */ \
	X(snapshot_dropped)	/* replies given up: client gone, stuck */ \
	X(snapshot_evicted)	/* minutes dropped from the history */	\
	X(curve_refused)	/* CurveZMQ handshakes refused (ZAP) */ \
	X(csv_errors)		/* failed CSV writes */		\
	X(csv_queued)		/* minutes waiting to be written, now */ \
	X(csv_dropped_minutes)	/* minutes lost: retry queue full */	\
	X(alerts_raised)	/* surge alerts raised */		\
	X(alerts_cleared)	/* surge alerts cleared */		\
	X(sensors_silent)	/* collector: sensors behind, now */	\
	X(minutes_timed_out)	/* collector: closed without a sensor */ \
	X(corrections)		/* collector: minutes republished */	\
	X(late_dropped)		/* collector: too late to correct */	\
	X(peak_rss_kb)		/* peak resident memory, KiB */

struct stats {
#define STATS_MEMBER(name) uint64_t name;
	STATS_FIELDS(STATS_MEMBER)
#undef STATS_MEMBER
};

#endif

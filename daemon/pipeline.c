/*
 * pipeline.c - the per-packet path.  No allocation, no I/O here except
 * through the emit callback when a minute closes.
 */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg.h"
#include "alert.h"
#include "alertcsv.h"
#include "classify.h"
#include "csv.h"
#include "decode.h"
#include "geo.h"
#include "log.h"
#include "proxy.h"
#include "pub.h"
#include "stream.h"

struct pipeline {
	const struct config	*cfg;
	struct proxy_set	 proxies;
	struct geo		*geo;
	struct csv_out		*csv;
	struct pub		*pub;
	struct flow_table	*flows;
	struct agg		*agg;
	struct alert		*alert;
	struct alertcsv		*alertcsv;
	int			 finished;	/* open alerts logged */
	struct stats		 stats;
	uint64_t		 seed;
	int64_t			 now_us;	/* time of the current packet */
	int			 csv_failing;	/* last CSV write failed */
	int64_t			 csv_logged;	/* last warning, monotonic us */
	int64_t			 csv_next_retry; /* monotonic us */
};

/*
 * Quiet minutes go out too (an empty CSV write, a `minute` marker with no
 * counts), so subscribers and collectors need not wait for a timeout;
 * not after a jump of more than a day, the snapshot history's span.  The
 * alert baseline fills silent minutes between others with zeros itself up
 * to ALERT_GAP_MAX, so those change nothing there; the one difference is
 * at the end (agg_flush): the last packet's minute, if quiet, now reaches
 * the alerts as the zero it was before alert_finish.
 */
#define EMPTY_MINUTES_MAX	1440
_Static_assert(EMPTY_MINUTES_MAX <= ALERT_GAP_MAX,
    "empty minutes past the alert gap would change alert resets");

#define CSV_LOG_US	(60 * 1000000LL)	/* warnings while failing */
#define CSV_RETRY_US	(10 * 1000000LL)	/* pipeline_retry interval */

/* The -vv line: a minute's totals, never an address. */
static void
log_minute(const struct agg_minute *m)
{
	uint64_t req = 0, tls = 0;
	time_t t = (time_t)m->minute;
	char when[32] = "?";
	struct tm tm;
	size_t i;

	for (i = 0; i < m->nrows; i++) {
		req += m->rows[i].requests;
		tls += m->rows[i].tls_handshakes;
	}
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_debug("minute %s closed: %zu rows, %llu requests, %llu TLS "
	    "handshakes", when, m->nrows, (unsigned long long)req,
	    (unsigned long long)tls);
}

/* "GB 31%, FR 22%" into buf. */
static void
alert_countries_text(const struct alert_event *ev, char *buf, size_t cap)
{
	size_t i, len = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < ev->ncountries && len < cap; i++) {
		n = snprintf(buf + len, cap - len, "%s%s %.0f%%",
		    i > 0 ? ", " : "", ev->countries[i].cc,
		    ev->countries[i].share * 100);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (ev->ncountries == 0)
		snprintf(buf, cap, "none");
}

/* A surge alert: log (no address in it), count, publish, alert log. */
static void
on_alert(void *arg, const struct alert_event *ev)
{
	struct pipeline *pl = arg;
	char when[21], countries[128];

	csv_format_minute(ev->minute, when);
	alert_countries_text(ev, countries, sizeof(countries));
	if (ev->kind == ALERT_RAISED) {
		pl->stats.alerts_raised++;
		log_warnx("alert: %s surge at %s: %.1f hits/min against a "
		    "baseline of %.1f; rise from %s", ev->cls, when, ev->rate,
		    ev->baseline, countries);
	} else if (ev->kind == ALERT_CLEARED) {
		pl->stats.alerts_cleared++;
		log_warnx("alert cleared: %s at %s: %.1f hits/min, baseline "
		    "%.1f; %.1f hits/min during the alert, from %s", ev->cls,
		    when, ev->rate, ev->baseline, ev->mean_rate, countries);
	}
	if (pl->pub != NULL)
		pub_send_alert(pl->pub, ev);
	if (pl->alertcsv != NULL && alertcsv_write(pl->alertcsv, ev) < 0) {
		pl->stats.csv_errors++;
		log_warn("alert log write failed");
	}
}

static int64_t
mono_now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * After a CSV write or retry returned rc (errno set if -1): count, and
 * log the first failure, then at most once a minute while it lasts, then
 * the recovery.  A full disk must not flood the log it may share.
 */
static void
csv_outcome(struct pipeline *pl, int rc)
{
	int saved = errno;
	int64_t now = mono_now_us();
	const char *path = csv_path(pl->csv);

	pl->stats.csv_queued = csv_queued(pl->csv);
	pl->stats.csv_dropped_minutes = csv_dropped(pl->csv);
	if (rc == 0) {
		if (pl->csv_failing)
			log_notice("%s: CSV writes work again; the kept "
			    "minutes are written (%llu lost)", path,
			    (unsigned long long)pl->stats.csv_dropped_minutes);
		pl->csv_failing = 0;
		return;
	}
	pl->stats.csv_errors++;
	if (pl->csv_failing && now - pl->csv_logged < CSV_LOG_US)
		return;
	errno = saved;
	log_warn("%s: CSV write failed; %llu minutes kept for retry, %llu "
	    "lost", path, (unsigned long long)pl->stats.csv_queued,
	    (unsigned long long)pl->stats.csv_dropped_minutes);
	pl->csv_failing = 1;
	pl->csv_logged = now;
}

static void
on_minute(void *arg, const struct agg_minute *m)
{
	struct pipeline *pl = arg;

	log_minute(m);
	if (pl->csv != NULL)
		csv_outcome(pl, csv_write_minute(pl->csv, m));
	if (pl->pub != NULL) {
		pub_send_minute(pl->pub, m);
		pl->stats.pub_dropped = pub_dropped(pl->pub);
	}
	/* After the minute's own messages, which go out together. */
	alert_minute(pl->alert, m, on_alert, pl);
}

/* The client of a request: its source, or what a trusted proxy says. */
static void
hit_client(struct pipeline *pl, const struct http_req *req,
    struct ip_addr *client)
{
	unsigned junk = 0;

	if (pl->proxies.n > 0 &&
	    proxy_client(&pl->proxies, req, client, &junk) == 1)
		pl->stats.xff_used++;
	pl->stats.xff_junk += junk;
}

static unsigned
hit_class(struct pipeline *pl, const struct hit *h)
{
	struct view host, path;

	if (h->kind != HIT_HTTP)
		return classify_sni(pl->cfg, h->hello->sni,
		    h->hello->sni_len);
	http_request_host_path(h->req, &host, &path);
	return classify_http(pl->cfg, host.p, host.n, path.p, path.n);
}

static void
on_hit(void *arg, const struct hit *h)
{
	struct pipeline *pl = arg;
	struct ip_addr client = *h->src;
	struct agg_stats as;
	char cc[3] = "ZZ";
	unsigned cls;
	uint64_t hash;

	if (h->kind == HIT_HTTP)
		hit_client(pl, h->req, &client);
	/*
	 * One hash of the client for the GeoIP cache and the sketches.  The
	 * cache slot is fetched while the host is classified: it is a
	 * random line of a megabyte or more, and waiting for it was a third
	 * of this function's time.
	 */
	hash = addr_hash(&client, pl->seed);
	if (pl->geo != NULL)
		geo_prefetch(pl->geo, hash);
	cls = hit_class(pl, h);
	if (pl->geo != NULL)
		geo_lookup_hashed(pl->geo, &client, hash, cc);
	agg_hit(pl->agg, pl->now_us, cls, cc,
	    h->kind == HIT_HTTP ? AGG_REQUEST : AGG_TLS, hash, on_minute, pl);
	agg_get_stats(pl->agg, &as);
	pl->stats.late_hits = as.late;
	pl->stats.clock_resets = as.clock_resets;
	pl->stats.sketch_capped = as.sketch_capped;
}

struct pipeline *
pipeline_new(const struct config *cfg, const struct flow_config *fc,
    struct geo *geo, struct csv_out *csv, struct pub *pub, uint64_t seed)
{
	struct pipeline *pl;

	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return NULL;
	pl->cfg = cfg;
	pl->proxies.v = cfg->trusted;
	pl->proxies.n = cfg->ntrusted;
	pl->geo = geo;
	pl->csv = csv;
	pl->pub = pub;
	pl->seed = seed;
	pl->flows = flow_new(fc, &pl->stats, on_hit, pl);
	pl->agg = agg_new((const char (*)[CONFIG_CLASS_MAX + 1])cfg->classes,
	    cfg->nclasses, cfg->grace);
	pl->alert = alert_new(&cfg->alerts);
	if (pl->flows == NULL || pl->agg == NULL || pl->alert == NULL) {
		pipeline_free(pl);
		return NULL;
	}
	agg_set_empty_minutes(pl->agg, EMPTY_MINUTES_MAX);
	return pl;
}

int
pipeline_reconfigure(struct pipeline *pl, const struct config *cfg,
    struct geo *geo)
{
	if (agg_reconfigure(pl->agg,
	    (const char (*)[CONFIG_CLASS_MAX + 1])cfg->classes, cfg->nclasses,
	    cfg->grace) < 0)
		return -1;
	pl->cfg = cfg;
	pl->proxies.v = cfg->trusted;
	pl->proxies.n = cfg->ntrusted;
	pl->geo = geo;
	return 0;
}

void
pipeline_set_alertcsv(struct pipeline *pl, struct alertcsv *ac)
{
	pl->alertcsv = ac;
}

void
pipeline_set_geo(struct pipeline *pl, struct geo *geo)
{
	pl->geo = geo;
}

void
pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	flow_free(pl->flows);
	agg_free(pl->agg);
	alert_free(pl->alert);
	free(pl);
}

static void
count_status(struct stats *st, enum dec_status r)
{
	switch (r) {
	case DEC_OK:
		break;
	case DEC_NOT_TCP:
		st->not_tcp++;
		break;
	case DEC_FRAGMENT:
		st->fragments++;
		break;
	case DEC_UNSUPPORTED:
		st->unsupported++;
		break;
	case DEC_TRUNCATED:
	case DEC_MALFORMED:
		st->decode_errors++;
		break;
	}
}

/*
 * Packet times a CSV minute can name: 1970-01-01 up to the end of 9999.
 * A pcapng interface's if_tsoffset and units can put a packet anywhere in
 * 64 bits; such a packet would end every open minute at once and then
 * start them again (a clock reset), so it is counted and skipped.
 */
#define PIPELINE_TS_END	INT64_C(253402300800000000)

void
pipeline_packet(struct pipeline *pl, int linktype, int64_t ts_us,
    const uint8_t *data, size_t caplen, size_t wirelen)
{
	struct segment seg;
	enum dec_status r;

	pl->stats.packets++;
	pl->stats.bytes += wirelen;
	if ((uint64_t)ts_us >= (uint64_t)PIPELINE_TS_END) {
		pl->stats.bad_time++;
		return;
	}
	pl->now_us = ts_us;
	r = decode_frame(linktype, data, caplen, &seg);
	count_status(&pl->stats, r);
	if (r == DEC_OK)
		flow_segment(pl->flows, &seg, ts_us);
	agg_tick(pl->agg, ts_us, on_minute, pl);
}

void
pipeline_tick(struct pipeline *pl, int64_t now_us)
{
	agg_tick(pl->agg, now_us, on_minute, pl);
	flow_expire(pl->flows, now_us);
}

void
pipeline_flush(struct pipeline *pl)
{
	agg_flush(pl->agg, on_minute, pl);
	if (pl->csv != NULL && csv_queued(pl->csv) > 0)
		csv_outcome(pl, csv_retry(pl->csv));
	if (!pl->finished)
		alert_finish(pl->alert, on_alert, pl);
	pl->finished = 1;
}

void
pipeline_retry(struct pipeline *pl)
{
	int64_t now;

	if (pl->csv == NULL || csv_queued(pl->csv) == 0)
		return;
	now = mono_now_us();
	if (now < pl->csv_next_retry)
		return;
	pl->csv_next_retry = now + CSV_RETRY_US;
	csv_outcome(pl, csv_retry(pl->csv));
}

size_t
pipeline_csv_unwritten(struct pipeline *pl)
{
	return pl->csv != NULL ? csv_queued(pl->csv) : 0;
}

struct stats *
pipeline_stats(struct pipeline *pl)
{
	return &pl->stats;
}

/*
 * main.c - originstatd: command line, start-up, main loop, shutdown.
 *
 * Exit statuses follow sysexits(3): 0 done, 64 usage, 65 bad input data
 * (capture or GeoIP file broken; everything read before is still counted
 * and written), 66 input missing, 67 no such user (-u), 69 interface or
 * endpoint unavailable, 70 privileges not dropped, 73 cannot create
 * output, 74 output write error, 77 permission denied, 78 configuration
 * error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "alertcsv.h"
#include "capture.h"
#include "config.h"
#include "csv.h"
#include "decode.h"
#include "flow.h"
#include "geo.h"
#include "log.h"
#include "notify.h"
#include "pipeline.h"
#include "priv.h"
#include "pub.h"
#include "ruleset.h"

#define ERRLEN		8192
/*
 * What "tcp" means on Ethernet: also under VLAN tags, MPLS and GRE.  BPF's
 * "vlan" and "mpls" shift the offsets of what follows them, so they come
 * last and let every tagged frame through to decode.c.
 */
#define ETHER_FILTER	"tcp or proto gre or vlan or mpls"
/*
 * A reload waits this long after SIGHUP before the new rules take over:
 * two capture timeouts, so packets the kernel held when the signal came
 * are counted under the rules in force when they arrived.
 */
#define RELOAD_DRAIN_US	250000
#define GEO_CHECK_US	2000000	/* how often the database file is checked */

static volatile sig_atomic_t quit;	/* the signal that asked to stop */
static volatile sig_atomic_t reload;	/* SIGHUP */

struct options {
	const char	*rfile, *iface, *filter, *config, *geoip;
	const char	*csv, *publish, *snapshot, *sensor, *user;
	const char	*alerts_csv, *tz;
	const char	*curve_secret, *curve_allow;	/* key files */
	long		 history;	/* seconds; -1: from the config */
	long		 linger;	/* seconds after the end of -r */
	int		 verbose;
	int		 buffer_mb;
	double		 stats_interval;
	struct flow_config flow;
};

/* What the main loop works with; lives in main(). */
struct daemon {
	const struct options	*o;
	struct capture		*cap;
	struct pipeline		*pl;
	struct pub		*pub;
	struct curve_server	 curve;		/* pub's keys, if any */
	struct ruleset		*rs;		/* in force */
	struct ruleset		*pending;	/* in force from swap_at */
	struct notify		 notify;
	int64_t			 swap_at;	/* monotonic us */
	int64_t			 next_watchdog, next_geo_check;
	int			 geo_settling;	/* logged "changed on disk" */
	int64_t			 rate_at;	/* STATUS rates since then */
	uint64_t		 rate_packets, rate_hits;
	char			 err[ERRLEN];
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: originstatd (-r FILE | -i IFACE) [options]\n"
"Count requests per minute by endpoint class and client country.\n"
"\n"
"  -r, --read FILE        read a pcap or pcapng capture ('-' = stdin), exit 0 at its end\n"
"  -i, --interface IFACE  capture live until SIGINT or SIGTERM\n"
"      --filter EXPR      BPF filter (live default: tcp, also inside VLAN, MPLS,\n"
"                         GRE; capture files: none, decode skips non-TCP)\n"
"  -c, --config FILE      configuration (rules, proxies, GeoIP, grace);\n"
"                         SIGHUP reloads it and the GeoIP database\n"
"      --geoip FILE       MaxMind-format country database (overrides the config)\n"
"      --csv PATH         append per-minute CSV to PATH ('-' = stdout)\n"
"      --tz ZONE          add a minute_local column to the CSV, in ZONE\n"
"                         (e.g. America/Toronto)\n"
"      --alerts-csv PATH  append one row per surge alert to PATH ('-' = stdout)\n"
"      --publish EP       bind a ZeroMQ PUB socket at EP, e.g. tcp://127.0.0.1:5556\n"
"      --snapshot EP      bind the snapshot service at EP (default: derived from\n"
"                         --publish, tcp port + 1, ipc/inproc name + .snapshot)\n"
"      --history SECONDS  minutes kept for snapshots (default 86400)\n"
"      --linger SECONDS   with -r: serve snapshots and stats that long after\n"
"                         the end of the file, then exit\n"
"      --curve-secret FILE\n"
"                         CurveZMQ: encrypt --publish and --snapshot with the\n"
"                         secret key in FILE (originstat keygen)\n"
"      --curve-allow FILE public keys of the subscribers allowed, one a line;\n"
"                         required with --curve-secret\n"
"      --sensor NAME      sensor name in published messages (default: host name)\n"
"      --max-flows N      TCP connections tracked at once (default %d)\n"
"      --head-limit BYTES longest request head kept across segments (default %d)\n"
"      --stats-interval S seconds between stats messages (default 5)\n"
"      --buffer-size MB   live capture kernel buffer (default 64)\n"
"  -u, --user USER        started as root: become USER once the capture,\n"
"                         sockets and CSV file are open\n"
"  -v, --verbose          more log messages (twice: one line per minute)\n"
"  -h, --help             this help\n"
"  -V, --version          version\n"
"\n"
"Signals: SIGHUP reloads the configuration and the GeoIP database, keeping the\n"
"counts; SIGINT and SIGTERM write the open minutes and exit.\n"
"\n"
"Exit status: 0 done, 64 usage, 65 bad capture/GeoIP data, 66 missing input,\n"
"67 no such user, 69 interface or endpoint unavailable, 70 privileges not\n"
"dropped, 73 cannot create output, 74 write error, 77 permission denied,\n"
"78 configuration error.\n",
	    FLOW_DEFAULT_MAX, FLOW_DEFAULT_HEAD);
}

static void
on_signal(int sig)
{
	quit = sig;
}

static void
on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

static long
parse_long(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		fatalx(EX_USAGE, "%s: '%s' is not a number from %ld to %ld",
		    opt, s, lo, hi);
	return v;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	enum { O_FILTER = 256, O_GEOIP, O_CSV, O_PUBLISH, O_SENSOR,
	    O_MAXFLOWS, O_HEAD, O_STATS, O_BUF, O_SNAPSHOT, O_HISTORY,
	    O_LINGER, O_ALERTS_CSV, O_TZ, O_CURVE_SECRET, O_CURVE_ALLOW };
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "geoip", required_argument, NULL, O_GEOIP },
		{ "csv", required_argument, NULL, O_CSV },
		{ "publish", required_argument, NULL, O_PUBLISH },
		{ "sensor", required_argument, NULL, O_SENSOR },
		{ "snapshot", required_argument, NULL, O_SNAPSHOT },
		{ "history", required_argument, NULL, O_HISTORY },
		{ "linger", required_argument, NULL, O_LINGER },
		{ "alerts-csv", required_argument, NULL, O_ALERTS_CSV },
		{ "tz", required_argument, NULL, O_TZ },
		{ "curve-secret", required_argument, NULL, O_CURVE_SECRET },
		{ "curve-allow", required_argument, NULL, O_CURVE_ALLOW },
		{ "max-flows", required_argument, NULL, O_MAXFLOWS },
		{ "head-limit", required_argument, NULL, O_HEAD },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "buffer-size", required_argument, NULL, O_BUF },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	flow_config_default(&o->flow);
	o->buffer_mb = 64;
	o->stats_interval = 5;
	o->history = -1;
	while ((ch = getopt_long(argc, argv, "r:i:c:u:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': o->rfile = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'c': o->config = optarg; break;
		case 'u': o->user = optarg; break;
		case O_FILTER: o->filter = optarg; break;
		case O_GEOIP: o->geoip = optarg; break;
		case O_CSV: o->csv = optarg; break;
		case O_PUBLISH: o->publish = optarg; break;
		case O_SENSOR: o->sensor = optarg; break;
		case O_SNAPSHOT: o->snapshot = optarg; break;
		case O_ALERTS_CSV: o->alerts_csv = optarg; break;
		case O_TZ: o->tz = optarg; break;
		case O_CURVE_SECRET: o->curve_secret = optarg; break;
		case O_CURVE_ALLOW: o->curve_allow = optarg; break;
		case O_HISTORY:
			o->history = parse_long("--history", optarg, 0,
			    CONFIG_HISTORY_MAX);
			break;
		case O_LINGER:
			o->linger = parse_long("--linger", optarg, 0, 86400);
			break;
		case O_MAXFLOWS:
			o->flow.max_flows = (size_t)parse_long("--max-flows",
			    optarg, 1, 1L << 26);
			break;
		case O_HEAD:
			o->flow.head_limit = (size_t)parse_long("--head-limit",
			    optarg, FLOW_MIN_HEAD, 1L << 20);
			break;
		case O_STATS:
			o->stats_interval = (double)parse_long(
			    "--stats-interval", optarg, 1, 3600);
			break;
		case O_BUF:
			o->buffer_mb = (int)parse_long("--buffer-size", optarg,
			    1, 4096);
			break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("originstatd %s\n", ORIGINSTAT_VERSION); exit(0);
		default: usage(stderr); exit(EX_USAGE);
		}
	}
	if (optind != argc)
		fatalx(EX_USAGE, "unexpected argument '%s' (see --help)",
		    argv[optind]);
	if ((o->rfile == NULL) == (o->iface == NULL))
		fatalx(EX_USAGE, "give exactly one of -r FILE or -i IFACE "
		    "(see --help)");
	if (o->publish == NULL && (o->snapshot != NULL || o->history >= 0 ||
	    o->linger > 0))
		log_warnx("--snapshot, --history and --linger need --publish; "
		    "ignored");
	if ((o->curve_secret == NULL) != (o->curve_allow == NULL))
		fatalx(EX_USAGE, "--curve-secret and --curve-allow go together "
		    "(see --help)");
	if (o->curve_secret != NULL && o->publish == NULL)
		fatalx(EX_USAGE, "--curve-secret needs --publish");
	if (o->curve_secret != NULL && !curve_available())
		fatalx(EX_UNAVAILABLE, "--curve-secret: this libzmq was built "
		    "without CurveZMQ (zmq_has(\"curve\") is false)");
	if (o->tz != NULL && o->csv == NULL)
		log_warnx("--tz is for the --csv output; ignored");
	if (o->iface != NULL && o->linger > 0) {
		log_warnx("--linger is for -r; ignored with -i");
		o->linger = 0;
	}
}

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Messages of several lines (configuration errors), one log line each. */
static void
log_lines(char *text)
{
	char *line, *next;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line != '\0')
			log_warnx("%s", line);
	}
}

static struct ruleset *
load_ruleset(const struct options *o, char *err)
{
	struct ruleset *rs;
	int status;

	err[0] = '\0';
	if ((rs = ruleset_load(o->config, o->geoip, err, ERRLEN, &status))
	    == NULL) {
		log_lines(err);
		if (status == EX_CONFIG)
			fatalx(status, "%s: configuration not loaded",
			    o->config);
		exit(status);
	}
	if (rs->geo == NULL)
		log_warnx("no GeoIP database (--geoip): every country is ZZ");
	return rs;
}

static struct capture *
open_capture(const struct options *o)
{
	char err[1024];
	struct capture *c;
	int status = 0;

	if (o->rfile != NULL)
		c = capture_open_file(o->rfile, NULL, err, sizeof(err), &status);
	else
		c = capture_open_live(o->iface, NULL, o->buffer_mb, err,
		    sizeof(err), &status);
	if (c == NULL)
		fatalx(status, "%s", err);
	return c;
}

/*
 * Apply the filter.  The default, "tcp", is widened on Ethernet to TCP
 * under VLAN tags, MPLS and GRE, which decode.c reads; where a link type
 * has no BPF support the default is left to decode.c alone.
 */
static void
set_filter(struct capture *cap, const struct options *o)
{
	const char *name = o->rfile != NULL ? o->rfile : o->iface;
	char err[1024];

	if (o->filter != NULL) {
		if (capture_set_filter(cap, name, o->filter, err,
		    sizeof(err)) < 0)
			fatalx(EX_USAGE, "--filter: %s", err);
		return;
	}
	/*
	 * A file capture.c reads itself would run the default through the
	 * BPF interpreter per packet only to drop what decode.c skips
	 * anyway.  So none: other protocols now count in not_tcp (and in
	 * packets and bytes) rather than vanishing unseen.
	 */
	if (o->rfile != NULL && capture_own_reader(cap))
		return;
	if (capture_linktype(cap) == DEC_LINK_ETHERNET &&
	    capture_set_filter(cap, name, ETHER_FILTER, err, sizeof(err)) == 0)
		return;
	if (capture_set_filter(cap, name, "tcp or proto gre", err,
	    sizeof(err)) < 0)
		log_debug("no BPF filter on link type %s: %s",
		    capture_linktype_name(cap), err);
}

static void
on_packet(void *arg, int linktype, int64_t ts_us, const uint8_t *data,
    size_t caplen, size_t wirelen)
{
	pipeline_packet(arg, linktype, ts_us, data, caplen, wirelen);
}

static void
report_stats(const struct stats *st)
{
#define STATS_LOG(name) \
	if (st->name != 0) \
		log_info("%s %llu", #name, (unsigned long long)st->name);
	STATS_FIELDS(STATS_LOG)
#undef STATS_LOG
}

/* Counters kept outside the pipeline, refreshed before each report. */
static void
refresh_stats(struct capture *cap, struct pub *pub, struct stats *st)
{
	struct rusage ru;

	capture_stats(cap, st);
	if (pub != NULL)
		pub_get_stats(pub, st);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		st->peak_rss_kb = (uint64_t)ru.ru_maxrss;
}

static void
report_summary(const struct options *o, const struct stats *st)
{
	if (o->rfile == NULL)
		return;
	log_notice("%s: %llu packets, %llu HTTP requests, %llu TLS "
	    "handshakes, %llu late, %llu clock resets, %llu decode errors, "
	    "%llu gaps; peak RSS %llu MiB", o->rfile,
	    (unsigned long long)st->packets,
	    (unsigned long long)st->http_requests,
	    (unsigned long long)st->tls_handshakes,
	    (unsigned long long)st->late_hits,
	    (unsigned long long)st->clock_resets,
	    (unsigned long long)st->decode_errors,
	    (unsigned long long)st->gaps,
	    (unsigned long long)(st->peak_rss_kb + 1023) / 1024);
	if (st->bad_time > 0)
		log_warnx("%s: %llu packets with a time stamp before 1970 or "
		    "after 9999, skipped", o->rfile,
		    (unsigned long long)st->bad_time);
}

/* STATUS= for the service manager: rates since the last one. */
static void
send_status(struct daemon *d, int64_t now)
{
	const struct stats *st = pipeline_stats(d->pl);
	uint64_t hits = st->http_requests + st->tls_handshakes;
	double dt = (double)(now - d->rate_at) / 1e6;

	if (d->notify.fd < 0)
		return;
	if (dt <= 0)
		dt = 1;
	notify_sendf(&d->notify, "STATUS=%s: %.0f packets/s, %.1f hits/s; "
	    "%llu packets, %llu hits in all",
	    d->o->rfile != NULL ? d->o->rfile : d->o->iface,
	    (double)(st->packets - d->rate_packets) / dt,
	    (double)(hits - d->rate_hits) / dt,
	    (unsigned long long)st->packets, (unsigned long long)hits);
	d->rate_at = now;
	d->rate_packets = st->packets;
	d->rate_hits = hits;
}

/*
 * SIGHUP: load and check the new configuration and database now; swap
 * them in RELOAD_DRAIN_US later (reload_commit).  Anything wrong: the
 * ones in force stay, and the log says why.
 */
static void
reload_begin(struct daemon *d)
{
	int status;

	notify_sendf(&d->notify, "RELOADING=1\nMONOTONIC_USEC=%lld\n"
	    "STATUS=reloading", (long long)mono_us());
	log_notice("SIGHUP: reloading%s%s", d->o->config != NULL ? " " : "",
	    d->o->config != NULL ? d->o->config : "");
	ruleset_free(d->pending);
	d->err[0] = '\0';
	d->pending = ruleset_load(d->o->config, d->o->geoip, d->err, ERRLEN,
	    &status);
	if (d->pending == NULL) {
		log_lines(d->err);
		log_warnx("reload failed; the configuration and GeoIP "
		    "database in force are kept");
		notify_send(&d->notify, "READY=1");
		return;
	}
	d->swap_at = mono_us() + RELOAD_DRAIN_US;
}

static void
reload_commit(struct daemon *d)
{
	struct ruleset *next = d->pending;

	d->pending = NULL;
	if (pipeline_reconfigure(d->pl, &next->cfg, next->geo) < 0) {
		log_warn("reload");
		ruleset_free(next);
	} else {
		if ((next->cfg.sensor == NULL) != (d->rs->cfg.sensor == NULL) ||
		    (next->cfg.sensor != NULL &&
		    strcmp(next->cfg.sensor, d->rs->cfg.sensor) != 0) ||
		    next->cfg.history != d->rs->cfg.history)
			log_warnx("reload: [publish] changes take effect at "
			    "the next start");
		ruleset_free(d->rs);
		d->rs = next;
		log_notice("reloaded: %zu rules, %zu classes, trusted "
		    "proxies %zu, GeoIP %s", next->cfg.nrules,
		    next->cfg.nclasses, next->cfg.ntrusted,
		    next->geo_path != NULL ? next->geo_path : "none");
	}
	notify_send(&d->notify, "READY=1");
	send_status(d, wall_us());
}

/* The database file was replaced on disk: reopen it, keep it if broken. */
static void
geo_watch(struct daemon *d)
{
	struct geo *old;

	switch (ruleset_geo_check(d->rs)) {
	case RULESET_SAME:
		d->geo_settling = 0;
		break;
	case RULESET_SETTLING:
		if (!d->geo_settling)
			log_info("%s changed on disk; opened once it settles",
			    d->rs->geo_path);
		d->geo_settling = 1;
		break;
	case RULESET_CHANGED:
		d->geo_settling = 0;
		if (ruleset_geo_reopen(d->rs, &old, d->err, ERRLEN) < 0) {
			log_warnx("%s; the GeoIP database in force is kept",
			    d->err);
			break;
		}
		pipeline_set_geo(d->pl, d->rs->geo);
		geo_free(old);
		log_notice("%s: GeoIP database reloaded", d->rs->geo_path);
		break;
	}
}

/* Watchdog, reloads, the database file: between batches of packets. */
static void
service(struct daemon *d)
{
	int64_t now = mono_us();

	if (d->notify.watchdog_us > 0 && now >= d->next_watchdog) {
		notify_send(&d->notify, "WATCHDOG=1");
		d->next_watchdog = now + d->notify.watchdog_us / 2;
	}
	if (reload) {
		reload = 0;
		reload_begin(d);
	}
	if (d->pending != NULL && now >= d->swap_at)
		reload_commit(d);
	if (d->pending == NULL && now >= d->next_geo_check) {
		geo_watch(d);
		d->next_geo_check = now + GEO_CHECK_US;
	}
	pipeline_retry(d->pl);
}

/*
 * After the end of a capture file, keep serving: snapshot requests as
 * they come, stats every --stats-interval, until --linger seconds have
 * passed or a signal.  The wait for a request is the loop's only sleep.
 */
static void
linger(struct daemon *d)
{
	const struct options *o = d->o;
	struct stats *st = pipeline_stats(d->pl);
	int64_t interval = (int64_t)(o->stats_interval * 1e6);
	int64_t now = mono_us(), end, next_stats, wake;

	log_notice("%s: end of input; serving snapshots on %s for %ld s",
	    o->rfile, pub_snapshot(d->pub), o->linger);
	end = now + (int64_t)o->linger * 1000000;
	next_stats = now + interval;
	while (!quit && (now = mono_us()) < end) {
		service(d);
		if (now >= next_stats) {
			refresh_stats(d->cap, d->pub, st);
			pub_send_stats(d->pub, st, wall_us());
			next_stats = now + interval;
		}
		wake = next_stats < end ? next_stats : end;
		if (d->notify.watchdog_us > 0 && d->next_watchdog < wake)
			wake = d->next_watchdog;
		if (wake < now + 1000)
			wake = now + 1000;
		/* Round up, so as not to spin in the last millisecond. */
		pub_poll(d->pub, (int)((wake - now + 999) / 1000));
	}
}

static void
say_stopping(struct daemon *d)
{
	notify_send(&d->notify, "STOPPING=1\nSTATUS=stopping: writing the "
	    "open minutes");
	if (quit != 0)
		log_notice("%s: stopping; the open minutes are written",
		    quit == SIGTERM ? "SIGTERM" : quit == SIGINT ? "SIGINT" :
		    "signal");
}

static int
run(struct daemon *d)
{
	const struct options *o = d->o;
	struct stats *st = pipeline_stats(d->pl);
	int64_t next_stats = wall_us(), now;
	enum capture_result r;
	int status = 0, lingering;

	d->rate_at = next_stats;
	while (!quit) {
		r = capture_dispatch(d->cap, 512, on_packet, d->pl);
		if (r == CAPTURE_EOF)
			break;
		if (r == CAPTURE_ERROR) {
			log_warnx("%s: %s; counts read so far are kept",
			    o->rfile != NULL ? o->rfile : o->iface,
			    capture_error(d->cap));
			status = EX_DATAERR;
			break;
		}
		/* Snapshot requests between batches; never waits. */
		if (d->pub != NULL)
			pub_poll(d->pub, 0);
		service(d);
		now = wall_us();
		if (o->iface != NULL)
			pipeline_tick(d->pl, now);
		if (now >= next_stats) {
			refresh_stats(d->cap, d->pub, st);
			if (d->pub != NULL)
				pub_send_stats(d->pub, st, now);
			send_status(d, now);
			next_stats = now + (int64_t)(o->stats_interval * 1e6);
		}
	}
	lingering = d->pub != NULL && o->rfile != NULL && o->linger > 0 &&
	    !quit;
	if (!lingering)
		say_stopping(d);
	pipeline_flush(d->pl);
	refresh_stats(d->cap, d->pub, st);
	if (d->pub != NULL)
		pub_send_stats(d->pub, st, wall_us());
	if (lingering) {
		linger(d);
		say_stopping(d);
	}
	return status;
}

static struct pub *
open_pub(struct options *o, const struct config *cfg, char *host,
    size_t hostcap, struct curve_server *cs)
{
	struct pub_config pc;
	struct pub *pub;
	char err[1024];
	int rc;

	if (o->sensor == NULL)
		o->sensor = cfg->sensor;
	if (o->sensor == NULL) {
		if (gethostname(host, hostcap) < 0)
			snprintf(host, hostcap, "originstatd");
		host[hostcap - 1] = '\0';
		o->sensor = host;
	}
	pub_config_default(&pc, o->publish, o->sensor);
	pc.snapshot = o->snapshot;
	pc.history_s = o->history >= 0 ? o->history : cfg->history;
	if (o->curve_secret != NULL) {
		if ((rc = curve_server_load(cs, o->curve_secret,
		    o->curve_allow, err, sizeof(err))) != 0)
			fatalx(rc, "%s", err);
		pc.curve = cs;
		log_info("CurveZMQ on, server key %s, %zu subscriber keys "
		    "allowed", cs->public, cs->allow.n);
	}
	if ((pub = pub_new(&pc, err, sizeof(err))) == NULL)
		fatalx(EX_UNAVAILABLE, "%s", err);
	/* No endpoint here: the log is checked to hold no address. */
	log_info("publishing, run %s", pub_run(pub));
	return pub;
}

/*
 * --tz: the zone must be one of the time zone database (glibc quietly takes
 * an unknown name as UTC); it becomes the process's TZ, read now, before
 * privileges are dropped.
 */
static void
set_zone(const char *zone)
{
	const char *dir = getenv("TZDIR");
	char path[PATH_MAX];
	int n;

	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	n = snprintf(path, sizeof(path), "%s/%s", dir, zone);
	if (*zone == '\0' || *zone == '/' || strstr(zone, "..") != NULL ||
	    n < 0 || (size_t)n >= sizeof(path) || access(path, R_OK) != 0)
		fatalx(EX_USAGE, "--tz: '%s' is not a time zone like "
		    "America/Toronto (see %s)", zone, dir);
	if (setenv("TZ", zone, 1) != 0)
		fatal(EX_OSERR, "setenv");
	tzset();
}

static void
set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * The key of the client-address hash behind the distinct-client sketches.
 * Sketches of small sets, published for collectors, hold these hashes, so
 * whoever knows the key can test addresses against them.  Sensors merged
 * by one collector need the same key: a deployment sets a secret one in
 * [publish] sketch_key; without it the built-in key keeps sketches
 * mergeable out of the box, and a notice says what that exposes.
 */
#define CLIENT_KEY_BUILTIN UINT64_C(0x9e3779b97f4a7c15)

static uint64_t
client_key(const struct config *cfg, int publishing)
{
	if (cfg->has_sketch_key)
		return cfg->sketch_key;
	if (publishing)
		log_notice("sketches use the built-in key: a reader of the "
		    "stream can test addresses against them; set [publish] "
		    "sketch_key (and CurveZMQ) to keep them private");
	return CLIENT_KEY_BUILTIN;
}

int
main(int argc, char **argv)
{
	struct daemon d;
	struct options o;
	struct csv_out *csv = NULL;
	struct alertcsv *acsv = NULL;
	char err[1024], host[256];
	int status;

	memset(&d, 0, sizeof(d));
	log_init("originstatd", LOG_LVL_NOTICE, -1);
	parse_args(argc, argv, &o);
	log_init("originstatd", (enum log_level)(LOG_LVL_NOTICE +
	    (o.verbose > 2 ? 2 : o.verbose)), -1);
	d.o = &o;
	if (notify_init(&d.notify, err, sizeof(err)) < 0)
		log_warnx("%s; not notifying the service manager", err);
	d.rs = load_ruleset(&o, d.err);
	d.cap = open_capture(&o);
	set_filter(d.cap, &o);
	if (o.tz != NULL && o.csv != NULL)
		set_zone(o.tz);
	if (o.csv != NULL && (csv = csv_open_local(o.csv, o.tz != NULL, err,
	    sizeof(err))) == NULL)
		fatalx(EX_CANTCREAT, "%s", err);
	if (o.alerts_csv != NULL && (acsv = alertcsv_open(o.alerts_csv, err,
	    sizeof(err))) == NULL)
		fatalx(EX_CANTCREAT, "%s", err);
	if (o.publish != NULL)
		d.pub = open_pub(&o, &d.rs->cfg, host, sizeof(host),
		    &d.curve);
	/* Everything privileged is open: the capture, sockets, the CSV. */
	if (o.user != NULL) {
		if (priv_drop(o.user, err, sizeof(err), &status) < 0)
			fatalx(status, "%s", err);
		log_info("running as %s", o.user);
	}
	if ((d.pl = pipeline_new(&d.rs->cfg, &o.flow, d.rs->geo, csv, d.pub,
	    client_key(&d.rs->cfg, o.publish != NULL))) == NULL)
		fatal(EX_OSERR, "pipeline");
	pipeline_set_alertcsv(d.pl, acsv);
	set_signals();
	notify_sendf(&d.notify, "READY=1\nSTATUS=capturing on %s",
	    o.rfile != NULL ? o.rfile : o.iface);

	status = run(&d);
	report_stats(pipeline_stats(d.pl));
	report_summary(&o, pipeline_stats(d.pl));
	if (pipeline_csv_unwritten(d.pl) > 0) {
		log_warnx("%s: %zu minutes could not be written and are lost",
		    o.csv, pipeline_csv_unwritten(d.pl));
		status = EX_IOERR;
	}
	if (csv != NULL && csv_close(csv) < 0) {
		log_warn("%s", o.csv);
		status = EX_IOERR;
	}
	if (acsv != NULL && alertcsv_close(acsv) < 0) {
		log_warn("%s", o.alerts_csv);
		status = EX_IOERR;
	}
	pipeline_free(d.pl);
	pub_free(d.pub);
	curve_server_fini(&d.curve);
	capture_close(d.cap);
	ruleset_free(d.pending);
	ruleset_free(d.rs);
	notify_fini(&d.notify);
	return status;
}

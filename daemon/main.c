/*
 * main.c - originstatd: command line, start-up, main loop, shutdown.
 *
 * Exit statuses follow sysexits(3): 0 done, 64 usage, 65 bad input data
 * (capture or GeoIP file broken; everything read before is still counted
 * and written), 66 input missing, 69 interface or endpoint unavailable,
 * 73 cannot create output, 74 output write error, 77 permission denied,
 * 78 configuration error.
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

#include "capture.h"
#include "config.h"
#include "csv.h"
#include "decode.h"
#include "flow.h"
#include "geo.h"
#include "log.h"
#include "pipeline.h"
#include "pub.h"

#define ERRLEN		8192
/*
 * What "tcp" means on Ethernet: also under VLAN tags, MPLS and GRE.  BPF's
 * "vlan" and "mpls" shift the offsets of what follows them, so they come
 * last and let every tagged frame through to decode.c.
 */
#define ETHER_FILTER	"tcp or proto gre or vlan or mpls"
#define CLIENT_HASH_SEED UINT64_C(0x9e3779b97f4a7c15)

static volatile sig_atomic_t quit;

struct options {
	const char	*rfile, *iface, *filter, *config, *geoip;
	const char	*csv, *publish, *snapshot, *sensor;
	long		 history;	/* seconds; -1: from the config */
	long		 linger;	/* seconds after the end of -r */
	int		 verbose;
	int		 buffer_mb;
	double		 stats_interval;
	struct flow_config flow;
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
"      --filter EXPR      BPF filter (default: tcp, also inside VLAN, MPLS, GRE)\n"
"  -c, --config FILE      configuration (rules, proxies, GeoIP, grace)\n"
"      --geoip FILE       MaxMind-format country database (overrides the config)\n"
"      --csv PATH         append per-minute CSV to PATH ('-' = stdout)\n"
"      --publish EP       bind a ZeroMQ PUB socket at EP, e.g. tcp://127.0.0.1:5556\n"
"      --snapshot EP      bind the snapshot service at EP (default: derived from\n"
"                         --publish, tcp port + 1, ipc/inproc name + .snapshot)\n"
"      --history SECONDS  minutes kept for snapshots (default 86400)\n"
"      --linger SECONDS   with -r: serve snapshots and stats that long after\n"
"                         the end of the file, then exit\n"
"      --sensor NAME      sensor name in published messages (default: host name)\n"
"      --max-flows N      TCP connections tracked at once (default %d)\n"
"      --head-limit BYTES longest request head kept across segments (default %d)\n"
"      --stats-interval S seconds between stats messages (default 5)\n"
"      --buffer-size MB   live capture kernel buffer (default 64)\n"
"  -v, --verbose          more log messages (twice: one line per minute)\n"
"  -h, --help             this help\n"
"  -V, --version          version\n"
"\n"
"Exit status: 0 done, 64 usage, 65 bad capture/GeoIP data, 66 missing input,\n"
"69 interface or endpoint unavailable, 73 cannot create output, 74 write error,\n"
"77 permission denied, 78 configuration error.\n",
	    FLOW_DEFAULT_MAX, FLOW_DEFAULT_HEAD);
}

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
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
	    O_LINGER };
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
		{ "max-flows", required_argument, NULL, O_MAXFLOWS },
		{ "head-limit", required_argument, NULL, O_HEAD },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "buffer-size", required_argument, NULL, O_BUF },
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
	while ((ch = getopt_long(argc, argv, "r:i:c:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': o->rfile = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'c': o->config = optarg; break;
		case O_FILTER: o->filter = optarg; break;
		case O_GEOIP: o->geoip = optarg; break;
		case O_CSV: o->csv = optarg; break;
		case O_PUBLISH: o->publish = optarg; break;
		case O_SENSOR: o->sensor = optarg; break;
		case O_SNAPSHOT: o->snapshot = optarg; break;
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

static void
load_config(const struct options *o, struct config *cfg)
{
	char *err;

	if (config_init(cfg) < 0)
		fatal(EX_OSERR, "config");
	if (o->config == NULL)
		return;
	if (access(o->config, R_OK) < 0)
		fatal(EX_NOINPUT, "%s", o->config);
	if ((err = calloc(1, ERRLEN)) == NULL)
		fatal(EX_OSERR, "config");
	if (config_load(cfg, o->config, err, ERRLEN) < 0) {
		fputs(err, stderr);
		fatalx(EX_CONFIG, "%s: configuration not loaded", o->config);
	}
	free(err);
}

static struct geo *
open_geo(const struct options *o, const struct config *cfg)
{
	const char *path = o->geoip != NULL ? o->geoip : cfg->geoip_path;
	char err[1024];
	struct geo *g;

	if (path == NULL) {
		log_warnx("no GeoIP database (--geoip): every country is ZZ");
		return NULL;
	}
	if (access(path, R_OK) < 0)
		fatal(EX_NOINPUT, "%s", path);
	if ((g = geo_open(path, cfg->geo_cache, err, sizeof(err))) == NULL)
		fatalx(EX_DATAERR, "%s", err);
	return g;
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
}

/*
 * After the end of a capture file, keep serving: snapshot requests as
 * they come, stats every --stats-interval, until --linger seconds have
 * passed or a signal.  The wait for a request is the loop's only sleep.
 */
static void
linger(struct capture *cap, struct pipeline *pl, struct pub *pub,
    const struct options *o)
{
	struct stats *st = pipeline_stats(pl);
	int64_t interval = (int64_t)(o->stats_interval * 1e6);
	int64_t now = mono_us(), end, next_stats, wake;

	log_notice("%s: end of input; serving snapshots on %s for %ld s",
	    o->rfile, pub_snapshot(pub), o->linger);
	end = now + (int64_t)o->linger * 1000000;
	next_stats = now + interval;
	while (!quit && (now = mono_us()) < end) {
		if (now >= next_stats) {
			refresh_stats(cap, pub, st);
			pub_send_stats(pub, st, wall_us());
			next_stats = now + interval;
		}
		wake = next_stats < end ? next_stats : end;
		/* Round up, so as not to spin in the last millisecond. */
		pub_poll(pub, (int)((wake - now + 999) / 1000));
	}
}

static int
run(struct capture *cap, struct pipeline *pl, struct pub *pub,
    const struct options *o)
{
	struct stats *st = pipeline_stats(pl);
	int64_t next_stats = wall_us(), now;
	enum capture_result r;
	int status = 0;

	while (!quit) {
		r = capture_dispatch(cap, 512, on_packet, pl);
		if (r == CAPTURE_EOF)
			break;
		if (r == CAPTURE_ERROR) {
			log_warnx("%s: %s; counts read so far are kept",
			    o->rfile != NULL ? o->rfile : o->iface,
			    capture_error(cap));
			status = EX_DATAERR;
			break;
		}
		/* Snapshot requests between batches; never waits. */
		if (pub != NULL)
			pub_poll(pub, 0);
		now = wall_us();
		if (o->iface != NULL)
			pipeline_tick(pl, now);
		if (now >= next_stats) {
			refresh_stats(cap, pub, st);
			if (pub != NULL)
				pub_send_stats(pub, st, now);
			next_stats = now + (int64_t)(o->stats_interval * 1e6);
		}
	}
	pipeline_flush(pl);
	refresh_stats(cap, pub, st);
	if (pub != NULL)
		pub_send_stats(pub, st, wall_us());
	if (pub != NULL && o->rfile != NULL && o->linger > 0 && !quit)
		linger(cap, pl, pub, o);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct config cfg;
	struct geo *geo;
	struct csv_out *csv = NULL;
	struct pub *pub = NULL;
	struct pub_config pc;
	struct capture *cap;
	struct pipeline *pl;
	struct sigaction sa;
	char err[1024], host[256];
	int status;

	log_init("originstatd", LOG_LVL_NOTICE, -1);
	parse_args(argc, argv, &o);
	log_init("originstatd", (enum log_level)(LOG_LVL_NOTICE +
	    (o.verbose > 2 ? 2 : o.verbose)), -1);
	load_config(&o, &cfg);
	geo = open_geo(&o, &cfg);
	cap = open_capture(&o);
	set_filter(cap, &o);
	if (o.csv != NULL && (csv = csv_open(o.csv, err, sizeof(err))) == NULL)
		fatalx(EX_CANTCREAT, "%s", err);
	if (o.publish != NULL) {
		if (o.sensor == NULL)
			o.sensor = cfg.sensor;
		if (o.sensor == NULL) {
			if (gethostname(host, sizeof(host)) < 0)
				snprintf(host, sizeof(host), "originstatd");
			host[sizeof(host) - 1] = '\0';
			o.sensor = host;
		}
		pub_config_default(&pc, o.publish, o.sensor);
		pc.snapshot = o.snapshot;
		pc.history_s = o.history >= 0 ? o.history : cfg.history;
		if ((pub = pub_new(&pc, err, sizeof(err))) == NULL)
			fatalx(EX_UNAVAILABLE, "%s", err);
		/* No endpoint here: the log is checked to hold no address. */
		log_info("publishing, run %s", pub_run(pub));
	}
	if ((pl = pipeline_new(&cfg, &o.flow, geo, csv, pub,
	    CLIENT_HASH_SEED)) == NULL)
		fatal(EX_OSERR, "pipeline");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	status = run(cap, pl, pub, &o);
	report_stats(pipeline_stats(pl));
	report_summary(&o, pipeline_stats(pl));
	if (csv != NULL && csv_close(csv) < 0) {
		log_warn("%s", o.csv);
		status = EX_IOERR;
	}
	pipeline_free(pl);
	pub_free(pub);
	capture_close(cap);
	geo_free(geo);
	config_fini(&cfg);
	return status;
}

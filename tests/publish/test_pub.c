/*
 * test_pub.c - wire format v1 over real ZeroMQ sockets on 127.0.0.1.
 *
 * The publisher binds "tcp://127.0.0.1:*" (an ephemeral port, read back
 * with pub_endpoint) and SUB sockets in the test connect to it.  ZeroMQ's
 * "slow joiner": a subscription reaches the publisher some time after
 * connect, and messages before that are not delivered to it, so each test
 * first sends stats messages until one arrives (sub_join), within a bound.
 * Payload bytes are checked exactly through json_msg_*, and field by field
 * (parsed with jansson) on the wire.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "json.h"
#include "pub.h"

#define SENSOR		"test-sensor"
#define RUN		"5f0c2a9e41b7d386"
#define MIN0		1478631600	/* 2016-11-08T19:00:00Z */
#define RECV_MS		100		/* one receive attempt */
#define JOIN_TRIES	100		/* of RECV_MS each: 10 s */

static const struct agg_row rows2[] = {
	{ 0, "eta", "CA", 10, 2, 7, NULL },
	{ 0, "eta", "MX", 12, 3, 9, NULL },
	{ 0, "eta", "US", 0, 0, 0, NULL },	/* empty: not published */
	{ 1, "immigrate", "US", 5, 0, 4, NULL },
	{ 2, "other", "FR", 0, 0, 0, NULL },	/* empty class: no counts */
};
static const struct agg_minute min2 = { MIN0, rows2, 5 };

struct msg {
	char	 topic[64];
	json_t	*json;
};

static void *
sub_new(void *ctx, struct pub *p, const char *filter)
{
	void *s;
	int ms = RECV_MS, zero = 0;

	ck_assert_ptr_nonnull(s = zmq_socket(ctx, ZMQ_SUB));
	ck_assert_int_eq(zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof(ms)), 0);
	ck_assert_int_eq(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)),
	    0);
	ck_assert_int_eq(zmq_setsockopt(s, ZMQ_SUBSCRIBE, filter,
	    strlen(filter)), 0);
	ck_assert_int_eq(zmq_connect(s, pub_endpoint(p)), 0);
	return s;
}

/* One [topic, JSON] message, or -1 after RECV_MS with nothing. */
static int
sub_recv(void *s, struct msg *m)
{
	static char buf[1 << 16];
	json_error_t jerr;
	size_t len = sizeof(int);
	int n, more = 0;

	if ((n = zmq_recv(s, m->topic, sizeof(m->topic) - 1, 0)) == -1) {
		ck_assert_int_eq(zmq_errno(), EAGAIN);
		return -1;
	}
	ck_assert_int_lt(n, (int)sizeof(m->topic));
	m->topic[n] = '\0';
	ck_assert_int_eq(zmq_getsockopt(s, ZMQ_RCVMORE, &more, &len), 0);
	ck_assert_int_eq(more, 1);
	/* Once the first part is in, the second is already there. */
	ck_assert_int_ne(n = zmq_recv(s, buf, sizeof(buf) - 1, 0), -1);
	ck_assert_int_lt(n, (int)sizeof(buf));
	buf[n] = '\0';
	ck_assert_int_eq(zmq_getsockopt(s, ZMQ_RCVMORE, &more, &len), 0);
	ck_assert_int_eq(more, 0);
	m->json = json_loads(buf, 0, &jerr);
	ck_assert_msg(m->json != NULL, "bad JSON %s: %s", buf, jerr.text);
	return 0;
}

static void
msg_fini(struct msg *m)
{
	json_decref(m->json);
	m->json = NULL;
}

/* Receive until a message arrives that is not "stats"; bounded. */
static void
sub_recv_data(void *s, struct msg *m)
{
	int tries;

	for (tries = 0; tries < JOIN_TRIES; tries++) {
		if (sub_recv(s, m) == -1)
			continue;
		if (strcmp(m->topic, "stats") != 0)
			return;
		msg_fini(m);
	}
	ck_abort_msg("no message within %d ms", JOIN_TRIES * RECV_MS);
}

/* Throw away whatever is in flight. */
static void
sub_drain(void *s)
{
	struct msg m;

	while (sub_recv(s, &m) == 0)
		msg_fini(&m);
}

/* Send stats until s gets one.  Returns the number of messages sent. */
static unsigned
sub_join(struct pub *p, void *s)
{
	struct stats st;
	struct msg m;
	unsigned sent;

	memset(&st, 0, sizeof(st));
	for (sent = 1; sent <= JOIN_TRIES; sent++) {
		pub_send_stats(p, &st, 0);
		if (sub_recv(s, &m) == 0) {
			ck_assert_str_eq(m.topic, "stats");
			msg_fini(&m);
			sub_drain(s);
			return sent;
		}
	}
	ck_abort_msg("subscriber did not join");
	return 0;
}

static json_int_t
jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

static const char *
jstr(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

/* The fields every payload starts with; run is 16 lowercase hex digits. */
static void
assert_head(const json_t *o, const char *type, json_int_t seq)
{
	const char *run;

	ck_assert_int_eq(jint(o, "v"), 1);
	ck_assert_str_eq(jstr(o, "type"), type);
	ck_assert_str_eq(jstr(o, "sensor"), SENSOR);
	ck_assert_int_eq(jint(o, "seq"), seq);
	run = jstr(o, "run");
	ck_assert_uint_eq(strlen(run), 16);
	ck_assert_uint_eq(strspn(run, "0123456789abcdef"), 16);
}

static void
assert_row(const json_t *r, const char *cc, json_int_t req, json_int_t tls,
    json_int_t clients)
{
	ck_assert_uint_eq(json_object_size(r), 4);
	ck_assert_str_eq(jstr(r, "country"), cc);
	ck_assert_int_eq(jint(r, "requests"), req);
	ck_assert_int_eq(jint(r, "tls_handshakes"), tls);
	ck_assert_int_eq(jint(r, "clients"), clients);
}

static struct pub *
pub_at(const char *endpoint, const char *sensor, char *err, size_t errcap)
{
	struct pub_config pc;

	pub_config_default(&pc, endpoint, sensor);
	return pub_new(&pc, err, errcap);
}

static struct pub *
pub_ok(void)
{
	struct pub *p;
	char err[256] = "";

	p = pub_at("tcp://127.0.0.1:*", SENSOR, err, sizeof(err));
	ck_assert_msg(p != NULL, "pub_new: %s", err);
	return p;
}

/* Exact payload bytes: the examples in docs/wire.md. */
START_TEST(test_json_exact)
{
	struct json_msg_head h = { "web1", RUN, 7 };
	char *s;

	s = json_msg_counts(&h, MIN0, rows2, 3);
	ck_assert_str_eq(s, "{\"v\":1,\"type\":\"counts\","
	    "\"sensor\":\"web1\",\"run\":\"" RUN "\",\"seq\":7,"
	    "\"minute\":\"2016-11-08T19:00:00Z\",\"minute_ts\":1478631600,"
	    "\"class\":\"eta\",\"rows\":["
	    "{\"country\":\"CA\",\"requests\":10,\"tls_handshakes\":2,"
	    "\"clients\":7},"
	    "{\"country\":\"MX\",\"requests\":12,\"tls_handshakes\":3,"
	    "\"clients\":9}]}");
	free(s);
	h.seq = 9;
	s = json_msg_minute(&h, &min2);
	ck_assert_str_eq(s, "{\"v\":1,\"type\":\"minute\","
	    "\"sensor\":\"web1\",\"run\":\"" RUN "\",\"seq\":9,"
	    "\"minute\":\"2016-11-08T19:00:00Z\",\"minute_ts\":1478631600,"
	    "\"classes\":[\"eta\",\"immigrate\"],\"requests\":27,"
	    "\"tls_handshakes\":5,\"rows\":3}");
	free(s);
	s = json_msg_snapshot_end("web1", RUN, 42, 1, MIN0, MIN0 + 60);
	ck_assert_str_eq(s, "{\"v\":1,\"type\":\"snapshot_end\","
	    "\"sensor\":\"web1\",\"run\":\"" RUN "\",\"last_seq\":42,"
	    "\"oldest_minute_ts\":1478631600,"
	    "\"newest_minute_ts\":1478631660}");
	free(s);
	s = json_msg_snapshot_end("web1", RUN, 0, 0, 0, 0);
	ck_assert_str_eq(s, "{\"v\":1,\"type\":\"snapshot_end\","
	    "\"sensor\":\"web1\",\"run\":\"" RUN "\",\"last_seq\":0,"
	    "\"oldest_minute_ts\":null,\"newest_minute_ts\":null}");
	free(s);
	s = json_msg_snapshot_error("web1", RUN, "bad_json");
	ck_assert_str_eq(s, "{\"v\":1,\"type\":\"snapshot_error\","
	    "\"sensor\":\"web1\",\"run\":\"" RUN "\","
	    "\"error\":\"bad_json\"}");
	free(s);
}
END_TEST

START_TEST(test_json_escaping)
{
	static const struct agg_row r[] = {
		{ 0, "a\"b\\c\n", "Z\"", UINT64_MAX, 1, 1, NULL },
	};
	struct json_msg_head h = { "s\xc3\xa9nsor", RUN, 1 };
	json_t *o, *row;
	char *s;

	s = json_msg_counts(&h, MIN0, r, 1);
	ck_assert_ptr_nonnull(o = json_loads(s, 0, NULL));
	ck_assert_str_eq(jstr(o, "class"), "a\"b\\c\n");
	ck_assert_str_eq(jstr(o, "sensor"), "s\xc3\xa9nsor");
	row = json_array_get(json_object_get(o, "rows"), 0);
	ck_assert_str_eq(jstr(row, "country"), "Z\"");
	/* Past INT64_MAX counters clamp, never wrap negative. */
	ck_assert_int_eq(jint(row, "requests"), INT64_MAX);
	json_decref(o);
	free(s);
	/* jansson refuses invalid UTF-8: no payload rather than a bad one. */
	h.sensor = "\xff";
	ck_assert_ptr_null(json_msg_counts(&h, MIN0, r, 1));
	ck_assert_int_eq(json_msg_string_ok("\xff"), 0);
	ck_assert_int_eq(json_msg_string_ok(NULL), 0);
	ck_assert_int_eq(json_msg_string_ok("web1"), 1);
}
END_TEST

START_TEST(test_json_stats)
{
	struct json_msg_head h = { SENSOR, RUN, 3 };
	struct stats st;
	json_t *o, *c;
	char *s;
	size_t n = 0;

	memset(&st, 0, sizeof(st));
	st.packets = 42;
	st.csv_errors = 7;
	/* 2016-11-08T19:00:05.999999Z */
	s = json_msg_stats(&h, (int64_t)MIN0 * 1000000 + 5999999, 61,
	    "tcp://127.0.0.1:5557", &st);
	ck_assert_ptr_nonnull(o = json_loads(s, 0, NULL));
	ck_assert_uint_eq(json_object_size(o), 9);
	assert_head(o, "stats", 3);
	ck_assert_str_eq(jstr(o, "run"), RUN);
	ck_assert_str_eq(jstr(o, "snapshot"), "tcp://127.0.0.1:5557");
	ck_assert_str_eq(jstr(o, "time"), "2016-11-08T19:00:05Z");
	ck_assert_int_eq(jint(o, "uptime_s"), 61);
	c = json_object_get(o, "counters");
	/* Every counter in STATS_FIELDS, and nothing else. */
#define CHECK_COUNTER(name)						\
	ck_assert_int_eq(jint(c, #name), (json_int_t)st.name);		\
	n++;
	STATS_FIELDS(CHECK_COUNTER)
#undef CHECK_COUNTER
	ck_assert_uint_eq(json_object_size(c), n);
	ck_assert_int_eq(jint(c, "packets"), 42);
	ck_assert_int_eq(jint(c, "csv_errors"), 7);
	json_decref(o);
	free(s);
	/* Before 1970, seconds round down. */
	s = json_msg_stats(&h, -1, 0, NULL, &st);
	ck_assert_ptr_nonnull(strstr(s, "\"time\":\"1969-12-31T23:59:59Z\""));
	/* No snapshot endpoint, no "snapshot" field. */
	ck_assert_ptr_null(strstr(s, "\"snapshot\""));
	free(s);
}
END_TEST

START_TEST(test_endpoint)
{
	struct pub *p = pub_ok();
	const char *ep = pub_endpoint(p);

	ck_assert_int_eq(strncmp(ep, "tcp://127.0.0.1:", 16), 0);
	ck_assert_int_gt(atoi(ep + 16), 0);
	ck_assert_ptr_null(strchr(ep, '*'));
	ck_assert_uint_eq(pub_dropped(p), 0);
	pub_free(p);
	pub_free(NULL);
}
END_TEST

/* Stats on the wire: topic, fields, seq counting from 1. */
START_TEST(test_stats_wire)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_ok();
	void *s = sub_new(ctx, p, "");
	struct stats st;
	struct msg m;
	unsigned sent;
	time_t now = time(NULL);

	sent = sub_join(p, s);
	memset(&st, 0, sizeof(st));
	st.http_requests = 12345;
	pub_send_stats(p, &st, (int64_t)now * 1000000);
	ck_assert_int_eq(sub_recv(s, &m), 0);
	ck_assert_str_eq(m.topic, "stats");
	/* sub_join's stats were seq 1 .. sent. */
	assert_head(m.json, "stats", (json_int_t)sent + 1);
	ck_assert_int_ge(jint(m.json, "uptime_s"), 0);
	ck_assert_int_le(jint(m.json, "uptime_s"), 60);
	ck_assert_int_eq(jint(json_object_get(m.json, "counters"),
	    "http_requests"), 12345);
	/* The run and the snapshot endpoint are announced. */
	ck_assert_str_eq(jstr(m.json, "run"), pub_run(p));
	ck_assert_str_eq(jstr(m.json, "snapshot"), pub_snapshot(p));
	msg_fini(&m);
	zmq_close(s);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

START_TEST(test_minute_wire)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_ok();
	void *s = sub_new(ctx, p, "");
	const json_t *rows, *cls;
	struct msg m;
	json_int_t seq;

	seq = (json_int_t)sub_join(p, s);
	pub_send_minute(p, &min2);

	sub_recv_data(s, &m);
	ck_assert_str_eq(m.topic, "counts.eta");
	ck_assert_uint_eq(json_object_size(m.json), 9);
	assert_head(m.json, "counts", ++seq);
	ck_assert_str_eq(jstr(m.json, "minute"), "2016-11-08T19:00:00Z");
	ck_assert_int_eq(jint(m.json, "minute_ts"), MIN0);
	ck_assert_str_eq(jstr(m.json, "class"), "eta");
	rows = json_object_get(m.json, "rows");
	ck_assert_uint_eq(json_array_size(rows), 2);
	assert_row(json_array_get(rows, 0), "CA", 10, 2, 7);
	assert_row(json_array_get(rows, 1), "MX", 12, 3, 9);
	msg_fini(&m);

	sub_recv_data(s, &m);
	ck_assert_str_eq(m.topic, "counts.immigrate");
	assert_head(m.json, "counts", ++seq);
	ck_assert_str_eq(jstr(m.json, "class"), "immigrate");
	rows = json_object_get(m.json, "rows");
	ck_assert_uint_eq(json_array_size(rows), 1);
	assert_row(json_array_get(rows, 0), "US", 5, 0, 4);
	msg_fini(&m);

	/* The close marker comes last; "other" had only empty rows. */
	sub_recv_data(s, &m);
	ck_assert_str_eq(m.topic, "minute");
	ck_assert_uint_eq(json_object_size(m.json), 11);
	assert_head(m.json, "minute", ++seq);
	ck_assert_str_eq(jstr(m.json, "minute"), "2016-11-08T19:00:00Z");
	ck_assert_int_eq(jint(m.json, "minute_ts"), MIN0);
	cls = json_object_get(m.json, "classes");
	ck_assert_uint_eq(json_array_size(cls), 2);
	ck_assert_str_eq(json_string_value(json_array_get(cls, 0)), "eta");
	ck_assert_str_eq(json_string_value(json_array_get(cls, 1)),
	    "immigrate");
	ck_assert_int_eq(jint(m.json, "requests"), 27);
	ck_assert_int_eq(jint(m.json, "tls_handshakes"), 5);
	ck_assert_int_eq(jint(m.json, "rows"), 3);
	msg_fini(&m);

	ck_assert_int_eq(sub_recv(s, &m), -1);
	ck_assert_uint_eq(pub_dropped(p), 0);
	zmq_close(s);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* An empty minute still sends its close marker. */
START_TEST(test_empty_minute)
{
	static const struct agg_minute empty = { MIN0 + 60, NULL, 0 };
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_ok();
	void *s = sub_new(ctx, p, "");
	struct msg m;

	sub_join(p, s);
	pub_send_minute(p, &empty);
	sub_recv_data(s, &m);
	ck_assert_str_eq(m.topic, "minute");
	ck_assert_str_eq(jstr(m.json, "minute"), "2016-11-08T19:01:00Z");
	ck_assert_uint_eq(json_array_size(json_object_get(m.json,
	    "classes")), 0);
	ck_assert_int_eq(jint(m.json, "rows"), 0);
	msg_fini(&m);
	zmq_close(s);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/*
 * ZeroMQ filters on topic prefixes: "counts.eta" also matches
 * "counts.eta_visa" (docs/wire.md says so), and nothing else.
 */
START_TEST(test_prefix_filter)
{
	static const struct agg_row rows[] = {
		{ 0, "eta", "CA", 1, 0, 1, NULL },
		{ 1, "eta_visa", "IN", 2, 0, 1, NULL },
		{ 2, "immigrate", "US", 3, 0, 1, NULL },
	};
	static const struct agg_minute m3 = { MIN0, rows, 3 };
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_ok();
	void *all = sub_new(ctx, p, "");
	void *eta = sub_new(ctx, p, "counts.eta");
	struct msg m;
	int tries;

	sub_join(p, all);
	/* eta ignores stats; join it with minutes. */
	for (tries = 0; tries < JOIN_TRIES; tries++) {
		pub_send_minute(p, &m3);
		if (sub_recv(eta, &m) == 0) {
			msg_fini(&m);
			break;
		}
	}
	ck_assert_int_lt(tries, JOIN_TRIES);
	sub_drain(eta);
	sub_drain(all);

	pub_send_minute(p, &m3);
	ck_assert_int_eq(sub_recv(eta, &m), 0);
	ck_assert_str_eq(m.topic, "counts.eta");
	ck_assert_str_eq(jstr(m.json, "class"), "eta");
	msg_fini(&m);
	ck_assert_int_eq(sub_recv(eta, &m), 0);
	ck_assert_str_eq(m.topic, "counts.eta_visa");
	msg_fini(&m);
	/* Not counts.immigrate, not minute. */
	ck_assert_int_eq(sub_recv(eta, &m), -1);

	/* The unfiltered subscriber got all four. */
	sub_recv_data(all, &m);
	ck_assert_str_eq(m.topic, "counts.eta");
	msg_fini(&m);
	sub_recv_data(all, &m);
	ck_assert_str_eq(m.topic, "counts.eta_visa");
	msg_fini(&m);
	sub_recv_data(all, &m);
	ck_assert_str_eq(m.topic, "counts.immigrate");
	msg_fini(&m);
	sub_recv_data(all, &m);
	ck_assert_str_eq(m.topic, "minute");
	msg_fini(&m);

	zmq_close(eta);
	zmq_close(all);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* Messages sent just before pub_free still go out (ZMQ_LINGER). */
START_TEST(test_linger)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_ok();
	void *s = sub_new(ctx, p, "");
	struct msg m;
	int i;

	sub_join(p, s);
	for (i = 0; i < 100; i++)
		pub_send_minute(p, &min2);
	pub_free(p);
	for (i = 0; i < 300; i++) {
		sub_recv_data(s, &m);
		msg_fini(&m);
	}
	ck_assert_int_eq(sub_recv(s, &m), -1);
	zmq_close(s);
	zmq_ctx_term(ctx);
}
END_TEST

/* Nobody listening: sends go nowhere, quickly, and are not drops. */
START_TEST(test_no_subscriber)
{
	struct pub *p = pub_ok();
	struct agg_minute m = min2;
	int i;

	for (i = 0; i < 100000; i++) {
		m.minute = MIN0 + 60 * (int64_t)i;
		pub_send_minute(p, &m);
	}
	ck_assert_uint_eq(pub_dropped(p), 0);
	pub_free(p);
}
END_TEST

/* A subscriber that stops reading: sends do not block, drops are counted. */
START_TEST(test_stuck_subscriber)
{
	static const struct agg_row one[] = {
		{ 0, "eta", "CA", 1, 0, 1, NULL },
	};
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_ok();
	void *s = sub_new(ctx, p, "");
	struct agg_minute m = { MIN0, one, 1 };
	int i;

	sub_join(p, s);
	for (i = 0; i < 100000; i++) {
		m.minute = MIN0 + 60 * (int64_t)i;
		pub_send_minute(p, &m);
	}
	ck_assert_uint_gt(pub_dropped(p), 0);
	ck_assert_uint_lt(pub_dropped(p), 200000);
	zmq_close(s);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

static void
assert_bind_fails(const char *endpoint)
{
	char err[256] = "", want[256];

	ck_assert_ptr_null(pub_at(endpoint, SENSOR, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: ", endpoint);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0 &&
	    strlen(err) > strlen(want), "message \"%s\"", err);
}

START_TEST(test_bind_fails)
{
	struct pub *p = pub_ok();
	char err[256] = "", want[256];

	assert_bind_fails("tcp://256.0.0.1:1");
	assert_bind_fails("garbage");
	assert_bind_fails("tcp://127.0.0.1:notaport");
	assert_bind_fails("nosuch://127.0.0.1:1");
	/* The port is taken. */
	ck_assert_ptr_null(pub_at(pub_endpoint(p), SENSOR, err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", pub_endpoint(p),
	    zmq_strerror(EADDRINUSE));
	ck_assert_str_eq(err, want);
	pub_free(p);
	/* A sensor name that cannot go into JSON. */
	ck_assert_ptr_null(pub_at("tcp://127.0.0.1:*", "\xff", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "sensor name missing or not UTF-8");
}
END_TEST

/* The snapshot socket has its own errors, named as such. */
START_TEST(test_snapshot_bind_fails)
{
	struct pub *p = pub_ok(), *q;
	struct pub_config pc;
	char err[256] = "", want[256];

	pub_config_default(&pc, "tcp://127.0.0.1:*", SENSOR);
	pc.snapshot = pub_snapshot(p);
	ck_assert_ptr_null(pub_new(&pc, err, sizeof(err)));
	snprintf(want, sizeof(want), "snapshot %s: %s", pub_snapshot(p),
	    zmq_strerror(EADDRINUSE));
	ck_assert_str_eq(err, want);
	/* Its own PUB socket was given back: the port can be bound again. */
	pc.snapshot = "tcp://127.0.0.1:*";
	ck_assert_ptr_nonnull(q = pub_new(&pc, err, sizeof(err)));
	ck_assert_str_ne(pub_run(p), pub_run(q));
	pub_free(q);
	/* No convention for this transport: say to give one. */
	pub_config_default(&pc, "udp://127.0.0.1:1", SENSOR);
	ck_assert_ptr_null(pub_new(&pc, err, sizeof(err)));
	pub_free(p);
}
END_TEST

static Suite *
pub_suite(void)
{
	Suite *s = suite_create("pub");
	TCase *tj = tcase_create("json");
	TCase *tw = tcase_create("wire");

	tcase_add_test(tj, test_json_exact);
	tcase_add_test(tj, test_json_escaping);
	tcase_add_test(tj, test_json_stats);
	suite_add_tcase(s, tj);

	/* Joins take up to 10 s, 100000 minutes a few more under ASan. */
	tcase_set_timeout(tw, 60);
	tcase_add_test(tw, test_endpoint);
	tcase_add_test(tw, test_stats_wire);
	tcase_add_test(tw, test_minute_wire);
	tcase_add_test(tw, test_empty_minute);
	tcase_add_test(tw, test_prefix_filter);
	tcase_add_test(tw, test_linger);
	tcase_add_test(tw, test_no_subscriber);
	tcase_add_test(tw, test_stuck_subscriber);
	tcase_add_test(tw, test_bind_fails);
	tcase_add_test(tw, test_snapshot_bind_fails);
	suite_add_tcase(s, tw);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pub_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

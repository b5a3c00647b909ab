/*
 * test_snapshot.c - the history store (snapshot.h) and the snapshot
 * service of pub.c over real ZeroMQ sockets: a DEALER client asks, the
 * publisher answers from pub_poll, which the test calls as the daemon's
 * main loop would.  Replies are compared byte for byte with what a SUB
 * socket received when the minutes were published.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "json.h"
#include "pub.h"
#include "snapshot.h"

#define SENSOR		"test-sensor"
#define MIN0		1478631600	/* 2016-11-08T19:00:00Z */
#define TRIES		2000		/* pub_poll rounds of <= 5 ms */

static const struct agg_row rows2[] = {
	{ 0, "eta", "CA", 10, 2, 7, NULL },
	{ 0, "eta", "MX", 12, 3, 9, NULL },
	{ 1, "immigrate", "US", 5, 0, 4, NULL },
};

/* One [topic, payload] message as received. */
struct raw {
	char	 topic[64];
	char	*payload;
	size_t	 len;
};

static void
raw_fini(struct raw *r)
{
	free(r->payload);
	r->payload = NULL;
}

static struct pub *
pub_hist(const char *endpoint, int64_t age, size_t bytes)
{
	struct pub_config pc;
	struct pub *p;
	char err[256] = "";

	pub_config_default(&pc, endpoint, SENSOR);
	pc.history_s = age;
	pc.history_bytes = bytes;
	p = pub_new(&pc, err, sizeof(err));
	ck_assert_msg(p != NULL, "pub_new: %s", err);
	return p;
}

static void
publish(struct pub *p, int64_t minute)
{
	struct agg_minute m = { minute, rows2, 3 };

	pub_send_minute(p, &m);
}

static void *
sock_new(void *ctx, int type, const char *endpoint)
{
	void *s;
	int ms = 5, zero = 0;

	ck_assert_ptr_nonnull(s = zmq_socket(ctx, type));
	ck_assert_int_eq(zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof(ms)), 0);
	ck_assert_int_eq(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)),
	    0);
	if (type == ZMQ_SUB)
		ck_assert_int_eq(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
	ck_assert_int_eq(zmq_connect(s, endpoint), 0);
	return s;
}

/* A message of exactly two frames, or -1 after RCVTIMEO. */
static int
raw_recv(void *s, struct raw *r)
{
	zmq_msg_t m;
	int n;

	if ((n = zmq_recv(s, r->topic, sizeof(r->topic) - 1, 0)) == -1)
		return -1;
	ck_assert_int_lt(n, (int)sizeof(r->topic));
	r->topic[n] = '\0';
	ck_assert(zmq_msg_init(&m) == 0);
	ck_assert_int_ne(zmq_msg_recv(&m, s, 0), -1);
	ck_assert_int_eq(zmq_msg_more(&m), 0);
	r->len = zmq_msg_size(&m);
	ck_assert_ptr_nonnull(r->payload = malloc(r->len + 1));
	memcpy(r->payload, zmq_msg_data(&m), r->len);
	r->payload[r->len] = '\0';
	zmq_msg_close(&m);
	return 0;
}

/* Serve the snapshot socket until d gets a message; bounded. */
static void
serve_recv(struct pub *p, void *d, struct raw *r)
{
	int i;

	for (i = 0; i < TRIES; i++) {
		pub_poll(p, 0);
		if (raw_recv(d, r) == 0)
			return;
	}
	ck_abort_msg("no reply within %d rounds", TRIES);
}

static void
request(void *d, const char *json)
{
	ck_assert_int_eq(zmq_send(d, "snapshot", 8, ZMQ_SNDMORE), 8);
	ck_assert_int_eq(zmq_send(d, json, strlen(json), 0),
	    (int)strlen(json));
}

static json_int_t
jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

/* Check a snapshot.end: last_seq and the range (0, 0: null). */
static void
assert_end(const struct pub *p, const struct raw *r, json_int_t last_seq,
    json_int_t oldest, json_int_t newest)
{
	json_t *o;

	ck_assert_str_eq(r->topic, "snapshot.end");
	ck_assert_ptr_nonnull(o = json_loads(r->payload, 0, NULL));
	ck_assert_uint_eq(json_object_size(o), 7);
	ck_assert_int_eq(jint(o, "v"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "type")),
	    "snapshot_end");
	ck_assert_str_eq(json_string_value(json_object_get(o, "sensor")),
	    SENSOR);
	ck_assert_str_eq(json_string_value(json_object_get(o, "run")),
	    pub_run(p));
	ck_assert_int_eq(jint(o, "last_seq"), last_seq);
	if (oldest == 0) {
		ck_assert(json_is_null(json_object_get(o, "oldest_minute_ts")));
		ck_assert(json_is_null(json_object_get(o, "newest_minute_ts")));
	} else {
		ck_assert_int_eq(jint(o, "oldest_minute_ts"), oldest);
		ck_assert_int_eq(jint(o, "newest_minute_ts"), newest);
	}
	json_decref(o);
}

static void
assert_error(const struct raw *r, const char *code)
{
	json_t *o;

	ck_assert_str_eq(r->topic, "snapshot.error");
	ck_assert_ptr_nonnull(o = json_loads(r->payload, 0, NULL));
	ck_assert_str_eq(json_string_value(json_object_get(o, "type")),
	    "snapshot_error");
	ck_assert_str_eq(json_string_value(json_object_get(o, "error")),
	    code);
	json_decref(o);
}

static uint64_t
stat_of(const struct pub *p, int which)
{
	struct stats st;

	memset(&st, 0, sizeof(st));
	pub_get_stats(p, &st);
	switch (which) {
	case 0: return st.snapshot_requests;
	case 1: return st.snapshot_errors;
	case 2: return st.snapshot_dropped;
	default: return st.snapshot_evicted;
	}
}

/* The store alone: visibility, commit, abort, find. */
START_TEST(test_store_basic)
{
	struct snap *s = snap_new(3600, 1 << 20);
	const struct snap_msg *m;

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(snap_count(s), 0);
	ck_assert_ptr_null(snap_get(s, 0));
	ck_assert_uint_eq(snap_find(s, 0, 0), 0);
	ck_assert_int_eq(snap_add(s, MIN0, 1, "counts.eta", "{\"a\":1}"), 0);
	ck_assert_int_eq(snap_add(s, MIN0, 2, "minute", "{}"), 0);
	/* Not visible before the commit. */
	ck_assert_uint_eq(snap_count(s), 0);
	ck_assert_uint_eq(snap_bytes(s), 10 + 7 + 6 + 2);
	snap_commit(s);
	ck_assert_uint_eq(snap_count(s), 2);
	m = snap_get(s, 0);
	ck_assert_str_eq(m->topic, "counts.eta");
	ck_assert_str_eq(m->payload, "{\"a\":1}");
	ck_assert_uint_eq(m->payload_len, 7);
	ck_assert_uint_eq(m->seq, 1);
	ck_assert_int_eq(snap_get(s, 1)->minute_ts, MIN0);
	/* An aborted minute leaves no trace. */
	ck_assert_int_eq(snap_add(s, MIN0 + 60, 3, "counts.eta", "{}"), 0);
	snap_abort(s);
	ck_assert_uint_eq(snap_count(s), 2);
	ck_assert_uint_eq(snap_bytes(s), 25);
	ck_assert_int_eq(snap_add(s, MIN0 + 60, 5, "minute", "{}"), 0);
	snap_commit(s);
	ck_assert_uint_eq(snap_find(s, 0, 0), 0);
	ck_assert_uint_eq(snap_find(s, 2, 0), 1);
	ck_assert_uint_eq(snap_find(s, 3, 0), 2);
	ck_assert_uint_eq(snap_find(s, 0, MIN0 + 1), 2);
	ck_assert_uint_eq(snap_find(s, 6, 0), 3);
	ck_assert_uint_eq(snap_evicted(s), 0);
	snap_commit(s);		/* nothing new: nothing happens */
	ck_assert_uint_eq(snap_count(s), 3);
	snap_free(s);
	snap_free(NULL);
}
END_TEST

/* Age, bytes, time going back, and a zero age: oldest minutes go. */
START_TEST(test_store_evict)
{
	struct snap *s = snap_new(300, 1 << 20);
	uint64_t seq = 0;
	int i;

	/* Ring growth past its first size, and age: 5 minutes kept. */
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(snap_add(s, MIN0 + 60 * i, ++seq, "a", "x"),
		    0);
		ck_assert_int_eq(snap_add(s, MIN0 + 60 * i, ++seq, "minute",
		    "y"), 0);
		snap_commit(s);
	}
	ck_assert_uint_eq(snap_count(s), 10);
	ck_assert_int_eq(snap_get(s, 0)->minute_ts, MIN0 + 60 * 95);
	ck_assert_uint_eq(snap_evicted(s), 95);
	ck_assert_uint_eq(snap_bytes(s), 5 * (1 + 1 + 6 + 1));
	/* Packet time went back: what was kept goes. */
	ck_assert_int_eq(snap_add(s, MIN0, ++seq, "minute", "z"), 0);
	snap_commit(s);
	ck_assert_uint_eq(snap_count(s), 1);
	ck_assert_uint_eq(snap_evicted(s), 100);
	ck_assert_uint_eq(snap_bytes(s), 7);
	snap_free(s);

	/* Bytes: 3 minutes of 20 bytes fit in 64. */
	s = snap_new(1 << 30, 64);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(snap_add(s, MIN0 + 60 * i, (uint64_t)i + 1,
		    "minute", "0123456789abcd"), 0);
		snap_commit(s);
	}
	ck_assert_uint_eq(snap_count(s), 3);
	ck_assert_uint_eq(snap_evicted(s), 7);
	ck_assert_uint_le(snap_bytes(s), 64);
	/* A minute bigger than the bound is not kept at all. */
	ck_assert_int_eq(snap_add(s, MIN0 + 6000, 99, "minute",
	    "0123456789012345678901234567890123456789012345678901234567890"),
	    0);
	snap_commit(s);
	ck_assert_uint_eq(snap_count(s), 0);
	ck_assert_uint_eq(snap_bytes(s), 0);
	snap_free(s);

	/* Age 0 keeps nothing. */
	s = snap_new(0, 1 << 20);
	ck_assert_int_eq(snap_add(s, MIN0, 1, "minute", "{}"), 0);
	snap_commit(s);
	ck_assert_uint_eq(snap_count(s), 0);
	ck_assert_uint_eq(snap_evicted(s), 1);
	snap_free(s);
}
END_TEST

START_TEST(test_endpoint_convention)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "tcp://127.0.0.1:5556", "tcp://127.0.0.1:5557" },
		{ "tcp://*:5556", "tcp://*:5557" },
		{ "tcp://[::1]:1", "tcp://[::1]:2" },
		{ "tcp://eth0;192.0.2.1:65534", "tcp://eth0;192.0.2.1:65535" },
		{ "tcp://127.0.0.1:*", "tcp://127.0.0.1:*" },
		{ "ipc:///run/originstat/pub.sock",
		    "ipc:///run/originstat/pub.sock.snapshot" },
		{ "ipc://*", "ipc://*" },
		{ "inproc://counts", "inproc://counts.snapshot" },
	};
	static const char *bad[] = {
		"tcp://127.0.0.1:65535", "tcp://127.0.0.1:", "tcp://127.0.0.1",
		"tcp://127.0.0.1:05556", "tcp://127.0.0.1:12x", "tcp://x:-1",
		"ipc://", "inproc://", "udp://127.0.0.1:1", "garbage", "",
	};
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(pub_snapshot_endpoint(ok[i].in, out,
		    sizeof(out)), 0);
		ck_assert_str_eq(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pub_snapshot_endpoint(bad[i], out,
		    sizeof(out)) == -1, "%s accepted", bad[i]);
	/* Too small for the result. */
	ck_assert_int_eq(pub_snapshot_endpoint("ipc:///a", out, 9), -1);
}
END_TEST

/* Bound for real: a fixed tcp port gets the next one; ipc works too. */
START_TEST(test_endpoint_bound)
{
	void *ctx = zmq_ctx_new(), *d;
	struct pub *p = NULL;
	struct pub_config pc;
	char ep[64], want[160], ipc[128], err[256];
	struct raw r;
	int port, tries;

	for (tries = 0; tries < 20 && p == NULL; tries++) {
		p = pub_hist("tcp://127.0.0.1:*", 3600, 1 << 20);
		port = atoi(strrchr(pub_endpoint(p), ':') + 1);
		pub_free(p);
		snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", port);
		pub_config_default(&pc, ep, SENSOR);
		p = port < 65535 ? pub_new(&pc, err, sizeof(err)) : NULL;
	}
	ck_assert_ptr_nonnull(p);
	snprintf(want, sizeof(want), "tcp://127.0.0.1:%d", port + 1);
	ck_assert_str_eq(pub_snapshot(p), want);
	d = sock_new(ctx, ZMQ_DEALER, want);
	request(d, "{\"v\":1}");
	serve_recv(p, d, &r);
	assert_end(p, &r, 0, 0, 0);
	raw_fini(&r);
	zmq_close(d);
	pub_free(p);

	snprintf(ipc, sizeof(ipc), "ipc:///tmp/test_snapshot.%d",
	    (int)getpid());
	p = pub_hist(ipc, 3600, 1 << 20);
	snprintf(want, sizeof(want), "%s.snapshot", ipc);
	ck_assert_str_eq(pub_snapshot(p), want);
	d = sock_new(ctx, ZMQ_DEALER, want);
	request(d, "{\"v\":1}");
	serve_recv(p, d, &r);
	assert_end(p, &r, 0, 0, 0);
	raw_fini(&r);
	zmq_close(d);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* Nothing published: only the end, with no range. */
START_TEST(test_snapshot_empty)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_hist("tcp://127.0.0.1:*", 86400, 1 << 20);
	void *d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	struct raw r;

	ck_assert_int_eq(pub_poll(p, 0), 0);
	request(d, "{\"v\":1}");
	serve_recv(p, d, &r);
	assert_end(p, &r, 0, 0, 0);
	raw_fini(&r);
	ck_assert_int_eq(raw_recv(d, &r), -1);
	ck_assert_uint_eq(stat_of(p, 0), 1);
	ck_assert_uint_eq(stat_of(p, 1), 0);
	zmq_close(d);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* Receive from the SUB what publishing n minutes sent, stats skipped. */
static size_t
sub_collect(void *s, struct raw *out, size_t n)
{
	size_t got = 0;
	int idle = 0;

	while (got < n && idle < 400) {
		if (raw_recv(s, &out[got]) == -1) {
			idle++;
			continue;
		}
		if (strcmp(out[got].topic, "stats") == 0)
			raw_fini(&out[got]);
		else
			got++;
	}
	return got;
}

/* Send stats until s gets one, then drain. */
static void
sub_join(struct pub *p, void *s)
{
	struct stats st;
	struct raw r;
	int i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < 400; i++) {
		pub_send_stats(p, &st, 0);
		if (raw_recv(s, &r) == 0) {
			raw_fini(&r);
			while (raw_recv(s, &r) == 0)
				raw_fini(&r);
			return;
		}
	}
	ck_abort_msg("subscriber did not join");
}

/*
 * The reply is exactly what was published, byte for byte and in order;
 * from_minute_ts picks the minutes at or after it.
 */
START_TEST(test_snapshot_replay)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_hist("tcp://127.0.0.1:*", 86400, 1 << 20);
	void *s = sock_new(ctx, ZMQ_SUB, pub_endpoint(p));
	void *d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	struct raw pubd[15], r;
	json_t *o;
	json_int_t last;
	size_t i;
	int k;

	sub_join(p, s);
	for (k = 0; k < 5; k++)
		publish(p, MIN0 + 60 * k);
	ck_assert_uint_eq(sub_collect(s, pubd, 15), 15);
	ck_assert_str_eq(pubd[14].topic, "minute");
	ck_assert_ptr_nonnull(o = json_loads(pubd[14].payload, 0, NULL));
	last = jint(o, "seq");
	ck_assert_str_eq(json_string_value(json_object_get(o, "run")),
	    pub_run(p));
	json_decref(o);

	request(d, "{\"v\":1,\"from_minute_ts\":0}");
	for (i = 0; i < 15; i++) {
		serve_recv(p, d, &r);
		ck_assert_str_eq(r.topic, pubd[i].topic);
		ck_assert_uint_eq(r.len, pubd[i].len);
		ck_assert_mem_eq(r.payload, pubd[i].payload, r.len);
		raw_fini(&r);
	}
	serve_recv(p, d, &r);
	assert_end(p, &r, last, MIN0, MIN0 + 240);
	raw_fini(&r);

	/* From minute 2 (also from any second within minute 1's end). */
	request(d, "{\"v\":1,\"from_minute_ts\":1478631661}");
	for (i = 6; i < 15; i++) {
		serve_recv(p, d, &r);
		ck_assert_str_eq(r.topic, pubd[i].topic);
		ck_assert_mem_eq(r.payload, pubd[i].payload, r.len);
		raw_fini(&r);
	}
	serve_recv(p, d, &r);
	/* The range is what is kept, whatever was asked. */
	assert_end(p, &r, last, MIN0, MIN0 + 240);
	raw_fini(&r);

	/* Past the newest: only the end.  Unknown keys are ignored. */
	request(d, "{\"from_minute_ts\":1578631600,\"v\":1,\"x\":[1]}");
	serve_recv(p, d, &r);
	assert_end(p, &r, last, MIN0, MIN0 + 240);
	raw_fini(&r);
	ck_assert_uint_eq(stat_of(p, 0), 3);
	for (i = 0; i < 15; i++)
		raw_fini(&pubd[i]);
	zmq_close(d);
	zmq_close(s);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* Age and byte bounds evict the oldest minutes, counted. */
START_TEST(test_snapshot_evict)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_hist("tcp://127.0.0.1:*", 300, 1 << 20);
	void *d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	struct raw r;
	json_t *o;
	int k, minutes = 0;

	for (k = 0; k < 10; k++)
		publish(p, MIN0 + 60 * k);
	request(d, "{\"v\":1}");
	for (;;) {
		serve_recv(p, d, &r);
		if (strcmp(r.topic, "snapshot.end") == 0)
			break;
		if (strcmp(r.topic, "minute") == 0) {
			o = json_loads(r.payload, 0, NULL);
			ck_assert_int_eq(jint(o, "minute_ts"),
			    MIN0 + 60 * (5 + minutes));
			json_decref(o);
			minutes++;
		}
		raw_fini(&r);
	}
	assert_end(p, &r, 30, MIN0 + 300, MIN0 + 540);
	raw_fini(&r);
	ck_assert_int_eq(minutes, 5);
	ck_assert_uint_eq(stat_of(p, 3), 5);
	zmq_close(d);
	pub_free(p);

	/* About 700 bytes a minute: 2000 bytes keep two. */
	p = pub_hist("tcp://127.0.0.1:*", 86400, 2000);
	d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	for (k = 0; k < 10; k++)
		publish(p, MIN0 + 60 * k);
	request(d, "{\"v\":1}");
	for (k = 0; k < 6; k++) {
		serve_recv(p, d, &r);
		ck_assert_str_ne(r.topic, "snapshot.end");
		raw_fini(&r);
	}
	serve_recv(p, d, &r);
	assert_end(p, &r, 30, MIN0 + 480, MIN0 + 540);
	raw_fini(&r);
	ck_assert_uint_eq(stat_of(p, 3), 8);
	zmq_close(d);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/*
 * A day of minutes: more than one round's worth, sent over several
 * pub_poll calls, each at most PUB_ROUND_MSGS messages; minutes published
 * while the reply is in progress are not in it (seq > last_seq).
 */
START_TEST(test_snapshot_big)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_hist("tcp://127.0.0.1:*", 86400, 64 << 20);
	void *d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	struct raw r;
	json_t *o;
	size_t got = 0;
	int k, rounds, end;

	for (k = 0; k < 1440; k++)
		publish(p, MIN0 + 60 * k);
	request(d, "{\"v\":1}");
	/* The round that takes the request sends its first slice. */
	for (rounds = 0; rounds < TRIES && pub_poll(p, 5) == 0; rounds++)
		continue;
	ck_assert_int_lt(rounds, TRIES);
	/* Without pub_poll, no more arrives: wait 200 ms of silence. */
	for (k = 0; k < 40; k++) {
		if (raw_recv(d, &r) == -1)
			continue;
		got++;
		raw_fini(&r);
		k = 0;
	}
	ck_assert_uint_gt(got, 0);
	ck_assert_uint_le(got, PUB_ROUND_MSGS);
	/* Published now: live, not part of the reply. */
	publish(p, MIN0 + 60 * 1440);
	for (rounds = 0, end = 0; rounds < TRIES && !end; rounds++) {
		pub_poll(p, 0);
		while (!end && raw_recv(d, &r) == 0) {
			if ((end = strcmp(r.topic, "snapshot.end") == 0))
				break;
			o = json_loads(r.payload, 0, NULL);
			ck_assert_int_le(jint(o, "seq"), 1440 * 3);
			json_decref(o);
			got++;
			raw_fini(&r);
		}
	}
	ck_assert(end);
	ck_assert_uint_eq(got, 1440 * 3);
	/*
	 * The new minute, a day after the first, evicted it (already sent):
	 * the range is what is kept now, of what the reply covers.
	 */
	assert_end(p, &r, 1440 * 3, MIN0 + 60, MIN0 + 60 * 1439);
	ck_assert_uint_eq(stat_of(p, 3), 1);
	raw_fini(&r);
	ck_assert_int_eq(pub_poll(p, 0), 0);
	ck_assert_uint_eq(stat_of(p, 2), 0);
	zmq_close(d);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* A client that goes away mid-reply: the reply is dropped, counted. */
START_TEST(test_snapshot_client_gone)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_hist("tcp://127.0.0.1:*", 86400, 64 << 20);
	void *d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	struct raw r;
	int k, rounds;

	for (k = 0; k < 3000; k++)
		publish(p, MIN0 + 60 * k);
	request(d, "{\"v\":1}");
	serve_recv(p, d, &r);
	raw_fini(&r);
	zmq_close(d);
	for (rounds = 0; rounds < TRIES && pub_poll(p, 5) == 1; rounds++)
		continue;
	ck_assert_int_lt(rounds, TRIES);
	ck_assert_uint_eq(stat_of(p, 0), 1);
	ck_assert_uint_eq(stat_of(p, 2), 1);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* Send frames as one message. */
static void
send_frames(void *d, const char *const *f, const size_t *len, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(zmq_send(d, f[i], len[i],
		    i + 1 < n ? ZMQ_SNDMORE : 0), (int)len[i]);
}

static void
expect_error(struct pub *p, void *d, const char *code)
{
	struct raw r;

	serve_recv(p, d, &r);
	assert_error(&r, code);
	raw_fini(&r);
}

/* Bad requests get an error message, never a crash, never a reply. */
START_TEST(test_snapshot_malformed)
{
	static const char good[] = "{\"v\":1,\"from_minute_ts\":1478631600}";
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_hist("tcp://127.0.0.1:*", 86400, 1 << 20);
	void *d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p)), *d2;
	const char *f[4];
	size_t len[4], i, errors = 0;
	char *huge;
	struct raw r;

	publish(p, MIN0);
	f[0] = "snapshot";
	len[0] = 8;
	send_frames(d, f, len, 1);
	expect_error(p, d, "bad_request");
	f[1] = "{\"v\":1}";
	len[1] = 7;
	f[2] = "";
	len[2] = 0;
	send_frames(d, f, len, 3);
	expect_error(p, d, "bad_request");
	f[0] = "snapshoT";
	send_frames(d, f, len, 2);
	expect_error(p, d, "unknown_request");
	f[0] = "";
	len[0] = 0;
	send_frames(d, f, len, 2);
	expect_error(p, d, "unknown_request");
	request(d, "{");
	expect_error(p, d, "bad_json");
	request(d, "[1]");
	expect_error(p, d, "bad_json");
	request(d, "{\"v\":1,\"v\":1}");
	expect_error(p, d, "bad_json");
	f[0] = "snapshot";
	len[0] = 8;
	f[1] = "{\"v\":1}\0x";
	len[1] = 9;
	send_frames(d, f, len, 2);
	expect_error(p, d, "bad_json");
	request(d, "{}");
	expect_error(p, d, "bad_version");
	request(d, "{\"v\":2}");
	expect_error(p, d, "bad_version");
	request(d, "{\"v\":\"1\"}");
	expect_error(p, d, "bad_version");
	request(d, "{\"v\":1,\"from_minute_ts\":-60}");
	expect_error(p, d, "bad_from_minute_ts");
	request(d, "{\"v\":1,\"from_minute_ts\":1.5}");
	expect_error(p, d, "bad_from_minute_ts");
	request(d, "{\"v\":1,\"from_minute_ts\":null}");
	expect_error(p, d, "bad_from_minute_ts");
	errors = 14;
	ck_assert_uint_eq(stat_of(p, 1), errors);
	ck_assert_uint_eq(stat_of(p, 0), 0);

	/* Every prefix of a good request: an error, or (whole) a reply. */
	for (i = 0; i <= strlen(good); i++) {
		f[1] = good;
		len[1] = i;
		send_frames(d, f, len, 2);
		serve_recv(p, d, &r);
		if (i < strlen(good)) {
			assert_error(&r, "bad_json");
			errors++;
		} else {
			ck_assert_str_eq(r.topic, "counts.eta");
			raw_fini(&r);
			serve_recv(p, d, &r);
			raw_fini(&r);
			serve_recv(p, d, &r);
			ck_assert_str_eq(r.topic, "minute");
			raw_fini(&r);
			serve_recv(p, d, &r);
			assert_end(p, &r, 3, MIN0, MIN0);
		}
		raw_fini(&r);
	}
	ck_assert_uint_eq(stat_of(p, 1), errors);

	/* Over the size limit: the connection is dropped unanswered. */
	ck_assert_ptr_nonnull(huge = malloc(1 << 20));
	memset(huge, ' ', 1 << 20);
	memcpy(huge, "{\"v\":1}", 7);
	f[1] = huge;
	len[1] = 1 << 20;
	send_frames(d, f, len, 2);
	for (i = 0; i < 100; i++) {
		pub_poll(p, 0);
		ck_assert_int_eq(raw_recv(d, &r), -1);
	}
	free(huge);
	/* The service goes on for others. */
	d2 = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	request(d2, "{\"v\":1,\"from_minute_ts\":1478631660}");
	serve_recv(p, d2, &r);
	assert_end(p, &r, 3, MIN0, MIN0);
	raw_fini(&r);
	zmq_close(d2);
	zmq_close(d);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

/* More requests at once than replies in progress: "busy", not a queue. */
START_TEST(test_snapshot_busy)
{
	void *ctx = zmq_ctx_new();
	struct pub *p = pub_hist("tcp://127.0.0.1:*", 86400, 64 << 20);
	void *d = sock_new(ctx, ZMQ_DEALER, pub_snapshot(p));
	struct raw r;
	int k, ends = 0, busy = 0, rounds;

	for (k = 0; k < 2000; k++)
		publish(p, MIN0 + 60 * k);
	for (k = 0; k < 20; k++)
		request(d, "{\"v\":1}");
	for (rounds = 0; rounds < 20 * TRIES && ends + busy < 20; rounds++) {
		pub_poll(p, 0);
		while (raw_recv(d, &r) == 0) {
			if (strcmp(r.topic, "snapshot.end") == 0)
				ends++;
			else if (strcmp(r.topic, "snapshot.error") == 0) {
				assert_error(&r, "busy");
				busy++;
			}
			raw_fini(&r);
		}
	}
	ck_assert_int_eq(ends + busy, 20);
	ck_assert_int_ge(busy, 4);
	ck_assert_int_ge(ends, 1);
	zmq_close(d);
	pub_free(p);
	zmq_ctx_term(ctx);
}
END_TEST

static Suite *
snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *ts = tcase_create("store");
	TCase *tw = tcase_create("wire");

	tcase_add_test(ts, test_store_basic);
	tcase_add_test(ts, test_store_evict);
	tcase_add_test(ts, test_endpoint_convention);
	suite_add_tcase(s, ts);

	tcase_set_timeout(tw, 60);
	tcase_add_test(tw, test_endpoint_bound);
	tcase_add_test(tw, test_snapshot_empty);
	tcase_add_test(tw, test_snapshot_replay);
	tcase_add_test(tw, test_snapshot_evict);
	tcase_add_test(tw, test_snapshot_big);
	tcase_add_test(tw, test_snapshot_client_gone);
	tcase_add_test(tw, test_snapshot_malformed);
	tcase_add_test(tw, test_snapshot_busy);
	suite_add_tcase(s, tw);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(snapshot_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

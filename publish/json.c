/*
 * json.c - payloads of wire format v1 (docs/wire.md), built with jansson.
 *
 * Objects are built with json_pack and serialised with json_dumps, never
 * printed by hand, so escaping is jansson's job.  jansson keeps keys in
 * insertion order, which is the order docs/wire.md shows.  JSON integers
 * here are signed 64-bit (json_int_t); counters past INT64_MAX, which no
 * sensor will see, are clamped rather than wrapped negative.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hll_codec.h"
#include "json.h"
#include "pub.h"

static json_int_t
json_msg_int(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

static int
json_msg_row_empty(const struct agg_row *r)
{
	return r->requests == 0 && r->tls_handshakes == 0;
}

/* secs as 2016-11-08T19:00:00Z; a time gmtime cannot take prints zeros. */
static void
json_msg_time(int64_t secs, char buf[21])
{
	struct tm tm;
	time_t t = (time_t)secs;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		snprintf(buf, 21, "%s", "0000-00-00T00:00:00Z");
}

/*
 * One row of a counts payload; the sketch, when the row has one, last.
 * NULL when memory runs out.
 */
static json_t *
json_msg_row(const struct agg_row *r)
{
	json_t *row;
	char *sk;

	row = json_pack("{s:s,s:I,s:I,s:I}",
	    "country", r->cc,
	    "requests", json_msg_int(r->requests),
	    "tls_handshakes", json_msg_int(r->tls_handshakes),
	    "clients", json_msg_int(r->clients));
	if (row == NULL || r->sketch == NULL)
		return row;
	if ((sk = hll_to_text(r->sketch)) == NULL ||
	    json_object_set_new(row, "sketch", json_string(sk)) == -1) {
		json_decref(row);
		row = NULL;
	}
	free(sk);
	return row;
}

/* Mark a collector's correction; msg is released on failure. */
static json_t *
json_msg_correction(json_t *msg, int correction)
{
	if (msg == NULL || !correction)
		return msg;
	if (json_object_set_new(msg, "correction", json_true()) == -1) {
		json_decref(msg);
		return NULL;
	}
	return msg;
}

/* Serialise and release msg (which may be NULL after a failed pack). */
static char *
json_msg_dump(json_t *msg)
{
	char *s;

	if (msg == NULL)
		return NULL;
	s = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	return s;
}

static char *
json_msg_counts_flag(const struct json_msg_head *h, int64_t minute,
    const struct agg_row *rows, size_t nrows, int correction)
{
	const struct agg_row *r;
	char ts[21];
	json_t *arr;
	size_t i;

	if (nrows == 0 || (arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < nrows; i++) {
		r = &rows[i];
		if (json_msg_row_empty(r))
			continue;
		if (json_array_append_new(arr, json_msg_row(r)) == -1) {
			json_decref(arr);
			return NULL;
		}
	}
	json_msg_time(minute, ts);
	/* "o" steals arr, also when the pack fails. */
	return json_msg_dump(json_msg_correction(json_pack("{s:i,s:s,s:s,"
	    "s:s,s:I,s:s,s:I,s:s,s:o}",
	    "v", WIRE_VERSION,
	    "type", "counts",
	    "sensor", h->sensor,
	    "run", h->run,
	    "seq", json_msg_int(h->seq),
	    "minute", ts,
	    "minute_ts", (json_int_t)minute,
	    "class", rows[0].cls_name,
	    "rows", arr), correction));
}

char *
json_msg_counts(const struct json_msg_head *h, int64_t minute,
    const struct agg_row *rows, size_t nrows)
{
	return json_msg_counts_flag(h, minute, rows, nrows, 0);
}

char *
json_msg_counts_correction(const struct json_msg_head *h, int64_t minute,
    const struct agg_row *rows, size_t nrows)
{
	return json_msg_counts_flag(h, minute, rows, nrows, 1);
}

static char *
json_msg_minute_flag(const struct json_msg_head *h,
    const struct agg_minute *m, int correction)
{
	const struct agg_row *r, *last = NULL;
	uint64_t requests = 0, tls = 0, nrows = 0;
	char ts[21];
	json_t *classes;
	size_t i;

	if ((classes = json_array()) == NULL)
		return NULL;
	for (i = 0; i < m->nrows; i++) {
		r = &m->rows[i];
		if (json_msg_row_empty(r))
			continue;
		requests += r->requests;
		tls += r->tls_handshakes;
		nrows++;
		/* Rows come sorted by class: a new class starts a run. */
		if (last != NULL && last->cls == r->cls)
			continue;
		last = r;
		if (json_array_append_new(classes,
		    json_string(r->cls_name)) == -1) {
			json_decref(classes);
			return NULL;
		}
	}
	json_msg_time(m->minute, ts);
	return json_msg_dump(json_msg_correction(json_pack("{s:i,s:s,s:s,"
	    "s:s,s:I,s:s,s:I,s:o,s:I,s:I,s:I}",
	    "v", WIRE_VERSION,
	    "type", "minute",
	    "sensor", h->sensor,
	    "run", h->run,
	    "seq", json_msg_int(h->seq),
	    "minute", ts,
	    "minute_ts", (json_int_t)m->minute,
	    "classes", classes,
	    "requests", json_msg_int(requests),
	    "tls_handshakes", json_msg_int(tls),
	    "rows", json_msg_int(nrows)), correction));
}

char *
json_msg_minute(const struct json_msg_head *h, const struct agg_minute *m)
{
	return json_msg_minute_flag(h, m, 0);
}

char *
json_msg_minute_correction(const struct json_msg_head *h,
    const struct agg_minute *m)
{
	return json_msg_minute_flag(h, m, 1);
}

/* x rounded to `places` decimals, as a JSON real. */
static json_t *
json_msg_real(double x, int places)
{
	double f = places == 3 ? 1000 : 100;

	return json_real(round(x * f) / f);
}

static json_t *
json_msg_alert_countries(const struct alert_event *ev)
{
	json_t *arr;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < ev->ncountries; i++)
		if (json_array_append_new(arr, json_pack("{s:s,s:o}",
		    "country", ev->countries[i].cc,
		    "share", json_msg_real(ev->countries[i].share, 3))) == -1) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/*
 * Rates are rounded to two decimals and shares to three, and printed
 * with 15 significant digits, so that 1.6 reads 1.6 and not the 17-digit
 * 1.6000000000000001 that round-trips the double.
 */
char *
json_msg_alert(const struct json_msg_head *h, const struct alert_event *ev)
{
	char ts[21], since[21];
	json_t *countries, *msg;
	char *s;

	if (ev->kind == ALERT_OPEN ||
	    (countries = json_msg_alert_countries(ev)) == NULL)
		return NULL;
	json_msg_time(ev->minute, ts);
	json_msg_time(ev->since, since);
	msg = json_pack("{s:i,s:s,s:s,s:s,s:I,s:s,s:I,s:s,s:s,s:I,s:o,s:o,"
	    "s:o,s:o,s:o,s:o}",
	    "v", WIRE_VERSION,
	    "type", ev->kind == ALERT_RAISED ? "alert" : "alert_cleared",
	    "sensor", h->sensor,
	    "run", h->run,
	    "seq", json_msg_int(h->seq),
	    "minute", ts,
	    "minute_ts", (json_int_t)ev->minute,
	    "class", ev->cls,
	    "since", since,
	    "since_ts", (json_int_t)ev->since,
	    "rate", json_msg_real(ev->rate, 2),
	    "mean_rate", json_msg_real(ev->mean_rate, 2),
	    "baseline", json_msg_real(ev->baseline, 2),
	    "multiple", ev->baseline > 0 ?
	    json_msg_real(ev->rate / ev->baseline, 2) : json_null(),
	    "threshold", json_msg_real(ev->threshold, 2),
	    "countries", countries);
	if (msg == NULL)
		return NULL;
	s = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(msg);
	return s;
}

char *
json_msg_stats(const struct json_msg_head *h, int64_t now_us,
    uint64_t uptime_s, const char *snapshot, const struct stats *st)
{
	char ts[21];
	json_t *counters, *msg;
	int64_t secs;

	if ((counters = json_object()) == NULL)
		return NULL;
	/* Every STATS_FIELDS counter, so new ones appear without edits here. */
#define JSON_MSG_COUNTER(name)						\
	if (json_object_set_new(counters, #name,			\
	    json_integer(json_msg_int(st->name))) == -1) {		\
		json_decref(counters);					\
		return NULL;						\
	}
	STATS_FIELDS(JSON_MSG_COUNTER)
#undef JSON_MSG_COUNTER

	/* Floor division, so times before 1970 still round down. */
	secs = now_us / 1000000;
	if (now_us % 1000000 < 0)
		secs--;
	json_msg_time(secs, ts);
	/* "snapshot" before "counters", which is last as in docs/wire.md. */
	msg = json_pack("{s:i,s:s,s:s,s:s,s:I,s:s,s:I}",
	    "v", WIRE_VERSION,
	    "type", "stats",
	    "sensor", h->sensor,
	    "run", h->run,
	    "seq", json_msg_int(h->seq),
	    "time", ts,
	    "uptime_s", json_msg_int(uptime_s));
	if (msg == NULL || (snapshot != NULL && json_object_set_new(msg,
	    "snapshot", json_string(snapshot)) == -1)) {
		json_decref(counters);
		json_decref(msg);
		return NULL;
	}
	/* set_new steals counters, also when it fails. */
	if (json_object_set_new(msg, "counters", counters) == -1) {
		json_decref(msg);
		return NULL;
	}
	return json_msg_dump(msg);
}

char *
json_msg_snapshot_end(const char *sensor, const char *run,
    uint64_t last_seq, int have_range, int64_t oldest, int64_t newest)
{
	return json_msg_dump(json_pack("{s:i,s:s,s:s,s:s,s:I,s:o,s:o}",
	    "v", WIRE_VERSION,
	    "type", "snapshot_end",
	    "sensor", sensor,
	    "run", run,
	    "last_seq", json_msg_int(last_seq),
	    "oldest_minute_ts", have_range ?
	    json_integer((json_int_t)oldest) : json_null(),
	    "newest_minute_ts", have_range ?
	    json_integer((json_int_t)newest) : json_null()));
}

char *
json_msg_snapshot_error(const char *sensor, const char *run,
    const char *error)
{
	return json_msg_dump(json_pack("{s:i,s:s,s:s,s:s,s:s}",
	    "v", WIRE_VERSION,
	    "type", "snapshot_error",
	    "sensor", sensor,
	    "run", run,
	    "error", error));
}

/*
 * The request is small and untrusted: jansson checks the syntax (RFC 8259)
 * and UTF-8, duplicate keys are refused so that no two readers could
 * disagree on it, and unknown keys are ignored (added within v1).
 */
int
json_msg_snapshot_request(const char *buf, size_t len, int64_t *from_ts,
    const char **error)
{
	json_t *req, *v, *from;
	int rc = -1;

	*from_ts = 0;
	if ((req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL || !json_is_object(req)) {
		*error = "bad_json";
		goto done;
	}
	v = json_object_get(req, "v");
	if (!json_is_integer(v) || json_integer_value(v) != WIRE_VERSION) {
		*error = "bad_version";
		goto done;
	}
	from = json_object_get(req, "from_minute_ts");
	if (from != NULL && (!json_is_integer(from) ||
	    json_integer_value(from) < 0)) {
		*error = "bad_from_minute_ts";
		goto done;
	}
	if (from != NULL)
		*from_ts = (int64_t)json_integer_value(from);
	rc = 0;
done:
	json_decref(req);
	return rc;
}

int
json_msg_string_ok(const char *s)
{
	json_t *j;

	if (s == NULL || (j = json_string(s)) == NULL)
		return 0;
	json_decref(j);
	return 1;
}

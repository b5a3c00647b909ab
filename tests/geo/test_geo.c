/*
 * test_geo.c - country lookups against the committed test databases.
 *
 * The databases in tests/data are written by scripts/make-test-mmdb.pl
 * from tests/data/geo-networks.tsv; the table-driven test below reads the
 * same file, the others spell out a few rows so that a broken table reader
 * cannot make them pass.  Files are found under $OS_SRC (default ".").
 * Damaged databases are written to $TMPDIR (default /tmp).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "geo.h"

#define ERRCAP	512

static const char *const all_dbs[] = {
	"geo-maxmind.mmdb", "geo-iplocdb.mmdb", "geo-ipinfo.mmdb",
	"geo-v4only.mmdb"
};
#define NDBS	(sizeof(all_dbs) / sizeof(all_dbs[0]))

/* Addresses in no test network. */
static const char *const unknown_addrs[] = {
	"10.0.0.1", "127.0.0.1", "198.18.0.1", "8.8.8.8", "0.0.0.0",
	"255.255.255.255", "::1", "::", "2001:db8:ff::1", "fe80::1",
	"2001:4860:4860::8888", "::ffff:10.0.0.1"
};

static void
data_path(char *buf, size_t cap, const char *name)
{
	const char *src = getenv("OS_SRC");
	int n;

	n = snprintf(buf, cap, "%s/tests/data/%s",
	    src != NULL && *src != '\0' ? src : ".", name);
	ck_assert(n > 0 && (size_t)n < cap);
}

static struct geo *
open_db(const char *name, unsigned cache)
{
	char path[4096], err[ERRCAP];
	struct geo *g;

	data_path(path, sizeof(path), name);
	g = geo_open(path, cache, err, sizeof(err));
	ck_assert_msg(g != NULL, "geo_open: %s", err);
	return g;
}

static void
parse_addr(const char *s, struct ip_addr *a)
{
	ck_assert_msg(addr_parse(s, strlen(s), a) == 0, "bad address %s", s);
}

static void
assert_cc(struct geo *g, const struct ip_addr *a, const char *want,
    const char *what)
{
	char cc[3] = "!!";

	geo_lookup(g, a, cc);
	ck_assert_msg(strcmp(cc, want) == 0, "%s: got %s, want %s", what, cc,
	    want);
}

static void
assert_lookup(struct geo *g, const char *ip, const char *want)
{
	struct ip_addr a;

	parse_addr(ip, &a);
	assert_cc(g, &a, want, ip);
}

static void
assert_all(const char *db, const char *const rows[][2], size_t n)
{
	struct geo *g = open_db(db, 0);
	size_t i;

	for (i = 0; i < n; i++)
		assert_lookup(g, rows[i][0], rows[i][1]);
	geo_free(g);
}

/* Tmp file holding len bytes of buf; the name is written to path. */
static void
write_tmp(char *path, size_t cap, const void *buf, size_t len)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd, n;

	n = snprintf(path, cap, "%s/test_geo.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	ck_assert(n > 0 && (size_t)n < cap);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "wb"));
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static unsigned char *
read_file(const char *name, size_t *len)
{
	char path[4096];
	unsigned char *buf;
	FILE *f;
	long n;

	data_path(path, sizeof(path), name);
	ck_assert_ptr_nonnull(f = fopen(path, "rb"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_gt(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* geo_open must fail and name the file; never crash. */
static void
assert_open_fails(const char *path)
{
	char err[ERRCAP];
	struct geo *g;

	memset(err, 'x', sizeof(err));
	g = geo_open(path, 16, err, sizeof(err));
	ck_assert_msg(g == NULL, "%s opened", path);
	ck_assert_msg(memchr(err, '\0', sizeof(err)) != NULL, "no NUL");
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0 &&
	    strncmp(err + strlen(path), ": ", 2) == 0 &&
	    strlen(err) > strlen(path) + 2, "err \"%s\"", err);
}

/* Open a damaged copy: if it opens at all, every answer is a code. */
static void
probe_damaged(const unsigned char *buf, size_t len)
{
	static const char *const probes[] = {
		"198.51.100.1", "198.51.100.200", "203.0.113.7", "192.0.2.1",
		"192.0.2.70", "192.0.2.130", "192.0.2.230", "10.0.0.1",
		"2001:db8:1::1", "2001:db8:3::1", "::1", "::ffff:192.0.2.1"
	};
	char path[4096], err[ERRCAP], cc[3];
	struct ip_addr a;
	struct geo *g;
	size_t i;

	write_tmp(path, sizeof(path), buf, len);
	g = geo_open(path, 4, err, sizeof(err));
	if (g != NULL) {
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			parse_addr(probes[i], &a);
			geo_lookup(g, &a, cc);
			ck_assert(cc[0] >= 'A' && cc[0] <= 'Z' &&
			    cc[1] >= 'A' && cc[1] <= 'Z' && cc[2] == '\0');
		}
		geo_free(g);
	} else
		ck_assert(strncmp(err, path, strlen(path)) == 0);
	unlink(path);
}

START_TEST(test_maxmind)
{
	static const char *const rows[][2] = {
		{ "198.51.100.0", "US" }, { "198.51.100.127", "US" },
		{ "198.51.100.128", "CA" }, { "198.51.100.255", "CA" },
		{ "203.0.113.1", "MX" }, { "192.0.2.1", "DE" },
		{ "2001:db8:1::1", "FR" }, { "2001:db8:1:ffff::1", "FR" },
		{ "2001:db8:2::1", "GB" },
	};

	assert_all("geo-maxmind.mmdb", rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

START_TEST(test_iplocdb)
{
	static const char *const rows[][2] = {
		{ "198.51.100.1", "US" }, { "198.51.100.200", "CA" },
		{ "203.0.113.200", "MX" }, { "192.0.2.63", "DE" },
		{ "192.0.2.64", "JP" }, { "2001:db8:1::", "FR" },
		{ "2001:db8:2::1", "GB" }, { "2001:db8:3::1", "BR" },
	};

	assert_all("geo-iplocdb.mmdb", rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

START_TEST(test_ipinfo)
{
	static const char *const rows[][2] = {
		{ "198.51.100.1", "US" }, { "198.51.100.129", "CA" },
		{ "203.0.113.0", "MX" }, { "192.0.2.5", "DE" },
		{ "192.0.2.127", "JP" }, { "2001:db8:1::5", "FR" },
		{ "2001:db8:3:1::1", "BR" },
	};

	assert_all("geo-ipinfo.mmdb", rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

/* country wins over registered_country; registered_country alone is used. */
START_TEST(test_registered_fallback)
{
	static const char *const rows[][2] = {
		{ "203.0.113.9", "MX" },	/* registered_country US */
		{ "2001:db8:2::9", "GB" },	/* registered_country IE */
		{ "192.0.2.100", "JP" },	/* only registered_country */
		{ "2001:db8:3::9", "BR" },	/* only registered_country */
	};

	assert_all("geo-maxmind.mmdb", rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

/* "nl" is upper-cased; "USA", "1A", "é" (2 bytes) and "Z" are refused. */
START_TEST(test_bad_values)
{
	static const char *const rows[][2] = {
		{ "192.0.2.130", "NL" }, { "192.0.2.170", "ZZ" },
		{ "192.0.2.200", "ZZ" }, { "192.0.2.230", "ZZ" },
		{ "2001:db8:4::1", "ZZ" },
	};
	size_t i;

	for (i = 0; i < 3; i++)
		assert_all(all_dbs[i], rows,
		    sizeof(rows) / sizeof(rows[0]));
}
END_TEST

START_TEST(test_unknown)
{
	struct geo_stats st;
	struct geo *g;
	size_t i, n = sizeof(unknown_addrs) / sizeof(unknown_addrs[0]);

	g = open_db(all_dbs[_i], 0);
	for (i = 0; i < n; i++)
		assert_lookup(g, unknown_addrs[i], "ZZ");
	geo_get_stats(g, &st);
	ck_assert_uint_eq(st.lookups, n);
	ck_assert_uint_eq(st.not_found, n);
	ck_assert_uint_eq(st.errors, 0);
	ck_assert_uint_eq(st.cache_hits, 0);
	geo_free(g);
}
END_TEST

/* A v4-mapped address is found whether the writer aliased ::ffff:0:0/96. */
START_TEST(test_v4_mapped)
{
	struct ip_addr a;
	static const uint8_t v4[4] = { 198, 51, 100, 250 };
	struct geo *g = open_db(all_dbs[_i], 0);

	addr_from_v4(&a, v4);
	ck_assert(addr_is_v4(&a));
	assert_cc(g, &a, "CA", "addr_from_v4 198.51.100.250");
	assert_lookup(g, "::ffff:203.0.113.1", "MX");
	geo_free(g);
}
END_TEST

START_TEST(test_v4only_v6_query)
{
	struct geo_stats st;
	struct geo *g = open_db("geo-v4only.mmdb", 0);

	assert_lookup(g, "2001:db8:1::1", "ZZ");
	assert_lookup(g, "2001:db8:3::1", "ZZ");
	assert_lookup(g, "::ffff:198.51.100.1", "US");
	assert_lookup(g, "198.51.100.128", "CA");
	geo_get_stats(g, &st);
	ck_assert_uint_eq(st.lookups, 4);
	ck_assert_uint_eq(st.not_found, 2);
	ck_assert_uint_eq(st.errors, 0);
	geo_free(g);
}
END_TEST

/* Parse one table line into net, cc and notes; 0, or -1 to skip it. */
static int
table_row(char *line, struct cidr *c, char cc[3], const char **notes)
{
	char *net, *tab1, *tab2;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return -1;
	net = line;
	ck_assert_ptr_nonnull(tab1 = strchr(net, '\t'));
	ck_assert_ptr_nonnull(tab2 = strchr(tab1 + 1, '\t'));
	ck_assert_msg(tab2 - tab1 == 3, "country in \"%s\"", line);
	ck_assert_msg(cidr_parse(net, (size_t)(tab1 - net), c) == 0,
	    "network in \"%s\"", line);
	memcpy(cc, tab1 + 1, 2);
	cc[2] = '\0';
	*notes = tab2 + 1;
	return 0;
}

/* First, second and last address of c. */
static void
cidr_probes(const struct cidr *c, struct ip_addr out[3])
{
	unsigned bit;

	out[0] = out[1] = out[2] = c->net;
	for (bit = c->bits; bit < 128; bit++)
		out[2].a[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	out[1].a[15] |= 1;
}

/* Every row of geo-networks.tsv, first/second/last address, every db. */
START_TEST(test_table)
{
	char path[4096], line[512], cc[3], what[600];
	struct ip_addr probe[3];
	struct geo *g[NDBS];
	const char *notes, *want;
	struct cidr c;
	size_t i, j, rows = 0;
	FILE *f;

	for (i = 0; i < NDBS; i++)
		g[i] = open_db(all_dbs[i], 64);
	data_path(path, sizeof(path), "geo-networks.tsv");
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (table_row(line, &c, cc, &notes) == -1)
			continue;
		rows++;
		cidr_probes(&c, probe);
		for (i = 0; i < NDBS; i++) {
			want = i == NDBS - 1 && !addr_is_v4(&c.net) ?
			    "ZZ" : cc;
			for (j = 0; j < 3; j++) {
				snprintf(what, sizeof(what), "%s %s #%zu",
				    all_dbs[i], line, j);
				assert_cc(g[i], &probe[j], want, what);
			}
		}
	}
	fclose(f);
	ck_assert_uint_ge(rows, 12);
	for (i = 0; i < NDBS; i++)
		geo_free(g[i]);
}
END_TEST

START_TEST(test_cache_hit)
{
	struct geo_stats st;
	struct geo *g = open_db("geo-maxmind.mmdb", 5);

	assert_lookup(g, "198.51.100.1", "US");
	assert_lookup(g, "198.51.100.1", "US");
	assert_lookup(g, "10.1.2.3", "ZZ");
	assert_lookup(g, "10.1.2.3", "ZZ");
	assert_lookup(g, "198.51.100.1", "US");
	geo_get_stats(g, &st);
	ck_assert_uint_eq(st.lookups, 5);
	ck_assert_uint_ge(st.cache_hits, 2);
	ck_assert_uint_le(st.cache_hits, 3);
	ck_assert_uint_eq(st.not_found, 2);
	ck_assert_uint_eq(st.errors, 0);
	geo_free(g);
}
END_TEST

/*
 * A tiny cache sees many collisions: the cached answers must equal those
 * of an uncached handle for every address, however slots are reused.  The
 * second of two lookups in a row always hits.
 */
START_TEST(test_cache_consistent)
{
	static const uint8_t nets[][3] = {
		{ 198, 51, 100 }, { 203, 0, 113 }, { 192, 0, 2 }, { 10, 0, 0 }
	};
	struct geo *cached = open_db("geo-iplocdb.mmdb", 4);
	struct geo *plain = open_db("geo-iplocdb.mmdb", 0);
	struct geo_stats st;
	struct ip_addr a;
	uint8_t v4[4];
	char want[3], got[3];
	unsigned round, n, h;

	for (round = 0; round < 3; round++) {
		for (n = 0; n < 4; n++) {
			for (h = 0; h < 256; h += 3) {
				memcpy(v4, nets[n], 3);
				v4[3] = (uint8_t)h;
				addr_from_v4(&a, v4);
				geo_lookup(plain, &a, want);
				geo_lookup(cached, &a, got);
				ck_assert_str_eq(got, want);
				geo_lookup(cached, &a, got);
				ck_assert_str_eq(got, want);
			}
		}
	}
	geo_get_stats(cached, &st);
	ck_assert_uint_eq(st.lookups, 2 * 3 * 4 * 86);
	ck_assert_uint_ge(st.cache_hits, 3 * 4 * 86);
	ck_assert_uint_lt(st.cache_hits, 2 * 3 * 4 * 86);
	geo_get_stats(plain, &st);
	ck_assert_uint_eq(st.cache_hits, 0);
	geo_free(cached);
	geo_free(plain);
}
END_TEST

/*
 * geo_lookup_hashed trusts the caller's hash only to pick a slot: with
 * every address given the same hash (one slot for all) or a hash that
 * changes between lookups of one address, answers stay those of an
 * uncached handle, and only a lookup that finds its own address in the
 * slot counts as a hit.
 */
START_TEST(test_cache_hashed)
{
	struct geo *cached = open_db("geo-iplocdb.mmdb", 64);
	struct geo *plain = open_db("geo-iplocdb.mmdb", 0);
	struct geo_stats st;
	struct ip_addr a;
	uint8_t v4[4] = { 198, 51, 100, 0 };
	char want[3], got[3];
	unsigned h;

	for (h = 0; h < 256; h++) {
		v4[0] = h % 2 ? 198 : 203;
		v4[2] = h % 2 ? 100 : 113;
		v4[3] = (uint8_t)h;
		addr_from_v4(&a, v4);
		geo_lookup(plain, &a, want);
		geo_lookup_hashed(cached, &a, 0, got);
		ck_assert_str_eq(got, want);
		geo_lookup_hashed(cached, &a, 0, got);	/* same slot: hit */
		ck_assert_str_eq(got, want);
		geo_lookup_hashed(cached, &a, h + 1, got);
		ck_assert_str_eq(got, want);
		geo_lookup_hashed(cached, &a, ~(uint64_t)0 - h, got);
		ck_assert_str_eq(got, want);
	}
	geo_get_stats(cached, &st);
	ck_assert_uint_eq(st.lookups, 4 * 256);
	/* The second lookup of each address hits; the others may. */
	ck_assert_uint_ge(st.cache_hits, 256);
	ck_assert_uint_le(st.cache_hits, 3 * 256);
	geo_free(cached);
	geo_free(plain);
}
END_TEST

/* A large cache keeps what fits: the second pass is all hits. */
START_TEST(test_cache_large)
{
	struct geo *g = open_db("geo-ipinfo.mmdb", 4096);
	struct geo_stats st;
	struct ip_addr a;
	uint8_t v4[4] = { 198, 51, 100, 0 };
	char cc[3];
	unsigned pass, h, hits;

	for (pass = 0; pass < 2; pass++)
		for (h = 0; h < 256; h++) {
			v4[3] = (uint8_t)h;
			addr_from_v4(&a, v4);
			geo_lookup(g, &a, cc);
			ck_assert_str_eq(cc, h < 128 ? "US" : "CA");
		}
	geo_get_stats(g, &st);
	/* Collisions in a 4096-slot table may evict a few of 256. */
	hits = (unsigned)st.cache_hits;
	ck_assert_uint_ge(hits, 200);
	ck_assert_uint_le(hits, 256);
	geo_free(g);
}
END_TEST

START_TEST(test_open_missing)
{
	char path[4096], err[ERRCAP];

	data_path(path, sizeof(path), "no-such-file.mmdb");
	assert_open_fails(path);
	ck_assert_ptr_null(geo_open(path, 0, err, sizeof(err)));
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	/* A short or absent buffer is not overrun. */
	memset(err, 'x', sizeof(err));
	ck_assert_ptr_null(geo_open(path, 0, err, 8));
	ck_assert_uint_eq(strlen(err), 7);
	ck_assert_int_eq(err[8], 'x');
	ck_assert_ptr_null(geo_open(path, 0, NULL, 0));
	assert_open_fails("/");
}
END_TEST

START_TEST(test_open_empty)
{
	char path[4096];

	write_tmp(path, sizeof(path), "", 0);
	assert_open_fails(path);
	unlink(path);
}
END_TEST

START_TEST(test_open_random)
{
	unsigned char buf[4096];
	char path[4096];
	unsigned seed = 12345;
	size_t i, len;

	for (len = 1; len <= sizeof(buf); len *= 4) {
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)(seed >> 16);
		}
		write_tmp(path, sizeof(path), buf, len);
		assert_open_fails(path);
		unlink(path);
	}
}
END_TEST

/* Every proper prefix of every test database is refused. */
START_TEST(test_open_truncated)
{
	unsigned char *db;
	char path[4096];
	size_t len, cut;

	db = read_file(all_dbs[_i], &len);
	for (cut = 0; cut < len; cut++) {
		write_tmp(path, sizeof(path), db, cut);
		assert_open_fails(path);
		unlink(path);
	}
	free(db);
}
END_TEST

/* libmaxminddb already refuses these; geo_open must too. */
START_TEST(test_open_bad_metadata)
{
	unsigned char *db;
	char path[4096];
	size_t len, i;

	db = read_file("geo-iplocdb.mmdb", &len);
	for (i = len - 13; i > 0; i--)
		if (memcmp(db + i, "ip_version", 10) == 0)
			break;
	ck_assert_uint_gt(i, 0);
	ck_assert_int_eq(db[i + 11], 6);	/* uint16 6, one byte */
	db[i + 11] = 5;
	write_tmp(path, sizeof(path), db, len);
	assert_open_fails(path);
	unlink(path);
	db[i + 11] = 6;
	for (i = len - 13; i > 0; i--)
		if (memcmp(db + i, "database_type", 13) == 0)
			break;
	ck_assert_uint_gt(i, 0);
	db[i + 12] = 'X';
	write_tmp(path, sizeof(path), db, len);
	assert_open_fails(path);
	unlink(path);
	free(db);
}
END_TEST

/* Each byte replaced by 0x00, 0xff, and with its low and high bit flipped. */
START_TEST(test_corrupt_bytes)
{
	unsigned char *db, orig;
	unsigned char vals[4];
	size_t len, pos, v;

	db = read_file(all_dbs[_i], &len);
	for (pos = 0; pos < len; pos++) {
		orig = db[pos];
		vals[0] = 0x00;
		vals[1] = 0xff;
		vals[2] = orig ^ 0x01;
		vals[3] = orig ^ 0x80;
		for (v = 0; v < 4; v++) {
			db[pos] = vals[v];
			probe_damaged(db, len);
		}
		db[pos] = orig;
	}
	free(db);
}
END_TEST

static Suite *
geo_suite(void)
{
	Suite *s = suite_create("geo");
	TCase *tc = tcase_create("lookup");
	TCase *tf = tcase_create("files");

	tcase_add_test(tc, test_maxmind);
	tcase_add_test(tc, test_iplocdb);
	tcase_add_test(tc, test_ipinfo);
	tcase_add_test(tc, test_registered_fallback);
	tcase_add_test(tc, test_bad_values);
	tcase_add_loop_test(tc, test_unknown, 0, (int)NDBS);
	tcase_add_loop_test(tc, test_v4_mapped, 0, (int)NDBS);
	tcase_add_test(tc, test_v4only_v6_query);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_cache_hit);
	tcase_add_test(tc, test_cache_consistent);
	tcase_add_test(tc, test_cache_large);
	tcase_add_test(tc, test_cache_hashed);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tf, 120);
	tcase_add_test(tf, test_open_missing);
	tcase_add_test(tf, test_open_empty);
	tcase_add_test(tf, test_open_random);
	tcase_add_loop_test(tf, test_open_truncated, 0, (int)NDBS);
	tcase_add_test(tf, test_open_bad_metadata);
	tcase_add_loop_test(tf, test_corrupt_bytes, 0, (int)NDBS);
	suite_add_tcase(s, tf);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(geo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * addr.c - IP addresses and CIDR prefixes.
 *
 * The parsers work on (pointer, length) and are deliberately stricter than
 * inet_pton(3): they need no NUL, reject leading zeros in IPv4 parts (which
 * some resolvers read as octal, so "010.0.0.1" is ambiguous) and accept no
 * zone identifiers.  Their input is header text from the network.
 */
#include <string.h>

#include "addr.h"

#define ADDR_V6_MAXLEN	45	/* "ffff:...:ffff:255.255.255.255" */
#define ADDR_V4_MAXLEN	15	/* "255.255.255.255" */

static const uint8_t addr_v4_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * Two 8-byte stores, the second made in a register: this runs for every
 * IPv4 packet, and the flow table reads the address back right away as
 * two 8-byte words, which the CPU can forward from stores of that width
 * only.
 */
void
addr_from_v4(struct ip_addr *a, const uint8_t v4[4])
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t lo = 0, hi;
	uint32_t v;

	memcpy(&v, v4, 4);
	hi = 0xffff0000ULL | (uint64_t)v << 32;	/* 00 00 ff ff v4 */
	memcpy(a->a, &lo, 8);
	memcpy(a->a + 8, &hi, 8);
#else
	memcpy(a->a, addr_v4_prefix, sizeof(addr_v4_prefix));
	memcpy(a->a + 12, v4, 4);
#endif
}

void
addr_from_v6(struct ip_addr *a, const uint8_t v6[16])
{
	memcpy(a->a, v6, 16);
}

bool
addr_is_v4(const struct ip_addr *a)
{
	return memcmp(a->a, addr_v4_prefix, sizeof(addr_v4_prefix)) == 0;
}

bool
addr_equal(const struct ip_addr *x, const struct ip_addr *y)
{
	return memcmp(x->a, y->a, 16) == 0;
}

static int
addr_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Dotted quad, RFC 3986 section 3.2.2 "dec-octet": exactly four parts of
 * 1..3 digits, value 0..255, no leading zero except "0" itself.
 */
static int
addr_parse_v4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0, part, digits;
	unsigned v;

	if (n < 7 || n > ADDR_V4_MAXLEN)
		return -1;
	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		v = 0;
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9';
		    digits++, i++) {
			if (digits == 3)
				return -1;
			if (digits == 1 && v == 0)
				return -1;	/* leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		if (digits == 0 || v > 255)
			return -1;
		out[part] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

/*
 * Read one group of 1..4 hex digits at s[*i].  Returns the value, or -1
 * when there is no digit.  Stops at the first non-hex byte or after four
 * digits; the caller checks what follows.
 */
static long
addr_v6_group(const char *s, size_t n, size_t *i)
{
	long v = 0;
	size_t d;
	int h;

	for (d = 0; d < 4 && *i < n && (h = addr_hexval(s[*i])) >= 0;
	    d++, (*i)++)
		v = v * 16 + h;
	return d == 0 ? -1 : v;
}

/*
 * Text form of RFC 4291 section 2.2: eight groups of 1..4 hex digits, at
 * most one "::" standing for one or more zero groups, and optionally the
 * last 32 bits as a dotted quad.  No zone identifier (RFC 6874).
 */
static int
addr_parse_v6(const char *s, size_t n, uint8_t out[16])
{
	uint8_t buf[16];
	size_t i = 0, k = 0, gap = 0, start;
	bool has_gap = false;
	long g;

	if (n < 2 || n > ADDR_V6_MAXLEN)
		return -1;
	memset(buf, 0, sizeof(buf));
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		has_gap = true;
		i = 2;
	}
	while (i < n) {
		start = i;
		if ((g = addr_v6_group(s, n, &i)) < 0)
			return -1;
		if (i < n && s[i] == '.') {
			/* Embedded IPv4: must be the rest of the text. */
			if (k > 12 || addr_parse_v4(s + start, n - start,
			    buf + k) == -1)
				return -1;
			k += 4;
			i = n;
			break;
		}
		if (k > 14)
			return -1;
		buf[k++] = (uint8_t)(g >> 8);
		buf[k++] = (uint8_t)g;
		if (i == n)
			break;
		if (s[i++] != ':' || i == n)
			return -1;	/* bad byte or trailing single ':' */
		if (s[i] == ':') {
			if (has_gap)
				return -1;
			has_gap = true;
			gap = k;
			i++;
		}
	}
	if (!has_gap && k != 16)
		return -1;
	if (has_gap) {
		if (k > 14)
			return -1;	/* "::" must stand for >= 1 group */
		memset(out, 0, 16);
		memcpy(out, buf, gap);
		memcpy(out + 16 - (k - gap), buf + gap, k - gap);
	} else
		memcpy(out, buf, 16);
	return 0;
}

static bool
addr_has_colon(const char *s, size_t n)
{
	return memchr(s, ':', n) != NULL;
}

int
addr_parse(const char *s, size_t n, struct ip_addr *out)
{
	uint8_t b[16];

	if (s == NULL || n == 0)
		return -1;
	if (!addr_has_colon(s, n)) {
		if (addr_parse_v4(s, n, b) == -1)
			return -1;
		addr_from_v4(out, b);
		return 0;
	}
	if (addr_parse_v6(s, n, b) == -1)
		return -1;
	addr_from_v6(out, b);
	return 0;
}

/* Keep the first bits bits of a, clear the rest. */
static void
addr_mask(struct ip_addr *a, unsigned bits)
{
	size_t i;

	for (i = 0; i < 16; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a->a[i] &= (uint8_t)(0xff00u >> bits);
			bits = 0;
		}
	}
}

/* Prefix length: 1..3 decimal digits, no leading zero, at most max. */
static int
cidr_parse_bits(const char *s, size_t n, unsigned max, unsigned *bits)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*bits = v;
	return 0;
}

int
cidr_parse(const char *s, size_t n, struct cidr *out)
{
	const char *slash;
	size_t alen;
	unsigned bits, max, base;
	struct ip_addr a;

	if (s == NULL || n == 0)
		return -1;
	slash = memchr(s, '/', n);
	alen = slash != NULL ? (size_t)(slash - s) : n;
	if (addr_parse(s, alen, &a) == -1)
		return -1;
	/* The family is the one written: "::ffff:0:0/96" is IPv6. */
	if (addr_has_colon(s, alen)) {
		max = 128;
		base = 0;
	} else {
		max = 32;
		base = 96;
	}
	if (slash == NULL)
		bits = max;
	else if (cidr_parse_bits(slash + 1, n - alen - 1, max, &bits) == -1)
		return -1;
	bits += base;
	addr_mask(&a, bits);
	out->net = a;
	out->bits = (uint8_t)bits;
	return 0;
}

bool
cidr_contains(const struct cidr *c, const struct ip_addr *a)
{
	struct ip_addr m = *a;

	addr_mask(&m, c->bits);
	return addr_equal(&m, &c->net);
}

/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of the 16 address bytes,
 * keyed with (seed, seed ^ constant): fast, well mixed, and an outsider
 * who does not know the seed cannot aim addresses at one bucket.
 */
#define SIP_ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/*
 * A macro over four locals rather than a function over a struct: the
 * compiler then keeps the state in registers (addr_hash runs for every
 * request and handshake).
 */
#define SIP_ROUND(v0, v1, v2, v3) do {					\
	(v0) += (v1); (v1) = SIP_ROTL((v1), 13); (v1) ^= (v0);		\
	(v0) = SIP_ROTL((v0), 32);					\
	(v2) += (v3); (v3) = SIP_ROTL((v3), 16); (v3) ^= (v2);		\
	(v0) += (v3); (v3) = SIP_ROTL((v3), 21); (v3) ^= (v0);		\
	(v2) += (v1); (v1) = SIP_ROTL((v1), 17); (v1) ^= (v2);		\
	(v2) = SIP_ROTL((v2), 32);					\
} while (0)

#define SIP_BLOCK(v0, v1, v2, v3, m) do {				\
	(v3) ^= (m);							\
	SIP_ROUND(v0, v1, v2, v3);					\
	SIP_ROUND(v0, v1, v2, v3);					\
	(v0) ^= (m);							\
} while (0)

static uint64_t
sip_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
addr_hash(const struct ip_addr *a, uint64_t seed)
{
	uint64_t k0 = seed, k1 = seed ^ 0x9e3779b97f4a7c15ULL;
	uint64_t v0, v1, v2, v3, m;

	v0 = k0 ^ 0x736f6d6570736575ULL;
	v1 = k1 ^ 0x646f72616e646f6dULL;
	v2 = k0 ^ 0x6c7967656e657261ULL;
	v3 = k1 ^ 0x7465646279746573ULL;
	m = sip_le64(a->a);
	SIP_BLOCK(v0, v1, v2, v3, m);
	m = sip_le64(a->a + 8);
	SIP_BLOCK(v0, v1, v2, v3, m);
	m = (uint64_t)16 << 56;		/* length byte, no tail */
	SIP_BLOCK(v0, v1, v2, v3, m);
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

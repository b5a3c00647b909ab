/*
 * cursor.h - bounds-checked reader for untrusted bytes.
 *
 * Every read of packet, TLS or header bytes goes through a cursor: a
 * position and the number of bytes remaining.  Checks compare the bytes
 * remaining against the length wanted and never compute p + n before the
 * check, so they cannot overflow.  A failed read leaves the cursor as it was
 * and returns -1.
 */
#ifndef ORIGINSTAT_CURSOR_H
#define ORIGINSTAT_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t	*p;
	size_t		 left;
};

static inline void
cur_init(struct cursor *c, const void *p, size_t n)
{
	c->p = p;
	c->left = p != NULL ? n : 0;
}

static inline int
cur_skip(struct cursor *c, size_t n)
{
	if (c->left < n)
		return -1;
	c->p += n;
	c->left -= n;
	return 0;
}

static inline int
cur_u8(struct cursor *c, uint8_t *v)
{
	if (c->left < 1)
		return -1;
	*v = c->p[0];
	c->p++;
	c->left--;
	return 0;
}

static inline int
cur_u16be(struct cursor *c, uint16_t *v)
{
	if (c->left < 2)
		return -1;
	*v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return 0;
}

static inline int
cur_u16le(struct cursor *c, uint16_t *v)
{
	if (c->left < 2)
		return -1;
	*v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
	c->p += 2;
	c->left -= 2;
	return 0;
}

static inline int
cur_u24be(struct cursor *c, uint32_t *v)
{
	if (c->left < 3)
		return -1;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->left -= 3;
	return 0;
}

static inline int
cur_u32be(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	    (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return 0;
}

static inline int
cur_u32le(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
	    (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	c->left -= 4;
	return 0;
}

/* Copy n bytes out; memcpy, which compilers inline for small constant n. */
static inline int
cur_bytes(struct cursor *c, void *dst, size_t n)
{
	if (c->left < n)
		return -1;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

/* Split off the next n bytes as a sub-cursor and advance past them. */
static inline int
cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (c->left < n)
		return -1;
	sub->p = c->p;
	sub->left = n;
	c->p += n;
	c->left -= n;
	return 0;
}

#endif

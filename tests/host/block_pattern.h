/* SPDX-License-Identifier: MIT */
/*
 * A block's own pattern, for the multi-threaded stress programs
 * (tests/host/test_kmalloc_stress.c, tests/stress/stress.c): the byte at
 * offset i is tag + 7 i, tag being the first byte.  A block handed out
 * twice, overwritten, or copied short by krealloc no longer matches.
 * Large blocks are sampled: their ends and every 256th byte.
 */
#ifndef TESTS_HOST_BLOCK_PATTERN_H
#define TESTS_HOST_BLOCK_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

struct block {
	unsigned char *p;
	size_t n;
};

static inline unsigned char block_pat(unsigned char tag, size_t i)
{
	return (unsigned char)(tag + i * 7);
}

/* The next offset after i that the pattern covers: every byte of a small
 * block; the first and last 128 bytes and every 256th byte of a larger. */
static inline size_t block_next_off(const struct block *b, size_t i)
{
	if (b->n <= 512 || i < 128 || i >= b->n - 128)
		return i + 1;
	return i + 256 < b->n - 128 ? i + 256 : b->n - 128;
}

static inline void block_fill(struct block *b, unsigned char tag)
{
	for (size_t i = 0; i < b->n; i = block_next_off(b, i))
		b->p[i] = block_pat(tag, i);
}

static inline bool block_intact(const struct block *b)
{
	for (size_t i = 1; i < b->n; i = block_next_off(b, i))
		if (b->p[i] != block_pat(b->p[0], i))
			return false;
	return true;
}

#endif /* TESTS_HOST_BLOCK_PATTERN_H */

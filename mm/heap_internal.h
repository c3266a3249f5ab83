/* SPDX-License-Identifier: MIT */
/*
 * Inside the TLSF heap: the block header and the size-to-list mapping,
 * shared by mm/heap.c (allocation, free) and mm/heap_check.c (statistics,
 * the validator, reports).  The layout is drawn in mm/heap.c's theory
 * comment, section 2.
 */
#ifndef MM_HEAP_INTERNAL_H
#define MM_HEAP_INTERNAL_H

#include "mm/heap.h"
#include "mm/internal.h"

#define TB_FREE 0x1ul
#define TB_PREV_FREE 0x2ul
#define TB_FLAGS (TLSF_ALIGN - 1ul)

struct tlsf_block {
	unsigned long tb_size; /* bytes, header included | TB_* flags */
	struct tlsf_block *tb_prev_phys; /* the block just below, or NULL */
	/* Free blocks only (the payload of a used block): */
	struct tlsf_block *tb_next_free;
	struct tlsf_block *tb_prev_free;
};

_Static_assert(sizeof(struct tlsf_block) == TLSF_MIN_BLOCK, "TLSF header");

/* Every heap initialised and not removed (mm/heap.c), under heap_lock. */
extern spinlock_t heap_lock;
extern struct mm_registry heaps;

static inline size_t bsize(const struct tlsf_block *b)
{
	return b->tb_size & ~TB_FLAGS;
}
static inline struct tlsf_block *bnext(const struct tlsf_block *b)
{
	return (struct tlsf_block *)((char *)b + bsize(b));
}
static inline unsigned int floor_log2(size_t x)
{
	return 63u - (unsigned int)__builtin_clzl(x);
}

/* The list [*fl][*sl] that holds free blocks of exactly this size. */
static inline void mapping(size_t size, unsigned int *fl, unsigned int *sl)
{
	unsigned int t;

	if (size < TLSF_SMALL) {
		*fl = 0;
		*sl = (unsigned int)(size >> TLSF_ALIGN_LOG2);
		return;
	}
	t = floor_log2(size);
	*sl = (unsigned int)(size >> (t - TLSF_SL_LOG2)) & (TLSF_SL_COUNT - 1);
	*fl = t - TLSF_FL_SHIFT + 1;
}

#endif /* MM_HEAP_INTERNAL_H */

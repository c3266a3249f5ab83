/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the transaction, fault-injection and failure-point
 * suites: block checks, content tags, taking all memory away.
 */
#ifndef TESTS_KERNEL_TXN_TEST_H
#define TESTS_KERNEL_TXN_TEST_H

#include "mm/internal.h"
#include "mm/kmalloc.h"
#include "mm/slab.h"
#include "tests/kernel/page_test.h"

/*
 * Free pages once kmalloc and the slab layer have given back what they
 * only cache (the transaction log's chunks come from a cache too): what a
 * leak check compares.
 */
static inline unsigned long free_now(void)
{
	kmalloc_shrink(); /* the debug quarantine, kmalloc's caches */
	slab_reclaim();
	return nr_free_pages();
}

/* Is pg the head of an allocated block of this order? */
static inline bool page_is_block(const struct page *pg, unsigned int order)
{
	struct page seen = page_load_state(pg);

	return (seen.flags & PG_head) && seen.order == order;
}

/* Write a tag into the first word of every page of the block. */
static inline void tag_fill(struct page *pg, unsigned int order, uint64_t tag)
{
	for (unsigned long i = 0; i < 1UL << order; i++)
		*(uint64_t *)page_address(pg + i) = tag ^ i;
}

static inline bool tag_ok(struct page *pg, unsigned int order, uint64_t tag)
{
	for (unsigned long i = 0; i < 1UL << order; i++)
		if (*(uint64_t *)page_address(pg + i) != (tag ^ i))
			return false;
	return true;
}

/* All free memory, held (no hooks involved: nothing is open yet). */
struct exhaust {
	struct held_set set;
};

/* ex static: it is given back when the case ends (or by exhaust_end()). */
static inline bool exhaust_begin(struct ktest *t, struct exhaust *ex)
{
	slab_reclaim(); /* no cached objects or empty slabs left anywhere */
	drain_all_pages();
	if (!held_init(t, &ex->set, 16384))
		return false;
	if (!hold_zone_down(&ex->set, &zones[ZONE_NORMAL], 0) ||
	    !hold_zone_down(&ex->set, &zones[ZONE_DMA], 0) ||
	    nr_free_pages() != 0) {
		held_done(t, &ex->set);
		return false;
	}
	return true;
}

static inline void exhaust_end(struct ktest *t, struct exhaust *ex)
{
	held_done(t, &ex->set);
}

#endif /* TESTS_KERNEL_TXN_TEST_H */

/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the page allocator suites: chains of held blocks kept
 * inside the blocks themselves (so holding a whole zone needs no other
 * memory), zone-targeted flags, and a bitmap that proves no two blocks
 * overlap.
 */
#ifndef TESTS_KERNEL_PAGE_TEST_H
#define TESTS_KERNEL_PAGE_TEST_H

#include "kernel/ktest.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"

#define HELD_MAGIC 0x600dfeedU

/* Written at the start of every held block. */
struct held {
	struct held *next;
	unsigned long pfn;
	unsigned int order;
	unsigned int magic;
};

static inline struct held *held_push(struct held *list, struct page *pg,
				     unsigned int order)
{
	struct held *h = page_address(pg);

	h->next = list;
	h->pfn = page_to_pfn(pg);
	h->order = order;
	h->magic = HELD_MAGIC;
	return h;
}

/* Free every block of the chain; returns how many were found damaged. */
static inline unsigned long held_release(struct held *list)
{
	unsigned long bad = 0;

	while (list) {
		struct held *next = list->next;
		struct page *pg = virt_to_page(list);

		if (list->magic != HELD_MAGIC || !pg ||
		    page_to_pfn(pg) != list->pfn) {
			bad++;
			break; /* the chain itself cannot be trusted */
		}
		free_pages(pg, list->order);
		list = next;
	}
	return bad;
}

/* Flags that allocate from z only. */
static inline gfp_t zone_gfp(const struct zone *z)
{
	return z == &zones[ZONE_DMA] ? GFP_DMA : GFP_KERNEL | __GFP_NOFALLBACK;
}

static inline bool page_in_zone(const struct zone *z, const struct page *pg,
				unsigned int order)
{
	unsigned long pfn = page_to_pfn(pg);

	return page_zone(pg) == z && pfn >= z->start_pfn &&
	       pfn + (1UL << order) <= z->end_pfn;
}

/*
 * Take blocks from z, largest first and ignoring watermarks, until at most
 * `leave` free pages remain (or nothing more can be taken).
 */
static inline struct held *hold_zone_down(struct zone *z, unsigned long leave,
					  struct held *list)
{
	gfp_t gfp = zone_gfp(z) | __GFP_MEMALLOC | __GFP_NOWARN;

	for (int o = MAX_ORDER - 1; o >= 0; o--) {
		while (zone_free_pages(z) >= leave + (1UL << o)) {
			struct page *pg = alloc_pages(gfp, (unsigned int)o);

			if (!pg)
				break;
			list = held_push(list, pg, (unsigned int)o);
		}
	}
	return list;
}

/* Snapshot of one zone's buddy free areas (after draining per-CPU lists). */
struct area_snap {
	unsigned long nr_free[MAX_ORDER];
	unsigned long free_pages;
};

static inline void area_snap_take(const struct zone *z, struct area_snap *s)
{
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		s->nr_free[o] = zone_free_blocks(z, o);
	s->free_pages = z->free_pages;
}

static inline bool area_snap_equal(const struct area_snap *a,
				   const struct area_snap *b)
{
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		if (a->nr_free[o] != b->nr_free[o])
			return false;
	return a->free_pages == b->free_pages;
}

#endif /* TESTS_KERNEL_PAGE_TEST_H */

/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the page allocator suites: sets of held blocks,
 * zone-targeted flags, holding a zone down, free-area snapshots.
 */
#ifndef TESTS_KERNEL_PAGE_TEST_H
#define TESTS_KERNEL_PAGE_TEST_H

#include "kernel/ktest.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "tests/kernel/kt_retry.h"

/*
 * A set of held blocks, kept in a side array (pfn << 4 | order) so that
 * holding a whole zone writes to none of its pages: at MEM=4G touching one
 * page per 4 MiB block would make the host fault in all of the guest's RAM.
 */
struct held_set {
	uint64_t *e;
	unsigned long n, cap;
	struct page *pg; /* the array's own block */
	unsigned int order;
};

/* alloc_pages(), an injected failure retried (tests/kernel/kt_retry.h). */
static inline struct page *alloc_pages_really(gfp_t gfp, unsigned int order)
{
	return KT_RETRY_INJECTED(alloc_pages(gfp, order));
}

static inline void held_done_action(void *arg);

/*
 * Room for cap blocks; false if even that cannot be allocated.  The set
 * (static: it must outlive the case's frame) is given back with every
 * block it holds when the case ends, or by held_done() before.
 */
static inline bool held_init(struct ktest *t, struct held_set *s,
			     unsigned long cap)
{
	unsigned int o = 0;

	while ((PAGE_SIZE << o) < cap * sizeof(uint64_t) && o < 8)
		o++;
	s->pg = alloc_pages_really(GFP_KERNEL | __GFP_NOWARN, o);
	s->order = o;
	s->n = 0;
	s->cap = (PAGE_SIZE << o) / sizeof(uint64_t);
	s->e = s->pg ? page_address(s->pg) : NULL;
	if (s->pg)
		ktest_add_action_or_reset(t, held_done_action, s);
	return s->pg != NULL;
}

/* Record a block; false (block not recorded) when the set is full. */
static inline bool held_add(struct held_set *s, struct page *pg,
			    unsigned int order)
{
	if (s->n == s->cap)
		return false;
	s->e[s->n++] = (uint64_t)page_to_pfn(pg) << 4 | order;
	return true;
}

static inline struct page *held_page(const struct held_set *s, unsigned long i)
{
	return pfn_to_page((unsigned long)(s->e[i] >> 4));
}

static inline unsigned int held_order(const struct held_set *s, unsigned long i)
{
	return (unsigned int)(s->e[i] & 15);
}

/* Free every held block, newest first. */
static inline void held_release(struct held_set *s)
{
	unsigned long n = s->n;

	s->n = 0;
	for (unsigned long i = n; i > 0; i--)
		free_pages(held_page(s, i - 1), held_order(s, i - 1));
}

/* Free held block i now; the newest takes its place in the set. */
static inline void held_drop(struct held_set *s, unsigned long i)
{
	free_pages(held_page(s, i), held_order(s, i));
	s->e[i] = s->e[--s->n];
}

static inline void held_done_action(void *arg)
{
	struct held_set *s = arg;

	held_release(s);
	free_pages(s->pg, s->order);
}

/* Every held block and the set's own block back, now. */
static inline void held_done(struct ktest *t, struct held_set *s)
{
	ktest_release_action(t, held_done_action, s);
}

/* Allocate with gfp at order until NULL or the set is full; returns count. */
static inline unsigned long held_fill(struct held_set *s, gfp_t gfp,
				      unsigned int order)
{
	unsigned long n = 0;
	struct page *pg;

	while ((pg = alloc_pages_really(gfp | __GFP_NOWARN, order))) {
		if (!held_add(s, pg, order)) {
			free_pages(pg, order);
			break;
		}
		n++;
	}
	return n;
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

/* A set big enough to hold zone z down to a few thousand pages. */
static inline bool held_init_zone(struct ktest *t, struct held_set *s,
				  const struct zone *z)
{
	return held_init(t, s, z->managed_pages / MAX_ORDER_NR_PAGES + 8192);
}

/* Is a free block of order o or more on z's buddy lists? */
static inline bool zone_has_block(const struct zone *z, unsigned int o)
{
	while (o < MAX_ORDER && !zone_free_blocks(z, o))
		o++;
	return o < MAX_ORDER;
}

/*
 * Take blocks from z, largest first and ignoring watermarks, until at most
 * `leave` free pages remain (or nothing more can be taken).  An order is
 * asked for only while a block that large is free, so that no request
 * fails (a failure would count in the health verdict): free pages alone
 * do not make a block.  False if the set filled up first.
 */
static inline bool hold_zone_down(struct held_set *s, struct zone *z,
				  unsigned long leave)
{
	gfp_t gfp = zone_gfp(z) | __GFP_MEMALLOC | __GFP_NOWARN;

	for (int o = MAX_ORDER - 1; o >= 0; o--) {
		while (zone_free_pages(z) >= leave + (1UL << o) &&
		       (o == 0 || zone_has_block(z, (unsigned int)o))) {
			struct page *pg =
				alloc_pages_really(gfp, (unsigned int)o);

			if (!pg)
				break;
			if (!held_add(s, pg, (unsigned int)o)) {
				free_pages(pg, (unsigned int)o);
				return false;
			}
		}
	}
	return true;
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

/* The held block holding frame pfn, or hs->n. */
static inline unsigned long held_find(const struct held_set *s,
				      unsigned long pfn)
{
	for (unsigned long i = 0; i < s->n; i++)
		if (page_to_pfn(held_page(s, i)) == pfn)
			return i;
	return s->n;
}

/*
 * Hold every page (gfp: GFP_KERNEL-like with __GFP_MEMALLOC), then cut one
 * held block of order >= 4 into held single pages (kind __GFP_LARGE) and
 * let frames 3..7 of it go: the free memory of the machine is then those
 * five frames, a free order-0 block at 3 and an order-2 block at 4, and
 * no free block of order 3 or more.  Returns the cut block's first frame,
 * or 0 when no block of order 4 could be held.  Fault injection must be
 * paused (kt_faults_pause()).
 */
static inline unsigned long hold_all_but_run5(struct held_set *s, gfp_t gfp)
{
	unsigned long big = s->n, base;
	unsigned int o;

	kmalloc_shrink(); /* no page waits in a slab or magazine */
	drain_all_pages();
	for (o = MAX_ORDER; o-- > 0;)
		held_fill(s, gfp, o);
	for (unsigned long i = 0; i < s->n; i++)
		if (held_order(s, i) >= 4 &&
		    (big == s->n || held_order(s, i) < held_order(s, big)))
			big = i;
	if (big == s->n)
		return 0;
	base = page_to_pfn(held_page(s, big));
	o = held_order(s, big);
	held_drop(s, big);
	if (held_fill(s, gfp | __GFP_LARGE, 0) < 1UL << o)
		return 0;
	for (unsigned long pfn = base + 3; pfn < base + 8; pfn++) {
		unsigned long i = held_find(s, pfn);

		if (i == s->n)
			return 0;
		held_drop(s, i);
	}
	return base;
}

#endif /* TESTS_KERNEL_PAGE_TEST_H */

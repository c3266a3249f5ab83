/* SPDX-License-Identifier: MIT */
/*
 * Runs of pages: nr physically contiguous pages that need be neither a
 * power of two nor aligned beyond a page (API in mm/page_alloc.h).
 *
 * 1. Why
 *    The buddy system merges only buddies.  Two free blocks side by side
 *    that are not each other's buddy stay two blocks, and so do the free
 *    blocks of a longer stretch: after fragmentation a zone may hold no
 *    free block of order 3 and still have runs of five or seven free pages
 *    in a row.  A request for nr pages that the buddy lists refuse can then
 *    be served from such a run.  Linux has both halves of the idea:
 *    alloc_pages_exact() hands out exactly nr pages (the tail of the
 *    2^order block goes back) and alloc_contig_range() takes a range of
 *    pages whatever free blocks it spans (concepts only).  This file does
 *    the second for free pages only: nothing is migrated, and a run
 *    exists only where fragmentation left one.
 *
 * 2. Where to look
 *    Lemma: a stretch of n >= 2 frames contains a whole aligned block of
 *    2^j frames for j = floor(log2 n) - 1 (a stretch of length n contains
 *    an aligned block of length 2^j whenever n >= 2^(j+1) - 1).  If every
 *    frame of the stretch is free, that aligned block lies inside ONE free
 *    buddy block of order >= j, because free buddies always merge
 *    (invariant 3c of mm/page_alloc.c).  So every run of n free pages
 *    surrounds a free block of order >= j, and the search need only start
 *    from those: smallest order first (a run made of fragments is better
 *    than a broken big block), the request's own kind's lists first, then
 *    the others' (borrowing, counted in nr_steal like any fallback).  From
 *    a start block it grows over adjacent free blocks, up then down, until
 *    it spans n pages:
 *      - up: the free block after one that ends at pfn starts at pfn
 *        (it cannot overlap the one below), so it is the PG_buddy head at
 *        pfn, if any;
 *      - down: the free block before pfn ends at pfn - 1 and is aligned to
 *        its size, so it is the PG_buddy head of order o at pfn - 2^o for
 *        the o with pfn - 2^o aligned to 2^o -- only o up to the lowest set
 *        bit of pfn qualify.
 *    The pages of a run are taken from its lowest frame up.
 *
 *      pfn   0   1   2   3   4   5   6   7   8   9  10  11
 *          +---+---+---+---+---+---+---+---+---+---+---+---+
 *          | A | A | A |   free order 2    |fr0| A | A | A |   A: allocated
 *          +---+---+---+---+---+---+---+---+---+---+---+---+
 *      nr = 5: no free order-3 block; j = 1, so start from the order-2
 *      block at 4, grow up over the order-0 block at 8: run [4, 9).
 *
 * 3. What is handed out
 *    The run's pages [r, r + nr) are cut into aligned blocks, each the
 *    largest block aligned at its place that fits in what is left
 *    (page_run_order(); the same cut frees boot memory), and each becomes
 *    an allocated head of its order and kind, exactly as if alloc_pages()
 *    had returned it, the blocks after the first also carrying the owner
 *    bit PG_run (so that free_pages() refuses them, as it refuses any
 *    block that belongs to someone: the run is given back whole).  So
 *    every invariant of mm/page_alloc.c section 3 holds with no new page
 *    state, the validator needs nothing new, and __free_page_run() frees
 *    the same cut, block by block, through the buddy free path.  The parts of the boundary blocks that lie outside
 *    the run go back to the free lists (buddy_free(): they merge with
 *    whatever is free beside them).  In the picture: blocks (4, order 2)
 *    and (8, order 0).
 *
 * 4. Cost
 *    Bounded, under the zone lock: at most RUN_SCAN_MAX start blocks, each
 *    grown over at most 2 * MAX_ORDER neighbours (a stretch of free frames
 *    is at most two descending staircases of aligned blocks), then at most
 *    2 * MAX_ORDER blocks taken and as many pieces given back.  A zone
 *    with more candidate blocks than RUN_SCAN_MAX may hide a run from the
 *    search; the request then fails as it would have without runs.  On
 *    failure the per-CPU lists are drained once and the search repeated,
 *    as alloc_pages() does.
 *
 * 5. Freeing
 *    A run has no header: its owner keeps nr (kmalloc: in the large
 *    block's second page, mm/kmalloc_backend.c).  __free_page_run()
 *    checks the whole cut before it frees anything (page_run_check():
 *    each block an allocated head of its order, no owner bit on the first,
 *    exactly PG_run on the others), clears PG_run and frees the blocks; a
 *    wrong nr, a double free or another owner's pages change nothing; the
 *    first bad block is reported by page_report_bad_free() with the
 *    caller.  Two racing frees of one run are the owner's to prevent
 *    (kmalloc claims its block under km_large_lock first).
 */
#include "mm/page_owner.h"
#include "mm/page_pcp.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "lib/string.h"

#define RUN_SCAN_MAX 256 /* start blocks looked at per zone and search */
#define NO_RUN (~0UL)

/* The order of the free block headed at pfn, or -1 (zone lock held).
 * buddy_free()'s is_free_buddy() asks "a free block of this order?"; the
 * run's search asks "which order?", to step over the block. */
static int free_head(const struct zone *z, unsigned long pfn)
{
	struct page seen;

	if (pfn < z->start_pfn || pfn >= z->end_pfn)
		return -1;
	seen = page_load_state(pfn_to_page(pfn));
	return (seen.flags & PG_buddy) ? seen.order : -1;
}

/* The head of the free block that ends just below pfn, or pfn. */
static unsigned long free_below(const struct zone *z, unsigned long pfn)
{
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		if (pfn & ((1UL << o) - 1)) /* pfn - 2^o not aligned to 2^o */
			break;
		if (pfn >= (1UL << o) && free_head(z, pfn - (1UL << o)) == (int)o)
			return pfn - (1UL << o);
	}
	return pfn;
}

/* The first frame of nr free frames around the free block (pfn, o),
 * always the head of a free block; NO_RUN if there are not nr. */
static unsigned long run_around(const struct zone *z, unsigned long pfn,
				unsigned int o, unsigned long nr)
{
	unsigned long lo = pfn, hi = pfn + (1UL << o);
	int up;

	while (hi - lo < nr && (up = free_head(z, hi)) >= 0)
		hi += 1UL << up;
	while (hi - lo < nr) {
		unsigned long below = free_below(z, lo);

		if (below == lo)
			return NO_RUN;
		lo = below;
	}
	return lo;
}

/* Give the frames [pfn, end) back to the lists, cut into aligned blocks. */
static void give_back(struct zone *z, unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int o = page_run_order(pfn, end - pfn);

		buddy_free(z, pfn, o);
		pfn += 1UL << o;
	}
}

/* Zone lock held: take the free frames [r, r + nr) off the lists (r heads
 * a free block) and make them the allocated blocks of the run's cut. */
static void run_take(struct zone *z, unsigned long r, unsigned long nr,
		     enum page_kind kind)
{
	unsigned long end = r + nr, pfn = r;
	bool borrowed = false;

	while (pfn < end) {
		unsigned int o = (unsigned int)free_head(z, pfn);
		enum page_kind k = pageblock_kind(z, pfn);

		area_del(z, pfn_to_page(pfn), o, k);
		borrowed |= k != kind;
		if (pfn + (1UL << o) > end)
			give_back(z, end, pfn + (1UL << o));
		pfn += 1UL << o;
	}
	z->nr_steal += borrowed;
	for (pfn = r; pfn < end;) {
		unsigned int o = page_run_order(pfn, end - pfn);

		set_allocated(pfn_to_page(pfn), o, kind);
		if (pfn != r) /* free_pages() refuses it: section 5 */
			set_state(pfn_to_page(pfn),
				  PG_head | kind * PG_kind_slab | PG_run, o);
		z->nr_alloc[o]++;
		pfn += 1UL << o;
	}
	zone_took(z);
}

/* Zone lock held: the first frame of a run of nr free frames, searched
 * as section 2 says, or NO_RUN. */
static unsigned long run_find(const struct zone *z, unsigned long nr,
			      enum page_kind kind)
{
	unsigned int j = 0, looked = 0;

	while ((2UL << (j + 1)) <= nr) /* floor(log2 nr) - 1, from nr >= 4 */
		j++;
	for (unsigned int pass = 0; pass < 2; pass++)
		for (unsigned int o = j; o < MAX_ORDER; o++)
			for (unsigned int k = 0; k < NR_PGKINDS; k++) {
				const struct list_head *l =
					&z->free_area[o].free_list[k];
				const struct list_head *e;

				if ((k == kind) != (pass == 0))
					continue;
				for (e = l->next; e != l; e = e->next) {
					const struct page *pg = list_entry(
						e, struct page, lru);
					unsigned long r;

					if (++looked > RUN_SCAN_MAX)
						return NO_RUN;
					r = run_around(z, page_to_pfn(pg), o,
						       nr);
					if (r != NO_RUN)
						return r;
				}
			}
	return NO_RUN;
}

/* One try over the zone list, as get_page() does for blocks. */
static struct page *run_get(gfp_t gfp, unsigned long nr, bool *refused)
{
	enum page_kind kind = (enum page_kind)gfp_kind(gfp);
	enum zone_type list[MAX_NR_ZONES];
	unsigned int n = zonelist(gfp, list);
	bool fallback = false;

	for (unsigned int i = 0; i < n; i++) {
		struct zone *z = &zones[list[i]];
		unsigned long mark = zone_mark(z, gfp, fallback), r = NO_RUN;
		unsigned long flags;

		if (zone_is_empty(z))
			continue;
		flags = spin_lock_irqsave(&z->lock);
		if (z->free_pages >= mark + nr)
			r = run_find(z, nr, kind);
		else if (z->free_pages >= nr)
			*refused = true;
		if (r != NO_RUN)
			run_take(z, r, nr, kind);
		spin_unlock_irqrestore(&z->lock, flags);
		if (r != NO_RUN)
			return pfn_to_page(r);
		fallback = true;
	}
	return NULL;
}

/* Page owners on: each block of the run's cut gets its record. */
static void owners_of_run(struct page *pg, unsigned long nr, gfp_t gfp,
			  unsigned long caller)
{
	for (unsigned long pfn = page_to_pfn(pg), end = pfn + nr; pfn < end;) {
		unsigned int o = page_run_order(pfn, end - pfn);

		page_owner_alloc(pfn_to_page(pfn), o, gfp, caller);
		pfn += 1UL << o;
	}
}

struct page *__alloc_page_run(gfp_t gfp, unsigned long nr, unsigned long caller)
{
	unsigned int order = get_order(nr << PAGE_SHIFT);
	bool refused = false, owned = page_owner_recording();
	struct page *pg;

	if (nr == 0 || nr > MAX_ORDER_NR_PAGES || !gfp_valid(gfp)) {
		alloc_failed(gfp, nr ? order : MAX_ORDER, MM_EINVAL, caller);
		return NULL;
	}
	if (owned)
		page_owner_busy();
	pg = run_get(gfp, nr, &refused);
	if (!pg) {
		drain_all_pages();
		refused = false;
		pg = run_get(gfp, nr, &refused);
	}
	if (owned) {
		if (pg)
			owners_of_run(pg, nr, gfp, caller);
		page_owner_done();
	}
	if (!pg) {
		alloc_failed(gfp, order, refused ? MM_EWATERMARK : MM_ENOMEM,
			     caller);
		return NULL;
	}
	if (gfp & __GFP_ZERO)
		memset(page_address(pg), 0, nr << PAGE_SHIFT);
	return pg;
}

/* The first block of the cut that is not a live block of its order
 * (owner bits: owner on the first, PG_run on the others); NULL if none. */
static const struct page *bad_block(const struct page *pg, unsigned long nr,
				    uint16_t owner, unsigned int *order)
{
	unsigned long pfn = page_to_pfn(pg), end = pfn + nr;

	for (uint16_t own = owner; pfn < end; own = PG_run) {
		struct page seen = page_load_state(pfn_to_page(pfn));

		*order = page_run_order(pfn, end - pfn);
		if (!(seen.flags & PG_head) || seen.order != *order ||
		    (seen.flags & (PG_buddy | PG_pcp | PG_reserved)) ||
		    (seen.flags & PG_OWNER_MASK) != own)
			return pfn_to_page(pfn);
		pfn += 1UL << *order;
	}
	return NULL;
}

/* Do nr frames from pg lie in the memmap? */
static bool run_in_map(const struct page *pg, unsigned long nr)
{
	return page_in_mem_map(pg) && nr && nr <= MAX_ORDER_NR_PAGES &&
	       page_to_pfn(pg) + nr <= memmap_end_pfn;
}

const char *page_run_check(const struct page *pg, unsigned long nr,
			   uint16_t owner)
{
	unsigned int order;

	if (!run_in_map(pg, nr))
		return "not a run of the struct page array";
	if (bad_block(pg, nr, owner, &order))
		return "a block of its cut is not allocated with that order";
	return NULL;
}

void __free_page_run(struct page *pg, unsigned long nr, unsigned long caller)
{
	const struct page *bad;
	unsigned long pfn, end;
	unsigned int order;

	if (!pg)
		return;
	if (!run_in_map(pg, nr)) {
		page_report_bad_free(pg, get_order(nr << PAGE_SHIFT), caller);
		return;
	}
	bad = bad_block(pg, nr, 0, &order);
	if (bad) {
		printk("page_alloc: run of %lu pages at %p not freed, its block "
		       "at %p is not allocated with order %u:\n",
		       nr, (void *)pg, (void *)bad, order);
		page_report_bad_free((struct page *)bad, order, caller);
		return;
	}
	for (pfn = page_to_pfn(pg), end = pfn + nr; pfn < end;) {
		order = page_run_order(pfn, end - pfn);
		if (pfn != page_to_pfn(pg))
			page_owner_flags(pfn_to_page(pfn), 0, PG_run);
		__free_pages(pfn_to_page(pfn), order, caller);
		pfn += 1UL << order;
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * Grouping pages by kind (mm/page_alloc.c, section 8): the pageblock map,
 * claiming pageblocks for a kind, and the fallback of an allocation whose
 * kind has no free block of its own.  Every function here runs under the
 * zone lock.
 */
#include "mm/page_pcp.h"
#include "lib/printk.h"
#include "lib/string.h"

/*
 * The pageblock kinds of every zone, one byte per pageblock, from one
 * static map (a per-node allocator would give each node's zones a piece of
 * its own): enough for 64 GiB of RAM, the host preload's limit.  Zero is
 * PGKIND_OTHER: every pageblock starts as "other".
 */
#define PB_MAP_SIZE (((64UL << 30) >> (PAGE_SHIFT + PAGEBLOCK_ORDER)) + 4)
static uint8_t pb_map[PB_MAP_SIZE];
static unsigned long pb_map_used;

/* z's piece of the map; a span beyond the map is cut (and said). */
unsigned long zone_nr_pageblocks(const struct zone *z)
{
	if (z->end_pfn <= z->start_pfn)
		return 0;
	return ((z->end_pfn - 1) >> PAGEBLOCK_ORDER) -
	       (z->start_pfn >> PAGEBLOCK_ORDER) + 1;
}

void zone_init_pageblocks(struct zone *z)
{
	unsigned long first = z->start_pfn >> PAGEBLOCK_ORDER;
	unsigned long n = zone_nr_pageblocks(z);
	if (n > PB_MAP_SIZE - pb_map_used) {
		n = PB_MAP_SIZE - pb_map_used;
		printk("mm: zone %s: pageblock map full: RAM from pfn 0x%lx "
		       "left out\n",
		       z->name, (first + n) << PAGEBLOCK_ORDER);
		z->end_pfn = n ? (first + n) << PAGEBLOCK_ORDER : z->start_pfn;
	}
	z->pb_kind = pb_map + pb_map_used;
	pb_map_used += n;
	memset(z->pb_kind, PGKIND_OTHER, n);
	memset(z->nr_pageblocks, 0, sizeof(z->nr_pageblocks));
	z->nr_pageblocks[PGKIND_OTHER] = n;
}

/*
 * For validators: does z's piece of the map, nr entries from z->pb_kind,
 * lie inside the map?  Integer arithmetic: the pointer may be corrupt.
 */
bool zone_pageblocks_ok(const struct zone *z, unsigned long nr)
{
	uintptr_t at = (uintptr_t)z->pb_kind, map = (uintptr_t)pb_map;

	return at >= map && at - map <= pb_map_used &&
	       nr <= pb_map_used - (at - map);
}

/* ---- claiming and falling back ------------------------------------------- */

/* Make pageblock pb (an index into z->pb_kind) kind k, counted. */
static void set_pageblock(struct zone *z, unsigned long pb, enum page_kind k)
{
	z->nr_pageblocks[z->pb_kind[pb]]--;
	z->nr_pageblocks[k]++;
	z->pb_kind[pb] = (uint8_t)k;
}

/*
 * Claim for kind k the pageblocks under the free block at pfn of order o
 * (its own pageblock when the block is smaller): every free block headed
 * there moves to k's lists, then the pageblocks change kind.  One step
 * per block in them: at most PAGEBLOCK_NR_PAGES, or one for a block of
 * order >= PAGEBLOCK_ORDER.
 */
static void claim_pageblocks(struct zone *z, unsigned long pfn, unsigned int o,
			     enum page_kind k)
{
	unsigned int span = o > PAGEBLOCK_ORDER ? o : PAGEBLOCK_ORDER;
	unsigned long start = pfn & ~((1UL << span) - 1);
	unsigned long end = start + (1UL << span), base = z->start_pfn;

	start = start > base ? start : base;
	end = end < z->end_pfn ? end : z->end_pfn;
	for (unsigned long p = start; p < end;) {
		struct page *pg = pfn_to_page(p);
		struct page seen = page_load_state(pg);

		if (seen.flags & PG_buddy) { /* to k's list of its order */
			list_del(&pg->lru);
			list_add(&pg->lru,
				 &z->free_area[seen.order].free_list[k]);
		}
		p += (seen.flags & (PG_buddy | PG_head)) ? 1UL << seen.order
							 : 1;
	}
	for (unsigned long p = start; p < end; p += PAGEBLOCK_NR_PAGES)
		set_pageblock(
			z, (p >> PAGEBLOCK_ORDER) - (base >> PAGEBLOCK_ORDER),
			k);
	z->nr_claim++;
}
/* The smallest block of order >= order of any kind but kind, split. */
static struct page *take_borrowed(struct zone *z, unsigned int order,
				  enum page_kind kind)
{
	for (unsigned int o = order; o < MAX_ORDER; o++)
		for (unsigned int k = 0; k < NR_PGKINDS; k++) {
			struct list_head *l = &z->free_area[o].free_list[k];

			if (k != kind && !list_empty(l))
				return split_block(
					z,
					list_first_entry(l, struct page, lru),
					o, order, (enum page_kind)k);
		}
	return NULL;
}

/*
 * No free block of kind's own: take one from another kind (Linux's
 * __rmqueue_fallback()).  The largest such block first: when it is at
 * least half a pageblock, kind claims its pageblock(s) outright, with
 * every free block in them, and takes from its own lists again; a
 * smaller one is only borrowed: kind takes the smallest block that fits
 * from another kind, whose pageblock stays as it was, so that big
 * blocks are not broken up for nothing.
 */
struct page *take_fallback(struct zone *z, unsigned int order,
			   enum page_kind kind)
{
	for (unsigned int o = MAX_ORDER; o-- > order;) {
		for (unsigned int k = 0; k < NR_PGKINDS; k++) {
			struct list_head *l = &z->free_area[o].free_list[k];

			if (k == kind || list_empty(l))
				continue;
			z->nr_steal++;
			if (o + 1 < PAGEBLOCK_ORDER)
				return take_borrowed(z, order, kind);
			claim_pageblocks(z,
					 page_to_pfn(list_first_entry(
						 l, struct page, lru)),
					 o, kind);
			return take_smallest(z, order, kind);
		}
	}
	return NULL;
}

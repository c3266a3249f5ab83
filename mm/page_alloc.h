/* SPDX-License-Identifier: MIT */
/*
 * The page allocator: physical page frames in power-of-two blocks.
 *
 * Guarantees.  alloc_pages(gfp, order) returns 2^order physically contiguous
 * pages aligned to their size, from the zone the flags allow, or NULL (never
 * a panic) with the reason in mm_last_error().  Every call does a bounded
 * amount of work: at most MAX_ORDER split or merge steps, plus one per-CPU
 * batch of PCP_BATCH pages, plus one walk of a 2^9-page pageblock when a
 * kind of allocation claims one (grouping by kind, mm/page_alloc.c
 * section 8).  A run of pages (below) looks at a bounded number of free
 * blocks.  free_pages() checks its argument and refuses, reports (with the
 * caller) and counts anything that is not exactly a block this allocator
 * handed out, without touching any state.  Order-0 allocations and frees
 * normally take no zone lock (per-CPU page lists).  All of it is SMP-safe
 * and may be called with interrupts off or from an interrupt handler
 * (GFP_ATOMIC).  The design is explained in mm/page_alloc.c and
 * docs/buddy.md.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/arch.h"
#include "lib/list.h"
#include "lib/spinlock.h"

/* Orders 0 .. MAX_ORDER-1: the largest block is 2^10 pages = 4 MiB. */
#define MAX_ORDER 11
#define MAX_ORDER_NR_PAGES (1UL << (MAX_ORDER - 1))

/* ---- allocation flags ------------------------------------------------------ */
typedef unsigned int gfp_t;

#define __GFP_DMA 0x01u /* only ZONE_DMA */
#define __GFP_HIGH 0x02u /* may use half of the min reserve */
#define __GFP_ZERO 0x04u /* return zeroed memory */
#define __GFP_NOWARN 0x08u /* no console message on failure */
#define __GFP_WAIT 0x10u /* caller could wait (process context) */
#define __GFP_NOFALLBACK 0x20u /* only the first zone of the zone list */
#define __GFP_MEMALLOC 0x40u /* ignore watermarks and reserves (tests) */
#define __GFP_ALL 0x7fu /* every valid bit; others give MM_EINVAL */

/*
 * The kind of a page allocation (section "Grouping by kind" of
 * docs/buddy.md): only the page allocator takes these, from the slab layer
 * (__GFP_SLAB: slab pages) and kmalloc (__GFP_LARGE: large blocks).  No
 * kind bit: any other use.  Both bits at once give MM_EINVAL.
 */
#define __GFP_SLAB 0x100u
#define __GFP_LARGE 0x200u
#define __GFP_KIND_MASK 0x300u

/* The usual combinations (fixed names). */
#define GFP_KERNEL __GFP_WAIT /* Normal, then DMA above its lowmem reserve */
#define GFP_ATOMIC __GFP_HIGH /* never waits; IRQ-safe; part of min reserve */
#define GFP_DMA __GFP_DMA /* DMA zone only; combine: GFP_KERNEL|GFP_DMA */

/*
 * Grouping by kind (Linux's grouping by mobility, Mel Gorman): each zone is
 * cut into pageblocks of 2^PAGEBLOCK_ORDER pages, each marked with one kind;
 * free blocks sit on their pageblock's kind's lists, and an allocation takes
 * from its own kind first, so that long-lived slab pages do not pepper the
 * whole zone.
 */
#define PAGEBLOCK_ORDER 9
#define PAGEBLOCK_NR_PAGES (1UL << PAGEBLOCK_ORDER)

enum page_kind {
	PGKIND_OTHER, /* no kind flag: page tables, buffers, anything */
	PGKIND_SLAB, /* __GFP_SLAB: slab pages */
	PGKIND_LARGE, /* __GFP_LARGE: large kmalloc blocks */
	NR_PGKINDS
};

/* ---- zones ----------------------------------------------------------------- */
enum zone_type {
	ZONE_DMA, /* RAM below mm.dma_limit (default: first 16 MiB) */
	ZONE_NORMAL, /* everything else; RV64 has no HighMem */
	MAX_NR_ZONES
};

/* ---- struct page: one per page frame, 32 bytes ------------------------------ */

/* Page flags (page->flags).  The allocator owns the low byte. */
#define PG_reserved 0x0001u /* never given out (firmware, kernel, hole) */
#define PG_buddy 0x0002u /* head of a free block on a buddy list */
#define PG_pcp 0x0004u /* free order-0 page on a per-CPU list */
#define PG_head 0x0008u /* first page of an allocated block */
/* With PG_head: the kind the block was allocated as (none: PGKIND_OTHER);
 * a free of a kind other than PGKIND_OTHER bypasses the per-CPU lists. */
#define PG_kind_slab 0x0010u
#define PG_kind_large 0x0020u
#define PG_KIND_MASK 0x0030u
/* Owners of allocated blocks set these on the head page and clear them
 * before giving the block back: free_pages() refuses a head that still
 * carries one (the block belongs to that owner). */
#define PG_slab 0x0100u /* mm/slab.c: the block is a slab */
#define PG_large 0x0200u /* mm/kmalloc.c: a large kmalloc block */
#define PG_owner1 0x0400u /* mm/dma.c: PG_dma, buffers and pool chunks */
#define PG_owner2 0x0800u /* mm/arena.c: PG_arena, arena chunks */
#define PG_run 0x1000u /* mm/page_run.c: a later block of a run of pages,
			  given back with the run (__free_page_run()) */
#define PG_ALLOC_MASK 0x00ffu /* bits only the page allocator changes */
#define PG_OWNER_MASK 0xff00u /* owner bits */

/*
 * The descriptor of one 4 KiB page frame, kept at 32 bytes (0.78% of RAM).
 * Which fields mean what depends on the page's state (its flags):
 *
 *   state        flags        order        lru             private/u32
 *   ----------   ----------   ----------   -------------   ---------------
 *   reserved     PG_reserved  0            unused          unused
 *   free block   PG_buddy     block order  free_area list  unused
 *   per-CPU      PG_pcp       0            pcp list        unused
 *   allocated    PG_head(+kind) block order owner's         owner's
 *   tail page    (none)       0            owner's         owner's
 *
 * Tail pages (pages 1 .. 2^order-1 of a block) carry no allocator flag; the
 * allocator finds a block's head by looking at the aligned pages below, at
 * most MAX_ORDER steps.  The owner of an allocated block (mm/slab.c,
 * mm/kmalloc.c ...) may use lru, u32/slab and private of the head page and
 * any field but flags/order/zone of tail pages; free_pages() resets them
 * (the owner's flag bits it does not: see PG_slab).
 * Owner flag bits go only on the head page, set with page_owner_flags().
 */
struct kmem_cache;
struct page {
	union {
		struct {
			uint16_t flags; /* PG_* */
			uint8_t order; /* free or allocated block order */
			uint8_t zone; /* enum zone_type, fixed at boot */
		};
		uint32_t state; /* the four bytes above as one word: free
				   claims PG_head with one compare-and-swap */
	};
	union {
		uint32_t u32; /* owner's */
		struct { /* PG_slab (mm/slab.c) */
			uint16_t inuse; /* objects handed out */
			uint16_t freelist; /* first free object (the slab's
					      encoding; 0xffff: none) */
		} slab;
	};
	/* Buddy: free_area list; PG_pcp: per-CPU list; slab: partial/full. */
	struct list_head lru;
	union {
		struct kmem_cache *slab_cache; /* PG_slab: owning cache */
		unsigned long private; /* owner's */
	};
};

_Static_assert(sizeof(struct page) <= 32, "struct page must stay small");

/*
 * Set and clear owner bits (PG_slab, PG_large, PG_owner*) of a block's head
 * page.  The state word is shared with the allocator's atomic updates, so
 * owners change it through this helper, not with a plain store.
 */
static inline void page_owner_flags(struct page *pg, uint16_t set,
				    uint16_t clear)
{
	struct page old, new_;

	old.state = __atomic_load_n(&pg->state, __ATOMIC_RELAXED);
	do {
		new_.state = old.state;
		new_.flags = (uint16_t)((old.flags & ~clear) | set);
	} while (!__atomic_compare_exchange_n(
		&pg->state, &old.state, new_.state, false, __ATOMIC_RELAXED,
		__ATOMIC_RELAXED));
}

/* ---- the struct page array (built by mm/memmap.c) --------------------------- */
extern struct page *mem_map; /* descriptor of memmap_start_pfn */
extern unsigned long memmap_start_pfn; /* first frame described */
extern unsigned long memmap_end_pfn; /* one past the last */

static inline bool pfn_valid(unsigned long pfn)
{
	return pfn >= memmap_start_pfn && pfn < memmap_end_pfn;
}
static inline struct page *pfn_to_page(unsigned long pfn)
{
	return mem_map + (pfn - memmap_start_pfn);
}
static inline unsigned long page_to_pfn(const struct page *pg)
{
	return memmap_start_pfn + (unsigned long)(pg - mem_map);
}
static inline phys_addr_t page_to_phys(const struct page *pg)
{
	return (phys_addr_t)page_to_pfn(pg) << PAGE_SHIFT;
}

/* ---- zone ------------------------------------------------------------------- */
struct free_area {
	/* heads of free blocks of this order, by their pageblock's kind */
	struct list_head free_list[NR_PGKINDS];
	unsigned long nr_free; /* number of blocks on all of them */
};

/*
 * Pages a per-CPU list moves per refill or drain, and the length at which
 * a free drains a batch.  Constants, not sized from RAM: one refill or
 * drain then costs the same bounded number of steps at every memory size
 * (PCP_BATCH buddy splits or merges; mm/page_alloc.c, section 7).
 */
#define PCP_BATCH 8
#define PCP_HIGH (4 * PCP_BATCH)

/*
 * A per-CPU list of free order-0 pages of one zone.  Only its own hart uses
 * it, except when another hart drains it (on allocation failure); pcp_lock
 * (a plain flag, taken with interrupts off) settles that rare race.
 */
struct per_cpu_pages {
	unsigned int pcp_lock; /* 0 free, 1 held */
	unsigned int count; /* pages on list */
	unsigned int high; /* drain a batch when count exceeds this */
	unsigned int batch; /* pages moved per refill or drain */
	struct list_head list; /* PG_pcp pages, hottest first */
	unsigned long nr_alloc; /* order-0 allocations served here */
	unsigned long nr_refill, nr_drain; /* batches in / out */
	unsigned long nr_in, nr_out; /* pages refilled / drained */
} __cacheline_aligned;

/*
 * Order-0 frees taken by a per-CPU list.  Not counted on the free fast
 * path (mm/page_alloc.c, section 7) but derived: every page that entered
 * the list (refill or free) left it (allocation or drain) or is still on
 * it, so frees = allocations + drained + count - refilled.
 */
static inline unsigned long pcp_nr_free(const struct per_cpu_pages *p)
{
	/* a snapshot: read like READ_ONCE (the owner updates them) */
	return __atomic_load_n(&p->nr_alloc, __ATOMIC_RELAXED) +
	       __atomic_load_n(&p->nr_out, __ATOMIC_RELAXED) +
	       __atomic_load_n(&p->count, __ATOMIC_RELAXED) -
	       __atomic_load_n(&p->nr_in, __ATOMIC_RELAXED);
}

enum zone_wmark {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	NR_WMARK
};

struct zone {
	spinlock_t lock; /* guards every field marked [L] */
	/* Set by mm_init(), read-only afterwards. */
	const char *name;
	unsigned long start_pfn, end_pfn; /* span [start, end) */
	unsigned long present_pages; /* RAM frames in the span */
	unsigned long managed_pages; /* frames given to the allocator */
	unsigned long wmark[NR_WMARK]; /* in pages */
	unsigned long lowmem_reserve; /* kept from fallback allocations */
	/* [L] the buddy free areas and counters. */
	struct free_area free_area[MAX_ORDER];
	unsigned long free_pages; /* pages in free_area (not pcp) */
	unsigned long nr_pageblocks[NR_PGKINDS]; /* pageblocks of each kind */
	unsigned long nr_steal, nr_claim; /* fallbacks to another kind's
					     block; pageblocks claimed */
	uint8_t *pb_kind; /* [L] kind of each pageblock of the span, from the
			     one holding start_pfn (set at boot) */
	unsigned long nr_alloc[MAX_ORDER]; /* blocks allocated from buddy */
	unsigned long nr_freed[MAX_ORDER]; /* blocks freed to buddy */
	unsigned long nr_split, nr_merge; /* buddy steps */
	unsigned long wm_low_events; /* times free fell below low */
	unsigned long min_free_seen; /* lowest free_pages since boot */
	bool below_low; /* free < low, not yet above high */
	/* Atomic counters (no lock). */
	unsigned long
		nr_fail[MAX_ORDER]; /* failed requests preferring this zone */
	unsigned long wm_refusals; /* refused by a watermark/reserve */
	/* One per hart, each on its own cache lines. */
	struct per_cpu_pages pcp[NR_CPUS];
} __attribute__((aligned(4096))); /* a power of two: &zones[i] is a shift
				     on the per-CPU fast paths */

_Static_assert(sizeof(struct zone) == 4096, "struct zone outgrew 4 KiB");

extern struct zone zones[MAX_NR_ZONES];

#define for_each_zone(z) for (z = zones; z < zones + MAX_NR_ZONES; z++)

static inline struct zone *page_zone(const struct page *pg)
{
	struct page seen; /* the state word is updated atomically: read it so */

	seen.state = __atomic_load_n(&pg->state, __ATOMIC_RELAXED);
	return &zones[seen.zone];
}
static inline bool zone_is_empty(const struct zone *z)
{
	return z->managed_pages == 0;
}

/* ---- the API ---------------------------------------------------------------- */

/*
 * Allocate 2^order contiguous pages.  Returns the first page's struct page,
 * or NULL when order >= MAX_ORDER or gfp has unknown bits (MM_EINVAL), when
 * a watermark or the lowmem reserve refuses (MM_EWATERMARK), when no block is
 * free (MM_ENOMEM), or when fault injection says so (MM_EFAULT_INJECTED).
 * On failure nothing changes but the failure counters; a console line names
 * the caller unless __GFP_NOWARN.  Allocation hooks (transactions, fault
 * injection) see this call.
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order);

/*
 * Give back a block from alloc_pages() with the same order.  Anything else
 * (not a managed page, misaligned, already free, wrong order, a tail page,
 * a block of another allocator: a slab, a large kmalloc block, a DMA
 * buffer) is reported on the console with the caller, counted, sets
 * MM_EBADFREE, and changes nothing.  free_pages(NULL, order) does nothing.
 */
void free_pages(struct page *page, unsigned int order);

/* The same without the hooks, for allocators that log at their own level
 * (slab pages, large kmalloc, transaction rollback).  caller is used in
 * reports; pass __builtin_return_address(0) or your own caller. */
struct page *__alloc_pages(gfp_t gfp, unsigned int order, unsigned long caller);
void __free_pages(struct page *page, unsigned int order, unsigned long caller);

/*
 * Runs (mm/page_run.c): nr contiguous pages, 1 <= nr <= MAX_ORDER_NR_PAGES,
 * neither a power of two nor aligned beyond a page, for an allocator that
 * needs whole pages but not a buddy block (kmalloc's large blocks, when no
 * block of their order is free).  The run is made of the free blocks
 * around a free block of order >= floor(log2 nr) - 1, smallest first, and
 * handed out as its cut into aligned blocks (page_run_order()), each an
 * allocated head of its order and kind, the blocks after the first marked
 * PG_run (so that free_pages() refuses them).  Returns its first page, or NULL
 * with the reason as alloc_pages() gives it (no hooks: like
 * __alloc_pages(), for allocators that log at their own level).
 * __free_page_run() gives back exactly such a run: it checks every block
 * first and changes nothing (a report with the caller) unless all are
 * the allocated heads the cut says.
 */
struct page *__alloc_page_run(gfp_t gfp, unsigned long nr,
			      unsigned long caller);
void __free_page_run(struct page *page, unsigned long nr, unsigned long caller);

/* The order of the block at pfn in the cut of a run that has nr pages
 * left from pfn: the largest block aligned at pfn that fits in nr. */
static inline unsigned int page_run_order(unsigned long pfn, unsigned long nr)
{
	unsigned int order = 0;

	while (order + 1 < MAX_ORDER && !(pfn & ((2UL << order) - 1)) &&
	       (2UL << order) <= nr)
		order++;
	return order;
}

/* What is wrong with the run of nr pages at page as a live allocation
 * (each block of its cut an allocated head of its order; the first
 * carries exactly the owner bits owner, the others exactly PG_run), or
 * NULL. */
const char *page_run_check(const struct page *page, unsigned long nr,
			   uint16_t owner);

/* The smallest order whose block holds bytes (MAX_ORDER when none does). */
static inline unsigned int get_order(size_t bytes)
{
	unsigned int order = 0;

	while (order < MAX_ORDER && (PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* Convenience: the direct-map address of a fresh block, or NULL. */
void *alloc_pages_addr(gfp_t gfp, unsigned int order);

/* Direct-map address of a page (RV64: the direct map covers all RAM).
 * Inline: the slab layer computes a slab's base on every refill. */
static inline void *page_address(const struct page *pg)
{
	return arch_phys_to_virt(page_to_phys(pg));
}
/* The struct page of a direct-map address, or NULL outside the memmap. */
struct page *virt_to_page(const void *addr);

/*
 * The head page of the allocated block containing pg: pg itself for a
 * head, else the first PG_head found among the aligned frames below whose
 * order covers pg (at most MAX_ORDER-1 probes), so kfree() can go from any
 * address to its block.  NULL when pg is free, reserved or outside the
 * memmap.  The answer is stable only while the caller owns the block.
 */
struct page *page_block_head(struct page *pg);

/*
 * Return every hart's per-CPU pages to the buddy lists.  Allocation does it
 * before reporting failure; tests use it to compare free areas.
 */
void drain_all_pages(void);

/*
 * The reclaimer: called when an allocation found no page even after
 * draining the per-CPU lists, before it reports failure (mm/slab.c drains
 * its per-CPU object caches and frees its empty slabs).  It returns the
 * number of pages it gave back.  It may run from any context an
 * allocation may (GFP_ATOMIC: interrupts off, an interrupt handler) and
 * while the allocating code holds its own locks, so it must only trylock
 * anything such code could hold.  NULL removes it.
 */
void page_alloc_set_reclaim(unsigned long (*reclaim)(void));

/* ---- checking and reporting ------------------------------------------------ */

/* Kinds of refused free_pages() calls (counted in page_alloc_bad_frees). */
enum bad_free_kind {
	BAD_FREE_OUTSIDE, /* not a struct page of a managed frame */
	BAD_FREE_ORDER, /* order >= MAX_ORDER */
	BAD_FREE_MISALIGNED, /* frame not aligned to the order */
	BAD_FREE_DOUBLE, /* already free (buddy or per-CPU list) */
	BAD_FREE_WRONG_ORDER, /* allocated with another order */
	BAD_FREE_TAIL, /* inside a larger allocated block */
	BAD_FREE_NOT_ALLOCATED, /* not the head of any allocated block */
	BAD_FREE_OWNED, /* the head carries an owner bit: another allocator's */
	NR_BAD_FREE
};
extern unsigned long page_alloc_bad_frees[NR_BAD_FREE];
const char *bad_free_name(enum bad_free_kind kind);

/*
 * Walk every zone (under its locks) and check each invariant listed in
 * mm/page_alloc.c's theory section.  Returns true when all hold; otherwise
 * prints each failure and returns false.
 */
bool page_alloc_validate(void);

/* Free pages of one zone, per-CPU lists included. */
unsigned long zone_free_pages(const struct zone *z);
/* The kind of the pageblock holding pfn, a frame of z. */
static inline enum page_kind pageblock_kind(const struct zone *z,
					    unsigned long pfn)
{
	return (enum page_kind)z->pb_kind[(pfn >> PAGEBLOCK_ORDER) -
					  (z->start_pfn >> PAGEBLOCK_ORDER)];
}
/* Free blocks of one order in one zone (buddy lists only). */
unsigned long zone_free_blocks(const struct zone *z, unsigned int order);

/* /proc/buddyinfo and /proc/zoneinfo style reports on the console. */
void page_alloc_report_buddyinfo(void);
void page_alloc_report_zoneinfo(void);

/* mm.dma_limit as applied at boot (bytes above the start of RAM). */
extern uint64_t mm_dma_limit;

#endif /* MM_PAGE_ALLOC_H */

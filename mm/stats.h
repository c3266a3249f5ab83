/* SPDX-License-Identifier: MIT */
/*
 * The statistics snapshot: every allocator's counters gathered in one
 * struct (mm_stats_get(), a fixed name), and the cross-check that recounts
 * them from the structures themselves (mm_stats_validate()).
 *
 * Nothing is counted twice: the page allocator's own counters (zone and
 * per-CPU) are read as they are; the only counters kept here are those no
 * allocator keeps (page failures injected on purpose, told apart from
 * real ones).  A snapshot is read without locks, so while other harts
 * allocate its figures may be a few operations apart; mm_stats_validate()
 * takes the locks and must find them exact.  docs/health.md explains each
 * figure.
 */
#ifndef MM_STATS_H
#define MM_STATS_H

#include <stdbool.h>
#include "mm/hooks.h"
#include "mm/page_alloc.h"

/* One order of one zone. */
struct mm_order_stats {
	unsigned long free_blocks; /* blocks on the buddy list */
	unsigned long allocs; /* blocks handed out (order 0: the per-CPU
				 lists' allocations included) */
	unsigned long frees; /* blocks given back (same) */
	unsigned long fails; /* real failed requests preferring the zone */
	unsigned long injected; /* failures injected on purpose */
};

struct mm_zone_stats {
	const char *name;
	unsigned long spanned, present, managed; /* pages */
	unsigned long free; /* buddy + per-CPU lists */
	unsigned long buddy_free, pcp_free;
	unsigned long used; /* managed - free */
	unsigned long peak_used; /* managed - lowest buddy free seen: an
				    upper bound (per-CPU pages count as used) */
	unsigned long min_free_seen; /* lowest buddy free since boot */
	unsigned long wmark[NR_WMARK];
	unsigned long lowmem_reserve;
	bool below_low;
	unsigned long wm_low_events; /* times free fell below low */
	unsigned long wm_refusals; /* requests refused by a watermark */
	unsigned long nr_split, nr_merge;
	unsigned long pcp_allocs, pcp_frees, pcp_refills, pcp_drains;
	/* Over all orders. */
	unsigned long allocs, frees, fails, injected;
	unsigned long in_use_blocks; /* allocs - frees */
	struct mm_order_stats order[MAX_ORDER];
};

/* One slab cache (kmem_cache_get_stats() and the cache's geometry). */
struct mm_cache_stats {
	const char *name;
	unsigned int objsize, objs_per_slab, pages_per_slab;
	unsigned long active_objs; /* not on a slab freelist (cached too) */
	unsigned long num_objs; /* in all its slabs */
	unsigned long slabs, cached; /* cached: in per-CPU magazines */
	unsigned long allocs, frees, fails, bad_frees, corrupt;
};

#define MM_STATS_MAX_CACHES 32

struct mm_stats {
	struct mm_zone_stats zone[MAX_NR_ZONES];
	/* Pages, all zones. */
	unsigned long total_pages; /* managed */
	unsigned long free_pages; /* = nr_free_pages() */
	unsigned long used_pages, peak_used_pages;
	unsigned long reserved_pages; /* present - managed */
	unsigned long page_allocs, page_frees, page_fails, page_injected;
	unsigned long wm_low_events, wm_refusals;
	/* Refused frees, by allocator and (pages) by kind. */
	unsigned long page_bad_free[NR_BAD_FREE];
	unsigned long page_bad_frees;
	/* The slab layer: every cache, the first MM_STATS_MAX_CACHES kept. */
	unsigned int nr_caches;
	struct mm_cache_stats cache[MM_STATS_MAX_CACHES];
	unsigned long slab_pages; /* pages in slabs, all caches */
	unsigned long slab_active_objs, slab_num_objs, slab_allocs;
	unsigned long slab_frees, slab_fails, slab_corrupt;
	unsigned long slab_bad_frees; /* slab_bad_frees[] summed */
	unsigned long slab_bad_frees_kmalloc; /* ... of them in kmalloc's
						 caches (kfree counts them) */
	/* kmalloc (kmalloc_stats_get()), every size class, mode and set. */
	unsigned long kmalloc_allocs, kmalloc_frees, kmalloc_live;
	unsigned long kmalloc_fails; /* real failures */
	unsigned long kmalloc_injected; /* failed by fault injection */
	unsigned long kmalloc_bytes_req; /* sizes asked for, every alloc */
	unsigned long kmalloc_bytes_given; /* usable sizes handed out */
	unsigned long kmalloc_bad_frees; /* every kfree refused */
	unsigned long kmalloc_corrupt; /* debug: red zones, writes after
					  free, writes into zero-size blocks */
	/* The TLSF heaps (k_heap_stats_get()), all of them. */
	unsigned int nr_heaps;
	unsigned long heap_bytes; /* their regions */
	unsigned long heap_used, heap_free; /* payload bytes */
	unsigned long heap_allocs, heap_frees, heap_fails, heap_bad_frees;
	/* Refused frees (and arena resets) of the pools, arenas, mempools
	 * and DMA buffers and pools (their *_bad_frees_total()). */
	unsigned long other_bad_frees;
	/* Fault injection (mm_fault_stats()): failures made on purpose. */
	bool fault_armed; /* a rule is armed now */
	unsigned long injected[MM_NR_KINDS]; /* per allocator kind */
	unsigned long injected_total;
	/* Transactions (mm_txn_stats(), mm_txn_depth_of()). */
	unsigned int txn_open; /* open now, every hart, nested ones too */
	unsigned int txn_harts; /* harts with at least one open */
	unsigned long txn_begins, txn_commits, txn_aborts;
	unsigned long txn_logged, txn_rolled_back, txn_restored;
	unsigned long txn_log_full; /* allocations failed: log full */
	unsigned long txn_lost; /* frees that could not be deferred */
	unsigned long txn_misuse; /* misuse reported, and transactions
				     found left open (mm_txn_unwind) */
	/* Every allocator: refused frees, each counted once (a kfree the
	 * slab refused is kmalloc's), and corruption reports. */
	unsigned long bad_frees;
	unsigned long corrupt; /* slab_corrupt + kmalloc_corrupt */
};

/* Fill *st from the allocators' counters (no locks; see above). */
void mm_stats_get(struct mm_stats *st);
/* One zone's part; exact when the caller holds zone_lock_all(z). */
void mm_stats_zone(const struct zone *z, struct mm_zone_stats *zs);

/*
 * Recount, under each zone's locks, what the snapshot claims: free blocks
 * per order and free pages from the buddy lists, per-CPU pages from the
 * per-CPU lists, pages in use from the counters against what the lists
 * leave, and the totals against the zones.  Then, under each cache's
 * locks, what kmem_cache_get_stats() claims against the cache's slab
 * lists and per-CPU magazines.  Prints every disagreement
 * ("mm_stats_validate: zone Normal: ...", "... cache kmalloc-64: ...")
 * and returns false if any.  Part of mm_validate().
 */
bool mm_stats_validate(void);

#endif /* MM_STATS_H */

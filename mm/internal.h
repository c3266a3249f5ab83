/* SPDX-License-Identifier: MIT */
/*
 * Declarations shared inside mm/ only (not an API for other subsystems).
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm/mm.h"
#include "mm/page_alloc.h"

/* The caller's address, for reports and allocation sites (Linux's name). */
#define _RET_IP_ ((unsigned long)__builtin_return_address(0))

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Does pg point at a descriptor in mem_map (not between two)? */
static inline bool page_in_mem_map(const struct page *pg)
{
	uintptr_t off = (uintptr_t)pg - (uintptr_t)mem_map;

	return mem_map && (uintptr_t)pg >= (uintptr_t)mem_map &&
	       off / sizeof(*pg) < memmap_end_pfn - memmap_start_pfn &&
	       off % sizeof(*pg) == 0;
}

/*
 * For validators walking a list of struct pages linked through lru: is the
 * link e either the list's head or the lru of a descriptor in mem_map, so
 * that it may be followed?  (A corrupted link may point anywhere.)
 */
static inline bool page_lru_link_ok(const struct list_head *head,
				    const struct list_head *e)
{
	/* integer arithmetic: e may be any value, even near 0 */
	return e == head ||
	       page_in_mem_map(
		       (const struct page *)((uintptr_t)e -
					     __builtin_offsetof(struct page,
								lru)));
}

/*
 * For validators walking a list whose entries live in RAM (objects of a
 * slab cache): may the link e be followed?  It is the head, or a
 * pointer-aligned address of the direct map, whose next entry is itself
 * such a link that points back at e.  Bound the walk as well (a cycle).
 */
static inline bool ram_link_ok(const struct list_head *head,
			       const struct list_head *e)
{
	return e == head ||
	       (!((uintptr_t)e & (sizeof(void *) - 1)) && virt_to_page(e));
}

static inline bool ram_list_step_ok(const struct list_head *head,
				    const struct list_head *e)
{
	return ram_link_ok(head, e) && ram_link_ok(head, e->next) &&
	       e->next->prev == e;
}

/*
 * The registries (the lists of arenas, heaps, pools, mempools and DMA
 * pools, whose entries callers provide) keep the count of their entries,
 * so that every walk ends even on a corrupted list that loops:
 * reg_next() gives the entry after pos (the first when pos is the head),
 * or the head at the end of the list and once more than nr entries were
 * walked -- then *cut is set for good, for the validator to report.  The
 * registry's lock is held; *n starts at 0.
 */
static inline struct list_head *reg_next(struct list_head *head,
					 struct list_head *pos,
					 unsigned long *n, unsigned long nr,
					 bool *cut)
{
	if (pos->next == head)
		return head;
	if (++*n > nr) {
		*cut = true;
		return head;
	}
	return pos->next;
}

/* A snapshot of a page's state word (flags, order, zone), read atomically. */
static inline struct page page_load_state(const struct page *pg)
{
	struct page seen;

	seen.state = __atomic_load_n(&pg->state, __ATOMIC_RELAXED);
	return seen;
}

/* ---- mm/page_alloc.c, for mm/memmap.c at boot ---- */
/* Give zone t its span [start, end) with present RAM frames. */
void zone_init_span(enum zone_type t, unsigned long start_pfn,
		    unsigned long end_pfn, unsigned long present);
/* Hand the usable frames [start, end) to the buddy lists (boot only). */
void page_alloc_free_boot_range(unsigned long start_pfn, unsigned long end_pfn);
/* Take and drop every lock of a zone (validator, reports): pcp then zone. */
unsigned long zone_lock_all(struct zone *z);
void zone_unlock_all(struct zone *z, unsigned long flags);

/* ---- mm/page_check.c ---- */
/* Report, count and classify a refused free (no state is changed). */
void page_report_bad_free(struct page *pg, unsigned int order,
			  unsigned long caller);

/* ---- mm/health.c: page allocator events (slow paths only) ---- */
/*
 * z's buddy free pages fell below its low watermark or rose back above its
 * high one (z->below_low just changed).  Called with z->lock held and
 * interrupts off: re-evaluates z's verdict and logs a change; takes only
 * the health lock (try-lock) and the console lock.
 */
void mm_health_zone_event(struct zone *z);
/*
 * An allocation preferring z failed with err (no lock held): counts an
 * injected failure apart, then re-evaluates z's verdict.
 */
void mm_health_page_failed(struct zone *z, unsigned int order,
			   enum mm_error err);
/* mm/stats.c: count a page failure injected on purpose (order < MAX_ORDER). */
void mm_stats_count_injected(const struct zone *z, unsigned int order);

#endif /* MM_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * Declarations shared inside mm/ only (not an API for other subsystems).
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "lib/printk.h"

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
 * For validators and statistics about to read through a pointer they have
 * not checked yet (it may have been overwritten): does p point into RAM
 * the page allocator manages, aligned to align (a power of two)?
 */
static inline bool ram_ptr_ok(const void *p, uintptr_t align)
{
	return p && !((uintptr_t)p & (align - 1)) && virt_to_page(p);
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
	return e == head || ram_ptr_ok(e, sizeof(void *));
}

static inline bool ram_list_step_ok(const struct list_head *head,
				    const struct list_head *e)
{
	return ram_link_ok(head, e) && ram_link_ok(head, e->next) &&
	       e->next->prev == e;
}

/*
 * A registry: the list of one kind of object whose memory callers provide
 * (arenas, TLSF heaps, pools, mempools), with the count of its entries, so
 * that every walk ends even on a corrupted list that loops.  The owner's
 * lock guards it.  reg_for_each() stops at the end of the list or once
 * more than nr entries were walked; then cut is set for good, and
 * reg_check() reports it.
 */
struct mm_registry {
	struct list_head head;
	unsigned long nr; /* entries on head: bounds every walk */
	bool cut; /* a walk was cut short: the list loops */
	const char *what; /* "heaps", for the report */
};

#define MM_REGISTRY_INIT(name, what)                        \
	{                                                   \
		LIST_HEAD_INIT((name).head), 0, false, what \
	}

static inline void reg_add(struct mm_registry *r, struct list_head *e)
{
	list_add_tail(e, &r->head);
	r->nr++;
}

/* The entry after pos (the first when pos is the head), or the head. */
static inline struct list_head *
reg_next(struct mm_registry *r, struct list_head *pos, unsigned long *n)
{
	if (pos->next == &r->head)
		return &r->head;
	if (++*n > r->nr) {
		r->cut = true;
		return &r->head;
	}
	return pos->next;
}

#define reg_for_each(pos, r, n)                                \
	for ((n) = 0, (pos) = reg_next((r), &(r)->head, &(n)); \
	     (pos) != &(r)->head; (pos) = reg_next((r), (pos), &(n)))

/*
 * Take e off the registry if it is on it; e itself is not trusted (an
 * object never set up may hold anything), so the list is searched.
 */
static inline void reg_remove(struct mm_registry *r, struct list_head *e)
{
	struct list_head *pos;
	unsigned long n;

	reg_for_each(pos, r, n)
	{
		if (pos == e) {
			list_del(pos);
			r->nr--;
			return;
		}
	}
}

/* True unless a walk of r was ever cut short; then fn reports it. */
static inline bool reg_check(const struct mm_registry *r, const char *fn)
{
	if (!READ_ONCE(r->cut))
		return true;
	printk("%s: the list of %s is longer than the %lu set up (a cycle?)\n",
	       fn, r->what, r->nr);
	return false;
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

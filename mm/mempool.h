/* SPDX-License-Identifier: MIT */
/*
 * Memory pools with a guaranteed reserve (Linux's mempool_t): allocation
 * that still succeeds, min_nr times, when the allocator underneath fails.
 *
 *	pool = mempool_create_slab_pool(4, request_cache);
 *	rq = mempool_alloc(pool, GFP_ATOMIC);    the cache, else the reserve
 *	...
 *	mempool_free(rq, pool);                  refills the reserve first
 *	mempool_destroy(pool);                   reserve back to the cache
 *
 * Guarantees.  mempool_create() preallocates min_nr elements with
 * alloc_fn; mempool_alloc() first asks alloc_fn and, when it fails, hands
 * out a reserved element, so min_nr allocations outstanding from the
 * reserve always succeed whatever the state of memory.  mempool_free()
 * puts the element back into the reserve while it is below min_nr and
 * gives it to free_fn otherwise.  Calls never panic; an element freed
 * twice (already in the reserve) or, for the slab and page helpers, not a
 * live object of the backing cache or order is reported with the caller,
 * counted and ignored.  One irqsave spinlock per pool: usable from any
 * hart and from interrupt handlers (with GFP_ATOMIC).
 *
 * Differences from Linux: there is no scheduler, so mempool_alloc() never
 * waits for an element to be freed: with the allocator failing and the
 * reserve empty it returns NULL (MM_ENOMEM).  mempool_resize() is all or
 * nothing: when growing fails the pool is unchanged.
 *
 * alloc_fn and free_fn should use the unhooked allocator twins
 * (__kmem_cache_alloc, __alloc_pages ...; mm/hooks.h): the pool itself is
 * what transactions and fault injection see (MM_KIND_MEMPOOL).
 * The design is in mm/mempool.c and docs/allocators.md.
 */
#ifndef MM_MEMPOOL_H
#define MM_MEMPOOL_H

#include <stdbool.h>
#include "lib/list.h"
#include "lib/spinlock.h"
#include "mm/page_alloc.h"

struct kmem_cache;

typedef void *(mempool_alloc_t)(gfp_t gfp, void *pool_data);
typedef void(mempool_free_t)(void *element, void *pool_data);
/* True when element is a live object of the backing allocator. */
typedef bool(mempool_check_t)(void *element, void *pool_data);

typedef struct mempool {
	spinlock_t mp_lock; /* guards every field below mp_node */
	const char *mp_name; /* for reports (the cache name ...) */
	mempool_alloc_t *mp_alloc;
	mempool_free_t *mp_free;
	mempool_check_t *mp_check; /* NULL: only the reserve is checked */
	void *mp_data; /* pool_data for the three above */
	struct list_head mp_node; /* on the list of pools (mempool_lock) */
	/* Guarded by mp_lock. */
	void **mp_elements; /* the reserve: mp_curr_nr of mp_min_nr slots */
	unsigned int mp_order; /* mp_elements is 2^order pages (or NULL) */
	unsigned int mp_min_nr, mp_curr_nr;
	unsigned long mp_out; /* elements handed out, not yet freed */
	unsigned long mp_nr_alloc; /* successful mempool_alloc() */
	unsigned long mp_nr_reserve; /* ... of which from the reserve */
	unsigned long mp_nr_free; /* valid mempool_free() */
	unsigned long mp_nr_refill; /* ... of which went to the reserve */
	unsigned long mp_nr_fail; /* allocator and reserve both empty */
	unsigned long mp_nr_bad_free;
	unsigned int mp_min_curr; /* lowest mp_curr_nr seen */
} mempool_t;

struct mempool_stats {
	unsigned int min_nr, curr_nr, min_curr;
	unsigned long out, nr_alloc, nr_reserve, nr_free, nr_refill, nr_fail;
	unsigned long nr_bad_free;
};

/*
 * A pool whose reserve is min_nr elements from alloc_fn(GFP_KERNEL,
 * pool_data).  Returns the pool, or NULL (nothing left allocated) with
 * MM_EINVAL (no alloc_fn or free_fn) or MM_ENOMEM (the reserve or the
 * pool's own memory could not be had).
 */
mempool_t *mempool_create(int min_nr, mempool_alloc_t *alloc_fn,
			  mempool_free_t *free_fn, void *pool_data);
/* The same with a name for reports and an element check (may be NULL). */
mempool_t *mempool_create_named(const char *name, int min_nr,
				mempool_alloc_t *alloc_fn,
				mempool_free_t *free_fn,
				mempool_check_t *check_fn, void *pool_data);
/* Backed by a slab cache: elements are its objects. */
mempool_t *mempool_create_slab_pool(int min_nr, struct kmem_cache *cache);
/* Backed by the page allocator: elements are struct page * of 2^order. */
mempool_t *mempool_create_page_pool(int min_nr, unsigned int order);

/*
 * An element: from alloc_fn(gfp | __GFP_NOWARN), else from the reserve.
 * NULL when both fail (MM_ENOMEM; counted), or MM_EFAULT_INJECTED (the
 * reserve untouched).  Never waits.
 */
void *mempool_alloc(mempool_t *pool, gfp_t gfp);
/* Give element back (NULL: nothing): to the reserve if it is short. */
void mempool_free(void *element, mempool_t *pool);
/*
 * Change the reserve to new_min_nr elements: shrinking frees the excess
 * reserve, growing allocates the new ones with GFP_KERNEL.  Returns 0, or
 * -MM_EINVAL (new_min_nr < 1, or more slots than the largest block holds),
 * -MM_ENOMEM or -MM_EFAULT_INJECTED (nothing changed).
 */
int mempool_resize(mempool_t *pool, int new_min_nr);
/*
 * Free the reserve and the pool.  Every element must have been freed:
 * elements still out are reported (they are not the pool's to free).
 */
void mempool_destroy(mempool_t *pool);

void mempool_stats_get(mempool_t *pool, struct mempool_stats *st);
/* True when element could be handed out by pool and is not in its reserve. */
bool mempool_element_live(mempool_t *pool, void *element);

/* The helpers' callbacks (Linux names), for mempool_create(). */
void *mempool_alloc_slab(gfp_t gfp, void *cache);
void mempool_free_slab(void *element, void *cache);
void *mempool_alloc_pages(gfp_t gfp, void *order);
void mempool_free_pages(void *element, void *order);

/*
 * Check every pool: reserve within bounds, distinct non-NULL elements
 * that the backing allocator says are live, counters consistent.  True
 * when all hold; otherwise prints each failure and returns false.
 */
bool mempool_validate(mempool_t *pool);
bool mempool_validate_all(void); /* part of mm_validate() */
void mempool_report(void);
/* Create the cache that holds mempool_t (mm_init()). */
void mempool_init(void);

/* ---- for mm/ (transactions): the same without allocation hooks ---------- */
void *__mempool_alloc(mempool_t *pool, gfp_t gfp, unsigned long caller);
bool __mempool_free(mempool_t *pool, void *element, unsigned long caller);

/* Refused frees of every mempool (health). */
unsigned long mempool_bad_frees_total(void);

#endif /* MM_MEMPOOL_H */

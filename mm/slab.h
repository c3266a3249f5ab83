/* SPDX-License-Identifier: MIT */
/*
 * The slab layer: caches of equal-sized objects carved from buddy pages.
 *
 * Guarantees.  kmem_cache_alloc() returns an object of the cache's size and
 * alignment, or NULL (never a panic) with the reason in mm_last_error().
 * The common allocation and free touch only the calling hart's per-CPU
 * cache: no shared lock, no other hart's cache lines.  kmem_cache_free()
 * checks its argument: anything that is not a live object of that cache
 * (another cache's object, an interior pointer, a free object, a random
 * address) is reported with the caller, counted and ignored.  All calls are
 * SMP-safe and may be made with interrupts off or from an interrupt
 * handler (with GFP_ATOMIC).  The design is explained in mm/slab.c and
 * docs/slab.md.
 *
 * THIS HEADER IS A CONTRACT SKELETON: the function names and semantics
 * below are fixed; mm/slab.c's author fills in struct kmem_cache.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include "mm/page_alloc.h"

/* ---- cache flags (kmem_cache_create) --------------------------------------- */
#define SLAB_HWCACHE_ALIGN 0x0001u /* align objects to the cache line */
/* Debugging (also switched on for every cache by mm.debug=1). */
#define SLAB_RED_ZONE 0x0010u /* guard bytes before and after each object */
#define SLAB_POISON 0x0020u /* fill free objects; check on allocation */
#define SLAB_STORE_USER 0x0040u /* record the allocation site of each object */
#define SLAB_DEBUG (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
/* Internal caches (the transaction log ...): never hooked, never failed on
 * purpose. */
#define SLAB_NO_HOOKS 0x0100u

struct kmem_cache;

/*
 * Create a cache of objects of size bytes aligned to align (0 or a power
 * of two; SLAB_HWCACHE_ALIGN raises it to the cache line).  ctor, when not
 * NULL, runs once on each object when its slab is created (not on every
 * allocation).  The name is copied.  Returns NULL (MM_EINVAL for a bad
 * size, alignment or flags; MM_ENOMEM) on failure.
 */
struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align, unsigned int flags,
				     void (*ctor)(void *obj));

/* Allocate one object; NULL on failure (see mm_last_error()).  gfp as for
 * alloc_pages(); __GFP_ZERO zeroes the object. */
void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp);

/* Free an object of this cache.  NULL does nothing; anything else that is
 * not a live object of cache is reported, counted and ignored. */
void kmem_cache_free(struct kmem_cache *cache, void *obj);

/* Drain every hart's per-CPU cache and give every empty slab back to the
 * page allocator.  Returns the number of pages released. */
unsigned long kmem_cache_shrink(struct kmem_cache *cache);

/*
 * Destroy an empty cache: 0.  With live objects it refuses with -MM_EBUSY,
 * prints each live object (with its allocation site when the cache tracks
 * them) and leaves the cache usable.
 */
int kmem_cache_destroy(struct kmem_cache *cache);

/* ---- for mm/ (kmalloc, transactions, health, reports) ----------------------- */

/* The same without hooks (mm/hooks.h); caller is named in reports and, with
 * SLAB_STORE_USER, recorded as the allocation site. */
void *__kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp,
			 unsigned long caller);
/* Free without hooks; false when refused (reported and counted). */
bool __kmem_cache_free(struct kmem_cache *cache, void *obj,
		       unsigned long caller);

/* The cache owning the slab page that holds addr, or NULL. */
struct kmem_cache *kmem_cache_of(const void *addr);
/* Usable bytes of each object of the cache. */
size_t kmem_cache_size(const struct kmem_cache *cache);
/* The cache's name. */
const char *kmem_cache_name(const struct kmem_cache *cache);
/* True when obj is the start of a live (allocated) object of cache. */
bool kmem_cache_obj_live(struct kmem_cache *cache, const void *obj);

/* Every cache, in creation order; fn returns false to stop. */
void kmem_cache_for_each(bool (*fn)(struct kmem_cache *cache, void *arg),
			 void *arg);

/* Drain all per-CPU caches and free all empty slabs of every cache
 * (registered with page_alloc_set_reclaim()).  Returns pages released. */
unsigned long slab_reclaim(void);

/* Walk every cache and check the invariants of mm/slab.c's theory section
 * (part of mm_validate()). */
bool slab_validate(void);

/* /proc/slabinfo-style table on the console. */
void slab_report(void);

/* Set up the slab layer (the cache of caches); called by mm_init(). */
void slab_init(void);

#endif /* MM_SLAB_H */

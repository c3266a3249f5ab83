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
 * The function names and semantics below are a contract (docs/slab.md); the
 * structures are here, documented field by field, because GDB scripts and
 * students read them.  Field prefixes: kc_ for the cache, cc_ for its
 * per-CPU part, so that every field greps uniquely.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include "mm/page_alloc.h"
#include "lib/list.h"
#include "lib/spinlock.h"

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

/* ---- the structures ---------------------------------------------------------- */

/* kc_magic of a cache in use, and of one kmem_cache_destroy() freed. */
#define SLAB_MAGIC_LIVE 0x6b6d656d63616368UL /* "kmemcach" */
#define SLAB_MAGIC_DEAD 0x6465616463616368UL /* "deadcach" */

#define SLAB_NAME_LEN 24
/* Per-CPU magazine room (objects): kmem_cache_cpu is 8 cache lines.  A
 * cache uses up to its cc_limit of it (set_magazines()). */
#define SLAB_MAG_MAX 58
/* The base magazine size of the smallest objects (mm/slab_cache.c). */
#define SLAB_MAG_BASE 26
/*
 * Most slabs one refill takes objects from.  The partial list is in no
 * order: after random frees its slabs may hold one free object each, and
 * a refill that visited a slab per object would cost ~200 instructions
 * an object.  A refill stops at this many slabs, with fewer objects than
 * its batch if need be (mm/slab.c section 2, "Bounded refills").
 */
#define SLAB_REFILL_SLABS 4
/* Empty slabs a cache keeps for reuse; more go back to the page allocator. */
#define SLAB_FREE_RESERVE 1
/* Most objects a slab can hold (8-byte objects in one 4 KiB page). */
#define SLAB_MAX_OBJS 512
/*
 * Slabs of objects larger than a page are at least this order (32 KiB),
 * as Linux SLUB's slub_max_order: 8 and 16 KiB objects come 4 and 2 to a
 * slab, so making a slab is paid once per several objects, and kfree()
 * finds the head of such a slab on the 32 KiB boundary below an object
 * (mm/kmalloc_fast.c).  Their magazines hold at most SLAB_BIG_MAG_BYTES
 * of objects (at least two objects), so that per-CPU caches do not hoard
 * memory: 32 KiB x NR_CPUS harts per cache at most.
 */
#define SLAB_BIG_ORDER 3
#define SLAB_BIG_MAG_BYTES (32u * 1024)

/*
 * One hart's object cache (a "magazine", Bonwick & Adams 2001; Linux SLAB's
 * array_cache): a stack of free objects.  Only its hart pushes and pops,
 * with interrupts off and cc_lock held; another hart takes cc_lock only to
 * drain it (shrink, reclaim, destroy) or to look (validator, double-free
 * search).  cc_lock is a bare flag, not a spinlock_t, so the fast path is
 * not a shared-lock acquisition (same scheme as the page allocator's pcp).
 */
struct kmem_cache_cpu {
	unsigned int cc_lock; /* 0 free, 1 held */
	unsigned short cc_avail; /* objects in cc_objs[0 .. cc_avail) */
	unsigned char
		cc_limit; /* capacity in use (0: debug cache, no magazine) */
	unsigned char cc_batch; /* objects moved per refill or flush */
	unsigned long cc_nr_alloc; /* objects allocated on this hart */
	unsigned long cc_nr_free; /* objects freed on this hart */
	unsigned long cc_nr_refill; /* batches taken from the slabs */
	unsigned long cc_nr_flush; /* batches given back to the slabs */
	unsigned long cc_req; /* bytes kmalloc()'s fast path was asked for
				 (its caches only; mm/kmalloc_stats.c) */
	void *cc_objs[SLAB_MAG_MAX]; /* [cc_avail-1] is the hottest */
} __cacheline_aligned;
/* 512 bytes: a hart's magazine is one shift away from the first. */
_Static_assert(sizeof(struct kmem_cache_cpu) == 512, "magazine stride");
_Static_assert(SLAB_MAG_MAX <= 255, "cc_limit and cc_batch are bytes");

/* Kinds of refused kmem_cache_free() calls (counted per cache). */
enum slab_bad_free {
	SLAB_BAD_NOT_SLAB, /* the address is not in any slab page */
	SLAB_BAD_WRONG_CACHE, /* a slab page of another cache */
	SLAB_BAD_INTERIOR, /* inside a slab, not the start of an object */
	SLAB_BAD_DOUBLE, /* the object is already free */
	SLAB_NR_BAD_FREE
};

/*
 * A cache.  The layout of one object slot and of a slab is drawn in
 * mm/slab.c (section 2); the offsets below are into a slot.
 */
struct kmem_cache {
	/* Read-only after kmem_cache_create(); what every alloc and free
	 * reads, together in the first cache line. */
	unsigned int kc_flags; /* SLAB_* as asked, plus mm.debug's */
	unsigned int kc_size; /* usable bytes per object, as asked */
	unsigned int kc_stride; /* bytes from one slot to the next */
	unsigned int kc_obj_off; /* object start in the slot (left red zone) */
	unsigned int kc_fp_off; /* free word, from the object start */
	unsigned int kc_objs_end; /* kc_obj_off + kc_objs * kc_stride */
	unsigned long kc_slab_bytes; /* PAGE_SIZE << kc_order */
	uintptr_t kc_secret; /* random: free words are XORed with it */
	unsigned long kc_magic; /* SLAB_MAGIC_LIVE; SLAB_MAGIC_DEAD once
				   destroyed (the public calls check it) */
	uint64_t kc_div; /* 2^64 / kc_stride rounded up: slot tests and
			    indices by one multiply (mm/slab.c, section 2) */
	unsigned int kc_user; /* the owner's word, never read by the slab
				 (kmalloc: class + 1 of its normal caches
				 while kfree()'s fast path may take them) */
	uintptr_t kc_lazy_base; /* [L] the one slab with never-used objects
				   (0: none); every free reads it, it
				   changes once per new slab (mm/slab.c,
				   section 2) */
	uintptr_t kc_lazy_addr; /* [L] its first never-used object's address
				   (kc_lazy_next's; only grows within a
				   slab): the fast free's one compare */

	/* Per hart, each on its own cache lines (see kmem_cache_cpu). */
	struct kmem_cache_cpu kc_cpu[NR_CPUS];

	/* Read-only after kmem_cache_create(). */
	char kc_name[SLAB_NAME_LEN]; /* copied, NUL-terminated */
	unsigned int kc_align; /* object alignment (>= 8, power of two) */
	unsigned int kc_rz_end; /* right red zone ends here (from object) */
	unsigned int
		kc_track_off; /* allocation site (STORE_USER), from object */
	unsigned int kc_order; /* pages per slab = 2^kc_order */
	unsigned int kc_objs; /* objects per slab */
	void (*kc_ctor)(void *obj); /* run on each object of a new slab */
	struct list_head kc_link; /* on the list of all caches */

	spinlock_t kc_lock; /* guards the fields marked [L] */
	struct list_head kc_partial; /* [L] slabs with free and used objects */
	struct list_head kc_full; /* [L] slabs without a free object */
	struct list_head kc_free; /* [L] slabs without a used object */
	struct list_head kc_quarantine; /* [L] slabs with a corrupt freelist */
	unsigned long kc_nr_partial, kc_nr_full; /* [L] list lengths */
	unsigned long kc_nr_free, kc_nr_quarantine; /* [L] list lengths */
	unsigned long kc_nr_inuse; /* [L] sum of the slabs' inuse */
	unsigned long kc_nr_grow; /* [L] slabs created */
	unsigned long kc_nr_release; /* [L] slabs given back */
	/* [L] The lazy slab's first never-used object: objects
	 * [kc_lazy_next, kc_objs) of that slab are free but on no freelist
	 * (mm/slab.c, section 2).  The fast free reads it without the lock
	 * (section 7). */
	unsigned int kc_lazy_next;

	/* Atomic counters (no lock). */
	unsigned long kc_nr_fail; /* allocations that returned NULL */
	unsigned long kc_nr_bad_free[SLAB_NR_BAD_FREE]; /* refused frees */
	unsigned long kc_nr_corrupt; /* corrupt free words, red zones, poison */
};

/* The sums of a cache's counters (kmem_cache_get_stats()). */
struct kmem_cache_stats {
	unsigned long nr_alloc, nr_free; /* objects, all harts */
	unsigned long nr_refill, nr_flush; /* magazine batches, all harts */
	unsigned long cached; /* objects sitting in per-CPU magazines */
	unsigned long active_objs; /* objects not on a slab freelist */
	unsigned long num_objs; /* objects in all slabs */
	unsigned long nr_slabs; /* slabs (any list) */
	unsigned long nr_fail, nr_bad_free, nr_corrupt;
};

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
 * alloc_pages(); __GFP_ZERO zeroes the object.  A destroyed cache (or a
 * pointer that is no cache) is reported and gives NULL with MM_EINVAL. */
void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp);

/* Free an object of this cache.  NULL does nothing; anything else that is
 * not a live object of cache (or a destroyed cache) is reported, counted
 * and ignored. */
void kmem_cache_free(struct kmem_cache *cache, void *obj);

/* Drain every hart's per-CPU cache and give every empty slab back to the
 * page allocator.  Returns the number of pages released. */
unsigned long kmem_cache_shrink(struct kmem_cache *cache);

/*
 * Destroy an empty cache: 0.  With live objects it refuses with -MM_EBUSY,
 * prints each live object (with its allocation site when the cache tracks
 * them) and leaves the cache usable.  A cache destroyed already (or a
 * pointer that is no cache) is reported and gives -MM_EINVAL.
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

/* Every cache, in creation order; fn returns false to stop.  fn runs with
 * the cache list locked: it must not create or destroy caches. */
void kmem_cache_for_each(bool (*fn)(struct kmem_cache *cache, void *arg),
			 void *arg);

/*
 * Call fn(cache, obj, site, arg) for every live object of cache, where site
 * is the recorded allocation site (SLAB_STORE_USER) or 0; fn returns false
 * to stop.  The walk holds the cache's locks with interrupts off: fn may
 * print but must not allocate from or free to this cache.  Returns the
 * number of live objects visited.  (kmalloc_leak_report() is built on it.)
 */
unsigned long kmem_cache_walk_live(struct kmem_cache *cache,
				   bool (*fn)(struct kmem_cache *cache,
					      void *obj, unsigned long site,
					      void *arg),
				   void *arg);

/* Sum the cache's per-CPU and shared counters into *st (no lock: each
 * figure is a recent value, not a snapshot of one instant). */
void kmem_cache_get_stats(struct kmem_cache *cache,
			  struct kmem_cache_stats *st);
/* One hart's part (NULL for cpu >= NR_CPUS), for per-hart statistics. */
const struct kmem_cache_cpu *kmem_cache_cpu_part(struct kmem_cache *cache,
						 unsigned int cpu);

/*
 * Debugging for caches created from now on: true adds SLAB_DEBUG to every
 * later kmem_cache_create() (as mm.debug=1 at boot does); false stops it.
 * Returns the previous setting.  Tests pass SLAB_DEBUG flags instead.
 */
bool slab_set_debug_default(bool on);

/* Refused frees by kind, over all caches (for statistics). */
extern unsigned long slab_bad_frees[SLAB_NR_BAD_FREE];
const char *slab_bad_free_name(enum slab_bad_free kind);

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

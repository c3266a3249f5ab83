/* SPDX-License-Identifier: MIT */
/*
 * kmalloc: general-purpose kernel memory of any size.
 *
 * Guarantees.  Every call either succeeds or returns NULL with the reason
 * in mm_last_error(); it never panics.  kfree() finds the owner of a block
 * from its address alone, whatever mode allocated it; an invalid or double
 * free is reported with its caller, counted and ignored, never corrupting
 * anything.  SMP-safe; GFP_ATOMIC calls work with interrupts off and from
 * interrupt handlers.  The design is explained in mm/kmalloc.c and
 * docs/kmalloc.md.
 *
 * Sizes and alignment.  Requests of 1..32768 bytes are served from
 * fifteen size classes (kmalloc_class_size[], each a kmem cache
 * "kmalloc-N"; the 8, 16 and 32 KiB classes live on order-3 slabs, so
 * that they too have per-CPU magazines); larger ones take 2^order whole
 * pages.  A request whose size is a power
 * of two is aligned to its size (up to 4 MiB) in every mode; other sizes
 * are aligned to the largest power of two dividing their class size, and
 * to at least 8 bytes (16 in the simple heap).
 *
 * Size 0.  kmalloc(0) (and kzalloc(0), kcalloc(0, n), krealloc(p, 0),
 * kmalloc_aligned(0, a)) returns a UNIQUE, NON-NULL pointer that must NOT
 * be dereferenced: ksize() says 0 bytes, kfree() takes it back, and two
 * live zero-size blocks never compare equal.  It is an 8-byte object of
 * the "kmalloc-0" cache holding an address-bound canary; kfree() reports a
 * write into it.  NULL from kmalloc(0) means failure, as for any size.
 * Those objects are 8-byte aligned: kmalloc_aligned(0, a) with a above 8
 * is served as kmalloc_aligned(1, a) (a real block, aligned to a, whose
 * ksize() is not 0).
 *
 * Modes (kmalloc_set_mode(), boot argument kmalloc.mode=):
 *   two-tier  (default) the size classes, whole pages above 32 KiB;
 *   simple    every request from the first-fit simple heap
 *             (mm/simple_heap.h) over a region taken at boot: 1/8 of RAM,
 *             at most 64 MiB, in 4 MiB buddy blocks (kmalloc.heap=SIZE
 *             overrides the size; 0 means no heap, and then simple and
 *             hybrid cannot be selected);
 *   hybrid    two-tier first, the simple heap when two-tier is short of
 *             memory (MM_ENOMEM or MM_EWATERMARK).
 * GFP_DMA requests are served from the DMA-zone classes ("dma-kmalloc-N")
 * and DMA pages in every mode: the simple heap is Normal memory.  A switch
 * affects only later allocations; kfree() and ksize() work on any block.
 *
 * Debug mode (boot argument mm.debug=1, or kmalloc_set_debug(true) at run
 * time): new allocations go to a second set of class caches created with
 * SLAB_DEBUG (slab red zones, poison, allocation sites), and every debug
 * block is tracked with its caller and exact size.  The bytes between the
 * size asked for and the end of the block are a red zone checked on free
 * and by kmalloc_validate(), so a 1-byte overflow of kmalloc(13) is caught;
 * simple-heap blocks also get a red zone in front; new blocks are filled
 * with 0x5a unless zeroed.  kmalloc_leak_report() lists the live tracked
 * blocks grouped by call site.  Blocks keep their kind when debug is
 * switched off: they are still checked when freed.
 *
 * Always-on checks: a kfree() of something that is not a live kmalloc
 * block (interior pointer, double free, another cache's object, a random
 * address) prints "kmalloc: bad free ..." (or the slab's or simple heap's
 * report) naming the caller of kfree(), sets MM_EBADFREE, is counted per
 * size class and per mode, and changes nothing.
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include "mm/page_alloc.h"

/* The size classes (bytes); larger requests take whole pages. */
#define KMALLOC_NR_CLASSES 15
#define KMALLOC_MAX_CACHE_SIZE 32768
extern const unsigned int kmalloc_class_size[KMALLOC_NR_CLASSES];

/* The largest block the page path can give (one MAX_ORDER-1 block) and
 * the largest alignment kmalloc_aligned() accepts. */
#define KMALLOC_MAX_SIZE (PAGE_SIZE << (MAX_ORDER - 1))
#define KMALLOC_MAX_ALIGN KMALLOC_MAX_SIZE

/*
 * size bytes, or NULL with MM_ENOMEM / MM_EWATERMARK (no memory; also for
 * a size larger than the mode can ever give), MM_EINVAL (unknown gfp
 * bits), MM_EFAULT_INJECTED or a hook's error.  gfp as for alloc_pages().
 */
void *kmalloc(size_t size, gfp_t gfp);
/* kmalloc() with __GFP_ZERO: the block is zeroed. */
void *kzalloc(size_t size, gfp_t gfp);
/* n * size bytes, zeroed; NULL (MM_EINVAL) when n * size overflows. */
void *kcalloc(size_t n, size_t size, gfp_t gfp);
/*
 * Resize p (NULL: like kmalloc).  In place, returning p, whenever the new
 * size fits the block's usable size (growing within it or shrinking);
 * otherwise a new block (in the current mode), the contents copied, p
 * freed.  On failure p is left untouched and NULL is returned.  Size 0
 * gives a zero-size block (see above) and frees p.  A p that kfree() would
 * refuse is reported and NULL (MM_EBADFREE) returned.
 */
void *krealloc(void *p, size_t size, gfp_t gfp);
/* NULL does nothing. */
void kfree(const void *p);
/* Usable bytes of a live block (0 for NULL, a zero-size block or a block
 * kfree would refuse; such a p is not reported).  In debug mode the
 * usable size is exactly the size asked for. */
size_t ksize(const void *p);
/*
 * size bytes aligned to align, any power of two up to KMALLOC_MAX_ALIGN
 * (4 MiB); 0 means the natural alignment above.  Served by the first size
 * class whose alignment suffices, else by pages (a block of 2^order pages
 * is aligned to its size), else (simple mode) by the simple heap.  NULL
 * with MM_EINVAL for any other align.
 */
void *kmalloc_aligned(size_t size, size_t align, gfp_t gfp);

/* Backend modes (boot argument kmalloc.mode=two-tier|simple|hybrid). */
enum kmalloc_mode {
	KMALLOC_TWO_TIER, /* slab classes, pages above 32 KiB (default) */
	KMALLOC_SIMPLE, /* first-fit simple heap only */
	KMALLOC_HYBRID, /* two-tier, then the simple heap when it fails */
	KMALLOC_NR_MODES
};
/* Switch mode; blocks from any mode stay valid for kfree().  Returns 0, or
 * -MM_EINVAL for an unknown mode (or when the mode's heap is missing). */
int kmalloc_set_mode(enum kmalloc_mode mode);
enum kmalloc_mode kmalloc_get_mode(void);
const char *kmalloc_mode_name(enum kmalloc_mode mode);

/* Debug mode on or off for allocations made from now on (see above); the
 * previous setting is returned.  mm.debug=1 turns it on at boot. */
bool kmalloc_set_debug(bool on);
bool kmalloc_get_debug(void);

/*
 * Live tracked (debug-mode) allocations grouped by call site (%pS), with
 * their count and bytes, largest first, then one line counting live blocks
 * made with debug off (not itemised).  Returns the number of live tracked
 * blocks.
 */
unsigned long kmalloc_leak_report(void);

/*
 * Give back what kmalloc holds but does not use: empty the debug
 * quarantine (checking each block) and shrink every kmalloc cache
 * (kmem_cache_shrink).  Returns the pages released.  Tests call it so
 * that free pages return to where they started.
 */
unsigned long kmalloc_shrink(void);

/* ---- statistics -------------------------------------------------------------- */

/* Rows of the statistics: the classes, then these. */
enum {
	KMALLOC_ROW_ZERO = KMALLOC_NR_CLASSES, /* zero-size blocks */
	KMALLOC_ROW_LARGE, /* whole pages */
	KMALLOC_ROW_HEAP, /* the simple heap */
	KMALLOC_NR_ROWS
};

struct kmalloc_row_stats {
	unsigned long allocs; /* successful allocations */
	unsigned long frees; /* successful frees */
	unsigned long fails; /* failed allocations that ended here */
	unsigned long bad_frees; /* refused frees of (apparent) blocks */
	unsigned long live; /* allocs - frees */
	unsigned long peak_live; /* highest live seen (sampled, see below) */
	unsigned long bytes_req; /* sum of the sizes asked for */
	unsigned long bytes_given; /* sum of the usable sizes handed out */
};

struct kmalloc_stats {
	struct kmalloc_row_stats row[KMALLOC_NR_ROWS];
	unsigned long mode_allocs[KMALLOC_NR_MODES]; /* by the mode in force */
	unsigned long mode_fails[KMALLOC_NR_MODES];
	unsigned long mode_bad_frees[KMALLOC_NR_MODES];
	unsigned long hybrid_fallbacks; /* hybrid: served by the heap */
	unsigned long bad_frees_unowned; /* pointers no backend owns */
	unsigned long injected; /* failed by fault injection */
	unsigned long redzone_errors; /* debug: red zones found overwritten */
	unsigned long poison_errors; /* debug: heap/large written after free */
	unsigned long zero_errors; /* writes into zero-size blocks */
	unsigned long tracked; /* debug: live tracked blocks */
	unsigned long heap_bytes; /* size of the simple heap regions */
};

/*
 * Sum the per-CPU counters into *st.  Counters are read without stopping
 * other harts, so a snapshot taken while they allocate is approximate.
 * peak_live of a size class is sampled every 64th allocation on each hart
 * and on every call of this function, so it may miss a short spike.
 */
void kmalloc_stats_get(struct kmalloc_stats *st);

/* ---- for mm/ (transactions, health) ------------------------------------------ */
/* The same as kmalloc_aligned() without hooks; caller is named in reports
 * and recorded as the allocation site. */
void *__kmalloc(size_t size, size_t align, gfp_t gfp, unsigned long caller);
bool __kfree(const void *p, unsigned long caller); /* false: refused */
/* True when p is a live kmalloc block of any mode, zero-size blocks
 * included (transaction logs check their entries with it); nothing is
 * reported either way. */
bool kmalloc_obj_live(const void *p);
/* Part of mm_validate(): the simple heaps, the live large blocks' page
 * flags, the tracked blocks' red zones, the counters.  Run it while no
 * other hart allocates (its counter checks read per-CPU counters). */
bool kmalloc_validate(void);
void kmalloc_report(void); /* per-class usage table */
void kmalloc_init(void); /* called by mm_init() after slab_init() */

#endif /* MM_KMALLOC_H */

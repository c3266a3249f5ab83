/* SPDX-License-Identifier: MIT */
/*
 * Shared between mm/kmalloc.c (routing and the allocation paths),
 * mm/kmalloc_debug.c (tracking, red zones, leak report) and
 * mm/kmalloc_stats.c (counters, report, validator).  Not an API.
 */
#ifndef MM_KMALLOC_INTERNAL_H
#define MM_KMALLOC_INTERNAL_H

#include "mm/kmalloc.h"
#include "mm/internal.h"
#include "mm/simple_heap.h"
#include "mm/slab.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- cache sets --------------------------------------------------------- */
enum km_set {
	KM_SET_NORMAL, /* "kmalloc-N" */
	KM_SET_DEBUG, /* "kmalloc-dbg-N", SLAB_DEBUG */
	KM_SET_DMA, /* "dma-kmalloc-N", slabs from ZONE_DMA */
	KM_SET_DMA_DEBUG, /* "dma-kmalloc-dbg-N" */
	KM_NR_SETS
};
extern struct kmem_cache *km_caches[KM_NR_SETS][KMALLOC_NR_CLASSES];
extern struct kmem_cache *km_zero_cache;

/* ---- the simple heap regions -------------------------------------------- */
#define KM_MAX_HEAPS 16
extern struct sheap km_heaps[KM_MAX_HEAPS];
extern unsigned int km_nr_heaps;
/* The buddy blocks under the heaps (never freed; checked by the validator). */
extern struct page *km_heap_blocks[KM_MAX_HEAPS];
extern unsigned int km_nr_heap_blocks;
/* The heap whose region holds p, or NULL. */
struct sheap *km_heap_of(const void *p);

/* ---- large blocks (head page: PG_large, order; u32, private, lru) --------- */
#define KM_LARGE_TRACKED 0x80000000u /* u32: the block is debug-tracked */
#define KM_LARGE_RUN 0x40000000u /* u32: a run of pages (mm/page_run.c);
				    the second page's private = its pages */
#define KM_LARGE_SIZE_MASK 0x3fffffffu /* u32: the size asked for */
#define KM_LARGE_FLAGS (KM_LARGE_TRACKED | KM_LARGE_RUN)
extern spinlock_t km_large_lock; /* guards km_large_list and PG_large */
extern struct list_head km_large_list; /* live large blocks (head->lru) */

/* Did the last allocation below kmalloc fail for want of memory
 * (MM_ENOMEM, MM_EWATERMARK), not because of an injected failure or a bad
 * argument?  Only then does kmalloc fall back (a big class to pages,
 * pages to a run, hybrid to the heap): an injected failure stays the one
 * failure the caller sees. */
static inline bool km_short_of_memory(void)
{
	enum mm_error err = mm_last_error();

	return err == MM_ENOMEM || err == MM_EWATERMARK;
}

/* Pages of a large block: 2^order, or a run's count (0 when that count
 * cannot be read: a corrupted u32 on the last frame of the memmap). */
static inline unsigned long km_large_pages(const struct page *head)
{
	if (!(head->u32 & KM_LARGE_RUN))
		return 1UL << head->order;
	return page_in_mem_map(head + 1) ? head[1].private : 0;
}
/* Give a large block's pages back, its PG_large already cleared;
 * returns how many. */
unsigned long km_large_give(struct page *head, unsigned long caller);

/* ---- fill patterns (bytes) ---------------------------------------------- */
#define KM_FRESH 0x5a /* debug: a new block not zeroed */
#define KM_POISON 0x6b /* debug: a freed large or heap block */
#define KM_REDZONE 0xcc /* debug: bytes past the size asked for */
#define KM_RZ 16 /* debug: red zone bytes added to heap/large blocks */
#define KM_RZ_CHECK 256 /* debug: at most this much slack is filled */
#define KM_ZERO_CANARY 0x7a65726f73697a65UL /* "zerosize", ^ address */
#define KM_ZERO_ALIGN 8 /* alignment of the zero-size objects */

/* ---- debug tracking (mm/kmalloc_debug.c) ---------------------------------- */
enum km_kind {
	KM_NONE, /* no backend owns it */
	KM_SLAB, /* an object of a kmalloc class cache */
	KM_ZERO, /* a zero-size block */
	KM_LARGE, /* the head of a PG_large block */
	KM_HEAP, /* inside a simple heap region */
	KM_FOREIGN /* an object of a cache kmalloc does not own */
};

/* One tracked (debug-mode) block. */
struct km_track {
	struct km_track *t_next; /* hash chain */
	const void *t_addr; /* what kmalloc returned */
	void *t_base; /* the backend's block (heap: before the red zone) */
	unsigned long t_caller; /* allocation site */
	size_t t_size; /* bytes asked for (the usable size) */
	size_t t_room; /* bytes from t_addr to the end of the block */
	unsigned char t_kind; /* enum km_kind */
	unsigned char t_row; /* statistics row */
};

bool km_track_init(void);
struct km_req;
/* Debug mode: fill the new block (fresh pattern unless __GFP_ZERO, red
 * zones) and track it; room is the bytes from p to the block's end.
 * False (nothing tracked) when no tracking node can be had. */
bool km_debug_attach(const struct km_req *r, void *p, void *base, size_t room,
		     enum km_kind kind);
/* Record a block; false (nothing recorded) when no node can be had. */
bool km_track_add(const struct km_track *proto, gfp_t gfp);
/* Copy the record of addr into *out; false when addr is not tracked. */
bool km_track_find(const void *addr, struct km_track *out);
/* Change the size of a tracked block (krealloc in place). */
void km_track_resize(const void *addr, size_t size);
/* Remove the record of addr into *out; false when addr is not tracked. */
bool km_track_take(const void *addr, struct km_track *out);
/* Fill the red zones of a tracked block (after its size changed). */
void km_redzone_fill(const struct km_track *tr);
/* Check them; reports and counts when overwritten (freer: 0 in validate). */
bool km_redzone_check(const struct km_track *tr, unsigned long freer);
/* Every tracked block's red zones (for kmalloc_validate()). */
bool km_track_validate(void);
unsigned long km_track_count(void);
unsigned long km_track_shrink(void); /* kmem_cache_shrink of its cache */

/* ---- quarantine (mm/kmalloc_quarantine.c) -------------------------------- */
struct km_block;
/* A freed debug heap or large block (record already taken, PG_large
 * already cleared): poison it and hold it back; the oldest blocks go to
 * their backend, their poison checked, when the quarantine is full. */
void km_quarantine_put(const struct km_block *b, unsigned long freer);
/* True (and the freeing site) when p is a block in quarantine. */
bool km_quarantine_find(const void *p, unsigned long *freer, unsigned int *row);
/* Check and release every block; returns the pages given back. */
unsigned long km_quarantine_flush(void);
/* Check every block's poison and red zones (validator); heap blocks held
 * are counted in *heap_blocks. */
bool km_quarantine_validate(unsigned long *heap_blocks);

/* ---- statistics (mm/kmalloc_stats.c) ----------------------------------- */
/*
 * One hart's counters for what the slab layer does not count.  A size
 * class's allocations and frees are its caches' own per-hart counters
 * (cc_nr_alloc, cc_nr_free of kmem_cache_cpu), and the bytes its fast
 * path was asked for are cc_req there: kmalloc()'s fast path adds to
 * nothing else.  Here: the zero-size, large and heap rows' allocations
 * and frees, every row's bytes asked for on the slow path, and, for a
 * class row, s_allocs counts slow-path allocations only (the 1-in-64
 * peak sample of km_stat_alloc()).
 */
struct km_cpu_stats {
	unsigned long s_allocs[KMALLOC_NR_ROWS];
	unsigned long s_req[KMALLOC_NR_ROWS]; /* bytes asked for */
	unsigned long s_frees[KMALLOC_NR_ROWS]; /* not class rows */
	unsigned long s_given[KMALLOC_NR_ROWS]; /* zero, large, heap rows
						   only: classes give their
						   size */
} __cacheline_aligned;
extern struct km_cpu_stats km_cpu_stats[NR_CPUS];

/* Slow-path counters (atomic). */
struct km_slow_stats {
	/* [mode][row]; fails[..][KMALLOC_NR_ROWS]: invalid arguments */
	unsigned long fails[KMALLOC_NR_MODES][KMALLOC_NR_ROWS + 1];
	unsigned long bad_frees[KMALLOC_NR_MODES][KMALLOC_NR_ROWS];
	unsigned long bad_mode[KMALLOC_NR_MODES]; /* all refused frees */
	unsigned long peak[KMALLOC_NR_ROWS];
	unsigned long bad_unowned;
	unsigned long hybrid_fallbacks;
	unsigned long injected;
	unsigned long redzone_errors;
	unsigned long poison_errors;
	unsigned long zero_errors;
};
extern struct km_slow_stats km_slow;

static inline void km_add(unsigned long *ctr, unsigned long v)
{
	__atomic_fetch_add(ctr, v, __ATOMIC_RELAXED);
}

/* arch_cpu_id() is below NR_CPUS by its contract (arch/arch.h). */
static inline struct km_cpu_stats *km_this_cpu_stats(void)
{
	return &km_cpu_stats[arch_cpu_id()];
}

void km_sample_peak(unsigned int row);
/* Count a successful allocation (given: usable bytes for non-class rows). */
void km_stat_alloc(unsigned int row, size_t req, size_t given);
/* The mode changed from old to new (kmalloc_set_mode()): the allocations
 * so far are the old mode's (kmalloc_stats_get()'s mode_allocs). */
void km_stat_mode_switch(unsigned int old, unsigned int new_);
void km_stat_free(unsigned int row);
void km_stat_fail(unsigned int mode, unsigned int row);
/* Count a refused free (row KMALLOC_NR_ROWS: unowned); MM_EBADFREE. */
void km_stat_bad_free(unsigned int row);
bool km_stats_validate(void);

/* ---- backends (mm/kmalloc_backend.c) -------------------------------------- */

/* One allocation request as the backends see it. */
struct km_req {
	size_t size; /* bytes asked for */
	size_t align; /* effective alignment: a power of two */
	gfp_t gfp;
	unsigned long caller;
	unsigned char mode; /* enum kmalloc_mode in force */
	bool debug; /* track and red-zone the block */
	unsigned int row; /* out: the row tried last (failure accounting) */
};

/* Each returns the block, or NULL with mm_last_error() set and nothing
 * allocated; a success is counted in the statistics. */
void *km_zero_alloc(struct km_req *r);
void *km_slab_alloc(struct km_req *r, enum km_set set, unsigned int idx);
void *km_large_alloc(struct km_req *r);
void *km_heap_alloc(struct km_req *r);
/* Take the simple heap regions from the page allocator (boot). */
void km_heap_setup(void);

/* What an address is, as far as kfree() is concerned. */
struct km_block {
	enum km_kind kind;
	unsigned int row; /* statistics row (KMALLOC_NR_ROWS: none) */
	struct kmem_cache *cache; /* KM_SLAB, KM_ZERO, KM_FOREIGN */
	struct page *head; /* KM_LARGE: the block's head page */
	struct sheap *heap; /* KM_HEAP */
	bool tracked; /* debug block: track holds its record */
	struct km_track track;
	size_t usable; /* ksize() */
	const char *why; /* not live: the reason, for the report */
};

/* Fill *b; true when p is a live kmalloc block (nothing is reported). */
bool km_resolve(const void *p, struct km_block *b);
/* p was not live: report (here or through the owning backend), count,
 * set MM_EBADFREE. */
void km_refuse(const void *p, struct km_block *b, unsigned long caller);
/* Free a live block (debug checks first); false if it was refused after
 * all (a racing free got there first: reported). */
bool km_release(const void *p, struct km_block *b, unsigned long caller);
/* krealloc: make the live block hold size bytes without moving it. */
bool km_resize_in_place(const void *p, struct km_block *b, size_t size);

/* ---- the state word (mm/kmalloc.c) and the fast paths (kmalloc_fast.c) ---- */
#define KM_ST_MODE 0x03u /* enum kmalloc_mode */
#define KM_ST_DEBUG 0x04u /* new blocks tracked, debug caches */
#define KM_ST_READY 0x08u /* kmalloc_init() done */
#define KM_ST_FAST 0x10u /* ready, not debug, mode two-tier or hybrid */
extern unsigned int km_state;
/* Class of sizes 1..32768: km_index[(size - 1) >> 3] / KM_INDEX_SCALE.
 * km_index holds class x KM_INDEX_SCALE: the byte offset of the class's
 * cache pointer in a row of km_caches, so the fast path needs no shift. */
#define KM_INDEX_SCALE sizeof(struct kmem_cache *)
_Static_assert(KMALLOC_NR_CLASSES * sizeof(struct kmem_cache *) <= 255,
	       "km_index entries are bytes");
extern unsigned char km_index[KMALLOC_MAX_CACHE_SIZE / 8];
/* The same table for kmalloc()'s fast path: in the kernel, a name that
 * linker.ld gives it without a size, so that one gp-relative instruction
 * reaches it (arch/arch.h, __gp_hot). */
#ifdef KERNEL
extern unsigned char km_index_gp[];
#else
#define km_index_gp km_index
#endif
/* The general paths the fast ones fall back to (caller: of kmalloc()). */
void *km_alloc_slow(size_t size, gfp_t gfp, unsigned long caller);
void km_free_slow(const void *p, unsigned long caller);
/* The direct-map shortcut of kfree() (after the memmap is built). */
void km_fast_init(void);
/* The direct map's shortcut for the fast paths (mm/kmalloc_fast.c). */
extern uintptr_t km_map_virt;
extern unsigned long km_map_frames;
extern struct page *km_map_pages;
/* kmalloc()'s gate (km_fast_max, mm/kmalloc.c): recomputed whenever
 * km_state or the installed hooks change. */
extern unsigned long km_fast_max;
void km_fast_refresh(void);

/* ---- helpers in mm/kmalloc.c ---------------------------------------------- */
unsigned int km_class_index(size_t size); /* 1..32768 */
/* The set and class of a kmalloc cache; false for any other cache. */
bool km_cache_class(const struct kmem_cache *c, enum km_set *set,
		    unsigned int *idx);
const char *km_row_name(unsigned int row, char *buf, size_t len);
unsigned int km_mode_now(void);

#endif /* MM_KMALLOC_INTERNAL_H */

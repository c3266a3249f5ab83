/* SPDX-License-Identifier: MIT */
/*
 * kmalloc: the general-purpose allocator on top of the slab layer, the page
 * allocator and the simple heap.  This file routes requests (size -> class,
 * pages or heap; address -> owner) and holds the public entry points but
 * kmalloc() and kfree() themselves, whose fast paths are in
 * kmalloc_fast.c; the backends are in kmalloc_backend.c, debug tracking
 * in kmalloc_debug.c, counters, report and validator in kmalloc_stats.c.
 */

/*
 * 1. Design and references
 *
 *    Bonwick, "The Slab Allocator: An Object-Caching Kernel Memory
 *    Allocator" (USENIX Summer 1994), section 4.3: a general-purpose
 *    allocator is a set of object caches of fixed sizes plus a path for big
 *    blocks.  Linux's kmalloc (mm/slab_common.c, concepts only) adds what
 *    this file keeps: a table that maps a size to its class without a
 *    division or a loop, power-of-two classes aligned to their size, and
 *    separate caches for DMA memory.  Requests above 32 KiB take whole
 *    buddy blocks (Knowlton's buddy system, mm/page_alloc.c), marked
 *    PG_large on their head page, so that kfree() can recognise them.
 *
 *    The big classes.  8, 16 and 32 KiB are classes too, on order-3 (32
 *    KiB) slabs of 4, 2 and 1 objects, as Linux SLUB serves kmalloc-8k..
 *    kmalloc-32k (its slub_max_order is 3).  Why: a whole-page block costs
 *    a buddy split and merge under the zone lock on every call (about 900
 *    instructions each way), while a class object comes from the hart's
 *    magazine like any small one (under 120).  The price is memory held in
 *    magazines; the slab layer gives big objects short magazines (at most
 *    32 KiB of objects per hart and cache, mm/slab_cache.c), and
 *    kmalloc_shrink() and reclaim drain them like any other.
 *
 *    Three backend modes (docs/kmalloc.md): two-tier (the above, default), simple
 *    (the first-fit heap of mm/simple_heap.c over a region taken at boot:
 *    Knuth's Algorithm A, the O(n) baseline) and hybrid (two-tier, then the
 *    heap when two-tier is short of memory).  The mode only chooses where a
 *    NEW block comes from: kfree() finds the owner from the address alone,
 *    so blocks outlive mode switches.
 *
 * 2. Routing
 *
 *    kmalloc(size, gfp)                      kfree(p)
 *      size 0 ------------> kmalloc-0          kmem_cache_of(p) is a ...
 *      GFP_DMA -----------> dma-kmalloc-N        kmalloc-N cache -> that cache
 *                           or DMA pages         kmalloc-0 -------> zero block
 *      mode simple -------> simple heap          other cache -----> refused
 *      size <= 32768 -----> kmalloc-N        else p in a heap region -> heap
 *        (first class whose size and         else the block head has
 *         alignment suffice)                   PG_large and p is its
 *      else --------------> 2^order pages         start ------> pages
 *        (also a class above 4 KiB           else refused ("bad free")
 *         short of an order-3 block,
 *         section 8)
 *      hybrid, on ENOMEM -> simple heap
 *
 *    The class table km_index[(size - 1) >> 3] (4 KiB) gives the class
 *    (times KM_INDEX_SCALE: the byte offset of its cache pointer) of
 *    every size 1..32768 with one load: the same single load for every
 *    class, where a second-level table for the big classes would cost the
 *    small ones a compare.  Class N is aligned to the largest power of
 *    two dividing N (8 .. 32768), so power-of-two requests are naturally
 *    aligned; 2^order pages are aligned to their size.  Slab caches take
 *    an alignment of at most a page: the big classes get theirs from the
 *    layout (objects of a power-of-two stride from the start of a slab
 *    that is aligned to its size).  A debug cache puts a red zone of one
 *    alignment unit in front of each object, so its big classes are
 *    created with page alignment; the dispatcher uses each cache's real
 *    alignment (km_align[][]), and a request that needs more goes to the
 *    next class or to pages.
 *
 * 3. Data layout
 *
 *    km_caches[set][class]   set: normal, debug (SLAB_DEBUG), DMA, DMA debug
 *    km_zero_cache           8-byte objects for size 0, holding a canary
 *    km_heaps[]              simple heaps over 4 MiB buddy blocks, adjacent
 *                            blocks merged into one region
 *    large block head page:  flags PG_head|PG_large, order = the order,
 *                            u32 = bytes asked for (bit 31: tracked,
 *                            bit 30: a run of pages, section 9),
 *                            private = allocation site, lru on
 *                            km_large_list
 *    km_state                one word: mode, debug, ready, fast-path-ok
 *    km_fast_max             kmalloc()'s gate: the largest class size while
 *                            the fast path may run, else 0 (with
 *                            km_index and km_caches in .gphot: one
 *                            gp-relative instruction away, linker.ld)
 *
 * 4. Invariants (kmalloc_validate(), kmalloc_stats.c)
 *    a. every page on km_large_list is an allocated head (PG_head) with
 *       PG_large, its pages (2^order, or a run's count whose blocks are
 *       still allocated as its cut) hold the size asked for, it lies
 *       outside the heap regions, and the list length equals the live
 *       count of the large row;
 *    b. each heap passes sheap_validate(), and the heaps' live blocks equal
 *       the live count of the heap row; the heap's buddy blocks are still
 *       allocated heads of their order;
 *    c. per row, frees never exceed allocations;
 *    d. every tracked block is live in its backend and its red zones hold
 *       KM_REDZONE;
 *    e. the live objects of each class's four caches, counted by the
 *       slab's walk (kmem_cache_walk_live), equal the class's live count;
 *       likewise kmalloc-0 and the zero-size row.
 *
 * 5. Lock order
 *    No kmalloc lock is held across a call into the slab, the page
 *    allocator or the simple heap.  km_large_lock (irqsave) guards
 *    km_large_list and the PG_large bit of every head on it: a large free
 *    claims its block by clearing PG_large under it, so of two racing
 *    frees exactly one wins.  km_track_lock (kmalloc_debug.c, irqsave)
 *    guards the tracking hash.  km_fast_lock (irqsave) serialises
 *    km_fast_refresh(); it is taken inside mm/hooks.c's refresh_lock and
 *    takes nothing itself.  All three are leaves; nothing is printed while
 *    any is held.  Counters are per-CPU, written only by their hart
 *    with interrupts off (plain loads and stores: an interrupt cannot
 *    split the update and no other hart writes it; no other hart's cache
 *    line is touched); readers sum them.  A size class's are its caches'
 *    magazine counters (cc_nr_alloc, cc_nr_free, cc_req), which the fast
 *    paths update inside the magazine's critical section; the other rows'
 *    are in km_cpu_stats[cpu] (kmalloc_stats.c).
 *
 * 7. The fast paths (kmalloc_fast.c)
 *    kmalloc(): size - 1 < km_fast_max, one compare that says both "a
 *    class" and "the fast path may run" (km_fast_refresh() keeps it: 0
 *    unless KM_ST_FAST -- ready, two-tier or hybrid, no debug, normal
 *    caches not debug -- and no hooks), plain gfp; then the class's
 *    magazine pop and its counters in one critical section.  kfree():
 *    the page of the address if it is a slab head (PG_slab: only heads
 *    carry owner bits), else the page on the 32 KiB boundary below it if
 *    that is a slab head of order >= 3 (a big class's object in a tail
 *    page: buddy blocks are aligned to their size), then its cache's
 *    kc_user (class + 1 of a normal kmalloc cache while no hooks are
 *    installed, else 0), the slab's object checks inline, then the
 *    claim, the push and the free counter in one critical section.
 *    Anything else -- and every magazine miss, which is where a class's
 *    peak is sampled -- goes to km_alloc_slow() / km_free_slow() here, by
 *    a tail call: the slow entry reads the caller from ra, so the fast
 *    paths need no frame.
 *
 * 6. Failure protocol
 *    An allocation that fails returns NULL, leaves nothing allocated, sets
 *    mm_last_error(), counts the failure (by mode and by the row that
 *    failed) and, without __GFP_NOWARN, prints one line naming the caller.
 *    Backends are always called with __GFP_NOWARN so that one failure gives
 *    one line.  The public entry points follow mm/hooks.h once per call
 *    (kind MM_KIND_KMALLOC); __kmalloc() and __kfree() never consult hooks.
 *    A refused free changes nothing but counters and mm_last_error().
 *
 * 8. Fragmentation: a big class without an order-3 block
 *    A big class (8, 16, 32 KiB) grows by whole order-3 (32 KiB) slabs, so
 *    once the buddy has no free block of order 3 left, a new slab cannot
 *    be had even when the request itself would fit in a smaller block:
 *    kmalloc(8192) needs only an order-1 block.  Fragmentation makes that
 *    state common.  Fill memory with objects of up to a page and free
 *    every other one (bench/bench_frag.c): the freed pages are those of
 *    page-sized objects whose neighbours were also freed, and free runs
 *    are short, too short for the aligned eight of an order-3 block
 *    (docs/bench.md, "Fragmentation").
 *    So when a big class's slab fails for want of memory (MM_ENOMEM or
 *    MM_EWATERMARK: the page allocator and the slab's reclaim have run),
 *    the request takes a block of its own order from the buddy instead,
 *    the path of requests above 32 KiB (km_large_alloc(): PG_large,
 *    freed by kfree() like any large block).  What it costs: the
 *    fallback's block goes through the zone lock both ways, as large
 *    blocks always do, and it only exists while fragmentation lasts; the
 *    class's counters do not see it (the large row does).  The big
 *    classes' slow path goes through big_class_alloc(), out of line, so
 *    that the other classes still reach their slab with a tail call.
 *    An injected failure (MM_EFAULT_INJECTED, mm/fault.c) is not a
 *    shortage: it stays the failure the caller sees, so that a fault rule
 *    fails a kmalloc() exactly once and a retry (tests'
 *    KT_RETRY_INJECTED) behaves as the first call would have.  Linux's
 *    SLUB does the like when a slab of its preferred order cannot be had:
 *    it retries at the minimum order for the object (allocate_slab(),
 *    concepts only).  When even a block of the request's own order is
 *    missing, section 9 takes over.
 *
 * 9. Large blocks from runs of pages
 *    A fragmented buddy may have no free block of order k and still have
 *    2^k or fewer free pages in a row: blocks side by side that are not
 *    buddies.  So a large block (km_large_alloc(): above 32 KiB, or a big
 *    class's fallback) whose buddy block fails for want of memory asks
 *    the page allocator for a run of exactly the pages it needs
 *    (__alloc_page_run(), mm/page_run.c), when it needs no more than page
 *    alignment: a power-of-two size keeps its natural alignment, so it
 *    still needs its aligned block.  A run is marked KM_LARGE_RUN in the
 *    head's u32 and its page count is kept in the second page's private
 *    (owner's field: the page allocator keeps no record of a run, whose
 *    blocks are ordinary allocated blocks).  km_large_pages() reads the
 *    size either way; km_large_give() frees either way, and the validator
 *    checks a run's blocks against its count (page_run_check()).  Besides
 *    using memory that no aligned block could, a run wastes nothing: a
 *    block of 2^k pages for 2^(k-1) + 1 pages of request wastes almost
 *    half.  The normal path keeps the aligned block all the same: one
 *    buddy split beats a search, and an aligned block is what free runs
 *    merge back into.
 */
#include "mm/kmalloc_internal.h"
#include "mm/slab_internal.h"
#include "mm/hooks.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/vg.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"

/* The last KM_BIG_CLASSES classes are the big ones, above a page. */
#define KM_BIG_CLASSES 3
const unsigned int kmalloc_class_size[KMALLOC_NR_CLASSES] = {
	8,   16,   32,	 64,   96,   128,   192,  256,
	512, 1024, 2048, 4096, 8192, 16384, 32768};

/* Class of sizes 1..32768: km_index[(size - 1) >> 3] / KM_INDEX_SCALE. */
unsigned char km_index[KMALLOC_MAX_CACHE_SIZE / 8] __gp_hot_tail;

struct kmem_cache *km_caches[KM_NR_SETS][KMALLOC_NR_CLASSES] __gp_hot;
/* The alignment each class cache's objects really have (see section 2). */
static size_t km_align[KM_NR_SETS][KMALLOC_NR_CLASSES];
struct kmem_cache *km_zero_cache;

/* ---- mode and debug: one word ----------------------------------------------- */

unsigned int km_state;
/* kmalloc()'s gate, one load (mm/kmalloc_fast.c): KMALLOC_MAX_CACHE_SIZE
 * while km_state has KM_ST_FAST and no hooks are installed, else 0, so
 * that "size - 1 < km_fast_max" alone says "a class, and the fast path
 * may run".  km_fast_refresh() recomputes it under km_fast_lock from
 * both sources, so of two racing changes the last refresh sees both. */
unsigned long km_fast_max __gp_hot;
static spinlock_t km_fast_lock = SPINLOCK_INIT("kmalloc_fast");
/* The normal class caches were created as debug caches (mm.debug=1 at
 * boot makes every cache one): the inline fast path must not be used. */
static bool km_normal_is_debug;

/* NULL-terminated: also the choices of the boot argument kmalloc.mode. */
static const char *const mode_names[KMALLOC_NR_MODES + 1] = {
	[KMALLOC_TWO_TIER] = "two-tier",
	[KMALLOC_SIMPLE] = "simple",
	[KMALLOC_HYBRID] = "hybrid",
};

static unsigned int state_with(unsigned int st, unsigned int mode, bool debug)
{
	st = (st & ~(KM_ST_MODE | KM_ST_DEBUG | KM_ST_FAST)) | mode;
	if (debug)
		st |= KM_ST_DEBUG;
	else if ((st & KM_ST_READY) && mode != KMALLOC_SIMPLE &&
		 !km_normal_is_debug)
		st |= KM_ST_FAST;
	return st;
}

/*
 * Recompute both fast paths' gates: km_fast_max for kmalloc(), and the
 * normal caches' kc_user for kfree() (class + 1 while no hooks are
 * installed, 0 while some are: kfree() then reads no hook pointer).
 */
void km_fast_refresh(void)
{
	unsigned long flags = spin_lock_irqsave(&km_fast_lock);
	bool hooks = mm_hooks_get() != NULL;
	unsigned int st = READ_ONCE(km_state);
	bool on = !VG_ON && (st & KM_ST_FAST) && !hooks;
	bool free_on = !hooks && !km_normal_is_debug;

	WRITE_ONCE(km_fast_max, on ? KMALLOC_MAX_CACHE_SIZE : 0);
	if (st & KM_ST_READY) /* the caches exist */
		for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++)
			WRITE_ONCE(km_caches[KM_SET_NORMAL][i]->kc_user,
				   free_on ? i + 1 : 0);
	spin_unlock_irqrestore(&km_fast_lock, flags);
}

/* Replace the mode (mode < 0: keep) and/or debug (debug < 0: keep). */
static unsigned int state_update(int mode, int debug)
{
	unsigned int old = READ_ONCE(km_state), new_;

	do {
		unsigned int m = mode < 0 ? (old & KM_ST_MODE) : (unsigned)mode;
		bool d = debug < 0 ? (old & KM_ST_DEBUG) != 0 : debug > 0;

		new_ = state_with(old, m, d);
	} while (!__atomic_compare_exchange_n(&km_state, &old, new_, false,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	km_fast_refresh();
	return old;
}

int kmalloc_set_mode(enum kmalloc_mode mode)
{
	if ((unsigned int)mode >= KMALLOC_NR_MODES)
		return -MM_EINVAL;
	if (mode != KMALLOC_TWO_TIER && !km_nr_heaps)
		return -MM_EINVAL;
	km_stat_mode_switch(state_update((int)mode, -1) & KM_ST_MODE, mode);
	return 0;
}

enum kmalloc_mode kmalloc_get_mode(void)
{
	return (enum kmalloc_mode)(READ_ONCE(km_state) & KM_ST_MODE);
}

unsigned int km_mode_now(void)
{
	return READ_ONCE(km_state) & KM_ST_MODE;
}

const char *kmalloc_mode_name(enum kmalloc_mode mode)
{
	return (unsigned int)mode < KMALLOC_NR_MODES ? mode_names[mode] : "?";
}

bool kmalloc_set_debug(bool on)
{
	return state_update(-1, on) & KM_ST_DEBUG;
}

bool kmalloc_get_debug(void)
{
	return READ_ONCE(km_state) & KM_ST_DEBUG;
}

/* ---- classes ------------------------------------------------------------------ */

unsigned int km_class_index(size_t size)
{
	return km_index[(size - 1) >> 3] / KM_INDEX_SCALE;
}

static size_t class_align(unsigned int idx)
{
	unsigned int s = kmalloc_class_size[idx];

	return s & -s;
}

bool km_cache_class(const struct kmem_cache *c, enum km_set *set,
		    unsigned int *idx)
{
	size_t size = kmem_cache_size(c);
	unsigned int i;

	if (size - 1 >= KMALLOC_MAX_CACHE_SIZE)
		return false;
	i = km_index[(size - 1) >> 3] / KM_INDEX_SCALE;
	for (unsigned int s = 0; s < KM_NR_SETS; s++) {
		if (km_caches[s][i] == c) {
			*set = (enum km_set)s;
			*idx = i;
			return true;
		}
	}
	return false;
}

const char *km_row_name(unsigned int row, char *buf, size_t len)
{
	if (row < KMALLOC_NR_CLASSES)
		ksnprintf(buf, len, "kmalloc-%u", kmalloc_class_size[row]);
	else if (row == KMALLOC_ROW_ZERO)
		ksnprintf(buf, len, "kmalloc-0");
	else if (row == KMALLOC_ROW_LARGE)
		ksnprintf(buf, len, "large");
	else if (row == KMALLOC_ROW_HEAP)
		ksnprintf(buf, len, "heap");
	else
		ksnprintf(buf, len, "unowned");
	return buf;
}

/* ---- the allocation dispatcher ------------------------------------------------- */

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/* A big class's object, else (section 8) a block of the request's own
 * order.  Out of line, so that tiered() needs no frame for the others. */
static __attribute__((noinline)) void *
big_class_alloc(struct km_req *r, enum km_set set, unsigned int idx)
{
	void *p = km_slab_alloc(r, set, idx);

	if (p || !km_short_of_memory()) /* section 8: not an injected one */
		return p;
	return km_large_alloc(r);
}

/* Two-tier: the first class whose size and alignment suffice, else pages
 * (also when a big class has no order-3 block for a new slab). */
static void *tiered(struct km_req *r, enum km_set set)
{
	if (r->size <= KMALLOC_MAX_CACHE_SIZE) {
		unsigned int idx = km_class_index(r->size);

		while (idx < KMALLOC_NR_CLASSES &&
		       km_align[set][idx] < r->align)
			idx++;
		if (idx < KMALLOC_NR_CLASSES - KM_BIG_CLASSES)
			return km_slab_alloc(r, set, idx);
		if (idx < KMALLOC_NR_CLASSES)
			return big_class_alloc(r, set, idx);
	}
	return km_large_alloc(r);
}

static void *dispatch(struct km_req *r, unsigned int st)
{
	enum km_set set = (st & KM_ST_DEBUG) ? KM_SET_DEBUG : KM_SET_NORMAL;
	void *p;

	if (r->size == 0)
		return km_zero_alloc(r);
	if (r->gfp & __GFP_DMA)
		return tiered(r, set + KM_SET_DMA);
	if (r->mode == KMALLOC_SIMPLE)
		return km_heap_alloc(r);
	p = tiered(r, set);
	if (p || r->mode != KMALLOC_HYBRID)
		return p;
	if (!km_short_of_memory())
		return NULL;
	p = km_heap_alloc(r);
	if (p)
		km_add(&km_slow.hybrid_fallbacks, 1);
	return p;
}

static void alloc_failed(const struct km_req *r, unsigned int row)
{
	enum mm_error err = mm_last_error();

	km_stat_fail(r->mode, row);
	if (r->gfp & __GFP_NOWARN)
		return;
	printk("kmalloc: %zu bytes (align %zu, gfp 0x%x, %s mode) failed: "
	       "%s, caller %pS\n",
	       r->size, r->align, r->gfp, mode_names[r->mode], mm_strerror(err),
	       (void *)r->caller);
}

void *__kmalloc(size_t size, size_t align, gfp_t gfp, unsigned long caller)
{
	unsigned int st = READ_ONCE(km_state);
	struct km_req r = {
		.size = size,
		.align = align,
		.gfp = gfp,
		.caller = caller,
		.mode = st & KM_ST_MODE,
		.debug = (st & KM_ST_DEBUG) != 0,
		.row = KMALLOC_NR_ROWS,
	};
	void *p;

	if (!(st & KM_ST_READY) || (gfp & ~__GFP_ALL) ||
	    (align && (!is_pow2(align) || align > KMALLOC_MAX_ALIGN))) {
		mm_set_error(MM_EINVAL);
		alloc_failed(&r, KMALLOC_NR_ROWS);
		return NULL;
	}
	/* The zero-size objects are 8-byte aligned: a zero-size request
	 * aligned more is served as a 1-byte one, so that the pointer keeps
	 * the alignment asked for. */
	if (size == 0 && align > KM_ZERO_ALIGN)
		r.size = size = 1;
	/* Power-of-two sizes are aligned to their size in every mode. */
	if (is_pow2(size) && size > r.align)
		r.align = size < KMALLOC_MAX_ALIGN ? size : KMALLOC_MAX_ALIGN;
	if (!r.align)
		r.align = 1;
	p = dispatch(&r, st);
	if (!p && r.debug && km_quarantine_flush()) /* debug holds memory */
		p = dispatch(&r, st);
	if (!p)
		alloc_failed(&r, r.row);
	return p;
}

/* The hook protocol of mm/hooks.h around __kmalloc(). */
static void *hooked_alloc(size_t size, size_t align, gfp_t gfp,
			  unsigned long caller)
{
	const struct mm_hooks *h = mm_hooks_get();
	struct mm_call call = {
		.kind = MM_KIND_KMALLOC,
		.size = size,
		.gfp = gfp,
		.caller = caller,
	};
	void *p;
	int err;

	if (h && h->should_fail && h->should_fail(&call)) {
		km_add(&km_slow.injected, 1);
		mm_set_error(MM_EFAULT_INJECTED);
		return NULL;
	}
	p = __kmalloc(size, align, gfp, caller);
	if (p && h && h->on_alloc && (err = h->on_alloc(&call, p))) {
		__kfree(p, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	if (p)
		vg_alloc(p, size, ksize(p), gfp & __GFP_ZERO);
	return p;
}

/* This hart's magazine of the normal cache of size's class, or NULL. */
static const struct kmem_cache_cpu *class_magazine(size_t size,
						   unsigned int *idx)
{
	struct kmem_cache *c;

	if (size - 1 >= KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	*idx = km_class_index(size);
	c = km_caches[KM_SET_NORMAL][*idx];
	return c ? kmem_cache_cpu_part(c, slab_cpu()) : NULL;
}

/*
 * The general kmalloc() (mm/kmalloc_fast.c comes here for anything but a
 * magazine hit).  Every miss of a size class's magazine comes here: when
 * this call refilled it (the hart's refill count moved), the class's
 * peak of live blocks is sampled -- once per batch, off the fast path.
 */
void *km_alloc_slow(size_t size, gfp_t gfp, unsigned long caller)
{
	unsigned int idx = 0;
	const struct kmem_cache_cpu *cc = class_magazine(size, &idx);
	unsigned long refills = cc ? READ_ONCE(cc->cc_nr_refill) : 0;
	void *p = hooked_alloc(size, 0, gfp, caller);

	if (p && cc && READ_ONCE(cc->cc_nr_refill) != refills)
		km_sample_peak(idx);
	return p;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return hooked_alloc(size, 0, gfp | __GFP_ZERO, _RET_IP_);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		km_stat_fail(km_mode_now(), KMALLOC_NR_ROWS);
		if (!(gfp & __GFP_NOWARN))
			printk("kcalloc: %zu * %zu bytes overflows, caller "
			       "%pS\n",
			       n, size, __builtin_return_address(0));
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	return hooked_alloc(bytes, 0, gfp | __GFP_ZERO, _RET_IP_);
}

void *kmalloc_aligned(size_t size, size_t align, gfp_t gfp)
{
	return hooked_alloc(size, align, gfp, _RET_IP_);
}

/* ---- free ---------------------------------------------------------------------- */

/* Resolve, refuse or hand to the hooks, release. */
static bool free_block(const void *p, unsigned long caller, bool hooks)
{
	const struct mm_hooks *h = hooks ? mm_hooks_get() : NULL;
	struct km_block b;

	if (!p)
		return true;
	if (!km_resolve(p, &b)) {
		km_refuse(p, &b, caller);
		return false;
	}
	if (h && h->on_free) {
		struct mm_call call = {
			.kind = MM_KIND_KMALLOC,
			.size = b.usable,
			.caller = caller,
		};

		if (h->on_free(&call, (void *)p))
			return true;
	}
	if (hooks) /* a transaction's undo describes its own frees */
		vg_free(p);
	return km_release(p, &b, caller);
}

bool __kfree(const void *p, unsigned long caller)
{
	return free_block(p, caller, false);
}

/* The general kfree() (mm/kmalloc_fast.c comes here for anything but a
 * magazine push). */
void km_free_slow(const void *p, unsigned long caller)
{
	free_block(p, caller, true);
}

/* ---- ksize, krealloc ----------------------------------------------------------- */

bool kmalloc_obj_live(const void *p)
{
	struct km_block b;

	return p && km_resolve(p, &b);
}

size_t ksize(const void *p)
{
	struct km_block b;

	if (!p || !km_resolve(p, &b))
		return 0;
	return b.usable;
}

void *krealloc(void *p, size_t size, gfp_t gfp)
{
	unsigned long caller = _RET_IP_;
	struct km_block b;
	void *n;

	if (!p)
		return hooked_alloc(size, 0, gfp, caller);
	if (gfp & ~__GFP_ALL) { /* refused as kmalloc() would, even in place */
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	if (!km_resolve(p, &b)) {
		km_refuse(p, &b, caller);
		return NULL;
	}
	if (size == 0 && b.kind == KM_ZERO)
		return p;
	/* valgrind: always move, so that a stale pointer is caught */
	if (size && !VG_ON && km_resize_in_place(p, &b, size))
		return p;
	n = hooked_alloc(size, 0, gfp, caller);
	if (!n)
		return NULL;
	memcpy(n, p, b.usable < size ? b.usable : size);
	free_block(p, caller, true);
	return n;
}

unsigned long kmalloc_shrink(void)
{
	unsigned long pages = km_quarantine_flush();

	if (!km_zero_cache)
		return pages;
	for (unsigned int s = 0; s < KM_NR_SETS; s++)
		for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++)
			pages += kmem_cache_shrink(km_caches[s][i]);
	pages += kmem_cache_shrink(km_zero_cache);
	return pages + km_track_shrink();
}

/* ---- initialisation -------------------------------------------------------------- */

static void build_index(void)
{
	unsigned int c = 0;

	for (unsigned int i = 0; i < KMALLOC_MAX_CACHE_SIZE / 8; i++) {
		while (kmalloc_class_size[c] < (i + 1) * 8)
			c++;
		km_index[i] = (unsigned char)(c * KM_INDEX_SCALE);
	}
}

static const char *const set_fmt[KM_NR_SETS] = {
	[KM_SET_NORMAL] = "kmalloc-%u",
	[KM_SET_DEBUG] = "kmalloc-dbg-%u",
	[KM_SET_DMA] = "dma-kmalloc-%u",
	[KM_SET_DMA_DEBUG] = "dma-kmalloc-dbg-%u",
};

/* The alignment every object of c has: objects lie kc_obj_off + k *
 * kc_stride bytes into a slab aligned to its size. */
static size_t cache_obj_align(const struct kmem_cache *c)
{
	unsigned long bits = c->kc_obj_off | c->kc_stride | c->kc_slab_bytes;

	return bits & -bits;
}

static bool create_caches(void)
{
	char name[32];

	for (unsigned int s = 0; s < KM_NR_SETS; s++) {
		unsigned int flags =
			(s == KM_SET_DEBUG || s == KM_SET_DMA_DEBUG)
				? SLAB_DEBUG
				: 0;

		for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++) {
			ksnprintf(name, sizeof(name), set_fmt[s],
				  kmalloc_class_size[i]);
			/* caches align to a page at most (section 2) */
			km_caches[s][i] = kmem_cache_create(
				name, kmalloc_class_size[i],
				class_align(i) < PAGE_SIZE ? class_align(i)
							   : PAGE_SIZE,
				flags, NULL);
			if (!km_caches[s][i])
				return false;
			km_align[s][i] = cache_obj_align(km_caches[s][i]);
		}
	}
	km_normal_is_debug =
		(km_caches[KM_SET_NORMAL][0]->kc_flags & SLAB_DEBUG) != 0;
	/* kfree()'s fast path takes a cache with kc_user set (by
	 * km_fast_refresh()): a normal class cache whose objects start their
	 * slots and whose free word is the object's first word. */
	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++) {
		struct kmem_cache *c = km_caches[KM_SET_NORMAL][i];

		if (c->kc_fp_off != 0 || c->kc_obj_off != 0)
			km_normal_is_debug = true; /* no fast path at all */
	}
	km_zero_cache =
		kmem_cache_create("kmalloc-0", 8, KM_ZERO_ALIGN, 0, NULL);
	return km_zero_cache != NULL;
}

BOOTPARAM_ENUM(kmalloc_mode, "kmalloc.mode", mode_names, KMALLOC_TWO_TIER,
	       "two-tier",
	       "kmalloc's backend mode from boot (docs/kmalloc.md)");

void kmalloc_init(void)
{
	bool dbg = bootparam_bool("mm.debug");
	int mode = bootparam_choice("kmalloc.mode");

	if (READ_ONCE(km_state) & KM_ST_READY)
		return;
	build_index();
	km_fast_init();
	if (!create_caches() || !km_track_init()) {
		printk("kmalloc: cannot create the size-class caches: %s; "
		       "kmalloc disabled\n",
		       mm_strerror(mm_last_error()));
		return;
	}
	km_heap_setup();
	if (mode != KMALLOC_TWO_TIER && !km_nr_heaps) {
		printk("kmalloc: no simple heap, kmalloc.mode=%s ignored\n",
		       mode_names[mode]);
		mode = KMALLOC_TWO_TIER;
	}
	__atomic_store_n(&km_state, state_with(KM_ST_READY, mode, dbg),
			 __ATOMIC_RELEASE);
	km_fast_refresh();
	printk("kmalloc: %u size classes 8..%u, pages above; mode %s, "
	       "debug %s\n",
	       KMALLOC_NR_CLASSES, KMALLOC_MAX_CACHE_SIZE, mode_names[mode],
	       dbg ? "on" : "off");
}

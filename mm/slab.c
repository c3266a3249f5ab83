/* SPDX-License-Identifier: MIT */
/*
 * The slab layer: caches of equal-sized objects carved from buddy pages,
 * with a per-CPU magazine in front of each cache.
 *
 * 1. Design and references
 *
 *    J. Bonwick, "The Slab Allocator: An Object-Caching Kernel Memory
 *    Allocator", USENIX Summer 1994: a cache hands out objects of one size
 *    from slabs (one or more contiguous pages); free objects are chained
 *    through themselves; slabs sit on lists by how full they are; an
 *    optional constructor runs once per object when its slab is made, not
 *    on every allocation.  J. Bonwick and J. Adams, "Magazines and Vmem",
 *    USENIX 2001: a per-CPU stack of object pointers (a magazine) in front
 *    of the slab layer makes the common allocation and free touch only the
 *    running hart's data.  Linux's SLAB calls the same thing array_cache.
 *
 *    Why magazines rather than SLUB's per-CPU slab.  SLUB's fast free is
 *    lock-free only for an object of the hart's current slab; an object
 *    freed on another hart (a cross-hart free: common for network buffers,
 *    and in our SMP test) goes back to its slab's freelist with a
 *    compare-and-swap on that slab's struct page, i.e. another hart's cache
 *    line, and SLUB needs a double-word cmpxchg with a transaction id to
 *    make its lock-free fast path safe.  A magazine takes any object of the
 *    cache, whichever hart allocated it, with two plain stores; moving
 *    objects between magazines and slabs happens in batches under the
 *    cache lock.  It is also the simpler design to read.
 *
 *    Freelist hardening follows Linux's SLAB_FREELIST_HARDENED (K. Cook,
 *    2017): the free word is stored XORed with a per-cache random secret
 *    and its own address, and every decoded pointer is checked to be an
 *    object of the same slab before it is followed.
 *
 *    Slot arithmetic uses no division: D. Lemire, O. Kaser, N. Kurz,
 *    "Faster remainder by direct computation" (Software: Practice and
 *    Experience, 2019): with kc_div = ceil(2^64 / stride), an offset n
 *    below 2^32 is a multiple of the stride iff n * kc_div mod 2^64 <
 *    kc_div, and n / stride is the high word of n * kc_div.
 *
 *    New slabs are not threaded (the bump allocation of never-used
 *    objects, as in Linux SLUB's and jemalloc's fresh slabs): a cache
 *    without constructor or debugging hands out a new slab's objects in
 *    address order by an index, so making a slab costs the same for 8
 *    objects or 512.
 *
 * 2. Data layout
 *
 *    A slab is one buddy block of 2^kc_order pages, its head struct page
 *    carrying PG_slab, the cache (slab_cache), the count of objects not on
 *    its freelist (slab.inuse) and the index of its first free object
 *    (slab.freelist); page->lru links it on one of the cache's lists.  The
 *    slab holds kc_objs slots of kc_stride bytes from its start; the tail
 *    that does not fit a slot is waste (kept under 1/8 of the slab).
 *
 *     slab (PAGE_SIZE << kc_order)
 *     +--------+--------+--------+-- ... --+--------+------+
 *     | slot 0 | slot 1 | slot 2 |         | slot n | waste|
 *     +--------+--------+--------+-- ... --+--------+------+
 *          ^ slab.freelist = 2: 2 -> 0 -> n -> END (through free words)
 *
 *     one slot (kc_stride bytes; fields present only with their flag)
 *     +---------+--------------------+--------+------+-----------+-----+
 *     | red zone| object (kc_size)   |red zone| free | track     | pad |
 *     | (left)  | ^ pointer returned | (right)| word | alloc/free|     |
 *     +---------+--------------------+--------+------+-----------+-----+
 *     0   kc_obj_off           kc_size   kc_rz_end  kc_track_off
 *
 *    The free word is the object's first word (kc_fp_off = 0) unless the
 *    cache has a constructor (constructed state must survive while the
 *    object is free) or poisons (the whole object holds the pattern); then
 *    it sits after the right red zone.
 *
 *    The lazy slab.  At most one slab of a cache (kc_lazy_base) has
 *    never-used objects: [kc_lazy_next, kc_objs), free, on no freelist,
 *    their memory unwritten.  A slab is made only when no slab has a free
 *    object, so the previous lazy slab is used up by then; of two harts
 *    that make one at the same time, the second gives its slab back
 *    unused.  Its slab.freelist is FREELIST_LAZY while only bumped objects
 *    remain; threaded objects (freed ones) are taken first.  A refill
 *    takes as many of a slab's objects as its batch wants in one go
 *    (slab_take_objs()), threaded or bumped, and moves the slab between
 *    lists once.
 *
 *    Bounded refills.  A refill visits at most SLAB_REFILL_SLABS slabs.
 *    After a random churn the partial slabs may hold one free object
 *    each, and a refill of a whole batch then visited a slab per object
 *    with kc_lock held: it was the slowest kmalloc() of the churn
 *    benchmarks (docs/bench.md, "The worst call").  With the bound, a
 *    refill costs a constant whatever the shape of the partial list: the
 *    magazine may get fewer objects than its batch, and the next refill
 *    comes sooner -- the same work per object, never all of it in one
 *    call.  When both lists look empty
 *    (read without kc_lock: a stale answer only grows a slab that the
 *    next refill installs or gives back), the allocation skips the empty
 *    refill and makes a slab at once.
 *
 *      lazy slab   | used | used | used | never | never | ... | never |
 *                                       ^ kc_lazy_next
 *
 *    A cache (struct kmem_cache, in mm/slab.h): NR_CPUS magazines, each on
 *    its own cache lines, then the read-only geometry, then the lists:
 *
 *      kc_cpu[0] [obj][obj][obj] .. cc_avail    kc_partial -> slab <-> slab
 *      kc_cpu[1] [obj] ..                       kc_full    -> slab
 *      ...                                      kc_free    -> slab (<= 1 kept)
 *                                               kc_quarantine (corrupt)
 *
 * 3. Object states and invariants (checked by slab_validate())
 *
 *    An object is in exactly one state:
 *      live       handed out; its free word is the user's (cleared on alloc)
 *      magazine   in one hart's cc_objs; free word decodes to base+FW_MAG
 *      slab-free  on its slab's freelist; free word decodes to the next
 *                 object of the same slab, or base+FW_END for the last
 *      never used in the lazy slab at or after kc_lazy_next; its memory
 *                 is whatever the page held (a free of it is refused)
 *    a. A slab is on kc_free iff inuse == 0, on kc_full iff it has no free
 *       object, on kc_partial otherwise, on kc_quarantine iff its freelist
 *       was found corrupt; the kc_nr_* counts equal the list lengths.
 *    b. A freelist walk decodes, stays inside the slab on object starts,
 *       visits each object at most once, and with the lazy slab's
 *       never-used objects counts kc_objs - inuse.
 *    c. Each magazine object belongs to a slab of this cache on a list, is
 *       not on its freelist, and is in no other magazine slot.
 *    d. Sum of inuse = live + magazine objects, where live = sum over harts
 *       of cc_nr_alloc - cc_nr_free; cc_avail <= SLAB_MAG_MAX.
 *    e. Debug caches: red zones of live objects hold 0xcc, of free objects
 *       0xbb; free objects of poisoned caches hold 0x6b..0x6b 0xa5.
 *
 * 4. Lock order:  slab_caches_lock -> cc_lock (cpu order) -> kc_lock
 *                 -> the page allocator's locks
 *
 *    slab_caches_lock guards the list of caches (create, destroy, walks).
 *
 *    cc_lock (a bare flag in kmem_cache_cpu) guards one magazine: its
 *    hart takes it around every alloc and free with interrupts off (an
 *    uncontended amoswap, and an amoswap with release order to give it
 *    back: arch_flag_tryset/clear);
 *    others take it only to drain or inspect, which is why the owner
 *    cannot do without it: a drain by another hart must not meet a
 *    half-done pop.  The magazine's counters (cc_nr_*) are written only
 *    by their hart inside that section: plain stores, summed on read.
 *
 *    kc_lock guards the slab lists, every slab's inuse/freelist and free
 *    words, and kc_lazy_base/kc_lazy_next (which the fast free reads
 *    without it, section 7).  It is always taken with interrupts off
 *    (inside a cc_lock section or with slab_lock_all()), so an interrupt
 *    handler never finds it held by its own hart.  No kc_lock is held
 *    while asking the page allocator for a slab (it may call
 *    slab_reclaim(), which then finds this hart's cc_lock taken and skips
 *    that magazine); slabs are given back after kc_lock is dropped.
 *    slab_reclaim() only try-locks.
 *
 * 5. Failure protocol
 *    Allocation never panics: no memory gives NULL with the page
 *    allocator's reason (MM_ENOMEM, MM_EWATERMARK), bad arguments MM_EINVAL,
 *    and kc_nr_fail counts it.  A refused free (not an object of the cache,
 *    interior, already free) is reported with the caller, counted per kind
 *    and per cache, sets MM_EBADFREE and changes nothing.  A free word that
 *    does not decode is reported and not followed: the slab is quarantined
 *    (no more allocations from it; given back once its objects are all
 *    freed) and the allocation goes on from another slab.  The public
 *    calls on a destroyed cache are refused: kmem_cache_destroy() leaves
 *    SLAB_MAGIC_DEAD in kc_magic, which the freed struct keeps, and
 *    kmem_cache_alloc/free/shrink/destroy check for SLAB_MAGIC_LIVE.
 *    A debug slab's objects are all checked (poison, red zones) before
 *    the slab goes back to the page allocator (shrink, reclaim, destroy),
 *    as Linux does when it discards a debug slab, so that the evidence of
 *    a write after free is reported rather than lost.
 *
 * 6. The validator (mm/slab_check.c) takes each cache's locks and checks
 *    3a-3e: list membership against inuse, freelist walks, magazines,
 *    counters and (debug caches) red zones and poison.
 *
 * 7. The fast path (slab_mag_pop/slab_free_fast in mm/slab_internal.h;
 *    kmalloc's own versions in mm/kmalloc_fast.c)
 *    Allocation: interrupts off, this hart's cc_lock tried once (only a
 *    draining hart ever holds it), pop, count, release, clear the free
 *    word.  Free: the always-on checks (slab page of this cache, an
 *    object start by one multiply, free word not "free", not a
 *    never-used object of the lazy slab), then the push, whose free-word
 *    tag is set with an atomic exchange (of two harts freeing one object
 *    at once only one may push it; section 5).  Both are leaves: any
 *    other case -- empty or full magazine, busy lock, debug cache,
 *    __GFP_ZERO, a suspicious free -- tail-calls alloc_general() or
 *    free_general(), which do the whole job with reports.
 *    The never-used check reads kc_lazy_base and kc_lazy_next without
 *    kc_lock.  kc_lazy_next only grows, so a stale value only sends a
 *    free to the general path.  A new lazy slab is published before its
 *    PG_slab (a release fence in slab_install()), and the free reads
 *    PG_slab with acquire order (slab_free_looks_valid(); kfree() reaches
 *    the cache through the same page), so no hart can see the slab
 *    without seeing that it is the lazy one.
 */
#include "mm/slab_internal.h"
#include "mm/hooks.h"
#include "mm/mm.h"
#include "mm/vg.h"
#include "lib/bootargs.h"
#include "lib/printk.h"
#include "lib/string.h"

/* ---- locks ---------------------------------------------------------------- */

static inline void cc_acquire(struct kmem_cache_cpu *cc)
{
	while (__atomic_exchange_n(&cc->cc_lock, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(cc->cc_lock))
			arch_cpu_relax();
}

unsigned long slab_lock_all(struct kmem_cache *c)
{
	unsigned long flags = arch_irq_save();

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		cc_acquire(&c->kc_cpu[cpu]);
	spin_lock(&c->kc_lock);
	return flags;
}

void slab_unlock_all(struct kmem_cache *c, unsigned long flags)
{
	spin_unlock(&c->kc_lock);
	for (unsigned int cpu = NR_CPUS; cpu-- > 0;)
		cc_release(&c->kc_cpu[cpu]);
	arch_irq_restore(flags);
}

/* ---- magazines (cc_lock held, interrupts off) -------------------------------- */

/*
 * Tag n objects of the slab at base as "in a magazine" (fw_encode() of
 * base + FW_MAG).  The secret and the free word's offset are read once:
 * the compiler cannot keep them in registers itself, since each store to
 * a free word might change them as far as it knows.
 */
static void tag_objs(const struct kmem_cache *c, void *const *objs,
		     unsigned int n, uintptr_t base)
{
	uintptr_t key = c->kc_secret ^ (base + FW_MAG);
	uintptr_t off = c->kc_fp_off;

	for (unsigned int i = 0; i < n; i++) {
		uintptr_t *fw = (uintptr_t *)((uintptr_t)objs[i] + off);

		*fw = key ^ (uintptr_t)fw;
	}
}

/*
 * Move up to one batch of objects from at most SLAB_REFILL_SLABS slabs
 * into cc (kc_lock held); returns how many.  grown, when not NULL, is a
 * new slab to put on the free list first, in the same critical section,
 * so that this hart gets its objects before other harts can.  A debug
 * cache's one object gets its allocation checks here, under kc_lock, so
 * the validator never sees it half-painted.
 */
static unsigned int refill(struct kmem_cache *c, struct kmem_cache_cpu *cc,
			   struct page **grown, unsigned long caller)
{
	unsigned int n = 0, slabs = 0;

	spin_lock(&c->kc_lock);
	if (grown && slab_install(c, *grown))
		*grown = NULL;
	while (n < cc->cc_batch && slabs++ < SLAB_REFILL_SLABS) {
		struct list_head *from = !list_empty(&c->kc_partial)
						 ? &c->kc_partial
						 : &c->kc_free;
		void **out = cc->cc_objs + cc->cc_avail;
		struct page *pg;
		unsigned int k;

		if (list_empty(from))
			break;
		pg = list_first_entry(from, struct page, lru);
		k = slab_take_objs(c, pg, out, cc->cc_batch - n);
		if (unlikely(c->kc_flags & SLAB_DEBUG))
			for (unsigned int i = 0; i < k; i++)
				slab_debug_on_alloc(c, out[i], caller);
		else
			tag_objs(c, out, k, slab_base(pg));
		cc->cc_avail += k;
		n += k;
	}
	spin_unlock(&c->kc_lock);
	if (n)
		cc->cc_nr_refill++;
	return n;
}

/* Give the n coldest objects of cc back to their slabs (kc_lock held). */
static void flush_locked(struct kmem_cache *c, struct kmem_cache_cpu *cc,
			 unsigned int n, struct list_head *doomed)
{
	for (unsigned int i = 0; i < n; i++) {
		void *obj = cc->cc_objs[i];

		slab_put_obj(c, slab_page_guess(c, obj), obj, doomed);
	}
	cc->cc_avail -= n;
	memmove(cc->cc_objs, cc->cc_objs + n, cc->cc_avail * sizeof(void *));
	cc->cc_nr_flush++;
}

static void flush(struct kmem_cache *c, struct kmem_cache_cpu *cc,
		  unsigned int n, struct list_head *doomed)
{
	spin_lock(&c->kc_lock);
	flush_locked(c, cc, n, doomed);
	spin_unlock(&c->kc_lock);
}

/* No partial and no free slab, read without kc_lock (section 2). */
static inline bool slab_lists_look_empty(const struct kmem_cache *c)
{
	return READ_ONCE(c->kc_partial.next) == &c->kc_partial &&
	       READ_ONCE(c->kc_free.next) == &c->kc_free;
}

/* The magazine is empty: refill it, growing the cache if need be. */
static __attribute__((noinline)) void *alloc_slow(struct kmem_cache *c,
						  struct kmem_cache_cpu *cc,
						  gfp_t gfp,
						  unsigned long caller)
{
	struct page *pg;
	unsigned int n =
		slab_lists_look_empty(c) ? 0 : refill(c, cc, NULL, caller);

	if (!n) {
		pg = slab_new(c, gfp, caller);
		if (!pg)
			return NULL;
		n = refill(c, cc, &pg, caller);
		if (pg) /* another hart's new slab came first: unused */
			__free_pages(pg, c->kc_order, caller);
		if (!n)
			return NULL; /* cannot happen: a new slab has objects */
	}
	cc->cc_nr_alloc++;
	return cc->cc_objs[--cc->cc_avail];
}

/*
 * The magazine is full (or the cache has none): make room, then push.
 * Slabs left empty go back to the page allocator once kc_lock is dropped
 * (cc_lock is still held: the order cc_lock -> zone locks is allowed).
 * A debug cache's object gets its free checks here, under kc_lock; false
 * when it turns out to be free already (two harts freed it at once).
 */
static __attribute__((noinline)) bool free_slow(struct kmem_cache *c,
						struct kmem_cache_cpu *cc,
						void *obj, unsigned long caller)
{
	struct list_head doomed = LIST_HEAD_INIT(doomed);
	struct page *pg = slab_page_guess(c, obj);
	bool ok = true;

	if (cc->cc_limit == 0) {
		spin_lock(&c->kc_lock);
		ok = fw_decode(c, obj) - slab_base(pg) >= c->kc_slab_bytes;
		if (ok && (c->kc_flags & SLAB_DEBUG))
			slab_debug_on_free(c, obj, caller);
		if (ok)
			slab_put_obj(c, pg, obj, &doomed);
		spin_unlock(&c->kc_lock);
	} else {
		ok = claim_free_word(c, obj);
		if (ok) {
			flush(c, cc, cc->cc_batch, &doomed);
			cc->cc_objs[cc->cc_avail++] = obj;
		}
	}
	slab_release_slabs(c, &doomed);
	return ok;
}

/* ---- allocation and free ---------------------------------------------------- */

static __attribute__((noinline)) void *alloc_failed(struct kmem_cache *c,
						    enum mm_error err)
{
	if (err != MM_OK)
		mm_set_error(err);
	__atomic_fetch_add(&c->kc_nr_fail, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* The general allocation: everything the fast path below leaves out. */
static __attribute__((noinline)) void *
alloc_general(struct kmem_cache *c, gfp_t gfp, unsigned long caller)
{
	unsigned long flags;
	struct kmem_cache_cpu *cc;
	void *obj;

	if (unlikely(gfp & ~__GFP_ALL))
		return alloc_failed(c, MM_EINVAL);
	flags = arch_irq_save();
	cc = &c->kc_cpu[arch_cpu_id()];
	cc_acquire(cc);
	if (likely(cc->cc_avail)) {
		unsigned int n = cc->cc_avail - 1;

		obj = cc->cc_objs[n];
		cc->cc_avail = n;
		cc->cc_nr_alloc++;
	} else {
		obj = alloc_slow(c, cc, gfp, caller);
	}
	cc_release(cc);
	arch_irq_restore(flags);
	if (unlikely(!obj))
		return alloc_failed(c, MM_OK);
	*free_word(c, obj) = 0;
	if (unlikely(c->kc_flags & SLAB_POISON) && !(gfp & __GFP_ZERO))
		slab_debug_fresh(c, obj);
	if (unlikely(gfp & __GFP_ZERO))
		memset(obj, 0, c->kc_size);
	return obj;
}

void *__kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp, unsigned long caller)
{
	void *obj;

	if (likely(!(gfp & ~(__GFP_ALL & ~__GFP_ZERO)) &&
		   !(c->kc_flags & SLAB_POISON))) {
		obj = slab_mag_pop(c);
		if (likely(obj)) {
			*free_word(c, obj) = 0;
			return obj;
		}
	}
	return alloc_general(c, gfp, caller);
}

/* obj has passed the checks: into the magazine (or the slab). */
static inline bool free_obj(struct kmem_cache *c, void *obj,
			    unsigned long caller)
{
	unsigned long flags = arch_irq_save();
	struct kmem_cache_cpu *cc = &c->kc_cpu[arch_cpu_id()];
	bool ok = true;

	cc_acquire(cc);
	if (likely(cc->cc_avail < cc->cc_limit)) {
		ok = claim_free_word(c, obj);
		if (likely(ok))
			cc->cc_objs[cc->cc_avail++] = obj;
	} else {
		ok = free_slow(c, cc, obj, caller);
	}
	cc->cc_nr_free += ok;
	cc_release(cc);
	arch_irq_restore(flags);
	return ok;
}

/* The general free: everything the fast path below leaves out. */
static __attribute__((noinline)) bool
free_general(struct kmem_cache *c, void *obj, unsigned long caller)
{
	if (unlikely(!obj))
		return true;
	if (unlikely(!slab_check_free(c, obj, caller, true)))
		return false;
	if (likely(free_obj(c, obj, caller)))
		return true;
	slab_report_racing_free(c, obj, caller);
	return false;
}

static __attribute__((noinline)) bool
free_raced(struct kmem_cache *c, void *obj, unsigned long caller)
{
	slab_report_racing_free(c, obj, caller);
	return false;
}

bool __kmem_cache_free(struct kmem_cache *c, void *obj, unsigned long caller)
{
	enum slab_free_result r = obj ? slab_free_fast(c, obj) : SLAB_GENERAL;

	if (likely(r == SLAB_FREED))
		return true;
	if (r == SLAB_RACED)
		return free_raced(c, obj, caller);
	return free_general(c, obj, caller);
}

/* The mm/hooks.h protocol around an allocation. */
static __attribute__((noinline)) void *alloc_hooked(struct kmem_cache *c,
						    gfp_t gfp,
						    unsigned long caller,
						    const struct mm_hooks *h)
{
	struct mm_call call = {MM_KIND_SLAB, c,	    c->kc_name, c->kc_size, 0,
			       gfp,	     caller};
	void *obj;
	int err;

	if (h->should_fail && h->should_fail(&call)) {
		mm_set_error(MM_EFAULT_INJECTED);
		return NULL;
	}
	obj = __kmem_cache_alloc(c, gfp, caller);
	if (obj && h->on_alloc && (err = h->on_alloc(&call, obj))) {
		__kmem_cache_free(c, obj, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	return obj;
}

void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	const struct mm_hooks *h = mm_hooks_get();
	void *obj;

	if (unlikely(!c || c->kc_magic != SLAB_MAGIC_LIVE)) {
		slab_cache_usable(c, "kmem_cache_alloc", caller);
		return NULL;
	}
	if (likely(!h) || (c->kc_flags & SLAB_NO_HOOKS))
		obj = __kmem_cache_alloc(c, gfp, caller);
	else
		obj = alloc_hooked(c, gfp, caller, h);
	if (obj) /* a constructed object is defined */
		vg_alloc(obj, c->kc_size, c->kc_size,
			 c->kc_ctor || (gfp & __GFP_ZERO));
	return obj;
}

/* The mm/hooks.h protocol around a free. */
static __attribute__((noinline)) void free_hooked(struct kmem_cache *c,
						  void *obj,
						  unsigned long caller,
						  const struct mm_hooks *h)
{
	struct mm_call call = {MM_KIND_SLAB, c, c->kc_name, c->kc_size, 0, 0,
			       caller};

	/* An invalid free is reported by the allocator, never seen by hooks. */
	if (obj && h->on_free && slab_check_free(c, obj, caller, false) &&
	    h->on_free(&call, obj))
		return;
	vg_free(obj);
	__kmem_cache_free(c, obj, caller);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	const struct mm_hooks *h = mm_hooks_get();

	if (unlikely(!c || c->kc_magic != SLAB_MAGIC_LIVE)) {
		slab_cache_usable(c, "kmem_cache_free", caller);
		return;
	}
	if (likely(!h) || (c->kc_flags & SLAB_NO_HOOKS)) {
		vg_free(obj);
		__kmem_cache_free(c, obj, caller);
	} else
		free_hooked(c, obj, caller, h);
}

/* ---- draining ---------------------------------------------------------------- */

/* Empty one hart's magazine into the slabs; false if a lock was busy. */
static bool drain_cpu(struct kmem_cache *c, unsigned int cpu, bool try,
		      struct list_head *doomed)
{
	struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];
	unsigned long flags;

	if (!READ_ONCE(cc->cc_avail))
		return true;
	flags = arch_irq_save();
	if (try && !cc_trylock(cc)) {
		arch_irq_restore(flags);
		return false;
	}
	if (!try)
		cc_acquire(cc);
	if (cc->cc_avail && !try) {
		flush(c, cc, cc->cc_avail, doomed);
	} else if (cc->cc_avail && spin_trylock(&c->kc_lock)) {
		flush_locked(c, cc, cc->cc_avail, doomed);
		spin_unlock(&c->kc_lock);
	}
	cc_release(cc);
	arch_irq_restore(flags);
	return true;
}

unsigned long slab_shrink(struct kmem_cache *c, bool try)
{
	struct list_head doomed = LIST_HEAD_INIT(doomed);

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		drain_cpu(c, cpu, try, &doomed);
	slab_take_free_slabs(c, try, &doomed);
	return slab_release_slabs(c, &doomed);
}

unsigned long kmem_cache_shrink(struct kmem_cache *c)
{
	if (!c)
		return 0;
	if (!slab_cache_usable(c, "kmem_cache_shrink", _RET_IP_))
		return 0;
	return slab_shrink(c, false);
}

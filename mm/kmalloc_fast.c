/* SPDX-License-Identifier: MIT */
/*
 * kmalloc()'s and kfree()'s fast paths: a hit in this hart's magazine of
 * a normal size-class cache, with the counters in the same critical
 * section.  Everything else goes to the general paths in mm/kmalloc.c
 * (section 7 of its theory comment explains the split; docs/kmalloc.md
 * shows what each instruction is for).
 */
#include "mm/kmalloc_internal.h"
#include "mm/slab_internal.h"
#include "mm/hooks.h"
#include "mm/mm.h"
#include "mm/vg.h"

/* Requests the fast path leaves to the general one. */
#define KM_GFP_SLOW (__GFP_DMA | __GFP_ZERO | ~__GFP_ALL)

/*
 * The caller's address, for the slow paths' reports.  Both fast paths
 * are leaves whose only call is the tail call to their slow path: a jump,
 * so at the slow path's entry ra is still the fast path's caller's
 * return address.  In the kernel (always -O2: gcc turns the call into a
 * jump) the slow entries below read it there, and the fast paths neither
 * build the frame that __builtin_return_address() costs nor copy ra.
 * Host builds at -O1 make real calls, so they pass _RET_IP_ down.
 */
#ifdef KERNEL
static __attribute__((noinline)) void *alloc_slow_tail(size_t size, gfp_t gfp)
{
	return km_alloc_slow(size, gfp, _RET_IP_);
}

static __attribute__((noinline)) void free_slow_tail(const void *p)
{
	km_free_slow(p, _RET_IP_);
}

#define KM_ALLOC_SLOW(size, gfp) alloc_slow_tail(size, gfp)
#define KM_FREE_SLOW(p) free_slow_tail(p)
#define KM_RACED_CALLER 0UL
#else
#define KM_ALLOC_SLOW(size, gfp) km_alloc_slow(size, gfp, _RET_IP_)
#define KM_FREE_SLOW(p) km_free_slow(p, _RET_IP_)
#define KM_RACED_CALLER _RET_IP_
#endif

/*
 * Pop from this hart's magazine of c (slab_mag_pop_nth(), which counts
 * the allocation) and count the bytes asked for beside it: plain stores,
 * only this hart writes them, inside the critical section;
 * mm/kmalloc_stats.c sums them.  The free word is cleared once the lock
 * is given back.
 */
static inline void *fast_alloc(struct kmem_cache *c, size_t size)
{
	unsigned long flags = arch_irq_save();
	struct kmem_cache_cpu *cc = slab_this_cc(c);

	if (likely(cc_trylock(cc))) {
		unsigned long n = cc->cc_avail;

		if (likely(n)) {
			uintptr_t *p;

			cc_count(&cc->cc_req, size);
			p = slab_mag_pop_nth(cc, n);
			cc_release(cc);
			arch_irq_restore(flags);
			*p = 0; /* the free word (kc_fp_off 0) */
			return p;
		}
		cc_release(cc);
	}
	arch_irq_restore(flags);
	return NULL;
}

/*
 * The fast path.  One load is the whole gate: km_fast_max is the largest
 * class size while the fast path may run (ready, two-tier or hybrid, no
 * debug, no hooks, not under valgrind; mm/kmalloc.c keeps it) and 0
 * otherwise, so "size - 1 < km_fast_max" says both "a class" and "go"
 * (size 0 wraps and fails it).  Then plain gfp, one table load for the
 * class and one for its cache, and the magazine pop.  The free word is
 * the object's first word in the normal caches (kmalloc_init() checks)
 * and is cleared so that the tag never reaches the caller.  Anything
 * else, and a miss (an empty magazine: the refill), takes the general
 * path.
 */
SLAB_LEAF void *kmalloc(size_t size, gfp_t gfp)
{
	if (likely(size - 1 < READ_ONCE(km_fast_max) &&
		   !(gfp & KM_GFP_SLOW))) {
		void *p = fast_alloc(
			*(struct kmem_cache **)((char *)km_caches[KM_SET_NORMAL] +
						km_index_gp[(size - 1) >> 3]),
			size);

		if (likely(p))
			return p;
	}
	return KM_ALLOC_SLOW(size, gfp);
}

/*
 * The direct map is linear (docs/buddy.md): the virtual address of the
 * first frame the memmap describes, how many frames it describes (0 until
 * kmalloc_init(): no shortcut before) and the memmap, side by side so that
 * kfree() reaches all three from one address (gp-relative, __gp_hot).
 */
uintptr_t km_map_virt __gp_hot;
unsigned long km_map_frames __gp_hot;
struct page *km_map_pages __gp_hot;

/* The struct page of the direct-map address a in *pg; false when a lies
 * outside the memmap (below it, the subtraction wraps: also outside).
 * A bool rather than NULL, so that callers test the bound, not a pointer
 * the compiler cannot know is non-NULL. */
static inline bool km_page(uintptr_t a, struct page **pg)
{
	unsigned long pfn = (a - km_map_virt) >> PAGE_SHIFT;

	*pg = km_map_pages + pfn;
	return pfn < km_map_frames;
}

/*
 * An object of a big class (8..32 KiB, on an order-3 slab) may lie in a
 * tail page, which carries no flag.  Buddy blocks are aligned to their
 * size, so the slab's head is the page at the 32 KiB boundary below p:
 * that page must be a slab head of order 3 or more (a smaller block there
 * would not reach p).  Anything else is NULL, and kfree() takes the
 * general path (kmem_cache_of(), which walks up to MAX_ORDER pages).
 */
static inline struct kmem_cache *big_slab_cache(const void *p)
{
	struct page *pg, seen;

	if (!km_page((uintptr_t)p & ~((PAGE_SIZE << SLAB_BIG_ORDER) - 1), &pg))
		return NULL;
	seen.state = __atomic_load_n(&pg->state, __ATOMIC_ACQUIRE);
	if ((seen.flags & (PG_slab | PG_head)) != (PG_slab | PG_head) ||
	    seen.order < SLAB_BIG_ORDER)
		return NULL;
	return pg->slab_cache;
}

/*
 * The cache of p when p lies in a slab: its head page (always so for the
 * one-page slabs of the small classes) or a big class's slab, else NULL.
 * A shortcut for kmem_cache_of(), which also walks from tail pages to
 * their head.
 */
static inline struct kmem_cache *slab_head_cache(const void *p)
{
	struct page *pg;

	if (!km_page((uintptr_t)p, &pg))
		return NULL;
	/* PG_slab, an owner bit, is only ever on a head (mm/page_alloc.h) */
	if (likely(slab_page_flags_acquire(pg) & PG_slab))
		return pg->slab_cache;
	return big_slab_cache(p);
}

/* Two harts freed p at the same instant and this one lost.  caller 0:
 * reached by kfree()'s tail call, ra is kfree()'s caller (see above). */
static __attribute__((noinline)) void
kfree_raced(struct kmem_cache *c, const void *p, unsigned long caller)
{
	enum km_set set;
	unsigned int idx;

	slab_report_racing_free(c, (void *)p, caller ? caller : _RET_IP_);
	km_stat_bad_free(km_cache_class(c, &set, &idx) ? idx
						       : KMALLOC_NR_ROWS);
}

/*
 * The checks, then the magazine push and this hart's free counter in one
 * critical section.  kmalloc's normal caches have the object at the
 * start of its slot and the free word at the start of the object
 * (kmalloc_init() gives kc_user only to such caches), so the slab's
 * slab_obj_free_ok() reduces to: an object start (one multiply, mm/slab.c
 * section 2), a free word that does not decode to a place in this slab
 * (free objects' words do: a double free), and not a never-used object
 * of the lazy slab.
 */
static inline enum slab_free_result fast_free(struct kmem_cache *c, void *p)
{
	uintptr_t bytes = c->kc_slab_bytes;
	uintptr_t off = (uintptr_t)p & (bytes - 1);
	uintptr_t base = (uintptr_t)p - off;
	uintptr_t *fw = p;
	uintptr_t kb = fw_key_base(c, fw, base); /* one xor per use below */
	uint64_t div = c->kc_div;

	if (unlikely(off >= c->kc_objs_end || off * div >= div ||
		     (*fw ^ kb) < bytes ||
		     slab_never_used(c, base, (uintptr_t)p)))
		return SLAB_GENERAL;
	return slab_mag_push(c, p, fw, kb ^ FW_MAG);
}

/*
 * The fast path: an object of a normal kmalloc-N slab whose cache's
 * kc_user is set (class + 1; kmalloc clears it while hooks are
 * installed, km_fast_refresh()), found from its page or, for the big
 * classes, from the 32 KiB boundary below it.  The slab's
 * checks run inline; anything odd (including a double free, whose free
 * word says "free") goes to the general path, which reports it.  The
 * free is counted by the push (cc_nr_free), which is also kmalloc's
 * count of the class (mm/kmalloc_stats.c).
 */
SLAB_LEAF void kfree(const void *p)
{
	struct kmem_cache *c;
	enum slab_free_result r;

	/* NULL fails the memmap bounds: the slow path's no-op */
	c = slab_head_cache(p);
	if (likely(!VG_ON && c && READ_ONCE(c->kc_user))) {
		r = fast_free(c, (void *)p);
		if (likely(r == SLAB_FREED))
			return;
		if (r == SLAB_RACED)
			return kfree_raced(c, p, KM_RACED_CALLER);
	}
	KM_FREE_SLOW(p);
}

void km_fast_init(void)
{
	km_map_virt = (uintptr_t)page_address(mem_map);
	km_map_pages = mem_map;
	km_map_frames = memmap_end_pfn - memmap_start_pfn;
}

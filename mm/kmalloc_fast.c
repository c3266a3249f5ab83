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
 * Pop from this hart's magazine of c and count the allocation in this
 * hart's row of kmalloc's counters, all in one critical section
 * (interrupts off, the magazine's lock): plain stores, no atomic add.
 */
static inline void *fast_alloc(struct kmem_cache *c, unsigned int mode,
			       unsigned long idx, size_t size)
{
	/* Hart 0's cell; this hart's is a whole km_cpu_stats further. */
	char *cell0 = (char *)&km_cpu_stats[0].s_cell[mode][idx];
	unsigned long flags = arch_irq_save();
	unsigned long cpu = slab_cpu();
	struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];
	void *p = NULL;

	if (likely(cc_trylock(cc))) {
		unsigned int n = cc->cc_avail;

		if (likely(n)) {
			struct km_cell *cell =
				(struct km_cell
					 *)(cell0 +
					    cpu * sizeof(km_cpu_stats[0]));

			/* one shift from cc to the slot */
			p = *(void **)((char *)cc->cc_objs +
				       (unsigned long)(n - 1) * sizeof(void *));
			cc->cc_avail = n - 1;
			cc_count(&cc->cc_nr_alloc, 1);
			cc_count(&cell->c_allocs, 1);
			cc_count(&cell->c_req, size);
		}
		cc_release(cc);
	}
	arch_irq_restore(flags);
	return p;
}

/*
 * The fast path: no hooks, a class size, not DMA, mode two-tier or hybrid
 * without debug (all in km_state's KM_ST_FAST bit but the hooks, which
 * are one more load).  One table load picks the cache; the magazine pop
 * and the counters share one critical section.  The free word is the
 * object's first word in the normal caches (kmalloc_init() checks), and
 * is cleared so that the tag never reaches the caller.  Anything else,
 * and a miss (an empty magazine: the refill), takes the general path.
 */
SLAB_LEAF void *kmalloc(size_t size, gfp_t gfp)
{
	unsigned int st = READ_ONCE(km_state);

	if (likely(!VG_ON && (st & KM_ST_FAST) &&
		   size - 1 < KMALLOC_MAX_CACHE_SIZE && !(gfp & KM_GFP_SLOW) &&
		   !mm_hooks_get())) {
		unsigned long idx = km_index[(size - 1) >> 3];
		uintptr_t *p = fast_alloc(km_caches[KM_SET_NORMAL][idx],
					  st & KM_ST_MODE, idx, size);

		if (likely(p)) {
			*p = 0; /* the free word (kc_fp_off 0) */
			return p;
		}
	}
	return km_alloc_slow(size, gfp, _RET_IP_);
}

/*
 * The direct map is linear (docs/buddy.md): the virtual address of the
 * first frame the memmap describes, how many frames it describes (0 until
 * kmalloc_init(): no shortcut before) and the memmap, side by side so that
 * kfree() reaches all three from one address.
 */
static struct {
	uintptr_t virt;
	unsigned long frames;
	struct page *map;
} km_map;

/* The state word of the struct page of the direct-map address a, or 0
 * when a lies outside the memmap (below it, the subtraction wraps: also
 * outside); *pg is then the page.  Acquire: a new slab's lazy state is
 * published before its PG_slab. */
static inline struct page *km_page(uintptr_t a)
{
	unsigned long pfn = (a - km_map.virt) >> PAGE_SHIFT;

	return pfn < km_map.frames ? km_map.map + pfn : NULL;
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
	struct page *pg =
		km_page((uintptr_t)p & ~((PAGE_SIZE << SLAB_BIG_ORDER) - 1));
	struct page seen;

	if (!pg)
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
	struct page *pg = km_page((uintptr_t)p);

	if (!pg)
		return NULL;
	if (likely((slab_page_flags_acquire(pg) & (PG_slab | PG_head)) ==
		   (PG_slab | PG_head)))
		return pg->slab_cache;
	return big_slab_cache(p);
}

/* Two harts freed p at the same instant and this one lost. */
static __attribute__((noinline)) void
kfree_raced(struct kmem_cache *c, const void *p, unsigned long caller)
{
	slab_report_racing_free(c, (void *)p, caller);
	km_stat_bad_free(c->kc_user - 1);
}

/*
 * The checks (an object start whose free word does not say "free"), then
 * the magazine push and this hart's free counter in one critical section.
 */
static inline enum slab_free_result fast_free(struct kmem_cache *c, void *p)
{
	uintptr_t base = (uintptr_t)p & ~(c->kc_slab_bytes - 1);
	uintptr_t *fw = p; /* kc_user caches: kc_fp_off is 0 */
	uintptr_t key = c->kc_secret ^ (uintptr_t)fw;
	char *frees0 =
		(char *)&km_cpu_stats[0].s_frees[(unsigned long)c->kc_user - 1];
	enum slab_free_result r = SLAB_GENERAL;
	unsigned long flags, cpu;
	struct kmem_cache_cpu *cc;

	/* slab_obj_free_ok(), with the free word's key kept for the tag */
	if (unlikely(!slab_is_obj(c, base, (uintptr_t)p) ||
		     (*fw ^ key) - base < c->kc_slab_bytes ||
		     slab_never_used(c, base, (uintptr_t)p)))
		return SLAB_GENERAL;
	flags = arch_irq_save();
	cpu = slab_cpu();
	cc = &c->kc_cpu[cpu];
	if (likely(cc_trylock(cc))) {
		r = slab_mag_put_tag(cc, p, fw, (base + FW_MAG) ^ key);
		if (likely(r == SLAB_FREED))
			cc_count((unsigned long
					  *)(frees0 +
					     cpu * sizeof(km_cpu_stats[0])),
				 1);
		cc_release(cc);
	}
	arch_irq_restore(flags);
	return r;
}

/*
 * The fast path: an object of a normal kmalloc-N slab (kc_user says
 * which: its class + 1), found from its page or, for the big classes,
 * from the 32 KiB boundary below it, and no hooks.  The slab's checks
 * run inline; anything odd (including a double free, whose free word says
 * "free") goes to the general path, which reports it.
 */
SLAB_LEAF void kfree(const void *p)
{
	struct kmem_cache *c;
	enum slab_free_result r;

	if (unlikely(!p))
		return;
	c = slab_head_cache(p);
	/* kc_user - 1 is the class: an unsigned compare also refuses 0 */
	if (likely(!VG_ON && c &&
		   (unsigned long)c->kc_user - 1 < KMALLOC_NR_CLASSES &&
		   !mm_hooks_get())) {
		r = fast_free(c, (void *)p);
		if (likely(r == SLAB_FREED))
			return;
		if (r == SLAB_RACED)
			return kfree_raced(c, p, _RET_IP_);
	}
	km_free_slow(p, _RET_IP_);
}

void km_fast_init(void)
{
	km_map.virt = (uintptr_t)page_address(mem_map);
	km_map.map = mem_map;
	km_map.frames = memmap_end_pfn - memmap_start_pfn;
}

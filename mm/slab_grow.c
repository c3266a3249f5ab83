/* SPDX-License-Identifier: MIT */
/*
 * The slab layer's slabs: the lists a slab sits on, taking an object from
 * a slab and giving one back (kc_lock held), making a new slab (lazily:
 * the bump index of never-used objects) and giving slabs back to the page
 * allocator.  The per-CPU magazines that sit in front are in mm/slab.c,
 * whose theory section explains the layout, the states and the locks.
 */
#include "mm/slab_internal.h"
#include "mm/mm.h"
#include "mm/vg.h"

/* ---- slab lists (kc_lock held) ---------------------------------------------- */

struct list_head *slab_list_head(struct kmem_cache *c, enum slab_list l)
{
	switch (l) {
	case SL_PARTIAL:
		return &c->kc_partial;
	case SL_FULL:
		return &c->kc_full;
	case SL_FREE:
		return &c->kc_free;
	default:
		return &c->kc_quarantine;
	}
}

static unsigned long *list_count(struct kmem_cache *c, enum slab_list l)
{
	switch (l) {
	case SL_PARTIAL:
		return &c->kc_nr_partial;
	case SL_FULL:
		return &c->kc_nr_full;
	case SL_FREE:
		return &c->kc_nr_free;
	default:
		return &c->kc_nr_quarantine;
	}
}

/* pg was on list `was`; put it where its state now says. */
static void relist(struct kmem_cache *c, struct page *pg, enum slab_list was)
{
	enum slab_list now = slab_state(pg);

	if (now == was)
		return;
	list_del(&pg->lru);
	(*list_count(c, was))--;
	list_add(&pg->lru, slab_list_head(c, now));
	(*list_count(c, now))++;
}

/* pg leaves the cache's use (doomed or quarantined): if it was the lazy
 * slab, its never-used objects go with it. */
static void forget_lazy(struct kmem_cache *c, struct page *pg)
{
	if (c->kc_lazy_base == slab_base(pg))
		WRITE_ONCE(c->kc_lazy_base, 0);
}

/* Quarantine pg: its freelist cannot be trusted (reported by the caller). */
static void quarantine(struct kmem_cache *c, struct page *pg)
{
	enum slab_list was = slab_state(pg);

	forget_lazy(c, pg);
	pg->slab.freelist = FREELIST_QUARANTINE;
	__atomic_fetch_add(&c->kc_nr_corrupt, 1, __ATOMIC_RELAXED);
	relist(c, pg, was);
}

/* The freelist value of pg when its threaded objects are all taken. */
static uint16_t freelist_empty(const struct kmem_cache *c, uintptr_t base)
{
	return base == c->kc_lazy_base ? FREELIST_LAZY : FREELIST_NONE;
}

/* Up to max never-used objects of the lazy slab at base (one exists) into
 * out, in address order; returns how many. */
static unsigned int bump_objs(struct kmem_cache *c, uintptr_t base, void **out,
			      unsigned int max)
{
	unsigned int i = c->kc_lazy_next, k = c->kc_objs - i;

	if (k > max)
		k = max;
	for (unsigned int j = 0; j < k; j++)
		out[j] = slab_obj(c, base, i + j);
	WRITE_ONCE(c->kc_lazy_next, i + k);
	WRITE_ONCE(c->kc_lazy_addr, (uintptr_t)slab_obj(c, base, i + k));
	if (i + k == c->kc_objs)
		WRITE_ONCE(c->kc_lazy_base, 0);
	return k;
}

/* Take the first threaded object off pg's freelist (pg's slab is at
 * base), or NULL (pg is then quarantined). */
static inline void *pop_threaded(struct kmem_cache *c, struct page *pg,
				 uintptr_t base)
{
	void *obj = slab_obj(c, base, pg->slab.freelist);
	uintptr_t next = fw_decode(c, obj);
	int idx = slab_index(c, base, next);

	if (next != base + FW_END && idx < 0) {
		slab_report_corrupt(c, pg, obj, next,
				    "kmem_cache_alloc (slab quarantined)");
		quarantine(c, pg);
		return NULL;
	}
	pg->slab.freelist =
		next == base + FW_END ? freelist_empty(c, base) : (uint16_t)idx;
	return obj;
}

/*
 * Take free objects of pg into out, up to max: threaded ones (freed ones
 * come first) while the freelist has them, else never-used ones of the
 * lazy slab, in one go either way, with one relist at the end.  Returns
 * how many.  A freelist found corrupt is reported and pg quarantined;
 * the objects taken before the bad link stand (their links decoded).
 */
unsigned int slab_take_objs(struct kmem_cache *c, struct page *pg, void **out,
			    unsigned int max)
{
	uintptr_t base = slab_base(pg);
	enum slab_list was = slab_state(pg);
	unsigned int k = 0;

	if (pg->slab.freelist != FREELIST_LAZY) {
		do {
			void *obj = pop_threaded(c, pg, base);

			if (!obj) { /* pg quarantined (and relisted) */
				pg->slab.inuse += k;
				c->kc_nr_inuse += k;
				return k;
			}
			out[k++] = obj;
		} while (k < max && pg->slab.freelist < FREELIST_LAZY);
	} else if (base == c->kc_lazy_base && c->kc_lazy_next < c->kc_objs) {
		k = bump_objs(c, base, out, max);
		if (c->kc_lazy_base != base)
			pg->slab.freelist = FREELIST_NONE;
	} else { /* a lazy mark on a slab that is not the lazy one */
		slab_report_corrupt(c, pg, (void *)base, 0,
				    "kmem_cache_alloc (slab quarantined)");
		quarantine(c, pg);
		return 0;
	}
	pg->slab.inuse += k;
	c->kc_nr_inuse += k;
	relist(c, pg, was);
	return k;
}

/*
 * Give obj back to its slab pg.  A slab left empty beyond the reserve (or
 * an emptied quarantined one) moves to *doomed, for release after unlock.
 */
void slab_put_obj(struct kmem_cache *c, struct page *pg, void *obj,
		  struct list_head *doomed)
{
	uintptr_t base = slab_base(pg);
	enum slab_list was = slab_state(pg);
	uint16_t head = pg->slab.freelist;

	if (was == SL_QUARANTINE) {
		*free_word(c, obj) = fw_encode(c, obj, base + FW_QFREE);
		c->kc_nr_inuse--;
		if (--pg->slab.inuse == 0) {
			list_del(&pg->lru);
			c->kc_nr_quarantine--;
			list_add(&pg->lru, doomed);
		}
		return;
	}
	*free_word(c, obj) =
		fw_encode(c, obj,
			  head == FREELIST_NONE || head == FREELIST_LAZY
				  ? base + FW_END
				  : (uintptr_t)slab_obj(c, base, head));
	pg->slab.freelist = (uint16_t)slab_index(c, base, (uintptr_t)obj);
	pg->slab.inuse--;
	c->kc_nr_inuse--;
	relist(c, pg, was);
	if (slab_state(pg) == SL_FREE && c->kc_nr_free > SLAB_FREE_RESERVE) {
		list_del(&pg->lru);
		c->kc_nr_free--;
		forget_lazy(c, pg);
		list_add(&pg->lru, doomed);
	}
}

/* ---- slabs and pages -------------------------------------------------------- */

/* Caches whose new slabs thread nothing: no constructor to run on every
 * object, no debug patterns to paint. */
static bool lazy_cache(const struct kmem_cache *c)
{
	return !c->kc_ctor && !(c->kc_flags & SLAB_DEBUG);
}

/* Thread every object of the slab at base on its freelist, constructed. */
static void thread_all(struct kmem_cache *c, uintptr_t base)
{
	for (unsigned int i = 0; i < c->kc_objs; i++) {
		void *obj = slab_obj(c, base, i);
		uintptr_t next = i + 1 < c->kc_objs
					 ? (uintptr_t)slab_obj(c, base, i + 1)
					 : base + FW_END;

		if (c->kc_ctor) {
			vg_lend(obj, c->kc_size);
			c->kc_ctor(obj);
			vg_unlend(obj, c->kc_size);
		}
		*free_word(c, obj) = fw_encode(c, obj, next);
	}
}

/*
 * The kind of page a slab asks for (grouping by kind, mm/page_alloc.c
 * section 8).  A slab of one object is a whole-page allocation in all but
 * name: it comes free with its one object, as a large kmalloc block
 * does, while a slab of many small objects stays pinned by any one of
 * them.  So one-object slabs (kmalloc-4k, kmalloc-32k) share the
 * pageblocks of large blocks: a page that comes free there has
 * neighbours that can come free too, and the free runs grow long enough
 * for a large request (mm/page_run.c; docs/bench.md, "Fragmentation").
 */
static inline gfp_t slab_kind(const struct kmem_cache *c)
{
	return c->kc_objs == 1 ? __GFP_LARGE : __GFP_SLAB;
}

/*
 * A new slab, not yet PG_slab (slab_install() publishes it); NULL if no
 * page.  A lazy cache's slab threads nothing (section 2): its objects are
 * handed out in order by the bump index once it is the lazy slab, so the
 * cost does not grow with the objects per slab.  Others thread every
 * object (constructed, or painted by the debug code).
 */
struct page *slab_new(struct kmem_cache *c, gfp_t gfp, unsigned long caller)
{
	struct page *pg = __alloc_pages((gfp & ~__GFP_ZERO) | slab_kind(c),
					c->kc_order, caller);
	uintptr_t base;

	if (!pg)
		return NULL;
	base = slab_base(pg);
	if (c->kc_flags & SLAB_DEBUG)
		slab_debug_init_slab(c, base);
	if (!lazy_cache(c))
		thread_all(c, base);
	/* valgrind: no object is the caller's yet; red zones never are */
	vg_unlend((void *)base, c->kc_objs_end);
	pg->slab_cache = c;
	pg->slab.inuse = 0;
	pg->slab.freelist = lazy_cache(c) ? FREELIST_LAZY : 0;
	list_init(&pg->lru);
	return pg;
}

/*
 * kc_lock held: put the new slab pg on kc_free and mark it PG_slab.  A
 * lazy cache's slab becomes the lazy slab first (release order, see
 * slab_never_used()) -- unless another hart's new slab still is (both
 * grew at once): then false, and the caller gives pg back unused.
 */
bool slab_install(struct kmem_cache *c, struct page *pg)
{
	if (pg->slab.freelist == FREELIST_LAZY) {
		if (c->kc_lazy_base)
			return false;
		WRITE_ONCE(c->kc_lazy_next, 0);
		WRITE_ONCE(c->kc_lazy_addr,
			   (uintptr_t)slab_obj(c, slab_base(pg), 0));
		WRITE_ONCE(c->kc_lazy_base, slab_base(pg));
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	page_owner_flags(pg, PG_slab, 0);
	list_add(&pg->lru, &c->kc_free);
	c->kc_nr_free++;
	c->kc_nr_grow++;
	return true;
}

/* Give back the slabs on doomed (no slab lock held). */
unsigned long slab_release_slabs(struct kmem_cache *c, struct list_head *doomed)
{
	unsigned long pages = 0;

	while (!list_empty(doomed)) {
		struct page *pg = list_first_entry(doomed, struct page, lru);

		list_del(&pg->lru);
		if (c->kc_flags & (SLAB_POISON | SLAB_RED_ZONE))
			slab_debug_check_release(c, slab_base(pg));
		page_owner_flags(pg, 0, PG_slab);
		pg->slab_cache = NULL;
		__atomic_fetch_add(&c->kc_nr_release, 1, __ATOMIC_RELAXED);
		__free_pages(pg, c->kc_order,
			     (unsigned long)__builtin_return_address(0));
		pages += 1UL << c->kc_order;
	}
	return pages;
}

/* Move every empty slab of c to doomed (all of them, reserve included). */
bool slab_take_free_slabs(struct kmem_cache *c, bool try,
			  struct list_head *doomed)
{
	unsigned long flags = arch_irq_save();

	if (try && !spin_trylock(&c->kc_lock)) {
		arch_irq_restore(flags);
		return false;
	}
	if (!try)
		spin_lock(&c->kc_lock);
	while (!list_empty(&c->kc_free)) {
		struct page *pg =
			list_first_entry(&c->kc_free, struct page, lru);

		list_del(&pg->lru);
		list_add(&pg->lru, doomed);
		c->kc_nr_free--;
		forget_lazy(c, pg);
	}
	spin_unlock(&c->kc_lock);
	arch_irq_restore(flags);
	return true;
}

// SPDX-License-Identifier: MIT
/*
 * Memory pools with a reserve (Linux mempool_t): allocations that cannot
 * fail up to min_nr outstanding, on top of any allocator.
 *
 * 1. Design and references
 *
 *    Linux mm/mempool.c (Ingo Molnar, 2001; Documentation in
 *    include/linux/mempool.h): code that must make progress under memory
 *    pressure (writing pages out to free memory needs a request structure
 *    first) keeps min_nr elements in reserve.  mempool_alloc() asks the
 *    underlying allocator first, so the reserve is touched only when
 *    memory is really short; mempool_free() refills the reserve before
 *    anything goes back to the allocator, so a reserve emptied under
 *    pressure fills up again as the elements come home.  The pool does
 *    not care what an element is: a slab object, a struct page, anything
 *    alloc_fn returns.  Linux sleeps in mempool_alloc() when both are
 *    empty; without a scheduler this one fails instead (NULL, MM_ENOMEM).
 *
 * 2. Data layout
 *
 *      mempool_t (from the "mempool" cache)    mp_elements (2^mp_order pages)
 *      +-----------------------+               +----+----+----+----+-----+
 *      | mp_alloc/free/check   |               | e0 | e1 | e2 |    | ... |
 *      | mp_data               |  -----------> +----+----+----+----+-----+
 *      | mp_min_nr = 4         |                \__ mp_curr_nr __/
 *      | mp_curr_nr = 3        |                \_____ mp_min_nr ____/
 *      +-----------------------+                \________ capacity ________/
 *
 *    The reserve is a stack: mp_elements[0 .. mp_curr_nr).  An element
 *    handed out is the caller's; the pool only counts it (mp_out).
 *
 * 3. Invariants (checked by mempool_validate())
 *    a. mp_curr_nr <= mp_min_nr <= capacity of mp_elements.
 *    b. The reserved elements are non-NULL, pairwise distinct, and live
 *       objects of the backing allocator (when the pool has a check).
 *    c. mp_nr_alloc - mp_nr_free == mp_out; mp_min_curr <= mp_curr_nr.
 *
 * 4. Locks: mp_lock (irqsave) guards one pool; mempool_lock the list of
 *    pools.  Order: mempool_lock -> mp_lock -> the backing allocator's
 *    locks (the validator's checks).  alloc_fn and free_fn are called
 *    without mp_lock.  mempool_resize() and mempool_destroy() must not
 *    run at the same time as each other on one pool (as in Linux).
 *
 * 5. Failure protocol.  Never panics.  Allocation fails only when the
 *    allocator and the reserve are both empty (NULL, MM_ENOMEM, counted).
 *    mempool_free() checks before changing anything: an element already
 *    in the reserve, one the backing allocator does not know as live, or a
 *    free with nothing outstanding is reported with the caller, counted
 *    (MM_EBADFREE) and ignored.  Creation and resizing are all or nothing.
 */
#include "mm/mempool.h"
#include "mm/hooks.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "lib/printk.h"
#include "lib/string.h"

static spinlock_t mempool_lock = SPINLOCK_INIT("mempools");
static struct mm_registry mempools = MM_REGISTRY_INIT(mempools, "mempools");
static struct kmem_cache *mempool_cache;

void mempool_init(void)
{
	mempool_cache = kmem_cache_create("mempool", sizeof(mempool_t), 0,
					  SLAB_NO_HOOKS, NULL);
	if (!mempool_cache)
		printk("mempool: no cache for pools (%s): mempool_create() "
		       "will fail\n",
		       mm_strerror(mm_last_error()));
}

/* ---- the reserve array ------------------------------------------------------- */

static unsigned long capacity(unsigned int order)
{
	return (PAGE_SIZE << order) / sizeof(void *);
}

/* Pages for n slots (2^*order of them), or NULL. */
static void **slots_alloc(unsigned long n, unsigned int *order,
			  unsigned long caller)
{
	struct page *pg;

	for (*order = 0; *order < MAX_ORDER && capacity(*order) < n; (*order)++)
		;
	if (*order >= MAX_ORDER) {
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	pg = __alloc_pages(GFP_KERNEL | __GFP_NOWARN, *order, caller);
	return pg ? page_address(pg) : NULL;
}

static void slots_free(void **slots, unsigned int order, unsigned long caller)
{
	if (slots)
		__free_pages(virt_to_page(slots), order, caller);
}

static bool in_reserve(const mempool_t *pool, const void *e)
{
	for (unsigned int i = 0; i < pool->mp_curr_nr; i++)
		if (pool->mp_elements[i] == e)
			return true;
	return false;
}

/* Fill slots[from, to) with fresh elements; all or nothing. */
static bool fill(mempool_t *pool, void **slots, unsigned int from,
		 unsigned int to)
{
	for (unsigned int i = from; i < to; i++) {
		slots[i] = pool->mp_alloc(GFP_KERNEL | __GFP_NOWARN,
					  pool->mp_data);
		if (!slots[i]) {
			while (i-- > from)
				pool->mp_free(slots[i], pool->mp_data);
			mm_set_error(MM_ENOMEM);
			return false;
		}
	}
	return true;
}

/* ---- creation and destruction -------------------------------------------------- */

static void pool_list(mempool_t *pool, bool add)
{
	unsigned long flags = spin_lock_irqsave(&mempool_lock);

	if (add)
		reg_add(&mempools, &pool->mp_node);
	else
		reg_remove(&mempools, &pool->mp_node);
	spin_unlock_irqrestore(&mempool_lock, flags);
}

mempool_t *mempool_create_named(const char *name, int min_nr,
				mempool_alloc_t *alloc_fn,
				mempool_free_t *free_fn,
				mempool_check_t *check_fn, void *pool_data)
{
	unsigned long caller = _RET_IP_;
	mempool_t *pool;

	if (min_nr < 1 || !alloc_fn || !free_fn || !mempool_cache) {
		mm_set_error(mempool_cache ? MM_EINVAL : MM_ENOMEM);
		return NULL;
	}
	pool = __kmem_cache_alloc(mempool_cache, GFP_KERNEL, caller);
	if (!pool)
		return NULL;
	memset(pool, 0, sizeof(*pool));
	spin_lock_init(&pool->mp_lock, "mempool");
	pool->mp_name = name ? name : "mempool";
	pool->mp_alloc = alloc_fn;
	pool->mp_free = free_fn;
	pool->mp_check = check_fn;
	pool->mp_data = pool_data;
	pool->mp_elements =
		slots_alloc((unsigned int)min_nr, &pool->mp_order, caller);
	if (!pool->mp_elements)
		goto free_pool;
	if (!fill(pool, pool->mp_elements, 0, (unsigned int)min_nr))
		goto free_slots;
	pool->mp_min_nr = pool->mp_curr_nr = pool->mp_min_curr =
		(unsigned int)min_nr;
	pool_list(pool, true);
	return pool;
free_slots:
	slots_free(pool->mp_elements, pool->mp_order, caller);
free_pool:
	__kmem_cache_free(mempool_cache, pool, caller);
	return NULL;
}

mempool_t *mempool_create(int min_nr, mempool_alloc_t *alloc_fn,
			  mempool_free_t *free_fn, void *pool_data)
{
	return mempool_create_named(NULL, min_nr, alloc_fn, free_fn, NULL,
				    pool_data);
}

void mempool_destroy(mempool_t *pool)
{
	unsigned long caller = _RET_IP_;

	if (!pool)
		return;
	pool_list(pool, false);
	if (pool->mp_out)
		printk("mempool_destroy: pool %s: %lu elements still out, "
		       "from %pS: they stay allocated\n",
		       pool->mp_name, pool->mp_out, (void *)caller);
	while (pool->mp_curr_nr)
		pool->mp_free(pool->mp_elements[--pool->mp_curr_nr],
			      pool->mp_data);
	slots_free(pool->mp_elements, pool->mp_order, caller);
	__kmem_cache_free(mempool_cache, pool, caller);
}

/* ---- allocation and free --------------------------------------------------------- */

void *__mempool_alloc(mempool_t *pool, gfp_t gfp, unsigned long caller)
{
	void *e = pool->mp_alloc(gfp | __GFP_NOWARN, pool->mp_data);
	unsigned long flags = spin_lock_irqsave(&pool->mp_lock);

	if (!e && pool->mp_curr_nr) {
		e = pool->mp_elements[--pool->mp_curr_nr];
		pool->mp_nr_reserve++;
		if (pool->mp_curr_nr < pool->mp_min_curr)
			pool->mp_min_curr = pool->mp_curr_nr;
	}
	if (e) {
		pool->mp_out++;
		pool->mp_nr_alloc++;
	} else {
		pool->mp_nr_fail++;
	}
	spin_unlock_irqrestore(&pool->mp_lock, flags);
	if (!e)
		mm_set_error(MM_ENOMEM);
	return e;
}

void *mempool_alloc(mempool_t *pool, gfp_t gfp)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_MEMPOOL, pool, pool->mp_name, 0, 0, gfp,
			       caller};
	void *e;
	int err;

	if (gfp & ~__GFP_ALL) { /* never valid: the reserve is not for it */
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	if (hk && hk->should_fail && hk->should_fail(&call)) {
		mm_set_error(MM_EFAULT_INJECTED);
		return NULL;
	}
	e = __mempool_alloc(pool, gfp, caller);
	if (e && hk && hk->on_alloc && (err = hk->on_alloc(&call, e))) {
		__mempool_free(pool, e, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	return e;
}

/* Take e back (mp_lock held); *spill: what must go to free_fn, or NULL. */
static const char *take_back(mempool_t *pool, void *e, void **spill)
{
	if (in_reserve(pool, e))
		return "already free (in the reserve: double free)";
	if (!pool->mp_out)
		return "freed with no element outstanding";
	pool->mp_out--;
	pool->mp_nr_free++;
	*spill = e;
	if (pool->mp_curr_nr < pool->mp_min_nr) {
		pool->mp_elements[pool->mp_curr_nr++] = e;
		pool->mp_nr_refill++;
		*spill = NULL;
	}
	return NULL;
}

bool __mempool_free(mempool_t *pool, void *e, unsigned long caller)
{
	const char *why = NULL;
	unsigned long flags;
	void *spill = NULL;

	if (!e)
		return true;
	if (pool->mp_check && !pool->mp_check(e, pool->mp_data))
		why = "not a live object of the pool's allocator";
	flags = spin_lock_irqsave(&pool->mp_lock);
	if (!why)
		why = take_back(pool, e, &spill);
	if (why)
		pool->mp_nr_bad_free++;
	spin_unlock_irqrestore(&pool->mp_lock, flags);
	if (why) {
		mm_set_error(MM_EBADFREE);
		printk("mempool_free: pool %s: %p %s, from %pS; ignored\n",
		       pool->mp_name, e, why, (void *)caller);
		return false;
	}
	if (spill)
		pool->mp_free(spill, pool->mp_data);
	return true;
}

void mempool_free(void *e, mempool_t *pool)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_MEMPOOL, pool, pool->mp_name, 0, 0, 0,
			       caller};

	if (e && hk && hk->on_free && mempool_element_live(pool, e) &&
	    hk->on_free(&call, e))
		return; /* deferred by a transaction */
	__mempool_free(pool, e, caller);
}

/* ---- resizing -------------------------------------------------------------------- */

static void shrink(mempool_t *pool, unsigned int new_min)
{
	unsigned long flags = spin_lock_irqsave(&pool->mp_lock);
	void *e;

	pool->mp_min_nr = new_min; /* frees stop refilling above it */
	while (pool->mp_curr_nr > new_min) {
		e = pool->mp_elements[--pool->mp_curr_nr];
		spin_unlock_irqrestore(&pool->mp_lock, flags);
		pool->mp_free(e, pool->mp_data);
		flags = spin_lock_irqsave(&pool->mp_lock);
	}
	if (pool->mp_min_curr > pool->mp_curr_nr)
		pool->mp_min_curr = pool->mp_curr_nr;
	spin_unlock_irqrestore(&pool->mp_lock, flags);
}

/*
 * Grow by new_min - mp_min_nr elements.  Slots at and above mp_min_nr are
 * never written by frees, so the new elements are gathered there (in a
 * bigger array if needed) before the lock is taken to publish them.
 */
static int grow(mempool_t *pool, unsigned int new_min, unsigned long caller)
{
	unsigned int old_min = pool->mp_min_nr, order = pool->mp_order;
	void **slots = pool->mp_elements, **old = NULL;
	unsigned long flags;

	if (new_min > capacity(order)) {
		slots = slots_alloc(new_min, &order, caller);
		if (!slots) /* too many (MM_EINVAL) or no memory: as it said */
			return -(int)mm_last_error();
	}
	if (!fill(pool, slots, old_min, new_min)) {
		if (slots != pool->mp_elements)
			slots_free(slots, order, caller);
		return -MM_ENOMEM;
	}
	flags = spin_lock_irqsave(&pool->mp_lock);
	if (slots != pool->mp_elements) {
		memcpy(slots, pool->mp_elements,
		       pool->mp_curr_nr * sizeof(void *));
		old = pool->mp_elements;
		pool->mp_elements = slots;
	}
	memmove(slots + pool->mp_curr_nr, slots + old_min,
		(new_min - old_min) * sizeof(void *));
	pool->mp_curr_nr += new_min - old_min;
	pool->mp_min_nr = new_min;
	if (old) {
		unsigned int old_order = pool->mp_order;

		pool->mp_order = order;
		order = old_order; /* what slots_free() below gives back */
	}
	spin_unlock_irqrestore(&pool->mp_lock, flags);
	slots_free(old, order, caller);
	return 0;
}

int mempool_resize(mempool_t *pool, int new_min_nr)
{
	if (new_min_nr < 1) {
		mm_set_error(MM_EINVAL);
		return -MM_EINVAL;
	}
	if ((unsigned int)new_min_nr <= pool->mp_min_nr) {
		shrink(pool, (unsigned int)new_min_nr);
		return 0;
	}
	return grow(pool, (unsigned int)new_min_nr, _RET_IP_);
}

/* ---- the slab and page helpers ----------------------------------------------------- */

void *mempool_alloc_slab(gfp_t gfp, void *cache)
{
	return __kmem_cache_alloc(cache, gfp, _RET_IP_);
}

void mempool_free_slab(void *element, void *cache)
{
	__kmem_cache_free(cache, element, _RET_IP_);
}

static bool check_slab(void *element, void *cache)
{
	return kmem_cache_obj_live(cache, element);
}

mempool_t *mempool_create_slab_pool(int min_nr, struct kmem_cache *cache)
{
	return mempool_create_named(kmem_cache_name(cache), min_nr,
				    mempool_alloc_slab, mempool_free_slab,
				    check_slab, cache);
}

void *mempool_alloc_pages(gfp_t gfp, void *order)
{
	return __alloc_pages(gfp, (unsigned int)(uintptr_t)order, _RET_IP_);
}

void mempool_free_pages(void *element, void *order)
{
	__free_pages(element, (unsigned int)(uintptr_t)order, _RET_IP_);
}

static bool check_pages(void *element, void *order)
{
	struct page seen;

	if (!page_in_mem_map(element))
		return false;
	seen = page_load_state(element);
	return (seen.flags & PG_head) && seen.order == (uintptr_t)order;
}

mempool_t *mempool_create_page_pool(int min_nr, unsigned int order)
{
	return mempool_create_named("pages", min_nr, mempool_alloc_pages,
				    mempool_free_pages, check_pages,
				    (void *)(uintptr_t)order);
}

/* ---- queries, the validator, reports ------------------------------------------------ */

static bool listed(const mempool_t *pool)
{
	struct list_head *pos;
	unsigned long k;

	reg_for_each(pos, &mempools, k) if (pos == &pool->mp_node) return true;
	return false;
}

bool mempool_element_live(mempool_t *pool, void *e)
{
	unsigned long flags = spin_lock_irqsave(&mempool_lock), f2;
	bool live = false;

	/* The pool may be gone (a transaction log outliving it). */
	if (e && listed(pool) &&
	    (!pool->mp_check || pool->mp_check(e, pool->mp_data))) {
		f2 = spin_lock_irqsave(&pool->mp_lock);
		live = !in_reserve(pool, e);
		spin_unlock_irqrestore(&pool->mp_lock, f2);
	}
	spin_unlock_irqrestore(&mempool_lock, flags);
	return live;
}

void mempool_stats_get(mempool_t *pool, struct mempool_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&pool->mp_lock);

	st->min_nr = pool->mp_min_nr;
	st->curr_nr = pool->mp_curr_nr;
	st->min_curr = pool->mp_min_curr;
	st->out = pool->mp_out;
	st->nr_alloc = pool->mp_nr_alloc;
	st->nr_reserve = pool->mp_nr_reserve;
	st->nr_free = pool->mp_nr_free;
	st->nr_refill = pool->mp_nr_refill;
	st->nr_fail = pool->mp_nr_fail;
	st->nr_bad_free = pool->mp_nr_bad_free;
	spin_unlock_irqrestore(&pool->mp_lock, flags);
}

#define VFAIL(p, ...)                                                \
	do {                                                         \
		printk("mempool_validate: pool %s: ", (p)->mp_name); \
		printk(__VA_ARGS__);                                 \
		ok = false;                                          \
	} while (0)

/* 3b for reserve slot i. */
static bool check_slot(mempool_t *pool, unsigned int i)
{
	void *e = pool->mp_elements[i];
	bool ok = true;

	if (!e)
		VFAIL(pool, "reserve slot %u is NULL\n", i);
	else if (pool->mp_check && !pool->mp_check(e, pool->mp_data))
		VFAIL(pool,
		      "reserved %p is not a live object of its "
		      "allocator\n",
		      e);
	for (unsigned int j = 0; e && j < i; j++)
		if (pool->mp_elements[j] == e)
			VFAIL(pool, "%p is reserved twice (slots %u, %u)\n", e,
			      j, i);
	return ok;
}

/* May the reserve's slot array be read?  Whole pages of RAM, as allocated. */
static bool slots_ok(const mempool_t *pool)
{
	const char *a = (const char *)pool->mp_elements;

	return pool->mp_order < MAX_ORDER && ram_ptr_ok(a, PAGE_SIZE) &&
	       virt_to_page(a + (PAGE_SIZE << pool->mp_order) - 1);
}

bool mempool_validate(mempool_t *pool)
{
	unsigned long flags = spin_lock_irqsave(&pool->mp_lock);
	bool ok = true;

	if (!slots_ok(pool)) {
		VFAIL(pool, "reserve slots at %p (order %u) are not pages\n",
		      (void *)pool->mp_elements, pool->mp_order);
	} else if (pool->mp_curr_nr > pool->mp_min_nr ||
		   pool->mp_min_nr > capacity(pool->mp_order)) {
		VFAIL(pool, "reserve %u of %u, room for %lu\n",
		      pool->mp_curr_nr, pool->mp_min_nr,
		      capacity(pool->mp_order));
	} else {
		for (unsigned int i = 0; i < pool->mp_curr_nr; i++)
			ok &= check_slot(pool, i);
	}
	if (pool->mp_nr_alloc - pool->mp_nr_free != pool->mp_out ||
	    pool->mp_min_curr > pool->mp_curr_nr)
		VFAIL(pool,
		      "counters: %lu allocs - %lu frees, %lu out, "
		      "lowest reserve %u\n",
		      pool->mp_nr_alloc, pool->mp_nr_free, pool->mp_out,
		      pool->mp_min_curr);
	spin_unlock_irqrestore(&pool->mp_lock, flags);
	return ok;
}

bool mempool_validate_all(void)
{
	unsigned long flags = spin_lock_irqsave(&mempool_lock);
	struct list_head *pos;
	unsigned long k;
	bool ok = true;

	reg_for_each(pos, &mempools, k) ok &=
		mempool_validate(list_entry(pos, mempool_t, mp_node));
	spin_unlock_irqrestore(&mempool_lock, flags);
	return reg_check(&mempools, "mempool_validate") && ok;
}

void mempool_report(void)
{
	unsigned long flags = spin_lock_irqsave(&mempool_lock);
	struct list_head *pos;
	unsigned long k;

	printk("mempool       reserve  lowest      out   allocs  reserve  "
	       "refills  fails  bad\n");
	reg_for_each(pos, &mempools, k)
	{
		mempool_t *p = list_entry(pos, mempool_t, mp_node);
		struct mempool_stats st;

		mempool_stats_get(p, &st);
		printk("%-12s %4u/%-4u %6u %8lu %8lu %8lu %8lu %6lu %4lu\n",
		       p->mp_name, st.curr_nr, st.min_nr, st.min_curr, st.out,
		       st.nr_alloc, st.nr_reserve, st.nr_refill, st.nr_fail,
		       st.nr_bad_free);
	}
	spin_unlock_irqrestore(&mempool_lock, flags);
}

/* Refused frees of every mempool (for the health verdict). */
unsigned long mempool_bad_frees_total(void)
{
	unsigned long flags = spin_lock_irqsave(&mempool_lock), n = 0;
	struct list_head *pos;
	unsigned long k;

	reg_for_each(pos, &mempools, k)
	{
		struct mempool_stats st;

		mempool_stats_get(list_entry(pos, mempool_t, mp_node), &st);
		n += st.nr_bad_free;
	}
	spin_unlock_irqrestore(&mempool_lock, flags);
	return n;
}

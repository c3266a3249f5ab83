// SPDX-License-Identifier: MIT
/*
 * DMA buffers and DMA pools: zeroed pages from ZONE_DMA with their bus
 * address, and small blocks carved from such pages.
 *
 * 1. Design and references
 *
 *    Linux's DMA API (Documentation/core-api/dma-api.rst):
 *    dma_alloc_coherent() returns a CPU address and a bus address for
 *    memory both the CPU and the device see without explicit syncing; a
 *    dma_pool (mm/dmapool.c) serves descriptor-sized blocks from such
 *    memory, each block aligned and never crossing a "boundary" (some
 *    controllers cannot cross a 4 KiB page within one descriptor).  Here
 *    the bus address is the physical address (no IOMMU on QEMU virt) and
 *    the devices are coherent with the harts, so no cache maintenance is
 *    needed.  Memory comes from ZONE_DMA (GFP_DMA): below mm.dma_limit,
 *    for devices with few address bits.
 *
 *    A buffer is a block of 2^order pages whose head page carries PG_dma
 *    with page->private == 0.  A pool takes chunks (one page, or the
 *    power of two that holds one block) whose head page carries PG_dma
 *    with page->private pointing to the chunk's descriptor; the blocks in
 *    use are bits of the descriptor's bitmap.  The block layout in a
 *    chunk is arithmetic, so alloc is a bitmap scan and free is O(1):
 *
 * 2. Data layout
 *
 *      chunk (PAGE_SIZE << dp_order, physically aligned to its size)
 *      |<------- window ------->|<------- window ------->|
 *      +------+------+------+---+------+------+------+---+
 *      | blk0 | blk1 | blk2 |   | blk3 | blk4 | blk5 |   |
 *      +------+------+------+---+------+------+------+---+
 *      |stride|               ^ gap: a block here would cross
 *
 *      window = the boundary (or the chunk, or the stride when larger);
 *      block i starts at (i / per_window) * window + (i % per_window)
 *      * stride.  struct dma_chunk (from the "dma_chunk" cache) holds the
 *      bitmap, the chunk's CPU and bus addresses, and its pool.
 *
 * 3. Invariants (checked by dma_validate())
 *    a. Every PG_dma page of ZONE_DMA is the head of an allocated block
 *       ending below dma_limit(); those with private == 0 are the
 *       dma_nr_buffers buffers of dma_buffer_pages pages, the others are
 *       exactly the chunks of the pools.
 *    b. Each chunk: its head page is PG_dma with private == the chunk and
 *       the pool's order, dc_dma is its physical address, 0 < dc_used ==
 *       bits set in the map <= per_chunk, no bit set past per_chunk (an
 *       empty chunk goes back at once).
 *    c. Per pool, the sum of dc_used is dp_in_use == dp_nr_alloc -
 *       dp_nr_free.
 *
 * 4. Locks: dma_lock (irqsave) guards every buffer's PG_dma flag, the
 *    counters, the list of pools and every pool's chunks and bitmaps.
 *    DMA setup is not a hot path: one lock keeps the flag walk of the
 *    validator and the pools consistent.  Pages and descriptors are
 *    allocated and freed outside it.
 *
 * 5. Failure protocol.  Allocation never panics: NULL with the reason.
 *    A free is checked before anything changes: not a live buffer/block,
 *    size or bus address not the ones handed out, already free - reported
 *    with the caller, counted (MM_EBADFREE) and ignored.
 */
#include "mm/hooks.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "lib/printk.h"
#include "lib/string.h"

#include "mm/dma_internal.h"

spinlock_t dma_lock = SPINLOCK_INIT("dma");
struct list_head dma_pools = LIST_HEAD_INIT(dma_pools);
unsigned long nr_dma_pools;
static bool dma_pools_broken; /* a walk found dma_pools corrupt */

struct dma_pool *dma_pool_next(struct dma_pool *p, unsigned long *n)
{
	struct list_head *e = p ? &p->dp_node : &dma_pools;

	if (e->next == &dma_pools)
		return NULL;
	if (++*n > nr_dma_pools || !ram_list_step_ok(&dma_pools, e->next)) {
		dma_pools_broken = true;
		return NULL;
	}
	return list_entry(e->next, struct dma_pool, dp_node);
}
struct kmem_cache *dma_pool_cache, *dma_chunk_cache;
unsigned long dma_nr_buffers, dma_buffer_pages;
unsigned long dma_nr_alloc, dma_nr_free, dma_nr_fail, dma_nr_bad_free;

void dma_init(void)
{
	dma_pool_cache = kmem_cache_create("dma_pool", sizeof(struct dma_pool),
					   0, SLAB_NO_HOOKS, NULL);
	dma_chunk_cache = kmem_cache_create(
		"dma_chunk", sizeof(struct dma_chunk), 0, SLAB_NO_HOOKS, NULL);
	if (!dma_pool_cache || !dma_chunk_cache)
		printk("dma: no caches for pools (%s): dma_pool_create() will "
		       "fail\n",
		       mm_strerror(mm_last_error()));
}

dma_addr_t dma_limit(void)
{
	return (dma_addr_t)zones[ZONE_DMA].end_pfn << PAGE_SHIFT;
}

/* Is [pg, pg + 2^order) in ZONE_DMA, below the limit? */
static bool in_dma_zone(const struct page *pg, unsigned int order)
{
	const struct zone *z = &zones[ZONE_DMA];
	unsigned long pfn = page_to_pfn(pg);

	return order < MAX_ORDER && pfn >= z->start_pfn &&
	       pfn + (1ul << order) <= z->end_pfn;
}

/* 2^order zeroed DMA pages marked PG_dma (private: chunk), or NULL. */
struct page *dma_pages(gfp_t gfp, unsigned int order, void *chunk,
		       unsigned long caller)
{
	struct page *pg =
		__alloc_pages(gfp | GFP_DMA | __GFP_ZERO, order, caller);

	if (pg && !in_dma_zone(pg, order)) {
		printk("dma: BUG: page allocator gave %#llx outside ZONE_DMA "
		       "for %pS\n",
		       (unsigned long long)page_to_phys(pg), (void *)caller);
		__free_pages(pg, order, caller);
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	if (pg) {
		pg->private = (unsigned long)chunk;
		page_owner_flags(pg, PG_dma, 0);
	}
	return pg;
}

void dma_bad_free(const char *fn, const void *vaddr, const char *why,
		  unsigned long caller)
{
	mm_set_error(MM_EBADFREE);
	printk("%s: %p %s, from %pS; ignored\n", fn, vaddr, why,
	       (void *)caller);
}

/* ---- buffers ---------------------------------------------------------------- */

void *__dma_alloc(size_t size, dma_addr_t *dma_handle, gfp_t gfp,
		  unsigned long caller)
{
	unsigned int order = get_order(size);
	unsigned long flags;
	struct page *pg = NULL;

	if (size && order < MAX_ORDER && dma_handle && !(gfp & ~__GFP_ALL))
		pg = dma_pages(gfp, order, NULL, caller);
	else
		mm_set_error(MM_EINVAL);
	flags = spin_lock_irqsave(&dma_lock);
	if (pg) {
		dma_nr_buffers++;
		dma_buffer_pages += 1ul << order;
		dma_nr_alloc++;
	} else {
		dma_nr_fail++;
	}
	spin_unlock_irqrestore(&dma_lock, flags);
	if (!pg)
		return NULL;
	*dma_handle = page_to_phys(pg);
	return page_address(pg);
}

/* Why vaddr/size/dma is not a live buffer (dma_lock held), or NULL. */
static const char *check_buffer(const void *vaddr, size_t size, dma_addr_t dma,
				struct page **ppg)
{
	struct page *pg = virt_to_page(vaddr);
	struct page seen;

	if (!pg || ((uintptr_t)vaddr & (PAGE_SIZE - 1)))
		return "is not the start of a page";
	seen = page_load_state(pg);
	if (!(seen.flags & PG_head) || !(seen.flags & PG_dma))
		return "is not a live DMA buffer (freed already?)";
	if (pg->private)
		return "is a dma_pool chunk, not a dma_alloc() buffer";
	if (!size || get_order(size) != seen.order)
		return "comes with the wrong size";
	if (dma != page_to_phys(pg))
		return "comes with the wrong bus address";
	*ppg = pg;
	return NULL;
}

bool __dma_free(void *vaddr, size_t size, dma_addr_t dma, unsigned long caller)
{
	unsigned long flags;
	struct page *pg = NULL;
	const char *why;

	if (!vaddr)
		return true;
	flags = spin_lock_irqsave(&dma_lock);
	why = check_buffer(vaddr, size, dma, &pg);
	if (!why) {
		page_owner_flags(pg, 0, PG_dma);
		dma_nr_buffers--;
		dma_buffer_pages -= 1ul << pg->order;
		dma_nr_free++;
	} else {
		dma_nr_bad_free++;
	}
	spin_unlock_irqrestore(&dma_lock, flags);
	if (why) {
		dma_bad_free("dma_free", vaddr, why, caller);
		return false;
	}
	__free_pages(pg, pg->order, caller);
	return true;
}

static bool buffer_live(void *vaddr, unsigned int order)
{
	unsigned long flags = spin_lock_irqsave(&dma_lock);
	struct page *pg;
	bool live = !check_buffer(vaddr, PAGE_SIZE << order,
				  arch_virt_to_phys(vaddr), &pg);

	spin_unlock_irqrestore(&dma_lock, flags);
	return live;
}

void *dma_alloc(size_t size, dma_addr_t *dma_handle, gfp_t gfp)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_DMA,	NULL, "dma", size,
			       get_order(size), gfp,  caller};
	void *p;
	int err;

	if (hk && hk->should_fail && hk->should_fail(&call)) {
		mm_set_error(MM_EFAULT_INJECTED);
		return NULL;
	}
	p = __dma_alloc(size, dma_handle, gfp, caller);
	if (p && hk && hk->on_alloc && (err = hk->on_alloc(&call, p))) {
		__dma_free(p, size, *dma_handle, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	return p;
}

void dma_free(void *vaddr, size_t size, dma_addr_t dma_handle)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_DMA,	NULL, "dma", size,
			       get_order(size), 0,    caller};

	if (vaddr && hk && hk->on_free && get_order(size) < MAX_ORDER &&
	    buffer_live(vaddr, get_order(size)) &&
	    arch_virt_to_phys(vaddr) == dma_handle && hk->on_free(&call, vaddr))
		return; /* deferred by a transaction */
	__dma_free(vaddr, size, dma_handle, caller);
}

/* ---- transactions ------------------------------------------------------------- */

bool __dma_release(void *owner, void *obj, unsigned int order,
		   unsigned long caller)
{
	struct dma_pool *p = owner;
	dma_addr_t dma = arch_virt_to_phys(obj);

	if (p)
		return __dma_pool_free(p, obj, dma, caller);
	return __dma_free(obj, PAGE_SIZE << order, dma, caller);
}

bool dma_obj_live(void *owner, void *obj, unsigned int order)
{
	if (owner)
		return dma_pool_block_live(owner, obj);
	return order < MAX_ORDER && buffer_live(obj, order);
}

/* ---- statistics, the validator, reports ---------------------------------------- */

void dma_stats_get(struct dma_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&dma_lock);
	struct dma_pool *p;
	unsigned long k = 0;

	memset(st, 0, sizeof(*st));
	st->buffers = dma_nr_buffers;
	st->buffer_pages = dma_buffer_pages;
	for (p = dma_pool_next(NULL, &k); p; p = dma_pool_next(p, &k)) {
		st->pools++;
		st->chunks += p->dp_nr_chunks;
		if (p->dp_order < MAX_ORDER) /* else dma_validate says so */
			st->chunk_pages += p->dp_nr_chunks << p->dp_order;
		st->blocks += p->dp_in_use;
	}
	st->nr_alloc = dma_nr_alloc;
	st->nr_free = dma_nr_free;
	st->nr_fail = dma_nr_fail;
	st->nr_bad_free = dma_nr_bad_free;
	spin_unlock_irqrestore(&dma_lock, flags);
}

#define VFAIL(...)                        \
	do {                              \
		printk("dma_validate: "); \
		printk(__VA_ARGS__);      \
		ok = false;               \
	} while (0)

/* 3a: the PG_dma pages of ZONE_DMA, as buffers and chunks (lock held). */
static bool walk_zone(unsigned long *bufs, unsigned long *buf_pages,
		      unsigned long *chunk_pages)
{
	const struct zone *z = &zones[ZONE_DMA];
	/* bounded by the struct page array, whatever the zone says */
	unsigned long end =
		z->end_pfn < memmap_end_pfn ? z->end_pfn : memmap_end_pfn;
	bool ok = true;

	for (unsigned long pfn = z->start_pfn; pfn < end; pfn++) {
		struct page *pg, seen;

		if (!pfn_valid(pfn))
			continue;
		pg = pfn_to_page(pfn);
		seen = page_load_state(pg);
		if (!(seen.flags & PG_dma))
			continue;
		if (!(seen.flags & PG_head) || !in_dma_zone(pg, seen.order)) {
			VFAIL("PG_dma page %#llx is not an allocated block "
			      "inside ZONE_DMA\n",
			      (unsigned long long)page_to_phys(pg));
			continue;
		}
		if (pg->private) {
			*chunk_pages += 1ul << seen.order;
		} else {
			(*bufs)++;
			*buf_pages += 1ul << seen.order;
		}
	}
	return ok;
}

bool dma_validate(void)
{
	unsigned long flags = spin_lock_irqsave(&dma_lock);
	unsigned long bufs = 0, buf_pages = 0, chunk_pages = 0;
	unsigned long chunks = 0, pool_pages = 0;
	struct dma_pool *p;
	unsigned long k = 0;
	bool ok = walk_zone(&bufs, &buf_pages, &chunk_pages);

	if (bufs != dma_nr_buffers || buf_pages != dma_buffer_pages)
		VFAIL("%lu buffers of %lu pages in ZONE_DMA, counted %lu of "
		      "%lu\n",
		      bufs, buf_pages, dma_nr_buffers, dma_buffer_pages);
	for (p = dma_pool_next(NULL, &k); p; p = dma_pool_next(p, &k))
		ok &= dma_pool_check(p, &chunks, &pool_pages);
	if (dma_pools_broken)
		VFAIL("the list of DMA pools is corrupt (a bad link, or more "
		      "than the %lu created)\n",
		      nr_dma_pools);
	if (chunk_pages != pool_pages)
		VFAIL("%lu pool chunk pages in ZONE_DMA, the pools hold %lu\n",
		      chunk_pages, pool_pages);
	if (dma_nr_alloc - dma_nr_free != dma_nr_buffers)
		VFAIL("%lu allocs - %lu frees, %lu buffers\n", dma_nr_alloc,
		      dma_nr_free, dma_nr_buffers);
	spin_unlock_irqrestore(&dma_lock, flags);
	return ok;
}

void dma_report(void)
{
	struct dma_stats st;
	struct dma_pool *p;
	unsigned long k = 0;
	unsigned long flags;

	dma_stats_get(&st);
	printk("dma: %lu buffers (%lu pages), %lu allocs, %lu fails, %lu bad "
	       "frees; limit %#llx\n",
	       st.buffers, st.buffer_pages, st.nr_alloc, st.nr_fail,
	       st.nr_bad_free, (unsigned long long)dma_limit());
	printk("dma_pool        size stride boundary chunks  in use  allocs "
	       "fails  bad\n");
	flags = spin_lock_irqsave(&dma_lock);
	for (p = dma_pool_next(NULL, &k); p; p = dma_pool_next(p, &k))
		printk("%-12s %7zu %6zu %8zu %6lu %7lu %7lu %5lu %4lu\n",
		       p->dp_name, p->dp_size, p->dp_stride, p->dp_boundary,
		       p->dp_nr_chunks, p->dp_in_use, p->dp_nr_alloc,
		       p->dp_nr_fail, p->dp_nr_bad_free);
	spin_unlock_irqrestore(&dma_lock, flags);
}

/* Refused frees of DMA buffers and of every DMA pool (health). */
unsigned long dma_bad_frees_total(void)
{
	unsigned long flags = spin_lock_irqsave(&dma_lock);
	unsigned long n = dma_nr_bad_free;
	struct dma_pool *p;
	unsigned long k = 0;

	for (p = dma_pool_next(NULL, &k); p; p = dma_pool_next(p, &k))
		n += p->dp_nr_bad_free;
	spin_unlock_irqrestore(&dma_lock, flags);
	return n;
}

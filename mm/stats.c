/* SPDX-License-Identifier: MIT */
/*
 * Gathering the allocators' counters into struct mm_stats, and the
 * cross-check that recounts them from the structures.
 *
 * The cross-check follows Zephyr's sys_heap validator (lib/heap/
 * heap_validate.c), which walks the heap and compares what it finds with
 * sys_heap_runtime_stats_get(): here the figures of mm_stats_zone() are
 * compared with a walk of the zone's buddy and per-CPU lists, taken under
 * all the zone's locks so that both sides see the same moment.
 * page_alloc_validate() checks the allocator's own invariants frame by
 * frame; this checks that the statistics API reports them faithfully.
 */
#include <stdarg.h>
#include "mm/stats.h"
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/mempool.h"
#include "mm/pool.h"
#include "mm/fault.h"
#include "mm/heap.h"
#include "mm/internal.h"
#include "mm/kmalloc_internal.h"
#include "mm/slab_internal.h"
#include "mm/txn.h"
#include "lib/printk.h"

/* Page failures injected on purpose, per zone and order (atomic).  The
 * page allocator counts them in nr_fail with the real ones. */
static unsigned long page_injected[MAX_NR_ZONES][MAX_ORDER];

void mm_stats_count_injected(const struct zone *z, unsigned int order)
{
	__atomic_fetch_add(&page_injected[z - zones][order], 1,
			   __ATOMIC_RELAXED);
}

/* ---- gathering ------------------------------------------------------------ */

static void zone_pcp(const struct zone *z, struct mm_zone_stats *zs)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct per_cpu_pages *p = &z->pcp[cpu];

		zs->pcp_free += READ_ONCE(p->count);
		zs->pcp_allocs += READ_ONCE(p->nr_alloc);
		zs->pcp_frees += pcp_nr_free(p);
		zs->pcp_refills += READ_ONCE(p->nr_refill);
		zs->pcp_drains += READ_ONCE(p->nr_drain);
	}
}

static void zone_orders(const struct zone *z, struct mm_zone_stats *zs)
{
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		struct mm_order_stats *os = &zs->order[o];
		unsigned long fail = READ_ONCE(z->nr_fail[o]);

		os->free_blocks = READ_ONCE(z->free_area[o].nr_free);
		os->allocs = READ_ONCE(z->nr_alloc[o]);
		os->frees = READ_ONCE(z->nr_freed[o]);
		if (o == 0) {
			os->allocs += zs->pcp_allocs;
			os->frees += zs->pcp_frees;
		}
		os->injected = READ_ONCE(page_injected[z - zones][o]);
		/* nr_fail counts injected failures too; never below 0
		 * while the two are read a moment apart */
		os->fails = fail > os->injected ? fail - os->injected : 0;
		zs->allocs += os->allocs;
		zs->frees += os->frees;
		zs->fails += os->fails;
		zs->injected += os->injected;
		zs->in_use_blocks += os->allocs - os->frees;
	}
}

void mm_stats_zone(const struct zone *z, struct mm_zone_stats *zs)
{
	*zs = (struct mm_zone_stats){
		.name = z->name,
		.spanned = z->end_pfn - z->start_pfn,
		.present = z->present_pages,
		.managed = z->managed_pages,
		.buddy_free = READ_ONCE(z->free_pages),
		.min_free_seen = READ_ONCE(z->min_free_seen),
		.lowmem_reserve = z->lowmem_reserve,
		.below_low = READ_ONCE(z->below_low),
		.wm_low_events = READ_ONCE(z->wm_low_events),
		.wm_refusals = READ_ONCE(z->wm_refusals),
		.nr_split = READ_ONCE(z->nr_split),
		.nr_merge = READ_ONCE(z->nr_merge),
	};
	for (unsigned int w = 0; w < NR_WMARK; w++)
		zs->wmark[w] = z->wmark[w];
	zone_pcp(z, zs);
	zone_orders(z, zs);
	zs->free = zs->buddy_free + zs->pcp_free;
	zs->used = zs->managed > zs->free ? zs->managed - zs->free : 0;
	zs->peak_used = zs->managed > zs->min_free_seen
				? zs->managed - zs->min_free_seen
				: 0;
	if (zs->peak_used < zs->used) /* per-CPU pages count as used */
		zs->peak_used = zs->used;
}

/* One of the caches kmalloc serves its size classes from.  kfree()
 * counts the frees of their objects that the slab refuses, so those are
 * kmalloc's bad frees and not counted again as the slab's. */
static bool kmalloc_owns(const struct kmem_cache *c)
{
	if (c == km_zero_cache)
		return true;
	for (unsigned int set = 0; set < KM_NR_SETS; set++)
		for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++)
			if (km_caches[set][i] == c)
				return true;
	return false;
}

/* 2^order, or 0 for a corrupted order (the validator reports it). */
static unsigned int pages_per_slab(const struct kmem_cache *c)
{
	return c->kc_order < MAX_ORDER ? 1u << c->kc_order : 0;
}

static bool gather_cache(struct kmem_cache *c, void *arg)
{
	struct mm_stats *st = arg;
	struct kmem_cache_stats ks;
	unsigned long pages;

	kmem_cache_get_stats(c, &ks);
	pages = ks.nr_slabs * pages_per_slab(c);
	st->slab_pages += pages;
	st->slab_active_objs += ks.active_objs;
	st->slab_num_objs += ks.num_objs;
	st->slab_allocs += ks.nr_alloc;
	st->slab_frees += ks.nr_free;
	st->slab_fails += ks.nr_fail;
	st->slab_corrupt += ks.nr_corrupt;
	if (kmalloc_owns(c))
		st->slab_bad_frees_kmalloc += ks.nr_bad_free;
	if (st->nr_caches < MM_STATS_MAX_CACHES)
		st->cache[st->nr_caches] = (struct mm_cache_stats){
			.name = c->kc_name,
			.objsize = c->kc_size,
			.objs_per_slab = c->kc_objs,
			.pages_per_slab = pages_per_slab(c),
			.active_objs = ks.active_objs,
			.num_objs = ks.num_objs,
			.slabs = ks.nr_slabs,
			.cached = ks.cached,
			.allocs = ks.nr_alloc,
			.frees = ks.nr_free,
			.fails = ks.nr_fail,
			.bad_frees = ks.nr_bad_free,
			.corrupt = ks.nr_corrupt,
		};
	st->nr_caches++;
	return true;
}

static void gather_kmalloc(struct mm_stats *st)
{
	struct kmalloc_stats ks;

	kmalloc_stats_get(&ks);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++) {
		const struct kmalloc_row_stats *rs = &ks.row[r];

		st->kmalloc_allocs += rs->allocs;
		st->kmalloc_frees += rs->frees;
		st->kmalloc_live += rs->live;
		st->kmalloc_fails += rs->fails;
		st->kmalloc_bytes_req += rs->bytes_req;
		st->kmalloc_bytes_given += rs->bytes_given;
	}
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		st->kmalloc_bad_frees += ks.mode_bad_frees[m];
	st->kmalloc_injected = ks.injected;
	st->kmalloc_corrupt =
		ks.redzone_errors + ks.poison_errors + ks.zero_errors;
}

static bool gather_heap(struct k_heap *h, void *arg)
{
	struct mm_stats *st = arg;
	struct k_heap_stats hs;

	k_heap_stats_get(h, &hs);
	st->nr_heaps++;
	st->heap_bytes += (unsigned long)(h->hp_end - h->hp_start);
	st->heap_used += hs.allocated_bytes;
	st->heap_free += hs.free_bytes;
	st->heap_allocs += hs.nr_alloc;
	st->heap_frees += hs.nr_free;
	st->heap_fails += hs.nr_fail;
	st->heap_bad_frees += hs.nr_bad_free;
	return true;
}

static void gather_fault_txn(struct mm_stats *st)
{
	struct mm_fault_stats fs;
	struct mm_txn_stats ts;

	mm_fault_stats(&fs);
	st->fault_armed = mm_fault_armed();
	for (unsigned int k = 0; k < MM_NR_KINDS; k++)
		st->injected[k] = fs.injected[k];
	st->injected_total = fs.injected_total;
	mm_txn_stats(&ts);
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		unsigned int d = mm_txn_depth_of(cpu);

		st->txn_open += d;
		st->txn_harts += d != 0;
	}
	st->txn_begins = ts.begins;
	st->txn_commits = ts.commits;
	st->txn_aborts = ts.aborts;
	st->txn_logged = ts.logged;
	st->txn_rolled_back = ts.rolled_back;
	st->txn_restored = ts.restored;
	st->txn_log_full = ts.log_full;
	st->txn_lost = ts.lost;
	st->txn_misuse = ts.misuse + ts.leftovers;
}

void mm_stats_get(struct mm_stats *st)
{
	*st = (struct mm_stats){0};
	for (unsigned int t = 0; t < MAX_NR_ZONES; t++) {
		struct mm_zone_stats *zs = &st->zone[t];

		mm_stats_zone(&zones[t], zs);
		st->total_pages += zs->managed;
		st->free_pages += zs->free;
		st->used_pages += zs->used;
		st->peak_used_pages += zs->peak_used;
		st->reserved_pages += zs->present - zs->managed;
		st->page_allocs += zs->allocs;
		st->page_frees += zs->frees;
		st->page_fails += zs->fails;
		st->page_injected += zs->injected;
		st->wm_low_events += zs->wm_low_events;
		st->wm_refusals += zs->wm_refusals;
	}
	for (unsigned int k = 0; k < NR_BAD_FREE; k++) {
		st->page_bad_free[k] = READ_ONCE(page_alloc_bad_frees[k]);
		st->page_bad_frees += st->page_bad_free[k];
	}
	for (unsigned int k = 0; k < SLAB_NR_BAD_FREE; k++)
		st->slab_bad_frees += READ_ONCE(slab_bad_frees[k]);
	if (mem_map) {
		kmem_cache_for_each(gather_cache, st);
		gather_kmalloc(st);
		heap_for_each(gather_heap, st);
	}
	gather_fault_txn(st);
	st->other_bad_frees = pool_bad_frees_total() +
			      arena_bad_resets_total() +
			      mempool_bad_frees_total() + dma_bad_frees_total();
	st->bad_frees = st->page_bad_frees + st->slab_bad_frees -
			st->slab_bad_frees_kmalloc + st->kmalloc_bad_frees +
			st->heap_bad_frees + st->other_bad_frees;
	st->corrupt = st->slab_corrupt + st->kmalloc_corrupt;
}

/* ---- the cross-check ------------------------------------------------------ */

struct xcheck {
	const char *zone;
	unsigned int nr_msgs;
	bool ok;
};

static void __printf(2, 3) xfail(struct xcheck *x, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	x->ok = false;
	if (++x->nr_msgs > 8)
		return;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("mm_stats_validate: zone %s: %s\n", x->zone, buf);
}

/*
 * Entries on a list of struct pages, stopping after limit (a corrupted
 * list may loop) and at a link that is not a page of mem_map (it may
 * point anywhere: the validator reports it).
 */
static unsigned long list_count(const struct list_head *head,
				unsigned long limit)
{
	unsigned long n = 0;

	for (const struct list_head *e = head->next;
	     e != head && n <= limit && page_lru_link_ok(head, e); e = e->next)
		n++;
	return n;
}

/* All the zone's locks held: the snapshot against the lists. */
static void xcheck_zone(struct xcheck *x, const struct zone *z,
			const struct mm_zone_stats *zs)
{
	/* at most every frame of mem_map: the zone's own span may be the
	 * damaged field, and a cycle must still end */
	unsigned long limit = memmap_end_pfn - memmap_start_pfn;
	unsigned long pages = 0, pcp = 0, in_use = 0;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long n = 0;

		for (unsigned int k = 0; k < NR_PGKINDS; k++)
			n += list_count(&z->free_area[o].free_list[k], limit);

		if (n != zs->order[o].free_blocks)
			xfail(x,
			      "order %u: %lu free blocks reported, %lu on "
			      "the list",
			      o, zs->order[o].free_blocks, n);
		pages += n << o;
		in_use += (zs->order[o].allocs - zs->order[o].frees) << o;
	}
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		pcp += list_count(&z->pcp[cpu].list, limit);
	if (pages != zs->buddy_free)
		xfail(x, "%lu free pages reported, %lu on the buddy lists",
		      zs->buddy_free, pages);
	if (pcp != zs->pcp_free)
		xfail(x, "%lu per-CPU pages reported, %lu on the lists",
		      zs->pcp_free, pcp);
	if (in_use + pages + pcp != zs->managed)
		xfail(x,
		      "counters say %lu pages in use, the lists leave %lu "
		      "(managed %lu)",
		      in_use, zs->managed - pages - pcp, zs->managed);
	if (zs->used != in_use)
		xfail(x, "%lu pages used reported, counters say %lu", zs->used,
		      in_use);
	if (zs->min_free_seen > pages)
		xfail(x, "lowest free %lu above the %lu free now",
		      zs->min_free_seen, pages);
}

/* What a walk of a cache's lists and magazines finds (locks held). */
struct cache_walk {
	unsigned long slabs, inuse, cached;
};

static void walk_cache(struct kmem_cache *c, struct cache_walk *w)
{
	/* a corrupted list may loop: never walk past every slab made, nor
	 * past the frames of RAM when the count itself is overwritten */
	unsigned long limit = slab_list_limit(c);

	for (unsigned int l = SL_PARTIAL; l <= SL_QUARANTINE; l++) {
		struct list_head *head = slab_list_head(c, (enum slab_list)l);

		for (struct list_head *e = head->next;
		     e != head && w->slabs <= limit &&
		     page_lru_link_ok(head, e);
		     e = e->next) {
			w->slabs++;
			w->inuse += list_entry(e, struct page, lru)->slab.inuse;
		}
	}
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		w->cached += c->kc_cpu[cpu].cc_avail;
}

#define CFAIL(c, ok, ...)                                              \
	do {                                                           \
		printk("mm_stats_validate: cache %s: ", (c)->kc_name); \
		printk(__VA_ARGS__);                                   \
		*(bool *)(ok) = false;                                 \
	} while (0)

/* All the cache's locks held: kmem_cache_get_stats() against the walk. */
static bool xcheck_cache(struct kmem_cache *c, void *arg)
{
	unsigned long flags = slab_lock_all(c), made;
	struct kmem_cache_stats ks;
	struct cache_walk w = {0};

	walk_cache(c, &w);
	kmem_cache_get_stats(c, &ks);
	made = c->kc_nr_grow - c->kc_nr_release;
	slab_unlock_all(c, flags);
	if (ks.nr_slabs != w.slabs || made != w.slabs)
		CFAIL(c, arg,
		      "%lu slabs reported, %lu made - given back, %lu "
		      "on the lists\n",
		      ks.nr_slabs, made, w.slabs);
	if (ks.num_objs != w.slabs * c->kc_objs)
		CFAIL(c, arg, "%lu objects reported, the slabs hold %lu\n",
		      ks.num_objs, w.slabs * c->kc_objs);
	if (ks.active_objs != w.inuse)
		CFAIL(c, arg, "%lu active objects reported, %lu in the slabs\n",
		      ks.active_objs, w.inuse);
	if (ks.cached != w.cached)
		CFAIL(c, arg,
		      "%lu cached objects reported, %lu in the "
		      "magazines\n",
		      ks.cached, w.cached);
	if (ks.nr_alloc - ks.nr_free + ks.cached != w.inuse)
		CFAIL(c, arg,
		      "allocs - frees + cached = %lu, %lu in use in "
		      "the slabs\n",
		      ks.nr_alloc - ks.nr_free + ks.cached, w.inuse);
	return true;
}

bool mm_stats_validate(void)
{
	struct mm_zone_stats zs;
	struct mm_stats st;
	struct zone *z;
	unsigned long sum = 0;
	bool ok = true;

	if (!mem_map)
		return true; /* page_alloc_validate() reports it */
	for_each_zone (z) {
		struct xcheck x = {.zone = z->name, .ok = true};
		unsigned long flags = zone_lock_all(z);

		mm_stats_zone(z, &zs);
		xcheck_zone(&x, z, &zs);
		zone_unlock_all(z, flags);
		sum += zs.managed;
		ok &= x.ok;
	}
	mm_stats_get(&st);
	if (st.total_pages != sum) {
		printk("mm_stats_validate: %lu pages managed in all, zones "
		       "add up to %lu\n",
		       st.total_pages, sum);
		ok = false;
	}
	kmem_cache_for_each(xcheck_cache, &ok);
	return ok;
}

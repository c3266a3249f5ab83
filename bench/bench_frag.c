/* SPDX-License-Identifier: MIT */
/*
 * The fragmentation benchmark: every heap backend gets the same memory
 * budget, suffers the same fragmenting pattern, and is then asked what it
 * can still give, with real allocations.
 *
 * The budget is BUDGET_BLOCKS largest buddy blocks (16 MiB).  The region
 * heaps ("sheap", "tlsf") are built on a region of that size.  kmalloc
 * ("two-tier") takes its pages from the buddy allocator, so the budget is
 * made by taking every free page of the machine away (held), then giving
 * exactly BUDGET_BLOCKS blocks of 4 MiB back; during the measurement its
 * requests carry __GFP_MEMALLOC, so that no watermark hides part of the
 * budget (held pages are not kmalloc's to use).  kmalloc's simple and
 * hybrid modes keep a heap sized at boot (kmalloc.heap=): they cannot be
 * given the budget and are left out; "sheap" is that heap's code on the
 * budget.
 *
 * The pattern: fill with blocks of 16..4096 bytes until the first
 * failure, then free every other block.  Then:
 *   frag.<b>.largest       the largest request that succeeds, found by a
 *                          binary search of real allocations (each probe
 *                          freed at once), not read from statistics
 *   frag.<b>.usfi          unusable free space index for 64 KiB requests:
 *                          the share of the free budget (budget minus the
 *                          bytes still live) that 64 KiB requests cannot
 *                          get, taking as many as succeed
 *   frag.<b>.first_large   100 if the first 64 KiB request succeeded
 *   frag.two-tier.free_run the longest stretch of free pages in the budget
 *                          after the pattern, bytes (kmalloc only)
 *   frag.two-tier.run.*    instructions to take that stretch as a run of
 *                          pages (mm/page_run.c) and to give it back
 *   frag.largest.two-tier_vs_sheap   kmalloc's largest / the simple heap's
 *   frag.kdist.two-tier.o9_share     after the kdist churn (10,000 live
 *                          objects of kernel sizes, 20,000 replacements)
 *                          on kmalloc in the budget: the share of the free
 *                          pages that sits in buddy blocks of order >= 9
 *                          (whole pageblocks), the objects still live
 * Both backends and Linux's unusable free space index are explained in
 * docs/bench.md.
 */
#include "bench/backend.h"
#include "bench/bench.h"
#include "bench/workload.h"

#include "lib/string.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define BUDGET_BLOCKS 4 /* of 4 MiB: the region heaps' 16 MiB */
#define BUDGET ((size_t)BUDGET_BLOCKS * (PAGE_SIZE << (MAX_ORDER - 1)))
#define SLOT_ORDER 10 /* 4 MiB of slots: 262144 */
#define MAX_SLOTS ((PAGE_SIZE << SLOT_ORDER) / sizeof(struct wl_slot))
#define LARGE (64UL << 10)
#define KM_GFP (GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN)

/* ---- the budget for kmalloc: hold every other page -------------------------- */

/* Held blocks per order, linked through their first word. */
static void *held[MAX_ORDER];

static void hold_all(void)
{
	for (unsigned int o = MAX_ORDER; o-- > 0;) {
		struct page *pg;

		while ((pg = alloc_pages(KM_GFP, o))) {
			void **link = page_address(pg);

			*link = held[o];
			held[o] = link;
		}
	}
}

static void release_held(unsigned int order, unsigned long n)
{
	while (n-- && held[order]) {
		void **link = held[order];

		held[order] = *link;
		free_pages(virt_to_page(link), order);
	}
}

/* Only BUDGET_BLOCKS free 4 MiB blocks left in the machine; false (and
 * nothing held) if there are not that many. */
static bool budget_begin(void)
{
	unsigned long n = 0;

	kmalloc_shrink(); /* cached objects are memory outside the budget */
	slab_reclaim();
	drain_all_pages();
	hold_all();
	for (void **l = held[MAX_ORDER - 1]; l; l = *l)
		n++;
	if (n < BUDGET_BLOCKS) {
		for (unsigned int o = 0; o < MAX_ORDER; o++)
			release_held(o, ~0UL);
		return false;
	}
	release_held(MAX_ORDER - 1, BUDGET_BLOCKS);
	return true;
}

static void budget_end(void)
{
	kmalloc_shrink();
	slab_reclaim();
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		release_held(o, ~0UL);
}

static void *km_alloc(void *ctx, size_t size)
{
	return kmalloc(size, KM_GFP);
}

static void km_free(void *ctx, void *p, size_t size)
{
	kfree(p);
}

static const struct wl_ops km_budget_ops = {"two-tier", km_alloc, km_free};

/* ---- probes ------------------------------------------------------------------- */

/* The largest size in [0, hi] that ops can allocate now (0: none). */
static size_t probe_largest(const struct wl_ops *ops, size_t hi)
{
	size_t lo = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		void *p = ops->alloc(ops->ctx, mid);

		if (p) {
			ops->free(ops->ctx, p, mid);
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	return lo;
}

/* Ask for LARGE blocks until one fails; returns how many succeeded. */
static unsigned long take_large(const struct wl_ops *ops, struct wl_slot *slots,
				unsigned long first, unsigned long cap)
{
	unsigned long n = 0;

	while (first + n < cap) {
		void *p = ops->alloc(ops->ctx, LARGE);

		if (!p)
			break;
		slots[first + n].p = p;
		slots[first + n].size = LARGE;
		n++;
	}
	return n;
}

/* Free pages in buddy blocks of order >= 9, per 1000 free pages. */
static unsigned long o9_share_milli(void)
{
	unsigned long big = 0, all = nr_free_pages();

	for (unsigned int z = 0; z < MAX_NR_ZONES; z++)
		for (unsigned int o = 9; o < MAX_ORDER; o++)
			big += zone_free_blocks(&zones[z], o) << o;
	return all ? big * 1000 / all : 0;
}

/* The longest stretch of free frames in buddy blocks (per-CPU lists
 * drained first), in pages: what a run of pages (mm/page_run.c) can get. */
static unsigned long longest_free_run(void)
{
	unsigned long best = 0;

	drain_all_pages();
	for (unsigned int z = 0; z < MAX_NR_ZONES; z++) {
		unsigned long run = 0, flags = spin_lock_irqsave(&zones[z].lock);

		for (unsigned long pfn = zones[z].start_pfn;
		     pfn < zones[z].end_pfn;) {
			struct page *pg = pfn_to_page(pfn);

			if (pg->flags & PG_buddy) {
				run += 1UL << pg->order;
				pfn += 1UL << pg->order;
				continue;
			}
			best = run > best ? run : best;
			run = 0;
			pfn++;
		}
		best = run > best ? run : best;
		spin_unlock_irqrestore(&zones[z].lock, flags);
	}
	return best;
}

/* What taking and giving back a run of nr pages (mm/page_run.c; at most
 * MAX_ORDER_NR_PAGES, a run's limit) costs in the fragmented budget: the
 * search among its free blocks, the cut. */
static void run_cost(unsigned long nr)
{
	struct bench_samples *a = bench_samples(0, 0), *f = bench_samples(1, 0);
	struct page *pg = NULL;

	if (!nr)
		return;
	if (nr > MAX_ORDER_NR_PAGES) /* bench.quick: the budget hardly used */
		nr = MAX_ORDER_NR_PAGES;
	BENCH_MEASURE(a, pg = __alloc_page_run(KM_GFP | __GFP_LARGE, nr,
					       (unsigned long)run_cost));
	if (!pg) {
		bench_error("frag: no run of %lu pages after all", nr);
		return;
	}
	BENCH_MEASURE(f, __free_page_run(pg, nr, (unsigned long)run_cost));
	bench_report(a, "frag.two-tier.run.alloc");
	bench_report(f, "frag.two-tier.run.free");
}

/* ---- the pattern -------------------------------------------------------------- */

/* Fill, free every other block, probe; returns the largest request. */
static size_t frag_one(const struct wl_ops *ops, struct wl_slot *slots)
{
	const struct workload *w = &wl_table[2]; /* 16..4096 bytes */
	unsigned long cap = bench_quick ? 2000 : MAX_SLOTS, n = 0, got;
	size_t live = 0, free_bytes, largest, lost;
	struct prng r;

	prng_seed(&r, BENCH_SEED);
	for (; n < cap; n++) { /* fill until the backend says no */
		size_t size = wl_size(w, &r);

		slots[n].p = ops->alloc(ops->ctx, size);
		slots[n].size = slots[n].p ? size : 0;
		if (!slots[n].p)
			break;
	}
	for (unsigned long i = 0; i < n; i++) {
		if (i % 2 == 0)
			wl_release(ops, &slots[i], 1);
		live += slots[i].size;
	}
	free_bytes = BUDGET > live ? BUDGET - live : 0;
	if (ops == &km_budget_ops) {
		unsigned long run;

		kmalloc_shrink(); /* as the probe's failures would, first */
		slab_reclaim();
		run = longest_free_run();
		bench_value(run << PAGE_SHIFT, run << PAGE_SHIFT, "bytes",
			    "frag.two-tier.free_run");
		run_cost(run);
	}
	largest = probe_largest(ops, BUDGET);
	got = take_large(ops, slots, n, cap);
	lost = got * LARGE >= free_bytes ? 0 : free_bytes - got * LARGE;
	bench_info("frag.%s: %lu blocks filled, %zu bytes live, %lu blocks of "
		   "%lu KiB could be allocated, largest request %zu bytes",
		   ops->name, n, live, got, LARGE >> 10, largest);
	if (free_bytes)
		bench_value_milli(lost * 100000 / free_bytes,
				  lost * 100000 / free_bytes, "percent",
				  "frag.%s.usfi", ops->name);
	bench_value(largest, largest, "bytes", "frag.%s.largest", ops->name);
	bench_value(got ? 100 : 0, got ? 100 : 0, "percent",
		    "frag.%s.first_large", ops->name);
	wl_release(ops, slots, n + got);
	return largest;
}

/* The kdist churn on kmalloc in the budget, then the order-9+ share. */
static void kdist_share(struct wl_slot *slots)
{
	const struct workload *w = &wl_table[wl_count - 1]; /* kdist */
	unsigned int live = (unsigned int)bench_iters(w->live, 50);
	unsigned int steps = (unsigned int)bench_iters(w->steps, 100);
	struct wl_result res;
	unsigned long share;

	wl_churn(w, &km_budget_ops, slots, live, steps, BENCH_SEED, NULL, &res);
	share = o9_share_milli();
	wl_release(&km_budget_ops, slots, live);
	if (res.failures)
		bench_info("frag.kdist.two-tier: %lu of %lu allocations failed",
			   res.failures, res.allocs);
	bench_value_milli(share * 100, share * 100, "percent",
			  "frag.kdist.two-tier.o9_share");
}

/* kmalloc (two-tier mode) in the budget: the pattern, then kdist. */
static size_t frag_kmalloc(struct backend *b, struct wl_slot *slots)
{
	size_t largest = 0;

	if (!budget_begin()) {
		bench_info("frag.two-tier: not measured: fewer than %u free "
			   "blocks of 4 MiB",
			   BUDGET_BLOCKS);
		return 0;
	}
	largest = frag_one(&km_budget_ops, slots);
	kmalloc_shrink();
	slab_reclaim();
	kdist_share(slots);
	budget_end();
	return largest;
}

void bench_heap_frag(void)
{
	struct wl_slot *slots = alloc_pages_addr(GFP_KERNEL, SLOT_ORDER);
	size_t sheap = 0, km = 0;

	if (!slots) {
		bench_error("frag: no memory for the slot array");
		return;
	}
	for (unsigned int i = 0; i < backend_count(); i++) {
		struct backend *b = backend_get(i);
		const char *name = b->ops.name;

		if (!strcmp(name, "simple") || !strcmp(name, "hybrid")) {
			bench_info(
				"frag.%s: not measured: its heap is sized at "
				"boot, not by the budget",
				name);
			continue;
		}
		if (backend_setup(b))
			continue;
		if (!strcmp(name, "two-tier"))
			km = frag_kmalloc(b, slots);
		else if (!strcmp(name, "sheap"))
			sheap = frag_one(&b->ops, slots);
		else
			frag_one(&b->ops, slots);
		backend_teardown(b);
	}
	if (sheap && km)
		bench_value_milli(km * 1000 / sheap, km * 1000 / sheap, "ratio",
				  "frag.largest.two-tier_vs_sheap");
	free_pages(virt_to_page(slots), SLOT_ORDER);
}

/* SPDX-License-Identifier: MIT */
/*
 * Page allocator benchmarks: alloc_pages()/free_pages() per order, the
 * per-CPU fast path apart from its refill/drain slow path, the buddy path,
 * and mm_init()'s cost per page of RAM.
 *
 * Figures (docs/bench.md):
 *   page.o0.pcp.{alloc,free}      an order-0 alloc then free, repeated:
 *                                 every call hits the per-CPU list
 *   page.o0.refill.alloc          order-0 allocations that had to refill
 *                                 the per-CPU list from the buddy lists
 *   page.o0.drain.free            order-0 frees that drained a batch back
 *   page.oK.buddy.{alloc,free}    order K alloc then free, repeated
 *                                 (split from a larger block, merge back)
 *   page.oK.seq.{alloc,free}      order K: many allocations, then frees
 *   init.mm_init.per_page         boot's mm_init() / RAM pages
 */
#include "bench/bench.h"

#include "arch/arch.h"
#include "mm/page_alloc.h"

/* Per-CPU batch moves of this hart so far (all zones). */
static unsigned long pcp_moves(bool drain)
{
	unsigned int cpu = arch_cpu_id();
	unsigned long n = 0;

	for (unsigned int z = 0; z < MAX_NR_ZONES; z++)
		n += drain ? zones[z].pcp[cpu].nr_drain
			   : zones[z].pcp[cpu].nr_refill;
	return n;
}

static void pcp_pairs(void)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	unsigned long n = bench_iters(2000, 20);
	struct page *pg;

	pg = alloc_pages(GFP_KERNEL, 0); /* warm: the list has pages now */
	free_pages(pg, 0);
	for (unsigned long i = 0; i < n; i++) {
		BENCH_MEASURE(a, pg = alloc_pages(GFP_KERNEL, 0));
		if (!pg) {
			bench_error("page: order-0 allocation failed");
			return;
		}
		BENCH_OPAQUE(pg);
		BENCH_MEASURE(f, free_pages(pg, 0));
	}
	bench_report(a, "page.o0.pcp.alloc");
	bench_report(f, "page.o0.pcp.free");
}

/* Order-0 in sequence: split samples by whether a batch moved. */
static void pcp_batches(struct page **pgs, unsigned long n)
{
	struct bench_samples *hit = bench_samples(0, 0);
	struct bench_samples *slow = bench_samples(1, 0);
	unsigned long i, before;

	for (i = 0; i < n; i++) {
		before = pcp_moves(false);
		BENCH_MEASURE(hit, pgs[i] = alloc_pages(GFP_KERNEL, 0));
		if (pcp_moves(false) != before)
			slow->v[slow->n++] = hit->v[--hit->n];
		if (!pgs[i])
			break;
	}
	bench_report(slow, "page.o0.refill.alloc");
	hit->n = 0;
	n = i;
	for (i = 0; i < n; i++) {
		before = pcp_moves(true);
		BENCH_OPAQUE(pgs[i]);
		BENCH_MEASURE(hit, free_pages(pgs[i], 0));
		if (pcp_moves(true) != before)
			slow->v[slow->n++] = hit->v[--hit->n];
	}
	bench_report(slow, "page.o0.drain.free");
}

static void buddy_pairs(unsigned int order, unsigned long n)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	struct page *pg;

	for (unsigned long i = 0; i < n; i++) {
		BENCH_MEASURE(a, pg = alloc_pages(GFP_KERNEL, order));
		if (!pg) {
			bench_error("page: order-%u allocation failed", order);
			return;
		}
		BENCH_OPAQUE(pg);
		BENCH_MEASURE(f, free_pages(pg, order));
	}
	bench_report(a, "page.o%u.buddy.alloc", order);
	bench_report(f, "page.o%u.buddy.free", order);
}

static void buddy_seq(struct page **pgs, unsigned int order, unsigned long n)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	unsigned long i;

	for (i = 0; i < n; i++) {
		BENCH_MEASURE(a, pgs[i] = alloc_pages(GFP_KERNEL, order));
		if (!pgs[i])
			break;
	}
	if (i < n)
		bench_error("page: order-%u allocation %lu failed", order, i);
	n = i;
	for (i = 0; i < n; i++) {
		BENCH_OPAQUE(pgs[i]);
		BENCH_MEASURE(f, free_pages(pgs[i], order));
	}
	bench_report(a, "page.o%u.seq.alloc", order);
	bench_report(f, "page.o%u.seq.free", order);
}

void bench_page(void)
{
	static const unsigned int orders[] = {1, 3, 9};
	struct page **pgs = alloc_pages_addr(GFP_KERNEL, 3); /* 4096 slots */

	if (!pgs) {
		bench_error("page: no memory for the page array");
		return;
	}
	pcp_pairs();
	pcp_batches(pgs, bench_iters(4000, 200));
	for (unsigned int i = 0; i < 3; i++) {
		unsigned int o = orders[i];

		buddy_pairs(o, bench_iters(o == 9 ? 200 : 1000, 10));
		buddy_seq(pgs, o, o == 9 ? 8 : bench_iters(1000, 16));
	}
	free_pages(virt_to_page(pgs), 3);
}

void bench_page_init(void)
{
	unsigned long pages = 0;

	for (unsigned int z = 0; z < MAX_NR_ZONES; z++)
		pages += zones[z].present_pages;
	if (!bench_boot_mm_init_instr || !pages) {
		bench_error("init: mm_init was not measured at boot");
		return;
	}
	bench_info("init: mm_init %llu instructions, %lu pages of RAM",
		   (unsigned long long)bench_boot_mm_init_instr, pages);
	bench_value_milli(bench_boot_mm_init_instr * 1000 / pages,
			  bench_boot_mm_init_instr * 1000 / pages, "instr",
			  "init.mm_init.per_page.%luM", pages >> 8);
}

/* SPDX-License-Identifier: MIT */
/*
 * Slab benchmarks: kmem_cache_alloc()/kmem_cache_free() on the per-CPU
 * magazine (a free then an allocation: always a hit) and in long runs
 * that go through the slow path (refilling the magazine from slabs, new
 * slabs from the page allocator, flushing back), plain and with every
 * debug check of the cache on (SLAB_DEBUG: red zones, poison, owner).
 *
 * Figures: slab.<cache>.cpu.{alloc,free}, slab.<cache>.seq.{alloc,free}
 * for caches c64 (64-byte objects), c512, and c64debug (SLAB_DEBUG).
 */
#include "bench/bench.h"

#include "mm/page_alloc.h"
#include "mm/slab.h"

#define SEQ_MAX 4096 /* objects of a long run (one order-3 block of slots) */

static void cpu_pairs(struct kmem_cache *c, const char *name)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	unsigned long n = bench_iters(2000, 20);
	void *obj = kmem_cache_alloc(c, GFP_KERNEL); /* warm the magazine */

	kmem_cache_free(c, obj);
	for (unsigned long i = 0; i < n; i++) {
		BENCH_MEASURE(a, obj = kmem_cache_alloc(c, GFP_KERNEL));
		if (!obj) {
			bench_error("slab.%s: allocation failed", name);
			return;
		}
		BENCH_OPAQUE(obj);
		BENCH_MEASURE(f, kmem_cache_free(c, obj));
	}
	bench_report(a, "slab.%s.cpu.alloc", name);
	bench_report(f, "slab.%s.cpu.free", name);
}

static void seq(struct kmem_cache *c, const char *name, void **objs)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	unsigned long n = bench_iters(SEQ_MAX, 64), i;

	for (i = 0; i < n; i++) {
		BENCH_MEASURE(a, objs[i] = kmem_cache_alloc(c, GFP_KERNEL));
		if (!objs[i])
			break;
	}
	if (i < n)
		bench_error("slab.%s: allocation %lu failed", name, i);
	n = i;
	for (i = 0; i < n; i++) {
		BENCH_OPAQUE(objs[i]);
		BENCH_MEASURE(f, kmem_cache_free(c, objs[i]));
	}
	bench_report(a, "slab.%s.seq.alloc", name);
	bench_report(f, "slab.%s.seq.free", name);
}

static void one_cache(const char *name, size_t size, unsigned int flags,
		      void **objs)
{
	struct kmem_cache *c = kmem_cache_create(name, size, 0, flags, NULL);

	if (!c) {
		bench_error("slab.%s: kmem_cache_create failed", name);
		return;
	}
	cpu_pairs(c, name);
	seq(c, name, objs);
	kmem_cache_shrink(c);
	if (kmem_cache_destroy(c))
		bench_error("slab.%s: kmem_cache_destroy refused", name);
}

void bench_slab(void)
{
	void **objs = alloc_pages_addr(GFP_KERNEL, 3);

	if (!objs) {
		bench_error("slab: no memory for the object array");
		return;
	}
	one_cache("c64", 64, 0, objs);
	one_cache("c512", 512, 0, objs);
	one_cache("c64debug", 64, SLAB_DEBUG, objs);
	free_pages(virt_to_page(objs), 3);
	slab_reclaim(); /* the cache of caches keeps an empty slab */
}

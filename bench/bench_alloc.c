/* SPDX-License-Identifier: MIT */
/*
 * The other seed allocators: the fixed-block pool (k_mem_slab), the arena
 * and the reserved mempool, per call.
 *
 * Figures:
 *   pool.b64.cpu.{alloc,free}   k_mem_slab_alloc(K_NO_WAIT)/free pairs
 *   pool.b64.seq.{alloc,free}   4,096 allocations (the whole pool), frees
 *   arena.a64.alloc             4,096 arena_alloc(64) in a row (bump; max:
 *                               a new chunk from the page allocator)
 *   arena.reset                 arena_reset() after those 4,096
 *   mempool.c64.{alloc,free}    a slab-backed mempool (16 reserved): pairs
 */
#include "bench/bench.h"

#include "mm/arena.h"
#include "mm/mempool.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"

#define NBLK 4096
#define POOL_ORDER 6 /* 4,096 x 64 bytes */
#define PTR_ORDER 3 /* 4,096 pointers */

static void pool_figures(void **objs)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	void *buf = alloc_pages_addr(GFP_KERNEL, POOL_ORDER);
	unsigned long n = bench_iters(NBLK, 64), i;
	static struct k_mem_slab pool;
	int err = 0;

	if (!buf || k_mem_slab_init_named(&pool, "bench", buf, 64, NBLK)) {
		bench_error("pool: set-up failed");
		if (buf)
			free_pages(virt_to_page(buf), POOL_ORDER);
		return;
	}
	for (i = 0; i < bench_iters(2000, 20) && !err; i++) {
		BENCH_MEASURE(
			a, err = k_mem_slab_alloc(&pool, &objs[0], K_NO_WAIT));
		BENCH_OPAQUE(objs[0]);
		BENCH_MEASURE(f, k_mem_slab_free(&pool, objs[0]));
	}
	bench_report(a, "pool.b64.cpu.alloc");
	bench_report(f, "pool.b64.cpu.free");
	for (i = 0; i < n && !err; i++)
		BENCH_MEASURE(
			a, err = k_mem_slab_alloc(&pool, &objs[i], K_NO_WAIT));
	if (err)
		bench_error("pool: allocation failed (%d)", err);
	n = err ? i - 1 : i;
	for (i = 0; i < n; i++) {
		BENCH_OPAQUE(objs[i]);
		BENCH_MEASURE(f, k_mem_slab_free(&pool, objs[i]));
	}
	bench_report(a, "pool.b64.seq.alloc");
	bench_report(f, "pool.b64.seq.free");
	if (!k_mem_slab_validate(&pool))
		bench_error("pool: k_mem_slab_validate() failed");
	k_mem_slab_remove(&pool);
	free_pages(virt_to_page(buf), POOL_ORDER);
}

static void arena_figures(void)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *r = bench_samples(1, 0);
	unsigned long n = bench_iters(NBLK, 64);
	static struct arena ar;
	void *p = NULL;

	if (arena_init(&ar, "bench", 0, GFP_KERNEL)) {
		bench_error("arena: arena_init failed");
		return;
	}
	for (unsigned int round = 0; round < 8; round++) {
		for (unsigned long i = 0; i < n; i++) {
			BENCH_MEASURE(a, p = arena_alloc(&ar, 64, 0));
			if (!p) {
				bench_error("arena: allocation failed");
				break;
			}
		}
		BENCH_MEASURE(r, arena_reset(&ar));
	}
	bench_report(a, "arena.a64.alloc");
	bench_report(r, "arena.reset");
	arena_destroy(&ar);
}

static void mempool_figures(void)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	struct kmem_cache *c = kmem_cache_create("bench-mp", 64, 0, 0, NULL);
	mempool_t *mp = c ? mempool_create_slab_pool(16, c) : NULL;
	void *p;

	if (!mp) {
		bench_error("mempool: set-up failed");
		if (c)
			kmem_cache_destroy(c);
		return;
	}
	for (unsigned long i = 0; i < bench_iters(2000, 20); i++) {
		BENCH_MEASURE(a, p = mempool_alloc(mp, GFP_KERNEL));
		if (!p) {
			bench_error("mempool: allocation failed");
			break;
		}
		BENCH_OPAQUE(p);
		BENCH_MEASURE(f, mempool_free(p, mp));
	}
	bench_report(a, "mempool.c64.alloc");
	bench_report(f, "mempool.c64.free");
	mempool_destroy(mp);
	kmem_cache_shrink(c);
	if (kmem_cache_destroy(c))
		bench_error("mempool: kmem_cache_destroy refused");
}

void bench_allocs(void)
{
	void **objs = alloc_pages_addr(GFP_KERNEL, PTR_ORDER);

	if (!objs) {
		bench_error("allocs: no memory for the pointer array");
		return;
	}
	pool_figures(objs);
	arena_figures();
	mempool_figures();
	free_pages(virt_to_page(objs), PTR_ORDER);
	slab_reclaim();
}

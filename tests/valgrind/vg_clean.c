/* SPDX-License-Identifier: MIT */
/*
 * A correct workload for valgrind (tests/valgrind/run.sh): under memcheck
 * with build/host-vg/libmm.a it must produce no error at all.  Two threads
 * as harts kmalloc/kzalloc/kcalloc/krealloc/kfree blocks of 1 byte to
 * 20 KiB and hand some to each other, in every kmalloc mode and in debug
 * mode; a cache with a constructor; pages; a TLSF heap with realloc; a
 * pool; transactions that commit and abort, including a free deferred by
 * a transaction that is then aborted (the block stays the caller's).
 * Every block holds a pattern that is checked before it is freed, and the
 * run ends with every page back and mm_validate() clean.
 */
#include "arch/host/host.h"
#include "lib/prng.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"
#include "mm/txn.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define OPS 1500 /* per thread per mode */
#define SLOTS 32
#define HANDOVER 16

struct blk {
	unsigned char *p;
	size_t n;
};

static struct blk handover[HANDOVER];
static pthread_mutex_t handover_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long damaged;

static void fill(struct blk *b, unsigned char tag)
{
	for (size_t i = 0; i < b->n; i++)
		b->p[i] = (unsigned char)(tag + i * 3);
}

static void drop(struct blk *b)
{
	for (size_t i = 1; b->p && i < b->n; i++)
		if (b->p[i] != (unsigned char)(b->p[0] + i * 3)) {
			__atomic_fetch_add(&damaged, 1, __ATOMIC_RELAXED);
			break;
		}
	kfree(b->p);
	b->p = NULL;
}

static size_t pick(struct prng *r)
{
	unsigned int k = (unsigned int)prng_below(r, 100);

	if (k < 5)
		return 4097 + prng_below(r, 16 << 10);
	return 1 + prng_below(r, k < 70 ? 256 : 4096);
}

static void one_op(struct prng *r, struct blk *slot)
{
	struct blk *b = &slot[prng_below(r, SLOTS)];
	unsigned int k = (unsigned int)prng_below(r, 10);
	unsigned char *q;
	size_t n;

	if (k < 4) {
		drop(b);
		b->n = pick(r);
		b->p = k & 1 ? kmalloc(b->n, GFP_KERNEL)
			     : kcalloc(1, b->n, GFP_KERNEL);
		if (b->p && !(k & 1) && b->p[b->n - 1]) /* kcalloc zeroes */
			damaged++;
		if (b->p)
			fill(b, (unsigned char)prng_next(r));
	} else if (k < 7 && b->p) {
		n = pick(r);
		q = krealloc(b->p, n, GFP_KERNEL);
		if (q) {
			b->p = q;
			b->n = n;
			fill(b, (unsigned char)prng_next(r));
		}
	} else {
		unsigned int i = (unsigned int)prng_below(r, HANDOVER);
		struct blk t;

		pthread_mutex_lock(&handover_lock);
		t = handover[i];
		handover[i] = *b;
		pthread_mutex_unlock(&handover_lock);
		*b = t;
	}
}

static void *worker(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg;
	struct blk slot[SLOTS] = {0};
	struct prng r;

	host_set_cpu(cpu);
	prng_seed(&r, 77 + cpu);
	for (unsigned int i = 0; i < OPS; i++)
		one_op(&r, slot);
	for (unsigned int i = 0; i < SLOTS; i++)
		drop(&slot[i]);
	return NULL;
}

static void kmalloc_threads(void)
{
	pthread_t th[2];

	for (unsigned int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker,
			       (void *)(uintptr_t)(i + 1));
	for (unsigned int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (unsigned int i = 0; i < HANDOVER; i++)
		drop(&handover[i]);
}

static void ctor(void *obj)
{
	memset(obj, 0x5a, 40);
}

static void caches_and_pages(void)
{
	struct kmem_cache *c = kmem_cache_create("vg_ctor", 40, 0, 0, ctor);
	unsigned char *o[64];
	struct page *pg;

	for (int i = 0; i < 64; i++) {
		o[i] = kmem_cache_alloc(c, GFP_KERNEL);
		damaged += o[i][39] != 0x5a; /* constructed: defined */
	}
	for (int i = 0; i < 64; i++)
		kmem_cache_free(c, o[i]);
	kmem_cache_destroy(c);
	for (unsigned int order = 0; order < 4; order++) {
		pg = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
		damaged += ((unsigned char *)page_address(pg))[100] != 0;
		memset(page_address(pg), 1, PAGE_SIZE << order);
		free_pages(pg, order);
	}
}

static char heap_mem[128 << 10] __attribute__((aligned(16)));
static char pool_mem[32 * 96] __attribute__((aligned(16)));

static void heap_and_pool(void)
{
	static struct k_heap h;
	static struct k_mem_slab s;
	char *p[16];
	void *b[32];

	k_heap_init(&h, "vg_heap", heap_mem, sizeof(heap_mem));
	for (int i = 0; i < 16; i++) {
		p[i] = k_heap_alloc(&h, 10 + 100 * i, K_NO_WAIT);
		memset(p[i], i, 10 + 100 * i);
	}
	for (int i = 0; i < 16; i += 2) {
		p[i] = k_heap_realloc(&h, p[i], 2000, K_NO_WAIT);
		damaged += p[i][9] != i;
	}
	for (int i = 0; i < 16; i++)
		k_heap_free(&h, p[i]);
	k_mem_slab_init(&s, pool_mem, 96, 32);
	for (int i = 0; i < 32; i++) {
		k_mem_slab_alloc(&s, &b[i], K_NO_WAIT);
		memset(b[i], i, 96);
	}
	for (int i = 0; i < 32; i++)
		k_mem_slab_free(&s, b[i]);
}

static void transactions(void)
{
	struct mm_txn t;
	char *old = kmalloc(300, GFP_KERNEL), *a;
	struct page *pg;

	memset(old, 7, 300);
	/* abort: the block freed inside comes back, what was made goes */
	mm_txn_begin(&t);
	a = kmalloc(500, GFP_KERNEL);
	memset(a, 1, 500);
	pg = alloc_pages(GFP_KERNEL, 1);
	memset(page_address(pg), 2, 2 * PAGE_SIZE);
	kfree(old);
	mm_txn_abort(&t);
	damaged += old[299] != 7; /* still the caller's */
	/* commit: the deferred free happens */
	mm_txn_begin(&t);
	a = kzalloc(64, GFP_KERNEL);
	kfree(old);
	mm_txn_commit(&t);
	damaged += a[63] != 0;
	kfree(a);
}

int main(void)
{
	static const enum kmalloc_mode modes[] = {
		KMALLOC_TWO_TIER, KMALLOC_SIMPLE, KMALLOC_HYBRID};
	unsigned long before;
	bool ok;

	if (host_mm_init(64 << 20, 3))
		return 2;
	kmalloc_shrink();
	drain_all_pages();
	before = nr_free_pages();
	for (unsigned int m = 0; m < 3; m++) {
		kmalloc_set_mode(modes[m]);
		kmalloc_threads();
	}
	kmalloc_set_mode(KMALLOC_TWO_TIER);
	kmalloc_set_debug(true);
	kmalloc_threads();
	kmalloc_set_debug(false);
	caches_and_pages();
	heap_and_pool();
	transactions();
	kmalloc_shrink();
	slab_reclaim();
	drain_all_pages();
	ok = mm_validate();
	printf("vg_clean: damaged %lu, pages %lu -> %lu, validate %d\n",
	       damaged, before, nr_free_pages(), ok);
	return damaged || nr_free_pages() != before || !ok;
}

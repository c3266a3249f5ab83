/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target `scribble`: a realistic state (blocks in every
 * allocator, a transaction open), then the input overwrites bytes of the
 * allocators' metadata — struct page entries, zones, kmem_cache structs,
 * slab free words, heap headers, pool/arena/mempool/DMA bookkeeping — and
 * mm_validate(), mm_stats_get(), mm_health_get() and mm_report() must
 * return: never crash (ASan/UBSan), never hang (libFuzzer's -timeout).
 *
 * Isolation (docs/fuzz.md): every byte written goes through an undo log
 * and is put back after the checks, so the next input starts from the
 * same state at no cost beyond the bytes written.  What the checks
 * themselves remember stays (counters, and sticky flags such as the DMA
 * layer's "pool list seen corrupt"): later inputs then get one more report
 * line, nothing else.  A crash is replayed alone, in a fresh process.
 * Locks and the callers' own pointers (names, callbacks) are never
 * overwritten: a lock that reads as held hangs any allocator by design.
 * Nor are bool fields: a byte other than 0 or 1 is no bool in C.
 */
#include "arch/host/host.h"
#include "tests/fuzz/fuzz_input.h"
#include "lib/spinlock.h"
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/dma_internal.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_internal.h"
#include "mm/mempool.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"
#include "mm/stats.h"
#include "mm/txn.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM (32UL << 20)
#define NCPUS 2
#define MAX_BANS 40
#define MAX_REGIONS 24
#define MAX_UNDO 64
#define MAX_WRITE 16

/* A range of metadata the input may overwrite, minus the banned bytes. */
struct region {
	const char *name;
	unsigned char *base;
	size_t len;
	unsigned int nban;
	struct {
		size_t off, len;
	} ban[MAX_BANS];
};

static struct region regions[MAX_REGIONS];
static unsigned int nregions;
/* Regions not written (bit i: region i), from $SCRIBBLE_SKIP (hex): the
 * fuzz test group leaves out the regions with open findings (docs/fuzz.md). */
static unsigned long skip_mask;

struct undo {
	unsigned char *at;
	unsigned char old[MAX_WRITE];
	size_t len;
};

static struct undo undo[MAX_UNDO];
static unsigned int nundo;

static struct region *add_region(const char *name, void *base, size_t len)
{
	struct region *r = &regions[nregions++];

	if (nregions > MAX_REGIONS || !base || !len)
		abort();
	r->name = name;
	r->base = base;
	r->len = len;
	r->nban = 0;
	return r;
}

static void ban(struct region *r, size_t off, size_t len)
{
	if (r->nban == MAX_BANS)
		abort();
	r->ban[r->nban].off = off;
	r->ban[r->nban++].len = len;
}

#define BAN_FIELD(r, type, field) \
	ban(r, offsetof(type, field), sizeof(((type *)0)->field))

/* ---- the state ---------------------------------------------------------- */

static struct kmem_cache *cache, *dbg_cache;
static struct k_heap *heap;
static struct k_mem_slab *pool;
static struct arena *arena;
static mempool_t *mpool;
static struct dma_pool *dpool;
static struct mm_txn txn;
static void *objs[16], *dbg_objs[8], *kobjs[12], *heap_blocks[8];

static void build_state(void)
{
	static const size_t ksizes[12] = {8,	24,   100,  200,   500, 1000,
					  3000, 4096, 5000, 20000, 0,	64};
	char *mem;
	void *p;
	dma_addr_t h;
	int i;

	cache = kmem_cache_create("scribble", 72, 0, 0, NULL);
	dbg_cache = kmem_cache_create("scribble-dbg", 40, 0, SLAB_DEBUG, NULL);
	heap = kmalloc(sizeof(*heap), GFP_KERNEL);
	pool = kmalloc(sizeof(*pool), GFP_KERNEL);
	arena = kmalloc(sizeof(*arena), GFP_KERNEL);
	mem = kmalloc(96 << 10, GFP_KERNEL);
	if (!cache || !dbg_cache || !heap || !pool || !arena || !mem ||
	    k_heap_init(heap, "scribble-heap", mem + 64, 32 << 10) ||
	    k_mem_slab_init(pool, mem + (48 << 10), 64, 64) ||
	    arena_init(arena, "scribble-arena", 0, GFP_KERNEL))
		abort();
	mpool = mempool_create_slab_pool(4, cache);
	dpool = dma_pool_create("scribble-dma", 48, 16, 0);
	if (!mpool || !dpool)
		abort();
	for (i = 0; i < 16; i++)
		objs[i] = kmem_cache_alloc(cache, GFP_KERNEL);
	for (i = 0; i < 16; i += 3)
		kmem_cache_free(cache, objs[i]); /* free words inside a slab */
	for (i = 0; i < 8; i++)
		dbg_objs[i] = kmem_cache_alloc(dbg_cache, GFP_KERNEL);
	kmem_cache_free(dbg_cache, dbg_objs[2]);
	for (i = 0; i < 12; i++)
		kobjs[i] = kmalloc(ksizes[i], GFP_KERNEL);
	kfree(kobjs[1]);
	for (i = 0; i < 8; i++)
		heap_blocks[i] = k_heap_alloc(heap, 100 + 300 * i, K_NO_WAIT);
	k_heap_free(heap, heap_blocks[3]);
	k_heap_free(heap, heap_blocks[5]);
	for (i = 0; i < 5; i++)
		k_mem_slab_alloc(pool, &p, K_NO_WAIT);
	k_mem_slab_free(pool, p);
	for (i = 0; i < 6; i++)
		arena_alloc(arena, 1500, 16);
	for (i = 0; i < 3; i++)
		mempool_alloc(mpool, GFP_KERNEL);
	for (i = 0; i < 5; i++)
		dma_pool_alloc(dpool, GFP_KERNEL, &h);
	dma_alloc(3 * PAGE_SIZE, &h, GFP_KERNEL);
	alloc_pages(GFP_KERNEL, 2);
	alloc_pages(GFP_KERNEL, 0);
	free_pages(alloc_pages(GFP_KERNEL, 0),
		   0); /* a page on a per-CPU list */
	/* A transaction left open, with entries of every kind. */
	if (mm_txn_begin(&txn))
		abort();
	kmalloc(300, GFP_KERNEL);
	kmem_cache_alloc(cache, GFP_KERNEL);
	kfree(kobjs[0]);
	k_heap_alloc(heap, 50, K_NO_WAIT);
	alloc_pages(GFP_KERNEL, 1);
}

static void struct_region(const char *name, void *s, size_t len, size_t from)
{
	add_region(name, (char *)s + from, len - from);
}

static void cache_region(const char *name, struct kmem_cache *c)
{
	struct region *r = add_region(name, c, sizeof(*c));

	BAN_FIELD(r, struct kmem_cache, kc_lock);
	BAN_FIELD(r, struct kmem_cache, kc_ctor);
	for (int i = 0; i < NR_CPUS; i++)
		ban(r,
		    offsetof(struct kmem_cache, kc_cpu) +
			    i * sizeof(struct kmem_cache_cpu),
		    sizeof(unsigned int)); /* cc_lock */
}

static void build_regions(void)
{
	struct region *r;
	unsigned long npages = memmap_end_pfn - memmap_start_pfn;
	const struct page *pg;

	add_region("mem_map", mem_map, npages * sizeof(struct page));
	r = add_region("zones", zones, sizeof(zones));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		size_t zo = (size_t)z * sizeof(struct zone);

		ban(r, zo + offsetof(struct zone, lock),
		    sizeof(spinlock_t) + sizeof(char *));
		ban(r, zo + offsetof(struct zone, below_low), sizeof(bool));
		for (int c = 0; c < NR_CPUS && r->nban < MAX_BANS; c++)
			ban(r,
			    zo + offsetof(struct zone, pcp) +
				    c * sizeof(struct per_cpu_pages),
			    sizeof(unsigned int));
	}
	cache_region("cache", cache);
	cache_region("debug cache", dbg_cache);
	cache_region("kmalloc-64 cache", km_caches[0][3]);
	pg = virt_to_page(objs[0]);
	add_region("slab of cache", page_address(pg), PAGE_SIZE << pg->order);
	pg = virt_to_page(dbg_objs[0]);
	add_region("slab of debug cache", page_address(pg),
		   PAGE_SIZE << pg->order);
	pg = virt_to_page(kobjs[2]);
	add_region("kmalloc-128 slab", page_address(pg),
		   PAGE_SIZE << pg->order);
	/* The heap's and the pool's geometry (start, end, block size, count)
	 * describe the caller's buffer, which no check can verify: kept. */
	struct_region("heap", heap, sizeof(*heap),
		      offsetof(struct k_heap, hp_fl_bitmap));
	r = regions + nregions - 1;
	add_region("heap memory", heap->hp_start, 8 << 10);
	struct_region("pool", pool, sizeof(*pool),
		      offsetof(struct k_mem_slab, ms_free_list));
	r = regions + nregions - 1;
	ban(r,
	    offsetof(struct k_mem_slab, ms_corrupt) -
		    offsetof(struct k_mem_slab, ms_free_list),
	    sizeof(bool));
	add_region("pool memory", pool->ms_buffer, 64 * 64);
	struct_region("arena", arena, sizeof(*arena),
		      offsetof(struct arena, ar_chunk));
	add_region("arena chunk", arena->ar_chunk, 64);
	struct_region("mempool", mpool, sizeof(*mpool),
		      offsetof(mempool_t, mp_elements));
	add_region("mempool reserve", mpool->mp_elements, 4 * sizeof(void *));
	add_region("dma pool", dpool, sizeof(struct dma_pool));
	add_region("dma chunk", (char *)dpool->dp_chunks.next,
		   sizeof(struct dma_chunk));
}

/* ---- the input (tests/fuzz/fuzz_input.h) ---------------------------------- */

static bool banned(const struct region *r, size_t off, size_t len)
{
	for (unsigned int i = 0; i < r->nban; i++)
		if (off < r->ban[i].off + r->ban[i].len &&
		    r->ban[i].off < off + len)
			return true;
	return false;
}

/* One write: region, offset, then raw bytes, a pointer into some region
 * (lists that loop or cross), or a small number. */
static void scribble(struct in *in)
{
	unsigned int ri = u8(in) % nregions;
	struct region *r = &regions[ri];
	size_t off =
		(u8(in) | (size_t)u8(in) << 8 | (size_t)u8(in) << 16) % r->len;
	uint8_t how = u8(in);
	unsigned char buf[MAX_WRITE];
	size_t len;

	if (how < 96) { /* raw bytes */
		len = 1 + (how % MAX_WRITE);
		for (size_t i = 0; i < len; i++)
			buf[i] = u8(in);
	} else if (how < 192) { /* a pointer into a region */
		struct region *t = &regions[u8(in) % nregions];
		uintptr_t v =
			(uintptr_t)t->base + ((size_t)u8(in) * 8 % t->len);

		off &= ~(size_t)7;
		len = sizeof(v);
		memcpy(buf, &v, len);
	} else { /* a small number, 8 bytes */
		uint64_t v = (uint64_t)(int8_t)u8(in);

		off &= ~(size_t)7;
		len = sizeof(v);
		memcpy(buf, &v, len);
	}
	if (off + len > r->len)
		len = r->len - off;
	if (!len || banned(r, off, len) || nundo == MAX_UNDO ||
	    (skip_mask >> ri & 1))
		return;
	undo[nundo].at = r->base + off;
	undo[nundo].len = len;
	memcpy(undo[nundo].old, r->base + off, len);
	nundo++;
	memcpy(r->base + off, buf, len);
}

static void restore(void)
{
	while (nundo) {
		struct undo *u = &undo[--nundo];
		memcpy(u->at, u->old, u->len);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int null = open("/dev/null", O_WRONLY);

	if (!getenv("FUZZ_VERBOSE") && null >= 0)
		dup2(null, STDOUT_FILENO); /* the kernel's reports */
	if (host_mm_init(RAM, NCPUS))
		abort();
	if (getenv("SCRIBBLE_SKIP"))
		skip_mask = strtoul(getenv("SCRIBBLE_SKIP"), NULL, 16);
	build_state();
	build_regions();
	if (!mm_validate())
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct mm_stats st;
	struct mm_health h;
	uint8_t what;

	what = u8(&in);
	while (in.n)
		scribble(&in);
	(void)mm_validate();
	if (what & 1)
		mm_stats_get(&st);
	if (what & 2)
		mm_health_get(&h);
	if (what & 4)
		mm_report();
	restore();
	return 0;
}

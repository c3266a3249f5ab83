/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target `ops`: the input is a program of allocator operations
 * over every public API of mm/ (docs/fuzz.md), checked against a reference
 * model of every live block: address, size, owner, the transaction level
 * that allocated it and the one that freed it.  Every live block carries a
 * pattern of its own, checked on free, on realloc and at the end; no two
 * live blocks may overlap; results must be aligned and zeroed as asked;
 * bad frees (invalid, double, interior, foreign) must be refused and change
 * nothing; mm_validate() runs every few operations.  Each input ends with
 * everything freed and every page back.  Any broken property is abort().
 */
#include "arch/host/host.h"
#include "tests/fuzz/fuzz_input.h"
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mempool.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"
#include "mm/txn.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM (32UL << 20)
#define NCPUS 4
#define MAX_BLOCKS 64
#define MAX_CACHES 4
#define MAX_LIVE_BYTES (8UL << 20)
#define VALIDATE_EVERY 32
#define HEAP_BYTES (256UL << 10)
#define POOL_BLOCK 64
#define POOL_NUM 128

enum owner {
	O_KMALLOC,
	O_CACHE,
	O_PAGES,
	O_HEAP,
	O_POOL,
	O_MEMPOOL,
	O_ARENA,
	O_DMA,
	O_DMAPOOL
};

struct blk {
	unsigned char *p;
	size_t size; /* bytes the pattern covers */
	enum owner owner;
	int cache; /* O_CACHE: index into caches[] */
	struct page *pg; /* O_PAGES */
	unsigned int order; /* O_PAGES */
	dma_addr_t handle; /* O_DMA, O_DMAPOOL */
	unsigned int level; /* txn level that allocated it (0: none) */
	unsigned int freed; /* txn level whose deferred free holds it */
	uint8_t seed;
};

static struct blk blocks[MAX_BLOCKS];
static unsigned int nblocks;
static size_t live_bytes;
static struct kmem_cache *caches[MAX_CACHES];
static size_t cache_size[MAX_CACHES], cache_align[MAX_CACHES];
static struct mm_txn txns[MM_TXN_MAX_DEPTH];
static unsigned int depth;
static uint8_t seed_next;

/* Set up once: a heap, a pool, a mempool, a DMA pool and an arena. */
static struct k_heap heap;
static struct k_mem_slab pool;
static struct kmem_cache *mp_cache;
static mempool_t *mpool;
static struct dma_pool *dpool;
static struct arena arena;
static unsigned long base_free;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz_ops: %s:%d: %s: ", __FILE__, \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

/* ---- the input (tests/fuzz/fuzz_input.h) ---------------------------------- */

/* A size: small sizes most often, every power of two ± a little, 0, huge. */
static size_t any_size(struct in *in)
{
	uint8_t k = u8(in);

	switch (k >> 5) {
	case 0:
	case 1:
	case 2:
		return u8(in) + (size_t)(k & 31) * 256;
	case 3:
		return (size_t)u16(in);
	case 4:
	case 5:
		return ((size_t)1 << (k & 23)) + (int8_t)u8(in);
	case 6:
		return (k & 1) ? 0 : (size_t)u16(in) << 6;
	default:
		switch (k & 7) {
		case 0:
			return SIZE_MAX;
		case 1:
			return SIZE_MAX - u8(in);
		case 2:
			return (size_t)1 << (32 + (u8(in) & 31));
		case 3:
			return KMALLOC_MAX_SIZE + (int8_t)u8(in);
		default:
			return (size_t)u16(in) << 8;
		}
	}
}

static gfp_t any_gfp(struct in *in)
{
	uint8_t g = u8(in);

	if (g < 160)
		return GFP_KERNEL;
	if (g < 200)
		return GFP_KERNEL | __GFP_ZERO;
	if (g < 220)
		return GFP_ATOMIC | (g & 1 ? __GFP_ZERO : 0);
	if (g < 235)
		return GFP_KERNEL | GFP_DMA;
	if (g < 245)
		return (g & __GFP_ALL & ~__GFP_MEMALLOC) | __GFP_NOWARN;
	return (gfp_t)1 << (7 + (g & 15)); /* unknown bits */
}

/* A bad argument's error; a fault rule may fail the call first (the
 * hooks ask it before the arguments are checked; its last failure
 * disarms it, so mm_fault_armed() cannot tell). */
static bool einval(void)
{
	enum mm_error e = mm_last_error();

	return e == MM_EINVAL || e == MM_EFAULT_INJECTED;
}

/* ---- the model ---------------------------------------------------------- */

static uint8_t pat(const struct blk *b, size_t i)
{
	return (uint8_t)(b->seed * 7 + i * 13 + (i >> 8));
}

/* The pattern covers the head and the tail, not every byte of big blocks. */
#define PAT_HEAD 512
#define PAT_TAIL 64

static void fill(const struct blk *b)
{
	size_t i;

	for (i = 0; i < b->size && i < PAT_HEAD; i++)
		b->p[i] = pat(b, i);
	for (i = b->size > PAT_TAIL ? b->size - PAT_TAIL : 0; i < b->size; i++)
		b->p[i] = pat(b, i);
}

/* Check the pattern bytes of b (as filled for b->size) below upto. */
static void check_pattern(const struct blk *b, size_t upto, const char *why)
{
	size_t i, end = b->size < upto ? b->size : upto;

	for (i = 0; i < end && i < PAT_HEAD; i++)
		CHECK(b->p[i] == pat(b, i),
		      "%s: block %p (owner %d, %zu B) byte %zu is %#x", why,
		      (void *)b->p, b->owner, b->size, i, b->p[i]);
	for (i = b->size > PAT_TAIL ? b->size - PAT_TAIL : 0; i < end; i++)
		CHECK(b->p[i] == pat(b, i),
		      "%s: block %p (owner %d, %zu B) byte %zu is %#x", why,
		      (void *)b->p, b->owner, b->size, i, b->p[i]);
}

static bool zeroed(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size && i < PAT_HEAD; i++)
		if (p[i])
			return false;
	for (size_t i = size > PAT_TAIL ? size - PAT_TAIL : 0; i < size; i++)
		if (p[i])
			return false;
	return true;
}

/* Record a new block: overlap with every live block is checked here. */
static struct blk *add(void *p, size_t size, enum owner o)
{
	struct blk *b;

	CHECK(nblocks < MAX_BLOCKS, "model full");
	for (unsigned int i = 0; i < nblocks; i++) {
		struct blk *o2 = &blocks[i];

		if (!size || !o2->size)
			continue; /* zero-size blocks and positions own no byte */
		CHECK((unsigned char *)p + size <= o2->p ||
			      o2->p + o2->size <= (unsigned char *)p,
		      "new block %p+%zu (owner %d) overlaps %p+%zu (owner %d)",
		      p, size, o, (void *)o2->p, o2->size, o2->owner);
	}
	b = &blocks[nblocks++];
	memset(b, 0, sizeof(*b));
	b->p = p;
	b->size = size;
	b->owner = o;
	b->level = depth;
	b->seed = seed_next++;
	live_bytes += size;
	return b;
}

static void drop(struct blk *b)
{
	live_bytes -= b->size;
	*b = blocks[--nblocks];
}

/* The i-th live (not deferred-freed) block, counting from k. */
static struct blk *pick(struct in *in)
{
	unsigned int k;

	if (!nblocks)
		return NULL;
	k = u8(in) % nblocks;
	for (unsigned int i = 0; i < nblocks; i++) {
		struct blk *b = &blocks[(k + i) % nblocks];
		if (!b->freed)
			return b;
	}
	return NULL;
}

/* Room in the model; requests larger than RAM are always tried (they fail). */
static bool room(size_t size)
{
	return nblocks < MAX_BLOCKS &&
	       (size > RAM || live_bytes + size <= MAX_LIVE_BYTES);
}

/* ---- alloc operations --------------------------------------------------- */

static void after_alloc(void *p, size_t size, size_t align, bool zero,
			enum owner o, struct blk **out)
{
	struct blk *b;

	if (!p)
		return;
	CHECK(!align || ((uintptr_t)p & (align - 1)) == 0,
	      "%p not aligned to %zu", p, align);
	if (zero)
		CHECK(zeroed(p, size),
		      "block %p of %zu bytes not zeroed (owner %d)", p, size,
		      o);
	b = add(p, size, o);
	fill(b);
	if (out)
		*out = b;
}

static void op_kmalloc(struct in *in)
{
	uint8_t how = u8(in) % 5;
	size_t size = any_size(in), align = 0, n = 1;
	gfp_t gfp = any_gfp(in);
	bool zero = gfp & __GFP_ZERO;
	void *p;

	if (how == 3)
		n = (u8(in) & 15) + 1;
	if (!room(size) || (size <= RAM && !room(size * n)))
		return;
	switch (how) {
	case 0:
		p = kmalloc(size, gfp);
		break;
	case 1:
		p = kzalloc(size, gfp);
		zero = true;
		break;
	case 2:
		align = (size_t)1 << (u8(in) % 24);
		p = kmalloc_aligned(size, align, gfp);
		break;
	case 3:
		p = kcalloc(n, size, gfp);
		if (size && n > SIZE_MAX / size) {
			CHECK(!p, "kcalloc(%zu, %zu) overflowed", n, size);
			return;
		}
		size *= n;
		zero = true;
		break;
	default:
		align = (size_t)u8(in) * 3; /* mostly not a power of two */
		p = kmalloc_aligned(size, align, gfp);
		if (align & (align - 1)) {
			CHECK(!p && einval(), "align %zu: %p, error %s", align,
			      p, mm_strerror(mm_last_error()));
			return;
		}
		break;
	}
	if (!p) {
		CHECK(mm_last_error() != MM_OK, "NULL without an error");
		return;
	}
	if (size > KMALLOC_MAX_SIZE && kmalloc_get_mode() == KMALLOC_TWO_TIER)
		CHECK(0, "kmalloc gave %zu bytes above the maximum", size);
	CHECK(size == 0 || ksize(p) >= size, "ksize %zu < %zu", ksize(p), size);
	after_alloc(p, size, align ? align : (size >= 8 ? 8 : 1), zero,
		    O_KMALLOC, NULL);
}

static void op_cache_alloc(struct in *in)
{
	unsigned int i = u8(in) % MAX_CACHES;
	gfp_t gfp = any_gfp(in);
	void *p;

	if (!caches[i] || !room(cache_size[i]))
		return;
	p = kmem_cache_alloc(caches[i], gfp);
	if (!p)
		return;
	after_alloc(p, cache_size[i], cache_align[i], gfp & __GFP_ZERO, O_CACHE,
		    NULL);
	blocks[nblocks - 1].cache = (int)i;
}

static void op_pages(struct in *in)
{
	unsigned int order = u8(in) % (MAX_ORDER + 2);
	gfp_t gfp = any_gfp(in);
	struct page *pg;
	struct blk *b = NULL;

	if (order > 8 && u8(in) < 200)
		order = order % 4; /* big blocks now and then */
	if (!room(PAGE_SIZE << order))
		return;
	pg = alloc_pages(gfp, order);
	if (order >= MAX_ORDER) {
		CHECK(!pg && einval(), "order %u accepted", order);
		return;
	}
	if (!pg)
		return;
	if (gfp & __GFP_DMA)
		CHECK(page_to_phys(pg) + (PAGE_SIZE << order) <= dma_limit(),
		      "GFP_DMA block above the DMA limit");
	after_alloc(page_address(pg), PAGE_SIZE << order, PAGE_SIZE << order,
		    gfp & __GFP_ZERO, O_PAGES, &b);
	b->pg = pg;
	b->order = order;
}

static void op_heap(struct in *in)
{
	uint8_t how = u8(in) % 3;
	size_t size = any_size(in) % (HEAP_BYTES / 2 + 100), align = 0;
	void *p;

	if (!room(size))
		return;
	if (how == 1) {
		align = (size_t)1 << (u8(in) % 14);
		p = k_heap_aligned_alloc(&heap, align, size, K_NO_WAIT);
	} else if (how == 2) {
		size_t n = (u8(in) & 7) + 1;
		p = k_heap_calloc(&heap, n, size, K_NO_WAIT);
		if (p) {
			CHECK(zeroed(p, n * size), "k_heap_calloc not zeroed");
			size *= n;
		}
	} else {
		p = k_heap_alloc(&heap, size, K_NO_WAIT);
	}
	if (p && size)
		CHECK(k_heap_usable_size(&heap, p) >= size, "heap usable size");
	after_alloc(size ? p : NULL, size, align ? align : TLSF_ALIGN, false,
		    O_HEAP, NULL);
	if (p && !size)
		k_heap_free(&heap, p);
}

static void op_pool(struct in *in)
{
	void *p = NULL;

	if (!room(POOL_BLOCK))
		return;
	if (k_mem_slab_alloc(&pool, &p, K_NO_WAIT) == 0)
		after_alloc(p, POOL_BLOCK, MEM_SLAB_ALIGN, false, O_POOL, NULL);
}

static void op_mempool(struct in *in)
{
	gfp_t gfp = any_gfp(in);
	void *p;

	if (!room(128))
		return;
	p = mempool_alloc(mpool, gfp);
	after_alloc(p, 128, 8, false, O_MEMPOOL, NULL);
}

static void op_arena(struct in *in)
{
	size_t size = any_size(in) % 20000;
	size_t align = (size_t)1 << (u8(in) % 8);
	void *p;

	if (!room(size))
		return;
	p = arena_alloc(&arena, size, align);
	after_alloc(p, size, align, false, O_ARENA, NULL);
}

static void op_dma(struct in *in)
{
	size_t size = any_size(in) % (1UL << 20);
	dma_addr_t h = 0;
	struct blk *b = NULL;
	void *p;

	if (!room(size))
		return;
	if (u8(in) & 1) {
		p = dma_pool_alloc(dpool, any_gfp(in), &h);
		after_alloc(p, 96, 32, false, O_DMAPOOL, &b);
	} else {
		p = dma_alloc(size, &h, any_gfp(in));
		if (!size) {
			CHECK(!p && einval(), "dma_alloc(0)");
			return;
		}
		after_alloc(p, size, PAGE_SIZE, true, O_DMA, &b);
	}
	if (b) {
		b->handle = h;
		CHECK(h == arch_virt_to_phys(p) && h + b->size <= dma_limit(),
		      "dma handle %#lx for %p", (unsigned long)h, p);
	}
}

/* ---- frees -------------------------------------------------------------- */

/* The owner's own free of b; the model follows transactions. */
static void release(struct blk *b)
{
	switch (b->owner) {
	case O_KMALLOC:
		kfree(b->p);
		break;
	case O_CACHE:
		kmem_cache_free(caches[b->cache], b->p);
		break;
	case O_PAGES:
		free_pages(b->pg, b->order);
		break;
	case O_HEAP:
		k_heap_free(&heap, b->p);
		break;
	case O_POOL:
		k_mem_slab_free(&pool, b->p);
		break;
	case O_MEMPOOL:
		mempool_free(b->p, mpool);
		break;
	case O_DMA:
		dma_free(b->p, b->size, b->handle);
		break;
	case O_DMAPOOL:
		dma_pool_free(dpool, b->p, b->handle);
		break;
	case O_ARENA:
		break; /* only arena_reset frees */
	}
}

/* Free b as a program would: check its pattern, then the model decides
 * whether the block goes now or waits for the outermost commit. */
static void free_block(struct blk *b)
{
	check_pattern(b, SIZE_MAX, "on free");
	mm_set_error(MM_OK);
	release(b);
	CHECK(mm_last_error() != MM_EBADFREE,
	      "legal free of %p (owner %d) refused", (void *)b->p, b->owner);
	if (depth && b->level < depth)
		b->freed = depth; /* deferred: still allocated */
	else
		drop(b);
}

static void op_free(struct in *in)
{
	struct blk *b = pick(in);

	if (b && b->owner != O_ARENA)
		free_block(b);
}

static void op_arena_reset(struct in *in)
{
	if (depth)
		return; /* the arena's positions are logged; reset outside */
	for (unsigned int i = 0; i < nblocks;)
		if (blocks[i].owner == O_ARENA) {
			check_pattern(&blocks[i], SIZE_MAX, "arena reset");
			drop(&blocks[i]);
		} else {
			i++;
		}
	arena_reset(&arena);
}

/*
 * b was resized to p (size bytes): the old contents must have come along;
 * then b is the block at its new size (in place), or the new block p
 * replaces it (b stays until commit inside a transaction: an abort brings
 * it back).
 */
static void after_realloc(struct blk *b, unsigned char *p, size_t size,
			  size_t align, const char *what)
{
	struct blk nb = *b; /* drop(b) may reuse b's slot */

	nb.p = p;
	check_pattern(&nb, size, what);
	if (p == b->p) { /* in place: same block, new size */
		live_bytes += size - b->size;
		b->size = size;
		fill(b);
		return;
	}
	if (depth && b->level < depth)
		b->freed = depth;
	else
		drop(b);
	after_alloc(p, size, align, false, nb.owner, NULL);
}

static void op_krealloc(struct in *in)
{
	struct blk *b = pick(in);
	size_t size = any_size(in);
	gfp_t gfp = any_gfp(in);
	unsigned char *p;

	if (!b || b->owner != O_KMALLOC || !room(size))
		return;
	check_pattern(b, SIZE_MAX, "before krealloc");
	p = krealloc(b->p, size, gfp);
	if (!p) {
		check_pattern(b, SIZE_MAX, "after a failed krealloc");
		return;
	}
	after_realloc(b, p, size, size >= 8 ? 8 : 1,
		      p == b->p ? "krealloc in place" : "krealloc copy");
}

static void op_heap_realloc(struct in *in)
{
	struct blk *b = pick(in);
	size_t size = any_size(in) % (HEAP_BYTES / 2);
	unsigned char *p;

	if (!b || b->owner != O_HEAP || !size || !room(size))
		return;
	p = k_heap_realloc(&heap, b->p, size, K_NO_WAIT);
	if (!p) {
		check_pattern(b, SIZE_MAX, "after a failed k_heap_realloc");
		return;
	}
	after_realloc(b, p, size, TLSF_ALIGN, "k_heap_realloc");
}

/* ---- bad frees: each must be refused and change nothing ------------------ */

/* Memory no allocator owns, for invalid frees. */
static char junk[256] __attribute__((aligned(64)));

/* Free p with freer f; false when f has nothing to free with (no cache). */
static bool freer(unsigned int f, void *p, unsigned int order)
{
	switch (f) {
	case 0:
		kfree(p);
		break;
	case 1:
		for (unsigned int i = 0; i < MAX_CACHES; i++)
			if (caches[i]) {
				kmem_cache_free(caches[i], p);
				return true;
			}
		return false;
	case 2:
		free_pages(virt_to_page(p) ? virt_to_page(p)
					   : (struct page *)junk,
			   order);
		break;
	case 3:
		k_heap_free(&heap, p);
		break;
	case 4:
		k_mem_slab_free(&pool, p);
		break;
	case 5:
		mempool_free(p, mpool);
		break;
	case 6:
		dma_free(p, PAGE_SIZE << order, arch_virt_to_phys(p));
		break;
	case 7:
		dma_pool_free(dpool, p, arch_virt_to_phys(p));
		break;
	default:
		arena_reset_to(&arena, p);
		break;
	}
	return true;
}

/* Which freer owns the block (foreign frees use any other). */
static unsigned int own_freer(const struct blk *b)
{
	static const unsigned int map[] = {
		[O_KMALLOC] = 0, [O_CACHE] = 1,	  [O_PAGES] = 2,
		[O_HEAP] = 3,	 [O_POOL] = 4,	  [O_MEMPOOL] = 5,
		[O_DMA] = 6,	 [O_DMAPOOL] = 7, [O_ARENA] = 8,
	};
	return map[b->owner];
}

static void expect_refused(unsigned long before, const struct blk *b,
			   const char *what)
{
	enum mm_error e = mm_last_error();

	CHECK(e == MM_EBADFREE || e == MM_EINVAL, "%s: not refused (error %s)",
	      what, mm_strerror(e));
	drain_all_pages();
	CHECK(nr_free_pages() == before, "%s: free pages %lu -> %lu", what,
	      before, nr_free_pages());
	if (b)
		check_pattern(b, SIZE_MAX, what);
}

static void op_bad_free(struct in *in)
{
	uint8_t how = u8(in) % 4;
	unsigned int f = u8(in) % 9;
	struct blk *b = pick(in);
	unsigned long before;
	size_t off;

	drain_all_pages();
	before = nr_free_pages();
	mm_set_error(MM_OK);
	switch (how) {
	case 0: /* not a block at all: a static buffer */
		if (f == 8)
			return; /* arena_reset_to(junk) is a bad reset, not a free */
		if (freer(f, junk + (u8(in) & 63), u8(in) % MAX_ORDER))
			expect_refused(before, NULL, "free of a static buffer");
		return;
	case 1: /* interior pointer */
		if (!b || b->size < 2 || b->owner == O_ARENA)
			return;
		off = 1 + (u16(in) % (b->size - 1));
		if (f == 8 ||
		    (b->owner == O_PAGES && f == 2 && off < PAGE_SIZE))
			return; /* the head page itself: a legal free */
		if (freer(f, b->p + off, b->order))
			expect_refused(before, b, "interior free");
		return;
	case 2: /* foreign: another allocator's free */
		if (!b || f == own_freer(b) || b->freed)
			return;
		if (freer(f, b->p, b->owner == O_PAGES ? b->order : 0))
			expect_refused(before, b, "foreign free");
		return;
	default: /* double free of a deferred free, or a page order mismatch */
		for (unsigned int i = 0; i < nblocks; i++) {
			struct blk *d = &blocks[i];

			if (d->freed && d->owner != O_ARENA) {
				release(d);
				expect_refused(
					before, NULL,
					"double free of a deferred free");
				return;
			}
		}
		if (b && b->owner == O_PAGES) {
			free_pages(b->pg,
				   (b->order + 1 + (u8(in) & 3)) % MAX_ORDER);
			expect_refused(before, b,
				       "free_pages with the wrong order");
		}
		return;
	}
}

/* ---- caches, transactions, faults, modes --------------------------------- */

static int cache_users(int i)
{
	int n = 0;

	for (unsigned int k = 0; k < nblocks; k++)
		n += blocks[k].owner == O_CACHE && blocks[k].cache == i;
	return n;
}

static void op_cache(struct in *in)
{
	unsigned int i = u8(in) % MAX_CACHES;
	uint8_t how = u8(in);
	char name[16];
	size_t size, align;
	unsigned int flags;

	if (depth)
		return; /* a cache outlives any transaction */
	if (!caches[i]) {
		size = any_size(in) % 5000;
		align = (how & 0x80) ? (size_t)1 << (u8(in) % 13) : 0;
		flags = (how & 0x40) ? SLAB_DEBUG : 0;
		flags |= (how & 0x20) ? SLAB_HWCACHE_ALIGN : 0;
		snprintf(name, sizeof(name), "fuzz%u", i);
		caches[i] = kmem_cache_create(name, size, align, flags, NULL);
		if (!caches[i])
			return;
		cache_size[i] = size;
		cache_align[i] = align ? align : (size >= 8 ? 8 : 1);
		return;
	}
	if (how & 1) {
		kmem_cache_shrink(caches[i]);
		return;
	}
	if (cache_users((int)i)) {
		CHECK(kmem_cache_destroy(caches[i]) == -MM_EBUSY,
		      "destroy of a busy cache");
		return;
	}
	CHECK(kmem_cache_destroy(caches[i]) == 0, "destroy of an empty cache");
	caches[i] = NULL;
}

static void op_begin(struct in *in)
{
	if (depth >= MM_TXN_MAX_DEPTH) {
		struct mm_txn extra;
		CHECK(mm_txn_begin(&extra) != 0,
		      "txn beyond the maximum depth");
		return;
	}
	CHECK(mm_txn_begin(&txns[depth]) == 0, "mm_txn_begin at depth %u",
	      depth);
	depth++;
}

/* Level d commits: its blocks become the parent's; a deferred free goes
 * through at the outermost commit, or when the parent allocated it. */
static void commit_model(unsigned int d)
{
	for (unsigned int i = 0; i < nblocks;) {
		struct blk *b = &blocks[i];

		if (b->level == d)
			b->level = d - 1;
		if (b->freed == d) {
			if (d == 1 || b->level == d - 1) {
				drop(b);
				continue;
			}
			b->freed = d - 1;
		}
		i++;
	}
}

static void abort_model(unsigned int d)
{
	for (unsigned int i = 0; i < nblocks;) {
		struct blk *b = &blocks[i];

		if (b->level == d) {
			drop(b); /* rolled back */
			continue;
		}
		if (b->freed == d) {
			b->freed = 0;
			check_pattern(b, SIZE_MAX, "restored by abort");
		}
		i++;
	}
}

static void op_end(struct in *in)
{
	uint8_t how = u8(in);

	if (!depth) {
		struct mm_txn none;
		memset(&none, 0, sizeof(none));
		CHECK(((how & 1) ? mm_txn_commit(&none)
				 : mm_txn_abort(&none)) != 0,
		      "ending a transaction never begun");
		return;
	}
	if (how & 1) {
		CHECK(mm_txn_commit(&txns[depth - 1]) == 0,
		      "commit at depth %u", depth);
		commit_model(depth);
	} else {
		CHECK(mm_txn_abort(&txns[depth - 1]) == 0, "abort at depth %u",
		      depth);
		abort_model(depth);
	}
	depth--;
}

static void op_fault(struct in *in)
{
	struct mm_fault_attr a;
	uint8_t how = u8(in);

	if (how & 1) {
		mm_fault_clear();
		return;
	}
	mm_fault_attr_init(&a);
	a.nth = u8(in) & 15;
	a.every = u8(in) & 7;
	a.ppm = (how & 2) ? 1000000 : (uint32_t)u16(in) * 15;
	a.seed = u8(in);
	a.times = (how & 4) ? -1 : (long)(u8(in) & 15);
	a.kinds = (how & 8) ? 0 : u16(in) & ((1u << MM_NR_KINDS) - 1);
	if (how & 16)
		a.min_order = u8(in) & 3;
	mm_fault_set(&a);
}

static void op_mode(struct in *in)
{
	uint8_t how = u8(in);

	if (how & 0x80) {
		kmalloc_set_debug(how & 1);
		return;
	}
	if ((how % 4) == 3)
		CHECK(kmalloc_set_mode((enum kmalloc_mode)(how | 8)) ==
			      -MM_EINVAL,
		      "an unknown mode accepted");
	else
		kmalloc_set_mode((enum kmalloc_mode)(how % 3));
}

static void op_mempool_resize(struct in *in)
{
	int n = (int)(u8(in) % 10) - 1;

	if (depth)
		return; /* reserve elements are not the program's */
	if (n < 1)
		CHECK(mempool_resize(mpool, n) == -MM_EINVAL,
		      "mempool_resize(%d)", n);
	else
		mempool_resize(mpool, n);
}

/* ---- the driver --------------------------------------------------------- */

static void validate(const char *when)
{
	CHECK(mm_validate(), "mm_validate() failed %s", when);
	for (unsigned int i = 0; i < nblocks; i++)
		check_pattern(&blocks[i], SIZE_MAX, when);
}

/* Everything back: transactions aborted (mirrored), blocks freed, the
 * caches destroyed, the defaults restored, every page returned. */
static void reset(void)
{
	while (depth) {
		CHECK(mm_txn_abort(&txns[depth - 1]) == 0, "final abort");
		abort_model(depth);
		depth--;
	}
	mm_fault_clear();
	validate("at the end");
	while (nblocks) {
		struct blk *b = &blocks[nblocks - 1];
		if (b->owner == O_ARENA)
			drop(b);
		else
			free_block(b);
	}
	arena_reset(&arena);
	for (int i = 0; i < MAX_CACHES; i++)
		if (caches[i]) {
			CHECK(kmem_cache_destroy(caches[i]) == 0,
			      "final destroy");
			caches[i] = NULL;
		}
	kmalloc_set_mode(KMALLOC_TWO_TIER);
	kmalloc_set_debug(false);
	/* A new mempool: which objects a reserve holds decides which slabs
	 * stay pinned, so only a fresh reserve gives a fixed page count. */
	mempool_destroy(mpool);
	kmem_cache_shrink(mp_cache);
	mpool = mempool_create_slab_pool(4, mp_cache);
	CHECK(mpool, "mempool_create_slab_pool");
	kmalloc_shrink();
	slab_reclaim();
	drain_all_pages();
	CHECK(mm_validate(), "mm_validate() failed after the final frees");
	CHECK(!base_free || nr_free_pages() == base_free,
	      "pages lost: %lu free, %lu at the start", nr_free_pages(),
	      base_free);
	live_bytes = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	void *heap_mem, *pool_mem;
	int null = open("/dev/null", O_WRONLY);

	if (!getenv("FUZZ_VERBOSE") && null >= 0)
		dup2(null, STDOUT_FILENO); /* the kernel's reports */
	if (host_mm_init(RAM, NCPUS))
		abort();
	heap_mem = kmalloc(HEAP_BYTES, GFP_KERNEL);
	pool_mem = kmalloc(POOL_BLOCK * POOL_NUM + 64, GFP_KERNEL);
	mp_cache = kmem_cache_create("fuzz-mempool", 128, 0, 0, NULL);
	mpool = mp_cache ? mempool_create_slab_pool(4, mp_cache) : NULL;
	dpool = dma_pool_create("fuzz-dma", 96, 32, 0);
	/* Heap and pool start inside their kmalloc blocks, so that a
	 * foreign kfree() of their first block is an interior pointer. */
	if (!heap_mem || !pool_mem || !mpool || !dpool ||
	    k_heap_init(&heap, "fuzz-heap", (char *)heap_mem + 64,
			HEAP_BYTES - 64) ||
	    k_mem_slab_init(&pool, (char *)pool_mem + 64, POOL_BLOCK,
			    POOL_NUM) ||
	    arena_init(&arena, "fuzz-arena", 0, GFP_KERNEL))
		abort();
	/* Visit every mode once so that lazily built state is in the base. */
	for (int m = KMALLOC_NR_MODES - 1; m >= 0; m--) {
		kmalloc_set_mode((enum kmalloc_mode)m);
		kfree(kmalloc(100, GFP_KERNEL));
	}
	reset();
	base_free = nr_free_pages();
	reset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	unsigned int ops = 0;

	seed_next = 0;
	while (in.n) {
		switch (u8(&in) % 20) {
		case 0:
		case 1:
		case 2:
			op_kmalloc(&in);
			break;
		case 3:
			op_cache_alloc(&in);
			break;
		case 4:
			op_pages(&in);
			break;
		case 5:
			op_heap(&in);
			break;
		case 6:
			op_pool(&in);
			break;
		case 7:
			op_mempool(&in);
			break;
		case 8:
			op_arena(&in);
			break;
		case 9:
			op_dma(&in);
			break;
		case 10:
		case 11:
			op_free(&in);
			break;
		case 12:
			op_krealloc(&in);
			break;
		case 13:
			op_heap_realloc(&in);
			break;
		case 14:
			op_bad_free(&in);
			break;
		case 15:
			op_cache(&in);
			break;
		case 16:
			if (u8(&in) & 1)
				op_begin(&in);
			else
				op_end(&in);
			break;
		case 17:
			op_fault(&in);
			break;
		case 18:
			op_mode(&in);
			break;
		default:
			if (u8(&in) & 1)
				op_arena_reset(&in);
			else
				op_mempool_resize(&in);
			break;
		}
		if (++ops % VALIDATE_EVERY == 0)
			validate("during the run");
	}
	reset();
	return 0;
}

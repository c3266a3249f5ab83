// SPDX-License-Identifier: MIT
/*
 * Bad requests no other suite makes (suite bad_input): sizes near SIZE_MAX,
 * counts whose product overflows, alignments that are not a power of two,
 * zero sizes, orders far out of range, unknown gfp bits, and NULL handed to
 * every free function.  Each request is refused -- NULL or an error code,
 * and mm_last_error() says why -- and changes nothing: no page missing, no
 * bad free counted, validators green.  docs/bad-inputs.d/allocators.md
 * lists every row with the suite that proves it.
 */
#include "kernel/ktest.h"
#include "lib/string.h"
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mempool.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"
#include "mm/stats.h"

#define NOWARN (GFP_KERNEL | __GFP_NOWARN)
#define BAD_GFP 0x80u /* the first bit past __GFP_ALL */
#define HUGE_POW2 ((size_t)1 << 63)

/* What a refused request must leave as it was. */
struct snap {
	unsigned long free_pages, bad_frees, corrupt;
};

static struct mm_stats stats_buf;

/*
 * Free pages once every cache has given its empty slabs back: a refused
 * call may leave a slab it grew and emptied again (a descriptor taken,
 * then given back), which is no page missing.
 */
static unsigned long free_now(void)
{
	kmalloc_shrink();
	slab_reclaim();
	return nr_free_pages();
}

static void snap_take(struct snap *s)
{
	mm_stats_get(&stats_buf);
	s->free_pages = free_now();
	s->bad_frees = stats_buf.bad_frees;
	s->corrupt = stats_buf.corrupt;
}

static void expect_unchanged(struct ktest *t, const struct snap *s)
{
	struct snap now;

	snap_take(&now);
	KT_EXPECT_EQ(t, now.free_pages, s->free_pages);
	KT_EXPECT_EQ(t, now.bad_frees, s->bad_frees);
	KT_EXPECT_EQ(t, now.corrupt, s->corrupt);
	KT_EXPECT_TRUE(t, mm_validate());
}

/* call must give NULL with mm_last_error() == err. */
#define EXPECT_REFUSED(t, call, err)                     \
	do {                                             \
		mm_set_error(MM_OK);                     \
		KT_EXPECT_NULL(t, (call));               \
		KT_EXPECT_EQ(t, mm_last_error(), (err)); \
	} while (0)

/* call must return -err with mm_last_error() == err. */
#define EXPECT_RC(t, call, err)                          \
	do {                                             \
		mm_set_error(MM_OK);                     \
		KT_EXPECT_EQ(t, (call), -(long)(err));   \
		KT_EXPECT_EQ(t, mm_last_error(), (err)); \
	} while (0)

static const size_t huge_sizes[] = {
	SIZE_MAX,
	SIZE_MAX - 1,
	SIZE_MAX - 15,
	SIZE_MAX - PAGE_SIZE + 2,
	SIZE_MAX / 2 + 1,
	(size_t)1 << 40,
	KMALLOC_MAX_SIZE + 1, /* keep last: the simple heap can give it */
};
#define NR_HUGE (sizeof(huge_sizes) / sizeof(huge_sizes[0]))

/* Alignments that are not a power of two, or beyond every limit. */
static const size_t bad_aligns[] = {
	3, 6, 24, 48, 1000, PAGE_SIZE + 1, SIZE_MAX, HUGE_POW2, /* last */
};
#define NR_BAD_ALIGN (sizeof(bad_aligns) / sizeof(bad_aligns[0]))

/* Count pairs whose product does not fit a size_t (2^64 wraps to 0). */
static const size_t overflow_pairs[][2] = {
	{SIZE_MAX, 2},		 {2, SIZE_MAX},
	{SIZE_MAX, SIZE_MAX},	 {(size_t)1 << 32, (size_t)1 << 32},
	{SIZE_MAX / 16 + 1, 16}, {HUGE_POW2, 2},
};
#define NR_OVERFLOW (sizeof(overflow_pairs) / sizeof(overflow_pairs[0]))

/* ---- kmalloc --------------------------------------------------------------- */

/*
 * Sizes near SIZE_MAX in the current mode and debug setting: ENOMEM,
 * nothing taken.  The last size (one byte past the page path's largest
 * block) fits the simple heap, so only the two-tier mode must refuse it.
 * With debug on, the 4 MiB alignment is left to
 * test_kmalloc_debug_max_align (it corrupts memory).
 */
static void kmalloc_huge_in_mode(struct ktest *t, bool two_tier, bool debug)
{
	for (unsigned int i = 0; i < NR_HUGE - !two_tier; i++) {
		size_t n = huge_sizes[i];

		EXPECT_REFUSED(t, kmalloc(n, NOWARN), MM_ENOMEM);
		EXPECT_REFUSED(t, kzalloc(n, NOWARN), MM_ENOMEM);
		EXPECT_REFUSED(t, kcalloc(1, n, NOWARN), MM_ENOMEM);
		EXPECT_REFUSED(t, kmalloc_aligned(n, 64, NOWARN), MM_ENOMEM);
		if (!debug)
			EXPECT_REFUSED(
				t,
				kmalloc_aligned(n, KMALLOC_MAX_ALIGN, NOWARN),
				MM_ENOMEM);
		EXPECT_REFUSED(t, krealloc(NULL, n, NOWARN), MM_ENOMEM);
	}
}

/* Every mode, debug off and on; the setting is restored. */
static void test_kmalloc_huge_sizes(struct ktest *t)
{
	enum kmalloc_mode saved = kmalloc_get_mode();
	bool saved_debug = kmalloc_get_debug();
	struct snap s;

	snap_take(&s);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++) {
		if (kmalloc_set_mode((enum kmalloc_mode)m))
			continue; /* this mode is not available */
		for (int d = 0; d < 2; d++) {
			kmalloc_set_debug(d);
			kmalloc_huge_in_mode(t, m == KMALLOC_TWO_TIER, d);
		}
	}
	kmalloc_set_mode(saved);
	kmalloc_set_debug(saved_debug);
	expect_unchanged(t, &s);
}

/*
 * Debug mode and the largest alignment (4 MiB): a block's leading red zone
 * is one alignment long, and must be dropped when it cannot fit, without
 * KMALLOC_MAX_SIZE - lead - KM_RZ wrapping (it once did: the huge request
 * then took a 4 MiB block and memset SIZE_MAX - 15 bytes from its end, and
 * the 8-byte one was refused).
 */
static void test_kmalloc_debug_max_align(struct ktest *t)
{
	enum kmalloc_mode saved = kmalloc_get_mode();
	bool saved_debug = kmalloc_get_debug();
	void *p, *q;

	if (kmalloc_set_mode(KMALLOC_TWO_TIER))
		ktest_skip(t, "no two-tier mode");
	kmalloc_set_debug(true);
	mm_set_error(MM_OK);
	q = kmalloc_aligned(SIZE_MAX - 15, KMALLOC_MAX_ALIGN, NOWARN);
	KT_EXPECT_NULL(t, q);
	KT_EXPECT_NE(t, mm_last_error(), MM_OK);
	p = kmalloc_aligned(8, KMALLOC_MAX_ALIGN, NOWARN);
	KT_EXPECT_NOT_NULL(t, p);
	KT_EXPECT_EQ(t, (uintptr_t)p % KMALLOC_MAX_ALIGN, 0);
	kfree(p);
	kfree(q);
	kmalloc_shrink();
	kmalloc_set_mode(saved);
	kmalloc_set_debug(saved_debug);
}

static void test_kcalloc_overflow(struct ktest *t)
{
	struct snap s;

	snap_take(&s);
	for (unsigned int i = 0; i < NR_OVERFLOW; i++)
		EXPECT_REFUSED(t,
			       kcalloc(overflow_pairs[i][0],
				       overflow_pairs[i][1], NOWARN),
			       MM_EINVAL);
	expect_unchanged(t, &s);
}

/* A failed krealloc leaves the block, its size and its bytes alone. */
static void test_krealloc_huge(struct ktest *t)
{
	unsigned int two_tier_less = kmalloc_get_mode() != KMALLOC_TWO_TIER;
	unsigned char *p = kmalloc(100, GFP_KERNEL);
	size_t usable;
	struct snap s;

	KT_ASSERT_NOT_NULL(t, p);
	memset(p, 0x3e, 100);
	usable = ksize(p);
	snap_take(&s);
	for (unsigned int i = 0; i < NR_HUGE - two_tier_less; i++)
		EXPECT_REFUSED(t, krealloc(p, huge_sizes[i], NOWARN),
			       MM_ENOMEM);
	EXPECT_REFUSED(t, krealloc(p, 9000, BAD_GFP), MM_EINVAL); /* moves */
	expect_unchanged(t, &s);
	KT_EXPECT_EQ(t, ksize(p), usable);
	KT_EXPECT_TRUE(t, mem_is_filled(p, 0x3e, 100));
	kfree(p);
}

/*
 * Unknown gfp bits are refused even when krealloc() could resize in place
 * (kmalloc() refuses them with MM_EINVAL; a resize is a request too).
 */
static void test_krealloc_in_place_unknown_gfp(struct ktest *t)
{
	unsigned char *p = kmalloc(100, GFP_KERNEL), *q;

	KT_ASSERT_NOT_NULL(t, p);
	mm_set_error(MM_OK);
	q = krealloc(p, 50, BAD_GFP);
	KT_EXPECT_NULL(t, q);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	mm_set_error(MM_OK);
	q = krealloc(p, ksize(p) + 1, BAD_GFP);
	KT_EXPECT_NULL(t, q);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	kfree(p);
}

static void test_kmalloc_aligned_bad(struct ktest *t)
{
	static const size_t sizes[] = {0, 8, 5000};
	struct snap s;

	snap_take(&s);
	for (unsigned int i = 0; i < NR_BAD_ALIGN; i++)
		for (unsigned int j = 0; j < 3; j++)
			EXPECT_REFUSED(t,
				       kmalloc_aligned(sizes[j], bad_aligns[i],
						       NOWARN),
				       MM_EINVAL);
	expect_unchanged(t, &s);
}

static void test_kmalloc_unknown_gfp(struct ktest *t)
{
	static const gfp_t bad[] = {BAD_GFP, 0x100, 0x80000000u};
	struct snap s;

	snap_take(&s);
	for (unsigned int i = 0; i < 3; i++) {
		gfp_t g = bad[i] | GFP_KERNEL;

		EXPECT_REFUSED(t, kmalloc(64, g), MM_EINVAL);
		EXPECT_REFUSED(t, kmalloc(9000, g), MM_EINVAL);
		EXPECT_REFUSED(t, kzalloc(64, g), MM_EINVAL);
		EXPECT_REFUSED(t, kcalloc(4, 16, g), MM_EINVAL);
		EXPECT_REFUSED(t, kmalloc_aligned(64, 64, g), MM_EINVAL);
		EXPECT_REFUSED(t, krealloc(NULL, 64, g), MM_EINVAL);
	}
	expect_unchanged(t, &s);
}

/* ---- pages ------------------------------------------------------------------ */

static void test_alloc_pages_orders(struct ktest *t)
{
	static const unsigned int orders[] = {
		MAX_ORDER + 1, 31, 32, 63, 64, 200, UINT32_MAX};
	struct page *pg = alloc_pages(GFP_KERNEL, 0);
	struct snap s;

	KT_ASSERT_NOT_NULL(t, pg);
	snap_take(&s);
	for (unsigned int i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		EXPECT_REFUSED(t, alloc_pages(NOWARN, orders[i]), MM_EINVAL);
		EXPECT_REFUSED(t, alloc_pages_addr(NOWARN, orders[i]),
			       MM_EINVAL);
	}
	EXPECT_REFUSED(t, alloc_pages(BAD_GFP | __GFP_NOWARN, 0), MM_EINVAL);
	expect_unchanged(t, &s);
	/* An order far out of range to free_pages(): refused as bad order. */
	mm_set_error(MM_OK);
	free_pages(pg, UINT32_MAX);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_EQ(t, nr_free_pages(), s.free_pages);
	KT_EXPECT_TRUE(t, (pg->flags & PG_head) && pg->order == 0);
	free_pages(pg, 0);
}

/* ---- slab ------------------------------------------------------------------- */

static void test_cache_create_bad(struct ktest *t)
{
	static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 7, HUGE_POW2,
				       KMALLOC_MAX_SIZE + 1};
	struct snap s;

	snap_take(&s);
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_REFUSED(t, kmem_cache_create("bi", sizes[i], 0, 0, NULL),
			       MM_EINVAL);
	for (unsigned int i = 0; i < NR_BAD_ALIGN; i++)
		EXPECT_REFUSED(
			t, kmem_cache_create("bi", 64, bad_aligns[i], 0, NULL),
			MM_EINVAL);
	EXPECT_RC(t, kmem_cache_destroy(NULL), MM_EINVAL);
	expect_unchanged(t, &s);
}

/* ---- the TLSF heap ------------------------------------------------------------- */

#define HEAP_ORDER 4

static void test_heap_bad_requests(struct ktest *t)
{
	struct page *pg = alloc_pages(GFP_KERNEL, HEAP_ORDER);
	struct k_heap_stats a, b;
	static struct k_heap h;
	unsigned char *p;
	struct snap s;

	KT_ASSERT_NOT_NULL(t, pg);
	if (k_heap_init(&h, "bad_input", page_address(pg),
			PAGE_SIZE << HEAP_ORDER)) {
		free_pages(pg, HEAP_ORDER);
		KT_ASSERT_TRUE(t, false);
	}
	p = k_heap_alloc(&h, 100, K_NO_WAIT);
	KT_EXPECT_NOT_NULL(t, p);
	if (p)
		memset(p, 0x6d, 100);
	k_heap_stats_get(&h, &a);
	snap_take(&s);
	/* Beyond what a TLSF index can describe: EINVAL.  The last size
	 * (4 MiB + 1) can be described, but not held: ENOMEM. */
	for (unsigned int i = 0; i < NR_HUGE; i++) {
		size_t n = huge_sizes[i];
		enum mm_error e = i < NR_HUGE - 1 ? MM_EINVAL : MM_ENOMEM;

		EXPECT_REFUSED(t, k_heap_alloc(&h, n, K_NO_WAIT), e);
		EXPECT_REFUSED(t, k_heap_aligned_alloc(&h, 64, n, K_NO_WAIT),
			       e);
		if (p)
			EXPECT_REFUSED(t, k_heap_realloc(&h, p, n, K_NO_WAIT),
				       e);
	}
	/* A power of two larger than the heap: valid, but nothing fits. */
	EXPECT_REFUSED(t, k_heap_aligned_alloc(&h, HUGE_POW2, 16, K_NO_WAIT),
		       MM_ENOMEM);
	for (unsigned int i = 0; i < NR_BAD_ALIGN - 1; i++) /* not HUGE_POW2 */
		EXPECT_REFUSED(
			t,
			k_heap_aligned_alloc(&h, bad_aligns[i], 16, K_NO_WAIT),
			MM_EINVAL);
	for (unsigned int i = 0; i < NR_OVERFLOW; i++)
		EXPECT_REFUSED(t,
			       k_heap_calloc(&h, overflow_pairs[i][0],
					     overflow_pairs[i][1], K_NO_WAIT),
			       MM_EINVAL);
	/* Zero bytes, however asked. */
	EXPECT_REFUSED(t, k_heap_alloc(&h, 0, K_NO_WAIT), MM_EINVAL);
	EXPECT_REFUSED(t, k_heap_aligned_alloc(&h, 64, 0, K_NO_WAIT),
		       MM_EINVAL);
	EXPECT_REFUSED(t, k_heap_calloc(&h, 0, 8, K_NO_WAIT), MM_EINVAL);
	EXPECT_REFUSED(t, k_heap_calloc(&h, 8, 0, K_NO_WAIT), MM_EINVAL);
	/* NULL to the free function: nothing, not an error. */
	mm_set_error(MM_OK);
	k_heap_free(&h, NULL);
	KT_EXPECT_EQ(t, mm_last_error(), MM_OK);
	k_heap_stats_get(&h, &b);
	KT_EXPECT_EQ(t, b.nr_alloc, a.nr_alloc);
	KT_EXPECT_EQ(t, b.nr_free, a.nr_free);
	KT_EXPECT_EQ(t, b.nr_bad_free, a.nr_bad_free);
	KT_EXPECT_EQ(t, b.allocated_bytes, a.allocated_bytes);
	KT_EXPECT_EQ(t, b.used_blocks, a.used_blocks);
	KT_EXPECT_TRUE(t, k_heap_validate(&h));
	expect_unchanged(t, &s);
	if (p) {
		KT_EXPECT_TRUE(t, mem_is_filled(p, 0x6d, 100));
		k_heap_free(&h, p);
	}
	k_heap_remove(&h);
	free_pages(pg, HEAP_ORDER);
}

/* ---- arenas ------------------------------------------------------------------ */

static void test_arena_bad_requests(struct ktest *t)
{
	static struct arena ar;
	struct arena_stats st;
	struct snap s;

	KT_ASSERT_EQ(t, arena_init(&ar, "bad_input", 0, GFP_KERNEL), 0);
	snap_take(&s);
	for (unsigned int i = 0; i < NR_HUGE; i++) {
		EXPECT_REFUSED(t, arena_alloc(&ar, huge_sizes[i], 0),
			       MM_EINVAL);
		EXPECT_REFUSED(t, arena_alloc(&ar, huge_sizes[i], 8),
			       MM_EINVAL);
	}
	for (unsigned int i = 0; i < NR_BAD_ALIGN; i++)
		EXPECT_REFUSED(t, arena_alloc(&ar, 8, bad_aligns[i]),
			       MM_EINVAL);
	for (unsigned int i = 0; i < NR_OVERFLOW; i++)
		EXPECT_REFUSED(t,
			       arena_calloc(&ar, overflow_pairs[i][0],
					    overflow_pairs[i][1]),
			       MM_EINVAL);
	EXPECT_REFUSED(t, arena_calloc(&ar, 0, 8), MM_EINVAL);
	EXPECT_REFUSED(t, arena_calloc(&ar, 8, 0), MM_EINVAL);
	EXPECT_RC(t, arena_init(&ar, "bad_input", UINT32_MAX, GFP_KERNEL),
		  MM_EINVAL);
	arena_stats_get(&ar, &st);
	KT_EXPECT_EQ(t, st.nr_alloc, 0);
	KT_EXPECT_EQ(t, st.chunks, 0);
	KT_EXPECT_EQ(t, st.pages, 0);
	KT_EXPECT_EQ(t, st.used, 0);
	KT_EXPECT_TRUE(t, arena_validate(&ar));
	expect_unchanged(t, &s);
	arena_destroy(&ar);
}

/* ---- DMA --------------------------------------------------------------------- */

static void test_dma_bad_requests(struct ktest *t)
{
	struct dma_stats a, b;
	struct dma_pool *p;
	dma_addr_t d = 0;
	struct snap s;

	p = dma_pool_create("bad_input", 64, 64, 0);
	KT_ASSERT_NOT_NULL(t, p);
	dma_stats_get(&a);
	snap_take(&s);
	for (unsigned int i = 0; i < NR_HUGE; i++)
		EXPECT_REFUSED(t, dma_alloc(huge_sizes[i], &d, NOWARN),
			       MM_EINVAL);
	EXPECT_REFUSED(t, dma_alloc(64, &d, GFP_KERNEL | BAD_GFP), MM_EINVAL);
	EXPECT_REFUSED(t, dma_pool_alloc(p, GFP_KERNEL | BAD_GFP, &d),
		       MM_EINVAL);
	for (unsigned int i = 0; i < NR_HUGE; i++)
		EXPECT_REFUSED(t, dma_pool_create("x", huge_sizes[i], 8, 0),
			       MM_EINVAL);
	for (unsigned int i = 0; i < NR_BAD_ALIGN; i++)
		EXPECT_REFUSED(t, dma_pool_create("x", 64, bad_aligns[i], 0),
			       MM_EINVAL);
	EXPECT_REFUSED(t, dma_pool_create("x", 64, 8, SIZE_MAX), MM_EINVAL);
	dma_stats_get(&b);
	KT_EXPECT_EQ(t, b.nr_alloc, a.nr_alloc);
	KT_EXPECT_EQ(t, b.buffers, a.buffers);
	KT_EXPECT_EQ(t, b.pools, a.pools);
	KT_EXPECT_EQ(t, b.chunks, a.chunks);
	KT_EXPECT_TRUE(t, dma_validate());
	expect_unchanged(t, &s);
	KT_EXPECT_EQ(t, dma_pool_destroy(p), 0);
}

/* ---- pools and mempools -------------------------------------------------------- */

static void test_pool_init_bad(struct ktest *t)
{
	static unsigned long buf[32];
	struct k_mem_slab ms;
	struct snap s;

	snap_take(&s);
	EXPECT_RC(t, k_mem_slab_init(&ms, buf, 0, 4), MM_EINVAL);
	EXPECT_RC(t, k_mem_slab_init(&ms, buf, (size_t)1 << 60, 16), MM_EINVAL);
	EXPECT_RC(t, k_mem_slab_init(&ms, buf, SIZE_MAX - 7, 2), MM_EINVAL);
	EXPECT_RC(t, k_mem_slab_init(&ms, buf, 24, 0), MM_EINVAL);
	/* A buffer whose end would wrap past the top of the address space. */
	EXPECT_RC(t,
		  k_mem_slab_init(&ms, (void *)(UINTPTR_MAX - 63), 16,
				  UINT32_MAX),
		  MM_EINVAL);
	KT_EXPECT_TRUE(t, pool_validate());
	expect_unchanged(t, &s);
}

static void *mp_alloc(gfp_t gfp, void *data)
{
	return kmalloc(32, gfp);
}

static void mp_free(void *e, void *data)
{
	kfree(e);
}

static void test_mempool_bad(struct ktest *t)
{
	static const int bad_min[] = {0, -1, -1000, INT32_MIN};
	struct mempool_stats a, b;
	mempool_t *pool;
	struct snap s;

	snap_take(&s);
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_REFUSED(
			t, mempool_create(bad_min[i], mp_alloc, mp_free, NULL),
			MM_EINVAL);
	EXPECT_REFUSED(t, mempool_create(1, NULL, mp_free, NULL), MM_EINVAL);
	EXPECT_REFUSED(t, mempool_create(1, mp_alloc, NULL, NULL), MM_EINVAL);
	/* More slots than the largest block holds. */
	EXPECT_REFUSED(t, mempool_create(INT32_MAX, mp_alloc, mp_free, NULL),
		       MM_EINVAL);
	/* Elements the page allocator can never give. */
	mm_set_error(MM_OK);
	KT_EXPECT_NULL(t, mempool_create_page_pool(1, MAX_ORDER));
	KT_EXPECT_NE(t, mm_last_error(), MM_OK);
	mm_set_error(MM_OK);
	KT_EXPECT_NULL(t, mempool_create_page_pool(1, UINT32_MAX));
	KT_EXPECT_NE(t, mm_last_error(), MM_OK);
	expect_unchanged(t, &s);

	pool = mempool_create(2, mp_alloc, mp_free, NULL);
	KT_ASSERT_NOT_NULL(t, pool);
	mempool_stats_get(pool, &a);
	snap_take(&s);
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_RC(t, mempool_resize(pool, bad_min[i]), MM_EINVAL);
	/* More slots than the largest block holds: the return value and
	 * mm_last_error() agree (they once said ENOMEM and EINVAL). */
	EXPECT_RC(t, mempool_resize(pool, INT32_MAX), MM_EINVAL);
	mempool_stats_get(pool, &b);
	KT_EXPECT_EQ(t, b.min_nr, a.min_nr);
	KT_EXPECT_EQ(t, b.curr_nr, a.curr_nr);
	KT_EXPECT_TRUE(t, mempool_validate(pool));
	expect_unchanged(t, &s);
	mempool_destroy(pool);
}

/*
 * mempool_alloc() with gfp bits no allocator knows: the backing allocator
 * refuses them (MM_EINVAL), and the pool must not hand out its reserve for
 * a request that was never valid.
 */
static void test_mempool_unknown_gfp(struct ktest *t)
{
	mempool_t *pool = mempool_create(2, mp_alloc, mp_free, NULL);
	struct mempool_stats a, b;
	void *e;

	KT_ASSERT_NOT_NULL(t, pool);
	mempool_stats_get(pool, &a);
	mm_set_error(MM_OK);
	e = mempool_alloc(pool, GFP_KERNEL | BAD_GFP);
	mempool_stats_get(pool, &b);
	KT_EXPECT_NULL(t, e);
	if (e)
		mempool_free(e, pool);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_EQ(t, b.curr_nr, a.curr_nr);
	mempool_destroy(pool);
}

/* ---- NULL to every free function ---------------------------------------------- */

struct null_ctx {
	struct kmem_cache *cache;
	struct dma_pool *dpool;
	mempool_t *mpool;
	struct k_mem_slab ms;
};

static void null_frees(struct ktest *t, struct null_ctx *c)
{
	mm_set_error(MM_OK);
	kfree(NULL);
	kmem_cache_free(c->cache, NULL);
	free_pages(NULL, 0);
	free_pages(NULL, 3);
	dma_free(NULL, PAGE_SIZE, 0);
	dma_pool_free(c->dpool, NULL, 0);
	mempool_free(NULL, c->mpool);
	k_mem_slab_free(&c->ms, NULL);
	KT_EXPECT_EQ(t, mm_last_error(), MM_OK);
	KT_EXPECT_EQ(t, ksize(NULL), 0);
	KT_EXPECT_EQ(t, dma_pool_destroy(NULL), 0);
	mempool_destroy(NULL);
	KT_EXPECT_EQ(t, mm_last_error(), MM_OK);
}

static void test_null_frees(struct ktest *t)
{
	static unsigned long buf[16];
	static struct null_ctx c;
	struct snap s;

	memset(&c, 0, sizeof(c));
	c.cache = kmem_cache_create("bad_input", 40, 0, 0, NULL);
	c.dpool = dma_pool_create("bad_input", 32, 0, 0);
	c.mpool = mempool_create(1, mp_alloc, mp_free, NULL);
	if (!c.cache || !c.dpool || !c.mpool ||
	    k_mem_slab_init(&c.ms, buf, 16, 8)) {
		ktest_fail(t, __FILE__, __LINE__, "setup failed");
	} else {
		snap_take(&s);
		null_frees(t, &c);
		KT_EXPECT_TRUE(t, k_mem_slab_validate(&c.ms));
		expect_unchanged(t, &s);
	}
	k_mem_slab_remove(&c.ms);
	mempool_destroy(c.mpool);
	dma_pool_destroy(c.dpool);
	if (c.cache)
		KT_EXPECT_EQ(t, kmem_cache_destroy(c.cache), 0);
}

static const struct ktest_case bad_input_cases[] = {
	KTEST_CASE(test_kmalloc_huge_sizes),
	KTEST_CASE(test_kmalloc_debug_max_align),
	KTEST_CASE(test_kcalloc_overflow),
	KTEST_CASE(test_krealloc_huge),
	KTEST_CASE(test_krealloc_in_place_unknown_gfp),
	KTEST_CASE(test_kmalloc_aligned_bad),
	KTEST_CASE(test_kmalloc_unknown_gfp),
	KTEST_CASE(test_alloc_pages_orders),
	KTEST_CASE(test_cache_create_bad),
	KTEST_CASE(test_heap_bad_requests),
	KTEST_CASE(test_arena_bad_requests),
	KTEST_CASE(test_dma_bad_requests),
	KTEST_CASE(test_pool_init_bad),
	KTEST_CASE(test_mempool_bad),
	KTEST_CASE(test_mempool_unknown_gfp),
	KTEST_CASE(test_null_frees),
	KTEST_END,
};
KTEST_SUITE(bad_input, bad_input_cases);

/* SPDX-License-Identifier: MIT */
/*
 * Health over every allocator (suite mm_health_allocs): a refused free of
 * each kind (pages, a cache, kfree of a class object, of a foreign
 * pointer, a TLSF heap) counts exactly once in the verdict; a kmalloc
 * debug red-zone overwrite is corruption (critical); the kmalloc and heap
 * totals of struct mm_stats follow random work exactly; and the slab
 * cross-check of mm_stats_validate() catches a cache counter made to lie.
 */
#include "kernel/ktest.h"
#include "lib/printk.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/dma.h"
#include "mm/heap.h"
#include "mm/pool.h"
#include "mm/stats.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/slab_internal.h"
#include "tests/kernel/kt_cleanup.h"

static char cap[8192];
static enum kmalloc_mode saved_mode;
static bool saved_debug;

static bool has(const char *s)
{
	return strstr(cap, s) != NULL;
}

static void cap_start(struct ktest *t)
{
	KT_ASSERT_TRUE(t, kt_capture(t, cap, sizeof(cap)));
}

/* Bad frees counted by mm_stats and by the verdict since the baseline. */
static unsigned long stats_bad_frees(void)
{
	static struct mm_stats st;

	mm_stats_get(&st);
	return st.bad_frees;
}

/* One refused free, done by bad(): both counts must rise by one. */
static void expect_once(struct ktest *t, const char *what,
			void (*bad)(void *arg), void *arg)
{
	unsigned long before = stats_bad_frees(), after;

	cap_start(t);
	bad(arg);
	kt_capture_stop(t);
	after = stats_bad_frees();
	if (after != before + 1)
		ktest_fail(t, __FILE__, __LINE__,
			   "%s: bad frees %lu -> %lu (want +1)", what, before,
			   after);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
}

static void bad_kfree(void *p)
{
	kfree(p);
}

static void bad_pages(void *pg)
{
	free_pages(pg, 0);
}

static struct kmem_cache *bad_cache;
static void bad_cache_free(void *obj)
{
	kmem_cache_free(bad_cache, obj);
}

static struct k_heap bad_heap;
static void bad_heap_free(void *p)
{
	k_heap_free(&bad_heap, p);
}

static void test_bad_frees_counted_once(struct ktest *t)
{
	struct page *pg = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 0), 0);
	void *k = kt_kfree_at_end(t, kmalloc(64, GFP_KERNEL));
	void *big = kt_kfree_at_end(
		t, kmalloc(KMALLOC_MAX_CACHE_SIZE + 9000, GFP_KERNEL));
	struct page *hp;
	void *obj, *hb;
	long local = 0;
	struct mm_health h;

	KT_ASSERT_NOT_NULL(t, pg);
	KT_ASSERT_NOT_NULL(t, k);
	KT_ASSERT_NOT_NULL(t, big);
	bad_cache = kmem_cache_create("health-bad", 48, 0, 0, NULL);
	KT_ASSERT_NOT_NULL(t, kt_cache_at_end(t, bad_cache));
	obj = kmem_cache_alloc(bad_cache, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, obj);
	ktest_add_action_or_reset(t, bad_cache_free, obj);
	hp = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 2), 2);
	KT_ASSERT_NOT_NULL(t, hp);
	KT_ASSERT_EQ(t,
		     k_heap_init(&bad_heap, "health-bad", page_address(hp),
				 4 * PAGE_SIZE),
		     0);
	kt_heap_at_end(t, &bad_heap);
	hb = k_heap_alloc(&bad_heap, 100, K_NO_WAIT);
	KT_ASSERT_NOT_NULL(t, hb);
	ktest_add_action_or_reset(t, bad_heap_free, hb);
	mm_health_acknowledge("mm_health_allocs test start");

	kt_release_pages(t, pg, 0);
	expect_once(t, "free_pages twice", bad_pages, pg);
	kt_release_kfree(t, k); /* the slab refuses the second one: once */
	expect_once(t, "kfree of a class object twice", bad_kfree, k);
	kt_release_kfree(t, big);
	expect_once(t, "kfree of a large block twice", bad_kfree, big);
	expect_once(t, "kfree of a stack address", bad_kfree, &local);
	ktest_release_action(t, bad_cache_free, obj);
	expect_once(t, "kmem_cache_free twice", bad_cache_free, obj);
	ktest_release_action(t, bad_heap_free, hb);
	expect_once(t, "k_heap_free twice", bad_heap_free, hb);

	cap_start(t);
	mm_health_get(&h);
	kt_capture_stop(t);
	KT_EXPECT_EQ(t, h.bad_frees, 6);
	KT_EXPECT_EQ(t, h.subject[MM_SUBJ_ALLOCATORS], MM_DEGRADED);
	KT_EXPECT_TRUE(t, has("mm: allocators healthy → degraded: 6 bad "
			      "frees refused ("));
	/* a removed heap takes its count along: never below the baseline */
	kt_release_heap(t, &bad_heap);
	kt_release_pages(t, hp, 2);
	kt_release_cache(t, bad_cache);
	mm_health_get(&h);
	KT_EXPECT_EQ(t, h.bad_frees, 5);
	cap_start(t);
	mm_health_acknowledge("the bad frees above");
	kt_capture_stop(t);
	KT_EXPECT_TRUE(t, has("mm: allocators degraded → healthy: no reason "
			      "left\n"));
}

/* A 1-byte overflow of a debug kmalloc block is corruption: critical. */
static void test_kmalloc_corruption_is_critical(struct ktest *t)
{
	bool was = kmalloc_set_debug(true);
	unsigned char *p = kmalloc(13, GFP_KERNEL);
	struct mm_health h;

	kmalloc_set_debug(was);
	KT_ASSERT_NOT_NULL(t, kt_kfree_at_end(t, p));
	mm_health_acknowledge("mm_health_allocs test start");
	p[13] = 0x41; /* the bug: one byte past the 13 asked for */
	cap_start(t);
	kt_release_kfree(t, p);
	kmalloc_shrink();
	mm_health_get(&h);
	kt_capture_stop(t);
	KT_EXPECT_EQ(t, h.corrupt, 1);
	KT_EXPECT_EQ(t, h.subject[MM_SUBJ_ALLOCATORS], MM_CRITICAL);
	KT_EXPECT_TRUE(t, has("red zone"));
	KT_EXPECT_TRUE(t, has("mm: allocators healthy → critical: corruption: "
			      "1 report from the allocators' checks"));
	cap_start(t);
	mm_health_acknowledge("the overflow above");
	kt_capture_stop(t);
	KT_EXPECT_TRUE(t, has("mm: allocators critical → healthy: no reason "
			      "left\n"));
}

/* ---- totals against random work ------------------------------------------------ */

#define LIVE_MAX 200

struct km_expect {
	long live;
	unsigned long allocs, frees, req, given;
};

static void check_kmalloc_totals(struct ktest *t, const struct mm_stats *a,
				 const struct km_expect *e)
{
	static struct mm_stats b;

	mm_stats_get(&b);
	KT_ASSERT_EQ(t, (long)(b.kmalloc_live - a->kmalloc_live), e->live);
	KT_ASSERT_EQ(t, b.kmalloc_allocs - a->kmalloc_allocs, e->allocs);
	KT_ASSERT_EQ(t, b.kmalloc_frees - a->kmalloc_frees, e->frees);
	KT_ASSERT_EQ(t, b.kmalloc_bytes_req - a->kmalloc_bytes_req, e->req);
	KT_ASSERT_EQ(t, b.kmalloc_bytes_given - a->kmalloc_bytes_given,
		     e->given);
	KT_ASSERT_EQ(t, b.kmalloc_fails, a->kmalloc_fails);
}

static size_t random_size(struct prng *r)
{
	switch (prng_below(r, 8)) {
	case 0:
		return (size_t)prng_below(r, 3); /* 0, 1, 2 */
	case 1:
		return 4097 + (size_t)prng_below(r, 20000); /* pages */
	default:
		return 1 + (size_t)prng_below(r, 4096);
	}
}

static void test_kmalloc_totals_agree(struct ktest *t)
{
	static void *live[LIVE_MAX];
	static struct kt_kfree_array all = {live, LIVE_MAX};
	static struct mm_stats a;
	struct km_expect e = {0};
	unsigned int n = 0;
	struct prng r;

	kt_kfree_array_at_end(t, &all);
	mm_stats_get(&a);
	prng_seed(&r, 0x4ea1b);
	for (unsigned int i = 0; i < 4000; i++) {
		if (n && (n == LIVE_MAX || prng_below(&r, 2))) {
			unsigned int j = (unsigned int)prng_below(&r, n);

			kfree(live[j]);
			live[j] = live[--n];
			live[n] = NULL;
			e.live--;
			e.frees++;
		} else {
			size_t size = random_size(&r);
			void *p = kmalloc(size, GFP_KERNEL);

			KT_ASSERT_NOT_NULL(t, p);
			live[n++] = p;
			e.live++;
			e.allocs++;
			e.req += size;
			e.given += ksize(p);
		}
		if (i % 500 == 499)
			check_kmalloc_totals(t, &a, &e);
	}
	while (n) {
		kfree(live[--n]);
		live[n] = NULL;
		e.live--;
		e.frees++;
	}
	check_kmalloc_totals(t, &a, &e);
	ktest_log(t,
		  "4000 operations: %lu allocations, %lu bytes asked, "
		  "%lu handed out",
		  e.allocs, e.req, e.given);
}

static void test_heap_totals_agree(struct ktest *t)
{
	static struct mm_stats a, b;
	struct page *pg = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 4), 4);
	static void *live[LIVE_MAX];
	struct k_heap_stats hs;
	static struct k_heap heap;
	unsigned int n = 0;
	struct prng r;

	KT_ASSERT_NOT_NULL(t, pg);
	mm_stats_get(&a);
	KT_ASSERT_EQ(t,
		     k_heap_init(&heap, "health-totals", page_address(pg),
				 PAGE_SIZE << 4),
		     0);
	kt_heap_at_end(t, &heap);
	prng_seed(&r, 0x4ea1c);
	for (unsigned int i = 0; i < 3000; i++) {
		if (n && (n == LIVE_MAX || prng_below(&r, 2))) {
			unsigned int j = (unsigned int)prng_below(&r, n);

			k_heap_free(&heap, live[j]);
			live[j] = live[--n];
		} else {
			void *p = k_heap_alloc(&heap,
					       1 + (size_t)prng_below(&r, 600),
					       K_NO_WAIT);

			if (p)
				live[n++] = p;
		}
	}
	mm_stats_get(&b);
	k_heap_stats_get(&heap, &hs);
	KT_EXPECT_EQ(t, b.nr_heaps, a.nr_heaps + 1);
	KT_EXPECT_EQ(t, b.heap_used - a.heap_used, hs.allocated_bytes);
	KT_EXPECT_EQ(t, b.heap_free - a.heap_free, hs.free_bytes);
	KT_EXPECT_EQ(t, b.heap_allocs - a.heap_allocs, hs.nr_alloc);
	KT_EXPECT_EQ(t, b.heap_frees - a.heap_frees, hs.nr_free);
	KT_EXPECT_EQ(t, b.heap_fails - a.heap_fails, hs.nr_fail);
	KT_EXPECT_EQ(t, b.heap_bytes - a.heap_bytes,
		     (unsigned long)(heap.hp_end - heap.hp_start));
	while (n)
		k_heap_free(&heap, live[--n]);
	kt_release_heap(t, &heap);
	kt_release_pages(t, pg, 4);
	mm_stats_get(&b);
	KT_EXPECT_EQ(t, b.nr_heaps, a.nr_heaps);
}

/* ---- the slab cross-check -------------------------------------------------------- */

static void *lie_objs[20];

/* Cleanup action: the objects test_slab_counter_lie_caught holds. */
static void free_lie_objs(void *cache)
{
	for (unsigned int i = 0; i < 20; i++)
		if (lie_objs[i])
			kmem_cache_free(cache, lie_objs[i]);
}

static void test_slab_counter_lie_caught(struct ktest *t)
{
	struct kmem_cache *c = kmem_cache_create("health-lie", 100, 0, 0, NULL);
	void **objs = lie_objs;
	unsigned long flags;
	bool ok;

	KT_ASSERT_NOT_NULL(t, kt_cache_at_end(t, c));
	memset(lie_objs, 0, sizeof(lie_objs));
	ktest_add_action_or_reset(t, free_lie_objs, c);
	for (unsigned int i = 0; i < 20; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, objs[i]);
	}
	KT_EXPECT_TRUE(t, mm_stats_validate());
	flags = slab_lock_all(c);
	c->kc_nr_grow++; /* claims one slab more than the lists hold */
	slab_unlock_all(c, flags);
	cap_start(t);
	ok = mm_stats_validate();
	kt_capture_stop(t);
	flags = slab_lock_all(c);
	c->kc_nr_grow--;
	slab_unlock_all(c, flags);
	KT_EXPECT_FALSE(t, ok);
	KT_EXPECT_TRUE(t, has("mm_stats_validate: cache health-lie: "));
	KT_EXPECT_TRUE(t, mm_stats_validate());
	ktest_release_action(t, free_lie_objs, c);
	kt_release_cache(t, c);
}

static void remove_pool(void *pool)
{
	k_mem_slab_remove(pool);
}

static struct {
	void *v;
	dma_addr_t bus;
} held_dma;

static void free_held_dma(void *arg)
{
	dma_free(held_dma.v, PAGE_SIZE, held_dma.bus);
}

/*
 * Pools and DMA buffers: their refused frees reach the same total.  With
 * no DMA zone (mm.dma_limit=0) there is no buffer to free wrongly: the
 * pool's refused free is counted alone.
 */
static void test_other_allocators_counted(struct ktest *t)
{
	static uint64_t buf[8 * 4];
	static struct k_mem_slab pool;
	bool have_dma = zones[ZONE_DMA].managed_pages != 0;
	struct mm_stats a, b;
	unsigned long refused;
	dma_addr_t bus = 0;
	void *blk, *dbuf = NULL;

	KT_ASSERT_EQ(t, k_mem_slab_init_named(&pool, "health-pool", buf, 32, 8),
		     0);
	ktest_add_action_or_reset(t, remove_pool, &pool);
	KT_ASSERT_EQ(t, k_mem_slab_alloc(&pool, &blk, K_NO_WAIT), 0);
	if (have_dma) {
		dbuf = dma_alloc(PAGE_SIZE, &bus, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, dbuf);
		held_dma.v = dbuf;
		held_dma.bus = bus;
		ktest_add_action_or_reset(t, free_held_dma, &held_dma);
	} else {
		ktest_log(t, "no DMA zone (mm.dma_limit=0): the pool alone");
	}
	refused = dbuf ? 2 : 1;
	mm_stats_get(&a);
	ktest_log(t, "%lu refused free(s) expected below", refused);
	k_mem_slab_free(&pool, (char *)blk + 8); /* interior */
	if (dbuf) /* wrong bus address */
		dma_free(dbuf, PAGE_SIZE, bus + PAGE_SIZE);
	mm_stats_get(&b);
	KT_EXPECT_EQ(t, b.other_bad_frees - a.other_bad_frees, refused);
	KT_EXPECT_EQ(t, b.bad_frees - a.bad_frees, refused);
	k_mem_slab_free(&pool, blk);
	if (dbuf)
		ktest_release_action(t, free_held_dma, &held_dma);
	ktest_release_action(t, remove_pool, &pool);
	mm_health_acknowledge("the refused pool and DMA frees above");
}

static const struct ktest_case health_alloc_cases[] = {
	KTEST_CASE(test_bad_frees_counted_once),
	KTEST_CASE(test_kmalloc_corruption_is_critical),
	KTEST_CASE(test_kmalloc_totals_agree),
	KTEST_CASE(test_heap_totals_agree),
	KTEST_CASE(test_slab_counter_lie_caught),
	KTEST_CASE(test_other_allocators_counted),
	KTEST_END,
};

/* Two-tier without debug, so that sizes map to classes and pages. */
static int health_alloc_init(void)
{
	saved_mode = kmalloc_get_mode();
	saved_debug = kmalloc_set_debug(false);
	return kmalloc_set_mode(KMALLOC_TWO_TIER) ? 1 : 0;
}

static void health_alloc_exit(void)
{
	printk_capture_stop(); /* if a case ended early */
	kmalloc_set_mode(saved_mode);
	kmalloc_set_debug(saved_debug);
	kmalloc_shrink();
	mm_health_acknowledge("the mm_health_allocs suite");
}

KTEST_SUITE_FULL(mm_health_allocs, health_alloc_cases, health_alloc_init,
		 health_alloc_exit, 0);

/* SPDX-License-Identifier: MIT */
/*
 * The slab layer under memory pressure and with allocation hooks (suite
 * slab_pressure): the page allocator's reclaim drains per-CPU caches and
 * empty slabs instead of failing (with interrupts off, from an interrupt,
 * while a cache is growing), a cache that cannot grow fails cleanly, and
 * kmem_cache_alloc/free follow the mm/hooks.h protocol.
 */
#include "tests/kernel/slab_test.h"
#include "tests/kernel/kt_cleanup.h"
#include "mm/hooks.h"

/* A cache of 2 KiB objects whose magazine and reserve slab hold pages. */
static struct kmem_cache *cache_with_spares(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("spares-2k", 2048, 0, 0, NULL));
	struct kmem_cache_stats st;
	void *objs[40];

	KT_ASSERT_NOT_NULL(t, c);
	for (unsigned int i = 0; i < 40; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, objs[i]);
	}
	for (unsigned int i = 0; i < 40; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_get_stats(c, &st);
	KT_ASSERT_GT(t, st.cached, 0);
	KT_ASSERT_GT(t, st.nr_slabs, 0);
	return c;
}

/*
 * Take every free page.  Reclaim is off meanwhile: holding down may fail
 * an allocation of a fragmented order, which must not drain the caches.
 */
static void hold_everything(struct ktest *t, struct held_set *held)
{
	struct zone *z;

	KT_ASSERT_TRUE(t, held_init(t, held,
				    zones[ZONE_NORMAL].managed_pages /
						    MAX_ORDER_NR_PAGES +
					    16384));
	page_alloc_set_reclaim(NULL);
	for_each_zone (z)
		if (!zone_is_empty(z))
			KT_EXPECT_TRUE(t, hold_zone_down(held, z, 0));
	page_alloc_set_reclaim(slab_reclaim);
	KT_EXPECT_EQ(t, nr_free_pages(), 0);
}

static void expect_drained(struct ktest *t, struct kmem_cache *c)
{
	struct kmem_cache_stats st;

	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.cached, 0);
	KT_EXPECT_EQ(t, st.nr_slabs, 0);
}

static void test_reclaim_irqs_off(struct ktest *t)
{
	struct kmem_cache *c = cache_with_spares(t);
	static struct held_set held;
	struct page *pg;
	unsigned long flags;

	hold_everything(t, &held);
	/* Nothing is free but what the cache holds; as a GFP_ATOMIC caller
	 * would, with interrupts off. */
	flags = arch_irq_save();
	pg = alloc_pages(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOWARN, 0);
	arch_irq_restore(flags);
	KT_EXPECT_NOT_NULL(t, pg);
	expect_drained(t, c);
	if (pg)
		free_pages(pg, 0);
	held_done(t, &held);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

struct irq_alloc {
	struct page *pg;
	bool in_irq;
};

static void alloc_in_irq(void *arg)
{
	struct irq_alloc *a = arg;

	a->in_irq = arch_in_irq();
	a->pg = alloc_pages(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOWARN, 0);
}

static void test_reclaim_from_irq(struct ktest *t)
{
	struct kmem_cache *c = cache_with_spares(t);
	struct irq_alloc a = {0};
	static struct held_set held;
	bool ran;

	hold_everything(t, &held);
	ran = arch_call_from_irq(alloc_in_irq, &a);
	KT_EXPECT_TRUE(t, ran);
	KT_EXPECT_TRUE(t, a.in_irq);
	KT_EXPECT_NOT_NULL(t, a.pg);
	expect_drained(t, c);
	if (a.pg)
		free_pages(a.pg, 0);
	held_done(t, &held);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* Cache b grows (holding its own magazine lock) and finds pages only in
 * cache a: reclaim skips b's busy magazine and drains a's. */
static void test_reclaim_while_growing(struct ktest *t)
{
	struct kmem_cache *a = cache_with_spares(t);
	struct kmem_cache *b =
		kt_cache_at_end(t, plain_cache("grow-64", 64, 0, 0, NULL));
	static struct held_set held;
	void *obj;

	KT_ASSERT_NOT_NULL(t, b);
	hold_everything(t, &held);
	/* MEMALLOC: the few pages reclaimed are below every watermark. */
	obj = kmem_cache_alloc(b, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN);
	KT_EXPECT_NOT_NULL(t, obj);
	KT_EXPECT_EQ(t, b->kc_nr_grow, 1);
	expect_drained(t, a);
	kmem_cache_free(b, obj);
	kmem_cache_shrink(b); /* give its page back before the pages are */
	held_done(t, &held);
	KT_EXPECT_TRUE(t, slab_validate());
	KT_EXPECT_EQ(t, kt_cache_destroy(t, a), 0);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, b), 0);
}

/* No page anywhere: NULL with the reason, a counted failure, no damage. */
static void test_no_memory(struct ktest *t)
{
	struct kmem_cache *c = kt_cache_at_end(
		t, kmem_cache_create("nomem-512", 512, 0, 0, NULL));
	struct kmem_cache_stats before, after;
	static struct held_set held;
	enum mm_error err;
	void *obj;

	KT_ASSERT_NOT_NULL(t, c);
	kmem_cache_get_stats(c, &before);
	hold_everything(t, &held);
	KT_EXPECT_NULL(t, kmem_cache_alloc(c, GFP_KERNEL | __GFP_NOWARN));
	err = mm_last_error();
	KT_EXPECT_TRUE(t, err == MM_ENOMEM || err == MM_EWATERMARK);
	kmem_cache_get_stats(c, &after);
	KT_EXPECT_EQ(t, after.nr_fail, before.nr_fail + 1);
	KT_EXPECT_EQ(t, after.nr_alloc, before.nr_alloc);
	KT_EXPECT_EQ(t, after.nr_slabs, 0);
	KT_EXPECT_TRUE(t, slab_validate());
	held_done(t, &held);
	/* And it works again once memory is back. */
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	KT_EXPECT_NOT_NULL(t, obj);
	kmem_cache_free(c, obj);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* ---- hooks ---------------------------------------------------------------- */

static struct {
	bool fail, refuse, take;
	unsigned int nr_should_fail, nr_on_alloc, nr_on_free;
	const struct mm_call *last; /* only valid inside a hook */
	void *taken;
	struct kmem_cache *owner;
	size_t size;
} hk;

static bool hk_should_fail(const struct mm_call *call)
{
	hk.nr_should_fail++;
	hk.owner = call->owner;
	hk.size = call->size;
	return hk.fail && call->kind == MM_KIND_SLAB;
}

static int hk_on_alloc(const struct mm_call *call, void *obj)
{
	hk.nr_on_alloc++;
	return hk.refuse ? MM_ENOLOG : 0;
}

static bool hk_on_free(const struct mm_call *call, void *obj)
{
	hk.nr_on_free++;
	if (!hk.take)
		return false;
	hk.taken = obj;
	return true;
}

static const struct mm_hooks test_hooks = {hk_should_fail, hk_on_alloc,
					   hk_on_free};

static void test_hooks_protocol(struct ktest *t)
{
	const struct mm_hooks *saved = mm_hooks_get();
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("hook-80", 80, 0, 0, NULL));
	struct kmem_cache *q = kt_cache_at_end(
		t, kmem_cache_create("nohook", 80, 0, SLAB_NO_HOOKS, NULL));
	struct kmem_cache_stats st;
	void *obj, *raw;

	KT_ASSERT_NOT_NULL(t, c);
	KT_ASSERT_NOT_NULL(t, q);
	memset(&hk, 0, sizeof(hk));
	mm_set_hooks(&test_hooks);
	hk.fail = true;
	KT_EXPECT_NULL(t, kmem_cache_alloc(c, GFP_KERNEL));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	KT_EXPECT_TRUE(t, hk.owner == c);
	KT_EXPECT_EQ(t, hk.size, 80);
	raw = __kmem_cache_alloc(c, GFP_KERNEL, 0); /* never hooked */
	KT_EXPECT_NOT_NULL(t, raw);
	obj = kmem_cache_alloc(q, GFP_KERNEL); /* SLAB_NO_HOOKS */
	KT_EXPECT_NOT_NULL(t, obj);
	KT_EXPECT_EQ(t, hk.nr_should_fail, 1);
	kmem_cache_free(q, obj);
	hk.fail = false;
	hk.refuse = true;
	KT_EXPECT_NULL(t, kmem_cache_alloc(c, GFP_KERNEL));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOLOG);
	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.nr_alloc - st.nr_free, 1); /* raw only: undone */
	hk.refuse = false;
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, obj);
	hk.take = true;
	kmem_cache_free(c, obj); /* the hook takes it over */
	KT_EXPECT_TRUE(t, hk.taken == obj);
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(c, obj));
	hk.nr_on_free = 0;
	kmem_cache_free(c, (char *)obj + 8); /* invalid: never hooked */
	KT_EXPECT_EQ(t, hk.nr_on_free, 0);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	mm_set_hooks(saved);
	KT_EXPECT_TRUE(t, __kmem_cache_free(c, obj, 0));
	KT_EXPECT_TRUE(t, __kmem_cache_free(c, raw, 0));
	KT_EXPECT_FALSE(t, __kmem_cache_free(c, raw, 0));
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, q), 0);
}

static const struct ktest_case slab_pressure_cases[] = {
	KTEST_CASE(test_reclaim_irqs_off),
	KTEST_CASE(test_reclaim_from_irq),
	KTEST_CASE(test_reclaim_while_growing),
	KTEST_CASE(test_no_memory),
	KTEST_CASE(test_hooks_protocol),
	KTEST_END,
};
KTEST_SUITE(slab_pressure, slab_pressure_cases);

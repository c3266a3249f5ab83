// SPDX-License-Identifier: MIT
/*
 * Mempools (mm/mempool.c): the reserve serves when the allocator fails
 * (a switchable backing allocator, and really exhausted memory), frees
 * refill the reserve first, random operations against a model, bad
 * frees, resizing, fault injection, transaction rollback, all harts.
 */
#include "kernel/ktest.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/mempool.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "mm/txn.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "tests/kernel/txn_test.h"
#include "tests/kernel/kt_cleanup.h"

#define ELEM 64

/* The backing allocator: a cache that fails when told to. */
static struct kmem_cache *elem_cache;
static int backing_mode; /* 0: works, 1: fails, 2: fails every 3rd call */
static unsigned long backing_calls;

static void *test_alloc(gfp_t gfp, void *cache)
{
	unsigned long n =
		__atomic_add_fetch(&backing_calls, 1, __ATOMIC_RELAXED);
	int mode = __atomic_load_n(&backing_mode, __ATOMIC_RELAXED);

	if (mode == 1 || (mode == 2 && n % 3 == 0))
		return NULL;
	return __kmem_cache_alloc(cache, gfp, 0);
}

static void test_free(void *e, void *cache)
{
	__kmem_cache_free(cache, e, 0);
}

static bool test_check(void *e, void *cache)
{
	return kmem_cache_obj_live(cache, e);
}

static void destroy_pool(void *pool)
{
	mempool_destroy(pool);
}

/* A pool over a cache of its own; both go when the case ends. */
static mempool_t *setup(struct ktest *t, int min_nr)
{
	mempool_t *pool;

	backing_mode = 0;
	backing_calls = 0;
	elem_cache = kmem_cache_create("mempool_elem", ELEM, 0, 0, NULL);
	KT_ASSERT_NOT_NULL(t, kt_cache_at_end(t, elem_cache));
	pool = mempool_create_named("ktest", min_nr, test_alloc, test_free,
				    test_check, elem_cache);
	KT_ASSERT_NOT_NULL(t, pool);
	ktest_add_action_or_reset(t, destroy_pool, pool);
	KT_EXPECT_EQ(t, backing_calls, min_nr);
	return pool;
}

/* Destroy pool and cache: every element must be back in the cache. */
static void teardown(struct ktest *t, mempool_t *pool)
{
	KT_EXPECT_TRUE(t, mempool_validate(pool));
	ktest_release_action(t, destroy_pool, pool);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, elem_cache), 0);
	backing_mode = 0;
}

static void expect_reserve(struct ktest *t, mempool_t *pool, unsigned int curr,
			   unsigned long out)
{
	struct mempool_stats st;

	mempool_stats_get(pool, &st);
	KT_EXPECT_EQ(t, st.curr_nr, curr);
	KT_EXPECT_EQ(t, st.out, out);
}

static void test_reserve(struct ktest *t)
{
	mempool_t *pool = setup(t, 4);
	void *e[6];
	struct mempool_stats st;

	backing_mode = 1; /* the allocator underneath fails from now */
	for (int i = 0; i < 4; i++) {
		e[i] = mempool_alloc(pool, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, e[i]);
		memset(e[i], i, ELEM);
	}
	expect_reserve(t, pool, 0, 4);
	KT_EXPECT_NULL(t, mempool_alloc(pool, GFP_ATOMIC));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	/* Frees refill the reserve first: the cache gets nothing back. */
	mempool_free(e[1], pool);
	mempool_free(e[3], pool);
	expect_reserve(t, pool, 2, 2);
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(elem_cache, e[1]));
	/* The allocator works again: it is asked first. */
	backing_mode = 0;
	e[4] = mempool_alloc(pool, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, e[4]);
	expect_reserve(t, pool, 2, 3);
	mempool_free(e[0], pool);
	mempool_free(e[2], pool);
	mempool_free(e[4], pool); /* reserve full: back to the cache */
	expect_reserve(t, pool, 4, 0);
	KT_EXPECT_FALSE(t, kmem_cache_obj_live(elem_cache, e[4]));
	mempool_stats_get(pool, &st);
	KT_EXPECT_EQ(t, st.nr_reserve, 4);
	KT_EXPECT_EQ(t, st.min_curr, 0);
	KT_EXPECT_EQ(t, st.nr_fail, 1);
	KT_EXPECT_EQ(t, st.nr_refill, 4);
	teardown(t, pool);
}

/* Really out of memory: every page held, the reserve still serves. */
static void test_exhausted_memory(struct ktest *t)
{
	mempool_t *pool = mempool_create_page_pool(3, 1);
	static struct exhaust ex;
	struct page *pg[4];

	KT_ASSERT_NOT_NULL(t, pool);
	ktest_add_action_or_reset(t, destroy_pool, pool);
	KT_ASSERT_TRUE(t, exhaust_begin(t, &ex));
	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL | __GFP_NOWARN, 1));
	for (int i = 0; i < 3; i++) {
		pg[i] = mempool_alloc(pool, GFP_KERNEL);
		KT_EXPECT_NOT_NULL(t, pg[i]);
	}
	pg[3] = mempool_alloc(pool, GFP_ATOMIC);
	KT_EXPECT_NULL(t, pg[3]);
	if (pg[3]) /* memory was not all held after all */
		mempool_free(pg[3], pool);
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	for (int i = 0; i < 3; i++)
		mempool_free(pg[i], pool);
	expect_reserve(t, pool, 3, 0);
	exhaust_end(t, &ex);
	KT_EXPECT_TRUE(t, mempool_validate(pool));
	ktest_release_action(t, destroy_pool, pool);
}

/*
 * Random allocations and frees while the backing allocator fails at
 * random: an allocation may fail only when the reserve is empty, the
 * reserve never exceeds min_nr, contents survive.
 */
static void test_random_ops(struct ktest *t)
{
	enum {
		MIN = 8,
		LIVE = 64
	};
	static unsigned char *live[LIVE];
	unsigned int nr = 0, damaged = 0, wrong = 0, fails = 0;
	mempool_t *pool = setup(t, MIN);
	struct mempool_stats st;
	struct prng r;

	prng_seed(&r, 0x3e3e);
	for (unsigned int op = 0; op < 20000; op++) {
		unsigned int i = nr ? (unsigned int)prng_below(&r, nr) : 0;
		unsigned char *p;

		backing_mode = prng_below(&r, 3) ? 1 : 0;
		if (nr == LIVE || (nr && prng_below(&r, 2))) {
			damaged += !mem_is_filled(
				live[i], (unsigned char)(uintptr_t)live[i],
				ELEM);
			mempool_free(live[i], pool);
			live[i] = live[--nr];
			continue;
		}
		mempool_stats_get(pool, &st);
		p = mempool_alloc(pool, GFP_KERNEL);
		if (!p) {
			fails++;
			wrong += st.curr_nr != 0; /* the reserve had one */
			continue;
		}
		memset(p, (unsigned char)(uintptr_t)p, ELEM);
		live[nr++] = p;
		mempool_stats_get(pool, &st);
		wrong += st.curr_nr > MIN || st.out != nr;
	}
	while (nr)
		mempool_free(live[--nr], pool);
	mempool_stats_get(pool, &st);
	ktest_log(t,
		  "20000 operations: %lu from the reserve, %lu refills, "
		  "%u failures",
		  st.nr_reserve, st.nr_refill, fails);
	KT_EXPECT_EQ(t, damaged, 0);
	KT_EXPECT_EQ(t, wrong, 0);
	KT_EXPECT_GT(t, st.nr_reserve, 0);
	KT_EXPECT_EQ(t, st.curr_nr, MIN);
	teardown(t, pool);
}

static void test_bad_frees(struct ktest *t)
{
	mempool_t *pool = setup(t, 2), *bare;
	static unsigned long stray[8];
	struct mempool_stats st;
	void *a, *b, *c, *x;

	a = mempool_alloc(pool, GFP_KERNEL);
	b = mempool_alloc(pool, GFP_KERNEL);
	c = mempool_alloc(pool, GFP_KERNEL);
	KT_ASSERT_TRUE(t, a && b && c); /* from the cache: reserve full */
	ktest_log(t, "four refused frees are expected below");
	mempool_free(NULL, pool); /* nothing */
	mempool_free(stray, pool); /* not an object of the cache */
	mempool_free(a, pool); /* reserve full: to the cache */
	mempool_free(a, pool); /* no longer a live object */
	backing_mode = 1;
	x = mempool_alloc(pool, GFP_KERNEL); /* from the reserve */
	KT_ASSERT_NOT_NULL(t, x);
	mempool_free(b, pool); /* refills the reserve */
	mempool_free(b, pool); /* in the reserve: double free */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	mempool_stats_get(pool, &st);
	KT_EXPECT_EQ(t, st.nr_bad_free, 3);
	KT_EXPECT_EQ(t, st.out, 2);
	/* A pool without a check still counts what is outstanding. */
	backing_mode = 0;
	bare = mempool_create(1, test_alloc, test_free, elem_cache);
	KT_ASSERT_NOT_NULL(t, bare);
	ktest_add_action_or_reset(t, destroy_pool, bare);
	mempool_free(c, bare); /* nothing was allocated from bare */
	mempool_stats_get(bare, &st);
	KT_EXPECT_EQ(t, st.nr_bad_free, 1);
	KT_EXPECT_TRUE(t, mempool_validate(bare));
	ktest_release_action(t, destroy_pool, bare);
	mempool_free(c, pool);
	mempool_free(x, pool);
	expect_reserve(t, pool, 2, 0);
	teardown(t, pool);
}

static void test_resize(struct ktest *t)
{
	mempool_t *pool = setup(t, 4);
	void *e[3];
	struct mempool_stats st;

	backing_mode = 1;
	for (int i = 0; i < 3; i++)
		e[i] = mempool_alloc(pool, GFP_KERNEL); /* reserve: 1 left */
	/* Growing fails as a whole while the allocator fails. */
	KT_EXPECT_EQ(t, mempool_resize(pool, 600), -MM_ENOMEM);
	expect_reserve(t, pool, 1, 3);
	backing_mode = 0;
	/* 600 slots need a second page for the reserve array. */
	KT_EXPECT_EQ(t, mempool_resize(pool, 600), 0);
	mempool_stats_get(pool, &st);
	KT_EXPECT_EQ(t, st.min_nr, 600);
	KT_EXPECT_EQ(t, st.curr_nr, 1 + 596);
	KT_EXPECT_TRUE(t, mempool_validate(pool));
	for (int i = 0; i < 3; i++)
		mempool_free(e[i], pool); /* refill to 600 */
	expect_reserve(t, pool, 600, 0);
	KT_EXPECT_EQ(t, mempool_resize(pool, 2), 0);
	expect_reserve(t, pool, 2, 0);
	KT_EXPECT_EQ(t, mempool_resize(pool, 0), -MM_EINVAL);
	KT_EXPECT_EQ(t, mempool_resize(pool, 5), 0);
	expect_reserve(t, pool, 5, 0);
	teardown(t, pool);
	KT_EXPECT_NULL(t, mempool_create(0, test_alloc, test_free, NULL));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
}

/* ---- hooks: fault injection and transactions ---------------------------------- */

static void test_fault_injection(struct ktest *t)
{
	mempool_t *pool = setup(t, 2);
	struct mm_fault_attr attr;
	unsigned long calls;

	mm_fault_attr_init(&attr);
	attr.kinds = 1u << MM_KIND_MEMPOOL;
	KT_ASSERT_EQ(t, mm_fault_set(&attr), 0);
	calls = backing_calls;
	KT_EXPECT_NULL(t, mempool_alloc(pool, GFP_KERNEL));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	KT_EXPECT_EQ(t, mm_fault_clear(), 1);
	/* The pool was never entered: no backing call, reserve whole. */
	KT_EXPECT_EQ(t, backing_calls, calls);
	expect_reserve(t, pool, 2, 0);
	teardown(t, pool);
}

static void test_txn_abort(struct ktest *t)
{
	mempool_t *pool = setup(t, 4);
	struct mempool_stats before, after;
	unsigned long free0;
	struct mm_txn tx;
	void *old, *e;

	old = mempool_alloc(pool, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, old);
	free0 = free_now();
	mempool_stats_get(pool, &before);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (int i = 0; i < 40; i++) {
		backing_mode = i >= 30; /* the last ten from the reserve ... */
		e = mempool_alloc(pool, GFP_KERNEL);
		KT_EXPECT_TRUE(t, i >= 34 ? !e : e != NULL); /* ... 4 of them */
	}
	backing_mode = 0;
	mempool_free(old, pool); /* deferred: restored by the abort */
	KT_EXPECT_TRUE(t, mempool_element_live(pool, old));
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	mempool_stats_get(pool, &after);
	KT_EXPECT_EQ(t, after.curr_nr, before.curr_nr);
	KT_EXPECT_EQ(t, after.out, before.out);
	KT_EXPECT_TRUE(t, mempool_element_live(pool, old));
	KT_EXPECT_EQ(t, free_now(), free0);
	KT_EXPECT_TRUE(t, mm_validate());
	mempool_free(old, pool);
	teardown(t, pool);
}

/* ---- all harts ------------------------------------------------------------------ */

struct smp_state {
	mempool_t *pool;
	unsigned long damaged, fails;
};

static void smp_churn(void *arg)
{
	struct smp_state *s = arg;
	unsigned char cpu = (unsigned char)(arch_cpu_id() + 1);
	unsigned char *slot[16] = {0};
	struct prng r;

	prng_seed(&r, 99 + cpu);
	for (unsigned int round = 0; round < 2000; round++) {
		unsigned int i = (unsigned int)prng_below(&r, 16);

		if (slot[i]) {
			if (!mem_is_filled(slot[i], cpu, ELEM))
				__atomic_fetch_add(&s->damaged, 1,
						   __ATOMIC_RELAXED);
			mempool_free(slot[i], s->pool);
		}
		slot[i] = mempool_alloc(s->pool, GFP_ATOMIC);
		if (slot[i])
			memset(slot[i], cpu, ELEM);
		else
			__atomic_fetch_add(&s->fails, 1, __ATOMIC_RELAXED);
	}
	for (unsigned int i = 0; i < 16; i++)
		mempool_free(slot[i], s->pool);
}

static void test_all_harts(struct ktest *t)
{
	static struct smp_state s;

	memset(&s, 0, sizeof(s));
	s.pool = setup(t, 16);
	backing_mode = 2; /* every third backing call fails */
	arch_run_on_all_cpus(smp_churn, &s);
	ktest_log(t, "%u harts x 2000 rounds, %lu failures", arch_nr_cpus(),
		  s.fails);
	KT_EXPECT_EQ(t, s.damaged, 0);
	expect_reserve(t, s.pool, 16, 0);
	teardown(t, s.pool);
}

static const struct ktest_case mempool_cases[] = {
	KTEST_CASE(test_reserve),
	KTEST_CASE(test_exhausted_memory),
	KTEST_CASE(test_random_ops),
	KTEST_CASE(test_bad_frees),
	KTEST_CASE(test_resize),
	KTEST_CASE(test_fault_injection),
	KTEST_CASE(test_txn_abort),
	KTEST_CASE(test_all_harts),
	KTEST_END,
};
KTEST_SUITE(mempool, mempool_cases);

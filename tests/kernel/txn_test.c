/* SPDX-License-Identifier: MIT */
/*
 * Transactions (suite mm_txn): abort and commit, deferred frees, nesting,
 * cache objects, caches that are never hooked, the scoped form, log
 * growth and its failure, the cost.  The model-checked random walks are
 * in txn_walk_test.c, misuse and the edges in txn_misuse_test.c.
 * Misuse, interrupts and other harts are in txn_misuse_test.c.
 */
#include "kernel/ktest.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/fault.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/txn.h"
#include "tests/kernel/txn_test.h"
#include "tests/kernel/kt_cleanup.h"
#include "tests/kernel/kmalloc_test.h"

/* A cache for the cases below (suite init/exit). */
#define WALK_OBJ_SIZE 200
static struct kmem_cache *walk_cache;

/* ---- hand-picked cases ------------------------------------------------- */

/* Abort gives back every allocation; commit keeps them. */
static void test_abort_and_commit(struct ktest *t)
{
	unsigned long base = free_now();
	struct page *pg[20];
	struct mm_txn tx;

	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	KT_EXPECT_TRUE(t, mm_txn_is_open(&tx));
	for (unsigned int i = 0; i < 20; i++)
		KT_ASSERT_NOT_NULL(t, pg[i] = alloc_pages(GFP_KERNEL, i % 4));
	KT_EXPECT_LT(t, free_now(), base);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	KT_EXPECT_FALSE(t, mm_txn_is_open(&tx));
	KT_EXPECT_EQ(t, free_now(), base);

	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < 20; i++)
		KT_ASSERT_NOT_NULL(t, pg[i] = alloc_pages(GFP_KERNEL, i % 4));
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	for (unsigned int i = 0; i < 20; i++)
		KT_EXPECT_TRUE(t, page_is_block(pg[i], i % 4));
	for (unsigned int i = 0; i < 20; i++)
		free_pages(pg[i], i % 4);
	KT_EXPECT_EQ(t, free_now(), base);
}

/*
 * A block that predates the transaction and is freed inside it stays
 * allocated, contents intact, until commit; abort brings it back.
 */
static void test_deferred_free(struct ktest *t)
{
	struct page *old = alloc_pages(GFP_KERNEL, 1);
	unsigned long base;
	struct mm_txn tx;

	KT_ASSERT_NOT_NULL(t, old);
	tag_fill(old, 1, 0xfeed);
	base = free_now();
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	free_pages(old, 1);
	KT_EXPECT_TRUE(t, page_is_block(old, 1));
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	KT_EXPECT_TRUE(t, page_is_block(old, 1) && tag_ok(old, 1, 0xfeed));

	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	free_pages(old, 1);
	KT_EXPECT_TRUE(t, tag_ok(old, 1, 0xfeed));
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	KT_EXPECT_EQ(t, free_now(), base + 2);
}

/* Allocated and freed in one transaction: gone at once, not at the end. */
static void test_alloc_free_leaves_log(struct ktest *t)
{
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;
	struct mm_txn tx;

	mm_txn_stats(&s0);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < 100; i++) {
		struct page *pg = alloc_pages(GFP_KERNEL, 2);

		KT_ASSERT_NOT_NULL(t, pg);
		free_pages(pg, 2);
		KT_ASSERT_EQ(t, free_now(), base);
	}
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, s1.cancelled - s0.cancelled, 100);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, 0);
	KT_EXPECT_EQ(t, s1.log_grows - s0.log_grows, 0); /* never > 1 entry */
}

/*
 * Nesting by hand: an inner abort undoes only the inner part and restores
 * an outer object the inner level freed; an inner commit folds, and an
 * outer object freed there is then freed in its own level (cancelled).
 */
static void test_nesting(struct ktest *t)
{
	unsigned long base = free_now();
	struct mm_txn outer, inner;
	struct page *a, *b, *c;

	KT_ASSERT_EQ(t, mm_txn_begin(&outer), 0);
	KT_ASSERT_NOT_NULL(t, a = alloc_pages(GFP_KERNEL, 0));
	KT_ASSERT_EQ(t, mm_txn_begin(&inner), 0);
	KT_EXPECT_EQ(t, mm_txn_depth(), 2);
	KT_ASSERT_NOT_NULL(t, b = alloc_pages(GFP_KERNEL, 0));
	free_pages(a, 0); /* an outer object: deferred */
	KT_EXPECT_TRUE(t, page_is_block(a, 0));
	KT_EXPECT_EQ(t, mm_txn_abort(&inner), 0);
	KT_EXPECT_TRUE(t, page_is_block(a, 0)); /* restored */
	KT_EXPECT_EQ(t, free_now(), base - 1); /* b is back */

	KT_ASSERT_EQ(t, mm_txn_begin(&inner), 0);
	KT_ASSERT_NOT_NULL(t, c = alloc_pages(GFP_KERNEL, 0));
	free_pages(a, 0);
	KT_EXPECT_TRUE(t, page_is_block(a, 0));
	KT_EXPECT_EQ(t, mm_txn_commit(&inner), 0);
	KT_EXPECT_EQ(t, free_now(), base - 1); /* a freed by the fold */
	KT_EXPECT_TRUE(t, page_is_block(c, 0));
	KT_EXPECT_EQ(t, mm_txn_depth(), 1);
	KT_EXPECT_EQ(t, mm_txn_abort(&outer), 0); /* c goes too */
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_EQ(t, mm_txn_depth(), 0);
}

/* Cache objects: rolled back, kept, and restored like pages. */
static void test_cache_objects(struct ktest *t)
{
	void *old = kmem_cache_alloc(walk_cache, GFP_KERNEL), *o[40];
	struct kmem_cache_stats st;
	struct mm_txn tx;

	KT_ASSERT_NOT_NULL(t, kt_obj_at_end(t, old));
	memset(old, 0x5a, WALK_OBJ_SIZE);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < 40; i++)
		KT_ASSERT_NOT_NULL(
			t, o[i] = kmem_cache_alloc(walk_cache, GFP_KERNEL));
	kmem_cache_free(walk_cache, old);
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(walk_cache, old));
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	kmem_cache_get_stats(walk_cache, &st);
	KT_EXPECT_EQ(t, st.active_objs - st.cached, 1);
	for (unsigned int i = 0; i < 40; i++)
		KT_EXPECT_FALSE(t, kmem_cache_obj_live(walk_cache, o[i]) &&
					   o[i] != old);
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(walk_cache, old) &&
				  mem_is_filled(old, 0x5a, WALK_OBJ_SIZE));
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	kmem_cache_free(walk_cache, old);
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	ktest_remove_action(t, kt_obj_action, old); /* freed for good */
	KT_EXPECT_FALSE(t, kmem_cache_obj_live(walk_cache, old));
}

/*
 * An internal cache (SLAB_NO_HOOKS, like the log's own) is invisible to
 * transactions and fault injection alike.
 */
static void test_unhooked_cache(struct ktest *t)
{
	struct kmem_cache *quiet =
		kmem_cache_create("txn_quiet", 64, 0, SLAB_NO_HOOKS, NULL);
	struct mm_fault_attr every;
	struct mm_txn tx;
	void *a, *b;

	KT_ASSERT_NOT_NULL(t, quiet);
	mm_fault_attr_init(&every);
	every.times = -1;
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	a = kmem_cache_alloc(quiet, GFP_KERNEL);
	KT_ASSERT_EQ(t, mm_fault_set(&every), 0);
	b = kmem_cache_alloc(quiet, GFP_KERNEL);
	KT_EXPECT_NULL(t, kmem_cache_alloc(walk_cache, GFP_KERNEL));
	mm_fault_clear();
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	KT_EXPECT_TRUE(t, a && kmem_cache_obj_live(quiet, a));
	KT_EXPECT_TRUE(t, b && kmem_cache_obj_live(quiet, b));
	kmem_cache_free(quiet, a);
	kmem_cache_free(quiet, b);
	KT_EXPECT_EQ(t, kmem_cache_destroy(quiet), 0);
}

/* One kmalloc mode: abort frees, commit keeps, older blocks restored. */
static void kmalloc_round(struct ktest *t)
{
	static const size_t sizes[] = {0, 8, 100, 1000, 4096, 5000, 70000};
	enum {
		N = sizeof(sizes) / sizeof(sizes[0])
	};
	unsigned long base = free_now();
	char *old = kmalloc(300, GFP_KERNEL), *p[N], *q;
	struct mm_txn tx;

	KT_ASSERT_NOT_NULL(t, kt_kfree_at_end(t, old));
	memset(old, 0x3c, 300);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < N; i++)
		KT_ASSERT_NOT_NULL(t, p[i] = kmalloc(sizes[i], GFP_KERNEL));
	KT_ASSERT_NOT_NULL(t, q = krealloc(old, 9000, GFP_KERNEL));
	KT_EXPECT_TRUE(t, q != old && mem_is_filled(q, 0x3c, 300));
	kfree(q);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	KT_EXPECT_TRUE(t, ksize(old) >= 300 && mem_is_filled(old, 0x3c, 300));
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	KT_ASSERT_NOT_NULL(t, q = kzalloc(64, GFP_KERNEL));
	kfree(old);
	KT_EXPECT_TRUE(t, ksize(old) >= 300); /* deferred */
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	ktest_remove_action(t, kt_kfree_action, old); /* freed for good */
	KT_EXPECT_TRUE(t, ksize(q) >= 64 && mem_is_filled(q, 0, 64));
	kfree(q);
	KT_EXPECT_EQ(t, free_now(), base);
}

/* kmalloc in every mode (and with debug) is logged and rolled back. */
static void test_kmalloc_every_mode(struct ktest *t)
{
	static const enum kmalloc_mode modes[] = {
		KMALLOC_TWO_TIER, KMALLOC_SIMPLE, KMALLOC_HYBRID};
	enum kmalloc_mode mode = kmalloc_get_mode();
	bool debug = kmalloc_get_debug();
	unsigned int tried = 0;

	kmt_keep_setting(t);
	for (unsigned int d = 0; d < 2; d++)
		for (unsigned int m = 0; m < 3; m++) {
			if (kmalloc_set_mode(modes[m]))
				continue; /* no simple heap in this boot */
			kmalloc_set_debug(d);
			kmalloc_round(t);
			tried++;
		}
	kmalloc_set_debug(debug);
	kmalloc_set_mode(mode);
	KT_EXPECT_GE(t, tried, 2);
}

/* ---- the scoped form ---------------------------------------------------- */

static struct page *scope_kept;

/* Allocates three blocks; gives up before the third when asked. */
static int scoped_build(bool give_up, bool by_goto)
{
	MM_TXN_SCOPE(tx);
	struct page *a = alloc_pages(GFP_KERNEL, 0);
	struct page *b = alloc_pages(GFP_KERNEL, 3);

	if (!a || !b)
		return -1;
	if (give_up && !by_goto)
		return -1; /* early return: aborted */
	if (give_up)
		goto out;
	scope_kept = alloc_pages(GFP_KERNEL, 1);
	free_pages(b, 3);
	free_pages(a, 0);
	return mm_txn_commit(&tx);
out:
	return -2;
}

static void test_scope(struct ktest *t)
{
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;

	mm_txn_stats(&s0);
	KT_EXPECT_EQ(t, scoped_build(true, false), -1);
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_EQ(t, scoped_build(true, true), -2);
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_EQ(t, mm_txn_depth(), 0);
	KT_EXPECT_EQ(t, scoped_build(false, false), 0);
	KT_ASSERT_NOT_NULL(t, scope_kept);
	KT_EXPECT_TRUE(t, page_is_block(scope_kept, 1));
	free_pages(scope_kept, 1);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, s1.aborts - s0.aborts, 2);
	KT_EXPECT_EQ(t, s1.commits - s0.commits, 1);
	KT_EXPECT_EQ(t, s1.misuse - s0.misuse, 0);
	KT_EXPECT_EQ(t, free_now(), base);
}

/* A transaction begun inside a scope and left open is aborted with it. */
static void scoped_leaves_inner_open(struct mm_txn *inner)
{
	MM_TXN_SCOPE(outer);
	alloc_pages(GFP_KERNEL, 0);
	mm_txn_begin(inner);
	alloc_pages(GFP_KERNEL, 0);
}

static void test_scope_inner_left_open(struct ktest *t)
{
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;
	struct mm_txn inner;

	mm_txn_stats(&s0);
	scoped_leaves_inner_open(&inner);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, mm_txn_depth(), 0);
	KT_EXPECT_FALSE(t, mm_txn_is_open(&inner));
	KT_EXPECT_EQ(t, s1.misuse - s0.misuse, 1);
	KT_EXPECT_EQ(t, s1.aborts - s0.aborts, 2);
	KT_EXPECT_EQ(t, free_now(), base);
}

/* ---- the log's own memory ------------------------------------------------ */

/* A long transaction grows its log by chunks and gives them back. */
static void test_log_growth(struct ktest *t)
{
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;
	struct mm_txn tx;

	mm_txn_stats(&s0);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < 1000; i++)
		KT_ASSERT_NOT_NULL(t, alloc_pages(GFP_KERNEL, 0));
	KT_EXPECT_TRUE(t, mm_validate());
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	mm_txn_stats(&s1);
	KT_EXPECT_GE(t, s1.log_grows - s0.log_grows, 2);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, 1000);
	KT_EXPECT_EQ(t, s1.logged - s0.logged, 1000);
	KT_EXPECT_EQ(t, free_now(), base);
}

/*
 * With all memory taken, the allocation that needs a new log chunk fails
 * with MM_ENOLOG and is undone; a free that cannot be deferred is done at
 * once and the abort says so (-MM_ENOLOG).
 */
static void test_log_growth_failure(struct ktest *t)
{
	static struct exhaust ex;
	struct page *spare[MM_TXN_INLINE + 2], *got[MM_TXN_INLINE], *pg, *last;
	struct mm_txn_stats s0, s1;
	struct mm_txn tx;
	unsigned int n = MM_TXN_INLINE;

	/* Every step below counts on the one before: the log must be what
	 * fills up, not an injected failure that leaves it half full.  Pausing
	 * is required here: the spare pages change hands inside the
	 * transaction, so no cleanup action can own them, and a retry that
	 * gave up would leave them behind. */
	kt_faults_pause();
	for (unsigned int i = 0; i < n + 2; i++)
		KT_ASSERT_NOT_NULL(t, spare[i] = alloc_pages(GFP_KERNEL, 0));
	KT_ASSERT_TRUE(t, exhaust_begin(t, &ex));
	mm_txn_stats(&s0);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < n; i++) { /* fill the inline log */
		__free_pages(spare[i], 0, 0);
		got[i] = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC, 0);
		KT_EXPECT_NOT_NULL(t, got[i]);
	}
	__free_pages(spare[n], 0, 0);
	pg = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0);
	KT_EXPECT_NULL(t, pg);
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOLOG);
	KT_EXPECT_EQ(t, free_now(), 1); /* the page came back */
	last = __alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0, 0);
	KT_EXPECT_NOT_NULL(t, last); /* unhooked: not logged */
	free_pages(spare[n + 1], 0); /* older: must be deferred, cannot be */
	KT_EXPECT_EQ(t, free_now(), 1);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), -MM_ENOLOG);
	KT_EXPECT_EQ(t, free_now(), n + 1);
	__free_pages(last, 0, 0);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, s1.log_full - s0.log_full, 1);
	KT_EXPECT_EQ(t, s1.lost - s0.lost, 1);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, n);
	exhaust_end(t, &ex);
}

/* ---- overhead, printed ---------------------------------------------------- */

static uint64_t pair_cost(unsigned int n)
{
	uint64_t t0 = arch_read_instret();

	for (unsigned int i = 0; i < n; i++)
		free_pages(alloc_pages(GFP_KERNEL, 0), 0);
	return (arch_read_instret() - t0) / n;
}

static uint64_t kmalloc_pair_cost(unsigned int n)
{
	uint64_t t0 = arch_read_instret();

	for (unsigned int i = 0; i < n; i++)
		kfree(kmalloc(64, GFP_KERNEL));
	return (arch_read_instret() - t0) / n;
}

/* Instructions per alloc_pages(order 0) of n in a row (then freed). */
static uint64_t alloc_cost(struct page **pg, unsigned int n)
{
	uint64_t t0 = arch_read_instret(), cost;

	for (unsigned int i = 0; i < n; i++)
		pg[i] = alloc_pages(GFP_KERNEL, 0);
	cost = (arch_read_instret() - t0) / n;
	return cost;
}

/*
 * Instructions per order-0 allocation and per alloc+free pair, plain and
 * inside a transaction (logged; a pair is logged, then cancelled; 60
 * allocations in a row grow the log by three chunks).  Exact only under
 * QEMU -icount; printed, never asserted.
 */
static void test_overhead(struct ktest *t)
{
	uint64_t plain, in_txn, alloc_plain, alloc_txn, km_plain, km_txn;
	struct page *pg[60];
	struct mm_txn tx;

	free_pages(alloc_pages(GFP_KERNEL, 0), 0); /* warm the pcp list */
	plain = pair_cost(256);
	kfree(kmalloc(64, GFP_KERNEL));
	km_plain = kmalloc_pair_cost(256);
	alloc_plain = alloc_cost(pg, 60);
	for (unsigned int i = 0; i < 60; i++)
		free_pages(pg[i], 0);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	in_txn = pair_cost(256);
	km_txn = kmalloc_pair_cost(256);
	alloc_txn = alloc_cost(pg, 60);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	for (unsigned int i = 0; i < 60; i++)
		KT_EXPECT_FALSE(t, pg[i] == NULL);
	ktest_log(
		t,
		"instructions per order-0 alloc_pages: %llu plain, %llu "
		"logged (+%lld); per alloc+free pair: %llu plain, %llu in a "
		"transaction (+%lld)",
		(unsigned long long)alloc_plain, (unsigned long long)alloc_txn,
		(long long)(alloc_txn - alloc_plain), (unsigned long long)plain,
		(unsigned long long)in_txn, (long long)(in_txn - plain));
	ktest_log(t,
		  "instructions per kmalloc(64)+kfree pair: %llu plain, %llu "
		  "in a transaction (+%lld)",
		  (unsigned long long)km_plain, (unsigned long long)km_txn,
		  (long long)(km_txn - km_plain));
}

static const struct ktest_case txn_cases[] = {
	KTEST_CASE(test_abort_and_commit),
	KTEST_CASE(test_deferred_free),
	KTEST_CASE(test_alloc_free_leaves_log),
	KTEST_CASE(test_nesting),
	KTEST_CASE(test_cache_objects),
	KTEST_CASE(test_unhooked_cache),
	KTEST_CASE(test_kmalloc_every_mode),
	KTEST_CASE(test_scope),
	KTEST_CASE(test_scope_inner_left_open),
	KTEST_CASE(test_log_growth),
	KTEST_CASE(test_log_growth_failure),
	KTEST_CASE(test_overhead),
	KTEST_END,
};
static int txn_init(void)
{
	walk_cache = kmem_cache_create("txn_objs", WALK_OBJ_SIZE, 0, 0, NULL);
	return walk_cache ? 0 : -1;
}

static void txn_exit(void)
{
	kmem_cache_destroy(walk_cache);
	walk_cache = NULL;
}
KTEST_SUITE_FULL(mm_txn, txn_cases, txn_init, txn_exit, 0);

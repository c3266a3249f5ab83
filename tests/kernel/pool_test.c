// SPDX-License-Identifier: MIT
/*
 * Fixed-block pools (mm/pool.c, k_mem_slab): random operations with
 * contents and uniqueness checked, exhaustion, bad frees, a scribbled free
 * list, waiting with a timeout (and not waiting in an interrupt handler),
 * fault injection, transaction rollback, and all harts at once.
 */
#include "kernel/ktest.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/txn.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "tests/kernel/txn_test.h"
#include "tests/kernel/kt_cleanup.h"

#define POOL_ORDER 3 /* 32 KiB of pages */
#define BLOCK 48
#define NBLOCKS ((PAGE_SIZE << POOL_ORDER) / BLOCK)

static struct k_mem_slab pool;
static struct page *pool_pages;

static void remove_pool(void *p)
{
	k_mem_slab_remove(p);
}

/* The pool on its pages, both given back when the case ends. */
static void pool_setup(struct ktest *t, size_t block, uint32_t n)
{
	pool_pages = alloc_pages(GFP_KERNEL, POOL_ORDER);
	KT_ASSERT_NOT_NULL(t, kt_pages_at_end(t, pool_pages, POOL_ORDER));
	KT_ASSERT_EQ(t,
		     k_mem_slab_init_named(&pool, "ktest",
					   page_address(pool_pages), block, n),
		     0);
	ktest_add_action_or_reset(t, remove_pool, &pool);
}

/* Now rather than at the end. */
static void pool_teardown(struct ktest *t)
{
	ktest_release_action(t, remove_pool, &pool);
	kt_release_pages(t, pool_pages, POOL_ORDER);
}

static void expect_empty(struct ktest *t)
{
	struct k_mem_slab_stats st;

	KT_EXPECT_TRUE(t, k_mem_slab_validate(&pool));
	k_mem_slab_stats_get(&pool, &st);
	KT_EXPECT_EQ(t, st.num_used, 0);
	KT_EXPECT_EQ(t, st.num_free, st.num_blocks);
}

static void *take(void)
{
	void *b;

	return k_mem_slab_alloc(&pool, &b, K_NO_WAIT) ? NULL : b;
}

static void test_random_ops(struct ktest *t)
{
	static unsigned char *live[NBLOCKS];
	static unsigned char owner[NBLOCKS];
	unsigned int nr = 0, damaged = 0, wrong = 0, fails = 0;
	struct prng r;

	pool_setup(t, BLOCK, NBLOCKS);
	memset(owner, 0, sizeof(owner));
	prng_seed(&r, 0x9001);
	for (unsigned int op = 0; op < 30000; op++) {
		unsigned int i = nr ? (unsigned int)prng_below(&r, nr) : 0;
		unsigned char *p;
		size_t idx;

		if (nr && prng_below(&r, 2)) {
			idx = (size_t)((char *)live[i] - pool.ms_buffer) /
			      BLOCK;
			if (!mem_is_filled(live[i], (unsigned char)idx, BLOCK))
				damaged++;
			owner[idx] = 0;
			k_mem_slab_free(&pool, live[i]);
			live[i] = live[--nr];
			continue;
		}
		p = take();
		if (!p) {
			fails++;
			KT_EXPECT_EQ(t, nr,
				     NBLOCKS); /* only when all are out */
			continue;
		}
		idx = (size_t)((char *)p - pool.ms_buffer);
		if (idx % BLOCK || idx / BLOCK >= NBLOCKS || owner[idx / BLOCK])
			wrong++; /* misplaced, or handed out twice */
		idx /= BLOCK;
		owner[idx] = 1;
		memset(p, (unsigned char)idx, BLOCK);
		live[nr++] = p;
		if (op % 3000 == 0)
			KT_ASSERT_TRUE(t, k_mem_slab_validate(&pool));
	}
	KT_EXPECT_EQ(t, k_mem_slab_num_used_get(&pool), nr);
	while (nr)
		k_mem_slab_free(&pool, live[--nr]);
	ktest_log(t, "30000 operations on %u blocks, %u refusals when full",
		  (unsigned int)NBLOCKS, fails);
	KT_EXPECT_EQ(t, damaged, 0);
	KT_EXPECT_EQ(t, wrong, 0);
	expect_empty(t);
	pool_teardown(t);
}

static void test_exhaust(struct ktest *t)
{
	static void *blk[NBLOCKS];
	void *extra = (void *)1;

	pool_setup(t, BLOCK, NBLOCKS);
	for (unsigned int i = 0; i < NBLOCKS; i++) {
		blk[i] = take();
		KT_ASSERT_NOT_NULL(t, blk[i]);
	}
	KT_EXPECT_EQ(t, k_mem_slab_alloc(&pool, &extra, K_NO_WAIT), -MM_ENOMEM);
	KT_EXPECT_NULL(t, extra);
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	KT_EXPECT_EQ(t, k_mem_slab_num_free_get(&pool), 0);
	KT_EXPECT_EQ(t, k_mem_slab_max_used_get(&pool), NBLOCKS);
	KT_EXPECT_TRUE(t, k_mem_slab_validate(&pool));
	/* LIFO: the block freed last comes back first. */
	k_mem_slab_free(&pool, blk[7]);
	k_mem_slab_free(&pool, blk[3]);
	KT_EXPECT_TRUE(t, take() == blk[3]);
	KT_EXPECT_TRUE(t, take() == blk[7]);
	for (unsigned int i = 0; i < NBLOCKS; i++)
		k_mem_slab_free(&pool, blk[i]);
	expect_empty(t);
	KT_EXPECT_EQ(t, k_mem_slab_alloc(&pool, NULL, K_NO_WAIT), -MM_EINVAL);
	pool_teardown(t);
}

static void test_bad_frees(struct ktest *t)
{
	static unsigned long outside[8];
	struct k_mem_slab_stats before, after;
	unsigned char *a, *b;

	pool_setup(t, BLOCK, NBLOCKS);
	a = take();
	b = take();
	KT_ASSERT_TRUE(t, a && b);
	memset(a, 0x11, BLOCK);
	k_mem_slab_stats_get(&pool, &before);
	ktest_log(t, "five refused frees are expected below");
	k_mem_slab_free(&pool, NULL); /* a no-op, not an error */
	k_mem_slab_free(&pool, outside);
	k_mem_slab_free(&pool, a + 8); /* interior */
	k_mem_slab_free(&pool, pool.ms_buffer + NBLOCKS * BLOCK); /* past */
	k_mem_slab_free(&pool, b);
	k_mem_slab_free(&pool, b); /* double free */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	k_mem_slab_free(&pool, pool.ms_buffer + 5 * BLOCK); /* never given */
	k_mem_slab_stats_get(&pool, &after);
	KT_EXPECT_EQ(t, after.nr_bad_free - before.nr_bad_free, 5);
	KT_EXPECT_EQ(t, after.nr_free - before.nr_free, 1);
	KT_EXPECT_TRUE(t, mem_is_filled(a, 0x11, BLOCK));
	KT_EXPECT_TRUE(t, k_mem_slab_block_live(&pool, a));
	KT_EXPECT_FALSE(t, k_mem_slab_block_live(&pool, b));
	KT_EXPECT_TRUE(t, k_mem_slab_validate(&pool));
	k_mem_slab_free(&pool, a);
	expect_empty(t);
	pool_teardown(t);
}

/* A write after free breaks a link: found when followed, never obeyed. */
static void test_scribbled_list(struct ktest *t)
{
	struct k_mem_slab_stats st;
	void *a, *b;

	pool_setup(t, BLOCK, 16);
	a = take();
	b = take();
	KT_ASSERT_TRUE(t, a && b);
	k_mem_slab_free(&pool, b);
	k_mem_slab_free(&pool, a); /* list: a -> b -> block 2 ... */
	*(uintptr_t *)b = (uintptr_t)a; /* use after free of b */
	KT_EXPECT_FALSE(t, k_mem_slab_validate(&pool));
	ktest_log(t, "a bad-link report and a double free are expected below");
	/* a's link leads to b, which no longer looks free: not followed. */
	KT_EXPECT_NULL(t, take());
	k_mem_slab_stats_get(&pool, &st);
	KT_EXPECT_TRUE(t, st.corrupt);
	KT_EXPECT_EQ(t, st.nr_lost, 16);
	KT_EXPECT_EQ(t, st.num_free, 0);
	KT_EXPECT_TRUE(t, k_mem_slab_validate(&pool)); /* accounted for */
	k_mem_slab_free(&pool, a); /* abandoned, but still free */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_TRUE(t, k_mem_slab_validate(&pool));
	pool_teardown(t);
}

static void test_init_rejects(struct ktest *t)
{
	static unsigned long buf[16];
	struct k_mem_slab s;

	KT_EXPECT_EQ(t, k_mem_slab_init(&s, NULL, 16, 4), -MM_EINVAL);
	KT_EXPECT_EQ(t, k_mem_slab_init(&s, buf, 12, 4), -MM_EINVAL);
	KT_EXPECT_EQ(t, k_mem_slab_init(&s, buf, 16, 0), -MM_EINVAL);
	KT_EXPECT_EQ(t, k_mem_slab_init(&s, (char *)buf + 4, 16, 4),
		     -MM_EINVAL);
	KT_EXPECT_EQ(t, k_mem_slab_init(&s, buf, SIZE_MAX / 2, 4), -MM_EINVAL);
	KT_EXPECT_EQ(t, k_mem_slab_init(&s, buf, 8, 16), 0);
	KT_EXPECT_TRUE(t, k_mem_slab_validate(&s));
	k_mem_slab_remove(&s);
}

/* ---- waiting ------------------------------------------------------------------ */

static volatile int irq_result;

static void irq_alloc(void *arg)
{
	void *b;

	/* K_FOREVER in an interrupt handler must fail at once. */
	irq_result = k_mem_slab_alloc(&pool, &b, K_FOREVER) ? 2 : 1;
}

struct waiter {
	volatile int phase;
	void *held, *got;
	int rc;
};

static void wait_worker(void *arg)
{
	struct waiter *w = arg;

	if (arch_cpu_id() == 0) {
		__atomic_store_n(&w->phase, 1, __ATOMIC_RELEASE);
		w->rc = k_mem_slab_alloc(&pool, &w->got, K_MSEC(5000));
	} else if (arch_cpu_id() == 1) {
		uint64_t until;

		while (!__atomic_load_n(&w->phase, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
		until = arch_time_ns() + 2000000; /* let hart 0 start waiting */
		while (arch_time_ns() < until)
			arch_cpu_relax();
		k_mem_slab_free(&pool, w->held);
	}
}

static void test_timeout(struct ktest *t)
{
	static struct waiter w;
	struct k_mem_slab_stats st;
	void *b;

	pool_setup(t, BLOCK, 1);
	memset(&w, 0, sizeof(w));
	w.held = take();
	KT_ASSERT_NOT_NULL(t, w.held);
	KT_EXPECT_EQ(t, k_mem_slab_alloc(&pool, &b, K_USEC(500)), -MM_ENOMEM);
	k_mem_slab_stats_get(&pool, &st);
	KT_EXPECT_EQ(t, st.nr_wait, 1);
	KT_ASSERT_TRUE(t, arch_call_from_irq(irq_alloc, NULL));
	KT_EXPECT_EQ(t, irq_result, 2);
	if (arch_nr_cpus() < 2) {
		k_mem_slab_free(&pool, w.held);
		pool_teardown(t);
		ktest_skip(t, "needs two harts");
	}
	arch_run_on_all_cpus(wait_worker, &w);
	KT_EXPECT_EQ(t, w.rc, 0); /* woken by hart 1's free */
	KT_EXPECT_TRUE(t, w.got == w.held);
	k_mem_slab_free(&pool, w.got);
	expect_empty(t);
	pool_teardown(t);
}

/* ---- hooks: fault injection and transactions ---------------------------------- */

static void test_fault_injection(struct ktest *t)
{
	struct mm_fault_attr attr;
	void *b = NULL, *c;

	pool_setup(t, BLOCK, 4);
	mm_fault_attr_init(&attr);
	attr.kinds = 1u << MM_KIND_POOL;
	str_copy(attr.name, "ktest", sizeof(attr.name));
	attr.nth = 2;
	KT_ASSERT_EQ(t, mm_fault_set(&attr), 0);
	KT_EXPECT_EQ(t, k_mem_slab_alloc(&pool, &b, K_NO_WAIT), 0);
	KT_EXPECT_EQ(t, k_mem_slab_alloc(&pool, &c, K_NO_WAIT),
		     -MM_EFAULT_INJECTED);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	KT_EXPECT_EQ(t, mm_fault_clear(), 1);
	/* An injected failure is not the pool's: its counters did not move. */
	KT_EXPECT_EQ(t, pool.ms_nr_fail, 0);
	KT_EXPECT_EQ(t, k_mem_slab_num_used_get(&pool), 1);
	k_mem_slab_free(&pool, b);
	expect_empty(t);
	pool_teardown(t);
}

static void test_txn_abort(struct ktest *t)
{
	struct k_mem_slab_stats before, after;
	struct mm_txn tx;
	void *keep, *old, *b;
	unsigned long free0;

	pool_setup(t, BLOCK, 64);
	keep = take();
	old = take();
	KT_ASSERT_TRUE(t, keep && old);
	free0 = free_now();
	k_mem_slab_stats_get(&pool, &before);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < 40; i++)
		KT_EXPECT_NOT_NULL(t, (b = take()));
	k_mem_slab_free(&pool, old); /* deferred: restored by the abort */
	KT_EXPECT_TRUE(t, k_mem_slab_block_live(&pool, old));
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	k_mem_slab_stats_get(&pool, &after);
	KT_EXPECT_EQ(t, after.num_used, before.num_used);
	KT_EXPECT_EQ(t, after.num_free, before.num_free);
	KT_EXPECT_TRUE(t, k_mem_slab_block_live(&pool, old));
	KT_EXPECT_TRUE(t, k_mem_slab_block_live(&pool, keep));
	KT_EXPECT_EQ(t, free_now(), free0);
	KT_EXPECT_TRUE(t, mm_validate());
	/* Commit keeps the allocations and performs the deferred free. */
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	b = take();
	k_mem_slab_free(&pool, old);
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	KT_EXPECT_FALSE(t, k_mem_slab_block_live(&pool, old));
	KT_EXPECT_TRUE(t, k_mem_slab_block_live(&pool, b));
	k_mem_slab_free(&pool, b);
	k_mem_slab_free(&pool, keep);
	expect_empty(t);
	pool_teardown(t);
}

/* ---- all harts ------------------------------------------------------------------ */

#define SMP_SLOTS 24
struct smp_state {
	void *slot[NR_CPUS][SMP_SLOTS];
	unsigned long damaged, fails;
};

static void smp_churn(void *arg)
{
	struct smp_state *s = arg;
	unsigned int cpu = arch_cpu_id();
	struct prng r;

	prng_seed(&r, 31 + cpu);
	for (unsigned int round = 0; round < 3000; round++) {
		unsigned int i = (unsigned int)prng_below(&r, SMP_SLOTS);
		unsigned char *p = s->slot[cpu][i];

		if (p) {
			if (!mem_is_filled(p, (unsigned char)(cpu + 1), BLOCK))
				__atomic_fetch_add(&s->damaged, 1,
						   __ATOMIC_RELAXED);
			k_mem_slab_free(&pool, p);
		}
		p = take();
		if (p)
			memset(p, cpu + 1, BLOCK);
		else
			__atomic_fetch_add(&s->fails, 1, __ATOMIC_RELAXED);
		s->slot[cpu][i] = p;
	}
}

/* Each hart frees what its neighbour holds. */
static void smp_cross_free(void *arg)
{
	struct smp_state *s = arg;
	unsigned int from = (arch_cpu_id() + 1) % arch_nr_cpus();

	for (unsigned int i = 0; i < SMP_SLOTS; i++) {
		unsigned char *p = s->slot[from][i];

		if (p && !mem_is_filled(p, (unsigned char)(from + 1), BLOCK))
			__atomic_fetch_add(&s->damaged, 1, __ATOMIC_RELAXED);
		k_mem_slab_free(&pool, p);
	}
}

static void test_all_harts(struct ktest *t)
{
	static struct smp_state s;

	memset(&s, 0, sizeof(s));
	/* Fewer blocks than slots: the harts compete for the last ones. */
	pool_setup(t, BLOCK, SMP_SLOTS * 2);
	arch_run_on_all_cpus(smp_churn, &s);
	KT_EXPECT_TRUE(t, k_mem_slab_validate(&pool));
	arch_run_on_all_cpus(smp_cross_free, &s);
	ktest_log(t, "%u harts x 3000 rounds, %lu refusals", arch_nr_cpus(),
		  s.fails);
	KT_EXPECT_EQ(t, s.damaged, 0);
	expect_empty(t);
	pool_teardown(t);
}

static const struct ktest_case pool_cases[] = {
	KTEST_CASE(test_random_ops),	  KTEST_CASE(test_exhaust),
	KTEST_CASE(test_bad_frees),	  KTEST_CASE(test_scribbled_list),
	KTEST_CASE(test_init_rejects),	  KTEST_CASE(test_timeout),
	KTEST_CASE(test_fault_injection), KTEST_CASE(test_txn_abort),
	KTEST_CASE(test_all_harts),	  KTEST_END,
};
KTEST_SUITE(pool, pool_cases);

// SPDX-License-Identifier: MIT
/*
 * Arenas (mm/arena.c): random allocations and resets to random marks
 * checked against a model (contents, alignment, no overlap, pages and
 * bytes accounted), large requests, bad marks, fault injection,
 * transaction rollback, and all harts sharing one arena.
 */
#include "kernel/ktest.h"
#include "mm/arena.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/txn.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "tests/kernel/txn_test.h"

#define MAX_LIVE 2048

struct obj {
	unsigned char *p;
	size_t n;
	void *mark; /* arena_mark() just before it was allocated */
};

static struct arena arena;

/* Cleanup action: an arena the case set up. */
static void destroy_arena(void *a)
{
	arena_destroy(a);
}

/* arena_init(), with its arena_destroy() registered as cleanup. */
static void start_arena(struct ktest *t, struct arena *a, const char *name,
			unsigned int order, gfp_t gfp)
{
	KT_ASSERT_EQ(t, arena_init(a, name, order, gfp), 0);
	ktest_add_action_or_reset(t, destroy_arena, a);
}

static void expect_empty(struct ktest *t, struct arena *a)
{
	struct arena_stats st;

	KT_EXPECT_TRUE(t, arena_validate(a));
	arena_stats_get(a, &st);
	KT_EXPECT_EQ(t, st.chunks, 0);
	KT_EXPECT_EQ(t, st.pages, 0);
	KT_EXPECT_EQ(t, st.used, 0);
}

static bool overlaps(const struct obj *o, unsigned int nr, const void *p,
		     size_t n)
{
	const unsigned char *a = p;

	for (unsigned int i = 0; i < nr; i++)
		if (a < o[i].p + o[i].n && o[i].p < a + n)
			return true;
	return false;
}

static unsigned char tag_of(unsigned int i)
{
	return (unsigned char)(i * 37 + 1);
}

/*
 * The model: objects form a stack (the arena is LIFO).  Resetting to the
 * mark taken before object k removes objects k.. and must bring the
 * arena's used bytes back to what they were then.
 */
static void test_random_marks(struct ktest *t)
{
	static struct obj o[MAX_LIVE];
	static size_t used_at[MAX_LIVE];
	unsigned int nr = 0, damaged = 0, bad = 0, resets = 0;
	unsigned long free0 = free_now();
	struct arena_stats st;
	struct prng r;

	start_arena(t, &arena, "ktest", 0, GFP_KERNEL);
	prng_seed(&r, 0xa7e4a);
	for (unsigned int op = 0; op < 20000; op++) {
		if (nr && (nr == MAX_LIVE || prng_below(&r, 40) == 0)) {
			unsigned int k = (unsigned int)prng_below(&r, nr);

			for (unsigned int i = 0; i < nr; i++)
				damaged += !mem_is_filled(o[i].p, tag_of(i),
							  o[i].n);
			arena_reset_to(&arena, o[k].mark);
			arena_stats_get(&arena, &st);
			bad += st.used != used_at[k];
			nr = k;
			resets++;
			continue;
		}
		size_t n = 1 + prng_below(&r, prng_below(&r, 16) ? 200 : 9000);
		size_t align =
			prng_below(&r, 3) ? 0 : 1ul << prng_below(&r, 13);
		unsigned char *p;

		arena_stats_get(&arena, &st);
		used_at[nr] = st.used;
		o[nr].mark = arena_mark(&arena);
		p = arena_alloc(&arena, n, align);
		KT_ASSERT_NOT_NULL(t, p);
		if ((uintptr_t)p & ((align ? align : ARENA_ALIGN) - 1) ||
		    overlaps(o, nr, p, n))
			bad++;
		memset(p, tag_of(nr), n);
		o[nr].p = p;
		o[nr++].n = n;
		if (op % 2000 == 0)
			KT_ASSERT_TRUE(t, arena_validate(&arena));
	}
	arena_stats_get(&arena, &st);
	ktest_log(t,
		  "20000 operations, %u resets; now %lu chunks, %lu pages, "
		  "%zu bytes used, %zu wasted",
		  resets, st.chunks, st.pages, st.used, st.wasted);
	KT_EXPECT_EQ(t, damaged, 0);
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_TRUE(t, arena_validate(&arena));
	ktest_release_action(t, destroy_arena, &arena);
	expect_empty(t, &arena);
	KT_EXPECT_EQ(t, free_now(), free0);
}

static void test_chunks(struct ktest *t)
{
	unsigned long free0 = free_now();
	struct arena_stats st;
	void *m0, *big, *small;

	start_arena(t, &arena, "ktest", 1, GFP_KERNEL);
	KT_EXPECT_NULL(t, arena_mark(&arena)); /* empty: nothing taken */
	KT_EXPECT_EQ(t, free_now(), free0);
	small = arena_alloc(&arena, 10, 0);
	KT_ASSERT_NOT_NULL(t, small);
	m0 = arena_mark(&arena);
	arena_stats_get(&arena, &st);
	KT_EXPECT_EQ(t, st.chunks, 1);
	KT_EXPECT_EQ(t, st.pages, 2); /* chunk_order 1 */
	KT_EXPECT_EQ(t, free_now(), free0 - 2);
	/* Larger than a chunk: a chunk of its own, the old tail wasted. */
	big = arena_alloc(&arena, 5 * PAGE_SIZE, PAGE_SIZE);
	KT_ASSERT_NOT_NULL(t, big);
	KT_EXPECT_EQ(t, (uintptr_t)big & (PAGE_SIZE - 1), 0);
	arena_stats_get(&arena, &st);
	KT_EXPECT_EQ(t, st.chunks, 2);
	KT_EXPECT_EQ(t, st.pages, 2 + 8);
	KT_EXPECT_GT(t, st.wasted, 0);
	memset(big, 0xee, 5 * PAGE_SIZE);
	/* Reset to the mark: the big chunk goes back, small stays. */
	arena_reset_to(&arena, m0);
	arena_stats_get(&arena, &st);
	KT_EXPECT_EQ(t, st.chunks, 1);
	KT_EXPECT_EQ(t, free_now(), free0 - 2);
	KT_EXPECT_TRUE(t, arena_pos_live(&arena, small));
	/* Resetting to before the first allocation frees the chunk. */
	arena_reset(&arena);
	expect_empty(t, &arena);
	KT_EXPECT_EQ(t, free_now(), free0);
	KT_EXPECT_NOT_NULL(t, arena_calloc(&arena, 100, 3));
	KT_EXPECT_NULL(t, arena_calloc(&arena, SIZE_MAX / 2, 3));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	ktest_release_action(t, destroy_arena, &arena);
	KT_EXPECT_EQ(t, free_now(), free0);
}

static void test_bad_requests(struct ktest *t)
{
	static struct arena other;
	struct arena_stats st;
	void *p, *q, *m;

	KT_EXPECT_EQ(t, arena_init(&other, "bad", MAX_ORDER, GFP_KERNEL),
		     -MM_EINVAL);
	KT_EXPECT_EQ(t, arena_init(&other, "bad", 0, 0x8000u), -MM_EINVAL);
	start_arena(t, &arena, "ktest", 0, GFP_KERNEL);
	start_arena(t, &other, "other", 0, GFP_KERNEL);
	KT_EXPECT_NULL(t, arena_alloc(&arena, 0, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, arena_alloc(&arena, 8, 24)); /* not a power of 2 */
	KT_EXPECT_NULL(t, arena_alloc(&arena, 8, 2 * PAGE_SIZE));
	KT_EXPECT_NULL(t, arena_alloc(&arena, PAGE_SIZE << MAX_ORDER, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	p = arena_alloc(&arena, 64, 0);
	m = arena_mark(&arena);
	q = arena_alloc(&other, 64, 0);
	KT_ASSERT_TRUE(t, p && q);
	memset(p, 0x5a, 64);
	ktest_log(t, "three refused resets are expected below");
	arena_reset_to(&arena, q); /* another arena's position */
	arena_reset_to(&arena, (char *)m + 16); /* above the top */
	arena_reset_to(&arena, p);
	arena_reset_to(&arena, m); /* now above the top: already reset */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	arena_stats_get(&arena, &st);
	KT_EXPECT_EQ(t, st.nr_bad_reset, 3);
	KT_EXPECT_EQ(t, st.nr_fail, 4);
	KT_EXPECT_TRUE(t, arena_validate(&arena));
	ktest_release_action(t, destroy_arena, &arena);
	ktest_release_action(t, destroy_arena, &other);
	expect_empty(t, &other);
}

/* ---- hooks: fault injection and transactions ---------------------------------- */

static void test_fault_injection(struct ktest *t)
{
	struct mm_fault_attr attr;
	struct arena_stats st;

	start_arena(t, &arena, "ktest", 0, GFP_KERNEL);
	mm_fault_attr_init(&attr);
	attr.kinds = 1u << MM_KIND_ARENA;
	attr.every = 2;
	KT_ASSERT_EQ(t, mm_fault_set(&attr), 0);
	for (unsigned int i = 0; i < 10; i++) {
		void *p = arena_alloc(&arena, 32, 0);

		KT_EXPECT_EQ(t, !p, i % 2 == 1);
	}
	KT_EXPECT_EQ(t, mm_fault_clear(), 5);
	arena_stats_get(&arena, &st);
	KT_EXPECT_EQ(t, st.nr_alloc, 5);
	KT_EXPECT_EQ(t, st.nr_fail, 0); /* injected failures are not its own */
	KT_EXPECT_EQ(t, st.used, 5 * 32);
	ktest_release_action(t, destroy_arena, &arena);
	expect_empty(t, &arena);
}

static void expect_same(struct ktest *t, const struct arena_stats *a,
			const struct arena_stats *b)
{
	KT_EXPECT_EQ(t, a->chunks, b->chunks);
	KT_EXPECT_EQ(t, a->pages, b->pages);
	KT_EXPECT_EQ(t, a->used, b->used);
	KT_EXPECT_EQ(t, a->room, b->room);
}

static void test_txn_abort(struct ktest *t)
{
	struct arena_stats before, after;
	unsigned long free0;
	struct mm_txn tx, in;
	unsigned char *keep, *p;

	start_arena(t, &arena, "ktest", 0, GFP_KERNEL);
	keep = arena_alloc(&arena, 1000, 0);
	KT_ASSERT_NOT_NULL(t, keep);
	memset(keep, 0x77, 1000);
	free0 = free_now();
	arena_stats_get(&arena, &before);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	/* Enough to need new chunks, with odd sizes and alignments. */
	for (unsigned int i = 0; i < 60; i++) {
		p = arena_alloc(&arena, 100 + i * 37, 1ul << (i % 9));
		KT_ASSERT_NOT_NULL(t, p);
		memset(p, 0x11, 100 + i * 37);
	}
	KT_ASSERT_EQ(t, mm_txn_begin(&in), 0);
	KT_EXPECT_NOT_NULL(t, arena_alloc(&arena, 5000, 64));
	KT_EXPECT_EQ(t, mm_txn_abort(&in), 0); /* the inner part only */
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	arena_stats_get(&arena, &after);
	expect_same(t, &before, &after);
	KT_EXPECT_EQ(t, free_now(), free0);
	KT_EXPECT_TRUE(t, mem_is_filled(keep, 0x77, 1000));
	KT_EXPECT_TRUE(t, mm_validate());
	/* Committed allocations stay; the arena goes on from there. */
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	p = arena_alloc(&arena, 5000, 0);
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	KT_EXPECT_TRUE(t, p && arena_pos_live(&arena, p));
	ktest_release_action(t, destroy_arena, &arena);
	expect_empty(t, &arena);
	KT_EXPECT_EQ(t, free_now(), free0 + before.pages);
}

/* ---- all harts ------------------------------------------------------------------ */

struct smp_state {
	unsigned long damaged, fails;
};

static void smp_fill(void *arg)
{
	struct smp_state *s = arg;
	unsigned int cpu = arch_cpu_id();
	unsigned char *mine[64];
	size_t n[64];
	struct prng r;

	prng_seed(&r, 5 + cpu);
	for (unsigned int i = 0; i < 64; i++) {
		n[i] = 1 + prng_below(&r, 700);
		mine[i] = arena_alloc(&arena, n[i], 0);
		if (!mine[i]) {
			__atomic_fetch_add(&s->fails, 1, __ATOMIC_RELAXED);
			continue;
		}
		memset(mine[i], cpu + 1, n[i]);
	}
	for (unsigned int i = 0; i < 64; i++)
		if (mine[i] && !mem_is_filled(mine[i], cpu + 1, n[i]))
			__atomic_fetch_add(&s->damaged, 1, __ATOMIC_RELAXED);
}

static void test_all_harts(struct ktest *t)
{
	static struct smp_state s;
	unsigned long free0 = free_now();

	memset(&s, 0, sizeof(s));
	start_arena(t, &arena, "ktest", 0, GFP_KERNEL);
	for (unsigned int round = 0; round < 20; round++) {
		arch_run_on_all_cpus(smp_fill, &s);
		KT_EXPECT_TRUE(t, arena_validate(&arena));
		arena_reset(&arena);
	}
	ktest_log(t, "%u harts x 20 rounds, %lu refusals", arch_nr_cpus(),
		  s.fails);
	KT_EXPECT_EQ(t, s.damaged, 0);
	KT_EXPECT_EQ(t, s.fails, 0);
	ktest_release_action(t, destroy_arena, &arena);
	KT_EXPECT_EQ(t, free_now(), free0);
}

static const struct ktest_case arena_cases[] = {
	KTEST_CASE(test_random_marks),
	KTEST_CASE(test_chunks),
	KTEST_CASE(test_bad_requests),
	KTEST_CASE(test_fault_injection),
	KTEST_CASE(test_txn_abort),
	KTEST_CASE(test_all_harts),
	KTEST_END,
};
KTEST_SUITE(arena, arena_cases);

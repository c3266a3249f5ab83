/* SPDX-License-Identifier: MIT */
/*
 * Runs of pages (page_runs, mm/page_run.c): a run is found where no buddy
 * block of its order is free, is handed out as the aligned cut of its
 * frames, and goes back whole; a free that does not match a live run
 * changes nothing; random runs never overlap, keep their contents and
 * leave every page accounted for.
 */
#include "tests/kernel/page_test.h"
#include "tests/kernel/kt_cleanup.h"
#include "lib/prng.h"
#include "lib/string.h"

#define HOLD_GFP (GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN)
#define HERE ((unsigned long)__builtin_return_address(0)) /* for reports */

static struct held_set hs; /* outlives the frame (held_init()) */

/* Frames 3..7 of a cut block the only free memory (page_test.h). */
static unsigned long setup_run5(struct ktest *t)
{
	unsigned long base;

	KT_ASSERT_TRUE(t, held_init(t, &hs,
				    nr_free_pages() / MAX_ORDER_NR_PAGES +
					    8192));
	kt_faults_pause();
	base = hold_all_but_run5(&hs, HOLD_GFP);
	if (!base) {
		held_done(t, &hs);
		kt_faults_resume();
		ktest_skip(t, "no block of order 4 to cut");
	}
	return base;
}

static void teardown_run5(struct ktest *t)
{
	held_done(t, &hs);
	kt_faults_resume();
	KT_EXPECT_TRUE(t, page_alloc_validate());
}

/*
 * Five free frames in a row, an order-0 block then an order-2 block, and
 * no free block of order 3: a run of 5 is those frames, cut into (3,
 * order 0) and (4, order 2); a run of 6 does not exist.  Freed, the free
 * lists are as before.
 */
static void test_run_from_fragments(struct ktest *t)
{
	unsigned long base = setup_run5(t), before = nr_free_pages();
	struct zone *z = page_zone(pfn_to_page(base));
	struct area_snap a, b;
	struct page *pg;

	KT_EXPECT_EQ(t, before, 5);
	KT_EXPECT_FALSE(t, zone_has_block(z, 3));
	area_snap_take(z, &a);
	KT_EXPECT_NULL(t, __alloc_page_run(HOLD_GFP | __GFP_LARGE, 6, HERE));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	pg = __alloc_page_run(HOLD_GFP | __GFP_LARGE, 5, HERE);
	KT_ASSERT_NOT_NULL(t, pg);
	KT_EXPECT_EQ(t, page_to_pfn(pg), base + 3);
	KT_EXPECT_NULL(t, page_run_check(pg, 5, 0));
	KT_EXPECT_EQ(t, pg->order, 0);
	KT_EXPECT_TRUE(t, pg[1].flags & PG_head);
	KT_EXPECT_TRUE(t, pg[1].flags & PG_run);
	KT_EXPECT_FALSE(t, pg->flags & PG_run);
	KT_EXPECT_EQ(t, pg[1].order, 2);
	KT_EXPECT_TRUE(t, pg->flags & PG_kind_large);
	KT_EXPECT_EQ(t, nr_free_pages(), 0);
	memset(page_address(pg), 0xa5, 5 * PAGE_SIZE);
	KT_EXPECT_EQ(t, ((unsigned char *)page_address(pg))[5 * PAGE_SIZE - 1],
		     0xa5);
	KT_EXPECT_TRUE(t, page_alloc_validate());
	__free_page_run(pg, 5, HERE);
	area_snap_take(z, &b);
	KT_EXPECT_TRUE(t, area_snap_equal(&a, &b));
	KT_EXPECT_EQ(t, nr_free_pages(), before);
	/* part of a block: the rest goes back to the lists */
	pg = __alloc_page_run(HOLD_GFP | __GFP_LARGE | __GFP_ZERO, 3, HERE);
	KT_ASSERT_NOT_NULL(t, pg);
	KT_EXPECT_EQ(t, page_to_pfn(pg), base + 3); /* fragments first */
	KT_EXPECT_EQ(t, nr_free_pages(), 2); /* 6..7: an order-1 block */
	KT_EXPECT_TRUE(t, zone_free_blocks(z, 1) >= 1);
	KT_EXPECT_EQ(t, ((unsigned long *)page_address(pg))[3 * PAGE_SIZE / 8 - 1],
		     0);
	KT_EXPECT_TRUE(t, page_alloc_validate());
	__free_page_run(pg, 3, HERE);
	area_snap_take(z, &b);
	KT_EXPECT_TRUE(t, area_snap_equal(&a, &b));
	teardown_run5(t);
}

/* A free that is not exactly a live run (a wrong count, a bad pointer, a
 * slab, free_pages() of a later block of the run, a second free):
 * refused, counted, nothing changed; the live run still frees. */
static void test_run_bad_frees(struct ktest *t)
{
	void *obj = kmalloc(64, GFP_KERNEL); /* a slab page, before the hold */
	unsigned long base = setup_run5(t), bad = 0;
	struct page *pg, *head = obj ? virt_to_page(obj) : NULL;

	pg = __alloc_page_run(HOLD_GFP | __GFP_LARGE, 5, HERE);
	KT_ASSERT_NOT_NULL(t, pg);
	KT_EXPECT_EQ(t, page_to_pfn(pg), base + 3);
	for (unsigned int k = 0; k < NR_BAD_FREE; k++)
		bad += page_alloc_bad_frees[k];
	__free_page_run(pg, 4, HERE); /* cut (3,0)(4,1)(6,0): wrong */
	__free_page_run(pg, 0, HERE);
	__free_page_run(pg, MAX_ORDER_NR_PAGES + 1, HERE);
	__free_page_run(pg - 1, 6, HERE); /* base+2 is not its block */
	__free_page_run((struct page *)((char *)pg + 1), 5, HERE);
	free_pages(pg + 1, 2); /* a later block of the run: PG_run */
	if (head && (head->flags & PG_slab)) /* a slab: its owner's */
		__free_page_run(head, 1UL << head->order, HERE);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	for (unsigned int k = 0; k < NR_BAD_FREE; k++)
		bad -= page_alloc_bad_frees[k];
	KT_EXPECT_EQ(t, 0UL - bad, head && (head->flags & PG_slab) ? 7 : 6);
	kfree(obj);
	KT_EXPECT_NULL(t, page_run_check(pg, 5, 0));
	KT_EXPECT_TRUE(t, page_alloc_validate());
	__free_page_run(pg, 5, HERE);
	KT_EXPECT_EQ(t, nr_free_pages(), 5);
	__free_page_run(pg, 5, HERE); /* twice */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_EQ(t, nr_free_pages(), 5);
	teardown_run5(t);
}

/* Bad arguments: MM_EINVAL, nothing allocated. */
static void test_run_bad_args(struct ktest *t)
{
	unsigned long before = nr_free_pages();

	KT_EXPECT_NULL(t, __alloc_page_run(HOLD_GFP, 0, HERE));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, __alloc_page_run(HOLD_GFP, MAX_ORDER_NR_PAGES + 1,
					   HERE));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, __alloc_page_run(HOLD_GFP | __GFP_SLAB | __GFP_LARGE,
					   2, HERE));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

/* ---- random runs ----------------------------------------------------------- */

#define RUN_SLOTS 48
#define RUN_STEPS 3000

struct run_slot {
	struct page *pg;
	unsigned long nr;
	uint64_t tag;
};

/* Every page of the run starts and ends with its tag. */
static void run_fill(const struct run_slot *s)
{
	for (unsigned long i = 0; i < s->nr; i++) {
		uint64_t *w = page_address(s->pg + i);

		w[0] = s->tag + i;
		w[PAGE_SIZE / 8 - 1] = ~(s->tag + i);
	}
}

static bool run_intact(const struct run_slot *s)
{
	for (unsigned long i = 0; i < s->nr; i++) {
		const uint64_t *w = page_address(s->pg + i);

		if (w[0] != s->tag + i || w[PAGE_SIZE / 8 - 1] != ~(s->tag + i))
			return false;
	}
	return true;
}

/* No two live runs share a frame. */
static bool runs_disjoint(const struct run_slot *s)
{
	for (unsigned int i = 0; i < RUN_SLOTS; i++)
		for (unsigned int j = i + 1; j < RUN_SLOTS && s[i].pg; j++) {
			unsigned long a = page_to_pfn(s[i].pg), b;

			if (!s[j].pg)
				continue;
			b = page_to_pfn(s[j].pg);
			if (a < b + s[j].nr && b < a + s[i].nr)
				return false;
		}
	return true;
}

/*
 * RUN_STEPS random allocations and frees of runs of 1..40 pages, of all
 * three kinds, beside order-0..2 blocks that fragment the zone (fixed
 * seed): every run is the cut its size says, no two overlap, contents
 * survive, the validator stays green and every page comes back.
 */
static void test_run_random(struct ktest *t)
{
	static struct run_slot slots[RUN_SLOTS];
	static const gfp_t kinds[] = {0, __GFP_SLAB, __GFP_LARGE};
	unsigned long before, bad_cut = 0, lost = 0, overlaps = 0;
	struct prng r;

	kt_faults_pause();
	drain_all_pages();
	before = nr_free_pages();
	prng_seed(&r, 0x72756e732d70676cULL);
	memset(slots, 0, sizeof(slots));
	for (unsigned int step = 0; step < RUN_STEPS; step++) {
		struct run_slot *s = &slots[prng_below(&r, RUN_SLOTS)];

		if (s->pg) {
			lost += !run_intact(s);
			__free_page_run(s->pg, s->nr, HERE);
			s->pg = NULL;
			continue;
		}
		s->nr = 1 + prng_below(&r, 40);
		s->pg = __alloc_page_run(GFP_KERNEL | __GFP_NOWARN |
						 kinds[prng_below(&r, 3)],
					 s->nr, HERE);
		if (!s->pg)
			continue;
		bad_cut += page_run_check(s->pg, s->nr, 0) != NULL;
		s->tag = prng_next(&r);
		run_fill(s);
		if (step % 256 == 0)
			overlaps += !runs_disjoint(slots);
	}
	overlaps += !runs_disjoint(slots);
	for (unsigned int i = 0; i < RUN_SLOTS; i++)
		if (slots[i].pg) {
			lost += !run_intact(&slots[i]);
			__free_page_run(slots[i].pg, slots[i].nr, HERE);
		}
	KT_EXPECT_EQ(t, bad_cut, 0);
	KT_EXPECT_EQ(t, lost, 0);
	KT_EXPECT_EQ(t, overlaps, 0);
	drain_all_pages();
	KT_EXPECT_EQ(t, nr_free_pages(), before);
	KT_EXPECT_TRUE(t, page_alloc_validate());
	kt_faults_resume();
}

static const struct ktest_case page_run_cases[] = {
	KTEST_CASE(test_run_from_fragments),
	KTEST_CASE(test_run_bad_frees),
	KTEST_CASE(test_run_bad_args),
	KTEST_CASE(test_run_random),
	KTEST_END,
};

KTEST_SUITE(page_runs, page_run_cases);

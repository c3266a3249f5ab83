/* SPDX-License-Identifier: MIT */
/*
 * Grouping by kind (page_kinds): pages of one kind (__GFP_SLAB,
 * __GFP_LARGE, other) come from pageblocks of that kind, a kind that runs
 * out claims a whole pageblock, kind pages bypass the per-CPU lists, and
 * the validator notices kind bookkeeping that lies.
 */
#include "tests/kernel/page_test.h"

#define NR_PAIRS 300

static enum page_kind kind_of(struct page *pg)
{
	return pageblock_kind(page_zone(pg), page_to_pfn(pg));
}

/* Both kind bits at once, and kind bits elsewhere than the page
 * allocator, are refused. */
static void test_kind_flags_checked(struct ktest *t)
{
	unsigned long before = nr_free_pages();

	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL | __GFP_SLAB | __GFP_LARGE |
					      __GFP_NOWARN,
				      0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL | 0x400u | __GFP_NOWARN, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

/*
 * Slab pages and other pages allocated in alternation do not mix: each
 * comes from a pageblock of its own kind, and the slab pages need only
 * a few new pageblocks (each claim brings at least half of one).
 */
static void test_kind_pages_stay_grouped(struct ktest *t)
{
	static struct page *slab[NR_PAIRS], *other[NR_PAIRS];
	unsigned long pb0 = 0, pb1 = 0, wrong = 0;
	struct zone *z;
	unsigned int i;

	for_each_zone (z)
		pb0 += z->nr_pageblocks[PGKIND_SLAB];
	for (i = 0; i < NR_PAIRS; i++) {
		slab[i] = alloc_pages_really(GFP_KERNEL | __GFP_SLAB, 0);
		other[i] = alloc_pages_really(GFP_KERNEL, 0);
		if (!slab[i] || !other[i])
			break;
	}
	KT_EXPECT_EQ(t, i, NR_PAIRS);
	for (unsigned int k = 0; k < i; k++) {
		wrong += kind_of(slab[k]) != PGKIND_SLAB;
		wrong += kind_of(other[k]) != PGKIND_OTHER;
		KT_EXPECT_TRUE(t, slab[k]->flags & PG_kind_slab);
	}
	KT_EXPECT_EQ(t, wrong, 0);
	for_each_zone (z)
		pb1 += z->nr_pageblocks[PGKIND_SLAB];
	KT_EXPECT_LE(t, pb1 - pb0,
		     2 * (NR_PAIRS / (PAGEBLOCK_NR_PAGES / 2) + 1));
	KT_EXPECT_TRUE(t, page_alloc_validate());
	while (i--) {
		free_pages(slab[i], 0);
		free_pages(other[i], 0);
	}
}

/* An order-0 page of a kind goes back to the buddy lists, not to a
 * per-CPU list (which serves only other pages). */
static void test_kind_free_skips_pcp(struct ktest *t)
{
	struct page *pg = alloc_pages_really(GFP_KERNEL | __GFP_LARGE, 0);
	struct per_cpu_pages *p;
	unsigned int count;

	KT_ASSERT_NOT_NULL(t, pg);
	KT_EXPECT_EQ(t, kind_of(pg), PGKIND_LARGE);
	p = &page_zone(pg)->pcp[arch_cpu_id()];
	count = p->count;
	free_pages(pg, 0);
	KT_EXPECT_FALSE(t, pg->flags & PG_pcp);
	KT_EXPECT_EQ(t, p->count, count);
}

/*
 * A kind with no free block of its own claims a pageblock: the page that
 * caused the claim lies in a pageblock now of that kind, and every free
 * block of the pageblock moved to that kind's lists (the validator).
 */
static void test_kind_claims_pageblock(struct ktest *t)
{
	static struct page *pgs[2 * PAGEBLOCK_NR_PAGES];
	struct zone *z = NULL;
	unsigned long claims = 0;
	unsigned int n = 0;

	for (; n < 2 * PAGEBLOCK_NR_PAGES; n++) {
		pgs[n] = alloc_pages_really(GFP_KERNEL | __GFP_LARGE, 0);
		if (!pgs[n])
			break;
		if (!z) {
			z = page_zone(pgs[n]);
			claims = z->nr_claim;
		}
		if (z->nr_claim != claims) {
			n++;
			break;
		}
	}
	KT_ASSERT_GT(t, n, 0);
	KT_EXPECT_EQ(t, kind_of(pgs[n - 1]), PGKIND_LARGE);
	KT_EXPECT_TRUE(t, page_alloc_validate());
	while (n--)
		free_pages(pgs[n], 0);
	KT_EXPECT_TRUE(t, page_alloc_validate());
}

/* The validator notices kind bookkeeping that lies (undone after). */
static void test_validator_checks_kinds(struct ktest *t)
{
	struct page *pg = alloc_pages_really(GFP_KERNEL | __GFP_SLAB, 1);
	struct list_head *from = NULL, *to;
	struct zone *z;
	struct page *blk;
	unsigned int o, k;

	KT_ASSERT_NOT_NULL(t, pg);
	z = page_zone(pg);
	for (o = 0; o < MAX_ORDER && !from; o++)
		for (k = 0; k < NR_PGKINDS && !from; k++)
			if (!list_empty(&z->free_area[o].free_list[k]))
				from = &z->free_area[o].free_list[k];
	KT_ASSERT_NOT_NULL(t, from);
	o--;
	k--;
	to = &z->free_area[o].free_list[(k + 1) % NR_PGKINDS];
	ktest_log(t, "three validator reports expected below");
	blk = list_first_entry(from, struct page, lru);
	list_del(&blk->lru); /* a free block on another kind's list */
	list_add(&blk->lru, to);
	KT_EXPECT_FALSE(t, page_alloc_validate());
	list_del(&blk->lru);
	list_add(&blk->lru, from);
	z->nr_pageblocks[PGKIND_LARGE]++; /* a count that lies */
	KT_EXPECT_FALSE(t, page_alloc_validate());
	z->nr_pageblocks[PGKIND_LARGE]--;
	page_owner_flags(pg, PG_kind_large, 0); /* two kinds at once */
	KT_EXPECT_FALSE(t, page_alloc_validate());
	page_owner_flags(pg, 0, PG_kind_large);
	KT_EXPECT_TRUE(t, page_alloc_validate());
	free_pages(pg, 1);
}

static const struct ktest_case page_kind_cases[] = {
	KTEST_CASE(test_kind_flags_checked),
	KTEST_CASE(test_kind_pages_stay_grouped),
	KTEST_CASE(test_kind_free_skips_pcp),
	KTEST_CASE(test_kind_claims_pageblock),
	KTEST_CASE(test_validator_checks_kinds),
	KTEST_END,
};
KTEST_SUITE(page_kinds, page_kind_cases);

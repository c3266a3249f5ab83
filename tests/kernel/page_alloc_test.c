/* SPDX-License-Identifier: MIT */
/*
 * Page allocator basics (page_alloc) and refused frees (page_badfree):
 * every order, alignment, addresses, zeroing, exact split/merge, the
 * per-CPU fast path taking no lock, hooks, and every bad-free kind.
 */
#include "tests/kernel/page_test.h"
#include "tests/kernel/kt_cleanup.h"
#include "mm/hooks.h"
#include "lib/string.h"

/* ---- page_alloc ----------------------------------------------------------- */

static void test_every_order(struct ktest *t)
{
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		struct page *pg = alloc_pages(GFP_KERNEL, o);
		unsigned long pfn;
		char *va;

		KT_ASSERT_NOT_NULL(t, pg);
		pfn = page_to_pfn(pg);
		KT_EXPECT_EQ(t, pfn & ((1UL << o) - 1), 0);
		KT_EXPECT_TRUE(t, pg->flags & PG_head);
		KT_EXPECT_EQ(t, pg->order, o);
		page_owner_flags(pg, PG_large, 0); /* an owner's block */
		KT_EXPECT_EQ(t, pg->flags, PG_head | PG_large);
		KT_EXPECT_EQ(t, pg->order, o);
		KT_EXPECT_TRUE(t, page_in_zone(page_zone(pg), pg, o));
		va = page_address(pg);
		KT_EXPECT_EQ(t, (uintptr_t)va & (PAGE_SIZE - 1), 0);
		for (unsigned long i = 0; i < (1UL << o); i++) {
			KT_EXPECT_TRUE(t, virt_to_page(va + i * PAGE_SIZE +
						       123) == pg + i);
			KT_EXPECT_TRUE(t, page_block_head(pg + i) == pg);
			memset(va + i * PAGE_SIZE, 0x5a, PAGE_SIZE);
		}
		/* owner bits are the owner's to clear: free_pages() refuses */
		page_owner_flags(pg, 0, PG_large);
		free_pages(pg, o);
		if (o)
			KT_EXPECT_NULL(t, page_block_head(pg + (1UL << o) - 1));
	}
	KT_EXPECT_NULL(t, virt_to_page((void *)0));
	KT_EXPECT_NULL(t, page_block_head(virt_to_page(mem_map)));
}

static void test_zero(struct ktest *t)
{
	for (unsigned int o = 0; o < 4; o++) {
		struct page *pg = alloc_pages(GFP_KERNEL, o);

		KT_ASSERT_NOT_NULL(t, pg);
		memset(page_address(pg), 0xa5, PAGE_SIZE << o);
		free_pages(pg, o);
		/* Most likely the same block comes back: it must be zeroed. */
		pg = alloc_pages(GFP_KERNEL | __GFP_ZERO, o);
		KT_ASSERT_NOT_NULL(t, pg);
		KT_EXPECT_TRUE(
			t, mem_is_filled(page_address(pg), 0, PAGE_SIZE << o));
		free_pages(pg, o);
	}
}

static void test_invalid_requests(struct ktest *t)
{
	unsigned long before = nr_free_pages();

	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	mm_set_error(MM_OK);
	KT_EXPECT_NULL(t, alloc_pages(0x100000 | __GFP_NOWARN, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
	free_pages(NULL, 0); /* a no-op, like kfree(NULL) */
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

/* Order 1 never uses the per-CPU lists: the split is exactly predictable. */
static void test_split_merge_exact(struct ktest *t)
{
	struct zone *z = &zones[ZONE_NORMAL];
	struct area_snap before, during, after;
	struct page *pg;
	unsigned int k = 1;

	if (zone_is_empty(z))
		ktest_skip(t, "Normal zone is empty");
	drain_all_pages();
	area_snap_take(z, &before);
	while (k < MAX_ORDER && !before.nr_free[k])
		k++;
	KT_ASSERT_LT(t, k, MAX_ORDER);
	pg = alloc_pages(GFP_KERNEL | __GFP_NOFALLBACK, 1);
	KT_ASSERT_NOT_NULL(t, pg);
	area_snap_take(z, &during);
	/* One block of order k split: one fewer of k, one more of 1..k-1. */
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		long d = (long)during.nr_free[o] - (long)before.nr_free[o];

		KT_EXPECT_EQ(t, d, o == k ? -1 : (o >= 1 && o < k) ? 1 : 0);
	}
	free_pages(pg, 1);
	area_snap_take(z, &after);
	KT_EXPECT_TRUE(t, area_snap_equal(&before, &after));
}

/*
 * Once a page sits on this hart's list, an order-0 alloc + free pair takes
 * no shared lock.  A timer interrupt in between may take one of its own, so
 * the pair gets a few tries; one clean try proves the path is lock-free.
 */
static void test_pcp_fast_path_takes_no_lock(struct ktest *t)
{
	unsigned int cpu = arch_cpu_id(), clean = 0;
	struct page *pg, *again = NULL;

	pg = alloc_pages_really(GFP_KERNEL, 0);
	KT_ASSERT_NOT_NULL(t, pg);
	free_pages(pg, 0); /* now on this hart's list, the hottest page */
	KT_EXPECT_TRUE(t, pg->flags & PG_pcp);
	KT_EXPECT_GE(t, page_zone(pg)->pcp[cpu].count, 1);
	/* Only the measured pair runs with no rule: an armed fault rule
	 * takes a lock of its own. */
	kt_faults_pause();
	for (unsigned int try = 0; try < 5 && !clean; try++) {
		unsigned long locks = spin_acquisitions(cpu);

		again = alloc_pages(GFP_KERNEL, 0);
		free_pages(again, 0);
		clean = spin_acquisitions(cpu) == locks;
	}
	kt_faults_resume();
	KT_EXPECT_TRUE(t, clean);
	KT_EXPECT_TRUE(t, again == pg);
}

/*
 * A refill or drain moves at most PCP_BATCH pages, whatever the RAM size,
 * so its cost is bounded by a constant (it grew with RAM when the batch
 * was sized from the zone).  Counted per batch: a timer interrupt on this
 * hart may move a batch of its own in between.
 */
static void test_pcp_batch_is_bounded(struct ktest *t)
{
	static struct page *pgs[PCP_HIGH + PCP_BATCH + 1];
	unsigned int cpu = arch_cpu_id(), n = 0;
	struct per_cpu_pages *p;
	unsigned long in0, refills0, out0, drains0;
	struct zone *z;

	for_each_zone (z)
		for (unsigned int c = 0; c < NR_CPUS; c++) {
			KT_EXPECT_LE(t, z->pcp[c].batch, PCP_BATCH);
			KT_EXPECT_LE(t, z->pcp[c].high, PCP_HIGH);
		}
	pgs[0] = alloc_pages_really(GFP_KERNEL, 0);
	KT_ASSERT_NOT_NULL(t, pgs[0]);
	p = &page_zone(pgs[0])->pcp[cpu];
	free_pages(pgs[0], 0);
	drain_all_pages(); /* the next order-0 allocation refills */
	in0 = p->nr_in;
	refills0 = p->nr_refill;
	pgs[0] = alloc_pages_really(GFP_KERNEL, 0);
	KT_ASSERT_NOT_NULL(t, pgs[0]);
	KT_EXPECT_GE(t, p->nr_refill - refills0, 1);
	KT_EXPECT_LE(t, p->nr_in - in0, PCP_BATCH * (p->nr_refill - refills0));
	for (n = 1; n < sizeof(pgs) / sizeof(pgs[0]); n++) {
		pgs[n] = alloc_pages_really(GFP_KERNEL, 0);
		KT_ASSERT_NOT_NULL(t, pgs[n]);
	}
	out0 = p->nr_out;
	drains0 = p->nr_drain;
	while (n--)
		free_pages(pgs[n], 0);
	KT_EXPECT_GE(t, p->nr_drain - drains0, 1);
	KT_EXPECT_LE(t, p->nr_out - out0, PCP_BATCH * (p->nr_drain - drains0));
	KT_EXPECT_LE(t, p->count, PCP_HIGH);
}

static bool fail_all(const struct mm_call *call)
{
	return true;
}

static int refuse_alloc(const struct mm_call *call, void *obj)
{
	return MM_ENOLOG;
}

static struct page *deferred_pg;
static struct mm_call deferred_call;
static bool defer_free(const struct mm_call *call, void *obj)
{
	deferred_pg = obj;
	deferred_call = *call;
	return true;
}

/* The mm/hooks.h protocol as alloc_pages()/free_pages() follow it. */
static void test_hooks(struct ktest *t)
{
	static const struct mm_hooks fail = {.should_fail = fail_all};
	static const struct mm_hooks refuse = {.on_alloc = refuse_alloc};
	static const struct mm_hooks defer = {.on_free = defer_free};
	const struct mm_hooks *saved = mm_hooks_get();
	unsigned long before = nr_free_pages();
	struct page *pg;

	mm_set_hooks(&fail);
	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	mm_set_hooks(&refuse);
	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL, 2));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOLOG);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
	mm_set_hooks(&defer);
	pg = alloc_pages(GFP_KERNEL, 1);
	KT_ASSERT_NOT_NULL(t, pg);
	free_pages(pg, 1); /* deferred: still allocated */
	KT_EXPECT_TRUE(t, deferred_pg == pg && (pg->flags & PG_head));
	KT_EXPECT_EQ(t, deferred_call.kind, MM_KIND_PAGES);
	KT_EXPECT_EQ(t, deferred_call.order, 1);
	KT_EXPECT_EQ(t, deferred_call.size, 2 * PAGE_SIZE);
	mm_set_hooks(saved);
	free_pages(pg, 1);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

static enum mm_error irq_err;
static void irq_bad_alloc(void *arg)
{
	alloc_pages(GFP_ATOMIC | __GFP_NOWARN, MAX_ORDER);
	irq_err = mm_last_error();
}

/* An interrupt's failure does not overwrite the interrupted code's error. */
static void test_error_is_per_context(struct ktest *t)
{
	mm_set_error(MM_EBUSY);
	KT_ASSERT_TRUE(t, arch_call_from_irq(irq_bad_alloc, NULL));
	KT_EXPECT_EQ(t, irq_err, MM_EINVAL);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBUSY);
	KT_EXPECT_TRUE(t, mm_strerror(MM_ENOMEM)[0] != 0);
	mm_set_error(MM_OK);
}

/* The zones tile the memmap and their sizes are consistent. */
static void test_zone_layout(struct ktest *t)
{
	struct zone *dma = &zones[ZONE_DMA], *normal = &zones[ZONE_NORMAL];
	struct zone *z;

	KT_EXPECT_EQ(t, dma->start_pfn, memmap_start_pfn);
	KT_EXPECT_EQ(t, dma->end_pfn, normal->start_pfn);
	KT_EXPECT_EQ(t, normal->end_pfn, memmap_end_pfn);
	KT_EXPECT_EQ(t, (dma->end_pfn - dma->start_pfn) << PAGE_SHIFT,
		     mm_dma_limit);
	for_each_zone (z) {
		KT_EXPECT_LE(t, z->managed_pages, z->present_pages);
		KT_EXPECT_LE(t, z->present_pages, z->end_pfn - z->start_pfn);
		KT_EXPECT_LE(t, zone_free_pages(z), z->managed_pages);
		KT_EXPECT_LE(t, z->wmark[WMARK_MIN], z->wmark[WMARK_LOW]);
		KT_EXPECT_LE(t, z->wmark[WMARK_LOW], z->wmark[WMARK_HIGH]);
		if (z->end_pfn > z->start_pfn) {
			KT_EXPECT_TRUE(
				t, page_zone(pfn_to_page(z->start_pfn)) == z);
			KT_EXPECT_TRUE(
				t, page_zone(pfn_to_page(z->end_pfn - 1)) == z);
		}
	}
	KT_EXPECT_LE(t, dma->lowmem_reserve, dma->managed_pages / 2);
	KT_EXPECT_TRUE(t, virt_to_page(mem_map)->flags & PG_reserved);
	KT_EXPECT_LE(t, sizeof(struct page), 32);
}

/* The validator itself must notice damage (then the damage is undone). */
static void test_validator_detects_damage(struct ktest *t)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 2);
	struct zone *z;
	unsigned int o = 0;

	KT_ASSERT_NOT_NULL(t, pg);
	z = page_zone(pg);
	while (o < MAX_ORDER && !zone_free_blocks(z, o))
		o++;
	KT_ASSERT_LT(t, o, MAX_ORDER);
	ktest_log(t, "three validator reports expected below");
	z->free_area[o].nr_free++; /* a list count that lies */
	KT_EXPECT_FALSE(t, page_alloc_validate());
	z->free_area[o].nr_free--;
	pg[1].flags |= PG_head; /* a block inside a block */
	KT_EXPECT_FALSE(t, page_alloc_validate());
	pg[1].flags &= ~PG_head;
	z->nr_alloc[2]++; /* a counter that disagrees with the pages */
	KT_EXPECT_FALSE(t, page_alloc_validate());
	z->nr_alloc[2]--;
	KT_EXPECT_TRUE(t, page_alloc_validate());
	free_pages(pg, 2);
}

static const struct ktest_case page_alloc_cases[] = {
	KTEST_CASE(test_zone_layout),
	KTEST_CASE(test_every_order),
	KTEST_CASE(test_zero),
	KTEST_CASE(test_invalid_requests),
	KTEST_CASE(test_split_merge_exact),
	KTEST_CASE(test_pcp_fast_path_takes_no_lock),
	KTEST_CASE(test_pcp_batch_is_bounded),
	KTEST_CASE(test_hooks),
	KTEST_CASE(test_error_is_per_context),
	KTEST_CASE(test_validator_detects_damage),
	KTEST_END,
};
KTEST_SUITE(page_alloc, page_alloc_cases);

/* ---- page_badfree ------------------------------------------------------------ */

/* Free (pg, order) expecting a refusal of this kind and no other change. */
static void expect_refused(struct ktest *t, struct page *pg, unsigned int order,
			   enum bad_free_kind kind)
{
	unsigned long free_before = nr_free_pages();
	unsigned long count = page_alloc_bad_frees[kind];

	mm_set_error(MM_OK);
	free_pages(pg, order);
	KT_EXPECT_EQ(t, page_alloc_bad_frees[kind], count + 1);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_EQ(t, nr_free_pages(), free_before);
	KT_EXPECT_TRUE(t, mm_validate());
}

static void test_outside(struct ktest *t)
{
	struct page fake = {0};

	expect_refused(t, &fake, 0, BAD_FREE_OUTSIDE);
	expect_refused(t, (struct page *)((char *)mem_map + 8), 0,
		       BAD_FREE_OUTSIDE);
	/* The struct page array's own frame is reserved. */
	expect_refused(t, virt_to_page(mem_map), 0, BAD_FREE_OUTSIDE);
}

static void test_bad_order(struct ktest *t)
{
	struct page *pg = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 0), 0);

	KT_ASSERT_NOT_NULL(t, pg);
	expect_refused(t, pg, MAX_ORDER, BAD_FREE_ORDER);
	expect_refused(t, pg, 200, BAD_FREE_ORDER);
	kt_release_pages(t, pg, 0);
}

static void test_misaligned(struct ktest *t)
{
	struct page *pg = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 2), 2);

	KT_ASSERT_NOT_NULL(t, pg);
	expect_refused(t, pg + 1, 1, BAD_FREE_MISALIGNED);
	expect_refused(t, pg + 2, 2, BAD_FREE_MISALIGNED);
	kt_release_pages(t, pg, 2);
}

static void test_double_free(struct ktest *t)
{
	struct page *pg0 = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 0), 0);
	struct page *pg3 = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 3), 3);

	KT_ASSERT_NOT_NULL(t, pg0);
	KT_ASSERT_NOT_NULL(t, pg3);
	kt_release_pages(t, pg0, 0);
	expect_refused(t, pg0, 0, BAD_FREE_DOUBLE); /* on a per-CPU list */
	drain_all_pages();
	expect_refused(t, pg0, 0, BAD_FREE_DOUBLE); /* in a buddy block */
	kt_release_pages(t, pg3, 3);
	expect_refused(t, pg3, 3, BAD_FREE_DOUBLE);
	expect_refused(t, pg3 + 4, 2, BAD_FREE_DOUBLE);
}

static void test_wrong_order(struct ktest *t)
{
	struct page *pg = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 2), 2);

	KT_ASSERT_NOT_NULL(t, pg);
	expect_refused(t, pg, 1, BAD_FREE_WRONG_ORDER);
	expect_refused(t, pg, 0, BAD_FREE_WRONG_ORDER);
	kt_release_pages(t, pg, 2);
}

static void test_tail_page(struct ktest *t)
{
	struct page *pg = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 3), 3);

	KT_ASSERT_NOT_NULL(t, pg);
	expect_refused(t, pg + 1, 0, BAD_FREE_TAIL);
	expect_refused(t, pg + 4, 2, BAD_FREE_TAIL);
	expect_refused(t, pg + 7, 0, BAD_FREE_TAIL);
	kt_release_pages(t, pg, 3);
}

struct race {
	struct page *pg;
	unsigned int order;
	unsigned int arrived;
};

static void race_free(void *arg)
{
	struct race *r = arg;
	unsigned int n = arch_nr_cpus();

	__atomic_fetch_add(&r->arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&r->arrived, __ATOMIC_ACQUIRE) < n)
		arch_cpu_relax();
	free_pages(r->pg, r->order);
}

/* Every hart frees the same block at once: exactly one free succeeds. */
static void test_concurrent_double_free(struct ktest *t)
{
	unsigned long before = nr_free_pages();

	for (unsigned int order = 0; order < 3; order += 2) {
		struct race r = {alloc_pages(GFP_KERNEL, order), order, 0};
		unsigned long bad =
			page_alloc_bad_frees[BAD_FREE_DOUBLE] +
			page_alloc_bad_frees[BAD_FREE_NOT_ALLOCATED];

		KT_ASSERT_NOT_NULL(t, r.pg);
		arch_run_on_all_cpus(race_free, &r);
		bad = page_alloc_bad_frees[BAD_FREE_DOUBLE] +
		      page_alloc_bad_frees[BAD_FREE_NOT_ALLOCATED] - bad;
		KT_EXPECT_EQ(t, bad, arch_nr_cpus() - 1);
	}
	KT_EXPECT_EQ(t, nr_free_pages(), before);
	KT_EXPECT_TRUE(t, mm_validate());
}

static const struct ktest_case page_badfree_cases[] = {
	KTEST_CASE(test_outside),
	KTEST_CASE(test_bad_order),
	KTEST_CASE(test_misaligned),
	KTEST_CASE(test_double_free),
	KTEST_CASE(test_wrong_order),
	KTEST_CASE(test_tail_page),
	KTEST_CASE(test_concurrent_double_free),
	KTEST_END,
};
KTEST_SUITE(page_badfree, page_badfree_cases);

/* SPDX-License-Identifier: MIT */
/*
 * The big size classes (8, 16 and 32 KiB on order-3 slabs; suites
 * kmalloc_big_{two_tier,simple,hybrid} and kmalloc_big_dbg_*): their
 * objects come from and go back to the hart's magazine -- head-page and
 * tail-page objects alike -- with exact counters, and a random mix of
 * kmalloc/krealloc/kfree of 1..40000 bytes keeps every pattern, never
 * overlaps, honours natural alignment and gives every page back.
 */
#include "kmalloc_test.h"
#include "kt_cleanup.h"
#include "kt_retry.h"
#include "page_test.h"
#include "lib/prng.h"
#include "mm/health.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

/* ---- the magazine fast path ---------------------------------------------------- */

static bool has_magazines(void)
{
	return kmalloc_get_mode() != KMALLOC_SIMPLE && !kmt_debug_caches();
}

/* The classes above a page this suite is about. */
static const size_t big_sizes[] = {8192, 16384, 32768};
#define NR_BIG (sizeof(big_sizes) / sizeof(big_sizes[0]))

/* The big class that serves n bytes (4097..32768). */
static size_t big_class_of(size_t n)
{
	unsigned int i = 0;

	while (i + 1 < NR_BIG && big_sizes[i] < n)
		i++;
	return big_sizes[i];
}

/* The class row of a class size. */
static unsigned int class_row(size_t size)
{
	unsigned int i = 0;

	while (i < KMALLOC_NR_CLASSES && kmalloc_class_size[i] < size)
		i++;
	return i;
}

/* One hart's magazine counters, copied. */
static struct kmem_cache_cpu mag_of(struct kmem_cache *c)
{
	return *kmem_cache_cpu_part(c, arch_cpu_id());
}

/*
 * p (a live object of c) is freed into this hart's magazine and comes
 * back from it: one push, one pop, no refill, no flush, and the class's
 * kmalloc counters move by exactly one.  Interrupts stay off so that
 * nothing else uses the magazine in between.
 */
static void check_round_trip(struct ktest *t, struct kmem_cache *c, void *p,
			     size_t size)
{
	unsigned int row = class_row(kmem_cache_size(c));
	struct kmalloc_row_stats r0 = kmt_row(row);
	unsigned long flags = arch_irq_save();
	struct kmem_cache_cpu a = mag_of(c), b, d;
	void *q;

	kfree(p);
	b = mag_of(c);
	q = kmalloc(size, GFP_ATOMIC);
	d = mag_of(c);
	arch_irq_restore(flags);

	KT_EXPECT_EQ(t, b.cc_nr_free, a.cc_nr_free + 1);
	KT_EXPECT_EQ(t, b.cc_avail, a.cc_avail + 1);
	KT_EXPECT_EQ(t, b.cc_nr_flush, a.cc_nr_flush);
	KT_EXPECT_TRUE(t, q == p); /* the hottest object */
	KT_EXPECT_EQ(t, d.cc_nr_alloc, b.cc_nr_alloc + 1);
	KT_EXPECT_EQ(t, d.cc_avail, a.cc_avail);
	KT_EXPECT_EQ(t, d.cc_nr_refill, b.cc_nr_refill);
	KT_EXPECT_EQ(t, kmt_row(row).allocs, r0.allocs + 1);
	KT_EXPECT_EQ(t, kmt_row(row).frees, r0.frees + 1);
	KT_EXPECT_EQ(t, kmt_row(row).live, r0.live);
	if (q != p)
		kfree(q);
}

/* Does p lie in a tail page of its block (not its slab's first page)? */
static bool in_tail_page(const void *p)
{
	struct page *pg = virt_to_page(p);

	return pg && !(pg->flags & PG_head);
}

#define BIG_OBJS 12

/*
 * Every class above a page, at its size and at an odd size inside it:
 * kmalloc gives an object of "kmalloc-N" (not whole pages), and objects
 * in the slab's head page and in its tail pages both round-trip through
 * the magazine.
 */
static void test_big_classes_per_cpu(struct ktest *t)
{
	static void *objs[BIG_OBJS];
	unsigned int tails = 0;

	if (!has_magazines())
		ktest_skip(t, "no magazines in simple or debug mode");
	for (unsigned int i = 0; i < NR_BIG; i++) {
		size_t size = big_sizes[i];
		size_t odd = size / 2 + 1 + i;
		struct kmem_cache *c;
		char name[24];
		bool tail_seen = false;

		KT_ASSERT_LT(t, class_row(size), KMALLOC_NR_CLASSES);
		KT_ASSERT_EQ(t, kmalloc_class_size[class_row(size)], size);
		for (unsigned int k = 0; k < BIG_OBJS; k++) {
			objs[k] = KT_RETRY_INJECTED(
				kmalloc(k & 1 ? odd : size, GFP_KERNEL));
			KT_ASSERT_NOT_NULL(t, objs[k]);
			KT_EXPECT_EQ(t, ksize(objs[k]), size);
			KT_EXPECT_EQ(t, (uintptr_t)objs[k] % size, 0);
		}
		c = kmem_cache_of(objs[0]);
		KT_ASSERT_NOT_NULL(t, c);
		ksnprintf(name, sizeof(name), "kmalloc-%zu", size);
		KT_EXPECT_EQ(t, strcmp(kmem_cache_name(c), name), 0);
		KT_EXPECT_GE(t, c->kc_order, SLAB_BIG_ORDER);
		/* at most 32 KiB of objects (two at least) per magazine */
		KT_EXPECT_LE(t, kmem_cache_cpu_part(c, 0)->cc_limit,
			     size < SLAB_BIG_MAG_BYTES / 2
				     ? SLAB_BIG_MAG_BYTES / size
				     : 2);
		check_round_trip(t, c, objs[0], size);
		for (unsigned int k = 1; k < BIG_OBJS; k++) {
			if (!in_tail_page(objs[k]) || tail_seen)
				continue;
			tail_seen = true;
			tails++;
			check_round_trip(t, c, objs[k], k & 1 ? odd : size);
		}
		for (unsigned int k = 0; k < BIG_OBJS; k++)
			kfree(objs[k]);
	}
	/* 8 and 16 KiB objects share their slabs: some lie in tail pages */
	KT_EXPECT_GE(t, tails, 2);
	ktest_log(t, "objects in tail pages checked in %u classes", tails);
}

/* A block above the largest class still takes whole pages. */
static void test_above_classes(struct ktest *t)
{
	size_t n = KMALLOC_MAX_CACHE_SIZE + 1;
	struct kmalloc_row_stats a, b;
	void *p;

	if (kmalloc_get_mode() == KMALLOC_SIMPLE)
		ktest_skip(t, "no pages in simple mode");
	a = kmt_row(KMALLOC_ROW_LARGE);
	p = kmalloc(n, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, p);
	b = kmt_row(KMALLOC_ROW_LARGE);
	KT_EXPECT_EQ(t, b.allocs, a.allocs + 1);
	KT_EXPECT_NULL(t, kmem_cache_of(p));
	KT_EXPECT_GE(t, ksize(p), n);
	kfree(p);
	KT_EXPECT_EQ(t, kmt_row(KMALLOC_ROW_LARGE).frees, a.frees + 1);
}

/* ---- no order-3 block left (mm/kmalloc.c, section 8) ------------------------- */

/*
 * A big class's new slab needs an order-3 block.  With none left (every
 * free block of order 2 and up held, then one held block of order 3 or
 * more cut into held order-2 pieces but one), requests of 4097..16384
 * bytes (fixed seed) still succeed, from a block of their own order: the
 * large row counts them, they are page-aligned and whole, and kfree()
 * gives the block back.  32 KiB fails in two-tier mode, with MM_ENOMEM.
 */
#define NO_O3_ROUNDS 24
static void test_big_class_without_order3(struct ktest *t)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN;
	struct kmalloc_row_stats a;
	unsigned int big = 0;
	bool piece_freed = false;
	static struct held_set hs; /* outlives the frame (held_init()) */
	struct page *pg;
	struct prng r;

	if (kmalloc_get_mode() == KMALLOC_SIMPLE)
		ktest_skip(t, "no pages in simple mode");
	if (kmalloc_get_debug()) /* a tracked block needs red zones too */
		ktest_skip(t,
			   "debug blocks of 16 KiB take order-3 pages anyway");
	KT_ASSERT_TRUE(
		t,
		held_init(t, &hs, nr_free_pages() / MAX_ORDER_NR_PAGES + 8192));
	kt_faults_pause();
	kmalloc_shrink(); /* no big object waits in a slab or magazine */
	for (unsigned int o = MAX_ORDER; o-- > 2;)
		held_fill(&hs, gfp, o);
	/* one held block of order >= 3 is cut into held order-2 pieces, and
	 * one piece is let go: the only free block of order 2 and up */
	for (unsigned long i = 0; i < hs.n && !big; i++)
		if (held_order(&hs, i) >= 3) {
			big = held_order(&hs, i);
			held_drop(&hs, i);
		}
	KT_EXPECT_GE(t, big, 3);
	if (big >= 3 && held_fill(&hs, gfp, 2)) {
		held_drop(&hs, hs.n - 1);
		piece_freed = true;
	}
	KT_EXPECT_TRUE(t, piece_freed);
	pg = alloc_pages(gfp, 3);
	KT_EXPECT_NULL(t, pg); /* the premise: no order-3 block anywhere */
	if (pg)
		free_pages(pg, 3);
	a = kmt_row(KMALLOC_ROW_LARGE);
	prng_seed(&r, 0x6e6f2d6f72646533ULL);
	for (unsigned int i = 0; i < NO_O3_ROUNDS; i++) {
		size_t n = PAGE_SIZE + 1 + prng_below(&r, 3 * PAGE_SIZE);
		unsigned char *p = kmalloc(n, gfp);

		KT_EXPECT_NOT_NULL(t, p);
		if (!p)
			break;
		KT_EXPECT_GE(t, ksize(p), n);
		KT_EXPECT_EQ(t, (uintptr_t)p & (PAGE_SIZE - 1), 0);
		memset(p, 0x5a, n);
		KT_EXPECT_EQ(t, p[n - 1], 0x5a);
		kfree(p);
	}
	KT_EXPECT_EQ(t, kmt_row(KMALLOC_ROW_LARGE).allocs,
		     a.allocs + NO_O3_ROUNDS);
	KT_EXPECT_EQ(t, kmt_row(KMALLOC_ROW_LARGE).frees,
		     a.frees + NO_O3_ROUNDS);
	if (kmalloc_get_mode() == KMALLOC_TWO_TIER) {
		void *p = kmalloc(32768, gfp);

		KT_EXPECT_NULL(t, p);
		KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
		kfree(p);
	}
	held_done(t, &hs);
	kt_faults_resume();
	KT_EXPECT_TRUE(t, mm_validate());
}

/*
 * A run of pages (mm/page_run.c) serves a large block when no buddy
 * block of its order is free: with five free frames in a row (an order-0
 * and an order-2 block) the only free memory, kmalloc(20000) gets exactly
 * those frames; the block is whole and page-aligned, its usable size is
 * the run's, a free of its middle or a second free is refused, and kfree()
 * gives the five frames back.  Before runs, this request failed.
 */
static void test_large_from_run(struct ktest *t)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN;
	static struct held_set hs; /* outlives the frame (held_init()) */
	static char cap[512];
	struct kmalloc_row_stats a;
	unsigned long base;
	unsigned char *p;

	if (kmalloc_get_mode() == KMALLOC_SIMPLE)
		ktest_skip(t, "no pages in simple mode");
	if (kmalloc_get_debug()) /* a page of red zone in front */
		ktest_skip(t, "a debug block of 20000 bytes needs 6 pages");
	KT_ASSERT_TRUE(
		t,
		held_init(t, &hs, nr_free_pages() / MAX_ORDER_NR_PAGES + 8192));
	kt_faults_pause();
	base = hold_all_but_run5(&hs, gfp);
	KT_EXPECT_NE(t, base, 0);
	KT_EXPECT_EQ(t, nr_free_pages(), 5);
	a = kmt_row(KMALLOC_ROW_LARGE);
	p = base ? kmalloc(20000, gfp) : NULL;
	KT_EXPECT_NOT_NULL(t, p);
	if (p) {
		struct page *head = virt_to_page(p);

		KT_EXPECT_EQ(t, page_to_pfn(head), base + 3);
		KT_EXPECT_EQ(t, ksize(p), 20480);
		KT_EXPECT_EQ(t, nr_free_pages(), 0);
		memset(p, 0x3c, 20000);
		KT_EXPECT_TRUE(t, kmalloc_validate());
		KT_EXPECT_TRUE(t, page_alloc_validate());
		KT_ASSERT_TRUE(t, kt_capture(t, cap, sizeof(cap)));
		kfree(p + PAGE_SIZE); /* the run's second block: refused */
		KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
		kt_capture_stop(t);
		KT_EXPECT_NOT_NULL(t, strstr(cap, "inside a run of pages"));
		KT_EXPECT_EQ(t, p[19999], 0x3c);
		kfree(p);
		KT_EXPECT_EQ(t, nr_free_pages(), 5);
		kfree(p); /* twice */
		KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
		KT_EXPECT_EQ(t, kmt_row(KMALLOC_ROW_LARGE).allocs, a.allocs + 1);
		KT_EXPECT_EQ(t, kmt_row(KMALLOC_ROW_LARGE).frees, a.frees + 1);
	}
	KT_EXPECT_TRUE(t, kmalloc_validate());
	held_done(t, &hs);
	kt_faults_resume();
	KT_EXPECT_TRUE(t, mm_validate());
}

/* ---- random operations across the sizes -------------------------------------- */

#define BIG_SLOTS 48
#define BIG_OPS 2500
#define BIG_MAX 40000

struct big_slot {
	unsigned char *p;
	size_t size;
	unsigned char seed;
};

/* Sizes 1..40000, a third each: small classes, big classes, anything. */
static size_t big_random_size(struct prng *r)
{
	switch (prng_below(r, 3)) {
	case 0:
		return 1 + prng_below(r, PAGE_SIZE);
	case 1:
		return PAGE_SIZE + 1 +
		       prng_below(r, KMALLOC_MAX_CACHE_SIZE - PAGE_SIZE);
	default:
		return 1 + prng_below(r, BIG_MAX);
	}
}

static void big_fill(struct big_slot *s)
{
	for (size_t i = 0; i < s->size; i++)
		s->p[i] = (unsigned char)(s->seed + i * 13);
}

static bool big_intact(const struct big_slot *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s->p[i] != (unsigned char)(s->seed + i * 13))
			return false;
	return true;
}

/* Live blocks, by address, do not overlap (usable sizes). */
static void big_no_overlap(struct ktest *t, const struct big_slot *slots)
{
	static const unsigned char *sorted[BIG_SLOTS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < BIG_SLOTS; i++)
		if (slots[i].p)
			sorted[n++] = slots[i].p;
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j && sorted[j] < sorted[j - 1]; j--) {
			const unsigned char *tmp = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = tmp;
		}
	for (unsigned int i = 1; i < n; i++)
		KT_EXPECT_LE(t, (uintptr_t)sorted[i - 1] + ksize(sorted[i - 1]),
			     (uintptr_t)sorted[i]);
}

/* The block of s is what its size promises: room, alignment, and in
 * two-tier the exact class size for a class block. */
static void big_check_block(struct ktest *t, const struct big_slot *s)
{
	size_t usable = ksize(s->p);

	KT_EXPECT_GE(t, usable, s->size);
	KT_EXPECT_EQ(t, (uintptr_t)s->p % kmt_natural_align(s->size), 0);
	if (kmalloc_get_mode() != KMALLOC_TWO_TIER || kmt_debug_caches())
		return;
	if (s->size <= PAGE_SIZE) {
		KT_EXPECT_EQ(t, usable, kmalloc_class_size[class_row(s->size)]);
	} else if (s->size <= big_sizes[NR_BIG - 1]) {
		KT_EXPECT_EQ(t, usable, big_class_of(s->size));
		KT_EXPECT_NOT_NULL(t, kmem_cache_of(s->p));
	}
}

static void big_step(struct ktest *t, struct prng *r, struct big_slot *s)
{
	size_t n = big_random_size(r);

	if (!s->p) {
		/* faultboot injects failures: retry those, fail on others */
		s->p = KT_RETRY_INJECTED(kmalloc(n, GFP_KERNEL));
		KT_ASSERT_NOT_NULL(t, s->p);
		s->size = n;
		s->seed = (unsigned char)prng_next(r);
		big_check_block(t, s);
		big_fill(s);
	} else if (prng_below(r, 4) == 0) {
		unsigned char *q =
			KT_RETRY_INJECTED(krealloc(s->p, n, GFP_KERNEL));

		KT_ASSERT_NOT_NULL(t, q);
		s->p = q;
		KT_EXPECT_TRUE(t, big_intact(s, n < s->size ? n : s->size));
		s->size = n;
		KT_EXPECT_GE(t, ksize(q), n);
		big_fill(s);
	} else {
		KT_EXPECT_TRUE(t, big_intact(s, s->size));
		kfree(s->p);
		s->p = NULL;
	}
}

static void test_random_sizes(struct ktest *t)
{
	static struct big_slot slots[BIG_SLOTS];
	unsigned long free0;
	struct prng r;

	kmalloc_shrink();
	free0 = nr_free_pages();
	prng_seed(&r, 0x6269672d636c6173ULL + kmalloc_get_mode() +
			      (kmalloc_get_debug() ? 16 : 0));
	memset(slots, 0, sizeof(slots));
	for (unsigned int op = 0; op < BIG_OPS; op++) {
		big_step(t, &r, &slots[prng_below(&r, BIG_SLOTS)]);
		if (op % 250 == 249)
			big_no_overlap(t, slots);
	}
	big_no_overlap(t, slots);
	for (unsigned int i = 0; i < BIG_SLOTS; i++) {
		if (!slots[i].p)
			continue;
		KT_EXPECT_TRUE(t, big_intact(&slots[i], slots[i].size));
		kfree(slots[i].p);
		slots[i].p = NULL;
	}
	KT_EXPECT_TRUE(t, mm_validate());
	kmalloc_shrink();
	/* every page is back: magazines drained, empty slabs released */
	KT_EXPECT_EQ(t, nr_free_pages(), free0);
}

static const struct ktest_case kmalloc_big_cases[] = {
	KTEST_CASE(test_big_classes_per_cpu),
	KTEST_CASE(test_above_classes),
	KTEST_CASE(test_big_class_without_order3),
	KTEST_CASE(test_large_from_run),
	KTEST_CASE(test_random_sizes),
	KTEST_END,
};
KMALLOC_MODE_SUITES(kmalloc_big, kmalloc_big_cases, false);
KMALLOC_MODE_SUITES(kmalloc_big_dbg, kmalloc_big_cases, true);

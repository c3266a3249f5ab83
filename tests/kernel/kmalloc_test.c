/* SPDX-License-Identifier: MIT */
/*
 * kmalloc API in each backend mode (suites kmalloc_two_tier, kmalloc_simple,
 * kmalloc_hybrid): every class and the page path (size, alignment, usable
 * size, reuse, statistics), thousands of random operations with pattern
 * fill and a no-overlap check, size 0, kzalloc/kcalloc (overflow),
 * krealloc (in place, moving, failure), ksize, kmalloc_aligned, GFP_DMA,
 * GFP_ATOMIC from the timer interrupt, and hybrid's fallback.
 */
#include "kmalloc_test.h"
#include "kt_retry.h"
#include "lib/prng.h"
#include "mm/health.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

static bool simple_mode(void)
{
	return kmalloc_get_mode() == KMALLOC_SIMPLE;
}

/* The statistics row a non-DMA block of n bytes lands in. */
static unsigned int row_for(size_t n)
{
	if (!n)
		return KMALLOC_ROW_ZERO;
	if (simple_mode())
		return KMALLOC_ROW_HEAP;
	if (kmt_pages_for_class(n))
		return KMALLOC_ROW_LARGE;
	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++)
		if (n <= kmalloc_class_size[i])
			return i;
	return KMALLOC_ROW_LARGE;
}

/* ---- sizes, alignment, usable size ------------------------------------------- */

static const size_t odd_sizes[] = {4097,  5000,	  8192,	   12288,
				   65536, 100000, 1 << 20, (1 << 20) + 1};

static void check_one_size(struct ktest *t, size_t n)
{
	unsigned int row = row_for(n);
	struct kmalloc_row_stats before = kmt_row(row), after;
	unsigned char *p = kmalloc(n, GFP_KERNEL);
	size_t usable;

	KT_ASSERT_NOT_NULL(t, p);
	usable = ksize(p);
	KT_EXPECT_GE(t, usable, n);
	KT_EXPECT_EQ(t, (uintptr_t)p % kmt_natural_align(n), 0);
	if (row < KMALLOC_NR_CLASSES)
		KT_EXPECT_EQ(t, usable, kmalloc_class_size[row]);
	else if (row == KMALLOC_ROW_LARGE)
		KT_EXPECT_EQ(t, usable % PAGE_SIZE, 0);
	memset(p, 0xab, usable);
	after = kmt_row(row);
	KT_EXPECT_EQ(t, after.allocs, before.allocs + 1);
	KT_EXPECT_EQ(t, after.bytes_req, before.bytes_req + n);
	kfree(p);
	KT_EXPECT_EQ(t, kmt_row(row).frees, before.frees + 1);
}

static void test_every_class(struct ktest *t)
{
	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++) {
		size_t c = kmalloc_class_size[i];

		check_one_size(t, c - 1 ? c - 1 : 1);
		check_one_size(t, c);
		if (i + 1 < KMALLOC_NR_CLASSES)
			check_one_size(t, c + 1);
	}
	for (unsigned int i = 0; i < sizeof(odd_sizes) / sizeof(odd_sizes[0]);
	     i++)
		check_one_size(t, odd_sizes[i]);
}

/* A freed block of a class is what the next request of that class gets. */
static void test_reuse(struct ktest *t)
{
	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++) {
		size_t n = kmalloc_class_size[i];
		void *p = kmalloc(n, GFP_KERNEL), *q;

		KT_ASSERT_NOT_NULL(t, p);
		kfree(p);
		q = kmalloc(n, GFP_KERNEL);
		KT_EXPECT_TRUE(t, p == q);
		kfree(q);
	}
}

/* ---- random operations --------------------------------------------------------- */

#define RND_SLOTS 128
#define RND_OPS 4000

struct slot {
	unsigned char *p;
	size_t size;
	unsigned char seed;
};

static size_t random_size(struct prng *r)
{
	uint64_t k = prng_below(r, 100);

	if (k < 70)
		return 1 + prng_below(r, 512);
	if (k < 92)
		return 513 + prng_below(r, 4096 - 512);
	if (k < 99)
		return 4097 + prng_below(r, 28 * 1024);
	return 32 * 1024 + prng_below(r, 224 * 1024);
}

static void fill(struct slot *s)
{
	for (size_t i = 0; i < s->size; i++)
		s->p[i] = (unsigned char)(s->seed + i * 31);
}

/* True when the first n bytes still hold the slot's pattern. */
static bool intact(const struct slot *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s->p[i] != (unsigned char)(s->seed + i * 31))
			return false;
	return true;
}

/* Live blocks, sorted by address, must not overlap (usable sizes). */
static void check_no_overlap(struct ktest *t, struct slot *slots)
{
	static struct slot sorted[RND_SLOTS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < RND_SLOTS; i++)
		if (slots[i].p)
			sorted[n++] = slots[i];
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j && sorted[j].p < sorted[j - 1].p;
		     j--) {
			struct slot tmp = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = tmp;
		}
	for (unsigned int i = 1; i < n; i++)
		KT_EXPECT_LE(
			t, (uintptr_t)sorted[i - 1].p + ksize(sorted[i - 1].p),
			(uintptr_t)sorted[i].p);
}

static void random_step(struct ktest *t, struct prng *r, struct slot *s)
{
	size_t n = random_size(r);

	if (!s->p) { /* faultboot injects failures: retry those */
		s->p = KT_RETRY_INJECTED(kmalloc(n, GFP_KERNEL));
		KT_ASSERT_NOT_NULL(t, s->p);
		s->size = n;
		s->seed = (unsigned char)prng_next(r);
		KT_EXPECT_EQ(t, (uintptr_t)s->p % kmt_natural_align(n), 0);
		fill(s);
	} else if (prng_below(r, 4) == 0) {
		unsigned char *q =
			KT_RETRY_INJECTED(krealloc(s->p, n, GFP_KERNEL));

		KT_ASSERT_NOT_NULL(t, q);
		s->p = q;
		KT_EXPECT_TRUE(t, intact(s, n < s->size ? n : s->size));
		s->size = n;
		fill(s);
	} else {
		KT_EXPECT_TRUE(t, intact(s, s->size));
		kfree(s->p);
		s->p = NULL;
	}
}

static void test_random_ops(struct ktest *t)
{
	static struct slot slots[RND_SLOTS];
	struct prng r;

	prng_seed(&r, 0x6b6d616c6c6f63ULL + kmalloc_get_mode());
	memset(slots, 0, sizeof(slots));
	for (unsigned int op = 0; op < RND_OPS; op++) {
		random_step(t, &r, &slots[prng_below(&r, RND_SLOTS)]);
		if (op % 500 == 499)
			check_no_overlap(t, slots);
	}
	check_no_overlap(t, slots);
	for (unsigned int i = 0; i < RND_SLOTS; i++) {
		if (!slots[i].p)
			continue;
		KT_EXPECT_TRUE(t, intact(&slots[i], slots[i].size));
		kfree(slots[i].p);
	}
	KT_EXPECT_TRUE(t, kmalloc_validate());
}

/* ---- size 0, kzalloc, kcalloc ------------------------------------------------------ */

static void test_size_zero(struct ktest *t)
{
	/* faultboot injects failures: retry those */
	void *a = KT_RETRY_INJECTED(kmalloc(0, GFP_KERNEL));
	void *b = KT_RETRY_INJECTED(kmalloc(0, GFP_KERNEL));
	void *c = KT_RETRY_INJECTED(kzalloc(0, GFP_KERNEL));
	void *d = KT_RETRY_INJECTED(kcalloc(0, 8, GFP_KERNEL));
	void *e = KT_RETRY_INJECTED(kmalloc_aligned(0, 64, GFP_KERNEL)), *f;
	unsigned long errs = 0;
	struct kmalloc_stats st;
	char buf[512], ptr[24];

	KT_ASSERT_TRUE(t, a && b && c && d && e);
	KT_EXPECT_TRUE(t, a != b && a != c && c != d && d != e);
	KT_EXPECT_EQ(t, ksize(a), 0);
	KT_EXPECT_TRUE(t, kmalloc_obj_live(a)); /* live, though 0 bytes */
	KT_EXPECT_TRUE(t, krealloc(a, 0, GFP_KERNEL) == a);
	f = KT_RETRY_INJECTED(kmalloc(40, GFP_KERNEL));
	KT_ASSERT_NOT_NULL(t, f);
	f = KT_RETRY_INJECTED(
		krealloc(f, 0, GFP_KERNEL)); /* frees the 40 bytes */
	KT_ASSERT_NOT_NULL(t, f);
	KT_EXPECT_EQ(t, ksize(f), 0);
	kmalloc_stats_get(&st);
	errs = st.zero_errors;
	*(volatile char *)b = 1; /* what a zero-size block must not see */
	KT_ASSERT_TRUE(t, printk_capture_start(buf, sizeof(buf)));
	kfree(b);
	printk_capture_stop();
	kmalloc_stats_get(&st);
	KT_EXPECT_EQ(t, st.zero_errors, errs + 1);
	KT_EXPECT_TRUE(t, kmt_contains(buf, kmt_ptr(ptr, sizeof(ptr), b)));
	kfree(a);
	kfree(c);
	kfree(d);
	kfree(e);
	kfree(f);
	KT_EXPECT_FALSE(t, kmalloc_obj_live(f));
}

static void test_kzalloc(struct ktest *t)
{
	static const size_t sizes[] = {1, 100, 4096, 5000, 20000, 70000};

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = kmalloc(sizes[i], GFP_KERNEL);

		KT_ASSERT_NOT_NULL(t, p);
		memset(p, 0xff, ksize(p)); /* so that stale bytes show */
		kfree(p);
		p = kzalloc(sizes[i], GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, p);
		KT_EXPECT_TRUE(t, mem_is_filled(p, 0, ksize(p)));
		kfree(p);
	}
}

static void test_kcalloc(struct ktest *t)
{
	unsigned char *p;

	KT_EXPECT_NULL(
		t, kcalloc((size_t)-1 / 2 + 1, 2, GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(
		t, kcalloc((size_t)-1, (size_t)-1, GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, kcalloc((size_t)1 << 33, (size_t)1 << 31,
				  GFP_KERNEL | __GFP_NOWARN));
	p = kmalloc(640, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, p);
	memset(p, 0xff, 640);
	kfree(p);
	p = kcalloc(10, 64, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, p);
	KT_EXPECT_TRUE(t, mem_is_filled(p, 0, 640));
	kfree(p);
	p = kcalloc(3, 5000, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, p);
	KT_EXPECT_TRUE(t, mem_is_filled(p, 0, 15000));
	kfree(p);
}

/* ---- krealloc, ksize ------------------------------------------------------------- */

static void test_krealloc_in_place(struct ktest *t)
{
	static const size_t sizes[] = {20, 100, 3000, 5000, 70000};

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct slot s = {kmalloc(sizes[i], GFP_KERNEL), sizes[i], 7};
		size_t usable;

		KT_ASSERT_NOT_NULL(t, s.p);
		fill(&s);
		usable = ksize(s.p);
		KT_EXPECT_TRUE(t, krealloc(s.p, usable, GFP_KERNEL) == s.p);
		KT_EXPECT_TRUE(t, intact(&s, s.size));
		KT_EXPECT_TRUE(t, krealloc(s.p, 1, GFP_KERNEL) == s.p);
		KT_EXPECT_TRUE(t, intact(&s, 1));
		KT_EXPECT_GE(t, ksize(s.p), 1);
		kfree(s.p);
	}
}

static void test_krealloc_move(struct ktest *t)
{
	static const size_t steps[] = {20, 0, 10000, 300000, 64};
	struct slot s = {kmalloc(steps[0], GFP_KERNEL), steps[0], 3};

	KT_ASSERT_NOT_NULL(t, s.p);
	fill(&s);
	for (unsigned int i = 1; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t usable = ksize(s.p);
		size_t n = steps[i] ? steps[i] : usable + 1;
		unsigned char *q =
			KT_RETRY_INJECTED(krealloc(s.p, n, GFP_KERNEL));
		size_t keep = n < s.size ? n : s.size;

		KT_ASSERT_NOT_NULL(t, q);
		/* past the usable size it moves, else it stays */
		KT_EXPECT_TRUE(t, (q != s.p) == (n > usable));
		s.p = q;
		KT_EXPECT_TRUE(t, intact(&s, keep));
		KT_EXPECT_GE(t, ksize(q), n);
		s.size = n;
		fill(&s);
	}
	kfree(s.p);
}

/* A failed krealloc leaves the old block as it was. */
static void test_krealloc_fail(struct ktest *t)
{
	struct slot s = {kmalloc(100, GFP_KERNEL), 100, 11};
	size_t usable;

	KT_ASSERT_NOT_NULL(t, s.p);
	fill(&s);
	usable = ksize(s.p);
	KT_EXPECT_NULL(
		t, krealloc(s.p, (size_t)1 << 40, GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	KT_EXPECT_NULL(t, krealloc(s.p, (size_t)-8, GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, ksize(s.p), usable);
	KT_EXPECT_TRUE(t, intact(&s, s.size));
	kfree(s.p);
	s.p = krealloc(NULL, 0, GFP_KERNEL); /* kmalloc(0) */
	KT_EXPECT_NOT_NULL(t, s.p);
	KT_EXPECT_EQ(t, ksize(s.p), 0);
	kfree(s.p);
}

/* ksize() of anything but a live block's start is 0 and prints nothing. */
static void test_ksize(struct ktest *t)
{
	/* faultboot injects failures: retry those */
	unsigned char *p = KT_RETRY_INJECTED(kmalloc(200, GFP_KERNEL)), *big;
	int local = 0;
	char buf[256];

	KT_ASSERT_NOT_NULL(t, p);
	big = KT_RETRY_INJECTED(kmalloc(9000, GFP_KERNEL));
	KT_ASSERT_NOT_NULL(t, big);
	KT_ASSERT_TRUE(t, printk_capture_start(buf, sizeof(buf)));
	KT_EXPECT_EQ(t, ksize(NULL), 0);
	KT_EXPECT_EQ(t, ksize(&local), 0);
	KT_EXPECT_EQ(t, ksize(p + 8), 0);
	KT_EXPECT_EQ(t, ksize(big + PAGE_SIZE), 0);
	KT_EXPECT_GE(t, ksize(p), 200);
	KT_EXPECT_GE(t, ksize(big), 9000);
	KT_EXPECT_TRUE(t, kmalloc_obj_live(p) && kmalloc_obj_live(big));
	KT_EXPECT_FALSE(t, kmalloc_obj_live(p + 8));
	KT_EXPECT_FALSE(t, kmalloc_obj_live(&local));
	KT_EXPECT_FALSE(t, kmalloc_obj_live(NULL));
	KT_EXPECT_EQ(t, printk_capture_stop(), 0);
	kfree(big);
	kfree(p);
}

/* ---- alignment, zones, interrupts ----------------------------------------------- */

static void test_aligned(struct ktest *t)
{
	static const size_t sizes[] = {1, 24, 100, 5000, 20000};

	for (size_t a = 1; a <= KMALLOC_MAX_ALIGN; a <<= 1) {
		for (unsigned int i = 0; i < 5; i++) {
			unsigned char *p = kmalloc_aligned(
				sizes[i], a, GFP_KERNEL | __GFP_NOWARN);

			/* simple mode aligns inside the heap: a small heap
			 * (kmalloc.heap=4M) cannot place 1+ MiB alignments */
			if (!p && simple_mode() && a >= (1 << 20) &&
			    mm_last_error() == MM_ENOMEM)
				continue;
			KT_ASSERT_NOT_NULL(t, p);
			KT_EXPECT_EQ(t, (uintptr_t)p % a, 0);
			KT_EXPECT_GE(t, ksize(p), sizes[i]);
			memset(p, 0x5c, sizes[i]);
			kfree(p);
		}
	}
	KT_EXPECT_NULL(t, kmalloc_aligned(8, 3, GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, kmalloc_aligned(8, 2 * KMALLOC_MAX_ALIGN,
					  GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
}

static void test_gfp_dma(struct ktest *t)
{
	static const size_t sizes[] = {8, 100, 2048, 4096, 5000, 40000};

	if (zone_is_empty(&zones[ZONE_DMA])) {
		KT_EXPECT_NULL(t, kmalloc(64, GFP_DMA | __GFP_NOWARN));
		ktest_skip(t, "no DMA zone");
	}
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = KT_RETRY_INJECTED(
			kmalloc(sizes[i], GFP_KERNEL | GFP_DMA));
		unsigned char *z =
			KT_RETRY_INJECTED(kzalloc(sizes[i], GFP_DMA));

		KT_ASSERT_TRUE(t, p && z);
		KT_EXPECT_TRUE(t,
			       page_zone(virt_to_page(p)) == &zones[ZONE_DMA]);
		KT_EXPECT_TRUE(t,
			       page_zone(virt_to_page(z)) == &zones[ZONE_DMA]);
		KT_EXPECT_TRUE(t, mem_is_filled(z, 0, sizes[i]));
		memset(p, 0x11, sizes[i]);
		kfree(p);
		kfree(z);
	}
}

struct irq_run {
	bool in_irq;
	void *small, *large, *zeroed, *freed_inside;
};

static void irq_alloc(void *arg)
{
	struct irq_run *run = arg;
	void *tmp;

	run->in_irq = arch_in_irq();
	run->small = kmalloc(64, GFP_ATOMIC);
	run->large = kmalloc(KMALLOC_MAX_CACHE_SIZE + 5000, GFP_ATOMIC);
	run->zeroed = kzalloc(300, GFP_ATOMIC);
	tmp = kmalloc(1000, GFP_ATOMIC);
	run->freed_inside = tmp;
	kfree(tmp);
}

static void test_atomic_from_irq(struct ktest *t)
{
	struct irq_run run = {0};

	KT_ASSERT_TRUE(t, arch_call_from_irq(irq_alloc, &run));
	KT_EXPECT_TRUE(t, run.in_irq);
	KT_EXPECT_TRUE(t, run.small && run.large && run.zeroed);
	KT_EXPECT_NOT_NULL(t, run.freed_inside);
	if (run.zeroed)
		KT_EXPECT_TRUE(t, mem_is_filled(run.zeroed, 0, 300));
	KT_EXPECT_EQ(t, ksize(run.freed_inside), 0);
	kfree(run.small);
	kfree(run.large);
	kfree(run.zeroed);
}

/* ---- two-tier short of memory: hybrid falls back on the heap ----------------- */

#define HOG_ORDER 8

/*
 * Take every free block of order HOG_ORDER - 1 and up, as blocks of
 * HOG_ORDER, then of HOG_ORDER - 1 (chained through their first word, the
 * order in the second).  Then no request of 2^HOG_ORDER pages can succeed:
 * no block of that order is free, and a run of that many free pages
 * (mm/page_run.c) would surround a free block of order HOG_ORDER - 1 or
 * more (section 2 there).
 */
static void *hog_pages(void)
{
	void *chain = NULL, *p;

	for (unsigned int o = HOG_ORDER; o + 1 >= HOG_ORDER; o--)
		while ((p = alloc_pages_addr(GFP_KERNEL | __GFP_NOWARN, o))) {
			((void **)p)[0] = chain;
			((uintptr_t *)p)[1] = o;
			chain = p;
		}
	return chain;
}

static void unhog_pages(void *chain)
{
	while (chain) {
		void *next = ((void **)chain)[0];

		free_pages(virt_to_page(chain),
			   (unsigned int)((uintptr_t *)chain)[1]);
		chain = next;
	}
}

static void test_short_of_pages(struct ktest *t)
{
	size_t n = (PAGE_SIZE << HOG_ORDER) - 1000;
	struct kmalloc_stats st0, st1;
	void *chain, *p;

	kmalloc_stats_get(&st0);
	chain = hog_pages();
	p = kmalloc(n, GFP_KERNEL | __GFP_NOWARN);
	kmalloc_stats_get(&st1);
	if (kmalloc_get_mode() == KMALLOC_TWO_TIER) {
		KT_EXPECT_NULL(t, p);
		KT_EXPECT_TRUE(t, mm_last_error() == MM_ENOMEM ||
					  mm_last_error() == MM_EWATERMARK);
		KT_EXPECT_EQ(t, st1.row[KMALLOC_ROW_LARGE].fails,
			     st0.row[KMALLOC_ROW_LARGE].fails + 1);
	} else {
		KT_EXPECT_NOT_NULL(t, p);
		KT_EXPECT_EQ(t, st1.row[KMALLOC_ROW_HEAP].allocs,
			     st0.row[KMALLOC_ROW_HEAP].allocs + 1);
	}
	KT_EXPECT_EQ(t, st1.hybrid_fallbacks,
		     st0.hybrid_fallbacks +
			     (kmalloc_get_mode() == KMALLOC_HYBRID));
	if (p)
		memset(p, 0x77, n);
	kfree(p);
	unhog_pages(chain);
}

/* ---- statistics and report ----------------------------------------------------------- */

static void test_stats_report(struct ktest *t)
{
	static char buf[4096];
	unsigned int row = row_for(50);
	struct kmalloc_row_stats a = kmt_row(row), b;
	void *p[10];

	for (unsigned int i = 0; i < 10; i++) {
		p[i] = KT_RETRY_INJECTED(kmalloc(50, GFP_KERNEL));
		KT_ASSERT_NOT_NULL(t, p[i]);
	}
	b = kmt_row(row);
	KT_EXPECT_EQ(t, b.allocs - a.allocs, 10);
	KT_EXPECT_EQ(t, b.live - a.live, 10);
	KT_EXPECT_GE(t, b.peak_live, b.live);
	KT_EXPECT_EQ(t, b.bytes_req - a.bytes_req, 500);
	if (row < KMALLOC_NR_CLASSES)
		KT_EXPECT_EQ(t, b.bytes_given - a.bytes_given, 640);
	else
		KT_EXPECT_GE(t, b.bytes_given - a.bytes_given, 500);
	KT_ASSERT_TRUE(t, printk_capture_start(buf, sizeof(buf)));
	kmalloc_report();
	printk_capture_stop();
	KT_EXPECT_TRUE(t, kmt_contains(buf, "kmalloc-64 "));
	KT_EXPECT_TRUE(t, kmt_contains(buf, "waste%"));
	KT_EXPECT_TRUE(
		t, kmt_contains(buf, kmalloc_mode_name(kmalloc_get_mode())));
	for (unsigned int i = 0; i < 10; i++)
		kfree(p[i]);
	KT_EXPECT_EQ(t, kmt_row(row).live, a.live);
}

/*
 * The peak of a class is sampled off the fast path, where a hart's
 * magazine is refilled: a spike longer than a magazine is never missed,
 * even when nobody reads the statistics until it is over.
 */
static void test_peak_sampled(struct ktest *t)
{
	static void *p[200];
	unsigned int row = row_for(50), n = 0;
	struct kmalloc_row_stats a = kmt_row(row), b;

	for (unsigned int i = 0; i < 200; i++) {
		p[n] = kmalloc(50, GFP_KERNEL);
		n += p[n] != NULL; /* an injected failure is skipped */
	}
	for (unsigned int i = 0; i < n; i++)
		kfree(p[i]);
	b = kmt_row(row);
	KT_EXPECT_EQ(t, b.live, a.live);
	KT_EXPECT_GE(t, b.peak_live + SLAB_MAG_MAX, a.live + n);
}

/*
 * The counters are exact whichever path a call takes.  Thousands of
 * random kmalloc/kzalloc/kfree calls (fixed seed; sizes 0..40000, so the
 * fast path, refills, flushes, new slabs, the page path and size 0), and
 * every row's allocations, frees and bytes asked for move by exactly what
 * the test did; the mode in force is credited with every allocation, and
 * the other modes with none.  A size class is counted in its caches'
 * magazine counters and nowhere else (mm/kmalloc_stats.c), so this is
 * what shows that the fast paths and the slow ones add up.
 */
#define EXACT_SLOTS 256
#define EXACT_OPS 6000

static size_t exact_size(struct prng *r)
{
	unsigned int k = prng_below(r, 100);

	if (k < 2)
		return 0;
	if (k < 72)
		return 1 + prng_below(r, 512);
	if (k < 92)
		return 513 + prng_below(r, 8192 - 512);
	return 8193 + prng_below(r, 40000 - 8192);
}

static void test_counts_exact(struct ktest *t)
{
	static struct {
		void *p;
		size_t n;
	} s[EXACT_SLOTS];
	static unsigned long allocs[KMALLOC_NR_ROWS], frees[KMALLOC_NR_ROWS],
		req[KMALLOC_NR_ROWS];
	static struct kmalloc_stats a, b;
	unsigned int mode = kmalloc_get_mode();
	unsigned long total = 0;
	struct prng r;

	memset(s, 0, sizeof(s));
	memset(allocs, 0, sizeof(allocs));
	memset(frees, 0, sizeof(frees));
	memset(req, 0, sizeof(req));
	prng_seed(&r, 0x636f756e7473ULL + mode);
	kmalloc_stats_get(&a);
	for (unsigned int op = 0; op < EXACT_OPS + EXACT_SLOTS; op++) {
		unsigned int i = op < EXACT_OPS ? prng_below(&r, EXACT_SLOTS)
						: op - EXACT_OPS;

		if (s[i].p) {
			kfree(s[i].p);
			frees[row_for(s[i].n)]++;
			s[i].p = NULL;
		} else if (op < EXACT_OPS) {
			size_t n = exact_size(&r);
			void *p = op % 8 ? kmalloc(n, GFP_KERNEL)
					 : kzalloc(n, GFP_KERNEL);

			if (!p)
				continue; /* injected: counted as a failure */
			allocs[row_for(n)]++;
			req[row_for(n)] += n;
			total++;
			s[i].p = p;
			s[i].n = n;
		}
	}
	kmalloc_stats_get(&b);
	for (unsigned int row = 0; row < KMALLOC_NR_ROWS; row++) {
		KT_EXPECT_EQ(t, b.row[row].allocs - a.row[row].allocs,
			     allocs[row]);
		KT_EXPECT_EQ(t, b.row[row].frees - a.row[row].frees,
			     frees[row]);
		KT_EXPECT_EQ(t, b.row[row].bytes_req - a.row[row].bytes_req,
			     req[row]);
		KT_EXPECT_EQ(t, b.row[row].live, a.row[row].live);
	}
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		KT_EXPECT_EQ(t, b.mode_allocs[m] - a.mode_allocs[m],
			     m == mode ? total : 0);
	KT_EXPECT_TRUE(t, kmalloc_validate());
}

/*
 * Allocations per mode across mode changes: each mode is credited with
 * exactly the allocations made while it was in force.
 */
static void test_mode_counts(struct ktest *t)
{
	static struct kmalloc_stats a, b;
	static const enum kmalloc_mode order[] = {
		KMALLOC_TWO_TIER, KMALLOC_HYBRID, KMALLOC_SIMPLE,
		KMALLOC_TWO_TIER};
	unsigned long made[KMALLOC_NR_MODES] = {0};
	enum kmalloc_mode mode = kmalloc_get_mode();
	void *p[40];

	kmalloc_stats_get(&a);
	for (unsigned int k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		unsigned int n = 0;

		if (kmalloc_set_mode(order[k]))
			continue; /* no simple heap: two-tier only */
		for (unsigned int i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
			p[n] = kmalloc(8 + 24 * i, GFP_KERNEL);
			n += p[n] != NULL;
		}
		made[order[k]] += n;
		while (n)
			kfree(p[--n]);
	}
	KT_ASSERT_EQ(t, kmalloc_set_mode(mode), 0);
	kmalloc_stats_get(&b);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		KT_EXPECT_EQ(t, b.mode_allocs[m] - a.mode_allocs[m], made[m]);
}

static const struct ktest_case kmalloc_cases[] = {
	KTEST_CASE(test_every_class),
	KTEST_CASE(test_reuse),
	KTEST_CASE(test_random_ops),
	KTEST_CASE(test_size_zero),
	KTEST_CASE(test_kzalloc),
	KTEST_CASE(test_kcalloc),
	KTEST_CASE(test_krealloc_in_place),
	KTEST_CASE(test_krealloc_move),
	KTEST_CASE(test_krealloc_fail),
	KTEST_CASE(test_ksize),
	KTEST_CASE(test_aligned),
	KTEST_CASE(test_gfp_dma),
	KTEST_CASE(test_atomic_from_irq),
	KTEST_CASE(test_short_of_pages),
	KTEST_CASE(test_stats_report),
	KTEST_CASE(test_peak_sampled),
	KTEST_CASE(test_counts_exact),
	KTEST_CASE(test_mode_counts),
	KTEST_END,
};
KMALLOC_MODE_SUITES(kmalloc, kmalloc_cases, false);

/* SPDX-License-Identifier: MIT */
/*
 * kmalloc's always-on checks and its hooks, in each backend mode (suites
 * kmalloc_bad_two_tier, _simple, _hybrid): double free in every class and
 * on the page and heap paths, interior pointers, another cache's object,
 * random pointers -- each reported naming the caller, counted, and
 * changing nothing; the validator catching a damaged large block; and the
 * mm/hooks.h protocol (fault injection, on_alloc refusal, deferred free).
 */
#include "kmalloc_test.h"
#include "mm/health.h"
#include "mm/hooks.h"
#include "mm/slab.h"

static char report[2048];

/* Start capturing the console (one capture per check). */
static void capture(struct ktest *t)
{
	KT_ASSERT_TRUE(t, printk_capture_start(report, sizeof(report)));
}

/* The reports name the caller of kfree() (expect_refused() below), when
 * the kernel can symbolise addresses at all. */
static void expect_caller_named(struct ktest *t)
{
	char sym[64];

	if (arch_symbolize((unsigned long)expect_caller_named, sym,
			   sizeof(sym)))
		KT_EXPECT_TRUE(t, kmt_contains(report, "expect_refused+"));
}

/* One refused kfree(p): reported, counted in row (or as unowned), and
 * mm_last_error() says so. */
static void __attribute__((noinline))
expect_refused(struct ktest *t, const void *p, unsigned int row)
{
	struct kmalloc_stats a, b;
	unsigned int m = kmalloc_get_mode();

	kmalloc_stats_get(&a);
	capture(t);
	kfree(p);
	printk_capture_stop();
	kmalloc_stats_get(&b);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_GT(t, strlen(report), 0);
	if (row < KMALLOC_NR_ROWS)
		KT_EXPECT_EQ(t, b.row[row].bad_frees, a.row[row].bad_frees + 1);
	else
		KT_EXPECT_EQ(t, b.bad_frees_unowned, a.bad_frees_unowned + 1);
	KT_EXPECT_EQ(t, b.mode_bad_frees[m], a.mode_bad_frees[m] + 1);
	expect_caller_named(t);
}

static unsigned int row_of(const void *p, size_t n)
{
	if (kmalloc_get_mode() == KMALLOC_SIMPLE)
		return KMALLOC_ROW_HEAP;
	if (kmt_pages_for_class(n))
		return KMALLOC_ROW_LARGE;
	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++)
		if (n <= kmalloc_class_size[i])
			return i;
	return KMALLOC_ROW_LARGE;
}

static void test_double_free_every_class(struct ktest *t)
{
	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++) {
		size_t n = kmalloc_class_size[i];
		void *p = kmalloc(n, GFP_KERNEL);
		unsigned int row;

		KT_ASSERT_NOT_NULL(t, p);
		row = row_of(p, n);
		kfree(p);
		/* pages freed twice: no owner is left to count it */
		expect_refused(
			t, p, row == KMALLOC_ROW_LARGE ? KMALLOC_NR_ROWS : row);
	}
}

static void test_interior_pointers(struct ktest *t)
{
	/* 12289 and 20000: objects of the 16 and 32 KiB classes (order-3
	 * slabs, so the second 16 KiB object lies in tail pages) */
	static const size_t sizes[] = {16, 200, 4096, 12289, 20000, 70000};

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = kmalloc(sizes[i], GFP_KERNEL);
		size_t usable;

		KT_ASSERT_NOT_NULL(t, p);
		usable = ksize(p);
		expect_refused(t, p + 8, row_of(p, sizes[i]));
		if (sizes[i] > PAGE_SIZE)
			expect_refused(t, p + PAGE_SIZE, row_of(p, sizes[i]));
		KT_EXPECT_EQ(t, ksize(p), usable); /* still live, unchanged */
		kfree(p);
	}
}

/* A large block (above the largest class) freed twice: the second time
 * its pages are free again (two-tier) or the heap has merged it
 * (simple). */
#define LARGE_SIZE (KMALLOC_MAX_CACHE_SIZE + 5 * PAGE_SIZE)
static void test_double_free_large(struct ktest *t)
{
	void *p = kmalloc(LARGE_SIZE, GFP_KERNEL);
	unsigned int row = row_of(p, LARGE_SIZE);

	KT_ASSERT_NOT_NULL(t, p);
	kfree(p);
	/* two-tier: the pages are free, no owner is left to count it */
	expect_refused(t, p, row == KMALLOC_ROW_LARGE ? KMALLOC_NR_ROWS : row);
}

static void test_unowned_pointers(struct ktest *t)
{
	static unsigned long in_bss[4];
	int local = 0;

	expect_refused(t, &local, KMALLOC_NR_ROWS);
	expect_refused(t, &in_bss[1], KMALLOC_NR_ROWS);
	expect_refused(t, (void *)0x10, KMALLOC_NR_ROWS);
}

/* kfree() of another cache's object is refused and leaves it live. */
static void test_foreign_object(struct ktest *t)
{
	struct kmem_cache *c = kmem_cache_create("kmt-foreign", 48, 0, 0, NULL);
	void *o;

	KT_ASSERT_NOT_NULL(t, c);
	o = kmem_cache_alloc(c, GFP_KERNEL);
	KT_EXPECT_NOT_NULL(t, o);
	if (o) {
		expect_refused(t, o, KMALLOC_NR_ROWS);
		KT_EXPECT_TRUE(t, kmem_cache_obj_live(c, o));
		KT_EXPECT_TRUE(t, kmt_contains(report, "kmt-foreign"));
		kmem_cache_free(c, o);
	}
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

/* The validator sees a large block that lost its PG_large flag. */
static void test_validate_large(struct ktest *t)
{
	void *p = kmalloc(LARGE_SIZE, GFP_KERNEL);
	struct page *pg;

	KT_ASSERT_NOT_NULL(t, p);
	if (kmalloc_get_mode() == KMALLOC_SIMPLE) {
		kfree(p);
		ktest_skip(t, "no large blocks in simple mode");
	}
	pg = virt_to_page(p);
	page_owner_flags(pg, 0, PG_large);
	capture(t);
	KT_EXPECT_FALSE(t, kmalloc_validate());
	printk_capture_stop();
	KT_EXPECT_TRUE(t, kmt_contains(report, "PG_large"));
	page_owner_flags(pg, PG_large, 0);
	KT_EXPECT_TRUE(t, kmalloc_validate());
	kfree(p);
}

/* ---- hooks --------------------------------------------------------------------------- */

static struct {
	unsigned long should_calls, alloc_calls, free_calls, other_kinds;
	int fail_next; /* should_fail says yes this many times */
	int alloc_err; /* on_alloc returns this */
	bool take_free; /* on_free takes the block over */
	void *taken;
	struct mm_call last;
} hk;

static bool hk_should_fail(const struct mm_call *call)
{
	if (call->kind != MM_KIND_KMALLOC) {
		hk.other_kinds++;
		return false;
	}
	hk.should_calls++;
	hk.last = *call;
	return hk.fail_next-- > 0;
}

static int hk_on_alloc(const struct mm_call *call, void *obj)
{
	if (call->kind != MM_KIND_KMALLOC)
		hk.other_kinds++;
	else
		hk.alloc_calls++;
	return hk.alloc_err;
}

static bool hk_on_free(const struct mm_call *call, void *obj)
{
	if (call->kind != MM_KIND_KMALLOC) {
		hk.other_kinds++;
		return false;
	}
	hk.free_calls++;
	if (!hk.take_free)
		return false;
	hk.taken = obj;
	return true;
}

static const struct mm_hooks counting_hooks = {hk_should_fail, hk_on_alloc,
					       hk_on_free};

/* The checks run with the hooks installed; they never stop the case
 * early (ASSERT), so the hooks are always removed. */
static void hooked_checks(struct ktest *t)
{
	unsigned long injected;
	struct kmalloc_stats st;
	void *p;
	int local = 0;

	p = kzalloc(100, GFP_KERNEL); /* once per call, all of them */
	KT_EXPECT_EQ(t, hk.should_calls, 1);
	KT_EXPECT_EQ(t, hk.alloc_calls, 1);
	KT_EXPECT_EQ(t, hk.last.size, 100);
	KT_EXPECT_NE(t, hk.last.caller, 0);
	kfree(p);
	KT_EXPECT_EQ(t, hk.free_calls, 1);
	kmalloc_stats_get(&st);
	injected = st.injected;
	hk.fail_next = 1;
	KT_EXPECT_NULL(t, kmalloc(64, GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	kmalloc_stats_get(&st);
	KT_EXPECT_EQ(t, st.injected, injected + 1);
	hk.alloc_err = MM_ENOLOG;
	KT_EXPECT_NULL(t, kmalloc_aligned(300, 64, GFP_KERNEL));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOLOG);
	hk.alloc_err = 0;
	p = kmalloc(70, GFP_KERNEL);
	KT_EXPECT_TRUE(t, krealloc(p, 1, GFP_KERNEL) == p); /* in place */
	KT_EXPECT_EQ(t, hk.should_calls, 4);
	p = krealloc(p, 9000, GFP_KERNEL); /* moves: one alloc, one free */
	KT_EXPECT_EQ(t, hk.should_calls, 5);
	KT_EXPECT_EQ(t, hk.free_calls, 2);
	hk.take_free = true;
	kfree(p); /* deferred: the hook owns it now, still live */
	KT_EXPECT_TRUE(t, hk.taken == p);
	KT_EXPECT_GE(t, ksize(p), 9000);
	kfree(&local); /* refused before any hook sees it */
	KT_EXPECT_EQ(t, hk.free_calls, 3);
	KT_EXPECT_EQ(t, hk.other_kinds, 0);
}

static void test_hooks(struct ktest *t)
{
	memset(&hk, 0, sizeof(hk));
	mm_set_hooks(&counting_hooks);
	hooked_checks(t);
	mm_set_hooks(NULL);
	if (hk.taken)
		KT_EXPECT_TRUE(t, __kfree(hk.taken, 0)); /* the deferred free */
}

static const struct ktest_case kmalloc_bad_cases[] = {
	KTEST_CASE(test_double_free_every_class),
	KTEST_CASE(test_interior_pointers),
	KTEST_CASE(test_double_free_large),
	KTEST_CASE(test_unowned_pointers),
	KTEST_CASE(test_foreign_object),
	KTEST_CASE(test_validate_large),
	KTEST_CASE(test_hooks),
	KTEST_END,
};
KMALLOC_MODE_SUITES(kmalloc_bad, kmalloc_bad_cases, false);

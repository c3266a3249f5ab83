/* SPDX-License-Identifier: MIT */
/*
 * kmalloc debug mode in each backend mode (suites kmalloc_debug_two_tier,
 * _simple, _hybrid; kmalloc_set_debug(true) for the suite): 1-byte
 * overflows after the end and before the start, writes after free, double
 * frees in every class, interior frees, the validator finding an overflow,
 * the leak report naming the right call sites, and switching debug off and
 * on within one boot.
 */
#include "kmalloc_test.h"
#include "kt_retry.h"
#include "mm/health.h"

static char report[4096];

static void capture(struct ktest *t)
{
	KT_ASSERT_TRUE(t, printk_capture_start(report, sizeof(report)));
}

static bool can_symbolize(void)
{
	char sym[64];

	return arch_symbolize((unsigned long)can_symbolize, sym, sizeof(sym));
}

/* Sizes that cover slack inside a class, exact class sizes (the slab's own
 * red zone), the page path and the heap. */
static const size_t sizes[] = {1, 13, 64, 100, 4096, 5000, 20000, 70000};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Write one byte at p[off] of a fresh block, free it: a report naming the
 * block must follow. */
static void overflow_case(struct ktest *t, size_t n, long off)
{
	unsigned char *p = kmalloc(n, GFP_KERNEL);
	char ptr[24];

	KT_ASSERT_NOT_NULL(t, p);
	KT_EXPECT_EQ(t, ksize(p), n); /* debug: usable = asked */
	p[off] = 0x41;
	capture(t);
	kfree(p);
	kmalloc_shrink(); /* heap and large blocks wait in quarantine */
	printk_capture_stop();
	KT_EXPECT_TRUE(t, kmt_contains(report, "red zone"));
	KT_EXPECT_TRUE(t, kmt_contains(report, kmt_ptr(ptr, sizeof(ptr), p)));
	if (!kmt_contains(report, kmt_ptr(ptr, sizeof(ptr), p)))
		ktest_log(t, "size %zu, byte %ld: report \"%s\"", n, off,
			  report);
}

static void test_overflow_after_end(struct ktest *t)
{
	for (unsigned int i = 0; i < NR_SIZES; i++)
		overflow_case(t, sizes[i], (long)sizes[i]);
}

static void test_overflow_before_start(struct ktest *t)
{
	for (unsigned int i = 0; i < NR_SIZES; i++)
		overflow_case(t, sizes[i], -1);
}

/* The validator finds an overflow of a live block, once. */
static void test_validate_finds_overflow(struct ktest *t)
{
	unsigned char *p = kmalloc(13, GFP_KERNEL);

	KT_ASSERT_NOT_NULL(t, p);
	p[13] = 0;
	capture(t);
	KT_EXPECT_FALSE(t, mm_validate());
	printk_capture_stop();
	KT_EXPECT_TRUE(t, kmt_contains(report, "found by"));
	KT_EXPECT_TRUE(t, mm_validate()); /* reported and repaired */
	capture(t);
	kfree(p);
	printk_capture_stop();
	KT_EXPECT_EQ(t, strlen(report), 0);
}

static void test_write_after_free(struct ktest *t)
{
	static const size_t uaf_sizes[] = {24, 100, 3000, 5000, 70000};

	for (unsigned int i = 0; i < 5; i++) {
		unsigned char *p = kmalloc(uaf_sizes[i], GFP_KERNEL), *q;
		char ptr[24];

		KT_ASSERT_NOT_NULL(t, p);
		kfree(p);
		capture(t);
		p[uaf_sizes[i] / 2] = 0x41; /* the bug */
		q = kmalloc(uaf_sizes[i], GFP_KERNEL); /* slab: checks poison */
		kfree(q);
		kmalloc_shrink(); /* quarantine: checks poison */
		printk_capture_stop();
		KT_EXPECT_TRUE(
			t, kmt_contains(report, kmt_ptr(ptr, sizeof(ptr), p)));
		if (!kmt_contains(report, ptr))
			ktest_log(t, "size %zu: report \"%s\"", uaf_sizes[i],
				  report);
	}
}

static void double_free_case(struct ktest *t, size_t n)
{
	void *p = kmalloc(n, GFP_KERNEL);
	struct kmalloc_stats a, b;
	char ptr[24];

	KT_ASSERT_NOT_NULL(t, p);
	kfree(p);
	kmalloc_stats_get(&a);
	capture(t);
	kfree(p);
	printk_capture_stop();
	kmalloc_stats_get(&b);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_TRUE(t, kmt_contains(report, kmt_ptr(ptr, sizeof(ptr), p)));
	KT_EXPECT_EQ(t, b.mode_bad_frees[kmalloc_get_mode()],
		     a.mode_bad_frees[kmalloc_get_mode()] + 1);
	if (can_symbolize())
		KT_EXPECT_TRUE(t, kmt_contains(report, "double_free_case"));
}

static void test_double_free_every_class(struct ktest *t)
{
	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++)
		double_free_case(t, kmalloc_class_size[i] - 1);
	double_free_case(t, 9000);
	double_free_case(t, 300000);
	kmalloc_shrink();
}

static void test_interior_free(struct ktest *t)
{
	static const size_t isizes[] = {32, 200, 5000, 70000};

	for (unsigned int i = 0; i < 4; i++) {
		unsigned char *p = kmalloc(isizes[i], GFP_KERNEL);
		struct kmalloc_stats a, b;

		KT_ASSERT_NOT_NULL(t, p);
		kmalloc_stats_get(&a);
		capture(t);
		kfree(p + 1);
		printk_capture_stop();
		kmalloc_stats_get(&b);
		KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
		KT_EXPECT_GT(t, strlen(report), 0);
		KT_EXPECT_EQ(t, ksize(p), isizes[i]); /* untouched */
		KT_EXPECT_EQ(t, b.redzone_errors, a.redzone_errors);
		kfree(p);
	}
	kmalloc_shrink();
}

/* ---- leak report --------------------------------------------------------------- */

/* One call site each: no inlining, no clone. */
#ifdef __clang__
#define LEAK_SITE __attribute__((noinline))
#else
#define LEAK_SITE __attribute__((noinline, noclone))
#endif

/* The barrier keeps kmalloc() from being a tail call, whose return
 * address would be the test's. */
static LEAK_SITE void *leak_site_alpha(void)
{
	/* faultboot injects failures: retry those */
	void *p = KT_RETRY_INJECTED(kmalloc(100, GFP_KERNEL));

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

static LEAK_SITE void *leak_site_beta(void)
{
	/* faultboot injects failures: retry those */
	void *p = KT_RETRY_INJECTED(kmalloc(7000, GFP_KERNEL));

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

/* The count on the report line that names site (0: no such line). */
static unsigned long count_for(const char *text, const char *site)
{
	const char *line = text;

	for (const char *c = text; *c; c++) {
		if (*c == '\n')
			line = c + 1;
		if (!strncmp(c, site, strlen(site))) {
			unsigned long v = 0;
			const char *q = line + strlen("kmalloc:");

			while (*q == ' ')
				q++;
			while (*q >= '0' && *q <= '9')
				v = v * 10 + (unsigned long)(*q++ - '0');
			return v;
		}
	}
	return 0;
}

static void test_leak_report(struct ktest *t)
{
	void *a[3], *b[2];
	unsigned long live;

	for (int i = 0; i < 3; i++)
		a[i] = leak_site_alpha();
	for (int i = 0; i < 2; i++)
		b[i] = leak_site_beta();
	KT_ASSERT_TRUE(t, a[0] && a[1] && a[2] && b[0] && b[1]);
	capture(t);
	live = kmalloc_leak_report();
	printk_capture_stop();
	KT_EXPECT_GE(t, live, 5);
	KT_EXPECT_TRUE(t, kmt_contains(report, "leak report"));
	if (can_symbolize()) {
		KT_EXPECT_EQ(t, count_for(report, "leak_site_alpha+"), 3);
		KT_EXPECT_EQ(t, count_for(report, "leak_site_beta+"), 2);
	}
	for (int i = 0; i < 3; i++)
		kfree(a[i]);
	for (int i = 0; i < 2; i++)
		kfree(b[i]);
	capture(t);
	KT_EXPECT_EQ(t, kmalloc_leak_report(), live - 5);
	printk_capture_stop();
	KT_EXPECT_FALSE(t, kmt_contains(report, "leak_site_alpha"));
	kmalloc_shrink();
}

/* Debug off and on in one boot; blocks keep their kind. */
static void test_switch(struct ktest *t)
{
	struct kmalloc_stats st;
	unsigned long tracked;
	void *plain, *dbg;

	KT_EXPECT_TRUE(t, kmalloc_set_debug(false));
	plain = KT_RETRY_INJECTED(kmalloc(13, GFP_KERNEL));
	KT_EXPECT_FALSE(t, kmalloc_set_debug(true));
	dbg = KT_RETRY_INJECTED(kmalloc(13, GFP_KERNEL));
	KT_ASSERT_TRUE(t, plain && dbg);
	KT_EXPECT_GE(t, ksize(plain), 16);
	KT_EXPECT_EQ(t, ksize(dbg), 13);
	kmalloc_stats_get(&st);
	tracked = st.tracked;
	kmalloc_set_debug(false);
	kfree(dbg); /* a debug block freed with debug off: still checked */
	kmalloc_set_debug(true);
	kfree(plain);
	kmalloc_stats_get(&st);
	KT_EXPECT_EQ(t, st.tracked, tracked - 1);
	kmalloc_shrink();
}

static const struct ktest_case kmalloc_debug_cases[] = {
	KTEST_CASE(test_overflow_after_end),
	KTEST_CASE(test_overflow_before_start),
	KTEST_CASE(test_validate_finds_overflow),
	KTEST_CASE(test_write_after_free),
	KTEST_CASE(test_double_free_every_class),
	KTEST_CASE(test_interior_free),
	KTEST_CASE(test_leak_report),
	KTEST_CASE(test_switch),
	KTEST_END,
};
KMALLOC_MODE_SUITES(kmalloc_debug, kmalloc_debug_cases, true);

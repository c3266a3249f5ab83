/* SPDX-License-Identifier: MIT */
/*
 * Fault injection (suites mm_fault and mm_fault_boot): the when (nth,
 * every, probability, times), the filters, mm.fail= parsing, and that
 * injected failures change nothing and are counted apart.
 */
#include "kernel/ktest.h"
#include "lib/bootparam.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/stats.h"
#include "mm/txn.h"
#include "tests/kernel/txn_test.h"

static void arm(struct ktest *t, const char *spec)
{
	struct mm_fault_attr a;
	char err[64];

	KT_ASSERT_EQ(t, mm_fault_parse(spec, &a, err, sizeof(err)), 0);
	KT_ASSERT_EQ(t, mm_fault_set(&a), 0);
}

/* Page failures as mm/stats.c tells them apart: real, injected. */
static unsigned long page_failures(bool injected)
{
	static struct mm_stats st;

	mm_stats_get(&st);
	return injected ? st.page_injected : st.page_fails;
}

/*
 * n order-`order` allocations; bit i of the result is set when call i+1
 * failed (each failure must be an injected one).  Frees what it got.
 */
static uint64_t fail_pattern(struct ktest *t, unsigned int n, gfp_t gfp,
			     unsigned int order)
{
	uint64_t bits = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct page *pg = alloc_pages(gfp, order);

		if (pg) {
			free_pages(pg, order);
			continue;
		}
		KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
		bits |= 1ULL << (i & 63);
	}
	return bits;
}

/* nth, every, nth+every, times; nothing else changes, counted apart. */
static void test_when(struct ktest *t)
{
	unsigned long base = free_now(), zf = page_failures(false);
	unsigned long zi = page_failures(true);
	struct mm_fault_stats s0, s1;

	mm_fault_stats(&s0);
	arm(t, "kind:pages,nth:3");
	KT_EXPECT_EQ(t, fail_pattern(t, 6, GFP_KERNEL, 0), 1ULL << 2);
	KT_EXPECT_FALSE(t, mm_fault_armed()); /* times defaults to 1 */
	arm(t, "every:4,times:3");
	KT_EXPECT_EQ(t, fail_pattern(t, 20, GFP_KERNEL, 1),
		     1ULL << 3 | 1ULL << 7 | 1ULL << 11);
	arm(t, "nth:2,every:3,times:unlimited");
	KT_EXPECT_EQ(t, fail_pattern(t, 12, GFP_KERNEL, 0),
		     1ULL << 1 | 1ULL << 4 | 1ULL << 7 | 1ULL << 10);
	KT_EXPECT_TRUE(t, mm_fault_armed());
	KT_EXPECT_EQ(t, mm_fault_calls(), 12);
	KT_EXPECT_EQ(t, mm_fault_clear(), 4);
	mm_fault_stats(&s1);
	KT_EXPECT_EQ(t, s1.injected[MM_KIND_PAGES] - s0.injected[MM_KIND_PAGES],
		     8);
	KT_EXPECT_EQ(t, s1.injected_total - s0.injected_total, 8);
	KT_EXPECT_EQ(t, page_failures(false), zf); /* not real failures */
	KT_EXPECT_EQ(t, page_failures(true), zi + 8);
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_NULL(t, mm_hooks_get()); /* nothing armed, nothing open */
}

/* A fixed seed gives the same failures; the rate is about right. */
static void test_probability(struct ktest *t)
{
	uint64_t h[3] = {0, 0, 0};
	unsigned long fails[3] = {0, 0, 0};
	const char *spec[3] = {
		"probability:25,seed:42,times:-1",
		"probability:25,seed:42,times:-1",
		"probability:25%,seed:43,times:-1",
	};

	for (unsigned int r = 0; r < 3; r++) {
		arm(t, spec[r]);
		for (unsigned int i = 0; i < 4000; i++) {
			struct page *pg = alloc_pages(GFP_KERNEL, 0);

			if (pg)
				free_pages(pg, 0);
			else
				fails[r]++;
			h[r] = h[r] * 31 + (pg == NULL);
		}
		mm_fault_clear();
	}
	KT_EXPECT_EQ(t, h[0], h[1]);
	KT_EXPECT_EQ(t, fails[0], fails[1]);
	KT_EXPECT_NE(t, h[0], h[2]);
	for (unsigned int r = 0; r < 3; r++) {
		KT_EXPECT_GT(t, fails[r], 800); /* 1000 expected; 6 sigma */
		KT_EXPECT_LT(t, fails[r], 1200);
	}
	ktest_log(t, "25%% of 4000: %lu, %lu (seed 42), %lu (seed 43)",
		  fails[0], fails[1], fails[2]);
}

/* Order, GFP and kind filters on real page allocations. */
static void test_filters(struct ktest *t)
{
	arm(t, "order:2,times:-1");
	KT_EXPECT_EQ(t, fail_pattern(t, 2, GFP_KERNEL, 1), 0);
	KT_EXPECT_EQ(t, fail_pattern(t, 2, GFP_KERNEL, 2), 3);
	KT_EXPECT_EQ(t, fail_pattern(t, 2, GFP_KERNEL, 3), 3);
	arm(t, "gfp:dma,times:-1");
	KT_EXPECT_EQ(t, fail_pattern(t, 2, GFP_KERNEL, 0), 0);
	KT_EXPECT_EQ(t, fail_pattern(t, 2, GFP_KERNEL | GFP_DMA, 0), 3);
	arm(t, "ignore-gfp:atomic,times:-1");
	KT_EXPECT_EQ(t, fail_pattern(t, 2, GFP_ATOMIC, 0), 0);
	KT_EXPECT_EQ(t, fail_pattern(t, 2, GFP_KERNEL, 0), 3);
	arm(t, "kind:slab+kmalloc,times:-1");
	KT_EXPECT_EQ(t, fail_pattern(t, 4, GFP_KERNEL, 0), 0);
	KT_EXPECT_EQ(t, mm_fault_calls(), 0);
	mm_fault_clear();
}

static unsigned long km_fails(const struct kmalloc_stats *st)
{
	unsigned long n = 0;

	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		n += st->row[r].fails;
	return n;
}

/*
 * kmalloc is one kind: a kmalloc() is failed as kmalloc, never as the
 * slab object or pages underneath; kmalloc counts it as injected only.
 */
static void test_kmalloc_kind(struct ktest *t)
{
	static struct kmalloc_stats k0, k1;
	void *p[4];

	kmalloc_stats_get(&k0);
	arm(t, "kind:kmalloc,nth:2");
	for (unsigned int i = 0; i < 4; i++) {
		p[i] = kmalloc(i == 3 ? KMALLOC_MAX_CACHE_SIZE + 20000 : 32,
			       GFP_KERNEL);
		if (i == 1)
			KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	}
	KT_EXPECT_TRUE(t, p[0] && !p[1] && p[2] && p[3]);
	arm(t, "kind:slab+pages,times:-1");
	KT_EXPECT_NOT_NULL(t, p[1] = kmalloc(64, GFP_KERNEL));
	kfree(p[1]);
	/* above the classes: pages */
	KT_EXPECT_NOT_NULL(
		t, p[1] = kmalloc(KMALLOC_MAX_CACHE_SIZE + 9000, GFP_KERNEL));
	KT_EXPECT_EQ(t, mm_fault_calls(), 0);
	mm_fault_clear();
	kmalloc_stats_get(&k1);
	KT_EXPECT_EQ(t, k1.injected - k0.injected, 1);
	KT_EXPECT_EQ(t, km_fails(&k1), km_fails(&k0));
	for (unsigned int i = 0; i < 4; i++)
		kfree(p[i]);
}

/* A real TLSF heap, failed by kind and name. */
static void test_heap_by_name(struct ktest *t)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 2);
	static struct k_heap a, b;
	void *x, *y;

	KT_ASSERT_NOT_NULL(t, pg);
	KT_ASSERT_EQ(
		t, k_heap_init(&a, "fault_a", page_address(pg), 2 * PAGE_SIZE),
		0);
	KT_ASSERT_EQ(
		t,
		k_heap_init(&b, "fault_b", page_address(pg + 2), 2 * PAGE_SIZE),
		0);
	arm(t, "kind:heap,name:fault_b,times:-1");
	x = k_heap_alloc(&a, 100, K_NO_WAIT);
	y = k_heap_alloc(&b, 100, K_NO_WAIT);
	KT_EXPECT_NOT_NULL(t, x);
	KT_EXPECT_NULL(t, y);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	mm_fault_clear();
	k_heap_free(&a, x);
	k_heap_remove(&a);
	k_heap_remove(&b);
	free_pages(pg, 2);
}

/* Kinds and names as other allocators will pass them (the hook itself). */
static void test_filters_by_owner(struct ktest *t)
{
	struct mm_call dentry = {.kind = MM_KIND_SLAB, .name = "dentry_cache"};
	struct mm_call inode = {.kind = MM_KIND_SLAB, .name = "inode"};
	struct mm_call km = {.kind = MM_KIND_KMALLOC, .size = 64};

	arm(t, "kind:slab,name:dentry*,times:-1");
	KT_EXPECT_TRUE(t, mm_fault_should_fail(&dentry));
	KT_EXPECT_FALSE(t, mm_fault_should_fail(&inode));
	KT_EXPECT_FALSE(t, mm_fault_should_fail(&km));
	arm(t, "name:inode,times:-1");
	KT_EXPECT_FALSE(t, mm_fault_should_fail(&dentry));
	KT_EXPECT_TRUE(t, mm_fault_should_fail(&inode));
	KT_EXPECT_FALSE(t, mm_fault_should_fail(&km)); /* no name */
	arm(t, "kind:kmalloc,nth:2");
	KT_EXPECT_FALSE(t, mm_fault_should_fail(&km));
	KT_EXPECT_TRUE(t, mm_fault_should_fail(&km));
	KT_EXPECT_FALSE(t, mm_fault_should_fail(&km));
	mm_fault_clear();
}

static __attribute__((noinline)) struct page *site_a(void)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 0);

	__asm__ volatile("" ::: "memory"); /* no tail call */
	return pg;
}

/* Not the same code as site_a, or GCC folds the two into one. */
static __attribute__((noinline)) struct page *site_b(void)
{
	struct page *pg = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);

	__asm__ volatile("" ::: "memory");
	return pg;
}

/* Call-site filters: an address range, and a function by name. */
static void test_site(struct ktest *t)
{
	struct mm_fault_attr a;
	unsigned long site;
	char sym[64];
	struct page *pg;

	arm(t, "probability:0,times:-1"); /* count calls, fail none */
	pg = site_a();
	KT_ASSERT_NOT_NULL(t, pg);
	free_pages(pg, 0);
	site = mm_fault_last_caller();
	KT_ASSERT_NE(t, site, 0);
	mm_fault_attr_init(&a);
	a.times = -1;
	a.site_start = site;
	a.site_end = site + 1;
	KT_ASSERT_EQ(t, mm_fault_set(&a), 0);
	KT_EXPECT_NULL(t, site_a());
	KT_ASSERT_NOT_NULL(t, pg = site_b());
	free_pages(pg, 0);
	mm_fault_clear();
	if (!arch_symbolize(site, sym, sizeof(sym)))
		ktest_skip(t, "no symbol table (host build)");
	arm(t, "site:site_b,times:-1");
	KT_ASSERT_NOT_NULL(t, pg = site_a());
	free_pages(pg, 0);
	KT_EXPECT_NULL(t, site_b());
	mm_fault_clear();
}

static void hart_alloc(struct ktest *t, void *arg)
{
	struct page **got = arg;
	unsigned int cpu = arch_cpu_id();

	got[cpu] = alloc_pages(GFP_KERNEL, 0);
	if (got[cpu])
		free_pages(got[cpu], 0);
}

/* cpu:N fails only that hart's calls. */
static void test_cpu_filter(struct ktest *t)
{
	static struct page *got[NR_CPUS];
	unsigned int me = arch_cpu_id(), other = (me + 1) % arch_nr_cpus();
	struct mm_fault_attr a;

	if (arch_nr_cpus() < 2)
		ktest_skip(t, "needs two harts");
	mm_fault_attr_init(&a);
	a.cpu = other;
	a.times = -1;
	KT_ASSERT_EQ(t, mm_fault_set(&a), 0);
	memset(got, 0, sizeof(got));
	ktest_on_all_cpus(t, hart_alloc, got);
	mm_fault_clear();
	for (unsigned int cpu = 0; cpu < arch_nr_cpus(); cpu++)
		KT_EXPECT_TRUE(t, (got[cpu] == NULL) == (cpu == other));
}

/* An injected failure inside a transaction leaves its log alone. */
static void test_inside_txn(struct ktest *t)
{
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;
	struct mm_txn tx;

	mm_txn_stats(&s0);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	arm(t, "nth:2");
	KT_EXPECT_NOT_NULL(t, alloc_pages(GFP_KERNEL, 1));
	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL, 1));
	KT_EXPECT_NOT_NULL(t, alloc_pages(GFP_KERNEL, 1));
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, s1.logged - s0.logged, 2);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, 2);
	KT_EXPECT_EQ(t, free_now(), base);
}

/* A real shortage is counted by the zone, not by fault injection. */
static void test_real_failures_apart(struct ktest *t)
{
	struct mm_fault_stats s0, s1;
	static struct exhaust ex;
	unsigned long zf;

	KT_ASSERT_TRUE(t, exhaust_begin(t, &ex));
	zf = page_failures(false);
	mm_fault_stats(&s0);
	arm(t, "kind:dma"); /* armed, matching nothing here */
	KT_EXPECT_NULL(t, alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0));
	KT_EXPECT_NE(t, mm_last_error(), MM_EFAULT_INJECTED);
	mm_fault_clear();
	exhaust_end(t, &ex);
	mm_fault_stats(&s1);
	KT_EXPECT_EQ(t, page_failures(false), zf + 1);
	KT_EXPECT_EQ(t, s1.injected_total, s0.injected_total);
}

/* mm.fail= syntax: accepted rules print back the same, others refused. */
static void test_parse(struct ktest *t)
{
	static const char *const good[] = {
		"kind:kmalloc,nth:5,times:1",
		"kind:pages+slab,every:10",
		"probability:0.5000,seed:7",
		"name:kmalloc-64,gfp:dma+zero,ignore-gfp:high",
		"order:3,cpu:1,site:0x80200000-0x80201000",
		"site:build_tree,verbose",
		"times:-1",
	};
	static const char *const bad[] = {
		"kind:fs", "nth:0",
		"nth:x",   "probability:101",
		"every:",  "site:0x20-0x10",
		"cpu:99",  "gfp:bogus",
		"frob:1",  "probability:1.23456",
		"times:0", "name:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct mm_fault_attr a, b;
	char text[160], err[64];

	for (unsigned int i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		KT_EXPECT_EQ(t, mm_fault_parse(good[i], &a, err, sizeof(err)),
			     0);
		mm_fault_format(&a, text, sizeof(text));
		KT_EXPECT_EQ(t, mm_fault_parse(text, &b, NULL, 0), 0);
		KT_EXPECT_TRUE(t, !memcmp(&a, &b, sizeof(a)));
		KT_EXPECT_TRUE(t, !strcmp(text, good[i]));
		if (strcmp(text, good[i]))
			ktest_log(t, "'%s' printed back as '%s'", good[i],
				  text);
	}
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		KT_EXPECT_EQ(t, mm_fault_parse(bad[i], &a, err, sizeof(err)),
			     -MM_EINVAL);
		KT_EXPECT_NE(t, err[0], '\0');
	}
	KT_ASSERT_EQ(t, mm_fault_parse("kind:kmalloc,nth:5,times:1", &a, 0, 0),
		     0);
	KT_EXPECT_EQ(t, a.kinds, 1u << MM_KIND_KMALLOC);
	KT_EXPECT_EQ(t, a.nth, 5);
	KT_EXPECT_EQ(t, a.times, 1);
	KT_ASSERT_EQ(t, mm_fault_parse("probability:12.5%", &a, 0, 0), 0);
	KT_EXPECT_EQ(t, a.ppm, 125000);
}

static const struct ktest_case fault_cases[] = {
	KTEST_CASE(test_when),	       KTEST_CASE(test_probability),
	KTEST_CASE(test_filters),      KTEST_CASE(test_filters_by_owner),
	KTEST_CASE(test_heap_by_name), KTEST_CASE(test_kmalloc_kind),
	KTEST_CASE(test_site),	       KTEST_CASE(test_cpu_filter),
	KTEST_CASE(test_inside_txn),   KTEST_CASE(test_real_failures_apart),
	KTEST_CASE(test_parse),	       KTEST_END,
};

static void fault_exit(void)
{
	mm_fault_clear(); /* after an ASSERT mid-case */
}
KTEST_SUITE_FULL(mm_fault, fault_cases, 0, fault_exit, 0);

/*
 * The rule from the command line (the boot matrix boots with
 * mm.fail=kind:pages,order:9,times:2,verbose ktest=mm_fault_boot):
 * armed as parsed, it fails exactly the next two order-9 allocations.
 */
static void test_boot_rule(struct ktest *t)
{
	const char *spec = bootparam_string("mm.fail");
	struct mm_fault_attr want, got;

	if (bootparam_state("mm.fail") != BOOTPARAM_VALID ||
	    !strcmp(spec, "off"))
		ktest_skip(t, "no mm.fail= rule on the command line");
	KT_ASSERT_EQ(t, mm_fault_parse(spec, &want, NULL, 0), 0);
	KT_ASSERT_TRUE(t, mm_fault_get(&got));
	KT_EXPECT_TRUE(t, !memcmp(&want, &got, sizeof(want)));
	if (want.kinds != 1u << MM_KIND_PAGES || want.min_order != 9 ||
	    want.times != 2 || want.ppm != 1000000 || want.nth || want.every)
		ktest_skip(t, "armed as parsed; the failure pattern is checked "
			      "for kind:pages,order:9,times:2 only");
	KT_EXPECT_EQ(t, fail_pattern(t, 4, GFP_KERNEL, 9), 3);
	KT_EXPECT_FALSE(t, mm_fault_armed());
}

static const struct ktest_case fault_boot_cases[] = {
	KTEST_CASE(test_boot_rule),
	KTEST_END,
};
KTEST_SUITE_FULL(mm_fault_boot, fault_boot_cases, 0, fault_exit, 0);

/* SPDX-License-Identifier: MIT */
/*
 * Health and the failure machinery (suite mm_health_txn): failures
 * injected into page allocations are counted per zone and order apart
 * from real ones, kmalloc's too, and never judged; open transactions are
 * counted over the harts; transaction misuse degrades the verdict until
 * acknowledged; the report's fault-injection section prints the rule in
 * the mm.fail= syntax.
 */
#include "kernel/ktest.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/txn.h"

static char cap[4096];
static struct mm_stats sa, sb; /* before, after */

static bool has(const char *s)
{
	return strstr(cap, s) != NULL;
}

static void arm(struct ktest *t, const char *spec)
{
	struct mm_fault_attr a;
	char err[64];

	KT_ASSERT_EQ(t, mm_fault_parse(spec, &a, err, sizeof(err)), 0);
	KT_ASSERT_EQ(t, mm_fault_set(&a), 0);
}

static void test_injected_pages_counted_apart(struct ktest *t)
{
	const struct mm_order_stats *na, *nb, *da, *db;
	struct page *pg;
	struct mm_health h;

	mm_health_acknowledge("mm_health_txn test start");
	mm_stats_get(&sa);
	arm(t, "kind:pages,order:3,times:3");
	for (unsigned int i = 0; i < 3; i++) {
		gfp_t gfp = i < 2 ? GFP_KERNEL : GFP_DMA;

		KT_EXPECT_NULL(t, alloc_pages(gfp | __GFP_NOWARN, 3));
		KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	}
	KT_EXPECT_FALSE(t, mm_fault_armed()); /* times used up */
	pg = alloc_pages(GFP_KERNEL, 3);
	KT_ASSERT_NOT_NULL(t, pg);
	free_pages(pg, 3);
	mm_stats_get(&sb);
	mm_health_get(&h);
	na = &sa.zone[ZONE_NORMAL].order[3];
	nb = &sb.zone[ZONE_NORMAL].order[3];
	da = &sa.zone[ZONE_DMA].order[3];
	db = &sb.zone[ZONE_DMA].order[3];
	KT_EXPECT_EQ(t, nb->injected - na->injected, 2); /* preferred zone */
	KT_EXPECT_EQ(t, db->injected - da->injected, 1);
	KT_EXPECT_EQ(t, nb->fails, na->fails); /* never real failures */
	KT_EXPECT_EQ(t, db->fails, da->fails);
	KT_EXPECT_EQ(t, sb.page_injected - sa.page_injected, 3);
	KT_EXPECT_EQ(t, sb.injected[MM_KIND_PAGES] - sa.injected[MM_KIND_PAGES],
		     3);
	KT_EXPECT_EQ(t, sb.injected_total - sa.injected_total, 3);
	KT_EXPECT_EQ(t, h.injected, sb.injected_total);
	KT_EXPECT_EQ(t, h.zone[ZONE_NORMAL].fail.failures, 0);
	KT_EXPECT_EQ(t, h.verdict, MM_HEALTHY);
}

static void test_injected_kmalloc_counted_apart(struct ktest *t)
{
	void *p;

	mm_stats_get(&sa);
	arm(t, "kind:kmalloc,nth:2");
	p = kmalloc(100, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, p);
	KT_EXPECT_NULL(t, kmalloc(100, GFP_KERNEL));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	KT_EXPECT_EQ(t, mm_fault_clear(), 1);
	kfree(p);
	mm_stats_get(&sb);
	KT_EXPECT_EQ(t, sb.kmalloc_injected - sa.kmalloc_injected, 1);
	KT_EXPECT_EQ(t, sb.kmalloc_fails, sa.kmalloc_fails);
	KT_EXPECT_EQ(t, sb.kmalloc_allocs - sa.kmalloc_allocs, 1);
	KT_EXPECT_EQ(
		t, sb.injected[MM_KIND_KMALLOC] - sa.injected[MM_KIND_KMALLOC],
		1);
	KT_EXPECT_EQ(t, mm_health_check(), MM_HEALTHY);
}

static void test_open_transactions_counted(struct ktest *t)
{
	struct mm_txn outer, inner;
	struct mm_health h;
	void *p;

	mm_stats_get(&sa);
	KT_ASSERT_EQ(t, mm_txn_begin(&outer), 0);
	KT_ASSERT_EQ(t, mm_txn_begin(&inner), 0);
	p = kmalloc(64, GFP_KERNEL);
	mm_stats_get(&sb);
	mm_health_get(&h);
	cap[0] = '\0';
	KT_EXPECT_TRUE(t, printk_capture_start(cap, sizeof(cap)));
	mm_report_health();
	printk_capture_stop();
	mm_txn_commit(&inner);
	mm_txn_abort(&outer); /* p freed with it */
	KT_EXPECT_NOT_NULL(t, p);
	KT_EXPECT_EQ(t, sb.txn_open, sa.txn_open + 2);
	KT_EXPECT_EQ(t, sb.txn_harts, sa.txn_harts + (sa.txn_open == 0));
	KT_EXPECT_EQ(t, h.txn_open, sb.txn_open);
	KT_EXPECT_EQ(t, sb.txn_begins - sa.txn_begins, 2);
	KT_EXPECT_TRUE(t, has("\ntransactions 2 open; "));
	mm_stats_get(&sb);
	KT_EXPECT_EQ(t, sb.txn_open, sa.txn_open);
	KT_EXPECT_EQ(t, sb.txn_rolled_back - sa.txn_rolled_back, 1);
	KT_EXPECT_EQ(t, sb.kmalloc_live, sa.kmalloc_live);
}

static void test_txn_misuse_degrades(struct ktest *t)
{
	struct mm_txn never = {0};
	struct mm_health h;

	mm_health_acknowledge("mm_health_txn test start");
	KT_EXPECT_TRUE(t, printk_capture_start(cap, sizeof(cap)));
	KT_EXPECT_EQ(t, mm_txn_commit(&never), -MM_EINVAL); /* never begun */
	mm_health_get(&h);
	printk_capture_stop();
	KT_EXPECT_EQ(t, h.txn_misuse, 1);
	KT_EXPECT_EQ(t, h.subject[MM_SUBJ_ALLOCATORS], MM_DEGRADED);
	KT_EXPECT_TRUE(t, has("mm: allocators healthy → degraded: 1 "
			      "transaction misuse reported ("));
	KT_EXPECT_TRUE(t, printk_capture_start(cap, sizeof(cap)));
	mm_health_acknowledge("the misuse above");
	printk_capture_stop();
	KT_EXPECT_TRUE(t, has("mm: allocators degraded → healthy: no reason "
			      "left\n"));
	mm_health_get(&h);
	KT_EXPECT_EQ(t, h.txn_misuse, 0);
	KT_EXPECT_GE(t, h.txn_misuse_total, 1);
}

static void test_report_fault_section(struct ktest *t)
{
	mm_fault_clear(); /* a boot rule: put back by the runner afterwards */
	KT_EXPECT_TRUE(t, printk_capture_start(cap, sizeof(cap)));
	mm_report_fault();
	printk_capture_stop();
	KT_EXPECT_TRUE(t, has("rule: off\n"));
	arm(t, "order:9,kind:pages,times:2");
	KT_EXPECT_TRUE(t, printk_capture_start(cap, sizeof(cap)));
	mm_report_fault();
	printk_capture_stop();
	mm_fault_clear();
	KT_EXPECT_TRUE(t, has("rule: kind:pages,times:2,order:9\n"));
	KT_EXPECT_TRUE(t, has("rule: 0 matching calls so far"));
	KT_EXPECT_TRUE(t, has("\ninjected: pages "));
}

static const struct ktest_case health_txn_cases[] = {
	KTEST_CASE(test_injected_pages_counted_apart),
	KTEST_CASE(test_injected_kmalloc_counted_apart),
	KTEST_CASE(test_open_transactions_counted),
	KTEST_CASE(test_txn_misuse_degrades),
	KTEST_CASE(test_report_fault_section),
	KTEST_END,
};

static void health_txn_exit(void)
{
	printk_capture_stop(); /* if a case ended early */
	mm_fault_clear();
	kmalloc_shrink();
	mm_health_acknowledge("the mm_health_txn suite");
}

KTEST_SUITE_FULL(mm_health_txn, health_txn_cases, 0, health_txn_exit, 0);

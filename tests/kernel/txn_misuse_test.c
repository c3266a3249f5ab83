/* SPDX-License-Identifier: MIT */
/*
 * Transactions at their edges (suite mm_txn_edges): misuse reports,
 * transactions left open at the end of a test or when a hart goes idle,
 * interrupt handlers, other harts, double frees, the validator.
 */
#include "kernel/ktest.h"
#include "kernel/ktest_internal.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/txn.h"
#include "tests/kernel/kt_cleanup.h"
#include "tests/kernel/txn_test.h"

static unsigned long misuse_count(void)
{
	struct mm_txn_stats s;

	mm_txn_stats(&s);
	return s.misuse;
}

static unsigned long bad_frees(void)
{
	unsigned long n = 0;

	for (unsigned int k = 0; k < NR_BAD_FREE; k++)
		n += page_alloc_bad_frees[k];
	return n;
}

/* Ending what was never begun, or twice: refused, reported, no change. */
static void test_end_not_open(struct ktest *t)
{
	unsigned long m0 = misuse_count();
	struct mm_txn tx;

	memset(&tx, 0, sizeof(tx));
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), -MM_EINVAL);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), -MM_EINVAL);
	memset(&tx, 0xa5, sizeof(tx));
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), -MM_EINVAL);
	KT_EXPECT_EQ(t, mm_txn_commit(NULL), -MM_EINVAL);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), -MM_EINVAL);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), -MM_EINVAL);
	KT_EXPECT_EQ(t, misuse_count() - m0, 6);
	KT_EXPECT_EQ(t, mm_txn_depth(), 0);
}

/* Out of order and twice-begun: refused; both stay open and usable. */
static void test_out_of_order(struct ktest *t)
{
	unsigned long m0 = misuse_count(), base = free_now();
	struct mm_txn a, b;

	KT_ASSERT_EQ(t, mm_txn_begin(&a), 0);
	KT_EXPECT_EQ(t, mm_txn_begin(&a), -MM_EINVAL);
	KT_ASSERT_NOT_NULL(t, alloc_pages(GFP_KERNEL, 0));
	KT_ASSERT_EQ(t, mm_txn_begin_named(&b, "b"), 0);
	KT_ASSERT_NOT_NULL(t, alloc_pages(GFP_KERNEL, 1));
	KT_EXPECT_EQ(t, mm_txn_commit(&a), -MM_EINVAL);
	KT_EXPECT_EQ(t, mm_txn_abort(&a), -MM_EINVAL);
	KT_EXPECT_EQ(t, mm_txn_depth(), 2);
	KT_EXPECT_TRUE(t, mm_txn_is_open(&a) && mm_txn_is_open(&b));
	KT_EXPECT_EQ(t, free_now(), base - 3);
	KT_EXPECT_EQ(t, mm_txn_commit(&b), 0);
	KT_EXPECT_EQ(t, mm_txn_abort(&a), 0);
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_EQ(t, misuse_count() - m0, 3);
}

/* Deeper than MM_TXN_MAX_DEPTH: refused. */
static void test_too_deep(struct ktest *t)
{
	static struct mm_txn tx[MM_TXN_MAX_DEPTH + 1];

	for (unsigned int i = 0; i < MM_TXN_MAX_DEPTH; i++)
		KT_ASSERT_EQ(t, mm_txn_begin(&tx[i]), 0);
	KT_EXPECT_EQ(t, mm_txn_begin(&tx[MM_TXN_MAX_DEPTH]), -MM_EINVAL);
	for (unsigned int i = MM_TXN_MAX_DEPTH; i-- > 0;)
		KT_EXPECT_EQ(t, mm_txn_commit(&tx[i]), 0);
}

/* Freeing a block twice inside a transaction: the second is refused. */
static void test_double_free(struct ktest *t)
{
	struct page *old = alloc_pages(GFP_KERNEL, 0);
	unsigned long base, bad = bad_frees();
	struct mm_txn_stats s0, s1;
	struct mm_txn tx;

	KT_ASSERT_NOT_NULL(t, old);
	base = free_now();
	mm_txn_stats(&s0);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	free_pages(old, 0);
	free_pages(old, 0);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_EQ(t, mm_txn_commit(&tx), 0);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, s1.double_frees - s0.double_frees, 1);
	KT_EXPECT_EQ(t, free_now(), base + 1);
	KT_EXPECT_EQ(t, bad_frees(), bad); /* freed exactly once */
}

/* ---- interrupts ------------------------------------------------------------ */

struct irq_work {
	struct page *logged, *older, *fresh;
	struct mm_txn *tx, inner;
	int begin_rc, commit_rc;
};

static void irq_fn(void *arg)
{
	struct irq_work *w = arg;

	w->fresh = alloc_pages(GFP_ATOMIC, 0); /* not part of the txn */
	free_pages(w->logged, 0); /* the handler takes it out of the log */
	free_pages(w->older, 0); /* freed now, not deferred */
	w->begin_rc = mm_txn_begin(&w->inner);
	w->commit_rc = mm_txn_commit(w->tx);
}

/*
 * An interrupt handler is not part of the interrupted transaction: its
 * allocation survives the abort, its frees are real, and it can neither
 * begin nor end a transaction.
 */
static void test_interrupt_policy(struct ktest *t)
{
	static struct irq_work w;
	unsigned long base, bad = bad_frees(), m0 = misuse_count();
	struct mm_txn_stats s0, s1;
	struct mm_txn tx;

	memset(&w, 0, sizeof(w));
	KT_ASSERT_NOT_NULL(t, w.older = alloc_pages(GFP_KERNEL, 0));
	kt_pages_at_end(t, w.older, 0); /* until the interrupt frees it */
	base = free_now();
	mm_txn_stats(&s0);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	w.tx = &tx;
	KT_ASSERT_NOT_NULL(t, w.logged = alloc_pages(GFP_KERNEL, 0));
	if (!arch_call_from_irq(irq_fn, &w)) {
		mm_txn_abort(&tx);
		kt_release_pages(t, w.older, 0);
		ktest_skip(t, "no interrupt came");
	}
	ktest_remove_action(t, kt_pages_action, kt_pages_arg(w.older, 0));
	KT_EXPECT_EQ(t, w.begin_rc, -MM_EINVAL);
	KT_EXPECT_EQ(t, w.commit_rc, -MM_EINVAL);
	KT_EXPECT_TRUE(t, mm_txn_is_open(&tx));
	KT_ASSERT_NOT_NULL(t, w.fresh);
	KT_EXPECT_EQ(t, free_now(), base + 1 - 1); /* +older -fresh */
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	KT_EXPECT_TRUE(t, page_is_block(w.fresh, 0));
	free_pages(w.fresh, 0);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, s1.irq_unlogged - s0.irq_unlogged, 1);
	KT_EXPECT_EQ(t, s1.taken_out - s0.taken_out, 1);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, 0);
	KT_EXPECT_EQ(t, s1.deferred - s0.deferred, 0);
	KT_EXPECT_EQ(t, misuse_count() - m0, 2);
	KT_EXPECT_EQ(t, bad_frees(), bad);
	KT_EXPECT_EQ(t, free_now(), base + 1);
}

/* ---- other harts ------------------------------------------------------------ */

struct harts_work {
	unsigned int owner;
	struct mm_txn *tx;
	struct page *victim; /* logged by the owner, freed by hart 1 */
	struct page *theirs[NR_CPUS];
	int commit_rc[NR_CPUS];
};

static void harts_fn(struct ktest *t, void *arg)
{
	struct harts_work *w = arg;
	unsigned int cpu = arch_cpu_id();

	if (cpu == w->owner)
		return;
	w->commit_rc[cpu] = mm_txn_commit(w->tx);
	w->theirs[cpu] = alloc_pages(GFP_KERNEL, 0);
	if (cpu == (w->owner + 1) % arch_nr_cpus())
		free_pages(w->victim, 0);
}

/*
 * A transaction is its hart's: another hart cannot end it, its
 * allocations are not logged into it, and its free of a logged block
 * takes the block out of the log (no double free at abort).
 */
static void test_other_harts(struct ktest *t)
{
	static struct harts_work w;
	unsigned long base = free_now(), bad = bad_frees();
	unsigned int n = arch_nr_cpus();
	struct mm_txn tx;

	if (n < 2)
		ktest_skip(t, "needs two harts");
	memset(&w, 0, sizeof(w));
	w.owner = arch_cpu_id();
	w.tx = &tx;
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	KT_ASSERT_NOT_NULL(t, w.victim = alloc_pages(GFP_KERNEL, 0));
	ktest_on_all_cpus(t, harts_fn, &w);
	KT_EXPECT_TRUE(t, mm_txn_is_open(&tx));
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	KT_EXPECT_EQ(t, bad_frees(), bad);
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		if (cpu == w.owner)
			continue;
		KT_EXPECT_EQ(t, w.commit_rc[cpu], -MM_EINVAL);
		KT_EXPECT_TRUE(t, w.theirs[cpu] &&
					  page_is_block(w.theirs[cpu], 0));
		free_pages(w.theirs[cpu], 0);
	}
	KT_EXPECT_EQ(t, free_now(), base);
}

static struct mm_txn idle_tx[NR_CPUS];

static void idle_fn(void *arg)
{
	unsigned int cpu = arch_cpu_id();

	if (cpu == *(unsigned int *)arg)
		return;
	mm_txn_begin_named(&idle_tx[cpu], "forgotten");
	alloc_pages(GFP_KERNEL, 1);
}

/* A hart that goes idle with a transaction open: reported, rolled back. */
static void test_idle_with_open_txn(struct ktest *t)
{
	unsigned long base = free_now();
	unsigned int me = arch_cpu_id(), n = arch_nr_cpus();
	struct mm_txn_stats s0, s1;

	if (n < 2)
		ktest_skip(t, "needs two harts");
	mm_txn_stats(&s0);
	arch_run_on_all_cpus(idle_fn, &me);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, s1.leftovers - s0.leftovers, n - 1);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, n - 1);
	for (unsigned int cpu = 0; cpu < n; cpu++)
		KT_EXPECT_FALSE(t, mm_txn_is_open(&idle_tx[cpu]));
	KT_EXPECT_EQ(t, free_now(), base);
}

/* ---- the test runner's checks ---------------------------------------------- */

static struct mm_txn kept_open;

static void case_leaves_txn_open(struct ktest *t)
{
	mm_txn_begin_named(&kept_open, "kept_open");
	alloc_pages(GFP_KERNEL, 2);
}

static void case_asserts_in_txn(struct ktest *t)
{
	struct mm_txn tx;

	mm_txn_begin(&tx);
	alloc_pages(GFP_KERNEL, 0);
	KT_ASSERT_TRUE(t, false); /* the runner rolls back before jumping */
}

static void case_fine(struct ktest *t)
{
}

static struct mm_txn init_tx;
static int init_opens_txn(void)
{
	return mm_txn_begin_named(&init_tx, "from_init");
}

static const struct ktest_case leaky_cases[] = {
	KTEST_CASE(case_leaves_txn_open),
	KTEST_CASE(case_asserts_in_txn),
	KTEST_END,
};
static const struct ktest_case fine_cases[] = {
	KTEST_CASE(case_fine),
	KTEST_END,
};
static const struct ktest_suite leaky = {"leaky", leaky_cases, 0, 0, 0};
static const struct ktest_suite init_leaks = {"init_leaks", fine_cases,
					      init_opens_txn, 0, 0};

static char cap[4096];

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return true;
	return false;
}

static bool captured(const char *line)
{
	size_t n = strlen(line);

	for (const char *p = cap; (p = strchr(p, '\n')) != NULL;)
		if (!strncmp(++p, line, n) && (p[n] == '\n' || !p[n]))
			return true;
	return !strncmp(cap, line, n);
}

/*
 * A case that returns with a transaction open fails (and it is rolled
 * back); an ASSERT inside one rolls it back before jumping; init leaving
 * one open fails the suite.  Memory comes back in every case, so the
 * private runs' own free-page checks pass.
 */
static void test_runner_catches_open_txn(struct ktest *t)
{
	const struct ktest_suite *table[] = {&leaky, &init_leaks};
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;
	struct ktest_totals tot;

	mm_txn_stats(&s0);
	KT_EXPECT_EQ(t, ktest_run_table(table, 2, NULL, cap, sizeof(cap), &tot),
		     2);
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, tot.fail, 2);
	KT_EXPECT_EQ(t, tot.pass, 1);
	KT_EXPECT_TRUE(t, captured("    # case_leaves_txn_open: left 1 "
				   "transaction(s) open"));
	KT_EXPECT_TRUE(t, captured("    # init_leaks: 1 transaction(s) left "
				   "open by init/exit"));
	KT_EXPECT_TRUE(t, captured("not ok 2 init_leaks"));
	KT_EXPECT_FALSE(t, contains(cap, "pages missing"));
	KT_EXPECT_EQ(t, s1.leftovers - s0.leftovers, 3);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, 2);
	KT_EXPECT_FALSE(t, mm_txn_is_open(&kept_open));
	KT_EXPECT_EQ(t, mm_txn_depth(), 0);
	KT_EXPECT_EQ(t, free_now(), base);
}

/* ---- the validator ------------------------------------------------------------ */

/* A logged block freed behind the log's back is caught. */
static void test_validator(struct ktest *t)
{
	struct page *pg, *again;
	struct mm_txn tx;

	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	KT_ASSERT_NOT_NULL(t, pg = alloc_pages(GFP_KERNEL, 0));
	KT_EXPECT_TRUE(t, mm_txn_validate());
	__free_pages(pg, 0, 0); /* unhooked: the log still names it */
	KT_EXPECT_FALSE(t, mm_txn_validate());
	again = __alloc_pages(GFP_KERNEL, 0, 0); /* per-CPU list: LIFO */
	KT_EXPECT_TRUE(t, again == pg);
	KT_EXPECT_TRUE(t, mm_txn_validate());
	if (again != pg)
		__free_pages(again, 0, 0);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
}

static const struct ktest_case edge_cases[] = {
	KTEST_CASE(test_end_not_open),
	KTEST_CASE(test_out_of_order),
	KTEST_CASE(test_too_deep),
	KTEST_CASE(test_double_free),
	KTEST_CASE(test_interrupt_policy),
	KTEST_CASE(test_other_harts),
	KTEST_CASE(test_idle_with_open_txn),
	KTEST_CASE(test_runner_catches_open_txn),
	KTEST_CASE(test_validator),
	KTEST_END,
};
KTEST_SUITE(mm_txn_edges, edge_cases);

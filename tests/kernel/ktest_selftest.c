/* SPDX-License-Identifier: MIT */
/*
 * Tests of ktest itself (suite ktest_selftest).  Failures are provoked in
 * private suite tables run through ktest_run_table() with the KTAP text
 * captured in a buffer, so the real run stays green while the counts,
 * the verdicts and the exact output lines are checked.
 */
#include "kernel/ktest.h"
#include "kernel/ktest_internal.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/page_alloc.h"

static char cap[8192]; /* captured KTAP of the private runs */
static struct ktest_totals tot;

/* Run a private table of n suites with the KTAP text captured in cap. */
static int run_private(const struct ktest_suite *const *table, unsigned int n,
		       const char *filter)
{
	return ktest_run_table(table, n, filter, cap, sizeof(cap), &tot);
}

/* Does the captured output contain line as a whole line? */
static bool has_line(const char *line)
{
	size_t n = strlen(line);

	for (const char *p = cap; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			return true;
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

/* Does the captured output contain s anywhere? */
static bool has_text(const char *s)
{
	return strstr(cap, s) != NULL;
}

#define EXPECT_LINE(t, l) KT_EXPECT_TRUE(t, has_line(l))
#define EXPECT_TEXT(t, s) KT_EXPECT_TRUE(t, has_text(s))

/* ---- expectations that hold -------------------------------------------- */

static void test_expectations_pass(struct ktest *t)
{
	int x = 3, *p = &x, *np = 0;

	KT_EXPECT_TRUE(t, x == 3);
	KT_EXPECT_FALSE(t, x == 4);
	KT_EXPECT_EQ(t, x, 3);
	KT_EXPECT_NE(t, x, 4);
	KT_EXPECT_LT(t, -1, x); /* signed comparison, as written */
	KT_EXPECT_LE(t, x, 3);
	KT_EXPECT_GT(t, x, 2);
	KT_EXPECT_GE(t, x, 3);
	KT_EXPECT_NULL(t, np);
	KT_EXPECT_NOT_NULL(t, p);
	KT_ASSERT_TRUE(t, x);
	KT_ASSERT_EQ(t, 0xffffffffffffffffULL, -1LL);
	KT_ASSERT_NOT_NULL(t, p);
}

/* Every operand is evaluated exactly once, failing or not. */
static void test_single_evaluation(struct ktest *t)
{
	int i = 0, j = 0;

	KT_EXPECT_EQ(t, i++, 0);
	KT_EXPECT_LT(t, j++, i++);
	KT_EXPECT_EQ(t, i, 2);
	KT_EXPECT_EQ(t, j, 1);
}

/* ---- verdicts, counts and output of a private run ---------------------- */

static int reached; /* bit per checkpoint a private case got past */

static void p_pass(struct ktest *t)
{
	KT_EXPECT_EQ(t, 2 + 2, 4);
}

static void p_expect_fail(struct ktest *t)
{
	KT_EXPECT_EQ(t, 1 + 1, 3); /* fails, the case goes on */
	reached |= 1;
}

static void p_assert_fail(struct ktest *t)
{
	KT_ASSERT_TRUE(t, 0 > 1); /* fails and ends the case */
	reached |= 2;
}

static void p_skip(struct ktest *t)
{
	ktest_skip(t, "no such hardware");
	reached |= 4;
}

static void p_fail_then_skip(struct ktest *t)
{
	KT_EXPECT_NULL(t, &reached);
	ktest_skip(t, "too late");
}

static void p_log(struct ktest *t)
{
	ktest_log(t, "two lines\nof log");
}

static const struct ktest_case priv_cases[] = {
	KTEST_CASE(p_pass),
	KTEST_CASE(p_expect_fail),
	KTEST_CASE(p_assert_fail),
	KTEST_CASE(p_skip),
	KTEST_CASE(p_fail_then_skip),
	KTEST_CASE(p_log),
	KTEST_END,
};
static const struct ktest_suite priv = {"priv", priv_cases, 0, 0, 0};
static const struct ktest_suite *const priv_table[] = {&priv};

static void test_private_counts(struct ktest *t)
{
	reached = 0;
	KT_EXPECT_EQ(t, run_private(priv_table, 1, NULL), 1);
	KT_EXPECT_EQ(t, tot.suites, 1);
	KT_EXPECT_EQ(t, tot.suites_failed, 1);
	KT_EXPECT_EQ(t, tot.pass, 2);
	KT_EXPECT_EQ(t, tot.fail, 3);
	KT_EXPECT_EQ(t, tot.skip, 1);
	KT_EXPECT_EQ(t, reached, 1); /* EXPECT went on; ASSERT, skip did not */
}

static void test_private_ktap(struct ktest *t)
{
	run_private(priv_table, 1, NULL);
	KT_EXPECT_EQ(t, strncmp(cap, "KTAP version 1\n1..1\n", 20), 0);
	EXPECT_LINE(t, "    KTAP version 1");
	EXPECT_LINE(t, "    # Subtest: priv");
	EXPECT_LINE(t, "    1..6");
	EXPECT_LINE(t, "    ok 1 p_pass");
	EXPECT_LINE(t, "    not ok 2 p_expect_fail");
	EXPECT_TEXT(t, "ktest_selftest.c:");
	EXPECT_TEXT(t, ": expected 1 + 1 == 3, but 1 + 1 == 2 (0x2), "
		       "3 == 3 (0x3)\n    not ok 2 p_expect_fail\n");
	EXPECT_TEXT(t, ": expected 0 > 1 to be true\n    not ok 3 ");
	EXPECT_LINE(t, "    ok 4 p_skip # SKIP no such hardware");
	EXPECT_LINE(t, "    not ok 5 p_fail_then_skip");
	EXPECT_LINE(t, "    # two lines");
	EXPECT_LINE(t, "    # of log");
	EXPECT_LINE(t, "    ok 6 p_log");
	EXPECT_LINE(t, "# priv: pass:2 fail:3 skip:1 total:6");
	EXPECT_LINE(t, "not ok 1 priv");
	EXPECT_LINE(t, "# Totals: pass:2 fail:3 skip:1 total:6");
	EXPECT_TEXT(t, "\n# ktest: FAILED: 1 suites (1 failed, 0 skipped), "
		       "6 cases (3 failed, 1 skipped) in ");
}

/* ---- filters ----------------------------------------------------------- */

static void p_nothing(struct ktest *t)
{
}

static void p_other(struct ktest *t)
{
}

static const struct ktest_case two_cases[] = {
	KTEST_CASE(p_nothing),
	KTEST_CASE(p_other),
	KTEST_END,
};
static const struct ktest_suite fa = {"alpha", two_cases, 0, 0, 0};
static const struct ktest_suite fb = {"beta", two_cases, 0, 0, 0};
static const struct ktest_suite fc = {"beta_two", two_cases, 0, 0, 0};
static const struct ktest_suite *const filter_table[] = {&fa, &fb, &fc};

/* Run the filter table; return the number of cases that ran. */
static unsigned int run_filter(struct ktest *t, const char *filter, int ret)
{
	KT_EXPECT_EQ(t, run_private(filter_table, 3, filter), ret);
	return tot.pass + tot.fail + tot.skip;
}

static void test_filter(struct ktest *t)
{
	KT_EXPECT_EQ(t, run_filter(t, NULL, 0), 6);
	KT_EXPECT_EQ(t, run_filter(t, "", 0), 6);
	KT_EXPECT_EQ(t, run_filter(t, "all", 0), 6);
	KT_EXPECT_EQ(t, run_filter(t, "none", 0), 0);
	EXPECT_LINE(t, "1..0");
	KT_EXPECT_EQ(t, run_filter(t, "beta", 0), 2);
	KT_EXPECT_EQ(t, run_filter(t, "beta*", 0), 4);
	KT_EXPECT_EQ(t, run_filter(t, "alpha,beta_two", 0), 4);
	EXPECT_LINE(t, "ok 2 beta_two"); /* numbered among the selected */
	KT_EXPECT_EQ(t, run_filter(t, "*a.p_other", 0), 2);
	EXPECT_LINE(t, "    1..1");
	EXPECT_LINE(t, "    ok 1 p_other");
	KT_EXPECT_EQ(t, run_filter(t, ",,alpha,", 0), 2);
	/* A name that matches nothing is an error, not silently nothing. */
	KT_EXPECT_EQ(t, run_filter(t, "alpha,gamma", 1), 2);
	KT_EXPECT_EQ(t, tot.bad_filter, 1);
	EXPECT_LINE(t, "# ktest: 'gamma' matches no suite or case");
	KT_EXPECT_EQ(t, run_filter(t, "alpha.nosuch", 1), 0);
}

/* ---- checks the runner makes on its own -------------------------------- */

static struct page *leaked;
static spinlock_t left_lock = SPINLOCK_INIT("ktest_selftest.left_lock");

static void p_leak(struct ktest *t)
{
	leaked = alloc_pages(GFP_KERNEL, 1);
	KT_ASSERT_NOT_NULL(t, leaked);
}

/* Leaves interrupts off (the flags format is the arch's: no way back on). */
static void p_irqs_off(struct ktest *t)
{
	if (!arch_irqs_enabled())
		ktest_skip(t, "interrupts are already off");
	arch_irq_save();
}

static void p_keep_lock(struct ktest *t)
{
	spin_lock(&left_lock);
}

static const struct ktest_case leak_cases[] = {KTEST_CASE(p_leak), KTEST_END};
static const struct ktest_suite leak = {"leak", leak_cases, 0, 0, 0};
static const struct ktest_suite leak_ok = {"leak_unchecked", leak_cases, 0, 0,
					   KTEST_NO_MM_CHECK};
static const struct ktest_suite *const leak_table[] = {&leak};
static const struct ktest_suite *const leak_ok_table[] = {&leak_ok};

static void test_page_leak_found(struct ktest *t)
{
	KT_EXPECT_EQ(t, run_private(leak_table, 1, NULL), 1);
	KT_ASSERT_NOT_NULL(t, leaked);
	free_pages(leaked, 1);
	KT_EXPECT_EQ(t, tot.fail, 1); /* the case, and the suite */
	KT_EXPECT_EQ(t, tot.suites_failed, 1);
	EXPECT_TEXT(t, "    # p_leak: 2 pages missing after the case (");
	EXPECT_LINE(t, "    not ok 1 p_leak");
	EXPECT_TEXT(t, "    # leak: 2 pages missing after the suite (");
	EXPECT_LINE(t, "not ok 1 leak");

	KT_EXPECT_EQ(t, run_private(leak_ok_table, 1, NULL), 0);
	KT_ASSERT_NOT_NULL(t, leaked);
	free_pages(leaked, 1);
	EXPECT_LINE(t, "ok 1 leak_unchecked");
}

static const struct ktest_case hart_cases[] = {
	KTEST_CASE(p_irqs_off),
	KTEST_CASE(p_keep_lock),
	KTEST_CASE(p_pass),
	KTEST_END,
};
static const struct ktest_suite hart = {"hart", hart_cases, 0, 0, 0};
static const struct ktest_suite *const hart_table[] = {&hart};

static void test_hart_state_found(struct ktest *t)
{
	bool irqs_on = arch_irqs_enabled();

	KT_EXPECT_EQ(t, run_private(hart_table, 1, NULL), 1);
	KT_EXPECT_EQ(t, arch_irqs_enabled(), irqs_on); /* put back */
	KT_EXPECT_TRUE(t, spin_is_held(&left_lock));
	if (spin_is_held(&left_lock))
		spin_unlock(&left_lock);
	KT_EXPECT_EQ(t, tot.fail, 1 + irqs_on);
	KT_EXPECT_EQ(t, tot.pass, 1); /* p_pass is not blamed for the lock */
	if (irqs_on)
		EXPECT_LINE(t, "    # p_irqs_off: returned with interrupts "
			       "disabled (they were enabled)");
	EXPECT_LINE(t, "    # p_keep_lock: returned holding 1 spinlock(s) "
		       "more than before");
}

/* ---- init, exit, diagnostics limit ------------------------------------- */

static int exits;

static int init_fails(void)
{
	return -5;
}

static int init_ok(void)
{
	return 0;
}

static void count_exit(void)
{
	exits++;
}

static void p_many_failures(struct ktest *t)
{
	for (int i = 0; i < 40; i++)
		KT_EXPECT_EQ(t, i, -1);
}

static const struct ktest_case many_cases[] = {KTEST_CASE(p_many_failures),
					       KTEST_END};
static const struct ktest_suite no_init = {"no_init", priv_cases, init_fails,
					   count_exit, 0};
static const struct ktest_suite with_exit = {"with_exit", many_cases, init_ok,
					     count_exit, 0};
static const struct ktest_suite *const init_table[] = {&no_init, &with_exit};

static void test_init_exit_and_limit(struct ktest *t)
{
	unsigned int lines = 0;

	exits = 0;
	reached = 0;
	KT_EXPECT_EQ(t, run_private(init_table, 2, NULL), 1);
	KT_EXPECT_EQ(t, exits, 1); /* not called when init failed */
	KT_EXPECT_EQ(t, reached, 0);
	KT_EXPECT_EQ(t, tot.suites_skipped, 1);
	EXPECT_LINE(t, "ok 1 no_init # SKIP init failed (-5)");
	for (const char *p = cap; (p = strchr(p, '\n')); p++)
		lines += !strncmp(p, "\n    # tests/", 13);
	KT_EXPECT_EQ(t, lines, 16);
	EXPECT_LINE(t, "    # p_many_failures: 24 more diagnostics not shown");
}

/* ---- all harts --------------------------------------------------------- */

static unsigned int ran, after_assert;

static void hart_body(struct ktest *t, void *arg)
{
	__atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
	KT_ASSERT_EQ(t, arch_cpu_id() % 2, 0); /* odd harts stop here */
	__atomic_fetch_add(&after_assert, 1, __ATOMIC_RELAXED);
}

static void p_all_harts(struct ktest *t)
{
	ktest_on_all_cpus(t, hart_body, 0);
	reached |= 8; /* the case itself goes on */
}

static const struct ktest_case harts_cases[] = {KTEST_CASE(p_all_harts),
						KTEST_END};
static const struct ktest_suite harts = {"harts", harts_cases, 0, 0, 0};
static const struct ktest_suite *const harts_table[] = {&harts};

static void test_on_all_cpus(struct ktest *t)
{
	unsigned int n = arch_nr_cpus();

	ran = after_assert = 0;
	reached = 0;
	KT_EXPECT_EQ(t, run_private(harts_table, 1, NULL), n > 1);
	KT_EXPECT_EQ(t, ran, n);
	KT_EXPECT_EQ(t, after_assert, (n + 1) / 2);
	KT_EXPECT_EQ(t, reached, 8);
	KT_EXPECT_EQ(t, tot.fail, n > 1);
}

static void test_current(struct ktest *t)
{
	const char *s = 0, *c = 0;

	KT_ASSERT_TRUE(t, ktest_current(&s, &c));
	KT_EXPECT_EQ(t, strcmp(s, "ktest_selftest"), 0);
	KT_EXPECT_EQ(t, strcmp(c, "test_current"), 0);
}

static const struct ktest_case ktest_selftest_cases[] = {
	KTEST_CASE(test_expectations_pass),
	KTEST_CASE(test_single_evaluation),
	KTEST_CASE(test_private_counts),
	KTEST_CASE(test_private_ktap),
	KTEST_CASE(test_filter),
	KTEST_CASE(test_page_leak_found),
	KTEST_CASE(test_hart_state_found),
	KTEST_CASE(test_init_exit_and_limit),
	KTEST_CASE(test_on_all_cpus),
	KTEST_CASE(test_current),
	KTEST_END,
};
KTEST_SUITE(ktest_selftest, ktest_selftest_cases);

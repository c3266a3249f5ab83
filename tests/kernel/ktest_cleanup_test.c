/* SPDX-License-Identifier: MIT */
/*
 * Tests of ktest's cleanup actions and per-case checks (suite
 * ktest_cleanup): private suites run through ktest_run_table() with the
 * KTAP text captured, so the order actions run in, what a case that leaks
 * or leaves a mode switched is told, and how a boot fault rule's failures
 * are judged are checked line by line.
 */
#include "kernel/ktest.h"
#include "lib/printk.h"
#include "kernel/ktest_internal.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

static char cap[8192]; /* captured KTAP of the private runs */
static struct ktest_totals tot;

static int run_private(const struct ktest_suite *s)
{
	const struct ktest_suite *table[] = {s};

	return ktest_run_table(table, 1, NULL, cap, sizeof(cap), &tot);
}

static bool has_text(const char *s)
{
	return strstr(cap, s) != NULL;
}

#define EXPECT_TEXT(t, s) KT_EXPECT_TRUE(t, has_text(s))

/* ---- the order actions run in ---------------------------------------- */

static char trail[64]; /* one letter per action run, in order */
static spinlock_t trail_lock = SPINLOCK_INIT("ktest_cleanup.trail");

static void mark(void *arg)
{
	size_t n;

	spin_lock(&trail_lock);
	n = strlen(trail);
	if (n + 1 < sizeof(trail))
		trail[n] = (char)(uintptr_t)arg, trail[n + 1] = '\0';
	spin_unlock(&trail_lock);
}

#define L(c) ((void *)(uintptr_t)(c))

/* Registers a, b, c; then ends as the case's name says. */
static void three(struct ktest *t)
{
	KT_ASSERT_EQ(t, ktest_add_action(t, mark, L('a')), 0);
	KT_ASSERT_EQ(t, ktest_add_action(t, mark, L('b')), 0);
	ktest_add_action_or_reset(t, mark, L('c'));
}

static void c_pass(struct ktest *t)
{
	three(t);
}

static void c_expect(struct ktest *t)
{
	three(t);
	KT_EXPECT_EQ(t, 1, 2);
}

static void c_assert(struct ktest *t)
{
	three(t);
	KT_ASSERT_EQ(t, 1, 2);
	mark(L('X')); /* never reached */
}

static void c_skip(struct ktest *t)
{
	three(t);
	ktest_skip(t, "nothing to test");
}

/* release runs b now; remove forgets a; c runs at the end. */
static void c_release(struct ktest *t)
{
	three(t);
	ktest_release_action(t, mark, L('b'));
	mark(L('-'));
	ktest_remove_action(t, mark, L('a'));
}

static const struct ktest_case order_cases[] = {
	KTEST_CASE(c_pass), KTEST_CASE(c_expect),  KTEST_CASE(c_assert),
	KTEST_CASE(c_skip), KTEST_CASE(c_release), KTEST_END,
};
static const struct ktest_suite order = {"order", order_cases, 0, 0, 0};

static void test_actions_run_last_first(struct ktest *t)
{
	trail[0] = '\0';
	KT_EXPECT_EQ(t, run_private(&order), 1);
	/* pass, EXPECT failure, ASSERT, skip: all cba; release: b-c */
	KT_EXPECT_EQ(t, strcmp(trail, "cbacbacbacbab-c"), 0);
	KT_EXPECT_EQ(t, tot.pass, 2);
	KT_EXPECT_EQ(t, tot.fail, 2);
	KT_EXPECT_EQ(t, tot.skip, 1);
}

/* Every hart registers its letter, odd harts then ASSERT. */
static void hart_part(struct ktest *t, void *arg)
{
	unsigned int cpu = arch_cpu_id();

	KT_ASSERT_EQ(t, ktest_add_action(t, mark, L('0' + cpu)), 0);
	KT_ASSERT_EQ(t, cpu % 2, 0);
}

static void c_harts(struct ktest *t)
{
	ktest_on_all_cpus(t, hart_part, NULL);
}

static const struct ktest_case harts_cases[] = {KTEST_CASE(c_harts), KTEST_END};
static const struct ktest_suite harts = {"harts", harts_cases, 0, 0, 0};

static void test_actions_from_every_hart(struct ktest *t)
{
	unsigned int n = arch_nr_cpus();

	trail[0] = '\0';
	run_private(&harts);
	KT_ASSERT_EQ(t, strlen(trail), n);
	for (unsigned int cpu = 0; cpu < n; cpu++)
		KT_EXPECT_NOT_NULL(t, strchr(trail, '0' + (int)cpu));
}

/* ---- misuse ----------------------------------------------------------- */

static unsigned int reset_runs;

static void count_reset(void *arg)
{
	reset_runs++;
}

static void c_full(struct ktest *t)
{
	for (int i = 0; i < KTEST_MAX_ACTIONS; i++)
		ktest_add_action(t, count_reset, NULL);
	KT_EXPECT_EQ(t, ktest_add_action(t, mark, L('F')), -1);
	ktest_add_action_or_reset(t, mark, L('R')); /* runs 'R', ends */
	mark(L('X'));
}

static void c_unknown(struct ktest *t)
{
	ktest_release_action(t, mark, L('u'));
	ktest_remove_action(t, mark, L('v'));
}

/* An argument on the case's own stack is refused: an ASSERT unwinds it. */
static void c_stack(struct ktest *t)
{
	char local = 'S';

	KT_EXPECT_EQ(t, ktest_add_action(t, mark, &local), -1);
}

static const struct ktest_case misuse_cases[] = {
	KTEST_CASE(c_full),
	KTEST_CASE(c_unknown),
	KTEST_CASE(c_stack),
	KTEST_END,
};
static const struct ktest_suite misuse = {"misuse", misuse_cases, 0, 0, 0};

static void test_action_misuse(struct ktest *t)
{
	trail[0] = '\0';
	reset_runs = 0;
	KT_EXPECT_EQ(t, run_private(&misuse), 1);
	KT_EXPECT_EQ(t, strcmp(trail, "R"), 0);
	KT_EXPECT_EQ(t, reset_runs, KTEST_MAX_ACTIONS); /* all still ran */
	KT_EXPECT_EQ(t, tot.fail, 3);
	EXPECT_TEXT(t, "the table of 48 actions is full");
	EXPECT_TEXT(t, "its argument is on the case's stack, which an ASSERT "
		       "unwinds (use static or allocated memory)\n"
		       "    not ok 3 c_stack");
	EXPECT_TEXT(t, "    # c_full: cleanup action ");
	EXPECT_TEXT(t, "    # c_unknown: release of cleanup action ");
	EXPECT_TEXT(t, "    # c_unknown: removal of cleanup action ");
	EXPECT_TEXT(t, "not registered\n    not ok 2 c_unknown");
}

/* ---- what the runner checks after every case ------------------------- */

static struct page *leaked;

static void c_leak(struct ktest *t)
{
	leaked = alloc_pages(GFP_KERNEL, 1);
	KT_ASSERT_NOT_NULL(t, leaked);
}

/* Another mode than the one in force (the boot may have chosen simple). */
static enum kmalloc_mode other_mode(void)
{
	return kmalloc_get_mode() == KMALLOC_SIMPLE ? KMALLOC_TWO_TIER
						    : KMALLOC_SIMPLE;
}

static void c_mode(struct ktest *t)
{
	if (kmalloc_set_mode(other_mode()))
		ktest_skip(t, "no kmalloc heap");
}

static void c_debug(struct ktest *t)
{
	kmalloc_set_debug(!kmalloc_get_debug());
}

static void c_after(struct ktest *t)
{
}

static const struct ktest_case state_cases[] = {
	KTEST_CASE(c_leak),  KTEST_CASE(c_mode), KTEST_CASE(c_debug),
	KTEST_CASE(c_after), KTEST_END,
};
static const struct ktest_suite state = {"state", state_cases, 0, 0, 0};

static void test_case_leaks_named(struct ktest *t)
{
	enum kmalloc_mode mode = kmalloc_get_mode();
	bool debug = kmalloc_get_debug();
	char want[64];

	ksnprintf(want, sizeof(want),
		  "    # c_mode: left kmalloc in mode %s (it ",
		  kmalloc_mode_name(other_mode()));
	leaked = NULL;
	KT_EXPECT_EQ(t, run_private(&state), 1);
	KT_ASSERT_NOT_NULL(t, leaked);
	free_pages(leaked, 1);
	EXPECT_TEXT(t, "    # c_leak: 2 pages missing after the case (");
	EXPECT_TEXT(t, "    not ok 1 c_leak");
	EXPECT_TEXT(t, "    # state: 2 pages missing after the suite (");
	if (!has_text("ok 2 c_mode # SKIP"))
		EXPECT_TEXT(t, want);
	EXPECT_TEXT(t, "    # c_debug: left kmalloc debug ");
	EXPECT_TEXT(t, "    ok 4 c_after"); /* not blamed for the others */
	KT_EXPECT_EQ(t, kmalloc_get_mode(), mode); /* put back */
	KT_EXPECT_EQ(t, kmalloc_get_debug(), debug);
}

/* ---- fault rules ------------------------------------------------------ */

static void c_arms(struct ktest *t)
{
	struct mm_fault_attr a;

	mm_fault_attr_init(&a);
	str_copy(a.name, "ktest_other_rule", sizeof(a.name));
	KT_ASSERT_EQ(t, mm_fault_set(&a), 0);
}

static void c_clears(struct ktest *t)
{
	mm_fault_clear();
}

static const struct ktest_case rule_cases[] = {
	KTEST_CASE(c_arms),
	KTEST_CASE(c_clears),
	KTEST_END,
};
static const struct ktest_suite rule = {"rule", rule_cases, 0, 0, 0};

/* A rule that matches only the caches below; arms it for this case. */
static void arm_private_rule(struct ktest *t, const char *name)
{
	struct mm_fault_attr a;

	mm_fault_attr_init(&a);
	str_copy(a.name, name, sizeof(a.name));
	a.times = -1;
	KT_ASSERT_EQ(t, mm_fault_set(&a), 0);
}

static void test_fault_rule_put_back(struct ktest *t)
{
	struct mm_fault_attr got;
	unsigned long gen;

	arm_private_rule(t, "ktest_cleanup_rule");
	gen = mm_fault_generation();
	KT_EXPECT_EQ(t, run_private(&rule), 0);
	KT_EXPECT_EQ(t, mm_fault_generation(), gen);
	KT_ASSERT_TRUE(t, mm_fault_get(&got));
	KT_EXPECT_EQ(t, strcmp(got.name, "ktest_cleanup_rule"), 0);
}

static void destroy_cache(void *c)
{
	kmem_cache_destroy(c);
}

/* Under a rule: its allocation fails, the ASSERT ends it. */
static void c_injected(struct ktest *t)
{
	struct kmem_cache *c =
		kmem_cache_create("ktest_cleanup_inj", 64, 0, 0, NULL);
	void *obj;

	KT_ASSERT_NOT_NULL(t, c);
	ktest_add_action_or_reset(t, destroy_cache, c);
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, obj);
	kmem_cache_free(c, obj);
}

static void c_real(struct ktest *t)
{
	KT_EXPECT_EQ(t, 1, 2);
}

/* Failures injected, but it also leaks: always a real failure. */
static void c_injected_leak(struct ktest *t)
{
	leaked = alloc_pages(GFP_KERNEL, 0);
	c_injected(t);
}

static const struct ktest_case inj_cases[] = {
	KTEST_CASE(c_injected),
	KTEST_CASE(c_real),
	KTEST_CASE(c_injected_leak),
	KTEST_END,
};
static const struct ktest_suite inj = {"inj", inj_cases, 0, 0, 0};

static void test_injected_failure_skips(struct ktest *t)
{
	leaked = NULL;
	arm_private_rule(t, "ktest_cleanup_inj");
	KT_EXPECT_EQ(t, run_private(&inj), 1);
	if (leaked)
		free_pages(leaked, 0);
	KT_EXPECT_NOT_NULL(t, leaked);
	EXPECT_TEXT(t, "    ok 1 c_injected # SKIP injected allocation "
		       "failure (");
	EXPECT_TEXT(t, "    not ok 2 c_real");
	EXPECT_TEXT(t, "    # c_injected_leak: 1 pages missing after the "
		       "case (");
	EXPECT_TEXT(t, "    not ok 3 c_injected_leak");
	KT_EXPECT_EQ(t, tot.skip, 1);
	KT_EXPECT_EQ(t, tot.fail, 2);
}

/* Without a rule armed when the run began, failures are all real. */
static void test_no_rule_no_skip(struct ktest *t)
{
	if (mm_fault_armed())
		ktest_skip(t, "a fault rule is armed");
	leaked = NULL;
	KT_EXPECT_EQ(t, run_private(&inj), 1);
	EXPECT_TEXT(t, "    ok 1 c_injected\n");
	EXPECT_TEXT(t, "    not ok 2 c_real");
	KT_EXPECT_EQ(t, tot.skip, 0);
	if (leaked)
		free_pages(leaked, 0);
}

static const struct ktest_case ktest_cleanup_cases[] = {
	KTEST_CASE(test_actions_run_last_first),
	KTEST_CASE(test_actions_from_every_hart),
	KTEST_CASE(test_action_misuse),
	KTEST_CASE(test_case_leaks_named),
	KTEST_CASE(test_fault_rule_put_back),
	KTEST_CASE(test_injected_failure_skips),
	KTEST_CASE(test_no_rule_no_skip),
	KTEST_END,
};
KTEST_SUITE(ktest_cleanup, ktest_cleanup_cases);

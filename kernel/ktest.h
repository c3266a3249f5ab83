/* SPDX-License-Identifier: MIT */
/*
 * ktest: in-kernel self-tests in the shape of Linux's KUnit.
 *
 * A test case is a plain function taking a struct ktest *.  Cases sit in a
 * NULL-terminated table; a suite names the table and registers itself in the
 * "ktest_suites" linker section, so adding a suite is adding a file:
 *
 *	static void test_one_plus_one(struct ktest *t)
 *	{
 *		KT_EXPECT_EQ(t, 1 + 1, 2);
 *	}
 *	static const struct ktest_case demo_cases[] = {
 *		KTEST_CASE(test_one_plus_one),
 *		KTEST_END,
 *	};
 *	KTEST_SUITE(demo, demo_cases);
 *
 * The runner prints KTAP version 1: one indented subtest block per suite.
 * An EXPECT failure marks the case failed and continues; an ASSERT failure
 * also ends the case (the rest of the run goes on).  Whatever a case
 * creates it hands to ktest_add_action() at once, so that it is undone
 * however the case ends.  After every case and every suite the runner
 * checks that nr_free_pages() is back where it started and that
 * mm_validate() holds; either failing marks the case (suite) failed.
 *
 * The same file builds on the host (tests/host runs the shared suites under
 * AddressSanitizer), so suites must only use the arch/ interface.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>
#include <stdint.h>

struct ktest;
typedef void (*ktest_fn)(struct ktest *t);

struct ktest_case {
	const char *name;
	ktest_fn run;
};

/* Suite flags. */
#define KTEST_NO_MM_CHECK 0x1 /* skip the free-page/validator check */
#define KTEST_KERNEL_ONLY 0x2 /* not built into the host runner's run */

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases; /* ends with KTEST_END */
	int (*init)(void); /* optional; non-zero skips the suite */
	void (*exit)(void); /* optional */
	unsigned int flags;
};

#define KTEST_CASE(fn)  \
	{               \
#fn, fn \
	}
#define KTEST_END    \
	{            \
		0, 0 \
	}

#define KTEST_SUITE_FULL(sname, table, init_fn, exit_fn, fl)     \
	static const struct ktest_suite ktest_suite_##sname = {  \
		#sname, table, init_fn, exit_fn, fl};            \
	static const struct ktest_suite *const ktest_ptr_##sname \
		__attribute__((used, section("ktest_suites"))) = \
			&ktest_suite_##sname
#define KTEST_SUITE(sname, table) KTEST_SUITE_FULL(sname, table, 0, 0, 0)

/* Results. */
enum {
	KTEST_PASS = 0,
	KTEST_FAIL = 1,
	KTEST_SKIP = 2
};

/* Record a failure (file:line and message as a KTAP diagnostic). */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
/* End the current case now (after an ASSERT failure). */
__attribute__((noreturn)) void ktest_abort(struct ktest *t);
/* Mark the case skipped with a reason and end it. */
__attribute__((noreturn)) void ktest_skip(struct ktest *t, const char *reason);
/* A "# ..." diagnostic line inside the case's output. */
void ktest_log(struct ktest *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define KT__CHECK(t, cond, fatal, ...)                                  \
	do {                                                            \
		if (!(cond)) {                                          \
			ktest_fail(t, __FILE__, __LINE__, __VA_ARGS__); \
			if (fatal)                                      \
				ktest_abort(t);                         \
		}                                                       \
	} while (0)

#define KT__BINOP(t, a, op, b, fatal)                                         \
	do {                                                                  \
		long long kt_a_ = (long long)(a), kt_b_ = (long long)(b);     \
		KT__CHECK(t, kt_a_ op kt_b_, fatal,                           \
			  "expected %s " #op " %s, but %s == %lld (0x%llx), " \
			  "%s == %lld (0x%llx)",                              \
			  #a, #b, #a, kt_a_, (unsigned long long)kt_a_, #b,   \
			  kt_b_, (unsigned long long)kt_b_);                  \
	} while (0)

#define KT_EXPECT_TRUE(t, c) KT__CHECK(t, c, 0, "expected %s to be true", #c)
#define KT_EXPECT_FALSE(t, c) \
	KT__CHECK(t, !(c), 0, "expected %s to be false", #c)
#define KT_EXPECT_EQ(t, a, b) KT__BINOP(t, a, ==, b, 0)
#define KT_EXPECT_NE(t, a, b) KT__BINOP(t, a, !=, b, 0)
#define KT_EXPECT_LT(t, a, b) KT__BINOP(t, a, <, b, 0)
#define KT_EXPECT_LE(t, a, b) KT__BINOP(t, a, <=, b, 0)
#define KT_EXPECT_GT(t, a, b) KT__BINOP(t, a, >, b, 0)
#define KT_EXPECT_GE(t, a, b) KT__BINOP(t, a, >=, b, 0)
#define KT_EXPECT_NULL(t, p) \
	KT__CHECK(t, (p) == 0, 0, "expected %s to be NULL", #p)
#define KT_EXPECT_NOT_NULL(t, p) \
	KT__CHECK(t, (p) != 0, 0, "expected %s to be non-NULL", #p)

#define KT_ASSERT_TRUE(t, c) KT__CHECK(t, c, 1, "expected %s to be true", #c)
#define KT_ASSERT_FALSE(t, c) \
	KT__CHECK(t, !(c), 1, "expected %s to be false", #c)
#define KT_ASSERT_EQ(t, a, b) KT__BINOP(t, a, ==, b, 1)
#define KT_ASSERT_NE(t, a, b) KT__BINOP(t, a, !=, b, 1)
#define KT_ASSERT_LT(t, a, b) KT__BINOP(t, a, <, b, 1)
#define KT_ASSERT_LE(t, a, b) KT__BINOP(t, a, <=, b, 1)
#define KT_ASSERT_GT(t, a, b) KT__BINOP(t, a, >, b, 1)
#define KT_ASSERT_GE(t, a, b) KT__BINOP(t, a, >=, b, 1)
#define KT_ASSERT_NULL(t, p) \
	KT__CHECK(t, (p) == 0, 1, "expected %s to be NULL", #p)
#define KT_ASSERT_NOT_NULL(t, p) \
	KT__CHECK(t, (p) != 0, 1, "expected %s to be non-NULL", #p)

/*
 * Deferred cleanup, as KUnit's kunit_add_action().  Register an action
 * (fn, arg) right after creating an object: when the case ends -- passed,
 * failed, skipped, or cut short by an ASSERT -- the runner calls every
 * action still registered, last registered first, on the case's hart.
 * Actions registered from other harts (inside ktest_on_all_cpus) run then
 * too.  They run after the runner has rolled back the transactions the
 * case left open, so an object allocated inside a transaction belongs to
 * the transaction, not to an action.  An action must not ASSERT or skip.
 * Its argument must outlive the case's stack frame (an ASSERT unwinds the
 * frame before the actions run): use static or allocated memory; an
 * argument on the case's stack is refused (the case fails).
 *
 * The table is a fixed array in the case (KTEST_MAX_ACTIONS entries):
 * registering never allocates, so injected allocation failures cannot
 * break it.
 *
 * ktest_add_action: returns 0, or -1 when the table is full or arg is on
 *	the case's stack (the case is then marked failed and the action is
 *	NOT registered).
 * ktest_add_action_or_reset: the same, but a full table runs fn(arg) at
 *	once and ends the case (failed); it returns only on success.
 * ktest_release_action: run the newest matching (fn, arg) now and forget
 *	it (the test frees the object itself, in the middle of the case).
 * ktest_remove_action: forget it without running it (the object was
 *	handed over, or freed by other means).
 * Releasing or removing an action that is not registered fails the case.
 */
#define KTEST_MAX_ACTIONS 48
typedef void (*ktest_action_fn)(void *arg);
int ktest_add_action(struct ktest *t, ktest_action_fn fn, void *arg);
void ktest_add_action_or_reset(struct ktest *t, ktest_action_fn fn, void *arg);
void ktest_release_action(struct ktest *t, ktest_action_fn fn, void *arg);
void ktest_remove_action(struct ktest *t, ktest_action_fn fn, void *arg);

/*
 * Run fn(t, arg) on every online hart at once (arch_run_on_all_cpus) and
 * return when all have finished.  Prefer it to a bare arch_run_on_all_cpus
 * when fn checks things: an ASSERT failing on one hart ends that hart's
 * part only (an ASSERT on another hart outside of it stops the machine,
 * since that hart has nowhere to jump to).  EXPECTs work from any hart.
 */
void ktest_on_all_cpus(struct ktest *t, void (*fn)(struct ktest *t, void *arg),
		       void *arg);

/*
 * Run the registered suites whose names appear in the comma-separated
 * filter (NULL or "" or "all": every suite; "none": no suite).  Prints KTAP
 * and returns the number of failed suites.
 *
 * Filter entries may contain '*' ("page_*"), and "suite.case" runs only
 * matching cases ("page_alloc.test_zero", "lib_printk.*").  An entry that
 * matches no suite or case is reported and counted as one more failure.
 */
int ktest_run(const char *filter);
/* The longest filter, in characters: ktest_run() cuts a longer one, and a
 * longer ktest= boot argument is refused. */
#define KTEST_FILTER_MAX 255
/* The filter the ktest= boot argument gives: "all" by default, "none"
 * when the argument was refused (the boot then fails). */
const char *ktest_boot_filter(void);
/* Names of the registered suites, for the monitor's `tests` command. */
void ktest_list(void);
/*
 * The suite and case running now (for trap reports): true with both names
 * set while a case runs, false otherwise.
 */
bool ktest_current(const char **suite, const char **tcase);

#endif /* KERNEL_KTEST_H */

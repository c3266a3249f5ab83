/* SPDX-License-Identifier: MIT */
/*
 * ktest internals that the framework's own tests use: running a private
 * table of suites, with the KTAP text captured into a buffer, and getting
 * the counts back.  Ordinary suites need only kernel/ktest.h.
 */
#ifndef KERNEL_KTEST_INTERNAL_H
#define KERNEL_KTEST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/ktest.h"
#include "mm/fault.h"
#include "mm/kmalloc.h"

struct ktest_totals {
	unsigned int suites; /* suites selected by the filter */
	unsigned int suites_failed; /* not ok (cases or the mm check) */
	unsigned int suites_skipped; /* init failed, or every case skipped */
	unsigned int pass, fail, skip; /* cases */
	unsigned int bad_filter; /* filter entries that matched nothing */
};

/*
 * Run the n suites of the table like ktest_run() runs the registered ones.
 * With buf non-NULL the KTAP text goes into buf (always NUL-terminated,
 * cut at size) instead of the console.  Fills *tot when tot is non-NULL.
 * Returns the number of failed suites plus the number of filter entries
 * that matched no suite.  Safe to call from inside a running case.
 */
int ktest_run_table(const struct ktest_suite *const *suites, unsigned int n,
		    const char *filter, char *buf, size_t size,
		    struct ktest_totals *tot);

/*
 * The filter (kernel/ktest_filter.c).  NULL, "" and "all" select every
 * suite, "none" none.  ktest_filter_suite(): does f select suite s in this
 * build (the host runner leaves out KTEST_KERNEL_ONLY suites)?
 * ktest_filter_case(): case c of suite s?  ktest_filter_check(): pass one
 * message per entry of f that selects no suite or case of suites[0..n)
 * (or one when f is only commas) to report(ctx, msg); returns how many.
 */
bool ktest_filter_suite(const struct ktest_suite *s, const char *f);
bool ktest_filter_case(const struct ktest_suite *s, const struct ktest_case *c,
		       const char *f);
unsigned int ktest_filter_check(const char *f,
				const struct ktest_suite *const *suites,
				unsigned int n,
				void (*report)(void *ctx, const char *msg),
				void *ctx);

/*
 * The global state a case or a suite must leave as it found it
 * (kernel/ktest_guard.c).  ktest_guard_begin() takes the snapshot;
 * ktest_guard_end() compares, puts back what it can, and reports each
 * difference through report(ctx, message), returning how many there were.
 *
 *   pages       nr_free_pages() after slab_reclaim() (only when mm is set)
 *   validators  mm_validate() after it (only when mm is set)
 *   kmalloc     the mode and the debug setting (put back when changed)
 *   mm.fail=    the armed fault rule: put back silently when the case armed
 *               or cleared one, so a boot rule stays in force and goes on
 *               where it was; not a difference
 *   printk      a capture (printk_capture_start()) the case left running is
 *               stopped silently (the console saw every line anyway)
 */
struct ktest_guard {
	bool mm;
	unsigned long free_pages;
	unsigned long injected; /* mm_fault_stats().injected_total */
	struct mm_fault_saved fault;
	enum kmalloc_mode kmode;
	bool kdebug;
	bool capturing; /* a printk capture was running */
};

typedef void (*ktest_report_fn)(void *ctx, const char *msg);

void ktest_guard_begin(struct ktest_guard *g, bool mm);
unsigned int ktest_guard_end(struct ktest_guard *g, const char *what,
			     ktest_report_fn report, void *ctx);
/* Put the fault rule back now (ktest_guard_end() does it too). */
void ktest_guard_fault(const struct ktest_guard *g);
/* Failures injected (any rule, any hart) since ktest_guard_begin(). */
unsigned long ktest_guard_injected(const struct ktest_guard *g);

#endif /* KERNEL_KTEST_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * ktest internals that the framework's own tests use: running a private
 * table of suites, with the KTAP text captured into a buffer, and getting
 * the counts back.  Ordinary suites need only kernel/ktest.h.
 */
#ifndef KERNEL_KTEST_INTERNAL_H
#define KERNEL_KTEST_INTERNAL_H

#include <stddef.h>

#include "kernel/ktest.h"

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

#endif /* KERNEL_KTEST_INTERNAL_H */

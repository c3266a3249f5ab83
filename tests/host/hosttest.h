/* SPDX-License-Identifier: MIT */
/*
 * A tiny harness for the host test programs (tests/host/test_*.c): checks
 * are gathered into named groups, and each group prints one line,
 * "PASS: host/<prog>/<group>" or "FAIL: host/<prog>/<group>: <first reason>".
 * ht_exit() returns the program's exit status: 1 if any group failed.
 */
#ifndef TESTS_HOST_HOSTTEST_H
#define TESTS_HOST_HOSTTEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct ht_group {
	const char *name;
	unsigned long checks, fails;
	char why[256]; /* the first failure's reason */
};

static const char *ht_prog = "?";
static int ht_failed_groups, ht_groups;

static inline void ht_begin(struct ht_group *g, const char *name)
{
	g->name = name;
	g->checks = g->fails = 0;
	g->why[0] = '\0';
}

/* Record one check; the first failing one's message becomes the reason. */
__attribute__((format(printf, 3, 4))) static inline bool
ht_check(struct ht_group *g, bool ok, const char *fmt, ...)
{
	g->checks++;
	if (!ok && g->fails++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(g->why, sizeof(g->why), fmt, ap);
		va_end(ap);
	}
	return ok;
}

static inline void ht_end(struct ht_group *g)
{
	ht_groups++;
	if (g->fails) {
		ht_failed_groups++;
		printf("FAIL: host/%s/%s: %s (%lu of %lu checks failed)\n",
		       ht_prog, g->name, g->why, g->fails, g->checks);
	} else {
		printf("PASS: host/%s/%s\n", ht_prog, g->name);
	}
	fflush(stdout);
}

static inline int ht_exit(void)
{
	if (ht_groups == 0) {
		printf("FAIL: host/%s: no checks ran\n", ht_prog);
		return 1;
	}
	return ht_failed_groups ? 1 : 0;
}

#endif /* TESTS_HOST_HOSTTEST_H */

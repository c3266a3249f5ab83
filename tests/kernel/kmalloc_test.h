/* SPDX-License-Identifier: MIT */
/*
 * Shared by the kmalloc suites: every suite runs once per backend mode
 * (KMALLOC_MODE_SUITES registers NAME_two_tier, NAME_simple, NAME_hybrid
 * with one case table), plus small helpers (captured console output).
 */
#ifndef TESTS_KERNEL_KMALLOC_TEST_H
#define TESTS_KERNEL_KMALLOC_TEST_H

#include "kernel/ktest.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"

/* Mode and debug setting saved by a suite's init, restored by its exit. */
struct kmt_saved {
	enum kmalloc_mode mode;
	bool debug;
};

/* The suites' sizes (up to 1 MiB, 4 MiB alignments) need this much heap:
 * the default from 64 MiB of RAM up; kmalloc.heap= may ask for less. */
#define KMT_MIN_HEAP (8UL << 20)

/* Enter mode (and debug); non-zero (suite skipped) when the mode is
 * missing or its heap too small for the suite. */
static inline int kmt_enter(struct kmt_saved *sv, enum kmalloc_mode mode,
			    bool debug)
{
	struct kmalloc_stats st;

	kmalloc_stats_get(&st);
	if (mode != KMALLOC_TWO_TIER && st.heap_bytes < KMT_MIN_HEAP)
		return 1;
	sv->mode = kmalloc_get_mode();
	sv->debug = kmalloc_get_debug();
	if (kmalloc_set_mode(mode))
		return 1;
	kmalloc_set_debug(debug);
	return 0;
}

/* Back to the saved setting, and give back every cached slab page. */
static inline void kmt_leave(const struct kmt_saved *sv)
{
	kmalloc_set_mode(sv->mode);
	kmalloc_set_debug(sv->debug);
	kmalloc_shrink();
}

#define KMT_MODE_INIT(base, m, dbg)                          \
	static struct kmt_saved base##_saved_##m;            \
	static int base##_init_##m(void)                     \
	{                                                    \
		return kmt_enter(&base##_saved_##m, m, dbg); \
	}                                                    \
	static void base##_exit_##m(void)                    \
	{                                                    \
		kmt_leave(&base##_saved_##m);                \
	}

/* Three suites, one per mode, sharing cases; debug as given. */
#define KMALLOC_MODE_SUITES(base, cases, dbg)                                  \
	KMT_MODE_INIT(base, KMALLOC_TWO_TIER, dbg)                             \
	KMT_MODE_INIT(base, KMALLOC_SIMPLE, dbg)                               \
	KMT_MODE_INIT(base, KMALLOC_HYBRID, dbg)                               \
	KTEST_SUITE_FULL(base##_two_tier, cases, base##_init_KMALLOC_TWO_TIER, \
			 base##_exit_KMALLOC_TWO_TIER, 0);                     \
	KTEST_SUITE_FULL(base##_simple, cases, base##_init_KMALLOC_SIMPLE,     \
			 base##_exit_KMALLOC_SIMPLE, 0);                       \
	KTEST_SUITE_FULL(base##_hybrid, cases, base##_init_KMALLOC_HYBRID,     \
			 base##_exit_KMALLOC_HYBRID, 0)

/* Cleanup action: kmalloc's mode and debug setting, packed into arg. */
static inline void kmt_restore_setting(void *arg)
{
	uintptr_t v = (uintptr_t)arg;

	kmalloc_set_mode((enum kmalloc_mode)(v >> 1));
	kmalloc_set_debug(v & 1);
}

/* When the case ends, however it ends, put back the mode and debug
 * setting kmalloc has now. */
static inline void kmt_keep_setting(struct ktest *t)
{
	uintptr_t v =
		((uintptr_t)kmalloc_get_mode() << 1) | kmalloc_get_debug();

	ktest_add_action_or_reset(t, kmt_restore_setting, (void *)v);
}

/* Does the NUL-terminated text contain needle? */
static inline bool kmt_contains(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

/* The text %p prints for p (reports name blocks that way). */
static inline const char *kmt_ptr(char *buf, size_t len, const void *p)
{
	ksnprintf(buf, len, "%p", p);
	return buf;
}

/* A live row's counters, summed (kmalloc_stats_get()). */
static inline struct kmalloc_row_stats kmt_row(unsigned int row)
{
	struct kmalloc_stats st;

	kmalloc_stats_get(&st);
	return st.row[row];
}

/* Are new class blocks served by debug caches (kmalloc debug on, or
 * mm.debug=1 at boot, which makes every cache one)? */
static inline bool kmt_debug_caches(void)
{
	return kmalloc_get_debug() || bootparam_bool("mm.debug");
}

/*
 * Does a two-tier request of n bytes take whole pages although n is a
 * class size?  A debug cache's big classes are page-aligned only (their
 * left red zone is one alignment unit), so a power-of-two size above a
 * page, which must be aligned to its size, takes pages there.
 */
static inline bool kmt_pages_for_class(size_t n)
{
	return n > PAGE_SIZE && !(n & (n - 1)) && kmt_debug_caches();
}

/* Bytes that a live block of size n must be aligned to. */
static inline size_t kmt_natural_align(size_t n)
{
	size_t a = 8;

	if (n && !(n & (n - 1)))
		a = n < KMALLOC_MAX_ALIGN ? n : KMALLOC_MAX_ALIGN;
	return a;
}

#endif /* TESTS_KERNEL_KMALLOC_TEST_H */

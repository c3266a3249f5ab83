/* SPDX-License-Identifier: MIT */
/*
 * Health of the memory subsystem: how much is free, and whether every
 * allocator's structures are consistent.  Grown by later layers (statistics,
 * fragmentation, verdict); these two calls are the ones tests rely on.
 */
#ifndef MM_HEALTH_H
#define MM_HEALTH_H

#include <stdbool.h>

/* Free pages in all zones, per-CPU page lists included. */
unsigned long nr_free_pages(void);

/*
 * Run every allocator's validator (for now page_alloc_validate()).  True
 * when every invariant holds; otherwise each failure is printed on the
 * console and the result is false.
 */
bool mm_validate(void);

#endif /* MM_HEALTH_H */

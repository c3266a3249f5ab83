/* SPDX-License-Identifier: MIT */
/*
 * Arenas (region allocators): allocation is a pointer bump inside a chunk
 * of pages; everything is given back at once.
 *
 *	struct arena a;
 *
 *	arena_init(&a, "parse", 0, GFP_KERNEL);  no memory taken yet
 *	m = arena_mark(&a);
 *	x = arena_alloc(&a, 100, 0);             bump (a new chunk if needed)
 *	y = arena_alloc(&a, 40, 64);             64-byte aligned
 *	arena_reset_to(&a, m);                   x and y gone, their chunks freed
 *	arena_destroy(&a);                       every page back
 *
 * Guarantees.  Allocation is O(1) (a bump; a new chunk is one call to the
 * page allocator).  Individual frees are not supported: memory comes
 * back by arena_reset_to(mark) (everything allocated after the mark),
 * arena_reset() or arena_destroy(), and a chunk emptied by a reset goes
 * back to the page allocator at once.  Calls never panic: shortage gives
 * NULL with the page allocator's reason in mm_last_error(); a bad mark is
 * reported with the caller, counted and ignored.  One irqsave spinlock per
 * arena makes it SMP- and interrupt-safe, but an arena is LIFO by nature:
 * resetting frees what every hart allocated after the mark.
 *
 * Transactions log an arena allocation by the position it started at
 * (before alignment padding); abort resets the arena to it.  So an arena
 * a transaction allocates from must not be shared with other harts or
 * interrupt handlers while the transaction is open, and resets inside the
 * transaction take effect at once (they are not deferred frees).
 * The design is in mm/arena.c and docs/allocators.md.
 */
#ifndef MM_ARENA_H
#define MM_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/list.h"
#include "lib/spinlock.h"
#include "mm/page_alloc.h"

#define ARENA_ALIGN 16 /* default alignment of arena_alloc() */

struct arena_chunk; /* private: mm/arena.c */

struct arena {
	spinlock_t ar_lock; /* guards every field below ar_node */
	const char *ar_name; /* for reports */
	unsigned int ar_chunk_order; /* a chunk is at least 2^order pages */
	gfp_t ar_gfp; /* for the chunks */
	struct list_head ar_node; /* on the list of arenas (arena_lock) */
	/* Guarded by ar_lock. */
	struct arena_chunk *ar_chunk; /* newest chunk, NULL when empty */
	unsigned long ar_nr_chunks;
	unsigned long ar_pages; /* pages held in chunks */
	size_t ar_used; /* bytes handed out, alignment padding included */
	size_t ar_peak_used;
	unsigned long ar_peak_pages;
	unsigned long ar_nr_alloc, ar_nr_fail, ar_nr_reset, ar_nr_bad_reset;
};

struct arena_stats {
	unsigned long chunks, pages, peak_pages;
	size_t used; /* bytes handed out, padding included */
	size_t peak_used;
	size_t wasted; /* unused tails of chunks older than the newest */
	size_t room; /* bytes left in the newest chunk */
	unsigned long nr_alloc, nr_fail, nr_reset, nr_bad_reset;
};

/*
 * Set up an empty arena (no memory taken) whose chunks are 2^chunk_order
 * pages, or more for a larger request, allocated with gfp.  Returns 0, or
 * -MM_EINVAL (chunk_order >= MAX_ORDER or unknown gfp bits).
 */
int arena_init(struct arena *a, const char *name, unsigned int chunk_order,
	       gfp_t gfp);

/*
 * size bytes aligned to align (0: ARENA_ALIGN; else a power of two up to
 * PAGE_SIZE).  Returns NULL with MM_EINVAL (size 0, bad align, larger than
 * the largest chunk), MM_ENOMEM/MM_EWATERMARK (no chunk) or
 * MM_EFAULT_INJECTED.  The memory is not initialised.
 */
void *arena_alloc(struct arena *a, size_t size, size_t align);
/* n * size zeroed bytes; NULL (MM_EINVAL) when the product overflows. */
void *arena_calloc(struct arena *a, size_t n, size_t size);

/* The current position (NULL for an empty arena), for arena_reset_to(). */
void *arena_mark(struct arena *a);
/*
 * Give back everything allocated after mark (chunks left empty go back to
 * the page allocator); mark NULL empties the arena.  A mark that is not a
 * position of the arena at or below its top (taken from another arena, or
 * already reset below) is reported with the caller, counted and ignored.
 */
void arena_reset_to(struct arena *a, void *mark);
/* Empty the arena (arena_reset_to(a, NULL)); it stays usable. */
void arena_reset(struct arena *a);
/* Empty the arena and take it off the list of arenas. */
void arena_destroy(struct arena *a);

void arena_stats_get(struct arena *a, struct arena_stats *st);
/* True when pos lies in a chunk of a, below its top (still handed out). */
bool arena_pos_live(struct arena *a, const void *pos);

/*
 * Walk the chunk chain and check the invariants of mm/arena.c's theory
 * section against the counters and the page allocator.  True when all
 * hold; otherwise prints each failure and returns false.
 */
bool arena_validate(struct arena *a);
/* Every arena set up and not destroyed (part of mm_validate()). */
bool arena_validate_all(void);
/* One line per arena on the console. */
void arena_report(void);

/* ---- for mm/ (transactions): the same without allocation hooks ---------- */
/* *pos: where the allocation started (before padding). */
void *__arena_alloc(struct arena *a, size_t size, size_t align, void **pos,
		    unsigned long caller);
/* Reset to pos if it is still handed out (else nothing): a rollback. */
bool __arena_rollback(struct arena *a, void *pos, unsigned long caller);

/* Refused (bad or stale) resets of every arena (health). */
unsigned long arena_bad_resets_total(void);

#endif /* MM_ARENA_H */

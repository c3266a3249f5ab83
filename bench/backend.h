/* SPDX-License-Identifier: MIT */
/*
 * The kernel's heap backends as the benchmarks see them: an allocator
 * behind struct wl_ops, how to set it up and take it down, how much memory
 * it has taken from the system (its footprint) and how its free space
 * looks.  bench/backend.c defines them; a new allocator is one entry there.
 */
#ifndef BENCH_BACKEND_H
#define BENCH_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/workload.h"

struct backend {
	struct wl_ops ops; /* ops.ctx is the backend itself */
	/* 0 when ready; non-zero skips the backend (with an info line). */
	int (*setup)(struct backend *b);
	void (*teardown)(struct backend *b);
	/* Free bytes it could still hand out, and its largest free block. */
	void (*free_space)(struct backend *b, size_t *free, size_t *largest);
	void *heap; /* the allocator's own handle (struct sheap * ...) */
	/* Footprint: a region heap counts the highest byte used above base,
	 * any other the pages taken from the page allocator. */
	uintptr_t base;
	size_t peak;
	unsigned long free_pages0;
	/* span: the footprint is the span of the blocks seen (kmalloc's
	 * simple mode: a heap in a region taken at boot) */
	bool span;
	uintptr_t lo, hi;
};

unsigned int backend_count(void);
struct backend *backend_get(unsigned int i);
/* Set up (0) or explain on an info line why not (non-zero). */
int backend_setup(struct backend *b);
void backend_teardown(struct backend *b);
/* Start following the footprint now; its peak since then, in bytes. */
void backend_track_reset(struct backend *b);
size_t backend_peak(struct backend *b);
/* False when the backend cannot say (the fragmentation figures skip it). */
bool backend_free_space(struct backend *b, size_t *free, size_t *largest);
/* A backend that does nothing, to measure the dispatch cost. */
const struct wl_ops *backend_null(void);

/*
 * Physically contiguous memory of nr 4 MiB blocks (larger than the
 * biggest buddy block), found among the free blocks; NULL if there is no
 * such run.  region_free() gives it back.
 */
void *region_alloc(unsigned int nr);
void region_free(void *base, unsigned int nr);

#endif /* BENCH_BACKEND_H */

/* SPDX-License-Identifier: MIT */
/*
 * The benchmark workloads, shared by the kernel benchmarks (bench/) and the
 * host benchmark (bench/host/): the same sizes, the same seeds, the same
 * sequence of operations, whichever allocator runs them.
 *
 * A churn workload first allocates `live` blocks (the fill), then makes
 * `steps` replacement steps: free a random live block, allocate a new one
 * of a size drawn from the workload's distribution into its slot.  In the
 * kernel every call of the steps is measured in instructions
 * (WL_MEASURE); on the host the whole run is timed.
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/prng.h"

enum wl_dist {
	WL_UNIFORM, /* uniform in [lo, hi] (lo == hi: fixed size) */
	WL_KERNEL, /* kmalloc sizes of a real kernel (workload.c) */
};

struct workload {
	const char *name; /* "u64", "mix8-256", ... (figure names) */
	const char *what; /* one line for the docs and the start line */
	enum wl_dist dist;
	size_t lo, hi;
	unsigned int live; /* blocks live during the steps */
	unsigned int steps; /* replacement steps */
};

extern const struct workload wl_table[];
extern const unsigned int wl_count;

/* An allocator under test, as the workloads see it. */
struct wl_ops {
	const char *name;
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p, size_t size);
	void *ctx;
	/* Optional: called after every allocation (outside the measured
	 * region) to follow the allocator's footprint. */
	void (*track)(void *ctx, void *p, size_t size);
};

struct wl_slot {
	void *p;
	size_t size;
};

/* Per-call samples (kernel only; NULL members are not measured), and how
 * many of the measured calls took a shared lock (a spinlock acquisition
 * on this hart during the call: a refill, a flush, a new slab). */
struct bench_samples;
struct wl_meter {
	struct bench_samples *alloc, *free;
	unsigned long calls, locked;
};

struct wl_result {
	unsigned long allocs, frees; /* calls made */
	unsigned long failures; /* allocations that returned NULL */
	size_t live_bytes; /* bytes requested and live at the end */
	size_t peak_live_bytes; /* the most ever live at once */
};

/* A size from w's distribution. */
size_t wl_size(const struct workload *w, struct prng *r);

/*
 * Fill slots[0 .. live-1] (not measured), then run `steps` replacement
 * steps with each call measured into m (m may be NULL).  Blocks stay
 * allocated afterwards (wl_release frees them).  steps and live may be
 * cut by the caller (quick runs) through the arguments.
 */
void wl_churn(const struct workload *w, const struct wl_ops *ops,
	      struct wl_slot *slots, unsigned int live, unsigned int steps,
	      uint64_t seed, struct wl_meter *m, struct wl_result *res);

/* Free every non-NULL slot (not measured). */
void wl_release(const struct wl_ops *ops, struct wl_slot *slots,
		unsigned int n);

/* The kernel-like distribution: class sizes and their weights. */
struct wl_class {
	uint32_t size; /* upper bound of the class, bytes */
	uint32_t weight; /* live objects seen in that class */
};
extern const struct wl_class wl_kernel_classes[];
extern const unsigned int wl_kernel_nr_classes;

#endif /* BENCH_WORKLOAD_H */

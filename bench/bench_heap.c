/* SPDX-License-Identifier: MIT */
/*
 * Heap benchmarks: the churn workloads (bench/workload.c) on every heap
 * backend of the kernel, one after the other in the same boot.
 *
 * Backends (bench/backend.c): "sheap" is the simple heap called directly
 * on a 16 MiB region; the kmalloc modes and the TLSF heap join as they
 * land.  Every call goes through a function pointer (struct wl_ops), so
 * the cost of that dispatch is measured first with a backend that does
 * nothing ("null") and subtracted from every sample, like the reading's
 * own cost.
 *
 * Figures (docs/bench.md):
 *   churn.<wl>.<backend>.{malloc,free}   per call, during the steps
 *   churn.<wl>.two-tier.locked           percent of those calls that took
 *                                        a spinlock (lib/spinlock.h counts
 *                                        them per hart): kmalloc's trips
 *                                        to the slabs.  Two-tier only: the
 *                                        heaps' locks are bare flags that
 *                                        every call takes, not counted.
 *   overhead.<wl>.<backend>              (peak footprint - peak bytes
 *                                        requested) / peak requested
 * The fragmentation benchmark is bench/bench_frag.c.
 */
#include "bench/backend.h"
#include "bench/bench.h"
#include "bench/workload.h"

#include "lib/string.h"
#include "mm/page_alloc.h"

/* Slot arrays: 4 MiB = 262144 slots, enough to fill 256 MiB. */
#define SLOT_ORDER 10
#define MAX_SLOTS ((PAGE_SIZE << SLOT_ORDER) / sizeof(struct wl_slot))

static uint32_t dispatch_alloc, dispatch_free;

/* The dispatch cost: the same calls into functions that do nothing. */
static void calibrate(struct wl_slot *slots)
{
	const struct workload *w = &wl_table[0];
	struct wl_meter m = {bench_samples(0, 0), bench_samples(1, 0)};
	struct wl_result res;
	const struct wl_ops *ops = backend_null();

	wl_churn(w, ops, slots, 100, bench_iters(2000, 50), BENCH_SEED, &m,
		 &res);
	wl_release(ops, slots, 100);
	dispatch_alloc = bench_median(m.alloc);
	dispatch_free = bench_median(m.free);
	bench_report(m.alloc, "churn.null.malloc");
	bench_report(m.free, "churn.null.free");
}

static void churn_one(const struct workload *w, struct backend *b,
		      struct wl_slot *slots)
{
	struct wl_meter m = {bench_samples(0, dispatch_alloc),
			     bench_samples(1, dispatch_free)};
	unsigned int live = (unsigned int)bench_iters(w->live, 50);
	unsigned int steps = (unsigned int)bench_iters(w->steps, 100);
	struct wl_result res;
	size_t peak;

	backend_track_reset(b);
	wl_churn(w, &b->ops, slots, live, steps, BENCH_SEED, &m, &res);
	peak = backend_peak(b);
	wl_release(&b->ops, slots, live);
	if (res.failures)
		bench_error("churn.%s.%s: %lu allocations failed", w->name,
			    b->ops.name, res.failures);
	bench_report(m.alloc, "churn.%s.%s.malloc", w->name, b->ops.name);
	bench_report(m.free, "churn.%s.%s.free", w->name, b->ops.name);
	if (m.calls && !strcmp(b->ops.name, "two-tier"))
		bench_value_milli(m.locked * 100000 / m.calls,
				  m.locked * 100000 / m.calls, "percent",
				  "churn.%s.%s.locked", w->name, b->ops.name);
	if (peak >= res.peak_live_bytes && res.peak_live_bytes)
		bench_value_milli((peak - res.peak_live_bytes) * 1000 /
					  res.peak_live_bytes,
				  (peak - res.peak_live_bytes) * 1000 /
					  res.peak_live_bytes,
				  "ratio", "overhead.%s.%s", w->name,
				  b->ops.name);
}

void bench_heap_churn(void)
{
	struct wl_slot *slots = alloc_pages_addr(GFP_KERNEL, SLOT_ORDER);

	if (!slots) {
		bench_error("churn: no memory for the slot array");
		return;
	}
	calibrate(slots);
	for (unsigned int i = 0; i < backend_count(); i++) {
		struct backend *b = backend_get(i);

		if (backend_setup(b))
			continue;
		for (unsigned int k = 0; k < wl_count; k++)
			churn_one(&wl_table[k], b, slots);
		backend_teardown(b);
	}
	free_pages(virt_to_page(slots), SLOT_ORDER);
}

/* SPDX-License-Identifier: MIT */
/*
 * Heap benchmarks: the churn workloads (bench/workload.c) and the
 * fragmentation pattern on every heap backend of the kernel, one after
 * the other in the same boot.
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
 *   overhead.<wl>.<backend>              (peak footprint - peak bytes
 *                                        requested) / peak requested
 *   frag.<backend>.usfi                  unusable free space index for
 *                                        64 KiB requests, in percent
 *   frag.<backend>.largest               largest free block, bytes
 *   frag.<backend>.first_large           100 if the first 64 KiB request
 *                                        succeeded, else 0
 */
#include "bench/backend.h"
#include "bench/bench.h"
#include "bench/workload.h"

#include "mm/page_alloc.h"

/* Slot arrays: 4 MiB = 262144 slots, enough to fill 256 MiB. */
#define SLOT_ORDER 10
#define MAX_SLOTS ((PAGE_SIZE << SLOT_ORDER) / sizeof(struct wl_slot))
#define LARGE (64UL << 10)

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

/* ---- fragmentation ------------------------------------------------------------ */

/* Ask for LARGE blocks until one fails; returns how many succeeded. */
static unsigned long take_large(struct backend *b, struct wl_slot *slots,
				unsigned long first, unsigned long cap)
{
	unsigned long n = 0;

	while (first + n < cap) {
		void *p = b->ops.alloc(b->ops.ctx, LARGE);

		if (!p)
			break;
		slots[first + n].p = p;
		slots[first + n].size = LARGE;
		n++;
	}
	return n;
}

static void frag_one(struct backend *b, struct wl_slot *slots)
{
	const struct workload *w = &wl_table[2]; /* 16..4096 bytes */
	unsigned long cap = bench_quick ? 2000 : MAX_SLOTS, n = 0, got;
	struct prng r;
	size_t free_bytes, largest;

	prng_seed(&r, BENCH_SEED);
	for (; n < cap; n++) { /* fill until the backend says no */
		size_t size = wl_size(w, &r);

		slots[n].p = b->ops.alloc(b->ops.ctx, size);
		slots[n].size = slots[n].p ? size : 0;
		if (!slots[n].p)
			break;
	}
	for (unsigned long i = 0; i < n; i += 2)
		wl_release(&b->ops, &slots[i], 1);
	if (!backend_free_space(b, &free_bytes, &largest)) {
		bench_info("frag.%s: not measured: its free space is not known",
			   b->ops.name);
		wl_release(&b->ops, slots, n);
		return;
	}
	got = take_large(b, slots, n, cap);
	bench_info(
		"frag.%s: %lu blocks filled, %zu bytes free, %lu blocks of %lu "
		"KiB could be allocated from it",
		b->ops.name, n, free_bytes, got, (unsigned long)LARGE >> 10);
	if (free_bytes)
		bench_value_milli(
			got * LARGE >= free_bytes ? 0
						  : (free_bytes - got * LARGE) *
							    100000 / free_bytes,
			got * LARGE >= free_bytes ? 0
						  : (free_bytes - got * LARGE) *
							    100000 / free_bytes,
			"percent", "frag.%s.usfi", b->ops.name);
	bench_value(largest, largest, "bytes", "frag.%s.largest", b->ops.name);
	bench_value(got ? 100 : 0, got ? 100 : 0, "percent",
		    "frag.%s.first_large", b->ops.name);
	wl_release(&b->ops, slots, n + got);
}

void bench_heap_frag(void)
{
	struct wl_slot *slots = alloc_pages_addr(GFP_KERNEL, SLOT_ORDER);

	if (!slots) {
		bench_error("frag: no memory for the slot array");
		return;
	}
	for (unsigned int i = 0; i < backend_count(); i++) {
		struct backend *b = backend_get(i);

		if (backend_setup(b))
			continue;
		frag_one(b, slots);
		backend_teardown(b);
	}
	free_pages(virt_to_page(slots), SLOT_ORDER);
}

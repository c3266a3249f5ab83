/* SPDX-License-Identifier: MIT */
/*
 * The churn workloads and their size distributions (bench/workload.h),
 * built both into the kernel and into the host benchmark.
 */
#include "bench/workload.h"

#ifdef HOST
#define WL_MEASURE(m, s, stmt) stmt
#else
#include "arch/arch.h"
#include "bench/bench.h"
#include "lib/spinlock.h"
/* stmt measured into samples s when there are, and counted in meter m. */
#define WL_MEASURE(m, s, stmt)                                            \
	do {                                                              \
		if (s) {                                                  \
			unsigned int cpu_ = arch_cpu_id();                \
			unsigned long l0_ = spin_acquisitions(cpu_);      \
			BENCH_MEASURE(s, stmt);                           \
			(m)->calls++;                                     \
			(m)->locked += spin_acquisitions(cpu_) != l0_;    \
		} else {                                                  \
			stmt;                                             \
		}                                                         \
	} while (0)
#endif

/* Compute x before the measured region starts. */
#define WL_OPAQUE(x) __asm__ volatile("" : "+r"(x))

const struct workload wl_table[] = {
	{"u64", "64-byte blocks, 10,000 live", WL_UNIFORM, 64, 64, 10000,
	 20000},
	{"mix8-256", "8..256 bytes uniform, 10,000 live", WL_UNIFORM, 8, 256,
	 10000, 20000},
	{"mix16-4096", "16..4096 bytes uniform, 2,000 live", WL_UNIFORM, 16,
	 4096, 2000, 20000},
	{"8k", "8 KiB blocks, 1,000 live", WL_UNIFORM, 8192, 8192, 1000, 20000},
	{"kdist", "kernel kmalloc size mix (docs/bench.md), 10,000 live",
	 WL_KERNEL, 1, 8192, 10000, 20000},
};
const unsigned int wl_count = sizeof(wl_table) / sizeof(wl_table[0]);

/*
 * The kernel-like distribution: live objects per kmalloc cache in
 * /proc/slabinfo of the Debian 12 machine these benchmarks were written
 * on (Linux 6.18 x86_64, after boot and a few hours of builds and QEMU
 * runs), kmalloc-N plus kmalloc-cg-N active_objs; the dma-, rcl- and
 * bucket caches are left out.  A size is drawn by picking a class with
 * these weights, then a size uniformly in (previous class, class].  It is
 * a distribution of live objects, not of requests: long-lived sizes weigh
 * more than in a trace of kmalloc calls.
 */
const struct wl_class wl_kernel_classes[] = {
	{8, 2560},   {16, 2812},  {32, 2270}, {64, 2496},  {96, 3528},
	{128, 3424}, {192, 2646}, {256, 816}, {512, 1345}, {1024, 865},
	{2048, 484}, {4096, 405}, {8192, 40},
};
const unsigned int wl_kernel_nr_classes =
	sizeof(wl_kernel_classes) / sizeof(wl_kernel_classes[0]);

static size_t kernel_size(struct prng *r)
{
	uint64_t total = 0, pick;
	uint32_t lo = 0;

	for (unsigned int i = 0; i < wl_kernel_nr_classes; i++)
		total += wl_kernel_classes[i].weight;
	pick = prng_below(r, total);
	for (unsigned int i = 0; i < wl_kernel_nr_classes; i++) {
		const struct wl_class *c = &wl_kernel_classes[i];

		if (pick < c->weight)
			return lo + 1 + prng_below(r, c->size - lo);
		pick -= c->weight;
		lo = c->size;
	}
	return lo; /* not reached */
}

size_t wl_size(const struct workload *w, struct prng *r)
{
	if (w->dist == WL_KERNEL)
		return kernel_size(r);
	return w->lo + (size_t)prng_below(r, w->hi - w->lo + 1);
}

static void do_alloc(const struct wl_ops *ops, struct wl_slot *s, size_t size,
		     struct wl_meter *m, struct bench_samples *samples,
		     struct wl_result *res)
{
	void *p;

	WL_OPAQUE(size);
	WL_MEASURE(m, samples, p = ops->alloc(ops->ctx, size));
	res->allocs++;
	s->p = p;
	s->size = p ? size : 0;
	if (!p) {
		res->failures++;
		return;
	}
	*(volatile char *)p = 1; /* the block is used */
	res->live_bytes += size;
	if (res->live_bytes > res->peak_live_bytes)
		res->peak_live_bytes = res->live_bytes;
	if (ops->track)
		ops->track(ops->ctx, p, size);
}

static void do_free(const struct wl_ops *ops, struct wl_slot *s,
		   struct wl_meter *m, struct bench_samples *samples,
		   struct wl_result *res)
{
	void *p = s->p;
	size_t size = s->size;

	if (!p)
		return;
	WL_OPAQUE(p);
	WL_MEASURE(m, samples, ops->free(ops->ctx, p, size));
	res->frees++;
	res->live_bytes -= size;
	s->p = NULL;
	s->size = 0;
}

void wl_churn(const struct workload *w, const struct wl_ops *ops,
	      struct wl_slot *slots, unsigned int live, unsigned int steps,
	      uint64_t seed, struct wl_meter *m, struct wl_result *res)
{
	struct bench_samples *ma = m ? m->alloc : NULL;
	struct bench_samples *mf = m ? m->free : NULL;
	struct prng r;

	*res = (struct wl_result){0};
	prng_seed(&r, seed);
	for (unsigned int i = 0; i < live; i++)
		do_alloc(ops, &slots[i], wl_size(w, &r), m, NULL, res);
	for (unsigned int i = 0; i < steps; i++) {
		struct wl_slot *s = &slots[prng_below(&r, live)];

		do_free(ops, s, m, mf, res);
		do_alloc(ops, s, wl_size(w, &r), m, ma, res);
	}
}

void wl_release(const struct wl_ops *ops, struct wl_slot *slots, unsigned int n)
{
	struct wl_result res = {0};

	for (unsigned int i = 0; i < n; i++) {
		res.live_bytes = slots[i].size;
		do_free(ops, &slots[i], NULL, NULL, &res);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * In-kernel benchmarks: exact per-operation instruction counts.
 *
 * Under `qemu-system-riscv64 -icount shift=0,align=off,sleep=off` the
 * instret counter is the exact number of guest instructions retired, the
 * same on every run (docs/toolchain.md, "Counting instructions").  A benchmark reads it just
 * before and just after one allocator call, subtracts what the reading
 * itself costs, and collects one sample per call; bench_report() prints
 * the median and the maximum in the one fixed line form that
 * scripts/bench.py collects:
 *
 *	# bench: <name> median=<n> max=<n> unit=<instr|ratio|bytes|percent>
 *
 * Anything else a benchmark has to say goes on "# bench-info: " lines.
 * Benchmarks are started by the boot argument bench=all|NAME[,NAME] or the
 * monitor command `bench`; docs/bench.md lists them and explains every
 * figure.  Without -icount the counter is host time and the figures are
 * meaningless: the start line says "exact=no" then.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One figure's samples: instructions per call, minus the reading's cost. */
struct bench_samples {
	uint32_t *v;
	unsigned int n, cap;
	uint32_t bias; /* subtracted from every raw sample */
};

static inline uint64_t bench_instret(void)
{
	uint64_t v;

	__asm__ volatile("rdinstret %0" : "=r"(v)::"memory");
	return v;
}

/* Make the compiler compute x before this point (outside a measurement). */
#define BENCH_OPAQUE(x) __asm__ volatile("" : "+r"(x))

/* Run stmt between two instret readings and record the difference. */
#define BENCH_MEASURE(s, stmt)                    \
	do {                                      \
		uint64_t bm_0_ = bench_instret(); \
		stmt;                             \
		uint64_t bm_1_ = bench_instret(); \
		bench_add((s), bm_1_ - bm_0_);    \
	} while (0)

/* Instructions of an empty reading pair (measured at bench start). */
extern uint32_t bench_pair_cost;
/* Non-zero when bench.quick was given: tiny runs for the smoke test. */
extern unsigned int bench_quick;
/* mm_init()'s instructions at boot (kernel/main.c measures them). */
extern uint64_t bench_boot_mm_init_instr;

static inline void bench_add(struct bench_samples *s, uint64_t raw)
{
	uint64_t v = raw > s->bias ? raw - s->bias : 0;

	if (s->n < s->cap)
		s->v[s->n++] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/*
 * One of the run's sample buffers (0 .. BENCH_NR_SAMPLES-1), emptied, with
 * bias = the pair cost plus extra (for a measured region that also holds a
 * call through a function pointer: see bench_heap.c).
 */
#define BENCH_NR_SAMPLES 4
struct bench_samples *bench_samples(unsigned int i, uint32_t extra);

/* Sort, print "# bench: name median=.. max=.. unit=instr", empty. */
void bench_report(struct bench_samples *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The median of s (sorted as a side effect); 0 when empty. */
uint32_t bench_median(struct bench_samples *s);
/* A figure computed elsewhere; unit is "instr", "bytes", ... */
void bench_value(uint64_t median, uint64_t max, const char *unit,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same in thousandths, printed with two decimals (ratios, percents). */
void bench_value_milli(uint64_t median, uint64_t max, const char *unit,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A "# bench-info: " line. */
void bench_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a broken benchmark (allocation failed where it must not ...):
 * printed as "# bench-error: " and counted; the run ends with failure. */
void bench_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* full, or a tiny count under bench.quick (at least min). */
unsigned long bench_iters(unsigned long full, unsigned long min);

/* Fixed seeds: every run sees the same operations. */
#define BENCH_SEED 42

/*
 * Run the benchmarks named in the comma-separated filter ("all" or NULL:
 * every one).  Returns 0, or the number of benchmarks that failed (an
 * error, or free pages / mm_validate() not back after it).
 */
int bench_run(const char *filter);
/* At boot: run what bench= names (bench.quick: tiny runs); 0 without. */
int bench_boot(void);
/* Names and one-line descriptions (the monitor's `bench` without args). */
void bench_list(void);

/* ---- the benchmarks (bench/bench_*.c) ------------------------------------- */
void bench_page(void);
void bench_page_init(void);
void bench_slab(void);
void bench_kmalloc(void);
void bench_allocs(void);
void bench_heap_churn(void);
void bench_heap_frag(void);
void bench_scale(void);

#endif /* BENCH_BENCH_H */

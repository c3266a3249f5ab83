/* SPDX-License-Identifier: MIT */
/*
 * Scaling: the same churn on 1, 2, 4 and 8 harts at once (as many as are
 * online), each hart with its own live set.  Every call is measured on
 * its own hart (instret is per hart) and checked for shared-lock
 * acquisitions (lib/spinlock.h counts them per hart), which gives the
 * share of operations that took no shared lock.
 *
 * Under -icount QEMU runs one hart at a time and switches only every
 * 100 ms of virtual time (10^8 instructions), so a hart that spins on a
 * lock held by a descheduled one would count (and waste) millions of
 * instructions.  The harts therefore take turns: chunks of CHUNK steps,
 * hart 0, 1, ..., N-1, 0, ..., each waiting for its turn asleep in wfi;
 * no lock is ever held across a turn.  So the counts are exact and the
 * harts' operations interleave on the shared zone, but there is no real
 * contention: this measures how often the code *takes* a shared lock, not
 * how long it waits for one (the host benchmark times real threads).
 *
 * Two churns: order-0 pages (alloc_pages/free_pages) and 64-byte kmalloc
 * blocks (two-tier), LIVE live per hart, random replacement.
 *
 * Figures: scale.<churn>.hN.{alloc,free} (instructions per call over all
 * harts' calls) and scale.<churn>.hN.nolock (percent of calls that took
 * no shared lock), churn = pages or kmalloc64.
 */
#include "bench/bench.h"

#include "arch/riscv/riscv.h"
#include "lib/prng.h"
#include "lib/spinlock.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define PER_HART_BYTES (32UL << 10)
#define MAX_STEPS 2048
#define LIVE 256
#define AREA_ORDER 6 /* 8 harts x 32 KiB */
#define CHUNK 64 /* steps per turn */

struct hart_area {
	uint32_t alloc[MAX_STEPS];
	uint32_t free[MAX_STEPS];
	void *live[LIVE];
	unsigned int n; /* samples in alloc[] and free[] */
	unsigned long locked; /* calls that took a shared lock */
	unsigned long failed;
};
_Static_assert(sizeof(struct hart_area) <= PER_HART_BYTES, "hart area");

static struct {
	char *areas;
	unsigned int harts; /* harts taking part */
	unsigned int steps;
	unsigned int finished;
	unsigned int turn; /* the hart whose turn it is: turn % harts */
	bool kmalloc; /* the kmalloc64 churn, else pages */
} run;

static void *churn_alloc(void)
{
	if (run.kmalloc)
		return kmalloc(64, GFP_KERNEL);
	return alloc_pages(GFP_KERNEL, 0);
}

static void churn_free(void *p)
{
	if (run.kmalloc)
		kfree(p);
	else
		free_pages(p, 0);
}

/* Sleep until it is this hart's turn (not spin: see above). */
static void wait_turn(unsigned int cpu)
{
	while (__atomic_load_n(&run.turn, __ATOMIC_ACQUIRE) % run.harts != cpu)
		timer_idle(20000);
}

static void end_turn(void)
{
	__atomic_fetch_add(&run.turn, 1, __ATOMIC_ACQ_REL);
}

/* One call, measured, with its lock acquisitions counted. */
#define SCALE_CALL(h, slot, stmt)                                 \
	do {                                                      \
		unsigned long l0_ = spin_acquisitions(cpu);       \
		uint64_t i0_ = bench_instret();                   \
		stmt;                                             \
		uint64_t i1_ = bench_instret();                   \
		(slot) = (uint32_t)(i1_ - i0_ - bench_pair_cost); \
		(h)->locked += spin_acquisitions(cpu) != l0_;     \
	} while (0)

static void churn_on_hart(struct hart_area *h, unsigned int cpu)
{
	struct prng r;

	prng_seed(&r, BENCH_SEED + cpu);
	wait_turn(cpu);
	h->n = 0;
	h->locked = 0;
	h->failed = 0;
	for (unsigned int i = 0; i < LIVE; i++)
		h->live[i] = churn_alloc();
	end_turn();
	for (unsigned int s = 0; s < run.steps; s++) {
		void **slot = &h->live[prng_below(&r, LIVE)];
		void *pg = *slot;

		if (s % CHUNK == 0) {
			if (s)
				end_turn();
			wait_turn(cpu);
		}
		BENCH_OPAQUE(pg);
		SCALE_CALL(h, h->free[s], churn_free(pg));
		SCALE_CALL(h, h->alloc[s], pg = churn_alloc());
		*slot = pg;
		h->failed += !pg;
		h->n++;
	}
	for (unsigned int i = 0; i < LIVE; i++)
		churn_free(h->live[i]);
	end_turn();
}

static void scale_fn(void *arg)
{
	unsigned int cpu = arch_cpu_id();

	if (cpu < run.harts)
		churn_on_hart(
			(struct hart_area *)(run.areas + cpu * PER_HART_BYTES),
			cpu);
	__atomic_fetch_add(&run.finished, 1, __ATOMIC_ACQ_REL);
	/*
	 * The caller's hart sleeps until every hart is done, rather than
	 * spin in arch_run_on_all_cpus(): under -icount a spinning hart keeps
	 * the others from running until QEMU's 100 ms kick.
	 */
	while (cpu == 0 && __atomic_load_n(&run.finished, __ATOMIC_ACQUIRE) <
				   arch_nr_cpus())
		timer_idle(50000);
}

static void report(const char *name, unsigned int harts)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	unsigned long calls = 0, locked = 0, failed = 0;

	for (unsigned int c = 0; c < harts; c++) {
		struct hart_area *h =
			(struct hart_area *)(run.areas + c * PER_HART_BYTES);

		for (unsigned int i = 0; i < h->n && a->n < a->cap; i++) {
			a->v[a->n++] = h->alloc[i];
			f->v[f->n++] = h->free[i];
		}
		calls += 2UL * h->n;
		locked += h->locked;
		failed += h->failed;
	}
	if (failed)
		bench_error("scale: %lu allocations failed", failed);
	bench_report(a, "scale.%s.h%u.alloc", name, harts);
	bench_report(f, "scale.%s.h%u.free", name, harts);
	bench_info("scale.%s: %u harts: %lu of %lu calls took a shared lock",
		   name, harts, locked, calls);
	if (calls)
		bench_value_milli((calls - locked) * 100000 / calls,
				  (calls - locked) * 100000 / calls, "percent",
				  "scale.%s.h%u.nolock", name, harts);
}

void bench_scale(void)
{
	unsigned int online = arch_nr_cpus();

	run.areas = alloc_pages_addr(GFP_KERNEL, AREA_ORDER);
	if (!run.areas) {
		bench_error("scale: no memory for the per-hart areas");
		return;
	}
	run.steps = (unsigned int)bench_iters(2000, 50);
	for (unsigned int k = 0; k < 2; k++) {
		run.kmalloc = k;
		for (unsigned int harts = 1;
		     harts <= online && harts <= NR_CPUS; harts *= 2) {
			run.harts = harts;
			run.finished = 0;
			run.turn = 0;
			arch_run_on_all_cpus(scale_fn, NULL);
			report(k ? "kmalloc64" : "pages", harts);
		}
	}
	kmalloc_shrink(); /* per-CPU magazines and empty slabs back */
	slab_reclaim();
	free_pages(virt_to_page(run.areas), AREA_ORDER);
}

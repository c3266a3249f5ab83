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
 * Figures: scale.pages.hN.{alloc,free} (instructions per call over all
 * harts' calls) and scale.pages.hN.nolock (percent of calls that took no
 * shared lock).
 */
#include "bench/bench.h"

#include "arch/riscv/riscv.h"
#include "lib/prng.h"
#include "lib/spinlock.h"
#include "mm/page_alloc.h"

#define PER_HART_BYTES (32UL << 10)
#define MAX_STEPS 2048
#define LIVE 256
#define AREA_ORDER 6 /* 8 harts x 32 KiB */
#define CHUNK 64 /* steps per turn */

struct hart_area {
	uint32_t alloc[MAX_STEPS];
	uint32_t free[MAX_STEPS];
	struct page *live[LIVE];
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
} run;

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
		h->live[i] = alloc_pages(GFP_KERNEL, 0);
	end_turn();
	for (unsigned int s = 0; s < run.steps; s++) {
		struct page **slot = &h->live[prng_below(&r, LIVE)];
		struct page *pg = *slot;

		if (s % CHUNK == 0) {
			if (s)
				end_turn();
			wait_turn(cpu);
		}
		BENCH_OPAQUE(pg);
		SCALE_CALL(h, h->free[s], free_pages(pg, 0));
		SCALE_CALL(h, h->alloc[s], pg = alloc_pages(GFP_KERNEL, 0));
		*slot = pg;
		h->failed += !pg;
		h->n++;
	}
	for (unsigned int i = 0; i < LIVE; i++)
		free_pages(h->live[i], 0);
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

static void report(unsigned int harts)
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
		bench_error("scale: %lu page allocations failed", failed);
	bench_report(a, "scale.pages.h%u.alloc", harts);
	bench_report(f, "scale.pages.h%u.free", harts);
	bench_info("scale: %u harts: %lu of %lu calls took a shared lock",
		   harts, locked, calls);
	if (calls)
		bench_value_milli((calls - locked) * 100000 / calls,
				  (calls - locked) * 100000 / calls, "percent",
				  "scale.pages.h%u.nolock", harts);
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
	for (unsigned int harts = 1; harts <= online && harts <= NR_CPUS;
	     harts *= 2) {
		run.harts = harts;
		run.finished = 0;
		run.turn = 0;
		arch_run_on_all_cpus(scale_fn, NULL);
		report(harts);
	}
	free_pages(virt_to_page(run.areas), AREA_ORDER);
}

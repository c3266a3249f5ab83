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
 * instructions.  The harts therefore take turns: rounds of work, hart 0,
 * 1, ..., N-1, 0, ..., each waiting for its turn asleep in wfi; no lock is
 * ever held across a turn.  So the counts are exact and the harts'
 * operations interleave on the shared structures, but there is no real
 * contention: this measures how often the code *takes* a shared lock, not
 * how long it waits for one (the host benchmark times real threads).
 *
 * Four churns, each round CHUNK calls of each kind per hart:
 *   pages      order-0 pages (alloc_pages/free_pages), LIVE live per hart,
 *              random replacement;
 *   kmalloc64  the same with 64-byte kmalloc blocks (two-tier);
 *   xfree64    producer/consumer pairs (2 harts and more): hart 2k
 *              kmallocs 64-byte blocks and hands them over, hart 2k+1
 *              kfrees them -- every free is a remote free;
 *   burst64    each hart kmallocs BURST blocks (three magazines' worth:
 *              the per-CPU cache must refill from and flush to the slabs)
 *              and then kfrees them all.
 *
 * Figures: scale.<churn>.hN.{alloc,free} (instructions per call over all
 * harts' calls) and scale.<churn>.hN.nolock (percent of calls that took
 * no shared lock).
 */
#include "bench/bench.h"

#include "arch/riscv/riscv.h"
#include "lib/prng.h"
#include "lib/spinlock.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define PER_HART_BYTES (64UL << 10)
#define MAX_STEPS 2048
#define LIVE 256
#define AREA_ORDER 7 /* 8 harts x 64 KiB */
#define CHUNK 64 /* calls of each kind per turn */
#define BURST (3 * SLAB_MAG_MAX) /* burst64: more than a magazine holds */

enum churn {
	CH_PAGES,
	CH_KMALLOC,
	CH_XFREE,
	CH_BURST,
	CH_NR
};
static const char *const churn_name[CH_NR] = {"pages", "kmalloc64", "xfree64",
					      "burst64"};

struct hart_area {
	uint32_t alloc[MAX_STEPS];
	uint32_t free[MAX_STEPS];
	void *live[LIVE];
	void *ring[MAX_STEPS]; /* xfree64: blocks handed to the next hart */
	unsigned int na, nf; /* samples in alloc[] and free[] */
	unsigned int ring_head, ring_tail; /* written by producer, consumer */
	unsigned long locked; /* calls that took a shared lock */
	unsigned long failed;
};
_Static_assert(sizeof(struct hart_area) <= PER_HART_BYTES, "hart area");
_Static_assert(BURST <= LIVE, "a burst is held in live[]");

static struct {
	char *areas;
	unsigned int harts; /* harts taking part */
	unsigned int rounds; /* turns of work per hart */
	unsigned int finished;
	unsigned int turn; /* the hart whose turn it is: turn % harts */
	enum churn churn;
} run;

static struct hart_area *area(unsigned int cpu)
{
	return (struct hart_area *)(run.areas + cpu * PER_HART_BYTES);
}

static void *churn_alloc(void)
{
	if (run.churn == CH_PAGES)
		return alloc_pages(GFP_KERNEL, 0);
	return kmalloc(64, GFP_KERNEL);
}

static void churn_free(void *p)
{
	if (run.churn == CH_PAGES)
		free_pages(p, 0);
	else
		kfree(p);
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

/* One measured allocation and one measured free, kept in h's samples. */
static void *timed_alloc(struct hart_area *h, unsigned int cpu)
{
	void *p;

	SCALE_CALL(h, h->alloc[h->na], p = churn_alloc());
	h->na += h->na + 1 < MAX_STEPS;
	h->failed += !p;
	return p;
}

static void timed_free(struct hart_area *h, unsigned int cpu, void *p)
{
	BENCH_OPAQUE(p);
	SCALE_CALL(h, h->free[h->nf], churn_free(p));
	h->nf += h->nf + 1 < MAX_STEPS;
}

/* pages, kmalloc64: CHUNK random replacements in the live set. */
static void round_replace(struct hart_area *h, unsigned int cpu, struct prng *r)
{
	for (unsigned int s = 0; s < CHUNK; s++) {
		void **slot = &h->live[prng_below(r, LIVE)];

		timed_free(h, cpu, *slot);
		*slot = timed_alloc(h, cpu);
	}
}

/*
 * xfree64: an even hart with a partner allocates CHUNK blocks into its
 * ring; the odd hart after it, whose turn comes next, frees all it finds
 * there.  The ring holds a whole run, so the producer never waits.
 */
static void round_xfree(struct hart_area *h, unsigned int cpu)
{
	if (cpu % 2 == 0 && cpu + 1 < run.harts) {
		for (unsigned int s = 0; s < CHUNK; s++) {
			void *p = timed_alloc(h, cpu);

			if (p)
				h->ring[h->ring_head++] = p;
		}
		return;
	}
	if (cpu % 2 == 1) {
		struct hart_area *prod = area(cpu - 1);

		while (prod->ring_tail != prod->ring_head)
			timed_free(h, cpu, prod->ring[prod->ring_tail++]);
	}
}

/* burst64: BURST allocations, then BURST frees. */
static void round_burst(struct hart_area *h, unsigned int cpu)
{
	for (unsigned int i = 0; i < BURST; i++)
		h->live[i] = timed_alloc(h, cpu);
	for (unsigned int i = 0; i < BURST; i++)
		if (h->live[i])
			timed_free(h, cpu, h->live[i]);
}

static void churn_on_hart(struct hart_area *h, unsigned int cpu)
{
	bool replace = run.churn == CH_PAGES || run.churn == CH_KMALLOC;
	struct prng r;

	prng_seed(&r, BENCH_SEED + cpu);
	wait_turn(cpu);
	h->na = h->nf = h->ring_head = h->ring_tail = 0;
	h->locked = h->failed = 0;
	for (unsigned int i = 0; replace && i < LIVE; i++)
		h->live[i] = churn_alloc();
	end_turn();
	for (unsigned int k = 0; k < run.rounds; k++) {
		wait_turn(cpu);
		if (replace)
			round_replace(h, cpu, &r);
		else if (run.churn == CH_XFREE)
			round_xfree(h, cpu);
		else
			round_burst(h, cpu);
		end_turn();
	}
	wait_turn(cpu);
	for (unsigned int i = 0; replace && i < LIVE; i++)
		churn_free(h->live[i]);
	end_turn();
}

static void scale_fn(void *arg)
{
	unsigned int cpu = arch_cpu_id();

	if (cpu < run.harts)
		churn_on_hart(area(cpu), cpu);
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
		struct hart_area *h = area(c);

		for (unsigned int i = 0; i < h->na && a->n < a->cap; i++)
			a->v[a->n++] = h->alloc[i];
		for (unsigned int i = 0; i < h->nf && f->n < f->cap; i++)
			f->v[f->n++] = h->free[i];
		calls += h->na + h->nf;
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
	unsigned int steps;

	run.areas = alloc_pages_addr(GFP_KERNEL, AREA_ORDER);
	if (!run.areas) {
		bench_error("scale: no memory for the per-hart areas");
		return;
	}
	steps = (unsigned int)bench_iters(2000, 50);
	for (unsigned int k = 0; k < CH_NR; k++) {
		run.churn = (enum churn)k;
		/* samples per hart and round: CHUNK, or BURST of each kind */
		run.rounds = steps / (k == CH_BURST ? BURST : CHUNK);
		if (!run.rounds)
			run.rounds = 1;
		for (unsigned int harts = k == CH_XFREE ? 2 : 1;
		     harts <= online && harts <= NR_CPUS; harts *= 2) {
			run.harts = harts;
			run.finished = 0;
			run.turn = 0;
			arch_run_on_all_cpus(scale_fn, NULL);
			report(churn_name[k], harts);
		}
	}
	kmalloc_shrink(); /* per-CPU magazines and empty slabs back */
	slab_reclaim();
	free_pages(virt_to_page(run.areas), AREA_ORDER);
}

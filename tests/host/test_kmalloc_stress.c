/* SPDX-License-Identifier: MIT */
/*
 * A multi-threaded kmalloc stress in the manner of mimalloc's stress test:
 * seven threads, each bound to its own hart, kcalloc/krealloc/kfree blocks
 * of 1 byte to 40 KiB (small ones common), each block filled with a
 * pattern of its own and checked before it is freed, and blocks handed
 * from thread to thread through a shared transfer array.  Run with kmalloc
 * debug mode on (red zones, tracking, the quarantine of large blocks) and
 * off, several fixed seeds each.  Every run must end with no refused free,
 * no damaged block, every page back and mm_validate() clean.
 *
 * Debug mode once lost pages here (about one run in six): two harts
 * freeing large blocks at once both found room in the quarantine ring,
 * the second insertion overwrote the oldest entry (its pages never came
 * back) and the newest entry was then released twice (a refused
 * free_pages(): "double free: already free").
 */
#include "arch/host/host.h"
#include "lib/prng.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "tests/host/block_pattern.h"
#include "tests/host/hosttest.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define RAM (256UL << 20)
#define THREADS 7
#define ROUNDS 4 /* seeds per mode */
#define ROUNDS_LARGE 24 /* seeds of the large-block runs */
#define ITERS 6000 /* operations per thread per run */
#define SLOTS 64 /* blocks a thread holds */
#define TRANSFERS 256 /* the shared hand-over array */

static struct block transfer[TRANSFERS];
static pthread_spinlock_t transfer_lock;
static unsigned long bad_patterns;
static uint64_t run_seed;
static unsigned int large_pct; /* share of requests above 4 KiB */

/* Sizes: large_pct% of 4 KiB .. 44 KiB, the rest mostly small. */
static size_t pick_size(struct prng *r)
{
	unsigned int k = (unsigned int)prng_below(r, 100);

	if (k < large_pct)
		return 4097 + prng_below(r, 40 << 10);
	if (k < 75)
		return 1 + prng_below(r, 256);
	return 1 + prng_below(r, 4096);
}

static void drop(struct block *b)
{
	if (!b->p)
		return;
	if (!block_intact(b))
		__atomic_fetch_add(&bad_patterns, 1, __ATOMIC_RELAXED);
	kfree(b->p);
	b->p = NULL;
}

static void one_op(struct prng *r, struct block *slot)
{
	struct block *b = &slot[prng_below(r, SLOTS)];
	unsigned int k = (unsigned int)prng_below(r, 10);

	if (k < 4) { /* free and allocate anew */
		drop(b);
		b->n = pick_size(r);
		b->p = kcalloc(1, b->n, GFP_KERNEL | __GFP_NOWARN);
		if (b->p)
			block_fill(b, (unsigned char)prng_next(r));
	} else if (k < 7 && b->p) { /* resize, keeping the prefix */
		size_t n = pick_size(r);
		unsigned char *q;

		if (!block_intact(b))
			__atomic_fetch_add(&bad_patterns, 1, __ATOMIC_RELAXED);
		q = krealloc(b->p, n, GFP_KERNEL | __GFP_NOWARN);
		if (q) {
			b->p = q;
			b->n = n;
			block_fill(b, (unsigned char)prng_next(r));
		}
	} else { /* swap with the transfer array: another thread frees it */
		struct block t;
		unsigned int i = (unsigned int)prng_below(r, TRANSFERS);

		pthread_spin_lock(&transfer_lock);
		t = transfer[i];
		transfer[i] = *b;
		pthread_spin_unlock(&transfer_lock);
		*b = t;
	}
}

static void *worker(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg;
	struct block slot[SLOTS] = {0};
	struct prng r;

	host_set_cpu(cpu);
	prng_seed(&r, run_seed * 131 + cpu);
	for (unsigned int i = 0; i < ITERS; i++)
		one_op(&r, slot);
	for (unsigned int i = 0; i < SLOTS; i++)
		drop(&slot[i]);
	return NULL;
}

static unsigned long page_bad_frees(void)
{
	unsigned long n = 0;

	for (unsigned int k = 0; k < NR_BAD_FREE; k++)
		n += page_alloc_bad_frees[k];
	return n;
}

static unsigned long kmalloc_bad_frees(void)
{
	struct kmalloc_stats st;
	unsigned long n = 0;

	kmalloc_stats_get(&st);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		n += st.mode_bad_frees[m];
	return n;
}

/* One run: THREADS threads, then everything freed and checked. */
static void run(struct ht_group *g, uint64_t seed, bool debug)
{
	unsigned long free_before, bad_pages = page_bad_frees(),
				   bad_km = kmalloc_bad_frees();
	pthread_t th[THREADS];

	kmalloc_shrink();
	drain_all_pages();
	free_before = nr_free_pages();
	kmalloc_set_debug(debug);
	run_seed = seed;
	for (unsigned int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker,
			       (void *)(uintptr_t)(i + 1));
	for (unsigned int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (unsigned int i = 0; i < TRANSFERS; i++)
		drop(&transfer[i]);
	kmalloc_set_debug(false);
	kmalloc_shrink();
	drain_all_pages();
	ht_check(g, page_bad_frees() == bad_pages,
		 "seed %llu debug %d: %lu refused free_pages()",
		 (unsigned long long)seed, debug, page_bad_frees() - bad_pages);
	ht_check(g, kmalloc_bad_frees() == bad_km,
		 "seed %llu debug %d: %lu refused kfree()",
		 (unsigned long long)seed, debug, kmalloc_bad_frees() - bad_km);
	ht_check(g, nr_free_pages() == free_before,
		 "seed %llu debug %d: %ld pages not returned",
		 (unsigned long long)seed, debug,
		 (long)(free_before - nr_free_pages()));
	ht_check(g, bad_patterns == 0, "seed %llu debug %d: %lu damaged blocks",
		 (unsigned long long)seed, debug, bad_patterns);
	ht_check(g, mm_validate(), "seed %llu debug %d: mm_validate failed",
		 (unsigned long long)seed, debug);
}

int main(void)
{
	struct ht_group g;

	ht_prog = "kmalloc_stress";
	pthread_spin_init(&transfer_lock, PTHREAD_PROCESS_PRIVATE);
	if (host_mm_init(RAM, THREADS + 1)) {
		printf("FAIL: host/kmalloc_stress: host_mm_init failed\n");
		return 1;
	}
	/* large blocks only: every free in debug mode enters the quarantine */
	large_pct = 100;
	ht_begin(&g, "debug-large-7-threads");
	for (uint64_t s = 1; s <= ROUNDS_LARGE; s++)
		run(&g, s, true);
	ht_end(&g);
	large_pct = 10;
	ht_begin(&g, "debug-7-threads");
	for (uint64_t s = 1; s <= ROUNDS; s++)
		run(&g, s, true);
	ht_end(&g);
	ht_begin(&g, "7-threads");
	for (uint64_t s = 1; s <= ROUNDS; s++)
		run(&g, s, false);
	ht_end(&g);
	return ht_exit();
}

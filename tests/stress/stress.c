/* SPDX-License-Identifier: MIT */
/*
 * The long stress (make stress; a short pass in make test's `stress`
 * group): eight threads as harts run kcalloc/kmalloc/krealloc/kfree of
 * 1 byte to 44 KiB, hand blocks to each other through shared slots (so
 * most blocks are freed on another hart than their allocator's), fill
 * every block with a pattern of its own and check it before the free,
 * and now and then open a transaction that allocates and frees, then
 * commits or aborts (after an abort the blocks freed inside must be back,
 * intact).  One run per kmalloc mode (two-tier, simple, hybrid, and
 * two-tier in debug mode) and seed; after each, with everything freed and
 * kmalloc_shrink()/slab_reclaim() done, every page must be back, no free
 * refused, no pattern damaged and mm_validate() clean.
 *
 * Then, per mode, an out-of-memory storm: all eight harts at once
 * kmalloc until failure, then alloc_pages() until failure, then
 * GFP_ATOMIC pages until failure (GFP_ATOMIC dips below the min
 * watermark, to its own reserve); every failure must be NULL with a
 * shortage's error (MM_ENOMEM, or MM_EWATERMARK when a watermark refused:
 * mm/kmalloc.h), the verdict must then be critical, and after everything is
 * freed and the failures acknowledged (mm_health_acknowledge()) healthy
 * again, with every page back.
 *
 *   stress [-n OPS] [-s SEEDS] [-m MODES]
 *     OPS    operations per run, all threads together (default 10000000)
 *     SEEDS  how many seeds, 1..SEEDS (default 3)
 *     MODES  a comma list of two-tier, simple, hybrid, debug (default all)
 *
 * One line per run, "PASS: stress/<mode>/seed-<n>" or "FAIL: ...: why",
 * and one per storm, "PASS: stress/oom/<mode>"; exit status 1 on a FAIL.
 */
#include "arch/host/host.h"
#include "lib/prng.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "tests/host/block_pattern.h"
#include "mm/slab.h"
#include "mm/txn.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RAM (256UL << 20)
#define THREADS 8
#define SLOTS 64 /* blocks a thread holds */
#define SHARED 512 /* the hand-over slots */
#define TXN_OPS 8 /* at most this many operations in a transaction */

struct worker {
	pthread_t th;
	unsigned int cpu;
	unsigned long ops, txn_commits, txn_aborts, damaged, enomem;
	/* storm */
	unsigned long km_blocks, page_blocks, atomic_blocks, wrong_error;
	int km_error; /* why the last kmalloc failed */
	int atomic_error; /* why the last GFP_ATOMIC page failed */
	void *km_list;
	void *page_list[4]; /* by order */
	void *atomic_list;
};

static struct block shared[SHARED];
static pthread_mutex_t shared_lock[SHARED / 64];
static pthread_barrier_t barrier;
static struct worker workers[THREADS];
static unsigned long ops_per_thread;
static uint64_t run_seed;

static size_t pick_size(struct prng *r)
{
	unsigned int k = (unsigned int)prng_below(r, 100);

	if (k < 8)
		return 4097 + prng_below(r, 40 << 10);
	if (k < 70)
		return 1 + prng_below(r, 256);
	return 1 + prng_below(r, 4096);
}

static void drop(struct worker *w, struct block *b)
{
	if (!b->p)
		return;
	if (!block_intact(b))
		w->damaged++;
	kfree(b->p);
	b->p = NULL;
}

static void new_block(struct worker *w, struct prng *r, struct block *b)
{
	b->n = pick_size(r);
	b->p = prng_below(r, 2) ? kmalloc(b->n, GFP_KERNEL | __GFP_NOWARN)
				: kcalloc(1, b->n, GFP_KERNEL | __GFP_NOWARN);
	if (b->p)
		block_fill(b, (unsigned char)prng_next(r));
	else
		w->enomem++;
}

/* A transaction over this thread's own slots: allocations and frees,
 * then commit or abort; after an abort the slots are as before. */
static void txn_ops(struct worker *w, struct prng *r, struct block *slot)
{
	struct block before[SLOTS];
	unsigned int n = 1 + (unsigned int)prng_below(r, TXN_OPS);
	struct mm_txn t;

	memcpy(before, slot, sizeof(before));
	if (mm_txn_begin(&t))
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct block *b = &slot[prng_below(r, SLOTS)];

		drop(w, b);
		if (prng_below(r, 4))
			new_block(w, r, b);
	}
	w->ops += n;
	if (prng_below(r, 2)) {
		mm_txn_commit(&t);
		w->txn_commits++;
		return;
	}
	mm_txn_abort(&t);
	w->txn_aborts++;
	memcpy(slot, before, sizeof(before));
	for (unsigned int i = 0; i < SLOTS; i++)
		if (slot[i].p && !block_intact(&slot[i]))
			w->damaged++;
}

static void one_op(struct worker *w, struct prng *r, struct block *slot)
{
	struct block *b = &slot[prng_below(r, SLOTS)];
	unsigned int k = (unsigned int)prng_below(r, 200);

	w->ops++;
	if (k < 80) { /* free and allocate anew */
		drop(w, b);
		new_block(w, r, b);
	} else if (k < 130 && b->p) { /* resize, keeping the prefix */
		size_t n = pick_size(r);
		unsigned char *q;

		if (!block_intact(b))
			w->damaged++;
		q = krealloc(b->p, n, GFP_KERNEL | __GFP_NOWARN);
		if (q) {
			b->p = q;
			b->n = n;
			block_fill(b, (unsigned char)prng_next(r));
		} else {
			w->enomem++;
		}
	} else if (k < 199) { /* swap with a shared slot */
		unsigned int i = (unsigned int)prng_below(r, SHARED);
		struct block t;

		pthread_mutex_lock(&shared_lock[i / 64]);
		t = shared[i];
		shared[i] = *b;
		pthread_mutex_unlock(&shared_lock[i / 64]);
		*b = t;
	} else {
		txn_ops(w, r, slot);
	}
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct block slot[SLOTS] = {0};
	struct prng r;

	host_set_cpu(w->cpu);
	prng_seed(&r, run_seed * 1009 + w->cpu);
	pthread_barrier_wait(&barrier);
	while (w->ops < ops_per_thread)
		one_op(w, &r, slot);
	for (unsigned int i = 0; i < SLOTS; i++)
		drop(w, &slot[i]);
	return NULL;
}

static unsigned long bad_frees(void)
{
	struct kmalloc_stats st;
	unsigned long n = 0;

	for (unsigned int k = 0; k < NR_BAD_FREE; k++)
		n += page_alloc_bad_frees[k];
	kmalloc_stats_get(&st);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		n += st.mode_bad_frees[m];
	return n;
}

/* Give every cached page back: kmalloc's, the slabs', the per-CPU lists. */
static unsigned long settle(void)
{
	kmalloc_shrink();
	slab_reclaim();
	drain_all_pages();
	return nr_free_pages();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *const mode_names[] = {"two-tier", "simple", "hybrid",
					 "debug"};

static void set_mode(unsigned int m)
{
	static const enum kmalloc_mode km[] = {KMALLOC_TWO_TIER, KMALLOC_SIMPLE,
					       KMALLOC_HYBRID,
					       KMALLOC_TWO_TIER};

	kmalloc_set_mode(km[m]);
	kmalloc_set_debug(m == 3);
}

static void start_all(void *(*fn)(void *))
{
	for (unsigned int i = 0; i < THREADS; i++) {
		workers[i].cpu = i;
		pthread_create(&workers[i].th, NULL, fn, &workers[i]);
	}
	for (unsigned int i = 0; i < THREADS; i++)
		pthread_join(workers[i].th, NULL);
}

static int failures;

static void result(const char *name, const char *why)
{
	if (why[0]) {
		printf("FAIL: stress/%s: %s\n", name, why);
		failures++;
	} else {
		printf("PASS: stress/%s\n", name);
	}
	fflush(stdout);
}

static void run(unsigned int mode, uint64_t seed, unsigned long ops)
{
	unsigned long before, after, bad = bad_frees(), damaged = 0,
				     commits = 0, aborts = 0, total = 0,
				     enomem = 0;
	char name[64], why[256] = "";
	double t0;

	set_mode(mode);
	before = settle();
	memset(workers, 0, sizeof(workers));
	run_seed = seed;
	ops_per_thread = ops / THREADS;
	t0 = now();
	start_all(run_worker);
	for (unsigned int i = 0; i < SHARED; i++)
		drop(&workers[0], &shared[i]);
	set_mode(0);
	after = settle();
	for (unsigned int i = 0; i < THREADS; i++) {
		damaged += workers[i].damaged;
		commits += workers[i].txn_commits;
		aborts += workers[i].txn_aborts;
		total += workers[i].ops;
		enomem += workers[i].enomem;
	}
	snprintf(name, sizeof(name), "%s/seed-%llu", mode_names[mode],
		 (unsigned long long)seed);
	printf("stress: %s: %lu ops in %.1f s (%lu txn commits, %lu aborts, "
	       "%lu ENOMEM)\n",
	       name, total, now() - t0, commits, aborts, enomem);
	if (damaged)
		snprintf(why, sizeof(why), "%lu damaged blocks", damaged);
	else if (bad_frees() != bad)
		snprintf(why, sizeof(why), "%lu refused frees",
			 bad_frees() - bad);
	else if (after != before)
		snprintf(why, sizeof(why), "%ld pages not returned",
			 (long)(before - after));
	else if (!mm_validate())
		snprintf(why, sizeof(why), "mm_validate() failed");
	else if (!commits || !aborts)
		snprintf(why, sizeof(why),
			 "no transaction committed or aborted");
	result(name, why);
}

/* ---- out-of-memory storm ------------------------------------------------------ */

static void push(void **list, void *p)
{
	*(void **)p = *list;
	*list = p;
}

/* A shortage's failure: MM_ENOMEM, or MM_EWATERMARK (mm/kmalloc.h). */
static bool shortage(void)
{
	return mm_last_error() == MM_ENOMEM || mm_last_error() == MM_EWATERMARK;
}

static void *storm_worker(void *arg)
{
	struct worker *w = arg;
	struct prng r;
	struct page *pg;
	void *p;

	host_set_cpu(w->cpu);
	prng_seed(&r, w->cpu + 1);
	pthread_barrier_wait(&barrier);
	while ((p = kmalloc(2048 + prng_below(&r, 62 << 10),
			    GFP_KERNEL | __GFP_NOWARN))) {
		push(&w->km_list, p);
		w->km_blocks++;
	}
	w->wrong_error += !shortage();
	w->km_error = mm_last_error();
	for (unsigned int order = 4; order-- > 0;) {
		while ((pg = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order))) {
			push(&w->page_list[order], page_address(pg));
			w->page_blocks++;
		}
		w->wrong_error += !shortage();
	}
	while ((pg = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0))) {
		push(&w->atomic_list, page_address(pg));
		w->atomic_blocks++;
	}
	w->atomic_error = mm_last_error();
	/* everyone has failed before anyone frees */
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier); /* the verdict is read */
	for (void *n; (p = w->km_list); w->km_list = n) {
		n = *(void **)p;
		kfree(p);
	}
	for (unsigned int order = 0; order < 4; order++)
		for (void *n; (p = w->page_list[order]);
		     w->page_list[order] = n) {
			n = *(void **)p;
			free_pages(virt_to_page(p), order);
		}
	for (void *n; (p = w->atomic_list); w->atomic_list = n) {
		n = *(void **)p;
		free_pages(virt_to_page(p), 0);
	}
	return NULL;
}

static void *storm_verdict(void *arg)
{
	struct mm_health *h = arg;

	pthread_barrier_wait(&barrier); /* start */
	pthread_barrier_wait(&barrier); /* all failed */
	mm_health_get(h);
	pthread_barrier_wait(&barrier);
	return NULL;
}

static void storm(unsigned int mode)
{
	static struct mm_health h_full, h_after, h_ack;
	unsigned long before, after, wrong = 0, km = 0, pages = 0, atomic = 0;
	char name[64], why[256] = "";
	pthread_t judge;

	set_mode(mode);
	before = settle();
	mm_health_acknowledge("stress: before the storm");
	memset(workers, 0, sizeof(workers));
	pthread_create(&judge, NULL, storm_verdict, &h_full);
	start_all(storm_worker);
	pthread_join(judge, NULL);
	set_mode(0);
	after = settle();
	mm_health_get(&h_after);
	mm_health_acknowledge("stress: after the storm");
	mm_health_get(&h_ack);
	for (unsigned int i = 0; i < THREADS; i++) {
		wrong += workers[i].wrong_error;
		km += workers[i].km_blocks;
		pages += workers[i].page_blocks;
		atomic += workers[i].atomic_blocks;
		wrong += workers[i].atomic_error != MM_ENOMEM &&
			 workers[i].atomic_error != MM_EWATERMARK;
	}
	snprintf(name, sizeof(name), "oom/%s", mode_names[mode]);
	printf("stress: %s: kmalloc failed with %s, GFP_ATOMIC with %s\n", name,
	       mm_strerror(workers[0].km_error),
	       mm_strerror(workers[0].atomic_error));
	printf("stress: %s: %lu kmalloc blocks, %lu page blocks, %lu atomic "
	       "pages; verdict %s at the peak, %s freed, %s acknowledged\n",
	       name, km, pages, atomic, mm_verdict_name(h_full.verdict),
	       mm_verdict_name(h_after.verdict),
	       mm_verdict_name(h_ack.verdict));
	if (wrong)
		snprintf(why, sizeof(why),
			 "%lu failures neither MM_ENOMEM nor MM_EWATERMARK",
			 wrong);
	else if (!km || !atomic)
		snprintf(why, sizeof(why), "nothing allocated");
	else if (h_full.verdict != MM_CRITICAL)
		snprintf(why, sizeof(why), "verdict %s with memory exhausted",
			 mm_verdict_name(h_full.verdict));
	else if (h_after.verdict == MM_CRITICAL)
		snprintf(why, sizeof(why), "still critical with all freed");
	else if (h_ack.verdict != MM_HEALTHY)
		snprintf(why, sizeof(why), "verdict %s after acknowledging",
			 mm_verdict_name(h_ack.verdict));
	else if (after != before)
		snprintf(why, sizeof(why), "%ld pages not returned",
			 (long)(before - after));
	else if (!mm_validate())
		snprintf(why, sizeof(why), "mm_validate() failed");
	result(name, why);
}

int main(int argc, char **argv)
{
	unsigned long ops = 10000000;
	unsigned int seeds = 3, modes = 0xf;
	double t0 = now();
	int opt;

	while ((opt = getopt(argc, argv, "n:s:m:")) != -1) {
		if (opt == 'n') {
			ops = strtoul(optarg, NULL, 0);
		} else if (opt == 's') {
			seeds = (unsigned int)strtoul(optarg, NULL, 0);
		} else if (opt == 'm') {
			modes = 0;
			for (unsigned int m = 0; m < 4; m++)
				if (strstr(optarg, mode_names[m]))
					modes |= 1u << m;
		} else {
			fprintf(stderr,
				"usage: %s [-n OPS] [-s SEEDS] "
				"[-m two-tier,simple,hybrid,debug]\n",
				argv[0]);
			return 2;
		}
	}
	for (unsigned int i = 0; i < SHARED / 64; i++)
		pthread_mutex_init(&shared_lock[i], NULL);
	if (host_mm_init(RAM, THREADS)) {
		printf("FAIL: stress: host_mm_init failed\n");
		return 1;
	}
	pthread_barrier_init(&barrier, NULL, THREADS);
	for (unsigned int m = 0; m < 4; m++)
		for (uint64_t s = 1; (modes >> m & 1) && s <= seeds; s++)
			run(m, s, ops);
	pthread_barrier_destroy(&barrier);
	pthread_barrier_init(&barrier, NULL, THREADS + 1);
	for (unsigned int m = 0; m < 4; m++)
		if (modes >> m & 1)
			storm(m);
	printf("stress: %.1f s in all\n", now() - t0);
	return failures ? 1 : 0;
}

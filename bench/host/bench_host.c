/* SPDX-License-Identifier: MIT */
/*
 * The host benchmark: the kernel's churn workloads (bench/workload.c) timed
 * on Linux against one allocator.  The Makefile builds this file once per
 * peer, each its own program, so that each allocator owns malloc in its
 * process (jemalloc and mimalloc replace malloc when linked):
 *
 *   BH_PEER_GLIBC      malloc/free of glibc
 *   BH_PEER_JEMALLOC   malloc/free, -ljemalloc (checked: mallctl exists)
 *   BH_PEER_MIMALLOC   malloc/free, -lmimalloc (checked: mi_version())
 *   BH_PEER_KMALLOC    the kernel's kmalloc (two-tier) from libmm.a
 *   BH_PEER_TLSF       the kernel's TLSF heap (k_heap) from libmm.a
 *   BH_PEER_SHEAP      the kernel's simple heap from libmm.a
 *
 *   bench-host-PEER [steps] [threads] [workload]
 *
 * (threads 0 or none: 1 and then 2; a workload name: only that one, for
 * runs of one case under a profiler) prints, per workload, two lines
 *
 *   # bench-host: peer=glibc wl=u64 threads=1 ns_per_op=23.41 failures=0
 *   # bench-host-cpu: peer=glibc wl=u64 threads=1 cpu_ns_per_op=23.12
 *
 * Each thread runs the whole workload on its own live set (its own seed);
 * ns_per_op is wall time from a common start to the last thread's end,
 * divided by one thread's calls, so two threads that scale perfectly show
 * the same figure as one.  cpu_ns_per_op is the threads' own CPU time
 * (CLOCK_THREAD_CPUTIME_ID) per call and thread: on a shared machine, a
 * thread descheduled for another job raises ns_per_op but not it, while
 * time lost to cache misses and lock waits raises both.  (On the 2-vCPU
 * machine of docs/bench.md a second job turns a 2-thread run into two
 * threads taking turns on one CPU: their cache lines then never move
 * between cores, and the 2-thread figures say little.)  scripts/bench.py
 * (host) runs the programs in turn, several times, and reports ratios to
 * mimalloc from ns_per_op.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/host/host.h"
#include "bench/workload.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/simple_heap.h"

#define REGION_BYTES (256UL << 20) /* the kernel heaps' region */

static const char *peer_name;
static const char *peer_check; /* what proves the peer is in use */

/* ---- the peers ---------------------------------------------------------------- */

static __attribute__((unused)) void *libc_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static __attribute__((unused)) void libc_free(void *ctx, void *p, size_t size)
{
	free(p);
}

#if defined(BH_PEER_JEMALLOC)
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
	    size_t newlen);
static int peer_init(void)
{
	const char *v = NULL;
	size_t len = sizeof(v);

	peer_name = "jemalloc";
	if (mallctl("version", &v, &len, NULL, 0))
		return -1;
	peer_check = v;
	return 0;
}
#define PEER_ALLOC libc_alloc
#define PEER_FREE libc_free
#elif defined(BH_PEER_MIMALLOC)
int mi_version(void);
static char mi_ver[32];
static int peer_init(void)
{
	peer_name = "mimalloc";
	snprintf(mi_ver, sizeof(mi_ver), "mi_version %d", mi_version());
	peer_check = mi_ver;
	return 0;
}
#define PEER_ALLOC libc_alloc
#define PEER_FREE libc_free
#elif defined(BH_PEER_KMALLOC)
static void *km_alloc(void *ctx, size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}
static void km_free(void *ctx, void *p, size_t size)
{
	kfree(p);
}
static int peer_init(void)
{
	peer_name = "rvmm-kmalloc";
	peer_check = "libmm.a kmalloc, two-tier";
	if (host_mm_init(1UL << 30, 2))
		return -1;
	return kmalloc_set_mode(KMALLOC_TWO_TIER);
}
#define PEER_ALLOC km_alloc
#define PEER_FREE km_free
#elif defined(BH_PEER_TLSF) || defined(BH_PEER_SHEAP)
#ifdef BH_PEER_TLSF
static struct k_heap heap;
static void *k_alloc(void *ctx, size_t size)
{
	return k_heap_alloc(&heap, size, K_NO_WAIT);
}
static void k_free(void *ctx, void *p, size_t size)
{
	k_heap_free(&heap, p);
}
#define PEER_ALLOC k_alloc
#define PEER_FREE k_free
#else
static struct sheap heap;
static void *s_alloc(void *ctx, size_t size)
{
	return sheap_alloc(&heap, size, 0);
}
static void s_free(void *ctx, void *p, size_t size)
{
	sheap_free(&heap, p);
}
#define PEER_ALLOC s_alloc
#define PEER_FREE s_free
#endif
static int peer_init(void)
{
	void *region = aligned_alloc(4096, REGION_BYTES);

	if (!region || host_mm_init(64UL << 20, 2))
		return -1;
#ifdef BH_PEER_TLSF
	peer_name = "rvmm-tlsf";
	peer_check = "libmm.a k_heap";
	return k_heap_init(&heap, "bench-host", region, REGION_BYTES);
#else
	peer_name = "rvmm-sheap";
	peer_check = "libmm.a sheap";
	return sheap_init(&heap, region, REGION_BYTES);
#endif
}
#else /* glibc */
static int peer_init(void)
{
	peer_name = "glibc";
	peer_check = "glibc malloc";
	return 0;
}
#define PEER_ALLOC libc_alloc
#define PEER_FREE libc_free
#endif

static const struct wl_ops peer_ops = {"peer", PEER_ALLOC, PEER_FREE, NULL,
				       NULL};

/* ---- the runs ------------------------------------------------------------------- */

/*
 * One per thread.  Each thread writes its res on every call (wl_churn()
 * counts calls and live bytes), so two workers must not share a cache
 * line, nor the adjacent line that x86 prefetchers fetch in pairs:
 * otherwise the harness itself bounces a line between the cores on every
 * call and every peer's 2-thread figure pays for it.
 */
struct worker {
	pthread_t tid;
	unsigned int id;
	const struct workload *w;
	unsigned int steps;
	struct wl_slot *slots;
	struct wl_result res;
	pthread_barrier_t *start;
	double t0, t1; /* this thread's own start and end */
	double cpu; /* this thread's CPU time at its end, ns */
} __attribute__((aligned(128)));

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;

#if defined(BH_PEER_TLSF) || defined(BH_PEER_SHEAP) || defined(BH_PEER_KMALLOC)
	host_set_cpu(wk->id);
#endif
	pthread_barrier_wait(wk->start);
	wk->t0 = now_ns();
	wl_churn(wk->w, &peer_ops, wk->slots, wk->w->live, wk->steps,
		 42 + wk->id, NULL, &wk->res);
	wl_release(&peer_ops, wk->slots, wk->w->live);
	wk->t1 = now_ns();
	/* the whole thread: the barrier wait before t0 takes no CPU time */
	wk->cpu = thread_cpu_ns();
	return NULL;
}

static int run(const struct workload *w, unsigned int steps,
	       unsigned int threads)
{
	struct worker wk[2];
	pthread_barrier_t start;
	unsigned long failures = 0, calls;
	double t0, t1, cpu = 0;

	pthread_barrier_init(&start, NULL, threads + 1);
	for (unsigned int i = 0; i < threads; i++) {
		wk[i] = (struct worker){
			.id = i, .w = w, .steps = steps, .start = &start};
		wk[i].slots = calloc(w->live, sizeof(struct wl_slot));
		if (!wk[i].slots ||
		    pthread_create(&wk[i].tid, NULL, worker_main, &wk[i])) {
			fprintf(stderr, "bench-host: cannot start thread\n");
			return -1;
		}
	}
	pthread_barrier_wait(&start);
	/* From the first thread's start to the last one's end (the threads
	 * time themselves: this thread may be descheduled meanwhile). */
	t0 = 1e300;
	t1 = 0;
	for (unsigned int i = 0; i < threads; i++) {
		pthread_join(wk[i].tid, NULL);
		failures += wk[i].res.failures;
		free(wk[i].slots);
		cpu += wk[i].cpu;
		t0 = wk[i].t0 < t0 ? wk[i].t0 : t0;
		t1 = wk[i].t1 > t1 ? wk[i].t1 : t1;
	}
	pthread_barrier_destroy(&start);
	calls = 2UL * w->live + 2UL * steps; /* fill, steps, release */
	printf("# bench-host: peer=%s wl=%s threads=%u ns_per_op=%.3f "
	       "failures=%lu\n",
	       peer_name, w->name, threads, (t1 - t0) / (double)calls,
	       failures);
	printf("# bench-host-cpu: peer=%s wl=%s threads=%u cpu_ns_per_op=%.3f\n",
	       peer_name, w->name, threads, cpu / threads / (double)calls);
	return failures ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int steps = argc > 1 ? (unsigned int)atoi(argv[1]) : 2000000;
	unsigned int threads = argc > 2 ? (unsigned int)atoi(argv[2]) : 0;
	const char *only = argc > 3 ? argv[3] : NULL;
	int status = 0;

	if (only) {
		unsigned int i = 0;

		while (i < wl_count && strcmp(only, wl_table[i].name))
			i++;
		if (i == wl_count) {
			fprintf(stderr, "bench-host: no workload '%s'\n", only);
			return 2;
		}
	}
	if (peer_init()) {
		fprintf(stderr, "bench-host: %s could not be set up\n",
			peer_name ? peer_name : "peer");
		return 1;
	}
	printf("# bench-host-info: peer=%s check=\"%s\" steps=%u\n", peer_name,
	       peer_check, steps);
	for (unsigned int t = 1; t <= 2; t++) {
		if (threads && t != threads)
			continue;
		for (unsigned int i = 0; i < wl_count; i++)
			if (!only || !strcmp(only, wl_table[i].name))
				status |= run(&wl_table[i], steps, t);
	}
	return status ? 1 : 0;
}

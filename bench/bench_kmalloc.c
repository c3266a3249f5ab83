/* SPDX-License-Identifier: MIT */
/*
 * kmalloc benchmarks, two-tier mode (the default): every size class on the
 * fast path (a kfree then a kmalloc of the same class: the per-CPU
 * magazine) and on the slow path (long runs; the calls that took a shared
 * lock are the ones that went past the magazine: refill from slabs, new
 * slabs, flushing back), debug mode, and transactions.
 *
 * Figures:
 *   kmalloc.<size>.fast.{alloc,free}   magazine hits, per class
 *   kmalloc.<size>.slow.{alloc,free}   calls of a long run that took a
 *                                      shared lock (the slow path)
 *   kmalloc.64.debug.{alloc,free}      fast path with debug mode on
 *   txn.kmalloc64.{alloc,free}         kmalloc(64)/kfree inside an open
 *                                      transaction (logged; the free of a
 *                                      block the transaction made)
 *   txn.{begin,commit,abort}           the calls themselves, empty
 *   txn.abort.per_alloc                an abort that rolls back 64
 *                                      kmalloc(64), per logged block
 * Zeroing is excluded (no kzalloc).  Statistics are always on in kmalloc,
 * so their cost is inside every figure and cannot be measured apart.
 */
#include "bench/bench.h"

#include "arch/arch.h"
#include "lib/spinlock.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/txn.h"

#define SEQ_MAX 4096

static void fast_pairs(size_t size, const char *tag)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	unsigned long n = bench_iters(1000, 20);
	void *p = kmalloc(size, GFP_KERNEL); /* warm the magazine */

	kfree(p);
	for (unsigned long i = 0; i < n; i++) {
		BENCH_OPAQUE(size);
		BENCH_MEASURE(a, p = kmalloc(size, GFP_KERNEL));
		if (!p) {
			bench_error("kmalloc(%zu) failed", size);
			return;
		}
		BENCH_OPAQUE(p);
		BENCH_MEASURE(f, kfree(p));
	}
	bench_report(a, "kmalloc.%zu.%s.alloc", size, tag);
	bench_report(f, "kmalloc.%zu.%s.free", size, tag);
}

/* One measured call; into slow when it took a shared lock. */
#define SPLIT_MEASURE(fast, slow, stmt)                                  \
	do {                                                             \
		unsigned long l0_ = spin_acquisitions(cpu);              \
		BENCH_MEASURE(fast, stmt);                               \
		if (spin_acquisitions(cpu) != l0_)                       \
			(slow)->v[(slow)->n++] = (fast)->v[--(fast)->n]; \
	} while (0)

static void slow_runs(size_t size, void **objs)
{
	struct bench_samples *hit = bench_samples(0, 0);
	struct bench_samples *sa = bench_samples(1, 0);
	struct bench_samples *sf = bench_samples(2, 0);
	unsigned long n = bench_iters(SEQ_MAX, 64), i;
	unsigned int cpu = arch_cpu_id();

	kmalloc_shrink(); /* start from empty magazines */
	for (i = 0; i < n; i++) {
		BENCH_OPAQUE(size);
		SPLIT_MEASURE(hit, sa, objs[i] = kmalloc(size, GFP_KERNEL));
		if (!objs[i])
			break;
	}
	n = i;
	for (i = 0; i < n; i++) {
		BENCH_OPAQUE(objs[i]);
		SPLIT_MEASURE(hit, sf, kfree(objs[i]));
	}
	hit->n = 0;
	bench_report(sa, "kmalloc.%zu.slow.alloc", size);
	bench_report(sf, "kmalloc.%zu.slow.free", size);
}

static void txn_figures(void)
{
	struct bench_samples *a = bench_samples(0, 0);
	struct bench_samples *f = bench_samples(1, 0);
	struct bench_samples *t = bench_samples(2, 0);
	unsigned long n = bench_iters(200, 10);
	struct mm_txn txn;
	void *p[64];
	int err = 0;

	for (unsigned long i = 0; i < n && !err; i++) {
		BENCH_MEASURE(t, err = mm_txn_begin(&txn));
		BENCH_MEASURE(a, p[0] = kmalloc(64, GFP_KERNEL));
		BENCH_OPAQUE(p[0]);
		BENCH_MEASURE(f, kfree(p[0]));
		err = err ? err : mm_txn_commit(&txn);
	}
	if (err)
		bench_error("txn: begin/commit failed (%d)", err);
	bench_report(t, "txn.begin");
	bench_report(a, "txn.kmalloc64.alloc");
	bench_report(f, "txn.kmalloc64.free");
	for (unsigned long i = 0; i < n && !err; i++) {
		mm_txn_begin(&txn);
		BENCH_MEASURE(t, err = mm_txn_commit(&txn));
	}
	bench_report(t, "txn.commit");
	for (unsigned long i = 0; i < n && !err; i++) {
		mm_txn_begin(&txn);
		BENCH_MEASURE(t, err = mm_txn_abort(&txn));
	}
	bench_report(t, "txn.abort");
	for (unsigned long i = 0; i < n / 10 + 1 && !err; i++) {
		uint64_t i0;

		mm_txn_begin(&txn);
		for (unsigned int k = 0; k < 64; k++)
			p[k] = kmalloc(64, GFP_KERNEL);
		i0 = bench_instret();
		err = mm_txn_abort(&txn);
		bench_add(t, (bench_instret() - i0) / 64 + bench_pair_cost);
	}
	if (err)
		bench_error("txn: abort failed (%d)", err);
	bench_report(t, "txn.abort.per_alloc");
}

void bench_kmalloc(void)
{
	enum kmalloc_mode mode = kmalloc_get_mode();
	void **objs = alloc_pages_addr(GFP_KERNEL, 3);

	if (!objs) {
		bench_error("kmalloc: no memory for the object array");
		return;
	}
	kmalloc_set_mode(KMALLOC_TWO_TIER);
	for (unsigned int c = 0; c < KMALLOC_NR_CLASSES; c++)
		fast_pairs(kmalloc_class_size[c], "fast");
	for (unsigned int c = 0; c < KMALLOC_NR_CLASSES; c++)
		slow_runs(kmalloc_class_size[c], objs);
	if (!kmalloc_set_debug(true)) {
		fast_pairs(64, "debug");
		kmalloc_set_debug(false);
	}
	txn_figures();
	kmalloc_shrink();
	slab_reclaim(); /* empty slabs kept by caches (the transaction log) */
	kmalloc_set_mode(mode);
	free_pages(virt_to_page(objs), 3);
}

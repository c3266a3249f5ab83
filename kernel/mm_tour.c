/* SPDX-License-Identifier: MIT */
/*
 * The boot argument demo.tour=1: the stops of docs/tour.md, the guided
 * tour of one allocation.  After the checkpoint, cpu 2 (the third hart
 * online) makes one kmalloc(64) and frees it, the kmalloc caches are
 * shrunk (the slab's page goes straight back to the buddy lists) and the
 * per-CPU page lists drained; then a transaction allocates
 * three blocks, defers the free of an older one and aborts.  Each state
 * is reached at an empty mm_tour_* function (noinline), so one breakpoint
 * stops there.  Boot with ktest=none: no self-test has touched cpu 2's
 * magazines or page lists, and the run is the same every time.
 */
#include "arch/arch.h"
#include "kernel/mm_cmds.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/txn.h"

BOOTPARAM_BOOL(demo_tour, "demo.tour", false,
	       "1: after the checkpoint, cpu 2 reaches the stops of the "
	       "guided tour (docs/tour.md), each at its mm_tour_* function");

/* The hart the tour's allocation runs on (logical cpu id). */
#define TOUR_CPU 2

#define TOUR_STOP __attribute__((noinline)) void

/* Before kmalloc(64): cpu 2's magazine and page list are empty. */
TOUR_STOP mm_tour_kmalloc(void)
{
	__asm__ volatile("" ::: "memory");
}

/* p is live; kfree(p) comes next. */
TOUR_STOP mm_tour_kfree(void *p)
{
	__asm__ volatile("" ::"r"(p) : "memory");
}

/* After kmalloc_shrink(): the slab's page, frame pfn, is on the buddy
 * lists again (a slab page skips the per-CPU lists). */
TOUR_STOP mm_tour_shrunk(unsigned long pfn)
{
	__asm__ volatile("" ::"r"(pfn) : "memory");
}

/* After drain_all_pages(): every per-CPU list is empty too. */
TOUR_STOP mm_tour_drained(unsigned long pfn)
{
	__asm__ volatile("" ::"r"(pfn) : "memory");
}

/* The transaction is open with its log; mm_txn_abort() comes next. */
TOUR_STOP mm_tour_txn(struct mm_txn *tx, void *old)
{
	__asm__ volatile("" ::"r"(tx), "r"(old) : "memory");
}

/* The abort is done: old, allocated before the transaction, lives on. */
TOUR_STOP mm_tour_aborted(void *old)
{
	__asm__ volatile("" ::"r"(old) : "memory");
}

/* One kmalloc(64) and its kfree, then the way back to the buddy lists. */
static void tour_kmalloc(void)
{
	unsigned long pfn;
	void *p;

	mm_tour_kmalloc();
	p = kmalloc(64, GFP_KERNEL);
	if (!p)
		return;
	pfn = page_to_pfn(virt_to_page(p));
	printk("tour: kmalloc(64) on cpu %u = %p, in the slab at pfn 0x%lx\n",
	       arch_cpu_id(), p, pfn);
	mm_tour_kfree(p);
	kfree(p);
	kmalloc_shrink(); /* magazines drained, empty slabs freed */
	mm_tour_shrunk(pfn);
	drain_all_pages(); /* every per-CPU page list back to the buddies */
	mm_tour_drained(pfn);
}

/* A transaction: three allocations and a deferred free, then abort. */
static void tour_txn(void)
{
	static struct mm_txn tx;
	void *old = kmalloc(100, GFP_KERNEL);
	struct page *pg;
	void *a, *b;

	if (!old || mm_txn_begin_named(&tx, "tour")) {
		kfree(old);
		return;
	}
	a = kmalloc(64, GFP_KERNEL);
	pg = alloc_pages(GFP_KERNEL, 2);
	b = kmalloc(200, GFP_KERNEL);
	kfree(old); /* older than the transaction: deferred */
	printk("tour: txn: kmalloc(64) = %p, alloc_pages(order 2) = %p, "
	       "kmalloc(200) = %p, kfree(%p) deferred\n",
	       a, pg ? page_address(pg) : NULL, b, old);
	mm_tour_txn(&tx, old);
	mm_txn_abort(&tx);
	mm_tour_aborted(old);
	kfree(old);
}

static void tour_on_cpu(void *arg)
{
	if (arch_cpu_id() != TOUR_CPU)
		return; /* the other harts take no part */
	tour_kmalloc();
	tour_txn();
}

void mm_demo_tour(void)
{
	if (!bootparam_bool("demo.tour"))
		return;
	if (arch_nr_cpus() <= TOUR_CPU) {
		printk("tour: demo.tour=1 needs %u harts (SMP=%u or more); "
		       "skipped\n",
		       TOUR_CPU + 1, TOUR_CPU + 1);
		return;
	}
	printk("tour: the stops of docs/tour.md, on cpu %u\n", TOUR_CPU);
	arch_run_on_all_cpus(tour_on_cpu, NULL);
	printk("tour: done; %lu pages free\n", nr_free_pages());
}

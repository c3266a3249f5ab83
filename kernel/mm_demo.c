/* SPDX-License-Identifier: MIT */
/*
 * The monitor's transaction and fault-injection commands (kernel/monitor.c
 * lists them): `txn-demo` shows a transaction allocating from every kind
 * of allocator, deferring a free, aborting, and every figure coming back;
 * `fail` arms, shows and clears a fault-injection rule (mm/fault.h, the
 * mm.fail= syntax of docs/fault.md).  docs/health.md shows a session.
 */
#include "kernel/mm_cmds.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "mm/txn.h"

#define DEMO_OLD_SIZE 48
#define DEMO_FILL 0xd5

/* What the demo compares before and after the abort. */
struct demo_figures {
	unsigned long free_pages, kmalloc_live, cache_objs, heap_used;
};

static void figures(struct demo_figures *f, struct kmem_cache *c)
{
	static struct mm_stats st; /* too large for a monitor stack frame */
	struct kmem_cache_stats cs;

	mm_stats_get(&st);
	kmem_cache_get_stats(c, &cs);
	*f = (struct demo_figures){
		.free_pages = st.free_pages,
		.kmalloc_live = st.kmalloc_live,
		.cache_objs = cs.active_objs - cs.cached, /* handed out */
		.heap_used = st.heap_used,
	};
}

static void show(const char *when, const struct demo_figures *f)
{
	printk("txn-demo: %-6s free pages %lu, kmalloc blocks live %lu, "
	       "txn-demo cache objects out %lu, heap bytes used %lu\n",
	       when, f->free_pages, f->kmalloc_live, f->cache_objs,
	       f->heap_used);
}

/* The transaction's allocations, one of each kind (NULL: failed). */
struct demo_allocs {
	void *km, *obj, *heap;
	struct page *pg;
};

static void allocate_all(struct demo_allocs *a, struct kmem_cache *c, void *old)
{
	a->km = kmalloc(200, GFP_KERNEL);
	a->pg = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 2);
	a->obj = kmem_cache_alloc(c, GFP_KERNEL);
	a->heap = k_heap_alloc(&system_heap, 300, K_NO_WAIT);
	kfree(old); /* made before the transaction: deferred to commit */
	printk("txn-demo: in it: kmalloc(200) = %p, alloc_pages(order 2) = "
	       "%p, kmem_cache_alloc(txn-demo) = %p, k_heap_alloc(system, "
	       "300) = %p; kfree(%p) deferred\n",
	       a->km, a->pg ? page_address(a->pg) : NULL, a->obj, a->heap, old);
}

static bool intact(const unsigned char *p)
{
	for (unsigned int i = 0; i < DEMO_OLD_SIZE; i++)
		if (p[i] != DEMO_FILL)
			return false;
	return true;
}

/* Abort, give the caches' empty slabs back, and compare. */
static int abort_and_compare(struct mm_txn *tx, struct kmem_cache *c,
			     unsigned char *old,
			     const struct demo_figures *before)
{
	struct mm_txn_stats t0, t1;
	struct demo_figures after;
	bool same;

	mm_txn_stats(&t0);
	mm_txn_abort(tx);
	mm_txn_stats(&t1);
	printk("txn-demo: aborted: %lu allocations freed newest first, %lu "
	       "deferred free undone\n",
	       t1.rolled_back - t0.rolled_back, t1.restored - t0.restored);
	kmem_cache_shrink(c);
	kmalloc_shrink(); /* the slabs the allocations grew */
	figures(&after, c);
	show("after:", &after);
	same = !memcmp(before, &after, sizeof(after));
	printk("txn-demo: the %u-byte block made before: %s\n", DEMO_OLD_SIZE,
	       intact(old) ? "still allocated, contents intact"
			   : "CONTENTS CHANGED");
	printk("txn-demo: every figure is back: %s\n", same ? "yes" : "NO");
	return same && intact(old) ? 0 : -1;
}

int cmd_txn_demo(int argc, char **argv)
{
	struct kmem_cache *c = kmem_cache_create("txn-demo", 96, 0, 0, NULL);
	unsigned char *old = kmalloc(DEMO_OLD_SIZE, GFP_KERNEL);
	struct demo_figures before, during;
	struct demo_allocs a;
	struct mm_txn tx;
	int ret = -1;

	if (!c || !old) {
		printk("txn-demo: cannot set up: %s\n",
		       mm_strerror(mm_last_error()));
		goto out;
	}
	memset(old, DEMO_FILL, DEMO_OLD_SIZE);
	kmalloc_shrink(); /* start from caches without spare slabs */
	figures(&before, c);
	show("before:", &before);
	if (mm_txn_begin_named(&tx, "txn-demo"))
		goto out;
	allocate_all(&a, c, old);
	figures(&during, c);
	show("during:", &during);
	ret = abort_and_compare(&tx, c, old, &before);
out:
	kfree(old);
	if (c)
		kmem_cache_destroy(c);
	return ret;
}

/* `fail`: the rule and counters; `fail off`; `fail ITEM[,ITEM] ...`. */
int cmd_fail(int argc, char **argv)
{
	char spec[160] = "", err[96];
	struct mm_fault_attr a;
	size_t n = 0;

	if (argc < 2) {
		mm_report_fault();
		return 0;
	}
	if (!strcmp(argv[1], "off")) {
		unsigned long k = mm_fault_clear();

		printk("fail: off; the rule injected %lu failure%s\n", k,
		       k == 1 ? "" : "s");
		return 0;
	}
	for (int i = 1; i < argc && n < sizeof(spec); i++) /* a b = a,b */
		n += (size_t)ksnprintf(spec + n, sizeof(spec) - n, "%s%s",
				       i > 1 ? "," : "", argv[i]);
	if (mm_fault_parse(spec, &a, err, sizeof(err))) {
		printk("fail: %s (the syntax of mm.fail=, docs/fault.md)\n",
		       err);
		return -1;
	}
	if (mm_fault_set(&a))
		return -1; /* mm_fault_set() said why */
	mm_fault_format(&a, spec, sizeof(spec));
	printk("fail: armed %s\n", spec);
	return 0;
}

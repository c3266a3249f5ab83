/* SPDX-License-Identifier: MIT */
/*
 * The monitor's transaction and fault-injection commands (kernel/monitor.c
 * lists them): `txn-demo` shows a transaction allocating from every kind
 * of allocator, deferring a free, aborting, and every figure coming back;
 * `fail` arms, shows and clears a fault-injection rule (mm/fault.h, the
 * mm.fail= syntax of docs/fault.md).  docs/health.md shows a session.
 * And the boot argument demo=1: the states docs/gdb.md's walkthrough
 * stops in, one after the other (end of the file).
 */
#include "kernel/mm_cmds.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
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

/*
 * ---- demo=1: the states of docs/gdb.md's walkthrough -------------------------
 *
 * After the checkpoint (kernel/main.c), each step sets a state up, calls
 * its stop function (noinline: `break mm_demo_merge` always finds it) and
 * undoes the state, so a debugger can reach every state the walkthrough
 * describes with one breakpoint.  Single hart (SMP=1) runs are
 * deterministic: scripts/docs.py regenerates the walkthrough from one.
 */
BOOTPARAM_BOOL(demo, "demo", false,
	       "1: after the checkpoint, reach the states of the GDB "
	       "walkthrough (docs/gdb.md), each at its mm_demo_* stop");

#define DEMO_STOP __attribute__((noinline)) void

/* The stop functions: a breakpoint on one sees its state. */
DEMO_STOP mm_demo_merge(struct page *pg)
{
	__asm__ volatile("" ::"r"(pg) : "memory");
}

DEMO_STOP mm_demo_kmalloc(void)
{
	__asm__ volatile("" ::: "memory");
}

DEMO_STOP mm_demo_slab(struct kmem_cache *c)
{
	__asm__ volatile("" ::"r"(c) : "memory");
}

DEMO_STOP mm_demo_txn(struct mm_txn *outer, struct mm_txn *inner)
{
	__asm__ volatile("" ::"r"(outer), "r"(inner) : "memory");
}

DEMO_STOP mm_demo_leaks(void)
{
	__asm__ volatile("" ::: "memory");
}

DEMO_STOP mm_demo_health(void)
{
	__asm__ volatile("" ::: "memory");
}

DEMO_STOP mm_demo_heap(struct k_heap *h, void *mem)
{
	__asm__ volatile("" ::"r"(h), "r"(mem) : "memory");
}

#define DEMO_MERGE_TRIES 64

static bool buddy_is_free(struct page *pg, unsigned int order)
{
	unsigned long buddy = page_to_pfn(pg) ^ (1UL << order);
	struct page *b;

	if (!pfn_valid(buddy))
		return false;
	b = pfn_to_page(buddy);
	return (b->flags & PG_buddy) && b->order == order;
}

/* An order-2 block whose buddy is a free order-2 block: its free merges. */
static void demo_merge(void)
{
	static struct page *held[DEMO_MERGE_TRIES];
	struct page *pg = NULL;
	unsigned int n = 0;

	while (n < DEMO_MERGE_TRIES && (pg = alloc_pages(GFP_KERNEL, 2))) {
		if (buddy_is_free(pg, 2))
			break;
		held[n++] = pg; /* its buddy is in use: try the next one */
		pg = NULL;
	}
	printk("demo: merge: order-2 block at pfn 0x%lx about to be freed, "
	       "its buddy free (%u blocks tried before)\n",
	       pg ? page_to_pfn(pg) : 0UL, n);
	mm_demo_merge(pg);
	free_pages(pg, 2);
	while (n)
		free_pages(held[--n], 2);
}

static __attribute__((noinline)) void demo_kmalloc(void)
{
	void *p;

	mm_demo_kmalloc();
	p = kmalloc(200, GFP_KERNEL);
	printk("demo: kmalloc: kmalloc(200) = %p\n", p);
	kfree(p);
}

#define DEMO_SLAB_OBJS 40
#define DEMO_SLAB_FREED 10

/* A cache with live objects and some in the magazine, then one pop. */
static void demo_slab(void)
{
	static void *objs[DEMO_SLAB_OBJS];
	struct kmem_cache *c = kmem_cache_create("demo", 136, 0, 0, NULL);
	void *p;

	if (!c)
		return;
	for (unsigned int i = 0; i < DEMO_SLAB_OBJS; i++)
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
	for (unsigned int i = 0; i < DEMO_SLAB_FREED; i++)
		kmem_cache_free(c, objs[2 * i]);
	printk("demo: slab: cache demo, %u objects allocated, %u freed\n",
	       DEMO_SLAB_OBJS, DEMO_SLAB_FREED);
	mm_demo_slab(c);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	printk("demo: slab: kmem_cache_alloc(demo) = %p\n", p);
	kmem_cache_free(c, p);
	for (unsigned int i = 0; i < DEMO_SLAB_OBJS; i++)
		if (i % 2 || i >= 2 * DEMO_SLAB_FREED)
			kmem_cache_free(c, objs[i]);
	kmem_cache_destroy(c);
}

/* Two nested transactions; the inner frees what the outer allocated. */
static void demo_txn(void)
{
	static struct mm_txn outer, inner;
	struct page *pg;
	void *a, *b;

	if (mm_txn_begin_named(&outer, "demo-outer"))
		return;
	a = kmalloc(100, GFP_KERNEL);
	pg = alloc_pages(GFP_KERNEL, 1); /* abort frees it */
	if (!mm_txn_begin_named(&inner, "demo-inner")) {
		b = kmalloc(300, GFP_KERNEL);
		kfree(a); /* deferred: the outer level made it */
		printk("demo: txn: outer kmalloc(100) = %p, alloc_pages(order "
		       "1) = %p, inner kmalloc(300) = %p, kfree(%p) deferred\n",
		       a, pg ? page_address(pg) : NULL, b, a);
		mm_demo_txn(&outer, &inner);
		mm_txn_abort(&inner);
	}
	mm_txn_abort(&outer);
}

static __attribute__((noinline)) void *demo_leak_small(void)
{
	void *p = kmalloc(100, GFP_KERNEL);

	__asm__ volatile("" : "+r"(p)); /* a call, not a tail jump */
	return p;
}

static __attribute__((noinline)) void *demo_leak_large(void)
{
	void *p = kmalloc(40000, GFP_KERNEL);

	__asm__ volatile("" : "+r"(p)); /* a call, not a tail jump */
	return p;
}

/* Debug mode on, five tracked blocks from two sites, the report. */
static void demo_leaks(void)
{
	void *p[5];
	bool was = kmalloc_set_debug(true);

	for (unsigned int i = 0; i < 5; i++)
		p[i] = i < 3 ? demo_leak_small() : demo_leak_large();
	mm_demo_leaks();
	kmalloc_leak_report();
	for (unsigned int i = 0; i < 5; i++)
		kfree(p[i]);
	kmalloc_set_debug(was);
}

/*
 * Take every page the page allocator gives, largest blocks first, then
 * GFP_ATOMIC pages below the min watermark: a critical verdict.  The
 * blocks are chained through their first two words (next, order).
 */
static void *demo_drain(void)
{
	void *chain = NULL;

	for (int order = MAX_ORDER - 1; order >= 0; order--) {
		gfp_t gfp = (order ? GFP_KERNEL : GFP_ATOMIC) | __GFP_NOWARN;
		struct page *pg;

		while ((pg = alloc_pages(gfp, (unsigned int)order))) {
			void **w = page_address(pg);

			w[0] = chain;
			w[1] = (void *)(unsigned long)order;
			chain = w;
		}
	}
	return chain;
}

static void demo_health(void)
{
	void *chain = demo_drain();

	printk("demo: health: %lu pages free\n", nr_free_pages());
	mm_demo_health();
	while (chain) {
		void **w = chain;

		chain = w[0];
		free_pages(virt_to_page(w), (unsigned int)(unsigned long)w[1]);
	}
	mm_health_acknowledge("the health demo");
}

#define DEMO_HEAP_ORDER 4

/* A TLSF heap with used and free blocks; then a free that merges. */
static void demo_heap(void)
{
	static const size_t sizes[] = {80, 7776, 240, 400, 288};
	static struct k_heap h;
	struct page *pg = alloc_pages(GFP_KERNEL, DEMO_HEAP_ORDER);
	void *b[5];

	if (!pg || k_heap_init(&h, "demo", page_address(pg),
			       PAGE_SIZE << DEMO_HEAP_ORDER)) {
		free_pages(pg, DEMO_HEAP_ORDER);
		return;
	}
	for (unsigned int i = 0; i < 5; i++)
		b[i] = k_heap_alloc(&h, sizes[i], K_NO_WAIT);
	k_heap_free(&h, b[1]);
	k_heap_free(&h, b[3]);
	mm_demo_heap(&h, b[2]);
	k_heap_free(&h, b[2]);
	heap_report();
	k_heap_free(&h, b[0]);
	k_heap_free(&h, b[4]);
	k_heap_remove(&h);
	free_pages(pg, DEMO_HEAP_ORDER);
}

void mm_demo_walkthrough(void)
{
	if (!bootparam_bool("demo"))
		return;
	printk("demo: the states of docs/gdb.md, each at its mm_demo_* stop\n");
	demo_merge();
	demo_kmalloc();
	demo_slab();
	demo_txn();
	demo_leaks();
	demo_health();
	demo_heap();
	printk("demo: done; %lu pages free\n", nr_free_pages());
}

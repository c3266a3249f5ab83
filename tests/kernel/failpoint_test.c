/* SPDX-License-Identifier: MIT */
/*
 * The failure-point proof (suite mm_failpoint), in the manner of SQLite's
 * out-of-memory tests (sqlite.org/testing.html, 3.1): each realistic
 * multi-allocation operation runs inside a transaction with the k-th
 * allocation failing, for k = 1, 2, 3 ... until it completes with no
 * failure injected.  The operations are written the easy way: on a NULL
 * they just return an error, and the transaction's abort must clean up.
 * After every failing run the memory subsystem must be exactly as before:
 * free pages, every zone's free blocks per order and live blocks per
 * order, the transaction and fault counters that are not about failures,
 * the objects that existed before (contents included), mm_validate().
 */
#include "kernel/ktest.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/txn.h"
#include "tests/kernel/txn_test.h"

/* ---- what "exactly as before" compares --------------------------------------- */

struct zone_snap {
	unsigned long free_pages;
	unsigned long free_blocks[MAX_ORDER]; /* buddy lists, pcp drained */
	unsigned long live[MAX_ORDER]; /* allocated blocks per order */
	unsigned long wm_low_events;
};

struct mm_snap {
	unsigned long nr_free;
	struct zone_snap z[MAX_NR_ZONES];
	struct mm_txn_stats txn;
};

static void zone_snap_take(struct zone *z, struct zone_snap *s)
{
	unsigned long pcp = 0;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		pcp += z->pcp[cpu].nr_alloc - z->pcp[cpu].nr_free;
	s->free_pages = zone_free_pages(z);
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		s->free_blocks[o] = zone_free_blocks(z, o);
		s->live[o] = z->nr_alloc[o] - z->nr_freed[o] + (o ? 0 : pcp);
	}
	s->wm_low_events = z->wm_low_events;
}

static void snap_take(struct mm_snap *s)
{
	drain_all_pages(); /* the buddy lists are then canonical */
	s->nr_free = nr_free_pages();
	for (unsigned int i = 0; i < MAX_NR_ZONES; i++)
		zone_snap_take(&zones[i], &s->z[i]);
	mm_txn_stats(&s->txn);
}

/* Counters a clean abort must leave alone (the others count activity). */
static bool txn_counters_equal(const struct mm_txn_stats *a,
			       const struct mm_txn_stats *b)
{
	return a->commits == b->commits && a->deferred_done == b->deferred_done &&
	       a->irq_unlogged == b->irq_unlogged &&
	       a->taken_out == b->taken_out &&
	       a->double_frees == b->double_frees &&
	       a->log_full == b->log_full && a->lost == b->lost &&
	       a->misuse == b->misuse && a->leftovers == b->leftovers &&
	       a->logged - a->rolled_back - a->cancelled ==
		       b->logged - b->rolled_back - b->cancelled &&
	       a->deferred - a->restored == b->deferred - b->restored;
}

static bool snap_equal(struct ktest *t, const struct mm_snap *a,
		       const struct mm_snap *b)
{
	bool ok = a->nr_free == b->nr_free;

	for (unsigned int i = 0; i < MAX_NR_ZONES; i++)
		ok &= !memcmp(&a->z[i], &b->z[i], sizeof(a->z[i]));
	ok &= txn_counters_equal(&a->txn, &b->txn);
	if (!ok)
		ktest_log(t, "state differs: free pages %lu -> %lu", a->nr_free,
			  b->nr_free);
	return ok;
}

/* ---- the operations ----------------------------------------------------------- */

#define TREE_NODES 24
#define RING_SLOTS 16
#define TABLE_ORDER_MAX 4

struct tnode {
	unsigned long key;
	struct tnode *left, *right;
	struct page *self;
};

struct state {
	/* tree: an index block, a page-backed buffer, one page per node */
	struct page *index, *buffer;
	struct tnode *root;
	/* table: grown by doubling from a block that predates the run */
	struct page *table, *orig_table;
	unsigned int table_order;
	/* ring: descriptors in one block, DMA buffers, a bounce buffer */
	struct page *ring, *bounce;
};

static struct tnode *tree_insert(struct tnode **at, unsigned long key)
{
	struct page *pg;
	struct tnode *n;

	while (*at)
		at = key < (*at)->key ? &(*at)->left : &(*at)->right;
	pg = alloc_pages(GFP_KERNEL, 0);
	if (!pg)
		return NULL;
	n = page_address(pg);
	*n = (struct tnode){key, NULL, NULL, pg};
	*at = n;
	return n;
}

static int tree_build(struct state *s)
{
	unsigned long *idx;

	s->index = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!s->index)
		return -1;
	s->buffer = alloc_pages(GFP_KERNEL, 3);
	if (!s->buffer)
		return -1;
	idx = page_address(s->index);
	for (unsigned long i = 0; i < TREE_NODES; i++) {
		unsigned long key = (i * 7919) % 101;
		struct tnode *n = tree_insert(&s->root, key);

		if (!n)
			return -1;
		idx[i] = (unsigned long)n;
	}
	return 0;
}

static unsigned long tree_count(const struct tnode *n, unsigned long lo,
				unsigned long hi, bool *ordered)
{
	if (!n)
		return 0;
	if (n->key < lo || n->key > hi || !page_is_block(n->self, 0))
		*ordered = false;
	return 1 + tree_count(n->left, lo, n->key, ordered) +
	       tree_count(n->right, n->key, hi, ordered);
}

static bool tree_check(struct state *s)
{
	bool ordered = true;

	return tree_count(s->root, 0, ~0UL, &ordered) == TREE_NODES &&
	       ordered && page_is_block(s->index, 1) &&
	       page_is_block(s->buffer, 3);
}

static void tree_destroy(struct state *s)
{
	unsigned long *idx = page_address(s->index);

	for (unsigned int i = 0; i < TREE_NODES; i++)
		free_pages(((struct tnode *)idx[i])->self, 0);
	free_pages(s->buffer, 3);
	free_pages(s->index, 1);
}

/* The table before the run: one page of numbered entries. */
static bool table_setup(struct state *s)
{
	s->orig_table = alloc_pages(GFP_KERNEL, 0);
	if (!s->orig_table)
		return false;
	tag_fill(s->orig_table, 0, 0x7ab1e);
	return true;
}

/* Double the table up to TABLE_ORDER_MAX, copying, freeing the old one. */
static int table_grow(struct state *s)
{
	s->table = s->orig_table;
	s->table_order = 0;
	while (s->table_order < TABLE_ORDER_MAX) {
		unsigned int o = s->table_order;
		struct page *bigger = alloc_pages(GFP_KERNEL, o + 1);

		if (!bigger)
			return -1;
		for (unsigned long i = 0; i < 1UL << o; i++)
			memcpy(page_address(bigger + i),
			       page_address(s->table + i), PAGE_SIZE);
		tag_fill(bigger + (1UL << o), o, 0x7ab1e ^ (1UL << o));
		free_pages(s->table, o); /* deferred the first time */
		s->table = bigger;
		s->table_order = o + 1;
	}
	return 0;
}

static bool table_check(struct state *s)
{
	return page_is_block(s->table, TABLE_ORDER_MAX) &&
	       tag_ok(s->table, 0, 0x7ab1e);
}

static void table_destroy(struct state *s)
{
	free_pages(s->table, TABLE_ORDER_MAX);
	s->orig_table = NULL; /* freed by the committed growth */
}

static bool table_intact(struct state *s)
{
	return page_is_block(s->orig_table, 0) &&
	       tag_ok(s->orig_table, 0, 0x7ab1e);
}

static void table_teardown(struct state *s)
{
	if (s->orig_table)
		free_pages(s->orig_table, 0);
}

/* A ring of descriptors, each with a DMA-able buffer, and a bounce buffer. */
struct desc {
	struct page *buf;
	phys_addr_t addr;
	uint32_t len, flags;
};

static int ring_setup_op(struct state *s)
{
	struct desc *d;

	s->ring = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	if (!s->ring)
		return -1;
	d = page_address(s->ring);
	for (unsigned int i = 0; i < RING_SLOTS; i++) {
		d[i].buf = alloc_pages(GFP_DMA, 1);
		if (!d[i].buf)
			return -1;
		d[i].addr = page_to_phys(d[i].buf);
		d[i].len = 2 * PAGE_SIZE;
	}
	s->bounce = alloc_pages(GFP_DMA, 4);
	return s->bounce ? 0 : -1;
}

static bool ring_check(struct state *s)
{
	struct desc *d = page_address(s->ring);

	for (unsigned int i = 0; i < RING_SLOTS; i++)
		if (!page_is_block(d[i].buf, 1) ||
		    page_zone(d[i].buf) != &zones[ZONE_DMA])
			return false;
	return page_is_block(s->bounce, 4);
}

static void ring_destroy(struct state *s)
{
	struct desc *d = page_address(s->ring);

	for (unsigned int i = 0; i < RING_SLOTS; i++)
		free_pages(d[i].buf, 1);
	free_pages(s->bounce, 4);
	free_pages(s->ring, 0);
}

struct fp_op {
	const char *name;
	bool (*setup)(struct state *s); /* before any run (optional) */
	int (*run)(struct state *s); /* inside the transaction */
	bool (*check)(struct state *s); /* after the successful commit */
	void (*destroy)(struct state *s); /* frees what the commit kept */
	bool (*intact)(struct state *s); /* after each abort (optional) */
	void (*teardown)(struct state *s); /* after all (optional) */
};

static const struct fp_op ops[] = {
	{"tree of pages with an index and a buffer", 0, tree_build,
	 tree_check, tree_destroy, 0, 0},
	{"table grown by doubling", table_setup, table_grow, table_check,
	 table_destroy, table_intact, table_teardown},
	{"DMA buffers with a descriptor ring", 0, ring_setup_op, ring_check,
	 ring_destroy, 0, 0},
};

/* ---- the proof ------------------------------------------------------------------- */

#define MAX_POINTS 1000

static bool arm_nth(unsigned long k)
{
	struct mm_fault_attr a;

	mm_fault_attr_init(&a);
	a.nth = k;
	a.cpu = arch_cpu_id();
	return mm_fault_set(&a) == 0;
}

/* One run failing at allocation k; true when it completed instead. */
static bool run_at(struct ktest *t, const struct fp_op *op, struct state *s,
		   unsigned long k)
{
	struct mm_snap before, after;
	struct mm_txn tx;
	unsigned long injected;
	int rc;

	snap_take(&before);
	KT_ASSERT_EQ(t, mm_txn_begin_named(&tx, op->name), 0);
	KT_ASSERT_TRUE(t, arm_nth(k));
	rc = op->run(s);
	injected = mm_fault_clear();
	if (!injected) {
		KT_ASSERT_EQ(t, rc, 0);
		KT_ASSERT_EQ(t, mm_txn_commit(&tx), 0);
		return true;
	}
	KT_ASSERT_EQ(t, injected, 1);
	KT_ASSERT_NE(t, rc, 0); /* the operation must not swallow it */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	KT_ASSERT_EQ(t, mm_txn_abort(&tx), 0);
	snap_take(&after);
	KT_ASSERT_TRUE(t, snap_equal(t, &before, &after));
	KT_ASSERT_TRUE(t, !op->intact || op->intact(s));
	KT_ASSERT_TRUE(t, mm_validate());
	return false;
}

/* Run op with k = 1, 2, ... failing; returns the failure points proved. */
static unsigned long prove(struct ktest *t, const struct fp_op *op)
{
	static struct state s;
	unsigned long k;

	memset(&s, 0, sizeof(s));
	KT_ASSERT_TRUE(t, !op->setup || op->setup(&s));
	for (k = 1; k <= MAX_POINTS; k++) {
		struct page *keep_orig = s.orig_table;

		memset(&s, 0, sizeof(s));
		s.orig_table = keep_orig;
		if (run_at(t, op, &s, k))
			break;
	}
	KT_ASSERT_LE(t, k, MAX_POINTS);
	KT_EXPECT_TRUE(t, op->check(&s));
	op->destroy(&s);
	if (op->teardown)
		op->teardown(&s);
	ktest_log(t, "%s: %lu allocations, each one proved as a failure point",
		  op->name, k - 1);
	return k - 1;
}

static bool dma_zone_usable(void)
{
	struct page *pg = alloc_pages(GFP_DMA | __GFP_NOWARN, 4);

	if (pg)
		free_pages(pg, 4);
	return pg != NULL;
}

static void test_failure_points(struct ktest *t)
{
	unsigned long base = nr_free_pages(), points = 0;
	unsigned int nops = 0;

	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (ops[i].run == ring_setup_op && !dma_zone_usable()) {
			ktest_log(t, "%s: skipped, no usable DMA zone",
				  ops[i].name);
			continue;
		}
		points += prove(t, &ops[i]);
		nops++;
	}
	ktest_log(t, "proved %lu failure points over %u operations", points,
		  nops);
	KT_EXPECT_GT(t, points, 40);
	KT_EXPECT_EQ(t, nr_free_pages(), base);
}

static const struct ktest_case failpoint_cases[] = {
	KTEST_CASE(test_failure_points),
	KTEST_END,
};

static void failpoint_exit(void)
{
	mm_fault_clear();
}
KTEST_SUITE_FULL(mm_failpoint, failpoint_cases, 0, failpoint_exit, 0);

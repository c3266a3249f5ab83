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
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/stats.h"
#include "mm/txn.h"
#include "tests/kernel/txn_test.h"

/* ---- what "exactly as before" compares --------------------------------------- */

struct zone_snap {
	unsigned long free_pages;
	unsigned long free_blocks[MAX_ORDER]; /* buddy lists, pcp drained */
	unsigned long live[MAX_ORDER]; /* allocated blocks per order */
	unsigned long wm_low_events;
};

#define SNAP_CACHES 64

/* One cache, after slab_reclaim() (no cached objects, no empty slabs). */
struct cache_snap {
	struct kmem_cache *cache;
	unsigned long active, total, slabs, partial, full;
	unsigned long balance; /* allocations - frees */
};

struct mm_snap {
	unsigned long nr_free;
	struct zone_snap z[MAX_NR_ZONES];
	struct cache_snap c[SNAP_CACHES];
	unsigned int nr_caches;
	unsigned long km_live[KMALLOC_NR_ROWS]; /* per size class, zero, large,
						   heap */
	struct mm_txn_stats txn;
	struct mm_stats st; /* mm/stats.h: what docs/health.md reports */
};

static void zone_snap_take(struct zone *z, struct zone_snap *s)
{
	unsigned long pcp = 0;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		pcp += z->pcp[cpu].nr_alloc - pcp_nr_free(&z->pcp[cpu]);
	s->free_pages = zone_free_pages(z);
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		s->free_blocks[o] = zone_free_blocks(z, o);
		s->live[o] = z->nr_alloc[o] - z->nr_freed[o] + (o ? 0 : pcp);
	}
	s->wm_low_events = z->wm_low_events;
}

static bool cache_snap_one(struct kmem_cache *c, void *arg)
{
	struct mm_snap *s = arg;
	struct cache_snap *cs = &s->c[s->nr_caches];
	struct kmem_cache_stats st;

	if (s->nr_caches == SNAP_CACHES)
		return false;
	kmem_cache_get_stats(c, &st);
	*cs = (struct cache_snap){c,
				  st.active_objs,
				  st.num_objs,
				  st.nr_slabs,
				  c->kc_nr_partial,
				  c->kc_nr_full,
				  st.nr_alloc - st.nr_free};
	s->nr_caches++;
	return true;
}

static void snap_take(struct mm_snap *s)
{
	static struct kmalloc_stats km;

	memset(s, 0, sizeof(*s));
	kmalloc_shrink(); /* the debug quarantine */
	slab_reclaim(); /* objects only cached go back to their slabs */
	drain_all_pages(); /* the buddy lists are then canonical */
	kmem_cache_for_each(cache_snap_one, s);
	s->nr_free = nr_free_pages();
	for (unsigned int i = 0; i < MAX_NR_ZONES; i++)
		zone_snap_take(&zones[i], &s->z[i]);
	mm_txn_stats(&s->txn);
	mm_stats_get(&s->st);
	kmalloc_stats_get(&km);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		s->km_live[r] = km.row[r].live;
}

/* Counters a clean abort must leave alone (the others count activity). */
static bool txn_counters_equal(const struct mm_txn_stats *a,
			       const struct mm_txn_stats *b)
{
	return a->commits == b->commits &&
	       a->deferred_done == b->deferred_done &&
	       a->irq_unlogged == b->irq_unlogged &&
	       a->taken_out == b->taken_out &&
	       a->double_frees == b->double_frees &&
	       a->log_full == b->log_full && a->lost == b->lost &&
	       a->misuse == b->misuse && a->leftovers == b->leftovers &&
	       a->logged - a->rolled_back - a->cancelled ==
		       b->logged - b->rolled_back - b->cancelled &&
	       a->deferred - a->restored == b->deferred - b->restored;
}

/*
 * The mm_stats figures that describe state, not activity: they must be
 * back.  Cumulative allocations and frees must have moved together;
 * failures, injections, peaks, splits/merges and per-CPU batches count
 * activity and are left out.  Any bad free or corruption the rollback
 * caused would show here.
 */
static bool zone_stats_equal(const struct mm_zone_stats *a,
			     const struct mm_zone_stats *b)
{
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		if (a->order[o].free_blocks != b->order[o].free_blocks ||
		    a->order[o].allocs - a->order[o].frees !=
			    b->order[o].allocs - b->order[o].frees)
			return false;
	return a->free == b->free && a->buddy_free == b->buddy_free &&
	       a->pcp_free == b->pcp_free && a->used == b->used &&
	       a->below_low == b->below_low &&
	       a->wm_low_events == b->wm_low_events &&
	       a->in_use_blocks == b->in_use_blocks;
}

static bool stats_equal(const struct mm_stats *a, const struct mm_stats *b)
{
	bool ok = a->free_pages == b->free_pages &&
		  a->used_pages == b->used_pages &&
		  a->page_allocs - a->page_frees ==
			  b->page_allocs - b->page_frees &&
		  a->bad_frees == b->bad_frees &&
		  a->page_bad_frees == b->page_bad_frees &&
		  a->slab_pages == b->slab_pages &&
		  a->slab_active_objs == b->slab_active_objs &&
		  a->slab_num_objs == b->slab_num_objs &&
		  a->slab_allocs - a->slab_frees ==
			  b->slab_allocs - b->slab_frees &&
		  a->slab_corrupt == b->slab_corrupt &&
		  a->slab_bad_frees == b->slab_bad_frees &&
		  a->nr_caches == b->nr_caches;

	for (unsigned int i = 0; i < MAX_NR_ZONES; i++)
		ok &= zone_stats_equal(&a->zone[i], &b->zone[i]);
	return ok;
}

static bool snap_equal(struct ktest *t, const struct mm_snap *a,
		       const struct mm_snap *b)
{
	bool ok = a->nr_free == b->nr_free;

	if (!stats_equal(&a->st, &b->st)) {
		ktest_log(t,
			  "mm_stats differ: used %lu -> %lu, bad frees %lu "
			  "-> %lu, slab objects %lu -> %lu",
			  a->st.used_pages, b->st.used_pages, a->st.bad_frees,
			  b->st.bad_frees, a->st.slab_active_objs,
			  b->st.slab_active_objs);
		ok = false;
	}

	for (unsigned int i = 0; i < MAX_NR_ZONES; i++)
		ok &= !memcmp(&a->z[i], &b->z[i], sizeof(a->z[i]));
	ok &= a->nr_caches == b->nr_caches;
	for (unsigned int i = 0; ok && i < a->nr_caches; i++)
		if (memcmp(&a->c[i], &b->c[i], sizeof(a->c[i]))) {
			ktest_log(t,
				  "cache %s: %lu/%lu objects, %lu slabs -> "
				  "%lu/%lu, %lu",
				  kmem_cache_name(a->c[i].cache),
				  a->c[i].active, a->c[i].total, a->c[i].slabs,
				  b->c[i].active, b->c[i].total, b->c[i].slabs);
			ok = false;
		}
	ok &= txn_counters_equal(&a->txn, &b->txn);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		if (a->km_live[r] != b->km_live[r]) {
			ktest_log(t, "kmalloc row %u: %lu live -> %lu", r,
				  a->km_live[r], b->km_live[r]);
			ok = false;
		}
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
	uint64_t payload[5];
};

/* The tree's index cache (suite init/exit). */
static struct kmem_cache *index_cache;

/* A ring of descriptors, each with a DMA-able buffer, and a bounce buffer. */
struct desc {
	struct page *buf;
	phys_addr_t addr;
	uint32_t len, flags;
};

struct state {
	/* tree: a cache-object index, a page-backed buffer, kmalloc nodes */
	struct tnode **index;
	struct page *buffer;
	struct tnode *root;
	/* table: grown by doubling from a block that predates the run */
	struct page *table, *orig_table;
	unsigned int table_order;
	/* ring: descriptors in one block, DMA buffers, a bounce buffer */
	struct desc *ring;
	struct page *bounce;
	/* ktable: a kmalloc'd table grown by krealloc */
	uint64_t *ktable, *orig_ktable;
	size_t ktable_n;
};

static struct tnode *tree_insert(struct tnode **at, unsigned long key)
{
	struct tnode *n;

	while (*at)
		at = key < (*at)->key ? &(*at)->left : &(*at)->right;
	n = kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return NULL;
	*n = (struct tnode){.key = key};
	for (unsigned int i = 0; i < 5; i++)
		n->payload[i] = key * 31 + i;
	*at = n;
	return n;
}

static int tree_build(struct state *s)
{
	s->index = kmem_cache_alloc(index_cache, GFP_KERNEL | __GFP_ZERO);
	if (!s->index)
		return -1;
	s->buffer = alloc_pages(GFP_KERNEL, 3);
	if (!s->buffer)
		return -1;
	for (unsigned long i = 0; i < TREE_NODES; i++) {
		struct tnode *n = tree_insert(&s->root, (i * 7919) % 101);

		if (!n)
			return -1;
		s->index[i] = n;
	}
	return 0;
}

static unsigned long tree_count(const struct tnode *n, unsigned long lo,
				unsigned long hi, bool *ok)
{
	if (!n)
		return 0;
	if (n->key < lo || n->key > hi || n->payload[4] != n->key * 31 + 4 ||
	    ksize(n) < sizeof(*n))
		*ok = false;
	return 1 + tree_count(n->left, lo, n->key, ok) +
	       tree_count(n->right, n->key, hi, ok);
}

static bool tree_check(struct state *s)
{
	bool ok = true;

	return tree_count(s->root, 0, ~0UL, &ok) == TREE_NODES && ok &&
	       kmem_cache_obj_live(index_cache, s->index) &&
	       page_is_block(s->buffer, 3);
}

static void tree_destroy(struct state *s)
{
	for (unsigned int i = 0; i < TREE_NODES; i++)
		kfree(s->index[i]);
	free_pages(s->buffer, 3);
	kmem_cache_free(index_cache, s->index);
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

static int ring_setup_op(struct state *s)
{
	struct desc *d;

	s->ring = kcalloc(RING_SLOTS, sizeof(*s->ring), GFP_KERNEL);
	if (!s->ring)
		return -1;
	d = s->ring;
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
	struct desc *d = s->ring;

	for (unsigned int i = 0; i < RING_SLOTS; i++)
		if (!page_is_block(d[i].buf, 1) ||
		    page_zone(d[i].buf) != &zones[ZONE_DMA])
			return false;
	return page_is_block(s->bounce, 4);
}

static void ring_destroy(struct state *s)
{
	struct desc *d = s->ring;

	for (unsigned int i = 0; i < RING_SLOTS; i++)
		free_pages(d[i].buf, 1);
	free_pages(s->bounce, 4);
	kfree(s->ring);
}

/* A kmalloc'd table grown by krealloc, doubling, past the size classes. */
#define KTABLE_START 64 /* entries: 512 bytes */
#define KTABLE_MAX 4096 /* entries: 32 KiB, whole pages */

static uint64_t ktable_entry(size_t i)
{
	return i * 0x9e3779b97f4a7c15ULL;
}

static bool ktable_setup(struct state *s)
{
	s->orig_ktable = kmalloc(KTABLE_START * sizeof(uint64_t), GFP_KERNEL);
	if (!s->orig_ktable)
		return false;
	for (size_t i = 0; i < KTABLE_START; i++)
		s->orig_ktable[i] = ktable_entry(i);
	return true;
}

static int ktable_grow(struct state *s)
{
	uint64_t *t = s->orig_ktable, *bigger;
	size_t n = KTABLE_START;

	while (n < KTABLE_MAX) {
		bigger = krealloc(t, 2 * n * sizeof(*t), GFP_KERNEL);
		if (!bigger)
			return -1; /* t is still valid; the abort frees it */
		for (size_t i = n; i < 2 * n; i++)
			bigger[i] = ktable_entry(i);
		t = bigger;
		n *= 2;
	}
	s->ktable = t;
	s->ktable_n = n;
	return 0;
}

static bool ktable_ok(const uint64_t *t, size_t n)
{
	if (ksize(t) < n * sizeof(*t))
		return false;
	for (size_t i = 0; i < n; i++)
		if (t[i] != ktable_entry(i))
			return false;
	return true;
}

static bool ktable_check(struct state *s)
{
	return s->ktable_n == KTABLE_MAX && ktable_ok(s->ktable, KTABLE_MAX);
}

static void ktable_destroy(struct state *s)
{
	kfree(s->ktable);
	s->orig_ktable = NULL; /* moved: freed by the committed growth */
}

static bool ktable_intact(struct state *s)
{
	return ktable_ok(s->orig_ktable, KTABLE_START);
}

static void ktable_teardown(struct state *s)
{
	kfree(s->orig_ktable);
}

struct fp_op {
	const char *name;
	bool (*setup)(struct state *s); /* before any run (optional) */
	int (*run)(struct state *s); /* inside the transaction */
	bool (*check)(struct state *s); /* after the successful commit */
	void (*destroy)(struct state *s); /* frees what the commit kept */
	bool (*intact)(struct state *s); /* after each abort (optional) */
	void (*teardown)(struct state *s); /* after all (optional) */
	bool kmalloc; /* depends on the kmalloc mode */
};

static const struct fp_op ops[] = {
	{"tree", 0, tree_build, tree_check, tree_destroy, 0, 0, true},
	{"pages", table_setup, table_grow, table_check, table_destroy,
	 table_intact, table_teardown, false},
	{"krealloc", ktable_setup, ktable_grow, ktable_check, ktable_destroy,
	 ktable_intact, ktable_teardown, true},
	{"ring", 0, ring_setup_op, ring_check, ring_destroy, 0, 0, true},
};

/* The kmalloc configurations the kmalloc operations are proved in. */
static const struct {
	enum kmalloc_mode mode;
	bool debug;
} km_configs[] = {
	{KMALLOC_TWO_TIER, false},
	{KMALLOC_SIMPLE, false},
	{KMALLOC_HYBRID, false},
	{KMALLOC_TWO_TIER, true},
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
		uint64_t *keep_korig = s.orig_ktable;

		memset(&s, 0, sizeof(s));
		s.orig_table = keep_orig; /* what predates every run */
		s.orig_ktable = keep_korig;
		if (run_at(t, op, &s, k))
			break;
	}
	KT_ASSERT_LE(t, k, MAX_POINTS);
	KT_EXPECT_TRUE(t, op->check(&s));
	op->destroy(&s);
	if (op->teardown)
		op->teardown(&s);
	return k - 1;
}

static bool dma_zone_usable(void)
{
	struct page *pg = alloc_pages(GFP_DMA | __GFP_NOWARN, 4);

	if (pg)
		free_pages(pg, 4);
	return pg != NULL;
}

/*
 * Every operation in one kmalloc configuration (first: the others too);
 * one line: "kmalloc simple: tree 26, krealloc 6, ring 18".
 */
static unsigned long prove_all(struct ktest *t, const char *config, bool first,
			       unsigned int *n)
{
	unsigned long points = 0;
	char line[160];
	int len = ksnprintf(line, sizeof(line), "kmalloc %s:", config);

	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		unsigned long k;

		if (!first && !ops[i].kmalloc)
			continue;
		if (ops[i].run == ring_setup_op && !dma_zone_usable()) {
			len += ksnprintf(line + len, sizeof(line) - (size_t)len,
					 " %s skipped (no DMA zone)",
					 ops[i].name);
			continue;
		}
		k = prove(t, &ops[i]);
		len += ksnprintf(line + len, sizeof(line) - (size_t)len,
				 " %s %lu", ops[i].name, k);
		points += k;
		(*n)++;
	}
	ktest_log(t, "%s", line);
	return points;
}

static void test_failure_points(struct ktest *t)
{
	enum kmalloc_mode mode = kmalloc_get_mode();
	bool debug = kmalloc_get_debug();
	unsigned long base = free_now(), points = 0;
	unsigned int n = 0;
	char config[32];

	ktest_log(t, "failure points per operation: tree = 24 kmalloc nodes, "
		     "a cache index, an order-3 buffer; pages = a page table "
		     "doubled to order 4; krealloc = a kmalloc table doubled "
		     "by krealloc to 32 KiB; ring = a kcalloc'd ring of 16 "
		     "descriptors with GFP_DMA buffers and a bounce buffer");
	for (unsigned int c = 0; c < sizeof(km_configs) / sizeof(km_configs[0]);
	     c++) {
		if (kmalloc_set_mode(km_configs[c].mode)) {
			ktest_log(t, "kmalloc %s: not available here",
				  kmalloc_mode_name(km_configs[c].mode));
			continue;
		}
		kmalloc_set_debug(km_configs[c].debug);
		ksnprintf(config, sizeof(config), "%s%s",
			  kmalloc_mode_name(km_configs[c].mode),
			  km_configs[c].debug ? "+debug" : "");
		points += prove_all(t, config, c == 0, &n);
		kmalloc_set_debug(debug);
		kmalloc_set_mode(mode);
	}
	ktest_log(t, "proved %lu failure points over %u operation runs", points,
		  n);
	KT_EXPECT_GT(t, points, 100);
	KT_EXPECT_EQ(t, free_now(), base);
}

static const struct ktest_case failpoint_cases[] = {
	KTEST_CASE(test_failure_points),
	KTEST_END,
};

static int failpoint_init(void)
{
	index_cache = kmem_cache_create(
		"fp_index", TREE_NODES * sizeof(struct tnode *), 0, 0, NULL);
	return index_cache ? 0 : -1;
}

static void failpoint_exit(void)
{
	mm_fault_clear();
	if (index_cache)
		kmem_cache_destroy(index_cache);
	index_cache = NULL;
}
KTEST_SUITE_FULL(mm_failpoint, failpoint_cases, failpoint_init, failpoint_exit,
		 0);

/* SPDX-License-Identifier: MIT */
/*
 * Transactions against a model (suite mm_txn_walk): thousands of random
 * allocations (pages, cache objects, TLSF heap blocks, kmalloc blocks of
 * any size), frees, kreallocs, begins, commits and aborts, nested five
 * deep, on one hart and on every hart at once; after every step the model
 * and the allocators must agree.
 */
#include "kernel/ktest.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/txn.h"
#include "tests/kernel/txn_test.h"

/* ---- the random walk and its model -------------------------------------- */

#define WALK_OBJS 256
#define WALK_OPS 6000
#define WALK_DEPTH 5
#define WALK_OBJ_SIZE 200

/* The walk's own cache (suite init/exit). */
static struct kmem_cache *walk_cache;

enum wkind {
	W_PAGES,
	W_SLAB,
	W_HEAP,
	W_KMALLOC,
	W_NR_KINDS
};

/* The walk's own TLSF heap, on pages (suite init/exit). */
#define WALK_HEAP_ORDER 6
static struct k_heap walk_heap;
static struct page *walk_heap_pages;

/*
 * The model of one object: who owns it and whether a free is pending.
 * owner: the level that allocated it (0: before any transaction, or
 * committed all the way out); pending: the level holding a deferred free
 * (-1: none).  This is mm/txn.c's sections 5 and 6, restated.
 */
struct wobj {
	enum wkind kind;
	void *p; /* struct page, or the object */
	unsigned int order; /* pages */
	size_t size; /* kmalloc */
	int owner, pending;
	uint64_t tag;
};

struct walk {
	struct ktest *t;
	struct prng rng;
	struct wobj obj[WALK_OBJS];
	unsigned int nobj;
	struct mm_txn tx[WALK_DEPTH + 1]; /* tx[d] is level d (1-based) */
	int depth;
	unsigned long held; /* pages the model says are allocated */
	unsigned long held_objs; /* walk_cache objects likewise */
	unsigned long held_heap; /* walk_heap blocks likewise */
	unsigned long held_km; /* kmalloc blocks likewise */
	unsigned long km_base; /* live kmalloc blocks before the walk */
	unsigned long ops[6];
	struct mm_txn_stats want; /* what the counters must have counted */
	bool alone; /* no other hart allocates: global counts are exact */
};

static void *wobj_alloc(struct wobj *o)
{
	if (o->kind == W_PAGES)
		return alloc_pages(GFP_KERNEL, o->order);
	if (o->kind == W_HEAP)
		return k_heap_alloc(&walk_heap, WALK_OBJ_SIZE, K_NO_WAIT);
	if (o->kind == W_SLAB)
		return kmem_cache_alloc(walk_cache, GFP_KERNEL);
	return kmalloc(o->size, GFP_KERNEL);
}

static void wobj_free(const struct wobj *o)
{
	if (o->kind == W_PAGES)
		free_pages(o->p, o->order);
	else if (o->kind == W_HEAP)
		k_heap_free(&walk_heap, o->p);
	else if (o->kind == W_SLAB)
		kmem_cache_free(walk_cache, o->p);
	else
		kfree(o->p);
}

static int tag_byte(const struct wobj *o)
{
	return (int)(o->tag & 0xff);
}

static void wobj_tag(const struct wobj *o)
{
	if (o->kind == W_PAGES)
		tag_fill(o->p, o->order, o->tag);
	else
		memset(o->p, tag_byte(o),
		       o->kind == W_KMALLOC ? o->size : WALK_OBJ_SIZE);
}

/* A live kmalloc block (ksize() is 0 for a zero-size one). */
static bool km_live(const void *p)
{
	struct kmem_cache *c;

	return ksize(p) ||
	       ((c = kmem_cache_of(p)) && kmem_cache_obj_live(c, p));
}

/* Allocated, with the contents it was given. */
static bool wobj_ok(const struct wobj *o)
{
	if (o->kind == W_PAGES)
		return page_is_block(o->p, o->order) &&
		       tag_ok(o->p, o->order, o->tag);
	if (o->kind == W_HEAP)
		return k_heap_usable_size(&walk_heap, o->p) &&
		       mem_is_filled(o->p, tag_byte(o), WALK_OBJ_SIZE);
	if (o->kind == W_SLAB)
		return kmem_cache_obj_live(walk_cache, o->p) &&
		       mem_is_filled(o->p, tag_byte(o), WALK_OBJ_SIZE);
	return km_live(o->p) && ksize(o->p) >= o->size &&
	       mem_is_filled(o->p, tag_byte(o), o->size);
}

static void wobj_forget(struct walk *w, unsigned int i)
{
	if (w->obj[i].kind == W_PAGES)
		w->held -= 1UL << w->obj[i].order;
	else if (w->obj[i].kind == W_HEAP)
		w->held_heap--;
	else if (w->obj[i].kind == W_SLAB)
		w->held_objs--;
	else
		w->held_km--;
	w->obj[i] = w->obj[--w->nobj];
}

/* Mostly small blocks, some large (whole pages), now and then size 0. */
static size_t walk_size(struct walk *w)
{
	unsigned int r = (unsigned int)prng_below(&w->rng, 32);

	if (r == 0)
		return 0;
	if (r < 3)
		return 4097 + prng_below(&w->rng, 16000);
	return 1 + prng_below(&w->rng, 3000);
}

static void held_add_obj(struct walk *w, const struct wobj *o)
{
	if (o->kind == W_PAGES)
		w->held += 1UL << o->order;
	else if (o->kind == W_HEAP)
		w->held_heap++;
	else if (o->kind == W_SLAB)
		w->held_objs++;
	else
		w->held_km++;
}

static void walk_alloc(struct walk *w)
{
	struct wobj *o = &w->obj[w->nobj];

	if (w->nobj == WALK_OBJS)
		return;
	o->kind = (enum wkind)prng_below(&w->rng, W_NR_KINDS);
	o->order =
		o->kind == W_PAGES ? (unsigned int)prng_below(&w->rng, 3) : 0;
	o->size = o->kind == W_KMALLOC ? walk_size(w) : 0;
	o->p = wobj_alloc(o);
	KT_ASSERT_NOT_NULL(w->t, o->p);
	o->owner = w->depth;
	o->pending = -1;
	o->tag = prng_next(&w->rng);
	w->want.logged += w->depth > 0;
	wobj_tag(o);
	w->nobj++;
	held_add_obj(w, o);
}

/* The model's side of freeing object i. */
static void model_free(struct walk *w, unsigned int i)
{
	if (w->obj[i].owner == w->depth) {
		w->want.cancelled += w->depth > 0;
		wobj_forget(w, i); /* same level (or no transaction): gone */
	} else {
		w->obj[i].pending = w->depth; /* deferred */
		w->want.deferred++;
	}
}

/* Free a random object that is not already freed (pending). */
static void walk_free(struct walk *w)
{
	unsigned int i;

	if (!w->nobj)
		return;
	/* half the time the newest object: freed in its own level, often */
	i = prng_below(&w->rng, 2) ? w->nobj - 1
				   : (unsigned int)prng_below(&w->rng, w->nobj);
	if (w->obj[i].pending >= 0)
		return;
	wobj_free(&w->obj[i]);
	model_free(w, i);
}

/*
 * krealloc a random kmalloc block.  In place: the same block, nothing
 * allocated or freed.  Moved: a new block (logged) with the old contents,
 * and the old one freed as kfree would (deferred if older).
 */
static void walk_realloc(struct walk *w)
{
	unsigned int i;
	struct wobj *o, *n;
	size_t size = walk_size(w), keep;
	void *p;

	if (!w->nobj || w->nobj == WALK_OBJS)
		return;
	i = (unsigned int)prng_below(&w->rng, w->nobj);
	o = &w->obj[i];
	if (o->kind != W_KMALLOC || o->pending >= 0)
		return;
	p = krealloc(o->p, size, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(w->t, p);
	keep = size < o->size ? size : o->size;
	KT_ASSERT_TRUE(w->t, mem_is_filled(p, tag_byte(o), keep));
	if (p == o->p) {
		o->size = size;
		wobj_tag(o);
		return;
	}
	n = &w->obj[w->nobj++];
	*n = *o;
	n->p = p;
	n->size = size;
	n->owner = w->depth;
	n->pending = -1;
	wobj_tag(n);
	held_add_obj(w, n);
	w->want.logged += w->depth > 0;
	model_free(w, i);
}

static void walk_begin(struct walk *w)
{
	if (w->depth == WALK_DEPTH)
		return;
	KT_ASSERT_EQ(w->t, mm_txn_begin(&w->tx[w->depth + 1]), 0);
	w->depth++;
}

static void walk_commit(struct walk *w)
{
	int d = w->depth;

	if (!d)
		return;
	KT_ASSERT_EQ(w->t, mm_txn_commit(&w->tx[d]), 0);
	w->depth--;
	for (unsigned int i = w->nobj; i-- > 0;) {
		struct wobj *o = &w->obj[i];

		if (o->owner == d)
			o->owner = d - 1;
		if (o->pending == d)
			o->pending = d - 1;
		if (o->pending == 0) {
			w->want.deferred_done++; /* outermost commit */
			wobj_forget(w, i);
		} else if (o->pending > 0 && o->pending == o->owner) {
			w->want.cancelled++; /* folded into its own level */
			wobj_forget(w, i);
		}
	}
}

static void walk_abort(struct walk *w)
{
	int d = w->depth;

	if (!d)
		return;
	KT_ASSERT_EQ(w->t, mm_txn_abort(&w->tx[d]), 0);
	w->depth--;
	for (unsigned int i = w->nobj; i-- > 0;) {
		if (w->obj[i].owner == d) {
			wobj_forget(w, i); /* rolled back */
			w->want.rolled_back++;
		} else if (w->obj[i].pending == d) {
			w->obj[i].pending = -1; /* restored */
			w->want.restored++;
		}
	}
}

/*
 * Every object the model holds is allocated, with its contents; with no
 * transaction open (logs hold memory of their own) the free pages and the
 * cache's objects are exact.
 */
static unsigned long km_live_blocks(void)
{
	static struct kmalloc_stats st;
	unsigned long n = 0;

	kmalloc_stats_get(&st);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		n += st.row[r].live;
	return n;
}

static void walk_check(struct walk *w, unsigned long base)
{
	struct kmem_cache_stats st;
	struct k_heap_stats hs;
	unsigned long slab_pages;

	for (unsigned int i = 0; i < w->nobj; i++)
		KT_ASSERT_TRUE(w->t, wobj_ok(&w->obj[i]));
	if (w->depth || !w->alone)
		return;
	KT_ASSERT_EQ(w->t, km_live_blocks(), w->km_base + w->held_km);
	kmalloc_shrink();
	slab_reclaim();
	kmem_cache_get_stats(walk_cache, &st);
	slab_pages = st.nr_slabs << walk_cache->kc_order;
	KT_ASSERT_EQ(w->t, st.active_objs, w->held_objs);
	k_heap_stats_get(&walk_heap, &hs);
	KT_ASSERT_EQ(w->t, hs.used_blocks, w->held_heap);
	if (!w->held_km) /* kmalloc's pages are not the model's to count */
		KT_ASSERT_EQ(w->t, nr_free_pages(),
			     base - w->held - slab_pages);
}

static void walk_step(struct walk *w)
{
	static const unsigned char odds[6] = {36, 22, 8, 12, 11, 11};
	unsigned int r = (unsigned int)prng_below(&w->rng, 100), op = 0;

	while (r >= odds[op])
		r -= odds[op++];
	w->ops[op]++;
	if (op == 0)
		walk_alloc(w);
	else if (op == 1)
		walk_free(w);
	else if (op == 2)
		walk_realloc(w);
	else if (op == 3)
		walk_begin(w);
	else if (op == 4)
		walk_commit(w);
	else
		walk_abort(w);
}

/*
 * Thousands of random allocations, frees, begins, commits and aborts,
 * nested up to 5 deep, against the model: after every step each object
 * the model holds is an allocated block with its contents, and with no
 * transaction open the free page count is exact.
 */
/*
 * Cleanup action for a walk cut short: the runner has rolled back the
 * transactions it left open (their allocations are gone, their deferred
 * frees undone), so what is left is what the model allocated outside any
 * transaction.
 */
static void walk_cleanup(void *arg)
{
	struct walk *w = arg;

	for (unsigned int i = 0; i < w->nobj; i++)
		if (w->obj[i].owner == 0 && w->obj[i].p)
			wobj_free(&w->obj[i]);
	w->nobj = 0;
}

static struct walk hart_walks[NR_CPUS];

static void walk_cleanup_harts(void *unused)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		walk_cleanup(&hart_walks[cpu]);
}

static void test_random_walk(struct ktest *t)
{
	static struct walk w;
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;

	memset(&w, 0, sizeof(w));
	ktest_add_action_or_reset(t, walk_cleanup, &w);
	w.t = t;
	w.alone = true;
	w.km_base = km_live_blocks();
	prng_seed(&w.rng, 0x7478a11);
	mm_txn_stats(&s0);
	for (unsigned int i = 0; i < WALK_OPS; i++) {
		walk_step(&w);
		walk_check(&w, base);
	}
	while (w.depth)
		walk_commit(&w);
	while (w.nobj) {
		wobj_free(&w.obj[0]);
		wobj_forget(&w, 0);
	}
	mm_txn_stats(&s1);
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_TRUE(t, mm_validate());
	KT_EXPECT_EQ(t, s1.logged - s0.logged, w.want.logged);
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, w.want.rolled_back);
	KT_EXPECT_EQ(t, s1.deferred - s0.deferred, w.want.deferred);
	KT_EXPECT_EQ(t, s1.restored - s0.restored, w.want.restored);
	KT_EXPECT_EQ(t, s1.deferred_done - s0.deferred_done,
		     w.want.deferred_done);
	KT_EXPECT_EQ(t, s1.cancelled - s0.cancelled, w.want.cancelled);
	KT_EXPECT_EQ(t, s1.double_frees - s0.double_frees, 0);
	KT_EXPECT_GT(t, w.want.restored, 50); /* every path was taken */
	KT_EXPECT_GT(t, w.want.cancelled, 50);
	KT_EXPECT_GT(t, w.want.deferred_done, 50);
	ktest_log(t,
		  "%u steps: %lu allocs, %lu frees, %lu kreallocs, %lu begins, "
		  "%lu commits, %lu aborts; %lu rolled back, %lu restored, "
		  "%lu cancelled, %lu deferred frees done",
		  WALK_OPS, w.ops[0], w.ops[1], w.ops[2], w.ops[3], w.ops[4],
		  w.ops[5], w.want.rolled_back, w.want.restored,
		  w.want.cancelled, w.want.deferred_done);
}

static void walk_on_hart(struct ktest *t, void *arg)
{
	struct walk *w = &hart_walks[arch_cpu_id()];
	unsigned long base = *(unsigned long *)arg;

	w->t = t;
	prng_seed(&w->rng, 0x7478a11 + arch_cpu_id());
	for (unsigned int i = 0; i < WALK_OPS / 4; i++) {
		walk_step(w);
		walk_check(w, base);
	}
	while (w->depth)
		walk_abort(w);
	while (w->nobj) {
		wobj_free(&w->obj[0]);
		wobj_forget(w, 0);
	}
}

/*
 * Every hart walks at once, each against its own model: their frees look
 * into each other's logs (a free not in the own log is searched for in
 * every other open one before it is deferred), under the log locks.
 */
static void test_random_walk_all_harts(struct ktest *t)
{
	unsigned long base = free_now();
	struct mm_txn_stats s0, s1;
	unsigned long rolled = 0, restored = 0;

	memset(hart_walks, 0, sizeof(hart_walks));
	ktest_add_action_or_reset(t, walk_cleanup_harts, NULL);
	mm_txn_stats(&s0);
	ktest_on_all_cpus(t, walk_on_hart, &base);
	mm_txn_stats(&s1);
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		rolled += hart_walks[cpu].want.rolled_back;
		restored += hart_walks[cpu].want.restored;
	}
	KT_EXPECT_EQ(t, s1.rolled_back - s0.rolled_back, rolled);
	KT_EXPECT_EQ(t, s1.restored - s0.restored, restored);
	KT_EXPECT_EQ(t, s1.taken_out - s0.taken_out, 0);
	KT_EXPECT_EQ(t, s1.double_frees - s0.double_frees, 0);
	KT_EXPECT_EQ(t, free_now(), base);
	KT_EXPECT_TRUE(t, mm_validate());
	ktest_log(t, "%u harts: %lu rolled back, %lu restored", arch_nr_cpus(),
		  rolled, restored);
}

static const struct ktest_case walk_cases[] = {
	KTEST_CASE(test_random_walk),
	KTEST_CASE(test_random_walk_all_harts),
	KTEST_END,
};

static void walk_exit(void);

/* Half a setup is undone: a skipped suite's exit() is not called. */
static int walk_init(void)
{
	walk_cache = kmem_cache_create("txn_walk", WALK_OBJ_SIZE, 0, 0, NULL);
	walk_heap_pages = alloc_pages(GFP_KERNEL, WALK_HEAP_ORDER);
	if (walk_heap_pages &&
	    k_heap_init(&walk_heap, "txn_walk", page_address(walk_heap_pages),
			PAGE_SIZE << WALK_HEAP_ORDER)) {
		free_pages(walk_heap_pages, WALK_HEAP_ORDER);
		walk_heap_pages = NULL;
	}
	if (walk_cache && walk_heap_pages)
		return 0;
	walk_exit();
	return -1;
}

static void walk_exit(void)
{
	if (walk_cache)
		kmem_cache_destroy(walk_cache);
	if (walk_heap_pages) {
		k_heap_remove(&walk_heap);
		free_pages(walk_heap_pages, WALK_HEAP_ORDER);
	}
	walk_cache = NULL;
	walk_heap_pages = NULL;
}
KTEST_SUITE_FULL(mm_txn_walk, walk_cases, walk_init, walk_exit, 0);

/* SPDX-License-Identifier: MIT */
/*
 * The slab layer (suite slab): geometry (order, waste, alignment),
 * allocation and free, constructors, random operations with fixed seeds
 * over caches of odd sizes checking contents and overlap, the lock-free
 * per-CPU fast path, refills bounded on sparse slabs, shrink, destroy with live objects, all harts at once
 * with cross-hart frees.
 */
#include "tests/kernel/slab_test.h"
#include "tests/kernel/kt_cleanup.h"
#include "lib/prng.h"
#include "lib/spinlock.h"

/* ---- geometry ------------------------------------------------------------- */

static const struct {
	size_t size, align;
	unsigned int flags;
} shapes[] = {
	{8, 0, 0},
	{13, 0, 0},
	{24, 8, 0},
	{72, 16, 0},
	{100, 0, SLAB_HWCACHE_ALIGN},
	{200, 64, 0},
	{333, 0, 0},
	{1000, 32, 0},
	{2048, 2048, 0},
	{3000, 0, 0},
	{4096, 4096, 0},
	{5000, 8, 0},
	{8192, 0, 0},
	{12288, 0, 0},
	{32768, 4096, 0},
	{24, 0, SLAB_DEBUG},
	{4096, 0, SLAB_DEBUG},
};
#define NR_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

static void test_geometry(struct ktest *t)
{
	for (unsigned int i = 0; i < NR_SHAPES; i++) {
		struct kmem_cache *c = kt_cache_at_end(
			t, kmem_cache_create("geom", shapes[i].size,
					     shapes[i].align, shapes[i].flags,
					     NULL));
		unsigned long bytes, waste;

		KT_ASSERT_NOT_NULL(t, c);
		bytes = PAGE_SIZE << c->kc_order;
		waste = bytes - (unsigned long)c->kc_objs * c->kc_stride;
		KT_EXPECT_EQ(t, c->kc_slab_bytes, bytes);
		KT_EXPECT_GE(t, c->kc_objs, 1);
		KT_EXPECT_LT(t, waste * 8, bytes);
		KT_EXPECT_GE(t, c->kc_stride, shapes[i].size);
		KT_EXPECT_EQ(t, kmem_cache_size(c), shapes[i].size);
		if (shapes[i].align)
			KT_EXPECT_EQ(t, c->kc_align % shapes[i].align, 0);
		if (shapes[i].flags & SLAB_HWCACHE_ALIGN)
			KT_EXPECT_EQ(t, c->kc_align % CACHE_LINE, 0);
		/* The order is the smallest that keeps waste under 1/8,
		 * from SLAB_BIG_ORDER up for objects above a page. */
		if (c->kc_stride > PAGE_SIZE)
			KT_EXPECT_GE(t, c->kc_order, SLAB_BIG_ORDER);
		if (c->kc_order >
		    (c->kc_stride > PAGE_SIZE ? SLAB_BIG_ORDER : 0)) {
			unsigned long b = bytes / 2, n = b / c->kc_stride;

			KT_EXPECT_TRUE(t,
				       !n || (b - n * c->kc_stride) * 8 >= b);
		}
		ktest_log(t,
			  "size %4zu align %4zu%s: stride %4u order %u "
			  "objs %3u waste %4lu (%lu.%lu%%)",
			  shapes[i].size, shapes[i].align,
			  shapes[i].flags & SLAB_DEBUG ? " debug" : "",
			  c->kc_stride, c->kc_order, c->kc_objs, waste,
			  waste * 100 / bytes, waste * 1000 / bytes % 10);
		KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
	}
}

static void test_bad_create(struct ktest *t)
{
	KT_EXPECT_NULL(
		t, kt_cache_at_end(t, kmem_cache_create("bad", 0, 0, 0, NULL)));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, kt_cache_at_end(t, kmem_cache_create("bad", 64, 24, 0,
							       NULL)));
	KT_EXPECT_NULL(t, kt_cache_at_end(t, kmem_cache_create("bad", 64,
							       2 * PAGE_SIZE, 0,
							       NULL)));
	KT_EXPECT_NULL(t, kt_cache_at_end(t, kmem_cache_create("bad", 64, 0,
							       0x80000, NULL)));
	KT_EXPECT_NULL(
		t, kt_cache_at_end(t, kmem_cache_create(NULL, 64, 0, 0, NULL)));
	KT_EXPECT_NULL(t,
		       kt_cache_at_end(t, kmem_cache_create("bad", 64UL << 20,
							    0, 0, NULL)));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
}

/* ---- basic use -------------------------------------------------------------- */

static void test_alloc_free(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("basic-40", 40, 8, 0, NULL));
	void *a, *b;

	KT_ASSERT_NOT_NULL(t, c);
	KT_EXPECT_EQ(t, strcmp(kmem_cache_name(c), "basic-40"), 0);
	a = kmem_cache_alloc(c, GFP_KERNEL);
	b = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, a);
	KT_ASSERT_NOT_NULL(t, b);
	KT_EXPECT_NE(t, (uintptr_t)a, (uintptr_t)b);
	KT_EXPECT_EQ(t, (uintptr_t)a % 8, 0);
	KT_EXPECT_TRUE(t, kmem_cache_of(a) == c);
	KT_EXPECT_TRUE(t, kmem_cache_of((char *)a + 17) == c);
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(c, a));
	KT_EXPECT_FALSE(t, kmem_cache_obj_live(c, (char *)a + 8));
	memset(a, 0xff, 40); /* the free word is the user's while live */
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(c, a));
	kmem_cache_free(c, a);
	KT_EXPECT_FALSE(t, kmem_cache_obj_live(c, a));
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(c, b));
	/* LIFO: the object just freed comes back first (hot in cache). */
	KT_EXPECT_TRUE(t, kmem_cache_alloc(c, GFP_KERNEL) == a);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	kmem_cache_free(c, NULL);
	KT_EXPECT_NULL(t, kmem_cache_of(&c)); /* the stack */
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static void test_zero_and_gfp(struct ktest *t)
{
	struct kmem_cache *c = kt_cache_at_end(
		t, kmem_cache_create("zero-100", 100, 0, 0, NULL));
	unsigned char *p;

	KT_ASSERT_NOT_NULL(t, c);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, p);
	memset(p, 0x77, 100);
	kmem_cache_free(c, p);
	p = kmem_cache_alloc(c, GFP_KERNEL | __GFP_ZERO);
	KT_ASSERT_NOT_NULL(t, p);
	KT_EXPECT_TRUE(t, mem_is_filled(p, 0, 100));
	kmem_cache_free(c, p);
	KT_EXPECT_NULL(t, kmem_cache_alloc(c, 0x4000000));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	p = kmem_cache_alloc(c, GFP_DMA);
	KT_ASSERT_NOT_NULL(t, p);
	kmem_cache_free(c, p);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* ---- constructor ---------------------------------------------------------------- */

#define CTOR_MAGIC 0xc0ffee5eedULL

static unsigned long ctor_calls;

static void ctor(void *obj)
{
	uint64_t *w = obj;

	w[0] = CTOR_MAGIC;
	w[1] = (uintptr_t)obj;
	__atomic_fetch_add(&ctor_calls, 1, __ATOMIC_RELAXED);
}

static void test_ctor(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("ctor-48", 48, 0, 0, ctor));
	uint64_t *objs[100];

	KT_ASSERT_NOT_NULL(t, c);
	ctor_calls = 0;
	for (unsigned int i = 0; i < 100; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, objs[i]);
		KT_EXPECT_EQ(t, objs[i][0], CTOR_MAGIC);
		KT_EXPECT_EQ(t, objs[i][1], (uintptr_t)objs[i]);
	}
	/* Run once per object of each new slab, not per allocation. */
	KT_EXPECT_EQ(t, ctor_calls, c->kc_nr_grow * c->kc_objs);
	for (unsigned int i = 0; i < 100; i++)
		kmem_cache_free(c, objs[i]);
	/* Constructed state survives while free (the free word is apart). */
	for (unsigned int i = 0; i < 100; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, objs[i]);
		KT_EXPECT_EQ(t, objs[i][0], CTOR_MAGIC);
	}
	KT_EXPECT_EQ(t, ctor_calls, c->kc_nr_grow * c->kc_objs);
	for (unsigned int i = 0; i < 100; i++)
		kmem_cache_free(c, objs[i]);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* ---- random operations ------------------------------------------------------------ */

#define LIVE_MAX 1024

static void test_random(struct ktest *t)
{
	struct kmem_cache *caches[8];
	static struct live_set ls;
	struct prng r;
	unsigned int nc = 0;
	unsigned long ops = 0;

	KT_ASSERT_TRUE(t, live_init(t, &ls, LIVE_MAX));
	for (unsigned int i = 0; i < NR_SHAPES && nc < 8; i++) {
		if (shapes[i].flags & SLAB_DEBUG || i % 2)
			continue;
		caches[nc] = kt_cache_at_end(
			t, kmem_cache_create("rand", shapes[i].size,
					     shapes[i].align, shapes[i].flags,
					     NULL));
		KT_ASSERT_NOT_NULL(t, caches[nc]);
		nc++;
	}
	prng_seed(&r, 20240601);
	for (; ops < 20000; ops++)
		live_random_op(t, &ls, &r, caches, nc);
	KT_EXPECT_TRUE(t, live_no_overlap(&ls));
	KT_EXPECT_TRUE(t, slab_validate());
	live_release(t, &ls);
	ktest_log(t, "%lu random operations over %u caches", ops, nc);
	for (unsigned int i = 0; i < nc; i++)
		KT_EXPECT_EQ(t, kt_cache_destroy(t, caches[i]), 0);
	live_done(t, &ls);
}

/* ---- the fast path ----------------------------------------------------------------- */

static void test_fast_path_lock_free(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("fast-64", 64, 0, 0, NULL));
	unsigned int cpu = arch_cpu_id();
	unsigned long locks, flags;
	uint64_t t0, ta = 0, tf = 0, tn = 0;
	void *p;

	KT_ASSERT_NOT_NULL(t, c);
	p = kmem_cache_alloc(c, GFP_KERNEL); /* warm: refill once */
	kmem_cache_free(c, p);
	locks = spin_acquisitions(cpu);
	for (unsigned int i = 0; i < 1000; i++) {
		flags = arch_irq_save(); /* count this hart's work only */
		t0 = arch_read_instret();
		p = kmem_cache_alloc(c, GFP_KERNEL);
		ta += arch_read_instret() - t0;
		t0 = arch_read_instret();
		kmem_cache_free(c, p);
		tf += arch_read_instret() - t0;
		t0 = arch_read_instret();
		tn += arch_read_instret() - t0; /* the measuring itself */
		arch_irq_restore(flags);
	}
	KT_EXPECT_EQ(t, spin_acquisitions(cpu), locks);
	KT_EXPECT_EQ(t, c->kc_cpu[cpu].cc_nr_refill, 1);
	if (ta) /* exact under QEMU -icount; meaningless without */
		ktest_log(t,
			  "instructions per call (exact under QEMU -icount "
			  "only): kmem_cache_alloc %lu, "
			  "kmem_cache_free %lu (measuring cost %lu taken off)",
			  (unsigned long)((ta - tn) / 1000),
			  (unsigned long)((tf - tn) / 1000),
			  (unsigned long)(tn / 1000));
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/*
 * A refill visits at most SLAB_REFILL_SLABS slabs, however sparse the
 * partial list (mm/slab.c section 2, "Bounded refills").  The cache is
 * made of 40 full slabs; a fixed-seed random one object in 48 is freed
 * and the magazine flushed (kmem_cache_shrink()), so that the partial
 * slabs hold one or two free objects each.  Then every allocation that
 * refilled this hart's magazine must have taken its objects -- the one
 * returned and those left in the magazine -- from at most
 * SLAB_REFILL_SLABS slabs, and at least one object.  Irqs stay off around
 * each allocation and its inspection: the magazine is this hart's only.
 */
#define SPARSE_SLABS 40

static unsigned int slabs_in_magazine(struct kmem_cache *c,
				      struct kmem_cache_cpu *cc, void *first)
{
	uintptr_t seen[SLAB_MAG_MAX + 1];
	unsigned int n = 0;

	for (unsigned int i = 0; i <= cc->cc_avail && i <= SLAB_MAG_MAX; i++) {
		void *obj = i < cc->cc_avail ? cc->cc_objs[i] : first;
		uintptr_t base = (uintptr_t)obj & ~(c->kc_slab_bytes - 1);
		unsigned int j = 0;

		while (j < n && seen[j] != base)
			j++;
		if (j == n)
			seen[n++] = base;
	}
	return n;
}

static void test_refill_bounded(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("sparse-64", 64, 0, 0, NULL));
	unsigned int cpu = arch_cpu_id(), total, live, refills = 0, worst = 0;
	void **objs = alloc_pages_addr(GFP_KERNEL, 3);
	struct prng r;

	KT_ASSERT_NOT_NULL(t, c);
	KT_ASSERT_NOT_NULL(t, objs);
	kt_pages_at_end(t, virt_to_page(objs), 3);
	total = SPARSE_SLABS * c->kc_objs;
	KT_ASSERT_LE(t, total * sizeof(void *), PAGE_SIZE << 3);
	for (unsigned int i = 0; i < total; i++) {
		objs[i] = kmem_cache_alloc_really(c, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, objs[i]);
	}
	prng_seed(&r, 20261205);
	live = 0;
	for (unsigned int i = 0; i < total; i++) {
		if (prng_below(&r, 48) == 0)
			kmem_cache_free(c, objs[i]);
		else
			objs[live++] = objs[i];
	}
	kmem_cache_shrink(c); /* the magazines go back to the slabs */
	KT_EXPECT_GT(t, c->kc_nr_partial, SLAB_REFILL_SLABS);
	while (live < total) {
		unsigned long flags = arch_irq_save();
		struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];
		unsigned long before = cc->cc_nr_refill;
		void *p = kmem_cache_alloc(c, GFP_KERNEL);
		unsigned int slabs = 0;

		if (p && cc->cc_nr_refill != before) {
			refills++;
			slabs = slabs_in_magazine(c, cc, p);
		}
		arch_irq_restore(flags);
		if (!p)
			break; /* an injected failure: the property stands */
		objs[live++] = p;
		if (slabs > worst)
			worst = slabs;
	}
	KT_EXPECT_GT(t, refills, 0);
	KT_EXPECT_LE(t, worst, SLAB_REFILL_SLABS);
	KT_EXPECT_TRUE(t, slab_validate());
	ktest_log(t, "%u refills, at most %u slabs each (bound %u)", refills,
		  worst, SLAB_REFILL_SLABS);
	for (unsigned int i = 0; i < live; i++)
		kmem_cache_free(c, objs[i]);
	kt_release_pages(t, virt_to_page(objs), 3);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* ---- shrink, destroy ----------------------------------------------------------------- */

static void test_shrink(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("shrink-256", 256, 0, 0, NULL));
	unsigned long start, released;
	void **objs = alloc_pages_addr(GFP_KERNEL, 1);
	struct kmem_cache_stats st;

	KT_ASSERT_NOT_NULL(t, c);
	KT_ASSERT_NOT_NULL(t, objs);
	kt_pages_at_end(t, virt_to_page(objs), 1);
	start = nr_free_pages();
	for (unsigned int i = 0; i < 1000; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, objs[i]);
	}
	KT_EXPECT_LT(t, nr_free_pages(), start);
	for (unsigned int i = 0; i < 1000; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.nr_alloc - st.nr_free, 0);
	KT_EXPECT_GT(t, st.cached, 0); /* the magazine kept some */
	KT_EXPECT_LE(t, c->kc_nr_free, SLAB_FREE_RESERVE);
	released = kmem_cache_shrink(c);
	KT_EXPECT_GT(t, released, 0);
	KT_EXPECT_EQ(t, nr_free_pages(), start);
	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.cached, 0);
	KT_EXPECT_EQ(t, st.nr_slabs, 0);
	KT_EXPECT_EQ(t, kmem_cache_shrink(c), 0);
	kt_release_pages(t, virt_to_page(objs), 1);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static bool count_live(struct kmem_cache *c, void *obj, unsigned long site,
		       void *arg)
{
	(*(unsigned long *)arg)++;
	return true;
}

static void test_destroy_busy(struct ktest *t)
{
	struct kmem_cache *c = kt_cache_at_end(
		t, kmem_cache_create("busy-32", 32, 0, 0, NULL));
	void *objs[3];
	unsigned long n = 0;

	KT_ASSERT_NOT_NULL(t, c);
	for (unsigned int i = 0; i < 3; i++)
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), -MM_EBUSY);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBUSY);
	KT_EXPECT_EQ(t, kmem_cache_walk_live(c, count_live, &n), 3);
	KT_EXPECT_EQ(t, n, 3);
	/* Still usable. */
	kmem_cache_free(c, objs[1]);
	objs[1] = kmem_cache_alloc(c, GFP_KERNEL);
	KT_EXPECT_NOT_NULL(t, objs[1]);
	KT_EXPECT_TRUE(t, slab_validate());
	for (unsigned int i = 0; i < 3; i++)
		kmem_cache_free(c, objs[i]);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* ---- all harts ------------------------------------------------------------------------- */

#define MAILBOXES 64

struct smp_run {
	struct kmem_cache *caches[3];
	unsigned long mailbox[MAILBOXES]; /* object | cache index, or 0 */
	unsigned long damage, no_mem, invalid;
};

static void smp_free(struct smp_run *run, unsigned long v)
{
	struct kmem_cache *c = run->caches[v & 7];
	void *obj = (void *)(v & ~7UL);

	if (!pattern_ok(obj, kmem_cache_size(c)))
		__atomic_fetch_add(&run->damage, 1, __ATOMIC_RELAXED);
	kmem_cache_free(c, obj);
}

static void smp_worker(struct ktest *t, void *arg)
{
	struct smp_run *run = arg;
	unsigned int cpu = arch_cpu_id();
	void *mine[32] = {0};
	unsigned int which[32];
	struct prng r;

	prng_seed(&r, 4242 + cpu);
	for (unsigned int i = 0; i < 20000; i++) {
		unsigned int k = (unsigned int)prng_below(&r, 32);
		unsigned long old;

		if (!mine[k]) {
			which[k] = (unsigned int)prng_below(&r, 3);
			mine[k] = kmem_cache_alloc(run->caches[which[k]],
						   GFP_KERNEL | __GFP_NOWARN);
			if (!mine[k]) {
				__atomic_fetch_add(&run->no_mem, 1,
						   __ATOMIC_RELAXED);
				continue;
			}
			pattern_fill(mine[k],
				     kmem_cache_size(run->caches[which[k]]));
		} else if (prng_below(&r, 2)) {
			/* Hand it to whichever hart takes the mailbox. */
			old = __atomic_exchange_n(
				&run->mailbox[prng_below(&r, MAILBOXES)],
				(unsigned long)mine[k] | which[k],
				__ATOMIC_ACQ_REL);
			mine[k] = NULL;
			if (old)
				smp_free(run, old);
		} else {
			smp_free(run, (unsigned long)mine[k] | which[k]);
			mine[k] = NULL;
		}
		if (cpu == 0 && i % 5000 == 4999 && !slab_validate())
			__atomic_fetch_add(&run->invalid, 1, __ATOMIC_RELAXED);
	}
	for (unsigned int k = 0; k < 32; k++)
		if (mine[k])
			smp_free(run, (unsigned long)mine[k] | which[k]);
}

static void test_all_harts(struct ktest *t)
{
	static struct smp_run run;
	unsigned long before;
	static const size_t sizes[3] = {24, 136, 1000};

	memset(&run, 0, sizeof(run));
	for (unsigned int i = 0; i < 3; i++) {
		run.caches[i] = kt_cache_at_end(
			t, kmem_cache_create("smp", sizes[i], 8, 0, NULL));
		KT_ASSERT_NOT_NULL(t, run.caches[i]);
	}
	before = nr_free_pages();
	ktest_on_all_cpus(t, smp_worker, &run);
	for (unsigned int i = 0; i < MAILBOXES; i++)
		if (run.mailbox[i])
			smp_free(&run, run.mailbox[i]);
	KT_EXPECT_EQ(t, run.damage, 0);
	KT_EXPECT_EQ(t, run.no_mem, 0);
	KT_EXPECT_EQ(t, run.invalid, 0);
	KT_EXPECT_TRUE(t, mm_validate());
	for (unsigned int i = 0; i < 3; i++) {
		struct kmem_cache_stats st;

		kmem_cache_get_stats(run.caches[i], &st);
		KT_EXPECT_EQ(t, st.nr_alloc, st.nr_free);
		KT_EXPECT_EQ(t, st.nr_bad_free, 0);
		kmem_cache_shrink(run.caches[i]);
	}
	KT_EXPECT_EQ(t, nr_free_pages(), before);
	ktest_log(t, "%u harts x 20000 operations, cross-hart frees",
		  arch_nr_cpus());
	for (unsigned int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, kt_cache_destroy(t, run.caches[i]), 0);
}

static const struct ktest_case slab_cases[] = {
	KTEST_CASE(test_geometry),
	KTEST_CASE(test_bad_create),
	KTEST_CASE(test_alloc_free),
	KTEST_CASE(test_zero_and_gfp),
	KTEST_CASE(test_ctor),
	KTEST_CASE(test_random),
	KTEST_CASE(test_fast_path_lock_free),
	KTEST_CASE(test_refill_bounded),
	KTEST_CASE(test_shrink),
	KTEST_CASE(test_destroy_busy),
	KTEST_CASE(test_all_harts),
	KTEST_END,
};
KTEST_SUITE(slab, slab_cases);

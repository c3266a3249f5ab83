// SPDX-License-Identifier: MIT
/*
 * DMA buffers and pools (mm/dma.c, mm/dma_pool.c): every buffer and block
 * inside ZONE_DMA below the limit, zeroed, pool blocks aligned and never
 * across the boundary, no overlap, contents intact through random
 * operations; mismatched and double frees; fault injection; transaction
 * rollback; all harts sharing a pool.  Both edges of mm.dma_limit: with
 * no DMA zone (mm.dma_limit=0) the cases that need one skip and
 * test_no_dma_zone checks that every allocation fails cleanly; with a DMA
 * zone that is all of RAM (a limit at or beyond RAM) they all run.
 *
 * Every buffer, pool (with the blocks it holds) and fault rule a case
 * creates goes to a cleanup action (tests/kernel/kt_cleanup.h) at once,
 * so a case cut short by an injected failure (mm.fail=) leaves nothing
 * behind; the transactions a case leaves open are rolled back by the
 * runner.
 */
#include "kernel/ktest.h"
#include "mm/dma.h"
#include "mm/fault.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/txn.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "tests/kernel/kt_cleanup.h"
#include "tests/kernel/kt_retry.h"
#include "tests/kernel/txn_test.h"

static dma_addr_t dma_base(void)
{
	return (dma_addr_t)zones[ZONE_DMA].start_pfn << PAGE_SHIFT;
}

/* [dma, dma + size) inside ZONE_DMA and the CPU address maps to it. */
static bool placed_ok(const void *v, dma_addr_t dma, size_t size)
{
	return dma >= dma_base() && dma + size <= dma_limit() &&
	       arch_virt_to_phys(v) == dma;
}

/* dma_alloc() and dma_pool_alloc(), an injected failure retried
 * (kt_retry.h): exhausting the zone means "until memory runs out". */
static void *dma_alloc_really(size_t size, dma_addr_t *d, gfp_t gfp)
{
	return KT_RETRY_INJECTED(dma_alloc(size, d, gfp));
}

static void *dma_pool_alloc_really(struct dma_pool *p, gfp_t gfp, dma_addr_t *d)
{
	return KT_RETRY_INJECTED(dma_pool_alloc(p, gfp, d));
}

/* Skip a case that needs DMA memory when mm.dma_limit=0 left none. */
static void need_dma_zone(struct ktest *t)
{
	if (!zones[ZONE_DMA].managed_pages)
		ktest_skip(t, "no DMA zone (mm.dma_limit=0); test_no_dma_zone "
			      "checks that case");
}

static void test_buffers(struct ktest *t)
{
	enum {
		N = 24
	};
	static void *v[N];
	static dma_addr_t d[N];
	static size_t n[N];
	static struct kt_dma_array bufs = {v, d, n, 0, N};
	unsigned int bad = 0, dirty = 0;
	struct dma_stats st;
	struct prng r;

	need_dma_zone(t);
	kt_dma_array_at_end(t, &bufs);
	prng_seed(&r, 0xd3a);
	KT_EXPECT_LE(t, dma_limit() - dma_base(), mm_dma_limit);
	for (unsigned int i = 0; i < N; i++) {
		n[i] = 1 + prng_below(&r, 5 * PAGE_SIZE);
		v[i] = dma_alloc(n[i], &d[i], GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, v[i]);
		bad += !placed_ok(v[i], d[i], n[i]) || (d[i] & (PAGE_SIZE - 1));
		dirty += !mem_is_filled(v[i], 0, n[i]);
		memset(v[i], (int)i + 1, n[i]);
	}
	dma_stats_get(&st);
	KT_EXPECT_EQ(t, st.buffers, N);
	KT_EXPECT_TRUE(t, dma_validate());
	for (unsigned int i = 0; i < N; i++) {
		bad += !mem_is_filled(v[i], (int)i + 1, n[i]);
		dma_free(v[i], n[i], d[i]);
		v[i] = NULL;
	}
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_EQ(t, dirty, 0);
	dma_stats_get(&st);
	KT_EXPECT_EQ(t, st.buffers, 0);
	KT_EXPECT_EQ(t, st.buffer_pages, 0);
}

/*
 * The DMA zone runs out; the Normal zone is never used instead.  When the
 * DMA zone is all of RAM there is no Normal zone to prove that with, and
 * a zone above 512 MiB is too large to exhaust here.
 */
static void test_zone_exhaustion(struct ktest *t)
{
	enum {
		MAX = 8192
	};
	static void *v[MAX];
	static dma_addr_t d[MAX];
	static struct kt_dma_array bufs = {v, d, NULL, 16 * PAGE_SIZE, MAX};
	unsigned int n = 0, outside = 0;

	need_dma_zone(t);
	if (zones[ZONE_DMA].managed_pages >= MAX * 16UL)
		ktest_skip(t, "DMA zone of 512 MiB or more: too large to "
			      "exhaust here");
	kt_dma_array_at_end(t, &bufs);
	while (n < MAX &&
	       (v[n] = dma_alloc_really(16 * PAGE_SIZE, &d[n],
					GFP_KERNEL | __GFP_NOWARN))) {
		outside += !placed_ok(v[n], d[n], 16 * PAGE_SIZE);
		n++;
	}
	KT_EXPECT_LT(t, n, MAX);
	KT_EXPECT_TRUE(t, mm_last_error() == MM_ENOMEM ||
				  mm_last_error() == MM_EWATERMARK);
	ktest_log(t,
		  "%u buffers of 64 KiB before ZONE_DMA (%llu MiB) ran "
		  "out",
		  n, (unsigned long long)(dma_limit() - dma_base()) >> 20);
	KT_EXPECT_EQ(t, outside, 0);
	if (zones[ZONE_NORMAL].managed_pages) /* free pages left elsewhere */
		KT_EXPECT_GT(t, zone_free_pages(&zones[ZONE_NORMAL]), 0);
	else
		ktest_log(t, "no Normal zone: the DMA zone is all of RAM");
	KT_EXPECT_TRUE(t, dma_validate());
	ktest_release_action(t, kt_dma_array_action, &bufs);
}

/* mm.dma_limit=0: no DMA zone, so every buffer and pool block is refused. */
static void test_no_dma_zone(struct ktest *t)
{
	struct dma_stats before, after;
	struct dma_pool *p;
	dma_addr_t d;

	if (zones[ZONE_DMA].managed_pages)
		ktest_skip(t, "there is a DMA zone (boot with mm.dma_limit=0)");
	dma_stats_get(&before);
	KT_EXPECT_NULL(t, dma_alloc(100, &d, GFP_KERNEL | __GFP_NOWARN));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	p = kt_dma_pool_at_end(t, dma_pool_create("ktest-nodma", 64, 64, 0));
	if (p) { /* a pool needs no memory until its first block */
		KT_EXPECT_NULL(
			t, dma_pool_alloc(p, GFP_KERNEL | __GFP_NOWARN, &d));
		KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
		KT_EXPECT_EQ(t, kt_dma_pool_destroy(t, p), 0);
	}
	dma_stats_get(&after);
	KT_EXPECT_EQ(t, after.buffers, before.buffers);
	KT_EXPECT_GT(t, after.nr_fail, before.nr_fail);
	KT_EXPECT_TRUE(t, dma_validate());
}

static void test_bad_frees(struct ktest *t)
{
	static unsigned long stray[4];
	struct dma_stats before, after;
	struct page *pg;
	dma_addr_t d, e;
	void *v, *w;

	need_dma_zone(t);

	v = kt_dma_at_end(t, dma_alloc(2 * PAGE_SIZE, &d, GFP_KERNEL),
			  2 * PAGE_SIZE);
	w = kt_dma_at_end(t, dma_alloc(100, &e, GFP_KERNEL), 100);
	/* DMA-zone memory, not a buffer */
	pg = kt_pages_at_end(t, alloc_pages(GFP_DMA, 0), 0);
	KT_ASSERT_TRUE(t, v && w && pg);
	memset(v, 0x3c, 2 * PAGE_SIZE);
	dma_stats_get(&before);
	ktest_log(t, "seven refused frees are expected below");
	dma_free(NULL, 10, 0); /* nothing */
	dma_free(stray, 8, 0); /* not a page start */
	dma_free((char *)v + PAGE_SIZE, PAGE_SIZE, d + PAGE_SIZE); /* tail */
	dma_free(v, PAGE_SIZE, d); /* wrong size (order 0, not 1) */
	dma_free(v, 2 * PAGE_SIZE, d + 4096); /* wrong bus address */
	dma_free(page_address(pg), PAGE_SIZE, page_to_phys(pg));
	dma_free(w, 100, e);
	kt_forget_dma(t, w, 100);
	dma_free(w, 100, e); /* double free */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	dma_free(v, 5000, d); /* the same order: accepted */
	kt_forget_dma(t, v, 2 * PAGE_SIZE);
	dma_free(v, 5000, d); /* double free */
	dma_stats_get(&after);
	KT_EXPECT_EQ(t, after.nr_bad_free - before.nr_bad_free, 7);
	KT_EXPECT_EQ(t, after.nr_free - before.nr_free, 2);
	KT_EXPECT_NULL(t, dma_alloc(0, &d, GFP_KERNEL));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, dma_alloc(8, NULL, GFP_KERNEL));
	KT_EXPECT_NULL(t, dma_alloc(PAGE_SIZE << MAX_ORDER, &d, GFP_KERNEL));
	kt_release_pages(t, pg, 0);
	KT_EXPECT_TRUE(t, dma_validate());
}

/* ---- pools ------------------------------------------------------------------ */

static bool crosses(dma_addr_t d, size_t size, size_t boundary)
{
	return boundary && d / boundary != (d + size - 1) / boundary;
}

struct geo {
	size_t size, align, boundary;
};

static void pool_random(struct ktest *t, const struct geo *g, uint64_t seed)
{
	enum {
		LIVE = 300
	};
	static unsigned char *v[LIVE];
	static dma_addr_t d[LIVE];
	unsigned int nr = 0, bad = 0, damaged = 0;
	struct dma_pool *p = kt_dma_pool_at_end(
		t, dma_pool_create("ktest", g->size, g->align, g->boundary));
	size_t align = g->align ? g->align : 8;
	struct dma_pool_stats st;
	struct prng r;

	KT_ASSERT_NOT_NULL(t, p);
	prng_seed(&r, seed);
	for (unsigned int op = 0; op < 3000; op++) {
		unsigned int i = nr ? (unsigned int)prng_below(&r, nr) : 0;

		if (nr == LIVE || (nr && prng_below(&r, 5) < 2)) {
			damaged += !mem_is_filled(v[i], (unsigned char)d[i],
						  g->size);
			dma_pool_free(p, v[i], d[i]);
			v[i] = v[--nr];
			d[i] = d[nr];
			continue;
		}
		v[nr] = dma_pool_alloc(p, GFP_KERNEL | __GFP_ZERO, &d[nr]);
		if (!v[nr] && mm_last_error() == MM_EFAULT_INJECTED)
			continue; /* mm.fail= said no: the pool is untouched */
		KT_ASSERT_NOT_NULL(t, v[nr]);
		bad += !placed_ok(v[nr], d[nr], g->size) ||
		       (d[nr] & (align - 1)) ||
		       crosses(d[nr], g->size, g->boundary) ||
		       !mem_is_filled(v[nr], 0, g->size);
		for (unsigned int j = 0; j < nr; j++)
			bad += d[j] < d[nr] + g->size && d[nr] < d[j] + g->size;
		memset(v[nr], (unsigned char)d[nr], g->size);
		nr++;
	}
	dma_pool_stats_get(p, &st);
	KT_EXPECT_EQ(t, st.in_use, nr);
	KT_EXPECT_TRUE(t, dma_validate());
	KT_EXPECT_EQ(t, dma_pool_destroy(p), -MM_EBUSY);
	while (nr--)
		dma_pool_free(p, v[nr], d[nr]);
	ktest_log(t,
		  "size %zu align %zu boundary %zu: stride %zu, %u per "
		  "chunk, %lu chunks held before the frees",
		  g->size, g->align, g->boundary, st.stride, st.per_chunk,
		  st.chunks);
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_EQ(t, damaged, 0);
	dma_pool_stats_get(p, &st);
	KT_EXPECT_EQ(t, st.chunks, 0); /* empty chunks go back */
	KT_EXPECT_EQ(t, kt_dma_pool_destroy(t, p), 0);
}

static void test_pool_geometries(struct ktest *t)
{
	static const struct geo geos[] = {
		{64, 64, 4096}, {24, 8, 0},	 {100, 16, 128},
		{48, 0, 64},	{32, 256, 64},	 {3000, 64, 4096},
		{5000, 8, 0},	{200, 32, 1024}, {8, 8, 8},
	};

	need_dma_zone(t);

	ktest_log(t, "each geometry: one refused destroy (busy) expected");
	for (unsigned int i = 0; i < sizeof(geos) / sizeof(geos[0]); i++)
		pool_random(t, &geos[i], 0x900d + i);
}

static void test_pool_rejects(struct ktest *t)
{
	struct dma_pool *p;
	dma_addr_t d, e;
	char *a, *b;

	need_dma_zone(t);

	KT_EXPECT_NULL(t, dma_pool_create("x", 0, 8, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, dma_pool_create("x", 64, 24, 0)); /* align */
	KT_EXPECT_NULL(t, dma_pool_create("x", 64, 8, 32)); /* < size */
	KT_EXPECT_NULL(t, dma_pool_create("x", 64, 8, 96)); /* not 2^n */
	p = kt_dma_pool_at_end(t, dma_pool_create("ktest", 64, 64, 0));
	KT_ASSERT_NOT_NULL(t, p);
	a = dma_pool_alloc(p, GFP_KERNEL, &d);
	b = dma_pool_alloc(p, GFP_KERNEL, &e);
	KT_ASSERT_TRUE(t, a && b);
	ktest_log(t, "five refused frees are expected below");
	dma_pool_free(p, a + 8, d + 8); /* interior */
	dma_pool_free(p, a, e); /* the other block's bus address */
	dma_pool_free(p, a + 128, d + 128); /* never handed out */
	dma_pool_free(p, &d, 0); /* not in the pool */
	dma_pool_free(p, b, e);
	dma_pool_free(p, b, e); /* double free */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_NULL(t, dma_pool_alloc(p, GFP_KERNEL, NULL));
	dma_pool_free(p, a, d);
	KT_EXPECT_EQ(t, kt_dma_pool_destroy(t, p), 0);
}

/* ---- hooks -------------------------------------------------------------------- */

static void test_fault_injection(struct ktest *t)
{
	struct mm_fault_attr attr;
	struct dma_stats st;
	dma_addr_t d;

	mm_fault_attr_init(&attr);
	attr.kinds = 1u << MM_KIND_DMA;
	attr.nth = 1;
	KT_ASSERT_EQ(t, kt_fault_set(t, &attr), 0);
	KT_EXPECT_NULL(t,
		       kt_dma_at_end(t, dma_alloc(100, &d, GFP_KERNEL), 100));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EFAULT_INJECTED);
	KT_EXPECT_EQ(t, mm_fault_clear(), 1);
	kt_fault_end(t); /* the boot rule (mm.fail=), if any, is back */
	dma_stats_get(&st);
	KT_EXPECT_EQ(t, st.buffers, 0);
}

static void test_txn_abort(struct ktest *t)
{
	struct dma_stats before, after;
	unsigned long free0;
	dma_addr_t d, kd;
	struct mm_txn tx;
	struct dma_pool *p;
	void *keep, *kb;

	need_dma_zone(t);
	p = kt_dma_pool_at_end(t, dma_pool_create("ktest", 256, 64, 4096));
	KT_ASSERT_NOT_NULL(t, p);
	keep = kt_dma_at_end(t, dma_alloc(3000, &kd, GFP_KERNEL), 3000);
	kb = dma_pool_alloc(p, GFP_KERNEL, &d); /* the pool's action frees it */
	KT_ASSERT_TRUE(t, keep && kb);
	free0 = free_now();
	dma_stats_get(&before);
	KT_ASSERT_EQ(t, mm_txn_begin(&tx), 0);
	for (unsigned int i = 0; i < 20; i++) {
		dma_addr_t x;

		/* Refused calls in between leave nothing for the abort. */
		KT_EXPECT_NOT_NULL(
			t, dma_alloc_really(1 + i * 900, &x, GFP_KERNEL));
		KT_EXPECT_NOT_NULL(t, dma_pool_alloc_really(p, GFP_ATOMIC, &x));
	}
	dma_free(keep, 3000, kd); /* deferred: restored by the abort */
	dma_pool_free(p, kb, d);
	KT_EXPECT_EQ(t, mm_txn_abort(&tx), 0);
	dma_stats_get(&after);
	KT_EXPECT_EQ(t, after.buffers, before.buffers);
	KT_EXPECT_EQ(t, after.buffer_pages, before.buffer_pages);
	KT_EXPECT_EQ(t, after.chunks, before.chunks);
	KT_EXPECT_EQ(t, after.blocks, before.blocks);
	KT_EXPECT_EQ(t, free_now(), free0);
	KT_EXPECT_TRUE(t, mm_validate());
	dma_free(keep, 3000, kd);
	kt_forget_dma(t, keep, 3000);
	dma_pool_free(p, kb, d);
	KT_EXPECT_EQ(t, kt_dma_pool_destroy(t, p), 0);
}

/* ---- all harts ------------------------------------------------------------------ */

struct smp_state {
	struct dma_pool *pool;
	unsigned long bad;
};

static void smp_churn(void *arg)
{
	struct smp_state *s = arg;
	unsigned char tag = (unsigned char)(arch_cpu_id() + 1);
	unsigned char *v[32] = {0};
	dma_addr_t d[32];
	struct prng r;

	prng_seed(&r, 1234 + tag);
	for (unsigned int round = 0; round < 1500; round++) {
		unsigned int i = (unsigned int)prng_below(&r, 32);

		if (v[i]) {
			if (!mem_is_filled(v[i], tag, 96))
				__atomic_fetch_add(&s->bad, 1,
						   __ATOMIC_RELAXED);
			dma_pool_free(s->pool, v[i], d[i]);
		}
		v[i] = dma_pool_alloc(s->pool, GFP_ATOMIC, &d[i]);
		if (!v[i] && mm_last_error() == MM_EFAULT_INJECTED)
			continue; /* mm.fail= said no: the pool is untouched */
		if (!v[i] || crosses(d[i], 96, 512)) {
			__atomic_fetch_add(&s->bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		memset(v[i], tag, 96);
	}
	for (unsigned int i = 0; i < 32; i++)
		dma_pool_free(s->pool, v[i], v[i] ? d[i] : 0);
}

static void test_all_harts(struct ktest *t)
{
	static struct smp_state s;

	need_dma_zone(t);

	s.bad = 0;
	s.pool = kt_dma_pool_at_end(t,
				    dma_pool_create("ktest-smp", 96, 32, 512));
	KT_ASSERT_NOT_NULL(t, s.pool);
	arch_run_on_all_cpus(smp_churn, &s);
	KT_EXPECT_EQ(t, s.bad, 0);
	KT_EXPECT_TRUE(t, dma_validate());
	KT_EXPECT_EQ(t, kt_dma_pool_destroy(t, s.pool), 0);
}

static const struct ktest_case dma_cases[] = {
	KTEST_CASE(test_buffers),	  KTEST_CASE(test_zone_exhaustion),
	KTEST_CASE(test_no_dma_zone),	  KTEST_CASE(test_bad_frees),
	KTEST_CASE(test_pool_geometries), KTEST_CASE(test_pool_rejects),
	KTEST_CASE(test_fault_injection), KTEST_CASE(test_txn_abort),
	KTEST_CASE(test_all_harts),	  KTEST_END,
};
KTEST_SUITE(dma, dma_cases);

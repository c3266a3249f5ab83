/* SPDX-License-Identifier: MIT */
/*
 * Zones, flags and limits (page_zones) and exhaustion (page_exhaust):
 * GFP_DMA stays in DMA, GFP_KERNEL prefers Normal and falls back only above
 * the lowmem reserve, watermarks stop ordinary requests at min and
 * GFP_ATOMIC (also from the timer interrupt) at half of it, other harts'
 * per-CPU pages are found before failing, and every zone empties at every
 * order and merges back to the very same free blocks.
 */
#include "tests/kernel/page_test.h"
#include "lib/string.h"

/* ---- page_zones ------------------------------------------------------------- */

static void test_dma_only_dma(struct ktest *t)
{
	struct zone *dma = &zones[ZONE_DMA];
	struct page *pg;

	for (unsigned int i = 0; i < 64; i++) {
		unsigned int o = i % 6;
		pg = alloc_pages(GFP_DMA | __GFP_NOWARN, o);
		if (zone_is_empty(dma)) {
			KT_EXPECT_NULL(t, pg);
			KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
			continue;
		}
		if (!pg) /* a small DMA zone may run out: not a Normal page */
			continue;
		KT_EXPECT_TRUE(t, page_in_zone(dma, pg, o));
		free_pages(pg, o);
	}
}

/*
 * GFP_KERNEL takes a Normal page whenever Normal has a free block of the
 * order (order 0: its per-CPU list too), and falls back to DMA only when
 * it has none: on a small machine (32M) Normal may hold no free 4 MiB
 * block after the boot's suites, which is no reason to fail.
 */
static void test_kernel_prefers_normal(struct ktest *t)
{
	struct zone *normal = &zones[ZONE_NORMAL];
	unsigned int from_normal = 0;

	if (zone_is_empty(normal))
		ktest_skip(t, "Normal zone is empty");
	for (unsigned int o = 0; o < MAX_ORDER; o += 2) {
		bool had = o == 0 || zone_has_block(normal, o);
		struct page *pg = alloc_pages(GFP_KERNEL, o);

		KT_ASSERT_NOT_NULL(t, pg);
		KT_EXPECT_TRUE(t, page_in_zone(had ? normal : &zones[ZONE_DMA],
					       pg, o));
		from_normal += page_in_zone(normal, pg, o);
		free_pages(pg, o);
	}
	KT_EXPECT_GT(t, from_normal, 0);
}

static struct page *irq_pages[2];
static bool irq_saw_irq;
static void irq_atomic_alloc(void *arg)
{
	irq_saw_irq = arch_in_irq();
	irq_pages[0] = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
	irq_pages[1] = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 3);
}

/*
 * Bring z down to high + 256 free pages, then: ordinary requests stop at
 * exactly min, GFP_ATOMIC (from the timer interrupt too) at min - min/2,
 * __GFP_MEMALLOC at zero.
 */
static void check_watermarks(struct ktest *t, struct zone *z)
{
	unsigned long min = z->wmark[WMARK_MIN], before = nr_free_pages();
	unsigned long events = z->wm_low_events;
	gfp_t gfp = zone_gfp(z);
	static struct held_set s;

	if (z->managed_pages < z->wmark[WMARK_HIGH] + 512)
		ktest_skip(t, "zone too small");
	KT_ASSERT_TRUE(t, held_init_zone(t, &s, z));
	KT_EXPECT_TRUE(t, hold_zone_down(&s, z, z->wmark[WMARK_HIGH] + 256));
	KT_EXPECT_GT(t, held_fill(&s, gfp, 0), 0);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EWATERMARK);
	KT_EXPECT_EQ(t, zone_free_pages(z), min);
	KT_EXPECT_GT(t, z->wm_low_events, events);
	if (z == &zones[ZONE_NORMAL] && min / 2 >= 16) {
		KT_ASSERT_TRUE(t, arch_call_from_irq(irq_atomic_alloc, NULL));
		KT_EXPECT_TRUE(t, irq_saw_irq);
		KT_EXPECT_NOT_NULL(t, irq_pages[0]);
		KT_EXPECT_NOT_NULL(t, irq_pages[1]);
		if (irq_pages[0])
			KT_EXPECT_TRUE(t, page_in_zone(z, irq_pages[0], 0));
		free_pages(irq_pages[0], 0);
		free_pages(irq_pages[1], 3);
	}
	KT_EXPECT_GT(t, held_fill(&s, gfp | GFP_ATOMIC, 0), 0);
	KT_EXPECT_EQ(t, zone_free_pages(z), min - min / 2);
	held_fill(&s, gfp | __GFP_MEMALLOC, 0);
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	KT_EXPECT_EQ(t, zone_free_pages(z), 0);
	held_done(t, &s);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

static void test_watermarks_normal(struct ktest *t)
{
	check_watermarks(t, &zones[ZONE_NORMAL]);
}

static void test_watermarks_dma(struct ktest *t)
{
	check_watermarks(t, &zones[ZONE_DMA]);
}

/*
 * With Normal empty, GFP_KERNEL takes DMA pages only while DMA keeps
 * min + lowmem_reserve; GFP_DMA may still go down to min.
 */
static void test_fallback_keeps_reserve(struct ktest *t)
{
	struct zone *dma = &zones[ZONE_DMA], *normal = &zones[ZONE_NORMAL];
	unsigned long floor = dma->wmark[WMARK_MIN] + dma->lowmem_reserve;
	unsigned long before = nr_free_pages(), n, first;
	static struct held_set s;
	struct page *pg;

	if (zone_is_empty(dma) || zone_is_empty(normal))
		ktest_skip(t, "needs both zones");
	if (dma->managed_pages < floor + 64)
		ktest_skip(t, "DMA zone too small");
	KT_ASSERT_TRUE(t, held_init_zone(t, &s, normal));
	KT_EXPECT_TRUE(t, hold_zone_down(&s, normal, 0));
	KT_EXPECT_EQ(t, zone_free_pages(normal), 0);
	KT_EXPECT_TRUE(t, hold_zone_down(&s, dma, floor + 64));
	first = s.n;
	n = held_fill(&s, GFP_KERNEL, 0);
	KT_EXPECT_GT(t, n, 0);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EWATERMARK);
	KT_EXPECT_EQ(t, zone_free_pages(dma), floor);
	for (unsigned long i = first; i < s.n; i++)
		KT_EXPECT_TRUE(t, page_in_zone(dma, held_page(&s, i), 0));
	pg = alloc_pages(GFP_DMA, 0);
	KT_EXPECT_NOT_NULL(t, pg);
	free_pages(pg, 0);
	held_done(t, &s);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

struct stash {
	unsigned int self; /* the hart running the test */
	unsigned long stashed;
};

/* Other harts leave pages on their per-CPU lists. */
static void stash_pages(void *arg)
{
	struct stash *s = arg;
	struct page *pg[8];

	if (arch_cpu_id() == s->self)
		return;
	for (unsigned int i = 0; i < 8; i++)
		pg[i] = alloc_pages(zone_gfp(&zones[ZONE_NORMAL]) |
					    __GFP_MEMALLOC | __GFP_NOWARN,
				    0);
	for (unsigned int i = 0; i < 8; i++)
		free_pages(pg[i], 0);
	__atomic_fetch_add(&s->stashed, 8, __ATOMIC_RELAXED);
}

/* An empty zone finds the pages other harts keep: no false OOM. */
static void test_drains_other_harts(struct ktest *t)
{
	struct zone *z = &zones[ZONE_NORMAL];
	struct stash st = {arch_cpu_id(), 0};
	unsigned long before = nr_free_pages(), free;
	static struct held_set s;

	if (arch_nr_cpus() < 2 || zone_is_empty(z))
		ktest_skip(t, "needs 2 harts and a Normal zone");
	KT_ASSERT_TRUE(t, held_init_zone(t, &s, z));
	KT_EXPECT_TRUE(t, hold_zone_down(&s, z, 1024));
	arch_run_on_all_cpus(stash_pages, &st);
	KT_EXPECT_EQ(t, st.stashed, 8 * (arch_nr_cpus() - 1));
	free = zone_free_pages(z);
	KT_EXPECT_GT(
		t, free - __atomic_load_n(&z->free_pages, __ATOMIC_RELAXED), 0);
	KT_EXPECT_EQ(t, held_fill(&s, zone_gfp(z) | __GFP_MEMALLOC, 0), free);
	KT_EXPECT_EQ(t, zone_free_pages(z), 0);
	held_done(t, &s);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

static const struct ktest_case page_zones_cases[] = {
	KTEST_CASE(test_dma_only_dma),
	KTEST_CASE(test_kernel_prefers_normal),
	KTEST_CASE(test_watermarks_normal),
	KTEST_CASE(test_watermarks_dma),
	KTEST_CASE(test_fallback_keeps_reserve),
	KTEST_CASE(test_drains_other_harts),
	KTEST_END,
};
KTEST_SUITE(page_zones, page_zones_cases);

/* ---- page_exhaust ------------------------------------------------------------ */

/* One bit per frame of the zone: set while a held block covers it. */
struct frame_map {
	uint64_t *bits;
	unsigned long base; /* pfn of bit 0, 64-aligned */
	unsigned int order; /* of the bitmap's own block */
	struct page *pg;
};

static bool fmap_init(struct frame_map *m, const struct zone *z)
{
	unsigned long bytes;

	m->base = z->start_pfn & ~63UL;
	bytes = ((z->end_pfn - m->base + 63) / 64) * 8;
	for (m->order = 0; (PAGE_SIZE << m->order) < bytes; m->order++)
		;
	m->pg = alloc_pages(GFP_KERNEL | __GFP_ZERO, m->order);
	m->bits = m->pg ? page_address(m->pg) : NULL;
	return m->pg != NULL;
}

/* Mark [pfn, pfn + n); false if any frame was already marked. */
static bool fmap_claim(struct frame_map *m, unsigned long pfn, unsigned long n)
{
	unsigned long i = pfn - m->base;
	bool ok = true;

	if (n >= 64 && !(i & 63)) {
		for (unsigned long w = i / 64; w < (i + n) / 64; w++) {
			ok &= m->bits[w] == 0;
			m->bits[w] = ~0ULL;
		}
		return ok;
	}
	for (unsigned long b = i; b < i + n; b++) {
		ok &= !(m->bits[b / 64] & (1ULL << (b % 64)));
		m->bits[b / 64] |= 1ULL << (b % 64);
	}
	return ok;
}

/* Hold z down to a bounded rest, then take order-o blocks until NULL. */
static void exhaust_at(struct ktest *t, struct zone *z, unsigned int o,
		       struct held_set *s, struct frame_map *m)
{
	gfp_t gfp = zone_gfp(z) | __GFP_MEMALLOC;
	unsigned long start = zone_free_pages(z), got = 0, overlaps = 0;

	KT_EXPECT_TRUE(t, hold_zone_down(s, z, 2048));
	held_fill(s, gfp, o);
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	for (unsigned int k = o; k < MAX_ORDER; k++)
		KT_EXPECT_EQ(t, zone_free_blocks(z, k), 0);
	if (o == 0)
		KT_EXPECT_EQ(t, zone_free_pages(z), 0);
	memset(m->bits, 0, PAGE_SIZE << m->order);
	for (unsigned long i = 0; i < s->n; i++) {
		struct page *pg = held_page(s, i);
		unsigned int order = held_order(s, i);

		KT_EXPECT_TRUE(t, page_in_zone(z, pg, order));
		KT_EXPECT_TRUE(t, (pg->flags & PG_head) && pg->order == order);
		overlaps += !fmap_claim(m, page_to_pfn(pg), 1UL << order);
		got += 1UL << order;
	}
	KT_EXPECT_EQ(t, overlaps, 0);
	KT_EXPECT_EQ(t, got + zone_free_pages(z), start);
	held_release(s);
}

static void exhaust_zone(struct ktest *t, struct zone *z)
{
	struct area_snap boot, now;
	struct frame_map m;
	static struct held_set s;

	if (zone_is_empty(z))
		ktest_skip(t, "zone is empty");
	KT_ASSERT_TRUE(t, fmap_init(&m, z));
	if (!held_init_zone(t, &s, z)) {
		free_pages(m.pg, m.order);
		KT_ASSERT_TRUE(t, false);
	}
	drain_all_pages();
	area_snap_take(z, &boot);
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		exhaust_at(t, z, o, &s, &m);
		drain_all_pages();
		area_snap_take(z, &now);
		KT_EXPECT_TRUE(t, area_snap_equal(&boot, &now));
	}
	held_done(t, &s);
	free_pages(m.pg, m.order);
}

static void test_exhaust_dma(struct ktest *t)
{
	exhaust_zone(t, &zones[ZONE_DMA]);
}

static void test_exhaust_normal(struct ktest *t)
{
	exhaust_zone(t, &zones[ZONE_NORMAL]);
}

static const struct ktest_case page_exhaust_cases[] = {
	KTEST_CASE(test_exhaust_dma),
	KTEST_CASE(test_exhaust_normal),
	KTEST_END,
};
KTEST_SUITE(page_exhaust, page_exhaust_cases);

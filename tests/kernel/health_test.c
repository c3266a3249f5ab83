/* SPDX-License-Identifier: MIT */
/*
 * The health checker (suite mm_health): the unusable free space index on
 * known free-area layouts (computed and real), verdict transitions driven
 * by emptying and refilling zones with the console lines they log, the
 * failure-rate window, corruption (a bad free, a counter made to lie),
 * the statistics agreeing with the structures after random work, and
 * mm_report()'s layout.  Console output is captured with printk_capture_start().
 */
#include "tests/kernel/page_test.h"
#include "lib/printk.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "mm/internal.h"

/* ---- capturing the console ------------------------------------------------ */

static char cap[24576];

/* Every console line from here to cap_stop() goes into cap too. */
static void cap_start(void)
{
	if (!printk_capture_start(cap, sizeof(cap))) {
		printk_capture_stop(); /* left running by a failed case */
		printk_capture_start(cap, sizeof(cap));
	}
}

static void cap_stop(void)
{
	printk_capture_stop();
}

/* First occurrence of s in the capture at or after from, or NULL. */
static const char *cap_find(const char *from, const char *s)
{
	return strstr(from ? from : cap, s);
}

static unsigned long parse_ulong(const char *p)
{
	unsigned long v = 0;

	while (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned long)(*p++ - '0');
	return v;
}

/* ---- helpers ---------------------------------------------------------------- */

/* Take every free page of z (per-CPU lists included) into s. */
static bool hold_zone_empty(struct held_set *s, struct zone *z)
{
	for (int i = 0; i < 4 && zone_free_pages(z); i++) {
		if (!hold_zone_down(s, z, 0))
			return false;
		drain_all_pages();
	}
	return zone_free_pages(z) == 0;
}

static unsigned long buddy_free(const struct zone *z)
{
	return READ_ONCE(z->free_pages);
}

/* The zone for the layout tests: DMA when it has room, else Normal. */
static struct zone *small_zone(void)
{
	struct zone *z = &zones[ZONE_DMA];

	return z->managed_pages >= z->wmark[WMARK_HIGH] + 1024
		       ? z
		       : &zones[ZONE_NORMAL];
}

/* ---- the index ---------------------------------------------------------------- */

/* Linux's form: suitable blocks counted in units of 2^order. */
static unsigned int linux_unusable(const unsigned long nr_free[MAX_ORDER],
				   unsigned int order)
{
	unsigned long free = 0, suitable = 0;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		free += nr_free[o] << o;
		if (o >= order)
			suitable += nr_free[o] << (o - order);
	}
	return free ? (unsigned int)((free - (suitable << order)) * 1000 / free)
		    : 1000;
}

static void test_unusable_index_formula(struct ktest *t)
{
	unsigned long none[MAX_ORDER] = {0};
	unsigned long mix[MAX_ORDER] = {4, 2, 1, 0, 1}; /* 4+4+4+16 = 28 */
	static const unsigned int want[MAX_ORDER] = {
		0, 142, 285, 428, 428, 1000, 1000, 1000, 1000, 1000, 1000};
	struct prng r;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		KT_EXPECT_EQ(t, mm_unusable_index(none, o), 1000);
		KT_EXPECT_EQ(t, mm_unusable_index(mix, o), want[o]);
	}
	prng_seed(&r, 0x4ea17);
	for (unsigned int i = 0; i < 2000; i++) {
		unsigned long nr[MAX_ORDER];

		for (unsigned int o = 0; o < MAX_ORDER; o++)
			nr[o] = prng_below(&r, 4) ? prng_below(&r, 300) : 0;
		for (unsigned int o = 0; o < MAX_ORDER; o++)
			KT_ASSERT_EQ(t, mm_unusable_index(nr, o),
				     linux_unusable(nr, o));
	}
}

/*
 * Empty a zone, give back one held block of order K >= 4, take one order-1
 * block from it: the free layout is then exactly one block of each order
 * 1 .. K-1, so index(o) = (2^o - 2) / (2^K - 2) for 1 <= o < K, 0 for
 * order 0 and 1 from K on.
 */
static void test_unusable_index_real_layout(struct ktest *t)
{
	struct zone *z = small_zone();
	unsigned long i, total;
	unsigned int k = 0;
	struct mm_health h;
	static struct held_set s;
	struct page *pg;

	KT_ASSERT_TRUE(t, held_init_zone(t, &s, z));
	KT_EXPECT_TRUE(t, hold_zone_empty(&s, z));
	for (i = 0; i < s.n && held_order(&s, i) < 4; i++)
		;
	if (i == s.n) {
		held_done(t, &s);
		ktest_skip(t, "no block of order >= 4 in the zone");
	}
	k = held_order(&s, i);
	free_pages(held_page(&s, i), k);
	s.e[i] = s.e[--s.n];
	pg = alloc_pages(zone_gfp(z) | __GFP_MEMALLOC, 1);
	KT_EXPECT_NOT_NULL(t, pg);
	if (pg)
		held_add(&s, pg, 1);
	total = (1UL << k) - 2;
	KT_EXPECT_EQ(t, zone_free_pages(z), total);
	mm_health_get(&h);
	KT_EXPECT_EQ(t, h.zone[z - zones].largest_order, (int)k - 1);
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned int want = o == 0  ? 0
				    : o < k ? (unsigned int)(((1UL << o) - 2) *
							     1000 / total)
					    : 1000;

		KT_EXPECT_EQ(t, zone_free_blocks(z, o), (o >= 1 && o < k));
		KT_EXPECT_EQ(t, h.zone[z - zones].unusable[o], want);
	}
	ktest_log(t, "zone %s, block of order %u split: index(3) %u.%03u",
		  z->name, k, h.zone[z - zones].unusable[3] / 1000,
		  h.zone[z - zones].unusable[3] % 1000);
	held_done(t, &s);
}

/* ---- verdict transitions ------------------------------------------------------- */

static void expect_line(struct ktest *t, const char *line)
{
	if (!cap_find(NULL, line))
		ktest_fail(t, __FILE__, __LINE__, "no line \"%s\" logged",
			   line);
}

/* Bring z from healthy to degraded (low) to critical (min) and back. */
static void check_transitions(struct ktest *t, struct zone *z)
{
	enum mm_subject subj = (enum mm_subject)(z - zones);
	unsigned long low = z->wmark[WMARK_LOW], min = z->wmark[WMARK_MIN];
	unsigned long pm, got;
	char want[200];
	struct mm_health h;
	static struct held_set s;
	struct page *pg;
	const char *crit;

	if (z->managed_pages < z->wmark[WMARK_HIGH] + 1024)
		ktest_skip(t, "zone too small");
	mm_health_acknowledge("mm_health test start");
	mm_health_get(&h);
	KT_ASSERT_EQ(t, h.subject[subj], MM_HEALTHY);
	KT_ASSERT_TRUE(t, held_init_zone(t, &s, z));
	cap_start();
	KT_EXPECT_TRUE(t, hold_zone_down(&s, z, z->wmark[WMARK_HIGH] + 64));
	drain_all_pages();
	/* one page at a time: the crossing is seen at exactly low - 1 */
	while (buddy_free(z) >= low &&
	       (pg = alloc_pages(zone_gfp(z) | __GFP_MEMALLOC, 0)))
		held_add(&s, pg, 0);
	pm = (low - 1) * 1000 / z->managed_pages;
	ksnprintf(want, sizeof(want),
		  "mm: %s zone healthy → degraded: free %lu.%lu%% below low "
		  "watermark (%lu < %lu pages)\n",
		  z->name, pm / 10, pm % 10, low - 1, low);
	expect_line(t, want);
	KT_EXPECT_TRUE(t, hold_zone_down(&s, z, min / 2));
	drain_all_pages();
	got = buddy_free(z);
	KT_EXPECT_LT(t, got, min);
	mm_health_get(&h);
	KT_EXPECT_EQ(t, h.subject[subj], MM_CRITICAL);
	KT_EXPECT_EQ(t, h.verdict, MM_CRITICAL);
	pm = got * 1000 / z->managed_pages;
	ksnprintf(want, sizeof(want),
		  "mm: %s zone degraded → critical: free %lu.%lu%% below min "
		  "watermark (%lu < %lu pages)\n",
		  z->name, pm / 10, pm % 10, got, min);
	expect_line(t, want);
	held_done(t, &s);
	mm_health_get(&h);
	cap_stop();
	KT_EXPECT_EQ(t, h.subject[subj], MM_HEALTHY);
	ksnprintf(want, sizeof(want), "mm: %s zone critical → ", z->name);
	crit = cap_find(NULL, want);
	KT_EXPECT_NOT_NULL(t, crit);
	/* back above high: healthy then, or after a fragmented moment */
	KT_EXPECT_NOT_NULL(t, crit ? cap_find(crit, "→ healthy: free ") : NULL);
}

static void test_transitions_normal(struct ktest *t)
{
	check_transitions(t, &zones[ZONE_NORMAL]);
}

static void test_transitions_dma(struct ktest *t)
{
	check_transitions(t, &zones[ZONE_DMA]);
}

/*
 * Fragment a zone on purpose.  It starts empty (every block held in s).
 * Give back one held block of order >= 3, take all free memory as order-2
 * pieces, then give back every piece whose pfn has bit 2 clear: its buddy
 * (bit 2 set) stays held, so nothing merges.  Repeat until the zone has
 * more than its high watermark free: all of it in order-2 blocks, so the
 * order-3 unusable index is 1.000.  (The zone crosses its watermarks
 * down and up on every round: the checker logs each change.)
 */
static void fragment(struct ktest *t, struct zone *z, struct held_set *s,
		     struct held_set *pieces)
{
	unsigned long target = z->wmark[WMARK_HIGH] + 64;
	unsigned long n = s->n;

	for (unsigned long i = 0; i < n && buddy_free(z) < target; i++) {
		unsigned int k = held_order(s, i);

		if (k < 3)
			continue;
		free_pages(held_page(s, i), k);
		s->e[i] = 0; /* a hole: release_holes() skips it */
		while (buddy_free(z)) {
			struct page *pg =
				alloc_pages(zone_gfp(z) | __GFP_MEMALLOC, 2);

			KT_ASSERT_NOT_NULL(t, pg);
			KT_ASSERT_TRUE(t, held_add(pieces, pg, 2));
		}
		/* empty: critical, so that the return above high below is
		 * logged as a change (to degraded, by the index) */
		mm_health_check();
		for (unsigned long j = 0; j < pieces->n; j++) {
			struct page *pg = held_page(pieces, j);

			if (pieces->e[j] && !(page_to_pfn(pg) & 4)) {
				free_pages(pg, 2);
				pieces->e[j] = 0;
			}
		}
	}
}

/* held_release() for sets with holes (entries set to 0). */
static void release_holes(struct held_set *s)
{
	for (unsigned long i = 0; i < s->n; i++)
		if (s->e[i])
			free_pages(held_page(s, i), held_order(s, i));
	s->n = 0;
}

static void test_fragmentation_verdict(struct ktest *t)
{
	struct zone *z = small_zone();
	enum mm_subject subj = (enum mm_subject)(z - zones);
	static struct held_set s, pieces;
	struct mm_health h;
	char want[200];

	mm_health_acknowledge("mm_health test start");
	KT_ASSERT_TRUE(t, held_init_zone(t, &s, z));
	KT_ASSERT_TRUE(t, held_init(t, &pieces, 8192));
	KT_EXPECT_TRUE(t, hold_zone_empty(&s, z));
	mm_health_check(); /* logs the zone critical */
	cap_start();
	fragment(t, z, &s, &pieces);
	drain_all_pages();
	mm_health_get(&h);
	cap_stop();
	KT_EXPECT_GE(t, buddy_free(z), z->wmark[WMARK_HIGH]);
	KT_EXPECT_EQ(t, h.zone[subj].largest_order, 2);
	KT_EXPECT_EQ(t, h.zone[subj].unusable[2], 0);
	KT_EXPECT_EQ(t, h.zone[subj].unusable[3], 1000);
	KT_EXPECT_EQ(t, h.subject[subj], MM_DEGRADED);
	ksnprintf(want, sizeof(want),
		  "mm: %s zone critical → degraded: order-3 unusable free "
		  "space index 1.000 > 0.500 (largest free block order 2)\n",
		  z->name);
	expect_line(t, want);
	release_holes(&pieces);
	held_done(t, &pieces);
	release_holes(&s);
	held_done(t, &s);
	mm_health_get(&h);
	KT_EXPECT_EQ(t, h.subject[subj], MM_HEALTHY);
}

/* ---- the failure-rate window ---------------------------------------------------- */

/*
 * A zone that can be held down to high + 256 free pages with room to
 * spare, where that leaves no order-10 block (high + 256 < 1024), so that
 * order-10 requests fail for want of a block, not for a watermark.
 */
static struct zone *rate_zone(void)
{
	for (int t = MAX_NR_ZONES - 1; t >= 0; t--) {
		struct zone *z = &zones[t];

		if (z->managed_pages >= z->wmark[WMARK_HIGH] + 2048 &&
		    z->wmark[WMARK_HIGH] + 256 < MAX_ORDER_NR_PAGES)
			return z;
	}
	return NULL;
}

static void test_failure_rate(struct ktest *t)
{
	struct zone *z = rate_zone();
	enum mm_subject subj;
	unsigned long fails = 0;
	struct mm_health h;
	static struct held_set s;
	char want[120];
	gfp_t gfp;

	if (!z)
		ktest_skip(t, "no zone fits (see rate_zone())");
	subj = (enum mm_subject)(z - zones);
	gfp = zone_gfp(z) | __GFP_NOWARN;
	KT_ASSERT_TRUE(t, held_init_zone(t, &s, z));
	KT_EXPECT_TRUE(t, hold_zone_down(&s, z, z->wmark[WMARK_HIGH] + 256));
	mm_health_acknowledge("mm_health test start");
	cap_start();
	for (unsigned int i = 0; i < 2000; i++) {
		if (i % 10 == 9) { /* no order-10 block is left: fails */
			struct page *pg = alloc_pages(gfp, MAX_ORDER - 1);

			fails += !pg;
			if (pg && !held_add(&s, pg, MAX_ORDER - 1))
				free_pages(pg, MAX_ORDER - 1);
			continue;
		}
		free_pages(alloc_pages(gfp, 0), 0);
	}
	mm_health_get(&h);
	cap_stop();
	KT_EXPECT_EQ(t, fails, 200);
	KT_EXPECT_GE(t, h.zone[subj].fail.attempts, MM_RATE_WINDOW);
	KT_EXPECT_GT(t, h.zone[subj].fail.rate_bp, MM_FAIL_LIMIT_BP);
	KT_EXPECT_EQ(t, h.subject[subj], MM_DEGRADED);
	ksnprintf(want, sizeof(want),
		  "mm: %s zone healthy → degraded: failure rate ", z->name);
	expect_line(t, want);
	/* enough good attempts push the failures out of the window */
	for (unsigned int i = 0; i < 8 * MM_RATE_WINDOW; i++)
		free_pages(alloc_pages(gfp, 0), 0);
	mm_health_get(&h);
	KT_EXPECT_LE(t, h.zone[subj].fail.rate_bp, MM_FAIL_LIMIT_BP);
	KT_EXPECT_EQ(t, h.subject[subj], MM_HEALTHY);
	ktest_log(t, "zone %s: window now %lu attempts, %lu failed", z->name,
		  h.zone[subj].fail.attempts, h.zone[subj].fail.failures);
	held_done(t, &s);
}

/* ---- corruption ------------------------------------------------------------------ */

static void test_bad_free_degrades(struct ktest *t)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 1);
	struct mm_health h;

	KT_ASSERT_NOT_NULL(t, pg);
	mm_health_acknowledge("mm_health test start");
	cap_start();
	free_pages(pg, 1);
	free_pages(pg, 1); /* double free: refused, reported, counted */
	mm_health_get(&h);
	cap_stop();
	KT_EXPECT_EQ(t, h.bad_frees, 1);
	KT_EXPECT_EQ(t, h.subject[MM_SUBJ_ALLOCATORS], MM_DEGRADED);
	expect_line(t, "mm: allocators healthy → degraded: 1 bad free "
		       "refused (");
	cap_start();
	mm_health_acknowledge("the double free above");
	cap_stop();
	expect_line(t, "mm: allocators degraded → healthy: no reason left\n");
}

/* A counter made to lie: the validator and the verdict must both see it. */
static void test_validator_failure_is_critical(struct ktest *t)
{
	struct zone *z = &zones[ZONE_NORMAL];
	unsigned long flags;
	struct mm_health h;

	if (zone_is_empty(z))
		z = &zones[ZONE_DMA];
	mm_health_acknowledge("mm_health test start");
	cap_start();
	flags = spin_lock_irqsave(&z->lock);
	z->nr_alloc[5]++; /* says one order-5 block more is in use */
	spin_unlock_irqrestore(&z->lock, flags);
	KT_EXPECT_FALSE(t, mm_validate());
	mm_health_get(&h);
	flags = spin_lock_irqsave(&z->lock);
	z->nr_alloc[5]--;
	spin_unlock_irqrestore(&z->lock, flags);
	KT_EXPECT_TRUE(t, mm_validate());
	cap_stop();
	KT_EXPECT_EQ(t, h.subject[MM_SUBJ_ALLOCATORS], MM_CRITICAL);
	KT_EXPECT_TRUE(t, h.validate_failed);
	expect_line(t, "mm: allocators healthy → critical: corruption: "
		       "mm_validate() failed");
	expect_line(t, "mm_stats_validate: zone ");
	expect_line(t, "mm: allocators critical → healthy: no reason left\n");
}

/* ---- counters against the structures -------------------------------------------- */

static void check_counts(struct ktest *t, const struct mm_stats *before,
			 const long live[MAX_NR_ZONES][MAX_ORDER])
{
	struct mm_stats st;

	mm_stats_get(&st);
	KT_EXPECT_EQ(t, st.free_pages, nr_free_pages());
	for (unsigned int zt = 0; zt < MAX_NR_ZONES; zt++)
		for (unsigned int o = 0; o < MAX_ORDER; o++) {
			const struct mm_order_stats *a =
				&before->zone[zt].order[o];
			const struct mm_order_stats *b = &st.zone[zt].order[o];
			long d = (long)(b->allocs - b->frees) -
				 (long)(a->allocs - a->frees);

			KT_ASSERT_EQ(t, d, live[zt][o]);
		}
	KT_ASSERT_TRUE(t, mm_stats_validate());
}

static void test_counters_agree(struct ktest *t)
{
	static long live[MAX_NR_ZONES][MAX_ORDER];
	struct mm_stats before;
	static struct held_set s;
	struct prng r;
	unsigned long ops = 0;

	memset(live, 0, sizeof(live));
	KT_ASSERT_TRUE(t, held_init(t, &s, 600));
	mm_stats_get(&before);
	prng_seed(&r, 0x57a75);
	for (unsigned int i = 0; i < 6000; i++, ops++) {
		if (s.n && (s.n == 512 || prng_below(&r, 2))) {
			unsigned long j = prng_below(&r, s.n);
			struct page *pg = held_page(&s, j);
			unsigned int o = held_order(&s, j);

			live[page_zone(pg) - zones][o]--;
			free_pages(pg, o);
			s.e[j] = s.e[--s.n];
		} else {
			unsigned int o = (unsigned int)prng_below(&r, 6);
			gfp_t gfp = prng_below(&r, 4) ? GFP_KERNEL : GFP_DMA;
			struct page *pg = alloc_pages(gfp | __GFP_NOWARN, o);

			if (pg && held_add(&s, pg, o))
				live[page_zone(pg) - zones][o]++;
		}
		if (i % 1000 == 999)
			check_counts(t, &before, live);
	}
	held_release(&s);
	memset(live, 0, sizeof(live));
	check_counts(t, &before, live);
	ktest_log(t, "%lu operations, counters checked 7 times", ops);
	held_done(t, &s);
}

/* ---- the report ------------------------------------------------------------------- */

static void test_report_layout(struct ktest *t)
{
	static const char *const sections[] = {
		"==> /proc/meminfo <==\n",
		"==> /proc/buddyinfo <==\n",
		"==> /sys/kernel/debug/extfrag/unusable_index <==\n",
		"==> /proc/zoneinfo <==\n",
		"==> pagestats <==\n",
		"==> /proc/slabinfo <==\n",
		"==> kmalloc <==\n",
		"==> transactions <==\n",
		"==> heaps <==\n",
		"==> fault injection <==\n",
		"==> health <==\n",
		"==> end of mm report <==\n",
	};
	const char *p = NULL, *q;
	unsigned long free_kb;

	drain_all_pages();
	free_kb = nr_free_pages() << (PAGE_SHIFT - 10);
	cap_start();
	mm_report();
	cap_stop();
	KT_ASSERT_LT(t, strlen(cap), sizeof(cap) - 1); /* not cut */
	for (unsigned int i = 0; i < sizeof(sections) / sizeof(*sections);
	     i++) {
		q = cap_find(p, sections[i]);
		if (!q)
			ktest_fail(t, __FILE__, __LINE__, "no section %s",
				   sections[i]);
		p = q ? q : p;
	}
	q = cap_find(NULL, "MemFree:");
	KT_ASSERT_NOT_NULL(t, q);
	KT_EXPECT_EQ(t, parse_ulong(q + 8), free_kb);
	q = cap_find(NULL, "MemTotal:");
	KT_ASSERT_NOT_NULL(t, q);
	KT_EXPECT_EQ(t, parse_ulong(q + 9),
		     (zones[0].managed_pages + zones[1].managed_pages)
			     << (PAGE_SHIFT - 10));
	KT_EXPECT_NOT_NULL(t, cap_find(NULL, "\nverdict: "));
}

static const struct ktest_case health_cases[] = {
	KTEST_CASE(test_unusable_index_formula),
	KTEST_CASE(test_unusable_index_real_layout),
	KTEST_CASE(test_transitions_normal),
	KTEST_CASE(test_transitions_dma),
	KTEST_CASE(test_fragmentation_verdict),
	KTEST_CASE(test_failure_rate),
	KTEST_CASE(test_bad_free_degrades),
	KTEST_CASE(test_validator_failure_is_critical),
	KTEST_CASE(test_counters_agree),
	KTEST_CASE(test_report_layout),
	KTEST_END,
};

static void health_exit(void)
{
	printk_capture_stop(); /* if a case ended early */
	mm_health_acknowledge("the mm_health suite");
}

KTEST_SUITE_FULL(mm_health, health_cases, 0, health_exit, 0);

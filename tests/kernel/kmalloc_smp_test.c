/* SPDX-License-Identifier: MIT */
/*
 * kmalloc on every hart at once, in each backend mode (suites
 * kmalloc_smp_two_tier, _simple, _hybrid): blocks allocated on one hart
 * and freed on another, a churn with cross-hart hand-offs; then mode
 * switches with blocks of every mode freed in another (suite
 * kmalloc_modes) and the measurements quoted in docs/kmalloc.md (suite
 * kmalloc_measure: waste per class, instructions per call; printed, never
 * asserted).
 */
#include "kmalloc_test.h"
#include "lib/prng.h"
#include "mm/health.h"
#include "mm/slab.h"

#define PER_CPU 96
#define CHURN_OPS 3000

struct blk {
	unsigned char *p;
	size_t size;
};

static struct blk blocks[NR_CPUS][PER_CPU];
static void *mailbox[NR_CPUS];

static size_t smp_size(struct prng *r)
{
	uint64_t k = prng_below(r, 10);

	if (k < 7)
		return 1 + prng_below(r, 600);
	if (k < 9)
		return 600 + prng_below(r, 3500);
	return 4097 + prng_below(r, 20000);
}

static unsigned char tag_of(const void *p)
{
	return (unsigned char)((uintptr_t)p >> 4);
}

static void fill_tagged(struct blk *b)
{
	memset(b->p, tag_of(b->p), b->size);
}

static bool tagged_intact(const struct blk *b)
{
	return mem_is_filled(b->p, tag_of(b->p), b->size);
}

static void phase_alloc(struct ktest *t, void *arg)
{
	unsigned int cpu = arch_cpu_id();
	struct prng r;

	prng_seed(&r, 1000 + cpu);
	for (unsigned int i = 0; i < PER_CPU; i++) {
		struct blk *b = &blocks[cpu][i];

		b->size = smp_size(&r);
		b->p = kmalloc(b->size, GFP_KERNEL);
		KT_EXPECT_NOT_NULL(t, b->p);
		if (b->p)
			fill_tagged(b);
	}
}

/* Free the blocks of the next hart, checking them first. */
static void phase_cross_free(struct ktest *t, void *arg)
{
	unsigned int cpu = arch_cpu_id(), from = (cpu + 1) % arch_nr_cpus();

	for (unsigned int i = 0; i < PER_CPU; i++) {
		struct blk *b = &blocks[from][i];

		if (!b->p)
			continue;
		KT_EXPECT_TRUE(t, tagged_intact(b));
		kfree(b->p);
		b->p = NULL;
	}
}

/* Check and free a block handed over through a mailbox (size in word 0). */
static void take_mail(struct ktest *t, unsigned int cpu)
{
	unsigned char *m =
		__atomic_exchange_n(&mailbox[cpu], NULL, __ATOMIC_ACQ_REL);

	if (m) {
		struct blk b = {m + 8, *(size_t *)m - 8};

		KT_EXPECT_TRUE(t, tagged_intact(&b));
		kfree(m);
	}
}

static void churn_step(struct ktest *t, struct prng *r, unsigned int cpu)
{
	struct blk *b = &blocks[cpu][prng_below(r, PER_CPU)];
	unsigned int to = (cpu + 1) % arch_nr_cpus();

	if (b->p) {
		KT_EXPECT_TRUE(t, tagged_intact(b));
		kfree(b->p);
		b->p = NULL;
		return;
	}
	b->size = smp_size(r);
	b->p = kmalloc(b->size, GFP_KERNEL);
	KT_EXPECT_NOT_NULL(t, b->p);
	if (!b->p)
		return;
	fill_tagged(b);
	if (b->size > 8 && prng_below(r, 4) == 0) { /* hand it over */
		*(size_t *)b->p = b->size;
		memset(b->p + 8, tag_of(b->p + 8), b->size - 8);
		b->p = __atomic_exchange_n(&mailbox[to], b->p,
					   __ATOMIC_ACQ_REL);
		if (b->p) { /* the old mail goes back to its slot */
			b->size = *(size_t *)b->p;
			memset(b->p, tag_of(b->p), b->size);
		}
	}
}

static void phase_churn(struct ktest *t, void *arg)
{
	unsigned int cpu = arch_cpu_id();
	struct prng r;

	prng_seed(&r, 77 + cpu);
	for (unsigned int op = 0; op < CHURN_OPS; op++) {
		churn_step(t, &r, cpu);
		if (op % 8 == 0)
			take_mail(t, cpu);
	}
	for (unsigned int i = 0; i < PER_CPU; i++) {
		if (blocks[cpu][i].p) {
			KT_EXPECT_TRUE(t, tagged_intact(&blocks[cpu][i]));
			kfree(blocks[cpu][i].p);
			blocks[cpu][i].p = NULL;
		}
	}
}

static void phase_drain_mail(struct ktest *t, void *arg)
{
	take_mail(t, arch_cpu_id());
}

static void test_cross_hart(struct ktest *t)
{
	struct kmalloc_stats a, b;

	memset(blocks, 0, sizeof(blocks));
	kmalloc_stats_get(&a);
	ktest_on_all_cpus(t, phase_alloc, NULL);
	ktest_on_all_cpus(t, phase_cross_free, NULL);
	kmalloc_stats_get(&b);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		KT_EXPECT_EQ(t, b.row[r].live, a.row[r].live);
	KT_EXPECT_TRUE(t, mm_validate());
}

static void test_churn(struct ktest *t)
{
	struct kmalloc_stats a, b;

	memset(blocks, 0, sizeof(blocks));
	memset(mailbox, 0, sizeof(mailbox));
	kmalloc_stats_get(&a);
	ktest_on_all_cpus(t, phase_churn, NULL);
	ktest_on_all_cpus(t, phase_drain_mail, NULL);
	kmalloc_stats_get(&b);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		KT_EXPECT_EQ(t, b.row[r].live, a.row[r].live);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		KT_EXPECT_EQ(t, b.mode_bad_frees[m], a.mode_bad_frees[m]);
	KT_EXPECT_TRUE(t, mm_validate());
}

/* ---- every hart frees the same block at once: one wins ------------------------- */

static void *race_block;
static unsigned int race_arrived, race_freed;

static void phase_race_free(struct ktest *t, void *arg)
{
	unsigned int n = arch_nr_cpus();

	__atomic_add_fetch(&race_arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&race_arrived, __ATOMIC_ACQUIRE) < n)
		arch_cpu_relax();
	if (__kfree(race_block, (unsigned long)phase_race_free))
		__atomic_add_fetch(&race_freed, 1, __ATOMIC_ACQ_REL);
}

/*
 * Every kind of block: slab objects (the slab claims the object's free
 * word with one atomic exchange), large blocks (PG_large cleared under
 * km_large_lock) and, in simple mode, heap blocks (the heap's lock).
 * Many rounds for the small sizes: the window is a few instructions.
 */
static void test_racing_double_free(struct ktest *t)
{
	static const size_t sizes[] = {64, 8, 4096, 5000, 70000, 1 << 20};
	struct kmalloc_stats a, b;

	for (unsigned int i = 0; i < 6 * 50; i++) {
		size_t size = sizes[i % 6];

		if (i >= 6 && size > KMALLOC_MAX_CACHE_SIZE)
			continue; /* large blocks: a few rounds suffice */
		race_block = kmalloc(size, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, race_block);
		race_arrived = race_freed = 0;
		kmalloc_stats_get(&a);
		ktest_on_all_cpus(t, phase_race_free, NULL);
		kmalloc_stats_get(&b);
		KT_EXPECT_EQ(t, race_freed, 1);
		KT_EXPECT_EQ(t,
			     b.mode_bad_frees[kmalloc_get_mode()] -
				     a.mode_bad_frees[kmalloc_get_mode()],
			     arch_nr_cpus() - 1);
	}
	KT_EXPECT_TRUE(t, mm_validate());
}

/* ---- every hart's calls are counted exactly ------------------------------------- */

#define EXACT_PAIRS 400
#define EXACT_SIZE 80 /* a class size would do as well */

static unsigned long exact_done[NR_CPUS];

static void phase_exact(struct ktest *t, void *arg)
{
	unsigned int cpu = arch_cpu_id();

	for (unsigned int i = 0; i < EXACT_PAIRS; i++) {
		void *p = kmalloc(EXACT_SIZE, GFP_KERNEL);

		if (!p) /* an injected failure: not counted as an allocation */
			continue;
		kfree(p);
		exact_done[cpu]++;
	}
}

/*
 * The counters are per hart, written with plain stores by their hart only
 * (the fast path counts inside the magazine's critical section): summed,
 * they must show every pair of every hart, exactly.
 */
static void test_counts_exact(struct ktest *t)
{
	unsigned int row = 0;
	struct kmalloc_stats a, b;
	unsigned long done = 0;

	while (kmalloc_class_size[row] < EXACT_SIZE)
		row++;
	if (kmalloc_get_mode() == KMALLOC_SIMPLE)
		row = KMALLOC_ROW_HEAP;

	memset(exact_done, 0, sizeof(exact_done));
	kmalloc_stats_get(&a);
	ktest_on_all_cpus(t, phase_exact, NULL);
	kmalloc_stats_get(&b);
	for (unsigned int c = 0; c < NR_CPUS; c++)
		done += exact_done[c];
	KT_EXPECT_EQ(t, b.row[row].allocs - a.row[row].allocs, done);
	KT_EXPECT_EQ(t, b.row[row].frees - a.row[row].frees, done);
	KT_EXPECT_EQ(t, b.row[row].bytes_req - a.row[row].bytes_req,
		     done * EXACT_SIZE);
	KT_EXPECT_EQ(t, b.row[row].live, a.row[row].live);
	KT_EXPECT_TRUE(t, mm_validate());
}

static const struct ktest_case kmalloc_smp_cases[] = {
	KTEST_CASE(test_cross_hart),
	KTEST_CASE(test_churn),
	KTEST_CASE(test_racing_double_free),
	KTEST_CASE(test_counts_exact),
	KTEST_END,
};
KMALLOC_MODE_SUITES(kmalloc_smp, kmalloc_smp_cases, false);

/* ---- mode switches ------------------------------------------------------------------ */

static const size_t mix[] = {0, 24, 700, 4096, 9000, 200000};
#define NR_MIX (sizeof(mix) / sizeof(mix[0]))

/* kmalloc.heap=0 leaves only two-tier: simple and hybrid are refused. */
static unsigned int modes_available(void)
{
	enum kmalloc_mode was = kmalloc_get_mode();
	bool heap = kmalloc_set_mode(KMALLOC_SIMPLE) == 0;

	kmalloc_set_mode(was);
	return heap ? KMALLOC_NR_MODES : 1;
}

static void *switch_held[KMALLOC_NR_MODES][2][NR_MIX + 1];

/* Cleanup action: free whatever test_free_after_switch still holds. */
static void free_switch_held(void *arg)
{
	void **p = arg;

	for (size_t i = 0; i < sizeof(switch_held) / sizeof(void *); i++) {
		kfree(p[i]);
		p[i] = NULL;
	}
}

static void test_free_after_switch(struct ktest *t)
{
	void *(*held)[2][NR_MIX + 1] = switch_held;
	unsigned int nmodes = modes_available();
	struct kmalloc_stats a, b;

	kmt_keep_setting(t);
	ktest_add_action_or_reset(t, free_switch_held, switch_held);
	kmalloc_stats_get(&a);
	for (unsigned int m = 0; m < nmodes; m++) {
		for (unsigned int d = 0; d < 2; d++) {
			KT_ASSERT_EQ(t, kmalloc_set_mode(m), 0);
			kmalloc_set_debug(d);
			for (unsigned int i = 0; i < NR_MIX; i++) {
				held[m][d][i] = kmalloc(mix[i], GFP_KERNEL);
				KT_EXPECT_NOT_NULL(t, held[m][d][i]);
			}
			held[m][d][NR_MIX] =
				kmalloc(64, GFP_DMA | __GFP_NOWARN);
		}
	}
	/* free each mode's blocks in the next mode, debug flipped */
	for (unsigned int m = 0; m < nmodes; m++) {
		kmalloc_set_mode((m + 1) % nmodes);
		for (unsigned int d = 0; d < 2; d++) {
			kmalloc_set_debug(!d);
			for (unsigned int i = 0; i <= NR_MIX; i++) {
				kfree(held[m][d][i]);
				held[m][d][i] = NULL;
			}
		}
	}
	kmalloc_stats_get(&b);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		KT_EXPECT_EQ(t, b.mode_bad_frees[m], a.mode_bad_frees[m]);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		KT_EXPECT_EQ(t, b.row[r].live, a.row[r].live);
	KT_EXPECT_TRUE(t, kmalloc_validate());
}

static void test_mode_names(struct ktest *t)
{
	kmt_keep_setting(t);
	KT_EXPECT_EQ(t, kmalloc_set_mode(KMALLOC_NR_MODES), -MM_EINVAL);
	KT_EXPECT_EQ(t, kmalloc_set_mode((enum kmalloc_mode) - 1), -MM_EINVAL);
	KT_EXPECT_EQ(t, strcmp(kmalloc_mode_name(KMALLOC_TWO_TIER), "two-tier"),
		     0);
	KT_EXPECT_EQ(t, strcmp(kmalloc_mode_name(KMALLOC_SIMPLE), "simple"), 0);
	KT_EXPECT_EQ(t, strcmp(kmalloc_mode_name(KMALLOC_HYBRID), "hybrid"), 0);
	if (modes_available() == 1) { /* no heap: refused, nothing changes */
		KT_EXPECT_EQ(t, kmalloc_set_mode(KMALLOC_HYBRID), -MM_EINVAL);
		KT_EXPECT_EQ(t, kmalloc_get_mode(), KMALLOC_TWO_TIER);
		return;
	}
	KT_EXPECT_EQ(t, kmalloc_set_mode(KMALLOC_HYBRID), 0);
	KT_EXPECT_EQ(t, kmalloc_get_mode(), KMALLOC_HYBRID);
}

static struct kmt_saved modes_saved;

static int modes_init(void)
{
	return kmt_enter(&modes_saved, KMALLOC_TWO_TIER, false);
}

static void modes_exit(void)
{
	kmt_leave(&modes_saved);
}

static const struct ktest_case kmalloc_modes_cases[] = {
	KTEST_CASE(test_free_after_switch),
	KTEST_CASE(test_mode_names),
	KTEST_END,
};
KTEST_SUITE_FULL(kmalloc_modes, kmalloc_modes_cases, modes_init, modes_exit, 0);

/* ---- measurements (printed, not asserted) ------------------------------------------ */

#define WASTE_SAMPLES 2000
#define WASTE_HELD 64

/* Waste (1 - asked/usable) of n requests uniform in (lo, hi], in tenths of
 * a percent; at most WASTE_HELD blocks live at a time. */
static unsigned long waste_of(struct ktest *t, struct prng *r, size_t lo,
			      size_t hi, unsigned int n)
{
	static void *held[WASTE_HELD];
	unsigned long asked = 0, given = 0;

	for (unsigned int i = 0; i < n; i++) {
		size_t sz = lo + 1 + prng_below(r, hi - lo);
		void *p = kmalloc(sz, GFP_KERNEL);

		KT_EXPECT_NOT_NULL(t, p);
		if (!p)
			break;
		asked += sz;
		given += ksize(p);
		kfree(held[i % WASTE_HELD]);
		held[i % WASTE_HELD] = p;
	}
	for (unsigned int i = 0; i < WASTE_HELD; i++) {
		kfree(held[i]);
		held[i] = NULL;
	}
	return given ? (given - asked) * 1000 / given : 0;
}

/* Internal waste of each class for sizes uniform in (previous, class], and
 * of the page path for a few ranges above. */
static void test_waste_per_class(struct ktest *t)
{
	/* above the classes; at most 64 KiB blocks, so that WASTE_HELD of
	 * them fit a small simple heap */
	static const size_t big[][2] = {{KMALLOC_MAX_CACHE_SIZE, 40960},
					{40960, 49152},
					{49152, 65536}};
	const char *mode = kmalloc_mode_name(kmalloc_get_mode());
	struct prng r;

	prng_seed(&r, 4242);
	for (unsigned int c = 0; c < KMALLOC_NR_CLASSES; c++) {
		size_t lo = c ? kmalloc_class_size[c - 1] : 0;
		unsigned long w = waste_of(t, &r, lo, kmalloc_class_size[c],
					   WASTE_SAMPLES);

		ktest_log(t, "%s kmalloc-%u: sizes %zu..%u, waste %lu.%lu%%",
			  mode, kmalloc_class_size[c], lo + 1,
			  kmalloc_class_size[c], w / 10, w % 10);
	}
	for (unsigned int i = 0; i < 3; i++) {
		unsigned long w = waste_of(t, &r, big[i][0], big[i][1], 200);

		ktest_log(t, "%s pages: sizes %zu..%zu, waste %lu.%lu%%", mode,
			  big[i][0] + 1, big[i][1], w / 10, w % 10);
	}
}

#define PERF_ROUNDS 1000

/* Instructions per kmalloc(64)+kfree pair, against the slab's own calls on
 * an equivalent cache (exact only under QEMU -icount; 0 on the host). */
static void test_instructions(struct ktest *t)
{
	struct kmem_cache *c = kmem_cache_create("kmt-perf-64", 64, 64, 0, 0);
	uint64_t t0, t1, t2;
	void *p;

	KT_ASSERT_NOT_NULL(t, c);
	kfree(kmalloc(64, GFP_KERNEL)); /* warm both per-CPU caches */
	__kmem_cache_free(c, __kmem_cache_alloc(c, GFP_KERNEL, 0), 0);
	t0 = arch_read_instret();
	for (unsigned int i = 0; i < PERF_ROUNDS; i++) {
		p = kmalloc(64, GFP_KERNEL);
		kfree(p);
	}
	t1 = arch_read_instret();
	for (unsigned int i = 0; i < PERF_ROUNDS; i++) {
		p = __kmem_cache_alloc(c, GFP_KERNEL, 0);
		__kmem_cache_free(c, p, 0);
	}
	t2 = arch_read_instret();
	ktest_log(t,
		  "%s: kmalloc(64)+kfree %llu instructions per pair; the "
		  "slab's own alloc+free %llu; kmalloc adds %lld",
		  kmalloc_mode_name(kmalloc_get_mode()),
		  (unsigned long long)(t1 - t0) / PERF_ROUNDS,
		  (unsigned long long)(t2 - t1) / PERF_ROUNDS,
		  ((long long)(t1 - t0) - (long long)(t2 - t1)) / PERF_ROUNDS);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

static const struct ktest_case kmalloc_measure_cases[] = {
	KTEST_CASE(test_waste_per_class),
	KTEST_CASE(test_instructions),
	KTEST_END,
};
KMALLOC_MODE_SUITES(kmalloc_measure, kmalloc_measure_cases, false);

// SPDX-License-Identifier: MIT
/*
 * The TLSF heap (mm/heap.c): random operations with contents and overlap
 * checked, alignment, exhaustion, realloc, bad frees, waiting with a
 * timeout (also from the timer interrupt, where it must not wait), and all
 * harts at once with cross-hart frees.
 */
#include "kernel/ktest.h"
#include "mm/heap_internal.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "tests/kernel/kt_cleanup.h"

#define HEAP_ORDER 6 /* 256 KiB of pages */
#define MAX_LIVE 256

static struct k_heap heap;
static struct page *heap_pages;

/* The heap on its pages, both given back when the case ends. */
static void heap_setup(struct ktest *t)
{
	heap_pages = alloc_pages(GFP_KERNEL, HEAP_ORDER);
	KT_ASSERT_NOT_NULL(t, kt_pages_at_end(t, heap_pages, HEAP_ORDER));
	KT_ASSERT_EQ(t,
		     k_heap_init(&heap, "ktest", page_address(heap_pages),
				 PAGE_SIZE << HEAP_ORDER),
		     0);
	kt_heap_at_end(t, &heap);
}

/* Now rather than at the end. */
static void heap_teardown(struct ktest *t)
{
	kt_release_heap(t, &heap);
	kt_release_pages(t, heap_pages, HEAP_ORDER);
}

/* All free again: one free block spanning the heap, validator green. */
static void expect_pristine(struct ktest *t)
{
	struct k_heap_stats st;

	KT_EXPECT_TRUE(t, k_heap_validate(&heap));
	k_heap_stats_get(&heap, &st);
	KT_EXPECT_EQ(t, st.used_blocks, 0);
	KT_EXPECT_EQ(t, st.free_blocks, 1);
	KT_EXPECT_EQ(t, st.allocated_bytes, 0);
	KT_EXPECT_EQ(t, st.largest_free + TLSF_HDR, st.free_bytes);
}

struct live {
	unsigned char *p;
	size_t n;
	unsigned char tag;
};

static bool overlaps(const struct live *l, unsigned int nr, const void *p,
		     size_t n)
{
	const unsigned char *a = p;

	for (unsigned int i = 0; i < nr; i++)
		if (a < l[i].p + l[i].n && l[i].p < a + n)
			return true;
	return false;
}

static void test_random_ops(struct ktest *t)
{
	static struct live live[MAX_LIVE];
	unsigned int nr = 0, damaged = 0, overlap = 0, fails = 0;
	struct prng r;

	heap_setup(t);
	prng_seed(&r, 0x7153f);
	for (unsigned int op = 0; op < 20000; op++) {
		unsigned int i = nr ? (unsigned int)prng_below(&r, nr) : 0;

		if (nr && (nr == MAX_LIVE || prng_below(&r, 3) == 0)) {
			if (!mem_is_filled(live[i].p, live[i].tag, live[i].n))
				damaged++;
			k_heap_free(&heap, live[i].p);
			live[i] = live[--nr];
		} else {
			size_t n = 1 + prng_below(&r, prng_below(&r, 8) ? 512
									: 8192);
			size_t al = 1ul << prng_below(&r, 12);
			unsigned char *p =
				prng_below(&r, 4)
					? k_heap_alloc(&heap, n, K_NO_WAIT)
					: k_heap_aligned_alloc(&heap, al, n,
							       K_NO_WAIT);
			if (!p) {
				fails++;
				KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
				continue;
			}
			if (overlaps(live, nr, p, n) ||
			    ((uintptr_t)p & (TLSF_ALIGN - 1)))
				overlap++;
			live[nr] = (struct live){p, n, (unsigned char)op};
			memset(p, live[nr].tag, n);
			nr++;
		}
		if (op % 2000 == 0)
			KT_ASSERT_TRUE(t, k_heap_validate(&heap));
	}
	while (nr) {
		nr--;
		damaged += !mem_is_filled(live[nr].p, live[nr].tag, live[nr].n);
		k_heap_free(&heap, live[nr].p);
	}
	ktest_log(t, "20000 operations, %u allocations refused", fails);
	KT_EXPECT_EQ(t, damaged, 0);
	KT_EXPECT_EQ(t, overlap, 0);
	expect_pristine(t);
	heap_teardown(t);
}

static void test_alignment(struct ktest *t)
{
	void *p[17];

	heap_setup(t);
	for (unsigned int s = 0; s <= 16; s++) {
		size_t align = 1ul << s;

		p[s] = k_heap_aligned_alloc(&heap, align, 24 + s * 40,
					    K_NO_WAIT);
		KT_ASSERT_NOT_NULL(t, p[s]);
		KT_EXPECT_EQ(t, (uintptr_t)p[s] & (align - 1), 0);
		KT_EXPECT_GE(t, k_heap_usable_size(&heap, p[s]), 24 + s * 40);
	}
	KT_EXPECT_NULL(t, k_heap_aligned_alloc(&heap, 48, 16, K_NO_WAIT));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_TRUE(t, k_heap_validate(&heap));
	for (unsigned int s = 0; s <= 16; s++)
		k_heap_free(&heap, p[s]);
	expect_pristine(t);
	heap_teardown(t);
}

static void test_exhaust_and_merge(struct ktest *t)
{
	static void *blk[(PAGE_SIZE << HEAP_ORDER) / 32];
	unsigned int n = 0;

	heap_setup(t);
	while (n < sizeof(blk) / sizeof(blk[0]) &&
	       (blk[n] = k_heap_alloc(&heap, 32, K_NO_WAIT)))
		n++;
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	/* 48-byte blocks (16 header + 32): all but the sentinel's bytes. */
	KT_EXPECT_GE(t, n, (PAGE_SIZE << HEAP_ORDER) / 48 - 2);
	KT_EXPECT_NULL(t, k_heap_alloc(&heap, 1, K_NO_WAIT));
	/* Free every other block: nothing of 64 bytes fits anywhere. */
	for (unsigned int i = 0; i < n; i += 2)
		k_heap_free(&heap, blk[i]);
	KT_EXPECT_NULL(t, k_heap_alloc(&heap, 64, K_NO_WAIT));
	KT_EXPECT_TRUE(t, k_heap_validate(&heap));
	for (unsigned int i = 1; i < n; i += 2)
		k_heap_free(&heap, blk[i]);
	expect_pristine(t);
	heap_teardown(t);
}

static void test_realloc(struct ktest *t)
{
	unsigned char *a, *b, *c;

	heap_setup(t);
	a = k_heap_alloc(&heap, 100, K_NO_WAIT);
	b = k_heap_alloc(&heap, 100, K_NO_WAIT);
	KT_ASSERT_TRUE(t, a && b);
	memset(a, 0x5a, 100);
	k_heap_free(&heap, b); /* a's upper neighbour is now free */
	c = k_heap_realloc(&heap, a, 180, K_NO_WAIT);
	KT_EXPECT_TRUE(t, c == a); /* grown in place */
	KT_EXPECT_TRUE(t, mem_is_filled(c, 0x5a, 100));
	c = k_heap_realloc(&heap, a, 40, K_NO_WAIT);
	KT_EXPECT_TRUE(t, c == a); /* shrunk in place */
	b = k_heap_alloc(&heap, 64, K_NO_WAIT); /* pin the neighbour */
	KT_ASSERT_NOT_NULL(t, b);
	c = k_heap_realloc(&heap, a, 4000, K_NO_WAIT);
	KT_ASSERT_NOT_NULL(t, c);
	KT_EXPECT_TRUE(t, c != a); /* moved */
	KT_EXPECT_TRUE(t, mem_is_filled(c, 0x5a, 40));
	/* Failure leaves the block as it was. */
	KT_EXPECT_NULL(t, k_heap_realloc(&heap, c, 1ul << 30, K_NO_WAIT));
	KT_EXPECT_TRUE(t, mem_is_filled(c, 0x5a, 40));
	KT_EXPECT_GE(t, k_heap_usable_size(&heap, c), 4000);
	KT_EXPECT_NULL(t, k_heap_realloc(&heap, c, 0, K_NO_WAIT)); /* frees */
	k_heap_free(&heap, b);
	KT_EXPECT_NULL(t, k_heap_calloc(&heap, SIZE_MAX / 2, 3, K_NO_WAIT));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	a = k_heap_calloc(&heap, 10, 30, K_NO_WAIT);
	KT_ASSERT_NOT_NULL(t, a);
	KT_EXPECT_TRUE(t, mem_is_filled(a, 0, 300));
	k_heap_free(&heap, a);
	KT_EXPECT_NULL(t, k_heap_alloc(&heap, 0, K_NO_WAIT));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	expect_pristine(t);
	heap_teardown(t);
}

static void test_bad_frees(struct ktest *t)
{
	struct k_heap_stats before, after;
	static unsigned long outside[4];
	unsigned char *a, *b;

	heap_setup(t);
	a = k_heap_alloc(&heap, 200, K_NO_WAIT);
	b = k_heap_alloc(&heap, 200, K_NO_WAIT);
	KT_ASSERT_TRUE(t, a && b);
	memset(a, 0x11, 200);
	k_heap_stats_get(&heap, &before);
	ktest_log(t, "six refused frees are expected below");
	k_heap_free(&heap, NULL); /* a no-op, not an error */
	k_heap_free(&heap, outside);
	k_heap_free(&heap, a + 16); /* interior, 16-aligned */
	k_heap_free(&heap, a + 3); /* interior, misaligned */
	k_heap_free(&heap, b);
	k_heap_free(&heap, b); /* double free */
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	k_heap_free(&heap, (char *)heap.hp_end + 64); /* past the end */
	KT_EXPECT_NULL(t, k_heap_realloc(&heap, a + 32, 10, K_NO_WAIT));
	k_heap_stats_get(&heap, &after);
	KT_EXPECT_EQ(t, after.nr_bad_free - before.nr_bad_free, 6);
	KT_EXPECT_EQ(t, after.nr_free - before.nr_free, 1);
	KT_EXPECT_TRUE(t, mem_is_filled(a, 0x11, 200));
	KT_EXPECT_EQ(t, k_heap_usable_size(&heap, b), 0);
	KT_EXPECT_TRUE(t, k_heap_validate(&heap));
	k_heap_free(&heap, a);
	expect_pristine(t);
	heap_teardown(t);
}

/* ---- waiting -------------------------------------------------------------- */

static void *big;
static volatile int irq_result;

static void irq_alloc(void *arg)
{
	/* K_FOREVER from an interrupt must not wait: it fails at once. */
	irq_result = k_heap_alloc(&heap, 1024, K_FOREVER) ? 1 : 2;
}

struct waiter {
	volatile int phase;
	void *got;
	unsigned long waits;
};

static void wait_worker(void *arg)
{
	struct waiter *w = arg;

	if (arch_cpu_id() == 0) {
		__atomic_store_n(&w->phase, 1, __ATOMIC_RELEASE);
		w->got = k_heap_alloc(&heap, 1024, K_MSEC(5000));
	} else if (arch_cpu_id() == 1) {
		uint64_t until;

		while (!__atomic_load_n(&w->phase, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
		until = arch_time_ns() + 2000000; /* let hart 0 start waiting */
		while (arch_time_ns() < until)
			arch_cpu_relax();
		k_heap_free(&heap, big);
	}
}

static void test_timeout(struct ktest *t)
{
	static struct waiter w;
	struct k_heap_stats st;

	heap_setup(t);
	big = k_heap_alloc(&heap, (PAGE_SIZE << HEAP_ORDER) - 256, K_NO_WAIT);
	KT_ASSERT_NOT_NULL(t, big);
	KT_EXPECT_NULL(t, k_heap_alloc(&heap, 1024, K_NO_WAIT));
	KT_EXPECT_NULL(t, k_heap_alloc(&heap, 1024, K_USEC(500)));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	k_heap_stats_get(&heap, &st);
	KT_EXPECT_EQ(t, st.nr_wait, 1);
	KT_ASSERT_TRUE(t, arch_call_from_irq(irq_alloc, NULL));
	KT_EXPECT_EQ(t, irq_result, 2);
	if (arch_nr_cpus() < 2) {
		k_heap_free(&heap, big);
		heap_teardown(t);
		ktest_skip(t, "needs two harts");
	}
	memset(&w, 0, sizeof(w));
	arch_run_on_all_cpus(wait_worker, &w);
	KT_EXPECT_NOT_NULL(t, w.got); /* woken by hart 1's free */
	k_heap_free(&heap, w.got);
	expect_pristine(t);
	heap_teardown(t);
}

/* ---- all harts ------------------------------------------------------------- */

#define SMP_LIVE 48
struct smp_state {
	void *slot[NR_CPUS][SMP_LIVE];
	unsigned long damaged, fails;
};

static void smp_fill(void *arg)
{
	struct smp_state *s = arg;
	unsigned int cpu = arch_cpu_id();
	struct prng r;

	prng_seed(&r, 77 + cpu);
	for (unsigned int round = 0; round < 200; round++) {
		unsigned int i = (unsigned int)prng_below(&r, SMP_LIVE);
		size_t n = 16 + prng_below(&r, 600);
		unsigned char *p = s->slot[cpu][i];

		if (p) {
			if (!mem_is_filled(p, (unsigned char)(cpu + 1), 16))
				__atomic_fetch_add(&s->damaged, 1,
						   __ATOMIC_RELAXED);
			k_heap_free(&heap, p);
		}
		p = k_heap_alloc(&heap, n, K_NO_WAIT);
		if (p)
			memset(p, cpu + 1, 16);
		else
			__atomic_fetch_add(&s->fails, 1, __ATOMIC_RELAXED);
		s->slot[cpu][i] = p;
	}
}

/* Each hart frees what its neighbour allocated. */
static void smp_cross_free(void *arg)
{
	struct smp_state *s = arg;
	unsigned int from = (arch_cpu_id() + 1) % arch_nr_cpus();

	for (unsigned int i = 0; i < SMP_LIVE; i++) {
		unsigned char *p = s->slot[from][i];

		if (p && !mem_is_filled(p, (unsigned char)(from + 1), 16))
			__atomic_fetch_add(&s->damaged, 1, __ATOMIC_RELAXED);
		k_heap_free(&heap, p);
	}
}

static void test_all_harts(struct ktest *t)
{
	static struct smp_state s;

	memset(&s, 0, sizeof(s));
	heap_setup(t);
	arch_run_on_all_cpus(smp_fill, &s);
	KT_EXPECT_TRUE(t, k_heap_validate(&heap));
	arch_run_on_all_cpus(smp_cross_free, &s);
	ktest_log(t, "%u harts, %lu allocations refused", arch_nr_cpus(),
		  s.fails);
	KT_EXPECT_EQ(t, s.damaged, 0);
	expect_pristine(t);
	heap_teardown(t);
}

static void test_init_rejects(struct ktest *t)
{
	static char small[40];
	struct k_heap h;

	KT_EXPECT_EQ(t, k_heap_init(&h, "tiny", small, sizeof(small)),
		     -MM_EINVAL);
	KT_EXPECT_EQ(t, k_heap_init(&h, "null", NULL, 4096), -MM_EINVAL);
}

/*
 * A request of exactly a list boundary (512 B, 1 KiB, 8 KiB ...) reuses a
 * freed block of that size: the lists are indexed by payload bytes, so
 * rounding the request up to a boundary does not skip the list the freed
 * block sits on (by header-included size, 8192 + 16 bytes would land one
 * list below what an 8192-byte request searches).
 */
static void test_boundary_reuse(struct ktest *t)
{
	static const size_t sizes[] = {256, 512, 1024, 2048, 4096, 8192};
	unsigned int reused = 0;
	void *p[3], *again;

	heap_setup(t);
	for (unsigned int i = 0; i < 6; i++) {
		/* From the one free block: three neighbours, in order. */
		for (unsigned int k = 0; k < 3; k++)
			p[k] = k_heap_alloc(&heap, sizes[i], K_NO_WAIT);
		KT_ASSERT_TRUE(t, p[0] && p[1] && p[2]);
		k_heap_free(&heap, p[1]); /* between two used blocks */
		again = k_heap_alloc(&heap, sizes[i], K_NO_WAIT);
		KT_ASSERT_NOT_NULL(t, again);
		reused += again == p[1];
		ktest_log(t, "%zu bytes: %s", sizes[i],
			  again == p[1] ? "freed block reused" : "NOT reused");
		memset(again, 0x5a, sizes[i]);
		KT_EXPECT_TRUE(t, mem_is_filled(again, 0x5a, sizes[i]));
		KT_EXPECT_TRUE(t, k_heap_validate(&heap));
		k_heap_free(&heap, p[0]);
		k_heap_free(&heap, again);
		k_heap_free(&heap, p[2]);
		expect_pristine(t);
	}
	KT_EXPECT_EQ(t, reused, 6);
	heap_teardown(t);
}

/* The bit scans the index uses (plain RV64 has no instruction for them:
 * mm/heap_internal.h's fallbacks) against a loop, on every bit position
 * with random lower (or higher) bits. */
static void test_bit_scans(struct ktest *t)
{
	unsigned int wrong = 0;
	struct prng r;

	prng_seed(&r, 0xb175ca);
	for (unsigned int i = 0; i < 64; i++)
		for (unsigned int k = 0; k < 64; k++) {
			uint64_t top = 1ull << i, v = prng_next(&r);
			uint32_t low =
				(uint32_t)(v << (i & 31)) | 1u << (i & 31);

			wrong += floor_log2(top | (v & (top - 1))) != i;
			wrong += lowest_bit(low) != (i & 31);
		}
	KT_EXPECT_EQ(t, wrong, 0);
}

static const struct ktest_case heap_cases[] = {
	KTEST_CASE(test_random_ops),
	KTEST_CASE(test_alignment),
	KTEST_CASE(test_exhaust_and_merge),
	KTEST_CASE(test_realloc),
	KTEST_CASE(test_bad_frees),
	KTEST_CASE(test_timeout),
	KTEST_CASE(test_all_harts),
	KTEST_CASE(test_init_rejects),
	KTEST_CASE(test_boundary_reuse),
	KTEST_CASE(test_bit_scans),
	KTEST_END,
};
KTEST_SUITE(heap, heap_cases);

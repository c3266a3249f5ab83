// SPDX-License-Identifier: MIT
/*
 * The simple heap (mm/simple_heap.c): first fit in address order,
 * coalescing with each neighbour, alignment, exhaustion, bad arguments,
 * bad frees, a damaged header caught by the validator, a randomized run
 * against a reference model, and all harts on one heap.
 */
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/simple_heap.h"
#include "lib/prng.h"
#include "lib/string.h"
#include "tests/kernel/kt_cleanup.h"

#define HEAP_ORDER 6 /* 256 KiB of pages */
#define HEAP_BYTES (PAGE_SIZE << HEAP_ORDER)
#define GRANULES (HEAP_BYTES / SHEAP_ALIGN)

static struct sheap heap;
static struct page *heap_pages;

/* A heap on fresh pages, given back when the case ends (order 0: small). */
static struct sheap *setup_on(struct ktest *t, struct sheap *h,
			      struct page **pg, unsigned int order)
{
	*pg = alloc_pages(GFP_KERNEL, order);
	KT_ASSERT_NOT_NULL(t, kt_pages_at_end(t, *pg, order));
	KT_ASSERT_EQ(t, sheap_init(h, page_address(*pg), PAGE_SIZE << order),
		     0);
	return h;
}

static struct sheap *setup(struct ktest *t)
{
	return setup_on(t, &heap, &heap_pages, HEAP_ORDER);
}

static void stats(struct sheap *h, struct sheap_stats *st)
{
	sheap_stats(h, st);
}

/* Everything free again: one block spanning the heap, validator green. */
static void expect_pristine(struct ktest *t, struct sheap *h)
{
	struct sheap_stats st;

	KT_EXPECT_TRUE(t, sheap_validate(h));
	stats(h, &st);
	KT_EXPECT_EQ(t, st.ss_live, 0);
	KT_EXPECT_EQ(t, st.ss_free_blocks, 1);
	KT_EXPECT_EQ(t, st.ss_free_bytes, st.ss_size);
	KT_EXPECT_EQ(t, st.ss_largest_free, st.ss_size);
}

/* n blocks of size bytes in a row; the heap must have room. */
static void take(struct ktest *t, void **p, unsigned int n, size_t size)
{
	for (unsigned int i = 0; i < n; i++) {
		p[i] = sheap_alloc(&heap, size, 0);
		KT_ASSERT_NOT_NULL(t, p[i]);
		/* a fresh heap: each block right after the one before */
		if (i)
			KT_ASSERT_EQ(t, (char *)p[i] - (char *)p[i - 1],
				     size + SHEAP_HDR);
	}
}

static void give_back(void **p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (p[i])
			sheap_free(&heap, p[i]);
}

/* Two holes, the high one freed last: the low one is still found first. */
static void test_first_fit(struct ktest *t)
{
	void *p[6], *a, *b, *c;

	setup(t);
	take(t, p, 6, 96);
	sheap_free(&heap, p[1]);
	sheap_free(&heap, p[3]); /* a LIFO list would hand this one out */
	a = sheap_alloc(&heap, 64, 0); /* fits both holes */
	b = sheap_alloc(&heap, 96, 0);
	c = sheap_alloc(&heap, 97, 0); /* fits neither: the tail */
	KT_EXPECT_TRUE(t, a == p[1]);
	KT_EXPECT_TRUE(t, b == p[3]);
	KT_EXPECT_TRUE(t, (char *)c == (char *)p[5] + 96 + SHEAP_HDR);
	/* The 64-byte request took the whole 112-byte block (no 32-byte
	 * fragment is split off). */
	KT_EXPECT_EQ(t, sheap_usable_size(&heap, a), 96);
	p[1] = p[3] = NULL;
	sheap_free(&heap, a);
	sheap_free(&heap, b);
	sheap_free(&heap, c);
	give_back(p, 6);
	expect_pristine(t, &heap);
}

/* Blocks freed in random order come back lowest address first. */
static void test_address_order(struct ktest *t)
{
	static void *p[64];
	unsigned int order[32];
	struct prng r;

	setup(t);
	take(t, p, 64, 48);
	for (unsigned int i = 0; i < 32; i++)
		order[i] = i;
	prng_seed(&r, 0x5ea9);
	for (unsigned int i = 31; i > 0; i--) {
		unsigned int j = (unsigned int)prng_below(&r, i + 1), k;

		k = order[i], order[i] = order[j], order[j] = k;
	}
	for (unsigned int i = 0; i < 32; i++) /* even blocks: no merges */
		sheap_free(&heap, p[2 * order[i]]);
	for (unsigned int i = 0; i < 64; i += 2)
		KT_EXPECT_TRUE(t, sheap_alloc(&heap, 48, 0) == p[i]);
	give_back(p, 64);
	expect_pristine(t, &heap);
}

/* Free blocks and the largest of them, from the statistics. */
static void expect_free_blocks(struct ktest *t, size_t nr, size_t largest)
{
	struct sheap_stats st;

	stats(&heap, &st);
	KT_EXPECT_EQ(t, st.ss_free_blocks, nr);
	if (largest)
		KT_EXPECT_EQ(t, st.ss_largest_free, largest);
	KT_EXPECT_TRUE(t, sheap_validate(&heap));
}

#define CBLK 96 /* payload; a block is CBLK + SHEAP_HDR bytes */
#define CSTEP (CBLK + SHEAP_HDR)

/*
 * Four blocks A B C D and the free tail; D stays allocated so that the
 * tail never touches them.  free_order lists the blocks freed (indices
 * 0-2); merged is the payload of the one block they must have become, at
 * A's address.
 */
static void coalesce(struct ktest *t, const unsigned int *free_order,
		     unsigned int n, const size_t *free_blocks)
{
	void *p[4], *q, *first;
	size_t merged = (size_t)n * CSTEP - SHEAP_HDR;

	setup(t);
	take(t, p, 4, CBLK);
	first = p[0];
	expect_free_blocks(t, 1, 0);
	for (unsigned int i = 0; i < n; i++) {
		KT_ASSERT_TRUE(t, sheap_free(&heap, p[free_order[i]]));
		p[free_order[i]] = NULL;
		expect_free_blocks(t, free_blocks[i], 0);
	}
	/* The merged space is one block again, handed out whole. */
	q = sheap_alloc(&heap, merged, 0);
	KT_EXPECT_TRUE(t, q == first);
	KT_EXPECT_EQ(t, sheap_usable_size(&heap, q), merged);
	sheap_free(&heap, q);
	give_back(p, 4);
	expect_pristine(t, &heap);
}

/* B freed after A: B merges with the previous block. */
static void test_coalesce_prev(struct ktest *t)
{
	static const unsigned int order[] = {0, 1};
	static const size_t nr[] = {2, 2};

	coalesce(t, order, 2, nr);
}

/* A freed after B: A merges with the next block. */
static void test_coalesce_next(struct ktest *t)
{
	static const unsigned int order[] = {1, 0};
	static const size_t nr[] = {2, 2};

	coalesce(t, order, 2, nr);
}

/* B freed between free A and free C: one block of three. */
static void test_coalesce_both(struct ktest *t)
{
	static const unsigned int order[] = {0, 2, 1};
	static const size_t nr[] = {2, 3, 2};

	coalesce(t, order, 3, nr);
}

/* The last block merges with the free tail; then with the rest. */
static void test_coalesce_tail(struct ktest *t)
{
	void *p[4];
	struct sheap_stats st;

	setup(t);
	take(t, p, 4, CBLK);
	sheap_free(&heap, p[3]);
	stats(&heap, &st);
	KT_EXPECT_EQ(t, st.ss_free_blocks, 1);
	KT_EXPECT_EQ(t, st.ss_largest_free, st.ss_size - 3 * CSTEP);
	p[3] = NULL;
	give_back(p, 4);
	expect_pristine(t, &heap);
}

/* Every alignment from 0 (the default) to 4096, blocks kept live. */
static void test_alignment(struct ktest *t)
{
	static const size_t sizes[] = {1, 24, 100, 1000};
	static void *p[14 * 4];
	unsigned int n = 0;

	setup(t);
	for (size_t align = 0; align <= 4096; align = align ? align * 2 : 1)
		for (unsigned int i = 0; i < 4; i++) {
			size_t a = align > SHEAP_ALIGN ? align : SHEAP_ALIGN;
			char *q = sheap_alloc(&heap, sizes[i], align);

			KT_ASSERT_NOT_NULL(t, q);
			p[n++] = q;
			KT_EXPECT_EQ(t, (uintptr_t)q % a, 0);
			KT_EXPECT_GE(t, sheap_usable_size(&heap, q), sizes[i]);
			memset(q, 0xa5, sizes[i]);
		}
	KT_EXPECT_TRUE(t, sheap_validate(&heap));
	for (unsigned int i = 0; i < n; i += 2) /* leave holes, then all */
		sheap_free(&heap, p[i]);
	KT_EXPECT_TRUE(t, sheap_validate(&heap));
	for (unsigned int i = 1; i < n; i += 2)
		sheap_free(&heap, p[i]);
	expect_pristine(t, &heap);
}

/* Fill until NULL (MM_ENOMEM); a freed hole is found again at once. */
static void test_exhaustion(struct ktest *t)
{
	static void *p[HEAP_BYTES / 1024 + 1];
	const unsigned int max = HEAP_BYTES / 1024; /* 1000 + header + pad */
	struct sheap_stats st;
	unsigned int n = 0;

	setup(t);
	while (n <= max && (p[n] = sheap_alloc(&heap, 1000, 0)))
		n++;
	KT_EXPECT_EQ(t, n, max);
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	KT_EXPECT_NULL(t, sheap_alloc(&heap, 1, 0));
	stats(&heap, &st);
	KT_EXPECT_EQ(t, st.ss_failures, 2);
	KT_EXPECT_EQ(t, st.ss_bad_args, 0);
	KT_EXPECT_EQ(t, st.ss_free_bytes, 0);
	KT_EXPECT_EQ(t, st.ss_min_free_bytes, 0);
	KT_EXPECT_TRUE(t, sheap_validate(&heap));
	sheap_free(&heap, p[n / 2]);
	KT_EXPECT_TRUE(t, sheap_alloc(&heap, 1000, 0) == p[n / 2]);
	KT_EXPECT_NULL(t, sheap_alloc(&heap, 1000, 0));
	give_back(p, n);
	expect_pristine(t, &heap);
}

/* Bad arguments: NULL and MM_EINVAL; too large: NULL and MM_ENOMEM. */
static void test_bad_args(struct ktest *t)
{
	static char cap[512];
	static struct sheap h2;
	struct sheap_stats st;
	char *base;

	setup(t);
	base = heap.sh_start;
	KT_EXPECT_EQ(t, sheap_init(&h2, base + 8, 4096), -1);
	KT_EXPECT_EQ(t, sheap_init(&h2, base, SHEAP_MIN_REGION - 1), -1);
	KT_ASSERT_TRUE(t, kt_capture(t, cap, sizeof(cap)));
	ktest_log(t, "two refused alignments are expected below");
	KT_EXPECT_NULL(t, sheap_alloc(&heap, 0, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, sheap_alloc(&heap, 64, 3));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	KT_EXPECT_NULL(t, sheap_alloc(&heap, 64, 48));
	KT_EXPECT_EQ(t, mm_last_error(), MM_EINVAL);
	kt_capture_stop(t);
	KT_EXPECT_NOT_NULL(t, strstr(cap, "alignment 3 is not a power of two"));
	KT_EXPECT_NOT_NULL(t,
			   strstr(cap, "alignment 48 is not a power of two"));
	KT_EXPECT_NULL(t, sheap_alloc(&heap, HEAP_BYTES, 0));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	KT_EXPECT_NULL(t, sheap_alloc(&heap, (size_t)-1, 0));
	KT_EXPECT_NULL(t, sheap_alloc(&heap, (size_t)-1 - 8, 64));
	KT_EXPECT_NULL(t, sheap_alloc(&heap, 64, (size_t)1 << 40));
	KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
	stats(&heap, &st);
	KT_EXPECT_EQ(t, st.ss_failures, 7);
	KT_EXPECT_EQ(t, st.ss_bad_args, 3);
	KT_EXPECT_EQ(t, st.ss_allocs, 0);
	expect_pristine(t, &heap);
}

static char cap[2048];

/* One free that must be refused for reason why, changing nothing. */
static void expect_refused(struct ktest *t, struct sheap *h, void *p,
			   const char *why)
{
	struct sheap_stats before, after;

	stats(h, &before);
	cap[0] = 0;
	KT_ASSERT_TRUE(t, kt_capture(t, cap, sizeof(cap)));
	KT_EXPECT_FALSE(t, sheap_free(h, p));
	kt_capture_stop(t);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	if (!strstr(cap, why) || !strstr(cap, "sheap: bad free of"))
		ktest_fail(t, __FILE__, __LINE__, "free of %p: no report '%s'",
			   p, why);
	stats(h, &after);
	KT_EXPECT_EQ(t, after.ss_bad_frees, before.ss_bad_frees + 1);
	KT_EXPECT_EQ(t, after.ss_frees, before.ss_frees);
	KT_EXPECT_EQ(t, after.ss_free_bytes, before.ss_free_bytes);
	KT_EXPECT_EQ(t, after.ss_free_blocks, before.ss_free_blocks);
	KT_EXPECT_TRUE(t, sheap_validate(h));
}

#define NOT_HERE "not a block address of this heap"
#define NOT_USED "block not in use (double free?)"

/* Invalid, interior, foreign and double frees: refused and reported. */
static void test_bad_frees(struct ktest *t)
{
	static unsigned long outside[4];
	static struct sheap other;
	struct page *other_pages;
	char *a, *b, *c, *o;

	setup(t);
	setup_on(t, &other, &other_pages, 0);
	a = sheap_alloc(&heap, 64, 0);
	b = sheap_alloc(&heap, 64, 0);
	c = sheap_alloc(&heap, 200, 0);
	o = sheap_alloc(&other, 64, 0);
	KT_ASSERT_TRUE(t, a && b && c && o);
	memset(c, 0xc3, 200); /* odd bytes: a fake header looks "in use" */
	ktest_log(t, "twelve refused frees are expected below");
	expect_refused(t, &heap, NULL, "NULL pointer");
	expect_refused(t, &heap, outside, NOT_HERE);
	expect_refused(t, &heap, heap.sh_end, NOT_HERE);
	expect_refused(t, &heap, heap.sh_start, NOT_HERE); /* its header */
	expect_refused(t, &heap, o, NOT_HERE); /* another heap's block */
	expect_refused(t, &heap, a + 1, "misaligned (interior pointer?)");
	expect_refused(t, &heap, c + 64,
		       "bad block header (interior pointer or overwritten)");
	memset(c, 0x3c, 200); /* even bytes: the fake header is "free" */
	expect_refused(t, &heap, c + 64, NOT_USED);
	KT_EXPECT_TRUE(t, sheap_free(&heap, b));
	expect_refused(t, &heap, b, NOT_USED); /* double free */
	KT_EXPECT_TRUE(t, sheap_free(&heap, a)); /* merges with b */
	expect_refused(t, &heap, a, NOT_USED);
	expect_refused(t, &heap, b, NOT_USED); /* its header merged away */
	expect_refused(t, &other, c, NOT_HERE);
	KT_EXPECT_TRUE(t, mem_is_filled(c, 0x3c, 200));
	KT_EXPECT_GE(t, sheap_usable_size(&other, o), 64);
	KT_EXPECT_TRUE(t, sheap_free(&other, o));
	KT_EXPECT_TRUE(t, sheap_free(&heap, c));
	expect_pristine(t, &heap);
	expect_pristine(t, &other);
}

/* A header overwritten: the validator says where; restored, all is well. */
static void test_corrupt_header(struct ktest *t)
{
	size_t *hdr, saved;
	char *a, *b;

	setup(t);
	a = sheap_alloc(&heap, 100, 0);
	b = sheap_alloc(&heap, 100, 0);
	KT_ASSERT_TRUE(t, a && b);
	hdr = (size_t *)b - 2; /* b's size word */
	saved = *hdr;
	*hdr = saved + 2 * SHEAP_ALIGN;
	ktest_log(t,
		  "a validator report and a refused free are expected below");
	KT_EXPECT_FALSE(t, sheap_validate(&heap));
	KT_EXPECT_FALSE(t, sheap_free(&heap, b));
	KT_EXPECT_EQ(t, heap.sh_bad_frees, 1);
	*hdr = saved;
	KT_EXPECT_TRUE(t, sheap_validate(&heap));
	KT_EXPECT_TRUE(t, sheap_free(&heap, b));
	KT_EXPECT_TRUE(t, sheap_free(&heap, a));
	expect_pristine(t, &heap);
}

/* ---- randomized, against a reference model ------------------------------ */

#define MODEL_LIVE 200
#define MODEL_OPS 20000

struct mblock {
	unsigned char *p;
	size_t size; /* asked for */
	size_t span; /* header + usable bytes: what the heap accounts */
	unsigned char fill;
};

static struct mblock live[MODEL_LIVE];
static unsigned char owner[GRANULES]; /* 1: granule in a live block */

/* Mark (on) or clear the granules of m; false if one was already taken. */
static bool own(const struct mblock *m, bool on)
{
	size_t g = (size_t)((char *)m->p - SHEAP_HDR - heap.sh_start) /
		   SHEAP_ALIGN;
	bool clean = true;

	for (size_t i = 0; i < m->span / SHEAP_ALIGN; i++) {
		clean &= owner[g + i] == !on;
		owner[g + i] = on;
	}
	return clean;
}

struct model {
	unsigned int nr; /* live blocks */
	size_t used; /* sum of their spans */
	unsigned long nulls, damaged, overlaps, misaligned, false_nulls;
};

static void model_alloc(struct ktest *t, struct model *md, struct prng *r)
{
	size_t size = 1 + prng_below(r, prng_below(r, 4) ? 1024 : 32768);
	size_t align = prng_below(r, 8) ? 0 : (size_t)32 << prng_below(r, 6);
	struct mblock *m = &live[md->nr];
	struct sheap_stats st;

	m->p = sheap_alloc(&heap, size, align);
	if (!m->p) {
		md->nulls++;
		stats(&heap, &st); /* first fit: NULL only if nothing fits */
		if (!align && ((size + 15) & ~(size_t)15) <= st.ss_max_alloc)
			md->false_nulls++;
		KT_EXPECT_EQ(t, mm_last_error(), MM_ENOMEM);
		return;
	}
	m->size = size;
	m->span = sheap_usable_size(&heap, m->p) + SHEAP_HDR;
	m->fill = (unsigned char)prng_below(r, 255) + 1;
	if ((uintptr_t)m->p % (align > SHEAP_ALIGN ? align : SHEAP_ALIGN) ||
	    m->span < size + SHEAP_HDR)
		md->misaligned++;
	if (!own(m, true))
		md->overlaps++;
	memset(m->p, m->fill, size);
	md->used += m->span;
	md->nr++;
}

static void model_free(struct model *md, unsigned int i)
{
	struct mblock *m = &live[i];

	if (!mem_is_filled(m->p, m->fill, m->size))
		md->damaged++;
	own(m, false);
	if (!sheap_free(&heap, m->p))
		md->damaged++;
	md->used -= m->span;
	*m = live[--md->nr];
}

/* The heap's accounting against the model's. */
static void model_check(struct ktest *t, const struct model *md)
{
	struct sheap_stats st;

	KT_ASSERT_TRUE(t, sheap_validate(&heap));
	stats(&heap, &st);
	KT_EXPECT_EQ(t, st.ss_live, md->nr);
	KT_EXPECT_EQ(t, st.ss_used_bytes, md->used);
	KT_EXPECT_EQ(t, st.ss_free_bytes + md->used, st.ss_size);
}

static void test_random_model(struct ktest *t)
{
	struct model md = {0};
	struct prng r;

	setup(t);
	memset(owner, 0, sizeof(owner));
	prng_seed(&r, 0x5171e);
	for (unsigned int op = 0; op < MODEL_OPS; op++) {
		if (md.nr && (md.nr == MODEL_LIVE || prng_below(&r, 2)))
			model_free(&md, (unsigned int)prng_below(&r, md.nr));
		else
			model_alloc(t, &md, &r);
		if (op % 500 == 0)
			model_check(t, &md);
	}
	model_check(t, &md);
	ktest_log(t, "%u operations, %lu allocations refused (heap full)",
		  MODEL_OPS, md.nulls);
	while (md.nr)
		model_free(&md, md.nr - 1);
	KT_EXPECT_EQ(t, md.damaged, 0);
	KT_EXPECT_EQ(t, md.overlaps, 0);
	KT_EXPECT_EQ(t, md.misaligned, 0);
	KT_EXPECT_EQ(t, md.false_nulls, 0);
	KT_EXPECT_EQ(t, md.used, 0);
	expect_pristine(t, &heap);
}

/* ---- all harts on one heap ---------------------------------------------- */

#define HART_LIVE 24
#define HART_OPS 3000

static void hart_churn(struct ktest *t, void *arg)
{
	static unsigned char *mine[NR_CPUS][HART_LIVE];
	static size_t len[NR_CPUS][HART_LIVE];
	unsigned int cpu = arch_cpu_id(), bad = 0;
	unsigned char fill = (unsigned char)(cpu + 1);
	struct prng r;

	prng_seed(&r, 0x4a27 + cpu);
	for (unsigned int op = 0; op < HART_OPS; op++) {
		unsigned int i = (unsigned int)prng_below(&r, HART_LIVE);

		if (mine[cpu][i]) {
			bad += !mem_is_filled(mine[cpu][i], fill, len[cpu][i]);
			bad += !sheap_free(&heap, mine[cpu][i]);
			mine[cpu][i] = NULL;
			continue;
		}
		len[cpu][i] = 1 + prng_below(&r, 1500);
		mine[cpu][i] = sheap_alloc(&heap, len[cpu][i], 0);
		if (mine[cpu][i])
			memset(mine[cpu][i], fill, len[cpu][i]);
	}
	for (unsigned int i = 0; i < HART_LIVE; i++) {
		if (mine[cpu][i]) {
			bad += !mem_is_filled(mine[cpu][i], fill, len[cpu][i]);
			bad += !sheap_free(&heap, mine[cpu][i]);
			mine[cpu][i] = NULL;
		}
	}
	KT_EXPECT_EQ(t, bad, 0);
}

static void test_smp_churn(struct ktest *t)
{
	struct sheap_stats st;

	setup(t);
	ktest_on_all_cpus(t, hart_churn, NULL);
	stats(&heap, &st);
	KT_EXPECT_EQ(t, st.ss_allocs, st.ss_frees);
	KT_EXPECT_EQ(t, st.ss_bad_frees, 0);
	expect_pristine(t, &heap);
}

static const struct ktest_case simple_heap_cases[] = {
	KTEST_CASE(test_first_fit),	 KTEST_CASE(test_address_order),
	KTEST_CASE(test_coalesce_prev),	 KTEST_CASE(test_coalesce_next),
	KTEST_CASE(test_coalesce_both),	 KTEST_CASE(test_coalesce_tail),
	KTEST_CASE(test_alignment),	 KTEST_CASE(test_exhaustion),
	KTEST_CASE(test_bad_args),	 KTEST_CASE(test_bad_frees),
	KTEST_CASE(test_corrupt_header), KTEST_CASE(test_random_model),
	KTEST_CASE(test_smp_churn),	 KTEST_END,
};
KTEST_SUITE(simple_heap, simple_heap_cases);

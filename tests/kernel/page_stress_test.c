/* SPDX-License-Identifier: MIT */
/*
 * Random stress of the page allocator with fixed seeds (page_stress): mixed
 * orders and flags, and runs of pages (mm/page_run.c) among the blocks, on
 * one hart with the validator run every few thousand operations, then all
 * harts at once handing blocks to each other so that pages allocated on
 * one hart are freed on another while the others take and give runs.
 */
#include "tests/kernel/page_test.h"
#include "lib/prng.h"
#include "lib/string.h"

#define SLOTS 256
#define TAG_MAGIC 0x7a6b5c4d00000000ULL

struct slot {
	struct page *pg;
	unsigned int order;
	unsigned int nr; /* a run of nr pages (order unused), or 0: a block */
};

/* The pages a slot holds. */
static unsigned long slot_pages(const struct slot *s)
{
	return s->nr ? s->nr : 1UL << s->order;
}

/* Mostly order 0, geometrically fewer of each higher order. */
static unsigned int random_order(struct prng *r)
{
	unsigned int o = 0;

	while (o < MAX_ORDER - 1 && prng_below(r, 3) == 0)
		o++;
	return o;
}

static gfp_t random_gfp(struct prng *r)
{
	static const gfp_t choice[] = {GFP_KERNEL, GFP_KERNEL, GFP_ATOMIC,
				       GFP_KERNEL | __GFP_ZERO,
				       GFP_KERNEL | GFP_DMA};

	return choice[prng_below(r, sizeof(choice) / sizeof(choice[0]))] |
	       __GFP_NOWARN;
}

/* Stamp the first word of every page with its frame number. */
static void tag_block(struct page *pg, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++)
		*(uint64_t *)page_address(pg + i) =
			TAG_MAGIC ^ page_to_pfn(pg + i);
}

static unsigned long tag_damage(struct page *pg, unsigned long pages)
{
	unsigned long bad = 0;

	for (unsigned long i = 0; i < pages; i++)
		bad += *(uint64_t *)page_address(pg + i) !=
		       (TAG_MAGIC ^ page_to_pfn(pg + i));
	return bad;
}

struct stress_result {
	unsigned long damage, bad_zone, bad_zero, odd_errors, allocs, runs;
	unsigned long bad_cut; /* runs whose blocks are not their cut */
};

/* Give back what the slot holds, checking its tags first. */
static void slot_free(struct slot *s, struct stress_result *res)
{
	res->damage += tag_damage(s->pg, slot_pages(s));
	if (s->nr)
		__free_page_run(s->pg, s->nr,
				(unsigned long)__builtin_return_address(0));
	else
		free_pages(s->pg, s->order);
	s->pg = NULL;
}

/* One operation on a random slot: free what is there, or fill it: a block
 * of a random order, or (one time in four) a run of 1..24 pages. */
static void stress_op(struct prng *r, struct slot *s, struct stress_result *res)
{
	gfp_t gfp;

	if (s->pg) {
		slot_free(s, res);
		return;
	}
	gfp = random_gfp(r);
	s->order = random_order(r);
	s->nr = prng_below(r, 4) == 0 ? 1 + (unsigned int)prng_below(r, 24)
				      : 0;
	s->pg = s->nr ? __alloc_page_run(gfp, s->nr,
					 (unsigned long)__builtin_return_address(0))
		      : alloc_pages(gfp, s->order);
	if (!s->pg) {
		enum mm_error e = mm_last_error();

		res->odd_errors += e != MM_ENOMEM && e != MM_EWATERMARK;
		return;
	}
	res->allocs++;
	res->runs += s->nr != 0;
	res->bad_cut += s->nr && page_run_check(s->pg, s->nr, 0);
	if ((gfp & GFP_DMA) && page_zone(s->pg) != &zones[ZONE_DMA])
		res->bad_zone++;
	if ((gfp & __GFP_ZERO) &&
	    !mem_is_filled(page_address(s->pg), 0, PAGE_SIZE * slot_pages(s)))
		res->bad_zero++;
	tag_block(s->pg, slot_pages(s));
}

static void release_slots(struct slot *slots, struct stress_result *res)
{
	for (unsigned int i = 0; i < SLOTS; i++)
		if (slots[i].pg)
			slot_free(&slots[i], res);
}

static void test_random_one_hart(struct ktest *t)
{
	unsigned long before = nr_free_pages(), validations = 0;
	struct stress_result res = {0};
	struct slot *slots = alloc_pages_addr(GFP_KERNEL | __GFP_ZERO, 2);
	struct prng r;

	KT_ASSERT_NOT_NULL(t, slots);
	prng_seed(&r, 20261124);
	for (unsigned int i = 1; i <= 20000; i++) {
		stress_op(&r, &slots[prng_below(&r, SLOTS)], &res);
		if (i % 4000 == 0) {
			validations++;
			KT_EXPECT_TRUE(t, mm_validate());
		}
	}
	release_slots(slots, &res);
	free_pages(virt_to_page(slots), 2);
	ktest_log(t, "%lu allocations (%lu runs), %lu validations",
		  res.allocs, res.runs, validations);
	KT_EXPECT_EQ(t, res.damage, 0);
	KT_EXPECT_EQ(t, res.bad_cut, 0);
	KT_EXPECT_GT(t, res.runs, 1000);
	KT_EXPECT_EQ(t, res.bad_zone, 0);
	KT_EXPECT_EQ(t, res.bad_zero, 0);
	KT_EXPECT_EQ(t, res.odd_errors, 0);
	KT_EXPECT_GT(t, res.allocs, 5000);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

/* ---- all harts ------------------------------------------------------------ */

#define MAILBOXES 64

struct smp_run {
	unsigned long mailbox[MAILBOXES]; /* page pointer | order, or 0 */
	struct stress_result res[NR_CPUS];
	unsigned int no_slots;
	unsigned int invalid; /* validator failures seen while running */
	unsigned int ops;
};

static unsigned long pack(struct page *pg, unsigned int order)
{
	return (unsigned long)pg | order; /* struct page is 32-byte aligned */
}

static void unpack_free(unsigned long v, struct stress_result *res)
{
	struct page *pg = (struct page *)(v & ~31UL);
	unsigned int order = v & 31;

	res->damage += tag_damage(pg, 1UL << order);
	free_pages(pg, order);
}

/* Hand a block to another hart through a mailbox, or take one and free
 * it.  A run is freed here (its page count does not fit the mailbox). */
static void smp_exchange(struct smp_run *run, struct prng *r, struct slot *s,
			 struct stress_result *res)
{
	unsigned long *box = &run->mailbox[prng_below(r, MAILBOXES)];
	unsigned long old;

	if (s->pg && s->nr)
		slot_free(s, res);
	if (s->pg) {
		old = __atomic_exchange_n(box, pack(s->pg, s->order),
					  __ATOMIC_ACQ_REL);
		s->pg = NULL;
	} else {
		old = __atomic_exchange_n(box, 0, __ATOMIC_ACQ_REL);
	}
	if (old)
		unpack_free(old, res);
}

static void smp_worker(void *arg)
{
	struct smp_run *run = arg;
	unsigned int cpu = arch_cpu_id();
	struct stress_result *res = &run->res[cpu];
	struct slot *slots = alloc_pages_addr(GFP_KERNEL | __GFP_ZERO, 2);
	struct prng r;

	if (!slots) {
		__atomic_fetch_add(&run->no_slots, 1, __ATOMIC_RELAXED);
		return;
	}
	prng_seed(&r, 777 + cpu);
	for (unsigned int i = 1; i <= run->ops; i++) {
		struct slot *s = &slots[prng_below(&r, SLOTS)];

		if (prng_below(&r, 4) == 0)
			smp_exchange(run, &r, s, res);
		else
			stress_op(&r, s, res);
		if (cpu == 0 && i % 1500 == 0 && !page_alloc_validate())
			__atomic_fetch_add(&run->invalid, 1, __ATOMIC_RELAXED);
	}
	release_slots(slots, res);
	free_pages(virt_to_page(slots), 2);
}

static void test_random_all_harts(struct ktest *t)
{
	unsigned long before = nr_free_pages(), damage = 0, allocs = 0, runs = 0;
	static struct smp_run run;
	struct stress_result left = {0};

	memset(&run, 0, sizeof(run));
	run.ops = 6000;
	arch_run_on_all_cpus(smp_worker, &run);
	for (unsigned int i = 0; i < MAILBOXES; i++)
		if (run.mailbox[i])
			unpack_free(run.mailbox[i], &left);
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		damage += run.res[c].damage;
		allocs += run.res[c].allocs;
		runs += run.res[c].runs;
		KT_EXPECT_EQ(t, run.res[c].bad_cut, 0);
		KT_EXPECT_EQ(t, run.res[c].bad_zone, 0);
		KT_EXPECT_EQ(t, run.res[c].bad_zero, 0);
		KT_EXPECT_EQ(t, run.res[c].odd_errors, 0);
	}
	ktest_log(t, "%u harts, %lu allocations (%lu runs)", arch_nr_cpus(),
		  allocs, runs);
	KT_EXPECT_EQ(t, run.no_slots, 0);
	KT_EXPECT_EQ(t, run.invalid, 0);
	KT_EXPECT_EQ(t, damage + left.damage, 0);
	KT_EXPECT_TRUE(t, mm_validate());
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

static const struct ktest_case page_stress_cases[] = {
	KTEST_CASE(test_random_one_hart),
	KTEST_CASE(test_random_all_harts),
	KTEST_END,
};
KTEST_SUITE(page_stress, page_stress_cases);

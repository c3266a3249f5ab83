/* SPDX-License-Identifier: MIT */
/*
 * Random stress of the page allocator with fixed seeds (page_stress): mixed
 * orders and flags on one hart with the validator run every few thousand
 * operations, then all harts at once handing blocks to each other so that
 * pages allocated on one hart are freed on another.
 */
#include "tests/kernel/page_test.h"
#include "lib/prng.h"
#include "lib/string.h"

#define SLOTS 256
#define TAG_MAGIC 0x7a6b5c4d00000000ULL

struct slot {
	struct page *pg;
	unsigned int order;
};

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
static void tag_block(struct page *pg, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++)
		*(uint64_t *)page_address(pg + i) =
			TAG_MAGIC ^ page_to_pfn(pg + i);
}

static unsigned long tag_damage(struct page *pg, unsigned int order)
{
	unsigned long bad = 0;

	for (unsigned long i = 0; i < (1UL << order); i++)
		bad += *(uint64_t *)page_address(pg + i) !=
		       (TAG_MAGIC ^ page_to_pfn(pg + i));
	return bad;
}

struct stress_result {
	unsigned long damage, bad_zone, bad_zero, odd_errors, allocs;
};

/* One operation on a random slot: free what is there, or fill it. */
static void stress_op(struct prng *r, struct slot *s, struct stress_result *res)
{
	gfp_t gfp;

	if (s->pg) {
		res->damage += tag_damage(s->pg, s->order);
		free_pages(s->pg, s->order);
		s->pg = NULL;
		return;
	}
	gfp = random_gfp(r);
	s->order = random_order(r);
	s->pg = alloc_pages(gfp, s->order);
	if (!s->pg) {
		enum mm_error e = mm_last_error();

		res->odd_errors += e != MM_ENOMEM && e != MM_EWATERMARK;
		return;
	}
	res->allocs++;
	if ((gfp & GFP_DMA) && page_zone(s->pg) != &zones[ZONE_DMA])
		res->bad_zone++;
	if ((gfp & __GFP_ZERO) &&
	    !mem_is_filled(page_address(s->pg), 0, PAGE_SIZE << s->order))
		res->bad_zero++;
	tag_block(s->pg, s->order);
}

static void release_slots(struct slot *slots, struct stress_result *res)
{
	for (unsigned int i = 0; i < SLOTS; i++) {
		if (slots[i].pg) {
			res->damage += tag_damage(slots[i].pg, slots[i].order);
			free_pages(slots[i].pg, slots[i].order);
			slots[i].pg = NULL;
		}
	}
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
	ktest_log(t, "%lu allocations, %lu validations", res.allocs,
		  validations);
	KT_EXPECT_EQ(t, res.damage, 0);
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

	res->damage += tag_damage(pg, order);
	free_pages(pg, order);
}

/* Hand a block to another hart through a mailbox, or take one and free it. */
static void smp_exchange(struct smp_run *run, struct prng *r, struct slot *s,
			 struct stress_result *res)
{
	unsigned long *box = &run->mailbox[prng_below(r, MAILBOXES)];
	unsigned long old;

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
	unsigned long before = nr_free_pages(), damage = 0, allocs = 0;
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
		KT_EXPECT_EQ(t, run.res[c].bad_zone, 0);
		KT_EXPECT_EQ(t, run.res[c].bad_zero, 0);
		KT_EXPECT_EQ(t, run.res[c].odd_errors, 0);
	}
	ktest_log(t, "%u harts, %lu allocations", arch_nr_cpus(), allocs);
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

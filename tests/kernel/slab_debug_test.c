/* SPDX-License-Identifier: MIT */
/*
 * Debug caches (suite slab_debug): 1-byte overflows on either side caught
 * on free and by the validator, write after free caught on the next
 * allocation, the fresh-allocation pattern, allocation sites listed by
 * kmem_cache_destroy() and kmem_cache_walk_live(), mm.debug's default.
 */
#include "tests/kernel/slab_test.h"
#include "tests/kernel/kt_cleanup.h"
#include "mm/slab_internal.h"

static struct kmem_cache *debug_cache(struct ktest *t, size_t size)
{
	struct kmem_cache *c = kt_cache_at_end(
		t, kmem_cache_create("dbg", size, 0, SLAB_DEBUG, NULL));

	KT_ASSERT_NOT_NULL(t, c);
	KT_EXPECT_EQ(t, c->kc_flags & SLAB_DEBUG, SLAB_DEBUG);
	KT_EXPECT_EQ(t, c->kc_cpu[0].cc_limit, 0);
	return c;
}

static void overflow(struct ktest *t, long where)
{
	struct kmem_cache *c = debug_cache(t, 24);
	unsigned char *obj;
	unsigned long corrupt = c->kc_nr_corrupt;

	/* From the damage to its repair (the free) nothing allocates. */
	obj = kmem_cache_alloc_really(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, obj);
	KT_EXPECT_TRUE(t, slab_validate());
	obj[where] = 0; /* one byte past the end, or before the start */
	KT_EXPECT_FALSE(t, slab_validate()); /* a live object's zone */
	kmem_cache_free(c, obj); /* reported, repainted, freed */
	KT_EXPECT_GE(t, c->kc_nr_corrupt, corrupt + 2);
	KT_EXPECT_FALSE(t, kmem_cache_obj_live(c, obj));
	KT_EXPECT_TRUE(t, slab_validate());
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static void test_overflow_after(struct ktest *t)
{
	overflow(t, 24);
}

static void test_overflow_before(struct ktest *t)
{
	overflow(t, -1);
}

static void test_write_after_free(struct ktest *t)
{
	struct kmem_cache *c = debug_cache(t, 40);
	unsigned char *obj, *again;

	obj = kmem_cache_alloc_really(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, obj);
	kmem_cache_free(c, obj);
	KT_EXPECT_TRUE(t, mem_is_filled(obj, SLAB_POISON_FREE, 39));
	KT_EXPECT_EQ(t, obj[39], SLAB_POISON_END);
	/* The next allocation repairs the damage: it must not be refused. */
	kt_faults_pause();
	obj[7] = 1; /* the write after free */
	KT_EXPECT_FALSE(t, slab_validate());
	again = kmem_cache_alloc(c, GFP_KERNEL); /* same object (LIFO) */
	kt_faults_resume();
	KT_ASSERT_TRUE(t, again == obj);
	KT_EXPECT_EQ(t, c->kc_nr_corrupt, 2); /* validator + allocation */
	/* Handed out with the fresh pattern all the same. */
	KT_EXPECT_TRUE(t, mem_is_filled(again, SLAB_POISON_INUSE, 40));
	kmem_cache_free(c, again);
	KT_EXPECT_TRUE(t, slab_validate());
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static void test_double_free_debug(struct ktest *t)
{
	struct kmem_cache *c = debug_cache(t, 64);
	void *obj = kmem_cache_alloc(c, GFP_KERNEL);

	KT_ASSERT_NOT_NULL(t, obj);
	kmem_cache_free(c, obj);
	kmem_cache_free(c, obj);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_EQ(t, c->kc_nr_bad_free[SLAB_BAD_DOUBLE], 1);
	KT_EXPECT_TRUE(t, slab_validate());
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* Allocate from a known call site. */
static __attribute__((noinline)) void *site_a(struct kmem_cache *c)
{
	void *p = kmem_cache_alloc(c, GFP_KERNEL);

	__asm__ volatile("" ::: "memory"); /* no tail call: a site of its own */
	return p;
}

static __attribute__((noinline)) void *site_b(struct kmem_cache *c)
{
	void *p = kmem_cache_alloc(c, GFP_KERNEL | __GFP_NOWARN); /* != a */

	__asm__ volatile("" ::: "memory"); /* no tail call: a site of its own */
	return p;
}

struct sites {
	unsigned long n, a, b, in_a, in_b;
};

static bool count_site(struct kmem_cache *c, void *obj, unsigned long site,
		       void *arg)
{
	struct sites *s = arg;

	s->n++;
	s->in_a += site == s->a;
	s->in_b += site == s->b;
	return true;
}

static void test_destroy_lists_sites(struct ktest *t)
{
	struct kmem_cache *c = debug_cache(t, 100);
	void *objs[5];
	struct sites s = {0};

	for (unsigned int i = 0; i < 5; i++) {
		objs[i] = i < 3 ? site_a(c) : site_b(c);
		KT_ASSERT_NOT_NULL(t, objs[i]);
		KT_EXPECT_EQ(t, slab_debug_site(c, objs[i]) != 0, 1);
	}
	s.a = slab_debug_site(c, objs[0]);
	s.b = slab_debug_site(c, objs[3]);
	KT_EXPECT_NE(t, s.a, s.b);
	/* The return address inside site_a (a few instructions in). */
	KT_EXPECT_TRUE(t,
		       s.a > (uintptr_t)site_a && s.a < (uintptr_t)site_a + 64);
	kmem_cache_free(c, objs[1]);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), -MM_EBUSY);
	KT_EXPECT_EQ(t, kmem_cache_walk_live(c, count_site, &s), 4);
	KT_EXPECT_EQ(t, s.n, 4);
	KT_EXPECT_EQ(t, s.in_a, 2);
	KT_EXPECT_EQ(t, s.in_b, 2);
	for (unsigned int i = 0; i < 5; i++)
		if (i != 1)
			kmem_cache_free(c, objs[i]);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static void test_debug_default(struct ktest *t)
{
	bool was = slab_set_debug_default(true);
	struct kmem_cache *c =
		kt_cache_at_end(t, kmem_cache_create("dflt", 32, 0, 0, NULL));

	slab_set_debug_default(was);
	KT_ASSERT_NOT_NULL(t, c);
	KT_EXPECT_EQ(t, c->kc_flags & SLAB_DEBUG, SLAB_DEBUG);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static void test_random_debug(struct ktest *t)
{
	struct kmem_cache *caches[3];
	static const size_t sizes[3] = {1, 77, 600};
	static struct live_set ls;
	struct prng r;

	KT_ASSERT_TRUE(t, live_init(t, &ls, 512));
	for (unsigned int i = 0; i < 3; i++)
		caches[i] = debug_cache(t, sizes[i]);
	prng_seed(&r, 99);
	for (unsigned int i = 0; i < 5000; i++)
		live_random_op(t, &ls, &r, caches, 3);
	KT_EXPECT_TRUE(t, live_no_overlap(&ls));
	KT_EXPECT_TRUE(t, slab_validate());
	live_release(t, &ls);
	for (unsigned int i = 0; i < 3; i++) {
		KT_EXPECT_EQ(t, caches[i]->kc_nr_corrupt, 0);
		KT_EXPECT_EQ(t, kt_cache_destroy(t, caches[i]), 0);
	}
	live_done(t, &ls);
}

static const struct ktest_case slab_debug_cases[] = {
	KTEST_CASE(test_overflow_after),
	KTEST_CASE(test_overflow_before),
	KTEST_CASE(test_write_after_free),
	KTEST_CASE(test_double_free_debug),
	KTEST_CASE(test_destroy_lists_sites),
	KTEST_CASE(test_debug_default),
	KTEST_CASE(test_random_debug),
	KTEST_END,
};
KTEST_SUITE(slab_debug, slab_debug_cases);

/* SPDX-License-Identifier: MIT */
/*
 * The slab layer's checks.  slab_badfree: every kind of refused free
 * (reported, counted, ignored, nothing damaged).  slab_harden: corrupted
 * freelist words are detected, reported and never followed.  slab_debug:
 * red zones, poison, fresh pattern and allocation sites of debug caches.
 */
#include "tests/kernel/slab_test.h"
#include "mm/slab_internal.h"
#include "tests/kernel/kt_cleanup.h"

/* ---- refused frees ---------------------------------------------------------- */

/* Free obj to c, which must refuse it as kind without other effects. */
static void expect_refused(struct ktest *t, struct kmem_cache *c, void *obj,
			   enum slab_bad_free kind)
{
	unsigned long before = c->kc_nr_bad_free[kind];
	unsigned long global = slab_bad_frees[kind];
	struct kmem_cache_stats a, b;

	kmem_cache_get_stats(c, &a);
	mm_set_error(MM_OK);
	kmem_cache_free(c, obj);
	kmem_cache_get_stats(c, &b);
	KT_EXPECT_EQ(t, c->kc_nr_bad_free[kind], before + 1);
	KT_EXPECT_EQ(t, slab_bad_frees[kind], global + 1);
	KT_EXPECT_EQ(t, mm_last_error(), MM_EBADFREE);
	KT_EXPECT_EQ(t, b.nr_free, a.nr_free);
	KT_EXPECT_EQ(t, b.cached, a.cached);
	KT_EXPECT_EQ(t, b.active_objs, a.active_objs);
	KT_EXPECT_TRUE(t, slab_validate());
}

static void test_not_slab(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, kmem_cache_create("bf-64", 64, 0, 0, NULL));
	struct page *pg = kt_pages_at_end(t, alloc_pages(GFP_KERNEL, 0), 0);
	int local;

	KT_ASSERT_NOT_NULL(t, c);
	KT_ASSERT_NOT_NULL(t, pg);
	expect_refused(t, c, page_address(pg), SLAB_BAD_NOT_SLAB);
	expect_refused(t, c, &local, SLAB_BAD_NOT_SLAB);
	expect_refused(t, c, (void *)0x1000, SLAB_BAD_NOT_SLAB);
	kt_release_pages(t, pg, 0);
	ktest_remove_action(t, kt_cache_action, c);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

static void test_wrong_cache(struct ktest *t)
{
	struct kmem_cache *a =
		kt_cache_at_end(t, kmem_cache_create("bf-a", 64, 0, 0, NULL));
	struct kmem_cache *b =
		kt_cache_at_end(t, kmem_cache_create("bf-b", 64, 0, 0, NULL));
	void *obj;

	KT_ASSERT_NOT_NULL(t, a);
	KT_ASSERT_NOT_NULL(t, b);
	obj = kt_obj_at_end(t, kmem_cache_alloc(a, GFP_KERNEL));
	KT_ASSERT_NOT_NULL(t, obj);
	pattern_fill(obj, 64);
	expect_refused(t, b, obj, SLAB_BAD_WRONG_CACHE);
	KT_EXPECT_TRUE(t, pattern_ok(obj, 64));
	KT_EXPECT_TRUE(t, kmem_cache_obj_live(a, obj));
	kt_release_obj(t, obj);
	ktest_remove_action(t, kt_cache_action, b);
	ktest_remove_action(t, kt_cache_action, a);
	KT_EXPECT_EQ(t, kmem_cache_destroy(a), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(b), 0);
}

static void test_interior(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, kmem_cache_create("bf-96", 96, 0, 0, NULL));
	char *obj;

	KT_ASSERT_NOT_NULL(t, c);
	obj = kt_obj_at_end(t, kmem_cache_alloc(c, GFP_KERNEL));
	KT_ASSERT_NOT_NULL(t, obj);
	pattern_fill(obj, 96);
	expect_refused(t, c, obj + 1, SLAB_BAD_INTERIOR);
	expect_refused(t, c, obj + 8, SLAB_BAD_INTERIOR);
	expect_refused(t, c, obj + 95, SLAB_BAD_INTERIOR);
	/* The unused tail of the slab. */
	expect_refused(t, c,
		       (char *)slab_base(slab_page_guess(c, obj)) +
			       c->kc_slab_bytes - 8,
		       SLAB_BAD_INTERIOR);
	KT_EXPECT_TRUE(t, pattern_ok(obj, 96));
	kt_release_obj(t, obj);
	ktest_remove_action(t, kt_cache_action, c);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

static void test_double_free(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("bf-48", 48, 0, 0, NULL));
	void *objs[200], *keep;

	/* Frees and double frees of exactly these: each allocation retries
	 * an injected failure (the cache's action frees what is left). */
	KT_ASSERT_NOT_NULL(t, c);
	/* In this hart's magazine. */
	objs[0] = kmem_cache_alloc_really(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, objs[0]);
	kmem_cache_free(c, objs[0]);
	expect_refused(t, c, objs[0], SLAB_BAD_DOUBLE);
	/* On its slab's freelist: many frees overflow the magazine. */
	keep = kmem_cache_alloc_really(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, keep);
	for (unsigned int i = 0; i < 200; i++)
		KT_ASSERT_NOT_NULL(
			t, objs[i] = kmem_cache_alloc_really(c, GFP_KERNEL));
	for (unsigned int i = 0; i < 200; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_shrink(c);
	KT_EXPECT_EQ(t, c->kc_cpu[arch_cpu_id()].cc_avail, 0);
	for (unsigned int i = 0; i < 200; i++) {
		if (slab_page_guess(c, objs[i]) != slab_page_guess(c, keep))
			continue;
		expect_refused(t, c, objs[i], SLAB_BAD_DOUBLE);
		break;
	}
	/* Its slab given back to the page allocator: not a slab any more. */
	kmem_cache_free(c, keep);
	kmem_cache_shrink(c);
	expect_refused(t, c, keep, SLAB_BAD_NOT_SLAB);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

/* Freed on one hart, freed again on another: found in the first's cache. */
struct cross {
	struct kmem_cache *c;
	void *obj;
	unsigned long refused;
};

static void cross_worker(struct ktest *t, void *arg)
{
	struct cross *x = arg;

	if (arch_cpu_id() == 1) {
		kmem_cache_free(x->c, x->obj);
		if (mm_last_error() == MM_EBADFREE)
			x->refused++;
	}
}

static void test_double_free_other_hart(struct ktest *t)
{
	static struct cross x;

	if (arch_nr_cpus() < 2)
		ktest_skip(t, "needs two harts");
	x = (struct cross){plain_cache("bf-x", 32, 0, 0, NULL)};
	KT_ASSERT_NOT_NULL(t, kt_cache_at_end(t, x.c));
	x.obj = kmem_cache_alloc(x.c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, x.obj);
	kmem_cache_free(x.c, x.obj);
	mm_set_error(MM_OK);
	ktest_on_all_cpus(t, cross_worker, &x);
	KT_EXPECT_EQ(t, x.refused, 1);
	KT_EXPECT_EQ(t, x.c->kc_nr_bad_free[SLAB_BAD_DOUBLE], 1);
	KT_EXPECT_TRUE(t, slab_validate());
	ktest_remove_action(t, kt_cache_action, x.c);
	KT_EXPECT_EQ(t, kmem_cache_destroy(x.c), 0);
}

/*
 * A new slab threads no freelist: its objects past the bump index are
 * never used, free but on no list.  A free of one is a double free (the
 * general path finds it free), never a push; every object is then handed
 * out once, inside the slab, and the validator counts them all the while.
 */
static void test_never_used(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("bf-lazy", 64, 0, 0, NULL));
	static void *objs[SLAB_MAX_OBJS];
	uintptr_t base;
	unsigned int n;

	KT_ASSERT_NOT_NULL(t, c);
	objs[0] = kmem_cache_alloc_really(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, objs[0]);
	base = (uintptr_t)objs[0] & ~(c->kc_slab_bytes - 1);
	KT_EXPECT_EQ(t, c->kc_lazy_base, base);
	KT_ASSERT_LT(t, c->kc_lazy_next, c->kc_objs);
	KT_EXPECT_TRUE(t, slab_validate());
	/* The last object of the slab and the first never used. */
	expect_refused(t, c, slab_obj(c, base, c->kc_objs - 1),
		       SLAB_BAD_DOUBLE);
	expect_refused(t, c, slab_obj(c, base, c->kc_lazy_next),
		       SLAB_BAD_DOUBLE);
	for (n = 1; n < c->kc_objs; n++) {
		objs[n] = kmem_cache_alloc_really(c, GFP_KERNEL);
		KT_ASSERT_NOT_NULL(t, objs[n]);
		memset(objs[n], (int)n, 64);
	}
	/* Magazine objects (taken from the slab) are allocated first, the
	 * slab's own after them: all of it is out once the bump is done. */
	KT_EXPECT_EQ(t, c->kc_lazy_base, 0);
	for (unsigned int i = 1; i < n; i++)
		KT_EXPECT_EQ(t, *(unsigned char *)objs[i], (unsigned char)i);
	KT_EXPECT_TRUE(t, slab_validate());
	for (unsigned int i = 0; i < n; i++)
		kmem_cache_free(c, objs[i]);
	KT_EXPECT_TRUE(t, slab_validate());
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static const struct ktest_case slab_badfree_cases[] = {
	KTEST_CASE(test_not_slab),
	KTEST_CASE(test_wrong_cache),
	KTEST_CASE(test_interior),
	KTEST_CASE(test_double_free),
	KTEST_CASE(test_double_free_other_hart),
	KTEST_CASE(test_never_used),
	KTEST_END,
};
KTEST_SUITE(slab_badfree, slab_badfree_cases);

/* ---- freelist hardening ------------------------------------------------------- */

/*
 * Allocate one object from a fresh cache of 64-byte objects: the refill
 * leaves the rest of the slab on its freelist.  Returns the slab.
 */
static struct page *fresh_slab(struct ktest *t, struct kmem_cache *c,
			       void **first)
{
	*first = kmem_cache_alloc_really(c, GFP_KERNEL);
	if (!*first)
		return NULL;
	/* The magazine's batch goes back threaded on the slab's freelist
	 * (a new slab threads nothing: its objects are never used yet). */
	kmem_cache_shrink(c);
	return slab_page_guess(c, *first);
}

/* Write bad_next (relative to the slab when relative) into the free word
 * of the slab's free object number depth (0: the first) along its
 * freelist, encoded or raw; then allocate.  The objects before it are
 * handed out by the same refill that meets the bad word. */
static void corrupt_deep(struct ktest *t, uintptr_t bad_next, bool relative,
			 bool encode, unsigned int depth)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("hard-64", 64, 0, 0, NULL));
	static struct live_set ls;
	struct page *pg;
	void *first, *victim;

	KT_ASSERT_NOT_NULL(t, c);
	KT_ASSERT_TRUE(t, live_init(t, &ls, 256));
	pg = fresh_slab(t, c, &first);
	KT_ASSERT_NOT_NULL(t, pg);
	KT_ASSERT_LT(t, pg->slab.freelist, c->kc_objs);
	victim = slab_obj(c, slab_base(pg), pg->slab.freelist);
	for (unsigned int d = 0; d < depth; d++) {
		int next = slab_index(c, slab_base(pg), fw_decode(c, victim));

		KT_ASSERT_GE(t, next, 0); /* the freelist is that long */
		victim = slab_obj(c, slab_base(pg), (unsigned int)next);
	}
	/* From the damage to its repair (one of the allocations below meets
	 * the corrupt word) nothing may be cut short: an injected failure
	 * ending the case there would leave the damage in place. */
	kt_faults_pause();
	if (relative)
		bad_next += slab_base(pg);
	*free_word(c, victim) =
		encode ? fw_encode(c, victim, bad_next) : bad_next;
	KT_EXPECT_FALSE(t, slab_validate()); /* the validator sees it */
	/* Allocate past the slab: the corrupt word is met, not followed. */
	for (unsigned int i = 0; i < 2 * c->kc_objs; i++) {
		void *obj = kmem_cache_alloc(c, GFP_KERNEL);

		KT_ASSERT_NOT_NULL(t, obj);
		KT_EXPECT_TRUE(t, obj != victim);
		KT_EXPECT_TRUE(t, kmem_cache_of(obj) == c);
		pattern_fill(obj, 64);
		ls.v[ls.n++] = (struct live_obj){obj, c};
	}
	kt_faults_resume();
	KT_EXPECT_EQ(t, c->kc_nr_corrupt, 1);
	KT_EXPECT_EQ(t, c->kc_nr_quarantine, 1);
	KT_EXPECT_EQ(t, pg->slab.freelist, FREELIST_QUARANTINE);
	KT_EXPECT_TRUE(t, live_no_overlap(&ls));
	KT_EXPECT_TRUE(t, slab_validate());
	live_release(t, &ls);
	kmem_cache_free(c, first);
	kmem_cache_shrink(c); /* the magazine held some of its objects */
	/* Emptied, the quarantined slab went back to the page allocator. */
	KT_EXPECT_EQ(t, c->kc_nr_quarantine, 0);
	live_done(t, &ls);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static void corrupt_and_drain(struct ktest *t, uintptr_t bad_next,
			      bool relative, bool encode)
{
	corrupt_deep(t, bad_next, relative, encode, 0);
}

static void test_garbage_word(struct ktest *t)
{
	corrupt_and_drain(t, 0x4141414141414141ULL, false, false);
}

/* A refill takes a slab's threaded objects in one go: the bad word of the
 * fourth stops it there, the first three stand, the slab is quarantined. */
static void test_garbage_word_deep(struct ktest *t)
{
	corrupt_deep(t, 0x4141414141414141ULL, false, false, 3);
}

static void test_interior_pointer(struct ktest *t)
{
	corrupt_and_drain(t, 64 * 3 + 8, true, true); /* inside object 3 */
}

static void test_outside_slab(struct ktest *t)
{
	corrupt_and_drain(t, PAGE_SIZE, true, true); /* the next page */
}

static void test_plain_pointer(struct ktest *t)
{
	/* A raw (unencoded) pointer to a real object: what an attacker who
	 * does not know the secret would write. */
	corrupt_and_drain(t, 64 * 5, true, false);
}

/*
 * The validator is not a formality: break each invariant of mm/slab.c's
 * section 3 by hand (one hart, nothing else running on this cache), check
 * slab_validate() says so, put it back, check it is content again.
 */
static void test_validator_sees_damage(struct ktest *t)
{
	struct kmem_cache *c =
		kt_cache_at_end(t, plain_cache("val-64", 64, 0, 0, NULL));
	struct kmem_cache_cpu *cc;
	struct page *pg;
	void *live, *cached;
	uintptr_t word;

	/* Each damage below is repaired before anything else, and nothing
	 * between allocates: an injected failure can only hit these two. */
	KT_ASSERT_NOT_NULL(t, c);
	cc = &c->kc_cpu[arch_cpu_id()];
	live = kmem_cache_alloc_really(c, GFP_KERNEL);
	cached = kmem_cache_alloc_really(c, GFP_KERNEL);
	KT_ASSERT_NOT_NULL(t, live);
	KT_ASSERT_NOT_NULL(t, cached);
	kmem_cache_free(c, cached); /* top of this hart's magazine */
	pg = slab_page_guess(c, live);
	KT_ASSERT_TRUE(t, slab_validate());
	/* 3c: an object twice in a magazine. */
	cc->cc_objs[cc->cc_avail++] = cached;
	KT_EXPECT_FALSE(t, slab_validate());
	cc->cc_avail--;
	KT_EXPECT_TRUE(t, slab_validate());
	/* 3c: a magazine object without its tag. */
	word = *free_word(c, cached);
	*free_word(c, cached) = 0;
	KT_EXPECT_FALSE(t, slab_validate());
	*free_word(c, cached) = word;
	/* 3b: inuse disagrees with the freelist. */
	pg->slab.inuse++;
	KT_EXPECT_FALSE(t, slab_validate());
	pg->slab.inuse--;
	/* 3a: a list count off. */
	c->kc_nr_partial++;
	KT_EXPECT_FALSE(t, slab_validate());
	c->kc_nr_partial--;
	/* 3d: counters disagree with the slabs. */
	cc->cc_nr_free++;
	KT_EXPECT_FALSE(t, slab_validate());
	cc->cc_nr_free--;
	KT_EXPECT_TRUE(t, slab_validate());
	kmem_cache_free(c, live);
	KT_EXPECT_EQ(t, kt_cache_destroy(t, c), 0);
}

static const struct ktest_case slab_harden_cases[] = {
	KTEST_CASE(test_garbage_word),
	KTEST_CASE(test_garbage_word_deep),
	KTEST_CASE(test_interior_pointer),
	KTEST_CASE(test_outside_slab),
	KTEST_CASE(test_plain_pointer),
	KTEST_CASE(test_validator_sees_damage),
	KTEST_END,
};
KTEST_SUITE(slab_harden, slab_harden_cases);

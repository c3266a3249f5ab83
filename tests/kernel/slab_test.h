/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the slab suites: a pattern that ties an object's
 * contents to its address, and a set of live objects over several caches
 * driven by random operations, checked for intact contents and overlap.
 */
#ifndef TESTS_KERNEL_SLAB_TEST_H
#define TESTS_KERNEL_SLAB_TEST_H

#include "tests/kernel/page_test.h"
#include "mm/slab.h"
#include "lib/prng.h"
#include "lib/string.h"

static inline uint8_t pattern_byte(const void *obj, size_t i)
{
	uintptr_t a = (uintptr_t)obj;

	return (uint8_t)((a >> 3) ^ (a >> 11) ^ (i * 29));
}

static inline void pattern_fill(void *obj, size_t size)
{
	for (size_t i = 0; i < size; i++)
		((uint8_t *)obj)[i] = pattern_byte(obj, i);
}

static inline bool pattern_ok(const void *obj, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (((const uint8_t *)obj)[i] != pattern_byte(obj, i))
			return false;
	return true;
}

/* kmem_cache_alloc(), an injected failure retried (kt_retry.h): for a
 * case whose next steps count on this very allocation. */
static inline void *kmem_cache_alloc_really(struct kmem_cache *c, gfp_t gfp)
{
	return KT_RETRY_INJECTED(kmem_cache_alloc(c, gfp));
}

/*
 * A cache without debugging even under mm.debug=1, for the tests of
 * magazines (a debug cache has none).
 */
static inline struct kmem_cache *plain_cache(const char *name, size_t size,
					     size_t align, unsigned int flags,
					     void (*ctor)(void *))
{
	bool was = slab_set_debug_default(false);
	struct kmem_cache *c =
		kmem_cache_create(name, size, align, flags, ctor);

	slab_set_debug_default(was);
	return c;
}

struct live_obj {
	void *obj;
	struct kmem_cache *cache;
};

struct live_set {
	struct live_obj *v;
	unsigned long n, cap;
	unsigned int order;
};

static inline void live_done_action(void *arg)
{
	struct live_set *ls = arg;

	free_pages(virt_to_page(ls->v), ls->order);
}

/* Room for cap objects; ls (static) is given back when the case ends, or
 * by live_done().  The objects themselves are the caches' to free. */
static inline bool live_init(struct ktest *t, struct live_set *ls,
			     unsigned long cap)
{
	unsigned int o = 0;

	while ((PAGE_SIZE << o) < cap * sizeof(struct live_obj))
		o++;
	ls->v = alloc_pages_addr(GFP_KERNEL, o);
	ls->order = o;
	ls->n = 0;
	ls->cap = cap;
	if (ls->v)
		ktest_add_action_or_reset(t, live_done_action, ls);
	return ls->v != NULL;
}

static inline void live_done(struct ktest *t, struct live_set *ls)
{
	ktest_release_action(t, live_done_action, ls);
}

/* Allocate from a random cache or free a random live object. */
static inline void live_random_op(struct ktest *t, struct live_set *ls,
				  struct prng *r, struct kmem_cache **caches,
				  unsigned int nc)
{
	if (ls->n < ls->cap && (!ls->n || prng_below(r, 100) < 55)) {
		struct kmem_cache *c = caches[prng_below(r, nc)];
		bool zero = prng_below(r, 8) == 0;
		void *obj = kmem_cache_alloc(
			c, GFP_KERNEL | (zero ? __GFP_ZERO : 0));

		KT_ASSERT_NOT_NULL(t, obj);
		KT_EXPECT_EQ(t, (uintptr_t)obj % c->kc_align, 0);
		KT_EXPECT_TRUE(t, kmem_cache_of(obj) == c);
		if (zero)
			KT_EXPECT_TRUE(t, mem_is_filled(obj, 0, c->kc_size));
		pattern_fill(obj, c->kc_size);
		ls->v[ls->n++] = (struct live_obj){obj, c};
	} else {
		unsigned long i = prng_below(r, ls->n);
		struct live_obj o = ls->v[i];

		KT_EXPECT_TRUE(t, pattern_ok(o.obj, o.cache->kc_size));
		kmem_cache_free(o.cache, o.obj);
		ls->v[i] = ls->v[--ls->n];
	}
}

/* Sort by address (shell sort) and check that no two objects overlap. */
static inline bool live_no_overlap(struct live_set *ls)
{
	for (unsigned long gap = ls->n / 2; gap; gap /= 2)
		for (unsigned long i = gap; i < ls->n; i++)
			for (unsigned long j = i;
			     j >= gap && (uintptr_t)ls->v[j - gap].obj >
						 (uintptr_t)ls->v[j].obj;
			     j -= gap) {
				struct live_obj tmp = ls->v[j];

				ls->v[j] = ls->v[j - gap];
				ls->v[j - gap] = tmp;
			}
	for (unsigned long i = 1; i < ls->n; i++)
		if ((uintptr_t)ls->v[i - 1].obj + ls->v[i - 1].cache->kc_size >
		    (uintptr_t)ls->v[i].obj)
			return false;
	return true;
}

/* Check and free every live object. */
static inline void live_release(struct ktest *t, struct live_set *ls)
{
	while (ls->n) {
		struct live_obj o = ls->v[--ls->n];

		KT_EXPECT_TRUE(t, pattern_ok(o.obj, o.cache->kc_size));
		kmem_cache_free(o.cache, o.obj);
	}
}

#endif /* TESTS_KERNEL_SLAB_TEST_H */

/* SPDX-License-Identifier: MIT */
/*
 * Cleanup actions (kernel/ktest.h, ktest_add_action()) for the objects the
 * suites create most: each kt_*_at_end() registers the undoing of what it
 * is given and returns it, so a case that fails or ASSERTs anywhere leaves
 * nothing behind.  Give NULL and nothing is registered.  To free such an
 * object in the middle of the case, call the kt_release_*() of it (it
 * frees at once and forgets the action).
 */
#ifndef TESTS_KERNEL_KT_CLEANUP_H
#define TESTS_KERNEL_KT_CLEANUP_H

#include <stdint.h>

#include "kernel/ktest.h"
#include "lib/printk.h"
#include "mm/dma.h"
#include "mm/fault.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

static inline void kt_kfree_action(void *p)
{
	kfree(p);
}

/* kfree(p) when the case ends. */
static inline void *kt_kfree_at_end(struct ktest *t, void *p)
{
	if (p)
		ktest_add_action_or_reset(t, kt_kfree_action, p);
	return p;
}

static inline void kt_release_kfree(struct ktest *t, void *p)
{
	ktest_release_action(t, kt_kfree_action, p);
}

/*
 * An array of kmalloc'd pointers (static: it must outlive the case's
 * frame): when the case ends every non-NULL entry is freed and cleared.
 * Keep entries the case freed itself NULL.
 */
struct kt_kfree_array {
	void **p;
	size_t n;
};

static inline void kt_kfree_array_action(void *arg)
{
	struct kt_kfree_array *a = arg;

	for (size_t i = 0; i < a->n; i++) {
		kfree(a->p[i]);
		a->p[i] = NULL;
	}
}

static inline void kt_kfree_array_at_end(struct ktest *t,
					 struct kt_kfree_array *a)
{
	for (size_t i = 0; i < a->n; i++)
		a->p[i] = NULL;
	ktest_add_action_or_reset(t, kt_kfree_array_action, a);
}

/* Pages: the block's address with its order in the low bits. */
static inline void kt_pages_action(void *arg)
{
	uintptr_t v = (uintptr_t)arg;

	free_pages(virt_to_page((void *)(v & ~(uintptr_t)(PAGE_SIZE - 1))),
		   (unsigned int)(v & (PAGE_SIZE - 1)));
}

static inline void *kt_pages_arg(struct page *pg, unsigned int order)
{
	return (void *)((uintptr_t)page_address(pg) | order);
}

/* free_pages(pg, order) when the case ends. */
static inline struct page *kt_pages_at_end(struct ktest *t, struct page *pg,
					   unsigned int order)
{
	if (pg)
		ktest_add_action_or_reset(t, kt_pages_action,
					  kt_pages_arg(pg, order));
	return pg;
}

static inline void kt_release_pages(struct ktest *t, struct page *pg,
				    unsigned int order)
{
	ktest_release_action(t, kt_pages_action, kt_pages_arg(pg, order));
}

/* Free the objects c still has in use, then destroy it (kt_cleanup.c). */
void kt_cache_action(void *c);

/* kmem_cache_destroy(c) when the case ends, with whatever objects the
 * case still holds freed first. */
static inline struct kmem_cache *kt_cache_at_end(struct ktest *t,
						 struct kmem_cache *c)
{
	if (c)
		ktest_add_action_or_reset(t, kt_cache_action, c);
	return c;
}

/* kmem_cache_destroy(c) now; when it succeeds the action is forgotten
 * (when it refuses, the action empties and destroys c at the end). */
static inline int kt_cache_destroy(struct ktest *t, struct kmem_cache *c)
{
	int err = kmem_cache_destroy(c);

	if (!err)
		ktest_remove_action(t, kt_cache_action, c);
	return err;
}

static inline void kt_release_cache(struct ktest *t, struct kmem_cache *c)
{
	ktest_release_action(t, kt_cache_action, c);
}

static inline void kt_obj_action(void *obj)
{
	kmem_cache_free(kmem_cache_of(obj), obj);
}

/* kmem_cache_free() of a cache object when the case ends. */
static inline void *kt_obj_at_end(struct ktest *t, void *obj)
{
	if (obj)
		ktest_add_action_or_reset(t, kt_obj_action, obj);
	return obj;
}

static inline void kt_release_obj(struct ktest *t, void *obj)
{
	ktest_release_action(t, kt_obj_action, obj);
}

static inline void kt_heap_action(void *h)
{
	k_heap_remove(h);
}

/* k_heap_remove(h) when the case ends (h initialised, not on the stack). */
static inline void kt_heap_at_end(struct ktest *t, struct k_heap *h)
{
	ktest_add_action_or_reset(t, kt_heap_action, h);
}

static inline void kt_release_heap(struct ktest *t, struct k_heap *h)
{
	ktest_release_action(t, kt_heap_action, h);
}

/*
 * A dma_alloc() buffer: its address with its page order in the low bits
 * (the bus address is the physical address, so it need not be kept).
 */
static inline void kt_dma_action(void *arg)
{
	uintptr_t v = (uintptr_t)arg;
	void *buf = (void *)(v & ~(uintptr_t)(PAGE_SIZE - 1));

	dma_free(buf, PAGE_SIZE << (v & (PAGE_SIZE - 1)),
		 arch_virt_to_phys(buf));
}

static inline void *kt_dma_arg(void *v, size_t size)
{
	return (void *)((uintptr_t)v | get_order(size));
}

/* dma_free(v, size, its bus address) when the case ends. */
static inline void *kt_dma_at_end(struct ktest *t, void *v, size_t size)
{
	if (v)
		ktest_add_action_or_reset(t, kt_dma_action,
					  kt_dma_arg(v, size));
	return v;
}

static inline void kt_release_dma(struct ktest *t, void *v, size_t size)
{
	ktest_release_action(t, kt_dma_action, kt_dma_arg(v, size));
}

/* The case freed v itself (a free it tests): forget the action. */
static inline void kt_forget_dma(struct ktest *t, void *v, size_t size)
{
	ktest_remove_action(t, kt_dma_action, kt_dma_arg(v, size));
}

/*
 * An array of dma_alloc() buffers (static, as struct kt_kfree_array):
 * when the case ends every non-NULL v[i] is freed with d[i] and size[i]
 * bytes (size NULL: size_all bytes each) and cleared.  Keep entries the
 * case freed itself NULL.
 */
struct kt_dma_array {
	void **v;
	const dma_addr_t *d;
	const size_t *size;
	size_t size_all;
	size_t n;
};

static inline void kt_dma_array_action(void *arg)
{
	struct kt_dma_array *a = arg;

	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i])
			dma_free(a->v[i], a->size ? a->size[i] : a->size_all,
				 a->d[i]);
		a->v[i] = NULL;
	}
}

static inline void kt_dma_array_at_end(struct ktest *t, struct kt_dma_array *a)
{
	for (size_t i = 0; i < a->n; i++)
		a->v[i] = NULL;
	ktest_add_action_or_reset(t, kt_dma_array_action, a);
}

/* Free the blocks pool still has in use, then destroy it (kt_cleanup.c). */
void kt_dma_pool_action(void *pool);

/* dma_pool_destroy(p) when the case ends, with whatever blocks the case
 * still holds freed first. */
static inline struct dma_pool *kt_dma_pool_at_end(struct ktest *t,
						  struct dma_pool *p)
{
	if (p)
		ktest_add_action_or_reset(t, kt_dma_pool_action, p);
	return p;
}

/* dma_pool_destroy(p) now; when it succeeds the action is forgotten
 * (when it refuses, the action empties and destroys p at the end). */
static inline int kt_dma_pool_destroy(struct ktest *t, struct dma_pool *p)
{
	int err = dma_pool_destroy(p);

	if (!err)
		ktest_remove_action(t, kt_dma_pool_action, p);
	return err;
}

/*
 * Arm a fault rule of the case's own: the rule in force before it (a
 * boot rule, mm.fail=) is saved and put back, where it was, when the case
 * ends or at kt_fault_end().  Returns what mm_fault_set() returns.
 */
static struct mm_fault_saved kt_fault_prev __attribute__((unused));

static inline void kt_fault_restore_action(void *saved)
{
	mm_fault_restore(saved);
}

static inline int kt_fault_set(struct ktest *t,
			       const struct mm_fault_attr *attr)
{
	mm_fault_save(&kt_fault_prev);
	ktest_add_action_or_reset(t, kt_fault_restore_action, &kt_fault_prev);
	return mm_fault_set(attr);
}

/* Put the earlier rule back now (replacing the case's, if still armed). */
static inline void kt_fault_end(struct ktest *t)
{
	ktest_release_action(t, kt_fault_restore_action, &kt_fault_prev);
}

static inline void kt_capture_action(void *unused)
{
	printk_capture_stop();
}

/* printk_capture_start(), stopped when the case ends at the latest. */
static inline bool kt_capture(struct ktest *t, char *buf, size_t size)
{
	if (!printk_capture_start(buf, size))
		return false;
	ktest_add_action_or_reset(t, kt_capture_action, NULL);
	return true;
}

/* printk_capture_stop() now, and forget the action. */
static inline size_t kt_capture_stop(struct ktest *t)
{
	size_t n = printk_capture_stop();

	ktest_remove_action(t, kt_capture_action, NULL);
	return n;
}

/*
 * No injected failures (mm.fail=) from here to kt_faults_resume(), or to
 * the end of the case (the runner puts the rule back): for a stretch that
 * must not be cut short, such as damaging a structure on purpose and
 * watching the allocator repair it.
 */
static struct mm_fault_saved kt_faults_saved __attribute__((unused));

static inline void kt_faults_pause(void)
{
	mm_fault_save(&kt_faults_saved);
	mm_fault_clear();
}

static inline void kt_faults_resume(void)
{
	mm_fault_restore(&kt_faults_saved);
}

#endif /* TESTS_KERNEL_KT_CLEANUP_H */

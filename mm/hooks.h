/* SPDX-License-Identifier: MIT */
/*
 * Allocation hooks: how transactions (mm/txn.c) and fault injection
 * (mm/fault.c) see every allocation and free without callers changing.
 *
 * Every allocator's *public* entry points (alloc_pages, kmem_cache_alloc,
 * kmalloc and family, the heap, pools, DMA buffers) describe the call in a
 * struct mm_call and consult the hooks; their double-underscore twins
 * (__alloc_pages, __kmem_cache_alloc, ...) never do.  An allocator built on
 * another one calls the twin, so one kmalloc() is seen once, as a kmalloc,
 * not again as the slab object or pages underneath.
 *
 * The protocol, for an allocator's public alloc:
 *
 *	h = mm_hooks_get();
 *	if (h && h->should_fail && h->should_fail(&call))
 *		fail with MM_EFAULT_INJECTED (nothing allocated, counted apart);
 *	obj = allocate without hooks;
 *	if (obj && h && h->on_alloc && (err = h->on_alloc(&call, obj))) {
 *		free obj without hooks; mm_set_error(err); return NULL;
 *	}
 *
 * and for its public free, once the argument is known to be a live block
 * (an invalid free is reported by the allocator and never reaches a hook):
 *
 *	if (h && h->on_free && h->on_free(&call, obj))
 *		return;        (the hook took it over: a deferred free)
 *	free without hooks;
 *
 * With no hooks installed the whole cost is one load and one branch.
 */
#ifndef MM_HOOKS_H
#define MM_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include "mm/page_alloc.h"

/* Which allocator a call went to (fault filters, transaction logs). */
enum mm_kind {
	MM_KIND_PAGES, /* alloc_pages / free_pages: obj is the struct page */
	MM_KIND_SLAB, /* kmem_cache_alloc / free: owner is the cache */
	MM_KIND_KMALLOC, /* kmalloc family / kfree */
	MM_KIND_HEAP, /* TLSF heap: owner is the heap */
	MM_KIND_POOL, /* fixed-block pool: owner is the pool */
	MM_KIND_MEMPOOL, /* reserved mempool: owner is the mempool */
	MM_KIND_ARENA, /* arena: owner is the arena */
	MM_KIND_DMA, /* DMA buffers */
	MM_NR_KINDS
};

/* The kind's name ("pages", "slab", "kmalloc", ...; mm.fail= uses it). */
const char *mm_kind_name(enum mm_kind kind);

/* One allocation or free, as the hooks see it. */
struct mm_call {
	enum mm_kind kind;
	void *owner; /* the cache, heap, pool ...; NULL for pages, kmalloc */
	const char *name; /* the owner's name (cache name ...), or NULL */
	size_t size; /* bytes asked for (pages: PAGE_SIZE << order) */
	unsigned int order; /* pages: the order; else 0 */
	gfp_t gfp;
	unsigned long caller; /* return address of the public call */
};

struct mm_hooks {
	/* true: fail this allocation on purpose (MM_EFAULT_INJECTED). */
	bool (*should_fail)(const struct mm_call *call);
	/* After a successful allocation: 0, or an mm_error (e.g. MM_ENOLOG)
	 * that makes the allocator undo it and fail with that error. */
	int (*on_alloc)(const struct mm_call *call, void *obj);
	/* Before a valid free: true when the hook took the block over. */
	bool (*on_free)(const struct mm_call *call, void *obj);
};

extern const struct mm_hooks *mm_hooks_active;

/*
 * The installed hooks, or NULL (the common case).  A relaxed load: the
 * hart that installs hooks for itself (a transaction) sees its own store
 * in program order, and the struct behind the pointer was published with
 * a release store and is reached through an address dependency, which
 * RVWMO (and every machine Linux supports but Alpha) orders.  Another
 * hart may miss a just-installed set for a few calls; that is harmless.
 */
static inline const struct mm_hooks *mm_hooks_get(void)
{
	return __atomic_load_n(&mm_hooks_active, __ATOMIC_RELAXED);
}

/*
 * Install the hooks (NULL removes them).  There is one set: mm/hooks.c
 * owns it and multiplexes fault injection and transactions behind it.
 */
void mm_set_hooks(const struct mm_hooks *hooks);

/*
 * Install mm/hooks.c's multiplexer while fault injection is armed or a
 * transaction is open anywhere, remove it otherwise (mm/fault.c and
 * mm/txn.c call it after each such change).
 */
void mm_hooks_refresh(void);

#endif /* MM_HOOKS_H */

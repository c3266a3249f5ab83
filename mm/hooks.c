/* SPDX-License-Identifier: MIT */
/*
 * The one installed set of allocation hooks (see mm/hooks.h), and the
 * multiplexer that puts fault injection and transactions behind it.
 *
 * Every hooked call goes, in this order, through:
 *
 *	should_fail  ->  mm/fault.c   (an injected failure: nothing happens)
 *	on_alloc     ->  mm/txn.c     (log it in this hart's transaction)
 *	on_free      ->  mm/txn.c     (drop it from the log, or defer it)
 *
 * The multiplexer is installed only while it has work: a fault rule armed
 * or a transaction open on some hart.  Otherwise mm_hooks_active is NULL
 * and an allocation pays one load and one branch.  Changes are serialized
 * by refresh_lock and always recomputed from the current state, so two
 * harts opening and closing transactions at once cannot leave the hooks
 * off while one is open: whichever refresh runs last sees both changes.
 */
#include "mm/hooks.h"
#include "mm/fault.h"
#include "mm/kmalloc_internal.h"
#include "mm/txn.h"
#include "lib/spinlock.h"

const struct mm_hooks *mm_hooks_active __gp_hot;

static spinlock_t refresh_lock = SPINLOCK_INIT("mm_hooks");

static const char *const kind_names[MM_NR_KINDS] = {
	[MM_KIND_PAGES] = "pages",     [MM_KIND_SLAB] = "slab",
	[MM_KIND_KMALLOC] = "kmalloc", [MM_KIND_HEAP] = "heap",
	[MM_KIND_POOL] = "pool",       [MM_KIND_MEMPOOL] = "mempool",
	[MM_KIND_ARENA] = "arena",     [MM_KIND_DMA] = "dma",
};

const char *mm_kind_name(enum mm_kind kind)
{
	return (unsigned int)kind < MM_NR_KINDS ? kind_names[kind] : "?";
}

static bool mux_should_fail(const struct mm_call *call)
{
	return mm_fault_should_fail(call);
}

static int mux_on_alloc(const struct mm_call *call, void *obj)
{
	return mm_txn_on_alloc(call, obj);
}

static bool mux_on_free(const struct mm_call *call, void *obj)
{
	return mm_txn_on_free(call, obj);
}

static const struct mm_hooks mux = {
	.should_fail = mux_should_fail,
	.on_alloc = mux_on_alloc,
	.on_free = mux_on_free,
};

void mm_set_hooks(const struct mm_hooks *hooks)
{
	__atomic_store_n(&mm_hooks_active, hooks, __ATOMIC_RELEASE);
	km_fast_refresh(); /* kmalloc()'s gate reads no hook pointer */
}

/*
 * A set installed by someone else (a test's own hooks) is replaced when
 * the multiplexer is needed and otherwise left alone.
 */
void mm_hooks_refresh(void)
{
	unsigned long flags = spin_lock_irqsave(&refresh_lock);
	bool want = mm_fault_armed() || mm_txn_open_anywhere();

	if (want)
		mm_set_hooks(&mux);
	else if (mm_hooks_get() == &mux)
		mm_set_hooks(NULL);
	spin_unlock_irqrestore(&refresh_lock, flags);
}

/* SPDX-License-Identifier: MIT */
/*
 * mm_validate(): one call that runs every allocator's validator.  Each new
 * allocator adds its *_validate() here.
 */
#include "mm/health.h"
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/heap.h"
#include "mm/mempool.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"
#include "mm/txn.h"
#include "lib/printk.h"

bool mm_validate(void)
{
	bool ok = true;

	if (!page_alloc_validate()) {
		printk("mm_validate: page allocator invariants broken\n");
		ok = false;
	}
	if (!slab_validate()) {
		printk("mm_validate: slab invariants broken\n");
		ok = false;
	}
	if (!mm_txn_validate()) {
		printk("mm_validate: transaction logs inconsistent\n");
		ok = false;
	}
	if (!heap_validate()) {
		printk("mm_validate: TLSF heap invariants broken\n");
		ok = false;
	}
	if (!pool_validate()) {
		printk("mm_validate: fixed-block pool invariants broken\n");
		ok = false;
	}
	if (!arena_validate_all()) {
		printk("mm_validate: arena invariants broken\n");
		ok = false;
	}
	if (!mempool_validate_all()) {
		printk("mm_validate: mempool invariants broken\n");
		ok = false;
	}
	if (!dma_validate()) {
		printk("mm_validate: DMA buffer invariants broken\n");
		ok = false;
	}
	return ok;
}

/* SPDX-License-Identifier: MIT */
/*
 * Fixed-block pools with Zephyr's k_mem_slab interface: num_blocks blocks of
 * block_size bytes carved from a buffer the caller provides.
 *
 * Guarantees.  Allocation and free are O(1): a free block holds the link to
 * the next free one (an embedded free list), so the pool needs no memory
 * besides the buffer.  Links are stored XOR-encoded with a per-pool secret
 * and the link's own address (as mm/slab.c does), and every link is checked
 * when followed: a scribbled free list is reported, never followed into
 * foreign memory.  k_mem_slab_free() checks its argument: a pointer outside
 * the buffer, inside a block (interior), or to a block that is already free
 * is reported with the caller, counted and ignored.  Allocation may wait for
 * a free with a timeout (Zephyr's semantics, spinning here: there is no
 * scheduler), never in an interrupt handler or with a spinlock held.  One
 * irqsave spinlock per pool: SMP- and interrupt-safe.  Never panics.
 * The design is in mm/pool.c and docs/allocators.md.
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "lib/spinlock.h"
#include "mm/heap.h" /* k_timeout_t, K_NO_WAIT, K_FOREVER, K_MSEC */

/* Blocks are at least a pointer and a multiple of this (Zephyr: 4/8). */
#define MEM_SLAB_ALIGN sizeof(void *)

struct k_mem_slab {
	spinlock_t ms_lock; /* guards every field below ms_node */
	const char *ms_name; /* for reports */
	char *ms_buffer; /* first block */
	size_t ms_block_size; /* bytes per block (a multiple of 8) */
	uint32_t ms_num_blocks;
	uintptr_t ms_secret; /* free-link encoding (random, top bit set) */
	struct list_head ms_node; /* on the list of pools (pool_lock) */
	/* Guarded by ms_lock. */
	void *ms_free_list; /* first free block, NULL when none */
	uint32_t ms_num_used; /* blocks handed out */
	uint32_t ms_max_used; /* peak of ms_num_used */
	bool ms_corrupt; /* a bad link was found (reported) */
	unsigned long ms_nr_lost; /* free blocks abandoned with a bad list */
	unsigned long ms_nr_alloc, ms_nr_free, ms_nr_fail;
	unsigned long ms_nr_bad_free, ms_nr_wait;
	unsigned long ms_free_gen; /* bumped by every free (waiters) */
};

struct k_mem_slab_stats {
	uint32_t num_blocks, num_used, num_free, max_used;
	size_t block_size;
	unsigned long nr_alloc, nr_free, nr_fail, nr_bad_free, nr_wait;
	unsigned long nr_lost;
	bool corrupt;
};

/*
 * Make buffer (at least block_size * num_blocks bytes, aligned to 8) into
 * num_blocks free blocks of block_size bytes.  block_size must be a
 * multiple of MEM_SLAB_ALIGN; both must be non-zero.  Returns 0 or
 * -MM_EINVAL (nothing registered).  The named form gives reports a name.
 */
int k_mem_slab_init(struct k_mem_slab *slab, void *buffer, size_t block_size,
		    uint32_t num_blocks);
int k_mem_slab_init_named(struct k_mem_slab *slab, const char *name,
			  void *buffer, size_t block_size, uint32_t num_blocks);

/*
 * Take a block into *mem.  When none is free, wait up to timeout for
 * another hart to free one (K_NO_WAIT: do not wait; K_FOREVER: no limit;
 * in an interrupt handler or with a spinlock held the call never waits).
 * Returns 0, or -MM_ENOMEM (none free before the timeout: Zephyr's -ENOMEM
 * and -EAGAIN are one code here), -MM_EFAULT_INJECTED, -MM_EINVAL (mem
 * NULL); mm_last_error() says the same.  *mem is NULL on failure.
 */
int k_mem_slab_alloc(struct k_mem_slab *slab, void **mem, k_timeout_t timeout);

/* Give a block back; NULL does nothing; a bad free is reported, ignored. */
void k_mem_slab_free(struct k_mem_slab *slab, void *mem);

uint32_t k_mem_slab_num_used_get(struct k_mem_slab *slab);
uint32_t k_mem_slab_num_free_get(struct k_mem_slab *slab);
uint32_t k_mem_slab_max_used_get(struct k_mem_slab *slab);
void k_mem_slab_stats_get(struct k_mem_slab *slab, struct k_mem_slab_stats *st);
/* True when mem is the start of a block of slab that is handed out. */
bool k_mem_slab_block_live(struct k_mem_slab *slab, const void *mem);

/*
 * Walk the free list and every block and check the invariants of mm/pool.c's
 * theory section against the counters.  True when all hold; otherwise
 * prints each failure and returns false.
 */
bool k_mem_slab_validate(struct k_mem_slab *slab);
/* Every registered pool (part of mm_validate()). */
bool pool_validate(void);
/* One line per pool on the console. */
void pool_report(void);
/* Take slab off the list of pools (its buffer may then be reused). */
void k_mem_slab_remove(struct k_mem_slab *slab);

/* ---- for mm/ (transactions): the same without allocation hooks ---------- */
void *__k_mem_slab_alloc(struct k_mem_slab *slab, unsigned long caller);
bool __k_mem_slab_free(struct k_mem_slab *slab, void *mem,
		       unsigned long caller);

/* Refused frees of every pool since it was made (health). */
unsigned long pool_bad_frees_total(void);

#endif /* MM_POOL_H */

/* SPDX-License-Identifier: MIT */
/*
 * Inside the DMA allocator only: the pool and chunk structures and the
 * state shared by mm/dma.c (buffers, validator, reports) and
 * mm/dma_pool.c (pools).  The layout is drawn in mm/dma.c.
 */
#ifndef MM_DMA_INTERNAL_H
#define MM_DMA_INTERNAL_H

#include "mm/dma.h"
#include "mm/internal.h"
#include "lib/list.h"
#include "lib/spinlock.h"

#define BITS_PER_LONG (8 * sizeof(unsigned long))
#define MAP_WORDS (DMA_POOL_MAX_BLOCKS / BITS_PER_LONG)

#ifndef list_for_each_entry /* (lib/list.h may grow one) */
#define list_for_each_entry(pos, head, member)                         \
	for (pos = list_entry((head)->next, __typeof__(*pos), member); \
	     &pos->member != (head);                                   \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#endif

struct dma_pool {
	char dp_name[DMA_POOL_NAME_LEN];
	size_t dp_size; /* bytes asked for per block */
	size_t dp_stride; /* block spacing: size rounded up to the align */
	size_t dp_boundary; /* 0: none */
	size_t dp_window; /* blocks are laid out per window (mm/dma.c) */
	unsigned int dp_order; /* a chunk is 2^order pages */
	unsigned int dp_per_window, dp_per_chunk;
	struct list_head dp_node; /* on dma_pools */
	/* Guarded by dma_lock. */
	struct list_head dp_chunks; /* chunks with blocks in use */
	unsigned long dp_nr_chunks, dp_in_use;
	unsigned long dp_nr_alloc, dp_nr_free, dp_nr_fail, dp_nr_bad_free;
};

struct dma_chunk {
	struct list_head dc_node; /* on dp_chunks */
	struct dma_pool *dc_pool;
	char *dc_vaddr; /* CPU address of the chunk */
	dma_addr_t dc_dma; /* its bus address */
	unsigned int dc_used; /* blocks in use (bits set in dc_map) */
	unsigned long dc_map[MAP_WORDS]; /* bit i: block i in use */
};

extern spinlock_t dma_lock;
extern struct list_head dma_pools;
extern unsigned long nr_dma_pools; /* on dma_pools: bounds its walks */
/* dma_lock held: the pool after p on dma_pools (the first when p is NULL),
 * or NULL at the end -- and at a link that is not a pool in RAM or after
 * nr_dma_pools pools (a corrupted list; reported, dma_validate() fails). */
struct dma_pool *dma_pool_next(struct dma_pool *p, unsigned long *n);
extern struct kmem_cache *dma_pool_cache, *dma_chunk_cache;
/* Guarded by dma_lock: dma_alloc() buffers and their calls. */
extern unsigned long dma_nr_buffers, dma_buffer_pages;
extern unsigned long dma_nr_alloc, dma_nr_free, dma_nr_fail, dma_nr_bad_free;

/* 2^order zeroed ZONE_DMA pages, head marked PG_dma with private = chunk
 * (NULL for a buffer); NULL on failure. */
struct page *dma_pages(gfp_t gfp, unsigned int order, void *chunk,
		       unsigned long caller);
/* Report a refused free (sets MM_EBADFREE; the caller counts it). */
void dma_bad_free(const char *fn, const void *vaddr, const char *why,
		  unsigned long caller);
/* Block i's offset in a chunk of pool p. */
static inline size_t dma_block_off(const struct dma_pool *p, unsigned int i)
{
	return (size_t)(i / p->dp_per_window) * p->dp_window +
	       (size_t)(i % p->dp_per_window) * p->dp_stride;
}

/* mm/dma_pool.c: is vaddr a block of p in use? */
bool dma_pool_block_live(struct dma_pool *p, const void *vaddr);
/* mm/dma_pool.c: check one pool's chunks (dma_lock held); adds its chunks
 * and chunk pages to *chunks and *pages. */
bool dma_pool_check(struct dma_pool *p, unsigned long *chunks,
		    unsigned long *pages);

#endif /* MM_DMA_INTERNAL_H */

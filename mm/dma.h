/* SPDX-License-Identifier: MIT */
/*
 * DMA buffers: memory a device may read and write, with the address the
 * device must be given (Linux's dma_alloc_coherent() and dma_pool).
 *
 *	buf = dma_alloc(4096, &bus, GFP_KERNEL);     CPU uses buf, device bus
 *	dma_free(buf, 4096, bus);                    all three must agree
 *
 *	pool = dma_pool_create("desc", 64, 64, 4096);  64-byte descriptors,
 *	d = dma_pool_alloc(pool, GFP_ATOMIC, &bus);    never across 4 KiB
 *	dma_pool_free(pool, d, bus);
 *	dma_pool_destroy(pool);
 *
 * Guarantees.  Every buffer and block lies in ZONE_DMA, entirely below
 * mm.dma_limit, for devices that cannot address more.  dma_alloc() gives
 * zeroed, physically contiguous pages (a power-of-two number); a pool
 * block never crosses a multiple of the pool's boundary (as bus address).
 * The bus address is the physical address: QEMU virt has no IOMMU, and
 * its devices are cache-coherent with the harts, so "coherent" needs no
 * cache maintenance here.  Frees are checked: a pointer that is not a
 * live buffer or block, a size or bus address that does not match what
 * was handed out, or a double free is reported with the caller, counted
 * and ignored.  Calls never panic (NULL and mm_last_error()), are SMP- and
 * interrupt-safe (GFP_ATOMIC), and go through the allocation hooks as
 * MM_KIND_DMA (the call's order is the page order of a dma_alloc()).
 * The design is in mm/dma.c and docs/allocators.md.
 */
#ifndef MM_DMA_H
#define MM_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mm/page_alloc.h"

typedef uint64_t dma_addr_t;

/* Head page of a DMA buffer or pool chunk (page->private: its chunk). */
#define PG_dma PG_owner1

#define DMA_POOL_NAME_LEN 24
#define DMA_POOL_MAX_BLOCKS 512 /* per chunk: 8-byte blocks in a page */

struct dma_pool; /* private: mm/dma.c */

/*
 * size bytes (rounded up to 2^order pages) of zeroed DMA memory; the bus
 * address goes to *dma_handle.  Returns the kernel address, or NULL with
 * MM_EINVAL (size 0 or above the largest block, unknown gfp bits, no
 * dma_handle), MM_ENOMEM/MM_EWATERMARK (the DMA zone is short) or
 * MM_EFAULT_INJECTED.
 */
void *dma_alloc(size_t size, dma_addr_t *dma_handle, gfp_t gfp);
/* Free a dma_alloc() buffer: vaddr, size and dma_handle as handed out. */
void dma_free(void *vaddr, size_t size, dma_addr_t dma_handle);

/*
 * A pool of size-byte blocks aligned to align (a power of two; 0: 8), none
 * crossing a multiple of boundary (a power of two >= size; 0: none).
 * Returns NULL with MM_EINVAL (bad geometry) or MM_ENOMEM.
 */
struct dma_pool *dma_pool_create(const char *name, size_t size, size_t align,
				 size_t boundary);
/* A block (zeroed with __GFP_ZERO) and its bus address, or NULL. */
void *dma_pool_alloc(struct dma_pool *pool, gfp_t gfp, dma_addr_t *dma_handle);
/* Give a block back; vaddr and dma_handle must match. */
void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma_handle);
/* Free an empty pool: 0, or -MM_EBUSY (blocks in use: reported, kept). */
int dma_pool_destroy(struct dma_pool *pool);

struct dma_stats {
	unsigned long buffers, buffer_pages; /* dma_alloc() buffers live */
	unsigned long pools, chunks, chunk_pages, blocks; /* dma_pool */
	unsigned long nr_alloc, nr_free, nr_fail, nr_bad_free;
};
void dma_stats_get(struct dma_stats *st);
struct dma_pool_stats {
	size_t size, stride, boundary;
	unsigned int per_chunk;
	unsigned long chunks, in_use, nr_alloc, nr_free, nr_fail, nr_bad_free;
};
void dma_pool_stats_get(struct dma_pool *pool, struct dma_pool_stats *st);

/* Highest bus address + 1 that a buffer may reach (end of ZONE_DMA). */
dma_addr_t dma_limit(void);

/*
 * Walk every DMA page and pool and check the invariants of mm/dma.c's
 * theory section against the counters.  True when all hold; otherwise
 * prints each failure and returns false (part of mm_validate()).
 */
bool dma_validate(void);
void dma_report(void);
/* Create the caches for pools and chunks (mm_init()). */
void dma_init(void);

/* ---- for mm/ (transactions): the same without allocation hooks ---------- */
void *__dma_alloc(size_t size, dma_addr_t *dma_handle, gfp_t gfp,
		  unsigned long caller);
bool __dma_free(void *vaddr, size_t size, dma_addr_t dma_handle,
		unsigned long caller);
void *__dma_pool_alloc(struct dma_pool *pool, gfp_t gfp, dma_addr_t *dma_handle,
		       unsigned long caller);
bool __dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma_handle,
		     unsigned long caller);
/* A logged MM_KIND_DMA object: owner NULL for a buffer of 2^order pages,
 * else its pool.  Give it back / is it still live? */
bool __dma_release(void *owner, void *obj, unsigned int order,
		   unsigned long caller);
bool dma_obj_live(void *owner, void *obj, unsigned int order);

/* Refused frees of DMA buffers and DMA pool blocks (health). */
unsigned long dma_bad_frees_total(void);

#endif /* MM_DMA_H */

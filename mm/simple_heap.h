/* SPDX-License-Identifier: MIT */
/*
 * The simple heap: a first-fit, address-ordered, coalescing free-list heap
 * on a caller-supplied region (the classic embedded design, FreeRTOS heap_4
 * style).  It is the baseline the slab/buddy design is measured against
 * (the `sheap` rows of the benchmarks), the allocator under kmalloc's
 * `simple` mode and `hybrid`'s fallback.
 *
 * Guarantees: 16-byte aligned blocks by default, any power-of-two alignment
 * on request; never panics (shortage or bad arguments give NULL, counted,
 * with the reason in mm_last_error()); an invalid, double or foreign free
 * is reported with its caller, counted and refused without touching the
 * heap; one lock per heap, taken with interrupts off, makes every call
 * SMP- and interrupt-safe.  Costs: allocation and free walk the free list,
 * O(number of free blocks).  See mm/simple_heap.c and docs/simple_heap.md.
 */
#ifndef MM_SIMPLE_HEAP_H
#define MM_SIMPLE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default (and minimum) alignment of every block, in bytes. */
#define SHEAP_ALIGN 16
/* Bytes of header in front of every block's payload. */
#define SHEAP_HDR 16
/* Smallest block (header + one 16-byte payload granule). */
#define SHEAP_MIN_BLOCK 32
/* Smallest region sheap_init() accepts. */
#define SHEAP_MIN_REGION (2 * SHEAP_MIN_BLOCK)

struct sh_block; /* private: a block header (mm/simple_heap.c) */

/*
 * One heap.  The caller provides the storage (static, embedded, or from
 * kmalloc's boot pages) and the region; sheap_init() sets every field.
 */
struct sheap {
	unsigned long sh_lock; /* 0 free, 1 held: guards the fields below
				* sh_cookie (mm/simple_heap.c, section 4) */
	/* Set by sheap_init(), read-only afterwards (no lock needed). */
	char *sh_start; /* first block header (16-byte aligned) */
	char *sh_end; /* one past the last byte managed */
	uintptr_t sh_cookie; /* per-heap secret mixed into block tags */
	/* Guarded by sh_lock. */
	struct sh_block *sh_free; /* free list, sorted by address */
	struct sh_block *sh_last; /* its last (highest) block, or NULL */
	size_t sh_free_bytes; /* sum of free block sizes */
	size_t sh_min_free_bytes; /* low-water mark of sh_free_bytes */
	unsigned long sh_allocs; /* successful sheap_alloc() calls */
	unsigned long sh_frees; /* successful sheap_free() calls */
	unsigned long sh_failures; /* sheap_alloc() that returned NULL */
	unsigned long sh_bad_args; /* ... of which for bad arguments */
	unsigned long sh_bad_frees; /* refused sheap_free() calls */
};

/* A snapshot of one heap (sheap_stats()). Sizes include block headers. */
struct sheap_stats {
	size_t ss_size; /* bytes managed: free + used */
	size_t ss_free_bytes; /* bytes in free blocks */
	size_t ss_used_bytes; /* bytes in allocated blocks */
	size_t ss_min_free_bytes; /* fewest free bytes ever seen */
	size_t ss_free_blocks; /* number of free blocks */
	size_t ss_largest_free; /* largest free block (header included) */
	size_t ss_max_alloc; /* largest request that would succeed now */
	size_t ss_live; /* number of allocated blocks */
	unsigned long ss_allocs; /* successful allocations */
	unsigned long ss_frees; /* successful frees */
	unsigned long ss_failures; /* allocations that returned NULL */
	unsigned long ss_bad_args; /* ... of which for bad arguments */
	unsigned long ss_bad_frees; /* invalid/double frees refused */
};

/*
 * Manage [base, base + size) as one free block.  base must be 16-byte
 * aligned; size is rounded down to a multiple of 16.  Returns 0, or -1 (and
 * leaves h unusable) when base is misaligned or the region is smaller than
 * SHEAP_MIN_REGION.  The region must stay mapped for the heap's lifetime.
 */
int sheap_init(struct sheap *h, void *base, size_t size);

/*
 * First-fit allocation of size bytes aligned to align (a power of two; 0
 * means SHEAP_ALIGN; smaller values are raised to it).  Returns NULL when no
 * free block fits (shortage, also for requests larger than the region:
 * MM_ENOMEM) or for bad arguments (size 0, align not a power of two:
 * MM_EINVAL, counted in sh_bad_args too, and a bad alignment is reported
 * with the caller).  Every failure is counted; nothing else changes.
 * Never panics.
 */
void *sheap_alloc(struct sheap *h, size_t size, size_t align);

/*
 * Free a block returned by sheap_alloc().  Returns true when freed; false
 * when p is not a live block of h (NULL, double free, interior or foreign
 * pointer, corrupted header): then it prints the reason and the caller on
 * the console, counts a bad free, sets MM_EBADFREE and leaves the heap
 * untouched.
 */
bool sheap_free(struct sheap *h, void *p);
/* The same, naming caller in the report (for wrappers such as kfree). */
bool sheap_free_from(struct sheap *h, void *p, void *caller);

/* Usable bytes at p (>= the size asked for), or 0 if p is not live in h. */
size_t sheap_usable_size(struct sheap *h, const void *p);

/* True when p points inside h's region (live or not). */
bool sheap_contains(const struct sheap *h, const void *p);

/*
 * Walk every block and the free list and check all invariants (headers,
 * tags, address order, no adjacent free blocks, sizes adding up to the
 * region, statistics).  Returns true when all hold; otherwise prints what
 * failed and where, and returns false.
 */
bool sheap_validate(struct sheap *h);

/* Fill *st with a consistent snapshot (walks the free list: O(n)). */
void sheap_stats(struct sheap *h, struct sheap_stats *st);

#endif /* MM_SIMPLE_HEAP_H */

/* SPDX-License-Identifier: MIT */
/*
 * The TLSF heap: a general-purpose allocator on memory the caller provides,
 * with Zephyr's k_heap interface (a heap object, allocation with a timeout,
 * free that wakes waiters).
 *
 * Guarantees.  Every allocation and free does a bounded amount of work,
 * independent of how many blocks exist: two bitmap scans, one list
 * removal, at most one split, and on free at most two merges (Two-Level
 * Segregated Fit, Masmano et al. 2004).  Blocks are 16-byte aligned, or
 * aligned to any power of two on request.  Calls never panic: shortage and
 * bad arguments give NULL with the reason in mm_last_error().  k_heap_free()
 * checks its argument: a pointer outside the heap, not at a block start, or
 * already free is reported with the caller, counted and ignored.  One
 * irqsave spinlock per heap: SMP- and interrupt-safe (an interrupt handler
 * never waits, as in Zephyr).  The design is explained in
 * mm/heap.c and docs/heap.md.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "lib/spinlock.h"
#include "mm/page_alloc.h"

/* Timeouts, in nanoseconds of arch_time_ns() (Zephyr's k_timeout_t). */
typedef uint64_t k_timeout_t;
#define K_NO_WAIT ((k_timeout_t)0)
#define K_FOREVER ((k_timeout_t)UINT64_MAX)
#define K_NSEC(n) ((k_timeout_t)(n))
#define K_USEC(n) ((k_timeout_t)(n)*1000u)
#define K_MSEC(n) ((k_timeout_t)(n)*1000000u)

/*
 * Waiting, as k_heap and k_mem_slab (mm/pool.c) do it: there is no
 * scheduler, so a waiter spins on its allocator's free counter.
 * k_wait_allowed(): never in an interrupt handler (the interrupted code may
 * be the one to free) nor with a lock held (the freer may need it);
 * interrupts may be off, since another hart ends the wait.
 * k_deadline(): now + timeout, saturating (K_FOREVER never passes).
 * k_wait_for_change(): spin until *gen is no longer seen (something was
 * freed) or the deadline passes; false on timeout.
 */
bool k_wait_allowed(k_timeout_t timeout);
uint64_t k_deadline(k_timeout_t timeout);
bool k_wait_for_change(const unsigned long *gen, unsigned long seen,
		       uint64_t deadline);

/* ---- geometry (the theory section of mm/heap.c explains each) ------------ */
#define TLSF_ALIGN_LOG2 4 /* blocks and payloads are 16-byte aligned */
#define TLSF_ALIGN (1u << TLSF_ALIGN_LOG2)
#define TLSF_SL_LOG2 4 /* 16 second-level lists per first level */
#define TLSF_SL_COUNT (1u << TLSF_SL_LOG2)
#define TLSF_FL_SHIFT (TLSF_SL_LOG2 + TLSF_ALIGN_LOG2) /* 256 B: first */
#define TLSF_SMALL (1u << TLSF_FL_SHIFT) /*   sizes below are linear */
#define TLSF_FL_COUNT 32 /* blocks up to 2^(32 + 8 - 1) bytes */
#define TLSF_HDR 16u /* header bytes in front of every payload */
#define TLSF_MIN_BLOCK 32u /* header + two free-list links */

struct tlsf_block; /* private: mm/heap.c */

struct k_heap {
	spinlock_t hp_lock; /* guards every field below hp_name */
	const char *hp_name; /* for reports ("demo", "kmalloc-bench" ...) */
	char *hp_start; /* first block header (16-byte aligned) */
	char *hp_end; /* the sentinel header (a used, empty block) */
	struct list_head hp_node; /* on the list of heaps (heap_lock) */
	/* Guarded by hp_lock. */
	uint32_t hp_fl_bitmap; /* bit f: some list of first level f used */
	/* Block bytes, each block's 16-byte header included (as Zephyr's
	 * sys_heap counts): free + alloc = hp_end - hp_start. */
	size_t hp_free_bytes; /* bytes of free blocks */
	size_t hp_alloc_bytes; /* bytes of used blocks */
	size_t hp_max_alloc_bytes; /* peak of hp_alloc_bytes */
	unsigned long hp_nr_alloc; /* successful allocations */
	unsigned long hp_nr_free; /* successful frees; waiters watch it */
	unsigned long hp_nr_fail; /* allocations that returned NULL */
	unsigned long hp_nr_bad_free; /* refused frees */
	unsigned long hp_nr_wait; /* allocations that had to wait */
	uint16_t hp_sl_bitmap[TLSF_FL_COUNT]; /* bit s: list [f][s] used */
	struct tlsf_block *hp_free[TLSF_FL_COUNT][TLSF_SL_COUNT];
};

/* Runtime statistics (Zephyr's sys_memory_stats, plus counters).  Bytes
 * are block bytes, headers included: free + allocated = the heap's span;
 * a block's payload is TLSF_HDR less (k_heap_usable_size()). */
struct k_heap_stats {
	size_t free_bytes;
	size_t allocated_bytes;
	size_t max_allocated_bytes;
	size_t free_blocks;
	size_t used_blocks;
	size_t largest_free; /* payload bytes of the largest free block */
	unsigned long nr_alloc, nr_free, nr_fail, nr_bad_free, nr_wait;
};

/*
 * Manage [mem, mem + bytes) as one free block.  mem is aligned up and the
 * end down to 16 bytes; name is kept (not copied).  Returns 0, or
 * -MM_EINVAL when fewer than TLSF_HDR + TLSF_MIN_BLOCK bytes remain or the
 * region is too large to index.
 */
int k_heap_init(struct k_heap *h, const char *name, void *mem, size_t bytes);

/*
 * Allocate bytes (aligned to 16).  When no block fits, wait up to timeout
 * for another hart to free one (K_NO_WAIT: do not wait; K_FOREVER: wait
 * indefinitely); in an interrupt handler or with a spinlock held the call
 * does not wait (as K_NO_WAIT).  A waiter spins: there is no scheduler.  Returns NULL with MM_ENOMEM (no fit
 * before the timeout), MM_EINVAL (bytes 0 or too large) or
 * MM_EFAULT_INJECTED.
 */
void *k_heap_alloc(struct k_heap *h, size_t bytes, k_timeout_t timeout);
/* The same aligned to align (a power of two). */
void *k_heap_aligned_alloc(struct k_heap *h, size_t align, size_t bytes,
			   k_timeout_t timeout);
/* num * size zeroed bytes; NULL (MM_EINVAL) when the product overflows. */
void *k_heap_calloc(struct k_heap *h, size_t num, size_t size,
		    k_timeout_t timeout);
/*
 * Resize: in place when the block or its free neighbour allows, else
 * allocate, copy and free.  ptr NULL: like k_heap_alloc; bytes 0: free ptr
 * and return NULL.  On failure NULL is returned and ptr is untouched.
 */
void *k_heap_realloc(struct k_heap *h, void *ptr, size_t bytes,
		     k_timeout_t timeout);
/* Free; NULL does nothing; an invalid or double free is reported. */
void k_heap_free(struct k_heap *h, void *mem);

/* Usable bytes of a live block, or 0 when mem is not one. */
size_t k_heap_usable_size(struct k_heap *h, const void *mem);
/* True when mem lies inside h's region (live or not). */
bool k_heap_contains(const struct k_heap *h, const void *mem);
void k_heap_stats_get(struct k_heap *h, struct k_heap_stats *st);

/*
 * Walk every block and every free list and check the invariants of
 * mm/heap.c's theory section, and that the statistics agree with the walk.
 * True when all hold; otherwise prints each failure and returns false.
 */
bool k_heap_validate(struct k_heap *h);
/* Every heap initialised so far (part of mm_validate()). */
bool heap_validate(void);
/* One line per heap on the console. */
void heap_report(void);
/* Call fn on every heap, heap list lock held (fn must not initialise or
 * remove a heap), until it returns false. */
void heap_for_each(bool (*fn)(struct k_heap *h, void *arg), void *arg);
/* Take h off the list of heaps (its memory may then be reused). */
void k_heap_remove(struct k_heap *h);

/*
 * The system heap: 2^SYSTEM_HEAP_ORDER pages taken at boot by mm_init()
 * (heap_init_system()), for code that wants a TLSF heap without bringing
 * memory of its own, and for inspecting one (GDB: mm-heap &system_heap).
 */
#define SYSTEM_HEAP_ORDER 8 /* 1 MiB */
extern struct k_heap system_heap;
int heap_init_system(void);

/* ---- for mm/ (transactions): the same without allocation hooks ---------- */
void *__k_heap_alloc(struct k_heap *h, size_t align, size_t bytes,
		     unsigned long caller);
bool __k_heap_free(struct k_heap *h, void *mem, unsigned long caller);

#endif /* MM_HEAP_H */

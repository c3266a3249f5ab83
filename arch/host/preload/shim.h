/* SPDX-License-Identifier: MIT */
/*
 * Internals of libmm_malloc.so, the malloc replacement over kmalloc
 * (docs/host.md, "Real programs on kmalloc").  Three kinds of block:
 *
 *   kmalloc   inside the simulated RAM [ram, ram + ram_bytes): served and
 *             freed by mm/ under a hart lock (harts.c);
 *   big       outside it, made by mmap() with a header just below the
 *             pointer (big.c): sizes above KMALLOC_MAX_SIZE, alignments
 *             above KMALLOC_MAX_ALIGN, and whatever kmalloc refuses;
 *   boot      in a static buffer (big.c), for the calls made while the
 *             shim initialises itself: never freed.
 *
 * A pointer's kind is found from its address alone.
 */
#ifndef ARCH_HOST_PRELOAD_SHIM_H
#define ARCH_HOST_PRELOAD_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every block is aligned to this at least, as glibc's (max_align_t). */
#define SHIM_MIN_ALIGN 16

enum shim_state {
	SHIM_NONE, /* nobody has called yet */
	SHIM_READY, /* mm/ is up */
	SHIM_FAILED, /* init failed: every block is a big one */
};

/* ---- harts.c: start-up, hart locks, fork, statistics ---- */

/*
 * Bring mm/ up on the first call (any thread).  Returns the state after
 * the attempt; SHIM_NONE means "this thread is initialising": the caller
 * must serve itself from the boot buffer.
 */
enum shim_state shim_init(void);

/* The simulated RAM's host address range (fixed once READY). */
extern uintptr_t shim_ram_lo, shim_ram_hi;

static inline bool shim_in_ram(const void *p)
{
	uintptr_t a = (uintptr_t)p;

	return a >= shim_ram_lo && a < shim_ram_hi;
}

/*
 * Claim a hart for one call into mm/: the calling thread's own, or any
 * free one, or wait for its own.  Until shim_hart_exit(), no other thread
 * runs mm/ code as that hart.  Returns false when the caller is already
 * inside mm/ (a re-entrant call: serve it from the boot buffer).
 */
bool shim_hart_enter(void);
void shim_hart_exit(void);

/* Counters of the calls, kept per hart under its lock. */
enum shim_stat {
	ST_MALLOC,
	ST_FREE,
	ST_REALLOC,
	ST_ALIGNED,
	ST_FAIL,
	ST_NR,
};
void shim_count(enum shim_stat what);

/* True when refused frees are to be reported on stderr (RVMM_MALLOC_VERBOSE
 * is not 0). */
bool shim_reports(void);

/* ---- big.c: mmap()ed blocks and the boot buffer ---- */

/* size bytes aligned to align (a power of two), or NULL with ENOMEM. */
void *big_alloc(size_t size, size_t align);
void big_free(void *p);
size_t big_usable(const void *p);
/* Resize; NULL with ENOMEM leaves p as it was. */
void *big_realloc(void *p, size_t size);

/* For the calls made while initialising; NULL when the buffer is spent. */
void *boot_alloc(size_t size, size_t align);
bool boot_owns(const void *p);
size_t boot_usable(const void *p);

/* Counters for the exit report. */
struct big_stats {
	unsigned long allocs, frees, live, bytes_live;
	unsigned long boot_allocs, boot_bytes;
	unsigned long refused; /* frees of pointers that are no block */
};
void big_stats_get(struct big_stats *st);

#endif /* ARCH_HOST_PRELOAD_SHIM_H */

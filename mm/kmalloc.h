/* SPDX-License-Identifier: MIT */
/*
 * kmalloc: general-purpose kernel memory of any size.
 *
 * Guarantees.  Every call either succeeds or returns NULL with the reason
 * in mm_last_error(); it never panics.  kfree() finds the owner of a block
 * from its address alone, whatever mode allocated it; an invalid or double
 * free is reported with its caller, counted and ignored, never corrupting
 * anything.  SMP-safe; GFP_ATOMIC calls work with interrupts off and from
 * interrupt handlers.  The design is explained in mm/kmalloc.c and
 * docs/kmalloc.md.
 *
 * THIS HEADER IS A CONTRACT SKELETON: the names below are fixed (DESIGN.md);
 * mm/kmalloc.c's author completes the documentation (size 0, modes, debug).
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include "mm/page_alloc.h"

/* The size classes (bytes); larger requests take whole pages. */
#define KMALLOC_NR_CLASSES 12
#define KMALLOC_MAX_CACHE_SIZE 4096
extern const unsigned int kmalloc_class_size[KMALLOC_NR_CLASSES];

void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
/* n * size bytes, zeroed; NULL (MM_EINVAL) when n * size overflows. */
void *kcalloc(size_t n, size_t size, gfp_t gfp);
/* Resize p (NULL: like kmalloc).  In place when the block allows; on
 * failure p is left untouched and NULL is returned. */
void *krealloc(void *p, size_t size, gfp_t gfp);
/* NULL does nothing. */
void kfree(const void *p);
/* Usable bytes of a live block (0 for NULL or a block kfree would refuse). */
size_t ksize(const void *p);
/* size bytes aligned to align, any power of two up to 4 MiB. */
void *kmalloc_aligned(size_t size, size_t align, gfp_t gfp);

/* Backend modes (boot argument kmalloc.mode=two-tier|simple|hybrid). */
enum kmalloc_mode {
	KMALLOC_TWO_TIER, /* slab classes, pages above 4 KiB (default) */
	KMALLOC_SIMPLE, /* first-fit simple heap only */
	KMALLOC_HYBRID, /* two-tier, then the simple heap when it fails */
	KMALLOC_NR_MODES
};
/* Switch mode; blocks from any mode stay valid for kfree().  Returns 0, or
 * -MM_EINVAL for an unknown mode (or when the mode's heap is missing). */
int kmalloc_set_mode(enum kmalloc_mode mode);
enum kmalloc_mode kmalloc_get_mode(void);
const char *kmalloc_mode_name(enum kmalloc_mode mode);

/* Live allocations grouped by call site (debug mode tracks them). */
void kmalloc_leak_report(void);

/* ---- for mm/ (transactions, health) ------------------------------------------ */
void *__kmalloc(size_t size, size_t align, gfp_t gfp, unsigned long caller);
bool __kfree(const void *p, unsigned long caller); /* false: refused */
bool kmalloc_validate(void); /* part of mm_validate() */
void kmalloc_report(void); /* per-class usage table */
void kmalloc_init(void); /* called by mm_init() after slab_init() */

#endif /* MM_KMALLOC_H */

/* SPDX-License-Identifier: MIT */
/*
 * Memory-management bring-up and the hart-local error code.
 *
 * Boot code describes RAM and the ranges that must never be handed out
 * (firmware, kernel image, device tree, /reserved-memory ...) and then calls
 * mm_init(), which builds the struct page array and the zones and gives
 * every remaining page to the buddy allocator.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "arch/arch.h"

#define MM_MAX_RAM 16
#define MM_MAX_RESERVED 48

/* Describe RAM; returns 0 or -1 when the table is full. */
int memmap_add_ram(phys_addr_t base, uint64_t size);
/*
 * Mark [base, base+size) as not for the allocator; what names it in the
 * boot log ("opensbi", "kernel", "dtb", ...).  Overlaps are fine.
 * Returns 0 or -1 when the table is full.
 */
int memmap_reserve(phys_addr_t base, uint64_t size, const char *what);

/*
 * The name the first reserved range holding physical address p was given
 * (ranges rounded out to whole pages), or NULL when none holds it.
 */
const char *memmap_reserved_by(phys_addr_t p);

/*
 * Build struct pages and zones from the ranges above and free every usable
 * page into the buddy allocator; prints the memory map.  Returns 0, or a
 * negative value (and a message) when there is no usable memory.
 */
int mm_init(void);

/* Why the last failing mm call on this hart failed. */
enum mm_error {
	MM_OK = 0,
	MM_ENOMEM, /* not enough free memory */
	MM_EINVAL, /* bad argument (size, order, alignment, flags) */
	MM_EFAULT_INJECTED, /* fault injection made it fail */
	MM_EBADFREE, /* invalid or double free */
	MM_EWATERMARK, /* would dip below the zone's watermark */
	MM_ENOLOG, /* transaction log could not grow */
	MM_EBUSY, /* object still in use (e.g. cache destroy) */
	MM_ERR_COUNT
};

enum mm_error mm_last_error(void);
const char *mm_strerror(enum mm_error err);
/* Set this hart's last error (for allocator code). */
void mm_set_error(enum mm_error err);

#endif /* MM_MM_H */

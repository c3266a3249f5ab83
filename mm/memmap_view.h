/* SPDX-License-Identifier: MIT */
/*
 * A picture of physical memory: one character per group of page frames,
 * saying what the frames are (a free buddy block of some order, a per-CPU
 * list page, a slab, a reserved range ...), with a legend and a count of
 * pages per kind.  The monitor's `memmap` prints it, and GDB's `mm-memmap`
 * (scripts/gdb/rvmm/cmd_memmap.py) prints the same text from memory;
 * scripts/memmap_svg.py draws it.  docs/buddy.md ("Pictures of memory")
 * shows it and explains the legend.
 *
 *   memmap: [mem 0x0000000080000000-0x000000008fffffff] 65536 pages, ...
 *   0x0000000080000000 FFFFKKKKKKKKKKKKt###ssss0000...   <- MEMMAP_COLS
 *   ...
 *   legend: ...
 *     0  free buddy block, order 0        12 pages in 12 blocks
 */
#ifndef MM_MEMMAP_VIEW_H
#define MM_MEMMAP_VIEW_H

#include <stdbool.h>
#include "mm/page_alloc.h"

#define MEMMAP_COLS 64 /* characters per row */
#define MEMMAP_ROWS 32 /* rows when the group size is chosen for you */
#define MEMMAP_MAX_ROWS 256 /* rows at most, with a group size given */

/*
 * What a page frame is.  The kinds up to MEMMAP_UNKNOWN change as memory
 * is allocated and freed; those from MEMMAP_PGTABLE on are fixed at boot
 * (the legend lists them in this order; the mixing rule relies on it).
 */
enum memmap_kind {
	MEMMAP_FREE, /* MEMMAP_FREE + k: in a free buddy block of order k */
	MEMMAP_PCP = MEMMAP_FREE + MAX_ORDER, /* free, on a per-CPU list */
	MEMMAP_SLAB, /* a block whose head has PG_slab */
	MEMMAP_LARGE, /* PG_large: a large kmalloc block */
	MEMMAP_DMA, /* PG_owner1: a DMA buffer or DMA pool chunk */
	MEMMAP_ARENA, /* PG_owner2: an arena chunk */
	MEMMAP_USED, /* allocated, no owner bit (heaps, mempools, others) */
	MEMMAP_UNKNOWN, /* no state: a tail page with no head before it */
	MEMMAP_PGTABLE, /* reserved: the kernel's page tables */
	MEMMAP_KERNEL, /* reserved: the kernel image */
	MEMMAP_DTB, /* reserved: the device tree blob */
	MEMMAP_FIRMWARE, /* reserved: any other range (/reserved-memory) */
	MEMMAP_MEMMAP, /* reserved: the struct page array */
	MEMMAP_HOLE, /* not RAM: a hole the struct page array spans */
	MEMMAP_NR_KINDS
};

/* The first kind that is fixed at boot (see the mixing rule). */
#define MEMMAP_FIRST_FIXED MEMMAP_PGTABLE

/*
 * The legend, one entry per kind, read by GDB as well: the character, what
 * it means, and for reserved kinds the name memmap_reserve() was given
 * (NULL for MEMMAP_FIRMWARE: every name no other entry claims).
 */
struct memmap_kind_desc {
	char mk_char;
	const char *mk_what;
	const char *mk_rsv_name;
};
extern const struct memmap_kind_desc memmap_kinds[MEMMAP_NR_KINDS];

/*
 * Print the map with `group` pages per character (a power of two; 0: the
 * smallest that fits RAM in MEMMAP_ROWS rows) and the legend with the
 * pages of every kind.  [pgtable, pgtable + pgtable_bytes) holds the
 * page tables (physical; 0 bytes: none known).  Each zone is walked under
 * all its locks.  Returns 0, or -1 with a one-line refusal printed (a
 * group that is not a power of two or needs more than MEMMAP_MAX_ROWS
 * rows, another map being printed) and nothing else done.
 */
int memmap_view_print(unsigned long group, phys_addr_t pgtable,
		      uint64_t pgtable_bytes);

/* The group size memmap_view_print(0, ...) uses. */
unsigned long memmap_view_auto_group(void);

#endif /* MM_MEMMAP_VIEW_H */

/* SPDX-License-Identifier: MIT */
/*
 * The picture of physical memory (mm/memmap_view.h): walk the struct page
 * array frame by frame, tell each block's kind from its head page, and
 * print one character per group of frames, then the legend.
 *
 * Telling kinds apart.  Only a block's first frame says what the block is
 * (PG_buddy: free, with its order; PG_head: allocated, with its order and
 * its owner's bit; PG_pcp; PG_reserved); tail frames carry no allocator
 * flag.  So the walk goes block by block, as the validator does
 * (mm/page_check.c): at a head it takes 2^order frames at once.  A frame
 * with no flag where a head should be is MEMMAP_UNKNOWN (a block in the
 * middle of an update; never seen under the zone locks).  Reserved frames
 * all look alike in struct page; the boot memory map (mm/memmap.c) says
 * whose they are, and the caller says where the page tables are (on the
 * kernel they are in the kernel image's bss).  Allocated blocks without
 * an owner bit (the TLSF heap, mempools, alloc_pages() callers) cannot be
 * told apart: they are all MEMMAP_USED.
 *
 * The mixing rule, for a group of frames of several kinds: the kind with
 * the most frames wins, a tie going to the first in the legend's order,
 * but counting only the kinds fixed at boot (MEMMAP_FIRST_FIXED on: page
 * tables, reserved ranges, holes) when the group has any, so that a small
 * reserved range (the device tree) shows even among free memory.
 *
 * scripts/gdb/rvmm/cmd_memmap.py does the same walk from GDB and must
 * print the same bytes; tests/gdb compares them.
 */
#include "mm/memmap_view.h"
#include "mm/internal.h"
#include "lib/printk.h"
#include "lib/string.h"

#define FREE_KIND(k, c) [MEMMAP_FREE + (k)] = {c, "free buddy block, order " #k}
_Static_assert(MAX_ORDER == 11, "memmap_kinds[] lists orders 0 .. 10");

const struct memmap_kind_desc memmap_kinds[MEMMAP_NR_KINDS] = {
	FREE_KIND(0, '0'),
	FREE_KIND(1, '1'),
	FREE_KIND(2, '2'),
	FREE_KIND(3, '3'),
	FREE_KIND(4, '4'),
	FREE_KIND(5, '5'),
	FREE_KIND(6, '6'),
	FREE_KIND(7, '7'),
	FREE_KIND(8, '8'),
	FREE_KIND(9, '9'),
	FREE_KIND(10, 'A'),
	[MEMMAP_PCP] = {'p', "free page on a per-CPU list"},
	[MEMMAP_SLAB] = {'s', "slab (PG_slab)"},
	[MEMMAP_LARGE] = {'k', "large kmalloc block (PG_large)"},
	[MEMMAP_DMA] = {'d', "DMA buffer or pool chunk (PG_owner1)"},
	[MEMMAP_ARENA] = {'a', "arena chunk (PG_owner2)"},
	[MEMMAP_USED] = {'#', "allocated, no owner bit (heap, other)"},
	[MEMMAP_UNKNOWN] = {'?', "no state (a block being updated)"},
	[MEMMAP_PGTABLE] = {'t', "page tables"},
	[MEMMAP_KERNEL] = {'K', "reserved: kernel image", "kernel"},
	[MEMMAP_DTB] = {'D', "reserved: device tree", "dtb"},
	[MEMMAP_FIRMWARE] = {'F', "reserved: firmware, /reserved-memory"},
	[MEMMAP_MEMMAP] = {'M', "reserved: struct page array",
			   "struct page array"},
	[MEMMAP_HOLE] = {'-', "not RAM (a hole)"},
};

/* The walk's state: the group being counted, the picture, the totals. */
struct mv {
	unsigned long group; /* frames per character */
	unsigned long next; /* first frame of the next group */
	unsigned long cell; /* characters written */
	unsigned long here[MEMMAP_NR_KINDS]; /* frames of the current group */
	unsigned long pages[MEMMAP_NR_KINDS]; /* frames of the whole map */
	unsigned long blocks[MAX_ORDER]; /* free blocks per order */
	phys_addr_t pt_base, pt_end; /* the page tables */
};

/* One map at a time: the picture is too big for a stack. */
static char picture[MEMMAP_MAX_ROWS * MEMMAP_COLS];
static unsigned int busy;

/* The kind in [from, to) with the most frames here, the first on a tie;
 * to when there is none. */
static unsigned int most(const unsigned long *here, unsigned int from,
			 unsigned int to)
{
	unsigned int best = to;

	for (unsigned int k = from; k < to; k++)
		if (here[k] && (best == to || here[k] > here[best]))
			best = k;
	return best;
}

/* The character of a group, by the mixing rule above. */
static char group_char(const unsigned long *here)
{
	unsigned int k = most(here, MEMMAP_FIRST_FIXED, MEMMAP_NR_KINDS);

	if (k == MEMMAP_NR_KINDS)
		k = most(here, 0, MEMMAP_FIRST_FIXED);
	return memmap_kinds[k].mk_char;
}

/* n frames of kind from pfn on: counted into their groups. */
static void count(struct mv *v, unsigned long pfn, unsigned long n,
		  enum memmap_kind kind)
{
	v->pages[kind] += n;
	while (n) {
		unsigned long take = v->next - pfn < n ? v->next - pfn : n;

		v->here[kind] += take;
		pfn += take;
		n -= take;
		if (pfn == v->next) {
			picture[v->cell++] = group_char(v->here);
			memset(v->here, 0, sizeof(v->here));
			v->next += v->group;
		}
	}
}

/* The kind of a reserved frame: page tables, a named range, or a hole. */
static enum memmap_kind reserved_kind(const struct mv *v, unsigned long pfn)
{
	phys_addr_t pa = (phys_addr_t)pfn << PAGE_SHIFT;
	const char *name;

	if (pa >= v->pt_base && pa < v->pt_end)
		return MEMMAP_PGTABLE;
	name = memmap_reserved_by(pa);
	if (!name)
		return MEMMAP_HOLE;
	for (unsigned int k = MEMMAP_FIRST_FIXED; k < MEMMAP_NR_KINDS; k++)
		if (memmap_kinds[k].mk_rsv_name &&
		    !strcmp(name, memmap_kinds[k].mk_rsv_name))
			return k;
	return MEMMAP_FIRMWARE;
}

static enum memmap_kind owner_kind(unsigned int flags)
{
	if (flags & PG_slab)
		return MEMMAP_SLAB;
	if (flags & PG_large)
		return MEMMAP_LARGE;
	if (flags & PG_owner1)
		return MEMMAP_DMA;
	if (flags & PG_owner2)
		return MEMMAP_ARENA;
	return MEMMAP_USED;
}

/* The block at pfn (below end): counted; returns the frame after it. */
static unsigned long walk_block(struct mv *v, unsigned long pfn,
				unsigned long end)
{
	struct page pg = page_load_state(pfn_to_page(pfn));
	/* the state bits; a block's kind (PG_KIND_MASK) does not matter here */
	unsigned int f = pg.flags & PG_ALLOC_MASK & ~PG_KIND_MASK;
	enum memmap_kind kind = MEMMAP_UNKNOWN;
	unsigned long n = 1;

	if ((f == PG_buddy || f == PG_head) && pg.order < MAX_ORDER) {
		n = 1UL << pg.order;
		kind = f == PG_buddy ? MEMMAP_FREE + pg.order
				     : owner_kind(pg.flags);
		if (f == PG_buddy)
			v->blocks[pg.order]++;
	} else if (f == PG_pcp) {
		kind = MEMMAP_PCP;
	} else if (f == PG_reserved) {
		kind = reserved_kind(v, pfn);
	}
	if (n > end - pfn)
		n = end - pfn;
	count(v, pfn, n, kind);
	return pfn + n;
}

/* Every zone under all its locks, in frame order (zones do not overlap). */
static void walk(struct mv *v)
{
	unsigned long pfn = memmap_start_pfn;
	struct zone *z;

	for_each_zone (z) {
		unsigned long flags;

		if (z->end_pfn <= z->start_pfn)
			continue;
		while (pfn < z->start_pfn) /* not in a zone: none today */
			pfn = walk_block(v, pfn, z->start_pfn);
		flags = zone_lock_all(z);
		while (pfn < z->end_pfn)
			pfn = walk_block(v, pfn, z->end_pfn);
		zone_unlock_all(z, flags);
	}
	while (pfn < memmap_end_pfn)
		pfn = walk_block(v, pfn, memmap_end_pfn);
	if (v->next - v->group < memmap_end_pfn) /* a last, partial group */
		picture[v->cell++] = group_char(v->here);
}

static unsigned long span(void)
{
	return memmap_end_pfn - memmap_start_pfn;
}

static unsigned long rows_for(unsigned long group)
{
	unsigned long cells = (span() + group - 1) / group;

	return (cells + MEMMAP_COLS - 1) / MEMMAP_COLS;
}

/* The smallest power of two that fits the map in rows. */
static unsigned long min_group(unsigned long rows)
{
	unsigned long group = 1;

	while (rows_for(group) > rows)
		group <<= 1;
	return group;
}

unsigned long memmap_view_auto_group(void)
{
	return min_group(MEMMAP_ROWS);
}

static void print_header(const struct mv *v)
{
	printk("memmap: [mem 0x%016llx-0x%016llx] %lu pages; one character "
	       "= %lu pages (%lu KiB), %u per row\n",
	       (unsigned long long)memmap_start_pfn << PAGE_SHIFT,
	       ((unsigned long long)memmap_end_pfn << PAGE_SHIFT) - 1, span(),
	       v->group, (v->group * PAGE_SIZE) >> 10, MEMMAP_COLS);
}

static void print_rows(const struct mv *v)
{
	for (unsigned long c = 0; c < v->cell; c += MEMMAP_COLS) {
		unsigned long pfn = memmap_start_pfn + c * v->group;
		unsigned long n = v->cell - c;

		printk("0x%016llx %.*s\n",
		       (unsigned long long)pfn << PAGE_SHIFT,
		       (int)(n < MEMMAP_COLS ? n : MEMMAP_COLS), picture + c);
	}
}

static void print_legend(const struct mv *v)
{
	printk("legend: a character shows the kind with the most pages in its "
	       "group (a tie: the\nfirst listed), counting only the kinds from "
	       "'%c' on (fixed at boot) if it has any.\n",
	       memmap_kinds[MEMMAP_FIRST_FIXED].mk_char);
	for (unsigned int k = 0; k < MEMMAP_NR_KINDS; k++) {
		char blocks[32] = "";

		if (k < MEMMAP_FREE + MAX_ORDER) {
			unsigned long n = v->blocks[k - MEMMAP_FREE];

			ksnprintf(blocks, sizeof(blocks), " in %lu block%s", n,
				  n == 1 ? "" : "s");
		}
		printk("  %c  %-38s %7lu pages%s\n", memmap_kinds[k].mk_char,
		       memmap_kinds[k].mk_what, v->pages[k], blocks);
	}
}

static void print_totals(const struct mv *v)
{
	unsigned long buddy = 0;

	for (unsigned int o = 0; o < MAX_ORDER; o++)
		buddy += v->pages[MEMMAP_FREE + o];
	printk("memmap: %lu pages free (buddy %lu + per-CPU %lu)\n",
	       buddy + v->pages[MEMMAP_PCP], buddy, v->pages[MEMMAP_PCP]);
}

/* Refused (-1, a line printed) unless group is usable. */
static int check_group(unsigned long group)
{
	if (!group || (group & (group - 1))) {
		printk("memmap: refused: %lu pages per character is not a "
		       "power of two; nothing printed\n",
		       group);
		return -1;
	}
	if (group > min_group(1) * MEMMAP_COLS) {
		printk("memmap: refused: %lu pages per character is more than "
		       "the map needs (at most %lu); nothing printed\n",
		       group, min_group(1) * MEMMAP_COLS);
		return -1;
	}
	if (rows_for(group) > MEMMAP_MAX_ROWS) {
		printk("memmap: refused: %lu pages per character needs %lu "
		       "rows, more than %u (at least %lu pages per character); "
		       "nothing printed\n",
		       group, rows_for(group), MEMMAP_MAX_ROWS,
		       min_group(MEMMAP_MAX_ROWS));
		return -1;
	}
	return 0;
}

int memmap_view_print(unsigned long group, phys_addr_t pgtable,
		      uint64_t pgtable_bytes)
{
	static struct mv v;

	if (!mem_map) {
		printk("memmap: refused: mm_init() has not run\n");
		return -1;
	}
	if (group && check_group(group))
		return -1;
	if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE)) {
		printk("memmap: refused: another hart is printing a map\n");
		return -1;
	}
	memset(&v, 0, sizeof(v));
	v.group = group ? group : memmap_view_auto_group();
	v.next = memmap_start_pfn + v.group;
	v.pt_base = pgtable;
	v.pt_end = pgtable + pgtable_bytes;
	walk(&v);
	print_header(&v);
	print_rows(&v);
	print_legend(&v);
	print_totals(&v);
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The boot memory map: RAM ranges minus reserved ranges, printed like
 * Linux's early boot; the struct page array, carved out of usable RAM; the
 * zones with their watermarks and per-CPU limits; and the hand-over of every
 * usable frame to the buddy allocator.
 *
 * The map works in whole pages: RAM ranges are rounded inwards, reserved
 * ranges outwards, so a page is usable only when all of it is RAM and no
 * byte of it is reserved.  The struct page array covers every frame from
 * the lowest to the highest RAM frame (holes included, marked reserved) and
 * is placed top-down in usable RAM, as Linux's memblock allocates, which
 * keeps it out of the small DMA zone.
 */
#include "mm/mm.h"
#include "mm/heap.h"
#include "mm/mempool.h"
#include "mm/dma.h"
#include "mm/slab.h"
#include "mm/kmalloc.h"
#include "mm/fault.h"
#include "mm/txn.h"
#include "mm/page_alloc.h"
#include "mm/page_owner.h"
#include "mm/internal.h"
#include "mm/health.h"
#include "lib/bootargs.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"

#define DMA_LIMIT_DEFAULT (16UL << 20)

struct mm_range {
	phys_addr_t base, end; /* [base, end) */
	const char *what;
};

static struct mm_range ram[MM_MAX_RAM], rsv[MM_MAX_RESERVED];
static unsigned int nr_ram, nr_rsv;

/* The map: RAM cut at every reserved boundary (usable when what == NULL). */
#define MAX_SEGS (2 * (MM_MAX_RAM + MM_MAX_RESERVED) + 1)
static struct mm_range segs[MAX_SEGS];
static unsigned int nr_segs;

struct page *mem_map;
unsigned long memmap_start_pfn, memmap_end_pfn;
uint64_t mm_dma_limit;

static phys_addr_t range_end(phys_addr_t base, uint64_t size)
{
	return base + size < base ? ~(phys_addr_t)0 & PAGE_MASK : base + size;
}

int memmap_add_ram(phys_addr_t base, uint64_t size)
{
	if (nr_ram == MM_MAX_RAM)
		return -1;
	if (size)
		ram[nr_ram++] = (struct mm_range){base, range_end(base, size),
						  "System RAM"};
	return 0;
}

int memmap_reserve(phys_addr_t base, uint64_t size, const char *what)
{
	if (nr_rsv == MM_MAX_RESERVED)
		return -1;
	if (size)
		rsv[nr_rsv++] = (struct mm_range){base, range_end(base, size),
						  what ? what : "reserved"};
	return 0;
}

/* ---- building the map ---------------------------------------------------- */

static void add_point(phys_addr_t *pts, unsigned int *n, phys_addr_t p)
{
	unsigned int i = *n;

	for (unsigned int j = 0; j < *n; j++)
		if (pts[j] == p)
			return;
	while (i > 0 && pts[i - 1] > p) { /* insertion sort */
		pts[i] = pts[i - 1];
		i--;
	}
	pts[i] = p;
	(*n)++;
}

/* Page-rounded RAM (inwards) or reserved range (outwards). */
static struct mm_range rounded(const struct mm_range *r, bool is_ram)
{
	struct mm_range o = *r;

	if (is_ram) {
		o.base = (r->base + PAGE_SIZE - 1) & PAGE_MASK;
		o.end = r->end & PAGE_MASK;
		if (o.end < o.base)
			o.end = o.base;
	} else {
		o.base = r->base & PAGE_MASK;
		o.end = (r->end + PAGE_SIZE - 1) & PAGE_MASK;
		if (o.end < r->end) /* wrapped at the top */
			o.end = PAGE_MASK;
	}
	return o;
}

static bool in_ram(phys_addr_t p)
{
	for (unsigned int i = 0; i < nr_ram; i++) {
		struct mm_range r = rounded(&ram[i], true);

		if (p >= r.base && p < r.end)
			return true;
	}
	return false;
}

static const char *reserved_by(phys_addr_t p)
{
	for (unsigned int i = 0; i < nr_rsv; i++) {
		struct mm_range r = rounded(&rsv[i], false);

		if (p >= r.base && p < r.end)
			return rsv[i].what;
	}
	return NULL;
}

const char *memmap_reserved_by(phys_addr_t p)
{
	return reserved_by(p);
}

static void add_seg(phys_addr_t base, phys_addr_t end, const char *what)
{
	struct mm_range *last = nr_segs ? &segs[nr_segs - 1] : NULL;

	if (last && last->end == base && last->what == what) {
		last->end = end;
		return;
	}
	if (nr_segs < MAX_SEGS)
		segs[nr_segs++] = (struct mm_range){base, end, what};
}

/* Cut RAM at every boundary; each piece is usable or names its reserver. */
static void build_map(void)
{
	static phys_addr_t pts[2 * (MM_MAX_RAM + MM_MAX_RESERVED)];
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_ram; i++) {
		struct mm_range r = rounded(&ram[i], true);

		add_point(pts, &n, r.base);
		add_point(pts, &n, r.end);
	}
	for (unsigned int i = 0; i < nr_rsv; i++) {
		struct mm_range r = rounded(&rsv[i], false);

		add_point(pts, &n, r.base);
		add_point(pts, &n, r.end);
	}
	nr_segs = 0;
	for (unsigned int i = 0; i + 1 < n; i++)
		if (in_ram(pts[i]))
			add_seg(pts[i], pts[i + 1], reserved_by(pts[i]));
}

/* ---- printing --------------------------------------------------------------- */

/* "1792 KiB", "254 MiB", "4 GiB": the largest unit that divides exactly. */
static const char *size_str(char *buf, size_t len, uint64_t bytes)
{
	if (bytes && !(bytes & ((1ULL << 30) - 1)))
		ksnprintf(buf, len, "%llu GiB",
			  (unsigned long long)(bytes >> 30));
	else if (bytes && !(bytes & ((1ULL << 20) - 1)))
		ksnprintf(buf, len, "%llu MiB",
			  (unsigned long long)(bytes >> 20));
	else
		ksnprintf(buf, len, "%llu KiB",
			  (unsigned long long)(bytes >> 10));
	return buf;
}

static void print_map(void)
{
	char sz[24];

	printk("mm: physical memory map (page-rounded):\n");
	for (unsigned int i = 0; i < nr_segs; i++)
		printk("mm:   [mem 0x%016llx-0x%016llx] %10s  %s%s\n",
		       (unsigned long long)segs[i].base,
		       (unsigned long long)segs[i].end - 1,
		       size_str(sz, sizeof(sz), segs[i].end - segs[i].base),
		       segs[i].what ? "reserved: " : "usable",
		       segs[i].what ? segs[i].what : "");
}

static void print_zone(const struct zone *z)
{
	if (z->end_pfn == z->start_pfn) {
		printk("mm: zone %-6s empty\n", z->name);
		return;
	}
	printk("mm: zone %-6s [mem 0x%016llx-0x%016llx] %lu present, %lu "
	       "managed pages\n",
	       z->name, (unsigned long long)z->start_pfn << PAGE_SHIFT,
	       ((unsigned long long)z->end_pfn << PAGE_SHIFT) - 1,
	       z->present_pages, z->managed_pages);
	printk("mm: zone %-6s watermarks min %lu low %lu high %lu pages, "
	       "per-CPU batch %u high %u\n",
	       z->name, z->wmark[WMARK_MIN], z->wmark[WMARK_LOW],
	       z->wmark[WMARK_HIGH], z->pcp[0].batch, z->pcp[0].high);
	if (z->lowmem_reserve)
		printk("mm: zone %-6s lowmem reserve %lu pages (kept from "
		       "requests that prefer Normal)\n",
		       z->name, z->lowmem_reserve);
}

/* ---- watermarks, reserve, per-CPU limits ---------------------------------- */

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;

	for (unsigned long bit = 1UL << 62; bit; bit >>= 2) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

static unsigned long clamp_ul(unsigned long v, unsigned long lo,
			      unsigned long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Watermarks as Linux: min_free_kbytes = sqrt(16 * KiB), shared by size. */
static void set_watermarks(unsigned long total)
{
	unsigned long min_kb = clamp_ul(int_sqrt(total * 4 * 16), 128, 65536);
	unsigned long min_pages = min_kb / 4;
	struct zone *z;

	for_each_zone (z) {
		unsigned long min = min_pages * z->managed_pages / total;
		unsigned long delta = min / 4;

		if (delta < z->managed_pages / 1000)
			delta = z->managed_pages / 1000;
		z->wmark[WMARK_MIN] = min;
		z->wmark[WMARK_LOW] = min + delta;
		z->wmark[WMARK_HIGH] = min + 2 * delta;
	}
}

static void init_limits(void)
{
	struct zone *dma = &zones[ZONE_DMA], *z;
	unsigned long total = 0;

	for_each_zone (z)
		total += z->managed_pages;
	if (!total)
		return;
	set_watermarks(total);
	dma->lowmem_reserve = zones[ZONE_NORMAL].managed_pages / 256;
	if (dma->lowmem_reserve > dma->managed_pages / 2)
		dma->lowmem_reserve = dma->managed_pages / 2;
	for_each_zone (z) {
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
			z->pcp[cpu].batch = PCP_BATCH;
			z->pcp[cpu].high = PCP_HIGH;
		}
		z->below_low = z->free_pages < z->wmark[WMARK_LOW];
		z->min_free_seen = z->free_pages;
	}
}

/* ---- mm_init ---------------------------------------------------------------- */

BOOTPARAM_SIZE(dma_limit, "mm.dma_limit", "16M", 0, 0, PAGE_SIZE,
	       "size of ZONE_DMA, from the start of RAM (0: no DMA zone)");

/*
 * mm.dma_limit: the size of ZONE_DMA from the start of RAM (the lowest RAM
 * address).  A size at or beyond the end of RAM makes all of RAM the DMA
 * zone, and says so.
 */
static unsigned long dma_end_pfn(phys_addr_t ram_start, phys_addr_t ram_end)
{
	uint64_t v = DMA_LIMIT_DEFAULT, span = ram_end - ram_start;

	if (bootparam_size("mm.dma_limit", &v) && v >= span)
		printk("mm: mm.dma_limit=%s is at or beyond RAM (%llu MiB): "
		       "the DMA zone is all of RAM\n",
		       bootarg_get("mm.dma_limit"),
		       (unsigned long long)span >> 20);
	if (v > span)
		v = span;
	return (unsigned long)((ram_start + v) >> PAGE_SHIFT);
}

/* Top-down: the highest usable piece that holds bytes; false if none. */
static bool place_memmap(uint64_t bytes, phys_addr_t *base)
{
	for (unsigned int i = nr_segs; i-- > 0;) {
		const struct mm_range *s = &segs[i];

		if (!s->what && s->end - s->base >= bytes) {
			*base = (s->end - bytes) & PAGE_MASK;
			return true;
		}
	}
	return false;
}

static void init_pages(unsigned long dma_end)
{
	unsigned long nr = memmap_end_pfn - memmap_start_pfn;

	memset(mem_map, 0, nr * sizeof(struct page));
	for (unsigned long i = 0; i < nr; i++) {
		mem_map[i].flags = PG_reserved;
		mem_map[i].zone =
			memmap_start_pfn + i < dma_end ? ZONE_DMA : ZONE_NORMAL;
		list_init(&mem_map[i].lru);
	}
}

/* Frames of RAM in [start, end) (holes excluded). */
static unsigned long present_in(unsigned long start, unsigned long end)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < nr_segs; i++) {
		unsigned long b = segs[i].base >> PAGE_SHIFT;
		unsigned long e = segs[i].end >> PAGE_SHIFT;

		b = b < start ? start : b;
		e = e > end ? end : e;
		n += e > b ? e - b : 0;
	}
	return n;
}

static void print_overhead(phys_addr_t base, uint64_t bytes)
{
	uint64_t ram_bytes =
		present_in(memmap_start_pfn, memmap_end_pfn) * PAGE_SIZE;
	uint64_t bp = ram_bytes ? bytes * 10000 / ram_bytes : 0;
	char sz[24];

	printk("mm: struct page array: %lu frames x %zu bytes at "
	       "[mem 0x%016llx-0x%016llx]\n",
	       memmap_end_pfn - memmap_start_pfn, sizeof(struct page),
	       (unsigned long long)base,
	       (unsigned long long)(base + bytes - 1));
	printk("mm: page metadata overhead: %llu bytes (%s) = %llu.%02llu%% "
	       "of RAM\n",
	       (unsigned long long)bytes, size_str(sz, sizeof(sz), bytes),
	       (unsigned long long)bp / 100, (unsigned long long)bp % 100);
}

static void setup_zones(unsigned long dma_end)
{
	unsigned long s = memmap_start_pfn, e = memmap_end_pfn;

	dma_end = dma_end < s ? s : dma_end > e ? e : dma_end;
	mm_dma_limit = (uint64_t)(dma_end - s) << PAGE_SHIFT;
	init_pages(dma_end);
	zone_init_span(ZONE_DMA, s, dma_end, present_in(s, dma_end));
	zone_init_span(ZONE_NORMAL, dma_end, e, present_in(dma_end, e));
	for (unsigned int i = 0; i < nr_segs; i++)
		if (!segs[i].what)
			page_alloc_free_boot_range(segs[i].base >> PAGE_SHIFT,
						   segs[i].end >> PAGE_SHIFT);
	init_limits();
}

/* mm.page_owner=1: one record per frame, placed as the memmap is. */
static void setup_owners(phys_addr_t base, uint64_t bytes)
{
	page_owner_setup(arch_phys_to_virt(base), bytes);
	printk("mm: page owner array: %lu frames x %zu bytes at "
	       "[mem 0x%016llx-0x%016llx] (mm.page_owner=1)\n",
	       memmap_end_pfn - memmap_start_pfn, sizeof(struct page_owner),
	       (unsigned long long)base,
	       (unsigned long long)(base + bytes - 1));
}

int mm_init(void)
{
	uint64_t bytes, owner_bytes;
	phys_addr_t base, owner_base = 0;
	struct zone *z;

	if (mem_map) {
		printk("mm: mm_init() called twice\n");
		return -1;
	}
	build_map();
	if (!nr_segs) {
		printk("mm: no RAM described\n");
		return -1;
	}
	memmap_start_pfn = segs[0].base >> PAGE_SHIFT;
	memmap_end_pfn = segs[nr_segs - 1].end >> PAGE_SHIFT;
	bytes = (memmap_end_pfn - memmap_start_pfn) * sizeof(struct page);
	bytes = (bytes + PAGE_SIZE - 1) & PAGE_MASK;
	if (!place_memmap(bytes, &base) ||
	    memmap_reserve(base, bytes, "struct page array") < 0) {
		printk("mm: no room for the struct page array (%llu bytes)\n",
		       (unsigned long long)bytes);
		return -1;
	}
	build_map();
	owner_bytes = page_owner_bytes(memmap_end_pfn - memmap_start_pfn);
	if (owner_bytes &&
	    (!place_memmap(owner_bytes, &owner_base) ||
	     memmap_reserve(owner_base, owner_bytes, "page owner array") < 0)) {
		printk("mm: no room for the page owner array (%llu bytes); "
		       "page owners stay off\n",
		       (unsigned long long)owner_bytes);
		owner_bytes = 0;
	}
	if (owner_bytes)
		build_map();
	print_map();
	mem_map = arch_phys_to_virt(base);
	print_overhead(base, bytes);
	if (owner_bytes)
		setup_owners(owner_base, owner_bytes);
	setup_zones(dma_end_pfn(segs[0].base, segs[nr_segs - 1].end));
	for_each_zone (z)
		print_zone(z);
	printk("mm: %lu pages free (%llu KiB), DMA limit %llu MiB\n",
	       nr_free_pages(), (unsigned long long)nr_free_pages() * 4,
	       (unsigned long long)mm_dma_limit >> 20);
	page_alloc_report_buddyinfo();
	if (!nr_free_pages())
		return -1;
	slab_init();
	kmalloc_init();
	heap_init_system();
	mempool_init();
	dma_init();
	mm_txn_init();
	mm_fault_boot();
	return 0;
}

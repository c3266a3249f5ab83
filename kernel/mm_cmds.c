/* SPDX-License-Identifier: MIT */
/*
 * The monitor's memory commands (kernel/monitor.c lists them in its
 * commands[] table): reports, the verdict, the validator, and blocks
 * allocated and freed by hand.  Blocks the monitor hands out are kept in
 * a small table, so `leaks` can list what is still out and `pages free`
 * knows a block's order.  A refused operation (a bad number, an address
 * that is not RAM, a free the allocator rejects) prints what was refused
 * and why and leaves the table as it was.  docs/health.md shows a session.
 */
#include "kernel/mm_cmds.h"
#include "kernel/monitor.h"
#include "lib/bootargs.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/page_owner.h"
#include "mm/slab.h"

#define MON_MAX_BLOCKS 32

/* A block handed out at the prompt and not yet given back. */
struct mon_block {
	void *addr; /* NULL: free slot */
	bool kmalloc; /* from `kmalloc SIZE`, else from `pages ORDER` */
	unsigned int order; /* pages */
	size_t size; /* kmalloc: bytes asked for */
};

static struct mon_block mon_blocks[MON_MAX_BLOCKS];

static struct mon_block *mon_find(const void *addr)
{
	for (unsigned int i = 0; i < MON_MAX_BLOCKS; i++)
		if (mon_blocks[i].addr && mon_blocks[i].addr == addr)
			return &mon_blocks[i];
	return NULL;
}

/* Drop a stale entry for addr (a block freed behind the table's back). */
static void mon_forget(const void *addr)
{
	struct mon_block *b = mon_find(addr);

	if (b)
		b->addr = NULL;
}

static bool has_suffix(const char *s)
{
	size_t n = strlen(s);

	return n && strchr("kKmMgG", s[n - 1]);
}

/*
 * Parse s into *val: decimal or 0x hex, with a K/M/G suffix when
 * suffix_ok.  Anything else (a sign, junk after the digits, a number
 * over 64 bits) is refused with "CMD: bad WHAT 'S' (...)": false.
 */
static bool arg_num(const char *cmd, const char *what, const char *s,
		    bool suffix_ok, uint64_t *val)
{
	if (parse_size(s, val) && (suffix_ok || !has_suffix(s)))
		return true;
	printk("%s: bad %s '%s' (a number such as 12 or 0x1f%s, at most 64 "
	       "bits)\n",
	       cmd, what, s, suffix_ok ? ", or 4K, 1M, 1G" : "");
	return false;
}

/* argv[i], if given, must be "dma": true and *gfp |= GFP_DMA, or usage. */
static bool arg_dma(const char *cmd, int argc, char **argv, int i, gfp_t *gfp)
{
	if (argc <= i)
		return true;
	if (!strcmp(argv[i], "dma")) {
		*gfp |= GFP_DMA;
		return true;
	}
	printk("%s: unknown word '%s'; nothing done\n", cmd, argv[i]);
	monitor_usage(cmd);
	return false;
}

int cmd_meminfo(int argc, char **argv)
{
	mm_report_meminfo();
	return 0;
}

int cmd_buddyinfo(int argc, char **argv)
{
	page_alloc_report_buddyinfo();
	printk("unusable free space index (Linux extfrag/unusable_index):\n");
	mm_report_unusable();
	return 0;
}

int cmd_zoneinfo(int argc, char **argv)
{
	page_alloc_report_zoneinfo();
	mm_report_pagestats();
	return 0;
}

int cmd_health(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "ack")) {
		printk("health: unknown word '%s'; nothing done\n", argv[1]);
		monitor_usage("health");
		return -1;
	}
	if (argc > 1) {
		mm_health_acknowledge("'health ack' at the monitor");
		return 0;
	}
	mm_report_health();
	return 0;
}

int cmd_slabinfo(int argc, char **argv)
{
	slab_report();
	return 0;
}

int cmd_report(int argc, char **argv)
{
	mm_report();
	return 0;
}

int cmd_validate(int argc, char **argv)
{
	bool ok = mm_validate();

	printk("validate: %s\n", ok ? "every invariant holds"
				    : "FAILED (the lines above say what)");
	return ok ? 0 : -1;
}

int cmd_owners(int argc, char **argv)
{
	page_owner_report();
	return 0;
}

int cmd_leaks(int argc, char **argv)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MON_MAX_BLOCKS; i++) {
		const struct mon_block *b = &mon_blocks[i];

		if (!b->addr)
			continue;
		if (b->kmalloc)
			printk("leaks: kmalloc(%zu) block at %p, from "
			       "'kmalloc'\n",
			       b->size, b->addr);
		else
			printk("leaks: order-%u page block at %p (%lu KiB), "
			       "from 'pages'\n",
			       b->order, b->addr,
			       (PAGE_SIZE << b->order) >> 10);
		n++;
	}
	printk("leaks: %u block%s allocated at this prompt still out\n", n,
	       n == 1 ? "" : "s");
	kmalloc_leak_report();
	return 0;
}

/* The block at addr; NULL (and why, printed) if no block can start there. */
static struct page *free_target(uint64_t addr)
{
	struct page *pg;

	if (addr & (PAGE_SIZE - 1)) {
		printk("pages free: refused: 0x%llx is not page-aligned (a "
		       "block starts on a page); nothing freed\n",
		       (unsigned long long)addr);
		return NULL;
	}
	pg = virt_to_page((void *)(uintptr_t)addr);
	if (!pg)
		printk("pages free: refused: 0x%llx is not RAM the page "
		       "allocator manages (no struct page); nothing freed\n",
		       (unsigned long long)addr);
	return pg;
}

/*
 * free_pages(pg, order); b (the table's entry, or NULL) is dropped only
 * when the allocator took the block.  -1 when it refused (it printed the
 * details; mm_last_error() says why).
 */
static int free_block(struct page *pg, uint64_t order, struct mon_block *b)
{
	mm_set_error(MM_OK);
	/* An order out of range is passed as MAX_ORDER: refused below. */
	free_pages(pg, order >= MAX_ORDER ? MAX_ORDER : (unsigned int)order);
	if (mm_last_error() != MM_OK) {
		printk("pages free: refused: %s (the line above says why); "
		       "nothing freed\n",
		       mm_strerror(mm_last_error()));
		return -1;
	}
	if (b)
		b->addr = NULL;
	printk("pages free: done; %lu pages free\n", nr_free_pages());
	return 0;
}

/*
 * `pages free ADDR [ORDER]`.  Refused (-1, the table unchanged) when ADDR
 * came from `kmalloc`, is not a page of RAM, has no known order, or
 * free_pages() rejects the free (mm_last_error() says why).
 */
static int pages_free(int argc, char **argv)
{
	struct mon_block *b;
	struct page *pg;
	uint64_t addr, order;

	if (argc < 3 || argc > 4) {
		printk("pages free: %s; nothing done\n",
		       argc < 3 ? "missing ADDR" : "too many arguments");
		monitor_usage("pages");
		return -1;
	}
	if (!arg_num("pages free", "address", argv[2], false, &addr))
		return -1;
	if (argc > 3 && !arg_num("pages free", "order", argv[3], false, &order))
		return -1;
	b = mon_find((void *)(uintptr_t)addr);
	if (b && b->kmalloc) {
		printk("pages free: refused: %p came from 'kmalloc': kfree "
		       "%p\n",
		       b->addr, b->addr);
		return -1;
	}
	pg = free_target(addr);
	if (!pg)
		return -1;
	if (argc <= 3 && !b) {
		printk("pages free: refused: 0x%llx was not allocated here; "
		       "give its order: pages free ADDR ORDER\n",
		       (unsigned long long)addr);
		return -1;
	}
	return free_block(pg, argc > 3 ? order : b->order, b);
}

static struct mon_block *mon_slot(void)
{
	for (unsigned int i = 0; i < MON_MAX_BLOCKS; i++)
		if (!mon_blocks[i].addr)
			return &mon_blocks[i];
	return NULL;
}

int cmd_pages(int argc, char **argv)
{
	struct mon_block *slot = mon_slot();
	gfp_t gfp = GFP_KERNEL;
	struct page *pg;
	uint64_t order;

	if (!strcmp(argv[1], "free"))
		return pages_free(argc, argv);
	if (argc > 3) {
		printk("pages: too many arguments; nothing done\n");
		monitor_usage("pages");
		return -1;
	}
	if (!arg_num("pages", "order", argv[1], false, &order) ||
	    !arg_dma("pages", argc, argv, 2, &gfp))
		return -1;
	if (!slot) {
		printk("pages: the monitor already holds %u blocks; free "
		       "some first\n",
		       MON_MAX_BLOCKS);
		return -1;
	}
	mm_set_error(MM_OK);
	pg = alloc_pages(gfp | __GFP_NOWARN,
			 order >= MAX_ORDER ? MAX_ORDER : (unsigned int)order);
	if (!pg) {
		printk("pages: order-%llu allocation failed: %s\n",
		       (unsigned long long)order, mm_strerror(mm_last_error()));
		return -1;
	}
	mon_forget(page_address(pg));
	*slot = (struct mon_block){.addr = page_address(pg),
				   .order = (unsigned int)order};
	printk("pages: order-%u block at %p (pfn 0x%lx, zone %s, %lu KiB); "
	       "free it with: pages free %p\n",
	       slot->order, slot->addr, page_to_pfn(pg), page_zone(pg)->name,
	       (PAGE_SIZE << slot->order) >> 10, slot->addr);
	return 0;
}

/* The mode named s, or -1. */
static int mode_by_name(const char *s)
{
	for (int m = 0; m < KMALLOC_NR_MODES; m++)
		if (!strcmp(s, kmalloc_mode_name(m)))
			return m;
	return -1;
}

/*
 * `kmalloc [MODE] [debug|nodebug]`: check every word first, then switch,
 * then the usage table.  Refused (-1, nothing switched) for an unknown
 * word, two modes, or a mode kmalloc_set_mode() refuses.
 */
static int kmalloc_switch(int argc, char **argv)
{
	int mode = -1, debug = -1;

	for (int i = 1; i < argc; i++) {
		int m = mode_by_name(argv[i]);

		if (m >= 0 && mode < 0) {
			mode = m;
		} else if (m < 0 && debug < 0 &&
			   (!strcmp(argv[i], "debug") ||
			    !strcmp(argv[i], "nodebug"))) {
			debug = argv[i][0] == 'd';
		} else {
			printk("kmalloc: cannot switch to '%s' (one of the "
			       "modes two-tier simple hybrid, and debug or "
			       "nodebug); nothing switched\n",
			       argv[i]);
			monitor_usage("kmalloc");
			return -1;
		}
	}
	if (mode >= 0 && kmalloc_set_mode(mode)) {
		printk("kmalloc: mode %s refused: %s (is there a simple heap? "
		       "kmalloc.heap=); nothing switched\n",
		       kmalloc_mode_name(mode), mm_strerror(MM_EINVAL));
		return -1;
	}
	if (debug >= 0)
		kmalloc_set_debug(debug);
	kmalloc_report();
	return 0;
}

static bool looks_numeric(const char *s)
{
	return (*s >= '0' && *s <= '9') || *s == '-' || *s == '+';
}

/* `kmalloc SIZE [dma]`: one block, kept in the table for kfree/leaks. */
int cmd_kmalloc(int argc, char **argv)
{
	gfp_t gfp = GFP_KERNEL;
	struct mon_block *slot;
	uint64_t size;
	void *p;

	if (argc < 2 || !looks_numeric(argv[1]))
		return kmalloc_switch(argc, argv);
	if (!arg_num("kmalloc", "size", argv[1], true, &size) ||
	    !arg_dma("kmalloc", argc, argv, 2, &gfp))
		return -1;
	slot = mon_slot();
	if (!slot) {
		printk("kmalloc: the monitor already holds %u blocks; free "
		       "some first\n",
		       MON_MAX_BLOCKS);
		return -1;
	}
	mm_set_error(MM_OK);
	p = kmalloc((size_t)size, gfp | __GFP_NOWARN);
	if (!p) {
		printk("kmalloc: %llu bytes failed: %s\n",
		       (unsigned long long)size, mm_strerror(mm_last_error()));
		return -1;
	}
	mon_forget(p);
	*slot = (struct mon_block){
		.addr = p, .kmalloc = true, .size = (size_t)size};
	printk("kmalloc: %llu bytes at %p (usable %zu, mode %s); free it "
	       "with: kfree %p\n",
	       (unsigned long long)size, p, ksize(p),
	       kmalloc_mode_name(kmalloc_get_mode()), p);
	return 0;
}

/*
 * `kfree ADDR`: any address.  Refused (-1, the table unchanged) for a
 * block from `pages`, or when kfree() rejects it (mm_last_error() says
 * why; kfree() printed the details).
 */
int cmd_kfree(int argc, char **argv)
{
	struct mon_block *b;
	uint64_t addr;

	if (!arg_num("kfree", "address", argv[1], false, &addr))
		return -1;
	if (!addr) {
		printk("kfree: NULL: nothing to free (kfree(NULL) does "
		       "nothing)\n");
		return 0;
	}
	b = mon_find((void *)(uintptr_t)addr);
	if (b && !b->kmalloc) {
		printk("kfree: refused: %p came from 'pages': pages free %p\n",
		       b->addr, b->addr);
		return -1;
	}
	mm_set_error(MM_OK);
	kfree((void *)(uintptr_t)addr);
	if (mm_last_error() != MM_OK) {
		printk("kfree: refused: %s (the line above says why); nothing "
		       "freed\n",
		       mm_strerror(mm_last_error()));
		return -1;
	}
	if (b)
		b->addr = NULL;
	printk("kfree: done\n");
	return 0;
}

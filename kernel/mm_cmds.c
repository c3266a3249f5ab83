/* SPDX-License-Identifier: MIT */
/*
 * The monitor's memory commands (kernel/monitor.c lists them in its
 * commands[] table): reports, the verdict, the validator, and blocks
 * allocated and freed by hand.  Blocks the monitor hands out are kept in
 * a small table, so `leaks` can list what is still out and `pages free`
 * knows a block's order.  docs/health.md shows a session.
 */
#include "kernel/mm_cmds.h"
#include "lib/bootargs.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
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

/* Parse a number (decimal, 0x hex, K/M/G) into *val; report junk. */
static bool arg_u64(const char *cmd, const char *what, const char *s,
		    uint64_t *val)
{
	if (s && parse_size(s, val))
		return true;
	printk("%s: bad %s '%s'\n", cmd, what, s ? s : "");
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
	if (argc > 1 && !strcmp(argv[1], "ack")) {
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

static int pages_free(int argc, char **argv)
{
	struct mon_block *b;
	uint64_t addr, order;

	if (argc < 3 || !arg_u64("pages free", "address", argv[2], &addr))
		return -1;
	b = mon_find((void *)(uintptr_t)addr);
	if (b && b->kmalloc) {
		printk("pages free: %p came from 'kmalloc': kfree %p\n",
		       b->addr, b->addr);
		return -1;
	}
	if (argc > 3) {
		if (!arg_u64("pages free", "order", argv[3], &order))
			return -1;
	} else if (b) {
		order = b->order;
	} else {
		printk("pages free: %p was not allocated here; give its "
		       "order: pages free ADDR ORDER\n",
		       (void *)(uintptr_t)addr);
		return -1;
	}
	/* A wrong address or order is the allocator's to refuse and report. */
	free_pages(virt_to_page((void *)(uintptr_t)addr), (unsigned int)order);
	if (b && b->order == order && mm_last_error() != MM_EBADFREE)
		b->addr = NULL;
	printk("pages free: done; %lu pages free\n", nr_free_pages());
	return 0;
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

	if (argc > 1 && !strcmp(argv[1], "free"))
		return pages_free(argc, argv);
	if (argc < 2 || !arg_u64("pages", "order", argv[1], &order))
		return -1;
	if (argc > 2 && !strcmp(argv[2], "dma"))
		gfp |= GFP_DMA;
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
	*slot = (struct mon_block){.addr = page_address(pg),
				   .order = (unsigned int)order};
	printk("pages: order-%u block at %p (pfn 0x%lx, zone %s, %lu KiB); "
	       "free it with: pages free %p\n",
	       slot->order, slot->addr, page_to_pfn(pg), page_zone(pg)->name,
	       (PAGE_SIZE << slot->order) >> 10, slot->addr);
	return 0;
}

/* `kmalloc MODE|debug|nodebug ...`: switch, then the usage table. */
static int kmalloc_switch(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int m = 0;

		while (m < KMALLOC_NR_MODES &&
		       strcmp(argv[i], kmalloc_mode_name(m)))
			m++;
		if (m < KMALLOC_NR_MODES && kmalloc_set_mode(m) == 0)
			continue;
		if (!strcmp(argv[i], "debug") || !strcmp(argv[i], "nodebug")) {
			kmalloc_set_debug(argv[i][0] == 'd');
			continue;
		}
		printk("kmalloc: cannot switch to '%s' (modes: two-tier "
		       "simple hybrid; debug, nodebug)\n",
		       argv[i]);
		return -1;
	}
	kmalloc_report();
	return 0;
}

/* `kmalloc SIZE [dma]`: one block, kept in the table for kfree/leaks. */
int cmd_kmalloc(int argc, char **argv)
{
	gfp_t gfp = GFP_KERNEL;
	struct mon_block *slot;
	uint64_t size;
	void *p;

	if (argc < 2 || (argv[1][0] < '0' || argv[1][0] > '9'))
		return kmalloc_switch(argc, argv);
	if (!arg_u64("kmalloc", "size", argv[1], &size))
		return -1;
	if (argc > 2 && !strcmp(argv[2], "dma"))
		gfp |= GFP_DMA;
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
	*slot = (struct mon_block){
		.addr = p, .kmalloc = true, .size = (size_t)size};
	printk("kmalloc: %llu bytes at %p (usable %zu, mode %s); free it "
	       "with: kfree %p\n",
	       (unsigned long long)size, p, ksize(p),
	       kmalloc_mode_name(kmalloc_get_mode()), p);
	return 0;
}

/* `kfree ADDR`: any address; kfree() refuses and reports a wrong one. */
int cmd_kfree(int argc, char **argv)
{
	struct mon_block *b;
	uint64_t addr;

	if (argc < 2 || !arg_u64("kfree", "address", argv[1], &addr))
		return -1;
	b = mon_find((void *)(uintptr_t)addr);
	if (b && !b->kmalloc) {
		printk("kfree: %p came from 'pages': pages free %p\n", b->addr,
		       b->addr);
		return -1;
	}
	mm_set_error(MM_OK);
	kfree((void *)(uintptr_t)addr);
	if (mm_last_error() == MM_EBADFREE) {
		printk("kfree: refused (the line above says why)\n");
		return -1;
	}
	if (b)
		b->addr = NULL;
	printk("kfree: done\n");
	return 0;
}

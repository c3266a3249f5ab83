/* SPDX-License-Identifier: MIT */
/*
 * The monitor's pictures of memory: `memmap [PAGES]` prints the physical
 * memory map of mm/memmap_view.c (one character per PAGES frames), and
 * `fragment PAGES|free` runs a fragmenting pattern to look at with it:
 * take PAGES order-0 pages, give back those at odd frame numbers, keep
 * the others.  Each freed page's buddy is kept, so no freed page can
 * merge: free memory ends up in order-0 blocks (docs/buddy.md, "Pictures
 * of memory").  A refused argument prints one line and changes nothing.
 */
#include "arch/riscv/riscv.h"
#include "kernel/mm_cmds.h"
#include "kernel/monitor.h"
#include "lib/bootargs.h"
#include "lib/list.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/memmap_view.h"
#include "mm/page_alloc.h"

#define SATP_PPN_BITS 44 /* satp: the root table's frame number, Sv39 */

/*
 * The memory map as `memmap` prints it; the page tables are the ones
 * arch/riscv/vm.c built, from the root table in satp on.  Not static and
 * not inlined: tests/gdb calls it to compare with GDB's mm-memmap.
 */
__attribute__((noinline)) int memmap_print(unsigned long group)
{
	phys_addr_t root = (vm_satp() & ((1UL << SATP_PPN_BITS) - 1))
			   << PAGE_SHIFT;

	return memmap_view_print(group, root, vm_table_bytes());
}

/* argv[1] as a count of pages into *val, or a refusal line (false). */
static bool arg_pages(const char *cmd, const char *s, uint64_t *val)
{
	size_t n = strlen(s);

	if (parse_size(s, val) && n && !strchr("kKmMgG", s[n - 1]))
		return true;
	printk("%s: bad number of pages '%s' (a number such as 16 or 0x100); "
	       "nothing done\n",
	       cmd, s);
	return false;
}

int cmd_memmap(int argc, char **argv)
{
	uint64_t group = 0;

	if (argc > 1 && !arg_pages("memmap", argv[1], &group))
		return -1;
	if (argc > 1 && !group) {
		printk("memmap: refused: 0 pages per character; nothing "
		       "printed\n");
		return -1;
	}
	return memmap_print((unsigned long)group);
}

/* The pages `fragment` holds, linked through their lru (owner's field). */
static struct list_head held = LIST_HEAD_INIT(held);
static unsigned long nr_held;

/* Take up to n order-0 pages onto held; the number taken. */
static unsigned long take(uint64_t n)
{
	unsigned long got = 0;

	while (got < n) {
		struct page *pg = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);

		if (!pg)
			break;
		list_add_tail(&pg->lru, &held);
		got++;
	}
	return got;
}

/* Give back the held pages at odd frame numbers (all: every page). */
static unsigned long give_back(bool all)
{
	struct list_head *e = held.next, *next;
	unsigned long n = 0;

	for (; e != &held; e = next) {
		struct page *pg = list_entry(e, struct page, lru);

		next = e->next;
		if (!all && !(page_to_pfn(pg) & 1))
			continue;
		list_del(e);
		free_pages(pg, 0);
		n++;
	}
	drain_all_pages(); /* the freed pages onto the buddy lists */
	return n;
}

static int fragment_free(void)
{
	unsigned long n = give_back(true);

	nr_held = 0;
	printk("fragment: gave back %lu pages; %lu pages free\n", n,
	       nr_free_pages());
	return 0;
}

/* `fragment [PAGES|free]`: see the top of the file. */
int cmd_fragment(int argc, char **argv)
{
	uint64_t want;
	unsigned long got, freed;

	if (argc < 2) {
		printk("fragment: holding %lu pages\n", nr_held);
		return 0;
	}
	if (!strcmp(argv[1], "free"))
		return fragment_free();
	if (!arg_pages("fragment", argv[1], &want))
		return -1;
	if (!want || want > nr_free_pages() || nr_held) {
		printk("fragment: refused: %s; nothing done\n",
		       nr_held ? "pages are still held (fragment free first)"
		       : !want ? "0 pages"
			       : "more pages than are free");
		return -1;
	}
	got = take(want);
	freed = give_back(false);
	nr_held = got - freed;
	printk("fragment: took %lu order-0 pages, gave back the %lu at odd "
	       "frame numbers (their buddies are held: none can merge); "
	       "holding %lu, until: fragment free\n",
	       got, freed, nr_held);
	return 0;
}

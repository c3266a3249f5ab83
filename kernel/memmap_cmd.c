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
#include "lib/bootargs.h"
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

/*
 * The pages `fragment` holds carry the address of this tag in their
 * private field (the owner's).  Nothing else lists them: the monitor's
 * `pages free` may give one back behind fragment's back, and a list
 * through the pages would then run into the allocator's own lists.  A
 * page is still fragment's while it is a plain allocated order-0 head
 * with the tag, since every allocation clears private.
 */
static const char fragment_tag;

static bool is_held(const struct page *pg)
{
	struct page seen; /* the state word changes atomically: read it so */

	seen.state = __atomic_load_n(&pg->state, __ATOMIC_RELAXED);
	return seen.flags == PG_head && !seen.order &&
	       pg->private == (unsigned long)&fragment_tag;
}

/* Take up to n order-0 pages, tagged; the number taken. */
static unsigned long take(uint64_t n)
{
	unsigned long got = 0;

	while (got < n) {
		struct page *pg = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);

		if (!pg)
			break;
		pg->private = (unsigned long)&fragment_tag;
		got++;
	}
	return got;
}

/* What a walk over the held pages left held: how many, and where. */
struct held {
	unsigned long nr;
	unsigned long lo, hi; /* lowest and highest pfn held (nr > 0) */
};

/*
 * Walk every frame: give back the held pages at odd frame numbers (all:
 * every held page), then drain the per-CPU lists so that the freed pages
 * reach the buddy lists.  *h says what is still held.  Returns the number
 * of pages given back.
 */
static unsigned long give_back(bool all, struct held *h)
{
	unsigned long n = 0;

	*h = (struct held){0, 0, 0};
	for (unsigned long pfn = memmap_start_pfn; pfn < memmap_end_pfn;
	     pfn++) {
		struct page *pg = pfn_to_page(pfn);

		if (!is_held(pg))
			continue;
		if (!all && !(pfn & 1)) {
			h->lo = h->nr++ ? h->lo : pfn;
			h->hi = pfn;
			continue;
		}
		pg->private = 0;
		free_pages(pg, 0);
		n++;
	}
	drain_all_pages();
	return n;
}

/* Count the held pages (a walk that gives nothing back). */
static void find_held(struct held *h)
{
	*h = (struct held){0, 0, 0};
	for (unsigned long pfn = memmap_start_pfn; pfn < memmap_end_pfn; pfn++)
		if (is_held(pfn_to_page(pfn))) {
			h->lo = h->nr++ ? h->lo : pfn;
			h->hi = pfn;
		}
}

static void print_held(const struct held *h)
{
	if (h->nr)
		printk("fragment: holding %lu pages, from 0x%llx to 0x%llx; "
		       "give them back with: fragment free\n",
		       h->nr, (unsigned long long)h->lo << PAGE_SHIFT,
		       (unsigned long long)h->hi << PAGE_SHIFT);
	else
		printk("fragment: holding 0 pages\n");
}

static int fragment_free(void)
{
	struct held h;
	unsigned long n = give_back(true, &h);

	printk("fragment: gave back %lu pages; %lu pages free\n", n,
	       nr_free_pages());
	return 0;
}

/* `fragment [PAGES|free]`: see the top of the file. */
int cmd_fragment(int argc, char **argv)
{
	unsigned long got, freed;
	struct held h;
	uint64_t want;

	find_held(&h);
	if (argc < 2) {
		print_held(&h);
		return 0;
	}
	if (!strcmp(argv[1], "free"))
		return fragment_free();
	if (!arg_pages("fragment", argv[1], &want))
		return -1;
	if (!want || want > nr_free_pages() || h.nr) {
		printk("fragment: refused: %s; nothing done\n",
		       h.nr    ? "pages are still held (fragment free first)"
		       : !want ? "0 pages"
			       : "more pages than are free");
		return -1;
	}
	got = take(want);
	freed = give_back(false, &h);
	printk("fragment: took %lu order-0 pages, gave back the %lu at odd "
	       "frame numbers (their buddies are held: none can merge)\n",
	       got, freed);
	print_held(&h);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The allocators broken on purpose, so that the documents can quote what
 * a validator and the host test harness really print (scripts/docs.py
 * runs this; docs/docs.md).  A host program on build/host/libmm.a:
 *
 *   1. kmalloc: N large blocks (kmalloc(64 KiB)) taken off
 *      km_large_list behind kmalloc's back: its counters still count
 *      them, the walk of the list no longer finds them (docs/kmalloc.md,
 *      "The validator");
 *   2. simple heap: an allocated block's in-use bit cleared next to a
 *      free block: two adjacent free blocks (docs/simple_heap.md);
 *   3. the harness of tests/host: one group that holds, one that does
 *      not (docs/host.md).
 *
 * It exits 0 when every validator caught what it was shown.
 */
#include "arch/host/host.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_internal.h"
#include "mm/simple_heap.h"
#include "mm/slab.h"
#include "tests/host/hosttest.h"

#define NR_BLOCKS 57
#define LARGE_BYTES 65536
#define HEAP_BYTES 4096

static _Alignas(16) char heap_mem[HEAP_BYTES];

/* kmalloc's counters against the walk of its large blocks; false when
 * they differ. */
static bool break_kmalloc(void)
{
	void *p[NR_BLOCKS];
	unsigned long flags;

	for (int i = 0; i < NR_BLOCKS; i++)
		if (!(p[i] = kmalloc(LARGE_BYTES, GFP_KERNEL)))
			return true; /* nothing to show: report no catch */
	printf("broken: %d kmalloc(%d) blocks taken off km_large_list\n",
	       NR_BLOCKS, LARGE_BYTES);
	fflush(stdout);
	flags = spin_lock_irqsave(&km_large_lock);
	for (int i = 0; i < NR_BLOCKS; i++)
		list_del(&virt_to_page(p[i])->lru);
	spin_unlock_irqrestore(&km_large_lock, flags);
	return kmalloc_validate();
}

/* A block marked free between a free block and an allocated one. */
static bool break_sheap(void)
{
	static struct sheap h;
	char *a, *b, *c;

	if (sheap_init(&h, heap_mem, sizeof(heap_mem)))
		return true;
	a = sheap_alloc(&h, 100, 0);
	b = sheap_alloc(&h, 100, 0);
	c = sheap_alloc(&h, 100, 0);
	if (!a || !b || !c || !sheap_free(&h, a))
		return true;
	printf("broken: the in-use bit of the block after a free one cleared\n");
	fflush(stdout);
	((size_t *)b)[-2] &= ~(size_t)1; /* b's size word, bit 0 = in use */
	return sheap_validate(&h);
}

int main(void)
{
	struct ht_group g;
	bool km_ok, sh_ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (host_mm_init(64UL << 20, 1))
		return 2;
	host_set_cpu(0);
	ht_prog = "broken";

	ht_begin(&g, "intact");
	ht_check(&g, kmalloc_validate(), "kmalloc_validate() is false");
	ht_end(&g);

	km_ok = break_kmalloc();
	sh_ok = break_sheap();

	ht_begin(&g, "kmalloc-counters");
	ht_check(&g, km_ok,
		 "kmalloc_validate() is false after %d large blocks were "
		 "taken off its list behind its back",
		 NR_BLOCKS);
	ht_end(&g);
	return km_ok || sh_ok ? 1 : 0;
}

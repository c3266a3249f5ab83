/* SPDX-License-Identifier: MIT */
/*
 * The TLSF heap's statistics, validator and reports: everything that reads
 * a heap's structures without changing them (invariants 3a-3e of
 * mm/heap.c's theory comment).
 */
#include "mm/heap_internal.h"
#include "lib/printk.h"
#include "lib/string.h"

/*
 * The readers below run on any memory (the validator reports what is
 * wrong): a block is followed only inside [hp_start, hp_end), and a walk
 * stops at a size that cannot be and after as many blocks as fit.
 */
static bool in_heap(const struct k_heap *h, const struct tlsf_block *b)
{
	return (const char *)b >= h->hp_start && (const char *)b < h->hp_end &&
	       !((uintptr_t)b & (TLSF_ALIGN - 1));
}

static size_t max_blocks(const struct k_heap *h)
{
	return (size_t)(h->hp_end - h->hp_start) / TLSF_MIN_BLOCK + 1;
}

/* The largest free block (highest non-empty list, longest on it). */
static size_t largest_free(struct k_heap *h)
{
	unsigned int fl, sl;
	struct tlsf_block *b;
	size_t best = TLSF_HDR, n = 0;

	if (!h->hp_fl_bitmap)
		return 0;
	fl = floor_log2(h->hp_fl_bitmap);
	if (fl >= TLSF_FL_COUNT || !h->hp_sl_bitmap[fl])
		return 0;
	sl = floor_log2(h->hp_sl_bitmap[fl]);
	for (b = h->hp_free[fl][sl]; b && in_heap(h, b) && n++ < max_blocks(h);
	     b = b->tb_next_free)
		if (bsize(b) > best)
			best = bsize(b);
	return best - TLSF_HDR;
}

void k_heap_stats_get(struct k_heap *h, struct k_heap_stats *st)
{
	unsigned long flags = heap_lock_irqsave(h);
	struct tlsf_block *b;

	memset(st, 0, sizeof(*st));
	for (b = (struct tlsf_block *)h->hp_start; (char *)b < h->hp_end;
	     b = bnext(b)) {
		if (bsize(b) < TLSF_MIN_BLOCK ||
		    bsize(b) > (size_t)(h->hp_end - (char *)b))
			break; /* k_heap_validate() reports it */
		if (b->tb_size & TB_FREE)
			st->free_blocks++;
		else
			st->used_blocks++;
	}
	st->free_bytes = h->hp_free_bytes;
	st->allocated_bytes = h->hp_alloc_bytes;
	st->max_allocated_bytes = h->hp_max_alloc_bytes;
	st->largest_free = largest_free(h);
	st->nr_alloc = h->hp_nr_alloc;
	st->nr_free = h->hp_nr_free;
	st->nr_fail = h->hp_nr_fail;
	st->nr_bad_free = h->hp_nr_bad_free;
	st->nr_wait = h->hp_nr_wait;
	heap_unlock_irqrestore(h, flags);
}

/* ---- the validator --------------------------------------------------------------- */

#define VFAIL(h, ...)                                               \
	do {                                                        \
		printk("k_heap_validate: heap %s: ", (h)->hp_name); \
		printk(__VA_ARGS__);                                \
		ok = false;                                         \
	} while (0)

struct heap_walk {
	size_t free_blocks, used_blocks, free_bytes, used_bytes;
};

/* 3a-3c and 3e's sums: walk the blocks by size. */
static bool walk_blocks(struct k_heap *h, struct heap_walk *w)
{
	struct tlsf_block *b = (struct tlsf_block *)h->hp_start, *prev = NULL;
	bool ok = true;

	while ((char *)b < h->hp_end) {
		size_t size = bsize(b);
		bool pfree = prev && (prev->tb_size & TB_FREE);

		if (size < TLSF_MIN_BLOCK ||
		    size > (size_t)(h->hp_end - (char *)b)) {
			VFAIL(h, "block %p has bad size %zu\n", b, size);
			return false;
		}
		if (b->tb_prev_phys != prev)
			VFAIL(h, "block %p: prev_phys %p, expected %p\n", b,
			      b->tb_prev_phys, prev);
		if (!!(b->tb_size & TB_PREV_FREE) != pfree)
			VFAIL(h, "block %p: PREV_FREE flag wrong\n", b);
		if (pfree && (b->tb_size & TB_FREE))
			VFAIL(h, "blocks %p and %p are free neighbours\n", prev,
			      b);
		if (b->tb_size & TB_FREE) {
			w->free_blocks++;
			w->free_bytes += size;
		} else {
			w->used_blocks++;
			w->used_bytes += size;
		}
		prev = b;
		b = bnext(b);
	}
	if ((char *)b != h->hp_end || b->tb_prev_phys != prev)
		VFAIL(h, "walk ends at %p, not at the sentinel %p\n", b,
		      h->hp_end);
	return ok;
}

/* 3d: every list holds free blocks of its size range, bitmaps agree. */
static bool walk_lists(struct k_heap *h, size_t free_blocks)
{
	size_t seen = 0;
	bool ok = true;

	for (unsigned int fl = 0; fl < TLSF_FL_COUNT; fl++) {
		bool fl_used = false;

		for (unsigned int sl = 0; sl < TLSF_SL_COUNT; sl++) {
			struct tlsf_block *b = h->hp_free[fl][sl], *pv = NULL;
			bool bit = h->hp_sl_bitmap[fl] & (1u << sl);

			if (!!b != bit)
				VFAIL(h, "list [%u][%u] and its bit disagree\n",
				      fl, sl);
			fl_used |= b != NULL;
			for (; b && seen <= free_blocks; b = b->tb_next_free) {
				unsigned long f, s;

				seen++;
				if (!in_heap(h, b)) {
					VFAIL(h,
					      "list [%u][%u] leaves the heap (%p)\n",
					      fl, sl, b);
					return false;
				}
				mapping(capacity(bsize(b)), &f, &s);
				if (!(b->tb_size & TB_FREE) || f != fl ||
				    s != sl || b->tb_prev_free != pv)
					VFAIL(h,
					      "block %p misfiled on list [%u][%u]\n",
					      b, fl, sl);
				pv = b;
			}
		}
		if (fl_used != !!(h->hp_fl_bitmap & (1u << fl)))
			VFAIL(h, "first-level bit %u wrong\n", fl);
	}
	if (seen != free_blocks)
		VFAIL(h,
		      "%zu blocks on the lists, %zu free blocks in the heap\n",
		      seen, free_blocks);
	return ok;
}

bool k_heap_validate(struct k_heap *h)
{
	unsigned long flags = heap_lock_irqsave(h);
	struct heap_walk w = {0};
	bool ok = walk_blocks(h, &w);

	if (ok)
		ok = walk_lists(h, w.free_blocks);
	if (w.free_bytes != h->hp_free_bytes ||
	    w.used_bytes != h->hp_alloc_bytes)
		VFAIL(h, "free/used bytes %zu/%zu, counters say %zu/%zu\n",
		      w.free_bytes, w.used_bytes, h->hp_free_bytes,
		      h->hp_alloc_bytes);
	if (h->hp_nr_alloc - h->hp_nr_free != w.used_blocks)
		VFAIL(h, "%zu used blocks, counters say %lu\n", w.used_blocks,
		      h->hp_nr_alloc - h->hp_nr_free);
	heap_unlock_irqrestore(h, flags);
	return ok;
}

bool heap_validate(void)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock), n = 0;
	struct list_head *pos;
	bool ok = true;

	reg_for_each(pos, &heaps, n) ok &=
		k_heap_validate(list_entry(pos, struct k_heap, hp_node));
	spin_unlock_irqrestore(&heap_lock, flags);
	return reg_check(&heaps, "k_heap_validate") && ok;
}

void heap_for_each(bool (*fn)(struct k_heap *h, void *arg), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock), n = 0;
	struct list_head *pos;

	reg_for_each(
		pos, &heaps,
		n) if (!fn(list_entry(pos, struct k_heap, hp_node), arg)) break;
	spin_unlock_irqrestore(&heap_lock, flags);
}

void heap_report(void)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock), n = 0;
	struct list_head *pos;

	printk("heap             size       used       free   largest  "
	       "blocks(u/f)  allocs  fails  bad\n");
	reg_for_each(pos, &heaps, n)
	{
		struct k_heap *h = list_entry(pos, struct k_heap, hp_node);
		struct k_heap_stats st;

		k_heap_stats_get(h, &st);
		printk("%-12s %9zu %10zu %10zu %9zu %6zu/%-6zu %7lu %6lu %4lu\n",
		       h->hp_name, (size_t)(h->hp_end - h->hp_start),
		       st.allocated_bytes, st.free_bytes, st.largest_free,
		       st.used_blocks, st.free_blocks, st.nr_alloc, st.nr_fail,
		       st.nr_bad_free);
	}
	spin_unlock_irqrestore(&heap_lock, flags);
}

/* SPDX-License-Identifier: MIT */
/*
 * kmalloc debug mode: the quarantine of freed heap and large blocks.
 *
 * The slab's debug caches find a write after free by checking an object's
 * poison when it is handed out again.  Heap and large blocks go back to
 * allocators that merge them with their neighbours (the simple heap, the
 * buddy lists), so their poison would be lost at once.  In debug mode they
 * are therefore held back, poisoned with KM_POISON, in a FIFO of at most
 * QUAR_MAX blocks and QUAR_BYTES bytes (KASAN's quarantine, on a small
 * scale); when it is full the oldest block is checked and only then given
 * to its backend.  A second kfree() of a block in quarantine is reported
 * as the double free it is, with the first freeing site.  The validator
 * checks every held block; kmalloc_shrink() and a failing debug-mode
 * allocation empty the quarantine.
 *
 *   quar[] ring:  [oldest] [ ] [ ] ... [newest]      held: QUAR_MAX blocks
 *                  ^q_first                          q_bytes <= QUAR_BYTES
 *
 * Lock: quar_lock (irqsave), a leaf, guards the ring; a block is put in
 * (evicting the oldest when the ring is full) in one critical section,
 * and blocks are checked and released with it dropped.  The record of
 * each held block is a copy of its km_track.
 */
#include "mm/kmalloc_internal.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "lib/printk.h"
#include "lib/string.h"

#define QUAR_MAX 32
#define QUAR_BYTES (4UL << 20)

struct quar_entry {
	struct km_track q_track; /* the block as it was when freed */
	unsigned long q_freer; /* caller of kfree() */
	struct page *q_head; /* large: the head page */
	struct sheap *q_heap; /* heap: its heap */
};

static struct quar_entry quar[QUAR_MAX];
static unsigned int q_first, q_count;
static unsigned long q_bytes;
static spinlock_t quar_lock = SPINLOCK_INIT("kmalloc_quarantine");

static size_t held_bytes(const struct quar_entry *e)
{
	return e->q_track.t_room;
}

/* Offset of the first byte that lost its poison, or -1. */
static long poison_broken(const struct km_track *t)
{
	const unsigned char *a = t->t_addr;

	for (size_t i = 0; i < t->t_size; i++)
		if (a[i] != KM_POISON)
			return (long)i;
	return -1;
}

/* Check a held block: poison and red zones; report what is broken. */
static bool check_entry(const struct quar_entry *e, bool from_validate)
{
	const struct km_track *t = &e->q_track;
	long off = poison_broken(t);
	bool ok = km_redzone_check(t, from_validate ? 0 : e->q_freer);

	if (off < 0)
		return ok;
	km_add(&km_slow.poison_errors, 1);
	printk("kmalloc: write after free: %zu-byte block %p, byte +%ld is "
	       "0x%02x; allocated by %pS, freed by %pS\n",
	       t->t_size, t->t_addr, off,
	       ((const unsigned char *)t->t_addr)[off], (void *)t->t_caller,
	       (void *)e->q_freer);
	memset((void *)t->t_addr, KM_POISON, t->t_size); /* report once */
	return false;
}

/* Give a held block to its backend.  Returns the pages released. */
static unsigned long release(const struct quar_entry *e)
{
	check_entry(e, false);
	if (e->q_heap) {
		sheap_free_from(e->q_heap, e->q_track.t_base,
				(void *)e->q_freer);
		return 0;
	}
	return km_large_give(e->q_head, e->q_freer);
}

/*
 * Lock held: should the oldest block leave?  Forced: whenever one is held.
 * Otherwise when the bytes are over their limit, the newest block always
 * kept (the count limit is kept by km_quarantine_put()).
 */
static bool over_limits(bool force)
{
	return force ? q_count > 0 : q_count > 1 && q_bytes > QUAR_BYTES;
}

/* Lock held: take the oldest block out of the ring into *out. */
static void take_oldest(struct quar_entry *out)
{
	*out = quar[q_first];
	q_first = (q_first + 1) % QUAR_MAX;
	q_count--;
	q_bytes -= held_bytes(out);
}

/* Take the oldest block if over_limits(force). */
static bool pop_oldest(struct quar_entry *out, bool force)
{
	unsigned long flags = spin_lock_irqsave(&quar_lock);
	bool over = over_limits(force);

	if (over)
		take_oldest(out);
	spin_unlock_irqrestore(&quar_lock, flags);
	return over;
}

/*
 * The ring is checked for room and filled in one critical section: when
 * it is full, the oldest block comes out in the same section (released
 * after the unlock).  Checking first and inserting under a second lock
 * let two harts both find the last free slot, so that the second
 * overwrote the oldest entry (its pages were lost) and the ring counted
 * one entry twice (released twice: a double free).
 */
void km_quarantine_put(const struct km_block *b, unsigned long freer)
{
	struct quar_entry e =
				  {
					  .q_track = b->track,
					  .q_freer = freer,
					  .q_head = b->kind == KM_LARGE
							    ? b->head
							    : NULL,
					  .q_heap = b->kind == KM_HEAP ? b->heap
								       : NULL,
				  },
			  old;
	unsigned long flags;
	bool evicted;

	memset((void *)e.q_track.t_addr, KM_POISON, e.q_track.t_size);
	flags = spin_lock_irqsave(&quar_lock);
	evicted = q_count == QUAR_MAX;
	if (evicted)
		take_oldest(&old);
	quar[(q_first + q_count) % QUAR_MAX] = e;
	q_count++;
	q_bytes += held_bytes(&e);
	spin_unlock_irqrestore(&quar_lock, flags);
	if (evicted)
		release(&old);
	/* A huge block may overfill the byte limit: release down to it. */
	while (pop_oldest(&old, false))
		release(&old);
}

bool km_quarantine_find(const void *p, unsigned long *freer, unsigned int *row)
{
	unsigned long flags = spin_lock_irqsave(&quar_lock);
	bool found = false;

	for (unsigned int i = 0; i < q_count && !found; i++) {
		const struct quar_entry *e = &quar[(q_first + i) % QUAR_MAX];

		if (e->q_track.t_addr == p) {
			*freer = e->q_freer;
			*row = e->q_track.t_row;
			found = true;
		}
	}
	spin_unlock_irqrestore(&quar_lock, flags);
	return found;
}

unsigned long km_quarantine_flush(void)
{
	struct quar_entry old;
	unsigned long pages = 0;

	while (pop_oldest(&old, true))
		pages += release(&old);
	return pages;
}

bool km_quarantine_validate(unsigned long *heap_blocks)
{
	bool ok = true;

	*heap_blocks = 0;
	for (unsigned int i = 0; i < QUAR_MAX; i++) {
		unsigned long flags = spin_lock_irqsave(&quar_lock);
		bool have = i < q_count;
		struct quar_entry e;

		if (have)
			e = quar[(q_first + i) % QUAR_MAX];
		spin_unlock_irqrestore(&quar_lock, flags);
		if (!have)
			break;
		if (e.q_heap)
			(*heap_blocks)++;
		if (!check_entry(&e, true))
			ok = false;
	}
	return ok;
}

/* SPDX-License-Identifier: MIT */
/*
 * The TLSF heap: Two-Level Segregated Fit on caller memory, bounded O(1),
 * behind Zephyr's k_heap interface.
 *
 * 1. Design and references
 *
 *    M. Masmano, I. Ripoll, A. Crespo, J. Real, "TLSF: a New Dynamic Memory
 *    Allocator for Real-Time Systems", ECRTS 2004.  Free blocks are kept on
 *    segregated lists indexed by two levels: the first level f is the
 *    power of two of the size (floor(log2 size)), the second level s cuts
 *    [2^f, 2^(f+1)) into 2^SL_LOG2 equal ranges.  One bit per list in two
 *    bitmaps says which lists are non-empty, so "the smallest list whose
 *    blocks are all big enough" is found with a count-trailing-zeros on
 *    each bitmap: no search over blocks.  Allocation rounds the request up
 *    to the next list boundary first (so any block of the found list fits:
 *    a "good fit", at most 1/16 = 6.25% larger than needed), takes the
 *    list's first block and splits off the tail.  Free merges with the
 *    physical neighbours using boundary tags (Knuth, TAOCP vol. 1, 2.5) and
 *    inserts the result.  Every operation is a fixed number of steps.
 *    When the rounded search finds nothing, the head of the list the
 *    exact size maps to is tried too (one more step), so a request close
 *    to the largest free block does not fail for want of rounding.
 *
 *    The "size" the lists are indexed by is a block's capacity, its
 *    payload bytes (block size - TLSF_HDR), as in the paper's size word,
 *    which excludes the header.  A request of exactly a list boundary
 *    (8192 bytes) then searches the list its freed blocks sit on: by
 *    header-included size an 8208-byte block lies one list below where
 *    the rounded search for 8208 starts, and would never be reused.
 *    Sizes below TLSF_SMALL (256 bytes) are not split by powers of two:
 *    first level 0 holds 16 lists of capacity exactly 0, 16, ..., 240.
 *
 *    Cost.  With no hooks installed, k_heap_alloc() and k_heap_free() run
 *    a fast path that calls nothing: the lock taken inline with one swap
 *    (heap_lock_irqsave() in mm/heap_internal.h), the free check a few
 *    compares on the header, four counters.  Without Zbb the two bit
 *    scans are a de Bruijn multiply (heap_internal.h), not libgcc calls.
 *    Anything unusual (hooks, a taken lock, no fit, a bad free) goes to
 *    the general path, which does the whole job with reports.
 *
 *    The interface is Zephyr's k_heap (kernel/kheap.c, documented in the
 *    Zephyr "Memory Heaps" guide): a heap object on memory the caller owns,
 *    k_heap_alloc() with a timeout during which the caller waits for
 *    another thread to free memory, k_heap_free() that wakes waiters.  This
 *    kernel has no scheduler, so a waiter spins on the heap's count of
 *    frees (hp_nr_free) until a free happens or its deadline passes.
 *
 * 2. Data layout
 *
 *      hp_start                                                  hp_end
 *      | used             | free                | used     |     | sentinel
 *      +------+-----------+------+------+------++------+---+ ... +------+
 *      | size | prev_phys | size | prev | next ||size  |   |     |size 0|
 *      |  |fl |           | |FREE| free | free ||PREV_ |   |     | used |
 *      +------+-----------+------+------+------++FREE--+---+ ... +------+
 *      \_ 16-byte header _/ ^ payload returned
 *
 *    Every block starts with a 16-byte header: its size (a multiple of 16,
 *    header included) with flag bits TB_FREE and TB_PREV_FREE in the low
 *    bits, and prev_phys, the address of the block just below it.  A free
 *    block also keeps its free-list links in what would be the payload.  A
 *    used header (size 0) at hp_end ends the walk, so every block has a
 *    next neighbour.  prev_phys is kept in every block, used or free (the
 *    paper keeps it only while the block below is free, in that block's
 *    last word): with 16-byte payloads the 8 bytes would be padding
 *    anyway, and the free check and the validator rely on it.
 *
 *      hp_fl_bitmap   0 0 1 0 1 ...        bit f: level f has a used list
 *      hp_sl_bitmap[f]  0 1 0 0 ...        bit s: hp_free[f][s] not empty
 *      hp_free[f][s] -> block <-> block    free blocks of that capacity
 *                                          range
 *
 * 3. Invariants (checked by k_heap_validate())
 *    a. Walking from hp_start by sizes lands exactly on hp_end; every size
 *       is a multiple of 16 and at least TLSF_MIN_BLOCK; each prev_phys is
 *       the block walked before (the sentinel's too).
 *    b. TB_PREV_FREE of a block equals TB_FREE of the block below.
 *    c. No two free blocks are neighbours (they would have merged).
 *    d. Every free block is on exactly the list its capacity maps to;
 *       every block on a list is free; the bitmaps have a bit set exactly
 *       for the non-empty lists; the links are consistent both ways.
 *    e. hp_free_bytes and hp_alloc_bytes are the sums of free and used
 *       block sizes, and hp_nr_alloc - hp_nr_free the number of used
 *       blocks.
 *
 * 4. Locks: hp_lock (irqsave) guards one heap; heap_lock guards the list of
 *    heaps.  Order: heap_lock -> hp_lock.  No other lock is taken inside.
 *    hp_lock is taken by heap_lock_irqsave(), inline (mm/heap_internal.h).
 *
 * 5. Failure protocol.  Allocation never panics: no fit gives NULL and
 *    MM_ENOMEM, bad sizes MM_EINVAL; the heap is unchanged.  A free is
 *    checked before anything is written (inside the region, 16-byte
 *    aligned, a size that stays inside, an upper neighbour whose
 *    prev_phys points back, not already free): anything else is reported
 *    with the caller, counted and ignored (MM_EBADFREE).
 */
#include "mm/heap_internal.h"
#include "mm/internal.h"
#include "mm/hooks.h"
#include "mm/mm.h"
#include "mm/vg.h"
#include "lib/printk.h"
#include "lib/string.h"

/* The hot helpers are inlined into the two lock-held paths: the TLSF
 * steps are a few instructions each, a call and a frame would double them. */
#define hot_inline inline __attribute__((always_inline))

spinlock_t heap_lock = SPINLOCK_INIT("heaps");
struct mm_registry heaps = MM_REGISTRY_INIT(heaps, "heaps");

#if defined(KERNEL) && !RVMM_ZBB
/* Bit position by the top six bits of (1 << i) * TLSF_DEBRUIJN64. */
const uint8_t tlsf_debruijn64[64] = {
	0,  1,	48, 2,	57, 49, 28, 3,	61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,	13, 8,	7,  6,
};
#endif

/* The lock was taken: spin until it is ours (a recursion is reported). */
void heap_lock_contended(struct k_heap *h)
{
	spinlock_t *l = &h->hp_lock;

	do {
		if (__atomic_load_n(&l->sl_owner, __ATOMIC_RELAXED) ==
		    (int)arch_cpu_id())
			spin_lock(l); /* reports the recursion, stops */
		while (__atomic_load_n(&l->sl_locked, __ATOMIC_RELAXED))
			arch_cpu_relax();
	} while (__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE));
}

/* ---- blocks ---------------------------------------------------------------- */

static hot_inline void *payload(struct tlsf_block *b)
{
	return (char *)b + TLSF_HDR;
}
static hot_inline struct tlsf_block *block_of(const void *p)
{
	return (struct tlsf_block *)((char *)p - TLSF_HDR);
}
static hot_inline void set_size(struct tlsf_block *b, size_t size)
{
	b->tb_size = size | (b->tb_size & TB_FLAGS);
}
static hot_inline void mark_free(struct tlsf_block *b)
{
	b->tb_size |= TB_FREE;
	bnext(b)->tb_size |= TB_PREV_FREE;
}
static hot_inline void mark_used(struct tlsf_block *b)
{
	b->tb_size &= ~TB_FREE;
	bnext(b)->tb_size &= ~TB_PREV_FREE;
}

/* ---- the two-level index ---------------------------------------------------- */

/*
 * The first list whose every block holds cap bytes: cap rounded up to
 * the next list boundary (a boundary stays), with one bit scan.  False
 * past the top level.
 */
static hot_inline bool mapping_search(size_t cap, unsigned long *fl,
				      unsigned long *sl)
{
	unsigned long t, s;

	if (cap < TLSF_SMALL) {
		*fl = 0;
		*sl = cap >> TLSF_ALIGN_LOG2;
		return true;
	}
	t = floor_log2(cap);
	s = (cap + (1ul << (t - TLSF_SL_LOG2)) - 1) >> (t - TLSF_SL_LOG2);
	/* s is 16..32; 32 means the rounding reached the next level */
	*fl = t - TLSF_FL_SHIFT + 1 + (s >> (TLSF_SL_LOG2 + 1));
	*sl = s & (TLSF_SL_COUNT - 1);
	return *fl < TLSF_FL_COUNT;
}

/* Put free block b, of size bytes, at the head of its list. */
static hot_inline void insert(struct k_heap *h, struct tlsf_block *b,
			      size_t size)
{
	unsigned long fl, sl;
	struct tlsf_block *head;

	mapping(capacity(size), &fl, &sl);
	head = h->hp_free[fl][sl];
	b->tb_next_free = head;
	b->tb_prev_free = NULL;
	if (head)
		head->tb_prev_free = b;
	h->hp_free[fl][sl] = b;
	h->hp_sl_bitmap[fl] |= (uint16_t)(1u << sl);
	h->hp_fl_bitmap |= 1u << fl;
}

/* Take the head of list [fl][sl] off it (b is that head). */
static hot_inline void unlink_head(struct k_heap *h, struct tlsf_block *b,
				   unsigned long fl, unsigned long sl)
{
	struct tlsf_block *next = b->tb_next_free;

	h->hp_free[fl][sl] = next;
	if (next) {
		next->tb_prev_free = NULL;
		return;
	}
	h->hp_sl_bitmap[fl] &= (uint16_t) ~(1u << sl);
	if (!h->hp_sl_bitmap[fl])
		h->hp_fl_bitmap &= ~(1u << fl);
}

/* Take free block b off its list; the size mapping only for a head. */
static hot_inline void unlink_free(struct k_heap *h, struct tlsf_block *b)
{
	struct tlsf_block *prev = b->tb_prev_free, *next = b->tb_next_free;
	unsigned long fl, sl;

	if (prev) {
		prev->tb_next_free = next;
		if (next)
			next->tb_prev_free = prev;
		return;
	}
	mapping(capacity(bsize(b)), &fl, &sl);
	unlink_head(h, b, fl, sl);
}

/*
 * Take a free block of capacity at least cap off the first list that
 * guarantees it (two bit scans), or NULL.
 */
static hot_inline struct tlsf_block *take_fit(struct k_heap *h, size_t cap)
{
	unsigned long fl, sl;
	uint32_t map;
	struct tlsf_block *b;

	if (!mapping_search(cap, &fl, &sl))
		return NULL;
	map = h->hp_sl_bitmap[fl] & (~0u << sl);
	if (!map) {
		map = h->hp_fl_bitmap & (~1u << fl); /* the levels above */
		if (!map)
			return NULL;
		fl = lowest_bit(map);
		map = h->hp_sl_bitmap[fl];
	}
	sl = lowest_bit(map);
	b = h->hp_free[fl][sl];
	unlink_head(h, b, fl, sl);
	return b;
}

/*
 * take_fit(), and when no list is certain to hold cap bytes, the head of
 * the list cap itself maps to (one step more): a request close to the
 * largest free block then does not fail for want of rounding.
 */
static struct tlsf_block *take(struct k_heap *h, size_t cap)
{
	struct tlsf_block *b = take_fit(h, cap);
	unsigned long fl, sl;

	if (b)
		return b;
	mapping(cap, &fl, &sl);
	if (fl >= TLSF_FL_COUNT)
		return NULL;
	b = h->hp_free[fl][sl];
	if (!b || capacity(bsize(b)) < cap)
		return NULL;
	unlink_head(h, b, fl, sl);
	return b;
}

/* Merge free block b with its upper neighbour n (free, off its list). */
static hot_inline void absorb_next(struct tlsf_block *b, struct tlsf_block *n)
{
	set_size(b, bsize(b) + bsize(n));
	bnext(b)->tb_prev_phys = b;
}

/*
 * Cut b (free or used, off every list) to size bytes; a tail of at least
 * TLSF_MIN_BLOCK becomes a free block, merged with a free upper neighbour.
 * The byte counters are the caller's.
 */
static hot_inline void split(struct k_heap *h, struct tlsf_block *b,
			     size_t size)
{
	struct tlsf_block *r, *n;
	size_t rest = bsize(b) - size;

	if (rest < TLSF_MIN_BLOCK)
		return;
	r = (struct tlsf_block *)((char *)b + size);
	n = bnext(b);
	r->tb_size = rest;
	r->tb_prev_phys = b;
	n->tb_prev_phys = r;
	set_size(b, size);
	if (n->tb_size & TB_FREE) {
		unlink_free(h, n);
		absorb_next(r, n);
	}
	mark_free(r);
	insert(h, r, bsize(r));
}

/*
 * Hand out b, just taken off its list, as a used block of size bytes; a
 * tail of at least TLSF_MIN_BLOCK becomes a free block.  b's upper
 * neighbour is used (free blocks never touch), so the tail merges with
 * nothing, and that neighbour's TB_PREV_FREE stays right for the tail.
 * Returns b's final size.
 */
static hot_inline size_t carve(struct k_heap *h, struct tlsf_block *b,
			       size_t size)
{
	unsigned long word = b->tb_size;
	size_t total = word & ~TB_FLAGS, rest = total - size;
	struct tlsf_block *n = (struct tlsf_block *)((char *)b + total), *r;

	if (rest < TLSF_MIN_BLOCK) {
		b->tb_size = total | (word & TB_PREV_FREE);
		n->tb_size &= ~TB_PREV_FREE;
		return total;
	}
	r = (struct tlsf_block *)((char *)b + size);
	b->tb_size = size | (word & TB_PREV_FREE);
	r->tb_size = rest | TB_FREE;
	r->tb_prev_phys = b;
	n->tb_prev_phys = r;
	insert(h, r, rest);
	return size;
}

/* ---- allocation --------------------------------------------------------------- */

/* Block bytes for a payload of bytes, or 0 when it cannot be indexed. */
static hot_inline size_t block_size_for(size_t bytes)
{
	size_t size;

	if (bytes - 1 >= (1ul << (TLSF_FL_COUNT + TLSF_FL_SHIFT - 2)))
		return 0; /* 0, or too large */
	size = ((bytes + TLSF_ALIGN - 1) & ~(size_t)(TLSF_ALIGN - 1)) +
	       TLSF_HDR;
	return size < TLSF_MIN_BLOCK ? TLSF_MIN_BLOCK : size;
}

/*
 * For an alignment above 16: take a block with room for the worst gap,
 * give the gap in front back as a free block, return the aligned block.
 */
static struct tlsf_block *take_aligned(struct k_heap *h, size_t size,
				       size_t align)
{
	struct tlsf_block *b, *a;
	uintptr_t p, q;
	size_t gap;

	b = take(h, capacity(size + align + TLSF_MIN_BLOCK));
	if (!b)
		return NULL;
	p = (uintptr_t)payload(b);
	q = (p + align - 1) & ~(uintptr_t)(align - 1);
	if (q != p && q - p < TLSF_MIN_BLOCK)
		q += align;
	gap = q - p;
	if (!gap)
		return b;
	a = block_of((void *)q);
	a->tb_size = bsize(b) - gap;
	a->tb_prev_phys = b;
	bnext(b)->tb_prev_phys = a;
	set_size(b, gap); /* b stays free (its lower neighbour is used) */
	mark_free(b);
	insert(h, b, gap);
	return a;
}

/* Count block b of size bytes as allocated; its payload. */
static hot_inline void *account_alloc(struct k_heap *h, struct tlsf_block *b,
				      size_t size)
{
	h->hp_free_bytes -= size;
	h->hp_alloc_bytes += size;
	if (h->hp_alloc_bytes > h->hp_max_alloc_bytes)
		h->hp_max_alloc_bytes = h->hp_alloc_bytes;
	h->hp_nr_alloc++;
	return payload(b);
}

/* Allocate size block bytes under hp_lock; NULL when nothing fits. */
static void *alloc_locked(struct k_heap *h, size_t size, size_t align)
{
	struct tlsf_block *b;

	b = align <= TLSF_ALIGN ? take(h, capacity(size))
				: take_aligned(h, size, align);
	return b ? account_alloc(h, b, carve(h, b, size)) : NULL;
}

static void count_miss(struct k_heap *h, bool can_wait, bool waited)
{
	if (!can_wait)
		h->hp_nr_fail++;
	else if (!waited)
		h->hp_nr_wait++;
}

/*
 * The whole protocol: checks, tries, waiting on hp_nr_free (every free
 * bumps it) until the deadline.  k_heap_alloc() comes here when its
 * first try failed or hooks are installed.
 */
static void *alloc_wait(struct k_heap *h, size_t align, size_t bytes,
			k_timeout_t timeout, unsigned long caller)
{
	size_t size = block_size_for(bytes);
	bool waited = false, can_wait;
	uint64_t deadline = 0;
	unsigned long flags, gen;
	void *p;

	if (!size || !align || (align & (align - 1))) {
		flags = heap_lock_irqsave(h);
		h->hp_nr_fail++;
		heap_unlock_irqrestore(h, flags);
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	can_wait = k_wait_allowed(timeout);
	for (;;) {
		flags = heap_lock_irqsave(h);
		gen = h->hp_nr_free;
		p = alloc_locked(h, size, align);
		if (!p)
			count_miss(h, can_wait, waited);
		heap_unlock_irqrestore(h, flags);
		if (p || !can_wait)
			break;
		if (!waited) {
			deadline = k_deadline(timeout);
			waited = true;
		}
		/* Timed out: one last try, then fail. */
		can_wait = k_wait_for_change(&h->hp_nr_free, gen, deadline);
	}
	if (!p)
		mm_set_error(MM_ENOMEM);
	return p;
}

void *__k_heap_alloc(struct k_heap *h, size_t align, size_t bytes,
		     unsigned long caller)
{
	return alloc_wait(h, align < TLSF_ALIGN ? TLSF_ALIGN : align, bytes,
			  K_NO_WAIT, caller);
}

static void *alloc_hooked(struct k_heap *h, size_t align, size_t bytes,
			  k_timeout_t timeout, unsigned long caller)
{
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_HEAP, h, h->hp_name, bytes, 0, 0,
			       caller};
	void *p;
	int err;

	if (align < TLSF_ALIGN && !(align & (align - 1)))
		align = TLSF_ALIGN; /* 0 and small powers of two: the default */
	if (hk && hk->should_fail && hk->should_fail(&call)) {
		mm_set_error(MM_EFAULT_INJECTED);
		return NULL;
	}
	p = alloc_wait(h, align, bytes, timeout, caller);
	if (p && hk && hk->on_alloc && (err = hk->on_alloc(&call, p))) {
		__k_heap_free(h, p, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	if (p)
		vg_alloc(p, bytes, k_heap_usable_size(h, p), 0);
	return p;
}

/*
 * The fast path: no hooks installed (no transaction open, no fault
 * injection armed), a size the index can hold, the lock free at the
 * first try and a list that fits.  It calls nothing, so it needs no
 * stack frame; anything else, failure included, takes the whole
 * protocol.
 */
void *k_heap_alloc(struct k_heap *h, size_t bytes, k_timeout_t timeout)
{
	size_t size = block_size_for(bytes);
	struct tlsf_block *b;
	unsigned long flags;
	void *p;

	if (!VG_ON && size && !mm_hooks_get() &&
	    heap_trylock_irqsave(h, &flags)) {
		b = take_fit(h, capacity(size));
		p = b ? account_alloc(h, b, carve(h, b, size)) : NULL;
		heap_unlock_irqrestore(h, flags);
		if (p)
			return p;
	}
	return alloc_hooked(h, TLSF_ALIGN, bytes, timeout,
			    (unsigned long)__builtin_return_address(0));
}

void *k_heap_aligned_alloc(struct k_heap *h, size_t align, size_t bytes,
			   k_timeout_t timeout)
{
	return alloc_hooked(h, align, bytes, timeout,
			    (unsigned long)__builtin_return_address(0));
}

void *k_heap_calloc(struct k_heap *h, size_t num, size_t size,
		    k_timeout_t timeout)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	size_t bytes;
	void *p;

	if (__builtin_mul_overflow(num, size, &bytes)) {
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	p = alloc_hooked(h, TLSF_ALIGN, bytes, timeout, caller);
	if (p)
		memset(p, 0, bytes);
	return p;
}

/* ---- free ------------------------------------------------------------------------ */

static __attribute__((noinline)) void
bad_free(struct k_heap *h, const void *p, const char *why, unsigned long caller)
{
	h->hp_nr_bad_free++;
	mm_set_error(MM_EBADFREE);
	printk("k_heap_free: heap %s: %p %s, from %pS; ignored\n", h->hp_name,
	       p, why, (void *)caller);
}

/*
 * Free block b (its size word is word) and merge it with free neighbours.
 * The merged block's own flags are known: TB_FREE, and no TB_PREV_FREE
 * (no two free blocks are neighbours).
 */
static hot_inline void free_locked(struct k_heap *h, struct tlsf_block *b,
				   unsigned long word)
{
	size_t size = word & ~TB_FLAGS;
	struct tlsf_block *n = (struct tlsf_block *)((char *)b + size), *pv;
	unsigned long nword = n->tb_size;

	h->hp_alloc_bytes -= size;
	h->hp_free_bytes += size;
	h->hp_nr_free++; /* also the generation waiters watch */
	if (nword & TB_FREE) {
		unlink_free(h, n);
		size += nword & ~TB_FLAGS;
	}
	if (word & TB_PREV_FREE) {
		pv = b->tb_prev_phys;
		unlink_free(h, pv);
		size += bsize(pv);
		b = pv;
	}
	b->tb_size = size | TB_FREE;
	n = (struct tlsf_block *)((char *)b + size);
	n->tb_size |= TB_PREV_FREE;
	n->tb_prev_phys = b;
	insert(h, b, size);
}

/* Check and free under hp_lock; false (reported) when mem is no block. */
bool __k_heap_free(struct k_heap *h, void *mem, unsigned long caller)
{
	struct tlsf_block *b;
	const char *why;
	unsigned long flags;

	if (!mem)
		return true;
	flags = heap_lock_irqsave(h);
	b = check_block(h, mem, &why);
	if (b)
		free_locked(h, b, b->tb_size);
	else
		bad_free(h, mem, why, caller);
	heap_unlock_irqrestore(h, flags);
	return b != NULL;
}

static void free_hooked(struct k_heap *h, void *mem, unsigned long caller)
{
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_HEAP, h, h->hp_name, 0, 0, 0, caller};

	if (mem && hk && hk->on_free && k_heap_usable_size(h, mem) &&
	    hk->on_free(&call, mem))
		return;
	vg_free(mem);
	__k_heap_free(h, mem, caller);
}

/* The fast path, as k_heap_alloc()'s: a valid free with no hooks. */
void k_heap_free(struct k_heap *h, void *mem)
{
	struct tlsf_block *b;
	unsigned long flags;
	const char *why;

	if (!VG_ON && mem && !mm_hooks_get() &&
	    heap_trylock_irqsave(h, &flags)) {
		b = check_block(h, mem, &why);
		if (b)
			free_locked(h, b, b->tb_size);
		heap_unlock_irqrestore(h, flags);
		if (b)
			return;
	}
	free_hooked(h, mem, (unsigned long)__builtin_return_address(0));
}

/* ---- resize ---------------------------------------------------------------------- */

/*
 * Resize b in place to size bytes if its upper neighbour allows.  The
 * span is fixed, so free bytes change by what the used block does not.
 */
static bool resize_in_place(struct k_heap *h, struct tlsf_block *b, size_t size)
{
	struct tlsf_block *n = bnext(b);
	size_t old = bsize(b);

	if (size > old) {
		if (!(n->tb_size & TB_FREE) || old + bsize(n) < size)
			return false;
		unlink_free(h, n);
		absorb_next(b, n);
		mark_used(b);
	}
	split(h, b, size);
	h->hp_alloc_bytes += bsize(b) - old;
	h->hp_free_bytes -= bsize(b) - old;
	if (h->hp_alloc_bytes > h->hp_max_alloc_bytes)
		h->hp_max_alloc_bytes = h->hp_alloc_bytes;
	return true;
}

void *k_heap_realloc(struct k_heap *h, void *ptr, size_t bytes,
		     k_timeout_t timeout)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	size_t size = block_size_for(bytes), old;
	struct tlsf_block *b;
	const char *why;
	unsigned long flags;
	bool done = false;
	void *p;

	if (!ptr)
		return alloc_hooked(h, TLSF_ALIGN, bytes, timeout, caller);
	if (!bytes) {
		free_hooked(h, ptr, caller);
		return NULL;
	}
	flags = heap_lock_irqsave(h);
	b = check_block(h, ptr, &why);
	if (!b)
		bad_free(h, ptr, why, caller);
	old = b ? bsize(b) - TLSF_HDR : 0;
	if (b && size && !VG_ON) /* valgrind: always move */
		done = resize_in_place(h, b, size);
	heap_unlock_irqrestore(h, flags);
	if (!b || done)
		return b ? ptr : NULL;
	p = alloc_hooked(h, TLSF_ALIGN, bytes, timeout, caller);
	if (!p)
		return NULL;
	memcpy(p, ptr, old < bytes ? old : bytes);
	free_hooked(h, ptr, caller);
	return p;
}

/* ---- set-up and queries ------------------------------------------------------------ */

/* For k_heap_init() (mm/heap_setup.c): b, a block not yet free, made free. */
void heap_add_free(struct k_heap *h, struct tlsf_block *b)
{
	mark_free(b);
	insert(h, b, bsize(b));
	h->hp_free_bytes += bsize(b);
}

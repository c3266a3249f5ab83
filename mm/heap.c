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
 *    Sizes below TLSF_SMALL (256 bytes) are not split by powers of two:
 *    first level 0 holds 16 lists of exactly 16, 32, ..., 240 bytes.
 *
 *    The interface is Zephyr's k_heap (kernel/kheap.c, documented in the
 *    Zephyr "Memory Heaps" guide): a heap object on memory the caller owns,
 *    k_heap_alloc() with a timeout during which the caller waits for
 *    another thread to free memory, k_heap_free() that wakes waiters.  This
 *    kernel has no scheduler, so a waiter spins on the heap's free
 *    generation counter until a free happens or its deadline passes.
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
 *    next neighbour.
 *
 *      hp_fl_bitmap   0 0 1 0 1 ...        bit f: level f has a used list
 *      hp_sl_bitmap[f]  0 1 0 0 ...        bit s: hp_free[f][s] not empty
 *      hp_free[f][s] -> block <-> block    free blocks of that size range
 *
 * 3. Invariants (checked by k_heap_validate())
 *    a. Walking from hp_start by sizes lands exactly on hp_end; every size
 *       is a multiple of 16 and at least TLSF_MIN_BLOCK; each prev_phys is
 *       the block walked before (the sentinel's too).
 *    b. TB_PREV_FREE of a block equals TB_FREE of the block below.
 *    c. No two free blocks are neighbours (they would have merged).
 *    d. Every free block is on exactly the list its size maps to; every
 *       block on a list is free; the bitmaps have a bit set exactly for the
 *       non-empty lists; the links are consistent both ways.
 *    e. hp_free_bytes and hp_alloc_bytes are the sums of free and used
 *       block sizes, and hp_nr_alloc - hp_nr_free the number of used
 *       blocks.
 *
 * 4. Locks: hp_lock (irqsave) guards one heap; heap_lock guards the list of
 *    heaps.  Order: heap_lock -> hp_lock.  No other lock is taken inside.
 *
 * 5. Failure protocol.  Allocation never panics: no fit gives NULL and
 *    MM_ENOMEM, bad sizes MM_EINVAL; the heap is unchanged.  A free is
 *    checked before anything is written (inside the region, on a block
 *    start whose neighbours point back at it, not already free): anything
 *    else is reported with the caller, counted and ignored (MM_EBADFREE).
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

/* ---- blocks ---------------------------------------------------------------- */

static void *payload(struct tlsf_block *b)
{
	return (char *)b + TLSF_HDR;
}
static struct tlsf_block *block_of(const void *p)
{
	return (struct tlsf_block *)((char *)p - TLSF_HDR);
}
static void set_size(struct tlsf_block *b, size_t size)
{
	b->tb_size = size | (b->tb_size & TB_FLAGS);
}
static void mark_free(struct tlsf_block *b)
{
	b->tb_size |= TB_FREE;
	bnext(b)->tb_size |= TB_PREV_FREE;
}
static void mark_used(struct tlsf_block *b)
{
	b->tb_size &= ~TB_FREE;
	bnext(b)->tb_size &= ~TB_PREV_FREE;
}

/* ---- the two-level index ---------------------------------------------------- */

/* The first list whose every block holds size bytes; false past the top. */
static bool mapping_search(size_t size, unsigned int *fl, unsigned int *sl)
{
	if (size >= TLSF_SMALL)
		size += (1ul << (floor_log2(size) - TLSF_SL_LOG2)) - 1;
	mapping(size, fl, sl);
	return *fl < TLSF_FL_COUNT;
}

static hot_inline void insert(struct k_heap *h, struct tlsf_block *b)
{
	unsigned int fl, sl;
	struct tlsf_block *head;

	mapping(bsize(b), &fl, &sl);
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
				   unsigned int fl, unsigned int sl)
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
	unsigned int fl, sl;

	if (b->tb_prev_free) {
		b->tb_prev_free->tb_next_free = b->tb_next_free;
		if (b->tb_next_free)
			b->tb_next_free->tb_prev_free = b->tb_prev_free;
		return;
	}
	mapping(bsize(b), &fl, &sl);
	unlink_head(h, b, fl, sl);
}

/* Take a free block of at least size bytes off its list, or NULL. */
static hot_inline struct tlsf_block *take(struct k_heap *h, size_t size)
{
	unsigned int fl, sl;
	uint32_t map;
	struct tlsf_block *b;

	map = 0;
	if (mapping_search(size, &fl, &sl)) {
		map = h->hp_sl_bitmap[fl] & (~0u << sl);
		if (!map && fl + 1 < TLSF_FL_COUNT) {
			map = h->hp_fl_bitmap & (~0u << (fl + 1));
			if (map) {
				fl = (unsigned int)__builtin_ctz(map);
				map = h->hp_sl_bitmap[fl];
			}
		}
	}
	if (map) {
		sl = (unsigned int)__builtin_ctz(map);
		b = h->hp_free[fl][sl];
	} else {
		/* No list is certain to fit.  The list the size itself maps
		 * to may still hold a big enough block: look at its head
		 * only (one step), so that a request close to the largest
		 * free block does not fail needlessly. */
		mapping(size, &fl, &sl);
		if (fl >= TLSF_FL_COUNT)
			return NULL;
		b = h->hp_free[fl][sl];
		if (!b || bsize(b) < size)
			return NULL;
	}
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
	insert(h, r);
	h->hp_free_bytes += rest;
}

/* ---- allocation --------------------------------------------------------------- */

/* Block bytes for a payload of bytes, or 0 when it cannot be indexed. */
static size_t block_size_for(size_t bytes)
{
	size_t size;

	if (bytes == 0 || bytes > (1ul << (TLSF_FL_COUNT + TLSF_FL_SHIFT - 2)))
		return 0;
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
	struct tlsf_block *b = take(h, size + align + TLSF_MIN_BLOCK), *a;
	uintptr_t p, q;
	size_t gap;

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
	insert(h, b);
	return a;
}

/* Allocate under hp_lock; NULL when nothing fits. */
static hot_inline void *alloc_locked(struct k_heap *h, size_t size,
				     size_t align)
{
	struct tlsf_block *b;

	b = align <= TLSF_ALIGN ? take(h, size) : take_aligned(h, size, align);
	if (!b)
		return NULL;
	h->hp_free_bytes -= bsize(b);
	split(h, b, size);
	mark_used(b);
	h->hp_alloc_bytes += bsize(b);
	if (h->hp_alloc_bytes > h->hp_max_alloc_bytes)
		h->hp_max_alloc_bytes = h->hp_alloc_bytes;
	h->hp_nr_alloc++;
	return payload(b);
}

bool k_wait_allowed(k_timeout_t timeout)
{
	return timeout != K_NO_WAIT && !arch_in_irq() && !spin_locks_held();
}

uint64_t k_deadline(k_timeout_t timeout)
{
	uint64_t now = arch_time_ns();

	return timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
}

bool k_wait_for_change(const unsigned long *gen, unsigned long seen,
		       uint64_t deadline)
{
	while (__atomic_load_n(gen, __ATOMIC_ACQUIRE) == seen) {
		if (arch_time_ns() >= deadline)
			return false;
		arch_cpu_relax();
	}
	return true;
}

static void *alloc_wait(struct k_heap *h, size_t align, size_t bytes,
			k_timeout_t timeout, unsigned long caller)
{
	size_t size = block_size_for(bytes);
	bool waited = false, can_wait;
	uint64_t deadline = 0;
	unsigned long flags, gen;
	void *p;

	if (!size || !align || (align & (align - 1))) {
		flags = spin_lock_irqsave(&h->hp_lock);
		h->hp_nr_fail++;
		spin_unlock_irqrestore(&h->hp_lock, flags);
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	can_wait = k_wait_allowed(timeout);
	for (;;) {
		flags = spin_lock_irqsave(&h->hp_lock);
		gen = h->hp_free_gen;
		p = alloc_locked(h, size, align);
		if (!p && !can_wait)
			h->hp_nr_fail++;
		else if (!p && !waited)
			h->hp_nr_wait++;
		spin_unlock_irqrestore(&h->hp_lock, flags);
		if (p || !can_wait)
			break;
		if (!waited) {
			deadline = k_deadline(timeout);
			waited = true;
		}
		/* Timed out: one last try, then fail. */
		can_wait = k_wait_for_change(&h->hp_free_gen, gen, deadline);
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

void *k_heap_alloc(struct k_heap *h, size_t bytes, k_timeout_t timeout)
{
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

/*
 * The block whose payload is p, if p is a live block of h; else NULL with
 * *why saying what is wrong.  Reads only inside the region.
 */
static struct tlsf_block *check_block(struct k_heap *h, const void *p,
				      const char **why)
{
	const char *c = p;
	struct tlsf_block *b, *n, *pv;
	size_t size;

	*why = "not inside the heap";
	if (c < h->hp_start + TLSF_HDR || c >= h->hp_end)
		return NULL;
	*why = "not the start of a block";
	if ((uintptr_t)c & (TLSF_ALIGN - 1))
		return NULL;
	b = block_of(p);
	size = bsize(b);
	if (size < TLSF_MIN_BLOCK || size > (size_t)(h->hp_end - (char *)b))
		return NULL;
	n = bnext(b);
	pv = b->tb_prev_phys;
	if (n->tb_prev_phys != b)
		return NULL;
	if ((char *)b == h->hp_start
		    ? pv != NULL
		    : ((char *)pv < h->hp_start || (char *)pv >= (char *)b ||
		       bnext(pv) != b))
		return NULL;
	*why = "already free (double free)";
	if (b->tb_size & TB_FREE)
		return NULL;
	return b;
}

static void bad_free(struct k_heap *h, const void *p, const char *why,
		     unsigned long caller)
{
	h->hp_nr_bad_free++;
	mm_set_error(MM_EBADFREE);
	printk("k_heap_free: heap %s: %p %s, from %pS; ignored\n", h->hp_name,
	       p, why, (void *)caller);
}

static hot_inline void free_locked(struct k_heap *h, struct tlsf_block *b)
{
	struct tlsf_block *n = bnext(b), *pv;

	h->hp_alloc_bytes -= bsize(b);
	h->hp_free_bytes += bsize(b);
	h->hp_nr_free++;
	h->hp_free_gen++;
	mark_free(b);
	if (n->tb_size & TB_FREE) {
		unlink_free(h, n);
		absorb_next(b, n);
	}
	if (b->tb_size & TB_PREV_FREE) {
		pv = b->tb_prev_phys;
		unlink_free(h, pv);
		absorb_next(pv, b);
		b = pv;
	}
	insert(h, b);
}

bool __k_heap_free(struct k_heap *h, void *mem, unsigned long caller)
{
	struct tlsf_block *b;
	const char *why;
	unsigned long flags;

	if (!mem)
		return true;
	flags = spin_lock_irqsave(&h->hp_lock);
	b = check_block(h, mem, &why);
	if (b)
		free_locked(h, b);
	else
		bad_free(h, mem, why, caller);
	spin_unlock_irqrestore(&h->hp_lock, flags);
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

void k_heap_free(struct k_heap *h, void *mem)
{
	free_hooked(h, mem, (unsigned long)__builtin_return_address(0));
}

/* ---- resize ---------------------------------------------------------------------- */

/* Resize b in place to size bytes if its upper neighbour allows. */
static bool resize_in_place(struct k_heap *h, struct tlsf_block *b, size_t size)
{
	struct tlsf_block *n = bnext(b);
	size_t old = bsize(b);

	if (size > old) {
		if (!(n->tb_size & TB_FREE) || old + bsize(n) < size)
			return false;
		unlink_free(h, n);
		h->hp_free_bytes -= bsize(n);
		absorb_next(b, n);
		mark_used(b);
	}
	split(h, b, size);
	h->hp_alloc_bytes += bsize(b);
	h->hp_alloc_bytes -= old;
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
	flags = spin_lock_irqsave(&h->hp_lock);
	b = check_block(h, ptr, &why);
	if (!b)
		bad_free(h, ptr, why, caller);
	old = b ? bsize(b) - TLSF_HDR : 0;
	if (b && size && !VG_ON) /* valgrind: always move */
		done = resize_in_place(h, b, size);
	spin_unlock_irqrestore(&h->hp_lock, flags);
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

int k_heap_init(struct k_heap *h, const char *name, void *mem, size_t bytes)
{
	uintptr_t start = ((uintptr_t)mem + TLSF_ALIGN - 1) & ~(uintptr_t)15;
	uintptr_t end = ((uintptr_t)mem + bytes) & ~(uintptr_t)15;
	struct tlsf_block *b, *sentinel;
	unsigned int fl, sl;
	unsigned long flags;

	k_heap_remove(h); /* re-initialising a registered heap replaces it */
	memset(h, 0, sizeof(*h));
	spin_lock_init(&h->hp_lock, "k_heap");
	h->hp_name = name ? name : "heap";
	if (!mem || (uintptr_t)mem + bytes < (uintptr_t)mem || end < start ||
	    end - start < TLSF_HDR + TLSF_MIN_BLOCK)
		return -MM_EINVAL;
	mapping(end - start - TLSF_HDR, &fl, &sl);
	if (fl >= TLSF_FL_COUNT)
		return -MM_EINVAL;
	h->hp_start = (char *)start;
	h->hp_end = (char *)end - TLSF_HDR;
	b = (struct tlsf_block *)h->hp_start;
	sentinel = (struct tlsf_block *)h->hp_end;
	b->tb_size = (size_t)(h->hp_end - h->hp_start);
	b->tb_prev_phys = NULL;
	sentinel->tb_size = 0;
	sentinel->tb_prev_phys = b;
	mark_free(b);
	insert(h, b);
	h->hp_free_bytes = bsize(b);
	flags = spin_lock_irqsave(&heap_lock);
	reg_add(&heaps, &h->hp_node);
	spin_unlock_irqrestore(&heap_lock, flags);
	return 0;
}

struct k_heap system_heap;

int heap_init_system(void)
{
	struct page *pg = __alloc_pages(GFP_KERNEL | __GFP_NOWARN,
					SYSTEM_HEAP_ORDER, _RET_IP_);
	int err;

	if (!pg) {
		printk("heap: no memory for the system heap; k_heap calls on it "
		       "will fail\n");
		return -MM_ENOMEM;
	}
	err = k_heap_init(&system_heap, "system", page_address(pg),
			  PAGE_SIZE << SYSTEM_HEAP_ORDER);
	if (!err)
		printk("heap: system heap (TLSF) of %lu KiB at %p\n",
		       (PAGE_SIZE << SYSTEM_HEAP_ORDER) / 1024,
		       page_address(pg));
	return err;
}

void k_heap_remove(struct k_heap *h)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	reg_remove(&heaps, &h->hp_node); /* h may be uninitialised memory */
	spin_unlock_irqrestore(&heap_lock, flags);
}

bool k_heap_contains(const struct k_heap *h, const void *mem)
{
	return (const char *)mem >= h->hp_start &&
	       (const char *)mem < h->hp_end;
}

size_t k_heap_usable_size(struct k_heap *h, const void *mem)
{
	unsigned long flags = spin_lock_irqsave(&h->hp_lock);
	const char *why;
	struct tlsf_block *b = check_block(h, mem, &why);
	size_t n = b ? bsize(b) - TLSF_HDR : 0;

	spin_unlock_irqrestore(&h->hp_lock, flags);
	return n;
}

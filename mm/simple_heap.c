/* SPDX-License-Identifier: MIT */
/*
 * The simple heap: first-fit, address-ordered, coalescing free list on a
 * caller-supplied region; the baseline of the benchmarks and the allocator
 * under kmalloc's `simple` mode.
 */

/*
 * 1. Design and references
 *
 * This is the classic "simple heap" that small systems really use, kept
 * deliberately plain so that it is a fair baseline and not a strawman.
 * Knuth, TAOCP vol. 1, section 2.5 ("Dynamic Storage Allocation"),
 * Algorithm A (first fit) and the liberation of freed blocks with merging
 * of neighbours; the same shape as FreeRTOS's heap_4 (written here from
 * that description, not from its code):
 *   - every block, free or allocated, starts with a 16-byte header holding
 *     its size; blocks tile the region with no gaps, so a block's physical
 *     successor is at (char *)block + size;
 *   - free blocks form one singly linked list sorted by address;
 *   - allocation takes the FIRST free block that is big enough, and splits
 *     off the tail as a new free block when more than SHEAP_MIN_BLOCK bytes
 *     would remain (otherwise the whole block is handed out: the
 *     small-remainder rule that goes with Algorithm A, since tiny
 *     fragments only lengthen the list every later search steps over;
 *     heap_4 uses the same threshold);
 *   - free walks the list to the block's address-ordered place and merges
 *     it with the free block just before and just after it when they touch
 *     (address order makes both neighbours visible without boundary-tag
 *     footers: Knuth's Algorithm B applied to a sorted list).
 * Both operations are O(number of free blocks).  Alignments above 16 split
 * off a leading free fragment so the returned block is an ordinary block
 * whose header sits just below the aligned payload.
 *
 * The walks are the whole cost, so they are kept tight: a step of the
 * first-fit loop is two loads, a compare and the end-of-list test; the
 * free walk needs no end-of-list test at all, because it only runs when
 * sh_last (the highest free block) lies above the freed block, and then
 * it stops there at the latest.
 * The checks that every call makes (range, alignment, the header's tag)
 * are a few instructions in front of the walk; the reasons for a refusal
 * are worked out only once a check has failed.
 *
 * 2. Layout
 *
 *   sh_start                                                       sh_end
 *   |                                                                   |
 *   v                                                                   v
 *   +------+---------+------+-------------+------+---------+------+----+
 *   | hdr  | payload | hdr  |    free     | hdr  | payload | hdr  |free|
 *   | used |         | free |             | used |         | free |    |
 *   +------+---------+------+-------------+------+---------+------+----+
 *                     |  ^                                  ^  |
 *    sh_free ---------+  +------ next (address order) -----+  +-> NULL
 *                                               sh_last ----^
 *
 *   header (16 bytes)       allocated block        free block
 *   +----------------+
 *   | size | in-use  |      size | 1               size | 0
 *   +----------------+
 *   | tag / next     |      block ^ word ^ cookie  next free block / NULL
 *   +----------------+
 *
 * Sizes count the header and are multiples of 16, so bit 0 holds "in use".
 * The tag of an allocated block binds the header to its own address and
 * its first word (size and in-use bit) under a per-heap cookie whose top
 * bits are never those of an address, so a free block's next pointer can
 * never pass for a tag: one compare proves "allocated, at this address,
 * this size".
 *
 * 3. Invariants (all checked by sheap_validate())
 *   I1 blocks tile [sh_start, sh_end): each size is a multiple of 16, at
 *      least SHEAP_MIN_BLOCK, and the last block ends exactly at sh_end;
 *   I2 an allocated block has bit 0 set and a correct tag;
 *   I3 the free list holds exactly the free blocks, in increasing address
 *      order, and sh_last is its last entry (NULL when it is empty);
 *   I4 no two free blocks are physically adjacent (coalescing is complete);
 *   I5 sh_free_bytes equals what the walk counts in free blocks, and the
 *      walk's count of allocated blocks equals sh_allocs - sh_frees.
 *
 * 4. Lock
 * Lock order: sh_lock is a leaf.  One lock per heap, taken with interrupts
 * saved and disabled (so the heap works from interrupt handlers too),
 * guards the free list, every header and the counters.  It is a bare
 * test-and-test-and-set word rather than lib/spinlock.h's lock: the code
 * it guards is straight-line and calls nothing, so it can neither recurse
 * nor be left held, and owner tracking (and the per-hart acquisition
 * count, which this lock does not feed) would cost more than the heap's
 * own work on a short walk.  Nothing is printed while it is held: reports
 * are formatted after the unlock (printk takes the console lock).
 *
 * 5. Failure protocol
 * Shortage or a bad argument (size 0, align not a power of two, a request
 * larger than the region) returns NULL, counts sh_failures (and
 * sh_bad_args), sets mm_last_error() (MM_ENOMEM, MM_EINVAL) and changes
 * nothing else.  sheap_free() of anything that is not a live block (NULL,
 * outside the region, misaligned, a header that is not in use or whose tag
 * is wrong: double free, interior or foreign pointer, overwritten header)
 * prints "sheap: bad free" with the pointer, the reason and the caller
 * (%pS), counts sh_bad_frees, sets MM_EBADFREE and returns false without
 * touching the heap.  A header absorbed by coalescing is scrubbed, so a
 * second free of it is recognised as well.
 *
 * 6. Validator
 * sheap_validate() walks the blocks physically from sh_start and the free
 * list in lockstep (the next free block met by the walk must be the next
 * list entry), checking I1-I5; it reports the first violation with the
 * block address and returns false.
 */
#include "mm/simple_heap.h"
#include "arch/arch.h"
#include "lib/printk.h"
#include "mm/mm.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct sh_block {
	size_t b_size; /* block bytes including header; bit 0 = in use */
	union {
		struct sh_block *b_next; /* free: next free block by address */
		uintptr_t b_tag; /* allocated: see block_tag() */
	};
};

_Static_assert(sizeof(struct sh_block) == SHEAP_HDR, "header size");

#define USED 1UL
#define SH_MAGIC 0xa5a1e00000000000UL /* top bits: never an address */
/*
 * sheap_alloc() and sheap_free() must stay leaf functions (a call
 * anywhere in them makes every call save registers): the caller for a
 * report is read from ra directly (nothing has overwritten it yet where
 * it is read), and the wait for a busy lock spins with the pause hint
 * inline.  The host build calls the arch/ functions.
 */
#if defined(KERNEL) && defined(__riscv)
#define CALLER()                                           \
	({                                                 \
		void *ra_;                                 \
		__asm__ volatile("mv %0, ra" : "=r"(ra_)); \
		ra_;                                       \
	})
#define RELAX() __asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010") /* pause */
#else
#define CALLER() __builtin_return_address(0)
#define RELAX() arch_cpu_relax()
#endif

/* Requests of this many bytes or more take the slow path (no region is
 * that large: they fail there as a shortage). */
#define SH_HUGE ((size_t)1 << 47)

/* The tag of an allocated block b whose first word is word (size | USED). */
static inline uintptr_t block_tag(const struct sheap *h,
				  const struct sh_block *b, size_t word)
{
	return (uintptr_t)b ^ word ^ h->sh_cookie;
}

static inline struct sh_block *next_phys(struct sh_block *b, size_t size)
{
	return (struct sh_block *)((char *)b + size);
}

static inline size_t round_up16(size_t n)
{
	return (n + (SHEAP_ALIGN - 1)) & ~(size_t)(SHEAP_ALIGN - 1);
}

/* Take h's lock (section 4); returns the interrupt state to restore. */
static inline unsigned long heap_lock(struct sheap *h)
{
	unsigned long flags = arch_irq_save();

	while (__atomic_exchange_n(&h->sh_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&h->sh_lock, __ATOMIC_RELAXED))
			RELAX();
	return flags;
}

static inline void heap_unlock(struct sheap *h, unsigned long flags)
{
	__atomic_store_n(&h->sh_lock, 0, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
}

int sheap_init(struct sheap *h, void *base, size_t size)
{
	struct sh_block *b = base;

	if ((uintptr_t)base & (SHEAP_ALIGN - 1))
		return -1;
	size &= ~(size_t)(SHEAP_ALIGN - 1);
	if (size < SHEAP_MIN_REGION || (uintptr_t)base + size < (uintptr_t)base)
		return -1;
	h->sh_lock = 0;
	h->sh_start = base;
	h->sh_end = (char *)base + size;
	h->sh_cookie = SH_MAGIC ^ ((uintptr_t)h & 0xffffffffffffUL);
	b->b_size = size;
	b->b_next = NULL;
	h->sh_free = h->sh_last = b;
	h->sh_free_bytes = size;
	h->sh_min_free_bytes = size;
	h->sh_allocs = h->sh_frees = 0;
	h->sh_failures = h->sh_bad_args = h->sh_bad_frees = 0;
	return 0;
}

/* The free block whose b_next is *link, or NULL when link is the head. */
static inline struct sh_block *link_owner(struct sheap *h,
					  struct sh_block **link)
{
	if (link == &h->sh_free)
		return NULL;
	return (struct sh_block *)((char *)link -
				   offsetof(struct sh_block, b_next));
}

/*
 * Hand out the free block at *link with need bytes: split off the tail as
 * a free block if more than SHEAP_MIN_BLOCK bytes remain, else give the
 * whole block.  Caller holds sh_lock.  Returns the payload.
 */
static inline void *carve(struct sheap *h, struct sh_block **link, size_t need)
{
	struct sh_block *b = *link, *next = b->b_next;
	size_t rest = b->b_size - need;

	if (rest > SHEAP_MIN_BLOCK) {
		struct sh_block *r = next_phys(b, need);

		r->b_size = rest;
		r->b_next = next;
		*link = r;
		if (!next)
			h->sh_last = r;
	} else {
		need = b->b_size;
		*link = next;
		if (!next)
			h->sh_last = link_owner(h, link);
	}
	h->sh_free_bytes -= need;
	if (h->sh_free_bytes < h->sh_min_free_bytes)
		h->sh_min_free_bytes = h->sh_free_bytes;
	b->b_size = need | USED;
	b->b_tag = block_tag(h, b, need | USED);
	h->sh_allocs++;
	return b + 1;
}

/*
 * Knuth's Algorithm A: the link to the first free block of at least need
 * bytes, or NULL.  Caller holds sh_lock.
 */
static inline struct sh_block **first_fit(struct sheap *h, size_t need)
{
	struct sh_block **link = &h->sh_free;
	struct sh_block *b;

	while ((b = *link) && b->b_size < need)
		link = &b->b_next;
	return b ? link : NULL;
}

/*
 * Bytes to skip at the start of free block b so that the payload is
 * aligned: 0, or a leading fragment of at least SHEAP_MIN_BLOCK.
 */
static size_t lead_gap(const struct sh_block *b, size_t align)
{
	uintptr_t start = (uintptr_t)b;
	uintptr_t pay =
		(start + SHEAP_HDR + align - 1) & ~(uintptr_t)(align - 1);
	size_t gap = pay - SHEAP_HDR - start;

	if (gap && gap < SHEAP_MIN_BLOCK)
		gap += align; /* align > 16 here, so gap becomes >= 32 */
	return gap;
}

/*
 * First fit for align > 16: the link to a free block whose start is
 * suitably aligned for need bytes, after splitting off a leading free
 * fragment if needed; NULL if none fits.  Caller holds sh_lock.
 */
static struct sh_block **first_fit_aligned(struct sheap *h, size_t need,
					   size_t align)
{
	struct sh_block **link = &h->sh_free;
	struct sh_block *b, *c;
	size_t gap;

	for (b = *link; b; link = &b->b_next, b = *link) {
		if (b->b_size < need)
			continue;
		gap = lead_gap(b, align);
		if (gap > b->b_size - need)
			continue;
		if (!gap)
			return link;
		/* b stays on the list as the leading free fragment. */
		c = next_phys(b, gap);
		c->b_size = b->b_size - gap;
		c->b_next = b->b_next;
		b->b_size = gap;
		b->b_next = c;
		if (!c->b_next)
			h->sh_last = c;
		return &b->b_next;
	}
	return NULL;
}

/* A refused request: count it, set the reason, report a bad alignment. */
static __attribute__((noinline)) void *bad_args(struct sheap *h, size_t size,
						size_t align, void *caller)
{
	unsigned long flags = heap_lock(h);

	h->sh_failures++;
	h->sh_bad_args++;
	heap_unlock(h, flags);
	mm_set_error(MM_EINVAL);
	if (size)
		printk("sheap: alloc of %zu bytes in heap %p: alignment %zu is "
		       "not a power of two, caller %pS\n",
		       size, (void *)h, align, caller);
	return NULL;
}

static __attribute__((noinline)) void *no_memory(void)
{
	mm_set_error(MM_ENOMEM);
	return NULL;
}

/*
 * Everything sheap_alloc() does not do inline: bad arguments, alignments
 * above 16, requests too large for any heap.
 */
static __attribute__((noinline)) void *alloc_slow(struct sheap *h, size_t size,
						  size_t align, void *caller)
{
	size_t region = (size_t)(h->sh_end - h->sh_start);
	struct sh_block **link = NULL;
	unsigned long flags;
	void *p = NULL;
	size_t need;

	if (!align)
		align = SHEAP_ALIGN;
	if (!size || (align & (align - 1)))
		return bad_args(h, size, align, caller);
	if (align < SHEAP_ALIGN)
		align = SHEAP_ALIGN;
	flags = heap_lock(h);
	/* What exceeds the region cannot fit: a shortage, not bad input. */
	need = round_up16(size) + SHEAP_HDR;
	if (size <= region && align <= region)
		link = align == SHEAP_ALIGN ? first_fit(h, need)
					    : first_fit_aligned(h, need, align);
	if (link)
		p = carve(h, link, need);
	else
		h->sh_failures++;
	heap_unlock(h, flags);
	return p ? p : no_memory();
}

void *sheap_alloc(struct sheap *h, size_t size, size_t align)
{
	struct sh_block **link;
	unsigned long flags;
	void *p = NULL;
	size_t need;

	if (unlikely(size - 1 >= SH_HUGE - 1 || align > SHEAP_ALIGN ||
		     (align & (align - 1))))
		return alloc_slow(h, size, align, CALLER());
	need = round_up16(size) + SHEAP_HDR;
	flags = heap_lock(h);
	link = first_fit(h, need);
	if (likely(link))
		p = carve(h, link, need);
	else
		h->sh_failures++;
	heap_unlock(h, flags);
	return likely(p) ? p : no_memory();
}

/*
 * The check every free makes: p is the payload of a live block of h.
 * Caller holds sh_lock (a bogus p may point into a free block another
 * hart is changing).  When it fails, check_live() says why.
 */
static inline bool is_live(const struct sheap *h, const void *p)
{
	const struct sh_block *b;

	if ((const char *)p <= h->sh_start || (const char *)p >= h->sh_end ||
	    ((uintptr_t)p & (SHEAP_ALIGN - 1)))
		return false;
	b = (const struct sh_block *)p - 1;
	return b->b_tag == block_tag(h, b, b->b_size);
}

/*
 * Why p is not a live block of h, or NULL when it is.  Caller holds
 * sh_lock.
 */
static inline const char *check_live(const struct sheap *h, const void *p)
{
	const struct sh_block *b;
	size_t size;

	if (!p)
		return "NULL pointer";
	if ((const char *)p < h->sh_start + SHEAP_HDR ||
	    (const char *)p >= h->sh_end)
		return "not a block address of this heap";
	if ((uintptr_t)p & (SHEAP_ALIGN - 1))
		return "misaligned (interior pointer?)";
	b = (const struct sh_block *)p - 1;
	if (!(b->b_size & USED))
		return "block not in use (double free?)";
	size = b->b_size & ~USED;
	if ((size & (SHEAP_ALIGN - 1)) || size < SHEAP_MIN_BLOCK ||
	    size > (size_t)(h->sh_end - (const char *)b) ||
	    b->b_tag != block_tag(h, b, b->b_size))
		return "bad block header (interior pointer or overwritten)";
	return NULL;
}

/*
 * Put allocated block b of size bytes back: find its place in the
 * address-ordered list and merge with the free neighbours it touches.
 * Caller holds sh_lock.
 */
static inline void release(struct sheap *h, struct sh_block *b, size_t size)
{
	struct sh_block *prev = NULL, *next = h->sh_free;

	if (next && next < b) { /* b does not go first */
		prev = h->sh_last;
		if (prev < b) { /* b goes last: no walk */
			next = NULL;
		} else {
			do { /* stops at sh_last at the latest */
				prev = next;
				next = next->b_next;
			} while (next < b);
		}
	}
	h->sh_free_bytes += size;
	if (next && next_phys(b, size) == next) { /* merge with the next */
		size += next->b_size;
		next->b_size = 0; /* scrub the absorbed header */
		next = next->b_next;
	}
	if (prev && next_phys(prev, prev->b_size) == b) { /* the previous */
		prev->b_size += size;
		prev->b_next = next;
		b->b_size = 0;
		b->b_next = NULL;
		b = prev;
	} else {
		b->b_size = size;
		b->b_next = next;
		*(prev ? &prev->b_next : &h->sh_free) = b;
	}
	if (!next)
		h->sh_last = b;
}

/* The bad free found under the lock, reported after it. */
static __attribute__((noinline)) bool
refuse_free(struct sheap *h, const void *p, const char *why, void *caller)
{
	mm_set_error(MM_EBADFREE);
	printk("sheap: bad free of %p in heap %p: %s, caller %pS\n", p,
	       (void *)h, why, caller);
	return false;
}

/* caller NULL: the function's own caller, read only for a report. */
static inline __attribute__((always_inline)) bool
free_block(struct sheap *h, void *p, void *caller)
{
	unsigned long flags = heap_lock(h);
	struct sh_block *b;
	const char *why;

	if (unlikely(!is_live(h, p))) {
		why = check_live(h, p);
		h->sh_bad_frees++;
		heap_unlock(h, flags);
		return refuse_free(h, p, why, caller ? caller : CALLER());
	}
	b = (struct sh_block *)p - 1;
	release(h, b, b->b_size & ~USED);
	h->sh_frees++;
	heap_unlock(h, flags);
	return true;
}

bool sheap_free(struct sheap *h, void *p)
{
	return free_block(h, p, NULL);
}

bool sheap_free_from(struct sheap *h, void *p, void *caller)
{
	return free_block(h, p, caller);
}

size_t sheap_usable_size(struct sheap *h, const void *p)
{
	unsigned long flags;
	size_t usable = 0;

	flags = heap_lock(h);
	if (is_live(h, p))
		usable = (((const struct sh_block *)p - 1)->b_size & ~USED) -
			 SHEAP_HDR;
	heap_unlock(h, flags);
	return usable;
}

bool sheap_contains(const struct sheap *h, const void *p)
{
	return (const char *)p >= h->sh_start && (const char *)p < h->sh_end;
}

/* The first violation the validator found. */
struct vfail {
	const char *what;
	const void *where;
	size_t value;
};

#define VFAIL(vf, w, at, val)                \
	do {                                 \
		(vf)->what = (w);            \
		(vf)->where = (at);          \
		(vf)->value = (size_t)(val); \
		return false;                \
	} while (0)

/* What the physical walk counted. */
struct vcount {
	size_t free_bytes, nr_live;
	const struct sh_block *last_free; /* the last free block it met */
};

/* Check one block header (I1, I2).  Caller holds sh_lock. */
static bool check_block(const struct sheap *h, const struct sh_block *b,
			struct vfail *vf)
{
	size_t size = b->b_size & ~USED;

	if ((size & (SHEAP_ALIGN - 1)) || size < SHEAP_MIN_BLOCK)
		VFAIL(vf, "bad block size", b, size);
	if (size > (size_t)(h->sh_end - (const char *)b))
		VFAIL(vf, "block runs past the region end", b, size);
	if ((b->b_size & USED) && b->b_tag != block_tag(h, b, b->b_size))
		VFAIL(vf, "allocated block has a bad tag", b, b->b_tag);
	return true;
}

/*
 * Walk blocks and free list in lockstep (I1-I4), counting for I5.
 * Caller holds sh_lock.
 */
static bool walk(const struct sheap *h, struct vcount *c, struct vfail *vf)
{
	const struct sh_block *b = (const struct sh_block *)h->sh_start;
	const struct sh_block *want = h->sh_free; /* next free block due */
	bool prev_free = false;

	while ((const char *)b < h->sh_end) {
		if (!check_block(h, b, vf))
			return false;
		if (b->b_size & USED) {
			c->nr_live++;
			prev_free = false;
		} else {
			if (prev_free)
				VFAIL(vf, "two adjacent free blocks", b, 0);
			if (b != want)
				VFAIL(vf,
				      "free block not next on the free list", b,
				      want);
			want = b->b_next;
			c->free_bytes += b->b_size;
			c->last_free = b;
			prev_free = true;
		}
		b = (const struct sh_block *)((const char *)b +
					      (b->b_size & ~USED));
	}
	if (want)
		VFAIL(vf, "free list entry is not a free block", want, 0);
	if (h->sh_last != c->last_free)
		VFAIL(vf, "sh_last is not the last free block", h->sh_last,
		      c->last_free);
	return true;
}

/* Cross-check the counters against the walk (I5).  Caller holds sh_lock. */
static bool check_counts(const struct sheap *h, const struct vcount *c,
			 struct vfail *vf)
{
	if (c->free_bytes != h->sh_free_bytes)
		VFAIL(vf, "free bytes differ from the counter", h,
		      h->sh_free_bytes);
	if (c->nr_live != h->sh_allocs - h->sh_frees)
		VFAIL(vf, "allocated blocks != allocs - frees", h, c->nr_live);
	if (h->sh_min_free_bytes > h->sh_free_bytes)
		VFAIL(vf, "low-water mark above free bytes", h,
		      h->sh_min_free_bytes);
	return true;
}

bool sheap_validate(struct sheap *h)
{
	struct vcount c = {0, 0, NULL};
	struct vfail vf = {NULL, NULL, 0};
	unsigned long flags;
	bool ok;

	flags = heap_lock(h);
	ok = walk(h, &c, &vf) && check_counts(h, &c, &vf);
	heap_unlock(h, flags);
	if (!ok)
		printk("sheap: validate: heap %p [%p-%p): %s at %p (0x%zx)\n",
		       (void *)h, (void *)h->sh_start, (void *)h->sh_end,
		       vf.what, vf.where, vf.value);
	return ok;
}

void sheap_stats(struct sheap *h, struct sheap_stats *st)
{
	const struct sh_block *b;
	unsigned long flags;
	size_t largest = 0, nr_free = 0;

	flags = heap_lock(h);
	/* only through blocks of the region, no more than fit (a damaged
	 * list: sheap_validate() reports it) */
	for (b = h->sh_free;
	     b && (const char *)b >= h->sh_start &&
	     (const char *)b < h->sh_end &&
	     !((uintptr_t)b & (SHEAP_ALIGN - 1)) &&
	     nr_free <= (size_t)(h->sh_end - h->sh_start) / SHEAP_MIN_BLOCK;
	     b = b->b_next, nr_free++)
		if (b->b_size > largest)
			largest = b->b_size;
	st->ss_size = (size_t)(h->sh_end - h->sh_start);
	st->ss_free_bytes = h->sh_free_bytes;
	st->ss_used_bytes = st->ss_size - h->sh_free_bytes;
	st->ss_min_free_bytes = h->sh_min_free_bytes;
	st->ss_free_blocks = nr_free;
	st->ss_largest_free = largest;
	st->ss_max_alloc = largest ? largest - SHEAP_HDR : 0;
	st->ss_live = h->sh_allocs - h->sh_frees;
	st->ss_allocs = h->sh_allocs;
	st->ss_frees = h->sh_frees;
	st->ss_failures = h->sh_failures;
	st->ss_bad_args = h->sh_bad_args;
	st->ss_bad_frees = h->sh_bad_frees;
	heap_unlock(h, flags);
}

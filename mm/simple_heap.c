/* SPDX-License-Identifier: MIT */
/*
 * The simple heap: first-fit, address-ordered, coalescing free list on a
 * caller-supplied region; the `simple` kmalloc backend and the baseline.
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
 *     off the tail as a new free block when at least SHEAP_MIN_BLOCK bytes
 *     remain (otherwise the whole block is handed out);
 *   - free walks the list to the block's address-ordered place and merges
 *     it with the free block just before and just after it when they touch
 *     (address order makes both neighbours visible without boundary-tag
 *     footers: Knuth's Algorithm B applied to a sorted list).
 * Both operations are O(number of free blocks).  Alignments above 16 split
 * off a leading free fragment so the returned block is an ordinary block
 * whose header sits just below the aligned payload.
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
 *
 *   header (16 bytes)       allocated block        free block
 *   +----------------+
 *   | size | in-use  |      size | 1               size | 0
 *   +----------------+
 *   | tag / next     |      block ^ size ^ cookie   next free block / NULL
 *   +----------------+
 *
 * Sizes count the header and are multiples of 16, so bit 0 holds "in use".
 * The tag of an allocated block binds the header to its own address and
 * size under a per-heap cookie whose top bits are never those of an
 * address, so a free block's next pointer can never pass for a tag.
 *
 * 3. Invariants (all checked by sheap_validate())
 *   I1 blocks tile [sh_start, sh_end): each size is a multiple of 16, at
 *      least SHEAP_MIN_BLOCK, and the last block ends exactly at sh_end;
 *   I2 an allocated block has bit 0 set and a correct tag;
 *   I3 the free list holds exactly the free blocks, in increasing address
 *      order;
 *   I4 no two free blocks are physically adjacent (coalescing is complete);
 *   I5 sh_free_bytes equals what the walk counts in free blocks, and the
 *      walk's count of allocated blocks equals sh_allocs - sh_frees.
 *
 * 4. Lock
 * Lock order: sh_lock is a leaf.  One spinlock per heap, taken with
 * interrupts saved and disabled (so the heap works from interrupt handlers
 * too), guards the free list, every header and the counters.  Nothing is
 * printed while it is held: reports are formatted after the unlock (printk
 * takes the console lock).
 *
 * 5. Failure protocol
 * Shortage or a bad argument (size 0, align not a power of two, a request
 * larger than the region) returns NULL, counts sh_failures (and
 * sh_bad_args), and changes nothing else.  sheap_free() of anything that
 * is not a live block (NULL, outside the region, misaligned, a header that
 * is not in use or whose tag is wrong: double free, interior or foreign
 * pointer, overwritten header) prints "sheap: bad free" with the pointer,
 * the reason and the caller (%pS), counts sh_bad_frees and returns false
 * without touching the heap.  A header absorbed by coalescing is scrubbed,
 * so a second free of it is recognised as well.
 *
 * 6. Validator
 * sheap_validate() walks the blocks physically from sh_start and the free
 * list in lockstep (the next free block met by the walk must be the next
 * list entry), checking I1-I5; it reports the first violation with the
 * block address and returns false.
 */
#include "mm/simple_heap.h"
#include "lib/printk.h"

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

static inline uintptr_t block_tag(const struct sheap *h,
				  const struct sh_block *b, size_t size)
{
	return (uintptr_t)b ^ size ^ h->sh_cookie;
}

static inline struct sh_block *next_phys(struct sh_block *b, size_t size)
{
	return (struct sh_block *)((char *)b + size);
}

static inline size_t round_up16(size_t n)
{
	return (n + (SHEAP_ALIGN - 1)) & ~(size_t)(SHEAP_ALIGN - 1);
}

int sheap_init(struct sheap *h, void *base, size_t size)
{
	struct sh_block *b = base;

	if ((uintptr_t)base & (SHEAP_ALIGN - 1))
		return -1;
	size &= ~(size_t)(SHEAP_ALIGN - 1);
	if (size < SHEAP_MIN_REGION || (uintptr_t)base + size < (uintptr_t)base)
		return -1;
	spin_lock_init(&h->sh_lock, "sheap");
	h->sh_start = base;
	h->sh_end = (char *)base + size;
	h->sh_cookie = SH_MAGIC ^ ((uintptr_t)h & 0xffffffffffffUL);
	b->b_size = size;
	b->b_next = NULL;
	h->sh_free = b;
	h->sh_free_bytes = size;
	h->sh_min_free_bytes = size;
	h->sh_allocs = h->sh_frees = 0;
	h->sh_failures = h->sh_bad_args = h->sh_bad_frees = 0;
	return 0;
}

/*
 * Hand out the free block at *link with need bytes: split off the tail as
 * a free block if it is big enough, else give the whole block.  Caller
 * holds sh_lock.  Returns the payload.
 */
static void *carve(struct sheap *h, struct sh_block **link, size_t need)
{
	struct sh_block *b = *link;
	size_t rest = b->b_size - need;

	if (rest >= SHEAP_MIN_BLOCK) {
		struct sh_block *r = next_phys(b, need);

		r->b_size = rest;
		r->b_next = b->b_next;
		*link = r;
		b->b_size = need;
	} else {
		*link = b->b_next;
	}
	h->sh_free_bytes -= b->b_size;
	if (h->sh_free_bytes < h->sh_min_free_bytes)
		h->sh_min_free_bytes = h->sh_free_bytes;
	b->b_tag = block_tag(h, b, b->b_size);
	b->b_size |= USED;
	h->sh_allocs++;
	return b + 1;
}

/*
 * Knuth's Algorithm A: the link to the first free block of at least need
 * bytes, or NULL.  Caller holds sh_lock.
 */
static struct sh_block **first_fit(struct sheap *h, size_t need)
{
	struct sh_block **link = &h->sh_free;
	struct sh_block *b;

	for (b = *link; b; link = &b->b_next, b = *link)
		if (b->b_size >= need)
			return link;
	return NULL;
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
		return &b->b_next;
	}
	return NULL;
}

/* Count (and, unless it is size 0, report) a refused request. */
static void bad_args(struct sheap *h, size_t size, size_t align, void *caller)
{
	unsigned long flags = spin_lock_irqsave(&h->sh_lock);

	h->sh_failures++;
	h->sh_bad_args++;
	spin_unlock_irqrestore(&h->sh_lock, flags);
	if (size)
		printk("sheap: alloc of %zu bytes in heap %p: alignment %zu is "
		       "not a power of two, caller %pS\n",
		       size, (void *)h, align, caller);
}

void *sheap_alloc(struct sheap *h, size_t size, size_t align)
{
	size_t region = (size_t)(h->sh_end - h->sh_start);
	struct sh_block **link = NULL;
	unsigned long flags;
	void *p = NULL;
	size_t need;

	if (!align)
		align = SHEAP_ALIGN;
	if (!size || (align & (align - 1))) {
		bad_args(h, size, align, __builtin_return_address(0));
		return NULL;
	}
	if (align < SHEAP_ALIGN)
		align = SHEAP_ALIGN;
	flags = spin_lock_irqsave(&h->sh_lock);
	/* What exceeds the region cannot fit: a shortage, not bad input. */
	need = round_up16(size) + SHEAP_HDR;
	if (size <= region && align <= region)
		link = align == SHEAP_ALIGN ? first_fit(h, need)
					    : first_fit_aligned(h, need, align);
	if (link)
		p = carve(h, link, need);
	else
		h->sh_failures++;
	spin_unlock_irqrestore(&h->sh_lock, flags);
	return p;
}

/*
 * Why p is not a live block of h, or NULL when it is.  Caller holds
 * sh_lock (a bogus p may point into a free block another hart is changing).
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
	size = b->b_size;
	if (!(size & USED))
		return "block not in use (double free?)";
	size &= ~USED;
	if ((size & (SHEAP_ALIGN - 1)) || size < SHEAP_MIN_BLOCK ||
	    size > (size_t)(h->sh_end - (const char *)b) ||
	    b->b_tag != block_tag(h, b, size))
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
	struct sh_block **link = &h->sh_free;
	struct sh_block *prev = NULL, *n;

	for (n = *link; n && n < b; link = &n->b_next, n = *link)
		prev = n;
	h->sh_free_bytes += size;
	if (n && next_phys(b, size) == n) { /* merge with the next block */
		size += n->b_size;
		n->b_size = 0; /* scrub the absorbed header */
		n = n->b_next;
	}
	if (prev && next_phys(prev, prev->b_size) == b) { /* and the previous */
		prev->b_size += size;
		prev->b_next = n;
		b->b_size = 0;
		b->b_next = NULL;
		return;
	}
	b->b_size = size;
	b->b_next = n;
	*link = b;
}

static void report_bad_free(struct sheap *h, const void *p, const char *why,
			    void *caller)
{
	printk("sheap: bad free of %p in heap %p: %s, caller %pS\n", p,
	       (void *)h, why, caller);
}

static inline __attribute__((always_inline)) bool
free_block(struct sheap *h, void *p, void *caller)
{
	struct sh_block *b;
	unsigned long flags;
	const char *why;

	flags = spin_lock_irqsave(&h->sh_lock);
	why = check_live(h, p);
	if (why) {
		h->sh_bad_frees++;
	} else {
		b = (struct sh_block *)p - 1;
		release(h, b, b->b_size & ~USED);
		h->sh_frees++;
	}
	spin_unlock_irqrestore(&h->sh_lock, flags);
	if (why)
		report_bad_free(h, p, why, caller);
	return !why;
}

bool sheap_free(struct sheap *h, void *p)
{
	return free_block(h, p, __builtin_return_address(0));
}

bool sheap_free_from(struct sheap *h, void *p, void *caller)
{
	return free_block(h, p, caller);
}

size_t sheap_usable_size(struct sheap *h, const void *p)
{
	unsigned long flags;
	size_t usable = 0;

	flags = spin_lock_irqsave(&h->sh_lock);
	if (!check_live(h, p))
		usable = (((const struct sh_block *)p - 1)->b_size & ~USED) -
			 SHEAP_HDR;
	spin_unlock_irqrestore(&h->sh_lock, flags);
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
	if ((b->b_size & USED) && b->b_tag != block_tag(h, b, size))
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
			prev_free = true;
		}
		b = (const struct sh_block *)((const char *)b +
					      (b->b_size & ~USED));
	}
	if (want)
		VFAIL(vf, "free list entry is not a free block", want, 0);
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
	struct vcount c = {0, 0};
	struct vfail vf = {NULL, NULL, 0};
	unsigned long flags;
	bool ok;

	flags = spin_lock_irqsave(&h->sh_lock);
	ok = walk(h, &c, &vf) && check_counts(h, &c, &vf);
	spin_unlock_irqrestore(&h->sh_lock, flags);
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

	flags = spin_lock_irqsave(&h->sh_lock);
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
	spin_unlock_irqrestore(&h->sh_lock, flags);
}

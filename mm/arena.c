// SPDX-License-Identifier: MIT
/*
 * Arenas: bump allocation in chunks of pages, freed all at once or back
 * to a mark.
 *
 * 1. Design and references
 *
 *    A region (arena) allocator: D. R. Hanson, "Fast allocation and
 *    deallocation of memory based on object lifetimes", Software: Practice
 *    and Experience 20(1), 1990; Gay & Aiken, "Memory management with
 *    explicit regions", PLDI 1998; GNU obstacks are the same idea with
 *    marks.  Objects that die together are allocated together: allocation
 *    moves a top pointer up inside the newest chunk; when the chunk is
 *    full a new one (2^ar_chunk_order pages, or more for a large request)
 *    is taken from the page allocator and linked in front.  There is no
 *    per-object header and no individual free.  A mark is simply the
 *    position of the top; resetting to it lowers the top of the chunk the
 *    mark lies in and frees every newer chunk.  A chunk left empty is
 *    freed too, so an arena never holds an empty chunk.
 *
 * 2. Data layout
 *
 *      ar_chunk (newest)              older                    oldest
 *      +--------+------+-----+       +--------+----------+-+  +--------+..
 *      | header | used | ... | ----> | header | used     |w| ->| header |
 *      +--------+------+-----+ prev  +--------+----------+-+  +--------+..
 *      ^ page   ^      ^ ac_top                           ^ wasted tail
 *               ARENA_HDR
 *
 *    Each chunk starts with its header (prev link, size, top, order, a
 *    magic word); positions handed out and marks are addresses in
 *    [chunk + ARENA_HDR, chunk + ac_top].  Such a position belongs to
 *    exactly one chunk: headers are never positions, so even two
 *    adjacent chunks cannot share one.
 *
 * 3. Invariants (checked by arena_validate())
 *    a. The chain from ar_chunk has ar_nr_chunks chunks, each with a good
 *       magic, ac_size == PAGE_SIZE << ac_order, and ARENA_HDR < ac_top
 *       <= ac_size (never empty).
 *    b. Every chunk is an allocated block of that order as the page
 *       allocator sees it (PG_head, same order) and carries PG_arena
 *       (PG_owner2), so that free_pages() refuses it.
 *    c. ar_pages and ar_used are the sums over the chain of the chunks'
 *       pages and of (ac_top - ARENA_HDR); the peaks are not below them.
 *
 * 4. Locks: ar_lock (irqsave) guards one arena and is held while a chunk
 *    is taken from or given back to the page allocator; arena_lock guards
 *    the list of arenas.  Order: arena_lock -> ar_lock -> the zone locks.
 *
 *    Only the validator reads a chunk it has not checked: every other walk
 *    of the chain (chunk_next()) stops at a header that is not sane and
 *    after ar_nr_chunks steps, so the statistics of a damaged arena are
 *    partial rather than a crash.
 *
 * 5. Failure protocol.  Allocation never panics: NULL with MM_EINVAL for
 *    bad arguments, or the page allocator's reason when no chunk can be
 *    had; the arena is unchanged.  arena_reset_to() checks the mark before
 *    changing anything; a bad one is reported with the caller, counted and
 *    ignored.  A transaction rollback (__arena_rollback) of a position that
 *    a reset already gave back does nothing.
 */
#include "mm/arena.h"
#include "mm/hooks.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "lib/printk.h"
#include "lib/string.h"

#define ARENA_MAGIC 0xa7e4a001u
/* A chunk's head page carries this owner bit: free_pages() refuses it. */
#define PG_arena PG_owner2
#define ARENA_MAX_BYTES (PAGE_SIZE << (MAX_ORDER - 1))

struct arena_chunk {
	struct arena_chunk *ac_prev; /* older chunk, NULL for the oldest */
	size_t ac_size; /* PAGE_SIZE << ac_order, header included */
	size_t ac_top; /* offset of the first free byte */
	unsigned int ac_order;
	uint32_t ac_magic;
};

/* Header bytes: the first position is ARENA_ALIGN-aligned. */
#define ARENA_HDR \
	((sizeof(struct arena_chunk) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1ul))

static spinlock_t arena_lock = SPINLOCK_INIT("arenas");
static struct mm_registry arenas = MM_REGISTRY_INIT(arenas, "arenas");

/* ---- chunks ---------------------------------------------------------------- */

static uintptr_t base_of(const struct arena_chunk *c)
{
	return (uintptr_t)c;
}

/*
 * May c be read as a chunk header?  A page-aligned address of RAM with the
 * magic and a consistent order and size.  Every walk of the chain asks
 * before it reads a chunk: a header may have been overwritten (a 1-byte
 * overflow at the end of one chunk reaches the next one's ac_prev).
 */
static bool chunk_sane(const struct arena_chunk *c)
{
	return ram_ptr_ok(c, PAGE_SIZE) && c->ac_magic == ARENA_MAGIC &&
	       c->ac_order < MAX_ORDER &&
	       c->ac_size == PAGE_SIZE << c->ac_order &&
	       c->ac_top <= c->ac_size;
}

/*
 * The most chunks a's chain can hold: those counted, but never more than
 * the frames of RAM (each chunk is at least a page), so that an
 * overwritten count cannot let a walk of a cyclic chain run on.
 */
static unsigned long chunk_limit(const struct arena *a)
{
	unsigned long frames = memmap_end_pfn - memmap_start_pfn;

	return a->ar_nr_chunks < frames ? a->ar_nr_chunks : frames;
}

/* ar_lock held: the chunk after c (a->ar_chunk first when c is NULL), or
 * NULL at the end of the chain, at a chunk that is not sane, or past the
 * ar_nr_chunks counted (*n counts the steps). */
static struct arena_chunk *
chunk_next(const struct arena *a, const struct arena_chunk *c, unsigned long *n)
{
	struct arena_chunk *next = c ? c->ac_prev : a->ar_chunk;

	if (!next || ++*n > chunk_limit(a) || !chunk_sane(next))
		return NULL;
	return next;
}

/* The chunk of a whose positions include pos ([HDR, top]), or NULL. */
static struct arena_chunk *chunk_of(struct arena *a, const void *pos)
{
	uintptr_t p = (uintptr_t)pos;
	unsigned long n = 0;

	for (struct arena_chunk *c = chunk_next(a, NULL, &n); c;
	     c = chunk_next(a, c, &n))
		if (p >= base_of(c) + ARENA_HDR && p <= base_of(c) + c->ac_top)
			return c;
	return NULL;
}

/* Take a chunk big enough for size at align and put it in front. */
static struct arena_chunk *new_chunk(struct arena *a, size_t size, size_t align,
				     unsigned long caller)
{
	unsigned int order = get_order(ARENA_HDR + align - 1 + size);
	struct arena_chunk *c;
	struct page *pg;

	if (order < a->ar_chunk_order)
		order = a->ar_chunk_order;
	pg = __alloc_pages(a->ar_gfp | __GFP_NOWARN, order, caller);
	if (!pg)
		return NULL;
	page_owner_flags(pg, PG_arena, 0);
	c = page_address(pg);
	c->ac_prev = a->ar_chunk;
	c->ac_size = PAGE_SIZE << order;
	c->ac_top = ARENA_HDR;
	c->ac_order = order;
	c->ac_magic = ARENA_MAGIC;
	a->ar_chunk = c;
	a->ar_nr_chunks++;
	a->ar_pages += 1ul << order;
	if (a->ar_pages > a->ar_peak_pages)
		a->ar_peak_pages = a->ar_pages;
	return c;
}

/* Drop the newest chunk (its positions are all given back). */
static void free_newest(struct arena *a, unsigned long caller)
{
	struct arena_chunk *c = a->ar_chunk;

	a->ar_chunk = c->ac_prev;
	a->ar_nr_chunks--;
	a->ar_pages -= 1ul << c->ac_order;
	a->ar_used -= c->ac_top - ARENA_HDR;
	c->ac_magic = 0;
	page_owner_flags(virt_to_page(c), 0, PG_arena);
	__free_pages(virt_to_page(c), c->ac_order, caller);
}

/* ---- allocation ------------------------------------------------------------ */

/* Bump in c; NULL when it does not fit.  *pos: the top before. */
static void *bump(struct arena *a, struct arena_chunk *c, size_t size,
		  size_t align, void **pos)
{
	uintptr_t top = base_of(c) + c->ac_top;
	uintptr_t p = (top + align - 1) & ~(uintptr_t)(align - 1);

	if (p - base_of(c) > c->ac_size || c->ac_size - (p - base_of(c)) < size)
		return NULL;
	*pos = (void *)top;
	c->ac_top = p + size - base_of(c);
	a->ar_used += p + size - top;
	if (a->ar_used > a->ar_peak_used)
		a->ar_peak_used = a->ar_used;
	return (void *)p;
}

static bool bad_request(size_t size, size_t align)
{
	return !size || size > ARENA_MAX_BYTES - ARENA_HDR - PAGE_SIZE ||
	       (align & (align - 1)) || align > PAGE_SIZE;
}

void *__arena_alloc(struct arena *a, size_t size, size_t align, void **pos,
		    unsigned long caller)
{
	unsigned long flags;
	void *p = NULL;

	if (!align)
		align = ARENA_ALIGN;
	flags = spin_lock_irqsave(&a->ar_lock);
	if (bad_request(size, align)) {
		a->ar_nr_fail++;
		mm_set_error(MM_EINVAL);
	} else {
		if (a->ar_chunk)
			p = bump(a, a->ar_chunk, size, align, pos);
		if (!p && new_chunk(a, size, align, caller))
			p = bump(a, a->ar_chunk, size, align, pos);
		if (p)
			a->ar_nr_alloc++;
		else
			a->ar_nr_fail++; /* the page allocator said why */
	}
	spin_unlock_irqrestore(&a->ar_lock, flags);
	return p;
}

/* Undo the allocation [pos, end) if it is still the newest (hook refused). */
static void undo_newest(struct arena *a, void *pos, void *end,
			unsigned long caller)
{
	unsigned long flags = spin_lock_irqsave(&a->ar_lock);
	struct arena_chunk *c = a->ar_chunk;

	if (c && base_of(c) + c->ac_top == (uintptr_t)end) {
		a->ar_used -= (uintptr_t)end - (uintptr_t)pos;
		c->ac_top = (uintptr_t)pos - base_of(c);
		a->ar_nr_alloc--;
		a->ar_nr_fail++;
		if (c->ac_top == ARENA_HDR)
			free_newest(a, caller);
	}
	spin_unlock_irqrestore(&a->ar_lock, flags);
}

static void *alloc_hooked(struct arena *a, size_t size, size_t align,
			  unsigned long caller)
{
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_ARENA, a,     a->ar_name, size, 0,
			       a->ar_gfp,     caller};
	void *p, *pos;
	int err;

	if (hk && hk->should_fail && hk->should_fail(&call)) {
		mm_set_error(MM_EFAULT_INJECTED);
		return NULL;
	}
	p = __arena_alloc(a, size, align, &pos, caller);
	if (p && hk && hk->on_alloc && (err = hk->on_alloc(&call, pos))) {
		undo_newest(a, pos, (char *)p + size, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	return p;
}

void *arena_alloc(struct arena *a, size_t size, size_t align)
{
	return alloc_hooked(a, size, align, _RET_IP_);
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	p = alloc_hooked(a, bytes, ARENA_ALIGN, _RET_IP_);
	if (p)
		memset(p, 0, bytes);
	return p;
}

/* ---- marks and resets ---------------------------------------------------------- */

void *arena_mark(struct arena *a)
{
	unsigned long flags = spin_lock_irqsave(&a->ar_lock);
	struct arena_chunk *c = a->ar_chunk;
	void *m = c ? (void *)(base_of(c) + c->ac_top) : NULL;

	spin_unlock_irqrestore(&a->ar_lock, flags);
	return m;
}

/* Lower the top to mark (a position of chunk c, ar_lock held). */
static void reset_locked(struct arena *a, struct arena_chunk *c, void *mark,
			 unsigned long caller)
{
	size_t off;

	while (a->ar_chunk != c)
		free_newest(a, caller);
	if (!c)
		return;
	off = (uintptr_t)mark - base_of(c);
	a->ar_used -= c->ac_top - off;
	c->ac_top = off;
	if (off == ARENA_HDR)
		free_newest(a, caller); /* no empty chunks */
}

static void reset_to(struct arena *a, void *mark, unsigned long caller)
{
	unsigned long flags = spin_lock_irqsave(&a->ar_lock);
	struct arena_chunk *c = mark ? chunk_of(a, mark) : NULL;

	if (mark && !c) {
		a->ar_nr_bad_reset++;
		spin_unlock_irqrestore(&a->ar_lock, flags);
		mm_set_error(MM_EINVAL);
		printk("arena_reset_to: arena %s: mark %p is not a position of "
		       "this arena at or below its top (reset already?), from "
		       "%pS; ignored\n",
		       a->ar_name, mark, (void *)caller);
		return;
	}
	reset_locked(a, c, mark, caller);
	a->ar_nr_reset++;
	spin_unlock_irqrestore(&a->ar_lock, flags);
}

void arena_reset_to(struct arena *a, void *mark)
{
	reset_to(a, mark, _RET_IP_);
}

void arena_reset(struct arena *a)
{
	reset_to(a, NULL, _RET_IP_);
}

bool __arena_rollback(struct arena *a, void *pos, unsigned long caller)
{
	unsigned long flags = spin_lock_irqsave(&a->ar_lock);
	struct arena_chunk *c = chunk_of(a, pos);
	bool live = c && (uintptr_t)pos < base_of(c) + c->ac_top;

	if (live)
		reset_locked(a, c, pos, caller);
	spin_unlock_irqrestore(&a->ar_lock, flags);
	return live;
}

bool arena_pos_live(struct arena *a, const void *pos)
{
	unsigned long flags = spin_lock_irqsave(&a->ar_lock);
	struct arena_chunk *c = chunk_of(a, pos);
	bool live = c && (uintptr_t)pos < base_of(c) + c->ac_top;

	spin_unlock_irqrestore(&a->ar_lock, flags);
	return live;
}

/* ---- set-up and tear-down ---------------------------------------------------------- */

static void arena_unlist(struct arena *a)
{
	unsigned long flags = spin_lock_irqsave(&arena_lock);

	reg_remove(&arenas, &a->ar_node); /* a may be uninitialised memory */
	spin_unlock_irqrestore(&arena_lock, flags);
}

int arena_init(struct arena *a, const char *name, unsigned int chunk_order,
	       gfp_t gfp)
{
	unsigned long flags;

	arena_unlist(a); /* re-initialising a listed arena (not its pages) */
	memset(a, 0, sizeof(*a));
	spin_lock_init(&a->ar_lock, "arena");
	a->ar_name = name ? name : "arena";
	if (chunk_order >= MAX_ORDER || (gfp & ~__GFP_ALL)) {
		mm_set_error(MM_EINVAL);
		return -MM_EINVAL;
	}
	a->ar_chunk_order = chunk_order;
	a->ar_gfp = gfp;
	flags = spin_lock_irqsave(&arena_lock);
	reg_add(&arenas, &a->ar_node);
	spin_unlock_irqrestore(&arena_lock, flags);
	return 0;
}

void arena_destroy(struct arena *a)
{
	reset_to(a, NULL, _RET_IP_);
	arena_unlist(a);
}

void arena_stats_get(struct arena *a, struct arena_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&a->ar_lock), n = 0;
	struct arena_chunk *c = chunk_next(a, NULL, &n);

	memset(st, 0, sizeof(*st));
	st->room = c ? c->ac_size - c->ac_top : 0;
	for (c = c ? chunk_next(a, c, &n) : NULL; c; c = chunk_next(a, c, &n))
		st->wasted += c->ac_size - c->ac_top;
	st->chunks = a->ar_nr_chunks;
	st->pages = a->ar_pages;
	st->peak_pages = a->ar_peak_pages;
	st->used = a->ar_used;
	st->peak_used = a->ar_peak_used;
	st->nr_alloc = a->ar_nr_alloc;
	st->nr_fail = a->ar_nr_fail;
	st->nr_reset = a->ar_nr_reset;
	st->nr_bad_reset = a->ar_nr_bad_reset;
	spin_unlock_irqrestore(&a->ar_lock, flags);
}

/* ---- the validator ------------------------------------------------------------------- */

#define VFAIL(a, ...)                                               \
	do {                                                        \
		printk("arena_validate: arena %s: ", (a)->ar_name); \
		printk(__VA_ARGS__);                                \
		ok = false;                                         \
	} while (0)

/* 3a and 3b for one chunk. */
static bool check_chunk(struct arena *a, struct arena_chunk *c)
{
	struct page *pg = virt_to_page(c);
	struct page seen;
	bool ok = true;

	if (!pg || ((uintptr_t)c & (PAGE_SIZE - 1))) {
		VFAIL(a, "chunk %p is not a page of the memmap\n", c);
		return false;
	}
	if (c->ac_magic != ARENA_MAGIC || c->ac_order >= MAX_ORDER ||
	    c->ac_size != PAGE_SIZE << c->ac_order) {
		VFAIL(a, "chunk %p: bad header (magic %#x, order %u)\n", c,
		      c->ac_magic, c->ac_order);
		return false;
	}
	if (c->ac_top <= ARENA_HDR || c->ac_top > c->ac_size)
		VFAIL(a, "chunk %p: top %zu outside (%zu, %zu]\n", c, c->ac_top,
		      (size_t)ARENA_HDR, c->ac_size);
	seen = page_load_state(pg);
	if (!(seen.flags & PG_head) || seen.order != c->ac_order ||
	    !(seen.flags & PG_arena))
		VFAIL(a,
		      "chunk %p is not an allocated order-%u block with "
		      "PG_arena\n",
		      c, c->ac_order);
	return ok;
}

bool arena_validate(struct arena *a)
{
	unsigned long flags = spin_lock_irqsave(&a->ar_lock);
	unsigned long n = 0, pages = 0;
	size_t used = 0;
	bool ok = true;

	for (struct arena_chunk *c = a->ar_chunk; c; c = c->ac_prev) {
		if (++n > chunk_limit(a)) {
			VFAIL(a, "more chunks linked than the %lu counted\n",
			      a->ar_nr_chunks);
			break;
		}
		if (!check_chunk(a, c)) {
			ok = false;
			break;
		}
		pages += 1ul << c->ac_order;
		used += c->ac_top - ARENA_HDR;
	}
	if (ok && (n != a->ar_nr_chunks || pages != a->ar_pages ||
		   used != a->ar_used))
		VFAIL(a,
		      "walk: %lu chunks, %lu pages, %zu bytes used; "
		      "counters: %lu, %lu, %zu\n",
		      n, pages, used, a->ar_nr_chunks, a->ar_pages, a->ar_used);
	if (a->ar_peak_used < a->ar_used || a->ar_peak_pages < a->ar_pages)
		VFAIL(a, "a peak is below the current value\n");
	spin_unlock_irqrestore(&a->ar_lock, flags);
	return ok;
}

bool arena_validate_all(void)
{
	unsigned long flags = spin_lock_irqsave(&arena_lock), n;
	struct list_head *pos;
	bool ok = true;

	reg_for_each(pos, &arenas, n) ok &=
		arena_validate(list_entry(pos, struct arena, ar_node));
	spin_unlock_irqrestore(&arena_lock, flags);
	return reg_check(&arenas, "arena_validate") && ok;
}

void arena_report(void)
{
	unsigned long flags = spin_lock_irqsave(&arena_lock), n;
	struct list_head *pos;

	printk("arena         chunks  pages       used     wasted  allocs  "
	       "fails  resets  bad\n");
	reg_for_each(pos, &arenas, n)
	{
		struct arena *a = list_entry(pos, struct arena, ar_node);
		struct arena_stats st;

		arena_stats_get(a, &st);
		printk("%-12s %7lu %6lu %10zu %10zu %7lu %6lu %7lu %4lu\n",
		       a->ar_name, st.chunks, st.pages, st.used, st.wasted,
		       st.nr_alloc, st.nr_fail, st.nr_reset, st.nr_bad_reset);
	}
	spin_unlock_irqrestore(&arena_lock, flags);
}

/* Refused resets of every arena (for the health verdict). */
unsigned long arena_bad_resets_total(void)
{
	unsigned long flags = spin_lock_irqsave(&arena_lock), n = 0, k;
	struct list_head *pos;

	reg_for_each(pos, &arenas, k) /* a counter: no chunk is read */
		n += READ_ONCE(list_entry(pos, struct arena, ar_node)
				       ->ar_nr_bad_reset);
	spin_unlock_irqrestore(&arena_lock, flags);
	return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * The page allocator: zones of binary-buddy free areas with per-CPU order-0
 * page lists, watermarks and a lowmem reserve.
 *
 * Files: this one (theory, the buddy core, the entry points, boot),
 * mm/page_pcp.h (the per-CPU fast paths, inline), mm/page_pcp.c (the
 * per-CPU lists' slow paths: refill, drain, drain_all_pages),
 * mm/page_kind.c (grouping by kind), mm/page_run.c (runs of pages that
 * are not buddy blocks) and mm/page_check.c (bad-free reports, the
 * validator, the reports).
 *
 * 1. Design and references
 *
 *    Knuth, TAOCP vol. 1, 2.5 ("Dynamic Storage Allocation", the buddy
 *    system; Knowlton 1965): memory is cut into blocks of 2^k pages, each
 *    aligned to its size.  A block of order k at frame number pfn has
 *    exactly one buddy, at pfn ^ 2^k; when both are free they merge into
 *    the block of order k+1 at pfn & ~2^k.  Allocation takes the smallest
 *    free block of order >= k and splits it, giving back upper halves;
 *    free merges upwards while the buddy is free.  Both stop after at most
 *    MAX_ORDER-1 steps.
 *
 *    The rest follows the concepts (not the code) of Linux mm/page_alloc.c:
 *    zones (ZONE_DMA below mm.dma_limit, ZONE_NORMAL above; RV64 has no
 *    HighMem since the direct map covers all RAM); a zone list per request
 *    (GFP_KERNEL: Normal, then DMA; GFP_DMA: DMA only); watermarks
 *    min/low/high derived from the zone size as Linux derives
 *    min_free_kbytes = sqrt(16 * lowmem_kbytes); a lowmem reserve that keeps
 *    part of DMA away from requests that could have used Normal; and
 *    per-CPU lists (Linux's "pcp") of free order-0 pages refilled from and
 *    drained to the buddy lists in batches.  There is no reclaim: low and
 *    high are reporting thresholds (watermark events), min is enforced.
 *
 *    Grouping by kind (section 8) is Linux's grouping of pages by
 *    mobility, after Mel Gorman's anti-fragmentation work (M. Gorman and
 *    A. Whitcroft, "The What, The Why and The Where To of
 *    Anti-Fragmentation", Ottawa Linux Symposium 2006; Linux
 *    mm/page_alloc.c, __rmqueue_fallback()): pageblocks of 2^9 pages
 *    marked with the kind of allocation they serve.
 *
 * 2. Data layout
 *
 *      zones[ZONE_DMA]                         struct page array (mem_map)
 *      +---------------------+                 +----+----+----+----+----+--
 *      | lock                |                 |pfn0|pfn1|pfn2|pfn3|pfn4|..
 *      | free_area[0] lists -+---------------->|    |    |    |    |    |
 *      | free_area[1] lists  |                 +----+----+----+----+----+--
 *      | ...                 |   PG_buddy heads, linked through page->lru,
 *      | free_area[10] lists |   page->order = the block's order; one list
 *      | pb_kind -> [O|S|O|L]|   per kind: the kind of the head's pageblock
 *      | pcp[cpu0] list -----+--> PG_pcp order-0 pages (no zone lock)
 *      | pcp[cpu1] ...       |
 *      +---------------------+
 *
 *    Allocated blocks have PG_head and their order on their first page;
 *    tail pages carry no allocator flag (setting them would cost 2^order).
 *
 * 3. Invariants (checked by page_alloc_validate(), mm/page_check.c)
 *    a. Every frame of a zone is in exactly one state: reserved, in one free
 *       buddy block, on one per-CPU list, or in one allocated block.
 *    b. A free block of order k is aligned to 2^k frames, lies inside its
 *       zone, has PG_buddy and order k on its head, and is on
 *       free_area[k]; its other frames carry no allocator flag.
 *    c. No free block of order k < MAX_ORDER-1 has a free buddy of order k
 *       (they would have merged).
 *    d. free_area[k].nr_free equals the length of its list;
 *       zone->free_pages = sum of nr_free[k] * 2^k; pcp->count equals the
 *       length of pcp->list.
 *    e. Allocated blocks of order k in a zone = nr_alloc[k] - nr_freed[k]
 *       (per-CPU counters included for order 0: allocations minus frees,
 *       the frees derived from page flows, pcp_nr_free()).
 *    f. Every pageblock has a valid kind and nr_pageblocks[k] counts those
 *       of kind k; each free block is on free_area[order].free_list[k]
 *       with k the kind of the pageblock holding its head; only allocated
 *       heads carry kind bits (PG_kind_*), and at most one.
 *
 * 4. Lock order:  pcp_lock (one per zone and hart)  ->  zone->lock
 *
 *    pcp_lock guards one per_cpu_pages: its list and counters.  Only its
 *    hart takes it on the fast path, with interrupts off; another hart takes
 *    it only to drain the list (allocation failure, drain_all_pages()) or to
 *    validate.  It is a bare flag rather than a spinlock_t so that the fast
 *    path is not counted as a shared-lock acquisition.
 *
 *    zone->lock (irqsave, since GFP_ATOMIC comes from interrupts) guards
 *    the zone's free areas, free_pages, its nr_alloc/nr_freed/split/merge
 *    counters and the flags of every page on its buddy lists.  Taken
 *    alone for order > 0, or inside pcp_lock to refill or drain a batch.
 *    The validator takes every pcp_lock of a zone in cpu order, then the
 *    zone lock.  No path holds two zone locks.
 *
 * 5. Failure protocol
 *    Allocation: try each zone of the zone list (pcp first for order 0 in
 *    the preferred zone), each against its watermark (min, half of min for
 *    __GFP_HIGH, plus the lowmem reserve when falling back into DMA).  If all
 *    fail, drain every hart's per-CPU lists and try once more; then return
 *    NULL with MM_EWATERMARK (a mark refused) or MM_ENOMEM, count the failure
 *    and, without __GFP_NOWARN, print one line naming the caller.
 *    Free: the head page is claimed with one compare-and-swap of its state
 *    word (PG_head, the right order and no owner bit -> free); a failed
 *    claim changes nothing and is classified and reported by
 *    page_report_bad_free().  A block whose head still carries an owner
 *    bit (a live slab, a large kmalloc block, a DMA buffer) is refused:
 *    only its owner may give it back, after clearing the bit.
 *
 * 6. The validator (mm/page_check.c) walks each zone frame by frame under
 *    all its locks and checks 3a-3f; it costs one pass over the zone's
 *    struct pages, cheap enough to run after every test suite.
 *
 * 7. The order-0 fast path (alloc_fast(), free_fast())
 *    An order-0 alloc_pages()/free_pages() with no hooks installed that
 *    finds this hart's list usable costs 56/57 instructions including the
 *    call (rv64imac, `make bench`: page.o0.pcp.*; it was 223/196).  What
 *    it does, and what it leaves to the slow paths (alloc_slow(),
 *    free_slow(), the same code as before), so that it makes no call and
 *    needs no stack frame:
 *      - interrupts off, this hart's list: arch_cpu_id() and the irq
 *        save/restore are inline on the real machine; struct zone is
 *        4 KiB so &zones[i] is a shift; the preferred zone is computed at
 *        boot (pcp_pref);
 *      - pcp_lock tried once: a busy list (a remote drain) goes slow;
 *      - allocation pops the hottest page and makes it an allocated head
 *        (state, owner fields, lru reset); an empty list goes slow, which
 *        refills it (pcp_refill(), page by page as before);
 *      - free checks that pg is a descriptor of the memmap (one compare,
 *        fast_map), and claims it with one compare-and-swap from the exact
 *        state word of a plain order-0 allocated head to PG_pcp: anything
 *        else (owner bits still set, a double free, a tail, a reserved
 *        frame, a lost race) fails the swap and goes slow, where claim()
 *        and page_report_bad_free() classify and report it as before; a
 *        full list (count == high) goes slow, which pushes and drains;
 *      - counters: count and nr_alloc only; frees are derived
 *        (pcp_nr_free()) from nr_in/nr_out, counted on refill and drain;
 *      - the entry points read the caller (for reports) only on the slow
 *        branches and carry no frame (NO_FRAME, CALLER).
 *    The hooks (transactions, fault injection) keep their own path
 *    (alloc_hooked(), free_hooked()) and see every call as before.
 *    A refill or drain moves PCP_BATCH pages, a constant, so the slow
 *    order-0 calls cost the same at every memory size.
 *
 * 8. Grouping by kind
 *    Slab pages live long and pin their page; if they were spread over
 *    the zone, no large block could ever form again.  So each zone is cut
 *    into pageblocks of PAGEBLOCK_NR_PAGES (2^9) and each pageblock has a
 *    kind (zone->pb_kind[], one byte each): PGKIND_SLAB, PGKIND_LARGE
 *    (large kmalloc blocks) or PGKIND_OTHER.  A request names its kind
 *    with __GFP_SLAB or __GFP_LARGE (none: other); a slab of one object
 *    asks for __GFP_LARGE, since it comes free with that object as a
 *    large block does (mm/slab_grow.c, slab_kind()).
 *      - A free block goes on the list of its head's pageblock's kind, so
 *        freeing never changes a kind, and merging is as before.
 *      - Allocation takes the smallest block of its own kind's lists
 *        (take_smallest()).  When there is none (take_fallback()) it
 *        looks at the other kinds' largest free block: if that is at
 *        least half a pageblock, the kind claims the pageblock(s) under
 *        it outright (claim_pageblocks(): they change kind and all their
 *        free blocks move to its lists; Linux claims a pageblock when it
 *        would own half of it) and takes from its own lists again;
 *        otherwise it borrows the smallest block that fits from another
 *        kind, whose pageblock stays as it was (take_borrowed()).
 *      - Per-CPU lists serve only PGKIND_OTHER: a kind request goes to
 *        the buddy lists under the zone lock, and the allocated head
 *        carries PG_kind_slab or PG_kind_large, so that its free fails
 *        the fast path's exact compare-and-swap and goes back to the
 *        buddy lists too.  The fast paths do not change.
 *    Cost: a claim walks the pageblock once, one step per block in it
 *    (at most PAGEBLOCK_NR_PAGES); every other step looks a pageblock's
 *    kind up only for blocks of order >= PAGEBLOCK_ORDER, since smaller
 *    ones share the kind of the block they came from.
 */
#include "mm/page_alloc.h"
#include "mm/health.h"
#include "mm/hooks.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/page_owner.h"
#include "mm/page_pcp.h"
#include "mm/vg.h"
#include "lib/printk.h"
#include "lib/string.h"

struct zone zones[MAX_NR_ZONES];
static unsigned long (*reclaim_fn)(void);
static const char *const zone_names[MAX_NR_ZONES] = {"DMA", "Normal"};

/*
 * The struct page array as the free fast path checks it (section 7): the
 * same test as page_in_mem_map() with one base and one length, set when
 * the zones are (zone_init_span()).
 */
static struct {
	uintptr_t base;
	uintptr_t bytes;
} fast_map;

/*
 * The fast entry points only tail-call (the slow paths are separate
 * functions), so they need no frame of their own; the kernel is built
 * with -fno-omit-frame-pointer for backtraces, and the frame setup would
 * be an eighth of the fast path.  A trap inside one of them reports its
 * caller's caller without its caller.  (clang has no optimize attribute.)
 */
#if defined(__clang__)
#define NO_FRAME
#else
#define NO_FRAME __attribute__((optimize("omit-frame-pointer")))
#endif

/*
 * The caller, for reports, in those entry points.  GCC saves ra in a
 * frame in any function that uses __builtin_return_address(0); on the
 * real machine ra is read directly instead, in the slow branches: there
 * no call has been made yet in the function, so ra still holds it.
 */
#if defined(KERNEL) && defined(__riscv)
#define CALLER                                             \
	({                                                 \
		unsigned long ra_;                         \
		__asm__ volatile("mv %0, ra" : "=r"(ra_)); \
		ra_;                                       \
	})
#else
#define CALLER ((unsigned long)__builtin_return_address(0))
#endif

/* ---- page state ------------------------------------------------------------- */

/*
 * A page's flags and order change under different locks (zone lock for
 * buddy pages, a pcp_lock for per-CPU pages, none for the claim on free)
 * while buddy_free() peeks at a neighbour's; so the state word is always
 * read and written whole and atomically.  A value seen in passing is never
 * PG_buddy unless the zone lock holder made it so.
 */
void set_state(struct page *pg, unsigned int flags, unsigned int order)
{
	struct page next = page_load_state(pg);

	next.flags = (uint16_t)flags;
	next.order = (uint8_t)order;
	__atomic_store_n(&pg->state, next.state, __ATOMIC_RELAXED);
}

/* ---- buddy lists (zone lock held) ------------------------------------------ */

/*
 * A free block goes on the list of kind k, its head's pageblock's kind
 * (3f).  The callers know it: blocks below PAGEBLOCK_ORDER inside one
 * pageblock share its kind, so only larger ones look it up (pb_kind_of()).
 */
static void area_add(struct zone *z, struct page *pg, unsigned int order,
		     enum page_kind k)
{
	set_state(pg, PG_buddy, order);
	list_add(&pg->lru, &z->free_area[order].free_list[k]);
	z->free_area[order].nr_free++;
	z->free_pages += 1UL << order;
}

void area_del(struct zone *z, struct page *pg, unsigned int order,
	      enum page_kind k)
{
	list_del(&pg->lru);
	set_state(pg, 0, 0);
	z->free_area[order].nr_free--;
	z->free_pages -= 1UL << order;
}

static bool is_free_buddy(const struct zone *z, unsigned long pfn,
			  unsigned int order)
{
	struct page seen;

	if (pfn < z->start_pfn || pfn >= z->end_pfn)
		return false;
	seen = page_load_state(pfn_to_page(pfn));
	return (seen.flags & PG_buddy) && seen.order == order;
}

/* The kind of the block at pfn of this order, k being that of any frame
 * in the same pageblock as pfn: a look-up only from pageblock size up. */
static inline enum page_kind pb_kind_of(const struct zone *z, unsigned long pfn,
					unsigned int order, enum page_kind k)
{
	return order >= PAGEBLOCK_ORDER ? pageblock_kind(z, pfn) : k;
}

/* Put the free block (pfn, order) on the lists, merging with free buddies. */
void buddy_free(struct zone *z, unsigned long pfn, unsigned int order)
{
	enum page_kind k = pageblock_kind(z, pfn);

	while (order < MAX_ORDER - 1) {
		unsigned long buddy = pfn ^ (1UL << order);
		enum page_kind bk;

		if (!is_free_buddy(z, buddy, order))
			break;
		bk = pb_kind_of(z, buddy, order, k);
		area_del(z, pfn_to_page(buddy), order, bk);
		if (buddy < pfn) /* the merged block's head is the buddy's */
			k = bk;
		pfn &= ~(1UL << order);
		order++;
		z->nr_merge++;
	}
	area_add(z, pfn_to_page(pfn), order, k);
	if (z->below_low && z->free_pages >= z->wmark[WMARK_HIGH]) {
		z->below_low = false;
		mm_health_zone_event(z);
	}
}

/* Take the free block pg of order o off kind k's list and split it down
 * to order; the upper halves go back on their pageblocks' lists. */
struct page *split_block(struct zone *z, struct page *pg, unsigned int o,
			 unsigned int order, enum page_kind k)
{
	unsigned long pfn = page_to_pfn(pg);

	area_del(z, pg, o, k);
	while (o > order) {
		unsigned long half;

		o--;
		half = pfn + (1UL << o);
		area_add(z, pfn_to_page(half), o, pb_kind_of(z, half, o, k));
		z->nr_split++;
	}
	return pg;
}

/* The smallest free block of order >= order on kind's lists, split down
 * (Knuth's allocation, within one kind); NULL if kind has none. */
struct page *take_smallest(struct zone *z, unsigned int order,
			   enum page_kind kind)
{
	for (unsigned int o = order; o < MAX_ORDER; o++) {
		struct list_head *l = &z->free_area[o].free_list[kind];

		if (!list_empty(l))
			return split_block(
				z, list_first_entry(l, struct page, lru), o,
				order, kind);
	}
	return NULL;
}

/* Zone lock held: a block of exactly this order for kind, split off the
 * smallest larger one of kind's, or of another kind's when kind has none;
 * NULL when the zone has no block that large. */
struct page *buddy_take(struct zone *z, unsigned int order, enum page_kind kind)
{
	struct page *pg = take_smallest(z, order, kind);

	if (!pg)
		pg = take_fallback(z, order, kind);
	if (pg)
		zone_took(z);
	return pg;
}

/* Zone lock held, pages just taken off the lists: the low-water marks. */
void zone_took(struct zone *z)
{
	if (z->free_pages < z->min_free_seen)
		z->min_free_seen = z->free_pages;
	if (!z->below_low && z->free_pages < z->wmark[WMARK_LOW]) {
		z->below_low = true;
		z->wm_low_events++;
		mm_health_zone_event(z);
	}
}

/* A page leaves the allocator as the head of a block of this order. */
void set_allocated(struct page *pg, unsigned int order, enum page_kind kind)
{
	set_state(pg, PG_head | kind * PG_kind_slab, order);
	pg->u32 = 0;
	list_init(&pg->lru);
	pg->private = 0;
}

/*
 * Claim an allocated block's head for freeing: PG_head and the same order
 * become a bare page in one compare-and-swap, so two harts freeing the same
 * page cannot both succeed.  A head that still carries an owner bit
 * (PG_slab, PG_large, PG_owner*) belongs to another allocator, which clears
 * the bit before it gives the block back: it is not claimed.  Returns
 * false (and changes nothing) otherwise.
 */
bool claim(struct page *pg, unsigned int order)
{
	struct page seen, next;

	seen = page_load_state(pg);
	for (;;) {
		if (!(seen.flags & PG_head) || seen.order != order ||
		    (seen.flags &
		     (PG_buddy | PG_pcp | PG_reserved | PG_OWNER_MASK)))
			return false;
		next.state = seen.state;
		next.flags = 0;
		next.order = 0;
		if (__atomic_compare_exchange_n(
			    &pg->state, &seen.state, next.state, false,
			    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			break;
	}
	pg->u32 = 0;
	pg->private = 0;
	return true;
}

/* ---- watermarks ------------------------------------------------------------- */

/* The free pages a request must leave in z. */
unsigned long zone_mark(const struct zone *z, gfp_t gfp, bool fallback)
{
	unsigned long mark = z->wmark[WMARK_MIN];

	if (gfp & __GFP_MEMALLOC)
		return 0;
	if (gfp & __GFP_HIGH)
		mark -= mark / 2;
	if (fallback)
		mark += z->lowmem_reserve;
	return mark;
}

/* Zone lock held: may 2^order pages leave z with at least mark remaining? */
bool zone_ok(const struct zone *z, unsigned int order, unsigned long mark,
	     bool *refused)
{
	if (z->free_pages >= mark + (1UL << order))
		return true;
	if (z->free_pages >= (1UL << order))
		*refused = true;
	return false;
}

/* ---- allocation ------------------------------------------------------------- */

_Static_assert(__GFP_LARGE / __GFP_SLAB == PGKIND_LARGE &&
		       PG_kind_large / PG_kind_slab == PGKIND_LARGE &&
		       PGKIND_SLAB == 1,
	       "the kind bits of gfp and of page flags count kinds");

static struct page *zone_alloc(struct zone *z, unsigned int order,
			       enum page_kind kind, unsigned long mark,
			       bool *refused)
{
	unsigned long flags = spin_lock_irqsave(&z->lock);
	struct page *pg = NULL;

	if (zone_ok(z, order, mark, refused))
		pg = buddy_take(z, order, kind);
	if (pg) {
		set_allocated(pg, order, kind);
		z->nr_alloc[order]++;
	}
	spin_unlock_irqrestore(&z->lock, flags);
	return pg;
}

/* The zones a request may use, preferred first; returns how many. */
unsigned int zonelist(gfp_t gfp, enum zone_type list[MAX_NR_ZONES])
{
	if (gfp & __GFP_DMA) {
		list[0] = ZONE_DMA;
		return 1;
	}
	list[0] = ZONE_NORMAL;
	list[1] = ZONE_DMA;
	return (gfp & __GFP_NOFALLBACK) ? 1 : 2;
}

/*
 * Try the zone list in order.  The first non-empty zone is the preferred
 * one (per-CPU list for order 0, plain watermark); later zones are
 * fallbacks (buddy lists, watermark plus lowmem reserve).
 */
static struct page *get_page(gfp_t gfp, unsigned int order, bool *refused)
{
	enum page_kind kind = gfp_kind(gfp);
	enum zone_type list[MAX_NR_ZONES];
	unsigned int n = zonelist(gfp, list);
	bool fallback = false;

	for (unsigned int i = 0; i < n; i++) {
		struct zone *z = &zones[list[i]];
		unsigned long mark = zone_mark(z, gfp, fallback);
		struct page *pg;

		if (zone_is_empty(z))
			continue;
		if (order == 0 && !fallback && kind == PGKIND_OTHER)
			pg = pcp_alloc(z, mark, refused);
		else
			pg = zone_alloc(z, order, kind, mark, refused);
		if (pg)
			return pg;
		fallback = true;
	}
	return NULL;
}

void alloc_failed(gfp_t gfp, unsigned int order, enum mm_error err,
		  unsigned long caller)
{
	enum zone_type list[MAX_NR_ZONES];
	struct zone *z;

	zonelist(gfp, list);
	z = &zones[list[0]]; /* failures count against the preferred zone */
	mm_set_error(err);
	if (order < MAX_ORDER)
		__atomic_fetch_add(&z->nr_fail[order], 1, __ATOMIC_RELAXED);
	if (err == MM_EWATERMARK)
		__atomic_fetch_add(&z->wm_refusals, 1, __ATOMIC_RELAXED);
	mm_health_page_failed(z, order, err);
	if (gfp & __GFP_NOWARN)
		return;
	printk("page_alloc: order-%u allocation (gfp 0x%x) failed for %pS: %s; "
	       "free pages: DMA %lu, Normal %lu\n",
	       order, gfp, (void *)caller, mm_strerror(err),
	       zone_free_pages(&zones[ZONE_DMA]),
	       zone_free_pages(&zones[ZONE_NORMAL]));
}

/*
 * Ask the layer above (the slab's per-CPU caches and empty slabs) to give
 * pages back.  Not re-entered: a reclaimer whose own frees fail over to
 * here gets nothing more.  True when any page came back.
 */
static bool try_reclaim(void)
{
	static unsigned int busy[NR_CPUS];
	unsigned long (*fn)(void) = READ_ONCE(reclaim_fn);
	unsigned int cpu = arch_cpu_id();
	unsigned long got;

	if (!fn || busy[cpu])
		return false;
	busy[cpu] = 1;
	got = fn();
	busy[cpu] = 0;
	if (got)
		drain_all_pages();
	return got != 0;
}

/* Everything but a per-CPU list hit (section 5). */
static __attribute__((noinline)) struct page *
alloc_slow(gfp_t gfp, unsigned int order, unsigned long caller)
{
	bool refused = false;
	struct page *pg;

	if (order >= MAX_ORDER || !gfp_valid(gfp)) {
		alloc_failed(gfp, order, MM_EINVAL, caller);
		return NULL;
	}
	pg = get_page(gfp, order, &refused);
	if (!pg) {
		drain_all_pages();
		pg = get_page(gfp, order, &refused);
	}
	if (!pg && try_reclaim()) {
		refused = false;
		pg = get_page(gfp, order, &refused);
	}
	if (!pg) {
		alloc_failed(gfp, order, refused ? MM_EWATERMARK : MM_ENOMEM,
			     caller);
		return NULL;
	}
	if (gfp & __GFP_ZERO)
		memset(page_address(pg), 0, PAGE_SIZE << order);
	return pg;
}

/* How the hooks (mm/hooks.h) see a page allocation or free. */
static struct mm_call page_call(gfp_t gfp, unsigned int order,
				unsigned long caller)
{
	return (struct mm_call){
		.kind = MM_KIND_PAGES,
		.size = order < MAX_ORDER ? PAGE_SIZE << order : 0,
		.order = order,
		.gfp = gfp,
		.caller = caller,
	};
}

/* The zone whose per-CPU list an order-0 request tries first: DMA for
 * GFP_DMA, else the first non-empty zone (pcp_pref, set at boot). */
static unsigned long pcp_pref = ZONE_NORMAL;

static inline unsigned long pcp_zone(gfp_t gfp)
{
	return (gfp & __GFP_DMA) ? ZONE_DMA : READ_ONCE(pcp_pref);
}

/* A per-CPU list hit, or NULL: order 0, valid flags, no zeroing. */
static inline struct page *alloc_fast(gfp_t gfp, unsigned int order)
{
	if (order != 0 || (gfp & ~(__GFP_ALL & ~__GFP_ZERO)))
		return NULL;
	return pcp_pop(pcp_zone(gfp));
}

/* With page owners on (mm/page_owner.h), every allocation comes here:
 * the same allocation, then the record. */
static __attribute__((noinline)) struct page *
alloc_owned(gfp_t gfp, unsigned int order, unsigned long caller)
{
	struct page *pg;

	page_owner_busy();
	pg = alloc_fast(gfp, order);
	if (!pg)
		pg = alloc_slow(gfp, order, caller);
	if (pg)
		page_owner_alloc(pg, order, gfp, caller);
	page_owner_done();
	return pg;
}

NO_FRAME struct page *__alloc_pages(gfp_t gfp, unsigned int order,
				    unsigned long caller)
{
	struct page *pg;

	if (page_owner_recording())
		return alloc_owned(gfp, order, caller);
	pg = alloc_fast(gfp, order);
	return pg ? pg : alloc_slow(gfp, order, caller);
}

/* The hooked path: fault injection and the on_alloc hook (transactions). */
static __attribute__((noinline)) struct page *
alloc_hooked(const struct mm_hooks *h, gfp_t gfp, unsigned int order,
	     unsigned long caller)
{
	struct mm_call call = page_call(gfp, order, caller);
	struct page *pg;
	int err;

	if (h->should_fail && h->should_fail(&call)) {
		/* counted as injected apart from real failures (mm/stats.c) */
		alloc_failed(gfp | __GFP_NOWARN, order, MM_EFAULT_INJECTED,
			     caller);
		return NULL;
	}
	pg = __alloc_pages(gfp, order, caller);
	if (pg && h->on_alloc && (err = h->on_alloc(&call, pg))) {
		__free_pages(pg, order, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	return pg;
}

/* valgrind (mm/vg.h): the block of a handed-out or returned page. */
static inline struct page *vg_pages(struct page *pg, unsigned int order,
				    gfp_t gfp)
{
	if (VG_ON && pg)
		vg_alloc(page_address(pg), PAGE_SIZE << order,
			 PAGE_SIZE << order, gfp & __GFP_ZERO);
	return pg;
}

static inline void vg_pages_free(struct page *pg)
{
	if (VG_ON && page_in_mem_map(pg))
		vg_free(page_address(pg));
}

/* alloc_pages() off its fast path: hooks installed (h), or page owners
 * on.  One call for both, h last: the fast path's registers stay put. */
static __attribute__((noinline)) struct page *
alloc_public_slow(gfp_t gfp, unsigned int order, unsigned long caller,
		  const struct mm_hooks *h)
{
	if (h)
		return alloc_hooked(h, gfp, order, caller);
	return alloc_owned(gfp, order, caller);
}

NO_FRAME struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	const struct mm_hooks *h = mm_hooks_get();
	struct page *pg;

	if (__builtin_expect(h || page_owner_recording(), 0))
		return vg_pages(alloc_public_slow(gfp, order, CALLER, h), order,
				gfp);
	pg = alloc_fast(gfp, order);
	return vg_pages(pg ? pg : alloc_slow(gfp, order, CALLER), order, gfp);
}

void *alloc_pages_addr(gfp_t gfp, unsigned int order)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct page *pg = __alloc_pages(gfp, order, caller);

	return pg ? page_address(pg) : NULL;
}

/* ---- free ------------------------------------------------------------------- */

/* Everything but a per-CPU list push: the checks and the buddy path;
 * false (nothing done) when the free is refused.  Inlined into both of
 * its callers: a call of its own costs the buddy free ~20 instructions. */
static inline __attribute__((always_inline)) bool free_checked(struct page *pg, unsigned int order)
{
	struct zone *z;
	unsigned long flags;
	bool ok;

	if (!pg)
		return true;
	if (!page_in_mem_map(pg) || order >= MAX_ORDER)
		return false;
	z = page_zone(pg);
	if (order == 0 && !(page_load_state(pg).flags & PG_KIND_MASK)) {
		ok = pcp_push(z, pg); /* only PGKIND_OTHER pages go there */
	} else {
		flags = spin_lock_irqsave(&z->lock);
		ok = claim(pg, order);
		if (ok) {
			z->nr_freed[order]++;
			buddy_free(z, page_to_pfn(pg), order);
		}
		spin_unlock_irqrestore(&z->lock, flags);
	}
	return ok;
}

static __attribute__((noinline)) void
free_slow(struct page *pg, unsigned int order, unsigned long caller)
{
	if (!free_checked(pg, order))
		page_report_bad_free(pg, order, caller);
}

/* A per-CPU list push; false (nothing done) when not a plain order-0
 * free of a valid page: free_slow() then checks and reports. */
static inline bool free_fast(struct page *pg, unsigned int order)
{
	uintptr_t off = (uintptr_t)pg - fast_map.base;

	/* page_in_mem_map(pg): one compare covers both bounds */
	return order == 0 && off < fast_map.bytes &&
	       !(off % sizeof(struct page)) && pcp_push_fast(pg);
}

/* With page owners on, every free comes here: the record first (the
 * block may be allocated again the moment it is back), then the free;
 * a refused free gets its record back before the report reads it. */
static __attribute__((noinline)) void
free_owned(struct page *pg, unsigned int order, unsigned long caller)
{
	struct page_owner old;
	uint64_t seq;
	bool ok;

	page_owner_busy();
	seq = pg ? page_owner_free_begin(pg, caller, &old) : 0;
	ok = free_fast(pg, order) || free_checked(pg, order);
	if (!ok)
		page_owner_free_refused(pg, seq, &old);
	page_owner_done();
	if (!ok)
		page_report_bad_free(pg, order, caller);
}

NO_FRAME void __free_pages(struct page *pg, unsigned int order,
			   unsigned long caller)
{
	if (page_owner_recording())
		return free_owned(pg, order, caller);
	if (!free_fast(pg, order))
		free_slow(pg, order, caller);
}

/* The hooked path: a hook may take over a block that is validly freed. */
static __attribute__((noinline)) void free_hooked(const struct mm_hooks *h,
						  struct page *pg,
						  unsigned int order,
						  unsigned long caller)
{
	if (h->on_free && page_in_mem_map(pg) && order < MAX_ORDER) {
		struct page seen = page_load_state(pg);
		struct mm_call call = page_call(0, order, caller);

		if ((seen.flags & PG_head) && seen.order == order &&
		    !(seen.flags & PG_OWNER_MASK) && h->on_free(&call, pg))
			return;
	}
	vg_pages_free(pg);
	__free_pages(pg, order, caller);
}

/* free_pages() off its fast path: hooks installed (h), or page owners
 * on (as alloc_public_slow()). */
static __attribute__((noinline)) void free_public_slow(struct page *pg,
							unsigned int order,
							unsigned long caller,
							const struct mm_hooks *h)
{
	if (h) {
		free_hooked(h, pg, order,
			    caller); /* tells valgrind unless deferred */
		return;
	}
	vg_pages_free(pg);
	free_owned(pg, order, caller);
}

NO_FRAME void free_pages(struct page *pg, unsigned int order)
{
	const struct mm_hooks *h = mm_hooks_get();

	if (__builtin_expect(h || page_owner_recording(), 0))
		return free_public_slow(pg, order, CALLER, h);
	vg_pages_free(pg);
	if (!free_fast(pg, order))
		free_slow(pg, order, CALLER);
}

void page_alloc_set_reclaim(unsigned long (*reclaim)(void))
{
	__atomic_store_n(&reclaim_fn, reclaim, __ATOMIC_RELEASE);
}

/* ---- addresses and counts --------------------------------------------------- */

struct page *virt_to_page(const void *addr)
{
	unsigned long pfn;

	if (!mem_map || !addr)
		return NULL;
	pfn = (unsigned long)(arch_virt_to_phys(addr) >> PAGE_SHIFT);
	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

struct page *page_block_head(struct page *pg)
{
	unsigned long pfn;
	struct page seen;

	if (!page_in_mem_map(pg))
		return NULL;
	seen = page_load_state(pg);
	if (seen.flags & PG_head)
		return pg;
	if (seen.flags & (PG_buddy | PG_pcp | PG_reserved))
		return NULL;
	pfn = page_to_pfn(pg);
	for (unsigned int o = 1; o < MAX_ORDER; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);

		if (head == pfn || !pfn_valid(head))
			continue;
		seen = page_load_state(pfn_to_page(head));
		if (seen.flags & (PG_buddy | PG_pcp | PG_reserved))
			return NULL;
		if ((seen.flags & PG_head) && seen.order >= o)
			return pfn_to_page(head);
	}
	return NULL;
}

unsigned long zone_free_pages(const struct zone *z)
{
	unsigned long n = READ_ONCE(z->free_pages);

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		n += READ_ONCE(z->pcp[cpu].count);
	return n;
}

unsigned long zone_free_blocks(const struct zone *z, unsigned int order)
{
	return order < MAX_ORDER ? READ_ONCE(z->free_area[order].nr_free) : 0;
}

unsigned long nr_free_pages(void)
{
	unsigned long n = 0;
	struct zone *z;

	for_each_zone (z)
		n += zone_free_pages(z);
	return n;
}

/* ---- boot ------------------------------------------------------------------- */

void zone_init_span(enum zone_type t, unsigned long start_pfn,
		    unsigned long end_pfn, unsigned long present)
{
	struct zone *z = &zones[t];

	fast_map.base = (uintptr_t)mem_map;
	fast_map.bytes = mem_map ? (memmap_end_pfn - memmap_start_pfn) *
					   sizeof(struct page)
				 : 0;
	spin_lock_init(&z->lock, t == ZONE_DMA ? "zone DMA" : "zone Normal");
	z->name = zone_names[t];
	z->start_pfn = start_pfn;
	z->end_pfn = end_pfn > start_pfn ? end_pfn : start_pfn;
	z->present_pages = present;
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		for (unsigned int k = 0; k < NR_PGKINDS; k++)
			list_init(&z->free_area[o].free_list[k]);
	zone_init_pageblocks(z);
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		list_init(&z->pcp[cpu].list);
}

void page_alloc_free_boot_range(unsigned long start, unsigned long end)
{
	for (unsigned long pfn = start; pfn < end; pfn++)
		pfn_to_page(pfn)->flags = 0;
	while (start < end) {
		struct zone *z = page_zone(pfn_to_page(start));
		unsigned long stop = end < z->end_pfn ? end : z->end_pfn;
		unsigned int order;

		if (start >= z->end_pfn) /* beyond the pageblock map */
			break;
		order = page_run_order(start, stop - start);
		z->managed_pages += 1UL << order;
		buddy_free(z, start, order);
		pcp_pref = zone_is_empty(&zones[ZONE_NORMAL]) ? ZONE_DMA
							      : ZONE_NORMAL;
		start += 1UL << order;
	}
}

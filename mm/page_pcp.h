/* SPDX-License-Identifier: MIT */
/*
 * Inside the page allocator: what mm/page_alloc.c (the buddy core, the
 * entry points) and mm/page_pcp.c (the per-CPU lists' slow paths) share,
 * and the per-CPU fast paths themselves, inline here because the entry
 * points in page_alloc.c are built around them (theory: page_alloc.c,
 * sections 4 and 7).  Not for other subsystems.
 */
#ifndef MM_PAGE_PCP_H
#define MM_PAGE_PCP_H

#include "mm/internal.h"
#include "mm/page_alloc.h"

/* ---- the buddy core (page_alloc.c) --------------------------------------- */

/* Set a page's flags and order, its zone kept (one atomic store). */
void set_state(struct page *pg, unsigned int flags, unsigned int order);
/* Zone lock held: free the block (pfn, order), merging with its buddies. */
void buddy_free(struct zone *z, unsigned long pfn, unsigned int order);
/* Zone lock held: a block of exactly this order for kind, split off a
 * larger one, of another kind's when kind has none (section 8). */
struct page *buddy_take(struct zone *z, unsigned int order,
			enum page_kind kind);
/* Zone lock held: take the free block pg of order o off kind k's list and
 * split it down to order (its halves back on their lists). */
struct page *split_block(struct zone *z, struct page *pg, unsigned int o,
			 unsigned int order, enum page_kind k);
/* Zone lock held: the smallest block of order >= order of kind's own,
 * split down; NULL if kind has none. */
struct page *take_smallest(struct zone *z, unsigned int order,
			   enum page_kind kind);

/* Zone lock held: take the free block pg of order off kind k's list. */
void area_del(struct zone *z, struct page *pg, unsigned int order,
	      enum page_kind k);
/* Zone lock held, pages just taken off the lists: low-water bookkeeping. */
void zone_took(struct zone *z);
/* Make pg the head of an allocated block of this order and kind. */
void set_allocated(struct page *pg, unsigned int order, enum page_kind kind);

/* ---- requests ------------------------------------------------------------ */

/* The kind a request names (NR_PGKINDS and up: both kind bits, invalid). */
static inline unsigned int gfp_kind(gfp_t gfp)
{
	return (gfp & __GFP_KIND_MASK) / __GFP_SLAB;
}
/* Flags a page allocator entry point accepts: known bits, one kind at
 * most (else MM_EINVAL). */
static inline bool gfp_valid(gfp_t gfp)
{
	return !(gfp & ~(__GFP_ALL | __GFP_KIND_MASK)) &&
	       gfp_kind(gfp) < NR_PGKINDS;
}
/* The zones a request may use, preferred first; returns how many. */
unsigned int zonelist(gfp_t gfp, enum zone_type list[MAX_NR_ZONES]);
/* The free pages a request must leave in z (fallback: not its first). */
unsigned long zone_mark(const struct zone *z, gfp_t gfp, bool fallback);
/* Count and report a failed request (order MAX_ORDER: not counted by
 * order); sets mm_last_error(). */
void alloc_failed(gfp_t gfp, unsigned int order, enum mm_error err,
		  unsigned long caller);

/* ---- grouping by kind (page_kind.c) ---------------------------------------- */

/* Boot: z's piece of the pageblock map, every pageblock PGKIND_OTHER. */
void zone_init_pageblocks(struct zone *z);
/* Pageblocks in z's span (entries of its piece of the map). */
unsigned long zone_nr_pageblocks(const struct zone *z);
/* For validators: do nr entries from z->pb_kind lie inside the map? */
bool zone_pageblocks_ok(const struct zone *z, unsigned long nr);
/* Zone lock held: a block for kind from another kind's (claiming its
 * pageblock when the block is at least half of one); NULL if none. */
struct page *take_fallback(struct zone *z, unsigned int order,
			   enum page_kind kind);

/* Claim an allocated head of this order for freeing (one CAS); false and
 * nothing changed when it is not one. */
bool claim(struct page *pg, unsigned int order);
/* Zone lock held: may 2^order pages leave z with mark remaining? */
bool zone_ok(const struct zone *z, unsigned int order, unsigned long mark,
	     bool *refused);

/* ---- the per-CPU lists' slow paths (page_pcp.c) --------------------------- */

/* Order 0 from this hart's list of z, refilled first if empty; NULL when
 * the zone is below mark or empty. */
struct page *pcp_alloc(struct zone *z, unsigned long mark, bool *refused);
/* An order-0 free onto this hart's list, draining a batch if it is full;
 * false (nothing done) if pg is not an allocated order-0 head. */
bool pcp_push(struct zone *z, struct page *pg);

/* ---- the fast paths ---------------------------------------------------------- */

/*
 * The address of this hart's list, computed once.  GCC 12 otherwise
 * recomputes &zones[zi].pcp[cpu] (a multiply by sizeof(struct zone)) at
 * every use on the fast paths; an empty asm hides the value's origin.
 */
static inline struct per_cpu_pages *this_pcp(struct zone *z)
{
	/* int: the id is already sign-extended in its register, so it
	 * indexes without a zero-extension */
	struct per_cpu_pages *p = &z->pcp[(int)arch_cpu_id()];

	__asm__("" : "+r"(p));
	return p;
}

/* One attempt, for the fast paths: they leave a busy list to the slow
 * paths, so that they make no call and save no register. */
static inline bool pcp_trylock(struct per_cpu_pages *p)
{
	return !__atomic_exchange_n(&p->pcp_lock, 1, __ATOMIC_ACQUIRE);
}

static inline void pcp_release(struct per_cpu_pages *p)
{
	__atomic_store_n(&p->pcp_lock, 0, __ATOMIC_RELEASE);
}

/* The state word of an order-0 page of zone zi with these flags. */
static inline uint32_t zone_state(unsigned long zi, unsigned int flags)
{
	/* flags, order, zone from the low byte up (checked below) */
	return flags | (uint32_t)zi << 24;
}
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "zone_state() builds struct page's state word little-endian");

/* pcp_lock held: unlink the hottest page as an allocated head, or NULL. */
static inline struct page *pcp_take(unsigned long zi, struct per_cpu_pages *p)
{
	struct list_head *e = p->list.next;
	struct page *pg;

	if (e == &p->list)
		return NULL;
	pg = list_entry(e, struct page, lru);
	list_del(e); /* leaves pg->lru empty, as owners expect */
	p->count--;
	p->nr_alloc++;
	__atomic_store_n(&pg->state, zone_state(zi, PG_head), __ATOMIC_RELAXED);
	pg->u32 = 0;
	pg->private = 0;
	return pg;
}

/*
 * The fast path (section 7): the hottest page of this hart's list in zone
 * zi, or NULL when the list is empty.  No zone lock and no watermark:
 * pages on a per-CPU list were counted out of the zone when they came.
 */
static inline struct page *pcp_pop(unsigned long zi)
{
	unsigned long flags = arch_irq_save();
	struct per_cpu_pages *p = this_pcp(&zones[zi]);
	struct page *pg = NULL;

	if (pcp_trylock(p)) {
		pg = pcp_take(zi, p);
		pcp_release(p);
	}
	arch_irq_restore(flags);
	return pg;
}

/*
 * The fast path of an order-0 free: true when pg is now on this hart's
 * list.  False, with nothing done, when the list is busy (a remote drain)
 * or full (a drain is due), or when pg's state word is not exactly that
 * of a plain allocated order-0 head (owner bits still set, a free page, a
 * tail, a reserved frame ...): the slow path then does it all, or reports
 * the bad free.  The state changes with one compare-and-swap from that
 * exact value, so a double free racing on two harts succeeds at most
 * once, and the owner's fields are left for allocation to reset.
 */
static inline bool pcp_push_fast(struct page *pg)
{
	uint32_t seen = __atomic_load_n(&pg->state, __ATOMIC_RELAXED);
	unsigned long zi = seen >> 24; /* the zone byte (zone_state()) */
	uint32_t head = zone_state(zi, PG_head);
	unsigned long flags = arch_irq_save();
	struct per_cpu_pages *p = this_pcp(&zones[zi]);
	bool ok = false;

	if (pcp_trylock(p)) {
		unsigned int count = p->count;

		if (count < p->high &&
		    __atomic_compare_exchange_n(
			    &pg->state, &head, zone_state(zi, PG_pcp), false,
			    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			list_add(&pg->lru, &p->list);
			p->count = count + 1;
			ok = true;
		}
		pcp_release(p);
	}
	arch_irq_restore(flags);
	return ok;
}

#endif /* MM_PAGE_PCP_H */

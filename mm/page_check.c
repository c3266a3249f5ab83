/* SPDX-License-Identifier: MIT */
/*
 * Checking the page allocator: the bad-free classifier and reporter, the
 * validator (invariants 3a-3e of mm/page_alloc.c), and the buddyinfo /
 * zoneinfo reports.
 */
#include <stdarg.h>
#include "mm/page_alloc.h"
#include "mm/page_owner.h"
#include "mm/page_pcp.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "lib/printk.h"

unsigned long page_alloc_bad_frees[NR_BAD_FREE];

static const char *const bad_free_names[NR_BAD_FREE] = {
	[BAD_FREE_OUTSIDE] = "not a page of any zone",
	[BAD_FREE_ORDER] = "order out of range",
	[BAD_FREE_MISALIGNED] = "page not aligned to the order",
	[BAD_FREE_DOUBLE] = "double free: already free",
	[BAD_FREE_WRONG_ORDER] = "wrong order",
	[BAD_FREE_TAIL] = "tail page of a larger block",
	[BAD_FREE_NOT_ALLOCATED] = "not an allocated block",
	[BAD_FREE_OWNED] = "block of another allocator",
};

const char *bad_free_name(enum bad_free_kind kind)
{
	return (unsigned int)kind < NR_BAD_FREE ? bad_free_names[kind] : "?";
}

/* ---- bad frees --------------------------------------------------------------- */

/*
 * Zone lock held: the block (free or allocated) that covers pfn from below,
 * if any.  At most MAX_ORDER-1 probes of the aligned frames under pfn.
 */
static const struct page *covering_head(const struct zone *z, unsigned long pfn)
{
	for (unsigned int o = 1; o < MAX_ORDER; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);
		const struct page *h;
		struct page seen;

		if (head == pfn)
			continue;
		if (head < z->start_pfn)
			break;
		h = pfn_to_page(head);
		seen = page_load_state(h);
		if ((seen.flags & (PG_buddy | PG_head)) && seen.order >= o)
			return h;
	}
	return NULL;
}

/* Who owns a block whose head carries these owner bits. */
static const char *owner_name(unsigned int flags)
{
	if (flags & PG_slab)
		return "a slab (PG_slab): free its objects with "
		       "kmem_cache_free()";
	if (flags & PG_large)
		return "a large kmalloc block (PG_large): kfree() it";
	if (flags & PG_owner1)
		return "a DMA buffer or DMA pool chunk (PG_owner1)";
	if (flags & PG_owner2)
		return "an arena chunk (PG_owner2)";
	if (flags & PG_run)
		return "a later block of a run of pages (PG_run): free the "
		       "run from its first page";
	return "a block of an unknown owner";
}

static enum bad_free_kind classify_locked(const struct page *pg,
					  unsigned int order, char *why,
					  size_t len)
{
	const struct zone *z = page_zone(pg);
	unsigned long pfn = page_to_pfn(pg);
	struct page seen = page_load_state(pg);
	const struct page *h;

	if (seen.flags & (PG_buddy | PG_pcp)) {
		ksnprintf(why, len, " (on a %s list)",
			  (seen.flags & PG_buddy) ? "buddy" : "per-CPU");
		return BAD_FREE_DOUBLE;
	}
	if ((seen.flags & PG_head) && (seen.flags & PG_OWNER_MASK)) {
		ksnprintf(why, len, " (%s)", owner_name(seen.flags));
		return BAD_FREE_OWNED;
	}
	if (seen.flags & PG_head) {
		if (seen.order == order)
			return BAD_FREE_NOT_ALLOCATED; /* lost a race */
		ksnprintf(why, len, " (allocated as order %u)", seen.order);
		return BAD_FREE_WRONG_ORDER;
	}
	h = covering_head(z, pfn);
	if (!h)
		return BAD_FREE_NOT_ALLOCATED;
	ksnprintf(why, len, " (inside the %s order-%u block at pfn 0x%lx)",
		  (h->flags & PG_buddy) ? "free" : "allocated", h->order,
		  page_to_pfn(h));
	return (h->flags & PG_buddy) ? BAD_FREE_DOUBLE : BAD_FREE_TAIL;
}

static enum bad_free_kind classify(struct page *pg, unsigned int order,
				   char *why, size_t len)
{
	struct zone *z;
	unsigned long flags;
	enum bad_free_kind kind;

	if (!page_in_mem_map(pg))
		return BAD_FREE_OUTSIDE;
	if (page_load_state(pg).flags & PG_reserved) {
		ksnprintf(why, len, " (reserved frame, pfn 0x%lx)",
			  page_to_pfn(pg));
		return BAD_FREE_OUTSIDE;
	}
	if (order >= MAX_ORDER)
		return BAD_FREE_ORDER;
	if (page_to_pfn(pg) & ((1UL << order) - 1)) {
		ksnprintf(why, len, " (pfn 0x%lx)", page_to_pfn(pg));
		return BAD_FREE_MISALIGNED;
	}
	z = page_zone(pg);
	flags = spin_lock_irqsave(&z->lock);
	kind = classify_locked(pg, order, why, len);
	spin_unlock_irqrestore(&z->lock, flags);
	return kind;
}

void page_report_bad_free(struct page *pg, unsigned int order,
			  unsigned long caller)
{
	char why[96] = "", owner[224];
	enum bad_free_kind kind = classify(pg, order, why, sizeof(why));

	__atomic_fetch_add(&page_alloc_bad_frees[kind], 1, __ATOMIC_RELAXED);
	mm_set_error(MM_EBADFREE);
	page_owner_describe(pg, owner, sizeof(owner));
	printk("page_alloc: bad free_pages(%p, order %u) from %pS: %s%s; "
	       "refused\n",
	       (void *)pg, order, (void *)caller, bad_free_names[kind], why);
	if (owner[0])
		printk("page_alloc:   %s\n", owner);
}

/* ---- the validator ----------------------------------------------------------- */

#define OWNER_BAD_KEPT 4 /* wrong page owner records reported one by one */

struct vstate {
	const struct zone *z;
	unsigned int nr_msgs;
	bool ok;
	unsigned long free_blocks[MAX_ORDER];
	unsigned long alloc_blocks[MAX_ORDER];
	unsigned long pcp_pages, reserved, free_pages, alloc_pages;
	bool owners; /* check page owner records (page_owner_quiet()) */
	unsigned int nr_owner_bad; /* records found wrong */
	char owner_bad[OWNER_BAD_KEPT][128]; /* the first ones' reports */
};

static void __printf(2, 3) vfail(struct vstate *v, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	v->ok = false;
	if (++v->nr_msgs > 8)
		return;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("page_alloc_validate: zone %s: %s\n", v->z->name, buf);
}

/* A free or allocated block at pfn: alignment, bounds, clean tail pages. */
static unsigned long scan_block(struct vstate *v, unsigned long pfn,
				const struct page *pg)
{
	const struct zone *z = v->z;
	unsigned int o = pg->order;
	unsigned long end;

	if (o >= MAX_ORDER) {
		vfail(v, "pfn 0x%lx: order %u out of range", pfn, o);
		return pfn + 1;
	}
	end = pfn + (1UL << o); /* only now: o may be anything above */
	if (pfn & ((1UL << o) - 1))
		vfail(v, "pfn 0x%lx: order-%u block misaligned", pfn, o);
	if (end > z->end_pfn) {
		vfail(v, "pfn 0x%lx: order-%u block leaves the zone", pfn, o);
		end = z->end_pfn;
	}
	for (unsigned long t = pfn + 1; t < end; t++)
		if (pfn_to_page(t)->flags & PG_ALLOC_MASK)
			vfail(v,
			      "pfn 0x%lx (flags 0x%x) overlaps the "
			      "order-%u block at pfn 0x%lx",
			      t, pfn_to_page(t)->flags, o, pfn);
	return end;
}

static void scan_free_block(struct vstate *v, unsigned long pfn,
			    const struct page *pg)
{
	unsigned int o = pg->order;
	unsigned long buddy = pfn ^ (1UL << o);

	if (pg->flags != PG_buddy)
		vfail(v, "free pfn 0x%lx has flags 0x%x", pfn, pg->flags);
	if (o < MAX_ORDER - 1 && buddy >= v->z->start_pfn &&
	    buddy < v->z->end_pfn && (pfn_to_page(buddy)->flags & PG_buddy) &&
	    pfn_to_page(buddy)->order == o)
		vfail(v, "free buddies 0x%lx and 0x%lx of order %u not merged",
		      pfn, buddy, o);
	v->free_blocks[o]++;
	v->free_pages += 1UL << o;
}

/*
 * A live block whose page owner record is wrong, kept until the scan
 * ends: a record is written outside the zone's locks, so a report stands
 * only if no allocation or free was writing one when the scan began or
 * ended (every writer of this zone's records then waits for its locks).
 */
static void owner_fail(struct vstate *v, unsigned long pfn, const char *why)
{
	if (v->nr_owner_bad < OWNER_BAD_KEPT)
		ksnprintf(v->owner_bad[v->nr_owner_bad], sizeof(v->owner_bad[0]),
			  "allocated pfn 0x%lx: %s", pfn, why);
	v->nr_owner_bad++;
}

static void owner_report(struct vstate *v)
{
	if (!v->nr_owner_bad || !page_owner_quiet())
		return;
	for (unsigned int i = 0; i < v->nr_owner_bad && i < OWNER_BAD_KEPT; i++)
		vfail(v, "%s", v->owner_bad[i]);
	if (v->nr_owner_bad > OWNER_BAD_KEPT)
		vfail(v, "%u more page owner records wrong",
		      v->nr_owner_bad - OWNER_BAD_KEPT);
}

/* Walk the zone frame by frame: every frame in exactly one state (3a-3c). */
static void scan_zone(struct vstate *v)
{
	const struct zone *z = v->z;
	unsigned long pfn = z->start_pfn;

	while (pfn < z->end_pfn) {
		const struct page *pg = pfn_to_page(pfn);
		unsigned int f = pg->flags & PG_ALLOC_MASK & ~PG_KIND_MASK;
		unsigned int kind = pg->flags & PG_KIND_MASK;

		if (pg->zone != (unsigned int)(z - zones))
			vfail(v, "pfn 0x%lx says zone %u", pfn, pg->zone);
		if (kind && (f != PG_head || kind == PG_KIND_MASK))
			vfail(v, "pfn 0x%lx: kind bits on flags 0x%x", pfn,
			      pg->flags);
		if (f == PG_reserved || f == PG_pcp) {
			if (f == PG_pcp)
				v->pcp_pages++;
			else
				v->reserved++;
			pfn++;
			continue;
		}
		if (f != PG_buddy && f != PG_head) {
			vfail(v, "pfn 0x%lx in no state (flags 0x%x)", pfn,
			      pg->flags);
			pfn++;
			continue;
		}
		if (f == PG_buddy && pg->order < MAX_ORDER) {
			scan_free_block(v, pfn, pg);
		} else if (pg->order < MAX_ORDER) {
			char why[96];

			v->alloc_blocks[pg->order]++;
			v->alloc_pages += 1UL << pg->order;
			if (v->owners &&
			    !page_owner_check(pg, pg->order, why, sizeof(why)))
				owner_fail(v, pfn, why);
		}
		pfn = scan_block(v, pfn, pg);
	}
}

/* Walk one list: entries well linked, in the zone, in the expected state.
 * The walk ends on any link that is not a page of the zone and after as
 * many entries as the zone has frames (a cycle). */
static unsigned long walk_list(struct vstate *v, const struct list_head *head,
			       unsigned int flag, unsigned int order,
			       const char *what, int kind)
{
	unsigned long n = 0, limit = v->z->end_pfn - v->z->start_pfn + 1;
	const struct list_head *e;

	for (e = head->next; e != head; e = e->next, n++) {
		/* by integer arithmetic: e is not trusted yet */
		const struct page *pg =
			(const struct page *)((uintptr_t)e -
					      offsetof(struct page, lru));

		if (n == limit) {
			vfail(v, "%s list longer than the zone (a cycle?)",
			      what);
			break;
		}
		/* every link is range-checked before it is followed */
		if (!page_lru_link_ok(head, e) ||
		    page_to_pfn(pg) < v->z->start_pfn ||
		    page_to_pfn(pg) >= v->z->end_pfn) {
			vfail(v, "%s list holds %p, not a page of the zone",
			      what, (void *)pg);
			break;
		}
		if (!page_lru_link_ok(head, e->next) || e->next->prev != e) {
			vfail(v, "%s list broken after %p", what, (void *)pg);
			break;
		}
		if (pg->flags != flag || pg->order != order)
			vfail(v, "%s list: pfn 0x%lx has flags 0x%x order %u",
			      what, page_to_pfn(pg), pg->flags, pg->order);
		if (kind >= 0 &&
		    (int)pageblock_kind(v->z, page_to_pfn(pg)) != kind)
			vfail(v,
			      "pfn 0x%lx on the kind-%d list, its pageblock "
			      "is kind %u",
			      page_to_pfn(pg), kind,
			      pageblock_kind(v->z, page_to_pfn(pg)));
	}
	return n;
}

/* Buddy lists agree with their counters and the scan (3d). */
static void check_free_areas(struct vstate *v)
{
	const struct zone *z = v->z;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		const struct free_area *a = &z->free_area[o];
		unsigned long n = 0;

		for (int k = 0; k < NR_PGKINDS; k++) {
			unsigned long nk = walk_list(v, &a->free_list[k],
						     PG_buddy, o, "buddy", k);

			n += nk;
		}
		if (n != a->nr_free || n != v->free_blocks[o])
			vfail(v,
			      "order %u: list has %lu, nr_free %lu, scan "
			      "found %lu",
			      o, n, a->nr_free, v->free_blocks[o]);
	}
	if (v->free_pages != z->free_pages)
		vfail(v, "free_pages %lu, scan found %lu", z->free_pages,
		      v->free_pages);
	if (z->min_free_seen > z->free_pages)
		vfail(v, "lowest free %lu above free %lu", z->min_free_seen,
		      z->free_pages);
}

/* Per-CPU lists agree with their counts and the scan (3d); returns the
 * order-0 allocations minus frees they served. */
static unsigned long check_pcp(struct vstate *v)
{
	unsigned long pages = 0, allocs = 0, frees = 0;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct per_cpu_pages *p = &v->z->pcp[cpu];
		unsigned long n =
			walk_list(v, &p->list, PG_pcp, 0, "per-CPU", -1);

		if (n != p->count || (p->high && p->count > p->high))
			vfail(v, "cpu %u list has %lu, count %u, high %u", cpu,
			      n, p->count, p->high);
		pages += n;
		allocs += p->nr_alloc;
		frees += pcp_nr_free(p);
	}
	if (pages != v->pcp_pages)
		vfail(v, "per-CPU lists hold %lu, scan found %lu", pages,
		      v->pcp_pages);
	return allocs - frees;
}

/* Blocks in use per order agree with the counters; pages add up (3e). */
static void check_in_use(struct vstate *v, unsigned long pcp_live)
{
	const struct zone *z = v->z;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		unsigned long live = z->nr_alloc[o] - z->nr_freed[o];

		if (o == 0)
			live += pcp_live;
		if (live != v->alloc_blocks[o])
			vfail(v,
			      "order %u: counters say %lu blocks in use, "
			      "scan found %lu",
			      o, live, v->alloc_blocks[o]);
	}
	if (v->free_pages + v->pcp_pages + v->alloc_pages != z->managed_pages)
		vfail(v, "free %lu + per-CPU %lu + in use %lu != managed %lu",
		      v->free_pages, v->pcp_pages, v->alloc_pages,
		      z->managed_pages);
}

/* Every pageblock has a valid kind; the counts per kind agree (3f). */
static void check_pageblocks(struct vstate *v)
{
	const struct zone *z = v->z;
	unsigned long n[NR_PGKINDS] = {0}, nr = zone_nr_pageblocks(z);

	for (unsigned long i = 0; i < nr; i++) {
		if (z->pb_kind[i] >= NR_PGKINDS) {
			vfail(v, "pageblock %lu has kind %u", i, z->pb_kind[i]);
			continue;
		}
		n[z->pb_kind[i]]++;
	}
	for (unsigned int k = 0; k < NR_PGKINDS; k++)
		if (n[k] != z->nr_pageblocks[k])
			vfail(v, "kind %u: %lu pageblocks, nr_pageblocks %lu",
			      k, n[k], z->nr_pageblocks[k]);
}

static bool validate_zone(struct zone *z)
{
	struct vstate v = {.z = z, .ok = true};
	unsigned long flags;

	if (z->wmark[WMARK_MIN] > z->wmark[WMARK_LOW] ||
	    z->wmark[WMARK_LOW] > z->wmark[WMARK_HIGH])
		vfail(&v, "watermarks out of order");
	/* every walk below indexes the struct page array by the span */
	if (z->start_pfn > z->end_pfn || z->start_pfn < memmap_start_pfn ||
	    z->end_pfn > memmap_end_pfn) {
		vfail(&v, "span [0x%lx, 0x%lx) outside the struct page array",
		      z->start_pfn, z->end_pfn);
		return false;
	}
	/* ... and the free-list walks read the span's pageblock kinds */
	if (!zone_pageblocks_ok(z, zone_nr_pageblocks(z))) {
		vfail(&v, "pageblock map %p outside the map",
		      (void *)z->pb_kind);
		return false;
	}
	flags = zone_lock_all(z);
	v.owners = page_owner_quiet();
	scan_zone(&v);
	owner_report(&v);
	check_pageblocks(&v);
	check_free_areas(&v);
	check_in_use(&v, check_pcp(&v));
	zone_unlock_all(z, flags);
	return v.ok;
}

bool page_alloc_validate(void)
{
	bool ok = true;
	struct zone *z;

	if (!mem_map) {
		printk("page_alloc_validate: mm_init() has not run\n");
		return false;
	}
	if (zones[ZONE_DMA].end_pfn != zones[ZONE_NORMAL].start_pfn) {
		printk("page_alloc_validate: zones are not adjacent\n");
		ok = false;
	}
	for_each_zone (z)
		ok &= validate_zone(z);
	return ok;
}

/* ---- reports ----------------------------------------------------------------- */

void page_alloc_report_buddyinfo(void)
{
	struct zone *z;

	for_each_zone (z) {
		char line[160];
		int n = ksnprintf(line, sizeof(line), "Node 0, zone %8s ",
				  z->name);

		for (unsigned int o = 0; o < MAX_ORDER && n < (int)sizeof(line);
		     o++)
			n += ksnprintf(line + n, sizeof(line) - n, "%6lu ",
				       zone_free_blocks(z, o));
		printk("%s%s\n", line, zone_is_empty(z) ? " (empty)" : "");
	}
}

static void zoneinfo_pcp(const struct zone *z)
{
	unsigned int ncpu = arch_nr_cpus();

	printk("  pagesets (per-CPU order-0 lists)\n");
	for (unsigned int cpu = 0; cpu < ncpu && cpu < NR_CPUS; cpu++) {
		const struct per_cpu_pages *p = &z->pcp[cpu];

		printk("    cpu: %u count: %u high: %u batch: %u "
		       "allocs: %lu frees: %lu refills: %lu drains: %lu\n",
		       cpu, READ_ONCE(p->count), p->high, p->batch,
		       READ_ONCE(p->nr_alloc), pcp_nr_free(p),
		       READ_ONCE(p->nr_refill), READ_ONCE(p->nr_drain));
	}
}

static void zoneinfo_one(const struct zone *z)
{
	printk("Node 0, zone %8s\n", z->name);
	printk("  pages free     %lu\n", zone_free_pages(z));
	printk("        min      %lu\n", z->wmark[WMARK_MIN]);
	printk("        low      %lu\n", z->wmark[WMARK_LOW]);
	printk("        high     %lu\n", z->wmark[WMARK_HIGH]);
	printk("        spanned  %lu\n", z->end_pfn - z->start_pfn);
	printk("        present  %lu\n", z->present_pages);
	printk("        managed  %lu\n", z->managed_pages);
	printk("        lowmem_reserve %lu\n", z->lowmem_reserve);
	printk("  start_pfn:     0x%lx\n", z->start_pfn);
	printk("  lowest free    %lu (since boot, buddy lists)\n",
	       READ_ONCE(z->min_free_seen));
	printk("  splits %lu merges %lu low-watermark events %lu "
	       "refused by watermark %lu\n",
	       READ_ONCE(z->nr_split), READ_ONCE(z->nr_merge),
	       READ_ONCE(z->wm_low_events), READ_ONCE(z->wm_refusals));
	printk("  pageblocks: other %lu slab %lu large %lu; fallbacks to "
	       "another kind %lu, pageblocks claimed %lu\n",
	       READ_ONCE(z->nr_pageblocks[PGKIND_OTHER]),
	       READ_ONCE(z->nr_pageblocks[PGKIND_SLAB]),
	       READ_ONCE(z->nr_pageblocks[PGKIND_LARGE]),
	       READ_ONCE(z->nr_steal), READ_ONCE(z->nr_claim));
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		if (z->nr_alloc[o] || z->nr_fail[o])
			printk("  order %2u: buddy allocs %lu frees %lu "
			       "failed requests %lu\n",
			       o, READ_ONCE(z->nr_alloc[o]),
			       READ_ONCE(z->nr_freed[o]),
			       READ_ONCE(z->nr_fail[o]));
	zoneinfo_pcp(z);
}

void page_alloc_report_zoneinfo(void)
{
	struct zone *z;

	char line[160];
	int n = 0;

	for_each_zone (z)
		zoneinfo_one(z);
	for (unsigned int k = 0; k < NR_BAD_FREE && n < (int)sizeof(line); k++)
		n += ksnprintf(line + n, sizeof(line) - n, " %lu",
			       READ_ONCE(page_alloc_bad_frees[k]));
	printk("bad frees:%s (outside, order, misaligned, double, wrong order, "
	       "tail, not allocated)\n",
	       line);
}

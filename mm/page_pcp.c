/* SPDX-License-Identifier: MIT */
/*
 * The page allocator's per-CPU order-0 lists, their slow paths: taking the
 * list's lock, refilling a batch from the buddy lists, draining a batch
 * back, and draining every hart's lists.  The design (Linux's "pcp"), the
 * lock order and the fast paths are explained in mm/page_alloc.c,
 * sections 4 and 7; the fast paths are in mm/page_pcp.h.
 */
#include "mm/page_pcp.h"

static void pcp_acquire(struct per_cpu_pages *p)
{
	while (__atomic_exchange_n(&p->pcp_lock, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(p->pcp_lock))
			arch_cpu_relax();
}

/* pcp_lock held: move n pages from the list's cold end to the buddy lists. */
static void pcp_drain(struct zone *z, struct per_cpu_pages *p, unsigned int n)
{
	spin_lock(&z->lock);
	while (n-- && !list_empty(&p->list)) {
		struct page *pg = list_entry(p->list.prev, struct page, lru);

		list_del(&pg->lru);
		set_state(pg, 0, 0);
		p->count--;
		p->nr_out++;
		buddy_free(z, page_to_pfn(pg), 0);
	}
	p->nr_drain++;
	spin_unlock(&z->lock);
}

/* pcp_lock and zone lock held: put the 2^order pages at pg on the list. */
static void pcp_add_block(struct zone *z, struct per_cpu_pages *p,
			  struct page *pg, unsigned int order)
{
	uint32_t state = zone_state((unsigned long)(z - zones), PG_pcp);

	for (unsigned long i = 0; i < (1UL << order); i++) {
		__atomic_store_n(&pg[i].state, state, __ATOMIC_RELAXED);
		list_add_tail(&pg[i].lru, &p->list);
	}
}

/*
 * pcp_lock held: take up to one batch from the buddy lists, above mark,
 * page by page (as Linux's rmqueue_bulk() does): each page is checked
 * against the watermark, so the zone crosses its low mark, and reports
 * it, at exactly the page where it does.
 */
static void pcp_refill(struct zone *z, struct per_cpu_pages *p,
		       unsigned long mark, bool *refused)
{
	unsigned int n = 0;
	struct page *pg;

	spin_lock(&z->lock);
	while (n < p->batch && zone_ok(z, 0, mark, refused) &&
	       (pg = buddy_take(z, 0, PGKIND_OTHER))) {
		pcp_add_block(z, p, pg, 0);
		n++;
	}
	spin_unlock(&z->lock);
	p->count += n;
	p->nr_in += n;
	if (n)
		p->nr_refill++;
}

/* The slow order-0 path: refill from the buddy lists first if empty. */
struct page *pcp_alloc(struct zone *z, unsigned long mark, bool *refused)
{
	unsigned long flags = arch_irq_save();
	struct per_cpu_pages *p = &z->pcp[arch_cpu_id()];
	struct page *pg;

	pcp_acquire(p);
	if (list_empty(&p->list))
		pcp_refill(z, p, mark, refused);
	pg = pcp_take((unsigned long)(z - zones), p);
	pcp_release(p);
	arch_irq_restore(flags);
	return pg;
}

/* An order-0 free that may drain a batch; false (nothing done) if refused. */
bool pcp_push(struct zone *z, struct page *pg)
{
	unsigned long flags = arch_irq_save();
	struct per_cpu_pages *p = &z->pcp[arch_cpu_id()];
	bool ok;

	pcp_acquire(p);
	ok = claim(pg, 0); /* any owner bits, and races, are settled here */
	if (ok) {
		set_state(pg, PG_pcp, 0);
		list_add(&pg->lru, &p->list);
		if (++p->count > p->high)
			pcp_drain(z, p, p->batch);
	}
	pcp_release(p);
	arch_irq_restore(flags);
	return ok;
}

void drain_all_pages(void)
{
	struct zone *z;

	for_each_zone (z) {
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
			struct per_cpu_pages *p = &z->pcp[cpu];
			unsigned long flags;

			if (!READ_ONCE(p->count))
				continue;
			flags = arch_irq_save();
			pcp_acquire(p);
			pcp_drain(z, p, p->count);
			pcp_release(p);
			arch_irq_restore(flags);
		}
	}
}

unsigned long zone_lock_all(struct zone *z)
{
	unsigned long flags = arch_irq_save();

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		pcp_acquire(&z->pcp[cpu]);
	spin_lock(&z->lock);
	return flags;
}

void zone_unlock_all(struct zone *z, unsigned long flags)
{
	spin_unlock(&z->lock);
	for (unsigned int cpu = NR_CPUS; cpu-- > 0;)
		pcp_release(&z->pcp[cpu]);
	arch_irq_restore(flags);
}

/* SPDX-License-Identifier: MIT */
/*
 * Page owners (mm/page_owner.h): one record per frame of the memmap, in
 * an array that mm_init() carves out of RAM beside the struct page array
 * when mm.page_owner=1.  The page allocator's entry points write it
 * (mm/page_alloc.c, mm/page_run.c); the bad-free report, the `owners`
 * monitor command, the validator (mm/page_check.c) and GDB's mm-page read
 * it.  No lock: a record is written by the hart that owns the block at
 * that moment (the allocator before it hands the block out, the freer
 * before the block goes back), and the readers take a snapshot.
 */
#include "mm/page_owner.h"
#include "mm/caller_tally.h"
#include "mm/internal.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/spinlock.h"
#include "lib/string.h"

BOOTPARAM_BOOL(page_owner, "mm.page_owner", false,
	       "record who allocated and freed each page block");

bool page_owner_on __gp_hot; /* read by every page allocation and free */
static struct page_owner *owners;
static uint64_t owner_clock; /* page-owner events so far (atomic) */
/* Allocations and frees between their block's change and their record's:
 * while any is, a live block's record may lag its state (atomic). */
static unsigned long owner_busy;

void page_owner_busy(void)
{
	__atomic_fetch_add(&owner_busy, 1, __ATOMIC_SEQ_CST);
}

void page_owner_done(void)
{
	__atomic_fetch_sub(&owner_busy, 1, __ATOMIC_RELEASE);
}

bool page_owner_quiet(void)
{
	return __atomic_load_n(&owner_busy, __ATOMIC_ACQUIRE) == 0;
}

uint64_t page_owner_bytes(unsigned long frames)
{
	uint64_t bytes = (uint64_t)frames * sizeof(struct page_owner);

	if (!bootparam_bool("mm.page_owner"))
		return 0;
	return (bytes + PAGE_SIZE - 1) & PAGE_MASK;
}

void page_owner_setup(void *va, uint64_t bytes)
{
	memset(va, 0, bytes);
	owners = va;
	__atomic_store_n(&page_owner_on, true, __ATOMIC_RELEASE);
}

struct page_owner *page_owner_of(const struct page *pg)
{
	if (!page_owner_recording() || !page_in_mem_map(pg))
		return NULL;
	return &owners[pg - mem_map];
}

static uint64_t tick(void)
{
	return __atomic_add_fetch(&owner_clock, 1, __ATOMIC_RELAXED);
}

void page_owner_alloc(struct page *pg, unsigned int order, gfp_t gfp,
		      unsigned long caller)
{
	struct page_owner *po = page_owner_of(pg);

	if (!po)
		return;
	po->po_alloc_ip = caller;
	po->po_gfp = gfp;
	po->po_order = (uint8_t)order;
	po->po_alloc_cpu = (uint8_t)arch_cpu_id();
	WRITE_ONCE(po->po_alloc_seq, tick());
}

uint64_t page_owner_free_begin(struct page *pg, unsigned long caller,
			       struct page_owner *old)
{
	struct page_owner *po = page_owner_of(pg);
	uint64_t seq;

	if (!po)
		return 0;
	*old = *po;
	seq = tick();
	po->po_free_ip = caller;
	po->po_free_cpu = (uint8_t)arch_cpu_id();
	WRITE_ONCE(po->po_free_seq, seq);
	return seq;
}

void page_owner_free_refused(struct page *pg, uint64_t seq,
			     const struct page_owner *old)
{
	struct page_owner *po = page_owner_of(pg);

	if (!po || !seq || READ_ONCE(po->po_free_seq) != seq)
		return; /* none written, or another free wrote it since */
	po->po_free_ip = old->po_free_ip;
	po->po_free_cpu = old->po_free_cpu;
	WRITE_ONCE(po->po_free_seq, old->po_free_seq);
}

/* The record that says the most about pg: that of the live block's head
 * when pg lies inside a live block (a tail frame's own record is stale,
 * left from when it last headed a block), else pg's own. */
static const struct page_owner *record_for(const struct page *pg,
					   const struct page **head)
{
	const struct page_owner *po = page_owner_of(pg);
	struct page *h = po ? page_block_head((struct page *)pg) : NULL;

	*head = pg;
	if (h && h != pg) {
		*head = h;
		po = page_owner_of(h);
	}
	return po;
}

void page_owner_describe(const struct page *pg, char *buf, size_t len)
{
	const struct page *head;
	const struct page_owner *po = record_for(pg, &head);
	struct page_owner r;
	int n;

	buf[0] = '\0';
	if (!po)
		return;
	r = *po;
	if (!r.po_alloc_seq) {
		ksnprintf(buf, len, "page owner: never allocated since boot");
		return;
	}
	n = ksnprintf(buf, len,
		      "page owner%s: allocated by %pS on hart %u (event %llu, "
		      "order %u, gfp %#x)",
		      head != pg ? " of its block" : "", (void *)r.po_alloc_ip,
		      r.po_alloc_cpu, (unsigned long long)r.po_alloc_seq,
		      r.po_order, r.po_gfp);
	if (n < 0 || (size_t)n >= len)
		return;
	if (r.po_free_seq > r.po_alloc_seq)
		ksnprintf(buf + n, len - (size_t)n,
			  ", freed by %pS on hart %u (event %llu)",
			  (void *)r.po_free_ip, r.po_free_cpu,
			  (unsigned long long)r.po_free_seq);
	else
		ksnprintf(buf + n, len - (size_t)n, ", not freed since");
}

bool page_owner_check(const struct page *pg, unsigned int order, char *why,
		      size_t len)
{
	const struct page_owner *po = page_owner_of(pg);
	struct page_owner r;

	if (!po)
		return true;
	r = *po;
	if (!r.po_alloc_seq)
		ksnprintf(why, len, "its owner record says never allocated");
	else if (r.po_order != order)
		ksnprintf(why, len, "its owner record says order %u",
			  r.po_order);
	else if (r.po_free_seq > r.po_alloc_seq)
		ksnprintf(why, len,
			  "its owner record says freed (event %llu) after "
			  "its allocation (event %llu)",
			  (unsigned long long)r.po_free_seq,
			  (unsigned long long)r.po_alloc_seq);
	else
		return true;
	return false;
}

/* ---- the report: live blocks by caller ------------------------------------- */

#define REPORT_CALLERS 64 /* distinct callers summed; the rest as one line */
#define REPORT_SHOWN 16 /* lines printed */

void page_owner_report(void)
{
	static struct caller_sum sum[REPORT_CALLERS]; /* under report_lock */
	static spinlock_t report_lock = SPINLOCK_INIT("page_owner_report");
	struct caller_tally t;
	unsigned long flags;

	if (!page_owner_recording()) {
		printk("page_owner: off (boot with mm.page_owner=1)\n");
		return;
	}
	flags = spin_lock_irqsave(&report_lock);
	caller_tally_init(&t, sum, REPORT_CALLERS);
	for (unsigned long pfn = memmap_start_pfn; pfn < memmap_end_pfn;) {
		struct page seen = page_load_state(pfn_to_page(pfn));
		unsigned long ip = READ_ONCE(owners[pfn - memmap_start_pfn]
						     .po_alloc_ip);
		unsigned int o = seen.order < MAX_ORDER ? seen.order : 0;

		if (!(seen.flags & PG_head)) {
			pfn++;
			continue;
		}
		pfn += 1UL << o; /* a block: its tail frames are not heads */
		if (!(seen.flags & (PG_buddy | PG_pcp | PG_reserved)))
			caller_tally_add(&t, ip, 1UL << o);
	}
	caller_tally_sort(&t, REPORT_SHOWN);
	printk("page_owner: %lu live blocks, %lu pages, by the caller that "
	       "allocated them (most pages first):\n",
	       t.count, t.amount);
	for (unsigned int i = 0; i < t.nr; i++)
		printk("  %8lu pages %6lu blocks  %pS\n", sum[i].amount,
		       sum[i].count, (void *)sum[i].caller);
	if (t.other_count)
		printk("  %8lu pages %6lu blocks  (other callers)\n",
		       t.other_amount, t.other_count);
	spin_unlock_irqrestore(&report_lock, flags);
}

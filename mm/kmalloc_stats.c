/* SPDX-License-Identifier: MIT */
/*
 * kmalloc's counters, its usage report and its validator.
 *
 * Counters.  A size class is counted where its objects are: its caches'
 * per-hart counters (cc_nr_alloc and cc_nr_free of each kmem_cache_cpu,
 * which the slab layer keeps for every path, fast or slow) give its
 * allocations and frees, and cc_req holds the bytes kmalloc()'s fast path
 * was asked for.  So the fast paths add to nothing of kmalloc's own: the
 * pop or push and its hart's counter are one critical section
 * (mm/kmalloc_fast.c).  The other rows (zero-size, large, heap) and the
 * slow path's bytes asked for are in km_cpu_stats[hart], written only by
 * that hart with interrupts off: plain loads and stores (cc_count()),
 * which an interrupt cannot split and no other hart writes.  Readers sum
 * over harts.  Rare events (failures, bad frees, red-zone errors) use
 * shared atomic counters in km_slow.  Live = allocations - frees.
 * Allocations per mode: when the mode changes, the allocations counted
 * so far that followed the previous change are the old mode's
 * (km_stat_mode_switch()); those since the last change are the current
 * mode's.  A call that races with a change may be counted under either
 * mode; the sum over modes is always the total.
 * The peak of each size class is sampled where its magazine misses (every
 * refill goes through kmalloc's slow path), on every 64th slow-path
 * allocation of the class on a hart and on every snapshot; the peak of the
 * large, heap and zero rows on every allocation.  Reading allocations
 * before frees means a sample can only under-estimate, never invent a
 * peak.
 */
#include "mm/kmalloc_internal.h"
#include "mm/slab_internal.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "lib/printk.h"
#include "lib/string.h"

struct km_cpu_stats km_cpu_stats[NR_CPUS];
struct km_slow_stats km_slow;

/* ---- updates --------------------------------------------------------------------- */

/* Mode bookkeeping (km_stat_mode_switch()), under km_mode_lock. */
static spinlock_t km_mode_lock = SPINLOCK_INIT("kmalloc_modes");
static unsigned long km_mode_allocs[KMALLOC_NR_MODES]; /* ended periods */
static unsigned long km_mode_mark; /* all allocations at the last change */

/* A class's allocations, frees and bytes its fast path was asked for:
 * its caches' per-hart counters, all sets (normal, debug, DMA, DMA
 * debug), added to the totals given. */
static void class_counts(unsigned int row, unsigned long *allocs,
			 unsigned long *frees, unsigned long *req)
{
	for (unsigned int s = 0; s < KM_NR_SETS; s++) {
		const struct kmem_cache *c = km_caches[s][row];

		for (unsigned int h = 0; c && h < NR_CPUS; h++) {
			*allocs += READ_ONCE(c->kc_cpu[h].cc_nr_alloc);
			*frees += READ_ONCE(c->kc_cpu[h].cc_nr_free);
			*req += READ_ONCE(c->kc_cpu[h].cc_req);
		}
	}
}

/* A row's live count; its allocations, frees and bytes asked for into
 * the *_out that are not NULL. */
static long row_live(unsigned int row, unsigned long *allocs_out,
		     unsigned long *frees_out, unsigned long *req_out)
{
	unsigned long allocs = 0, frees = 0, req = 0;

	if (row < KMALLOC_NR_CLASSES) {
		class_counts(row, &allocs, &frees, &req);
	} else {
		for (unsigned int c = 0; c < NR_CPUS; c++) {
			allocs += READ_ONCE(km_cpu_stats[c].s_allocs[row]);
			frees += READ_ONCE(km_cpu_stats[c].s_frees[row]);
		}
	}
	for (unsigned int c = 0; req_out && c < NR_CPUS; c++)
		req += READ_ONCE(km_cpu_stats[c].s_req[row]);
	if (allocs_out)
		*allocs_out = allocs;
	if (frees_out)
		*frees_out = frees;
	if (req_out)
		*req_out = req;
	return (long)(allocs - frees);
}

/* Every allocation kmalloc has counted, all rows. */
static unsigned long all_allocs(void)
{
	unsigned long sum = 0, a;

	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++) {
		row_live(r, &a, NULL, NULL);
		sum += a;
	}
	return sum;
}

void km_stat_mode_switch(unsigned int old, unsigned int new_)
{
	unsigned long flags, now;

	if (old == new_ || old >= KMALLOC_NR_MODES)
		return;
	flags = spin_lock_irqsave(&km_mode_lock);
	now = all_allocs();
	km_mode_allocs[old] += now - km_mode_mark;
	km_mode_mark = now;
	spin_unlock_irqrestore(&km_mode_lock, flags);
}

/*
 * A class's live objects for its peak, which is sampled at every magazine
 * miss (so on every slow kmalloc): allocations minus frees of its caches
 * on the harts that run (arch_nr_cpus(): ids are dense and a hart counts
 * nothing before it runs), not all NR_CPUS slots, and without the bytes
 * asked for.  That halves the sum at 4 harts of 8 slots; the exact
 * counters (kmalloc_stats_get()) still read every slot.
 */
static long class_live(unsigned int row)
{
	unsigned int harts = arch_nr_cpus();
	long live = 0;

	for (unsigned int s = 0; s < KM_NR_SETS; s++) {
		const struct kmem_cache *c = km_caches[s][row];

		for (unsigned int h = 0; c && h < harts && h < NR_CPUS; h++)
			live += (long)(READ_ONCE(c->kc_cpu[h].cc_nr_alloc) -
				       READ_ONCE(c->kc_cpu[h].cc_nr_free));
	}
	return live;
}

void km_sample_peak(unsigned int row)
{
	long live = row < KMALLOC_NR_CLASSES ? class_live(row)
					     : row_live(row, NULL, NULL, NULL);
	unsigned long old = READ_ONCE(km_slow.peak[row]);

	while (live > 0 && (unsigned long)live > old &&
	       !__atomic_compare_exchange_n(&km_slow.peak[row], &old,
					    (unsigned long)live, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void km_stat_alloc(unsigned int row, size_t req, size_t given)
{
	unsigned long flags = arch_irq_save();
	struct km_cpu_stats *s = km_this_cpu_stats();
	unsigned long n = s->s_allocs[row];

	cc_count(&s->s_allocs[row], 1);
	cc_count(&s->s_req[row], req);
	if (row >= KMALLOC_NR_CLASSES)
		cc_count(&s->s_given[row], given);
	arch_irq_restore(flags);
	if (row >= KMALLOC_NR_CLASSES || (n & 63) == 63)
		km_sample_peak(row);
}

/* A class row's frees are its caches' (cc_nr_free): nothing to add. */
void km_stat_free(unsigned int row)
{
	unsigned long flags;

	if (row < KMALLOC_NR_CLASSES || row >= KMALLOC_NR_ROWS)
		return;
	flags = arch_irq_save();
	cc_count(&km_this_cpu_stats()->s_frees[row], 1);
	arch_irq_restore(flags);
}

void km_stat_fail(unsigned int mode, unsigned int row)
{
	km_add(&km_slow.fails[mode]
			     [row < KMALLOC_NR_ROWS ? row : KMALLOC_NR_ROWS],
	       1);
}

void km_stat_bad_free(unsigned int row)
{
	unsigned int mode = km_mode_now();

	if (row < KMALLOC_NR_ROWS)
		km_add(&km_slow.bad_frees[mode][row], 1);
	else
		km_add(&km_slow.bad_unowned, 1);
	km_add(&km_slow.bad_mode[mode], 1);
	mm_set_error(MM_EBADFREE);
}

/* ---- snapshot -------------------------------------------------------------------- */

static void fill_row(struct kmalloc_stats *st, unsigned int r)
{
	struct kmalloc_row_stats *rs = &st->row[r];
	long live = row_live(r, &rs->allocs, &rs->frees, &rs->bytes_req);

	km_sample_peak(r);
	rs->live = live > 0 ? (unsigned long)live : 0;
	rs->peak_live = READ_ONCE(km_slow.peak[r]);
	for (unsigned int c = 0; c < NR_CPUS; c++)
		rs->bytes_given += READ_ONCE(km_cpu_stats[c].s_given[r]);
	if (r < KMALLOC_NR_CLASSES)
		rs->bytes_given = rs->allocs * kmalloc_class_size[r];
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++) {
		rs->fails += READ_ONCE(km_slow.fails[m][r]);
		rs->bad_frees += READ_ONCE(km_slow.bad_frees[m][r]);
	}
}

void kmalloc_stats_get(struct kmalloc_stats *st)
{
	unsigned long flags;

	memset(st, 0, sizeof(*st));
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		fill_row(st, r);
	flags = spin_lock_irqsave(&km_mode_lock);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		st->mode_allocs[m] = km_mode_allocs[m];
	/* counters only grow: now >= the mark taken under the lock */
	st->mode_allocs[km_mode_now()] += all_allocs() - km_mode_mark;
	spin_unlock_irqrestore(&km_mode_lock, flags);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++) {
		for (unsigned int r = 0; r <= KMALLOC_NR_ROWS; r++)
			st->mode_fails[m] += READ_ONCE(km_slow.fails[m][r]);
		st->mode_bad_frees[m] = READ_ONCE(km_slow.bad_mode[m]);
	}
	st->hybrid_fallbacks = READ_ONCE(km_slow.hybrid_fallbacks);
	st->bad_frees_unowned = READ_ONCE(km_slow.bad_unowned);
	st->injected = READ_ONCE(km_slow.injected);
	st->redzone_errors = READ_ONCE(km_slow.redzone_errors);
	st->poison_errors = READ_ONCE(km_slow.poison_errors);
	st->zero_errors = READ_ONCE(km_slow.zero_errors);
	st->tracked = km_track_count();
	for (unsigned int i = 0; i < km_nr_heaps; i++)
		st->heap_bytes += (unsigned long)(km_heaps[i].sh_end -
						  km_heaps[i].sh_start);
}

/* ---- report ---------------------------------------------------------------------- */

/* Internal waste in tenths of a percent: (given - asked) / given. */
static unsigned long waste_permille(const struct kmalloc_row_stats *rs)
{
	if (!rs->bytes_given || rs->bytes_req >= rs->bytes_given)
		return 0;
	return (rs->bytes_given - rs->bytes_req) * 1000 / rs->bytes_given;
}

static void report_row(const struct kmalloc_stats *st, unsigned int r)
{
	const struct kmalloc_row_stats *rs = &st->row[r];
	unsigned long w = waste_permille(rs);
	char name[24];

	printk("kmalloc: %-13s %8lu %8lu %9lu %9lu %6lu %5lu %10lu %10lu "
	       "%3lu.%lu\n",
	       km_row_name(r, name, sizeof(name)), rs->live, rs->peak_live,
	       rs->allocs, rs->frees, rs->fails, rs->bad_frees,
	       rs->bytes_req >> 10, rs->bytes_given >> 10, w / 10, w % 10);
}

static void report_heaps(void)
{
	for (unsigned int i = 0; i < km_nr_heaps; i++) {
		struct sheap_stats ss;

		sheap_stats(&km_heaps[i], &ss);
		printk("kmalloc: heap %u [%p-%p) %zu KiB: %zu live blocks, "
		       "%zu KiB free in %zu blocks, largest %zu KiB, "
		       "min free %zu KiB\n",
		       i, (void *)km_heaps[i].sh_start,
		       (void *)km_heaps[i].sh_end, ss.ss_size >> 10, ss.ss_live,
		       ss.ss_free_bytes >> 10, ss.ss_free_blocks,
		       ss.ss_largest_free >> 10, ss.ss_min_free_bytes >> 10);
	}
}

void kmalloc_report(void)
{
	struct kmalloc_stats st;

	kmalloc_stats_get(&st);
	printk("kmalloc: mode %s, debug %s\n",
	       kmalloc_mode_name(kmalloc_get_mode()),
	       kmalloc_get_debug() ? "on" : "off");
	printk("kmalloc: %-13s %8s %8s %9s %9s %6s %5s %10s %10s %5s\n",
	       "class", "live", "peak", "allocs", "frees", "fails", "bad",
	       "asked KiB", "given KiB", "waste%");
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		report_row(&st, r);
	for (unsigned int m = 0; m < KMALLOC_NR_MODES; m++)
		printk("kmalloc: mode %-8s %9lu allocs %6lu fails %5lu bad "
		       "frees\n",
		       kmalloc_mode_name((enum kmalloc_mode)m),
		       st.mode_allocs[m], st.mode_fails[m],
		       st.mode_bad_frees[m]);
	printk("kmalloc: hybrid fallbacks %lu, unowned bad frees %lu, "
	       "injected %lu\n",
	       st.hybrid_fallbacks, st.bad_frees_unowned, st.injected);
	printk("kmalloc: debug: tracked %lu, red-zone errors %lu, writes "
	       "after free %lu, zero-size writes %lu\n",
	       st.tracked, st.redzone_errors, st.poison_errors, st.zero_errors);
	report_heaps();
}

/* ---- validator ------------------------------------------------------------------- */

/* Lock held: what is wrong with a page on km_large_list, or NULL. */
static const char *bad_large(const struct page *pg)
{
	struct page seen;

	if (!page_in_mem_map(pg))
		return "not a struct page";
	seen = page_load_state(pg);
	if ((seen.flags & (PG_head | PG_large)) != (PG_head | PG_large))
		return "lacks PG_head or PG_large";
	if (seen.flags & (PG_slab | PG_buddy | PG_pcp | PG_reserved))
		return "has a flag of another state";
	if (seen.order >= MAX_ORDER)
		return "order out of range";
	if ((pg->u32 & KM_LARGE_RUN) &&
	    page_run_check(pg, km_large_pages(pg), PG_large))
		return "a run whose page count does not match its blocks";
	if ((pg->u32 & KM_LARGE_SIZE_MASK) > km_large_pages(pg) << PAGE_SHIFT)
		return "size asked for exceeds the block";
	if (km_heap_of(page_address(pg)))
		return "inside a simple heap region";
	return NULL;
}

static bool validate_large(unsigned long *count)
{
	unsigned long flags = spin_lock_irqsave(&km_large_lock), n = 0;
	const char *why = NULL;
	struct list_head *e;

	/* e is checked to be in mem_map before list_entry() and ->next */
	for (e = km_large_list.next; e != &km_large_list; e = e->next) {
		if (!page_lru_link_ok(&km_large_list, e))
			why = "a list link outside the struct page array";
		else if (++n > memmap_end_pfn)
			why = "the list does not end";
		else
			why = bad_large(list_entry(e, struct page, lru));
		if (why)
			break;
	}
	spin_unlock_irqrestore(&km_large_lock, flags);
	*count = n;
	if (why && page_lru_link_ok(&km_large_list, e))
		printk("kmalloc: validate: large block page %p: %s\n",
		       (void *)list_entry(e, struct page, lru), why);
	else if (why)
		printk("kmalloc: validate: large block list link %p: %s\n",
		       (void *)e, why);
	return !why;
}

static bool validate_heaps(unsigned long *live)
{
	bool ok = true;

	*live = 0;
	for (unsigned int i = 0; i < km_nr_heaps; i++) {
		struct sheap_stats ss;

		if (!sheap_validate(&km_heaps[i]))
			ok = false;
		sheap_stats(&km_heaps[i], &ss);
		*live += ss.ss_live;
	}
	for (unsigned int i = 0; i < km_nr_heap_blocks; i++) {
		struct page seen = page_load_state(km_heap_blocks[i]);

		if ((seen.flags & (PG_head | PG_buddy | PG_pcp | PG_large |
				   PG_slab)) != PG_head) {
			printk("kmalloc: validate: heap block %p is no longer "
			       "an allocated block (flags 0x%x)\n",
			       (void *)km_heap_blocks[i], seen.flags);
			ok = false;
		}
	}
	return ok;
}

/* A walk's count against the live count of a row. */
static bool check_count(unsigned int row, unsigned long walked)
{
	long live = row_live(row, NULL, NULL, NULL);
	char name[24];

	if (live == (long)walked)
		return true;
	printk("kmalloc: validate: %s: %ld live by the counters, %lu by the "
	       "walk\n",
	       km_row_name(row, name, sizeof(name)), live, walked);
	return false;
}

static bool count_obj(struct kmem_cache *c, void *obj, unsigned long site,
		      void *arg)
{
	return true; /* kmem_cache_walk_live() counts */
}

/* Each class's live objects, walked in its four caches (the slab's view),
 * against kmalloc's counters; likewise the zero-size cache. */
static bool validate_classes(void)
{
	bool ok = true;

	for (unsigned int i = 0; i < KMALLOC_NR_CLASSES; i++) {
		unsigned long walked = 0;

		for (unsigned int s = 0; s < KM_NR_SETS; s++)
			walked += kmem_cache_walk_live(km_caches[s][i],
						       count_obj, NULL);
		ok &= check_count(i, walked);
	}
	return ok & check_count(KMALLOC_ROW_ZERO,
				kmem_cache_walk_live(km_zero_cache, count_obj,
						     NULL));
}

bool kmalloc_validate(void)
{
	unsigned long large = 0, heap = 0, held = 0;
	bool ok = true;

	if (!km_zero_cache)
		return true; /* not initialised */
	ok &= km_quarantine_validate(&held);
	ok &= validate_large(&large) && check_count(KMALLOC_ROW_LARGE, large);
	ok &= validate_heaps(&heap) &&
	      check_count(KMALLOC_ROW_HEAP, heap - held);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++) {
		char name[24];

		if (row_live(r, NULL, NULL, NULL) < 0) {
			printk("kmalloc: validate: %s: more frees than "
			       "allocations\n",
			       km_row_name(r, name, sizeof(name)));
			ok = false;
		}
	}
	ok &= validate_classes();
	ok &= km_track_validate();
	return ok;
}

/* SPDX-License-Identifier: MIT */
/*
 * The health checker: mm_validate(), and a verdict (healthy, degraded,
 * critical) with its reasons for each zone and for the allocators.
 *
 * 1. What is judged, and the references
 *
 *    Per zone (subjects "DMA zone", "Normal zone"):
 *    a. Free memory against the watermarks, as the allocator sees it (the
 *       buddy lists' free pages, which is what its watermark test
 *       compares): below min is CRITICAL (only GFP_ATOMIC and
 *       __GFP_MEMALLOC get there); below low is DEGRADED, and stays so
 *       until free rises above high again (the allocator's below_low flag:
 *       the hysteresis Linux gives kswapd between its low and high marks).
 *    b. External fragmentation: Linux's unusable free space index
 *       (mm/vmstat.c, unusable_free_index(), Mel Gorman 2010), for order
 *       k = (free pages - free pages in blocks of order >= k) / free pages,
 *       1 when nothing is free.  Above 0.500 at order 3 (MM_FRAG_ORDER,
 *       MM_FRAG_LIMIT) is DEGRADED, judged only while the zone has at
 *       least its high watermark free: a zone short of memory is
 *       fragmented as a matter of course and (a) already says what is
 *       wrong.
 *    c. The failure rate of page allocations preferring the zone over a
 *       recent window (section 2): above 1% over at least MM_RATE_MIN
 *       attempts is DEGRADED.  Injected failures are left out: a test
 *       asked for them.
 *    For the allocators as a whole (subject "allocators"):
 *    d. Corruption: the last mm_validate() failed, or an allocator's
 *       checks reported corruption since the baseline (the slab layer: a
 *       corrupt free word, red zone or poison; kmalloc's debug mode: a
 *       red zone, a write after free, a write into a zero-size block),
 *       is CRITICAL; frees that an allocator refused (double, invalid:
 *       pages, caches, kfree, TLSF heaps, each refusal counted once, see
 *       struct mm_stats) since the baseline are DEGRADED — refused frees
 *       did no damage, but a caller is wrong.
 *    e. Transactions: misuse reported (ending one that is not open, out
 *       of order, on another hart; one found still open at a test's end
 *       or at the idle loop) since the baseline is DEGRADED; so is a free
 *       that a transaction could not defer (its log was full), which an
 *       abort cannot restore.  Open transactions and injected failures
 *       are shown but never judged: a test asked for them.
 *    A subject's verdict is the worst of its reasons; the overall verdict
 *    the worst of all subjects.
 *
 * 2. The failure-rate window
 *
 *    Nothing is recorded per allocation (that would put this on the fast
 *    path).  Each evaluation reads the cumulative counters (attempts =
 *    allocations + real failures) and keeps a ring of RW_SLOTS snapshots,
 *    a new one whenever MM_RATE_WINDOW/4 attempts have passed since the
 *    newest.  The window runs from the newest snapshot at least
 *    MM_RATE_WINDOW attempts old (else the oldest) to now:
 *
 *      snapshots:  s0 ........ s1 ....... s2 ........ s3 .... now
 *      attempts:   0           300        600         900     1500
 *                              |<------------ window ---------->|
 *                              newest with >= 1024 attempts behind now
 *
 *    so it holds the last 1024 attempts or somewhat more (up to the gap
 *    to the snapshot before, which is one evaluation interval when
 *    evaluations are rare).  The baseline (boot, or the last
 *    mm_health_acknowledge()) is the first snapshot.
 *
 * 3. Where the checks run: never on an allocation fast path.
 *    - mm_health_get() / mm_health_check(): on demand (the monitor,
 *      mm_report(), tests) and at the end of mm_validate() (so after
 *      every test suite): every subject.
 *    - A zone crossing below low or back above high (from inside the page
 *      allocator, zone lock held) and an allocation failure preferring a
 *      zone: that zone only.  Nothing else is looked at there, so no
 *      other allocator's lock can be wanted while the zone lock is held.
 *    Each evaluation compares a subject's verdict with the last one
 *    logged and prints one line when it changed:
 *      mm: Normal zone healthy → degraded: free 3.1% below low watermark
 *          (612 < 620 pages)
 *
 * 4. Lock order:  zone->lock  ->  health_lock  ->  console lock
 *
 *    health_lock (a bare flag, taken with interrupts off) guards the
 *    windows, the baseline, the scratch verdict and the logged verdicts.
 *    The zone events only try it (another hart holding it is evaluating
 *    already); mm_health_get() spins for it.  Nothing here takes a zone
 *    lock: the counters are read with relaxed atomic loads.
 */
#include <stdarg.h>
#include "mm/health.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/kmalloc.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/txn.h"
#include "lib/printk.h"
#include "lib/string.h"

#define RW_SLOTS 8

struct rate_window {
	unsigned long a[RW_SLOTS], f[RW_SLOTS]; /* attempts, failures */
	unsigned int newest, n; /* n == 0: the boot baseline (0, 0) */
};

static unsigned int health_lock;
/* Guarded by health_lock. */
static struct rate_window zone_window[MAX_NR_ZONES];
static unsigned long bad_free_base; /* bad frees before the baseline */
static unsigned long corrupt_base; /* corruption reports before it */
static unsigned long misuse_base; /* transaction misuse before it */
static unsigned long lost_base; /* undeferrable frees before it */
static unsigned long fail_base[MAX_NR_ZONES]; /* real failures before it */
static enum mm_verdict logged[MM_NR_SUBJECTS];
static struct mm_health scratch; /* zone events' workspace */
/* Written by mm_validate() (atomics). */
static bool validate_failed;
static unsigned long validate_failures;

static const char *const verdict_names[] = {"healthy", "degraded", "critical"};
static const char *const subject_names[MM_NR_SUBJECTS] = {
	[MM_SUBJ_ZONE_DMA] = "DMA zone",
	[MM_SUBJ_ZONE_NORMAL] = "Normal zone",
	[MM_SUBJ_ALLOCATORS] = "allocators",
};

const char *mm_verdict_name(enum mm_verdict v)
{
	return (unsigned int)v <= MM_CRITICAL ? verdict_names[v] : "?";
}

const char *mm_subject_name(enum mm_subject s)
{
	return (unsigned int)s < MM_NR_SUBJECTS ? subject_names[s] : "?";
}

/* ---- the lock ------------------------------------------------------------- */

static bool health_trylock(void)
{
	return !__atomic_exchange_n(&health_lock, 1, __ATOMIC_ACQUIRE);
}

static unsigned long health_lock_irqsave(void)
{
	unsigned long flags = arch_irq_save();

	while (!health_trylock())
		while (READ_ONCE(health_lock))
			arch_cpu_relax();
	return flags;
}

static void health_unlock(void)
{
	__atomic_store_n(&health_lock, 0, __ATOMIC_RELEASE);
}

/* ---- figures -------------------------------------------------------------- */

unsigned int mm_unusable_index(const unsigned long nr_free[MAX_ORDER],
			       unsigned int order)
{
	unsigned long free = 0, suitable = 0;

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		free += nr_free[o] << o;
		if (o >= order)
			suitable += nr_free[o] << o;
	}
	if (!free) /* Linux: no free memory is all of it unusable */
		return 1000;
	return (unsigned int)((free - suitable) * 1000 / free);
}

/* Parts per mille of a in b, for "%lu.%lu%%" (one decimal of a percent). */
static unsigned long permille(unsigned long a, unsigned long b)
{
	return b ? a * 1000 / b : 0;
}

/* Read the window ending now and maybe push a snapshot (health_lock). */
static void window_update(struct rate_window *w, unsigned long a,
			  unsigned long f, struct mm_rate *r)
{
	unsigned int pick, idx;

	if (!w->n) { /* the boot baseline */
		w->a[0] = w->f[0] = 0;
		w->newest = 0;
		w->n = 1;
	}
	pick = (w->newest + RW_SLOTS - (w->n - 1)) % RW_SLOTS; /* oldest */
	for (unsigned int k = 0; k < w->n; k++) {
		idx = (w->newest + RW_SLOTS - k) % RW_SLOTS;
		if (a - w->a[idx] >= MM_RATE_WINDOW) {
			pick = idx;
			break;
		}
	}
	r->attempts = a - w->a[pick];
	r->failures = f - w->f[pick];
	r->rate_bp =
		(unsigned int)(r->attempts ? r->failures * 10000 / r->attempts
					   : 0);
	if (a - w->a[w->newest] >= MM_RATE_WINDOW / 4) {
		w->newest = (w->newest + 1) % RW_SLOTS;
		w->a[w->newest] = a;
		w->f[w->newest] = f;
		if (w->n < RW_SLOTS)
			w->n++;
	}
}

static void window_reset(struct rate_window *w, unsigned long a,
			 unsigned long f)
{
	w->newest = 0;
	w->n = 1;
	w->a[0] = a;
	w->f[0] = f;
}

/* ---- reasons -------------------------------------------------------------- */

static void __printf(4, 5)
	add_reason(struct mm_health *h, enum mm_subject s,
		   enum mm_verdict level, const char *fmt, ...)
{
	struct mm_health_reason *r;
	va_list ap;

	if (level > h->subject[s])
		h->subject[s] = level;
	if (h->nr_reasons == MM_HEALTH_MAX_REASONS) {
		h->reasons_cut = true;
		return;
	}
	r = &h->reason[h->nr_reasons++];
	r->subject = s;
	r->level = level;
	va_start(ap, fmt);
	kvsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

/* (a) free memory against the watermarks. */
static void judge_watermarks(struct mm_health *h, enum zone_type t)
{
	const struct mm_zone_health *zh = &h->zone[t];
	const struct zone *z = &zones[t];
	unsigned long pm = permille(zh->buddy_free, zh->managed);
	unsigned long min = z->wmark[WMARK_MIN], low = z->wmark[WMARK_LOW];
	unsigned long high = z->wmark[WMARK_HIGH];

	if (zh->buddy_free < min)
		add_reason(h, (enum mm_subject)t, MM_CRITICAL,
			   "free %lu.%lu%% below min watermark "
			   "(%lu < %lu pages)",
			   pm / 10, pm % 10, zh->buddy_free, min);
	else if (zh->buddy_free < low)
		add_reason(h, (enum mm_subject)t, MM_DEGRADED,
			   "free %lu.%lu%% below low watermark "
			   "(%lu < %lu pages)",
			   pm / 10, pm % 10, zh->buddy_free, low);
	else if (zh->below_low)
		add_reason(h, (enum mm_subject)t, MM_DEGRADED,
			   "free %lu.%lu%% not yet back above high "
			   "watermark (%lu < %lu pages)",
			   pm / 10, pm % 10, zh->buddy_free, high);
}

/* (b) and (c). */
static void judge_frag_and_failures(struct mm_health *h, enum zone_type t)
{
	const struct mm_zone_health *zh = &h->zone[t];
	unsigned int u = zh->unusable[MM_FRAG_ORDER];

	if (zh->buddy_free >= zones[t].wmark[WMARK_HIGH] && u > MM_FRAG_LIMIT)
		add_reason(h, (enum mm_subject)t, MM_DEGRADED,
			   "order-%u unusable free space index %u.%03u > "
			   "%u.%03u (largest free block order %d)",
			   MM_FRAG_ORDER, u / 1000, u % 1000,
			   MM_FRAG_LIMIT / 1000, MM_FRAG_LIMIT % 1000,
			   zh->largest_order);
	if (zh->fail.attempts >= MM_RATE_MIN &&
	    zh->fail.rate_bp > MM_FAIL_LIMIT_BP)
		add_reason(h, (enum mm_subject)t, MM_DEGRADED,
			   "failure rate %u.%02u%% over the last %lu "
			   "attempts (%lu failed)",
			   zh->fail.rate_bp / 100, zh->fail.rate_bp % 100,
			   zh->fail.attempts, zh->fail.failures);
}

/* Fill h->zone[t] and add its reasons (health_lock held). */
static void eval_zone(struct mm_health *h, enum zone_type t)
{
	struct mm_zone_health *zh = &h->zone[t];
	unsigned long nr_free[MAX_ORDER];
	struct mm_zone_stats zs;

	mm_stats_zone(&zones[t], &zs);
	*zh = (struct mm_zone_health){
		.managed = zs.managed,
		.free = zs.free,
		.buddy_free = zs.buddy_free,
		.free_pm = (unsigned int)permille(zs.free, zs.managed),
		.usage_pm = zs.managed ? 1000 - (unsigned int)permille(
							zs.free, zs.managed)
				       : 0,
		.largest_order = -1,
		.below_low = zs.below_low,
		.wm_low_events = zs.wm_low_events,
		.wm_refusals = zs.wm_refusals,
	};
	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		nr_free[o] = zs.order[o].free_blocks;
		if (nr_free[o])
			zh->largest_order = (int)o;
	}
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		zh->unusable[o] = mm_unusable_index(nr_free, o);
	window_update(&zone_window[t], zs.allocs + zs.fails, zs.fails,
		      &zh->fail);
	h->subject[t] = MM_HEALTHY;
	if (!zs.managed)
		return; /* an empty zone is neither healthy nor ill: skip */
	judge_watermarks(h, t);
	judge_frag_and_failures(h, t);
	zh->verdict = h->subject[t];
}

/* Scratch for eval_allocators() and the baseline [health_lock]. */
static struct mm_stats alloc_st;

/* Refused frees since boot, every allocator (each counted once, see
 * mm_stats.bad_frees), and the corruption the allocators found and
 * reported (slab: corrupt free words, red zones, poison; kmalloc debug:
 * red zones, writes after free, writes into zero-size blocks), into
 * alloc_st.  Counted over the caches and heaps that exist now: one
 * destroyed takes its counts with it. */
static void damage_totals(unsigned long *bad, unsigned long *corrupt)
{
	mm_stats_get(&alloc_st);
	*bad = alloc_st.bad_frees;
	*corrupt = alloc_st.corrupt;
}

/* (e), health_lock held. */
static void judge_txn(struct mm_health *h)
{
	enum mm_subject s = MM_SUBJ_ALLOCATORS;

	if (h->txn_lost)
		add_reason(h, s, MM_DEGRADED,
			   "%lu free%s in transactions could not be deferred "
			   "(an abort cannot restore them)",
			   h->txn_lost, h->txn_lost == 1 ? "" : "s");
	if (h->txn_misuse)
		add_reason(h, s, MM_DEGRADED,
			   "%lu transaction misuse%s reported (%lu since "
			   "boot)",
			   h->txn_misuse, h->txn_misuse == 1 ? "" : "s",
			   h->txn_misuse_total);
}

/* (d), health_lock held. */
static void eval_allocators(struct mm_health *h)
{
	enum mm_subject s = MM_SUBJ_ALLOCATORS;

	h->subject[s] = MM_HEALTHY;
	damage_totals(&h->bad_frees_total, &h->corrupt_total);
	if (h->bad_frees_total < bad_free_base) /* a heap was removed */
		bad_free_base = h->bad_frees_total;
	h->bad_frees = h->bad_frees_total - bad_free_base;
	h->validate_failed =
		__atomic_load_n(&validate_failed, __ATOMIC_ACQUIRE);
	h->validate_failures = READ_ONCE(validate_failures);
	if (h->corrupt_total < corrupt_base) /* a cache was destroyed */
		corrupt_base = h->corrupt_total;
	h->corrupt = h->corrupt_total - corrupt_base;
	h->txn_misuse_total = alloc_st.txn_misuse;
	h->txn_misuse = h->txn_misuse_total - misuse_base;
	h->txn_lost_total = alloc_st.txn_lost;
	h->txn_lost = h->txn_lost_total - lost_base;
	h->txn_open = alloc_st.txn_open;
	h->injected = alloc_st.injected_total;
	h->fault_armed = alloc_st.fault_armed;
	if (h->validate_failed)
		add_reason(h, s, MM_CRITICAL,
			   "corruption: mm_validate() failed (%lu time%s "
			   "since boot)",
			   h->validate_failures,
			   h->validate_failures == 1 ? "" : "s");
	if (h->corrupt)
		add_reason(h, s, MM_CRITICAL,
			   "corruption: %lu report%s from the allocators' "
			   "checks (%lu since boot)",
			   h->corrupt, h->corrupt == 1 ? "" : "s",
			   h->corrupt_total);
	if (h->bad_frees)
		add_reason(h, s, MM_DEGRADED,
			   "%lu bad free%s refused (%lu since boot)",
			   h->bad_frees, h->bad_frees == 1 ? "" : "s",
			   h->bad_frees_total);
	judge_txn(h);
}

/* ---- logging changes ------------------------------------------------------ */

/* Log subject s if its verdict differs from the last logged (lock held). */
static void log_change(const struct mm_health *h, enum mm_subject s)
{
	enum mm_verdict now = h->subject[s], was = logged[s];
	const char *sep = "";
	char line[480];
	size_t n;

	if (now == was)
		return;
	logged[s] = now;
	n = (size_t)ksnprintf(line, sizeof(line),
			      "mm: %s %s → %s: ", subject_names[s],
			      verdict_names[was], verdict_names[now]);
	for (unsigned int i = 0; i < h->nr_reasons; i++) {
		if (h->reason[i].subject != s || n >= sizeof(line))
			continue;
		n += (size_t)ksnprintf(line + n, sizeof(line) - n, "%s%s", sep,
				       h->reason[i].text);
		sep = "; ";
	}
	if (!*sep && n < sizeof(line) && s < (enum mm_subject)MAX_NR_ZONES)
		ksnprintf(line + n, sizeof(line) - n,
			  "free %u.%u%%, no reason left",
			  h->zone[s].free_pm / 10, h->zone[s].free_pm % 10);
	else if (!*sep && n < sizeof(line))
		ksnprintf(line + n, sizeof(line) - n, "no reason left");
	printk("%s\n", line);
}

/* ---- entry points --------------------------------------------------------- */

static void eval_all(struct mm_health *h)
{
	memset(h, 0, sizeof(*h));
	for (unsigned int t = 0; t < MAX_NR_ZONES; t++)
		eval_zone(h, (enum zone_type)t);
	eval_allocators(h);
	for (unsigned int s = 0; s < MM_NR_SUBJECTS; s++) {
		if (h->subject[s] > h->verdict)
			h->verdict = h->subject[s];
		log_change(h, (enum mm_subject)s);
	}
}

void mm_health_get(struct mm_health *h)
{
	unsigned long flags = health_lock_irqsave();

	eval_all(h);
	health_unlock();
	arch_irq_restore(flags);
}

enum mm_verdict mm_health_check(void)
{
	unsigned long flags = health_lock_irqsave();
	enum mm_verdict v;

	eval_all(&scratch);
	v = scratch.verdict;
	health_unlock();
	arch_irq_restore(flags);
	return v;
}

/* One zone only: called from the page allocator's slow paths. */
static void zone_event(struct zone *z)
{
	enum zone_type t = (enum zone_type)(z - zones);
	unsigned long flags = arch_irq_save();

	if (health_trylock()) {
		scratch.nr_reasons = 0;
		scratch.reasons_cut = false;
		eval_zone(&scratch, t);
		log_change(&scratch, (enum mm_subject)t);
		health_unlock();
	}
	arch_irq_restore(flags);
}

void mm_health_zone_event(struct zone *z)
{
	zone_event(z);
}

void mm_health_page_failed(struct zone *z, unsigned int order,
			   enum mm_error err)
{
	if (order >= MAX_ORDER)
		return;
	if (err == MM_EFAULT_INJECTED)
		mm_stats_count_injected(z, order);
	zone_event(z);
}

void mm_health_acknowledge(const char *what)
{
	unsigned long flags = health_lock_irqsave();
	unsigned long bad_total, corrupt, bad, fails = 0;

	damage_totals(&bad_total, &corrupt);
	bad = bad_total > bad_free_base ? bad_total - bad_free_base : 0;

	for (unsigned int t = 0; t < MAX_NR_ZONES; t++) {
		struct mm_zone_stats zs;

		mm_stats_zone(&zones[t], &zs);
		fails += zs.fails - fail_base[t];
		fail_base[t] = zs.fails;
		window_reset(&zone_window[t], zs.allocs + zs.fails, zs.fails);
	}
	bad_free_base = bad_total;
	corrupt_base = corrupt;
	misuse_base = alloc_st.txn_misuse; /* damage_totals() read them */
	lost_base = alloc_st.txn_lost;
	health_unlock();
	arch_irq_restore(flags);
	printk("mm: health baseline reset after %s: %lu bad free%s and %lu "
	       "failed allocation%s before it no longer count\n",
	       what, bad, bad == 1 ? "" : "s", fails, fails == 1 ? "" : "s");
	mm_health_check();
}

/* ---- mm_validate ---------------------------------------------------------- */

bool mm_validate(void)
{
	bool ok = true;

	if (!page_alloc_validate()) {
		printk("mm_validate: page allocator invariants broken\n");
		ok = false;
	}
	if (!slab_validate()) {
		printk("mm_validate: slab invariants broken\n");
		ok = false;
	}
	if (!kmalloc_validate()) {
		printk("mm_validate: kmalloc invariants broken\n");
		ok = false;
	}
	if (!mm_txn_validate()) {
		printk("mm_validate: transaction logs inconsistent\n");
		ok = false;
	}
	if (!heap_validate()) {
		printk("mm_validate: TLSF heap invariants broken\n");
		ok = false;
	}
	if (!mm_stats_validate()) {
		printk("mm_validate: statistics disagree with the structures\n");
		ok = false;
	}
	if (!ok)
		__atomic_fetch_add(&validate_failures, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&validate_failed, !ok, __ATOMIC_RELEASE);
	if (mem_map)
		mm_health_check();
	return ok;
}

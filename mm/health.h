/* SPDX-License-Identifier: MIT */
/*
 * Health of the memory subsystem: how much is free, whether every
 * allocator's structures are consistent, what the counters say, and a
 * verdict with its reasons.
 *
 * Guarantees.  Nothing here is on an allocation fast path: the counters
 * are the allocators' own (gathered, not duplicated), read without locks;
 * a verdict is worked out on demand (mm_health_get(), mm_health_check(),
 * mm_report(), mm_validate()) and, for a zone, when its free pages cross a
 * watermark or an allocation preferring it fails.  Each change of a
 * verdict is logged once on the console with its reasons:
 *
 *   mm: Normal zone healthy → degraded: free 3.1% below low watermark ...
 *
 * The figures and thresholds are explained in mm/health.c and
 * docs/health.md; mm/stats.h has the counter snapshot (struct mm_stats).
 */
#ifndef MM_HEALTH_H
#define MM_HEALTH_H

#include <stdbool.h>
#include "mm/page_alloc.h"
#include "mm/stats.h"

/* Free pages in all zones, per-CPU page lists included. */
unsigned long nr_free_pages(void);

/*
 * Run every allocator's validator (page_alloc_validate(), the statistics
 * cross-check mm_stats_validate(), and each later allocator's).  True when
 * every invariant holds; otherwise each failure is printed on the console,
 * the result is false, and the verdict is MM_CRITICAL until a later
 * mm_validate() passes.
 */
bool mm_validate(void);

/* ---- the verdict (fixed names) -------------------------------------------- */
enum mm_verdict {
	MM_HEALTHY,
	MM_DEGRADED,
	MM_CRITICAL,
};

/* Thresholds (docs/health.md explains each). */
#define MM_FRAG_ORDER 3 /* order whose unusable index is judged */
#define MM_FRAG_LIMIT 500 /* unusable index above 0.500: degraded */
#define MM_FAIL_LIMIT_BP 100 /* failure rate above 1.00%: degraded */
#define MM_RATE_WINDOW 1024 /* failure rate over >= this many attempts */
#define MM_RATE_MIN 100 /* ... and no rate judged over fewer */

#define MM_HEALTH_MAX_REASONS 12
#define MM_REASON_LEN 96

/* What a verdict is about: a zone, or the allocators as a whole. */
enum mm_subject {
	MM_SUBJ_ZONE_DMA = ZONE_DMA,
	MM_SUBJ_ZONE_NORMAL = ZONE_NORMAL,
	MM_SUBJ_ALLOCATORS, /* corruption: validator, bad frees */
	MM_NR_SUBJECTS
};

struct mm_health_reason {
	enum mm_subject subject;
	enum mm_verdict level; /* what this reason alone makes the subject */
	char text[MM_REASON_LEN]; /* "free 3.1% below low watermark ..." */
};

/* A recent-window failure rate (computed from cumulative counters). */
struct mm_rate {
	unsigned long attempts; /* attempts in the window */
	unsigned long failures; /* real failures among them (not injected) */
	unsigned int rate_bp; /* failures / attempts in 1/10000 (0.01%) */
};

struct mm_zone_health {
	enum mm_verdict verdict;
	unsigned long managed, free, buddy_free; /* pages */
	unsigned int free_pm, usage_pm; /* free, used / managed in 1/1000 */
	/* Linux mm/vmstat.c's unusable_free_index() per order, in 1/1000:
	 * (free pages - free pages in blocks of order >= k) / free pages,
	 * over the buddy lists (1000 when nothing is free). */
	unsigned int unusable[MAX_ORDER];
	int largest_order; /* largest free block's order, -1: none */
	struct mm_rate fail; /* page allocations preferring this zone */
	bool below_low; /* the allocator's flag: fell below low, not yet
			   back above high */
	unsigned long wm_low_events, wm_refusals;
};

struct mm_health {
	enum mm_verdict verdict; /* the worst of every subject's */
	enum mm_verdict subject[MM_NR_SUBJECTS];
	struct mm_zone_health zone[MAX_NR_ZONES];
	unsigned long bad_frees; /* refused frees since the baseline */
	unsigned long bad_frees_total; /* ... since boot */
	unsigned long corrupt; /* slab corruption reports since the baseline */
	unsigned long corrupt_total; /* ... since boot */
	unsigned long validate_failures; /* failed mm_validate() since boot */
	unsigned long txn_misuse; /* transaction misuse reported (and
				     transactions left open) since the
				     baseline */
	unsigned long txn_misuse_total; /* ... since boot */
	unsigned long txn_lost; /* frees a transaction could not defer
				   since the baseline */
	unsigned long txn_lost_total; /* ... since boot */
	unsigned int txn_open; /* transactions open now, every hart */
	unsigned long injected; /* failures injected since boot (never
				   judged: a test asked for them) */
	bool fault_armed; /* a fault-injection rule is armed now */
	bool validate_failed; /* the last mm_validate() failed */
	unsigned int nr_reasons;
	bool reasons_cut; /* more reasons than MM_HEALTH_MAX_REASONS */
	struct mm_health_reason reason[MM_HEALTH_MAX_REASONS];
};

/*
 * Work out the verdict now, fill *h, and log any change of a subject's
 * verdict (once per change) with its reasons.  Safe from any context
 * without allocator locks held; takes the health lock.
 */
void mm_health_get(struct mm_health *h);
/* The same without the caller wanting the details; returns the verdict. */
enum mm_verdict mm_health_check(void);
const char *mm_verdict_name(enum mm_verdict v);
const char *mm_subject_name(enum mm_subject s);

/*
 * Start a new baseline: bad frees and failures counted so far no longer
 * count against the verdict (the totals since boot are still reported).
 * The boot calls it after self-tests that passed, since those tests fail
 * allocations and free wrongly on purpose.  what is logged ("self-tests").
 */
void mm_health_acknowledge(const char *what);

/* The unusable free space index of order `order` over a free-area layout
 * (nr_free[k] free blocks of order k), in 1/1000. */
unsigned int mm_unusable_index(const unsigned long nr_free[MAX_ORDER],
			       unsigned int order);

/*
 * The whole picture on the console, laid out like Linux's /proc files
 * (meminfo, buddyinfo, extfrag/unusable_index, zoneinfo, pagestats,
 * slabinfo, kmalloc classes, transactions, heaps, fault injection,
 * health).  Printed at the end of every
 * boot; docs/health.md walks through it, and the layout is stable (the
 * GDB commands compare with it number for number).
 */
void mm_report(void);
/* The sections alone (the monitor's commands). */
void mm_report_meminfo(void);
void mm_report_unusable(void);
void mm_report_pagestats(void);
void mm_report_health(void);
void mm_report_fault(void);

#endif /* MM_HEALTH_H */

/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: make chosen allocations fail on purpose, as Linux's
 * failslab and fail_page_alloc do (Documentation/fault-injection/), so
 * that every error path can be driven from a test or the command line.
 *
 * Guarantees.  An injected failure is an ordinary failure as the caller
 * sees it (NULL, mm_last_error() == MM_EFAULT_INJECTED) that changed
 * nothing: the allocator was never entered.  Injected failures are counted
 * here, per allocator kind, and kept apart from real shortage everywhere
 * (pages: mm_stats_get() separates them; docs/fault.md).  Internal
 * caches (SLAB_NO_HOOKS: the transaction log ...) are never failed.  With
 * nothing armed no hook is installed and the cost is nil.
 *
 * When a call fails (matching calls are numbered 1, 2, 3 ... from arming):
 *
 *	candidates:  nth alone          call nth only
 *	             every alone        calls every, 2*every, 3*every ...
 *	             nth and every      calls nth, nth+every, nth+2*every ...
 *	             neither            every call
 *	a candidate fails with probability ppm/1e6 (default 1e6: always;
 *	0: never, which only counts calls), drawn from a xorshift64*
 *	generator seeded with seed; at most times failures (0: 1 for nth
 *	alone, else unlimited; negative: unlimited).
 *
 * A call matches when it passes every filter that is set: allocator kind,
 * owner name (the cache or heap name; "name*" matches a prefix), GFP bits
 * that must be present / absent, minimum order, hart, and call site (an
 * address range, or the function the caller address lies in).  The
 * boot-argument syntax (mm.fail=) is in docs/fault.md.
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include <stdbool.h>
#include <stdint.h>
#include "mm/hooks.h"

#define MM_FAULT_NAME_LEN 32
#define MM_FAULT_ALL_CPUS (~0u)

struct mm_fault_attr {
	/* When. */
	unsigned long nth; /* first candidate call (0: see above) */
	unsigned long every; /* then every this many calls (0: no repeat) */
	uint32_t ppm; /* probability in parts per million (1e6: always) */
	uint64_t seed; /* of the probability's generator */
	long times; /* at most this many failures (0: default, <0: no cap) */
	/* Which calls match (0 / empty: no filter). */
	unsigned int kinds; /* bit (1 << MM_KIND_x) per allowed kind */
	char name[MM_FAULT_NAME_LEN]; /* owner name; trailing '*': prefix */
	gfp_t gfp_set; /* every one of these bits must be in gfp */
	gfp_t gfp_clear; /* none of these bits may be in gfp */
	unsigned int min_order; /* call->order >= this (non-page calls
				   have order 0, so a min_order excludes them) */
	unsigned int cpu; /* only this hart (MM_FAULT_ALL_CPUS: any) */
	unsigned long site_start, site_end; /* caller in [start, end) */
	char site_fn[MM_FAULT_NAME_LEN]; /* caller inside this function */
	bool verbose; /* one console line per injected failure */
};

/* Counters since boot (mm_fault_stats()). */
struct mm_fault_stats {
	unsigned long seen; /* hooked calls looked at while armed */
	unsigned long matched; /* ... that passed the filters */
	unsigned long injected[MM_NR_KINDS]; /* failures injected, per kind */
	unsigned long injected_total;
	unsigned long armed; /* times mm_fault_set() armed a rule */
};

/* A blank rule: no filter, every call fails, any hart. */
void mm_fault_attr_init(struct mm_fault_attr *attr);

/*
 * Arm attr (copied), replacing any rule armed before, and restart the
 * call numbering.  Returns 0, or -MM_EINVAL (and reports why on the
 * console) for an unusable rule: unknown kind bits, a probability above
 * 1e6, an empty site range.
 */
int mm_fault_set(const struct mm_fault_attr *attr);

/* Disarm; returns the number of failures the rule injected. */
unsigned long mm_fault_clear(void);

/*
 * The armed rule with its running state (call numbering, failures so far,
 * generator), for putting it back later: a test that arms a rule of its
 * own while a boot rule (mm.fail=) is armed saves the boot rule first and
 * restores it afterwards, so the boot rule stays in force and goes on
 * where it was.  Opaque to callers.
 */
struct mm_fault_saved {
	bool armed;
	struct mm_fault_attr attr;
	unsigned long calls, first, step, last_caller;
	long injected, limit;
	uint64_t rng;
	unsigned long gen;
};

/* Snapshot the rule (or the absence of one) into *s. */
void mm_fault_save(struct mm_fault_saved *s);
/* Put back what mm_fault_save() took, replacing any rule armed since. */
void mm_fault_restore(const struct mm_fault_saved *s);
/*
 * A number that changes whenever a rule is armed or cleared, and returns
 * to its earlier value when mm_fault_restore() puts that earlier state
 * back: equal numbers mean the same rule is in force.
 */
unsigned long mm_fault_generation(void);

/* Copy the armed rule into *attr: false (nothing copied) when none. */
bool mm_fault_get(struct mm_fault_attr *attr);

/* True while a rule is armed and may still inject (times not used up). */
bool mm_fault_armed(void);

/* Matching calls counted since the rule was armed (the next call is
 * number mm_fault_calls() + 1). */
unsigned long mm_fault_calls(void);

/* Caller address of the last matching call (0: none yet). */
unsigned long mm_fault_last_caller(void);

/*
 * Parse the mm.fail= syntax, e.g. "kind:kmalloc,nth:5,times:1", into
 * *attr (initialized first).  Returns 0, or -MM_EINVAL and writes a
 * message naming the bad item into err (err_len bytes; err may be NULL).
 */
int mm_fault_parse(const char *spec, struct mm_fault_attr *attr, char *err,
		   unsigned long err_len);

/* Print a rule in the mm.fail= syntax into buf ("off" when none). */
int mm_fault_format(const struct mm_fault_attr *attr, char *buf,
		    unsigned long len);

/* Snapshot of the counters. */
void mm_fault_stats(struct mm_fault_stats *st);

/*
 * Read mm.fail= from the boot arguments and arm it (called by mm_init()).
 * A bad rule is reported and ignored.
 */
void mm_fault_boot(void);

/* ---- for mm/hooks.c ---- */
/* The should_fail hook: true when this call must fail (counted). */
bool mm_fault_should_fail(const struct mm_call *call);

#endif /* MM_FAULT_H */

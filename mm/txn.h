/* SPDX-License-Identifier: MIT */
/*
 * Allocation transactions: all-or-nothing groups of allocations.
 *
 *	struct mm_txn tx;
 *
 *	mm_txn_begin(&tx);
 *	a = kmalloc(64, GFP_KERNEL);          logged
 *	pg = alloc_pages(GFP_KERNEL, 2);      logged
 *	kfree(old);                           deferred: old stays valid
 *	if (!a || !pg)
 *		return mm_txn_abort(&tx);     a, pg freed; old untouched
 *	mm_txn_commit(&tx);                   old freed now
 *
 * Guarantees.  While a transaction is open on a hart, every hooked
 * allocation that hart makes in task context (pages, cache objects,
 * kmalloc in every mode, and each later allocator that follows
 * mm/hooks.h) is logged, with no change to the caller's code.  Abort
 * frees the logged allocations in reverse order and restores every object
 * freed inside the transaction that existed before it (those frees are
 * deferred to commit); commit keeps the allocations and performs the
 * deferred frees.  An object allocated and freed inside the same
 * transaction leaves the log at once.  Transactions nest: an inner commit
 * folds into the outer one, an inner abort undoes only the inner part.
 * If the log cannot grow, the allocation that needed the room fails
 * (MM_ENOLOG) and is undone: the log never loses track of anything.
 *
 * Interrupts.  Allocations and frees made by an interrupt handler are not
 * part of the interrupted transaction: they are never logged or deferred.
 * A handler that frees an object of the interrupted transaction takes it
 * out of the log (the transaction no longer owns it).  Beginning or ending
 * a transaction inside a handler is refused and reported.
 *
 * Misuse is reported on the console with the caller and changes nothing:
 * ending a transaction that is not open, on another hart, or out of order;
 * a transaction still open when a test case ends (kernel/ktest.c) or when
 * the hart goes idle (then it is rolled back).
 *
 * The design, log layout and rollback protocol are in mm/txn.c's theory
 * section and docs/txn.md.
 */
#ifndef MM_TXN_H
#define MM_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include "mm/hooks.h"

/* Entries kept inside struct mm_txn before the log needs memory. */
#define MM_TXN_INLINE 8
/* Deepest nesting on one hart. */
#define MM_TXN_MAX_DEPTH 16

/* One logged allocation or deferred free (24 bytes on RV64). */
struct mm_txn_entry {
	void *te_obj; /* struct page for pages, else the address */
	void *te_owner; /* the cache, heap ... (NULL for pages, kmalloc) */
	uint32_t te_order; /* pages: the order */
	uint8_t te_kind; /* enum mm_kind */
	uint8_t te_op; /* TXN_ALLOC, TXN_FREE, TXN_DEAD (mm/txn.c) */
};

/* A run of entries: the inline array, or a chunk from the log cache. */
struct mm_txn_seg {
	struct mm_txn_seg *ts_prev; /* older segment, NULL for the first */
	struct mm_txn_entry *ts_ent;
	unsigned long ts_base; /* log index of ts_ent[0] */
	unsigned int ts_nr, ts_cap; /* entries used / room */
};

/*
 * A transaction.  Put it anywhere (stack, static, embedded): begin sets
 * every field.  Only the outermost transaction's inline entries are used:
 * a nested one continues its parent's log, so that an inner commit is
 * constant time and can never fail.
 */
struct mm_txn {
	uint32_t tx_magic; /* open, done */
	uint16_t tx_cpu; /* hart it was begun on */
	uint16_t tx_depth; /* 1 for an outermost transaction */
	const char *tx_name; /* for reports ("txn" by default) */
	unsigned long tx_caller; /* who began it */
	unsigned long tx_mark; /* log length when it began */
	struct mm_txn_seg tx_seg; /* the inline segment */
	struct mm_txn_entry tx_inline[MM_TXN_INLINE];
};

/*
 * Open a transaction on this hart (nested inside any already open there).
 * Returns 0, or -MM_EINVAL (reported, nothing opened) when called from an
 * interrupt handler, when txn is already open, or when nesting would
 * exceed MM_TXN_MAX_DEPTH.
 */
int mm_txn_begin(struct mm_txn *txn);
int mm_txn_begin_named(struct mm_txn *txn, const char *name);

/*
 * Keep every allocation of the transaction and perform its deferred
 * frees (an inner commit hands both to the enclosing transaction).
 * Returns 0, or -MM_EINVAL for misuse (reported; nothing changes).
 */
int mm_txn_commit(struct mm_txn *txn);

/*
 * Free every allocation of the transaction, newest first, and restore the
 * objects whose frees were deferred.  Returns 0; -MM_ENOLOG when a free
 * made during the transaction could not be deferred (log full even from
 * the reserves: reported then, and the object is gone); -MM_EINVAL for
 * misuse (reported; nothing changes).
 */
int mm_txn_abort(struct mm_txn *txn);

/* True while txn is open (begun and not yet ended). */
bool mm_txn_is_open(const struct mm_txn *txn);

/*
 * The scoped form: a transaction that aborts when control leaves the
 * enclosing block (return, goto, break) unless committed.  It is a
 * declaration; use it at the top of a block:
 *
 *	int build(struct thing **out)
 *	{
 *		MM_TXN_SCOPE(tx);
 *		struct thing *t = kmalloc(sizeof(*t), GFP_KERNEL);
 *
 *		if (!t || !(t->buf = kmalloc(t->size, GFP_KERNEL)))
 *			return -1;            aborted here, t freed
 *		*out = t;
 *		return mm_txn_commit(&tx);
 *	}
 *
 * Transactions begun inside the scope and left open are reported and
 * aborted with it.  (A longjmp out of the scope skips cleanup handlers;
 * ktest's ASSERT rolls back open transactions itself before jumping.)
 */
#define MM_TXN_SCOPE(var)                                                     \
	struct mm_txn var                                                     \
		__attribute__((cleanup(mm_txn_scope_end))) = {.tx_magic = 0}; \
	mm_txn_begin_named(&var, #var)
void mm_txn_scope_end(struct mm_txn *txn);

/* ---- for the test runner, the idle loop, reports ---------------------------- */

/* Transactions open on this hart. */
unsigned int mm_txn_depth(void);
/* Transactions open on hart cpu (0 for no such hart): read without that
 * hart's log lock, a snapshot (statistics, mm/stats.c). */
unsigned int mm_txn_depth_of(unsigned int cpu);

/*
 * Report and abort every transaction open on this hart above depth
 * (innermost first); where says who found them ("test case end",
 * "idle").  A transaction whose struct was overwritten (it lived in a
 * stack frame that is gone) is reported and dropped; its inline entries
 * are not trusted.  Returns the number of transactions found.
 */
unsigned int mm_txn_unwind(unsigned int depth, const char *where);

struct mm_txn_stats {
	unsigned long begins; /* mm_txn_begin calls that opened one */
	unsigned long nested; /* ... of which inside another */
	unsigned long commits, aborts;
	unsigned long logged; /* allocations logged */
	unsigned long rolled_back; /* allocations freed by aborts */
	unsigned long deferred; /* frees deferred */
	unsigned long restored; /* deferred frees undone by aborts */
	unsigned long deferred_done; /* deferred frees performed at commit */
	unsigned long cancelled; /* allocated and freed in one transaction */
	unsigned long irq_unlogged; /* allocations by interrupt handlers */
	unsigned long taken_out; /* logged objects freed by a handler or
				    another hart */
	unsigned long double_frees; /* frees of already deferred objects */
	unsigned long log_grows; /* chunks added to logs */
	unsigned long log_full; /* allocations failed with MM_ENOLOG */
	unsigned long lost; /* frees that could not be deferred */
	unsigned long misuse; /* reported misuse */
	unsigned long leftovers; /* found open by mm_txn_unwind */
};

/* Sum of every hart's counters. */
void mm_txn_stats(struct mm_txn_stats *st);

/* Open transactions and the counters, on the console. */
void mm_txn_report(void);

/* Check every hart's log (part of mm_validate()): structure, counts, and
 * that every logged object is still allocated. */
bool mm_txn_validate(void);

/* Create the log's chunk cache (mm_init(), after slab_init()). */
void mm_txn_init(void);

/* ---- for mm/hooks.c ---- */
bool mm_txn_open_anywhere(void);
int mm_txn_on_alloc(const struct mm_call *call, void *obj);
bool mm_txn_on_free(const struct mm_call *call, void *obj);

#endif /* MM_TXN_H */

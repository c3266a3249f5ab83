/* SPDX-License-Identifier: MIT */
/*
 * Allocation transactions: a per-hart undo log fed by the allocation hooks.
 *
 * 1. Design and references
 *
 *    An undo log, as a database keeps one (Gray & Reuter, "Transaction
 *    Processing", 1993, ch. 9-10, write-ahead undo logging), applied to
 *    memory: instead of recording old values, each hart records what its
 *    open transaction allocated, so that abort can give it back, and
 *    postpones what the transaction freed, so that abort can simply
 *    forget the free.  Nesting follows the usual closed-nested model
 *    (Moss, "Nested Transactions", MIT 1981): a child's commit makes its
 *    effects part of the parent; a child's abort undoes the child only.
 *    The scoped form replaces the original design's Drop-based guard
 *    (Rust RAII) by GCC's cleanup attribute.
 *
 *    Files: this one (the hooks, begin, commit, abort, scopes, leftovers),
 *    mm/txn_log.c (the log's memory, entries, walks, rollback of one
 *    object), mm/txn_check.c (counters, report, validator), and
 *    mm/txn_internal.h (the per-hart state they share).
 *
 *    The log sees allocations through mm/hooks.h: every public allocator
 *    entry point calls on_alloc after success and on_free before a valid
 *    free.  Rollback and deferred frees use the unhooked twins
 *    (__free_pages, __kmem_cache_free, __kfree), so undoing never logs.
 *
 * 2. Data layout (one struct txn_cpu per hart)
 *
 *    txn_cpus[cpu]                     outermost struct mm_txn (caller's)
 *    +-------------------+             +---------------------------+
 *    | lock              |   open[0]-->| magic cpu depth=1 name .. |
 *    | depth = 2         |             | tx_seg: base 0, nr 8/8  --+--+
 *    | open[0], open[1] -+--+          | tx_inline[8]: A A F A ... |  |
 *    | mark[0] = 0       |  |          +---------------------------+  |
 *    | mark[1] = 11      |  |  inner struct mm_txn: no entries of    |
 *    | tail -------------+-+|  its own (tx_seg unused)               |
 *    +-------------------+ ||                                        |
 *                          |+--> open[1]                             |
 *                          |   chunk (a 512-byte mm_txn_log object)  |
 *                          +-> +--------------------------------+    |
 *                              | seg: prev ----------------------+----+
 *                              |      base 8, nr 5/20           |
 *                              | ent: A D A | F A               |
 *                              +------------|-------------------+
 *                                  log index 11 = mark[1]: entries
 *                                  from here on belong to open[1]
 *
 *    Entries: A = ALLOC (obj, owner, order, kind), F = FREE (a deferred
 *    free of an object that predates the transaction level that freed
 *    it), D = DEAD (an ALLOC whose object was freed again; popped when
 *    it is the last entry).  Every entry has a log index (segment base +
 *    position); a level owns the entries from its mark to the end of the
 *    log, up to the next level's mark.
 *
 * 3. Invariants (checked by mm_txn_validate())
 *    a. depth <= MM_TXN_MAX_DEPTH; open[i] is an open mm_txn of this hart
 *       with tx_depth i+1; depth == 0 exactly when tail == NULL.
 *    b. mark[0] == 0 <= mark[1] <= ... <= log length.
 *    c. The segments, followed from tail through ts_prev, end at
 *       open[0]->tx_seg; each has ts_nr <= ts_cap; each but the tail is
 *       full, and ts_base = previous base + previous capacity; the number
 *       of chunks equals `chunks`.
 *    d. Every ALLOC and FREE entry names an object that is still
 *       allocated (a deferred free has not happened yet).
 *
 * 4. Lock order:  txn_cpu.lock  ->  the allocators' locks
 *
 *    txn_cpu.lock (a bare flag taken with interrupts off) guards its
 *    hart's log, open[], mark[], lost[] and tail.  The owner hart takes
 *    it to append, commit and abort; an interrupt handler on that hart or
 *    another hart takes it to find and remove an entry (a free of a
 *    logged object).  Nobody holds two
 *    txn locks at once.  Rollback frees through the allocators under it;
 *    the allocators never call back into this file while holding their
 *    own locks (hooks run outside them), so there is no cycle.  Only the
 *    owner appends, so a full log seen without the lock stays full.
 *
 * 5. Failure and rollback protocol
 *    on_alloc: in an interrupt handler, or with no transaction open:
 *      nothing.  If the tail segment is full, a chunk is allocated first
 *      (unhooked, with the caller's right to reserves); if that fails the
 *      hook returns MM_ENOLOG and the allocator undoes the allocation.
 *    on_free: the newest live entry for the object decides:
 *      ALLOC in the innermost level       -> entry dies, free now
 *      ALLOC in an outer level            -> FREE entry: deferred
 *      FREE                               -> double free: reported, ignored
 *      in another hart's log (or freed
 *      by an interrupt handler)           -> taken out of that log, freed
 *      not logged, transaction open       -> FREE entry: deferred
 *      A deferral that finds the log full grows it from the reserves
 *      (__GFP_MEMALLOC); if even that fails the object is freed at once
 *      and the level is marked lost: its abort returns -MM_ENOLOG.
 *    abort: walk the level's entries newest first; free each ALLOC,
 *      forget each FREE; cut the log back to the level's mark.
 *    commit: outermost: perform each FREE, keep each ALLOC, drop the log.
 *      Inner: see 6.
 *    misuse (ending what is not open, out of order, on another hart, in
 *      an interrupt handler): reported with the caller, -MM_EINVAL,
 *      nothing changes.  A transaction nobody can end any more (test case
 *      over, hart idle) is reported and aborted by mm_txn_unwind(); if its
 *      struct was overwritten, only the chunks' entries are trusted.
 *
 * 6. Nesting.  Levels share the hart's one log; level d owns the entries
 *    from mark[d-1] up to the next level's mark.  An inner abort undoes
 *    its own entries only and cuts the log back to its mark.  An inner
 *    commit drops its mark, so its entries become the parent's: constant
 *    time, no memory, it cannot fail.  A FREE whose ALLOC is thereby in
 *    the same level cancels it (both go and the object is freed), as an
 *    allocate-and-free inside one transaction always does; a FREE of an
 *    older object stays deferred in the parent.  That is why only the
 *    outermost struct's inline entries are used: an inner struct may go
 *    out of scope at its commit while its entries live on.
 *
 * 7. Interrupt policy: handlers are not part of the interrupted
 *    transaction.  Their allocations are not logged, their frees are not
 *    deferred, and a handler that frees a logged object takes it out of
 *    the log.  begin/commit/abort in a handler are refused.
 *
 * 8. The validator checks 3a-3d for every hart, under each hart's lock.
 */
#include "mm/txn_internal.h"

#include <stdarg.h>

#include "mm/mm.h"
#include "lib/printk.h"

struct txn_cpu txn_cpus[NR_CPUS];

/* ---- reports -------------------------------------------------------------- */

static void __printf(4, 5) misuse(const char *op, const struct mm_txn *tx,
				  unsigned long caller, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	STAT(this_txn_cpu(), misuse);
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("txn: %s(%p) by %pS on hart %u: %s\n", op, tx, (void *)caller,
	       arch_cpu_id(), msg);
	mm_set_error(MM_EINVAL);
}

/* A chunk for an allocation may use the reserves its caller may use. */
static gfp_t log_gfp(gfp_t caller_gfp)
{
	return caller_gfp & (__GFP_HIGH | __GFP_MEMALLOC);
}

/* ---- hooks ---------------------------------------------------------------- */

int mm_txn_on_alloc(const struct mm_call *call, void *obj)
{
	struct txn_cpu *tc = this_txn_cpu();
	struct mm_txn_seg *spare = NULL;
	unsigned long flags;

	if (!depth_of(tc))
		return 0;
	if (arch_in_irq()) {
		STAT(tc, irq_unlogged);
		return 0;
	}
	if (!txn_kind_supported(call->kind)) {
		static unsigned int told; /* one line per kind */

		if (!(__atomic_fetch_or(&told, 1u << call->kind,
					__ATOMIC_RELAXED) &
		      (1u << call->kind)))
			printk("txn: cannot roll back %s allocations (add them "
			       "to mm/txn_log.c): %p from %pS refused with "
			       "MM_ENOLOG\n",
			       mm_kind_name(call->kind), obj,
			       (void *)call->caller);
		STAT(tc, log_full);
		return MM_ENOLOG;
	}
	if (txn_tail_full(tc) && !(spare = txn_chunk_new(log_gfp(call->gfp)))) {
		STAT(tc, log_full);
		return MM_ENOLOG;
	}
	flags = log_lock(tc);
	spare = txn_append(tc, call, obj, TXN_ALLOC, spare);
	log_unlock(tc, flags);
	if (spare)
		txn_chunk_free(spare);
	STAT(tc, logged);
	return 0;
}

enum found {
	NOT_FOUND,
	FREE_NOW,
	TAKEN,
	NEED_ROOM /* a deferral needs a chunk: allocate one and try again */
};

static void report_double_free(const struct mm_call *c, void *obj,
			       unsigned int cpu)
{
	printk("txn: double free of %s %p by %pS: already freed in an open "
	       "transaction on hart %u (deferred to its commit); ignored\n",
	       mm_kind_name(c->kind), obj, (void *)c->caller, cpu);
	mm_set_error(MM_EBADFREE);
}

/*
 * Append a deferred free (lock held): TAKEN.  With the log full and no
 * spare chunk: NEED_ROOM, or, when no chunk could be had (last_try), the
 * level loses the object (FREE_NOW: it is freed at once).
 */
static enum found defer(struct txn_cpu *tc, const struct mm_call *c, void *obj,
			struct mm_txn_seg **spare, bool last_try)
{
	unsigned int d = tc->depth;

	if (tc->tail->ts_nr == tc->tail->ts_cap && !*spare) {
		if (!last_try)
			return NEED_ROOM;
		tc->lost[d - 1]++;
		STAT(tc, lost);
		printk("txn: log full: the free of %s %p by %pS cannot be "
		       "deferred; transaction '%s' will not restore it\n",
		       mm_kind_name(c->kind), obj, (void *)c->caller,
		       txn_name(tc->open[d - 1]));
		return FREE_NOW;
	}
	*spare = txn_append(tc, c, obj, TXN_FREE, *spare);
	STAT(tc, deferred);
	return TAKEN;
}

/* The free of obj as this hart's own log sees it (lock held). */
static enum found own_free(struct txn_cpu *tc, const struct mm_call *c,
			   void *obj, bool irq, struct mm_txn_seg **spare,
			   bool last_try)
{
	enum found r;
	unsigned long idx;
	struct mm_txn_entry *e =
		txn_find(tc, 0, log_len(tc), c->kind, obj, &idx);

	if (!e)
		return NOT_FOUND;
	if (e->te_op == TXN_FREE) {
		report_double_free(c, obj, arch_cpu_id());
		STAT(tc, double_frees);
		return TAKEN;
	}
	if (irq || idx >= tc->mark[tc->depth - 1]) {
		txn_kill(tc, e); /* allocated here and now freed: gone */
		if (irq)
			STAT(tc, taken_out);
		else
			STAT(tc, cancelled);
		return FREE_NOW;
	}
	/* an outer level's object: the inner abort must bring it back */
	r = defer(tc, c, obj, spare, last_try);
	if (r == FREE_NOW)
		txn_kill(tc, e); /* lost: freed now, not by the outer abort */
	return r;
}

/* A free of an object logged on another hart takes it out of that log. */
static enum found others_free(struct txn_cpu *me, const struct mm_call *c,
			      void *obj)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		struct txn_cpu *tc = &txn_cpus[cpu];
		enum found r = NOT_FOUND;
		struct mm_txn_entry *e;
		unsigned long flags, idx;

		if (tc == me || !depth_of(tc))
			continue;
		flags = log_lock(tc);
		e = tc->depth ? txn_find(tc, 0, log_len(tc), c->kind, obj, &idx)
			      : NULL;
		if (e && e->te_op == TXN_FREE) {
			report_double_free(c, obj, cpu);
			STAT(tc, double_frees);
			r = TAKEN;
		} else if (e) {
			txn_kill(tc, e);
			STAT(tc, taken_out);
			r = FREE_NOW;
		}
		log_unlock(tc, flags);
		if (r != NOT_FOUND)
			return r;
	}
	return NOT_FOUND;
}

/* One look at the free of obj: this hart's log, the others', deferral. */
static enum found free_once(struct txn_cpu *tc, const struct mm_call *call,
			    void *obj, bool irq, struct mm_txn_seg **spare,
			    bool last_try)
{
	bool mine = depth_of(tc) > 0;
	enum found r = NOT_FOUND;
	unsigned long flags;

	if (mine) {
		flags = log_lock(tc);
		r = own_free(tc, call, obj, irq, spare, last_try);
		log_unlock(tc, flags);
	}
	if (r == NOT_FOUND)
		r = others_free(tc, call, obj);
	if (r == NOT_FOUND && mine && !irq) {
		/* older than the transaction: keep it until commit */
		flags = log_lock(tc);
		r = defer(tc, call, obj, spare, last_try);
		log_unlock(tc, flags);
	}
	return r;
}

bool mm_txn_on_free(const struct mm_call *call, void *obj)
{
	struct txn_cpu *tc = this_txn_cpu();
	bool irq = arch_in_irq();
	struct mm_txn_seg *spare = NULL;
	enum found r = free_once(tc, call, obj, irq, &spare, false);

	if (r == NEED_ROOM) {
		/* a free cannot fail: grow from the reserves if need be */
		spare = txn_chunk_new(GFP_ATOMIC | __GFP_MEMALLOC);
		r = free_once(tc, call, obj, irq, &spare, true);
	}
	if (spare)
		txn_chunk_free(spare);
	return r == TAKEN;
}

bool mm_txn_open_anywhere(void)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		if (depth_of(&txn_cpus[cpu]))
			return true;
	return false;
}

/* ---- begin ---------------------------------------------------------------- */

static bool open_here(struct txn_cpu *tc, const struct mm_txn *tx)
{
	for (unsigned int i = 0; i < tc->depth; i++)
		if (tc->open[i] == tx)
			return true;
	return false;
}

static int begin(struct mm_txn *tx, const char *name, unsigned long caller)
{
	struct txn_cpu *tc = this_txn_cpu();
	unsigned int d = tc->depth;
	unsigned long flags;

	if (arch_in_irq()) {
		misuse("mm_txn_begin", tx, caller,
		       "refused in an interrupt handler (allocations there "
		       "are never part of a transaction)");
		return -MM_EINVAL;
	}
	if (!tx || open_here(tc, tx)) {
		misuse("mm_txn_begin", tx, caller,
		       tx ? "already open" : "NULL transaction");
		return -MM_EINVAL;
	}
	if (d == MM_TXN_MAX_DEPTH) {
		misuse("mm_txn_begin", tx, caller, "nested deeper than %d",
		       MM_TXN_MAX_DEPTH);
		return -MM_EINVAL;
	}
	tx->tx_magic = TXN_OPEN;
	tx->tx_cpu = (uint16_t)arch_cpu_id();
	tx->tx_depth = (uint16_t)(d + 1);
	tx->tx_name = name;
	tx->tx_caller = caller;
	tx->tx_seg = (struct mm_txn_seg){
		.ts_ent = tx->tx_inline,
		.ts_cap = d ? 0 : MM_TXN_INLINE, /* only the outermost's */
	};
	flags = log_lock(tc);
	if (!d)
		tc->tail = &tx->tx_seg;
	tc->open[d] = tx;
	tc->mark[d] = log_len(tc);
	tc->lost[d] = 0;
	__atomic_store_n(&tc->depth, d + 1, __ATOMIC_RELAXED);
	log_unlock(tc, flags);
	STAT(tc, begins);
	if (d)
		STAT(tc, nested);
	else
		mm_hooks_refresh();
	return 0;
}

int mm_txn_begin(struct mm_txn *txn)
{
	return begin(txn, NULL, (unsigned long)__builtin_return_address(0));
}

int mm_txn_begin_named(struct mm_txn *txn, const char *name)
{
	return begin(txn, name, (unsigned long)__builtin_return_address(0));
}

bool mm_txn_is_open(const struct mm_txn *txn)
{
	return txn && txn->tx_magic == TXN_OPEN && txn->tx_cpu < NR_CPUS &&
	       open_here(&txn_cpus[txn->tx_cpu], txn);
}

/* ---- commit and abort ----------------------------------------------------- */

/* The hart's state if tx may end now; otherwise report and return NULL. */
static struct txn_cpu *may_end(struct mm_txn *tx, const char *op,
			       unsigned long caller)
{
	struct txn_cpu *tc = this_txn_cpu();
	struct mm_txn *in;

	if (arch_in_irq()) {
		misuse(op, tx, caller, "refused in an interrupt handler");
		return NULL;
	}
	if (!tx || tx->tx_magic != TXN_OPEN || !open_here(tc, tx)) {
		bool elsewhere = tx && tx->tx_magic == TXN_OPEN &&
				 tx->tx_cpu < NR_CPUS &&
				 tx->tx_cpu != arch_cpu_id();

		misuse(op, tx, caller,
		       elsewhere ? "begun on hart %u; it must end there"
				 : "not an open transaction (never begun, "
				   "or already ended)",
		       elsewhere ? tx->tx_cpu : 0);
		return NULL;
	}
	in = tc->open[tc->depth - 1];
	if (in != tx) {
		misuse(op, tx, caller,
		       "out of order: '%s' (%p, begun by %pS) inside it is "
		       "still open",
		       txn_name(in), in, (void *)in->tx_caller);
		return NULL;
	}
	return tc;
}

static void undo_entry(struct txn_cpu *tc, struct mm_txn_entry *e,
		       unsigned long idx, void *arg)
{
	if (e->te_op == TXN_ALLOC) {
		txn_release(e, *(unsigned long *)arg);
		STAT(tc, rolled_back);
	} else if (e->te_op == TXN_FREE) {
		STAT(tc, restored); /* forgotten: the object lives on */
	}
}

static void commit_entry(struct txn_cpu *tc, struct mm_txn_entry *e,
			 unsigned long idx, void *arg)
{
	if (e->te_op == TXN_FREE) {
		txn_release(e, *(unsigned long *)arg);
		STAT(tc, deferred_done);
	}
}

/* Inner commit: a FREE whose ALLOC is now in the same level cancels it. */
static void fold_entry(struct txn_cpu *tc, struct mm_txn_entry *e,
		       unsigned long idx, void *arg)
{
	unsigned long lo = *(unsigned long *)arg, at;
	struct mm_txn_entry *a;

	if (e->te_op != TXN_FREE)
		return;
	a = txn_find(tc, lo, idx, e->te_kind, e->te_obj, &at);
	if (!a || a->te_op != TXN_ALLOC)
		return;
	a->te_op = TXN_DEAD;
	e->te_op = TXN_DEAD;
	txn_release(e, (unsigned long)mm_txn_commit);
	STAT(tc, cancelled);
}

/* Close the innermost level (lock held); the outermost drops the log. */
static void pop_level(struct txn_cpu *tc, const struct mm_txn_seg *stop)
{
	unsigned int d = tc->depth;

	if (d == 1) {
		txn_truncate(tc, 0, stop);
		tc->tail = NULL;
	}
	tc->open[d - 1] = NULL;
	__atomic_store_n(&tc->depth, d - 1, __ATOMIC_RELAXED);
}

/* Abort the innermost level; stop: a segment not to be trusted. */
static unsigned int abort_level(struct txn_cpu *tc, unsigned long caller,
				const struct mm_txn_seg *stop)
{
	unsigned long flags = log_lock(tc);
	unsigned int d = tc->depth, lost = tc->lost[d - 1];

	txn_walk_back(tc, tc->mark[d - 1], stop, undo_entry, &caller);
	if (d > 1)
		txn_truncate(tc, tc->mark[d - 1], stop);
	pop_level(tc, stop);
	log_unlock(tc, flags);
	STAT(tc, aborts);
	if (d == 1)
		mm_hooks_refresh();
	return lost;
}

int mm_txn_commit(struct mm_txn *tx)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct txn_cpu *tc = may_end(tx, "mm_txn_commit", caller);
	unsigned long flags;
	unsigned int d;

	if (!tc)
		return -MM_EINVAL;
	flags = log_lock(tc);
	d = tc->depth;
	if (d > 1) {
		txn_walk_back(tc, tc->mark[d - 1], NULL, fold_entry,
			      &tc->mark[d - 2]);
		tc->lost[d - 2] += tc->lost[d - 1];
	} else {
		txn_walk_back(tc, 0, NULL, commit_entry, &caller);
	}
	pop_level(tc, NULL);
	log_unlock(tc, flags);
	tx->tx_magic = TXN_DONE;
	STAT(tc, commits);
	if (d == 1)
		mm_hooks_refresh();
	return 0;
}

int mm_txn_abort(struct mm_txn *tx)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct txn_cpu *tc = may_end(tx, "mm_txn_abort", caller);
	unsigned int lost;

	if (!tc)
		return -MM_EINVAL;
	lost = abort_level(tc, caller, NULL);
	tx->tx_magic = TXN_DONE;
	if (!lost)
		return 0;
	printk("txn: abort of '%s' by %pS: %u freed object(s) could not be "
	       "restored (log full)\n",
	       txn_name(tx), (void *)caller, lost);
	mm_set_error(MM_ENOLOG);
	return -MM_ENOLOG;
}

/* ---- scopes, leftovers ---------------------------------------------------- */

void mm_txn_scope_end(struct mm_txn *tx)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct txn_cpu *tc = this_txn_cpu();

	if (tx->tx_magic != TXN_OPEN || !open_here(tc, tx))
		return; /* committed, aborted, or never begun */
	while (tc->open[tc->depth - 1] != tx) {
		struct mm_txn *in = tc->open[tc->depth - 1];

		misuse("mm_txn_scope_end", tx, caller,
		       "'%s' (%p, begun by %pS) left open inside the scope: "
		       "aborted",
		       txn_name(in), in, (void *)in->tx_caller);
		abort_level(tc, caller, NULL);
		in->tx_magic = TXN_DONE;
	}
	abort_level(tc, caller, NULL);
	tx->tx_magic = TXN_DONE;
}

unsigned int mm_txn_depth(void)
{
	return depth_of(this_txn_cpu());
}

/* Does the struct of level d still say what begin wrote? */
static bool level_intact(struct txn_cpu *tc, unsigned int d)
{
	const struct mm_txn *tx = tc->open[d - 1];

	if (tx->tx_magic != TXN_OPEN || tx->tx_depth != d ||
	    tx->tx_cpu != (unsigned int)(tc - txn_cpus))
		return false;
	return d > 1 ||
	       (tx->tx_seg.ts_ent == tx->tx_inline && !tx->tx_seg.ts_prev &&
		!tx->tx_seg.ts_base && tx->tx_seg.ts_cap == MM_TXN_INLINE &&
		tx->tx_seg.ts_nr <= MM_TXN_INLINE);
}

unsigned int mm_txn_unwind(unsigned int depth, const char *where)
{
	struct txn_cpu *tc = this_txn_cpu();
	unsigned int n = 0;

	while (tc->depth > depth) {
		unsigned int d = tc->depth;
		struct mm_txn *tx = tc->open[d - 1];
		bool ok = level_intact(tc, d);

		STAT(tc, leftovers);
		if (ok)
			printk("txn: %s: transaction '%s' (%p, begun by %pS) is "
			       "still open on hart %u: rolled back\n",
			       where, txn_name(tx), tx, (void *)tx->tx_caller,
			       arch_cpu_id());
		else
			printk("txn: %s: transaction %p (level %u) is still open "
			       "on hart %u and its struct was overwritten (did "
			       "its stack frame return?): rolled back what the "
			       "log chunks hold; its inline entries are lost\n",
			       where, tx, d, arch_cpu_id());
		abort_level(tc, (unsigned long)mm_txn_unwind,
			    ok || d > 1 ? NULL : &tx->tx_seg);
		if (ok)
			tx->tx_magic = TXN_DONE;
		n++;
	}
	return n;
}

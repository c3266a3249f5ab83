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
 *      Inner: the entries simply become the parent's (the mark goes); a
 *      FREE whose ALLOC is now in the same level cancels it (both go and
 *      the object is freed), as an allocate-and-free inside one
 *      transaction always does.
 *
 * 6. Interrupt policy: handlers are not part of the interrupted
 *    transaction.  Their allocations are not logged, their frees are not
 *    deferred, and a handler that frees a logged object takes it out of
 *    the log.  begin/commit/abort in a handler are refused.
 *
 * 7. The validator checks 3a-3d for every hart, under each hart's lock.
 */
#include "mm/txn.h"

#include <stdarg.h>

#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "lib/printk.h"
#include "lib/string.h"

#define TXN_OPEN 0x4f6e7874u /* "txnO" */
#define TXN_DONE 0x446e7874u /* "txnD" */

enum {
	TXN_ALLOC = 1,
	TXN_FREE = 2,
	TXN_DEAD = 3
};

struct txn_cpu {
	unsigned int lock; /* 0 free, 1 held; taken with interrupts off */
	unsigned int depth; /* [lock] written; read by others atomically */
	struct mm_txn *open[MM_TXN_MAX_DEPTH]; /* [lock] open[depth-1]:
						  innermost */
	unsigned long mark[MM_TXN_MAX_DEPTH]; /* [lock] log index at begin */
	unsigned int lost[MM_TXN_MAX_DEPTH]; /* [lock] frees not deferred */
	struct mm_txn_seg *tail; /* [lock] newest segment */
	unsigned long chunks; /* [lock] chunks in the log */
	struct mm_txn_stats st; /* atomic counters */
} __cacheline_aligned;

static struct txn_cpu txn_cpus[NR_CPUS];

/* A log chunk: an object of the dedicated, unhooked cache mm_txn_log. */
#define CHUNK_BYTES 512
#define CHUNK_ENTRIES                                \
	((CHUNK_BYTES - sizeof(struct mm_txn_seg)) / \
	 sizeof(struct mm_txn_entry))
struct log_chunk {
	struct mm_txn_seg seg;
	struct mm_txn_entry ent[CHUNK_ENTRIES];
};

/* SLAB_NO_HOOKS: never logged, never failed on purpose. */
static struct kmem_cache *log_cache;

#define STAT(tc, field) __atomic_fetch_add(&(tc)->st.field, 1, __ATOMIC_RELAXED)

static struct txn_cpu *this_txn_cpu(void)
{
	unsigned int cpu = arch_cpu_id();

	return &txn_cpus[cpu < NR_CPUS ? cpu : 0];
}

/*
 * The log lock: a bare flag taken with interrupts off, as the page
 * allocator's pcp_lock and the slab's cc_lock are (its owner takes it on
 * every logged call; a spinlock_t's bookkeeping would double the cost).
 */
static unsigned long log_lock(struct txn_cpu *tc)
{
	unsigned long flags = arch_irq_save();

	while (__atomic_exchange_n(&tc->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&tc->lock, __ATOMIC_RELAXED))
			arch_cpu_relax();
	return flags;
}

static void log_unlock(struct txn_cpu *tc, unsigned long flags)
{
	__atomic_store_n(&tc->lock, 0, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
}

static unsigned int depth_of(struct txn_cpu *tc)
{
	return __atomic_load_n(&tc->depth, __ATOMIC_RELAXED);
}

static unsigned long log_len(const struct txn_cpu *tc)
{
	return tc->tail ? tc->tail->ts_base + tc->tail->ts_nr : 0;
}

/* ---- the log's memory --------------------------------------------------- */

static struct mm_txn_seg *chunk_new(gfp_t gfp)
{
	struct log_chunk *c;

	if (!log_cache)
		return NULL;
	c = __kmem_cache_alloc(log_cache, gfp | __GFP_NOWARN,
			       (unsigned long)__builtin_return_address(0));
	if (!c)
		return NULL;
	c->seg.ts_prev = NULL;
	c->seg.ts_ent = c->ent;
	c->seg.ts_base = 0;
	c->seg.ts_nr = 0;
	c->seg.ts_cap = CHUNK_ENTRIES;
	return &c->seg;
}

static void chunk_free(struct mm_txn_seg *s)
{
	__kmem_cache_free(log_cache, s, (unsigned long)chunk_free);
}

/* A chunk for an allocation may use the reserves its caller may use. */
static gfp_t log_gfp(gfp_t caller_gfp)
{
	return caller_gfp & (__GFP_HIGH | __GFP_MEMALLOC);
}

static bool tail_full(struct txn_cpu *tc)
{
	const struct mm_txn_seg *t = tc->tail;

	return __atomic_load_n(&t->ts_nr, __ATOMIC_RELAXED) == t->ts_cap;
}

/*
 * Append one entry (lock held).  spare is a fresh chunk for a full tail;
 * returns it when it was not needed (the caller frees it).
 */
static struct mm_txn_seg *append(struct txn_cpu *tc, const struct mm_call *c,
				 void *obj, uint8_t op,
				 struct mm_txn_seg *spare)
{
	struct mm_txn_seg *t = tc->tail;
	struct mm_txn_entry *e;

	if (t->ts_nr == t->ts_cap) {
		spare->ts_prev = t;
		spare->ts_base = t->ts_base + t->ts_cap;
		tc->tail = t = spare;
		tc->chunks++;
		spare = NULL;
		STAT(tc, log_grows);
	}
	e = &t->ts_ent[t->ts_nr];
	e->te_obj = obj;
	e->te_owner = c->owner;
	e->te_order = c->order;
	e->te_kind = (uint8_t)c->kind;
	e->te_op = op;
	__atomic_store_n(&t->ts_nr, t->ts_nr + 1, __ATOMIC_RELAXED);
	return spare;
}

/* ---- walking the log ------------------------------------------------------ */

/* The newest live entry for (kind, obj) with log index in [lo, hi). */
static struct mm_txn_entry *find_in(struct txn_cpu *tc, unsigned long lo,
				    unsigned long hi, unsigned int kind,
				    const void *obj, unsigned long *idx)
{
	for (struct mm_txn_seg *s = tc->tail; s; s = s->ts_prev) {
		unsigned long i = s->ts_nr;

		if (s->ts_base >= hi)
			continue;
		if (s->ts_base + i > hi)
			i = hi - s->ts_base;
		while (i-- > 0 && s->ts_base + i >= lo) {
			struct mm_txn_entry *e = &s->ts_ent[i];

			if (e->te_obj == obj && e->te_kind == kind &&
			    e->te_op != TXN_DEAD) {
				*idx = s->ts_base + i;
				return e;
			}
		}
		if (s->ts_base <= lo)
			break;
	}
	return NULL;
}

/*
 * Call fn on each entry with index >= lo, newest first, stopping at the
 * segment stop (not visited; NULL: none).
 */
static void walk_back(struct txn_cpu *tc, unsigned long lo,
		      const struct mm_txn_seg *stop,
		      void (*fn)(struct txn_cpu *tc, struct mm_txn_entry *e,
				 unsigned long idx, void *arg),
		      void *arg)
{
	for (struct mm_txn_seg *s = tc->tail; s && s != stop; s = s->ts_prev) {
		for (unsigned long i = s->ts_nr; i-- > 0;) {
			if (s->ts_base + i < lo)
				return;
			fn(tc, &s->ts_ent[i], s->ts_base + i, arg);
		}
		if (s->ts_base <= lo)
			return;
	}
}

/* Cut the log back to length len, freeing chunks (not stop). */
static void truncate_log(struct txn_cpu *tc, unsigned long len,
			 const struct mm_txn_seg *stop)
{
	while (tc->tail && tc->tail != stop && tc->tail->ts_prev &&
	       tc->tail->ts_base >= len) {
		struct mm_txn_seg *s = tc->tail;

		tc->tail = s->ts_prev;
		chunk_free(s);
		tc->chunks--;
	}
	if (tc->tail && tc->tail != stop)
		tc->tail->ts_nr = (unsigned int)(len - tc->tail->ts_base);
}

/* Mark e dead; pop dead entries at the end down to the innermost mark. */
static void kill(struct txn_cpu *tc, struct mm_txn_entry *e)
{
	struct mm_txn_seg *t = tc->tail;
	unsigned long floor = tc->mark[tc->depth - 1];

	e->te_op = TXN_DEAD;
	while (t->ts_nr && t->ts_base + t->ts_nr > floor &&
	       t->ts_ent[t->ts_nr - 1].te_op == TXN_DEAD)
		__atomic_store_n(&t->ts_nr, t->ts_nr - 1, __ATOMIC_RELAXED);
}

/* ---- giving objects back (unhooked) ------------------------------------- */

static bool kind_supported(unsigned int kind)
{
	return kind == MM_KIND_PAGES || kind == MM_KIND_SLAB;
}

static void release(const struct mm_txn_entry *e, unsigned long caller)
{
	switch (e->te_kind) {
	case MM_KIND_PAGES:
		__free_pages(e->te_obj, e->te_order, caller);
		break;
	case MM_KIND_SLAB:
		__kmem_cache_free(e->te_owner, e->te_obj, caller);
		break;
	default:
		printk("txn: BUG: no way to free a logged %s object %p\n",
		       mm_kind_name(e->te_kind), e->te_obj);
	}
}

/* Is the object of e still allocated?  (validator) */
static bool entry_live(const struct mm_txn_entry *e)
{
	const struct page *pg = e->te_obj;
	struct page seen;

	switch (e->te_kind) {
	case MM_KIND_PAGES:
		if (!page_in_mem_map(pg))
			return false;
		seen = page_load_state(pg);
		return (seen.flags & PG_head) && seen.order == e->te_order;
	case MM_KIND_SLAB:
		return kmem_cache_obj_live(e->te_owner, e->te_obj);
	default:
		return false;
	}
}

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

static const char *txn_name(const struct mm_txn *tx)
{
	return tx->tx_name ? tx->tx_name : "txn";
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
	if (!kind_supported(call->kind)) {
		printk("txn: cannot roll back %s allocations yet: %p from %pS "
		       "refused\n",
		       mm_kind_name(call->kind), obj, (void *)call->caller);
		STAT(tc, log_full);
		return MM_ENOLOG;
	}
	if (tail_full(tc) && !(spare = chunk_new(log_gfp(call->gfp)))) {
		STAT(tc, log_full);
		return MM_ENOLOG;
	}
	flags = log_lock(tc);
	spare = append(tc, call, obj, TXN_ALLOC, spare);
	log_unlock(tc, flags);
	if (spare)
		chunk_free(spare);
	STAT(tc, logged);
	return 0;
}

enum found {
	NOT_FOUND,
	FREE_NOW,
	TAKEN
};

static void report_double_free(const struct mm_call *c, void *obj,
			       unsigned int cpu)
{
	printk("txn: double free of %s %p by %pS: already freed in an open "
	       "transaction on hart %u (deferred to its commit); ignored\n",
	       mm_kind_name(c->kind), obj, (void *)c->caller, cpu);
	mm_set_error(MM_EBADFREE);
}

/* Append a deferred free (lock held); false when the log is full. */
static bool defer(struct txn_cpu *tc, const struct mm_call *c, void *obj,
		  struct mm_txn_seg **spare)
{
	unsigned int d = tc->depth;

	if (tc->tail->ts_nr == tc->tail->ts_cap && !*spare) {
		tc->lost[d - 1]++;
		STAT(tc, lost);
		printk("txn: log full: the free of %s %p by %pS cannot be "
		       "deferred; transaction '%s' will not restore it\n",
		       mm_kind_name(c->kind), obj, (void *)c->caller,
		       txn_name(tc->open[d - 1]));
		return false;
	}
	*spare = append(tc, c, obj, TXN_FREE, *spare);
	STAT(tc, deferred);
	return true;
}

/* The free of obj as this hart's own log sees it (lock held). */
static enum found own_free(struct txn_cpu *tc, const struct mm_call *c,
			   void *obj, bool irq, struct mm_txn_seg **spare)
{
	unsigned long idx;
	struct mm_txn_entry *e =
		find_in(tc, 0, log_len(tc), c->kind, obj, &idx);

	if (!e)
		return NOT_FOUND;
	if (e->te_op == TXN_FREE) {
		report_double_free(c, obj, arch_cpu_id());
		STAT(tc, double_frees);
		return TAKEN;
	}
	if (irq || idx >= tc->mark[tc->depth - 1]) {
		kill(tc, e); /* allocated here and now freed: gone */
		if (irq)
			STAT(tc, taken_out);
		else
			STAT(tc, cancelled);
		return FREE_NOW;
	}
	if (defer(tc, c, obj, spare))
		return TAKEN; /* an outer level's object: the inner abort
				 must be able to bring it back */
	kill(tc, e);
	return FREE_NOW;
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
		e = tc->depth ? find_in(tc, 0, log_len(tc), c->kind, obj, &idx)
			      : NULL;
		if (e && e->te_op == TXN_FREE) {
			report_double_free(c, obj, cpu);
			STAT(tc, double_frees);
			r = TAKEN;
		} else if (e) {
			kill(tc, e);
			STAT(tc, taken_out);
			r = FREE_NOW;
		}
		log_unlock(tc, flags);
		if (r != NOT_FOUND)
			return r;
	}
	return NOT_FOUND;
}

bool mm_txn_on_free(const struct mm_call *call, void *obj)
{
	struct txn_cpu *tc = this_txn_cpu();
	bool irq = arch_in_irq(), mine = depth_of(tc) > 0;
	struct mm_txn_seg *spare = NULL;
	enum found r = NOT_FOUND;
	unsigned long flags;

	if (mine && !irq && tail_full(tc))
		spare = chunk_new(GFP_ATOMIC | __GFP_MEMALLOC);
	if (mine) {
		flags = log_lock(tc);
		r = own_free(tc, call, obj, irq, &spare);
		log_unlock(tc, flags);
	}
	if (r == NOT_FOUND)
		r = others_free(tc, call, obj);
	if (r == NOT_FOUND && mine && !irq) {
		/* older than the transaction: keep it until commit */
		flags = log_lock(tc);
		r = defer(tc, call, obj, &spare) ? TAKEN : FREE_NOW;
		log_unlock(tc, flags);
	}
	if (spare)
		chunk_free(spare);
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
		release(e, *(unsigned long *)arg);
		STAT(tc, rolled_back);
	} else if (e->te_op == TXN_FREE) {
		STAT(tc, restored); /* forgotten: the object lives on */
	}
}

static void commit_entry(struct txn_cpu *tc, struct mm_txn_entry *e,
			 unsigned long idx, void *arg)
{
	if (e->te_op == TXN_FREE) {
		release(e, *(unsigned long *)arg);
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
	a = find_in(tc, lo, idx, e->te_kind, e->te_obj, &at);
	if (!a || a->te_op != TXN_ALLOC)
		return;
	a->te_op = TXN_DEAD;
	e->te_op = TXN_DEAD;
	release(e, (unsigned long)mm_txn_commit);
	STAT(tc, cancelled);
}

/* Close the innermost level (lock held); the outermost drops the log. */
static void pop_level(struct txn_cpu *tc, const struct mm_txn_seg *stop)
{
	unsigned int d = tc->depth;

	if (d == 1) {
		truncate_log(tc, 0, stop);
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

	walk_back(tc, tc->mark[d - 1], stop, undo_entry, &caller);
	if (d > 1)
		truncate_log(tc, tc->mark[d - 1], stop);
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
		walk_back(tc, tc->mark[d - 1], NULL, fold_entry,
			  &tc->mark[d - 2]);
		tc->lost[d - 2] += tc->lost[d - 1];
	} else {
		walk_back(tc, 0, NULL, commit_entry, &caller);
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

/* ---- statistics, report, validator ---------------------------------------- */

void mm_txn_stats(struct mm_txn_stats *st)
{
	unsigned long *dst = (unsigned long *)st;
	size_t n = sizeof(*st) / sizeof(unsigned long);

	memset(st, 0, sizeof(*st));
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const unsigned long *src =
			(const unsigned long *)&txn_cpus[cpu].st;

		for (size_t i = 0; i < n; i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
}

static void report_hart(unsigned int cpu)
{
	struct txn_cpu *tc = &txn_cpus[cpu];
	unsigned long flags = log_lock(tc);

	if (tc->depth)
		printk("txn: hart %u: %u open, log %lu entries in %lu "
		       "chunk(s) + inline\n",
		       cpu, tc->depth, log_len(tc), tc->chunks);
	for (unsigned int d = 0; d < tc->depth; d++)
		printk("txn:   level %u '%s' (%p) begun by %pS, log from "
		       "entry %lu\n",
		       d + 1, txn_name(tc->open[d]), tc->open[d],
		       (void *)tc->open[d]->tx_caller, tc->mark[d]);
	log_unlock(tc, flags);
}

void mm_txn_report(void)
{
	struct mm_txn_stats s;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		report_hart(cpu);
	mm_txn_stats(&s);
	printk("txn: %lu begun (%lu nested), %lu committed, %lu aborted; "
	       "%lu allocations logged, %lu rolled back; %lu frees deferred, "
	       "%lu restored, %lu done at commit; %lu cancelled\n",
	       s.begins, s.nested, s.commits, s.aborts, s.logged, s.rolled_back,
	       s.deferred, s.restored, s.deferred_done, s.cancelled);
	printk("txn: %lu log chunks grown, %lu MM_ENOLOG, %lu frees not "
	       "deferrable; %lu unlogged in interrupts, %lu taken out, %lu "
	       "double frees, %lu misuse, %lu left open\n",
	       s.log_grows, s.log_full, s.lost, s.irq_unlogged, s.taken_out,
	       s.double_frees, s.misuse, s.leftovers);
}

static bool __printf(2, 3) bad(unsigned int cpu, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("mm_txn_validate: hart %u: %s\n", cpu, msg);
	return false;
}

/* 3a and 3b. */
static bool check_levels(struct txn_cpu *tc, unsigned int cpu)
{
	if (tc->depth > MM_TXN_MAX_DEPTH)
		return bad(cpu, "depth %u", tc->depth);
	if (!tc->depth != !tc->tail)
		return bad(cpu, "depth %u but tail %p", tc->depth, tc->tail);
	for (unsigned int d = 0; d < tc->depth; d++) {
		const struct mm_txn *tx = tc->open[d];

		if (!tx || tx->tx_magic != TXN_OPEN || tx->tx_cpu != cpu ||
		    tx->tx_depth != d + 1)
			return bad(cpu,
				   "level %u: %p is not an open "
				   "transaction of this hart",
				   d + 1, tx);
		if ((d ? tc->mark[d - 1] : 0) > tc->mark[d] ||
		    tc->mark[d] > log_len(tc))
			return bad(cpu,
				   "level %u: mark %lu out of order (log "
				   "length %lu)",
				   d + 1, tc->mark[d], log_len(tc));
	}
	return true;
}

/* 3c and 3d. */
static bool check_segments(struct txn_cpu *tc, unsigned int cpu)
{
	const struct mm_txn_seg *first = &tc->open[0]->tx_seg;
	unsigned long chunks = 0;

	for (const struct mm_txn_seg *s = tc->tail; s; s = s->ts_prev) {
		const struct mm_txn_seg *p = s->ts_prev;

		if (s->ts_nr > s->ts_cap)
			return bad(cpu, "segment %p: %u entries, room for %u",
				   s, s->ts_nr, s->ts_cap);
		if (p && (p->ts_nr != p->ts_cap ||
			  s->ts_base != p->ts_base + p->ts_cap))
			return bad(cpu,
				   "segment %p: base %lu after a segment "
				   "of %u/%u from %lu",
				   s, s->ts_base, p->ts_nr, p->ts_cap,
				   p->ts_base);
		for (unsigned int i = 0; i < s->ts_nr; i++) {
			const struct mm_txn_entry *e = &s->ts_ent[i];

			if (e->te_op != TXN_DEAD && !entry_live(e))
				return bad(cpu,
					   "entry %lu (%s %p, op %u) is "
					   "not a live object",
					   s->ts_base + i,
					   mm_kind_name(e->te_kind), e->te_obj,
					   e->te_op);
		}
		if (!p && s != first)
			return bad(cpu, "log does not start in '%s' (%p)",
				   txn_name(tc->open[0]), tc->open[0]);
		chunks += p != NULL;
	}
	if (chunks != tc->chunks)
		return bad(cpu, "%lu chunks linked, %lu counted", chunks,
			   tc->chunks);
	return true;
}

bool mm_txn_validate(void)
{
	bool ok = true;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		struct txn_cpu *tc = &txn_cpus[cpu];
		unsigned long flags = log_lock(tc);

		if (!check_levels(tc, cpu))
			ok = false;
		else if (tc->depth && !check_segments(tc, cpu))
			ok = false;
		log_unlock(tc, flags);
	}
	return ok;
}

void mm_txn_init(void)
{
	log_cache = kmem_cache_create("mm_txn_log", sizeof(struct log_chunk), 0,
				      SLAB_NO_HOOKS, NULL);
	if (!log_cache)
		printk("txn: no log cache (%s): transactions longer than %d "
		       "entries will fail with MM_ENOLOG\n",
		       mm_strerror(mm_last_error()), MM_TXN_INLINE);
}

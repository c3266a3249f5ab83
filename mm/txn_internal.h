/* SPDX-License-Identifier: MIT */
/*
 * Inside mm/txn*.c only: the per-hart log state and the helpers the
 * transaction files share (layout and invariants: mm/txn.c, sections 2-3).
 */
#ifndef MM_TXN_INTERNAL_H
#define MM_TXN_INTERNAL_H

#include "mm/txn.h"

#define TXN_OPEN 0x4f6e7874u /* "txnO" */
#define TXN_DONE 0x446e7874u /* "txnD" */

/* te_op */
enum {
	TXN_ALLOC = 1, /* logged allocation */
	TXN_FREE = 2, /* deferred free */
	TXN_DEAD = 3 /* an allocation freed again: ignored, popped at the end */
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

extern struct txn_cpu txn_cpus[NR_CPUS];

#define STAT(tc, field) __atomic_fetch_add(&(tc)->st.field, 1, __ATOMIC_RELAXED)

static inline struct txn_cpu *this_txn_cpu(void)
{
	unsigned int cpu = arch_cpu_id();

	return &txn_cpus[cpu < NR_CPUS ? cpu : 0];
}

/*
 * The log lock: a bare flag taken with interrupts off, as the page
 * allocator's pcp_lock and the slab's cc_lock are (its owner takes it on
 * every logged call; a spinlock_t's bookkeeping would double the cost).
 */
static inline unsigned long log_lock(struct txn_cpu *tc)
{
	unsigned long flags = arch_irq_save();

	while (__atomic_exchange_n(&tc->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&tc->lock, __ATOMIC_RELAXED))
			arch_cpu_relax();
	return flags;
}

static inline void log_unlock(struct txn_cpu *tc, unsigned long flags)
{
	__atomic_store_n(&tc->lock, 0, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
}

static inline unsigned int depth_of(struct txn_cpu *tc)
{
	return __atomic_load_n(&tc->depth, __ATOMIC_RELAXED);
}

static inline unsigned long log_len(const struct txn_cpu *tc)
{
	return tc->tail ? tc->tail->ts_base + tc->tail->ts_nr : 0;
}

static inline const char *txn_name(const struct mm_txn *tx)
{
	return tx->tx_name ? tx->tx_name : "txn";
}

/* ---- mm/txn_log.c: the log's memory and entries (lock held unless said) */

/* A fresh chunk (unhooked cache object), or NULL. */
struct mm_txn_seg *txn_chunk_new(gfp_t gfp);
void txn_chunk_free(struct mm_txn_seg *s);
/* Is the tail segment full?  (owner hart, no lock needed) */
bool txn_tail_full(struct txn_cpu *tc);
/* Append an entry; spare is a fresh chunk for a full tail and comes
 * back when unused. */
struct mm_txn_seg *txn_append(struct txn_cpu *tc, const struct mm_call *c,
			      void *obj, uint8_t op, struct mm_txn_seg *spare);
/* The newest live entry for (kind, obj) with index in [lo, hi). */
struct mm_txn_entry *txn_find(struct txn_cpu *tc, unsigned long lo,
			      unsigned long hi, unsigned int kind,
			      const void *obj, unsigned long *idx);
typedef void (*txn_entry_fn)(struct txn_cpu *tc, struct mm_txn_entry *e,
			     unsigned long idx, void *arg);
/* fn on each entry with index >= lo, newest first, not entering stop. */
void txn_walk_back(struct txn_cpu *tc, unsigned long lo,
		   const struct mm_txn_seg *stop, txn_entry_fn fn, void *arg);
/* Cut the log back to len entries, freeing chunks (not stop). */
void txn_truncate(struct txn_cpu *tc, unsigned long len,
		  const struct mm_txn_seg *stop);
/* Mark e dead; pop dead entries at the end down to the innermost mark. */
void txn_kill(struct txn_cpu *tc, struct mm_txn_entry *e);
/* Can entries of this kind be rolled back? */
bool txn_kind_supported(unsigned int kind);
/* Free the object of e with its allocator's unhooked twin. */
void txn_release(const struct mm_txn_entry *e, unsigned long caller);
/* Is the object of e still allocated? */
bool txn_entry_live(const struct mm_txn_entry *e);

#endif /* MM_TXN_INTERNAL_H */

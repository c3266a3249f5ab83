/* SPDX-License-Identifier: MIT */
/*
 * Transaction counters, the report of open transactions, and the
 * validator of every hart's log (invariants: mm/txn.c, section 3).
 */
#include "mm/txn_internal.h"
#include "mm/internal.h"

#include <stdarg.h>

#include "lib/printk.h"
#include "lib/string.h"

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

unsigned int mm_txn_depth_of(unsigned int cpu)
{
	return cpu < NR_CPUS ? depth_of(&txn_cpus[cpu]) : 0;
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

/* May s be read as a segment: the first (in the transaction) or a chunk
 * of the log cache (RAM)? */
static bool seg_ok(const struct mm_txn_seg *s, const struct mm_txn_seg *first)
{
	return s == first || ram_ptr_ok(s, sizeof(void *));
}

/* 3c and 3d. */
static bool check_segments(struct txn_cpu *tc, unsigned int cpu)
{
	const struct mm_txn_seg *first = &tc->open[0]->tx_seg;
	unsigned long chunks = 0;

	if (!seg_ok(tc->tail, first))
		return bad(cpu, "newest segment %p is not a log chunk",
			   tc->tail);
	for (const struct mm_txn_seg *s = tc->tail; s; s = s->ts_prev) {
		const struct mm_txn_seg *p = s->ts_prev;

		/* every link checked before it is followed, the walk no
		 * longer than the chunks counted (a cycle) */
		if (p && (!seg_ok(p, first) || chunks >= tc->chunks))
			return bad(cpu,
				   "segment %p links to %p: not a log "
				   "chunk, or more than the %lu counted",
				   s, p, tc->chunks);
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

			if (e->te_op != TXN_DEAD && !txn_entry_live(e))
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

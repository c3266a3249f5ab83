/* SPDX-License-Identifier: MIT */
/*
 * The transaction log's memory and entries: chunks from the unhooked
 * cache mm_txn_log, appending, searching, walking, cutting back, and
 * giving logged objects back to their allocators (design: mm/txn.c).
 */
#include "mm/txn_internal.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mempool.h"
#include "mm/slab.h"
#include "mm/pool.h"
#include "mm/vg.h"
#include "lib/printk.h"

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

/* ---- the log's memory --------------------------------------------------- */

struct mm_txn_seg *txn_chunk_new(gfp_t gfp)
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

void txn_chunk_free(struct mm_txn_seg *s)
{
	__kmem_cache_free(log_cache, s, (unsigned long)txn_chunk_free);
}

bool txn_tail_full(struct txn_cpu *tc)
{
	const struct mm_txn_seg *t = tc->tail;

	return __atomic_load_n(&t->ts_nr, __ATOMIC_RELAXED) == t->ts_cap;
}

/*
 * Append one entry (lock held).  spare is a fresh chunk for a full tail;
 * returns it when it was not needed (the caller frees it).
 */
struct mm_txn_seg *txn_append(struct txn_cpu *tc, const struct mm_call *c,
			      void *obj, uint8_t op, struct mm_txn_seg *spare)
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
struct mm_txn_entry *txn_find(struct txn_cpu *tc, unsigned long lo,
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
void txn_walk_back(struct txn_cpu *tc, unsigned long lo,
		   const struct mm_txn_seg *stop, txn_entry_fn fn, void *arg)
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
void txn_truncate(struct txn_cpu *tc, unsigned long len,
		  const struct mm_txn_seg *stop)
{
	while (tc->tail && tc->tail != stop && tc->tail->ts_prev &&
	       tc->tail->ts_base >= len) {
		struct mm_txn_seg *s = tc->tail;

		tc->tail = s->ts_prev;
		txn_chunk_free(s);
		tc->chunks--;
	}
	if (tc->tail && tc->tail != stop)
		tc->tail->ts_nr = (unsigned int)(len - tc->tail->ts_base);
}

/* Mark e dead; pop dead entries at the end down to the innermost mark. */
void txn_kill(struct txn_cpu *tc, struct mm_txn_entry *e)
{
	struct mm_txn_seg *t = tc->tail;
	unsigned long floor = tc->mark[tc->depth - 1];

	e->te_op = TXN_DEAD;
	while (t->ts_nr && t->ts_base + t->ts_nr > floor &&
	       t->ts_ent[t->ts_nr - 1].te_op == TXN_DEAD)
		__atomic_store_n(&t->ts_nr, t->ts_nr - 1, __ATOMIC_RELAXED);
}

/* ---- giving objects back (unhooked) ------------------------------------- */

bool txn_kind_supported(unsigned int kind)
{
	return kind == MM_KIND_PAGES || kind == MM_KIND_SLAB ||
	       kind == MM_KIND_KMALLOC || kind == MM_KIND_HEAP ||
	       kind == MM_KIND_POOL || kind == MM_KIND_ARENA ||
	       kind == MM_KIND_MEMPOOL || kind == MM_KIND_DMA;
}

void txn_release(const struct mm_txn_entry *e, unsigned long caller)
{
	switch (e->te_kind) {
	case MM_KIND_PAGES:
		if (VG_ON)
			vg_free(page_address(e->te_obj));
		__free_pages(e->te_obj, e->te_order, caller);
		break;
	case MM_KIND_SLAB:
		vg_free(e->te_obj);
		__kmem_cache_free(e->te_owner, e->te_obj, caller);
		break;
	case MM_KIND_HEAP:
		vg_free(e->te_obj);
		__k_heap_free(e->te_owner, e->te_obj, caller);
		break;
	case MM_KIND_KMALLOC:
		vg_free(e->te_obj);
		__kfree(e->te_obj, caller);
		break;
	case MM_KIND_POOL:
		vg_free(e->te_obj);
		__k_mem_slab_free(e->te_owner, e->te_obj, caller);
		break;
	case MM_KIND_MEMPOOL:
		__mempool_free(e->te_owner, e->te_obj, caller);
		break;
	case MM_KIND_DMA: /* owner: the dma_pool, or NULL for a buffer */
		__dma_release(e->te_owner, e->te_obj, e->te_order, caller);
		break;
	case MM_KIND_ARENA: /* te_obj: where the allocation started */
		__arena_rollback(e->te_owner, e->te_obj, caller);
		break;
	default:
		printk("txn: BUG: no way to free a logged %s object %p\n",
		       mm_kind_name(e->te_kind), e->te_obj);
	}
}

/* Is the object of e still allocated?  (validator) */
bool txn_entry_live(const struct mm_txn_entry *e)
{
	const struct page *pg = e->te_obj;
	struct kmem_cache *c;
	struct page seen;

	switch (e->te_kind) {
	case MM_KIND_PAGES:
		if (!page_in_mem_map(pg))
			return false;
		seen = page_load_state(pg);
		return (seen.flags & PG_head) && seen.order == e->te_order;
	case MM_KIND_SLAB:
		return kmem_cache_obj_live(e->te_owner, e->te_obj);
	case MM_KIND_HEAP:
		return k_heap_usable_size(e->te_owner, e->te_obj) != 0;
	case MM_KIND_KMALLOC: /* ksize() is 0 for a live zero-size block */
		return ksize(e->te_obj) || ((c = kmem_cache_of(e->te_obj)) &&
					    kmem_cache_obj_live(c, e->te_obj));
	case MM_KIND_POOL:
		return k_mem_slab_block_live(e->te_owner, e->te_obj);
	case MM_KIND_DMA:
		return dma_obj_live(e->te_owner, e->te_obj, e->te_order);
	case MM_KIND_MEMPOOL:
		return mempool_element_live(e->te_owner, e->te_obj);
	case MM_KIND_ARENA:
		return arena_pos_live(e->te_owner, e->te_obj);
	default:
		return false;
	}
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

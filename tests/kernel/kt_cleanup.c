/* SPDX-License-Identifier: MIT */
/*
 * The cleanup actions behind kt_cache_at_end() and kt_dma_pool_at_end()
 * (tests/kernel/kt_cleanup.h): a cache or DMA pool a case created is
 * emptied of the objects it still holds, then destroyed, so a case cut
 * short by an ASSERT leaves no slab or chunk behind.
 */
#include "tests/kernel/kt_cleanup.h"

#include "lib/list.h"
#include "mm/dma_internal.h"
#include "mm/slab_internal.h"

/* Base address of one slab of c that still has objects in use, or 0. */
static uintptr_t busy_slab(struct kmem_cache *c)
{
	unsigned long flags = slab_lock_all(c);
	uintptr_t base = 0;

	for (int l = SL_PARTIAL; l <= SL_FULL && !base; l++) {
		struct list_head *h = slab_list_head(c, (enum slab_list)l);

		if (!list_empty(h))
			base = slab_base(list_entry(h->next, struct page, lru));
	}
	slab_unlock_all(c, flags);
	return base;
}

/* Free every live object of the slab at base; returns how many. */
static unsigned int empty_slab(struct kmem_cache *c, uintptr_t base)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->kc_objs; i++) {
		void *obj = slab_obj(c, base, i);

		if (kmem_cache_obj_live(c, obj)) {
			kmem_cache_free(c, obj);
			n++;
		}
	}
	return n;
}

void kt_cache_action(void *arg)
{
	struct kmem_cache *c = arg;
	uintptr_t base;

	kmem_cache_shrink(c); /* objects in magazines are free, not live */
	while ((base = busy_slab(c)) && empty_slab(c, base))
		kmem_cache_shrink(c);
	kmem_cache_destroy(c);
}

/* One block of p still in use (its CPU and bus address); false if none. */
static bool busy_block(struct dma_pool *p, void **v, dma_addr_t *d)
{
	unsigned long flags = spin_lock_irqsave(&dma_lock);
	bool found = false;
	struct dma_chunk *c;

	list_for_each_entry(c, &p->dp_chunks, dc_node)
	{
		for (unsigned int i = 0; i < p->dp_per_chunk && !found; i++) {
			if (!(c->dc_map[i / BITS_PER_LONG] &
			      (1ul << (i % BITS_PER_LONG))))
				continue;
			*v = c->dc_vaddr + dma_block_off(p, i);
			*d = c->dc_dma + dma_block_off(p, i);
			found = true;
		}
		if (found)
			break;
	}
	spin_unlock_irqrestore(&dma_lock, flags);
	return found;
}

void kt_dma_pool_action(void *arg)
{
	struct dma_pool *p = arg;
	dma_addr_t d;
	void *v;

	/* A refused free (a broken pool) ends the loop: the guard reports. */
	while (busy_block(p, &v, &d) &&
	       __dma_pool_free(p, v, d, (unsigned long)kt_dma_pool_action))
		;
	dma_pool_destroy(p);
}

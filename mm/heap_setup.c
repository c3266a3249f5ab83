/* SPDX-License-Identifier: MIT */
/*
 * The TLSF heap's surroundings: waiting with a timeout (shared with the
 * pools of mm/pool.c), the system heap made at boot, and the queries that
 * only read a heap (mm/heap.c is the algorithm).
 */
#include "mm/heap_internal.h"
#include "mm/mm.h"
#include "lib/printk.h"
#include "lib/string.h"

bool k_wait_allowed(k_timeout_t timeout)
{
	return timeout != K_NO_WAIT && !arch_in_irq() && !spin_locks_held();
}

uint64_t k_deadline(k_timeout_t timeout)
{
	uint64_t now = arch_time_ns();

	return timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
}

bool k_wait_for_change(const unsigned long *gen, unsigned long seen,
		       uint64_t deadline)
{
	while (__atomic_load_n(gen, __ATOMIC_ACQUIRE) == seen) {
		if (arch_time_ns() >= deadline)
			return false;
		arch_cpu_relax();
	}
	return true;
}

int k_heap_init(struct k_heap *h, const char *name, void *mem, size_t bytes)
{
	uintptr_t start = ((uintptr_t)mem + TLSF_ALIGN - 1) & ~(uintptr_t)15;
	uintptr_t end = ((uintptr_t)mem + bytes) & ~(uintptr_t)15;
	struct tlsf_block *b, *sentinel;
	unsigned long fl, sl, flags;

	k_heap_remove(h); /* re-initialising a registered heap replaces it */
	memset(h, 0, sizeof(*h));
	spin_lock_init(&h->hp_lock, "k_heap");
	h->hp_name = name ? name : "heap";
	if (!mem || (uintptr_t)mem + bytes < (uintptr_t)mem || end < start ||
	    end - start < TLSF_HDR + TLSF_MIN_BLOCK)
		return -MM_EINVAL;
	mapping(capacity(end - start - TLSF_HDR), &fl, &sl);
	if (fl >= TLSF_FL_COUNT)
		return -MM_EINVAL;
	h->hp_start = (char *)start;
	h->hp_end = (char *)end - TLSF_HDR;
	b = (struct tlsf_block *)h->hp_start;
	sentinel = (struct tlsf_block *)h->hp_end;
	b->tb_size = (size_t)(h->hp_end - h->hp_start);
	b->tb_prev_phys = NULL;
	sentinel->tb_size = 0;
	sentinel->tb_prev_phys = b;
	heap_add_free(h, b);
	flags = spin_lock_irqsave(&heap_lock);
	reg_add(&heaps, &h->hp_node);
	spin_unlock_irqrestore(&heap_lock, flags);
	return 0;
}

struct k_heap system_heap;

int heap_init_system(void)
{
	struct page *pg = __alloc_pages(GFP_KERNEL | __GFP_NOWARN,
					SYSTEM_HEAP_ORDER, _RET_IP_);
	int err;

	if (!pg) {
		printk("heap: no memory for the system heap; k_heap calls on it "
		       "will fail\n");
		return -MM_ENOMEM;
	}
	err = k_heap_init(&system_heap, "system", page_address(pg),
			  PAGE_SIZE << SYSTEM_HEAP_ORDER);
	if (!err)
		printk("heap: system heap (TLSF) of %lu KiB at %p\n",
		       (PAGE_SIZE << SYSTEM_HEAP_ORDER) / 1024,
		       page_address(pg));
	return err;
}

void k_heap_remove(struct k_heap *h)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	reg_remove(&heaps, &h->hp_node); /* h may be uninitialised memory */
	spin_unlock_irqrestore(&heap_lock, flags);
}

bool k_heap_contains(const struct k_heap *h, const void *mem)
{
	return (const char *)mem >= h->hp_start &&
	       (const char *)mem < h->hp_end;
}

size_t k_heap_usable_size(struct k_heap *h, const void *mem)
{
	unsigned long flags = heap_lock_irqsave(h);
	const char *why;
	struct tlsf_block *b = check_block(h, mem, &why);
	size_t n = b ? bsize(b) - TLSF_HDR : 0;

	heap_unlock_irqrestore(h, flags);
	return n;
}

// SPDX-License-Identifier: MIT
/*
 * DMA pools (Linux dma_pool_create() and friends): aligned blocks from
 * ZONE_DMA chunks, never crossing the pool's boundary.  The layout and the
 * invariants are in mm/dma.c's theory section.
 */
#include "mm/dma_internal.h"
#include "mm/hooks.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "lib/printk.h"
#include "lib/string.h"

/* ---- geometry ------------------------------------------------------------------ */

static bool pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/* Fill in p's layout; false when size/align/boundary make no pool. */
static bool geometry(struct dma_pool *p, size_t size, size_t align,
		     size_t boundary)
{
	size_t chunk;

	if (!align)
		align = 8;
	if (!size || !pow2(align) || align > PAGE_SIZE ||
	    (boundary && (!pow2(boundary) || boundary < size)) ||
	    size > (PAGE_SIZE << (MAX_ORDER - 1)))
		return false;
	if (align < 8)
		align = 8;
	p->dp_size = size;
	p->dp_stride = (size + align - 1) & ~(align - 1);
	p->dp_order = get_order(p->dp_stride);
	chunk = PAGE_SIZE << p->dp_order;
	p->dp_boundary = boundary;
	p->dp_window = boundary && boundary < chunk ? boundary : chunk;
	if (p->dp_window < p->dp_stride)
		p->dp_window = p->dp_stride; /* starts on boundaries anyway */
	p->dp_per_window = (unsigned int)(p->dp_window / p->dp_stride);
	p->dp_per_chunk =
		(unsigned int)(chunk / p->dp_window) * p->dp_per_window;
	return p->dp_per_chunk <= DMA_POOL_MAX_BLOCKS;
}

struct dma_pool *dma_pool_create(const char *name, size_t size, size_t align,
				 size_t boundary)
{
	unsigned long caller = _RET_IP_, flags;
	struct dma_pool *p;

	if (!dma_pool_cache) {
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	p = __kmem_cache_alloc(dma_pool_cache, GFP_KERNEL, caller);
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	if (!geometry(p, size, align, boundary)) {
		__kmem_cache_free(dma_pool_cache, p, caller);
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	str_copy(p->dp_name, name ? name : "dma_pool", sizeof(p->dp_name));
	list_init(&p->dp_chunks);
	flags = spin_lock_irqsave(&dma_lock);
	list_add_tail(&p->dp_node, &dma_pools);
	nr_dma_pools++;
	spin_unlock_irqrestore(&dma_lock, flags);
	return p;
}

int dma_pool_destroy(struct dma_pool *p)
{
	unsigned long flags, in_use;

	if (!p)
		return 0;
	flags = spin_lock_irqsave(&dma_lock);
	in_use = p->dp_in_use;
	if (!in_use) {
		list_del(&p->dp_node);
		nr_dma_pools--;
	}
	spin_unlock_irqrestore(&dma_lock, flags);
	if (in_use) {
		mm_set_error(MM_EBUSY);
		printk("dma_pool_destroy: pool %s: %lu blocks still in use, "
		       "from %pS; not destroyed\n",
		       p->dp_name, in_use, __builtin_return_address(0));
		return -MM_EBUSY;
	}
	__kmem_cache_free(dma_pool_cache, p, _RET_IP_);
	return 0;
}

/* ---- allocation ------------------------------------------------------------------ */

/* Take a free block from a chunk of p (dma_lock held), or NULL. */
static void *take_block(struct dma_pool *p, dma_addr_t *dma)
{
	struct dma_chunk *c;

	list_for_each_entry(c, &p->dp_chunks, dc_node)
	{
		if (c->dc_used == p->dp_per_chunk)
			continue;
		for (unsigned int w = 0; w < MAP_WORDS; w++) {
			unsigned long free = ~c->dc_map[w];
			unsigned int i;

			if (!free)
				continue;
			i = w * BITS_PER_LONG +
			    (unsigned int)__builtin_ctzl(free);
			if (i >= p->dp_per_chunk)
				break;
			c->dc_map[w] |= 1ul << (i % BITS_PER_LONG);
			c->dc_used++;
			*dma = c->dc_dma + dma_block_off(p, i);
			return c->dc_vaddr + dma_block_off(p, i);
		}
	}
	return NULL;
}

/* A new chunk for p (not yet on its list), or NULL. */
static struct dma_chunk *new_chunk(struct dma_pool *p, gfp_t gfp,
				   unsigned long caller)
{
	struct dma_chunk *c =
		__kmem_cache_alloc(dma_chunk_cache, gfp & ~__GFP_DMA, caller);
	struct page *pg;

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	pg = dma_pages(gfp, p->dp_order, c, caller);
	if (!pg) {
		__kmem_cache_free(dma_chunk_cache, c, caller);
		return NULL;
	}
	c->dc_pool = p;
	c->dc_vaddr = page_address(pg);
	c->dc_dma = page_to_phys(pg);
	return c;
}

static void free_chunk(struct dma_pool *p, struct dma_chunk *c,
		       unsigned long caller)
{
	struct page *pg = virt_to_page(c->dc_vaddr);

	page_owner_flags(pg, 0, PG_dma);
	__free_pages(pg, p->dp_order, caller);
	__kmem_cache_free(dma_chunk_cache, c, caller);
}

/* Count an allocation's outcome (dma_lock held). */
static void count_alloc(struct dma_pool *p, void *b)
{
	if (b) {
		p->dp_in_use++;
		p->dp_nr_alloc++;
	} else {
		p->dp_nr_fail++;
	}
}

void *__dma_pool_alloc(struct dma_pool *p, gfp_t gfp, dma_addr_t *dma,
		       unsigned long caller)
{
	struct dma_chunk *c;
	unsigned long flags;
	void *b;

	if (!dma || (gfp & ~__GFP_ALL)) {
		mm_set_error(MM_EINVAL);
		return NULL;
	}
	flags = spin_lock_irqsave(&dma_lock);
	b = take_block(p, dma);
	if (b)
		count_alloc(p, b);
	spin_unlock_irqrestore(&dma_lock, flags);
	if (b)
		goto out;
	c = new_chunk(p, gfp, caller); /* outside the lock */
	flags = spin_lock_irqsave(&dma_lock);
	if (c && !(b = take_block(p, dma))) { /* nobody added one */
		list_add(&c->dc_node, &p->dp_chunks);
		p->dp_nr_chunks++;
		b = take_block(p, dma);
		c = NULL;
	}
	count_alloc(p, b);
	spin_unlock_irqrestore(&dma_lock, flags);
	if (c)
		free_chunk(p, c, caller); /* not needed after all */
out:
	if (b && (gfp & __GFP_ZERO))
		memset(b, 0, p->dp_size);
	return b;
}

void *dma_pool_alloc(struct dma_pool *p, gfp_t gfp, dma_addr_t *dma)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_DMA, p,	 p->dp_name, p->dp_size,
			       0,	    gfp, caller};
	void *b;
	int err;

	if (hk && hk->should_fail && hk->should_fail(&call)) {
		mm_set_error(MM_EFAULT_INJECTED);
		return NULL;
	}
	b = __dma_pool_alloc(p, gfp, dma, caller);
	if (b && hk && hk->on_alloc && (err = hk->on_alloc(&call, b))) {
		__dma_pool_free(p, b, *dma, caller);
		mm_set_error((enum mm_error)err);
		return NULL;
	}
	return b;
}

/* ---- free ---------------------------------------------------------------------------- */

/* The chunk of p holding vaddr (dma_lock held), or NULL. */
static struct dma_chunk *chunk_of(struct dma_pool *p, const void *vaddr)
{
	struct page *pg = virt_to_page(vaddr), *head;
	struct dma_chunk *c;

	head = pg ? page_block_head(pg) : NULL;
	if (!head || !(page_load_state(head).flags & PG_dma) || !head->private)
		return NULL;
	/* private is only trusted once found on the pool's own list. */
	list_for_each_entry(
		c, &p->dp_chunks,
		dc_node) if (c == (struct dma_chunk *)head->private) return c;
	return NULL;
}

/* Block index of vaddr in c, or -1 when it is not a block start. */
static long block_index(const struct dma_pool *p, const struct dma_chunk *c,
			const void *vaddr)
{
	size_t off = (size_t)((const char *)vaddr - c->dc_vaddr);
	size_t w = off / p->dp_window, r = off % p->dp_window;
	size_t i = w * p->dp_per_window + r / p->dp_stride;

	if (r % p->dp_stride || r / p->dp_stride >= p->dp_per_window ||
	    i >= p->dp_per_chunk)
		return -1;
	return (long)i;
}

static bool test_bit(const unsigned long *map, size_t i)
{
	return map[i / BITS_PER_LONG] & (1ul << (i % BITS_PER_LONG));
}

/* Why vaddr/dma is not a live block of p (dma_lock held), or NULL. */
static const char *check_block(struct dma_pool *p, const void *vaddr,
			       dma_addr_t dma, struct dma_chunk **pc, long *pi)
{
	struct dma_chunk *c = chunk_of(p, vaddr);
	long i;

	if (!c)
		return "is not in a chunk of this pool";
	i = block_index(p, c, vaddr);
	if (i < 0)
		return "is not the start of a block";
	if (!test_bit(c->dc_map, (size_t)i))
		return "is already free (double free)";
	if (dma != c->dc_dma + dma_block_off(p, (unsigned int)i))
		return "comes with the wrong bus address";
	*pc = c;
	*pi = i;
	return NULL;
}

bool __dma_pool_free(struct dma_pool *p, void *vaddr, dma_addr_t dma,
		     unsigned long caller)
{
	struct dma_chunk *c = NULL;
	unsigned long flags;
	const char *why;
	long i;

	if (!vaddr)
		return true;
	flags = spin_lock_irqsave(&dma_lock);
	why = check_block(p, vaddr, dma, &c, &i);
	if (why) {
		p->dp_nr_bad_free++;
	} else {
		c->dc_map[i / BITS_PER_LONG] &= ~(1ul << (i % BITS_PER_LONG));
		p->dp_in_use--;
		p->dp_nr_free++;
		if (--c->dc_used) {
			c = NULL;
		} else { /* empty: back to the page allocator */
			list_del(&c->dc_node);
			p->dp_nr_chunks--;
		}
	}
	spin_unlock_irqrestore(&dma_lock, flags);
	if (why) {
		dma_bad_free("dma_pool_free", vaddr, why, caller);
		return false;
	}
	if (c)
		free_chunk(p, c, caller);
	return true;
}

bool dma_pool_block_live(struct dma_pool *p, const void *vaddr)
{
	unsigned long flags = spin_lock_irqsave(&dma_lock);
	struct dma_chunk *c = chunk_of(p, vaddr);
	long i = c ? block_index(p, c, vaddr) : -1;
	bool live = i >= 0 && test_bit(c->dc_map, (size_t)i);

	spin_unlock_irqrestore(&dma_lock, flags);
	return live;
}

void dma_pool_free(struct dma_pool *p, void *vaddr, dma_addr_t dma)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_DMA, p, p->dp_name, p->dp_size,
			       0,	    0, caller};

	if (vaddr && hk && hk->on_free && dma_pool_block_live(p, vaddr) &&
	    hk->on_free(&call, vaddr))
		return; /* deferred by a transaction */
	__dma_pool_free(p, vaddr, dma, caller);
}

/* ---- statistics and the validator's part ----------------------------------------------- */

void dma_pool_stats_get(struct dma_pool *p, struct dma_pool_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&dma_lock);

	st->size = p->dp_size;
	st->stride = p->dp_stride;
	st->boundary = p->dp_boundary;
	st->per_chunk = p->dp_per_chunk;
	st->chunks = p->dp_nr_chunks;
	st->in_use = p->dp_in_use;
	st->nr_alloc = p->dp_nr_alloc;
	st->nr_free = p->dp_nr_free;
	st->nr_fail = p->dp_nr_fail;
	st->nr_bad_free = p->dp_nr_bad_free;
	spin_unlock_irqrestore(&dma_lock, flags);
}

#define VFAIL(p, ...)                                            \
	do {                                                     \
		printk("dma_validate: pool %s: ", (p)->dp_name); \
		printk(__VA_ARGS__);                             \
		ok = false;                                      \
	} while (0)

/* 3b for one chunk; returns its blocks in use, or -1 when broken. */
static long check_chunk(struct dma_pool *p, struct dma_chunk *c)
{
	struct page *pg = virt_to_page(c->dc_vaddr);
	unsigned int used = 0;
	struct page seen;
	bool ok = true;

	if (!pg) {
		VFAIL(p, "chunk %p: %p is not in the memmap\n", c, c->dc_vaddr);
		return -1;
	}
	seen = page_load_state(pg);
	if (!(seen.flags & PG_head) || !(seen.flags & PG_dma) ||
	    seen.order != p->dp_order || pg->private != (unsigned long)c ||
	    c->dc_pool != p || c->dc_dma != page_to_phys(pg))
		VFAIL(p, "chunk %p: its page does not point back to it\n", c);
	for (unsigned int i = 0; i < DMA_POOL_MAX_BLOCKS; i++) {
		if (!test_bit(c->dc_map, i))
			continue;
		used++;
		if (i >= p->dp_per_chunk)
			VFAIL(p, "chunk %p: block %u past the end in use\n", c,
			      i);
	}
	if (!used || used != c->dc_used)
		VFAIL(p, "chunk %p: %u blocks in use, counted %u\n", c, used,
		      c->dc_used);
	return ok ? (long)used : -1;
}

bool dma_pool_check(struct dma_pool *p, unsigned long *chunks,
		    unsigned long *pages)
{
	unsigned long n = 0, used = 0;
	unsigned long frames = memmap_end_pfn - memmap_start_pfn;
	struct list_head *e;
	bool ok = true;

	/* every link checked before it is followed; a chunk is a page at
	 * least, so a longer list is a cycle */
	for (e = p->dp_chunks.next; e != &p->dp_chunks; e = e->next) {
		struct dma_chunk *c;
		long u;

		if (n > frames || !ram_list_step_ok(&p->dp_chunks, e)) {
			VFAIL(p, "the chunk list is corrupt at %p\n",
			      (void *)e);
			break;
		}
		c = list_entry(e, struct dma_chunk, dc_node); /* e checked */
		u = check_chunk(p, c);

		if (u < 0)
			ok = false;
		else
			used += (unsigned long)u;
		n++;
	}
	if (n != p->dp_nr_chunks || used != p->dp_in_use ||
	    p->dp_nr_alloc - p->dp_nr_free != p->dp_in_use)
		VFAIL(p,
		      "%lu chunks, %lu blocks in use; counters: %lu, %lu, "
		      "%lu allocs - %lu frees\n",
		      n, used, p->dp_nr_chunks, p->dp_in_use, p->dp_nr_alloc,
		      p->dp_nr_free);
	*chunks += n;
	if (p->dp_order < MAX_ORDER) /* else reported above */
		*pages += n << p->dp_order;
	return ok;
}

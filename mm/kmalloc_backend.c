/* SPDX-License-Identifier: MIT */
/*
 * kmalloc's backends (see the theory section of mm/kmalloc.c): zero-size
 * blocks, the size-class caches, whole pages and the simple heap; and the
 * way back from an address to its owner (resolve, refuse, release).
 */
#include "mm/kmalloc_internal.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"

struct sheap km_heaps[KM_MAX_HEAPS];
unsigned int km_nr_heaps;
struct page *km_heap_blocks[KM_MAX_HEAPS];
unsigned int km_nr_heap_blocks;

spinlock_t km_large_lock = SPINLOCK_INIT("kmalloc_large");
struct list_head km_large_list = LIST_HEAD_INIT(km_large_list);

/* ---- zero-size blocks --------------------------------------------------------- */

static unsigned long zero_canary(const void *p)
{
	return KM_ZERO_CANARY ^ (uintptr_t)p;
}

void *km_zero_alloc(struct km_req *r)
{
	gfp_t gfp = (r->gfp & ~(__GFP_ZERO | __GFP_DMA)) | __GFP_NOWARN;
	unsigned long *p;

	r->row = KMALLOC_ROW_ZERO;
	p = __kmem_cache_alloc(km_zero_cache, gfp, r->caller);
	if (!p)
		return NULL;
	*p = zero_canary(p);
	km_stat_alloc(KMALLOC_ROW_ZERO, 0, 0);
	return p;
}

/* ---- size classes -------------------------------------------------------------- */

static bool in_dma_zone(const void *p)
{
	struct page *pg = virt_to_page(p);

	return pg && page_zone(pg) == &zones[ZONE_DMA];
}

void *km_slab_alloc(struct km_req *r, enum km_set set, unsigned int idx)
{
	struct kmem_cache *c = km_caches[set][idx];
	void *p;

	r->row = idx;
	p = __kmem_cache_alloc(c, r->gfp | __GFP_NOWARN, r->caller);
	if (!p)
		return NULL;
	if (set >= KM_SET_DMA && !in_dma_zone(p)) {
		printk("kmalloc: %s gave %p outside ZONE_DMA; refused\n",
		       kmem_cache_name(c), p);
		goto undo;
	}
	if (r->debug &&
	    !km_debug_attach(r, p, p, kmalloc_class_size[idx], KM_SLAB))
		goto undo;
	km_stat_alloc(idx, r->size, 0);
	return p;
undo:
	__kmem_cache_free(c, p, r->caller);
	mm_set_error(MM_ENOMEM);
	return NULL;
}

/* ---- whole pages -------------------------------------------------------------- */

/*
 * A debug block gets a red zone in front too: the payload starts lead
 * bytes (a multiple of the alignment) into the pages.  When that would
 * not fit the largest block the lead is dropped, then the tail.
 */
static size_t large_lead(const struct km_req *r)
{
	size_t lead = r->align > KM_RZ ? r->align : KM_RZ;

	/* Two tests, never KMALLOC_MAX_SIZE - lead - KM_RZ alone: at the
	 * largest alignment that difference would wrap. */
	if (!r->debug || lead > KMALLOC_MAX_SIZE - KM_RZ ||
	    r->size > KMALLOC_MAX_SIZE - lead - KM_RZ)
		return 0;
	return lead;
}

void *km_large_alloc(struct km_req *r)
{
	size_t lead = large_lead(r), need = lead + r->size;
	unsigned long nr;
	unsigned int order;
	bool run = false;
	unsigned long flags;
	struct page *pg;
	char *base;

	r->row = KMALLOC_ROW_LARGE;
	if (r->size > KMALLOC_MAX_SIZE) { /* and lead + size may have wrapped */
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	if (r->debug && need <= KMALLOC_MAX_SIZE - KM_RZ)
		need += KM_RZ;
	if (need > KMALLOC_MAX_SIZE) {
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	order = get_order(need > r->align ? need : r->align);
	nr = 1UL << order;
	pg = __alloc_pages(r->gfp | __GFP_NOWARN | __GFP_LARGE, order,
			   r->caller);
	if (!pg && order && r->align <= PAGE_SIZE && km_short_of_memory()) {
		/* a run: mm/kmalloc.c, section 9 */
		nr = (need + PAGE_SIZE - 1) >> PAGE_SHIFT;
		pg = __alloc_page_run(r->gfp | __GFP_NOWARN | __GFP_LARGE, nr,
				      r->caller);
		run = pg != NULL;
	}
	if (!pg)
		return NULL;
	base = page_address(pg);
	pg->u32 = (uint32_t)r->size | (r->debug ? KM_LARGE_TRACKED : 0) |
		  (run ? KM_LARGE_RUN : 0);
	pg->private = r->caller;
	if (run)
		pg[1].private = nr;
	if (r->debug &&
	    !km_debug_attach(r, base + lead, base, (nr << PAGE_SHIFT) - lead,
			     KM_LARGE)) {
		km_large_give(pg, r->caller);
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	flags = spin_lock_irqsave(&km_large_lock);
	page_owner_flags(pg, PG_large, 0);
	list_add(&pg->lru, &km_large_list);
	spin_unlock_irqrestore(&km_large_lock, flags);
	km_stat_alloc(KMALLOC_ROW_LARGE, r->size,
		      r->debug ? r->size : nr << PAGE_SHIFT);
	return base + lead;
}

unsigned long km_large_give(struct page *head, unsigned long caller)
{
	unsigned long nr = km_large_pages(head); /* before the pages go */

	if (head->u32 & KM_LARGE_RUN)
		__free_page_run(head, nr, caller);
	else
		__free_pages(head, head->order, caller);
	return nr;
}

/* ---- the simple heap ----------------------------------------------------------- */

struct sheap *km_heap_of(const void *p)
{
	for (unsigned int i = 0; i < km_nr_heaps; i++)
		if (sheap_contains(&km_heaps[i], p))
			return &km_heaps[i];
	return NULL;
}

/*
 * A debug block in the heap: [lead red zone][size bytes][red zone], the
 * lead a multiple of the alignment so the payload stays aligned.
 */
void *km_heap_alloc(struct km_req *r)
{
	size_t align = r->align > SHEAP_ALIGN ? r->align : SHEAP_ALIGN;
	size_t lead = !r->debug ? 0 : align > KM_RZ ? align : KM_RZ;
	size_t need = lead + r->size + (r->debug ? KM_RZ : 0), usable;
	struct sheap *h = NULL;
	char *base = NULL;

	r->row = KMALLOC_ROW_HEAP;
	if (need < r->size) {
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	for (unsigned int i = 0; i < km_nr_heaps && !base; i++) {
		h = &km_heaps[i];
		base = sheap_alloc(h, need, align);
	}
	if (!base) {
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	usable = sheap_usable_size(h, base);
	if (r->gfp & __GFP_ZERO)
		memset(base, 0, usable);
	if (r->debug &&
	    !km_debug_attach(r, base + lead, base, usable - lead, KM_HEAP)) {
		sheap_free_from(h, base, (void *)r->caller);
		mm_set_error(MM_ENOMEM);
		return NULL;
	}
	km_stat_alloc(KMALLOC_ROW_HEAP, r->size,
		      r->debug ? r->size : usable);
	return base + lead;
}

BOOTPARAM_SIZE(kmalloc_heap, "kmalloc.heap", "1/8 of RAM", 0,
	       (uint64_t)KM_MAX_HEAPS *KMALLOC_MAX_SIZE, PAGE_SIZE,
	       "size of the simple heap of the simple and hybrid modes "
	       "(0: none)");

/*
 * Heap size: kmalloc.heap=SIZE as given; else 1/8 of managed RAM rounded
 * to the nearest whole 4 MiB block (when that is at least one), so the
 * region is a few largest buddy blocks.  At most KM_MAX_HEAPS blocks.
 */
static uint64_t heap_bytes(void)
{
	uint64_t bytes = 0, cap = (uint64_t)KM_MAX_HEAPS * KMALLOC_MAX_SIZE;
	struct zone *z;

	if (bootparam_size("kmalloc.heap", &bytes))
		return bytes;
	for_each_zone (z)
		bytes += (uint64_t)z->managed_pages * PAGE_SIZE;
	bytes /= 8;
	if (bytes >= KMALLOC_MAX_SIZE / 2)
		bytes = (bytes + KMALLOC_MAX_SIZE / 2) &
			~(KMALLOC_MAX_SIZE - 1);
	return bytes < cap ? bytes : cap;
}

/* Take buddy blocks, largest first, until bytes are covered. */
static void take_heap_blocks(uint64_t bytes)
{
	unsigned int order = MAX_ORDER - 1;

	while (bytes >= PAGE_SIZE && km_nr_heap_blocks < KM_MAX_HEAPS) {
		struct page *pg;

		while (order && (PAGE_SIZE << order) > bytes)
			order--;
		pg = __alloc_pages(GFP_KERNEL | __GFP_NOWARN, order,
				   (unsigned long)take_heap_blocks);
		if (!pg) {
			if (!order--)
				break;
			continue;
		}
		km_heap_blocks[km_nr_heap_blocks++] = pg;
		bytes -= PAGE_SIZE << order;
	}
}

/* Sort the blocks by address; physically adjacent ones make one region. */
static void make_regions(void)
{
	struct page **b = km_heap_blocks;
	unsigned int n = km_nr_heap_blocks;

	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j && b[j] < b[j - 1]; j--) {
			struct page *t = b[j];

			b[j] = b[j - 1];
			b[j - 1] = t;
		}
	for (unsigned int i = 0; i < n;) {
		char *start = page_address(b[i]);
		size_t len = PAGE_SIZE << b[i]->order;

		while (++i < n && b[i] == b[i - 1] + (1UL << b[i - 1]->order))
			len += PAGE_SIZE << b[i]->order;
		if (sheap_init(&km_heaps[km_nr_heaps], start, len) == 0)
			km_nr_heaps++;
	}
}

void km_heap_setup(void)
{
	uint64_t want = heap_bytes(), got = 0;

	take_heap_blocks(want);
	make_regions();
	for (unsigned int i = 0; i < km_nr_heaps; i++)
		got += (uint64_t)(km_heaps[i].sh_end - km_heaps[i].sh_start);
	printk("kmalloc: simple heap %llu KiB in %u region%s (%u buddy "
	       "block%s; asked %llu KiB)\n",
	       (unsigned long long)got >> 10, km_nr_heaps,
	       km_nr_heaps == 1 ? "" : "s", km_nr_heap_blocks,
	       km_nr_heap_blocks == 1 ? "" : "s",
	       (unsigned long long)want >> 10);
}

/* ---- from an address to its owner ---------------------------------------------- */

static bool resolve_slab(const void *p, struct kmem_cache *c,
			 struct km_block *b)
{
	enum km_set set;
	unsigned int idx;

	b->cache = c;
	if (c == km_zero_cache) {
		b->kind = KM_ZERO;
		b->row = KMALLOC_ROW_ZERO;
		return kmem_cache_obj_live(c, p);
	}
	if (!km_cache_class(c, &set, &idx)) {
		b->kind = KM_FOREIGN;
		b->why = kmem_cache_name(c);
		return false;
	}
	b->kind = KM_SLAB;
	b->row = idx;
	if (set == KM_SET_DEBUG || set == KM_SET_DMA_DEBUG) {
		b->tracked = km_track_find(p, &b->track);
		b->usable = b->track.t_size;
		return b->tracked;
	}
	b->usable = kmalloc_class_size[idx];
	return kmem_cache_obj_live(c, p);
}

static bool resolve_heap(const void *p, struct sheap *h, struct km_block *b)
{
	b->kind = KM_HEAP;
	b->row = KMALLOC_ROW_HEAP;
	b->heap = h;
	b->usable = sheap_usable_size(h, p);
	if (b->usable)
		return true;
	b->tracked = km_track_find(p, &b->track);
	b->usable = b->track.t_size;
	return b->tracked;
}

static bool resolve_large(const void *p, struct page *pg, struct km_block *b)
{
	struct page *head = page_block_head(pg);
	unsigned long flags;
	struct page seen;

	b->kind = KM_NONE;
	if (!head) {
		b->why = (page_load_state(pg).flags & PG_reserved)
				 ? "reserved memory (kernel image, firmware, "
				   "page tables), never allocated"
				 : "its page is free (double free?)";
		return false;
	}
	flags = spin_lock_irqsave(&km_large_lock);
	seen = page_load_state(head);
	/* a corrupted order: mm_validate() reports the block */
	if ((seen.flags & PG_large) && seen.order < MAX_ORDER &&
	    km_large_pages(head) - 1 < MAX_ORDER_NR_PAGES) {
		b->kind = KM_LARGE;
		b->row = KMALLOC_ROW_LARGE;
		b->head = head;
		b->tracked = (head->u32 & KM_LARGE_TRACKED) != 0;
		b->usable = km_large_pages(head) << PAGE_SHIFT;
	}
	spin_unlock_irqrestore(&km_large_lock, flags);
	if (b->kind != KM_LARGE) {
		b->why = (seen.flags & PG_run)
				 ? "inside a run of pages (mm/page_run.c), not "
				   "at its start"
				 : "not a kmalloc block (pages of another owner)";
		return false;
	}
	b->why = "interior pointer of a large block";
	if (!b->tracked)
		return p == page_address(head);
	if (!km_track_find(p, &b->track) ||
	    b->track.t_base != page_address(head))
		return false;
	b->usable = b->track.t_size;
	return true;
}

bool km_resolve(const void *p, struct km_block *b)
{
	struct kmem_cache *c = kmem_cache_of(p);
	struct sheap *h;
	struct page *pg;

	memset(b, 0, sizeof(*b));
	b->row = KMALLOC_NR_ROWS;
	if (c)
		return resolve_slab(p, c, b);
	h = km_heap_of(p);
	if (h)
		return resolve_heap(p, h, b);
	pg = virt_to_page(p);
	if (pg)
		return resolve_large(p, pg, b);
	b->kind = KM_NONE;
	b->why = "not an address of RAM managed by mm/";
	return false;
}

void km_refuse(const void *p, struct km_block *b, unsigned long caller)
{
	unsigned long freer;
	unsigned int row;
	bool freed = false;

	if (km_quarantine_find(p, &freer, &row)) {
		printk("kmalloc: bad free of %p: double free (first freed by "
		       "%pS, still in quarantine), caller %pS\n",
		       p, (void *)freer, (void *)caller);
		km_stat_bad_free(row);
		return;
	}
	switch (b->kind) {
	case KM_SLAB:
	case KM_ZERO: /* the slab reports what is wrong with it */
		freed = __kmem_cache_free(b->cache, (void *)p, caller);
		break;
	case KM_HEAP: /* so does the simple heap */
		freed = sheap_free_from(b->heap, (void *)p, (void *)caller);
		break;
	case KM_LARGE:
		printk("kmalloc: bad free of %p: %s at %p (order %u), "
		       "caller %pS\n",
		       p, b->why, page_address(b->head), b->head->order,
		       (void *)caller);
		break;
	case KM_FOREIGN:
		printk("kmalloc: bad free of %p: an object of cache %s, not "
		       "of kmalloc, caller %pS\n",
		       p, b->why, (void *)caller);
		break;
	default:
		printk("kmalloc: bad free of %p: %s, caller %pS\n", p, b->why,
		       (void *)caller);
		break;
	}
	if (freed) /* became live in between: a racing allocation */
		km_stat_free(b->row);
	else
		km_stat_bad_free(b->row);
}

/* Claim a large block under the lock (one of two racing frees wins). */
static bool large_claim(struct page *head)
{
	unsigned long flags = spin_lock_irqsave(&km_large_lock);
	bool ok = (page_load_state(head).flags & PG_large) != 0;

	if (ok) {
		page_owner_flags(head, 0, PG_large);
		list_del(&head->lru);
		list_init(&head->lru);
	}
	spin_unlock_irqrestore(&km_large_lock, flags);
	return ok;
}

static bool release_tracked(const void *p, struct km_block *b,
			    unsigned long caller)
{
	if (!km_track_take(p, &b->track)) {
		b->why = "freed twice at once";
		return false;
	}
	km_redzone_check(&b->track, caller);
	return true;
}

static bool release_zero(const void *p, struct km_block *b,
			 unsigned long caller)
{
	if (*(const unsigned long *)p != zero_canary(p)) {
		km_add(&km_slow.zero_errors, 1);
		printk("kmalloc: zero-size block %p was written to (0x%lx), "
		       "caller of kfree %pS\n",
		       p, *(const unsigned long *)p, (void *)caller);
	}
	return __kmem_cache_free(b->cache, (void *)p, caller);
}

bool km_release(const void *p, struct km_block *b, unsigned long caller)
{
	bool ok = true;

	if (b->tracked && !release_tracked(p, b, caller)) {
		km_refuse(p, b, caller);
		return false;
	}
	if (b->kind == KM_LARGE && !large_claim(b->head)) {
		b->why = "double free of a large block";
		km_refuse(p, b, caller);
		return false;
	}
	if (b->tracked && b->kind != KM_SLAB) {
		km_quarantine_put(b, caller); /* counted as freed now */
		km_stat_free(b->row);
		return true;
	}
	switch (b->kind) {
	case KM_ZERO:
		ok = release_zero(p, b, caller);
		break;
	case KM_SLAB:
		ok = __kmem_cache_free(b->cache, (void *)p, caller);
		break;
	case KM_HEAP:
		ok = sheap_free_from(b->heap, (void *)p, (void *)caller);
		break;
	case KM_LARGE:
		km_large_give(b->head, caller);
		break;
	default:
		ok = false;
	}
	if (ok)
		km_stat_free(b->row);
	else
		km_stat_bad_free(b->row);
	return ok;
}

/* ---- krealloc in place ---------------------------------------------------------- */

/* Bytes the block can hold without moving. */
static size_t room_of(const void *p, const struct km_block *b)
{
	if (b->tracked) /* keep a red zone after heap and large blocks */
		return b->track.t_room - (b->kind == KM_SLAB ? 0 : KM_RZ);
	return b->kind == KM_ZERO ? 0 : b->usable;
}

bool km_resize_in_place(const void *p, struct km_block *b, size_t size)
{
	unsigned long flags;

	if (size > room_of(p, b))
		return false;
	if (b->tracked) {
		km_track_resize(p, size);
		b->track.t_size = size;
		km_redzone_fill(&b->track);
	}
	if (b->kind == KM_LARGE) {
		flags = spin_lock_irqsave(&km_large_lock);
		b->head->u32 =
			(uint32_t)size | (b->head->u32 & KM_LARGE_FLAGS);
		spin_unlock_irqrestore(&km_large_lock, flags);
	}
	return true;
}

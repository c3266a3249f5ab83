/* SPDX-License-Identifier: MIT */
/*
 * Validators on corrupted metadata: each case breaks one structure (a list
 * made cyclic, a link or header overwritten with 0x41 bytes, a count out
 * of range) and mm_validate() must then return false with a report --
 * never crash, never loop -- and the statistics and mm_report() must
 * still finish.  Each case runs in its own child process under
 * alarm(), so a validator that follows a bad pointer (a signal, a
 * sanitizer report) or walks a cycle forever fails that case only.
 */
#include "arch/host/host.h"
#include "lib/printk.h"
#include "mm/arena.h"
#include "mm/dma_internal.h"
#include "mm/health.h"
#include "mm/heap_internal.h"
#include "mm/kmalloc_internal.h"
#include "mm/mempool.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab_internal.h"
#include "mm/stats.h"
#include "mm/txn_internal.h"
#include "tests/host/hosttest.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAM (64UL << 20)
#define CASE_SECONDS 10
#define GARBAGE ((void *)0x4141414141414141UL)
#define CASE_OK 42 /* the child's exit status when the case held */

static char report[8192];

/* ---- structures to break (made in the child) ----------------------------- */

/* Two free blocks of one order on a buddy list: the first two entries. */
static struct list_head *buddy_two(void)
{
	struct zone *z = &zones[ZONE_NORMAL];

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		struct list_head *l = &z->free_area[o].free_list[PGKIND_OTHER];

		if (!list_empty(l) && l->next->next != l)
			return l;
	}
	/* make two: split a block and keep its buddy's neighbour apart */
	struct page *a = alloc_pages(GFP_KERNEL, 3);
	struct page *b = alloc_pages(GFP_KERNEL, 3);
	struct page *c = alloc_pages(GFP_KERNEL, 3);

	free_pages(a, 3);
	free_pages(c, 3);
	(void)b;
	return &z->free_area[3].free_list[PGKIND_OTHER];
}

static void buddy_cycle(void)
{
	struct list_head *h = buddy_two(), *a = h->next, *b = a->next;

	b->next = a; /* a <-> b, never back to the head */
	a->prev = b;
}

static void buddy_garbage(void)
{
	buddy_two()->next->next = GARBAGE;
}

static void buddy_head_garbage(void)
{
	buddy_two()->next = GARBAGE;
}

/* A per-CPU list with two pages (this hart's). */
static struct list_head *pcp_two(void)
{
	struct page *a = alloc_pages(GFP_KERNEL, 0);
	struct page *b = alloc_pages(GFP_KERNEL, 0);

	free_pages(a, 0);
	free_pages(b, 0);
	return &page_zone(a)->pcp[arch_cpu_id()].list;
}

static void pcp_cycle(void)
{
	struct list_head *h = pcp_two(), *a = h->next, *b = a->next;

	b->next = a;
	a->prev = b;
}

static void pcp_garbage(void)
{
	pcp_two()->next->next = GARBAGE;
}

/* A cache with two full slabs (one object per slab). */
static struct kmem_cache *cache_two_full(void)
{
	struct kmem_cache *c = kmem_cache_create("corrupt", 3000, 0, 0, NULL);

	for (unsigned int i = 0; i < 2 * c->kc_objs; i++)
		kmem_cache_alloc(c, GFP_KERNEL);
	return c;
}

static void slab_list_cycle(void)
{
	struct kmem_cache *c = cache_two_full();
	struct list_head *a = c->kc_full.next, *b = a->next;

	b->next = a;
	a->prev = b;
}

static void slab_list_garbage(void)
{
	cache_two_full()->kc_full.next->next = GARBAGE;
}

static void slab_list_head_garbage(void)
{
	cache_two_full()->kc_full.next = GARBAGE;
}

static void slab_magazine_count(void)
{
	struct kmem_cache *c = kmem_cache_create("corrupt", 64, 0, 0, NULL);

	kmem_cache_free(c, kmem_cache_alloc(c, GFP_KERNEL));
	c->kc_cpu[arch_cpu_id()].cc_avail = 60000; /* > SLAB_MAG_MAX */
}

/* The lazy slab's address copy of its bump index (the fast free's
 * never-used test) off by one object: the fast free would misjudge the
 * object at the boundary. */
static void slab_lazy_addr(void)
{
	struct kmem_cache *c = kmem_cache_create("corrupt", 64, 0, 0, NULL);

	kmem_cache_alloc(c, GFP_KERNEL);
	c->kc_lazy_addr += c->kc_stride;
}

static void slab_magazine_garbage(void)
{
	struct kmem_cache *c = kmem_cache_create("corrupt", 64, 0, 0, NULL);

	kmem_cache_free(c, kmem_cache_alloc(c, GFP_KERNEL));
	c->kc_cpu[arch_cpu_id()].cc_objs[0] = GARBAGE;
}

static void slab_caches_cycle(void)
{
	struct kmem_cache *a = kmem_cache_create("corrupt-a", 64, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("corrupt-b", 64, 0, 0, NULL);

	b->kc_link.next = &a->kc_link;
	a->kc_link.prev = &b->kc_link;
}

/* A TLSF heap on a kmalloc buffer with a few free and used blocks. */
static struct k_heap heap;

static void *heap_some(void)
{
	static void *p[6];
	void *mem = kmalloc(64 << 10, GFP_KERNEL);

	k_heap_init(&heap, "corrupt-heap", mem, 64 << 10);
	for (unsigned int i = 0; i < 6; i++)
		p[i] = k_heap_alloc(&heap, 100, K_NO_WAIT);
	k_heap_free(&heap, p[1]);
	k_heap_free(&heap, p[3]);
	return p[2];
}

static struct tlsf_block *hdr(void *payload)
{
	return (struct tlsf_block *)((char *)payload - TLSF_HDR);
}

static void heap_size_garbage(void)
{
	hdr(heap_some())->tb_size = 0x4141414141414141UL;
}

static void heap_size_zero(void)
{
	hdr(heap_some())->tb_size = 0;
}

/*
 * The size word of the block below a block that an open transaction
 * holds, made to point backwards (the address wraps) or past the end:
 * the validator must stop there, and the transaction's check that its
 * heap block is still live must not follow the neighbour's size.
 */
static struct tlsf_block *heap_below_logged(void)
{
	static struct mm_txn htx;
	void *q;

	heap_some();
	mm_txn_begin(&htx);
	q = k_heap_alloc(&heap, 100, K_NO_WAIT);
	return hdr(q)->tb_prev_phys;
}

static void heap_size_backwards(void)
{
	struct tlsf_block *x = heap_below_logged();

	x->tb_size = (0ul - 2 * TLSF_ALIGN) | (x->tb_size & TB_FLAGS);
}

static void heap_size_past_end(void)
{
	struct tlsf_block *x = heap_below_logged();

	x->tb_size = (64ul << 10) | (x->tb_size & TB_FLAGS);
}

static void heap_freelist_cycle(void)
{
	struct tlsf_block *b;

	heap_some();
	for (unsigned int fl = 0; fl < TLSF_FL_COUNT; fl++)
		for (unsigned int sl = 0; sl < TLSF_SL_COUNT; sl++)
			if ((b = heap.hp_free[fl][sl]) != NULL) {
				b->tb_next_free = b;
				return;
			}
}

static void heap_freelist_garbage(void)
{
	heap_some();
	for (unsigned int fl = 0; fl < TLSF_FL_COUNT; fl++)
		for (unsigned int sl = 0; sl < TLSF_SL_COUNT; sl++)
			if (heap.hp_free[fl][sl]) {
				heap.hp_free[fl][sl]->tb_next_free = GARBAGE;
				return;
			}
}

/* A k_mem_slab pool with free blocks. */
static struct k_mem_slab pool;

static void pool_some(void)
{
	void *mem = kmalloc(8192, GFP_KERNEL), *b;

	k_mem_slab_init(&pool, (char *)mem + 64, 64, 100);
	k_mem_slab_alloc(&pool, &b, K_NO_WAIT);
}

static void pool_freelist_garbage(void)
{
	pool_some();
	*(void **)pool.ms_free_list = GARBAGE;
}

static void pool_freelist_cycle(void)
{
	pool_some();
	/* the first free block's link made to lead back to itself */
	*(uintptr_t *)pool.ms_free_list = (uintptr_t)pool.ms_free_list ^
					  pool.ms_secret ^
					  (uintptr_t)pool.ms_free_list;
}

static void pool_head_garbage(void)
{
	pool_some();
	pool.ms_free_list = GARBAGE;
}

/* An arena with three chunks. */
static struct arena arena;

static void arena_three(void)
{
	arena_init(&arena, "corrupt-arena", 0, GFP_KERNEL);
	for (unsigned int i = 0; i < 3; i++)
		arena_alloc(&arena, 3000, 0);
}

struct chunk_hdr { /* mm/arena.c's header, as a 1-byte overflow sees it */
	void *ac_prev;
	size_t ac_size;
};

static void arena_header_garbage(void)
{
	arena_three();
	memset(arena.ar_chunk, 0x41, sizeof(struct chunk_hdr));
}

/* One byte written past the end of the chunk below lands here: the low
 * byte of ac_prev (the pointer becomes misaligned). */
static void arena_one_byte(void)
{
	arena_three();
	*(unsigned char *)arena.ar_chunk = 0x41;
}

static void arena_prev_garbage(void)
{
	arena_three();
	((struct chunk_hdr *)arena.ar_chunk)->ac_prev = GARBAGE;
}

static void arena_prev_cycle(void)
{
	arena_three();
	((struct chunk_hdr *)arena.ar_chunk)->ac_prev = arena.ar_chunk;
	arena.ar_nr_chunks = 1000;
}

static void arena_newest_garbage(void)
{
	arena_three();
	arena.ar_chunk = GARBAGE;
}

/* A mempool with its reserve. */
static void mempool_reserve_garbage(void)
{
	struct kmem_cache *c = kmem_cache_create("corrupt", 64, 0, 0, NULL);
	mempool_t *p = mempool_create_slab_pool(4, c);

	p->mp_elements[1] = GARBAGE;
}

static void mempool_count_garbage(void)
{
	struct kmem_cache *c = kmem_cache_create("corrupt", 64, 0, 0, NULL);
	mempool_t *p = mempool_create_slab_pool(4, c);

	p->mp_curr_nr = 1000000;
}

/* A DMA pool with two chunks in use. */
static struct dma_pool *dma_two(void)
{
	struct dma_pool *p = dma_pool_create("corrupt-dma", 2048, 0, 0);
	dma_addr_t h;

	for (unsigned int i = 0; i < 8; i++)
		dma_pool_alloc(p, GFP_KERNEL, &h);
	return p;
}

static void dma_chunks_cycle(void)
{
	struct dma_pool *p = dma_two();
	struct list_head *a = p->dp_chunks.next, *b = a->next;

	b->next = a;
	a->prev = b;
}

static void dma_chunks_garbage(void)
{
	dma_two()->dp_chunks.next->next = GARBAGE;
}

/* kmalloc: large blocks and debug records. */
/* Two large blocks: sizes above the largest class. */
static void large_two(void)
{
	kmalloc(KMALLOC_MAX_CACHE_SIZE + 20000, GFP_KERNEL);
	kmalloc(KMALLOC_MAX_CACHE_SIZE + 30000, GFP_KERNEL);
}

static void kmalloc_large_cycle(void)
{
	struct list_head *a, *b;

	large_two();
	a = km_large_list.next;
	b = a->next;
	b->next = a;
	a->prev = b;
}

static void kmalloc_large_garbage(void)
{
	large_two();
	km_large_list.next->next = GARBAGE;
}

/* A large block that claims to be a run of pages (mm/page_run.c) with a
 * page count its blocks do not match. */
static void kmalloc_large_run_count(void)
{
	struct page *pg = virt_to_page(
		kmalloc(KMALLOC_MAX_CACHE_SIZE + 20000, GFP_KERNEL));

	pg->u32 |= KM_LARGE_RUN;
	pg[1].private = (unsigned long)GARBAGE;
}

static void kmalloc_track_cycle(void)
{
	size_t bytes;
	char *ram = host_ram(&bytes);
	void *p;

	kmalloc_set_debug(true);
	p = kmalloc(40, GFP_KERNEL);
	kmalloc_set_debug(false);
	/* the record is a kmalloc-track object: find it by its fields */
	for (size_t off = 0; off + sizeof(struct km_track) <= bytes; off += 8) {
		struct km_track *t = (struct km_track *)(ram + off);

		if (t->t_addr == p && t->t_size == 40 && t->t_kind == KM_SLAB) {
			t->t_next = t;
			return;
		}
	}
}

/* kmalloc's simple heap (simple mode) with free and used blocks. */
struct sh_hdr { /* mm/simple_heap.c's block header */
	size_t b_size;
	void *b_next;
};

static struct sh_hdr *sheap_some(void)
{
	void *p[6];

	kmalloc_set_mode(KMALLOC_SIMPLE);
	for (unsigned int i = 0; i < 6; i++)
		p[i] = kmalloc(200, GFP_KERNEL);
	kfree(p[1]);
	kfree(p[3]);
	kmalloc_set_mode(KMALLOC_TWO_TIER);
	return (struct sh_hdr *)km_heaps[0].sh_free;
}

static void sheap_freelist_cycle(void)
{
	struct sh_hdr *b = sheap_some();

	b->b_next = b;
}

static void sheap_freelist_garbage(void)
{
	sheap_some()->b_next = GARBAGE;
}

/* An open transaction whose log has grown several chunks. */
static struct mm_txn tx;

static struct txn_cpu *txn_long(void)
{
	mm_txn_begin(&tx);
	for (unsigned int i = 0; i < 2000; i++)
		kmalloc(16, GFP_KERNEL);
	return &txn_cpus[arch_cpu_id()];
}

static void txn_segment_garbage(void)
{
	txn_long()->tail->ts_prev = GARBAGE;
}

static void txn_segment_cycle(void)
{
	struct txn_cpu *tc = txn_long();

	tc->tail->ts_prev = tc->tail;
}

/* The registries: two entries, the second linked back to the first. */
static void link_back(struct list_head *a, struct list_head *b)
{
	b->next = a;
	a->prev = b;
}

static void arenas_cycle(void)
{
	static struct arena a, b;

	arena_init(&a, "corrupt-a", 0, GFP_KERNEL);
	arena_init(&b, "corrupt-b", 0, GFP_KERNEL);
	link_back(&a.ar_node, &b.ar_node);
}

static void heaps_cycle(void)
{
	static struct k_heap a, b;

	k_heap_init(&a, "corrupt-a", kmalloc(4096, GFP_KERNEL), 4096);
	k_heap_init(&b, "corrupt-b", kmalloc(4096, GFP_KERNEL), 4096);
	link_back(&a.hp_node, &b.hp_node);
}

static void pools_cycle(void)
{
	static struct k_mem_slab a, b;

	k_mem_slab_init(&a, kmalloc(4096, GFP_KERNEL), 64, 8);
	k_mem_slab_init(&b, kmalloc(4096, GFP_KERNEL), 64, 8);
	link_back(&a.ms_node, &b.ms_node);
}

static void mempools_cycle(void)
{
	struct kmem_cache *c = kmem_cache_create("corrupt", 64, 0, 0, NULL);
	mempool_t *a = mempool_create_slab_pool(2, c);
	mempool_t *b = mempool_create_slab_pool(2, c);

	link_back(&a->mp_node, &b->mp_node);
}

static void dma_pools_cycle(void)
{
	struct dma_pool *a = dma_pool_create("corrupt-a", 64, 0, 0);
	struct dma_pool *b = dma_pool_create("corrupt-b", 64, 0, 0);

	link_back(&a->dp_node, &b->dp_node);
}

static void dma_pools_garbage(void)
{
	dma_pool_create("corrupt-a", 64, 0, 0)->dp_node.next = GARBAGE;
}

/* ---- the cases --------------------------------------------------------------- */

struct vcase {
	const char *name;
	void (*corrupt)(void);
};

static const struct vcase cases[] = {
	{"buddy-cycle", buddy_cycle},
	{"buddy-garbage", buddy_garbage},
	{"buddy-head-garbage", buddy_head_garbage},
	{"pcp-cycle", pcp_cycle},
	{"pcp-garbage", pcp_garbage},
	{"slab-list-cycle", slab_list_cycle},
	{"slab-list-garbage", slab_list_garbage},
	{"slab-list-head-garbage", slab_list_head_garbage},
	{"slab-magazine-count", slab_magazine_count},
	{"slab-magazine-garbage", slab_magazine_garbage},
	{"slab-lazy-addr", slab_lazy_addr},
	{"slab-caches-cycle", slab_caches_cycle},
	{"heap-size-garbage", heap_size_garbage},
	{"heap-size-zero", heap_size_zero},
	{"heap-size-backwards", heap_size_backwards},
	{"heap-size-past-end", heap_size_past_end},
	{"heap-freelist-cycle", heap_freelist_cycle},
	{"heap-freelist-garbage", heap_freelist_garbage},
	{"pool-freelist-garbage", pool_freelist_garbage},
	{"pool-freelist-cycle", pool_freelist_cycle},
	{"pool-head-garbage", pool_head_garbage},
	{"arena-header-garbage", arena_header_garbage},
	{"arena-one-byte", arena_one_byte},
	{"arena-prev-garbage", arena_prev_garbage},
	{"arena-prev-cycle", arena_prev_cycle},
	{"arena-newest-garbage", arena_newest_garbage},
	{"mempool-reserve-garbage", mempool_reserve_garbage},
	{"mempool-count-garbage", mempool_count_garbage},
	{"dma-chunks-cycle", dma_chunks_cycle},
	{"dma-chunks-garbage", dma_chunks_garbage},
	{"kmalloc-large-cycle", kmalloc_large_cycle},
	{"kmalloc-large-garbage", kmalloc_large_garbage},
	{"kmalloc-large-run-count", kmalloc_large_run_count},
	{"kmalloc-track-cycle", kmalloc_track_cycle},
	{"sheap-freelist-cycle", sheap_freelist_cycle},
	{"sheap-freelist-garbage", sheap_freelist_garbage},
	{"txn-segment-garbage", txn_segment_garbage},
	{"txn-segment-cycle", txn_segment_cycle},
	{"arenas-cycle", arenas_cycle},
	{"heaps-cycle", heaps_cycle},
	{"pools-cycle", pools_cycle},
	{"mempools-cycle", mempools_cycle},
	{"dma-pools-cycle", dma_pools_cycle},
	{"dma-pools-garbage", dma_pools_garbage},
};

static int why_fd;

/* In the child: break the structure, validate, and say how it went. */
static int run_case(const struct vcase *vc)
{
	struct mm_health h;
	struct mm_stats st;
	bool ok;

	if (!mm_validate()) {
		dprintf(why_fd, "mm_validate failed before the corruption");
		return 1;
	}
	vc->corrupt();
	printk_capture_start(report, sizeof(report));
	ok = mm_validate();
	printk_capture_stop();
	if (ok) {
		dprintf(why_fd, "mm_validate() passed");
		return 1;
	}
	if (!report[0]) {
		dprintf(why_fd, "mm_validate() failed without a report");
		return 1;
	}
	/* the statistics and reports read the same structures: they too
	 * must finish (their output goes nowhere) */
	mm_stats_get(&st);
	mm_health_get(&h);
	mm_report();
	return CASE_OK;
}

/* In the forked child (ht_fork_case): the reason goes to fd. */
static int child(const void *arg, int fd)
{
	why_fd = fd;
	return run_case(arg);
}

static bool fork_case(const struct vcase *vc, char *why, size_t len)
{
	return ht_fork_case(child, vc, CASE_OK, CASE_SECONDS, true, why, len);
}

int main(void)
{
	struct ht_group g;
	char why[256];

	ht_prog = "validate_corrupt";
	if (host_mm_init(RAM, 2)) {
		printf("FAIL: host/validate_corrupt: host_mm_init failed\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ht_begin(&g, cases[i].name);
		ht_check(&g, fork_case(&cases[i], why, sizeof(why)), "%s", why);
		ht_end(&g);
	}
	return ht_exit();
}

/* SPDX-License-Identifier: MIT */
/*
 * Every allocator's free against every other allocator's blocks: a slab's
 * head page or a large kmalloc block given to free_pages(), a kmalloc
 * block to a pool, a pool block to kfree(), a heap block to
 * kmem_cache_free(), a page to kfree(), and so on.  Each such call must be
 * reported, set MM_EBADFREE, and change nothing: the block stays live for
 * its owner, no page comes or goes, mm_validate() still passes (and
 * returns), and the owner's own free then works without a report.
 *
 * Each case runs in a child process under alarm(), so a free that breaks a
 * structure enough to make a validator loop fails that case only.  The
 * free_pages() cases run once more inside a transaction, whose hooks must
 * not take a foreign block to free it at commit.
 */
#include "arch/host/host.h"
#include "lib/printk.h"
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mempool.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"
#include "mm/txn.h"
#include "tests/host/hosttest.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAM (64UL << 20)
#define CASE_SECONDS 20

/* The owners, each with one block handed out. */
enum owner {
	O_PAGES, /* alloc_pages(order 2) */
	O_SLAB, /* an object of a cache of our own */
	O_SLAB_HEAD, /* the first object of a slab (its head page) */
	O_KMALLOC, /* kmalloc(100) */
	O_KMALLOC_LARGE, /* above the classes: whole pages, PG_large */
	O_KMALLOC_ZERO, /* kmalloc(0) */
	O_HEAP, /* a TLSF heap block */
	O_POOL, /* a k_mem_slab block */
	O_MEMPOOL, /* a mempool element */
	O_DMA, /* dma_alloc(), PG_owner1 */
	O_DMA_POOL, /* a dma_pool block */
	O_ARENA, /* an arena position */
	NR_OWNERS
};

static const char *const owner_names[NR_OWNERS] = {
	"pages", "slab", "slab-head", "kmalloc",   "kmalloc-large", "kmalloc-0",
	"heap",	 "pool", "mempool",   "dma-alloc", "dma-pool",	    "arena",
};

/* The frees, one per allocator (the arena's is a reset to a mark). */
enum freer {
	F_FREE_PAGES,
	F_CACHE_FREE,
	F_KFREE,
	F_HEAP_FREE,
	F_POOL_FREE,
	F_MEMPOOL_FREE,
	F_DMA_FREE,
	F_DMA_POOL_FREE,
	F_ARENA_RESET,
	NR_FREERS
};

static const char *const freer_names[NR_FREERS] = {
	"free_pages",  "kmem_cache_free", "kfree",
	"k_heap_free", "k_mem_slab_free", "mempool_free",
	"dma_free",    "dma_pool_free",	  "arena_reset_to",
};

/* The allocators' objects, set up once before the cases fork. */
static struct kmem_cache *cache;
static struct k_heap heap;
static struct k_mem_slab pool;
static mempool_t *mpool;
static struct dma_pool *dpool;
static struct arena arena;
static char *heap_mem, *pool_mem;

struct blk {
	void *p;
	struct page *pg; /* O_PAGES */
	size_t size; /* O_DMA */
	dma_addr_t handle; /* O_DMA, O_DMA_POOL */
};

static bool setup(void)
{
	cache = kmem_cache_create("foreign", 200, 0, 0, NULL);
	heap_mem = kmalloc(64 << 10, GFP_KERNEL);
	pool_mem = kmalloc(64 << 10, GFP_KERNEL);
	mpool = mempool_create_slab_pool(4, cache);
	dpool = dma_pool_create("foreign-dma", 64, 0, 0);
	if (!cache || !heap_mem || !pool_mem || !mpool || !dpool)
		return false;
	/* The pool starts past the kmalloc pointer: its first block must
	 * not be the address kmalloc handed out. */
	return k_heap_init(&heap, "foreign-heap", heap_mem, 64 << 10) == 0 &&
	       k_mem_slab_init(&pool, pool_mem + 64, 64, 64) == 0 &&
	       arena_init(&arena, "foreign-arena", 0, GFP_KERNEL) == 0;
}

static bool make(enum owner o, struct blk *b)
{
	memset(b, 0, sizeof(*b));
	switch (o) {
	case O_PAGES:
		b->pg = alloc_pages(GFP_KERNEL, 2);
		b->p = b->pg ? page_address(b->pg) : NULL;
		break;
	case O_SLAB:
		kmem_cache_alloc(cache, GFP_KERNEL); /* not the first */
		b->p = kmem_cache_alloc(cache, GFP_KERNEL);
		break;
	case O_SLAB_HEAD:
		kmem_cache_shrink(cache);
		b->p = kmem_cache_alloc(cache, GFP_KERNEL);
		break;
	case O_KMALLOC:
		b->p = kmalloc(100, GFP_KERNEL);
		break;
	case O_KMALLOC_LARGE:
		b->p = kmalloc(KMALLOC_MAX_CACHE_SIZE + 20000, GFP_KERNEL);
		break;
	case O_KMALLOC_ZERO:
		b->p = kmalloc(0, GFP_KERNEL);
		break;
	case O_HEAP:
		b->p = k_heap_alloc(&heap, 300, K_NO_WAIT);
		break;
	case O_POOL:
		k_mem_slab_alloc(&pool, &b->p, K_NO_WAIT);
		break;
	case O_MEMPOOL:
		b->p = mempool_alloc(mpool, GFP_KERNEL);
		break;
	case O_DMA:
		b->size = 3 * PAGE_SIZE;
		b->p = dma_alloc(b->size, &b->handle, GFP_KERNEL);
		break;
	case O_DMA_POOL:
		b->p = dma_pool_alloc(dpool, GFP_KERNEL, &b->handle);
		break;
	case O_ARENA:
		arena_alloc(&arena, 64, 0);
		b->p = arena_alloc(&arena, 64, 0);
		break;
	default:
		break;
	}
	return b->p != NULL;
}

static bool live(enum owner o, const struct blk *b)
{
	struct page *pg = virt_to_page(b->p);

	switch (o) {
	case O_PAGES:
		return (b->pg->flags & PG_head) && b->pg->order == 2;
	case O_SLAB:
	case O_SLAB_HEAD:
		return kmem_cache_obj_live(cache, b->p);
	case O_KMALLOC:
	case O_KMALLOC_LARGE:
	case O_KMALLOC_ZERO:
		return kmalloc_obj_live(b->p);
	case O_HEAP:
		return k_heap_usable_size(&heap, b->p) >= 300;
	case O_POOL:
		return k_mem_slab_block_live(&pool, b->p);
	case O_MEMPOOL:
		return kmem_cache_obj_live(cache, b->p);
	case O_DMA:
		return dma_obj_live(NULL, b->p, pg ? pg->order : 0);
	case O_DMA_POOL:
		return dma_obj_live(dpool, b->p, 0);
	case O_ARENA:
		return arena_pos_live(&arena, b->p);
	default:
		return false;
	}
}

/* The owner's own free. */
static void release(enum owner o, struct blk *b)
{
	switch (o) {
	case O_PAGES:
		free_pages(b->pg, 2);
		break;
	case O_SLAB:
	case O_SLAB_HEAD:
		kmem_cache_free(cache, b->p);
		break;
	case O_KMALLOC:
	case O_KMALLOC_LARGE:
	case O_KMALLOC_ZERO:
		kfree(b->p);
		break;
	case O_HEAP:
		k_heap_free(&heap, b->p);
		break;
	case O_POOL:
		k_mem_slab_free(&pool, b->p);
		break;
	case O_MEMPOOL:
		mempool_free(b->p, mpool);
		break;
	case O_DMA:
		dma_free(b->p, b->size, b->handle);
		break;
	case O_DMA_POOL:
		dma_pool_free(dpool, b->p, b->handle);
		break;
	case O_ARENA:
		arena_reset(&arena);
		break;
	default:
		break;
	}
}

/* The owner of each freer: its own blocks are not foreign to it. */
static bool own(enum freer f, enum owner o)
{
	switch (f) {
	case F_FREE_PAGES:
		return o == O_PAGES;
	case F_CACHE_FREE:
		return o == O_SLAB || o == O_SLAB_HEAD || o == O_MEMPOOL;
	case F_KFREE:
		return o == O_KMALLOC || o == O_KMALLOC_LARGE ||
		       o == O_KMALLOC_ZERO;
	case F_HEAP_FREE:
		return o == O_HEAP;
	case F_POOL_FREE:
		return o == O_POOL;
	case F_MEMPOOL_FREE:
		return o == O_MEMPOOL;
	case F_DMA_FREE:
		return o == O_DMA;
	case F_DMA_POOL_FREE:
		return o == O_DMA_POOL;
	case F_ARENA_RESET:
		return o == O_ARENA;
	default:
		return true;
	}
}

/* The foreign free; for free_pages() the block's head and order, as a
 * confused caller would read them. */
static void foreign_free(enum freer f, const struct blk *b)
{
	struct page *head = page_block_head(virt_to_page(b->p));
	dma_addr_t h = b->handle ? b->handle : arch_virt_to_phys(b->p);

	switch (f) {
	case F_FREE_PAGES:
		if (head)
			free_pages(head, head->order);
		else
			free_pages(virt_to_page(b->p), 0);
		break;
	case F_CACHE_FREE:
		kmem_cache_free(cache, b->p);
		break;
	case F_KFREE:
		kfree(b->p);
		break;
	case F_HEAP_FREE:
		k_heap_free(&heap, b->p);
		break;
	case F_POOL_FREE:
		k_mem_slab_free(&pool, b->p);
		break;
	case F_MEMPOOL_FREE:
		mempool_free(b->p, mpool);
		break;
	case F_DMA_FREE:
		dma_free(b->p, PAGE_SIZE, h);
		break;
	case F_DMA_POOL_FREE:
		dma_pool_free(dpool, b->p, h);
		break;
	case F_ARENA_RESET:
		arena_reset_to(&arena, b->p);
		break;
	default:
		break;
	}
}

static char report[4096];

static int why_fd; /* the child's reason goes here */
static bool in_txn; /* the foreign free happens inside a transaction */

/*
 * The foreign free inside a transaction: it must be refused there and
 * then (into report), not taken by the transaction's hook and deferred
 * to the commit, which must then have nothing to say.
 */
static bool txn_case(enum freer f, const struct blk *b)
{
	static char at_commit[1024];
	struct mm_txn tx;

	mm_txn_begin(&tx);
	printk_capture_start(report, sizeof(report));
	foreign_free(f, b);
	printk_capture_stop();
	printk_capture_start(at_commit, sizeof(at_commit));
	mm_txn_commit(&tx);
	printk_capture_stop();
	if (at_commit[0])
		dprintf(why_fd, "deferred to the commit: %s", at_commit);
	return !at_commit[0];
}

/* One case, in the child: exit 0 when every property held, else write
 * the reason to why_fd and exit 1. */
static int run_case(enum owner o, enum freer f)
{
	unsigned long before;
	struct blk b;

	if (!make(o, &b)) {
		dprintf(why_fd, "cannot allocate the block\n");
		return 1;
	}
	drain_all_pages();
	before = nr_free_pages();
	mm_set_error(MM_OK);
	if (in_txn && !txn_case(f, &b))
		return 1;
	if (!in_txn) {
		printk_capture_start(report, sizeof(report));
		foreign_free(f, &b);
		printk_capture_stop();
	}
	drain_all_pages();
	if (!report[0]) {
		dprintf(why_fd, "no report\n");
		return 1;
	}
	if (mm_last_error() != MM_EBADFREE && mm_last_error() != MM_EINVAL) {
		dprintf(why_fd, "mm_last_error() %s; report: %s",
			mm_strerror(mm_last_error()), report);
		return 1;
	}
	if (nr_free_pages() != before || !live(o, &b)) {
		dprintf(why_fd,
			"accepted (free pages %lu -> %lu, live %d); report: %s",
			before, nr_free_pages(), live(o, &b), report);
		return 1;
	}
	if (!mm_validate()) {
		dprintf(why_fd, "mm_validate() failed after: %s", report);
		return 1;
	}
	printk_capture_start(report, sizeof(report));
	release(o, &b);
	printk_capture_stop();
	if (report[0] || live(o, &b) || !mm_validate()) {
		dprintf(why_fd, "the owner's free then failed: %s\n", report);
		return 1;
	}
	return 0;
}

struct pair {
	enum owner o;
	enum freer f;
};

/* In the forked child (ht_fork_case): the reason goes to fd. */
static int child(const void *arg, int fd)
{
	const struct pair *p = arg;

	why_fd = fd;
	return run_case(p->o, p->f);
}

/* Fork one case; the child's reason goes into why. */
static bool fork_case(enum owner o, enum freer f, char *why, size_t len)
{
	struct pair p = {o, f};

	return ht_fork_case(child, &p, 0, CASE_SECONDS, false, why, len);
}

int main(void)
{
	struct ht_group g;
	char why[512];

	ht_prog = "foreign_free";
	if (host_mm_init(RAM, 2) || !setup()) {
		printf("FAIL: host/foreign_free: set-up failed\n");
		return 1;
	}
	for (unsigned int f = 0; f < NR_FREERS; f++) {
		ht_begin(&g, freer_names[f]);
		for (unsigned int o = 0; o < NR_OWNERS; o++) {
			if (own(f, o))
				continue;
			bool ok = fork_case(o, f, why, sizeof(why));

			if (!ht_check(&g, ok, "%s block: %s", owner_names[o],
				      why))
				fprintf(stderr, "%s of a %s block: %s\n",
					freer_names[f], owner_names[o], why);
		}
		ht_end(&g);
	}
	/* the transaction hooks must not take (and defer) a foreign block */
	in_txn = true;
	ht_begin(&g, "free_pages-in-txn");
	for (unsigned int o = 0; o < NR_OWNERS; o++) {
		if (own(F_FREE_PAGES, o))
			continue;
		bool ok = fork_case(o, F_FREE_PAGES, why, sizeof(why));

		if (!ht_check(&g, ok, "%s block: %s", owner_names[o], why))
			fprintf(stderr,
				"free_pages in a transaction of a %s "
				"block: %s\n",
				owner_names[o], why);
	}
	ht_end(&g);
	return ht_exit();
}

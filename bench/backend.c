/* SPDX-License-Identifier: MIT */
/*
 * The heap backends the benchmarks run on (bench/backend.h).
 */
#include "bench/backend.h"
#include "bench/bench.h"

#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/stats.h"
#include "mm/simple_heap.h"
#include "mm/slab.h"

#define BLOCK_ORDER (MAX_ORDER - 1)
#define BLOCK_BYTES (PAGE_SIZE << BLOCK_ORDER)
#define MAX_TRIES 32
#define SHEAP_BLOCKS 4 /* 16 MiB */
#define TLSF_BLOCKS 4 /* 16 MiB */

/* ---- contiguous regions --------------------------------------------------- */

static bool have_pfn(struct page **blk, unsigned int n, unsigned long pfn)
{
	for (unsigned int i = 0; i < n; i++)
		if (page_to_pfn(blk[i]) == pfn)
			return true;
	return false;
}

/* Index of the block starting a run of nr, or -1. */
static int find_run(struct page **blk, unsigned int n, unsigned int nr)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(blk[i]);
		unsigned int k = 1;

		while (k < nr && have_pfn(blk, n, pfn + (k << BLOCK_ORDER)))
			k++;
		if (k == nr)
			return (int)i;
	}
	return -1;
}

void *region_alloc(unsigned int nr)
{
	struct page *blk[MAX_TRIES];
	unsigned int n = 0;
	unsigned long start = 0;
	int run = -1;

	while (run < 0 && n < MAX_TRIES &&
	       (blk[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, BLOCK_ORDER))) {
		n++;
		run = find_run(blk, n, nr);
	}
	if (run >= 0)
		start = page_to_pfn(blk[run]);
	for (unsigned int i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(blk[i]);

		if (run < 0 || pfn < start ||
		    pfn >= start + (nr << BLOCK_ORDER))
			free_pages(blk[i], BLOCK_ORDER);
	}
	return run < 0 ? NULL : page_address(pfn_to_page(start));
}

void region_free(void *base, unsigned int nr)
{
	struct page *pg = virt_to_page(base);

	for (unsigned int i = 0; i < nr; i++)
		free_pages(pg + (i << BLOCK_ORDER), BLOCK_ORDER);
}

/* ---- footprint ---------------------------------------------------------------- */

static void track(void *ctx, void *p, size_t size)
{
	struct backend *b = ctx;
	size_t used;

	if (b->span) { /* a heap inside a region we do not know */
		uintptr_t lo = (uintptr_t)p, hi = lo + size;

		b->lo = b->lo && b->lo < lo ? b->lo : lo;
		b->hi = b->hi > hi ? b->hi : hi;
		used = b->hi - b->lo;
	} else if (b->base)
		used = (uintptr_t)p + size - b->base;
	else
		used = (b->free_pages0 - nr_free_pages()) * PAGE_SIZE;
	if (used > b->peak && used < ((size_t)1 << 48))
		b->peak = used;
}

void backend_track_reset(struct backend *b)
{
	b->peak = 0;
	b->lo = b->hi = 0;
	b->free_pages0 = nr_free_pages();
}

size_t backend_peak(struct backend *b)
{
	return b->peak;
}

/* ---- null: the dispatch cost ---------------------------------------------------- */

static char null_block[8192] __attribute__((aligned(16)));
static struct backend null_backend;

static void *null_alloc(void *ctx, size_t size)
{
	return ((struct backend *)ctx)->heap;
}

static void null_free(void *ctx, void *p, size_t size)
{
}

const struct wl_ops *backend_null(void)
{
	null_backend.heap = null_block;
	null_backend.ops =
		(struct wl_ops){"null", null_alloc, null_free, &null_backend};
	return &null_backend.ops;
}

/* ---- sheap: the baseline, the simple heap called directly ------------------------ */
/* The seed's comparative claims are stated against these rows (docs/bench.md,
 * "The baseline"); kmalloc's simple mode below is not the baseline. */

static struct sheap bench_sheap;

static void *sh_alloc(void *ctx, size_t size)
{
	return sheap_alloc(((struct backend *)ctx)->heap, size, 0);
}

static void sh_free(void *ctx, void *p, size_t size)
{
	sheap_free(((struct backend *)ctx)->heap, p);
}

static int sh_setup(struct backend *b)
{
	void *base = region_alloc(SHEAP_BLOCKS);

	if (!base)
		return -1;
	if (sheap_init(&bench_sheap, base, SHEAP_BLOCKS * BLOCK_BYTES)) {
		region_free(base, SHEAP_BLOCKS);
		return -1;
	}
	b->heap = &bench_sheap;
	b->base = (uintptr_t)bench_sheap.sh_start;
	return 0;
}

static void sh_teardown(struct backend *b)
{
	if (!sheap_validate(&bench_sheap))
		bench_error("sheap: sheap_validate() failed");
	region_free((void *)b->base, SHEAP_BLOCKS);
	b->heap = NULL;
	b->base = 0;
}

static void sh_space(struct backend *b, size_t *free, size_t *largest)
{
	struct sheap_stats st;

	sheap_stats(b->heap, &st);
	*free = st.ss_free_bytes;
	*largest = st.ss_largest_free;
}

/* ---- tlsf: the TLSF heap (k_heap), never waiting ------------------------------- */

static struct k_heap bench_tlsf;

static void *tl_alloc(void *ctx, size_t size)
{
	return k_heap_alloc(((struct backend *)ctx)->heap, size, K_NO_WAIT);
}

static void tl_free(void *ctx, void *p, size_t size)
{
	k_heap_free(((struct backend *)ctx)->heap, p);
}

static int tl_setup(struct backend *b)
{
	void *base = region_alloc(TLSF_BLOCKS);

	if (!base)
		return -1;
	if (k_heap_init(&bench_tlsf, "bench", base,
			TLSF_BLOCKS * BLOCK_BYTES)) {
		region_free(base, TLSF_BLOCKS);
		return -1;
	}
	b->heap = &bench_tlsf;
	b->base = (uintptr_t)base;
	return 0;
}

static void tl_teardown(struct backend *b)
{
	if (!k_heap_validate(&bench_tlsf))
		bench_error("tlsf: k_heap_validate() failed");
	k_heap_remove(&bench_tlsf);
	region_free((void *)b->base, TLSF_BLOCKS);
	b->heap = NULL;
	b->base = 0;
}

static void tl_space(struct backend *b, size_t *free, size_t *largest)
{
	struct k_heap_stats st;

	k_heap_stats_get(b->heap, &st);
	*free = st.free_bytes;
	*largest = st.largest_free;
}

/* ---- kmalloc in each mode ------------------------------------------------------- */

static enum kmalloc_mode saved_mode;

static void *km_alloc(void *ctx, size_t size)
{
	return kmalloc(size, GFP_KERNEL | __GFP_NOWARN);
}

static void km_free(void *ctx, void *p, size_t size)
{
	kfree(p);
}

static int km_setup(struct backend *b)
{
	saved_mode = kmalloc_get_mode();
	return kmalloc_set_mode((enum kmalloc_mode)(uintptr_t)b->heap);
}

static void km_teardown(struct backend *b)
{
	kmalloc_shrink(); /* magazines and empty slabs back to the pages */
	slab_reclaim();
	kmalloc_set_mode(saved_mode);
}

/*
 * Free space of two-tier kmalloc: free pages plus free objects in the
 * slab caches (on slab freelists and in per-CPU magazines); its largest
 * piece is the largest free buddy block.  (The simple and hybrid modes
 * have no such figure: kmalloc does not export its simple heap's free
 * bytes; the "sheap" backend is that heap's code run directly.)
 */
static struct mm_stats space_stats;

static void km_space(struct backend *b, size_t *free, size_t *largest)
{
	size_t f = nr_free_pages() * PAGE_SIZE, big = 0;

	mm_stats_get(&space_stats);
	for (unsigned int i = 0; i < space_stats.nr_caches; i++) {
		const struct mm_cache_stats *c = &space_stats.cache[i];

		if (c->num_objs + c->cached >= c->active_objs) /* a snapshot */
			f += (c->num_objs - c->active_objs + c->cached) *
			     c->objsize;
	}
	for (unsigned int z = 0; z < MAX_NR_ZONES; z++)
		for (unsigned int o = 0; o < MAX_ORDER; o++)
			if (zone_free_blocks(&zones[z], o) &&
			    (PAGE_SIZE << o) > big)
				big = PAGE_SIZE << o;
	*free = f;
	*largest = big;
}

/* ---- the table -------------------------------------------------------------------- */

static struct backend backends[] = {
	{.ops = {"sheap", sh_alloc, sh_free, NULL, track},
	 .setup = sh_setup,
	 .teardown = sh_teardown,
	 .free_space = sh_space},
	{.ops = {"two-tier", km_alloc, km_free, NULL, track},
	 .heap = (void *)KMALLOC_TWO_TIER,
	 .setup = km_setup,
	 .teardown = km_teardown,
	 .free_space = km_space},
	{.ops = {"simple", km_alloc, km_free, NULL, track},
	 .heap = (void *)KMALLOC_SIMPLE,
	 .span = true,
	 .setup = km_setup,
	 .teardown = km_teardown},
	{.ops = {"hybrid", km_alloc, km_free, NULL, track},
	 .heap = (void *)KMALLOC_HYBRID,
	 .setup = km_setup,
	 .teardown = km_teardown},
	{.ops = {"tlsf", tl_alloc, tl_free, NULL, track},
	 .setup = tl_setup,
	 .teardown = tl_teardown,
	 .free_space = tl_space},
};

#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))

unsigned int backend_count(void)
{
	return NR_BACKENDS;
}

struct backend *backend_get(unsigned int i)
{
	struct backend *b = &backends[i];

	b->ops.ctx = b;
	return b;
}

int backend_setup(struct backend *b)
{
	int err = b->setup ? b->setup(b) : 0;

	if (err)
		bench_info("%s: not measured (setup failed: no memory?)",
			   b->ops.name);
	return err;
}

void backend_teardown(struct backend *b)
{
	if (b->teardown)
		b->teardown(b);
}

bool backend_free_space(struct backend *b, size_t *free, size_t *largest)
{
	if (!b->free_space)
		return false;
	b->free_space(b, free, largest);
	return true;
}

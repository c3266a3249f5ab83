/* SPDX-License-Identifier: MIT */
/*
 * Edges of the slab, kmalloc and heap APIs, each once a defect:
 *   aligned-zero    kmalloc_aligned(0, align) keeps the alignment;
 *   double-destroy  a second kmem_cache_destroy() is reported and fails;
 *   dead-cache      kmem_cache_alloc/free/shrink on a destroyed cache are
 *                   reported and refused (no page taken, nothing changed);
 *   shrink-poison   a write after free into a debug object is reported when
 *                   kmalloc_shrink() gives its slab back, not lost;
 *   heap-bytes      the heap's byte counters mean what mm/heap.h says
 *                   (whole blocks, headers included).
 */
#include "arch/host/host.h"
#include "lib/printk.h"
#include "mm/health.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "tests/host/hosttest.h"

#include <stdint.h>
#include <string.h>

#define RAM (64UL << 20)

static char report[4096];

static void capture(void)
{
	report[0] = '\0';
	printk_capture_start(report, sizeof(report));
}

static void test_aligned_zero(void)
{
	struct ht_group g;

	ht_begin(&g, "aligned-zero");
	for (size_t a = 1; a <= KMALLOC_MAX_ALIGN; a <<= 1) {
		void *p = kmalloc_aligned(0, a, GFP_KERNEL);

		ht_check(&g, p != NULL, "align %zu: NULL", a);
		ht_check(&g, ((uintptr_t)p & (a - 1)) == 0,
			 "kmalloc_aligned(0, %zu) gave %p", a, p);
		ht_check(&g, kmalloc_obj_live(p), "align %zu: not live", a);
		capture();
		kfree(p);
		printk_capture_stop();
		ht_check(&g, !report[0], "align %zu: kfree reported %s", a,
			 report);
	}
	ht_check(&g, ksize(kmalloc_aligned(0, 8, GFP_KERNEL)) == 0,
		 "an 8-aligned zero-size block is not a zero-size object");
	ht_end(&g);
}

static void test_double_destroy(void)
{
	struct kmem_cache *c =
		kmem_cache_create("edge-destroy", 64, 0, 0, NULL);
	struct ht_group g;
	int rc;

	ht_begin(&g, "double-destroy");
	if (ht_check(&g, c != NULL, "create failed")) {
		ht_check(&g, kmem_cache_destroy(c) == 0, "first destroy");
		capture();
		rc = kmem_cache_destroy(c);
		printk_capture_stop();
		ht_check(&g, rc == -MM_EINVAL, "second destroy returned %d",
			 rc);
		ht_check(&g, mm_last_error() == MM_EINVAL, "error %s",
			 mm_strerror(mm_last_error()));
		ht_check(&g, strstr(report, "was destroyed") != NULL,
			 "report: '%s'", report);
		ht_check(&g, mm_validate(), "mm_validate failed");
	}
	ht_end(&g);
}

static void test_dead_cache(void)
{
	struct kmem_cache *c = kmem_cache_create("edge-dead", 100, 0, 0, NULL);
	unsigned long before;
	struct ht_group g;
	void *p;

	ht_begin(&g, "dead-cache");
	if (!ht_check(&g, c != NULL, "create failed")) {
		ht_end(&g);
		return;
	}
	p = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, p);
	kmem_cache_destroy(c);
	drain_all_pages();
	before = nr_free_pages();
	capture();
	p = kmem_cache_alloc(c, GFP_KERNEL);
	printk_capture_stop();
	ht_check(&g, p == NULL, "kmem_cache_alloc on a destroyed cache: %p", p);
	ht_check(&g, mm_last_error() == MM_EINVAL, "error %s",
		 mm_strerror(mm_last_error()));
	ht_check(&g,
		 strstr(report, "kmem_cache_alloc") &&
			 strstr(report, "was destroyed"),
		 "report: '%s'", report);
	capture();
	kmem_cache_free(c, p ? p : (void *)c);
	kmem_cache_shrink(c);
	printk_capture_stop();
	ht_check(&g,
		 strstr(report, "kmem_cache_free") &&
			 strstr(report, "kmem_cache_shrink"),
		 "free and shrink: '%s'", report);
	drain_all_pages();
	ht_check(&g, nr_free_pages() == before, "free pages %lu -> %lu", before,
		 nr_free_pages());
	ht_check(&g, mm_validate(), "mm_validate failed");
	ht_end(&g);
}

static void test_shrink_poison(void)
{
	struct ht_group g;
	unsigned char *p;
	bool was;

	ht_begin(&g, "shrink-poison");
	was = kmalloc_set_debug(true);
	p = kmalloc(100, GFP_KERNEL); /* kmalloc-dbg-128: unused so far */
	kmalloc_set_debug(was);
	if (ht_check(&g, p != NULL, "kmalloc failed")) {
		kfree(p);
		p[5] = 0x41; /* a write after free */
		capture();
		kmalloc_shrink();
		printk_capture_stop();
		ht_check(&g, strstr(report, "written after free") != NULL,
			 "kmalloc_shrink lost the write after free: '%s'",
			 report);
		ht_check(&g, strstr(report, "byte at +0x5 is 0x41") != NULL,
			 "report: '%s'", report);
		ht_check(&g, mm_validate(), "mm_validate failed");
	}
	ht_end(&g);
}

static void test_heap_bytes(void)
{
	static char mem[64 << 10] __attribute__((aligned(16)));
	struct k_heap h;
	struct k_heap_stats st;
	struct ht_group g;
	size_t span;
	void *p;

	ht_begin(&g, "heap-bytes");
	ht_check(&g, k_heap_init(&h, "edge-heap", mem, sizeof(mem)) == 0,
		 "init");
	span = (size_t)(h.hp_end - h.hp_start);
	k_heap_stats_get(&h, &st);
	ht_check(&g, st.free_bytes + st.allocated_bytes == span,
		 "empty: free %zu + allocated %zu != span %zu", st.free_bytes,
		 st.allocated_bytes, span);
	p = k_heap_alloc(&h, 1000, K_NO_WAIT);
	k_heap_stats_get(&h, &st);
	ht_check(&g, st.free_bytes + st.allocated_bytes == span,
		 "one block: free %zu + allocated %zu != span %zu",
		 st.free_bytes, st.allocated_bytes, span);
	ht_check(&g,
		 p && st.allocated_bytes ==
				 k_heap_usable_size(&h, p) + TLSF_HDR,
		 "allocated %zu, usable %zu", st.allocated_bytes,
		 k_heap_usable_size(&h, p));
	k_heap_free(&h, p);
	k_heap_remove(&h);
	ht_end(&g);
}

int main(void)
{
	ht_prog = "api_edges";
	if (host_mm_init(RAM, 2)) {
		printf("FAIL: host/api_edges: host_mm_init failed\n");
		return 1;
	}
	test_aligned_zero();
	test_double_destroy();
	test_dead_cache();
	test_shrink_poison();
	test_heap_bytes();
	return ht_exit();
}

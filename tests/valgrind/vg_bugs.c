/* SPDX-License-Identifier: MIT */
/*
 * Deliberate memory bugs for valgrind (tests/valgrind/run.sh): each case,
 * named by argv[1], makes one mistake with a block of the kernel
 * allocators and stops.  Linked with build/host-vg/libmm.a (mm/vg.h's
 * annotations on) memcheck must report it, naming the function that
 * allocated or freed the block; linked with the plain library it must not
 * (the simulated RAM is ordinary mapped memory), which shows that the
 * report is the annotations' work.  "all" runs every case, each in a
 * forked child, for that second check.
 */
#include "arch/host/host.h"
#include "mm/heap.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/pool.h"
#include "mm/slab.h"
#include "mm/txn.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads and writes the compiler may not drop or move. */
static unsigned char peek(const void *p, size_t i)
{
	return ((const volatile unsigned char *)p)[i];
}

static void poke(void *p, size_t i, unsigned char v)
{
	((volatile unsigned char *)p)[i] = v;
}

/* A kmalloc block (a slab object of kmalloc-128) written after kfree(). */
static int kfree_then_write(void)
{
	char *p = kmalloc(100, GFP_KERNEL);

	memset(p, 1, 100);
	kfree(p);
	poke(p, 10, 2);
	return 0;
}

/* One byte past the 100 asked for, inside the 128-byte class. */
static int kmalloc_overflow(void)
{
	char *p = kmalloc(100, GFP_KERNEL);

	memset(p, 1, 100);
	printf("ksize %zu\n", ksize(p));
	poke(p, 100, 2);
	kfree(p);
	return 0;
}

/* A branch on kmalloc memory nobody wrote. */
static int kmalloc_uninit(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (peek(p, 3) == 7)
		printf("seven\n");
	kfree(p);
	return 0;
}

/* An object of a cache read after kmem_cache_free(). */
static int cache_then_read(void)
{
	struct kmem_cache *c = kmem_cache_create("vg_obj", 48, 0, 0, NULL);
	char *p = kmem_cache_alloc(c, GFP_KERNEL);

	memset(p, 1, 48);
	kmem_cache_free(c, p);
	return peek(p, 40) == 0x55;
}

/* One byte past an object of a new cache, into a neighbour never
 * handed out. */
static int cache_overflow(void)
{
	struct kmem_cache *c = kmem_cache_create("vg_obj2", 48, 0, 0, NULL);
	char *p = kmem_cache_alloc(c, GFP_KERNEL);

	memset(p, 1, 48);
	poke(p, 48, 2);
	return 0;
}

/* Debug mode: one byte past a full 128-byte block, into its red zone. */
static int debug_redzone(void)
{
	char *p;

	kmalloc_set_debug(true);
	p = kmalloc(128, GFP_KERNEL);
	memset(p, 1, 128);
	poke(p, 128, 2);
	return 0;
}

/* Two pages read after free_pages(). */
static int pages_then_read(void)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 1);
	char *p = page_address(pg);

	memset(p, 1, 2 * PAGE_SIZE);
	free_pages(pg, 1);
	return peek(p, 5000) == 0x55;
}

static char heap_mem[64 << 10] __attribute__((aligned(16)));

/* One byte past a TLSF heap block of 100 bytes. */
static int heap_overflow(void)
{
	static struct k_heap h;
	char *p;

	k_heap_init(&h, "vg_heap", heap_mem, sizeof(heap_mem));
	p = k_heap_alloc(&h, 100, K_NO_WAIT);
	memset(p, 1, 100);
	poke(p, 100, 2);
	k_heap_free(&h, p);
	return 0;
}

static char pool_mem[16 * 64] __attribute__((aligned(16)));

/* A pool block read after k_mem_slab_free(). */
static int pool_then_read(void)
{
	static struct k_mem_slab s;
	void *p;

	k_mem_slab_init(&s, pool_mem, 64, 16);
	k_mem_slab_alloc(&s, &p, K_NO_WAIT);
	memset(p, 1, 64);
	k_mem_slab_free(&s, p);
	return peek(p, 20) == 0x55;
}

/* The old pointer after krealloc() moved the block. */
static int krealloc_stale(void)
{
	char *p = kmalloc(40, GFP_KERNEL), *q;

	memset(p, 1, 40);
	q = krealloc(p, 60, GFP_KERNEL);
	poke(p, 8, 2);
	kfree(q);
	return 0;
}

/* A block allocated in a transaction, used after the abort freed it. */
static int txn_abort_then_read(void)
{
	struct mm_txn t;
	char *p;

	mm_txn_begin(&t);
	p = kmalloc(200, GFP_KERNEL);
	memset(p, 1, 200);
	mm_txn_abort(&t);
	return peek(p, 0) == 0x55;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{"kfree-then-write", kfree_then_write},
	{"kmalloc-overflow", kmalloc_overflow},
	{"kmalloc-uninit", kmalloc_uninit},
	{"cache-then-read", cache_then_read},
	{"cache-overflow", cache_overflow},
	{"debug-redzone", debug_redzone},
	{"pages-then-read", pages_then_read},
	{"heap-overflow", heap_overflow},
	{"pool-then-read", pool_then_read},
	{"krealloc-stale", krealloc_stale},
	{"txn-abort-then-read", txn_abort_then_read},
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* Every case, each in a child of its own (one valgrind start for all):
 * the number of children that did not exit with status 0. */
static int run_all(void)
{
	int bad = 0, status;

	for (size_t i = 0; i < NR_CASES; i++) {
		pid_t pid;

		fflush(stdout);
		pid = fork();

		if (pid == 0)
			_exit(cases[i].fn() < 0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("case %s: reported\n", cases[i].name);
			bad++;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (host_mm_init(64 << 20, 2))
		return 2;
	if (argc == 2 && !strcmp(argv[1], "all"))
		return run_all();
	for (size_t i = 0; argc == 2 && i < NR_CASES; i++)
		if (!strcmp(argv[1], cases[i].name)) {
			cases[i].fn();
			return 0;
		}
	fprintf(stderr, "usage: %s list | all | <case>\n", argv[0]);
	return 2;
}

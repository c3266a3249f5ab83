// SPDX-License-Identifier: MIT
/*
 * libmm_malloc.so: the blocks kmalloc does not make.  Big blocks come
 * straight from mmap(), as glibc serves requests above its mmap threshold;
 * boot blocks come from a static buffer, for the calls made before mm/ is
 * up (and by the shim's own initialisation).
 *
 * A big block, as mapped:
 *
 *   base (page-aligned)                 p (aligned as asked)
 *   |  ...padding...  | struct big_hdr  | payload ...          | slack |
 *   |<------------------------- len (whole pages) ------------------->|
 *
 * The header sits right below p and names the mapping, with a check word
 * bound to p, so free() can tell a big block from a stray pointer before
 * it unmaps anything.  A boot block has its size in the 16 bytes below it.
 */
#define _GNU_SOURCE
#include "arch/host/preload/shim.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define BIG_PAGE 4096UL
#define BIG_MAGIC 0x6b6d616c6c6f6321ULL /* "kmalloc!" */

struct big_hdr {
	uintptr_t base; /* start of the mapping */
	size_t len; /* bytes mapped, whole pages */
	uint64_t pad;
	uint64_t check; /* BIG_MAGIC ^ p ^ base ^ len */
};

_Static_assert(sizeof(struct big_hdr) % SHIM_MIN_ALIGN == 0, "header size");

#define BOOT_BYTES (128UL << 10)
static _Alignas(BIG_PAGE) unsigned char boot_buf[BOOT_BYTES];
static atomic_size_t boot_used;

static atomic_ulong n_allocs, n_frees, n_live, n_bytes_live;
static atomic_ulong n_boot_allocs, n_refused;

static uintptr_t round_up(uintptr_t v, uintptr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static struct big_hdr *hdr_of(const void *p)
{
	return (struct big_hdr *)((uintptr_t)p - sizeof(struct big_hdr));
}

static uint64_t check_of(uintptr_t p, const struct big_hdr *h)
{
	return BIG_MAGIC ^ p ^ h->base ^ h->len;
}

static void *finish(uintptr_t base, size_t len, uintptr_t p)
{
	struct big_hdr *h = hdr_of((void *)p);

	h->base = base;
	h->len = len;
	h->pad = 0;
	h->check = check_of(p, h);
	atomic_fetch_add_explicit(&n_allocs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&n_live, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&n_bytes_live, len, memory_order_relaxed);
	return (void *)p;
}

/* mmap len bytes; NULL (errno ENOMEM) on failure. */
static void *map(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

/*
 * size bytes aligned to align (a power of two), zero-filled as every new
 * mapping.  Returns NULL with errno ENOMEM when the size cannot be mapped.
 */
void *big_alloc(size_t size, size_t align)
{
	const size_t hdr = sizeof(struct big_hdr);

	if (align < SHIM_MIN_ALIGN)
		align = SHIM_MIN_ALIGN;
	if (size > SIZE_MAX / 2 || align > SIZE_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	if (align <= BIG_PAGE) {
		size_t off = round_up(hdr, align);
		size_t len = round_up(off + size, BIG_PAGE);
		unsigned char *m = map(len);

		return m ? finish((uintptr_t)m, len, (uintptr_t)m + off) : NULL;
	}
	/* over-map, then give back the head and the tail */
	size_t need = round_up(size + align + hdr, BIG_PAGE);
	unsigned char *m = map(need);
	if (!m)
		return NULL;
	uintptr_t raw = (uintptr_t)m, p = round_up(raw + hdr, align);
	uintptr_t base = (p - hdr) & ~(BIG_PAGE - 1);
	uintptr_t end = round_up(p + size, BIG_PAGE);
	if (base > raw)
		munmap(m, base - raw);
	if (raw + need > end)
		munmap((void *)end, raw + need - end);
	return finish(base, end - base, p);
}

/*
 * True when p carries an intact big-block header.  mincore() first: after
 * a big block is freed its pages are gone, and a second free must be
 * refused, not fault.
 */
static bool big_owns(const void *p)
{
	const struct big_hdr *h;
	unsigned char vec[2];
	uintptr_t page;

	if (!p || (uintptr_t)p % SHIM_MIN_ALIGN ||
	    (uintptr_t)p < sizeof(struct big_hdr))
		return false;
	h = hdr_of(p);
	page = (uintptr_t)h & ~(BIG_PAGE - 1);
	if (mincore((void *)page, (uintptr_t)p - page, vec))
		return false; /* not mapped */
	return h->check == check_of((uintptr_t)p, h) &&
	       h->base <= (uintptr_t)h && (uintptr_t)p < h->base + h->len;
}

static void refuse(const char *what, const void *p)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg),
			 "rvmm_malloc: %s(%p): not a live block; ignored\n",
			 what, p);

	atomic_fetch_add_explicit(&n_refused, 1, memory_order_relaxed);
	if (n > 0 && shim_reports())
		(void)!write(STDERR_FILENO, msg, (size_t)n);
}

void big_free(void *p)
{
	struct big_hdr *h = hdr_of(p);
	size_t len;

	if (!big_owns(p)) {
		refuse("free", p);
		return;
	}
	len = h->len;
	atomic_fetch_add_explicit(&n_frees, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&n_live, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&n_bytes_live, len, memory_order_relaxed);
	munmap((void *)h->base, len);
}

/* Usable bytes of big block p; 0 for anything else. */
size_t big_usable(const void *p)
{
	const struct big_hdr *h = hdr_of(p);

	return big_owns(p) ? h->base + h->len - (uintptr_t)p : 0;
}

/*
 * Resize big block p to size bytes (the caller has checked that it is a
 * big block) with mremap(), which copies no bytes; p keeps its offset in
 * its page, so an alignment above a page is not kept (nor is it by glibc's
 * realloc).  Returns NULL with errno ENOMEM, p untouched, when the kernel
 * has no room.
 */
void *big_realloc(void *p, size_t size)
{
	struct big_hdr *h = hdr_of(p);
	uintptr_t off = (uintptr_t)p - h->base;
	size_t len, old = h->len;
	unsigned char *m;

	if (size > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	len = round_up(off + size, BIG_PAGE);
	m = mremap((void *)h->base, old, len, MREMAP_MAYMOVE);
	if (m == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_fetch_sub_explicit(&n_bytes_live, old, memory_order_relaxed);
	atomic_fetch_sub_explicit(&n_live, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&n_allocs, 1, memory_order_relaxed);
	return finish((uintptr_t)m, len, (uintptr_t)m + off);
}

/* size bytes of the boot buffer aligned to align; NULL when it is spent. */
void *boot_alloc(size_t size, size_t align)
{
	size_t old, start, end;

	if (align < SHIM_MIN_ALIGN)
		align = SHIM_MIN_ALIGN;
	if (size > BOOT_BYTES || align > BOOT_BYTES)
		return NULL;
	old = atomic_load(&boot_used);
	do {
		start = round_up(old + SHIM_MIN_ALIGN, align);
		end = start + round_up(size ? size : 1, SHIM_MIN_ALIGN);
		if (end > BOOT_BYTES)
			return NULL;
	} while (!atomic_compare_exchange_weak(&boot_used, &old, end));
	*(size_t *)(boot_buf + start - SHIM_MIN_ALIGN) = end - start;
	atomic_fetch_add_explicit(&n_boot_allocs, 1, memory_order_relaxed);
	return boot_buf + start;
}

bool boot_owns(const void *p)
{
	const unsigned char *b = p;

	return b >= boot_buf && b < boot_buf + BOOT_BYTES;
}

size_t boot_usable(const void *p)
{
	return *(const size_t *)((const unsigned char *)p - SHIM_MIN_ALIGN);
}

void big_stats_get(struct big_stats *st)
{
	st->allocs = atomic_load(&n_allocs);
	st->frees = atomic_load(&n_frees);
	st->live = atomic_load(&n_live);
	st->bytes_live = atomic_load(&n_bytes_live);
	st->boot_allocs = atomic_load(&n_boot_allocs);
	st->boot_bytes = atomic_load(&boot_used);
	st->refused = atomic_load(&n_refused);
}

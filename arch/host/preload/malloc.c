// SPDX-License-Identifier: MIT
/*
 * libmm_malloc.so: the C library's malloc family over the kernel's kmalloc,
 * for running unmodified programs with LD_PRELOAD (docs/host.md, "Real
 * programs on kmalloc").  These are the only symbols the library exports.
 *
 * Routing (shim.h): a request kmalloc can serve (at most KMALLOC_MAX_SIZE
 * bytes aligned to at most KMALLOC_MAX_ALIGN) goes to kmalloc as one hart
 * (harts.c); anything larger, or anything kmalloc refuses, is mmap()ed
 * (big.c); calls made while the shim initialises use the boot buffer.
 * free(), realloc() and malloc_usable_size() tell the three apart by the
 * address.
 *
 * Semantics are glibc's: every block is aligned to 16 and has at least 16
 * usable bytes, malloc(0) included (so each is unique); realloc(p, 0)
 * frees p and returns NULL; failures return NULL with errno ENOMEM;
 * posix_memalign returns EINVAL for an alignment that is not a power of two
 * multiple of sizeof(void *) and leaves errno alone; aligned_alloc wants a
 * power of two (EINVAL), as glibc 2.38 does; memalign rounds the alignment
 * up to a power of two.  Differences: free() of a pointer that is not a
 * live block is reported on stderr and ignored (glibc aborts); realloc() of
 * one returns NULL with EINVAL.
 */
#define _GNU_SOURCE
#include "arch/host/preload/shim.h"

#include "mm/kmalloc.h"

#include <errno.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define GFP (GFP_KERNEL | __GFP_NOWARN) /* failure is the caller's errno */

static bool is_pow2(size_t a)
{
	return a && !(a & (a - 1));
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The boot buffer's answer: never freed, zero as every static byte. */
static void *boot_block(size_t size, size_t align)
{
	void *p = boot_alloc(size, align);

	if (!p)
		errno = ENOMEM;
	return p;
}

/*
 * size bytes aligned to align (a power of two; at least SHIM_MIN_ALIGN is
 * always given), zeroed when zero is set.  Returns NULL with errno ENOMEM
 * when neither kmalloc nor mmap can serve it.
 */
static void *alloc(size_t size, size_t align, bool zero, enum shim_stat st)
{
	enum shim_state s = shim_init();
	void *p;

	if (s == SHIM_NONE)
		return boot_block(size, align);
	if (s == SHIM_READY && size <= KMALLOC_MAX_SIZE &&
	    align <= KMALLOC_MAX_ALIGN) {
		size_t n = size < SHIM_MIN_ALIGN ? SHIM_MIN_ALIGN : size;
		gfp_t gfp = GFP | (zero ? __GFP_ZERO : 0);

		if (!shim_hart_enter())
			return boot_block(size, align);
		p = align <= SHIM_MIN_ALIGN ? kmalloc(n, gfp)
					    : kmalloc_aligned(n, align, gfp);
		shim_count(p ? st : ST_FAIL);
		shim_hart_exit();
		if (p)
			return p;
	}
	return big_alloc(size, align); /* a new mapping is zero */
}

/* Usable bytes of a live block of any kind; 0 when it is not one. */
static size_t usable(const void *p)
{
	size_t n;

	if (shim_in_ram(p)) {
		if (!shim_hart_enter())
			return 0;
		n = ksize(p);
		shim_hart_exit();
		return n;
	}
	return boot_owns(p) ? boot_usable(p) : big_usable(p);
}

EXPORT void *malloc(size_t size)
{
	return alloc(size, SHIM_MIN_ALIGN, false, ST_MALLOC);
}

EXPORT void free(void *p)
{
	if (!p)
		return;
	if (shim_in_ram(p)) {
		if (!shim_hart_enter())
			return; /* re-entered from mm/: cannot be ours */
		kfree(p);
		shim_count(ST_FREE);
		shim_hart_exit();
	} else if (!boot_owns(p)) {
		big_free(p);
	}
}

/* n * size zeroed bytes; NULL with ENOMEM when the product overflows. */
EXPORT void *calloc(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return alloc(bytes, SHIM_MIN_ALIGN, true, ST_MALLOC);
}

/* Copy p into a new block of size bytes and free p; NULL keeps p. */
static void *move(void *p, size_t old, size_t size)
{
	void *q = alloc(size, SHIM_MIN_ALIGN, false, ST_REALLOC);

	if (q) {
		memcpy(q, p, min_size(old, size));
		free(p);
	}
	return q;
}

/*
 * Resize a kmalloc block: in place while it fits, unless it would keep
 * more than twice the bytes it needs in a page block; else a new block.
 * NULL (ENOMEM, p untouched) only when growing fails.
 */
static void *realloc_ram(void *p, size_t size)
{
	size_t old;
	void *q = NULL;

	if (!shim_hart_enter()) {
		errno = ENOMEM;
		return NULL;
	}
	old = ksize(p);
	if (!old) {
		kfree(p); /* reports the stray pointer */
		shim_hart_exit();
		errno = EINVAL;
		return NULL;
	}
	if (size <= KMALLOC_MAX_SIZE &&
	    (size > old || old <= KMALLOC_MAX_CACHE_SIZE || size > old / 2)) {
		q = krealloc(p, size < SHIM_MIN_ALIGN ? SHIM_MIN_ALIGN : size,
			     GFP);
		shim_count(q ? ST_REALLOC : ST_FAIL);
	}
	shim_hart_exit();
	if (!q)
		q = move(p, old, size);
	return q || size > old ? q : p; /* a shrink that cannot move stays */
}

/* Resize a big block: mremap, or back to kmalloc when it gets small. */
static void *realloc_big(void *p, size_t size)
{
	size_t old = big_usable(p);

	if (!old) {
		big_free(p); /* reports the stray pointer */
		errno = EINVAL;
		return NULL;
	}
	if (size <= KMALLOC_MAX_SIZE / 2)
		return move(p, old, size);
	return big_realloc(p, size);
}

EXPORT void *realloc(void *p, size_t size)
{
	if (!p)
		return malloc(size);
	if (!size) {
		free(p);
		return NULL;
	}
	if (shim_in_ram(p))
		return realloc_ram(p, size);
	if (boot_owns(p)) {
		void *q = malloc(size); /* boot blocks are never freed */

		if (q)
			memcpy(q, p, min_size(boot_usable(p), size));
		return q;
	}
	return realloc_big(p, size);
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, bytes);
}

/* Returns 0, EINVAL (bad alignment) or ENOMEM; errno is left alone. */
EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int saved = errno;
	void *p;

	if (!is_pow2(align) || align % sizeof(void *))
		return EINVAL;
	p = alloc(size, align, false, ST_ALIGNED);
	errno = saved;
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

/* align must be a power of two (EINVAL otherwise). */
EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!is_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return alloc(size, align, false, ST_ALIGNED);
}

/* align is rounded up to a power of two; EINVAL when none is that big. */
EXPORT void *memalign(size_t align, size_t size)
{
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (!is_pow2(align))
		align = align < 2 ? 1
				  : (size_t)1 << (64 - __builtin_clzl(align));
	return alloc(size, align, false, ST_ALIGNED);
}

EXPORT void *valloc(size_t size)
{
	return memalign(PAGE_SIZE, size);
}

/* size rounded up to whole pages (one page for 0), page-aligned. */
EXPORT void *pvalloc(size_t size)
{
	size_t n = (size + PAGE_SIZE - 1) & PAGE_MASK;

	if (n < size) {
		errno = ENOMEM;
		return NULL;
	}
	return memalign(PAGE_SIZE, n ? n : PAGE_SIZE);
}

EXPORT size_t malloc_usable_size(void *p)
{
	return p ? usable(p) : 0;
}

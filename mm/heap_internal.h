/* SPDX-License-Identifier: MIT */
/*
 * Inside the TLSF heap: the block header, the size-to-list mapping and the
 * heap's own lock fast path, shared by mm/heap.c (allocation, free) and
 * mm/heap_check.c (statistics, the validator, reports).  The layout is
 * drawn in mm/heap.c's theory comment, section 2.
 */
#ifndef MM_HEAP_INTERNAL_H
#define MM_HEAP_INTERNAL_H

#include "mm/heap.h"
#include "mm/internal.h"

#define TB_FREE 0x1ul
#define TB_PREV_FREE 0x2ul
#define TB_FLAGS (TLSF_ALIGN - 1ul)

struct tlsf_block {
	unsigned long tb_size; /* bytes, header included | TB_* flags */
	struct tlsf_block *tb_prev_phys; /* the block just below, or NULL */
	/* Free blocks only (the payload of a used block): */
	struct tlsf_block *tb_next_free;
	struct tlsf_block *tb_prev_free;
};

_Static_assert(sizeof(struct tlsf_block) == TLSF_MIN_BLOCK, "TLSF header");

/* Every heap initialised and not removed (mm/heap.c), under heap_lock. */
extern spinlock_t heap_lock;
extern struct mm_registry heaps;

/* Make b (a block of h, on no list) a free block on its list. */
void heap_add_free(struct k_heap *h, struct tlsf_block *b);

static inline size_t bsize(const struct tlsf_block *b)
{
	return b->tb_size & ~TB_FLAGS;
}
static inline struct tlsf_block *bnext(const struct tlsf_block *b)
{
	return (struct tlsf_block *)((char *)b + bsize(b));
}

/*
 * Bit scans.  With Zbb (and on the host) the compiler's builtins are one
 * instruction; plain RV64 has none, and the builtins would call libgcc's
 * table-driven __clzdi2/__ctzdi2.  The fallbacks are branch-free: isolate
 * one bit, then look its position up with a de Bruijn multiply
 * (Leiserson, Prokop, Randall, "Using de Bruijn Sequences to Index a 1 in
 * a Computer Word", 1998).
 */
#if !defined(KERNEL) || RVMM_ZBB
static inline unsigned int floor_log2(size_t x)
{
	return 63u - (unsigned int)__builtin_clzl(x);
}
static inline unsigned int lowest_bit(uint32_t x)
{
	return (unsigned int)__builtin_ctz(x);
}
#else
extern const uint8_t tlsf_debruijn64[64];
#define TLSF_DEBRUIJN64 0x03f79d71b4cb0a89ul

/* Position of the one set bit of x (a power of two). */
static inline unsigned int bit_index(uint64_t x)
{
	return tlsf_debruijn64[(x * TLSF_DEBRUIJN64) >> 58];
}
static inline unsigned int floor_log2(size_t x)
{
	x |= x >> 1; /* smear the top bit down, then keep only it */
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	return bit_index(x ^ (x >> 1));
}
static inline unsigned int lowest_bit(uint32_t x)
{
	return bit_index((uint64_t)(x & -x));
}
#endif

/*
 * The lists are indexed by a block's capacity, its payload bytes
 * (bsize - TLSF_HDR), not by its size: a request for exactly a class
 * boundary (8192 bytes) then finds its blocks in that class's list.
 */
static inline size_t capacity(size_t size)
{
	return size - TLSF_HDR;
}

/* The list [*fl][*sl] that holds free blocks of capacity cap. */
static inline void mapping(size_t cap, unsigned long *fl, unsigned long *sl)
{
	unsigned long t;

	if (cap < TLSF_SMALL) {
		*fl = 0;
		*sl = cap >> TLSF_ALIGN_LOG2;
		return;
	}
	t = floor_log2(cap);
	*sl = (cap >> (t - TLSF_SL_LOG2)) & (TLSF_SL_COUNT - 1);
	*fl = t - TLSF_FL_SHIFT + 1;
}

/*
 * The heap lock, inline: irqsave, then one atomic swap.  The same
 * spinlock_t and owner field as lib/spinlock.c (spin_is_held() and the
 * GDB commands see it); a hart that finds the lock taken by itself is a
 * recursive locking bug, handed to spin_lock(), which reports it.  The
 * heap's lock is not counted in spin_locks_held(): nothing the heap calls
 * with it held checks that count.
 */
void heap_lock_contended(struct k_heap *h); /* mm/heap.c */

/* One try: true with the lock held, false with the interrupts as they were. */
static inline __attribute__((always_inline)) bool
heap_trylock_irqsave(struct k_heap *h, unsigned long *flags)
{
	*flags = arch_irq_save();
	if (__atomic_exchange_n(&h->hp_lock.sl_locked, 1, __ATOMIC_ACQUIRE)) {
		arch_irq_restore(*flags);
		return false;
	}
	__atomic_store_n(&h->hp_lock.sl_owner, (int)arch_cpu_id(),
			 __ATOMIC_RELAXED);
	return true;
}

static inline __attribute__((always_inline)) unsigned long
heap_lock_irqsave(struct k_heap *h)
{
	unsigned long flags = arch_irq_save();

	if (__atomic_exchange_n(&h->hp_lock.sl_locked, 1, __ATOMIC_ACQUIRE))
		heap_lock_contended(h);
	__atomic_store_n(&h->hp_lock.sl_owner, (int)arch_cpu_id(),
			 __ATOMIC_RELAXED);
	return flags;
}

static inline __attribute__((always_inline)) void
heap_unlock_irqrestore(struct k_heap *h, unsigned long flags)
{
	__atomic_store_n(&h->hp_lock.sl_owner, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->hp_lock.sl_locked, 0, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
}

/*
 * The block whose payload is p, if p is a live block of h; else NULL with
 * *why saying what is wrong.  A header check, reading only inside the
 * region: p inside and 16-byte aligned, a size that stays inside, an
 * upper neighbour whose prev_phys points back (a pointer into a payload
 * would need the user's bytes to forge both), and TB_FREE clear.
 */
static inline __attribute__((always_inline)) struct tlsf_block *
check_block(struct k_heap *h, const void *p, const char **why)
{
	const char *c = p;
	struct tlsf_block *b;
	unsigned long word;
	size_t size;

	*why = "not inside the heap";
	if (c < h->hp_start + TLSF_HDR || c >= h->hp_end)
		return NULL;
	*why = "not the start of a block";
	if ((uintptr_t)c & (TLSF_ALIGN - 1))
		return NULL;
	b = (struct tlsf_block *)(c - TLSF_HDR);
	word = b->tb_size;
	size = word & ~TB_FLAGS;
	if (size - TLSF_MIN_BLOCK >
		    (size_t)(h->hp_end - (char *)b) - TLSF_MIN_BLOCK ||
	    bnext(b)->tb_prev_phys != b)
		return NULL;
	*why = "already free (double free)";
	return word & TB_FREE ? NULL : b;
}

#endif /* MM_HEAP_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * The hot part of arch/arch.h, inline on the real machine (arch.h
 * includes this for the kernel build): the hart's logical id through tp,
 * saving/restoring sstatus.SIE, and the identity direct map.  Same
 * contracts as declared there.
 */
#ifndef ARCH_RISCV_ARCH_INLINE_H
#define ARCH_RISCV_ARCH_INLINE_H

#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"

/* tp always points at this hart's struct percpu (riscv.h).  The index
 * is read as a 64-bit value: lwu has zero-extended it, which the compiler
 * could not see through an unsigned int asm result. */
static inline unsigned long arch_cpu_index(void)
{
	unsigned long id;

	__asm__("lwu %0, %1(tp)" : "=r"(id) : "i"(PCPU_CPU));
	return id;
}

static inline unsigned int arch_cpu_id(void)
{
	return (unsigned int)arch_cpu_index();
}

static inline unsigned long arch_irq_save(void)
{
	return csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE;
}

/* flags is SIE or 0 (arch_irq_save() masked it): setting 0 is a no-op,
 * so no branch. */
static inline void arch_irq_restore(unsigned long flags)
{
	__asm__ volatile("csrs sstatus, %0" ::"r"(flags) : "memory");
}

/*
 * A per-CPU flag word taken by its own CPU and, rarely, by another
 * (mm/slab.c's magazine lock): a non-zero value is written with acquire
 * order, and the old value says whether it was free.  amoswap's .w result is already
 * sign-extended, which gcc 12 does not know: in asm, no extra sext.w.
 */
static inline bool arch_flag_tryset(unsigned int *w)
{
	unsigned long old; /* the .w result, sign-extended: 0 iff clear */

	/* The value set is tp's low half, never 0 (tp points at this
	 * hart's struct percpu, in the kernel image below 4 GiB): no li,
	 * and a held word says which hart holds it. */
	__asm__ volatile("amoswap.w.aq %0, tp, (%1)"
			 : "=&r"(old)
			 : "r"(w)
			 : "memory");
	return old == 0;
}

/* Exchange a word, no ordering (gcc 12 copies v first: one mv more). */
static inline unsigned long arch_xchg_relaxed(unsigned long *w,
					      unsigned long v)
{
	unsigned long old;

	__asm__ volatile("amoswap.d %0, %2, (%1)"
			 : "=&r"(old)
			 : "r"(w), "r"(v)
			 : "memory");
	return old;
}

/* Clear it with release order: one amoswap.rl (a fence and a store, as
 * gcc writes a release store, are two instructions). */
static inline void arch_flag_clear(unsigned int *w)
{
	__asm__ volatile("amoswap.w.rl zero, zero, (%0)" ::"r"(w) : "memory");
}

/* RAM is identity mapped (vm.c), so virtual == physical. */
static inline void *arch_phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline phys_addr_t arch_virt_to_phys(const void *va)
{
	return (phys_addr_t)(uintptr_t)va;
}

#endif /* ARCH_RISCV_ARCH_INLINE_H */

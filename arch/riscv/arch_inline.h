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

/* tp always points at this hart's struct percpu (riscv.h). */
static inline unsigned int arch_cpu_id(void)
{
	unsigned int id;

	__asm__("lwu %0, %1(tp)" : "=r"(id) : "i"(PCPU_CPU));
	return id;
}

static inline unsigned long arch_irq_save(void)
{
	return csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & SSTATUS_SIE)
		csr_set(sstatus, SSTATUS_SIE);
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

/* SPDX-License-Identifier: MIT */
/*
 * The hot part of arch/arch.h, inline on the real machine (arch.h
 * includes this for the kernel build): the hart's logical id through tp,
 * and saving/restoring sstatus.SIE.  Same contracts as declared there.
 */
#ifndef ARCH_RISCV_ARCH_INLINE_H
#define ARCH_RISCV_ARCH_INLINE_H

#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"

/* tp always points at this hart's struct percpu (riscv.h). */
static inline unsigned int arch_cpu_id(void)
{
	unsigned int id;

	__asm__("lw %0, %1(tp)" : "=r"(id) : "i"(PCPU_CPU));
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

#endif /* ARCH_RISCV_ARCH_INLINE_H */

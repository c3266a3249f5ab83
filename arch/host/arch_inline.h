/* SPDX-License-Identifier: MIT */
/*
 * The hot part of arch/arch.h on the host, inline as on the real machine
 * (arch/riscv/arch_inline.h): arch.h includes this for every build that
 * is not the kernel.  Which hart a thread plays and that hart's interrupt
 * flag are thread-locals of arch/host/host.c (see arch/host/host.h); the
 * fast paths of kmalloc and the slab read them on every call, so an
 * out-of-line call here costs as much as the work it guards.
 */
#ifndef ARCH_HOST_ARCH_INLINE_H
#define ARCH_HOST_ARCH_INLINE_H

#include <stdbool.h>

extern _Thread_local unsigned int host_this_cpu;
extern _Thread_local bool host_irqs_off;

static inline unsigned int arch_cpu_id(void)
{
	return host_this_cpu;
}

static inline unsigned long arch_cpu_index(void)
{
	return arch_cpu_id();
}

/* Returns the old state: 1 when interrupts were enabled. */
static inline unsigned long arch_irq_save(void)
{
	unsigned long flags = !host_irqs_off;

	host_irqs_off = true;
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	host_irqs_off = !flags;
}

/* As on RISC-V (arch/riscv/arch_inline.h); x86 gives a release store
 * for free, so the clear is a plain store there. */
static inline bool arch_flag_tryset(unsigned int *w)
{
	return __atomic_exchange_n(w, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline unsigned long arch_xchg_relaxed(unsigned long *w,
					      unsigned long v)
{
	return __atomic_exchange_n(w, v, __ATOMIC_RELAXED);
}

static inline void arch_flag_clear(unsigned int *w)
{
	__atomic_store_n(w, 0, __ATOMIC_RELEASE);
}

#endif /* ARCH_HOST_ARCH_INLINE_H */

/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks that record their owner, catch recursive locking and optionally
 * save/restore interrupts.  Portable: built on arch_cpu_id(), arch_irq_*()
 * and GCC __atomic builtins, so the same code serves kernel and host.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "arch/arch.h"

typedef struct spinlock {
	unsigned int sl_locked; /* 0 free, 1 held (atomic) */
	int sl_owner; /* cpu id of the holder, -1 when free */
	const char *sl_name; /* for reports */
	unsigned long sl_caller; /* return address of the last locker */
} spinlock_t;

#define SPINLOCK_INIT(name)    \
	{                      \
		0, -1, name, 0 \
	}

void spin_lock_init(spinlock_t *l, const char *name);
/* Acquire; a hart that already holds l is reported and the machine stops. */
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
/* Try once; true when acquired. */
bool spin_trylock(spinlock_t *l);
/* Disable interrupts, then acquire; returns the interrupt state to restore. */
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);
/* True when the running hart holds l. */
bool spin_is_held(const spinlock_t *l);

/*
 * Number of successful acquisitions of any shared lock by each hart since
 * boot (benchmarks report the share of operations that took a lock).
 */
unsigned long spin_acquisitions(unsigned int cpu);
/*
 * Number of locks the running hart holds right now (ktest reports a test
 * case that returns with more than it started with).
 */
unsigned long spin_locks_held(void);

#define assert_spin_held(l)                                \
	do {                                               \
		if (!spin_is_held(l))                      \
			spin_report_not_held(l, __func__); \
	} while (0)
void spin_report_not_held(const spinlock_t *l, const char *func);

#endif /* LIB_SPINLOCK_H */

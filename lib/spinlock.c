/* SPDX-License-Identifier: MIT */
/*
 * Test-and-test-and-set spinlocks with owner tracking.
 *
 * A lock records which hart holds it and who took it, so that taking a lock
 * the hart already holds (a guaranteed deadlock) is reported with both call
 * sites instead of hanging, and so assert_spin_held() can check a
 * function's locking contract.  Each hart counts its acquisitions; the
 * benchmarks use that to show how often a fast path avoided shared locks.
 */
#include "lib/spinlock.h"
#include "lib/printk.h"

static struct {
	unsigned long count;
	unsigned long held; /* locks this hart holds now (ktest checks it) */
} __cacheline_aligned acquisitions[NR_CPUS];

void spin_lock_init(spinlock_t *l, const char *name)
{
	l->sl_locked = 0;
	l->sl_owner = -1;
	l->sl_name = name;
	l->sl_caller = 0;
}

/* Does hart me hold l? */
static inline bool held_by(const spinlock_t *l, int me)
{
	return __atomic_load_n(&l->sl_locked, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&l->sl_owner, __ATOMIC_RELAXED) == me;
}

static void check_recursion(spinlock_t *l, int me, unsigned long caller)
{
	if (held_by(l, me)) {
		printk("Kernel panic: recursive locking of '%s' on hart %d by "
		       "%pS (already taken by %pS)\n",
		       l->sl_name, me, (void *)caller, (void *)l->sl_caller);
		arch_poweroff(3);
	}
}

static void lock(spinlock_t *l, unsigned long caller)
{
	int me = (int)arch_cpu_id();

	check_recursion(l, me, caller);
	while (__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->sl_locked, __ATOMIC_RELAXED))
			arch_cpu_relax();
	}
	__atomic_store_n(&l->sl_owner, me, __ATOMIC_RELAXED);
	l->sl_caller = caller;
	acquisitions[me].count++;
	acquisitions[me].held++;
}

void spin_lock(spinlock_t *l)
{
	lock(l, (unsigned long)__builtin_return_address(0));
}

bool spin_trylock(spinlock_t *l)
{
	int me = (int)arch_cpu_id();

	if (__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(&l->sl_owner, me, __ATOMIC_RELAXED);
	l->sl_caller = (unsigned long)__builtin_return_address(0);
	acquisitions[me].count++;
	acquisitions[me].held++;
	return true;
}

static __attribute__((noinline, noreturn)) void
unlock_not_held(spinlock_t *l, unsigned long caller)
{
	printk("Kernel panic: '%s' unlocked on hart %u by %pS but held by hart "
	       "%d\n",
	       l->sl_name, arch_cpu_id(), (void *)caller, l->sl_owner);
	arch_poweroff(3);
}

/* The owner check inline: every unlock pays a load and a compare. */
static inline void unlock(spinlock_t *l, unsigned long caller)
{
	int me = (int)arch_cpu_id();

	if (__builtin_expect(!held_by(l, me), 0))
		unlock_not_held(l, caller);
	acquisitions[me].held--;
	__atomic_store_n(&l->sl_owner, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->sl_locked, 0, __ATOMIC_RELEASE);
}

void spin_unlock(spinlock_t *l)
{
	unlock(l, (unsigned long)__builtin_return_address(0));
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();

	lock(l, (unsigned long)__builtin_return_address(0));
	return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	unlock(l, (unsigned long)__builtin_return_address(0));
	arch_irq_restore(flags);
}

bool spin_is_held(const spinlock_t *l)
{
	return held_by(l, (int)arch_cpu_id());
}

void spin_report_not_held(const spinlock_t *l, const char *func)
{
	printk("Kernel panic: %s() needs lock '%s' (called from %pS)\n", func,
	       l->sl_name, __builtin_return_address(0));
	arch_poweroff(3);
}

unsigned long spin_acquisitions(unsigned int cpu)
{
	return cpu < NR_CPUS ? acquisitions[cpu].count : 0;
}

unsigned long spin_locks_held(void)
{
	return acquisitions[arch_cpu_id()].held;
}

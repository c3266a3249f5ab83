/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks (suite lib_spinlock): owner tracking, trylock, irqsave, the
 * held and acquisition counters, and mutual exclusion with every hart
 * hammering one counter.  Recursive locking stops the machine by design,
 * so it is not tested here.
 */
#include "kernel/ktest.h"
#include "lib/spinlock.h"

#define ROUNDS 20000

static spinlock_t lock = SPINLOCK_INIT("lib_spinlock.lock");

static void test_lock_unlock(struct ktest *t)
{
	unsigned int me = arch_cpu_id();
	unsigned long held = spin_locks_held();
	unsigned long acq = spin_acquisitions(me);

	KT_EXPECT_FALSE(t, spin_is_held(&lock));
	KT_EXPECT_EQ(t, lock.sl_owner, -1);
	spin_lock(&lock);
	KT_EXPECT_TRUE(t, spin_is_held(&lock));
	KT_EXPECT_EQ(t, lock.sl_owner, (int)me);
	KT_EXPECT_NE(t, lock.sl_caller, 0);
	KT_EXPECT_EQ(t, spin_locks_held(), held + 1);
	KT_EXPECT_EQ(t, spin_acquisitions(me), acq + 1);
	spin_unlock(&lock);
	KT_EXPECT_FALSE(t, spin_is_held(&lock));
	KT_EXPECT_EQ(t, lock.sl_owner, -1);
	KT_EXPECT_EQ(t, spin_locks_held(), held);
	KT_EXPECT_EQ(t, spin_acquisitions(NR_CPUS), 0);
}

static void test_trylock(struct ktest *t)
{
	spinlock_t l;

	spin_lock_init(&l, "lib_spinlock.l");
	KT_ASSERT_TRUE(t, spin_trylock(&l));
	KT_EXPECT_TRUE(t, spin_is_held(&l));
	KT_EXPECT_FALSE(t, spin_trylock(&l)); /* held (by us): refused */
	KT_EXPECT_TRUE(t, spin_is_held(&l));
	spin_unlock(&l);
	KT_EXPECT_TRUE(t, spin_trylock(&l));
	spin_unlock(&l);
	KT_EXPECT_FALSE(t, spin_is_held(&l));
}

static void test_irqsave(struct ktest *t)
{
	bool was_on = arch_irqs_enabled();
	unsigned long flags = spin_lock_irqsave(&lock);

	KT_EXPECT_FALSE(t, arch_irqs_enabled());
	KT_EXPECT_TRUE(t, spin_is_held(&lock));
	spin_unlock_irqrestore(&lock, flags);
	KT_EXPECT_EQ(t, arch_irqs_enabled(), was_on);
	KT_EXPECT_FALSE(t, spin_is_held(&lock));
}

struct hammer {
	spinlock_t lock;
	unsigned long counter; /* plain: only the lock protects it */
	unsigned int inside; /* harts inside the critical section */
	unsigned long overlaps, bad_owner;
	bool use_trylock, use_irqsave;
};

static void critical(struct hammer *h)
{
	if (__atomic_exchange_n(&h->inside, 1, __ATOMIC_RELAXED))
		h->overlaps++;
	if (h->lock.sl_owner != (int)arch_cpu_id())
		h->bad_owner++;
	h->counter++;
	__atomic_store_n(&h->inside, 0, __ATOMIC_RELAXED);
}

static void hammer_hart(struct ktest *t, void *arg)
{
	struct hammer *h = arg;

	for (int i = 0; i < ROUNDS; i++) {
		unsigned long flags = 0;

		if (h->use_trylock)
			while (!spin_trylock(&h->lock))
				arch_cpu_relax();
		else if (h->use_irqsave)
			flags = spin_lock_irqsave(&h->lock);
		else
			spin_lock(&h->lock);
		critical(h);
		if (h->use_irqsave)
			spin_unlock_irqrestore(&h->lock, flags);
		else
			spin_unlock(&h->lock);
	}
}

static void hammer(struct ktest *t, bool trylock, bool irqsave)
{
	struct hammer h = {.use_trylock = trylock, .use_irqsave = irqsave};

	spin_lock_init(&h.lock, "lib_spinlock.hammer");
	ktest_on_all_cpus(t, hammer_hart, &h);
	KT_EXPECT_EQ(t, h.counter, (unsigned long)arch_nr_cpus() * ROUNDS);
	KT_EXPECT_EQ(t, h.overlaps, 0);
	KT_EXPECT_EQ(t, h.bad_owner, 0);
	KT_EXPECT_EQ(t, h.lock.sl_owner, -1);
	ktest_log(t, "%u harts x %d rounds", arch_nr_cpus(), ROUNDS);
}

static void test_all_harts_lock(struct ktest *t)
{
	hammer(t, false, false);
}

static void test_all_harts_trylock(struct ktest *t)
{
	hammer(t, true, false);
}

static void test_all_harts_irqsave(struct ktest *t)
{
	hammer(t, false, true);
}

static const struct ktest_case lib_spinlock_cases[] = {
	KTEST_CASE(test_lock_unlock),
	KTEST_CASE(test_trylock),
	KTEST_CASE(test_irqsave),
	KTEST_CASE(test_all_harts_lock),
	KTEST_CASE(test_all_harts_trylock),
	KTEST_CASE(test_all_harts_irqsave),
	KTEST_END,
};
KTEST_SUITE(lib_spinlock, lib_spinlock_cases);

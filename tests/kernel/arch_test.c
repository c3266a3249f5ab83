/* SPDX-License-Identifier: MIT */
/*
 * The machine interface itself (arch/arch.h): dense cpu ids on every hart,
 * interrupt state, the timer-interrupt call, counters, symbolisation.
 * Builds for the host too; it only uses arch.h.
 */
#include "arch/arch.h"
#include "kernel/ktest.h"
#include "lib/string.h"

static unsigned int seen_mask;
static unsigned int seen_count;

static void note_cpu(void *arg)
{
	unsigned int cpu = arch_cpu_id();

	__atomic_fetch_or(&seen_mask, 1U << cpu, __ATOMIC_RELAXED);
	__atomic_fetch_add(&seen_count, 1, __ATOMIC_RELAXED);
}

/* Every online hart runs the function once, with a distinct dense id. */
static void test_run_on_all_cpus(struct ktest *t)
{
	unsigned int n = arch_nr_cpus();

	KT_ASSERT_TRUE(t, n >= 1 && n <= NR_CPUS);
	seen_mask = 0;
	seen_count = 0;
	for (int round = 0; round < 50; round++)
		arch_run_on_all_cpus(note_cpu, NULL);
	KT_EXPECT_EQ(t, seen_count, 50 * n);
	KT_EXPECT_EQ(t, seen_mask, (1U << n) - 1);
}

static int irq_ran;
static bool irq_saw_in_irq;

static void in_irq_fn(void *arg)
{
	irq_saw_in_irq = arch_in_irq();
	irq_ran++;
}

/* The call really comes from interrupt context, once per request. */
static void test_call_from_irq(struct ktest *t)
{
	irq_ran = 0;
	for (int i = 0; i < 20; i++)
		KT_ASSERT_TRUE(t, arch_call_from_irq(in_irq_fn, NULL));
	KT_EXPECT_EQ(t, irq_ran, 20);
	KT_EXPECT_TRUE(t, irq_saw_in_irq);
	KT_EXPECT_FALSE(t, arch_in_irq());
}

/* irq_save disables and returns the old state; restore puts it back. */
static void test_irq_save_restore(struct ktest *t)
{
	bool before = arch_irqs_enabled();
	unsigned long f1 = arch_irq_save();
	unsigned long f2;

	KT_EXPECT_FALSE(t, arch_irqs_enabled());
	f2 = arch_irq_save();
	arch_irq_restore(f2);
	KT_EXPECT_FALSE(t, arch_irqs_enabled());
	arch_irq_restore(f1);
	KT_EXPECT_EQ(t, arch_irqs_enabled(), before);
}

/* Time moves forward, in nanoseconds, and counters count. */
static void test_counters(struct ktest *t)
{
	uint64_t t0 = arch_time_ns(), i0 = arch_read_instret();
	volatile unsigned long sink = 0;

	for (unsigned long i = 0; i < 100000; i++)
		sink += i;
	(void)sink;
	KT_EXPECT_GT(t, arch_time_ns(), t0);
#ifdef KERNEL
	KT_EXPECT_GT(t, arch_read_instret(), i0); /* the host may return 0 */
#else
	KT_EXPECT_GE(t, arch_read_instret(), i0);
#endif
}

/* A function's own address symbolises to its name at offset 0. */
static void test_symbolize(struct ktest *t)
{
	char buf[96];

	if (!arch_symbolize((unsigned long)&test_symbolize, buf, sizeof(buf)))
		ktest_skip(t, "no symbol table");
	KT_EXPECT_EQ(t, strncmp(buf, "test_symbolize+0x0/", 19), 0);
	KT_EXPECT_FALSE(t, arch_symbolize(0, buf, sizeof(buf)));
}

static const struct ktest_case arch_cases[] = {
	KTEST_CASE(test_run_on_all_cpus),  KTEST_CASE(test_call_from_irq),
	KTEST_CASE(test_irq_save_restore), KTEST_CASE(test_counters),
	KTEST_CASE(test_symbolize),	   KTEST_END,
};
KTEST_SUITE_FULL(arch, arch_cases, 0, 0, KTEST_NO_MM_CHECK);

/* SPDX-License-Identifier: MIT */
/*
 * The supervisor timer through the SBI TIME extension (works with or
 * without Sstc), and arch_call_from_irq() on top of it: arm the timer for
 * "now", let the interrupt run the function, wait for it with a timeout.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/sbi.h"

/* QEMU virt's timebase; replaced by /cpus/timebase-frequency at boot. */
static uint64_t timebase_hz = 10000000;

void timer_init(uint64_t hz)
{
	if (hz)
		timebase_hz = hz;
	sbi_set_timer(UINT64_MAX);
}

uint64_t timer_hz(void)
{
	return timebase_hz;
}

/* Called from riscv_trap() with the timer interrupt pending. */
void timer_interrupt(void)
{
	struct percpu *pc = this_cpu();

	sbi_set_timer(UINT64_MAX); /* clears the pending bit */
	if (pc->pc_irq_fn) {
		void (*fn)(void *) = pc->pc_irq_fn;

		pc->pc_irq_fn = 0;
		fn(pc->pc_irq_arg);
		__atomic_store_n(&pc->pc_irq_done, 1, __ATOMIC_RELEASE);
	}
}

/*
 * Runs fn(arg) from this hart's timer interrupt.  Returns false (and makes
 * sure it will not run later) if the interrupt did not come within 1 s.
 */
bool arch_call_from_irq(void (*fn)(void *arg), void *arg)
{
	struct percpu *pc = this_cpu();
	unsigned long flags = arch_irq_save();
	uint64_t deadline = csr_read(time) + timebase_hz;
	bool done;

	pc->pc_irq_arg = arg;
	pc->pc_irq_done = 0;
	pc->pc_irq_fn = fn;
	csr_set(sie, SIE_STIE);
	sbi_set_timer(csr_read(time));
	csr_set(sstatus, SSTATUS_SIE);
	while (!__atomic_load_n(&pc->pc_irq_done, __ATOMIC_ACQUIRE) &&
	       csr_read(time) < deadline)
		arch_cpu_relax();
	csr_clear(sstatus, SSTATUS_SIE);
	done = pc->pc_irq_done;
	pc->pc_irq_fn = 0;
	csr_clear(sie, SIE_STIE);
	arch_irq_restore(flags);
	return done;
}

/*
 * Sleep in wfi until the next interrupt or for at most ns nanoseconds
 * (the monitor waits for input this way instead of spinning a host CPU).
 * Works with interrupts off: a pending enabled interrupt ends wfi.
 */
void timer_idle(uint64_t ns)
{
	unsigned long old_sie = csr_read(sie);

	csr_set(sie, SIE_STIE);
	sbi_set_timer(csr_read(time) + ns * timebase_hz / 1000000000ULL);
	__asm__ volatile("wfi");
	sbi_set_timer(UINT64_MAX);
	csr_write(sie, old_sie);
}

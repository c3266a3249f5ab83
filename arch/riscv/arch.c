/* SPDX-License-Identifier: MIT */
/*
 * arch/arch.h for the real machine: hart identity through tp, sstatus.SIE,
 * the counters, the identity direct map, the console and the exit device.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"

/* QEMU virt "sifive_test" device: a 32-bit store ends the machine. */
#define TEST_DEVICE 0x100000UL
#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333

bool arch_irqs_enabled(void)
{
	return csr_read(sstatus) & SSTATUS_SIE;
}

bool arch_in_irq(void)
{
	return this_cpu()->pc_irq_depth > 0;
}

void arch_cpu_relax(void)
{
	/* Zihintpause "pause"; a plain fence-free nop on harts without it. */
	__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010");
}

uint64_t arch_read_instret(void)
{
	return csr_read(instret);
}

uint64_t arch_read_cycles(void)
{
	return csr_read(cycle);
}

uint64_t arch_time_ns(void)
{
	uint64_t t = csr_read(time), hz = timer_hz();

	return (t / hz) * 1000000000ULL + (t % hz) * 1000000000ULL / hz;
}

void arch_console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

/*
 * Never SBI SRST for a failure: through OpenSBI it exits QEMU with status
 * 0 whatever the reason (docs/toolchain.md).  The test device carries the code.
 */
void arch_poweroff(int code)
{
	volatile uint32_t *dev = (volatile uint32_t *)TEST_DEVICE;

	arch_irq_save();
	*dev = code ? ((uint32_t)(code & 0xffff) << 16) | TEST_FAIL : TEST_PASS;
	for (;;)
		__asm__ volatile("wfi");
}

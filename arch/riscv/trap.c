/* SPDX-License-Identifier: MIT */
/*
 * S-mode traps: the timer interrupt is handled, anything else is a kernel
 * bug and gets the trap report ("Oops: ..."), then the machine stops with
 * exit status RISCV_OOPS_EXIT.  docs/boot.md explains the report.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"
#include "lib/printk.h"

#define RISCV_OOPS_EXIT 2
#define BACKTRACE_MAX 24

/* Exception names, Privileged Architecture v1.12 table 4.2. */
static const char *const exc_names[] = {
	[0] = "instruction address misaligned",
	[1] = "instruction access fault",
	[2] = "illegal instruction",
	[3] = "breakpoint",
	[4] = "load address misaligned",
	[5] = "load access fault",
	[6] = "store/AMO address misaligned",
	[7] = "store/AMO access fault",
	[8] = "environment call from U-mode",
	[9] = "environment call from S-mode",
	[12] = "instruction page fault",
	[13] = "load page fault",
	[15] = "store/AMO page fault",
};

static const char *const reg_names[32] = {
	"zero", "ra", "sp", "gp", "tp",	 "t0",	"t1", "t2", "s0", "s1", "a0",
	"a1",	"a2", "a3", "a4", "a5",	 "a6",	"a7", "s2", "s3", "s4", "s5",
	"s6",	"s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

static const char *cause_name(unsigned long scause)
{
	unsigned long code = scause & ~SCAUSE_INTR;

	if (scause & SCAUSE_INTR)
		return code == IRQ_S_TIMER ? "supervisor timer interrupt"
					   : "unexpected interrupt";
	if (code < sizeof(exc_names) / sizeof(exc_names[0]) && exc_names[code])
		return exc_names[code];
	return "reserved exception";
}

/* Direct-mode vector, no interrupt sources enabled yet. */
void trap_init_hart(void)
{
	csr_write(stvec, (unsigned long)trap_vector);
	csr_write(sie, 0);
}

void riscv_trap(struct trap_frame *tf)
{
	struct percpu *pc = this_cpu();

	if (tf->scause == (SCAUSE_INTR | IRQ_S_TIMER)) {
		pc->pc_irq_depth++;
		timer_interrupt();
		pc->pc_irq_depth--;
		return;
	}
	riscv_oops(tf);
}

static void dump_regs(const struct trap_frame *tf)
{
	for (int i = 1; i < 32; i += 3) {
		char line[96];
		int n = 0;

		for (int j = i; j < i + 3 && j < 32; j++)
			n += ksnprintf(line + n, sizeof(line) - (size_t)n,
				       " %-4s %016lx", reg_names[j], tf->x[j]);
		printk("%s\n", line);
	}
}

/* Is [fp - 16, fp) inside the stack this hart was running on? */
static bool fp_ok(unsigned long fp, unsigned long lo, unsigned long hi)
{
	return fp >= lo + 16 && fp <= hi && !(fp & 7);
}

static void print_repeats(unsigned long n)
{
	if (n)
		printk("  ... the same frame %lu more times\n", n);
}

/*
 * Frame-pointer walk (gcc RISC-V with -fno-omit-frame-pointer: s0 is the
 * caller's sp, the return address sits at s0-8, the caller's s0 at s0-16).
 */
static void backtrace(const struct trap_frame *tf)
{
	struct percpu *pc = this_cpu();
	unsigned long lo = pc->pc_stack_lo, hi = pc->pc_stack_top;
	unsigned long fp = tf->x[8], last = 0, repeats = 0;

	printk("Call trace:\n");
	printk("  [<%016lx>] %pS\n", tf->sepc, (void *)tf->sepc);
	printk("  [<%016lx>] %pS (ra)\n", tf->x[1], (void *)tf->x[1]);
	for (int depth = 0; depth < BACKTRACE_MAX && fp_ok(fp, lo, hi);) {
		unsigned long ra = ((unsigned long *)fp)[-1];
		unsigned long next = ((unsigned long *)fp)[-2];

		if (!ra)
			break;
		if (ra == last) { /* deep recursion: say it once */
			repeats++;
		} else {
			print_repeats(repeats);
			repeats = 0;
			printk("  [<%016lx>] %pS\n", ra, (void *)ra);
			depth++;
		}
		last = ra;
		if (next <= fp)
			break;
		fp = next;
	}
	print_repeats(repeats);
}

static bool in_guard(unsigned long addr, const struct percpu *pc)
{
	return addr < pc->pc_stack_lo && addr >= pc->pc_stack_lo - PAGE_SIZE;
}

void riscv_oops(struct trap_frame *tf)
{
	struct percpu *pc = this_cpu();

	if (pc->pc_in_oops++) {
		/* A fault while reporting a fault: stop without more words. */
		arch_poweroff(RISCV_OOPS_EXIT);
	}
	printk("Oops: %s on cpu %u (hart %u)\n", cause_name(tf->scause),
	       pc->pc_cpu, pc->pc_hartid);
	printk(" scause %016lx  sepc %016lx %pS\n", tf->scause, tf->sepc,
	       (void *)tf->sepc);
	printk(" stval  %016lx  sstatus %016lx\n", tf->stval, tf->sstatus);
	if (in_guard(tf->stval, pc) || in_guard(tf->x[2], pc))
		printk(" stval/sp in the guard page below cpu %u's stack: "
		       "stack overflow\n",
		       pc->pc_cpu);
	dump_regs(tf);
	backtrace(tf);
	printk("Oops: machine stopped (exit status %d)\n", RISCV_OOPS_EXIT);
	arch_poweroff(RISCV_OOPS_EXIT);
}

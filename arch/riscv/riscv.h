/* SPDX-License-Identifier: MIT */
/*
 * arch/riscv internals shared between its files (and entry.S): the per-hart
 * data reached through tp, the trap frame, and the glue between files.
 */
#ifndef ARCH_RISCV_RISCV_H
#define ARCH_RISCV_RISCV_H

/* Stack of every hart: STACK_SIZE usable bytes above one guard page. */
#define STACK_SIZE (32 * 1024)
#define EMERG_STACK_SIZE (8 * 1024)

/* Offsets into struct percpu used by entry.S (checked in smp.c). */
#define PCPU_SCRATCH 0
#define PCPU_STACK_LO 8
#define PCPU_STACK_TOP 16
#define PCPU_EMERG_TOP 24
#define PCPU_SATP 32
#define PCPU_CPU 40 /* pc_cpu, read by arch_cpu_id() (arch_inline.h) */
#define PCPU_HARTID 44
#define PCPU_SIZE 128 /* two cache lines */
#define PCPU_ARRAY_SIZE (8 * PCPU_SIZE) /* riscv_percpu[NR_CPUS] */

/* The trap frame: x1..x31 at 8*n, then the four CSRs. */
#define TF_SEPC (32 * 8)
#define TF_SSTATUS (33 * 8)
#define TF_SCAUSE (34 * 8)
#define TF_STVAL (35 * 8)
#define TF_SIZE (36 * 8)

#ifndef __ASSEMBLY__
#include "arch/arch.h"

struct trap_frame {
	unsigned long x[32]; /* x[0] unused; x[2] is the interrupted sp */
	unsigned long sepc, sstatus, scause, stval;
};

/*
 * Per-hart data; tp points at this hart's entry all the time (the kernel
 * has no user mode, so tp is never anything else).  The first five fields
 * are read by entry.S: keep them in place.
 */
struct percpu {
	unsigned long pc_scratch; /* trap entry spills t0 here */
	unsigned long pc_stack_lo; /* lowest stack address (guard is below) */
	unsigned long pc_stack_top; /* initial sp */
	unsigned long pc_emerg_top; /* trap stack when sp overflowed */
	unsigned long pc_satp; /* satp a starting hart loads */
	unsigned int pc_cpu; /* dense logical id, boot hart = 0 */
	unsigned int pc_hartid; /* OpenSBI's hart id */
	int pc_online; /* set by the hart once it runs C */
	int pc_irq_depth; /* > 0 inside an interrupt handler */
	int pc_in_oops; /* a trap report is being printed */
	/* arch_call_from_irq(): the timer interrupt runs fn(arg) once */
	void (*pc_irq_fn)(void *arg);
	void *pc_irq_arg;
	int pc_irq_done;
} __cacheline_aligned;

extern struct percpu riscv_percpu[NR_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__("mv %0, tp" : "=r"(p));
	return p;
}

/* Kernel image bounds from linker.ld. */
extern char _start[], _etext[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_start[], __bss_end[], _end[];
extern char riscv_stacks[]; /* NR_CPUS x (guard page + STACK_SIZE) */

/* uart.c */
void uart_init(void);
void uart_putc(char c);
int uart_getc(void); /* -1 when nothing is waiting */

/* trap.c */
void riscv_trap(struct trap_frame *tf);
void trap_init_hart(void);
__attribute__((noreturn)) void riscv_oops(struct trap_frame *tf);

/* timer.c */
void timer_init(uint64_t timebase_hz);
uint64_t timer_hz(void);
void timer_interrupt(void);
void timer_idle(uint64_t ns); /* wfi for at most ns */

/* vm.c */
void vm_init(const phys_addr_t *ram_base, const uint64_t *ram_size, int n);
void vm_enable_hart(void);
unsigned long vm_satp(void);
/* Bytes of static page-table memory in use (for the boot log). */
unsigned long vm_table_bytes(void);

/* smp.c */
void smp_init_boot_hart(unsigned long hartid);
unsigned int smp_start_harts(const uint32_t *hartids, unsigned int n);
void riscv_secondary_main(unsigned long hartid, struct percpu *pc);
void secondary_entry(void); /* entry.S */
void trap_vector(void); /* entry.S */

/* Stack bounds of a cpu (for the backtrace). */
unsigned long smp_stack_lo(unsigned int cpu);
unsigned long smp_stack_top(unsigned int cpu);

#endif /* __ASSEMBLY__ */
#endif /* ARCH_RISCV_RISCV_H */

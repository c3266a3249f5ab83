/* SPDX-License-Identifier: MIT */
/*
 * The machine interface: everything mm/ and lib/ need from the hardware.
 *
 * Two implementations exist: arch/riscv (the real S-mode kernel under
 * OpenSBI) and arch/host (Linux threads play harts, an mmap()ed region plays
 * RAM).  mm/ never touches a CSR or an SBI call; it calls only what is
 * declared here, which is what lets the same allocator code run under QEMU
 * and under AddressSanitizer on the host.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest number of harts the kernel supports (QEMU virt allows 8). */
#define NR_CPUS 8

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* Cache line size used to keep per-CPU data apart. */
#define CACHE_LINE 64
#define __cacheline_aligned __attribute__((aligned(CACHE_LINE)))

/*
 * Data read on every call of a fast path: in the kernel, placed where one
 * gp-relative instruction reaches it (linker.ld, __global_pointer$).
 * __gp_hot for small data, __gp_hot_tail for a table that may run past
 * the reach (only its start must be near gp).  Nothing on the host.
 */
#ifdef KERNEL
#define __gp_hot __attribute__((section(".sbss.hot")))
#define __gp_hot_tail __attribute__((section(".sbss.hot.tail")))
#else
#define __gp_hot
#define __gp_hot_tail
#endif

typedef uint64_t phys_addr_t;

/*
 * Identity of the running hart: a dense logical index 0..arch_nr_cpus()-1
 * (not the raw hart id, which OpenSBI may number sparsely).
 *   unsigned int arch_cpu_id(void);
 *   unsigned long arch_cpu_index(void);   the same, widened for indexing
 * It, and arch_irq_save/restore below, are inline (the fast paths call
 * them on every allocation): arch/riscv/arch_inline.h in the kernel,
 * arch/host/arch_inline.h in the host build, included at the end.
 */
/* Number of harts that are (or will be) online. */
unsigned int arch_nr_cpus(void);

/*
 * Interrupt state of the running hart.
 *   unsigned long arch_irq_save(void);          disable, return old state
 *   void arch_irq_restore(unsigned long flags); put the old state back
 * (flags must come from arch_irq_save()).
 *
 * A per-CPU flag word (0 clear), for a lock that its own CPU takes on
 * every call and others rarely (mm/slab.c's magazines), inline as above:
 *   bool arch_flag_tryset(unsigned int *w);  set it, acquire order; true
 *                                            when it was clear
 *   void arch_flag_clear(unsigned int *w);   clear it, release order
 * and a word exchange without ordering (the free word's claim):
 *   unsigned long arch_xchg_relaxed(unsigned long *w, unsigned long v);
 */
bool arch_irqs_enabled(void);
bool arch_in_irq(void); /* true inside an interrupt handler */

/* Pause inside a spin loop (a hint on RISC-V, sched_yield on the host). */
void arch_cpu_relax(void);

/* Counters.  Under QEMU -icount, instret is the exact guest count. */
uint64_t arch_read_instret(void);
uint64_t arch_read_cycles(void);
/* Monotonic time in nanoseconds (the timebase on RISC-V). */
uint64_t arch_time_ns(void);

/* Physical <-> virtual for memory managed by mm/ (the direct map). */
#ifndef KERNEL /* inline in the kernel (identity map), as arch_cpu_id() */
void *arch_phys_to_virt(phys_addr_t pa);
phys_addr_t arch_virt_to_phys(const void *va);
#endif

/* Write raw bytes to the console (no locking: printk serialises). */
void arch_console_write(const char *s, size_t len);

/*
 * End the machine: 0 is success, anything else a failure whose code becomes
 * QEMU's exit status (the process exit status on the host).
 */
__attribute__((noreturn)) void arch_poweroff(int code);

/*
 * Symbolise a code address: write "func+0x1c/0x80" into buf.  Returns false
 * (and writes nothing useful) when no symbol table is available.
 */
bool arch_symbolize(unsigned long addr, char *buf, size_t len);

/*
 * Run fn(arg) on every online hart at the same time (the caller's hart
 * included) and return when all have finished.  Tests use it to hammer the
 * allocators from all harts at once.  On the host each hart is a thread.
 */
void arch_run_on_all_cpus(void (*fn)(void *arg), void *arg);

/*
 * Run fn(arg) once in interrupt context (from the timer interrupt on
 * RISC-V; with arch_in_irq() forced true on the host) and wait for it.
 * Returns false if it did not run within a second.
 */
bool arch_call_from_irq(void (*fn)(void *arg), void *arg);

/*
 * On the real machine the three calls above are inline: each is one or
 * two instructions, and every per-CPU fast path (mm/page_alloc.c) makes
 * all three, so a call with its frame would cost more than the work.
 */
#ifdef KERNEL
#include "arch/riscv/arch_inline.h"
#else
#include "arch/host/arch_inline.h"
#endif

#endif /* ARCH_ARCH_H */

/* SPDX-License-Identifier: MIT */
/*
 * The host (Linux) implementation of arch/arch.h, for running mm/ and lib/
 * in ordinary processes under sanitizers, fuzzers and benchmarks.
 *
 * What is simulated, and how (arch/host/host.c):
 *   RAM     one mmap()ed region, aligned to HOST_RAM_ALIGN so that buddy
 *           blocks are aligned the same way virtually and "physically";
 *           it plays physical memory at HOST_RAM_BASE (QEMU virt's RAM
 *           start), and arch_phys_to_virt/arch_virt_to_phys translate by
 *           a constant offset inside it.
 *   harts   threads: host_set_cpu() binds the calling thread to a hart id
 *           (thread-local; a thread that never calls it is hart 0);
 *           arch_run_on_all_cpus() starts one thread per hart.
 *   irqs    a thread-local "interrupts disabled" flag (nothing ever
 *           interrupts a thread); arch_call_from_irq() runs fn on the
 *           calling thread with arch_in_irq() true and irqs disabled.
 *   clocks  cycles and time from clock_gettime(CLOCK_MONOTONIC) in ns;
 *           there is no instruction counter: arch_read_instret() is 0.
 *   console write(2) to stdout (or another fd, host_set_console());
 *           arch_poweroff(code) is exit(code).
 */
#ifndef ARCH_HOST_HOST_H
#define ARCH_HOST_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/arch.h"

#define HOST_RAM_BASE 0x80000000UL /* simulated physical address of RAM */
#define HOST_RAM_ALIGN (16UL << 20) /* >= the largest buddy block (4 MiB) */

/*
 * Map ram_bytes (rounded up to a page) of simulated RAM at HOST_RAM_BASE,
 * describe it to mm/ (memmap_add_ram) and run mm_init(), with ncpus harts
 * (1..NR_CPUS).  Call once, before any allocation, from hart 0.  Returns 0,
 * or -1 (with a message on stderr) on bad arguments, a second call, a
 * failed mmap or a failed mm_init.
 */
int host_mm_init(size_t ram_bytes, unsigned int ncpus);

/* Bind the calling thread to hart id cpu (< NR_CPUS); aborts otherwise. */
void host_set_cpu(unsigned int cpu);

/*
 * Ask host_mm_init() to advise transparent huge pages for the RAM region
 * (madvise MADV_HUGEPAGE): mm_init() writes the whole struct page array,
 * which then takes a few faults instead of one per 4 KiB.  Off by default;
 * call before host_mm_init().
 */
void host_set_ram_hugepages(bool on);

/* Where arch_console_write() (printk) goes: fd 1 by default, -1 drops it. */
void host_set_console(int fd);

/* The simulated RAM: its host address and size (NULL and 0 before init). */
void *host_ram(size_t *bytes);

#endif /* ARCH_HOST_HOST_H */

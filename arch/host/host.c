/* SPDX-License-Identifier: MIT */
/*
 * arch/arch.h on Linux: threads play harts, an mmap()ed region plays RAM.
 * What is simulated and how is described in arch/host/host.h.
 */
#include "arch/host/host.h"
#include "mm/mm.h"
#include "mm/txn.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Set once by host_mm_init(), read-only afterwards. */
static unsigned char *ram_virt;
static size_t ram_size;
static unsigned int nr_cpus = 1;
/* Set before host_mm_init() by programs that want them (the preload). */
static bool ram_hugepages;
static int console_fd = STDOUT_FILENO;

/* Per thread: which hart it plays and that hart's interrupt state (the
 * first two are read inline: arch/host/arch_inline.h). */
_Thread_local unsigned int host_this_cpu;
_Thread_local bool host_irqs_off;
static _Thread_local bool in_irq;

/* mmap bytes of RAM aligned to HOST_RAM_ALIGN; NULL on failure. */
static unsigned char *map_ram(size_t bytes)
{
	size_t len = bytes + HOST_RAM_ALIGN;
	unsigned char *p =
		mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t start =
		((uintptr_t)p + HOST_RAM_ALIGN - 1) & ~(HOST_RAM_ALIGN - 1);
	size_t head = start - (uintptr_t)p;
	/* give back the unaligned head and the tail */
	if (head)
		munmap(p, head);
	if (len - head - bytes)
		munmap((void *)(start + bytes), len - head - bytes);
	/* a hint only: without THP the region works the same, just slower */
	if (ram_hugepages)
		madvise((void *)start, bytes, MADV_HUGEPAGE);
	return (unsigned char *)start;
}

int host_mm_init(size_t ram_bytes, unsigned int ncpus)
{
	size_t bytes = (ram_bytes + PAGE_SIZE - 1) & PAGE_MASK;

	if (ram_virt || !bytes || bytes < ram_bytes || ncpus < 1 ||
	    ncpus > NR_CPUS) {
		fprintf(stderr, "host_mm_init: bad arguments or second call\n");
		return -1;
	}
	ram_virt = map_ram(bytes);
	if (!ram_virt) {
		perror("host_mm_init: mmap");
		return -1;
	}
	ram_size = bytes;
	nr_cpus = ncpus;
	if (memmap_add_ram(HOST_RAM_BASE, bytes) || mm_init()) {
		fprintf(stderr, "host_mm_init: mm_init failed\n");
		return -1;
	}
	return 0;
}

void host_set_ram_hugepages(bool on)
{
	ram_hugepages = on;
}

void host_set_console(int fd)
{
	console_fd = fd;
}

void *host_ram(size_t *bytes)
{
	if (bytes)
		*bytes = ram_size;
	return ram_virt;
}

void host_set_cpu(unsigned int cpu)
{
	if (cpu >= NR_CPUS) {
		fprintf(stderr, "host_set_cpu(%u): not below NR_CPUS\n", cpu);
		abort();
	}
	host_this_cpu = cpu;
}

unsigned int arch_nr_cpus(void)
{
	return nr_cpus;
}

bool arch_irqs_enabled(void)
{
	return !host_irqs_off;
}

bool arch_in_irq(void)
{
	return in_irq;
}

void arch_cpu_relax(void)
{
	sched_yield(); /* threads may outnumber the host's cores */
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* No instruction counter on the host. */
uint64_t arch_read_instret(void)
{
	return 0;
}

uint64_t arch_read_cycles(void)
{
	return clock_ns();
}

uint64_t arch_time_ns(void)
{
	return clock_ns();
}

/* Outside the simulated RAM: NULL (there is no other direct map). */
void *arch_phys_to_virt(phys_addr_t pa)
{
	if (!ram_virt || pa < HOST_RAM_BASE || pa - HOST_RAM_BASE > ram_size)
		return NULL;
	return ram_virt + (pa - HOST_RAM_BASE);
}

/* Outside the simulated RAM: 0 (never a RAM address on virt). */
phys_addr_t arch_virt_to_phys(const void *va)
{
	const unsigned char *p = va;

	if (!ram_virt || p < ram_virt || p > ram_virt + ram_size)
		return 0;
	return HOST_RAM_BASE + (phys_addr_t)(p - ram_virt);
}

void arch_console_write(const char *s, size_t len)
{
	while (len && console_fd >= 0) {
		ssize_t n = write(console_fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

void arch_poweroff(int code)
{
	fflush(stdout);
	exit(code);
}

bool arch_symbolize(unsigned long addr, char *buf, size_t len)
{
	return false; /* static functions are invisible to dladdr() */
}

struct hart_start {
	unsigned int cpu;
	void (*fn)(void *arg);
	void *arg;
};

static void *hart_thread(void *p)
{
	struct hart_start *h = p;

	host_set_cpu(h->cpu);
	h->fn(h->arg);
	mm_txn_unwind(0, "hart going idle"); /* as arch/riscv/smp.c */
	return NULL;
}

/*
 * The caller runs fn as its own hart; every other hart gets a new thread.
 * fn may wait for the other harts (a barrier), so they must all run at
 * once: if a thread cannot be created, the process aborts.
 */
void arch_run_on_all_cpus(void (*fn)(void *arg), void *arg)
{
	struct hart_start h[NR_CPUS];
	pthread_t tid[NR_CPUS];
	unsigned int me = host_this_cpu;

	for (unsigned int i = 0; i < nr_cpus; i++) {
		h[i] = (struct hart_start){i, fn, arg};
		if (i != me &&
		    pthread_create(&tid[i], NULL, hart_thread, &h[i])) {
			fprintf(stderr, "arch_run_on_all_cpus: no thread\n");
			abort();
		}
	}
	fn(arg);
	for (unsigned int i = 0; i < nr_cpus; i++)
		if (i != me)
			pthread_join(tid[i], NULL);
}

/*
 * An interrupt cannot arrive while interrupts are disabled: then, as on
 * RISC-V after its one-second wait, the answer is false.  Otherwise fn
 * runs at once on this thread in interrupt context.
 */
bool arch_call_from_irq(void (*fn)(void *arg), void *arg)
{
	if (host_irqs_off || in_irq)
		return false;
	host_irqs_off = true;
	in_irq = true;
	fn(arg);
	in_irq = false;
	host_irqs_off = false;
	return true;
}

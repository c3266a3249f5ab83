/* SPDX-License-Identifier: MIT */
/*
 * Harts: logical cpu 0 is whichever hart won OpenSBI's boot lottery; the
 * other harts of /cpus get 1..n-1 in device-tree order and are started with
 * SBI HSM hart_start.  Each has a struct percpu (tp), a stack with a guard
 * page below it (unmapped by vm.c) and a small emergency trap stack.
 * Started harts then sleep in wfi until arch_run_on_all_cpus() wakes them
 * with an SBI IPI (idle harts must not burn the host's CPUs under TCG).
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"
#include "kernel/panic.h"
#include "arch/riscv/sbi.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "mm/txn.h"

#define STACK_AREA (PAGE_SIZE + STACK_SIZE)

_Static_assert(__builtin_offsetof(struct percpu, pc_scratch) == PCPU_SCRATCH,
	       "entry.S offset");
_Static_assert(__builtin_offsetof(struct percpu, pc_stack_lo) == PCPU_STACK_LO,
	       "entry.S offset");
_Static_assert(__builtin_offsetof(struct percpu, pc_stack_top) ==
		       PCPU_STACK_TOP,
	       "entry.S offset");
_Static_assert(__builtin_offsetof(struct percpu, pc_emerg_top) ==
		       PCPU_EMERG_TOP,
	       "entry.S offset");
_Static_assert(__builtin_offsetof(struct percpu, pc_satp) == PCPU_SATP,
	       "entry.S offset");
_Static_assert(__builtin_offsetof(struct percpu, pc_cpu) == PCPU_CPU,
	       "arch_inline.h offset");
_Static_assert(__builtin_offsetof(struct percpu, pc_hartid) == PCPU_HARTID,
	       "entry.S: PCPU_HARTID");
_Static_assert(sizeof(struct percpu) == PCPU_SIZE, "entry.S: PCPU_SIZE");
_Static_assert(sizeof(riscv_percpu) == PCPU_ARRAY_SIZE,
	       "entry.S: PCPU_ARRAY_SIZE");

struct percpu riscv_percpu[NR_CPUS];
/* Stack of cpu i: riscv_stacks + i * STACK_AREA; its first page is guard. */
char riscv_stacks[NR_CPUS * STACK_AREA] __attribute__((aligned(4096)));
static char emerg_stacks[NR_CPUS][EMERG_STACK_SIZE]
	__attribute__((aligned(16)));
static unsigned int nr_online = 1;

/* arch_run_on_all_cpus() work, published by bumping work_gen. */
static struct {
	void (*fn)(void *arg);
	void *arg;
	unsigned long gen; /* generation; harts run work when it moves */
	unsigned int done; /* harts (besides the caller) that finished */
	unsigned int busy; /* one caller at a time */
} work;

unsigned long smp_stack_lo(unsigned int cpu)
{
	return (unsigned long)riscv_stacks + cpu * STACK_AREA + PAGE_SIZE;
}

unsigned long smp_stack_top(unsigned int cpu)
{
	return (unsigned long)riscv_stacks + (cpu + 1) * STACK_AREA;
}

static void percpu_setup(unsigned int cpu, unsigned long hartid)
{
	struct percpu *pc = &riscv_percpu[cpu];

	/* arch_flag_tryset() stores tp's low half as "held": never 0 for an
	 * image linked at 0x80200000 (linker.ld), but say so if it is */
	if (!(uint32_t)(uintptr_t)pc)
		panic("percpu of cpu %u at %p: low half 0, per-CPU flags "
		      "would read free while held",
		      cpu, (void *)pc);
	pc->pc_cpu = cpu;
	pc->pc_hartid = (unsigned int)hartid;
	pc->pc_stack_lo = smp_stack_lo(cpu);
	pc->pc_stack_top = smp_stack_top(cpu);
	pc->pc_emerg_top = (unsigned long)emerg_stacks[cpu] + EMERG_STACK_SIZE;
}

/* entry.S already points tp at riscv_percpu[0] and sp at its stack. */
void smp_init_boot_hart(unsigned long hartid)
{
	percpu_setup(0, hartid);
	riscv_percpu[0].pc_online = 1;
}

unsigned int arch_nr_cpus(void)
{
	return __atomic_load_n(&nr_online, __ATOMIC_ACQUIRE);
}

/*
 * Wait up to 1 s for a starting hart.  Sleep in short wfi naps rather than
 * spin: under QEMU -icount (benchmarks) harts run one at a time and a
 * spinning hart would keep the starting one from ever running.
 */
/* Seconds a starting hart gets to reach C (QEMU on a loaded 2-core host
 * can take well over one second to schedule eight vCPU threads). */
#define START_TIMEOUT_S 10

static bool wait_online(struct percpu *pc)
{
	uint64_t deadline = csr_read(time) + START_TIMEOUT_S * timer_hz();

	while (!__atomic_load_n(&pc->pc_online, __ATOMIC_ACQUIRE)) {
		if (csr_read(time) > deadline)
			return false;
		timer_idle(100000); /* 100 us */
	}
	return true;
}

/*
 * Where a starting hart begins: secondary_entry, except that the boot
 * argument smp.late_start=1 sends the first one to _start, as OpenSBI 1.1
 * sometimes does (see entry.S), to test that the kernel survives it.
 */
BOOTPARAM_BOOL(smp_late_start, "smp.late_start", false,
	       "send the first started hart to _start (tests the firmware "
	       "race in docs/boot.md)");

static unsigned long start_address(unsigned int cpu)
{
	if (cpu == 1 && bootparam_bool("smp.late_start")) {
		printk("smp: smp.late_start=1: hart of cpu 1 enters at _start\n");
		return (unsigned long)_start;
	}
	return (unsigned long)secondary_entry;
}

/*
 * Start every hart in hartids[] except the running one, one at a time so
 * that logical ids stay dense even if one fails to start.  Returns the
 * number of harts online afterwards.
 */
unsigned int smp_start_harts(const uint32_t *hartids, unsigned int n)
{
	unsigned int boot = riscv_percpu[0].pc_hartid;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int cpu = nr_online;
		struct percpu *pc = &riscv_percpu[cpu];
		long err;

		if (hartids[i] == boot)
			continue;
		if (cpu >= NR_CPUS) {
			printk("smp: hart %u ignored: NR_CPUS is %d\n",
			       hartids[i], NR_CPUS);
			continue;
		}
		percpu_setup(cpu, hartids[i]);
		pc->pc_satp = vm_satp();
		__atomic_thread_fence(__ATOMIC_RELEASE);
		err = sbi_hart_start(hartids[i], start_address(cpu),
				     (unsigned long)pc);
		if (err) {
			printk("smp: hart %u did not start (sbi error %ld)\n",
			       hartids[i], err);
			continue;
		}
		if (!wait_online(pc)) {
			/* It may still arrive and use this slot's stack and
			 * percpu: never give the slot to another hart. */
			printk("smp: hart %u did not come online within %d s; "
			       "starting no more harts\n",
			       hartids[i], START_TIMEOUT_S);
			break;
		}
		__atomic_store_n(&nr_online, cpu + 1, __ATOMIC_RELEASE);
	}
	return nr_online;
}

static void run_work(void)
{
	work.fn(work.arg);
	/* Back to idle: nobody can end a transaction fn left open. */
	mm_txn_unwind(0, "hart going idle");
	__atomic_fetch_add(&work.done, 1, __ATOMIC_ACQ_REL);
}

void riscv_secondary_main(unsigned long hartid, struct percpu *pc)
{
	unsigned long seen = __atomic_load_n(&work.gen, __ATOMIC_ACQUIRE);

	trap_init_hart();
	/* SSIE enabled but SIE off: an IPI only ends wfi, it never traps. */
	csr_set(sie, SIE_SSIE);
	__atomic_store_n(&pc->pc_online, 1, __ATOMIC_RELEASE);
	for (;;) {
		unsigned long gen;

		csr_clear(sip,
			  SIE_SSIE); /* before reading gen: no lost wakeup */
		gen = __atomic_load_n(&work.gen, __ATOMIC_ACQUIRE);
		if (gen != seen) {
			seen = gen;
			run_work();
		} else {
			__asm__ volatile("wfi");
		}
	}
}

void arch_run_on_all_cpus(void (*fn)(void *arg), void *arg)
{
	unsigned int others = arch_nr_cpus() - 1;

	while (__atomic_exchange_n(&work.busy, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	work.fn = fn;
	work.arg = arg;
	__atomic_store_n(&work.done, 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&work.gen, 1, __ATOMIC_RELEASE);
	for (unsigned int cpu = 1; cpu <= others; cpu++)
		sbi_send_ipi(riscv_percpu[cpu].pc_hartid);
	fn(arg);
	while (__atomic_load_n(&work.done, __ATOMIC_ACQUIRE) < others)
		arch_cpu_relax();
	__atomic_store_n(&work.busy, 0, __ATOMIC_RELEASE);
}

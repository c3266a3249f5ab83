/* SPDX-License-Identifier: MIT */
/*
 * The boot flow, from entry.S to the monitor (docs/boot.md draws it):
 * console, banner, device tree, boot arguments, Sv39, memory map and
 * mm_init(), the other harts, the self-tests, the verdict.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/sbi.h"
#include "bench/bench.h"
#include "kernel/ktest.h"
#include "kernel/mm_cmds.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "lib/bootargs.h"
#include "lib/bootparam.h"
#include "lib/fdt.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/txn.h"

/* Upper bound for reading the DTB before its header is trusted. */
#define DTB_MAX (2UL << 20)
/*
 * The least RAM the kernel boots with: its self-tests need the default
 * 16 MiB DMA zone and a Normal zone above it that holds the largest
 * buddy blocks (measured: every suite passes at 32 MiB, page_zones fails
 * at 24 MiB).
 */
#define RAM_MIN (32ULL << 20)
static struct fdt_info fdt;
/* Boot arguments refused by bootparams_report(): each fails the run. */
static unsigned int args_refused;

BOOTPARAM_BOOL(monitor, "monitor", true,
	       "0: power off after the self-tests, the verdict as exit "
	       "status");

static void print_dtb(const void *dtb)
{
	printk("dtb: at %p, %u bytes, model \"%s\", timebase %llu Hz\n", dtb,
	       fdt.totalsize, fdt.model, (unsigned long long)fdt.timebase_hz);
	for (unsigned int i = 0; i < fdt.nr_mem; i++)
		printk("dtb: memory   [0x%016llx-0x%016llx] %llu MiB\n",
		       (unsigned long long)fdt.mem[i].base,
		       (unsigned long long)(fdt.mem[i].base + fdt.mem[i].size -
					    1),
		       (unsigned long long)(fdt.mem[i].size >> 20));
	for (unsigned int i = 0; i < fdt.nr_rsv; i++)
		printk("dtb: reserved [0x%016llx-0x%016llx] %s\n",
		       (unsigned long long)fdt.rsv[i].base,
		       (unsigned long long)(fdt.rsv[i].base + fdt.rsv[i].size -
					    1),
		       fdt.rsv[i].name);
	printk("dtb: %u harts, bootargs \"%s\"\n", fdt.nr_cpus, fdt.bootargs);
}

static void parse_dtb(const void *dtb)
{
	int err = fdt_parse(dtb, DTB_MAX, &fdt);

	if (err)
		panic("device tree at %p unusable: %s (error %d)", dtb,
		      fdt_strerror(err), err);
	print_dtb(dtb);
	bootargs_parse(fdt.bootargs);
	args_refused = bootparams_report();
}

/* Less RAM than RAM_MIN ends here, saying how much is needed. */
static void check_ram(void)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < fdt.nr_mem; i++)
		total += fdt.mem[i].size;
	if (total < RAM_MIN)
		panic("%llu MiB of RAM is too little: rvmm needs at least "
		      "%llu MiB (MEM=%lluM)",
		      (unsigned long long)total >> 20,
		      (unsigned long long)RAM_MIN >> 20,
		      (unsigned long long)RAM_MIN >> 20);
}

/* The verdict: the suites, and the boot arguments that fail the run. */
static void verdict(int failed)
{
	printk("boot: %u harts, self-tests %s (%d suite%s failed)\n",
	       arch_nr_cpus(), failed ? "FAILED" : "passed", failed,
	       failed == 1 ? "" : "s");
	if (args_refused)
		printk("boot: %u boot argument%s refused (see the bootargs: "
		       "lines): the run fails\n",
		       args_refused, args_refused == 1 ? "" : "s");
}

static void paging_on(void)
{
	phys_addr_t base[FDT_MAX_MEM];
	uint64_t size[FDT_MAX_MEM];

	for (unsigned int i = 0; i < fdt.nr_mem; i++) {
		base[i] = fdt.mem[i].base;
		size[i] = fdt.mem[i].size;
	}
	vm_init(base, size, (int)fdt.nr_mem);
	vm_enable_hart();
	printk("vm: Sv39 on, identity map, %lu KiB of page tables, "
	       "text %p-%p R-X, rodata R--, data/bss RW-\n",
	       vm_table_bytes() >> 10, (void *)_start, (void *)_etext);
}

static void memory_init(const void *dtb)
{
	for (unsigned int i = 0; i < fdt.nr_mem; i++)
		if (memmap_add_ram(fdt.mem[i].base, fdt.mem[i].size))
			printk("mm: too many RAM ranges, ignoring %u\n", i);
	memmap_reserve(arch_virt_to_phys(_start), (uint64_t)(_end - _start),
		       "kernel");
	memmap_reserve(arch_virt_to_phys(dtb), fdt.totalsize, "dtb");
	for (unsigned int i = 0; i < fdt.nr_rsv; i++)
		memmap_reserve(fdt.rsv[i].base, fdt.rsv[i].size,
			       fdt.rsv[i].name);
	bench_boot_mm_init_instr = csr_read(instret);
	if (mm_init())
		panic("mm_init() found no usable memory");
	bench_boot_mm_init_instr = csr_read(instret) - bench_boot_mm_init_instr;
}

/*
 * A fixed place for a debugger to stop (tests/gdb, docs/gdb.md): the
 * self-tests are over, the mm reports are on the console, and nothing
 * allocates until it returns.  Not static and not inlined, so that
 * `break mm_debug_checkpoint` always finds it.
 */
__attribute__((noinline)) void mm_debug_checkpoint(void)
{
	__asm__ volatile("" ::: "memory");
}

/* The state the self-tests left behind, then the checkpoint above. */
static void report_mm(void)
{
	printk("mm: state after the self-tests\n");
	mm_report();
	mm_debug_checkpoint();
}

static void start_harts(void)
{
	unsigned int n = smp_start_harts(fdt.hartid, fdt.nr_cpus);
	char line[NR_CPUS * 16];
	int len = 0;

	for (unsigned int cpu = 0; cpu < n; cpu++)
		len += ksnprintf(line + len, sizeof(line) - (size_t)len,
				 " cpu%u=hart%u", cpu,
				 riscv_percpu[cpu].pc_hartid);
	printk("smp: %u of %u harts online:%s\n", n, fdt.nr_cpus, line);
}

void riscv_boot_main(unsigned long hartid, const void *dtb)
{
	int failed;

	smp_init_boot_hart(hartid);
	uart_init();
	printk("\nrvmm: RISC-V S-mode memory-management kernel, boot hart %lu, "
	       "SBI spec %lx\n",
	       hartid, sbi_spec_version());
	parse_dtb(dtb);
	check_ram();
	timer_init(fdt.timebase_hz);
	paging_on();
	memory_init(dtb);
	start_harts();
	failed = ktest_run(ktest_boot_filter());
	verdict(failed);
	if (!failed) /* their failures and bad frees were on purpose */
		mm_health_acknowledge("the self-tests");
	failed += (int)args_refused;
	report_mm();
	mm_demo_walkthrough(); /* demo=1 only */
	mm_demo_tour(); /* demo.tour=1 only */
	failed += bench_boot();
	crash_if_asked(bootparam_string("crash"));
	if (!bootparam_bool("monitor"))
		arch_poweroff(failed ? 1 : 0);
	monitor_run();
}

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
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "lib/bootargs.h"
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

static struct fdt_info fdt;

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
	if (bootargs_parse(fdt.bootargs) < 0)
		printk("bootargs: command line cut at %d arguments/%d bytes\n",
		       BOOTARGS_MAX, BOOTARGS_LEN);
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
	timer_init(fdt.timebase_hz);
	paging_on();
	memory_init(dtb);
	start_harts();
	failed = ktest_run(bootarg_get("ktest"));
	printk("boot: %u harts, self-tests %s (%d suite%s failed)\n",
	       arch_nr_cpus(), failed ? "FAILED" : "passed", failed,
	       failed == 1 ? "" : "s");
	if (!failed) /* their failures and bad frees were on purpose */
		mm_health_acknowledge("the self-tests");
	report_mm();
	failed += bench_boot();
	crash_if_asked(bootarg_get("crash"));
	if (bootarg_get("monitor") && !strcmp(bootarg_get("monitor"), "0"))
		arch_poweroff(failed ? 1 : 0);
	monitor_run();
}

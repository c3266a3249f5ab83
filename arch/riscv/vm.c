/* SPDX-License-Identifier: MIT */
/*
 * Sv39 page tables for the kernel (Privileged Architecture v1.12, 4.4).
 *
 * 1. Everything is identity mapped (va == pa): RAM, the kernel image, the
 *    UART page and the test-device page.  Nothing else -- page 0 stays
 *    unmapped, so a NULL dereference faults.
 * 2. RAM is mapped read+write, never execute, with the largest pages that
 *    fit (1 GiB, 2 MiB), except the 2 MiB-aligned window around the kernel
 *    image, which uses 4 KiB pages so that each part gets its permissions:
 *    text R+X, rodata R, data/bss R+W, and every hart's stack guard page
 *    absent.
 * 3. The tables come from a static pool in bss (part of the reserved kernel
 *    image, so the page allocator never sees them); they exist before
 *    mm_init() runs.  Running out of pool is a boot-time panic with the
 *    reason, never silent.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/riscv.h"
#include "lib/printk.h"
#include "lib/string.h"

#define VM_POOL_PAGES 24
#define PTES 512
#define SZ_2M (1UL << 21)
#define SZ_1G (1UL << 30)
#define UART_PAGE 0x10000000UL
#define TEST_PAGE 0x100000UL

typedef uint64_t pte_t;

static pte_t pool[VM_POOL_PAGES][PTES] __attribute__((aligned(4096)));
static unsigned int pool_used;
static pte_t *root;

#define KERNEL_RW (PTE_R | PTE_W | PTE_A | PTE_D | PTE_G)
#define KERNEL_RO (PTE_R | PTE_A | PTE_G)
#define KERNEL_RX (PTE_R | PTE_X | PTE_A | PTE_G)

static pte_t *table_alloc(void)
{
	if (pool_used == VM_POOL_PAGES) {
		printk("Kernel panic: vm: page-table pool (%d pages) exhausted\n",
		       VM_POOL_PAGES);
		arch_poweroff(3);
	}
	return pool[pool_used++];
}

static unsigned long vpn(unsigned long va, int level)
{
	return (va >> (12 + 9 * level)) & (PTES - 1);
}

/* Install one leaf at level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB). */
static void map_one(unsigned long va, unsigned long pa, pte_t perm, int level)
{
	pte_t *t = root;

	for (int l = 2; l > level; l--) {
		pte_t *e = &t[vpn(va, l)];

		if (!(*e & PTE_V))
			*e = (((unsigned long)table_alloc() >> 12) << 10) |
			     PTE_V;
		t = (pte_t *)((*e >> 10) << 12);
	}
	t[vpn(va, level)] = ((pa >> 12) << 10) | perm | PTE_V;
}

/* Identity-map [start, end) with the largest pages that fit. */
static void map_range(unsigned long start, unsigned long end, pte_t perm)
{
	while (start < end) {
		int level = 0;

		if (!(start & (SZ_1G - 1)) && end - start >= SZ_1G)
			level = 2;
		else if (!(start & (SZ_2M - 1)) && end - start >= SZ_2M)
			level = 1;
		map_one(start, start, perm, level);
		start += 1UL << (12 + 9 * level);
	}
}

static bool is_guard(unsigned long pa)
{
	unsigned long base = (unsigned long)riscv_stacks;

	if (pa < base || pa >= smp_stack_top(NR_CPUS - 1))
		return false;
	return (pa - base) % (PAGE_SIZE + STACK_SIZE) == 0;
}

/* Permissions of one page of the kernel window. */
static pte_t kernel_perm(unsigned long pa)
{
	if (pa >= (unsigned long)_start && pa < (unsigned long)_etext)
		return KERNEL_RX;
	if (pa >= (unsigned long)__rodata_start &&
	    pa < (unsigned long)__rodata_end)
		return KERNEL_RO;
	return KERNEL_RW;
}

static void map_kernel_window(unsigned long start, unsigned long end)
{
	for (unsigned long pa = start; pa < end; pa += PAGE_SIZE)
		if (!is_guard(pa))
			map_one(pa, pa, kernel_perm(pa), 0);
}

/*
 * Build the kernel page table for the RAM ranges given (from the DTB).
 * Panics (with the reason) if the static pool is too small.
 */
void vm_init(const phys_addr_t *ram_base, const uint64_t *ram_size, int n)
{
	unsigned long kw_lo = (unsigned long)_start & ~(SZ_2M - 1);
	unsigned long kw_hi = ((unsigned long)_end + SZ_2M - 1) & ~(SZ_2M - 1);

	root = table_alloc();
	map_one(TEST_PAGE, TEST_PAGE, KERNEL_RW, 0);
	map_one(UART_PAGE, UART_PAGE, KERNEL_RW, 0);
	for (int i = 0; i < n; i++) {
		unsigned long lo = ram_base[i], hi = ram_base[i] + ram_size[i];

		if (hi <= kw_lo || lo >= kw_hi) {
			map_range(lo, hi, KERNEL_RW);
			continue;
		}
		/* Split around the kernel window. */
		map_range(lo, kw_lo > lo ? kw_lo : lo, KERNEL_RW);
		map_kernel_window(lo > kw_lo ? lo : kw_lo,
				  hi < kw_hi ? hi : kw_hi);
		map_range(kw_hi < hi ? kw_hi : hi, hi, KERNEL_RW);
	}
}

unsigned long vm_satp(void)
{
	return SATP_MODE_SV39 | ((unsigned long)root >> 12);
}

/* Turn on translation on the running hart (identity: the pc stays valid). */
void vm_enable_hart(void)
{
	__asm__ volatile("sfence.vma" ::: "memory");
	csr_write(satp, vm_satp());
	__asm__ volatile("sfence.vma" ::: "memory");
}

unsigned long vm_table_bytes(void)
{
	return pool_used * PAGE_SIZE;
}

/* SPDX-License-Identifier: MIT */
/*
 * Supervisor CSRs and their bits (RISC-V Privileged Architecture v1.12,
 * chapter 4), plus tiny accessors.  Only arch/riscv includes this.
 */
#ifndef ARCH_RISCV_CSR_H
#define ARCH_RISCV_CSR_H

#define SSTATUS_SIE (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8)
#define SSTATUS_SUM (1UL << 18)

#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)

#define SCAUSE_INTR (1UL << 63)
#define IRQ_S_TIMER 5

#define SATP_MODE_SV39 (8UL << 60)

/* Sv39 page-table entry bits. */
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

#ifndef __ASSEMBLY__

#define csr_read(csr)                                                    \
	({                                                               \
		unsigned long v_;                                        \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
		v_;                                                      \
	})

#define csr_write(csr, val)                                               \
	__asm__ volatile("csrw " #csr ", %0" ::"rK"((unsigned long)(val)) \
			 : "memory")

#define csr_set(csr, bits)                                                 \
	__asm__ volatile("csrs " #csr ", %0" ::"rK"((unsigned long)(bits)) \
			 : "memory")

#define csr_clear(csr, bits)                                               \
	__asm__ volatile("csrc " #csr ", %0" ::"rK"((unsigned long)(bits)) \
			 : "memory")

/* Read and clear bits in one instruction; returns the old value. */
#define csr_read_clear(csr, bits)                              \
	({                                                     \
		unsigned long v_;                              \
		__asm__ volatile("csrrc %0, " #csr ", %1"      \
				 : "=r"(v_)                    \
				 : "rK"((unsigned long)(bits)) \
				 : "memory");                  \
		v_;                                            \
	})

#endif /* __ASSEMBLY__ */
#endif /* ARCH_RISCV_CSR_H */

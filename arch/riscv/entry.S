/* SPDX-License-Identifier: MIT */
/*
 * First instructions: the boot hart from OpenSBI, the other harts from SBI
 * HSM hart_start, and the S-mode trap vector that saves a trap_frame.
 */
#include "arch/riscv/riscv.h"

/*
 * The linker may turn an address formed from __global_pointer$'s
 * neighbourhood into one gp-relative instruction (linker.ld); gp is not
 * set until SET_GP below, so nothing in this file may be relaxed.
 */
	.option norelax

/* gp: set once per hart, never changed (nothing in the kernel uses it
 * for anything else); the trap entry saves and restores it unchanged. */
.macro SET_GP
	la	gp, __global_pointer$
.endm

	.section .text.entry, "ax"
	.globl _start
/* a0 = hart id, a1 = device tree; paging off, interrupts off. */
_start:
	csrw	sie, zero
	/*
	 * Only the first hart here boots.  OpenSBI 1.1's hart_start marks the
	 * target START_PENDING before it stores the start address and opaque
	 * argument, so a hart whose wfi ends in that window jumps to the
	 * previous address -- here -- with a1 = the DTB.  Clearing bss again
	 * would wipe the running kernel: send it to late_secondary instead.
	 */
	la	t0, boot_claimed
	li	t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez	t1, late_secondary
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	SET_GP
	la	tp, riscv_percpu	/* logical cpu 0 is the boot hart */
	la	sp, riscv_stacks
	li	t0, 4096 + STACK_SIZE
	add	sp, sp, t0
	la	t0, trap_vector
	csrw	stvec, t0
	li	s0, 0			/* end of the frame-pointer chain */
	li	ra, 0
	call	riscv_boot_main
3:	wfi
	j	3b

/*
 * A hart that entered _start while being started (see above).  The boot
 * hart set up its struct percpu (pc_hartid, then pc_satp, then a fence)
 * before calling hart_start, so find it and go on as secondary_entry.
 */
late_secondary:
	la	a1, riscv_percpu
	li	t2, PCPU_ARRAY_SIZE
	li	t3, PCPU_SIZE
	add	t2, t2, a1		/* end of the array */
	fence	r, r
5:	add	a1, a1, t3		/* cpu 0 is the boot hart: skip it */
	bgeu	a1, t2, late_secondary	/* not published yet: look again */
	lwu	t0, PCPU_HARTID(a1)
	bne	t0, a0, 5b
	ld	t0, PCPU_SATP(a1)
	beqz	t0, 5b
	j	secondary_entry

	.section .data
	.balign 4
boot_claimed:
	.word	0
	.section .text.entry, "ax"

/* SBI HSM start address: a0 = hart id, a1 = its struct percpu. */
	.globl secondary_entry
secondary_entry:
	csrw	sie, zero
	SET_GP
	mv	tp, a1
	ld	sp, PCPU_STACK_TOP(tp)
	la	t0, trap_vector
	csrw	stvec, t0
	ld	t0, PCPU_SATP(tp)
	sfence.vma
	csrw	satp, t0
	sfence.vma
	li	s0, 0
	li	ra, 0
	call	riscv_secondary_main
4:	wfi
	j	4b

/*
 * Trap entry.  If sp is (about to be) below this hart's stack -- it ran
 * into the guard page -- switch to the hart's emergency stack so that the
 * report can still be printed.  t0 is spilled to percpu while deciding.
 */
	.section .text
	.globl trap_vector
	.balign 4
trap_vector:
	sd	t0, PCPU_SCRATCH(tp)
	ld	t0, PCPU_STACK_LO(tp)
	addi	t0, t0, TF_SIZE + 256
	bgeu	sp, t0, 1f
	mv	t0, sp
	ld	sp, PCPU_EMERG_TOP(tp)
	j	2f
1:	mv	t0, sp
2:	addi	sp, sp, -TF_SIZE
	sd	t0, 2*8(sp)
	ld	t0, PCPU_SCRATCH(tp)
	sd	x1, 1*8(sp)
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	sd	x5, 5*8(sp)
	sd	x6, 6*8(sp)
	sd	x7, 7*8(sp)
	sd	x8, 8*8(sp)
	sd	x9, 9*8(sp)
	sd	x10, 10*8(sp)
	sd	x11, 11*8(sp)
	sd	x12, 12*8(sp)
	sd	x13, 13*8(sp)
	sd	x14, 14*8(sp)
	sd	x15, 15*8(sp)
	sd	x16, 16*8(sp)
	sd	x17, 17*8(sp)
	sd	x18, 18*8(sp)
	sd	x19, 19*8(sp)
	sd	x20, 20*8(sp)
	sd	x21, 21*8(sp)
	sd	x22, 22*8(sp)
	sd	x23, 23*8(sp)
	sd	x24, 24*8(sp)
	sd	x25, 25*8(sp)
	sd	x26, 26*8(sp)
	sd	x27, 27*8(sp)
	sd	x28, 28*8(sp)
	sd	x29, 29*8(sp)
	sd	x30, 30*8(sp)
	sd	x31, 31*8(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	mv	a0, sp
	call	riscv_trap
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	ld	x1, 1*8(sp)
	ld	x3, 3*8(sp)
	ld	x4, 4*8(sp)
	ld	x5, 5*8(sp)
	ld	x6, 6*8(sp)
	ld	x7, 7*8(sp)
	ld	x8, 8*8(sp)
	ld	x9, 9*8(sp)
	ld	x10, 10*8(sp)
	ld	x11, 11*8(sp)
	ld	x12, 12*8(sp)
	ld	x13, 13*8(sp)
	ld	x14, 14*8(sp)
	ld	x15, 15*8(sp)
	ld	x16, 16*8(sp)
	ld	x17, 17*8(sp)
	ld	x18, 18*8(sp)
	ld	x19, 19*8(sp)
	ld	x20, 20*8(sp)
	ld	x21, 21*8(sp)
	ld	x22, 22*8(sp)
	ld	x23, 23*8(sp)
	ld	x24, 24*8(sp)
	ld	x25, 25*8(sp)
	ld	x26, 26*8(sp)
	ld	x27, 27*8(sp)
	ld	x28, 28*8(sp)
	ld	x29, 29*8(sp)
	ld	x30, 30*8(sp)
	ld	x31, 31*8(sp)
	ld	sp, 2*8(sp)
	sret

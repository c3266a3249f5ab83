/* SPDX-License-Identifier: MIT */
/*
 * setjmp/longjmp for ktest (kernel/ktest.c): an ASSERT failure jumps out of
 * the test case back to the runner.  The kernel has no libc, hence these.
 *
 * Only what the RISC-V psABI requires a callee to preserve is saved: ra,
 * sp and s0-s11 (the kernel is built soft-float, so no fs0-fs11).  The
 * buffer is 14 doublewords, in that order:
 *
 *	 0 ra   8 sp   16 s0   24 s1   32 s2 ... 104 s11
 *
 * int ktest_setjmp(unsigned long buf[14]);      returns 0, then val
 * void ktest_longjmp(unsigned long buf[14], int val);   never returns;
 *	ktest_setjmp's second return yields val, or 1 when val is 0.
 * Reference: RISC-V ELF psABI, "Integer Register Convention".
 */
	.section .text
	.globl	ktest_setjmp
	.type	ktest_setjmp, @function
ktest_setjmp:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	li	a0, 0
	ret
	.size	ktest_setjmp, . - ktest_setjmp

	.globl	ktest_longjmp
	.type	ktest_longjmp, @function
ktest_longjmp:
	ld	ra, 0(a0)
	ld	sp, 8(a0)
	ld	s0, 16(a0)
	ld	s1, 24(a0)
	ld	s2, 32(a0)
	ld	s3, 40(a0)
	ld	s4, 48(a0)
	ld	s5, 56(a0)
	ld	s6, 64(a0)
	ld	s7, 72(a0)
	ld	s8, 80(a0)
	ld	s9, 88(a0)
	ld	s10, 96(a0)
	ld	s11, 104(a0)
	seqz	a0, a1		/* val == 0 ? 1 : val */
	add	a0, a0, a1
	ret
	.size	ktest_longjmp, . - ktest_longjmp

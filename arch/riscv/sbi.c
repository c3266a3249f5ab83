/* SPDX-License-Identifier: MIT */
/*
 * The SBI calling convention: a7 = extension, a6 = function, a0..a5 args;
 * OpenSBI returns an error in a0 and a value in a1 (SBI spec v1.0, ch. 3).
 */
#include "arch/riscv/sbi.h"

struct sbiret sbi_call(long ext, long fid, unsigned long a0, unsigned long a1,
		       unsigned long a2)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r6 __asm__("a6") = (unsigned long)fid;
	register unsigned long r7 __asm__("a7") = (unsigned long)ext;
	struct sbiret ret;

	__asm__ volatile("ecall"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r2), "r"(r6), "r"(r7)
			 : "memory");
	ret.error = (long)r0;
	ret.value = (long)r1;
	return ret;
}

int sbi_probe(long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 3, (unsigned long)ext, 0, 0);

	return r.error == 0 && r.value != 0;
}

long sbi_spec_version(void)
{
	return sbi_call(SBI_EXT_BASE, 0, 0, 0, 0).value;
}

void sbi_set_timer(uint64_t stime)
{
	sbi_call(SBI_EXT_TIME, 0, stime, 0, 0);
}

long sbi_hart_start(unsigned long hartid, unsigned long start,
		    unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, start, opaque).error;
}

long sbi_hart_status(unsigned long hartid)
{
	struct sbiret r = sbi_call(SBI_EXT_HSM, 2, hartid, 0, 0);

	return r.error ? r.error : r.value;
}

void sbi_send_ipi(unsigned long hartid)
{
	sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0); /* mask 1 at base hartid */
}

/* SPDX-License-Identifier: MIT */
/*
 * Calls into OpenSBI (RISC-V SBI specification v1.0): base, TIME, HSM.
 */
#ifndef ARCH_RISCV_SBI_H
#define ARCH_RISCV_SBI_H

#include <stdint.h>

struct sbiret {
	long error; /* 0 success, negative SBI_ERR_* */
	long value;
};

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45 /* "TIME" */
#define SBI_EXT_HSM 0x48534D /* "HSM" */
#define SBI_EXT_IPI 0x735049 /* "sPI" */

#define SBI_HSM_STARTED 0
#define SBI_HSM_STOPPED 1

struct sbiret sbi_call(long ext, long fid, unsigned long a0, unsigned long a1,
		       unsigned long a2);
/* True when OpenSBI implements extension ext. */
int sbi_probe(long ext);
/* Arm this hart's timer for the absolute `time` value stime. */
void sbi_set_timer(uint64_t stime);
/* Start hartid at physical address start with a1 = opaque; 0 or SBI error. */
long sbi_hart_start(unsigned long hartid, unsigned long start,
		    unsigned long opaque);
/* Raise a supervisor software interrupt on hartid. */
void sbi_send_ipi(unsigned long hartid);
/* SBI_HSM_* state of hartid, or a negative SBI error. */
long sbi_hart_status(unsigned long hartid);
/* SBI implementation version, as (major << 24) | minor. */
long sbi_spec_version(void);

#endif /* ARCH_RISCV_SBI_H */

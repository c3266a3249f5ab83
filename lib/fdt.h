/* SPDX-License-Identifier: MIT */
/*
 * A small flattened-device-tree reader: just what the kernel needs to find
 * its memory, its reserved ranges, its harts and its boot arguments.
 * Every read is bounds-checked against the blob's declared and actual size,
 * so a truncated or corrupted tree yields an error code, never a hang.
 * Reference: Devicetree Specification v0.4, chapter 5 (FDT format).
 */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include <stddef.h>
#include <stdint.h>

#define FDT_MAX_MEM 16
#define FDT_MAX_RSV 32
#define FDT_MAX_CPUS 16
#define FDT_NAME_LEN 32

enum fdt_err {
	FDT_OK = 0,
	FDT_ERR_MAGIC = -1, /* not an FDT (bad magic) */
	FDT_ERR_TRUNCATED = -2, /* blob shorter than its header says */
	FDT_ERR_VERSION = -3, /* unsupported version */
	FDT_ERR_BADSTRUCT = -4, /* malformed structure block */
	FDT_ERR_BADOFFSET = -5, /* header offsets/sizes out of range */
	FDT_ERR_NOMEM = -6, /* no /memory node with a usable reg */
	FDT_ERR_TOOMANY = -7, /* more ranges or cpus than the tables hold */
	FDT_ERR_BADPROP = -8, /* property with an impossible length */
};

struct fdt_range {
	uint64_t base;
	uint64_t size;
	char name[FDT_NAME_LEN]; /* node name, e.g. "mmode_resv0@80000000" */
};

struct fdt_info {
	uint32_t totalsize; /* size of the blob as its header declares */
	unsigned int nr_mem;
	struct fdt_range mem[FDT_MAX_MEM]; /* /memory reg entries */
	unsigned int nr_rsv;
	/* /reserved-memory children, then the memory reservation block */
	struct fdt_range rsv[FDT_MAX_RSV];
	unsigned int nr_cpus;
	uint32_t hartid[FDT_MAX_CPUS]; /* /cpus/cpu@N reg, status okay */
	uint64_t timebase_hz; /* /cpus timebase-frequency, 0 if none */
	const char *bootargs; /* /chosen/bootargs inside the blob, or "" */
	const char *model; /* root "model" or "" */
};

/*
 * Parse the blob at fdt; at most max_len bytes are ever read (pass the
 * length you know, or a generous bound such as 2 MiB when booting).
 * Returns FDT_OK and fills *info, or a negative enum fdt_err.
 */
int fdt_parse(const void *fdt, size_t max_len, struct fdt_info *info);
const char *fdt_strerror(int err);

#endif /* LIB_FDT_H */

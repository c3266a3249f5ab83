/* SPDX-License-Identifier: MIT */
/*
 * arch_symbolize(): code address -> "func+0x1c/0x80" from the table that
 * scripts/ksyms.py embeds in the second link pass (section .ksyms).
 */
#include "arch/arch.h"
#include "lib/printk.h"

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[]; /* count + 1 entries, sorted */
extern const uint32_t ksyms_name_offs[];
extern const char ksyms_names[];

/* Index of the last symbol at or below addr, or -1. */
static long lookup(unsigned long addr)
{
	long lo = 0, hi = (long)ksyms_count - 1, found = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (ksyms_addrs[mid] <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

bool arch_symbolize(unsigned long addr, char *buf, size_t len)
{
	long i;

	if (ksyms_count == 0 || addr >= ksyms_addrs[ksyms_count])
		return false;
	i = lookup(addr);
	if (i < 0)
		return false;
	ksnprintf(buf, len, "%s+0x%lx/0x%lx", ksyms_names + ksyms_name_offs[i],
		  addr - (unsigned long)ksyms_addrs[i],
		  (unsigned long)(ksyms_addrs[i + 1] - ksyms_addrs[i]));
	return true;
}

/* SPDX-License-Identifier: MIT */
/*
 * The hart-local "why did the last mm call fail" code (an errno for mm/).
 * Interrupt handlers get their own slot, so an allocation failing inside
 * an interrupt does not overwrite the code the interrupted caller reads.
 */
#include "mm/mm.h"

static struct {
	enum mm_error err[2]; /* [0] task context, [1] interrupt context */
} __cacheline_aligned last_error[NR_CPUS];

static const char *const error_names[MM_ERR_COUNT] = {
	[MM_OK] = "no error",
	[MM_ENOMEM] = "out of memory",
	[MM_EINVAL] = "invalid argument",
	[MM_EFAULT_INJECTED] = "injected fault",
	[MM_EBADFREE] = "invalid or double free",
	[MM_EWATERMARK] = "below the zone watermark",
	[MM_ENOLOG] = "transaction log full",
	[MM_EBUSY] = "still in use",
};

static enum mm_error *slot(void)
{
	unsigned int cpu = arch_cpu_id();

	if (cpu >= NR_CPUS)
		cpu = 0;
	return &last_error[cpu].err[arch_in_irq() ? 1 : 0];
}

enum mm_error mm_last_error(void)
{
	return *slot();
}

void mm_set_error(enum mm_error err)
{
	*slot() = err;
}

const char *mm_strerror(enum mm_error err)
{
	if ((unsigned int)err >= MM_ERR_COUNT || !error_names[err])
		return "unknown mm error";
	return error_names[err];
}

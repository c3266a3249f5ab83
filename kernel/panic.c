/* SPDX-License-Identifier: MIT */
/*
 * panic(): one "Kernel panic: " line with the reason and the caller, then
 * power off with a failure status so a test harness sees it.  The caller
 * is printed as return address - 1: panic() is noreturn, so the return
 * address may already lie past the end of the calling function.
 */
#include <stdarg.h>

#include "arch/arch.h"
#include "kernel/panic.h"
#include "lib/printk.h"

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	arch_irq_save();
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("Kernel panic: %s (cpu %u, called from %pS)\n", msg,
	       arch_cpu_id(), (char *)__builtin_return_address(0) - 1);
	arch_poweroff(PANIC_EXIT);
}

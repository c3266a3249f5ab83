/* SPDX-License-Identifier: MIT */
/*
 * crash=KIND: deliberate faults that must each end in the trap report
 * ("Oops: ...") and a failure exit status -- the boot matrix checks that
 * the page-table permissions really hold.
 */
#include "arch/arch.h"
#include "kernel/monitor.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"

/* A return instruction ("ret" = 0x00008067) placed in writable data. */
static uint32_t data_code[4] = {0x00008067};

/* Set to 0 only by a debugger; keeps gcc from calling the recursion infinite. */
static volatile unsigned long recurse_limit = ~0UL;

/* Recurse until the stack runs into its guard page. */
static __attribute__((noinline)) unsigned long recurse(unsigned long depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	if (depth >= recurse_limit)
		return 0;
	return recurse(depth + 1) + pad[0];
}

static const char *const crash_kinds[] = {"guard", "text", "null", "exec",
					  NULL};

BOOTPARAM_ENUM(crash, "crash", crash_kinds, -1, "none",
	       "fault on purpose after the self-tests (the boot matrix)");

void crash_if_asked(const char *kind)
{
	if (!kind || !*kind)
		return;
	printk("crash: deliberately faulting (crash=%s)\n", kind);
	if (!strcmp(kind, "guard")) {
		recurse(0);
	} else if (!strcmp(kind, "text")) {
		*(volatile uint32_t *)(uintptr_t)&crash_if_asked = 0;
	} else if (!strcmp(kind, "null")) {
		(void)*(volatile unsigned long *)(uintptr_t)0;
	} else if (!strcmp(kind, "exec")) {
		((void (*)(void))(uintptr_t)data_code)();
	} else {
		printk("crash: unknown kind '%s' (guard|text|null|exec)\n",
		       kind);
		return;
	}
	printk("crash: crash=%s did NOT fault\n", kind);
	arch_poweroff(4);
}

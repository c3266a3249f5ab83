/* SPDX-License-Identifier: MIT */
/*
 * The `mm>` console monitor and the deliberate crashes of the boot matrix.
 */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

/* Read and run commands on the console forever (poweroff ends it). */
__attribute__((noreturn)) void monitor_run(void);

/* Print "usage: NAME USAGE" for a command of the table (nothing if none). */
void monitor_usage(const char *name);

/*
 * crash=guard|text|null|exec: fault on purpose (stack into its guard page,
 * store to kernel text, NULL load, jump into data).  NULL or "" does
 * nothing; an unknown kind is reported and ignored.
 */
void crash_if_asked(const char *kind);

#endif /* KERNEL_MONITOR_H */

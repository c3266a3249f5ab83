/* SPDX-License-Identifier: MIT */
/*
 * Fatal kernel errors: panic() prints "Kernel panic: <why>" and stops the
 * machine with exit status PANIC_EXIT (QEMU's exit status).
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#define PANIC_EXIT 3

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt,
							   ...);

#endif /* KERNEL_PANIC_H */

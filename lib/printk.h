/* SPDX-License-Identifier: MIT */
/*
 * Formatted output.  kvsnprintf() is the one formatter (kernel and host);
 * printk() formats a whole line into a buffer and writes it under the
 * console lock, so lines from different harts never interleave.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %% with the l, ll, z and h length
 * modifiers (so %ld %lu %lx %llu %zu %zx), a width, '0' padding, '-' left
 * justify, and a precision for %s.  %pS prints a code address as
 * "func+0x1c/0x80" when the kernel's symbol table knows it.
 */
#ifndef LIB_PRINTK_H
#define LIB_PRINTK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define __printf(a, b) __attribute__((format(printf, a, b)))

/* Returns the length the full output would have (like C99 vsnprintf). */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);

/*
 * Capture, for tests that check what a report printed: between start and
 * stop every console line (from any hart) is also appended to buf, which
 * stays NUL-terminated; what does not fit is dropped.  One capture at a
 * time: start returns false while another runs.  stop returns the number
 * of bytes captured.
 */
bool printk_capture_start(char *buf, size_t size);
size_t printk_capture_stop(void);

/* Subsystem prefixes, Linux style: pr_info("buddy: ...\n"). */
#define pr_info(...) printk(__VA_ARGS__)
#define pr_warn(...) printk("WARNING: " __VA_ARGS__)
#define pr_err(...) printk("ERROR: " __VA_ARGS__)

#endif /* LIB_PRINTK_H */

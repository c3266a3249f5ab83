/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line: "key=value key2 key3=v" from /chosen/bootargs.
 * Later subsystems read their options here (ktest=, mm.*, kmalloc.*).
 */
#ifndef LIB_BOOTARGS_H
#define LIB_BOOTARGS_H

#include <stdbool.h>
#include <stdint.h>

#define BOOTARGS_MAX 32
#define BOOTARGS_LEN 512

/* Split the line (copied); returns the number of arguments, -1 if cut. */
int bootargs_parse(const char *line);
/* Value of key, "" for a bare key, NULL when absent. */
const char *bootarg_get(const char *key);
/* Integer value (decimal or 0x hex, optional K/M/G suffix); false if absent or bad. */
bool bootarg_get_u64(const char *key, uint64_t *val);
/* Parse a size like "16M", "0x1000", "4G"; false on junk. */
bool parse_size(const char *s, uint64_t *val);
/* Number of parsed arguments and the i-th key/value (for printing). */
int bootargs_count(void);
const char *bootarg_key(int i);
const char *bootarg_value(int i);

#endif /* LIB_BOOTARGS_H */

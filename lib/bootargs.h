/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line: "key=value key2 key3=v" from /chosen/bootargs, split
 * into words once at boot.  Subsystems do not read these raw words: each
 * parameter is declared and validated in lib/bootparam.h.
 */
#ifndef LIB_BOOTARGS_H
#define LIB_BOOTARGS_H

#include <stdbool.h>
#include <stdint.h>

#define BOOTARGS_MAX 32
#define BOOTARGS_LEN 512
/* How many bytes of the dropped words bootargs_dropped() keeps. */
#define BOOTARGS_DROP_SHOWN 120

/* Why the last bootargs_parse() dropped words. */
enum bootargs_cut {
	BOOTARGS_CUT_NONE,
	BOOTARGS_CUT_WORDS, /* more than BOOTARGS_MAX words */
	BOOTARGS_CUT_BYTES, /* longer than BOOTARGS_LEN - 1 bytes */
};

/* Split the line (copied); returns the number of arguments, -1 if cut. */
int bootargs_parse(const char *line);
/*
 * Words the last bootargs_parse() dropped: returns their number (0 when
 * nothing was cut); *words gets their text (at most BOOTARGS_DROP_SHOWN
 * bytes, then "..."), *why the limit that cut them.  Either may be NULL.
 */
unsigned int bootargs_dropped(const char **words, enum bootargs_cut *why);
/* Value of key, "" for a bare key, NULL when absent. */
const char *bootarg_get(const char *key);
/* Parse a size like "16M", "0x1000", "4G"; false on junk. */
bool parse_size(const char *s, uint64_t *val);
/* Number of parsed arguments and the i-th key/value (for printing). */
int bootargs_count(void);
const char *bootarg_key(int i);
const char *bootarg_value(int i);
/* Whether the i-th word had an '=' ("k=" has one, a bare "k" has not). */
bool bootarg_has_value(int i);

#endif /* LIB_BOOTARGS_H */

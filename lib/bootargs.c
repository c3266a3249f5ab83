/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line: split "key=value key2" once at boot into a static
 * table, then answer lookups (see lib/bootargs.h).
 *
 * The line is copied into args_buf and cut in place: every separator
 * (space, tab, newline) and the first '=' of each word become NULs, and
 * args_key/args_val point into the copy.  A bare key has the value "".
 * When the same key appears twice, the later one wins (as on Linux).
 */
#include "lib/bootargs.h"
#include "lib/string.h"

#include <stddef.h>

static char args_buf[BOOTARGS_LEN];
static const char *args_key[BOOTARGS_MAX];
static const char *args_val[BOOTARGS_MAX];
static int args_nr;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Record the word at w (already NUL-terminated); false if the table is full. */
static bool add_word(char *w)
{
	char *eq = strchr(w, '=');

	if (eq == w)
		return true; /* "=value" has no key: ignored */
	if (args_nr >= BOOTARGS_MAX)
		return false;
	if (eq)
		*eq++ = '\0';
	args_key[args_nr] = w;
	args_val[args_nr] = eq ? eq : "";
	args_nr++;
	return true;
}

/*
 * Split line (NULL counts as empty) into the table, replacing what an
 * earlier call parsed.  Returns the number of arguments, or -1 when the
 * line was longer than BOOTARGS_LEN - 1 or held more than BOOTARGS_MAX
 * words: the words that fit whole are kept, a word cut by the length
 * limit is dropped.
 */
int bootargs_parse(const char *line)
{
	bool cut = false;
	size_t len;

	args_nr = 0;
	if (!line)
		line = "";
	len = str_copy(args_buf, line, sizeof(args_buf));
	if (len >= sizeof(args_buf)) {
		cut = true;
		/* drop the last word if the copy ended inside it */
		if (!is_space(line[sizeof(args_buf) - 1])) {
			size_t i = sizeof(args_buf) - 1;
			while (i > 0 && !is_space(args_buf[i - 1]))
				i--;
			args_buf[i] = '\0';
		}
	}
	for (char *p = args_buf; *p;) {
		while (is_space(*p))
			*p++ = '\0';
		if (!*p)
			break;
		char *word = p;
		while (*p && !is_space(*p))
			p++;
		if (*p)
			*p++ = '\0';
		if (!add_word(word)) {
			cut = true;
			break;
		}
	}
	return cut ? -1 : args_nr;
}

const char *bootarg_get(const char *key)
{
	for (int i = args_nr - 1; i >= 0; i--)
		if (!strcmp(args_key[i], key))
			return args_val[i];
	return NULL;
}

bool bootarg_get_u64(const char *key, uint64_t *val)
{
	const char *v = bootarg_get(key);

	return v && parse_size(v, val);
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 10;
	case 'm':
	case 'M':
		return 20;
	case 'g':
	case 'G':
		return 30;
	default:
		return 0;
	}
}

/*
 * Digits (decimal, or hex after 0x/0X), then at most one K/M/G suffix
 * (powers of 1024), then the end of the string.  Returns false, leaving
 * *val untouched, on an empty string, junk, or a value above UINT64_MAX.
 */
bool parse_size(const char *s, uint64_t *val)
{
	unsigned int base = 10, shift;
	uint64_t v = 0;
	const char *p = s;

	if (!s)
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (digit_value(*p) >= (int)base)
		return false; /* no digits at all */
	for (; digit_value(*p) < (int)base; p++) {
		uint64_t d = (uint64_t)digit_value(*p);
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	shift = suffix_shift(*p);
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
		p++;
	}
	if (*p)
		return false;
	*val = v;
	return true;
}

int bootargs_count(void)
{
	return args_nr;
}

const char *bootarg_key(int i)
{
	return i >= 0 && i < args_nr ? args_key[i] : NULL;
}

const char *bootarg_value(int i)
{
	return i >= 0 && i < args_nr ? args_val[i] : NULL;
}

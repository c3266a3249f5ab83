/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line: split "key=value key2" once at boot into a static
 * table, then answer lookups (see lib/bootargs.h).
 *
 * The line is copied into args_buf and cut in place: every separator
 * (space, tab, newline) and the first '=' of each word become NULs, and
 * args_key/args_val point into the copy.  A bare key has the value ""
 * (args_eq says whether the word had an '='); "=value" has the key "".
 * bootarg_get() answers with the last occurrence; lib/bootparam.c, which
 * reads every value the kernel uses, refuses a key given twice.
 *
 * What does not fit (more than BOOTARGS_MAX words, or a line longer than
 * BOOTARGS_LEN - 1 bytes) is dropped whole-word and remembered for the
 * report: bootargs_dropped() returns the dropped words (first
 * BOOTARGS_DROP_SHOWN bytes) and their number.
 */
#include "lib/bootargs.h"
#include "lib/string.h"

#include <stddef.h>

static char args_buf[BOOTARGS_LEN];
static const char *args_key[BOOTARGS_MAX];
static const char *args_val[BOOTARGS_MAX];
static bool args_eq[BOOTARGS_MAX];
static int args_nr;

/* What the last bootargs_parse() dropped (see bootargs_dropped()). */
static char drop_buf[BOOTARGS_DROP_SHOWN + 4];
static unsigned int drop_words;
static enum bootargs_cut drop_why;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Record the word at w (already NUL-terminated); false if the table is full. */
static bool add_word(char *w)
{
	char *eq = strchr(w, '=');

	if (args_nr >= BOOTARGS_MAX)
		return false;
	if (eq)
		*eq++ = '\0';
	args_key[args_nr] = w;
	args_val[args_nr] = eq ? eq : "";
	args_eq[args_nr] = eq != NULL;
	args_nr++;
	return true;
}

/* Count the words of s and keep their first bytes in drop_buf. */
static void note_dropped(const char *s, enum bootargs_cut why)
{
	size_t len, n;

	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len && is_space(s[len - 1]))
		len--;
	drop_why = why;
	for (size_t i = 0; i < len;) {
		drop_words++;
		while (i < len && !is_space(s[i]))
			i++;
		while (i < len && is_space(s[i]))
			i++;
	}
	for (n = 0; n < len && n < BOOTARGS_DROP_SHOWN; n++)
		drop_buf[n] = is_space(s[n]) ? ' ' : s[n];
	if (n < len) {
		memcpy(drop_buf + n, "...", 3);
		n += 3;
	}
	drop_buf[n] = '\0';
}

/*
 * The copy of line, cut at a word boundary if it is too long: returns the
 * offset in line of the first byte not kept, or 0 when all of it was.
 */
static size_t copy_line(const char *line)
{
	size_t i, len = str_copy(args_buf, line, sizeof(args_buf));

	if (len < sizeof(args_buf))
		return 0;
	i = sizeof(args_buf) - 1;
	if (!is_space(line[i])) /* the copy ended inside a word: drop it */
		while (i > 0 && !is_space(args_buf[i - 1]))
			i--;
	args_buf[i] = '\0';
	return i;
}

/*
 * Split line (NULL counts as empty) into the table, replacing what an
 * earlier call parsed.  Returns the number of arguments, or -1 when the
 * line was longer than BOOTARGS_LEN - 1 or held more than BOOTARGS_MAX
 * words: the words that fit whole are kept, the others are dropped and
 * named by bootargs_dropped().
 */
int bootargs_parse(const char *line)
{
	size_t cut_at;
	char *p = args_buf;

	args_nr = 0;
	drop_words = 0;
	drop_buf[0] = '\0';
	drop_why = BOOTARGS_CUT_NONE;
	if (!line)
		line = "";
	cut_at = copy_line(line);
	while (*p) {
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
			note_dropped(line + (word - args_buf),
				     BOOTARGS_CUT_WORDS);
			return -1;
		}
	}
	if (cut_at)
		note_dropped(line + cut_at, BOOTARGS_CUT_BYTES);
	return cut_at ? -1 : args_nr;
}

unsigned int bootargs_dropped(const char **words, enum bootargs_cut *why)
{
	if (words)
		*words = drop_buf;
	if (why)
		*why = drop_why;
	return drop_words;
}

const char *bootarg_get(const char *key)
{
	for (int i = args_nr - 1; i >= 0; i--)
		if (!strcmp(args_key[i], key))
			return args_val[i];
	return NULL;
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

bool bootarg_has_value(int i)
{
	return i >= 0 && i < args_nr && args_eq[i];
}

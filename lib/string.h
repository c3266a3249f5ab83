/* SPDX-License-Identifier: MIT */
/*
 * String and memory functions.  The kernel gets them from lib/string.c; the
 * host build uses the C library's, so the same callers compile on both.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

#ifdef HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
#endif

/*
 * Copy at most size-1 bytes of src and always NUL-terminate (size > 0).
 * Returns strlen(src), so truncation shows as a result >= size.
 */
static inline size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* True when the n bytes at p all equal c (poison and zero checks). */
static inline int mem_is_filled(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++ != (unsigned char)c)
			return 0;
	return 1;
}

#endif /* LIB_STRING_H */

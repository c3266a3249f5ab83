/* SPDX-License-Identifier: MIT */
/*
 * kvsnprintf/ksnprintf (suite lib_printk): every conversion and modifier,
 * width/precision/flags, truncation and the C99 return value, plus random
 * round trips (and, on the host, a comparison with the C library).
 */
#include <stdarg.h>
#include <stdint.h>

#include "kernel/ktest.h"
#include "lib/printk.h"
#include "lib/prng.h"
#include "lib/string.h"

#ifdef HOST
#include <stdio.h>
#endif

static char buf[128];

/* Format into buf and check both the text and the returned length. */
static void __printf(4, 5)
	check(struct ktest *t, int line, const char *want, const char *fmt, ...)
{
	va_list ap;
	int n;

	memset(buf, 0x7f, sizeof(buf));
	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, want) || n != (int)strlen(want))
		ktest_fail(t, __FILE__, line,
			   "format \"%s\": got \"%s\" (%d), want \"%s\" (%d)",
			   fmt, buf, n, want, (int)strlen(want));
}

#define CHECK(t, want, ...) check(t, __LINE__, want, __VA_ARGS__)

static void test_integers(struct ktest *t)
{
	CHECK(t, "0 1 -1 42", "%d %i %d %d", 0, 1, -1, 42);
	CHECK(t, "-2147483648 2147483647", "%d %d", INT32_MIN, INT32_MAX);
	CHECK(t, "4294967295", "%u", 0xffffffffu);
	CHECK(t, "-9223372036854775808", "%ld", (long)INT64_MIN);
	CHECK(t, "18446744073709551615", "%llu",
	      (unsigned long long)UINT64_MAX);
	CHECK(t, "ff FF 377 0", "%x %X %o %x", 255, 255, 255, 0);
	CHECK(t, "deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
	CHECK(t, "123 7b", "%zu %zx", (size_t)123, (size_t)123);
	CHECK(t, "-1 -1 255", "%hhd %hd %hhu", (signed char)-1, (short)-1,
	      (unsigned char)255);
}

static void test_flags_width(struct ktest *t)
{
	CHECK(t, "[   42]", "[%5d]", 42);
	CHECK(t, "[42   ]", "[%-5d]", 42);
	CHECK(t, "[00042]", "[%05d]", 42);
	CHECK(t, "[-0042]", "[%05d]", -42);
	CHECK(t, "[+7] [ 7]", "[%+d] [% d]", 7, 7);
	CHECK(t, "0x1f 0", "%#x %#x", 31, 0);
	CHECK(t, "[  ab]", "[%*s]", 4, "ab");
	CHECK(t, "[ab  ]", "[%-*s]", 4, "ab");
	CHECK(t, "[0000000000001000]", "[%016lx]", 0x1000UL);
	CHECK(t, "[12]", "[%1d]", 12); /* width never cuts */
}

static void test_strings_chars(struct ktest *t)
{
	const char *volatile null_str = 0; /* hidden from format checking */

	CHECK(t, "hello", "%s", "hello");
	CHECK(t, "hel", "%.3s", "hello");
	CHECK(t, "he", "%.*s", 2, "hello");
	CHECK(t, "(null)", "%s", null_str);
	CHECK(t, "x-y", "%c-%c", 'x', 'y');
	CHECK(t, "100%", "%d%%", 100);
	CHECK(t, "", "%s", "");
}

static void test_pointer_unknown(struct ktest *t)
{
	const char *volatile unknown = "%q"; /* hidden from format checking */

	CHECK(t, "0x1234", "%p", (void *)0x1234);
	CHECK(t, "%q", unknown, 0);
}

/* C99 semantics: the result is the full length, the output is cut. */
static void test_truncation(struct ktest *t)
{
	char small[8];

	memset(small, 'z', sizeof(small));
	KT_EXPECT_EQ(t, ksnprintf(small, 6, "%s", "hello world"), 11);
	KT_EXPECT_EQ(t, strcmp(small, "hello"), 0);
	KT_EXPECT_EQ(t, small[6], 'z'); /* nothing written past size */
	KT_EXPECT_EQ(t, ksnprintf(small, 1, "%d", 12345), 5);
	KT_EXPECT_EQ(t, small[0], '\0');
	small[0] = 'q';
	KT_EXPECT_EQ(t, ksnprintf(small, 0, "%d", 12345), 5);
	KT_EXPECT_EQ(t, small[0], 'q'); /* size 0 writes nothing */
	KT_EXPECT_EQ(t, ksnprintf(NULL, 0, "%s%s", "ab", "cd"), 4);
	KT_EXPECT_EQ(t, ksnprintf(small, sizeof(small), "%5d|%5d", 1, 2), 11);
	KT_EXPECT_EQ(t, strcmp(small, "    1| "), 0);
}

static uint64_t parse_u(const char *s, unsigned int base)
{
	uint64_t v = 0;

	for (; *s; s++)
		v = v * base + (uint64_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
	return v;
}

/* Random 64-bit values survive %llu, %llx, %llo and %lld round trips. */
static void test_random_round_trip(struct ktest *t)
{
	struct prng r;

	prng_seed(&r, 0x5eed);
	for (int i = 0; i < 5000; i++) {
		uint64_t v = prng_next(&r) >> prng_below(&r, 64);
		int64_t sv = (int64_t)v;
		char *p = buf;

		ksnprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		KT_ASSERT_EQ(t, parse_u(buf, 10), v);
		ksnprintf(buf, sizeof(buf), "%llx", (unsigned long long)v);
		KT_ASSERT_EQ(t, parse_u(buf, 16), v);
		ksnprintf(buf, sizeof(buf), "%llo", (unsigned long long)v);
		KT_ASSERT_EQ(t, parse_u(buf, 8), v);
		ksnprintf(buf, sizeof(buf), "%lld", (long long)sv);
		if (sv < 0)
			KT_ASSERT_EQ(t, *p++, '-');
		KT_ASSERT_EQ(t, parse_u(p, 10),
			     sv < 0 ? -(uint64_t)sv : (uint64_t)sv);
	}
}

#ifdef HOST
/* The host has a reference: random specs must print as libc prints them. */
static void test_random_vs_libc(struct ktest *t)
{
	static const char *const conv[] = {"d",	 "u",  "x",  "X",   "o",
					   "ld", "lu", "lx", "lld", "zu"};
	static const char *const flags[] = {"", "-", "0", "+", " ", "#"};
	struct prng r;
	char fmt[32], want[128];

	prng_seed(&r, 0x11bc);
	for (int i = 0; i < 20000; i++) {
		const char *c = conv[prng_below(&r, 10)];
		const char *fl = flags[prng_below(&r, 6)];
		long long v = (long long)(prng_next(&r) >> prng_below(&r, 64));

		if ((*fl == '#' && *c != 'x' && *c != 'X') ||
		    ((*fl == '+' || *fl == ' ') && !strchr(c, 'd')))
			fl = ""; /* combinations the kernel printer leaves out */
		snprintf(fmt, sizeof(fmt), "%%%s%d%s", fl,
			 (int)prng_below(&r, 24), c);
		if (c[0] == 'l' && c[1] == 'l')
			snprintf(want, sizeof(want), fmt, v);
		else if (c[0] == 'l' || c[0] == 'z')
			snprintf(want, sizeof(want), fmt, (long)v);
		else
			snprintf(want, sizeof(want), fmt, (int)v);
		if (c[0] == 'l' && c[1] == 'l')
			ksnprintf(buf, sizeof(buf), fmt, v);
		else if (c[0] == 'l' || c[0] == 'z')
			ksnprintf(buf, sizeof(buf), fmt, (long)v);
		else
			ksnprintf(buf, sizeof(buf), fmt, (int)v);
		if (strcmp(buf, want)) {
			ktest_fail(t, __FILE__, __LINE__,
				   "\"%s\" of %lld: got \"%s\", libc \"%s\"",
				   fmt, v, buf, want);
			ktest_abort(t);
		}
	}
}
#endif

/* printk_capture_start/stop: lines are copied, cut when full, one at a time. */
static void test_capture(struct ktest *t)
{
	char small[8], other[4];

	KT_ASSERT_TRUE(t, printk_capture_start(buf, sizeof(buf)));
	KT_EXPECT_FALSE(t, printk_capture_start(other, sizeof(other)));
	printk("capture %d\n", 42);
	KT_EXPECT_EQ(t, printk_capture_stop(), 11);
	KT_EXPECT_EQ(t, strcmp(buf, "capture 42\n"), 0);
	printk("not captured\n");
	KT_EXPECT_EQ(t, strcmp(buf, "capture 42\n"), 0);
	KT_ASSERT_TRUE(t, printk_capture_start(small, sizeof(small)));
	printk("0123456789\n");
	KT_EXPECT_EQ(t, printk_capture_stop(), 7);
	KT_EXPECT_EQ(t, strcmp(small, "0123456"), 0);
}

static const struct ktest_case lib_printk_cases[] = {
	KTEST_CASE(test_integers),
	KTEST_CASE(test_flags_width),
	KTEST_CASE(test_strings_chars),
	KTEST_CASE(test_pointer_unknown),
	KTEST_CASE(test_truncation),
	KTEST_CASE(test_capture),
	KTEST_CASE(test_random_round_trip),
#ifdef HOST
	KTEST_CASE(test_random_vs_libc),
#endif
	KTEST_END,
};
KTEST_SUITE(lib_printk, lib_printk_cases);

/* SPDX-License-Identifier: MIT */
/*
 * The boot argument parser (suite lib_bootargs): splitting, bare keys,
 * later-wins, limits, sizes.  bootargs_parse() replaces the one table the
 * kernel booted with, so init saves it and exit puts it back.
 */
#include "kernel/ktest.h"
#include "lib/bootargs.h"
#include "lib/printk.h"
#include "lib/string.h"

static char saved[BOOTARGS_LEN];

/* Rebuild the booted line from the parsed table (same keys, same order). */
static int save_args(void)
{
	size_t len = 0;

	saved[0] = '\0';
	for (int i = 0; i < bootargs_count(); i++) {
		const char *v = bootarg_value(i);

		len += (size_t)ksnprintf(saved + len, sizeof(saved) - len,
					 "%s%s%s%s", i ? " " : "",
					 bootarg_key(i), *v ? "=" : "", v);
		if (len >= sizeof(saved))
			return -1; /* cannot happen: it fit when booting */
	}
	return 0;
}

static void restore_args(void)
{
	bootargs_parse(saved);
}

static bool val_is(const char *key, const char *want)
{
	const char *v = bootarg_get(key);

	return v && !strcmp(v, want);
}

static void test_split(struct ktest *t)
{
	KT_ASSERT_EQ(t, bootargs_parse("a=1 bare c=x=y"), 3);
	KT_EXPECT_TRUE(t, val_is("a", "1"));
	KT_EXPECT_TRUE(t, val_is("bare", ""));
	KT_EXPECT_TRUE(t, val_is("c", "x=y"));
	KT_EXPECT_NULL(t, bootarg_get("x"));
	KT_EXPECT_NULL(t, bootarg_get("b"));
	KT_EXPECT_EQ(t, strcmp(bootarg_key(1), "bare"), 0);
	KT_EXPECT_NULL(t, bootarg_key(3));
	KT_EXPECT_NULL(t, bootarg_value(-1));
}

static void test_whitespace_and_empty(struct ktest *t)
{
	KT_EXPECT_EQ(t, bootargs_parse("  k=v\t\tm \n"), 2);
	KT_EXPECT_TRUE(t, val_is("k", "v"));
	KT_EXPECT_TRUE(t, val_is("m", ""));
	KT_EXPECT_EQ(t, bootargs_parse(""), 0);
	KT_EXPECT_EQ(t, bootargs_parse(NULL), 0);
	KT_EXPECT_NULL(t, bootarg_get("k"));
	KT_EXPECT_EQ(t, bootargs_parse("=orphan k=1"), 1);
	KT_EXPECT_TRUE(t, val_is("k", "1"));
}

static void test_later_wins(struct ktest *t)
{
	KT_EXPECT_EQ(t, bootargs_parse("k=1 j=2 k=3"), 3);
	KT_EXPECT_TRUE(t, val_is("k", "3"));
}

static void test_limits(struct ktest *t)
{
	static char line[BOOTARGS_LEN + 64];
	size_t len = 0;

	for (int i = 0; i <= BOOTARGS_MAX; i++)
		len += (size_t)ksnprintf(line + len, sizeof(line) - len,
					 "w%d=%d ", i, i);
	KT_EXPECT_EQ(t, bootargs_parse(line), -1); /* one word too many */
	KT_EXPECT_EQ(t, bootargs_count(), BOOTARGS_MAX);
	KT_EXPECT_TRUE(t, val_is("w31", "31"));
	KT_EXPECT_NULL(t, bootarg_get("w32"));

	memset(line, 'x', sizeof(line));
	memcpy(line, "first=1 ", 8);
	line[sizeof(line) - 1] = '\0';
	KT_EXPECT_EQ(t, bootargs_parse(line), -1); /* too long */
	KT_EXPECT_EQ(t, bootargs_count(), 1); /* the cut word dropped */
	KT_EXPECT_TRUE(t, val_is("first", "1"));
}

static bool size_is(const char *s, uint64_t want)
{
	uint64_t v = 0;

	return parse_size(s, &v) && v == want;
}

static bool size_refused(const char *s)
{
	uint64_t v = 12345;

	return !parse_size(s, &v) && v == 12345; /* untouched on failure */
}

static void test_sizes(struct ktest *t)
{
	KT_EXPECT_TRUE(t, size_is("0", 0));
	KT_EXPECT_TRUE(t, size_is("4096", 4096));
	KT_EXPECT_TRUE(t, size_is("16M", 16ULL << 20));
	KT_EXPECT_TRUE(t, size_is("1k", 1024));
	KT_EXPECT_TRUE(t, size_is("4G", 4ULL << 30));
	KT_EXPECT_TRUE(t, size_is("0x1000", 0x1000));
	KT_EXPECT_TRUE(t, size_is("0XfFm", 255ULL << 20));
	KT_EXPECT_TRUE(t, size_is("18446744073709551615", UINT64_MAX));
	KT_EXPECT_TRUE(t, size_refused("18446744073709551616"));
	KT_EXPECT_TRUE(t, size_refused("17179869184G"));
	KT_EXPECT_TRUE(t, size_refused(""));
	KT_EXPECT_TRUE(t, size_refused("0x"));
	KT_EXPECT_TRUE(t, size_refused("12Q"));
	KT_EXPECT_TRUE(t, size_refused("1MM"));
	KT_EXPECT_TRUE(t, size_refused("-1"));
	KT_EXPECT_TRUE(t, size_refused(NULL));
}

static void test_get_u64(struct ktest *t)
{
	uint64_t v = 7;

	KT_ASSERT_EQ(t, bootargs_parse("mem=64M bad=zz flag"), 3);
	KT_EXPECT_TRUE(t, bootarg_get_u64("mem", &v));
	KT_EXPECT_EQ(t, v, 64ULL << 20);
	KT_EXPECT_FALSE(t, bootarg_get_u64("bad", &v));
	KT_EXPECT_FALSE(t, bootarg_get_u64("flag", &v));
	KT_EXPECT_FALSE(t, bootarg_get_u64("absent", &v));
	KT_EXPECT_EQ(t, v, 64ULL << 20);
}

static const struct ktest_case lib_bootargs_cases[] = {
	KTEST_CASE(test_split),
	KTEST_CASE(test_whitespace_and_empty),
	KTEST_CASE(test_later_wins),
	KTEST_CASE(test_limits),
	KTEST_CASE(test_sizes),
	KTEST_CASE(test_get_u64),
	KTEST_END,
};
KTEST_SUITE_FULL(lib_bootargs, lib_bootargs_cases, save_args, restore_args, 0);

/* SPDX-License-Identifier: MIT */
/*
 * The boot argument parser (suite lib_bootargs): splitting, bare keys,
 * later-wins, limits and what they drop, sizes, and the declared
 * parameters (lib/bootparam.h): each one's accepted and refused values and
 * the report line.  bootargs_parse() replaces the one table the kernel
 * booted with, so init saves it and exit puts it back.
 */
#include "kernel/ktest.h"
#include "lib/bootargs.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

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
					 bootarg_key(i),
					 bootarg_has_value(i) ? "=" : "", v);
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
	KT_EXPECT_EQ(t, bootargs_parse("=orphan k=1 e="), 3);
	KT_EXPECT_TRUE(t, val_is("k", "1"));
	KT_EXPECT_TRUE(t, val_is("", "orphan")); /* kept, to be reported */
	KT_EXPECT_TRUE(t, bootarg_has_value(2) && val_is("e", ""));
}

static void test_later_wins(struct ktest *t)
{
	KT_EXPECT_EQ(t, bootargs_parse("k=1 j=2 k=3"), 3);
	KT_EXPECT_TRUE(t, val_is("k", "3"));
}

static void test_limits(struct ktest *t)
{
	static char line[BOOTARGS_LEN + 64];
	enum bootargs_cut why;
	const char *w;
	size_t len = 0;

	for (int i = 0; i <= BOOTARGS_MAX; i++)
		len += (size_t)ksnprintf(line + len, sizeof(line) - len,
					 "w%d=%d ", i, i);
	KT_EXPECT_EQ(t, bootargs_parse(line), -1); /* one word too many */
	KT_EXPECT_EQ(t, bootargs_count(), BOOTARGS_MAX);
	KT_EXPECT_TRUE(t, val_is("w31", "31"));
	KT_EXPECT_NULL(t, bootarg_get("w32"));
	KT_EXPECT_EQ(t, bootargs_dropped(&w, &why), 1);
	KT_EXPECT_EQ(t, why, BOOTARGS_CUT_WORDS);
	KT_EXPECT_EQ(t, strcmp(w, "w32=32"), 0);

	memset(line, 'x', sizeof(line));
	memcpy(line, "first=1 ", 8);
	line[sizeof(line) - 1] = '\0';
	KT_EXPECT_EQ(t, bootargs_parse(line), -1); /* too long */
	KT_EXPECT_EQ(t, bootargs_count(), 1); /* the cut word dropped */
	KT_EXPECT_TRUE(t, val_is("first", "1"));
	KT_EXPECT_EQ(t, bootargs_dropped(&w, &why), 1);
	KT_EXPECT_EQ(t, why, BOOTARGS_CUT_BYTES);
	KT_EXPECT_EQ(t, strlen(w), BOOTARGS_DROP_SHOWN + 3); /* then "..." */
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

/* ---- declared parameters ------------------------------------------------ */

/* name=val on its own: VALID, REJECTED or ABSENT as expected? */
static bool state_is(const char *line, const char *name,
		     enum bootparam_state want)
{
	bootargs_parse(line);
	return bootparam_state(name) == want;
}

/* The parameters mm/ declares (in the kernel and on the host). */
static void test_mm_params(struct ktest *t)
{
	uint64_t v = 99;

	KT_ASSERT_NOT_NULL(t, bootparam_find("mm.dma_limit"));
	bootargs_parse("mm.dma_limit=8G");
	KT_EXPECT_TRUE(t, bootparam_size("mm.dma_limit", &v));
	KT_EXPECT_EQ(t, v, 8ULL << 30);
	KT_EXPECT_TRUE(
		t, state_is("mm.dma_limit=0", "mm.dma_limit", BOOTPARAM_VALID));
	KT_EXPECT_TRUE(t, state_is("mm.dma_limit=0x1001", "mm.dma_limit",
				   BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t, state_is("mm.dma_limit", "mm.dma_limit",
				   BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t, state_is("mm.debug", "mm.debug", BOOTPARAM_VALID));
	KT_EXPECT_TRUE(t, bootparam_bool("mm.debug"));
	KT_EXPECT_TRUE(t,
		       state_is("mm.debug=10", "mm.debug", BOOTPARAM_REJECTED));
	KT_EXPECT_FALSE(t, bootparam_bool("mm.debug"));
	KT_EXPECT_TRUE(t, state_is("mm.debug=1 mm.debug=1", "mm.debug",
				   BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t, state_is("mm.fail=", "mm.fail", BOOTPARAM_REJECTED));
	KT_EXPECT_NULL(t, bootparam_string("mm.fail"));
	KT_EXPECT_TRUE(t, state_is("mm.fail=off", "mm.fail", BOOTPARAM_VALID));
	KT_EXPECT_TRUE(t, state_is("mm.fail=kind:pages,nth:3", "mm.fail",
				   BOOTPARAM_VALID));
	KT_EXPECT_TRUE(t, state_is("kmalloc.mode=simple", "kmalloc.mode",
				   BOOTPARAM_VALID));
	KT_EXPECT_EQ(t, bootparam_choice("kmalloc.mode"), KMALLOC_SIMPLE);
	KT_EXPECT_TRUE(t, state_is("kmalloc.mode=", "kmalloc.mode",
				   BOOTPARAM_REJECTED));
	KT_EXPECT_EQ(t, bootparam_choice("kmalloc.mode"), 0);
	KT_EXPECT_TRUE(
		t, state_is("kmalloc.heap=0", "kmalloc.heap", BOOTPARAM_VALID));
	KT_EXPECT_TRUE(t, state_is("kmalloc.heap=65M", "kmalloc.heap",
				   BOOTPARAM_REJECTED));
}

/* ktest= (kernel/ktest_filter.c: in the kernel and in ktest-host). */
static void test_ktest_param(struct ktest *t)
{
	char longest[KTEST_FILTER_MAX + 8] = "ktest=";

	KT_EXPECT_TRUE(t, state_is("ktest=page_*,lib_printk.test_hex", "ktest",
				   BOOTPARAM_VALID));
	KT_EXPECT_TRUE(t, state_is("ktest=,,,", "ktest", BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t, state_is("ktest=a,,b", "ktest", BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t, state_is("ktest=a,", "ktest", BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t, state_is("ktest=", "ktest", BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t,
		       state_is("ktest=page/x", "ktest", BOOTPARAM_REJECTED));
	/* KTEST_FILTER_MAX characters pass, one more is refused */
	memset(longest + 6, 'a', KTEST_FILTER_MAX);
	KT_EXPECT_TRUE(t, state_is(longest, "ktest", BOOTPARAM_VALID));
	longest[6 + KTEST_FILTER_MAX] = 'a';
	KT_EXPECT_TRUE(t, state_is(longest, "ktest", BOOTPARAM_REJECTED));
}

/* The parameters of kernel/main.c, bench/ and arch/riscv/ (not on the
 * host). */
static void test_kernel_params(struct ktest *t)
{
	if (!bootparam_find("monitor"))
		ktest_skip(t,
			   "monitor= is declared by kernel/main.c, not here");
	KT_EXPECT_TRUE(t, state_is("monitor=0", "monitor", BOOTPARAM_VALID));
	KT_EXPECT_FALSE(t, bootparam_bool("monitor"));
	KT_EXPECT_TRUE(t,
		       state_is("monitor=off", "monitor", BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t, bootparam_bool("monitor")); /* the default */
	KT_EXPECT_TRUE(t, state_is("crash=null", "crash", BOOTPARAM_VALID));
	KT_EXPECT_EQ(t, strcmp(bootparam_string("crash"), "null"), 0);
	KT_EXPECT_TRUE(t, state_is("crash=nul", "crash", BOOTPARAM_REJECTED));
	KT_EXPECT_NULL(t, bootparam_string("crash"));
	KT_EXPECT_TRUE(t,
		       state_is("bench=page,slab", "bench", BOOTPARAM_VALID));
	KT_EXPECT_TRUE(
		t, state_is("bench=page,nosuch", "bench", BOOTPARAM_REJECTED));
	KT_EXPECT_TRUE(t,
		       state_is("bench.quick", "bench.quick", BOOTPARAM_VALID));
	KT_EXPECT_TRUE(t, state_is("smp.late_start=2", "smp.late_start",
				   BOOTPARAM_REJECTED));
}

static char report_buf[1024];

static void collect(const char *line, void *ctx)
{
	size_t n = strlen(report_buf);

	ksnprintf(report_buf + n, sizeof(report_buf) - n, "%s%s", n ? "|" : "",
		  line);
}

/* The report of line against the registered parameters. */
static unsigned int report_of(const char *line)
{
	const struct bootparam *const *t;
	unsigned int n = bootparams_registered(&t);

	report_buf[0] = '\0';
	bootargs_parse(line);
	return bootparams_report_table(t, n, collect, NULL);
}

static void test_report(struct ktest *t)
{
	KT_EXPECT_EQ(t, report_of("mm.dma_limit=16M mm.debug=0"), 0);
	KT_EXPECT_EQ(t, report_buf[0], '\0');
	KT_EXPECT_EQ(t, report_of("mm.dma_limit=2G5"), 1);
	KT_EXPECT_EQ(t,
		     strcmp(report_buf,
			    "bootargs: mm.dma_limit=2G5: not a size; accepted: "
			    "a size (a number, or with K, M or G), a multiple "
			    "of 4K; keeping the default: 16M"),
		     0);
	KT_EXPECT_EQ(t, report_of("MM.DEBUG=1 mm.fail="), 2);
	KT_EXPECT_EQ(
		t,
		strcmp(report_buf,
		       "bootargs: MM.DEBUG=1: unknown parameter; accepted: "
		       "mm.debug (names are case-sensitive); ignored|"
		       "bootargs: mm.fail=: empty value; accepted: off, or "
		       "a rule such as kind:pages,times:2 (docs/fault.md); "
		       "keeping the default: off"),
		0);
	KT_EXPECT_EQ(t, report_of("kmalloc.heap=1G kmalloc.heap=0"), 1);
	KT_EXPECT_NOT_NULL(t, strstr(report_buf, ": given 2 times; "));
}

static const struct ktest_case lib_bootargs_cases[] = {
	KTEST_CASE(test_split),	      KTEST_CASE(test_whitespace_and_empty),
	KTEST_CASE(test_later_wins),  KTEST_CASE(test_limits),
	KTEST_CASE(test_sizes),	      KTEST_CASE(test_mm_params),
	KTEST_CASE(test_ktest_param), KTEST_CASE(test_kernel_params),
	KTEST_CASE(test_report),      KTEST_END,
};
KTEST_SUITE_FULL(lib_bootargs, lib_bootargs_cases, save_args, restore_args, 0);

/* SPDX-License-Identifier: MIT */
/*
 * lib/bootargs.c on the host: splitting, lookups, limits, and parse_size
 * against values formatted by the C library (fixed-seed random).
 */
#include "lib/bootargs.h"
#include "lib/prng.h"
#include "tests/host/hosttest.h"

#include <inttypes.h>
#include <string.h>

static bool eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static void test_split(void)
{
	struct ht_group g;

	ht_begin(&g, "split");
	int n = bootargs_parse("  ktest=all\tmonitor=0  quiet mm.x=a=b  ");
	ht_check(&g, n == 4 && bootargs_count() == 4, "count %d", n);
	ht_check(&g, eq(bootarg_get("ktest"), "all"), "ktest");
	ht_check(&g, eq(bootarg_get("monitor"), "0"), "monitor");
	ht_check(&g, eq(bootarg_get("quiet"), ""), "bare key");
	ht_check(&g, eq(bootarg_get("mm.x"), "a=b"), "value keeps later '='");
	ht_check(&g, bootarg_get("kte") == NULL && bootarg_get("all") == NULL,
		 "absent keys");
	ht_check(&g, eq(bootarg_key(2), "quiet") && eq(bootarg_value(0), "all"),
		 "by index");
	ht_check(&g, bootarg_key(4) == NULL && bootarg_key(-1) == NULL,
		 "index out of range");
	n = bootargs_parse("a=1 a=2 =skip");
	ht_check(&g, n == 2 && eq(bootarg_get("a"), "2"), "later wins");
	ht_check(&g,
		 bootargs_parse(NULL) == 0 && bootargs_parse("") == 0 &&
			 bootargs_parse("   ") == 0 && bootarg_get("a") == NULL,
		 "empty lines");
	ht_end(&g);
}

static void test_limits(void)
{
	struct ht_group g;
	char line[2 * BOOTARGS_LEN];

	ht_begin(&g, "limits");
	line[0] = '\0';
	for (int i = 0; i < BOOTARGS_MAX + 5; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "k%d ", i);
	ht_check(&g, bootargs_parse(line) == -1, "too many words not cut");
	ht_check(&g, bootargs_count() == BOOTARGS_MAX, "kept %d",
		 bootargs_count());
	ht_check(&g, eq(bootarg_get("k31"), "") && !bootarg_get("k32"),
		 "first words kept");
	/* a word straddling the length limit is dropped, not cut */
	memset(line, 'x', sizeof(line));
	memcpy(line, "a=1 ", 4);
	memcpy(line + BOOTARGS_LEN - 8, " size=123456789", 15);
	line[sizeof(line) - 1] = '\0';
	ht_check(&g, bootargs_parse(line) == -1, "long line not reported");
	ht_check(&g, eq(bootarg_get("a"), "1") && !bootarg_get("size"),
		 "cut word kept: size=%s", bootarg_get("size"));
	/* exactly BOOTARGS_LEN - 1 bytes fits */
	memset(line, 'y', BOOTARGS_LEN - 1);
	line[BOOTARGS_LEN - 1] = '\0';
	ht_check(&g,
		 bootargs_parse(line) == 1 &&
			 strlen(bootarg_key(0)) == BOOTARGS_LEN - 1,
		 "full-length word");
	ht_end(&g);
}

static const struct {
	const char *s;
	bool ok;
	uint64_t v;
} sizes[] = {
	{"0", true, 0},
	{"16M", true, 16ULL << 20},
	{"4G", true, 4ULL << 30},
	{"64k", true, 64 << 10},
	{"0x1000", true, 0x1000},
	{"0X1fK", true, 0x1fULL << 10},
	{"0xffffffffffffffff", true, UINT64_MAX},
	{"18446744073709551615", true, UINT64_MAX},
	{"18446744073709551616", false, 0},
	{"0x10000000000000000", false, 0},
	{"17179869184G", false, 0},
	{"17179869183G", true, 17179869183ULL << 30},
	{"", false, 0},
	{"M", false, 0},
	{"0x", false, 0},
	{"12Q", false, 0},
	{"-1", false, 0},
	{" 1", false, 0},
	{"1MM", false, 0},
	{"1 ", false, 0},
	{"0xg", false, 0},
};

static void test_sizes(void)
{
	struct ht_group g;
	uint64_t v;

	ht_begin(&g, "parse-size");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		v = 0x5a5a;
		bool ok = parse_size(sizes[i].s, &v);
		ht_check(&g, ok == sizes[i].ok, "'%s' gave %d", sizes[i].s, ok);
		ht_check(&g, ok ? v == sizes[i].v : v == 0x5a5a,
			 "'%s' value %" PRIu64, sizes[i].s, v);
	}
	ht_check(&g, !parse_size(NULL, &v), "NULL");
	bootargs_parse("mm.size=16M bad=1x");
	ht_check(&g, bootarg_get_u64("mm.size", &v) && v == 16ULL << 20,
		 "bootarg_get_u64");
	ht_check(&g, !bootarg_get_u64("bad", &v) && !bootarg_get_u64("no", &v),
		 "bootarg_get_u64 junk/absent");
	ht_end(&g);
}

static void test_sizes_random(void)
{
	static const char suffix[] = {'K', 'M', 'G'};
	struct ht_group g;
	struct prng r;
	char buf[64];
	uint64_t v;

	ht_begin(&g, "parse-size-random");
	prng_seed(&r, 42);
	for (int i = 0; i < 20000; i++) {
		uint64_t x = prng_next(&r) >> prng_below(&r, 64);
		snprintf(buf, sizeof(buf), "%" PRIu64, x);
		ht_check(&g, parse_size(buf, &v) && v == x, "'%s'", buf);
		snprintf(buf, sizeof(buf), "0x%" PRIx64, x);
		ht_check(&g, parse_size(buf, &v) && v == x, "'%s'", buf);
		unsigned int s = (unsigned int)prng_below(&r, 3);
		unsigned int shift = 10 * (s + 1);
		snprintf(buf, sizeof(buf), "%" PRIu64 "%c", x, suffix[s]);
		bool fits = x <= UINT64_MAX >> shift;
		bool ok = parse_size(buf, &v);
		ht_check(&g, ok == fits && (!ok || v == x << shift),
			 "'%s': ok %d", buf, ok);
	}
	ht_end(&g);
}

int main(void)
{
	ht_prog = "bootargs";
	test_split();
	test_limits();
	test_sizes();
	test_sizes_random();
	return ht_exit();
}

/* SPDX-License-Identifier: MIT */
/*
 * lib/bootargs.c and lib/bootparam.c on the host: splitting, lookups,
 * limits and what they drop, parse_size against values formatted by the C
 * library (fixed-seed random), each kind of parameter, and the exact line
 * the report prints for every kind of bad word.
 */
#include "lib/bootargs.h"
#include "lib/bootparam.h"
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
	n = bootargs_parse("a=1 a=2 =orphan e= b");
	ht_check(&g, n == 5 && eq(bootarg_get("a"), "2"), "later wins");
	ht_check(&g, eq(bootarg_key(2), "") && eq(bootarg_value(2), "orphan"),
		 "'=orphan' kept with an empty key");
	ht_check(&g,
		 bootarg_has_value(3) && !bootarg_has_value(4) &&
			 eq(bootarg_value(3), "") && !bootarg_has_value(9),
		 "'e=' has an (empty) value, 'b' none");
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
	const char *w;
	enum bootargs_cut why;
	unsigned int nr = bootargs_dropped(&w, &why);
	ht_check(&g, nr == 5 && why == BOOTARGS_CUT_WORDS,
		 "dropped %u words, why %d", nr, why);
	ht_check(&g, eq(w, "k32 k33 k34 k35 k36"), "dropped words '%s'", w);
	/* a word straddling the length limit is dropped, not cut */
	memset(line, 'x', sizeof(line));
	memcpy(line, "a=1 ", 4);
	memcpy(line + BOOTARGS_LEN - 8, " size=123456789", 15);
	line[sizeof(line) - 1] = '\0';
	ht_check(&g, bootargs_parse(line) == -1, "long line not reported");
	ht_check(&g, eq(bootarg_get("a"), "1") && !bootarg_get("size"),
		 "cut word kept: size=%s", bootarg_get("size"));
	nr = bootargs_dropped(&w, &why);
	ht_check(&g,
		 nr == 1 && why == BOOTARGS_CUT_BYTES &&
			 !strncmp(w, "size=123456789xxx", 17) &&
			 strlen(w) == BOOTARGS_DROP_SHOWN + 3 &&
			 !strcmp(w + BOOTARGS_DROP_SHOWN, "..."),
		 "long line: dropped %u (%d) '%s'", nr, why, w);
	/* exactly BOOTARGS_LEN - 1 bytes fits */
	memset(line, 'y', BOOTARGS_LEN - 1);
	line[BOOTARGS_LEN - 1] = '\0';
	ht_check(&g,
		 bootargs_parse(line) == 1 &&
			 strlen(bootarg_key(0)) == BOOTARGS_LEN - 1,
		 "full-length word");
	ht_check(&g,
		 bootargs_dropped(&w, &why) == 0 && !*w &&
			 why == BOOTARGS_CUT_NONE,
		 "nothing dropped");
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

/* ---- parameters -------------------------------------------------------- */

static bool check_even(const char *v, char *why, size_t len)
{
	if (strlen(v) % 2 == 0)
		return true;
	snprintf(why, len, "odd length %zu", strlen(v));
	return false;
}

static const char *const colours[] = {"red", "green", "blue", NULL};
static const struct bootparam p_flag = {.bp_name = "t.flag",
					.bp_kind = BOOTPARAM_BOOL,
					.bp_default = "1",
					.bp_def_bool = true};
static const struct bootparam p_size = {.bp_name = "t.size",
					.bp_kind = BOOTPARAM_SIZE,
					.bp_default = "8M",
					.bp_min = 4096,
					.bp_max = 64ULL << 20,
					.bp_align = 4096};
static const struct bootparam p_any = {
	.bp_name = "t.any", .bp_kind = BOOTPARAM_SIZE, .bp_default = "0"};
static const struct bootparam p_col = {.bp_name = "t.colour",
				       .bp_kind = BOOTPARAM_ENUM,
				       .bp_default = "none",
				       .bp_choices = colours,
				       .bp_def_choice = -1};
static const struct bootparam p_str = {.bp_name = "t.str",
				       .bp_kind = BOOTPARAM_STRING,
				       .bp_default = "xx",
				       .bp_accepts =
					       "an even number of characters",
				       .bp_check = check_even,
				       .bp_on_reject = "doing nothing"};
static const struct bootparam *const table[] = {&p_flag, &p_size, &p_any,
						&p_col, &p_str};

/* parse(p, val) refused with why == want, or accepted when want is NULL. */
static bool parses(const struct bootparam *p, const char *val, const char *want,
		   union bootparam_value *v)
{
	char why[80] = "";
	int r = bootparam_parse(p, val, v, why, sizeof(why));

	return want ? r == -1 && !strcmp(why, want) : r == 0;
}

static void test_kinds(void)
{
	union bootparam_value v;
	struct ht_group g;
	char a[200];

	ht_begin(&g, "param-kinds");
	ht_check(&g, parses(&p_flag, NULL, NULL, &v) && v.b, "bare bool");
	ht_check(&g, parses(&p_flag, "0", NULL, &v) && !v.b, "bool 0");
	ht_check(&g, parses(&p_flag, "1", NULL, &v) && v.b, "bool 1");
	ht_check(&g, parses(&p_flag, "yes", "not 0 or 1", &v), "bool yes");
	ht_check(&g, parses(&p_flag, "", "empty value", &v), "bool empty");
	ht_check(&g, parses(&p_size, "16M", NULL, &v) && v.u == 16 << 20,
		 "size 16M");
	ht_check(&g, parses(&p_size, "4K", NULL, &v) && v.u == 4096, "min");
	ht_check(&g, parses(&p_size, "64M", NULL, &v), "max");
	ht_check(&g, parses(&p_size, "65M", "out of range", &v), "above");
	ht_check(&g, parses(&p_size, "0", "out of range", &v), "below");
	ht_check(&g, parses(&p_size, "5000", "not a multiple of 4K", &v),
		 "align");
	ht_check(&g, parses(&p_size, "12Q", "not a size", &v), "junk size");
	ht_check(&g, parses(&p_size, NULL, "no value", &v), "bare size");
	ht_check(&g, parses(&p_any, "18446744073709551615", NULL, &v),
		 "no bounds");
	ht_check(&g, parses(&p_col, "blue", NULL, &v) && v.choice == 2, "enum");
	ht_check(&g, parses(&p_col, "Blue", "not one of the choices", &v),
		 "enum case");
	ht_check(&g, parses(&p_str, "abcd", NULL, &v) && eq(v.s, "abcd"),
		 "string");
	ht_check(&g, parses(&p_str, "abc", "odd length 3", &v), "check");
	ht_check(&g, parses(&p_str, "", "empty value", &v), "empty string");
	bootparam_accepts(&p_size, a, sizeof(a));
	ht_check(&g,
		 eq(a, "a size (a number, or with K, M or G) from 4K to 64M, "
		       "a multiple of 4K"),
		 "size accepts '%s'", a);
	bootparam_accepts(&p_col, a, sizeof(a));
	ht_check(&g, eq(a, "red, green or blue"), "enum accepts '%s'", a);
	bootparam_accepts(&p_flag, a, sizeof(a));
	ht_check(&g, eq(a, "0 or 1 (the bare name means 1)"), "bool '%s'", a);
	ht_end(&g);
}

static void test_eval(void)
{
	union bootparam_value v;
	struct ht_group g;

	ht_begin(&g, "param-eval");
	bootargs_parse("t.size=16M t.flag=0 t.colour=red t.colour=blue");
	ht_check(&g,
		 bootparam_eval(&p_size, &v) == BOOTPARAM_VALID &&
			 v.u == 16 << 20,
		 "valid size");
	ht_check(&g, bootparam_eval(&p_flag, &v) == BOOTPARAM_VALID && !v.b,
		 "valid bool");
	ht_check(&g,
		 bootparam_eval(&p_col, &v) == BOOTPARAM_REJECTED &&
			 v.choice == -1,
		 "duplicate: the default");
	ht_check(&g, bootparam_eval(&p_str, &v) == BOOTPARAM_ABSENT && !v.s,
		 "absent string");
	bootargs_parse("t.flag=2 t.str=abc t.size=1G");
	ht_check(&g, bootparam_eval(&p_flag, &v) == BOOTPARAM_REJECTED && v.b,
		 "bad bool keeps default 1");
	ht_check(&g, bootparam_eval(&p_str, &v) == BOOTPARAM_REJECTED && !v.s,
		 "bad string");
	ht_check(&g, bootparam_eval(&p_size, &v) == BOOTPARAM_REJECTED,
		 "size out of range");
	ht_end(&g);
}

/* Lines the report emitted, one after another, '|' between them. */
static char lines[4096];

static void collect(const char *line, void *ctx)
{
	size_t n = strlen(lines);

	snprintf(lines + n, sizeof(lines) - n, "%s%s", n ? "|" : "", line);
	(*(int *)ctx)++;
}

static unsigned int report(const char *cmdline, int *emitted)
{
	lines[0] = '\0';
	*emitted = 0;
	bootargs_parse(cmdline);
	return bootparams_report_table(table, 5, collect, emitted);
}

static const struct {
	const char *cmdline, *lines;
} reports[] = {
	{"t.size=8M t.flag t.colour=red t.str=ab", ""},
	{"t.size=5000",
	 "bootargs: t.size=5000: not a multiple of 4K; accepted: a size (a "
	 "number, or with K, M or G) from 4K to 64M, a multiple of 4K; "
	 "keeping the default: 8M"},
	{"t.size=", "bootargs: t.size=: empty value; accepted: a size (a "
		    "number, or with K, M or G) from 4K to 64M, a multiple of "
		    "4K; keeping the default: 8M"},
	{"t.any", "bootargs: t.any: no value; accepted: a size (a number, or "
		  "with K, M or G); keeping the default: 0"},
	{"t.colour=pink", "bootargs: t.colour=pink: not one of the choices; "
			  "accepted: red, green or blue; keeping the default: "
			  "none"},
	{"t.str=abc", "bootargs: t.str=abc: odd length 3; accepted: an even "
		      "number of characters; doing nothing"},
	{"foo=bar", "bootargs: foo=bar: unknown parameter; accepted: t.any, "
		    "t.colour, t.flag, t.size, t.str; ignored"},
	{"T.FLAG=1", "bootargs: T.FLAG=1: unknown parameter; accepted: t.flag "
		     "(names are case-sensitive); ignored"},
	{"=x", "bootargs: =x: no parameter name before '='; ignored"},
	{"t.flag=1 t.size=8M t.flag=0 t.flag",
	 "bootargs: t.flag=1 t.flag=0 t.flag: given 3 times; accepted: t.flag "
	 "once; keeping the default: 1"},
	{"t.flag=1 t.flag=1 t.flag=1 t.flag=1 t.flag=1",
	 "bootargs: t.flag=1 t.flag=1 t.flag=1 t.flag=1 ...: given 5 times; "
	 "accepted: t.flag once; keeping the default: 1"},
	{"t.flag=x t.any=y", "bootargs: t.flag=x: not 0 or 1; accepted: 0 or 1 "
			     "(the bare name means 1); keeping the default: "
			     "1|bootargs: t.any=y: not a size; accepted: a "
			     "size (a number, or with K, M or G); keeping the "
			     "default: 0"},
};

static void test_report(void)
{
	struct ht_group g;
	char line[700];
	int emitted;

	ht_begin(&g, "report-lines");
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		unsigned int bad = report(reports[i].cmdline, &emitted);
		ht_check(&g, eq(lines, reports[i].lines), "'%s' gave '%s'",
			 reports[i].cmdline, lines);
		ht_check(&g, bad == (unsigned int)emitted,
			 "'%s': %u refusals, %d lines", reports[i].cmdline, bad,
			 emitted);
	}
	/* 33 words: the last is dropped and named */
	line[0] = '\0';
	for (int i = 0; i < BOOTARGS_MAX; i++)
		strcat(line, "t.flag ");
	strcat(line, "t.size=4K");
	ht_check(&g, report(line, &emitted) == 2 && emitted == 2,
		 "dropped: %d lines", emitted);
	ht_check(&g,
		 strstr(lines, "|bootargs: t.size=4K: 1 word dropped: the "
			       "command line holds at most 32 arguments and "
			       "511 bytes; ignored") != NULL,
		 "dropped line: '%s'", lines);
	ht_end(&g);
}

/* The parameters mm/ declares, as the host library registers them. */
static void test_registered(void)
{
	const struct bootparam *const *t;
	unsigned int n = bootparams_registered(&t);
	struct ht_group g;
	uint64_t v = 7;

	ht_begin(&g, "registered");
	ht_check(&g, n >= 5, "%u parameters registered", n);
	for (unsigned int i = 0; i < n; i++) {
		ht_check(&g, t[i]->bp_name && t[i]->bp_default && t[i]->bp_help,
			 "parameter %u lacks a name, default or help", i);
		for (unsigned int j = 0; j < i; j++)
			ht_check(&g, strcmp(t[i]->bp_name, t[j]->bp_name),
				 "%s declared twice", t[i]->bp_name);
	}
	bootargs_parse("mm.dma_limit=0 mm.debug kmalloc.mode=hybrid "
		       "mm.fail=kind:pages,times:2 kmalloc.heap=8M");
	ht_check(&g, bootparam_size("mm.dma_limit", &v) && v == 0,
		 "mm.dma_limit=0");
	ht_check(&g, bootparam_bool("mm.debug"), "bare mm.debug");
	ht_check(&g,
		 eq(bootparam_string("kmalloc.mode"), "hybrid") &&
			 bootparam_choice("kmalloc.mode") == 2,
		 "kmalloc.mode");
	ht_check(&g, eq(bootparam_string("mm.fail"), "kind:pages,times:2"),
		 "mm.fail");
	ht_check(&g, bootparam_size("kmalloc.heap", &v) && v == 8 << 20,
		 "kmalloc.heap");
	bootargs_parse("mm.dma_limit=1000 mm.debug=on kmalloc.mode=Hybrid "
		       "mm.fail= kmalloc.heap=1G");
	v = 7;
	ht_check(&g, !bootparam_size("mm.dma_limit", &v) && v == 7,
		 "mm.dma_limit=1000 refused");
	ht_check(&g, !bootparam_bool("mm.debug"), "mm.debug=on refused");
	ht_check(&g, bootparam_choice("kmalloc.mode") == 0,
		 "kmalloc.mode=Hybrid refused: two-tier");
	ht_check(&g, bootparam_string("mm.fail") == NULL, "mm.fail= refused");
	ht_check(&g, !bootparam_size("kmalloc.heap", &v), "kmalloc.heap=1G");
	ht_check(&g, bootparam_state("mm.fail") == BOOTPARAM_REJECTED,
		 "mm.fail state");
	bootargs_parse("mm.fail=kind:fs");
	ht_check(&g, bootparam_state("mm.fail") == BOOTPARAM_REJECTED,
		 "mm.fail=kind:fs refused");
	bootargs_parse(NULL);
	ht_end(&g);
}

int main(void)
{
	ht_prog = "bootargs";
	test_split();
	test_limits();
	test_sizes();
	test_sizes_random();
	test_kinds();
	test_eval();
	test_report();
	test_registered();
	return ht_exit();
}

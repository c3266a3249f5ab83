/* SPDX-License-Identifier: MIT */
/*
 * lib/printk.c's kvsnprintf against the C library's snprintf: random
 * conversions, flags, widths, precisions and values (fixed seed), and every
 * buffer size for truncation.  %p and %pS are not compared (their text is
 * implementation-defined).
 */
#include "lib/printk.h"
#include "lib/prng.h"
#include "tests/host/hosttest.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

static struct prng rng;

static int kfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* A random 64-bit value with a random magnitude (small ones are common). */
static uint64_t rnd_value(void)
{
	uint64_t x = prng_next(&rng) >> prng_below(&rng, 64);

	return prng_below(&rng, 2) ? x : (uint64_t) - (int64_t)x;
}

/* Append flags/width/precision to f, as the group allows. */
static void add_spec(char *f, const char *flags, bool prec)
{
	size_t n = strlen(f);

	for (const char *p = flags; *p; p++)
		if (prng_below(&rng, 3) == 0)
			f[n++] = *p;
	if (prng_below(&rng, 2))
		n += (size_t)sprintf(f + n, "%u",
				     1 + (unsigned int)prng_below(&rng, 24));
	if (prec && prng_below(&rng, 3) == 0)
		n += (size_t)sprintf(f + n, ".%u",
				     (unsigned int)prng_below(&rng, 22));
	f[n] = '\0';
}

/*
 * Format one random integer conversion both ways into kb/lb.  The length
 * modifier picks the argument type, exactly as printf will read it.
 */
static void one_int(const char *flags, bool prec, char *fmt, char *kb, char *lb,
		    size_t size, int *kn, int *ln)
{
	static const char *const convs = "diuxXo";
	static const char *const mods[] = {"", "l", "ll", "z", "h"};
	char conv = convs[prng_below(&rng, 6)];
	const char *mod = mods[prng_below(&rng, 5)];
	uint64_t v = rnd_value();

	strcpy(fmt, "<%");
	add_spec(fmt, flags, prec);
	sprintf(fmt + strlen(fmt), "%s%c>", mod, conv);
	if (!strcmp(mod, "l")) {
		*kn = kfmt(kb, size, fmt, (long)v);
		*ln = snprintf(lb, size, fmt, (long)v);
	} else if (!strcmp(mod, "ll")) {
		*kn = kfmt(kb, size, fmt, (long long)v);
		*ln = snprintf(lb, size, fmt, (long long)v);
	} else if (!strcmp(mod, "z")) {
		*kn = kfmt(kb, size, fmt, (size_t)v);
		*ln = snprintf(lb, size, fmt, (size_t)v);
	} else {
		*kn = kfmt(kb, size, fmt, (int)v);
		*ln = snprintf(lb, size, fmt, (int)v);
	}
}

/* Run iters random integer formats with the given flags; compare all. */
static void int_group(const char *name, const char *flags, bool prec, int iters)
{
	struct ht_group g;
	char fmt[64], kb[128], lb[128];
	int kn, ln;

	ht_begin(&g, name);
	for (int i = 0; i < iters; i++) {
		one_int(flags, prec, fmt, kb, lb, sizeof(kb), &kn, &ln);
		ht_check(&g, kn == ln && !strcmp(kb, lb),
			 "\"%s\": kvsnprintf \"%s\" (%d), libc \"%s\" (%d)",
			 fmt, kb, kn, lb, ln);
	}
	ht_end(&g);
}

static void test_strings(void)
{
	static const char *const strs[] = {
		"", "a", "hello", "0123456789abcdef", "with space", "x\ty"};
	struct ht_group g;
	char fmt[64], kb[128], lb[128];

	ht_begin(&g, "strings-chars");
	for (int i = 0; i < 5000; i++) {
		const char *s = strs[prng_below(&rng, 6)];
		strcpy(fmt, "[%");
		add_spec(fmt, "-", true);
		strcat(fmt, "s]");
		int kn = kfmt(kb, sizeof(kb), fmt, s);
		int ln = snprintf(lb, sizeof(lb), fmt, s);
		ht_check(&g, kn == ln && !strcmp(kb, lb),
			 "\"%s\" of \"%s\": \"%s\" vs \"%s\"", fmt, s, kb, lb);
		int c = 32 + (int)prng_below(&rng, 95);
		strcpy(fmt, "[%");
		add_spec(fmt, "-", false);
		strcat(fmt, "c]");
		kn = kfmt(kb, sizeof(kb), fmt, c);
		ln = snprintf(lb, sizeof(lb), fmt, c);
		ht_check(&g, kn == ln && !strcmp(kb, lb),
			 "\"%s\" of %d: \"%s\" vs \"%s\"", fmt, c, kb, lb);
	}
	int kn = kfmt(kb, sizeof(kb), "100%% %s|%5s|%-5s|%.2s", "x", "ab", "cd",
		      "efgh");
	int ln = snprintf(lb, sizeof(lb), "100%% %s|%5s|%-5s|%.2s", "x", "ab",
			  "cd", "efgh");
	ht_check(&g, kn == ln && !strcmp(kb, lb), "fixed: \"%s\" vs \"%s\"", kb,
		 lb);
	ht_end(&g);
}

static void test_star(void)
{
	struct ht_group g;
	char kb[128], lb[128];

	ht_begin(&g, "star-width");
	for (int i = 0; i < 2000; i++) {
		int w = (int)prng_below(&rng, 40) - 20; /* negative: left */
		int p = (int)prng_below(&rng, 12);
		long v = (long)rnd_value();
		int kn =
			kfmt(kb, sizeof(kb), "%*ld|%.*s|", w, v, p, "abcdefgh");
		int ln = snprintf(lb, sizeof(lb), "%*ld|%.*s|", w, v, p,
				  "abcdefgh");
		ht_check(&g, kn == ln && !strcmp(kb, lb),
			 "w %d p %d: \"%s\" vs \"%s\"", w, p, kb, lb);
	}
	ht_end(&g);
}

/* Every buffer size: same return value, same (cut) text, always a NUL. */
static void test_truncation(void)
{
	struct ht_group g;
	char fmt[64], full[128], kb[128], lb[128];
	int kn, ln;

	ht_begin(&g, "truncation");
	for (int i = 0; i < 300; i++) {
		struct prng save = rng;
		one_int("-0", true, fmt, full, lb, sizeof(full), &kn, &ln);
		for (size_t size = 0; size <= (size_t)kn + 2; size++) {
			rng = save;
			memset(kb, 0x7e, sizeof(kb));
			memset(lb, 0x7e, sizeof(lb));
			one_int("-0", true, fmt, kb, lb, size, &kn, &ln);
			ht_check(&g, kn == ln && !memcmp(kb, lb, sizeof(kb)),
				 "\"%s\" size %zu: \"%.*s\" vs \"%.*s\"", fmt,
				 size, (int)size, kb, (int)size, lb);
		}
	}
	ht_check(&g, kfmt(NULL, 0, "%d-%s", 12345, "abc") == 9,
		 "NULL buffer of size 0");
	ht_end(&g);
}

int main(void)
{
	ht_prog = "printk";
	prng_seed(&rng, 2026);
	int_group("ints", "-0", false, 20000);
	int_group("ints-precision", "-", true, 5000);
	int_group("alt-form", "#-0", false, 5000);
	test_strings();
	test_star();
	test_truncation();
	return ht_exit();
}

// SPDX-License-Identifier: MIT
/*
 * ktest's filter: which suites and cases a `ktest=` value (or the monitor's
 * `tests` argument) selects, and which of its entries select nothing.
 * Entries are separated by commas; each is "suite" or "suite.case", and
 * '*' in either part matches any run of characters (docs/testing.md).
 * The ktest= boot argument is declared here too, with the check that
 * refuses a value this grammar cannot read.
 */
#include "kernel/ktest_internal.h"

#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"

/* Does the pattern [p, pe), where '*' is any run of characters, match s? */
static bool glob(const char *p, const char *pe, const char *s)
{
	if (p == pe)
		return !*s;
	if (*p == '*') {
		for (;; s++) {
			if (glob(p + 1, pe, s))
				return true;
			if (!*s)
				return false;
		}
	}
	return *s && *p == *s && glob(p + 1, pe, s + 1);
}

/* One filter entry: "suite" or "suite.case", each part a pattern. */
struct entry {
	const char *s, *se; /* suite pattern */
	const char *c, *ce; /* case pattern; c == NULL: every case */
};

/* Read the entry at *f and advance past it; false at the end. */
static bool next_entry(const char **f, struct entry *e)
{
	const char *p = *f, *dot = NULL;

	while (*p == ',')
		p++;
	if (!*p)
		return false;
	e->s = p;
	for (; *p && *p != ','; p++)
		if (*p == '.' && !dot)
			dot = p;
	e->se = dot ? dot : p;
	e->c = dot ? dot + 1 : NULL;
	e->ce = p;
	*f = p;
	return true;
}

static bool filter_all(const char *f)
{
	return !f || !*f || !strcmp(f, "all");
}

static bool suite_selected(const struct ktest_suite *s, const char *f)
{
	struct entry e;

	if (filter_all(f))
		return true;
	while (next_entry(&f, &e))
		if (glob(e.s, e.se, s->name))
			return true;
	return false;
}

bool ktest_filter_case(const struct ktest_suite *s, const struct ktest_case *c,
		       const char *f)
{
	struct entry e;

	if (filter_all(f))
		return true;
	while (next_entry(&f, &e))
		if (glob(e.s, e.se, s->name) &&
		    (!e.c || glob(e.c, e.ce, c->name)))
			return true;
	return false;
}

/* Does entry e select at least one case of one suite of the table? */
static bool entry_matches(const struct entry *e,
			  const struct ktest_suite *const *suites,
			  unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!glob(e->s, e->se, suites[i]->name))
			continue;
		if (!e->c)
			return true;
		for (const struct ktest_case *c = suites[i]->cases; c->run; c++)
			if (glob(e->c, e->ce, c->name))
				return true;
	}
	return false;
}

unsigned int ktest_filter_check(const char *filter,
				const struct ktest_suite *const *suites,
				unsigned int n,
				void (*report)(void *ctx, const char *msg),
				void *ctx)
{
	const char *f = filter;
	unsigned int bad = 0;
	char msg[160];
	struct entry e;

	if (filter_all(f) || !strcmp(f, "none"))
		return 0;
	if (!next_entry(&f, &e)) { /* only commas: selects nothing */
		ksnprintf(msg, sizeof(msg), "'%s' selects no suite", filter);
		report(ctx, msg);
		return 1;
	}
	do {
		if (entry_matches(&e, suites, n))
			continue;
		ksnprintf(msg, sizeof(msg), "'%.*s' matches no suite or case",
			  (int)(e.ce - e.s), e.s);
		report(ctx, msg);
		bad++;
	} while (next_entry(&f, &e));
	return bad;
}

bool ktest_filter_suite(const struct ktest_suite *s, const char *f)
{
#ifdef HOST
	if (s->flags & KTEST_KERNEL_ONLY)
		return false;
#endif
	return f && !strcmp(f, "none") ? false : suite_selected(s, f);
}

/* ---- the ktest= boot argument --------------------------------------------- */

static bool filter_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '*' || c == '.';
}

/* ktest='s check: all, none or SUITE[.CASE] patterns separated by commas. */
static bool ktest_arg_ok(const char *val, char *why, size_t len)
{
	size_t entry = 0;

	if (strlen(val) > KTEST_FILTER_MAX) {
		ksnprintf(why, len, "longer than %d characters",
			  KTEST_FILTER_MAX);
		return false;
	}
	for (const char *p = val;; p++) {
		if (*p == ',' || !*p) {
			if (!entry) {
				str_copy(why, "an empty entry selects nothing",
					 len);
				return false;
			}
			if (!*p)
				return true;
			entry = 0;
		} else if (!filter_char(*p)) {
			ksnprintf(why, len, "character '%c' in a suite name",
				  *p);
			return false;
		} else {
			entry++;
		}
	}
}

BOOTPARAM_DEFINE(ktest, .bp_name = "ktest", .bp_kind = BOOTPARAM_STRING,
		 .bp_default = "all",
		 .bp_help = "self-test suites to run at boot",
		 .bp_accepts = "all, none, or SUITE[.CASE] patterns ('*' any "
			       "run of characters) separated by commas",
		 .bp_check = ktest_arg_ok,
		 .bp_on_reject = "running no suite, the run fails");

const char *ktest_boot_filter(void)
{
	if (bootparam_state("ktest") == BOOTPARAM_REJECTED)
		return "none";
	return bootparam_string("ktest");
}

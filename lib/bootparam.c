/* SPDX-License-Identifier: MIT */
/*
 * Boot parameters (lib/bootparam.h): the registry of declared parameters,
 * one parser per kind, the typed reads, and the report of refused words.
 *
 * Values are not stored: every read (bootparam_eval()) parses the words
 * lib/bootargs.c split, so the host runner's --args and a test that parses
 * its own line see the same rules as the boot.  Reads happen a handful of
 * times during boot; the cost is a scan of at most BOOTARGS_MAX words.
 *
 * Each refusal makes one line:
 *
 *	bootargs: <word as written>: <problem>; accepted: <what>; <fallback>
 *
 * where the fallback is "keeping the default: <default>" (or the
 * parameter's own bp_on_reject), or "ignored" for an unknown name and for
 * words the limits dropped.
 */
#include "lib/bootparam.h"
#include "lib/bootargs.h"
#include "lib/printk.h"
#include "lib/string.h"

#include <stdarg.h>

#define LINE_LEN 400
/* A duplicated name: the report quotes its first DUPS_SHOWN words. */
#define DUPS_SHOWN 4

/* Like the kernel's ktest_suites: GNU ld defines these on the host. */
#ifdef HOST
extern const struct bootparam *const __start_bootparams[] __attribute__((weak));
extern const struct bootparam *const __stop_bootparams[] __attribute__((weak));
#else
extern const struct bootparam *const __start_bootparams[];
extern const struct bootparam *const __stop_bootparams[];
#endif

/* ---- text helpers ------------------------------------------------------- */

struct line {
	char buf[LINE_LEN];
	size_t pos;
};

__attribute__((format(printf, 2, 3))) static void add(struct line *l,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->pos >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = kvsnprintf(l->buf + l->pos, sizeof(l->buf) - l->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->pos += (size_t)n;
	if (l->pos > sizeof(l->buf) - 1)
		l->pos = sizeof(l->buf) - 1;
}

/* "16M", "4K", "3G" when exact, else the number of bytes. */
static void size_text(char *buf, size_t len, uint64_t v)
{
	static const char unit[] = "GMK";

	for (int i = 0; i < 3; i++) {
		unsigned int shift = 30 - 10 * i;

		if (v && !(v & ((1ULL << shift) - 1))) {
			ksnprintf(buf, len, "%llu%c",
				  (unsigned long long)(v >> shift), unit[i]);
			return;
		}
	}
	ksnprintf(buf, len, "%llu", (unsigned long long)v);
}

static void size_accepts(const struct bootparam *p, struct line *l)
{
	char a[24], b[24];

	add(l, "a size (a number, or with K, M or G)");
	size_text(a, sizeof(a), p->bp_min);
	size_text(b, sizeof(b), p->bp_max);
	if (p->bp_max)
		add(l, " from %s to %s", a, b);
	else if (p->bp_min)
		add(l, " of at least %s", a);
	if (p->bp_align > 1) {
		size_text(a, sizeof(a), p->bp_align);
		add(l, ", a multiple of %s", a);
	}
}

static void accepts_line(const struct bootparam *p, struct line *l)
{
	switch (p->bp_kind) {
	case BOOTPARAM_BOOL:
		add(l, "0 or 1 (the bare name means 1)");
		break;
	case BOOTPARAM_SIZE:
		size_accepts(p, l);
		break;
	case BOOTPARAM_ENUM:
		for (int i = 0; p->bp_choices[i]; i++)
			add(l, "%s%s",
			    i ? (p->bp_choices[i + 1] ? ", " : " or ") : "",
			    p->bp_choices[i]);
		break;
	case BOOTPARAM_STRING:
		add(l, "%s", p->bp_accepts);
		break;
	}
}

void bootparam_accepts(const struct bootparam *p, char *buf, size_t len)
{
	struct line l = {.pos = 0};

	accepts_line(p, &l);
	str_copy(buf, l.buf, len);
}

/* ---- parsing -------------------------------------------------------------- */

static int refuse(char *why, size_t len, const char *what)
{
	str_copy(why, what, len);
	return -1;
}

static int parse_size_param(const struct bootparam *p, const char *val,
			    union bootparam_value *v, char *why, size_t len)
{
	uint64_t u;
	char a[24];

	if (!parse_size(val, &u))
		return refuse(why, len, "not a size");
	if (u < p->bp_min || (p->bp_max && u > p->bp_max))
		return refuse(why, len, "out of range");
	if (p->bp_align > 1 && u % p->bp_align) {
		size_text(a, sizeof(a), p->bp_align);
		ksnprintf(why, len, "not a multiple of %s", a);
		return -1;
	}
	v->u = u;
	return 0;
}

int bootparam_parse(const struct bootparam *p, const char *val,
		    union bootparam_value *v, char *why, size_t len)
{
	if (!val && p->bp_kind == BOOTPARAM_BOOL) {
		v->b = true;
		return 0;
	}
	if (!val)
		return refuse(why, len, "no value");
	if (!*val)
		return refuse(why, len, "empty value");
	switch (p->bp_kind) {
	case BOOTPARAM_BOOL:
		if (strcmp(val, "0") && strcmp(val, "1"))
			return refuse(why, len, "not 0 or 1");
		v->b = val[0] == '1';
		return 0;
	case BOOTPARAM_SIZE:
		return parse_size_param(p, val, v, why, len);
	case BOOTPARAM_ENUM:
		for (int i = 0; p->bp_choices[i]; i++)
			if (!strcmp(val, p->bp_choices[i])) {
				v->choice = i;
				return 0;
			}
		return refuse(why, len, "not one of the choices");
	case BOOTPARAM_STRING:
		why[0] = '\0';
		if (p->bp_check && !p->bp_check(val, why, len))
			return why[0] ? -1 : refuse(why, len, "not accepted");
		v->s = val;
		return 0;
	}
	return refuse(why, len, "unknown kind of parameter");
}

static void default_value(const struct bootparam *p, union bootparam_value *v)
{
	switch (p->bp_kind) {
	case BOOTPARAM_BOOL:
		v->b = p->bp_def_bool;
		break;
	case BOOTPARAM_ENUM:
		v->choice = p->bp_def_choice;
		break;
	case BOOTPARAM_SIZE:
		v->u = 0;
		break;
	case BOOTPARAM_STRING:
		v->s = NULL;
		break;
	}
}

/* The value p's word i carries: NULL for a bare name. */
static const char *word_value(int i)
{
	return bootarg_has_value(i) ? bootarg_value(i) : NULL;
}

enum bootparam_state bootparam_eval(const struct bootparam *p,
				    union bootparam_value *v)
{
	union bootparam_value t;
	int last = -1, count = 0;
	char why[80];

	default_value(p, v);
	for (int i = 0; i < bootargs_count(); i++)
		if (!strcmp(bootarg_key(i), p->bp_name)) {
			last = i;
			count++;
		}
	if (!count)
		return BOOTPARAM_ABSENT;
	if (count > 1 ||
	    bootparam_parse(p, word_value(last), &t, why, sizeof(why)))
		return BOOTPARAM_REJECTED;
	*v = t;
	return BOOTPARAM_VALID;
}

/* ---- the registry ------------------------------------------------------- */

unsigned int bootparams_registered(const struct bootparam *const **table)
{
#ifdef HOST
	if (!__start_bootparams || !__stop_bootparams) {
		*table = NULL;
		return 0;
	}
#endif
	*table = __start_bootparams;
	return (unsigned int)(__stop_bootparams - __start_bootparams);
}

static const struct bootparam *find_in(const struct bootparam *const *t,
				       unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(t[i]->bp_name, name))
			return t[i];
	return NULL;
}

const struct bootparam *bootparam_find(const char *name)
{
	const struct bootparam *const *t;
	unsigned int n = bootparams_registered(&t);

	return find_in(t, n, name);
}

/* eval() of a registered name; an unregistered one is a kernel bug. */
static enum bootparam_state eval_name(const char *name,
				      union bootparam_value *v)
{
	const struct bootparam *p = bootparam_find(name);

	if (!p) {
		printk("bootparam: %s is not a declared parameter (caller %p)\n",
		       name, __builtin_return_address(0));
		v->u = 0;
		return BOOTPARAM_ABSENT;
	}
	return bootparam_eval(p, v);
}

enum bootparam_state bootparam_state(const char *name)
{
	union bootparam_value v;

	return eval_name(name, &v);
}

bool bootparam_bool(const char *name)
{
	union bootparam_value v;

	eval_name(name, &v);
	return v.b;
}

bool bootparam_size(const char *name, uint64_t *val)
{
	union bootparam_value v;

	if (eval_name(name, &v) != BOOTPARAM_VALID)
		return false;
	*val = v.u;
	return true;
}

int bootparam_choice(const char *name)
{
	union bootparam_value v;

	eval_name(name, &v);
	return v.choice;
}

const char *bootparam_string(const char *name)
{
	const struct bootparam *p = bootparam_find(name);
	union bootparam_value v;

	eval_name(name, &v);
	if (p && p->bp_kind == BOOTPARAM_ENUM)
		return v.choice >= 0 ? p->bp_choices[v.choice] : NULL;
	return p && p->bp_kind == BOOTPARAM_STRING ? v.s : NULL;
}

/* ---- the report ----------------------------------------------------------- */

/* Word i as written: "key=value", "key=" or "key". */
static void add_word(struct line *l, int i)
{
	add(l, "%s%s%s", bootarg_key(i), bootarg_has_value(i) ? "=" : "",
	    bootarg_value(i));
}

static void add_fallback(struct line *l, const struct bootparam *p)
{
	if (p->bp_on_reject)
		add(l, "; %s", p->bp_on_reject);
	else
		add(l, "; keeping the default: %s", p->bp_default);
}

static bool same_but_case(const char *a, const char *b)
{
	for (; *a && (*a | 0x20) == (*b | 0x20); a++, b++)
		;
	return !*a && !*b;
}

/* The names of t[0..n) in strcmp() order, comma-separated. */
static void add_names_sorted(struct line *l, const struct bootparam *const *t,
			     unsigned int n)
{
	const char *last = "";

	for (unsigned int done = 0; done < n; done++) {
		const char *next = NULL;

		for (unsigned int k = 0; k < n; k++) {
			const char *name = t[k]->bp_name;

			if (strcmp(name, last) > 0 &&
			    (!next || strcmp(name, next) < 0))
				next = name;
		}
		if (!next)
			return;
		add(l, "%s%s", done ? ", " : "", next);
		last = next;
	}
}

/* A name nobody declared: say which names are, or the one it resembles. */
static void unknown_line(struct line *l, int i,
			 const struct bootparam *const *t, unsigned int n)
{
	const char *key = bootarg_key(i);

	add_word(l, i);
	if (!*key) {
		add(l, ": no parameter name before '='; ignored");
		return;
	}
	add(l, ": unknown parameter; accepted: ");
	for (unsigned int k = 0; k < n; k++) {
		if (same_but_case(t[k]->bp_name, key)) {
			add(l, "%s (names are case-sensitive); ignored",
			    t[k]->bp_name);
			return;
		}
	}
	add_names_sorted(l, t, n);
	add(l, "; ignored");
}

static void duplicate_line(struct line *l, const struct bootparam *p, int count)
{
	int shown = 0;

	for (int i = 0; i < bootargs_count(); i++) {
		if (strcmp(bootarg_key(i), p->bp_name))
			continue;
		if (shown++ == DUPS_SHOWN) {
			add(l, " ...");
			break;
		}
		add(l, shown > 1 ? " " : "");
		add_word(l, i);
	}
	add(l, ": given %d times; accepted: %s once", count, p->bp_name);
	add_fallback(l, p);
}

static bool bad_value_line(struct line *l, const struct bootparam *p, int i)
{
	union bootparam_value v;
	char why[80];

	if (!bootparam_parse(p, word_value(i), &v, why, sizeof(why)))
		return false;
	add_word(l, i);
	add(l, ": %s; accepted: ", why);
	accepts_line(p, l);
	add_fallback(l, p);
	return true;
}

static int occurrences(const char *key, int upto)
{
	int n = 0;

	for (int i = 0; i < upto; i++)
		n += !strcmp(bootarg_key(i), key);
	return n;
}

/* The line for word i, or false when the word is accepted. */
static bool word_line(struct line *l, int i, const struct bootparam *const *t,
		      unsigned int n)
{
	const struct bootparam *p = find_in(t, n, bootarg_key(i));
	int count;

	if (!p) {
		unknown_line(l, i, t, n);
		return true;
	}
	if (occurrences(p->bp_name, i)) /* reported at its first word */
		return false;
	count = occurrences(p->bp_name, bootargs_count());
	if (count > 1) {
		duplicate_line(l, p, count);
		return true;
	}
	return bad_value_line(l, p, i);
}

static bool dropped_line(struct line *l)
{
	enum bootargs_cut why;
	const char *words;
	unsigned int nr = bootargs_dropped(&words, &why);

	if (!nr)
		return false;
	add(l,
	    "%s: %u word%s dropped: the command line holds at most %d "
	    "arguments and %d bytes; ignored",
	    words, nr, nr == 1 ? "" : "s", BOOTARGS_MAX, BOOTARGS_LEN - 1);
	return true;
}

unsigned int bootparams_report_table(const struct bootparam *const *table,
				     unsigned int n,
				     void (*emit)(const char *line, void *ctx),
				     void *ctx)
{
	unsigned int bad = 0;
	struct line l;

	for (int i = 0; i <= bootargs_count(); i++) {
		l.pos = 0;
		add(&l, "bootargs: ");
		if (i < bootargs_count() ? word_line(&l, i, table, n)
					 : dropped_line(&l)) {
			emit(l.buf, ctx);
			bad++;
		}
	}
	return bad;
}

static void emit_console(const char *line, void *ctx)
{
	printk("%s\n", line);
}

unsigned int bootparams_report(void)
{
	const struct bootparam *const *t;
	unsigned int n = bootparams_registered(&t);

	return bootparams_report_table(t, n, emit_console, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Boot parameters: every name the kernel accepts on its command line is
 * declared once, beside the code that uses it, with its kind, what it
 * accepts, its default and a line of help:
 *
 *	BOOTPARAM_BOOL(mm_debug, "mm.debug", false, "debug caches");
 *
 * One parser per kind turns the text into a value.  bootparams_report()
 * prints one line for every word of the command line it refuses (unknown
 * name, bad or empty value, out of range, duplicate, dropped by the
 * limits); subsystems read values with bootparam_bool() & co., which give
 * the default for an absent or refused parameter, so a refused value never
 * half-applies.  docs/boot.md ("Boot arguments") lists every parameter.
 */
#ifndef LIB_BOOTPARAM_H
#define LIB_BOOTPARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bootparam_kind {
	BOOTPARAM_BOOL, /* 0 or 1; the bare name means 1 */
	BOOTPARAM_SIZE, /* parse_size(), within [min, max], a multiple of align */
	BOOTPARAM_ENUM, /* one of bp_choices */
	BOOTPARAM_STRING, /* non-empty, accepted by bp_check */
};

struct bootparam {
	const char *bp_name;
	enum bootparam_kind bp_kind;
	const char *bp_default; /* the default as docs/boot.md writes it */
	const char *bp_help; /* what it means, one line */
	bool bp_def_bool; /* BOOL: the default */
	uint64_t bp_min, bp_max; /* SIZE: range; bp_max 0 = no upper bound */
	uint64_t bp_align; /* SIZE: the value is a multiple of it */
	const char *const *bp_choices; /* ENUM: NULL-terminated */
	int bp_def_choice; /* ENUM: default index, -1 for none */
	const char *bp_accepts; /* STRING: what is accepted */
	/* STRING: true if val is acceptable; else false and why[] says why. */
	bool (*bp_check)(const char *val, char *why, size_t len);
	/* What a refused value leaves; NULL: "keeping the default: ...". */
	const char *bp_on_reject;
};

union bootparam_value {
	bool b;
	uint64_t u;
	int choice;
	const char *s;
};

enum bootparam_state {
	BOOTPARAM_ABSENT, /* not on the command line: the default */
	BOOTPARAM_VALID, /* given once, accepted */
	BOOTPARAM_REJECTED, /* bad, empty or duplicate: the default */
};

/* Declare a parameter (at file scope; id is a C identifier). */
#define BOOTPARAM_DEFINE(id, ...)                                     \
	static const struct bootparam bootparam_##id = {__VA_ARGS__}; \
	static const struct bootparam *const bootparam_ptr_##id       \
		__attribute__((used, section("bootparams"))) = &bootparam_##id
#define BOOTPARAM_BOOL(id, name, def, help)                                \
	BOOTPARAM_DEFINE(id, .bp_name = name, .bp_kind = BOOTPARAM_BOOL,   \
			 .bp_default = (def) ? "1" : "0", .bp_help = help, \
			 .bp_def_bool = def)
#define BOOTPARAM_SIZE(id, name, def_text, min, max, align, help)        \
	BOOTPARAM_DEFINE(id, .bp_name = name, .bp_kind = BOOTPARAM_SIZE, \
			 .bp_default = def_text, .bp_help = help,        \
			 .bp_min = min, .bp_max = max, .bp_align = align)
#define BOOTPARAM_ENUM(id, name, choices, def_index, def_text, help)     \
	BOOTPARAM_DEFINE(id, .bp_name = name, .bp_kind = BOOTPARAM_ENUM, \
			 .bp_default = def_text, .bp_help = help,        \
			 .bp_choices = choices, .bp_def_choice = def_index)
#define BOOTPARAM_STRING(id, name, def_text, accepts, check, help)         \
	BOOTPARAM_DEFINE(id, .bp_name = name, .bp_kind = BOOTPARAM_STRING, \
			 .bp_default = def_text, .bp_help = help,          \
			 .bp_accepts = accepts, .bp_check = check)

/*
 * Parse val (NULL: the bare name) as p's kind.  Returns 0 and sets *v, or
 * -1 with why[] saying what is wrong ("not a size", "empty value", ...).
 */
int bootparam_parse(const struct bootparam *p, const char *val,
		    union bootparam_value *v, char *why, size_t len);
/* What p accepts, as the report line says it ("0 or 1 (...)"). */
void bootparam_accepts(const struct bootparam *p, char *buf, size_t len);
/*
 * p's value on the current command line: *v gets the given value when it
 * is VALID, else the default (false, choice bp_def_choice, size 0, string
 * NULL).  A name given twice is REJECTED.
 */
enum bootparam_state bootparam_eval(const struct bootparam *p,
				    union bootparam_value *v);

/* The registered parameter called name, or NULL. */
const struct bootparam *bootparam_find(const char *name);
/* Typed reads of registered parameters (an unknown name is reported). */
enum bootparam_state bootparam_state(const char *name);
bool bootparam_bool(const char *name);
/* True and *val set when given and valid; false leaves *val alone. */
bool bootparam_size(const char *name, uint64_t *val);
int bootparam_choice(const char *name);
/* The accepted value (an ENUM's choice), or NULL when absent or refused. */
const char *bootparam_string(const char *name);

/*
 * Check every word of the command line against table[0..n) and pass one
 * line (no newline) per refusal to emit.  Returns the number of refusals:
 * unknown names, refused values, duplicated names (one line each) and one
 * for the words the limits dropped.
 */
unsigned int bootparams_report_table(const struct bootparam *const *table,
				     unsigned int n,
				     void (*emit)(const char *line, void *ctx),
				     void *ctx);
/* The same for the registered parameters, on the console. */
unsigned int bootparams_report(void);
/* The registered parameters (for the list in the docs and the tests). */
unsigned int bootparams_registered(const struct bootparam *const **table);

#endif /* LIB_BOOTPARAM_H */

/* SPDX-License-Identifier: MIT */
/*
 * ktest-host: the shared in-kernel suites (tests/kernel) run as a Linux
 * program under AddressSanitizer and UBSan, on arch/host's simulated RAM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/host/host.h"
#include "kernel/ktest.h"
#include "lib/bootargs.h"
#include "lib/bootparam.h"

#define FILTER_LEN (KTEST_FILTER_MAX + 1)

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--ram SIZE] [--cpus N] [--args 'BOOT ARGS'] "
		"[--list] [SUITE[.CASE] ...]\n"
		"  --ram SIZE   simulated RAM, e.g. 64M (default), 1G\n"
		"  --cpus N     harts (threads), 1..%d (default 4)\n"
		"  --args STR   boot arguments as the kernel would see them\n"
		"  --list       list the suites and exit\n"
		"  SUITE        suites to run ('page_*', 'lib_printk.test_hex';\n"
		"               several as separate words or comma-separated);\n"
		"               none given: every suite, or ktest= from --args\n"
		"Prints KTAP; exits 0 when every suite passed, 1 otherwise.\n",
		prog, NR_CPUS);
	exit(2);
}

/* Append word to the comma-separated filter; false if it does not fit. */
static bool add_filter(char *filter, const char *word)
{
	size_t len = strlen(filter);

	if (len + strlen(word) + 2 > FILTER_LEN)
		return false;
	if (len)
		filter[len++] = ',';
	strcpy(filter + len, word);
	return true;
}

struct options {
	uint64_t ram;
	uint64_t cpus;
	bool list;
	char filter[FILTER_LEN];
};

static void parse_options(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;

		if (!strcmp(a, "--ram") && has_val) {
			if (!parse_size(argv[++i], &o->ram) || !o->ram)
				usage(argv[0]);
		} else if (!strcmp(a, "--cpus") && has_val) {
			if (!parse_size(argv[++i], &o->cpus) || !o->cpus ||
			    o->cpus > NR_CPUS)
				usage(argv[0]);
		} else if (!strcmp(a, "--args") && has_val) {
			if (bootargs_parse(argv[++i]) < 0)
				usage(argv[0]);
		} else if (!strcmp(a, "--list")) {
			o->list = true;
		} else if (a[0] == '-' || !add_filter(o->filter, a)) {
			usage(argv[0]);
		}
	}
}

int main(int argc, char **argv)
{
	struct options o = {.ram = 64ULL << 20, .cpus = 4};
	const char *filter;

	parse_options(argc, argv, &o);
	/* As the kernel does: every word checked, one line per refusal. */
	if (bootparams_report()) {
		printf("Bail out! --args: boot arguments refused (above)\n");
		return 2;
	}
	if (o.list) {
		ktest_list();
		return 0;
	}
	host_set_cpu(0);
	if (host_mm_init((size_t)o.ram, (unsigned int)o.cpus)) {
		printf("Bail out! host_mm_init(%llu bytes, %llu cpus) failed\n",
		       (unsigned long long)o.ram, (unsigned long long)o.cpus);
		return 1;
	}
	filter = o.filter[0] ? o.filter : ktest_boot_filter();
	return ktest_run(filter) ? 1 : 0;
}

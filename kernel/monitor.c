/* SPDX-License-Identifier: MIT */
/*
 * The `mm>` monitor: a line editor on the UART and a command table.
 * Adding a command is one entry in `commands[]` below.  End of input is
 * the host wrapper's business (scripts/run-qemu.sh sends `poweroff`).
 */
#include "arch/riscv/riscv.h"
#include "bench/bench.h"
#include "kernel/ktest.h"
#include "kernel/mm_cmds.h"
#include "kernel/monitor.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/slab.h"
#include "mm/txn.h"

#define LINE_MAX 128
#define ARGV_MAX 8

struct monitor_cmd {
	const char *name;
	const char *usage;
	const char *help;
	/* argv[0] is the command name; returns 0 or prints its own error */
	int (*run)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static int cmd_tests(int argc, char **argv)
{
	int failed;

	if (argc < 2) {
		ktest_list();
		return 0;
	}
	failed = ktest_run(argv[1]);
	printk("tests: %d suite%s failed\n", failed, failed == 1 ? "" : "s");
	return failed ? -1 : 0;
}

static int cmd_bench(int argc, char **argv)
{
	if (argc < 2) {
		bench_list();
		return 0;
	}
	return bench_run(argv[1]) ? -1 : 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	printk("poweroff\n");
	arch_poweroff(0);
}

static const struct monitor_cmd commands[] = {
	{"help", "", "list the commands", cmd_help},
	{"tests", "[all|SUITE,SUITE]", "list the suites, or run some",
	 cmd_tests},
	{"bench", "[all|NAME,NAME]", "list the benchmarks, or run some",
	 cmd_bench},
	/* memory (kernel/mm_cmds.c; docs/health.md) */
	{"meminfo", "", "memory totals, /proc/meminfo style", cmd_meminfo},
	{"buddyinfo", "", "free blocks per zone and order; unusable index",
	 cmd_buddyinfo},
	{"zoneinfo", "", "zones: watermarks, counters per order and CPU",
	 cmd_zoneinfo},
	{"slabinfo", "", "caches, /proc/slabinfo style", cmd_slabinfo},
	{"health", "[ack]", "the verdict and its reasons; ack: new baseline",
	 cmd_health},
	{"report", "", "the whole mm_report() (as at boot)", cmd_report},
	{"leaks", "", "blocks allocated here and still out", cmd_leaks},
	{"txn-demo", "", "a transaction aborts; the memory comes back",
	 cmd_txn_demo},
	{"kmalloc", "SIZE [dma] | [MODE] [debug|nodebug]",
	 "kmalloc(SIZE), or the usage per class (switch mode/debug first)",
	 cmd_kmalloc},
	{"kfree", "ADDR", "kfree(ADDR)", cmd_kfree},
	{"pages", "ORDER [dma] | free ADDR [ORDER]", "alloc_pages / free_pages",
	 cmd_pages},
	{"fail", "[RULE|off]",
	 "fault injection: arm RULE (mm.fail= syntax), show, or off", cmd_fail},
	{"validate", "", "run every validator (mm_validate)", cmd_validate},
	{"poweroff", "", "stop the machine (QEMU exits with 0)", cmd_poweroff},
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_help(int argc, char **argv)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		printk("  %-10s %-20s %s\n", commands[i].name,
		       commands[i].usage, commands[i].help);
	return 0;
}

static void echo(const char *s)
{
	arch_console_write(s, strlen(s));
}

/* Read one line with echo; backspace/DEL erase, CR or LF ends it. */
static void read_line(char *buf, size_t size)
{
	size_t n = 0;

	mm_txn_unwind(0, "monitor prompt (boot hart idle)");
	for (;;) {
		int c = uart_getc();

		if (c < 0) {
			timer_idle(5000000); /* 5 ms: idle, not spinning */
			continue;
		}
		if (c == '\r' || c == '\n') {
			echo("\n");
			break;
		}
		if (c == 0x7f || c == '\b') {
			if (n) {
				n--;
				echo("\b \b");
			}
		} else if (c >= ' ' && n + 1 < size) {
			char ch[2] = {(char)c, 0};

			buf[n++] = (char)c;
			echo(ch);
		}
	}
	buf[n] = '\0';
}

static int split(char *line, char **argv)
{
	int argc = 0;

	while (*line && argc < ARGV_MAX) {
		while (*line == ' ')
			*line++ = '\0';
		if (!*line)
			break;
		argv[argc++] = line;
		while (*line && *line != ' ')
			line++;
	}
	return argc;
}

static void run_line(char *line)
{
	char *argv[ARGV_MAX];
	int argc = split(line, argv);

	if (!argc)
		return;
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[0], commands[i].name)) {
			commands[i].run(argc, argv);
			return;
		}
	printk("unknown command '%s' (try help)\n", argv[0]);
}

void monitor_run(void)
{
	char line[LINE_MAX];

	printk("monitor: type 'help' for commands\n");
	for (;;) {
		echo("mm> ");
		read_line(line, sizeof(line));
		run_line(line);
	}
}

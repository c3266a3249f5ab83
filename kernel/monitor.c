/* SPDX-License-Identifier: MIT */
/*
 * The `mm>` monitor: a line editor on the UART and a command table.
 * Adding a command is one entry in `commands[]` below.  End of input is
 * the host wrapper's business (scripts/run-qemu.sh sends `poweroff`).
 * A line is run whole or not at all: one too long or with too many words,
 * or a command given too few or too many arguments, is refused with a
 * message and runs nothing.
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

#define LINE_MAX 128 /* a line holds LINE_MAX - 1 characters */
#define ARGV_MAX 8 /* the command and up to 7 arguments */

struct monitor_cmd {
	const char *name;
	const char *usage;
	const char *help;
	/* how many words may follow the name; run_line() checks */
	unsigned char min_args, max_args;
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
	{"help", "", "list the commands", 0, 0, cmd_help},
	{"tests", "[all|SUITE,SUITE]", "list the suites, or run some", 0, 1,
	 cmd_tests},
	{"bench", "[all|NAME,NAME]", "list the benchmarks, or run some", 0, 1,
	 cmd_bench},
	/* memory (kernel/mm_cmds.c; docs/health.md) */
	{"meminfo", "", "memory totals, /proc/meminfo style", 0, 0,
	 cmd_meminfo},
	{"buddyinfo", "", "free blocks per zone and order; unusable index", 0,
	 0, cmd_buddyinfo},
	{"zoneinfo", "", "zones: watermarks, counters per order and CPU", 0, 0,
	 cmd_zoneinfo},
	{"slabinfo", "", "caches, /proc/slabinfo style", 0, 0, cmd_slabinfo},
	{"health", "[ack]", "the verdict and its reasons; ack: new baseline", 0,
	 1, cmd_health},
	{"report", "", "the whole mm_report() (as at boot)", 0, 0, cmd_report},
	{"leaks", "", "blocks allocated here and still out", 0, 0, cmd_leaks},
	{"owners", "", "live page blocks by allocating caller (mm.page_owner=1)",
	 0, 0, cmd_owners},
	{"txn-demo", "", "a transaction aborts; the memory comes back", 0, 0,
	 cmd_txn_demo},
	{"kmalloc", "SIZE [dma] | [MODE] [debug|nodebug]",
	 "kmalloc(SIZE), or the usage per class (switch mode/debug first)", 0,
	 2, cmd_kmalloc},
	{"kfree", "ADDR", "kfree(ADDR)", 1, 1, cmd_kfree},
	{"pages", "ORDER [dma] | free ADDR [ORDER]", "alloc_pages / free_pages",
	 1, 3, cmd_pages},
	{"fail", "[RULE|off]",
	 "fault injection: arm RULE (mm.fail= syntax), show, or off", 0,
	 ARGV_MAX - 1, cmd_fail},
	{"validate", "", "run every validator (mm_validate)", 0, 0,
	 cmd_validate},
	/* pictures of memory (kernel/memmap_cmd.c; docs/buddy.md) */
	{"memmap", "[PAGES]", "physical memory map, PAGES pages a character", 0,
	 1, cmd_memmap},
	{"fragment", "[PAGES|free]",
	 "take PAGES pages, give back the odd ones; or all", 0, 1,
	 cmd_fragment},
	{"poweroff", "", "stop the machine (QEMU exits with 0)", 0, 0,
	 cmd_poweroff},
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_help(int argc, char **argv)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		printk("  %-10s %-20s %s\n", commands[i].name,
		       commands[i].usage, commands[i].help);
	return 0;
}

static const struct monitor_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

void monitor_usage(const char *name)
{
	const struct monitor_cmd *c = find_cmd(name);

	if (c)
		printk("usage: %s%s%s\n", c->name, *c->usage ? " " : "",
		       c->usage);
}

static void echo(const char *s)
{
	arch_console_write(s, strlen(s));
}

/*
 * Read one line with echo; backspace/DEL erase, CR or LF ends it, a tab
 * is a space, other control characters are dropped.  Returns false when
 * the line held more than size - 1 characters: the rest is read (and not
 * echoed) up to the end of the line, and buf holds nothing to run.
 */
static bool read_line(char *buf, size_t size)
{
	size_t n = 0;
	bool too_long = false;

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
		if (c == '\t')
			c = ' ';
		if (c == 0x7f || c == '\b') {
			if (n && !too_long) {
				n--;
				echo("\b \b");
			}
		} else if (c >= ' ' && !too_long) {
			char ch[2] = {(char)c, 0};

			if (n + 1 >= size) {
				too_long = true;
				continue;
			}
			buf[n++] = (char)c;
			echo(ch);
		}
	}
	buf[too_long ? 0 : n] = '\0';
	return !too_long;
}

/* Words of line into argv; -1 (argv incomplete) if more than ARGV_MAX. */
static int split(char *line, char **argv)
{
	int argc = 0;

	for (;;) {
		while (*line == ' ')
			*line++ = '\0';
		if (!*line)
			return argc;
		if (argc == ARGV_MAX)
			return -1;
		argv[argc++] = line;
		while (*line && *line != ' ')
			line++;
	}
}

static void run_line(char *line)
{
	char *argv[ARGV_MAX];
	int argc = split(line, argv);
	const struct monitor_cmd *c;

	if (argc < 0) {
		printk("monitor: more than %d words on the line; nothing run\n",
		       ARGV_MAX);
		return;
	}
	if (!argc)
		return;
	c = find_cmd(argv[0]);
	if (!c) {
		printk("unknown command '%s' (try help)\n", argv[0]);
		return;
	}
	if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
		printk("%s: %s argument%s; nothing run\n", c->name,
		       argc - 1 < c->min_args ? "missing" : "too many",
		       argc - 1 < c->min_args ? "" : "s");
		monitor_usage(c->name);
		return;
	}
	c->run(argc, argv);
}

void monitor_run(void)
{
	char line[LINE_MAX];

	printk("monitor: type 'help' for commands\n");
	for (;;) {
		echo("mm> ");
		if (read_line(line, sizeof(line)))
			run_line(line);
		else
			printk("monitor: line too long (more than %d "
			       "characters); nothing run\n",
			       LINE_MAX - 1);
	}
}

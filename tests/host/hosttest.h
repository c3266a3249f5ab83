/* SPDX-License-Identifier: MIT */
/*
 * A tiny harness for the host test programs (tests/host/test_*.c): checks
 * are gathered into named groups, and each group prints one line,
 * "PASS: host/<prog>/<group>" or "FAIL: host/<prog>/<group>: <first reason>".
 * ht_exit() returns the program's exit status: 1 if any group failed.
 */
#ifndef TESTS_HOST_HOSTTEST_H
#define TESTS_HOST_HOSTTEST_H

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct ht_group {
	const char *name;
	unsigned long checks, fails;
	char why[256]; /* the first failure's reason */
};

static const char *ht_prog = "?";
static int ht_failed_groups, ht_groups;

static inline void ht_begin(struct ht_group *g, const char *name)
{
	g->name = name;
	g->checks = g->fails = 0;
	g->why[0] = '\0';
}

/* Record one check; the first failing one's message becomes the reason. */
__attribute__((format(printf, 3, 4))) static inline bool
ht_check(struct ht_group *g, bool ok, const char *fmt, ...)
{
	g->checks++;
	if (!ok && g->fails++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(g->why, sizeof(g->why), fmt, ap);
		va_end(ap);
	}
	return ok;
}

static inline void ht_end(struct ht_group *g)
{
	ht_groups++;
	if (g->fails) {
		ht_failed_groups++;
		printf("FAIL: host/%s/%s: %s (%lu of %lu checks failed)\n",
		       ht_prog, g->name, g->why, g->fails, g->checks);
	} else {
		printf("PASS: host/%s/%s\n", ht_prog, g->name);
	}
	fflush(stdout);
}

static inline int ht_exit(void)
{
	if (ht_groups == 0) {
		printf("FAIL: host/%s: no checks ran\n", ht_prog);
		return 1;
	}
	return ht_failed_groups ? 1 : 0;
}

/*
 * seconds times $TEST_TIMEOUT_SCALE (fractions allowed), rounded up, at
 * least 1: the same rule as scaled() in tests/lib.sh.  A scale that is not
 * a positive number counts as 1.
 */
static inline unsigned int ht_scaled(unsigned int seconds)
{
	const char *s = getenv("TEST_TIMEOUT_SCALE");
	double k = 1, v;
	char *end;

	if (s && *s) {
		k = strtod(s, &end);
		if (*end || !(k > 0))
			k = 1;
	}
	v = seconds * k;
	if (v < 1)
		return 1;
	return (unsigned int)v + ((double)(unsigned int)v < v);
}

/*
 * Run one case in a forked child, for cases that may crash or hang (a
 * validator fed damaged memory): fn(arg, fd) runs with its stdout (and,
 * with quiet, its stderr) sent to /dev/null, writes its reason for failing
 * to fd, and returns its exit status; it is killed after seconds (times
 * $TEST_TIMEOUT_SCALE).  True when it exited with ok_status; otherwise why
 * holds the child's reason, or what became of it (hung, a signal, a crash
 * that said nothing, such as a sanitizer's exit).
 */
static inline bool ht_fork_case(int (*fn)(const void *arg, int fd),
				const void *arg, int ok_status,
				unsigned int seconds, bool quiet, char *why,
				size_t len)
{
	unsigned int limit = ht_scaled(seconds);
	int fd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(fd)) {
		snprintf(why, len, "pipe() failed");
		return false;
	}
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		dup2(open("/dev/null", O_WRONLY), 1);
		if (quiet)
			dup2(open("/dev/null", O_WRONLY), 2);
		alarm(limit);
		_exit(fn(arg, fd[1]));
	}
	close(fd[1]);
	while (got < len - 1 && (n = read(fd[0], why + got, len - 1 - got)) > 0)
		got += (size_t)n;
	while (got && why[got - 1] == '\n')
		got--;
	why[got] = '\0';
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(why, len, "hung (> %u s)", limit);
	else if (WIFSIGNALED(status))
		snprintf(why, len, "killed by signal %d", WTERMSIG(status));
	else if (!got && WEXITSTATUS(status) != ok_status)
		snprintf(why, len, "crashed (exit status %d: a sanitizer?)",
			 WEXITSTATUS(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == ok_status;
}

#endif /* TESTS_HOST_HOSTTEST_H */

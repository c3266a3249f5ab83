// SPDX-License-Identifier: MIT
/*
 * The malloc API's edge cases, checked on whatever malloc the process has:
 * tests/preload/run.sh runs it with LD_PRELOAD=build/host/libmm_malloc.so.
 * One "PASS: preload/api/<group>" or "FAIL: ..." line per group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1UL << 20)

static int failures;
static char why[256];

#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			if (!failures++)                                 \
				snprintf(why, sizeof(why), __VA_ARGS__); \
		}                                                        \
	} while (0)

static void result(const char *group)
{
	if (failures)
		printf("FAIL: preload/api/%s: %s (%d checks failed)\n", group,
		       why, failures);
	else
		printf("PASS: preload/api/%s\n", group);
	fflush(stdout);
	failures = 0;
}

static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static bool intact(const unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return false;
	return true;
}

/* kmalloc's class for 100 bytes is 128; glibc says 104. */
static void in_use(void)
{
	/* kmalloc's class of 100 bytes is 128; in debug mode (red zones
	 * right behind the request) the usable size is the request */
	const char *dbg = getenv("RVMM_MALLOC_DEBUG");
	size_t want = dbg && !strcmp(dbg, "1") ? 100 : 128;
	void *p = malloc(100);

	CHECK(malloc_usable_size(p) == want,
	      "malloc_usable_size(malloc(100)) = %zu, not kmalloc's %zu: "
	      "not running on libmm_malloc.so",
	      malloc_usable_size(p), want);
	free(p);
	result("in_use");
}

static void one_size(size_t n)
{
	unsigned char *p = malloc(n);
	size_t u = malloc_usable_size(p);

	CHECK(p && (uintptr_t)p % 16 == 0, "malloc(%zu) = %p", n, (void *)p);
	CHECK(u >= n && u >= 16, "usable %zu for malloc(%zu)", u, n);
	if (p) {
		fill(p, u, (unsigned int)n);
		CHECK(intact(p, u, (unsigned int)n), "malloc(%zu) lost bytes",
		      n);
	}
	free(p);
}

static void sizes(void)
{
	for (size_t n = 0; n <= 9000; n++)
		one_size(n);
	for (size_t n = 9000; n <= 12 * MIB; n = n * 5 / 4 + 4093)
		one_size(n);
	one_size(4 * MIB);
	one_size(4 * MIB + 1);
	result("sizes");
}

static void zero_and_null(void)
{
	enum {
		N = 1000
	};
	static void *z[N];

	for (int i = 0; i < N; i++) {
		z[i] = malloc(0);
		CHECK(z[i], "malloc(0) = NULL");
	}
	for (int i = 1; i < N; i++)
		CHECK(z[i] != z[i - 1], "malloc(0) twice %p", z[i]);
	for (int i = 0; i < N; i++)
		free(z[i]);
	free(NULL);
	void *p = realloc(NULL, 40);
	CHECK(p && malloc_usable_size(p) >= 40, "realloc(NULL, 40)");
	errno = 0;
	CHECK(realloc(p, 0) == NULL, "realloc(p, 0) is not NULL (glibc)");
	CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL)");
	result("zero_null");
}

static void realloc_chain(void)
{
	size_t n = 1;
	unsigned char *p = malloc(n);

	fill(p, n, 3);
	while (n < 40 * MIB) {
		size_t m = n * 3 / 2 + 1;
		unsigned char *q = realloc(p, m);

		CHECK(q, "realloc to %zu failed", m);
		if (!q)
			break;
		CHECK(intact(q, n, 3), "realloc %zu -> %zu lost bytes", n, m);
		fill(q, m, 3);
		p = q;
		n = m;
	}
	while (n > 1) {
		size_t m = n / 3;
		unsigned char *q = realloc(p, m ? m : 1);

		CHECK(q && intact(q, m, 3), "shrink %zu -> %zu", n, m);
		p = q ? q : p;
		n = m ? m : 1;
	}
	free(p);
	result("realloc");
}

static void aligned(void)
{
	for (size_t a = 1; a <= 64 * MIB; a *= 2) {
		size_t sz[] = {1, a / 2 + 1, a + 3, 3 * MIB};
		for (unsigned int i = 0; i < 4; i++) {
			void *p = NULL;
			int rc = posix_memalign(&p, a, sz[i]);

			if (a < sizeof(void *)) {
				CHECK(rc == EINVAL, "posix_memalign(%zu) rc %d",
				      a, rc);
				continue;
			}
			CHECK(!rc && (uintptr_t)p % a == 0 &&
				      malloc_usable_size(p) >= sz[i],
			      "posix_memalign(%zu, %zu) = %p rc %d", a, sz[i],
			      p, rc);
			if (p)
				memset(p, 0xab, sz[i]);
			free(p);
			p = aligned_alloc(a, sz[i]);
			CHECK(p && (uintptr_t)p % a == 0,
			      "aligned_alloc(%zu, %zu)", a, sz[i]);
			free(p);
			p = memalign(a, sz[i]);
			CHECK(p && (uintptr_t)p % a == 0, "memalign(%zu, %zu)",
			      a, sz[i]);
			free(p);
		}
	}
	/* volatile: bad alignments reach the library, not a compile error */
	volatile size_t a3 = 3, a48 = 48;
	void *p = (void *)1;
	CHECK(posix_memalign(&p, 24, 8) == EINVAL && p == (void *)1,
	      "posix_memalign(24) not EINVAL or *out touched");
	CHECK(posix_memalign(&p, 0, 8) == EINVAL, "posix_memalign(0)");
	errno = 0;
	CHECK(!aligned_alloc(a3, 8) && errno == EINVAL, "aligned_alloc(3)");
	p = memalign(a48, 100);
	CHECK(p && (uintptr_t)p % 64 == 0, "memalign(48) not rounded to 64");
	free(p);
	p = valloc(5000);
	CHECK(p && (uintptr_t)p % 4096 == 0, "valloc");
	free(p);
	p = pvalloc(5000);
	CHECK(p && (uintptr_t)p % 4096 == 0 && malloc_usable_size(p) >= 8192,
	      "pvalloc");
	free(p);
	result("aligned");
}

static void huge(void)
{
	/* volatile: the compiler must not fold what the library answers */
	static volatile size_t sizes[] = {SIZE_MAX, SIZE_MAX / 2,
					  (size_t)1 << 62, (size_t)1 << 50};
	volatile size_t half = SIZE_MAX / 2;
	for (unsigned int i = 0; i < 4; i++) {
		errno = 0;
		void *p = malloc(sizes[i]);
		CHECK(!p && errno == ENOMEM, "malloc(%zu) = %p errno %d",
		      sizes[i], p, errno);
	}
	errno = 0;
	CHECK(!calloc(half, 3) && errno == ENOMEM, "calloc overflow");
	errno = 0;
	CHECK(!reallocarray(NULL, half, 3) && errno == ENOMEM,
	      "reallocarray overflow");
	unsigned char *p = malloc(100);
	fill(p, 100, 9);
	errno = 0;
	CHECK(!realloc(p, half * 2 - 4096) && errno == ENOMEM &&
		      intact(p, 100, 9),
	      "failed realloc must keep the block");
	free(p);
	void *q = NULL;
	CHECK(posix_memalign(&q, 64, half) == ENOMEM,
	      "posix_memalign huge not ENOMEM");
	p = malloc(100 * MIB); /* beyond kmalloc: mmap */
	CHECK(p && malloc_usable_size(p) >= 100 * MIB, "malloc(100 MiB)");
	if (p) {
		p[0] = 1;
		p[100 * MIB - 1] = 2;
	}
	free(p);
	result("huge");
}

static void zeroing(void)
{
	size_t sz[] = {1,    16,   24,	  100,	   1000,
		       4096, 5000, 70000, 3 * MIB, 6 * MIB};
	for (int round = 0; round < 3; round++)
		for (unsigned int i = 0; i < 10; i++) {
			unsigned char *p = malloc(sz[i]);
			memset(p, 0xee, malloc_usable_size(p));
			free(p);
			p = calloc(1, sz[i]);
			for (size_t k = 0; p && k < sz[i]; k++)
				if (p[k]) {
					CHECK(0, "calloc(%zu) byte %zu is %#x",
					      sz[i], k, p[k]);
					break;
				}
			free(p);
		}
	result("calloc");
}

/* ---- threads freeing each other's blocks ---- */

#define NTHREADS 12 /* more threads than harts */
#define SLOTS 4096
#define OPS 100000

static struct {
	pthread_mutex_t lock;
	unsigned char *p;
	size_t n;
	unsigned int seed;
} slot[SLOTS];
static int thread_bad;

static void *worker(void *arg)
{
	unsigned int r = (unsigned int)(uintptr_t)arg * 2654435761u + 1;

	for (int i = 0; i < OPS; i++) {
		r = r * 1103515245u + 12345u;
		unsigned int s = (r >> 8) % SLOTS;
		size_t n = (r >> 20) % 8 ? (r >> 4) % 600 : (r >> 4) % 70000;

		pthread_mutex_lock(&slot[s].lock);
		if (slot[s].p) {
			size_t k = slot[s].n < 64 ? slot[s].n : 64;
			if (!intact(slot[s].p, k, slot[s].seed))
				__atomic_add_fetch(&thread_bad, 1,
						   __ATOMIC_RELAXED);
			free(slot[s].p);
			slot[s].p = NULL;
		} else {
			slot[s].p = malloc(n);
			slot[s].n = n;
			slot[s].seed = r;
			if (slot[s].p)
				fill(slot[s].p, n < 64 ? n : 64, r);
			else
				__atomic_add_fetch(&thread_bad, 1,
						   __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&slot[s].lock);
	}
	return NULL;
}

static void threads(void)
{
	pthread_t t[NTHREADS];

	for (int i = 0; i < SLOTS; i++)
		pthread_mutex_init(&slot[i].lock, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < SLOTS; i++)
		free(slot[i].p);
	CHECK(!thread_bad, "%d blocks corrupted or refused", thread_bad);
	result("threads");
}

/* ---- fork while other threads allocate ---- */

static volatile int stop;

static void *churn(void *arg)
{
	while (!stop) {
		void *v[32];
		for (int i = 0; i < 32; i++)
			v[i] = malloc((size_t)(i * 97 + (uintptr_t)arg) % 9000);
		for (int i = 0; i < 32; i++)
			free(v[i]);
	}
	return NULL;
}

static int child_work(void)
{
	alarm(60); /* a deadlock ends as SIGALRM, not a hang */
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)i * 37 % 20000;
		unsigned char *p = malloc(n);
		if (!p)
			return 1;
		fill(p, n, (unsigned int)i);
		if (!intact(p, n, (unsigned int)i))
			return 2;
		free(p);
	}
	void *big = malloc(9 * MIB);
	if (!big)
		return 3;
	free(big);
	return 0;
}

static void forks(void)
{
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)i);
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			exit(child_work());
		CHECK(pid > 0, "fork failed");
		if (pid < 0)
			break;
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "child %d: status %#x", i, st);
	}
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	result("fork");
}

/*
 * Run alone (argument "bad-frees"): four frees the shim must refuse and
 * survive, where glibc aborts.  run.sh checks the exit report counts 4.
 */
static void bad_frees(void)
{
	unsigned char *p = malloc(100), *big = malloc(10 * MIB);
	static long stray[8];

	free(p);
	free(p); /* a kmalloc block twice */
	free(big);
	free(big); /* an mmap()ed block twice: its pages are gone */
	free(&stray[2]); /* no block at all */
	errno = 0;
	CHECK(!realloc(p, 200) && errno == EINVAL, "realloc of a freed block");
	p = malloc(100);
	CHECK(p, "malloc after the bad frees");
	free(p);
	result("bad_frees");
}

/*
 * Run alone (argument "exhaust") with a small simulated RAM: once kmalloc
 * refuses, blocks must come from mmap (usable size a page's, not the
 * class's 128), keep their contents, and after the frees kmalloc serves
 * again.
 */
static void exhaust(void)
{
	enum {
		BIG = 1024,
		SMALL = 1 << 20
	};
	static unsigned char *big[BIG], *small[SMALL];
	int nsmall = 0;
	bool fell = false;

	for (int i = 0; i < BIG; i++) { /* 64 MiB in 64 KiB blocks */
		big[i] = malloc(64 << 10);
		CHECK(big[i], "malloc(64 KiB) #%d failed", i);
		if (big[i])
			fill(big[i], 64 << 10, (unsigned int)i);
	}
	while (nsmall < SMALL && !fell) {
		small[nsmall] = malloc(100);
		if (!small[nsmall])
			break;
		fell = malloc_usable_size(small[nsmall++]) != 128;
	}
	CHECK(fell, "%d blocks of 100 bytes and 64 MiB did not exhaust kmalloc",
	      nsmall);
	for (int i = 0; i < BIG; i++) {
		CHECK(!big[i] || intact(big[i], 64 << 10, (unsigned int)i),
		      "block %d lost its bytes", i);
		free(big[i]);
	}
	for (int i = 0; i < nsmall; i++)
		free(small[i]);
	unsigned char *p = malloc(100);
	CHECK(malloc_usable_size(p) == 128,
	      "after the frees malloc(100) is not kmalloc's again (usable %zu)",
	      malloc_usable_size(p));
	free(p);
	result("exhaust");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "bad-frees")) {
		bad_frees();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "exhaust")) {
		exhaust();
		return 0;
	}
	in_use();
	sizes();
	zero_and_null();
	realloc_chain();
	aligned();
	huge();
	zeroing();
	threads();
	forks();
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * libmm_malloc.so: bringing mm/ up inside an unmodified program, and
 * running its threads as harts.
 *
 * Start-up.  The first malloc comes from the dynamic loader or libc, before
 * any constructor, so the shim initialises on its first call: under
 * init_lock, it maps the simulated RAM (RVMM_MALLOC_RAM, default 2 GiB,
 * MAP_NORESERVE: only touched pages cost), runs mm_init() with its console
 * silenced, then registers the fork handlers.  Whatever that thread
 * allocates meanwhile (pthread_atfork may) comes from the boot buffer;
 * other threads wait on init_lock.  If it fails, every block is a big one.
 *
 * Harts.  arch/host protects a hart's per-CPU data (magazines, per-CPU page
 * lists, the transaction scope, mm_last_error) with a thread-local
 * "interrupts off" flag, which is only sound while ONE thread at a time
 * plays each hart.  A program has any number of threads, so every call into
 * mm/ claims a hart under that hart's mutex:
 *
 *   1. the thread's own hart (given round-robin at its first call), if
 *      free (pthread_mutex_trylock);
 *   2. else the first free one after it, which becomes the thread's own
 *      ("steal": threads spread themselves over idle harts);
 *   3. else it waits for its own hart's mutex ("wait").
 *
 * host_set_cpu() then makes arch_cpu_id() that hart for this thread, until
 * the call returns and the mutex is released.  A block freed on another
 * hart than its allocator's is the normal cross-CPU free of mm/.
 *
 * Lock order: init_lock, then hart[0].lock .. hart[n-1].lock in index
 * order (only the fork and exit paths hold several), then mm/'s own.
 *
 * Fork.  The prepare handler takes init_lock and every hart lock, so no
 * thread is inside mm/ and every mm/ spinlock is free when the address
 * space is copied; the parent releases them, the child re-initialises them
 * (the child has one thread: the others' harts are simply free).
 */
#define _GNU_SOURCE
#include "arch/host/preload/shim.h"

#include "arch/host/host.h"
#include "mm/health.h"
#include "mm/kmalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define DEFAULT_RAM (2ULL << 30)
/* mm_init() writes a 32-byte struct page per 4 KiB: 512 MiB at this size */
#define MAX_RAM (64ULL << 30)
#define NO_HART (~0u)

/* One per hart; the lock guards the counters and the right to be the hart. */
struct hart {
	pthread_mutex_t lock;
	unsigned long stat[ST_NR]; /* shim_count() */
	unsigned long steals; /* claimed by a thread that was not its own */
	unsigned long waits; /* a thread had to wait for it */
} __attribute__((aligned(64)));

static struct hart harts[NR_CPUS];
static unsigned int nr_harts = 1;
static atomic_uint next_hart; /* round-robin for new threads */

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic enum shim_state state = SHIM_NONE;
uintptr_t shim_ram_lo, shim_ram_hi;

/* The settings read at start-up from the environment. */
static struct {
	size_t ram;
	const char *stats; /* NULL, "1" (stderr) or a file to append to */
	bool check; /* mm_validate() at exit, in the report */
	bool debug; /* kmalloc debug mode (red zones, poison) */
	int verbose; /* mm/'s console on stderr: 0 never, 1 after boot, 2 */
} cfg;

static _Thread_local unsigned int my_hart = NO_HART;
static _Thread_local unsigned int cur_hart = NO_HART; /* inside mm/ */
static _Thread_local bool initialising;

/* A size with an optional K, M or G suffix; false if malformed. */
static bool parse_bytes(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'G':
	case 'g':
		v <<= 10; /* fall through */
	case 'M':
	case 'm':
		v <<= 10; /* fall through */
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	}
	*out = (size_t)v;
	return !*end && v;
}

static void read_config(unsigned int *ncpus)
{
	const char *s;
	size_t v;

	cfg.ram = DEFAULT_RAM;
	if ((s = getenv("RVMM_MALLOC_RAM")) && parse_bytes(s, &v) &&
	    v <= MAX_RAM)
		cfg.ram = v;
	*ncpus = NR_CPUS;
	if ((s = getenv("RVMM_MALLOC_CPUS")) && parse_bytes(s, &v) &&
	    v <= NR_CPUS)
		*ncpus = (unsigned int)v;
	cfg.stats = getenv("RVMM_MALLOC_STATS");
	if (cfg.stats && !*cfg.stats)
		cfg.stats = NULL;
	cfg.check = (s = getenv("RVMM_MALLOC_CHECK")) && *s == '1';
	cfg.debug = (s = getenv("RVMM_MALLOC_DEBUG")) && *s == '1';
	if (cfg.check && !cfg.stats)
		cfg.stats = "1";
	s = getenv("RVMM_MALLOC_VERBOSE");
	cfg.verbose = s && *s ? *s - '0' : 1; /* 0 quiet, 1 reports, 2 all */
	host_set_ram_hugepages(!((s = getenv("RVMM_MALLOC_THP")) && *s == '0'));
}

static void lock_all(void)
{
	pthread_mutex_lock(&init_lock);
	for (unsigned int i = 0; i < nr_harts; i++)
		pthread_mutex_lock(&harts[i].lock);
}

static void unlock_all(void)
{
	for (unsigned int i = nr_harts; i-- > 0;)
		pthread_mutex_unlock(&harts[i].lock);
	pthread_mutex_unlock(&init_lock);
}

/* The child counts its own calls only. */
static void reinit_all(void)
{
	for (unsigned int i = 0; i < nr_harts; i++) {
		pthread_mutex_init(&harts[i].lock, NULL);
		memset(harts[i].stat, 0, sizeof(harts[i].stat));
		harts[i].steals = harts[i].waits = 0;
	}
	pthread_mutex_init(&init_lock, NULL);
}

/* Called once, under init_lock; the state it leaves is final. */
static void init_locked(void)
{
	unsigned int ncpus;
	void *ram;
	size_t bytes;

	read_config(&ncpus);
	for (unsigned int i = 0; i < NR_CPUS; i++)
		pthread_mutex_init(&harts[i].lock, NULL);
	host_set_console(cfg.verbose >= 2 ? STDERR_FILENO : -1);
	host_set_cpu(0);
	if (host_mm_init(cfg.ram, ncpus)) {
		atomic_store(&state, SHIM_FAILED);
		return;
	}
	/* bad frees, and zone health when the RAM runs low, are reported */
	host_set_console(cfg.verbose >= 1 ? STDERR_FILENO : -1);
	if (cfg.debug)
		kmalloc_set_debug(true);
	ram = host_ram(&bytes);
	shim_ram_lo = (uintptr_t)ram;
	shim_ram_hi = (uintptr_t)ram + bytes;
	nr_harts = ncpus;
	pthread_atfork(lock_all, unlock_all, reinit_all);
	atomic_store(&state, SHIM_READY);
}

enum shim_state shim_init(void)
{
	enum shim_state s = atomic_load(&state);

	if (s != SHIM_NONE || initialising)
		return s;
	pthread_mutex_lock(&init_lock);
	if (atomic_load(&state) == SHIM_NONE) {
		initialising = true;
		init_locked();
		initialising = false;
	}
	pthread_mutex_unlock(&init_lock);
	return atomic_load(&state);
}

bool shim_hart_enter(void)
{
	unsigned int h = my_hart;

	if (cur_hart != NO_HART)
		return false;
	if (h == NO_HART)
		h = my_hart = atomic_fetch_add(&next_hart, 1) % nr_harts;
	if (pthread_mutex_trylock(&harts[h].lock)) {
		unsigned int i;

		for (i = 1; i < nr_harts; i++) {
			unsigned int o = (h + i) % nr_harts;

			if (!pthread_mutex_trylock(&harts[o].lock)) {
				h = my_hart = o;
				harts[h].steals++;
				break;
			}
		}
		if (i == nr_harts) {
			pthread_mutex_lock(&harts[h].lock);
			harts[h].waits++;
		}
	}
	cur_hart = h;
	host_set_cpu(h);
	return true;
}

void shim_hart_exit(void)
{
	unsigned int h = cur_hart;

	cur_hart = NO_HART;
	pthread_mutex_unlock(&harts[h].lock);
}

bool shim_reports(void)
{
	return cfg.verbose >= 1;
}

/* Only inside shim_hart_enter() .. shim_hart_exit(). */
void shim_count(enum shim_stat what)
{
	harts[cur_hart].stat[what]++;
}

/* ---- the exit report (RVMM_MALLOC_STATS, RVMM_MALLOC_CHECK) ---- */

static void emit(const char *line, size_t len)
{
	int fd = STDERR_FILENO;

	if (strcmp(cfg.stats, "1"))
		fd = open(cfg.stats, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			  0644);
	if (fd < 0)
		return;
	(void)!write(fd, line, len); /* one write: lines from processes
					 sharing the file do not mix */
	if (fd != STDERR_FILENO)
		close(fd);
}

/* The harts' counters summed. */
struct totals {
	unsigned long st[ST_NR], steals, waits;
	unsigned int busy; /* harts that served at least one call */
};

/* mm/'s part of the report, with every hart held (nobody allocates); bad
 * counts the refused frees outside mm/ so far. */
static int mm_part(char *buf, size_t len, struct totals *t, unsigned long bad)
{
	struct kmalloc_stats ks;
	const char *verdict = "-";
	size_t bytes;
	unsigned long used;

	for (unsigned int i = 0; i < nr_harts; i++) {
		unsigned long calls = 0;

		for (int k = 0; k < ST_NR; k++) {
			t->st[k] += harts[i].stat[k];
			calls += harts[i].stat[k];
		}
		t->busy += calls != 0;
		t->steals += harts[i].steals;
		t->waits += harts[i].waits;
	}
	host_set_cpu(0);
	if (cfg.check)
		verdict = mm_validate() ? "ok" : "FAILED";
	kmalloc_stats_get(&ks);
	for (int m = 0; m < KMALLOC_NR_MODES; m++)
		bad += ks.mode_bad_frees[m];
	host_ram(&bytes);
	used = bytes / 1024 - nr_free_pages() * (PAGE_SIZE / 1024);
	return snprintf(buf, len,
			"harts %u ram %zuM used %luK; bad_frees %lu; "
			"validate %s",
			nr_harts, bytes >> 20, used, bad, verdict);
}

__attribute__((destructor)) static void shim_report(void)
{
	struct totals t = {0};
	struct big_stats bs;
	char mm[160] = "init failed", line[512];
	int n;

	if (!cfg.stats || atomic_load(&state) == SHIM_NONE)
		return;
	big_stats_get(&bs);
	if (atomic_load(&state) == SHIM_READY) {
		lock_all();
		mm_part(mm, sizeof(mm), &t, bs.refused);
		unlock_all();
	}
	n = snprintf(
		line, sizeof(line),
		"rvmm_malloc: %s pid %d: malloc %lu free %lu realloc %lu "
		"aligned %lu failed %lu; big %lu (live %lu, %luK) boot %lu "
		"(%luB); busy_harts %u steals %lu waits %lu; %s\n",
		program_invocation_short_name, (int)getpid(), t.st[ST_MALLOC],
		t.st[ST_FREE], t.st[ST_REALLOC], t.st[ST_ALIGNED],
		t.st[ST_FAIL], bs.allocs, bs.live, bs.bytes_live >> 10,
		bs.boot_allocs, bs.boot_bytes, t.busy, t.steals, t.waits, mm);
	if (n > 0)
		emit(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line));
}

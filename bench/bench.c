/* SPDX-License-Identifier: MIT */
/*
 * The benchmark runner: the table of benchmarks, the sample buffers, the
 * measurement's own cost, sorting and the fixed output lines.
 *
 * A run (bench=all at boot, or `bench all` at the mm> prompt):
 *
 *	# bench-info: start march=rv64imac exact=yes harts=4 quick=0
 *	# bench: bench.pair median=1 max=1 unit=instr     the reading itself
 *	# bench-info: run page                            one per benchmark
 *	# bench: page.o0.pcp.alloc median=.. max=.. unit=instr
 *	...
 *	# bench-info: end failed=0
 *
 * After each benchmark the runner checks, as ktest does after a suite,
 * that nr_free_pages() is back where it was and that mm_validate() holds;
 * a benchmark that leaks or corrupts fails the run (non-zero exit at boot).
 */
#include "bench/bench.h"

#include <stdarg.h>

#include "arch/arch.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/health.h"
#include "mm/page_alloc.h"

uint32_t bench_pair_cost;
unsigned int bench_quick;
uint64_t bench_boot_mm_init_instr;

/* Sample storage: one order-SAMPLE_ORDER block for the whole run. */
#define SAMPLE_ORDER 7
#define SAMPLE_CAP ((PAGE_SIZE << SAMPLE_ORDER) / 4 / BENCH_NR_SAMPLES)

static struct bench_samples samples[BENCH_NR_SAMPLES];
static unsigned int nr_errors;

struct bench_entry {
	const char *name;
	const char *help;
	void (*run)(void);
};

static const struct bench_entry benches[] = {
	{"page",
	 "alloc_pages/free_pages: orders 0,1,3,9, per-CPU hit, "
	 "refill/drain and buddy path",
	 bench_page},
	{"kmalloc",
	 "kmalloc/kfree per class: fast and slow path, debug mode, "
	 "transactions",
	 bench_kmalloc},
	{"slab", "kmem_cache_alloc/free: per-CPU hit, long runs, debug caches",
	 bench_slab},
	{"allocs", "the pool (k_mem_slab), the arena, the mempool, per call",
	 bench_allocs},
	{"init", "mm_init instructions per page of RAM (measured at boot)",
	 bench_page_init},
	{"churn",
	 "churn workloads on every heap backend (median/max per call, "
	 "overhead)",
	 bench_heap_churn},
	{"frag", "fill, free every other block, ask for large blocks",
	 bench_heap_frag},
	{"scale",
	 "page churn on every hart: instructions and shared-lock "
	 "share",
	 bench_scale},
};

#define NR_BENCHES (sizeof(benches) / sizeof(benches[0]))

/* ---- samples ---------------------------------------------------------------- */

struct bench_samples *bench_samples(unsigned int i, uint32_t extra)
{
	struct bench_samples *s = &samples[i % BENCH_NR_SAMPLES];

	s->n = 0;
	s->bias = bench_pair_cost + extra;
	return s;
}

/* Heapsort: in place, O(n log n) worst case, no recursion. */
static void sift(uint32_t *v, unsigned int root, unsigned int n)
{
	for (;;) {
		unsigned int child = 2 * root + 1;
		uint32_t tmp;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
		root = child;
	}
}

static void sort_u32(uint32_t *v, unsigned int n)
{
	for (unsigned int i = n / 2; i-- > 0;)
		sift(v, i, n);
	for (unsigned int end = n; end-- > 1;) {
		uint32_t tmp = v[0];

		v[0] = v[end];
		v[end] = tmp;
		sift(v, 0, end);
	}
}

uint32_t bench_median(struct bench_samples *s)
{
	if (!s->n)
		return 0;
	sort_u32(s->v, s->n);
	return s->v[(s->n - 1) / 2];
}

/* ---- output ------------------------------------------------------------------- */

static void vname(char *buf, size_t len, const char *fmt, va_list ap)
{
	kvsnprintf(buf, len, fmt, ap);
}

void bench_report(struct bench_samples *s, const char *fmt, ...)
{
	char name[96];
	va_list ap;
	uint32_t med;

	va_start(ap, fmt);
	vname(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (!s->n) {
		bench_error("%s: no samples", name);
		return;
	}
	med = bench_median(s);
	printk("# bench: %s median=%u max=%u unit=instr\n", name, med,
	       s->v[s->n - 1]);
	s->n = 0;
}

void bench_value(uint64_t median, uint64_t max, const char *unit,
		 const char *fmt, ...)
{
	char name[96];
	va_list ap;

	va_start(ap, fmt);
	vname(name, sizeof(name), fmt, ap);
	va_end(ap);
	printk("# bench: %s median=%llu max=%llu unit=%s\n", name,
	       (unsigned long long)median, (unsigned long long)max, unit);
}

void bench_value_milli(uint64_t median, uint64_t max, const char *unit,
		       const char *fmt, ...)
{
	uint64_t m = (median + 5) / 10, x = (max + 5) / 10; /* hundredths */
	char name[96];
	va_list ap;

	va_start(ap, fmt);
	vname(name, sizeof(name), fmt, ap);
	va_end(ap);
	printk("# bench: %s median=%llu.%02llu max=%llu.%02llu unit=%s\n", name,
	       (unsigned long long)(m / 100), (unsigned long long)(m % 100),
	       (unsigned long long)(x / 100), (unsigned long long)(x % 100),
	       unit);
}

void bench_info(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printk("# bench-info: %s\n", line);
}

void bench_error(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printk("# bench-error: %s\n", line);
	nr_errors++;
}

unsigned long bench_iters(unsigned long full, unsigned long min)
{
	unsigned long n = bench_quick ? full / 100 : full;

	return n < min ? min : n;
}

/* ---- the run ------------------------------------------------------------------ */

/*
 * The cost of reading the counter: an empty pair, many times.  Under
 * -icount every pair gives the same number; otherwise the counter is host
 * time and the run says exact=no.
 */
static bool measure_pair(void)
{
	struct bench_samples *s = bench_samples(0, 0);
	uint32_t lo, hi;

	s->bias = 0;
	for (unsigned int i = 0; i < 256; i++)
		BENCH_MEASURE(s, );
	lo = s->v[0];
	hi = lo;
	for (unsigned int i = 1; i < s->n; i++) {
		lo = s->v[i] < lo ? s->v[i] : lo;
		hi = s->v[i] > hi ? s->v[i] : hi;
	}
	bench_pair_cost = bench_median(s);
	bench_report(s, "bench.pair");
	return lo == hi;
}

static bool selected(const char *filter, const char *name)
{
	size_t len = strlen(name);

	if (!filter || !*filter || !strcmp(filter, "all"))
		return true;
	for (const char *p = filter; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && !strncmp(p, name, n))
			return true;
		p += n + (end ? 1 : 0);
	}
	return false;
}

/* Is [p, p + n) the name of a benchmark? */
static bool is_bench(const char *p, size_t n)
{
	for (size_t i = 0; i < NR_BENCHES; i++)
		if (strlen(benches[i].name) == n &&
		    !strncmp(p, benches[i].name, n))
			return true;
	return false;
}

/*
 * The names of filter that are not benchmarks: each is passed to bad()
 * (when not NULL); returns their number.  "all" and "" name every one.
 */
static int unknown_names(const char *filter,
			 void (*bad)(const char *p, size_t n, void *ctx),
			 void *ctx)
{
	int nr = 0;

	if (!filter || !*filter || !strcmp(filter, "all"))
		return 0;
	for (const char *p = filter;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (!is_bench(p, n)) {
			if (bad)
				bad(p, n, ctx);
			nr++;
		}
		if (!end)
			return nr;
		p = end + 1;
	}
}

static void print_unknown(const char *p, size_t n, void *ctx)
{
	printk("# bench-error: no benchmark '%.*s' (try `bench` for the list)\n",
	       (int)n, p);
}

/* Every name in the filter must be a benchmark. */
static int check_filter(const char *filter)
{
	return unknown_names(filter, print_unknown, NULL);
}

static int run_one(const struct bench_entry *b)
{
	unsigned long free0 = nr_free_pages();
	unsigned int err0 = nr_errors;
	unsigned long free1;

	bench_info("run %s", b->name);
	b->run();
	free1 = nr_free_pages();
	if (free1 != free0)
		bench_error("%s: %ld pages missing afterwards", b->name,
			    (long)free0 - (long)free1);
	if (!mm_validate())
		bench_error("%s: mm_validate() failed afterwards", b->name);
	return nr_errors != err0;
}

int bench_run(const char *filter)
{
	int failed = check_filter(filter);
	void *buf = alloc_pages_addr(GFP_KERNEL, SAMPLE_ORDER);
	bool exact;

	if (!buf) {
		printk("# bench-error: no memory for the sample buffers\n");
		return failed + 1;
	}
	for (unsigned int i = 0; i < BENCH_NR_SAMPLES; i++) {
		samples[i].v = (uint32_t *)buf + i * SAMPLE_CAP;
		samples[i].cap = SAMPLE_CAP;
	}
	nr_errors = 0;
	exact = measure_pair();
	bench_info("start march=%s exact=%s harts=%u quick=%u",
		   RVMM_ZBB ? "rv64imac_zbb" : "rv64imac", exact ? "yes" : "no",
		   arch_nr_cpus(), bench_quick);
	for (size_t i = 0; i < NR_BENCHES; i++)
		if (selected(filter, benches[i].name))
			failed += run_one(&benches[i]);
	free_pages(virt_to_page(buf), SAMPLE_ORDER);
	bench_info("end failed=%d", failed);
	return failed;
}

void bench_list(void)
{
	for (size_t i = 0; i < NR_BENCHES; i++)
		printk("  %-8s %s\n", benches[i].name, benches[i].help);
}

struct why_buf {
	char *why;
	size_t len;
};

static void note_unknown(const char *p, size_t n, void *ctx)
{
	struct why_buf *w = ctx;

	if (!w->why[0])
		ksnprintf(w->why, w->len, "no benchmark '%.*s'", (int)n, p);
}

/* bench='s check: "all" or benchmark names separated by commas. */
static bool names_ok(const char *val, char *why, size_t len)
{
	struct why_buf w = {why, len};

	why[0] = '\0';
	return !unknown_names(val, note_unknown, &w);
}

BOOTPARAM_STRING(bench, "bench", "none",
		 "all, or benchmark names separated by commas (docs/bench.md)",
		 names_ok, "benchmarks to run after the self-tests");
BOOTPARAM_BOOL(bench_quick, "bench.quick", false,
	       "benchmarks with tiny counts (only checks that they run)");

int bench_boot(void)
{
	const char *filter = bootparam_string("bench");

	if (!filter)
		return 0;
	bench_quick = bootparam_bool("bench.quick");
	return bench_run(filter);
}

/* SPDX-License-Identifier: MIT */
/*
 * arch/host: simulated RAM and its address translation, the thread-local
 * irq state, harts as threads, interrupt context, clocks.
 */
#include "arch/host/host.h"
#include "mm/page_alloc.h"
#include "tests/host/hosttest.h"

#include <pthread.h>
#include <stdint.h>

#define RAM (64UL << 20)
#define CPUS 4

static void test_ram(void)
{
	struct ht_group g;
	size_t bytes;

	ht_begin(&g, "ram");
	ht_check(&g, host_ram(&bytes) == NULL && arch_nr_cpus() == 1,
		 "RAM before init");
	ht_check(&g, host_mm_init(RAM, CPUS) == 0, "host_mm_init failed");
	ht_check(&g, host_mm_init(RAM, CPUS) == -1, "second init accepted");
	unsigned char *ram = host_ram(&bytes);
	ht_check(&g, ram && bytes == RAM && arch_nr_cpus() == CPUS,
		 "RAM %p size %zu", (void *)ram, bytes);
	ht_check(&g, ((uintptr_t)ram & (HOST_RAM_ALIGN - 1)) == 0,
		 "RAM not aligned to HOST_RAM_ALIGN");
	ht_check(&g,
		 arch_phys_to_virt(HOST_RAM_BASE) == ram &&
			 arch_virt_to_phys(ram + 12345) ==
				 HOST_RAM_BASE + 12345 &&
			 arch_phys_to_virt(HOST_RAM_BASE + RAM - 1) ==
				 ram + RAM - 1,
		 "translation");
	ht_check(&g,
		 arch_phys_to_virt(HOST_RAM_BASE - 1) == NULL &&
			 arch_phys_to_virt(HOST_RAM_BASE + RAM + 1) == NULL &&
			 arch_virt_to_phys(&g) == 0,
		 "outside RAM");
	/* a 4 MiB block is 4 MiB aligned both virtually and physically */
	struct page *pg = alloc_pages(GFP_KERNEL, MAX_ORDER - 1);
	if (ht_check(&g, pg != NULL, "no top-order block")) {
		uintptr_t va = (uintptr_t)page_address(pg);
		phys_addr_t pa = arch_virt_to_phys((void *)va);
		uint64_t block = PAGE_SIZE << (MAX_ORDER - 1);
		ht_check(&g, va % block == 0 && pa % block == 0,
			 "block va %#lx pa %#llx", (unsigned long)va,
			 (unsigned long long)pa);
		free_pages(pg, MAX_ORDER - 1);
	}
	ht_end(&g);
}

static void test_irq(void)
{
	struct ht_group g;

	ht_begin(&g, "irq-state");
	ht_check(&g, arch_irqs_enabled() && !arch_in_irq(), "initial state");
	unsigned long f1 = arch_irq_save();
	ht_check(&g, !arch_irqs_enabled(), "save did not disable");
	unsigned long f2 = arch_irq_save();
	arch_irq_restore(f2);
	ht_check(&g, !arch_irqs_enabled(), "nested restore enabled");
	arch_irq_restore(f1);
	ht_check(&g, arch_irqs_enabled(), "outer restore did not enable");
	ht_end(&g);
}

static bool seen_in_irq, seen_irqs_on;

static void in_irq_fn(void *arg)
{
	seen_in_irq = arch_in_irq();
	seen_irqs_on = arch_irqs_enabled();
	(*(int *)arg)++;
}

static void test_call_from_irq(void)
{
	struct ht_group g;
	int calls = 0;

	ht_begin(&g, "call-from-irq");
	ht_check(&g, arch_call_from_irq(in_irq_fn, &calls) && calls == 1,
		 "did not run");
	ht_check(&g,
		 seen_in_irq && !seen_irqs_on && !arch_in_irq() &&
			 arch_irqs_enabled(),
		 "context wrong");
	unsigned long f = arch_irq_save();
	ht_check(&g, !arch_call_from_irq(in_irq_fn, &calls) && calls == 1,
		 "ran with irqs disabled");
	arch_irq_restore(f);
	ht_end(&g);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int seen_mask, runs;

static void on_cpu(void *arg)
{
	unsigned int id = arch_cpu_id();

	pthread_mutex_lock(&lock);
	seen_mask |= 1u << id;
	runs++;
	pthread_mutex_unlock(&lock);
	/* harts run at once: wait until all have arrived */
	for (;;) {
		pthread_mutex_lock(&lock);
		unsigned int r = runs;
		pthread_mutex_unlock(&lock);
		if (r >= arch_nr_cpus())
			break;
		arch_cpu_relax();
	}
}

static void test_all_cpus(void)
{
	struct ht_group g;

	ht_begin(&g, "run-on-all-cpus");
	for (int round = 0; round < 50; round++) {
		seen_mask = runs = 0;
		arch_run_on_all_cpus(on_cpu, NULL);
		ht_check(&g, runs == CPUS && seen_mask == (1u << CPUS) - 1,
			 "round %d: %u runs, mask %#x", round, runs, seen_mask);
	}
	ht_check(&g, arch_cpu_id() == 0, "caller's hart changed");
	host_set_cpu(2);
	seen_mask = runs = 0;
	arch_run_on_all_cpus(on_cpu, NULL);
	ht_check(&g, arch_cpu_id() == 2 && seen_mask == (1u << CPUS) - 1,
		 "from hart 2: mask %#x", seen_mask);
	host_set_cpu(0);
	ht_end(&g);
}

static void test_clocks(void)
{
	struct ht_group g;

	ht_begin(&g, "clocks");
	uint64_t t0 = arch_time_ns(), c0 = arch_read_cycles();
	while (arch_time_ns() - t0 < 1000000)
		arch_cpu_relax();
	ht_check(&g, arch_read_cycles() > c0 && arch_time_ns() > t0,
		 "clocks do not advance");
	ht_check(&g, arch_read_instret() == 0, "instret not 0 on the host");
	char buf[32];
	ht_check(&g, !arch_symbolize((unsigned long)test_clocks, buf, 32),
		 "symbolize");
	ht_end(&g);
}

/* ht_scaled() follows scaled() in tests/lib.sh: times the scale, rounded
 * up, at least 1; a scale that is not a positive number counts as 1. */
static void test_scaled_timeouts(void)
{
	static const struct {
		const char *scale;
		unsigned int secs, want;
	} cases[] = {
		{NULL, 20, 20}, {"1", 20, 20}, {"3", 20, 60},	{"1.5", 7, 11},
		{"0.1", 5, 1},	{"0.5", 3, 2}, {"abc", 20, 20}, {"2x", 4, 4},
		{"-2", 9, 9},	{"", 9, 9},    {"0.25", 8, 2},
	};
	const char *saved = getenv("TEST_TIMEOUT_SCALE");
	struct ht_group g;

	ht_begin(&g, "scaled-timeouts");
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].scale)
			setenv("TEST_TIMEOUT_SCALE", cases[i].scale, 1);
		else
			unsetenv("TEST_TIMEOUT_SCALE");
		ht_check(&g, ht_scaled(cases[i].secs) == cases[i].want,
			 "scale '%s' x %u s gave %u, want %u",
			 cases[i].scale ? cases[i].scale : "(unset)",
			 cases[i].secs, ht_scaled(cases[i].secs),
			 cases[i].want);
	}
	if (saved)
		setenv("TEST_TIMEOUT_SCALE", saved, 1);
	else
		unsetenv("TEST_TIMEOUT_SCALE");
	ht_end(&g);
}

int main(void)
{
	ht_prog = "arch_host";
	test_scaled_timeouts();
	test_ram();
	test_irq();
	test_call_from_irq();
	test_all_cpus();
	test_clocks();
	return ht_exit();
}

/* SPDX-License-Identifier: MIT */
/*
 * Page owners (suite page_owner, mm/page_owner.h): booted with
 * mm.page_owner=1, every block's record names the function that
 * allocated it and the one that freed it last, with order, gfp, hart and
 * event numbers that only grow; a refused free_pages() says where the
 * block came from and went; the report sums live blocks by caller; the
 * validator notices a record that lies.  Booted without it, nothing is
 * recorded and the report says how to turn it on.  The cases that need
 * records skip in the default boot; `make test` runs the whole suite
 * with mm.page_owner=1 too: the smp3-owners configuration
 * (tests/configs/quick.conf) and the host's hostk-owners run
 * (tests/host/run.sh).
 */
#include "tests/kernel/page_test.h"
#include "mm/page_owner.h"
#include "lib/printk.h"
#include "lib/prng.h"
#include "lib/string.h"

#define SITE_SPAN 512 /* bytes: a call site lies this close to its function */
#define NR_LIVE 64
#define NR_OPS 4000

/*
 * Call sites the records must name: not inlined, and not a tail call
 * (the empty asm after the call keeps the return address in the site).
 */
static __attribute__((noinline)) struct page *site_alloc_a(gfp_t gfp,
							   unsigned int order)
{
	struct page *pg = alloc_pages(gfp, order);

	__asm__ volatile("" : : "r"(pg) : "memory");
	return pg;
}

static __attribute__((noinline)) struct page *site_alloc_b(gfp_t gfp,
							   unsigned int order)
{
	struct page *pg = alloc_pages(gfp, order);

	__asm__ volatile("" : : "r"(pg) : "memory");
	return pg;
}

static __attribute__((noinline)) void site_free(struct page *pg,
						unsigned int order)
{
	free_pages(pg, order);
	__asm__ volatile("" : : : "memory");
}

static __attribute__((noinline)) void *site_kmalloc(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

/* The address of this statement (GCC's label-as-value): the caller a
 * site passes to an allocator entry point that takes one. */
#define HERE_IP                                          \
	({                                               \
		__label__ here_;                         \
here_:                                                   \
		(unsigned long)&&here_;                  \
	})

static __attribute__((noinline)) struct page *site_run(unsigned long nr)
{
	struct page *pg = __alloc_page_run(GFP_KERNEL, nr, HERE_IP);

	__asm__ volatile("" : : "r"(pg) : "memory");
	return pg;
}

/* The number at *s after spaces, and *s past it. */
static unsigned long read_count(const char **s)
{
	unsigned long v = 0;

	while (**s == ' ')
		(*s)++;
	for (; **s >= '0' && **s <= '9'; (*s)++)
		v = v * 10 + (unsigned long)(**s - '0');
	return v;
}

/* "  512 pages      8 blocks  ..." (a report line): the two counts;
 * false when the line has another shape. */
static bool report_counts(const char *s, unsigned long *pages,
			  unsigned long *blocks)
{
	*pages = read_count(&s);
	if (strncmp(s, " pages ", 7))
		return false;
	s += 6;
	*blocks = read_count(&s);
	return !strncmp(s, " blocks  ", 9);
}

static bool in_site(unsigned long ip, const void *fn)
{
	return ip - (unsigned long)fn < SITE_SPAN;
}

static struct page *alloc_at(struct page *(*site)(gfp_t, unsigned int),
			     gfp_t gfp, unsigned int order)
{
	return KT_RETRY_INJECTED(site(gfp, order));
}

static bool need_owners(struct ktest *t)
{
	if (page_owner_on)
		return true;
	ktest_skip(t, "page owners off (boot with mm.page_owner=1)");
	return false;
}

static char cap[4096];

static void cap_start(void)
{
	if (!printk_capture_start(cap, sizeof(cap))) {
		printk_capture_stop(); /* left running by a failed case */
		printk_capture_start(cap, sizeof(cap));
	}
}

/* Booted without mm.page_owner=1: no record, no line, and the report
 * says how to turn them on. */
static void test_off_records_nothing(struct ktest *t)
{
	struct page *pg;
	char buf[64] = "x";

	if (page_owner_on) {
		ktest_skip(t, "page owners on");
		return;
	}
	pg = alloc_at(site_alloc_a, GFP_KERNEL, 0);
	KT_ASSERT_NOT_NULL(t, pg);
	KT_EXPECT_NULL(t, page_owner_of(pg));
	page_owner_describe(pg, buf, sizeof(buf));
	KT_EXPECT_EQ(t, buf[0], '\0');
	cap_start();
	page_owner_report();
	printk_capture_stop();
	KT_EXPECT_NOT_NULL(t, strstr(cap, "page_owner: off (boot with "
					  "mm.page_owner=1)"));
	free_pages(pg, 0);
}

/* An allocation's record: caller, order, gfp, hart, a new event; its
 * free's: caller, hart, a later event.  Orders 0 (per-CPU lists) to 3. */
static void test_records_alloc_and_free(struct ktest *t)
{
	if (!need_owners(t))
		return;
	for (unsigned int o = 0; o < 4; o++) {
		struct page *pg = alloc_at(site_alloc_a, GFP_KERNEL, o);
		struct page_owner *po, r;

		KT_ASSERT_NOT_NULL(t, pg);
		po = page_owner_of(pg);
		KT_ASSERT_NOT_NULL(t, po);
		r = *po;
		KT_EXPECT_TRUE(t, in_site(r.po_alloc_ip, site_alloc_a));
		KT_EXPECT_EQ(t, r.po_order, o);
		KT_EXPECT_EQ(t, r.po_gfp, GFP_KERNEL);
		KT_EXPECT_EQ(t, r.po_alloc_cpu, arch_cpu_id());
		KT_EXPECT_GT(t, r.po_alloc_seq, r.po_free_seq);
		site_free(pg, o);
		KT_EXPECT_TRUE(t, in_site(po->po_free_ip, site_free));
		KT_EXPECT_EQ(t, po->po_free_cpu, arch_cpu_id());
		KT_EXPECT_GT(t, po->po_free_seq, r.po_alloc_seq);
		KT_EXPECT_EQ(t, po->po_alloc_seq, r.po_alloc_seq);
	}
}

/* The bad-free report's second line names where the block was allocated
 * and where it was freed; a refused free leaves the record as it was. */
static void test_bad_free_names_both_sites(struct ktest *t)
{
	struct page *pg, *big;
	struct page_owner before;
	char a[96], f[96];

	if (!need_owners(t))
		return;
	pg = alloc_at(site_alloc_a, GFP_KERNEL, 1);
	big = alloc_at(site_alloc_b, GFP_KERNEL, 2);
	KT_ASSERT_NOT_NULL(t, pg);
	KT_ASSERT_NOT_NULL(t, big);
	site_free(pg, 1);
	before = *page_owner_of(pg);
	ktest_log(t, "two refused frees expected below");
	cap_start();
	site_free(pg, 1); /* a double free */
	site_free(big + 1, 0); /* a tail of a live block */
	printk_capture_stop();
	mm_health_acknowledge("the page_owner suite's bad frees");
	KT_EXPECT_EQ(t, memcmp(&before, page_owner_of(pg), sizeof(before)),
		     0);
	ksnprintf(a, sizeof(a), "page owner: allocated by %pS on hart %u",
		  (void *)before.po_alloc_ip, arch_cpu_id());
	ksnprintf(f, sizeof(f), ", freed by %pS on hart %u (event %llu)",
		  (void *)before.po_free_ip, arch_cpu_id(),
		  (unsigned long long)before.po_free_seq);
	KT_EXPECT_NOT_NULL(t, strstr(cap, a));
	KT_EXPECT_NOT_NULL(t, strstr(cap, f));
	ksnprintf(a, sizeof(a), "page owner of its block: allocated by %pS",
		  (void *)page_owner_of(big)->po_alloc_ip);
	KT_EXPECT_NOT_NULL(t, strstr(cap, a));
	KT_EXPECT_NOT_NULL(t, strstr(cap, "order 2, gfp 0x"));
	KT_EXPECT_NOT_NULL(t, strstr(cap, ", not freed since"));
	if (arch_symbolize((unsigned long)site_alloc_a, a, sizeof(a))) {
		KT_EXPECT_NOT_NULL(t, strstr(cap, "allocated by site_alloc_a+"));
		KT_EXPECT_NOT_NULL(t, strstr(cap, "freed by site_free+"));
	}
	free_pages(big, 2);
	KT_EXPECT_TRUE(t, page_alloc_validate());
}

/* A large kmalloc and a run of pages are recorded under their callers:
 * kmalloc's caller, and one record per block of the run's cut. */
static void test_kmalloc_and_runs_recorded(struct ktest *t)
{
	void *p;
	struct page *run;
	unsigned long pfn, end;
	unsigned int blocks = 0;

	if (!need_owners(t))
		return;
	p = KT_RETRY_INJECTED(site_kmalloc(5 * PAGE_SIZE));
	KT_ASSERT_NOT_NULL(t, p);
	KT_EXPECT_TRUE(t, in_site(page_owner_of(virt_to_page(p))->po_alloc_ip,
				  site_kmalloc));
	kfree(p);
	run = KT_RETRY_INJECTED(site_run(7));
	KT_ASSERT_NOT_NULL(t, run);
	for (pfn = page_to_pfn(run), end = pfn + 7; pfn < end; blocks++) {
		unsigned int o = page_run_order(pfn, end - pfn);
		struct page_owner *po = page_owner_of(pfn_to_page(pfn));

		KT_EXPECT_TRUE(t, in_site(po->po_alloc_ip, site_run));
		KT_EXPECT_EQ(t, po->po_order, o);
		KT_EXPECT_GT(t, po->po_alloc_seq, po->po_free_seq);
		pfn += 1UL << o;
	}
	KT_EXPECT_GT(t, blocks, 1);
	KT_EXPECT_TRUE(t, page_alloc_validate());
	__free_page_run(run, 7, HERE_IP);
	KT_EXPECT_GT(t, page_owner_of(run)->po_free_seq,
		     page_owner_of(run)->po_alloc_seq);
}

/* The report sums live blocks by caller: a site holding 8 blocks of
 * order 6 (512 pages) has its line, with at least those. */
static void test_report_sums_by_caller(struct ktest *t)
{
	struct page *pg[8];
	unsigned long pages = 0, blocks = 0;
	char want[96];
	const char *line;
	unsigned int n;

	if (!need_owners(t))
		return;
	for (n = 0; n < 8; n++) {
		pg[n] = alloc_at(site_alloc_b, GFP_KERNEL | __GFP_NOWARN, 6);
		if (!pg[n])
			break;
	}
	KT_ASSERT_EQ(t, n, 8);
	ksnprintf(want, sizeof(want), "  %pS\n",
		  (void *)page_owner_of(pg[0])->po_alloc_ip);
	cap_start();
	page_owner_report();
	printk_capture_stop();
	while (n--)
		free_pages(pg[n], 6);
	KT_EXPECT_NOT_NULL(t, strstr(cap, "live blocks"));
	line = strstr(cap, want);
	KT_ASSERT_NOT_NULL(t, line);
	while (line > cap && line[-1] != '\n')
		line--;
	KT_EXPECT_TRUE(t, report_counts(line, &pages, &blocks));
	KT_EXPECT_GE(t, pages, 512);
	KT_EXPECT_GE(t, blocks, 8);
}

/* The validator reads every live block's record: one that says another
 * order, never allocated, or freed after its allocation is reported. */
static void test_validator_checks_records(struct ktest *t)
{
	struct page *pg;
	struct page_owner *po, keep;

	if (!need_owners(t))
		return;
	pg = alloc_at(site_alloc_a, GFP_KERNEL, 2);
	KT_ASSERT_NOT_NULL(t, pg);
	po = page_owner_of(pg);
	keep = *po;
	KT_EXPECT_TRUE(t, page_alloc_validate());
	ktest_log(t, "three validator reports expected below");
	po->po_order = 3;
	KT_EXPECT_FALSE(t, page_alloc_validate());
	*po = keep;
	po->po_alloc_seq = 0;
	KT_EXPECT_FALSE(t, page_alloc_validate());
	*po = keep;
	po->po_free_seq = keep.po_alloc_seq + 1;
	KT_EXPECT_FALSE(t, page_alloc_validate());
	*po = keep;
	KT_EXPECT_TRUE(t, page_alloc_validate());
	free_pages(pg, 2);
}

struct live {
	struct page *pg;
	unsigned int order;
	const void *site;
	uint64_t seq;
};

/*
 * Thousands of random allocations (two sites, orders 0-3) and frees
 * (fixed seed): after each, the record is the call's and its event is
 * the newest; every 256 calls every live block still has the record of
 * its own allocation; the validator agrees at the end.
 */
static void test_random_records_hold(struct ktest *t)
{
	static struct live live[NR_LIVE];
	unsigned int n = 0, bad = 0;
	uint64_t last = 0;
	struct prng r;

	if (!need_owners(t))
		return;
	prng_seed(&r, 0x0d0e5);
	for (unsigned int i = 0; i < NR_OPS && !bad; i++) {
		struct page_owner *po;

		if (n < NR_LIVE && (n == 0 || prng_below(&r, 2))) {
			struct live *l = &live[n];
			bool a = prng_below(&r, 2);

			l->order = (unsigned int)prng_below(&r, 4);
			l->site = a ? (const void *)site_alloc_a
				    : (const void *)site_alloc_b;
			l->pg = alloc_at(a ? site_alloc_a : site_alloc_b,
					 GFP_KERNEL | __GFP_NOWARN, l->order);
			if (!l->pg)
				continue;
			po = page_owner_of(l->pg);
			l->seq = po->po_alloc_seq;
			bad += !in_site(po->po_alloc_ip, l->site) ||
			       po->po_order != l->order || l->seq <= last ||
			       po->po_free_seq >= l->seq;
			last = l->seq;
			n++;
		} else {
			unsigned int k = (unsigned int)prng_below(&r, n);
			struct live l = live[k];

			live[k] = live[--n];
			site_free(l.pg, l.order);
			po = page_owner_of(l.pg);
			bad += !in_site(po->po_free_ip, site_free) ||
			       po->po_free_seq <= last ||
			       po->po_alloc_seq != l.seq;
			last = po->po_free_seq;
		}
		if (i % 256 == 255)
			for (unsigned int k = 0; k < n; k++)
				bad += page_owner_of(live[k].pg)->po_alloc_seq !=
				       live[k].seq;
	}
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_TRUE(t, page_alloc_validate());
	while (n--)
		free_pages(live[n].pg, live[n].order);
}

static const struct ktest_case page_owner_cases[] = {
	KTEST_CASE(test_off_records_nothing),
	KTEST_CASE(test_records_alloc_and_free),
	KTEST_CASE(test_bad_free_names_both_sites),
	KTEST_CASE(test_kmalloc_and_runs_recorded),
	KTEST_CASE(test_report_sums_by_caller),
	KTEST_CASE(test_validator_checks_records),
	KTEST_CASE(test_random_records_hold),
	KTEST_END,
};

static void page_owner_exit(void)
{
	printk_capture_stop(); /* if a case ended early */
}

KTEST_SUITE_FULL(page_owner, page_owner_cases, 0, page_owner_exit, 0);

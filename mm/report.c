/* SPDX-License-Identifier: MIT */
/*
 * mm_report(): the memory subsystem on the console, one section per
 * Linux /proc (or debugfs) file it imitates, each opened by a header line
 * the way `head` separates files:
 *
 *   ==> /proc/meminfo <==                         mm_report_meminfo()
 *   ==> /proc/buddyinfo <==                       page_alloc_report_buddyinfo()
 *   ==> /sys/kernel/debug/extfrag/unusable_index <==   mm_report_unusable()
 *   ==> /proc/zoneinfo <==                        page_alloc_report_zoneinfo()
 *   ==> pagestats <==                             mm_report_pagestats()
 *   ==> /proc/slabinfo <==                        (the slab layer's)
 *   ==> kmalloc <==                               (kmalloc's classes)
 *   ==> transactions <==                          (open transactions)
 *   ==> heaps <==                                 (the TLSF heaps)
 *   ==> pools <==, arenas, mempools, dma          (mm/pool.c ... mm/dma.c)
 *   ==> fault injection <==                       mm_report_fault()
 *   ==> health <==                                mm_report_health()
 *
 * The layout is a contract: docs/health.md describes every line, and the
 * GDB commands (tests/gdb) recompute the same numbers from memory and
 * compare them with this output.  Change both together.
 */
#include "mm/arena.h"
#include "mm/dma.h"
#include "mm/mempool.h"
#include "mm/pool.h"
#include "mm/health.h"
#include "mm/fault.h"
#include "mm/heap.h"
#include "mm/internal.h"
#include "mm/kmalloc.h"
#include "mm/slab.h"
#include "mm/txn.h"
#include "lib/printk.h"

/* Linux prints meminfo fields as "%-16s%8lu kB" (fs/proc/meminfo.c). */
static void kb(const char *label, unsigned long pages)
{
	printk("%-16s%8lu kB\n", label, pages << (PAGE_SHIFT - 10));
}

void mm_report_meminfo(void)
{
	struct mm_stats st;

	mm_stats_get(&st);
	kb("MemTotal:", st.total_pages);
	kb("MemFree:", st.free_pages);
	kb("MemUsed:", st.used_pages);
	kb("MemPeakUsed:", st.peak_used_pages);
	kb("PerCPULists:",
	   st.zone[ZONE_DMA].pcp_free + st.zone[ZONE_NORMAL].pcp_free);
	kb("Reserved:", st.reserved_pages);
	kb("Slab:", st.slab_pages);
	kb("DMATotal:", st.zone[ZONE_DMA].managed);
	kb("DMAFree:", st.zone[ZONE_DMA].free);
	kb("NormalTotal:", st.zone[ZONE_NORMAL].managed);
	kb("NormalFree:", st.zone[ZONE_NORMAL].free);
}

/* As Linux's unusable_show_print(): "%d.%03d " per order. */
void mm_report_unusable(void)
{
	struct mm_health h;

	mm_health_get(&h);
	for (unsigned int t = 0; t < MAX_NR_ZONES; t++) {
		char line[160];
		int n = ksnprintf(line, sizeof(line), "Node 0, zone %8s ",
				  zones[t].name);

		for (unsigned int o = 0; o < MAX_ORDER && n < (int)sizeof(line);
		     o++)
			n += ksnprintf(line + n, sizeof(line) - n, "%u.%03u ",
				       h.zone[t].unusable[o] / 1000,
				       h.zone[t].unusable[o] % 1000);
		printk("%s%s\n", line,
		       zone_is_empty(&zones[t]) ? " (empty)" : "");
	}
}

/* Whole KiB of a byte count. */
static unsigned long kib(unsigned long bytes)
{
	return bytes >> 10;
}

static void report_kmalloc_heap(const struct mm_stats *st)
{
	unsigned long given = st->kmalloc_bytes_given;
	unsigned long req = st->kmalloc_bytes_req, waste = 0;

	if (given > req) /* internal fragmentation, in 1/1000 */
		waste = (given - req) * 1000 / given;

	printk("kmalloc totals: allocs %lu frees %lu live %lu fails %lu "
	       "injected %lu asked %lu KiB given %lu KiB waste %lu.%lu%% "
	       "corrupt %lu\n",
	       st->kmalloc_allocs, st->kmalloc_frees, st->kmalloc_live,
	       st->kmalloc_fails, st->kmalloc_injected, kib(req), kib(given),
	       waste / 10, waste % 10, st->kmalloc_corrupt);
	printk("heap totals: heaps %u bytes %lu used %lu free %lu allocs %lu "
	       "frees %lu fails %lu\n",
	       st->nr_heaps, st->heap_bytes, st->heap_used, st->heap_free,
	       st->heap_allocs, st->heap_frees, st->heap_fails);
}

void mm_report_pagestats(void)
{
	struct mm_stats st;

	mm_stats_get(&st);
	printk("zone     order free_blocks     allocs      frees     in_use "
	       "   fails injected\n");
	for (unsigned int t = 0; t < MAX_NR_ZONES; t++) {
		const struct mm_zone_stats *zs = &st.zone[t];

		for (unsigned int o = 0; o < MAX_ORDER; o++) {
			const struct mm_order_stats *os = &zs->order[o];

			printk("%-8s %5u %11lu %10lu %10lu %10lu %8lu %8lu\n",
			       zs->name, o, os->free_blocks, os->allocs,
			       os->frees, os->allocs - os->frees, os->fails,
			       os->injected);
		}
	}
	printk("page totals: allocs %lu frees %lu fails %lu injected %lu "
	       "low-watermark events %lu refused by watermark %lu\n",
	       st.page_allocs, st.page_frees, st.page_fails, st.page_injected,
	       st.wm_low_events, st.wm_refusals);
	printk("slab totals: caches %u pages %lu objects %lu/%lu allocs %lu "
	       "frees %lu fails %lu corrupt %lu\n",
	       st.nr_caches, st.slab_pages, st.slab_active_objs,
	       st.slab_num_objs, st.slab_allocs, st.slab_frees, st.slab_fails,
	       st.slab_corrupt);
	report_kmalloc_heap(&st);
	printk("bad frees: pages %lu slab %lu (%lu in kmalloc's caches) "
	       "kmalloc %lu heaps %lu others %lu; each once: %lu\n",
	       st.page_bad_frees, st.slab_bad_frees, st.slab_bad_frees_kmalloc,
	       st.kmalloc_bad_frees, st.heap_bad_frees, st.other_bad_frees,
	       st.bad_frees);
}

static void health_zone_line(const struct mm_health *h, unsigned int t)
{
	const struct mm_zone_health *zh = &h->zone[t];

	if (!zh->managed) {
		printk("%-12s empty\n", mm_subject_name((enum mm_subject)t));
		return;
	}
	printk("%-12s %-8s free %u.%u%% used %u.%u%% largest order %d "
	       "unusable(%u) %u.%03u failures %u.%02u%% (%lu/%lu) "
	       "low-watermark events %lu refused %lu\n",
	       mm_subject_name((enum mm_subject)t),
	       mm_verdict_name(zh->verdict), zh->free_pm / 10, zh->free_pm % 10,
	       zh->usage_pm / 10, zh->usage_pm % 10, zh->largest_order,
	       MM_FRAG_ORDER, zh->unusable[MM_FRAG_ORDER] / 1000,
	       zh->unusable[MM_FRAG_ORDER] % 1000, zh->fail.rate_bp / 100,
	       zh->fail.rate_bp % 100, zh->fail.failures, zh->fail.attempts,
	       zh->wm_low_events, zh->wm_refusals);
}

void mm_report_health(void)
{
	struct mm_health h;

	mm_health_get(&h);
	printk("verdict: %s\n", mm_verdict_name(h.verdict));
	for (unsigned int t = 0; t < MAX_NR_ZONES; t++)
		health_zone_line(&h, t);
	printk("%-12s %-8s bad frees %lu (%lu since boot) corruption "
	       "reports %lu (%lu since boot) validator failures %lu%s\n",
	       mm_subject_name(MM_SUBJ_ALLOCATORS),
	       mm_verdict_name(h.subject[MM_SUBJ_ALLOCATORS]), h.bad_frees,
	       h.bad_frees_total, h.corrupt, h.corrupt_total,
	       h.validate_failures,
	       h.validate_failed ? " (last one failed)" : "");
	printk("%-12s %u open; misuse %lu (%lu since boot); frees not "
	       "deferred %lu (%lu since boot)\n",
	       "transactions", h.txn_open, h.txn_misuse, h.txn_misuse_total,
	       h.txn_lost, h.txn_lost_total);
	printk("%-12s %s; %lu failure%s injected since boot (not judged)\n",
	       "faults", h.fault_armed ? "armed" : "off", h.injected,
	       h.injected == 1 ? "" : "s");
	for (unsigned int i = 0; i < h.nr_reasons; i++)
		printk("reason: %s: %s: %s\n",
		       mm_subject_name(h.reason[i].subject),
		       mm_verdict_name(h.reason[i].level), h.reason[i].text);
	if (h.reasons_cut)
		printk("reason: (more reasons than %u)\n",
		       MM_HEALTH_MAX_REASONS);
}

void mm_report_fault(void)
{
	struct mm_fault_stats fs;
	struct mm_fault_attr a;
	char line[200];
	bool armed = mm_fault_get(&a);
	int n = 0;

	mm_fault_format(armed ? &a : NULL, line, sizeof(line));
	printk("rule: %s\n", line);
	if (armed && mm_fault_last_caller())
		printk("rule: %lu matching calls so far, the last from %pS\n",
		       mm_fault_calls(), (void *)mm_fault_last_caller());
	else if (armed)
		printk("rule: 0 matching calls so far\n");
	mm_fault_stats(&fs);
	for (unsigned int k = 0; k < MM_NR_KINDS && n < (int)sizeof(line); k++)
		n += ksnprintf(line + n, sizeof(line) - (size_t)n, " %s %lu",
			       mm_kind_name((enum mm_kind)k), fs.injected[k]);
	printk("injected:%s total %lu\n", line, fs.injected_total);
	printk("calls looked at %lu, matching %lu; rules armed %lu\n", fs.seen,
	       fs.matched, fs.armed);
}

void mm_report(void)
{
	printk("==> /proc/meminfo <==\n");
	mm_report_meminfo();
	printk("==> /proc/buddyinfo <==\n");
	page_alloc_report_buddyinfo();
	printk("==> /sys/kernel/debug/extfrag/unusable_index <==\n");
	mm_report_unusable();
	printk("==> /proc/zoneinfo <==\n");
	page_alloc_report_zoneinfo();
	printk("==> pagestats <==\n");
	mm_report_pagestats();
	printk("==> /proc/slabinfo <==\n");
	slab_report();
	printk("==> kmalloc <==\n");
	kmalloc_report();
	printk("==> transactions <==\n");
	mm_txn_report();
	printk("==> heaps <==\n");
	heap_report();
	printk("==> pools <==\n");
	pool_report();
	printk("==> arenas <==\n");
	arena_report();
	printk("==> mempools <==\n");
	mempool_report();
	printk("==> dma <==\n");
	dma_report();
	printk("==> fault injection <==\n");
	mm_report_fault();
	printk("==> health <==\n");
	mm_report_health();
	printk("==> end of mm report <==\n");
}

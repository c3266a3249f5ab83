/* SPDX-License-Identifier: MIT */
/*
 * ktest's guard: the snapshot of global memory state taken before a case
 * (or a suite) and compared after it, so that a test that leaks pages,
 * breaks an invariant or leaves a mode switched is named at once.
 */
#include "kernel/ktest_internal.h"

#include <stdarg.h>

#include "lib/printk.h"
#include "mm/health.h"
#include "mm/slab.h"

/*
 * Free pages once kmalloc (its debug quarantine and trackers) and the slab
 * layer (objects cached per CPU, empty slabs) have given back what they
 * only keep for reuse: none of that is a leak.
 */
static unsigned long settled_free_pages(void)
{
	kmalloc_shrink();
	slab_reclaim();
	return nr_free_pages();
}

static unsigned long injected_now(void)
{
	struct mm_fault_stats st;

	mm_fault_stats(&st);
	return st.injected_total;
}

/* Is a printk capture running?  (Probed: starting one fails if so.) */
static bool capturing(void)
{
	static char probe[1];

	if (!printk_capture_start(probe, sizeof(probe)))
		return true;
	printk_capture_stop();
	return false;
}

void ktest_guard_begin(struct ktest_guard *g, bool mm)
{
	g->capturing = capturing();
	g->mm = mm;
	g->free_pages = mm ? settled_free_pages() : 0;
	g->injected = injected_now();
	mm_fault_save(&g->fault);
	g->kmode = kmalloc_get_mode();
	g->kdebug = kmalloc_get_debug();
}

unsigned long ktest_guard_injected(const struct ktest_guard *g)
{
	return injected_now() - g->injected;
}

static void __printf(3, 4)
	say(ktest_report_fn report, void *ctx, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ctx, msg);
}

void ktest_guard_fault(const struct ktest_guard *g)
{
	if (mm_fault_generation() != g->fault.gen)
		mm_fault_restore(&g->fault);
	if (!g->capturing && capturing())
		printk_capture_stop(); /* a case cut short while capturing */
}

/* kmalloc's mode and debug setting: put back, reported. */
static unsigned int check_kmalloc(const struct ktest_guard *g, const char *what,
				  ktest_report_fn report, void *ctx)
{
	enum kmalloc_mode mode = kmalloc_get_mode();
	unsigned int bad = 0;

	if (mode != g->kmode) {
		say(report, ctx,
		    "left kmalloc in mode %s (it was %s before the %s); %s",
		    kmalloc_mode_name(mode), kmalloc_mode_name(g->kmode), what,
		    kmalloc_set_mode(g->kmode) ? "could not put it back"
					       : "put back");
		bad++;
	}
	if (kmalloc_get_debug() != g->kdebug) {
		kmalloc_set_debug(g->kdebug);
		say(report, ctx,
		    "left kmalloc debug %s (it was %s before the %s); put back",
		    g->kdebug ? "off" : "on", g->kdebug ? "on" : "off", what);
		bad++;
	}
	return bad;
}

/* Pages and validators. */
static unsigned int check_mm(const struct ktest_guard *g, const char *what,
			     ktest_report_fn report, void *ctx)
{
	unsigned long before = g->free_pages, after = settled_free_pages();
	unsigned int bad = 0;

	if (after < before)
		say(report, ctx,
		    "%lu pages missing after the %s (%lu free before, %lu "
		    "after)",
		    before - after, what, before, after);
	else if (after > before)
		say(report, ctx,
		    "%lu pages more free after the %s than before (%lu "
		    "before, %lu after)",
		    after - before, what, before, after);
	bad += after != before;
	if (!mm_validate()) {
		say(report, ctx, "mm_validate() failed after the %s", what);
		bad++;
	}
	return bad;
}

unsigned int ktest_guard_end(struct ktest_guard *g, const char *what,
			     ktest_report_fn report, void *ctx)
{
	unsigned int bad;

	ktest_guard_fault(g);
	bad = check_kmalloc(g, what, report, ctx);
	if (g->mm)
		bad += check_mm(g, what, report, ctx);
	return bad;
}

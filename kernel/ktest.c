/* SPDX-License-Identifier: MIT */
/*
 * The ktest runner: runs the suites registered in the "ktest_suites"
 * section and prints KTAP version 1, as Linux's KUnit does.
 */

/*
 * Theory of operation
 *
 * 1. Registration.  KTEST_SUITE() (kernel/ktest.h) puts a pointer to a
 *    const struct ktest_suite into the section "ktest_suites".  Because
 *    the name is a C identifier, GNU ld defines __start_ktest_suites and
 *    __stop_ktest_suites around it on the host; the kernel's linker.ld
 *    defines them itself (and KEEPs the section).  The runner walks the
 *    pointer array between the two, in link order.
 *
 * 2. Output: KTAP version 1 (Linux Documentation/dev-tools/ktap.rst), laid
 *    out line for line as KUnit prints it, so kunit.py and TAP readers
 *    (and our scripts/ktap.py) parse it:
 *
 *	KTAP version 1                       the run
 *	1..2                                 plan: two suites
 *	    KTAP version 1                   suite 1, indented 4 spaces
 *	    # Subtest: lib_printk
 *	    1..3                             plan: three cases
 *	    ok 1 test_decimal
 *	    # tests/kernel/x.c:42: expected a == b, but ...   diagnostic
 *	    not ok 2 test_hex                (diagnostics come first)
 *	    ok 3 test_wide # SKIP no room    skipped, with the reason
 *	# lib_printk: pass:1 fail:1 skip:1 total:3
 *	not ok 1 lib_printk                  the suite's own result
 *	...
 *	# Totals: pass:P fail:F skip:S total:T     (cases)
 *	# ktest: ...                         one-line human summary
 *
 * 3. Ending a case early.  An ASSERT failure calls ktest_abort(), which
 *    longjmp()s back to the setjmp() taken just before the case started.
 *    On the host that is libc's pair; the kernel has no libc, so
 *    arch/riscv/ktest_jmp.S provides ktest_setjmp/ktest_longjmp, which
 *    save and restore only what the RISC-V psABI makes a callee preserve
 *    (ra, sp, s0-s11; the kernel has no FP state).  Another architecture
 *    needs only its own ktest_jmp.S.  The setjmp sits in a tiny function
 *    of its own (call_case) whose locals never change after it, so
 *    nothing the C standard calls "indeterminate after longjmp" is read.
 *
 * 4. What the runner checks on its own.  After every case: interrupts
 *    are enabled or disabled as before the case (if not, the case fails
 *    and the state is put back) and the hart holds no more spinlocks than
 *    before (spin_locks_held(); a lock cannot be released for the test, so
 *    it is only reported), and no allocation transaction it opened is
 *    still open (mm_txn_unwind() reports and rolls each back; an ASSERT
 *    rolls them back before its longjmp, while their frames still exist).
 *    Then the case's cleanup actions run (section 6), and the guard
 *    (kernel/ktest_guard.c) compares the global state with its snapshot
 *    from before the case: nr_free_pages() and mm_validate() (both after
 *    kmalloc_shrink() and slab_reclaim(): objects cached per CPU and empty
 *    slabs kept for reuse are not leaks), kmalloc's mode and debug setting;
 *    a difference fails the case, named.  The armed fault rule and a printk
 *    capture are put back silently.  The same guard brackets every suite,
 *    from before its init to after its exit (unless KTEST_NO_MM_CHECK,
 *    which also turns off the page and validator part per case).
 *
 * 5. Harts.  EXPECT failures may come from any hart: the case status is
 *    updated atomically and each diagnostic is one printk() line (printk
 *    never interleaves lines).  ASSERT needs somewhere to jump to: the
 *    case's own hart has the case's jump buffer, and ktest_on_all_cpus()
 *    gives every hart its own for the duration of the call.  After 16
 *    diagnostics in one case the rest are counted, not printed.
 *
 * 6. Cleanup actions (ktest_add_action(), as KUnit's kunit_add_action()).
 *    A fixed array in struct ktest, guarded by act_lock since any hart of
 *    a ktest_on_all_cpus() call may add to it; registering never
 *    allocates, so injected failures cannot break it.  After the case
 *    (and the transaction rollback) run_actions() pops and calls them,
 *    newest first, on the case's hart.  An argument inside the case's
 *    stack frames is refused: those frames are gone after an ASSERT.
 *
 * 7. Injected failures.  When a fault rule is armed as the run begins
 *    (mm.fail=), a case that failed while failures were injected is
 *    reported as skipped with that reason (judge_injected()); a guard
 *    difference (a leak) fails it all the same.
 */
#include "kernel/ktest.h"
#include "kernel/ktest_internal.h"

#include <stdarg.h>

#include "arch/arch.h"
#include "lib/printk.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/txn.h"

#ifdef HOST
#include <setjmp.h>
typedef jmp_buf kt_jmp_buf;
#define kt_setjmp(b) setjmp(b)
#define kt_longjmp(b) longjmp(b, 1)
/* Weak: a host program without any suite still links (n = 0). */
extern const struct ktest_suite *const __start_ktest_suites[]
	__attribute__((weak));
extern const struct ktest_suite *const __stop_ktest_suites[]
	__attribute__((weak));
#else
/* ra, sp, s0-s11: see arch/riscv/ktest_jmp.S. */
typedef unsigned long kt_jmp_buf[14];
int ktest_setjmp(unsigned long *buf) __attribute__((returns_twice));
__attribute__((noreturn)) void ktest_longjmp(unsigned long *buf, int val);
#define kt_setjmp(b) ktest_setjmp(b)
#define kt_longjmp(b) ktest_longjmp(b, 1)
extern const struct ktest_suite *const __start_ktest_suites[];
extern const struct ktest_suite *const __stop_ktest_suites[];
#endif

#define IND "    " /* KTAP subtest indentation */
#define MAX_DIAG 16 /* diagnostics printed per case */
#define LINE_LEN 480 /* one output line (printk cuts at 512) */

/* One ktest_run_table() call: where output goes and what was counted. */
struct run {
	char *buf; /* capture buffer, or NULL for the console */
	size_t size, len;
	spinlock_t lock; /* guards buf/len (diagnostics from many harts) */
	const char *filter;
	struct ktest_totals tot;
	char failed[128]; /* names of failed suites, for the summary */
	bool failed_cut; /* failed[] is full */
	bool fault_boot; /* a fault rule was armed when the run began */
};

struct action {
	ktest_action_fn fn;
	void *arg;
};

struct ktest {
	struct run *run;
	const struct ktest_suite *suite;
	const struct ktest_case *tc;
	int status; /* KTEST_PASS/FAIL/SKIP, atomic */
	unsigned int ndiag; /* failures + logs so far, atomic */
	unsigned int cpu; /* the hart running the case */
	kt_jmp_buf jmp; /* where an ASSERT on that hart goes */
	kt_jmp_buf *hart_jmp[NR_CPUS]; /* ktest_on_all_cpus() targets */
	unsigned int txn_depth[NR_CPUS]; /* open transactions at the start */
	char skip_reason[96];
	spinlock_t act_lock; /* guards nact, act (any hart may add) */
	unsigned int nact;
	struct action act[KTEST_MAX_ACTIONS]; /* run last to first */
};

/* The case running now (ktest_current); nested runs save and restore it. */
static struct ktest *cur_test;

/* ---- output --------------------------------------------------------------- */

static void put_line(struct run *r, const char *line)
{
	size_t n;

	if (!r->buf) {
		printk("%s\n", line);
		return;
	}
	spin_lock(&r->lock);
	n = str_copy(r->buf + r->len, line, r->size - r->len);
	r->len += n < r->size - r->len ? n : r->size - r->len - 1;
	if (r->len + 1 < r->size)
		r->buf[r->len++] = '\n', r->buf[r->len] = '\0';
	spin_unlock(&r->lock);
}

static void __printf(2, 3) out(struct run *r, const char *fmt, ...)
{
	char line[LINE_LEN];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	put_line(r, line);
}

/* Print text as "    # ..." lines, one per line of text. */
static void diag(struct run *r, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		int n = nl ? (int)(nl - text) : (int)strlen(text);

		out(r, IND "# %.*s", n, text);
		text += n + (nl != NULL);
	}
}

/* Count one diagnostic of t; false once MAX_DIAG have been printed. */
static bool diag_room(struct ktest *t)
{
	return __atomic_fetch_add(&t->ndiag, 1, __ATOMIC_RELAXED) < MAX_DIAG;
}

static void set_failed(struct ktest *t)
{
	__atomic_store_n(&t->status, KTEST_FAIL, __ATOMIC_RELAXED);
}

/* ---- the API cases call ------------------------------------------------ */

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt,
		...)
{
	char msg[LINE_LEN];
	va_list ap;
	int n;

	set_failed(t);
	if (!diag_room(t))
		return;
	if (arch_cpu_id() != t->cpu)
		n = ksnprintf(msg, sizeof(msg), "%s:%d: [hart %u] ", file, line,
			      arch_cpu_id());
	else
		n = ksnprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	kvsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	diag(t->run, msg);
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
	char msg[LINE_LEN];
	va_list ap;

	if (!diag_room(t))
		return;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag(t->run, msg);
}

/* A failure found by the runner itself: "# case: message". */
static void __printf(2, 3) runner_fail(struct ktest *t, const char *fmt, ...)
{
	char msg[LINE_LEN];
	va_list ap;

	set_failed(t);
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out(t->run, IND "# %s: %s", t->tc->name, msg);
}

void ktest_abort(struct ktest *t)
{
	unsigned int cpu = arch_cpu_id();

	if (arch_in_irq()) {
		/* Jumping out of a trap handler would corrupt the hart. */
		printk("Kernel panic: ktest: %s.%s: ASSERT or skip inside an "
		       "interrupt handler (use EXPECT there)\n",
		       t->suite->name, t->tc->name);
		arch_poweroff(1);
	}
	/* The frames of transactions opened since the start still exist. */
	if (cpu < NR_CPUS && (t->hart_jmp[cpu] || cpu == t->cpu))
		mm_txn_unwind(t->txn_depth[cpu], "ktest: case ended early");
	if (cpu < NR_CPUS && t->hart_jmp[cpu])
		kt_longjmp(*t->hart_jmp[cpu]);
	if (cpu == t->cpu)
		kt_longjmp(t->jmp);
	printk("Kernel panic: ktest: %s.%s: ASSERT failed on hart %u, which "
	       "has nowhere to return to (use ktest_on_all_cpus)\n",
	       t->suite->name, t->tc->name, cpu);
	arch_poweroff(1);
}

void ktest_skip(struct ktest *t, const char *reason)
{
	int pass = KTEST_PASS;

	str_copy(t->skip_reason, reason ? reason : "", sizeof(t->skip_reason));
	/* A case that already failed stays failed. */
	__atomic_compare_exchange_n(&t->status, &pass, KTEST_SKIP, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	ktest_abort(t);
}

/* ---- cleanup actions ------------------------------------------------------ */

/*
 * Does p point into a frame of the running case on this hart?  Those
 * frames are gone when an ASSERT jumps back to the runner, and the
 * runner's own calls then write over them.  The case's frames lie below
 * t (which is in the runner's frame) and above this function's.
 */
static bool in_case_frame(const struct ktest *t, const void *p)
{
	uintptr_t a = (uintptr_t)p;

	return arch_cpu_id() == t->cpu && a < (uintptr_t)t &&
	       a >= (uintptr_t)__builtin_frame_address(0);
}

int ktest_add_action(struct ktest *t, ktest_action_fn fn, void *arg)
{
	bool full;

	if (in_case_frame(t, arg)) {
		runner_fail(t,
			    "cleanup action %pS(%p) from %pS not registered: "
			    "its argument is on the case's stack, which an "
			    "ASSERT unwinds (use static or allocated memory)",
			    (void *)fn, arg, __builtin_return_address(0));
		return -1;
	}

	spin_lock(&t->act_lock);
	full = t->nact == KTEST_MAX_ACTIONS;
	if (!full)
		t->act[t->nact++] = (struct action){fn, arg};
	spin_unlock(&t->act_lock);
	if (full)
		runner_fail(t,
			    "cleanup action %pS(%p) from %pS not registered: "
			    "the table of %d actions is full",
			    (void *)fn, arg, __builtin_return_address(0),
			    KTEST_MAX_ACTIONS);
	return full ? -1 : 0;
}

void ktest_add_action_or_reset(struct ktest *t, ktest_action_fn fn, void *arg)
{
	if (ktest_add_action(t, fn, arg) == 0)
		return;
	fn(arg);
	ktest_abort(t);
}

/* Take the newest (fn, arg) out of the table; false if absent. */
static bool take_action(struct ktest *t, ktest_action_fn fn, void *arg)
{
	bool found = false;

	spin_lock(&t->act_lock);
	for (unsigned int i = t->nact; i-- > 0;) {
		if (t->act[i].fn != fn || t->act[i].arg != arg)
			continue;
		memmove(&t->act[i], &t->act[i + 1],
			(t->nact - i - 1) * sizeof(t->act[0]));
		t->nact--;
		found = true;
		break;
	}
	spin_unlock(&t->act_lock);
	return found;
}

static void no_such_action(struct ktest *t, ktest_action_fn fn, void *arg,
			   const char *op, void *caller)
{
	runner_fail(t, "%s of cleanup action %pS(%p) from %pS: not registered",
		    op, (void *)fn, arg, caller);
}

void ktest_release_action(struct ktest *t, ktest_action_fn fn, void *arg)
{
	if (take_action(t, fn, arg))
		fn(arg);
	else
		no_such_action(t, fn, arg, "release",
			       __builtin_return_address(0));
}

void ktest_remove_action(struct ktest *t, ktest_action_fn fn, void *arg)
{
	if (!take_action(t, fn, arg))
		no_such_action(t, fn, arg, "removal",
			       __builtin_return_address(0));
}

/* At the end of the case: every action left, newest first. */
static void run_actions(struct ktest *t)
{
	for (;;) {
		struct action a;

		spin_lock(&t->act_lock);
		if (!t->nact) {
			spin_unlock(&t->act_lock);
			return;
		}
		a = t->act[--t->nact];
		spin_unlock(&t->act_lock);
		a.fn(a.arg);
	}
}

struct on_all {
	struct ktest *t;
	void (*fn)(struct ktest *t, void *arg);
	void *arg;
};

static void hart_call(struct on_all *a, kt_jmp_buf *jb)
{
	if (!kt_setjmp(*jb))
		a->fn(a->t, a->arg);
}

static void hart_entry(void *p)
{
	struct on_all *a = p;
	unsigned int cpu = arch_cpu_id();
	kt_jmp_buf jb, *prev = a->t->hart_jmp[cpu];
	unsigned int depth = a->t->txn_depth[cpu], left;

	a->t->txn_depth[cpu] = mm_txn_depth();
	a->t->hart_jmp[cpu] = &jb;
	hart_call(a, &jb);
	a->t->hart_jmp[cpu] = prev;
	left = mm_txn_unwind(a->t->txn_depth[cpu], "ktest: end of hart work");
	a->t->txn_depth[cpu] = depth;
	if (left)
		runner_fail(a->t, "hart %u left %u transaction(s) open", cpu,
			    left);
}

void ktest_on_all_cpus(struct ktest *t, void (*fn)(struct ktest *t, void *arg),
		       void *arg)
{
	struct on_all a = {t, fn, arg};

	arch_run_on_all_cpus(hart_entry, &a);
}

bool ktest_current(const char **suite, const char **tcase)
{
	struct ktest *t = __atomic_load_n(&cur_test, __ATOMIC_RELAXED);

	if (!t)
		return false;
	*suite = t->suite->name;
	*tcase = t->tc->name;
	return true;
}

/* ---- running --------------------------------------------------------------- */

static void call_case(struct ktest *t)
{
	if (!kt_setjmp(t->jmp))
		t->tc->run(t);
}

/* Interrupts and locks must be as they were before the case. */
static void check_hart(struct ktest *t, bool irqs_on, unsigned long irq_flags,
		       unsigned long locks)
{
	unsigned long held = spin_locks_held();

	if (arch_irqs_enabled() != irqs_on) {
		runner_fail(t, "returned with interrupts %s (they were %s)",
			    irqs_on ? "disabled" : "enabled",
			    irqs_on ? "enabled" : "disabled");
		arch_irq_restore(irq_flags);
	}
	if (held != locks)
		runner_fail(t,
			    "returned holding %ld spinlock(s) more than "
			    "before",
			    (long)(held - locks));
}

/* A guard difference found after the case: "# case: message". */
static void case_report(void *ctx, const char *msg)
{
	runner_fail(ctx, "%s", msg);
}

/*
 * Under a boot fault rule, a case that failed while failures were being
 * injected is skipped with that reason: the failure is the rule's doing.
 */
static void judge_injected(struct ktest *t, unsigned long injected)
{
	if (!t->run->fault_boot || !injected || t->status != KTEST_FAIL)
		return;
	ksnprintf(t->skip_reason, sizeof(t->skip_reason),
		  "injected allocation failure (%lu injected)", injected);
	t->status = KTEST_SKIP;
}

/* Run case number nr of suite s and print its result line. */
static int run_case(struct run *r, const struct ktest_suite *s,
		    const struct ktest_case *c, unsigned int nr)
{
	struct ktest t = {.run = r, .suite = s, .tc = c};
	unsigned long irq_flags = arch_irq_save();
	struct ktest *prev = cur_test;
	bool irqs_on;
	unsigned long locks = spin_locks_held();
	unsigned int txn_left;
	struct ktest_guard g;

	arch_irq_restore(irq_flags);
	irqs_on = arch_irqs_enabled();
	spin_lock_init(&t.act_lock, "ktest_actions");
	ktest_guard_begin(&g, !(s->flags & KTEST_NO_MM_CHECK));
	t.cpu = arch_cpu_id();
	t.txn_depth[t.cpu] = mm_txn_depth();
	__atomic_store_n(&cur_test, &t, __ATOMIC_RELAXED);
	call_case(&t);
	txn_left = mm_txn_unwind(t.txn_depth[t.cpu], "ktest: end of test case");
	if (txn_left)
		runner_fail(&t, "left %u transaction(s) open", txn_left);
	ktest_guard_fault(&g);
	run_actions(&t);
	__atomic_store_n(&cur_test, prev, __ATOMIC_RELAXED);
	judge_injected(&t, ktest_guard_injected(&g));
	ktest_guard_end(&g, "case", case_report, &t);
	check_hart(&t, irqs_on, irq_flags, locks);
	if (t.ndiag > MAX_DIAG)
		out(r, IND "# %s: %u more diagnostics not shown", c->name,
		    t.ndiag - MAX_DIAG);
	if (t.status == KTEST_SKIP)
		out(r, IND "ok %u %s # SKIP %s", nr, c->name, t.skip_reason);
	else
		out(r, IND "%s %u %s", t.status == KTEST_PASS ? "ok" : "not ok",
		    nr, c->name);
	return t.status;
}

/* A guard difference found after the suite: "# suite: message". */
struct suite_ctx {
	struct run *r;
	const struct ktest_suite *s;
};

static void filter_report(void *ctx, const char *msg)
{
	out(ctx, "# ktest: %s", msg);
}

static void suite_report(void *ctx, const char *msg)
{
	struct suite_ctx *sc = ctx;

	out(sc->r, IND "# %s: %s", sc->s->name, msg);
}

static unsigned int count_cases(const struct ktest_suite *s, const char *f)
{
	unsigned int n = 0;

	for (const struct ktest_case *c = s->cases; c->run; c++)
		n += ktest_filter_case(s, c, f);
	return n;
}

/* Remember a failed suite's name for the summary ("a, b, ..."). */
static void note_failed(struct run *r, const char *name)
{
	size_t len = strlen(r->failed);

	if (r->failed_cut)
		return;
	if (len + strlen(name) + 8 < sizeof(r->failed)) {
		ksnprintf(r->failed + len, sizeof(r->failed) - len, "%s%s",
			  len ? ", " : "", name);
	} else {
		str_copy(r->failed + len, ", ...", sizeof(r->failed) - len);
		r->failed_cut = true;
	}
}

/* Print the suite's closing lines; returns its verdict. */
static int suite_result(struct run *r, const struct ktest_suite *s,
			unsigned int nr, const unsigned int cnt[3], bool mm_ok)
{
	unsigned int total = cnt[0] + cnt[1] + cnt[2];

	out(r, "# %s: pass:%u fail:%u skip:%u total:%u", s->name,
	    cnt[KTEST_PASS], cnt[KTEST_FAIL], cnt[KTEST_SKIP], total);
	if (cnt[KTEST_FAIL] || !mm_ok) {
		out(r, "not ok %u %s", nr, s->name);
		note_failed(r, s->name);
		return KTEST_FAIL;
	}
	if (total && cnt[KTEST_SKIP] == total) {
		out(r, "ok %u %s # SKIP every case skipped", nr, s->name);
		return KTEST_SKIP;
	}
	out(r, "ok %u %s", nr, s->name);
	return KTEST_PASS;
}

/* Run suite number nr: init, the selected cases, exit, the mm check. */
static int run_suite(struct run *r, const struct ktest_suite *s,
		     unsigned int nr)
{
	struct suite_ctx sc = {r, s};
	struct ktest_guard g;
	unsigned int cnt[3] = {0, 0, 0}, k, txn_depth = mm_txn_depth();
	int err;
	bool mm_ok;

	ktest_guard_begin(&g, !(s->flags & KTEST_NO_MM_CHECK));
	err = s->init ? s->init() : 0;
	if (err) {
		if (ktest_guard_end(&g, "suite", suite_report, &sc)) {
			out(r, "not ok %u %s", nr, s->name);
			note_failed(r, s->name);
			return KTEST_FAIL;
		}
		out(r, "ok %u %s # SKIP init failed (%d)", nr, s->name, err);
		return KTEST_SKIP;
	}
	k = 0;
	out(r, IND "KTAP version 1");
	out(r, IND "# Subtest: %s", s->name);
	out(r, IND "1..%u", count_cases(s, r->filter));
	for (const struct ktest_case *c = s->cases; c->run; c++)
		if (ktest_filter_case(s, c, r->filter))
			cnt[run_case(r, s, c, ++k)]++;
	if (s->exit)
		s->exit();
	k = mm_txn_unwind(txn_depth, "ktest: end of suite");
	if (k)
		out(r, IND "# %s: %u transaction(s) left open by init/exit",
		    s->name, k);
	mm_ok = !ktest_guard_end(&g, "suite", suite_report, &sc) && !k;
	r->tot.pass += cnt[KTEST_PASS];
	r->tot.fail += cnt[KTEST_FAIL];
	r->tot.skip += cnt[KTEST_SKIP];
	return suite_result(r, s, nr, cnt, mm_ok);
}

static void summary(struct run *r, uint64_t ns)
{
	const struct ktest_totals *t = &r->tot;

	out(r, "# Totals: pass:%u fail:%u skip:%u total:%u", t->pass, t->fail,
	    t->skip, t->pass + t->fail + t->skip);
	out(r,
	    "# ktest: %s: %u suites (%u failed, %u skipped), %u cases (%u "
	    "failed, %u skipped) in %lu ms%s%s",
	    t->suites_failed || t->bad_filter ? "FAILED" : "all passed",
	    t->suites, t->suites_failed, t->suites_skipped,
	    t->pass + t->fail + t->skip, t->fail, t->skip,
	    (unsigned long)(ns / 1000000), r->failed[0] ? "; failed: " : "",
	    r->failed);
}

int ktest_run_table(const struct ktest_suite *const *suites, unsigned int n,
		    const char *filter, char *buf, size_t size,
		    struct ktest_totals *tot)
{
	struct run r = {.buf = size ? buf : NULL, .size = size};
	char fcopy[KTEST_FILTER_MAX + 1];
	uint64_t t0 = arch_time_ns();
	unsigned int k = 0;

	spin_lock_init(&r.lock, "ktest_output");
	r.fault_boot = mm_fault_armed();
	if (r.buf)
		r.buf[0] = '\0';
	/* A copy: the filter may live in a buffer a test rewrites. */
	if (filter && str_copy(fcopy, filter, sizeof(fcopy)) >= sizeof(fcopy))
		out(&r, "# ktest: filter cut to %zu characters",
		    sizeof(fcopy) - 1);
	r.filter = filter ? fcopy : NULL;
	out(&r, "KTAP version 1");
	r.tot.bad_filter =
		ktest_filter_check(r.filter, suites, n, filter_report, &r);
	for (unsigned int i = 0; i < n; i++)
		r.tot.suites += ktest_filter_suite(suites[i], r.filter);
	out(&r, "1..%u", r.tot.suites);
	for (unsigned int i = 0; i < n; i++) {
		if (!ktest_filter_suite(suites[i], r.filter))
			continue;
		switch (run_suite(&r, suites[i], ++k)) {
		case KTEST_FAIL:
			r.tot.suites_failed++;
			break;
		case KTEST_SKIP:
			r.tot.suites_skipped++;
			break;
		}
	}
	summary(&r, arch_time_ns() - t0);
	if (tot)
		*tot = r.tot;
	return (int)(r.tot.suites_failed + r.tot.bad_filter);
}

static unsigned int nr_registered(void)
{
#ifdef HOST
	if (!__start_ktest_suites || !__stop_ktest_suites)
		return 0;
#endif
	return (unsigned int)(__stop_ktest_suites - __start_ktest_suites);
}

int ktest_run(const char *filter)
{
	return ktest_run_table(__start_ktest_suites, nr_registered(), filter,
			       NULL, 0, NULL);
}

void ktest_list(void)
{
	unsigned int n = nr_registered();

	printk("%u test suites (run with `tests NAME,...` or ktest=NAME,...):\n",
	       n);
	for (unsigned int i = 0; i < n; i++) {
		const struct ktest_suite *s = __start_ktest_suites[i];

		printk("  %-20s %3u cases%s%s\n", s->name, count_cases(s, NULL),
		       s->flags & KTEST_KERNEL_ONLY ? "  kernel only" : "",
		       s->flags & KTEST_NO_MM_CHECK ? "  no mm check" : "");
	}
}

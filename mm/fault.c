/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: the should_fail hook, one armed rule at a time, the
 * mm.fail= parser and the injected-failure counters.
 *
 * 1. Design.  The idea and vocabulary are Linux's fault-injection framework
 *    (Documentation/fault-injection/fault-injection.rst: interval,
 *    probability, times, min-order, ignore-gfp-*, a call-site filter) and
 *    the SQLite test harness's "fail the Nth allocation" (sqlite.org
 *    testing.html, section 3.1).  Every hooked allocation (mm/hooks.h)
 *    asks mm_fault_should_fail() first; a yes makes the allocator return
 *    NULL with MM_EFAULT_INJECTED without entering its own code, so
 *    nothing changes but our counters.
 *
 * 2. Data.  One rule (struct mm_fault_attr, copied in) plus its running
 *    state: the number of matching calls so far, the failures injected,
 *    the generator.  All of it under fault.lock, taken with interrupts off
 *    (allocations come from interrupt handlers too) and only while a rule
 *    is armed: unarmed, the hooks are not even installed (mm/hooks.c).
 *
 * 3. Lock order: fault.lock is a leaf (nothing is called under it but
 *    arch_symbolize() and the generator).  mm_hooks_refresh() is called
 *    after dropping it.
 *
 * 4. Counting.  Injected failures are counted here per kind.  The
 *    allocators keep them apart from real shortage: kmalloc counts them as
 *    injected, slab caches and heaps not at all (the hook refuses before
 *    they run); alloc_pages() reports them to the zone as MM_EFAULT_INJECTED
 *    and mm/stats.c subtracts them from the zone's failures.
 */
#include "mm/fault.h"

#include <stdarg.h>

#include "mm/mm.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/prng.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define PPM_ALWAYS 1000000u

static struct {
	spinlock_t lock;
	bool armed; /* [lock]; read without it as a hint */
	struct mm_fault_attr attr; /* [lock] the rule */
	unsigned long calls; /* [lock] matching calls since arming */
	long injected, limit; /* [lock] failures so far, and the cap */
	unsigned long first, step; /* [lock] candidate numbering */
	unsigned long last_caller; /* [lock] */
	struct prng rng; /* [lock] */
	unsigned long gen; /* [lock] see mm_fault_generation() */
	unsigned long gen_next; /* [lock] the last number handed out */
} fault = {.lock = SPINLOCK_INIT("mm_fault")};

static struct mm_fault_stats fstats; /* atomic counters */

static const struct {
	const char *name;
	gfp_t bit;
} gfp_names[] = {
	{"dma", __GFP_DMA},	      {"high", __GFP_HIGH},
	{"atomic", GFP_ATOMIC},	      {"zero", __GFP_ZERO},
	{"nowarn", __GFP_NOWARN},     {"wait", __GFP_WAIT},
	{"kernel", GFP_KERNEL},	      {"nofallback", __GFP_NOFALLBACK},
	{"memalloc", __GFP_MEMALLOC},
};

static void count(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

void mm_fault_attr_init(struct mm_fault_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->ppm = PPM_ALWAYS;
	attr->cpu = MM_FAULT_ALL_CPUS;
	attr->seed = 1;
}

/* ---- matching --------------------------------------------------------------- */

static bool name_matches(const char *pat, const char *name)
{
	size_t n = strlen(pat);

	if (!n)
		return true;
	if (!name)
		return false;
	if (pat[n - 1] == '*')
		return !strncmp(pat, name, n - 1);
	return !strcmp(pat, name);
}

/* Is the caller inside function fn?  Uses the symbol table ("fn+0x1c/..."). */
static bool site_fn_matches(const char *fn, unsigned long caller)
{
	char sym[96];
	size_t n = strlen(fn);

	if (!caller || !arch_symbolize(caller - 1, sym, sizeof(sym)))
		return false;
	return !strncmp(sym, fn, n) && (sym[n] == '+' || sym[n] == '\0');
}

static bool call_matches(const struct mm_fault_attr *a, const struct mm_call *c)
{
	if (a->kinds && !(a->kinds & (1u << c->kind)))
		return false;
	if ((c->gfp & a->gfp_set) != a->gfp_set || (c->gfp & a->gfp_clear))
		return false;
	if (c->order < a->min_order)
		return false;
	if (a->cpu != MM_FAULT_ALL_CPUS && a->cpu != arch_cpu_id())
		return false;
	if (a->site_end &&
	    (c->caller < a->site_start || c->caller >= a->site_end))
		return false;
	if (!name_matches(a->name, c->name))
		return false;
	return !a->site_fn[0] || site_fn_matches(a->site_fn, c->caller);
}

static bool is_candidate(unsigned long n)
{
	if (n < fault.first)
		return false;
	if (!fault.step)
		return n == fault.first;
	return (n - fault.first) % fault.step == 0;
}

/* Decide for one matching call, under fault.lock.  True: inject. */
static bool decide(void)
{
	unsigned long n = ++fault.calls;

	if (!is_candidate(n))
		return false;
	if (fault.attr.ppm < PPM_ALWAYS &&
	    prng_below(&fault.rng, PPM_ALWAYS) >= fault.attr.ppm)
		return false;
	fault.injected++;
	if (fault.limit >= 0 && fault.injected >= fault.limit)
		fault.armed = false; /* used up */
	return true;
}

static void report_injection(const struct mm_call *c, unsigned long n)
{
	printk("mm.fail: injected failure into %s%s%s (%zu bytes, order %u, "
	       "gfp 0x%x) from %pS, matching call %lu\n",
	       mm_kind_name(c->kind), c->name ? " " : "",
	       c->name ? c->name : "", c->size, c->order, c->gfp,
	       (void *)c->caller, n);
}

bool mm_fault_should_fail(const struct mm_call *call)
{
	unsigned long flags, n = 0;
	bool fail = false, used_up = false, verbose = false;

	if (!__atomic_load_n(&fault.armed, __ATOMIC_ACQUIRE))
		return false;
	count(&fstats.seen);
	flags = spin_lock_irqsave(&fault.lock);
	if (fault.armed && call_matches(&fault.attr, call)) {
		count(&fstats.matched);
		fault.last_caller = call->caller;
		fail = decide();
		n = fault.calls;
		used_up = !fault.armed;
		verbose = fault.attr.verbose;
	}
	spin_unlock_irqrestore(&fault.lock, flags);
	if (!fail)
		return false;
	count(&fstats.injected[call->kind]);
	count(&fstats.injected_total);
	if (verbose)
		report_injection(call, n);
	if (used_up)
		mm_hooks_refresh();
	return true;
}

/* ---- arming ----------------------------------------------------------------- */

static bool attr_ok(const struct mm_fault_attr *a)
{
	const char *why = NULL;

	if (a->kinds >> MM_NR_KINDS)
		why = "unknown allocator kind bits";
	else if (a->ppm > PPM_ALWAYS)
		why = "probability above 100%";
	else if (a->site_end && a->site_end <= a->site_start)
		why = "empty call-site range";
	else if (a->cpu != MM_FAULT_ALL_CPUS && a->cpu >= NR_CPUS)
		why = "no such hart";
	if (why)
		printk("mm.fail: rule refused: %s\n", why);
	return !why;
}

int mm_fault_set(const struct mm_fault_attr *attr)
{
	unsigned long flags;

	if (!attr || !attr_ok(attr)) {
		mm_set_error(MM_EINVAL);
		return -MM_EINVAL;
	}
	flags = spin_lock_irqsave(&fault.lock);
	fault.attr = *attr;
	fault.attr.name[MM_FAULT_NAME_LEN - 1] = '\0';
	fault.attr.site_fn[MM_FAULT_NAME_LEN - 1] = '\0';
	fault.calls = 0;
	fault.injected = 0;
	fault.last_caller = 0;
	fault.first = attr->nth ? attr->nth : attr->every ? attr->every : 1;
	fault.step = attr->every ? attr->every : attr->nth ? 0 : 1;
	fault.limit = attr->times ? attr->times : fault.step ? -1 : 1;
	prng_seed(&fault.rng, attr->seed);
	fault.gen = ++fault.gen_next;
	__atomic_store_n(&fault.armed, fault.limit != 0, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&fault.lock, flags);
	count(&fstats.armed);
	mm_hooks_refresh();
	return 0;
}

unsigned long mm_fault_clear(void)
{
	unsigned long flags = spin_lock_irqsave(&fault.lock);
	long n = fault.injected;

	if (fault.armed)
		fault.gen = ++fault.gen_next;
	__atomic_store_n(&fault.armed, false, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&fault.lock, flags);
	mm_hooks_refresh();
	return (unsigned long)n;
}

void mm_fault_save(struct mm_fault_saved *s)
{
	unsigned long flags = spin_lock_irqsave(&fault.lock);

	s->armed = fault.armed;
	s->attr = fault.attr;
	s->calls = fault.calls;
	s->first = fault.first;
	s->step = fault.step;
	s->last_caller = fault.last_caller;
	s->injected = fault.injected;
	s->limit = fault.limit;
	s->rng = fault.rng.state;
	s->gen = fault.gen;
	spin_unlock_irqrestore(&fault.lock, flags);
}

void mm_fault_restore(const struct mm_fault_saved *s)
{
	unsigned long flags = spin_lock_irqsave(&fault.lock);

	fault.attr = s->attr;
	fault.calls = s->calls;
	fault.first = s->first;
	fault.step = s->step;
	fault.last_caller = s->last_caller;
	fault.injected = s->injected;
	fault.limit = s->limit;
	fault.rng.state = s->rng;
	fault.gen = s->gen;
	__atomic_store_n(&fault.armed, s->armed, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&fault.lock, flags);
	mm_hooks_refresh();
}

unsigned long mm_fault_generation(void)
{
	return __atomic_load_n(&fault.gen, __ATOMIC_RELAXED);
}

bool mm_fault_get(struct mm_fault_attr *attr)
{
	unsigned long flags = spin_lock_irqsave(&fault.lock);
	bool armed = fault.armed;

	if (armed)
		*attr = fault.attr;
	spin_unlock_irqrestore(&fault.lock, flags);
	return armed;
}

bool mm_fault_armed(void)
{
	return __atomic_load_n(&fault.armed, __ATOMIC_ACQUIRE);
}

unsigned long mm_fault_calls(void)
{
	return __atomic_load_n(&fault.calls, __ATOMIC_RELAXED);
}

unsigned long mm_fault_last_caller(void)
{
	return __atomic_load_n(&fault.last_caller, __ATOMIC_RELAXED);
}

void mm_fault_stats(struct mm_fault_stats *st)
{
	unsigned long *dst = (unsigned long *)st;
	const unsigned long *src = (const unsigned long *)&fstats;

	for (size_t i = 0; i < sizeof(*st) / sizeof(unsigned long); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* ---- mm.fail= --------------------------------------------------------------- */

/* A decimal or 0x hex number filling exactly [s, s+n). */
static bool parse_num(const char *s, size_t n, unsigned long *v)
{
	unsigned long base = 10, x = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2, n -= 2;
	if (!n)
		return false;
	for (; n; s++, n--) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned int)((*s | 0x20) - 'a' + 10);
		else
			return false;
		if (x > (~0UL - d) / base)
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

/* "12.5" or "12.5%" percent -> parts per million (up to 4 decimals). */
static bool parse_percent(const char *s, size_t n, uint32_t *ppm)
{
	unsigned long whole = 0, frac = 0, scale = 10000;
	size_t i = 0;

	if (n && s[n - 1] == '%')
		n--;
	while (i < n && s[i] != '.')
		i++;
	if (!parse_num(s, i, &whole) || whole > 100)
		return false;
	if (i < n) {
		size_t d = n - i - 1;

		if (d == 0 || d > 4 || !parse_num(s + i + 1, d, &frac))
			return false;
		while (d++ < 4)
			frac *= 10;
	}
	if (whole * scale + frac > 100 * scale)
		return false;
	*ppm = (uint32_t)(whole * scale + frac);
	return true;
}

/* Look up one word in a '+'-separated list; fn sets bits. */
static bool parse_kinds(const char *s, size_t n, unsigned int *kinds)
{
	while (n) {
		size_t w = 0;
		unsigned int k;

		while (w < n && s[w] != '+')
			w++;
		for (k = 0; k < MM_NR_KINDS; k++)
			if (strlen(mm_kind_name(k)) == w &&
			    !strncmp(mm_kind_name(k), s, w))
				break;
		if (k == MM_NR_KINDS)
			return false;
		*kinds |= 1u << k;
		s += w + (w < n);
		n -= w + (w < n);
	}
	return true;
}

static bool parse_gfp(const char *s, size_t n, gfp_t *bits)
{
	while (n) {
		size_t w = 0, k, nr = sizeof(gfp_names) / sizeof(gfp_names[0]);

		while (w < n && s[w] != '+')
			w++;
		for (k = 0; k < nr; k++)
			if (strlen(gfp_names[k].name) == w &&
			    !strncmp(gfp_names[k].name, s, w))
				break;
		if (k == nr)
			return false;
		*bits |= gfp_names[k].bit;
		s += w + (w < n);
		n -= w + (w < n);
	}
	return true;
}

static bool copy_word(char *dst, const char *s, size_t n)
{
	if (!n || n >= MM_FAULT_NAME_LEN)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* site:0xADDR, site:0xA-0xB, or site:FUNCTION. */
static bool parse_site(const char *s, size_t n, struct mm_fault_attr *a)
{
	size_t dash = 0;
	unsigned long lo, hi;

	if (!n || (s[0] < '0' || s[0] > '9'))
		return copy_word(a->site_fn, s, n);
	while (dash < n && s[dash] != '-')
		dash++;
	if (!parse_num(s, dash, &lo))
		return false;
	hi = lo + 1;
	if (dash < n && !parse_num(s + dash + 1, n - dash - 1, &hi))
		return false;
	a->site_start = lo;
	a->site_end = hi;
	return hi > lo;
}

static bool parse_times(const char *s, size_t n, long *times)
{
	unsigned long v;

	if ((n == 9 && !strncmp(s, "unlimited", 9)) ||
	    (n == 2 && !strncmp(s, "-1", 2))) {
		*times = -1;
		return true;
	}
	if (!parse_num(s, n, &v) || !v || v > (unsigned long)__LONG_MAX__)
		return false;
	*times = (long)v;
	return true;
}

static bool parse_u32(const char *s, size_t n, unsigned int *out)
{
	unsigned long v;

	if (!parse_num(s, n, &v) || v > 0xffffffffUL)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* One "key:value" item (v, vn: the value; vn 0 for a bare key). */
static bool parse_item(const char *k, size_t kn, const char *v, size_t vn,
		       struct mm_fault_attr *a)
{
#define KEY(s) (kn == sizeof(s) - 1 && !strncmp(k, s, kn))
	unsigned long num;

	if (KEY("verbose")) {
		if (vn && (!parse_num(v, vn, &num) || num > 1))
			return false;
		a->verbose = !vn || num;
		return true;
	}
	if (KEY("kind"))
		return parse_kinds(v, vn, &a->kinds);
	if (KEY("name"))
		return copy_word(a->name, v, vn);
	if (KEY("nth"))
		return parse_num(v, vn, &a->nth) && a->nth;
	if (KEY("every"))
		return parse_num(v, vn, &a->every) && a->every;
	if (KEY("times"))
		return parse_times(v, vn, &a->times);
	if (KEY("probability"))
		return parse_percent(v, vn, &a->ppm);
	if (KEY("seed")) {
		if (!parse_num(v, vn, &num))
			return false;
		a->seed = num;
		return true;
	}
	if (KEY("gfp"))
		return parse_gfp(v, vn, &a->gfp_set);
	if (KEY("ignore-gfp"))
		return parse_gfp(v, vn, &a->gfp_clear);
	if (KEY("order"))
		return parse_u32(v, vn, &a->min_order);
	if (KEY("cpu"))
		return parse_u32(v, vn, &a->cpu) && a->cpu < NR_CPUS;
	if (KEY("site"))
		return parse_site(v, vn, a);
	return false;
#undef KEY
}

int mm_fault_parse(const char *spec, struct mm_fault_attr *attr, char *err,
		   unsigned long err_len)
{
	const char *p = spec ? spec : "";

	mm_fault_attr_init(attr);
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p), kn = 0;

		while (kn < n && p[kn] != ':')
			kn++;
		if (!parse_item(p, kn, p + kn + (kn < n),
				kn < n ? n - kn - 1 : 0, attr)) {
			if (err && err_len)
				ksnprintf(err, err_len, "bad item '%.*s'",
					  (int)n, p);
			return -MM_EINVAL;
		}
		p += n + (end != NULL);
	}
	return 0;
}

/* ---- printing a rule -------------------------------------------------------- */

struct out {
	char *buf;
	unsigned long len, pos;
};

static void __printf(2, 3) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->pos >= o->len)
		return;
	va_start(ap, fmt);
	n = kvsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (unsigned long)n;
}

static void put_bits(struct out *o, const char *key, unsigned int bits,
		     bool gfp)
{
	const char *sep = "";
	size_t nr =
		gfp ? sizeof(gfp_names) / sizeof(gfp_names[0]) : MM_NR_KINDS;

	if (!bits)
		return;
	put(o, "%s%s:", o->pos ? "," : "", key);
	for (size_t k = 0; k < nr; k++) {
		unsigned int bit = gfp ? gfp_names[k].bit : 1u << k;
		const char *name =
			gfp ? gfp_names[k].name : mm_kind_name((enum mm_kind)k);

		/* gfp: the first name of each single bit only */
		if (gfp && (bit & (bit - 1)))
			continue;
		if (bits & bit) {
			put(o, "%s%s", sep, name);
			sep = "+";
			bits &= ~bit;
		}
	}
}

int mm_fault_format(const struct mm_fault_attr *a, char *buf, unsigned long len)
{
	struct out o = {buf, len, 0};

	if (len)
		buf[0] = '\0';
	if (!a)
		return (int)str_copy(buf, "off", len);
	put_bits(&o, "kind", a->kinds, false);
	if (a->name[0])
		put(&o, "%sname:%s", o.pos ? "," : "", a->name);
	if (a->nth)
		put(&o, "%snth:%lu", o.pos ? "," : "", a->nth);
	if (a->every)
		put(&o, "%severy:%lu", o.pos ? "," : "", a->every);
	if (a->ppm != PPM_ALWAYS)
		put(&o, "%sprobability:%u.%04u,seed:%llu", o.pos ? "," : "",
		    a->ppm / 10000, a->ppm % 10000,
		    (unsigned long long)a->seed);
	if (a->times)
		put(&o, "%stimes:%ld", o.pos ? "," : "", a->times);
	put_bits(&o, "gfp", a->gfp_set, true);
	put_bits(&o, "ignore-gfp", a->gfp_clear, true);
	if (a->min_order)
		put(&o, "%sorder:%u", o.pos ? "," : "", a->min_order);
	if (a->cpu != MM_FAULT_ALL_CPUS)
		put(&o, "%scpu:%u", o.pos ? "," : "", a->cpu);
	if (a->site_end)
		put(&o, "%ssite:0x%lx-0x%lx", o.pos ? "," : "", a->site_start,
		    a->site_end);
	if (a->site_fn[0])
		put(&o, "%ssite:%s", o.pos ? "," : "", a->site_fn);
	if (a->verbose)
		put(&o, "%sverbose", o.pos ? "," : "");
	return (int)o.pos;
}

/* mm.fail's check: mm_fault_parse() accepts it ("off" is accepted too). */
static bool fail_spec_ok(const char *spec, char *why, size_t len)
{
	struct mm_fault_attr a;

	return !strcmp(spec, "off") || !mm_fault_parse(spec, &a, why, len);
}

BOOTPARAM_STRING(mm_fail, "mm.fail", "off",
		 "off, or a rule such as kind:pages,times:2 (docs/fault.md)",
		 fail_spec_ok, "fault injection rule armed at boot");

void mm_fault_boot(void)
{
	const char *spec = bootparam_string("mm.fail");
	struct mm_fault_attr a;
	char msg[96], text[160];

	if (!spec || !strcmp(spec, "off"))
		return;
	if (mm_fault_parse(spec, &a, msg, sizeof(msg))) /* checked already */
		return;
	if (mm_fault_set(&a))
		return;
	mm_fault_format(&a, text, sizeof(text));
	printk("mm.fail: armed %s\n", text);
}

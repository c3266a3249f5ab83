/* SPDX-License-Identifier: MIT */
/*
 * kmalloc debug mode: every block allocated while it is on is recorded in
 * a hash table (address -> size asked for, allocation site, backend), its
 * slack is a red zone checked on free and by the validator, and
 * kmalloc_leak_report() groups the live records by call site.
 *
 * Why a table of our own rather than only the slab's SLAB_STORE_USER: the
 * slab knows an object's site but not the size kmalloc was asked for, so
 * it cannot see a 1-byte overflow of kmalloc(13) inside a 16-byte object;
 * large and heap blocks have no slab at all; and one table gives one leak
 * report for every backend.  The debug caches still use SLAB_DEBUG, which
 * guards the bytes before the object and the object's stride, poisons
 * free objects and checks the poison on the next allocation (write after
 * free).
 *
 *   block of a debug class cache        heap block (debug)
 *   +------------+--------+             +-----+------------+-------+
 *   | size bytes | 0xcc.. |             |0xcc | size bytes |0xcc.. |
 *   +------------+--------+             +-----+------------+-------+
 *   ^t_addr      ^+t_size ^+t_room      ^t_base ^t_addr
 *
 * Lock: km_track_lock (irqsave) guards the hash chains and km_nr_tracked;
 * a leaf, never held while printing or calling an allocator.  Nodes come
 * from the "kmalloc-track" cache (SLAB_NO_HOOKS), allocated before the
 * lock is taken.
 */
#include "mm/caller_tally.h"
#include "mm/kmalloc_internal.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "lib/printk.h"
#include "lib/string.h"

#define TRACK_HASH_BITS 10
#define TRACK_HASH_SIZE (1u << TRACK_HASH_BITS)

static struct km_track *track_hash[TRACK_HASH_SIZE];
static unsigned long km_nr_tracked;
static spinlock_t km_track_lock = SPINLOCK_INIT("kmalloc_track");
static struct kmem_cache *track_cache;

static unsigned int hash_of(const void *addr)
{
	uint64_t x = (uint64_t)(uintptr_t)addr >> 3;

	return (unsigned int)((x * 0x9e3779b97f4a7c15ULL) >>
			      (64 - TRACK_HASH_BITS));
}

bool km_track_init(void)
{
	track_cache =
		kmem_cache_create("kmalloc-track", sizeof(struct km_track), 0,
				  SLAB_NO_HOOKS, NULL);
	return track_cache != NULL;
}

unsigned long km_track_shrink(void)
{
	return track_cache ? kmem_cache_shrink(track_cache) : 0;
}

unsigned long km_track_count(void)
{
	return READ_ONCE(km_nr_tracked);
}

bool km_track_add(const struct km_track *proto, gfp_t gfp)
{
	gfp_t ngfp = (gfp & (__GFP_HIGH | __GFP_WAIT | __GFP_MEMALLOC)) |
		     __GFP_NOWARN;
	struct km_track *t =
		__kmem_cache_alloc(track_cache, ngfp, proto->t_caller);
	unsigned int h = hash_of(proto->t_addr);
	unsigned long flags;

	if (!t)
		return false;
	*t = *proto;
	flags = spin_lock_irqsave(&km_track_lock);
	t->t_next = track_hash[h];
	track_hash[h] = t;
	km_nr_tracked++;
	spin_unlock_irqrestore(&km_track_lock, flags);
	return true;
}

/* Lock held: the link that points at addr's record, or NULL. */
static struct km_track **link_of(const void *addr)
{
	struct km_track **l = &track_hash[hash_of(addr)];

	while (*l && (*l)->t_addr != addr)
		l = &(*l)->t_next;
	return *l ? l : NULL;
}

bool km_track_find(const void *addr, struct km_track *out)
{
	unsigned long flags = spin_lock_irqsave(&km_track_lock);
	struct km_track **l = link_of(addr);

	if (l)
		*out = **l;
	spin_unlock_irqrestore(&km_track_lock, flags);
	return l != NULL;
}

void km_track_resize(const void *addr, size_t size)
{
	unsigned long flags = spin_lock_irqsave(&km_track_lock);
	struct km_track **l = link_of(addr);

	if (l)
		(*l)->t_size = size;
	spin_unlock_irqrestore(&km_track_lock, flags);
}

bool km_track_take(const void *addr, struct km_track *out)
{
	unsigned long flags = spin_lock_irqsave(&km_track_lock);
	struct km_track **l = link_of(addr), *t = NULL;

	if (l) {
		t = *l;
		*l = t->t_next;
		km_nr_tracked--;
	}
	spin_unlock_irqrestore(&km_track_lock, flags);
	if (!t)
		return false;
	*out = *t;
	__kmem_cache_free(track_cache, t, _RET_IP_);
	return true;
}

/* ---- red zones ------------------------------------------------------------------ */

static size_t trail_len(const struct km_track *t)
{
	size_t slack = t->t_room - t->t_size;

	return slack < KM_RZ_CHECK ? slack : KM_RZ_CHECK;
}

void km_redzone_fill(const struct km_track *t)
{
	char *a = (char *)t->t_addr;

	if ((char *)t->t_base < a)
		memset(t->t_base, KM_REDZONE, (size_t)(a - (char *)t->t_base));
	memset(a + t->t_size, KM_REDZONE, trail_len(t));
}

/* Offset (from t_addr) of the first overwritten red-zone byte, or 0. */
static long bad_redzone_byte(const struct km_track *t)
{
	const unsigned char *a = t->t_addr, *b = t->t_base;
	size_t n = trail_len(t);

	for (const unsigned char *q = b; q < a; q++)
		if (*q != KM_REDZONE)
			return -(long)(a - q);
	for (size_t i = 0; i < n; i++)
		if (a[t->t_size + i] != KM_REDZONE)
			return (long)(t->t_size + i);
	return 0;
}

bool km_redzone_check(const struct km_track *t, unsigned long freer)
{
	long off = bad_redzone_byte(t);
	char row[24];

	if (!off)
		return true;
	km_add(&km_slow.redzone_errors, 1);
	printk("kmalloc: red zone overwritten %s the %zu-byte block %p (%s): "
	       "byte %s%ld is 0x%02x; allocated by %pS, %s %pS\n",
	       off < 0 ? "before" : "after", t->t_size, t->t_addr,
	       km_row_name(t->t_row, row, sizeof(row)), off < 0 ? "" : "+", off,
	       ((const unsigned char *)t->t_addr)[off], (void *)t->t_caller,
	       freer ? "freed by" : "found by",
	       freer ? (void *)freer : (void *)kmalloc_validate);
	km_redzone_fill(t); /* report each overwrite once */
	return false;
}

bool km_debug_attach(const struct km_req *r, void *p, void *base, size_t room,
		     enum km_kind kind)
{
	struct km_track t = {
		.t_addr = p,
		.t_base = base,
		.t_caller = r->caller,
		.t_size = r->size,
		.t_room = room,
		.t_kind = (unsigned char)kind,
		.t_row = (unsigned char)r->row,
	};

	if (!(r->gfp & __GFP_ZERO))
		memset(p, KM_FRESH, r->size);
	km_redzone_fill(&t);
	return km_track_add(&t, r->gfp);
}

/* ---- walking the records -------------------------------------------------------- */

#define WALK_BATCH 16

/* May t be read as a record?  Records are kmalloc-track objects: RAM. */
static bool record_ok(const struct km_track *t)
{
	return ram_ptr_ok(t, sizeof(void *));
}

/* Lock held: the next record of a chain, or NULL at its end and at a link
 * that is no record (then *broken is set). */
static struct km_track *next_record(struct km_track *t, bool *broken)
{
	struct km_track *next = t->t_next;

	if (next && !record_ok(next)) {
		*broken = true;
		return NULL;
	}
	return next;
}

/*
 * Call fn on a copy of every record, a few at a time so that fn runs
 * without the lock (it may print).  Records added or removed meanwhile may
 * be missed or seen once more: the walk is exact only when no other hart
 * allocates, which is when the validator and the leak report run.  A
 * chain is followed only through records and no further than the count
 * of records (a cycle); returns false when a chain was cut short so.
 */
static bool track_walk(void (*fn)(const struct km_track *t, void *arg),
		       void *arg)
{
	struct km_track batch[WALK_BATCH];
	bool broken = false;

	for (unsigned int h = 0; h < TRACK_HASH_SIZE; h++) {
		for (unsigned long skip = 0;; skip += WALK_BATCH) {
			unsigned long flags = spin_lock_irqsave(&km_track_lock);
			struct km_track *t = track_hash[h];
			unsigned int n = 0;

			if (t && !record_ok(t))
				t = NULL, broken = true;
			if (skip > km_nr_tracked)
				t = NULL, broken = true; /* a cycle */
			for (unsigned long i = 0; t && i < skip; i++)
				t = next_record(t, &broken);
			for (; t && n < WALK_BATCH; t = next_record(t, &broken))
				batch[n++] = *t;
			spin_unlock_irqrestore(&km_track_lock, flags);
			for (unsigned int i = 0; i < n; i++)
				fn(&batch[i], arg);
			if (n < WALK_BATCH)
				break;
		}
	}
	return !broken;
}

struct check_state {
	unsigned long seen;
	bool ok;
};

/* Is the tracked block still live in its backend? */
static const char *dead_reason(const struct km_track *t)
{
	struct kmem_cache *c;
	struct page *pg;
	struct sheap *h;

	switch (t->t_kind) {
	case KM_SLAB:
		c = kmem_cache_of(t->t_addr);
		return c && kmem_cache_obj_live(c, t->t_addr)
			       ? NULL
			       : "not a live slab object";
	case KM_LARGE:
		pg = virt_to_page(t->t_base);
		return pg && (page_load_state(pg).flags & PG_large)
			       ? NULL
			       : "its head page lacks PG_large";
	case KM_HEAP:
		h = km_heap_of(t->t_base);
		return h && sheap_usable_size(h, t->t_base)
			       ? NULL
			       : "not a live simple-heap block";
	}
	return "unknown kind";
}

static void check_one(const struct km_track *t, void *arg)
{
	struct check_state *st = arg;
	const char *why = dead_reason(t);

	st->seen++;
	if (why) {
		printk("kmalloc: validate: tracked block %p (%zu bytes, "
		       "allocated by %pS): %s\n",
		       t->t_addr, t->t_size, (void *)t->t_caller, why);
		st->ok = false;
	} else if (!km_redzone_check(t, 0)) {
		st->ok = false;
	}
}

bool km_track_validate(void)
{
	struct check_state st = {0, true};
	unsigned long n = km_track_count();

	if (!track_walk(check_one, &st)) {
		printk("kmalloc: validate: the table of tracked blocks is "
		       "corrupt (a chain leaves the records or loops)\n");
		st.ok = false;
	}
	if (st.seen != n) {
		printk("kmalloc: validate: %lu tracked blocks counted, %lu "
		       "found in the table\n",
		       n, st.seen);
		st.ok = false;
	}
	return st.ok;
}

/* ---- the leak report ------------------------------------------------------------- */

#define LEAK_SITES 32

static void add_leak(const struct km_track *t, void *arg)
{
	caller_tally_add(arg, t->t_caller, t->t_size);
}

static unsigned long untracked_live(void)
{
	struct kmalloc_stats st;
	unsigned long live = 0;

	kmalloc_stats_get(&st);
	for (unsigned int r = 0; r < KMALLOC_NR_ROWS; r++)
		live += st.row[r].live;
	return live > st.tracked ? live - st.tracked : 0;
}

unsigned long kmalloc_leak_report(void)
{
	static struct caller_sum site[LEAK_SITES]; /* under report_lock */
	static spinlock_t report_lock = SPINLOCK_INIT("kmalloc_leaks");
	unsigned long flags = spin_lock_irqsave(&report_lock), total;
	struct caller_tally ls;

	caller_tally_init(&ls, site, LEAK_SITES);
	track_walk(add_leak, &ls);
	caller_tally_sort(&ls, LEAK_SITES);
	printk("kmalloc: leak report: %lu live tracked blocks, %lu bytes, "
	       "%u call sites\n",
	       ls.count, ls.amount, ls.nr + (ls.other_count ? 1 : 0));
	printk("kmalloc:    blocks      bytes  site\n");
	for (unsigned int i = 0; i < ls.nr; i++)
		printk("kmalloc: %9lu %10lu  %pS\n", site[i].count,
		       site[i].amount, (void *)site[i].caller);
	if (ls.other_count)
		printk("kmalloc: %9lu %10lu  (other sites)\n", ls.other_count,
		       ls.other_amount);
	printk("kmalloc: %lu live blocks allocated with debug off (not "
	       "tracked)\n",
	       untracked_live());
	total = ls.count;
	spin_unlock_irqrestore(&report_lock, flags);
	return total;
}

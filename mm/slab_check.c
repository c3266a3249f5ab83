/* SPDX-License-Identifier: MIT */
/*
 * The slab layer's checking side: refused frees (classified, reported,
 * counted), freelist walks, the validator (the invariants of mm/slab.c's
 * section 3), walks over live objects, and the slabinfo report.
 */
#include "mm/slab_internal.h"
#include "mm/mm.h"
#include "lib/printk.h"
#include "lib/string.h"

unsigned long slab_bad_frees[SLAB_NR_BAD_FREE];

static const char *const bad_free_names[SLAB_NR_BAD_FREE] = {
	[SLAB_BAD_NOT_SLAB] = "not a slab object",
	[SLAB_BAD_WRONG_CACHE] = "object of another cache",
	[SLAB_BAD_INTERIOR] = "not the start of an object",
	[SLAB_BAD_DOUBLE] = "double free",
};

const char *slab_bad_free_name(enum slab_bad_free kind)
{
	return (unsigned int)kind < SLAB_NR_BAD_FREE ? bad_free_names[kind]
						     : "?";
}

#define BM_WORDS (SLAB_MAX_OBJS / 64)

static bool bm_test_set(uint64_t *bm, unsigned int i)
{
	bool was = bm[i / 64] >> (i % 64) & 1;

	bm[i / 64] |= 1ULL << (i % 64);
	return was;
}

static bool bm_test(const uint64_t *bm, unsigned int i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

/* ---- freelists ---------------------------------------------------------------- */

void slab_report_corrupt(struct kmem_cache *c, struct page *pg, void *obj,
			 uintptr_t decoded, const char *where)
{
	printk("slab: %s: corrupt freelist in cache %s, slab %p (pfn 0x%lx): "
	       "free object %p holds a next pointer that decodes to 0x%lx, "
	       "not an object of this slab; not followed\n",
	       where, c->kc_name, (void *)slab_base(pg), page_to_pfn(pg), obj,
	       (unsigned long)decoded);
}

int slab_freelist_mark(struct kmem_cache *c, struct page *pg, uint64_t *bm,
		       bool report)
{
	uintptr_t base = slab_base(pg);
	unsigned int idx = pg->slab.freelist;
	int n = 0;

	if (idx == FREELIST_NONE || idx == FREELIST_LAZY)
		return slab_lazy_mark(c, base, bm, 0);
	if (idx >= c->kc_objs) {
		if (report)
			printk("slab_validate: cache %s slab %p: freelist head "
			       "%u out of range\n",
			       c->kc_name, (void *)base, idx);
		return -1;
	}
	for (;;) {
		void *obj = slab_obj(c, base, idx);
		uintptr_t next;
		int nidx;

		if (bm_test_set(bm, idx)) {
			if (report)
				printk("slab_validate: cache %s slab %p: "
				       "freelist loops at %p\n",
				       c->kc_name, (void *)base, obj);
			return -1;
		}
		n++;
		next = fw_decode(c, obj);
		if (next == base + FW_END)
			return slab_lazy_mark(c, base, bm, n);
		nidx = slab_index(c, base, next);
		if (nidx < 0) {
			if (report)
				slab_report_corrupt(c, pg, obj, next,
						    "slab_validate");
			return -1;
		}
		idx = (unsigned int)nidx;
	}
}

/* Where a free object was found (slab_confirm_free). */
enum found {
	FOUND_NOWHERE = -1, /* live after all */
	FOUND_FREELIST = -2,
	FOUND_QUARANTINE = -3,
	FOUND_RELEASED = -4,
	/* >= 0: in that hart's magazine */
};

/* Is obj (whose free word says "free") really free?  Locks the cache. */
static int confirm_free(struct kmem_cache *c, void *obj)
{
	uintptr_t base = (uintptr_t)obj & ~(c->kc_slab_bytes - 1);
	struct page *pg = virt_to_page((void *)base);
	unsigned long flags = slab_lock_all(c);
	uint64_t bm[BM_WORDS] = {0};
	int found = FOUND_NOWHERE;

	if (!(page_load_state(pg).flags & PG_slab) || pg->slab_cache != c) {
		found = FOUND_RELEASED;
	} else if (slab_state(pg) == SL_QUARANTINE) {
		if (fw_decode(c, obj) == base + FW_QFREE)
			found = FOUND_QUARANTINE;
	} else if (slab_freelist_mark(c, pg, bm, false) >= 0 &&
		   bm_test(bm,
			   (unsigned int)slab_index(c, base, (uintptr_t)obj))) {
		found = FOUND_FREELIST;
	}
	for (unsigned int cpu = 0; cpu < NR_CPUS && found == FOUND_NOWHERE;
	     cpu++) {
		const struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];

		for (unsigned int i = 0; i < mag_count(cc); i++)
			if (cc->cc_objs[i] == obj)
				found = (int)cpu;
	}
	slab_unlock_all(c, flags);
	return found;
}

/* ---- refused frees ------------------------------------------------------------ */

static void bad_free(struct kmem_cache *c, const void *obj,
		     enum slab_bad_free kind, const char *detail,
		     unsigned long caller)
{
	__atomic_fetch_add(&c->kc_nr_bad_free[kind], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&slab_bad_frees[kind], 1, __ATOMIC_RELAXED);
	mm_set_error(MM_EBADFREE);
	printk("slab: kmem_cache_free(%s, %p) from %pS: %s%s%s; ignored\n",
	       c->kc_name, obj, (void *)caller, bad_free_names[kind],
	       detail[0] ? ": " : "", detail);
}

/* A pointer into c's slab at base that is not an object start. */
static void describe_interior(struct kmem_cache *c, uintptr_t base,
			      uintptr_t addr, char *buf, size_t len)
{
	uintptr_t off = addr - base;
	unsigned long slot = off / c->kc_stride;
	uintptr_t obj = (uintptr_t)slab_obj(c, base, (unsigned int)slot);

	if (slot >= c->kc_objs)
		ksnprintf(buf, len, "in the unused tail of slab %p",
			  (void *)base);
	else if (addr > obj)
		ksnprintf(buf, len, "%lu bytes into object %p",
			  (unsigned long)(addr - obj), (void *)obj);
	else
		ksnprintf(buf, len, "%lu bytes before object %p (red zone)",
			  (unsigned long)(obj - addr), (void *)obj);
}

static void describe_double(struct kmem_cache *c, const void *obj, int found,
			    char *buf, size_t len)
{
	int n;

	if (found >= 0)
		n = ksnprintf(buf, len, "already free, in hart %d's cache",
			      found);
	else
		n = ksnprintf(buf, len, "already free, %s",
			      found == FOUND_FREELIST ? "on its slab's freelist"
			      : found == FOUND_RELEASED
				      ? "its slab was given back"
				      : "in a quarantined slab");
	if ((c->kc_flags & SLAB_STORE_USER) && found != FOUND_RELEASED &&
	    n > 0 && (size_t)n < len)
		ksnprintf(buf + n, len - (size_t)n,
			  " (allocated by %pS, last freed by %pS)",
			  (void *)slab_track_of(c, obj)->st_alloc,
			  (void *)slab_track_of(c, obj)->st_free);
}

bool slab_check_free_slow(struct kmem_cache *c, void *obj, unsigned long caller,
			  bool report)
{
	struct kmem_cache *owner = kmem_cache_of(obj);
	char detail[192] = "";
	uintptr_t base;
	int found;

	if (!owner || owner != c) {
		if (!report)
			return false;
		if (owner)
			ksnprintf(detail, sizeof(detail), "it belongs to %s",
				  owner->kc_name);
		bad_free(c, obj,
			 owner ? SLAB_BAD_WRONG_CACHE : SLAB_BAD_NOT_SLAB,
			 detail, caller);
		return false;
	}
	base = (uintptr_t)obj & ~(c->kc_slab_bytes - 1);
	if (slab_index(c, base, (uintptr_t)obj) < 0) {
		if (report) {
			describe_interior(c, base, (uintptr_t)obj, detail,
					  sizeof(detail));
			bad_free(c, obj, SLAB_BAD_INTERIOR, detail, caller);
		}
		return false;
	}
	found = confirm_free(c, obj);
	if (found == FOUND_NOWHERE)
		return true; /* user data that looked like a free word */
	if (report) {
		describe_double(c, obj, found, detail, sizeof(detail));
		bad_free(c, obj, SLAB_BAD_DOUBLE, detail, caller);
	}
	return false;
}

void slab_report_racing_free(struct kmem_cache *c, void *obj,
			     unsigned long caller)
{
	bad_free(c, obj, SLAB_BAD_DOUBLE,
		 "already free, freed by another hart at the same time",
		 caller);
}

/* ---- live objects --------------------------------------------------------------- */

/* Mark the free objects of pg (locks held); false if its freelist is bad. */
static bool mark_free(struct kmem_cache *c, struct page *pg, uint64_t *bm)
{
	uintptr_t base = slab_base(pg);

	memset(bm, 0, BM_WORDS * sizeof(uint64_t));
	if (slab_state(pg) == SL_QUARANTINE) {
		for (unsigned int i = 0; i < c->kc_objs; i++)
			if (fw_decode(c, slab_obj(c, base, i)) - base <
			    c->kc_slab_bytes)
				bm_test_set(bm, i);
		return true;
	}
	if (slab_freelist_mark(c, pg, bm, false) < 0)
		return false;
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];

		for (unsigned int i = 0; i < mag_count(cc); i++) {
			int idx =
				slab_index(c, base, (uintptr_t)cc->cc_objs[i]);

			if (idx >= 0)
				bm_test_set(bm, (unsigned int)idx);
		}
	}
	return true;
}

/*
 * The slot layout set at creation, re-derived: every walk below divides by
 * the stride, indexes slabs with it and reads red zones, poison, free words
 * and tracks at these offsets, so a cache whose layout fields were
 * overwritten is reported and not walked.  Each field must lie inside its
 * slot: the object at kc_obj_off, kc_size <= kc_rz_end bytes of it, the
 * free word and the track (8-byte aligned) after it.
 */
bool slab_layout_ok(const struct kmem_cache *c)
{
	unsigned long stride = c->kc_stride, objs = c->kc_objs;
	unsigned long obj = c->kc_obj_off, track = c->kc_track_off;

	if (!stride || stride % 8 || obj % 8 || c->kc_fp_off % 8 ||
	    c->kc_order >= MAX_ORDER ||
	    c->kc_slab_bytes != PAGE_SIZE << c->kc_order || !objs ||
	    objs > SLAB_MAX_OBJS || objs * stride > c->kc_slab_bytes ||
	    obj >= stride || c->kc_objs_end != obj + objs * stride ||
	    c->kc_div != UINT64_MAX / stride + 1) /* the slot test's divisor */
		return false;
	if (!c->kc_size || c->kc_size > c->kc_rz_end ||
	    obj + c->kc_rz_end > stride ||
	    obj + c->kc_fp_off + sizeof(uintptr_t) > stride)
		return false;
	return !(c->kc_flags & SLAB_STORE_USER) ||
	       (!(track % 8) &&
		obj + track + sizeof(struct slab_track) <= stride);
}

/*
 * May entry n (e) of one of c's slab lists be used and followed?  It and
 * the next link must be descriptors in mem_map (or the head), linked both
 * ways, and the list no longer than c has slabs (a cycle).
 */
enum slab_link {
	SLAB_LINK_OK,
	SLAB_LINK_TOO_MANY,
	SLAB_LINK_BROKEN
};

static enum slab_link slab_link_bad(const struct kmem_cache *c,
				    const struct list_head *head,
				    const struct list_head *e, unsigned long n)
{
	if (n > slab_list_limit(c))
		return SLAB_LINK_TOO_MANY;
	if (!page_lru_link_ok(head, e) || !page_lru_link_ok(head, e->next) ||
	    e->next->prev != e)
		return SLAB_LINK_BROKEN;
	return SLAB_LINK_OK;
}

unsigned long kmem_cache_walk_live(struct kmem_cache *c,
				   bool (*fn)(struct kmem_cache *cache,
					      void *obj, unsigned long site,
					      void *arg),
				   void *arg)
{
	static const enum slab_list lists[] = {SL_PARTIAL, SL_FULL,
					       SL_QUARANTINE};
	unsigned long flags, n = 0;
	uint64_t bm[BM_WORDS];
	bool go = true;

	if (!slab_layout_ok(c))
		return 0; /* the validator reports it */
	flags = slab_lock_all(c);
	for (unsigned int l = 0; l < 3 && go; l++) {
		struct list_head *head = slab_list_head(c, lists[l]), *pos;
		unsigned long seen = 0;

		for (pos = head->next; pos != head; pos = pos->next) {
			struct page *pg;
			uintptr_t base;

			if (slab_link_bad(c, head, pos, seen++))
				break; /* the validator reports it */
			pg = list_entry(pos, struct page, lru);
			base = slab_base(pg);
			if (!mark_free(c, pg, bm))
				continue; /* the validator reports it */
			for (unsigned int i = 0; i < c->kc_objs && go; i++) {
				void *obj = slab_obj(c, base, i);

				if (bm_test(bm, i))
					continue;
				n++;
				go = fn(c, obj, slab_debug_site(c, obj), arg);
			}
			if (!go)
				break;
		}
	}
	slab_unlock_all(c, flags);
	return n;
}

static bool print_live(struct kmem_cache *c, void *obj, unsigned long site,
		       void *arg)
{
	if (site)
		printk("slab:   %s object %p allocated by %pS\n", c->kc_name,
		       obj, (void *)site);
	else
		printk("slab:   %s object %p (site not recorded: no "
		       "SLAB_STORE_USER)\n",
		       c->kc_name, obj);
	return true;
}

void slab_report_live(struct kmem_cache *c)
{
	unsigned long n = kmem_cache_walk_live(c, print_live, NULL);

	printk("slab: %s: %lu live object%s\n", c->kc_name, n,
	       n == 1 ? "" : "s");
}

/* ---- the validator --------------------------------------------------------------- */

struct vstate {
	struct kmem_cache *c;
	uint64_t bm[BM_WORDS];
	unsigned long inuse; /* sum of the slabs' inuse */
	unsigned long mag_found; /* magazine objects found in the slabs */
	bool ok;
};

#define VFAIL(v, pg, ...)                                                     \
	do {                                                                  \
		if (pg)                                                       \
			printk("slab_validate: cache %s slab %p: ",           \
			       (v)->c->kc_name, (void *)slab_base(pg));       \
		else                                                          \
			printk("slab_validate: cache %s: ", (v)->c->kc_name); \
		printk(__VA_ARGS__);                                          \
		(v)->ok = false;                                              \
	} while (0)

/* 3c: the magazine objects that belong to pg (bm holds its freelist). */
static void check_magazines(struct vstate *v, struct page *pg)
{
	struct kmem_cache *c = v->c;
	uintptr_t base = slab_base(pg);

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];

		for (unsigned int i = 0; i < mag_count(cc); i++) {
			void *obj = cc->cc_objs[i];
			int idx = slab_index(c, base, (uintptr_t)obj);

			if (((uintptr_t)obj & ~(c->kc_slab_bytes - 1)) != base)
				continue;
			v->mag_found++;
			if (idx < 0)
				VFAIL(v, pg,
				      "hart %u caches %p, not an object\n", cpu,
				      obj);
			else if (bm_test_set(v->bm, (unsigned int)idx))
				VFAIL(v, pg,
				      "%p is in hart %u's cache and also on the "
				      "freelist or in another cache slot\n",
				      obj, cpu);
			else if (fw_decode(c, obj) != base + FW_MAG)
				VFAIL(v, pg,
				      "%p in hart %u's cache lacks its "
				      "tag\n",
				      obj, cpu);
		}
	}
}

/* 3e: red zones and poison of every object of a debug cache's slab. */
static void check_debug(struct vstate *v, struct page *pg)
{
	uintptr_t base = slab_base(pg);

	for (unsigned int i = 0; i < v->c->kc_objs; i++)
		if (!slab_debug_check_obj(v->c, slab_obj(v->c, base, i),
					  bm_test(v->bm, i)))
			v->ok = false;
}

/* 3a, 3b: one slab on list l. */
static void check_slab(struct vstate *v, struct page *pg, enum slab_list l)
{
	struct kmem_cache *c = v->c;
	struct page seen = page_load_state(pg);
	int n = 0;

	if (!(seen.flags & PG_slab) || !(seen.flags & PG_head) ||
	    seen.order != c->kc_order || pg->slab_cache != c) {
		VFAIL(v, pg, "not a slab of this cache (flags 0x%x order %u)\n",
		      seen.flags, seen.order);
		return;
	}
	if (slab_state(pg) != l)
		VFAIL(v, pg,
		      "on list %d but inuse %u, freelist %u say %d "
		      "(0 partial, 1 full, 2 free, 3 quarantine)\n",
		      l, pg->slab.inuse, pg->slab.freelist, slab_state(pg));
	if (pg->slab.inuse > c->kc_objs)
		VFAIL(v, pg, "inuse %u > %u objects\n", pg->slab.inuse,
		      c->kc_objs);
	v->inuse += pg->slab.inuse;
	memset(v->bm, 0, sizeof(v->bm));
	if (l != SL_QUARANTINE) {
		n = slab_freelist_mark(c, pg, v->bm, true);
		if (n < 0)
			v->ok = false; /* reported */
		else if ((unsigned int)n != c->kc_objs - pg->slab.inuse)
			VFAIL(v, pg, "freelist has %d objects, inuse says %u\n",
			      n, c->kc_objs - pg->slab.inuse);
	}
	check_magazines(v, pg);
	if ((c->kc_flags & SLAB_DEBUG) && l != SL_QUARANTINE && n >= 0)
		check_debug(v, pg);
}

static void check_counters(struct vstate *v)
{
	struct kmem_cache *c = v->c;
	unsigned long avail = 0, live = 0;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];

		if (cc->cc_avail > SLAB_MAG_MAX || cc->cc_limit > SLAB_MAG_MAX)
			VFAIL(v, (struct page *)NULL,
			      "hart %u: avail %u limit %u\n", cpu, cc->cc_avail,
			      cc->cc_limit);
		avail += cc->cc_avail;
		live += cc->cc_nr_alloc - cc->cc_nr_free;
	}
	if (v->mag_found != avail)
		VFAIL(v, (struct page *)NULL,
		      "per-CPU caches hold %lu objects, %lu are in its slabs\n",
		      avail, v->mag_found);
	if (v->inuse != c->kc_nr_inuse || v->inuse != live + avail)
		VFAIL(v, (struct page *)NULL,
		      "slabs count %lu objects in use, kc_nr_inuse %lu, "
		      "allocs - frees + cached = %lu + %lu\n",
		      v->inuse, c->kc_nr_inuse, live, avail);
}

/* slab_link_bad() for the validator: false after a report. */
static bool slab_link_ok(struct vstate *v, const struct list_head *head,
			 const struct list_head *e, unsigned long n)
{
	switch (slab_link_bad(v->c, head, e, n)) {
	case SLAB_LINK_OK:
		return true;
	case SLAB_LINK_TOO_MANY:
		VFAIL(v, (struct page *)NULL,
		      "a slab list is longer than the %lu slabs made (a "
		      "cycle?)\n",
		      slab_list_limit(v->c));
		return false;
	default:
		VFAIL(v, (struct page *)NULL,
		      "a slab list holds %p (or links on to %p): not a page "
		      "linked both ways\n",
		      (const void *)e,
		      page_lru_link_ok(head, e) ? (const void *)e->next : NULL);
		return false;
	}
}

static bool validate_cache(struct kmem_cache *c, void *arg)
{
	static const enum slab_list lists[] = {SL_PARTIAL, SL_FULL, SL_FREE,
					       SL_QUARANTINE};
	const unsigned long *counts[] = {&c->kc_nr_partial, &c->kc_nr_full,
					 &c->kc_nr_free, &c->kc_nr_quarantine};
	static const char *const list_names[] = {"partial", "full", "free",
						 "quarantine"};
	struct vstate v = {.c = c, .ok = true};
	unsigned long flags;

	if (!slab_layout_ok(c)) {
		VFAIL(&v, (struct page *)NULL,
		      "slot layout broken (stride %u, %u objects, order %u, "
		      "object at %u, free word at %u)\n",
		      c->kc_stride, c->kc_objs, c->kc_order, c->kc_obj_off,
		      c->kc_fp_off);
		*(bool *)arg = false;
		return true;
	}
	flags = slab_lock_all(c);
	for (unsigned int l = 0; l < 4; l++) {
		struct list_head *head = slab_list_head(c, lists[l]), *pos;
		unsigned long n = 0;

		for (pos = head->next; pos != head; pos = pos->next, n++) {
			if (!slab_link_ok(&v, head, pos, n))
				break;
			check_slab(&v, list_entry(pos, struct page, lru),
				   lists[l]);
		}
		if (n != *counts[l])
			VFAIL(&v, (struct page *)NULL,
			      "list %s has %lu slabs, counted %lu\n",
			      list_names[l], n, *counts[l]);
	}
	check_counters(&v);
	/* the fast free's copy of kc_lazy_next (slab_never_used()) */
	if (c->kc_lazy_base && c->kc_lazy_next < c->kc_objs &&
	    c->kc_lazy_addr !=
		    (uintptr_t)slab_obj(c, c->kc_lazy_base, c->kc_lazy_next))
		VFAIL(&v, (struct page *)NULL,
		      "lazy slab %p: kc_lazy_addr %p is not object %u\n",
		      (void *)c->kc_lazy_base, (void *)c->kc_lazy_addr,
		      c->kc_lazy_next);
	slab_unlock_all(c, flags);
	if (!v.ok)
		*(bool *)arg = false;
	return true;
}

bool slab_validate(void)
{
	bool ok = true;

	kmem_cache_for_each(validate_cache, &ok);
	if (READ_ONCE(slab_caches_corrupt)) {
		printk("slab_validate: the list of caches is corrupt\n");
		ok = false;
	}
	return ok;
}

/* ---- statistics and the report ------------------------------------------------- */

void kmem_cache_get_stats(struct kmem_cache *c, struct kmem_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct kmem_cache_cpu *cc = &c->kc_cpu[cpu];

		st->nr_alloc += READ_ONCE(cc->cc_nr_alloc);
		st->nr_free += READ_ONCE(cc->cc_nr_free);
		st->nr_refill += READ_ONCE(cc->cc_nr_refill);
		st->nr_flush += READ_ONCE(cc->cc_nr_flush);
		st->cached += READ_ONCE(cc->cc_avail);
	}
	st->active_objs = READ_ONCE(c->kc_nr_inuse);
	st->nr_slabs = READ_ONCE(c->kc_nr_partial) + READ_ONCE(c->kc_nr_full) +
		       READ_ONCE(c->kc_nr_free) +
		       READ_ONCE(c->kc_nr_quarantine);
	st->num_objs = st->nr_slabs * c->kc_objs;
	st->nr_fail = READ_ONCE(c->kc_nr_fail);
	for (unsigned int k = 0; k < SLAB_NR_BAD_FREE; k++)
		st->nr_bad_free += READ_ONCE(c->kc_nr_bad_free[k]);
	st->nr_corrupt = READ_ONCE(c->kc_nr_corrupt);
}

static bool report_cache(struct kmem_cache *c, void *arg)
{
	struct kmem_cache_stats st;
	char cpus[NR_CPUS * 5 + 1];
	int len = 0;

	kmem_cache_get_stats(c, &st);
	for (unsigned int cpu = 0; cpu < arch_nr_cpus() && cpu < NR_CPUS; cpu++)
		len += ksnprintf(cpus + len, sizeof(cpus) - (size_t)len, " %u",
				 READ_ONCE(c->kc_cpu[cpu].cc_avail));
	printk("%-18s %6lu %6lu %6u %4u %4u : tunables %4u %4u : slabdata "
	       "%6lu %6lu : cpu%s\n",
	       c->kc_name, st.active_objs, st.num_objs, c->kc_stride,
	       c->kc_objs, c->kc_order < MAX_ORDER ? 1u << c->kc_order : 0,
	       c->kc_cpu[0].cc_limit, c->kc_cpu[0].cc_batch,
	       st.nr_slabs - READ_ONCE(c->kc_nr_free), st.nr_slabs, cpus);
	return true;
}

void slab_report(void)
{
	printk("slabinfo - version: 2.1 (rvmm)\n");
	printk("# name            <active_objs> <num_objs> <objsize> "
	       "<objperslab> <pagesperslab> : tunables <limit> <batchcount> "
	       ": slabdata <active_slabs> <num_slabs> : cpu <cached per "
	       "hart>\n");
	kmem_cache_for_each(report_cache, NULL);
}

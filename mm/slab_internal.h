/* SPDX-License-Identifier: MIT */
/*
 * Inside the slab layer only: the free-word encoding, slot arithmetic and
 * the helpers shared by mm/slab.c (allocation), mm/slab_cache.c (caches),
 * mm/slab_check.c (bad frees, validator, walks, reports) and
 * mm/slab_debug.c (red zones, poison, allocation sites).  The layout they
 * compute is drawn in mm/slab.c.
 */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include "mm/slab.h"
#include "mm/internal.h"

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/*
 * A free object's free word holds (value ^ kc_secret ^ address of the word).
 * Decoded, value is the next object of the slab's freelist, or one of these
 * markers: slab base + small number, never an object start (objects are
 * 8-byte aligned), so "decoded - base < slab bytes" says "free" at once.
 */
#define FW_END 1 /* last object of a slab's freelist */
#define FW_MAG 2 /* in a per-CPU magazine */
#define FW_QFREE 3 /* freed into a quarantined slab */

/* page->slab.freelist values besides an object index. */
#define FREELIST_NONE 0xffffu /* no free object */
#define FREELIST_QUARANTINE 0xfffeu /* freelist found corrupt: unused */

/* Per-object debug record after the object (SLAB_STORE_USER). */
struct slab_track {
	unsigned long st_alloc; /* caller of the allocation (0: never) */
	unsigned long st_free; /* caller of the last free (0: never) */
};

/* Named fill patterns (Linux include/linux/poison.h; illumos kmem.c). */
#define SLAB_POISON_FREE 0x6b /* freed object bytes */
#define SLAB_POISON_END 0xa5 /* last byte of a freed object */
#define SLAB_POISON_INUSE 0x5a /* fresh allocation: never initialised */
#define SLAB_RED_ACTIVE 0xcc /* red zone of an allocated object */
#define SLAB_RED_INACTIVE 0xbb /* red zone of a free object */

/* Which list a slab is on: a function of its inuse and freelist. */
enum slab_list {
	SL_PARTIAL,
	SL_FULL,
	SL_FREE,
	SL_QUARANTINE
};

static inline uintptr_t slab_base(const struct page *pg)
{
	return (uintptr_t)page_address(pg);
}

static inline uintptr_t *free_word(const struct kmem_cache *c, const void *obj)
{
	return (uintptr_t *)((uintptr_t)obj + c->kc_fp_off);
}

static inline uintptr_t fw_encode(const struct kmem_cache *c, const void *obj,
				  uintptr_t value)
{
	return value ^ c->kc_secret ^ (uintptr_t)free_word(c, obj);
}

static inline uintptr_t fw_decode(const struct kmem_cache *c, const void *obj)
{
	return *free_word(c, obj) ^ c->kc_secret ^ (uintptr_t)free_word(c, obj);
}

static inline void *slab_obj(const struct kmem_cache *c, uintptr_t base,
			     unsigned int idx)
{
	return (void *)(base + c->kc_obj_off + (uintptr_t)idx * c->kc_stride);
}

/* Is addr the start of an object of the slab at base? */
static inline bool slab_is_obj(const struct kmem_cache *c, uintptr_t base,
			       uintptr_t addr)
{
	uintptr_t off = addr - base - c->kc_obj_off;

	/* A zero stride is an overwritten cache: never an object. */
	return addr - base < c->kc_objs_end && c->kc_stride &&
	       off % c->kc_stride == 0;
}

/* Index of the object starting at addr in the slab at base, or -1. */
static inline int slab_index(const struct kmem_cache *c, uintptr_t base,
			     uintptr_t addr)
{
	if (!slab_is_obj(c, base, addr))
		return -1;
	return (int)((addr - base - c->kc_obj_off) / c->kc_stride);
}

static inline enum slab_list slab_state(const struct page *pg)
{
	if (pg->slab.freelist == FREELIST_QUARANTINE)
		return SL_QUARANTINE;
	if (pg->slab.inuse == 0)
		return SL_FREE;
	return pg->slab.freelist == FREELIST_NONE ? SL_FULL : SL_PARTIAL;
}

static inline struct slab_track *slab_track_of(const struct kmem_cache *c,
					       const void *obj)
{
	return (struct slab_track *)((uintptr_t)obj + c->kc_track_off);
}

/* The struct page of a direct-map address, or NULL (virt_to_page inline). */
static inline struct page *slab_virt_to_page(uintptr_t addr)
{
	unsigned long pfn =
		(unsigned long)(arch_virt_to_phys((const void *)addr) >>
				PAGE_SHIFT);

	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

/* The slab page of cache c that would hold obj (not checked). */
static inline struct page *slab_page_guess(const struct kmem_cache *c,
					   const void *obj)
{
	return slab_virt_to_page((uintptr_t)obj & ~(c->kc_slab_bytes - 1));
}

/* ---- the per-CPU fast path (mm/slab.c section 7; kmalloc inlines it) ---- */

static inline bool cc_trylock(struct kmem_cache_cpu *cc)
{
	return !__atomic_exchange_n(&cc->cc_lock, 1, __ATOMIC_ACQUIRE);
}

static inline void cc_release(struct kmem_cache_cpu *cc)
{
	__atomic_store_n(&cc->cc_lock, 0, __ATOMIC_RELEASE);
}

/* The tag of an object in a magazine. */
static inline uintptr_t mag_tag(const struct kmem_cache *c, const void *obj)
{
	return fw_encode(c, obj,
			 ((uintptr_t)obj & ~(c->kc_slab_bytes - 1)) + FW_MAG);
}

/*
 * Tag obj as free with one atomic exchange.  Of two harts freeing the same
 * object at the same instant (both past slab_check_free()), only one sees
 * the live word; the other sees the tag and must refuse, or the object
 * would sit in two magazines.  False means "already free".
 */
static inline bool claim_free_word(const struct kmem_cache *c, void *obj)
{
	uintptr_t tag = mag_tag(c, obj);

	return __atomic_exchange_n(free_word(c, obj), tag, __ATOMIC_RELAXED) !=
	       tag;
}

/*
 * The fast path (section 7 of the theory comment): pop from this hart's
 * magazine, or NULL when it is empty or another hart holds its lock (a
 * drain).  A leaf: no call, so no stack frame.
 */
static inline void *slab_mag_pop(struct kmem_cache *c)
{
	unsigned long flags = arch_irq_save();
	struct kmem_cache_cpu *cc = &c->kc_cpu[arch_cpu_id()];
	void *obj = NULL;
	unsigned int n;

	if (likely(cc_trylock(cc))) {
		n = cc->cc_avail;
		if (likely(n)) {
			obj = cc->cc_objs[n - 1];
			cc->cc_avail = n - 1;
			cc->cc_nr_alloc++;
		}
		cc_release(cc);
	}
	arch_irq_restore(flags);
	return obj;
}

/*
 * How a fast free went: done; refused because another hart freed the
 * object at the same instant (the caller reports it); or not done (a full
 * or busy magazine, a debug cache, a free that looks wrong): take the
 * general path, which checks and reports everything.
 */
enum slab_free_result {
	SLAB_FREED,
	SLAB_GENERAL,
	SLAB_RACED
};

static inline enum slab_free_result slab_mag_push(struct kmem_cache *c,
						  void *obj)
{
	unsigned long flags = arch_irq_save();
	struct kmem_cache_cpu *cc = &c->kc_cpu[arch_cpu_id()];
	enum slab_free_result r = SLAB_GENERAL;
	unsigned int n;

	if (likely(cc_trylock(cc))) {
		n = cc->cc_avail;
		if (likely(n < cc->cc_limit)) {
			r = SLAB_RACED;
			if (likely(claim_free_word(c, obj))) {
				cc->cc_objs[n] = obj;
				cc->cc_avail = n + 1;
				cc->cc_nr_free++;
				r = SLAB_FREED;
			}
		}
		cc_release(cc);
	}
	arch_irq_restore(flags);
	return r;
}

/* ---- mm/slab_cache.c ---- */
/* Set (for good) when a walk found the list of caches corrupt. */
extern bool slab_caches_corrupt;
/* True when c is a cache in use (kc_magic); else reports the call what
 * from caller (a destroyed cache, or no cache at all) and sets MM_EINVAL. */
bool slab_cache_usable(const struct kmem_cache *c, const char *what,
		       unsigned long caller);

/* ---- mm/slab.c ---- */
/* Every cc_lock of c in cpu order, then kc_lock; interrupts off. */
unsigned long slab_lock_all(struct kmem_cache *c);
void slab_unlock_all(struct kmem_cache *c, unsigned long flags);
/* The list head of a slab list. */
struct list_head *slab_list_head(struct kmem_cache *c, enum slab_list l);
/* Drain c's magazines and give back its empty slabs; try: only try-lock
 * (reclaim).  Returns pages given back. */
unsigned long slab_shrink(struct kmem_cache *c, bool try);
/* Move every empty slab of c to doomed; false if try and kc_lock busy. */
bool slab_take_free_slabs(struct kmem_cache *c, bool try,
			  struct list_head *doomed);
/* Give the slabs on doomed back to the page allocator (no lock held). */
unsigned long slab_release_slabs(struct kmem_cache *c,
				 struct list_head *doomed);

/* The most entries a slab list of c can hold: every slab made and not
 * given back (validators stop a walk beyond it: a cycle). */
/* The objects in cc's magazine, for walks that read cc_objs[]: never past
 * SLAB_MAG_MAX, whatever cc_avail says (a corrupted count is the
 * validator's to report). */
static inline unsigned int mag_count(const struct kmem_cache_cpu *cc)
{
	unsigned int n = READ_ONCE(cc->cc_avail);

	return n < SLAB_MAG_MAX ? n : SLAB_MAG_MAX;
}

/* Is c's slot layout (set at creation) still self-consistent?  False for
 * a cache whose geometry was overwritten: nothing may walk its slabs. */
bool slab_layout_ok(const struct kmem_cache *c);

static inline unsigned long slab_list_limit(const struct kmem_cache *c)
{
	unsigned long made = c->kc_nr_grow - c->kc_nr_release;
	unsigned long frames = memmap_end_pfn - memmap_start_pfn;

	return (made < frames ? made : frames) + 1;
}

/* ---- mm/slab_check.c ---- */
/*
 * Walk pg's freelist (kc_lock held), setting a bit in bm for each free
 * object.  Stops at the first word that does not decode to an object of
 * the slab (reported when report is true).  Returns the number of objects
 * marked, or -1 when the chain is corrupt (bad word, loop).
 */
int slab_freelist_mark(struct kmem_cache *c, struct page *pg, uint64_t *bm,
		       bool report);
/* Report a corrupt free word found while following pg's freelist. */
void slab_report_corrupt(struct kmem_cache *c, struct page *pg, void *obj,
			 uintptr_t decoded, const char *where);
/* The slow half of slab_check_free(): classify, confirm, report. */
bool slab_check_free_slow(struct kmem_cache *c, void *obj, unsigned long caller,
			  bool report);

/*
 * The checks of every free (always on): obj must start an object of a slab
 * of c and its free word must not say "free".  A few loads and compares,
 * no report: false sends the caller to slab_check_free_slow().
 */
static inline bool slab_free_looks_valid(struct kmem_cache *c, void *obj)
{
	uintptr_t base = (uintptr_t)obj & ~(c->kc_slab_bytes - 1);
	struct page *pg = slab_virt_to_page(base);

	return pg && (page_load_state(pg).flags & PG_slab) &&
	       READ_ONCE(pg->slab_cache) == c &&
	       slab_is_obj(c, base, (uintptr_t)obj) &&
	       fw_decode(c, obj) - base >= c->kc_slab_bytes;
}

/*
 * The same checks, and for anything odd slab_check_free_slow(), which
 * confirms a suspected double free by search.  True when obj is a live
 * object of c; otherwise it is reported (when report) and false.
 */
static inline bool slab_check_free(struct kmem_cache *c, void *obj,
				   unsigned long caller, bool report)
{
	if (likely(slab_free_looks_valid(c, obj)))
		return true;
	return slab_check_free_slow(c, obj, caller, report);
}

/* The free fast path of __kmem_cache_free() and kfree(): the checks, then
 * the magazine push. */
static inline enum slab_free_result slab_free_fast(struct kmem_cache *c,
						   void *obj)
{
	if (likely(!(c->kc_flags & SLAB_DEBUG) &&
		   slab_free_looks_valid(c, obj)))
		return slab_mag_push(c, obj);
	return SLAB_GENERAL;
}

/* Report a free that lost a race with another free of the same object. */
void slab_report_racing_free(struct kmem_cache *c, void *obj,
			     unsigned long caller);
/* Print each live object of c with its site (kmem_cache_destroy). */
void slab_report_live(struct kmem_cache *c);

/* ---- mm/slab_debug.c ---- */
/* A new slab: paint red zones inactive, poison, clear sites. */
void slab_debug_init_slab(struct kmem_cache *c, uintptr_t base);
/* An object leaves its slab (kc_lock held): check poison and red zones,
 * arm the red zones, record the site. */
void slab_debug_on_alloc(struct kmem_cache *c, void *obj, unsigned long caller);
/* The fresh-allocation pattern (after the locks are dropped). */
void slab_debug_fresh(struct kmem_cache *c, void *obj);
/* An object goes back to its slab (kc_lock held): check red zones, record
 * the site, disarm the red zones, poison. */
void slab_debug_on_free(struct kmem_cache *c, void *obj, unsigned long caller);
/* Validator: check one object's red zones (and poison when free); false
 * after reporting a damaged one. */
bool slab_debug_check_obj(struct kmem_cache *c, void *obj, bool free);
/* A debug slab at base is given back (every object free): check each
 * object's red zones and poison, reporting a damaged one. */
void slab_debug_check_release(struct kmem_cache *c, uintptr_t base);
/* The allocation site of obj (0 when not tracked). */
unsigned long slab_debug_site(const struct kmem_cache *c, const void *obj);

#endif /* MM_SLAB_INTERNAL_H */

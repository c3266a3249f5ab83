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
#define FREELIST_LAZY 0xfffdu /* none threaded; never-used objects remain */

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

/*
 * Slot arithmetic without a division (Lemire, Kaser and Kurz, "Faster
 * remainder by direct computation", 2019): with kc_div = 2^64 / stride
 * rounded up, an offset n below 2^32 is a multiple of the stride iff
 * n * kc_div (mod 2^64) < kc_div, and n / stride is the high word of
 * n * kc_div.  Slab offsets are far below 2^32 (a slab is at most 4 MiB).
 */
static inline bool slab_is_obj(const struct kmem_cache *c, uintptr_t base,
			       uintptr_t addr)
{
	uint64_t obj_off = c->kc_obj_off; /* 64-bit sums: no extensions */
	uint64_t off = addr - base - obj_off;

	return off < c->kc_objs_end - obj_off && off * c->kc_div < c->kc_div;
}

/* Index of the object starting at addr in the slab at base, or -1 (also
 * for an index past the slab: only an overwritten kc_div gives one). */
static inline int slab_index(const struct kmem_cache *c, uintptr_t base,
			     uintptr_t addr)
{
	uint64_t off = addr - base - c->kc_obj_off, idx;

	if (!slab_is_obj(c, base, addr))
		return -1;
	idx = (uint64_t)(((unsigned __int128)off * c->kc_div) >> 64);
	return idx < c->kc_objs && idx < SLAB_MAX_OBJS ? (int)idx : -1;
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

/* pg's flags, read before anything the slab published with them
 * (slab_never_used()). */
static inline unsigned int slab_page_flags_acquire(const struct page *pg)
{
	struct page seen;

	seen.state = __atomic_load_n(&pg->state, __ATOMIC_ACQUIRE);
	return seen.flags;
}

/* The slab page of cache c that would hold obj (not checked). */
static inline struct page *slab_page_guess(const struct kmem_cache *c,
					   const void *obj)
{
	return slab_virt_to_page((uintptr_t)obj & ~(c->kc_slab_bytes - 1));
}

/* ---- never-used objects (mm/slab.c section 2) ---- */

/*
 * Is the object at addr (an object start: slab_is_obj()) of the slab at
 * base one that was never handed out?  Only the lazy slab has such, from
 * kc_lazy_addr on.  Read without kc_lock: kc_lazy_addr only grows within
 * a slab, so a stale value says "never used" of an object that was, which
 * sends a free to the general path.  A slab becomes the lazy one (its
 * kc_lazy_addr, then kc_lazy_base) before its PG_slab is set (release),
 * and kfree() reads PG_slab with acquire, so a new lazy slab is never
 * missed.  A stale kc_lazy_base naming an earlier lazy slab is harmless:
 * that slab stopped being lazy only once all its objects were handed out.
 */
static inline bool slab_never_used(const struct kmem_cache *c, uintptr_t base,
				   uintptr_t addr)
{
	return base == READ_ONCE(c->kc_lazy_base) &&
	       addr >= READ_ONCE(c->kc_lazy_addr);
}

/*
 * Set the bits of the never-used objects of the slab at base in bm
 * (kc_lock held; a freelist walk has set those of the threaded ones).
 * Returns n plus their number, or -1 when one was on the freelist too.
 */
static inline int slab_lazy_mark(const struct kmem_cache *c, uintptr_t base,
				 uint64_t *bm, int n)
{
	if (base != c->kc_lazy_base)
		return n;
	for (unsigned int i = c->kc_lazy_next;
	     i < c->kc_objs && i < SLAB_MAX_OBJS; i++, n++) {
		uint64_t bit = 1ULL << (i % 64);

		if (bm[i / 64] & bit)
			return -1;
		bm[i / 64] |= bit;
	}
	return n;
}

/* ---- the per-CPU fast path (mm/slab.c section 7; kmalloc inlines it) ---- */

/*
 * A fast path that calls nothing but a tail call needs no frame: gcc
 * builds one anyway under -fno-omit-frame-pointer (gcc 12 on RISC-V has
 * no -momit-leaf-frame-pointer), so such functions ask for the leaf
 * behaviour.  A backtrace taken inside one shows its caller's frame with
 * the function itself named by ra, as on every arch that omits leaf
 * frames.  clang does not know the attribute (and needs no help here).
 */
#if defined(__GNUC__) && !defined(__clang__)
#define SLAB_LEAF __attribute__((optimize("omit-frame-pointer")))
#else
#define SLAB_LEAF
#endif

/*
 * cc_lock is uncontended: its hart takes it around each magazine access,
 * another hart only to drain or inspect (shrink, reclaim, destroy, the
 * validator).  One amoswap takes it, one amoswap with release order gives
 * it back (arch_flag_tryset/clear: on RISC-V each is one instruction).
 */
static inline bool cc_trylock(struct kmem_cache_cpu *cc)
{
	return arch_flag_tryset(&cc->cc_lock);
}

static inline void cc_release(struct kmem_cache_cpu *cc)
{
	arch_flag_clear(&cc->cc_lock);
}

/*
 * Per-hart counters are written only by their hart, inside its magazine's
 * critical section (interrupts off): a plain load and store, never lost.
 * Readers on other harts sum them without a lock (READ_ONCE: a recent
 * value).  Volatile, so the compiler neither tears nor merges them.
 */
static inline void cc_count(unsigned long *ctr, unsigned long v)
{
	volatile unsigned long *vc = ctr;

	*vc = *vc + v;
}

/* This hart's index: below NR_CPUS by arch_cpu_id()'s contract, which
 * the compiler is told (no mask, no extension on the fast paths). */
static inline unsigned long slab_cpu(void)
{
	unsigned long cpu = arch_cpu_index();

	if (cpu >= NR_CPUS)
		__builtin_unreachable();
	return cpu;
}

/*
 * This hart's magazine of c.  The empty asm makes the compiler keep the
 * one pointer (the lock's address) and reach every field from it, rather
 * than re-deriving the fields' addresses from c.
 */
static inline struct kmem_cache_cpu *slab_this_cc(struct kmem_cache *c)
{
	struct kmem_cache_cpu *cc = &c->kc_cpu[slab_cpu()];

	__asm__("" : "+r"(cc));
	return cc;
}

/* The tag of an object in a magazine (base: its slab's start). */
static inline uintptr_t mag_tag_at(const struct kmem_cache *c, uintptr_t base,
				   const void *obj)
{
	return fw_encode(c, obj, base + FW_MAG);
}

static inline uintptr_t mag_tag(const struct kmem_cache *c, const void *obj)
{
	return mag_tag_at(c, (uintptr_t)obj & ~(c->kc_slab_bytes - 1), obj);
}

/*
 * Tag obj as free with one atomic exchange.  Of two harts freeing the same
 * object at the same instant (both past the checks), only one sees the
 * live word; the other sees the tag and must refuse, or the object would
 * sit in two magazines.  False means "already free".  This is the one
 * atomic on the free path that is not the magazine's own lock: the free
 * word is the one thing two harts can write at once.
 */
static inline bool claim_free_word(const struct kmem_cache *c, void *obj)
{
	uintptr_t tag = mag_tag(c, obj);

	return __atomic_exchange_n(free_word(c, obj), tag, __ATOMIC_RELAXED) !=
	       tag;
}

/*
 * The magazine's two operations, cc_lock held and interrupts off (the
 * caller wraps them: kmalloc() counts the bytes asked for inside the same
 * critical section).  Pop: the hottest object, or NULL when empty;
 * slab_mag_pop_nth() when the caller has read cc_avail (n, not 0) itself,
 * so that no NULL test on the object follows.
 */
static inline void *slab_mag_pop_nth(struct kmem_cache_cpu *cc,
				     unsigned long n)
{
	/* one shift from cc to the slot (the -1 folds into the offset) */
	void *obj = *(void **)((char *)cc->cc_objs + n * sizeof(void *) -
			       sizeof(void *));

	cc->cc_avail = (unsigned short)(n - 1);
	cc_count(&cc->cc_nr_alloc, 1);
	return obj;
}

static inline void *slab_mag_take(struct kmem_cache_cpu *cc)
{
	unsigned long n = cc->cc_avail;

	return likely(n) ? slab_mag_pop_nth(cc, n) : NULL;
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

/* Push obj (past the checks), whose free word is at fw and whose
 * magazine tag is tag: the claim (claim_free_word()) and the push. */
static inline enum slab_free_result slab_mag_put_tag(struct kmem_cache_cpu *cc,
						     void *obj, uintptr_t *fw,
						     uintptr_t tag)
{
	unsigned int n = cc->cc_avail;

	if (unlikely(n >= cc->cc_limit))
		return SLAB_GENERAL;
	if (unlikely(arch_xchg_relaxed((unsigned long *)fw, tag) == tag))
		return SLAB_RACED;
	/* one shift from cc to the slot */
	*(void **)((char *)cc->cc_objs + (unsigned long)n * sizeof(void *)) =
		obj;
	cc->cc_avail = n + 1;
	cc_count(&cc->cc_nr_free, 1);
	return SLAB_FREED;
}

/*
 * The locked half of a fast free, past the checks: with interrupts off
 * and this hart's magazine lock held, the claim of the free word at fw
 * (tag: obj's magazine tag) and the push.  A busy lock (another hart is
 * draining) is SLAB_GENERAL, like a full magazine.
 */
static inline enum slab_free_result
slab_mag_push(struct kmem_cache *c, void *obj, uintptr_t *fw, uintptr_t tag)
{
	unsigned long flags = arch_irq_save();
	struct kmem_cache_cpu *cc = slab_this_cc(c);
	enum slab_free_result r = SLAB_GENERAL;

	if (likely(cc_trylock(cc))) {
		r = slab_mag_put_tag(cc, obj, fw, tag);
		cc_release(cc);
	}
	arch_irq_restore(flags);
	return r;
}

/*
 * The fast allocation (section 7 of the theory comment): pop from this
 * hart's magazine, or NULL when it is empty or another hart holds its
 * lock (a drain).  A leaf: no call, so no stack frame.
 */
static inline void *slab_mag_pop(struct kmem_cache *c)
{
	unsigned long flags = arch_irq_save();
	struct kmem_cache_cpu *cc = slab_this_cc(c);
	void *obj = NULL;

	if (likely(cc_trylock(cc))) {
		obj = slab_mag_take(cc);
		cc_release(cc);
	}
	arch_irq_restore(flags);
	return obj;
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
/* Drain c's magazines and give back its empty slabs; try: only try-lock
 * (reclaim).  Returns pages given back. */
unsigned long slab_shrink(struct kmem_cache *c, bool try);

/* ---- mm/slab_grow.c (kc_lock held unless said) ---- */
/* The list head of a slab list. */
struct list_head *slab_list_head(struct kmem_cache *c, enum slab_list l);
/* Up to max (>= 1) free objects of pg into out: threaded ones while there
 * are, else never-used ones; how many.  A corrupt freelist is reported
 * and pg quarantined (the objects taken before it stand; 0 if none). */
unsigned int slab_take_objs(struct kmem_cache *c, struct page *pg, void **out,
			    unsigned int max);
/* Give obj back to pg; a slab left empty beyond the reserve (or an
 * emptied quarantined one) moves to doomed. */
void slab_put_obj(struct kmem_cache *c, struct page *pg, void *obj,
		  struct list_head *doomed);
/* A new slab for c, not yet published (no lock held); NULL if no page. */
struct page *slab_new(struct kmem_cache *c, gfp_t gfp, unsigned long caller);
/* Publish a new slab on kc_free; false when it would be a second lazy
 * slab (the caller then frees it unused). */
bool slab_install(struct kmem_cache *c, struct page *pg);
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
 * The checks of every free that need no struct page: obj starts an object
 * of the slab it lies in (one multiply, section 2) and its free word does
 * not say "free".  For callers that know obj lies in a slab of c.
 */
static inline bool slab_obj_free_ok(const struct kmem_cache *c, void *obj)
{
	uintptr_t base = (uintptr_t)obj & ~(c->kc_slab_bytes - 1);

	return slab_is_obj(c, base, (uintptr_t)obj) &&
	       fw_decode(c, obj) - base >= c->kc_slab_bytes &&
	       !slab_never_used(c, base, (uintptr_t)obj);
}

/*
 * The checks of every free (always on): obj must start an object of a slab
 * of c and its free word must not say "free".  A few loads and compares,
 * no report: false sends the caller to slab_check_free_slow().
 */
static inline bool slab_free_looks_valid(struct kmem_cache *c, void *obj)
{
	uintptr_t base = (uintptr_t)obj & ~(c->kc_slab_bytes - 1);
	struct page *pg = slab_virt_to_page(base);

	return pg && (slab_page_flags_acquire(pg) & PG_slab) &&
	       READ_ONCE(pg->slab_cache) == c && slab_obj_free_ok(c, obj);
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

/*
 * For the fast frees: the key of the free word at fw (fw_encode()) xor the
 * base of its slab.  A slab is aligned to its size (a buddy block), so
 * for any v, v lies in [base, base + bytes) <=> (v ^ base) < bytes, and
 * base + FW_MAG = base ^ FW_MAG.  So "the word decodes to a place in this
 * slab" (free: a double free) is (*fw ^ kb) < bytes, and the magazine tag
 * fw_encode(base + FW_MAG) is kb ^ FW_MAG: one xor each.
 */
_Static_assert(FW_MAG < PAGE_SIZE, "a slab's base has FW_MAG's bits clear");
static inline uintptr_t fw_key_base(const struct kmem_cache *c,
				    const uintptr_t *fw, uintptr_t base)
{
	return c->kc_secret ^ (uintptr_t)fw ^ base;
}

/*
 * The free fast path of __kmem_cache_free(): the checks of
 * slab_free_looks_valid(), with the free word's key computed once for the
 * check and the tag (fw_key_base()), then the push.
 */
static inline enum slab_free_result slab_free_fast(struct kmem_cache *c,
						   void *obj)
{
	uintptr_t base = (uintptr_t)obj & ~(c->kc_slab_bytes - 1);
	uintptr_t *fw = free_word(c, obj);
	uintptr_t kb = fw_key_base(c, fw, base);
	struct page *pg;

	if (unlikely(c->kc_flags & SLAB_DEBUG))
		return SLAB_GENERAL;
	pg = slab_virt_to_page(base);
	if (unlikely(!pg || !(slab_page_flags_acquire(pg) & PG_slab) ||
		     READ_ONCE(pg->slab_cache) != c ||
		     !slab_is_obj(c, base, (uintptr_t)obj) ||
		     (*fw ^ kb) < c->kc_slab_bytes ||
		     slab_never_used(c, base, (uintptr_t)obj)))
		return SLAB_GENERAL;
	return slab_mag_push(c, obj, fw, kb ^ FW_MAG);
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

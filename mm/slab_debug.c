/* SPDX-License-Identifier: MIT */
/*
 * Debug caches (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER; every cache
 * created while mm.debug=1): red zones around each object, poison in free
 * objects, a fresh-allocation pattern, and the allocation site of each
 * live object.  Debug caches have no per-CPU magazine, so every object
 * passes through these checks on its way in and out.
 *
 * Fill patterns are Linux's (include/linux/poison.h), after illumos kmem.c
 * (0xdeadbeef freed, 0xbaddcafe uninitialised, a red zone after the
 * buffer):
 *
 *   free object     6b 6b 6b ... 6b a5     POISON_FREE, POISON_END
 *   fresh object    5a 5a 5a ... 5a        POISON_INUSE (never initialised)
 *   red zone        cc (object live)  bb (object free)
 *                                          SLUB_RED_ACTIVE / _INACTIVE
 *
 * A damaged red zone is reported (object, cache, allocation site, which
 * side, offset and byte) on free, on the next allocation of a free object
 * and by the validator, and then repainted so that it is reported once.
 * A damaged poison is a write after free: reported on the next allocation,
 * by the validator, or when the slab goes back to the page allocator
 * (every object of it is checked first), with the sites of the last
 * allocation and free.
 */
#include "mm/slab_internal.h"
#include "lib/printk.h"
#include "lib/string.h"

/* First byte of [p, p+n) that is not v, or NULL. */
static const uint8_t *find_not(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return b + i;
	return NULL;
}

static void paint_red(const struct kmem_cache *c, void *obj, uint8_t v)
{
	memset((uint8_t *)obj - c->kc_obj_off, v, c->kc_obj_off);
	memset((uint8_t *)obj + c->kc_size, v, c->kc_rz_end - c->kc_size);
}

static void poison(const struct kmem_cache *c, void *obj)
{
	memset(obj, SLAB_POISON_FREE, c->kc_size - 1);
	((uint8_t *)obj)[c->kc_size - 1] = SLAB_POISON_END;
}

/* The first bad red-zone byte of obj, or NULL; *side says which zone. */
static const uint8_t *bad_red(const struct kmem_cache *c, const void *obj,
			      uint8_t v, const char **side)
{
	const uint8_t *bad;

	*side = "before";
	bad = find_not((const uint8_t *)obj - c->kc_obj_off, c->kc_obj_off, v);
	if (bad)
		return bad;
	*side = "after";
	return find_not((const uint8_t *)obj + c->kc_size,
			c->kc_rz_end - c->kc_size, v);
}

/* The first byte of a free object that is not its poison, or NULL. */
static const uint8_t *bad_poison(const struct kmem_cache *c, const void *obj)
{
	const uint8_t *bad = find_not(obj, c->kc_size - 1, SLAB_POISON_FREE);

	if (bad)
		return bad;
	bad = (const uint8_t *)obj + c->kc_size - 1;
	return *bad == SLAB_POISON_END ? NULL : bad;
}

unsigned long slab_debug_site(const struct kmem_cache *c, const void *obj)
{
	return (c->kc_flags & SLAB_STORE_USER) ? slab_track_of(c, obj)->st_alloc
					       : 0;
}

static unsigned long free_site(const struct kmem_cache *c, const void *obj)
{
	return (c->kc_flags & SLAB_STORE_USER) ? slab_track_of(c, obj)->st_free
					       : 0;
}

static void count_corrupt(struct kmem_cache *c)
{
	__atomic_fetch_add(&c->kc_nr_corrupt, 1, __ATOMIC_RELAXED);
}

/* Report a bad red-zone byte of obj (what: "on free", ...). */
static void report_red(struct kmem_cache *c, const void *obj, const char *what,
		       const char *side, const uint8_t *bad, uint8_t want,
		       unsigned long caller)
{
	long off = (long)(bad - (const uint8_t *)obj);

	printk("slab: %s: red zone %s object %p of cache %s overwritten: "
	       "byte at %s0x%lx is 0x%02x, not 0x%02x; allocated by %pS; "
	       "seen by %pS\n",
	       what, side, obj, c->kc_name, off < 0 ? "-" : "+",
	       (unsigned long)(off < 0 ? -off : off), *bad, want,
	       (void *)slab_debug_site(c, obj), (void *)caller);
	count_corrupt(c);
}

void slab_debug_init_slab(struct kmem_cache *c, uintptr_t base)
{
	for (unsigned int i = 0; i < c->kc_objs; i++) {
		void *obj = slab_obj(c, base, i);

		if (c->kc_flags & SLAB_RED_ZONE)
			paint_red(c, obj, SLAB_RED_INACTIVE);
		if (c->kc_flags & SLAB_POISON)
			poison(c, obj);
		if (c->kc_flags & SLAB_STORE_USER)
			memset(slab_track_of(c, obj), 0,
			       sizeof(struct slab_track));
	}
}

void slab_debug_on_alloc(struct kmem_cache *c, void *obj, unsigned long caller)
{
	const uint8_t *bad;
	const char *side;

	if ((c->kc_flags & SLAB_POISON) && (bad = bad_poison(c, obj))) {
		printk("slab: kmem_cache_alloc(%s) from %pS: object %p was "
		       "written after free: byte at +0x%lx is 0x%02x; "
		       "allocated by %pS, freed by %pS\n",
		       c->kc_name, (void *)caller, obj,
		       (unsigned long)(bad - (uint8_t *)obj), *bad,
		       (void *)slab_debug_site(c, obj),
		       (void *)free_site(c, obj));
		count_corrupt(c);
	}
	if (c->kc_flags & SLAB_RED_ZONE) {
		bad = bad_red(c, obj, SLAB_RED_INACTIVE, &side);
		if (bad)
			report_red(c, obj, "kmem_cache_alloc (free object)",
				   side, bad, SLAB_RED_INACTIVE, caller);
		paint_red(c, obj, SLAB_RED_ACTIVE);
	}
	if (c->kc_flags & SLAB_STORE_USER)
		slab_track_of(c, obj)->st_alloc = caller;
}

void slab_debug_fresh(struct kmem_cache *c, void *obj)
{
	memset(obj, SLAB_POISON_INUSE, c->kc_size);
}

void slab_debug_on_free(struct kmem_cache *c, void *obj, unsigned long caller)
{
	const uint8_t *bad;
	const char *side;

	if (c->kc_flags & SLAB_RED_ZONE) {
		bad = bad_red(c, obj, SLAB_RED_ACTIVE, &side);
		if (bad)
			report_red(c, obj, "kmem_cache_free", side, bad,
				   SLAB_RED_ACTIVE, caller);
		paint_red(c, obj, SLAB_RED_INACTIVE);
	}
	if (c->kc_flags & SLAB_STORE_USER)
		slab_track_of(c, obj)->st_free = caller;
	if (c->kc_flags & SLAB_POISON)
		poison(c, obj);
}

/* Check an object's red zones (and poison when it is free); who names the
 * checker in the report.  False after reporting a damaged one. */
static bool check_obj(struct kmem_cache *c, void *obj, bool free,
		      const char *who, unsigned long caller)
{
	uint8_t want = free ? SLAB_RED_INACTIVE : SLAB_RED_ACTIVE;
	const uint8_t *bad;
	const char *side;

	if (c->kc_flags & SLAB_RED_ZONE) {
		bad = bad_red(c, obj, want, &side);
		if (bad) {
			report_red(c, obj, who, side, bad, want, caller);
			return false;
		}
	}
	if (free && (c->kc_flags & SLAB_POISON) && (bad = bad_poison(c, obj))) {
		printk("slab: %s: free object %p of cache %s written after "
		       "free: byte at +0x%lx is 0x%02x; freed by %pS\n",
		       who, obj, c->kc_name,
		       (unsigned long)(bad - (uint8_t *)obj), *bad,
		       (void *)free_site(c, obj));
		count_corrupt(c);
		return false;
	}
	return true;
}

bool slab_debug_check_obj(struct kmem_cache *c, void *obj, bool free)
{
	return check_obj(c, obj, free, "slab_validate",
			 (unsigned long)__builtin_return_address(0));
}

void slab_debug_check_release(struct kmem_cache *c, uintptr_t base)
{
	for (unsigned int i = 0; i < c->kc_objs; i++)
		check_obj(c, slab_obj(c, base, i), true, "releasing a slab",
			  (unsigned long)__builtin_return_address(0));
}

/* SPDX-License-Identifier: MIT */
/*
 * The slab layer's caches: creating one (slot layout, slab order, magazine
 * size, secret), destroying one, the list of all caches and what walks it
 * (reclaim, for_each), small accessors, and bring-up.  Allocation and free
 * are in mm/slab.c, whose theory section explains the layout.
 */
#include "mm/slab_internal.h"
#include "mm/mm.h"
#include "lib/bootparam.h"
#include "lib/printk.h"
#include "lib/string.h"

#define SLAB_VALID_FLAGS (SLAB_HWCACHE_ALIGN | SLAB_DEBUG | SLAB_NO_HOOKS)
#define SLAB_MAX_SIZE (1UL << 20)

static struct kmem_cache cache_cache; /* the cache of struct kmem_cache */
static struct list_head slab_caches = LIST_HEAD_INIT(slab_caches);
static unsigned long nr_caches; /* on slab_caches: bounds its walks */
bool slab_caches_corrupt; /* a walk found the list of caches corrupt */
static spinlock_t slab_caches_lock = SPINLOCK_INIT("slab_caches");
static unsigned int debug_default; /* mm.debug=1: 1 */

/* ---- caches ------------------------------------------------------------------ */

static size_t round_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Slot layout of section 2 for c's size, alignment and flags. */
static void set_layout(struct kmem_cache *c)
{
	unsigned int f = c->kc_flags;
	size_t size8 = round_up(c->kc_size < 8 ? 8 : c->kc_size, 8);
	size_t end;

	c->kc_obj_off = (f & SLAB_RED_ZONE) ? c->kc_align : 0;
	c->kc_rz_end = (unsigned int)(size8 + ((f & SLAB_RED_ZONE) ? 8 : 0));
	end = c->kc_rz_end;
	c->kc_fp_off = 0;
	if (c->kc_ctor || (f & SLAB_POISON)) {
		c->kc_fp_off = (unsigned int)end;
		end += sizeof(uintptr_t);
	}
	c->kc_track_off = (unsigned int)end;
	if (f & SLAB_STORE_USER)
		end += sizeof(struct slab_track);
	c->kc_stride = (unsigned int)round_up(c->kc_obj_off + end, c->kc_align);
}

/* The smallest order whose waste is under 1/8 of the slab, from
 * SLAB_BIG_ORDER up for objects larger than a page; false if none. */
static bool set_order(struct kmem_cache *c)
{
	unsigned int first = c->kc_stride > PAGE_SIZE ? SLAB_BIG_ORDER : 0;

	for (unsigned int o = first; o < MAX_ORDER; o++) {
		unsigned long bytes = PAGE_SIZE << o;
		unsigned long n = bytes / c->kc_stride;

		if (n && (bytes - n * c->kc_stride) * 8 < bytes) {
			if (n > SLAB_MAX_OBJS)
				return false; /* cannot happen: see SLAB_MAX_OBJS */
			c->kc_order = o;
			c->kc_objs = (unsigned int)n;
			c->kc_objs_end =
				c->kc_obj_off + (unsigned int)n * c->kc_stride;
			c->kc_slab_bytes = bytes;
			c->kc_div = UINT64_MAX / c->kc_stride + 1;
			return true;
		}
	}
	return false;
}

/*
 * Magazines by object size (Linux SLAB's limits, scaled down): a base size
 * m of 26, 16 or 8 objects; objects larger than a page get
 * SLAB_BIG_MAG_BYTES worth, at least two, and nothing more.
 *
 * The batch, the objects a refill takes or a flush gives back, is seven
 * eighths of m: a hart that only allocates, or only frees -- one side of
 * a producer and consumer pair, or a burst longer than a magazine --
 * takes kc_lock once per batch, so the larger the batch, the larger the
 * share of its calls that take no shared lock (1 - 1/batch: 23 gives
 * 95.7 %).  A refill's cost stays bounded by SLAB_REFILL_SLABS, not by
 * the batch.
 *
 * The capacity is the batch plus m: after a refill m frees fit before a
 * flush, and after a flush m allocations are served before a refill.
 * That room is what a hart whose allocations and frees come mixed needs:
 * its magazine's fill then walks up and down at random, and a random walk
 * needs about (distance to one end) x (distance to the other) steps to
 * reach either (23 x 26 = 598 calls), where a magazine of m with a batch
 * of 7/8 m reaches full 3 frees after a refill (23 x 3 = 69 calls).
 * Bonwick and Adams (2001) get the same from two magazines per CPU,
 * "loaded" and "previous"; one array with room for both does it without
 * the swap.
 */
static void set_magazines(struct kmem_cache *c)
{
	unsigned int m = c->kc_stride <= 256	   ? SLAB_MAG_BASE
			 : c->kc_stride <= 1024	   ? 16
			 : c->kc_stride <= PAGE_SIZE ? 8
			 : c->kc_stride <= SLAB_BIG_MAG_BYTES / 2
				 ? SLAB_BIG_MAG_BYTES / c->kc_stride
				 : 2;
	unsigned int batch = m - (m >= 8 ? m / 8 : 1);
	unsigned int limit = c->kc_stride <= PAGE_SIZE ? batch + m : m;

	_Static_assert(2 * SLAB_MAG_BASE - SLAB_MAG_BASE / 8 <= SLAB_MAG_MAX,
		       "room for the largest batch + m");
	if (c->kc_flags & SLAB_DEBUG) {
		limit = 0; /* every object goes through the checks */
		batch = 1;
	}
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		c->kc_cpu[cpu].cc_limit = (unsigned char)limit;
		c->kc_cpu[cpu].cc_batch = (unsigned char)batch;
	}
}

/* A per-cache secret: mixed clocks and addresses (splitmix64), top bit set
 * so that a cleared free word never decodes as "free". */
static uintptr_t make_secret(const struct kmem_cache *c)
{
	static unsigned long seq;
	uint64_t z = arch_read_cycles() ^ (arch_time_ns() << 17) ^
		     (uintptr_t)c ^
		     (__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED) *
		      0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (uintptr_t)(z | (1ULL << 63));
}

/* The arguments kmem_cache_create() refuses before it allocates anything. */
static bool cache_args_ok(const char *name, size_t size, size_t align,
			  unsigned int flags)
{
	return name && size && size <= SLAB_MAX_SIZE &&
	       !(align & (align - 1)) && align <= PAGE_SIZE &&
	       !(flags & ~SLAB_VALID_FLAGS);
}

/* Fill in c (zeroed); false when size/align/flags make no valid cache. */
static bool cache_setup(struct kmem_cache *c, const char *name, size_t size,
			size_t align, unsigned int flags, void (*ctor)(void *))
{
	if (!cache_args_ok(name, size, align, flags))
		return false;
	if (align < 8)
		align = 8;
	if ((flags & SLAB_HWCACHE_ALIGN) && align < CACHE_LINE)
		align = CACHE_LINE;
	if (ctor)
		flags &= ~SLAB_POISON; /* poison would undo the constructor */
	str_copy(c->kc_name, name, SLAB_NAME_LEN);
	c->kc_flags = flags;
	c->kc_size = (unsigned int)size;
	c->kc_align = (unsigned int)align;
	c->kc_ctor = ctor;
	set_layout(c);
	if (!set_order(c))
		return false;
	set_magazines(c);
	c->kc_secret = make_secret(c);
	c->kc_magic = SLAB_MAGIC_LIVE;
	spin_lock_init(&c->kc_lock, c->kc_name);
	list_init(&c->kc_partial);
	list_init(&c->kc_full);
	list_init(&c->kc_free);
	list_init(&c->kc_quarantine);
	return true;
}

static void cache_link(struct kmem_cache *c)
{
	unsigned long flags = spin_lock_irqsave(&slab_caches_lock);

	list_add_tail(&c->kc_link, &slab_caches);
	nr_caches++;
	spin_unlock_irqrestore(&slab_caches_lock, flags);
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align, unsigned int flags,
				     void (*ctor)(void *obj))
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct kmem_cache *c;

	if (READ_ONCE(debug_default))
		flags |= SLAB_DEBUG;
	if (!cache_args_ok(name, size, align, flags))
		goto invalid;
	c = __kmem_cache_alloc(&cache_cache, GFP_KERNEL | __GFP_ZERO, caller);
	if (!c)
		return NULL;
	if (!cache_setup(c, name, size, align, flags, ctor)) {
		__kmem_cache_free(&cache_cache, c, caller);
		goto invalid;
	}
	cache_link(c);
	return c;
invalid:
	printk("slab: kmem_cache_create(%s, %zu, %zu, 0x%x) from %pS: "
	       "invalid size, alignment or flags\n",
	       name ? name : "(null)", size, align, flags, (void *)caller);
	mm_set_error(MM_EINVAL);
	return NULL;
}

bool slab_cache_usable(const struct kmem_cache *c, const char *what,
		       unsigned long caller)
{
	unsigned long magic = c ? READ_ONCE(c->kc_magic) : 0;

	if (magic == SLAB_MAGIC_LIVE)
		return true;
	if (magic == SLAB_MAGIC_DEAD)
		printk("slab: %s(%p) from %pS: the cache was destroyed; "
		       "refused\n",
		       what, c, (void *)caller);
	else
		printk("slab: %s(%p) from %pS: not a cache (magic %#lx); "
		       "refused\n",
		       what, c, (void *)caller, magic);
	mm_set_error(MM_EINVAL);
	return false;
}

int kmem_cache_destroy(struct kmem_cache *c)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct list_head doomed = LIST_HEAD_INIT(doomed);
	unsigned long flags;

	if (!slab_cache_usable(c, "kmem_cache_destroy", caller))
		return -MM_EINVAL;
	if (c == &cache_cache) {
		mm_set_error(MM_EINVAL);
		return -MM_EINVAL;
	}
	kmem_cache_shrink(c);
	flags = slab_lock_all(c);
	if (c->kc_nr_partial || c->kc_nr_full || c->kc_nr_quarantine) {
		slab_unlock_all(c, flags);
		printk("slab: kmem_cache_destroy(%s) from %pS: objects still "
		       "in use, cache kept\n",
		       c->kc_name, (void *)caller);
		slab_report_live(c);
		mm_set_error(MM_EBUSY);
		return -MM_EBUSY;
	}
	slab_unlock_all(c, flags);
	flags = spin_lock_irqsave(&slab_caches_lock);
	list_del(&c->kc_link);
	nr_caches--;
	spin_unlock_irqrestore(&slab_caches_lock, flags);
	slab_take_free_slabs(c, false, &doomed); /* freed since the shrink */
	slab_release_slabs(c, &doomed);
	WRITE_ONCE(c->kc_magic, SLAB_MAGIC_DEAD); /* kept while it is free */
	__kmem_cache_free(&cache_cache, c, caller);
	return 0;
}

/*
 * Is c (an untrusted address) a live cache: cache_cache, or an object of a
 * slab of cache_cache with the live magic?  Integer arithmetic until the
 * address is known to be such an object.
 */
static bool cache_ptr_ok(uintptr_t c)
{
	uintptr_t base = c & ~(cache_cache.kc_slab_bytes - 1);
	struct page *pg;

	if (c == (uintptr_t)&cache_cache)
		return true;
	if (!ram_ptr_ok((const void *)c, __alignof__(struct kmem_cache)))
		return false;
	pg = slab_virt_to_page(base);
	return pg && (page_load_state(pg).flags & PG_slab) &&
	       READ_ONCE(pg->slab_cache) == &cache_cache &&
	       slab_is_obj(&cache_cache, base, c) &&
	       ((const struct kmem_cache *)c)->kc_magic == SLAB_MAGIC_LIVE;
}

/* Is e the kc_link of a live cache? */
static bool cache_link_ok(const struct list_head *e)
{
	return cache_ptr_ok((uintptr_t)e -
			    offsetof(struct kmem_cache, kc_link));
}

/* ---- small accessors ---------------------------------------------------------- */

struct kmem_cache *kmem_cache_of(const void *addr)
{
	struct page *pg = page_block_head(virt_to_page(addr));
	struct kmem_cache *c;
	struct page seen;

	if (!pg)
		return NULL;
	seen = page_load_state(pg);
	if (!(seen.flags & PG_slab))
		return NULL;
	c = READ_ONCE(pg->slab_cache);
	/* a corrupted struct page names no cache; the validator reports it */
	return cache_ptr_ok((uintptr_t)c) ? c : NULL;
}

size_t kmem_cache_size(const struct kmem_cache *c)
{
	return c->kc_size;
}

const char *kmem_cache_name(const struct kmem_cache *c)
{
	return c->kc_name;
}

bool kmem_cache_obj_live(struct kmem_cache *c, const void *obj)
{
	/* a cache with a broken layout is slab_validate()'s to report */
	return obj && slab_layout_ok(c) &&
	       slab_check_free(c, (void *)obj, 0, false);
}

/*
 * slab_caches_lock held: the cache after pos on the list of caches, or
 * NULL at its end -- and at a link that is not a live cache (see
 * cache_link_ok()), or after nr_caches entries (*n counts them): a
 * corrupted list may point anywhere, at a fake cache whose locks read as
 * held, or loop.  Reported.
 */
static struct kmem_cache *next_cache(struct list_head *pos, unsigned long *n)
{
	struct list_head *e = pos->next;

	if (e == &slab_caches)
		return NULL;
	if (++*n > nr_caches || !cache_link_ok(e)) {
		WRITE_ONCE(slab_caches_corrupt, true);
		printk("slab: the list of caches is corrupt at %p (after %lu "
		       "of %lu caches); walk stopped\n",
		       (void *)e, *n - 1, nr_caches);
		return NULL;
	}
	return list_entry(e, struct kmem_cache, kc_link);
}

void kmem_cache_for_each(bool (*fn)(struct kmem_cache *cache, void *arg),
			 void *arg)
{
	unsigned long flags = spin_lock_irqsave(&slab_caches_lock), n = 0;
	struct kmem_cache *c;

	for (c = next_cache(&slab_caches, &n); c;
	     c = next_cache(&c->kc_link, &n))
		if (!fn(c, arg))
			break;
	spin_unlock_irqrestore(&slab_caches_lock, flags);
}

const struct kmem_cache_cpu *kmem_cache_cpu_part(struct kmem_cache *c,
						 unsigned int cpu)
{
	return cpu < NR_CPUS ? &c->kc_cpu[cpu] : NULL;
}

bool slab_set_debug_default(bool on)
{
	return __atomic_exchange_n(&debug_default, on ? 1u : 0u,
				   __ATOMIC_RELAXED) != 0;
}

BOOTPARAM_BOOL(mm_debug, "mm.debug", false,
	       "debug mode: new caches and kmalloc check red zones, poison "
	       "and record sites");

void slab_init(void)
{
	debug_default = bootparam_bool("mm.debug") ? 1 : 0;
	if (!cache_setup(&cache_cache, "kmem_cache", sizeof(struct kmem_cache),
			 CACHE_LINE, SLAB_NO_HOOKS, NULL)) {
		printk("slab: cannot set up the cache of caches\n");
		return;
	}
	cache_link(&cache_cache);
	page_alloc_set_reclaim(slab_reclaim);
	printk("slab: ready; struct kmem_cache is %zu bytes (order-%u slabs of "
	       "%u)%s\n",
	       sizeof(struct kmem_cache), cache_cache.kc_order,
	       cache_cache.kc_objs,
	       debug_default ? "; mm.debug=1: new caches check red zones, "
			       "poison and record sites"
			     : "");
}

/*
 * Called by the page allocator when it is out of pages, from any context
 * and possibly while this hart holds some lock: every slab lock is only
 * try-locked, and a busy cache is skipped.
 */
unsigned long slab_reclaim(void)
{
	unsigned long flags = arch_irq_save();
	unsigned long pages = 0, n = 0;
	struct kmem_cache *c;

	if (!spin_trylock(&slab_caches_lock)) {
		arch_irq_restore(flags);
		return 0;
	}
	for (c = next_cache(&slab_caches, &n); c;
	     c = next_cache(&c->kc_link, &n))
		pages += slab_shrink(c, true);
	spin_unlock(&slab_caches_lock);
	arch_irq_restore(flags);
	return pages;
}

// SPDX-License-Identifier: MIT
/*
 * Fixed-block pools (Zephyr k_mem_slab): O(1) alloc and free of equal-size
 * blocks from a caller's buffer through an embedded, hardened free list.
 *
 * 1. Design and references
 *
 *    The oldest allocator there is (a "free list" of equal blocks: Knuth,
 *    TAOCP vol. 1, 2.5; Bonwick's slab is its cached descendant).  The
 *    interface is Zephyr's memory slab (kernel/mem_slab.c, documented in
 *    the Zephyr "Memory Slabs" guide): k_mem_slab_init() on a buffer the
 *    caller owns, k_mem_slab_alloc() with a timeout during which the
 *    caller waits for another thread to free a block, k_mem_slab_free().
 *    There is no scheduler, so a waiter spins on the pool's free
 *    generation counter until a free happens or its deadline passes, as
 *    mm/heap.c does; it never waits in an interrupt handler (the code it
 *    interrupted may be the one to free) nor with a spinlock held.
 *
 *    Hardening (Linux SLUB's CONFIG_SLAB_FREELIST_HARDENED, 2017): the link
 *    in a free block is stored as next ^ ms_secret ^ (address of the link),
 *    so a stray write or a leaked pointer does not turn into a chosen
 *    "next".  Every link is decoded and checked before it is followed: it
 *    must be the end marker or the start of a block that itself looks
 *    free.  A handed-out block's link word is zeroed, which never decodes
 *    to a valid link: that is how a double free is seen in O(1).
 *
 * 2. Data layout
 *
 *      ms_buffer                                   ms_buffer + n * size
 *      | block 0   | block 1   | block 2   | block 3   | ...       |
 *      +-----------+-----------+-----------+-----------+-----------+
 *      | enc(b3)   | user data | enc(END)  | enc(b2)   |           |
 *      +-----------+-----------+-----------+-----------+-----------+
 *        free ^      used        free ^      free ^
 *      ms_free_list -> b0 -> b3 -> b2 -> END
 *
 *    enc(v) = v ^ ms_secret ^ &link; END = ms_buffer + 1 (odd: never a
 *    block).  ms_secret has its top bit set, so a zeroed link (a used
 *    block) decodes to an address far from the buffer.
 *
 * 3. Invariants (checked by k_mem_slab_validate())
 *    a. The free list is a chain of distinct block starts inside the
 *       buffer, each link valid, ending at END, of length ms_num_blocks -
 *       ms_num_used - ms_nr_lost (no cycle: the walk is bounded).
 *    b. No block is both free and counted used: the blocks whose link
 *       decodes as valid ("look free") are exactly those on the list,
 *       plus at most ms_nr_lost abandoned ones.
 *    c. ms_max_used >= ms_num_used; ms_nr_alloc - ms_nr_free == ms_num_used.
 *
 * 4. Locks: ms_lock (irqsave) guards one pool; pool_lock guards the list
 *    of pools.  Order: pool_lock -> ms_lock.  No other lock is taken inside.
 *
 * 5. Failure protocol.  Allocation never panics: no free block gives
 *    -MM_ENOMEM and the pool is unchanged.  A free is checked before
 *    anything is written; a bad one is reported with the caller, counted
 *    (MM_EBADFREE) and ignored.  A bad link found while allocating (a
 *    write after free) is reported; the rest of the list is abandoned
 *    (counted in ms_nr_lost, never handed out) and the call fails.
 */
#include "mm/pool.h"
#include "mm/internal.h"
#include "mm/hooks.h"
#include "mm/mm.h"
#include "mm/vg.h"
#include "lib/printk.h"
#include "lib/string.h"

static spinlock_t pool_lock = SPINLOCK_INIT("pools");
static struct mm_registry pools = MM_REGISTRY_INIT(pools, "pools");

/* ---- the encoded links ------------------------------------------------------ */

static uintptr_t end_marker(const struct k_mem_slab *s)
{
	return (uintptr_t)s->ms_buffer + 1;
}

static uintptr_t encode(const struct k_mem_slab *s, const void *b, uintptr_t v)
{
	return v ^ s->ms_secret ^ (uintptr_t)b;
}

static uintptr_t decode(const struct k_mem_slab *s, const void *b)
{
	return *(const uintptr_t *)b ^ s->ms_secret ^ (uintptr_t)b;
}

/* Is p the start of one of the pool's blocks? */
static bool is_block(const struct k_mem_slab *s, uintptr_t p)
{
	uintptr_t off = p - (uintptr_t)s->ms_buffer;

	return p >= (uintptr_t)s->ms_buffer &&
	       off / s->ms_block_size < s->ms_num_blocks &&
	       off % s->ms_block_size == 0;
}

/* Does block b hold a valid link (free, or abandoned free)? */
static bool looks_free(const struct k_mem_slab *s, const void *b)
{
	uintptr_t v = decode(s, b);

	return v == end_marker(s) || is_block(s, v);
}

/* May the list go on to v?  END, or a block that looks free itself. */
static bool link_ok(const struct k_mem_slab *s, uintptr_t v)
{
	return v == end_marker(s) ||
	       (is_block(s, v) && looks_free(s, (void *)v));
}

/* A per-pool secret (splitmix64 of clocks and addresses), top bit set. */
static uintptr_t make_secret(const struct k_mem_slab *s)
{
	static unsigned long seq;
	uint64_t z = arch_read_cycles() ^ (arch_time_ns() << 21) ^
		     (uintptr_t)s ^
		     (__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED) *
		      0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uintptr_t)((z ^ (z >> 31)) | (1ULL << 63));
}

/* ---- set-up ------------------------------------------------------------------ */

int k_mem_slab_init_named(struct k_mem_slab *s, const char *name, void *buffer,
			  size_t block_size, uint32_t num_blocks)
{
	size_t bytes;
	unsigned long flags;

	k_mem_slab_remove(s); /* re-initialising a registered pool */
	memset(s, 0, sizeof(*s));
	spin_lock_init(&s->ms_lock, "k_mem_slab");
	s->ms_name = name ? name : "mem_slab";
	if (!buffer || !num_blocks || !block_size ||
	    block_size % MEM_SLAB_ALIGN || (uintptr_t)buffer % MEM_SLAB_ALIGN ||
	    __builtin_mul_overflow(block_size, (size_t)num_blocks, &bytes) ||
	    (uintptr_t)buffer + bytes < (uintptr_t)buffer) {
		mm_set_error(MM_EINVAL);
		return -MM_EINVAL;
	}
	s->ms_buffer = buffer;
	s->ms_block_size = block_size;
	s->ms_num_blocks = num_blocks;
	s->ms_secret = make_secret(s);
	/* Link the blocks in address order: block 0 is handed out first. */
	for (uint32_t i = 0; i < num_blocks; i++) {
		char *b = s->ms_buffer + (size_t)i * block_size;
		uintptr_t next = i + 1 < num_blocks
					 ? (uintptr_t)(b + block_size)
					 : end_marker(s);

		*(uintptr_t *)b = encode(s, b, next);
	}
	s->ms_free_list = s->ms_buffer;
	flags = spin_lock_irqsave(&pool_lock);
	reg_add(&pools, &s->ms_node);
	spin_unlock_irqrestore(&pool_lock, flags);
	return 0;
}

int k_mem_slab_init(struct k_mem_slab *s, void *buffer, size_t block_size,
		    uint32_t num_blocks)
{
	return k_mem_slab_init_named(s, NULL, buffer, block_size, num_blocks);
}

void k_mem_slab_remove(struct k_mem_slab *s)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);

	reg_remove(&pools, &s->ms_node); /* s may be uninitialised memory */
	spin_unlock_irqrestore(&pool_lock, flags);
}

/* ---- allocation ---------------------------------------------------------------- */

static uint32_t num_free(const struct k_mem_slab *s)
{
	return s->ms_num_blocks - s->ms_num_used - (uint32_t)s->ms_nr_lost;
}

/* The head's link is bad: report, abandon the rest of the list. */
static void list_corrupt(struct k_mem_slab *s, void *b, uintptr_t v,
			 unsigned long caller)
{
	printk("k_mem_slab_alloc: pool %s: free block %p has a bad link "
	       "(decodes to %p: written after free?), found by %pS; "
	       "%u free blocks abandoned\n",
	       s->ms_name, b, (void *)v, (void *)caller, num_free(s));
	s->ms_nr_lost += num_free(s);
	s->ms_free_list = NULL;
	s->ms_corrupt = true;
}

/* Take the first free block (ms_lock held), or NULL. */
static void *pop(struct k_mem_slab *s, unsigned long caller)
{
	char *b = s->ms_free_list;
	uintptr_t v;

	if (!b)
		return NULL;
	v = decode(s, b);
	if (!link_ok(s, v)) {
		list_corrupt(s, b, v, caller);
		return NULL;
	}
	s->ms_free_list = v == end_marker(s) ? NULL : (void *)v;
	*(uintptr_t *)b = 0; /* a handed-out block never looks free */
	s->ms_num_used++;
	if (s->ms_num_used > s->ms_max_used)
		s->ms_max_used = s->ms_num_used;
	s->ms_nr_alloc++;
	return b;
}

static void *alloc_wait(struct k_mem_slab *s, k_timeout_t timeout,
			unsigned long caller)
{
	bool can_wait = k_wait_allowed(timeout), waited = false;
	uint64_t deadline = 0;
	unsigned long flags, gen;
	void *b;

	for (;;) {
		flags = spin_lock_irqsave(&s->ms_lock);
		gen = s->ms_free_gen;
		b = pop(s, caller);
		if (!b && !can_wait)
			s->ms_nr_fail++;
		else if (!b && !waited)
			s->ms_nr_wait++;
		spin_unlock_irqrestore(&s->ms_lock, flags);
		if (b || !can_wait)
			break;
		if (!waited) {
			deadline = k_deadline(timeout);
			waited = true;
		}
		/* Timed out: one last try, then fail. */
		can_wait = k_wait_for_change(&s->ms_free_gen, gen, deadline);
	}
	if (!b)
		mm_set_error(MM_ENOMEM);
	return b;
}

void *__k_mem_slab_alloc(struct k_mem_slab *s, unsigned long caller)
{
	return alloc_wait(s, K_NO_WAIT, caller);
}

int k_mem_slab_alloc(struct k_mem_slab *s, void **mem, k_timeout_t timeout)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {
		MM_KIND_POOL, s, s->ms_name, s->ms_block_size, 0, 0, caller};
	void *b;
	int err;

	if (!mem) {
		mm_set_error(MM_EINVAL);
		return -MM_EINVAL;
	}
	*mem = NULL;
	if (hk && hk->should_fail && hk->should_fail(&call)) {
		mm_set_error(MM_EFAULT_INJECTED);
		return -MM_EFAULT_INJECTED;
	}
	b = alloc_wait(s, timeout, caller);
	if (!b)
		return -MM_ENOMEM;
	if (hk && hk->on_alloc && (err = hk->on_alloc(&call, b))) {
		__k_mem_slab_free(s, b, caller);
		mm_set_error((enum mm_error)err);
		return -err;
	}
	vg_alloc(b, s->ms_block_size, s->ms_block_size, 0);
	*mem = b;
	return 0;
}

/* ---- free ---------------------------------------------------------------------- */

/* Why p is not a handed-out block of s, or NULL when it is (lock held). */
static const char *check_block(const struct k_mem_slab *s, const void *p)
{
	uintptr_t a = (uintptr_t)p, buf = (uintptr_t)s->ms_buffer;

	if (a < buf || (a - buf) / s->ms_block_size >= s->ms_num_blocks)
		return "not inside the pool";
	if ((a - buf) % s->ms_block_size)
		return "inside a block, not at its start";
	if (looks_free(s, p))
		return "already free (double free)";
	return NULL;
}

bool __k_mem_slab_free(struct k_mem_slab *s, void *mem, unsigned long caller)
{
	unsigned long flags;
	const char *why;
	uintptr_t next;

	if (!mem)
		return true;
	flags = spin_lock_irqsave(&s->ms_lock);
	why = check_block(s, mem);
	if (!why) {
		next = s->ms_free_list ? (uintptr_t)s->ms_free_list
				       : end_marker(s);
		*(uintptr_t *)mem = encode(s, mem, next);
		s->ms_free_list = mem;
		s->ms_num_used--;
		s->ms_nr_free++;
		s->ms_free_gen++;
	} else {
		s->ms_nr_bad_free++;
	}
	spin_unlock_irqrestore(&s->ms_lock, flags);
	if (why) {
		mm_set_error(MM_EBADFREE);
		printk("k_mem_slab_free: pool %s: %p %s, from %pS; ignored\n",
		       s->ms_name, mem, why, (void *)caller);
	}
	return !why;
}

void k_mem_slab_free(struct k_mem_slab *s, void *mem)
{
	unsigned long caller = _RET_IP_;
	const struct mm_hooks *hk = mm_hooks_get();
	struct mm_call call = {MM_KIND_POOL, s, s->ms_name, 0, 0, 0, caller};

	if (mem && hk && hk->on_free && k_mem_slab_block_live(s, mem) &&
	    hk->on_free(&call, mem))
		return; /* deferred by a transaction */
	vg_free(mem);
	__k_mem_slab_free(s, mem, caller);
}

/* ---- queries ------------------------------------------------------------------- */

bool k_mem_slab_block_live(struct k_mem_slab *s, const void *mem)
{
	unsigned long flags = spin_lock_irqsave(&s->ms_lock);
	bool live = mem && !check_block(s, mem);

	spin_unlock_irqrestore(&s->ms_lock, flags);
	return live;
}

void k_mem_slab_stats_get(struct k_mem_slab *s, struct k_mem_slab_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&s->ms_lock);

	st->num_blocks = s->ms_num_blocks;
	st->num_used = s->ms_num_used;
	st->num_free = num_free(s);
	st->max_used = s->ms_max_used;
	st->block_size = s->ms_block_size;
	st->nr_alloc = s->ms_nr_alloc;
	st->nr_free = s->ms_nr_free;
	st->nr_fail = s->ms_nr_fail;
	st->nr_bad_free = s->ms_nr_bad_free;
	st->nr_wait = s->ms_nr_wait;
	st->nr_lost = s->ms_nr_lost;
	st->corrupt = s->ms_corrupt;
	spin_unlock_irqrestore(&s->ms_lock, flags);
}

uint32_t k_mem_slab_num_used_get(struct k_mem_slab *s)
{
	return __atomic_load_n(&s->ms_num_used, __ATOMIC_RELAXED);
}

uint32_t k_mem_slab_num_free_get(struct k_mem_slab *s)
{
	struct k_mem_slab_stats st;

	k_mem_slab_stats_get(s, &st);
	return st.num_free;
}

uint32_t k_mem_slab_max_used_get(struct k_mem_slab *s)
{
	return __atomic_load_n(&s->ms_max_used, __ATOMIC_RELAXED);
}

/* ---- the validator --------------------------------------------------------------- */

#define VFAIL(s, ...)                                                   \
	do {                                                            \
		printk("k_mem_slab_validate: pool %s: ", (s)->ms_name); \
		printk(__VA_ARGS__);                                    \
		ok = false;                                             \
	} while (0)

/* 3a: follow the list, bounded; returns its length or -1 when broken. */
static long walk_list(struct k_mem_slab *s)
{
	uintptr_t b = (uintptr_t)s->ms_free_list, v;
	long len = 0;
	bool ok = true;

	while (b) {
		if (!is_block(s, b) || len > (long)s->ms_num_blocks) {
			VFAIL(s, "free list leaves the pool or loops at %p\n",
			      (void *)b);
			return -1;
		}
		len++;
		v = decode(s, (void *)b);
		if (!link_ok(s, v)) {
			VFAIL(s, "free block %p has a bad link\n", (void *)b);
			return -1;
		}
		b = v == end_marker(s) ? 0 : v;
	}
	return ok ? len : -1;
}

bool k_mem_slab_validate(struct k_mem_slab *s)
{
	unsigned long flags = spin_lock_irqsave(&s->ms_lock);
	long len = walk_list(s);
	uint32_t look_free = 0;
	bool ok = len >= 0;

	for (uint32_t i = 0; i < s->ms_num_blocks; i++)
		look_free += looks_free(
			s, s->ms_buffer + (size_t)i * s->ms_block_size);
	if (s->ms_num_used + s->ms_nr_lost > s->ms_num_blocks)
		VFAIL(s, "%u used + %lu lost blocks of %u\n", s->ms_num_used,
		      s->ms_nr_lost, s->ms_num_blocks);
	else if (len >= 0 && (uint32_t)len != num_free(s))
		VFAIL(s, "%ld blocks on the free list, counters say %u\n", len,
		      num_free(s));
	if (len >= 0 && (look_free < (uint32_t)len ||
			 look_free > (uint32_t)len + s->ms_nr_lost))
		VFAIL(s,
		      "%u blocks look free, %ld on the list: a used block "
		      "looks free\n",
		      look_free, len);
	if (s->ms_max_used < s->ms_num_used ||
	    s->ms_nr_alloc - s->ms_nr_free != s->ms_num_used)
		VFAIL(s, "counters: %u used, peak %u, %lu allocs - %lu frees\n",
		      s->ms_num_used, s->ms_max_used, s->ms_nr_alloc,
		      s->ms_nr_free);
	spin_unlock_irqrestore(&s->ms_lock, flags);
	return ok;
}

bool pool_validate(void)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	struct list_head *pos;
	unsigned long k;
	bool ok = true;

	reg_for_each(pos, &pools, k) ok &= k_mem_slab_validate(
		list_entry(pos, struct k_mem_slab, ms_node));
	spin_unlock_irqrestore(&pool_lock, flags);
	return reg_check(&pools, "k_mem_slab_validate") && ok;
}

void pool_report(void)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	struct list_head *pos;
	unsigned long k;

	printk("pool           block  blocks    used    peak  allocs  fails  "
	       "waits  bad  lost\n");
	reg_for_each(pos, &pools, k)
	{
		struct k_mem_slab *s =
			list_entry(pos, struct k_mem_slab, ms_node);
		struct k_mem_slab_stats st;

		k_mem_slab_stats_get(s, &st);
		printk("%-12s %7zu %7u %7u %7u %7lu %6lu %6lu %4lu %5lu\n",
		       s->ms_name, st.block_size, st.num_blocks, st.num_used,
		       st.max_used, st.nr_alloc, st.nr_fail, st.nr_wait,
		       st.nr_bad_free, st.nr_lost);
	}
	spin_unlock_irqrestore(&pool_lock, flags);
}

/* Refused frees of every pool (for the health verdict). */
unsigned long pool_bad_frees_total(void)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock), n = 0;
	struct list_head *pos;
	unsigned long k;

	reg_for_each(pos, &pools, k)
	{
		struct k_mem_slab_stats st;

		k_mem_slab_stats_get(
			list_entry(pos, struct k_mem_slab, ms_node), &st);
		n += st.nr_bad_free;
	}
	spin_unlock_irqrestore(&pool_lock, flags);
	return n;
}

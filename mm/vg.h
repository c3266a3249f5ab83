/* SPDX-License-Identifier: MIT */
/*
 * Memcheck annotations: how the host build tells valgrind which bytes of
 * the simulated RAM a caller owns, so that valgrind reports a use after
 * free, an overflow past the size asked for, or a read of uninitialised
 * memory inside a slab object, a kmalloc block or a heap block.
 *
 * Only a host build with -DRVMM_VALGRIND (build/host-vg/, `make host-vg`)
 * expands these; everywhere else (the kernel, the normal and sanitizer
 * host builds) each one is an empty statement that evaluates nothing.
 *
 * The protocol, at each allocator's public entry points only (an
 * allocator built on another calls the unhooked twin, so one block is
 * described once, by the outermost allocator):
 *
 *	vg_alloc(p, req, usable, zeroed)   handed out: [p, p+req) is the
 *		caller's (undefined unless zeroed), [p+req, p+usable) is not;
 *	vg_free(p)                         taken back: no access at all;
 *	vg_lend(p, n) ... vg_unlend(p, n)  the caller's code (a slab
 *		constructor) runs on a free object in between.
 *
 * A free that a transaction defers is described when the transaction
 * really releases the block (txn_release()).  The allocators' own reads
 * and writes of their metadata inside free blocks are by design; the
 * valgrind run suppresses errors whose innermost frame lies in mm/, lib/
 * or arch/host/ (build/host-vg/mm.supp), so these macros stay out of the
 * algorithms.  VG_ON is 1 in the annotated build: the fast paths that
 * bypass the annotated entry points are compiled out there.
 */
#ifndef MM_VG_H
#define MM_VG_H

#if defined(HOST) && defined(RVMM_VALGRIND)
#include <valgrind/memcheck.h>

#define VG_ON 1

#define vg_alloc(p, req, usable, zeroed)                                \
	do {                                                            \
		char *vg_p_ = (char *)(p);                              \
		size_t vg_req_ = (req), vg_use_ = (usable);             \
		VALGRIND_MALLOCLIKE_BLOCK(vg_p_, vg_req_, 0, (zeroed)); \
		if (vg_use_ > vg_req_)                                  \
			VALGRIND_MAKE_MEM_NOACCESS(vg_p_ + vg_req_,     \
						   vg_use_ - vg_req_);  \
	} while (0)
#define vg_free(p)                                       \
	do {                                             \
		if (p)                                   \
			VALGRIND_FREELIKE_BLOCK((p), 0); \
	} while (0)
#define vg_lend(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define vg_unlend(p, n) VALGRIND_MAKE_MEM_NOACCESS((p), (n))

#else

#define VG_ON 0

#define vg_alloc(p, req, usable, zeroed) \
	do {                             \
		(void)sizeof(p);         \
		(void)sizeof(req);       \
		(void)sizeof(usable);    \
		(void)sizeof(zeroed);    \
	} while (0)
#define vg_free(p)               \
	do {                     \
		(void)sizeof(p); \
	} while (0)
#define vg_lend(p, n)            \
	do {                     \
		(void)sizeof(p); \
		(void)sizeof(n); \
	} while (0)
#define vg_unlend(p, n) vg_lend(p, n)

#endif

#endif /* MM_VG_H */

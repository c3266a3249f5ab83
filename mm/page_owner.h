/* SPDX-License-Identifier: MIT */
/*
 * Page owners: with mm.page_owner=1 on the command line, the page
 * allocator keeps, for every frame, who allocated the block that starts
 * there and who freed it last (the caller, the hart, the gfp and a clock
 * of page-owner events), as Linux's page_owner does
 * (Documentation/mm/page_owner.rst).  A refused free_pages() then says
 * where the block came from and where it went; the `owners` monitor
 * command and page_owner_report() sum the live blocks by caller, which is
 * where a leak of pages shows; the validator checks every live block's
 * record.  Off (the default), the array is not made and the allocator
 * pays one load and one branch per call.  docs/page_owner.md explains it.
 */
#ifndef MM_PAGE_OWNER_H
#define MM_PAGE_OWNER_H

#include "mm/page_alloc.h"

/*
 * One frame's record.  Only a block's head frame has a meaningful one;
 * a frame that has never been a block's head keeps zeros.  The clock
 * counts allocations and frees of every hart, so "allocated after its
 * last free" is po_alloc_seq > po_free_seq.
 */
struct page_owner {
	unsigned long po_alloc_ip; /* caller of the allocation (0: unknown) */
	unsigned long po_free_ip; /* caller of the last accepted free */
	uint64_t po_alloc_seq; /* the clock at the allocation (0: never) */
	uint64_t po_free_seq; /* the clock at the last free (0: never) */
	uint32_t po_gfp; /* the allocation's gfp */
	uint8_t po_order; /* the allocation's order */
	uint8_t po_alloc_cpu; /* the hart that allocated */
	uint8_t po_free_cpu; /* the hart that freed last */
};

/* Set once at boot (mm_init()), when the array could be made. */
extern bool page_owner_on;

/* The allocator's test on every call: one load and one branch. */
static inline bool page_owner_recording(void)
{
	return __builtin_expect(__atomic_load_n(&page_owner_on,
						__ATOMIC_RELAXED),
				0);
}

/* Bytes of the array for the frames of the memmap; 0 when mm.page_owner
 * is off.  mm_init() places and reserves it. */
uint64_t page_owner_bytes(unsigned long frames);
/* Start recording into the array at va (page_owner_bytes() long). */
void page_owner_setup(void *va, uint64_t bytes);

/* The record of pg's frame; NULL when off or pg is not a struct page of
 * the memmap. */
struct page_owner *page_owner_of(const struct page *pg);

/* pg was just allocated with order and gfp for caller (on). */
void page_owner_alloc(struct page *pg, unsigned int order, gfp_t gfp,
		      unsigned long caller);
/*
 * A free of pg is about to be tried (on): its record gets the free before
 * the block can go back (so no later allocation's record is overwritten),
 * and *old what it held.  Returns the free's event number, 0 when pg has
 * no record (nothing written).
 */
uint64_t page_owner_free_begin(struct page *pg, unsigned long caller,
			       struct page_owner *old);
/* The free (event seq) was refused: give the record back what it held,
 * unless another free has written it since. */
void page_owner_free_refused(struct page *pg, uint64_t seq,
			     const struct page_owner *old);

/*
 * Around each allocation or free that writes a record (on): between the
 * block's change and its record's, the two disagree.  The validator,
 * with every lock of a zone held, checks records only when
 * page_owner_quiet(): no call is between the two (the last record
 * written is then visible: release and acquire).
 */
void page_owner_busy(void);
void page_owner_done(void);
bool page_owner_quiet(void);

/* "page owner: allocated by F on hart H (event N, ...), freed by ..." for
 * a report on pg's block, into buf; "" when off. */
void page_owner_describe(const struct page *pg, char *buf, size_t len);
/* Live blocks summed by allocation caller, most pages first (console). */
void page_owner_report(void);
/* Validator: is the record of the live block at pg (order) right?  Else
 * false and why[] says what is wrong. */
bool page_owner_check(const struct page *pg, unsigned int order, char *why,
		      size_t len);

#endif /* MM_PAGE_OWNER_H */

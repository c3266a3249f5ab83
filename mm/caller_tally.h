/* SPDX-License-Identifier: MIT */
/*
 * Caller tallies: what a leak report needs, summing live blocks by the
 * function that allocated them into a bounded table (the callers beyond
 * its room go to one "other" line), then putting the largest first.
 * kmalloc's leak report (mm/kmalloc_debug.c, bytes by call site) and the
 * page owner report (mm/page_owner.c, pages by caller) both use one.
 * The caller supplies the table and its room, and a lock if it needs one.
 */
#ifndef MM_CALLER_TALLY_H
#define MM_CALLER_TALLY_H

struct caller_sum {
	unsigned long caller; /* return address of the allocation */
	unsigned long count; /* blocks */
	unsigned long amount; /* bytes or pages: what the report sorts by */
};

struct caller_tally {
	struct caller_sum *sum; /* room for cap callers, nr in use */
	unsigned int cap, nr;
	unsigned long other_count, other_amount; /* callers beyond the room */
	unsigned long count, amount; /* totals of every block added */
};

/* An empty tally over sum[0..cap). */
void caller_tally_init(struct caller_tally *t, struct caller_sum *sum,
		       unsigned int cap);
/* One block of amount, allocated by caller. */
void caller_tally_add(struct caller_tally *t, unsigned long caller,
		      unsigned long amount);
/* Largest amount first; then only the first shown callers stay in sum[],
 * the rest are added to other_count and other_amount. */
void caller_tally_sort(struct caller_tally *t, unsigned int shown);

#endif /* MM_CALLER_TALLY_H */

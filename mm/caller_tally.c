/* SPDX-License-Identifier: MIT */
/*
 * Caller tallies (mm/caller_tally.h): a linear search for the caller
 * (the tables hold a few dozen entries, and a report is a debugging
 * aid, not a fast path) and an insertion sort.
 */
#include "mm/caller_tally.h"

void caller_tally_init(struct caller_tally *t, struct caller_sum *sum,
		       unsigned int cap)
{
	*t = (struct caller_tally){.sum = sum, .cap = cap};
}

void caller_tally_add(struct caller_tally *t, unsigned long caller,
		      unsigned long amount)
{
	unsigned int i = 0;

	t->count++;
	t->amount += amount;
	while (i < t->nr && t->sum[i].caller != caller)
		i++;
	if (i == t->cap) {
		t->other_count++;
		t->other_amount += amount;
		return;
	}
	if (i == t->nr)
		t->sum[t->nr++] = (struct caller_sum){caller, 0, 0};
	t->sum[i].count++;
	t->sum[i].amount += amount;
}

void caller_tally_sort(struct caller_tally *t, unsigned int shown)
{
	for (unsigned int i = 1; i < t->nr; i++)
		for (unsigned int j = i;
		     j && t->sum[j].amount > t->sum[j - 1].amount; j--) {
			struct caller_sum s = t->sum[j];

			t->sum[j] = t->sum[j - 1];
			t->sum[j - 1] = s;
		}
	for (; t->nr > shown; t->nr--) {
		t->other_count += t->sum[t->nr - 1].count;
		t->other_amount += t->sum[t->nr - 1].amount;
	}
}

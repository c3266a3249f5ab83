/* SPDX-License-Identifier: MIT */
/*
 * xorshift64*: 64 bits of state, full period 2^64-1, passes BigCrush in its
 * high bits (Vigna 2016).  Good enough for test workloads, not for secrets.
 */
#include "lib/prng.h"

void prng_seed(struct prng *r, uint64_t seed)
{
	/* The state must never be zero; mix the seed (splitmix64 step). */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	r->state = z ? z : 0x2545f4914f6cdd1dULL;
}

uint64_t prng_next(struct prng *r)
{
	uint64_t x = r->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Lemire's multiply-shift: maps 64 random bits to [0, bound). */
uint64_t prng_below(struct prng *r, uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)prng_next(r) * bound) >> 64);
}

/* SPDX-License-Identifier: MIT */
/*
 * xorshift64* pseudo-random numbers: fixed seeds make tests repeatable.
 * Reference: S. Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", ACM TOMS 42(4), 2016.
 */
#ifndef LIB_PRNG_H
#define LIB_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t state;
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* Uniform in [0, bound) (bound > 0). */
uint64_t prng_below(struct prng *r, uint64_t bound);

#endif /* LIB_PRNG_H */

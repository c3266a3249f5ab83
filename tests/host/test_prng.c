/* SPDX-License-Identifier: MIT */
/*
 * lib/prng.c on the host: same seed same sequence, bounds respected,
 * roughly uniform, no stuck state (seed 0 included).
 */
#include "lib/prng.h"
#include "tests/host/hosttest.h"

#include <inttypes.h>

static void test_determinism(void)
{
	struct ht_group g;
	struct prng a, b;

	ht_begin(&g, "determinism");
	for (uint64_t seed = 0; seed < 64; seed++) {
		prng_seed(&a, seed);
		prng_seed(&b, seed);
		for (int i = 0; i < 1000; i++)
			ht_check(&g, prng_next(&a) == prng_next(&b),
				 "seed %" PRIu64 " step %d differs", seed, i);
	}
	prng_seed(&a, 1);
	prng_seed(&b, 2);
	int same = 0;
	for (int i = 0; i < 1000; i++)
		same += prng_next(&a) == prng_next(&b);
	ht_check(&g, same == 0, "seeds 1 and 2 agree %d times", same);
	ht_end(&g);
}

static void test_not_stuck(void)
{
	struct ht_group g;
	struct prng r;

	ht_begin(&g, "not-stuck");
	for (uint64_t seed = 0; seed < 4; seed++) {
		prng_seed(&r, seed ? ~0ULL >> seed : 0);
		uint64_t first = prng_next(&r), or_all = first, and_all = first;
		int repeats = 0;
		for (int i = 0; i < 10000; i++) {
			uint64_t x = prng_next(&r);
			repeats += x == first;
			or_all |= x;
			and_all &= x;
		}
		ht_check(&g, repeats == 0 && or_all == ~0ULL && and_all == 0,
			 "seed %" PRIu64 ": repeats %d or %" PRIx64
			 " and %" PRIx64,
			 seed, repeats, or_all, and_all);
	}
	ht_end(&g);
}

static void test_bound(void)
{
	static const uint64_t bounds[] = {
		1, 2, 3, 7, 10, 1000, 1ULL << 32, (1ULL << 63) + 12345, ~0ULL};
	struct ht_group g;
	struct prng r;

	ht_begin(&g, "below-bound");
	prng_seed(&r, 7);
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
		uint64_t max = 0;
		for (int i = 0; i < 20000; i++) {
			uint64_t x = prng_below(&r, bounds[b]);
			ht_check(&g, x < bounds[b],
				 "%" PRIu64 " not below %" PRIu64, x,
				 bounds[b]);
			max = x > max ? x : max;
		}
		/* the top tenth of the range must be reached */
		ht_check(&g, max >= bounds[b] - 1 - (bounds[b] - 1) / 10,
			 "bound %" PRIu64 ": max only %" PRIu64, bounds[b],
			 max);
	}
	ht_end(&g);
}

static void test_uniform(void)
{
	struct ht_group g;
	struct prng r;
	unsigned long hist[10] = {0};
	const int draws = 200000;

	ht_begin(&g, "uniform");
	prng_seed(&r, 99);
	for (int i = 0; i < draws; i++)
		hist[prng_below(&r, 10)]++;
	/* expected 20000 each; sigma ~134, so 5% (~7 sigma) is generous */
	for (int k = 0; k < 10; k++)
		ht_check(&g, hist[k] > 19000 && hist[k] < 21000,
			 "bucket %d has %lu of %d", k, hist[k], draws);
	ht_end(&g);
}

int main(void)
{
	ht_prog = "prng";
	test_determinism();
	test_not_stuck();
	test_bound();
	test_uniform();
	return ht_exit();
}

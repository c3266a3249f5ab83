/* SPDX-License-Identifier: MIT */
/*
 * The fuzz targets' input reader: libFuzzer's bytes consumed from the
 * front.  Past the end every read gives 0, so any input, even an empty
 * one, is a complete program.
 */
#ifndef TESTS_FUZZ_FUZZ_INPUT_H
#define TESTS_FUZZ_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct in {
	const uint8_t *d; /* the next byte */
	size_t n; /* bytes left */
};

static inline uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->d++;
}

/* Two bytes, little-endian. */
static inline uint32_t u16(struct in *in)
{
	return u8(in) | (uint32_t)u8(in) << 8;
}

#endif /* TESTS_FUZZ_FUZZ_INPUT_H */

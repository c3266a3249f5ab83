/* SPDX-License-Identifier: MIT */
/*
 * Allocations a test case counts on, under a fault rule (mm.fail=, the
 * faultboot group): a failure the rule injected is tried again, up to
 * KT_INJECT_RETRIES times in a row, so that helpers which take memory
 * away mean "until memory runs out", not "until the first injected
 * failure".  An injected failure happens before the allocator is touched,
 * so the retry gets what the first call would have.  Any other failure is
 * returned at once.
 */
#ifndef TESTS_KERNEL_KT_RETRY_H
#define TESTS_KERNEL_KT_RETRY_H

#include "mm/mm.h"

#define KT_INJECT_RETRIES 1000

/* The value of call (a pointer-returning allocation), retried as above. */
#define KT_RETRY_INJECTED(call)                                              \
	({                                                                   \
		__typeof__(call) kt_v_ = NULL;                               \
		for (int kt_i_ = 0; kt_i_ < KT_INJECT_RETRIES && !kt_v_;     \
		     kt_i_++) {                                              \
			kt_v_ = (call);                                      \
			if (!kt_v_ && mm_last_error() != MM_EFAULT_INJECTED) \
				break;                                       \
		}                                                            \
		kt_v_;                                                       \
	})

#endif /* TESTS_KERNEL_KT_RETRY_H */

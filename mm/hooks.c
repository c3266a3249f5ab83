/* SPDX-License-Identifier: MIT */
/*
 * The one installed set of allocation hooks (see mm/hooks.h).
 */
#include "mm/hooks.h"

const struct mm_hooks *mm_hooks_active;

void mm_set_hooks(const struct mm_hooks *hooks)
{
	__atomic_store_n(&mm_hooks_active, hooks, __ATOMIC_RELEASE);
}

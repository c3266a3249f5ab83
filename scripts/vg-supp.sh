#!/bin/sh
# SPDX-License-Identifier: MIT
# Print memcheck suppressions for the allocators' own accesses: an error
# whose innermost frame is in one of the source files named on the command
# line (basenames), or in a libc function (memcpy, memset ... in valgrind's
# replacement or in libc itself) called from one.
# The allocators read and write their metadata inside free blocks by
# design (free lists, poison, red zones); only the caller's accesses count.
kinds="Addr1 Addr2 Addr4 Addr8 Addr16 Addr32 Value1 Value2 Value4 Value8
Value16 Value32 Cond Overlap"
for f in "$@"; do
	for k in $kinds; do
		printf '{\n   rvmm-%s-%s\n   Memcheck:%s\n   src:%s\n}\n' \
			"$f" "$k" "$k" "$f"
		for o in '*/vgpreload_memcheck-*.so' '*/libc.so*'; do
			printf '{\n   rvmm-%s-%s-libc\n   Memcheck:%s\n   obj:%s\n   src:%s\n}\n' \
				"$f" "$k" "$k" "$o" "$f"
		done
	done
done

#!/bin/sh
# SPDX-License-Identifier: MIT
# The `valgrind` test group (docs/host.md, "valgrind"): the host library
# built with mm/vg.h's memcheck annotations (build/host-vg/, `make
# host-vg`, built here if needed) under valgrind.
#   clean      a correct workload (every kmalloc mode, debug mode, caches,
#              pages, heap, pool, transactions, two harts): no error at all
#   bug/<case> a deliberate bug (tests/valgrind/vg_bugs.c): memcheck must
#              report it, with the stack naming the allocator's function
#   plain      every deliberate bug against the library without the
#              annotations: no report (so the reports above are theirs)
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
D=build/host-vg
LOGS=build/test-logs/valgrind
mkdir -p "$LOGS"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "FAIL: valgrind: valgrind is not installed (sh scripts/deps.sh)"
	exit 1
fi
if ! ${MAKE:-make} --no-print-directory host-vg > "$LOGS/build.log" 2>&1; then
	echo "FAIL: valgrind/build: make host-vg failed (see $LOGS/build.log)"
	exit 1
fi

VG="valgrind -q --error-exitcode=99 --suppressions=$D/mm.supp --num-callers=16"

# vg LOG VALGRIND-OPTIONS... PROG ARGS...: run under valgrind, output in
# $LOGS/LOG.log
vg() {
	vglog=$1
	shift
	timeout "$(scaled 300)" $VG "$@" > "$LOGS/$vglog.log" 2>&1
}

if vg clean "$D/vg_clean"; then
	echo "PASS: valgrind/clean"
else
	rc=$?
	err=$(grep -m1 '^==[0-9]*== [A-Z]' "$LOGS/clean.log")
	echo "FAIL: valgrind/clean: exit status $rc: ${err:-see $LOGS/clean.log}"
fi

# The report each case must draw: "kind|where it points|function"...
# (every pattern must appear in valgrind's output).
expect() {
	case $1 in
	kfree-then-write) echo 'Invalid write of size 1|inside a block of size 100 free.d|: kfree (|: kmalloc (' ;;
	kmalloc-overflow) echo 'Invalid write of size 1|0 bytes after a block of size 100 alloc.d|: kmalloc (' ;;
	kmalloc-uninit) echo 'Conditional jump or move depends on uninitialised|created by a heap allocation|: kmalloc (' ;;
	cache-then-read) echo 'Invalid read of size 1|inside a block of size 48 free.d|: kmem_cache_free (|: kmem_cache_alloc (' ;;
	cache-overflow) echo 'Invalid write of size 1|0 bytes after a block of size 48 alloc.d|: kmem_cache_alloc (' ;;
	debug-redzone) echo 'Invalid write of size 1|0 bytes after a block of size 128 alloc.d|: kmalloc (' ;;
	pages-then-read) echo 'Invalid read of size 1|5,000 bytes inside a block of size 8,192 free.d|: free_pages (|: alloc_pages (' ;;
	heap-overflow) echo 'Invalid write of size 1|0 bytes after a block of size 100 alloc.d|: k_heap_alloc (' ;;
	pool-then-read) echo 'Invalid read of size 1|inside a block of size 64 free.d|: k_mem_slab_free (|: k_mem_slab_alloc (' ;;
	krealloc-stale) echo 'Invalid write of size 1|: krealloc_stale (' ;;
	txn-abort-then-read) echo 'Invalid read of size 1|inside a block of size 200 free.d|: mm_txn_abort (|: kmalloc (' ;;
	*) echo 'no expectation for this case' ;;
	esac
}

cases=$("$D/vg_bugs" list)
for c in $cases; do
	name="bug/$c"
	log="$LOGS/bug-$c.log"
	opt=--track-origins=no
	[ "$c" = kmalloc-uninit ] && opt=--track-origins=yes
	vg "bug-$c" "$opt" "$D/vg_bugs" "$c"
	rc=$?
	missing=""
	IFS='|'
	for pat in $(expect "$c"); do
		grep -q -- "$pat" "$log" || missing="$pat"
	done
	unset IFS
	if [ "$rc" -ne 99 ]; then
		echo "FAIL: valgrind/$name: valgrind reported nothing (exit status $rc)"
	elif [ -n "$missing" ]; then
		echo "FAIL: valgrind/$name: report lacks \"$missing\" (see $log)"
	else
		echo "PASS: valgrind/$name"
	fi
done

if vg plain "$D/vg_bugs_plain" all; then
	echo "PASS: valgrind/plain"
else
	echo "FAIL: valgrind/plain: a bug drew a report without the annotations: $(grep -m1 '^case' "$LOGS/plain.log")"
fi

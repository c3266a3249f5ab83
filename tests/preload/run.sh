#!/bin/sh
# SPDX-License-Identifier: MIT
# The `preload` test group: real, unmodified programs of the machine run on
# the kernel's kmalloc through LD_PRELOAD=build/host/libmm_malloc.so, each
# compared with the same run on glibc (same exit status, same output), plus
# the API checks of build/host/preload-api.  Every run under the shim keeps
# its exit reports (RVMM_MALLOC_STATS, RVMM_MALLOC_CHECK: mm_validate() at
# each process's exit): a run passes only if the named program did allocate
# through the shim, every validation passed and no free was refused.
# Builds nothing: `make test` (or `make preload`) builds first.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
SO=$PWD/build/host/libmm_malloc.so
API=build/host/preload-api
LOGS=build/test-logs/preload
mkdir -p "$LOGS"
status=0

if [ ! -f "$SO" ] || [ ! -x "$API" ]; then
	echo "FAIL: preload/build: $SO or $API missing (run make preload)"
	exit 1
fi

# fail NAME REASON
fail() {
	echo "FAIL: preload/$1: $2"
	status=1
}

# shim_ok NAME STATS PROG [MORE]: the exit reports name PROG with
# allocations (and MORE, a regular expression, on that line), and no report
# shows a failed validation or a refused free.
shim_ok() {
	name=$1 stats=$2 prog=$3 more=${4:-}
	if [ ! -s "$stats" ]; then
		fail "$name" "no exit report: the shim was not in use"
	elif ! grep -q "^rvmm_malloc: $prog pid [0-9]*: malloc [1-9]" "$stats"; then
		fail "$name" "no report of $prog allocating through the shim"
	elif [ -n "$more" ] &&
		! grep -q "^rvmm_malloc: $prog pid [0-9]*: malloc [1-9].*$more" "$stats"; then
		fail "$name" "no report of $prog with '$more'"
	elif grep -q 'validate FAILED' "$stats"; then
		fail "$name" "mm_validate failed: $(grep -m1 FAILED "$stats")"
	elif grep -q 'bad_frees [1-9]' "$stats"; then
		fail "$name" "refused frees: $(grep -m1 'bad_frees [1-9]' "$stats")"
	else
		return 0
	fi
	return 1
}

# compare NAME PROG SECONDS COMMAND [MORE]: run COMMAND (sh -c) on glibc,
# then on the shim; both must exit 0 with the same standard output, and the
# reports must pass shim_ok NAME STATS PROG [MORE].
compare() {
	name=$1 prog=$2 secs=$3 cmd=$4 want=${5:-}
	ref="$LOGS/$name.glibc" out="$LOGS/$name.kmalloc"
	stats="$LOGS/$name.stats"
	rm -f "$stats"
	timeout "$(scaled "$secs")" sh -c "$cmd" > "$ref" 2> "$ref.err"
	rc_ref=$?
	timeout "$(scaled "$secs")" env LD_PRELOAD="$SO" \
		RVMM_MALLOC_STATS="$PWD/$stats" RVMM_MALLOC_CHECK=1 \
		sh -c "$cmd" > "$out" 2> "$out.err"
	rc=$?
	if [ "$rc_ref" -ne 0 ]; then
		fail "$name" "exit status $rc_ref on glibc already: $(head -c 200 "$ref.err")"
	elif [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc on kmalloc (glibc: 0): $(head -c 200 "$out.err")"
	elif ! cmp -s "$ref" "$out"; then
		fail "$name" "output differs from glibc's ($ref vs $out)"
	elif [ ! -s "$ref" ]; then
		fail "$name" "no output to compare"
	elif shim_ok "$name" "$stats" "$prog" "$want"; then
		echo "PASS: preload/$name ($(grep -c '^rvmm_malloc:' "$stats") processes on kmalloc)"
	fi
}

# Only the malloc family is exported: mm/'s and lib/'s names stay inside.
want="aligned_alloc calloc free malloc malloc_usable_size memalign posix_memalign pvalloc realloc reallocarray valloc"
got=$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TW]$/ { print $3 }' | sort | tr '\n' ' ')
if [ "$got" = "$want " ]; then
	echo "PASS: preload/exports"
else
	fail exports "exports '$got', not '$want'"
fi

# The API's edge cases (prints its own PASS/FAIL lines).
stats="$LOGS/api.stats"
rm -f "$stats"
timeout "$(scaled 120)" env LD_PRELOAD="$SO" RVMM_MALLOC_STATS="$PWD/$stats" \
	RVMM_MALLOC_CHECK=1 "$API" > "$LOGS/api.out" 2> "$LOGS/api.err"
rc=$?
cat "$LOGS/api.out"
grep -q '^FAIL: ' "$LOGS/api.out" && status=1
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$LOGS/api.out"; then
	fail api "exit status $rc: $(head -c 200 "$LOGS/api.err")"
fi
shim_ok api "$stats" preload-api && echo "PASS: preload/api/exit_reports"

# api_alone NAME PATTERN [VAR=VALUE...]: run "$API NAME" alone, quietly
# (RVMM_MALLOC_VERBOSE=0: nothing on stderr) with the settings given; it
# must pass and its exit report match PATTERN.
api_alone() {
	name=$1 want=$2 tag=${API_TAG:-$1}
	shift 2
	stats="$LOGS/api-$tag.stats"
	rm -f "$stats"
	timeout "$(scaled 60)" env LD_PRELOAD="$SO" RVMM_MALLOC_STATS="$PWD/$stats" \
		RVMM_MALLOC_CHECK=1 RVMM_MALLOC_VERBOSE=0 "$@" "$API" "$name" \
		> "$LOGS/api-$tag.out" 2> "$LOGS/api-$tag.err"
	rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q '^PASS: ' "$LOGS/api-$tag.out"; then
		fail "api/$tag" "exit status $rc: $(head -c 200 "$LOGS/api-$tag.out")"
	elif ! grep -q "$want" "$stats"; then
		fail "api/$tag" "report does not match '$want': $(cut -c1-300 "$stats")"
	elif [ -s "$LOGS/api-$tag.err" ]; then
		fail "api/$tag" "RVMM_MALLOC_VERBOSE=0 still printed: $(head -c 200 "$LOGS/api-$tag.err")"
	else
		sed "s|^PASS: preload/api/|PASS: preload/api-$tag/|" "$LOGS/api-$tag.out"
	fi
}
# kmalloc's debug mode (red zones, quarantine) with threads freeing each
# other's blocks: a race in the quarantine once handed blocks above 4 KiB
# out twice here (docs/kmalloc.md).
API_TAG=debug-threads api_alone threads 'bad_frees 0; validate ok' \
	RVMM_MALLOC_DEBUG=1
# Bad frees are refused, counted and survived.
api_alone bad-frees 'bad_frees 4; validate ok'
# Past a 16 MiB RAM, kmalloc refuses and mmap serves; then kmalloc again.
api_alone exhaust 'failed [1-9][0-9]*;.*bad_frees 0; validate ok' \
	RVMM_MALLOC_RAM=16M

# The C compiler on a file of this project: assembly, then object.
T=build/test-logs/preload/tmp
mkdir -p "$T"
compare gcc-S cc1 120 \
	"gcc -S -O2 -std=gnu11 -I. -DHOST -o - mm/kmalloc.c"
compare gcc-c cc1 120 \
	"gcc -c -O2 -g -std=gnu11 -I. -DHOST -o $T/slab.o mm/slab.c && sha256sum < $T/slab.o"

# python3: dicts, lists, strings, threads, a subprocess (fork + exec); every
# object through malloc (PYTHONMALLOC=malloc), not only pymalloc's arenas.
PY=$(command -v python3)
compare python3 python3 120 "PYTHONMALLOC=malloc $PY tests/preload/workload.py"

# A large input (about 24 MB), shared by sort and xz.
IN=$T/input.txt
if [ ! -s "$IN" ]; then
	awk 'BEGIN { srand(12); for (i = 0; i < 600000; i++)
		printf "%08x %7d %s\n", int(rand() * 4294967296), i,
			substr("the quick brown fox jumps over the lazy dog", 1 + int(rand() * 20))
	}' > "$IN"
fi
compare sort sort 180 "sort --parallel=2 -S 50% $IN | sha256sum"
compare sort-numeric sort 180 "sort --parallel=2 -k2,2nr -S 64M $IN | tail -3"
# Multi-threaded: xz with two threads.
compare xz-T2 xz 180 "head -c 8000000 $IN | xz -T2 -3 -c | sha256sum"
# Forks: a shell pipeline, make -n, git over this repository.
compare shell-pipeline bash 120 "bash tests/preload/pipeline.sh"
# (without the calling make's flags and jobserver: the plan must not vary)
compare make-n make 120 "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n -B host-lib"
# Threads that allocate at once: perl's ithreads (no global lock), each on
# a hart of its own.
compare perl-threads perl 120 "perl tests/preload/threads.pl" "busy_harts [4-8]"
compare git-log git 120 "git log --stat -n 300 | sha256sum"
if command -v sqlite3 > /dev/null 2>&1; then
	compare sqlite3 sqlite3 120 "sqlite3 :memory: < tests/preload/workload.sql"
fi
rm -f "$T"/slab.o
exit $status

#!/bin/sh
# SPDX-License-Identifier: MIT
# The `stress` test group: a short pass of the long stress
# (tests/stress/stress.c, docs/host.md "Stress"), built with ASan+UBSan
# (build/stress/stress-asan, built here if needed): 8 threads as harts,
# STRESS_TEST_OPS operations (default 300000) per kmalloc mode and seed,
# two seeds, then an out-of-memory storm per mode.  `make stress` runs the
# full 10 million operations per run without the sanitizers.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
LOGS=build/test-logs/stress
mkdir -p "$LOGS"
P=build/stress/stress-asan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

if ! ${MAKE:-make} --no-print-directory "$P" > "$LOGS/build.log" 2>&1; then
	echo "FAIL: stress/build: make $P failed (see $LOGS/build.log)"
	exit 1
fi
timeout "$(scaled 300)" "$P" -n "${STRESS_TEST_OPS:-300000}" -s 2 \
	> "$LOGS/stress.out" 2> "$LOGS/stress.err"
rc=$?
grep -E '^(PASS|FAIL): |^stress: ' "$LOGS/stress.out"
san=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LOGS/stress.err")
if [ -n "$san" ]; then
	echo "FAIL: stress: sanitizer: $san"
elif [ "$rc" -eq 124 ]; then
	echo "FAIL: stress: timed out (> $(scaled 300) s)"
elif [ "$rc" -gt 128 ]; then
	echo "FAIL: stress: killed by signal $((rc - 128))"
elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$LOGS/stress.out"; then
	echo "FAIL: stress: exit status $rc without a FAIL line"
fi
exit 0

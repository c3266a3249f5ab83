#!/bin/sh
# SPDX-License-Identifier: MIT
# The `host` test group: every build/host-asan/tests/test_* program (each
# prints its own PASS/FAIL lines), then the shared in-kernel suites through
# build/host-asan/ktest-host when it exists.  Builds nothing: `make test`
# builds first.  A program that crashes (signal, sanitizer report, non-zero
# exit without a FAIL line) adds a FAIL line that says why.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=build/host-asan/tests
LOGS=build/test-logs/host
mkdir -p "$LOGS"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
status=0

# check NAME RC OUT ERR: add a FAIL line for a crash the program did not report.
check() {
	name=$1 rc=$2 out=$3 err=$4
	san=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$err")
	if [ -n "$san" ]; then
		echo "FAIL: host/$name: sanitizer: $san"
	elif [ "$rc" -gt 128 ]; then
		echo "FAIL: host/$name: killed by signal $((rc - 128))"
	elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$out"; then
		echo "FAIL: host/$name: exit status $rc without a FAIL line"
	elif [ "$rc" -eq 0 ] && ! grep -q '^PASS: ' "$out"; then
		echo "FAIL: host/$name: printed no result"
	fi
	[ "$rc" -eq 0 ] || status=1
}

found=0
for prog in "$T"/test_*; do
	[ -x "$prog" ] || continue
	found=1
	name=${prog##*/test_}
	out="$LOGS/$name.out" err="$LOGS/$name.err"
	timeout "$(scaled 600)" "$prog" > "$out" 2> "$err"
	rc=$?
	[ "$rc" -eq 124 ] && echo "FAIL: host/$name: timed out after 600 s"
	cat "$out"
	[ -s "$err" ] && sed 's/^/  stderr: /' "$err" | head -40
	check "$name" "$rc" "$out" "$err"
done
if [ "$found" -eq 0 ]; then
	echo "FAIL: host/programs: no test program in $T (run make host-tests)"
	status=1
fi

KTEST=build/host-asan/ktest-host
# The whole self-test suite under ASan, as KTAP lines with prefix $1 (log
# $LOGS/$1.log); the rest are ktest-host's arguments.
ktest_run() {
	prefix=$1
	shift
	timeout "$(scaled 600)" "$KTEST" "$@" > "$LOGS/$prefix.log" 2> "$LOGS/$prefix.err"
	rc=$?
	timeout_arg=
	[ "$rc" -eq 124 ] && timeout_arg=--timeout
	python3 scripts/ktap.py --prefix "$prefix" --exit-status "$rc" \
		$timeout_arg "$LOGS/$prefix.log" || status=1
	[ -s "$LOGS/$prefix.err" ] && sed 's/^/  stderr: /' "$LOGS/$prefix.err" | head -40
	san=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LOGS/$prefix.err")
	[ -n "$san" ] && { echo "FAIL: $prefix/sanitizer: $san"; status=1; }
}
if [ -x "$KTEST" ] && [ -f scripts/ktap.py ]; then
	ktest_run hostk
	# The whole suite again with page owners on (docs/page_owner.md):
	# every page allocation and free then writes its record.
	ktest_run hostk-owners --args 'mm.page_owner=1'
	if ! grep -q '^mm: page owner array: ' "$LOGS/hostk-owners.log"; then
		echo "FAIL: hostk-owners/array: mm.page_owner=1 made no array"
		status=1
	fi
	# ktest= given as a boot argument selects as in the kernel.
	out=$(timeout "$(scaled 120)" "$KTEST" --args 'ktest=lib_printk' 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qx '1\.\.1' &&
		printf '%s\n' "$out" | grep -q '^ok 1 lib_printk'; then
		echo "PASS: hostk/args-ktest"
	else
		echo "FAIL: hostk/args-ktest: --args 'ktest=lib_printk' gave status $rc"
		printf '%s\n' "$out" | head -5 | sed 's/^/  /'
		status=1
	fi
	out=$(timeout "$(scaled 120)" "$KTEST" --args 'ktest=lib_printk,' 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && printf '%s\n' "$out" | grep -q 'an empty entry selects nothing'; then
		echo "PASS: hostk/args-ktest-refused"
	else
		echo "FAIL: hostk/args-ktest-refused: 'ktest=lib_printk,' gave status $rc"
		printf '%s\n' "$out" | head -5 | sed 's/^/  /'
		status=1
	fi
fi
exit $status

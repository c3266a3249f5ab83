#!/bin/sh
# SPDX-License-Identifier: MIT
# The `llvm` test group: the second compiler.  Builds the kernel with clang
# and ld.lld (`make TOOLCHAIN=llvm`, into build/llvm/; -Werror, and any
# warning from the linker fails too), boots it once at 256M and 4 harts with
# every in-kernel suite, then builds the host library, the host tests and
# the ktest runner with clang under ASan + UBSan and runs the runner once.
# Logs: build/test-logs/llvm-*.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
LOGS=build/test-logs
mkdir -p "$LOGS"
status=0

# build NAME LOG TARGET...: make TOOLCHAIN=llvm TARGET...; PASS when it
# succeeds and prints no warning.
build() {
	name=$1 log=$2
	shift 2
	if ! timeout "$(scaled 900)" ${MAKE:-make} --no-print-directory -s \
		TOOLCHAIN=llvm "$@" > "$log" 2>&1; then
		echo "FAIL: llvm/$name: make TOOLCHAIN=llvm $* failed" \
			"($(grep -m1 -iE 'error|No rule|Terminated' "$log"))"
		return 1
	fi
	if grep -q 'warning:' "$log"; then
		echo "FAIL: llvm/$name: $(grep -m1 'warning:' "$log")"
		return 1
	fi
	echo "PASS: llvm/$name"
}

KLOG=$LOGS/llvm-boot.log
if build build "$LOGS/llvm-build.log" build/llvm/kernel.elf; then
	qemu_virt "$(scaled 300)" "$KLOG" 256M 4 build/llvm/kernel.elf "monitor=0"
	rc=$?
	timeout_arg=
	[ "$rc" -eq 124 ] && timeout_arg=--timeout
	python3 scripts/ktap.py --prefix llvm --exit-status "$rc" \
		$timeout_arg "$KLOG" || status=1
else
	status=1
fi

KTEST=build/llvm/host-asan/ktest-host
HLOG=$LOGS/llvm-hostk.log
if build host-build "$LOGS/llvm-host-build.log" host-tests; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
		timeout "$(scaled 600)" "$KTEST" > "$HLOG" 2> "$HLOG.err"
	rc=$?
	timeout_arg=
	[ "$rc" -eq 124 ] && timeout_arg=--timeout
	python3 scripts/ktap.py --prefix hostk-llvm --exit-status "$rc" \
		$timeout_arg "$HLOG" || status=1
	san=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		"$HLOG.err")
	[ -n "$san" ] && { echo "FAIL: hostk-llvm/sanitizer: $san"; status=1; }
else
	status=1
fi
exit $status

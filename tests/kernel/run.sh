#!/bin/sh
# SPDX-License-Identifier: MIT
# The `kernel` test group: ktap.py's own self-test, then one QEMU boot of
# build/kernel.elf with every in-kernel suite (monitor=0 powers off with the
# verdict as the exit status); its KTAP log goes to ktap.py, which prints a
# PASS/FAIL line per case and one for the boot as a whole.
# The log is kept in build/test-logs/kernel-boot.log.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
LOGS=build/test-logs
LOG=$LOGS/kernel-boot.log
mkdir -p "$LOGS"
status=0

python3 scripts/ktap.py --self-test || status=1

# `make test` has built the kernel; make sure it is there and current.
if ! ${MAKE:-make} --no-print-directory -s build/kernel.elf \
	> "$LOGS/kernel-build.log" 2>&1; then
	echo "FAIL: kernel/boot: build/kernel.elf does not build" \
		"($(grep -m1 -iE 'error|No rule' "$LOGS/kernel-build.log"))"
	exit 1
fi

qemu_virt "$(scaled 300)" "$LOG" 256M 4 build/kernel.elf "monitor=0"
rc=$?
timeout_arg=
[ "$rc" -eq 124 ] && timeout_arg=--timeout
python3 scripts/ktap.py --prefix kernel --exit-status "$rc" $timeout_arg \
	"$LOG" || status=1

# Benchmark smoke test: every benchmark with tiny counts under -icount;
# only the output's form and the exit status are checked, never a figure.
BLOG=$LOGS/bench-smoke.log
qemu_virt "$(scaled 300)" "$BLOG" 256M 4 build/kernel.elf \
	"monitor=0 ktest=none bench=all bench.quick" \
	-icount shift=0,align=off,sleep=off
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL: kernel/bench-smoke: exit status $rc (log: $BLOG)"
	status=1
else
	expect=page,init,churn,overhead,frag,scale,slab,kmalloc,txn
	expect=$expect,pool,arena,mempool,frag.largest,frag.kdist
	python3 scripts/bench.py check "$BLOG" --prefix kernel/bench-smoke \
		--expect "$expect" || status=1
fi
exit $status

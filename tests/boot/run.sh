#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot matrix: boots checked from outside (QEMU's exit status + the log).
# (The whole self-test suite at many MEM x SMP configurations is the
# `configs` group, tests/configs/run.sh.)
#   - zone edges (mm.dma_limit=0, 32M) report the zones they should;
#   - crash=guard|text|null|exec boots must print the trap report
#     ("Oops: ") and exit non-zero;
#   - a device tree without a usable /memory must end in "Kernel panic: ";
#   - kmalloc.mode=simple and kmalloc.mode=hybrid mm.debug=1 boots start
#     kmalloc that way and pass the kmalloc suites.
# Two QEMUs at a time at most (2-core machines).  Logs: build/test-logs/boot.
set -u
cd "$(dirname "$0")/../.."
KERNEL=build/kernel.elf
LOGS=build/test-logs/boot
. tests/lib.sh
TIMEOUT=$(scaled "${BOOT_TIMEOUT:-120}")
mkdir -p "$LOGS"
rm -f "$LOGS"/*.result

[ -f "$KERNEL" ] || ${MAKE:-make} --no-print-directory "$KERNEL" >/dev/null

# boot NAME MEM SMP "ARGS" [extra QEMU args...]: log + exit status
boot() {
	name=$1 mem=$2 smp=$3 args=$4
	shift 4
	qemu_virt "$TIMEOUT" "$LOGS/$name.log" "$mem" "$smp" "$KERNEL" "$args" "$@"
	echo $? >"$LOGS/$name.rc"
}

result() { echo "$1" >"$LOGS/$2.result"; }

check_up() { # NAME SMP
	log=$LOGS/$1.log rc=$(cat "$LOGS/$1.rc")
	if grep -q '^Oops: \|^Kernel panic: ' "$log"; then
		result "FAIL: boot/$1: $(grep -m1 '^Oops: \|^Kernel panic: ' "$log")" "$1"
	elif [ "$rc" = 124 ]; then
		result "FAIL: boot/$1: timed out after ${TIMEOUT}s" "$1"
	elif ! grep -q "^smp: $2 of $2 harts online" "$log"; then
		result "FAIL: boot/$1: not all $2 harts came up" "$1"
	elif [ "$rc" != 0 ]; then
		result "FAIL: boot/$1: exit status $rc (self-tests failed?)" "$1"
	else
		result "PASS: boot/$1" "$1"
	fi
}

check_dies() { # NAME MARKER-REGEX [EXTRA-REGEX]
	log=$LOGS/$1.log rc=$(cat "$LOGS/$1.rc")
	if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
		result "FAIL: boot/$1: exit status $rc, expected a failure" "$1"
	elif ! grep -q "$2" "$log"; then
		result "FAIL: boot/$1: no '$2' report in the log" "$1"
	elif [ -n "${3:-}" ] && ! grep -q "$3" "$log"; then
		result "FAIL: boot/$1: report lacks '$3'" "$1"
	else
		result "PASS: boot/$1 (exit status $rc)" "$1"
	fi
}


# Zone edges: no DMA zone at all, and a larger one.  The zone suites must
# pass with either (an empty zone is skipped, never a crash).
boot dma0 256M 2 "monitor=0 ktest=page_zones,page_alloc mm.dma_limit=0" &
boot dma32M 128M 2 "monitor=0 ktest=page_zones,page_alloc mm.dma_limit=32M" &
wait
check_up dma0 2
check_up dma32M 2
grep -q '^mm: zone DMA    empty' "$LOGS/dma0.log" ||
	result "FAIL: boot/dma0: the DMA zone is not reported empty" dma0
grep -q '^mm: zone DMA    \[mem 0x0000000080000000-0x0000000081ffffff\]' \
	"$LOGS/dma32M.log" ||
	result "FAIL: boot/dma32M: the DMA zone does not span 32 MiB" dma32M

# kmalloc's backend mode and debug mode from the command line
# (docs/kmalloc.md): in force from boot, the kmalloc suites pass.
boot km-simple 128M 2 "monitor=0 ktest=kmalloc_two_tier,kmalloc_simple,kmalloc_modes kmalloc.mode=simple" &
boot km-hybrid-debug 128M 2 "monitor=0 ktest=kmalloc_hybrid,kmalloc_debug_hybrid,kmalloc_modes kmalloc.mode=hybrid mm.debug=1" &
wait
check_up km-simple 2
check_up km-hybrid-debug 2
grep -q '^kmalloc: [0-9]* size classes.* mode simple, debug off' "$LOGS/km-simple.log" ||
	result "FAIL: boot/km-simple: kmalloc did not start in simple mode" \
		km-simple
grep -q '^kmalloc: [0-9]* size classes.* mode hybrid, debug on' "$LOGS/km-hybrid-debug.log" ||
	result "FAIL: boot/km-hybrid-debug: kmalloc did not start in hybrid mode with debug" \
		km-hybrid-debug
# Fault injection from the command line (docs/fault.md): armed as given,
# it fails exactly two order-9 allocations, each reported (verbose).
boot mmfail 128M 2 \
	"monitor=0 ktest=mm_fault_boot mm.fail=kind:pages,order:9,times:2,verbose"
check_up mmfail 2
grep -q '^mm.fail: armed kind:pages,times:2,order:9,verbose' \
	"$LOGS/mmfail.log" ||
	result "FAIL: boot/mmfail: no 'mm.fail: armed' line" mmfail
[ "$(grep -c '^mm.fail: injected failure into pages' "$LOGS/mmfail.log")" = 2 ] ||
	result "FAIL: boot/mmfail: not exactly two injected failures" mmfail

# OpenSBI 1.1 can let a starting hart jump to _start instead of the
# address given to hart_start (see arch/riscv/entry.S); smp.late_start=1
# makes that happen on purpose.  The kernel must boot once, with every hart.
boot late-start 256M 4 "monitor=0 ktest=page_alloc smp.late_start=1"
check_up late-start 4
[ "$(grep -c '^rvmm: ' "$LOGS/late-start.log")" = 1 ] ||
	result "FAIL: boot/late-start: the kernel booted twice" late-start

boot crash-guard 256M 2 "monitor=0 ktest=none crash=guard" &
boot crash-text 256M 2 "monitor=0 ktest=none crash=text" &
wait
boot crash-null 256M 2 "monitor=0 ktest=none crash=null" &
boot crash-exec 256M 2 "monitor=0 ktest=none crash=exec" &
wait
check_dies crash-guard '^Oops: store/AMO page fault' 'stack overflow'
check_dies crash-text '^Oops: store/AMO page fault' 'crash_if_asked+'
check_dies crash-null '^Oops: load page fault' 'stval  0000000000000000'
check_dies crash-exec '^Oops: instruction page fault'

# A device tree QEMU and OpenSBI accept but that has no /memory node.
"$QEMU" -machine virt -m 128M -smp 2 -machine dumpdtb="$LOGS/virt.dtb" \
	>/dev/null 2>&1
python3 - "$LOGS/virt.dtb" "$LOGS/nomem.dtb" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
d = d.replace(b"memory@", b"memorx@").replace(b"memory\0", b"memorx\0")
open(sys.argv[2], "wb").write(d)
PY
boot dtb-nomem 128M 2 "monitor=0 ktest=none" -dtb "$LOGS/nomem.dtb"
check_dies dtb-nomem '^Kernel panic: device tree'

cat "$LOGS"/*.result
! grep -q '^FAIL' "$LOGS"/*.result

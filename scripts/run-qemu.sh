#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot the kernel in QEMU virt (called by `make run`).
#   sh scripts/run-qemu.sh KERNEL "BOOT ARGS"
# Environment: MEM SMP QEMU OPENSBI, RUN_TIMEOUT (seconds, default 600).
# On a terminal QEMU runs interactively (Ctrl-A x quits).  Otherwise stdin
# is fed to the console followed by `poweroff`, so `echo poweroff | make
# run` and plain end of input both end QEMU with status 0, and a hang is
# cut by `timeout` (exit status 124).  QEMU's exit status is the verdict.
set -u
kernel=$1
args=${2:-}
set -- "${QEMU:-qemu-system-riscv64}" -machine virt -nographic \
	-bios "${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}" \
	-m "${MEM:-256M}" -smp "${SMP:-4}" -kernel "$kernel" -append "$args"

if [ -t 0 ]; then
	echo "*** rvmm in QEMU: 'help' at the mm> prompt, 'poweroff' or Ctrl-A x to quit"
	exec "$@"
fi
# The leading newline is a sacrifice: OpenSBI's UART setup discards the one
# byte QEMU may already have delivered before it.
{ printf '\n'; cat; printf '\npoweroff\n'; } | timeout "${RUN_TIMEOUT:-600}" "$@"

#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot the kernel in QEMU virt (called by `make run` and `make debug`).
#   sh scripts/run-qemu.sh KERNEL [MORE QEMU OPTIONS...]
# Environment:
#   RVMM_ARGS    the boot arguments; they reach the kernel byte for byte
#                (quotes, $, backslashes), as they never pass through a
#                shell command line
#   MEM SMP QEMU OPENSBI   as in the Makefile
#   RUN_TIMEOUT  seconds before a non-interactive run is cut (default 600)
#   RVMM_DEBUG=1 QEMU is started halted for GDB (make debug): it keeps the
#                terminal, stdin is not fed
# A MEM that QEMU or rvmm cannot boot with is refused before QEMU starts.
# On a terminal QEMU runs interactively (Ctrl-A x quits).  Otherwise stdin
# is fed to the console followed by `poweroff`, so `echo poweroff | make
# run` and plain end of input both end QEMU with status 0, and a hang is
# cut by `timeout` (exit status 124).  QEMU's exit status is the verdict.
set -u
kernel=$1
shift
mem=${MEM:-256M}
opensbi=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}

# mem_mib SIZE: SIZE (QEMU's -m syntax: a number, MiB by default, or with
# K, M, G or T; a fraction is cut off) in whole MiB; fails on anything else.
mem_mib() {
	n=$(printf '%s' "$1" |
		sed -n 's/^\([0-9][0-9]*\)\(\.[0-9]*\)\{0,1\}[KkMmGgTt]\{0,1\}$/\1/p')
	[ -n "$n" ] || return 1
	case $1 in
	*[Kk]) echo $((n / 1024)) ;;
	*[Gg]) echo $((n * 1024)) ;;
	*[Tt]) echo $((n * 1024 * 1024)) ;;
	*) echo "$n" ;;
	esac
}

# The least MEM that boots: rvmm needs 32 MiB (kernel/main.c, RAM_MIN);
# OpenSBI's fw_jump writes the device tree at 0x82200000, 34 MiB into RAM,
# and with less than 35 MiB it stops before the kernel, printing nothing.
min=32
why="rvmm needs 32 MiB of RAM"
case ${opensbi##*/} in
fw_jump*)
	min=35
	why="OpenSBI fw_jump puts the device tree 34 MiB into RAM and stops"
	why="$why silently below 35M; rvmm itself needs 32 MiB"
	;;
esac
if ! mib=$(mem_mib "$mem"); then
	echo "run-qemu.sh: MEM=$mem is not a size (write e.g. MEM=256M or MEM=1G)" >&2
	exit 2
fi
if [ "$mib" -lt "$min" ]; then
	echo "run-qemu.sh: MEM=$mem is too small: at least MEM=${min}M ($why)" >&2
	exit 2
fi

set -- "${QEMU:-qemu-system-riscv64}" -machine virt -nographic \
	-bios "$opensbi" -m "$mem" -smp "${SMP:-4}" -kernel "$kernel" \
	-append "${RVMM_ARGS:-}" "$@"

if [ -t 0 ] || [ "${RVMM_DEBUG:-0}" = 1 ]; then
	[ "${RVMM_DEBUG:-0}" = 1 ] ||
		echo "*** rvmm in QEMU: 'help' at the mm> prompt, 'poweroff' or Ctrl-A x to quit"
	exec "$@"
fi
# The leading newline is a sacrifice: OpenSBI's UART setup discards the one
# byte QEMU may already have delivered before it.
{ printf '\n'; cat; printf '\npoweroff\n'; } | timeout "${RUN_TIMEOUT:-600}" "$@"

#!/bin/sh
# SPDX-License-Identifier: MIT
# The `monitor` test group: a scripted session at the mm> prompt.  One QEMU
# boot (no self-tests); tests/monitor/session.py types commands, reads the
# answers and checks them (numbers against each other, the health verdict
# and its log lines, blocks handed out and given back), printing a
# PASS:/FAIL: line per check.  Transcript: build/test-logs/monitor.log.
set -u
cd "$(dirname "$0")/../.."
mkdir -p build/test-logs
[ -f build/kernel.elf ] || ${MAKE:-make} --no-print-directory build/kernel.elf >/dev/null
exec python3 tests/monitor/session.py \
	--qemu "${QEMU:-qemu-system-riscv64}" \
	--bios "${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}" \
	--kernel build/kernel.elf --log build/test-logs/monitor.log

# SPDX-License-Identifier: MIT
# Shell helpers shared by the test groups: `. tests/lib.sh` from the
# repository root.

# scaled SECONDS: SECONDS times $TEST_TIMEOUT_SCALE (default 1; fractions
# allowed; anything but a positive number counts as 1), rounded up to a
# whole number of seconds, at least 1.  Every timeout of every group goes
# through it, so one variable slows them all down for a slow or busy
# machine (docs/testing.md).  The host tests' ht_scaled() is the same rule.
scaled() {
	awk -v s="$1" -v k="${TEST_TIMEOUT_SCALE:-1}" 'BEGIN {
		if (k !~ /^[0-9]*\.?[0-9]+$/ || k + 0 <= 0) k = 1
		v = s * k
		if (v != v + 0 || v < 1) v = 1
		printf "%d\n", (v == int(v)) ? v : int(v) + 1
	}'
}

# The emulator and the firmware every group boots (make test passes both).
QEMU=${QEMU:-qemu-system-riscv64}
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}

# qemu_virt SECONDS LOG MEM SMP KERNEL ARGS [QEMU options...]: one boot of
# KERNEL on QEMU virt with boot arguments ARGS, no input, the console in
# LOG, killed after SECONDS (scale it first).  Returns QEMU's exit status
# (124: timed out).
qemu_virt() {
	_secs=$1 _log=$2 _mem=$3 _smp=$4 _kernel=$5 _args=$6
	shift 6
	timeout "$_secs" "$QEMU" -machine virt -nographic -bios "$OPENSBI" \
		-m "$_mem" -smp "$_smp" -kernel "$_kernel" -append "$_args" \
		"$@" </dev/null >"$_log" 2>&1
}

#!/bin/sh
# SPDX-License-Identifier: MIT
# The `configs` test group: the WHOLE in-kernel self-test suite (every
# suite, every kmalloc mode) booted in several machine configurations, so
# that no configuration is only ever tried with one suite.  The default
# configuration (256M, 4 harts) is the `kernel` group's boot.
#
#   TEST_CONFIGS=quick (default)  the configurations of tests/configs/quick.conf
#   TEST_CONFIGS=full             every MEM {64M 128M 256M 1G 2G 4G} x
#                                 SMP {1 2 3 4 5 8}, then tests/configs/full.conf
#   TEST_JOBS=N                   QEMUs side by side (default 2: a 2-core machine)
#   TEST_TIMEOUT_SCALE=N          multiplies every timeout (slow machines;
#                                 fractions allowed)
#
# Each configuration is one QEMU boot with monitor=0; scripts/ktap.py reads
# its KTAP log and prints a PASS/FAIL line per case as configs/<name>/...;
# the boot must also bring every hart up ("smp: N of N harts online").
# Logs: build/test-logs/configs/<name>.log.  docs/testing.md.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
KERNEL=build/kernel.elf
PROFILE=${TEST_CONFIGS:-quick}
JOBS=${TEST_JOBS:-2}
# A whole-suite boot takes 10-30 s on an idle 2-core machine; 4G with 8
# harts sharing two cores with another QEMU is the slowest.
TIMEOUT=$(scaled 600)
LOGS=build/test-logs/configs
mkdir -p "$LOGS"
rm -f "$LOGS"/*

[ -f "$KERNEL" ] || ${MAKE:-make} --no-print-directory "$KERNEL" >/dev/null

# The list of configurations, one a line: NAME|MEM|SMP|BOOT ARGS|QEMU ARGS
configs() {
	if [ "$PROFILE" = full ]; then
		for mem in 64M 128M 256M 1G 2G 4G; do
			for smp in 1 2 3 4 5 8; do
				echo "mem$mem-smp$smp|$mem|$smp||"
			done
		done
	fi
	grep -v '^[[:space:]]*\(#\|$\)' "tests/configs/$PROFILE.conf" |
		sed 's/[[:space:]]*|[[:space:]]*/|/g'
}

# boot NAME MEM SMP ARGS QEMUARGS: the log and the exit status
boot() {
	# shellcheck disable=SC2086  # QEMU ARGS are words by design
	qemu_virt "$TIMEOUT" "$LOGS/$1.log" "$2" "$3" "$KERNEL" "monitor=0 $4" $5
	echo $? >"$LOGS/$1.rc"
}

# check NAME SMP: the per-case lines, then the harts
check() {
	rc=$(cat "$LOGS/$1.rc")
	r=0
	targ=
	[ "$rc" = 124 ] && targ=--timeout
	python3 scripts/ktap.py --prefix "configs/$1" --exit-status "$rc" \
		$targ "$LOGS/$1.log" || r=1
	if grep -q "^smp: $2 of $2 harts online" "$LOGS/$1.log"; then
		echo "PASS: configs/$1/harts"
	else
		echo "FAIL: configs/$1/harts: not all $2 harts came up" \
			"($(grep -m1 '^smp: ' "$LOGS/$1.log"))"
		r=1
	fi
	return $r
}

configs >"$LOGS/list"
if [ ! -s "$LOGS/list" ]; then
	echo "FAIL: configs: no configuration in profile '$PROFILE'"
	exit 1
fi

# Boot JOBS at a time; report each batch once it is done.
status=0
batch=""
n=0
flush() {
	wait
	for entry in $batch; do
		check "${entry%%:*}" "${entry#*:}" || status=1
	done
	batch=""
	n=0
}
while IFS='|' read -r name mem smp args qargs; do
	boot "$name" "$mem" "$smp" "$args" "$qargs" &
	batch="$batch $name:$smp"
	n=$((n + 1))
	[ "$n" -ge "$JOBS" ] && flush
done <"$LOGS/list"
flush
exit $status

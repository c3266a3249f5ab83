#!/bin/sh
# SPDX-License-Identifier: MIT
# The `faultboot` test group: every in-kernel suite under random injected
# allocation failures (docs/fault.md, "The fault-injection boot").  For each
# seed in FAULT_SEEDS one QEMU boot with
#     mm.fail=probability:P,seed:S,times:unlimited
# (two boots at a time), then per seed:
#   exit      QEMU's exit status is 0 (a case that failed only because a
#             failure was injected is a skip, not a failure)
#   end       the run reached its "# Totals:" line
#   crash     no "Oops:" or "Kernel panic:" line
#   pages     no case or suite lost pages or left a validator red
#   ktap      scripts/ktap.py reads the log and finds no failure
#   injected  the rule did inject failures (a boot that injected nothing
#             proves nothing), and how many per allocator kind
# Knobs: FAULT_SEEDS (default "1 2"), FAULT_PROBABILITY (percent, default
# 5), FAULTBOOT_EXCLUDE (suites left out, space-separated, default none:
# to set a suite aside while its cases are made to clean up after an
# injected failure), TEST_TIMEOUT_SCALE.
# Logs: build/test-logs/faultboot-seed<S>.log.
set -u
cd "$(dirname "$0")/../.."
NM=${NM:-riscv64-unknown-elf-nm}
SEEDS=${FAULT_SEEDS:-1 2}
PROB=${FAULT_PROBABILITY:-5}
EXCLUDE=${FAULTBOOT_EXCLUDE-}
. tests/lib.sh
TIMEOUT=$(scaled 300)
LOGS=build/test-logs
mkdir -p "$LOGS"
status=0

if ! ${MAKE:-make} --no-print-directory -s build/kernel.elf \
	> "$LOGS/faultboot-build.log" 2>&1; then
	echo "FAIL: faultboot/build: build/kernel.elf does not build"
	exit 1
fi

# The ktest= filter: every registered suite but the excluded ones, as one
# "x*" per first letter that no excluded suite shares, names otherwise
# (the kernel's filter is short).
suite_filter() {
	"$NM" build/kernel.elf | sed -n 's/.* ktest_suite_\(.*\)$/\1/p' |
		sort -u | awk -v ex=" $EXCLUDE " '
		{ if (index(ex, " " $0 " ")) bad[substr($0, 1, 1)] = 1
		  else keep[++n] = $0 }
		END {
			for (i = 1; i <= n; i++) {
				c = substr(keep[i], 1, 1)
				w = bad[c] ? keep[i] : c "*"
				if (!(w in seen)) { seen[w] = 1; out = out sep w; sep = "," }
			}
			print out
		}'
}

FILTER=$(suite_filter)
if [ -z "$FILTER" ]; then
	echo "FAIL: faultboot/filter: no suite found in build/kernel.elf"
	exit 1
fi

boot() {
	seed=$1
	log=$LOGS/faultboot-seed$seed.log
	qemu_virt "$TIMEOUT" "$log" 256M 4 build/kernel.elf \
		"monitor=0 ktest=$FILTER mm.fail=probability:$PROB,seed:$seed,times:unlimited"
	echo $? > "$log.rc"
}

# no_line CHECK PATTERN: PASS when $log has no line matching PATTERN,
# else FAIL quoting the first one (and bad=1).
no_line() {
	hit=$(grep -m1 -E "$2" "$log")
	if [ -z "$hit" ]; then
		echo "PASS: $name/$1"
	else
		echo "FAIL: $name/$1: $hit"
		bad=1
	fi
}

check() {
	seed=$1
	log=$LOGS/faultboot-seed$seed.log
	rc=$(cat "$log.rc" 2>/dev/null || echo 255)
	name=faultboot/seed$seed
	bad=0
	if [ "$rc" -eq 0 ]; then
		echo "PASS: $name/exit"
	elif [ "$rc" -eq 124 ]; then
		echo "FAIL: $name/exit: timed out after $TIMEOUT s (log: $log)"
		bad=1
	else
		echo "FAIL: $name/exit: exit status $rc (log: $log; failed:" \
			"$(sed -n 's/.*; failed: //p' "$log" | head -1))"
		bad=1
	fi
	if grep -q '^# Totals: ' "$log"; then
		echo "PASS: $name/end"
	else
		echo "FAIL: $name/end: no '# Totals:' line (log: $log)"
		bad=1
	fi
	no_line crash 'Oops: |Kernel panic: '
	no_line pages 'pages missing after the|pages more free after the|mm_validate\(\) failed after the'
	kfail=$(python3 scripts/ktap.py --prefix "$name" --exit-status "$rc" \
		"$log" 2>&1 | grep '^FAIL: ')
	if [ -z "$kfail" ]; then
		echo "PASS: $name/ktap"
	else
		echo "FAIL: $name/ktap: $(echo "$kfail" | head -1)" \
			"($(echo "$kfail" | wc -l) failures)"
		bad=1
	fi
	# "injected: pages 3092 slab 7 ... total 3235": the closing mm report
	# is the last such line (suites print the report too).
	inj=$(grep '^injected: ' "$log" | tail -1)
	total=$(echo "$inj" | sed -n 's/.* total \([0-9]*\).*/\1/p')
	skips=$(grep -c '# SKIP injected allocation failure' "$log")
	if [ -n "$total" ] && [ "$total" -gt 0 ]; then
		echo "PASS: $name/injected: ${inj#injected: }; $skips cases skipped for it"
	else
		echo "FAIL: $name/injected: no failure was injected (${inj:-no report})"
		bad=1
	fi
	[ "$bad" -eq 0 ] || status=1
}

# Two boots at a time (the machine is shared; each boot is one QEMU).
set -- $SEEDS
while [ $# -gt 0 ]; do
	a=$1
	shift
	boot "$a" &
	if [ $# -gt 0 ]; then
		b=$1
		shift
		boot "$b" &
	fi
	wait
	check "$a"
	[ -n "${b:-}" ] && check "$b"
	b=
done
exit $status

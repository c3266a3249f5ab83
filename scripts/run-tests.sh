#!/bin/sh
# SPDX-License-Identifier: MIT
# `make test`: run every test group and close with "N passed, N failed".
#
# A group is an executable script tests/<group>/run.sh.  It prints one line
# per test result, "PASS: <name>" or "FAIL: <name>: <reason>", and anything
# else it likes (shown as is).  A group that exits non-zero without having
# printed a FAIL line counts as one failure, so a crashed group cannot hide.
set -u
cd "$(dirname "$0")/.."
mkdir -p build/test-logs

GROUPS="${TEST_GROUPS:-host fuzz valgrind stress kernel llvm configs faultboot boot bootargs monitor gdb docs preload}"
pass=0
fail=0
failures=""

for g in $GROUPS; do
	script="tests/$g/run.sh"
	[ -x "$script" ] || continue
	echo "=== $g ==="
	log="build/test-logs/group-$g.out"
	"$script" > "$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $g: group script exited with status $rc"
		f=1
		failures="$failures
FAIL: $g: group script exited with status $rc"
	fi
	failures="$failures
$(grep '^FAIL: ' "$log")"
	pass=$((pass + p))
	fail=$((fail + f))
done

if [ "$fail" -ne 0 ]; then
	echo
	echo "=== failures ==="
	printf '%s\n' "$failures" | grep -v '^$'
fi
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

# SPDX-License-Identifier: MIT
# Shell helpers shared by the test groups: `. tests/lib.sh` from the
# repository root.

# scaled SECONDS: SECONDS times $TEST_TIMEOUT_SCALE (default 1; fractions
# allowed), rounded up to a whole number of seconds, at least 1.  Every
# timeout of every group goes through it, so one variable slows them all
# down for a slow or busy machine (docs/testing.md).
scaled() {
	awk -v s="$1" -v k="${TEST_TIMEOUT_SCALE:-1}" 'BEGIN {
		v = s * k
		if (v != v + 0 || v < 1) v = 1
		printf "%d\n", (v == int(v)) ? v : int(v) + 1
	}'
}

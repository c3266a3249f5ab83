#!/bin/sh
# SPDX-License-Identifier: MIT
# `make fuzz`: run each libFuzzer target of build/fuzz/ for FUZZ_SECONDS
# over its corpus (tests/fuzz/corpus/<target>/, which grows with what the
# run finds) and its regression inputs; a crash input is saved to
# tests/fuzz/regress/<target>/ (docs/fuzz.md says how to keep it).
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   targets to run (default: ops scribble)
#   FUZZ_SEED      libFuzzer -seed (default: 0, a random seed)
set -u
cd "$(dirname "$0")/../.."
. tests/fuzz/targets.sh
secs=${FUZZ_SECONDS:-60}
status=0
for t in ${FUZZ_TARGETS:-ops scribble}; do
	bin=build/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz: $bin missing (make fuzz-build)" >&2; exit 1; }
	mkdir -p "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"
	echo "=== fuzz $t: $secs s ==="
	"$bin" $(fuzz_flags "$t") -max_total_time="$secs" -seed="${FUZZ_SEED:-0}" \
		-print_final_stats=1 -artifact_prefix="tests/fuzz/regress/$t/" \
		"tests/fuzz/corpus/$t" "tests/fuzz/regress/$t" || status=1
done
[ "$status" -eq 0 ] && echo "fuzz: nothing found" ||
	echo "fuzz: a crash input was saved under tests/fuzz/regress/ (docs/fuzz.md)"
exit $status

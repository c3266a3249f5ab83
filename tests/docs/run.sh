#!/bin/sh
# SPDX-License-Identifier: MIT
# The `docs` test group: what the documentation claims is checked against
# the tree.
#   1. docs/bad-inputs.md: every row names a test file that exists and
#      test names that are in it (scripts/bad_inputs.py);
#   2. scripts/docs.py --self-test: the transcript checker on the fixture
#      tests/docs/fixture/doc.md (an edited figure, transcript line or
#      generated picture must fail, naming the doc, the item and the
#      first differing line; a recipe defined twice is refused);
#   3. scripts/docs.py check: every marked transcript and figure of
#      docs/*.md, and every generated file (docs/memmap/*), equals what
#      the current kernel prints (docs/docs.md); `make docs` regenerates
#      them.  Logs: build/test-logs/docs/.
#   4. scripts/tour_check.py: docs/tour.md's exercises each ask, say how
#      to find the answer and fold it away, most answers being figures
#      that step 3 checks; its prose quotes no address or line number.
#   5. scripts/bench.py self-test, then check-doc: every bench figure and
#      table of docs/bench.md equals what docs/bench/*.csv (the last
#      benchmark run, copied by `make bench-report`) say; no benchmark
#      runs here (docs/bench.md, "Generated figures").
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh # scaled SECONDS: times TEST_TIMEOUT_SCALE
LOGS=build/test-logs/docs
mkdir -p "$LOGS"
status=0

python3 scripts/bad_inputs.py check docs/bad-inputs.md || status=1
python3 scripts/docs.py --self-test || status=1
python3 scripts/tour_check.py docs/tour.md || status=1
python3 scripts/bench.py self-test || status=1
python3 scripts/bench.py check-doc docs/bench.md --data docs/bench ||
	{ echo "(make bench-report regenerates docs/bench.md from the CSVs)"; status=1; }

if ! ${MAKE:-make} --no-print-directory -s build/kernel.elf \
	build/gdb/rvmm_consts.py build/host/docs-broken > "$LOGS/build.log" 2>&1; then
	echo "FAIL: docs/setup: the kernel, build/gdb/rvmm_consts.py or" \
		"build/host/docs-broken does not build" \
		"($(grep -m1 -iE 'error|No rule' "$LOGS/build.log"))"
	exit 1
fi
# docs.py bounds each run itself (times TEST_TIMEOUT_SCALE); this is the
# backstop for the whole check.
timeout "$(scaled 900)" python3 scripts/docs.py check \
	--kernel "$PWD/build/kernel.elf" --build "$LOGS" 2> "$LOGS/runs.log"
rc=$?
if [ "$rc" -eq 124 ]; then
	echo "FAIL: docs/check: timed out (see $LOGS/runs.log)"
	status=1
elif [ "$rc" -ne 0 ]; then
	echo "(the docs are stale or a run failed: make docs regenerates" \
		"them; logs in $LOGS)"
	status=1
fi
exit $status

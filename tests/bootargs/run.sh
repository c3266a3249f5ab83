#!/bin/sh
# SPDX-License-Identifier: MIT
# Strict boot arguments (docs/boot.md, "Boot arguments"): boots with bad
# command lines, each checked from outside for the exact report line, the
# default the kernel kept, and the exit status (a refused argument fails
# the run).  Also: mm.dma_limit's edges (0, inside RAM, at and beyond RAM)
# with the suites that use the DMA zone, too little RAM (Kernel panic) and
# the whole suite at the minimum, and `make run`/`make debug`: a MEM too
# small refused before QEMU starts, ARGS that reach the kernel byte for
# byte.  Docs: docs/boot.md names every parameter and quotes real lines.
# Two QEMUs at a time at most.  Timeouts scale with TEST_TIMEOUT_SCALE
# (tests/lib.sh).
# Logs: build/test-logs/bootargs.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
KERNEL=build/kernel.elf
LOGS=build/test-logs/bootargs
TIMEOUT=$(scaled 60)
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log "$LOGS"/*.raw "$LOGS"/*.rc

[ -f "$KERNEL" ] || ${MAKE:-make} --no-print-directory "$KERNEL" >/dev/null

# boot NAME "ARGS" [MEM [extra QEMU args...]]: console log + exit status
boot() {
	name=$1 args=$2 mem=${3:-256M}
	shift 2
	[ $# -gt 0 ] && shift
	qemu_virt "${LIMIT:-$TIMEOUT}" "$LOGS/$name.raw" "$mem" 2 "$KERNEL" \
		"$args" "$@"
	echo $? >"$LOGS/$name.rc"
	unraw "$name"
}

# The console ends lines with CR LF: keep the log with LF only.
unraw() { tr -d '\r' <"$LOGS/$1.raw" >"$LOGS/$1.log"; }

# Run the boots listed on stdin ("NAME|ARGS" per line), two at a time.
boots() {
	running=0
	while IFS='|' read -r name args; do
		boot "$name" "$args" &
		running=$((running + 1))
		if [ "$running" -ge 2 ]; then
			wait
			running=0
		fi
	done
	wait
}

pass() { echo "PASS: bootargs/$1"; }
fail() { echo "FAIL: bootargs/$1: $2"; }

# has NAME LINE: the log holds exactly this line.
has() { grep -qxF -- "$2" "$LOGS/$1.log"; }

# expect NAME RC "EXACT LINE" ["LINE THE DEFAULT GIVES" ...]: check a boot.
expect() {
	name=$1 want=$2 line=$3
	shift 3
	rc=$(cat "$LOGS/$name.rc")
	if [ "$rc" = 124 ]; then
		fail "$name" "timed out after ${TIMEOUT}s"
		return
	fi
	if [ -n "$line" ] && ! has "$name" "$line"; then
		fail "$name" "no line '$line' (got: $(grep -m1 '^bootargs: ' "$LOGS/$name.log"))"
		return
	fi
	for extra in "$@"; do
		if ! grep -q -- "$extra" "$LOGS/$name.log"; then
			fail "$name" "no '$extra' in the log"
			return
		fi
	done
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit status $rc, expected $want"
		return
	fi
	pass "$name"
}

NAMES="bench, bench.quick, crash, demo, demo.tour, kmalloc.heap, kmalloc.mode, ktest, mm.debug, mm.dma_limit, mm.fail, mm.page_owner, monitor, smp.late_start"
REFUSED_1='^boot: 1 boot argument refused (see the bootargs: lines): the run fails$'
DEBUG_OFF='^kmalloc: .* mode two-tier, debug off$'
BOOL='accepted: 0 or 1 (the bare name means 1)'
SIZE='a size (a number, or with K, M or G)'
long=$(printf 'x%.0s' $(seq 1 600))
many=""
for i in $(seq 1 30); do many="$many bench.quick"; done # 32 words in all

boots <<EOF
valid|monitor=0 ktest=none mm.debug=0 kmalloc.mode=two-tier mm.fail=off mm.dma_limit=16M smp.late_start=0 bench.quick=0
unknown|monitor=0 ktest=none foo=bar
case|monitor=0 ktest=none MM.DEBUG=1
orphan|monitor=0 ktest=none =orphan
fail-empty|monitor=0 ktest=none mm.fail=
fail-bad|monitor=0 ktest=none mm.fail=kind:fs
debug-dup|monitor=0 ktest=none mm.debug=1 mm.debug=0
debug-2|monitor=0 ktest=none mm.debug=2
debug-bare|monitor=0 ktest=none mm.debug
mode-bad|monitor=0 ktest=none kmalloc.mode=fast
heap-range|monitor=0 ktest=none kmalloc.heap=1G
heap-bare|monitor=0 ktest=none kmalloc.heap
late-bad|monitor=0 ktest=none smp.late_start=yes
owner-bad|monitor=0 ktest=none mm.page_owner=yes
owner-on|monitor=0 ktest=none mm.page_owner
crash-bad|monitor=0 ktest=none crash=bogus
bench-bad|monitor=0 ktest=none bench=page,nosuch
dma-bad|monitor=0 ktest=none mm.dma_limit=16m5
dma-unaligned|monitor=0 ktest=none mm.dma_limit=1000
ktest-commas|monitor=0 ktest=,,,
ktest-empty|monitor=0 ktest=
ktest-hole|monitor=0 ktest=lib_printk,,lib_prng
ktest-nomatch|monitor=0 ktest=nosuch
too-many|monitor=0 ktest=none$many mm.debug=1
too-long|monitor=0 ktest=none mm.debug=1 $long
dma0|monitor=0 ktest=dma,mm_health_allocs mm.dma_limit=0
dma64M|monitor=0 ktest=none mm.dma_limit=64M
dma128M|monitor=0 ktest=none mm.dma_limit=128M
dma1G|monitor=0 ktest=none mm.dma_limit=1G
dma2G|monitor=0 ktest=none mm.dma_limit=2G
dma3G|monitor=0 ktest=none mm.dma_limit=3G
dma8G|monitor=0 ktest=dma,mm_health_allocs mm.dma_limit=8G
EOF

expect valid 0 "" '^boot: 2 harts, self-tests passed'
grep -q '^bootargs: ' "$LOGS/valid.log" &&
	fail valid-silent "a valid command line gave: $(grep -m1 '^bootargs: ' "$LOGS/valid.log")"
expect unknown 1 "bootargs: foo=bar: unknown parameter; accepted: $NAMES; ignored" "$REFUSED_1"
expect case 1 "bootargs: MM.DEBUG=1: unknown parameter; accepted: mm.debug (names are case-sensitive); ignored" "$DEBUG_OFF"
expect orphan 1 "bootargs: =orphan: no parameter name before '='; ignored"
expect fail-empty 1 "bootargs: mm.fail=: empty value; accepted: off, or a rule such as kind:pages,times:2 (docs/fault.md); keeping the default: off" '^rule: off$' '^boot: 2 harts, self-tests passed'
expect fail-bad 1 "bootargs: mm.fail=kind:fs: bad item 'kind:fs'; accepted: off, or a rule such as kind:pages,times:2 (docs/fault.md); keeping the default: off" '^rule: off$'
expect debug-dup 1 "bootargs: mm.debug=1 mm.debug=0: given 2 times; accepted: mm.debug once; keeping the default: 0" "$DEBUG_OFF"
expect debug-2 1 "bootargs: mm.debug=2: not 0 or 1; $BOOL; keeping the default: 0" "$DEBUG_OFF"
expect debug-bare 0 "" '^kmalloc: .* mode two-tier, debug on$' 'mm.debug=1: new caches check red zones'
expect mode-bad 1 "bootargs: kmalloc.mode=fast: not one of the choices; accepted: two-tier, simple or hybrid; keeping the default: two-tier" "$DEBUG_OFF"
expect heap-range 1 "bootargs: kmalloc.heap=1G: out of range; accepted: $SIZE from 0 to 64M, a multiple of 4K; keeping the default: 1/8 of RAM" '^kmalloc: heap 0 \[.*) 32768 KiB'
expect heap-bare 1 "bootargs: kmalloc.heap: no value; accepted: $SIZE from 0 to 64M, a multiple of 4K; keeping the default: 1/8 of RAM"
expect late-bad 1 "bootargs: smp.late_start=yes: not 0 or 1; $BOOL; keeping the default: 0" '^smp: 2 of 2 harts online'
expect owner-bad 1 "bootargs: mm.page_owner=yes: not 0 or 1; $BOOL; keeping the default: 0"
grep -q '^mm: page owner array' "$LOGS/owner-bad.log" &&
	fail owner-bad-off "mm.page_owner=yes made the page owner array"
expect owner-on 0 "" '^mm: page owner array: [0-9]* frames x 40 bytes at' '^boot: 2 harts, self-tests passed'
expect crash-bad 1 "bootargs: crash=bogus: not one of the choices; accepted: guard, text, null or exec; keeping the default: none"
grep -q '^crash: ' "$LOGS/crash-bad.log" && fail crash-bad-kept "crash=bogus still reached crash_if_asked()"
expect bench-bad 1 "bootargs: bench=page,nosuch: no benchmark 'nosuch'; accepted: all, or benchmark names separated by commas (docs/bench.md); keeping the default: none"
grep -q '^# bench-info: start' "$LOGS/bench-bad.log" && fail bench-bad-kept "bench=page,nosuch still ran benchmarks"
expect dma-bad 1 "bootargs: mm.dma_limit=16m5: not a size; accepted: $SIZE, a multiple of 4K; keeping the default: 16M" '^mm: .* DMA limit 16 MiB$'
expect dma-unaligned 1 "bootargs: mm.dma_limit=1000: not a multiple of 4K; accepted: $SIZE, a multiple of 4K; keeping the default: 16M" '^mm: .* DMA limit 16 MiB$'
KTEST_ACCEPTS="accepted: all, none, or SUITE[.CASE] patterns ('*' any run of characters) separated by commas; running no suite, the run fails"
expect ktest-commas 1 "bootargs: ktest=,,,: an empty entry selects nothing; $KTEST_ACCEPTS" '^1\.\.0$'
expect ktest-empty 1 "bootargs: ktest=: empty value; $KTEST_ACCEPTS" '^1\.\.0$'
expect ktest-hole 1 "bootargs: ktest=lib_printk,,lib_prng: an empty entry selects nothing; $KTEST_ACCEPTS" '^1\.\.0$'
expect ktest-nomatch 1 "# ktest: 'nosuch' matches no suite or case" '^1\.\.0$'
expect too-many 1 "bootargs: mm.debug=1: 1 word dropped: the command line holds at most 32 arguments and 511 bytes; ignored" "$DEBUG_OFF"
expect too-long 1 "" '^bootargs: x\{120\}\.\.\.: 1 word dropped: the command line holds at most 32 arguments and 511 bytes; ignored$' '^kmalloc: .* debug on$'

# mm.dma_limit: a size from the start of RAM, monotonic, capped at RAM.
expect dma0 0 "" '^mm: zone DMA    empty' '^mm: .* DMA limit 0 MiB$' '^ok 1 dma$' '^ok 2 mm_health_allocs$'
expect dma64M 0 "" '^mm: .* DMA limit 64 MiB$'
expect dma128M 0 "" '^mm: .* DMA limit 128 MiB$'
for g in 1G 2G 3G; do
	expect "dma$g" 0 "mm: mm.dma_limit=$g is at or beyond RAM (256 MiB): the DMA zone is all of RAM" '^mm: .* DMA limit 256 MiB$'
done
expect dma8G 0 "mm: mm.dma_limit=8G is at or beyond RAM (256 MiB): the DMA zone is all of RAM" '^mm: zone Normal empty' '^ok 1 dma$' '^ok 2 mm_health_allocs$'
last=-1
for v in 0 64M 128M 1G 2G 3G 8G; do
	mib=$(sed -n 's/^mm: .* DMA limit \([0-9]*\) MiB$/\1/p' "$LOGS/dma$v.log")
	if [ -z "$mib" ] || [ "$mib" -lt "$last" ]; then
		fail dma-monotonic "mm.dma_limit=$v gave a DMA zone of '${mib}' MiB after $last MiB"
		last=
		break
	fi
	last=$mib
done
[ -n "$last" ] && pass dma-monotonic

# Too little RAM for the kernel: fw_dynamic reaches the kernel with 24M
# (fw_jump cannot: see the make run check below).  At the minimum, 32M,
# every suite passes; 35M, make run's floor under fw_jump, boots.
LIMIT=$(scaled 300) boot ram32M "monitor=0" 32M -bios default &
boot ram24M "monitor=0 ktest=none" 24M -bios default
boot fwjump35M "monitor=0 ktest=none" 35M
wait
expect ram24M 3 "" '^Kernel panic: 24 MiB of RAM is too little: rvmm needs at least 32 MiB (MEM=32M)'
expect ram32M 0 "" '^boot: 2 harts, self-tests passed (0 suites failed)$'
expect fwjump35M 0 "" '^boot: 2 harts, self-tests passed'

# await REGEX: until the monitor-bad console shows it (or the timeout).
await() {
	i=0
	while [ $i -lt $((10 * TIMEOUT)) ]; do
		grep -q "$1" "$LOGS/monitor-bad.raw" 2>/dev/null && return
		sleep 0.1
		i=$((i + 1))
	done
}

# monitor=off is refused: the monitor (the default) runs.  At its prompt,
# `tests ,,,` must select nothing and fail; then poweroff ends the boot
# with status 0.
{
	printf '\n'
	await '^mm> '
	printf 'tests ,,,\n'
	await 'selects no suite'
	printf 'poweroff\n'
} | timeout "$TIMEOUT" "$QEMU" -machine virt -nographic -bios "$OPENSBI" \
	-m 256M -smp 2 -kernel "$KERNEL" -append "monitor=off ktest=none" \
	>"$LOGS/monitor-bad.raw" 2>&1
echo $? >"$LOGS/monitor-bad.rc"
unraw monitor-bad
expect monitor-bad 0 "bootargs: monitor=off: not 0 or 1; $BOOL; keeping the default: 1" '^mm> '
cp "$LOGS/monitor-bad.log" "$LOGS/monitor-commas.log"
cp "$LOGS/monitor-bad.rc" "$LOGS/monitor-commas.rc"
expect monitor-commas 0 "# ktest: ',,,' selects no suite" '^# ktest: FAILED: 0 suites'

# make run and make debug: a MEM too small is refused before QEMU starts.
out=$(${MAKE:-make} --no-print-directory run MEM=32M ARGS='monitor=0 ktest=none' </dev/null 2>&1)
rc=$?
printf '%s\n' "$out" >"$LOGS/make-run-mem32M.log"
if [ "$rc" = 0 ] || printf '%s' "$out" | grep -q 'OpenSBI v'; then
	fail make-run-mem32M "exit status $rc, QEMU started: $out"
elif ! printf '%s\n' "$out" | grep -qxF "run-qemu.sh: MEM=32M is too small: at least MEM=35M (OpenSBI fw_jump puts the device tree 34 MiB into RAM and stops silently below 35M; rvmm itself needs 32 MiB)"; then
	fail make-run-mem32M "no refusal line: $out"
else
	pass make-run-mem32M
fi
out=$(${MAKE:-make} --no-print-directory debug MEM=16M </dev/null 2>&1)
rc=$?
printf '%s\n' "$out" >"$LOGS/make-debug-mem16M.log"
if [ "$rc" != 0 ] && ! printf '%s' "$out" | grep -q 'OpenSBI v' &&
	printf '%s\n' "$out" | grep -q '^run-qemu.sh: MEM=16M is too small: at least MEM=35M'; then
	pass make-debug-mem16M
else
	fail make-debug-mem16M "exit status $rc: $out"
fi
out=$(${MAKE:-make} --no-print-directory run MEM=lots </dev/null 2>&1)
printf '%s\n' "$out" >"$LOGS/make-run-mem-junk.log"
if printf '%s\n' "$out" | grep -qxF "run-qemu.sh: MEM=lots is not a size (write e.g. MEM=256M or MEM=1G)"; then
	pass make-run-mem-junk
else
	fail make-run-mem-junk "no refusal line: $out"
fi

# make run: ARGS byte for byte (quotes, $, backquotes, backslashes).
args='monitor=0 ktest=none say="a b" $HOME ${X} `id` \z '"'q'"
${MAKE:-make} --no-print-directory run MEM=64M SMP=1 ARGS="$args" \
	</dev/null >"$LOGS/make-run-args.raw" 2>&1
unraw make-run-args
if grep -qxF "dtb: 1 harts, bootargs \"$args\"" "$LOGS/make-run-args.log"; then
	pass make-run-args
else
	fail make-run-args "the kernel got: $(grep -m1 '^dtb: .* bootargs' "$LOGS/make-run-args.log")"
fi

# docs/boot.md: a row for every parameter the kernel declares (the names
# the unknown-name line lists), and every report line it quotes is one
# that a boot above printed (or the start of one).
missing=""
for n in $(sed -n 's/^bootargs: foo=bar: unknown parameter; accepted: \(.*\); ignored$/\1/p' \
	"$LOGS/unknown.log" | tr -d ,); do
	grep -q "^| \`$n\` |" docs/boot.md || missing="$missing $n"
done
if [ -n "$missing" ]; then
	fail docs-table "docs/boot.md has no row for:$missing"
else
	pass docs-table
fi
stale=$(grep -E '^(bootargs: |Kernel panic: |run-qemu\.sh: |mm: mm\.dma_limit)' docs/boot.md |
	while IFS= read -r line; do
		cat "$LOGS"/*.log |
			awk -v l="$line" 'index($0, l) == 1 { f = 1 } END { exit !f }' ||
			echo "$line"
	done)
if [ -n "$stale" ]; then
	fail docs-lines "docs/boot.md quotes lines no boot printed: $stale"
else
	pass docs-lines
fi

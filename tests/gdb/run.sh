#!/bin/sh
# SPDX-License-Identifier: MIT
# The `gdb` test group: the mm GDB commands against a live kernel.
#   1. scripts/gdb/gen_consts.py on a made-up header (host compiler);
#      `make debug` and `make gdb`'s gdbinit agree on 127.0.0.1:PORT;
#   2. QEMU halted with its gdbstub on a free TCP port (picked now, not the
#      per-user port of `make debug`, so concurrent runs do not clash),
#      gdb-multiarch in batch mode with the gdbinit of `make gdb` (same
#      template, this port) and tests/gdb/check.py, which prints the
#      PASS/FAIL lines (see its header for what each check compares).
# QEMU listens on 127.0.0.1 and gdb connects to that address (never the
# name localhost, which a minimal system may not resolve).  Nothing waits
# a fixed time: QEMU is ready when its port accepts a connection.  The
# timeouts are generous and multiplied by TEST_TIMEOUT_SCALE (default 1).
# Needs only sh, python3, QEMU, gdb and coreutils' timeout (no ss, ps).
# Logs: build/test-logs/gdb/{console.log,gdb.out}.
set -u
cd "$(dirname "$0")/../.."
QEMU=${QEMU:-qemu-system-riscv64}
GDB=${GDB:-gdb-multiarch}
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}
LOGS=build/test-logs/gdb
mkdir -p "$LOGS"
status=0

python3 tests/gdb/test_gen_consts.py || status=1

if ! command -v "$GDB" >/dev/null 2>&1; then
	echo "FAIL: gdb/setup: $GDB is not installed (apt-get install gdb-multiarch)"
	exit 1
fi
if ! ${MAKE:-make} --no-print-directory -s build/kernel.elf \
	build/gdb/rvmm_consts.py > "$LOGS/build.log" 2>&1; then
	echo "FAIL: gdb/setup: the kernel or build/gdb/rvmm_consts.py does not" \
		"build ($(grep -m1 -iE 'error|No rule' "$LOGS/build.log"))"
	exit 1
fi

# `make debug` must make QEMU listen on the very address `make gdb`'s
# gdbinit connects to: 127.0.0.1, not a name (localhost may not resolve).
mk="$LOGS/mk"
listen=$(${MAKE:-make} -n -s --no-print-directory GDBPORT=12345 debug 2>&1 |
	grep -o -- '-gdb [^ ]*')
${MAKE:-make} -s --no-print-directory B="$mk" GDBPORT=12345 "$mk/gdbinit" \
	> "$LOGS/mk.log" 2>&1
connect=$(grep '^target remote' "$mk/gdbinit" 2>/dev/null)
if [ "$listen" = "-gdb tcp:127.0.0.1:12345" ] &&
	[ "$connect" = "target remote 127.0.0.1:12345" ]; then
	echo "PASS: gdb/address"
else
	echo "FAIL: gdb/address: make debug runs QEMU with '$listen', the" \
		"gdbinit says '$connect'; both must be 127.0.0.1:12345"
	status=1
fi

. tests/lib.sh # scaled SECONDS: times TEST_TIMEOUT_SCALE
GDB_TIMEOUT=$(scaled 600)
QEMU_TIMEOUT=$(scaled 700)
PORT_TIMEOUT=$(scaled 120)

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Exit 0 once 127.0.0.1:$1 accepts a connection, 1 if process $2 ends
# first or $3 seconds pass.  (QEMU's gdbstub takes a connection that
# closes at once in its stride: the guest stays halted.)
wait_port() {
	python3 - "$@" <<'PY'
import os, socket, sys, time
port, pid, end = int(sys.argv[1]), int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)  # poll again; the deadline, not this, bounds it
sys.exit(1)
PY
}

# Start QEMU halted; another process may take the port between free_port
# and QEMU's bind (QEMU then exits), so try a few ports.
qpid=
for attempt in 1 2 3 4 5; do
	port=$(free_port)
	timeout "$QEMU_TIMEOUT" "$QEMU" -machine virt -nographic -bios "$OPENSBI" \
		-m 256M -smp 4 -kernel build/kernel.elf -append "monitor=0" \
		-S -gdb "tcp:127.0.0.1:$port" \
		< /dev/null > "$LOGS/console.log" 2>&1 &
	qpid=$!
	if wait_port "$port" "$qpid" "$PORT_TIMEOUT"; then
		break
	fi
	kill "$qpid" 2>/dev/null
	wait "$qpid"
	qpid=
done
if [ -z "$qpid" ]; then
	echo "FAIL: gdb/setup: QEMU did not start with a gdbstub" \
		"($(head -c 300 "$LOGS/console.log"))"
	exit 1
fi

sed -e "s|@KERNEL@|$PWD/build/kernel.elf|g" -e "s|@PORT@|$port|g" \
	-e "s|@ROOT@|$PWD|g" scripts/gdbinit.tmpl > "$LOGS/gdbinit"
RVMM_CONSOLE="$LOGS/console.log" timeout "$GDB_TIMEOUT" "$GDB" -q -nx -batch \
	-x "$LOGS/gdbinit" -x tests/gdb/check.py > "$LOGS/gdb.out" 2>&1
grc=$?
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null

grep -E '^(PASS|FAIL): ' "$LOGS/gdb.out"
if ! grep -q '^gdb-check: ' "$LOGS/gdb.out"; then
	reason="gdb exited with status $grc before the checks ended"
	[ "$grc" -eq 124 ] && reason="gdb timed out after $GDB_TIMEOUT s"
	echo "FAIL: gdb/driver: $reason ($(grep -m1 -iE 'error|exception' \
		"$LOGS/gdb.out")); see $LOGS/gdb.out"
	status=1
fi
grep -q '^FAIL: ' "$LOGS/gdb.out" && status=1
[ "$status" -ne 0 ] && echo "(logs: $LOGS/gdb.out, $LOGS/console.log)"
exit $status

#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what building, running and testing rvmm needs, from Debian's
# packages, but only what is missing: a machine that has everything pays
# one `command -v` per tool.  Uses sudo when not root.
#   sh scripts/deps.sh          what make run / make test need
#   sh scripts/deps.sh bench    also gnuplot (make bench-report), jemalloc
#                               and mimalloc (make bench-host compares them)
set -e

need=""
have() { command -v "$1" >/dev/null 2>&1; }

have riscv64-unknown-elf-gcc || need="$need gcc-riscv64-unknown-elf"
have qemu-system-riscv64 || need="$need qemu-system-misc"
[ -f /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf ] || need="$need opensbi"
have gdb-multiarch || need="$need gdb-multiarch"
have gcc || need="$need gcc"
have make || need="$need make"
have python3 || need="$need python3"
have clang-format || need="$need clang-format"
# tests/preload runs these real programs on libmm_malloc.so.
have xz || need="$need xz-utils"
have sqlite3 || need="$need sqlite3"
have git || need="$need git"
perl -Mthreads -e 1 2>/dev/null || need="$need perl" # ithreads: libperl5.36
# make fuzz and the fuzz group: clang and its libFuzzer runtime.
have clang || need="$need clang"
[ -n "$(find /usr/lib/llvm-14 -name 'libclang_rt.fuzzer-*.a' 2>/dev/null | head -1)" ] ||
	need="$need libclang-rt-14-dev"
# AddressSanitizer/UBSan runtimes come with gcc's libasan/libubsan.
[ -n "$(gcc -print-file-name=libasan.so 2>/dev/null | grep /)" ] || need="$need libasan8"
# The valgrind group runs memcheck; memcheck.h comes with the same package.
{ have valgrind && [ -f /usr/include/valgrind/memcheck.h ]; } || need="$need valgrind"
# The second compiler (make TOOLCHAIN=llvm, tests/llvm): clang, ld.lld,
# llvm-nm and llvm-objdump (Debian 12: version 14; the unversioned names
# come with the clang, lld and llvm packages), and clang's own sanitizer
# runtimes for the host build, only recommended by clang.
have clang || need="$need clang"
have ld.lld || have ld.lld-14 || need="$need lld"
{ have llvm-nm && have llvm-objdump; } || { have llvm-nm-14 && have llvm-objdump-14; } ||
	need="$need llvm"
[ -n "$(clang -print-file-name="libclang_rt.asan-$(uname -m).a" 2>/dev/null | grep /)" ] ||
	need="$need libclang-rt-14-dev"

if [ "${1:-}" = bench ]; then
	lib() { [ -n "$(find /usr/lib /usr/lib64 -name "$1" 2>/dev/null | head -1)" ]; }
	have gnuplot || need="$need gnuplot-nox"
	lib 'libjemalloc.so' || need="$need libjemalloc-dev"
	lib 'libmimalloc.so' || need="$need libmimalloc-dev"
fi

[ -z "$need" ] && exit 0

echo "deps: installing:$need"
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif have sudo; then
	SUDO="sudo"
else
	echo "deps: missing packages:$need" >&2
	echo "deps: not root and no sudo: install them as root with" >&2
	echo "      apt-get install$need" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || {
	echo "deps: apt-get update failed (network? permissions?)" >&2
	exit 1
}
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null || {
	echo "deps: apt-get install$need failed" >&2
	exit 1
}
echo "deps: done"

#!/bin/sh
# SPDX-License-Identifier: MIT
# What the benchmarks need beyond scripts/deps.sh, from Debian's packages
# and only when missing: gnuplot (make bench-report), jemalloc and mimalloc
# (make bench-host compares against them).  Uses sudo when not root.
set -e

need=""
have() { command -v "$1" >/dev/null 2>&1; }
lib() { [ -n "$(find /usr/lib /usr/lib64 -name "$1" 2>/dev/null | head -1)" ]; }

have gnuplot || need="$need gnuplot-nox"
lib 'libjemalloc.so' || need="$need libjemalloc-dev"
lib 'libmimalloc.so' || need="$need libmimalloc-dev"
[ -z "$need" ] && exit 0

echo "bench-deps: installing:$need"
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif have sudo; then
	SUDO="sudo"
else
	echo "bench-deps: not root and no sudo: apt-get install$need" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || {
	echo "bench-deps: apt-get update failed" >&2
	exit 1
}
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null || {
	echo "bench-deps: apt-get install$need failed" >&2
	exit 1
}
echo "bench-deps: done"

# SPDX-License-Identifier: MIT
# A bash workload for tests/preload: subshells that are forked copies of
# bash (no exec) building strings and arrays, in a pipeline with coreutils.
count() {
	local -a lines
	mapfile -t lines < "$1"
	echo "${#lines[@]} ${1##*/}"
}
for f in mm/*.c lib/*.c; do
	(count "$f") &
	wait
done | sort -k2 | awk '{ s += $1 } END { print NR, s }'
( declare -A seen; for i in $(seq 1 5000); do seen[$((i * 7 % 1013))]=$i; done
  echo "${#seen[@]}" ) | cat

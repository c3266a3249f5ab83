# SPDX-License-Identifier: MIT
# The libFuzzer flags of each target, shared by tests/fuzz/run.sh (make
# test) and tests/fuzz/fuzz.sh (make fuzz).  -timeout catches a hang: an
# input that runs longer is a crash.

. tests/lib.sh # scaled(): sourced here, whoever sources this file

# fuzz_flags TARGET: the flags, on stdout.
fuzz_flags() {
	case $1 in
	ops) echo "-len_control=10 -max_len=1024 -timeout=$(scaled 20) -rss_limit_mb=2048" ;;
	scribble) echo "-len_control=10 -max_len=256 -timeout=$(scaled 10) -rss_limit_mb=2048" ;;
	*) echo "-timeout=$(scaled 20)" ;;
	esac
}

# SPDX-License-Identifier: MIT
# rvmm: build the RISC-V kernel, the host library and the tests; drive QEMU
# and GDB.  `make help` lists the targets.

# ---- user knobs -------------------------------------------------------------
MEM ?= 256M
SMP ?= 4
ARGS ?=
ZBB ?= 0
V ?= 0
# gnu: riscv64-unknown-elf-gcc and binutils, host programs with gcc, into
# build/.  llvm: clang and ld.lld, host programs with clang, into
# build/llvm/ (docs/toolchain.md).  `make CC=clang` means TOOLCHAIN=llvm.
TOOLCHAIN ?= gnu
CROSS ?= riscv64-unknown-elf-
CLANG ?= clang
ifeq ($(origin CC),command line)
ifneq ($(filter clang%,$(notdir $(firstword $(CC)))),)
TOOLCHAIN := llvm
CLANG := $(CC)
endif
endif
HOSTCC ?= $(if $(filter llvm,$(TOOLCHAIN)),$(CLANG),gcc)
QEMU ?= qemu-system-riscv64
GDB ?= gdb-multiarch
OPENSBI ?= /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
# Per-user GDB port, as xv6 does, so two users on one machine do not clash.
GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)

ifeq ($(V),1)
Q :=
else
Q := @
endif

ifeq ($(TOOLCHAIN),llvm)
B := build/llvm
else ifeq ($(TOOLCHAIN),gnu)
B := build
else
$(error TOOLCHAIN=$(TOOLCHAIN): use gnu or llvm)
endif
K := $(B)/kernel-obj

# ---- kernel -----------------------------------------------------------------
ifeq ($(TOOLCHAIN),llvm)
# Clang 14 has Zicsr and Zifencei in the base ISA and does not know their
# names.  ld.lld 14 cannot relax: -mno-relax.  No libgcc: clang expands
# the bit builtins inline, and the kernel needs no other helper.
override CC := $(CLANG) --target=riscv64-unknown-elf -mno-relax
LD := $(or $(shell command -v ld.lld || command -v ld.lld-14),ld.lld)
# linker.ld drops .riscv.attributes: tell llvm-objdump the extensions.
comma := ,
OBJDUMP := $(or $(shell command -v llvm-objdump || command -v llvm-objdump-14),llvm-objdump) \
	--mattr=+m,+a,+c$(if $(filter 1,$(ZBB)),$(comma)+zbb)
NM := $(or $(shell command -v llvm-nm || command -v llvm-nm-14),llvm-nm)
MARCH := rv64imac
LIBGCC :=
else
CC := $(CROSS)gcc
LD := $(CROSS)ld
OBJDUMP := $(CROSS)objdump
NM := $(CROSS)nm
MARCH := rv64imac_zicsr_zifencei
# The soft-float libgcc multilib (docs/toolchain.md): needed e.g. for __clzdi2.
LIBGCC := $(shell $(CC) -march=rv64imac -mabi=lp64 -print-libgcc-file-name 2>/dev/null)
endif
ifeq ($(ZBB),1)
MARCH := $(MARCH)_zbb
endif

KCFLAGS := -march=$(MARCH) -mabi=lp64 -mcmodel=medany -ffreestanding \
	-fno-common -fno-stack-protector -fno-pie -fno-strict-aliasing \
	-fno-omit-frame-pointer -std=gnu11 -O2 -g -I. -DKERNEL \
	-DRVMM_ZBB=$(ZBB) -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -MMD -MP
KASFLAGS := $(KCFLAGS) -D__ASSEMBLY__

# Every source in these folders is part of the kernel.
KSRC := $(wildcard arch/riscv/*.c arch/riscv/*.S kernel/*.c lib/*.c mm/*.c \
	tests/kernel/*.c bench/*.c)
KOBJ := $(patsubst %,$(K)/%.o,$(basename $(KSRC)))

KERNEL := $(B)/kernel.elf
# The headers' constants for the GDB commands (scripts/gdb/gen_consts.py).
GDBCONSTS := $(B)/gdb/rvmm_consts.py

all: $(KERNEL) $(GDBCONSTS)

$(K)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(K)/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Two-pass link: the first image gives the symbol table that the second
# embeds (for symbolic trap reports).  The table lives after all code, so
# code addresses do not move between the passes; scripts/ksyms.py checks it.
$(K)/ksyms0.S:
	@mkdir -p $(dir $@)
	$(Q)python3 scripts/ksyms.py --empty > $@

$(K)/ksyms0.o: $(K)/ksyms0.S
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

$(K)/pass1.elf: $(KOBJ) $(K)/ksyms0.o linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) -T linker.ld -o $@ $(KOBJ) $(K)/ksyms0.o $(LIBGCC)

$(K)/ksyms.S: $(K)/pass1.elf scripts/ksyms.py
	$(Q)$(NM) -n $< | python3 scripts/ksyms.py > $@

$(K)/ksyms.o: $(K)/ksyms.S
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

$(KERNEL): $(KOBJ) $(K)/ksyms.o linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) -T linker.ld -Map $(B)/kernel.map -o $@ $(KOBJ) $(K)/ksyms.o $(LIBGCC)
	$(Q)$(NM) -n $(K)/pass1.elf | python3 scripts/ksyms.py --check-against $@ --nm $(NM)
	$(Q)$(OBJDUMP) -S $@ > $(B)/kernel.asm
	$(Q)$(NM) -n $@ > $(B)/kernel.sym

# The compiler evaluates every #define and enumerator of these headers (and
# the #defines of mm/*.c) for scripts/gdb (docs/gdb.md); nothing is copied
# by hand.
GDB_HEADERS := arch/arch.h $(sort $(wildcard mm/*.h)) $(sort $(wildcard mm/*.c))

$(GDBCONSTS): scripts/gdb/gen_consts.py $(GDB_HEADERS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)python3 scripts/gdb/gen_consts.py -o $@ \
		--cc "$(CC) -march=$(MARCH) -mabi=lp64 -mcmodel=medany -ffreestanding -std=gnu11 -I. -DKERNEL -DRVMM_ZBB=$(ZBB)" \
		$(GDB_HEADERS)

# ---- host library and host tests -------------------------------------------
# lib/string.c provides memcpy & co. for the kernel; the host has libc's.
HOST_EXCLUDE := lib/string.c
HOST_SRC := $(filter-out $(HOST_EXCLUDE),$(wildcard mm/*.c lib/*.c arch/host/*.c))
HCFLAGS_COMMON := -std=gnu11 -I. -DHOST -pthread -g -fno-omit-frame-pointer \
	-fno-strict-aliasing -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -MMD -MP
HCFLAGS := $(HCFLAGS_COMMON) -O2
# Tests: AddressSanitizer + UndefinedBehaviorSanitizer.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
HSCFLAGS := $(HCFLAGS_COMMON) -O1 $(SAN)

HOSTLIB := $(B)/host/libmm.a
HOSTLIB_SAN := $(B)/host-asan/libmm.a

$(B)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HCFLAGS) -c $< -o $@

$(B)/host-asan/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $< (asan)")
	$(Q)$(HOSTCC) $(HSCFLAGS) -c $< -o $@

$(HOSTLIB): $(patsubst %.c,$(B)/host/%.o,$(filter-out $(HOST_EXCLUDE),$(HOST_SRC)))
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(HOSTLIB_SAN): $(patsubst %.c,$(B)/host-asan/%.o,$(filter-out $(HOST_EXCLUDE),$(HOST_SRC)))
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

host-lib: $(HOSTLIB)

# libmm_malloc.so (docs/host.md, "Real programs on kmalloc"): the malloc
# family over kmalloc for LD_PRELOAD.  The same sources as the host library,
# position-independent and hidden, plus arch/host/preload/; only the symbols
# of the version script are exported.
PRELOAD := $(B)/host/libmm_malloc.so
PRELOAD_SRC := $(HOST_SRC) $(wildcard arch/host/preload/*.c)
PCFLAGS := $(HCFLAGS) -fPIC -fvisibility=hidden -ftls-model=initial-exec
PRELOAD_MAP := arch/host/preload/malloc.map

$(B)/host-pic/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $< (pic)")
	$(Q)$(HOSTCC) $(PCFLAGS) -c $< -o $@

$(PRELOAD): $(patsubst %.c,$(B)/host-pic/%.o,$(PRELOAD_SRC)) $(PRELOAD_MAP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) -shared -pthread -Wl,--no-undefined -Wl,-z,now \
		-Wl,--version-script=$(PRELOAD_MAP) -o $@ $(filter %.o,$^)

# The API checks of tests/preload, an ordinary program run under LD_PRELOAD.
PRELOAD_API := $(B)/host/preload-api

$(PRELOAD_API): tests/preload/api.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) $(filter-out -MMD -MP,$(HCFLAGS)) -fno-builtin -o $@ $< -lpthread

preload: $(PRELOAD) $(PRELOAD_API)

# Each tests/host/test_*.c is one program linked with the sanitized library.
HTEST_SRC := $(wildcard tests/host/test_*.c)
HTESTS := $(patsubst tests/host/%.c,$(B)/host-asan/tests/%,$(HTEST_SRC))

$(B)/host-asan/tests/%: $(B)/host-asan/tests/host/%.o $(HOSTLIB_SAN)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) $(SAN) -pthread -o $@ $< $(HOSTLIB_SAN)

# The shared in-kernel suites, run on the host by the ktest runner.
KTEST_HOST_SRC := $(wildcard kernel/ktest*.c) tests/host/ktest_main.c $(wildcard tests/kernel/*.c)
KTEST_HOST := $(B)/host-asan/ktest-host

$(KTEST_HOST): $(patsubst %.c,$(B)/host-asan/%.o,$(KTEST_HOST_SRC)) $(HOSTLIB_SAN)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) $(SAN) -pthread -o $@ $(filter %.o,$^) $(HOSTLIB_SAN)

# ktest-host only once its runner (tests/host/ktest_main.c) exists.
host-tests: $(HTESTS) $(if $(wildcard tests/host/ktest_main.c),$(KTEST_HOST))

# ---- valgrind build and long stress (docs/host.md) --------------------------
# build/host-vg/libmm.a: -DRVMM_VALGRIND, the memcheck annotations of
# mm/vg.h on, no sanitizer (valgrind and ASan exclude each other).
# mm.supp hides the allocators' own accesses to free blocks: an error whose
# innermost frame lies in mm/, lib/ or arch/host/ (or in libc's mem*
# called from there).
HOSTLIB_VG := $(B)/host-vg/libmm.a
VG_SUPP := $(B)/host-vg/mm.supp
VG_CFLAGS := $(HCFLAGS_COMMON) -O1 -DRVMM_VALGRIND
VG_PROGS := $(B)/host-vg/vg_clean $(B)/host-vg/vg_bugs $(B)/host-vg/vg_bugs_plain

$(B)/host-vg/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $< (valgrind)")
	$(Q)$(HOSTCC) $(VG_CFLAGS) -c $< -o $@

$(HOSTLIB_VG): $(patsubst %.c,$(B)/host-vg/%.o,$(HOST_SRC))
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(VG_SUPP): scripts/vg-supp.sh $(HOST_SRC)
	@mkdir -p $(dir $@)
	$(Q)sh scripts/vg-supp.sh $(sort $(notdir $(wildcard mm/*.[ch] lib/*.[ch] \
		arch/*.h arch/host/*.[ch]))) > $@

$(B)/host-vg/vg_%: $(B)/host-vg/tests/valgrind/vg_%.o $(HOSTLIB_VG)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) -pthread -o $@ $< $(HOSTLIB_VG)

# The same bugs against the library without annotations: valgrind must
# stay silent there, which shows that the reports come from mm/vg.h.
$(B)/host-vg/vg_bugs_plain: $(B)/host-vg/tests/valgrind/vg_bugs.o $(HOSTLIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) -pthread -o $@ $< $(HOSTLIB)

host-vg: $(VG_PROGS) $(VG_SUPP)

# The long stress (tests/stress/stress.c): `make stress` runs 10 million
# operations per kmalloc mode and seed, 8 threads as harts, -O2 without a
# sanitizer (speed); make test's stress group runs a short pass of the
# ASan+UBSan build.  STRESS_OPS / STRESS_SEEDS change the full run.
STRESS := $(B)/stress/stress
STRESS_ASAN := $(B)/stress/stress-asan
STRESS_OPS ?= 10000000
STRESS_SEEDS ?= 3

$(STRESS): tests/stress/stress.c tests/host/block_pattern.h $(HOSTLIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) $(filter-out -MMD -MP,$(HCFLAGS)) -o $@ $< $(HOSTLIB)

$(STRESS_ASAN): tests/stress/stress.c tests/host/block_pattern.h $(HOSTLIB_SAN)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@ (asan)")
	$(Q)$(HOSTCC) $(filter-out -MMD -MP,$(HSCFLAGS)) -o $@ $< $(HOSTLIB_SAN)

stress-progs: $(STRESS) $(STRESS_ASAN)

stress: deps
	$(Q)$(MAKE) --no-print-directory $(STRESS)
	$(Q)time -p $(STRESS) -n $(STRESS_OPS) -s $(STRESS_SEEDS)
# ---- fuzzing (docs/fuzz.md) ---------------------------------------------------
# libFuzzer targets tests/fuzz/fuzz_<target>.c, linked against mm/ + lib/ +
# arch/host compiled by clang with coverage, ASan and UBSan in build/fuzz/.
# `make fuzz` runs each target for FUZZ_SECONDS over its corpus in
# tests/fuzz/corpus/<target>/; crash inputs land in tests/fuzz/regress/<target>/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := ops scribble
FZ := $(B)/fuzz
FZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FZ_CFLAGS := $(filter-out -O2,$(HCFLAGS)) -O1 -gline-tables-only $(FZ_SAN) \
	-fsanitize=fuzzer-no-link
# mm/ gets edge coverage without comparison tracing: the validators'
# compares over every struct page would cost most of each execution.
FZ_LIB_CFLAGS := $(FZ_CFLAGS) -fno-sanitize-coverage=trace-cmp
FZ_OBJ := $(patsubst %.c,$(FZ)/%.o,$(filter-out $(HOST_EXCLUDE),$(HOST_SRC)))

$(FZ)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -c $< -o $@

$(FZ)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FZ_LIB_CFLAGS) -c $< -o $@

$(FZ)/libmm.a: $(FZ_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(FZ)/fuzz_%: $(FZ)/tests/fuzz/fuzz_%.o $(FZ)/libmm.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(FUZZ_CC) $(FZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^

fuzz-build: $(addprefix $(FZ)/fuzz_,$(FUZZ_TARGETS))

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
		sh tests/fuzz/fuzz.sh

# ---- installing what is missing ---------------------------------------------
DEPS_STAMP := $(B)/.deps-ok

deps:
	$(Q)sh scripts/deps.sh

# ---- running ------------------------------------------------------------------
# ARGS reaches the kernel byte for byte: scripts/run-qemu.sh takes it from
# the environment (RVMM_ARGS), never from a shell command line, and
# $(value ...) keeps make itself from expanding a '$' in it.  The script
# also refuses a MEM too small to boot, before QEMU starts.
export RVMM_ARGS := $(value ARGS)
RUN_ENV = MEM='$(MEM)' SMP='$(SMP)' QEMU='$(QEMU)' OPENSBI='$(OPENSBI)'

run: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL)
	$(Q)$(RUN_ENV) sh scripts/run-qemu.sh $(KERNEL)

# QEMU halted, waiting for GDB on this user's port.
debug: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL) $(GDBCONSTS) $(B)/gdbinit
	@echo "*** QEMU is waiting for GDB on 127.0.0.1:$(GDBPORT): run 'make gdb' in another terminal"
	$(Q)$(RUN_ENV) RVMM_DEBUG=1 sh scripts/run-qemu.sh $(KERNEL) \
		-S -gdb tcp:127.0.0.1:$(GDBPORT)

# `make memmap-svg`: boot as `make run` does (MEM, SMP, ARGS), type the
# monitor commands of MEMMAP_DO (separated by ';', e.g. 'fragment 4096')
# and then `memmap` at the prompt, and draw that map: $(MEMMAP_OUT).svg
# (titled MEMMAP_TITLE) and its text $(MEMMAP_OUT).txt
# (scripts/memmap_svg.py; docs/buddy.md, "Pictures of memory").
MEMMAP_DO ?=
MEMMAP_OUT ?= $(B)/memmap
MEMMAP_TITLE ?= Physical memory map

memmap-svg: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL)
	@mkdir -p $(dir $(MEMMAP_OUT))
	$(Q)printf '%s\nmemmap\n' '$(MEMMAP_DO)' | tr ';' '\n' | \
		$(RUN_ENV) sh scripts/run-qemu.sh $(KERNEL) > $(B)/memmap.log
	$(Q)python3 scripts/memmap_svg.py $(B)/memmap.log \
		--save-text $(MEMMAP_OUT).txt -o $(MEMMAP_OUT).svg \
		--title '$(MEMMAP_TITLE)'
	@echo "memmap-svg: $(MEMMAP_OUT).svg, $(MEMMAP_OUT).txt (console: $(B)/memmap.log)"

# Remade every time: GDBPORT=... may differ from the last call.
.PHONY: $(B)/gdbinit
$(B)/gdbinit: scripts/gdbinit.tmpl
	@mkdir -p $(B)
	$(Q)sed -e 's|@KERNEL@|$(abspath $(KERNEL))|g' -e 's|@PORT@|$(GDBPORT)|g' \
		-e 's|@ROOT@/build/gdb|$(abspath $(dir $(GDBCONSTS)))|g' \
		-e 's|@ROOT@|$(CURDIR)|g' $< > $@

gdb: deps $(KERNEL) $(GDBCONSTS) $(B)/gdbinit
	$(Q)$(GDB) -q -x $(B)/gdbinit

# ---- tests --------------------------------------------------------------------
# What every test run builds first, and the tools it hands the groups.
TEST_BUILD := $(KERNEL) $(HOSTLIB) host-tests preload fuzz-build
TEST_ENV = MAKE="$(MAKE)" QEMU=$(QEMU) OPENSBI=$(OPENSBI) GDB=$(GDB)

test: deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BUILD)
	$(Q)$(TEST_ENV) sh scripts/run-tests.sh

# Everything `make test` runs, with the whole self-test suite at every MEM x
# SMP pair and more machines (tests/configs), and ten fault-injection seeds.
test-full: deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BUILD)
	$(Q)$(TEST_ENV) TEST_CONFIGS=full FAULT_SEEDS="$(FULL_FAULT_SEEDS)" \
		sh scripts/run-tests.sh

FULL_FAULT_SEEDS := 1 2 3 4 5 6 7 8 9 10

# ---- generated docs (docs/docs.md) -------------------------------------------
# `make docs`: regenerate every marked transcript and figure of docs/*.md
# from real runs (QEMU, GDB); tests/docs/run.sh checks them.
# tests/docs/broken.c: the allocators broken on purpose, for the reports
# the documents quote.
DOCS_BROKEN := $(B)/host/docs-broken

$(DOCS_BROKEN): tests/docs/broken.c tests/host/hosttest.h $(HOSTLIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) $(filter-out -MMD -MP,$(HCFLAGS)) -o $@ $< $(HOSTLIB)

docs: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL) $(GDBCONSTS) $(DOCS_BROKEN)
	$(Q)QEMU=$(QEMU) OPENSBI=$(OPENSBI) GDB=$(GDB) python3 scripts/docs.py \
		update --kernel $(abspath $(KERNEL)) --build $(B)/docs

# ---- benchmarks (docs/bench.md) ---------------------------------------------
# `make bench`: the in-kernel benchmarks under QEMU -icount, default -march
# and Zbb (its own build directory), into build/bench/kernel.{md,csv}.
# `make bench-host`: the host benchmark against glibc, jemalloc, mimalloc,
# then real programs on each of them and on libmm_malloc.so (LD_PRELOAD);
# BENCH_REPS repetitions of each.
# `make bench-report`: the last runs' CSVs and SVG plots into docs/bench/, and
# every marked figure and table of docs/bench.md regenerated from them.
BENCH_OUT := $(B)/bench
BENCH_REPS ?= 5

bench: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL)
	$(Q)$(MAKE) --no-print-directory B=$(B)/zbb ZBB=1 $(B)/zbb/kernel.elf
	$(Q)python3 scripts/bench.py run-all --kernel $(KERNEL) \
		--kernel-zbb $(B)/zbb/kernel.elf --out $(BENCH_OUT)

# One program per allocator, each owning malloc in its own process.
BH_DIR := $(B)/bench-host
BH_PEERS := glibc jemalloc mimalloc kmalloc tlsf sheap
BH_SRC := bench/host/bench_host.c bench/workload.c
BH_DEF_glibc := -DBH_PEER_GLIBC
BH_DEF_jemalloc := -DBH_PEER_JEMALLOC
BH_LIB_jemalloc := -ljemalloc
BH_DEF_mimalloc := -DBH_PEER_MIMALLOC
BH_LIB_mimalloc := -lmimalloc
BH_DEF_kmalloc := -DBH_PEER_KMALLOC
BH_DEF_tlsf := -DBH_PEER_TLSF
BH_DEF_sheap := -DBH_PEER_SHEAP

$(BH_DIR)/bench-host-%: $(BH_SRC) $(HOSTLIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) $(filter-out -MMD -MP,$(HCFLAGS)) $(BH_DEF_$*) -o $@ \
		$(BH_SRC) $(HOSTLIB) $(BH_LIB_$*) -lpthread

bench-host: deps
	$(Q)sh scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory $(addprefix $(BH_DIR)/bench-host-,$(BH_PEERS)) $(PRELOAD)
	$(Q)python3 scripts/bench.py host --dir $(BH_DIR) --out $(BENCH_OUT) \
		--peers "$(BH_PEERS)" --reps $(BENCH_REPS)
	$(Q)python3 scripts/bench.py programs --so $(PRELOAD) --out $(BENCH_OUT) \
		--reps $(BENCH_REPS)

bench-report:
	$(Q)sh scripts/deps.sh bench
	$(Q)python3 scripts/bench.py report --out $(BENCH_OUT) --docs docs/bench

# ---- formatting -------------------------------------------------------------
FMT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	$(Q)clang-format -i $(FMT_SRC)

format-check:
	$(Q)clang-format --dry-run --Werror $(FMT_SRC) && echo "format: clean"

clean:
	rm -rf $(B)

help:
	@echo "make run        build and boot in QEMU (MEM=$(MEM) SMP=$(SMP) ARGS=...)"
	@echo "make test       every test: host, in-kernel, configurations, boot matrix, gdb"
	@echo "make test-full  make test with every MEM x SMP configuration and 10 fault seeds"
	@echo "make debug      QEMU halted, gdbstub on port $(GDBPORT)"
	@echo "make gdb        gdb-multiarch attached, project commands loaded"
	@echo "make host-lib   build/host/libmm.a for host programs"
	@echo "make preload    build/host/libmm_malloc.so: LD_PRELOAD programs onto kmalloc"
	@echo "make host-vg    the valgrind-annotated library and its tests (build/host-vg/)"
	@echo "make stress     8 harts, 10M operations per kmalloc mode and seed, OOM storms"
	@echo "make fuzz       libFuzzer targets, FUZZ_SECONDS=$(FUZZ_SECONDS) each (docs/fuzz.md)"
	@echo "make bench      in-kernel benchmarks under QEMU -icount (build/bench/)"
	@echo "make bench-host host benchmark against glibc, jemalloc, mimalloc"
	@echo "make bench-report  the last runs' CSVs and plots into docs/bench/, figures of docs/bench.md"
	@echo "make memmap-svg the physical memory map as SVG (MEMMAP_DO='fragment 4096')"
	@echo "make docs       regenerate the transcripts and figures in docs/*.md (docs/docs.md)"
	@echo "make TOOLCHAIN=llvm ...  the same with clang and ld.lld, into build/llvm/"
	@echo "make format / format-check / clean;  V=1 shows command lines"

.PHONY: all run debug gdb test test-full deps host-lib host-tests preload format format-check clean help \
	bench bench-host bench-report host-vg stress stress-progs fuzz fuzz-build \
	memmap-svg docs
.DELETE_ON_ERROR:

-include $(shell find $(B) -name '*.d' 2>/dev/null)

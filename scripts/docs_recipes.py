# SPDX-License-Identifier: MIT
"""The recipes of the generated docs: for each marker name in docs/*.md,
which run produces it and which lines to keep (scripts/docs.py; how to
add one: docs/docs.md).

Runs are single-hart (SMP=1): a single hart's boot prints the same lines
every time, except what the masks rewrite (timings, instruction counts,
random secrets, addresses).
"""
import os

from docs_runs import ROOT
from docs_runs import Gdb as GdbRun
from docs_runs import (DEFAULT_MASKS, MS, Block, Boot, Cmd, Command, Fig, From,
                       GdbTranscript, Grep, Lit, Monitor, Pick, Picture,
                       Recipes, Transcript, collect)

# The page of the first free block on zone z's order-k list: the list's
# first link is that page's lru member.
FREE_HEAD = ("((struct page *)((char *)zones[%d].free_area[%d]"
             ".free_list[PGKIND_OTHER].next"
             " - (long)&((struct page *)0)->lru))")


def free_pfn(zone, order, plus=0):
    return "{=%s - mem_map + memmap_start_pfn + %d}" % (
        FREE_HEAD % (zone, order), plus)


RUNS = {}

# Recipes() refuses a name given twice (scripts/docs.py reports it).
R = Recipes()
F = Recipes()
HART = (r"\bhart \d", "hart …")  # OpenSBI's lottery picks the boot hart
# Where the boot's final report starts (mm_report() after the self-tests).
REPORT = r"^mm: state after the self-tests"

# ---- docs/gdb.md: the walkthrough --------------------------------------------
# One boot for all of it: the whole self-test suite, the report and the
# checkpoint, then the demo=1 states (kernel/mm_demo.c) one after the
# other; its console lines feed the console transcripts below too.
# The GDB commands run in the order of the recipes.

R["gdb-help"] = GdbTranscript(
    "walk",
    Cmd("mm-help"),
    Cmd("help user-defined", keep=[r"^mm-"]))
R["gdb-before-init"] = GdbTranscript(
    "walk",
    Cmd("mm-health"))
R["gdb-help-page"] = GdbTranscript(
    "walk",
    Cmd("help mm-page"))
# A kernel without transactions, as tests/gdb's missing-structures check
# makes the commands see it: struct mm_txn hidden for one command.
HIDE = ("python import sys; sys.path.insert(0, %r); "
        "from gdbtest.missing import Hidden; "
        "_docs_hidden = Hidden('struct mm_txn', 'type'); "
        "_docs_hidden.__enter__()" % os.path.join(ROOT, "tests", "gdb"))
R["gdb-missing"] = GdbTranscript(
    "walk",
    Cmd("break mm_init", show=False),
    Cmd("continue", show=False),
    Cmd("finish", show=False),
    Cmd(HIDE, show=False),
    Cmd("mm-txn"),
    Cmd("python _docs_hidden.__exit__()", show=False),
    Cmd("delete", show=False))
R["gdb-checkpoint"] = GdbTranscript(
    "walk",
    Cmd("break mm_debug_checkpoint"),
    Cmd("continue"),
    Cmd("mm-buddyinfo"),
    Cmd("mm-zones"),
    Cmd("mm-buddyinfo check", keep=[r"^check:"]))
R["gdb-printers"] = GdbTranscript(
    "walk",
    Cmd("print mem_map[{=%s - mem_map}]" % (FREE_HEAD % (1, 10)),
        masks=[(r"(state = \d+\}), .*", r"\1, ...")]),
    Cmd("print zones[0]", masks=[(r"(= \{lock = \{[^,]*),.*", r"\1, ...")]))
# docs/buddy.md: plain GDB expressions on zones[] and mem_map.
R["buddy-gdb"] = GdbTranscript(
    "walk",
    Cmd("p zones[ZONE_NORMAL].free_area[10].nr_free",
        note="4 MiB blocks free"),
    Cmd("p zones[ZONE_DMA].wmark", note="min, low, high"),
    Cmd("p zones[ZONE_NORMAL].pcp[0]", note="hart 0's order-0 list",
        masks=[(r"list = \{[^}]*\}", "list = {...}"),
               (r"(nr_alloc = \d+), .*", r"\1, ...}")]),
    Cmd("set $pg = (struct page *)((char *)zones[1].free_area[10].free_list"
        "[PGKIND_OTHER].next - (long)&((struct page *)0)->lru)"),
    Cmd("p/r *$pg", note="first free 4 MiB block",
        masks=[(r"(state = \d+\}), .*", r"\1, ...}")]),
    Cmd("p/x (($pg - mem_map) + memmap_start_pfn) << 12",
        note="its physical address"),
    Cmd("p page_alloc_bad_frees", note="refused frees by kind"))
R["gdb-mm-page"] = GdbTranscript(
    "walk",
    Cmd("mm-page pfn=" + free_pfn(1, 10, 1)))
R["gdb-merge"] = GdbTranscript(
    "walk",
    Cmd("break mm_demo_merge"),
    Cmd("continue"),
    Cmd("print pg"),
    Cmd("mm-page pg"),
    Cmd("watch -l zones[ZONE_NORMAL].nr_merge"),
    Cmd("continue"),
    Cmd("p/x pfn"),
    Cmd("mm-buddyinfo", keep=[r"Normal"]),
    Cmd("mm-page pfn=pfn", keep=[r"^  (flags|no allocator|free|page)"]),
    Cmd("mm-zones", start=r"^zone Normal", keep=[r"^zone", r"^  (pages|lock)"]))
R["gdb-merge-finish"] = GdbTranscript(
    "walk",
    Cmd("delete"),
    Cmd("finish", keep=[r"^Run till", r"^\S+ \(", r"^\d+\s"]),
    Cmd("mm-buddyinfo", keep=[r"Normal"]))
R["gdb-kmalloc"] = GdbTranscript(
    "walk",
    Cmd("break mm_demo_kmalloc"),
    Cmd("continue"),
    Cmd("break kmalloc"),
    Cmd("continue"),
    Cmd("finish", keep=[r"^Run till", r"^Value returned"]),
    Cmd("mm-page $"),
    Cmd("mm-kmalloc", keep=[r"seen from", r"mode \S+, debug", r" class ",
                            r"kmalloc-256 "]))
R["gdb-slab"] = GdbTranscript(
    "walk",
    Cmd("delete", show=False),
    Cmd("break mm_demo_slab"),
    Cmd("continue"),
    Cmd("print *c", masks=[(r"(= \{kc_flags = [^,]*),.*", r"\1, ...")]),
    Cmd("mm-slabinfo", keep=[r"seen from", r"^# name", r"^kmem_cache ",
                             r"^kmalloc-256 ", r"^demo ", r"^total:"]),
    Cmd("mm-cache demo"),
    Cmd("mm-page c->kc_cpu[0].cc_objs[c->kc_cpu[0].cc_avail - 1]"),
    Cmd("break __kmem_cache_alloc"),
    Cmd("continue"),
    Cmd("finish", keep=[r"^Run till", r"^Value returned"]),
    Cmd("mm-page $"),
    Cmd("mm-cache demo", keep=[r"magazines", r"^total"]))
R["gdb-txn"] = GdbTranscript(
    "walk",
    Cmd("delete", show=False),
    Cmd("break mm_demo_txn"),
    Cmd("continue"),
    Cmd("mm-txn"))
R["gdb-leaks"] = GdbTranscript(
    "walk",
    Cmd("break mm_demo_leaks"),
    Cmd("continue"),
    Cmd("mm-leaks"))
R["gdb-health"] = GdbTranscript(
    "walk",
    Cmd("break mm_demo_health"),
    Cmd("continue"),
    Cmd("mm-health", start=r"^==> health",
        keep=[r"^==> health", r"^verdict", r"^(DMA|Normal) zone ",
              r"^allocators", r"^reason"]))
R["gdb-heap"] = GdbTranscript(
    "walk",
    Cmd("break mm_demo_heap"),
    Cmd("continue"),
    Cmd("mm-heap demo"),
    Cmd("mm-page mem", keep=[r"owner", r"address"]),
    Cmd("break k_heap_free"),
    Cmd("continue"),
    Cmd("finish", keep=[r"^Run till", r"^\S+ \("]),
    Cmd("mm-heap demo"))

F["dma-managed"] = Fig("walk", r"^mm: zone DMA .* (\d+) managed pages")
F["dma-present"] = Fig("walk", r"^mm: zone DMA .* (\d+) present,")
F["normal-free"] = Fig("walk", r"^  pages free\s+(\d+)",
                       after=[REPORT, r"^Node 0, zone   Normal$"])
F["normal-managed"] = Fig("walk", r"^        managed\s+(\d+)",
                          after=[REPORT, r"^Node 0, zone   Normal$"])


# ---- console transcripts of the walk boot (one hart, every suite) -----------
# docs/buddy.md
R["buddy-memmap"] = Transcript(
    "walk", Block(r"^mm: physical memory map", r"struct page array$"))
R["buddy-struct-page"] = Transcript(
    "walk", Block(r"^mm: struct page array:", n=2))
R["buddy-zone-dma"] = Transcript("walk", Block(r"^mm: zone DMA ", n=3))
R["buddy-boot-buddyinfo"] = Transcript(
    "walk", Block(r"^Node 0, zone      DMA", n=2))
R["buddy-bad-free"] = Transcript(
    "walk", Pick(r"^page_alloc: bad free_pages.*tail page of a larger",
                 r"^page_alloc: bad free_pages.*double free", ordered=False))
# docs/kmalloc.md
R["kmalloc-zero-size"] = Transcript(
    "walk", Pick(r"^kmalloc: zero-size block .* was written to"),
    masks=DEFAULT_MASKS + ((r"written to \(0x[0-9a-f]+\)",
                            "written to (0x…)"),))
R["kmalloc-boot"] = Transcript(
    "boot4", Block(r"^slab: ready", r"^kmalloc: \d+ size classes"))
R["kmalloc-debug-reports"] = Transcript(
    "walk", Pick(
        r"^kmalloc: red zone overwritten after the 13-byte block .*kmalloc-16",
        r"^slab: kmem_cache_free: red zone after object .* kmalloc-dbg-64",
        r"^kmalloc: red zone overwritten before the 1-byte block .*\(heap\)",
        r"^kmalloc: red zone overwritten after .*found by kmalloc_validate",
        r"^slab: kmem_cache_alloc\(kmalloc-dbg-32\) .*written after free",
        r"^kmalloc: write after free: 5000-byte block",
        r"^kmalloc: bad free of .*: double free \(first freed by",
        ordered=False))
R["kmalloc-leak-report"] = Transcript(
    "walk", Block(r"^kmalloc: leak report: [1-9]", r"^kmalloc: \d+ live blocks allocated with debug off"))
R["kmalloc-refused"] = Transcript(
    "walk", Pick(
        r"^slab: kmem_cache_free\(kmalloc-64, .*double free",
        r"^sheap: bad free of .*misaligned",
        r"^kmalloc: bad free of .*interior pointer of a large block",
        r"^kmalloc: bad free of .*its page is free",
        r"^kmalloc: bad free of .*reserved memory",
        r"^kmalloc: bad free of .*an object of cache",
        r"^kmalloc: bad free of 0x10: not an address of RAM",
        ordered=False))
R["kmalloc-report"] = Transcript(
    "kmt", Block(r"^kmalloc: mode \S+, debug", r"^kmalloc: heap 0 "),
    after=REPORT)
# docs/health.md
R["health-transitions"] = Transcript(
    "walk", Pick(
        r"^mm: Normal zone healthy → degraded: free .* below low",
        r"^mm: Normal zone degraded → critical: free .* below min",
        r"^mm: DMA zone critical → degraded: order-3 unusable",
        r"^mm: Normal zone healthy → degraded: failure rate",
        r"^mm: allocators healthy → degraded: 1 bad free refused",
        r"^mm: allocators healthy → critical: corruption: mm_validate",
        r"^mm: Normal zone critical → healthy",
        ordered=False))
MEMINFO_NOTES = [
    (r"^MemTotal:", "managed pages of both zones × 4"),
    (r"^MemFree:", "free pages, per-CPU lists included"),
    (r"^MemUsed:", "MemTotal - MemFree (not in Linux)"),
    (r"^MemPeakUsed:", "Σ peak_used: the self-tests emptied every zone"),
    (r"^PerCPULists:", "of MemFree, on per-CPU lists"),
    (r"^Reserved:", "present - managed: firmware, kernel, DTB, struct pages"),
    (r"^Slab:", "pages in slabs, all caches (Σ slabs × pages per slab)"),
    (r"^DMATotal:", "per zone (Linux shows these in zoneinfo only)"),
]
R["health-meminfo"] = Transcript(
    "walk", Block(r"^==> /proc/meminfo", r"^NormalFree:"), after=REPORT,
    notes=MEMINFO_NOTES, col=33)
UNUSABLE = r"^==> /sys/kernel/debug/extfrag/unusable_index"
F["health-dma-unusable-9"] = Fig(
    "walk", r"^Node 0, zone      DMA(?: \S+){9} (\S+)",
    after=[REPORT, UNUSABLE])
BAD = (r"^bad frees: pages \d+ slab (\d+) \((\d+) in kmalloc's caches\)"
       r".*each once: (\d+)")
F["health-bad-slab"] = Fig("walk", BAD, after=REPORT)
F["health-bad-slab-km"] = Fig("walk", BAD, after=REPORT, group=2)
F["health-bad-once"] = Fig("walk", BAD, after=REPORT, group=3)
R["health-buddyinfo"] = Transcript(
    "walk", Block(r"^==> /proc/buddyinfo", n=3), after=REPORT)
R["health-unusable"] = Transcript(
    "walk", Block(r"^==> /sys/kernel/debug/extfrag/unusable_index", n=3),
    after=REPORT)
R["health-pagestats"] = Transcript(
    "walk", Block(r"^==> pagestats", n=3), Lit(),
    Pick(r"^Normal\s+10 "), Block(r"^page totals:", r"^bad frees:"),
    after=REPORT)
R["health-faults"] = Transcript(
    "walk", Block(r"^==> fault injection", n=4), after=REPORT)
R["health-health"] = Transcript(
    "walk", Block(r"^==> health <==", r"^==> end of mm report"),
    after=REPORT)
R["health-monitor"] = Transcript(
    "mon", Block(r"^mm> pages 3$", r"^pages free: refused"),
    Block(r"^mm> health$", n=3), Lit(), Block(r"^reason:", n=1),
    Block(r"^mm> health ack", r"^calls looked at"))
# docs/heap.md
R["heap-system"] = Transcript("walk", Pick(r"^heap: system heap \(TLSF\)"))
# docs/simple_heap.md
R["sheap-bad-free"] = Transcript(
    "walk", Pick(r"^sheap: bad free of .*block not in use \(double free\?\)"))
# docs/fault.md
R["fault-boot-rule"] = Transcript(
    "failboot", Pick(r"^mm.fail: armed", r"^mm.fail: injected failure"))
R["fault-proof"] = Transcript(
    "walk", Block(r"^\s+# kmalloc two-tier: tree", r"^\s+# proved \d+"),
    masks=DEFAULT_MASKS + ((r"^\s+", ""),))
PROOF = r"^\s+# kmalloc two-tier: tree (\d+) pages (\d+) krealloc (\d+) ring (\d+)"
for n, op in enumerate(("tree", "pages", "krealloc", "ring"), 1):
    F["fault-points-" + op] = Fig("walk", PROOF, group=n)
# docs/fault.md, docs/testing.md: a case skipped under a boot rule
R["fault-skip"] = Transcript(
    "faultboot", Pick(r"^    # tests/kernel/\S+:\d+: expected",
                      r"^    ok \d+ \S+ # SKIP injected allocation failure"))
# docs/txn.md
R["txn-misuse"] = Transcript(
    "txn2", Pick(
        r"^txn: mm_txn_commit\(.*not an open transaction",
        r"^txn: mm_txn_abort\(.*out of order",
        r"^txn: mm_txn_commit\(.*begun on hart \d+; it must end there",
        r"^txn: mm_txn_begin\(.*refused in an interrupt handler",
        r"^txn: double free of pages",
        ordered=False), masks=DEFAULT_MASKS + (HART,))
R["txn-left-open"] = Transcript(
    "walk", Pick(r"^txn: ktest: end of test case: transaction 'kept_open'"),
    From("txn2", Pick(r"^txn: hart going idle:")),
    masks=DEFAULT_MASKS + (HART,))
# docs/docs.md: what the checker says about an edited fixture
R["docs-self-test"] = Transcript(
    "self-test", Pick(r"^    FAIL: doc.md/dma-managed:"),
    Pick(r"^    FAIL: doc.md/buddyinfo: transcript line"),
    Pick(r"^    FAIL: doc.md/picture: files pic/map.svg"),
    masks=((r"^    ", ""),))
# docs/boot.md
FRAME = (r"\b00000000[89][0-9a-f]{7}\b", "00000000…")  # a kernel address
OOPS_NOTES = [
    (r"^Oops: .* on cpu", "<- cause by name, cpu, hart"),
    (r"^ stval ", "<- stval: faulting address"),
    (r"^ stval/sp in the guard page", "(when so)"),
    (r"^ \.\.\.$", "<- all 31 registers"),
    (r"\(ra\)$", "<- ra register (may be stale)"),
    (r"^  \[<.*\] crash_if_asked\+0x…/0x…$", "<- sepc"),
    (r"^  \[<.*\] riscv_boot_main", "<- frame-pointer walk"),
]
R["boot-oops"] = Transcript(
    "crash-text", Block(r"^Oops: ", n=3),
    From("crash-guard", Pick(r"^ stval/sp in the guard page")),
    Block(r"^ ra ", n=1), Lit(" ..."),
    Block(r"^Call trace:", r"^Oops: machine stopped"),
    masks=DEFAULT_MASKS + (FRAME, HART), notes=OOPS_NOTES, col=55)
R["boot-refused"] = Transcript(
    "bootargs-3", Pick(r"^boot: \d+ boot arguments? refused"))
BA = [("bootargs-1", r"^bootargs: foo=bar"),
      ("bootargs-1", r"^bootargs: MM.DEBUG=1"),
      ("bootargs-1", r"^bootargs: =orphan"),
      ("bootargs-1", r"^bootargs: mm.debug=2"),
      ("bootargs-2", r"^bootargs: mm.debug=1 mm.debug=0"),
      ("bootargs-1", r"^bootargs: mm.fail=:"),
      ("bootargs-2", r"^bootargs: mm.fail=kind:fs"),
      ("bootargs-1", r"^bootargs: mm.dma_limit=16m5"),
      ("bootargs-2", r"^bootargs: mm.dma_limit=1000"),
      ("bootargs-1", r"^bootargs: kmalloc.heap:"),
      ("bootargs-2", r"^bootargs: kmalloc.heap=1G"),
      ("bootargs-1", r"^bootargs: kmalloc.mode=fast"),
      ("bootargs-1", r"^bootargs: crash=bogus"),
      ("bootargs-1", r"^bootargs: bench=page,nosuch"),
      ("bootargs-1", r"^bootargs: ktest=,,,"),
      ("bootargs-2", r"^bootargs: ktest=:"),
      ("bootargs-3", r"^bootargs: mm.debug=1: 1 word dropped")]
R["boot-bootargs"] = Transcript(
    "bootargs-1", *[From(run, Pick(p)) for run, p in BA])
R["boot-dma-limit"] = Transcript(
    "bootargs-3", Pick(r"^mm: mm.dma_limit=8G is at or beyond RAM"))
R["boot-ram24"] = Transcript(
    "ram24", Pick(r"^Kernel panic: "),
    masks=((r"^(Kernel panic: [^(]*\(MEM=32M\)).*", r"\1"),))
R["boot-run-qemu"] = Transcript(
    "run-qemu", Pick(r"^run-qemu.sh: MEM=32M"), Pick(r"^run-qemu.sh: MEM=lots"))
R["boot-smp"] = Transcript(
    "boot4", Pick(r"^smp: \d+ of \d+ harts online"),
    masks=((r"=hart\d", "=hart…"),))

# ---- the allocators broken on purpose (tests/docs/broken.c, on the host) ----
# docs/kmalloc.md, docs/simple_heap.md: what a validator says; docs/host.md:
# the harness's PASS and FAIL lines.  Host addresses are masked.
R["kmalloc-validate"] = Transcript(
    "broken", Pick(r"^broken: \d+ kmalloc\(\d+\) blocks taken off",
                   r"^kmalloc: validate: "))
R["sheap-validate"] = Transcript(
    "broken", Pick(r"^broken: the in-use bit",
                   r"^sheap: validate: heap .*two adjacent free blocks"))
R["host-harness"] = Transcript(
    "broken", Pick(r"^PASS: host/broken/", r"^FAIL: host/broken/"))
RUNS["broken"] = Command("build/host/docs-broken")

# ---- docs/testing.md: a filtered self-test run and what ktap.py makes of it --
# One suite, one case that skips on one hart, and a name that matches
# nothing (a failure): its KTAP, then scripts/ktap.py's lines (the
# kernel group's), QEMU's exit status given as the boot's.
KTAP_NOTES = [  # (pattern, the doc's note); the first match wins
    (r"^KTAP version 1$", "(1) the run starts"),
    (r"^# ktest: 'nosuch'", "(2) a failure"),
    (r"^1\.\.\d+$", "(3) plan: 2 suites follow"),
    (r"^    KTAP version 1$", "(4) a suite, indented"),
    (r"^    # Subtest: lib", "(5) its name"),
    (r"^    1\.\.7$", "(6) its plan: 7 cases"),
    (r"^    ok \d+ .*# SKIP", "(9)"),
    (r"^    ok 1 ", "(7) a passing case"),
    (r"^capture 42$", "(8) not KTAP: the code's"),
    (r"^# lib_printk: pass", "(10) the suite's counts"),
    (r"^ok 1 lib_printk", "(11) the suite's result"),
    (r"^ok \d+ \S+ # SKIP", "(12) every case skipped"),
    (r"^# Totals:", "(13) all cases of the run"),
    (r"^# ktest: FAILED", "(14)"),
]
R["testing-ktap"] = Transcript(
    "ktap", Block(r"^KTAP version 1$", r"^# ktest: (FAILED|all passed)"),
    masks=DEFAULT_MASKS + (MS,), notes=KTAP_NOTES, col=45)
R["testing-ktap-lines"] = Transcript(
    "ktap", Pick(r"^PASS: kernel/lib_printk/"), Lit(),
    Pick(r"^PASS: kernel/page_zones/.* # SKIP"), Pick(r"^FAIL: kernel/boot"),
    after=r"^==> pipe:", masks=DEFAULT_MASKS + (MS,))
RUNS["ktap"] = Boot(
    mem="256M", smp=1,
    args="ktest=lib_printk,page_zones.test_drains_other_harts,nosuch",
    pipe="python3 scripts/ktap.py --prefix kernel --exit-status $RC")

# ---- docs/buddy.md, "Pictures of memory": make memmap-svg's maps, one hart ---
R["memmap-boot"] = Picture("memmap-boot", "memmap/boot",
                           "128 MiB after the self-tests")
R["memmap-before"] = Picture("memmap-before", "memmap/before",
                             "128 MiB after boot (ktest=none)")
R["memmap-after"] = Picture("memmap-after", "memmap/after",
                            "The same after fragment 8192")
# scripts/memmap_svg.py refusing two damaged copies of a saved map (the
# self-test fixture's, which make docs does not redraw).
R["memmap-svg-refused"] = Transcript(
    "memmap-svg-refused", Grep(r"^memmap_svg\.py: map\.txt:"))
REFUSE = ("d=$(mktemp -d) && { %s tests/docs/fixture/pic/map.txt > \"$d/map.txt\"; "
          "(cd \"$d\" && python3 \"$OLDPWD/scripts/memmap_svg.py\" map.txt "
          "-o map.svg; [ ! -e map.svg ] || echo memmap_svg.py: map.txt: "
          "map.svg written); rm -r \"$d\"; }")
RUNS["memmap-svg-refused"] = Command(
    REFUSE % "sed '9s/^\\(.\\{30\\}\\)./\\1Z/'", REFUSE % "sed 5d")
RUNS["memmap-boot"] = Monitor(["memmap"], mem="128M", smp=1)
RUNS["memmap-before"] = Monitor(["memmap"], mem="128M", smp=1,
                                args="ktest=none")
RUNS["memmap-after"] = Monitor(["fragment 8192", "memmap"], mem="128M",
                               smp=1, args="ktest=none")

RUNS["walk"] = GdbRun(mem="256M", smp=1, args="demo=1")
# Four harts without the self-tests: the boot lines only (which hart
# boots is OpenSBI's lottery: masked).
RUNS["boot4"] = Boot(mem="256M", smp=4, args="ktest=none")
# docs/kmalloc.md's report: after the two-tier suites only.
RUNS["kmt"] = Boot(mem="256M", smp=1,
                   args="ktest=kmalloc_two_tier,kmalloc_smp_two_tier")
# docs/boot.md: refused boot arguments (no suite runs: ktest=,,, and
# ktest= are refused), a crash, too little RAM, run-qemu.sh's refusals.
RUNS["bootargs-1"] = Boot(args=(
    "foo=bar MM.DEBUG=1 =orphan mm.debug=2 mm.fail= mm.dma_limit=16m5 "
    "kmalloc.heap kmalloc.mode=fast crash=bogus bench=page,nosuch ktest=,,,"))
RUNS["bootargs-2"] = Boot(args=(
    "mm.debug=1 mm.debug=0 mm.fail=kind:fs mm.dma_limit=1000 "
    "kmalloc.heap=1G ktest="))
# 32 words in all with monitor=0: mm.debug=1 is one too many.
RUNS["bootargs-3"] = Boot(args="ktest=none mm.dma_limit=8G" +
                          " bench.quick" * 29 + " mm.debug=1")
RUNS["crash-text"] = Boot(args="ktest=none crash=text")
RUNS["crash-guard"] = Boot(args="ktest=none crash=guard")
# fw_dynamic (QEMU's own OpenSBI) reaches the kernel with 24 MiB.
RUNS["ram24"] = Boot(mem="24M", args="ktest=none", bios="default")
RUNS["self-test"] = Command("python3 scripts/docs.py --self-test --show")
RUNS["run-qemu"] = Command(
    "MEM=32M sh scripts/run-qemu.sh build/kernel.elf",
    "MEM=lots sh scripts/run-qemu.sh build/kernel.elf")
# docs/fault.md's boot rule: the suite that checks it, verbose.
RUNS["failboot"] = Boot(
    mem="256M", smp=1,
    args="ktest=mm_fault_boot mm.fail=kind:pages,order:9,times:2,verbose")
# Every suite under random injected failures (tests/faultboot's rule).
RUNS["faultboot"] = Boot(args="mm.fail=probability:5,seed:3,times:unlimited")
# docs/txn.md's misuse lines: two harts, the suite of edge cases.
RUNS["txn2"] = Boot(mem="256M", smp=2, args="ktest=mm_txn_edges")
# docs/health.md's session at the prompt (as the monitor test group's).
RUNS["mon"] = Monitor(
    [("pages 3", {"blk": r"free it with: pages free (0x[0-9a-f]+)"}),
     "pages free {blk}", "pages free {blk} 3", "health", "health ack",
     "txn-demo", "fail kind:kmalloc nth:1", "kmalloc 64", "kmalloc 64",
     "fail"], mem="256M", smp=1, args="ktest=none")
# docs/page_owner.md: one hart at the prompt with page owners on; a block
# freed twice, a large kmalloc held, then the report by caller.
RUNS["owners"] = Monitor(
    [("pages 3", {"blk": r"free it with: pages free (0x[0-9a-f]+)"}),
     "pages free {blk} 3", "pages free {blk} 3", "kmalloc 20000", "owners"],
    mem="128M", smp=1, args="ktest=none mm.page_owner=1")
R["owner-array"] = Transcript(
    "owners", Pick(r"reserved: page owner array$", r"^mm: page owner array:"))
R["owner-bad-free"] = Transcript(
    "owners", Block(r"^page_alloc: bad free_pages", r"^pages free: refused"))
R["owner-report"] = Transcript(
    "owners", Block(r"^page_owner: \d+ live blocks", n=1),
    Grep(r"^\s+\d+ pages\s+\d+ blocks", 20), after=r"^mm> owners")
# docs/page_owner.md's validator lines: the suite lies in three records.
RUNS["owners-suite"] = Boot(mem="256M", smp=1,
                            args="ktest=page_owner mm.page_owner=1")
R["owner-validate"] = Transcript(
    "owners-suite", Grep(r"^page_alloc_validate: .*owner record says", 3))
# docs/page_owner.md in GDB: mm-page shows the record of the block the
# GDB walkthrough's merge stop holds (demo=1, docs/gdb.md).
RUNS["owners-gdb"] = GdbRun(mem="256M", smp=1,
                            args="ktest=none demo=1 mm.page_owner=1")
R["owner-gdb"] = GdbTranscript(
    "owners-gdb",
    Cmd("break mm_demo_merge"),
    Cmd("continue", show=False),
    Cmd("mm-page pg"))
RECIPES = Recipes(R)
RECIPES.update(F)
collect(RUNS, RECIPES)

# ---- docs/tour.md: one kmalloc(64) on cpu 2, then a rollback ------------------
# One GDB session on four harts without the self-tests (ktest=none):
# demo.tour=1 (kernel/mm_tour.c) makes cpu 2 reach each mm_tour_* stop
# while the other harts do nothing, so every figure is the same in every
# run.  Which QEMU hart is cpu 2 depends on OpenSBI's boot lottery: hart
# and GDB thread numbers are masked, and so are the return addresses of
# a backtrace and offsets into the stacks (offsets into zones[], a
# struct mm_txn or txn_cpus[] stay: they say which zone, entry or hart).
from docs_tour import GdbFig  # noqa: E402

T = Recipes()
CPU2 = "((struct percpu *)$tp)->pc_cpu == 2"
TOUR_MASKS = DEFAULT_MASKS + (
    (r"\bhart ?\d", "hart …"), (r"\bThread \d+(\.\d+)?", "Thread …"),
    (r"=hart\d", "=hart…"), (r"\b0x0+[89][0-9a-f]{7}(?= in )", "0x…"),
    (r"(caller@entry=)\d+", r"\1…"),
    (r"<riscv_stacks\+\d+>", "<riscv_stacks+…>"))


def tour(*cmds):
    return GdbTranscript("tour", *cmds, masks=TOUR_MASKS)


ZONES_PCP = Cmd("mm-zones", start=r"^zone Normal",
                keep=[r"^zone Normal", r"^  per-CPU"])
T["tour-start"] = tour(
    Cmd("break mm_tour_kmalloc"),
    Cmd("continue"),
    Cmd("mm-slabinfo", keep=[r"seen from", r"^# name", r"^kmalloc-64 "]),
    ZONES_PCP)
TOUR_BUDDY_BEFORE = Cmd("mm-buddyinfo", keep=[r"^order", r"Normal"])
T["tour-kmalloc"] = tour(
    Cmd("break kmalloc if " + CPU2),
    Cmd("continue"),
    Cmd("break buddy_take if " + CPU2),
    Cmd("continue"),
    Cmd("bt"),
    TOUR_BUDDY_BEFORE,
    Cmd("finish", keep=[r"^Run till", r"^\w+ \(", r"^Value returned"]),
    Cmd("mm-buddyinfo", keep=[r"^order", r"Normal"]))
TOUR_LIVE_CACHE = Cmd("mm-cache kmalloc-64")
TOUR_LIVE_ZONES = Cmd("mm-zones", start=r"^zone Normal",
                      keep=[r"^zone Normal", r"^  per-CPU"])
T["tour-live"] = tour(
    Cmd("delete"),
    Cmd("break mm_tour_kfree"),
    Cmd("continue"),
    Cmd("mm-page p"),
    TOUR_LIVE_CACHE,
    TOUR_LIVE_ZONES)
T["tour-kfree"] = tour(
    Cmd("set $obj = p"),
    Cmd("break kfree if " + CPU2),
    Cmd("continue"),
    Cmd("finish", keep=[r"^Run till", r"^\w+ \("]),
    Cmd("mm-page $obj", keep=[r"^  owner", r"^  address"]),
    Cmd("mm-cache kmalloc-64", keep=[r"magazines", r"^    ", r"^total"]))
# The slab's page goes straight back to the buddy lists of its pageblock's
# kind (no per-CPU list): the kind is read from zones[1].pb_kind[] as
# pageblock_kind() reads it (mm/page_alloc.h), 2^9-page pageblocks.
TOUR_SHRUNK = Cmd("mm-page pfn=pfn")
TOUR_SHRUNK_ZONES = Cmd("mm-zones", start=r"^zone Normal",
                        keep=[r"^zone Normal", r"^  per-CPU"])
T["tour-shrunk"] = tour(
    Cmd("delete"),
    Cmd("break mm_tour_shrunk"),
    Cmd("continue"),
    TOUR_SHRUNK,
    Cmd("p (enum page_kind)zones[1].pb_kind[(pfn >> 9) - "
        "(zones[1].start_pfn >> 9)]"),
    Cmd("mm-page pfn=pfn^4", keep=[r"^page", r"^  allocated", r"^  owner"]),
    Cmd("mm-slabinfo", keep=[r"^kmalloc-64 "]),
    TOUR_SHRUNK_ZONES,
    Cmd("mm-buddyinfo", keep=[r"^order", r"Normal"]))
TOUR_DRAINED = Cmd("mm-page pfn=pfn")
T["tour-drained"] = tour(
    Cmd("break mm_tour_drained"),
    Cmd("continue"),
    TOUR_DRAINED,
    Cmd("mm-buddyinfo", keep=[r"^order", r"Normal"]))
TOUR_TXN = Cmd("mm-txn")
T["tour-txn"] = tour(
    Cmd("break mm_tour_txn"),
    Cmd("continue"),
    TOUR_TXN)
T["tour-abort"] = tour(
    Cmd("break txn_release if " + CPU2),
    Cmd("continue"),
    Cmd("p *e"),
    Cmd("p (enum mm_kind)e->te_kind"),
    Cmd("continue"),
    Cmd("p *e"),
    Cmd("p (enum mm_kind)e->te_kind"),
    Cmd("continue"),
    Cmd("p *e"),
    Cmd("p (enum mm_kind)e->te_kind"),
    Cmd("bt 5"))
TOUR_ABORTED = Cmd("mm-txn")
T["tour-aborted"] = tour(
    Cmd("delete"),
    Cmd("break mm_tour_aborted"),
    Cmd("continue"),
    TOUR_ABORTED,
    Cmd("mm-page old", keep=[r"^  owner", r"^  address"]))
# The exercises' answers: figures of the same session and boot.
T["tour-mag-after-alloc"] = GdbFig("tour", r"cpu2 (\d+)/\d+",
                                   of=TOUR_LIVE_CACHE)
T["tour-pcp-after-alloc"] = GdbFig("tour", r"(?s)zone Normal.*?cpu2 (\d+)/\d+",
                                   of=TOUR_LIVE_ZONES)
T["tour-order1-before"] = GdbFig("tour", r"zone +Normal +\d+ +(\d+)",
                                 of=TOUR_BUDDY_BEFORE)
T["tour-pcp-after-shrink"] = GdbFig("tour",
                                    r"(?s)zone Normal.*?cpu2 (\d+)/\d+",
                                    of=TOUR_SHRUNK_ZONES)
T["tour-merge-order"] = GdbFig("tour", r"free block of order (\d+)",
                               of=TOUR_SHRUNK)
T["tour-drained-order"] = GdbFig("tour", r"free block of order (\d+)",
                                 of=TOUR_DRAINED)
T["tour-txn-entries"] = GdbFig("tour", r"log (\d+) entries", of=TOUR_TXN)
T["tour-txn-rolled"] = GdbFig("tour", r"(\d+) rolled back", of=TOUR_ABORTED)
SLABINFO = r"^%s +\d+ +\d+ +\d+ +(\d+) +(\d+) : tunables +(\d+) +(\d+)"
T["tour-km64-objs"] = Fig("tour", SLABINFO % "kmalloc-64")
T["tour-km64-limit"] = Fig("tour", SLABINFO % "kmalloc-64", group=3)
T["tour-km64-batch"] = Fig("tour", SLABINFO % "kmalloc-64", group=4)
T["tour-km256-objs"] = Fig("tour", SLABINFO % "kmalloc-256")
T["tour-kc-order"] = Fig("tour", r"^slab: ready; .*\(order-(\d+) slabs of")
T["tour-kc-objs"] = Fig("tour", r"^slab: ready; .*slabs of (\d+)\)")
T["tour-normal-min"] = Fig("tour", r"^mm: zone Normal watermarks min (\d+)")
T["tour-normal-batch"] = Fig("tour",
                             r"^mm: zone Normal watermarks .*batch (\d+)")
T["tour-dma8-present"] = Fig("tour-dma8", r"^mm: zone DMA .* (\d+) present,")
T["tour-dma8-managed"] = Fig("tour-dma8",
                             r"^mm: zone DMA .* (\d+) managed pages")
T["tour-dma-managed"] = Fig("tour", r"^mm: zone DMA .* (\d+) managed pages")
MEMFREE = r"^MemFree: +(\d+) kB"
T["tour-mon-free0"] = Fig("tour-mon", MEMFREE)
T["tour-mon-free1"] = Fig("tour-mon", MEMFREE, after=r"^mm> kmalloc 64$")
T["tour-mon-pcp1"] = Fig("tour-mon", r"^PerCPULists: +(\d+) kB",
                         after=r"^mm> kmalloc 64$")
T["tour-mon-usable"] = Fig("tour-mon", r"^kmalloc: 5000 bytes .*usable (\d+)")
T["tour-mon-session"] = Transcript(
    "tour-mon", Block(r"^mm> kmalloc 64$", n=2), Block(r"^mm> kmalloc 5000$",
                                                        n=2))

RUNS["tour"] = GdbRun(mem="256M", smp=4, args="ktest=none demo.tour=1")
RUNS["tour-dma8"] = Boot(mem="256M", smp=1, args="ktest=none mm.dma_limit=8M")
RUNS["tour-mon"] = Monitor(["meminfo", "kmalloc 64", "meminfo",
                            "kmalloc 5000"], mem="256M", smp=1,
                           args="ktest=none")
collect(RUNS, T)
RECIPES.update(T)

# ---- README.md: the reading path's line counts and summaries ----------------
# wc -l itself, and the first sentence of each file's opening comment
# (scripts/docs_tour.py summary): a count or a summary that no longer
# matches its file fails the check.
READING = ["mm/page_alloc.h", "mm/page_alloc.c", "mm/page_pcp.c",
           "mm/page_kind.c", "mm/slab.h", "mm/slab.c", "mm/slab_grow.c",
           "mm/slab_cache.c", "mm/kmalloc.h", "mm/kmalloc_fast.c",
           "mm/kmalloc.c", "mm/kmalloc_backend.c", "mm/hooks.h", "mm/txn.h",
           "mm/txn.c", "mm/txn_log.c"]
RUNS["reading"] = Command(
    "wc -l " + " ".join(READING),
    "python3 scripts/docs_tour.py summary " + " ".join(READING))
P = Recipes({"readme-lines-total": Fig("reading", r"^\s*(\d+) total$")})
for f in READING:
    base = os.path.basename(f)
    P["readme-lines-" + base] = Fig("reading", r"^\s*(\d+) %s$" % f)
    P["readme-about-" + base] = Fig("reading", r"^%s: (.*)$" % f)
RECIPES.update(P)

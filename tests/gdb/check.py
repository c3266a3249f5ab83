# SPDX-License-Identifier: MIT
"""tests/gdb: drive the mm commands against a live kernel (run by run.sh).

Runs inside gdb-multiarch (batch mode), attached to a QEMU halted at reset
with the project's commands loaded (build/gdbinit's recipe).  The console
log's path is in RVMM_CONSOLE.  Prints one "PASS: gdb/<name>" or
"FAIL: gdb/<name>: <reason>" line per check:

  consts      every generated enumerator equals the debug info's value;
              the arrays have the generated sizes
  help        every registered mm-* command is in `help user-defined` and
              `mm-help` with its docstring's first line; `mm-help NAME`
              prints its usage
  before-mm-init  stop at mm_init() (hbreak): every command refuses in one
              line saying mm is not initialised and what to do
  other-hart  stop in an allocation fast path (pages, slab) on a hart
              that is neither cpu 0 nor hart 0, in the middle of the
              self-tests: the commands work there
  open-txn, heap-walk, leaks, health-verdict  stops where a transaction
              is open, a heap in use, the leak report about to print, the
              verdict not healthy: the commands agree with the kernel
  checkpoint  stop at mm_debug_checkpoint() after the self-tests; the
              commands' numbers equal the report the kernel just printed
              (buddyinfo line for line, zoneinfo field by field), the free
              lists check out, mm-page decodes frames whose state is known
              independently, and the pretty-printers show the same
  checkpoint/memmap  the kernel prints its memory map (memmap_print(),
              called from GDB) and mm-memmap prints the same bytes; the
              map's counts agree with the zones' counters
  memmap/bad-arguments  mm-memmap's refusals, one line each
  bad-arguments  at the checkpoint: bad numbers, negative numbers,
              unknown heap and cache names each get one line
  missing-structures  each command, with a structure it needs hidden,
              raises a gdb.GdbError naming it (what a kernel without that
              layer gets)
"""
import os
import sys
import traceback

import gdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import common  # noqa: E402
from gdbtest.checkpoint import (  # noqa: E402
    check_buddyinfo, check_caches, check_consts, check_free_lists,
    check_health_report, check_heaps, check_kmalloc, check_mm_page,
    check_slabinfo, check_txn_report, check_zones, kernel_report)
from gdbtest.common import report, structure_exists  # noqa: E402
from gdbtest.help import check_help  # noqa: E402
from gdbtest.memmap import check_memmap, check_memmap_bad_args  # noqa: E402
from gdbtest.missing import check_missing  # noqa: E402
from gdbtest.refusals import check_bad_args, check_before_init  # noqa: E402
from gdbtest.stops import (  # noqa: E402
    Hunt, check_health_verdict, check_heap_walk, check_leaks,
    check_open_txn, check_other_hart, check_other_hart_slab, health_ready,
    heap_ready, hunt, leaks_ready, magazine_ready, pcp_ready, txn_ready)


def main():
    check_consts()
    check_help()
    check_before_init()
    stop_bp = gdb.Breakpoint("mm_debug_checkpoint")
    slab = structure_exists("struct kmem_cache", "type")
    hunts = [Hunt("pcp_alloc", pcp_ready, check_other_hart,
                  other_hart=True, windowed=True)]
    if slab:
        hunts.append(Hunt("__kmem_cache_alloc", magazine_ready,
                          check_other_hart_slab, other_hart=True,
                          windowed=True))
    for needs, location, ready, fn in (
            ("struct mm_txn", "mm_txn_commit", txn_ready, check_open_txn),
            ("struct k_heap", "k_heap_free", heap_ready, check_heap_walk),
            ("struct km_track", "kmalloc_leak_report", leaks_ready,
             check_leaks),
            ("struct mm_health", "mm_health_get", health_ready,
             check_health_verdict)):
        if structure_exists(needs, "type"):
            hunts.append(Hunt(location, ready, fn))
    hunt(stop_bp, hunts)
    if stop_bp.hit_count == 0:
        gdb.execute("continue", to_string=True)
    if gdb.selected_frame().name() != "mm_debug_checkpoint":
        report("checkpoint", False, "stopped in %s, not at "
               "mm_debug_checkpoint" % gdb.selected_frame().name())
        return
    try:
        sections = kernel_report()
    except (OSError, AssertionError) as e:
        report("checkpoint", False, str(e))
        return
    check_buddyinfo(sections)
    check_zones(sections)
    check_free_lists()
    check_mm_page()
    if slab:
        check_slabinfo(sections)
        check_caches()
    if structure_exists("struct mm_txn", "type"):
        check_txn_report(sections)
    if structure_exists("struct k_heap", "type"):
        check_heaps(sections)
    if structure_exists("kmalloc_class_size", "symbol"):
        check_kmalloc(sections)
    if structure_exists("struct mm_health", "type"):
        check_health_report(sections)
    check_memmap()
    check_memmap_bad_args()
    check_bad_args()
    check_missing()


try:
    main()
except Exception as e:  # noqa: BLE001
    traceback.print_exc()
    report("driver", False, "%s: %s" % (type(e).__name__, e))
print("gdb-check: %d failure%s" % (common.failures,
                                   "" if common.failures == 1 else "s"))
gdb.execute("kill")

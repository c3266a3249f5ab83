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
from docs_runs import (MS, Block, Boot, Cmd, Fig, GdbTranscript, Grep, Lit,
                       Monitor, Pick, Transcript, collect)

# The page of the first free block on zone z's order-k list: its lru is
# the list's first link (struct page: lru at byte 8).
FREE_HEAD = "((struct page *)((char *)zones[%d].free_area[%d].free_list.next" \
    " - 8))"


def free_pfn(zone, order, plus=0):
    return "{=%s - mem_map + memmap_start_pfn + %d}" % (
        FREE_HEAD % (zone, order), plus)


RUNS = {}

R = {}

# ---- docs/gdb.md: the walkthrough --------------------------------------------
# One boot for all of it: the whole self-test suite, the report and the
# checkpoint, then the demo=1 states (kernel/mm_demo.c) one after the
# other; its console lines feed the console transcripts below too.
# The GDB commands run in the order of the recipes.

R["gdb-help"] = GdbTranscript(
    "walk",
    Cmd("mm-help"))
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

F = {}
F["dma-managed"] = Fig("walk", r"^mm: zone DMA .* (\d+) managed pages")
REPORT = r"^mm: state after the self-tests"
F["normal-free"] = Fig("walk", r"^  pages free\s+(\d+)",
                       after=[REPORT, r"^Node 0, zone   Normal$"])
F["normal-managed"] = Fig("walk", r"^        managed\s+(\d+)",
                          after=[REPORT, r"^Node 0, zone   Normal$"])

RUNS["walk"] = GdbRun(mem="256M", smp=1, args="demo=1")
RECIPES = dict(R, **F)
collect(RUNS, RECIPES)

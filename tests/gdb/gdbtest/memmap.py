# SPDX-License-Identifier: MIT
"""tests/gdb: mm-memmap against the kernel's own memmap, at one stop.

Stopped at mm_debug_checkpoint(), the test has the kernel print its map
(a call of memmap_print(), the function behind the monitor's `memmap`,
with every breakpoint disabled meanwhile), then runs mm-memmap at the same
stop: the two texts must be the same bytes, for the default group size
and for a given one.  The map's own counts must also agree with the
zones' counters as GDB reads them (free blocks per order, per-CPU pages),
and bad arguments get one line each."""
import os
import re
import time

import gdb

from rvmm import cmd_memmap
from rvmm import consts as K
from rvmm import kmem

from .common import check, cmd, console_since, console_size
from .missing import Hidden
from .refusals import one_line_error, plain

SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE", "1") or "1")
END = re.compile(r"^memmap: \d+ pages free \(buddy \d+ \+ per-CPU \d+\)\n",
                 re.M)


def kernel_map(group):
    """The text memmap_print(group) wrote on the console."""
    offset = console_size()
    saved = [(b, b.enabled) for b in gdb.breakpoints()]
    try:
        for b, _ in saved:
            b.enabled = False
        rc = int(gdb.parse_and_eval("(int)memmap_print(%d)" % group))
    finally:
        for b, was in saved:
            b.enabled = was
    if rc:
        raise AssertionError("memmap_print(%d) returned %d" % (group, rc))
    deadline = time.monotonic() + 60 * SCALE
    text = console_since(offset)
    while not END.search(text) and time.monotonic() < deadline:
        time.sleep(0.05)  # the console file catching up; bounded above
        text = console_since(offset)
    start = text.find("memmap: [mem ")
    m = END.search(text)
    if start < 0 or not m:
        raise AssertionError("no whole map on the console after "
                             "memmap_print(%d): %r" % (group, text[:200]))
    return text[start:m.end()]


def legend_pages(text):
    """{char: (pages, blocks or None)} from the legend lines."""
    out = {}
    for m in re.finditer(r"^  (\S)  .{38} +(\d+) pages(?: in (\d+) blocks?)?$",
                         text, re.M):
        out[m.group(1)] = (int(m.group(2)),
                           int(m.group(3)) if m.group(3) else None)
    return out


def counter_problems(text):
    """The map's counts against the zones' counters read by GDB."""
    got = legend_pages(text)
    chars = [k[0] for k in cmd_memmap.kinds()]
    zs = kmem.zones()
    bad = []
    for o in range(K.MAX_ORDER):
        ch = chars[K.get("MEMMAP_FREE") + o]
        want = sum(int(zs[i]["free_area"][o]["nr_free"])
                   for i in range(K.MAX_NR_ZONES))
        if got.get(ch, (None, None))[1] != want:
            bad.append("order %d: map %s blocks, free_area %d" %
                       (o, got.get(ch), want))
    pcp = sum(kmem.zone_pcp_count(zs[i]) for i in range(K.MAX_NR_ZONES))
    ch = chars[K.get("MEMMAP_PCP")]
    if got.get(ch, (None,))[0] != pcp:
        bad.append("per-CPU pages: map %s, zones %d" % (got.get(ch), pcp))
    return bad


@check("checkpoint/memmap")
def check_memmap():
    """The kernel's map and mm-memmap, byte for byte, twice; the counts
    as the zones say."""
    bad = []
    for group, line in ((0, "mm-memmap"), (16, "mm-memmap 16")):
        want = kernel_map(group)
        got = cmd(line)
        if got != want:
            diff = [(w, g) for w, g in zip(want.splitlines(),
                                           got.splitlines()) if w != g]
            bad.append("%s differs from memmap_print(%d): %d vs %d lines, "
                       "first difference %r" %
                       (line, group, want.count("\n"), got.count("\n"),
                        diff[:1]))
    return bad + counter_problems(cmd("mm-memmap"))


# command, its one-line error
BAD_ARGS = [
    ("mm-memmap 3", "mm-memmap: refused: 3 pages per character is not a "
     "power of two"),
    ("mm-memmap 0", "mm-memmap: refused: 0 pages per character"),
    ("mm-memmap x", "mm-memmap: bad number of pages 'x' (a number such as "
     "16 or 0x100)"),
    ("mm-memmap -1", "mm-memmap: bad number of pages '-1' (a number such "
     "as 16 or 0x100)"),
    ("mm-memmap 1", "mm-memmap: refused: 1 pages per character needs 1024 "
     "rows, more than 256 (at least 4 pages per character)"),
    ("mm-memmap 0x100000", "mm-memmap: refused: 1048576 pages per "
     "character is more than the map needs (at most 65536)"),
    ("mm-memmap 16 32", "usage: mm-memmap [PAGES]"),
]


@check("memmap/bad-arguments")
def check_memmap_bad_args():
    """Each bad argument: exactly the one line, nothing printed."""
    bad = []
    for line, want in BAD_ARGS:
        err, out = one_line_error(line)
        if err != want:
            bad.append("%s: %r (printed %r), expected %r" %
                       (line, err, out[:80], want))
        elif plain(err):
            bad += ["%s: %s" % (line, p) for p in plain(err)]
    with Hidden("memmap_kinds", "symbol"):
        err, out = one_line_error("mm-memmap")
    if err is None or "memmap_kinds" not in err or plain(err):
        bad.append("mm-memmap without memmap_kinds: %r %r" % (err, out[:80]))
    return bad

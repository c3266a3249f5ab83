# SPDX-License-Identifier: MIT
"""mm-leaks: tracked live allocations grouped by call site (debug mode).

In debug mode kmalloc records every block in a hash table of struct
km_track (track_hash[], chained through t_next, mm/kmalloc_debug.c): the
address, the size asked for, the allocation site.  This module walks the
table in the kernel's order (bucket by bucket, each chain from its head)
and groups as kmalloc_leak_report() does: by call site, largest total
first, at most LEAK_SITES sites and the rest as "(other sites)".
"""
import gdb

from . import consts as K
from . import kmem


def local(name):
    try:
        return K.C.LOCAL["mm/kmalloc_debug.c"][name]
    except KeyError:
        raise gdb.GdbError("rvmm: %s of mm/kmalloc_debug.c is not in "
                           "build/gdb/rvmm_consts.py (make)" % name) from None


def tracked_blocks():
    """[(address, size, caller)] of every tracked block, in walk order."""
    t = kmem.ctype("struct km_track", "mm/kmalloc_internal.h: kmalloc's "
                   "debug tracking is not in this kernel",
                   fields=("t_next", "t_addr", "t_size", "t_caller"))
    table = kmem.sym("track_hash", "mm/kmalloc_debug.c",
                     file_suffix="mm/kmalloc_debug.c")
    n = local("TRACK_HASH_SIZE")
    if table.type.range()[1] + 1 != n:
        raise gdb.GdbError("rvmm: track_hash[] has %d buckets, "
                           "TRACK_HASH_SIZE is %d: rebuild" %
                           (table.type.range()[1] + 1, n))
    limit = int(kmem.sym("km_nr_tracked", file_suffix="mm/kmalloc_debug.c"))
    out = []
    for h in range(n):
        p = int(table[h])
        while p:
            if len(out) > limit + 64:
                raise gdb.GdbError("rvmm: the tracking table holds more "
                                   "blocks than km_nr_tracked (%d): a chain "
                                   "loops or is being changed" % limit)
            e = kmem.fetch(kmem.ptr(p, t).dereference())
            out.append((int(e["t_addr"]), int(e["t_size"]),
                        int(e["t_caller"])))
            p = int(e["t_next"])
    return out


def group(blocks, max_sites):
    """([(caller, count, bytes)] largest first, (other count, bytes))."""
    sites, order = {}, []
    other = [0, 0]
    for _, size, caller in blocks:
        if caller not in sites:
            if len(order) == max_sites:
                other[0] += 1
                other[1] += size
                continue
            sites[caller] = [0, 0]
            order.append(caller)
        sites[caller][0] += 1
        sites[caller][1] += size
    ranked = sorted(order, key=lambda c: -sites[c][1])  # stable, as the
    return [(c, sites[c][0], sites[c][1]) for c in ranked], tuple(other)


def untracked_live(tracked):
    """Live blocks made with debug off: all live rows less the tracked."""
    from .cmd_kmalloc import Stats
    live = sum(r["live"] for r in Stats().rows)
    return live - tracked if live > tracked else 0


class MmLeaks(gdb.Command):
    """Tracked live allocations grouped by call site (debug mode).

Usage: mm-leaks [all]

Every block kmalloc tracks (debug mode: boot with mm.debug=1, or
kmalloc_set_debug(true)) grouped by allocation site, largest total first,
as the kernel's kmalloc_leak_report() prints them; then the live blocks
made with debug off (counted, not itemised).  "all" lists every tracked
block (address, size, site) as well."""

    NAME = "mm-leaks"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        arg = arg.strip()
        if arg not in ("", "all"):
            raise gdb.GdbError("usage: mm-leaks [all]")
        blocks = tracked_blocks()
        sites, (ocount, obytes) = group(blocks, local("LEAK_SITES"))
        gdb.write("leaks seen from %s\n" % kmem.where_str())
        gdb.write("kmalloc: leak report: %d live tracked blocks, %d bytes, "
                  "%d call sites\n" % (len(blocks), sum(b[1] for b in blocks),
                                       len(sites) + (1 if ocount else 0)))
        gdb.write("kmalloc:    blocks      bytes  site\n")
        for caller, count, nbytes in sites:
            gdb.write("kmalloc: %9d %10d  %s\n" % (count, nbytes,
                                                   kmem.symbolize(caller)))
        if ocount:
            gdb.write("kmalloc: %9d %10d  (other sites)\n" % (ocount, obytes))
        gdb.write("kmalloc: %d live blocks allocated with debug off (not "
                  "tracked)\n" % untracked_live(len(blocks)))
        if arg == "all":
            for addr, size, caller in blocks:
                gdb.write("  0x%x %8d bytes  %s\n" %
                          (addr, size, kmem.symbolize(caller)))

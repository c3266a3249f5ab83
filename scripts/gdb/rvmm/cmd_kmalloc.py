# SPDX-License-Identifier: MIT
"""mm-kmalloc: the kmalloc size classes, their usage and the active mode.

kmalloc (mm/kmalloc*.c) counts a size class where its objects are: its
caches' per-hart magazine counters (cc_nr_alloc, cc_nr_free, and cc_req
for the bytes the fast path was asked for, in kc_cpu[] of each of
km_caches[set][class]).  The other rows (zero-size, large, heap) and the
slow path's bytes asked for are per hart in km_cpu_stats[]; rare events
are in km_slow; allocations per mode are km_mode_allocs[] (ended periods)
plus, for the current mode, everything since km_mode_mark.  A row is a
size class, then the zero-size, large and heap rows.  The mode and the
debug switch are bits of km_state (KM_ST_* of mm/kmalloc_internal.h,
from the generated constants).
This module sums them as kmalloc_stats_get() does.
"""
import gdb

from . import consts as K
from . import kmem


def class_sizes():
    """The size classes, read from the kernel's kmalloc_class_size[]
    (KMALLOC_NR_CLASSES entries, a generated constant)."""
    arr = kmem.sym("kmalloc_class_size", "mm/kmalloc.c is not in this "
                   "kernel")
    n = K.get("KMALLOC_NR_CLASSES")
    if arr.type.range()[1] + 1 != n:
        raise gdb.GdbError("rvmm: kmalloc_class_size[] has %d entries, "
                           "KMALLOC_NR_CLASSES is %d: rebuild" %
                           (arr.type.range()[1] + 1, n))
    return [int(arr[i]) for i in range(n)]


def row_name(row, sizes):
    if row < len(sizes):
        return "kmalloc-%d" % sizes[row]
    names = {K.get("KMALLOC_ROW_ZERO"): "kmalloc-0",
             K.get("KMALLOC_ROW_LARGE"): "large",
             K.get("KMALLOC_ROW_HEAP"): "heap"}
    return names.get(row, "unowned")


def mode_name(mode):
    names = kmem.sym("mode_names", file_suffix="mm/kmalloc.c") \
        if kmem.has_symbol("mode_names", "mm/kmalloc.c") else None
    if names is not None and mode <= names.type.range()[1] and \
            int(names[mode]):
        return names[mode].string()
    return "?%d" % mode


class Stats:
    """kmalloc_stats_get() recomputed from km_cpu_stats[] and km_slow."""

    def __init__(self):
        self.sizes = class_sizes()
        cpu = kmem.sym("km_cpu_stats", "mm/kmalloc_stats.c")
        slow = kmem.fetch(kmem.sym("km_slow", "mm/kmalloc_stats.c"))
        ncpu = cpu.type.range()[1] + 1
        nmodes, nrows = K.get("KMALLOC_NR_MODES"), K.get("KMALLOC_NR_ROWS")
        cells = [kmem.fetch(cpu[c]) for c in range(ncpu)]
        caches = kmem.sym("km_caches", file_suffix="mm/kmalloc.c")
        nsets = caches.type.range()[1] + 1
        self.rows = []
        for r in range(nrows):
            req = sum(int(s["s_req"][r]) for s in cells)
            if r < len(self.sizes):
                allocs = frees = 0
                for st in range(nsets):
                    c = caches[st][r]
                    if not int(c):
                        continue
                    for h in range(ncpu):
                        cc = c["kc_cpu"][h]
                        allocs += int(cc["cc_nr_alloc"])
                        frees += int(cc["cc_nr_free"])
                        req += int(cc["cc_req"])
                given = allocs * self.sizes[r]
            else:
                allocs = sum(int(s["s_allocs"][r]) for s in cells)
                frees = sum(int(s["s_frees"][r]) for s in cells)
                given = sum(int(s["s_given"][r]) for s in cells)
            live = max(allocs - frees, 0)
            self.rows.append({
                "name": row_name(r, self.sizes), "live": live,
                # the kernel samples the peak when it reports: never
                # below what is live now
                "peak": max(int(slow["peak"][r]), live),
                "allocs": allocs, "frees": frees,
                "fails": sum(int(slow["fails"][m][r])
                             for m in range(nmodes)),
                "bad": sum(int(slow["bad_frees"][m][r])
                           for m in range(nmodes)),
                "req": req, "given": given})
        st = int(kmem.sym("km_state", file_suffix="mm/kmalloc.c"))
        cur = st & K.get("KM_ST_MODE")
        ended = kmem.sym("km_mode_allocs", file_suffix="mm/kmalloc_stats.c")
        mark = int(kmem.sym("km_mode_mark", file_suffix="mm/kmalloc_stats.c"))
        total = sum(row["allocs"] for row in self.rows)
        self.modes = []
        for m in range(nmodes):
            self.modes.append((
                mode_name(m),
                int(ended[m]) + (total - mark if m == cur else 0),
                sum(int(slow["fails"][m][r]) for r in range(nrows + 1)),
                int(slow["bad_mode"][m])))
        self.slow = slow
        self.mode = mode_name(st & K.get("KM_ST_MODE"))
        self.debug = bool(st & K.get("KM_ST_DEBUG"))
        self.tracked = int(kmem.sym("km_nr_tracked",
                                    file_suffix="mm/kmalloc_debug.c"))


def waste(row):
    """(given - asked) / given in tenths of a percent, as the kernel."""
    if not row["given"] or row["req"] >= row["given"]:
        return 0
    return (row["given"] - row["req"]) * 1000 // row["given"]


def heap_lines():
    """The kernel's "kmalloc: heap N ..." lines, from the simple heaps'
    headers and free lists (sheap_stats())."""
    n = int(kmem.sym("km_nr_heaps", "mm/kmalloc_backend.c"))
    heaps = kmem.sym("km_heaps")
    bt = kmem.ctype("struct sh_block", "mm/simple_heap.c",
                    fields=("b_size", "b_next"))
    out = []
    for i in range(n):
        h = heaps[i]
        start, end = int(h["sh_start"]), int(h["sh_end"])
        size = end - start
        largest = nr = 0
        b = int(h["sh_free"])
        while b and nr <= size // K.get("SHEAP_MIN_BLOCK"):
            blk = kmem.fetch(kmem.ptr(b, bt).dereference())
            largest = max(largest, int(blk["b_size"]))
            nr, b = nr + 1, int(blk["b_next"])
        out.append("kmalloc: heap %d [0x%x-0x%x) %d KiB: %d live blocks, %d "
                   "KiB free in %d blocks, largest %d KiB, min free %d KiB" %
                   (i, start, end, size >> 10,
                    int(h["sh_allocs"]) - int(h["sh_frees"]),
                    int(h["sh_free_bytes"]) >> 10, nr, largest >> 10,
                    int(h["sh_min_free_bytes"]) >> 10))
    return out


def report_lines(st):
    """Every line of the kernel's kmalloc_report(), recomputed."""
    out = ["kmalloc: mode %s, debug %s" % (st.mode,
                                           "on" if st.debug else "off"),
           "kmalloc: %-13s %8s %8s %9s %9s %6s %5s %10s %10s %5s" %
           ("class", "live", "peak", "allocs", "frees", "fails", "bad",
            "asked KiB", "given KiB", "waste%")]
    for r in st.rows:
        w = waste(r)
        out.append("kmalloc: %-13s %8d %8d %9d %9d %6d %5d %10d %10d %3d.%d"
                   % (r["name"], r["live"], r["peak"], r["allocs"],
                      r["frees"], r["fails"], r["bad"], r["req"] >> 10,
                      r["given"] >> 10, w // 10, w % 10))
    for name, allocs, fails, bad in st.modes:
        out.append("kmalloc: mode %-8s %9d allocs %6d fails %5d bad frees"
                   % (name, allocs, fails, bad))
    s = st.slow
    out.append("kmalloc: hybrid fallbacks %d, unowned bad frees %d, "
               "injected %d" % (int(s["hybrid_fallbacks"]),
                                int(s["bad_unowned"]), int(s["injected"])))
    out.append("kmalloc: debug: tracked %d, red-zone errors %d, writes "
               "after free %d, zero-size writes %d" %
               (st.tracked, int(s["redzone_errors"]),
                int(s["poison_errors"]), int(s["zero_errors"])))
    return out + heap_lines()


class MmKmalloc(gdb.Command):
    """The kmalloc size classes and their usage, and the active mode.

Usage: mm-kmalloc

The mode (two-tier, simple, hybrid) and the debug switch, then one row
per size class (its cache "kmalloc-N"), zero-size blocks, large (page)
blocks and simple-heap blocks: live blocks, peak, allocations, frees,
failures, refused frees, KiB asked for and given, internal waste; the
allocations per mode, the rare events, and each simple heap.  Summed from
every hart's counters as kmalloc_stats_get() does, in the layout of the
kernel's kmalloc_report()."""

    NAME = "mm-kmalloc"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        if arg.strip():
            raise gdb.GdbError("mm-kmalloc takes no argument")
        st = Stats()
        gdb.write("kmalloc seen from %s\n" % kmem.where_str())
        for line in report_lines(st):
            gdb.write(line + "\n")

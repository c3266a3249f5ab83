# SPDX-License-Identifier: MIT
"""mm-slabinfo and mm-cache: the slab layer's caches, slabs and objects."""
import gdb

from . import consts as K
from . import kmem
from . import slabview

# Objects listed one by one per slab and state before "..." (mm-cache).
MAX_LISTED = 16


class MmSlabinfo(gdb.Command):
    """Every cache: objects in use and total, object size, slabs, magazines.

Usage: mm-slabinfo

One line per cache in the layout of the kernel's slab_report() (Linux's
/proc/slabinfo 2.1): active objects (not on a slab freelist: live ones and
those sitting in magazines), total objects, the slot size, objects per
slab, pages per slab, the magazine limit and batch, active (non-empty) and
all slabs, and the objects cached in each online hart's magazine.  A last
line sums what the slab layer holds."""

    NAME = "mm-slabinfo"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        if arg.strip():
            raise gdb.GdbError("mm-slabinfo takes no argument")
        cs = slabview.caches()
        cpus = kmem.online_cpus()
        gdb.write("slabinfo seen from %s\n" % kmem.where_str())
        gdb.write("# name            <active_objs> <num_objs> <objsize> "
                  "<objperslab> <pagesperslab> : tunables <limit> "
                  "<batchcount> : slabdata <active_slabs> <num_slabs> : "
                  "cpu <cached per hart>\n")
        pages = active = cached = 0
        for c in cs:
            f = slabview.cache_figures(c, cpus)
            gdb.write(slabview.slabinfo_line(f) + "\n")
            pages += f["slabs"] * f["pages"]
            active += f["active"]
            cached += sum(f["cached"])
        gdb.write("total: %d caches, %d slab pages (%d KiB), %d objects "
                  "in use of which %d in magazines\n" %
                  (len(cs), pages, pages * K.PAGE_SIZE // 1024, active,
                   cached))


def ranges(idx):
    """'#0-#5 #9' for a sorted list of indices."""
    out, i = [], 0
    while i < len(idx):
        j = i
        while j + 1 < len(idx) and idx[j + 1] == idx[j] + 1:
            j += 1
        out.append("#%d" % idx[i] if i == j else "#%d-#%d" % (idx[i],
                                                             idx[j]))
        i = j + 1
    return " ".join(out) if out else "-"


def print_slab(g, lname, pg, pfn, mags):
    base = kmem.phys_to_virt(pfn << K.PAGE_SHIFT)
    st = slabview.SlabState(g, pg, base, mags)
    actual = slabview.list_of(pg, g)
    gdb.write("  slab 0x%x pfn 0x%x on %s: inuse %d of %d%s\n" %
              (base, pfn, lname, st.inuse, g.objs,
               "" if actual == lname else " (its state says %s)" % actual))
    live = st.live
    if live and len(live) <= MAX_LISTED:
        gdb.write("    live (%d):\n" % len(live))
        for i in live:
            site = st.site(i)
            gdb.write("      #%-3d 0x%x%s\n" %
                      (i, g.obj(base, i), "  allocated by %s" %
                       kmem.symbolize(site) if site else ""))
    else:
        gdb.write("    live (%d): %s\n" % (len(live), ranges(live)))
    if st.mag:
        by_cpu = {}
        for i, cpu in st.mag.items():
            by_cpu.setdefault(cpu, []).append(i)
        gdb.write("    in magazines (%d): %s\n" %
                  (len(st.mag), "  ".join("cpu%d %s" % (cpu, ranges(sorted(v)))
                                          for cpu, v in sorted(by_cpu.items()))))
    gdb.write("    free (%d): %s\n" % (len(st.free), ranges(sorted(st.free))))
    for p in st.problems:
        gdb.write("    problem: %s\n" % p)
    return st


class MmCache(gdb.Command):
    """Walk one cache's slabs and list its free and used objects.

Usage: mm-cache NAME | PTR

NAME picks every cache of that name (names need not be unique); PTR is an
expression giving a struct kmem_cache *.  The cache's geometry (object size, slot stride, objects per slab, where
the free word sits), its slab lists and magazines, then each slab: its
address, pfn and list, and its objects by state -- live (handed out, with
the allocation site when the cache records it), in a hart's magazine, or
free on the slab's freelist (decoded from the hardened free words).  The
counts are checked against the slab's inuse and the cache's totals and
any mismatch is printed (expected only when you stopped inside the slab
code while it changes them)."""

    NAME = "mm-cache"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        name = arg.strip()
        if not name:
            raise gdb.GdbError("usage: mm-cache NAME|PTR (mm-slabinfo lists "
                               "the names)")
        for c in slabview.find_caches(name):
            self.show(c)

    @staticmethod
    def show(c):
        name = slabview.name_of(c)
        g = slabview.Geometry(c)
        mm = kmem.MemMap()
        cpus = kmem.online_cpus()
        f = slabview.cache_figures(c, cpus)
        gdb.write("cache %s at (struct kmem_cache *)0x%x, seen from %s\n"
                  % (name, int(c), kmem.where_str()))
        gdb.write("  objects of %d bytes in slots of %d (object at +%d, "
                  "free word at +%d), %d per slab of %d page%s; flags %s\n"
                  % (g.size, g.stride, g.obj_off, g.fp_off, g.objs,
                     f["pages"], "s" if f["pages"] > 1 else "",
                     K.flags_str(g.flags, "SLAB_")))
        gdb.write("  slabs: %s; lock %s\n" %
                  (", ".join("%s %d" % kv for kv in f["lists"].items()),
                   kmem.lock_str(c["kc_lock"])))
        gdb.write("  magazines: %s (cached/limit)\n" %
                  "  ".join("cpu%d %d/%d%s" %
                            (cpu, int(c["kc_cpu"][cpu]["cc_avail"]),
                             int(c["kc_cpu"][cpu]["cc_limit"]),
                             "*" if int(c["kc_cpu"][cpu]["cc_lock"]) else "")
                            for cpu in cpus))
        mags = slabview.magazines(c, g)
        live = mag = free = 0
        for lname, pg, pfn in slabview.slabs(c, mm):
            if pg is None:
                gdb.write("  problem: %s\n" % pfn)
                continue
            st = print_slab(g, lname, pg, pfn, mags)
            live, mag, free = (live + len(st.live), mag + len(st.mag),
                               free + len(st.free))
        gdb.write("total: %d live, %d in magazines, %d free on slabs; the "
                  "cache counts %d in use\n" % (live, mag, free, f["active"]))
        if live + mag != f["active"]:
            gdb.write("problem: live + in magazines = %d, kc_nr_inuse = %d\n"
                      % (live + mag, f["active"]))

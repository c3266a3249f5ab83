# SPDX-License-Identifier: MIT
"""mm-zones and mm-buddyinfo: the zones and their buddy free areas."""
import gdb

from . import consts as K
from . import kmem


def zone_figures(z):
    """The numbers of one zone as the kernel's zoneinfo defines them."""
    buddy = int(z["free_pages"])
    pcp = kmem.zone_pcp_count(z)
    w = z["wmark"]
    return {
        "name": kmem.zone_name(z),
        "start_pfn": int(z["start_pfn"]),
        "end_pfn": int(z["end_pfn"]),
        "spanned": int(z["end_pfn"]) - int(z["start_pfn"]),
        "present": int(z["present_pages"]),
        "managed": int(z["managed_pages"]),
        "buddy": buddy,
        "pcp": pcp,
        "free": buddy + pcp,
        "min": int(w[K.get("WMARK_MIN")]),
        "low": int(w[K.get("WMARK_LOW")]),
        "high": int(w[K.get("WMARK_HIGH")]),
        "reserve": int(z["lowmem_reserve"]),
        "below_low": bool(int(z["below_low"])),
    }


def mark_state(f):
    if f["managed"] == 0:
        return "empty zone"
    if f["buddy"] < f["min"]:
        return "buddy free below min"
    if f["below_low"]:
        return "fell below low, not yet back above high"
    if f["buddy"] < f["high"]:
        return "between min and high"
    return "above high"


def print_zone(z, cpus):
    f = zone_figures(z)
    start, end = f["start_pfn"], f["end_pfn"]
    gdb.write("zone %-7s [mem 0x%016x-0x%016x]  pfn 0x%x-0x%x\n" %
              (f["name"], start << K.PAGE_SHIFT,
               max(end << K.PAGE_SHIFT, 1) - 1, start, max(end, 1) - 1))
    gdb.write("  pages    spanned %d  present %d  managed %d  free %d "
              "(buddy %d + per-CPU %d)  in use %d\n" %
              (f["spanned"], f["present"], f["managed"], f["free"],
               f["buddy"], f["pcp"], f["managed"] - f["free"]))
    gdb.write("  marks    min %d  low %d  high %d  lowmem_reserve %d  (%s)\n"
              % (f["min"], f["low"], f["high"], f["reserve"], mark_state(f)))
    gdb.write("  lock     %s\n" % kmem.lock_str(z["lock"]))
    parts = []
    for c in cpus:
        p = z["pcp"][c]
        held = "*" if int(p["pcp_lock"]) else ""
        parts.append("cpu%d %d/%d%s" % (c, int(p["count"]), int(p["high"]),
                                        held))
    batch = int(z["pcp"][0]["batch"])
    gdb.write("  per-CPU  %s  (count/high, batch %d%s)\n" %
              ("  ".join(parts), batch,
               "; * = pcp_lock held" if "*" in "".join(parts) else ""))
    return f


class MmZones(gdb.Command):
    """Each zone: its range, free and managed pages, watermarks, lock.

Usage: mm-zones

For every zone (DMA, Normal): the physical range and pfns; spanned,
present and managed pages; free pages = buddy lists + per-CPU lists (the
kernel's "pages free" in zoneinfo); pages in use = managed - free; the
min/low/high watermarks and the lowmem reserve; who holds the zone lock;
each online hart's per-CPU list (count/high).  Reads memory only: works at
any breakpoint, on any hart."""

    NAME = "mm-zones"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        if arg.strip():
            raise gdb.GdbError("mm-zones takes no argument")
        zs = kmem.zones()
        cpus = kmem.online_cpus()
        gdb.write("zones seen from %s; %d-byte pages, %d harts online\n" %
                  (kmem.where_str(), K.PAGE_SIZE, len(cpus)))
        free = managed = 0
        for i in range(K.MAX_NR_ZONES):
            f = print_zone(zs[i], cpus)
            free += f["free"]
            managed += f["managed"]
        gdb.write("total: %d pages free (%d KiB) of %d managed\n" %
                  (free, free * K.PAGE_SIZE // 1024, managed))


def check_free_list(mm, z, zi, order, limit):
    """Walk free_area[order] of zone z; a list of problems (empty = good)
    and the number of blocks walked."""
    area = z["free_area"][order]
    bad, n = [], 0
    start, end = int(z["start_pfn"]), int(z["end_pfn"])
    try:
        for pg in (pg for k in range(K.get("NR_PGKINDS"))
                   for pg in kmem.list_entries(area["free_list"][k], mm.t,
                                               "lru", limit)):
            n += 1
            pfn = mm.pfn_of(pg)
            if pfn is None:
                bad.append("entry %s is not a struct page of mem_map" % pg)
                break
            flags, o, zone = kmem.page_state(pg.dereference())
            if not flags & K.PG_buddy or o != order or zone != zi:
                bad.append("pfn 0x%x: flags %s order %d zone %d" %
                           (pfn, K.flags_str(flags, "PG_"), o, zone))
            if pfn & ((1 << order) - 1) or pfn < start or \
                    pfn + (1 << order) > end:
                bad.append("pfn 0x%x misaligned or outside the zone" % pfn)
    except kmem.ListBroken as e:
        bad.append(str(e))
    if n != int(area["nr_free"]):
        bad.append("%d blocks on the list, nr_free says %d" %
                   (n, int(area["nr_free"])))
    return bad, n


class MmBuddyinfo(gdb.Command):
    """Free blocks per order in each zone, as the kernel's buddyinfo.

Usage: mm-buddyinfo [check]

One line per zone in the layout of the kernel's page_alloc_report_buddyinfo()
(and Linux's /proc/buddyinfo): the number of free blocks of order 0, 1, ...
MAX_ORDER-1 on the zone's buddy lists (free_area[k].nr_free).  Pages on
per-CPU lists are not in it (mm-zones counts them).
With "check", every free list is also walked (bounded) and each block
verified: PG_buddy, its order, its zone, aligned, inside the zone, and the
list length equal to nr_free; the problems found are listed."""

    NAME = "mm-buddyinfo"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        arg = arg.strip()
        if arg not in ("", "check"):
            raise gdb.GdbError("usage: mm-buddyinfo [check]")
        zs = kmem.zones()
        gdb.write("free blocks per order, buddy lists (seen from %s)\n" %
                  kmem.where_str())
        gdb.write("order:                 " +
                  "".join("%6d " % o for o in range(K.MAX_ORDER)) + "\n")
        for i in range(K.MAX_NR_ZONES):
            z = zs[i]
            line = "Node 0, zone %8s " % kmem.zone_name(z)
            line += "".join("%6d " % int(z["free_area"][o]["nr_free"])
                            for o in range(K.MAX_ORDER))
            empty = int(z["managed_pages"]) == 0
            gdb.write(line + (" (empty)" if empty else "") + "\n")
        if arg == "check":
            self.check(zs)

    @staticmethod
    def check(zs):
        mm = kmem.MemMap()
        total_bad = 0
        for i in range(K.MAX_NR_ZONES):
            z = zs[i]
            walked = pages = 0
            for o in range(K.MAX_ORDER):
                limit = int(z["managed_pages"]) + 1
                bad, n = check_free_list(mm, z, i, o, limit)
                walked += n
                pages += n << o
                for b in bad[:8]:
                    gdb.write("  %s order %d: %s\n" % (kmem.zone_name(z),
                                                       o, b))
                total_bad += len(bad)
            if pages != int(z["free_pages"]):
                gdb.write("  %s: %d pages on the lists, free_pages says %d\n"
                          % (kmem.zone_name(z), pages, int(z["free_pages"])))
                total_bad += 1
            gdb.write("check: zone %s: %d blocks (%d pages) walked\n" %
                      (kmem.zone_name(z), walked, pages))
        gdb.write("check: %s\n" % ("every free list is consistent"
                                   if not total_bad else
                                   "%d problems (a lock holder may be in "
                                   "the middle of an update)" % total_bad))

# SPDX-License-Identifier: MIT
"""Pretty-printers for struct page, struct zone and struct kmem_cache.

`print *page`, `print zones[1]`, `print *cache` show a decoded summary line
(state, pfn, zone, counters) followed by every raw field; `print/r` shows
the raw structure alone.  Like the commands, they only read memory.
"""
import gdb
import gdb.printing

from . import consts as K
from . import kmem


class _Fields:
    """Children: every field of the struct, as GDB would print it."""

    def __init__(self, val):
        self.val = val

    def children(self):
        for f in self.val.type.strip_typedefs().fields():
            yield (f.name or "<anon>"), self.val[f]


class PagePrinter(_Fields):
    """struct page: 'pfn 0x80291 free block order 3, zone DMA {...}'."""

    def to_string(self):
        try:
            flags, order, zi = kmem.page_state(self.val)
            text = "[%s] order %d zone %s" % (K.flags_str(flags, "PG_"),
                                              order, zone_label(zi))
            pfn = None
            if self.val.address is not None:
                pfn = kmem.MemMap().pfn_of(int(self.val.address))
            return ("pfn 0x%x %s" % (pfn, text)) if pfn is not None else text
        except (gdb.error, gdb.GdbError, gdb.MemoryError) as e:
            return "struct page (%s)" % e


def zone_label(zi):
    names = K.enum_names("zone_type")
    return names[zi][len("ZONE_"):] if zi < len(names) else "?%d" % zi


class ZonePrinter(_Fields):
    """struct zone: 'zone Normal pfn 0x81000-0x8ffff free N ...'."""

    def to_string(self):
        from .cmd_zones import zone_figures
        try:
            f = zone_figures(self.val)
        except (gdb.error, gdb.GdbError, gdb.MemoryError) as e:
            return "struct zone (%s)" % e
        return ("zone %s pfn 0x%x-0x%x managed %d free %d (buddy %d + "
                "per-CPU %d) min/low/high %d/%d/%d" %
                (f["name"], f["start_pfn"], max(f["end_pfn"], 1) - 1,
                 f["managed"], f["free"], f["buddy"], f["pcp"], f["min"],
                 f["low"], f["high"]))


class CachePrinter(_Fields):
    """struct kmem_cache: name, object size, objects in use/total."""

    def to_string(self):
        from . import slabview
        try:
            return slabview.cache_summary(self.val)
        except (gdb.error, gdb.GdbError, gdb.MemoryError, AttributeError) \
                as e:
            return "struct kmem_cache (%s)" % e


def build():
    pp = gdb.printing.RegexpCollectionPrettyPrinter("rvmm")
    pp.add_printer("page", "^page$", PagePrinter)
    pp.add_printer("zone", "^zone$", ZonePrinter)
    pp.add_printer("kmem_cache", "^kmem_cache$", CachePrinter)
    return pp


def register(objfile=None):
    gdb.printing.register_pretty_printer(objfile, build(), replace=True)

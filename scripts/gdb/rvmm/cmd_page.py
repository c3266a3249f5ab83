# SPDX-License-Identifier: MIT
"""mm-page: decode one struct page, and who owns its frame."""
import gdb

from . import consts as K
from . import kmem
from . import owners


def reserved_by(pa):
    """The name mm/memmap.c gave the reserved range holding pa, or None."""
    if not kmem.has_symbol("segs", "mm/memmap.c"):
        return None
    segs = kmem.sym("segs", file_suffix="mm/memmap.c")
    n = int(kmem.sym("nr_segs", file_suffix="mm/memmap.c"))
    for i in range(min(n, segs.type.range()[1] + 1)):
        s = segs[i]
        if int(s["base"]) <= pa < int(s["end"]) and int(s["what"]):
            return s["what"].string()
    return None


def find_pcp_cpu(mm, z, page_addr):
    """(cpu, position) of the per-CPU list of zone z holding the page."""
    for cpu in range(K.NR_CPUS):
        p = z["pcp"][cpu]
        limit = int(p["count"]) + 2
        try:
            for i, pg in enumerate(kmem.list_entries(p["list"], mm.t, "lru",
                                                     limit)):
                if int(pg) == page_addr:
                    return cpu, i
        except kmem.ListBroken:
            continue
    return None, None


def covering_block(mm, pfn):
    """For a page with no allocator flag: (head pfn, head page) of the free
    or allocated block that contains it, looking at the aligned frames
    below as page_block_head() does; (None, None) if there is none."""
    for k in range(1, K.MAX_ORDER):
        h = pfn & ~((1 << k) - 1)
        if h == pfn or not mm.valid(h):
            continue
        hp = mm.page(h)
        flags, order, _ = kmem.page_state(hp)
        if flags & (K.PG_head | K.PG_buddy) and h + (1 << order) > pfn:
            return h, hp
    return None, None


def block_str(pfn, order):
    return "%d page%s, pfn 0x%x-0x%x" % (1 << order, "s" if order else "",
                                         pfn, pfn + (1 << order) - 1)


def describe(mm, pfn, pg=None):
    """Lines describing the state and owner of frame pfn."""
    pg = mm.page(pfn) if pg is None else pg
    flags, order, zi = kmem.page_state(pg)
    zs = kmem.zones()
    zname = kmem.zone_name(zs[zi]) if zi < K.MAX_NR_ZONES else "?"
    if flags & K.PG_reserved:
        what = reserved_by(pfn << K.PAGE_SHIFT)
        return ["reserved: never given out%s" %
                (" (%s)" % what if what else "")]
    if flags & K.PG_buddy:
        return ["free block of order %d (%s) on free_area[%d] of zone %s" %
                (order, block_str(pfn, order), order, zname)] + \
            owners.page_owner_line(mm, pfn)
    if flags & K.PG_pcp:
        cpu, pos = find_pcp_cpu(mm, zs[zi], int(pg.address))
        if cpu is None:
            return ["free order-0 page marked per-CPU, but on no per-CPU "
                    "list of zone %s (list in flux?)" % zname]
        return ["free order-0 page on cpu %d's per-CPU list of zone %s "
                "(position %d of %d)" % (cpu, zname, pos,
                                         int(zs[zi]["pcp"][cpu]["count"]))] + \
            owners.page_owner_line(mm, pfn)
    if flags & K.PG_head:
        return ["allocated block, order %d (%s), zone %s" %
                (order, block_str(pfn, order), zname)] + \
            owners.describe_owner(mm, pfn, pg) + \
            owners.page_owner_line(mm, pfn)
    h, hp = covering_block(mm, pfn)
    if h is None:
        return ["no allocator flag and no block covers it: the frame is in "
                "flux (an allocator is changing it) or corrupt"]
    hflags, horder, _ = kmem.page_state(hp)
    if hflags & K.PG_buddy:
        return ["page %d inside the free block of order %d at pfn 0x%x "
                "(%s), zone %s" % (pfn - h, horder, h,
                                   block_str(h, horder), zname)]
    return ["tail page %d of the allocated block at pfn 0x%x, order %d "
            "(%s), zone %s" % (pfn - h, h, horder, block_str(h, horder),
                               zname)] + owners.describe_owner(mm, h, hp) + \
        owners.page_owner_line(mm, h)


def parse_target(mm, arg):
    """(pfn, byte offset in the page or None) from the command argument."""
    arg = arg.strip()
    if not arg:
        raise gdb.GdbError("usage: mm-page ADDR | pfn=N | page=PTR")
    if arg.startswith("pfn="):
        return kmem.eval_int(arg[4:], "mm-page", "pfn"), None
    if arg.startswith("page="):
        v = kmem.eval_int(arg[5:], "mm-page", "page")
        pfn = mm.pfn_of(v)
        if pfn is None:
            raise gdb.GdbError("mm-page: %s is not a struct page in "
                               "mem_map" % kmem.hexs(v))
        return pfn, None
    v = kmem.eval_no_calls(arg, "mm-page", "address")
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR and \
            t.target().strip_typedefs().tag == "page":
        pfn = mm.pfn_of(int(v))
        if pfn is None:
            raise gdb.GdbError("mm-page: %s = %s is not a struct page "
                               "in mem_map" % (arg, kmem.hexs(v)))
        return pfn, None
    if t.code == gdb.TYPE_CODE_STRUCT and t.tag == "page" and v.address:
        return parse_target(mm, "page=%d" % int(v.address))
    if t.code in (gdb.TYPE_CODE_ARRAY, gdb.TYPE_CODE_FUNC,
                  gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION) and v.address:
        v = v.address  # an object names its own address (_start, zones[0])
    if t.code not in kmem.INT_CODES and not (
            t.code in (gdb.TYPE_CODE_ARRAY, gdb.TYPE_CODE_FUNC) or
            v.type.strip_typedefs().code == gdb.TYPE_CODE_PTR):
        raise gdb.GdbError("mm-page: bad address '%s' (not an integer or "
                           "a pointer: %s)" % (arg, v.type))
    try:
        pa = kmem.virt_to_phys(int(v))
    except gdb.error:
        raise gdb.GdbError("mm-page: '%s' is not an address" % arg) from None
    return pa >> K.PAGE_SHIFT, pa & (K.PAGE_SIZE - 1)


class MmPage(gdb.Command):
    """Decode one struct page: flags, order, zone and who owns the frame.

Usage: mm-page ADDR | pfn=N | page=PTR

ADDR is any expression giving a kernel address (a pointer variable, 0x...);
the frame holding it is decoded.  A value of type struct page * is taken as
the descriptor itself; so is page=PTR.  pfn=N names the frame number.
Shows the raw fields, then the state: reserved (and by what), a free block
of order k on a buddy list, a free page on cpu N's per-CPU list, an
allocated block (with its owner: a slab of cache X with N objects in use,
a large kmalloc block, plain pages) or a tail page of one.  Booted with
mm.page_owner=1, also the block's page owner record: who allocated it and
who freed it last (docs/page_owner.md).  Function calls
are refused: the command only reads memory."""

    NAME = "mm-page"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        mm = kmem.MemMap()
        pfn, off = parse_target(mm, arg)
        if not mm.valid(pfn):
            raise gdb.GdbError("mm-page: pfn %s is outside the struct page "
                               "array (pfn 0x%x-0x%x): not RAM the kernel "
                               "manages" % (kmem.hexs(pfn), mm.start,
                                            mm.end - 1))
        pg = mm.page(pfn)
        flags, order, zi = kmem.page_state(pg)
        pa = pfn << K.PAGE_SHIFT
        gdb.write("page (struct page *)0x%x  pfn 0x%x  phys 0x%x%s\n" %
                  (int(pg.address), pfn, pa,
                   "  (+0x%x into the page)" % off if off else ""))
        gdb.write("  flags 0x%04x (%s)  order %d  zone %d (%s)\n" %
                  (flags, K.flags_str(flags, "PG_"), order, zi,
                   kmem.zone_name(kmem.zones()[zi])
                   if zi < K.MAX_NR_ZONES else "invalid"))
        gdb.write("  u32 0x%08x  lru {next 0x%x, prev 0x%x}  private 0x%x\n"
                  % (int(pg["u32"]), int(pg["lru"]["next"]),
                     int(pg["lru"]["prev"]), int(pg["private"])))
        for line in describe(mm, pfn, pg):
            gdb.write("  " + line + "\n")
        if off is not None:
            for line in owners.describe_address(mm, pfn, pa + off):
                gdb.write("  " + line + "\n")

# SPDX-License-Identifier: MIT
"""Who owns an allocated block: the owner bits of its head page decoded by
the layer that set them (slab, large kmalloc, plain pages)."""
import gdb

from . import consts as K
from . import kmem


def owner_bits(flags):
    return [name for name, bit in K.flag_table("PG_")
            if bit & flags and bit > K.get("PG_ALLOC_MASK")]


def page_owner_line(mm, pfn):
    """The page owner record of frame pfn (mm/page_owner.c), as the
    kernel's bad-free report words it; [] when page owners are off."""
    if not kmem.has_symbol("owners", "mm/page_owner.c") or \
            not int(kmem.sym("page_owner_on")):
        return []
    arr = kmem.sym("owners", file_suffix="mm/page_owner.c")
    r = (arr + (pfn - mm.start)).dereference()
    seq = int(r["po_alloc_seq"])
    if not seq:
        return ["page owner: never allocated since boot"]
    line = ("page owner: allocated by %s on hart %d (event %d, order %d, "
            "gfp 0x%x)" % (kmem.symbolize(r["po_alloc_ip"]),
                           int(r["po_alloc_cpu"]), seq, int(r["po_order"]),
                           int(r["po_gfp"])))
    fseq = int(r["po_free_seq"])
    if fseq > seq:
        return [line + ", freed by %s on hart %d (event %d)" %
                (kmem.symbolize(r["po_free_ip"]), int(r["po_free_cpu"]),
                 fseq)]
    return [line + ", not freed since"]


def describe_owner(mm, pfn, pg):
    """Lines naming the owner of the allocated block headed by pfn."""
    flags = int(pg["flags"])
    if flags & K.PG_slab:
        from . import slabview
        try:
            return slabview.describe_slab_page(mm, pfn, pg)
        except gdb.GdbError as e:
            return ["owner: a slab (PG_slab), not decodable: %s" % e]
    if flags & K.PG_large:
        if K.has("KM_LARGE_SIZE_MASK"):
            u = int(pg["u32"])
            run = ""
            if K.has("KM_LARGE_RUN") and u & K.get("KM_LARGE_RUN"):
                # the run's page count: the second page's private
                run = ", a run of %d pages (mm/page_run.c)" % \
                    int(mm.page(pfn + 1)["private"])
            return ["owner: a large kmalloc block (PG_large) of %d bytes "
                    "asked%s%s" % (u & K.get("KM_LARGE_SIZE_MASK"),
                                   ", debug-tracked" if u &
                                   K.get("KM_LARGE_TRACKED") else "", run)]
        return ["owner: a large kmalloc block (PG_large, mm/kmalloc.c)"]
    if K.has("PG_run") and flags & K.get("PG_run"):
        return ["owner: a later block of a run of pages (PG_run, "
                "mm/page_run.c); the run's first block, below, names its "
                "owner"]
    bits = owner_bits(flags)
    if bits:
        return ["owner: a later layer (owner bits %s)" % "|".join(bits)]
    from . import cmd_heap
    lo = pfn << K.PAGE_SHIFT
    hs = cmd_heap.heaps_in(lo, lo + (K.PAGE_SIZE << int(pg["order"])))
    if hs:
        return ["owner: alloc_pages() block holding the TLSF heap%s %s "
                "(mm-heap NAME)" % ("s" if len(hs) > 1 else "",
                                    ", ".join("'%s'" % cmd_heap.name_of(h)
                                              for h in hs))]
    return ["owner: plain alloc_pages() block (no owner bit)"]


def describe_address(mm, pfn, pa):
    """Lines about one byte address inside frame pfn (which object)."""
    from . import cmd_page
    pg = mm.page(pfn)
    flags = int(pg["flags"])
    head_pfn, head = pfn, pg
    if not flags & (K.PG_head | K.PG_buddy | K.PG_pcp | K.PG_reserved):
        head_pfn, head = cmd_page.covering_block(mm, pfn)
        if head is None:
            return []
        flags = int(head["flags"])
    if flags & K.PG_head and flags & K.PG_slab:
        from . import slabview
        try:
            return slabview.describe_object(mm, head_pfn, head, pa)
        except gdb.GdbError as e:
            return ["(object not decodable: %s)" % e]
    if flags & K.PG_head:
        from . import cmd_heap
        off = pa - (head_pfn << K.PAGE_SHIFT)
        return ["address is byte 0x%x of the block" % off] + \
            cmd_heap.describe_address(kmem.phys_to_virt(pa))
    return []

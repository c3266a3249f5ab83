# SPDX-License-Identifier: MIT
"""mm-heap: the TLSF heaps (mm/heap.c) and the blocks of one.

A heap is a region [hp_start, hp_end) of blocks, each with a 16-byte
header: tb_size (bytes, header included, with TB_FREE and TB_PREV_FREE in
the low bits) and tb_prev_phys (the block below); a used header of size 0
at hp_end ends the walk.  Free blocks also sit on the list hp_free[f][s]
their size maps to (first level f: the power of two, second level s: one of
TLSF_SL_COUNT slices of it; sizes below TLSF_SMALL map linearly to level
0), with a bit in hp_fl_bitmap and hp_sl_bitmap[f] for each non-empty list.
This module walks both from memory and checks the invariants of mm/heap.c
section 3 on the way.
"""
import gdb

from . import consts as K
from . import kmem

MAX_HEAPS = 1024
MAX_LISTED = 64  # blocks printed one by one


def heap_type():
    return kmem.ctype("struct k_heap", "mm/heap.h: the TLSF heap is not in "
                      "this kernel",
                      fields=("hp_lock", "hp_name", "hp_start", "hp_end",
                              "hp_node", "hp_fl_bitmap", "hp_sl_bitmap",
                              "hp_free", "hp_free_bytes", "hp_alloc_bytes"))


def local(name):
    """A constant of the heap's insides: mm/heap_internal.h (a header, so
    generated at the top level), or mm/heap.c in older kernels."""
    if hasattr(K.C, name):
        return getattr(K.C, name)
    try:
        return K.C.LOCAL["mm/heap.c"][name]
    except KeyError:
        raise gdb.GdbError("rvmm: %s of mm/heap_internal.h is not in "
                           "build/gdb/rvmm_consts.py (make)" % name) from None


def heaps():
    """Pointers to every registered heap (mm/heap.c's list)."""
    t = heap_type()
    head = kmem.sym("heaps", "mm/heap.c: the list of heaps",
                    file_suffix="mm/heap.c")
    try:
        return list(kmem.list_entries(head, t, "hp_node", MAX_HEAPS))
    except kmem.ListBroken as e:
        raise gdb.GdbError("rvmm: the list of heaps is broken (%s)" % e)


def name_of(h):
    try:
        return h["hp_name"].string() if int(h["hp_name"]) else "?"
    except gdb.MemoryError:
        return "?"


def mapping(size):
    """(fl, sl) of the free list holding blocks of exactly size bytes, as
    mm/heap.c computes it: lists are indexed by payload bytes (capacity)."""
    size -= K.get("TLSF_HDR")
    if size < K.get("TLSF_SMALL"):
        return 0, size >> K.get("TLSF_ALIGN_LOG2")
    t = size.bit_length() - 1
    sl = (size >> (t - K.get("TLSF_SL_LOG2"))) & (K.get("TLSF_SL_COUNT") - 1)
    return t - K.get("TLSF_FL_SHIFT") + 1, sl


class HeapWalk:
    """Every block of one heap, and what is wrong with it."""

    def __init__(self, h):
        self.h = h
        self.bt = kmem.ctype("struct tlsf_block", "mm/heap_internal.h",
                             fields=("tb_size", "tb_prev_phys",
                                     "tb_next_free", "tb_prev_free"))
        self.flags_mask = local("TB_FLAGS")
        self.free_bit, self.prev_bit = local("TB_FREE"), local("TB_PREV_FREE")
        self.hdr = K.get("TLSF_HDR")
        self.blocks, self.problems = [], []
        self.walk_blocks()
        self.walk_lists()
        self.check_counters()

    def walk_blocks(self):
        """[(address, size, free)] from hp_start to the sentinel (3a-3c)."""
        start, end = int(self.h["hp_start"]), int(self.h["hp_end"])
        limit = (end - start) // K.get("TLSF_MIN_BLOCK") + 1
        addr, prev, prev_free = start, 0, False
        while addr < end:
            if len(self.blocks) > limit:
                self.problems.append("more blocks than the region holds")
                return
            b = kmem.fetch(kmem.ptr(addr, self.bt).dereference())
            raw = int(b["tb_size"])
            size, free = raw & ~self.flags_mask, bool(raw & self.free_bit)
            if int(b["tb_prev_phys"]) != prev:
                self.problems.append("block 0x%x: prev_phys 0x%x, the block "
                                     "below is 0x%x" %
                                     (addr, int(b["tb_prev_phys"]), prev))
            if bool(raw & self.prev_bit) != prev_free:
                self.problems.append("block 0x%x: PREV_FREE is %d, the block "
                                     "below is %s" %
                                     (addr, bool(raw & self.prev_bit),
                                      "free" if prev_free else "used"))
            if free and prev_free:
                self.problems.append("blocks 0x%x and 0x%x: two free "
                                     "neighbours" % (prev, addr))
            if size < K.get("TLSF_MIN_BLOCK") or size % K.get("TLSF_ALIGN"):
                self.problems.append("block 0x%x: size %d" % (addr, size))
                return
            self.blocks.append((addr, size, free))
            prev, prev_free, addr = addr, free, addr + size
        if addr != end:
            self.problems.append("the walk ends at 0x%x, not at hp_end 0x%x"
                                 % (addr, end))
        sentinel = kmem.ptr(end, self.bt).dereference()
        if int(sentinel["tb_prev_phys"]) != prev:
            self.problems.append("sentinel's prev_phys 0x%x, last block 0x%x"
                                 % (int(sentinel["tb_prev_phys"]), prev))

    def walk_lists(self):
        """Every free list: its blocks free, mapped to it, linked both ways;
        the bitmaps set exactly for the non-empty lists (3d)."""
        h, free = self.h, {a: s for a, s, f in self.blocks if f}
        on_lists = set()
        fl_bits = int(h["hp_fl_bitmap"])
        nfl, nsl = K.get("TLSF_FL_COUNT"), K.get("TLSF_SL_COUNT")
        for fl in range(nfl):
            sl_bits = int(h["hp_sl_bitmap"][fl])
            if bool(sl_bits) != bool(fl_bits >> fl & 1):
                self.problems.append("fl bitmap bit %d is %d, sl bitmap "
                                     "0x%x" % (fl, fl_bits >> fl & 1,
                                               sl_bits))
            for sl in range(nsl):
                head = int(h["hp_free"][fl][sl])
                if bool(head) != bool(sl_bits >> sl & 1):
                    self.problems.append("list [%d][%d] %s but its bit is %d"
                                         % (fl, sl, "used" if head else
                                            "empty", sl_bits >> sl & 1))
                self.walk_list(fl, sl, head, free, on_lists)
        for a in free:
            if a not in on_lists:
                self.problems.append("free block 0x%x is on no list" % a)

    def walk_list(self, fl, sl, addr, free, on_lists):
        prev = 0
        while addr:
            if addr in on_lists or len(on_lists) > len(free):
                self.problems.append("list [%d][%d] loops" % (fl, sl))
                return
            b = kmem.fetch(kmem.ptr(addr, self.bt).dereference())
            if addr not in free:
                self.problems.append("list [%d][%d] holds 0x%x, not a free "
                                     "block" % (fl, sl, addr))
                return
            if mapping(free[addr]) != (fl, sl):
                self.problems.append("block 0x%x of %d bytes on list [%d][%d]"
                                     % (addr, free[addr], fl, sl))
            if int(b["tb_prev_free"]) != prev:
                self.problems.append("block 0x%x: prev_free 0x%x, expected "
                                     "0x%x" % (addr, int(b["tb_prev_free"]),
                                               prev))
            on_lists.add(addr)
            prev, addr = addr, int(b["tb_next_free"])

    def check_counters(self):
        """3e: the byte counters and the allocation count."""
        h = self.h
        free_b = sum(s for _, s, f in self.blocks if f)
        used_b = sum(s for _, s, f in self.blocks if not f)
        if free_b != int(h["hp_free_bytes"]) or \
                used_b != int(h["hp_alloc_bytes"]):
            self.problems.append("blocks hold %d free / %d used bytes, the "
                                 "heap counts %d / %d" %
                                 (free_b, used_b, int(h["hp_free_bytes"]),
                                  int(h["hp_alloc_bytes"])))
        live = int(h["hp_nr_alloc"]) - int(h["hp_nr_free"])
        if live != self.used():
            self.problems.append("%d used blocks, allocations - frees = %d"
                                 % (self.used(), live))

    def used(self):
        return sum(1 for b in self.blocks if not b[2])

    def largest_free_payload(self):
        """As mm/heap.c's largest_free(): the biggest block of the highest
        non-empty list, less its header."""
        h = self.h
        fl_bits = int(h["hp_fl_bitmap"])
        if not fl_bits:
            return 0
        fl = fl_bits.bit_length() - 1
        sl = int(h["hp_sl_bitmap"][fl]).bit_length() - 1
        best, addr = 0, int(h["hp_free"][fl][sl])
        seen = 0
        while addr and seen <= len(self.blocks):
            b = kmem.ptr(addr, self.bt).dereference()
            best = max(best, int(b["tb_size"]) & ~self.flags_mask)
            addr, seen = int(b["tb_next_free"]), seen + 1
        return best - self.hdr


def heaps_in(lo, hi):
    """The registered heaps whose region meets [lo, hi); [] when the
    kernel has no heap (for mm-page)."""
    try:
        return [h for h in heaps()
                if int(h["hp_start"]) < hi and lo <= int(h["hp_end"])]
    except gdb.GdbError:
        return []


def describe_address(addr):
    """Lines naming the heap block that holds addr, if any."""
    out = []
    for h in heaps_in(addr, addr + 1):
        w = HeapWalk(h)
        for baddr, size, free in w.blocks:
            if baddr <= addr < baddr + size:
                hdr = K.get("TLSF_HDR")
                off = addr - baddr - hdr
                where = "in the header of" if off < 0 else \
                    "the start of the payload of" if off == 0 else \
                    "+0x%x into the payload of" % off
                out.append("address is %s the %s block 0x%x (payload 0x%x, "
                           "%d bytes) of heap '%s'" %
                           (where, "free" if free else "used", baddr,
                            baddr + hdr, size - hdr, name_of(h)))
                break
        else:
            out.append("address is in heap '%s' outside its blocks" %
                       name_of(h))
    return out


def report_line(h, w):
    """One line in the layout of the kernel's heap_report()."""
    return ("%-12s %9d %10d %10d %9d %6d/%-6d %7d %6d %4d" %
            (name_of(h), int(h["hp_end"]) - int(h["hp_start"]),
             int(h["hp_alloc_bytes"]), int(h["hp_free_bytes"]),
             w.largest_free_payload(), w.used(), len(w.blocks) - w.used(),
             int(h["hp_nr_alloc"]), int(h["hp_nr_fail"]),
             int(h["hp_nr_bad_free"])))


REPORT_HEADER = ("heap             size       used       free   largest  "
                 "blocks(u/f)  allocs  fails  bad")


def find_heaps(arg):
    """The heaps named arg, or the one an expression (&system_heap, an
    address) points at; one line of GdbError otherwise."""
    all_ = heaps()
    found = [h for h in all_ if name_of(h) == arg]
    if found:
        return found
    known = " ".join("%s@0x%x" % (name_of(h), int(h)) for h in all_) or \
        "none"
    try:
        v = kmem.eval_no_calls(arg, "mm-heap", "heap")
    except gdb.GdbError:
        raise gdb.GdbError("mm-heap: no heap named '%s', and it is not an "
                           "expression for one (heaps: %s)" %
                           (arg, known)) from None
    code = v.type.strip_typedefs().code
    if code == gdb.TYPE_CODE_STRUCT and v.address is not None:
        addr = int(v.address)
    elif code in kmem.INT_CODES:
        addr = int(v)
    else:
        raise gdb.GdbError("mm-heap: '%s' is a %s, not a heap (give a name "
                           "or a struct k_heap *; heaps: %s)" %
                           (arg, v.type, known))
    for h in all_:
        if int(h) == addr:
            return [h]
    raise gdb.GdbError("mm-heap: %s is not a registered heap (heaps: %s)" %
                       (kmem.hexs(addr), known))


class MmHeap(gdb.Command):
    """Walk a TLSF heap's blocks (without an argument: list the heaps).

Usage: mm-heap [ADDR | NAME]

Without an argument: every registered heap in the layout of the kernel's
heap_report() (size, used and free bytes, largest free payload, used/free
blocks, allocations, failures, refused frees).  With a heap (an expression
such as &system_heap, or its name): its region and counters, then every
block from hp_start to the sentinel (header address, payload, size, used
or free and the free list [fl][sl] it belongs on), and the problems found
against mm/heap.c's invariants: the physical chain and its boundary tags,
no two free neighbours, every free block on exactly its list, the bitmaps,
the byte counters."""

    NAME = "mm-heap"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        arg = arg.strip()
        if not arg:
            gdb.write("heaps seen from %s\n%s\n" % (kmem.where_str(),
                                                    REPORT_HEADER))
            for h in heaps():
                gdb.write(report_line(h, HeapWalk(h)) + "\n")
            return
        for h in find_heaps(arg):
            self.show(h)

    @staticmethod
    def show(h):
        w = HeapWalk(h)
        gdb.write("heap '%s' at (struct k_heap *)0x%x, region [0x%x-0x%x), "
                  "lock %s\n" % (name_of(h), int(h), int(h["hp_start"]),
                                 int(h["hp_end"]), kmem.lock_str(h["hp_lock"])))
        gdb.write("%s\n%s\n" % (REPORT_HEADER, report_line(h, w)))
        for i, (addr, size, free) in enumerate(w.blocks):
            if i == MAX_LISTED:
                gdb.write("  ... %d more blocks\n" % (len(w.blocks) - i))
                break
            where = "free, list [%d][%d]" % mapping(size) if free else "used"
            gdb.write("  block 0x%x  payload 0x%x  %8d bytes  %s\n" %
                      (addr, addr + K.get("TLSF_HDR"), size, where))
        for p in w.problems:
            gdb.write("problem: %s\n" % p)
        gdb.write("%d blocks (%d used, %d free), %s\n" %
                  (len(w.blocks), w.used(), len(w.blocks) - w.used(),
                   "every invariant holds" if not w.problems else
                   "%d problems (expected only while its lock is held)" %
                   len(w.problems)))

# SPDX-License-Identifier: MIT
"""mm-memmap: the picture of physical memory, as the monitor's memmap.

The walk of mm/memmap_view.c, done from memory: the struct page array is
read in one go, each block is classified by its head page, the frames are
counted into groups, and the text is printed with the kernel's formats,
byte for byte (tests/gdb compares the two).  The legend (characters and
words) is read from the kernel's memmap_kinds[]; the numbers come from
the generated constants."""
import re

import gdb

from . import consts as K
from . import kmem

U64 = (1 << 64) - 1


def kinds():
    """[(char, what, reserved-range name or None)] from memmap_kinds[]."""
    table = kmem.sym("memmap_kinds", "mm/memmap_view.c: the legend")
    out = []
    for i in range(K.get("MEMMAP_NR_KINDS")):
        e = table[i]
        name = e["mk_rsv_name"]
        out.append((chr(int(e["mk_char"])), e["mk_what"].string(),
                    name.string() if int(name) else None))
    return out


def reserved_ranges():
    """[(base, end, name)] of mm/memmap.c's reserved ranges, rounded out
    to whole pages as its reserved_by() rounds them, in table order."""
    rsv = kmem.sym("rsv", "mm/memmap.c: reserved ranges", "mm/memmap.c")
    n = int(kmem.sym("nr_rsv", file_suffix="mm/memmap.c"))
    mask = U64 & ~(K.PAGE_SIZE - 1)
    out = []
    for i in range(min(n, rsv.type.range()[1] + 1)):
        r = rsv[i]
        base, end = int(r["base"]), int(r["end"])
        rend = (end + K.PAGE_SIZE - 1) & U64 & mask
        if rend < end:  # wrapped at the top
            rend = mask
        what = r["what"]
        out.append((base & mask, rend, what.string() if int(what) else ""))
    return out


def page_tables():
    """(base, end) of the kernel's page tables: arch/riscv/vm.c's pool
    from the root table on, pool_used pages (the kernel reads the root
    from satp, the same address)."""
    if not kmem.has_symbol("root", "arch/riscv/vm.c"):
        return 0, 0
    root = kmem.virt_to_phys(kmem.sym("root", file_suffix="arch/riscv/vm.c"))
    used = int(kmem.sym("pool_used", file_suffix="arch/riscv/vm.c"))
    return root, root + used * K.PAGE_SIZE


class Frames:
    """The state bytes (flags, order) of every struct page, read at once."""

    def __init__(self, mm):
        self.mm = mm
        n = mm.end - mm.start
        self.buf = bytes(gdb.selected_inferior().read_memory(
            int(mm.base), n * mm.size))
        self.off_flags = kmem.offsetof(mm.t, "flags")
        self.off_order = kmem.offsetof(mm.t, "order")

    def state(self, pfn):
        o = (pfn - self.mm.start) * self.mm.size
        flags = int.from_bytes(self.buf[o + self.off_flags:
                                        o + self.off_flags + 2], "little")
        return flags, self.buf[o + self.off_order]


class Walk:
    """The walk and tally of mm/memmap_view.c, step for step."""

    def __init__(self, group, legend, start):
        self.group = group
        self.legend = legend
        self.next = start + group
        self.cells = []
        nr = len(legend)
        self.here = [0] * nr
        self.pages = [0] * nr
        self.blocks = [0] * K.MAX_ORDER
        self.fixed = K.get("MEMMAP_FIRST_FIXED")

    def most(self, lo, hi):
        """The kind in [lo, hi) with the most frames here, the first on a
        tie; hi when there is none."""
        best = hi
        for k in range(lo, hi):
            if self.here[k] and (best == hi or self.here[k] > self.here[best]):
                best = k
        return best

    def group_char(self):
        k = self.most(self.fixed, len(self.legend))
        if k == len(self.legend):
            k = self.most(0, self.fixed)
        return self.legend[k][0]

    def count(self, pfn, n, kind):
        self.pages[kind] += n
        while n:
            take = min(self.next - pfn, n)
            self.here[kind] += take
            pfn += take
            n -= take
            if pfn == self.next:
                self.cells.append(self.group_char())
                self.here = [0] * len(self.legend)
                self.next += self.group


def owner_kind(flags):
    for bit, name in ((K.PG_slab, "MEMMAP_SLAB"), (K.PG_large, "MEMMAP_LARGE"),
                      (K.get("PG_owner1"), "MEMMAP_DMA"),
                      (K.get("PG_owner2"), "MEMMAP_ARENA")):
        if flags & bit:
            return K.get(name)
    return K.get("MEMMAP_USED")


class Classifier:
    """The kind of the block at a frame, as walk_block() decides it."""

    def __init__(self, frames, legend):
        self.frames = frames
        self.legend = legend
        self.rsv = reserved_ranges()
        self.pt = page_tables()

    def reserved_kind(self, pfn):
        pa = pfn << K.PAGE_SHIFT
        if self.pt[0] <= pa < self.pt[1]:
            return K.get("MEMMAP_PGTABLE")
        name = next((r[2] for r in self.rsv if r[0] <= pa < r[1]), None)
        if name is None:
            return K.get("MEMMAP_HOLE")
        for k in range(K.get("MEMMAP_FIRST_FIXED"), len(self.legend)):
            if self.legend[k][2] is not None and self.legend[k][2] == name:
                return k
        return K.get("MEMMAP_FIRMWARE")

    def block(self, pfn, walk):
        """(kind, frames) of the block at pfn; counts free blocks."""
        flags, order = self.frames.state(pfn)
        # the state bits; a block's kind (PG_KIND_MASK) does not matter
        f = flags & K.get("PG_ALLOC_MASK") & ~K.get("PG_KIND_MASK")
        if f in (K.PG_buddy, K.PG_head) and order < K.MAX_ORDER:
            if f == K.PG_buddy:
                walk.blocks[order] += 1
                return K.get("MEMMAP_FREE") + order, 1 << order
            return owner_kind(flags), 1 << order
        if f == K.PG_pcp:
            return K.get("MEMMAP_PCP"), 1
        if f == K.PG_reserved:
            return self.reserved_kind(pfn), 1
        return K.get("MEMMAP_UNKNOWN"), 1


def walk_all(mm, group, legend):
    """The finished Walk over every frame of the struct page array."""
    w = Walk(group, legend, mm.start)
    cls = Classifier(Frames(mm), legend)
    zs = kmem.zones()
    bounds = {mm.end}
    for i in range(K.MAX_NR_ZONES):
        s, e = int(zs[i]["start_pfn"]), int(zs[i]["end_pfn"])
        if e > s:
            bounds |= {s, e}
    bounds = sorted(bounds)
    pfn = mm.start
    while pfn < mm.end:
        end = next(b for b in bounds if b > pfn)
        kind, n = cls.block(pfn, w)
        n = min(n, end - pfn)
        w.count(pfn, n, kind)
        pfn += n
    if w.next - group < mm.end:  # a last, partial group
        w.cells.append(w.group_char())
    return w


def rows_for(span, group):
    cells = (span + group - 1) // group
    return (cells + K.get("MEMMAP_COLS") - 1) // K.get("MEMMAP_COLS")


def min_group(span, rows):
    group = 1
    while rows_for(span, group) > rows:
        group <<= 1
    return group


def check_group(cmd, span, group):
    """GdbError with the monitor's refusal, unless group is usable."""
    cols, most = K.get("MEMMAP_COLS"), K.get("MEMMAP_MAX_ROWS")
    if group & (group - 1):
        raise gdb.GdbError("%s: refused: %d pages per character is not a "
                           "power of two" % (cmd, group))
    if group > min_group(span, 1) * cols:
        raise gdb.GdbError("%s: refused: %d pages per character is more "
                           "than the map needs (at most %d)" %
                           (cmd, group, min_group(span, 1) * cols))
    if rows_for(span, group) > most:
        raise gdb.GdbError("%s: refused: %d pages per character needs %d "
                           "rows, more than %d (at least %d pages per "
                           "character)" % (cmd, group, rows_for(span, group),
                                           most, min_group(span, most)))


def render(mm, w):
    """The text of the map, exactly as memmap_view_print() prints it."""
    cols = K.get("MEMMAP_COLS")
    out = ["memmap: [mem 0x%016x-0x%016x] %d pages; one character = %d "
           "pages (%d KiB), %d per row\n" %
           (mm.start << K.PAGE_SHIFT, (mm.end << K.PAGE_SHIFT) - 1,
            mm.end - mm.start, w.group, (w.group * K.PAGE_SIZE) >> 10, cols)]
    for c in range(0, len(w.cells), cols):
        pa = (mm.start + c * w.group) << K.PAGE_SHIFT
        out.append("0x%016x %s\n" % (pa, "".join(w.cells[c:c + cols])))
    out.append("legend: a character shows the kind with the most pages in "
               "its group (a tie: the\nfirst listed), counting only the kinds "
               "from '%s' on (fixed at boot) if it has any.\n" %
               w.legend[w.fixed][0])
    free0 = K.get("MEMMAP_FREE")
    for k, (ch, what, _) in enumerate(w.legend):
        blocks = ""
        if k < free0 + K.MAX_ORDER:
            n = w.blocks[k - free0]
            blocks = " in %d block%s" % (n, "" if n == 1 else "s")
        out.append("  %s  %-38s %7d pages%s\n" % (ch, what, w.pages[k],
                                                  blocks))
    buddy = sum(w.pages[free0:free0 + K.MAX_ORDER])
    pcp = w.pages[K.get("MEMMAP_PCP")]
    out.append("memmap: %d pages free (buddy %d + per-CPU %d)\n" %
               (buddy + pcp, buddy, pcp))
    return "".join(out)


NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)$")


class MmMemmap(gdb.Command):
    """Physical memory map: one character per group of pages, and a legend.

Usage: mm-memmap [PAGES]

The same text as the monitor's `memmap [PAGES]` (mm/memmap_view.c), byte
for byte: a header, one row of 64 characters per line starting with its
physical address, each character standing for PAGES page frames (a power
of two; by default the smallest that fits RAM in 32 rows), then the
legend with the pages of each kind: free buddy blocks by order (0-9, A),
per-CPU list pages (p), slabs (s), large kmalloc blocks (k), DMA (d) and
arena (a) chunks, other allocated blocks (#), page tables (t), the
reserved ranges (K kernel, D device tree, F firmware, M struct page
array) and holes (-).  A group of mixed kinds shows its commonest kind,
a tie going to the first listed, counting only the kinds fixed at boot
(t and below) when it holds any.  Reads memory only (the struct page array in one read);
docs/buddy.md, "Pictures of memory"."""

    NAME = "mm-memmap"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        words = arg.split()
        if len(words) > 1:
            raise gdb.GdbError("usage: mm-memmap [PAGES]")
        mm = kmem.MemMap()
        span = mm.end - mm.start
        group = min_group(span, K.get("MEMMAP_ROWS"))
        if words:
            if not NUMBER.match(words[0]):
                raise gdb.GdbError("mm-memmap: bad number of pages '%s' (a "
                                   "number such as 16 or 0x100)" % words[0])
            group = int(words[0], 0 if words[0][:2] in ("0x", "0X") else 10)
            if not group:
                raise gdb.GdbError("mm-memmap: refused: 0 pages per "
                                   "character")
            check_group(self.NAME, span, group)
        gdb.write(render(mm, walk_all(mm, group, kinds())))

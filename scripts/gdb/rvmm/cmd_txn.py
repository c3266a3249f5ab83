# SPDX-License-Identifier: MIT
"""mm-txn: the open transactions of every hart and their logs (mm/txn.c).

Each hart has a struct txn_cpu (txn_cpus[], static in mm/txn.c): the open
levels open[0 .. depth), the log index at which each began (mark[]), and
the log itself, a chain of segments from tail back through ts_prev to the
outermost transaction's inline segment.  An entry's op is TXN_ALLOC,
TXN_FREE (a deferred free) or TXN_DEAD (mm/txn_internal.h).
"""
import gdb

from . import consts as K
from . import kmem

MAX_ENTRIES = 100000  # bound on a log walk
MAX_SEGMENTS = 10000


def txn_cpus():
    kmem.ctype("struct mm_txn", "mm/txn.h: transactions are not in this "
               "kernel", fields=("tx_depth", "tx_name", "tx_caller",
                                     "tx_mark", "tx_seg"))
    return kmem.sym("txn_cpus", "mm/txn.c: the per-hart logs",
                    file_suffix="mm/txn.c")


def op_names():
    try:
        return {K.get(n): n[len("TXN_"):]
                for n in ("TXN_ALLOC", "TXN_FREE", "TXN_DEAD")}
    except KeyError as e:
        raise gdb.GdbError("rvmm: %s" % e.args[0]) from None


def kind_name(kind):
    """The kernel's own name of an mm_kind (mm/hooks.c kind_names[])."""
    names = K.enum_names("mm_kind")
    if kmem.has_symbol("kind_names", "mm/hooks.c"):
        table = kmem.sym("kind_names", file_suffix="mm/hooks.c")
        if kind <= table.type.range()[1] and int(table[kind]):
            return table[kind].string()
    return names[kind][len("MM_KIND_"):].lower() if kind < len(names) \
        else "?%d" % kind


def segments(tc):
    """The log's segments, oldest first; ListBroken when the chain is."""
    segs, s = [], tc["tail"]
    while int(s):
        if len(segs) >= MAX_SEGMENTS:
            raise kmem.ListBroken("more than %d segments" % MAX_SEGMENTS)
        segs.append(s.dereference())
        s = s["ts_prev"]
    return list(reversed(segs))


def entries(tc):
    """[(log index, entry value)] of a hart's log, oldest first."""
    out = []
    for s in segments(tc):
        n = int(s["ts_nr"])
        if n > int(s["ts_cap"]) or len(out) + n > MAX_ENTRIES:
            raise kmem.ListBroken("segment at 0x%x holds %d of %d entries"
                                  % (int(s.address), n, int(s["ts_cap"])))
        base = int(s["ts_base"])
        for i in range(n):
            out.append((base + i, s["ts_ent"][i]))
    return out


def object_str(e, mm):
    """The entry's object, as its kind names it."""
    kind, obj = int(e["te_kind"]), int(e["te_obj"])
    if kind == K.get("MM_KIND_PAGES"):
        pfn = mm.pfn_of(obj)
        return "(struct page *)0x%x %s order %d" % (
            obj, "pfn 0x%x" % pfn if pfn is not None else "(not in mem_map)",
            int(e["te_order"]))
    text = "0x%x" % obj
    owner = int(e["te_owner"])
    if kind == K.get("MM_KIND_SLAB") and owner:
        from . import slabview
        cache = kmem.ptr(owner, slabview.cache_type()).dereference()
        text += " of cache %s" % slabview.name_of(cache)
    elif owner:
        text += " owner 0x%x" % owner
    return text


class Liveness:
    """Is a logged object still allocated (invariant 3d of mm/txn.c)?
    Slabs are read once per command."""

    def __init__(self, mm):
        self.mm, self.slabs = mm, {}

    def check(self, e):
        """None when the object of entry e is allocated, else why not."""
        kind, obj = int(e["te_kind"]), int(e["te_obj"])
        mm = self.mm
        if kind == K.get("MM_KIND_PAGES"):
            pfn = mm.pfn_of(obj)
            if pfn is None:
                return "not a struct page"
            flags, order, _ = kmem.page_state(mm.page(pfn))
            if not flags & K.PG_head or order != int(e["te_order"]):
                return "page flags %s order %d" % (K.flags_str(flags, "PG_"),
                                                   order)
            return None
        return self.check_address(obj)

    def check_address(self, addr):
        from . import cmd_page, slabview
        mm = self.mm
        pfn = kmem.virt_to_phys(addr) >> K.PAGE_SHIFT
        if not mm.valid(pfn):
            return "outside the memory map"
        pg = mm.page(pfn)
        flags = int(pg["flags"])
        if not flags & K.PG_head:
            pfn, pg = cmd_page.covering_block(mm, pfn)
            if pg is None or not int(pg["flags"]) & K.PG_head:
                return "in no allocated block"
            flags = int(pg["flags"])
        if not flags & K.PG_slab:
            return None  # a whole block (large kmalloc, ...) is allocated
        c = pg["slab_cache"].dereference()
        g = slabview.Geometry(c)
        base = kmem.phys_to_virt(pfn << K.PAGE_SHIFT)
        if base not in self.slabs:
            self.slabs[base] = slabview.SlabState(g, pg, base,
                                                  slabview.magazines(c, g))
        idx = g.index(base, addr)
        st = self.slabs[base]
        if idx is None or idx not in st.live:
            return "slab object %s" % (st.state(idx) if idx is not None
                                       else "not an object start")
        return None


def stats_lines(cpus):
    """The two totals lines of the kernel's mm_txn_report()."""
    st = {}
    for cpu in range(cpus.type.range()[1] + 1):
        s = cpus[cpu]["st"]
        for f in s.type.fields():
            st[f.name] = st.get(f.name, 0) + int(s[f.name])
    return [
        "txn: %(begins)d begun (%(nested)d nested), %(commits)d committed, "
        "%(aborts)d aborted; %(logged)d allocations logged, %(rolled_back)d "
        "rolled back; %(deferred)d frees deferred, %(restored)d restored, "
        "%(deferred_done)d done at commit; %(cancelled)d cancelled" % st,
        "txn: %(log_grows)d log chunks grown, %(log_full)d MM_ENOLOG, "
        "%(lost)d frees not deferrable; %(irq_unlogged)d unlogged in "
        "interrupts, %(taken_out)d taken out, %(double_frees)d double "
        "frees, %(misuse)d misuse, %(leftovers)d left open" % st]


def print_hart(cpu, tc, mm, ops, live):
    depth = int(tc["depth"])
    try:
        ents = entries(tc)
    except kmem.ListBroken as e:
        gdb.write("hart %d: %d open; log broken: %s\n" % (cpu, depth, e))
        return
    gdb.write("hart %d: %d open, log %d entries in %d chunk(s) + inline; "
              "lock %s\n" % (cpu, depth, len(ents), int(tc["chunks"]),
                             "held" if int(tc["lock"]) else "free"))
    marks = [int(tc["mark"][d]) for d in range(depth)] + [1 << 62]
    for d in range(depth):
        tx = tc["open"][d]
        name = tx["tx_name"].string() if int(tx["tx_name"]) else "txn"
        gdb.write("  level %d '%s' ((struct mm_txn *)0x%x) begun by %s, "
                  "log from entry %d%s\n" %
                  (d + 1, name, int(tx), kmem.symbolize(tx["tx_caller"]),
                   marks[d], ", %d frees not deferred" % int(tc["lost"][d])
                   if int(tc["lost"][d]) else ""))
        for idx, e in ents:
            if marks[d] <= idx < marks[d + 1]:
                op = ops.get(int(e["te_op"]), "?%d" % int(e["te_op"]))
                why = None if op == "DEAD" else live.check(e)
                gdb.write("    #%-4d %-5s %-7s %s%s\n" %
                          (idx, op, kind_name(int(e["te_kind"])),
                           object_str(e, mm),
                           "" if op == "DEAD" else
                           "  !! not allocated: %s" % why if why else
                           "  (allocated)"))


class MmTxn(gdb.Command):
    """Open transactions on each hart, with their logs.

Usage: mm-txn

For every hart with a transaction open: the nesting depth, the log length,
and for each level its name, struct, who began it and the entries it owns
(log index, ALLOC / FREE (deferred) / DEAD, the allocator kind and the
object: pages with their pfn and order, slab objects with their cache),
each ALLOC and FREE checked to be still allocated, as mm/txn.c's
invariant 3d requires ("!! not allocated: ..." otherwise).
Then the totals of every hart's counters, in the layout of the kernel's
mm_txn_report()."""

    NAME = "mm-txn"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        if arg.strip():
            raise gdb.GdbError("mm-txn takes no argument")
        cpus = txn_cpus()
        ops = op_names()
        mm = kmem.MemMap()
        gdb.write("transactions seen from %s\n" % kmem.where_str())
        shown = 0
        for cpu in range(cpus.type.range()[1] + 1):
            tc = cpus[cpu]
            if int(tc["depth"]) or int(tc["tail"]):
                print_hart(cpu, tc, mm, ops, Liveness(mm))
                shown += 1
        if not shown:
            gdb.write("no transaction open on any hart\n")
        for line in stats_lines(cpus):
            gdb.write(line + "\n")

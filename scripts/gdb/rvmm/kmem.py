# SPDX-License-Identifier: MIT
"""Read-only access to the kernel's memory for the mm commands.

Rules every command follows (docs/gdb.md):
  - only memory and registers are read; no kernel function is ever called,
    so a command works at any stop, inside an allocator holding its lock,
    on any hart;
  - structures are read through gdb.Value by field name, so a change of
    layout in C is picked up from the debug info;
  - a symbol or type that does not exist (yet) is a gdb.GdbError naming it;
  - before mm_init() has set up the memory map and the slab layer, every
    command refuses in one line (require_mm()) instead of printing empty
    tables or a verdict of zeros;
  - a bad argument is one line naming the command and what was wrong;
    negative numbers print with a minus sign (hexs()), never as 0x-1;
  - lists are walked with a bound, and a list seen in the middle of an
    update is reported, never followed forever.
"""
import re

import gdb

from . import consts as K


class ListBroken(Exception):
    """A list walk met NULL, too many nodes, or a node outside RAM."""


def error(msg):
    return gdb.GdbError(msg)


def hexs(n):
    """n in hex with its sign: 0x1f, -0x1 (Python's "%x" gives 0x-1)."""
    n = int(n)
    return "-0x%x" % -n if n < 0 else "0x%x" % n


NOT_READY = ("%s: mm is not initialised yet (%s); stop once it is: "
             "break mm_debug_checkpoint, then continue")


def mm_not_ready():
    """Why mm_init() has not (yet) set up what the commands read, or None
    when it has: the struct page array (mem_map) and the slab layer's
    list of caches (empty until slab_init() creates the first)."""
    if int(sym("mem_map", "mm/memmap.c: the struct page array")) == 0:
        return "mm_init() has not run: mem_map is NULL"
    s = lookup_symbol("slab_caches", "mm/slab_cache.c")
    if s is not None:
        head = s.value()
        nxt = int(head["next"])
        if nxt in (0, int(head.address)):
            return "mm_init() has not finished: no slab cache yet"
    return None


def require_mm(cmd):
    """GdbError in one line, saying what to do, unless mm is initialised."""
    why = mm_not_ready()
    if why:
        raise error(NOT_READY % (cmd, why))


# ---- symbols and types ------------------------------------------------------

def lookup_symbol(name, file_suffix=None):
    """The gdb.Symbol of a global or file-static variable, or None.  With
    file_suffix, a static is taken only from a file whose name ends so
    (a generic name like `segs` may exist in several files); a global of
    that name is taken in any case (the variable may have stopped being
    static)."""
    for s in gdb.lookup_static_symbols(name):
        if file_suffix is None or s.symtab.filename.endswith(file_suffix):
            return s
    return gdb.lookup_global_symbol(name)


def has_symbol(name, file_suffix=None):
    return lookup_symbol(name, file_suffix) is not None


def sym(name, why=None, file_suffix=None):
    """The value of variable name; GdbError naming it when absent."""
    s = lookup_symbol(name, file_suffix)
    if s is None:
        where = " (looked in %s)" % file_suffix if file_suffix else ""
        raise error("rvmm: the kernel has no variable '%s'%s%s" %
                    (name, where, " (%s)" % why if why else ""))
    return s.value()


def ctype(name, why=None, fields=()):
    """gdb.Type for a C type name ('struct zone'); GdbError when the
    debug info lacks it, is only a declaration, or misses one of fields."""
    try:
        t = gdb.lookup_type(name)
    except gdb.error:
        t = None
    if t is not None:
        t = t.strip_typedefs()
        try:
            have = {f.name for f in all_fields(t)}
        except TypeError:  # incomplete: declared, never defined
            have = None
    if t is None or have is None or (t.sizeof == 0 and not have):
        raise error("rvmm: '%s' is not defined in the kernel's debug info%s"
                    % (name, " (%s)" % why if why else ""))
    missing = [f for f in fields if f not in have]
    if missing:
        raise error("rvmm: '%s' has no field %s (the C changed: update "
                    "scripts/gdb/rvmm)" % (name, ", ".join(missing)))
    return t


def all_fields(t):
    """Fields of a struct, looking through anonymous struct/union members."""
    for f in t.fields():
        if f.name is None or f.name == "":
            yield from all_fields(f.type.strip_typedefs())
        else:
            yield f


def offsetof(t, member):
    """Byte offset of member (may be inside anonymous members) in t."""
    def find(tt, base):
        for f in tt.fields():
            off = base + f.bitpos // 8
            if f.name == member:
                return off
            if not f.name:
                r = find(f.type.strip_typedefs(), off)
                if r is not None:
                    return r
        return None
    r = find(t.strip_typedefs(), 0)
    if r is None:
        raise error("rvmm: %s has no field '%s'" % (t, member))
    return r


def ptr(addr, t):
    """A gdb.Value pointer of type t* at address addr."""
    return gdb.Value(int(addr)).cast(t.pointer())


def fetch(v):
    """Read a whole struct in one go (one packet rather than one per field);
    returns v."""
    v.fetch_lazy()
    return v


# ---- lists ------------------------------------------------------------------

def list_entries(head, t, member, limit):
    """Pointers (t*) to the entries of the list_head value head (or of a
    struct mm_registry's list), linked through member.  At most limit entries; ListBroken when the list does
    not come back to head in time or holds a NULL link."""
    if head.type.strip_typedefs().code == gdb.TYPE_CODE_STRUCT and \
            any(f.name == "head" for f in head.type.strip_typedefs().fields()):
        head = head["head"]  # a struct mm_registry (mm/internal.h)
    off = offsetof(t, member)
    head_addr = int(head.address)
    node = head["next"]
    n = 0
    while int(node) != head_addr:
        if int(node) == 0:
            raise ListBroken("NULL link after %d entries" % n)
        if n >= limit:
            raise ListBroken("more than %d entries (list in flux or "
                             "corrupt)" % limit)
        yield ptr(int(node) - off, t)
        node = node["next"]
        n += 1


def list_length(head, limit):
    n = 0
    lh = gdb.lookup_type("struct list_head")
    for _ in list_entries(head, lh, "next", limit):
        n += 1
    return n


# ---- harts --------------------------------------------------------------------

def percpu_array():
    return sym("riscv_percpu", "arch/riscv/smp.c: per-hart data")


def online_cpus():
    """Logical ids of the harts that have come up (pc_online)."""
    pc = percpu_array()
    n = pc.type.range()[1] + 1
    return [i for i in range(n) if int(pc[i]["pc_online"])]


def current_cpu():
    """(logical cpu, hart id) of the selected thread, from its tp register
    (which always points at its riscv_percpu entry), or None before that."""
    try:
        tp = int(gdb.parse_and_eval("$tp"))
        pc = percpu_array()
    except (gdb.error, gdb.GdbError):
        return None
    base, size = int(pc.address), pc.type.target().sizeof
    n = pc.type.range()[1] + 1
    if tp < base or tp >= base + n * size or (tp - base) % size:
        return None
    e = pc[(tp - base) // size]
    return int(e["pc_cpu"]), int(e["pc_hartid"])


def where_str():
    """'cpu 2 (hart 1)' for the selected thread."""
    c = current_cpu()
    return "cpu %d (hart %d)" % c if c else "a hart with no cpu id yet"


def symbolize(addr):
    """'func+0x1c' for a code address, or its hex."""
    addr = int(addr)
    if not addr:
        return "0"
    try:
        b = gdb.block_for_pc(addr)
    except RuntimeError:
        b = None
    while b is not None and b.function is None:
        b = b.superblock
    if b is None:
        return "0x%x" % addr
    return "%s+0x%x" % (b.function.name, addr - b.start)


def lock_str(lock):
    """'free' or 'held by cpu N (last taken at func+off)' for a spinlock_t."""
    if not int(lock["sl_locked"]):
        return "free"
    return "held by cpu %d (taken at %s)" % (int(lock["sl_owner"]),
                                             symbolize(lock["sl_caller"]))


# ---- pages ----------------------------------------------------------------------

class MemMap:
    """The struct page array: pfn <-> struct page, read-only."""

    def __init__(self):
        self.base = sym("mem_map", "mm/memmap.c: the struct page array")
        if int(self.base) == 0:
            raise error(NOT_READY % ("rvmm", "mm_init() has not run: "
                                     "mem_map is NULL"))
        self.start = int(sym("memmap_start_pfn"))
        self.end = int(sym("memmap_end_pfn"))
        self.t = ctype("struct page", fields=("flags", "order", "zone",
                                              "lru"))
        self.size = self.t.sizeof

    def valid(self, pfn):
        return self.start <= pfn < self.end

    def page(self, pfn):
        """struct page value (fetched) of a valid pfn."""
        return fetch((self.base + (pfn - self.start)).dereference())

    def pfn_of(self, page_ptr):
        """pfn of a struct page pointer, or None when it does not point at
        a descriptor of the array."""
        off = int(page_ptr) - int(self.base)
        n = self.end - self.start
        if off < 0 or off % self.size or off // self.size >= n:
            return None
        return self.start + off // self.size


def page_state(pg):
    """(flags, order, zone index) of a struct page value."""
    return int(pg["flags"]), int(pg["order"]), int(pg["zone"])


# The direct map is the identity on RV64 here (arch/riscv/arch.c:
# arch_phys_to_virt returns its argument); the kernel has no constant for
# it, so this is the one place that knows.
def virt_to_phys(addr):
    return int(addr)


def phys_to_virt(pa):
    return int(pa)


# ---- zones -------------------------------------------------------------------

def zones():
    """The zones[] array value; checks the fields the commands read."""
    ctype("struct zone", fields=("name", "start_pfn", "end_pfn",
                                 "present_pages", "managed_pages", "wmark",
                                 "lowmem_reserve", "free_area", "free_pages",
                                 "pcp", "lock"))
    z = sym("zones", "mm/page_alloc.c")
    n = z.type.range()[1] + 1
    if n != K.MAX_NR_ZONES:
        raise error("rvmm: zones[] has %d entries, MAX_NR_ZONES is %d: "
                    "build/gdb/rvmm_consts.py is stale (make)" %
                    (n, K.MAX_NR_ZONES))
    return z


def zone_name(z):
    try:
        return z["name"].string() if int(z["name"]) else "?"
    except gdb.MemoryError:
        return "?"


def zone_pcp_count(z, cpus=None):
    """Pages on the per-CPU lists of zone z (all NR_CPUS entries, as
    zone_free_pages() counts them)."""
    cpus = range(K.NR_CPUS) if cpus is None else cpus
    return sum(int(z["pcp"][c]["count"]) for c in cpus)


_CALL = re.compile(r"(?<![\w$])([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = {"sizeof", "_Alignof", "__alignof__", "alignof"}


def one_line(text):
    return " ".join(str(text).split())


def eval_no_calls(expr, cmd="rvmm", what=None):
    """Evaluate a user expression, refusing anything that looks like a
    function call (GDB would run it in the kernel).  Errors are one
    line: "CMD: bad WHAT 'EXPR' (why)" when what is given."""
    if what is not None and not expr.strip():
        raise error("%s: bad %s '' (give a number or an expression)" %
                    (cmd, what))
    for m in _CALL.finditer(expr):
        if m.group(1) not in _NOT_CALLS:
            raise error("rvmm: '%s' looks like a function call; the mm "
                        "commands only read memory (give an address or a "
                        "variable)" % expr)
    try:
        return gdb.parse_and_eval(expr)
    except (gdb.error, RuntimeError) as e:
        if what is not None:
            raise error("%s: bad %s '%s' (%s)" % (cmd, what, expr,
                                                  one_line(e))) from None
        raise error("rvmm: cannot evaluate '%s': %s" %
                    (expr, one_line(e))) from None


INT_CODES = (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_ENUM,
             gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_BOOL)


def eval_int(expr, cmd, what):
    """The integer value of a user expression (a number, a variable, a
    pointer); a float, a string or a structure is one line of GdbError."""
    v = eval_no_calls(expr, cmd, what)
    if v.type.strip_typedefs().code not in INT_CODES:
        raise error("%s: bad %s '%s' (not an integer: %s)" %
                    (cmd, what, expr, v.type))
    return int(v)

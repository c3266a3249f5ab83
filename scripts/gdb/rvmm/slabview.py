# SPDX-License-Identifier: MIT
"""Reading the slab layer (mm/slab.h, mm/slab.c): caches, slabs, objects.

A slab is a buddy block whose head page has PG_slab, slab_cache, slab.inuse
and slab.freelist (the index of its first free object); its objects are
kc_objs slots of kc_stride bytes.  A free object's free word (at kc_fp_off)
holds next ^ kc_secret ^ (address of the word): decoded, the next free
object, or slab base + FW_END / FW_MAG (mm/slab_internal.h).  Every object
is in one state: live (handed out), in a hart's magazine (kc_cpu[].cc_objs),
or on its slab's freelist.  This module recomputes those states from memory
alone, one bulk read per slab.
"""
import gdb

from . import consts as K
from . import kmem

# The slab lists of a cache: (name, list head field, length field).
LISTS = (("partial", "kc_partial", "kc_nr_partial"),
         ("full", "kc_full", "kc_nr_full"),
         ("free", "kc_free", "kc_nr_free"),
         ("quarantine", "kc_quarantine", "kc_nr_quarantine"))
MAX_CACHES = 4096


def cache_type():
    """struct kmem_cache; GdbError until mm/slab.c defines it."""
    return kmem.ctype("struct kmem_cache", "mm/slab.h: the slab layer is "
                      "not in this kernel",
                      fields=("kc_cpu", "kc_name", "kc_size", "kc_stride",
                              "kc_objs", "kc_order", "kc_obj_off",
                              "kc_fp_off", "kc_secret", "kc_link",
                              "kc_nr_inuse", "kc_lock") +
                      tuple(f for _, l, n in LISTS for f in (l, n)))


def caches():
    """Pointers to every cache, in creation order (the slab_caches list)."""
    t = cache_type()
    head = kmem.sym("slab_caches", "mm/slab_cache.c: the list of caches",
                    file_suffix="mm/slab_cache.c")
    try:
        return list(kmem.list_entries(head, t, "kc_link", MAX_CACHES))
    except kmem.ListBroken as e:
        raise gdb.GdbError("rvmm: the list of caches is broken (%s)" % e)


def name_of(c):
    try:
        return c["kc_name"].string()
    except (gdb.error, UnicodeDecodeError):
        return "?"


def find_caches(arg):
    """The caches named arg (names need not be unique), or the one an
    expression of type struct kmem_cache * points at."""
    all_ = caches()
    found = [c for c in all_ if name_of(c) == arg]
    if found:
        return found
    try:
        v = kmem.eval_no_calls(arg)
    except gdb.GdbError:
        v = None
    if v is not None and v.type.strip_typedefs().code in (gdb.TYPE_CODE_PTR,
                                                          gdb.TYPE_CODE_INT):
        for c in all_:
            if int(c) == int(v):
                return [c]
        raise gdb.GdbError("mm-cache: %s is not a cache on the list of "
                           "caches" % kmem.hexs(v))
    raise gdb.GdbError("mm-cache: no cache named '%s' (caches: %s)" %
                       (arg, " ".join(name_of(c) for c in all_)))


def cache_figures(c, cpus):
    """A cache's numbers as the kernel's slabinfo computes them."""
    nr = {n: int(c[field]) for n, _, field in LISTS}
    nr_slabs = sum(nr.values())
    return {
        "name": name_of(c),
        "active": int(c["kc_nr_inuse"]),
        "num": nr_slabs * int(c["kc_objs"]),
        "stride": int(c["kc_stride"]),
        "objs": int(c["kc_objs"]),
        "pages": 1 << int(c["kc_order"]),
        "limit": int(c["kc_cpu"][0]["cc_limit"]),
        "batch": int(c["kc_cpu"][0]["cc_batch"]),
        "active_slabs": nr_slabs - nr["free"],
        "slabs": nr_slabs,
        "lists": nr,
        "cached": [int(c["kc_cpu"][cpu]["cc_avail"]) for cpu in cpus],
    }


def slabinfo_line(f):
    """One line in the layout of the kernel's slab_report()."""
    return ("%-18s %6d %6d %6d %4d %4d : tunables %4d %4d : slabdata "
            "%6d %6d : cpu%s" %
            (f["name"], f["active"], f["num"], f["stride"], f["objs"],
             f["pages"], f["limit"], f["batch"], f["active_slabs"],
             f["slabs"], "".join(" %d" % n for n in f["cached"])))


def cache_summary(c):
    """The pretty-printer's line for a struct kmem_cache value."""
    cache_type()
    f = cache_figures(c, kmem.online_cpus())
    return ("kmem_cache %s: %d-byte objects (stride %d), %d/%d in use, "
            "%d slabs of %d page%s, %d in magazines" %
            (f["name"], int(c["kc_size"]), f["stride"], f["active"],
             f["num"], f["slabs"], f["pages"], "s" if f["pages"] > 1 else "",
             sum(f["cached"])))


# ---- one slab -------------------------------------------------------------------

class Geometry:
    """The read-only layout of a cache's slots."""

    def __init__(self, c):
        self.c = c
        self.objs = int(c["kc_objs"])
        self.stride = int(c["kc_stride"])
        self.obj_off = int(c["kc_obj_off"])
        self.fp_off = int(c["kc_fp_off"])
        self.secret = int(c["kc_secret"])
        # the lazy slab's never-used objects: free, on no freelist
        self.lazy_base = int(c["kc_lazy_base"])
        self.lazy_next = int(c["kc_lazy_next"])
        self.size = int(c["kc_size"])
        self.bytes = K.PAGE_SIZE << int(c["kc_order"])
        self.flags = int(c["kc_flags"])
        self.track_off = int(c["kc_track_off"]) \
            if self.flags & K.get("SLAB_STORE_USER") else None
        self.word = gdb.lookup_type("unsigned long")
        self.wsize = self.word.sizeof

    def obj(self, base, idx):
        return base + self.obj_off + idx * self.stride

    def index(self, base, addr):
        off = addr - base - self.obj_off
        if off < 0 or off >= self.objs * self.stride or off % self.stride:
            return None
        return off // self.stride


def read_words(base, nbytes, word):
    """The slab's memory as a fetched array of words (one bulk read)."""
    n = nbytes // word.sizeof
    arr = kmem.ptr(base, word.array(n - 1)).dereference()
    arr.fetch_lazy()
    return arr


class SlabState:
    """Every object of one slab classified: free (freelist), magazine
    (cpu), live; plus problems found on the way."""

    def __init__(self, g, pg, base, magazines):
        self.g, self.base = g, base
        self.inuse = int(pg["slab"]["inuse"])
        self.head = int(pg["slab"]["freelist"])
        self.free, self.mag, self.problems = [], {}, []
        self.words = read_words(base, g.bytes, g.word)
        self.walk_freelist()
        for idx, cpu in magazines.get(base, []):
            self.mag[idx] = cpu
        taken = set(self.free) | set(self.mag)
        self.live = [i for i in range(g.objs) if i not in taken]
        if self.inuse != len(self.live) + len(self.mag):
            self.problems.append("inuse %d != live %d + in magazines %d" %
                                 (self.inuse, len(self.live), len(self.mag)))

    def word_at(self, addr):
        return int(self.words[(addr - self.base) // self.g.wsize])

    def walk_freelist(self):
        self.walk_threaded()
        if self.base == self.g.lazy_base:
            self.free.extend(range(self.g.lazy_next, self.g.objs))

    def walk_threaded(self):
        g = self.g
        if self.head in (K.get("FREELIST_NONE"), K.get("FREELIST_LAZY")):
            return
        if self.head == K.get("FREELIST_QUARANTINE"):
            self.problems.append("quarantined: its freelist was corrupt")
            return
        idx, seen = self.head, set()
        while True:
            if idx is None or idx >= g.objs or idx in seen:
                self.problems.append("freelist broken after %d objects" %
                                     len(self.free))
                return
            seen.add(idx)
            self.free.append(idx)
            wa = g.obj(self.base, idx) + g.fp_off
            nxt = self.word_at(wa) ^ g.secret ^ wa
            if nxt == self.base + K.get("FW_END"):
                return
            idx = g.index(self.base, nxt)

    def site(self, idx):
        """The recorded allocation site of object idx, or None."""
        if self.g.track_off is None:
            return None
        return self.word_at(self.g.obj(self.base, idx) + self.g.track_off)

    def state(self, idx):
        if idx in self.mag:
            return "in cpu %d's magazine (free)" % self.mag[idx]
        if idx in self.free:
            return "free, on the slab's freelist"
        s = self.site(idx)
        return "live (allocated%s)" % (" by %s" % kmem.symbolize(s)
                                       if s else "")


def magazines(c, g, cpus=None):
    """{slab base: [(object index, cpu)]} of the objects in c's magazines."""
    out = {}
    cpus = range(K.NR_CPUS) if cpus is None else cpus
    for cpu in cpus:
        cc = c["kc_cpu"][cpu]
        n = min(int(cc["cc_avail"]), cc["cc_objs"].type.range()[1] + 1)
        for i in range(n):
            addr = int(cc["cc_objs"][i])
            base = addr & ~(g.bytes - 1)
            idx = g.index(base, addr)
            out.setdefault(base, []).append((idx, cpu))
    return out


def slabs(c, mm):
    """[(list name, struct page pointer, pfn)] of every slab of c."""
    out = []
    for lname, head, count in LISTS:
        limit = int(c[count]) + 2
        try:
            for pg in kmem.list_entries(c[head], mm.t, "lru", limit):
                out.append((lname, pg, mm.pfn_of(pg)))
        except kmem.ListBroken as e:
            out.append((lname, None, "list %s: %s" % (lname, e)))
    return out


def list_of(pg, g):
    inuse, head = int(pg["slab"]["inuse"]), int(pg["slab"]["freelist"])
    if head == K.get("FREELIST_QUARANTINE"):
        return "quarantine"
    if inuse == 0:
        return "free"
    return "full" if head == K.get("FREELIST_NONE") else "partial"


# ---- for mm-page ------------------------------------------------------------------

def describe_slab_page(mm, pfn, pg):
    cache_type()
    cp = pg["slab_cache"]
    if not int(cp):
        return ["owner: a slab (PG_slab) with no cache (slab_cache NULL)"]
    c = cp.dereference()
    g = Geometry(c)
    return ["owner: slab of cache %s: %d of %d objects in use (%s list), "
            "%d-byte objects every %d bytes" %
            (name_of(c), int(pg["slab"]["inuse"]), g.objs, list_of(pg, g),
             g.size, g.stride)]


def describe_object(mm, pfn, pg, pa):
    cache_type()
    c = pg["slab_cache"].dereference()
    g = Geometry(c)
    base = kmem.phys_to_virt(pfn << K.PAGE_SHIFT)
    addr = kmem.phys_to_virt(pa)
    off = addr - base - g.obj_off
    if off < 0 or off >= g.objs * g.stride:
        return ["address is outside the slab's objects (slot padding or "
                "the unused tail)"]
    idx, inside = off // g.stride, off % g.stride
    st = SlabState(g, pg, base, magazines(c, g))
    where = "+0x%x into " % inside if inside else ""
    if inside >= g.size:
        where = "+0x%x past the %d usable bytes of " % (inside, g.size)
    return ["address is %sobject #%d at 0x%x: %s" %
            (where, idx, g.obj(base, idx), st.state(idx))] + \
        ["slab problem: %s" % p for p in st.problems]

# SPDX-License-Identifier: MIT
"""tests/gdb: each command without a structure it needs must fail with a
gdb.GdbError that names it."""
import gdb

from rvmm import kmem

from .common import check


# ---- commands whose structures are missing --------------------------------------

# command, a structure it cannot work without, a type or a variable
NEEDS = [
    ("mm-zones", "zones", "symbol"),
    ("mm-buddyinfo", "struct zone", "type"),
    ("mm-page pfn=0x80000", "mem_map", "symbol"),
    ("mm-slabinfo", "struct kmem_cache", "type"),
    ("mm-cache kmalloc-64", "slab_caches", "symbol"),
    ("mm-kmalloc", "kmalloc_class_size", "symbol"),
    ("mm-txn", "struct mm_txn", "type"),
    ("mm-leaks", "struct km_track", "type"),
    ("mm-health", "struct mm_health", "type"),
    ("mm-heap", "struct k_heap", "type"),
]


class Hidden:
    """Make the commands see a kernel without one type or variable (as a
    kernel built without that layer would look), then put it back."""

    def __init__(self, name, kind):
        self.name, self.kind = name, kind

    def __enter__(self):
        self.saved = (gdb.lookup_type, kmem.lookup_symbol)
        lookup_type, lookup_symbol = self.saved
        name = self.name

        def no_type(n, *a):
            if n == name:
                raise gdb.error("No struct type named %s." % n)
            return lookup_type(n, *a)

        def no_symbol(n, *a, **kw):
            return None if n == name else lookup_symbol(n, *a, **kw)
        if self.kind == "type":
            gdb.lookup_type = no_type
        else:
            kmem.lookup_symbol = no_symbol

    def __exit__(self, *exc):
        gdb.lookup_type, kmem.lookup_symbol = self.saved


@check("missing-structures")
def check_missing():
    """Every command, with a structure it needs hidden (or truly missing),
    fails with a gdb.GdbError that names it, and prints nothing else."""
    bad = []
    for line, needs, kind in NEEDS:
        with Hidden(needs, kind):
            try:
                out = gdb.execute(line, to_string=True)
                bad.append("%s printed %d bytes without %s" %
                           (line, len(out), needs))
                continue
            except gdb.error as e:
                err = str(e)
        print("(gdb) %s   [%s hidden]\nerror: %s" % (line, needs, err))
        if needs not in err or "Traceback" in err or \
                "Error occurred in Python" in err:
            bad.append("%s without %s: %s" % (line, needs, err))
    return bad

# SPDX-License-Identifier: MIT
"""Reading the slab layer (mm/slab.c): caches, slabs, objects."""
from . import kmem


def cache_type():
    """struct kmem_cache; GdbError until mm/slab.c defines it."""
    return kmem.ctype("struct kmem_cache", "mm/slab.h/mm/slab.c: the slab "
                      "layer is not in this kernel yet")


def describe_slab_page(mm, pfn, pg):
    cache_type()
    raise kmem.error("rvmm: struct kmem_cache exists but scripts/gdb/rvmm/"
                     "slabview.py does not read it yet")


def describe_object(mm, pfn, pg, pa):
    return describe_slab_page(mm, pfn, pg)

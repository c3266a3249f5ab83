# SPDX-License-Identifier: MIT
"""mm-slabinfo and mm-cache: the slab layer's caches, slabs and objects."""
import gdb

from . import slabview


class MmSlabinfo(gdb.Command):
    """Every kmem_cache: object size, objects in use/total, slabs, per-hart
cached objects.

Usage: mm-slabinfo"""

    NAME = "mm-slabinfo"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        slabview.cache_type()
        raise gdb.GdbError("mm-slabinfo: not written for this struct "
                           "kmem_cache yet")


class MmCache(gdb.Command):
    """Walk one cache's slabs and list its free and used objects.

Usage: mm-cache NAME"""

    NAME = "mm-cache"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        slabview.cache_type()
        raise gdb.GdbError("mm-cache: not written for this struct "
                           "kmem_cache yet")

# SPDX-License-Identifier: MIT
"""mm-heap: walk the blocks of a TLSF heap."""
import gdb

from . import kmem


class MmHeap(gdb.Command):
    """Walk a TLSF heap's blocks.

Usage: mm-heap ADDR"""

    NAME = "mm-heap"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        kmem.ctype("struct heap", "mm/heap.c: the TLSF heap is not in this "
                   "kernel yet")
        raise gdb.GdbError("mm-heap: not written for this struct heap yet")

# SPDX-License-Identifier: MIT
"""mm-leaks: tracked live allocations grouped by call site."""
import gdb

from . import kmem


class MmLeaks(gdb.Command):
    """Tracked live allocations grouped by call site (debug mode).

Usage: mm-leaks"""

    NAME = "mm-leaks"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        kmem.sym("kmalloc_leak_report", "mm/kmalloc.c with its debug-mode "
                 "allocation tracker is not in this kernel yet")
        raise gdb.GdbError("mm-leaks: not written for this tracker yet")

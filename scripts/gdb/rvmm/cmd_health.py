# SPDX-License-Identifier: MIT
"""mm-health: the health figures and verdict, computed from the structures."""
import gdb

from . import kmem


class MmHealth(gdb.Command):
    """The health figures and verdict, computed from the structures.

Usage: mm-health"""

    NAME = "mm-health"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        kmem.ctype("struct mm_health", "mm/health.h: mm_health_get() is not "
                   "in this kernel yet")
        raise gdb.GdbError("mm-health: not written for this struct "
                           "mm_health yet")

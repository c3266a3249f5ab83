# SPDX-License-Identifier: MIT
"""mm-kmalloc: the kmalloc size classes, their usage and the active mode."""
import gdb

from . import kmem


class MmKmalloc(gdb.Command):
    """The kmalloc size classes and their usage, and the active mode.

Usage: mm-kmalloc"""

    NAME = "mm-kmalloc"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        kmem.sym("kmalloc_class_size", "mm/kmalloc.c is not in this kernel "
                 "yet")
        raise gdb.GdbError("mm-kmalloc: not written for this kmalloc yet")

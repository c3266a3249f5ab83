# SPDX-License-Identifier: MIT
"""mm-txn: the open transactions of every hart and their logs."""
import gdb

from . import kmem


class MmTxn(gdb.Command):
    """Open transactions on each hart, with their logs.

Usage: mm-txn"""

    NAME = "mm-txn"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        kmem.ctype("struct mm_txn", "mm/txn.h: transactions are not in this "
                   "kernel yet")
        raise gdb.GdbError("mm-txn: not written for this struct mm_txn yet")

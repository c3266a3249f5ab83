# SPDX-License-Identifier: MIT
"""mm-help: the list of mm commands."""
import gdb

from . import kmem


class MmHelp(gdb.Command):
    """List the mm commands with one line each (help mm-NAME for more).

Usage: mm-help"""

    NAME = "mm-help"

    def __init__(self, commands):
        super().__init__(self.NAME, gdb.COMMAND_SUPPORT)
        self.commands = commands

    def invoke(self, arg, from_tty):
        for c in self.commands:
            first = (c.__doc__ or "").strip().splitlines()[0]
            gdb.write("  %-13s %s\n" % (c.NAME, first))
        gdb.write("Pretty-printers: struct page, struct zone, struct "
                  "kmem_cache (print/r for the raw structure).\n"
                  "A good place to stop: break mm_debug_checkpoint.\n")
        why = None
        try:
            why = kmem.mm_not_ready()
        except gdb.GdbError as e:
            why = str(e)
        if why:
            gdb.write("Here the commands cannot work yet: mm is not "
                      "initialised (%s).\n" % why)

# SPDX-License-Identifier: MIT
"""mm-help: the list of mm commands, or one command's usage."""
import gdb

from . import kmem


def summary(cls):
    """The first line of a command's docstring: its one-line summary."""
    return (cls.__doc__ or "").strip().splitlines()[0]


class MmHelp(gdb.Command):
    """List the mm commands with one line each, or show one command's usage.

Usage: mm-help [mm-NAME]

Without an argument: every mm command with its one-line summary (GDB's
`help user-defined` lists the same lines), the pretty-printers, and why
the commands cannot work yet when mm is not initialised.  With a command
name (mm-page, or just page): its full description, as `help mm-page`."""

    NAME = "mm-help"

    def __init__(self, commands):
        super().__init__(self.NAME, gdb.COMMAND_USER)
        self.commands = commands

    def invoke(self, arg, from_tty):
        name = arg.strip()
        if name:
            self.usage(name)
            return
        for c in self.commands + [self]:
            gdb.write("  %-13s %s\n" % (c.NAME, summary(c)))
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

    def usage(self, name):
        if not name.startswith("mm-"):
            name = "mm-" + name
        for c in self.commands + [self]:
            if c.NAME == name:
                gdb.write((c.__doc__ or "").strip() + "\n")
                return
        raise gdb.GdbError("mm-help: no command %s (mm-help lists them)"
                           % name)

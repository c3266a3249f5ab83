# SPDX-License-Identifier: MIT
"""Pieces for the recipes of docs/tour.md (scripts/docs_recipes.py): a
figure read from what GDB printed, and line counts and opening comments
of source files for README.md's reading path."""
import re

from docs_runs import RunError


class GdbFig:
    """A figure from a GDB run: group 1 (or group) of the first line
    matching regex in the output of a command.  of=CMD reads a command
    that a transcript recipe already shows; cmd=CMD runs a command of its
    own (not shown), in recipe order with the others."""
    kind = "fig"

    def __init__(self, run, regex, of=None, cmd=None, group=1):
        self.run, self.regex, self.group = run, regex, group
        self.of = of or cmd
        self.cmds = (cmd,) if cmd is not None else ()

    def render(self, runner):
        step = runner.gdb_steps(self.run)[self.of.index]
        if step["cmd"] is None:
            raise RunError("the GDB session ended before %r" % self.of.line)
        m = re.search(self.regex, step["out"], re.M)
        if not m:
            raise RunError("%r printed no line matching %r" % (
                self.of.line, self.regex))
        return m.group(self.group)

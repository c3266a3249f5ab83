# SPDX-License-Identifier: MIT
"""Pieces for the recipes of docs/tour.md (scripts/docs_recipes.py): a
figure read from what GDB printed; and, for README.md's reading path,
the first sentence of each source file's opening comment:

    python3 scripts/docs_tour.py summary FILE...   "FILE: sentence" each
"""
import re
import sys

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


def summary(path):
    """The first sentence of the comment that opens a C file (after its
    SPDX line), on one line."""
    words = []
    with open(path, encoding="utf-8") as f:
        for ln in f:
            ln = ln.strip()
            if ln.startswith("/* SPDX") or ln == "/*":
                continue
            if not ln.startswith("*") or ln in ("*", "*/"):
                break  # the end of the first paragraph
            words.append(ln.lstrip("*").strip())
    text = " ".join(words)
    m = re.search(r"\.(\s|$)", text)
    return text[:m.start() + 1] if m else text


if __name__ == "__main__":
    if sys.argv[1:2] != ["summary"]:
        sys.exit("usage: docs_tour.py summary FILE...")
    for p in sys.argv[2:]:
        print("%s: %s" % (p, summary(p)))

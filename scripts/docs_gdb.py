# SPDX-License-Identifier: MIT
"""Runs inside gdb-multiarch for scripts/docs.py (a Gdb run): attached to a
QEMU halted at reset with the mm commands loaded (the gdbinit of `make
gdb`), execute the commands listed in $RVMM_DOCS_STEPS (JSON) one after
the other, each preceded on standard output by a line "\\x1e@@step N CMD"
(the command as run: "{=EXPR}" becomes EXPR's value in hex).  GDB prints
everything as an interactive session shows it (a breakpoint hit, the old
and new value of a watchpoint, the source line); a command that fails
prints GDB's error message, and the session goes on."""
import json
import os
import re

import gdb


def expand(line):
    return re.sub(r"\{=(.*?)\}",
                  lambda m: hex(int(gdb.parse_and_eval(m.group(1)))), line)


def main():
    with open(os.environ["RVMM_DOCS_STEPS"]) as f:
        steps = json.load(f)
    for n, line in enumerate(steps):
        try:
            line = expand(line)
        except gdb.error as e:
            line = "%s (cannot expand: %s)" % (line, e)
        gdb.write("\x1e@@step %d %s\n" % (n, line))
        gdb.flush()
        try:
            gdb.execute(line, True)  # from_tty: as typed at the prompt
        except gdb.error as e:
            gdb.write("%s\n" % e)
        gdb.flush()
    gdb.write("\x1e@@end\n")
    gdb.flush()


main()
try:
    gdb.execute("kill")
except gdb.error:
    pass  # QEMU already gone
